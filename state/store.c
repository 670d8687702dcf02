/* store.c - opening the state and bringing its schema up to date; reports,
 * watch lists and their pages' reads (state.h). */
#include "state.h"

#include "crypto.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Generated from state/migrations/ (tools/embed_migrations.sh). */
typedef struct state_migration {
    int version;
    const char *name;
    const char *sql;
} state_migration;
extern const state_migration state_migrations[];
extern const unsigned long state_migrations_count;

/* The key of PostgreSQL's advisory lock that serialises migrations, watch
 * creation and evaluation across replicas ("crat"). */
#define PG_LOCK_KEY "1668440436"

int state__begin_exclusive(state_store *st, csec_buf *err)
{
    int rc = sql_begin(st->sql, err);
    if (rc == 0 && sql_kind_of(st->sql) == SQL_POSTGRES) {
        rc = sql_exec(st->sql, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", NULL, 0, NULL,
                      NULL, NULL, err);
        if (rc < 0)
            sql_rollback(st->sql);
    }
    return rc;
}

static int migrate(state_store *st, csec_buf *err)
{
    sql_conn *c = st->sql;
    int rc = state__begin_exclusive(st, err);
    if (rc < 0)
        return rc;
    rc = sql_exec(c,
                  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "name TEXT NOT NULL, applied BIGINT NOT NULL)",
                  NULL, 0, NULL, NULL, NULL, err);
    if ((rc = sql_finish(c, rc, err)) < 0)
        return rc;
    for (size_t i = 0; i < state_migrations_count; i++) {
        const state_migration *m = &state_migrations[i];
        if ((rc = state__begin_exclusive(st, err)) < 0)
            return rc;
        int64_t have = 0;
        rc = sql_exec(c, "SELECT count(*) FROM schema_migrations WHERE version = $1",
                      (sql_param[]){SQL_INT(m->version)}, 1, sql_first_int, &have, NULL, err);
        if (rc == 0 && !have) {
            rc = sql_exec_script(c, m->sql, err);
            if (rc < 0) {
                csec_buf_printf(err, " (in migration %s)", m->name);
            } else {
                rc = sql_exec(c,
                              "INSERT INTO schema_migrations (version, name, applied) VALUES "
                              "($1, $2, $3)",
                              (sql_param[]){SQL_INT(m->version), SQL_TEXT(m->name),
                                            SQL_INT(time(NULL))},
                              3, NULL, NULL, NULL, err);
            }
        }
        if ((rc = sql_finish(c, rc, err)) < 0)
            return rc;
    }
    int applied = 0, known = 0;
    rc = state_schema_version(st, &applied, &known, err);
    if (rc == 0 && applied > known) {
        csec_buf_printf(err,
                        "%s has schema version %d; this cratesec knows versions up to %d "
                        "(run a newer cratesec, or restore an export into an empty state)",
                        sql_describe(c), applied, known);
        return SQL_ERROR;
    }
    return rc;
}

