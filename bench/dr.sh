#!/usr/bin/env bash
# Disaster recovery, measured on examples/hello (issue 12):
#   1. baseline: a bare KILN_HOME, `kiln server` + `kiln apply -f examples/hello/kiln.yaml` until every
#      instance is healthy — the rebake from debian:bookworm included (no layer cache: a lost host has none);
#   2. `kiln snapshot create` of that running home (time, size) beside `tar -czf` of the whole KILN_HOME;
#   3. every Kiln process and instance stopped, the home deleted; `kiln restore` into a bare home until
#      every service is healthy (the command returns then), and the router answers.
# Usage: bench/dr.sh    (root; Debian reachable for the baseline's bake)
set -euo pipefail

API_PORT=${API_PORT:-17979}
ROUTER_PORT=${ROUTER_PORT:-18181}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need curl jq
JAR=$(bench_cli_jar)
kiln() { "$JAVA_HOME/bin/java" $(kiln_jvm_flags) -jar "$JAR" "$@"; }

WORK=$(mktemp -d /tmp/kiln-dr.XXXXXX)
export KILN_HOME=$WORK/home
SERVER_PID=
stop_all() { # home: the fleet and the router a server left running (they outlive it by design)
  "$JAVA_HOME/bin/java" -cp "$JAR" dev.kiln.server.ServerMain --home "$1" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1 || true
}
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -d "$KILN_HOME" ] && stop_all "$KILN_HOME"
  echo "bench: work dir $WORK (logs: $WORK/*.log)"
}
trap cleanup EXIT
ms() { date +%s%3N; }
api() { curl -sf --unix-socket "$KILN_HOME/api.sock" "http://localhost$1"; }
all_healthy() {
  api /v1/services | jq -e '(.services | length > 0) and all(.services[]; .healthy >= .replicas)' >/dev/null
}

# 1. Baseline: the blueprint on a bare home.
t0=$(ms)
# exec: SERVER_PID is the java process itself, so that kill stops the server (not just a subshell)
(exec "$JAVA_HOME/bin/java" $(kiln_jvm_flags) -jar "$JAR" server --api 127.0.0.1:$API_PORT \
  --router 127.0.0.1:$ROUTER_PORT >>"$WORK/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 600); do api /v1/health >/dev/null && break; sleep 0.1; done
kiln apply -f "$ROOT/examples/hello/kiln.yaml" >"$WORK/apply.log" 2>&1
until all_healthy; do sleep 0.1; done
t_up=$(( $(ms) - t0 ))
curl -sf "http://127.0.0.1:$ROUTER_PORT/" >/dev/null

# 2. Snapshot of the running home, beside tar -czf of all of it.
t0=$(ms)
kiln snapshot create --snapshot-dir "$WORK/snapshots" >"$WORK/snapshot.log"
t_snap=$(( $(ms) - t0 ))
SNAP=$(ls "$WORK"/snapshots/kiln-*.snapshot)
t0=$(ms)
tar -czf "$WORK/home.tar.gz" -C "$WORK" --exclude=api.sock home 2>/dev/null || true
t_tar=$(( $(ms) - t0 ))
cp -a "$KILN_HOME/keys" "$WORK/operator-keys" # the private key is kept apart from snapshots
t0=$(ms)
kiln snapshot verify "$SNAP" --key "$WORK/operator-keys/host.pub" >"$WORK/verify.log"
t_verify=$(( $(ms) - t0 ))

# 3. The host is lost: every process and instance stopped, the home deleted.
home_bytes=$(du -sb --exclude=api.sock "$KILN_HOME" | cut -f1)
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
stop_all "$KILN_HOME"
rm -rf "$KILN_HOME"
t0=$(ms)
kiln restore "$SNAP" --key-dir "$WORK/operator-keys" --api 127.0.0.1:$API_PORT \
  --router 127.0.0.1:$ROUTER_PORT >"$WORK/restore.log" 2>&1
t_restore=$(( $(ms) - t0 ))
body=$(curl -sf "http://127.0.0.1:$ROUTER_PORT/")
[ -n "$body" ] || { echo "bench: the restored router did not answer" >&2; exit 1; }
kiln audit verify --home "$KILN_HOME" >"$WORK/audit.log"

printf '%-48s %10s\n' "figure" "value"
printf '%-48s %8d ms\n' "kiln up from the blueprint (bare home, rebake)" "$t_up"
printf '%-48s %8d ms\n' "kiln restore from a snapshot (bare home)" "$t_restore"
printf '%-48s %8d ms  %s bytes\n' "kiln snapshot create" "$t_snap" "$(stat -c %s "$SNAP")"
printf '%-48s %8d ms\n' "kiln snapshot verify" "$t_verify"
printf '%-48s %8d ms  %s bytes\n' "tar -czf of the whole KILN_HOME" "$t_tar" "$(stat -c %s "$WORK/home.tar.gz")"
printf '%-48s %11s bytes\n' "KILN_HOME (du -sb, before the loss)" "$home_bytes"
