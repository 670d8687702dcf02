/* evaluate.c - what a sync means for the watches (state.h).
 *
 * The verdict is the audit's own: an advisory affects a watch when
 * csec_audit_classify (the rule csec_audit applies to each lockfile
 * package) reports it for one of the watch's versions of its package, with
 * the default options: vulnerabilities and the informational warnings.
 *
 * What is compared: advisory_state holds each advisory's fingerprint as the
 * watches were last evaluated against it.  After a sync only the advisories
 * whose fingerprint differs are looked at, and for each only the watches
 * holding its package (the watch_packages index); the last event of each
 * (watch, advisory) pair is its current state, and an event is written
 * where the verdict differs from it.  Comparing with the stored state rather
 * than with the previous data in memory makes this right after a restart
 * (the server was down during a sync), on a replica that was not the one to
 * sync first, and after a crash half-way (the rest is done next time).
 */
#include "state.h"

#include "crypto.h"
#include "json.h"
#include "util.h"
#include "wording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- fingerprints and snapshots ---- */

/* "YYYY-MM-DD", or nothing for no date. */
static void put_date(csec_buf *b, csec_date d)
{
    if (d.year)
        csec__word_date(b, d);
}

/* The fingerprint of what decides which versions an advisory affects and
 * how it is announced (32 hex digits). */
static void advisory_fingerprint(char out[33], const csec_advisory *a)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_printf(&b, "v1\n%s\n%s\n%d\n%s\n", a->id, a->package, (int)a->collection,
                    a->source ? a->source : "");
    put_date(&b, a->withdrawn);
    csec_buf_printf(&b, "\n%d\n", (int)a->informational);
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        if (iv->has_introduced)
            csec_version_write(&b, &iv->introduced);
        csec_buf_putc(&b, '-');
        if (iv->has_fixed)
            csec_version_write(&b, &iv->fixed);
        csec_buf_putc(&b, ';');
    }
    csec_buf_putc(&b, '\n');
    for (size_t i = 0; i < a->arch.count; i++)
        csec_buf_printf(&b, "%s,", a->arch.items[i]);
    csec_buf_putc(&b, '\n');
    for (size_t i = 0; i < a->os.count; i++)
        csec_buf_printf(&b, "%s,", a->os.items[i]);
    csec_buf_printf(&b, "\n%s\n", a->cvss ? a->cvss->canonical : "");
    char hex[65];
    state_sha256_hex(hex, b.ptr, b.len);
    memcpy(out, hex, 32);
    out[32] = '\0';
    csec_buf_free(&b);
}

/* The advisory as a JSON object (the `advisory` member of a notification). */
static void advisory_json(csec_buf *out, const csec_advisory *a)
{
    csec__json jw, *j = &jw;
    csec__json_init(j, out, false, 0);
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", a->id);
    csec__json_key_str(j, "package", a->package);
    csec__json_key_str(j, "title", a->title ? a->title : "");
    csec__json_key_str(j, "kind", csec__word_kind_type(a));
    csec__json_key(j, "date");
    csec_buf tmp = CSEC_BUF_INIT;
    put_date(&tmp, a->date);
    csec__json_str(j, tmp.ptr);
    csec__json_key(j, "withdrawn");
    csec_buf_clear(&tmp);
    put_date(&tmp, a->withdrawn);
    csec__json_str(j, a->withdrawn.year ? tmp.ptr : NULL);
    csec_buf_free(&tmp);
    csec__json_key_str(j, "cvss", a->cvss ? a->cvss->canonical : NULL);
    csec__json_key_str(j, "severity", a->cvss ? csec_severity_name(a->cvss->severity) : NULL);
    csec__json_key(j, "aliases");
    csec__json_strlist(j, a->aliases);
    csec__json_key(j, "patched");
    csec__json_reqs(j, a->patched, a->patched_count);
    csec__json_key(j, "unaffected");
    csec__json_reqs(j, a->unaffected, a->unaffected_count);
    csec__json_key(j, "url");
    csec_buf url = CSEC_BUF_INIT;
    csec_buf_printf(&url, "https://rustsec.org/advisories/%s.html", a->id);
    csec__json_str(j, url.ptr);
    csec_buf_free(&url);
    csec__json_object_end(j);
}

