#!/usr/bin/env bash
# Push of examples/hello to a loopback registry (Debian's docker-registry), measured beside `skopeo copy`
# of the same image from the same OCI layout to the same registry, in the same run. Each run pushes to a
# fresh repository (nothing already uploaded); medians of RUNS runs.
#   bench/push.sh [RUNS=5]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need skopeo docker-registry bwrap=bubblewrap debootstrap
RUNS=${1:-5}
WORK=$(mktemp -d /tmp/kiln-push.XXXXXX)
export KILN_HOME=${KILN_HOME:-$WORK/home}
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
jar=$(bench_cli_jar)
kiln() { "$JAVA_HOME/bin/java" $(kiln_jvm_flags) -jar "$jar" "$@"; }

[ -f "$KILN_HOME/keys/host.pub" ] || kiln keygen >/dev/null
echo "bench: baking examples/hello (the Debian root is cached after the first time)" >&2
kiln bake -f "$ROOT/examples/hello/kiln.yaml" >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $WORK/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$PORT }
YAML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
size=$(kiln inspect hello -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(l["size"] for l in d["manifest"]["layers"]))' 2>/dev/null || echo "?")
k=(); s=()
for i in $(seq 1 "$RUNS"); do
  k+=("$(ms kiln push hello "127.0.0.1:$PORT/kiln$i/hello:1")")
  s+=("$(ms skopeo copy --dest-tls-verify=false "oci:$KILN_HOME/images:hello" "docker://127.0.0.1:$PORT/skopeo$i/hello:1")")
done
km=$(printf '%s\n' "${k[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
digest_k=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/kiln1/hello:1")
digest_s=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/skopeo1/hello:1")
echo "push of examples/hello ($size layer bytes) to a loopback docker-registry, median of $RUNS fresh repositories"
printf '  %-34s %6s ms   (%s)\n' "kiln push (with signature + SBOM)" "$km" "${k[*]}"
printf '  %-34s %6s ms   (%s)\n' "skopeo copy (image only)" "$sm" "${s[*]}"
awk -v a="$km" -v b="$sm" 'BEGIN { printf "  kiln/skopeo time ratio: %.2f\n", a / b }'
echo "  digests: kiln $digest_k, skopeo $digest_s"
[ "$digest_k" = "$(kiln inspect hello -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')" ] \
  && echo "  kiln's pushed digest is the store's digest" || echo "  WARNING: kiln's pushed digest differs from the store's"
