/* jsonparse.c - strict JSON pull reader and tree builder (see jsonparse.h). */
#include "jsonparse.h"

#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    ST_VALUE,        /* a value must come (start, after ':' or an array's ',') */
    ST_VALUE_OR_END, /* just after '[' */
    ST_KEY,          /* a member name must come (after an object's ',') */
    ST_KEY_OR_END,   /* just after '{' */
    ST_AFTER,        /* a value ended: ',' or a close (or the end at top level) */
    ST_DONE,
    ST_ERROR
};

/* Bytes that can appear in a string unescaped and need no further check:
 * printable ASCII other than '"' and '\\'.  A table keeps the hot loop to one
 * load and one branch per byte. */
static const unsigned char plain_byte[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' is 0x22 */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' is 0x5c */
    R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
#undef R16
};

void csec__json_reader_init(csec__json_reader *r, const char *s, size_t len)
{
    memset(r, 0, sizeof *r);
    r->start = r->p = s;
    r->end = s + len;
    r->state = ST_VALUE;
}

void csec__json_reader_free(csec__json_reader *r)
{
    csec_buf_free(&r->scratch);
}

csec__json_tok csec__json_reader_fail(csec__json_reader *r, size_t off, const char *msg)
{
    if (r->state != ST_ERROR) {
        r->state = ST_ERROR;
        r->err_off = off;
        r->err_msg = msg;
    }
    return CSEC__JSON_TOK_ERROR;
}

static csec__json_tok fail_at(csec__json_reader *r, const char *at, const char *msg)
{
    return csec__json_reader_fail(r, (size_t)(at - r->start), msg);
}

int csec__json_reader_diag(const csec__json_reader *r, csec_diag *d, const char *file,
                           uint32_t line0, uint32_t col0)
{
    uint32_t line, col;
    csec__line_col(r->start, r->err_off, &line, &col);
    if (line == 1)
        col += col0;
    return csec__diag_set(d, CSEC_EPARSE, file, line + line0, col, "%s",
                          r->err_msg ? r->err_msg : "invalid JSON");
}

static inline bool top_is_object(const csec__json_reader *r)
{
    uint32_t i = r->depth - 1;
    return (r->stack[i / 64] >> (i % 64)) & 1;
}

static csec__json_tok push(csec__json_reader *r, bool object, csec__json_tok tok)
{
    if (r->depth >= CSEC__JSON_MAX_DEPTH)
        return fail_at(r, r->p, "nesting too deep");
    uint32_t i = r->depth++;
    if (object)
        r->stack[i / 64] |= (uint64_t)1 << (i % 64);
    else
        r->stack[i / 64] &= ~((uint64_t)1 << (i % 64));
    r->p++;
    r->state = object ? ST_KEY_OR_END : ST_VALUE_OR_END;
    return tok;
}

static csec__json_tok pop(csec__json_reader *r, csec__json_tok tok)
{
    r->depth--;
    r->p++;
    r->state = ST_AFTER;
    return tok;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int x = csec__hexval(p[i]);
        if (x < 0)
            return -1;
        v = v << 4 | (unsigned)x;
    }
    *out = v;
    return 0;
}

/* Decodes one escape sequence at *pp (the backslash) into the scratch buffer
 * and moves *pp past it; <0 after failing the reader. */
static int read_escape(csec__json_reader *r, const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    if (end - p < 2)
        return fail_at(r, (const char *)p, "unterminated string");
    char c;
    switch (p[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        unsigned cp, lo;
        if (hex4(p + 2, end, &cp) < 0)
            return fail_at(r, (const char *)p, "invalid \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail_at(r, (const char *)p, "lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, end, &lo) < 0 ||
                lo < 0xDC00 || lo > 0xDFFF)
                return fail_at(r, (const char *)p, "lone high surrogate in \\u escape");
            csec__utf8_put(&r->scratch, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
            *pp = p + 12;
            return 0;
        }
        csec__utf8_put(&r->scratch, cp);
        *pp = p + 6;
        return 0;
    }
    default:
        return fail_at(r, (const char *)p, "invalid escape in string");
    }
    csec_buf_putc(&r->scratch, c);
    *pp = p + 2;
    return 0;
}

/* Whether all eight bytes of `w` are plain_byte ones: none below 0x20 or
 * from 0x80, no '"' and no '\\' (the usual tests for a zero byte in a word). */
