#!/usr/bin/env bash
# Kiln router vs HAProxy vs nginx, same machine, same tiny backend (nginx "hello"), same wrk settings.
#
#   bench/router.sh                 # build, run all targets, print the table and the ratios
#   DURATION=20s CONNS=100 bench/router.sh
#   PROFILE=1 bench/router.sh       # also record a JFR of the Kiln process and print the hottest frames
#   ROUNDS=5 PIN=0 bench/router.sh
#
# Settings: wrk -t$THREADS -c$CONNS -d$DURATION --latency, $ROUNDS interleaved rounds (medians printed)
# after two $WARMUP warm-ups of every target; cpu_us/request = the target process's CPU time per request,
# which background load on a shared machine disturbs far less than requests/s.
# The Kiln router runs as `kiln server` starts it: from a jar (as kiln.jar), with RouterJvm's options (heap,
# ParallelGC, class data: on JDK 25+ the AOT cache RouterAot trains once per jar and JVM, printed with the
# time its training took; AppCDS on JDK 21), one event loop per core (KILN_THREADS=1 for one), each loop
# kept on a core of its own as a router process does (LoopAffinity; "kiln, loops unpinned" is the same
# router with --no-pin, measured beside it), on io_uring where the kernel allows it ("kiln, epoll" is the
# same router on epoll, beside it); the process itself is unpinned (PIN=0, default); HAProxy and
# nginx run one thread/worker. With PIN=1 (needs >= 2 cores) each proxy process gets CPU 1 and wrk +
# backend share CPU 0.
# Before the warm measurement, the first $COLD of a freshly started Kiln router (twice: without and with
# its class data, both with the self warm-up off) and of a fresh HAProxy are measured, and a Kiln
# router as `kiln server` starts it (class data and RouterWarmup's self warm-up before the port opens;
# wrk starts when the port opens, so the warm-up's own time and CPU are printed apart) (COLD=0 skips).
# Scenario 2 runs Kiln with a route-table swap every 100 ms (each swap retires and drains the previous
# backend entries) and reports errors and the throughput cost.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
PIN=${PIN:-0}
KILN_THREADS=${KILN_THREADS:-0}   # 0 = one event loop per core, as `kiln server` starts the router
COLD=${COLD:-20s}                 # the first-seconds measurement; 0 = skip
PROFILE=${PROFILE:-0}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF=$ROOT/bench/router
. "$ROOT/bench/lib.sh"

bench_need wrk haproxy nginx=nginx-light

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

echo "building kiln-router ..." >&2
bench_classpath kiln-router "$DIR/cp.txt"
# a jar, as kiln.jar for `kiln server`: the JVM archives class data from jars only, not from a directory
"$JAVA_HOME/bin/jar" cf "$DIR/kiln-router.jar" -C "$ROOT/kiln-router/target/classes" .
CP="$DIR/kiln-router.jar:$(cut -d: -f2- "$DIR/cp.txt")"

BACKEND_PORT=$(free_port)
render "$CONF/backend-nginx.conf" 0 "$DIR/backend.conf"
"${LOAD_CPU[@]}" nginx -c "$DIR/backend.conf" -e "$DIR/backend-error.log" &
PIDS+=($!)
wait_port "$BACKEND_PORT"

