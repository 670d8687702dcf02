#!/usr/bin/env bash
# tests/cli/deps.sh BUILD_DIR - `cratesec deps` and the dependency views of
# `cratesec serve` (Dependencies tab, Security-tab section, ecosystem impact
# on /advisories/ID) against the fixture tests/data/index-deps.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
IDX=tests/data/index-deps/index
DB=tests/data/index-deps/db
if [ ! -x "$BIN" ]; then
    echo "deps.sh: $BIN not built" >&2
    exit 1
fi
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
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { # has FILE NEEDLE...
    local f=$1; shift
    for n in "$@"; do
        grep -qF -- "$n" "$f" || { bad "$f: missing '$n'"; return; }
    done
    ok
}
hasnt() {
    local f=$1; shift
    for n in "$@"; do
        grep -qF -- "$n" "$f" && { bad "$f: unexpected '$n'"; return; }
    done
    ok
}

# ---- the command line ----
"$BIN" deps app 1.0.0 --index "$IDX" --db "$DB" > "$TMP/app.txt" 2> "$TMP/err"
rc=$?
[ "$rc" = 1 ] && ok || bad "deps app 1.0.0: exit $rc, want 1"
has "$TMP/app.txt" \
    "only-affected    vulnonly ^0.3" \
    "every non-yanked release matching ^0.3 (2) is affected by RUSTSEC-2099-0101. Minimum upgrade: ^0.4.0, which resolves to 0.4.0; no release it allows" \
    "newest-affected  newvuln ^1.0" "the newest matching release 1.1.0 is affected by RUSTSEC-2099-0102" \
    "Development dependencies (1), never counted" \
    "optoff ^1 (optional, off by default: not counted)" "optfast ^1 (optional, on by default)" \
    "realname ^0.1 (as ren)" "winonly ^1 (only for cfg(windows))" \
    "resolves to 0.1.0, which no advisory affects; realname is unmaintained (RUSTSEC-2099-0106)" \
    "missing          nosuch ^1" "no-release       norel >=5" "bad-requirement  badreq ~>1" \
    "other-registry   ext ^2" \
    "    cycb 1.0.0" "      cyca 1.0.0 (*)" \
    "path: app 1.0.0 > newvuln 1.1.0 > deepvuln 0.1.0 (build)" \
    "Advisories reachable through the dependencies: 3 that count, 1 notice" "Simplifications:"
hasnt "$TMP/app.txt" "RUSTSEC-2099-0107" "optinner" "  optoff 1.0.0" "devonly 2.0.0"
# Dev-dependencies never count: exit 0 with an affected dev-dependency only.
"$BIN" deps devapp 0.1.0 --index "$IDX" --db "$DB" > "$TMP/devapp.txt"
rc=$?
[ "$rc" = 0 ] && ok || bad "deps devapp: exit $rc, want 0"
has "$TMP/devapp.txt" "only-affected    devonly ^2" \
    "Advisories reachable through the dependencies: 0 that count, 0 notices"
# A clear version exits 0.
"$BIN" deps app 0.9.0 --index "$IDX" --db "$DB" > "$TMP/old.txt"
rc=$?
[ "$rc" = 0 ] && ok || bad "deps app 0.9.0: exit $rc, want 0"
has "$TMP/old.txt" "clear            vulnonly ^0.2"
# JSON.
"$BIN" deps app 1.0.0 --index "$IDX" --db "$DB" --json > "$TMP/app.json"
if command -v python3 >/dev/null; then
    python3 - "$TMP/app.json" <<'EOF' && ok || bad "JSON shape"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["crate"] == "app" and r["version"] == "1.0.0" and r["raises"] is True
d = {x["rename"] or x["name"]: x for x in r["direct"]}
assert d["vulnonly"]["state"] == "only-affected" and d["vulnonly"]["fixed"] == "0.4.0"
assert d["vulnonly"]["advice"] == {"kind": "caret", "requirement": "^0.4.0", "resolves_to": "0.4.0"}
assert d["optoff"]["enabled"] is False and d["optfast"]["enabled"] is True
assert d["ren"]["state"] == "clear" and d["ren"]["advice"] is None
assert d["newvuln"]["state"] == "newest-affected" and d["newvuln"]["kind"] == "build"
assert d["devonly"]["kind"] == "dev" and d["ren"]["name"] == "realname"
assert d["optoff"]["optional"] is True and d["winonly"]["target"] == "cfg(windows)"
ids = [a["id"] for a in r["advisories"]]
assert sorted(ids) == ["RUSTSEC-2099-0101", "RUSTSEC-2099-0102", "RUSTSEC-2099-0105",
                       "RUSTSEC-2099-0106"], ids
