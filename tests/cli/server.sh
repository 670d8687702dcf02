#!/usr/bin/env bash
# tests/cli/server.sh BUILD_DIR - smoke test of `cratesec serve`.
#
# Starts the server on a free loopback port against a copy of tests/data/db
# plus two advisories written here (one for the index crate `demo`, one with
# hostile Markdown) and tests/data/index, requests every page type with curl,
# checks status codes and content (the Security tab rules, redirects, 404s,
# hostile requests), then stops it with SIGTERM and expects a clean exit.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
if [ ! -x "$BIN" ]; then
    echo "server.sh: $BIN not built" >&2
    exit 1
fi
command -v curl >/dev/null || { echo "server.sh: SKIP (no curl)"; exit 0; }

TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
# server_port: from the suites' shared helpers.  This suite's own ok and bad,
# defined below, replace the shared ones.
source tests/cli/lib/assert.sh

cp -r tests/data/db "$TMP/db"
mkdir -p "$TMP/db/crates/demo" "$TMP/db/crates/xss"
cat > "$TMP/db/crates/demo/RUSTSEC-2099-0001.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0001"
package = "demo"
date = "2099-01-02"
aliases = ["GHSA-dddd-eeee-ffff"]

[versions]
patched = [">= 1.1.0"]
unaffected = ["< 0.2.0"]
```

# Demo advisory for the smoke test

Fixed in 1.1.0.
EOF
cat > "$TMP/db/crates/xss/RUSTSEC-2099-0002.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0002"
package = "xss"
date = "2099-01-03"

[versions]
patched = []
```

# Hostile <b>Markdown</b>

<script>alert(1)</script>
<img src=x onerror=alert(2)>

