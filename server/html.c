/* html.c - escaping writers and the shared layout of every page. */
#include "html.h"

#include <stdio.h>
#include <string.h>

void html_escn(csec_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        csec_buf_put(b, s + start, i - start);
        csec_buf_puts(b, rep);
        start = i + 1;
    }
    csec_buf_put(b, s + start, n - start);
}

void html_esc(csec_buf *b, const char *s)
{
    if (s)
        html_escn(b, s, strlen(s));
}

void html_url_part(csec_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            csec_buf_putc(b, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            csec_buf_put(b, esc, 3);
        }
    }
}

void html_date(csec_buf *b, csec_date d)
{
    char s[16];
    snprintf(s, sizeof s, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
    csec_buf_printf(b, "<time datetime=\"%s\">%s</time>", s, s);
}

void html_begin(csec_buf *b, const srv_site *site, const char *title, const char *query)
{
    html_begin_feed(b, site, title, query, NULL, NULL);
}

void html_begin_feed(csec_buf *b, const srv_site *site, const char *title, const char *query,
                     const char *feed_href, const char *feed_title)
{
    (void)site;
    csec_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    html_esc(b, title);
    csec_buf_puts(b, " \xE2\x80\x94 cratesec</title>\n"
                     "<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
    if (feed_href) {
        csec_buf_puts(b, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
        html_esc(b, feed_title);
        csec_buf_puts(b, "\" href=\"");
        html_esc(b, feed_href);
        csec_buf_puts(b, "\">\n");
    }
    csec_buf_puts(b, "</head>\n<body>\n"
                     "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
                     "<header class=\"site\">\n<div class=\"wrap\">\n"
                     "<a class=\"brand\" href=\"/\">cratesec</a>\n"
                     "<nav aria-label=\"Site\"><ul>"
                     "<li><a href=\"/advisories\">Advisories</a></li>"
                     "<li><a href=\"/categories\">Categories</a></li>"
                     "<li><a href=\"/keywords\">Keywords</a></li>"
                     "<li><a href=\"/audit\">Audit</a></li></ul></nav>\n"
                     "<form class=\"search\" role=\"search\" action=\"/search\" method=\"get\">"
                     "<label for=\"q\">Search</label>"
                     "<input id=\"q\" name=\"q\" type=\"search\" "
                     "placeholder=\"crate, RUSTSEC id, CVE or GHSA\" value=\"");
    html_esc(b, query);
    csec_buf_puts(b, "\"><button type=\"submit\">Search</button></form>\n</div>\n</header>\n"
                     "<main id=\"main\" class=\"wrap\">\n");
}

void html_end(csec_buf *b, const srv_site *site)
{
    csec_buf_puts(b, "</main>\n<footer class=\"site\"><div class=\"wrap\"><p>Data: "
                     "<a href=\"https://github.com/rustsec/advisory-db\">RustSec advisory "
                     "database</a>");
    if (site->commit[0]) {
        csec_buf_puts(b, ", commit <a href=\"https://github.com/rustsec/advisory-db/commit/");
        csec_buf_puts(b, site->commit); /* 40 hex digits, checked at load */
        csec_buf_printf(b, "\"><code>%.12s</code></a>", site->commit);
        if (site->commit_date[0])
            csec_buf_printf(b, " (%s)", site->commit_date);
    }
    csec_buf_printf(b, ". %zu advisories loaded %s in %.0f ms.", site->count, site->loaded_at,
                    site->load_ms);
    csec_buf_puts(b, " Advisory texts are CC0-1.0.</p></div></footer>\n</body>\n</html>\n");
}

const char *html_kind_name(const csec_advisory *a)
{
    switch (a->informational) {
    case CSEC_INFO_NONE:
        return "Vulnerability";
    case CSEC_INFO_UNSOUND:
        return "Unsound";
    case CSEC_INFO_UNMAINTAINED:
        return "Unmaintained";
    case CSEC_INFO_NOTICE:
        return "Notice";
    case CSEC_INFO_OTHER:
        break;
    }
    return "Informational";
}

const char *html_kind_class(const csec_advisory *a)
{
    switch (a->informational) {
    case CSEC_INFO_NONE:
        return "vuln";
    case CSEC_INFO_UNSOUND:
        return "unsound";
    default:
        return "info";
    }
}

void html_kind_label(csec_buf *b, const csec_advisory *a)
{
    csec_buf_printf(b, "<span class=\"kind kind-%s\">%s</span>", html_kind_class(a),
                    html_kind_name(a));
    if (a->withdrawn.year)
        csec_buf_puts(b, " <span class=\"kind kind-withdrawn\">Withdrawn</span>");
}

static void write_version(csec_buf *b, const csec_version *v)
{
    csec_buf tmp = CSEC_BUF_INIT;
    csec_version_write(&tmp, v);
    html_escn(b, tmp.ptr, tmp.len);
    csec_buf_free(&tmp);
}

/* The interval algorithm (spec §2.4) writes bounds that nobody publishes:
 * next(v) = M.m.(p+1)-0 for an inclusive end or exclusive start at v, and
 * X.Y.0-0 for the end of a caret or tilde range.  In words they read exactly
 * as "after v" and "X.Y.0 and its pre-releases": no version lies between v
 * and next(v), and X.Y.0-0 is the smallest pre-release of X.Y.0. */
enum { BOUND_PLAIN, BOUND_NEXT, BOUND_WITH_PRE };

static bool is_zero_pre(const csec_version *v)
{
    return v->pre.len == 1 && v->pre.ptr[0] == '0' && v->build.len == 0;
}

/* Classifies bound `v`; for BOUND_NEXT writes the version it follows to *prev. */
static int bound_kind(const csec_version *v, csec_version *prev)
{
    if (!is_zero_pre(v))
        return BOUND_PLAIN;
    if (v->patch == 0)
        return BOUND_WITH_PRE;
    *prev = *v;
    prev->patch--;
    prev->pre.ptr = "";
    prev->pre.len = 0;
    return BOUND_NEXT;
}

static bool is_min_version(const csec_version *v)
{
    return v->major == 0 && v->minor == 0 && v->patch == 0 && is_zero_pre(v);
}

/* Whether [lo, hi) holds exactly one version (and its build variants):
 * hi == next(lo). */
static bool is_single(const csec_version *lo, const csec_version *hi)
{
    if (lo->major != hi->major || lo->minor != hi->minor)
        return false;
    if (lo->pre.len == 0)
        return hi->patch == lo->patch + 1 && is_zero_pre(hi);
    return hi->patch == lo->patch && hi->build.len == 0 && hi->pre.len == lo->pre.len + 2 &&
           memcmp(hi->pre.ptr, lo->pre.ptr, lo->pre.len) == 0 &&
           memcmp(hi->pre.ptr + lo->pre.len, ".0", 2) == 0;
}

void html_bound(csec_buf *b, const csec_version *v, const char *plain, const char *after)
{
    csec_version prev;
    int k = bound_kind(v, &prev);
    if (k == BOUND_NEXT) {
        csec_buf_puts(b, after);
        write_version(b, &prev);
        return;
    }
    csec_buf_puts(b, plain);
    if (k == BOUND_WITH_PRE) {
        csec_version x = *v;
        x.pre.ptr = "";
        x.pre.len = 0;
        write_version(b, &x);
        csec_buf_puts(b, " and its pre-releases");
    } else {
        write_version(b, v);
    }
}

void html_ranges(csec_buf *b, const csec_advisory *a)
{
    size_t shown = 0;
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        bool lo = iv->has_introduced && !is_min_version(&iv->introduced);
        /* A zero-width interval ([0.10.0, 0.10.0), spec §2.4) holds no version. */
        if (iv->has_introduced && iv->has_fixed &&
            csec_version_cmp(&iv->introduced, &iv->fixed) >= 0)
            continue;
        if (shown++)
            csec_buf_puts(b, "; ");
        if (!lo && !iv->has_fixed) {
            csec_buf_puts(b, "all versions, no fix available");
        } else if (lo && iv->has_fixed && is_single(&iv->introduced, &iv->fixed)) {
            csec_buf_puts(b, "only ");
            write_version(b, &iv->introduced);
        } else if (lo && iv->has_fixed && is_zero_pre(&iv->introduced) &&
                   iv->fixed.pre.len == 0 && iv->fixed.build.len == 0 &&
                   iv->fixed.major == iv->introduced.major &&
                   iv->fixed.minor == iv->introduced.minor &&
                   iv->fixed.patch == iv->introduced.patch) {
            /* [X-0, X): exactly the pre-releases of X. */
            csec_buf_puts(b, "the pre-releases of ");
            write_version(b, &iv->fixed);
        } else if (!lo) {
            html_bound(b, &iv->fixed, "versions before ", "versions up to and including ");
        } else {
            html_bound(b, &iv->introduced, "from ", "after ");
            if (iv->has_fixed)
                html_bound(b, &iv->fixed, ", before ", ", up to and including ");
            else
                csec_buf_puts(b, ", no fix available");
        }
    }
    if (!shown)
        csec_buf_puts(b, "no version");
}

void html_version(csec_buf *b, const csec_version *v)
{
    write_version(b, v);
}

void html_cvss(csec_buf *b, const csec_cvss *c)
{
    static const char *const sev[] = {"None", "Low", "Medium", "High", "Critical"};
    const char *calc = c->version == 40 ? "4.0" : c->version == 31 ? "3.1" : c->version == 30 ? "3.0"
                                                                                              : NULL;
    csec_buf_printf(b, "<span class=\"score\">%.1f</span> (%s) ", c->score,
                    (unsigned)c->severity < 5 ? sev[c->severity] : "Unknown");
    if (calc) {
        csec_buf_printf(b, "<a href=\"https://www.first.org/cvss/calculator/%s#", calc);
        html_esc(b, c->canonical);
        csec_buf_puts(b, "\"><code>");
        html_esc(b, c->canonical);
        csec_buf_puts(b, "</code></a>");
    } else {
        csec_buf_puts(b, "<code>");
        html_esc(b, c->canonical);
        csec_buf_puts(b, "</code>");
    }
}

void html_reqs(csec_buf *b, const csec_req *const *reqs, size_t n, const char *none)
{
    if (n == 0) {
        csec_buf_puts(b, none);
        return;
    }
    csec_buf tmp = CSEC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_puts(&tmp, ", ");
        csec_req_write(&tmp, reqs[i]);
    }
    html_escn(b, tmp.ptr, tmp.len);
    csec_buf_free(&tmp);
}

void html_adv_item(csec_buf *b, const csec_advisory *a)
{
    csec_buf_puts(b, "<li class=\"adv-item\"><a class=\"adv-id\" href=\"/advisories/");
    html_url_part(b, a->id);
    csec_buf_puts(b, "\">");
    html_esc(b, a->id);
    csec_buf_puts(b, "</a> ");
    html_kind_label(b, a);
    if (a->collection == CSEC_COLLECTION_RUST) {
        csec_buf_puts(b, " <span class=\"pkg\">");
        html_esc(b, a->package);
        csec_buf_puts(b, "</span>");
    } else {
        csec_buf_puts(b, " <a class=\"pkg\" href=\"/crates/");
        html_url_part(b, a->package);
        csec_buf_puts(b, "\">");
        html_esc(b, a->package);
        csec_buf_puts(b, "</a>");
    }
    csec_buf_puts(b, " <span class=\"adv-title\">");
    html_esc(b, a->title);
    csec_buf_puts(b, "</span> ");
    html_date(b, a->date);
    csec_buf_puts(b, "</li>\n");
}

void html_alias(csec_buf *b, const char *alias)
{
    const char *base = NULL;
    if (strncmp(alias, "CVE-", 4) == 0)
        base = "https://www.cve.org/CVERecord?id=";
    else if (strncmp(alias, "GHSA-", 5) == 0)
        base = "https://github.com/advisories/";
    if (!base) {
        html_esc(b, alias);
        return;
    }
    csec_buf_printf(b, "<a href=\"%s", base);
    html_url_part(b, alias);
    csec_buf_puts(b, "\">");
    html_esc(b, alias);
    csec_buf_puts(b, "</a>");
}
