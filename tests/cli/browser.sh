#!/usr/bin/env bash
# tests/cli/browser.sh BUILD_DIR - browser tests of `cratesec serve`
# (tests/browser/run.mjs): Debian's chromium driven by playwright-core, with
# axe-core, against a server started here on loopback with the real advisory
# database and the 2020-07 crates.io index from ${CRATESEC_TEST_DATA:-../shared/data}
# (tests/browser/serve.sh).  First every page type of every crate named in
# the database is fetched once (no 5xx, crate pages 200); then run.mjs checks
# issue 11's items at both viewports with layout assertions, and axe-core at
# both viewports in both colour schemes.  Screenshots go to BUILD_DIR/browser/.
# Missing data, chromium or npm packages: SKIP, or failure when CI=true.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
T0=$(date +%s)
skip() {
    if [ "${CI:-}" = true ]; then echo "browser.sh: FAIL: $*"; exit 1; fi
    echo "browser.sh: SKIP: $*"; exit 0
}
source tests/browser/serve.sh

# Every page type of every crate and advisory: one curl process (a config
# file of URLs), two requests at a time as the server has two threads.
: > "$SHOTS/walk.cfg"
for d in "$DB"/crates/*/; do
    c=$(basename "$d")
    for p in "/crates/$c" "/crates/$c/security" "/crates/$c/dependencies"; do
        printf 'url = "%s%s"\noutput = "/dev/null"\n' "$URL" "$p" >> "$SHOTS/walk.cfg"
    done
done
for f in "$DB"/crates/*/*.md "$DB"/rust/*/*.md; do
    printf 'url = "%s/advisories/%s"\noutput = "/dev/null"\n' "$URL" "$(basename "$f" .md)" >> "$SHOTS/walk.cfg"
done
curl -s --parallel --parallel-max 2 --config "$SHOTS/walk.cfg" -w '%{http_code} %{url}\n' \
    > "$SHOTS/walk.txt"
walk_bad=$(grep -vc '^200 ' "$SHOTS/walk.txt")
grep -v '^200 ' "$SHOTS/walk.txt" | head | sed 's/^/browser.sh: /'
echo "browser.sh: walked $(ls -d "$DB"/crates/*/ | wc -l) crates and their advisories" \
     "($(wc -l < "$SHOTS/walk.txt") pages, $walk_bad not 200) in $(($(date +%s) - T0)) s"
node tests/browser/run.mjs "$URL" "$ROOT/$SHOTS"
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
echo "browser.sh: $(($(date +%s) - T0)) s in all"
exit $rc