# measure PORT PID -> prints "rps p50 p99 errors cpu_us_per_request" for one wrk run
measure() {
  local before after
  before=$(awk '{print $14+$15}' "/proc/$2/stat")
  "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$1/" >"$DIR/wrk.out"
  after=$(awk '{print $14+$15}' "/proc/$2/stat")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec:/ {rps=$2}
    / requests in / {n=$1}
    /^ +50%/ {p50=$2}
    /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {err+=$5}
    /Socket errors:/ {gsub(",",""); err+=$4+$6+$8+$10}
    END {printf "%s %s %s %d %.1f\n", rps, p50, p99, err, (n > 0 ? ticks * 1e6 / hz / n : 0)}' "$DIR/wrk.out"
}
start_kiln() { # PORT [extra args]; sets KILN_PID; BARE=1: without class data; TRANSPORT=epoll: not io_uring
  local port=$1; shift
  local jvm=("${KILN_JVM[@]}")
  [ "${BARE:-0}" = 1 ] && jvm=("${KILN_JVM_BARE[@]}")
  [ -n "${TRANSPORT:-}" ] && jvm+=("-Dkiln.router.transport=$TRANSPORT")
  local jfr=()
  if [ "$PROFILE" = 1 ]; then jfr=(-XX:StartFlightRecording=filename=$DIR/kiln-$port.jfr,settings=profile); fi
  # the JVM options and event loops a router process started by `kiln server` gets (RouterJvm)
  # nothing else: an option the AOT cache was not trained with makes the JVM refuse the cache
  # (e.g. "Mismatched values for property jdk.module.enable.native.access")
  "${PROXY_CPU[@]}" "$JAVA_HOME/bin/java" "${jvm[@]}" "${jfr[@]}" \
    -cp "$CP" dev.kiln.router.RouterMain --threads "$KILN_THREADS" "$@" "127.0.0.1:$port" "*/=127.0.0.1:$BACKEND_PORT" \
    >"$DIR/kiln-$port.log" 2>&1 &
  KILN_PID=$!
  PIDS+=($KILN_PID)
  wait_port "$port"
}
# as `kiln server` gets them, training the AOT cache (JDK 25+) first, once per jar and JVM
echo "kiln router JVM options (training the AOT cache on JDK 25+) ..." >&2
TRAIN_START=$(date +%s.%N)
mapfile -t KILN_JVM < <("$JAVA_HOME/bin/java" -cp "$CP" dev.kiln.router.RouterMain --jvm-options "$DIR/router")
TRAIN_S=$(awk -v a="$TRAIN_START" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b-a}')
CLASS_DATA=$(printf '%s\n' "${KILN_JVM[@]}" | grep -e '-XX:AOTCache=' -e '-XX:SharedArchiveFile=' || true)
case $CLASS_DATA in
  -XX:AOTCache=*) CLASS_DATA_NAME="AOT cache (trained in ${TRAIN_S} s: $(grep -h '^AOT training' "$DIR/router/router-aot-training.log" 2>/dev/null || true))" ;;
  -XX:SharedArchiveFile=*) CLASS_DATA_NAME="AppCDS (created at the first run's exit)" ;;
  *) CLASS_DATA_NAME="none" ;;
esac
# the first start: no AOT cache (on JDK 21 it keeps AppCDS's options: that run creates the archive)
KILN_JVM_BARE=()
for o in "${KILN_JVM[@]}"; do case $o in -XX:AOTCache=*) ;; *) KILN_JVM_BARE+=("$o") ;; esac; done

# First 20 s: a router process just started (JIT cold), as after `kiln server` starts it, beside a
# HAProxy just started, both measured from their first request. Twice for Kiln: without class data
# (on JDK 21 this run creates the AppCDS archive at exit), then from the class data.
cold() { # NAME -> "rps p50 p99 errors cpu_us_per_request"
  local port pid
  port=$(free_port)
  case $1 in
    kiln_warmup) start_kiln "$port"; pid=$KILN_PID; echo "$port" >"$DIR/warmup-port" ;;
    kiln) BARE=1 start_kiln "$port" --warmup 0; pid=$KILN_PID ;;
    kiln_cds) start_kiln "$port" --warmup 0; pid=$KILN_PID ;;
    haproxy) render "$CONF/haproxy.cfg" "$port" "$DIR/haproxy-cold.cfg"
      "${PROXY_CPU[@]}" haproxy -db -f "$DIR/haproxy-cold.cfg" >"$DIR/haproxy-cold.log" 2>&1 &
      pid=$!; PIDS+=($pid); wait_port "$port" ;;
  esac
  DURATION=$COLD measure "$port" "$pid"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
if [ "$COLD" != 0 ]; then
  declare -A COLDRES
  for t in kiln haproxy kiln_cds kiln_warmup; do COLDRES[$t]=$(cold $t); done
  KILN_WARMUP_PORT=$(cat "$DIR/warmup-port")
fi

