#!/usr/bin/env bash
# tests/cli/cli.sh BUILD_DIR - runs BUILD_DIR/cratesec (check, show, lint,
# semver, help) against the fixture database tests/data/db and the real
# RustSec database, asserting stdout, stderr, exit codes and JSON.
#
# The real database: $CRATESEC_TEST_DB, else a clone of
# ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle made in
# BUILD_DIR/cli-db.  When neither exists the real-data checks fail with
# CI=true and are skipped (with a message) otherwise.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "cli.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN="$B/cratesec"
FIX=tests/data/db
if [ ! -x "$BIN" ]; then
    echo "cli.sh: $BIN not built" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The database of the environment must not leak into tests that use none.
unset CRATESEC_DB

# run, ok, bad, assert_*: the suites' shared assertions.
source tests/cli/lib/assert.sh
assert_json() { # NAME: stdout is valid JSON
    if python3 -m json.tool "$TMP/out" >/dev/null 2>"$TMP/jerr"; then ok; else
        bad "$1" "invalid JSON: $(head -c 300 "$TMP/jerr")"; fi
}
# assert_jq NAME EXPR EXPECTED: json.dumps(EXPR) over the stdout JSON `d`
# (Python syntax) equals EXPECTED (compact JSON).
assert_jq() {
    local got
    got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps(eval(sys.argv[2]), separators=(",", ":")))' "$TMP/out" "$2" 2>&1)
    assert_eq "$1" "$got" "$3"
}

# ---------------------------------------------------------------- help
run "$BIN" --help
assert_rc "top help exits 0" 0
for c in check show lint export-osv semver; do
    assert_out "top help lists $c" "  $c "
done
assert_out "top help states exit status 2" "2  usage error or invalid input"
assert_out "top help states exit status 1" "1  found"
assert_out "top help names --db" "--db DIR"
for c in check show lint export-osv semver; do
    run "$BIN" "$c" --help
    assert_rc "$c --help exits 0" 0
    assert_out "$c --help usage line" "usage: cratesec $c "
    assert_out "$c --help exit status" "Exit status"
    assert_out "$c --help lists -h" "-h, --help"
done
for c in check show lint semver; do
    run "$BIN" "$c" --help
    assert_out "$c --help documents --json" "--json"
done
run "$BIN" semver -h
assert_out "semver -h is --help" "--stdin"
run "$BIN"
assert_rc "no command exits 2" 2
assert_err "no command prints usage" "usage: cratesec COMMAND"
run "$BIN" frobnicate
assert_rc "unknown command exits 2" 2
assert_err "unknown command message" "unknown command \`frobnicate\`"
run "$BIN" --version
assert_rc "--version exits 0" 0
assert_out "--version prints the version" "cratesec 0."
run "$BIN" check --bogus foo
assert_rc "unknown option exits 2" 2
assert_err "unknown option message" "unknown option \`--bogus\`"
run "$BIN" check --db
assert_rc "option without value exits 2" 2
assert_err "option without value message" "needs a value"

# ---------------------------------------------------------------- check (fixture)
run "$BIN" check --db "$FIX" foo@1.0.0
assert_rc "check affected vulnerability exits 1" 1
assert_out "check header counts" "foo@1.0.0: 2 advisories, 2 affect 1.0.0"
assert_out "check marks affected" "AFFECTED  RUSTSEC-2020-0001  Vulnerability  2020-03-04  Buffer overflow"
# Ranges in plain words, requirement lists joined by "or" (lib/wording.h).
assert_out "check lists ranges" "affected:   0.5.0 to before 1.2.3; the pre-releases of 2.0.0"
assert_out "check lists patched" "patched:    >=1.2.3, <2.0.0-0 or >=2.0.0"
assert_out "check lists unaffected" "unaffected: <0.5"
assert_out "check marks informational" "AFFECTED  RUSTSEC-2021-0002  Unmaintained"

run "$BIN" check --db "$FIX" foo@1.2.3
assert_rc "informational only exits 0" 0
assert_out "check patched version is ok" "ok        RUSTSEC-2020-0001"
assert_out "check patched header" "foo@1.2.3: 2 advisories, 1 affects 1.2.3"
run "$BIN" check --strict --db "$FIX" foo@1.2.3
assert_rc "--strict counts unmaintained" 1
run "$BIN" check --db "$FIX" qux@1.0.0
assert_rc "unsound alone exits 0" 0
run "$BIN" check --strict --db "$FIX" qux@1.0.0
assert_rc "--strict counts unsound" 1

