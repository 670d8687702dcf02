/* live.h - the site being served, replaced whole on reload (live.c), the
 * server's counters and its event log.
 *
 * Requests take a reference to the current site for their whole life (the
 * rendered page they send may live in the site's cache); a reload builds the
 * next site off to the side and swaps the pointer, so requests in flight
 * finish on the old site, which is freed by the last one to let it go.
 */
#ifndef CSEC_SERVER_LIVE_H
#define CSEC_SERVER_LIVE_H

#include "site.h"

typedef struct srv_live srv_live;

/* The server's counters, for /metrics and /healthz. */
#define SRV_LATENCY_BUCKETS 12
extern const double srv_latency_bounds[SRV_LATENCY_BUCKETS]; /* seconds; then +Inf */

/* Takes ownership of `first`, which becomes generation 1. */
srv_live *srv_live_new(srv_site *first);
void srv_live_free(srv_live *l);
/* The current site, with a reference: hand it back with srv_live_release. */
const srv_site *srv_live_acquire(srv_live *l);
void srv_live_release(const srv_site *s);
/* Installs `next` (taking ownership) as the next generation; returns how
 * long the swap itself held the lock, in milliseconds. */
double srv_live_swap(srv_live *l, srv_site *next);
/* A reload attempt's outcome, for /healthz, /metrics and the log:
 * `error` NULL for success. */
void srv_live_reload_done(srv_live *l, const char *error, double total_ms, double swap_ms);
/* Counts one finished request. */
void srv_live_observe(srv_live *l, int status, double seconds);
/* Counts a connection cut off by the watchdog. */
void srv_live_cut(srv_live *l);
/* Writes /healthz's JSON and /metrics's text for the site `s` serves. */
void srv_live_healthz(srv_live *l, const srv_site *s, csec_buf *out);
void srv_live_metrics(srv_live *l, const srv_site *s, csec_buf *out);
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
