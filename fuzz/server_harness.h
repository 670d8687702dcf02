/* server_harness.h - drives the server's request handling without a socket.
 *
 * The fuzz targets fuzz_route, fuzz_query and fuzz_apibody link the server
 * without its HTTP layer (server/http.c): server_harness.c stands in for it.
 * It builds the fixture sites, keeps a request's query values and headers
 * the way libmicrohttpd 0.9.75 presents them to srv_query and srv_header,
 * and checks every response against what the HTTP layer and a client rely
 * on (harness_check aborts with a message on stderr otherwise).
 */
#ifndef CSEC_FUZZ_SERVER_HARNESS_H
#define CSEC_FUZZ_SERVER_HARNESS_H

#include "request.h"

#include <stdbool.h>
#include <stddef.h>

/* The fixture sites, built on first use and kept until exit:
 *   false: tests/data/db without a registry index;
 *   true:  tests/data/index-deps (db/ and index/, with reverse dependencies).
 * The source tree is $CSEC_SOURCE_DIR, else the one this was built from.
 * A fixture that does not load is a broken setup: exits with status 2. */
const srv_site *harness_site(bool with_index);

/* One name/value pair; `value` is NULL for a query piece without '='. */
typedef struct harness_pair {
    char *name;
    char *value;
} harness_pair;

#define HARNESS_MAX_PAIRS 64

/* What srv_query and srv_header find: the `conn` of a request. */
typedef struct harness_conn {
    harness_pair query[HARNESS_MAX_PAIRS];
    size_t nquery;
    harness_pair headers[HARNESS_MAX_PAIRS];
    size_t nheaders;
} harness_conn;

/* Splits a query string (without the '?') as libmicrohttpd does with the
 * server's identity unescaper: pieces on '&', each at its first '=' (none:
 * NULL value), '+' as space in names and values, no percent-decoding
 * (srv_query does that).  Stops at the first NUL of `qs` or after `len`
 * bytes; pieces past HARNESS_MAX_PAIRS are dropped. */
void harness_parse_query(harness_conn *c, const char *qs, size_t len);
/* Adds a header; the value loses surrounding spaces and tabs, as MHD's does. */
void harness_add_header(harness_conn *c, const char *name, size_t name_len, const char *value,
                        size_t value_len);
/* The value of the first pair named `name` (ASCII case-insensitive, as
 * MHD_lookup_connection_value compares), or NULL. */
const char *harness_lookup(const harness_pair *pairs, size_t n, const char *name);
void harness_conn_free(harness_conn *c);

/* Routes one request through srv_route, checks the response (harness_check)
 * and leaves it in `resp` for more checks; free with harness_resp_free. */
void harness_route(const srv_site *site, harness_conn *c, const char *method, const char *raw_path,
                   const char *body, size_t body_len, srv_resp *resp);
/* Aborts unless: the status is 100..599; 204 and 304 have no body; a
 * redirect has a Location that is a local path of printable ASCII (no
 * header injection, no "//host") and only redirects have one; extra header
 * lines are "Name: value" with a token name and no control characters; JSON
 * bodies parse (gunzipped first when Content-Encoding says gzip); HTML, SVG
 * and Atom bodies are UTF-8 and contain no <script. */
void harness_check(const srv_resp *resp);
/* The response body as sent (static_body or body), gunzipped when the
 * response is gzip-encoded; the caller frees `out`. */
void harness_body(const srv_resp *resp, csec_buf *out);
void harness_resp_free(srv_resp *resp);
/* Prints why and the response, then aborts. */
void harness_fail(const srv_resp *resp, const char *why);

#endif
