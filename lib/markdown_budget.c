/* markdown_budget.c - the cost of rendering Markdown, bounded before any
 * renderer runs (markdown_budget.h says why).
 *
 * One pass over the lines.  A table, as GitHub-flavoured Markdown has it,
 * starts at a delimiter row (only '-', ':', '|' and blanks, with at least one
 * '-' and one '|'; block quote markers and indentation before it) under a
 * header line, and every following line up to a blank one is a row with as
 * many cells as the delimiter row has, however short the line.  So its cells
 * are bounded by (lines from the header to the next blank line) x ('|' in
 * the delimiter row + 1), counted once per table: lines inside a table are
 * not looked at as delimiter rows again.  A line of only blanks and '>' ends
 * a table (it is blank inside a block quote, or opens one).
 */
#include "markdown_budget.h"

#include "util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '>')
            return false;
    return true;
}

/* The number of '|' of a delimiter row, or -1 when the line is not one. */
static long delimiter_pipes(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
        i++;
    long pipes = 0;
    bool dash = false;
    for (; i < n; i++) {
        if (s[i] == '|')
            pipes++;
        else if (s[i] == '-')
            dash = true;
        else if (s[i] != ':' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return -1;
    }
    return dash && pipes ? pipes : -1;
}

/* Block quote and list markers at the start of the line; `*at` receives the
 * offset just past the marker that exceeds the limit. */
static size_t depth_of(const char *s, size_t n, size_t *at)
{
    size_t depth = 0, i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        size_t next;
        if (s[i] == '>' || s[i] == '-' || s[i] == '+' || s[i] == '*') {
            next = i + 1;
        } else if (s[i] >= '0' && s[i] <= '9') {
            size_t j = i;
            while (j < n && j - i < 9 && s[j] >= '0' && s[j] <= '9')
                j++;
            if (j >= n || (s[j] != '.' && s[j] != ')'))
                break;
            next = j + 1;
        } else {
            break;
        }
        /* A list marker is followed by a blank or the end of the line. */
        if (s[i] != '>' && next < n && s[next] != ' ' && s[next] != '\t' && s[next] != '\r')
            break;
        depth++;
        if (depth > CSEC__MD_MAX_DEPTH) {
            *at = i;
            return depth;
        }
        i = next;
    }
    return depth;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
over(csec_diag *d, const char *text, size_t off, const char *fmt, ...)
{
    uint32_t line, col;
    csec__line_col(text, off, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    csec__diag_vset(d, CSEC_EPARSE, "", line, col, fmt, ap);
    va_end(ap);
    return -1;
}

int csec__markdown_budget(const char *text, size_t len, csec_diag *d)
{
    if (len > CSEC__MD_MAX_BYTES)
        return over(d, text, CSEC__MD_MAX_BYTES, "%zu bytes of Markdown, over the limit of %d", len,
                    CSEC__MD_MAX_BYTES);
    size_t cells = 0;
    bool in_table = false;
    size_t prev_start = 0;
    bool prev_blank = true;
    /* The table being counted: its columns and where its header line starts. */
    size_t columns = 0, table_at = 0, rows = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + start;
        size_t n = end - start;

        const char *pipe = line;
        size_t pipes = 0;
        while ((pipe = memchr(pipe, '|', n - (size_t)(pipe - line)))) {
            if (++pipes > CSEC__MD_MAX_LINE_PIPES)
                return over(d, text, (size_t)(pipe - text),
                            "more than %d `|` on one line (a table row of that many cells)",
                            CSEC__MD_MAX_LINE_PIPES);
            pipe++;
        }
        size_t at = 0;
        if (depth_of(line, n, &at) > CSEC__MD_MAX_DEPTH)
            return over(d, text, start + at,
                        "more than %d block quotes and lists nested on one line",
                        CSEC__MD_MAX_DEPTH);

        bool blank = blank_line(line, n);
        if (blank) {
            in_table = false;
        } else if (in_table) {
            rows++;
        } else if (!prev_blank) {
            long p = delimiter_pipes(line, n);
            if (p > 0) {
                in_table = true;
                columns = (size_t)p + 1;
                table_at = prev_start;
                rows = 2; /* the header and the delimiter row */
            }
        }
        if (in_table && rows * columns > CSEC__MD_MAX_TABLE_CELLS - cells)
            return over(d, text, table_at,
                        "tables of more than %d cells in all (this one: up to %zu columns, %zu "
                        "rows so far)",
                        CSEC__MD_MAX_TABLE_CELLS, columns, rows);
        if (blank && columns) {
            cells += rows * columns;
            columns = rows = 0;
        }
        prev_blank = blank;
        prev_start = start;
        start = end + 1;
    }
    return 0;
}
