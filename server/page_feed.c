/* page_feed.c - Atom 1.0 feeds (RFC 4287) of new and updated advisories:
 * /feed.xml (every collection, the FEED_MAX most recently changed) and
 * /crates/NAME/feed.xml (that crate's advisories).
 *
 * Choices, each for a reader that polls the feed:
 *  - An entry's id is the advisory's permanent address on rustsec.org: it
 *    does not depend on where this server runs (the host is not known here,
 *    and pages are cached by path alone), and the same advisory seen in the
 *    global and a crate feed, or through two servers, is one entry.  A feed's
 *    id is a tag URI (RFC 4151) for the same reason.
 *  - `updated` is the last git change of the advisory file when the database
 *    is a git checkout (csec_advisory.modified), else the latest date the
 *    advisory states (its withdrawal, else its publication), at 12:00 UTC
 *    like `published` and like the OSV export.  A withdrawal is therefore an
 *    update of the entry, whose title carries the marker.
 *  - Entries are newest `updated` first; the feed's `updated` is its newest
 *    entry's (for a crate without advisories: the newest of the database).
 *  - Links are relative references (RFC 4287 section 4.2.7 allows IRI
 *    references, resolved against the feed's own address).
 *  - Every piece of text goes through xml_escn, which also replaces what XML
 *    1.0 forbids (control characters, malformed UTF-8, U+FFFE/U+FFFF) with
 *    U+FFFD: one stray byte in an advisory must not make the whole feed
 *    unreadable.
 */
#include "html.h"

#include "index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_MAX 50
#define FEED_CACHE "public, max-age=1800"
#define FEED_TYPE "application/atom+xml; charset=utf-8"
/* 9999-12-31T23:59:59Z: RFC 3339 has four-digit years. */
#define MAX_TIME INT64_C(253402300799)

/* ---- times ---- */

