/* sparse.c - a sparse HTTP registry index (`serve --index sparse+https://`)
 * as the pages use it: crate files fetched when a page needs them, as Cargo
 * fetches them, and kept in memory within a cap.
 *
 * Fetching.  A page never waits for the network on the thread that renders
 * it.  Looking up a crate that is not in memory queues its fetch and marks
 * the request "pending"; the HTTP layer then suspends the connection and
 * renders the page again once every crate it asked for has been answered
 * (srv_sparse_request_end, srv_sparse_wait_prepare/arm).  A page that needs
 * the dependencies of its crate (the Dependencies tab, the resolved tree)
 * thus gets them level by level: each render asks for the crates the
 * previous one found, all fetched concurrently.  After SPARSE_ROUNDS renders
 * a crate still missing is shown as unavailable rather than waited for.
 *
 *  - one fetch per crate at a time: a second request for a crate being
 *    fetched waits for that fetch;
 *  - at most `fetchers` fetches at a time (that many threads, each with its
 *    own connection), with the connect and total timeouts of the index;
 *  - answers are remembered: a crate for max_age, a 404 (no such crate) for
 *    max_age too, a failure (network, 5xx, timeout) for RETRY_MS, after
 *    which it is asked again; a crate older than max_age is revalidated
 *    (If-None-Match, If-Modified-Since: the disk cache's validators) before
 *    a page uses it, and when that fails its copy is served as it is;
 *  - memory: each crate is parsed into an index of its own
 *    (csec__index_parse_alone), so its memory is known and given back
 *    whole; beyond `cap` bytes the least recently used crates that no page
 *    is reading are dropped (evictions are counted in /metrics);
 *  - at most MAX_ENTRIES names are remembered (crates, 404s, failures); past
 *    that, names with nothing in memory are forgotten first.
 *
 * Pages hold the crates they read: each render pins them (per thread, see
 * `rq`) and unpins them when it ends, so eviction never frees a crate a page
 * is using; a crate replaced by a newer copy is freed when its last reader
 * lets go. */
#include "registry.h"

#include "crate_name.h"
#include "deps.h"
#include "index.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Renders of one page, each one dependency level deeper: real trees are
 * seldom deeper than 15. */
#define SPARSE_ROUNDS 24
#define RETRY_MS 10000
#define MAX_ENTRIES 200000
#define MAX_FETCHERS 64

/* One parsed copy of a crate file. */
typedef struct held {
    csec_index *ix; /* that crate alone */
    const csec_index_crate *crate;
    size_t bytes;
    int pins;      /* renders reading it now */
    bool current;  /* still its entry's copy */
} held;

typedef enum estate { E_NEW, E_PRESENT, E_MISSING, E_FAILED } estate;

typedef struct entry {
    struct entry *next;                /* bucket chain */
    struct entry *lru_prev, *lru_next; /* entries with a copy, most recent first */
    struct entry *q_next;              /* the fetch queue */
    held *copy;
    uint8_t state;
    bool in_flight; /* queued or being fetched */
    bool in_lru;
    unsigned awaited; /* suspended requests waiting for it */
    long long answered_ms; /* when the registry last answered (or failed) */
    uint32_t hash;
    char error[256]; /* the last failure, for "index unavailable" */
    char name[];     /* validated crate name */
} entry;

/* A suspended request waiting for crate files.  When they have all been
 * answered it is resumed and holds (pins) the copies that arrived, until its
 * next render takes the pins over (srv_sparse_request_begin), so that they
 * cannot be evicted in between and make it wait again. */
typedef struct waiter {
    struct waiter *next;
    entry **names;
    size_t n;
    bool armed;
    void (*resume)(void *);
    void *arg;
    held **pinned;
    size_t npinned;
} waiter;

