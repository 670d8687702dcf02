/* registry.c - crates of the registry index as the pages see them.
 *
 * A directory index is loaded whole at start-up and is read-only: a lookup
 * is csec__index_find.  A sparse HTTP index (`serve --index sparse+https://`)
 * starts empty; a crate's file is fetched the first time a page needs it and
 * revalidated (a conditional request with the disk cache's ETag and
 * Last-Modified) once the copy is older than the max age, so a page view
 * costs no request to the registry while the copy is fresh.
 *
 * Threads: the csec_index may only be changed by one thread at a time, and
 * fetching holds `fetch_mu` for a network round trip.  So the pages never
 * touch the index itself: they look crates up in this file's table (a short
 * lock), and only a miss or a stale entry goes to the index.  A stale entry
 * is served as it is while another request revalidates it (or when the
 * registry cannot be reached); crate records stay valid until the index is
 * freed (index.h), so a page that holds one while it is replaced is fine.
 * Names the registry does not have are remembered for the max age too, up
 * to MAX_MISSING of them, so that repeated requests for an unknown crate do
 * not each cost a request to the registry.
 */
#include "registry.h"

#include "util.h"

#include "crate_name.h"
#include "index.h"
#include "map.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MISSING 100000
/* After a failed fetch (network, HTTP 5xx), retry no sooner than this. */
#define RETRY_MS 10000

typedef struct entry {
    const csec_index_crate *crate; /* NULL: the registry has no such crate */
    long long checked_ms;          /* when the registry last answered for it */
    char name[];                   /* as first asked for: the table's key */
} entry;

struct srv_sparse {
    csec_index *idx;
    long long max_age_ms;
    pthread_mutex_t fetch_mu; /* exclusive use of idx */
    pthread_mutex_t table_mu; /* the table below */
    csec_map table;           /* crate name (crates.io's equivalence) -> entry */
    size_t missing;
};

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static entry *find(srv_sparse *sp, const char *name)
{
    csec_map_entry *e = csec__map_find(&sp->table, name, strlen(name));
    return e ? e->val.ptr : NULL;
}

/* Records what the registry said; called with fetch_mu held. */
static void record(srv_sparse *sp, const char *name, const csec_index_crate *c, long long when)
{
    pthread_mutex_lock(&sp->table_mu);
    entry *e = find(sp, name);
    if (!e) {
        if (!c && sp->missing >= MAX_MISSING)
            goto done;
        size_t len = strlen(name);
        e = csec__xcalloc(1, sizeof *e + len + 1);
        memcpy(e->name, name, len + 1);
        csec__map_put(&sp->table, e->name, len, NULL)->val.ptr = e;
        if (!c)
            sp->missing++;
    } else if (e->crate && !c) {
        sp->missing++;
    } else if (!e->crate && c) {
        sp->missing--;
    }
    e->crate = c;
    e->checked_ms = when;
done:
    pthread_mutex_unlock(&sp->table_mu);
}

srv_sparse *srv_sparse_new(csec_index *idx, unsigned max_age_s)
{
    srv_sparse *sp = csec__xcalloc(1, sizeof *sp);
    sp->idx = idx;
    sp->max_age_ms = (long long)max_age_s * 1000;
    pthread_mutex_init(&sp->fetch_mu, NULL);
    pthread_mutex_init(&sp->table_mu, NULL);
    csec__map_init(&sp->table, CSEC_MAP_CRATE_NAMES, NULL);
    return sp;
}

void srv_sparse_free(srv_sparse *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->table.nslots; i++)
        if (sp->table.slots[i].key)
            free(sp->table.slots[i].val.ptr);
    csec__map_free(&sp->table);
    pthread_mutex_destroy(&sp->fetch_mu);
    pthread_mutex_destroy(&sp->table_mu);
    csec__index_free(sp->idx);
    free(sp);
}

void srv_sparse_stats(srv_sparse *sp, csec_index_stats *out)
{
    pthread_mutex_lock(&sp->fetch_mu);
    csec__index_stats(sp->idx, out);
    pthread_mutex_unlock(&sp->fetch_mu);
}

static const csec_index_crate *sparse_crate(srv_sparse *sp, const char *name)
{
    if (!csec__crate_name_valid(name, strlen(name)))
        return NULL; /* no registry can have it: nothing is fetched */
    pthread_mutex_lock(&sp->table_mu);
    entry *e = find(sp, name);
    bool known = e != NULL;
    const csec_index_crate *c = e ? e->crate : NULL;
    long long checked = e ? e->checked_ms : 0;
    pthread_mutex_unlock(&sp->table_mu);

    long long now = mono_ms();
    if (known && now - checked < sp->max_age_ms)
        return c;
    /* Stale: revalidate unless another request is talking to the registry
     * already; then the stale copy is good enough for this page. */
    if (known ? pthread_mutex_trylock(&sp->fetch_mu) != 0
              : pthread_mutex_lock(&sp->fetch_mu) != 0)
        return c;
    /* Another request may have done the work while this one waited. */
    pthread_mutex_lock(&sp->table_mu);
    e = find(sp, name);
    if (e && mono_ms() - e->checked_ms < sp->max_age_ms) {
        c = e->crate;
        pthread_mutex_unlock(&sp->table_mu);
        pthread_mutex_unlock(&sp->fetch_mu);
        return c;
    }
    pthread_mutex_unlock(&sp->table_mu);

    csec_diag d;
    const csec_index_crate *got = NULL;
    int rc = c ? csec__index_revalidate(&got, sp->idx, c, &d)
               : csec__index_fetch(&got, sp->idx, name, &d);
    now = mono_ms();
    if (rc == 0 || rc == CSEC_ENOTFOUND || rc == CSEC_EINVAL) {
        record(sp, name, rc == 0 ? got : NULL, now);
        c = rc == 0 ? got : NULL;
    } else {
        /* The registry could not be asked: keep what there is (possibly
         * nothing) and try again a little later. */
        char line[512];
        fprintf(stderr, "cratesec serve: registry index: %s\n",
                csec_diag_format(line, sizeof line, &d));
        record(sp, name, c, now - sp->max_age_ms + RETRY_MS);
    }
    pthread_mutex_unlock(&sp->fetch_mu);
    return c;
}

const csec_index_crate *srv_index_crate(const srv_site *s, const char *name)
{
    if (s->sparse)
        return sparse_crate(s->sparse, name);
    return s->index ? csec__index_find(s->index, name) : NULL;
}

bool srv_has_index(const srv_site *s)
{
    return s->index || s->sparse;
}
