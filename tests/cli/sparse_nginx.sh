#!/usr/bin/env bash
# tests/cli/sparse_nginx.sh BUILD_DIR - the sparse registry index against a
# real nginx serving the 2020 crates.io snapshot: dependency closure, one
# fetch per crate, failures shown as "unavailable", a slow upstream, and
# 10,000 distinct crates within a memory cap (tests/cli/sparse_nginx.py).
# Needs nginx and ${CRATESEC_TEST_DATA:-../shared/data}: skipped without
# them, failed when CI=true.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
[ -x "$BIN" ] || { echo "sparse_nginx.sh: $BIN not built" >&2; exit 1; }
DATA=${CRATESEC_TEST_DATA:-../shared/data}
skip() {
    if [ "${CI:-}" = true ]; then echo "sparse_nginx.sh: FAIL: $1 (CI=true)"; exit 1; fi
    echo "sparse_nginx.sh: SKIP: $1"; exit 0
}
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null) || true
[ -n "$NGINX" ] || skip "nginx not installed"
[ -f "$DATA/crates-index-2020-07.tar.zst" ] || skip "crates-index-2020-07.tar.zst missing"
[ -f "$DATA/advisory-db.bundle" ] || skip "advisory-db.bundle missing"
# The snapshot unpacked once per source tree (as the unit tests do).
IDX=build/crates-index-2020-07
if [ ! -f "$IDX/config.json" ]; then
    t="$IDX.tmp.$$"
    rm -rf "$t" && mkdir -p "$t" && tar --zstd -xf "$DATA/crates-index-2020-07.tar.zst" -C "$t" &&
        { mv -T "$t" "$IDX" 2>/dev/null || rm -rf "$t"; }
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
git clone -q "$DATA/advisory-db.bundle" "$TMP/db"
python3 tests/cli/sparse_nginx.py "$BIN" "$NGINX" "$IDX" "$TMP/db" "$TMP"
