/* route.c - path decoding and the routing table.
 *
 * The raw path is split on '/' first and each segment decoded afterwards, so
 * "%2F" inside a segment never creates a new segment.  A path that decodes to
 * NUL, invalid UTF-8, or a "." / ".." segment is refused with 400: such paths
 * have no meaning here and only ever come from probes.
 */
#include "html.h"
#include "page_state.h"

#include "api.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PATH 4096

typedef struct route {
    const char *pattern; /* segments; "*" matches one non-empty segment */
    srv_handler handler;
} route;

static const route routes[] = {
    {"/", page_home},
    {"/static/style.css", page_style},
    {"/advisories", page_list_all},
    {"/advisories/*", page_advisory},
    {"/categories", page_list_categories},
    {"/categories/*", page_list_category},
    {"/keywords", page_list_keywords},
    {"/keywords/*", page_list_keyword},
    {"/search", page_search},
    {"/healthz", page_healthz},
    {"/metrics", page_metrics},
    /* Before the crate pages: these last segments are never a version or a tab. */
    {"/feed.xml", page_feed},
    {"/crates/*/feed.xml", page_feed_crate},
    {"/crates/*/badge.svg", page_badge_svg},
    {"/crates/*/badge.json", page_badge_json},
    {"/crates/*/*/badge.svg", page_badge_svg},
    {"/crates/*/*/badge.json", page_badge_json},
    {"/crates/*", page_crate},
    {"/crates/*/*", page_crate},
    {"/crates/*/*/*", page_crate},
    /* A stored report's page and a watch list's page and feed (page_state.h). */
    {"/audit/*", page_audit_report},
    {"/watches/*", page_watch_list},
    {"/watches/*/feed.xml", page_watch_feed},
};

/* The JSON API (api*.c), and the pages that take forms (page_state.h): their
 * handlers answer every method themselves. */
static const route api_routes[] = {
    {"/packages/*", api_package},
    {"/v1/vulns/*", api_vuln},
    {"/v1/query", api_query},
    {"/v1/querybatch", api_querybatch},
    {"/api/v1/crates/*/*/security", api_security},
    {"/openapi.json", api_openapi},
    {"/api/v1/audit", api_audit},
    {"/api/v1/audit/*", api_audit_get},
    {"/api/v1/watches", api_watches},
    {"/api/v1/watches/*", api_watch_list},
    {"/api/v1/watches/*/*", api_watch_one},
    {"/audit", page_audit},
    {"/watches", page_watch_create},
    {"/watches/*/delete", page_watch_delete},
    {"/watches/*/*/delete", page_watch_delete},
    {"/watches/*/*/webhook", page_watch_webhook},
};

size_t srv_post_limit(const char *raw_path)
{
    static const char *const lockfile_paths[] = {"/audit", "/api/v1/audit", "/api/v1/watches"};
    for (size_t i = 0; i < sizeof lockfile_paths / sizeof *lockfile_paths; i++)
        if (strcmp(raw_path, lockfile_paths[i]) == 0)
            return SRV_AUDIT_MAX_BODY;
    return SRV_MAX_POST_BODY;
}

long srv_decode(char *out, const char *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (len - i < 3)
                return -1;
            int h = csec__hexval((unsigned char)in[i + 1]),
                l = csec__hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0')
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    if (csec__utf8_check(out, o) != o)
        return -1;
    return (long)o;
}

static bool match(const char *pattern, char *const *seg, size_t nseg)
{
    size_t i = 0;
    const char *p = pattern + 1; /* skip the leading '/' */
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i >= nseg)
            return false;
        if (!(len == 1 && p[0] == '*') && (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0))
            return false;
        i++;
        p += len + (end ? 1 : 0);
    }
    return i == nseg;
}

void srv_redirect(srv_resp *resp, int status, const char *location)
{
    resp->status = status;
    csec_buf_clear(&resp->location);
    csec_buf_puts(&resp->location, location);
    csec_buf_clear(&resp->body);
    csec_buf_puts(&resp->body, "<!DOCTYPE html>\n<title>Moved</title>\n<p>See <a href=\"");
    html_esc(&resp->body, location);
    csec_buf_puts(&resp->body, "\">");
    html_esc(&resp->body, location);
    csec_buf_puts(&resp->body, "</a>.</p>\n");
}

