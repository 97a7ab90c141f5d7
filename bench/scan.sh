#!/usr/bin/env bash
# Kiln scan benchmark (a measurement, not a test): wall time of `kiln scan` of an image with ~100
# dpkg packages against a generated OSV feed of 50,000 advisories (one zip, as osv.dev publishes
# Debian:12), next to peers that only read the same feed, in the same run:
#   - `unzip -p | grep -c`   : decompress and scan the bytes once (the floor for any reader);
#   - `unzip -p | jq`         : parse every record and select the image's packages (no version order).
# `kiln scan` does what neither does: parse, index by source package, match in Debian version order.
#   bench/scan.sh [runs=5] [advisories=50000] [packages=100]
# Needs: a JDK >= 21 (./kiln builds the CLI), python3, unzip; jq if present.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
advisories=${2:-50000}
packages=${3:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./kiln --version >/dev/null # builds the CLI on first use

# An image whose /var/lib/dpkg/status lists $packages packages (each from its own source package),
# and a feed: 10 advisories per installed source package (half fixed above the installed version,
# half below), the rest about other packages.
python3 - "$work" "$advisories" "$packages" <<'EOF'
import json, os, sys, zipfile
work, n, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = os.path.join(work, "project", "app")
os.makedirs(os.path.join(app, "var/lib/dpkg"))
os.makedirs(os.path.join(app, "etc"))
with open(os.path.join(app, "etc/os-release"), "w") as f:
    f.write('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
with open(os.path.join(app, "var/lib/dpkg/status"), "w") as f:
    for i in range(p):
        f.write(f"Package: lib{i}\nStatus: install ok installed\nArchitecture: amd64\n"
                f"Source: src{i}\nVersion: 1.{i}.0-1+deb12u2\n\n")
with open(os.path.join(work, "project", "kiln.yaml"), "w") as f:
    f.write("images:\n  app:\n    from: scratch\n    copy: [ { src: app/, dest: / } ]\n")
with zipfile.ZipFile(os.path.join(work, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for k in range(n):
        src = f"src{k // 10}" if k < p * 10 else f"other{k}"
        fixed = f"1.{k // 10}.0-1+deb12u{1 + 2 * (k % 2)}" if k < p * 10 else "2.0-1"
        z.writestr(f"DEBIAN-CVE-2026-{k:05d}.json", json.dumps({
            "schema_version": "1.6.0", "id": f"DEBIAN-CVE-2026-{k:05d}",
            "modified": "2026-11-01T00:00:00Z", "upstream": [f"CVE-2026-{k:05d}"],
            "affected": [{"package": {"ecosystem": "Debian:12", "name": src},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": fixed}]}],
                          "ecosystem_specific": {"urgency": ["low", "medium", "high"][k % 3]}}]}))
EOF
export KILN_HOME="$work/home"
./kiln bake -f "$work/project/kiln.yaml" >/dev/null
feed="$work/all.zip"

# Median wall time and median CPU time (user + sys, children included) of a command over $runs
# runs, in milliseconds: on a shared machine the CPU time is the steadier figure.
measure() {
  local walls=() cpus=()
  for _ in $(seq 1 "$runs"); do
    local out
    out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1 || true; } 2>&1 | tail -1)
    walls+=($(awk '{printf "%d", $1 * 1000}' <<<"$out"))
    cpus+=($(awk '{printf "%d", ($2 + $3) * 1000}' <<<"$out"))
  done
  printf '%8s %8s' "$(median "${walls[@]}")" "$(median "${cpus[@]}")"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() {
  local label=$1
  shift
  printf '%-46s %s\n' "$label" "$(measure "$@")"
}
names=$(printf 'src%d,' $(seq 0 $((packages - 1))))
found=$(./kiln scan app --advisories "$feed" -o json | python3 -c \
  'import json,sys; r=json.load(sys.stdin); print(len(r["images"][0]["findings"]), r["advisories"]["count"])')
echo "feed: $advisories advisories ($(du -h "$feed" | cut -f1) zip); image: $packages packages;" \
  "findings, advisories read: $found"
printf '%-46s %8s %8s\n' "what (median of $runs runs)" "wall ms" "cpu ms"
row "kiln scan app (JVM start + read + match)" ./kiln scan app --advisories "$feed"
row "  same, KILN_JAVA_OPTS=-XX:TieredStopAtLevel=1" env KILN_JAVA_OPTS=-XX:TieredStopAtLevel=1 ./kiln scan app --advisories "$feed"
row "kiln --version (JVM start alone)" ./kiln --version
row "unzip -p | grep -c '\"fixed\"'" sh -c "unzip -p '$feed' | grep -c '\"fixed\"'"
if command -v jq >/dev/null; then
  filter='select(.affected[].package.name | IN($n | split(",")[]))|.id'
  row "unzip -p | jq (select the image's packages)" \
    sh -c "unzip -p '$feed' | jq -c --arg n '$names' '$filter'"
fi
