/* text.c - hex digits and UTF-8 (see text.h). */
#include "text.h"

#include <string.h>

void csec__hex_encode(char *out, const void *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
}

void csec__utf8_put(csec_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    csec_buf_put(b, u, n);
}

size_t csec__utf8_check(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        /* ASCII fast path, 32 then eight bytes at a time: advisories are
         * mostly ASCII and every file is checked on each load. */
        while (len - i >= 32) {
            uint64_t w[4];
            memcpy(w, s + i, 32);
            if ((w[0] | w[1] | w[2] | w[3]) & UINT64_C(0x8080808080808080))
                break;
            i += 32;
        }
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        uint32_t cp;
        size_t n = csec__utf8_decode(s + i, len - i, &cp, NULL);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

void csec__buf_put_printable(csec_buf *out, const char *s, size_t len)
{
    size_t done = 0, n;
    for (size_t i = 0; i < len; i += n) {
        uint32_t cp;
        n = csec__utf8_decode((const unsigned char *)s + i, len - i, &cp, NULL);
        if (n == 0) { /* not UTF-8: copied (a terminal shows a replacement) */
            n = 1;
            continue;
        }
        if (!((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f)))
            continue;
        csec_buf_put(out, s + done, i - done);
        if (cp < 0x80)
            csec_buf_printf(out, "\\x%02x", (unsigned)cp);
        else
            csec_buf_printf(out, "\\u{%x}", (unsigned)cp);
        done = i + n;
    }
    csec_buf_put(out, s + done, len - done);
}
