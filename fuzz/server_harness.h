/* server_harness.h - drives the server's request handling without a socket.
 *
 * The fuzz targets fuzz_route, fuzz_query and fuzz_apibody link the server
 * without its HTTP layer (server/http.c): server_harness.c stands in for it.
 * It builds the fixture sites and a request's header fields, hands them to
 * srv_route as the HTTP layer does (a srv_in: the target as received, the
 * fields, the body), and checks every response against what the HTTP layer
 * and a client rely on (harness_check aborts with a message on stderr
 * otherwise).
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

/* A request's header fields, as the HTTP layer would hand them over. */
#define HARNESS_MAX_FIELDS 64

typedef struct harness_headers {
    srv_field fields[HARNESS_MAX_FIELDS];
    size_t n;
} harness_headers;

/* Adds a header; the value loses surrounding spaces and tabs, as MHD's does.
 * Fields past HARNESS_MAX_FIELDS are dropped (the HTTP layer answers 431). */
void harness_add_header(harness_headers *h, const char *name, size_t name_len, const char *value,
                        size_t value_len);
void harness_headers_free(harness_headers *h);

/* Routes one request (`target`: path and query string as received; `h` may
 * be NULL) through srv_route, checks the response (harness_check) and
 * leaves it in `resp` for more checks; free with harness_resp_free. */
void harness_route(const srv_site *site, const harness_headers *h, const char *method,
                   const char *target, const char *body, size_t body_len, srv_resp *resp);
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
