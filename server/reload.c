/* reload.c - loading the data a site serves, at start-up and again while
 * serving, without ever serving a wrong answer.
 *
 * A reload runs on its own thread: it (optionally) fetches the advisory
 * database with libgit2, checks that the checkout is whole, loads the
 * database and, when its files changed, the registry index, builds the next
 * site off to the side and only then swaps it in (live.c).  Anything that
 * goes wrong on the way (a failed fetch, a half-written checkout, an advisory
 * that no longer parses, an unreadable index) leaves the current site being
 * served and is reported in the log, /healthz and /metrics.
 *
 * Why an advisory that fails to parse rejects the whole reload, when the
 * first load merely skips bad files: at start-up there is nothing better to
 * serve, but during a reload the last good data is better than data with an
 * advisory missing, which would silently turn "affected" into "not affected".
 * Files that were already bad in the data being served do not count again.
 */
#include "reload.h"

#include "db.h"
#include "registry.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct srv_reloader {
    srv_live *live;
    srv_load_spec spec;
    unsigned sync_every_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool requested, stopping;
    bool retired; /* a replaced generation waits to be freed (srv_live_reap) */
};

/* ---- loading ---- */

typedef struct load_errors {
    bool print; /* log each one (the first load: nothing is rejected) */
    char **files;
    size_t n, cap;
    char first[512]; /* the first diagnostic, formatted */
} load_errors;

static void on_load_error(const csec_diag *d, void *payload)
{
    load_errors *le = payload;
    if (!le->first[0])
        csec_diag_format(le->first, sizeof le->first, d);
    if (le->print) {
        char line[1024];
        srv_log_event("warning", "load_error", "skipped: %s",
                      csec_diag_format(line, sizeof line, d));
    }
    if (le->n == le->cap)
        le->files = csec__grow(le->files, &le->cap, 8, sizeof *le->files);
    le->files[le->n++] = csec__xstrdup(d->file);
}

