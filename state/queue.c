/* queue.c - the webhook delivery queue (state.h): claims with a lease,
 * outcomes, retries with exponential backoff, and disabling a webhook that
 * keeps failing.
 *
 * At-least-once, and no more than that needs: a claim counts the attempt
 * and commits before anything is sent; an outcome is committed as soon as it
 * is known.  After a crash, a claimed row whose outcome was not recorded is
 * free again once its lease expires and is sent again with the same
 * idempotency key (its first outcome is unknown: it may or may not have
 * arrived).  A row recorded as delivered is never sent again. */
#include "state.h"

#include "json.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* SQLite has one writer at a time, so a plain UPDATE of the due rows is a
 * claim.  PostgreSQL: the due rows are chosen and locked once, in a CTE
 * (FOR UPDATE SKIP LOCKED: rows another replica is claiming are passed
 * over, not waited for).  Not `key IN (SELECT ... FOR UPDATE SKIP LOCKED)`:
 * PostgreSQL may plan that as a semi-join that runs the locking subquery
 * again for every row, and concurrent claimers then claim next to nothing.
 * Either way a row claimed by another replica is one whose lease has not
 * expired, which the conditions exclude. */
static const char claim_sqlite[] =
    "UPDATE deliveries SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, "
    "last_attempt_at = $3 WHERE key IN (SELECT key FROM deliveries WHERE state = 'pending' AND "
    "next_at <= $3 AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_at LIMIT $4) "
    "RETURNING key";
static const char claim_pg[] =
    "WITH due AS (SELECT key FROM deliveries WHERE state = 'pending' AND next_at <= $3 AND "
    "(lease_until IS NULL OR lease_until < $3) ORDER BY next_at LIMIT $4 FOR UPDATE SKIP LOCKED) "
    "UPDATE deliveries d SET lease_owner = $1, lease_until = $2, attempts = d.attempts + 1, "
    "last_attempt_at = $3 FROM due WHERE d.key = due.key RETURNING d.key";

typedef struct claimed {
    char (*keys)[STATE_KEY_HEX + 1];
    size_t n, max;
} claimed;

static int take_key(void *payload, const char *const *c, size_t ncols)
{
    claimed *k = payload;
    if (k->n < k->max && c[0])
        snprintf(k->keys[k->n++], STATE_KEY_HEX + 1, "%s", c[0]);
    return 0;
}

/* The JSON body of a notification, from stored fields only, so that every
 * attempt sends the same bytes (and the same signature). */
static void build_body(csec_buf *out, const char *const *c)
{
    /* c: key, watch_id, kind, created, versions, db_commit, label, snapshot */
    csec__json jw, *j = &jw;
    csec__json_init(j, out, false, 0);
    csec__json_object_begin(j);
    csec__json_key(j, "event");
    csec_buf ev = CSEC_BUF_INIT;
    csec_buf_printf(&ev, "advisory.%s", c[2] ? c[2] : "");
    csec__json_str(j, ev.ptr);
    csec_buf_free(&ev);
    csec__json_key_str(j, "idempotency_key", c[0]);
    csec__json_key(j, "created");
    time_t t = (time_t)(c[3] ? strtoll(c[3], NULL, 10) : 0);
    struct tm tm;
    char when[32] = "1970-01-01T00:00:00Z";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    csec__json_str(j, when);
    csec__json_key(j, "watch");
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", c[1]);
    csec__json_key_str(j, "label", c[6] ? c[6] : "");
    csec__json_object_end(j);
    csec__json_key(j, "advisory");
    const char *snap = c[7] && *c[7] ? c[7] : "null";
    csec__json_raw(j, snap, strlen(snap));
    csec__json_key(j, "versions");
    csec__json_array_begin(j);
    const char *v = c[4] ? c[4] : "";
    while (*v) {
        size_t len = strcspn(v, ",");
        csec__json_strn(j, v, len);
        v += len;
        while (*v == ',' || *v == ' ')
            v++;
    }
    csec__json_array_end(j);
    csec__json_key(j, "database");
    csec__json_object_begin(j);
    csec__json_key_str(j, "commit", c[5] && *c[5] ? c[5] : NULL);
    csec__json_object_end(j);
    csec__json_object_end(j);
}

typedef struct details {
    state_delivery *out;
    size_t n, max;
} details;

static int take_details(void *payload, const char *const *c, size_t ncols)
{
    details *d = payload;
    if (d->n == d->max || ncols < 11)
        return 0;
    state_delivery *x = &d->out[d->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->key, sizeof x->key, "%s", c[0] ? c[0] : "");
    snprintf(x->watch_id, sizeof x->watch_id, "%s", c[1] ? c[1] : "");
    x->kind = csec__xstrdup(c[2] ? c[2] : "");
    x->url = csec__xstrdup(c[8] ? c[8] : "");
    x->secret = csec__xstrdup(c[9] ? c[9] : "");
    x->attempts = c[10] ? strtoll(c[10], NULL, 10) : 0;
    csec_buf body = CSEC_BUF_INIT;
    build_body(&body, c);
    x->body = csec_buf_detach(&body);
    return 0;
}

/* Now, and a moment `s` seconds ahead rounded up to a whole second: times
 * are whole seconds, and a wait must never come out shorter than asked. */
static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* On now_s's clock: every time of a delivery is read from one clock.
 * (CLOCK_REALTIME here read a second later than time(), the kernel's coarse
 * clock, near a second's edge: a 20 s backoff measured from its attempt came
 * out 22 s.) */
static int64_t after_s(int64_t s)
{
    return now_s() + s + 1;
}