int state_open(state_store **out, const char *spec, csec_buf *err)
{
    *out = NULL;
    sql_conn *c = NULL;
    int rc = sql_open(&c, spec, err);
    if (rc < 0)
        return rc;
    state_store *st = csec__xcalloc(1, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    st->sql = c;
    if ((rc = migrate(st, err)) < 0) {
        state_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void state_close(state_store *st)
{
    if (!st)
        return;
    sql_close(st->sql);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

const char *state_describe(const state_store *st)
{
    return sql_describe(st->sql);
}

int state_maintain(state_store *st, csec_buf *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = sql_maintain(st->sql, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int state_schema_version(state_store *st, int *applied, int *known, csec_buf *err)
{
    int64_t v = 0;
    pthread_mutex_lock(&st->mu);
    int rc = sql_exec(st->sql, "SELECT max(version) FROM schema_migrations", NULL, 0, sql_first_int,
                      &v, NULL, err);
    pthread_mutex_unlock(&st->mu);
    /* Clamped, not cut: a damaged row of 2^32 + 1 must still read as newer
     * than any schema this build knows. */
    *applied = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
    *known = state_migrations_count ? state_migrations[state_migrations_count - 1].version : 0;
    return rc;
}

/* ---- identifiers ---- */

bool state__list_id(char out[65], const char *token)
{
    out[0] = '\0';
    if (!state_is_hex(token, STATE_TOKEN_HEX))
        return false;
    state_sha256_hex(out, token, STATE_TOKEN_HEX);
    return true;
}

void state__event_key(char out[STATE_KEY_HEX + 1], const char *watch_id, const char *advisory_id,
                      const char *kind, int64_t seq)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_printf(&b, "cratesec-event\n%s\n%s\n%s\n%lld", watch_id, advisory_id, kind,
                    (long long)seq);
    char hex[65];
    state_sha256_hex(hex, b.ptr, b.len);
    memcpy(out, hex, STATE_KEY_HEX);
    out[STATE_KEY_HEX] = '\0';
    csec_buf_free(&b);
}

/* ---- reports ---- */

int state_report_put(state_store *st, const char *id, const char *lockfile,
                     const char *manifest, int64_t max_bytes, csec_buf *err)
{
    int64_t now = time(NULL);
    int64_t bytes = (int64_t)strlen(lockfile) + (manifest ? (int64_t)strlen(manifest) : 0);
    sql_conn *c = st->sql;
    pthread_mutex_lock(&st->mu);
    int rc = sql_begin(c, err);
    if (rc == 0)
        rc = sql_exec(c,
                      "INSERT INTO reports (id, lockfile, manifest, bytes, created, viewed) "
                      "VALUES ($1, $2, $3, $4, $5, $5) "
                      "ON CONFLICT (id) DO UPDATE SET viewed = excluded.viewed",
                      (sql_param[]){SQL_TEXT(id), SQL_TEXT(lockfile), SQL_TEXT(manifest),
                                    SQL_INT(bytes), SQL_INT(now)},
                      5, NULL, NULL, NULL, err);
    /* Least recently viewed first, never the one just stored. */
    int64_t total = 0;
    for (int round = 0; rc == 0 && round < 1000; round++) {
        rc = sql_exec(c, "SELECT coalesce(sum(bytes), 0) FROM reports", NULL, 0, sql_first_int,
                      &total, NULL, err);
        if (rc < 0 || total <= max_bytes)
            break;
        int64_t gone = 0;
        rc = sql_exec(c,
                      "DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE id <> $1 "
                      "ORDER BY viewed LIMIT 16)",
                      (sql_param[]){SQL_TEXT(id)}, 1, NULL, NULL, &gone, err);
        if (gone == 0)
            break;
    }
    rc = sql_finish(c, rc, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

typedef struct report_row {
    csec_buf *lockfile, *manifest;
    bool *has_manifest;
    bool found;
    int64_t viewed;
} report_row;

static int take_report(void *payload, const char *const *cells, size_t ncols)
{
    report_row *r = payload;
    r->found = true;
    csec_buf_puts(r->lockfile, cells[0] ? cells[0] : "");
    *r->has_manifest = cells[1] != NULL;
    csec_buf_puts(r->manifest, cells[1] ? cells[1] : "");
    r->viewed = cells[2] ? strtoll(cells[2], NULL, 10) : 0;
    return 1;
}

int state_report_get(state_store *st, const char *id, csec_buf *lockfile, csec_buf *manifest,
                     bool *has_manifest, csec_buf *err)
{
    csec_buf_clear(lockfile);
    csec_buf_clear(manifest);
    *has_manifest = false;
    report_row r = {lockfile, manifest, has_manifest, false, 0};
    int64_t now = time(NULL);
    pthread_mutex_lock(&st->mu);
    int rc = sql_exec(st->sql, "SELECT lockfile, manifest, viewed FROM reports WHERE id = $1",
                      (sql_param[]){SQL_TEXT(id)}, 1, take_report, &r, NULL, err);
    /* Marked viewed at most daily; a state that cannot be written (full
     * disk) still shows the report. */
    if (rc == 0 && r.found && r.viewed < now - 86400) {
        csec_buf ignored = CSEC_BUF_INIT;
        sql_exec(st->sql, "UPDATE reports SET viewed = $1 WHERE id = $2",
                 (sql_param[]){SQL_INT(now), SQL_TEXT(id)}, 2, NULL, NULL, NULL, &ignored);
        csec_buf_free(&ignored);
    }
    pthread_mutex_unlock(&st->mu);
    if (rc < 0)
        return rc;
    return r.found ? 1 : 0;
}

/* ---- watch lists ---- */

static int cmp_pkg(const void *x, const void *y)
{
    const state_pkg *a = x, *b = y;
    int r = strcmp(a->name, b->name);
    return r ? r : strcmp(a->version, b->version);
}

int state_watch_create(state_store *st, const state_watch_new *w, const state_data_source *src,
                       state_watch_made *out, csec_buf *err)
{
    memset(out, 0, sizeof *out);
    sql_conn *c = st->sql;
    char list_id[65];
    int64_t now = time(NULL);
    if (w->token) {
        if (!state__list_id(list_id, w->token))
            return 0;
        snprintf(out->token, sizeof out->token, "%s", w->token);
    } else {
        state_random_hex(out->token, STATE_TOKEN_HEX / 2);
        state__list_id(list_id, out->token);
        out->new_list = true;
    }
    state_random_hex(out->watch_id, STATE_WATCH_HEX / 2);
    if (w->webhook_url)
        state_random_hex(out->secret, STATE_SECRET_HEX / 2);
    /* The package set, sorted and without repeats. */
    state_pkg *pk = csec__xcalloc(w->npkgs + 1, sizeof *pk);
    if (w->npkgs) {
        memcpy(pk, w->pkgs, w->npkgs * sizeof *pk);
        qsort(pk, w->npkgs, sizeof *pk, cmp_pkg);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->npkgs; i++)
        if (!n || cmp_pkg(&pk[n - 1], &pk[i]) != 0)
            pk[n++] = pk[i];
    sql_param *rows = csec__xcalloc(3 * n + 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        rows[3 * i] = SQL_TEXT(pk[i].name);
        rows[3 * i + 1] = SQL_TEXT(out->watch_id);
        rows[3 * i + 2] = SQL_TEXT(pk[i].version);
    }

    pthread_mutex_lock(&st->mu);
    int rc = state__begin_exclusive(st, err);
    int found = 1;
    if (rc == 0 && w->token) {
        int64_t have = 0;
        rc = sql_exec(c, "SELECT count(*) FROM lists WHERE id = $1",
                      (sql_param[]){SQL_TEXT(list_id)}, 1, sql_first_int, &have, NULL, err);
        found = have > 0;
    } else if (rc == 0) {
        rc = sql_exec(c, "INSERT INTO lists (id, created) VALUES ($1, $2)",
                      (sql_param[]){SQL_TEXT(list_id), SQL_INT(now)}, 2, NULL, NULL, NULL, err);
    }
    if (rc == 0 && found) {
        csec_buf evaluated = CSEC_BUF_INIT;
        rc = sql_exec(c, "SELECT value FROM meta WHERE key = 'evaluated_commit'", NULL, 0,
                      sql_first_cell, &evaluated, NULL, err);
        state_data d = {NULL, "", 0, NULL};
        src->acquire(src->payload, &d);
        /* Made from data other than what the watches were last evaluated
         * against (another replica is ahead or behind, or nothing was
         * evaluated yet): evaluated whole once a replica has that data. */
        bool catch_up = !evaluated.ptr || strcmp(evaluated.ptr, d.commit) != 0;
        csec_buf_free(&evaluated);
        if (rc == 0)
            rc = sql_exec(c,
                          "INSERT INTO watches (id, list_id, label, report_id, packages, "
                          "db_commit, catch_up, created, webhook_url, webhook_secret) VALUES "
                          "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                          (sql_param[]){SQL_TEXT(out->watch_id), SQL_TEXT(list_id),
                                        SQL_TEXT(w->label), SQL_TEXT(w->report_id), SQL_INT(n),
                                        SQL_TEXT(d.commit), SQL_INT(catch_up), SQL_INT(now),
                                        SQL_TEXT(w->webhook_url),
                                        SQL_TEXT(w->webhook_url ? out->secret : NULL)},
                          10, NULL, NULL, NULL, err);
        if (rc == 0)
            rc = sql_insert_rows(c, "INSERT INTO watch_packages (name, watch_id, version)",
                                 " ON CONFLICT DO NOTHING", 3, rows, n, NULL, err);
        size_t events = 0, deliveries = 0;
        if (rc == 0)
            rc = state__evaluate_watch(st, &d, out->watch_id, true, &events, &deliveries, err);
        out->affected = events;
        src->release(src->payload, &d);
    }
    if (found)
        rc = sql_finish(c, rc, err);
    else
        sql_rollback(c);
    pthread_mutex_unlock(&st->mu);
    free(rows);
    free(pk);
    if (rc < 0)
        return rc;
    return found;
}

/* ---- reading a list ---- */

static int64_t num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static int take_watch(void *payload, const char *const *c, size_t ncols)
{
    state_list *l = payload;
    l->watches = csec__xrealloc(l->watches, (l->nwatches + 1) * sizeof *l->watches);
    state_watch_info *w = &l->watches[l->nwatches++];
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", c[0] ? c[0] : "");
    w->label = csec__xstrdup(c[1] ? c[1] : "");
    snprintf(w->report_id, sizeof w->report_id, "%s", c[2] ? c[2] : "");
    w->packages = num(c[3]);
    w->created = num(c[4]);
    w->webhook_url = csec__xstrdup(c[5]);
    w->webhook_failing_since = num(c[6]);
    w->webhook_last_error = csec__xstrdup(c[7]);
    w->webhook_disabled_at = num(c[8]);
    w->pending = num(c[9]);
    w->delivered = num(c[10]);
    w->next_attempt = num(c[11]);
    return 0;
}

static int take_event(void *payload, const char *const *c, size_t ncols)
{
    state_list *l = payload;
    l->events = csec__xrealloc(l->events, (l->nevents + 1) * sizeof *l->events);
    state_event *e = &l->events[l->nevents++];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", c[0] ? c[0] : "");
    snprintf(e->watch_id, sizeof e->watch_id, "%s", c[1] ? c[1] : "");
    e->advisory_id = csec__xstrdup(c[2] ? c[2] : "");
    e->kind = csec__xstrdup(c[3] ? c[3] : "");
    e->created = num(c[4]);
    e->versions = csec__xstrdup(c[5] ? c[5] : "");
    e->advisory = csec__xstrdup(c[6] ? c[6] : "{}");
    e->delivery = csec__xstrdup(c[7]);
    return 0;
}

static int take_affecting(void *payload, const char *const *c, size_t ncols)
{
    state_list *l = payload;
    for (size_t i = 0; i < l->nwatches; i++)
        if (c[0] && strcmp(l->watches[i].id, c[0]) == 0)
            l->watches[i].affecting = num(c[1]);
    return 0;
}

int state_list_get(state_store *st, const char *token, size_t max_events, bool baselines,
                   state_list *out, csec_buf *err)
{
    memset(out, 0, sizeof *out);
    char list_id[65];
    if (!state__list_id(list_id, token))
        return 0;
    sql_conn *c = st->sql;
    pthread_mutex_lock(&st->mu);
    int64_t created = -1;
    int rc = sql_exec(c, "SELECT created FROM lists WHERE id = $1",
                      (sql_param[]){SQL_TEXT(list_id)}, 1, sql_first_int, &created, NULL, err);
    if (rc == 0 && created >= 0) {
        out->created = created;
        rc = sql_exec(
            c,
            "SELECT w.id, w.label, w.report_id, w.packages, w.created, w.webhook_url, "
            "w.webhook_failing_since, w.webhook_last_error, w.webhook_disabled_at, "
            "(SELECT count(*) FROM deliveries d WHERE d.watch_id = w.id AND d.state = 'pending'), "
            "(SELECT count(*) FROM deliveries d WHERE d.watch_id = w.id AND d.state = "
            "'delivered'), "
            "(SELECT min(next_at) FROM deliveries d WHERE d.watch_id = w.id AND d.state = "
            "'pending') "
            "FROM watches w WHERE w.list_id = $1 ORDER BY w.created, w.id",
            (sql_param[]){SQL_TEXT(list_id)}, 1, take_watch, out, NULL, err);
        /* Advisories affecting each watch now: pairs whose last event is
         * "affected". */
        if (rc == 0)
            rc = sql_exec(c,
                          "SELECT e.watch_id, count(*) FROM events e JOIN watches w ON w.id = "
                          "e.watch_id WHERE w.list_id = $1 AND e.kind = 'affected' AND NOT "
                          "EXISTS (SELECT 1 FROM events f WHERE f.watch_id = e.watch_id AND "
                          "f.advisory_id = e.advisory_id AND f.seq > e.seq) GROUP BY e.watch_id",
                          (sql_param[]){SQL_TEXT(list_id)}, 1, take_affecting, out, NULL, err);
        if (rc == 0 && max_events)
            rc = sql_exec(c,
                          "SELECT e.key, e.watch_id, e.advisory_id, e.kind, e.created, "
                          "e.versions, s.json, d.state "
                          "FROM events e JOIN watches w ON w.id = e.watch_id "
                          "LEFT JOIN advisory_snapshots s ON s.advisory_id = e.advisory_id AND "
                          "s.fingerprint = e.fingerprint "
                          "LEFT JOIN deliveries d ON d.key = e.key "
                          "WHERE w.list_id = $1 AND (e.baseline = 0 OR $2 = 1) "
                          "ORDER BY e.created DESC, e.advisory_id DESC, e.seq DESC LIMIT $3",
                          (sql_param[]){SQL_TEXT(list_id), SQL_INT(baselines ? 1 : 0),
                                        SQL_INT((int64_t)max_events)},
                          3, take_event, out, NULL, err);
    }
    pthread_mutex_unlock(&st->mu);
    if (rc < 0) {
        state_list_free(out);
        return rc;
    }
    return created >= 0 ? 1 : 0;
}

void state_list_free(state_list *l)
{
    for (size_t i = 0; i < l->nwatches; i++) {
        free(l->watches[i].label);
        free(l->watches[i].webhook_url);
        free(l->watches[i].webhook_last_error);
    }
    for (size_t i = 0; i < l->nevents; i++) {
        state_event *e = &l->events[i];
        free(e->advisory_id);
        free(e->kind);
        free(e->versions);
        free(e->advisory);
        free(e->delivery);
    }
    free(l->watches);
    free(l->events);
    memset(l, 0, sizeof *l);
}

typedef struct id_list {
    char (*ids)[STATE_WATCH_HEX + 1];
    size_t n;
} id_list;

static int take_id(void *payload, const char *const *c, size_t ncols)
{
    id_list *l = payload;
    l->ids = csec__xrealloc(l->ids, (l->n + 1) * sizeof *l->ids);
    snprintf(l->ids[l->n++], STATE_WATCH_HEX + 1, "%s", c[0] ? c[0] : "");
    return 0;
}

int state_watch_delete(state_store *st, const char *token, const char *watch_id, csec_buf *err)
{
    char list_id[65];
    if (!state__list_id(list_id, token))
        return 0;
    sql_conn *c = st->sql;
    id_list ids = {NULL, 0};
    pthread_mutex_lock(&st->mu);
    int rc = state__begin_exclusive(st, err);
    if (rc == 0)
        rc = sql_exec(c, "SELECT id FROM watches WHERE list_id = $1 AND ($2 = '' OR id = $2)",
                      (sql_param[]){SQL_TEXT(list_id), SQL_TEXT(watch_id ? watch_id : "")}, 2,
                      take_id, &ids, NULL, err);
    static const char *const deletes[] = {
        "DELETE FROM deliveries WHERE watch_id = $1",
        "DELETE FROM events WHERE watch_id = $1",
        "DELETE FROM watch_packages WHERE watch_id = $1",
        "DELETE FROM watches WHERE id = $1",
    };
    for (size_t i = 0; rc == 0 && i < ids.n; i++)
        for (size_t k = 0; rc == 0 && k < sizeof deletes / sizeof *deletes; k++)
            rc = sql_exec(c, deletes[k], (sql_param[]){SQL_TEXT(ids.ids[i])}, 1, NULL, NULL,
                          NULL, err);
    if (rc == 0 && !watch_id)
        rc = sql_exec(c, "DELETE FROM lists WHERE id = $1", (sql_param[]){SQL_TEXT(list_id)}, 1,
                      NULL, NULL, NULL, err);
    rc = sql_finish(c, rc, err);
    pthread_mutex_unlock(&st->mu);
    size_t n = ids.n;
    free(ids.ids);
    return rc < 0 ? rc : (int)n;
}

int state_watch_set_webhook(state_store *st, const char *token, const char *watch_id,
                            const char *url, char secret[STATE_SECRET_HEX + 1], csec_buf *err)
{
    secret[0] = '\0';
    char list_id[65];
    if (!state__list_id(list_id, token))
        return 0;
    if (url)
        state_random_hex(secret, STATE_SECRET_HEX / 2);
    sql_conn *c = st->sql;
    int64_t changed = 0;
    pthread_mutex_lock(&st->mu);
    int rc = sql_begin(c, err);
    if (rc == 0)
        rc = sql_exec(c,
                      "UPDATE watches SET webhook_url = $1, webhook_secret = $2, "
                      "webhook_failing_since = NULL, webhook_last_error = NULL, "
                      "webhook_disabled_at = NULL WHERE id = $3 AND list_id = $4",
                      (sql_param[]){SQL_TEXT(url), SQL_TEXT(url ? secret : NULL),
                                    SQL_TEXT(watch_id), SQL_TEXT(list_id)},
                      4, NULL, NULL, &changed, err);
    /* Deliveries queued for a URL no longer in use are not sent to the new
     * one (whose owner did not ask for them). */
    if (rc == 0 && changed)
        rc = sql_exec(c,
                      "UPDATE deliveries SET state = 'dropped', lease_owner = NULL, "
                      "lease_until = NULL WHERE watch_id = $1 AND state = 'pending'",
                      (sql_param[]){SQL_TEXT(watch_id)}, 1, NULL, NULL, NULL, err);
    rc = sql_finish(c, rc, err);
    pthread_mutex_unlock(&st->mu);
    if (rc < 0)
        return rc;
    if (!changed)
        secret[0] = '\0';
    return changed ? 1 : 0;
}

/* ---- counts ---- */

static int take_counts(void *payload, const char *const *c, size_t ncols)
{
    state_counts *o = payload;
    int64_t *f[] = {&o->lists,   &o->watches,   &o->packages, &o->events,
                    &o->pending, &o->delivered, &o->dropped,  &o->reports};
    for (size_t i = 0; i < ncols && i < sizeof f / sizeof *f; i++)
        *f[i] = num(c[i]);
    return 1;
}

int state_counts_get(state_store *st, state_counts *out, csec_buf *err)
{
    memset(out, 0, sizeof *out);
    csec_buf commit = CSEC_BUF_INIT;
    pthread_mutex_lock(&st->mu);
    int rc = sql_exec(st->sql,
                      "SELECT (SELECT count(*) FROM lists), (SELECT count(*) FROM watches), "
                      "(SELECT count(*) FROM watch_packages), (SELECT count(*) FROM events), "
                      "(SELECT count(*) FROM deliveries WHERE state = 'pending'), "
                      "(SELECT count(*) FROM deliveries WHERE state = 'delivered'), "
                      "(SELECT count(*) FROM deliveries WHERE state = 'dropped'), "
                      "(SELECT count(*) FROM reports)",
                      NULL, 0, take_counts, out, NULL, err);
    if (rc == 0)
        rc = sql_exec(st->sql, "SELECT value FROM meta WHERE key = 'evaluated_commit'", NULL, 0,
                      sql_first_cell, &commit, NULL, err);
    pthread_mutex_unlock(&st->mu);
    snprintf(out->evaluated_commit, sizeof out->evaluated_commit, "%s",
             commit.ptr ? commit.ptr : "");
    csec_buf_free(&commit);
    return rc;
}
