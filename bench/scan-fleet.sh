#!/usr/bin/env bash
# Fleet scan and fleet patch, measured on examples/hello (issue 13), each beside a peer timed in the same run:
#   1. `kiln scan --fleet` of INSTANCES running instances of hello (one image) against a generated OSV feed
#      of ADVISORIES records, beside what one does without a fleet view: ask each instance for its packages
#      (`dpkg-query --admindir` on its root, as one would over ssh on each host) and grep them for the
#      feed's package names (no version order), and running `kiln scan IMAGE` once per instance;
#   2. `kiln patch` (no --keep-base) of the 3-instance hello fleet, from the command to the last instance
#      replaced: debootstrap bookworm again, re-run the network step, re-scan, roll — beside a bare
#      `debootstrap --variant=minbase bookworm` (the floor of any base refresh).
# The fleet's base is made stale on purpose: this home's cached bookworm root says base-files is one
# revision older than the suite ships, and the feed has an advisory fixed in the shipped version, so only a
# refreshed base clears it (the same setup as kiln-cli's PatchBaseRefreshIT).
# Usage: bench/scan-fleet.sh [instances=100] [runs=3] [advisories=50000]
#   (root; deb.debian.org reachable; minutes: a bake, INSTANCES instances, two debootstraps)
set -euo pipefail

INSTANCES=${1:-100}
RUNS=${2:-3}
ADVISORIES=${3:-50000}
API_PORT=${API_PORT:-17989}
ROUTER_PORT=${ROUTER_PORT:-18191}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_need curl jq unzip python3 debootstrap
JAR=$(bench_cli_jar)
kiln() { "$JAVA_HOME/bin/java" $(kiln_jvm_flags) -jar "$JAR" "$@"; }

WORK=$(mktemp -d /tmp/kiln-scan-fleet.XXXXXX)
export KILN_HOME=$WORK/home
SERVER_PID=
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -d "$KILN_HOME" ] && "$JAVA_HOME/bin/java" -cp "$JAR" dev.kiln.server.ServerMain --home "$KILN_HOME" \
    --api 127.0.0.1:0 --router 127.0.0.1:$ROUTER_PORT --stop-all true >>"$WORK/server.log" 2>&1
  rm -rf "$WORK/peer-root"
  echo "bench: work dir $WORK (logs: $WORK/*.log)"
}
trap cleanup EXIT
ms() { date +%s%3N; }
api() { curl -sf --unix-socket "$KILN_HOME/api.sock" "http://localhost$1"; }
healthy() { # all services at their replica count, every instance of the live revision
  api /v1/services | jq -e --argjson n "$1" '(.services | length > 0) and all(.services[];
    .healthy >= $n and .replicas == $n and ([.instances[] | select(.state == "running")] | length) == $n)' \
    >/dev/null
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# 0. The project (examples/hello, its replica count set per part) and a stale bookworm root in this home.
cp -r "$ROOT/examples/hello" "$WORK/hello"
replicas() { sed -i -E "s/^    replicas: [0-9]+/    replicas: $1/" "$WORK/hello/kiln.yaml"; }
root=$KILN_HOME/cache/debian/bookworm
mkdir -p "$(dirname "$root")"
if [ -d /var/tmp/kiln-test-debian-cache/bookworm ]; then
  cp -a /var/tmp/kiln-test-debian-cache/bookworm "$root" # the tests' root: what the baker makes
else
  kiln bake -f "$WORK/hello/kiln.yaml" >"$WORK/bake-first.log" 2>&1 # debootstraps it here
  rm -rf "$KILN_HOME/cache/debian-bases"
fi
shipped=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' base-files)
python3 - "$root/var/lib/dpkg/status" "$shipped" <<'PY'
import sys
path, shipped = sys.argv[1], sys.argv[2]
stanzas = open(path).read().split("\n\n")
for i, s in enumerate(stanzas):
    if s.startswith("Package: base-files\n"):
        stanzas[i] = s.replace("Version: " + shipped, "Version: " + shipped + "~stale")
open(path, "w").write("\n\n".join(stanzas))
PY
kiln bake -f "$WORK/hello/kiln.yaml" >"$WORK/bake.log" 2>&1

