/* page_lists.c - advisory lists (all, by category, by keyword), the
 * category and keyword indexes, and search. */
#include "html.h"

#include "crate_name.h"
#include "index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEARCH_MAX 50

/* /advisories: every advisory, newest first, PAGE_SIZE a page, filtered by
 * kind (wording rule 1's slugs, or "withdrawn"), year and category. */
enum { PAGE_SIZE = 100 };

typedef struct list_filter {
    const char *kind, *category;
    int year;
    size_t page; /* 1-based */
} list_filter;

static bool keep(const csec_advisory *a, const list_filter *f)
{
    if (f->kind) {
        if (strcmp(f->kind, "withdrawn") == 0) {
            if (!a->withdrawn.year)
                return false;
        } else if (strcmp(csec__word_kind_slug(a), f->kind) != 0) {
            return false;
        }
    }
    if (f->year && a->date.year != f->year)
        return false;
    return !f->category || csec__strlist_has(&a->categories, f->category);
}

/* The address of page `page` of the filtered list under `base` (a path,
 * percent-encoded); a fixed category is part of `base`. */
static void filter_query(csec_buf *b, const char *base, const list_filter *f, bool fixed,
                         size_t page)
{
    char sep = '?';
    csec_buf_puts(b, base);
    if (f->kind) {
        csec_buf_puts(b, "?kind=");
        html_url_part(b, f->kind);
        sep = '&';
    }
    if (f->year) {
        csec_buf_printf(b, "%cyear=%d", sep, f->year);
        sep = '&';
    }
    if (f->category && !fixed) {
        csec_buf_printf(b, "%ccategory=", sep);
        html_url_part(b, f->category);
        sep = '&';
    }
    if (page > 1)
        csec_buf_printf(b, "%cpage=%zu", sep, page);
}

static void option(csec_buf *b, const char *value, const char *label, bool selected)
{
    csec_buf_puts(b, "<option value=\"");
    html_esc(b, value);
    csec_buf_puts(b, selected ? "\" selected>" : "\">");
    html_esc(b, label);
    csec_buf_puts(b, "</option>");
}

static void filter_form(csec_buf *b, const srv_site *s, const char *base, const list_filter *f,
                        bool fixed)
{
    csec_buf_puts(b, "<form class=\"filters\" method=\"get\" action=\"");
    csec_buf_puts(b, base);
    csec_buf_puts(b, "\">\n<label for=\"f-kind\">Kind</label> <select id=\"f-kind\" "
                     "name=\"kind\">");
    option(b, "", "Any", !f->kind);
    for (size_t i = 0; csec__word_kind_slugs[i]; i++)
        option(b, csec__word_kind_slugs[i], csec__word_kind_slug_label(csec__word_kind_slugs[i]),
               f->kind && strcmp(f->kind, csec__word_kind_slugs[i]) == 0);
    option(b, "withdrawn", "Withdrawn", f->kind && strcmp(f->kind, "withdrawn") == 0);
    csec_buf_puts(b, "</select>\n<label for=\"f-year\">Year</label> <select id=\"f-year\" "
                     "name=\"year\">");
    option(b, "", "Any", !f->year);
    int newest = s->count ? s->by_date[0]->a->date.year : 0;
    int oldest = s->count ? s->by_date[s->count - 1]->a->date.year : 0;
    for (int y = newest; y >= oldest && y > 0; y--) {
        char v[16];
        snprintf(v, sizeof v, "%d", y);
        option(b, v, v, f->year == y);
    }
    csec_buf_puts(b, "</select>\n");
    if (!fixed) {
        csec_buf_puts(b, "<label for=\"f-cat\">Category</label> <select id=\"f-cat\" "
                         "name=\"category\">");
        option(b, "", "Any", !f->category);
        for (size_t i = 0; i < s->ncategories; i++)
            option(b, s->categories[i], s->categories[i],
                   f->category && strcmp(f->category, s->categories[i]) == 0);
        csec_buf_puts(b, "</select>\n");
    }
    csec_buf_puts(b, "<button type=\"submit\">Filter</button></form>\n");
}

