#!/usr/bin/env bash
# tests/soak/load.sh BUILD_DIR - part (a): sustained load on one server.
#
# One `cratesec serve` on the real advisory database (and the 2020 index
# when build/crates-index-2020-07 is already unpacked; SOAK_INDEX=0 skips
# it), loaded by wrk with tests/soak/mix.lua over the request mix of
# tests/soak/urls.py.  Short probes at 16, 64 and 256 connections pick the
# highest rate served without an error (they are the warm-up too); then
# SOAK_SECONDS (default 60) at that concurrency.  Fails on any error (socket
# error, timeout, status >= 400) or when resident memory at the end exceeds
# the one after warm-up by more than SOAK_RSS_TOLERANCE percent (default 10)
# plus 4 MB (allocator slack: per-thread arenas, response buffers).
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"
TOLERANCE=${SOAK_RSS_TOLERANCE:-10}
PROBE_SECONDS=${SOAK_PROBE_SECONDS:-3}

soak_db
index_args=() list_args=()
if [ "${SOAK_INDEX:-1}" != 0 ] && [ -f "$ROOT/build/crates-index-2020-07/config.json" ]; then
    index_args=(--index "$ROOT/build/crates-index-2020-07")
    list_args=(--index "$ROOT/build/crates-index-2020-07")
fi
start_server load --db "$SOAK_DB" "${index_args[@]}" --listen 127.0.0.1:0 --access-log none ||
    die "server did not start"
pid=$SERVER_PID
say "server pid $pid on $SERVER_URL${index_args:+ with the 2020 index}"
python3 tests/soak/urls.py "$SOAK_DB" "$SERVER_URL" "$WORK/load.list" "${list_args[@]}" ||
    die "cannot build the request list"

best_c=0 best_rps=0
for c in 16 64 256; do
    run_wrk "$SERVER_URL" "$PROBE_SECONDS" "$c" "$WORK/load.list" "$WORK/load.probe$c.txt"
    say "probe: $c connections: $RPS req/s, p99 $P99_MS ms, errors $ERRORS ($ERROR_DETAIL)"
    if [ "$ERRORS" -eq 0 ] && [ "$RPS" -gt "$best_rps" ]; then best_c=$c best_rps=$RPS; fi
done
[ "$best_c" -gt 0 ] || die "every probe had errors"

rss_before=$(rss_kb "$pid")
# Resident memory every 2 s, to show the trend and not only two points.
(
    while kill -0 "$pid" 2>/dev/null; do rss_kb "$pid"; sleep 2; done
) > "$WORK/load.rss" &
PIDS+=($!)
say "load: ${SOAK_SECONDS}s at $best_c connections (RSS after warm-up $((rss_before / 1024)) MB)"
run_wrk "$SERVER_URL" "$SOAK_SECONDS" "$best_c" "$WORK/load.list" "$WORK/load.wrk.txt"
kill -0 "$pid" 2>/dev/null || die "the server died under load"
rss_after=$(rss_kb "$pid")
rss_peak=$(sort -n "$WORK/load.rss" | tail -1)
growth_kb=$((rss_after - rss_before))
allowed_kb=$((rss_before * TOLERANCE / 100 + 4096))
say "load: $REQUESTS requests, $RPS req/s, p50 $P50_MS ms, p99 $P99_MS ms, max $MAX_MS ms, errors $ERRORS ($ERROR_DETAIL)"
say "load: RSS $((rss_before / 1024)) MB after warm-up, $((rss_after / 1024)) MB at the end (peak $((rss_peak / 1024)) MB; allowed growth $((allowed_kb / 1024)) MB)"

verdict=OK
[ "$ERRORS" -eq 0 ] || { verdict="FAIL (errors)"; }
[ "$growth_kb" -le "$allowed_kb" ] || { verdict="FAIL (RSS grew ${growth_kb} kB)"; }
record "$(printf '%s requests in %ss at %s conns (%s req/s), errors %s, p50 %s ms, p99 %s ms, RSS %s -> %s MB; %s' \
    "$REQUESTS" "$SOAK_SECONDS" "$best_c" "$RPS" "$ERRORS" "$P50_MS" "$P99_MS" \
    "$((rss_before / 1024))" "$((rss_after / 1024))" "$verdict")"
[ "$verdict" = OK ]
