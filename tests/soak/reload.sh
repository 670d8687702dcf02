#!/usr/bin/env bash
# tests/soak/reload.sh BUILD_DIR - part (b): a reload every second under load.
#
# One `cratesec serve` on a private checkout of the advisory database.
# tests/soak/reload_check.py moves the checkout between the bundle's tip (A)
# and an older commit (B, SOAK_RELOAD_OLD, default a76f948c: before the
# advisories of 2026-08-20, so `internment` 0.8.7 is affected by one
# advisory under A and none under B) and sends SIGHUP about once a second
# for SOAK_SECONDS, while its checker threads verify every answer is wholly
# one commit's and wrk keeps the server busy with the usual request mix.
# Zero failed requests, zero inconsistent answers, zero failed reloads;
# resident memory at the end may not exceed the one after warm-up (the
# 3 learning reloads and the first 4 of the run) by more than 25 % + 8 MB:
# the data is replaced once a second, so a leak would show.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"
OLD=${SOAK_RELOAD_OLD:-a76f948c017704164261133f0734d352d7a3e9b6}
CRATE=${SOAK_RELOAD_CRATE:-internment} VERSION=${SOAK_RELOAD_VERSION:-0.8.7}

DB=$WORK/reload-db
clone_db "$DB"
new=$(git -C "$DB" rev-parse HEAD)
old=$(git -C "$DB" rev-parse --verify -q "$OLD^{commit}") || die "commit $OLD is not in the bundle"
git -C "$DB" checkout -q --detach "$old" || die "cannot check out $old"

start_server reload --db "$DB" --listen 127.0.0.1:0 --access-log none || die "server did not start"
pid=$SERVER_PID
need_healthz "$SERVER_URL" "the reload part"
# The request mix from the older commit: its crates and advisories exist
# under both (urls.py checks them against the server, now at the older one).
python3 tests/soak/urls.py "$DB" "$SERVER_URL" "$WORK/reload.list" || die "cannot build the request list"

say "reloading between ${new:0:12} (A) and ${old:0:12} (B) for ${SOAK_SECONDS}s under wrk load"
wrk_start "$SERVER_URL" "$((SOAK_SECONDS + 120))" 32 "$WORK/reload.list" "$WORK/reload.wrk.txt"
python3 tests/soak/reload_check.py "$SERVER_URL" "$pid" "$DB" "$new" "$old" "$SOAK_SECONDS" \
    "$CRATE" "$VERSION" > "$WORK/reload.figures" 2> "$WORK/reload.problems"
check_rc=$?
kill -INT "$WRK_PID" 2>/dev/null
wait "$WRK_PID"
wrk_parse "$WORK/reload.wrk.txt"
kill -0 "$pid" 2>/dev/null || die "the server died"
cat "$WORK/reload.problems" >&2
grep -q '^RELOADS=' "$WORK/reload.figures" || die "$(tail -1 "$WORK/reload.problems")"
eval "$(grep -E '^[A-Z_]+=[^ ]*$' "$WORK/reload.figures")"
say "reloads: $RELOADS (server counts $RELOADS_SERVER, $RELOAD_FAILURES failed); swap $SWAP_MS_MEDIAN ms median, $SWAP_MS_MAX ms max (server); load $LOAD_MS_MEDIAN ms median; SIGHUP to new generation $VISIBLE_MS_MEDIAN ms median, $VISIBLE_MS_MAX ms max"
say "checker: $CHECKED answers ($SEEN_A of A with $CRATE $VERSION affected by $AFFECTED_A, $SEEN_B of B with $AFFECTED_B), $INCONSISTENT inconsistent or failed"
[ "$ETAG_BODY_VARIES" = 0 ] ||
    say "note: $ETAG_BODY_VARIES probe(s) answer other bytes under the same ETag after a reload of the same commit (the footer's load time)"
say "wrk: $REQUESTS requests, p50 $P50_MS ms, p99 $P99_MS ms, errors $ERRORS ($ERROR_DETAIL)"
rss_before=${RSS_WARM_KB:-0} rss_after=${RSS_END_KB:-0}
allowed_kb=$((rss_before / 4 + 8192))
say "RSS $((rss_before / 1024)) MB after $((4 + 3)) reloads (warm-up), $((rss_after / 1024)) MB at the end, peak $((${RSS_MAX_KB:-0} / 1024)) MB (allowed growth $((allowed_kb / 1024)) MB)"
verdict=OK
[ "$check_rc" -eq 0 ] && [ "$INCONSISTENT" -eq 0 ] || verdict="FAIL (inconsistent or failed answers)"
[ "$ERRORS" -eq 0 ] || verdict="FAIL (wrk errors: $ERROR_DETAIL)"
[ "$RELOAD_FAILURES" = 0 ] || verdict="FAIL (failed reloads)"
[ $((rss_after - rss_before)) -le "$allowed_kb" ] || verdict="FAIL (RSS grew)"
record "$(printf '%s reloads in %ss, %s requests (wrk) + %s checked, errors %s, inconsistent %s, swap %s ms median / %s max, SIGHUP->live %s ms median, p99 %s ms, RSS %s -> %s MB; %s' \
    "$RELOADS" "$SOAK_SECONDS" "$REQUESTS" "$CHECKED" "$ERRORS" "$INCONSISTENT" "$SWAP_MS_MEDIAN" \
    "$SWAP_MS_MAX" "$VISIBLE_MS_MEDIAN" "$P99_MS" "$((rss_before / 1024))" "$((rss_after / 1024))" "$verdict")"
[ "$verdict" = OK ]
