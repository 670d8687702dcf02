/* page_advisory.c - one advisory (/advisories/ID; aliases redirect), and the
 * facts list shared with the crate Security tab. */
#include "html.h"
#include "page_deps.h"

#include "index.h"

#include <string.h>
#include <time.h>

/* The fact `name` listing `l` (nothing when it is empty), each item linked
 * under `base`, or as plain text without one. */
static void fact_list(csec_buf *b, const char *name, const csec_strlist *l, const char *base)
{
    if (!l->count)
        return;
    csec_buf_printf(b, "<dt>%s</dt><dd>", name);
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            csec_buf_puts(b, ", ");
        if (base)
            html_link(b, base, l->items[i]);
        else
            html_esc(b, l->items[i]);
    }
    csec_buf_puts(b, "</dd>\n");
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

const csec_index_crate *html_published(const srv_site *s, const csec_advisory *a)
{
    if (!s->index || a->collection != CSEC_COLLECTION_CRATES)
        return NULL;
    return csec__index_find(s->index, a->package);
}

/* The Related fact (nothing when there is none), both ways: the ids the
 * advisory lists, then the advisories that list it (RUSTSEC-2020-0071 and
 * RUSTSEC-2020-0159 name each other only one way). */
static void related(csec_buf *b, const srv_site *s, const csec_advisory *a)
{
    size_t shown = 0;
    for (size_t i = 0; i < a->related.count; i++) {
        csec_buf_puts(b, shown++ ? ", " : "<dt>Related</dt><dd>");
        html_link(b, "/advisories/", a->related.items[i]);
    }
    for (size_t i = 0; i < s->count; i++) {
        const csec_advisory *o = s->advs[i].a;
        if (o == a || !csec__strlist_has(&o->related, a->id) ||
            csec__strlist_has(&a->related, o->id))
            continue;
        csec_buf_puts(b, shown++ ? ", " : "<dt>Related</dt><dd>");
        html_link(b, "/advisories/", o->id);
        csec_buf_puts(b, " <span class=\"muted\">(lists this one)</span>");
    }
    if (shown)
        csec_buf_puts(b, "</dd>\n");
}

static void unix_date(csec_buf *b, int64_t t)
{
    char day[16];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    csec_buf_printf(b, "<time datetime=\"%s\">%s</time>", day, day);
}

