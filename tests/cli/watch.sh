#!/usr/bin/env bash
# tests/cli/watch.sh BUILD_DIR - watch lists end to end (tests/cli/watch.py):
# signed webhook deliveries to a local receiver with retries, timeouts,
# disabling, feeds, kill -9 during a delivery, SSRF refusals, DNS rebinding
# refused at connect time, export/import.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
[ -x "$B/cratesec-server" ] || { echo "watch.sh: $B/cratesec-server not built"; exit 1; }
exec python3 tests/cli/watch.py "$B"