static inline bool word_is_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
    /* (x - k) & ~x & high is non-zero exactly when a byte of x is below k
     * (for x without high bits; w's high bits fail the test themselves). */
    uint64_t bad = ((w - ones * 0x20) & ~w) | w | ((quote - ones) & ~quote) |
                   ((bslash - ones) & ~bslash);
    return (bad & high) == 0;
}

/* Reads the string whose opening quote is at r->p into r->str. */
static int read_string(csec__json_reader *r)
{
    const unsigned char *p = (const unsigned char *)r->p + 1;
    const unsigned char *end = (const unsigned char *)r->end;
    const unsigned char *s = p;
    bool escaped = false;
    for (;;) {
        /* Eight bytes at a time while all are plain (most strings of an
         * index are), then byte by byte. */
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (!word_is_plain(w))
                break;
            p += 8;
        }
        while (p < end && plain_byte[*p])
            p++;
        if (p == end)
            return fail_at(r, r->p, "unterminated string");
        unsigned c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (!escaped) {
                csec_buf_clear(&r->scratch);
                escaped = true;
            }
            csec_buf_put(&r->scratch, s, (size_t)(p - s));
            if (read_escape(r, &p, end) < 0)
                return -1;
            s = p;
            continue;
        }
        if (c < 0x20)
            return fail_at(r, (const char *)p, "control character in string");
        uint32_t cp;
        size_t n = csec__utf8_decode(p, (size_t)(end - p), &cp, NULL);
        if (!n)
            return fail_at(r, (const char *)p, "invalid UTF-8 in string");
        p += n;
    }
    if (escaped) {
        csec_buf_put(&r->scratch, s, (size_t)(p - s));
        r->str.ptr = r->scratch.ptr ? r->scratch.ptr : "";
        r->str.len = r->scratch.len;
    } else {
        r->str.ptr = (const char *)s;
        r->str.len = (size_t)(p - s);
    }
    r->p = (const char *)p + 1;
    return 0;
}

static csec__json_tok read_number(csec__json_reader *r)
{
    const char *p = r->p, *end = r->end;
    bool neg = false, integral = true;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p == end || !csec__is_digit(*p))
        return fail_at(r, r->p, "invalid number");
    if (*p == '0') {
        p++;
        if (p < end && csec__is_digit(*p))
            return fail_at(r, p - 1, "leading zero in number");
    } else {
        while (p < end && csec__is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !csec__is_digit(*p))
            return fail_at(r, p, "expected a digit after '.'");
        while (p < end && csec__is_digit(*p))
            p++;
        integral = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !csec__is_digit(*p))
            return fail_at(r, p, "expected a digit in exponent");
        while (p < end && csec__is_digit(*p))
            p++;
        integral = false;
    }
    if (integral) {
        /* Accumulate the magnitude; -2^63 is the one value whose magnitude
         * does not fit the positive range. */
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
        const char *q = r->p + neg;
        for (; q < p; q++) {
            unsigned dgt = (unsigned)(*q - '0');
            if (v > (limit - dgt) / 10)
                break;
            v = v * 10 + dgt;
        }
        if (q == p) {
            r->num_i = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
            r->p = p;
            r->state = ST_AFTER;
            return CSEC__JSON_TOK_INT;
        }
    }
    /* strtod needs a terminated copy; numbers are short except adversarial
     * ones, which take the heap. */
    size_t n = (size_t)(p - r->p);
    char small[64];
    char *copy = n < sizeof small ? small : csec__xmalloc(n + 1);
    memcpy(copy, r->p, n);
    copy[n] = '\0';
    double dv = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    if (isinf(dv))
        return fail_at(r, r->p, "number out of range");
    r->num_d = dv;
    r->p = p;
    r->state = ST_AFTER;
    return CSEC__JSON_TOK_DOUBLE;
}

static csec__json_tok read_literal(csec__json_reader *r, const char *word, size_t n,
                                   csec__json_tok tok)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return fail_at(r, r->p, "invalid literal");
    r->p += n;
    r->state = ST_AFTER;
    return tok;
}

