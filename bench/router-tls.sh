#!/usr/bin/env bash
# HTTPS and h2 through the Kiln router vs HAProxy vs nginx, each terminating TLS with the same
# certificate (EC P-256, TLS 1.2/1.3, no session resumption) in front of the same tiny backend.
#
#   bench/router-tls.sh                        # all scenarios, table + ratios
#   DURATION=20s ROUNDS=5 PIN=0 bench/router-tls.sh
#   KEY=rsa bench/router-tls.sh                # RSA-2048 certificate instead
#   PROVIDER=jdk bench/router-tls.sh           # the router on the JDK's TLS engine, not BoringSSL
#
# Scenarios, each a median of $ROUNDS interleaved rounds after warm-ups:
#   keep-alive  wrk -t$THREADS -c$CONNS, HTTP/1.1 over TLS, connections reused
#   new-conn    the same with "Connection: close": a full TLS handshake per request
#   h2          h2load -c$H2_CONNS -m$H2_STREAMS (h2 by ALPN), requests/s only
# The router runs with the JVM options Kiln starts its router process with (RouterMain
# --jvm-options), one event loop, like HAProxy's one thread and nginx's one worker. With PIN=1
# (default, >= 2 cores) each proxy gets CPU 1 and the load + backend CPU 0.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
H2_CONNS=${H2_CONNS:-10}
H2_STREAMS=${H2_STREAMS:-10}
PIN=${PIN:-1}
ROUNDS=${ROUNDS:-3}
KEY=${KEY:-ec}
PROVIDER=${PROVIDER:-openssl}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF=$ROOT/bench/router
. "$ROOT/bench/lib.sh"

bench_need wrk haproxy nginx=nginx-light h2load=nghttp2-client openssl

DIR=$(mktemp -d /tmp/kiln-router-tls-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}
render() { sed -e "s#@DIR@#$DIR#g" -e "s#@PORT@#$2#g" -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" "$1" >"$3"; }
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  PROXY_CPU=(taskset -c 1); LOAD_CPU=(taskset -c 0)
else
  PROXY_CPU=(); LOAD_CPU=()
fi

# one certificate for everyone (self-signed; the clients do not verify, the server work is the same)
if [ "$KEY" = rsa ]; then newkey=(-newkey rsa:2048); else newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1); fi
openssl req -x509 "${newkey[@]}" -nodes -keyout "$DIR/key.pem" -out "$DIR/cert.pem" -days 7 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
cat "$DIR/cert.pem" "$DIR/key.pem" >"$DIR/haproxy.pem"

echo "building kiln-router ..." >&2
bench_classpath kiln-router "$DIR/cp.txt"
CP="$(cat "$DIR/cp.txt")"

BACKEND_PORT=$(free_port)
render "$CONF/backend-nginx.conf" 0 "$DIR/backend.conf"
"${LOAD_CPU[@]}" nginx -c "$DIR/backend.conf" -e "$DIR/backend-error.log" &
PIDS+=($!)
wait_port "$BACKEND_PORT"

mapfile -t JVM < <("$JAVA_HOME/bin/java" -cp "$CP" dev.kiln.router.RouterMain --jvm-options "$DIR/router.jsa")
declare -A PORT PID
PORT[kiln]=$(free_port)
"${PROXY_CPU[@]}" "$JAVA_HOME/bin/java" "${JVM[@]}" -Dkiln.router.tls.provider="$PROVIDER" \
  --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp "$CP" dev.kiln.router.RouterMain --threads 1 --tls "127.0.0.1:${PORT[kiln]}" \
  --cert "$DIR/cert.pem" --key "$DIR/key.pem" "127.0.0.1:$(free_port)" "*/=127.0.0.1:$BACKEND_PORT" \
  >"$DIR/kiln.log" 2>&1 &
