/* page_lists.c - advisory lists (all, by category, by keyword), the
 * category and keyword indexes, and search. */
#include "html.h"

#include "crate_name.h"
#include "index.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEARCH_MAX 50

static bool has_item(const csec_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Lists every advisory (newest first) passing `keep`; withdrawn ones are
 * listed with their label because these pages are the archive. */
static size_t list(csec_buf *b, const srv_site *s, const char *which, const char *name)
{
    size_t n = 0;
    csec_buf_puts(b, "<ul class=\"advs\">\n");
    for (size_t i = 0; i < s->count; i++) {
        const csec_advisory *a = s->by_date[i]->a;
        if (which && !has_item(which[0] == 'c' ? &a->categories : &a->keywords, name))
            continue;
        html_adv_item(b, a);
        n++;
    }
    csec_buf_puts(b, "</ul>\n");
    return n;
}

void page_list_all(const srv_req *r, srv_resp *resp)
{
    csec_buf *b = &resp->body;
    resp->status = 200;
    html_begin(b, r->site, "All advisories", NULL);
    csec_buf_puts(b, "<h1>All advisories</h1>\n<p class=\"muted\">Newest first. Withdrawn "
                     "advisories are kept for reference and labelled.</p>\n");
    list(b, r->site, NULL, NULL);
    html_end(b, r->site);
}

static bool in_sorted(const char *const *names, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(names[mid], s);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static void list_named(const srv_req *r, srv_resp *resp, const char *which)
{
    const srv_site *s = r->site;
    bool cat = which[0] == 'c';
    const char *name = r->seg[1];
    if (!in_sorted(cat ? s->categories : s->keywords, cat ? s->ncategories : s->nkeywords,
                   name)) {
        page_not_found(r, resp, cat ? "No advisory has this category."
                                    : "No advisory has this keyword.");
        return;
    }
    csec_buf *b = &resp->body;
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_printf(&title, "%s: %s", cat ? "Category" : "Keyword", name);
    resp->status = 200;
    html_begin(b, s, title.ptr, NULL);
    csec_buf_puts(b, "<h1>");
    html_esc(b, title.ptr);
    csec_buf_puts(b, "</h1>\n");
    list(b, s, which, name);
    csec_buf_printf(b, "<p><a href=\"/%s\">All %s</a></p>\n", cat ? "categories" : "keywords",
                    cat ? "categories" : "keywords");
    html_end(b, s);
    csec_buf_free(&title);
}

void page_list_category(const srv_req *r, srv_resp *resp)
{
    list_named(r, resp, "categories");
}

void page_list_keyword(const srv_req *r, srv_resp *resp)
{
    list_named(r, resp, "keywords");
}

static void index_page(const srv_req *r, srv_resp *resp, bool cat)
{
    const srv_site *s = r->site;
    csec_buf *b = &resp->body;
    const char *const *names = cat ? s->categories : s->keywords;
    size_t n = cat ? s->ncategories : s->nkeywords;
    resp->status = 200;
    html_begin(b, s, cat ? "Categories" : "Keywords", NULL);
    csec_buf_printf(b, "<h1>%s</h1>\n<ul class=\"names\">\n", cat ? "Categories" : "Keywords");
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        for (size_t j = 0; j < s->count; j++)
            count += has_item(cat ? &s->advs[j].a->categories : &s->advs[j].a->keywords,
                              names[i]);
        csec_buf_printf(b, "<li><a href=\"/%s/", cat ? "categories" : "keywords");
        html_url_part(b, names[i]);
        csec_buf_puts(b, "\">");
        html_esc(b, names[i]);
        csec_buf_printf(b, "</a> <span class=\"muted\">(%zu)</span></li>\n", count);
    }
    csec_buf_puts(b, "</ul>\n");
    html_end(b, s);
}

void page_list_categories(const srv_req *r, srv_resp *resp)
{
    index_page(r, resp, true);
}

void page_list_keywords(const srv_req *r, srv_resp *resp)
{
    index_page(r, resp, false);
}

/* Case-insensitive substring test with '-' and '_' equivalent. */
static bool name_contains(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        for (; i < nl && hay[i]; i++)
            if (csec__crate_name_fold((unsigned char)hay[i]) !=
                csec__crate_name_fold((unsigned char)needle[i]))
                break;
        if (i == nl)
            return true;
    }
    return nl == 0;
}

static const csec_advisory *find_id(const csec_db *db, const char *q)
{
    const csec_advisory *a = csec_db_find(db, q);
    if (a)
        return a;
    /* Ids are written upper case ("RUSTSEC-", "CVE-", "GHSA-" + lower case
     * letters); accept any case a reader types. */
    char tmp[128];
    size_t n = strlen(q);
    if (n >= sizeof tmp)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        tmp[i] = (char)(q[i] >= 'a' && q[i] <= 'z' ? q[i] - 32 : q[i]);
    if ((a = csec_db_find(db, tmp)))
        return a;
    if (strncmp(tmp, "GHSA-", 5) == 0) {
        for (size_t i = 5; i < n; i++)
            tmp[i] = (char)csec__ascii_lower((unsigned char)tmp[i]);
        return csec_db_find(db, tmp);
    }
    return NULL;
}

