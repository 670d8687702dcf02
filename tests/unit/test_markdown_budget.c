/* test_markdown_budget.c - the rendering budget of advisory Markdown
 * (lib/markdown_budget.h): each limit just within and just over, with the
 * position reported, and the shapes that made cmark-gfm take seconds and
 * gigabytes (issue 14). */
#include "harness.h"
#include "markdown_budget.h"
#include "util.h"

#include <stdlib.h>

/* A table of `cols` columns: header, delimiter row, then `rows` rows "a". */
static char *table(size_t cols, size_t rows, const char *before)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_puts(&b, before);
    for (size_t i = 0; i < cols; i++)
        csec_buf_puts(&b, "a|");
    csec_buf_putc(&b, '\n');
    for (size_t i = 0; i < cols; i++)
        csec_buf_puts(&b, "-|");
    csec_buf_putc(&b, '\n');
    for (size_t i = 0; i < rows; i++)
        csec_buf_puts(&b, "a\n");
    return csec_buf_detach(&b);
}

static int budget(const char *s, csec_diag *d)
{
    return csec__markdown_budget(s, strlen(s), d);
}

TEST(markdown_budget, ordinary_markdown_passes)
{
    csec_diag d;
    const char *md = "Some text with a [link](https://example.com) and `code`.\n\n"
                     "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n> quoted\n> - item\n>   1. nested\n\n"
                     "---\n\nHeading\n=======\n\n```\n| not | a | table |\n```\n";
    ASSERT_INT_EQ(budget(md, &d), 0);
    ASSERT_INT_EQ(budget("", &d), 0);
}

TEST(markdown_budget, size)
{
    csec_diag d;
    char *s = malloc(CSEC__MD_MAX_BYTES + 2);
    memset(s, 'a', CSEC__MD_MAX_BYTES + 1);
    s[CSEC__MD_MAX_BYTES + 1] = '\0';
    ASSERT_INT_EQ(csec__markdown_budget(s, CSEC__MD_MAX_BYTES, &d), 0);
    int rc = csec__markdown_budget(s, CSEC__MD_MAX_BYTES + 1, &d);
    free(s);
    ASSERT_INT_EQ(rc, -1);
    ASSERT_INT_EQ(d.line, 1);
    ASSERT_INT_EQ(d.col, CSEC__MD_MAX_BYTES + 1);
    ASSERT(strstr(d.msg, "32769 bytes of Markdown") != NULL);
}

/* N columns and N one-letter rows: N*N cells from 6N bytes (issue 14: N =
 * 2,000 took 17 s and 1 GB to render). */
TEST(markdown_budget, table_cells)
{
    csec_diag d;
    char *ok = table(99, 99, ""); /* 100 columns x 101 rows: 10,100 > 10,000 */
    char *fits = table(99, 98, "");
    ASSERT_INT_EQ(budget(fits, &d), 0);
    ASSERT_INT_EQ(budget(ok, &d), -1);
    ASSERT_INT_EQ(d.line, 1);
    ASSERT_INT_EQ(d.col, 1);
    ASSERT(strstr(d.msg, "up to 100 columns") != NULL);
    free(ok);
    free(fits);
    char *bomb = table(2000, 2000, "Intro.\n\n");
    ASSERT_INT_EQ(budget(bomb, &d), -1);
    free(bomb);
    /* Two tables count together; a blank line (also "> ") ends one. */
    char *half = table(49, 99, "");
    csec_buf two = CSEC_BUF_INIT;
    csec_buf_printf(&two, "%s\n%s", half, half);
    ASSERT_INT_EQ(budget(half, &d), 0);
    ASSERT_INT_EQ(budget(two.ptr, &d), -1);
    ASSERT_INT_EQ(d.line, 103); /* the second table's header line */
    csec_buf_free(&two);
    free(half);
    /* Rows are lines up to the next blank one, however they look. */
    ASSERT_INT_EQ(budget("> a|b\n> -|-\n>\n> x\n", &d), 0);
}

/* Without a '|' in the delimiter row there is no table (a setext heading),
 * and a delimiter row needs a '-'. */
TEST(markdown_budget, delimiter_rows)
{
    csec_diag d;
    csec_buf b = CSEC_BUF_INIT;
    for (int i = 0; i < 3000; i++)
        csec_buf_puts(&b, "a|b|c\n---\n");
    ASSERT_INT_EQ(budget(b.ptr, &d), 0);
    csec_buf_clear(&b);
    for (int i = 0; i < 3000; i++)
        csec_buf_puts(&b, "a|b|c\n:|:\n");
    ASSERT_INT_EQ(budget(b.ptr, &d), 0);
    csec_buf_free(&b);
}

/* One row with 40,000 '|': 14 s of CPU in cmark-gfm (issue 14). */
TEST(markdown_budget, pipes_on_a_line)
{
    csec_diag d;
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_puts(&b, "a|b\n-|-\n");
    for (int i = 0; i < CSEC__MD_MAX_LINE_PIPES; i++)
        csec_buf_putc(&b, '|');
    ASSERT_INT_EQ(budget(b.ptr, &d), 0);
    csec_buf_putc(&b, '|');
    ASSERT_INT_EQ(budget(b.ptr, &d), -1);
    ASSERT_INT_EQ(d.line, 3);
    ASSERT_INT_EQ(d.col, CSEC__MD_MAX_LINE_PIPES + 1);
    for (int i = 0; i < 40000; i++)
        csec_buf_putc(&b, '|');
    ASSERT_INT_EQ(budget(b.ptr, &d), -1);
    csec_buf_free(&b);
}

TEST(markdown_budget, nesting)
{
    csec_diag d;
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_puts(&b, "text\n");
    for (int i = 0; i < CSEC__MD_MAX_DEPTH; i++)
        csec_buf_puts(&b, i % 3 == 0 ? "> " : i % 3 == 1 ? "- " : "1. ");
    csec_buf_puts(&b, "deep\n");
    ASSERT_INT_EQ(budget(b.ptr, &d), 0);
    csec_buf_clear(&b);
    csec_buf_puts(&b, "text\n");
    for (int i = 0; i <= CSEC__MD_MAX_DEPTH; i++)
        csec_buf_putc(&b, '>');
    csec_buf_puts(&b, " deep\n");
    ASSERT_INT_EQ(budget(b.ptr, &d), -1);
    ASSERT_INT_EQ(d.line, 2);
    ASSERT_INT_EQ(d.col, CSEC__MD_MAX_DEPTH + 1);
    csec_buf_free(&b);
    /* Not markers: emphasis, numbers in text, a dash inside a word. */
    ASSERT_INT_EQ(budget("*a* -b 1.5 ------------------------------------------", &d), 0);
}
