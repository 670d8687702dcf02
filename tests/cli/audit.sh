#!/usr/bin/env bash
# tests/cli/audit.sh BUILD_DIR - `cratesec audit`: exit codes (spec §4.5),
# terminal output and colours, cargo-audit's JSON (validated and checked
# field by field with python3), SARIF 2.1.0, the yanked check with the index
# fixture, and precise errors for malformed lockfiles.
#
# The real database: $CRATESEC_TEST_DB, else a clone of
# ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle in BUILD_DIR/cli-db
# (shared with cli.sh).  Without either, the real-data checks fail with
# CI=true and are skipped otherwise.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "audit.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
L=tests/data/lockfiles
if [ ! -x "$BIN" ]; then
    echo "audit.sh: $BIN not built" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset CRATESEC_DB NO_COLOR

# run, ok, bad, assert_*: the suites' shared assertions.
source tests/cli/lib/assert.sh
# assert_py NAME SCRIPT: runs python3 SCRIPT with the stdout file as argv[1];
# the check passes when it prints exactly "ok".
assert_py() {
    local got
    got=$(python3 -c "$2" "$TMP/out" 2>&1)
    assert_eq "$1" "$got" "ok"
}

# ---------------------------------------------------------------- no database needed
run "$BIN" audit --help
assert_rc "help exits 0" 0
assert_out "help names sarif" "sarif"
assert_out "help gives the exit status" "Exit status"

run "$BIN" --help
assert_out "top-level help lists audit" "  audit "

# A malformed lockfile is exit 2 with file:line:col, before any database use.
for spec in "bad-version.lock:5:16: invalid version \`0.1.045\`" \
            "bad-checksum.lock:7:12: invalid checksum" \
            "bad-source.lock:6:10: unsupported source protocol \`svn\`" \
            "bad-dep.lock:7:2: invalid dependency" \
            "unresolved-dep.lock:7:2: couldn't resolve dependency \`nothere\`" \
            "version5.lock:1:11: unsupported lockfile version 5" \
            "both-checksums.lock:7:1: checksums in both" \
            "bad-toml.lock:6:10: unterminated string"; do
    f=${spec%%:*}
    run "$BIN" audit --db /nonexistent "$L/malformed/$f"
    assert_rc "malformed $f exits 2" 2
    assert_err "malformed $f: precise error" "error: couldn't load $L/malformed/$f: $L/malformed/$spec"
done
run "$BIN" audit --db /nonexistent "$TMP/none/Cargo.lock"
assert_rc "missing lockfile exits 2" 2
assert_err "missing lockfile: message" "couldn't load $TMP/none/Cargo.lock"
(cd "$TMP" && "$BIN" audit --db /nonexistent >"$TMP/out" 2>"$TMP/err" </dev/null); rc=$?
assert_rc "default ./Cargo.lock missing exits 2" 2
assert_err "default path is Cargo.lock" "couldn't load Cargo.lock"

run "$BIN" audit --deny everything $L/v3-app.lock
assert_rc "bad --deny kind exits 2" 2
run "$BIN" audit --format xml $L/v3-app.lock
assert_rc "bad --format exits 2" 2
run "$BIN" audit --color sometimes $L/v3-app.lock
assert_rc "bad --color exits 2" 2
run "$BIN" audit $L/v3-app.lock $L/v2-noversion.lock
assert_rc "two lockfiles exit 2" 2
run "$BIN" audit --db "$TMP/nodb" $L/v3-app.lock
assert_rc "unloadable database exits 1 (as cargo-audit)" 1
assert_err "unloadable database: message" "cannot load advisory database"

# ---------------------------------------------------------------- real database
REAL=$(real_advisory_db "$B")
if [ -z "$REAL" ]; then
    if [ "${CI:-}" = true ]; then
        fail=$((fail + 1))
        echo "FAIL: real advisory database missing (set CRATESEC_TEST_DB or CRATESEC_TEST_DATA)"
    else
        skip=$((skip + 1))
        echo "SKIP: real-database audit checks: no CRATESEC_TEST_DB and no advisory-db.bundle"
    fi
    echo "audit: $pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit
fi
export CRATESEC_DB="$REAL"

