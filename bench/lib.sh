# Sourced by the bench scripts: a JDK >= 21 and classpaths built from this checkout's reactor, so every
# bench runs from a fresh clone (nothing has to be installed in ~/.m2 first).
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$BENCH_ROOT/scripts/find-jdk.sh"
kiln_find_jdk
export MAVEN_OPTS="${MAVEN_OPTS:-} $(kiln_jvm_flags)"

# bench_classpath MODULE OUTFILE [SCOPE]: package MODULE and everything it needs (-am), then write its
# runtime (or SCOPE) classpath, with the module's own classes first, to OUTFILE. With -am every module of the
# reactor writes OUTFILE in turn; MODULE is built last, so its classpath is what stays.
bench_classpath() {
  local module=$1 out=$2 scope=${3:-runtime}
  (cd "$BENCH_ROOT" && ./mvnw -q -B -pl "$module" -am package dependency:build-classpath -DskipTests \
    -Dspotless.check.skip=true -Dmdep.includeScope="$scope" -Dmdep.outputFile="$out") >&2
  printf '%s:%s' "$BENCH_ROOT/$module/target/classes" "$(cat "$out")" >"$out.tmp" && mv "$out.tmp" "$out"
}

# bench_cli_jar: build the shaded CLI (kiln-cli/target/kiln.jar) from this checkout if it is missing.
bench_cli_jar() {
  local jar=$BENCH_ROOT/kiln-cli/target/kiln.jar
  [ -f "$jar" ] || (cd "$BENCH_ROOT" && ./mvnw -q -B -pl kiln-cli -am package -DskipTests \
    -Dspotless.check.skip=true) >&2
  echo "$jar"
}

# bench_need CMD[=PACKAGE]...: install (as root, from Debian) the peers and tools a bench needs, if missing.
bench_need() {
  local spec cmd pkg missing=()
  for spec in "$@"; do
    cmd=${spec%%=*}; pkg=${spec#*=}
    command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} = 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bench: needs ${missing[*]} (apt-get install them as root)" >&2; return 1
  fi
}
export PATH=$PATH:/usr/sbin
