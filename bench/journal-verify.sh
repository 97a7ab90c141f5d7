#!/usr/bin/env bash
# Journal verification at server start (measurements, not tests). Builds the CLI, makes a home with
# ENTRIES journal entries (checkpointed every 100, as the server does), then measures in the same run:
#   - `kiln server` start on it, until it prints its addresses: JVM + open + verify + replay + router
#     + API (the server refuses to start on a journal that fails verification)
#   - the same start on an empty home: what start costs without a journal
#   - `kiln audit verify --home` (offline, JVM start included)
#   - verification alone, and the replay's read alone, in a warm JVM
#   - peers on the same file: sqlite3 'PRAGMA integrity_check' and sha256sum state.db
#   bench/journal-verify.sh [entries=100000] [runs=3]
# Needs: a JDK >= 21 (found by scripts/find-jdk.sh); sqlite3 for that peer (skipped if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
kiln_find_jdk
entries=${1:-100000}
runs=${2:-3}
flags=$(kiln_jvm_flags)
export MAVEN_OPTS="${MAVEN_OPTS:-} $flags"
java="$JAVA_HOME/bin/java"
./mvnw -q -B -DskipTests -Dspotless.skip=true package -pl kiln-cli -am
jar=kiln-cli/target/kiln.jar
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "generating a home with $entries journal entries..."
t=$(date +%s%N)
"$java" $flags -cp "$jar" bench/JournalVerifyBench.java "$work/home" generate "$entries"
echo "  done in $(ms "$t") ms; state.db is $(du -h "$work/home/state.db" | cut -f1)"
mkdir -p "$work/empty"

# Starts `kiln server` on $1, waits for its "kiln server: API ..." line, prints the ms it took, stops it.
start_ms() {
  local out="$work/server.out" t
  : >"$out"
  t=$(date +%s%N)
  KILN_HOME="$1" "$java" $flags -jar "$jar" server --home "$1" --api 127.0.0.1:0 --router 127.0.0.1:0 \
    --in-process-router >"$out" 2>"$work/server.err" &
  server=$!
  until grep -q '^kiln server: API' "$out"; do
    kill -0 "$server" 2>/dev/null || { echo "kiln server exited:" >&2; cat "$work/server.err" >&2; exit 1; }
    sleep 0.01
  done
  ms "$t"
  # The server's own log line: how much of that start was verification.
  sed -n 's/.*journal verified in \([0-9]*\) ms.*/\1/p' "$work/server.err" | tail -1 >>"$work/verify-ms"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}
run() { # label, command...
  local label=$1 t xs=()
  shift
  for _ in $(seq 1 "$runs"); do
    t=$(date +%s%N)
    "$@" >/dev/null
    xs+=("$(ms "$t")")
  done
  printf '%-58s %6s ms  (runs: %s)\n' "$label" "$(printf '%s\n' "${xs[@]}" | median)" "${xs[*]}"
}

echo
echo "median of $runs runs; $entries entries, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
xs=(); for _ in $(seq 1 "$runs"); do xs+=("$(start_ms "$work/home")"); done
printf '%-58s %6s ms  (runs: %s)\n' "kiln server start, $entries entries (verify + replay)" \
  "$(printf '%s\n' "${xs[@]}" | median)" "${xs[*]}"
printf '%-58s %6s ms  (runs: %s)\n' "  of which verification (the server's log line)" \
  "$(median <"$work/verify-ms")" "$(tr '\n' ' ' <"$work/verify-ms")"
xs=(); for _ in $(seq 1 "$runs"); do xs+=("$(start_ms "$work/empty")"); done
printf '%-58s %6s ms  (runs: %s)\n' "kiln server start, empty home" "$(printf '%s\n' "${xs[@]}" | median)" "${xs[*]}"
run "kiln audit verify --home (offline, JVM included)" \
  "$java" $flags -jar "$jar" audit verify --home "$work/home"
if command -v sqlite3 >/dev/null; then
  run "peer: sqlite3 state.db 'PRAGMA integrity_check'" sqlite3 "$work/home/state.db" 'PRAGMA integrity_check'
else
  echo "peer: sqlite3 not installed (apt-get install sqlite3); skipped"
fi
run "peer: sha256sum state.db" sha256sum "$work/home/state.db"
"$java" $flags -cp "$jar" bench/JournalVerifyBench.java "$work/home" verify "$runs"
