#!/usr/bin/env bash
# The swarm runtime on three real hosts (network namespaces with their own dockerd, formed into a swarm,
# a registry they pull from, a client sending requests through Kiln's router the whole time).
#   bench/swarm.sh [RUNS=1] [STRATEGY=rolling]
# rolling     SwarmFleetIT (the driver and router alone): a rolling replacement of 6 instances across
#             the hosts, then a host lost (link down, engine killed) and the time until the fleet is at
#             full capacity again, with failed requests counted.
# blue-green, canary, strategies
#             SwarmStrategiesIT (kiln-cli): the control plane `kiln server` runs, driven by the CLI, rolls
#             3 instances over the 3 hosts by blue-green (auto-promote 1s) and by canary with analysis
#             (34% for 3 s, 67% for 2 s, error rate from the router's metrics), then loses a host. The
#             peer, measured in the same run on the same hosts: the swarm's own rolling update
#             (`docker service update`, stop-first, one task at a time) of a 3-replica service between the
#             same two images, timed until its new tasks run (no health gate, no router) — the ratios
#             are Kiln's rollout time over it. `strategies` prints every line; the others their own.
# Prints the tests' SWARM-BENCH lines. Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need skopeo docker-registry dockerd=docker.io ip=iproute2 tini
RUNS=${1:-1}
STRATEGY=${2:-rolling}
case "$STRATEGY" in
  rolling) MODULE=kiln-runtime-swarm; IT=SwarmFleetIT; PICK='.' ;;
  blue-green) MODULE=kiln-cli; IT=SwarmStrategiesIT; PICK='placement|blue-green|peer|host-loss' ;;
  canary) MODULE=kiln-cli; IT=SwarmStrategiesIT; PICK='placement|canary|peer|host-loss' ;;
  strategies) MODULE=kiln-cli; IT=SwarmStrategiesIT; PICK='.' ;;
  *) echo "bench: strategy is rolling, blue-green, canary or strategies, not $STRATEGY" >&2; exit 2 ;;
esac
LOG=$(mktemp /tmp/kiln-swarm-bench.XXXXXX)
trap 'rm -f "$LOG"' EXIT
for i in $(seq 1 "$RUNS"); do
  (cd "$ROOT" && ./mvnw -B -q -pl "$MODULE" -am verify -Dtest=NONE -Dit.test="$IT" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true) \
    >"$LOG" 2>&1 || { echo "bench: $IT failed:" >&2; tail -40 "$LOG" >&2; exit 1; }
  echo "run $i ($STRATEGY):"
  grep -h 'SWARM-BENCH' "$LOG" | sed 's/^.*SWARM-BENCH /  /' | grep -E "$PICK" || true
done
