#!/usr/bin/env bash
# tests/cli/audit_site.sh BUILD_DIR - the audit on the site against the
# command line (tests/cli/audit_site.py), on the real advisory database:
# $CRATESEC_TEST_DB, else a clone of ${CRATESEC_TEST_DATA:-../shared/data}/
# advisory-db.bundle in BUILD_DIR/cli-db (shared with cli.sh and audit.sh).
# Without either: skipped, or a failure with CI=true.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "audit_site.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
REAL=${CRATESEC_TEST_DB:-}
if [ -z "$REAL" ]; then
    DATA=${CRATESEC_TEST_DATA:-../shared/data}
    if [ -f "$DATA/advisory-db.bundle" ]; then
        REAL="$B/cli-db"
        if [ ! -d "$REAL/crates" ]; then
            rm -rf "$REAL"
            git clone -q "$DATA/advisory-db.bundle" "$REAL" || REAL=""
        fi
    fi
fi
if [ -z "$REAL" ]; then
    if [ "${CI:-}" = true ]; then echo "audit_site.sh: FAIL: no advisory database"; exit 1; fi
    echo "audit_site.sh: SKIP: no CRATESEC_TEST_DB and no advisory-db.bundle"
    exit 0
fi
exec python3 tests/cli/audit_site.py "$B" "$REAL"
