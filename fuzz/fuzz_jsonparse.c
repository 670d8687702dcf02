/* fuzz_jsonparse.c - the strict JSON reader and tree (lib/jsonparse.c).
 * Any bytes must parse or fail cleanly; the pull reader and the tree must
 * agree on acceptance; accepted text must be valid UTF-8; a tree written
 * back as JSON must parse again to the same tree (aborts otherwise). */
#include "jsonparse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes `v` as JSON, iteratively (an explicit stack, as the style asks). */
static void write_jv(csec_buf *out, const csec_jv *root)
{
    typedef struct {
        const csec_jv *v;
        size_t i;
    } fr;
    fr stack[CSEC__JSON_MAX_DEPTH + 2];
    size_t n = 0;
    stack[n++] = (fr){root, 0};
    while (n) {
        fr *f = &stack[n - 1];
        const csec_jv *v = f->v;
        if (v->type == CSEC_JV_ARRAY || v->type == CSEC_JV_OBJECT) {
            bool obj = v->type == CSEC_JV_OBJECT;
            if (f->i == 0)
                csec_buf_putc(out, obj ? '{' : '[');
            if (f->i == v->len) {
                csec_buf_putc(out, obj ? '}' : ']');
                n--;
                continue;
            }
            if (f->i)
                csec_buf_putc(out, ',');
            const csec_jv *child;
            if (obj) {
                csec_json_string(out, v->u.members[f->i].key, v->u.members[f->i].key_len);
                csec_buf_putc(out, ':');
                child = &v->u.members[f->i].value;
            } else {
                child = &v->u.items[f->i];
            }
            f->i++;
            stack[n++] = (fr){child, 0};
            continue;
        }
        switch (v->type) {
        case CSEC_JV_NULL: csec_buf_puts(out, "null"); break;
        case CSEC_JV_TRUE: csec_buf_puts(out, "true"); break;
        case CSEC_JV_FALSE: csec_buf_puts(out, "false"); break;
        case CSEC_JV_INT: csec_buf_printf(out, "%lld", (long long)v->u.i); break;
        case CSEC_JV_DOUBLE: csec_buf_printf(out, "%.17g", v->u.d); break;
        case CSEC_JV_STRING: csec_json_string(out, v->u.s, v->len); break;
        default: abort();
        }
        n--;
    }
}

static bool same(const csec_jv *a, const csec_jv *b)
{
    /* Depth is bounded by the parser's limit; recursion here is test-only. */
    if (a->type != b->type || a->len != b->len)
        /* A double written with %.17g may read back as an integer. */
        return (a->type == CSEC_JV_DOUBLE && b->type == CSEC_JV_INT && a->u.d == (double)b->u.i) ||
               (a->type == CSEC_JV_INT && b->type == CSEC_JV_DOUBLE && b->u.d == (double)a->u.i);
    switch (a->type) {
    case CSEC_JV_INT: return a->u.i == b->u.i;
    case CSEC_JV_DOUBLE: return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    case CSEC_JV_STRING: return memcmp(a->u.s, b->u.s, a->len) == 0;
    case CSEC_JV_ARRAY:
        for (size_t i = 0; i < a->len; i++)
            if (!same(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case CSEC_JV_OBJECT:
        for (size_t i = 0; i < a->len; i++)
            if (a->u.members[i].key_len != b->u.members[i].key_len ||
                memcmp(a->u.members[i].key, b->u.members[i].key, a->u.members[i].key_len) ||
                !same(&a->u.members[i].value, &b->u.members[i].value))
                return false;
        return true;
    default: return true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    csec__json_reader r;
    csec__json_tok t;
    csec__json_reader_init(&r, s, size);
    do
        t = csec__json_reader_next(&r);
    while (t != CSEC__JSON_TOK_END && t != CSEC__JSON_TOK_ERROR);
    if (t == CSEC__JSON_TOK_ERROR && (r.err_off > size || !r.err_msg))
        abort();
    csec__json_reader_free(&r);

    csec_arena arena = CSEC_ARENA_INIT;
    const csec_jv *root = NULL, *again = NULL;
    csec_diag d;
    int rc = csec__json_parse(&root, &arena, s, size, &d);
    if ((rc == 0) != (t == CSEC__JSON_TOK_END))
        abort();
    if (rc == 0) {
        if (!root || csec__utf8_check(s, size) != size)
            abort();
        csec_buf out = CSEC_BUF_INIT;
        write_jv(&out, root);
        if (csec__json_parse(&again, &arena, out.ptr, out.len, &d) != 0 || !same(again, root))
            abort();
        csec_buf_free(&out);
    } else if (root || d.code != CSEC_EPARSE || !d.msg[0] || d.line < 1 || d.col < 1) {
        abort();
    }
    csec__arena_free(&arena);
    return 0;
}