/* ---- rows read from the database ---- */

typedef struct row {
    const char *key;     /* watch id, or advisory id (by watch) */
    const char *version; /* (pkg rows) the version */
    const char *name;    /* (pkg rows by package) the package */
    const char *kind;    /* (event rows) last kind */
    int64_t seq;
    const char *versions;
    const char *fingerprint;
    bool hit;
} row;

typedef struct rows {
    csec_arena *arena;
    row *items;
    size_t n, cap;
    int mode; /* 0: (key, version) ; 1: (key, kind, seq, versions, fingerprint) */
} rows;

static const char *keep(csec_arena *a, const char *s)
{
    return s ? csec__arena_strndup(a, s, strlen(s)) : "";
}

static int take_row(void *payload, const char *const *c, size_t ncols)
{
    rows *r = payload;
    if (r->n == r->cap)
        r->items = csec__grow(r->items, &r->cap, 256, sizeof *r->items);
    row *w = &r->items[r->n++];
    memset(w, 0, sizeof *w);
    w->key = keep(r->arena, c[0]);
    if (r->mode == 0) {
        w->version = keep(r->arena, ncols > 1 ? c[1] : NULL);
        w->name = ncols > 2 ? keep(r->arena, c[2]) : "";
    } else {
        w->kind = keep(r->arena, c[1]);
        w->seq = c[2] ? strtoll(c[2], NULL, 10) : 0;
        w->versions = keep(r->arena, c[3]);
        w->fingerprint = keep(r->arena, c[4]);
    }
    return 0;
}

static int cmp_key(const void *x, const void *y)
{
    const row *a = x, *b = y;
    return strcmp(a->key, b->key);
}

static int cmp_version(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int r = strcmp(a->version, b->version);
    return r ? r : strcmp(a->name, b->name);
}