# -- terminal
run "$BIN" audit $L/v3-app.lock
assert_rc "v3: vulnerabilities exit 1" 1
assert_out "v3: Loaded status line" "      Loaded "
assert_out "v3: Scanning status line" "    Scanning $L/v3-app.lock for vulnerabilities (16 crate dependencies)"
assert_out "v3: crate line" "Crate:     time"
assert_out "v3: via chain" "Via:       myapp 0.1.0 -> chrono 0.4.19 -> time 0.1.45"
assert_out "v3: tree" "Dependency tree:"
assert_out "v3: warnings footer" "warning: 7 allowed warnings found"
assert_err "v3: vulnerabilities footer" "error: 7 vulnerabilities found!"
assert_err "v3: yanked skipped note" "yanked check skipped"
assert_no_out "v3: no colour off a terminal" $'\033['
assert_no_out "v3: withdrawn RUSTSEC-2023-0002 not reported" "RUSTSEC-2023-0002"
# The status line names the database the audit loaded: with --db "" that is
# ./advisory-db (it said "from " with nothing after).
mkdir -p "$TMP/cwd" && ln -s "$REAL" "$TMP/cwd/advisory-db"
(cd "$TMP/cwd" && "$BIN" audit --db "" "$OLDPWD/$L/v3-app.lock" >"$TMP/out" 2>"$TMP/err")
assert_out "--db \"\": the status line names ./advisory-db" "security advisories (from advisory-db)"

run "$BIN" audit -q $L/v3-app.lock
assert_rc "quiet: same exit" 1
assert_no_out "quiet: no status lines" "Scanning"
assert_no_out "quiet: no trees" "Dependency tree:"
assert_no_err "quiet: no note" "yanked check skipped"

run "$BIN" audit --color always $L/v3-app.lock
assert_out "--color always: red labels" $'\033[31mCrate:'
assert_out "--color always: green status" $'\033[1;32m'
# On a terminal: coloured unless NO_COLOR is set (script gives a pty).
script -qec "$BIN audit -q $L/v3-app.lock" /dev/null >"$TMP/out" 2>&1 </dev/null; rc=$?
assert_rc "pty: exit status kept" 1
assert_out "pty: colour on a terminal" $'\033[31mCrate:'
NO_COLOR=1 script -qec "$BIN audit -q $L/v3-app.lock" /dev/null >"$TMP/out" 2>&1 </dev/null
assert_no_out "pty: NO_COLOR honoured" $'\033['

"$BIN" audit -q - <$L/v3-app.lock >"$TMP/out" 2>"$TMP/err"; rc=$?
assert_rc "stdin lockfile" 1
assert_out "stdin: findings" "Crate:     time"

# -- exit status rules (spec §4.5)
run "$BIN" audit --ignore RUSTSEC-2021-0003 $L/v2-noversion.lock
assert_rc "unmaintained only: exit 0" 0
assert_out "unmaintained only: reported" "Warning:   unmaintained"
run "$BIN" audit --ignore RUSTSEC-2021-0003 --deny warnings $L/v2-noversion.lock
assert_rc "unmaintained + --deny warnings: exit 1" 1
assert_err "denied footer" "error: 1 denied warning found!"
run "$BIN" audit --ignore RUSTSEC-2021-0003 -D unsound $L/v2-noversion.lock
assert_rc "unmaintained + --deny unsound: exit 0" 0
run "$BIN" audit --ignore RUSTSEC-2021-0003 -D unmaintained $L/v2-noversion.lock
assert_rc "unmaintained + --deny unmaintained: exit 1" 1
printf 'version = 3\n[[package]]\nname = "inconceivable"\nversion = "0.9.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n' >"$TMP/notice.lock"
run "$BIN" audit --deny warnings "$TMP/notice.lock"
assert_rc "notice + --deny warnings: exit 0" 0
assert_out "notice reported" "Warning:   notice"
run "$BIN" audit $L/git-path.lock
assert_rc "git/path/other registry: nothing audited, exit 0" 0
assert_no_out "git/path: no findings" "Crate:"
for f in v1-root.lock v4-sparse-git.lock; do
    run "$BIN" audit -q $L/$f
    assert_rc "$f: vulnerabilities exit 1" 1
