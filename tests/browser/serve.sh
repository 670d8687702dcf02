# tests/browser/serve.sh - sourced by tests/cli/browser.sh and
# scripts/screenshots.sh: prepares the real data and starts `cratesec serve`
# on a free loopback port.
#
# Needs B (the build directory) and ROOT (the source tree); sets WORK (the
# data, kept between runs in $B/browser-data: the database cloned from the
# bundle and the 2020-07 crates.io index unpacked once), DB (a copy of the
# database with one hostile advisory, RUSTSEC-2099-0002 for the crate
# xss-demo, for the XSS test), URL, PID and LOG.  Calls `skip REASON` (which
# the caller defines) when data, chromium or the npm packages are missing.
DATA=${CRATESEC_TEST_DATA:-../shared/data}
# server_port: from the suites' shared helpers.
source tests/cli/lib/assert.sh
[ -x "$B/cratesec" ] || { echo "$B/cratesec not built"; exit 1; }
[ -f "$DATA/advisory-db.bundle" ] || skip "no $DATA/advisory-db.bundle"
[ -f "$DATA/crates-index-2020-07.tar.zst" ] || skip "no $DATA/crates-index-2020-07.tar.zst"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || skip "chromium is not installed (scripts/deps.sh)"
export CHROMIUM
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
# A local clone (hard links, a second), so pages show the database's commit
# and modification times as they would for the real checkout.
rm -rf "$DB"
git clone -q "$WORK/advisory-db" "$DB" || skip "cannot clone the database"
mkdir -p "$DB/crates/xss-demo"
cat > "$DB/crates/xss-demo/RUSTSEC-2099-0002.md" <<'ADV'
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
ADV

SHOTS=${SHOTS:-$B/browser}
LOG="$SHOTS/server.log"
mkdir -p "$SHOTS"
# Emptied here, not by the redirection below: that runs in the background and
# may come after server_port has read the previous run's port.
: > "$SHOTS/server.out"
"$B/cratesec" serve --db "$DB" --index "$WORK/index" --listen 127.0.0.1:0 --threads 2 \
    --access-log "$SHOTS/access.log" > "$SHOTS/server.out" 2> "$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
PORT=$(server_port "$SHOTS/server.out" "$PID" 1200) # up to 60 s
[ -n "$PORT" ] || { echo "server did not start"; cat "$LOG"; exit 1; }
URL="http://127.0.0.1:$PORT"