run "$BIN" check --db "$FIX" foo@0.4.0 foo@2.0.0
assert_rc "unaffected and patched versions exit 0" 0
assert_out "unaffected <0.5 is ok" "foo@0.4.0: 2 advisories, 1 affects 0.4.0"
assert_out "2.0.0 is patched" "foo@2.0.0: 2 advisories, 1 affects 2.0.0"

# Interval semantics (spec 2.4): a prerelease inside a patched interval is
# patched, although Cargo matching (2.3, `semver`) would not match it.
run "$BIN" check --db "$FIX" foo@1.2.4-beta
assert_rc "prerelease inside patched interval exits 0" 0
assert_out "prerelease inside patched interval is ok" "ok        RUSTSEC-2020-0001"
run "$BIN" semver '>= 1.2.3, < 2.0.0-0' 1.2.4-beta
assert_rc "same prerelease fails Cargo matching" 1
run "$BIN" check --db "$FIX" foo@2.0.0-alpha.1
assert_rc "prerelease in the affected gap exits 1" 1
assert_out "prerelease in the affected gap" "AFFECTED  RUSTSEC-2020-0001"

run "$BIN" check --db "$FIX" foo@1.0.0 qux@1.0.0 qux@1.0.1
assert_rc "several crates exit 1" 1
assert_out "several crates: foo" "foo@1.0.0: 2 advisories, 2 affect 1.0.0"
assert_out "several crates: qux affected" "qux@1.0.0: 1 advisory, 1 affects 1.0.0"
assert_out "several crates: qux fixed" "qux@1.0.1: 1 advisory, 0 affect 1.0.1"

run "$BIN" check --db "$FIX" foo
assert_rc "check without version exits 0" 0
assert_out "check without version header" "foo: 2 advisories"
assert_no_out "check without version marks nothing" "AFFECTED"

run "$BIN" check --db "$FIX" bar_baz@0.3.0
assert_rc "withdrawn only exits 0" 0
assert_out "name spelled with _ finds bar-baz" "bar_baz@0.3.0 (bar-baz): 0 advisories"
assert_no_out "withdrawn hidden by default" "RUSTSEC-2022-0003"
run "$BIN" check --all --db "$FIX" bar-baz@0.3.0
assert_rc "withdrawn never counts" 0
assert_out "--all shows withdrawn" "withdrawn RUSTSEC-2022-0003"
assert_no_out "drafts are not indexed" "RUSTSEC-0000-0000"

run "$BIN" check --db "$FIX" no-such-crate@1.0.0
assert_rc "unknown crate exits 0 (nothing found)" 0
assert_out "unknown crate: zero advisories" "no-such-crate@1.0.0: 0 advisories, 0 affect 1.0.0"
assert_err "unknown crate: note" "no advisory names crate \`no-such-crate\`"

run "$BIN" check --db "$FIX" foo@1.2
assert_rc "bad version exits 2" 2
assert_err "bad version message" "\`foo@1.2\`: invalid version"
run "$BIN" check --db "$FIX" foo@1.2.3 bar@01.0.0 baz@
assert_rc "every bad version is reported" 2
assert_err "leading zero reported" "\`bar@01.0.0\`: invalid version"
assert_err "empty version reported" "\`baz@\`: invalid version"
run "$BIN" check --db "$FIX" @1.0.0
assert_rc "missing crate name exits 2" 2
assert_err "missing crate name message" "missing crate name"
run "$BIN" check --db "$FIX"
assert_rc "check without arguments exits 2" 2
assert_err "check without arguments message" "name at least one CRATE"
run "$BIN" check --db "$TMP/no-such-db" foo@1.0.0
assert_rc "missing database exits 1" 1
assert_err "missing database message" "cannot load advisory database"
CRATESEC_DB="$FIX" run "$BIN" check foo@1.0.0
assert_rc "\$CRATESEC_DB names the database" 1
assert_out "\$CRATESEC_DB loads the fixture" "foo@1.0.0: 2 advisories"
(cd "$TMP" && run "$BIN" check foo; echo "$rc" >"$TMP/rc2")
assert_eq "default ./advisory-db missing exits 1" "$(cat "$TMP/rc2")" 1