struct srv_sparse {
    csec_index *root; /* config.json and the HTTP client's settings */
    long long max_age_ms;
    size_t cap;
    pthread_mutex_t mu;
    pthread_cond_t work; /* fetchers wait for the queue */
    pthread_cond_t done; /* callers outside a request wait for answers */
    entry **buckets;
    size_t nbuckets, nentries;
    entry *lru_head, *lru_tail;
    entry *q_head, *q_tail;
    size_t queued, fetching;
    size_t bytes, resident;
    waiter *waiters;
    pthread_t threads[MAX_FETCHERS];
    unsigned nthreads;
    bool stopping;
    bool no_waiting; /* shutting down: renders take what there is */
    /* Counters for /metrics. */
    uint64_t fetch_ok, fetch_not_modified, fetch_not_found, fetch_failed, evictions;
    char last_error[256];
};

/* ---- memory ---- */

static void held_release(srv_sparse *sp, held *h)
{
    /* mu held */
    if (!h || h->pins > 0 || h->current)
        return;
    sp->bytes -= h->bytes;
    csec__index_free(h->ix);
    free(h);
}

static void lru_unlink(srv_sparse *sp, entry *e)
{
    if (!e->in_lru)
        return;
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        sp->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        sp->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
    e->in_lru = false;
}

static void lru_front(srv_sparse *sp, entry *e)
{
    lru_unlink(sp, e);
    e->lru_next = sp->lru_head;
    if (sp->lru_head)
        sp->lru_head->lru_prev = e;
    sp->lru_head = e;
    if (!sp->lru_tail)
        sp->lru_tail = e;
    e->in_lru = true;
}

/* Drops an entry's copy (it is freed once no render reads it). */
static void drop_copy(srv_sparse *sp, entry *e)
{
    held *h = e->copy;
    if (!h)
        return;
    e->copy = NULL;
    h->current = false;
    sp->resident--;
    lru_unlink(sp, e);
    held_release(sp, h);
}

/* Evicts least recently used crates until the cap is kept (mu held).
 * Crates that renders are reading stay; their memory counts until then. */
static void enforce_cap(srv_sparse *sp)
{
    entry *e = sp->lru_tail;
    while (e && sp->bytes > sp->cap) {
        entry *prev = e->lru_prev;
        if (e->copy && e->copy->pins == 0 && !e->in_flight) {
            drop_copy(sp, e);
            e->state = E_NEW;
            sp->evictions++;
        }
        e = prev;
    }
}

/* ---- the table of names ---- */

static entry **slot_of(srv_sparse *sp, const char *name, uint32_t h)
{
    entry **p = &sp->buckets[h & (sp->nbuckets - 1)];
    while (*p && !((*p)->hash == h && csec__index_same_name((*p)->name, name)))
        p = &(*p)->next;
    return p;
}

static void table_grow(srv_sparse *sp)
{
    size_t ncap = sp->nbuckets * 2;
    entry **nb = csec__xcalloc(ncap, sizeof *nb);
    for (size_t i = 0; i < sp->nbuckets; i++) {
        entry *e = sp->buckets[i];
        while (e) {
            entry *next = e->next;
            e->next = nb[e->hash & (ncap - 1)];
            nb[e->hash & (ncap - 1)] = e;
            e = next;
        }
    }
    free(sp->buckets);
    sp->buckets = nb;
    sp->nbuckets = ncap;
}

/* Forgets names with nothing in memory, nothing in flight and nobody
 * waiting, oldest answers first, until there is room (mu held). */
static void forget_some(srv_sparse *sp)
{
    long long cutoff = (long long)csec__now_ms() - sp->max_age_ms;
    for (int pass = 0; pass < 2 && sp->nentries >= MAX_ENTRIES; pass++) {
        for (size_t i = 0; i < sp->nbuckets && sp->nentries >= (size_t)(MAX_ENTRIES * 9 / 10 + pass); i++) {
            entry **p = &sp->buckets[i];
            while (*p) {
                entry *e = *p;
                bool idle = !e->copy && !e->in_flight && !e->awaited;
                if (idle && (pass == 1 || e->answered_ms < cutoff)) {
                    *p = e->next;
                    free(e);
                    sp->nentries--;
                    continue;
                }
                p = &e->next;
            }
        }
    }
}