# The feed: ADVISORIES-1 records about packages hello does not have, and KILN-BENCH-1 about base-files.
python3 - "$WORK/feed.zip" "$ADVISORIES" "$shipped" <<'PY'
import json, sys, zipfile
out, n, shipped = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def record(i, name, fixed):
    return json.dumps({"schema_version": "1.6.0", "id": i, "modified": "2026-11-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            "ecosystem_specific": {"urgency": "high"}}]})
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("KILN-BENCH-1.json", record("KILN-BENCH-1", "base-files", shipped))
    for k in range(n - 1):
        z.writestr(f"DEBIAN-CVE-2026-{k:05d}.json", record(f"DEBIAN-CVE-2026-{k:05d}", f"other{k}", "2.0-1"))
PY
FEED=$WORK/feed.zip

# 1. INSTANCES instances; the fleet scan and its peers.
(exec "$JAVA_HOME/bin/java" $(kiln_jvm_flags) -jar "$JAR" server --api 127.0.0.1:$API_PORT \
  --router 127.0.0.1:$ROUTER_PORT >>"$WORK/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 600); do api /v1/health >/dev/null && break; sleep 0.1; done
replicas "$INSTANCES"
kiln apply -f "$WORK/hello/kiln.yaml" --timeout 30m >"$WORK/apply-fleet.log" 2>&1
until healthy "$INSTANCES"; do sleep 0.5; done
ids=$(api /v1/services | jq -r '.services[].instances[] | select(.state == "running") | .id')
image=$(api /v1/services/web/revisions | jq -r '.revisions[-1].image')
rootfs=$KILN_HOME/rootfs/${image#sha256:}/root # the process runtime's shared, read-only root
[ -f "$rootfs/var/lib/dpkg/status" ] || { echo "bench: no dpkg status in $rootfs" >&2; exit 1; }
kiln scan --fleet --advisories "$FEED" >"$WORK/scan-fleet.txt" 2>&1 || true
grep -q KILN-BENCH-1 "$WORK/scan-fleet.txt" || { echo "bench: the fleet scan missed KILN-BENCH-1" >&2; exit 1; }
carried=$(grep -o "web-1-[0-9a-f]*" "$WORK/scan-fleet.txt" | sort -u | wc -l)

walls=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(ms); kiln scan --fleet --advisories "$FEED" >/dev/null 2>&1 || true; walls+=($(( $(ms) - t0 )))
done
t_fleet=$(median "${walls[@]}")
walls=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(ms)
  unzip -p "$FEED" | jq -r '.affected[].package.name' | sort -u >"$WORK/names.txt"
  for id in $ids; do # one host at a time, as over ssh; every instance of hello shares one root here
    dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${source:Package} ${Version}\n' \
      | grep -F -w -f "$WORK/names.txt" >/dev/null || true
  done
  walls+=($(( $(ms) - t0 )))
done
t_dpkg=$(median "${walls[@]}")
t0=$(ms)
for id in $ids; do kiln scan "$image" --advisories "$FEED" >/dev/null 2>&1 || true; done
t_each=$(( $(ms) - t0 ))

# 2. Back to hello's 3 instances; then the patch, and a bare debootstrap beside it.
replicas 3
kiln apply -f "$WORK/hello/kiln.yaml" --timeout 30m >"$WORK/apply-3.log" 2>&1
until healthy 3; do sleep 0.5; done
rev=$(api /v1/services | jq '.services[0].liveRevision')
t0=$(ms)
kiln patch -f "$WORK/hello/kiln.yaml" --advisories "$FEED" --timeout 30m >"$WORK/patch.log" 2>&1
# `kiln patch` returns when the rollout is done; the fleet is replaced once every running instance is
# of the new live revision
until healthy 3 && api /v1/services | jq -e --argjson r "$rev" '.services[] | .liveRevision > $r and
    (.liveRevision as $l | [.instances[] | select(.state == "running") | .revision] | all(. == $l))' \
    >/dev/null; do
  sleep 0.2
done
t_patch=$(( $(ms) - t0 ))
grep -q "refreshing debian:bookworm" "$WORK/patch.log" || { echo "bench: the base was not refreshed" >&2; exit 1; }
t0=$(ms)
debootstrap --variant=minbase bookworm "$WORK/peer-root" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
t_deboot=$(( $(ms) - t0 ))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "fleet: $INSTANCES running instances of hello ($carried named by the scan); feed: $ADVISORIES advisories" \
  "($(du -h "$FEED" | cut -f1) zip); medians of $RUNS runs; host load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-66s %9s %8s\n' "figure" "wall ms" "ratio"
printf '%-66s %9d %8s\n' "kiln scan --fleet (services, revisions, instances, match)" "$t_fleet" "1.00"
printf '%-66s %9d %8s\n' "peer: dpkg-query per instance | grep feed names (no version order)" "$t_dpkg" \
  "$(ratio "$t_dpkg" "$t_fleet")"
printf '%-66s %9d %8s\n' "peer: kiln scan IMAGE once per instance (1 run)" "$t_each" "$(ratio "$t_each" "$t_fleet")"
printf '%-66s %9d %8s\n' "kiln patch, hello (3 instances): command to fleet replaced" "$t_patch" "1.00"
printf '%-66s %9d %8s\n' "peer: debootstrap --variant=minbase bookworm alone" "$t_deboot" \
  "$(ratio "$t_deboot" "$t_patch")"
grep -h "^patched " "$WORK/patch.log" || true