run "$BIN" check --json --db "$FIX" foo@1.0.0 foo@2.0.0-alpha.1 BAR_baz nope foo
assert_rc "check --json exit status as text" 1
assert_json "check --json is JSON"
assert_jq "check --json one object per argument" 'len(d)' 5
assert_jq "check --json crate" 'd[0]["crate"]' '"foo"'
assert_jq "check --json version" 'd[0]["version"]' '"1.0.0"'
assert_jq "check --json affected_count" 'd[0]["affected_count"]' 2
assert_jq "check --json ids" '[a["id"] for a in d[0]["advisories"]]' '["RUSTSEC-2020-0001","RUSTSEC-2021-0002"]'
assert_jq "check --json affected flag" '[a["affected"] for a in d[0]["advisories"]]' '[true,true]'
assert_jq "check --json kind" 'd[0]["advisories"][1]["kind"]' '"Unmaintained"'
assert_jq "check --json cvss" '[d[0]["advisories"][0][k] for k in ("score","severity")]' '[9.8,"critical"]'
assert_jq "check --json aliases" 'd[0]["advisories"][0]["aliases"]' '["CVE-2020-1111","GHSA-aaaa-bbbb-cccc"]'
assert_jq "check --json ranges" 'd[0]["advisories"][0]["affected_ranges"][1]' '{"introduced":"2.0.0-0","fixed":"2.0.0"}'
# Affected functions use Cargo matching (spec 2.5): at 1.0.0 both match; at
# 2.0.0-alpha.1 only the requirement naming 2.0.0-alpha.1 does.
assert_jq "check --json functions at 1.0.0" 'd[0]["advisories"][0]["affected_functions"]' '["foo::Parser::new","foo::parse"]'
assert_jq "check --json functions at a prerelease" 'd[1]["advisories"][0]["affected_functions"]' '["foo::Parser::new"]'
assert_jq "check --json no version: null" 'd[2]["version"]' 'null'
assert_jq "check --json database spelling" 'd[2]["package"]' '"bar-baz"'
assert_jq "check --json no version: no verdict" '[sorted(set(a) & {"affected", "affected_functions"}) for a in d[4]["advisories"]]' '[[],[]]'
assert_jq "check --json unknown crate" '[d[3]["package"], d[3]["advisories"]]' '[null,[]]'

# ---------------------------------------------------------------- show (fixture)
run "$BIN" show --db "$FIX" RUSTSEC-2020-0001
assert_rc "show exits 0" 0
assert_out "show title line" "RUSTSEC-2020-0001: Buffer overflow in foo's parser"
assert_out "show package" "Package:     foo"
assert_out "show cvss" "CVSS:        9.8 (critical) CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
assert_out "show affected" "Affected:    0.5.0 to before 1.2.3; the pre-releases of 2.0.0"
assert_out "show unaffected" "Unaffected:  <0.5"
# A withdrawn advisory says so first, in plain words (issue 11 item 6).
run "$BIN" show --db "$FIX" RUSTSEC-2022-0003
assert_eq "show withdrawn first" "$(sed -n 3p "$TMP/out")" \
    "Withdrawn on 2022-03-01: this advisory applies to no version and is kept only for reference."
run "$BIN" show --db "$FIX" RUSTSEC-2020-0001
# Two requirements, not one impossible range (issue 11 item 1).
assert_out "show functions" "Functions:   foo::Parser::new (<1.2.3 or >=2.0.0-alpha.1, <2.0.0)"
assert_out "show description" "writes past the end of its buffer"
for alias in CVE-2020-1111 GHSA-aaaa-bbbb-cccc; do
    run "$BIN" show --db "$FIX" "$alias"
    assert_rc "show alias $alias exits 0" 0
    assert_out "show alias $alias resolves" "RUSTSEC-2020-0001: Buffer overflow"
