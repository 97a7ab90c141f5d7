#!/usr/bin/env bash
# Warm rollback, measured by requests: a real `kiln server` (router in a process of its own), a busybox
# httpd service with 2 replicas on blue-green (scale-down-delay 10m, so the fleet rolled back to stays warm),
# whose two revisions answer "A" and "B". A prober sends requests back to back through the router on one
# keep-alive connection; a rollback's time is from its start to the first response of the run in which every
# response comes from the revision rolled back to.
#
#   bench/rollback.sh            # N=10 rollbacks of each kind
#   N=20 bench/rollback.sh
#   FRESH=0 bench/rollback.sh     # without the first rollbacks on a fresh server (default 40)
#   SKIP_CLI=1 bench/rollback.sh                  # without the CLI's rollbacks (JVM start): quicker
#   KILN_JAR=/tmp/other/kiln.jar bench/rollback.sh  # another build, e.g. for a before/after pair
#
# Kinds, each N times (each rollback goes back to the other warm fleet):
#   POST rollback, fresh  the first FRESH rollbacks through the API, on a server started seconds before:
#                         its JIT still compiles what the applies, probes and polls run (hundreds of
#                         methods a second, on the same 2 cores); reported as is, and as a warm-up
#   kiln rollback web     the CLI: JVM start + API call + the server's decision and journal + router swap
#   POST rollback         the API over the unix socket: the server's decision and journal + router swap,
#                         after the fresh ones: a server that has run for a while, as one usually has
#   router swap (peer)    the same table change POSTed to the router's admin endpoint: the swap alone,
#                         the floor any rollback through the router has (kamal-proxy's deploy is this)
# Prints median, p90 (nearest rank) and max per kind and each median's ratio to the peer's; "sent med" is the
# median time at which the first request the rolled-back-to fleet answered was sent (the figures before it also
# hold the rest of a request in flight on the old fleet and one whole request on the new: the prober's own).
set -euo pipefail

N=${N:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need curl jq python3 busybox=busybox-static
JAR=${KILN_JAR:-$(bench_cli_jar)}
JAVA=$JAVA_HOME/bin/java

WORK=$(mktemp -d /tmp/kiln-rollback.XXXXXX)
export KILN_HOME=$WORK/home
PROJECT=$WORK/project
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
SERVER_PID=
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  # the fleet and the router outlive the server by design: stop them
  "$JAVA" -cp "$JAR" dev.kiln.server.ServerMain --home "$KILN_HOME" --api 127.0.0.1:0 \
    --router 127.0.0.1:"$ROUTER_PORT" --stop-all true >>"$WORK/server.log" 2>&1
  echo "bench: work dir $WORK (server log: $WORK/server.log)"
}
trap cleanup EXIT

mkdir -p "$PROJECT/bin" "$PROJECT/site-a" "$PROJECT/site-b"
cp /bin/busybox "$PROJECT/bin/busybox"; ln -sf busybox "$PROJECT/bin/sh"
echo A > "$PROJECT/site-a/index.html"; echo B > "$PROJECT/site-b/index.html"
for img in a b; do
  cat > "$PROJECT/kiln-$img.yaml" <<EOF
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
    image: $img
    replicas: 2
    health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
    route: { host: "*", path: / }
    strategy:
      blue-green: { auto-promote: 200ms, scale-down-delay: 10m }
EOF
done

