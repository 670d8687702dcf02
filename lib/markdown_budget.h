/* markdown_budget.h - what an advisory's Markdown may cost to render.
 *
 * The server renders descriptions with Debian's cmark-gfm 0.29.0.gfm.6,
 * whose work grows faster than its input for some shapes: a table gets a
 * cell for every column of every row (2,000 columns and 2,000 one-letter
 * rows, 12 KB, make 4 million cells: 1 GB and seconds), a table row with
 * many '|' is parsed in quadratic time (40,000 of them: 14 s), deep nesting
 * and several inline constructs cost more per byte the longer the text is.
 * csec__markdown_budget bounds all of these without running cmark: the
 * server renders a description only within the budget (else it shows the
 * text escaped, server/markdown.c) and `cratesec lint` reports the limit a
 * file exceeds.  One function, so that the two never disagree.
 *
 * The limits leave room for the real database: its longest description is
 * 9.6 KB, its widest table 4 columns of 6 rows, its deepest nesting 3.
 * Within them the slowest shapes known (nested image brackets, e-mail
 * autolinks) take about 60 ms at 32 KB.
 */
#ifndef CSEC_MARKDOWN_BUDGET_H
#define CSEC_MARKDOWN_BUDGET_H

#include "cratesec.h"

#include <stddef.h>

/* Bytes of Markdown rendered as Markdown. */
#define CSEC__MD_MAX_BYTES 32768
/* '|' on one line: a table row of at most this many cells. */
#define CSEC__MD_MAX_LINE_PIPES 128
/* Cells of all tables together (rows times the columns of the delimiter row). */
#define CSEC__MD_MAX_TABLE_CELLS 10000
/* Block quote and list markers opening one line ("> > - 1. text": 4). */
#define CSEC__MD_MAX_DEPTH 32

/* Returns 0 when `len` bytes of Markdown at `text` are within every limit
 * above; otherwise -1 with `d` describing the first limit exceeded, at its
 * line and byte column within `text` (from 1; d->file is left empty). */
int csec__markdown_budget(const char *text, size_t len, csec_diag *d);

#endif