done
run "$BIN" show --db "$FIX" CVE-2021-1234
assert_out "show rust collection" "Package:     std"
run "$BIN" show --json --db "$FIX" CVE-2024-5555
assert_rc "show --json exits 0" 0
assert_json "show --json is JSON"
assert_jq "show --json id" 'd["id"]' '"RUSTSEC-2024-0005"'
assert_jq "show --json unaffected" 'd["unaffected"]' '["=0.1.0",">0.9.0"]'
assert_jq "show --json ranges" 'd["affected_ranges"]' '[{"introduced":null,"fixed":"0.1.0"},{"introduced":"0.1.1-0","fixed":"0.9.1-0"}]'
assert_jq "show --json no verdict without version" '"affected" in d' 'false'
run "$BIN" show --db "$FIX" RUSTSEC-2099-9999
assert_rc "unknown id exits 1" 1
assert_err "unknown id message" "no advisory with id or alias \`RUSTSEC-2099-9999\`"
assert_eq "unknown id prints nothing" "$out" ""
run "$BIN" show --db "$FIX" RUSTSEC-0000-0000
assert_rc "draft id is not indexed" 1
run "$BIN" show --db "$FIX"
assert_rc "show without id exits 2" 2
run "$BIN" show --db "$FIX" A B
assert_rc "show with two ids exits 2" 2
assert_err "show usage message" "exactly one advisory ID"
run "$BIN" show --db "$TMP/no-such-db" RUSTSEC-2020-0001
assert_rc "show missing database exits 1" 1
assert_err "show missing database message" "cannot load advisory database"
run "$BIN" show --osv --db "$FIX" CVE-2021-1234
assert_rc "show --osv of the rust collection exits 1" 1
assert_err "show --osv rust message" "not exported to OSV"

# ---------------------------------------------------------------- lint (fixture)
run "$BIN" lint "$FIX"
assert_rc "lint fixture with problems exits 1" 1
assert_out "lint reports stray file" "$FIX/crates/README.txt: not a package directory, not loaded"
assert_out "lint reports a hidden file the loader leaves out" "$FIX/crates/bar-baz/.DS_Store: hidden file, not loaded"
assert_out "lint reports V4 front matter" "$FIX/crates/qux/RUSTSEC-2023-0004.md:2:1: invalid key \`id\` in toplevel"
assert_out "lint summary" "3 advisories contain errors!"
run "$BIN" lint "$FIX/"
assert_out "lint trailing slash gives clean paths" "$FIX/crates/README.txt:"
bash tests/data/make-db-broken.sh "$TMP/db-broken"
run "$BIN" lint "$TMP/db-broken"
assert_rc "lint broken db exits 1" 1
assert_out "lint reports a bad date" "RUSTSEC-2099-0011.md:5:8: invalid date"
assert_out "lint reports duplicate ids" "dup/RUSTSEC-2099-0010.md: duplicate advisory ID \`RUSTSEC-2099-0010\`: also in crates/aaa/RUSTSEC-2099-0010.md; both are loaded"
run "$BIN" lint --json "$FIX"
assert_rc "lint --json exit status as text" 1
assert_json "lint --json is JSON"
assert_jq "lint --json count matches list" 'd["problem_count"] == len(d["problems"]) > 0' 'true'
nfiles=$(find "$FIX"/crates "$FIX"/rust -mindepth 2 -maxdepth 2 -type f ! -name '.*' | wc -l)
assert_jq "lint --json files checked" 'd["files_checked"]' "$nfiles"
assert_jq "lint --json whole-file problem has null line" '[p["line"] for p in d["problems"] if p["file"].endswith("README.txt")]' '[null]'
assert_jq "lint --json positions" '[(p["line"], p["col"]) for p in d["problems"] if "`id`" in p["message"]]' '[[2,1]]'
run "$BIN" lint "$TMP/no-such-db"
assert_rc "lint missing directory exits 1" 1
assert_err "lint missing directory message" "not an advisory database"
mkdir -p "$TMP/empty/crates"
run "$BIN" lint "$TMP/empty"
assert_rc "lint empty database exits 1" 1
assert_err "lint empty database message" "no advisories found"
run "$BIN" lint "$FIX" "$FIX"
assert_rc "lint with two databases exits 2" 2

# ---------------------------------------------------------------- semver
# Spec 2.3 examples: REQ, VERSION, expected (0 satisfies, 1 does not).
while read -r req ver want; do
    run "$BIN" semver "$req" "$ver"
    assert_rc "semver '$req' $ver" "$want"
    if [ "$want" -eq 0 ]; then assert_eq "semver '$req' $ver prints it" "$out" "$ver"; fi
