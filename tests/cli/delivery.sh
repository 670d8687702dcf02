#!/usr/bin/env bash
# tests/cli/delivery.sh BUILD_DIR - how `cratesec serve` sends pages (issue 11,
# Delivery): gzip when the client accepts it, from the page cache, with
# Vary: Accept-Encoding and the same weak ETag as the page itself; identity
# otherwise; 304 to a matching If-None-Match whatever the coding.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "delivery.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
source tests/cli/lib/assert.sh
"$BIN" serve --db tests/data/db --listen 127.0.0.1:0 --access-log none > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID")
[ -n "$PORT" ] || { echo "delivery.sh: server did not start"; cat "$TMP/err"; exit 1; }
URL=http://127.0.0.1:$PORT

# fetch NAME PATH [CURL ARGS]: raw body in $TMP/NAME.body, head in $TMP/NAME.head
fetch() {
    local name=$1 path=$2; shift 2
    curl -s -D "$TMP/$name.head" -o "$TMP/$name.body" "$@" "$URL$path"
    tr -d '\r' < "$TMP/$name.head" > "$TMP/$name.h"
}
header() { sed -n "s/^$2: //Ip" "$TMP/$1.h" | head -1; } # NAME HEADER

for path in /advisories /advisories/RUSTSEC-2020-0001 /; do
    fetch plain "$path"
    fetch gz "$path" -H 'Accept-Encoding: gzip, deflate'
    assert_eq "$path: identity without Accept-Encoding" "$(header plain Content-Encoding)" ""
    assert_eq "$path: gzip when accepted" "$(header gz Content-Encoding)" "gzip"
    assert_eq "$path: Vary (identity)" "$(header plain Vary)" "Accept-Encoding"
    assert_eq "$path: Vary (gzip)" "$(header gz Vary)" "Accept-Encoding"
    assert_eq "$path: one ETag for both" "$(header gz ETag)" "$(header plain ETag)"
    gzip -dc < "$TMP/gz.body" > "$TMP/gz.inflated" 2>/dev/null
    cmp -s "$TMP/gz.inflated" "$TMP/plain.body" && ok ||
        bad "$path: the gzip body does not inflate to the page"
    [ "$(wc -c < "$TMP/gz.body")" -lt "$(wc -c < "$TMP/plain.body")" ] && ok ||
        bad "$path: the gzip body is not smaller"
    assert_eq "$path: Content-Length is the gzip length" "$(header gz Content-Length)" \
        "$(wc -c < "$TMP/gz.body" | tr -d ' ')"
    etag=$(header plain ETag)
    fetch nm "$path" -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag"
    assert_eq "$path: 304 for the gzip form" "$(sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$TMP/nm.h")" 304
    assert_eq "$path: Vary on the 304" "$(header nm Vary)" "Accept-Encoding"
done
fetch q0 /advisories -H 'Accept-Encoding: gzip;q=0, identity'
assert_eq "gzip;q=0 refuses gzip" "$(header q0 Content-Encoding)" ""
fetch br /advisories -H 'Accept-Encoding: br'
assert_eq "br alone: identity" "$(header br Content-Encoding)" ""
fetch star /advisories -H 'Accept-Encoding: *'
assert_eq "*: gzip" "$(header star Content-Encoding)" "gzip"
fetch head /advisories -I -H 'Accept-Encoding: gzip'
fetch gz /advisories -H 'Accept-Encoding: gzip'
assert_eq "HEAD: gzip" "$(header head Content-Encoding)" "gzip"
assert_eq "HEAD: the length of the gzip form" "$(header head Content-Length)" \
    "$(header gz Content-Length)"
# Without the page cache (CRATESEC_NO_PAGE_CACHE=1, what make bench compares
# with) pages are sent as rendered, with their validator and its 304.
kill "$PID"; wait "$PID" 2>/dev/null
# The last server's "listening on" line goes first: the new server's shell
# truncates the file only once it runs, and under load server_port could
# read the old port before that (a CI run asked a dead port and failed).
: > "$TMP/out"
CRATESEC_NO_PAGE_CACHE=1 "$BIN" serve --db tests/data/db --listen 127.0.0.1:0 --access-log none \
    > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID")
[ -n "$PORT" ] || { echo "delivery.sh: server without page cache did not start"; cat "$TMP/err"; exit 1; }
URL=http://127.0.0.1:$PORT
fetch nc /advisories -H 'Accept-Encoding: gzip'
assert_eq "no cache: identity" "$(header nc Content-Encoding)" ""
etag=$(header nc ETag)
case $etag in W/\"p*) ok ;; *) bad "no cache: no page ETag" "$etag" ;; esac
fetch nc304 /advisories -H "If-None-Match: $etag"
assert_eq "no cache: 304" "$(sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$TMP/nc304.h")" 304

# A cached page that says how old the index is: an index committed a day
# less 8 seconds ago is fresh at first, and the same page, asked again once
# the day has passed, says the index is more than a day old (a new ETag too).
# Before, the page cached while fresh kept its wording for the generation.
kill "$PID"; wait "$PID" 2>/dev/null
cp -r tests/data/index "$TMP/index"
when=$(( $(date +%s) - 86400 + 8 ))
(cd "$TMP/index" && git init -q && git add -A &&
    GIT_AUTHOR_DATE="@$when +0000" GIT_COMMITTER_DATE="@$when +0000" \
    git -c user.name=t -c user.email=t@example.com commit -qm index) ||
    bad "cannot make the git index fixture"
: > "$TMP/out" # as above: no stale port
"$BIN" serve --db tests/data/db --index "$TMP/index" --listen 127.0.0.1:0 --access-log none \
    > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID")
URL=http://127.0.0.1:$PORT
fetch day1 / -H 'Accept-Encoding: gzip'
if [ $(( $(date +%s) - when )) -lt 86400 ]; then
    gzip -dc < "$TMP/day1.body" | grep -q "more than a day old" &&
        bad "an index younger than a day is called more than a day old" || ok
fi
while [ $(( $(date +%s) - when )) -le 86401 ]; do sleep 1; done
fetch day2 / -H 'Accept-Encoding: gzip'
gzip -dc < "$TMP/day2.body" | grep -q "more than a day old" && ok ||
    bad "the cached page still calls the index fresh after its first day"
[ "$(header day1 ETag)" != "$(header day2 ETag)" ] && ok ||
    bad "the page's ETag did not change when its wording did"
fetch day2i /
grep -q "more than a day old" "$TMP/day2i.body" && ok || bad "identity form: still fresh wording"
echo "delivery.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
