/* toml.c - a TOML 1.0 parser (https://toml.io/en/v1.0.0; the ABNF is normative).
 *
 * One pass over the bytes, no tokenizer: the document is a sequence of lines
 * (key/value pairs, [table] and [[array]] headers, comments).  Values nest
 * (arrays, inline tables), and that nesting is handled by an explicit stack of
 * frames in parse_value, never by recursion, so hostile input cannot exhaust
 * the C stack.  Tables nested by long dotted keys or headers are walked
 * iteratively as well (the writer keeps its own stack too).
 *
 * Table lookup is a linear scan up to INDEX_MIN keys (the common case: an
 * advisory has a dozen keys) and a map (map.h) above, so a table with 100k
 * keys stays linear overall. */
#include "toml.h"

#include "map.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Table flags enforcing TOML's redefinition rules. */
enum {
    F_IMPLICIT = 1u << 0, /* created as the parent of a [header]; may be defined once later */
    F_DEFINED = 1u << 1,  /* opened by its own [header] (or an element of [[header]]) */
    F_DOTTED = 1u << 2,   /* created by a dotted key; only dotted keys may extend it */
    F_INLINE = 1u << 3,   /* inline table: sealed once written */
    F_AOT = 1u << 4,      /* array created by [[header]]; static arrays lack this flag */
};

#define INDEX_MIN 16 /* tables with more keys get a map: key -> item index */

/* One part of a (dotted) key; its bytes are in the source (bare keys and
 * quoted keys without escapes would do, but only bare ones are used) or in
 * parser.keybuf (decoded quoted keys), addressed by offset because keybuf
 * may move while the key is parsed. */
typedef struct key_part {
    size_t off, len;
    bool in_src;
    uint32_t line, col;
} key_part;

/* A nesting level of parse_value: an array or an inline table being filled.
 * For an inline table, (tbl, idx) is the slot awaiting the current value. */
typedef struct frame {
    csec_toml_value *node;
    csec_toml_value *tbl;
    size_t idx;
} frame;

/* Room for the usual key depth and value nesting inside the parser itself,
 * so that parsing a small document (an advisory) calls malloc for neither;
 * deeper input moves them to the heap. */
#define KEYS_INLINE 8
#define STACK_INLINE 16

typedef struct parser {
    const char *s;
    size_t len, pos;
    uint32_t line;  /* 1-based line of pos */
    size_t lstart;  /* offset where that line starts */
    csec_arena *arena;
    csec_diag *d;
    csec_buf scratch; /* decoded string values, float digits */
    csec_buf keybuf;  /* decoded quoted keys of the current key */
    csec_buf msg;     /* key paths for messages */
    key_part *keys;   /* keys_inline, or the heap once that is full */
    size_t nkeys, capkeys;
    frame *stack; /* stack_inline, or the heap */
    size_t depth, capstack;
    key_part keys_inline[KEYS_INLINE];
    frame stack_inline[STACK_INLINE];
} parser;

/* Doubles an array that starts in the parser's inline storage `inline_items`
 * (`*cap` items): the first growth copies it to the heap, later ones
 * realloc. */
static void *grow_items(void *items, const void *inline_items, size_t *cap, size_t item_size)
{
    size_t ncap = *cap * 2;
    void *grown;
    if (items == inline_items) {
        grown = csec__xmalloc(csec__mul(ncap, item_size));
        memcpy(grown, items, *cap * item_size);
    } else {
        grown = csec__xrealloc(items, csec__mul(ncap, item_size));
    }
    *cap = ncap;
    return grown;
}

/* csec__grow for a table's or an array's items, in the arena (the old copy stays there). */
static void *arena_grow(csec_arena *a, const void *items, size_t *cap, size_t first, size_t size)
{
    size_t old = *cap;
    *cap = old ? csec__mul(old, 2) : first;
    void *grown = csec__arena_alloc(a, csec__mul(*cap, size));
    if (old)
        memcpy(grown, items, old * size);
    return grown;
}

/* ---- errors ---- */