done <<'EOF'
<0.2.23 0.2.23-alpha 1
<0.2.23 0.2.22 0
* 1.0.0-alpha 1
* 1.0.0 0
>=1.0.0-alpha,<1.0.0 1.0.0-beta 0
^0.1 0.1.9 0
^0.1 0.2.0 1
>0 0.5.0 1
>0 1.0.0 0
>1.2 1.2.9 1
>1.2 1.3.0 0
<=1.2 1.2.9 0
=1.2 1.2.7 0
=1.2 1.3.0 1
~1.2.3 1.2.9 0
~1.2.3 1.3.0 1
^0.0.3 0.0.4 1
1.* 1.9.0 0
1.2.x 1.3.0 1
>=1.2.3,<1.3 1.2.4-beta 1
>=1.2.3,<1.3 1.3.0-alpha 1
>=1.2.3,<1.3 1.2.99 0
^1.2.3-beta 1.2.3-alpha 1
^1.2.3-beta 1.2.3-rc.1 0
^1.2.3-beta 1.2.4-rc.1 1
EOF
run "$BIN" semver '^1.2' 1.10.0 2.0.0 1.2.0 1.9.9 0.9.0 1.2.0
assert_rc "semver with matches exits 0" 0
assert_eq "semver prints matches lowest first" "$out" $'1.2.0\n1.2.0\n1.9.9\n1.10.0'
run "$BIN" semver '^ 2.2.1' 3.0.0 2.1.0
assert_rc "semver without match exits 1" 1
assert_eq "semver without match prints nothing" "$out" ""
run "$BIN" semver --json '^ 2.2.1' 2.3.0 3.0.0 2.2.1
assert_rc "semver --json exits 0" 0
assert_json "semver --json is JSON"
assert_jq "semver --json normalized" 'd["normalized"]' '"^2.2.1"'
assert_jq "semver --json requirement as given" 'd["requirement"]' '"^ 2.2.1"'
assert_jq "semver --json satisfying" 'd["satisfying"]' '["2.2.1","2.3.0"]'
assert_jq "semver --json verdicts in input order" '[v["satisfies"] for v in d["versions"]]' '[true,false,true]'
run "$BIN" semver --json '<1' 2.0.0
assert_rc "semver --json without match exits 1" 1
assert_jq "semver --json empty satisfying" 'd["satisfying"]' '[]'
run "$BIN" semver '>= 1.0-alpha' 1.0.0
assert_rc "bad requirement exits 2" 2
assert_err "bad requirement message" "invalid requirement \`>= 1.0-alpha\`"
for r in '' '==1.0' 'v1.0' '1.0,' '*, 1.0' $'\t1.0'; do
    run "$BIN" semver "$r" 1.0.0
    assert_rc "requirement [$r] is rejected" 2
done
run "$BIN" semver '^1' 1.2 1.2.3 v1.0.0
assert_rc "bad version exits 2" 2
assert_err "bad version 1.2 reported" "invalid version \`1.2\`"
assert_err "bad version v1.0.0 reported" "invalid version \`v1.0.0\`"
assert_eq "bad version prints no answer" "$out" ""
run "$BIN" semver '^1'
assert_rc "semver without versions exits 2" 2
run "$BIN" semver --stdin '^1'
assert_rc "semver --stdin with arguments exits 2" 2

# --stdin: every line answered in order, CRLF, a last line without newline.
printf '^1\t1.2.3\r\n^1\t2.0.0\nno tab here\n\n>=x\t1.0.0\n^1\t1.2\n*\t1.0.0-rc.1\r\n>=1.0.0-rc.1\t1.0.0-rc.2' \
    >"$TMP/in"