api() { # METHOD PATH [BODY]: the response body; a refusal is printed and fails
  local out code
  out=$(curl -s --unix-socket "$KILN_HOME/api.sock" -X "$1" -H 'Content-Type: application/json' \
    -H "X-Kiln-Actor: bench" -w '\n%{http_code}' "http://localhost$2" ${3:+-d "$3"}) || return 1
  code=${out##*$'\n'}
  [ "$code" -lt 300 ] || { echo "bench: $1 $2: HTTP $code ${out%$'\n'*}" >&2; return 1; }
  echo "${out%$'\n'*}"
}
apply() { api POST /v1/apply "$(jq -n --rawfile b "$PROJECT/kiln-$1.yaml" --arg n "kiln-$1.yaml" '{blueprint: $b, name: $n}')"; }
settled() { # revision -> 0 when all traffic is on it, the rollout is done and the fleet healthy
  api GET /v1/services/web | jq -e --arg r "$1" '(.rollout.to == ($r|tonumber)) and (.rollout.phase == "SUCCEEDED" or .rollout.phase == "SCALING_DOWN") and (.traffic | length == 1) and (.traffic[$r] == 100) and (.healthy >= .replicas)' >/dev/null
}
wait_settled() { for _ in $(seq 1 1500); do settled "$1" && return 0; sleep 0.05; done; echo "bench: revision $1 did not settle" >&2; exit 1; }

"$JAVA" -jar "$JAR" keygen >/dev/null  # the host key: only images it signed are deployed
"$JAVA" -jar "$JAR" bake -f "$PROJECT/kiln-a.yaml" >/dev/null
# shellcheck disable=SC2046 # the flags the launcher gives `kiln server` (word splitting intended)
"$JAVA" $(kiln_server_jvm_flags) -cp "$JAR" dev.kiln.server.ServerMain --home "$KILN_HOME" --api 127.0.0.1:"$API_PORT" \
  --router 127.0.0.1:"$ROUTER_PORT" >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do api GET /v1/health >/dev/null && break; sleep 0.1; done
rev=$(apply a | jq '.plan.changes[0].toRevision'); wait_settled "$rev"
rev=$(apply b | jq '.plan.changes[0].toRevision'); wait_settled "$rev"
ADMIN_PORT=$(jq .admin "$KILN_HOME/router/router.json")
# A fresh KILN_HOME trains the router's AOT cache in the background (a JVM at nice 10 for some CPU
# seconds, once per build): measure after it, not beside it. No training log: nothing to wait for.
if [ -f "$KILN_HOME/router/router-aot-training.log" ]; then
  for _ in $(seq 1 1200); do compgen -G "$KILN_HOME/router/router-*.aot" >/dev/null && break; sleep 0.1; done
fi
echo "bench: server up, router 127.0.0.1:$ROUTER_PORT (admin $ADMIN_PORT); web serves B, A is warm; N=$N per kind"

# The prober and the three kinds of rollback, timed in one process (Python: no JVM in the measuring path).
python3 - "$N" "$ROUTER_PORT" "$ADMIN_PORT" "$KILN_HOME" "$JAVA" "$JAR" <<'EOF'
import http.client, json, os, socket, statistics, subprocess, sys, threading, time
n, router_port, admin_port, home, java, jar = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
token = open(os.path.join(home, "router", "admin-token")).read().strip()

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30); self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); self.sock.connect(self.path)

