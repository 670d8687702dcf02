#!/usr/bin/env bash
# tests/cli/feeds.sh BUILD_DIR - the Atom feeds and the badges of `cratesec serve`.
#
# Runs the server on free loopback ports twice:
#  1. against a copy of tests/data/db plus advisories written here for the
#     index crate `demo` (a vulnerability, an unsound one, a withdrawn one,
#     one with hostile text) and tests/data/index: validates every feed as
#     Atom 1.0 with the checker below, checks that a crate feed holds exactly
#     the crate's advisories, the badges' exact text and colour for affected
#     and unaffected versions, the endpoint JSON, and 404s;
#  2. against a clone of the real advisory database
#     (${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle, cloned into
#     BUILD_DIR/feeds-db): validates the global feed and the feeds of the
#     crates with the most advisories against the files on disk, `updated`
#     against `git log`, and badges against `cratesec check --json`.
#     Without the bundle that part is skipped, or fails when CI=true.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN="$B/cratesec"
if [ ! -x "$BIN" ]; then
    echo "feeds.sh: $BIN not built" >&2
    exit 1
fi
command -v python3 >/dev/null || { echo "feeds.sh: SKIP (no python3)"; exit 0; }

TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
# server_port: from the suites' shared helpers.
source tests/cli/lib/assert.sh

# Starts the server on DB [INDEX]; sets PID and PORT.
start() {
    local db=$1 index=${2:-}
    local args=(serve --db "$db" --listen 127.0.0.1:0 --threads 2 --timeout 5 --access-log none)
    [ -n "$index" ] && args+=(--index "$index")
    : > "$TMP/out"
    "$BIN" "${args[@]}" > "$TMP/out" 2> "$TMP/err" &
    PID=$!
    PORT=$(server_port "$TMP/out" "$PID" 400)
    if [ -z "$PORT" ]; then
        echo "feeds.sh: server did not start"
        cat "$TMP/err"
        exit 1
    fi
}

# Stops the server; a clean exit is expected (sanitizer builds report
# leaks and errors through the exit status).
stop() {
    kill -TERM "$PID" 2>/dev/null
    local st=0
    wait "$PID" 2>/dev/null || st=$?
    PID=
    if [ "$st" -ne 0 ]; then
        echo "feeds.sh: server exited with status $st"
        tail -20 "$TMP/err"
        rc=1
    fi
}

# ---- the checker ----
cat > "$TMP/check.py" <<'PY'
"""Atom 1.0 (RFC 4287) checks and the assertions of feeds.sh."""
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"(Z|[+-]\d{2}:\d{2})$")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def parse_time(s, where):
    m = RFC3339.match(s or "")
    if not m:
        fail(f"{where}: not an RFC 3339 date-time: {s!r}")
        return None
    try:
        t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{where}: impossible date-time {s!r}")
        return None
    return t


def children(el, name):
    return el.findall(A + name)


def one_text(el, name, where):
    found = children(el, name)
    if len(found) != 1:
        fail(f"{where}: {len(found)} atom:{name} elements, want exactly 1")
        return None
    return "".join(found[0].itertext())


