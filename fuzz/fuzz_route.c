/* fuzz_route.c - the request router and every page and API handler behind it
 * (server/route.c and the handlers), fed whole requests without a socket.
 *
 * Input, loosely HTTP/1.1:
 *
 *     METHOD SP TARGET [SP FIXTURE] LF     TARGET = path [ "?" query ]
 *     Name: value LF                       zero or more header lines
 *     LF                                   then the body (POST only)
 *
 * FIXTURE "index" routes to the site with a registry index
 * (tests/data/index-deps), anything else to tests/data/db alone.  CR before
 * LF is dropped.  Any method is routed: the router must not rely on the HTTP
 * layer's method filter.  Every response must pass harness_check; a HEAD
 * must answer as its GET does (same status, type and body).
 */
#include "server_harness.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    harness_site(false);
    harness_site(true);
    return 0;
}

/* The next line of [*p, end) without its LF (and CR); advances *p. */
static size_t next_line(const char **p, const char *end, const char **line)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    *line = *p;
    *p = nl ? nl + 1 : end;
    size_t n = (size_t)(stop - *line);
    if (n && (*line)[n - 1] == '\r')
        n--;
    return n;
}

/* The next space-separated word of [*p, end) as a new string; advances *p. */
static char *next_word(const char **p, const char *end)
{
    while (*p < end && **p == ' ')
        ++*p;
    const char *start = *p;
    while (*p < end && **p != ' ')
        ++*p;
    return csec__xstrndup(start, (size_t)(*p - start));
}

static bool same_response(const srv_resp *a, const srv_resp *b)
{
    csec_buf x = CSEC_BUF_INIT, y = CSEC_BUF_INIT;
    harness_body(a, &x);
    harness_body(b, &y);
    bool same =
        a->status == b->status && x.len == y.len && (!x.len || memcmp(x.ptr, y.ptr, x.len) == 0) &&
        (a->content_type == b->content_type ||
         (a->content_type && b->content_type && strcmp(a->content_type, b->content_type) == 0));
    csec_buf_free(&x);
    csec_buf_free(&y);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size, *line;
    size_t n = next_line(&p, end, &line);
    const char *lend = line + n;
    char *method = next_word(&line, lend);
    char *target = next_word(&line, lend);
    char *fixture = next_word(&line, lend);
    const srv_site *site = harness_site(strcmp(fixture, "index") == 0);

    /* The HTTP layer hands the router the target as received. */
    harness_headers headers = {0};
    while (p < end) {
        n = next_line(&p, end, &line);
        if (n == 0)
            break;
        const char *colon = memchr(line, ':', n);
        if (colon && colon > line)
            harness_add_header(&headers, line, (size_t)(colon - line), colon + 1,
                               n - (size_t)(colon - line) - 1);
    }
    bool post = strcmp(method, "POST") == 0;
    const char *body = post && p < end ? p : NULL;
    size_t body_len = body ? (size_t)(end - p) : 0;

    srv_resp resp;
    harness_route(site, &headers, method, target, body, body_len, &resp);
    if (strcmp(method, "HEAD") == 0) {
        srv_resp as_get;
        harness_route(site, &headers, "GET", target, NULL, 0, &as_get);
        if (!same_response(&resp, &as_get))
            harness_fail(&resp, "HEAD and GET answer differently");
        harness_resp_free(&as_get);
    }
    harness_resp_free(&resp);
    harness_headers_free(&headers);
    csec_free(method);
    csec_free(target);
    csec_free(fixture);
    return 0;
}
