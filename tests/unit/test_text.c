/* test_text.c - hex digits, the UTF-8 decoder, encoder and validator
 * (lib/text.h), and crates.io's crate name equivalence (lib/crate_name.h). */
#include "harness.h"

#include "crate_name.h"
#include "text.h"
#include "util.h"

#include <stdlib.h>

TEST(text, hex)
{
    ASSERT_INT_EQ(csec__hexval('0'), 0);
    ASSERT_INT_EQ(csec__hexval('9'), 9);
    ASSERT_INT_EQ(csec__hexval('a'), 10);
    ASSERT_INT_EQ(csec__hexval('F'), 15);
    ASSERT_INT_EQ(csec__hexval('g'), -1);
    ASSERT_INT_EQ(csec__hexval('/'), -1);
    ASSERT_INT_EQ(csec__hexval(0xC3), -1);
    char out[9] = {0};
    csec__hex_encode(out, "\x00\x1f\xab\xff", 4);
    ASSERT_STR_EQ(out, "001fabff");
}

/* Decodes `s` (n bytes) and checks length, code point and bad-prefix length. */
#define DECODES(s, n, want_len, want_cp, want_bad)                                                 \
    do {                                                                                           \
        uint32_t cp_ = 0xFFFFFFFFu;                                                                \
        size_t bad_ = 99;                                                                          \
        size_t len_ = csec__utf8_decode((const unsigned char *)(s), (n), &cp_, &bad_);             \
        ASSERT_INT_EQ(len_, want_len);                                                             \
        if (len_)                                                                                  \
            ASSERT_INT_EQ(cp_, want_cp);                                                           \
        else                                                                                       \
            ASSERT_INT_EQ(bad_, want_bad);                                                         \
    } while (0)

TEST(text, utf8_decode)
{
    DECODES("A", 1, 1, 'A', 0);
    DECODES("\x7f", 1, 1, 0x7f, 0);
    DECODES("\xc3\xa9", 2, 2, 0xE9, 0);
    DECODES("\xe2\x82\xac", 3, 3, 0x20AC, 0);
    DECODES("\xf0\x9f\x98\x80", 4, 4, 0x1F600, 0);
    DECODES("\xf4\x8f\xbf\xbf", 4, 4, 0x10FFFF, 0);
    DECODES("\xed\x9f\xbf", 3, 3, 0xD7FF, 0);
    /* Invalid: the longest valid prefix is what from_utf8_lossy replaces. */
    DECODES("\x80", 1, 0, 0, 1);         /* lone continuation byte */
    DECODES("\xc0\x80", 2, 0, 0, 1);     /* overlong lead */
    DECODES("\xc3", 1, 0, 0, 1);         /* cut short */
    DECODES("\xe0\x80\x80", 3, 0, 0, 1); /* overlong */
    DECODES("\xed\xa0\x80", 3, 0, 0, 1); /* surrogate */
    DECODES("\xe2\x82", 2, 0, 0, 2);     /* cut short after two */
    DECODES("\xe2\x82x", 3, 0, 0, 2);
    DECODES("\xf0\x8f\xbf\xbf", 4, 0, 0, 1); /* overlong */
    DECODES("\xf4\x90\x80\x80", 4, 0, 0, 1); /* past U+10FFFF */
    DECODES("\xf0\x9f\x98", 3, 0, 0, 3);
    DECODES("\xf5\x80\x80\x80", 4, 0, 0, 1);
}

TEST(text, utf8_put_round_trip)
{
    static const uint32_t cps[] = {0,      'x',    0x7f,   0x80,    0x7ff,   0x800,
                                   0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        csec_buf b = CSEC_BUF_INIT;
        csec__utf8_put(&b, cps[i]);
        uint32_t cp = 0;
        size_t n = csec__utf8_decode((const unsigned char *)b.ptr, b.len, &cp, NULL);
        ASSERT_INT_EQ(n, b.len);
        ASSERT_INT_EQ(cp, cps[i]);
        csec_buf_free(&b);
    }
}

TEST(text, utf8_check)
{
    ASSERT_INT_EQ(csec__utf8_check("h\xc3\xa9llo", 6), 6);
    ASSERT_INT_EQ(csec__utf8_check("a\xc3", 2), 1);            /* truncated */
    ASSERT_INT_EQ(csec__utf8_check("a\xc0\x80", 3), 1);        /* overlong NUL */
    ASSERT_INT_EQ(csec__utf8_check("\xed\xa0\x80", 3), 0);     /* surrogate */
    ASSERT_INT_EQ(csec__utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    ASSERT_INT_EQ(csec__utf8_check("\xf0\x9f\x98\x80!", 5), 5);
    /* Past the ASCII fast path (32 and 8 bytes at a time). */
    const char *long_ok = "0123456789abcdef0123456789abcdef0123456789\xc3\xa9";
    ASSERT_INT_EQ(csec__utf8_check(long_ok, strlen(long_ok)), strlen(long_ok));
    const char *long_bad = "0123456789abcdef0123456789abcdef01234567\xff";
    ASSERT_INT_EQ(csec__utf8_check(long_bad, strlen(long_bad)), 40);
}

TEST(crate_name, equivalence)
{
    ASSERT(csec__crate_name_eq("serde_json", 10, "Serde-JSON", 10));
    ASSERT(csec__crate_name_eq("a-b_c", 5, "A_B-C", 5));
    ASSERT(!csec__crate_name_eq("serde", 5, "serde_", 6));
    ASSERT(!csec__crate_name_eq("ab", 2, "ac", 2));
    /* '-' and '_' fold together, not with other punctuation. */
    ASSERT(!csec__crate_name_eq("a.b", 3, "a_b", 3));
    ASSERT_INT_EQ(csec__crate_name_fold('Q'), 'q');
    ASSERT_INT_EQ(csec__crate_name_fold('-'), '_');
    ASSERT_INT_EQ(csec__crate_name_fold(0xC3), 0xC3);
}

TEST(crate_name, valid)
{
    ASSERT(csec__crate_name_valid("tokio-util_2", 12));
    ASSERT(!csec__crate_name_valid("", 0));
    ASSERT(!csec__crate_name_valid("a b", 3));
    ASSERT(!csec__crate_name_valid("../x", 4));
    ASSERT(!csec__crate_name_valid("caf\xc3\xa9", 5));
    char name[CSEC_CRATE_NAME_MAX + 2];
    memset(name, 'a', sizeof name);
    ASSERT(csec__crate_name_valid(name, CSEC_CRATE_NAME_MAX));
    ASSERT(!csec__crate_name_valid(name, CSEC_CRATE_NAME_MAX + 1));
}