static entry *entry_for(srv_sparse *sp, const char *name)
{
    uint32_t h = csec__index_name_hash(name);
    entry **p = slot_of(sp, name, h);
    if (*p)
        return *p;
    if (sp->nentries >= MAX_ENTRIES) {
        forget_some(sp);
        p = slot_of(sp, name, h);
    }
    if (sp->nentries + 1 > sp->nbuckets) {
        table_grow(sp);
        p = slot_of(sp, name, h);
    }
    size_t len = strlen(name);
    entry *e = csec__xcalloc(1, sizeof *e + len + 1);
    memcpy(e->name, name, len + 1);
    e->hash = h;
    *p = e;
    sp->nentries++;
    return e;
}

/* ---- fetching ---- */

static void enqueue(srv_sparse *sp, entry *e)
{
    if (e->in_flight)
        return;
    e->in_flight = true;
    e->q_next = NULL;
    if (sp->q_tail)
        sp->q_tail->q_next = e;
    else
        sp->q_head = e;
    sp->q_tail = e;
    sp->queued++;
    pthread_cond_signal(&sp->work);
}

/* Resumes armed waiters whose names have all been answered (mu held);
 * they are unlinked into *ready, resumed by the caller after unlocking. */
static void collect_ready(srv_sparse *sp, waiter **ready)
{
    waiter **p = &sp->waiters;
    while (*p) {
        waiter *w = *p;
        bool all = w->armed;
        for (size_t i = 0; all && i < w->n; i++)
            all = !w->names[i]->in_flight;
        if (!all) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        w->pinned = csec__xcalloc(w->n + 1, sizeof *w->pinned);
        for (size_t i = 0; i < w->n; i++) {
            entry *e = w->names[i];
            e->awaited--;
            if (e->copy) {
                e->copy->pins++;
                w->pinned[w->npinned++] = e->copy;
            }
        }
        w->next = *ready;
        *ready = w;
    }
}

/* Resumes the requests (their waiters become their tickets: see
 * srv_sparse_request_begin and srv_sparse_ticket_free). */
static void resume_all(waiter *w)
{
    while (w) {
        waiter *next = w->next;
        w->next = NULL;
        w->resume(w->arg);
        w = next;
    }
}

void srv_sparse_ticket_free(const srv_site *s, void *ticket)
{
    waiter *w = ticket;
    if (!w)
        return;
    srv_sparse *sp = s->sparse;
    pthread_mutex_lock(&sp->mu);
    for (size_t i = 0; i < w->npinned; i++) {
        w->pinned[i]->pins--;
        held_release(sp, w->pinned[i]);
    }
    pthread_mutex_unlock(&sp->mu);
    free(w->pinned);
    free(w->names);
    free(w);
}

