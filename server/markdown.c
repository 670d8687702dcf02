/* markdown.c - advisory descriptions to safe HTML.
 *
 * cmark-gfm 0.29 is safe by default (raw HTML becomes a comment, javascript:
 * and similar URLs are emptied), but it keeps any other scheme.  We walk the
 * tree and allow only the schemes a reader can expect from an advisory, so a
 * description cannot link to file:, data: or custom protocol handlers, and
 * turn images into links, so that it cannot load anything from elsewhere
 * into a reader's browser (a tracking pixel); the pages' Content-Security-
 * Policy allows images from the site only.
 *
 * Debian's cmark-gfm (0.29.0.gfm.6) predates the fixes of several
 * polynomial-time inputs (CVE-2023-22483, -22484, -22486, -24824, -26485,
 * -37463), and its tables cost a cell per column of every row: the text is
 * checked against lib/markdown_budget.h before cmark sees it, and cmark's
 * output and time are checked after.
 */
#include "markdown.h"

#include "html.h"
#include "markdown_budget.h"
#include "util.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Whether `url` may be kept in a link (markdown.h says which may). */
static bool url_ok(const char *url)
{
    static const char *const allowed[] = {"http://", "https://", "mailto:"};
    if (!url)
        return false;
    if (url[0] == '#')
        return true;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strncasecmp(url, allowed[i], strlen(allowed[i])) == 0)
            return true;
    return false;
}

/* Collects the literal text under `node` (headings are short; bounded). */
static void heading_text(cmark_node *node, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        const char *lit = cmark_node_get_type(cur) == CMARK_NODE_TEXT ||
                                  cmark_node_get_type(cur) == CMARK_NODE_CODE
                              ? cmark_node_get_literal(cur)
                              : NULL;
        if (!lit)
            continue;
        size_t l = strlen(lit);
        if (l > n - 1 - len)
            l = n - 1 - len;
        memcpy(out + len, lit, l);
        len += l;
        out[len] = '\0';
    }
    cmark_iter_free(it);
}

/* An image as a link to it: its alt text (the image node's children), or
 * the URL when it has none, as the link's text. */
static void image_to_link(cmark_node *img)
{
    cmark_node *link = cmark_node_new(CMARK_NODE_LINK);
    const char *url = cmark_node_get_url(img);
    cmark_node_set_url(link, url ? url : "#");
    const char *title = cmark_node_get_title(img);
    if (title && *title)
        cmark_node_set_title(link, title);
    cmark_node *child;
    while ((child = cmark_node_first_child(img))) {
        cmark_node_unlink(child);
        cmark_node_append_child(link, child);
    }
    if (!cmark_node_first_child(link)) {
        cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
        cmark_node_set_literal(text, url && *url && strcmp(url, "#") ? url : "image");
        cmark_node_append_child(link, text);
    }
    cmark_node_replace(img, link);
    cmark_node_free(img);
}

/* Makes every link safe, turns images into links and shifts headings down
 * one level. */
static void sanitise(cmark_node *doc)
{
    cmark_node **images = NULL;
    size_t nimages = 0, cap = 0;
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(cur)) {
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
            if (!url_ok(cmark_node_get_url(cur)))
                cmark_node_set_url(cur, "#");
            if (cmark_node_get_type(cur) == CMARK_NODE_IMAGE) {
                /* Replaced after the walk: the iterator is on it. */
                if (nimages == cap)
                    images = csec__grow(images, &cap, 8, sizeof *images);
                images[nimages++] = cur;
            }
            break;
        case CMARK_NODE_HEADING: {
            int level = cmark_node_get_heading_level(cur) + 1;
            cmark_node_set_heading_level(cur, level > 6 ? 6 : level);
            break;
        }
        default:
            break;
        }
    }
    cmark_iter_free(it);
    for (size_t i = 0; i < nimages; i++)
        image_to_link(images[i]);
    free(images);
}

/* Moves the section under the first heading that mentions alternatives into
 * a new document and renders it; NULL when there is none. */
