#!/usr/bin/env bash
# Kiln patch measurement (a measurement, not a test): the time from `kiln patch` to the whole fleet
# replaced, as PatchIT runs it: a debian:bookworm image whose network run step installs a package
# from an apt repository on loopback, a 2-instance service behind the router, an OSV record naming
# the installed version, the fixed version published, then `kiln patch --keep-base` — rebake (the
# network step re-runs: apt-get update + install), re-scan, patch-started journaled, rolling
# replacement of both instances with a client running throughout. Prints PatchIT's line
# "patched 1 service in N ms". The first run debootstraps bookworm into
# /var/tmp/kiln-test-debian-cache (minutes, needs deb.debian.org); later runs are offline.
#   bench/patch.sh [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
. scripts/find-jdk.sh && kiln_find_jdk && export MAVEN_OPTS="$(kiln_jvm_flags)"
for i in $(seq "$runs"); do
  ./mvnw -B -q -pl kiln-cli -am verify -Dtest=NONE -Dit.test=PatchIT \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false >/dev/null
  grep -o "PatchIT: patched[^<]*" kiln-cli/target/failsafe-reports/TEST-dev.kiln.cli.PatchIT.xml \
    | head -1 | sed "s/^/run $i: /"
done