static void *fetcher(void *arg)
{
    srv_sparse *sp = arg;
    void *handle = NULL;
    csec_buf body = CSEC_BUF_INIT;
    csec_index_options opts = CSEC_INDEX_OPTIONS_INIT;
    opts.threads = 1;
    pthread_mutex_lock(&sp->mu);
    for (;;) {
        while (!sp->q_head && !sp->stopping)
            pthread_cond_wait(&sp->work, &sp->mu);
        if (sp->stopping)
            break;
        entry *e = sp->q_head;
        sp->q_head = e->q_next;
        if (!sp->q_head)
            sp->q_tail = NULL;
        sp->queued--;
        sp->fetching++;
        bool had_copy = e->copy != NULL;
        /* The name is the entry's own; the entry stays while in flight. */
        pthread_mutex_unlock(&sp->mu);

        char rel[CSEC_CRATE_NAME_MAX + 16];
        bool not_modified = false;
        csec_index_stats st = {0};
        csec_diag d;
        csec__diag_clear(&d);
        int rc = csec__index_sparse_get(sp->root, &handle, e->name, &body, rel, sizeof rel,
                                        &not_modified, &st, &d);
        held *h = NULL;
        if (rc == 0 && (!not_modified || !had_copy)) {
            int prc;
            csec_index *ix = csec__index_parse_alone(&opts, rel, e->name,
                                                     body.ptr ? body.ptr : "", body.len, &prc);
            if (ix) {
                h = csec__xcalloc(1, sizeof *h);
                h->ix = ix;
                h->crate = csec__index_crate_at(ix, 0);
                csec_index_stats is;
                csec__index_stats(ix, &is);
                h->bytes = is.arena_bytes + sizeof *h;
                h->current = true;
            } else {
                rc = CSEC_ENOTFOUND; /* an empty file: no version ever published */
            }
        }

        pthread_mutex_lock(&sp->mu);
        sp->fetching--;
        long long now = (long long)csec__now_ms();
        e->answered_ms = now;
        if (rc == 0 && not_modified && e->copy) {
            sp->fetch_not_modified++;
            e->state = E_PRESENT;
        } else if (rc == 0 && !h && !e->copy) {
            /* Confirmed, but the copy was evicted meanwhile: asked again
             * when next needed. */
            e->state = E_NEW;
        } else if (rc == 0) {
            if (h) {
                drop_copy(sp, e);
                e->copy = h;
                sp->bytes += h->bytes;
                sp->resident++;
                lru_front(sp, e);
            }
            sp->fetch_ok++;
            e->state = E_PRESENT;
        } else if (rc == CSEC_ENOTFOUND || rc == CSEC_EINVAL) {
            drop_copy(sp, e);
            sp->fetch_not_found++;
            e->state = E_MISSING;
        } else {
            /* The registry could not be asked: a copy in memory keeps being
             * served; without one the crate is "unavailable" for a while. */
            sp->fetch_failed++;
            snprintf(e->error, sizeof e->error, "%s", d.msg[0] ? d.msg : "fetch failed");
            snprintf(sp->last_error, sizeof sp->last_error, "%.64s: %.180s", e->name, e->error);
            if (!e->copy)
                e->state = E_FAILED;
            else
                e->answered_ms = now - sp->max_age_ms + RETRY_MS;
        }
        e->in_flight = false;
        enforce_cap(sp);
        waiter *ready = NULL;
        collect_ready(sp, &ready);
        pthread_cond_broadcast(&sp->done);
        pthread_mutex_unlock(&sp->mu);
        resume_all(ready);
        pthread_mutex_lock(&sp->mu);
    }
    pthread_mutex_unlock(&sp->mu);
    csec_buf_free(&body);
    csec__index_sparse_handle_free(handle);
    return NULL;
}

srv_sparse *srv_sparse_new(csec_index *root, unsigned max_age_s, size_t cap_bytes,
                           unsigned fetchers)
{
    srv_sparse *sp = csec__xcalloc(1, sizeof *sp);
    sp->root = root;
    sp->max_age_ms = (long long)max_age_s * 1000;
    sp->cap = cap_bytes;
    sp->nbuckets = 1024;
    sp->buckets = csec__xcalloc(sp->nbuckets, sizeof *sp->buckets);
    pthread_mutex_init(&sp->mu, NULL);
    pthread_cond_init(&sp->work, NULL);
    pthread_cond_init(&sp->done, NULL);
    if (fetchers < 1)
        fetchers = 1;
    if (fetchers > MAX_FETCHERS)
        fetchers = MAX_FETCHERS;
    for (unsigned i = 0; i < fetchers; i++)
        if (pthread_create(&sp->threads[sp->nthreads], NULL, fetcher, sp) == 0)
            sp->nthreads++;
    return sp;
}

/* Unlinks every armed waiter, whatever it waits for, into a list for
 * resume_all (mu held).  Only armed waiters have a connection to resume; a
 * render between prepare and arm arms its own (and finds no_waiting set, if
 * stopping). */
static waiter *take_armed(srv_sparse *sp)
{
    waiter *all = NULL, **p = &sp->waiters;
    while (*p) {
        waiter *w = *p;
        if (!w->armed) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        for (size_t i = 0; i < w->n; i++)
            w->names[i]->awaited--;
        w->next = all;
        all = w;
    }
    return all;
}

/* Resumes every request waiting for crate files. */
static void resume_waiting(srv_sparse *sp)
{
    pthread_mutex_lock(&sp->mu);
    waiter *all = take_armed(sp);
    pthread_mutex_unlock(&sp->mu);
    resume_all(all);
}

