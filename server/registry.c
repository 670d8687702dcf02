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

#include "index.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 4096
#define MAX_NAME 64
#define MAX_MISSING 100000
/* After a failed fetch (network, HTTP 5xx), retry no sooner than this. */
#define RETRY_MS 10000

typedef struct entry {
    struct entry *next;
    const csec_index_crate *crate; /* NULL: the registry has no such crate */
    long long checked_ms;          /* when the registry last answered for it */
    char key[];                    /* normalised name */
} entry;

struct srv_sparse {
    csec_index *idx;
    long long max_age_ms;
    pthread_mutex_t fetch_mu; /* exclusive use of idx */
    pthread_mutex_t table_mu; /* the table below */
    entry *buckets[BUCKETS];
    size_t missing;
};

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* crates.io's equivalence: ASCII case-insensitive, '-' same as '_'.  Returns
 * false for a name no registry can have (then nothing is fetched). */
static bool normalise(char *out, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c == '_')
            c = '-';
        else if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        out[i] = c;
    }
    return true;
}

static size_t bucket_of(const char *key)
{
    return (size_t)(csec__fnv1a_str(CSEC_FNV_INIT, key) % BUCKETS);
}

static entry *find(srv_sparse *sp, const char *key)
{
    for (entry *e = sp->buckets[bucket_of(key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* Records what the registry said; called with fetch_mu held. */
static void record(srv_sparse *sp, const char *key, const csec_index_crate *c, long long when)
{
    pthread_mutex_lock(&sp->table_mu);
    entry *e = find(sp, key);
    if (!e) {
        if (!c && sp->missing >= MAX_MISSING)
            goto done;
        size_t kl = strlen(key);
        e = csec__xcalloc(1, sizeof *e + kl + 1);
        memcpy(e->key, key, kl + 1);
        size_t b = bucket_of(key);
        e->next = sp->buckets[b];
        sp->buckets[b] = e;
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
    return sp;
}

void srv_sparse_free(srv_sparse *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < BUCKETS; i++) {
        entry *e = sp->buckets[i];
        while (e) {
            entry *next = e->next;
            free(e);
            e = next;
        }
    }
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
    char key[MAX_NAME + 1];
    if (!normalise(key, name))
        return NULL;
    pthread_mutex_lock(&sp->table_mu);
    entry *e = find(sp, key);
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
    e = find(sp, key);
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
        record(sp, key, rc == 0 ? got : NULL, now);
        c = rc == 0 ? got : NULL;
    } else {
        /* The registry could not be asked: keep what there is (possibly
         * nothing) and try again a little later. */
        char line[512];
        fprintf(stderr, "cratesec serve: registry index: %s\n",
                csec_diag_format(line, sizeof line, &d));
        record(sp, key, c, now - sp->max_age_ms + RETRY_MS);
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
