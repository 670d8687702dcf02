/* page_badge.c - badges of one crate version:
 * /crates/NAME/VERSION/badge.svg, /crates/NAME/badge.svg (the default
 * version, as on the crate page) and the same with badge.json, a shields.io
 * endpoint (https://shields.io/badges/endpoint-badge).
 *
 * A badge states a fact about the version, never a grade, in the words of
 * lib/wording.h (csec__word_badge): "no known advisories", "1 advisory
 * affects 1.2.3", "2 advisories affect 1.2.3", or, when nothing that counts
 * affects it, "unmaintained" or "1 notice".  It counts what the crate page's
 * Security tab counts (wording rule 2): vulnerabilities, malicious code and
 * unsound advisories that are not withdrawn and whose ranges contain the
 * version.
 *
 * The colour follows the same decisions, most serious first:
 *   red    (#c62828)  a vulnerability (malicious code included) affects it;
 *   yellow (#8a6d00)  otherwise an unsound advisory does;
 *   grey   (#6e6e6e)  nothing counts, but it is unmaintained or a notice
 *                     applies (context, not a flaw);
 *   green  (#2e7d32)  nothing applies;
 *   grey   ("unknown")  the crate or version is not known here: still an
 *                     image (and shields.io JSON), with status 200 and a
 *                     five-minute cache, because README image proxies such
 *                     as GitHub's show nothing for an error status.
 * Each colour keeps white text at a contrast ratio of at least 4.5:1 (WCAG
 * AA), which is why the yellow is dark.
 *
 * The SVG is an image with role="img", a <title> and an aria-label carrying
 * the whole sentence; its width comes from the text, measured with the
 * advance widths of Verdana at 11 px (the font it asks for), and textLength
 * pins each text to that width so other fonts neither overflow nor leave
 * gaps.
 */
#include "html.h"
#include "registry.h"

#include "index.h"

#include <stdio.h>
#include <string.h>

#define BADGE_LABEL "RustSec"
#define BADGE_CACHE "public, max-age=3600"
#define BADGE_CACHE_SECONDS 3600
/* An unknown crate may be published any minute. */
#define UNKNOWN_CACHE "public, max-age=300"
#define LABEL_COLOR "#4a4a4a"
#define PAD 6 /* pixels left and right of each text */

typedef struct facts {
    char message[256];
    const char *color;
    const char *why; /* unknown crate or version: why, else NULL */
} facts;

/* ---- finding the version ---- */

#define UNKNOWN_COLOR "#6e6e6e"

/* Fills `f` for the request's crate and version, with the crate page's own
 * decisions (security.c).  Returns false for an unknown crate or version:
 * then the message is "unknown" and f->why says why. */
static bool find_facts(const srv_req *r, facts *f)
{
    const srv_site *s = r->site;
    const char *ver_seg = r->nseg == 4 ? r->seg[2] : NULL;
    srv_crate c;
    srv_sel sel;
    int found = -1;
    f->why = NULL;
    if (!srv_crate_find(s, r->seg[1], &c) && srv_index_unavailable(s, r->seg[1], NULL, 0))
        f->why = "The registry index could not be asked about this crate; try again later.";
    else if (!c.name)
        f->why = "No crate of this name is in the registry index or the RustSec advisory "
                 "database.";
    else if ((found = srv_crate_version(&c, ver_seg, &sel)) > 0 && !c.ic)
        f->why = srv_index_unavailable(s, r->seg[1], NULL, 0)
                     ? "The registry index could not be asked about this crate, so it has no "
                       "default version; try again later, or name one, as in "
                       "/crates/NAME/VERSION/badge.svg."
                     : "This server has no registry index entry for this crate, so it has no "
                       "default version: name one, as in /crates/NAME/VERSION/badge.svg.";
    else if (found > 0)
        f->why = "The registry index lists no version of this crate.";
    else if (found < 0)
        f->why = c.ic ? "The registry index has no such version of this crate."
                      : "This is not a valid version number.";
    if (f->why) {
        snprintf(f->message, sizeof f->message, "unknown");
        f->color = UNKNOWN_COLOR;
        return false;
    }
    srv_security sec;
    srv_security_of(&sec, &c, &sel.v);
    bool vuln = false;
    size_t unmaintained = 0, notices = 0;
    for (size_t i = 0; i < sec.affected + sec.notices; i++) {
        const csec_advisory *a = sec.items[i].a;
        if (i < sec.affected)
            vuln = vuln || a->informational == CSEC_INFO_NONE;
        else if (a->informational == CSEC_INFO_UNMAINTAINED)
            unmaintained++;
        else
            notices++;
    }
    csec_buf t = CSEC_BUF_INIT;
    csec__word_badge(&t, sec.affected, unmaintained, notices, sel.text);
    snprintf(f->message, sizeof f->message, "%s", t.ptr);
    csec_buf_free(&t);
    f->color = sec.affected ? (vuln ? "#c62828" : "#8a6d00")
               : unmaintained + notices ? "#6e6e6e"
                                        : "#2e7d32";
    /* Fail closed: while some of the crate's advisory files could not be
     * loaded, nothing says it has no advisories (issue 14). */
    if (sec.incomplete && !sec.affected) {
        snprintf(f->message, sizeof f->message, "advisories unavailable");
        f->color = UNKNOWN_COLOR;
    }
    srv_security_free(&sec);
    return true;
}

