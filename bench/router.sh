#!/usr/bin/env bash
# Kiln router vs HAProxy vs nginx, same machine, same tiny backend (nginx "hello"), same wrk settings.
#
#   bench/router.sh                 # build, run all targets, print the table and the ratios
#   DURATION=20s CONNS=100 bench/router.sh
#   PROFILE=1 bench/router.sh       # also record a JFR of the Kiln run and print the hottest frames
#
# Settings: wrk -t$THREADS -c$CONNS -d$DURATION --latency after a $WARMUP warm-up of every target.
# Every proxy runs one worker / one thread / one event loop. With PIN=1 (default, needs >= 2 cores)
# the proxy under test gets CPU 1 and wrk + backend share CPU 0, so no proxy can borrow a second core.
# Scenario 2 runs Kiln with a route-table swap every 100 ms (each swap retires and drains the previous
# backend entries) and reports errors and the throughput cost.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
PIN=${PIN:-1}
PROFILE=${PROFILE:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF=$ROOT/bench/router
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME

for tool in wrk haproxy nginx; do
  if ! command -v "$tool" >/dev/null && ! [ -x "/usr/sbin/$tool" ]; then
    apt-get install -y wrk haproxy nginx-light >/dev/null
  fi
done
export PATH=$PATH:/usr/sbin

DIR=$(mktemp -d /tmp/kiln-router-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 100); do
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

echo "building kiln-router ..." >&2
(cd "$ROOT" && ./mvnw -q -pl kiln-router package -DskipTests \
  && ./mvnw -q -pl kiln-router dependency:build-classpath -Dmdep.outputFile="$DIR/cp.txt") >&2
CP="$ROOT/kiln-router/target/classes:$(cat "$DIR/cp.txt")"

BACKEND_PORT=$(free_port)
render "$CONF/backend-nginx.conf" 0 "$DIR/backend.conf"
"${LOAD_CPU[@]}" nginx -c "$DIR/backend.conf" -e "$DIR/backend-error.log" &
PIDS+=($!)
wait_port "$BACKEND_PORT"

# run_wrk PORT -> prints "rps p50 p99 errors"
run_wrk() {
  "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "http://127.0.0.1:$1/" >/dev/null
  "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$1/" >"$DIR/wrk.out"
  awk '
    /Requests\/sec:/ {rps=$2}
    /^ +50%/ {p50=$2}
    /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {err+=$5}
    /Socket errors:/ {gsub(",",""); err+=$4+$6+$8+$10}
    END {printf "%s %s %s %d\n", rps, p50, p99, err}' "$DIR/wrk.out"
}
start_kiln() { # PORT [extra args]
  local port=$1; shift
  local jfr=()
  if [ "$PROFILE" = 1 ]; then jfr=(-XX:StartFlightRecording=filename=$DIR/kiln.jfr,settings=profile); fi
  "${PROXY_CPU[@]}" "$JAVA_HOME/bin/java" -Xms256m -Xmx256m -XX:+UseParallelGC "${jfr[@]}" \
    --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$CP" dev.kiln.router.RouterMain --threads 1 "$@" "127.0.0.1:$port" "*/=127.0.0.1:$BACKEND_PORT" \
    >"$DIR/kiln-$port.log" 2>&1 &
  KILN_PID=$!
  PIDS+=($KILN_PID)
  wait_port "$port"
}

declare -A RES
RES[direct]=$(run_wrk "$BACKEND_PORT")

KPORT=$(free_port); start_kiln "$KPORT"
RES[kiln]=$(run_wrk "$KPORT")
if [ "$PROFILE" = 1 ]; then
  "$JAVA_HOME/bin/jcmd" "$KILN_PID" JFR.dump filename="$DIR/kiln.jfr" >/dev/null
fi
kill "$KILN_PID"; wait "$KILN_PID" 2>/dev/null || true

HPORT=$(free_port); render "$CONF/haproxy.cfg" "$HPORT" "$DIR/haproxy.cfg"
"${PROXY_CPU[@]}" haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
HP=$!; PIDS+=($HP); wait_port "$HPORT"
RES[haproxy]=$(run_wrk "$HPORT")
kill "$HP"; wait "$HP" 2>/dev/null || true

NPORT=$(free_port); render "$CONF/proxy-nginx.conf" "$NPORT" "$DIR/proxy-nginx.conf"
"${PROXY_CPU[@]}" nginx -c "$DIR/proxy-nginx.conf" -e "$DIR/proxy-nginx-error.log" &
NP=$!; PIDS+=($NP); wait_port "$NPORT"
RES[nginx]=$(run_wrk "$NPORT")
kill "$NP"; wait "$NP" 2>/dev/null || true

SPORT=$(free_port); start_kiln "$SPORT" --swap-every-ms 100
RES[kiln_swap]=$(run_wrk "$SPORT")
kill "$KILN_PID"; wait "$KILN_PID" 2>/dev/null || true

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION (after $WARMUP warm-up), backend nginx 'hello', pinned=$PIN"
printf '%-28s %12s %10s %10s %8s\n' target requests/s p50 p99 errors
for t in direct kiln haproxy nginx kiln_swap; do
  read -r rps p50 p99 err <<<"${RES[$t]}"
  name=$t; [ "$t" = kiln_swap ] && name="kiln (swap every 100 ms)"
  printf '%-28s %12s %10s %10s %8s\n' "$name" "$rps" "$p50" "$p99" "$err"
done
read -r krps _ kp99 _ <<<"${RES[kiln]}"
read -r hrps _ hp99 _ <<<"${RES[haproxy]}"
read -r nrps _ np99 _ <<<"${RES[nginx]}"
read -r srps _ _ serr <<<"${RES[kiln_swap]}"
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else print v*1000 }'; }
echo
awk -v k="$krps" -v h="$hrps" -v n="$nrps" -v s="$srps" \
    -v kp="$(to_ms "$kp99")" -v hp="$(to_ms "$hp99")" -v np="$(to_ms "$np99")" -v se="$serr" 'BEGIN {
  printf "Kiln/HAProxy requests/s: %.2fx   p99: %.2f ms vs %.2f ms\n", k/h, kp, hp
  printf "Kiln/nginx   requests/s: %.2fx   p99: %.2f ms vs %.2f ms\n", k/n, kp, np
  printf "swap every 100 ms: %d errors, throughput cost %.1f%%\n", se, (1 - s/k) * 100
}'
if [ "$PROFILE" = 1 ]; then
  echo
  echo "hottest top frames in the Kiln run (JFR execution samples):"
  "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample "$DIR/kiln.jfr" \
    | awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); print}' \
    | sort | uniq -c | sort -rn | head -25
fi
