#!/usr/bin/env bash
# tests/soak/hostile.sh BUILD_DIR - part (e): a hostile database (issue 14).
#
# tests/data/make-db-hostile.py --duplicates writes advisories whose
# Markdown costs cmark-gfm seconds and gigabytes (tables of 2,000 and 4,000
# columns and rows, a row of 40,000 '|', 20,000 nested quotes, a 200 KB
# description), remote images, and files whose handling is the loader's
# (an id repeated in a dot-directory and under another package).  The server
# must start within 30 s, answer every page of it under wrk load (8
# connections) with no error, carry out a reload every second for
# SOAK_SECONDS with none failing, and stay within its normal memory: peak
# resident memory at most that of the same server on the small fixture
# database (tests/data/db, measured first) + 64 MB.  Which advisories such a
# database shows is the loader's part; here only that it is served.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh installs it)"

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_server hostile-base --db "$ROOT/tests/data/db" --listen 127.0.0.1:0 --access-log none ||
    die "server did not start on tests/data/db"
curl -sf -o /dev/null "$SERVER_URL/advisories" || die "tests/data/db: /advisories fails"
base_kb=$(hwm_kb "$SERVER_PID")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null

DB=$WORK/hostile-db
rm -rf "$DB"
python3 tests/data/make-db-hostile.py "$DB" --duplicates || die "cannot write the hostile database"
t0=$(date +%s%N)
start_server hostile --db "$DB" --listen 127.0.0.1:0 --access-log none ||
    die "server did not start on the hostile database"
start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
pid=$SERVER_PID URL=$SERVER_URL
[ "$start_ms" -le 30000 ] || die "start took $start_ms ms"
say "started in $start_ms ms, peak RSS $(( $(hwm_kb "$pid") / 1024 )) MB (fixture database: $((base_kb / 1024)) MB)"

# Every page of the hostile advisories, their crates, lists and feeds.
{
    for n in $(seq 101 110); do
        printf 'GET\t/advisories/RUSTSEC-2099-0%s\n' "$n"
        printf 'GET\t/v1/vulns/RUSTSEC-2099-0%s\n' "$n"
    done
    for c in tablebomb pipes widetable nesting brackets big tracker plain other; do
        printf 'GET\t/crates/%s\n' "$c"
        printf 'GET\t/crates/%s/feed.xml\n' "$c"
        printf 'GET\t/crates/%s/1.0.0/security\n' "$c"
    done
    printf 'GET\t/\nGET\t/advisories\nGET\t/feed.xml\nGET\t/search?q=tablebomb&n={n}\n'
} > "$WORK/hostile.list"
# Each listed page must answer 200; those of the duplicated id (crates
# plain and other, RUSTSEC-2099-0108) 200 or 404: which of them is shown is
# the loader's decision, checked elsewhere.
dup='/crates/other|/crates/plain|RUSTSEC-2099-0108'
bad=0
while IFS=$'\t' read -r method path; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$URL${path//\{n\}/1}")
    if [[ $path =~ $dup ]]; then
        [ "$code" = 200 ] || [ "$code" = 404 ] || { say "$path answered $code"; bad=$((bad + 1)); }
    else
        [ "$code" = 200 ] || { say "$path answered $code"; bad=$((bad + 1)); }
    fi
done < "$WORK/hostile.list"
[ "$bad" -eq 0 ] || die "$bad pages did not answer as they should"
grep -v -E "$dup" "$WORK/hostile.list" > "$WORK/hostile.load"

wrk_start "$URL" "$((SOAK_SECONDS + 60))" 8 "$WORK/hostile.load" "$WORK/hostile.wrk.txt" 2
reloads0=$(healthz "$URL" reloads)
end=$((SECONDS + SOAK_SECONDS))
sent=0
while [ "$SECONDS" -lt "$end" ]; do
    kill -HUP "$pid" 2>/dev/null || die "the server died"
    sent=$((sent + 1))
    sleep 1
done
sleep 2
kill -INT "$WRK_PID" 2>/dev/null
wait "$WRK_PID"
wrk_parse "$WORK/hostile.wrk.txt"
kill -0 "$pid" 2>/dev/null || die "the server died"
reloads=$(( $(healthz "$URL" reloads) - reloads0 ))
failures=$(healthz "$URL" reload_failures)
peak_kb=$(hwm_kb "$pid")
allowed_kb=$((base_kb + 65536))
say "$sent SIGHUPs, $reloads reloads, $failures failed; wrk: $REQUESTS requests, p50 $P50_MS ms, p99 $P99_MS ms, errors $ERRORS ($ERROR_DETAIL)"
say "peak RSS $((peak_kb / 1024)) MB (allowed: fixture $((base_kb / 1024)) MB + 64 MB)"
verdict=OK
[ "$ERRORS" -eq 0 ] || verdict="FAIL (wrk errors: $ERROR_DETAIL)"
[ "$failures" = 0 ] || verdict="FAIL (failed reloads)"
[ "$reloads" -ge $((sent / 2)) ] || verdict="FAIL (only $reloads reloads for $sent SIGHUPs)"
[ "$peak_kb" -le "$allowed_kb" ] || verdict="FAIL (peak RSS $((peak_kb / 1024)) MB)"
record "$(printf 'start %s ms, %s reloads in %ss, %s requests, errors %s, p99 %s ms, peak RSS %s MB (fixture %s MB); %s' \
    "$start_ms" "$reloads" "$SOAK_SECONDS" "$REQUESTS" "$ERRORS" "$P99_MS" "$((peak_kb / 1024))" \
    "$((base_kb / 1024))" "$verdict")"
[ "$verdict" = OK ]
