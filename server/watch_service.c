/* watch_service.c - stores, the evaluator thread and the webhook senders
 * (watch_service.h). */
#include "watch_service.h"

#include "crypto.h"
#include "json.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETRY_OPEN_MS 5000
#define MAX_WORKERS 64

typedef struct service {
    srv_watch_options o;
    srv_live *live;
    bool running;
    char owner[96]; /* this replica's name in leases */

    pthread_mutex_t mu; /* guards everything below and the condition variables */
    pthread_cond_t wake_eval, wake_send;
    bool stopping, eval_requested;
    state_store *http, *eval, *send; /* NULL until opened (may all be one store) */
    char error[600];                 /* why the state is unavailable, "" when open */
    /* The last evaluation, for /healthz. */
    state_eval_stats last;
    char last_error[600];
    char evaluated_commit[41];
    int64_t last_at;
    uint64_t evaluated_generation;
    /* Delivery counters since start. */
    uint64_t sent_ok, sent_failed, disabled;

    pthread_t evaluator;
    pthread_t workers[MAX_WORKERS];
    unsigned nworkers;
} service;

static service svc = {.mu = PTHREAD_MUTEX_INITIALIZER};
static const srv_watch_options defaults = SRV_WATCH_OPTIONS_INIT;

const srv_watch_options *srv_watch_options_get(void)
{
    return svc.running ? &svc.o : &defaults;
}

/* ---- the data, lent to state_watch_create ---- */

/* The data of generation `g` (held by the caller). */
static void fill_data(state_data *d, const srv_gen *g)
{
    const srv_site *s = g->site;
    int64_t t = 0;
    csec_db_commit(s->db, &t);
    d->db = s->db;
    d->commit = s->commit;
    d->commit_time = s->commit[0] ? t : 0;
    d->holder = g;
}

static void lend(void *payload, state_data *out)
{
    fill_data(out, srv_live_acquire(svc.live));
}

static void give_back(void *payload, state_data *d)
{
    srv_live_release(svc.live, d->holder);
}

state_data_source srv_watch_data_source(void)
{
    state_data_source src = {lend, give_back, NULL};
    return src;
}

/* ---- opening ---- */

static bool in_memory(void)
{
    return !svc.o.state;
}

/* Opens what is not open yet; records the reason when something fails. */
static void open_stores(void)
{
    const char *spec = in_memory() ? ":memory:" : svc.o.state;
    state_store *st[3] = {NULL, NULL, NULL};
    csec_buf err = CSEC_BUF_INIT;
    int n = in_memory() ? 1 : 3, rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = state_open(&st[i], spec, &err);
    pthread_mutex_lock(&svc.mu);
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            state_close(st[i]);
        bool changed = strcmp(svc.error, err.ptr ? err.ptr : "") != 0;
        snprintf(svc.error, sizeof svc.error, "%s", err.ptr ? err.ptr : "cannot open the state");
        pthread_mutex_unlock(&svc.mu);
        if (changed)
            srv_log_event("error", "state_unavailable",
                          "the state is unavailable (watch lists, stored reports and webhooks "
                          "are off; the site keeps serving): %s",
                          svc.error);
    } else {
        svc.http = st[0];
        svc.eval = in_memory() ? st[0] : st[1];
        svc.send = in_memory() ? st[0] : st[2];
        bool was_down = svc.error[0] != '\0';
        svc.error[0] = '\0';
        pthread_cond_broadcast(&svc.wake_send);
        pthread_mutex_unlock(&svc.mu);
        srv_log_event("info", "state", "%s%s", was_down ? "state available again: " : "state: ",
                      in_memory() ? "in memory (lost at exit; --state DIR keeps it)"
                                  : state_describe(st[0]));
    }
    csec_buf_free(&err);
}

state_store *srv_watch_store(csec_buf *why)
{
    pthread_mutex_lock(&svc.mu);
    state_store *st = svc.http;
    if (!st && why)
        csec_buf_puts(why, !svc.running ? "the server runs without its state"
                           : svc.error[0] ? svc.error
                                          : "the state is being opened");
    pthread_mutex_unlock(&svc.mu);
    return st;
}

/* Waits on `cv` with svc.mu held, until signalled or `seconds` have passed
 * (the condition variables run on CLOCK_MONOTONIC: srv_watch_start). */
static void wait_seconds(pthread_cond_t *cv, time_t seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += seconds;
    pthread_cond_timedwait(cv, &svc.mu, &until);
}

/* ---- the evaluator ---- */

