/* api.c - the JSON API's common part: methods, CORS, caching headers, gzip,
 * errors, and the GET endpoints that serve OSV documents.
 *
 *   GET /packages/NAME.json   RustSec's per-crate OSV array, exactly what
 *                             `cratesec export-osv --package NAME` prints
 *                             (rustsec.org/packages/NAME.json; the crates.io
 *                             front end reads this document).  The name is
 *                             matched exactly, as a file name is.
 *   GET /v1/vulns/ID          one OSV record, by RUSTSEC id or alias (osv.dev).
 *   GET /openapi.json         the OpenAPI 3 description of all of this.
 *
 * The site never changes while the server runs, so a GET response is a pure
 * function of the database commit and the path: that pair is the ETag, and
 * a matching If-None-Match gets 304 without a body.  Responses are public and
 * may be cached for five minutes; a client then revalidates with the ETag.
 */
#include "api.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

/* Bodies shorter than this go out uncompressed: gzip's 18-byte frame and
 * the work are not worth it. */
#define GZIP_MIN 256

/* ---- per-site data ---- */

bool api_exportable(const csec_advisory *a)
{
    return a->collection == CSEC_COLLECTION_CRATES && a->informational != CSEC_INFO_OTHER;
}

/* The "modified" value is taken from the OSV record itself, so that the
 * querybatch answer can never disagree with /v1/vulns. */
static void extract_modified(char out[24], const csec_advisory *a, csec_buf *tmp)
{
    static const char key[] = "\"modified\": \"";
    out[0] = '\0';
    csec_buf_clear(tmp);
    if (!api_exportable(a) || csec_osv_write(tmp, a, 0) != 0)
        return;
    const char *p = strstr(tmp->ptr, key);
    if (!p)
        return;
    p += sizeof key - 1;
    size_t n = strcspn(p, "\"");
    if (n < 24) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

void srv_api_prepare(srv_site *s)
{
    s->modified = csec__xcalloc(s->count + 1, sizeof *s->modified);
    csec_buf tmp = CSEC_BUF_INIT;
    for (size_t i = 0; i < s->count; i++)
        extract_modified(s->modified[i], s->advs[i].a, &tmp);
    csec_buf_free(&tmp);
}

const char *api_modified(const srv_site *s, const csec_advisory *a)
{
    const srv_adv *sa = srv_site_adv(s, a);
    return sa ? s->modified[sa - s->advs] : "";
}

/* ---- responses ---- */

static void add_header(srv_resp *resp, const char *name, const char *value)
{
    csec_buf_printf(&resp->headers, "%s: %s\n", name, value);
}

void api_error(srv_resp *resp, int status, int code, const char *msg)
{
    resp->status = status;
    resp->content_type = "application/json";
    csec_buf_clear(&resp->body);
    csec_buf_printf(&resp->body, "{\"code\":%d,\"message\":", code);
    csec_json_string(&resp->body, msg, strlen(msg));
    csec_buf_putc(&resp->body, '}');
}

bool api_preflight(const srv_req *r, srv_resp *resp, const char *allow, const char *allow_headers)
{
    if (strcmp(r->method, "OPTIONS") != 0)
        return false;
    /* The CORS preflight a browser sends before a POST with a JSON body:
     * any origin may call the API, which has no cookies or credentials. */
    resp->status = 204;
    csec_buf_clear(&resp->body);
    add_header(resp, "Access-Control-Allow-Methods", allow);
    add_header(resp, "Access-Control-Allow-Headers", allow_headers);
    add_header(resp, "Access-Control-Max-Age", "86400");
    add_header(resp, "Allow", allow);
    return true;
}

bool api_method(const srv_req *r, srv_resp *resp, bool post)
{
    const char *allow = post ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
    if (api_preflight(r, resp, allow, "Content-Type, If-None-Match"))
        return false;
    bool ok = post ? strcmp(r->method, "POST") == 0
                   : strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (!ok) {
        api_error(resp, 405, API_ERR_UNIMPLEMENTED,
                  post ? "This endpoint only accepts POST." : "This endpoint only accepts GET.");
        resp->allow = allow;
    }
    return ok;
}

/* Skips optional whitespace. */
static const char *ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

bool api_accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    const char *p = ae;
    while (*p) {
        p = ows(p);
        size_t n = strcspn(p, ",; \t");
        bool name = (n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0) || (n == 1 && *p == '*');
        p += n;
        bool q0 = false;
        /* Parameters: only q matters; "q=0", "q=0.0", "q=0.000" refuse. */
        while (*(p = ows(p)) == ';') {
            p = ows(p + 1);
            size_t m = strcspn(p, ",;");
            if (m >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                const char *v = p + 2;
                const char *e = p + m;
                while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                    e--;
                q0 = e > v && v[0] == '0';
                for (const char *x = v + 1; q0 && x < e; x++)
                    q0 = *x == '.' || *x == '0';
            }
            p += m;
        }
        if (name && !q0)
            return true;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return false;
}

bool api_etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t elen = strlen(etag);
    const char *p = inm;
    while (*p) {
        p = ows(p);
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p == '"') {
            const char *end = strchr(p + 1, '"');
            if (!end)
                return false;
            size_t n = (size_t)(end - p) + 1;
            if (n == elen && memcmp(p, etag, n) == 0)
                return true;
            p = end + 1;
        }
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return false;
}

