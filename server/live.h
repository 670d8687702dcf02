/* live.h - the data being served, replaced whole on reload (live.c), the
 * server's counters and its event log.
 *
 * A generation is one site as served: the site, the pages rendered from it
 * (page_cache.h) and its number.  Requests take a reference to the current
 * generation for their whole life (the body they send may live in its page
 * cache); a reload builds the next site off to the side and swaps it in, so
 * requests in flight finish on the old generation.  The last reference to a
 * replaced generation may be dropped by any request, but its memory (a
 * database, up to the cache's budget of pages) is freed by the reload
 * thread (srv_live_reap), never on a request's thread.
 */
#ifndef CSEC_SERVER_LIVE_H
#define CSEC_SERVER_LIVE_H

#include "page_cache.h"
#include "site.h"

typedef struct srv_live srv_live;

/* One site as served.  Read-only for its users. */
typedef struct srv_gen {
    const srv_site *site;
    srv_page_cache *pages;
    uint64_t number; /* 1: the data loaded at start-up, then one more per reload */
} srv_gen;

/* The budget of a generation's page cache. */
#define SRV_PAGE_CACHE_BYTES ((size_t)128 << 20)

/* The server's counters, for /metrics and /healthz. */
#define SRV_LATENCY_BUCKETS 12
extern const double srv_latency_bounds[SRV_LATENCY_BUCKETS]; /* seconds; then +Inf */

/* Takes ownership of `first`, which becomes generation 1. */
srv_live *srv_live_new(srv_site *first);
/* Frees the current generation and any retired one: no request may hold one
 * any more. */
void srv_live_free(srv_live *l);
/* The current generation, with a reference: hand it back with
 * srv_live_release. */
const srv_gen *srv_live_acquire(srv_live *l);
/* Hands a reference back.  The last reference of a replaced generation
 * retires it: it is queued for srv_live_reap and the retire callback is
 * called; nothing is freed here. */
void srv_live_release(srv_live *l, const srv_gen *g);
/* Installs `next` (taking ownership) as the next generation; returns how
 * long the swap itself held the lock, in milliseconds. */
double srv_live_swap(srv_live *l, srv_site *next);
/* Frees the retired generations; returns how many.  Called by the reload
 * thread. */
size_t srv_live_reap(srv_live *l);
/* Sets what is called (on the thread that retires a generation, at most
 * once per retirement) to have srv_live_reap run soon; NULL: nothing. */
void srv_live_on_retire(srv_live *l, void (*fn)(void *arg), void *arg);
/* Generations replaced but still held by requests, or retired and not yet
 * reaped (for tests and /metrics). */
size_t srv_live_old_generations(srv_live *l);

/* A reload attempt's outcome, for /healthz, /metrics and the log:
 * `error` NULL for success. */
void srv_live_reload_done(srv_live *l, const char *error, double total_ms, double swap_ms);
/* Counts one finished request. */
void srv_live_observe(srv_live *l, int status, double seconds);
/* Counts a connection closed for not sending a whole request in time, or
 * for not reading its response. */
void srv_live_cut(srv_live *l);
/* Writes /healthz's JSON and /metrics's text for generation `number` of the
 * site `s`.  `more` (may be NULL) adds members of other parts of the server
 * (the state's) at the end of the object. */
struct csec__json;
void srv_live_healthz(srv_live *l, const srv_site *s, uint64_t number,
                      void (*more)(struct csec__json *j), csec_buf *out);
void srv_live_metrics(srv_live *l, const srv_site *s, uint64_t number, csec_buf *out);
/* Whether the last reload failed (then /healthz says "degraded"). */
bool srv_live_degraded(srv_live *l);

/* Server events (start, reload, failures) on stderr: "cratesec serve: ..."
 * text lines, or one JSON object per line with srv_log_json set. */
extern bool srv_log_json;
void srv_log_event(const char *level, const char *event, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
