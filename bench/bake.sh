#!/usr/bin/env bash
# Bake throughput: `kiln bake` of a ~1 GiB tree (2048 files of 512 KiB, fixed-seed pseudo-random
# data, made once in /var/tmp) beside `tar -c | sha256sum` of the same tree in the same run, then a
# rebake with nothing changed and a rebake with one file changed. Page cache warm for all runs.
#   bench/bake.sh            # KILN_BENCH_DIR=/var/tmp/kiln-bench by default
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KILN_BENCH_DIR:-/var/tmp/kiln-bench}
project=$dir/project
tree=$project/tree
files=2048
size=$((512 * 1024))
mb=$((files * size / 1024 / 1024))

# The same bytes on every machine: AES-CTR over zeros with a fixed key (SIGPIPE ends openssl).
seeded() {
  (set +o pipefail; openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:kiln-bench -in /dev/zero 2>/dev/null |
    head -c $((files * size)))
}
if [ "$(find "$tree" -type f 2>/dev/null | wc -l)" != "$files" ]; then
  echo "bench: making the ${mb} MiB tree in $tree (once)" >&2
  rm -rf "$tree" && mkdir -p "$tree"
  seeded | (cd "$tree" && split -b "$size" -d -a 4 - f)
fi
cat >"$project/kiln.yaml" <<'YAML'
images:
  bulk:
    from: scratch
    copy:
      - { src: tree/, dest: /data }
YAML

export KILN_HOME=$dir/home
# KILN="java -jar kiln-cli/target/kiln.jar" to time a given build instead of the launcher.
kiln_cmd=${KILN:-$root/kiln}
kiln() { $kiln_cmd "$@" >/dev/null; }
seconds() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", (b-a)/1e9}'; }
rate() { awk -v m="$mb" -v s="$1" 'BEGIN{printf "%.0f", m/s}'; }

$kiln_cmd --version >/dev/null # build the CLI first if needed, outside the timings
tar -C "$project" -cf - tree | sha256sum >/dev/null # warm the page cache

tar_s=$(seconds sh -c "tar -C '$project' -cf - tree | sha256sum >/dev/null")
rm -rf "$KILN_HOME"
cold_s=$(seconds kiln bake -f "$project/kiln.yaml")
warm_s=$(seconds kiln bake -f "$project/kiln.yaml")
# One file changed: a fresh 512 KiB of other content, so only the copy layer is rebuilt.
openssl rand "$size" >"$tree/f0007"
one_s=$(seconds kiln bake -f "$project/kiln.yaml")
# Put the seeded content back so the next run's tree is the same.
(set +o pipefail; seeded | tail -c +$((7 * size + 1)) | head -c "$size" >"$tree/f0007")

printf '%-40s %8s %10s\n' "run (${mb} MiB, ${files} files)" seconds MiB/s
printf '%-40s %8.2f %10s\n' "tar -c | sha256sum" "$tar_s" "$(rate "$tar_s")"
printf '%-40s %8.2f %10s\n' "kiln bake, cold (empty KILN_HOME)" "$cold_s" "$(rate "$cold_s")"
printf '%-40s %8.2f %10s\n' "kiln bake, nothing changed" "$warm_s" "-"
printf '%-40s %8.2f %10s\n' "kiln bake, one file changed" "$one_s" "$(rate "$one_s")"
awk -v k="$cold_s" -v t="$tar_s" 'BEGIN{printf "ratio cold kiln / (tar | sha256sum): %.2f\n", k/t}'
echo "(kiln times include JVM start, ~0.7 s. Cold: the layer is written (read, hashed, 1 GiB written"
echo " and fsynced) while the sources are hashed for the cache key on the other core; the SBOM then"
echo " reads the layer once more. Unchanged: a stat of every source file against the hash memo."
echo " One file changed: the whole copy step's layer is rewritten, its other files' hashes come from"
echo " the memo.)"