static void evaluate_now(state_store *st)
{
    const srv_gen *g = srv_live_acquire(svc.live);
    state_data d;
    fill_data(&d, g);
    uint64_t gen = g->number;
    state_eval_stats stats;
    csec_buf err = CSEC_BUF_INIT;
    int rc = state_evaluate(st, &d, &stats, &err);
    char commit[41];
    snprintf(commit, sizeof commit, "%s", d.commit);
    srv_live_release(svc.live, g);
    d.commit = commit;
    pthread_mutex_lock(&svc.mu);
    svc.last = stats;
    svc.last_at = time(NULL);
    snprintf(svc.last_error, sizeof svc.last_error, "%s", rc < 0 && err.ptr ? err.ptr : "");
    if (rc == 0) {
        svc.evaluated_generation = gen;
        snprintf(svc.evaluated_commit, sizeof svc.evaluated_commit, "%s", d.commit);
    }
    if (stats.deliveries)
        pthread_cond_broadcast(&svc.wake_send);
    pthread_mutex_unlock(&svc.mu);
    if (rc < 0)
        srv_log_event("error", "evaluation_failed",
                      "evaluating the watches failed (tried again shortly): %s", err.ptr);
    else if (stats.seeded)
        srv_log_event("info", "evaluation", "watches: advisory state recorded for commit %.12s",
                      d.commit[0] ? d.commit : "(no git)");
    else if (stats.stale)
        srv_log_event("info", "evaluation",
                      "watches: data older than the last evaluated; not evaluated");
    else if (stats.changed || stats.caught_up)
        srv_log_event("info", "evaluation",
                      "watches: %zu changed advisories (%zu evaluated here, %zu held: package "
                      "with load errors), %zu package rows, "
                      "%zu events, %zu deliveries queued, %zu watches caught up, in %.1f ms",
                      stats.changed, stats.evaluated, stats.held, stats.rows, stats.events,
                      stats.deliveries,
                      stats.caught_up, stats.ms);
    csec_buf_free(&err);
}

static void *evaluator_main(void *arg)
{
    double last_run = 0, last_maintain = csec__now_ms();
    bool failed = false;
    pthread_mutex_lock(&svc.mu);
    while (!svc.stopping) {
        if (!svc.eval) {
            pthread_mutex_unlock(&svc.mu);
            open_stores();
            pthread_mutex_lock(&svc.mu);
            if (!svc.eval) {
                wait_seconds(&svc.wake_eval, RETRY_OPEN_MS / 1000);
                continue;
            }
        }
        const srv_gen *g = srv_live_acquire(svc.live);
        uint64_t gen = g->number;
        srv_live_release(svc.live, g);
        double now = csec__now_ms();
        bool due = svc.eval_requested || gen != svc.evaluated_generation || failed ||
                   now - last_run >= svc.o.evaluate_every_s * 1000.0;
        if (due) {
            svc.eval_requested = false;
            state_store *st = svc.eval;
            pthread_mutex_unlock(&svc.mu);
            evaluate_now(st);
            last_run = csec__now_ms();
            pthread_mutex_lock(&svc.mu);
            failed = svc.last_error[0] != '\0';
            continue;
        }
        /* Quiet: the SQLite log goes into the database file now rather than
         * inside a later commit (sql_maintain). */
        if (now - last_maintain >= 5000.0) {
            state_store *st = svc.eval;
            pthread_mutex_unlock(&svc.mu);
            csec_buf err = CSEC_BUF_INIT;
            state_maintain(st, &err);
            csec_buf_free(&err);
            last_maintain = csec__now_ms();
            pthread_mutex_lock(&svc.mu);
            continue;
        }
        wait_seconds(&svc.wake_eval, failed ? 5 : 1);
    }
    pthread_mutex_unlock(&svc.mu);
    return NULL;
}

void srv_watch_wake(void *unused)
{
    pthread_mutex_lock(&svc.mu);
    svc.eval_requested = true;
    pthread_cond_signal(&svc.wake_eval);
    pthread_mutex_unlock(&svc.mu);
}

/* ---- the senders ---- */

static void *sender_main(void *arg)
{
    pthread_mutex_lock(&svc.mu);
    while (!svc.stopping) {
        state_store *st = svc.send;
        if (!st) {
            pthread_cond_wait(&svc.wake_send, &svc.mu);
            continue;
        }
        pthread_mutex_unlock(&svc.mu);
        state_delivery d;
        csec_buf err = CSEC_BUF_INIT;
        int n = state_claim(st, svc.owner, svc.o.lease_s, 1, &d, &err);
        if (n > 0) {
            webhook_result res;
            webhook_send(&d, &svc.o.webhook, &res);
            bool disabled = false;
            csec_buf_clear(&err);
            int rc = state_delivery_done(st, &d, svc.owner, res.ok, res.status,
                                         res.ok ? NULL : res.error, &svc.o.retry, &disabled,
                                         &err);
            if (rc < 0)
                srv_log_event("error", "delivery_record_failed",
                              "delivery %s: the outcome (%s) could not be recorded; it will be "
                              "sent again after its lease: %s",
                              d.key, res.ok ? "delivered" : res.error, err.ptr);
            else if (!res.ok)
                srv_log_event("warning", "delivery_failed",
                              "delivery %s to watch %s (attempt %lld) failed: %s", d.key,
                              d.watch_id, (long long)d.attempts, res.error);
            if (disabled)
                srv_log_event("warning", "webhook_disabled",
                              "the webhook of watch %s failed for %u s and is disabled: %s",
                              d.watch_id, svc.o.retry.disable_after_s, res.error);
            state_delivery_free(&d);
            csec_buf_free(&err);
            pthread_mutex_lock(&svc.mu);
            if (res.ok)
                svc.sent_ok++;
            else
                svc.sent_failed++;
            svc.disabled += disabled;
            continue;
        }
        if (n < 0)
            srv_log_event("error", "claim_failed", "cannot claim deliveries: %s", err.ptr);
        csec_buf_free(&err);
        pthread_mutex_lock(&svc.mu);
        /* Nothing due: look again in a second (a retry's time comes, another
         * replica's lease expires) or when woken. */
        wait_seconds(&svc.wake_send, 1);
    }
    pthread_mutex_unlock(&svc.mu);
    return NULL;
}

