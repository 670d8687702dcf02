#!/usr/bin/env bash
# tests/cli/sync.sh BUILD_DIR - `cratesec sync`: clone, fetch after the remote
# advanced, up to date, repair of a damaged checkout, failures that leave the
# checkout as it was, plain progress lines off a terminal and the bar on one
# (under script(1)), usage errors and exit codes.
#
# The remote is made from ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle
# with the git CLI: `full` has the whole history, `remote` only what main at
# HEAD~50 reaches; advancing it fetches main from `full`.  Without the bundle
# the suite fails with CI=true and is skipped otherwise.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "sync.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
if [ ! -x "$BIN" ]; then
    echo "sync.sh: $BIN not built" >&2
    exit 1
fi
DATA=${CRATESEC_TEST_DATA:-../shared/data}
if [ ! -f "$DATA/advisory-db.bundle" ]; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: sync.sh: $DATA/advisory-db.bundle missing (CI=true)"
        exit 1
    fi
    echo "SKIP: sync.sh: $DATA/advisory-db.bundle missing (set CRATESEC_TEST_DATA)"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset CRATESEC_DB

# run, ok, bad, assert_*: the suites' shared assertions.
source tests/cli/lib/assert.sh
head_of() { git -C "$1" rev-parse HEAD 2>/dev/null; }
clean_status() { git -C "$1" status --porcelain 2>&1; }

# ---- the remote --------------------------------------------------------
BUNDLE=$(realpath "$DATA/advisory-db.bundle")
(
    set -e
    cd "$TMP"
    git clone -q --bare "$BUNDLE" full
    git -C full branch old HEAD~50
    git clone -q --bare --no-local -b old --single-branch full remote
    git -C remote branch -m old main
    git -C remote symbolic-ref HEAD refs/heads/main
) || { echo "FAIL: sync.sh: cannot make the test remote"; exit 1; }
R="$TMP/remote"
OLD=$(git -C "$R" rev-parse main)
TIP=$(git -C "$TMP/full" rev-parse main)
DB="$TMP/db"

# ---- clone -------------------------------------------------------------
run "$BIN" sync --db "$DB" --url "$R"
assert_rc "clone exits 0" 0
assert_out "clone reports URL and commit" "cloned $R at $OLD"
assert_eq "clone checks out the remote's main" "$(head_of "$DB")" "$OLD"
assert_eq "clone leaves a clean checkout" "$(clean_status "$DB")" ""
assert_err "plain progress: connecting line" "sync: connecting"
assert_err "plain progress: checkout line" "sync: checkout"
if grep -q $'\r' "$TMP/err"; then bad "no carriage returns off a terminal"; else ok; fi
assert_eq "origin is the remote" "$(git -C "$DB" remote get-url origin)" "$R"
if ls "$TMP" | grep -q 'db\.sync-'; then bad "no temporary clone directory left"; else ok; fi

# A second checkout at the old commit, for the terminal test below.
run "$BIN" sync --db "$TMP/db-tty" --url "$R" --quiet
assert_rc "second clone exits 0" 0
assert_eq "--quiet: no progress" "$err" ""

# Into an existing empty directory (relative URL, made absolute for origin).
mkdir "$TMP/db-empty"
run bash -c "cd '$TMP' && '$BIN' sync --db db-empty --url remote -q"
assert_rc "clone into empty directory exits 0" 0
assert_out "clone into empty directory" "cloned remote at $OLD"
assert_eq "relative URL stored absolute" "$(git -C "$TMP/db-empty" remote get-url origin)" "$R"

# Missing parent directories are created, as git clone does.
run "$BIN" sync --db "$TMP/deep/er/db" --url "$R" -q
assert_rc "clone with missing parents exits 0" 0
assert_eq "clone with missing parents" "$(head_of "$TMP/deep/er/db")" "$OLD"

# ---- fetch after the remote advanced -----------------------------------
git -C "$R" fetch -q ../full main:main
assert_eq "remote advanced" "$(git -C "$R" rev-parse main)" "$TIP"
run "$BIN" sync --db "$DB"
assert_rc "update exits 0" 0
assert_out "update reports old and new" "updated $OLD -> $TIP"
assert_eq "update moves HEAD" "$(head_of "$DB")" "$TIP"
assert_eq "update moves origin/main" "$(git -C "$DB" rev-parse origin/main)" "$TIP"
assert_eq "update leaves a clean checkout" "$(clean_status "$DB")" ""
assert_err "plain progress: receiving line with objects" "sync: receiving"
assert_err "plain progress: MiB/s" "MiB/s"
lines=$(grep -c '^sync: receiving' "$TMP/err")
if [ "$lines" -le 3 ]; then ok; else bad "plain lines rate-limited" "$lines receiving lines"; fi
# The files equal the commit's, exactly as git sees them.
n=$(git -C "$DB" ls-files crates rust | wc -l)
if [ "$n" -gt 500 ]; then ok; else bad "checkout has the advisories" "$n files"; fi

