#!/usr/bin/env bash
# tests/cli/failclosed.sh BUILD_DIR - issue 14 (fail closed) and issue 12
# items 1 and 3: hostile advisory files, lockfiles and text, written here at
# run time into copies of the fixture database (invented crates and ids):
#   - a duplicate id (in a dot-directory, in another package's directory)
#     never hides the first advisory: both load, check/audit fail for the
#     crates concerned, `show` shows both, /healthz says "degraded" and the
#     badge, Security tab and JSON security endpoint of a tainted crate (or
#     one with a file that does not parse) never call it clean;
#   - a file that does not parse, is too large, names another package or a
#     package name crates.io refuses is an error naming file:line:col, and
#     check/audit exit 1 for its crate (`--lenient`: as before);
#   - lint reports what the loader leaves out or refuses, with one size limit;
#   - lockfiles are read to a bound (/dev/zero, /dev/urandom, endless stdin);
#   - control characters from advisory text never reach the terminal, and
#     lint rejects them in fields;
#   - aliases shared across crates, incomplete or lower-case CVSS v3 vectors,
#     identical [[package]] entries, `1.0.0-αβγ`, `sync --url /nonexistent`;
#   - `check NAME` reads only NAME's directory; no command writes into the
#     database's checkout;
#   - the audit API answers 503 (not a clean report) for such a crate.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "failclosed.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "failclosed.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
unset CRATESEC_DB NO_COLOR
source tests/cli/lib/assert.sh

