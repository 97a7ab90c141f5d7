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
# A fresh, empty registry for every measurement: neither tool can skip an upload because the other (or
# an earlier run) left the blob there, and skopeo's cross-repository blob mounts do not apply.
fresh_registry() {
  [ -n "$REG_PID" ] && { kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null || true; }
  rm -rf "$WORK/registry"
  cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $WORK/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$PORT }
YAML
  docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: docker-registry did not start" >&2; cat "$WORK/registry.log" >&2; return 1
}

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
store_digest=$(kiln inspect hello -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
k=(); s=(); k2=(); s2=()
for i in $(seq 1 "$RUNS"); do
  fresh_registry
  k+=("$(ms kiln push hello "127.0.0.1:$PORT/web/hello:1")")
  k2+=("$(ms kiln push hello "127.0.0.1:$PORT/web/hello:1")") # again: every blob is there
  digest_k=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/web/hello:1")
  fresh_registry
  s+=("$(ms skopeo copy --preserve-digests --dest-tls-verify=false "oci:$KILN_HOME/images:hello" "docker://127.0.0.1:$PORT/web/hello:1")")
  s2+=("$(ms skopeo copy --preserve-digests --dest-tls-verify=false "oci:$KILN_HOME/images:hello" "docker://127.0.0.1:$PORT/web/hello:1")")
  digest_s=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/web/hello:1")
done
km=$(printf '%s\n' "${k[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
km2=$(printf '%s\n' "${k2[@]}" | median); sm2=$(printf '%s\n' "${s2[@]}" | median)
echo "push of examples/hello ($store_digest) to a loopback docker-registry (empty for each first push), median of $RUNS"
printf '  %-44s %6s ms   (%s)\n' "kiln push, first (image + signature + SBOM)" "$km" "${k[*]}"
printf '  %-44s %6s ms   (%s)\n' "skopeo copy --preserve-digests, first" "$sm" "${s[*]}"
printf '  %-44s %6s ms   (%s)\n' "kiln push, again (nothing to upload)" "$km2" "${k2[*]}"
printf '  %-44s %6s ms   (%s)\n' "skopeo copy, again" "$sm2" "${s2[*]}"
awk -v a="$km" -v b="$sm" -v c="$km2" -v d="$sm2" 'BEGIN { printf "  kiln/skopeo time: first %.2f, again %.2f\n", a / b, c / d }'
echo "  pushed digest as skopeo inspects it: kiln $digest_k, skopeo $digest_s; store $store_digest"
