#!/usr/bin/env bash
# Kiln runtime benchmark (measurements, not tests): start-to-healthy (first HTTP 200) of one busybox
# httpd instance as a bare process, via the process driver (bwrap sandbox without a cgroup, with one,
# and with resource limits; and unsandboxed), via the docker driver (without and with limits) and via
# `docker run`, all in the same run; 50 instances started at once; supervision memory per instance
# with 100 instances.
#   bench/runtime.sh [runs=20] [fleet=50] [memory-fleet=100] [nodocker]
# Needs: bubblewrap, busybox-static, a running dockerd (or pass nodocker), root for cgroups; the kiln-*
# modules compile from this checkout (third-party dependencies come from ~/.m2).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
kiln_find_jdk
cp_file=$(mktemp)
trap 'rm -f "$cp_file" "$cp_file".*' EXIT
for m in kiln-runtime-process kiln-runtime-docker; do
  ./mvnw -q -pl "$m" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file.$m" >/dev/null
done
# this checkout's classes first, so a stale kiln-* jar in ~/.m2 never stands in for them
./mvnw -q -pl kiln-model,kiln-runtime,kiln-testkit,kiln-runtime-process,kiln-runtime-docker compile >/dev/null
CP="kiln-model/target/classes:kiln-runtime/target/classes:kiln-testkit/target/classes:kiln-runtime-process/target/classes:kiln-runtime-docker/target/classes:$(cat "$cp_file".kiln-runtime-process):$(cat "$cp_file".kiln-runtime-docker)"
ulimit -n 65536 2>/dev/null || true
exec "$JAVA_HOME/bin/java" -cp "$CP" -Djava.util.logging.config.file=/dev/null \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=off bench/RuntimeBench.java "$@"
