/* test_jsonparse.c - the strict JSON reader and tree (lib/jsonparse.c). */
#include "harness.h"

#include "jsonparse.h"

#include <stdlib.h>

/* Parses `s`; returns 0 or the error, with "line:col: msg" in `where`. */
static int parse(const char *s, size_t len, char *where, size_t n)
{
    csec_arena a = CSEC_ARENA_INIT;
    const csec_jv *v = NULL;
    csec_diag d;
    int rc = csec__json_parse(&v, &a, s, len, &d);
    if (rc < 0)
        snprintf(where, n, "%u:%u: %s", d.line, d.col, d.msg);
    else
        snprintf(where, n, "ok");
    csec__arena_free(&a);
    return rc;
}

#define ACCEPT(s)                                                                                  \
    do {                                                                                           \
        char w_[300];                                                                              \
        if (parse(s, strlen(s), w_, sizeof w_) != 0)                                               \
            FAIL_AT("rejected %s: %s", s, w_);                                                     \
    } while (0)

#define REJECT(s, expect)                                                                          \
    do {                                                                                           \
        char w_[300];                                                                              \
        if (parse(s, strlen(s), w_, sizeof w_) != CSEC_EPARSE)                                     \
            FAIL_AT("accepted %s", s);                                                             \
        ASSERT_CONTAINS(w_, expect);                                                               \
    } while (0)