# Every target runs side by side (idle ones cost nothing); the backend itself is "direct".
declare -A PORT PID
PORT[direct]=$BACKEND_PORT; PID[direct]=$(pgrep -P "${PIDS[0]}" | head -1 || echo "${PIDS[0]}")
PORT[kiln]=$(free_port); start_kiln "${PORT[kiln]}"; PID[kiln]=$KILN_PID
PORT[kiln_swap]=$(free_port); start_kiln "${PORT[kiln_swap]}" --swap-every-ms 100; PID[kiln_swap]=$KILN_PID
# the same router with its event loops left to the scheduler (LoopAffinity off): what pinning buys
PORT[kiln_free]=$(free_port); start_kiln "${PORT[kiln_free]}" --no-pin; PID[kiln_free]=$KILN_PID
# the same router on epoll instead of io_uring (Transport): what io_uring buys
PORT[kiln_epoll]=$(free_port); TRANSPORT=epoll start_kiln "${PORT[kiln_epoll]}"; PID[kiln_epoll]=$KILN_PID
PORT[haproxy]=$(free_port); render "$CONF/haproxy.cfg" "${PORT[haproxy]}" "$DIR/haproxy.cfg"
"${PROXY_CPU[@]}" haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
PID[haproxy]=$!; PIDS+=($!); wait_port "${PORT[haproxy]}"
PORT[nginx]=$(free_port); render "$CONF/proxy-nginx.conf" "${PORT[nginx]}" "$DIR/proxy-nginx.conf"
"${PROXY_CPU[@]}" nginx -c "$DIR/proxy-nginx.conf" -e "$DIR/proxy-nginx-error.log" &
PIDS+=($!); wait_port "${PORT[nginx]}"; sleep 0.5; PID[nginx]=$(pgrep -P "$!" | head -1 || echo "$!")

TARGETS=(direct kiln haproxy nginx kiln_swap kiln_free kiln_epoll)
for t in "${TARGETS[@]}"; do # warm-up, twice (the JIT needs it, connect/close paths too; everyone gets it)
  for _ in 1 2; do "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "http://127.0.0.1:${PORT[$t]}/" >/dev/null; done
done
declare -A RUNS
for round in $(seq 1 "$ROUNDS"); do # interleaved rounds: background noise hits every target alike
  for t in "${TARGETS[@]}"; do
    RUNS[$t]+="$(measure "${PORT[$t]}" "${PID[$t]}")"$'\n'
  done
  echo "round $round/$ROUNDS done" >&2