static char *extract_alternatives(cmark_node *doc, cmark_llist *exts)
{
    for (cmark_node *h = cmark_node_first_child(doc); h; h = cmark_node_next(h)) {
        if (cmark_node_get_type(h) != CMARK_NODE_HEADING)
            continue;
        char text[256];
        heading_text(h, text, sizeof text);
        if (!strcasestr(text, "alternative"))
            continue;
        int level = cmark_node_get_heading_level(h);
        cmark_node *section = cmark_node_new(CMARK_NODE_DOCUMENT);
        cmark_node *n = cmark_node_next(h);
        while (n && !(cmark_node_get_type(n) == CMARK_NODE_HEADING &&
                      cmark_node_get_heading_level(n) <= level)) {
            cmark_node *next = cmark_node_next(n);
            cmark_node_unlink(n);
            cmark_node_append_child(section, n);
            n = next;
        }
        char *html = NULL;
        if (cmark_node_first_child(section)) {
            char *raw = cmark_render_html(section, CMARK_OPT_DEFAULT, exts);
            html = csec__xstrdup(raw);
            free(raw);
        }
        cmark_node_free(section);
        return html;
    }
    return NULL;
}

/* The text, escaped, when it is not rendered as Markdown. */
static char *plain_text(const char *text, size_t len)
{
    csec_buf b = CSEC_BUF_INIT;
    size_t shown = len > CSEC__MD_MAX_BYTES ? CSEC__MD_MAX_BYTES : len;
    /* Whole UTF-8 characters only. */
    while (shown < len && shown > 0 && ((unsigned char)text[shown] & 0xc0) == 0x80)
        shown--;
    csec_buf_puts(&b, "<p class=\"md-plain\">This description is shown as plain text: its "
                      "formatting would cost too much to render.</p>\n<pre class=\"md-plain\">");
    html_escn(&b, text, shown);
    if (shown < len)
        csec_buf_printf(&b, "\n\u2026 (%zu more bytes in the advisory file)", len - shown);
    csec_buf_puts(&b, "</pre>\n");
    return csec_buf_detach(&b);
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

char *srv_markdown(const char *text, size_t len, char **alternatives, csec_diag *why)
{
    static const char *const ext_names[] = {"table", "strikethrough", "autolink"};
    csec_diag scratch;
    csec_diag *d = why ? why : &scratch;
    csec__diag_clear(d);
    if (alternatives)
        *alternatives = NULL;
    if (!text)
        text = "", len = 0;
    if (csec__markdown_budget(text, len, d) < 0)
        return plain_text(text, len);

    double t0 = cpu_ms();
    cmark_gfm_core_extensions_ensure_registered();
    int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
    cmark_parser *parser = cmark_parser_new(options);
    for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(ext_names[i]);
        if (ext)
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    cmark_parser_feed(parser, text, len);
    cmark_node *doc = cmark_parser_finish(parser);
    sanitise(doc);
    cmark_llist *exts = cmark_parser_get_syntax_extensions(parser);
    char *raw = cmark_render_html(doc, options, exts);
    char *html = NULL;
    size_t raw_len = strlen(raw);
    double took = cpu_ms() - t0;
    if (raw_len > SRV_MARKDOWN_MAX_HTML)
        csec__diag_set(d, CSEC_EPARSE, "", 1, 1,
                       "its HTML would be %zu bytes, over the %zu kept", raw_len,
                       SRV_MARKDOWN_MAX_HTML);
    else if (took > SRV_MARKDOWN_MAX_MS)
        csec__diag_set(d, CSEC_EPARSE, "", 1, 1,
                       "rendering took %.0f ms of CPU, over the %d allowed", took,
                       SRV_MARKDOWN_MAX_MS);
    else
        html = csec__xstrndup(raw, raw_len);
    free(raw);
    if (html && alternatives)
        *alternatives = extract_alternatives(doc, exts);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return html ? html : plain_text(text, len);
}
