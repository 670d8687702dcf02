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
# The clone is shared with audit.sh and cli.sh, which tests/run.sh may run at
# the same time: made aside and renamed (lib/assert.sh), never removed here.
source tests/cli/lib/assert.sh
REAL=$(real_advisory_db "$B")
if [ -z "$REAL" ]; then
    if [ "${CI:-}" = true ]; then echo "audit_site.sh: FAIL: no advisory database"; exit 1; fi
    echo "audit_site.sh: SKIP: no CRATESEC_TEST_DB and no advisory-db.bundle"
    exit 0
fi
exec python3 tests/cli/audit_site.py "$B" "$REAL"
