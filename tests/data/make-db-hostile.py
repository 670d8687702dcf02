#!/usr/bin/env python3
"""make-db-hostile.py DEST [--duplicates] - writes a database of hostile
advisories into DEST (made if missing), for tests/cli/hostile_db.sh and the
hostile part of `make soak` (issue 14).  Invented ids and crates; generated
rather than tracked, so that no file in the tree is a bomb.

Descriptions that cost cmark-gfm far more than their size:
  tablebomb  RUSTSEC-2099-0101  2,000 columns x 2,000 one-letter rows (12 KB)
             RUSTSEC-2099-0102  4,000 x 4,000 (28 KB)
  pipes      RUSTSEC-2099-0103  "a|b\\n-|-\\n" and a row of 40,000 '|'
             RUSTSEC-2099-0109  the same with 30,000 '|' (within the size limit)
  widetable  RUSTSEC-2099-0110  100 columns x 1,000 rows
  nesting    RUSTSEC-2099-0104  20,000 nested block quotes
  brackets   RUSTSEC-2099-0105  "![[]()" x 2,000 (12 KB, quadratic in cmark-gfm, within
             the budget: rendered as Markdown in a few ms, well under the CPU bound
             even in a sanitizer build)
  big        RUSTSEC-2099-0106  a 200 KB description
Markdown that reaches readers' browsers:
  tracker    RUSTSEC-2099-0107  remote images (tracking pixels)
A plain one, to check that it still renders:
  plain      RUSTSEC-2099-0108  a table of 2 x 2, a link

With --duplicates, files whose handling is the loader's (issue 14 item 1):
  crates/.a/RUSTSEC-2099-0108.md   the plain advisory's id in a dot-directory
  crates/other/RUSTSEC-2099-0108.md  the same id under another package
"""
import os
import sys

dest = sys.argv[1]
dups = "--duplicates" in sys.argv[2:]


def table(n):
    return "a|" * n + "\n" + "-|" * n + "\n" + "a\n" * n


def advisory(package, ident, title, description, directory=None):
    d = os.path.join(dest, "crates", directory or package)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, ident + ".md"), "w") as f:
        f.write('```toml\n[advisory]\nid = "%s"\npackage = "%s"\ndate = "2099-01-01"\n\n'
                '[versions]\npatched = [">= 1.0.0"]\n```\n\n# %s\n\n%s\n'
                % (ident, package, title, description))


advisory("tablebomb", "RUSTSEC-2099-0101", "A table of 2,000 columns and rows",
         "Before the table.\n\n" + table(2000))
advisory("tablebomb", "RUSTSEC-2099-0102", "A table of 4,000 columns and rows", table(4000))
advisory("pipes", "RUSTSEC-2099-0103", "A row of 40,000 pipes", "a|b\n-|-\n" + "|" * 40000)
advisory("pipes", "RUSTSEC-2099-0109", "A row of 30,000 pipes", "a|b\n-|-\n" + "|" * 30000)
advisory("widetable", "RUSTSEC-2099-0110", "100 columns, 1,000 rows",
         "a|" * 100 + "\n" + "-|" * 100 + "\n" + "a\n" * 1000)
advisory("nesting", "RUSTSEC-2099-0104", "20,000 nested quotes", ">" * 20000 + " deep")
advisory("brackets", "RUSTSEC-2099-0105", "Nested image brackets", "![[]()" * 2000)
advisory("big", "RUSTSEC-2099-0106", "A 200 KB description",
         ("A long line of text in a long description. " * 20 + "\n\n") * 230)
advisory("tracker", "RUSTSEC-2099-0107", "Remote images",
         "Look: ![pixel](https://tracker.example/p.gif?u=1) and "
         "![](http://images.example/y.png \"a title\").")
advisory("plain", "RUSTSEC-2099-0108", "A plain advisory",
         "| a | b |\n|---|---|\n| 1 | 2 |\n\nSee [the fix](https://example.com/fix).")
if dups:
    advisory("plain", "RUSTSEC-2099-0108", "The same id in a dot-directory", "Hidden.",
             directory=".a")
    advisory("other", "RUSTSEC-2099-0108", "The same id under another package", "Other.")