static void load_errors_free(load_errors *le)
{
    for (size_t i = 0; i < le->n; i++)
        csec_free(le->files[i]);
    free(le->files);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool listed(char **list, size_t n, const char *file)
{
    return n && bsearch(&file, list, n, sizeof *list, cmp_str) != NULL;
}

int srv_site_load(srv_site **out, const srv_load_spec *spec, const srv_site *prev, csec_buf *err)
{
    *out = NULL;
    double t0 = csec__now_ms();
    csec_diag d;
    char line[1024];

    load_errors le = {0};
    le.print = prev == NULL;
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.on_error = on_load_error;
    o.payload = &le;
    /* The JSON API serves OSV records, whose `modified` needs git times. */
    o.git_times = true;
    /* A checkout caught half-way (an interrupted sync, a copy in progress)
     * would load without a single parse error and still be wrong: the load
     * compares what it reads with the commit (lib/checkout.c). */
    char commit[41];
    csec_diag vd;
    int vr;
    csec_db *db = NULL;
    int rc = csec__db_load_verified(&db, spec->db_dir, &o, commit, &vr, &vd, &d);
    if (vr < 0 && vr != CSEC_ENOTFOUND) {
        if (prev) {
            csec_buf_printf(err, "checkout not whole: %s",
                            csec_diag_format(line, sizeof line, &vd));
            goto fail;
        }
        /* At start-up there is nothing better to serve. */
        srv_log_event("warning", "checkout", "serving a checkout that is not whole: %s",
                      csec_diag_format(line, sizeof line, &vd));
    }
    if (rc == 0 && le.n)
        qsort(le.files, le.n, sizeof *le.files, cmp_str);
    if (rc == 0 && prev) {
        size_t fresh = 0;
        const char *example = NULL;
        for (size_t i = 0; i < le.n; i++)
            if (!listed(prev->load_errors, prev->nload_errors, le.files[i])) {
                fresh++;
                example = example ? example : le.files[i];
            }
        if (fresh) {
            csec_buf_printf(err, "%zu advisor%s no longer load%s: %s", fresh,
                            fresh == 1 ? "y" : "ies", fresh == 1 ? "s" : "", le.first);
            if (example && !strstr(le.first, example))
                csec_buf_printf(err, " (first new failure: %s)", example);
            rc = -1;
        }
    } else if (rc < 0) {
        csec_buf_printf(err, "cannot load the advisory database: %s",
                        csec_diag_format(line, sizeof line, &d));
    }
    if (rc < 0)
        goto fail;

    /* The index: the one being served when nothing changed, else the next
     * generation of a git index or a fresh load of a plain directory. */
    srv_index_data *index = NULL;
    if (spec->index_src && !(index = srv_index_source_next(spec->index_src, &d))) {
        csec_buf_printf(err, "cannot read the registry index: %s",
                        csec_diag_format(line, sizeof line, &d));
        goto fail;
    }

    srv_site *s = srv_site_new(db);
    s->load_errors = le.files;
    s->nload_errors = le.n;
    s->sparse = spec->sparse;
    if (index) {
        srv_site_attach_index(s, index);
        srv_index_data_release(index);
    }
    /* Everything above, building the site (rendering every description)
     * included. */
    s->load_ms = csec__now_ms() - t0;
    *out = s;
    return 0;
fail:
    csec_db_free(db);
    load_errors_free(&le);
    return -1;
}

/* A reload for the index alone, the database unchanged: the next index data
 * (registry.h) over `prev`'s database.  Returns 1 with a new site, 0 when the
 * index has not changed either (no site), -1 with the reason in `err`. */
static int load_index(srv_site **out, const srv_load_spec *spec, const srv_site *prev,
                      csec_buf *err)
{
    *out = NULL;
    if (!spec->index_src)
        return 0;
    csec_diag d;
    char line[1024];
    srv_index_data *index = srv_index_source_next(spec->index_src, &d);
    if (!index) {
        csec_buf_printf(err, "cannot update the registry index: %s",
                        csec_diag_format(line, sizeof line, &d));
        return -1;
    }
    if (prev->index_data == index) {
        srv_index_data_release(index);
        return 0;
    }
    srv_site *s = srv_site_share_db(prev);
    srv_site_attach_index(s, index);
    srv_index_data_release(index);
    *out = s;
    return 1;
}

/* ---- the reload thread ---- */

static void short_commit(char out[13], const char *commit)
{
    snprintf(out, 13, "%.12s", commit[0] ? commit : "(no git)");
}

/* One reload: sync first when `sync`, then load and swap.  Never fails the
 * server: the outcome is recorded in the live state and logged. */
static void reload_once(srv_reloader *r, bool sync)
{
    double t0 = csec__now_ms();
    csec_buf err = CSEC_BUF_INIT, index_err = CSEC_BUF_INIT;
    const srv_gen *held = srv_live_acquire(r->live);
    const srv_site *cur = held->site;
    srv_site *next = NULL;
    if (sync) {
        csec_sync_result res;
        csec_diag d;
        char line[1024];
        if (csec_sync(&res, r->spec.db_dir, r->spec.sync_url, NULL, NULL, &d) < 0) {
            csec_buf_printf(&err, "sync failed: %s", csec_diag_format(line, sizeof line, &d));
            goto failed;
        }
        /* A git index is fetched too; its failure is reported, and the
         * database's update goes on. */
        if (srv_index_source_is_git(r->spec.index_src) &&
            srv_index_source_fetch(r->spec.index_src, &d) < 0)
            csec_buf_printf(&index_err, "index fetch failed: %s",
                            csec_diag_format(line, sizeof line, &d));
        if (!res.changed) {
            /* The database is unchanged: the index alone, when it moved. */
            int ir = load_index(&next, &r->spec, cur, &err);
            if (ir < 0)
                goto failed;
            if (ir == 0) {
                /* Nothing new: a success all the same (it clears a
                 * failure), unless the index could not be fetched. */
                if (index_err.len)
                    srv_live_reload_done(r->live, index_err.ptr, csec__now_ms() - t0, 0);
                else if (srv_live_degraded(r->live))
                    srv_live_reload_done(r->live, NULL, csec__now_ms() - t0, 0);
                srv_live_release(r->live, held);
                csec_buf_free(&index_err);
                return;
            }
        }
    }
    if (!next && srv_site_load(&next, &r->spec, cur, &err) < 0)
        goto failed;
    char was[13], now[13];
    short_commit(was, cur->commit);
    short_commit(now, next->commit);
    size_t count = next->count;
    double load = next->load_ms;
    bool db_shared = next->db_refs == cur->db_refs;
    const srv_index_data *ix = next->index_data;
    bool index_moved = ix && ix != cur->index_data;
    char ix_now[13] = "", ix_was[13] = "";
    size_t ix_files = index_moved ? ix->changed_files : 0;
    double ix_ms = index_moved ? ix->load_ms : 0;
    if (index_moved) {
        short_commit(ix_now, ix->age_commit);
        short_commit(ix_was, cur->index_data ? cur->index_data->age_commit : "");
    }
    srv_live_release(r->live, held);
    double swap = srv_live_swap(r->live, next);
    double total = csec__now_ms() - t0;
    srv_live_reload_done(r->live, index_err.len ? index_err.ptr : NULL, total, swap);
    if (r->spec.on_swap)
        r->spec.on_swap(r->spec.on_swap_payload);
    if (!db_shared)
        srv_log_event("info", "reload",
                      "reloaded: commit %s (was %s), %zu advisories, loaded in %.0f ms, swapped "
                      "in %.3f ms",
                      now, was, count, load, swap);
    if (index_moved)
        srv_log_event("info", "index_update",
                      "index: commit %s (was %s), %zu files changed, applied in %.1f ms, "
                      "swapped in %.3f ms",
                      ix_now, ix_was, ix_files, ix_ms, swap);
    csec_buf_free(&err);
    csec_buf_free(&index_err);
    return;
failed:
    csec_buf_free(&index_err);
    srv_live_release(r->live, held);
    srv_live_reload_done(r->live, err.ptr ? err.ptr : "reload failed", csec__now_ms() - t0, 0);
    srv_log_event("error", "reload_failed", "reload failed, still serving the previous data: %s",
                  err.ptr ? err.ptr : "unknown error");
    csec_buf_free(&err);
}

static void *reload_main(void *arg)
{
    srv_reloader *r = arg;
    struct timespec next_sync;
    clock_gettime(CLOCK_MONOTONIC, &next_sync);
    next_sync.tv_sec += r->sync_every_s;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        bool sync = false;
        if (!r->requested && !r->retired) {
            int rc = 0;
            if (r->sync_every_s)
                rc = pthread_cond_timedwait(&r->cv, &r->mu, &next_sync);
            else
                pthread_cond_wait(&r->cv, &r->mu);
            if (r->stopping)
                break;
            sync = rc != 0; /* timed out: time to sync */
        }
        bool reload = sync || r->requested;
        r->requested = false;
        r->retired = false;
        pthread_mutex_unlock(&r->mu);
        /* The memory of data no request uses any more: freed here rather
         * than on whichever request thread let go of it last. */
        srv_live_reap(r->live);
        if (sync) {
            clock_gettime(CLOCK_MONOTONIC, &next_sync);
            next_sync.tv_sec += r->sync_every_s;
        }
        if (reload) {
            reload_once(r, sync);
            /* The generation replaced, when no request held it. */
            srv_live_reap(r->live);
        }
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* srv_live's retire callback: wakes the thread to free the generation. */
static void wake_to_reap(void *arg)
{
    srv_reloader *r = arg;
    pthread_mutex_lock(&r->mu);
    r->retired = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

srv_reloader *srv_reloader_start(srv_live *live, const srv_load_spec *spec, unsigned sync_every_s)
{
    srv_reloader *r = csec__xcalloc(1, sizeof *r);
    r->live = live;
    r->spec = *spec;
    r->sync_every_s = sync_every_s;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&r->thread, NULL, reload_main, r) != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    srv_live_on_retire(live, wake_to_reap, r);
    return r;
}

void srv_reloader_request(void *reloader)
{
    srv_reloader *r = reloader;
    pthread_mutex_lock(&r->mu);
    r->requested = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void srv_reloader_stop(srv_reloader *r)
{
    if (!r)
        return;
    srv_live_on_retire(r->live, NULL, NULL);
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