/* Keeps the last event (highest seq) of each key; `r` sorted by key then seq. */
static int cmp_key_seq(const void *x, const void *y)
{
    const row *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Keeps each key's last event.  Sorted here, by strcmp as the decisions
 * they are merged with are: a database's ORDER BY follows its collation
 * (PostgreSQL's en_US puts "GHSA-z" after "GHSAa"), which the merge must not
 * depend on. */
static void last_per_key(rows *r)
{
    if (r->n > 1)
        qsort(r->items, r->n, sizeof *r->items, cmp_key_seq);
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (k && strcmp(r->items[k - 1].key, r->items[i].key) == 0)
            r->items[k - 1] = r->items[i];
        else
            r->items[k++] = r->items[i];
    }
    r->n = k;
}

/* Whether `a` is reported for version text `v` (unparseable: not). */
static bool hits(const csec_advisory *a, const char *v)
{
    csec_version ver;
    if (!a || csec_version_parse(&ver, v, strlen(v), NULL) < 0)
        return false;
    return csec_audit_classify(a, &ver, NULL) != -2;
}

/* ---- writing events ---- */

typedef struct emit {
    const char *watch_id;
    const char *advisory_id;
    const char *kind;
    int64_t seq;
    const char *versions;
    const char *fingerprint;
} emit;

typedef struct emits {
    emit *items;
    size_t n, cap;
} emits;

static void add_emit(emits *e, emit x)
{
    if (e->n == e->cap)
        e->items = csec__grow(e->items, &e->cap, 64, sizeof *e->items);
    e->items[e->n++] = x;
}

typedef struct id_set {
    char **ids;
    size_t n, cap;
} id_set;

static int take_set(void *payload, const char *const *c, size_t ncols)
{
    id_set *s = payload;
    if (s->n == s->cap)
        s->ids = csec__grow(s->ids, &s->cap, 64, sizeof *s->ids);
    s->ids[s->n++] = csec__xstrdup(c[0] ? c[0] : "");
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The watches among `e` (sorted or not) that have a working webhook. */
static int webhook_watches(state_store *st, const emits *e, id_set *out, csec_buf *err)
{
    const size_t chunk = 400;
    csec_buf sql = CSEC_BUF_INIT;
    sql_param *p = csec__xcalloc(chunk, sizeof *p);
    int rc = 0;
    for (size_t i = 0; i < e->n && rc == 0; i += chunk) {
        size_t k = e->n - i < chunk ? e->n - i : chunk;
        csec_buf_clear(&sql);
        csec_buf_puts(&sql, "SELECT id FROM watches WHERE webhook_url IS NOT NULL AND "
                            "webhook_disabled_at IS NULL AND id IN (");
        for (size_t j = 0; j < k; j++) {
            csec_buf_printf(&sql, j ? ",$%zu" : "$%zu", j + 1);
            p[j] = SQL_TEXT(e->items[i + j].watch_id);
        }
        csec_buf_putc(&sql, ')');
        rc = sql_exec_dynamic(st->sql, sql.ptr, p, k, take_set, out, NULL, err);
    }
    free(p);
    csec_buf_free(&sql);
    if (out->n)
        qsort(out->ids, out->n, sizeof *out->ids, cmp_str);
    return rc;
}

static void id_set_free(id_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
}

static int cmp_emit_snapshot(const void *x, const void *y)
{
    const emit *a = *(const emit *const *)x, *b = *(const emit *const *)y;
    int r = strcmp(a->advisory_id, b->advisory_id);
    return r ? r : strcmp(a->fingerprint, b->fingerprint);
}

/* Writes the events of `e` (and the snapshots they name, and deliveries for
 * watches with a webhook unless `baseline`). */
static int write_events(state_store *st, const state_data *d, const emits *e, bool baseline,
                        size_t *events, size_t *deliveries, csec_buf *err)
{
    if (!e->n)
        return 0;
    int64_t now = time(NULL);
    sql_conn *c = st->sql;
    int rc = 0;
    /* Snapshots of the advisories named, once per (advisory, fingerprint). */
    const emit **order = csec__xcalloc(e->n, sizeof *order);
    for (size_t i = 0; i < e->n; i++)
        order[i] = &e->items[i];
    qsort(order, e->n, sizeof *order, cmp_emit_snapshot);
    csec_buf json = CSEC_BUF_INIT;
    for (size_t i = 0; i < e->n && rc == 0; i++) {
        if (i && cmp_emit_snapshot(&order[i - 1], &order[i]) == 0)
            continue;
        const csec_advisory *a = csec_db_find(d->db, order[i]->advisory_id);
        char fp[33] = "";
        if (a)
            advisory_fingerprint(fp, a);
        if (!a || strcmp(fp, order[i]->fingerprint) != 0)
            continue; /* an earlier snapshot, already stored */
        csec_buf_clear(&json);
        advisory_json(&json, a);
        rc = sql_exec(c,
                      "INSERT INTO advisory_snapshots (advisory_id, fingerprint, json) "
                      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      (sql_param[]){SQL_TEXT(a->id), SQL_TEXT(fp), SQL_TEXT(json.ptr)}, 3, NULL,
                      NULL, NULL, err);
    }
    csec_buf_free(&json);
    free(order);

    id_set hooks = {NULL, 0, 0};
    if (rc == 0 && !baseline)
        rc = webhook_watches(st, e, &hooks, err);
    char (*keys)[STATE_KEY_HEX + 1] = csec__xcalloc(e->n, sizeof *keys);
    sql_param *ev = csec__xcalloc(10 * e->n, sizeof *ev);
    sql_param *dl = csec__xcalloc(7 * e->n + 1, sizeof *dl);
    size_t ndl = 0;
    for (size_t i = 0; i < e->n; i++) {
        const emit *x = &e->items[i];
        state__event_key(keys[i], x->watch_id, x->advisory_id, x->kind, x->seq);
        sql_param *p = &ev[10 * i];
        p[0] = SQL_TEXT(keys[i]);
        p[1] = SQL_TEXT(x->watch_id);
        p[2] = SQL_TEXT(x->advisory_id);
        p[3] = SQL_INT(x->seq);
        p[4] = SQL_TEXT(x->kind);
        p[5] = SQL_INT(baseline ? 1 : 0);
        p[6] = SQL_INT(now);
        p[7] = SQL_TEXT(x->versions);
        p[8] = SQL_TEXT(x->fingerprint);
        p[9] = SQL_TEXT(d->commit);
        const char *w = x->watch_id;
        if (hooks.n && bsearch(&w, hooks.ids, hooks.n, sizeof *hooks.ids, cmp_str)) {
            sql_param *q = &dl[7 * ndl++];
            q[0] = SQL_TEXT(keys[i]);
            q[1] = SQL_TEXT(x->advisory_id);
            q[2] = SQL_TEXT(x->watch_id);
            q[3] = SQL_INT(x->seq);
            q[4] = SQL_TEXT("pending");
            q[5] = SQL_INT(0);
            q[6] = SQL_INT(now);
        }
    }
    int64_t written = 0, queued = 0;
    if (rc == 0)
        rc = sql_insert_rows(c,
                             "INSERT INTO events (key, watch_id, advisory_id, seq, kind, "
                             "baseline, created, versions, fingerprint, db_commit)",
                             " ON CONFLICT DO NOTHING", 10, ev, e->n, &written, err);
    if (rc == 0 && ndl)
        rc = sql_insert_rows(c,
                             "INSERT INTO deliveries (key, advisory_id, watch_id, seq, state, "
                             "attempts, next_at)",
                             " ON CONFLICT DO NOTHING", 7, dl, ndl, &queued, err);
    *events += (size_t)written;
    *deliveries += (size_t)queued;
    free(keys);
    free(ev);
    free(dl);
    id_set_free(&hooks);
    return rc;
}

/* Whether a verdict differs from the pair's last event (`last` NULL: none,
 * which is "not affected"). */
static bool changed(bool hit, const row *last)
{
    bool was = last && strcmp(last->kind, "affected") == 0;
    return hit != was;
}

/* The event for a verdict that changed: "affected" (seq after the last, or
 * 1) or "cleared".  `versions` and `fingerprint` are the current ones, or
 * NULL to repeat the last event's (the advisory or package is gone). */
static void decide(emits *out, const char *watch, const char *advisory, bool hit,
                   const row *last, const char *versions, const char *fingerprint)
{
    add_emit(out, (emit){watch, advisory, hit ? "affected" : "cleared", last ? last->seq + 1 : 1,
                         versions ? versions : last->versions,
                         fingerprint ? fingerprint : last->fingerprint});
}

/* Joins the versions of rows [from, to) (those that hit, with `only_hits`). */
static const char *join_versions(csec_arena *a, const row *r, size_t from, size_t to,
                                 bool only_hits)
{
    csec_buf b = CSEC_BUF_INIT;
    for (size_t i = from; i < to; i++) {
        if (only_hits && !r[i].hit)
            continue;
        if (i > from && strcmp(r[i].version, r[i - 1].version) == 0)
            continue;
        if (b.len)
            csec_buf_puts(&b, ", ");
        csec_buf_puts(&b, r[i].version);
    }
    const char *out = keep(a, b.ptr ? b.ptr : "");
    csec_buf_free(&b);
    return out;
}

/* ---- one changed advisory against the watches holding its package ---- */

static int evaluate_advisory(state_store *st, const state_data *d, const char *id,
                             const csec_advisory *a, const char *const *names, size_t nnames,
                             const char *fingerprint, state_eval_stats *stats, csec_buf *err)
{
    csec_arena arena = CSEC_ARENA_INIT;
    rows pk = {&arena, NULL, 0, 0, 0}, ev = {&arena, NULL, 0, 0, 1};
    emits out = {NULL, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < nnames && rc == 0; i++) {
        if (i && strcmp(names[i], names[0]) == 0)
            continue;
        rc = sql_exec(st->sql,
                      "SELECT watch_id, version, name FROM watch_packages WHERE name = $1",
                      (sql_param[]){SQL_TEXT(names[i])}, 1, take_row, &pk, NULL, err);
    }
    if (rc == 0)
        rc = sql_exec(st->sql,
                      "SELECT watch_id, kind, seq, versions, fingerprint FROM events WHERE "
                      "advisory_id = $1 ORDER BY watch_id, seq",
                      (sql_param[]){SQL_TEXT(id)}, 1, take_row, &ev, NULL, err);
    if (rc < 0)
        goto done;
    stats->rows += pk.n;
    /* One verdict per distinct version, then back in watch order. */
    if (pk.n)
        qsort(pk.items, pk.n, sizeof *pk.items, cmp_version);
    for (size_t i = 0; i < pk.n; i++)
        pk.items[i].hit = i && cmp_version(&pk.items[i], &pk.items[i - 1]) == 0
                              ? pk.items[i - 1].hit
                              : a && strcmp(pk.items[i].name, a->package) == 0 &&
                                    hits(a, pk.items[i].version);
    if (pk.n)
        qsort(pk.items, pk.n, sizeof *pk.items, cmp_key);
    last_per_key(&ev);
    size_t i = 0, k = 0;
    while (i < pk.n || k < ev.n) {
        int c = i == pk.n ? 1 : k == ev.n ? -1 : strcmp(pk.items[i].key, ev.items[k].key);
        const char *watch = c <= 0 ? pk.items[i].key : ev.items[k].key;
        size_t end = i;
        bool hit = false;
        if (c <= 0)
            while (end < pk.n && strcmp(pk.items[end].key, watch) == 0)
                hit |= pk.items[end++].hit;
        const row *last = c >= 0 ? &ev.items[k] : NULL;
        if (changed(hit, last))
            decide(&out, watch, id, hit, last,
                   end > i ? join_versions(&arena, pk.items, i, end, hit) : NULL,
                   a ? fingerprint : NULL);
        i = end;
        if (c >= 0)
            k++;
    }
    rc = write_events(st, d, &out, false, &stats->events, &stats->deliveries, err);
done:
    free(pk.items);
    free(ev.items);
    free(out.items);
    csec__arena_free(&arena);
    return rc;
}

/* ---- one watch against every advisory of its packages ---- */

typedef struct decision {
    const char *advisory_id;
    const char *fingerprint;
    const char *versions;
    bool hit;
} decision;

static int cmp_decision(const void *x, const void *y)
{
    return strcmp(((const decision *)x)->advisory_id, ((const decision *)y)->advisory_id);
}

int state__evaluate_watch(state_store *st, const state_data *d, const char *watch_id,
                          bool baseline, size_t *events, size_t *deliveries, csec_buf *err)
{
    csec_arena arena = CSEC_ARENA_INIT;
    rows pk = {&arena, NULL, 0, 0, 0}, ev = {&arena, NULL, 0, 0, 1};
    emits out = {NULL, 0, 0};
    decision *dec = NULL;
    size_t ndec = 0, capdec = 0;
    int rc = sql_exec(st->sql,
                      "SELECT name, version FROM watch_packages WHERE watch_id = $1 "
                      "ORDER BY name, version",
                      (sql_param[]){SQL_TEXT(watch_id)}, 1, take_row, &pk, NULL, err);
    if (rc == 0 && !baseline)
        rc = sql_exec(st->sql,
                      "SELECT advisory_id, kind, seq, versions, fingerprint FROM events WHERE "
                      "watch_id = $1 ORDER BY advisory_id, seq",
                      (sql_param[]){SQL_TEXT(watch_id)}, 1, take_row, &ev, NULL, err);
    if (rc < 0)
        goto done;
    /* Whether an advisory of one of the watch's crates may be missing from
     * the data (a file that does not load, an id in two files): then nothing
     * is cleared, since "no longer affected" cannot be told from "not
     * loaded"; the next evaluation of good data has the answer. */
    bool tainted = false;
    for (size_t i = 0; i < pk.n;) {
        size_t end = i;
        while (end < pk.n && strcmp(pk.items[end].key, pk.items[i].key) == 0)
            end++;
        tainted |= csec_db_package_error(d->db, CSEC_COLLECTION_CRATES, pk.items[i].key) != NULL;
        size_t n = 0;
        const csec_advisory *const *advs =
            csec_db_by_package(d->db, CSEC_COLLECTION_CRATES, pk.items[i].key, &n);
        for (size_t k = 0; k < n; k++) {
            bool hit = false;
            for (size_t v = i; v < end; v++)
                hit |= (pk.items[v].hit = hits(advs[k], pk.items[v].version));
            if (ndec == capdec)
                dec = csec__grow(dec, &capdec, 16, sizeof *dec);
            char fp[33];
            advisory_fingerprint(fp, advs[k]);
            dec[ndec++] = (decision){advs[k]->id, keep(&arena, fp),
                                     join_versions(&arena, pk.items, i, end, hit), hit};
        }
        i = end;
    }
    if (ndec)
        qsort(dec, ndec, sizeof *dec, cmp_decision);
    last_per_key(&ev);
    size_t i = 0, k = 0;
    while (i < ndec || k < ev.n) {
        int c = i == ndec ? 1 : k == ev.n ? -1 : strcmp(dec[i].advisory_id, ev.items[k].key);
        const row *last = c >= 0 ? &ev.items[k] : NULL;
        bool hit = c <= 0 && dec[i].hit;
        if (changed(hit, last) && !(tainted && !hit))
            decide(&out, watch_id, c <= 0 ? dec[i].advisory_id : last->key, hit, last,
                   c <= 0 ? dec[i].versions : NULL, c <= 0 ? dec[i].fingerprint : NULL);
        if (c <= 0)
            i++;
        if (c >= 0)
            k++;
    }
    rc = write_events(st, d, &out, baseline, events, deliveries, err);
done:
    free(dec);
    free(pk.items);
    free(ev.items);
    free(out.items);
    csec__arena_free(&arena);
    return rc;
}

/* ---- the whole evaluation ---- */

typedef struct current {
    const csec_advisory *a;
    char fp[33];
} current;

static int cmp_current(const void *x, const void *y)
{
    return strcmp(((const current *)x)->a->id, ((const current *)y)->a->id);
}

static int set_meta(state_store *st, const char *key, const char *value, csec_buf *err)
{
    return sql_exec(st->sql,
                    "INSERT INTO meta (key, value) VALUES ($1, $2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (sql_param[]){SQL_TEXT(key), SQL_TEXT(value)}, 2, NULL, NULL, NULL, err);
}

typedef struct meta_row {
    char commit[64];
    int64_t time;
    bool has_commit;
} meta_row;

static int take_meta(void *payload, const char *const *c, size_t ncols)
{
    meta_row *m = payload;
    if (!c[0] || !c[1])
        return 0;
    if (strcmp(c[0], "evaluated_commit") == 0) {
        snprintf(m->commit, sizeof m->commit, "%s", c[1]);
        m->has_commit = true;
    } else if (strcmp(c[0], "evaluated_commit_time") == 0) {
        m->time = strtoll(c[1], NULL, 10);
    }
    return 0;
}

static int record_evaluated(state_store *st, const state_data *d, csec_buf *err)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)d->commit_time);
    int rc = set_meta(st, "evaluated_commit", d->commit, err);
    if (rc == 0)
        rc = set_meta(st, "evaluated_commit_time", t, err);
    return rc;
}