done
run "$BIN" audit --ignore CVE-1999-0001 $L/v3-app.lock
assert_rc "--ignore with an invalid id exits 2" 2
run "$BIN" audit -q --ignore CVE-2020-26235 $L/v3-app.lock
assert_err "--ignore alias: explained" "alias of RUSTSEC-2020-0071"
assert_out "--ignore alias: not ignored" "ID:        RUSTSEC-2020-0071"

# -- yanked (index fixture: libc 0.2.100 is yanked)
IGN="--ignore RUSTSEC-2018-0011 --ignore RUSTSEC-2020-0159 --ignore RUSTSEC-2020-0069 --ignore RUSTSEC-2021-0069 --ignore RUSTSEC-2020-0071 --ignore RUSTSEC-2026-0009"
run "$BIN" audit -q $IGN --index $L/index $L/v3-app.lock
assert_rc "yanked allowed: exit 0" 0
assert_out "yanked: reported" "Warning:   yanked"
assert_err "yanked: unknown crates reported" "couldn't check if winapi 0.3.9 is yanked"
run "$BIN" audit -q $IGN --index $L/index --deny yanked $L/v3-app.lock
assert_rc "yanked + --deny yanked: exit 1" 1
run "$BIN" audit -q $IGN --index $L/index --no-yanked --deny yanked $L/v3-app.lock
assert_rc "--no-yanked: exit 0" 0
assert_no_out "--no-yanked: no yanked warning" "yanked"
run "$BIN" audit -q $IGN --index "$TMP/noindex" --deny yanked $L/v3-app.lock
assert_rc "unreadable index: yanked check skipped, exit 0" 0
assert_err "unreadable index: warning" "skipping the yanked check"

# -- JSON (spec §4.6)
run "$BIN" audit --json $L/v3-app.lock
assert_rc "json: exit 1" 1
assert_eq "json: one line" "$(wc -l <"$TMP/out")" "1"
assert_no_out "json implies quiet" "Scanning"
assert_py "json: cargo-audit report shape" '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["database", "lockfile", "settings", "vulnerabilities", "warnings"], list(d)
assert list(d["database"]) == ["advisory-count", "last-commit", "last-updated"]
assert d["database"]["advisory-count"] > 1000
assert d["lockfile"] == {"dependency-count": 16}
assert d["settings"] == {"target_arch": [], "target_os": [], "severity": None, "ignore": [],
                         "informational_warnings": ["unmaintained", "unsound", "notice"]}
v = d["vulnerabilities"]
assert v["found"] is True and v["count"] == 7 == len(v["list"])
meta = ["id", "package", "title", "description", "date", "aliases", "related", "collection",
        "categories", "keywords", "cvss", "informational", "references", "source", "url",
        "withdrawn", "license", "expect-deleted"]
pkg = ["name", "version", "source", "checksum", "dependencies", "replace"]
for x in v["list"]:
    assert list(x) == ["advisory", "versions", "affected", "package"], list(x)
    assert list(x["advisory"]) == meta, list(x["advisory"])
    assert list(x["versions"]) == ["patched", "unaffected"]
    assert [k for k in pkg if k in x["package"]] == list(x["package"])
    assert x["advisory"]["informational"] is None and x["advisory"]["withdrawn"] is None
got = [(x["package"]["name"], x["package"]["version"], x["advisory"]["id"]) for x in v["list"]]
assert got == [("arrayfire", "3.5.1", "RUSTSEC-2018-0011"), ("chrono", "0.4.19", "RUSTSEC-2020-0159"),
               ("lettre", "0.10.0-alpha.2", "RUSTSEC-2020-0069"),
               ("lettre", "0.10.0-alpha.2", "RUSTSEC-2021-0069"),
               ("lettre", "0.10.0-alpha.5", "RUSTSEC-2021-0069"), ("time", "0.1.45", "RUSTSEC-2020-0071"),
               ("time", "0.3.20", "RUSTSEC-2026-0009")], got
t = v["list"][5]
assert t["advisory"]["cvss"] == "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
assert t["affected"]["os"][0] == "linux" and "time::at" in t["affected"]["functions"]
assert t["versions"]["patched"] == [">=0.2.23"]
assert t["package"]["dependencies"] == [
    {"name": "libc", "version": "0.2.100", "source": "registry+https://github.com/rust-lang/crates.io-index"},
    {"name": "winapi", "version": "0.3.9", "source": "registry+https://github.com/rust-lang/crates.io-index"}]