static int verr_at(parser *p, size_t off, const char *fmt, va_list ap)
{
    uint32_t line, col;
    if (off >= p->lstart) {
        line = p->line;
        col = (uint32_t)(off - p->lstart + 1);
    } else {
        csec__line_col(p->s, off, &line, &col);
    }
    return csec__diag_vset(p->d, CSEC_EPARSE, NULL, line, col, fmt, ap);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int err_at(parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verr_at(p, off, fmt, ap);
    va_end(ap);
    return rc;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int err_lc(parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = csec__diag_vset(p->d, CSEC_EPARSE, NULL, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

static uint32_t col_of(const parser *p, size_t off)
{
    return (uint32_t)(off - p->lstart + 1);
}

/* Appends bytes to a message, with control characters and backquotes made
 * visible, cut at a sane length. */
static void msg_put(csec_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && b->len < 120; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            csec_buf_printf(b, "\\x%02X", c);
        else
            csec_buf_putc(b, (char)c);
    }
}

/* ---- character classes ---- */

static inline bool is_bare(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || csec__is_digit(c) || c == '_' ||
           c == '-';
}

/* Characters of a number, boolean or date-time token. */
static inline bool is_token(unsigned char c)
{
    return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* Bytes allowed as-is in a basic string (UTF-8 is validated up front). */
static inline bool plain_basic(unsigned char c)
{
    return c >= 0x20 ? (c != '"' && c != '\\' && c != 0x7f) : c == '\t';
}

static inline bool plain_literal(unsigned char c)
{
    return c >= 0x20 ? (c != '\'' && c != 0x7f) : c == '\t';
}

/* Whether any byte of the 8 in `w` is below 0x20, 0x7f, `a` or `b`
 * (the "has a byte less than n" and "has a zero byte" tests of Bit
 * Twiddling Hacks; exact for the question "any?", which is all this asks). */
static inline bool word_may_stop(uint64_t w, unsigned char a, unsigned char b)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t xdel = w ^ (ones * 0x7f), xa = w ^ (ones * a), xb = w ^ (ones * b);
    uint64_t hits = ((w - ones * 0x20) & ~w) | ((xdel - ones) & ~xdel) | ((xa - ones) & ~xa) |
                    ((xb - ones) & ~xb);
    return (hits & highs) != 0;
}

/* The offset of the first byte from `i` on that may not stand as-is in a
 * basic (or literal) string, or `n`.  Strings are most of an advisory's
 * TOML, so the common run of plain bytes is skipped eight at a time; a word
 * with a possible stop (tabs are one, though plain) is then read bytewise. */
static size_t scan_plain(const char *str, size_t i, size_t n, bool basic)
{
    const unsigned char *s = (const unsigned char *)str;
    for (;;) {
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (word_may_stop(w, basic ? '"' : '\'', basic ? '\\' : '\''))
                break;
            i += 8;
        }
        if (i < n && (basic ? plain_basic(s[i]) : plain_literal(s[i]))) {
            i++;
            continue;
        }
        return i;
    }
}

static inline int cur(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

/* ---- whitespace, newlines, comments ---- */

static void skip_ws(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
        p->pos++;
}

/* Consumes a newline at s[*i] (pos, or a place inside a multi-line string),
 * counting lines: 1 if there was one, 0 if not, <0 on a lone CR. */
static int eat_newline(parser *p, size_t *i)
{
    size_t j = *i;
    if (j < p->len && p->s[j] == '\n') {
        j++;
    } else if (j < p->len && p->s[j] == '\r') {
        if (j + 1 >= p->len || p->s[j + 1] != '\n')
            return err_at(p, j, "carriage return not followed by a line feed");
        j += 2;
    } else {
        return 0;
    }
    p->line++;
    p->lstart = j;
    *i = j;
    return 1;
}

/* Skips a comment at pos (if any) up to, not including, the newline. */
static int skip_comment(parser *p)
{
    if (cur(p) != '#')
        return 0;
    size_t i = p->pos + 1;
    const unsigned char *s = (const unsigned char *)p->s;
    for (; i < p->len && s[i] != '\n'; i++) {
        unsigned char c = s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            if (c == '\r' && i + 1 < p->len && s[i + 1] == '\n')
                break;
            return err_at(p, i, "control character U+%04X in comment", c);
        }
    }
    p->pos = i;
    return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int skip_space_nl(parser *p)
{
    for (;;) {
        int rc;
        skip_ws(p);
        if ((rc = skip_comment(p)) != 0)
            return rc;
        if ((rc = eat_newline(p, &p->pos)) < 0)
            return rc;
        if (rc == 0)
            return 0;
    }
}

/* After a key/value pair or header: optional comment, then a newline or EOF. */
static int end_line(parser *p, const char *after)
{
    int rc;
    skip_ws(p);
    if ((rc = skip_comment(p)) != 0)
        return rc;
    if (p->pos >= p->len)
        return 0;
    if ((rc = eat_newline(p, &p->pos)) < 0)
        return rc;
    if (rc == 0)
        return err_at(p, p->pos, "expected newline after %s, found `%c`", after, p->s[p->pos]);
    return 0;
}

/* ---- nodes and tables ---- */

static csec_toml_value *new_node(parser *p, csec_toml_type t, uint32_t line, uint32_t col)
{
    csec_toml_value *v = csec__arena_alloc(p->arena, sizeof *v);
    v->type = t;
    v->line = line;
    v->col = col;
    return v;
}

static void index_add(csec_map *ix, const csec_toml_kv *kv, size_t i)
{
    csec__map_put(ix, kv->key, kv->key_len, NULL)->val.idx = i;
}

static void index_build(csec_arena *a, csec_toml_value *t)
{
    csec_map *ix = csec__arena_alloc(a, sizeof *ix);
    csec__map_init(ix, CSEC_MAP_BYTES, a);
    for (size_t i = 0; i < t->u.table.count; i++)
        index_add(ix, &t->u.table.items[i], i);
    t->u.table.index = ix;
}

/* Index of key `k` in table `t`, or -1. */
static long table_find(const csec_toml_value *t, const char *k, size_t n)
{
    const csec_toml_kv *items = t->u.table.items;
    if (t->u.table.index) {
        const csec_map_entry *e = csec__map_find(t->u.table.index, k, n);
        return e ? (long)e->val.idx : -1;
    }
    /* Many keys share a length (id/url, date/cvss, package/aliases/related):
     * the first byte settles most of those without a memcmp call. */
    for (size_t i = 0; i < t->u.table.count; i++)
        if (items[i].key_len == n && (n == 0 || items[i].key[0] == k[0]) &&
            memcmp(items[i].key, k, n) == 0)
            return (long)i;
    return -1;
}

static const char *part_ptr(const parser *p, const key_part *k)
{
    /* An empty quoted key may come before anything was decoded into keybuf,
     * whose pointer is then still NULL (and NULL + 0 is undefined). */
    if (k->len == 0)
        return "";
    return k->in_src ? p->s + k->off : p->keybuf.ptr + k->off;
}

/* Appends key `k` (not present) to table `t` with value `v`; returns its index. */
static size_t table_add(parser *p, csec_toml_value *t, const key_part *k, csec_toml_value *v)
{
    if (t->u.table.count == t->u.table.cap)
        t->u.table.items =
            arena_grow(p->arena, t->u.table.items, &t->u.table.cap, 8, sizeof *t->u.table.items);
    size_t i = t->u.table.count++;
    csec_toml_kv *kv = &t->u.table.items[i];
    kv->key = csec__arena_strndup(p->arena, part_ptr(p, k), k->len);
    kv->key_len = k->len;
    kv->line = k->line;
    kv->col = k->col;
    kv->value = v;
    if (t->u.table.index)
        index_add(t->u.table.index, kv, i);
    else if (t->u.table.count > INDEX_MIN)
        index_build(p->arena, t);
    return i;
}

static void array_push(parser *p, csec_toml_value *a, csec_toml_value *v)
{
    if (a->u.array.count == a->u.array.cap)
        a->u.array.items =
            arena_grow(p->arena, a->u.array.items, &a->u.array.cap, 4, sizeof *a->u.array.items);
    a->u.array.items[a->u.array.count++] = v;
}

/* The key path keys[0..n] as text for messages. */
static const char *key_path(parser *p, size_t n)
{
    csec_buf_clear(&p->msg);
    for (size_t i = 0; i <= n && i < p->nkeys; i++) {
        if (i)
            csec_buf_putc(&p->msg, '.');
        msg_put(&p->msg, part_ptr(p, &p->keys[i]), p->keys[i].len);
    }
    if (!p->msg.ptr)
        csec_buf_puts(&p->msg, "");
    return p->msg.ptr;
}

/* "a string", "an integer", "an array of tables", ... for messages. */
static const char *a_type(const csec_toml_value *v)
{
    switch (v->type) {
    case CSEC_TOML_TABLE: return v->flags & F_INLINE ? "an inline table" : "a table";
    case CSEC_TOML_ARRAY: return v->flags & F_AOT ? "an array of tables" : "an array";
    case CSEC_TOML_STRING: return "a string";
    case CSEC_TOML_INTEGER: return "an integer";
    case CSEC_TOML_FLOAT: return "a float";
    case CSEC_TOML_BOOL: return "a boolean";
    case CSEC_TOML_DATETIME: return "an offset date-time";
    case CSEC_TOML_DATETIME_LOCAL: return "a local date-time";
    case CSEC_TOML_DATE_LOCAL: return "a local date";
    case CSEC_TOML_TIME_LOCAL: return "a local time";
    }
    return "a value";
}

/* ---- strings ---- */

/* A backslash escape at s[i] (the backslash) of a basic string; appends the
 * decoded bytes and advances *pi past it. */
static int parse_escape(parser *p, size_t *pi, bool multi, csec_buf *dst)
{
    const char *s = p->s;
    size_t i = *pi + 1;
    if (i >= p->len)
        return err_at(p, *pi, "unterminated string");
    char e = s[i];
    switch (e) {
    case 'b': csec_buf_putc(dst, '\b'); break;
    case 't': csec_buf_putc(dst, '\t'); break;
    case 'n': csec_buf_putc(dst, '\n'); break;
    case 'f': csec_buf_putc(dst, '\f'); break;
    case 'r': csec_buf_putc(dst, '\r'); break;
    case '"': csec_buf_putc(dst, '"'); break;
    case '\\': csec_buf_putc(dst, '\\'); break;
    case 'u':
    case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t k = 1; k <= n; k++) {
            int h = i + k < p->len ? csec__hexval((unsigned char)s[i + k]) : -1;
            if (h < 0)
                return err_at(p, *pi, "invalid escape `\\%c`: expected %zu hex digits", e, n);
            cp = (cp << 4) | (uint32_t)h;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return err_at(p, *pi, "escape `\\%c%.*s` is not a Unicode scalar value", e, (int)n,
                          s + i + 1);
        csec__utf8_put(dst, cp);
        i += n;
        break;
    }
    default:
        if (multi && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
            /* Line-ending backslash: trims the newline and the whitespace and
             * newlines that follow.  Only whitespace may sit before the newline. */
            int rc, lines = 0;
            for (;; lines++) {
                while (i < p->len && (s[i] == ' ' || s[i] == '\t'))
                    i++;
                if ((rc = eat_newline(p, &i)) < 0)
                    return rc;
                if (rc == 0)
                    break;
            }
            if (lines == 0)
                return err_at(p, *pi,
                              "invalid escape: `\\` followed by whitespace must end "
                              "the line");
            *pi = i;
            return 0;
        }
        if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
            return err_at(p, *pi, "invalid escape `\\%c` in string", e);
        return err_at(p, *pi, "invalid escape in string");
    }
    *pi = i + 1;
    return 0;
}

/* A string (basic or literal, single- or multi-line) starting at pos; its
 * decoded bytes are appended to dst.  `multi` strings start with 3 quotes. */
static int parse_string(parser *p, bool multi, csec_buf *dst)
{
    const char *s = p->s;
    size_t n = p->len, start = p->pos;
    char q = s[p->pos];
    bool basic = q == '"';
    size_t i = p->pos + (multi ? 3 : 1);
    int rc;
    if (multi && (rc = eat_newline(p, &i)) < 0) /* a newline right after the quotes is trimmed */
        return rc;
    for (;;) {
        size_t st = i;
        i = scan_plain(s, i, n, basic);
        if (i > st)
            csec_buf_put(dst, s + st, i - st);
        if (i >= n)
            return err_at(p, start, "unterminated string");
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)q) {
            if (!multi) {
                p->pos = i + 1;
                return 0;
            }
            size_t k = i;
            while (k < n && s[k] == q && k - i < 6)
                k++;
            size_t run = k - i;
            if (run < 3) {
                csec_buf_put(dst, s + i, run);
                i = k;
                continue;
            }
            if (run > 5)
                return err_at(p, i, "too many quotes at the end of a multi-line string");
            csec_buf_put(dst, s + i, run - 3);
            p->pos = k;
            return 0;
        }
        if (c == '\\' && basic) {
            if ((rc = parse_escape(p, &i, multi, dst)) < 0)
                return rc;
            continue;
        }
        if (multi && (c == '\n' || c == '\r')) {
            if ((rc = eat_newline(p, &i)) < 0)
                return rc;
            csec_buf_putc(dst, '\n');
            continue;
        }
        if (c == '\n' || c == '\r')
            return err_at(p, start, "unterminated string (newline in a single-line string)");
        return err_at(p, i, "control character U+%04X in string", c);
    }
}

