/* test_toml.c - the TOML 1.0 parser: each value type, tables and their
 * redefinition rules, error positions and messages, the writer, limits. */
#include "harness.h"
#include "toml.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

/* Parses `src`; returns the root or NULL (then `d` holds the error). */
static csec_toml_value *parse(csec_arena *a, const char *src, csec_diag *d)
{
    csec_toml_value *root = NULL;
    csec__diag_clear(d);
    int rc = csec__toml_parse(&root, a, src, strlen(src), d);
    return rc == 0 ? root : NULL;
}

/* Parses `src` expecting failure; returns the message (static storage). */
static const char *parse_err(const char *src, uint32_t *line, uint32_t *col)
{
    static csec_diag d;
    csec_arena a = CSEC_ARENA_INIT;
    csec_toml_value *root = parse(&a, src, &d);
    csec__arena_free(&a);
    if (root)
        return NULL;
    if (line)
        *line = d.line;
    if (col)
        *col = d.col;
    return d.code == CSEC_EPARSE ? d.msg : NULL;
}

/* Renders a value with csec__toml_write into a static buffer. */
static const char *render(const csec_toml_value *v)
{
    static char out[1024];
    csec_buf b = CSEC_BUF_INIT;
    csec__toml_write(&b, v);
    snprintf(out, sizeof out, "%s", b.ptr ? b.ptr : "");
    csec_buf_free(&b);
    return out;
}

/* Follows a dotted path of plain keys ("a.b.c") from the root. */
static const csec_toml_value *at(const csec_toml_value *t, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *part = strtok(buf, "."); part && t; part = strtok(NULL, "."))
        t = csec__toml_get(t, part);
    return t;
}

TEST(toml, strings_basic_and_escapes)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a, "s = \"a\\tb\\n\\\"q\\\" \\\\ \\u00e9 \\U0001F600 \\b\\f\\r\"\n"
                                   "e = \"\"\nz = \"x\\u0000y\"\n", &d);
    ASSERT(r != NULL);
    const csec_toml_value *s = csec__toml_get(r, "s");
    ASSERT(s && s->type == CSEC_TOML_STRING);
    ASSERT_STR_EQ(s->u.str.ptr, "a\tb\n\"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \b\f\r");
    ASSERT_INT_EQ(csec__toml_get(r, "e")->u.str.len, 0);
    const csec_toml_value *z = csec__toml_get(r, "z");
    ASSERT_INT_EQ(z->u.str.len, 3);
    ASSERT(memcmp(z->u.str.ptr, "x\0y", 3) == 0);
    csec__arena_free(&a);
}

TEST(toml, strings_multiline_and_literal)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a,
                               "m = \"\"\"\nline1\nline2\"\"\"\n"
                               "c = \"\"\"\\\n   fox \\\n\n   jumps\"\"\"\n"
                               "q = \"\"\"\"two\"\"\"\"\"\n"
                               "l = 'C:\\path\\n'\n"
                               "ml = '''\nraw \\n '' text'''\n"
                               "crlf = \"\"\"a\r\nb\"\"\"\n",
                               &d);
    ASSERT(r != NULL);
    ASSERT_STR_EQ(csec__toml_get(r, "m")->u.str.ptr, "line1\nline2");
    ASSERT_STR_EQ(csec__toml_get(r, "c")->u.str.ptr, "fox jumps");
    ASSERT_STR_EQ(csec__toml_get(r, "q")->u.str.ptr, "\"two\"\"");
    ASSERT_STR_EQ(csec__toml_get(r, "l")->u.str.ptr, "C:\\path\\n");
    ASSERT_STR_EQ(csec__toml_get(r, "ml")->u.str.ptr, "raw \\n '' text");
    ASSERT_STR_EQ(csec__toml_get(r, "crlf")->u.str.ptr, "a\nb");
    csec__arena_free(&a);
}

TEST(toml, string_errors)
{
    uint32_t line = 0, col = 0;
    ASSERT_CONTAINS(parse_err("a = \"\\q\"\n", &line, &col), "invalid escape `\\q` in string");
    ASSERT_INT_EQ(line, 1);
    ASSERT_INT_EQ(col, 6);
    ASSERT_CONTAINS(parse_err("a = \"\\uD800\"\n", NULL, NULL), "not a Unicode scalar value");
    ASSERT_CONTAINS(parse_err("a = \"\\U00110000\"\n", NULL, NULL), "not a Unicode scalar");
    ASSERT_CONTAINS(parse_err("a = \"\\u12\"\n", NULL, NULL), "hex digits");
    ASSERT_CONTAINS(parse_err("a = \"abc\n", NULL, NULL), "unterminated string");
    ASSERT_CONTAINS(parse_err("a = \"x\x01\"\n", &line, &col), "control character U+0001");
    ASSERT_INT_EQ(col, 7);
    ASSERT_CONTAINS(parse_err("a = \"\"\"x\"\"\"\"\"\"\n", NULL, NULL), "too many quotes");
    ASSERT_CONTAINS(parse_err("a = \"\"\"a\\  b\"\"\"\n", NULL, NULL), "must end the line");
    ASSERT_CONTAINS(parse_err("\"\"\"k\"\"\" = 1\n", NULL, NULL), "cannot be a key");
    ASSERT(parse_err("a = '\x7f'\n", NULL, NULL) != NULL);
}