assert v["list"][1]["affected"] is None
w = d["warnings"]
assert list(w) == ["notice", "unmaintained", "unsound"], list(w)
for k, l in w.items():
    for x in l:
        assert list(x) == ["kind", "package", "advisory", "affected", "versions"] and x["kind"] == k
assert [x["advisory"]["id"] for x in w["unsound"]] == ["RUSTSEC-2021-0145", "RUSTSEC-2026-0008",
                                                      "RUSTSEC-2026-0183", "RUSTSEC-2026-0184"]
assert w["notice"][0]["advisory"]["informational"] == "notice"
print("ok")'

run "$BIN" audit --format json --target-os linux --target-arch x86_64 --ignore RUSTSEC-2020-0159 -D unsound $L/v3-app.lock
assert_py "json: settings echo the options" '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["settings"]
assert s["target_os"] == ["linux"] and s["target_arch"] == ["x86_64"], s
assert s["ignore"] == ["RUSTSEC-2020-0159"], s
ids = [x["advisory"]["id"] for x in d["vulnerabilities"]["list"]]
assert "RUSTSEC-2020-0159" not in ids and "RUSTSEC-2020-0071" in ids and len(ids) == 5, ids
assert [x["advisory"]["id"] for x in d["warnings"]["unsound"]] == ["RUSTSEC-2026-0008",
        "RUSTSEC-2026-0183", "RUSTSEC-2026-0184"]
print("ok")'

run "$BIN" audit -q --json $IGN --index $L/index $L/v3-app.lock
assert_py "json: yanked warnings have no advisory" '
import json, sys
d = json.load(open(sys.argv[1]))
y = d["warnings"]["yanked"]
assert len(y) == 1 and y[0]["advisory"] is None and y[0]["versions"] is None and y[0]["affected"] is None
assert y[0]["package"]["name"] == "libc" and y[0]["package"]["version"] == "0.2.100"
assert d["vulnerabilities"] == {"found": False, "count": 0, "list": []}
print("ok")'

run "$BIN" audit --json --json $L/git-path.lock
assert_rc "json: nothing found exits 0" 0
assert_py "json: empty report" '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["vulnerabilities"] == {"found": False, "count": 0, "list": []} and d["warnings"] == {}
print("ok")'

# -- SARIF 2.1.0
run "$BIN" audit --format sarif $L/v3-app.lock
assert_rc "sarif: exit status as cargo-audit" 1
assert_py "sarif: required 2.1.0 fields" '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and d["$schema"].endswith("sarif-2.1.0.json")
assert isinstance(d["runs"], list) and len(d["runs"]) == 1
run = d["runs"][0]
drv = run["tool"]["driver"]
assert drv["name"] == "cratesec" and isinstance(drv["rules"], list)
ids = [r["id"] for r in drv["rules"]]
assert len(ids) == len(set(ids)) == 13, ids
for r in drv["rules"]:
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
    assert r["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
res = run["results"]
assert len(res) == 14
for x in res:
    assert drv["rules"][x["ruleIndex"]]["id"] == x["ruleId"]
    assert x["level"] in ("note", "warning", "error") and x["message"]["text"]
    loc = x["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "tests/data/lockfiles/v3-app.lock"
    assert isinstance(loc["region"]["startLine"], int) and loc["region"]["startLine"] >= 1
lv = [x["level"] for x in res]
assert lv.count("error") == 7 and lv.count("note") == 1 and lv.count("warning") == 6, lv
t = [x for x in res if x["ruleId"] == "RUSTSEC-2020-0071"][0]
lines = open("tests/data/lockfiles/v3-app.lock").read().split("\n")
n = t["locations"][0]["physicalLocation"]["region"]["startLine"]
assert lines[n - 1] == "[[package]]" and lines[n] == "name = \"time\"" and lines[n + 1] == "version = \"0.1.45\""
assert "via myapp 0.1.0 -> chrono 0.4.19 -> time 0.1.45" in t["message"]["text"]
print("ok")'

echo "audit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
