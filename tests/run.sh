#!/usr/bin/env bash
# tests/run.sh BUILD_DIR - runs every test suite against one build tree and
# prints the closing line "N passed, N failed" (suites, counted by tests/lib).
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
pass=0 fail=0
run() {
    local name=$1; shift
    echo "== $name"
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $name"; fi
}
run unit "$B/unit-tests"
for t in tests/cli/*.sh; do
    [ -e "$t" ] || continue
    run "$(basename "$t" .sh)" bash "$t" "$B"
done
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
