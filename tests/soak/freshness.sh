#!/usr/bin/env bash
# tests/soak/freshness.sh BUILD_DIR - part (i): freshness under load (issue
# 13, section 5).
#
# The 2020 registry index snapshot is made a git repository (the upstream;
# its files hard links to the unpacked snapshot, never written in place) and
# cloned; the advisory database likewise.  One `cratesec serve --index CLONE
# --db CLONE --sync-every 10s` is loaded by wrk with the usual request mix
# while tests/soak/freshness_check.py commits to both upstreams for
# SOAK_SECONDS (100 index commits a minute: releases, new crates, yanks,
# removals; a new advisory at least once a minute) and times each change
# from its commit to the first answer that shows it.
# Passes with every change visible within one interval plus the longest
# apply time plus 2 s, no answer older than the commits applied before it
# was asked, zero wrk errors, and resident memory at the end within 25 %
# + 16 MB of the one once two generations of commits were applied (each
# generation's page cache fills again under wrk; the index grows a little).
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"
INTERVAL=${SOAK_FRESH_INTERVAL:-10}

SNAP=$ROOT/build/crates-index-2020-07
if [ ! -f "$SNAP/config.json" ]; then
    if [ ! -f "$DATA/crates-index-2020-07.tar.zst" ]; then
        [ "${CI:-}" = true ] && die "no $DATA/crates-index-2020-07.tar.zst"
        say "SKIP (no crates-index-2020-07.tar.zst in $DATA)"
        record "SKIP (no crates-index-2020-07.tar.zst)"
        exit 0
    fi
    rm -rf "$SNAP.tmp.$$" && mkdir -p "$SNAP.tmp.$$"
    tar --zstd -xf "$DATA/crates-index-2020-07.tar.zst" -C "$SNAP.tmp.$$" || die "cannot unpack the index"
    mv -T "$SNAP.tmp.$$" "$SNAP" 2>/dev/null || rm -rf "$SNAP.tmp.$$"
fi

UP=$WORK/fresh-index-up
say "making the index upstream (git, $(find "$SNAP" -type f | wc -l) files)"
rm -rf "$UP" "$WORK/fresh-index" "$WORK/fresh-db"
cp -al "$SNAP" "$UP" || die "cannot link the snapshot"
git -C "$UP" init -q -b master &&
    git -C "$UP" add -A &&
    git -C "$UP" -c user.name=soak -c user.email=soak@example.org commit -q -m snapshot ||
    die "cannot make the index repository"
git clone -q "$UP" "$WORK/fresh-index" || die "cannot clone the index"
clone_db "$WORK/fresh-db-up"
git clone -q "$WORK/fresh-db-up" "$WORK/fresh-db" || die "cannot clone the database"

start_server fresh --db "$WORK/fresh-db" --index "$WORK/fresh-index" \
    --sync-every "${INTERVAL}s" --listen 127.0.0.1:0 --access-log none ||
    die "server did not start"
pid=$SERVER_PID
need_healthz "$SERVER_URL" "the freshness part"
python3 tests/soak/urls.py "$WORK/fresh-db" "$SERVER_URL" "$WORK/fresh.list" \
    --index "$WORK/fresh-index" || die "cannot build the request list"
# The crates the changes leave alone: the database's (wrk asks for them, and
# their pages exist without the index).
ls "$WORK/fresh-db/crates" > "$WORK/fresh.skip"

say "committing for ${SOAK_SECONDS}s under wrk load (sync every ${INTERVAL}s)"
wrk_start "$SERVER_URL" "$((SOAK_SECONDS + 120))" 32 "$WORK/fresh.list" "$WORK/fresh.wrk.txt"
python3 tests/soak/freshness_check.py "$SERVER_URL" "$pid" "$UP" "$WORK/fresh-db-up" \
    "$SOAK_SECONDS" "$INTERVAL" "$WORK/fresh.skip" > "$WORK/fresh.figures" 2> "$WORK/fresh.problems"
check_rc=$?
kill -INT "$WRK_PID" 2>/dev/null
wait "$WRK_PID"
wrk_parse "$WORK/fresh.wrk.txt"
kill -0 "$pid" 2>/dev/null || die "the server died"
grep -v '^problem:' "$WORK/fresh.problems" >&2
grep '^problem:' "$WORK/fresh.problems" | head -20 >&2
grep -q '^PROBLEMS=' "$WORK/fresh.figures" || die "the checker ended early: $(tail -1 "$WORK/fresh.problems")"
eval "$(grep -E '^[A-Z_0-9]+=[^ ]*$' "$WORK/fresh.figures")"
say "changes: $CHANGES ($KINDS); index commits $INDEX_COMMITS, database commits $DB_COMMITS"
say "commit -> visible: p50 $VISIBLE_P50_S s, p99 $VISIBLE_P99_S s, max $VISIBLE_MAX_S s (bound $BOUND_S s)"
say "index apply (server): median $INDEX_APPLY_MS_MEDIAN ms, max $INDEX_APPLY_MS_MAX ms over $INDEX_GENERATIONS generations; database load max $DB_LOAD_MS_MAX ms over $DB_GENERATIONS"
say "order: $ORDER_CHECKED page answers checked against /healthz; problems $PROBLEMS"
say "wrk: $REQUESTS requests, p50 $P50_MS ms, p99 $P99_MS ms, errors $ERRORS ($ERROR_DETAIL)"
allowed_kb=$((RSS_WARM_KB / 4 + 16384))
say "RSS $((RSS_WARM_KB / 1024)) MB once two generations were applied, $((RSS_AFTER_KB / 1024)) MB at the end, peak $((RSS_MAX_KB / 1024)) MB (allowed growth $((allowed_kb / 1024)) MB)"
verdict=OK
[ "$check_rc" -eq 0 ] && [ "$PROBLEMS" -eq 0 ] || verdict="FAIL ($PROBLEMS problems: late, never visible or out of order)"
[ "$ERRORS" -eq 0 ] || verdict="FAIL (wrk errors: $ERROR_DETAIL)"
[ "$RSS_WARM_KB" -gt 0 ] && [ $((RSS_AFTER_KB - RSS_WARM_KB)) -le "$allowed_kb" ] || verdict="FAIL (RSS grew)"
record "$(printf '%s changes in %ss (%s index + %s database commits), visible p50 %s s / p99 %s s / max %s s (bound %s s), apply %s ms median, %s requests (wrk), errors %s, order checks %s, RSS %s -> %s MB; %s' \
    "$CHANGES" "$SOAK_SECONDS" "$INDEX_COMMITS" "$DB_COMMITS" "$VISIBLE_P50_S" "$VISIBLE_P99_S" \
    "$VISIBLE_MAX_S" "$BOUND_S" "$INDEX_APPLY_MS_MEDIAN" "$REQUESTS" "$ERRORS" "$ORDER_CHECKED" \
    "$((RSS_WARM_KB / 1024))" "$((RSS_AFTER_KB / 1024))" "$verdict")"
[ "$verdict" = OK ]
