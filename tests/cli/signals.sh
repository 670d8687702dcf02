#!/usr/bin/env bash
# tests/cli/signals.sh BUILD_DIR - SIGHUP, SIGTERM and SIGINT at random
# moments of `cratesec serve`'s life, during start-up and reloads included,
# many times (tests/cli/signals.py says how).  SIGNALS_SECONDS (default 30)
# bounds the run; `make soak` runs it longer.  The database is a clone of
# ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle (its load takes
# long enough for signals to land in the middle of it), else tests/data/db
# (failed when CI=true).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "signals.sh: $BIN not built" >&2; exit 1; }
DATA=${CRATESEC_TEST_DATA:-../shared/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB=tests/data/db
if [ -f "$DATA/advisory-db.bundle" ]; then
    git clone -q "$DATA/advisory-db.bundle" "$TMP/db" || { echo "signals.sh: cannot clone"; exit 1; }
    DB=$TMP/db
elif [ "${CI:-}" = true ]; then
    echo "signals.sh: FAIL: $DATA/advisory-db.bundle missing (CI=true)"
    exit 1
else
    echo "signals.sh: note: no advisory-db.bundle, using the small fixture database"
fi
python3 tests/cli/signals.py "$BIN" "$DB" "${SIGNALS_SECONDS:-30}" ${SIGNALS_SEED:-}