"$BIN" semver --stdin <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
rc=$?
last="semver --stdin <mixed input>"
assert_rc "semver --stdin exits 0" 0
assert_eq "semver --stdin answers" "$(cut -c1-30 "$TMP/out")" "true
false
error: expected REQ<TAB>VERSIO
error: expected REQ<TAB>VERSIO
error: invalid requirement: un
error: invalid version: unexpe
false
true"
"$BIN" semver --stdin --json <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
rc=$?
assert_rc "semver --stdin --json exits 0" 0
got=$(python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    assert o["line"] == n, (o, n)
    print(o.get("satisfies", "error" if "error" in o else "?"))' "$TMP/out" 2>&1 | tr '\n' ' ')
assert_eq "semver --stdin --json one object per line" "$got" \
    "True False error error error error False True "

# A few hundred generated lines with answers computed here from spec 2.3:
# ^0.M matches 0.m.p iff m == M (M > 0, or M == 0: minor equal); a
# prerelease never matches ^0.M; >=0.m.p-alpha matches 0.m.p-beta.
: >"$TMP/in"
: >"$TMP/want"
for i in $(seq 0 399); do
    M=$((i % 7)) m=$((i % 5))
    case $((i % 3)) in
        0) printf '^0.%d\t0.%d.%d\n' "$M" "$m" "$i" >>"$TMP/in"
           [ "$M" -eq "$m" ] && echo true >>"$TMP/want" || echo false >>"$TMP/want" ;;
        1) printf '^0.%d\t0.%d.%d-alpha\r\n' "$M" "$m" "$i" >>"$TMP/in"
           echo false >>"$TMP/want" ;;
        2) printf '>=0.%d.%d-alpha, <0.%d.%d\t0.%d.%d-beta\n' "$m" "$i" "$m" "$((i + 1))" "$m" "$i" >>"$TMP/in"
           echo true >>"$TMP/want" ;;
    esac
done
"$BIN" semver --stdin <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
rc=$?
last="semver --stdin <400 generated lines>"
assert_rc "semver --stdin generated exits 0" 0
if cmp -s "$TMP/out" "$TMP/want"; then ok; else
    bad "semver --stdin generated answers" "$(diff "$TMP/want" "$TMP/out" | head -5)"; fi
# The same answers through the argument form for a sample of lines.
for n in 1 2 3 50 51 52 398 399 400; do
    line=$(sed -n "${n}p" "$TMP/in" | tr -d '\r')
    want=$(sed -n "${n}p" "$TMP/want")
    run "$BIN" semver "${line%%$'\t'*}" "${line#*$'\t'}"
    if [ "$want" = true ]; then assert_rc "argument form agrees (line $n)" 0
    else assert_rc "argument form agrees (line $n)" 1; fi
done

# Long input: many lines, and one line past the limit between good ones.
python3 -c '
import sys
w = sys.stdout.write
for i in range(60000):
    w("^1.%d\t1.%d.%d\n" % (i % 9, i % 9, i))
w("^1\t1.0.0\n" + "^1" + " " * 200000 + "\t1.0.0\n" + "^1\t0.1.0\n")' >"$TMP/in"
"$BIN" semver --stdin <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
rc=$?
last="semver --stdin <60003 lines, one of 200 kB>"
assert_rc "semver --stdin long input exits 0" 0
assert_eq "semver --stdin long input: one answer per line" "$(wc -l <"$TMP/out")" 60003
assert_eq "semver --stdin long input: all true" "$(head -60001 "$TMP/out" | sort -u)" true
assert_eq "semver --stdin over-long line" "$(sed -n 60002p "$TMP/out")" "error: line longer than 65536 bytes"
assert_eq "semver --stdin continues after it" "$(sed -n 60003p "$TMP/out")" false

# Streaming: the answer to a line comes before standard input is closed.
coproc SEMVER { "$BIN" semver --stdin; }
# Bash unsets SEMVER_PID as soon as the coprocess ends: keep a copy.
semver_pid=$SEMVER_PID
printf '^1\t1.5.0\n' >&"${SEMVER[1]}"
answer=""
read -r -t 10 answer <&"${SEMVER[0]}" || answer="(no answer within 10 s)"
last="semver --stdin as a coprocess"
assert_eq "semver --stdin answers before EOF" "$answer" true
printf '^1\t2.5.0\n' >&"${SEMVER[1]}"
read -r -t 10 answer <&"${SEMVER[0]}" || answer="(no answer within 10 s)"
assert_eq "semver --stdin answers the second line" "$answer" false
exec {SEMVER[1]}>&-
wait "$semver_pid"
rc=$?
assert_rc "semver coprocess exits 0 at EOF" 0