static int64_t date_noon(csec_date d)
{
    if (d.year <= 0 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
        return 0;
    struct tm tm = {
        .tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day, .tm_hour = 12};
    return (int64_t)timegm(&tm);
}

static int64_t adv_updated(const csec_advisory *a)
{
    int64_t t = date_noon(a->date);
    if (a->withdrawn.year && date_noon(a->withdrawn) > t)
        t = date_noon(a->withdrawn);
    if (a->modified > t)
        t = a->modified;
    return t > MAX_TIME ? MAX_TIME : t;
}

void srv_format_rfc3339(char out[32], int64_t t)
{
    if (t < 0)
        t = 0;
    if (t > MAX_TIME)
        t = MAX_TIME;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

void xml_time(csec_buf *b, int64_t t)
{
    char s[32];
    srv_format_rfc3339(s, t);
    csec_buf_puts(b, s);
}

/* ---- entries ---- */

typedef struct item {
    const srv_adv *sa;
    int64_t updated;
} item;

static int cmp_item(const void *x, const void *y)
{
    const item *a = x, *b = y;
    if (a->updated != b->updated)
        return a->updated < b->updated ? 1 : -1;
    return strcmp(b->sa->a->id, a->sa->a->id);
}

/* Appends plain text from lib/wording.h, escaped for XML. */
static void put_words(csec_buf *b, const csec_buf *t)
{
    xml_escn(b, t->ptr ? t->ptr : "", t->len);
}

static void put_list(csec_buf *b, const char *what, const csec_strlist *l)
{
    if (!l->count)
        return;
    csec_buf_printf(b, " %s: ", what);
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            csec_buf_puts(b, ", ");
        xml_esc(b, l->items[i]);
    }
    csec_buf_putc(b, '.');
}

/* The plain-text summary: the status first, what, where, which versions
 * (every sentence from lib/wording.h). */
static void summary(csec_buf *b, const srv_site *s, const csec_advisory *a)
{
    csec_buf t = CSEC_BUF_INIT;
    csec_buf_puts(b, "<summary type=\"text\">");
    if (a->withdrawn.year) {
        csec__word_withdrawn(&t, a);
        csec_buf_putc(&t, ' ');
    }
    csec_buf_puts(&t, csec__word_kind(a));
    csec_buf_puts(&t, a->collection == CSEC_COLLECTION_RUST ? " in the Rust toolchain's "
                                                            : " in the crate ");
    csec_buf_puts(&t, a->package);
    csec_buf_puts(&t, a->withdrawn.year ? ". Affected as first published: " : ". Affected: ");
    csec__word_ranges(&t, a, html_published(s, a));
    csec_buf_putc(&t, '.');
    if (a->patched_count) {
        csec_buf_puts(&t, " Patched: ");
        csec__word_reqs(&t, a->patched, a->patched_count, "");
        csec_buf_putc(&t, '.');
    } else {
        csec_buf_puts(&t, " No patched version.");
    }
    if (a->unaffected_count) {
        csec_buf_puts(&t, " Unaffected: ");
        csec__word_reqs(&t, a->unaffected, a->unaffected_count, "");
        csec_buf_putc(&t, '.');
    }
    if (a->cvss)
        csec_buf_printf(&t, " CVSS score %.1f (%s).", a->cvss->score,
                        csec_severity_name(a->cvss->severity));
    put_words(b, &t);
    csec_buf_free(&t);
    put_list(b, "Aliases", &a->aliases);
    csec_buf_puts(b, "</summary>\n");
}

static void entry(csec_buf *b, const srv_site *s, const srv_adv *sa, int64_t updated)
{
    const csec_advisory *a = sa->a;
    csec_buf t = CSEC_BUF_INIT;
    csec_buf_puts(b, "<entry>\n<id>https://rustsec.org/advisories/");
    html_url_part(b, a->id);
    csec_buf_puts(b, ".html</id>\n<title type=\"text\">");
    xml_esc(b, a->id);
    csec_buf_puts(b, " [");
    xml_esc(b, csec__word_kind(a));
    if (a->withdrawn.year)
        csec_buf_puts(b, ", withdrawn");
    csec_buf_puts(b, "] ");
    xml_esc(b, a->package);
    csec_buf_puts(b, ": ");
    csec__word_title_plain(&t, a->title);
    put_words(b, &t);
    csec_buf_free(&t);
    csec_buf_puts(b, "</title>\n<updated>");
    xml_time(b, updated);
    csec_buf_puts(b, "</updated>\n<published>");
    xml_time(b, date_noon(a->date));
    csec_buf_puts(b, "</published>\n<link rel=\"alternate\" type=\"text/html\" "
                     "href=\"/advisories/");
    html_url_part(b, a->id);
    csec_buf_puts(b, "\"/>\n");
    if (a->url && (strncmp(a->url, "https://", 8) == 0 || strncmp(a->url, "http://", 7) == 0) &&
        !strpbrk(a->url, " \t\r\n<>\"")) {
        csec_buf_puts(b, "<link rel=\"related\" href=\"");
        xml_esc(b, a->url);
        csec_buf_puts(b, "\"/>\n");
    }
    for (size_t i = 0; i < a->categories.count; i++) {
        csec_buf_puts(b, "<category term=\"");
        xml_esc(b, a->categories.items[i]);
        csec_buf_puts(b, "\"/>\n");
    }
    summary(b, s, a);
    csec_buf_puts(b, "<content type=\"html\">");
    xml_esc(b, sa->desc_html);
    csec_buf_puts(b, "</content>\n<rights>");
    xml_esc(b, a->license ? a->license : "CC0-1.0");
    csec_buf_puts(b, "</rights>\n</entry>\n");
}

/* The newest `updated` of the whole database: the global feed's and, for a
 * crate without advisories, "as of" that change. */
static int64_t newest_update(const srv_site *s)
{
    int64_t t = 0;
    for (size_t i = 0; i < s->count; i++) {
        int64_t u = adv_updated(s->advs[i].a);
        if (u > t)
            t = u;
    }
    return t;
}

/* Writes the feed of `items` (sorted here, at most FEED_MAX written).
 * `crate` is NULL for the global feed. */
static void feed(const srv_site *s, srv_resp *resp, item *items, size_t n, const char *crate)
{
    csec_buf *b = &resp->body;
    qsort(items, n, sizeof *items, cmp_item);
    if (n > FEED_MAX)
        n = FEED_MAX;
    resp->status = 200;
    resp->content_type = FEED_TYPE;
    resp->cache_control = FEED_CACHE;
    csec_buf_clear(b);
    csec_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n<id>");
    if (crate) {
        csec_buf_puts(b, "tag:cratesec,2025:crates/");
        html_url_part(b, crate);
        csec_buf_puts(b, "/advisories</id>\n<title type=\"text\">RustSec advisories for ");
        xml_esc(b, crate);
        csec_buf_puts(b, "</title>\n<subtitle type=\"text\">New and updated advisories of the "
                         "RustSec advisory database about the crate ");
        xml_esc(b, crate);
        csec_buf_puts(b, ", most recently changed first.</subtitle>\n");
    } else {
        csec_buf_printf(b,
                        "tag:cratesec,2025:advisories</id>\n"
                        "<title type=\"text\">RustSec advisories</title>\n"
                        "<subtitle type=\"text\">New and updated advisories of the RustSec "
                        "advisory database, the %d most recently changed first.</subtitle>\n",
                        FEED_MAX);
    }
    csec_buf_puts(b, "<updated>");
    xml_time(b, n ? items[0].updated : newest_update(s));
    csec_buf_puts(b, "</updated>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    if (crate)
        html_crate_url(b, crate, NULL, NULL);
    csec_buf_puts(b, "/feed.xml\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    if (crate)
        html_crate_url(b, crate, NULL, "security");
    else
        csec_buf_puts(b, "/advisories");
    csec_buf_puts(b, "\"/>\n<author><name>RustSec advisory database contributors</name>"
                     "<uri>https://github.com/rustsec/advisory-db</uri></author>\n"
                     "<generator version=\"" CSEC_VERSION_STRING "\">cratesec</generator>\n");
    for (size_t i = 0; i < n; i++)
        entry(b, s, items[i].sa, items[i].updated);
    csec_buf_puts(b, "</feed>\n");
}

void page_feed(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    item *items = csec__xcalloc(s->count + 1, sizeof *items);
    for (size_t i = 0; i < s->count; i++) {
        items[i].sa = &s->advs[i];
        items[i].updated = adv_updated(s->advs[i].a);
    }
    feed(s, resp, items, s->count, NULL);
    free(items);
}

void page_feed_crate(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    /* The crate as the crate page finds it (security.c). */
    srv_crate c;
    if (!srv_crate_find(s, r->seg[1], &c)) {
        page_not_found(r, resp,
                       "No crate of this name is in the registry index or the "
                       "RustSec advisory database.");
        return;
    }
    item *items = csec__xcalloc(c.nadv + 1, sizeof *items);
    for (size_t i = 0; i < c.nadv; i++) {
        items[i].sa = srv_site_adv(s, c.advs[i]); /* never NULL: the site has them all */
        items[i].updated = adv_updated(c.advs[i]);
    }
    feed(s, resp, items, c.nadv, c.name);
    free(items);
}