/* Seeds advisory_state on the first run: the data is recorded as evaluated
 * and nothing is announced (watches made before got their state then). */
static int seed(state_store *st, const state_data *d, const current *cur, size_t n,
                state_eval_stats *stats, csec_buf *err)
{
    int rc = state__begin_exclusive(st, err);
    sql_param *p = csec__xcalloc(5 * n + 1, sizeof *p);
    int64_t now = time(NULL);
    for (size_t i = 0; i < n; i++) {
        p[5 * i] = SQL_TEXT(cur[i].a->id);
        p[5 * i + 1] = SQL_TEXT(cur[i].a->package);
        p[5 * i + 2] = SQL_TEXT(cur[i].fp);
        p[5 * i + 3] = SQL_TEXT(d->commit);
        p[5 * i + 4] = SQL_INT(now);
    }
    if (rc == 0)
        rc = sql_insert_rows(st->sql,
                             "INSERT INTO advisory_state (id, package, fingerprint, db_commit, "
                             "evaluated)",
                             " ON CONFLICT DO NOTHING", 5, p, n, NULL, err);
    if (rc == 0)
        rc = record_evaluated(st, d, err);
    rc = sql_finish(st->sql, rc, err);
    free(p);
    stats->seeded = rc == 0;
    return rc;
}

