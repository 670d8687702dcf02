/* present.c - shared text and JSON descriptions of advisories for the CLI. */
#include "present.h"

#include <stdio.h>
#include <string.h>

const char *present_date(char out[11], csec_date d)
{
    /* Dates are validated on load; the modulos only bound the widths. */
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u,
             (unsigned)d.day % 100u);
    return out;
}

static void json_key(csec_buf *out, const char *key)
{
    csec_json_string(out, key, strlen(key));
    csec_buf_putc(out, ':');
}

static void json_str_or_null(csec_buf *out, const char *s)
{
    if (s)
        csec_json_string(out, s, strlen(s));
    else
        csec_buf_puts(out, "null");
}

static void json_list(csec_buf *out, csec_strlist l)
{
    csec_buf_putc(out, '[');
    for (size_t i = 0; i < l.count; i++) {
        if (i)
            csec_buf_putc(out, ',');
        csec_json_string(out, l.items[i], strlen(l.items[i]));
    }
    csec_buf_putc(out, ']');
}

static void json_reqs(csec_buf *out, const csec_req *const *reqs, size_t n)
{
    csec_buf tmp = CSEC_BUF_INIT;
    csec_buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_putc(out, ',');
        csec_buf_clear(&tmp);
        csec_req_write(&tmp, reqs[i]);
        csec_json_string(out, tmp.ptr, tmp.len);
    }
    csec_buf_putc(out, ']');
    csec_buf_free(&tmp);
}

static void collect_function(const char *path, void *payload)
{
    csec_buf *out = payload;
    if (out->ptr[out->len - 1] != '[')
        csec_buf_putc(out, ',');
    csec_json_string(out, path, strlen(path));
}

void present_json(csec_buf *out, const csec_advisory *a, int affected, const csec_version *v)
{
    char date[11];
    csec_buf_putc(out, '{');
    json_key(out, "id");
    json_str_or_null(out, a->id);
    csec_buf_putc(out, ',');
    json_key(out, "package");
    json_str_or_null(out, a->package);
    csec_buf_putc(out, ',');
    json_key(out, "kind");
    json_str_or_null(out, csec__word_kind(a));
    csec_buf_putc(out, ',');
    json_key(out, "title");
    json_str_or_null(out, a->title);
    csec_buf_putc(out, ',');
    json_key(out, "date");
    json_str_or_null(out, present_date(date, a->date));
    csec_buf_putc(out, ',');
    json_key(out, "withdrawn");
    json_str_or_null(out, a->withdrawn.year ? present_date(date, a->withdrawn) : NULL);
    csec_buf_putc(out, ',');
    json_key(out, "collection");
    json_str_or_null(out, a->collection == CSEC_COLLECTION_RUST ? "rust" : "crates");
    csec_buf_putc(out, ',');
    json_key(out, "informational");
    json_str_or_null(out, a->informational_raw);
    csec_buf_putc(out, ',');
    json_key(out, "aliases");
    json_list(out, a->aliases);
    csec_buf_putc(out, ',');
    json_key(out, "related");
    json_list(out, a->related);
    csec_buf_putc(out, ',');
    json_key(out, "categories");
    json_list(out, a->categories);
    csec_buf_putc(out, ',');
    json_key(out, "keywords");
    json_list(out, a->keywords);
    csec_buf_putc(out, ',');
    json_key(out, "url");
    json_str_or_null(out, a->url);
    csec_buf_putc(out, ',');
    json_key(out, "references");
    json_list(out, a->references);
    csec_buf_putc(out, ',');
    json_key(out, "license");
    json_str_or_null(out, a->license);
    csec_buf_putc(out, ',');
    json_key(out, "cvss");
    json_str_or_null(out, a->cvss ? a->cvss->canonical : NULL);
    if (a->cvss) {
        csec_buf_printf(out, ",\"score\":%.1f,\"severity\":\"%s\"", a->cvss->score,
                        csec_severity_name(a->cvss->severity));
    }
    csec_buf_putc(out, ',');
    json_key(out, "patched");
    json_reqs(out, a->patched, a->patched_count);
    csec_buf_putc(out, ',');
    json_key(out, "unaffected");
    json_reqs(out, a->unaffected, a->unaffected_count);
    csec_buf_putc(out, ',');
    json_key(out, "affected_ranges");
    csec_buf_putc(out, '[');
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        csec_buf tmp = CSEC_BUF_INIT;
        if (i)
            csec_buf_putc(out, ',');
        csec_buf_putc(out, '{');
        json_key(out, "introduced");
        if (iv->has_introduced) {
            csec_version_write(&tmp, &iv->introduced);
            csec_json_string(out, tmp.ptr, tmp.len);
        } else {
            csec_buf_puts(out, "null");
        }
        csec_buf_putc(out, ',');
        json_key(out, "fixed");
        csec_buf_clear(&tmp);
        if (iv->has_fixed) {
            csec_version_write(&tmp, &iv->fixed);
            csec_json_string(out, tmp.ptr, tmp.len);
        } else {
            csec_buf_puts(out, "null");
        }
        csec_buf_putc(out, '}');
        csec_buf_free(&tmp);
    }
    csec_buf_putc(out, ']');
    if (affected >= 0) {
        csec_buf_puts(out, ",\"affected\":");
        csec_buf_puts(out, affected ? "true" : "false");
        csec_buf_puts(out, ",\"affected_functions\":[");
        csec_advisory_functions_for(a, v, collect_function, out);
        csec_buf_putc(out, ']');
    }
    csec_buf_putc(out, '}');
}
