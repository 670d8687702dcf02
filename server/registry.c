/* registry.c - crates of the registry index as the pages see them: a
 * directory index (a generation of it, read-only: csec__index_find), or a
 * sparse HTTP index fetched crate by crate (sparse.c); and the index
 * directory a server follows while serving (srv_index_source). */
#include "registry.h"

#include "util.h"

#include "crate_name.h"
#include "dataage.h"
#include "deps.h"
#include "gitindex.h"
#include "index.h"
#include "map.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const csec_index_crate *srv_index_crate(const srv_site *s, const char *name)
{
    if (s->sparse) {
        bool unavailable;
        return srv_sparse_lookup(s->sparse, name, &unavailable);
    }
    return s->index ? csec__index_find(s->index, name) : NULL;
}

bool srv_index_unavailable(const srv_site *s, const char *name, char *why, size_t whysize)
{
    return s->sparse && srv_sparse_unavailable(name, why, whysize);
}

bool srv_has_index(const srv_site *s)
{
    return s->index || s->sparse;
}

static const csec_index_crate *find_sparse(void *payload, const char *name, bool *unavailable)
{
    return srv_sparse_lookup(payload, name, unavailable);
}

csec_deps_source srv_deps_source(const srv_site *s)
{
    if (s->sparse) {
        csec_deps_source src = {find_sparse, s->sparse};
        return src;
    }
    return csec__deps_source_index(s->index);
}

/* ---- an index directory, followed while serving ---- */

struct srv_index_source {
    char *dir;
    csec__git_index *git; /* NULL: a plain directory */
    /* The newest data made (served, or made by a reload that failed later
     * and kept for the next one): a git update applies to it, since only
     * the newest generation of an index has no successor yet. */
    srv_index_data *newest;
};

srv_index_source *srv_index_source_open(const char *dir)
{
    srv_index_source *src = csec__xcalloc(1, sizeof *src);
    src->dir = csec__xstrdup(dir);
    csec_diag d;
    /* Not a repository (or no git support): followed by fingerprint. */
    if (csec__git_index_open(&src->git, dir, &d) < 0)
        src->git = NULL;
    return src;
}

void srv_index_source_free(srv_index_source *src)
{
    if (!src)
        return;
    srv_index_data_release(src->newest);
    csec__git_index_close(src->git);
    free(src->dir);
    free(src);
}

bool srv_index_source_is_git(const srv_index_source *src)
{
    return src && src->git;
}

int srv_index_source_fetch(srv_index_source *src, csec_diag *d)
{
    if (!src->git)
        return 0;
    csec_sync_result res;
    return csec__git_index_fetch(&res, src->dir, NULL, NULL, NULL, d);
}

static srv_index_data *data_new(csec_index *ix, csec_deps_rev *rev, double ms)
{
    srv_index_data *x = csec__xcalloc(1, sizeof *x);
    x->index = ix;
    x->deps_rev = rev;
    x->load_ms = ms;
    int64_t t = 0;
    const char *commit = csec__index_source(ix, &t);
    x->age_source = CSEC_AGE_COMMIT;
    snprintf(x->age_commit, sizeof x->age_commit, "%s", commit);
    x->age_time = t;
    snprintf(x->fingerprint, sizeof x->fingerprint, "%.16s", commit);
    atomic_init(&x->refs, 1);
    return x;
}

static srv_index_data *keep_newest(srv_index_source *src, srv_index_data *x)
{
    srv_index_data_release(src->newest);
    src->newest = x;
    atomic_fetch_add(&x->refs, 1); /* the caller's */
    return x;
}

srv_index_data *srv_index_source_next(srv_index_source *src, csec_diag *d)
{
    double t0 = csec__now_ms();
    if (!src->git) {
        char fp[17];
        srv_index_fingerprint(src->dir, fp);
        if (src->newest && fp[0] && strcmp(fp, src->newest->fingerprint) == 0) {
            atomic_fetch_add(&src->newest->refs, 1);
            return src->newest;
        }
        srv_index_data *x = srv_index_data_load(src->dir, fp, d);
        return x ? keep_newest(src, x) : NULL;
    }
    if (!src->newest) {
        csec_index *ix = NULL;
        csec_index_options index_opts = CSEC_INDEX_OPTIONS_INIT;
        index_opts.threads = CSEC_INDEX_THREADS_PER_CPU; /* as srv_index_data_load */
        if (csec__index_open_git(&ix, src->dir, src->git, &index_opts, d) < 0)
            return NULL;
        return keep_newest(src, data_new(ix, csec__deps_rev_new(ix), csec__now_ms() - t0));
    }
    char head[41], fetched[41];
    int64_t head_time, fetched_time;
    srv_index_data *cur = src->newest;
    if (csec__git_index_state(src->git, head, &head_time, fetched, &fetched_time, d) < 0)
        return NULL;
    if (strcmp(fetched, cur->age_commit) == 0) {
        atomic_fetch_add(&cur->refs, 1);
        return cur;
    }
    csec_index *next = NULL;
    csec_index_update_info info;
    if (csec__index_update_git(&next, cur->index, src->git, fetched, fetched_time, &info, d) < 0)
        return NULL;
    csec_deps_rev *rev = NULL;
    if (csec__deps_rev_apply(&rev, cur->deps_rev, next) < 0) {
        csec__index_discard(next);
        csec__diag_set(d, CSEC_EINVAL, src->dir, 0, 0,
                       "reverse dependencies out of step with the index");
        return NULL;
    }
    srv_index_data *x = data_new(next, rev, csec__now_ms() - t0);
    x->changed_files = info.files;
    return keep_newest(src, x);
}