/* ---- keys ---- */

/* Parses a (dotted) key at pos into p->keys; stops after trailing whitespace. */
static int parse_key(parser *p)
{
    int rc;
    p->nkeys = 0;
    csec_buf_clear(&p->keybuf);
    for (;;) {
        if (p->nkeys == p->capkeys)
            p->keys = grow_items(p->keys, p->keys_inline, &p->capkeys, sizeof *p->keys);
        key_part *k = &p->keys[p->nkeys];
        k->line = p->line;
        k->col = col_of(p, p->pos);
        int c = cur(p);
        if (c >= 0 && is_bare((unsigned char)c)) {
            size_t st = p->pos;
            while (p->pos < p->len && is_bare((unsigned char)p->s[p->pos]))
                p->pos++;
            k->in_src = true;
            k->off = st;
            k->len = p->pos - st;
        } else if (c == '"' || c == '\'') {
            if (p->pos + 2 < p->len && p->s[p->pos + 1] == c && p->s[p->pos + 2] == c)
                return err_at(p, p->pos, "a multi-line string cannot be a key");
            k->in_src = false;
            k->off = p->keybuf.len;
            if ((rc = parse_string(p, false, &p->keybuf)) < 0)
                return rc;
            k->len = p->keybuf.len - k->off;
        } else if (c < 0 || c == '\n' || c == '\r') {
            return err_at(p, p->pos, "expected a key");
        } else if (c == '=') {
            return err_at(p, p->pos, "expected a key before `=`");
        } else {
            return err_at(p, p->pos, "invalid character `%c` in key", c);
        }
        p->nkeys++;
        skip_ws(p);
        if (cur(p) != '.')
            return 0;
        p->pos++;
        skip_ws(p);
    }
}

