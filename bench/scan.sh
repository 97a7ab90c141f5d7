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

# Median wall time of a command over $runs runs, in milliseconds.
median_ms() {
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
names=$(printf 'src%d,' $(seq 0 $((packages - 1))))
found=$(./kiln scan app --advisories "$feed" -o json | python3 -c \
  'import json,sys; r=json.load(sys.stdin); print(len(r["images"][0]["findings"]), r["advisories"]["count"])')
echo "feed: $advisories advisories ($(du -h "$feed" | cut -f1) zip); image: $packages packages;" \
  "findings, advisories read: $found"
printf '%-44s %8s\n' "what (median of $runs runs)" "ms"
printf '%-44s %8s\n' "kiln scan app (JVM start + read + match)" "$(median_ms ./kiln scan app --advisories "$feed")"
printf '%-44s %8s\n' "kiln --version (JVM start alone)" "$(median_ms ./kiln --version)"
printf '%-44s %8s\n' "unzip -p | grep -c '\"fixed\"'" "$(median_ms sh -c "unzip -p '$feed' | grep -c '\"fixed\"'")"
if command -v jq >/dev/null; then
  filter='select(.affected[].package.name | IN($n | split(",")[]))|.id'
  printf '%-44s %8s\n' "unzip -p | jq (select the image's packages)" \
    "$(median_ms sh -c "unzip -p '$feed' | jq -c --arg n '$names' '$filter' >/dev/null")"
fi
