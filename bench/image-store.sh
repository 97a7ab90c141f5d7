#!/usr/bin/env bash
# Kiln image-store benchmark (measurements, not tests): kiln-oci's LayerUnpacker beside GNU tar on the same layer
# (plain and gzip), SBOM computation (streams the layers, hashes every file), signing + verifying.
#   bench/image-store.sh [DIR=the JDK's home] [runs=3]
# The layer is a tar of DIR. Builds kiln-image from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
bench_classpath kiln-image "$cp_file"
CP=$(cat "$cp_file")
exec "$JAVA_HOME/bin/java" -cp "$CP" bench/ImageStoreBench.java "${1:-$JAVA_HOME}" "${2:-3}"