static csec__json_tok read_value(csec__json_reader *r)
{
    r->tok_off = (size_t)(r->p - r->start);
    if (r->p == r->end)
        return fail_at(r, r->p, "unexpected end of input, expected a value");
    switch (*r->p) {
    case '{':
        return push(r, true, CSEC__JSON_TOK_OBJECT_BEGIN);
    case '[':
        return push(r, false, CSEC__JSON_TOK_ARRAY_BEGIN);
    case '"':
        if (read_string(r) < 0)
            return CSEC__JSON_TOK_ERROR;
        r->state = ST_AFTER;
        return CSEC__JSON_TOK_STRING;
    case 't':
        return read_literal(r, "true", 4, CSEC__JSON_TOK_TRUE);
    case 'f':
        return read_literal(r, "false", 5, CSEC__JSON_TOK_FALSE);
    case 'n':
        return read_literal(r, "null", 4, CSEC__JSON_TOK_NULL);
    case ']':
        if (r->depth && !top_is_object(r))
            return fail_at(r, r->p, "trailing comma in array");
        return fail_at(r, r->p, "expected a value");
    default:
        if (*r->p == '-' || csec__is_digit(*r->p))
            return read_number(r);
        return fail_at(r, r->p, "expected a value");
    }
}

static csec__json_tok read_key(csec__json_reader *r)
{
    r->tok_off = (size_t)(r->p - r->start);
    if (r->p == r->end)
        return fail_at(r, r->p, "unexpected end of input, expected a member name");
    if (*r->p != '"')
        return fail_at(r, r->p, *r->p == '}' ? "trailing comma in object" : "expected a member name");
    if (read_string(r) < 0)
        return CSEC__JSON_TOK_ERROR;
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
    if (r->p == r->end || *r->p != ':')
        return fail_at(r, r->p, "expected ':' after member name");
    r->p++;
    r->state = ST_VALUE;
    return CSEC__JSON_TOK_KEY;
}

csec__json_tok csec__json_reader_next(csec__json_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
    switch (r->state) {
    case ST_VALUE:
        return read_value(r);
    case ST_VALUE_OR_END:
        if (r->p < r->end && *r->p == ']') {
            r->tok_off = (size_t)(r->p - r->start);
            return pop(r, CSEC__JSON_TOK_ARRAY_END);
        }
        return read_value(r);
    case ST_KEY:
        return read_key(r);
    case ST_KEY_OR_END:
        if (r->p < r->end && *r->p == '}') {
            r->tok_off = (size_t)(r->p - r->start);
            return pop(r, CSEC__JSON_TOK_OBJECT_END);
        }
        return read_key(r);
    case ST_AFTER:
        r->tok_off = (size_t)(r->p - r->start);
        if (r->depth == 0) {
            if (r->p != r->end)
                return fail_at(r, r->p, "trailing characters after JSON value");
            r->state = ST_DONE;
            return CSEC__JSON_TOK_END;
        }
        if (r->p == r->end)
            return fail_at(r, r->p, "unexpected end of input");
        if (top_is_object(r)) {
            if (*r->p == '}')
                return pop(r, CSEC__JSON_TOK_OBJECT_END);
            if (*r->p != ',')
                return fail_at(r, r->p, "expected ',' or '}' in object");
            r->p++;
            r->state = ST_KEY;
        } else {
            if (*r->p == ']')
                return pop(r, CSEC__JSON_TOK_ARRAY_END);
            if (*r->p != ',')
                return fail_at(r, r->p, "expected ',' or ']' in array");
            r->p++;
            r->state = ST_VALUE;
        }
        return csec__json_reader_next(r); /* one level only: the state is now KEY or VALUE */
    case ST_DONE:
        return CSEC__JSON_TOK_END;
    default:
        return CSEC__JSON_TOK_ERROR;
    }
}

void csec__json_reader_close_at(csec__json_reader *r, size_t close_off)
{
    if (r->state == ST_ERROR || r->depth == 0)
        return;
    r->p = r->start + close_off;
    pop(r, CSEC__JSON_TOK_OBJECT_END);
}

csec__json_tok csec__json_reader_skip(csec__json_reader *r)
{
    uint32_t base = r->depth;
    csec__json_tok t = csec__json_reader_next(r);
    while (t != CSEC__JSON_TOK_ERROR && r->depth > base)
        t = csec__json_reader_next(r);
    if (t == CSEC__JSON_TOK_KEY || t == CSEC__JSON_TOK_END)
        return csec__json_reader_fail(r, r->tok_off, "expected a value");
    return t;
}

/* ---- the tree ---- */

typedef struct frame {
    size_t start; /* first element of this container in the value stack */
    const char *key;
    size_t key_len;
    bool object;
} frame;

