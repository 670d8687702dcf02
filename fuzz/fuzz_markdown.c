/* fuzz_markdown.c - advisory descriptions to HTML: the rendering budget
 * (lib/markdown_budget.c) and cmark-gfm behind it (server/markdown.c).
 *
 * Input: a description, as it follows the title in an advisory file.  Checks:
 *  - the description is rendered as Markdown exactly when it is within the
 *    budget (csec__markdown_budget) and cmark's output within its bound;
 *    otherwise the page says it is plain text and holds the text escaped;
 *  - the HTML is UTF-8 without NUL, <script, <img, or a link whose scheme is
 *    not http, https or mailto;
 *  - the output is bounded: at most SRV_MARKDOWN_MAX_HTML bytes rendered,
 *    or the plain-text form of at most CSEC__MD_MAX_BYTES input bytes.
 * The corpus holds the shapes that cost cmark-gfm 0.29.0.gfm.6 seconds or
 * gigabytes (issue 14): tables of N columns and N rows, a row of 40,000 '|',
 * deep nesting, nested image brackets, e-mail autolinks, HTML comments.
 */
#include "markdown.h"
#include "markdown_budget.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, const char *html)
{
    fprintf(stderr, "fuzz_markdown: %s\n  html (%zu bytes): %.600s\n", why, strlen(html), html);
    abort();
}

/* Every href is "#...", or http(s)/mailto. */
static void check_links(const char *html)
{
    for (const char *p = html; (p = strstr(p, "href=\"")); p += 6) {
        const char *url = p + 6;
        if (!(url[0] == '#' || strncasecmp(url, "http://", 7) == 0 ||
              strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "mailto:", 7) == 0))
            fail("a link with another scheme", html);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    csec_diag budget, why;
    bool within = csec__markdown_budget(text, size, &budget) == 0;
    char *alt = NULL;
    char *html = srv_markdown(text, size, &alt, &why);
    size_t len = strlen(html);
    bool plain = strncmp(html, "<p class=\"md-plain\">", 20) == 0;
    if (!within && (!plain || !why.msg[0] || strcmp(why.msg, budget.msg) != 0))
        fail("over the budget, yet not shown as plain text with the budget's reason", html);
    if (within && plain && !strstr(why.msg, "HTML would be") && !strstr(why.msg, "CPU"))
        fail("within the budget, yet shown as plain text", html);
    if (plain && alt)
        fail("plain text with an alternatives section", html);
    if (!plain && len > SRV_MARKDOWN_MAX_HTML)
        fail("rendered HTML over SRV_MARKDOWN_MAX_HTML", html);
    /* Plain text: the sentences and at most 6 bytes per input byte kept. */
    if (plain && len > 400 + (size_t)6 * CSEC__MD_MAX_BYTES)
        fail("plain text over its bound", html);
    if (csec__utf8_check(html, len) != len)
        fail("not UTF-8", html);
    if (strcasestr(html, "<script"))
        fail("<script", html);
    if (strcasestr(html, "<img"))
        fail("an <img> (images must be links)", html);
    check_links(html);
    if (alt) {
        if (strcasestr(alt, "<img") || strcasestr(alt, "<script"))
            fail("the alternatives section holds <img> or <script", alt);
        check_links(alt);
    }
    csec_free(html);
    csec_free(alt);
    return 0;
}
