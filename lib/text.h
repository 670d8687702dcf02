/* text.h - hex digits and UTF-8: the one decoder, encoder and validator
 * every parser and writer of the library, the server and the CLI uses. */
#ifndef CSEC_TEXT_H
#define CSEC_TEXT_H

#include "cratesec.h"

/* Whether a byte is an ASCII decimal digit. */
static inline bool csec__is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* The value of one hex digit (either case), or -1. */
static inline int csec__hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ASCII lower case of one byte; other bytes unchanged. */
static inline unsigned char csec__ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Writes the `n` bytes at `in` as 2n lower-case hex digits to `out` (no NUL). */
void csec__hex_encode(char *out, const void *in, size_t n);

/* Decodes the UTF-8 sequence at s[0..len) (len >= 1) under RFC 3629: no
 * overlong forms, surrogates or values past U+10FFFF.  Returns its length
 * (1 to 4) with the code point in *cp, or 0 when it is invalid or cut short;
 * then *bad (when non-NULL) is the length of its longest valid prefix, at
 * least 1: what Rust's String::from_utf8_lossy replaces by one U+FFFD. */
static inline size_t csec__utf8_decode(const unsigned char *s, size_t len, uint32_t *cp,
                                       size_t *bad)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* The second byte's range is narrower after E0 (overlong), ED
     * (surrogates), F0 (overlong) and F4 (past U+10FFFF). */
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        if (bad)
            *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= len || s[i] < lo || s[i] > hi) {
            if (bad)
                *bad = i;
            return 0;
        }
        v = v << 6 | (s[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need + 1;
}

/* Appends code point `cp` (a Unicode scalar value) encoded as UTF-8. */
void csec__utf8_put(csec_buf *b, uint32_t cp);

/* Returns the offset of the first byte that is not part of valid UTF-8 (as
 * csec__utf8_decode decides), or `len` when all of s is valid. */
size_t csec__utf8_check(const char *s, size_t len);

/* Appends `len` bytes of text for a terminal: the control characters a
 * terminal acts on (C0 but tab and line feed, DEL, C1) are written as
 * visible escapes ("\x1b", "\u{9b}"), so that text from an advisory, a
 * lockfile or a file name can never move the cursor, clear the screen,
 * retitle the window or forge a link.  Everything else is copied. */
void csec__buf_put_printable(csec_buf *out, const char *s, size_t len);

#endif