void html_adv_facts(csec_buf *b, const srv_site *s, const csec_advisory *a,
                    const csec_version *sel, const csec_index_crate *published)
{
    csec_buf_puts(b, "<dl class=\"facts\">\n<dt>Kind</dt><dd>");
    html_kind_label(b, a);
    csec_buf_puts(b, "</dd>\n<dt>Issued</dt><dd>");
    html_date(b, a->date);
    csec_buf_puts(b, "</dd>\n");
    if (a->modified >= 0) {
        csec_buf_puts(b, "<dt>Last modified</dt><dd>");
        unix_date(b, a->modified);
        csec_buf_puts(b, "</dd>\n");
    }
    if (a->withdrawn.year) {
        csec_buf_puts(b, "<dt>Withdrawn</dt><dd>");
        html_date(b, a->withdrawn);
        csec_buf_puts(b, "</dd>\n");
    }
    csec_buf_puts(b, "<dt>Affected versions</dt><dd>");
    if (a->withdrawn.year) {
        /* Withdrawn: no live impact, the original ranges only as history. */
        csec_buf_puts(b, "none, it is withdrawn <span class=\"muted\">(as first published: ");
        html_ranges(b, a, published);
        csec_buf_puts(b, ")</span>");
    } else {
        html_ranges(b, a, published);
    }
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
    related(b, s, a);
    if (a->cvss) {
        csec_buf_puts(b, "<dt>CVSS</dt><dd>");
        html_cvss(b, a->cvss);
        csec_buf_puts(b, "</dd>\n");
    }
    fact_list(b, "Categories", &a->categories, "/categories/");
    fact_list(b, "Keywords", &a->keywords, "/keywords/");
    fact_list(b, "Architectures", &a->arch, NULL);
    fact_list(b, "Operating systems", &a->os, NULL);
    if (a->functions_count) {
        if (sel) {
            csec_buf_puts(b, "<dt>Affected functions in this version</dt><dd>");
            fn_ctx c = {b, 0};
            csec_advisory_functions_for(a, sel, fn_cb, &c);
            if (!c.n)
                csec_buf_puts(b, "none");
            csec_buf_puts(b, "</dd>\n");
        } else {
            csec_buf_puts(b, "<dt>Affected functions</dt><dd><ul class=\"fns\">");
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
        csec_buf_puts(b, "<dt>References</dt><dd><ul class=\"refs\">");
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

/* Links a reader expects from an advisory: its package, rustsec.org, the
 * OSV record, the source file with its history and an edit link. */
static void adv_links(csec_buf *b, const csec_advisory *a)
{
    csec_buf_puts(b, "<ul class=\"links\" aria-label=\"Links\">\n<li>Package: ");
    if (a->collection == CSEC_COLLECTION_CRATES) {
        csec_buf_puts(b, "<a href=\"/crates/");
        html_url_part(b, a->package);
        csec_buf_puts(b, "/security\">");
        html_esc(b, a->package);
        csec_buf_puts(b, "</a> (<a href=\"https://crates.io/crates/");
        html_url_part(b, a->package);
        csec_buf_puts(b, "\">crates.io</a>)");
    } else {
        html_esc(b, a->package);
        csec_buf_puts(b, " (Rust toolchain)");
    }
    csec_buf_puts(b, "</li>\n<li><a href=\"https://rustsec.org/advisories/");
    html_url_part(b, a->id);
    csec_buf_puts(b, ".html\">rustsec.org</a></li>\n<li><a href=\"/v1/vulns/");
    html_url_part(b, a->id);
    csec_buf_puts(b, "\">OSV JSON</a></li>\n");
    if (a->path) {
        static const char *const kinds[][2] = {{"blob", "Source file"},
                                               {"commits", "History"},
                                               {"edit", "Edit on GitHub"}};
        for (size_t k = 0; k < 3; k++) {
            csec_buf_printf(b, "<li><a href=\"https://github.com/rustsec/advisory-db/%s/main/",
                            kinds[k][0]);
            /* The path's segments are names checked at load (package and id). */
            for (const char *p = a->path, *e; *p; p = *e ? e + 1 : e) {
                e = strchr(p, '/');
                if (!e)
                    e = p + strlen(p);
                csec_buf tmp = CSEC_BUF_INIT;
                csec_buf_put(&tmp, p, (size_t)(e - p));
                html_url_part(b, tmp.ptr);
                csec_buf_free(&tmp);
                if (*e)
                    csec_buf_putc(b, '/');
            }
            csec_buf_printf(b, "\">%s</a></li>\n", kinds[k][1]);
        }
    }
    csec_buf_puts(b, "</ul>\n");
}

/* The advisories whose id or one of whose aliases is `key`, in database
 * order, into `out` (room for `cap`); returns how many there are. */
static size_t advisories_named(const srv_site *s, const char *key, const csec_advisory **out,
                               size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++) {
        const csec_advisory *a = s->advs[i].a;
        if (strcmp(a->id, key) != 0 && !csec__strlist_has(&a->aliases, key))
            continue;
        if (n < cap)
            out[n] = a;
        n++;
    }
    return n;
}

enum { ALIAS_MAX = 64 };

/* An alias that several advisories share: a list of them all. */
static void alias_page(const srv_req *r, srv_resp *resp, const char *alias,
                       const csec_advisory *const *advs, size_t n)
{
    const srv_site *s = r->site;
    csec_buf *b = &resp->body;
    resp->status = 200;
    html_begin(b, alias, NULL);
    csec_buf_puts(b, "<h1>");
    html_esc(b, alias);
    csec_buf_printf(b, "</h1>\n<p>%zu advisories of the RustSec advisory database give ", n);
    html_esc(b, alias);
    csec_buf_puts(b, " as an alias:</p>\n<ul class=\"advs\">\n");
    for (size_t i = 0; i < n && i < ALIAS_MAX; i++)
        html_adv_item(b, advs[i]);
    csec_buf_puts(b, "</ul>\n");
    html_end(b, s);
}

void page_advisory(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    const char *key = r->seg[1];
    size_t klen = strlen(key);
    /* rustsec.org's addresses end in .html (crates.io's tab links to them). */
    if (klen > 5 && strcmp(key + klen - 5, ".html") == 0) {
        csec_buf id = CSEC_BUF_INIT;
        csec_buf_put(&id, key, klen - 5);
        html_redirect(resp, 301, "/advisories/", id.ptr);
        csec_buf_free(&id);
        return;
    }
    const csec_advisory *named[ALIAS_MAX];
    size_t n = advisories_named(s, key, named, ALIAS_MAX);
    const csec_advisory *a = NULL;
    for (size_t i = 0; i < n && i < ALIAS_MAX && !a; i++)
        if (strcmp(named[i]->id, key) == 0)
            a = named[i];
    if (!a) {
        /* An alias: the list of the advisories that give it, or the only one. */
        if (n > 1)
            alias_page(r, resp, key, named, n);
        else if (n == 1)
            html_redirect(resp, 301, "/advisories/", named[0]->id);
        else
            page_not_found(r, resp, "No advisory has this id or alias.");
        return;
    }
    const srv_adv *sa = srv_site_adv(s, a);
    const csec_index_crate *pub = html_published(s, a);
    csec_buf *b = &resp->body;
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_printf(&title, "%s: ", a->id);
    csec__word_title_plain(&title, a->title);
    resp->status = 200;
    html_begin(b, title.ptr, NULL);
    csec_buf_free(&title);
    csec_buf_puts(b, "<article class=\"adv-page\">\n<h1>");
    html_esc(b, a->id);
    csec_buf_puts(b, ": ");
    html_title(b, a->title);
    csec_buf_puts(b, "</h1>\n");
    if (a->withdrawn.year) {
        csec_buf t = CSEC_BUF_INIT;
        csec__word_withdrawn(&t, a);
        csec_buf_puts(b, "<p class=\"notice withdrawn\" role=\"note\"><strong>");
        html_escn(b, t.ptr, t.len);
        csec_buf_puts(b, "</strong></p>\n");
        csec_buf_free(&t);
    }
    adv_links(b, a);
    html_adv_facts(b, s, a, NULL, pub);
    bool alt = a->informational == CSEC_INFO_UNMAINTAINED && html_has_alternatives(sa);
    if (alt) {
        csec_buf_puts(b, "<section class=\"alternatives\" aria-labelledby=\"alt-h\"><h2 "
                         "id=\"alt-h\">Suggested alternatives</h2>\n");
        csec_buf_puts(b, sa->alt_html);
        csec_buf_puts(b, "</section>\n");
    }
    csec_buf_puts(b, "<h2>Description</h2>\n<div class=\"desc\">\n");
    html_desc(b, sa, 3, alt);
    csec_buf_puts(b, "</div>\n");
    if (!a->withdrawn.year)
        page_deps_impact(b, s, a);
    csec_buf_puts(b, "<p class=\"muted\">License of this advisory text: ");
    html_esc(b, a->license ? a->license : "CC0-1.0");
    csec_buf_puts(b, ".</p>\n</article>\n");
    html_end(b, s);
}
