#!/usr/bin/env bash
# Kiln runtime benchmark (measurements, not tests): start-to-healthy (first HTTP 200) of one busybox
# httpd instance as a bare process, via the process driver (bwrap sandbox without a cgroup, with one,
# and with resource limits; and unsandboxed), via the docker driver (without and with limits) and via
# `docker run`, all in the same run; 50 instances started at once; supervision memory per instance
# with 100 instances.
#   bench/runtime.sh [runs=20] [fleet=50] [memory-fleet=100] [nodocker]
# Needs: bubblewrap, busybox-static, a running dockerd (or pass nodocker), root for cgroups; the modules
# are built from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
cp_file=$(mktemp)
trap 'rm -f "$cp_file" "$cp_file".*' EXIT
for m in kiln-runtime-process kiln-runtime-docker; do
  bench_classpath "$m" "$cp_file.$m" test
done
CP="$(cat "$cp_file".kiln-runtime-process):$(cat "$cp_file".kiln-runtime-docker)"
ulimit -n 65536 2>/dev/null || true
exec "$JAVA_HOME/bin/java" -cp "$CP" -Djava.util.logging.config.file=/dev/null \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=off bench/RuntimeBench.java "$@"
