/* watch_service.h - the server's side of the persistent state
 * (watch_service.c): the stores the pages use, the evaluation of the
 * watches whenever new data is swapped in, and the webhook senders.
 *
 * Threads, each with its own connection so that none waits behind another's
 * transaction: the request handlers share one store; one evaluator thread
 * evaluates the watches after each swap (srv_watch_wake, called by the
 * reload thread) and once a minute; `workers` sender threads claim due
 * deliveries and post them.  Without --state everything lives in one SQLite
 * database in memory (lost at exit), shared by all threads.
 *
 * A state that cannot be opened (read-only or full directory, database
 * down) does not stop the server: the site keeps serving, pages that need
 * the state answer 503 with the reason, /healthz reports it, and the
 * evaluator tries to open it again every few seconds.
 */
#ifndef CSEC_SERVER_WATCH_SERVICE_H
#define CSEC_SERVER_WATCH_SERVICE_H

#include "live.h"
#include "state.h"
#include "webhook.h"

typedef struct srv_watch_options {
    const char *state;        /* --state: a directory or postgresql://...; NULL: in memory */
    webhook_options webhook;  /* allow_private (--allow-private-webhooks), timeouts */
    unsigned lease_s;         /* how long a claimed delivery is someone's (default 60) */
    unsigned workers;         /* sender threads (default 4) */
    state_retry_policy retry; /* backoff and disabling */
    int64_t report_budget;    /* bytes of stored reports (default 1 GiB) */
    unsigned evaluate_every_s; /* evaluate also this often without a swap (default 60) */
} srv_watch_options;

#define SRV_WATCH_OPTIONS_INIT                                                                     \
    {NULL, WEBHOOK_OPTIONS_INIT, 60, 4, STATE_RETRY_POLICY_INIT, (int64_t)1 << 30, 60}

/* Starts the service for the sites of `live`.  Returns 0, or -1 when a
 * thread cannot start (a state that cannot be opened is not an error). */
int srv_watch_start(srv_live *live, const srv_watch_options *o);
/* Stops the threads (a delivery in flight finishes or times out). */
void srv_watch_stop(void);
/* New data was swapped in: evaluate soon.  Takes a void * to serve as a
 * callback. */
void srv_watch_wake(void *unused);
/* The request handlers' store, or NULL (with the reason in `why`) when the
 * state is unavailable or the service is not running. */
state_store *srv_watch_store(csec_buf *why);
/* The options the service runs with (defaults when not running). */
const srv_watch_options *srv_watch_options_get(void);
/* A state_data_source lending the current site's data (state_watch_create). */
state_data_source srv_watch_data_source(void);
/* Writes the state's member of /healthz ("state": {...}) into its object. */
void srv_watch_healthz(struct csec__json *j);

#endif
