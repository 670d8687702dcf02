/* html.c - escaping writers and the shared layout of every page. */
#include "html.h"

#include "dataage.h"
#include "index.h"
#include "registry.h"
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* What stands for each of the five characters that HTML and XML escape in
 * text and attribute values. */
static const char *const entity[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};

void html_escn(csec_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = entity[(unsigned char)s[i]];
        if (!rep)
            continue;
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

void xml_escn(csec_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t len = csec__utf8_decode(p + i, n - i, &cp, NULL);
        const char *rep = cp < 256 ? entity[cp] : NULL;
        if (len == 0) {
            rep = "\xEF\xBF\xBD";
            len = 1;
        } else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
                   cp == 0xFFFF) {
            rep = "\xEF\xBF\xBD";
        }
        if (rep) {
            csec_buf_put(b, s + start, i - start);
            csec_buf_puts(b, rep);
            start = i + len;
        }
        i += len;
    }
    csec_buf_put(b, s + start, n - start);
}

void xml_esc(csec_buf *b, const char *s)
{
    if (s)
        xml_escn(b, s, strlen(s));
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

void html_link(csec_buf *b, const char *path, const char *part)
{
    csec_buf_puts(b, "<a href=\"");
    csec_buf_puts(b, path);
    html_url_part(b, part);
    csec_buf_puts(b, "\">");
    html_esc(b, part);
    csec_buf_puts(b, "</a>");
}

void html_crate_url(csec_buf *b, const char *name, const char *vers, const char *tab)
{
    csec_buf_puts(b, "/crates/");
    html_url_part(b, name);
    if (vers) {
        csec_buf_putc(b, '/');
        html_url_part(b, vers);
    }
    if (tab) {
        csec_buf_putc(b, '/');
        csec_buf_puts(b, tab);
    }
}

void html_redirect(srv_resp *resp, int status, const char *path, const char *part)
{
    csec_buf loc = CSEC_BUF_INIT;
    csec_buf_puts(&loc, path);
    html_url_part(&loc, part);
    srv_redirect(resp, status, loc.ptr);
    csec_buf_free(&loc);
}

void html_incomplete(csec_buf *b, const csec_db_error *e, const char *crate)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__word_incomplete(&t, e, crate);
    csec_buf_puts(b, "<p class=\"sec-incomplete\" role=\"alert\" id=\"incomplete\">");
    html_escn(b, t.ptr, t.len);
    csec_buf_puts(b, "</p>\n");
    csec_buf_free(&t);
}

void html_date(csec_buf *b, csec_date d)
{
    char s[11];
    csec__word_date_text(s, d);
    csec_buf_printf(b, "<time datetime=\"%s\">%s</time>", s, s);
}

void html_begin(csec_buf *b, const char *title, const char *query)
{
    html_begin_feed(b, title, query, NULL, NULL);
}

