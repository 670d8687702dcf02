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

struct srv_live;

/* Decoded query values of one request, freed when the handler returns. */
typedef struct srv_scratch {
    char *items[16];
    size_t n;
} srv_scratch;

/* One request header field as received: name and value without the
 * surrounding blanks. */
typedef struct srv_field {
    const char *name;
    const char *value;
} srv_field;

/* What the HTTP layer (server/http.c, or the fuzz harness) hands the router:
 * everything about a request, taken from the connection once, so that
 * nothing behind the router calls back into the HTTP layer. */
typedef struct srv_in {
    const srv_site *site;
    struct srv_live *live; /* NULL without a running server (the fuzz harness) */
    uint64_t generation;   /* of `site` while served; 0 without a server */
    const char *method;
    /* The request target as received: the path, then "?" and the query string
     * if any (no NUL, no control character: the HTTP layer refused those). */
    const char *target;
    const srv_field *headers;
    size_t nheaders;
    const char *body; /* request body (POST), NULL when none; not NUL-terminated */
    size_t body_len;
} srv_in;

typedef struct srv_req {
    const srv_site *site;
    struct srv_live *live; /* NULL without a running server */
    uint64_t generation;
    const char *method; /* "GET" or "HEAD" */
    const char *path;   /* the target's path, raw (not decoded) */
    const char *query;  /* the target's query string, raw, after '?'; "" when none */
    char *seg[SRV_MAX_SEGMENTS]; /* decoded, valid UTF-8, no NUL */
    size_t nseg;
    const srv_field *headers;
    size_t nheaders;
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
    /* The page depends on more than the data and the path (the state): it
     * is never kept in the page cache nor given the data's validator. */
    bool uncached;
} srv_resp;

/* The decoded value of the first query parameter named `key`, or NULL when
 * there is none, it has no '=', its value is not valid UTF-8 or holds an
 * encoded NUL, or the request's scratch is full (16 values).  Names and
 * values are split on '&' and the first '=', and decoded alike: '+' as a
 * space, then %XX (srv_decode).  The result is owned by the request (valid
 * until the handler returns). */
const char *srv_query(const srv_req *r, const char *key);

/* Percent-decodes `len` bytes of `in` into `out` (room for len + 1) and
 * NUL-terminates it.  Returns the decoded length, or -1 for a malformed
 * escape, an encoded NUL or a result that is not valid UTF-8. */
long srv_decode(char *out, const char *in, size_t len);

/* The value of the first request header named `name` (ASCII
 * case-insensitive), or NULL. */
const char *srv_header(const srv_req *r, const char *name);

/* Request bodies are accepted only for POST, up to this size (the JSON API's
 * querybatch of 1,000 queries takes about 100 KB). */
#define SRV_MAX_POST_BODY ((size_t)512 << 10)
/* The POST body limit of a path: SRV_MAX_POST_BODY, or more for the ones
 * that take a lockfile (route.c; audit_input.h has the limits). */
size_t srv_post_limit(const char *raw_path);

/* Dispatches one request through the routing table (route.c). */
void srv_route(const srv_in *in, srv_resp *resp);

/* Whether a raw path is the JSON API's (/v1/, /api/, /packages/): its errors
 * are JSON, whoever answers them (route.c, the HTTP layer). */
bool srv_is_api_path(const char *path);

/* Sets a redirect: status and Location from the given path pieces. */
void srv_redirect(srv_resp *resp, int status, const char *location);

typedef void (*srv_handler)(const srv_req *r, srv_resp *resp);

#endif
