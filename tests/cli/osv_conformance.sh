#!/usr/bin/env bash
# tests/cli/osv_conformance.sh BUILD_DIR - cratesec's OSV export against an
# independent reference (tests/conformance/osv_reference.py, written from the
# spec alone), on the whole real advisory database, byte for byte.
#
#  The golden fixtures (tests/golden/osv and tests/golden/packages, from the
#  made-up tests/golden/db) are written by this same reference (make
#  fixtures), and test_osv compares the C export with them byte for byte.
#  Here `cratesec export-osv --packages DB OUT` and the reference write both
#  trees; the sets of file names must be equal and every file identical, the
#  per-crate arrays (OUT/packages/*.json) included.
#
# Data: $CRATESEC_TEST_DB (a checkout with history), else a clone of
# ${CRATESEC_TEST_DATA:-../shared/data}/advisory-db.bundle made once in
# BUILD_DIR/osv-db.  Missing data fails under CI=true and is skipped otherwise.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
case $B in /*) ;; *) B=$ROOT/$B ;; esac
CLI=$B/cratesec
REF=$ROOT/tests/conformance/osv_reference.py
WORK=$B/osv-conformance

fail() { echo "osv_conformance: FAIL: $*"; exit 1; }
[ -x "$CLI" ] || fail "$CLI not built"

rm -rf "$WORK" && mkdir -p "$WORK" || fail "cannot create $WORK"

# -- the real database ------------------------------------------------------
DB=${CRATESEC_TEST_DB:-}
if [ -z "$DB" ]; then
    DATA=${CRATESEC_TEST_DATA:-$ROOT/../shared/data}
    BUNDLE=$DATA/advisory-db.bundle
    if [ ! -f "$BUNDLE" ]; then
        [ "${CI:-}" = true ] && fail "test data missing: $BUNDLE (CI=true)"
        echo "osv_conformance: SKIP: no advisory database ($BUNDLE missing;" \
             "set CRATESEC_TEST_DATA or CRATESEC_TEST_DB)"
        exit 0
    fi
    DB=$B/osv-db
    want=$(git bundle list-heads "$BUNDLE" 2>/dev/null | awk '$2 == "HEAD" {print $1}')
    have=$(git -C "$DB" rev-parse -q --verify HEAD 2>/dev/null)
    if [ -z "$have" ] || { [ -n "$want" ] && [ "$want" != "$have" ]; }; then
        rm -rf "$DB"
        git clone -q "$BUNDLE" "$DB" || fail "cannot clone $BUNDLE"
    fi
fi
[ -d "$DB/crates" ] || fail "$DB has no crates/ directory"
git -C "$DB" rev-parse -q --verify HEAD >/dev/null 2>&1 ||
    fail "$DB is not a git checkout (spec 3.5 needs its history)"

t0=$(date +%s%N)
"$CLI" export-osv --quiet --packages "$DB" "$WORK/cratesec" || fail "cratesec export-osv failed"
t1=$(date +%s%N)
python3 "$REF" "$DB" "$WORK/reference" --packages || fail "the reference failed on $DB"
t2=$(date +%s%N)
echo "osv_conformance: export of $DB: cratesec $(( (t1 - t0) / 1000000 )) ms," \
     "reference $(( (t2 - t1) / 1000000 )) ms (both with git history)"

python3 - "$WORK/cratesec" "$WORK/reference" <<'EOF' || exit 1
import os, sys

ours, ref = sys.argv[1], sys.argv[2]
bad = 0
for sub, what in (("", "records"), ("packages", "per-crate arrays")):
    a_dir, b_dir = os.path.join(ours, sub), os.path.join(ref, sub)
    a = {f for f in os.listdir(a_dir) if f.endswith(".json")}
    b = {f for f in os.listdir(b_dir) if f.endswith(".json")}
    if a != b:
        bad += 1
        print(f"osv_conformance: FAIL: {what}: file names differ: only cratesec "
              f"{sorted(a - b)[:10]}, only reference {sorted(b - a)[:10]}")
    same = 0
    shown = 0
    for name in sorted(a & b):
        with open(os.path.join(a_dir, name), "rb") as f:
            x = f.read()
        with open(os.path.join(b_dir, name), "rb") as f:
            y = f.read()
        if x == y:
            same += 1
            continue
        bad += 1
        if shown < 5:
            shown += 1
            xl, yl = x.split(b"\n"), y.split(b"\n")
            i = next((k for k in range(min(len(xl), len(yl))) if xl[k] != yl[k]),
                     min(len(xl), len(yl)))
            print(f"osv_conformance: DIFF {sub + '/' if sub else ''}{name} line {i + 1}:\n"
                  f"  cratesec:  {xl[i][:150] if i < len(xl) else b'<eof>'}\n"
                  f"  reference: {yl[i][:150] if i < len(yl) else b'<eof>'}")
    print(f"osv_conformance: {what}: {same}/{len(b)} identical")
    if not b:
        bad += 1
        print(f"osv_conformance: FAIL: the reference wrote no {what}")
sys.exit(1 if bad else 0)
EOF
echo "osv_conformance: OK"
