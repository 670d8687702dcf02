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

LOG="$TMP/access.log"
"$BIN" serve --db "$TMP/db" --index tests/data/index --listen 127.0.0.1:0 --threads 2 \
    --timeout 3 --access-log "$LOG" > "$TMP/out" 2> "$TMP/err" &
PID=$!
PORT=
for _ in $(seq 100); do
    PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/out")
    [ -n "$PORT" ] && break
    sleep 0.05
done
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
expect /advisories/RUSTSEC-2022-0003 200 'has been withdrawn'
get "$URL/advisories/CVE-2020-1111"
[ "$CODE" = 301 ] && [[ "$LOC" == */advisories/RUSTSEC-2020-0001 ]] && ok || bad "alias redirect: $CODE $LOC"
expect /advisories/RUSTSEC-1999-9999 404 'Not found'
expect /categories 200 'memory-corruption'
expect /categories/memory-corruption 200 'RUSTSEC-2020-0001'
expect /categories/nope 404
expect /keywords 200 'parser'
expect /keywords/parser 200 'RUSTSEC-2020-0001'
expect /static/style.css 200 'prefers-color-scheme:dark'
get "$URL/search?q=ghsa-aaaa-bbbb-cccc"
[ "$CODE" = 303 ] && [[ "$LOC" == */advisories/RUSTSEC-2020-0001 ]] && ok || bad "search by GHSA: $CODE $LOC"
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
expect /crates/foo/1.0.0/security 200 'tab-affected' '>2<' 'Applies to version 1.0.0'
before /crates/foo/1.2.3/security 'Affecting version' 'Not affected: fixed in 1.2.3'
expect /crates/foo/1.2.3/security 200 '>1<' 'Not affected: fixed in 1.2.3'
expect /crates/xss/security 200 'all versions, no fix available'
expect /crates/zlib-sys 200 'RUSTSEC-2024-0005'
expect /crates/bar-baz/security 200 'No advisories in the RustSec advisory database' \
    '/advisories/RUSTSEC-2022-0003'
absent /crates/bar-baz/1.0.0/security 'tab-affected' 'class="adv'
expect /crates/nope-nope 404 'Crate not found'
expect /crates/fooo 404 '/crates/foo' # suggestion

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

echo "server.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
