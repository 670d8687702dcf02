#!/usr/bin/env bash
# tests/cli/framing.sh BUILD_DIR - HTTP/1.1 framing of `cratesec serve` as RFC
# 9112 asks (request smuggling shapes, NULs, bare CRs, Host, transfer
# codings), the JSON API's errors as JSON, a JSON access log that stays JSON,
# and slow connections counted and logged (tests/cli/framing.py).  About 15 s.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "framing.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
source tests/cli/lib/assert.sh
TIMEOUT=2
"$BIN" serve --db tests/data/db --listen 127.0.0.1:0 --timeout "$TIMEOUT" --log-format json \
    --access-log "$TMP/access.log" > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID")
[ -n "$PORT" ] || { echo "framing.sh: server did not start"; cat "$TMP/err"; exit 1; }
rc=0
timeout 120 python3 tests/cli/framing.py 127.0.0.1 "$PORT" "$TMP/access.log" "$TIMEOUT" || rc=1
kill -0 "$PID" 2>/dev/null || { echo "FAIL: the server died"; tail -5 "$TMP/err"; rc=1; }
exit $rc
