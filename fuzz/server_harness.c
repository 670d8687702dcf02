/* server_harness.c - the fuzz targets' stand-in for server/http.c (see
 * server_harness.h): fixture sites, header fields, and the checks every
 * response must pass. */
#include "server_harness.h"

#include "jsonparse.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- fixture sites ---- */

static const char *source_dir(void)
{
    const char *s = getenv("CSEC_SOURCE_DIR");
    return s && *s ? s : CSEC_SOURCE_DIR;
}

static srv_site *load_site(const char *db_rel, const char *index_rel)
{
    char path[4096];
    csec_diag d;
    char line[1024];
    csec_db *db = NULL;
    snprintf(path, sizeof path, "%s/%s", source_dir(), db_rel);
    if (csec_db_open(&db, path, NULL, &d) < 0) {
        fprintf(stderr, "server harness: cannot load the fixture database %s: %s\n", path,
                csec_diag_format(line, sizeof line, &d));
        exit(2);
    }
    srv_site *site = srv_site_new(db);
    if (index_rel) {
        snprintf(path, sizeof path, "%s/%s", source_dir(), index_rel);
        srv_index_data *x = srv_index_data_load(path, NULL, &d);
        if (!x) {
            fprintf(stderr, "server harness: cannot load the fixture index %s: %s\n", path,
                    csec_diag_format(line, sizeof line, &d));
            exit(2);
        }
        srv_site_attach_index(site, x); /* the site's reference, kept until exit */
        srv_index_data_release(x);
    }
    return site;
}

const srv_site *harness_site(bool with_index)
{
    /* libFuzzer runs inputs on one thread: no lock needed. */
    static srv_site *plain, *indexed;
    if (with_index) {
        if (!indexed)
            indexed = load_site("tests/data/index-deps/db", "tests/data/index-deps/index");
        return indexed;
    }
    if (!plain)
        plain = load_site("tests/data/db", NULL);
    return plain;
}

/* ---- header fields ---- */

void harness_add_header(harness_headers *h, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    if (h->n == HARNESS_MAX_FIELDS)
        return;
    while (value_len && (*value == ' ' || *value == '\t'))
        value++, value_len--;
    while (value_len && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;
    h->fields[h->n].name = csec__xstrndup(name, name_len);
    h->fields[h->n].value = csec__xstrndup(value, value_len);
    h->n++;
}

void harness_headers_free(harness_headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        csec_free((char *)h->fields[i].name);
        csec_free((char *)h->fields[i].value);
    }
    h->n = 0;
}

/* ---- responses ---- */

void harness_fail(const srv_resp *resp, const char *why)
{
    const char *body = resp->static_body ? resp->static_body : resp->body.ptr;
    size_t len = resp->static_body ? resp->static_len : resp->body.len;
    fprintf(stderr, "server harness: %s\n  status %d, content type %s, location \"%s\"\n", why,
            resp->status, resp->content_type ? resp->content_type : "(html)",
            resp->location.ptr ? resp->location.ptr : "");
    fprintf(stderr, "  headers:\n%s  body (%zu bytes): %.600s\n",
            resp->headers.ptr ? resp->headers.ptr : "", len, body ? body : "");
    abort();
}

static bool has_header_line(const srv_resp *resp, const char *line)
{
    size_t n = strlen(line);
    for (const char *h = resp->headers.ptr; h && *h;) {
        if (strncasecmp(h, line, n) == 0 && h[n] == '\n')
            return true;
        h = strchr(h, '\n');
        h = h ? h + 1 : NULL;
    }
    return false;
}

void harness_body(const srv_resp *resp, csec_buf *out)
{
    const char *body = resp->static_body ? resp->static_body : resp->body.ptr;
    size_t len = resp->static_body ? resp->static_len : resp->body.len;
    if (!has_header_line(resp, "Content-Encoding: gzip")) {
        csec_buf_put(out, body ? body : "", len);
        return;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) /* gzip framing */
        harness_fail(resp, "zlib cannot start inflating");
    zs.next_in = (Bytef *)(uintptr_t)body;
    zs.avail_in = (uInt)len;
    int rc;
    do {
        unsigned char chunk[16384];
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END)
            harness_fail(resp, "the gzip body does not inflate");
        csec_buf_put(out, chunk, sizeof chunk - zs.avail_out);
    } while (rc != Z_STREAM_END);
    if (zs.avail_in)
        harness_fail(resp, "bytes after the end of the gzip stream");
    inflateEnd(&zs);
}