# adv DB PATH ID PACKAGE [PATCHED [EXTRA_TOML [TITLE]]]: writes one advisory
# at DB/crates/PATH.
adv() {
    local db=$1 path=$2 id=$3 pkg=$4 patched=${5:-'">= 1.2.3"'} extra=${6:-} title=${7:-"Advisory $3"}
    mkdir -p "$(dirname "$db/crates/$path")"
    printf '```toml\n[advisory]\nid = "%s"\npackage = "%s"\ndate = "2020-03-04"\n%s\n[versions]\npatched = [%s]\n```\n\n# %s\n\nText.\n' \
        "$id" "$pkg" "$extra" "$patched" "$title" > "$db/crates/$path"
}
# fresh NAME: a copy of the fixture database at $TMP/NAME.
fresh() { rm -rf "$TMP/$1"; cp -r tests/data/db "$TMP/$1"; echo "$TMP/$1"; }
# lockfile FILE NAME VERSION...: a v3 lockfile of crates.io packages.
lockfile() {
    local f=$1; shift
    printf 'version = 3\n' > "$f"
    while [ $# -ge 2 ]; do
        printf '\n[[package]]\nname = "%s"\nversion = "%s"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n' \
            "$1" "$2" >> "$f"
        shift 2
    done
}
assert_no_escape() { # NAME FILE: no byte a terminal acts on (ESC, BEL, CSI as C1)
    if LC_ALL=C grep -q $'[\x07\x1b\x9b]' "$2"; then bad "$1" "raw control byte in $(basename "$2")"; else ok; fi
}

# ---------------------------------------------------------------- duplicate ids
# A dot-directory with a copy of foo's id that would mark every version
# patched (issue 14, first example): its package name is refused, so the
# file is an error and the real advisory still decides.
DB=$(fresh dotdir)
adv "$DB" .a/RUSTSEC-2020-0001.md RUSTSEC-2020-0001 .a '">= 0.0.0"'
run "$BIN" check --db "$DB" foo@1.0.0
assert_rc "dot-directory: foo@1.0.0 still affected (exit 1)" 1
assert_out "dot-directory: the real advisory decides" "AFFECTED  RUSTSEC-2020-0001"
run "$BIN" show --db "$DB" RUSTSEC-2020-0001
assert_out "dot-directory: show finds foo's advisory" "Package:     foo"
assert_err "dot-directory: the file is an error with its position" \
    "crates/.a/RUSTSEC-2020-0001.md:4:12: invalid package name: \`.\` at the start"
run "$BIN" lint "$DB"
assert_rc "dot-directory: lint fails" 1
assert_out "dot-directory: lint reports the file" "crates/.a/RUSTSEC-2020-0001.md:4:12: invalid package name"

# The same id in another package's directory (issue 14, second example):
# both load, so the audit still finds foo's; when both crates are read, the
# run fails for them (an audit reads only its lockfile's crates, and a file
# in another crate's directory cannot change what it finds for these).
DB=$(fresh dup)
adv "$DB" bar-baz/RUSTSEC-2020-0001.md RUSTSEC-2020-0001 bar-baz '">= 0.0.0"'
lockfile "$TMP/foo.lock" foo 1.0.0 bar-baz 5.0.0
run "$BIN" audit --db "$DB" --no-yanked --json "$TMP/foo.lock"
assert_rc "duplicate: audit exits 1" 1
assert_out "duplicate: foo's advisory is found" '"id":"RUSTSEC-2020-0001","package":"foo"'
assert_err "duplicate: the error names both files" \
    "crates/foo/RUSTSEC-2020-0001.md: duplicate advisory ID \`RUSTSEC-2020-0001\`: also in crates/bar-baz/RUSTSEC-2020-0001.md; both are loaded"
lockfile "$TMP/both.lock" foo 2.5.0 bar-baz 5.0.0
run "$BIN" audit --db "$DB" --no-yanked "$TMP/both.lock"
assert_rc "duplicate: audit of unaffected versions still exits 1" 1
assert_err "duplicate: it says why" "crate \`bar-baz\`: the advisory database has a problem with its advisories"
assert_err "duplicate: for both crates" "crate \`foo\`: the advisory database has a problem with its advisories"
run "$BIN" audit --db "$DB" --no-yanked --lenient "$TMP/both.lock"
assert_rc "duplicate: --lenient keeps the report's status" 0
run "$BIN" check --db "$DB" foo@2.5.0 bar-baz
assert_rc "duplicate: check of an unaffected version still exits 1" 1
run "$BIN" show --db "$DB" RUSTSEC-2020-0001
assert_out "duplicate: show shows foo's" "Package:     foo"
assert_out "duplicate: and bar-baz's" "Package:     bar-baz"

# ---------------------------------------------------------------- load errors of a checked crate
DB=$(fresh garbage)
printf 'garbage\n' > "$DB/crates/foo/RUSTSEC-2020-0009.md"
run "$BIN" check --db "$DB" foo@2.5.0
assert_rc "garbage in foo/: check exits 1" 1
assert_err "garbage in foo/: file and position" "crates/foo/RUSTSEC-2020-0009.md:1:1:"
run "$BIN" check --db "$DB" --lenient foo@2.5.0
assert_rc "garbage in foo/: --lenient exits 0" 0
assert_err "garbage in foo/: --lenient still warns" "warning: crate \`foo\`"
lockfile "$TMP/foo25.lock" foo 2.5.0
run "$BIN" audit --db "$DB" --no-yanked "$TMP/foo25.lock"
assert_rc "garbage in foo/: audit exits 1" 1
run "$BIN" audit --db "$DB" --no-yanked --lenient "$TMP/foo25.lock"
assert_rc "garbage in foo/: audit --lenient exits 0" 0
run "$BIN" check --db "$DB" qux
assert_rc "garbage in foo/: another crate is not concerned" 0

# A package whose directory is another's: an error at the package key that
# concerns both crates.
DB=$(fresh moved)
mv "$DB/crates/foo/RUSTSEC-2020-0001.md" "$DB/crates/zlib-sys/"
run "$BIN" check --db "$DB" foo@1.0.0 zlib-sys
assert_rc "moved file: check exits 1" 1
assert_err "moved file: mismatch with position" \
    "crates/zlib-sys/RUSTSEC-2020-0001.md:4:11: package \`foo\` does not match its directory \`zlib-sys\`"
lockfile "$TMP/moved.lock" foo 1.0.0 zlib-sys 1.0.0
run "$BIN" audit --db "$DB" --no-yanked "$TMP/moved.lock"
assert_rc "moved file: an audit reading both fails" 1
assert_err "moved file: for the package it names" "crate \`foo\`: the advisory database has a problem"

# ---------------------------------------------------------------- lint and loader agree
DB=$(fresh big)
truncate -s 70M "$DB/crates/foo/RUSTSEC-2020-0009.md"
run "$BIN" lint "$DB"
assert_out "70 MB advisory: lint says too large" \
    "crates/foo/RUSTSEC-2020-0009.md: file too large: 73400320 bytes (the limit is 262144)"
run "$BIN" check --db "$DB" foo
assert_rc "70 MB advisory: check of its crate exits 1" 1
assert_err "70 MB advisory: the loader says the same" "file too large: 73400320 bytes"

DB=$(fresh names)
i=10
for name in '<img src=x onerror=alert(1)>' 'a b' 'a"b' $'\u202eevil' '.hidden'; do
    adv "$DB" "$name/RUSTSEC-2020-00$i.md" "RUSTSEC-2020-00$i" "${name//\"/\\\"}"
    i=$((i + 1))
done
run "$BIN" lint "$DB"
for i in 10 11 12 13 14; do
    assert_out "bad package name $i: lint reports it" "RUSTSEC-2020-00$i.md:4:"
    run "$BIN" show --db "$DB" "RUSTSEC-2020-00$i"
    assert_rc "bad package name $i: not loaded" 1
    run "$BIN" lint "$DB"
done
assert_out "bad package name: the reason" "invalid package name: \`<\` at the start"
assert_out "bad package name: a space" "invalid package name: byte 0x20 in the name"
assert_out "bad package name: RLO" "invalid package name: byte 0xE2 at the start"
assert_out "lint: hidden files are reported" "crates/bar-baz/.DS_Store: hidden file, not loaded"

# ---------------------------------------------------------------- bounded lockfiles
ln -s /dev/zero "$TMP/zero.lock"
run timeout 30 "$BIN" audit --db tests/data/db --no-yanked "$TMP/zero.lock"
assert_rc "/dev/zero lockfile: exit 2" 2
assert_err "/dev/zero lockfile: clear error" "file too large: more than 33554432 bytes"
run timeout 30 "$BIN" audit --db tests/data/db --no-yanked /dev/urandom
assert_rc "/dev/urandom lockfile: exit 2" 2
rc=0
timeout 30 bash -c "yes | '$BIN' audit --db tests/data/db --no-yanked -" >"$TMP/out" 2>"$TMP/err" || rc=$?
assert_rc "endless stdin: exit 2" 2
assert_err "endless stdin: clear error" "<stdin>: file too large"

# ---------------------------------------------------------------- terminal escapes
DB=$(fresh esc)
adv "$DB" evil/RUSTSEC-2020-0020.md RUSTSEC-2020-0020 evil '">= 1.0.0"' \
    $'url = "https://example.com/\\u001B]8;;https://evil.example/\\u0007x"\nkeywords = ["k\\u001B[2J"]' \
    $'Boom \x1b[2J\x1b]0;pwned\x07\xc2\x9b31m'
lockfile "$TMP/evil.lock" evil 0.5.0
run "$BIN" check --db "$DB" evil@0.5.0
assert_no_escape "escapes: check output" "$TMP/out"
assert_out "escapes: check shows them escaped" 'Boom \x1b[2J\x1b]0;pwned\x07\u{9b}31m'
run "$BIN" show --db "$DB" RUSTSEC-2020-0020
assert_no_escape "escapes: show output" "$TMP/out"
run "$BIN" audit --db "$DB" --no-yanked --color never "$TMP/evil.lock"
assert_no_escape "escapes: audit output" "$TMP/out"
run "$BIN" audit --db "$DB" --no-yanked --color always "$TMP/evil.lock"
assert_out "escapes: audit's own colours stay" $'\x1b[31mTitle:'
assert_out "escapes: but not the title's" 'Boom \x1b[2J'
run "$BIN" lint "$DB"
assert_out "escapes: lint rejects them in url" "control character U+001B in \`url\`"
assert_out "escapes: lint rejects them in keywords" "control character U+001B in \`keywords\`"
assert_out "escapes: lint rejects them in the title" "control character U+001B in the title"
assert_no_escape "escapes: lint output" "$TMP/out"
# A carriage return in the title: RustSec keeps it, and a terminal shows only
# what follows it.  A CRLF line end is not one.
DB=$(fresh cr)
adv "$DB" evil/RUSTSEC-2020-0020.md RUSTSEC-2020-0020 evil '">= 1.0.0"' '' \
    $'Harmless notice\rCRITICAL: remote code execution'
run "$BIN" lint "$DB"
assert_out "carriage return: lint rejects it in the title" \
    "RUSTSEC-2020-0020.md:11:18: control character U+000D in the title"
sed -i 's/$/\r/' "$DB/crates/evil/RUSTSEC-2020-0020.md"
sed -i 's/^# Harmless notice\r/# Harmless notice/' "$DB/crates/evil/RUSTSEC-2020-0020.md"
run "$BIN" lint "$DB"
assert_no_out "carriage return: CRLF line ends are not one" "U+000D"
run "$BIN" check --db "$DB" evil@0.5.0
assert_out "carriage return: CRLF file still loads" "AFFECTED  RUSTSEC-2020-0020"

# ---------------------------------------------------------------- smaller ones (issue 14 item 10)
DB="$TMP/alias"
mkdir -p "$DB/crates"
adv "$DB" aaa/RUSTSEC-2020-0030.md RUSTSEC-2020-0030 aaa '">= 1.0.0"' 'aliases = ["CVE-2020-9999"]'
adv "$DB" bbb/RUSTSEC-2020-0031.md RUSTSEC-2020-0031 bbb '">= 1.0.0"' 'aliases = ["CVE-2020-9999"]'
run "$BIN" lint "$DB"
assert_rc "shared alias: a warning, not a problem" 0
assert_out "shared alias: lint warns" \
    "crates/bbb/RUSTSEC-2020-0031.md: warning: alias \`CVE-2020-9999\` is also claimed by RUSTSEC-2020-0030 (crate \`aaa\`)"
assert_out "shared alias: counted" "2 advisories checked, no problems found; 1 warning"

DB=$(fresh cvss)
adv "$DB" ccc/RUSTSEC-2020-0040.md RUSTSEC-2020-0040 ccc '">= 1.0.0"' \
    'cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"'
adv "$DB" ddd/RUSTSEC-2020-0041.md RUSTSEC-2020-0041 ddd '">= 1.0.0"' \
    'cvss = "CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h"'
run "$BIN" lint "$DB"
assert_out "CVSS without A: lint fails it" \
    "RUSTSEC-2020-0040.md:6:9: invalid CVSS vector \`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H\`: missing base metric \`A\`"
assert_out "CVSS lower case: lint fails it" "RUSTSEC-2020-0041.md:6:18: invalid CVSS vector"
assert_out "CVSS lower case: with the reason" "CVSS metric \`av:n\` must be written \`AV:N\`"
run "$BIN" check --db "$DB" ccc@0.1.0
assert_rc "CVSS without A: no score, and the crate's check fails" 1

cat > "$TMP/same3.lock" <<'EOF'
version = 3

[[package]]
name = "foo"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "foo"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "foo"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
EOF
run "$BIN" audit --db tests/data/db --no-yanked --json "$TMP/same3.lock"
assert_rc "identical [[package]] entries: still found" 1
assert_out "identical [[package]] entries: counted once" '"dependency-count":1}'
assert_out "identical [[package]] entries: one finding" '"count":1,'

run "$BIN" check --db tests/data/db foo@1.0.0-αβγ
assert_rc "1.0.0-αβγ: exit 2" 2
assert_err "1.0.0-αβγ: says what is wrong" "unexpected character \`α\` (U+03B1) in prerelease"
run "$BIN" sync --db "$TMP/sync-db" --url /nonexistent
assert_rc "sync from a missing path: exit 1" 1
assert_err "sync from a missing path: says so" "cannot clone /nonexistent: No such file or directory"
assert_no_err "sync from a missing path: not a protocol" "unsupported URL protocol"

# ---------------------------------------------------------------- what check reads, what nothing writes
DB=$(fresh partial)
printf 'garbage\n' > "$DB/crates/qux/RUSTSEC-2023-0009.md"
run "$BIN" check --db "$DB" foo@1.0.0
assert_rc "partial: foo checked" 1
assert_no_err "check NAME reads only NAME's directory" "qux"
run "$BIN" check --db "$DB" qux
assert_err "check NAME reads NAME's directory" "crates/qux/RUSTSEC-2023-0009.md:1:1"

DB=$(fresh checkout)
git -C "$DB" init -q && git -C "$DB" add -A &&
    git -C "$DB" -c user.name=t -c user.email=t@t commit -qm db
before=$(cd "$DB" && find . -printf '%p %s %T@\n' | sort)
XDG_CACHE_HOME="$TMP/cache" run "$BIN" check --db "$DB" foo@1.0.0
XDG_CACHE_HOME="$TMP/cache" run "$BIN" audit --db "$DB" --no-yanked --json "$TMP/foo.lock"
assert_out "checkout: audit --json names the commit" "\"last-commit\":\"$(git -C "$DB" rev-parse HEAD)\""
XDG_CACHE_HOME="$TMP/cache" run "$BIN" show --db "$DB" --osv RUSTSEC-2020-0001
XDG_CACHE_HOME="$TMP/cache" run "$BIN" lint "$DB"
after=$(cd "$DB" && find . -printf '%p %s %T@\n' | sort)
assert_eq "no command writes into the checkout" "$after" "$before"
assert_eq "nor a cache" "$(ls -A "$TMP/cache" 2>/dev/null)" ""

# ---------------------------------------------------------------- the server
DB=$(fresh served)
adv "$DB" bar-baz/RUSTSEC-2020-0001.md RUSTSEC-2020-0001 bar-baz '">= 0.0.0"'
# A crate with one advisory that loads and one that does not parse, and one
# whose only advisory file does not parse.
adv "$DB" tainted/RUSTSEC-2099-0001.md RUSTSEC-2099-0001 tainted
printf 'garbage\n' > "$DB/crates/tainted/RUSTSEC-2099-0002.md"
mkdir -p "$DB/crates/broken-only"
printf 'garbage\n' > "$DB/crates/broken-only/RUSTSEC-2099-0003.md"
"$B/cratesec" serve --db "$DB" --listen 127.0.0.1:0 --threads 2 --access-log none \
    --state "$TMP/state" >"$TMP/srv.out" 2>"$TMP/srv.err" &
SERVER_PID=$!
port=$(server_port "$TMP/srv.out" "$SERVER_PID")
if [ -z "$port" ]; then
    bad "server starts on a database with a duplicate id" "$(cat "$TMP/srv.err")"
else
    ok
    run curl -s "http://127.0.0.1:$port/healthz"
    assert_out "healthz: degraded" '"status": "degraded"'
    assert_out "healthz: the first problem" '"first_load_error": "'
    run curl -s "http://127.0.0.1:$port/crates/bar-baz/9.0.0/badge.json"
    assert_no_out "badge of a tainted crate: never no known advisories" "no known advisories"
    assert_out "badge of a tainted crate: unavailable" "advisories unavailable"
    run curl -s "http://127.0.0.1:$port/crates/qux/9.0.0/badge.json"
    assert_out "badge of another crate: unchanged" "no known advisories"
    # The Security tab and the JSON endpoint decide as the badge does
    # (server/security.c): never a clean verdict for a crate whose advisory
    # files did not all load, and they name the file.
    run curl -s "http://127.0.0.1:$port/crates/tainted/9.0.0/security"
    assert_out "tab of a crate with a broken file: says so" \
        "advisories could not be loaded (crates/tainted/RUSTSEC-2099-0002.md:1:1"
    assert_no_out "tab of a crate with a broken file: never none affects" "none affects"
    assert_out "tab of a crate with a broken file: lists what loaded" "RUSTSEC-2099-0001"
    run curl -s "http://127.0.0.1:$port/crates/broken-only/1.0.0/security"
    assert_out "tab of a crate whose only file is broken: says so" \
        "advisories could not be loaded (crates/broken-only/RUSTSEC-2099-0003.md:1:1"
    assert_no_out "tab of a crate whose only file is broken: never no advisories" \
        "No advisories in the RustSec advisory database concern this crate"
    run curl -s "http://127.0.0.1:$port/crates/bar-baz/9.0.0/security"
    assert_out "tab of a tainted crate: says so" "advisories could not be loaded (crates/"
    assert_no_out "tab of a tainted crate: never none affects" "none affects"
    run curl -s "http://127.0.0.1:$port/crates/qux/9.0.0/security"
    assert_no_out "tab of another crate: no warning" "could not be loaded"
    run curl -s "http://127.0.0.1:$port/api/v1/crates/tainted/9.0.0/security"
    assert_out "API, broken file: incomplete" '"advisories_complete": false'
    assert_out "API, broken file: names it" '"load_error": "crates/tainted/RUSTSEC-2099-0002.md:1:1'
    assert_out "API, broken file: existing fields kept" '"affected_count": 0'
    run curl -s "http://127.0.0.1:$port/api/v1/crates/broken-only/1.0.0/security"
    assert_out "API, only file broken: incomplete, not 404" '"advisories_complete": false'
    run curl -s "http://127.0.0.1:$port/api/v1/crates/bar-baz/9.0.0/security"
    assert_out "API, tainted crate: incomplete" '"advisories_complete": false'
    run curl -s "http://127.0.0.1:$port/api/v1/crates/qux/9.0.0/security"
    assert_out "API, another crate: complete" '"advisories_complete": true'
    assert_out "API, another crate: no load error" '"load_error": null'
    run curl -s "http://127.0.0.1:$port/crates/tainted/9.0.0/badge.json"
    assert_out "badge of a crate with a broken file: unavailable" "advisories unavailable"
    # The site's audit page: the same check as `cratesec audit`.
    lockfile "$TMP/tainted.lock" tainted 9.0.0 qux 9.0.0
    run curl -sL -F "lockfile=<$TMP/tainted.lock" "http://127.0.0.1:$port/audit"
    assert_out "audit page, broken file: says so" \
        "Some advisories of tainted could not be loaded (crates/tainted/RUSTSEC-2099-0002.md:1:1"
    assert_no_out "audit page, broken file: never no advisory affects" \
        "No advisory of the database affects these packages"
    # Watching those packages (the report's form): the page that confirms
    # the watch says the same, never that no advisory affects them.
    report=$(curl -s -o /dev/null -w '%{redirect_url}' -F "lockfile=<$TMP/tainted.lock" \
        "http://127.0.0.1:$port/audit")
    run curl -s --data-urlencode "report=${report##*/}" "http://127.0.0.1:$port/watches"
    assert_out "watch made, broken file: says so" \
        "Some advisories of tainted could not be loaded (crates/tainted/RUSTSEC-2099-0002.md:1:1"
    assert_no_out "watch made, broken file: never no advisory affects" \
        "No advisory affects these packages now"
    # The audit API (for CI): as `cratesec audit` exits 1, never a clean
    # report for packages whose advisories did not all load; ?lenient=true
    # gives what did load, as --lenient does.
    api="http://127.0.0.1:$port/api/v1/audit"
    run curl -s -w '\nstatus=%{http_code}\n' --data-binary "@$TMP/tainted.lock" "$api"
    assert_out "audit API, broken file: 503" "status=503"
    assert_out "audit API, broken file: names the crate" '"crate":"tainted"'
    assert_out "audit API, broken file: names the file" \
        '"load_error":"crates/tainted/RUSTSEC-2099-0002.md:1:1'
    assert_no_out "audit API, broken file: no report" '"vulnerabilities"'
    run curl -s -w '\nstatus=%{http_code}\n' -H 'Accept: application/sarif+json' \
        --data-binary "@$TMP/tainted.lock" "$api"
    assert_out "audit API, broken file, SARIF asked: 503" "status=503"
    id=$(sha256sum "$TMP/tainted.lock" | cut -c1-64)
    run curl -s -w '\nstatus=%{http_code}\n' "$api/$id"
    assert_out "audit API, kept report of a broken file: 503" "status=503"
    run curl -s -w '\nstatus=%{http_code}\n' --data-binary "@$TMP/tainted.lock" "$api?lenient=true"
    assert_out "audit API, lenient: the report" "status=200"
    assert_out "audit API, lenient: what loaded" '"vulnerabilities"'
    run curl -s -w '\nstatus=%{http_code}\n' "$api/$id?lenient=true"
    assert_out "audit API, kept report, lenient: the report" "status=200"
    lockfile "$TMP/qux.lock" qux 9.0.0
    run curl -s -w '\nstatus=%{http_code}\n' --data-binary "@$TMP/qux.lock" "$api"
    assert_out "audit API, another crate: the report" "status=200"
    run curl -sL -F "lockfile=<$TMP/qux.lock" "http://127.0.0.1:$port/audit"
    assert_out "audit page, another crate: unchanged" \
        "No advisory of the database affects these packages"
    assert_no_out "audit page, another crate: no warning" "could not be loaded"
fi

echo "failclosed: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
