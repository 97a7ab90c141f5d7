#!/usr/bin/env bash
# The dashboard, measured against a real `kiln server` (router in a process of its own):
#   1. page weight: the bytes of /ui/ + app.js + app.css as served, plain and gzip;
#   2. time to first render in Debian's chromium (playwright-core): navigation start to app.js's
#      "kiln-first-render" mark (the fleet table drawn from the API), median of RUNS fresh loads;
#   3. the server's CPU during rollouts with STREAMS open event streams (curl -N on /v1/events),
#      against its peer, the same server doing the same rollouts with 0 streams (before and after);
#      and during a burst of ENTRIES journal entries (policy exceptions over the API), which is the
#      streams' own work without the rollouts' timing noise.
#
#   bench/ui.sh                      # ROLLOUTS=4 STREAMS=50 RUNS=10
#   STREAMS=200 ROLLOUTS=6 bench/ui.sh
set -euo pipefail

STREAMS=${STREAMS:-50}
ROLLOUTS=${ROLLOUTS:-4}
RUNS=${RUNS:-10}
ENTRIES=${ENTRIES:-500}
API_PORT=${API_PORT:-17881}
ROUTER_PORT=${ROUTER_PORT:-18083}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/kiln}
UI=$ROOT/kiln-server/src/test/ui
. "$ROOT/bench/lib.sh"

bench_need curl jq busybox=busybox-static chromium
command -v node >/dev/null || { echo "bench: needs node and npm" >&2; exit 1; }
[ -d "$UI/node_modules/playwright-core" ] || (cd "$UI" && npm ci --no-audit --no-fund --silent)

WORK=$(mktemp -d /tmp/kiln-ui.XXXXXX)
export KILN_HOME=$WORK/home
PROJECT=$WORK/project
SERVER_PID=
STREAM_PIDS=()
cleanup() {
  set +e
  for p in "${STREAM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  "$JAVA_HOME/bin/java" -cp "$ROOT/kiln-cli/target/kiln.jar" dev.kiln.server.ServerMain --home "$KILN_HOME" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1
  echo "bench: work dir $WORK (server log: $WORK/server.log)"
}
trap cleanup EXIT

mkdir -p "$PROJECT/bin" "$PROJECT/site"
cp /bin/busybox "$PROJECT/bin/busybox"; ln -sf busybox "$PROJECT/bin/sh"
echo hello > "$PROJECT/site/index.html"
blueprint() { # the env value makes each apply a new revision of the same image
  cat > "$PROJECT/kiln.yaml" <<YAML
images:
  hello:
    from: scratch
    steps:
      - copy: { src: bin/, dest: /bin }
      - copy: { src: site/, dest: /www }
    entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:\$PORT -h /www" ]
services:
  web:
    image: hello
    replicas: 2
    env: { ROUND: "$1" }
    health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
    route: { host: "*", path: / }
    strategy:
      rolling: { max-surge: 1, max-unavailable: 0 }
YAML
}

api() { curl -sf --unix-socket "$KILN_HOME/api.sock" -X "$1" -H 'Content-Type: application/json' -H "X-Kiln-Actor: bench" "http://localhost$2" ${3:+-d "$3"}; }
ROUND=0
rollout() { # one apply, then wait until the new revision serves alone with every replica healthy
  ROUND=$((ROUND + 1)); blueprint "$ROUND"
  $KILN apply -f "$PROJECT/kiln.yaml" --detach >/dev/null
  until api GET /v1/services/web | jq -e '.rollout.phase == "SUCCEEDED" and .healthy >= .replicas and (.traffic | length) == 1' >/dev/null; do
    sleep 0.1
  done
}
N=0
burst() { # NAME: ENTRIES appends, one API request each; prints "NAME cpu_seconds wall_seconds"
  local c0 c1 t0 t1
  c0=$(cpu_ticks); t0=$(date +%s%N)
  for _ in $(seq 1 "$ENTRIES"); do
    N=$((N + 1)); api POST /v1/policy/exceptions "{\"advisory\":\"BENCH-$N\",\"until\":\"2099-01-01\",\"reason\":\"bench\"}" >/dev/null
  done
  c1=$(cpu_ticks); t1=$(date +%s%N)
  awk -v n="$1" -v c="$((c1 - c0))" -v hz="$HZ" -v w="$((t1 - t0))" 'BEGIN {printf "%s %.2f %.1f\n", n, c / hz, w / 1e9}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
HZ=$(getconf CLK_TCK)
phase() { # NAME: ROLLOUTS rollouts; prints "NAME cpu_seconds wall_seconds"
  local c0 c1 t0 t1
  c0=$(cpu_ticks); t0=$(date +%s%N)
  for _ in $(seq 1 "$ROLLOUTS"); do rollout; done
  c1=$(cpu_ticks); t1=$(date +%s%N)
  awk -v n="$1" -v c="$((c1 - c0))" -v hz="$HZ" -v w="$((t1 - t0))" 'BEGIN {printf "%s %.2f %.1f\n", n, c / hz, w / 1e9}'
}

$KILN server --api 127.0.0.1:$API_PORT --router 127.0.0.1:$ROUTER_PORT >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 3000); do api GET /v1/health >/dev/null && break; sleep 0.1; done  # the first run builds the CLI
api GET /v1/health >/dev/null || { echo "bench: server did not start; see $WORK/server.log" >&2; exit 1; }
blueprint 0
$KILN bake -f "$PROJECT/kiln.yaml" >/dev/null
rollout