PID[kiln]=$!; PIDS+=($!); wait_port "${PORT[kiln]}"
PORT[haproxy]=$(free_port); render "$CONF/tls-haproxy.cfg" "${PORT[haproxy]}" "$DIR/haproxy.cfg"
"${PROXY_CPU[@]}" haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
PID[haproxy]=$!; PIDS+=($!); wait_port "${PORT[haproxy]}"
PORT[nginx]=$(free_port); render "$CONF/tls-nginx.conf" "${PORT[nginx]}" "$DIR/nginx.conf"
"${PROXY_CPU[@]}" nginx -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log" &
PIDS+=($!); wait_port "${PORT[nginx]}"; sleep 0.5; PID[nginx]=$(pgrep -P "$!" | head -1 || echo "$!")
TARGETS=(kiln haproxy nginx)
head -1 "$DIR/kiln.log" >&2

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# wrk_run PORT PID [wrk args] -> "rps p99 errors cpu_us_per_request"
wrk_run() {
  local port=$1 pid=$2 before after; shift 2
  before=$(cpu_ticks "$pid")
  "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "https://127.0.0.1:$port/" >"$DIR/wrk.out"
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return v*1000; return v*1000000 }
    /Requests\/sec:/ {rps=$2}
    / requests in / {n=$1}
    /^ +99%/ {p99=us($2)}
    /Non-2xx or 3xx responses:/ {err+=$5}
    /Socket errors:/ {gsub(",",""); err+=$4+$6+$8+$10}
    END {printf "%s %s %d %.1f\n", rps, p99, err, (n > 0 ? ticks * 1e6 / hz / n : 0)}' "$DIR/wrk.out"
}
# h2_run PORT PID -> "rps 0 errors cpu_us_per_request"
h2_run() {
  local port=$1 pid=$2 before after secs=${DURATION%s}
  before=$(cpu_ticks "$pid")
  "${LOAD_CPU[@]}" h2load -c"$H2_CONNS" -m"$H2_STREAMS" -D "$secs" "https://127.0.0.1:$port/" >"$DIR/h2.out" 2>&1 || true
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /^finished in/ {gsub(",",""); rps=$4}
    /^requests:/ {n=$8; err=$10+$12}
    END {printf "%s 0 %d %.1f\n", rps, err, (n > 0 ? ticks * 1e6 / hz / n : 0)}' "$DIR/h2.out"
}
run() { # SCENARIO PORT PID
  case $1 in
    keep-alive) wrk_run "$2" "$3" ;;
    new-conn) wrk_run "$2" "$3" -H "Connection: close" ;;
    h2) h2_run "$2" "$3" ;;
  esac
}

SCENARIOS=(keep-alive new-conn h2)
for t in "${TARGETS[@]}"; do # warm-up: every path, every target alike
  for s in "${SCENARIOS[@]}"; do DURATION=$WARMUP run "$s" "${PORT[$t]}" "${PID[$t]}" >/dev/null; done
done
declare -A RUNS
for round in $(seq 1 "$ROUNDS"); do
  for s in "${SCENARIOS[@]}"; do
    for t in "${TARGETS[@]}"; do RUNS[$s.$t]+="$(run "$s" "${PORT[$t]}" "${PID[$t]}")"$'\n'; done
  done
  echo "round $round/$ROUNDS done" >&2
done
median() { awk 'NF {print $'"$1"'}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo
echo "TLS: $KEY certificate, router engine $PROVIDER; wrk -t$THREADS -c$CONNS, h2load -c$H2_CONNS -m$H2_STREAMS;"
echo "-d$DURATION, median of $ROUNDS interleaved rounds; one thread/worker/event loop per proxy; pinned=$PIN;"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-8s %12s %10s %7s %14s\n' scenario target requests/s p99_ms errors cpu_us/request
for s in "${SCENARIOS[@]}"; do
  for t in "${TARGETS[@]}"; do
    rows=${RUNS[$s.$t]}
    printf '%-12s %-8s %12.0f %10.3f %7d %14s\n' "$s" "$t" "$(median 1 <<<"$rows")" \
      "$(awk -v v="$(median 2 <<<"$rows")" 'BEGIN{print v/1000}')" \
      "$(awk 'NF {s+=$3} END {print s+0}' <<<"$rows")" "$(median 4 <<<"$rows")"
  done
done
echo
for s in "${SCENARIOS[@]}"; do
  k=$(median 1 <<<"${RUNS[$s.kiln]}"); h=$(median 1 <<<"${RUNS[$s.haproxy]}"); n=$(median 1 <<<"${RUNS[$s.nginx]}")
  awk -v s="$s" -v k="$k" -v h="$h" -v n="$n" 'BEGIN {printf "%-10s Kiln/HAProxy %.2fx, Kiln/nginx %.2fx requests/s\n", s, k/h, k/n}'
done
