#!/usr/bin/env bash
# tests/cli/run_default.sh BUILD_DIR - what ./run serves (CRATESEC_RUN_DRY=1:
# the serve command, nothing installed, built or fetched): with no arguments
# the live registry (crates.io's sparse index, the database fetched every 5
# minutes), with --data the offline snapshot and no fetching.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
source tests/cli/lib/assert.sh
run env CRATESEC_RUN_DRY=1 ./run
assert_rc "run: dry run" 0
assert_out "run: the live index by default" "--index sparse+https://index.crates.io/"
assert_out "run: crates revalidated after 5 minutes" "--index-max-age 300"
assert_out "run: the database fetched every 5 minutes" "--sync-every 5m"
assert_out "run: the sparse index's disk cache in build/" "--cache-dir build/index-cache"
DATA=${CRATESEC_TEST_DATA:-../shared/data}
run env CRATESEC_RUN_DRY=1 ./run --data "$DATA"
assert_rc "run --data: dry run" 0
if [ -f "$DATA/crates-index-2020-07.tar.zst" ]; then
    assert_out "run --data: the 2020 snapshot" "--index build/crates-index-2020-07"
elif [ "${CI:-}" = true ]; then
    bad "run --data: $DATA/crates-index-2020-07.tar.zst missing (CI=true)"
fi
assert_no_out "run --data: nothing fetched while serving" "--sync-every"
assert_no_out "run --data: no sparse index" "sparse+"
run env CRATESEC_RUN_DRY=1 ./run --listen 127.0.0.1:9 -- --threads 4
assert_out "run: options after --" "--listen 127.0.0.1:9 --threads 4"
run env CRATESEC_RUN_DRY=1 ./run --bogus
assert_rc "run: unknown option" 2
echo "run_default.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
