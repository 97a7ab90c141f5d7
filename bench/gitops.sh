#!/usr/bin/env bash
# GitOps, measured: a real `kiln server --git REPO --allowed-signers FILE` following a local repository
# whose commits are SSH-signed by git (ssh-keygen key, gpg.format=ssh), serving a busybox httpd site
# (2 replicas, rolling) behind the router. Each change edits the page and commits it; the clock starts
# when `git commit -S` has returned and stops when the router serves the new page.
#
#   bench/gitops.sh                     # N=5 webhook changes, N_POLL=3 polled changes, N manual applies
#   N=10 N_POLL=5 INTERVAL=30s bench/gitops.sh
#
# Prints: commit -> serving via POST /v1/hooks/git; commit -> serving by polling alone at the default
# --git-interval (30s); and the peer: the same change by a manual `kiln apply -f kiln.yaml` (CLI start,
# bake, apply) from the command's start to serving. Ratio: webhook / manual apply.
set -euo pipefail

N=${N:-5}
N_POLL=${N_POLL:-3}
INTERVAL=${INTERVAL:-30s}
API_PORT=${API_PORT:-17978}
ROUTER_PORT=${ROUTER_PORT:-18180}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN:-$ROOT/kiln}
. "$ROOT/bench/lib.sh"
ROUTER=http://127.0.0.1:$ROUTER_PORT

bench_need curl jq git ssh-keygen=openssh-client busybox=busybox-static

WORK=$(mktemp -d /tmp/kiln-gitops.XXXXXX)
export KILN_HOME=$WORK/home
REPO=$WORK/repo
SERVER_PID=
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  "$JAVA_HOME/bin/java" -cp "$ROOT/kiln-cli/target/kiln.jar" dev.kiln.server.ServerMain --home "$KILN_HOME" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1
  echo "bench: work dir $WORK (server log: $WORK/server.log)"
}
trap cleanup EXIT

mkdir -p "$REPO/bin" "$REPO/site"
cp /bin/busybox "$REPO/bin/busybox"; ln -sf busybox "$REPO/bin/sh"
cat > "$REPO/kiln.yaml" <<'YAML'
images:
  site:
    from: scratch
    steps:
      - copy: { src: bin/, dest: /bin }
      - copy: { src: site/, dest: /www }
    entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
services:
  web:
    image: site
    replicas: 2
    health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
    route: { host: "*", path: / }
    strategy:
      rolling: { max-surge: 1, max-unavailable: 0 }
YAML
ssh-keygen -q -t ed25519 -N '' -C bench -f "$WORK/signing-key"
echo "bench@example.com $(cut -d' ' -f1,2 "$WORK/signing-key.pub")" > "$WORK/allowed_signers"
g() { git -C "$REPO" -c user.name=Bench -c user.email=bench@example.com -c gpg.format=ssh \
  -c user.signingkey="$WORK/signing-key" "$@"; }
g init -q -b main
change() { echo "$1" > "$REPO/site/index.html"; g add -A; g commit -q -S -m "serve $1"; }
change v0

ms() { date +%s%3N; }
api() { curl -sf --unix-socket "$KILN_HOME/api.sock" -X "$1" -H "X-Kiln-Actor: bench" "http://localhost$2"; }
serves() { [ "$(curl -s --max-time 1 "$ROUTER/" 2>/dev/null)" = "$1" ]; }
wait_serves() { # page max_seconds
  local end=$(( $(date +%s) + $2 ))
  until serves "$1"; do [ "$(date +%s)" -lt $end ] || { echo "bench: $1 not served after $2 s" >&2; exit 1; }; sleep 0.02; done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

bench_cli_jar >/dev/null
$KILN server --api 127.0.0.1:$API_PORT --router 127.0.0.1:$ROUTER_PORT --git "$REPO" --branch main \
  --path kiln.yaml --git-interval "$INTERVAL" --allowed-signers "$WORK/allowed_signers" >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do api GET /v1/health >/dev/null 2>&1 && break; sleep 0.1; done
wait_serves v0 300   # the first commit: the server's first check bakes and applies it
echo "bench: server follows $REPO (main, kiln.yaml, every $INTERVAL, signed); v0 serving"

: > "$WORK/webhook.ms"
for i in $(seq 1 "$N"); do
  change "w$i"; t0=$(ms)
  api POST /v1/hooks/git >/dev/null
  wait_serves "w$i" 120; echo $(( $(ms) - t0 )) >> "$WORK/webhook.ms"
done
: > "$WORK/poll.ms"
for i in $(seq 1 "$N_POLL"); do
  change "p$i"; t0=$(ms)
  wait_serves "p$i" 180; echo $(( $(ms) - t0 )) >> "$WORK/poll.ms"
done
: > "$WORK/manual.ms"
for i in $(seq 1 "$N"); do
  echo "m$i" > "$REPO/site/index.html"; t0=$(ms)
  $KILN apply -f "$REPO/kiln.yaml" --detach >>"$WORK/apply.log" 2>&1
  wait_serves "m$i" 120; echo $(( $(ms) - t0 )) >> "$WORK/manual.ms"
done

refused=$(api GET "/v1/journal?kind=git-refused" | jq '.entries | length')
triggers=$(api GET "/v1/journal?kind=git-applied" | jq -r '[.entries[].body.trigger] | group_by(.) | map("\(.[0])=\(length)") | join(" ")')
wh=$(median < "$WORK/webhook.ms"); po=$(median < "$WORK/poll.ms"); ma=$(median < "$WORK/manual.ms")
echo
echo "commit -> new revision serving (median ms; every sample in $WORK/*.ms)"
printf '  %-46s %8s ms  (n=%s: %s)\n' "webhook (POST /v1/hooks/git)" "$wh" "$N" "$(paste -sd' ' "$WORK/webhook.ms")"
printf '  %-46s %8s ms  (n=%s: %s)\n' "poll alone, --git-interval $INTERVAL" "$po" "$N_POLL" "$(paste -sd' ' "$WORK/poll.ms")"
printf '  %-46s %8s ms  (n=%s: %s)\n' "peer: manual kiln apply (same change)" "$ma" "$N" "$(paste -sd' ' "$WORK/manual.ms")"
awk -v a="$wh" -v b="$ma" 'BEGIN {printf "  webhook / manual kiln apply = %.2f\n", a / b}'
echo "  git-applied by trigger: $triggers; git-refused: $refused"