void srv_sparse_stop_waiting(srv_sparse *sp)
{
    if (!sp)
        return;
    pthread_mutex_lock(&sp->mu);
    sp->no_waiting = true;
    pthread_mutex_unlock(&sp->mu);
    resume_waiting(sp);
}

void srv_sparse_free(srv_sparse *sp)
{
    if (!sp)
        return;
    resume_waiting(sp);
    pthread_mutex_lock(&sp->mu);
    sp->stopping = true;
    pthread_cond_broadcast(&sp->work);
    pthread_mutex_unlock(&sp->mu);
    for (unsigned i = 0; i < sp->nthreads; i++)
        pthread_join(sp->threads[i], NULL);
    for (size_t i = 0; i < sp->nbuckets; i++) {
        entry *e = sp->buckets[i];
        while (e) {
            entry *next = e->next;
            if (e->copy) {
                e->copy->current = false;
                e->copy->pins = 0;
                held_release(sp, e->copy);
            }
            free(e);
            e = next;
        }
    }
    free(sp->buckets);
    pthread_cond_destroy(&sp->work);
    pthread_cond_destroy(&sp->done);
    pthread_mutex_destroy(&sp->mu);
    csec__index_free(sp->root);
    free(sp);
}

/* ---- one render's view (thread-local) ---- */

static _Thread_local struct render {
    srv_sparse *sp;
    bool final;  /* the last render: nothing is waited for any more */
    bool wait;   /* not an HTTP render: lookups wait for their answers */
    held **pins;
    size_t npins, cappins;
    entry **pending;
    size_t npending, cappending;
    /* The last name found unavailable in this render, and why. */
    char unavailable[CSEC_CRATE_NAME_MAX + 1];
    char why[256];
} rq;

/* The render's arrays belong to its thread: freed when the thread ends (the
 * HTTP library's threads end at shutdown). */
static pthread_key_t render_key;
static pthread_once_t render_key_once = PTHREAD_ONCE_INIT;

static void render_free(void *arg)
{
    struct render *r = arg;
    free(r->pins);
    free(r->pending);
    r->pins = NULL;
    r->pending = NULL;
    r->cappins = r->cappending = 0;
}

static void render_key_make(void)
{
    pthread_key_create(&render_key, render_free);
}

/* Called before this thread's first allocation for its render. */
static void render_own(void)
{
    if (rq.cappins || rq.cappending)
        return;
    pthread_once(&render_key_once, render_key_make);
    pthread_setspecific(render_key, &rq);
}

/* Adds a pin `h` already holds to this render's (released at its end). */
static void add_pin(held *h)
{
    if (rq.npins == rq.cappins) {
        render_own();
        rq.pins = csec__grow(rq.pins, &rq.cappins, 32, sizeof *rq.pins);
    }
    rq.pins[rq.npins++] = h;
}

void srv_sparse_request_begin(const srv_site *s, unsigned round, void *ticket)
{
    rq.sp = s ? s->sparse : NULL;
    rq.wait = round == SRV_SPARSE_WAIT;
    rq.final = round + 1 >= SPARSE_ROUNDS;
    rq.npins = rq.npending = 0;
    rq.unavailable[0] = '\0';
    waiter *w = ticket;
    if (w && rq.sp) {
        /* The ticket's pins become this render's (released at its end). */
        for (size_t i = 0; i < w->npinned; i++)
            add_pin(w->pinned[i]);
        w->npinned = 0;
    }
    if (w)
        srv_sparse_ticket_free(s, w);
}

bool srv_sparse_unavailable(const char *name, char *why, size_t whysize)
{
    if (!rq.unavailable[0] || !csec__index_same_name(rq.unavailable, name))
        return false;
    if (why && whysize)
        snprintf(why, whysize, "%s", rq.why);
    return true;
}

static void note_unavailable(const char *name, const char *why)
{
    snprintf(rq.unavailable, sizeof rq.unavailable, "%s", name);
    snprintf(rq.why, sizeof rq.why, "%s", why);
}

bool srv_sparse_render_pending(void)
{
    return rq.sp && rq.npending > 0;
}

