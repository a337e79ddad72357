#!/usr/bin/env bash
# The whole scripted run, as recorded in docs/benchmarks.md: bring the cluster up, show the user moving between
# nodes and the replica's reads, soak it for DURATION with the three failures, and tear everything down (also when
# a step fails). The soak's summary is copied to SCALEOUT_RESULTS (default ./var/scaleout) before the teardown.
#
#   deploy/scaleout/run.sh [DURATION]     # default 30m
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
results="${SCALEOUT_RESULTS:-$REPO/var/scaleout}"

trap '"$here/down.sh"' EXIT
"$here/up.sh"
"$here/check.sh"
"$here/soak.sh" "${1:-30m}"
mkdir -p "$results"
cp "$ROOT/check-summary.txt" "$results/"
latest="$(ls -d "$ROOT"/soak-* | tail -1)"
cp -r "$latest" "$results/"
rm -f "$results/$(basename "$latest")"/*.html
mkdir -p "$results/$(basename "$latest")/logs"
cp -r "$LOGS"/* "$results/$(basename "$latest")/logs/"
log "results kept in $results"
