/* html.h - escaping writers and the shared page layout.
 *
 * Every byte of data that reaches a page goes through html_esc (text and
 * attribute values alike: it escapes & < > " ') or, inside URLs, through
 * html_url_part, whose output contains only unreserved characters and %XX and
 * so is safe in an attribute without further escaping.
 */
#ifndef CSEC_SERVER_HTML_H
#define CSEC_SERVER_HTML_H

#include "pages.h"
#include "registry.h"
#include "request.h"
#include "security.h"
#include "site.h"
#include "wording.h"

/* Appends `s` escaped for HTML text or a quoted attribute value. */
void html_esc(csec_buf *b, const char *s);
void html_escn(csec_buf *b, const char *s, size_t n);
/* Appends `s` escaped for XML 1.0 text or attribute values: the five entities,
 * and U+FFFD for malformed UTF-8 and characters XML forbids. */
void xml_escn(csec_buf *b, const char *s, size_t n);
/* xml_escn of a NUL-terminated `s`; nothing for NULL. */
void xml_esc(csec_buf *b, const char *s);
/* Time `t` as "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339: Atom's dates, the access
 * log's times) into `out`, clamped to 1970 ... 9999 (page_feed.c). */
void srv_format_rfc3339(char out[32], int64_t t);
/* Appends srv_format_rfc3339 of `t`. */
void xml_time(csec_buf *b, int64_t t);
/* Appends `s` percent-encoded as one URL path segment or query value. */
void html_url_part(csec_buf *b, const char *s);
/* Appends /crates/NAME[/VERS][/TAB], the name and the version
 * percent-encoded; `vers` and `tab` NULL: none. */
void html_crate_url(csec_buf *b, const char *name, const char *vers, const char *tab);
/* Appends <a href="PATH PART">PART</a>: `path` is a literal address prefix
 * (written as it is), `part` is percent-encoded in the address and escaped
 * as the link's text. */
void html_link(csec_buf *b, const char *path, const char *part);
/* Redirects with `status` to `path` (a literal address prefix) followed by
 * `part` percent-encoded. */
void html_redirect(srv_resp *resp, int status, const char *path, const char *part);
/* The alert of wording rule 9 (csec__word_incomplete): the advisories of
 * `crate` (NULL: this crate) did not all load, problem `e`.  Pages say it
 * first and never call the packages clean below it. */
void html_incomplete(csec_buf *b, const csec_db_error *e, const char *crate);
/* Appends "YYYY-MM-DD" (a <time> element with datetime). */
void html_date(csec_buf *b, csec_date d);

/* The page frame.  `title` is plain text (escaped here); `query` pre-fills the
 * search box (may be NULL; the header holds the page's only search box).
 * Everything between begin and end goes inside <main id="main">.  The
 * footer states the data's age: the database's commit and the registry
 * index's date. */
void html_begin(csec_buf *b, const char *title, const char *query);
void html_end(csec_buf *b, const srv_site *site);
/* html_begin with an Atom feed announced in <head>: `feed_href` is an
 * already percent-encoded path, `feed_title` plain text. */
void html_begin_feed(csec_buf *b, const char *title, const char *query, const char *feed_href,
                     const char *feed_title);

/* Every sentence below comes from lib/wording.h (the rules are written
 * there once); these functions only escape it and add markup. */

/* <span class="kind kind-SLUG">Kind</span>, and a "Withdrawn" label when
 * withdrawn (wording rule 1). */
void html_kind_label(csec_buf *b, const csec_advisory *a);
/* Appends the affected ranges in plain words, escaped (wording rule 4);
 * `published` is the crate in the registry index, or NULL. */
void html_ranges(csec_buf *b, const csec_advisory *a, const struct csec_index_crate *published);
/* Appends "9.8 (Critical) <vector linked to the FIRST calculator>". */
void html_cvss(csec_buf *b, const csec_cvss *c);
/* Appends a requirement list as separate <code> items joined by " or "
 * (wording rule 3), or `none` (plain text) when empty. */
void html_reqs(csec_buf *b, const csec_req *const *reqs, size_t n, const char *none);
/* Appends an advisory title, escaped, with its inline code spans as <code>
 * (wording rule 8). */
void html_title(csec_buf *b, const char *title);
/* Appends the rendered description of an advisory with its headings moved
 * so that the first level is `top` (h3 under an h2...), code blocks and
 * tables in focusable scroll regions, and, with `without_alternatives`, the
 * suggested-alternatives section left out (shown once elsewhere). */
void html_desc(csec_buf *b, const srv_adv *sa, int top, bool without_alternatives);
/* Whether the description holds a suggested-alternatives section that
 * html_desc can leave out (then sa->alt_html is shown on its own). */
bool html_has_alternatives(const srv_adv *sa);
/* Appends plain text (from lib/wording.h) escaped, with the advisory ids it
 * names ("RUSTSEC-2020-0071") linked to their pages. */
void html_linked_text(csec_buf *b, const srv_site *s, const char *text, size_t len);
/* One <li> of an advisory list: id link, kind, package link, title, date. */
void html_adv_item(csec_buf *b, const csec_advisory *a);
/* An alias as a link to its authority (CVE, GHSA) or plain text. */
void html_alias(csec_buf *b, const char *alias);

/* The facts of an advisory as a <dl>: kind, dates, ranges in words, patched
 * and unaffected, aliases, related (both ways), CVSS, categories, keywords,
 * platforms, affected functions (only those matching `sel` when it is
 * non-NULL) and references (page_advisory.c).  `published`: the crate in
 * the registry index, or NULL. */
void html_adv_facts(csec_buf *b, const srv_site *s, const csec_advisory *a,
                    const csec_version *sel, const struct csec_index_crate *published);
/* The crate of a crates-collection advisory in the site's directory index,
 * for wording its ranges; NULL without one (a sparse index is never fetched
 * from here). */
const struct csec_index_crate *html_published(const srv_site *s, const csec_advisory *a);

/* Appends the data's age as a sentence: the database's commit and date and
 * the registry index's (html_end's footer and the home page). */
void html_data_age(csec_buf *b, const srv_site *site);
/* Whether the site's index is older than a day (wording rule 7), at the
 * time of the call. */
bool html_index_stale(const srv_site *site);

#endif