bool srv_sparse_request_end(void)
{
    srv_sparse *sp = rq.sp;
    if (!sp)
        return false;
    pthread_mutex_lock(&sp->mu);
    for (size_t i = 0; i < rq.npins; i++) {
        rq.pins[i]->pins--;
        held_release(sp, rq.pins[i]);
    }
    enforce_cap(sp);
    pthread_mutex_unlock(&sp->mu);
    rq.npins = 0;
    rq.sp = NULL;
    return rq.npending > 0;
}

void *srv_sparse_wait_prepare(const srv_site *s)
{
    srv_sparse *sp = s->sparse;
    if (!sp || !rq.npending)
        return NULL;
    pthread_mutex_lock(&sp->mu);
    size_t n = 0;
    entry **names = csec__xcalloc(rq.npending, sizeof *names);
    for (size_t i = 0; i < rq.npending; i++)
        if (rq.pending[i]->in_flight) {
            names[n++] = rq.pending[i];
            rq.pending[i]->awaited++;
        }
    waiter *w = NULL;
    if (n) {
        w = csec__xcalloc(1, sizeof *w);
        w->names = names;
        w->n = n;
        w->next = sp->waiters;
        sp->waiters = w;
    } else {
        free(names);
    }
    /* The pending entries were kept from being forgotten by `awaited`
     * through the render's end: now they are the waiter's. */
    for (size_t i = 0; i < rq.npending; i++)
        rq.pending[i]->awaited--;
    rq.npending = 0;
    pthread_mutex_unlock(&sp->mu);
    return w;
}

void srv_sparse_wait_arm(const srv_site *s, void *wp, void (*resume)(void *), void *arg)
{
    srv_sparse *sp = s->sparse;
    waiter *w = wp;
    pthread_mutex_lock(&sp->mu);
    w->resume = resume;
    w->arg = arg;
    w->armed = true;
    /* Shutting down: resumed at once (with any other armed waiter). */
    waiter *ready = sp->no_waiting ? take_armed(sp) : NULL;
    collect_ready(sp, &ready);
    pthread_mutex_unlock(&sp->mu);
    resume_all(ready);
}

static void pin(held *h)
{
    h->pins++;
    add_pin(h);
}

static void add_pending(entry *e)
{
    for (size_t i = 0; i < rq.npending; i++)
        if (rq.pending[i] == e)
            return;
    if (rq.npending == rq.cappending) {
        render_own();
        rq.pending = csec__grow(rq.pending, &rq.cappending, 16, sizeof *rq.pending);
    }
    e->awaited++; /* not forgotten before the waiter takes it over */
    rq.pending[rq.npending++] = e;
}

/* The crate `name`: from memory, or NULL after queueing its fetch (the
 * render is then pending).  Outside a render (no srv_sparse_request_begin
 * on this thread) the caller waits for the answer instead. */
const csec_index_crate *srv_sparse_lookup(srv_sparse *sp, const char *name, bool *unavailable)
{
    *unavailable = false;
    if (!csec__crate_name_valid(name, strlen(name)))
        return NULL; /* no registry can have it: nothing is fetched */
    bool in_render = rq.sp == sp && !rq.wait;
    pthread_mutex_lock(&sp->mu);
    entry *e = entry_for(sp, name);
    const csec_index_crate *c = NULL;
    for (;;) {
        long long age = (long long)csec__now_ms() - e->answered_ms;
        bool fresh = e->state != E_NEW && age < (e->state == E_FAILED ? RETRY_MS : sp->max_age_ms);
        if (e->copy && !fresh && in_render && !rq.final && !sp->no_waiting) {
            /* Older than the max age: revalidated before the page uses it
             * (a 304 costs a round trip, no parse), so no page shows data
             * older than that while the registry answers. */
            enqueue(sp, e);
            add_pending(e);
            break;
        }
        if (e->copy) {
            /* Fresh; or stale on a last render, or outside a render (then
             * revalidated meanwhile for the next one). */
            if (!fresh)
                enqueue(sp, e);
            lru_front(sp, e);
            c = e->copy->crate;
            if (rq.sp == sp)
                pin(e->copy);
            break;
        }
        if (fresh && e->state == E_MISSING)
            break;
        if (fresh && e->state == E_FAILED) {
            *unavailable = true;
            note_unavailable(name, e->error);
            break;
        }
        enqueue(sp, e);
        if (in_render) {
            if (rq.final || sp->no_waiting) {
                *unavailable = true;
                note_unavailable(name, "still being fetched from the registry");
            } else {
                add_pending(e);
            }
            break;
        }
        /* Outside a render: wait for this one answer. */
        e->awaited++;
        while (e->in_flight && !sp->stopping)
            pthread_cond_wait(&sp->done, &sp->mu);
        e->awaited--;
        if (sp->stopping)
            break;
        if (e->state == E_NEW && !e->copy) /* evicted at once: give up */
            break;
    }
    pthread_mutex_unlock(&sp->mu);
    return c;
}

