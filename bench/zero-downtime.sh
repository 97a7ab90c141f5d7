#!/usr/bin/env bash
# Zero-downtime deploys, measured: a real `kiln server` (router in a process of its own), a busybox
# httpd service with 2 replicas whose two revisions answer "A" and "B", and wrk at a fixed concurrency
# through the router while the API rolls out and rolls back, for each strategy.
#
#   bench/zero-downtime.sh                       # N=5 rollouts + N rollbacks per strategy
#   N=10 CONNS=20 DURATION=60 bench/zero-downtime.sh
#   KILN="java -jar kiln-cli/target/kiln.jar" bench/zero-downtime.sh   # skip the ./kiln launcher
#   IN_PROCESS_ROUTER=1 ONLY_KILL=1 bench/zero-downtime.sh   # the kill -9 gap with the router inside the server
#
# Prints per strategy: requests, failures (non-2xx + socket errors), p99 in steady state vs during
# the rollouts, how many rollouts/rollbacks ran inside the wrk window; then the time from
# `POST rollback` to 100% of traffic on a warm blue-green fleet, and the blue-green switch time
# (apply -> 100% on the new fleet, fleet start included), and the traffic gap across kill -9 of
# the server.
set -euo pipefail

N=${N:-5}
CONNS=${CONNS:-16}
DURATION=${DURATION:-40}
STEADY=${STEADY:-10}
API_PORT=${API_PORT:-17878}
ROUTER_PORT=${ROUTER_PORT:-18080}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/kiln}
. "$ROOT/bench/lib.sh"
API=http://127.0.0.1:$API_PORT
ROUTER=http://127.0.0.1:$ROUTER_PORT

bench_need wrk curl jq busybox=busybox-static

WORK=$(mktemp -d /tmp/kiln-zd.XXXXXX)
export KILN_HOME=$WORK/home
PROJECT=$WORK/project
SERVER_PID=
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  # Stop the fleet and the router the server left running (they outlive it by design).
  "$JAVA_HOME/bin/java" -cp "$ROOT/kiln-cli/target/kiln.jar" dev.kiln.server.ServerMain --home "$KILN_HOME" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1
  echo "bench: work dir $WORK (server log: $WORK/server.log)"
}
trap cleanup EXIT

mkdir -p "$PROJECT/bin" "$PROJECT/site-a" "$PROJECT/site-b"
cp /bin/busybox "$PROJECT/bin/busybox"; ln -sf busybox "$PROJECT/bin/sh"
echo A > "$PROJECT/site-a/index.html"; echo B > "$PROJECT/site-b/index.html"

blueprint() { # image strategy
  cat > "$PROJECT/kiln-$1.yaml" <<EOF
images:
  a:
    from: scratch
    steps:
      - copy: { src: bin/, dest: /bin }
      - copy: { src: site-a/, dest: /www }
    entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:\$PORT -h /www" ]
  b:
    from: scratch
    steps:
      - copy: { src: bin/, dest: /bin }
      - copy: { src: site-b/, dest: /www }
    entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:\$PORT -h /www" ]
services:
  web:
    image: $1
    replicas: 2
    health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
    route: { host: "*", path: / }
    strategy:
      $2
EOF
}

ms() { date +%s%3N; }
# The API's unix socket (no token; the server names us by uid). The blueprint goes as content; its
# images are baked once up front with `kiln bake`, and the server finds them by tag.
api() { curl -sf --unix-socket "$KILN_HOME/api.sock" -X "$1" -H 'Content-Type: application/json' -H "X-Kiln-Actor: bench" "http://localhost$2" ${3:+-d "$3"}; }
apply() { api POST /v1/apply "$(jq -n --rawfile b "$PROJECT/kiln-$1.yaml" --arg n "kiln-$1.yaml" '{blueprint: $b, name: $n}')"; }
settled() { # revision -> 0 when all traffic is on it and the rollout is done
  api GET /v1/services/web | jq -e --arg r "$1" '(.rollout.to == ($r|tonumber)) and (.rollout.phase == "SUCCEEDED" or .rollout.phase == "SCALING_DOWN") and (.traffic | length == 1) and (.traffic[$r] == 100) and (.healthy >= .replicas)' >/dev/null
}
wait_settled() { for _ in $(seq 1 1500); do settled "$1" && return 0; sleep 0.05; done; echo "bench: revision $1 did not settle" >&2; exit 1; }
all_traffic_on() { api GET /v1/services/web | jq -e --arg r "$1" '.traffic[$r] == 100' >/dev/null; }

