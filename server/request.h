/* request.h - one request and its response, as handlers see them
 * (request.c, route.c).
 *
 * A request (srv_req) carries the decoded path segments; a handler fills one
 * srv_resp, whose body is a single csec_buf handed to the HTTP layer without
 * copying.
 */
#ifndef CSEC_SERVER_REQUEST_H
#define CSEC_SERVER_REQUEST_H

#include "site.h"

#define SRV_MAX_SEGMENTS 8

/* Decoded query values of one request, freed when the handler returns. */
typedef struct srv_scratch {
    char *items[16];
    size_t n;
} srv_scratch;

typedef struct srv_req {
    const srv_site *site;
    const char *method; /* "GET" or "HEAD" */
    const char *path;   /* raw path as received */
    char *seg[SRV_MAX_SEGMENTS]; /* decoded, valid UTF-8, no NUL */
    size_t nseg;
    void *conn; /* the HTTP layer's connection, for srv_query */
    srv_scratch *scratch;
    const char *body; /* request body (POST), NULL when none; not NUL-terminated */
    size_t body_len;
} srv_req;

typedef struct srv_resp {
    int status;
    const char *content_type; /* NULL: text/html; charset=utf-8 */
    const char *cache_control; /* NULL: no header */
    csec_buf body;
    csec_buf location; /* redirect target (already percent-encoded), empty: none */
    const void *static_body; /* if set, served instead of `body` (never freed) */
    size_t static_len;
    csec_buf headers;  /* more header lines "Name: value\n" (the API); never cached */
    const char *allow; /* the Allow header of a 405, NULL: "GET, HEAD" */
} srv_resp;

/* The decoded value of query parameter `key` ('+' as space, %XX decoded), or
 * NULL when absent or not valid UTF-8 / containing NUL.  The result is owned
 * by the request (valid until the handler returns). */
const char *srv_query(const srv_req *r, const char *key);
/* srv_query's second half (request.c), for whatever finds the raw value:
 * decodes `raw` (a query value as received, '+' already turned into spaces;
 * NULL when absent) with srv_decode into the request's scratch.  Returns the
 * value, or NULL when `raw` is NULL, does not decode, or the scratch is full. */
const char *srv_query_keep(const srv_req *r, const char *raw);

/* Percent-decodes `len` bytes of `in` into `out` (room for len + 1) and
 * NUL-terminates it.  Returns the decoded length, or -1 for a malformed
 * escape, an encoded NUL or a result that is not valid UTF-8. */
long srv_decode(char *out, const char *in, size_t len);

/* The value of request header `name` (case-insensitive), or NULL. */
const char *srv_header(const srv_req *r, const char *name);

/* Request bodies are accepted only for POST, up to this size (the JSON API's
 * querybatch of 1,000 queries takes about 100 KB). */
#define SRV_MAX_POST_BODY ((size_t)512 << 10)
/* The POST body limit of a path: SRV_MAX_POST_BODY, or more for the ones
 * that take a lockfile (route.c; audit_input.h has the limits). */
size_t srv_post_limit(const char *raw_path);

/* Dispatches one request through the routing table (route.c).  `body` is the
 * request body (NULL, 0 when none). */
void srv_route(const srv_site *site, void *conn, const char *method, const char *raw_path,
               const char *body, size_t body_len, srv_resp *resp);

/* Sets a redirect: status and Location from the given path pieces. */
void srv_redirect(srv_resp *resp, int status, const char *location);

typedef void (*srv_handler)(const srv_req *r, srv_resp *resp);

#endif
