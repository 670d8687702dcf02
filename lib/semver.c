/* semver.c - Cargo-flavoured SemVer: versions (spec §2.1), requirements
 * (spec §2.2) and requirement matching (spec §2.3).
 *
 * The grammar and the order follow the `semver` crate exactly, including the
 * parts that differ from SemVer 2.0 (build metadata breaks ties).  Error
 * messages are our own: each names the part of the version that is wrong and
 * the 1-based byte column where the problem was found (diag col; line is 1). */
#include "semver.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parts of a version, used to say where a problem is. */
typedef enum part { PART_MAJOR, PART_MINOR, PART_PATCH, PART_PRE, PART_BUILD } part;

static const char *const part_names[] = {"major version", "minor version", "patch version",
                                         "prerelease", "build metadata"};

typedef struct parser {
    const char *s;
    size_t len;
    size_t i;
    csec_diag *d;
} parser;

static bool is_ident_char(char c)
{
    return csec__is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static bool is_wildcard(char c)
{
    return c == '*' || c == 'x' || c == 'X';
}

static bool at(const parser *p, char c)
{
    return p->i < p->len && p->s[p->i] == c;
}

/* Describes the byte at offset `i` for a message: "character `v`", "space",
 * "tab", "character `α` (U+03B1)" for a whole UTF-8 character, or "byte
 * 0xC3" (so messages stay printable whatever the input). */
#define DESC_MAX 48

static const char *describe(char out[DESC_MAX], const parser *p, size_t i)
{
    unsigned char c = (unsigned char)p->s[i];
    uint32_t cp;
    size_t n = csec__utf8_decode((const unsigned char *)p->s + i, p->len - i, &cp, NULL);
    if (c == ' ')
        return "space";
    if (c == '\t')
        return "tab";
    if (c > 0x20 && c < 0x7f) {
        snprintf(out, DESC_MAX, "character `%c`", c);
    } else if (n > 1) {
        if (cp >= 0xA0) /* not a control character: shown as itself */
            snprintf(out, DESC_MAX, "character `%.*s` (U+%04X)", (int)n, p->s + i, (unsigned)cp);
        else
            snprintf(out, DESC_MAX, "character U+%04X", (unsigned)cp);
    } else {
        snprintf(out, DESC_MAX, "byte 0x%02X", c);
    }
    return out;
}

/* Records a parse error at byte offset `i` (column i+1). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail_at(parser *p, size_t i, const char *fmt, ...)
{
    uint32_t col = i >= UINT32_MAX ? UINT32_MAX : (uint32_t)(i + 1);
    va_list ap;
    va_start(ap, fmt);
    int rc = csec__diag_vset(p->d, CSEC_EPARSE, NULL, 1, col, fmt, ap);
    va_end(ap);
    return rc;
}

/* A decimal u64 without leading zeros.  `what` is the part being read. */
static int parse_number(parser *p, part what, uint64_t *out)
{
    size_t start = p->i;
    uint64_t v = 0;
    while (p->i < p->len && csec__is_digit(p->s[p->i])) {
        unsigned digit = (unsigned)(p->s[p->i] - '0');
        if (p->i > start && v == 0)
            return fail_at(p, start, "leading zero in %s", part_names[what]);
        if (v > (UINT64_MAX - digit) / 10)
            return fail_at(p, start, "%s number too large to fit in u64", part_names[what]);
        v = v * 10 + digit;
        p->i++;
    }
    if (p->i == start) {
        char desc[DESC_MAX];
        if (p->i == p->len)
            return fail_at(p, p->i, "unexpected end of input, expected the %s number",
                           part_names[what]);
        if (what == PART_MAJOR)
            return fail_at(p, p->i, "unexpected %s at start of version", describe(desc, p, p->i));
        return fail_at(p, p->i, "unexpected %s in %s, expected a number", describe(desc, p, p->i),
                       part_names[what]);
    }
    *out = v;
    return 0;
}

/* Dot-separated identifiers of [0-9A-Za-z-], each non-empty; in a prerelease
 * a numeric identifier of more than one digit must not start with 0.  The
 * identifiers end at the first other byte, which the caller checks. */
static int parse_identifiers(parser *p, part what, csec_str *out)
{
    size_t start = p->i;
    for (;;) {
        size_t seg = p->i;
        bool numeric = true;
        while (p->i < p->len && is_ident_char(p->s[p->i])) {
            numeric = numeric && csec__is_digit(p->s[p->i]);
            p->i++;
        }
        /* Empty because of a byte no identifier may hold (not a separator
         * such as `.`, `+` or what ends a comparator): that is the news. */
        if (p->i == seg && p->i < p->len && !strchr(".+, \t", p->s[p->i])) {
            char desc[DESC_MAX];
            return fail_at(p, seg,
                           "unexpected %s in %s (identifiers are ASCII letters, digits and `-`)",
                           describe(desc, p, seg), part_names[what]);
        }
        if (p->i == seg)
            return fail_at(p, seg, "empty %s identifier", part_names[what]);
        if (what == PART_PRE && numeric && p->i - seg > 1 && p->s[seg] == '0')
            return fail_at(p, seg, "leading zero in numeric prerelease identifier `%.*s`",
                           (int)(p->i - seg), p->s + seg);
        if (!at(p, '.'))
            break;
        p->i++;
    }
    out->ptr = p->s + start;
    out->len = p->i - start;
    return 0;
}

/* "." between numbers of a full version. */
static int expect_dot(parser *p, part after)
{
    char desc[DESC_MAX];
    if (at(p, '.')) {
        p->i++;
        return 0;
    }
    if (p->i == p->len)
        return fail_at(p, p->i, "unexpected end of input after %s, expected `.`",
                       part_names[after]);
    return fail_at(p, p->i, "unexpected %s after %s, expected `.`", describe(desc, p, p->i),
                   part_names[after]);
}

int csec_version_parse(csec_version *out, const char *s, size_t len, csec_diag *d)
{
    parser p = {s, len, 0, d};
    csec_version v;
    part last = PART_PATCH;
    int err;
    memset(&v, 0, sizeof v);
    v.pre.ptr = v.build.ptr = s;
    if (len == 0) {
        err = fail_at(&p, 0, "empty string, expected a version");
        goto done;
    }
    if ((err = parse_number(&p, PART_MAJOR, &v.major)) < 0 ||
        (err = expect_dot(&p, PART_MAJOR)) < 0 ||
        (err = parse_number(&p, PART_MINOR, &v.minor)) < 0 ||
        (err = expect_dot(&p, PART_MINOR)) < 0 ||
        (err = parse_number(&p, PART_PATCH, &v.patch)) < 0)
        goto done;
    if (at(&p, '-')) {
        p.i++;
        last = PART_PRE;
        if ((err = parse_identifiers(&p, PART_PRE, &v.pre)) < 0)
            goto done;
    }
    if (at(&p, '+')) {
        p.i++;
        last = PART_BUILD;
        if ((err = parse_identifiers(&p, PART_BUILD, &v.build)) < 0)
            goto done;
    }
    if (p.i < len) {
        char desc[DESC_MAX];
        err = fail_at(&p, p.i, "unexpected %s after %s", describe(desc, &p, p.i),
                      part_names[last]);
        goto done;
    }
    err = 0;
done:
    if (err < 0)
        memset(&v, 0, sizeof v);
    *out = v;
    return err;
}

/* ---- ordering ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!csec__is_digit(s[i]))
            return false;
    return true;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c < 0 ? -1 : 1;
    return cmp_u64(an, bn);
}

/* Next dot-separated identifier of `s` starting at *pos; returns false at the end. */
static bool next_ident(csec_str s, size_t *pos, csec_str *id)
{
    if (*pos > s.len)
        return false;
    const char *dot = memchr(s.ptr + *pos, '.', s.len - *pos);
    size_t end = dot ? (size_t)(dot - s.ptr) : s.len;
    id->ptr = s.ptr + *pos;
    id->len = end - *pos;
    *pos = end + 1;
    return true;
}

/* Identifier-wise comparison shared by prerelease and build metadata; they
 * only differ in how two numeric identifiers compare.  Numeric identifiers
 * of a prerelease have no leading zeros, so length-then-bytes is numeric. */
static int cmp_idents(csec_str a, csec_str b, bool build)
{
    size_t pa = 0, pb = 0;
    csec_str x, y;
    while (next_ident(a, &pa, &x)) {
        if (!next_ident(b, &pb, &y))
            return 1;
        bool xn = all_digits(x.ptr, x.len), yn = all_digits(y.ptr, y.len);
        int c;
        if (xn && yn) {
            if (build) {
                /* 0 < 00 < 1 < 01 < 001 < 2: value first, then the shorter raw text. */
                csec_str xs = x, ys = y;
                while (xs.len && xs.ptr[0] == '0')
                    xs.ptr++, xs.len--;
                while (ys.len && ys.ptr[0] == '0')
                    ys.ptr++, ys.len--;
                c = cmp_u64(xs.len, ys.len);
                if (!c)
                    c = cmp_bytes(xs.ptr, xs.len, ys.ptr, ys.len);
                if (!c)
                    c = cmp_u64(x.len, y.len);
            } else {
                c = cmp_u64(x.len, y.len);
                if (!c)
                    c = cmp_bytes(x.ptr, x.len, y.ptr, y.len);
            }
        } else if (xn) {
            return -1;
        } else if (yn) {
            return 1;
        } else {
            c = cmp_bytes(x.ptr, x.len, y.ptr, y.len);
        }
        if (c)
            return c;
    }
    return next_ident(b, &pb, &y) ? -1 : 0;
}

int csec__pre_cmp(csec_str a, csec_str b)
{
    if (!a.len || !b.len)
        return a.len ? -1 : b.len ? 1 : 0; /* a release sorts above its prereleases */
    return cmp_idents(a, b, false);
}

static int build_cmp(csec_str a, csec_str b)
{
    if (!a.len || !b.len)
        return a.len ? 1 : b.len ? -1 : 0; /* no build sorts below any build */
    return cmp_idents(a, b, true);
}

int csec_version_cmp(const csec_version *a, const csec_version *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    if (!c)
        c = csec__pre_cmp(a->pre, b->pre);
    if (!c)
        c = build_cmp(a->build, b->build);
    return c;
}

/* ---- display ---- */

void csec__sink_put(csec__sink *k, const char *s, size_t n)
{
    if (k->buf) {
        csec_buf_put(k->buf, s, n);
        return;
    }
    if (!k->cap)
        return;
    size_t room = k->cap - 1 - k->len;
    if (n > room)
        n = room;
    memcpy(k->fixed + k->len, s, n);
    k->len += n;
    k->fixed[k->len] = '\0';
}

static void sink_puts(csec__sink *k, const char *s)
{
    csec__sink_put(k, s, strlen(s));
}

static void sink_u64(csec__sink *k, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    csec__sink_put(k, tmp, (size_t)n);
}

void csec__version_format(csec__sink *k, const csec_version *v)
{
    sink_u64(k, v->major);
    csec__sink_put(k, ".", 1);
    sink_u64(k, v->minor);
    csec__sink_put(k, ".", 1);
    sink_u64(k, v->patch);
    if (v->pre.len) {
        csec__sink_put(k, "-", 1);
        csec__sink_put(k, v->pre.ptr, v->pre.len);
    }
    if (v->build.len) {
        csec__sink_put(k, "+", 1);
        csec__sink_put(k, v->build.ptr, v->build.len);
    }
}

void csec_version_write(csec_buf *out, const csec_version *v)
{
    csec__sink k = {out, NULL, 0, 0};
    csec__version_format(&k, v);
}

/* The operator as written; a wildcard comparator has none. */
static const char *op_text(csec_op op)
{
    static const char *const ops[] = {"=", ">", ">=", "<", "<=", "~", "^", ""};
    return (unsigned)op < sizeof ops / sizeof ops[0] ? ops[op] : "";
}

/* The semver crate's Display: the prerelease is printed only after a patch,
 * a wildcard comparator ends in ".*" where its numbers stop. */
static void comparator_format(csec__sink *k, const csec_comparator *c)
{
    sink_puts(k, op_text(c->op));
    sink_u64(k, c->major);
    if (c->has_minor) {
        csec__sink_put(k, ".", 1);
        sink_u64(k, c->minor);
        if (c->has_patch) {
            csec__sink_put(k, ".", 1);
            sink_u64(k, c->patch);
            if (c->pre.len) {
                csec__sink_put(k, "-", 1);
                csec__sink_put(k, c->pre.ptr, c->pre.len);
            }
        } else if (c->op == CSEC_OP_WILDCARD) {
            sink_puts(k, ".*");
        }
    } else if (c->op == CSEC_OP_WILDCARD) {
        sink_puts(k, ".*");
    }
}

void csec__req_format(csec__sink *k, const csec_req *r)
{
    if (!r->count) {
        sink_puts(k, "*");
        return;
    }
    for (size_t i = 0; i < r->count; i++) {
        if (i)
            sink_puts(k, ", ");
        comparator_format(k, &r->comparators[i]);
    }
}

void csec_req_write(csec_buf *out, const csec_req *r)
{
    csec__sink k = {out, NULL, 0, 0};
    csec__req_format(&k, r);
}

const char *csec__req_display(char *out, size_t n, const csec_req *r)
{
    csec__sink k = {NULL, out, n, 0};
    if (n)
        out[0] = '\0';
    csec__req_format(&k, r);
    return out;
}

/* ---- requirement parsing ---- */

static void skip_spaces(parser *p)
{
    while (at(p, ' '))
        p->i++;
}

/* Reads the operator; returns whether one was written. */
static bool parse_op(parser *p, csec_op *op)
{
    char c = p->i < p->len ? p->s[p->i] : '\0';
    bool eq_next = p->i + 1 < p->len && p->s[p->i + 1] == '=';
    switch (c) {
    case '=':
        *op = CSEC_OP_EXACT;
        break;
    case '>':
        *op = eq_next ? CSEC_OP_GREATER_EQ : CSEC_OP_GREATER;
        break;
    case '<':
        *op = eq_next ? CSEC_OP_LESS_EQ : CSEC_OP_LESS;
        break;
    case '~':
        *op = CSEC_OP_TILDE;
        break;
    case '^':
        *op = CSEC_OP_CARET;
        break;
    default:
        *op = CSEC_OP_CARET;
        return false;
    }
    p->i += (*op == CSEC_OP_GREATER_EQ || *op == CSEC_OP_LESS_EQ) ? 2 : 1;
    return true;
}

static bool is_op_char(char c)
{
    return c == '=' || c == '<' || c == '>' || c == '~' || c == '^';
}

/* One comparator (spec §2.2); on return p->i is past its trailing spaces and
 * *last names the last part read (for "expected `,` after ..."). */
static int parse_comparator(parser *p, csec_comparator *c, part *last)
{
    size_t op_start = p->i;
    bool explicit_op = parse_op(p, &c->op);
    bool minor_wild = false;
    int err;
    skip_spaces(p);
    *last = PART_MAJOR;
    if (explicit_op && p->i < p->len && is_op_char(p->s[p->i])) {
        size_t end = p->i;
        while (end < p->len && is_op_char(p->s[end]))
            end++;
        return fail_at(p, op_start, "invalid operator `%.*s`", (int)(end - op_start),
                       p->s + op_start);
    }
    if ((err = parse_number(p, PART_MAJOR, &c->major)) < 0)
        return err;
    if (at(p, '.')) {
        p->i++;
        *last = PART_MINOR;
        if (p->i < p->len && is_wildcard(p->s[p->i])) {
            p->i++;
            minor_wild = true;
            if (!explicit_op)
                c->op = CSEC_OP_WILDCARD;
        } else {
            if ((err = parse_number(p, PART_MINOR, &c->minor)) < 0)
                return err;
            c->has_minor = true;
        }
    }
    if (at(p, '.')) {
        p->i++;
        *last = PART_PATCH;
        if (p->i < p->len && is_wildcard(p->s[p->i])) {
            p->i++;
            if (!explicit_op)
                c->op = CSEC_OP_WILDCARD;
        } else if (minor_wild) {
            char desc[DESC_MAX];
            if (p->i == p->len)
                return fail_at(p, p->i, "unexpected end of input after wildcard minor version, "
                                        "expected a wildcard patch version");
            return fail_at(p, p->i,
                           "unexpected %s after wildcard minor version, expected a wildcard "
                           "patch version",
                           describe(desc, p, p->i));
        } else {
            if ((err = parse_number(p, PART_PATCH, &c->patch)) < 0)
                return err;
            c->has_patch = true;
        }
    }
    if (c->has_patch && at(p, '-')) {
        p->i++;
        *last = PART_PRE;
        if ((err = parse_identifiers(p, PART_PRE, &c->pre)) < 0)
            return err;
    }
    if (c->has_patch && at(p, '+')) {
        csec_str build; /* parsed and discarded, as Cargo does */
        p->i++;
        *last = PART_BUILD;
        if ((err = parse_identifiers(p, PART_BUILD, &build)) < 0)
            return err;
    }
    skip_spaces(p);
    return 0;
}

/* The error for a byte that is neither the end nor a comma after a comparator. */
static int expected_comma(parser *p, part last)
{
    char desc[DESC_MAX];
    char c = p->s[p->i];
    const char *hint = "";
    if ((c == '-' || c == '+') && last != PART_PRE && last != PART_BUILD)
        hint = c == '-' ? " (a prerelease needs major.minor.patch)"
                        : " (build metadata needs major.minor.patch)";
    return fail_at(p, p->i, "expected `,` after %s, found %s%s", part_names[last],
                   describe(desc, p, p->i), hint);
}

/* The semver crate reports a lone wildcard among several comparators
 * specially; `i` is where the failing comparator starts. */
static bool lone_wildcard_at(const parser *p, size_t i)
{
    if (i >= p->len || !is_wildcard(p->s[i]))
        return false;
    i++;
    while (i < p->len && p->s[i] == ' ')
        i++;
    return i == p->len || p->s[i] == ',';
}

/* Parses into `comps` (CSEC_REQ_MAX_COMPARATORS entries); prerelease views
 * point into `s`. */
static int parse_req(csec_comparator *comps, size_t *count, const char *s, size_t len,
                     csec_diag *d)
{
    parser p = {s, len, 0, d};
    *count = 0;
    skip_spaces(&p);
    if (p.i == len)
        return fail_at(&p, p.i, "empty version requirement");
    if (is_wildcard(s[p.i])) {
        size_t star = p.i++;
        skip_spaces(&p);
        if (p.i == len)
            return 0;
        if (s[p.i] == ',')
            return fail_at(&p, star, "wildcard `%c` must be the only comparator", s[star]);
        char desc[DESC_MAX];
        return fail_at(&p, p.i, "unexpected %s after wildcard `%c`", describe(desc, &p, p.i),
                       s[star]);
    }
    for (;;) {
        size_t start = p.i;
        part last;
        csec_comparator *c = &comps[*count];
        memset(c, 0, sizeof *c);
        c->pre.ptr = s;
        int err = parse_comparator(&p, c, &last);
        if (err < 0) {
            if (lone_wildcard_at(&p, start))
                return fail_at(&p, start, "wildcard `%c` must be the only comparator", s[start]);
            return err;
        }
        (*count)++;
        if (p.i == len)
            return 0;
        if (s[p.i] != ',')
            return expected_comma(&p, last);
        size_t comma = p.i++;
        skip_spaces(&p);
        if (*count == CSEC_REQ_MAX_COMPARATORS)
            return fail_at(&p, comma, "too many comparators (the limit is %d)",
                           CSEC_REQ_MAX_COMPARATORS);
        if (p.i == len)
            return fail_at(&p, comma, "trailing comma: expected a comparator after `,`");
    }
}

/* A requirement is one block: the csec_req, its comparators from this
 * offset on, then NUL-terminated copies of their prereleases. */
static size_t comparators_offset(void)
{
    const size_t align = _Alignof(csec_comparator);
    return (sizeof(csec_req) + align - 1) & ~(align - 1);
}

static size_t req_block_size(const csec_comparator *comps, size_t count)
{
    size_t n = comparators_offset() + count * sizeof(csec_comparator);
    for (size_t i = 0; i < count; i++)
        n += comps[i].pre.len + 1;
    return n;
}

static csec_req *req_build(void *mem, const csec_comparator *comps, size_t count)
{
    csec_req *r = mem;
    csec_comparator *dst = (csec_comparator *)((char *)mem + comparators_offset());
    char *text = (char *)(dst + count);
    for (size_t i = 0; i < count; i++) {
        dst[i] = comps[i];
        if (comps[i].pre.len)
            memcpy(text, comps[i].pre.ptr, comps[i].pre.len);
        text[comps[i].pre.len] = '\0';
        dst[i].pre.ptr = text;
        text += comps[i].pre.len + 1;
    }
    r->count = count;
    r->comparators = dst;
    return r;
}

int csec_req_parse(csec_req **out, const char *s, size_t len, csec_diag *d)
{
    return csec__req_parse_arena(out, NULL, s, len, d);
}

int csec__req_parse_arena(csec_req **out, csec_arena *arena, const char *s, size_t len,
                          csec_diag *d)
{
    csec_comparator comps[CSEC_REQ_MAX_COMPARATORS];
    size_t count;
    *out = NULL;
    int err = parse_req(comps, &count, s, len, d);
    if (err < 0)
        return err;
    size_t size = req_block_size(comps, count);
    *out = req_build(arena ? csec__arena_alloc(arena, size) : csec__xmalloc(size), comps, count);
    return 0;
}

void csec_req_free(csec_req *r)
{
    free(r);
}

void csec__version_copy(csec_version *dst, const csec_version *src, csec_arena *arena)
{
    csec_version v = *src;
    v.pre.ptr = csec__arena_strndup(arena, src->pre.ptr, src->pre.len);
    v.build.ptr = csec__arena_strndup(arena, src->build.ptr, src->build.len);
    *dst = v;
}

/* ---- matching (spec §2.3) ---- */

static bool matches_exact(const csec_comparator *c, const csec_version *v)
{
    if (v->major != c->major)
        return false;
    if (c->has_minor && v->minor != c->minor)
        return false;
    if (c->has_patch && v->patch != c->patch)
        return false;
    return csec__pre_cmp(v->pre, c->pre) == 0;
}

/* `sign` 1 for ">", -1 for "<": the same walk, mirrored.  An absent
 * component decides "false" (so >1.2 is >= 1.3.0 and <1.2 is < 1.2.0). */
static bool matches_strict(const csec_comparator *c, const csec_version *v, int sign)
{
    if (v->major != c->major)
        return cmp_u64(v->major, c->major) == sign;
    if (!c->has_minor)
        return false;
    if (v->minor != c->minor)
        return cmp_u64(v->minor, c->minor) == sign;
    if (!c->has_patch)
        return false;
    if (v->patch != c->patch)
        return cmp_u64(v->patch, c->patch) == sign;
    return csec__pre_cmp(v->pre, c->pre) == sign;
}

static bool matches_tilde(const csec_comparator *c, const csec_version *v)
{
    if (v->major != c->major)
        return false;
    if (c->has_minor && v->minor != c->minor)
        return false;
    if (c->has_patch && v->patch != c->patch)
        return v->patch > c->patch;
    return csec__pre_cmp(v->pre, c->pre) >= 0;
}

static bool matches_caret(const csec_comparator *c, const csec_version *v)
{
    if (v->major != c->major)
        return false;
    if (!c->has_minor)
        return true;
    if (!c->has_patch)
        return c->major > 0 ? v->minor >= c->minor : v->minor == c->minor;
    if (c->major > 0) {
        if (v->minor != c->minor)
            return v->minor > c->minor;
        if (v->patch != c->patch)
            return v->patch > c->patch;
    } else if (c->minor > 0) {
        if (v->minor != c->minor)
            return false;
        if (v->patch != c->patch)
            return v->patch > c->patch;
    } else if (v->minor != c->minor || v->patch != c->patch) {
        return false;
    }
    return csec__pre_cmp(v->pre, c->pre) >= 0;
}

bool csec__comparator_matches(const csec_comparator *c, const csec_version *v)
{
    switch (c->op) {
    case CSEC_OP_EXACT:
    case CSEC_OP_WILDCARD:
        return matches_exact(c, v);
    case CSEC_OP_GREATER:
        return matches_strict(c, v, 1);
    case CSEC_OP_GREATER_EQ:
        return matches_exact(c, v) || matches_strict(c, v, 1);
    case CSEC_OP_LESS:
        return matches_strict(c, v, -1);
    case CSEC_OP_LESS_EQ:
        return matches_exact(c, v) || matches_strict(c, v, -1);
    case CSEC_OP_TILDE:
        return matches_tilde(c, v);
    case CSEC_OP_CARET:
        return matches_caret(c, v);
    }
    return false;
}

bool csec_req_matches(const csec_req *r, const csec_version *v)
{
    for (size_t i = 0; i < r->count; i++)
        if (!csec__comparator_matches(&r->comparators[i], v))
            return false;
    if (!v->pre.len)
        return true;
    /* A prerelease only matches when some comparator names the same
     * major.minor.patch with a prerelease of its own. */
    for (size_t i = 0; i < r->count; i++) {
        const csec_comparator *c = &r->comparators[i];
        if (c->major == v->major && c->has_minor && c->minor == v->minor && c->has_patch &&
            c->patch == v->patch && c->pre.len)
            return true;
    }
    return false;
}
