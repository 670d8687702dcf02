#!/usr/bin/env bash
# tests/cli/hostile.sh BUILD_DIR - the hostile-request suite of `cratesec serve`.
#
# Starts the server on a free loopback port against tests/data/db with its
# default limits (only --timeout is lowered, to keep the run short), runs
# tests/cli/hostile.py against it (oversized headers, slow clients, bad paths,
# garbage, pipelining, 1,000 idle connections, the per-address limit, while a
# checker asserts that normal requests keep getting fast 200s), then expects
# the server alive and a clean exit on SIGTERM.  About 20 seconds.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
if [ ! -x "$BIN" ]; then
    echo "hostile.sh: $BIN not built" >&2
    exit 1
fi
command -v python3 >/dev/null || { echo "hostile.sh: SKIP (no python3)"; exit 0; }

# 1,000 idle connections plus the per-address crowd need descriptors on the
# client side too (the server raises its own limit).
want=4096
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
ulimit -n "$want" 2>/dev/null
if [ "$(ulimit -n)" -lt 2000 ]; then
    echo "hostile.sh: SKIP (cannot raise the descriptor limit: $(ulimit -n))"
    exit 0
fi

TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
# server_port: from the suites' shared helpers (fail is reset below).
source tests/cli/lib/assert.sh

TIMEOUT=4
PER_IP=500 # the default of --max-per-ip; passed explicitly so the test knows it
# A sanitizer build is several times slower: allow it more latency.
LAT_MAX=1.0
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then LAT_MAX=3.0; fi

"$BIN" serve --db tests/data/db --listen 127.0.0.1:0 --timeout "$TIMEOUT" \
    --max-per-ip "$PER_IP" --access-log "$TMP/access.log" > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID")
if [ -z "$PORT" ]; then
    echo "hostile.sh: server did not start"; cat "$TMP/err"; exit 1
fi

fail=0
timeout 120 python3 tests/cli/hostile.py 127.0.0.1 "$PORT" "$TIMEOUT" "$PER_IP" "$LAT_MAX" ||
    fail=1

if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 140); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$PID" 2>/dev/null; then
        echo "FAIL: server still running 7 s after SIGTERM"; fail=1
    else
        wait "$PID"; rc=$?
        [ "$rc" = 0 ] || { echo "FAIL: exit status $rc after SIGTERM"; fail=1; }
    fi
else
    echo "FAIL: the server died"; fail=1
    tail -20 "$TMP/err"
fi
PID=
# Cut-off clients are logged like nginx's client timeouts: status 408.
grep -q '^[^ ]* 127\.0\.0\.1 - - 408 0 [0-9]*us request-timeout$' "$TMP/access.log" ||
    { echo "FAIL: no request-timeout line in the access log"; fail=1; }
grep -q 'connections were cut off for not sending a whole request within 4 s' "$TMP/err" ||
    { echo "FAIL: no cut-off summary on stderr"; fail=1; }
if [ "$fail" -ne 0 ]; then
    echo "hostile.sh: server stderr (last lines):"; tail -5 "$TMP/err"
fi
[ "$fail" -eq 0 ]