TEST(jsonparse, accepts_rfc8259)
{
    ACCEPT("null");
    ACCEPT(" \t\r\n[ ] ");
    ACCEPT("{}");
    ACCEPT("-0");
    ACCEPT("0.5e+3");
    ACCEPT("1E-2");
    ACCEPT("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\ud83d\\ude00\"");
    ACCEPT("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    ACCEPT("{\"a\":[1,{\"b\":null}],\"a\":true}");
}

TEST(jsonparse, rejects_with_position)
{
    REJECT("", "1:1: unexpected end of input");
    REJECT("[1,]", "1:4: trailing comma in array");
    REJECT("{\"a\":1,}", "1:8: trailing comma in object");
    REJECT("01", "1:1: leading zero");
    REJECT("-", "1:1: invalid number");
    REJECT("1.", "1:3: expected a digit after '.'");
    REJECT("1e", "1:3: expected a digit in exponent");
    REJECT("1e400", "number out of range");
    REJECT("\"\\x\"", "1:2: invalid escape");
    REJECT("\"\\u12\"", "invalid \\u escape");
    REJECT("\"\\ud800\"", "lone high surrogate");
    REJECT("\"\\udc00\"", "lone low surrogate");
    REJECT("\"a\tb\"", "1:3: control character in string");
    REJECT("\"\xc0\xaf\"", "1:2: invalid UTF-8"); /* overlong */
    REJECT("\"\xed\xa0\x80\"", "invalid UTF-8");  /* encoded surrogate */
    REJECT("\"abc", "unterminated string");
    REJECT("[1\n,\n2 3]", "3:3: expected ',' or ']' in array");
    REJECT("{\"a\" 1}", "expected ':'");
    REJECT("{1:2}", "expected a member name");
    REJECT("tru", "invalid literal");
    REJECT("nul", "invalid literal");
    REJECT("1 2", "1:3: trailing characters");
    REJECT("// c\n1", "expected a value");
    REJECT("[1]]", "trailing characters");
}

TEST(jsonparse, numbers)
{
    csec_arena a = CSEC_ARENA_INIT;
    const csec_jv *v = NULL;
    const char *s = "[9223372036854775807,-9223372036854775808,9223372036854775808,-0,2.5,1e2]";
    ASSERT_INT_EQ(csec__json_parse(&v, &a, s, strlen(s), NULL), 0);
    ASSERT_INT_EQ(v->len, 6);
    ASSERT_INT_EQ(v->u.items[0].type, CSEC_JV_INT);
    ASSERT(v->u.items[0].u.i == INT64_MAX);
    ASSERT(v->u.items[1].u.i == INT64_MIN);
    ASSERT_INT_EQ(v->u.items[2].type, CSEC_JV_DOUBLE); /* too big for int64 */
    ASSERT(v->u.items[2].u.d == 9223372036854775808.0);
    ASSERT_INT_EQ(v->u.items[3].type, CSEC_JV_INT);
    ASSERT_INT_EQ(v->u.items[4].type, CSEC_JV_DOUBLE);
    ASSERT(v->u.items[4].u.d == 2.5);
    ASSERT_INT_EQ(v->u.items[5].type, CSEC_JV_DOUBLE); /* exponent: a double */
    csec__arena_free(&a);
}

TEST(jsonparse, tree_access)
{
    csec_arena a = CSEC_ARENA_INIT;
    const csec_jv *v = NULL;
    const char *s = "{\"k\":\"first\",\"s\":\"a\\u0000b\",\"k\":\"last\",\"o\":{\"x\":[]}}";
    ASSERT_INT_EQ(csec__json_parse(&v, &a, s, strlen(s), NULL), 0);
    ASSERT_INT_EQ(v->type, CSEC_JV_OBJECT);
    ASSERT_INT_EQ(v->len, 4); /* duplicates are all kept */
    ASSERT_STR_EQ(csec__jv_str(csec__jv_get(v, "k")), "last");
    const csec_jv *sv = csec__jv_get(v, "s");
    ASSERT_INT_EQ(sv->len, 3);
    ASSERT(memcmp(sv->u.s, "a\0b", 3) == 0);
    ASSERT_INT_EQ(csec__jv_get(csec__jv_get(v, "o"), "x")->type, CSEC_JV_ARRAY);
    ASSERT(csec__jv_get(v, "missing") == NULL);
    ASSERT(csec__jv_get(NULL, "k") == NULL);
    ASSERT(csec__jv_str(csec__jv_get(v, "o")) == NULL);
    csec__arena_free(&a);
}

TEST(jsonparse, depth_limit_without_recursion)
{
    csec_arena a = CSEC_ARENA_INIT;
    const csec_jv *v = NULL;
    csec_diag d;
    size_t n = 200000; /* deep enough to overflow a recursive parser's stack */
    char *s = malloc(2 * n);
    memset(s, '[', n);
    memset(s + n, ']', n);
    ASSERT_INT_EQ(csec__json_parse(&v, &a, s, 2 * n, &d), CSEC_EPARSE);
    ASSERT_CONTAINS(d.msg, "nesting too deep");
    ASSERT_INT_EQ(d.col, CSEC__JSON_MAX_DEPTH + 1);
    /* Exactly the limit is fine; one more is not. */
    size_t k = CSEC__JSON_MAX_DEPTH;
    memset(s, '[', k);
    memset(s + k, ']', k);
    ASSERT_INT_EQ(csec__json_parse(&v, &a, s, 2 * k, &d), 0);
    memset(s, '[', k + 1);
    memset(s + k + 1, ']', k + 1);
    ASSERT_INT_EQ(csec__json_parse(&v, &a, s, 2 * k + 2, &d), CSEC_EPARSE);
    free(s);
    csec__arena_free(&a);
}

TEST(jsonparse, reader_tokens_and_skip)
{
    const char *s = "{\"a\":[1,{\"x\":[true]}],\"b\":\"t\\u00e9\",\"c\":-1.5}";
    csec__json_reader r;
    csec__json_reader_init(&r, s, strlen(s));
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_OBJECT_BEGIN);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_KEY);
    ASSERT(r.str.len == 1 && r.str.ptr[0] == 'a');
    ASSERT_INT_EQ(csec__json_reader_skip(&r), CSEC__JSON_TOK_ARRAY_END);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_KEY);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_STRING);
    ASSERT(r.str.len == 3 && memcmp(r.str.ptr, "t\xc3\xa9", 3) == 0);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_KEY);
    ASSERT_INT_EQ(csec__json_reader_skip(&r), CSEC__JSON_TOK_DOUBLE);
    ASSERT(r.num_d == -1.5);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_OBJECT_END);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_END);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_END);
    csec__json_reader_free(&r);
    /* Errors are sticky; the diag adds a line/column offset. */
    csec__json_reader_init(&r, "[1,\n x]", 7);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_ARRAY_BEGIN);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_INT);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_ERROR);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_ERROR);
    csec_diag d;
    ASSERT_INT_EQ(csec__json_reader_diag(&r, &d, "f.json", 10, 5), CSEC_EPARSE);
    ASSERT_STR_EQ(d.file, "f.json");
    ASSERT_INT_EQ(d.line, 12);
    ASSERT_INT_EQ(d.col, 2);
    csec__json_reader_free(&r);
    /* The reader never reads past `len`, even when the text goes on. */
    csec__json_reader_init(&r, "12345", 2);
    ASSERT_INT_EQ(csec__json_reader_next(&r), CSEC__JSON_TOK_INT);
    ASSERT_INT_EQ(r.num_i, 12);
    csec__json_reader_free(&r);
}