TEST(toml, integers)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a,
                               "a = +99\nb = -17\nc = 1_000_000\nd = 0xDEAD_beef\ne = 0o755\n"
                               "f = 0b1101\ng = 9223372036854775807\nh = -9223372036854775808\n"
                               "i = -0\nj = 0x7fffffffffffffff\n",
                               &d);
    ASSERT(r != NULL);
    ASSERT_INT_EQ(csec__toml_get(r, "a")->u.integer, 99);
    ASSERT_INT_EQ(csec__toml_get(r, "b")->u.integer, -17);
    ASSERT_INT_EQ(csec__toml_get(r, "c")->u.integer, 1000000);
    ASSERT_INT_EQ(csec__toml_get(r, "d")->u.integer, 0xDEADBEEF);
    ASSERT_INT_EQ(csec__toml_get(r, "e")->u.integer, 0755);
    ASSERT_INT_EQ(csec__toml_get(r, "f")->u.integer, 13);
    ASSERT(csec__toml_get(r, "g")->u.integer == INT64_MAX);
    ASSERT(csec__toml_get(r, "h")->u.integer == INT64_MIN);
    ASSERT_INT_EQ(csec__toml_get(r, "i")->u.integer, 0);
    ASSERT(csec__toml_get(r, "j")->u.integer == INT64_MAX);
    ASSERT_INT_EQ(csec__toml_get(r, "a")->type, CSEC_TOML_INTEGER);
    csec__arena_free(&a);
}

TEST(toml, integer_errors)
{
    uint32_t line = 0, col = 0;
    ASSERT_CONTAINS(parse_err("x = 1\na = 9223372036854775808\n", &line, &col),
                    "integer overflows 64 bits");
    ASSERT_INT_EQ(line, 2);
    ASSERT_INT_EQ(col, 5);
    ASSERT_CONTAINS(parse_err("a = -9223372036854775809\n", NULL, NULL), "overflows");
    ASSERT_CONTAINS(parse_err("a = 0x8000000000000000\n", NULL, NULL), "overflows");
    ASSERT_CONTAINS(parse_err("a = 012\n", NULL, NULL), "leading zeros");
    ASSERT_CONTAINS(parse_err("a = +0x1\n", NULL, NULL), "sign is not allowed");
    ASSERT(parse_err("a = 1__2\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1_\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = _1\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 0x_1\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 0o8\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 0XFF\n", NULL, NULL) != NULL);
}

TEST(toml, floats)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a,
                               "a = 3.1415\nb = -0.01\nc = 5e+22\nd = 1e06\ne = -2E-2\n"
                               "f = 224_617.445_991\ng = inf\nh = -inf\ni = nan\nj = +nan\n"
                               "k = -0.0\n",
                               &d);
    ASSERT(r != NULL);
    ASSERT(csec__toml_get(r, "a")->type == CSEC_TOML_FLOAT);
    ASSERT(csec__toml_get(r, "a")->u.flt == 3.1415);
    ASSERT(csec__toml_get(r, "b")->u.flt == -0.01);
    ASSERT(csec__toml_get(r, "c")->u.flt == 5e22);
    ASSERT(csec__toml_get(r, "d")->u.flt == 1e6);
    ASSERT(csec__toml_get(r, "e")->u.flt == -2e-2);
    ASSERT(csec__toml_get(r, "f")->u.flt == 224617.445991);
    ASSERT(isinf(csec__toml_get(r, "g")->u.flt) && csec__toml_get(r, "g")->u.flt > 0);
    ASSERT(isinf(csec__toml_get(r, "h")->u.flt) && csec__toml_get(r, "h")->u.flt < 0);
    ASSERT(isnan(csec__toml_get(r, "i")->u.flt));
    ASSERT(isnan(csec__toml_get(r, "j")->u.flt));
    ASSERT(signbit(csec__toml_get(r, "k")->u.flt));
    csec__arena_free(&a);
}

