/* markdown.c - advisory descriptions to safe HTML.
 *
 * cmark-gfm 0.29 is safe by default (raw HTML becomes a comment, javascript:
 * and similar URLs are emptied), but it keeps any other scheme.  We walk the
 * tree and allow only the schemes a reader can expect from an advisory, so a
 * description cannot link to file:, data: or custom protocol handlers.
 */
#include "markdown.h"

#include "util.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int srv_markdown_url_ok(const char *url)
{
    static const char *const allowed[] = {"http://", "https://", "mailto:"};
    if (!url)
        return 0;
    if (url[0] == '#')
        return 1;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strncasecmp(url, allowed[i], strlen(allowed[i])) == 0)
            return 1;
    return 0;
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

/* Makes every link and image safe and shifts headings down one level. */
static void sanitise(cmark_node *doc)
{
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(cur)) {
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
            if (!srv_markdown_url_ok(cmark_node_get_url(cur)))
                cmark_node_set_url(cur, "#");
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
            html = csec__xstrndup(raw, strlen(raw));
            free(raw);
        }
        cmark_node_free(section);
        return html;
    }
    return NULL;
}

char *srv_markdown(const char *text, size_t len, char **alternatives)
{
    static const char *const ext_names[] = {"table", "strikethrough", "autolink"};
    cmark_gfm_core_extensions_ensure_registered();
    int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
    cmark_parser *parser = cmark_parser_new(options);
    for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(ext_names[i]);
        if (ext)
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    cmark_parser_feed(parser, text ? text : "", text ? len : 0);
    cmark_node *doc = cmark_parser_finish(parser);
    sanitise(doc);
    cmark_llist *exts = cmark_parser_get_syntax_extensions(parser);
    char *raw = cmark_render_html(doc, options, exts);
    char *html = csec__xstrndup(raw, strlen(raw));
    free(raw);
    if (alternatives)
        *alternatives = extract_alternatives(doc, exts);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return html;
}
