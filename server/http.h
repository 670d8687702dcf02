/* http.h - the libmicrohttpd wrapper behind `cratesec serve`.
 *
 * One call runs the server until SIGTERM or SIGINT: it listens, hands every
 * request to srv_route with the site current at the time (live.c), logs one
 * line per request, passes SIGHUP on as a reload request, and on a stop
 * signal stops accepting, lets in-flight requests finish (up to a deadline)
 * and returns.  MHD runs in epoll mode with a thread pool, the mode measured
 * in ../shared/docs/http-trial.md; handlers therefore run concurrently on read-only
 * sites.
 */
#ifndef CSEC_SERVER_HTTP_H
#define CSEC_SERVER_HTTP_H

#include "live.h"

#include <stdio.h>

typedef struct http_options {
    const char *listen;        /* "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one */
    unsigned threads;          /* 0: number of online CPUs */
    unsigned timeout_s;        /* idle connection timeout, and the time a whole request
                                * may take to arrive (slow clients are cut off) */
    unsigned max_connections;  /* simultaneous connections */
    size_t max_body;           /* bytes of request body accepted (then 413) */
    unsigned drain_ms;         /* how long in-flight requests may finish at shutdown */
    FILE *access_log;          /* NULL: no access log */
    unsigned max_per_ip;       /* simultaneous connections from one address; 0: no limit */
    bool log_json;             /* access log lines as JSON objects */
    /* Called on the main thread when SIGHUP arrives (NULL: ignored); must
     * return quickly (the reload itself runs elsewhere). */
    void (*on_reload)(void *payload);
    void *reload_payload;
} http_options;

#define HTTP_OPTIONS_INIT {"127.0.0.1:8080", 0, 15, 4000, 16384, 5000, NULL, 500, false, NULL, NULL}

/* Memory of one connection (MHD's pool): the request line and head must fit
 * in it with MHD's own records, so it bounds them (431 or 414 beyond). */
#define HTTP_CONN_MEMORY 32768
/* Header fields in one request (431 beyond). */
#define HTTP_MAX_HEADERS 64
/* Request bodies held in memory at once, all connections together. */
#define HTTP_UPLOAD_BUDGET ((size_t)256 << 20)
/* A body announced past its limit and sent without waiting for 100
 * Continue is read and dropped, up to this size, before the 413 (http.c):
 * enough for a client that is a little over; a larger one is refused from
 * its head. */
#define HTTP_DRAIN_MAX ((size_t)1 << 20)

/* Runs until SIGTERM/SIGINT.  Prints "listening on http://HOST:PORT" to
 * stdout once the socket is bound.  Returns 0 after a clean shutdown, -1 if
 * the server could not start (message on stderr). */
int http_serve(srv_live *live, const http_options *opts);

#endif
