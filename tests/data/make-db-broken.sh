#!/usr/bin/env bash
# make-db-broken.sh DEST - writes the broken-database fixture into DEST (made
# if missing): invented advisories, one problem each, for the lenient, strict
# and lint tests.  Generated rather than tracked, so that no file in the tree
# has the shape of a published advisory.
#   crates/aaa   RUSTSEC-2099-0010, valid (the first of two with that id)
#   crates/bad   an impossible date (2020-02-30)
#   crates/ccc   a draft (RUSTSEC-0000-0000) without [versions]
#   crates/dup   RUSTSEC-2099-0010 again
#   crates/zzz   one valid advisory, one with a .txt extension, one hidden file
#   crates/README.md  a stray file directly in crates/
set -euo pipefail
dest=${1:?usage: make-db-broken.sh DEST}
mkdir -p "$dest/crates"/{aaa,bad,ccc,dup,zzz}

# advisory FILE ID PACKAGE DATE [TITLE]: one with patched = [">= 1.0.0"].
advisory() {
    printf '```toml\n[advisory]\nid = "%s"\npackage = "%s"\ndate = "%s"\n\n[versions]\npatched = [">= 1.0.0"]\n```\n\n# %s\n\nText.\n' \
        "$2" "$3" "$4" "${5:-Advisory $2}" > "$dest/crates/$1"
}
advisory aaa/RUSTSEC-2099-0010.md RUSTSEC-2099-0010 aaa 2020-01-01
advisory bad/RUSTSEC-2099-0011.md RUSTSEC-2099-0011 bad 2020-02-30
advisory dup/RUSTSEC-2099-0010.md RUSTSEC-2099-0010 dup 2020-01-01
advisory zzz/RUSTSEC-2099-0012.md RUSTSEC-2099-0012 zzz 2020-01-03
advisory zzz/RUSTSEC-2099-0013.txt RUSTSEC-2099-0013 zzz 2020-01-03
printf '```toml\n[advisory]\nid = "RUSTSEC-0000-0000"\npackage = "ccc"\ndate = "2020-01-01"\n```\n\n# A draft without [versions]: validated, so reported\n\nText.\n' \
    > "$dest/crates/ccc/RUSTSEC-0000-0000.md"
echo 'not an advisory: files directly in crates/ are skipped' > "$dest/crates/README.md"
echo 'not an advisory: dotfiles are skipped' > "$dest/crates/zzz/.hidden.md"