def api(method, path, body=None):
    c = UnixHTTP(os.path.join(home, "api.sock"))
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json", "X-Kiln-Actor": "bench"})
    r = c.getresponse(); data = r.read(); c.close()
    if r.status >= 300: raise SystemExit(f"bench: {method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)

def admin(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=30)
    c.request(method, path, body=body, headers={"Authorization": "Bearer " + token})
    r = c.getresponse(); data = r.read(); c.close()
    if r.status != 200: raise SystemExit(f"bench: router admin {method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)

def serve():  # what the router serves now
    c = http.client.HTTPConnection("127.0.0.1", router_port, timeout=5)
    c.request("GET", "/"); body = c.getresponse().read().decode().strip(); c.close(); return body

class Prober(threading.Thread):
    """Requests back to back on one keep-alive connection; (receive time, body, send time) of each."""
    def __init__(self):
        super().__init__(daemon=True); self.seen = []; self.stop = False
    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", router_port, timeout=5)
        while not self.stop:
            sent = time.perf_counter()
            try:
                c.request("GET", "/"); body = c.getresponse().read().decode().strip()
            except Exception:
                c.close(); c = http.client.HTTPConnection("127.0.0.1", router_port, timeout=5); body = "error"
            self.seen.append((time.perf_counter(), body, sent))
        c.close()

def measure(trigger, want, settle=0.3):
    """Seconds from the trigger's start to the first response of the run that is all `want`, and to
    that response's request being sent: a request in flight on the old fleet when the swap lands is
    answered by it, so the first figure includes the rest of that request and one whole new one."""
    p = Prober(); p.start()
    while len(p.seen) < 20: time.sleep(0.001)  # warm: the prober is at its steady rate
    t0 = time.perf_counter(); out = trigger(); t_done = time.perf_counter()
    while not p.seen or p.seen[-1][1] != want or p.seen[-1][0] < t_done + settle: time.sleep(0.005)
    p.stop = True; p.join()
    first = first_sent = None
    for t, body, sent in p.seen:
        if t < t0: continue
        if body == want:
            if first is None: first, first_sent = t, sent
        else:
            first = None
    if first is None or first_sent is None: raise SystemExit(f"bench: the router never served only {want}")
    gaps = [b - a for (a, _, _), (b, _, _) in zip(p.seen, p.seen[1:]) if a >= t0]
    return first - t0, out, max(gaps) if gaps else 0.0, first_sent - t0

def other(x): return "A" if x == "B" else "B"
results = {}
modes = set()

def rollback_api():
    body = api("POST", "/v1/services/web/rollback", {}); modes.add(body["mode"]); return body
def rollback_cli():
    subprocess.run([java, "-jar", jar, "rollback", "web"], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, KILN_HOME=home))

def settled():  # the rollback's rollout is done and the fleet rolled back from is warm again
    for _ in range(600):
        s = api("GET", "/v1/services/web")
        r = s.get("rollout") or {}
        if r.get("phase") in ("SUCCEEDED", "SCALING_DOWN") and s.get("healthy", 0) >= s.get("replicas", 1): return
        time.sleep(0.05)
    raise SystemExit("bench: the rollback did not settle")

tables = {}
sent_at = {}  # per kind: when the first request the new fleet answered was sent
fresh = int(os.environ.get("FRESH", "40"))
kinds = [("POST rollback, fresh", rollback_api, fresh), ("kiln rollback web", rollback_cli, n),
         ("POST rollback", rollback_api, n)]
if os.environ.get("SKIP_CLI") == "1": kinds.pop(1)  # a quicker run, the server's part alone
for kind, trigger, count in kinds:
    for _ in range(count):
        now = serve(); want = other(now)
        tables[now] = admin("GET", "/table")
        took, _, gap, sent = measure(trigger, want)
        results.setdefault(kind, []).append(took); sent_at.setdefault(kind, []).append(sent)
        settled()
        tables[serve()] = admin("GET", "/table")

# The peer: the same two tables, swapped on the router directly (versions must grow).
kind = "router swap (peer)"
for _ in range(n):
    now = serve(); want = other(now)
    t = dict(tables[want]); t["version"] = admin("GET", "/table")["version"] + 1
    body = json.dumps(t).encode()
    took, _, gap, sent = measure(lambda: admin("POST", "/table", body), want)
    results.setdefault(kind, []).append(took); sent_at.setdefault(kind, []).append(sent)

peer = statistics.median(results["router swap (peer)"])
print(f"mode of the API rollbacks: {', '.join(sorted(modes))}")
print(f"{'kind':<22} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} {'x peer':>8} {'sent med':>9}")
for kind, xs in results.items():
    m = statistics.median(xs)
    p90 = sorted(xs)[max(0, -(-len(xs) * 9 // 10) - 1)]  # nearest rank
    print(f"{kind:<22} {m*1000:10.1f} {p90*1000:8.1f} {max(xs)*1000:8.1f} {m/peer:8.1f} {statistics.median(sent_at[kind])*1000:9.1f}")
EOF
