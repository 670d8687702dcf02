/* page_advisory.c - one advisory (/advisories/ID; aliases redirect), and the
 * facts list shared with the crate Security tab. */
#include "html.h"
#include "page_deps.h"

#include <string.h>

static void strlist_linked(csec_buf *b, const csec_strlist *l, const char *base)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            csec_buf_puts(b, ", ");
        csec_buf_printf(b, "<a href=\"%s", base);
        html_url_part(b, l->items[i]);
        csec_buf_puts(b, "\">");
        html_esc(b, l->items[i]);
        csec_buf_puts(b, "</a>");
    }
}

static void strlist_plain(csec_buf *b, const csec_strlist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            csec_buf_puts(b, ", ");
        html_esc(b, l->items[i]);
    }
}

/* A URL from the advisory as a link when it is http(s), else as text. */
static void url_link(csec_buf *b, const char *url)
{
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
        csec_buf_puts(b, "<a href=\"");
        html_esc(b, url);
        csec_buf_puts(b, "\">");
        html_esc(b, url);
        csec_buf_puts(b, "</a>");
    } else {
        html_esc(b, url);
    }
}

typedef struct fn_ctx {
    csec_buf *b;
    size_t n;
} fn_ctx;

static void fn_cb(const char *path, void *payload)
{
    fn_ctx *c = payload;
    csec_buf_puts(c->b, c->n++ ? ", <code>" : "<code>");
    html_esc(c->b, path);
    csec_buf_puts(c->b, "</code>");
}

void html_adv_facts(csec_buf *b, const csec_advisory *a, const csec_version *sel)
{
    csec_buf_puts(b, "<dl class=\"facts\">\n<dt>Kind</dt><dd>");
    html_kind_label(b, a);
    csec_buf_puts(b, "</dd>\n<dt>Reported</dt><dd>");
    html_date(b, a->date);
    csec_buf_puts(b, "</dd>\n");
    if (a->withdrawn.year) {
        csec_buf_puts(b, "<dt>Withdrawn</dt><dd>");
        html_date(b, a->withdrawn);
        csec_buf_puts(b, "</dd>\n");
    }
    csec_buf_puts(b, "<dt>Affected versions</dt><dd>");
    html_ranges(b, a);
    csec_buf_puts(b, "</dd>\n<dt>Patched</dt><dd>");
    html_reqs(b, a->patched, a->patched_count, "no patched versions");
    csec_buf_puts(b, "</dd>\n");
    if (a->unaffected_count) {
        csec_buf_puts(b, "<dt>Unaffected</dt><dd>");
        html_reqs(b, a->unaffected, a->unaffected_count, "none");
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->aliases.count) {
        csec_buf_puts(b, "<dt>Aliases</dt><dd>");
        for (size_t i = 0; i < a->aliases.count; i++) {
            if (i)
                csec_buf_puts(b, ", ");
            html_alias(b, a->aliases.items[i]);
        }
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->related.count) {
        csec_buf_puts(b, "<dt>Related</dt><dd>");
        strlist_linked(b, &a->related, "/advisories/");
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->cvss) {
        csec_buf_puts(b, "<dt>CVSS</dt><dd>");
        html_cvss(b, a->cvss);
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->categories.count) {
        csec_buf_puts(b, "<dt>Categories</dt><dd>");
        strlist_linked(b, &a->categories, "/categories/");
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->keywords.count) {
        csec_buf_puts(b, "<dt>Keywords</dt><dd>");
        strlist_linked(b, &a->keywords, "/keywords/");
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->arch.count) {
        csec_buf_puts(b, "<dt>Architectures</dt><dd>");
        strlist_plain(b, &a->arch);
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->os.count) {
        csec_buf_puts(b, "<dt>Operating systems</dt><dd>");
        strlist_plain(b, &a->os);
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->functions_count) {
        if (sel) {
            csec_buf_puts(b, "<dt>Affected functions in this version</dt><dd>");
            fn_ctx c = {b, 0};
            csec_advisory_functions_for(a, sel, fn_cb, &c);
            if (!c.n)
                csec_buf_puts(b, "none");
            csec_buf_puts(b, "</dd>\n");
        } else {
            csec_buf_puts(b, "<dt>Affected functions</dt><dd><ul>");
            for (size_t i = 0; i < a->functions_count; i++) {
                csec_buf_puts(b, "<li><code>");
                html_esc(b, a->functions[i].path);
                csec_buf_puts(b, "</code>: ");
                html_reqs(b, a->functions[i].reqs, a->functions[i].count, "all versions");
                csec_buf_puts(b, "</li>");
            }
            csec_buf_puts(b, "</ul></dd>\n");
        }
    }
    if (a->url || a->references.count) {
        csec_buf_puts(b, "<dt>References</dt><dd><ul>");
        if (a->url) {
            csec_buf_puts(b, "<li>");
            url_link(b, a->url);
            csec_buf_puts(b, "</li>");
        }
        for (size_t i = 0; i < a->references.count; i++) {
            csec_buf_puts(b, "<li>");
            url_link(b, a->references.items[i]);
            csec_buf_puts(b, "</li>");
        }
        csec_buf_puts(b, "</ul></dd>\n");
    }
    csec_buf_puts(b, "</dl>\n");
}