deep = [a for a in r["advisories"] if a["id"] == "RUSTSEC-2099-0105"][0]
assert [r["nodes"][i]["name"] for i in deep["path"]] == ["app", "newvuln", "deepvuln"]
assert len(r["simplifications"]) >= 5
EOF
fi
# Usage errors and lookups.
"$BIN" deps app --index "$IDX" --db "$DB" > /dev/null 2>&1
[ $? = 2 ] && ok || bad "one argument: want exit 2"
"$BIN" deps app 1.0.0 --db "$DB" > /dev/null 2>&1 </dev/null
rc=$?
[ -n "${CRATESEC_INDEX:-}" ] || { [ "$rc" = 2 ] && ok || bad "no --index: exit $rc, want 2"; }
"$BIN" deps nosuchcrate 1.0.0 --index "$IDX" --db "$DB" > /dev/null 2>&1
[ $? = 1 ] && ok || bad "unknown crate: want exit 1"
"$BIN" deps app 7.0.0 --index "$IDX" --db "$DB" > /dev/null 2>&1
[ $? = 1 ] && ok || bad "unknown version: want exit 1"
"$BIN" deps app 1.0.0 --index "$TMP/none" --db "$DB" > /dev/null 2>&1
[ $? = 2 ] && ok || bad "unreadable index: want exit 2"

# ---- the server ----
if ! command -v curl >/dev/null; then
    echo "deps.sh: server part skipped (no curl)"
else
    "$BIN" serve --db "$DB" --index "$IDX" --listen 127.0.0.1:0 --threads 2 --timeout 3 \
        --access-log none > "$TMP/out" 2> "$TMP/serr" &
    PID=$!
    PORT=$(server_port "$TMP/out" "$PID" 100)
    if [ -z "$PORT" ]; then
        bad "server did not start: $(cat "$TMP/serr")"
    else
        URL="http://127.0.0.1:$PORT"
        fetch() { # fetch PATH FILE: status must be 200
            local code
            code=$(curl -s -o "$2" -w '%{http_code}' "$URL$1")
            [ "$code" = 200 ] || bad "$1: status $code"
        }
        fetch /crates/app/1.0.0/dependencies "$TMP/tab.html"
        has "$TMP/tab.html" "Build dependencies (1)" "Development dependencies (1)" \
            "only affected releases" "newest release affected" \
            'Minimum upgrade: ^0.4.0, which resolves to 0.4.0' \
            'href="/advisories/RUSTSEC-2099-0105"' "Resolved dependency tree" \
            "How this tree is resolved" "only for <code>cfg(windows)</code>" \
            "renamed to <code>ren</code>" "(dependencies shown above)" "not in index" \
            'id="tab-dependencies" href="/crates/app/1.0.0/dependencies" class="tab-affected"'
        # The unmaintained finding and the dev one are not alarm-styled.
        grep -F 'RUSTSEC-2099-0106' "$TMP/tab.html" | grep -qF 'tag tag-affected"><a href="/advisories/RUSTSEC-2099-0106' \
            && bad "unmaintained advisory alarm-styled in the tree" || ok
        fetch /crates/app/1.0.0/security "$TMP/sec.html"
        has "$TMP/sec.html" "Through dependencies" "vulnonly" \
            "(dev-dependency: not counted)" \
            "Reachable through them: 3 advisories that count and 1 notice."
        # devapp: its only finding is a dev-dependency: no Dependencies highlight.
        fetch /crates/devapp/0.1.0/dependencies "$TMP/devtab.html"
        hasnt "$TMP/devtab.html" 'id="tab-dependencies" href="/crates/devapp/0.1.0/dependencies" class="tab-affected"'
        has "$TMP/devtab.html" "never count against this crate"
        fetch /advisories/RUSTSEC-2099-0101 "$TMP/adv.html"
        has "$TMP/adv.html" "Ecosystem impact" "4 crates have a newest release" \
            "<strong>3</strong> of them use a requirement" \
            "<strong>2</strong> of those match only affected releases" \
            '/crates/user2/1.0.0/dependencies' '2 of 3</td><td data-label="Its dependents">2</td>' \
            "(all: no escape)"
        # Ordered by reverse-dependency count: user2 (2) before app (0).
        a=$(grep -n '/crates/user2/1.0.0/dependencies' "$TMP/adv.html" | head -1 | cut -d: -f1)
        b=$(grep -n '/crates/app/1.0.0/dependencies' "$TMP/adv.html" | head -1 | cut -d: -f1)
        [ -n "$a" ] && [ -n "$b" ] && [ "$a" -le "$b" ] && ok || bad "impact order"
        fetch /advisories/RUSTSEC-2099-0103 "$TMP/adv3.html"
        has "$TMP/adv3.html" "0 crates have a newest release"
        kill -TERM "$PID"
        for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
        wait "$PID" 2>/dev/null
        PID=
    fi
fi

echo "deps.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