/* Walks the dotted key p->keys from table `t` for a key/value pair: parents
 * must be tables created by dotted keys (in this table block or inline table)
 * or implicitly by headers; missing ones are created.  Adds the last key with a NULL value (filled in by
 * the caller) and returns its table and index. */
static int place_keyval(parser *p, csec_toml_value *t, csec_toml_value **tbl, size_t *idx)
{
    for (size_t i = 0; i < p->nkeys; i++) {
        const key_part *k = &p->keys[i];
        long f = table_find(t, part_ptr(p, k), k->len);
        if (i + 1 == p->nkeys) {
            if (f >= 0)
                return err_lc(p, k->line, k->col, "duplicate key `%s`", key_path(p, i));
            *tbl = t;
            *idx = table_add(p, t, k, NULL);
            return 0;
        }
        if (f < 0) {
            csec_toml_value *nt = new_node(p, CSEC_TOML_TABLE, k->line, k->col);
            nt->flags = F_DOTTED;
            table_add(p, t, k, nt);
            t = nt;
            continue;
        }
        csec_toml_value *v = t->u.table.items[f].value;
        if (v->type != CSEC_TOML_TABLE)
            return err_lc(p, k->line, k->col, "key `%s` is already %s, not a table",
                          key_path(p, i), a_type(v));
        if (v->flags & F_INLINE)
            return err_lc(p, k->line, k->col, "cannot extend inline table `%s`", key_path(p, i));
        /* A table created as the parent of a header (never defined itself)
         * may be extended by dotted keys, which then define it: a later
         * [header] for it is a redefinition. */
        if (!(v->flags & (F_DOTTED | F_IMPLICIT)))
            return err_lc(p, k->line, k->col,
                          "cannot add keys to table `%s` outside its [header]", key_path(p, i));
        v->flags = (v->flags & ~F_IMPLICIT) | F_DOTTED;
        t = v;
    }
    return err_at(p, p->pos, "expected a key"); /* nkeys == 0: not reached */
}

/* Applies a [header] or [[header]] (keys in p->keys) and returns the table
 * that the following key/value pairs go to. */
static int place_header(parser *p, csec_toml_value *root, bool aot, uint32_t line, uint32_t col,
                        csec_toml_value **out)
{
    csec_toml_value *t = root;
    for (size_t i = 0; i < p->nkeys; i++) {
        const key_part *k = &p->keys[i];
        bool last = i + 1 == p->nkeys;
        long f = table_find(t, part_ptr(p, k), k->len);
        csec_toml_value *v;
        if (f >= 0) {
            v = t->u.table.items[f].value;
        } else if (last && aot) { /* a new array of tables, appended to below */
            v = new_node(p, CSEC_TOML_ARRAY, line, col);
            v->flags = F_AOT;
            table_add(p, t, k, v);
        } else {
            csec_toml_value *nt = new_node(p, CSEC_TOML_TABLE, line, col);
            nt->flags = last ? F_DEFINED : F_IMPLICIT;
            table_add(p, t, k, nt);
            t = nt;
            continue;
        }
        if (last && aot) {
            if (v->type != CSEC_TOML_ARRAY)
                return err_lc(p, k->line, k->col,
                              "cannot define array of tables `%s`: it is already %s",
                              key_path(p, i), a_type(v));
            if (!(v->flags & F_AOT))
                return err_lc(p, k->line, k->col, "cannot append to static array `%s`",
                              key_path(p, i));
            csec_toml_value *nt = new_node(p, CSEC_TOML_TABLE, line, col);
            nt->flags = F_DEFINED;
            array_push(p, v, nt);
            t = nt;
            continue;
        }
        if (v->type == CSEC_TOML_ARRAY && (v->flags & F_AOT) && !last) {
            t = v->u.array.items[v->u.array.count - 1];
            continue;
        }
        if (v->type != CSEC_TOML_TABLE)
            return err_lc(p, k->line, k->col, "cannot define table: key `%s` is already %s",
                          key_path(p, i), a_type(v));
        if (v->flags & F_INLINE)
            return err_lc(p, k->line, k->col, "cannot extend inline table `%s`", key_path(p, i));
        if (last) {
            if (v->flags & F_DEFINED)
                return err_lc(p, k->line, k->col, "table `%s` defined twice", key_path(p, i));
            if (v->flags & F_DOTTED)
                return err_lc(p, k->line, k->col, "table `%s` already defined by dotted keys",
                              key_path(p, i));
            v->flags = (v->flags & ~F_IMPLICIT) | F_DEFINED;
        }
        t = v;
    }
    *out = t;
    return 0;
}

/* ---- scalars ---- */

/* Parses digits with single underscores between digits, as in
 * `digit *( digit / "_" digit )`, in base `base`, starting at t[*i].
 * Accumulates into *acc (saturating flag in *over).  Returns digit count, or
 * -1 on a misplaced underscore. */
static long digits_us(const char *t, size_t n, size_t *i, unsigned base, uint64_t *acc,
                      uint64_t limit, bool *over)
{
    long count = 0;
    size_t j = *i;
    for (;;) {
        int dv = j < n ? csec__hexval((unsigned char)t[j]) : -1;
        if (dv < 0 || (unsigned)dv >= base)
            break;
        if (acc) {
            if (*acc > (limit - (uint64_t)dv) / base)
                *over = true;
            else
                *acc = *acc * base + (uint64_t)dv;
        }
        count++;
        j++;
        if (j < n && t[j] == '_') {
            int nv = j + 1 < n ? csec__hexval((unsigned char)t[j + 1]) : -1;
            if (nv < 0 || (unsigned)nv >= base)
                return -1;
            j++;
        }
    }
    if (count == 0 && j < n && t[j] == '_')
        return -1;
    *i = j;
    return count;
}

