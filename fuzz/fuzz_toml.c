/* fuzz_toml.c - the TOML parser on arbitrary bytes.  Any input must parse or
 * fail with a position and a message; an accepted document, written back
 * with csec__toml_write (which renders tables inline), must parse again as
 * "v = <text>" to the same tree (aborts otherwise, so the fuzzer reports it). */
#include "toml.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct pair {
    const csec_toml_value *a, *b;
} pair;

static bool scalar_equal(const csec_toml_value *a, const csec_toml_value *b)
{
    switch (a->type) {
    case CSEC_TOML_STRING:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case CSEC_TOML_INTEGER:
        return a->u.integer == b->u.integer;
    case CSEC_TOML_FLOAT:
        if (isnan(a->u.flt))
            return isnan(b->u.flt);
        return a->u.flt == b->u.flt && signbit(a->u.flt) == signbit(b->u.flt);
    case CSEC_TOML_BOOL:
        return a->u.boolean == b->u.boolean;
    case CSEC_TOML_DATETIME:
    case CSEC_TOML_DATETIME_LOCAL:
    case CSEC_TOML_DATE_LOCAL:
    case CSEC_TOML_TIME_LOCAL:
        return a->u.datetime.len == b->u.datetime.len &&
               memcmp(a->u.datetime.text, b->u.datetime.text, a->u.datetime.len) == 0;
    case CSEC_TOML_TABLE:
    case CSEC_TOML_ARRAY:
        break;
    }
    return true;
}

/* Structural equality with an explicit work list (no recursion on depth). */
static bool tree_equal(const csec_toml_value *a, const csec_toml_value *b)
{
    size_t n = 0, cap = 64;
    pair *st = malloc(cap * sizeof *st);
    bool ok = true;
    if (!st)
        abort();
    st[n++] = (pair){a, b};
    while (n && ok) {
        pair p = st[--n];
        if (!p.a || !p.b || p.a->type != p.b->type) {
            ok = false;
            break;
        }
        size_t kids = 0;
        if (p.a->type == CSEC_TOML_TABLE) {
            ok = p.a->u.table.count == p.b->u.table.count;
            kids = ok ? p.a->u.table.count : 0;
        } else if (p.a->type == CSEC_TOML_ARRAY) {
            ok = p.a->u.array.count == p.b->u.array.count;
            kids = ok ? p.a->u.array.count : 0;
        } else {
            ok = scalar_equal(p.a, p.b);
        }
        for (size_t i = 0; i < kids && ok; i++) {
            if (n == cap) {
                cap *= 2;
                st = realloc(st, cap * sizeof *st);
                if (!st)
                    abort();
            }
            if (p.a->type == CSEC_TOML_ARRAY) {
                st[n++] = (pair){p.a->u.array.items[i], p.b->u.array.items[i]};
                continue;
            }
            const csec_toml_kv *ka = &p.a->u.table.items[i], *kb = &p.b->u.table.items[i];
            /* Keys keep document order, so the written form keeps it too. */
            if (ka->key_len != kb->key_len || memcmp(ka->key, kb->key, ka->key_len) != 0)
                ok = false;
            /* Lookup finds every key (keys are unique) unless it holds a NUL. */
            if (strlen(ka->key) == ka->key_len && csec__toml_get(p.a, ka->key) != ka->value)
                ok = false;
            st[n++] = (pair){ka->value, kb->value};
        }
    }
    free(st);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_buf text = CSEC_BUF_INIT;
    csec_toml_value *root = NULL, *again = NULL;
    csec_diag d;
    if (csec__toml_parse(&root, &arena, (const char *)data, size, &d) < 0) {
        if (d.code != CSEC_EPARSE || !d.msg[0] || d.line < 1 || d.col < 1 || root != NULL)
            abort();
        goto done;
    }
    if (!root || root->type != CSEC_TOML_TABLE)
        abort();
    csec_buf_puts(&text, "v = ");
    csec__toml_write(&text, root);
    csec_buf_putc(&text, '\n');
    if (csec__toml_parse(&again, &arena, text.ptr, text.len, &d) < 0) {
        /* Headers and dotted keys nest tables without limit; written inline
         * they may exceed the parser's nesting limit.  Anything else is a bug. */
        if (!strstr(d.msg, "nested deeper"))
            abort();
        goto done;
    }
    const csec_toml_value *v = csec__toml_get(again, "v");
    if (again->u.table.count != 1 || !v || !tree_equal(root, v))
        abort();
done:
    csec_buf_free(&text);
    csec__arena_free(&arena);
    return 0;
}
