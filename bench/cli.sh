#!/usr/bin/env bash
# Kiln CLI benchmark (measurements, not tests): wall time of `kiln status` and `kiln journal -o json`
# against a running control plane (empty fleet), next to `curl` fetching the same endpoint, in the
# same run — i.e. what the JVM start + picocli + HTTP client cost on top of the API call itself.
#   bench/cli.sh [runs=20]
# Needs: hyperfine, curl, the shaded CLI, built from this checkout if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-20}
bench_need hyperfine curl
jar=$(bench_cli_jar)
home=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$JAVA_HOME/bin/java" -cp "$jar" dev.kiln.server.ServerMain --home "$home" --api "127.0.0.1:$port" \
  --router "127.0.0.1:$rport" >"$home/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$home"' EXIT
# The CLI and curl both go through the API's unix socket (no token needed there).
export KILN_HOME="$home"
for _ in $(seq 1 300); do curl -fs --unix-socket "$home/api.sock" http://localhost/v1/health >/dev/null && break; sleep 0.1; done
hyperfine -N --warmup 3 --runs "$runs" \
  -n "curl GET /v1/services" "curl -fs --unix-socket $home/api.sock http://localhost/v1/services" \
  -n "kiln status" "$JAVA_HOME/bin/java -jar $jar status" \
  -n "kiln status (-XX:TieredStopAtLevel=1 -Xshare:auto)" "$JAVA_HOME/bin/java -XX:TieredStopAtLevel=1 -Xshare:auto -jar $jar status" \
  -n "kiln journal -o json" "$JAVA_HOME/bin/java -jar $jar journal -o json"