void html_begin_feed(csec_buf *b, const char *title, const char *query, const char *feed_href,
                     const char *feed_title)
{
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

bool html_index_stale(const srv_site *site)
{
    if (!site->index_data)
        return site->index != NULL;
    csec_data_age age = {(csec_age_source)site->index_data->age_source,
                         site->index_data->age_time, ""};
    return csec__age_stale(&age, (int64_t)time(NULL));
}

void html_data_age(csec_buf *b, const srv_site *site)
{
    csec_buf_puts(b, "RustSec advisory database ");
    if (site->commit[0]) {
        csec_buf_puts(b, "commit <a href=\"https://github.com/rustsec/advisory-db/commit/");
        csec_buf_puts(b, site->commit); /* 40 hex digits, checked at load */
        csec_buf_printf(b, "\"><code>%.12s</code></a>", site->commit);
        if (site->commit_date[0])
            csec_buf_printf(b, " of %s", site->commit_date);
    } else {
        csec_buf_printf(b, "(not a git checkout) as loaded %s", site->loaded_at);
    }
    csec_buf_puts(b, "; registry index: ");
    if (site->index_data) {
        const srv_index_data *x = site->index_data;
        csec_data_age age = {(csec_age_source)x->age_source, x->age_time, ""};
        memcpy(age.commit, x->age_commit, sizeof age.commit);
        csec_buf t = CSEC_BUF_INIT;
        csec__word_data_age(&t, &age, 0);
        html_escn(b, t.ptr, t.len);
        csec_buf_free(&t);
        if (html_index_stale(site))
            csec_buf_puts(b, ", more than a day old: crates and releases published since are "
                             "not in it");
    } else if (site->sparse) {
        /* Which registry, and how fresh its crates are. */
        srv_sparse_report sr;
        srv_sparse_info(site->sparse, &sr);
        csec_buf_puts(b, "the sparse index ");
        html_esc(b, sr.url ? sr.url : "");
        /* Whole minutes only: "2 minutes" for 150 s would be a rule the
         * server does not follow. */
        bool minutes = sr.max_age_s >= 120 && sr.max_age_s % 60 == 0;
        unsigned n = minutes ? sr.max_age_s / 60 : sr.max_age_s;
        const char *unit = minutes ? "minutes" : n == 1 ? "second" : "seconds";
        csec_buf_printf(b,
                        ", each crate fetched when a page first needs it and checked again "
                        "once older than %u %s",
                        n, unit);
    } else {
        csec_buf_puts(b, "none (crate pages know advisories only)");
    }
}

void html_end(csec_buf *b, const srv_site *site)
{
    csec_buf_puts(b, "</main>\n<footer class=\"site\"><div class=\"wrap\"><p>Data: ");
    html_data_age(b, site);
    csec_buf_printf(b, ". %zu advisories loaded %s in %.0f ms.", site->count, site->loaded_at,
                    site->load_ms);
    csec_buf_puts(b, " Advisory texts are CC0-1.0 unless their page says otherwise.</p>"
                     "</div></footer>\n</body>\n</html>\n");
}

void html_linked_text(csec_buf *b, const srv_site *s, const char *text, size_t len)
{
    size_t lit = 0;
    for (size_t i = 0; i + 8 < len; i++) {
        if (memcmp(text + i, "RUSTSEC-", 8) != 0 || (i && text[i - 1] != ' ' && text[i - 1] != '('))
            continue;
        size_t j = i + 8;
        while (j < len && ((text[j] >= '0' && text[j] <= '9') || text[j] == '-'))
            j++;
        char id[32];
        if (j - i >= sizeof id)
            continue;
        memcpy(id, text + i, j - i);
        id[j - i] = '\0';
        if (!csec_db_find(s->db, id))
            continue;
        html_escn(b, text + lit, i - lit);
        html_link(b, "/advisories/", id);
        lit = j;
        i = j - 1;
    }
    html_escn(b, text + lit, len - lit);
}

void html_kind_label(csec_buf *b, const csec_advisory *a)
{
    csec_buf_printf(b, "<span class=\"kind kind-%s\">%s</span>", csec__word_kind_slug(a),
                    csec__word_kind(a));
    if (a->withdrawn.year)
        csec_buf_puts(b, " <span class=\"kind kind-withdrawn\">Withdrawn</span>");
}

void html_ranges(csec_buf *b, const csec_advisory *a, const csec_index_crate *published)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__word_ranges(&t, a, published);
    html_escn(b, t.ptr, t.len);
    csec_buf_free(&t);
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
        csec_buf_puts(b, "\">");
    }
    csec_buf_puts(b, "<code>");
    html_esc(b, c->canonical);
    csec_buf_puts(b, calc ? "</code></a>" : "</code>");
}

void html_reqs(csec_buf *b, const csec_req *const *reqs, size_t n, const char *none)
{
    if (n == 0) {
        html_esc(b, none);
        return;
    }
    csec_buf tmp = CSEC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        csec_buf_clear(&tmp);
        csec__word_req(&tmp, reqs[i]);
        csec_buf_puts(b, i ? CSEC_WORD_OR "<code class=\"req\">" : "<code class=\"req\">");
        html_escn(b, tmp.ptr, tmp.len);
        csec_buf_puts(b, "</code>");
    }
    csec_buf_free(&tmp);
}