echo "== page weight (as served by the API, bytes)"
plain=0; gz=0
for f in /ui/ /ui/app.js /ui/app.css; do
  p=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$API_PORT$f")
  z=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$API_PORT$f")
  printf '  %-12s %6d plain %6d gzip\n' "$f" "$p" "$z"
  plain=$((plain + p)); gz=$((gz + z))
done
printf '  %-12s %6d plain %6d gzip\n' total "$plain" "$gz"

echo "== time to first render in chromium ($RUNS loads)"
url=$(api POST /v1/ui/codes '{}' | jq -r .url)
(cd "$UI" && node render.mjs "$url" "$RUNS") | jq -r '"  first render (fleet table drawn) median \(.renderMedianMs|floor) ms, max \(.renderMaxMs|floor) ms; first contentful paint median \(.fcpMedianMs|floor) ms"'

echo "== server CPU during $ROLLOUTS rollouts (2 replicas, rolling): $STREAMS event streams vs 0"
phase warm-up >/dev/null; burst warm-up >/dev/null # the JIT's warm-up is no phase's cost
a=$(phase "0-streams")
ba=$(burst "burst-0")
TOKEN=$(cat "$KILN_HOME/api-token")
HEAD=$(api GET '/v1/journal?limit=1' | jq '.entries[0].seq')
for i in $(seq 1 "$STREAMS"); do
  curl -sN -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT/v1/events?since=$HEAD" >"$WORK/stream-$i.txt" 2>/dev/null &
  STREAM_PIDS+=($!)
done
sleep 1
b=$(phase "$STREAMS-streams")
bb=$(burst "burst-$STREAMS")
for p in "${STREAM_PIDS[@]}"; do kill "$p" 2>/dev/null; done; STREAM_PIDS=()
events=$(cat "$WORK"/stream-*.txt | grep -c '^id: ' || true)
c=$(phase "0-streams-again")
bc=$(burst "burst-0-again")
echo "  $a" | awk '{printf "  %-16s %6.2f s CPU over %5.1f s\n", $1, $2, $3}'
echo "  $b" | awk '{printf "  %-16s %6.2f s CPU over %5.1f s\n", $1, $2, $3}'
echo "  $c" | awk '{printf "  %-16s %6.2f s CPU over %5.1f s\n", $1, $2, $3}'
for x in "$ba" "$bb" "$bc"; do
  echo "$x" | awk -v e="$ENTRIES" '{printf "  %-16s %6.2f s CPU over %5.1f s for %d entries\n", $1, $2, $3, e}'
done
echo "  events delivered to the $STREAMS streams: $events ($((events / STREAMS)) each)"
awk -v a="$(echo "$a" | cut -d' ' -f2)" -v b="$(echo "$b" | cut -d' ' -f2)" -v c="$(echo "$c" | cut -d' ' -f2)" -v s="$STREAMS" \
  'BEGIN {base = (a + c) / 2; printf "  ratio: server CPU with %d streams / with 0 (mean of before and after) = %.2f\n", s, b / base}'
share() { echo "$1" | awk '{print $2 / $3}'; }
awk -v a="$(share "$a")" -v b="$(share "$b")" -v c="$(share "$c")" -v s="$STREAMS" \
  'BEGIN {base = (a + c) / 2; printf "  CPU share (CPU s per wall s): %.1f%% with %d streams, %.1f%% with 0; ratio %.2f\n", 100 * b, s, 100 * base, b / base}'
awk -v a="$(echo "$ba" | cut -d' ' -f2)" -v b="$(echo "$bb" | cut -d' ' -f2)" -v c="$(echo "$bc" | cut -d' ' -f2)" -v s="$STREAMS" -v e="$ENTRIES" \
  'BEGIN {base = (a + c) / 2; printf "  burst of %d entries: server CPU with %d streams / with 0 = %.2f (%.2f ms more per entry, %.1f us per entry per stream)\n", e, s, b / base, (b - base) * 1000 / e, (b - base) * 1e6 / e / s}'