bool srv_is_api_path(const char *path)
{
    return strncmp(path, "/v1/", 4) == 0 || strncmp(path, "/api/", 5) == 0 ||
           strncmp(path, "/packages/", 10) == 0 || strcmp(path, "/v1") == 0 ||
           strcmp(path, "/api") == 0;
}

/* An error before any handler: API clients parse errors as JSON (osv.dev's
 * shape), people read pages. */
static void route_error(const srv_req *r, srv_resp *resp, int status, const char *title,
                        const char *msg)
{
    if (srv_is_api_path(r->path)) {
        api_error(resp, status, API_ERR_INVALID, msg);
        api_finish(r, resp, false);
    } else
        page_error(r, resp, status, title, msg);
}

static void route_not_found(const srv_req *r, srv_resp *resp)
{
    if (srv_is_api_path(r->path))
        api_not_found(r, resp);
    else
        page_not_found(r, resp, "There is no page at this address.");
}

void srv_route(const srv_in *in, srv_resp *resp)
{
    srv_scratch scratch = {{NULL}, 0};
    srv_req r = {0};
    char *copy = NULL;
    const char *method = in->method;
    r.site = in->site;
    r.live = in->live;
    r.generation = in->generation;
    r.method = method;
    r.headers = in->headers;
    r.nheaders = in->nheaders;
    r.scratch = &scratch;
    r.body = in->body;
    r.body_len = in->body_len;

    const char *qmark = strchr(in->target, '?');
    size_t len = qmark ? (size_t)(qmark - in->target) : strlen(in->target);
    char *raw_path = csec__xstrndup(in->target, len);
    r.path = raw_path;
    r.query = qmark ? qmark + 1 : "";
    if (len > MAX_PATH) {
        route_error(&r, resp, 414, "URI too long", "The address is too long.");
        goto done;
    }
    if (raw_path[0] != '/') {
        route_error(&r, resp, 400, "Bad request", "The path must start with a slash.");
        goto done;
    }
    /* Split the raw path, then decode every segment in place: decoding never
     * makes a segment longer. */
    copy = csec__xstrndup(raw_path + 1, len - 1);
    bool trailing_slash = false;
    char *p = copy;
    while (*p) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (r.nseg == SRV_MAX_SEGMENTS) {
            route_not_found(&r, resp);
            goto done;
        }
        if (srv_decode(p, p, strlen(p)) < 0) {
            route_error(&r, resp, 400, "Bad request",
                       "The path contains an invalid percent-escape, an encoded NUL or bytes "
                       "that are not UTF-8.");
            goto done;
        }
        if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
            route_error(&r, resp, 400, "Bad request", "The path contains a dot segment.");
            goto done;
        }
        if (*p == '\0') {
            /* An empty segment in the middle ("//") matches no route. */
            route_not_found(&r, resp);
            goto done;
        }
        r.seg[r.nseg++] = p;
        if (!slash)
            break;
        if (slash[1] == '\0') {
            trailing_slash = true;
            break;
        }
        p = slash + 1;
    }
    if (trailing_slash) {
        csec_buf loc = CSEC_BUF_INIT;
        for (size_t i = 0; i < r.nseg; i++) {
            csec_buf_putc(&loc, '/');
            html_url_part(&loc, r.seg[i]);
        }
        srv_redirect(resp, 301, loc.ptr);
        csec_buf_free(&loc);
        goto done;
    }
    for (size_t i = 0; i < sizeof api_routes / sizeof api_routes[0]; i++) {
        if (match(api_routes[i].pattern, r.seg, r.nseg)) {
            api_routes[i].handler(&r, resp);
            goto done;
        }
    }
    /* Outside the API (where every page is), any method but GET and HEAD
     * gets 405, whether a page has this address or not. */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && !srv_is_api_path(r.path)) {
        page_error(&r, resp, 405, "Method not allowed", "Only GET and HEAD are supported.");
        goto done;
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (match(routes[i].pattern, r.seg, r.nseg)) {
            routes[i].handler(&r, resp);
            goto done;
        }
    }
    route_not_found(&r, resp);
done:
    for (size_t i = 0; i < scratch.n; i++)
        csec_free(scratch.items[i]);
    csec_free(copy);
    csec_free(raw_path);
}
