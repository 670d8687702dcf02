#!/usr/bin/env bash
# tests/cli/reload.sh BUILD_DIR - hot reload on SIGHUP, periodic sync from a git
# remote (also a failing one), half-written checkouts and broken advisories
# keeping the last good data, /healthz, /metrics, page validators (ETag, 304)
# and the JSON logs of `cratesec serve` (tests/cli/reload.py does the work).
# Needs ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle: skipped
# without it, or failed when CI=true.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "reload.sh: $BIN not built" >&2; exit 1; }
DATA=${CRATESEC_TEST_DATA:-../shared/data}
BUNDLE="$DATA/advisory-db.bundle"
if [ ! -f "$BUNDLE" ]; then
    if [ "${CI:-}" = true ]; then
        echo "reload.sh: FAIL: $BUNDLE missing (CI=true)"
        exit 1
    fi
    echo "reload.sh: SKIP: $BUNDLE missing (set CRATESEC_TEST_DATA)"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 tests/cli/reload.py "$BIN" "$BUNDLE" "$TMP"
