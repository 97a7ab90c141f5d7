# Sourced by ./kiln and .ci/run: sets JAVA_HOME to a JDK >= 21 (Kiln targets Java 21).
# Order: $JAVA_HOME if new enough, then the newest JDK under /usr/lib/jvm, then `java` on the PATH.
kiln_java_major() { # prints the major version of the java binary $1
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}
kiln_find_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(kiln_java_major "$candidate/bin/java")
    [ -n "$major" ] || continue
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best=$candidate; break; fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "kiln: no JDK >= 21 found (looked at \$JAVA_HOME, /usr/lib/jvm, /opt/java and java on the PATH)." >&2
    echo "kiln: install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# JVM flags that keep JDK 22+ from warning about what Netty, SQLite and Maven's own jars do on
# purpose (native access, sun.misc.Unsafe). Only flags the chosen JDK knows are printed.
kiln_jvm_flags() {
  local major
  major=$(kiln_java_major "$JAVA_HOME/bin/java")
  local flags="--enable-native-access=ALL-UNNAMED"
  [ "${major:-0}" -ge 24 ] && flags="$flags --sun-misc-unsafe-memory-access=allow"
  echo "$flags"
}
