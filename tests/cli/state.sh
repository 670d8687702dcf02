#!/usr/bin/env bash
# tests/cli/state.sh BUILD_DIR - the state layer (state/) on both databases:
# BUILD_DIR/state-tests (tests/state/state_tests.c) against an empty SQLite
# directory, then against a PostgreSQL server started here (Debian's
# postgresql, tests/cli/lib/postgres.sh): schema migrations, evaluation,
# claims from two connections at once, leases, export/import.  Also
# `cratesec watch export | import` moving a state from SQLite to PostgreSQL
# and back, byte for byte.  Without PostgreSQL installed the second half is
# skipped (a failure when CI=true).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
source tests/cli/lib/assert.sh
source tests/cli/lib/postgres.sh
trap 'pg_stop; rm -rf "$TMP"' EXIT
[ -x "$B/state-tests" ] || { echo "state.sh: $B/state-tests not built"; exit 1; }

# Two advisory databases: the fixture, and the fixture with one advisory
# more (widget) and RUSTSEC-2020-0001 withdrawn.
mkdir -p "$TMP/before" "$TMP/after"
cp -r tests/data/db/crates "$TMP/before/"
cp -r tests/data/db/crates "$TMP/after/"
mkdir -p "$TMP/after/crates/widget"
cat > "$TMP/after/crates/widget/RUSTSEC-2099-0010.md" <<'EOF'
```toml
[advisory]
id = "RUSTSEC-2099-0010"
package = "widget"
date = "2099-01-10"
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[versions]
patched = [">= 2.0.0"]
```

# Invented: widget overflows
Test data.
EOF
sed -i 's/^date = "2020-03-04"$/date = "2020-03-04"\nwithdrawn = "2099-02-01"/' \
    "$TMP/after/crates/foo/RUSTSEC-2020-0001.md"
grep -q withdrawn "$TMP/after/crates/foo/RUSTSEC-2020-0001.md" || { echo "state.sh: fixture edit failed"; exit 1; }

run "$B/state-tests" "$TMP/sqlite" "$TMP/before" "$TMP/after"
echo "$out"; [ -n "$err" ] && echo "$err"
assert_rc "state-tests on SQLite" 0
run python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0])' "$TMP/sqlite/state.db"
assert_eq "SQLite runs in WAL mode" "$out" "wal"

LOCKFILE=/dev/null
pg_ok=0
if pg_start > "$TMP/pg.out" 2>&1; then
    pg_ok=1
    run "$B/state-tests" "$PG_URL" "$TMP/before" "$TMP/after"
    echo "$out"; [ -n "$err" ] && echo "$err"
    assert_rc "state-tests on PostgreSQL" 0
    # The same schema on both: the migrations table and every table's columns.
    cols_pg=$(pg_psql "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1")
    cols_lite=$(python3 - "$TMP/sqlite/state.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = []
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
    for row in db.execute("PRAGMA table_info(%s)" % t):
        out.append("%s.%s" % (t, row[1]))
print("\n".join(sorted(out)))
PY
)
    assert_eq "SQLite and PostgreSQL have the same tables and columns" "$cols_lite" "$cols_pg"
    # SQLite -> PostgreSQL -> SQLite with `cratesec watch`, byte for byte.
    pg_psql "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
    run "$B/cratesec" watch export --state "$TMP/sqlite" "$TMP/export1.json"
    assert_rc "watch export (SQLite)" 0
    run "$B/cratesec" watch import --state "$PG_URL" "$TMP/export1.json"
    assert_rc "watch import (PostgreSQL)" 0
    assert_out "import says how many watches" "imported 5 watches"
    run "$B/cratesec" watch export --state "$PG_URL" "$TMP/export2.json"
    assert_rc "watch export (PostgreSQL)" 0
    run cmp "$TMP/export1.json" "$TMP/export2.json"
    assert_rc "the export from PostgreSQL equals the one from SQLite" 0
    run "$B/cratesec" watch import --state "$TMP/sqlite2" "$TMP/export2.json"
    run "$B/cratesec" watch export --state "$TMP/sqlite2" -
    printf '%s\n' "$out" > "$TMP/export3.json"
    run cmp "$TMP/export1.json" "$TMP/export3.json"
    assert_rc "and back into SQLite, unchanged" 0
    run "$B/cratesec" watch status --json --state "$PG_URL"
    assert_rc "watch status" 0
    assert_out "status counts the watches" '"watches":5'
else
    cat "$TMP/pg.out"
    if [ "${CI:-}" = true ]; then bad "PostgreSQL could not be started (CI=true)"; else
        echo "state.sh: SKIP the PostgreSQL half: $(tail -1 "$TMP/pg.out")"; skip=$((skip + 1)); fi
fi

# Command-line errors.
run "$B/cratesec" watch status
assert_rc "watch without --state is a usage error" 2
run "$B/cratesec" watch frobnicate --state "$TMP/sqlite"
assert_rc "an unknown verb is a usage error" 2
printf '{"format":"cratesec-state","tables":{"nope":{}}}' > "$TMP/bad.json"
run "$B/cratesec" watch import --state "$TMP/sqlite" "$TMP/bad.json"
assert_rc "a bad export is refused" 2
assert_err "with where and why" "line 1, column"
run "$B/cratesec" watch import --state "$TMP/sqlite" "$TMP/missing.json"
assert_rc "a missing file is refused" 2

echo "state: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
