#!/usr/bin/env bash
# tests/cli/index_follow.sh BUILD_DIR - a registry index followed with git:
# cratesec sync --index, and serve --index DIR --sync-every applying each new
# commit while serving (tests/cli/index_follow.py does the work).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "index_follow.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 tests/cli/index_follow.py "$BIN" tests/data/db "$TMP"