TEST(toml, float_errors)
{
    ASSERT(parse_err("a = .5\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1.\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1e\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1._5\n", NULL, NULL) != NULL);
    ASSERT_CONTAINS(parse_err("a = 03.14\n", NULL, NULL), "leading zeros");
    ASSERT_CONTAINS(parse_err("a = 1.2.3\n", NULL, NULL), "invalid number `1.2.3`");
    ASSERT(parse_err("a = Inf\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = nan1\n", NULL, NULL) != NULL);
}

TEST(toml, booleans_and_comments)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a, "# head\nt = true # c\nf = false#c\n\t# tab\n", &d);
    ASSERT(r != NULL);
    ASSERT(csec__toml_get(r, "t")->type == CSEC_TOML_BOOL);
    ASSERT(csec__toml_get(r, "t")->u.boolean);
    ASSERT(!csec__toml_get(r, "f")->u.boolean);
    ASSERT_INT_EQ(r->u.table.count, 2);
    ASSERT(parse_err("a = True\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = truex\n", NULL, NULL) != NULL);
    ASSERT_CONTAINS(parse_err("a = 1 # \x07\n", NULL, NULL), "control character U+0007 in comment");
    csec__arena_free(&a);
}

TEST(toml, datetimes)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a,
                               "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 00:32:00.999999-07:00\n"
                               "c = 1979-05-27t07:32:00z\nd = 1979-05-27T07:32:00\n"
                               "e = 1979-05-27\nf = 07:32:00.25\ng = 2000-02-29\nh = 23:59:60\n",
                               &d);
    ASSERT(r != NULL);
    ASSERT_INT_EQ(csec__toml_get(r, "a")->type, CSEC_TOML_DATETIME);
    ASSERT_STR_EQ(csec__toml_get(r, "a")->u.datetime.text, "1979-05-27T07:32:00Z");
    ASSERT_STR_EQ(csec__toml_get(r, "b")->u.datetime.text, "1979-05-27T00:32:00.999999-07:00");
    ASSERT_STR_EQ(csec__toml_get(r, "c")->u.datetime.text, "1979-05-27T07:32:00Z");
    ASSERT_INT_EQ(csec__toml_get(r, "d")->type, CSEC_TOML_DATETIME_LOCAL);
    ASSERT_INT_EQ(csec__toml_get(r, "e")->type, CSEC_TOML_DATE_LOCAL);
    ASSERT_INT_EQ(csec__toml_get(r, "f")->type, CSEC_TOML_TIME_LOCAL);
    ASSERT_STR_EQ(csec__toml_get(r, "f")->u.datetime.text, "07:32:00.25");
    ASSERT_INT_EQ(csec__toml_get(r, "g")->type, CSEC_TOML_DATE_LOCAL);
    ASSERT_INT_EQ(csec__toml_get(r, "h")->type, CSEC_TOML_TIME_LOCAL);
    csec__arena_free(&a);
}

TEST(toml, datetime_errors)
{
    ASSERT_CONTAINS(parse_err("a = 2023-02-29\n", NULL, NULL), "invalid day of month");
    ASSERT_CONTAINS(parse_err("a = 1900-02-29\n", NULL, NULL), "invalid day of month");
    ASSERT_CONTAINS(parse_err("a = 2000-13-01\n", NULL, NULL), "invalid month");
    ASSERT_CONTAINS(parse_err("a = 2000-04-31\n", NULL, NULL), "invalid day");
    ASSERT_CONTAINS(parse_err("a = 24:00:00\n", NULL, NULL), "out of range");
    ASSERT_CONTAINS(parse_err("a = 10:00:61\n", NULL, NULL), "out of range");
    ASSERT(parse_err("a = 10:00\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 07:32:00Z\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1979-05-27T\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 1979-05-27T07:32:00+7:00\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = 07:32:00.\n", NULL, NULL) != NULL);
}

TEST(toml, arrays)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a,
                               "a = [ 1, \"two\", [3, 4], { k = 5 }, ]\n"
                               "b = [\n  1, # one\n  # alone\n  2\n]\nc = []\n",
                               &d);
    ASSERT(r != NULL);
    const csec_toml_value *arr = csec__toml_get(r, "a");
    ASSERT_INT_EQ(arr->type, CSEC_TOML_ARRAY);
    ASSERT_INT_EQ(arr->u.array.count, 4);
    ASSERT_STR_EQ(arr->u.array.items[1]->u.str.ptr, "two");
    ASSERT_INT_EQ(arr->u.array.items[2]->u.array.items[1]->u.integer, 4);
    ASSERT_INT_EQ(csec__toml_get(arr->u.array.items[3], "k")->u.integer, 5);
    ASSERT_INT_EQ(csec__toml_get(r, "b")->u.array.count, 2);
    ASSERT_INT_EQ(csec__toml_get(r, "c")->u.array.count, 0);
    ASSERT_CONTAINS(parse_err("a = [1 2]\n", NULL, NULL), "expected `,` or `]`");
    ASSERT(parse_err("a = [1,,2]\n", NULL, NULL) != NULL);
    ASSERT(parse_err("a = [,]\n", NULL, NULL) != NULL);
    ASSERT_CONTAINS(parse_err("a = [1, 2\n", NULL, NULL), "unterminated array");
    csec__arena_free(&a);
}

