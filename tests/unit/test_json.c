/* test_json.c - the serde_json-compatible writer (lib/json.c). */
#include "harness.h"

#include "json.h"

#include <math.h>
#include <stdlib.h>

static char *escaped(const char *s, size_t len)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_json_string(&b, s, len);
    return csec_buf_detach(&b);
}

#define ASSERT_ESCAPES(in, expected)                                                               \
    do {                                                                                           \
        char *got_ = escaped(in, sizeof(in) - 1);                                                  \
        int eq_ = strcmp(got_, expected) == 0;                                                     \
        if (!eq_)                                                                                  \
            fprintf(stderr, "  got %s, expected %s\n", got_, expected);                            \
        free(got_);                                                                                \
        ASSERT(eq_);                                                                               \
    } while (0)

TEST(json, escape_named)
{
    ASSERT_ESCAPES("", "\"\"");
    ASSERT_ESCAPES("plain text", "\"plain text\"");
    ASSERT_ESCAPES("a\"b\\c", "\"a\\\"b\\\\c\"");
    ASSERT_ESCAPES("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    /* '/' is not escaped, nor is DEL. */
    ASSERT_ESCAPES("a/b\x7f", "\"a/b\x7f\"");
}

TEST(json, escape_controls_lowercase_hex)
{
    for (int c = 0; c < 0x20; c++) {
        char in[1] = {(char)c};
        char *got = escaped(in, 1);
        const char *named = c == '\n' ? "\"\\n\"" : c == '\r' ? "\"\\r\"" : c == '\t' ? "\"\\t\""
                          : c == '\b' ? "\"\\b\"" : c == '\f' ? "\"\\f\"" : NULL;
        char expected[16];
        if (named)
            snprintf(expected, sizeof expected, "%s", named);
        else
            snprintf(expected, sizeof expected, "\"\\u%04x\"", (unsigned)c);
        int eq = strcmp(got, expected) == 0;
        if (!eq)
            fprintf(stderr, "  byte 0x%02x: got %s, expected %s\n", (unsigned)c, got, expected);
        free(got);
        ASSERT(eq);
    }
    ASSERT_ESCAPES("\x1f\x1b", "\"\\u001f\\u001b\"");
    /* An embedded NUL is data, not a terminator. */
    ASSERT_ESCAPES("a\0b", "\"a\\u0000b\"");
}

TEST(json, escape_utf8_raw)
{
    ASSERT_ESCAPES("\xc3\xbc \xe2\x80\x94 \xf0\x9f\xa6\x80", "\"\xc3\xbc \xe2\x80\x94 \xf0\x9f\xa6\x80\"");
    /* U+FFFF and U+10FFFF are valid scalar values. */
    ASSERT_ESCAPES("\xef\xbf\xbf\xf4\x8f\xbf\xbf", "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

TEST(json, escape_invalid_utf8_replaced)
{
    /* Each maximal invalid subpart becomes one U+FFFD, as from_utf8_lossy. */
    ASSERT_ESCAPES("\xff", "\"\xef\xbf\xbd\"");
    ASSERT_ESCAPES("a\xe2\x82z", "\"a\xef\xbf\xbdz\"");
    ASSERT_ESCAPES("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    /* A surrogate (ED A0 80) is three invalid bytes. */
    ASSERT_ESCAPES("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    /* Above U+10FFFF. */
    ASSERT_ESCAPES("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    /* Truncated at the end of input. */
    ASSERT_ESCAPES("x\xf0\x9f\xa6", "\"x\xef\xbf\xbd\"");
}

static void sample(csec__json *j)
{
    csec__json_object_begin(j);
    csec__json_key(j, "id");
    csec__json_str(j, "X-1");
    csec__json_key(j, "empty_list");
    csec__json_array_begin(j);
    csec__json_array_end(j);
    csec__json_key(j, "empty_obj");
    csec__json_object_begin(j);
    csec__json_object_end(j);
    csec__json_key(j, "list");
    csec__json_array_begin(j);
    csec__json_object_begin(j);
    csec__json_key(j, "n");
    csec__json_int(j, -3);
    csec__json_object_end(j);
    csec__json_array_begin(j);
    csec__json_uint(j, 18446744073709551615u);
    csec__json_bool(j, true);
    csec__json_array_end(j);
    csec__json_array_end(j);
    csec__json_key(j, "none");
    csec__json_str(j, NULL);
    csec__json_key(j, "f");
    csec__json_bool(j, false);
    csec__json_object_end(j);
}

TEST(json, pretty_layout)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__json j;
    csec__json_init(&j, &b, true, 0);
    sample(&j);
    const char *expected = "{\n"
                           "  \"id\": \"X-1\",\n"
                           "  \"empty_list\": [],\n"
                           "  \"empty_obj\": {},\n"
                           "  \"list\": [\n"
                           "    {\n"
                           "      \"n\": -3\n"
                           "    },\n"
                           "    [\n"
                           "      18446744073709551615,\n"
                           "      true\n"
                           "    ]\n"
                           "  ],\n"
                           "  \"none\": null,\n"
                           "  \"f\": false\n"
                           "}";
    ASSERT_STR_EQ(b.ptr, expected);
    csec_buf_free(&b);
}

TEST(json, compact_layout)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__json j;
    csec__json_init(&j, &b, false, 3); /* indent is ignored when compact */
    sample(&j);
    ASSERT_STR_EQ(b.ptr, "{\"id\":\"X-1\",\"empty_list\":[],\"empty_obj\":{},\"list\":[{\"n\":-3},"
                         "[18446744073709551615,true]],\"none\":null,\"f\":false}");
    csec_buf_free(&b);
}

TEST(json, pretty_embedded_indent)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__json j;
    csec_buf_puts(&b, "[\n  ");
    csec__json_init(&j, &b, true, 1);
    csec__json_object_begin(&j);
    csec__json_key(&j, "a");
    csec__json_array_begin(&j);
    csec__json_str(&j, "x");
    csec__json_array_end(&j);
    csec__json_object_end(&j);
    csec_buf_puts(&b, "\n]");
    ASSERT_STR_EQ(b.ptr, "[\n  {\n    \"a\": [\n      \"x\"\n    ]\n  }\n]");
    csec_buf_free(&b);
}

TEST(json, top_level_scalars_and_pieces)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__json j;
    csec__json_init(&j, &b, true, 0);
    csec__json_str_begin(&j);
    csec__json_str_part(&j, "pkg:cargo/", 10);
    csec__json_str_part(&j, "a\"b", 3);
    csec__json_str_end(&j);
    ASSERT_STR_EQ(b.ptr, "\"pkg:cargo/a\\\"b\"");
    csec_buf_clear(&b);
    csec__json_init(&j, &b, true, 0);
    csec__json_array_begin(&j);
    csec__json_raw(&j, "1.5", 3);
    csec__json_strn(&j, "ab", 1);
    csec__json_array_end(&j);
    ASSERT_STR_EQ(b.ptr, "[\n  1.5,\n  \"a\"\n]");
    csec_buf_free(&b);
}

static bool double_is(double v, const char *expected)
{
    csec_buf b = CSEC_BUF_INIT;
    csec__json j;
    csec__json_init(&j, &b, false, 0);
    csec__json_double(&j, v);
    bool ok = strcmp(b.ptr, expected) == 0;
    if (!ok)
        fprintf(stderr, "  %.17g: got %s, expected %s\n", v, b.ptr, expected);
    csec_buf_free(&b);
    return ok;
}

TEST(json, doubles_like_ryu)
{
    ASSERT(double_is(6.2, "6.2"));
    ASSERT(double_is(10.0, "10.0"));
    ASSERT(double_is(0.0, "0.0"));
    ASSERT(double_is(-0.0, "-0.0"));
    ASSERT(double_is(0.1, "0.1"));
    ASSERT(double_is(-2.5, "-2.5"));
    ASSERT(double_is(1e15, "1000000000000000.0"));
    ASSERT(double_is(1e16, "1e16"));
    ASSERT(double_is(1.2345e20, "1.2345e20"));
    ASSERT(double_is(0.0001, "0.0001"));
    ASSERT(double_is(1e-5, "0.00001"));
    ASSERT(double_is(1e-6, "1e-6"));
    ASSERT(double_is(1.5e-7, "1.5e-7"));
    ASSERT(double_is(123.456, "123.456"));
    ASSERT(double_is(0.30000000000000004, "0.30000000000000004"));
    ASSERT(double_is(1.7976931348623157e308, "1.7976931348623157e308"));
    ASSERT(double_is(5e-324, "5e-324"));
    ASSERT(double_is(NAN, "null"));
    ASSERT(double_is(INFINITY, "null"));
}