A paragraph with <img src=x onerror=alert(4)> inline, [click](javascript:alert(3)),
[click2](JaVaScRiPt:alert(5)), [data](data:text/html,hi),
![pic](javascript:alert(6)) and [ok](https://example.com/).

[click](javascript:alert(3)) and [data](data:text/html,hi) and [ok](https://example.com/)
EOF

# Ranges whose bounds come out of the interval algorithm as internal
# versions (0.1.1-0, 0.4.0-0, 0.7.20-0): the pages must put them in words.
mkdir -p "$TMP/db/crates/ranges"
cat > "$TMP/db/crates/ranges/RUSTSEC-2099-0003.md" <<'EOF2'
```toml
[advisory]
id = "RUSTSEC-2099-0003"
package = "ranges"
date = "2099-01-04"

[versions]
patched = ["^0.3.1", ">= 0.4.2, < 0.5", "> 0.7.19"]
unaffected = ["<= 0.1.0", "=0.2.0"]
```

# Ranges with internal bounds
EOF2
cat > "$TMP/db/crates/ranges/RUSTSEC-2099-0004.md" <<'EOF2'
```toml
[advisory]
id = "RUSTSEC-2099-0004"
package = "ranges"
date = "2099-01-05"

[versions]
patched = ["< 1.0.0", "> 1.0.0"]
```

# One version only
EOF2

LOG="$TMP/access.log"
"$BIN" serve --db "$TMP/db" --index tests/data/index --listen 127.0.0.1:0 --threads 2 \
    --timeout 3 --access-log "$LOG" > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=$(server_port "$TMP/out" "$PID" 100)
if [ -z "$PORT" ]; then
    echo "server.sh: server did not start"; cat "$TMP/err"; exit 1
fi
URL="http://127.0.0.1:$PORT"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# get PATH -> sets CODE, BODY (file), LOC
get() {
    local out
    out=$(curl -s --path-as-is -o "$TMP/body" -w '%{http_code} %{redirect_url}' "$@")
    CODE=${out%% *}
    LOC=${out#* }
}
expect() { # expect PATH CODE [needle...]
    local path=$1 code=$2; shift 2
    get "$URL$path"
    [ "$CODE" = "$code" ] || { bad "$path: status $CODE, want $code"; return; }
    for n in "$@"; do
        grep -qF -- "$n" "$TMP/body" || { bad "$path: missing '$n'"; return; }
    done
    ok
}
absent() { # absent PATH needle...
    local path=$1; shift
    get "$URL$path"
    for n in "$@"; do
        if grep -qF -- "$n" "$TMP/body"; then bad "$path: unexpected '$n'"; return; fi
    done
    ok
}
before() { # before PATH FIRST SECOND: FIRST occurs before SECOND
    get "$URL$1"
    local a b
    a=$(grep -boF -- "$2" "$TMP/body" | head -1 | cut -d: -f1)
    b=$(grep -boF -- "$3" "$TMP/body" | head -1 | cut -d: -f1)
    if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then ok; else bad "$1: '$2' not before '$3'"; fi
}

# Pages.
expect / 200 'Latest advisories' 'RUSTSEC-2099-0002' '<main id="main"'
absent / 'RUSTSEC-2022-0003' # withdrawn: not among the latest
expect /advisories 200 'RUSTSEC-2022-0003' 'Withdrawn' 'RUSTSEC-2020-0001'
before /advisories RUSTSEC-2099-0002 RUSTSEC-2020-0001 # newest first
expect /advisories/RUSTSEC-2020-0001 200 'Buffer overflow' '9.8' 'Critical' \
    'https://www.cve.org/CVERecord?id=CVE-2020-1111' 'CVSS:3.1/AV:N'
# Withdrawn: said first, in plain words, without live impact (issue 11 item 6).
expect /advisories/RUSTSEC-2022-0003 200 'Withdrawn on 2022-03-01: this advisory applies to no version' \
    'none, it is withdrawn'
before /advisories/RUSTSEC-2022-0003 'Withdrawn on 2022-03-01' '<dl class="facts">'
absent /advisories/RUSTSEC-2022-0003 '<s>' 'Ecosystem impact'
get "$URL/advisories/CVE-2020-1111"
[ "$CODE" = 301 ] && [[ "$LOC" == */advisories/RUSTSEC-2020-0001 ]] && ok || bad "alias redirect: $CODE $LOC"
expect /advisories/RUSTSEC-1999-9999 404 'Not found'
expect /categories 200 'memory-corruption'
expect /categories/memory-corruption 200 'RUSTSEC-2020-0001'
expect /categories/nope 404
expect /keywords 200 'parser'
expect /keywords/parser 200 'RUSTSEC-2020-0001'
expect /static/style.css 200 'prefers-color-scheme:dark'
# An alias goes to /advisories/ALIAS, which redirects to its one advisory
# or lists the several that share it (issue 11 item 5).
get "$URL/search?q=ghsa-aaaa-bbbb-cccc"
[ "$CODE" = 303 ] && [[ "$LOC" == */advisories/GHSA-aaaa-bbbb-cccc ]] && ok || bad "search by GHSA: $CODE $LOC"
get "$URL/advisories/RUSTSEC-2020-0001.html"
[ "$CODE" = 301 ] && [[ "$LOC" == */advisories/RUSTSEC-2020-0001 ]] && ok || bad ".html redirect: $CODE $LOC"
get "$URL/search?q=rustsec-2021-0002"
[ "$CODE" = 303 ] && [[ "$LOC" == */advisories/RUSTSEC-2021-0002 ]] && ok || bad "search by id: $CODE $LOC"
expect '/search?q=dem' 200 '/crates/demo'
expect '/search?q=zzzzzz' 200 'No crate name contains'

# Crate from the index with an advisory: the default version is the newest
# release that is not yanked (1.1.0 is yanked, 2.0.0-rc.1 a prerelease, and
# build metadata sorts last): 1.0.0+build.5, which is affected.
expect /crates/demo 200 'version-select' '<h1>demo <span class="muted">1.0.0+build.5' \
    'class="timeline"' 'class="tab-affected"'
expect /crates/demo/security 200 'Affects version 1.0.0+build.5'
expect /crates/demo/1.1.0/security 200 'Not affected: fixed in 1.1.0' \
    'Not affecting version 1.1.0 (1)' 'This version has been yanked'
absent /crates/demo/1.1.0/security 'tab-affected'
expect /crates/demo/1.1.0 200 '<span class="tag">yanked</span>'
expect /crates/demo/1.0.0/security 200 'class="tab-affected"' 'class="count" aria-hidden="true">1<' \
    'Affects version 1.0.0' 'Affecting version 1.0.0 (1)'
expect /crates/demo/0.1.0/security 200 'Not affected: listed as unaffected'
absent /crates/demo/0.1.0/security 'tab-affected'
expect /crates/demo/1.0.0 200 'affected by <a href="/advisories/RUSTSEC-2099-0001"'
expect /crates/demo/1.0.0/dependencies 200 'Dependencies' 'renamed to'
get "$URL/crates/Demo"
[ "$CODE" = 301 ] && [[ "$LOC" == */crates/demo ]] && ok || bad "case redirect: $CODE $LOC"
get "$URL/crates/demo?v=1.0.0&tab=security"
[ "$CODE" = 303 ] && [[ "$LOC" == */crates/demo/1.0.0/security ]] && ok || bad "selector: $CODE $LOC"
expect /crates/demo/9.9.9 404 'Version not found' '/crates/demo/1.1.0'
expect /crates/demo/1.0.0/nope 404

# Crates not in the index: the Security tab from the advisories alone.
expect /crates/foo 200 'not in the registry index' 'RUSTSEC-2020-0001' 'RUSTSEC-2021-0002'
absent /crates/foo 'tab-affected' # no version selected, nothing to highlight
# Only vulnerabilities and unsound advisories count (issue 11 item 3).
expect /crates/foo/1.0.0/security 200 'tab-affected' 'aria-hidden="true">1<' 'Applies to version 1.0.0' \
    'Notices for version 1.0.0 (1)'
before /crates/foo/1.2.3/security 'Affecting version' 'Not affected: fixed in 1.2.3'
expect /crates/foo/1.2.3/security 200 'Not affected: fixed in 1.2.3' 'Applies to version 1.2.3'
absent /crates/foo/1.2.3/security 'tab-affected'
expect /crates/xss/security 200 'all versions, no fix available'
expect /crates/zlib-sys 200 'RUSTSEC-2024-0005'
expect /crates/bar-baz/security 200 'No advisories in the RustSec advisory database' \
    '/advisories/RUSTSEC-2022-0003'
absent /crates/bar-baz/1.0.0/security 'tab-affected' 'class="adv'
expect /crates/nope-nope 404 'Crate not found'
expect /crates/fooo 404 '/crates/foo' # suggestion

# Ranges in words: no internal "-0" bound, exact readings.
expect /advisories/RUSTSEC-2099-0003 200 \
    'after 0.1.0, before 0.2.0; after 0.2.0, before 0.3.1; 0.4.0 (with its pre-releases) to before 0.4.2; 0.5.0 to 0.7.19 inclusive'
absent /advisories/RUSTSEC-2099-0003 '0.1.1-0' '0.2.1-0' '0.4.0-0' '0.7.20-0' 'up to, but not'
expect /advisories/RUSTSEC-2099-0004 200 '<dd>only 1.0.0</dd>'
absent /advisories/RUSTSEC-2099-0004 '1.0.1-0'
expect /crates/ranges/0.8.0/security 200 'Not affected: fixed in the versions after 0.7.19' \
    'Not affected: the affected versions start at 1.0.0'
expect /crates/ranges/0.3.5/security 200 'Not affected: fixed in 0.3.1'
expect /crates/ranges/1.0.1/security 200 'Not affected: fixed in the versions after 1.0.0'
expect /crates/ranges/0.4.0-rc.1/security 200 'Affects version 0.4.0-rc.1' \
    '0.4.0 (with its pre-releases) to before 0.4.2'
expect /crates/ranges/1.0.0/security 200 'Affecting version 1.0.0 (1)'
absent /crates/ranges/0.8.0/security '0.7.20-0' '0.4.0-0'
expect /advisories/RUSTSEC-2020-0001 200 '<dd>0.5.0 to before 1.2.3; the pre-releases of 2.0.0</dd>' \
    '<code class="req">&gt;=1.2.3, &lt;2.0.0-0</code> or <code class="req">&gt;=2.0.0</code>'
expect /advisories/RUSTSEC-2023-0004 200 '<dd>up to and including 1.0.0</dd>'

# Hostile Markdown: raw HTML escaped, bad schemes removed, good ones kept.
expect /advisories/RUSTSEC-2099-0002 200 'href="https://example.com/"'
absent /advisories/RUSTSEC-2099-0002 '<script>' 'onerror' 'javascript:' 'JaVaScRiPt' 'data:text' '<b>'

# Hostile requests.
expect /crates/%00 400
expect /crates/%ff 400
expect /../etc/passwd 400
expect /crates/a/b/c/d/e/f/g/h/i/j 404
get -X POST "$URL/"
[ "$CODE" = 405 ] && ok || bad "POST: $CODE"
get -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$URL/"
[ "$CODE" = 431 ] || [ "$CODE" = 413 ] && ok || bad "big header: $CODE"
get "$URL/search?q=$(head -c 100000 /dev/zero | tr '\0' a)"
[ "$CODE" = 414 ] || [ "$CODE" = 431 ] || [ "$CODE" = 413 ] && ok || bad "huge query: $CODE"
hdrs=()
for i in $(seq 80); do hdrs+=(-H "X-H$i: v"); done
get "${hdrs[@]}" "$URL/"
[ "$CODE" = 431 ] && ok || bad "many headers: $CODE"
code=$(curl -s -o /dev/null -I -w '%{http_code}' "$URL/crates/demo")
[ "$code" = 200 ] && ok || bad "HEAD: $code"
# Still answering after all that.
expect / 200 'Latest advisories'

# Graceful stop.
kill -TERM "$PID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$PID" 2>/dev/null; then
    bad "server still running 5 s after SIGTERM"
else
    wait "$PID"; rc=$?
    [ "$rc" = 0 ] && ok || bad "exit status $rc after SIGTERM"
fi
PID=
grep -q 'GET /crates/demo/1.0.0/security 200' "$LOG" && ok || bad "access log line missing"

# The same crate pages from a sparse HTTP index: tests/data/index served by
# a real nginx on loopback, crate files fetched on demand into a disk cache
# and revalidated once older than --index-max-age.
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null)
if [ -z "$NGINX" ]; then
    if [ "${CI:-}" = true ]; then bad "nginx not installed"; else echo "server.sh: sparse: SKIP (no nginx)"; fi
else
    NG="$TMP/nginx"
    mkdir -p "$NG/tmp"
    cp -r tests/data/index "$NG/root"
    NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$NG/nginx.conf" <<EOF2
daemon off; master_process off; worker_processes 1;
pid $NG/nginx.pid; error_log $NG/error.log;
events { worker_connections 64; }
http {
  access_log $NG/access.log;
  client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp;
  fastcgi_temp_path $NG/tmp; uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
  default_type text/plain;
  server { listen 127.0.0.1:$NPORT; root $NG/root; }
}
EOF2
    "$NGINX" -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" &
    NGPID=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NPORT/config.json" && break; sleep 0.05; done
    "$BIN" serve --db "$TMP/db" --index "sparse+http://127.0.0.1:$NPORT/" --cache-dir "$TMP/cache" \
        --index-max-age 2 --listen 127.0.0.1:0 --threads 2 --access-log none \
        > "$TMP/out2" 2> "$TMP/err2" &
    PID=$!
    PORT2=$(server_port "$TMP/out2" "$PID" 100)
    if [ -z "$PORT2" ]; then
        bad "sparse: server did not start: $(cat "$TMP/err2")"
    else
        URL="http://127.0.0.1:$PORT2"
        crate_fetches() { grep -c "GET /de/mo/demo HTTP/1.1\" $1 " "$NG/access.log"; }
        expect /crates/demo 200 'version-select' '<h1>demo <span class="muted">1.0.0+build.5' \
            'class="tab-affected"' '/crates/demo/1.1.0' '/crates/demo/2.0.0-rc.1'
        expect /crates/demo/1.1.0/security 200 'Not affected: fixed in 1.1.0' 'This version has been yanked'
        expect /crates/demo/1.0.0/dependencies 200 'Dependencies'
        expect /crates/DEMO/versions 301
        expect /crates/nope-nope 404 'Crate not found'
        expect /crates/foo 200 'not in the registry index' 'RUSTSEC-2020-0001'
        # One fetch for all those page views: the copy is fresh for 2 s.
        [ "$(crate_fetches 200)" = 1 ] && ok || bad "sparse: demo fetched $(crate_fetches 200) times, want 1"
        [ -f "$TMP/cache/de/mo/demo" ] && ok || bad "sparse: no cached copy of demo"
        # Past the max age: revalidated (304), nothing changes.
        sleep 2.2
        expect /crates/demo 200 '<h1>demo <span class="muted">1.0.0+build.5'
        [ "$(crate_fetches 304)" = 1 ] && ok || bad "sparse: revalidations $(crate_fetches 304), want 1"
        # A new release in the registry shows up after the max age.
        sleep 1 # a new Last-Modified second
        sed -n '$p' "$NG/root/de/mo/demo" | sed 's/"1.0.0+build.5"/"3.0.0"/' >> "$NG/root/de/mo/demo"
        expect /crates/demo 200 '<h1>demo <span class="muted">1.0.0+build.5' # still fresh
        sleep 2.2
        expect /crates/demo 200 '<h1>demo <span class="muted">3.0.0' '/crates/demo/1.0.0'
        [ "$(crate_fetches 200)" = 2 ] && ok || bad "sparse: downloads $(crate_fetches 200), want 2"
        kill -TERM "$PID"
        wait "$PID"; rc=$?
        [ "$rc" = 0 ] && ok || bad "sparse: exit status $rc after SIGTERM"
    fi
    PID=
    kill "$NGPID" 2>/dev/null
    wait "$NGPID" 2>/dev/null
fi

echo "server.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