int state_claim(state_store *st, const char *owner, unsigned lease_s, size_t max,
                state_delivery *out, csec_buf *err)
{
    int64_t now = now_s();
    claimed k = {csec__xcalloc(max ? max : 1, sizeof *k.keys), 0, max};
    sql_conn *c = st->sql;
    pthread_mutex_lock(&st->mu);
    int rc = sql_exec(c, sql_kind_of(c) == SQL_POSTGRES ? claim_pg : claim_sqlite,
                      (sql_param[]){SQL_TEXT(owner), SQL_INT(after_s((int64_t)lease_s)),
                                    SQL_INT(now), SQL_INT((int64_t)max)},
                      4, take_key, &k, NULL, err);
    details d = {out, 0, max};
    for (size_t i = 0; i < k.n && rc == 0; i++)
        rc = sql_exec(c,
                      "SELECT d.key, d.watch_id, e.kind, e.created, e.versions, e.db_commit, "
                      "w.label, s.json, w.webhook_url, w.webhook_secret, d.attempts "
                      "FROM deliveries d JOIN events e ON e.advisory_id = d.advisory_id AND "
                      "e.watch_id = d.watch_id AND e.seq = d.seq "
                      "JOIN watches w ON w.id = d.watch_id "
                      "LEFT JOIN advisory_snapshots s ON s.advisory_id = e.advisory_id AND "
                      "s.fingerprint = e.fingerprint "
                      "WHERE d.key = $1 AND w.webhook_url IS NOT NULL",
                      (sql_param[]){SQL_TEXT(k.keys[i])}, 1, take_details, &d, NULL, err);
    pthread_mutex_unlock(&st->mu);
    free(k.keys);
    if (rc < 0) {
        for (size_t i = 0; i < d.n; i++)
            state_delivery_free(&out[i]);
        return rc;
    }
    return (int)d.n;
}

void state_delivery_free(state_delivery *d)
{
    free(d->url);
    free(d->secret);
    free(d->kind);
    free(d->body);
    memset(d, 0, sizeof *d);
}

int state_delivery_done(state_store *st, const state_delivery *d, const char *owner, bool ok,
                        int status, const char *error, const state_retry_policy *policy,
                        bool *disabled, csec_buf *err)
{
    *disabled = false;
    int64_t now = now_s();
    sql_conn *c = st->sql;
    pthread_mutex_lock(&st->mu);
    int rc = sql_begin(c, err);
    if (rc == 0 && ok) {
        /* Delivered is final, whoever holds the lease now. */
        rc = sql_exec(c,
                      "UPDATE deliveries SET state = 'delivered', delivered_at = $1, "
                      "last_status = $2, last_error = NULL, lease_owner = NULL, lease_until = "
                      "NULL WHERE key = $3",
                      (sql_param[]){SQL_INT(now), SQL_INT(status), SQL_TEXT(d->key)}, 3, NULL,
                      NULL, NULL, err);
        if (rc == 0)
            rc = sql_exec(c,
                          "UPDATE watches SET webhook_failing_since = NULL, webhook_last_error = "
                          "NULL WHERE id = $1",
                          (sql_param[]){SQL_TEXT(d->watch_id)}, 1, NULL, NULL, NULL, err);
    } else if (rc == 0) {
        /* Exponential backoff: base, 2 base, 4 base, ... up to the cap. */
        int64_t wait = policy->base_s ? policy->base_s : 1;
        for (int64_t a = 1; a < d->attempts && wait < policy->cap_s; a++)
            wait *= 2;
        if (wait > policy->cap_s)
            wait = policy->cap_s;
        rc = sql_exec(c,
                      "UPDATE deliveries SET next_at = $1, lease_owner = NULL, lease_until = "
                      "NULL, last_status = $2, last_error = $3 WHERE key = $4 AND state = "
                      "'pending' AND lease_owner = $5",
                      (sql_param[]){SQL_INT(after_s(wait)), status ? SQL_INT(status) : SQL_NULL_P,
                                    SQL_TEXT(error ? error : "failed"), SQL_TEXT(d->key),
                                    SQL_TEXT(owner)},
                      5, NULL, NULL, NULL, err);
        int64_t since = 0;
        if (rc == 0)
            rc = sql_exec(c,
                          "UPDATE watches SET webhook_failing_since = "
                          "coalesce(webhook_failing_since, $1), webhook_last_error = $2 "
                          "WHERE id = $3 RETURNING webhook_failing_since",
                          (sql_param[]){SQL_INT(now), SQL_TEXT(error ? error : "failed"),
                                        SQL_TEXT(d->watch_id)},
                          3, sql_first_int, &since, NULL, err);
        if (rc == 0 && since && now - since >= (int64_t)policy->disable_after_s) {
            int64_t changed = 0;
            rc = sql_exec(c,
                          "UPDATE watches SET webhook_disabled_at = $1 WHERE id = $2 AND "
                          "webhook_disabled_at IS NULL",
                          (sql_param[]){SQL_INT(now), SQL_TEXT(d->watch_id)}, 2, NULL, NULL,
                          &changed, err);
            if (rc == 0)
                rc = sql_exec(c,
                              "UPDATE deliveries SET state = 'dropped', lease_owner = NULL, "
                              "lease_until = NULL WHERE watch_id = $1 AND state = 'pending'",
                              (sql_param[]){SQL_TEXT(d->watch_id)}, 1, NULL, NULL, NULL, err);
            *disabled = changed > 0;
        }
    }
    rc = sql_finish(c, rc, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}