typedef struct stored {
    char *id, *package, *fp;
} stored;

typedef struct stored_list {
    stored *items;
    size_t n, cap;
} stored_list;

static int take_stored(void *payload, const char *const *c, size_t ncols)
{
    stored_list *l = payload;
    if (l->n == l->cap)
        l->items = csec__grow(l->items, &l->cap, 1024, sizeof *l->items);
    stored *s = &l->items[l->n++];
    s->id = csec__xstrdup(c[0] ? c[0] : "");
    s->package = csec__xstrdup(c[1] ? c[1] : "");
    s->fp = csec__xstrdup(c[2] ? c[2] : "");
    return 0;
}

static int cmp_stored(const void *x, const void *y)
{
    return strcmp(((const stored *)x)->id, ((const stored *)y)->id);
}

/* One changed advisory in its own transaction: the compare-and-swap on
 * advisory_state decides which replica evaluates it. */
static int apply_change(state_store *st, const state_data *d, const char *id, const stored *old,
                        const current *now_, state_eval_stats *stats, csec_buf *err)
{
    int rc = state__begin_exclusive(st, err);
    if (rc < 0)
        return rc;
    int64_t won = 0, t = time(NULL);
    if (!old)
        rc = sql_exec(st->sql,
                      "INSERT INTO advisory_state (id, package, fingerprint, db_commit, evaluated) "
                      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                      (sql_param[]){SQL_TEXT(id), SQL_TEXT(now_->a->package), SQL_TEXT(now_->fp),
                                    SQL_TEXT(d->commit), SQL_INT(t)},
                      5, NULL, NULL, &won, err);
    else if (now_)
        rc = sql_exec(st->sql,
                      "UPDATE advisory_state SET package = $1, fingerprint = $2, db_commit = $3, "
                      "evaluated = $4 WHERE id = $5 AND fingerprint = $6",
                      (sql_param[]){SQL_TEXT(now_->a->package), SQL_TEXT(now_->fp),
                                    SQL_TEXT(d->commit), SQL_INT(t), SQL_TEXT(id),
                                    SQL_TEXT(old->fp)},
                      6, NULL, NULL, &won, err);
    else
        rc = sql_exec(st->sql, "DELETE FROM advisory_state WHERE id = $1 AND fingerprint = $2",
                      (sql_param[]){SQL_TEXT(id), SQL_TEXT(old->fp)}, 2, NULL, NULL, &won, err);
    if (rc == 0 && won) {
        const char *names[2];
        size_t nn = 0;
        if (now_)
            names[nn++] = now_->a->package;
        if (old)
            names[nn++] = old->package;
        rc = evaluate_advisory(st, d, id, now_ ? now_->a : NULL, names, nn,
                               now_ ? now_->fp : old->fp, stats, err);
        if (rc == 0)
            stats->evaluated++;
    }
    /* The data these changes came from, in the same commit (one fsync). */
    if (rc == 0)
        rc = record_evaluated(st, d, err);
    rc = sql_finish(st->sql, rc, err);
    return rc;
}