static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void check_header_lines(const srv_resp *resp)
{
    const char *h = resp->headers.ptr;
    if (!h)
        return;
    if (strlen(h) != resp->headers.len)
        harness_fail(resp, "the header lines hold a NUL");
    if (resp->headers.len && h[resp->headers.len - 1] != '\n')
        harness_fail(resp, "the header lines do not end with a newline");
    while (*h) {
        const char *nl = strchr(h, '\n');
        const char *colon = memchr(h, ':', (size_t)(nl - h));
        if (!colon || colon == h || colon[1] != ' ')
            harness_fail(resp, "a header line is not \"Name: value\"");
        for (const char *p = h; p < colon; p++)
            if (!is_token_char(*p))
                harness_fail(resp, "a header name is not a token");
        for (const char *p = colon + 2; p < nl; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                harness_fail(resp, "a header value holds a control character");
        h = nl + 1;
    }
}

static void check_location(const srv_resp *resp)
{
    bool redirect = resp->status == 301 || resp->status == 302 || resp->status == 303 ||
                    resp->status == 307 || resp->status == 308;
    const char *loc = resp->location.ptr;
    if (!resp->location.len) {
        if (redirect)
            harness_fail(resp, "a redirect without a Location");
        return;
    }
    if (!redirect)
        harness_fail(resp, "a Location on a response that is no redirect");
    if (loc[0] != '/' || loc[1] == '/' || loc[1] == '\\')
        harness_fail(resp, "the Location is not a path on this site");
    if (strlen(loc) != resp->location.len)
        harness_fail(resp, "the Location holds a NUL");
    for (const char *p = loc; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            harness_fail(resp, "the Location holds a byte that is not printable ASCII");
}

static void check_json(const srv_resp *resp, const csec_buf *body)
{
    csec_arena arena = CSEC_ARENA_INIT;
    const csec_jv *root = NULL;
    csec_diag d;
    if (csec__json_parse(&root, &arena, body->ptr ? body->ptr : "", body->len, &d) < 0) {
        fprintf(stderr, "server harness: JSON error: %s (line %u, column %u)\n", d.msg, d.line,
                d.col);
        harness_fail(resp, "a JSON response does not parse");
    }
    csec__arena_free(&arena);
}

/* The pages write no script, and no request may make them write one. */
static void check_markup(const srv_resp *resp, const csec_buf *body)
{
    if (csec__utf8_check(body->ptr ? body->ptr : "", body->len) != body->len)
        harness_fail(resp, "a text response is not UTF-8");
    if (body->len && memchr(body->ptr, '\0', body->len))
        harness_fail(resp, "a text response holds a NUL");
    if (body->len && strcasestr(body->ptr, "<script"))
        harness_fail(resp, "a page holds <script");
}

void harness_check(const srv_resp *resp)
{
    if (resp->status < 100 || resp->status > 599)
        harness_fail(resp, "the status is not 100..599");
    check_location(resp);
    check_header_lines(resp);
    csec_buf body = CSEC_BUF_INIT;
    harness_body(resp, &body);
    const char *type = resp->content_type;
    if (resp->status == 204 || resp->status == 304) {
        if (body.len)
            harness_fail(resp, "a 204 or 304 with a body");
    } else if (type && strncmp(type, "application/json", 16) == 0) {
        check_json(resp, &body);
    } else if (!type) {
        if (strncmp(body.ptr ? body.ptr : "", "<!DOCTYPE html>", 15) != 0)
            harness_fail(resp, "an HTML page without its doctype");
        check_markup(resp, &body);
    } else if (strncmp(type, "image/svg+xml", 13) == 0 ||
               strncmp(type, "application/atom+xml", 20) == 0) {
        check_markup(resp, &body);
    }
    csec_buf_free(&body);
}

void harness_route(const srv_site *site, const harness_headers *h, const char *method,
                   const char *target, const char *body, size_t body_len, srv_resp *resp)
{
    /* SERVER_HARNESS_TRACE=1 shows what a corpus exercises. */
    static int trace = -1;
    if (trace < 0)
        trace = getenv("SERVER_HARNESS_TRACE") != NULL;
    memset(resp, 0, sizeof *resp);
    srv_in in = {0};
    in.site = site;
    in.method = method;
    in.target = target;
    in.headers = h ? h->fields : NULL;
    in.nheaders = h ? h->n : 0;
    in.body = body;
    in.body_len = body_len;
    srv_route(&in, resp);
    if (trace)
        fprintf(stderr, "%s %s -> %d %s\n", method, target, resp->status,
                resp->location.len ? resp->location.ptr : "");
    harness_check(resp);
}

void harness_resp_free(srv_resp *resp)
{
    csec_buf_free(&resp->body);
    csec_buf_free(&resp->location);
    csec_buf_free(&resp->headers);
}
