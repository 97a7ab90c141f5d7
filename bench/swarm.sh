#!/usr/bin/env bash
# The swarm runtime on three real hosts (network namespaces with their own dockerd, formed into a swarm,
# a registry they pull from, Kiln's router in the test JVM, a client sending requests the whole time):
# a rolling replacement of 6 instances across the hosts, then a host lost (link down, engine killed) and
# the time until the fleet is at full capacity again, with failed requests counted. The measurement is
# SwarmFleetIT's; this runs it RUNS times and prints its SWARM-BENCH lines. Needs root.
#   bench/swarm.sh [RUNS=1]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need skopeo docker-registry dockerd=docker.io ip=iproute2 tini
RUNS=${1:-1}
LOG=$(mktemp /tmp/kiln-swarm-bench.XXXXXX)
trap 'rm -f "$LOG"' EXIT
for i in $(seq 1 "$RUNS"); do
  (cd "$ROOT" && ./mvnw -B -q -pl kiln-runtime-swarm -am verify -Dtest=NONE -Dit.test=SwarmFleetIT \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true) \
    >"$LOG" 2>&1 || { echo "bench: SwarmFleetIT failed:" >&2; tail -40 "$LOG" >&2; exit 1; }
  echo "run $i:"
  grep -h 'SWARM-BENCH' "$LOG" | sed 's/^.*SWARM-BENCH /  /' || true
done
