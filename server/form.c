/* form.c - urlencoded and multipart/form-data bodies (form.h). */
#include "form.h"

#include "request.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of parameter `name` in a header value such as
 * `multipart/form-data; boundary="abc"` or `form-data; name="x"`, copied
 * into out (size n, unquoted).  Returns its length or -1 when absent,
 * malformed or too long. */
static long header_param(const char *v, size_t vlen, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = v, *end = v + vlen;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi)
            return -1;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            p += nl + 1;
            size_t o = 0;
            if (p < end && *p == '"') {
                p++;
                while (p < end && *p != '"') {
                    if (*p == '\\' && p + 1 < end)
                        p++;
                    if (o + 1 >= n)
                        return -1;
                    out[o++] = *p++;
                }
                if (p == end)
                    return -1;
            } else {
                while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
                    if (o + 1 >= n)
                        return -1;
                    out[o++] = *p++;
                }
            }
            out[o] = '\0';
            return (long)o;
        }
    }
    return -1;
}

static int add(srv_form *f, const char *name, size_t name_len, const char *value, size_t len,
               bool is_file, char *err, size_t n)
{
    if (f->n == SRV_FORM_MAX_FIELDS) {
        snprintf(err, n, "the form has more than %d fields", SRV_FORM_MAX_FIELDS);
        return -1;
    }
    if (memchr(name, '\0', name_len) || csec__utf8_check(name, name_len) != name_len) {
        snprintf(err, n, "a form field name is not UTF-8 text");
        return -1;
    }
    srv_form_field *x = &f->fields[f->n++];
    x->name = csec__xstrndup(name, name_len);
    x->value = value;
    x->len = len;
    x->is_file = is_file;
    return 0;
}

static int parse_urlencoded(srv_form *f, const char *body, size_t len, char *err, size_t n)
{
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (stop > p) {
            const char *name = p;
            size_t name_len = (size_t)((eq ? eq : stop) - p);
            const char *raw = eq ? eq + 1 : stop;
            size_t raw_len = (size_t)(stop - raw);
            char *val = csec__xmalloc(raw_len + 1);
            long vl = srv_decode_part(val, raw, raw_len);
            char *nval = csec__xmalloc(name_len + 1);
            long nlen = srv_decode_part(nval, name, name_len);
            if (vl < 0 || nlen < 0) {
                free(val);
                free(nval);
                snprintf(err, n, "the form contains an invalid percent-escape or text that is "
                                 "not UTF-8");
                return -1;
            }
            if (add(f, nval, (size_t)nlen, val, (size_t)vl, false, err, n) < 0) {
                free(val);
                free(nval);
                return -1;
            }
            free(nval);
            f->decoded[f->n - 1] = val;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static int parse_multipart(srv_form *f, const char *content_type, const char *body, size_t len,
                           char *err, size_t n)
{
    char boundary[80];
    long bl = header_param(content_type, strlen(content_type), "boundary", boundary,
                           sizeof boundary);
    if (bl < 1 || bl > 70) {
        snprintf(err, n, "the multipart form has no valid boundary (1 to 70 characters)");
        return -1;
    }
    /* Every delimiter is CRLF "--" boundary, but the first may open the body
     * without its CRLF (or follow a preamble line). */
    char crdelim[88];
    int cl = snprintf(crdelim, sizeof crdelim, "\r\n--%s", boundary);
    const char *delim = crdelim + 2;
    int dl = cl - 2;
    const char *end = body + len;
    const char *p = body;
    if (!((size_t)dl <= len && memcmp(body, delim, (size_t)dl) == 0)) {
        p = memmem(body, len, crdelim, (size_t)cl);
        if (!p) {
            snprintf(err, n, "the multipart form contains no part");
            return -1;
        }
        p += 2;
    }
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the closing delimiter */
        /* Transport padding, then CRLF. */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            snprintf(err, n, "the multipart form is malformed after a boundary");
            return -1;
        }
        p += 2;
        /* A part without header lines has its blank line at once. */
        const char *head_end = end - p >= 2 && p[0] == '\r' && p[1] == '\n'
                                   ? p - 2
                                   : memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!head_end) {
            snprintf(err, n, "a part of the multipart form has no end of headers");
            return -1;
        }
        char name[256] = "", filename[256] = "";
        bool has_name = false, has_filename = false, form_data = false;
        for (const char *h = p; h < head_end;) {
            const char *eol = memmem(h, (size_t)(head_end + 2 - h), "\r\n", 2);
            if (!eol)
                eol = head_end;
            size_t hl = (size_t)(eol - h);
            static const char cd[] = "content-disposition:";
            if (hl >= sizeof cd - 1 && strncasecmp(h, cd, sizeof cd - 1) == 0) {
                const char *v = h + sizeof cd - 1;
                while (v < eol && (*v == ' ' || *v == '\t'))
                    v++;
                form_data = (size_t)(eol - v) >= 9 && strncasecmp(v, "form-data", 9) == 0;
                has_name = header_param(v, (size_t)(eol - v), "name", name, sizeof name) >= 0;
                has_filename = header_param(v, (size_t)(eol - v), "filename", filename,
                                            sizeof filename) >= 0;
            }
            h = eol + 2;
        }
        if (!form_data || !has_name) {
            snprintf(err, n, "a part of the multipart form has no Content-Disposition: "
                             "form-data with a name");
            return -1;
        }
        const char *value = head_end + 4;
        if (value > end) {
            snprintf(err, n, "the multipart form ends inside a part");
            return -1;
        }
        const char *next = memmem(value, (size_t)(end - value), crdelim, (size_t)cl);
        if (!next) {
            snprintf(err, n, "the multipart form ends before its closing boundary");
            return -1;
        }
        if (add(f, name, strlen(name), value, (size_t)(next - value), has_filename, err, n) < 0)
            return -1;
        p = next + 2;
    }
}

int srv_form_parse(srv_form *out, const char *content_type, const char *body, size_t len,
                   char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    const char *ct = content_type ? content_type : "";
    while (*ct == ' ')
        ct++;
    int rc;
    if (strncasecmp(ct, "multipart/form-data", 19) == 0)
        rc = parse_multipart(out, ct, body ? body : "", body ? len : 0, err, n);
    else if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        rc = parse_urlencoded(out, body ? body : "", body ? len : 0, err, n);
    else {
        snprintf(err, n, "a form is sent as multipart/form-data or "
                         "application/x-www-form-urlencoded");
        rc = -1;
    }
    if (rc < 0)
        srv_form_free(out);
    return rc;
}

const srv_form_field *srv_form_get(const srv_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0 && f->fields[i].len)
            return &f->fields[i];
    return NULL;
}

void srv_form_free(srv_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->decoded[i]);
    }
    memset(f, 0, sizeof *f);
}
