/* page_basic.c - the home page, the stylesheet and the error pages. */
#include "html.h"

#include "index.h"

#include <string.h>

#define HOME_LATEST 20

void page_style(const srv_req *r, srv_resp *resp)
{
    resp->status = 200;
    resp->content_type = "text/css; charset=utf-8";
    resp->cache_control = "public, max-age=3600";
    resp->static_body = r->site->css;
    resp->static_len = r->site->css_len;
}

void page_error(const srv_req *r, srv_resp *resp, int status, const char *title,
                const char *message)
{
    csec_buf *b = &resp->body;
    resp->status = status;
    csec_buf_clear(b);
    html_begin(b, title, NULL);
    csec_buf_puts(b, "<h1>");
    html_esc(b, title);
    csec_buf_puts(b, "</h1>\n<p>");
    html_esc(b, message);
    csec_buf_puts(b, "</p>\n<p><a href=\"/\">Go to the home page</a>.</p>\n");
    html_end(b, r->site);
}

void page_not_found(const srv_req *r, srv_resp *resp, const char *what)
{
    csec_buf *b = &resp->body;
    resp->status = 404;
    csec_buf_clear(b);
    html_begin(b, "Not found", NULL);
    csec_buf_puts(b, "<h1>Not found</h1>\n<p>");
    html_esc(b, what);
    csec_buf_puts(b, "</p>\n<p>You can search for a crate by name, or for an advisory by its "
                     "RUSTSEC id, CVE or GHSA id, with the search box above; or browse "
                     "<a href=\"/advisories\">all advisories</a>, "
                     "<a href=\"/categories\">categories</a> and "
                     "<a href=\"/keywords\">keywords</a>.</p>\n");
    html_end(b, r->site);
}

void page_home(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    csec_buf *b = &resp->body;
    resp->status = 200;
    html_begin_feed(b, "RustSec advisories for crates", NULL, "/feed.xml", "RustSec advisories");
    /* The header holds the page's one search box. */
    csec_buf_puts(b, "<h1>RustSec advisories for crates</h1>\n");
    size_t live = 0;
    for (size_t i = 0; i < s->count; i++)
        live += !s->advs[i].a->withdrawn.year;
    csec_buf_printf(b, "<p>%zu advisories about %zu crates from the RustSec advisory database",
                    live, s->npackages);
    if (s->index)
        csec_buf_printf(b, "; %zu crates and %zu versions in the registry index",
                        csec__index_crate_count(s->index), csec__index_version_count(s->index));
    csec_buf_puts(b, ". A crate page shows, for the version you pick, which advisories affect "
                     "it and which do not, and why. Search for a crate or an advisory with the "
                     "box at the top of the page.</p>\n<p class=\"data-age\">Data: ");
    html_data_age(b, s);
    csec_buf_puts(b, ".</p>\n");
    csec_buf_puts(b, "<h2>Latest advisories</h2>\n<ul class=\"advs\">\n");
    size_t shown = 0;
    for (size_t i = 0; i < s->count && shown < HOME_LATEST; i++) {
        const csec_advisory *a = s->by_date[i]->a;
        if (a->withdrawn.year)
            continue;
        html_adv_item(b, a);
        shown++;
    }
    csec_buf_puts(b, "</ul>\n<p><a href=\"/advisories\">All advisories, newest first</a>; "
                     "<a href=\"/feed.xml\">Atom feed of new and updated advisories</a></p>\n");
    html_end(b, s);
}