# ---------------------------------------------------------------- real database
REAL=$(real_advisory_db "$B")
if [ -z "$REAL" ]; then
    if [ "${CI:-}" = true ]; then
        fail=$((fail + 1))
        echo "FAIL: real advisory database missing (set CRATESEC_TEST_DB or CRATESEC_TEST_DATA)"
    else
        skip=$((skip + 1))
        echo "SKIP: real-database checks: no CRATESEC_TEST_DB and no advisory-db.bundle in" \
             "${CRATESEC_TEST_DATA:-../shared/data}"
    fi
else
    run "$BIN" check --db "$REAL" time@0.2.22
    assert_rc "real: time@0.2.22 is vulnerable" 1
    assert_out "real: RUSTSEC-2020-0071 affects 0.2.22" "AFFECTED  RUSTSEC-2020-0071"
    run "$BIN" check --db "$REAL" time@0.2.23
    assert_out "real: RUSTSEC-2020-0071 does not affect 0.2.23" "ok        RUSTSEC-2020-0071"
    assert_no_out "real: nothing affects 0.2.23 as 2020-0071" "AFFECTED  RUSTSEC-2020-0071"
    run "$BIN" check --json --db "$REAL" time@0.2.22 time@0.2.23 time@0.2.0 time@0.1.45
    assert_json "real: check --json is JSON"
    assert_jq "real: verdicts for 2020-0071" \
        '[[a["affected"] for a in c["advisories"] if a["id"] == "RUSTSEC-2020-0071"] for c in d]' \
        '[[true],[false],[false],[true]]'
    # Functions follow Cargo matching: `^0.1` covers 0.1.45 only.
    assert_jq "real: affected functions at 0.2.22" \
        '"time::at" in d[0]["advisories"][0]["affected_functions"], "time::UtcOffset::local_offset_at" in d[0]["advisories"][0]["affected_functions"]' \
        '[false,true]'
    assert_jq "real: affected functions at 0.1.45" \
        '[sorted(set(a["affected_functions"]) & {"time::at", "time::now"}) for a in d[3]["advisories"] if a["id"] == "RUSTSEC-2020-0071"]' \
        '[["time::at","time::now"]]'
    # A notice is never denied, not even by --strict (spec 4.5).
    run "$BIN" check --strict --db "$REAL" inconceivable@1.0.0
    assert_rc "real: --strict ignores notices" 0
    assert_out "real: notice listed as affecting" "AFFECTED  RUSTSEC-2022-0058  Notice"
    run "$BIN" show --db "$REAL" CVE-2020-26235
    assert_rc "real: show alias exits 0" 0
    assert_out "real: CVE-2020-26235 resolves" "RUSTSEC-2020-0071: Potential segfault in the time crate"
    assert_out "real: show lists aliases" "Aliases:     CVE-2020-26235, GHSA-wcg3-cvx6-7396"
    run "$BIN" show --json --db "$REAL" GHSA-wcg3-cvx6-7396
    assert_jq "real: show --json by GHSA alias" 'd["id"], d["package"]' '["RUSTSEC-2020-0071","time"]'
    run "$BIN" show --db "$REAL" CVE-2021-29922
    assert_out "real: rust collection advisory" "Package:     std"
    run "$BIN" lint "$REAL"
    assert_rc "real: lint exits 0" 0
    assert_out "real: lint summary" "advisories checked, no problems found"
    assert_eq "real: lint prints no problem, only warnings and the summary" \
        "$(grep -vc ': warning: alias ' "$TMP/out")" 1
    assert_out "real: lint warns about an alias shared across crates" \
        "crates/socket2/RUSTSEC-2020-0079.md: warning: alias \`CVE-2020-35919\` is also claimed by RUSTSEC-2020-0078 (crate \`net2\`)"
    run "$BIN" lint --json "$REAL"
    assert_jq "real: lint --json clean" '[d["problem_count"], d["problems"], d["files_checked"] > 1000]' '[0,[],true]'
    # Every crate's advisories (withdrawn included) through the JSON writer.
    ls "$REAL/crates" | sed 's/$/@0.0.0/' >"$TMP/crates"
    run "$BIN" check --json --all --db "$REAL" $(cat "$TMP/crates")
    assert_json "real: check --json of every crate is JSON"
    assert_jq "real: every crate has an entry with advisories" \
        'len(d) == '"$(wc -l <"$TMP/crates")"' and all(c["advisories"] for c in d)' 'true'
fi

echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