void html_title(csec_buf *b, const char *title)
{
    /* CommonMark code spans: a run of N backticks up to the next run of
     * exactly N; one space each side is stripped when both are there.  An
     * unmatched run is literal text. */
    const char *s = title ? title : "";
    size_t n = strlen(s), i = 0, lit = 0;
    while (i < n) {
        if (s[i] != '`') {
            i++;
            continue;
        }
        size_t run = strspn(s + i, "`");
        size_t j = i + run, close = n;
        while (j < n) {
            size_t r2 = strspn(s + j, "`");
            if (r2 == run) {
                close = j;
                break;
            }
            j += r2 ? r2 : 1;
        }
        if (close == n) {
            i += run;
            continue;
        }
        html_escn(b, s + lit, i - lit);
        size_t from = i + run, to = close;
        if (to - from >= 2 && s[from] == ' ' && s[to - 1] == ' ')
            from++, to--;
        csec_buf_puts(b, "<code>");
        html_escn(b, s + from, to - from);
        csec_buf_puts(b, "</code>");
        i = lit = close + run;
    }
    html_escn(b, s + lit, n - lit);
}

/* Where the description holds the section that alt_html repeats: from its
 * heading's "<h" to the end of the section.  False when it cannot be found
 * exactly (then the description is shown whole). */
static bool alt_span(const srv_adv *sa, size_t *start, size_t *end)
{
    if (!sa->alt_html || !*sa->alt_html)
        return false;
    const char *d = sa->desc_html, *at = strstr(d, sa->alt_html);
    if (!at)
        return false;
    /* The heading closes right before the section, whitespace apart. */
    const char *p = at;
    while (p > d && (p[-1] == '\n' || p[-1] == ' '))
        p--;
    if (p - d < 5 || memcmp(p - 5, "</h", 3) != 0)
        return false;
    char level = p[-2];
    const char *h = p - 5;
    while (h > d && !(h[0] == '<' && h[1] == 'h' && h[2] == level))
        h--;
    if (!(h[0] == '<' && h[1] == 'h' && h[2] == level))
        return false;
    *start = (size_t)(h - d);
    *end = (size_t)(at - d) + strlen(sa->alt_html);
    return true;
}

bool html_has_alternatives(const srv_adv *sa)
{
    size_t x, y;
    return alt_span(sa, &x, &y);
}

void html_desc(csec_buf *b, const srv_adv *sa, int top, bool without_alternatives)
{
    const char *d = sa->desc_html;
    size_t n = strlen(d), skip_from = n, skip_to = n;
    if (without_alternatives && !alt_span(sa, &skip_from, &skip_to))
        skip_from = skip_to = n;
    /* The rendered description's headings start at h2 (markdown.h); they
     * move to `top` so they sit below the heading that holds them.  Code
     * blocks that scroll and tables get focusable scroll regions. */
    int shift = top - 2;
    size_t lit = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == skip_from) {
            csec_buf_put(b, d + lit, i - lit);
            i = skip_to - 1;
            lit = skip_to;
            continue;
        }
        if (d[i] != '<')
            continue;
        const char *t = d + i;
        const char *rep = NULL;
        size_t len = 0;
        char hbuf[8];
        if ((t[1] == 'h' || (t[1] == '/' && t[2] == 'h'))) {
            size_t at = t[1] == '/' ? 3 : 2;
            if (t[at] >= '1' && t[at] <= '6' && (t[at + 1] == '>' || t[at + 1] == ' ')) {
                int level = t[at] - '0' + shift;
                level = level < 1 ? 1 : level > 6 ? 6 : level;
                memcpy(hbuf, t, at);
                hbuf[at] = (char)('0' + level);
                hbuf[at + 1] = '\0';
                rep = hbuf;
                len = at + 1;
            }
        } else if (strncmp(t, "<pre>", 5) == 0 || strncmp(t, "<pre ", 5) == 0) {
            rep = "<pre tabindex=\"0\"";
            len = 4;
        } else if (strncmp(t, "<table>", 7) == 0) {
            rep = "<div class=\"scroll\" tabindex=\"0\" role=\"region\" "
                  "aria-label=\"Table of the description\"><table>";
            len = 7;
        } else if (strncmp(t, "</table>", 8) == 0) {
            rep = "</table></div>";
            len = 8;
        }
        if (!rep)
            continue;
        csec_buf_put(b, d + lit, i - lit);
        csec_buf_puts(b, rep);
        lit = i + len;
        i = lit - 1;
    }
    if (lit < n)
        csec_buf_put(b, d + lit, n - lit);
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
    html_title(b, a->title);
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
    if (base)
        html_link(b, base, alias);
    else
        html_esc(b, alias);
}
