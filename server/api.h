/* api.h - what the JSON API's files share (api.c, api_query.c, api_security.c).
 *
 * Every API handler has the same shape:
 *
 *     if (api_method(r, resp, false))   // answers OPTIONS and wrong methods
 *         ...fill resp->body or call api_error...
 *     api_finish(r, resp, true);        // headers, ETag / 304, gzip
 *
 * Errors are osv.dev's: a JSON object {"code": C, "message": M} with the gRPC
 * status code C (3 invalid argument, 5 not found, 12 unimplemented) and the
 * HTTP status that goes with it.
 */
#ifndef CSEC_SERVER_API_H
#define CSEC_SERVER_API_H

#include "request.h"

#include <stdbool.h>

/* Fills s->modified, what the API needs per advisory; called by
 * srv_site_new. */
void srv_api_prepare(srv_site *s);
/* API handlers answer every method themselves (OPTIONS preflight, 405). */
void api_package(const srv_req *r, srv_resp *resp);
void api_vuln(const srv_req *r, srv_resp *resp);
void api_query(const srv_req *r, srv_resp *resp);
void api_querybatch(const srv_req *r, srv_resp *resp);
void api_security(const srv_req *r, srv_resp *resp);
void api_openapi(const srv_req *r, srv_resp *resp);
/* A JSON 404 for unknown paths under /v1/ and /api/. */
void api_not_found(const srv_req *r, srv_resp *resp);

#define API_ERR_INVALID 3
#define API_ERR_NOT_FOUND 5
#define API_ERR_UNIMPLEMENTED 12
#define API_ERR_UNAVAILABLE 14 /* gRPC UNAVAILABLE, as osv.dev's codes */

/* Handles the method: OPTIONS gets the CORS preflight answer (204), a method
 * the endpoint does not serve gets 405.  Returns true when the handler should
 * produce its response.  `post`: the endpoint takes POST, else GET/HEAD. */
bool api_method(const srv_req *r, srv_resp *resp, bool post);
/* Answers OPTIONS, the CORS preflight, for the methods `allow` and the request
 * headers `allow_headers`; returns whether it did (the request was OPTIONS). */
bool api_preflight(const srv_req *r, srv_resp *resp, const char *allow, const char *allow_headers);
/* Replaces the response with {"code": code, "message": msg}, as JSON. */
void api_error(srv_resp *resp, int status, int code, const char *msg);
/* Adds the headers of every API response (Content-Type, CORS, Vary,
 * Cache-Control), and for a GET the ETag and the 304 answer to a matching
 * If-None-Match; compresses the body when the client accepts gzip. */
void api_finish(const srv_req *r, srv_resp *resp, bool get);
/* The ETag of a 200 answer to a GET into `etag`: the site's data, the path
 * and `variant` (the body's form: "-gzip", "-json", or ""), quoted.  An
 * If-None-Match it matches turns the answer into a 304 without a body. */
#define API_ETAG_SIZE 96
void api_etag(const srv_req *r, srv_resp *resp, char etag[API_ETAG_SIZE], const char *variant);

/* Whether the advisory is in the OSV export (crates collection, known kind). */
bool api_exportable(const csec_advisory *a);
/* The OSV "modified" time of an exported advisory ("YYYY-MM-DDTHH:MM:SSZ"). */
const char *api_modified(const srv_site *s, const csec_advisory *a);

/* gzip-compresses `in` into `out` (appended) at zlib's `level` (1-9).
 * Returns 0, or -1 if zlib fails.  The API compresses each response at 6;
 * cached pages, compressed once, at 9 (page_cache.c). */
int api_gzip(csec_buf *out, const void *in, size_t len, int level);
/* Whether an Accept-Encoding value accepts gzip (a "gzip", "x-gzip" or "*"
 * coding whose q is not 0). */
bool api_accepts_gzip(const char *accept_encoding);
/* Whether an If-None-Match value matches the entity tag `etag` (with its
 * quotes) under the weak comparison of RFC 9110 13.1.2. */
bool api_etag_matches(const char *if_none_match, const char *etag);

/* The OpenAPI document, compiled in from server/openapi.json (Makefile). */
extern const unsigned char srv_openapi_json[];
extern const unsigned long srv_openapi_json_len;

#endif