/* ---- start and stop ---- */

int srv_watch_start(srv_live *live, const srv_watch_options *o)
{
    svc.o = *o;
    svc.live = live;
    if (svc.o.workers < 1)
        svc.o.workers = 1;
    if (svc.o.workers > MAX_WORKERS)
        svc.o.workers = MAX_WORKERS;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    char rnd[9];
    state_random_hex(rnd, 4);
    snprintf(svc.owner, sizeof svc.owner, "%.60s:%ld:%s", host, (long)getpid(), rnd);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&svc.wake_eval, &ca);
    pthread_cond_init(&svc.wake_send, &ca);
    pthread_condattr_destroy(&ca);
    svc.running = true;
    /* The first open happens here, so that a state that opens is ready for
     * the first request; one that does not is retried by the evaluator. */
    open_stores();
    if (pthread_create(&svc.evaluator, NULL, evaluator_main, NULL) != 0)
        return -1;
    for (unsigned i = 0; i < svc.o.workers; i++) {
        if (pthread_create(&svc.workers[i], NULL, sender_main, NULL) != 0)
            return -1;
        svc.nworkers++;
    }
    return 0;
}

void srv_watch_stop(void)
{
    if (!svc.running)
        return;
    pthread_mutex_lock(&svc.mu);
    svc.stopping = true;
    pthread_cond_broadcast(&svc.wake_eval);
    pthread_cond_broadcast(&svc.wake_send);
    pthread_mutex_unlock(&svc.mu);
    pthread_join(svc.evaluator, NULL);
    for (unsigned i = 0; i < svc.nworkers; i++)
        pthread_join(svc.workers[i], NULL);
    state_store *http = svc.http, *ev = svc.eval, *send = svc.send;
    state_close(http);
    if (ev != http)
        state_close(ev);
    if (send != http && send != ev)
        state_close(send);
    svc.http = svc.eval = svc.send = NULL;
    svc.running = false;
}

/* ---- /healthz ---- */

void srv_watch_healthz(struct csec__json *j)
{
    pthread_mutex_lock(&svc.mu);
    csec__json_key(j, "state");
    csec__json_object_begin(j);
    csec__json_key_str(j, "status", !svc.running ? "off" : svc.http ? "ok" : "unavailable");
    csec__json_key_str(j, "backend",
                       !svc.running  ? NULL
                       : in_memory() ? "memory"
                       : svc.http    ? state_describe(svc.http)
                                     : svc.o.state);
    csec__json_key_str(j, "error", svc.error[0] ? svc.error : NULL);
    csec__json_key_str(j, "evaluated_commit",
                       svc.evaluated_commit[0] ? svc.evaluated_commit : NULL);
    csec__json_key(j, "last_evaluation");
    csec__json_object_begin(j);
    csec__json_key(j, "at");
    csec__json_int(j, svc.last_at);
    csec__json_key(j, "ms");
    csec__json_double(j, (double)(int64_t)(svc.last.ms * 10 + 0.5) / 10);
    csec__json_key(j, "changed");
    csec__json_uint(j, svc.last.changed);
    csec__json_key(j, "events");
    csec__json_uint(j, svc.last.events);
    csec__json_key(j, "deliveries");
    csec__json_uint(j, svc.last.deliveries);
    csec__json_key_str(j, "error", svc.last_error[0] ? svc.last_error : NULL);
    csec__json_object_end(j);
    csec__json_key(j, "webhooks");
    csec__json_object_begin(j);
    csec__json_key(j, "delivered");
    csec__json_uint(j, svc.sent_ok);
    csec__json_key(j, "failed_attempts");
    csec__json_uint(j, svc.sent_failed);
    csec__json_key(j, "disabled");
    csec__json_uint(j, svc.disabled);
    csec__json_object_end(j);
    csec__json_object_end(j);
    pthread_mutex_unlock(&svc.mu);
}
