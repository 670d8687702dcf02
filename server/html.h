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

/* Appends `s` escaped for HTML text or a quoted attribute value. */
void html_esc(csec_buf *b, const char *s);
void html_escn(csec_buf *b, const char *s, size_t n);
/* Appends `s` escaped for XML 1.0 text or attribute values: the five entities,
 * and U+FFFD for malformed UTF-8 and characters XML forbids (page_feed.c). */
void xml_escn(csec_buf *b, const char *s, size_t n);
/* Appends `s` percent-encoded as one URL path segment or query value. */
void html_url_part(csec_buf *b, const char *s);
/* Appends "YYYY-MM-DD" (a <time> element with datetime). */
void html_date(csec_buf *b, csec_date d);

/* The page frame.  `title` is plain text (escaped here); `query` pre-fills the
 * search box (may be NULL).  Everything between begin and end goes inside
 * <main id="main">. */
void html_begin(csec_buf *b, const srv_site *site, const char *title, const char *query);
void html_end(csec_buf *b, const srv_site *site);
/* html_begin with an Atom feed announced in <head>: `feed_href` is an
 * already percent-encoded path, `feed_title` plain text. */
void html_begin_feed(csec_buf *b, const srv_site *site, const char *title, const char *query,
                     const char *feed_href, const char *feed_title);

/* "Vulnerability", "Unsound", "Unmaintained", "Notice" or "Informational". */
const char *html_kind_name(const csec_advisory *a);
/* CSS class suffix for the kind ("vuln", "unsound", "info"). */
const char *html_kind_class(const csec_advisory *a);
/* <span class="kind ...">Kind</span> plus a "Withdrawn" label when withdrawn. */
void html_kind_label(csec_buf *b, const csec_advisory *a);
/* Appends the affected ranges in words, escaped, joined by "; ": "all
 * versions, no fix available", "versions before 1.2.3", "from 1.0.0, before
 * 1.2.3", "after 0.7.19, no fix available", "only 0.2.0", "no version".  The
 * algorithm's internal bounds are written as a person reads them, exactly:
 * next(v) = M.m.(p+1)-0 as "after v" / "up to and including v", X.Y.0-0 as
 * "X.Y.0 and its pre-releases", [X-0, X) as "the pre-releases of X";
 * zero-width intervals are left out. */
void html_ranges(csec_buf *b, const csec_advisory *a);
/* Appends one bound of an affected interval in words, escaped: `plain` and
 * the version ("before " 1.2.3; X.Y.0-0 as "X.Y.0 and its pre-releases"), or
 * for next(v) `after` and v ("up to and including " 0.7.19). */
void html_bound(csec_buf *b, const csec_version *v, const char *plain, const char *after);
/* Appends a version in display form, escaped. */
void html_version(csec_buf *b, const csec_version *v);
/* Appends "9.8 (Critical) <vector linked to the FIRST calculator>". */
void html_cvss(csec_buf *b, const csec_cvss *c);
/* Appends requirements joined by ", " (escaped), or `none`. */
void html_reqs(csec_buf *b, const csec_req *const *reqs, size_t n, const char *none);
/* One <li> of an advisory list: id link, kind, package link, title, date. */
void html_adv_item(csec_buf *b, const csec_advisory *a);
/* An alias as a link to its authority (CVE, GHSA) or plain text. */
void html_alias(csec_buf *b, const char *alias);

/* The facts of an advisory as a <dl>: kind, dates, ranges in words, patched
 * and unaffected, aliases, related, CVSS, categories, keywords, platforms,
 * affected functions (only those matching `sel` when it is non-NULL) and
 * references (page_advisory.c). */
void html_adv_facts(csec_buf *b, const csec_advisory *a, const csec_version *sel);

#endif
