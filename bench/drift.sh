#!/usr/bin/env bash
# Kiln drift benchmark (measurements, not tests): detection latency of the process runtime's drift
# detector per surface (a host-side write, chmod or symlink into an instance's root; a process entered
# with nsenter), median and p99 over N events, beside the time AIDE needs for one --check of the same
# root; and the detector's CPU with M idle instances, polled as the executor does (every 200 ms), after a
# 15 s warm-up (the JIT compiling drift() once is not its steady cost).
#   bench/drift.sh [events=50] [idle-instances=100] [cpu-seconds=60]
# Needs: bubblewrap, nsenter (util-linux), root; aide is installed from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need aide=aide
cp_file=$(mktemp)
trap 'rm -f "$cp_file" "$cp_file".*' EXIT
bench_classpath kiln-runtime-process "$cp_file" test
ulimit -n 65536 2>/dev/null || true
exec "$JAVA_HOME/bin/java" -cp "$(cat "$cp_file")" -Djava.util.logging.config.file=/dev/null \
  bench/DriftBench.java "$@"
