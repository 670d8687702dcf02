#!/usr/bin/env bash
# tests/cli/symbols.sh BUILD_DIR - the library's surface is its header: the
# functions libcratesec.so exports, and the global symbols of the installed
# archive libcratesec.a, are exactly the functions include/cratesec.h declares
# (found by preprocessing the header, not by its CSEC_API marks, so a
# declaration that lost its mark is caught as well as an internal csec__*
# function that leaked).  The program and tests link libcratesec-internal.a.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
for f in "$B/libcratesec.so" "$B/libcratesec.a" "$B/libcratesec-internal.a"; do
    [ -e "$f" ] || { echo "symbols.sh: $f not built" >&2; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
source tests/cli/lib/assert.sh

# Every name declared as a function at file scope: `csec_xxx(` in the
# preprocessed header (macros and comments gone; function pointer types are
# written `(*csec_xxx)(` and do not match).
${CC:-cc} -E -P -Iinclude -x c include/cratesec.h |
    grep -o '\bcsec_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:]]*($//' | sort -u >"$TMP/header"
n=$(wc -l <"$TMP/header")
[ "$n" -ge 50 ] && ok || bad "the header declares the library's functions" "found $n"

# Defined dynamic symbols of the shared library, leaving out the sanitizers'
# and the toolchain's own (`_init`, `__asan_*`...): they start with `_`.
nm -D --defined-only "$B/libcratesec.so" | awk 'NF == 3 && $3 !~ /^_/ { print $3 }' |
    sed 's/@.*//' | sort -u >"$TMP/so"
if cmp -s "$TMP/header" "$TMP/so"; then
    ok
else
    bad "libcratesec.so exports exactly the header's functions" \
        "$(diff "$TMP/header" "$TMP/so" | sed -n 's/^</declared, not exported:/p; s/^>/exported, not declared:/p' | head -20 | tr '\n' ' ')"
fi
nm -g --defined-only "$B/libcratesec.a" 2>/dev/null | awk 'NF == 3 && $3 !~ /^_/ { print $3 }' |
    sort -u >"$TMP/a"
if cmp -s "$TMP/header" "$TMP/a"; then
    ok
else
    bad "libcratesec.a defines exactly the header's functions as global symbols" \
        "$(diff "$TMP/header" "$TMP/a" | sed -n 's/^</declared, not defined:/p; s/^>/global, not declared:/p' | head -20 | tr '\n' ' ')"
fi
# The comparison can fail: the internal archive has the csec__* functions.
nm -g --defined-only "$B/libcratesec-internal.a" 2>/dev/null | grep -q ' csec__' && ok ||
    bad "libcratesec-internal.a has the internal functions"
echo "symbols.sh: $(wc -l <"$TMP/so") exported functions; $pass passed, $fail failed"
[ "$fail" -eq 0 ]