static int parse_number(parser *p, size_t a, size_t b, csec_toml_value *v)
{
    const char *t = p->s + a;
    size_t n = b - a, i = 0;
    bool neg = false, signed_ = false, over = false;
    if (t[0] == '+' || t[0] == '-') {
        neg = t[0] == '-';
        signed_ = true;
        i = 1;
    }
    if (i >= n)
        return err_at(p, a, "invalid number `%.*s`", (int)n, t);
    if (t[i] == '0' && i + 1 < n && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
        unsigned base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
        if (signed_)
            return err_at(p, a, "a sign is not allowed on %s integer",
                          base == 16 ? "a hexadecimal" : base == 8 ? "an octal" : "a binary");
        i += 2;
        uint64_t acc = 0;
        long nd = digits_us(t, n, &i, base, &acc, (uint64_t)INT64_MAX, &over);
        if (nd <= 0 || i != n)
            return err_at(p, a, "invalid integer `%.*s`", (int)(n > 64 ? 64 : n), t);
        if (over)
            return err_at(p, a, "integer overflows 64 bits");
        v->type = CSEC_TOML_INTEGER;
        v->u.integer = (int64_t)acc;
        return 0;
    }
    size_t istart = i;
    uint64_t acc = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    long nd = digits_us(t, n, &i, 10, &acc, limit, &over);
    if (nd <= 0)
        goto bad;
    if (t[istart] == '0' && nd > 1)
        return err_at(p, a, "leading zeros are not allowed in `%.*s`", (int)(n > 64 ? 64 : n), t);
    bool is_float = false;
    if (i < n && t[i] == '.') {
        is_float = true;
        i++;
        if (digits_us(t, n, &i, 10, NULL, 0, NULL) <= 0)
            goto bad;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        is_float = true;
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        if (digits_us(t, n, &i, 10, NULL, 0, NULL) <= 0)
            goto bad;
    }
    if (i != n)
        goto bad;
    if (!is_float) {
        if (over)
            return err_at(p, a, "integer overflows 64 bits");
        v->type = CSEC_TOML_INTEGER;
        v->u.integer = neg ? (int64_t)(0 - acc) : (int64_t)acc;
        return 0;
    }
    csec_buf_clear(&p->scratch);
    for (size_t k = 0; k < n; k++)
        if (t[k] != '_')
            csec_buf_putc(&p->scratch, t[k]);
    v->type = CSEC_TOML_FLOAT;
    v->u.flt = strtod(p->scratch.ptr, NULL);
    return 0;
bad:
    return err_at(p, a, "invalid number `%.*s`", (int)(n > 64 ? 64 : n), t);
}