int api_gzip(csec_buf *out, const void *in, size_t len, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* 15 window bits + 16: a gzip header and trailer instead of zlib's. */
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&zs, (uLong)len);
    char *room = csec__xmalloc(bound);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)room;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    size_t produced = bound - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(room);
        return -1;
    }
    csec_buf_put(out, room, produced);
    free(room);
    return 0;
}

void api_etag(const srv_req *r, srv_resp *resp, char etag[API_ETAG_SIZE], const char *variant)
{
    /* The site's data (etag_base) and the path. */
    uint64_t h = csec__fnv1a_str(CSEC_FNV_INIT, r->path);
    snprintf(etag, API_ETAG_SIZE, "\"%s-%016llx%s\"", r->site->etag_base, (unsigned long long)h,
             variant);
    if (api_etag_matches(srv_header(r, "If-None-Match"), etag)) {
        resp->status = 304;
        csec_buf_clear(&resp->body);
    }
}

void api_finish(const srv_req *r, srv_resp *resp, bool get)
{
    if (!resp->content_type)
        resp->content_type = "application/json";
    add_header(resp, "Access-Control-Allow-Origin", "*");
    if (resp->status == 204)
        return;
    add_header(resp, "Access-Control-Expose-Headers", "ETag");
    add_header(resp, "Vary", "Accept-Encoding");
    bool gz = resp->body.len >= GZIP_MIN && api_accepts_gzip(srv_header(r, "Accept-Encoding"));
    bool cacheable = get && (resp->status == 200 || resp->status == 404);
    resp->cache_control = cacheable ? "public, max-age=300" : "no-store";
    if (get && resp->status == 200) {
        char etag[API_ETAG_SIZE];
        api_etag(r, resp, etag, gz ? "-gzip" : "");
        add_header(resp, "ETag", etag);
        if (resp->status == 304)
            return;
    }
    if (gz) {
        csec_buf z = CSEC_BUF_INIT;
        if (api_gzip(&z, resp->body.ptr, resp->body.len, 6) == 0) {
            csec_buf_free(&resp->body);
            resp->body = z;
            add_header(resp, "Content-Encoding", "gzip");
        } else {
            csec_buf_free(&z);
        }
    }
}

/* ---- GET endpoints ---- */

void api_package(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, false)) {
        const char *seg = r->seg[1];
        size_t n = strlen(seg);
        char *name = NULL;
        if (n > 5 && strcmp(seg + n - 5, ".json") == 0)
            name = csec__xstrndup(seg, n - 5);
        resp->status = 200;
        if (!name || csec_osv_write_package(&resp->body, r->site->db, name) != 0) {
            csec_buf msg = CSEC_BUF_INIT;
            csec_buf_puts(&msg, name ? "No advisory for crate " : "No such document: ");
            csec_buf_puts(&msg, name ? name : seg);
            api_error(resp, 404, API_ERR_NOT_FOUND, msg.ptr);
            csec_buf_free(&msg);
        }
        csec_free(name);
    }
    api_finish(r, resp, true);
}

void api_vuln(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, false)) {
        const csec_advisory *a = csec_db_find(r->site->db, r->seg[2]);
        resp->status = 200;
        if (!a || !api_exportable(a) || csec_osv_write(&resp->body, a, 0) != 0)
            api_error(resp, 404, API_ERR_NOT_FOUND, "Bug not found.");
    }
    api_finish(r, resp, true);
}

void api_openapi(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, false)) {
        resp->status = 200;
        csec_buf_put(&resp->body, srv_openapi_json, srv_openapi_json_len);
    }
    api_finish(r, resp, true);
}

void api_not_found(const srv_req *r, srv_resp *resp)
{
    api_error(resp, 404, API_ERR_NOT_FOUND, "There is no API endpoint at this address.");
    api_finish(r, resp, false);
}