static int catch_up(state_store *st, const state_data *d, state_eval_stats *stats,
                    csec_buf *err)
{
    id_set ids = {NULL, 0, 0};
    int rc = sql_exec(st->sql, "SELECT id FROM watches WHERE catch_up = 1 ORDER BY id LIMIT 1000",
                      NULL, 0, take_set, &ids, NULL, err);
    for (size_t i = 0; i < ids.n && rc == 0; i++) {
        if ((rc = state__begin_exclusive(st, err)) < 0)
            break;
        meta_row m = {"", 0, false};
        rc = sql_exec(st->sql, "SELECT key, value FROM meta", NULL, 0, take_meta, &m, NULL, err);
        /* Only with the data the watches were last evaluated against. */
        bool current_data = m.has_commit && strcmp(m.commit, d->commit) == 0;
        int64_t still = 0;
        if (rc == 0 && current_data)
            rc = sql_exec(st->sql,
                          "UPDATE watches SET catch_up = 0, db_commit = $1 WHERE id = $2 AND "
                          "catch_up = 1",
                          (sql_param[]){SQL_TEXT(d->commit), SQL_TEXT(ids.ids[i])}, 2, NULL, NULL,
                          &still, err);
        if (rc == 0 && still) {
            rc = state__evaluate_watch(st, d, ids.ids[i], false, &stats->events,
                                       &stats->deliveries, err);
            stats->caught_up++;
        }
        rc = sql_finish(st->sql, rc, err);
        if (!current_data)
            break;
    }
    id_set_free(&ids);
    return rc;
}