static bool dig2(const char *t, unsigned *out)
{
    if (!csec__is_digit((unsigned char)t[0]) || !csec__is_digit((unsigned char)t[1]))
        return false;
    *out = (unsigned)(t[0] - '0') * 10 + (unsigned)(t[1] - '0');
    return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* A date, time or date-time in t[a..b) (RFC 3339 with TOML's relaxations). */
static int parse_datetime(parser *p, size_t a, size_t b, csec_toml_value *v)
{
    const char *t = p->s + a;
    size_t n = b - a, i = 0;
    bool has_date = false, has_time = false, has_off = false;
    unsigned y1, y2, mo, d, h, mi, se;
    int shown = (int)(n > 40 ? 40 : n);
    if (n >= 5 && csec__is_digit((unsigned char)t[0]) && t[4] == '-') {
        if (n < 10 || !dig2(t, &y1) || !dig2(t + 2, &y2) || !dig2(t + 5, &mo) || t[7] != '-' ||
            !dig2(t + 8, &d))
            return err_at(p, a, "invalid date `%.*s`", shown, t);
        if (mo < 1 || mo > 12)
            return err_at(p, a, "invalid month in date `%.*s`", shown, t);
        if (d < 1 || d > days_in_month(y1 * 100 + y2, mo))
            return err_at(p, a, "invalid day of month in date `%.*s`", shown, t);
        has_date = true;
        i = 10;
        if (i < n) {
            if (t[i] != 'T' && t[i] != 't' && t[i] != ' ')
                return err_at(p, a, "invalid date-time `%.*s`", shown, t);
            i++;
        }
    }
    if (!has_date || i > 10) {
        if (n - i < 8 || !dig2(t + i, &h) || t[i + 2] != ':' || !dig2(t + i + 3, &mi) ||
            t[i + 5] != ':' || !dig2(t + i + 6, &se))
            return err_at(p, a, "invalid time in `%.*s` (expected HH:MM:SS)", shown, t);
        if (h > 23 || mi > 59 || se > 60)
            return err_at(p, a, "time out of range in `%.*s`", shown, t);
        has_time = true;
        i += 8;
        if (i < n && t[i] == '.') {
            size_t f = ++i;
            while (i < n && csec__is_digit((unsigned char)t[i]))
                i++;
            if (i == f)
                return err_at(p, a, "missing fractional seconds in `%.*s`", shown, t);
        }
        if (has_date && i < n) {
            if (t[i] == 'Z' || t[i] == 'z') {
                i++;
            } else if (t[i] == '+' || t[i] == '-') {
                unsigned oh, om;
                if (n - i < 6 || !dig2(t + i + 1, &oh) || t[i + 3] != ':' ||
                    !dig2(t + i + 4, &om) || oh > 23 || om > 59)
                    return err_at(p, a, "invalid time zone offset in `%.*s`", shown, t);
                i += 6;
            } else {
                return err_at(p, a, "invalid date-time `%.*s`", shown, t);
            }
            has_off = true;
        }
    }
    if (i != n)
        return err_at(p, a, "invalid date-time `%.*s`", shown, t);
    v->type = has_off ? CSEC_TOML_DATETIME
              : has_date && has_time ? CSEC_TOML_DATETIME_LOCAL
              : has_date ? CSEC_TOML_DATE_LOCAL
                         : CSEC_TOML_TIME_LOCAL;
    char *txt = csec__arena_strndup(p->arena, t, n);
    if (has_date && has_time)
        txt[10] = 'T';
    if (has_off && txt[n - 1] == 'z')
        txt[n - 1] = 'Z';
    v->u.datetime.text = txt;
    v->u.datetime.len = n;
    return 0;
}

/* A string, number, boolean or date-time at pos. */
static int parse_scalar(parser *p, csec_toml_value **out)
{
    csec_toml_value *v = new_node(p, CSEC_TOML_STRING, p->line, col_of(p, p->pos));
    int c = cur(p), rc;
    *out = v;
    if (c == '"' || c == '\'') {
        bool multi = p->pos + 2 < p->len && p->s[p->pos + 1] == c && p->s[p->pos + 2] == c;
        if (!multi) {
            /* Most strings have no escape: copy those straight from the source.
             * Anything else (an escape, an error) takes parse_string below. */
            size_t i = scan_plain(p->s, p->pos + 1, p->len, c == '"');
            if (i < p->len && p->s[i] == c) {
                v->u.str.ptr = csec__arena_strndup(p->arena, p->s + p->pos + 1, i - p->pos - 1);
                v->u.str.len = i - p->pos - 1;
                p->pos = i + 1;
                return 0;
            }
        }
        csec_buf_clear(&p->scratch);
        if ((rc = parse_string(p, multi, &p->scratch)) < 0)
            return rc;
        v->u.str.ptr = csec__arena_strndup(p->arena, p->scratch.ptr ? p->scratch.ptr : "",
                                           p->scratch.len);
        v->u.str.len = p->scratch.len;
        return 0;
    }
    size_t a = p->pos, b = a;
    while (b < p->len && is_token((unsigned char)p->s[b]))
        b++;
    if (b == a) {
        if (c < 0 || c == '\n' || c == '\r' || c == '#')
            return err_at(p, a, "expected a value");
        return err_at(p, a, "invalid character `%c` at the start of a value", c);
    }
    const char *t = p->s + a;
    size_t n = b - a;
    /* A date followed by a space and a time is one date-time. */
    if (n == 10 && t[4] == '-' && b + 3 < p->len && p->s[b] == ' ' &&
        csec__is_digit((unsigned char)p->s[b + 1]) && csec__is_digit((unsigned char)p->s[b + 2]) &&
        p->s[b + 3] == ':') {
        b++;
        while (b < p->len && is_token((unsigned char)p->s[b]))
            b++;
        n = b - a;
    }
    p->pos = b;
    if ((n == 4 && memcmp(t, "true", 4) == 0) || (n == 5 && memcmp(t, "false", 5) == 0)) {
        v->type = CSEC_TOML_BOOL;
        v->u.boolean = n == 4;
        return 0;
    }
    size_t s0 = (t[0] == '+' || t[0] == '-') ? 1 : 0;
    if (n - s0 == 3 && (memcmp(t + s0, "inf", 3) == 0 || memcmp(t + s0, "nan", 3) == 0)) {
        v->type = CSEC_TOML_FLOAT;
        if (t[s0] == 'i')
            v->u.flt = t[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        else
            v->u.flt = t[0] == '-' ? -NAN : NAN;
        return 0;
    }
    if (csec__is_digit((unsigned char)t[0]) && n >= 3 &&
        ((n >= 5 && csec__is_digit((unsigned char)t[1]) && t[4] == '-') || t[2] == ':'))
        return parse_datetime(p, a, b, v);
    if (csec__is_digit((unsigned char)t[0]) || t[0] == '+' || t[0] == '-' || t[0] == '.' ||
        t[0] == '_')
        return parse_number(p, a, b, v);
    return err_at(p, a, "invalid value `%.*s`", (int)(n > 40 ? 40 : n), t);
}

/* ---- values with nesting ---- */

static frame *push_frame(parser *p, csec_toml_value *node)
{
    if (p->depth == p->capstack)
        p->stack = grow_items(p->stack, p->stack_inline, &p->capstack, sizeof *p->stack);
    frame *f = &p->stack[p->depth++];
    f->node = node;
    f->tbl = NULL;
    f->idx = 0;
    return f;
}

/* Parses the key and `=` of an inline-table entry and places the key. */
static int inline_key(parser *p, frame *f)
{
    int rc, c = cur(p);
    if (c == '\n' || c == '\r')
        return err_at(p, p->pos, "newline not allowed in an inline table");
    if (c == '}')
        return err_at(p, p->pos, "trailing comma not allowed in an inline table");
    if ((rc = parse_key(p)) < 0)
        return rc;
    if (cur(p) != '=')
        return err_at(p, p->pos, "expected `=` after key");
    p->pos++;
    skip_ws(p);
    return place_keyval(p, f->node, &f->tbl, &f->idx);
}

/* Parses one value at pos; arrays and inline tables nest through p->stack. */
static int parse_value(parser *p, csec_toml_value **out)
{
    csec_toml_value *v;
    frame *f;
    int rc, c;
value:
    c = cur(p);
    if (c == '[' || c == '{') {
        if (p->depth >= CSEC_TOML_MAX_DEPTH)
            return err_at(p, p->pos, "arrays and inline tables nested deeper than %d",
                          CSEC_TOML_MAX_DEPTH);
        v = new_node(p, c == '[' ? CSEC_TOML_ARRAY : CSEC_TOML_TABLE, p->line,
                     col_of(p, p->pos));
        f = push_frame(p, v);
        p->pos++;
        if (c == '[') {
            if ((rc = skip_space_nl(p)) < 0)
                return rc;
            if (cur(p) == ']')
                goto close;
            goto value;
        }
        v->flags = F_INLINE | F_DEFINED;
        skip_ws(p);
        if (cur(p) == '}')
            goto close;
        if ((rc = inline_key(p, f)) < 0)
            return rc;
        goto value;
    }
    if ((rc = parse_scalar(p, &v)) < 0)
        return rc;
have:
    if (p->depth == 0) {
        *out = v;
        return 0;
    }
    f = &p->stack[p->depth - 1];
    if (f->node->type == CSEC_TOML_ARRAY) {
        array_push(p, f->node, v);
        if ((rc = skip_space_nl(p)) < 0)
            return rc;
        c = cur(p);
        if (c == ',') {
            p->pos++;
            if ((rc = skip_space_nl(p)) < 0)
                return rc;
            if (cur(p) == ']') /* a trailing comma */
                goto close;
            goto value;
        }
        if (c == ']')
            goto close;
        if (c < 0)
            return err_at(p, p->pos, "unterminated array");
        return err_at(p, p->pos, "expected `,` or `]` after an array element, found `%c`", c);
    }
    f->tbl->u.table.items[f->idx].value = v;
    skip_ws(p);
    c = cur(p);
    if (c == ',') {
        p->pos++;
        skip_ws(p);
        if ((rc = inline_key(p, f)) < 0)
            return rc;
        goto value;
    }
    if (c == '}')
        goto close;
    if (c == '\n' || c == '\r')
        return err_at(p, p->pos, "newline not allowed in an inline table");
    if (c < 0)
        return err_at(p, p->pos, "unterminated inline table");
    return err_at(p, p->pos, "expected `,` or `}` in an inline table, found `%c`", c);
close: /* the innermost array or inline table ends at pos */
    p->pos++;
    v = p->stack[--p->depth].node;
    goto have;
}

/* ---- document ---- */

static int parse_document(parser *p, csec_toml_value *root)
{
    csec_toml_value *cur_table = root;
    int rc;
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len)
            return 0;
        int c = cur(p);
        if (c == '#' || c == '\n' || c == '\r') {
            if ((rc = end_line(p, "comment")) < 0)
                return rc;
            continue;
        }
        if (c == '[') {
            uint32_t line = p->line, col = col_of(p, p->pos);
            bool aot = p->pos + 1 < p->len && p->s[p->pos + 1] == '[';
            p->pos += aot ? 2 : 1;
            skip_ws(p);
            if ((rc = parse_key(p)) < 0)
                return rc;
            if (cur(p) != ']' || (aot && (p->pos + 1 >= p->len || p->s[p->pos + 1] != ']')))
                return err_at(p, p->pos, "expected `%s` at the end of a table header",
                              aot ? "]]" : "]");
            p->pos += aot ? 2 : 1;
            if ((rc = place_header(p, root, aot, line, col, &cur_table)) < 0)
                return rc;
            if ((rc = end_line(p, "table header")) < 0)
                return rc;
            continue;
        }
        csec_toml_value *tbl;
        size_t idx;
        if ((rc = parse_key(p)) < 0)
            return rc;
        if (cur(p) != '=') {
            if (cur(p) < 0 || cur(p) == '\n' || cur(p) == '\r' || cur(p) == '#')
                return err_at(p, p->pos, "expected `=` after key");
            return err_at(p, p->pos, "expected `=` after key, found `%c`", cur(p));
        }
        p->pos++;
        skip_ws(p);
        if ((rc = place_keyval(p, cur_table, &tbl, &idx)) < 0)
            return rc;
        csec_toml_value *v = NULL;
        if ((rc = parse_value(p, &v)) < 0)
            return rc;
        tbl->u.table.items[idx].value = v;
        if ((rc = end_line(p, "value")) < 0)
            return rc;
    }
}

int csec__toml_parse_valid(csec_toml_value **out, csec_arena *arena, const char *s, size_t len,
                           csec_diag *d)
{
    /* parser holds its inline arrays: no `= {0}` of the whole struct. */
    parser p;
    memset(&p, 0, offsetof(parser, keys_inline));
    p.s = s;
    p.len = len;
    p.line = 1;
    p.arena = arena;
    p.d = d;
    p.keys = p.keys_inline;
    p.capkeys = KEYS_INLINE;
    p.stack = p.stack_inline;
    p.capstack = STACK_INLINE;
    /* A byte order mark may open the document (toml-test valid/utf8-bom-*,
     * as the toml crate reads it); columns still count its bytes. */
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    *out = NULL;
    csec_toml_value *root = new_node(&p, CSEC_TOML_TABLE, 1, 1);
    root->flags = F_DEFINED;
    int rc = parse_document(&p, root);
    if (rc == 0)
        *out = root;
    csec_buf_free(&p.scratch);
    csec_buf_free(&p.keybuf);
    csec_buf_free(&p.msg);
    if (p.keys != p.keys_inline)
        free(p.keys);
    if (p.stack != p.stack_inline)
        free(p.stack);
    return rc;
}

int csec__toml_parse(csec_toml_value **out, csec_arena *arena, const char *s, size_t len,
                     csec_diag *d)
{
    *out = NULL;
    size_t bad = csec__utf8_check(s, len);
    if (bad < len) {
        uint32_t line, col;
        csec__line_col(s, bad, &line, &col);
        return csec__diag_set(d, CSEC_EPARSE, NULL, line, col, "invalid UTF-8");
    }
    return csec__toml_parse_valid(out, arena, s, len, d);
}

/* ---- queries ---- */

const csec_toml_value *csec__toml_get_n(const csec_toml_value *table, const char *key, size_t len)
{
    if (!table || table->type != CSEC_TOML_TABLE || !key)
        return NULL;
    long i = table_find(table, key, len);
    return i < 0 ? NULL : table->u.table.items[i].value;
}

const csec_toml_value *csec__toml_get(const csec_toml_value *table, const char *key)
{
    return csec__toml_get_n(table, key, key ? strlen(key) : 0);
}

const char *csec__toml_type_name(csec_toml_type t)
{
    switch (t) {
    case CSEC_TOML_TABLE: return "table";
    case CSEC_TOML_ARRAY: return "array";
    case CSEC_TOML_STRING: return "string";
    case CSEC_TOML_INTEGER: return "integer";
    case CSEC_TOML_FLOAT: return "float";
    case CSEC_TOML_BOOL: return "boolean";
    case CSEC_TOML_DATETIME: return "offset date-time";
    case CSEC_TOML_DATETIME_LOCAL: return "local date-time";
    case CSEC_TOML_DATE_LOCAL: return "local date";
    case CSEC_TOML_TIME_LOCAL: return "local time";
    }
    return "unknown";
}

/* ---- writer ---- */

static void write_string(csec_buf *out, const char *s, size_t n)
{
    csec_buf_putc(out, '"');
    size_t st = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        csec_buf_put(out, s + st, i - st);
        st = i + 1;
        switch (c) {
        case '"': csec_buf_puts(out, "\\\""); break;
        case '\\': csec_buf_puts(out, "\\\\"); break;
        case '\b': csec_buf_puts(out, "\\b"); break;
        case '\t': csec_buf_puts(out, "\\t"); break;
        case '\n': csec_buf_puts(out, "\\n"); break;
        case '\f': csec_buf_puts(out, "\\f"); break;
        case '\r': csec_buf_puts(out, "\\r"); break;
        default: csec_buf_printf(out, "\\u%04X", c); break;
        }
    }
    csec_buf_put(out, s + st, n - st);
    csec_buf_putc(out, '"');
}

