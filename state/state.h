/* state.h - the server's persistent state: audit reports kept for their
 * stable addresses, watch lists, what each watch has been told (events),
 * and the webhook delivery queue.  One schema (the files of state/migrations/) on
 * SQLite (`--state DIR`) or PostgreSQL (`--state postgresql://...`), through
 * sql.h.
 *
 * A state_store is one database connection with a lock: every call below
 * takes the lock for its duration, so one store may be shared by threads,
 * and a thread that must not wait for another's long transaction opens its
 * own store.  Calls return 0 (or a count / found flag where stated) or a
 * negative sql_err with a message in `err`; SQL_EDOWN means the state is
 * unavailable (full disk, read-only directory, database gone), which pages
 * report as 503 while the rest of the site keeps serving.
 *
 * Times are Unix seconds.  Tokens and keys are lowercase hex.
 */
#ifndef CSEC_STATE_STATE_H
#define CSEC_STATE_STATE_H

#include "cratesec.h"
#include "sql.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct state_store {
    pthread_mutex_t mu;
    sql_conn *sql;
} state_store;

/* Lengths of the identifiers (hex digits). */
#define STATE_TOKEN_HEX 32  /* a list token: 128 random bits */
#define STATE_WATCH_HEX 16  /* a watch id: 64 random bits, unique among all watches */
#define STATE_SECRET_HEX 64 /* a webhook secret: 256 random bits */
#define STATE_KEY_HEX 32    /* an idempotency key: 128 bits of SHA-256 */
/* A report id: 64 hex digits, and with a Cargo.toml "-" and 16 more. */
#define STATE_REPORT_ID_MAX 81

/* Opens `spec` (sql_open) and brings the schema up to date: the migrations
 * compiled in from state/migrations/ that the database has not seen are
 * applied in order, each in its own transaction, under a lock, so replicas
 * starting together apply each one once.  A database whose schema is newer
 * than this program's is refused. */
int state_open(state_store **out, const char *spec, csec_buf *err);
void state_close(state_store *st);
const char *state_describe(const state_store *st);
/* Housekeeping at a quiet moment (sql_maintain). */
int state_maintain(state_store *st, csec_buf *err);
/* The schema version (the number of the last migration applied) and the
 * number this program knows. */
int state_schema_version(state_store *st, int *applied, int *known, csec_buf *err);

/* ---- reports ---- */

/* Keeps a lockfile (and its Cargo.toml, may be NULL) under report id `id`;
 * storing the same id again only marks it viewed.  Reports beyond
 * `max_bytes` in all are dropped, least recently viewed first. */
int state_report_put(state_store *st, const char *id, const char *lockfile,
                     const char *manifest, int64_t max_bytes, csec_buf *err);
/* Fetches a report into `lockfile` and `manifest` (cleared first; manifest
 * left empty when none, `*has_manifest` says which).  Returns 1, 0 when
 * unknown, or a negative sql_err. */
int state_report_get(state_store *st, const char *id, csec_buf *lockfile, csec_buf *manifest,
                     bool *has_manifest, csec_buf *err);

/* ---- advisory data, as the watch layer sees the site's ---- */

typedef struct state_data {
    const csec_db *db;
    const char *commit;  /* 40 hex, or "" when the database is not a git checkout (never NULL) */
    int64_t commit_time; /* 0 when unknown */
    const void *holder;  /* the lender's own handle (state_data_source) */
} state_data;

/* How a caller lends the current data to a call that must choose it inside
 * its transaction (state_watch_create): `acquire` fills `out` and holds it
 * until `release`. */
typedef struct state_data_source {
    void (*acquire)(void *payload, state_data *out);
    void (*release)(void *payload, state_data *d);
    void *payload;
} state_data_source;

/* ---- watch lists ---- */

typedef struct state_pkg {
    const char *name;
    const char *version;
} state_pkg;

typedef struct state_watch_new {
    const char *token;       /* an existing list's token, or NULL for a new list */
    const char *label;       /* shown on the list page and in notifications */
    const char *report_id;   /* the report it was made from */
    const state_pkg *pkgs;   /* crates.io packages (duplicates are merged) */
    size_t npkgs;
    const char *webhook_url; /* NULL: feed only (checked by the caller) */
} state_watch_new;

