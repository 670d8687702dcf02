#!/usr/bin/env bash
# tests/cli/man.sh BUILD_DIR - the manual pages in BUILD_DIR/man (made by
# `make man`, scripts/genman.py) against `cratesec --help`: every command has
# a page, every page renders without groff warnings and names every option of
# the command's --help, and the pages are what the generator makes from the
# binary as built.  Also feeds the generator a stand-in binary: a new command
# gets a page, a removed one loses it, a help text it cannot read fails it.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "man.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
MAN="$B/man"
[ -x "$BIN" ] || { echo "man.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "      $2"; return 0; }
check() { # NAME COMMAND...: passes when COMMAND succeeds
    local name=$1; shift
    if "$@"; then ok; else bad "$name"; fi
}

if ! command -v groff >/dev/null; then
    if [ "${CI:-}" = true ]; then echo "FAIL: groff missing (scripts/deps.sh installs groff-base)"; exit 1; fi
    echo "man: skipped: groff is not installed (scripts/deps.sh installs groff-base)"
    exit 0
fi

# --------------------------------------------------- every command, its page
"$BIN" --help >"$TMP/top" 2>&1 || bad "cratesec --help exits 0"
sed -n '/^Commands:$/,/^$/p' "$TMP/top" | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' >"$TMP/commands"
ncmd=$(wc -l <"$TMP/commands")
[ "$ncmd" -ge 9 ] && ok || bad "cratesec --help lists the commands" "found $ncmd: $(tr '\n' ' ' <"$TMP/commands")"

# render PAGE OUT: the text of a page (no overstriking; groff's man macros
# print \- as an ASCII minus for UTF-8), groff's warnings (all of them: -ww)
# in OUT.err.
render() {
    groff -man -Tutf8 -ww -P-cbou -rLL=100n "$1" >"$2" 2>"$2.err"
}

# The options of one --help: "--long" words, and "-x" for short ones.
help_options() {
    sed -n '/^Options:$/,/^$/p' "$1" | grep -oE '^  (-[a-zA-Z], |    )--[a-z0-9][a-z0-9-]*' |
        sed 's/^ *//' | tr ',' '\n' | sed 's/^ *//'
}

for cmd in $(cat "$TMP/commands"); do
    help="$TMP/$cmd.help"
    "$BIN" "$cmd" --help >"$help" 2>"$help.err"
    rc=$?
    [ "$rc" -eq 0 ] && ok || bad "$cmd --help exits 0" "exit status $rc: $(head -c 300 "$help.err")"
    head -1 "$help" | grep -q "^usage: cratesec $cmd " && ok || bad "$cmd --help starts with its usage line"
    grep -q "^Exit status" "$help" && ok || bad "$cmd --help has a paragraph starting with 'Exit status'"

    page="$MAN/cratesec-$cmd.1"
    if [ ! -f "$page" ]; then bad "cratesec-$cmd.1 exists in $MAN"; continue; fi
    ok
    render "$page" "$TMP/$cmd.txt"
    [ -s "$TMP/$cmd.txt" ] && [ ! -s "$TMP/$cmd.txt.err" ] && ok ||
        bad "cratesec-$cmd.1 renders without warnings" "$(head -c 400 "$TMP/$cmd.txt.err")"
    groff -man -Tascii -ww -z "$page" 2>"$TMP/$cmd.ascii.err"
    [ ! -s "$TMP/$cmd.ascii.err" ] && ok ||
        bad "cratesec-$cmd.1 renders for ASCII without warnings" "$(head -c 400 "$TMP/$cmd.ascii.err")"
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" "SEE ALSO"; do
        grep -qx "$section" "$TMP/$cmd.txt" && ok || bad "cratesec-$cmd.1 has the section $section"
    done
    grep -q "^ *cratesec-$cmd - " "$TMP/$cmd.txt" && ok || bad "cratesec-$cmd.1 NAME line"
    grep -q "^ *cratesec $cmd" "$TMP/$cmd.txt" && ok || bad "cratesec-$cmd.1 SYNOPSIS names the command"
    # Every option of --help, in the OPTIONS section as a tag line.
    sed -n '/^OPTIONS$/,/^EXIT STATUS$/p' "$TMP/$cmd.txt" >"$TMP/$cmd.opts"
    nopt=0
    for opt in $(help_options "$help"); do
        nopt=$((nopt + 1))
        grep -qE -- "^ +(-[a-zA-Z], )?$opt( |,|\$)|^ +$opt," "$TMP/$cmd.opts" && ok ||
            bad "cratesec-$cmd.1 documents $opt" "$(head -c 300 "$TMP/$cmd.opts")"
    done
    [ "$nopt" -ge 2 ] && ok || bad "$cmd --help lists options (found $nopt)"
    # The page documents no option that --help does not have.
    grep -oE -- '^ {4,8}(-[a-zA-Z], )?--[a-z0-9-]+' "$TMP/$cmd.opts" | grep -oE -- '--[a-z0-9-]+' |
        while read -r opt; do grep -qx -- "$opt" <(help_options "$help") || echo "$opt"; done >"$TMP/$cmd.extra"
    [ ! -s "$TMP/$cmd.extra" ] && ok || bad "cratesec-$cmd.1 documents only options of --help" "extra: $(cat "$TMP/$cmd.extra")"
    # Environment variables the help mentions are described.
    for var in CRATESEC_DB CRATESEC_INDEX NO_COLOR XDG_CACHE_HOME; do
        grep -q "$var" "$help" || continue
        sed -n '/^ENVIRONMENT$/,/^[A-Z][A-Z ]*$/p' "$TMP/$cmd.txt" | grep -q "^ *$var\$" && ok ||
            bad "cratesec-$cmd.1 describes \$$var under ENVIRONMENT"
    done
done

# The help texts that mention them do name these variables; the ENVIRONMENT
# checks above would pass vacuously otherwise.
grep -l CRATESEC_DB "$TMP"/*.help >/dev/null && ok || bad "some --help mentions CRATESEC_DB"
grep -q NO_COLOR "$TMP/audit.help" && ok || bad "audit --help mentions NO_COLOR"

# --------------------------------------------------- the overview page
if [ -f "$MAN/cratesec.1" ]; then
    ok
    render "$MAN/cratesec.1" "$TMP/overview.txt"
    [ ! -s "$TMP/overview.txt.err" ] && ok || bad "cratesec.1 renders without warnings" "$(head -c 400 "$TMP/overview.txt.err")"
    for cmd in $(cat "$TMP/commands"); do
        grep -q "^ *cratesec $cmd (cratesec-$cmd(1))" "$TMP/overview.txt" && ok || bad "cratesec.1 lists $cmd"
        grep -q "cratesec-$cmd(1)" <(sed -n '/^SEE ALSO$/,$p' "$TMP/overview.txt") && ok ||
            bad "cratesec.1 SEE ALSO names cratesec-$cmd(1)"
    done
    for code in 0 1 2; do
        sed -n '/^EXIT STATUS$/,/^[A-Z][A-Z ]*$/p' "$TMP/overview.txt" | grep -q "^ *$code  " && ok ||
            bad "cratesec.1 EXIT STATUS explains $code"
    done
    grep -q "$("$BIN" --version)" "$TMP/overview.txt" && ok || bad "cratesec.1 names the version"
    grep -q '@[A-Z_]*@' "$MAN/cratesec.1" && bad "cratesec.1 has an unfilled placeholder" || ok
else
    bad "cratesec.1 exists in $MAN"
fi
# No page of a command that does not exist.
for page in "$MAN"/cratesec-*.1; do
    cmd=$(basename "$page" .1); cmd=${cmd#cratesec-}
    grep -qx "$cmd" "$TMP/commands" && ok || bad "$page belongs to no command"
done
if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$MAN/cratesec-check.1" 2>"$TMP/man.err" | grep -q "cratesec-check" && ok ||
        bad "man -l shows cratesec-check.1" "$(head -c 300 "$TMP/man.err")"
fi

# --------------------------------------------------- the pages are current
python3 scripts/genman.py "$BIN" man/cratesec.1.in "$TMP/regen" >"$TMP/regen.log" 2>&1 && ok ||
    bad "genman.py runs" "$(cat "$TMP/regen.log")"
diff -r "$MAN" "$TMP/regen" >"$TMP/regen.diff" && ok ||
    bad "the pages in $MAN are what genman.py makes of this binary (run make man)" "$(head -c 600 "$TMP/regen.diff")"

# --------------------------------------------------- the generator, stand-in binary
# A binary with one command more (and one less) than the real one: its help
# is the real `check` help under another name.
fake="$TMP/fake-cratesec"
cat >"$fake" <<SH
#!/usr/bin/env bash
real="$BIN"
case "\$1" in
    --help) "\$real" --help | sed 's/^  lint    /  newcmd  /' ;;
    newcmd) "\$real" check "\${@:2}" | sed '1s/cratesec check/cratesec newcmd/' ;;
    *) "\$real" "\$@" ;;
esac
SH
chmod +x "$fake"
cp -r "$MAN" "$TMP/fakeman"
python3 scripts/genman.py "$fake" man/cratesec.1.in "$TMP/fakeman" >"$TMP/fake.log" 2>&1 && ok ||
    bad "genman.py with a new command" "$(cat "$TMP/fake.log")"
[ -f "$TMP/fakeman/cratesec-newcmd.1" ] && ok || bad "a new command gets its page"
[ ! -e "$TMP/fakeman/cratesec-lint.1" ] && ok || bad "the page of a removed command is removed"
grep -q 'cratesec\\-newcmd' "$TMP/fakeman/cratesec.1" && ok || bad "the overview lists the new command"

# A help text out of the layout of cli/opt.c fails the generator, naming the command.
cat >"$fake" <<SH
#!/usr/bin/env bash
case "\$1" in
    --help) "$BIN" --help ;;
    check) "$BIN" check --help | sed 's/^Options:\$/Flags:/' ;;
    *) "$BIN" "\$@" ;;
esac
SH
python3 scripts/genman.py "$fake" man/cratesec.1.in "$TMP/badman" >"$TMP/bad.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "check --help: no \`Options:\` section" "$TMP/bad.log" && ok ||
    bad "genman.py fails on a help without Options:" "exit $rc: $(cat "$TMP/bad.log")"
[ ! -e "$TMP/badman/cratesec.1" ] && ok || bad "a failed run writes no pages"

echo "man: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