void page_advisory(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    const csec_advisory *a = csec_db_find(s->db, r->seg[1]);
    if (!a) {
        page_not_found(r, resp, "No advisory has this id or alias.");
        return;
    }
    if (strcmp(a->id, r->seg[1]) != 0) {
        csec_buf loc = CSEC_BUF_INIT;
        csec_buf_puts(&loc, "/advisories/");
        html_url_part(&loc, a->id);
        srv_redirect(resp, 301, loc.ptr);
        csec_buf_free(&loc);
        return;
    }
    const srv_adv *sa = srv_site_adv(s, a);
    csec_buf *b = &resp->body;
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_printf(&title, "%s: %s", a->id, a->title ? a->title : "");
    resp->status = 200;
    html_begin(b, s, title.ptr, NULL);
    csec_buf_free(&title);
    csec_buf_puts(b, "<article class=\"adv-page\">\n<h1>");
    if (a->withdrawn.year)
        csec_buf_puts(b, "<s>");
    html_esc(b, a->id);
    if (a->withdrawn.year)
        csec_buf_puts(b, "</s>");
    csec_buf_puts(b, ": ");
    html_esc(b, a->title);
    csec_buf_puts(b, "</h1>\n");
    if (a->withdrawn.year)
        csec_buf_puts(b, "<p class=\"notice\" role=\"note\">This advisory has been withdrawn "
                         "and should be ignored. It is kept only for reference.</p>\n");
    csec_buf_puts(b, "<p>Package: ");
    if (a->collection == CSEC_COLLECTION_CRATES) {
        csec_buf_puts(b, "<a href=\"/crates/");
        html_url_part(b, a->package);
        csec_buf_puts(b, "/security\">");
        html_esc(b, a->package);
        csec_buf_puts(b, "</a>");
    } else {
        html_esc(b, a->package);
        csec_buf_puts(b, " (Rust toolchain)");
    }
    csec_buf_puts(b, "</p>\n");
    html_adv_facts(b, a, NULL);
    if (sa && sa->alt_html) {
        csec_buf_puts(b, "<section class=\"alternatives\" aria-label=\"Suggested "
                         "alternatives\"><h2>Suggested alternatives</h2>\n");
        csec_buf_puts(b, sa->alt_html);
        csec_buf_puts(b, "</section>\n");
    }
    csec_buf_puts(b, "<h2>Description</h2>\n<div class=\"desc\">\n");
    if (sa)
        csec_buf_puts(b, sa->desc_html);
    csec_buf_puts(b, "</div>\n");
    page_deps_impact(b, s, a);
    csec_buf_puts(b, "<p class=\"muted\">License of this advisory text: ");
    html_esc(b, a->license ? a->license : "CC0-1.0");
    csec_buf_puts(b, ".</p>\n</article>\n");
    html_end(b, s);
}