/* ---- measuring text ---- */

/* Advance widths of Verdana for ' ' to '~', in 1/2048 em. */
static const unsigned short verdana[95] = {
    720,  823,  1005, 1716, 1301, 2215, 1491, 551,  909,  909,  1301, 1716, 743,  925,  743,  1323,
    1301, 1301, 1301, 1301, 1301, 1301, 1301, 1301, 1301, 1301, 925,  925,  1716, 1716, 1716, 1110,
    2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 862,  941,  1423, 1145, 1730, 1532, 1612,
    1241, 1612, 1434, 1401, 1237, 1499, 1401, 2025, 1403, 1237, 1401, 909,  1323, 909,  1716, 1301,
    1301, 1229, 1270, 1064, 1270, 1219, 720,  1270, 1292, 562,  682,  1186, 562,  1985, 1292, 1233,
    1270, 1270, 874,  1064, 807,  1292, 1186, 1659, 1186, 1186, 1051, 1300, 925,  1300, 1716,
};

/* The width in pixels of `s` at 11 px, rounded up.  Characters outside
 * ASCII count as a digit (one per code point: continuation bytes add
 * nothing). */
static unsigned text_width(const char *s)
{
    unsigned long units = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p < 0x7F)
            units += verdana[*p - 0x20];
        else if ((*p & 0xC0) != 0x80)
            units += 1301;
    }
    return (unsigned)((units * 11 + 2047) / 2048);
}

/* ---- the handlers ---- */

void page_badge_svg(const srv_req *r, srv_resp *resp)
{
    facts f;
    bool known = find_facts(r, &f);
    unsigned lt = text_width(BADGE_LABEL), mt = text_width(f.message);
    unsigned lw = lt + 2 * PAD, mw = mt + 2 * PAD, w = lw + mw;
    csec_buf *b = &resp->body;
    resp->status = 200;
    resp->content_type = "image/svg+xml; charset=utf-8";
    resp->cache_control = known ? BADGE_CACHE : UNKNOWN_CACHE;
    csec_buf_clear(b);
    csec_buf_printf(b,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"20\" "
                    "viewBox=\"0 0 %u 20\" role=\"img\" aria-label=\"" BADGE_LABEL ": ",
                    w, w);
    xml_esc(b, f.message);
    csec_buf_puts(b, "\">\n<title>" BADGE_LABEL ": ");
    xml_esc(b, f.message);
    csec_buf_puts(b, "</title>\n");
    if (f.why) {
        csec_buf_puts(b, "<desc>");
        xml_esc(b, f.why);
        csec_buf_puts(b, "</desc>\n");
    }
    csec_buf_printf(b,
                    "<clipPath id=\"r\"><rect width=\"%u\" height=\"20\" rx=\"3\"/>"
                    "</clipPath>\n<g clip-path=\"url(#r)\"><rect width=\"%u\" height=\"20\" "
                    "fill=\"" LABEL_COLOR "\"/><rect x=\"%u\" width=\"%u\" height=\"20\" "
                    "fill=\"%s\"/></g>\n"
                    "<g fill=\"#fff\" text-anchor=\"middle\" "
                    "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\" "
                    "aria-hidden=\"true\">\n"
                    "<text x=\"%u\" y=\"14\" textLength=\"%u\">" BADGE_LABEL "</text>\n"
                    "<text x=\"%u\" y=\"14\" textLength=\"%u\">",
                    w, lw, lw, mw, f.color, lw / 2, lt, lw + mw / 2, mt);
    xml_esc(b, f.message);
    csec_buf_puts(b, "</text>\n</g>\n</svg>\n");
}

void page_badge_json(const srv_req *r, srv_resp *resp)
{
    facts f;
    bool known = find_facts(r, &f);
    csec_buf *b = &resp->body;
    /* shields.io, like README image proxies, needs a 200 answer. */
    resp->status = 200;
    resp->content_type = "application/json";
    resp->cache_control = known ? BADGE_CACHE : UNKNOWN_CACHE;
    csec_buf_clear(b);
    csec_buf_puts(b, "{\"schemaVersion\":1,\"label\":");
    csec_json_string(b, BADGE_LABEL, strlen(BADGE_LABEL));
    csec_buf_puts(b, ",\"message\":");
    csec_json_string(b, f.message, strlen(f.message));
    /* Only the endpoint schema's members: shields.io rejects others, and
     * isError would paint "unknown" red. */
    csec_buf_printf(b, ",\"color\":\"%s\",\"labelColor\":\"" LABEL_COLOR "\",", f.color);
    csec_buf_printf(b, "\"cacheSeconds\":%d}\n", known ? BADGE_CACHE_SECONDS : 300);
}
