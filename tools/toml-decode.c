/* toml-decode - the toml-test decoder interface over lib/toml.c.
 *
 * Reads TOML on stdin.  On success prints the document as toml-test's tagged
 * JSON (tables are objects, arrays are arrays, every scalar is
 * {"type": "...", "value": "..."}) and exits 0; on a parse error prints
 * "line:col: message" on stderr and exits 1. */
#include "toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tag(csec_toml_type t)
{
    switch (t) {
    case CSEC_TOML_STRING: return "string";
    case CSEC_TOML_INTEGER: return "integer";
    case CSEC_TOML_FLOAT: return "float";
    case CSEC_TOML_BOOL: return "bool";
    case CSEC_TOML_DATETIME: return "datetime";
    case CSEC_TOML_DATETIME_LOCAL: return "datetime-local";
    case CSEC_TOML_DATE_LOCAL: return "date-local";
    case CSEC_TOML_TIME_LOCAL: return "time-local";
    default: return "?";
    }
}

static void scalar(csec_buf *out, const csec_toml_value *v)
{
    char num[64];
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
        if (isnan(v->u.flt)) {
            text = "nan";
        } else if (isinf(v->u.flt)) {
            text = v->u.flt < 0 ? "-inf" : "inf";
        } else {
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(num, sizeof num, "%.*g", prec, v->u.flt);
                if (strtod(num, NULL) == v->u.flt)
                    break;
            }
        }
        len = strlen(text);
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
    csec_buf_puts(out, "{\"type\": \"");
    csec_buf_puts(out, tag(v->type));
    csec_buf_puts(out, "\", \"value\": ");
    csec_json_string(out, text, len);
    csec_buf_putc(out, '}');
}

typedef struct wframe {
    const csec_toml_value *v;
    size_t i;
} wframe;

/* Iterative: documents can nest deeper than any sane C stack allows. */
static void to_json(csec_buf *out, const csec_toml_value *root)
{
    size_t depth = 0, cap = 16;
    wframe *st = malloc(cap * sizeof *st);
    if (!st)
        abort();
    st[depth++] = (wframe){root, 0};
    csec_buf_putc(out, '{');
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
                csec_buf_putc(out, '}');
                depth--;
                continue;
            }
            const csec_toml_kv *kv = &f->v->u.table.items[f->i];
            if (f->i++)
                csec_buf_puts(out, ", ");
            csec_json_string(out, kv->key, kv->key_len);
            csec_buf_puts(out, ": ");
            child = kv->value;
        }
        if (child->type == CSEC_TOML_TABLE || child->type == CSEC_TOML_ARRAY) {
            if (depth == cap) {
                cap *= 2;
                st = realloc(st, cap * sizeof *st);
                if (!st)
                    abort();
            }
            st[depth++] = (wframe){child, 0};
            csec_buf_putc(out, child->type == CSEC_TOML_TABLE ? '{' : '[');
        } else {
            scalar(out, child);
        }
    }
    free(st);
}

int main(void)
{
    csec_buf in = CSEC_BUF_INIT, out = CSEC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        csec_buf_put(&in, chunk, n);
    if (ferror(stdin)) {
        fprintf(stderr, "toml-decode: cannot read stdin\n");
        return 2;
    }
    csec_arena arena = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *root;
    csec__diag_clear(&d);
    int rc = csec__toml_parse(&root, &arena, in.ptr ? in.ptr : "", in.len, &d);
    if (rc != 0) {
        fprintf(stderr, "%u:%u: %s\n", (unsigned)d.line, (unsigned)d.col, d.msg);
    } else {
        to_json(&out, root);
        csec_buf_putc(&out, '\n');
        fwrite(out.ptr, 1, out.len, stdout);
    }
    csec__arena_free(&arena);
    csec_buf_free(&in);
    csec_buf_free(&out);
    return rc != 0;
}
