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
    (void)site;
    csec_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    html_esc(b, title);
    csec_buf_puts(b, " \xE2\x80\x94 cratesec</title>\n"
                     "<link rel=\"stylesheet\" href=\"/static/style.css\">\n</head>\n<body>\n"
                     "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
                     "<header class=\"site\">\n<div class=\"wrap\">\n"
                     "<a class=\"brand\" href=\"/\">cratesec</a>\n"
                     "<nav aria-label=\"Site\"><ul>"
                     "<li><a href=\"/advisories\">Advisories</a></li>"
                     "<li><a href=\"/categories\">Categories</a></li>"
                     "<li><a href=\"/keywords\">Keywords</a></li></ul></nav>\n"
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

void html_ranges(csec_buf *b, const csec_advisory *a)
{
    if (a->affected_count == 0) {
        csec_buf_puts(b, "no version");
        return;
    }
    if (a->affected_count == 1 && !a->affected[0].has_introduced && !a->affected[0].has_fixed) {
        csec_buf_puts(b, "all versions, no fix available");
        return;
    }
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        if (i)
            csec_buf_puts(b, "; ");
        if (iv->has_introduced && iv->has_fixed) {
            write_version(b, &iv->introduced);
            csec_buf_puts(b, " up to, but not including, ");
            write_version(b, &iv->fixed);
        } else if (iv->has_fixed) {
            csec_buf_puts(b, "versions before ");
            write_version(b, &iv->fixed);
        } else if (iv->has_introduced) {
            write_version(b, &iv->introduced);
            csec_buf_puts(b, " and later, no fix available");
        } else {
            csec_buf_puts(b, "all versions, no fix available");
        }
    }
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
