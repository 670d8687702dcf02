#!/usr/bin/env bash
# tests/cli/browser.sh BUILD_DIR - browser tests of `cratesec serve`
# (tests/browser/run.mjs): Debian's chromium driven by playwright-core, with
# axe-core, against a server started here on loopback with the real advisory
# database and the 2020-07 crates.io index from ${CRATESEC_TEST_DATA:-../shared/data}.
#
# The database is cloned and the index unpacked once into BUILD_DIR/browser-data.
# A copy of the database gets one hostile advisory (RUSTSEC-2099-0002, crate
# xss-demo) for the XSS test.  Screenshots go to BUILD_DIR/browser/.
# Missing data, chromium or npm packages: SKIP, or failure when CI=true.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=${CRATESEC_TEST_DATA:-../shared/data}
skip() {
    if [ "${CI:-}" = true ]; then echo "browser.sh: FAIL: $*"; exit 1; fi
    echo "browser.sh: SKIP: $*"; exit 0
}
# server_port: from the suites' shared helpers.
source tests/cli/lib/assert.sh
[ -x "$B/cratesec" ] || { echo "browser.sh: $B/cratesec not built"; exit 1; }
[ -f "$DATA/advisory-db.bundle" ] || skip "no $DATA/advisory-db.bundle"
[ -f "$DATA/crates-index-2020-07.tar.zst" ] || skip "no $DATA/crates-index-2020-07.tar.zst"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || skip "chromium is not installed (scripts/deps.sh)"
command -v node >/dev/null || skip "node is not installed"
[ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] ||
    skip "npm packages missing: run npm ci"

WORK="$B/browser-data"
mkdir -p "$WORK"
if [ ! -d "$WORK/advisory-db/crates" ]; then
    rm -rf "$WORK/advisory-db"
    git clone -q "$DATA/advisory-db.bundle" "$WORK/advisory-db" || skip "cannot clone the bundle"
fi
if [ ! -f "$WORK/index/.unpacked" ]; then
    rm -rf "$WORK/index" && mkdir -p "$WORK/index"
    zstd -dc "$DATA/crates-index-2020-07.tar.zst" | tar -x -C "$WORK/index" || skip "cannot unpack the index"
    touch "$WORK/index/.unpacked"
fi
DB="$WORK/db-hostile"
rm -rf "$DB" && mkdir -p "$DB"
cp -r "$WORK/advisory-db/crates" "$WORK/advisory-db/rust" "$DB/"
mkdir -p "$DB/crates/xss-demo"
cat > "$DB/crates/xss-demo/RUSTSEC-2099-0002.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0002"
package = "xss-demo"
date = "2099-01-03"
url = "javascript:alert('url')"
references = ["javascript:alert('ref')"]

[versions]
patched = []
```

# Hostile <img src=x onerror=alert('title')> Markdown

<script>alert('script')</script>

<img src=x onerror=alert('img')>

Inline <img src=x onerror=alert('inline')> and <a href="javascript:alert('a')">raw link</a>,
[md link](javascript:alert('md')), [mixed case](JaVaScRiPt:alert('mc')),
[entity](&#106;avascript:alert('ent')), [data](data:text/html,<script>alert('d')</script>),
![image](javascript:alert('imgmd')) and an [ordinary link](https://example.com/).

<details open ontoggle=alert('toggle')>x</details>
EOF

SHOTS="$B/browser"
LOG="$SHOTS/server.log"
mkdir -p "$SHOTS"
"$B/cratesec" serve --db "$DB" --index "$WORK/index" --listen 127.0.0.1:0 --threads 2 \
    --access-log "$SHOTS/access.log" > "$SHOTS/server.out" 2> "$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
PORT=$(server_port "$SHOTS/server.out" "$PID" 1200) # up to 60 s
[ -n "$PORT" ] || { echo "browser.sh: server did not start"; cat "$LOG"; exit 1; }
# Every page type of every crate named in the database: no 5xx (checked in
# the access log below), and each crate page answers 200.
walk_bad=0
for d in "$DB"/crates/*/; do
    c=$(basename "$d")
    for p in "/crates/$c" "/crates/$c/security" "/crates/$c/dependencies"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$p")
        [ "$code" = 200 ] || { echo "browser.sh: $p answered $code"; walk_bad=$((walk_bad + 1)); }
    done
done
for f in "$DB"/crates/*/*.md "$DB"/rust/*/*.md; do
    id=$(basename "$f" .md)
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/advisories/$id")
    [ "$code" = 200 ] || { echo "browser.sh: /advisories/$id answered $code"; walk_bad=$((walk_bad + 1)); }
done
echo "browser.sh: walked $(ls -d "$DB"/crates/*/ | wc -l) crates and their advisories, $walk_bad failures"
CHROMIUM="$CHROMIUM" node tests/browser/run.mjs "http://127.0.0.1:$PORT" "$ROOT/$SHOTS"
rc=$?
# /audit and the watch lists (tests/browser/audit.mjs), on the same server.
CHROMIUM="$CHROMIUM" node tests/browser/audit.mjs "http://127.0.0.1:$PORT" "$ROOT/$SHOTS" || rc=1
[ "$walk_bad" -eq 0 ] || rc=1
kill -TERM $PID
wait $PID 2>/dev/null
if grep -q ' 5[0-9][0-9] ' "$SHOTS/access.log"; then
    echo "browser.sh: the server answered 5xx:"; grep ' 5[0-9][0-9] ' "$SHOTS/access.log" | head
    rc=1
fi
exit $rc
