#!/usr/bin/env bash
# tests/run.sh BUILD_DIR [TIER] - runs the test suites against one build tree,
# printing each suite's wall time, and the closing line "suites: N passed,
# N failed" (suites, counted by tests/lib).
#
# TIER is one of:
#   fast  (make test-fast, under 2 minutes) the unit tests and the
#         command-line suites on the project's own fixtures.  The shared data
#         is hidden from them (CRATESEC_TEST_DATA names no directory;
#         CRATESEC_TEST_DB and CI are unset, so its absence is a skip, not a
#         failure), and the suites that test nothing but real data, git clones
#         of it or the browser (INTEGRATION below) are left out.
#   all   (make test, the default) every suite once, with the shared data:
#         the fast tier and the integration tier (the real database, the 2020
#         index, git clones, the browser).  Under CI=true missing data fails.
set -u
B=${1:-build}
TIER=${2:-all}
cd "$(dirname "$0")/.."
# Suites that skip entirely without the shared data (or need a browser).
INTEGRATION="api browser osv_conformance reload signals sync"
case $TIER in
    fast)
        export CRATESEC_TEST_DATA="$PWD/$B/no-shared-data-in-the-fast-tier"
        unset CRATESEC_TEST_DB CI
        UNIT_ARGS=(--tier fast) ;;
    all) UNIT_ARGS=() ;;
    *) echo "usage: tests/run.sh BUILD_DIR [fast|all]" >&2; exit 2 ;;
esac
pass=0 fail=0
t_all=$(date +%s%N)
run() {
    local name=$1 t0 rc; shift
    echo "== $name"
    t0=$(date +%s%N)
    "$@"
    rc=$?
    printf -- "-- %s: %.1f s\n" "$name" "$(( $(date +%s%N) - t0 ))e-9"
    if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $name"; fi
}
run unit "$B/unit-tests" "${UNIT_ARGS[@]}"
for t in tests/cli/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ "$TIER" = fast ] && [[ " $INTEGRATION " == *" $name "* ]]; then
        continue
    fi
    run "$name" bash "$t" "$B"
done
printf "suites: %d passed, %d failed (%s tier, %.0f s)\n" "$pass" "$fail" "$TIER" \
    "$(( $(date +%s%N) - t_all ))e-9"
[ "$fail" -eq 0 ]
