#!/usr/bin/env bash
# Instance isolation, measured: requests/s and p99 from Kiln's router to one busybox httpd instance,
# isolation on (a tenant: own network namespace + veth + DNAT, own uid, seccomp) beside isolation off
# (root with dropped capabilities on the host loopback), alternating in the same run.
#   bench/isolation.sh [rounds=3] [duration=10s] [connections=16]
# Start time with and without isolation: bench/runtime.sh ("process sandboxed (bwrap)" vs
# "process sandboxed, isolation=none").
# Needs: root, bubblewrap, iproute2, nftables, util-linux, wrk, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need wrk busybox=busybox-static nft=nftables ip=iproute2 bwrap=bubblewrap
cp_file=$(mktemp)
trap 'rm -f "$cp_file" "$cp_file".*' EXIT
bench_classpath kiln-server "$cp_file" test
ulimit -n 65536 2>/dev/null || true
exec "$JAVA_HOME/bin/java" -cp "$(cat "$cp_file")" -Djava.util.logging.config.file=/dev/null \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=off bench/IsolationBench.java "$@"
