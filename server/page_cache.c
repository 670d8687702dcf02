/* page_cache.c - a generation's rendered pages (page_cache.h says what and
 * why): a fixed table of buckets in shards, each shard behind its own mutex,
 * so that requests for different pages rarely wait for each other.  A gzip
 * form is made by the first request that asks for it, outside any lock; if
 * two make it at once, one keeps its copy and the other frees its own. */
#include "page_cache.h"

#include "api.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define BUCKETS 1024
/* Below this many bytes gzip saves too little to be worth a header. */
#define GZIP_MIN 1024

typedef struct gzipped {
    size_t len; /* 0: gzip does not pay for this page */
    char data[];
} gzipped;

static gzipped no_gzip = {0};

typedef struct entry {
    srv_page page; /* first: a srv_page pointer is an entry pointer */
    struct entry *next;
    uint64_t hash;
    char *key;
    _Atomic(gzipped *) gz;
} entry;

typedef struct shard {
    pthread_mutex_t mu;
    entry *buckets[BUCKETS];
} shard;

struct srv_page_cache {
    size_t max_bytes;
    atomic_size_t bytes;
    shard shards[SHARDS];
};

srv_page_cache *srv_page_cache_new(size_t max_bytes)
{
    srv_page_cache *pc = csec__xcalloc(1, sizeof *pc);
    pc->max_bytes = max_bytes;
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_init(&pc->shards[i].mu, NULL);
    return pc;
}

void srv_page_cache_free(srv_page_cache *pc)
{
    if (!pc)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        for (size_t j = 0; j < BUCKETS; j++) {
            entry *e = pc->shards[i].buckets[j];
            while (e) {
                entry *next = e->next;
                gzipped *gz = atomic_load(&e->gz);
                if (gz != &no_gzip)
                    free(gz);
                csec_free(e->key);
                csec_free((char *)e->page.body);
                free(e);
                e = next;
            }
        }
        pthread_mutex_destroy(&pc->shards[i].mu);
    }
    free(pc);
}

size_t srv_page_cache_bytes(const srv_page_cache *pc)
{
    return atomic_load(&((srv_page_cache *)pc)->bytes);
}

/* Reserves `cost` bytes of the budget; false when they are not there. */
static bool reserve(srv_page_cache *pc, size_t cost)
{
    if (atomic_fetch_add(&pc->bytes, cost) + cost > pc->max_bytes) {
        atomic_fetch_sub(&pc->bytes, cost);
        return false;
    }
    return true;
}

static entry **bucket_of(srv_page_cache *pc, uint64_t h, shard **sh)
{
    *sh = &pc->shards[h % SHARDS];
    return &(*sh)->buckets[(h / SHARDS) % BUCKETS];
}

static entry *find(entry *e, const char *key, uint64_t h)
{
    for (; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

const srv_page *srv_page_cache_get(srv_page_cache *pc, const char *key)
{
    uint64_t h = csec__fnv1a_str(CSEC_FNV_INIT, key);
    shard *sh;
    entry **head = bucket_of(pc, h, &sh);
    pthread_mutex_lock(&sh->mu);
    entry *e = find(*head, key, h);
    pthread_mutex_unlock(&sh->mu);
    return e ? &e->page : NULL;
}

const srv_page *srv_page_cache_put(srv_page_cache *pc, const char *key, srv_resp *r)
{
    size_t klen = strlen(key);
    size_t cost = r->body.len + klen + sizeof(entry);
    if (!reserve(pc, cost))
        return NULL;
    uint64_t h = csec__fnv1a_str(CSEC_FNV_INIT, key);
    shard *sh;
    entry **head = bucket_of(pc, h, &sh);
    pthread_mutex_lock(&sh->mu);
    entry *e = find(*head, key, h);
    if (e) {
        pthread_mutex_unlock(&sh->mu);
        atomic_fetch_sub(&pc->bytes, cost);
        return &e->page;
    }
    e = csec__xcalloc(1, sizeof *e);
    e->hash = h;
    e->key = csec__xstrndup(key, klen);
    e->page.content_type = r->content_type;
    e->page.cache_control = r->cache_control;
    e->page.len = r->body.len;
    e->page.body = r->body.len ? csec_buf_detach(&r->body) : csec__xstrndup("", 0);
    atomic_init(&e->gz, NULL);
    e->next = *head;
    *head = e;
    pthread_mutex_unlock(&sh->mu);
    return &e->page;
}

const char *srv_page_gzip(srv_page_cache *pc, const srv_page *p, size_t *len)
{
    entry *e = (entry *)p;
    gzipped *gz = atomic_load_explicit(&e->gz, memory_order_acquire);
    if (!gz) {
        csec_buf z = CSEC_BUF_INIT;
        gzipped *made = &no_gzip;
        if (p->len >= GZIP_MIN && api_gzip(&z, p->body, p->len, 9) == 0 && z.len < p->len &&
            reserve(pc, z.len + sizeof *made)) {
            made = csec__xmalloc(sizeof *made + z.len);
            made->len = z.len;
            memcpy(made->data, z.ptr, z.len);
        }
        csec_buf_free(&z);
        gzipped *expected = NULL;
        if (atomic_compare_exchange_strong(&e->gz, &expected, made)) {
            gz = made;
        } else {
            /* Another request made it meanwhile: keep theirs. */
            if (made != &no_gzip) {
                atomic_fetch_sub(&pc->bytes, made->len + sizeof *made);
                free(made);
            }
            gz = expected;
        }
    }
    if (!gz->len)
        return NULL;
    *len = gz->len;
    return gz->data;
}