void page_search(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    const char *q = srv_query(r, "q");
    csec_buf *b = &resp->body;
    csec_buf trimmed = CSEC_BUF_INIT;
    if (q) {
        while (*q == ' ' || *q == '\t')
            q++;
        size_t n = strlen(q);
        while (n && (q[n - 1] == ' ' || q[n - 1] == '\t'))
            n--;
        csec_buf_put(&trimmed, q, n);
        q = trimmed.ptr;
    }
    if (q && *q && strlen(q) <= 200) {
        const csec_advisory *a = find_id(s->db, q);
        if (a) {
            csec_buf loc = CSEC_BUF_INIT;
            csec_buf_puts(&loc, "/advisories/");
            html_url_part(&loc, a->id);
            srv_redirect(resp, 303, loc.ptr);
            csec_buf_free(&loc);
            goto done;
        }
    }
    resp->status = 200;
    html_begin(b, s, q && *q ? "Search results" : "Search", q);
    csec_buf_puts(b, "<h1>Search</h1>\n");
    if (!q || !*q) {
        csec_buf_puts(b, "<p>Type a crate name, a RUSTSEC id, a CVE or a GHSA id in the search "
                         "box.</p>\n");
        html_end(b, s);
        goto done;
    }
    if (strlen(q) > 200) {
        csec_buf_puts(b, "<p>That query is too long.</p>\n");
        html_end(b, s);
        goto done;
    }
    /* Crates: an exact name first, then names containing the query. */
    size_t found = 0;
    csec_buf_puts(b, "<h2>Crates</h2>\n<ul class=\"names\">\n");
    const char *exact = NULL;
    if (srv_has_index(s)) {
        const csec_index_crate *c = srv_index_crate(s, q);
        if (c)
            exact = c->name;
    }
    if (!exact)
        exact = srv_site_package(s, q);
    if (exact) {
        csec_buf_puts(b, "<li><a href=\"/crates/");
        html_url_part(b, exact);
        csec_buf_puts(b, "\">");
        html_esc(b, exact);
        csec_buf_puts(b, "</a> (exact match)</li>\n");
        found++;
    }
    for (size_t i = 0; i < s->npackages && found < SEARCH_MAX; i++) {
        const char *p = s->packages[i];
        if ((exact && csec__crate_name_eq(p, strlen(p), exact, strlen(exact))) ||
            !name_contains(p, q))
            continue;
        csec_buf_puts(b, "<li><a href=\"/crates/");
        html_url_part(b, p);
        csec_buf_puts(b, "\">");
        html_esc(b, p);
        csec_buf_puts(b, "</a> <span class=\"muted\">(has advisories)</span></li>\n");
        found++;
    }
    if (s->index) {
        size_t n = csec__index_crate_count(s->index);
        for (size_t i = 0; i < n && found < SEARCH_MAX; i++) {
            const char *p = csec__index_crate_at(s->index, i)->name;
            if ((exact && csec__crate_name_eq(p, strlen(p), exact, strlen(exact))) ||
                !name_contains(p, q) || srv_site_package(s, p))
                continue;
            csec_buf_puts(b, "<li><a href=\"/crates/");
            html_url_part(b, p);
            csec_buf_puts(b, "\">");
            html_esc(b, p);
            csec_buf_puts(b, "</a></li>\n");
            found++;
        }
    }
    csec_buf_puts(b, "</ul>\n");
    if (!found)
        csec_buf_puts(b, "<p>No crate name contains this text.</p>\n");
    else if (found >= SEARCH_MAX)
        csec_buf_printf(b, "<p class=\"muted\">Only the first %d matches are shown.</p>\n",
                        SEARCH_MAX);
    /* Advisories whose title mentions the query. */
    csec_buf_puts(b, "<h2>Advisories</h2>\n<ul class=\"advs\">\n");
    size_t advs = 0;
    for (size_t i = 0; i < s->count && advs < SEARCH_MAX; i++) {
        const csec_advisory *a = s->by_date[i]->a;
        if (!(a->title && strcasestr(a->title, q)) && !strcasestr(a->id, q))
            continue;
        html_adv_item(b, a);
        advs++;
    }
    csec_buf_puts(b, "</ul>\n");
    if (!advs)
        csec_buf_puts(b, "<p>No advisory id or title contains this text.</p>\n");
    html_end(b, s);
done:
    csec_buf_free(&trimmed);
}