static void write_key(csec_buf *out, const char *k, size_t n)
{
    bool bare = n > 0;
    for (size_t i = 0; i < n && bare; i++)
        bare = is_bare((unsigned char)k[i]);
    if (bare)
        csec_buf_put(out, k, n);
    else
        write_string(out, k, n);
}

/* The shortest of %.15g, %.16g and %.17g that reads back as x; "nan", "inf",
 * "-inf".  Returns its length. */
static size_t format_float(char tmp[40], double x)
{
    if (isnan(x))
        return (size_t)snprintf(tmp, 40, "nan");
    if (isinf(x))
        return (size_t)snprintf(tmp, 40, "%s", x < 0 ? "-inf" : "inf");
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, 40, "%.*g", prec, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    return strlen(tmp);
}

static void write_float(csec_buf *out, double x)
{
    char tmp[40];
    csec_buf_put(out, tmp, format_float(tmp, x));
    if (!strpbrk(tmp, ".eEn")) /* keep it a float: "1" -> "1.0" */
        csec_buf_puts(out, ".0");
}

static void write_scalar(csec_buf *out, const csec_toml_value *v)
{
    switch (v->type) {
    case CSEC_TOML_STRING: write_string(out, v->u.str.ptr, v->u.str.len); break;
    case CSEC_TOML_INTEGER: csec_buf_printf(out, "%lld", (long long)v->u.integer); break;
    case CSEC_TOML_FLOAT: write_float(out, v->u.flt); break;
    case CSEC_TOML_BOOL: csec_buf_puts(out, v->u.boolean ? "true" : "false"); break;
    case CSEC_TOML_DATETIME:
    case CSEC_TOML_DATETIME_LOCAL:
    case CSEC_TOML_DATE_LOCAL:
    case CSEC_TOML_TIME_LOCAL: csec_buf_put(out, v->u.datetime.text, v->u.datetime.len); break;
    case CSEC_TOML_TABLE:
    case CSEC_TOML_ARRAY: break;
    }
}

