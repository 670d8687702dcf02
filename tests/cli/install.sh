#!/usr/bin/env bash
# tests/cli/install.sh BUILD_DIR - `make install PREFIX=...` installs a library
# that a program finds through pkg-config, links (shared and static) and runs.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
case $B in
    *sanitize*) echo "install: skipped in the sanitizer build (the installed library is the plain one)"; exit 0 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
make -s B="$B" install PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1 || {
    echo "FAIL: make install"; cat "$tmp/install.log"; exit 1; }
for f in include/cratesec.h lib/libcratesec.so lib/libcratesec.so.0 lib/libcratesec.a \
         lib/pkgconfig/cratesec.pc bin/cratesec; do
    [ -e "$tmp/prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
# The manual: the overview and one page per command of `cratesec --help`.
pages=$("$B/cratesec" --help | sed -n '/^Commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/cratesec-\1/p')
[ -n "$pages" ] || { echo "FAIL: no commands in cratesec --help"; fail=1; }
for page in cratesec $pages; do
    f=share/man/man1/$page.1
    if ! cmp -s "$tmp/prefix/$f" "$B/man/$page.1"; then echo "FAIL: $f not installed"; fail=1; fi
done
if command -v man >/dev/null; then
    MANWIDTH=80 man -M "$tmp/prefix/share/man" cratesec-check 2>/dev/null | grep -q "cratesec-check" &&
        echo "ok: man -M PREFIX/share/man cratesec-check" ||
        { echo "FAIL: man does not find cratesec-check under PREFIX/share/man"; fail=1; }
fi
cat > "$tmp/use.c" <<'C'
#include <cratesec.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    csec_version v;
    csec_req *r = NULL;
    csec_diag d;
    if (csec_version_parse(&v, "1.2.3", 5, &d) < 0 || csec_req_parse(&r, "^1.2", 4, &d) < 0)
        return 3;
    int m = csec_req_matches(r, &v);
    csec_req_free(r);
    printf("%s %d\n", csec_version_string(), m);
    return 0;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
if ! cc -o "$tmp/use" "$tmp/use.c" $(pkg-config --cflags --libs cratesec) 2>"$tmp/cc.log"; then
    echo "FAIL: building against the installed shared library"; cat "$tmp/cc.log"; fail=1
else
    out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/use")
    case $out in
        *" 1") echo "ok: shared: $out" ;;
        *) echo "FAIL: shared program printed '$out'"; fail=1 ;;
    esac
    ldd "$tmp/use" | grep -q "$tmp/prefix/lib/libcratesec.so.0" ||
        LD_LIBRARY_PATH="$tmp/prefix/lib" ldd "$tmp/use" | grep -q "$tmp/prefix/lib/libcratesec.so.0" ||
        { echo "FAIL: program not linked to the installed libcratesec.so.0"; fail=1; }
fi
# The header's own example (section 1 of cratesec.h), as written there,
# against the installed shared library and a database where it finds
# something: it must compile without warnings, print the advisory and stop
# with status 1 where the database is missing.
{
    echo '#include <cratesec.h>'
    echo '#include <stdio.h>'
    echo 'int main(void)'
    echo '{'
    sed -n '/^ \* 1\. One-shot use/,/^ \* =====/p' include/cratesec.h | sed '1d;$d' | sed 's/^ \*//'
    echo '    return 0;'
    echo '}'
} >"$tmp/example.c"
mkdir -p "$tmp/example/advisory-db/crates/time"
cat >"$tmp/example/advisory-db/crates/time/RUSTSEC-2099-0100.md" <<'MD'
```toml
[advisory]
id = "RUSTSEC-2099-0100"
package = "time"
date = "2099-01-01"

[versions]
patched = [">= 0.2.0"]
```

# Invented advisory for the header's example
MD
if ! cc -std=c99 -Wall -Wextra -Werror -o "$tmp/example/run" "$tmp/example.c" \
        $(pkg-config --cflags --libs cratesec) 2>"$tmp/cc4.log"; then
    echo "FAIL: the header's example does not compile"; cat "$tmp/cc4.log" "$tmp/example.c"; fail=1