typedef struct state_watch_made {
    char token[STATE_TOKEN_HEX + 1];   /* the list's (new or given) */
    char watch_id[STATE_WATCH_HEX + 1];
    char secret[STATE_SECRET_HEX + 1]; /* "" without a webhook */
    bool new_list;
    size_t affected; /* advisories affecting it now (its baseline) */
} state_watch_made;

/* Makes a watch: stores the package set, and as its first state the
 * advisories that affect it in the data `src` lends (taken inside the
 * transaction, so that an evaluation cannot slip between the two).
 * Returns 1, 0 when `w->token` names no list, or a negative sql_err. */
int state_watch_create(state_store *st, const state_watch_new *w, const state_data_source *src,
                       state_watch_made *out, csec_buf *err);

typedef struct state_watch_info {
    char id[STATE_WATCH_HEX + 1];
    char *label;
    char report_id[STATE_REPORT_ID_MAX + 1];
    int64_t packages;
    int64_t created;
    char *webhook_url;           /* NULL: none */
    int64_t webhook_failing_since; /* 0: not failing */
    char *webhook_last_error;    /* NULL: none */
    int64_t webhook_disabled_at; /* 0: enabled */
    int64_t pending, delivered;  /* deliveries */
    int64_t next_attempt;        /* earliest pending delivery's next try, 0: none */
    int64_t affecting;           /* advisories affecting it now */
} state_watch_info;

typedef struct state_event {
    char key[STATE_KEY_HEX + 1];
    char watch_id[STATE_WATCH_HEX + 1];
    char *advisory_id;
    char *kind; /* "affected" or "cleared" */
    int64_t created;
    char *versions;  /* the watch's versions concerned, ", "-separated */
    char *advisory;  /* the advisory as evaluated (a JSON object, evaluate.c) */
    char *delivery;  /* "pending", "delivered", "dropped", or NULL (no webhook) */
} state_event;

typedef struct state_list {
    int64_t created;
    state_watch_info *watches;
    size_t nwatches;
    state_event *events; /* newest first, baselines excluded unless asked */
    size_t nevents;
} state_list;

/* The list of `token`: its watches and up to `max_events` events (with
 * `baselines`, the first states too).  Returns 1, 0 when no such list, or
 * a negative sql_err. */
int state_list_get(state_store *st, const char *token, size_t max_events, bool baselines,
                   state_list *out, csec_buf *err);
void state_list_free(state_list *l);
/* Deletes one watch of the list (`watch_id`), or with NULL the whole list,
 * with its events and queued deliveries.  Returns the number of watches
 * deleted (0: no such list or watch) or a negative sql_err. */
int state_watch_delete(state_store *st, const char *token, const char *watch_id, csec_buf *err);
/* Sets (or with NULL removes) a watch's webhook; a new URL gets a new secret
 * (in `secret`) and re-enables a disabled webhook.  Pending deliveries of a
 * removed webhook are dropped.  Returns 1, 0 when no such watch, or a
 * negative sql_err. */
int state_watch_set_webhook(state_store *st, const char *token, const char *watch_id,
                            const char *url, char secret[STATE_SECRET_HEX + 1], csec_buf *err);

/* ---- evaluation after a sync (evaluate.c) ---- */

typedef struct state_eval_stats {
    size_t changed;      /* advisories whose fingerprint changed (new, changed, removed) */
    size_t evaluated;    /* of those, evaluated here (another replica may take some) */
    size_t held;         /* of those, not applied: their package had a load problem */
    size_t rows;         /* (watch, version) rows read from the package index */
    size_t events;       /* events written */
    size_t deliveries;   /* deliveries queued */
    size_t caught_up;    /* watches evaluated whole (catch_up) */
    bool seeded;         /* first run: the advisory state was recorded, nothing announced */
    bool stale;          /* the data is older than what was last evaluated: skipped */
    double ms;
} state_eval_stats;

