#!/usr/bin/env bash
# Auto-scaling, measured: a real `kiln server` (router in a process of its own, so the wake goes
# through its GET /wakes long poll), a busybox httpd service with `autoscale: { target: {
# concurrency: 4 } }`, and wrk through the router.
#
#   bench/autoscale.sh                          # load step 1 -> CONNS -> 1 connection(s), then 30 wakes
#   CONNS=48 HIGH=40 WAKES=50 bench/autoscale.sh
#
# Prints: for the load step, the time from the step until the fleet reaches the count the scaler
# settles on, the peak overshoot over it, failed requests (non-2xx + socket errors) over the whole
# step, and instance-seconds used vs a fixed fleet at max; for the cold start from zero, the
# first-byte latency of the first request after idle, median and p99 over WAKES wakes. Writes a PNG
# of instances and request rate over time (gnuplot) next to the samples, in the work dir.
# The scaler's windows are shortened through the server's environment (KILN_SCALER_*).
#
# Measured 2026-11-30 on the shared 2-core dev machine (8 builds running), defaults above:
#   load step 1 -> 32 -> 1: needed 6 (settled), 8 at the panic peak (overshoot 2, for ~17 s), the
#   first sample after the step already counted 8 (instances started, not yet healthy; samples are
#   ~1.5 s apart under load), 0 failed requests, 303 instance-seconds vs 524.5 at a fixed 8;
#   back to 1 about 8-15 s after the load went (scale-down-delay 10s).
#   cold start from zero, 30 wakes, all 200: first byte median 126 ms, p99 385 ms.
set -euo pipefail

CONNS=${CONNS:-32}
LOW=${LOW:-10}      # seconds at 1 connection before and after the step
HIGH=${HIGH:-30}    # seconds at CONNS connections
AFTER=${AFTER:-25}  # seconds at 1 connection after the step (> scale-down-delay)
MAX=${MAX:-8}
WAKES=${WAKES:-30}
API_PORT=${API_PORT:-17879}
ROUTER_PORT=${ROUTER_PORT:-18081}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/kiln}
. "$ROOT/bench/lib.sh"
ROUTER=http://127.0.0.1:$ROUTER_PORT

bench_need wrk curl jq gnuplot=gnuplot-nox busybox=busybox-static

export KILN_SCALER_STABLE_WINDOW=${KILN_SCALER_STABLE_WINDOW:-6s}
export KILN_SCALER_PANIC_WINDOW=${KILN_SCALER_PANIC_WINDOW:-1s}
export KILN_SCALER_BUDGET_WINDOW=${KILN_SCALER_BUDGET_WINDOW:-6s}

WORK=$(mktemp -d /tmp/kiln-as.XXXXXX)
export KILN_HOME=$WORK/home
PROJECT=$WORK/project
SERVER_PID=
SAMPLER_PID=
cleanup() {
  set +e
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  "$JAVA_HOME/bin/java" -cp "$ROOT/kiln-cli/target/kiln.jar" dev.kiln.server.ServerMain --home "$KILN_HOME" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1
  echo "bench: work dir $WORK (server log: $WORK/server.log)"
}
trap cleanup EXIT

mkdir -p "$PROJECT/bin" "$PROJECT/site"
cp /bin/busybox "$PROJECT/bin/busybox"; ln -sf busybox "$PROJECT/bin/sh"
echo hello > "$PROJECT/site/index.html"

blueprint() { # autoscale-block
  cat > "$PROJECT/kiln.yaml" <<EOF
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
    replicas: 1
    autoscale: $1
    health: { http: /, interval: 1s, timeout: 1s, healthy: 1, unhealthy: 3 }
    route: { host: "*", path: / }
EOF
}

ms() { date +%s%3N; }
api() { curl -sf --unix-socket "$KILN_HOME/api.sock" -X "$1" -H 'Content-Type: application/json' -H "X-Kiln-Actor: bench" "http://localhost$2" ${3:+-d "$3"}; }
apply() { api POST /v1/apply "$(jq -n --rawfile b "$PROJECT/kiln.yaml" --arg n kiln.yaml '{blueprint: $b, name: $n}')"; }
current() { api GET /v1/services/web | jq '.autoscale.current'; }
requests() { # responses for web so far, all status classes
  api GET /metrics | awk '/^kiln_router_service_requests_total\{service="web"/ {s += $NF} END {print s + 0}'; }

start_server() {
  $KILN server --api 127.0.0.1:$API_PORT --router 127.0.0.1:$ROUTER_PORT >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do api GET /v1/health >/dev/null && return 0; sleep 0.1; done
  echo "bench: server did not start; see $WORK/server.log" >&2; exit 1
}

wrk_failures() { awk '/Non-2xx or 3xx responses/ {n=$5} /Socket errors/ {gsub(",", ""); s=$4+$6+$8+$10} END {print n+s+0}' "$1"; }

start_server
# ---- load step ----
blueprint "{ min: 1, max: $MAX, target: { concurrency: 4 }, scale-down-delay: 10s }"
$KILN bake -f "$PROJECT/kiln.yaml" >/dev/null
apply >/dev/null
until [ "$(api GET /v1/services/web | jq '.healthy')" -ge 1 ]; do sleep 0.1; done