typedef struct builder {
    csec_jv_member *vals; /* pending elements of every open container */
    size_t nvals, capvals;
    frame *frames;
    size_t nframes, capframes;
} builder;

static void add_value(builder *b, const char *key, size_t key_len, const csec_jv *v)
{
    if (b->nvals == b->capvals)
        b->vals = csec__grow(b->vals, &b->capvals, 16, sizeof *b->vals);
    csec_jv_member *m = &b->vals[b->nvals++];
    m->key = key;
    m->key_len = key_len;
    m->value = *v;
}

int csec__json_parse(const csec_jv **out, csec_arena *arena, const char *s, size_t len,
                     csec_diag *d)
{
    csec__json_reader r;
    builder b = {0};
    csec_jv *root = NULL;
    const char *key = NULL;
    size_t key_len = 0;
    int rc = 0;

    *out = NULL;
    csec__json_reader_init(&r, s, len);
    for (;;) {
        csec__json_tok t = csec__json_reader_next(&r);
        csec_jv v = {CSEC_JV_NULL, 0, {0}};
        switch (t) {
        case CSEC__JSON_TOK_ERROR:
            rc = csec__json_reader_diag(&r, d, NULL, 0, 0);
            goto done;
        case CSEC__JSON_TOK_END:
            *out = root;
            goto done;
        case CSEC__JSON_TOK_KEY:
            key = csec__arena_strndup(arena, r.str.ptr, r.str.len);
            key_len = r.str.len;
            continue;
        case CSEC__JSON_TOK_ARRAY_BEGIN:
        case CSEC__JSON_TOK_OBJECT_BEGIN:
            if (b.nframes == b.capframes)
                b.frames = csec__grow(b.frames, &b.capframes, 8, sizeof *b.frames);
            b.frames[b.nframes++] =
                (frame){b.nvals, key, key_len, t == CSEC__JSON_TOK_OBJECT_BEGIN};
            key = NULL;
            continue;
        case CSEC__JSON_TOK_ARRAY_END:
        case CSEC__JSON_TOK_OBJECT_END: {
            frame *f = &b.frames[--b.nframes];
            size_t n = b.nvals - f->start;
            v.len = n;
            if (f->object) {
                csec_jv_member *m = csec__arena_alloc(arena, csec__mul(n, sizeof *m));
                if (n)
                    memcpy(m, b.vals + f->start, n * sizeof *m);
                v.type = CSEC_JV_OBJECT;
                v.u.members = m;
            } else {
                csec_jv *items = csec__arena_alloc(arena, csec__mul(n, sizeof *items));
                for (size_t i = 0; i < n; i++)
                    items[i] = b.vals[f->start + i].value;
                v.type = CSEC_JV_ARRAY;
                v.u.items = items;
            }
            b.nvals = f->start;
            key = f->key;
            key_len = f->key_len;
            break;
        }
        case CSEC__JSON_TOK_NULL:
            v.type = CSEC_JV_NULL;
            break;
        case CSEC__JSON_TOK_FALSE:
            v.type = CSEC_JV_FALSE;
            break;
        case CSEC__JSON_TOK_TRUE:
            v.type = CSEC_JV_TRUE;
            break;
        case CSEC__JSON_TOK_INT:
            v.type = CSEC_JV_INT;
            v.u.i = r.num_i;
            break;
        case CSEC__JSON_TOK_DOUBLE:
            v.type = CSEC_JV_DOUBLE;
            v.u.d = r.num_d;
            break;
        case CSEC__JSON_TOK_STRING:
            v.type = CSEC_JV_STRING;
            v.len = r.str.len;
            v.u.s = csec__arena_strndup(arena, r.str.ptr, r.str.len);
            break;
        }
        if (b.nframes == 0) {
            root = csec__arena_alloc(arena, sizeof *root);
            *root = v;
        } else {
            add_value(&b, key, key_len, &v);
        }
        key = NULL;
    }
done:
    free(b.vals);
    free(b.frames);
    csec__json_reader_free(&r);
    return rc;
}

const csec_jv *csec__jv_get(const csec_jv *v, const char *key)
{
    if (!v || v->type != CSEC_JV_OBJECT)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = v->len; i-- > 0;) {
        const csec_jv_member *m = &v->u.members[i];
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
            return &m->value;
    }
    return NULL;
}

const char *csec__jv_str(const csec_jv *v)
{
    return v && v->type == CSEC_JV_STRING ? v->u.s : NULL;
}
