#!/usr/bin/env bash
# Kiln root-image benchmark (a measurement, not a test): instance start time of the process runtime
# with the image's root as an erofs or a squashfs image on a loop device (option root-image=erofs,
# squashfs; erofs is the default where it works) against the plain directory tree (root-image=tree),
# measured in the same run, median / p99 over N starts each (the image's root already built): warm
# (another instance of the image runs, its mount is shared) and cold (the image was unmounted with its
# last instance: re-hash and mount), and the one-off cost of building and verifying each image.
#   bench/rootimage.sh [starts=30]
# Needs: bubblewrap, erofs-utils, squashfs-tools, loop devices, root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need bwrap=bubblewrap mkfs.erofs=erofs-utils mksquashfs=squashfs-tools
cp_file=$(mktemp)
trap 'rm -f "$cp_file" "$cp_file".*' EXIT
bench_classpath kiln-runtime-process "$cp_file" test
exec "$JAVA_HOME/bin/java" -cp "$(cat "$cp_file")" -Djava.util.logging.config.file=/dev/null \
  bench/RootImageBench.java "$@"
