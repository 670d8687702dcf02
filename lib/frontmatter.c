/* frontmatter.c - splitting an advisory file into TOML front matter, title and
 * description (spec §1.3), with rustsec's exact whitespace rules. */
#include "advisory.h"

#include <string.h>

/* Unicode White_Space (what Rust's char::is_whitespace tests) in UTF-8. */
size_t csec__ws_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    if ((s[0] >= 0x09 && s[0] <= 0x0D) || s[0] == ' ')
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n < 3)
        return 0;
    if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x80 &&
        ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

size_t csec__ws_before(const char *s, size_t n)
{
    /* Lead bytes (0xC2, 0xE1..0xE3) are never continuation bytes, so a match
     * of the whole sequence ending at n is a whole character. */
    for (size_t w = 1; w <= 3 && w <= n; w++)
        if (csec__ws_at(s + n - w, w) == w)
            return w;
    return 0;
}

static void trim(const char *s, size_t *off, size_t *len, bool left, bool right)
{
    size_t w;
    while (left && *len > 0 && (w = csec__ws_at(s + *off, *len)) > 0) {
        *off += w;
        *len -= w;
    }
    while (right && *len > 0 && (w = csec__ws_before(s + *off, *len)) > 0)
        *len -= w;
}

static int split_error(csec_diag *d, const char *s, size_t off, const char *msg)
{
    uint32_t line, col;
    csec__line_col(s, off, &line, &col);
    return csec__diag_set(d, CSEC_EPARSE, NULL, line, col, "%s", msg);
}

/* The first "\n```" in s[0..len): the closing fence.  Searched by its
 * backticks, which are rare inside the front matter, rather than line by
 * line. */
static const char *find_fence(const char *s, size_t len)
{
    const char *p = s + 1, *end = s + len; /* a backtick after a newline: from s[1] */
    while (p + 2 < end && (p = memchr(p, '`', (size_t)(end - 2 - p))) != NULL) {
        if (p[-1] == '\n' && p[1] == '`' && p[2] == '`')
            return p - 1;
        p++;
    }
    return NULL;
}

int csec__frontmatter_split(csec__frontmatter *out, const char *s, size_t len, csec_diag *d)
{
    memset(out, 0, sizeof *out);
    if (len < 7 || memcmp(s, "```toml", 7) != 0)
        return split_error(d, s, 0, "unexpected start of advisory (expected ```toml)");
    const char *fence = find_fence(s, len);
    if (!fence)
        return split_error(d, s, 0, "couldn't find end of TOML front matter");
    size_t e = (size_t)(fence - s);

    size_t off = 7, n = e - 7;
    trim(s, &off, &n, true, true);
    out->toml_off = off;
    out->toml_len = n;

    size_t md = e + 4, md_len = len - md;
    trim(s, &md, &md_len, true, false);
    if (md_len < 2 || s[md] != '#' || s[md + 1] != ' ')
        return split_error(d, s, md, "Expected # header after TOML front matter");
    out->markdown_off = md;
    out->markdown_len = md_len;

    const char *nl = memchr(s + md, '\n', md_len);
    if (!nl)
        return split_error(d, s, md, "no Markdown body");
    size_t nl_off = (size_t)(nl - s);
    out->title_off = md + 2;
    out->title_len = nl_off - out->title_off;
    trim(s, &out->title_off, &out->title_len, false, true);

    out->desc_off = nl_off + 1;
    out->desc_len = len - out->desc_off;
    trim(s, &out->desc_off, &out->desc_len, true, true);
    return 0;
}

void csec__toml_pos_to_file(const char *text, const csec__frontmatter *fm, bool prefixed,
                            uint32_t line, uint32_t col, uint32_t *out_line, uint32_t *out_col)
{
    uint32_t l0, c0;
    csec__line_col(text, fm->toml_off, &l0, &c0);
    if (line == 0) {
        *out_line = 0;
        *out_col = 0;
        return;
    }
    if (prefixed) {
        if (line == 1) { /* inside the synthetic "[advisory]" line */
            *out_line = l0;
            *out_col = c0;
            return;
        }
        line--;
    }
    if (line == 1) {
        *out_line = l0;
        *out_col = c0 + (col ? col - 1 : 0);
    } else {
        *out_line = l0 + line - 1;
        *out_col = col;
    }
}