def check_feed(body, where):
    """Validates one feed; returns (feed dict, entries) or None."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        fail(f"{where}: not well-formed XML: {e}")
        return None
    if root.tag != A + "feed":
        fail(f"{where}: root element is {root.tag}, want atom:feed")
        return None
    fid = one_text(root, "id", where)
    if fid is not None and not IRI.match(fid):
        fail(f"{where}: feed id {fid!r} is not an absolute IRI")
    title = one_text(root, "title", where)
    if not title:
        fail(f"{where}: empty feed title")
    fupd = parse_time(one_text(root, "updated", where), where + " feed updated")
    feed_author = any(children(a, "name") for a in children(root, "author"))
    seen_alt = set()
    for link in children(root, "link"):
        if not link.get("href"):
            fail(f"{where}: feed link without href")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in seen_alt:
                fail(f"{where}: two alternate links with the same type and hreflang")
            seen_alt.add(key)
    entries = []
    ids = set()
    for i, e in enumerate(children(root, "entry")):
        w = f"{where} entry {i}"
        eid = one_text(e, "id", w)
        if eid is not None and not IRI.match(eid):
            fail(f"{w}: id {eid!r} is not an absolute IRI")
        if eid in ids:
            fail(f"{w}: duplicate id {eid}")
        ids.add(eid)
        etitle = one_text(e, "title", w)
        eupd = parse_time(one_text(e, "updated", w), w + " updated")
        pub = children(e, "published")
        epub = None
        if len(pub) > 1:
            fail(f"{w}: more than one published")
        elif pub:
            epub = parse_time(pub[0].text, w + " published")
        alts = [l for l in children(e, "link") if l.get("rel", "alternate") == "alternate"]
        if not alts or not all(l.get("href") for l in alts):
            fail(f"{w}: no link rel=alternate with href")
        if not feed_author and not any(children(a, "name") for a in children(e, "author")):
            fail(f"{w}: no author in the entry nor in the feed")
        for name in ("summary", "content", "rights"):
            if len(children(e, name)) > 1:
                fail(f"{w}: more than one {name}")
        for el in children(e, "summary") + children(e, "content") + [
                x for x in children(e, "title")]:
            if el.get("type", "text") not in ("text", "html", "xhtml"):
                fail(f"{w}: bad type {el.get('type')}")
        for c in children(e, "category"):
            if not c.get("term"):
                fail(f"{w}: category without term")
        entries.append({
            "id": eid, "title": etitle or "", "updated": eupd, "published": epub,
            "href": alts[0].get("href") if alts else None,
            "summary": "".join(x for s in children(e, "summary") for x in s.itertext()),
            "categories": [c.get("term") for c in children(e, "category")],
        })
    # Newest first, and the feed's updated is its newest entry's.
    ups = [x["updated"] for x in entries if x["updated"]]
    if ups != sorted(ups, reverse=True):
        fail(f"{where}: entries are not newest first")
    if ups and fupd and fupd != ups[0]:
        fail(f"{where}: feed updated {fupd} is not the newest entry's {ups[0]}")
    return {"id": fid, "title": title, "updated": fupd}, entries


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def adv_id(entry_id):
    m = re.match(r"^https://rustsec\.org/advisories/(.+)\.html$", entry_id or "")
    if not m:
        fail(f"entry id {entry_id!r} is not the advisory's rustsec.org address")
        return None
    return m.group(1)


def feed_at(port, path, crate_ids=None):
    st, h, body = get(port, path)
    if st != 200:
        fail(f"{path}: status {st}")
        return None, []
    if h.get("content-type") != "application/atom+xml; charset=utf-8":
        fail(f"{path}: content-type {h.get('content-type')}")
    if "max-age" not in h.get("cache-control", ""):
        fail(f"{path}: no caching header")
    res = check_feed(body, path)
    if not res:
        return None, []
    feed, entries = res
    if crate_ids is not None:
        got = sorted(adv_id(e["id"]) for e in entries)
        if got != sorted(crate_ids):
            fail(f"{path}: entries {got}, want exactly {sorted(crate_ids)}")
    for e in entries:
        a = adv_id(e["id"])
        if a and e["href"] != "/advisories/" + a:
            fail(f"{path}: entry {a} links to {e['href']}")
    return feed, entries


def badge(port, path, message, color):
    st, h, body = get(port, path + "/badge.svg")
    if st != 200:
        fail(f"{path}/badge.svg: status {st}")
    else:
        if not h.get("content-type", "").startswith("image/svg+xml"):
            fail(f"{path}/badge.svg: content-type {h.get('content-type')}")
        if "max-age" not in h.get("cache-control", ""):
            fail(f"{path}/badge.svg: no caching header")
        try:
            svg = ET.fromstring(body)
        except ET.ParseError as e:
            fail(f"{path}/badge.svg: not well-formed: {e}")
            svg = None
        if svg is not None:
            S = "{http://www.w3.org/2000/svg}"
            sentence = "RustSec: " + message
            if svg.tag != S + "svg" or svg.get("role") != "img":
                fail(f"{path}/badge.svg: not an <svg role=img>")
            if svg.get("aria-label") != sentence:
                fail(f"{path}/badge.svg: aria-label {svg.get('aria-label')!r}, want {sentence!r}")
            t = svg.find(S + "title")
            if t is None or t.text != sentence:
                fail(f"{path}/badge.svg: title {None if t is None else t.text!r}")
            texts = ["".join(x.itertext()) for x in svg.iter(S + "text")]
            if message not in texts:
                fail(f"{path}/badge.svg: texts {texts}, want {message!r}")
            fills = [r.get("fill") for r in svg.iter(S + "rect")]
            if color not in fills:
                fail(f"{path}/badge.svg: colours {fills}, want {color}")
            # The width grows with the text: at least 5 px per character.
            w = int(svg.get("width", "0"))
            if w < 5 * len(sentence) or w > 9 * len(sentence) + 40:
                fail(f"{path}/badge.svg: width {w} does not fit {sentence!r}")
    st, h, body = get(port, path + "/badge.json")
    if st != 200:
        fail(f"{path}/badge.json: status {st}")
        return
    if not h.get("content-type", "").startswith("application/json"):
        fail(f"{path}/badge.json: content-type {h.get('content-type')}")
    try:
        j = json.loads(body)
    except ValueError as e:
        fail(f"{path}/badge.json: not JSON: {e}")
        return
    want = {"schemaVersion": 1, "label": "RustSec", "message": message, "color": color}
    for k, v in want.items():
        if j.get(k) != v:
            fail(f"{path}/badge.json: {k} = {j.get(k)!r}, want {v!r}")
    if not isinstance(j.get("cacheSeconds"), int) or j["cacheSeconds"] < 300:
        fail(f"{path}/badge.json: cacheSeconds {j.get('cacheSeconds')!r}")


def status(port, path, want):
    st, _, _ = get(port, path)
    if st != want:
        fail(f"{path}: status {st}, want {want}")


def ids_on_disk(db, crate):
    d = os.path.join(db, "crates", crate)
    return [f[:-3] for f in os.listdir(d) if f.endswith(".md")]


def fixture(port, db):
    noon = lambda d: datetime.datetime.fromisoformat(d + "T12:00:00+00:00")
    feed, entries = feed_at(port, "/feed.xml")
    every = []
    for coll in ("crates", "rust"):
        for crate in os.listdir(os.path.join(db, coll)):
            p = os.path.join(db, coll, crate)
            if os.path.isdir(p):
                every += [f[:-3] for f in os.listdir(p) if f.endswith(".md")]
    # The draft id RUSTSEC-0000-0000 is never indexed (spec).
    every = [i for i in every if i != "RUSTSEC-0000-0000"]
    got = sorted(adv_id(e["id"]) for e in entries)
    if got != sorted(every):
        fail(f"/feed.xml: entries {got}, want {sorted(every)}")
    if feed and not feed["id"].startswith("tag:"):
        fail("/feed.xml: feed id is not a tag URI")
    by = {adv_id(e["id"]): e for e in entries}
    # Dates (not a git checkout): published = date at noon, updated = the
    # withdrawal if later.
    e = by.get("RUSTSEC-2020-0001")
    if e:
        if e["published"] != noon("2020-03-04") or e["updated"] != noon("2020-03-04"):
            fail(f"RUSTSEC-2020-0001: published {e['published']} updated {e['updated']}")
        if not e["title"].startswith("RUSTSEC-2020-0001 [Vulnerability] foo: Buffer overflow"):
            fail(f"RUSTSEC-2020-0001: title {e['title']!r}")
        if sorted(e["categories"]) != ["denial-of-service", "memory-corruption"]:
            fail(f"RUSTSEC-2020-0001: categories {e['categories']}")
        if "CVE-2020-1111" not in e["summary"] or "Patched" not in e["summary"]:
            fail(f"RUSTSEC-2020-0001: summary {e['summary']!r}")
    e = by.get("RUSTSEC-2022-0003")
    if e:
        if "withdrawn" not in e["title"].lower() or "Withdrawn on 2022-03-01" not in e["summary"]:
            fail(f"RUSTSEC-2022-0003: no withdrawn marker: {e['title']!r}")
        if e["updated"] != noon("2022-03-01") or e["published"] != noon("2022-02-28"):
            fail(f"RUSTSEC-2022-0003: updated {e['updated']} published {e['published']}")
    e = by.get("RUSTSEC-2099-0104")
    if e:
        if "<b>&\"'" not in e["title"] or "\ufffd" not in e["title"]:
            fail(f"hostile title not kept as text: {e['title']!r}")
    e = by.get("RUSTSEC-2021-0002")
    if e and not e["title"].startswith("RUSTSEC-2021-0002 [Unmaintained]"):
        fail(f"RUSTSEC-2021-0002: title {e['title']!r}")

    # Crate feeds: exactly the crate's advisories, any spelling of the name.
    for crate in ("foo", "bar-baz", "qux", "zlib-sys", "demo"):
        ids = [i for i in ids_on_disk(db, crate) if i != "RUSTSEC-0000-0000"]
        f, _ = feed_at(port, f"/crates/{crate}/feed.xml", ids)
        if f and f["id"] == feed["id"]:
            fail(f"/crates/{crate}/feed.xml: same id as the global feed")
    feed_at(port, "/crates/BAR_baz/feed.xml", ["RUSTSEC-2022-0003"])
    # A crate of the index without advisories: a valid, empty feed.
    f, ents = feed_at(port, "/crates/mycrate/feed.xml", [])
    status(port, "/crates/no-such-crate/feed.xml", 404)

    # The feeds are linked from the pages.
    for page, href in (("/", "/feed.xml"), ("/crates/demo", "/crates/demo/feed.xml"),
                       ("/crates/foo/security", "/crates/foo/feed.xml")):
        st, _, body = get(port, page)
        link = f'<link rel="alternate" type="application/atom+xml"'
        text = body.decode()
        if st != 200 or link not in text or f'href="{href}"' not in text:
            fail(f"{page}: no feed link to {href}")

    # Badges: demo is in the index (versions 0.1.0 ... 1.1.0, 2.0.0-rc.1).
    red, yellow, grey, green = "#c62828", "#8a6d00", "#6e6e6e", "#2e7d32"
    badge(port, "/crates/demo/1.1.0", "no known advisories", green)
    # The default version: the newest not yanked (1.1.0 is yanked).
    badge(port, "/crates/demo", "1 advisory affects 1.0.0+build.5", red)
    badge(port, "/crates/demo/0.10.0", "1 advisory affects 0.10.0", red)
    badge(port, "/crates/demo/0.2.0", "2 advisories affect 0.2.0", red)
    badge(port, "/crates/demo/0.1.0", "1 advisory affects 0.1.0", yellow)
    # foo is only in the database: any valid version, no default one.
    # Only vulnerabilities and unsound advisories count (issue 11 item 3):
    # foo's unmaintained advisory is context, not a count.
    badge(port, "/crates/foo/1.0.0", "1 advisory affects 1.0.0", red)
    badge(port, "/crates/foo/0.1.0", "unmaintained", grey)
    badge(port, "/crates/foo/1.2.3", "unmaintained", grey)
    # bar-baz's only advisory is withdrawn.
    badge(port, "/crates/bar-baz/0.3.0", "no known advisories", green)
    # Unknown crates and versions: an "unknown" badge, not an HTML page.
    for p in ("/crates/no-such-crate/1.0.0", "/crates/no-such-crate", "/crates/demo/9.9.9",
              "/crates/foo", "/crates/foo/not-a-version", "/crates/foo/1.0"):
        badge(port, p, "unknown", grey)


def git_time(db, path):
    out = subprocess.run(["git", "-C", db, "log", "-1", "--format=%ct", "--", path],
                         capture_output=True, text=True, check=True).stdout.strip()
    return datetime.datetime.fromtimestamp(int(out), datetime.timezone.utc)


def real(port, db, binary):
    feed, entries = feed_at(port, "/feed.xml")
    if len(entries) != 50:
        fail(f"/feed.xml: {len(entries)} entries, want the cap of 50")
    paths = {}
    for coll in ("crates", "rust"):
        for crate in os.listdir(os.path.join(db, coll)):
            p = os.path.join(db, coll, crate)
            if os.path.isdir(p):
                for f in os.listdir(p):
                    if f.endswith(".md"):
                        paths[f[:-3]] = f"{coll}/{crate}/{f}"
    # `updated` is the advisory file's last commit (the database is a git
    # checkout), for the newest entries and the oldest one shown.
    for e in entries[:5] + entries[-1:]:
        a = adv_id(e["id"])
        if a not in paths:
            fail(f"/feed.xml: {a} is not a file of the database")
            continue
        want = git_time(db, paths[a])
        if e["updated"] != want:
            fail(f"/feed.xml: {a} updated {e['updated']}, git says {want}")
    # No advisory outside the feed changed later than the last one in it.
    last = entries[-1]["updated"] if entries else None
    shown = {adv_id(e["id"]) for e in entries}
    if last:
        log = subprocess.run(["git", "-C", db, "log", "--format=%ct", "--name-only",
                              f"--since={int(last.timestamp()) + 1}", "--", "crates", "rust"],
                             capture_output=True, text=True, check=True).stdout
        for line in log.splitlines():
            m = re.match(r"^(?:crates|rust)/[^/]+/([^/]+)\.md$", line)
            if m and m.group(1) in paths and m.group(1) not in shown:
                fail(f"/feed.xml: {m.group(1)} changed after the oldest entry but is missing")
                break
    # Crate feeds: the crates with the most advisories and one with a
    # withdrawn advisory, against the files on disk.
    crates = sorted(os.listdir(os.path.join(db, "crates")),
                    key=lambda c: -len(ids_on_disk(db, c)))[:4]
    withdrawn = subprocess.run(["grep", "-rl", "^withdrawn", os.path.join(db, "crates")],
                               capture_output=True, text=True).stdout.split()
    if withdrawn:
        crates.append(os.path.basename(os.path.dirname(withdrawn[0])))
    for crate in crates:
        ids = ids_on_disk(db, crate)
        _, ents = feed_at(port, f"/crates/{crate}/feed.xml", ids)
        for e in ents:
            a = adv_id(e["id"])
            if a in paths and e["updated"] != git_time(db, paths[a]) and \
                    "withdrawn" not in e["title"]:
                fail(f"/crates/{crate}/feed.xml: {a} updated {e['updated']} is not git's")
    # Badges against `cratesec check --json` (same rules, other code).
    for crate, ver in (("time", "0.1.45"), ("time", "0.3.36"), ("smallvec", "0.6.9"),
                       ("tokio", "1.0.0")):
        out = subprocess.run([binary, "check", "--json", "--db", db, f"{crate}@{ver}"],
                             capture_output=True, text=True).stdout
        advs = [a for a in json.loads(out)[0]["advisories"]
                if a["affected"] and not a["withdrawn"]]
        n = sum(a["kind"] in ("Vulnerability", "Malicious code", "Unsound") for a in advs)
        unmaintained = sum(a["kind"] == "Unmaintained" for a in advs)
        msg = f"{n} advisor{'y' if n == 1 else 'ies'} {'affects' if n == 1 else 'affect'} {ver}" \
            if n else "unmaintained" if unmaintained else "no known advisories"
        st, _, body = get(port, f"/crates/{crate}/{ver}/badge.json")
        if st != 200 or json.loads(body).get("message") != msg:
            fail(f"/crates/{crate}/{ver}/badge.json: {st} {body[:200]!r}, want {msg!r}")
    # No index: no default version, so "unknown".
    st, _, body = get(port, "/crates/time/badge.json")
    if st != 200 or json.loads(body).get("message") != "unknown":
        fail(f"/crates/time/badge.json: {st} {body[:200]!r}, want unknown")


if __name__ == "__main__":
    mode, port, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "fixture":
        fixture(port, db)
    else:
        real(port, db, sys.argv[4])
    print(f"{mode}: {len(failures)} failures")
    sys.exit(1 if failures else 0)
PY

# ---- 1. the fixture database ----
cp -r tests/data/db "$TMP/db"
mkdir -p "$TMP/db/crates/demo"
cat > "$TMP/db/crates/demo/RUSTSEC-2099-0101.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0101"
package = "demo"
date = "2099-01-02"
categories = ["memory-corruption"]

[versions]
patched = [">= 1.1.0"]
unaffected = ["< 0.2.0"]
```

# Demo vulnerability

Fixed in 1.1.0.
EOF
cat > "$TMP/db/crates/demo/RUSTSEC-2099-0102.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0102"
package = "demo"
date = "2099-01-03"
informational = "unsound"

[versions]
patched = [">= 0.10.0"]
```

# Demo unsoundness

Fixed in 0.10.0.
EOF
cat > "$TMP/db/crates/demo/RUSTSEC-2099-0103.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0103"
package = "demo"
date = "2099-01-04"
withdrawn = "2099-02-01"

[versions]
patched = []
```

# Demo withdrawn

Withdrawn: a false report.
EOF
printf '%s\n' '```toml' '[advisory]' 'id = "RUSTSEC-2099-0104"' 'package = "demo"' \
    'date = "2099-01-05"' 'informational = "notice"' 'url = "https://example.com/?a=1&b=<2>"' \
    '' '[versions]' 'patched = [">= 0.0.0"]' '```' '' > "$TMP/db/crates/demo/RUSTSEC-2099-0104.md"
printf '# Hostile <b>&"'"'"' \001 title\n\nBody: \033[31m escape, ]]> and <script>x</script>.\n' \
    >> "$TMP/db/crates/demo/RUSTSEC-2099-0104.md"

rc=0
start "$TMP/db" tests/data/index
python3 "$TMP/check.py" fixture "$PORT" "$TMP/db" || rc=1
stop

# ---- 2. the real advisory database ----
DATA=${CRATESEC_TEST_DATA:-$ROOT/../shared/data}
BUNDLE="$DATA/advisory-db.bundle"
if [ ! -f "$BUNDLE" ]; then
    if [ "${CI:-}" = true ]; then
        echo "feeds.sh: FAIL: $BUNDLE missing (CI=true)"
        exit 1
    fi
    echo "feeds.sh: SKIP real database part ($BUNDLE missing)"
    exit $rc
fi
DB="$B/feeds-db"
if [ ! -d "$DB/.git" ] || [ "$(git -C "$DB" rev-parse HEAD 2>/dev/null)" != \
        "$(git bundle list-heads "$BUNDLE" 2>/dev/null | sed -n '1s/ .*//p')" ]; then
    rm -rf "$DB"
    git clone -q "$BUNDLE" "$DB" || { echo "feeds.sh: cannot clone $BUNDLE"; exit 1; }
fi
start "$DB"
python3 "$TMP/check.py" real "$PORT" "$DB" "$BIN" || rc=1
stop
[ $rc -eq 0 ] && echo "feeds.sh: ok"
exit $rc