/* A scalar as toml-test's tagged JSON: {"type": "integer", "value": "42"}. */
static void write_tagged(csec_buf *out, const csec_toml_value *v)
{
    static const char *const tags[] = {
        [CSEC_TOML_STRING] = "string",         [CSEC_TOML_INTEGER] = "integer",
        [CSEC_TOML_FLOAT] = "float",           [CSEC_TOML_BOOL] = "bool",
        [CSEC_TOML_DATETIME] = "datetime",     [CSEC_TOML_DATETIME_LOCAL] = "datetime-local",
        [CSEC_TOML_DATE_LOCAL] = "date-local", [CSEC_TOML_TIME_LOCAL] = "time-local",
    };
    char num[40];
    const char *text = num;
    size_t len;
    switch (v->type) {
    case CSEC_TOML_STRING:
        text = v->u.str.ptr;
        len = v->u.str.len;
        break;
    case CSEC_TOML_INTEGER:
        len = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->u.integer);
        break;
    case CSEC_TOML_FLOAT:
        len = format_float(num, v->u.flt);
        break;
    case CSEC_TOML_BOOL:
        text = v->u.boolean ? "true" : "false";
        len = strlen(text);
        break;
    default:
        text = v->u.datetime.text;
        len = v->u.datetime.len;
        break;
    }
    csec_buf_printf(out, "{\"type\": \"%s\", \"value\": ", tags[v->type]);
    csec_json_string(out, text, len);
    csec_buf_putc(out, '}');
}

typedef struct wframe {
    const csec_toml_value *v;
    size_t i;
} wframe;

/* The tree walk of both notations, iterative: trees can be deeper than
 * CSEC_TOML_MAX_DEPTH (headers and dotted keys nest tables too). */
static void write_tree(csec_buf *out, const csec_toml_value *v, bool json)
{
    if (!v)
        return;
    if (v->type != CSEC_TOML_TABLE && v->type != CSEC_TOML_ARRAY) {
        if (json)
            write_tagged(out, v);
        else
            write_scalar(out, v);
        return;
    }
    size_t depth = 0, cap = 16;
    wframe *st = csec__xmalloc(cap * sizeof *st);
    st[depth++] = (wframe){v, 0};
    csec_buf_putc(out, v->type == CSEC_TOML_TABLE ? '{' : '[');
    while (depth) {
        wframe *f = &st[depth - 1];
        const csec_toml_value *child;
        if (f->v->type == CSEC_TOML_ARRAY) {
            if (f->i == f->v->u.array.count) {
                csec_buf_putc(out, ']');
                depth--;
                continue;
            }
            if (f->i)
                csec_buf_puts(out, ", ");
            child = f->v->u.array.items[f->i++];
        } else {
            if (f->i == f->v->u.table.count) {
                csec_buf_puts(out, f->i && !json ? " }" : "}");
                depth--;
                continue;
            }
            const csec_toml_kv *kv = &f->v->u.table.items[f->i++];
            if (json) {
                if (f->i > 1)
                    csec_buf_puts(out, ", ");
                csec_json_string(out, kv->key, kv->key_len);
                csec_buf_puts(out, ": ");
            } else {
                csec_buf_puts(out, f->i > 1 ? ", " : " ");
                write_key(out, kv->key, kv->key_len);
                csec_buf_puts(out, " = ");
            }
            child = kv->value;
        }
        if (!child)
            continue;
        if (child->type == CSEC_TOML_TABLE || child->type == CSEC_TOML_ARRAY) {
            if (depth == cap)
                st = csec__grow(st, &cap, 16, sizeof *st);
            st[depth++] = (wframe){child, 0};
            csec_buf_putc(out, child->type == CSEC_TOML_TABLE ? '{' : '[');
        } else if (json) {
            write_tagged(out, child);
        } else {
            write_scalar(out, child);
        }
    }
    free(st);
}

void csec__toml_write(csec_buf *out, const csec_toml_value *v)
{
    write_tree(out, v, false);
}

void csec__toml_write_tagged_json(csec_buf *out, const csec_toml_value *v)
{
    write_tree(out, v, true);
}