run "$BIN" sync --db "$DB"
assert_rc "up to date exits 0" 0
assert_out "up to date" "already up to date at $TIP"
assert_eq "up to date keeps HEAD" "$(head_of "$DB")" "$TIP"

# $CRATESEC_DB is the default directory.
run env CRATESEC_DB="$DB" "$BIN" sync -q
assert_rc "CRATESEC_DB exits 0" 0
assert_out "CRATESEC_DB names the checkout" "already up to date at $TIP"

# ---- repair of a damaged checkout --------------------------------------
victim=$(cd "$DB" && git ls-files 'crates/*.md' | head -1)
: >"$DB/$victim"
mkdir -p "$DB/crates/zzz-local"
echo junk >"$DB/crates/zzz-local/RUSTSEC-2099-0001.md"
echo mine >"$DB/NOTES.txt"
run "$BIN" sync --db "$DB"
assert_rc "repair exits 0" 0
assert_eq "truncated advisory restored" "$(git -C "$DB" diff --stat -- crates)" ""
if [ -e "$DB/crates/zzz-local/RUSTSEC-2099-0001.md" ]; then bad "stray advisory removed"; else ok; fi
assert_eq "files outside crates/ and rust/ kept" "$(cat "$DB/NOTES.txt" 2>/dev/null)" "mine"
rm -f "$DB/NOTES.txt"

# ---- failures leave the checkout as it was -----------------------------
echo edited >>"$DB/$victim"
run "$BIN" sync --db "$DB" --url "$TMP/no-such-remote"
assert_rc "missing remote exits 1" 1
assert_err "missing remote: cannot fetch" "cannot fetch $TMP/no-such-remote"
assert_err "missing remote: names the directory" "$DB:"
assert_err "missing remote: checkout kept" "was left as it was"
assert_eq "missing remote keeps HEAD" "$(head_of "$DB")" "$TIP"
if tail -1 "$DB/$victim" | grep -qx edited; then ok; else bad "missing remote keeps the files"; fi

run "$BIN" sync --db "$DB" --url http://127.0.0.1:1/x.git
assert_rc "unreachable URL exits 1" 1
assert_err "unreachable URL: cannot fetch" "cannot fetch http://127.0.0.1:1/x.git"
assert_eq "unreachable URL keeps HEAD" "$(head_of "$DB")" "$TIP"
if tail -1 "$DB/$victim" | grep -qx edited; then ok; else bad "unreachable URL keeps the files"; fi
git -C "$DB" checkout -q -- "$victim"

run "$BIN" sync --db "$TMP/new" --url http://127.0.0.1:1/x.git
assert_rc "failed clone exits 1" 1
assert_err "failed clone: cannot clone" "cannot clone http://127.0.0.1:1/x.git"
if [ -e "$TMP/new" ] || ls "$TMP" | grep -q 'new\.sync-'; then bad "failed clone leaves nothing"; else ok; fi

mkdir "$TMP/plain" && echo hi >"$TMP/plain/README"
run "$BIN" sync --db "$TMP/plain"
assert_rc "not a git repository exits 1" 1
assert_err "not a git repository: message" "$TMP/plain: not a git repository"
assert_eq "not a git repository: files kept" "$(ls "$TMP/plain")" "README"

run "$BIN" sync --db "$TMP/plain/README"
assert_rc "a file as DIR exits 1" 1
assert_err "a file as DIR: message" "not a directory"

# ---- usage -------------------------------------------------------------
run "$BIN" sync "$DB"
assert_rc "positional argument is a usage error" 2
assert_err "positional argument: hint" "--db DIR"
run "$BIN" sync --db
assert_rc "--db without value is a usage error" 2
run "$BIN" sync --frobnicate
assert_rc "unknown option is a usage error" 2
run "$BIN" sync --help
assert_rc "--help exits 0" 0
assert_out "--help documents exit status" "Exit status 0"
assert_out "--help names the upstream URL" "https://github.com/rustsec/advisory-db.git"
run "$BIN" --help
assert_out "top-level help lists sync" "sync "

# ---- the progress bar on a terminal ------------------------------------
if command -v script >/dev/null 2>&1; then
    TTY_DB="$TMP/db-tty"
    run script -qec "'$BIN' sync --db '$TTY_DB'" /dev/null
    assert_rc "terminal: exits 0" 0
    assert_out "terminal: result line" "updated $OLD -> $TIP"
    if grep -q $'\r[a-z]' "$TMP/out"; then ok; else bad "terminal: bar redrawn with carriage return" "$(cat -A "$TMP/out" | head -c 400)"; fi
    assert_out "terminal: bar shows objects" "objects,"
    assert_out "terminal: bar shows MiB/s" "MiB/s"
    assert_out "terminal: bar shows percent" "%"
    if grep -q '^sync: ' "$TMP/out"; then bad "terminal: no plain lines"; else ok; fi
    assert_eq "terminal: HEAD moved" "$(head_of "$TTY_DB")" "$TIP"
else
    skip=$((skip + 1))
    echo "SKIP: terminal progress bar: script(1) not installed (package bsdutils)"
fi

echo "sync: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