start_server() {
  $KILN server --api 127.0.0.1:$API_PORT --router 127.0.0.1:$ROUTER_PORT ${IN_PROCESS_ROUTER:+--in-process-router} >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do api GET /v1/health >/dev/null && return 0; sleep 0.1; done
  echo "bench: server did not start; see $WORK/server.log" >&2; exit 1
}

wrk_summary() { # file -> "requests failures p99"
  awk '
    /requests in/ {req=$1}
    /Non-2xx or 3xx responses/ {non2xx=$5}
    /Socket errors/ {gsub(",", ""); sock=$4+$6+$8+$10}
    /^ *99%/ {p99=$2}
    END {printf "%d %d %s\n", req, non2xx+sock, p99}' "$1"
}

start_server
echo "bench: server up ($API, router $ROUTER); N=$N rollouts + N rollbacks per strategy, wrk -c$CONNS"
printf "%-11s %9s %9s %12s %12s %10s\n" strategy requests failures p99-steady p99-deploys deploys
if [ -z "${ONLY_KILL:-}" ]; then
for strategy in "rolling: { max-surge: 1, max-unavailable: 0 }" \
                "blue-green: { auto-promote: 200ms, scale-down-delay: 10m }" \
                "canary: { steps: [ { weight: 25, pause: 500ms }, { weight: 75, pause: 500ms } ] }"; do
  name=${strategy%%:*}
  blueprint a "$strategy"; blueprint b "$strategy"
  $KILN bake -f "$PROJECT/kiln-a.yaml" >/dev/null  # both images, a and b
  rev=$(apply a | jq '.plan.changes[0].toRevision'); wait_settled "$rev"
  wrk -t2 -c"$CONNS" -d"${STEADY}s" --latency "$ROUTER/" > "$WORK/steady-$name.txt"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$ROUTER/" > "$WORK/deploys-$name.txt" &
  WRK=$!
  sleep 1
  img=a; deploys=0
  for _ in $(seq 1 "$N"); do
    img=$([ $img = a ] && echo b || echo a)
    rev=$(apply $img | jq '.plan.changes[0].toRevision'); wait_settled "$rev"; deploys=$((deploys+1))
  done
  for _ in $(seq 1 "$N"); do
    rev=$(api POST /v1/services/web/rollback '{}' | jq '.revision.number'); wait_settled "$rev"; deploys=$((deploys+1))
  done
  kill -0 $WRK 2>/dev/null || echo "bench: WARNING wrk ended before the deploys did; raise DURATION" >&2
  wait $WRK
  read -r sreq sfail sp99 < <(wrk_summary "$WORK/steady-$name.txt")
  read -r dreq dfail dp99 < <(wrk_summary "$WORK/deploys-$name.txt")
  printf "%-11s %9d %9d %12s %12s %10d\n" "$name" "$dreq" "$dfail" "$sp99" "$dp99" "$deploys"
done

# Blue-green: the switch (apply -> 100% on the new fleet) and a rollback to the warm fleet.
blueprint a "blue-green: { auto-promote: 200ms, scale-down-delay: 10m }"; blueprint b "blue-green: { auto-promote: 200ms, scale-down-delay: 10m }"
t0=$(ms); rev=$(apply b | jq '.plan.changes[0].toRevision'); until all_traffic_on "$rev"; do sleep 0.01; done; t1=$(ms)
wait_settled "$rev"
t2=$(ms); body=$(api POST /v1/services/web/rollback '{}'); rrev=$(echo "$body" | jq '.revision.number'); mode=$(echo "$body" | jq -r .mode)
until all_traffic_on "$rrev"; do sleep 0.005; done; t3=$(ms)
echo "blue-green switch (apply -> 100% on the new fleet, fleet start included): $((t1-t0)) ms"
echo "rollback to a warm fleet (POST rollback -> 100%, mode $mode): $((t3-t2)) ms"
else
  blueprint b "canary: { steps: [ { weight: 50, pause: 5s } ] }"
  rrev=$(apply b | jq '.plan.changes[0].toRevision')
fi

# kill -9 of the server mid-rollout: the router is a process of its own and keeps serving.
blueprint a "canary: { steps: [ { weight: 50, pause: 5s } ] }"; blueprint b "canary: { steps: [ { weight: 50, pause: 5s } ] }"
wait_settled "$rrev"
wrk -t2 -c"$CONNS" -d15s --latency "$ROUTER/" > "$WORK/kill9.txt" &
WRK=$!
sleep 1; apply a >/dev/null; sleep 1.5
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
t4=$(ms); start_server; t5=$(ms)
wait $WRK
read -r kreq kfail kp99 < <(wrk_summary "$WORK/kill9.txt")
echo "kill -9 mid-rollout + restart ($((t5-t4)) ms until the API answers again): $kreq requests, $kfail failures, p99 $kp99"
