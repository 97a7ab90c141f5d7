#!/usr/bin/env bash
# Kiln image-store benchmark (measurements, not tests): kiln-oci's LayerUnpacker beside GNU tar on the same layer
# (plain and gzip), SBOM computation (streams the layers, hashes every file), signing + verifying.
#   bench/image-store.sh [DIR=the JDK's home] [runs=3]
# The layer is a tar of DIR. Builds kiln-image and what it needs (kiln-model, kiln-oci) from this clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
kiln_find_jdk
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
# In one reactor, so kiln-oci and kiln-model resolve to this clone's jars (the last module written
# to the file is kiln-image, built last).
./mvnw -q -pl kiln-image -am package dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
  -Dmdep.outputFile="$cp_file" >/dev/null
CP="kiln-image/target/classes:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$CP" bench/ImageStoreBench.java "${1:-$JAVA_HOME}" "${2:-3}"