/* ---- reports ---- */

void srv_sparse_metrics(srv_sparse *sp, csec_buf *out)
{
    pthread_mutex_lock(&sp->mu);
    csec_buf_printf(
        out,
        "# HELP cratesec_index_cache_bytes Memory of the sparse index's crates in memory.\n"
        "# TYPE cratesec_index_cache_bytes gauge\ncratesec_index_cache_bytes %zu\n"
        "# HELP cratesec_index_cache_cap_bytes The configured cap of that memory.\n"
        "# TYPE cratesec_index_cache_cap_bytes gauge\ncratesec_index_cache_cap_bytes %zu\n"
        "# HELP cratesec_index_cache_crates Crates of the sparse index in memory.\n"
        "# TYPE cratesec_index_cache_crates gauge\ncratesec_index_cache_crates %zu\n"
        "# HELP cratesec_index_cache_names Names remembered (crates, 404s, failures).\n"
        "# TYPE cratesec_index_cache_names gauge\ncratesec_index_cache_names %zu\n"
        "# HELP cratesec_index_cache_evictions_total Crates dropped to keep the cap.\n"
        "# TYPE cratesec_index_cache_evictions_total counter\n"
        "cratesec_index_cache_evictions_total %llu\n"
        "# HELP cratesec_index_fetches_total Crate files asked of the registry, by outcome.\n"
        "# TYPE cratesec_index_fetches_total counter\n"
        "cratesec_index_fetches_total{outcome=\"ok\"} %llu\n"
        "cratesec_index_fetches_total{outcome=\"not_modified\"} %llu\n"
        "cratesec_index_fetches_total{outcome=\"not_found\"} %llu\n"
        "cratesec_index_fetches_total{outcome=\"failed\"} %llu\n"
        "# HELP cratesec_index_fetches_in_flight Crate files being fetched or queued.\n"
        "# TYPE cratesec_index_fetches_in_flight gauge\ncratesec_index_fetches_in_flight %zu\n"
        "# HELP cratesec_index_waiting_requests Requests waiting for crate files.\n"
        "# TYPE cratesec_index_waiting_requests gauge\n",
        sp->bytes, sp->cap, sp->resident, sp->nentries, (unsigned long long)sp->evictions,
        (unsigned long long)sp->fetch_ok, (unsigned long long)sp->fetch_not_modified,
        (unsigned long long)sp->fetch_not_found, (unsigned long long)sp->fetch_failed,
        sp->queued + sp->fetching);
    size_t w = 0;
    for (waiter *x = sp->waiters; x; x = x->next)
        w++;
    csec_buf_printf(out, "cratesec_index_waiting_requests %zu\n", w);
    pthread_mutex_unlock(&sp->mu);
}

void srv_sparse_info(srv_sparse *sp, srv_sparse_report *out)
{
    pthread_mutex_lock(&sp->mu);
    out->url = csec__index_sparse_url(sp->root);
    out->crates = sp->resident;
    out->bytes = sp->bytes;
    out->cap = sp->cap;
    out->evictions = sp->evictions;
    out->max_age_s = (unsigned)(sp->max_age_ms / 1000);
    snprintf(out->last_error, sizeof out->last_error, "%s", sp->last_error);
    pthread_mutex_unlock(&sp->mu);
}