/* A kind filter is "withdrawn" or a slug, which has a label. */
static bool known_kind(const char *k)
{
    return strcmp(k, "withdrawn") == 0 || csec__word_kind_slug_label(k);
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool in_sorted(const char *const *names, size_t n, const char *s)
{
    return n && bsearch(&s, names, n, sizeof *names, cmp_name);
}

/* The paged, filtered list of advisories: /advisories, or with `category`
 * /categories/NAME (`heading` names it). */
static void advisory_list(const srv_req *r, srv_resp *resp, const char *category,
                          const char *heading)
{
    const srv_site *s = r->site;
    list_filter f = {NULL, category, 0, 1};
    bool fixed = category != NULL;
    const char *kind = srv_query(r, "kind"), *year = srv_query(r, "year"),
               *cat = fixed ? NULL : srv_query(r, "category"), *page = srv_query(r, "page");
    f.kind = kind && *kind ? kind : NULL;
    if (cat && *cat)
        f.category = cat;
    char *end = NULL;
    if (year && *year) {
        long y = strtol(year, &end, 10);
        if (*end || y < 2000 || y > 2100) {
            page_error(r, resp, 400, "Bad filter", "The year must be a number such as 2021.");
            return;
        }
        f.year = (int)y;
    }
    if (page && *page) {
        unsigned long p = strtoul(page, &end, 10);
        if (*end || p < 1 || p > 100000) {
            page_error(r, resp, 400, "Bad page", "The page must be a number from 1.");
            return;
        }
        f.page = p;
    }
    if ((f.kind && !known_kind(f.kind)) ||
        (f.category && !in_sorted(s->categories, s->ncategories, f.category))) {
        page_error(r, resp, 400, "Bad filter",
                   "No advisory has this kind or category; pick one from the lists.");
        return;
    }
    csec_buf base = CSEC_BUF_INIT;
    if (fixed) {
        csec_buf_puts(&base, "/categories/");
        html_url_part(&base, category);
    } else {
        csec_buf_puts(&base, "/advisories");
    }
    size_t total = 0;
    for (size_t i = 0; i < s->count; i++)
        total += keep(s->by_date[i]->a, &f);
    size_t pages = total ? (total + PAGE_SIZE - 1) / PAGE_SIZE : 1;
    if (f.page > pages)
        f.page = pages;
    csec_buf *b = &resp->body;
    resp->status = 200;
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_puts(&title, heading);
    if (pages > 1)
        csec_buf_printf(&title, ", page %zu of %zu", f.page, pages);
    html_begin(b, title.ptr, NULL);
    csec_buf_free(&title);
    csec_buf_puts(b, "<h1>");
    html_esc(b, heading);
    csec_buf_puts(b, "</h1>\n");
    filter_form(b, s, base.ptr, &f, fixed);
    size_t from = (f.page - 1) * PAGE_SIZE, to = from + PAGE_SIZE < total ? from + PAGE_SIZE : total;
    if (total)
        csec_buf_printf(b, "<p class=\"muted\">%zu to %zu of %zu, newest first. Withdrawn "
                           "advisories are kept for reference and labelled.</p>\n",
                        from + 1, to, total);
    else
        csec_buf_puts(b, "<p>No advisory matches these filters.</p>\n");
    csec_buf_puts(b, "<ul class=\"advs\">\n");
    for (size_t i = 0, k = 0; i < s->count && k < to; i++) {
        const csec_advisory *a = s->by_date[i]->a;
        if (!keep(a, &f))
            continue;
        if (k++ >= from)
            html_adv_item(b, a);
    }
    csec_buf_puts(b, "</ul>\n");
    if (pages > 1) {
        csec_buf_puts(b, "<nav class=\"pages\" aria-label=\"Pages\"><ul>\n");
        if (f.page > 1) {
            csec_buf_puts(b, "<li><a rel=\"prev\" href=\"");
            filter_query(b, base.ptr, &f, fixed, f.page - 1);
            csec_buf_puts(b, "\">Newer</a></li>\n");
        }
        for (size_t p = 1; p <= pages; p++) {
            csec_buf_puts(b, p == f.page ? "<li><a aria-current=\"page\" href=\"" : "<li><a href=\"");
            filter_query(b, base.ptr, &f, fixed, p);
            csec_buf_printf(b, "\">%zu</a></li>\n", p);
        }
        if (f.page < pages) {
            csec_buf_puts(b, "<li><a rel=\"next\" href=\"");
            filter_query(b, base.ptr, &f, fixed, f.page + 1);
            csec_buf_puts(b, "\">Older</a></li>\n");
        }
        csec_buf_puts(b, "</ul></nav>\n");
    }
    if (fixed)
        csec_buf_puts(b, "<p><a href=\"/categories\">All categories</a></p>\n");
    html_end(b, s);
    csec_buf_free(&base);
}

void page_list_all(const srv_req *r, srv_resp *resp)
{
    advisory_list(r, resp, NULL, "All advisories");
}

/* /categories/NAME and /keywords/NAME: the advisories with it. */
static void list_named(const srv_req *r, srv_resp *resp, bool cat)
{
    const srv_site *s = r->site;
    const char *name = r->seg[1];
    if (!in_sorted(cat ? s->categories : s->keywords, cat ? s->ncategories : s->nkeywords,
                   name)) {
        page_not_found(r, resp, cat ? "No advisory has this category."
                                    : "No advisory has this keyword.");
        return;
    }
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_printf(&title, "%s: %s", cat ? "Category" : "Keyword", name);
    if (cat) {
        /* Categories hold hundreds: the paged list. */
        advisory_list(r, resp, name, title.ptr);
    } else {
        /* Every advisory with the keyword, newest first; withdrawn ones too,
         * with their label, because these pages are the archive. */
        csec_buf *b = &resp->body;
        resp->status = 200;
        html_begin(b, title.ptr, NULL);
        csec_buf_puts(b, "<h1>");
        html_esc(b, title.ptr);
        csec_buf_puts(b, "</h1>\n<ul class=\"advs\">\n");
        for (size_t i = 0; i < s->count; i++)
            if (csec__strlist_has(&s->by_date[i]->a->keywords, name))
                html_adv_item(b, s->by_date[i]->a);
        csec_buf_puts(b, "</ul>\n<p><a href=\"/keywords\">All keywords</a></p>\n");
        html_end(b, s);
    }
    csec_buf_free(&title);
}

void page_list_category(const srv_req *r, srv_resp *resp)
{
    list_named(r, resp, true);
}

void page_list_keyword(const srv_req *r, srv_resp *resp)
{
    list_named(r, resp, false);
}

static void index_page(const srv_req *r, srv_resp *resp, bool cat)
{
    const srv_site *s = r->site;
    csec_buf *b = &resp->body;
    const char *const *names = cat ? s->categories : s->keywords;
    size_t n = cat ? s->ncategories : s->nkeywords;
    resp->status = 200;
    html_begin(b, cat ? "Categories" : "Keywords", NULL);
    csec_buf_printf(b, "<h1>%s</h1>\n<ul class=\"names\">\n", cat ? "Categories" : "Keywords");
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        for (size_t j = 0; j < s->count; j++)
            count += csec__strlist_has(cat ? &s->advs[j].a->categories : &s->advs[j].a->keywords,
                                       names[i]);
        csec_buf_puts(b, "<li>");
        html_link(b, cat ? "/categories/" : "/keywords/", names[i]);
        csec_buf_printf(b, " <span class=\"muted\">(%zu)</span></li>\n", count);
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

/* The id or alias a query names, as the database spells it (into `key`, room
 * for 128), or NULL. */
static const csec_advisory *find_id(const csec_db *db, const char *q, char key[128])
{
    const csec_advisory *a = csec_db_find(db, q);
    if (a) {
        snprintf(key, 128, "%s", q);
        return a;
    }
    /* Ids are written upper case ("RUSTSEC-", "CVE-", "GHSA-" + lower case
     * letters); accept any case a reader types. */
    char tmp[128];
    size_t n = strlen(q);
    if (n >= sizeof tmp)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        tmp[i] = (char)(q[i] >= 'a' && q[i] <= 'z' ? q[i] - 32 : q[i]);
    if (!(a = csec_db_find(db, tmp)) && strncmp(tmp, "GHSA-", 5) == 0) {
        for (size_t i = 5; i < n; i++)
            tmp[i] = (char)csec__ascii_lower((unsigned char)tmp[i]);
        a = csec_db_find(db, tmp);
    }
    if (a)
        snprintf(key, 128, "%s", tmp);
    return a;
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
        char key[128];
        const csec_advisory *a = find_id(s->db, q, key);
        if (a) {
            /* An alias may name several advisories: /advisories/ALIAS lists
             * them, or redirects to the only one. */
            html_redirect(resp, 303, "/advisories/", key);
            goto done;
        }
    }
    resp->status = 200;
    html_begin(b, q && *q ? "Search results" : "Search", q);
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
    const csec_index_crate *c = srv_index_crate(s, q);
    const char *exact = c ? c->name : srv_site_package(s, q);
    if (exact) {
        csec_buf_puts(b, "<li>");
        html_link(b, "/crates/", exact);
        csec_buf_puts(b, " (exact match)</li>\n");
        found++;
    }
    for (size_t i = 0; i < s->npackages && found < SEARCH_MAX; i++) {
        const char *p = s->packages[i];
        if ((exact && csec__crate_name_eq(p, strlen(p), exact, strlen(exact))) ||
            !name_contains(p, q))
            continue;
        csec_buf_puts(b, "<li>");
        html_link(b, "/crates/", p);
        csec_buf_puts(b, " <span class=\"muted\">(has advisories)</span></li>\n");
        found++;
    }
    if (s->index) {
        size_t n = csec__index_crate_count(s->index);
        for (size_t i = 0; i < n && found < SEARCH_MAX; i++) {
            const char *p = csec__index_crate_at(s->index, i)->name;
            if ((exact && csec__crate_name_eq(p, strlen(p), exact, strlen(exact))) ||
                !name_contains(p, q) || srv_site_package(s, p))
                continue;
            csec_buf_puts(b, "<li>");
            html_link(b, "/crates/", p);
            csec_buf_puts(b, "</li>\n");
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
