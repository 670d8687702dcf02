#!/usr/bin/env bash
# tests/run.sh BUILD_DIR [TIER] - runs the test suites against one build tree,
# TEST_JOBS at a time (default: the number of processors), printing each
# suite's output when it ends with its wall time, and the closing line
# "suites: N passed, N failed" (suites, counted by tests/lib).
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
#
# TEST_SKIP names suites to leave out (make check leaves out the browser).
# Suites run side by side, so each keeps its scratch files to itself (mktemp,
# its own BUILD_DIR/NAME-db) and listens on a free port.
set -u
B=${1:-build}
TIER=${2:-all}
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
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
LOGS="$B/test-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS"

# The suites, longest first (the browser suite alone is a few minutes), so
# that the last to start are short ones.
suites=(unit)
for t in tests/cli/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ "$TIER" = fast ] && [[ " $INTEGRATION " == *" $name "* ]]; then
        continue
    fi
    if [[ " ${TEST_SKIP:-} " == *" $name "* ]]; then
        echo "== $name: left out (TEST_SKIP)"
        continue
    fi
    case $name in browser) suites=(browser "${suites[@]}") ;; *) suites+=("$name") ;; esac
done

start() { # NAME: runs one suite in the background, its output to LOGS/NAME.log
    local name=$1
    (
        t0=$(date +%s%N)
        if [ "$name" = unit ]; then
            "$B/unit-tests" "${UNIT_ARGS[@]}"
        else
            bash "tests/cli/$name.sh" "$B"
        fi
        echo $? >"$LOGS/$name.rc"
        echo "$(( $(date +%s%N) - t0 ))" >"$LOGS/$name.ns"
    ) >"$LOGS/$name.log" 2>&1 &
    pids[$!]=$name
}
finish() { # PID: prints the suite's output and counts it
    local name=${pids[$1]} rc
    unset "pids[$1]"
    rc=$(cat "$LOGS/$name.rc" 2>/dev/null || echo 1)
    echo "== $name"
    cat "$LOGS/$name.log"
    printf -- "-- %s: %.1f s\n" "$name" "$(cat "$LOGS/$name.ns" 2>/dev/null || echo 0)e-9"
    if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $name"; fi
}

pass=0 fail=0
declare -A pids=()
t_all=$(date +%s%N)
for name in "${suites[@]}"; do
    while [ "${#pids[@]}" -ge "$JOBS" ]; do
        wait -n -p done_pid "${!pids[@]}"
        finish "$done_pid"
    done
    start "$name"
done
while [ "${#pids[@]}" -gt 0 ]; do
    wait -n -p done_pid "${!pids[@]}"
    finish "$done_pid"
done
printf "suites: %d passed, %d failed (%s tier, %d at a time, %.0f s)\n" "$pass" "$fail" "$TIER" \
    "$JOBS" "$(( $(date +%s%N) - t_all ))e-9"
[ "$fail" -eq 0 ]
