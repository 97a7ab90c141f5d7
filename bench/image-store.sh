#!/usr/bin/env bash
# Kiln image-store benchmark (measurements, not tests): LayerUnpacker beside GNU tar on the same layer
# (plain and gzip), SBOM computation (streams the layers, hashes every file), signing + verifying.
#   bench/image-store.sh [DIR=the JDK's home] [runs=3]
# The layer is a tar of DIR. Needs kiln-image installed (./mvnw -q -pl kiln-image install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
kiln_find_jdk
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -pl kiln-image dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
CP="$HOME/.m2/repository/dev/kiln/kiln-image/0.1.0-SNAPSHOT/kiln-image-0.1.0-SNAPSHOT.jar:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$CP" bench/ImageStoreBench.java "${1:-$JAVA_HOME}" "${2:-3}"