# sampler: t(ms since start) instances desired request-rate, every 250 ms
T0=$(ms)
(
  set +e
  prev=$(requests); prevt=$(ms)
  while true; do
    sleep 0.25
    now=$(ms); r=$(requests); s=$(api GET /v1/services/web)
    rate=$(awk -v a="$prev" -v b="$r" -v t="$((now-prevt))" 'BEGIN {printf "%.1f", (b-a)*1000/(t>0?t:1)}')
    echo "$((now-T0)) $(echo "$s" | jq '.autoscale.current') $(echo "$s" | jq '.autoscale.desired') $rate"
    prev=$r; prevt=$now
  done
) > "$WORK/samples.txt" &
SAMPLER_PID=$!

wrk -t1 -c1 -d"${LOW}s" "$ROUTER/" > "$WORK/low1.txt"
TSTEP=$(( $(ms) - T0 ))
wrk -t2 -c"$CONNS" -d"${HIGH}s" "$ROUTER/" > "$WORK/high.txt"
TDOWN=$(( $(ms) - T0 ))
wrk -t1 -c1 -d"${AFTER}s" "$ROUTER/" > "$WORK/low2.txt"
kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
TEND=$(( $(ms) - T0 ))

failures=$(( $(wrk_failures "$WORK/low1.txt") + $(wrk_failures "$WORK/high.txt") + $(wrk_failures "$WORK/low2.txt") ))
# the count the scaler settles on: the desired count in the last quarter of the high phase
read -r needed reach peak inst_s < <(awk -v s="$TSTEP" -v d="$TDOWN" -v e="$TEND" '
  { t[NR]=$1; c[NR]=$2; w[NR]=$3 }
  END {
    q = d - (d - s) / 4
    for (i = 1; i <= NR; i++) if (t[i] >= q && t[i] <= d && w[i] > needed) needed = w[i]
    reach = -1
    for (i = 1; i <= NR; i++) if (t[i] >= s && t[i] <= d && c[i] >= needed) { reach = t[i] - s; break }
    for (i = 1; i <= NR; i++) if (t[i] >= s && t[i] <= d && c[i] > peak) peak = c[i]
    for (i = 2; i <= NR; i++) inst += c[i] * (t[i] - t[i-1]) / 1000
    printf "%d %d %d %.1f\n", needed, reach, peak, inst
  }' "$WORK/samples.txt")
fixed=$(awk -v m="$MAX" -v t="$TEND" 'BEGIN {printf "%.1f", m * t / 1000}')
echo "load step 1 -> $CONNS -> 1 connection(s) (${LOW}s/${HIGH}s/${AFTER}s), target concurrency 4, max $MAX:"
echo "  count needed (settled desired at $CONNS conns): $needed; reached after ${reach} ms; peak $peak (overshoot $((peak - needed)))"
echo "  failed requests over the whole step: $failures"
echo "  instance-seconds: $inst_s vs $fixed for a fixed fleet at max ($MAX)"
echo "  back to $(current) instance(s) at the end (min 1)"

gnuplot <<EOF
set terminal pngcairo size 1000,500
set output "$WORK/autoscale.png"
set xlabel "seconds"
set ylabel "instances"
set y2label "requests/s"
set ytics nomirror
set y2tics
set key top left
set arrow from $TSTEP/1000.0, graph 0 to $TSTEP/1000.0, graph 1 nohead dt 2
set arrow from $TDOWN/1000.0, graph 0 to $TDOWN/1000.0, graph 1 nohead dt 2
plot "$WORK/samples.txt" using (\$1/1000):2 with steps lw 2 title "instances", \
     "$WORK/samples.txt" using (\$1/1000):3 with steps dt 3 title "desired", \
     "$WORK/samples.txt" using (\$1/1000):4 axes x1y2 with lines title "requests/s"
EOF
echo "  plot: $WORK/autoscale.png"

# ---- cold start from zero ----
blueprint "{ min: 0, max: 2, target: { concurrency: 4 }, scale-down-delay: 1s, idle-to-zero: 1s }"
apply >/dev/null
: > "$WORK/wakes.txt"
for i in $(seq 1 "$WAKES"); do
  for _ in $(seq 1 600); do [ "$(current)" = 0 ] && break; sleep 0.1; done
  [ "$(current)" = 0 ] || { echo "bench: web did not scale to zero" >&2; exit 1; }
  curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}\n' --max-time 30 "$ROUTER/" >> "$WORK/wakes.txt"
done
bad=$(awk '$1 != 200' "$WORK/wakes.txt" | wc -l)
sort -k2 -n "$WORK/wakes.txt" | awk -v n="$WAKES" -v bad="$bad" '
  { v[NR] = $2 * 1000 }
  END {
    med = v[int((NR + 1) / 2)]; p99 = v[int(NR * 0.99 + 0.999)]
    printf "cold start from zero (%d wakes, %d not 200): first byte median %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, bad, med, p99, v[NR]
  }'
echo "wakes journaled: $(api GET '/v1/journal?kind=service-scaled&limit=10000' | jq '[.entries[] | select(.body.rule | startswith("wake"))] | length')"