done
to_us() { awk '{ v=$1; if (v ~ /us$/) print v+0; else if (v ~ /ms$/) print v*1000; else print v*1000000 }'; }
# median over rounds of each column; errors are summed
summary() {
  local rows=$1
  local rps p50 p99 cpu err
  rps=$(awk 'NF {print $1}' <<<"$rows" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  p50=$(awk 'NF {print $2}' <<<"$rows" | to_us | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  p99=$(awk 'NF {print $3}' <<<"$rows" | to_us | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(awk 'NF {print $5}' <<<"$rows" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  err=$(awk 'NF {s+=$4} END {print s+0}' <<<"$rows")
  echo "$rps $p50 $p99 $err $cpu"
}
declare -A RES
for t in "${TARGETS[@]}"; do RES[$t]=$(summary "${RUNS[$t]}"); done
if [ "$PROFILE" = 1 ]; then
  "$JAVA_HOME/bin/jcmd" "${PID[kiln]}" JFR.dump filename="$DIR/kiln.jfr" >/dev/null
fi

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS interleaved rounds after two $WARMUP warm-ups;"
echo "backend: nginx 'hello'; kiln event loops: $KILN_THREADS (0 = per core), HAProxy/nginx one thread/worker; pinned=$PIN; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kiln JVM: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); options: ${KILN_JVM[*]}"
echo "kiln class data: $CLASS_DATA_NAME"
echo "kiln $(grep -ho 'event loops on cores [^)]*' "$DIR/kiln-${PORT[kiln]}.log" | head -1)"
echo "kiln transport: $(grep -ho '(\(io_uring\|epoll\|nio\);' "$DIR/kiln-${PORT[kiln]}.log" | tr -d '(;' | head -1)" \
  "(\"kiln, epoll\": $(grep -ho '(\(io_uring\|epoll\|nio\);' "$DIR/kiln-${PORT[kiln_epoll]}.log" | tr -d '(;' | head -1))"
printf '%-26s %12s %10s %10s %7s %14s\n' target requests/s p50_ms p99_ms errors cpu_us/request
for t in "${TARGETS[@]}"; do
  read -r rps p50 p99 err cpu <<<"${RES[$t]}"
  name=$t; [ "$t" = kiln_swap ] && name="kiln, swap every 100 ms"
  [ "$t" = kiln_free ] && name="kiln, loops unpinned"
  [ "$t" = kiln_epoll ] && name="kiln, epoll"
  printf '%-26s %12.0f %10.3f %10.3f %7d %14s\n' "$name" "$rps" "$(awk -v v="$p50" 'BEGIN{print v/1000}')" \
    "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$err" "$cpu"
done
read -r krps _ kp99 _ kcpu <<<"${RES[kiln]}"
read -r hrps _ hp99 _ hcpu <<<"${RES[haproxy]}"
read -r nrps _ np99 _ ncpu <<<"${RES[nginx]}"
read -r srps _ _ serr _ <<<"${RES[kiln_swap]}"
read -r frps _ fp99 _ _ <<<"${RES[kiln_free]}"
read -r erps _ ep99 _ ecpu <<<"${RES[kiln_epoll]}"
echo
awk -v k="$krps" -v h="$hrps" -v n="$nrps" -v s="$srps" -v kp="$kp99" -v hp="$hp99" -v np="$np99" \
    -v kc="$kcpu" -v hc="$hcpu" -v nc="$ncpu" -v se="$serr" -v f="$frps" -v fp="$fp99" -v e="$erps" -v ep="$ep99" -v ec="$ecpu" 'BEGIN {
  printf "Kiln/HAProxy: requests/s %.2fx, p99 %.2f ms vs %.2f ms, CPU per request %.2fx\n", k/h, kp/1000, hp/1000, kc/hc
  printf "Kiln/nginx:   requests/s %.2fx, p99 %.2f ms vs %.2f ms, CPU per request %.2fx\n", k/n, kp/1000, np/1000, kc/nc
  printf "swap every 100 ms: %d errors, throughput cost %.1f%%\n", se, (1 - s/k) * 100
  printf "loops unpinned/pinned: requests/s %.2fx, p99 %.2f ms vs %.2f ms\n", f/k, fp/1000, kp/1000
  printf "io_uring/epoll: requests/s %.2fx, p99 %.2f ms vs %.2f ms, CPU per request %.2fx\n", k/e, kp/1000, ep/1000, kc/ec
}'
if [ "$COLD" != 0 ]; then
  echo
  echo "first $COLD after start (wrk from the first request):"
  for t in kiln kiln_cds kiln_warmup haproxy; do
    read -r rps p50 p99 err cpu <<<"${COLDRES[$t]}"
    name=$t; [ "$t" = kiln ] && name="kiln, first start"; [ "$t" = kiln_cds ] && name="kiln, with class data"
    [ "$t" = kiln_warmup ] && name="kiln, data + warm-up"
    printf '%-26s %12.0f %10.3f %10.3f %7d %14s\n' "$name" "$rps" "$(echo "$p50" | to_us | awk '{print $1/1000}')" \
      "$(echo "$p99" | to_us | awk '{print $1/1000}')" "$err" "$cpu"
  done
  read -r c1 _ _ _ _ <<<"${COLDRES[kiln]}"; read -r c2 _ _ _ _ <<<"${COLDRES[kiln_cds]}"; read -r ch _ _ _ _ <<<"${COLDRES[haproxy]}"
  read -r c3 _ _ _ _ <<<"${COLDRES[kiln_warmup]}"
  awk -v a="$c1" -v b="$c2" -v c="$c3" -v h="$ch" 'BEGIN {printf "first %s: Kiln/HAProxy requests/s %.2fx (first start), %.2fx (with class data), %.2fx (class data + warm-up, as kiln server starts it)\n", "'"$COLD"'", a/h, b/h, c/h}'
  read -r _ _ _ _ u1 <<<"${COLDRES[kiln]}"; read -r _ _ _ _ u2 <<<"${COLDRES[kiln_cds]}"
  read -r _ _ _ _ u3 <<<"${COLDRES[kiln_warmup]}"
  awk -v a="$u1" -v b="$u2" -v c="$u3" -v w="$kcpu" 'BEGIN {printf "CPU per request, first %s vs warm: %.2fx (first start), %.2fx (with class data), %.2fx (class data + warm-up)\n", "'"$COLD"'", a/w, b/w, c/w}'
  grep -h '^warm-up:' "$DIR/kiln-$KILN_WARMUP_PORT.log" | sed 's/^/kiln self /' || true
  grep -h '\[error\]\[aot\]' "$DIR"/kiln-*.log | sort -u | sed 's/^/kiln: /' || true
fi
if [ "$PROFILE" = 1 ]; then
  echo
  echo "hottest top frames in the Kiln process (JFR execution samples):"
  "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample "$DIR/kiln.jfr" \
    | awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); print}' \
    | sort | uniq -c | sort -rn | head -25
fi