/* Brings the watches up to the data `d`: every advisory whose fingerprint
 * differs from the recorded one has its package(s) checked against the
 * watches that hold them (watch_packages), events are written where the
 * verdict changed and deliveries queued for watches with a webhook; then
 * watches made from other data are evaluated whole.  A change whose
 * package (before or now) has a load problem (csec_db_package_error) is
 * held: not applied, tried again with the next data.  Safe to run from
 * several replicas at once: each advisory change is taken by one (a
 * compare-and-swap on advisory_state in the same transaction). */
int state_evaluate(state_store *st, const state_data *d, state_eval_stats *stats, csec_buf *err);

/* ---- the delivery queue (queue.c) ---- */

typedef struct state_delivery {
    char key[STATE_KEY_HEX + 1];
    char watch_id[STATE_WATCH_HEX + 1];
    char *url;
    char *secret;
    char *kind;  /* the event's kind, for the X-Cratesec-Event header */
    char *body;  /* the JSON body (the same bytes on every attempt) */
    int64_t attempts; /* including this one */
} state_delivery;

typedef struct state_retry_policy {
    unsigned base_s;         /* the first retry waits this long, then doubling */
    unsigned cap_s;          /* never longer than this between attempts */
    unsigned disable_after_s; /* a webhook failing this long (since its last success) is disabled */
} state_retry_policy;

#define STATE_RETRY_POLICY_INIT {30, 6 * 3600, 7 * 86400}

/* Claims up to `max` due deliveries for `owner` (a replica's name) until
 * now + `lease_s`: claimed rows are not claimed again by anyone until the
 * lease expires.  The attempt is counted and committed before anything is
 * sent, so a crash leaves a row that is retried (with the same key) after
 * the lease.  Returns the number claimed (0..max) into `out`. */
int state_claim(state_store *st, const char *owner, unsigned lease_s, size_t max,
                state_delivery *out, csec_buf *err);
void state_delivery_free(state_delivery *d);
/* Records an attempt's outcome: `ok` (a 2xx answer) marks it delivered and
 * the webhook healthy; otherwise the next attempt is scheduled by `policy`
 * and, when the webhook has been failing for policy->disable_after_s, the
 * webhook is disabled and its pending deliveries dropped.  `status` is the
 * HTTP status (0: none), `error` a message (NULL when ok).  Sets
 * `*disabled` when this outcome disabled the webhook. */
int state_delivery_done(state_store *st, const state_delivery *d, const char *owner, bool ok,
                        int status, const char *error, const state_retry_policy *policy,
                        bool *disabled, csec_buf *err);

/* Counts for /healthz and /metrics. */
typedef struct state_counts {
    int64_t lists, watches, packages, events, pending, delivered, dropped, reports;
    char evaluated_commit[41];
} state_counts;
int state_counts_get(state_store *st, state_counts *out, csec_buf *err);

/* ---- backup (export.c) ---- */

/* Writes every table as one JSON document ("cratesec-state" format 1):
 * lists, watches with their packages, events, deliveries, advisory
 * state, reports.  Tokens are not in it (only their digests are stored). */
int state_export(state_store *st, FILE *out, csec_buf *err);
/* Loads an export into this store in one transaction; rows whose key exists
 * are left as they are.  Returns the number of watches imported. */
int state_import(state_store *st, const char *text, size_t len, csec_buf *err);

/* ---- helpers shared by the files of state/ ---- */

/* The list id (SHA-256 hex) of a token; false when the token is malformed. */
bool state__list_id(char out[65], const char *token);
/* The idempotency key of the seq-th event of `kind` for (watch, advisory). */
void state__event_key(char out[STATE_KEY_HEX + 1], const char *watch_id, const char *advisory_id,
                      const char *kind, int64_t seq);
/* BEGIN that also serialises against other writers of watches and
 * evaluations on every replica (PostgreSQL: a transaction-level advisory
 * lock; SQLite: BEGIN IMMEDIATE is that already). */
int state__begin_exclusive(state_store *st, csec_buf *err);
/* Evaluates one watch against every advisory of its packages (evaluate.c),
 * inside the caller's transaction; `baseline` for a watch being made. */
int state__evaluate_watch(state_store *st, const state_data *d, const char *watch_id,
                          bool baseline, size_t *events, size_t *deliveries, csec_buf *err);

#endif