static bool load_problem(const csec_db *db, const char *package)
{
    return package && csec_db_package_error(db, CSEC_COLLECTION_CRATES, package);
}

int state_evaluate(state_store *st, const state_data *d, state_eval_stats *stats, csec_buf *err)
{
    memset(stats, 0, sizeof *stats);
    double t0 = csec__now_ms();
    size_t count = csec_db_count(d->db);
    current *cur = csec__xcalloc(count + 1, sizeof *cur);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const csec_advisory *a = csec_db_get(d->db, i);
        /* Only the crates collection can concern a lockfile's packages. */
        if (a->collection != CSEC_COLLECTION_CRATES)
            continue;
        cur[n].a = a;
        advisory_fingerprint(cur[n].fp, a);
        n++;
    }
    qsort(cur, n, sizeof *cur, cmp_current);
    /* An id twice: one copy kept; the loader reports the id as a problem
     * of both packages, so the merge below holds its change. */
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || strcmp(cur[u - 1].a->id, cur[i].a->id) != 0)
            cur[u++] = cur[i];
    n = u;

    stored_list old = {NULL, 0, 0};
    meta_row m = {"", 0, false};
    pthread_mutex_lock(&st->mu);
    int rc = sql_exec(st->sql, "SELECT key, value FROM meta", NULL, 0, take_meta, &m, NULL, err);
    if (rc == 0 && m.time && d->commit_time && d->commit_time < m.time) {
        /* A replica with older data must not undo what newer data said. */
        stats->stale = true;
        goto done;
    }
    if (rc == 0)
        rc = sql_exec(st->sql, "SELECT id, package, fingerprint FROM advisory_state", NULL, 0,
                      take_stored, &old, NULL, err);
    if (rc < 0)
        goto done;
    if (!m.has_commit && old.n == 0) {
        rc = seed(st, d, cur, n, stats, err);
    } else {
        if (old.n)
            qsort(old.items, old.n, sizeof *old.items, cmp_stored);
        size_t i = 0, k = 0;
        while ((i < n || k < old.n) && rc == 0) {
            int c = i == n ? 1 : k == old.n ? -1 : strcmp(cur[i].a->id, old.items[k].id);
            const current *now_ = c <= 0 ? &cur[i] : NULL;
            const stored *was = c >= 0 ? &old.items[k] : NULL;
            if (c <= 0)
                i++;
            if (c >= 0)
                k++;
            if (now_ && was && strcmp(now_->fp, was->fp) == 0)
                continue;
            stats->changed++;
            /* Fail closed: a package with a load problem (a file that did
             * not parse, an id in two files: csec_db_package_error names
             * both packages) may have lost or swapped this advisory's copy,
             * so the change is not applied (no `cleared`, the state kept)
             * and is tried again with the next data. */
            if (load_problem(d->db, was ? was->package : NULL) ||
                load_problem(d->db, now_ ? now_->a->package : NULL)) {
                stats->held++;
                continue;
            }
            rc = apply_change(st, d, now_ ? now_->a->id : was->id, was, now_, stats, err);
        }
        if (rc == 0 && !stats->evaluated && (!m.has_commit || strcmp(m.commit, d->commit) != 0)) {
            rc = state__begin_exclusive(st, err);
            if (rc == 0)
                rc = record_evaluated(st, d, err);
            rc = sql_finish(st->sql, rc, err);
        }
    }
    if (rc == 0)
        rc = catch_up(st, d, stats, err);
done:
    pthread_mutex_unlock(&st->mu);
    for (size_t i = 0; i < old.n; i++) {
        free(old.items[i].id);
        free(old.items[i].package);
        free(old.items[i].fp);
    }
    free(old.items);
    free(cur);
    stats->ms = csec__now_ms() - t0;
    return rc;
}
