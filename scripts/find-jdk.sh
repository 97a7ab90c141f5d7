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
# JVM flags for a long-running Kiln process that shares the host with the fleet it serves (`kiln server`,
# `kiln up`, `kiln demo`): its JIT compiler threads run at nice 10, so compiling never takes a core from the router,
# the instances or the process's own request path (measured on 2 cores: C1/C2 compiles ran beside
# every warm rollback; bench/rollback.sh's median went from 13.3 to 11.4 ms). Linux honours the thread
# priority only with ThreadPriorityPolicy=1, which the JVM refuses with a warning unless root: root only.
# The router process gets the same from RouterJvm.
kiln_server_jvm_flags() {
  [ "$(id -u)" = 0 ] && echo "-XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=10"
  return 0
}

kiln_jvm_flags() {
  local major
  major=$(kiln_java_major "$JAVA_HOME/bin/java")
  local flags="--enable-native-access=ALL-UNNAMED"
  [ "${major:-0}" -ge 24 ] && flags="$flags --sun-misc-unsafe-memory-access=allow"
  echo "$flags"
}