else
    out=$(cd "$tmp/example" && LD_LIBRARY_PATH="$tmp/prefix/lib" ./run)
    [ "$out" = "RUSTSEC-2099-0100" ] && echo "ok: the header's example finds the advisory" ||
        { echo "FAIL: the header's example printed '$out'"; fail=1; }
    (cd "$tmp" && LD_LIBRARY_PATH="$tmp/prefix/lib" ./example/run >/dev/null 2>"$tmp/ex.err")
    rc=$?
    [ "$rc" -eq 1 ] && grep -q 'advisory-db' "$tmp/ex.err" &&
        echo "ok: the header's example stops when the database cannot be opened" ||
        { echo "FAIL: the example without a database: status $rc, $(cat "$tmp/ex.err")"; fail=1; }
fi
# The static archive with shared dependencies: `pkg-config --static` would ask
# for static builds of libcurl's whole dependency tree, which Debian's -dev
# packages do not all provide.
if ! cc -o "$tmp/use-static" "$tmp/use.c" $(pkg-config --cflags cratesec) \
        "$tmp/prefix/lib/libcratesec.a" $(pkg-config --print-requires-private cratesec | xargs pkg-config --libs) \
        -lm -lpthread 2>"$tmp/cc2.log"; then
    echo "FAIL: static link"; cat "$tmp/cc2.log"; fail=1
else
    "$tmp/use-static" | grep -q ' 1$' && echo "ok: static" || { echo "FAIL: static program"; fail=1; }
fi
# The git plugin: installed under lib/cratesec/, found by the installed
# program (bin/../lib/cratesec) and by the installed shared library
# (lib/cratesec), and a clear error when it is missing.
[ -x "$tmp/prefix/lib/cratesec/libcratesec-git.so" ] || { echo "FAIL: git plugin not installed"; fail=1; }
cp -r tests/data/db "$tmp/repo"
git -C "$tmp/repo" init -q && git -C "$tmp/repo" add -A &&
    git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -q -m fixture ||
    { echo "FAIL: cannot make a git fixture"; fail=1; }
head=$(git -C "$tmp/repo" rev-parse HEAD)
if "$tmp/prefix/bin/cratesec" export-osv "$tmp/repo" "$tmp/osv" >/dev/null 2>"$tmp/osv.err"; then
    echo "ok: installed cratesec uses git through the installed plugin"
else
    echo "FAIL: installed cratesec export-osv: $(cat "$tmp/osv.err")"; fail=1
fi
cat > "$tmp/verify.c" <<'C'
#include <cratesec.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    char commit[41];
    csec_diag d;
    if (csec_sync_verify(argv[1], commit, &d) < 0) {
        printf("error: %s\n", d.msg);
        return 1;
    }
    printf("%s\n", commit);
    return 0;
}
C
if cc -o "$tmp/verify" "$tmp/verify.c" $(pkg-config --cflags --libs cratesec) 2>"$tmp/cc3.log"; then
    out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/verify" "$tmp/repo")
    [ "$out" = "$head" ] && echo "ok: the installed library loads the plugin" ||
        { echo "FAIL: csec_sync_verify through the installed library printed '$out'"; fail=1; }
else
    echo "FAIL: building the sync_verify program"; cat "$tmp/cc3.log"; fail=1
fi
rm "$tmp/prefix/lib/cratesec/libcratesec-git.so"
if "$tmp/prefix/bin/cratesec" export-osv "$tmp/repo" "$tmp/osv2" >/dev/null 2>"$tmp/osv.err"; then
    echo "FAIL: export-osv succeeded without the git plugin"; fail=1
else
    grep -q "git support is not available: libcratesec-git.so not found" "$tmp/osv.err" &&
        echo "ok: a missing plugin is a clear error" ||
        { echo "FAIL: missing plugin message: $(cat "$tmp/osv.err")"; fail=1; }
fi
"$tmp/prefix/bin/cratesec" check --db "$tmp/repo" foo >/dev/null 2>&1
[ $? -le 1 ] && echo "ok: check needs no plugin" || { echo "FAIL: check without the plugin"; fail=1; }
exit $fail