TEST(toml, inline_tables)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *r = parse(&a, "p = { x = 1, y.z = 2, \"q k\" = { } }\ne = {}\n", &d);
    ASSERT(r != NULL);
    ASSERT_INT_EQ(at(r, "p.x")->u.integer, 1);
    ASSERT_INT_EQ(at(r, "p.y.z")->u.integer, 2);
    ASSERT_INT_EQ(csec__toml_get(csec__toml_get(r, "p"), "q k")->u.table.count, 0);
    ASSERT_INT_EQ(csec__toml_get(r, "e")->u.table.count, 0);
    ASSERT_STR_EQ(render(csec__toml_get(r, "p")), "{ x = 1, y = { z = 2 }, \"q k\" = {} }");
    ASSERT(parse_err("p = { x = 1, x = 2 }\n", NULL, NULL) != NULL);
    ASSERT(parse_err("p = { x = 1,\n y = 2 }\n", NULL, NULL) != NULL);
    ASSERT(parse_err("p = { x = 1, }\n", NULL, NULL) != NULL);
    ASSERT(parse_err("p = { a.b = 1 }\n[p.a]\n", NULL, NULL) != NULL);
    csec__arena_free(&a);
}

/* toml-test valid/utf8-bom-*: a byte order mark may open the document, and
 * only there. */
TEST(toml, byte_order_mark)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    const csec_toml_value *root = parse(&a, "\xEF\xBB\xBFkey = \"value\"\n[t]\nb = 1\n", &d);
    ASSERT(root != NULL);
    ASSERT_STR_EQ(csec__toml_get(root, "key")->u.str.ptr, "value");
    ASSERT_INT_EQ(at(root, "t.b")->u.integer, 1);
    ASSERT(parse(&a, "\xEF\xBB\xBF", &d) != NULL); /* a BOM and nothing else */
    csec__arena_free(&a);
    uint32_t line = 0, col = 0;
    ASSERT(parse_err("a = 1\n\xEF\xBB\xBF"
                     "b = 2\n",
                     &line, &col) != NULL);
    ASSERT_INT_EQ(line, 2);
    ASSERT(parse_err("\xEF\xBB\xBF\xEF\xBB\xBF"
                     "a = 1\n",
                     NULL, NULL) != NULL);
}

/* toml-decode's notation: toml-test's tagged JSON, from the library's writer. */
TEST(toml, write_tagged_json)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_diag d;
    const csec_toml_value *root =
        parse(&a,
              "s = \"x\\\"y\"\nf = 1.0\nn = nan\ni = -3\nb = true\nd = 1979-05-27\n"
              "arr = [1, [2]]\n[t]\n\"k k\" = {}\n",
              &d);
    ASSERT(root != NULL);
    csec_buf b = CSEC_BUF_INIT;
    csec__toml_write_tagged_json(&b, root);
    ASSERT_STR_EQ(b.ptr, "{\"s\": {\"type\": \"string\", \"value\": \"x\\\"y\"}, "
                         "\"f\": {\"type\": \"float\", \"value\": \"1\"}, "
                         "\"n\": {\"type\": \"float\", \"value\": \"nan\"}, "
                         "\"i\": {\"type\": \"integer\", \"value\": \"-3\"}, "
                         "\"b\": {\"type\": \"bool\", \"value\": \"true\"}, "
                         "\"d\": {\"type\": \"date-local\", \"value\": \"1979-05-27\"}, "
                         "\"arr\": [{\"type\": \"integer\", \"value\": \"1\"}, "
                         "[{\"type\": \"integer\", \"value\": \"2\"}]], "
                         "\"t\": {\"k k\": {}}}");
    csec_buf_clear(&b);
    /* The TOML notation of the same tree (the linter quotes values this way). */
    csec__toml_write(&b, csec__toml_get(root, "t"));
    ASSERT_STR_EQ(b.ptr, "{ \"k k\" = {} }");
    csec_buf_free(&b);
    csec__arena_free(&a);
}
