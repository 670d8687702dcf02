/* fuzz_frontmatter.c - the advisory file splitter (spec §1.3, lib/frontmatter.c)
 * on arbitrary bytes.  Accepted input: every range lies inside the input in
 * the documented order, trimmed parts start and end on non-whitespace, the
 * title line starts with "# ", and positions mapped back from the TOML part
 * land inside the file.  Rejected input: one of the four documented messages
 * with a position inside the file.  The whitespace helpers must agree with
 * each other.  A violation aborts. */
#include "advisory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool inside(size_t off, size_t len, size_t size)
{
    return off <= size && len <= size - off;
}

static void check_trimmed(const char *s, size_t off, size_t len, bool left, bool right)
{
    if (len == 0)
        return;
    if (left)
        check(csec__ws_at(s + off, len) == 0);
    if (right)
        check(csec__ws_before(s + off, len) == 0);
}

/* Lines of the text, counted the way csec__line_col counts them. */
static uint32_t line_count(const char *s, size_t n)
{
    uint32_t lines = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))) != NULL; p++)
        lines++;
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    csec__frontmatter fm;
    csec_diag d;
    if (size > 65536)
        return 0;
    /* Whitespace helpers: a character found at i is also found ending there. */
    for (size_t i = 0; i < size && i < 256; i++) {
        size_t w = csec__ws_at(s + i, size - i);
        check(w <= 3 && w <= size - i);
        if (w)
            check(csec__ws_before(s, i + w) == w);
    }
    memset(&d, 0, sizeof d);
    if (csec__frontmatter_split(&fm, s, size, &d) < 0) {
        static const char *const msgs[] = {"unexpected start of advisory",
                                           "couldn't find end of TOML front matter",
                                           "Expected # header after TOML front matter",
                                           "no Markdown body"};
        bool known = false;
        for (size_t i = 0; i < 4; i++)
            known |= strncmp(d.msg, msgs[i], strlen(msgs[i])) == 0;
        check(known && d.code == CSEC_EPARSE && d.line >= 1 && d.col >= 1);
        check(d.line <= line_count(s, size) && d.file[0] == '\0');
        return 0;
    }
    check(size >= 7 && memcmp(s, "```toml", 7) == 0);
    check(inside(fm.toml_off, fm.toml_len, size) && fm.toml_off >= 7);
    check(inside(fm.markdown_off, fm.markdown_len, size));
    check(fm.markdown_off >= fm.toml_off + fm.toml_len + 4);
    check(fm.markdown_off + fm.markdown_len == size);
    check(fm.markdown_len >= 2 && s[fm.markdown_off] == '#' && s[fm.markdown_off + 1] == ' ');
    check(fm.title_off == fm.markdown_off + 2 && inside(fm.title_off, fm.title_len, size));
    check(memchr(s + fm.title_off, '\n', fm.title_len) == NULL);
    check(inside(fm.desc_off, fm.desc_len, size) && fm.desc_off > fm.title_off + fm.title_len);
    check(fm.desc_off + fm.desc_len <= size);
    /* The front matter is followed by a newline and a fence. */
    const char *fence = s + fm.toml_off + fm.toml_len;
    check(memmem(fence, (size_t)(s + fm.markdown_off - fence), "\n```", 4) != NULL);
    check_trimmed(s, fm.toml_off, fm.toml_len, true, true);
    check_trimmed(s, fm.title_off, fm.title_len, false, true);
    check_trimmed(s, fm.desc_off, fm.desc_len, true, true);

    /* Positions inside the TOML part map into the file. */
    uint32_t total = line_count(s, size), tl = line_count(s + fm.toml_off, fm.toml_len);
    for (uint32_t line = 1; line <= tl + 1 && line < 64; line++) {
        for (int prefixed = 0; prefixed < 2; prefixed++) {
            uint32_t l = 0, c = 0;
            csec__toml_pos_to_file(s, &fm, prefixed, line, 1, &l, &c);
            check(l >= 1 && l <= total && c >= 1);
        }
    }
    uint32_t l = 9, c = 9;
    csec__toml_pos_to_file(s, &fm, false, 0, 0, &l, &c);
    check(l == 0 && c == 0);
    return 0;
}
