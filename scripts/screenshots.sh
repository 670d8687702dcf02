#!/usr/bin/env bash
# scripts/screenshots.sh BUILD_DIR - `make screenshots`: the README's
# screenshots of the Security tab (docs/screenshots/*.png), from a server
# with the real database and the 2020-07 index (tests/browser/serve.sh, the
# browser tests' own set-up) through tests/browser/screenshots.mjs.
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
ROOT=$PWD
skip() { echo "screenshots: $*"; exit 1; }
SHOTS="$B/screenshots" source tests/browser/serve.sh
mkdir -p docs/screenshots
node tests/browser/screenshots.mjs "$URL" "$ROOT/docs/screenshots"
rc=$?
kill -TERM $PID
wait $PID 2>/dev/null
exit $rc
