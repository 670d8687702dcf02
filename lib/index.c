/* index.c - the registry index in memory (see index.h): parsing crate files,
 * interning, crate records, generations and lookups.  Loading a directory is
 * index_dir.c; the sparse HTTP index is index_sparse.c.
 *
 * Memory is in three kinds, each freed by what owns it:
 *
 *  - interned objects (strings, dependency records and lists, feature maps),
 *    shared by every crate and by every generation of an index: the core's
 *    pool, freed with the last generation;
 *  - one block per crate (crate_rec): the crate, its versions and their
 *    version and publication-time texts, in one malloc; a generation points
 *    to the blocks of its crates, and the next generation shares every block
 *    whose crate file did not change;
 *  - per generation: the sorted crate array and the name table.
 *
 * Generations (csec__index_apply) form a chain, oldest first.  Each holds a
 * reference to its successor, so generations are freed oldest first; freeing
 * the oldest frees the crate blocks that its successor replaced (or all of
 * them when it has none).  A crate block is thus freed exactly once, after
 * the last generation that could hand it out.
 */
#include "index.h"

#include "crate_name.h"
#include "jsonparse.h"
#include "map.h"
#include "text.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the core: what every generation of one index shares ---- */

/* A slot of an interning table: 0 when empty, else the stored copy's
 * address (48 bits on the machines we run on: checked on insert) under 16
 * bits of its hash.  Eight bytes a slot; the copy's length sits in front of
 * it (interned_len).  A slot is written once, with a release store, so a
 * reader that sees it sees the copy too. */
typedef _Atomic uint64_t islot;

#define SLOT_PTR(x) ((const void *)(uintptr_t)((x) & 0xFFFFFFFFFFFFULL))
#define SLOT_TAG(x) ((uint32_t)((x) >> 48))

typedef struct islots {
    size_t cap; /* power of two */
    struct islots *older; /* retired arrays, freed when no reader can be on them */
    islot s[];
} islots;

/* Interning: one table maps byte strings to their single stored copy.  Keys
 * are the stored objects themselves: a string's bytes, or the bytes of an
 * array of pointers to interned things (so equal contents mean equal bytes).
 * Strings and binary blobs use separate tables so that a blob is never
 * returned where a string was asked for.
 *
 * Why a table of its own and not the project's map (map.h): the parallel
 * load (index_dir.c) looks keys up from several threads while one of them
 * may insert, which the map leaves to a lock around every use; and a slot
 * here is 8 bytes for millions of keys at today's registry size.
 *
 * Lookups take no lock; inserts take their shard's lock, re-check, and
 * publish the slot with a release store; a table that grows is replaced
 * whole and the old array kept until the parallel part ends.  An index
 * opened for several threads splits each table into SHARDS by hash bits, so
 * that two threads rarely want the same lock: with one lock, the 8x load
 * (bench/index.sh) made about one futex call per crate file and slept in
 * many of them. */
typedef struct itab {
    pthread_mutex_t mu; /* inserts into this shard, and its growth */
    _Atomic(islots *) arr;
    size_t count;
    islots *retired; /* grown-out-of arrays (while concurrent) */
} itab;

#define SHARDS 64

#define POOL_CHUNK (256 * 1024)

typedef struct pool_chunk {
    struct pool_chunk *next;
    _Alignas(16) unsigned char data[];
} pool_chunk;

/* Where interned copies are carved: big chunks cut at each object's
 * alignment (malloc would add 16 bytes to the typical 8-byte string).  Each
 * parser has one, so the loader's threads allocate without a lock; the
 * core's own (core->mu) takes the rest, and a parser's chunks when it goes. */
typedef struct pool {
    pool_chunk *chunks;
    unsigned char *cur;
    size_t left;
    size_t bytes;
} pool;

typedef struct index_core {
    pthread_mutex_t mu; /* the core's pool; generation links */
    itab *strings, *blobs; /* shard_mask + 1 shards each, one array (table_count) */
    size_t shard_mask;
    _Atomic size_t table_bytes; /* of the tables */
    _Atomic size_t pool_bytes;  /* of every pool's chunks */
    bool concurrent;            /* lookups may run on other threads right now */
    pool pool;
    csec_index_options opts;
    /* The sparse HTTP client (index_sparse.c), when there is one. */
    void *remote;
    void (*remote_free)(void *);
    /* The writer's parser (add_file, apply): one thread at a time. */
    csec__index_parser *parser;
} index_core;

/* One crate in one block: the record, its versions, then the texts. */
typedef struct crate_rec {
    csec_index_crate pub;
    uint32_t hash;  /* of the normalised name */
    uint32_t delta; /* while an apply builds: its entry in the delta, +1 */
    uint32_t size;  /* bytes of the block (a file is at most CSEC_INDEX_FILE_MAX) */
    uint32_t file;  /* file_id of the file it was read from; 0: not known */
} crate_rec;

struct csec_index {
    index_core *core;
    _Atomic long refs;
    csec_index *pred, *succ; /* the chain of generations (core->mu) */

    crate_rec **crates; /* by name after a load or an apply; add_file appends */
    size_t ncrates, capcrates;
    crate_rec **table; /* open addressing by normalised name */
    size_t tabcap;
    size_t nversions;
    size_t rec_bytes; /* of the crate blocks reachable from this generation */

    /* What this generation changed in its predecessor's (apply). */
    csec_index_delta *delta;
    size_t ndelta;
    /* Crates replaced by add_file: freed with this generation. */
    crate_rec **graveyard;
    size_t ngrave, capgrave;

    csec_index_stats stats;
    const char *dl, *api;
    bool auth_required;
    char source[41]; /* what the data is: a commit id, or "" */
    int64_t source_time;
};

/* Every shard of both kinds: the strings' shards, then the blobs', in one
 * array. */
static size_t table_count(const index_core *c)
{
    return 2 * (c->shard_mask + 1);
}

/* ---- pools ---- */

/* From a parser's pool (its thread), or from the core's when `pl` is NULL. */
static void *pool_alloc_in(index_core *c, pool *pl, size_t n, size_t align)
{
    size_t pad = (size_t)(-(uintptr_t)pl->cur & (align - 1));
    if (pl->cur && pad <= pl->left && n <= pl->left - pad) {
        unsigned char *r = pl->cur + pad;
        pl->cur = r + n;
        pl->left -= pad + n;
        return r;
    }
    /* Chunks grow with the pool: an index of one crate (the sparse cache's)
     * takes a few KB, a whole registry's works in 256 KB pieces. */
    size_t chunk = pl->bytes / 4 < 4096 ? 4096 : pl->bytes / 4 > POOL_CHUNK ? POOL_CHUNK : pl->bytes / 4;
    size_t size = n > chunk / 8 ? n : chunk;
    pool_chunk *ch = csec__xmalloc(sizeof *ch + size);
    pl->bytes += sizeof *ch + size;
    atomic_fetch_add_explicit(&c->pool_bytes, sizeof *ch + size, memory_order_relaxed);
    if (size != chunk && pl->chunks) {
        /* A big object gets a chunk of its own behind the current one, so
         * the current chunk's free space stays usable. */
        ch->next = pl->chunks->next;
        pl->chunks->next = ch;
        return ch->data;
    }
    ch->next = pl->chunks;
    pl->chunks = ch;
    pl->cur = ch->data + n;
    pl->left = size - n;
    return ch->data;
}

static void *pool_alloc(index_core *c, pool *pl, size_t n, size_t align)
{
    if (pl)
        return pool_alloc_in(c, pl, n, align);
    pthread_mutex_lock(&c->mu);
    void *r = pool_alloc_in(c, &c->pool, n, align);
    pthread_mutex_unlock(&c->mu);
    return r;
}

/* Hands a parser's chunks to the core, which frees them with the index. */
static void pool_give(index_core *c, pool *pl)
{
    if (!pl->chunks)
        return;
    pool_chunk *last = pl->chunks;
    while (last->next)
        last = last->next;
    pthread_mutex_lock(&c->mu);
    if (c->pool.chunks) { /* behind the core's current chunk */
        last->next = c->pool.chunks->next;
        c->pool.chunks->next = pl->chunks;
    } else {
        c->pool.chunks = pl->chunks; /* nothing to carve from: cur stays NULL */
    }
    pthread_mutex_unlock(&c->mu);
    memset(pl, 0, sizeof *pl);
}

static void pool_free(pool *pl)
{
    while (pl->chunks) {
        pool_chunk *next = pl->chunks->next;
        free(pl->chunks);
        pl->chunks = next;
    }
}

/* ---- interning ---- */

static islots *islots_new(size_t cap)
{
    islots *a = csec__xcalloc(1, sizeof *a + csec__mul(cap, sizeof(islot)));
    a->cap = cap;
    return a;
}

/* The length of an interned copy, kept in the 4 bytes before it. */
static uint32_t interned_len(const void *p)
{
    uint32_t n;
    memcpy(&n, (const char *)p - 4, 4);
    return n;
}

/* A key's place comes from the low bits of its hash, its tag from the top
 * 16. */
static const void *itab_find(itab *t, const void *key, size_t len, uint64_t h)
{
    islots *a = atomic_load_explicit(&t->arr, memory_order_acquire);
    if (!a)
        return NULL;
    size_t mask = a->cap - 1;
    uint32_t tag = (uint32_t)(h >> 48);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t x = atomic_load_explicit(&a->s[i], memory_order_acquire);
        if (!x)
            return NULL;
        const void *p = SLOT_PTR(x);
        if (SLOT_TAG(x) == tag && interned_len(p) == len && memcmp(p, key, len) == 0)
            return p;
    }
}

/* Inserts a copy (t->mu held; the key is known to be absent). */
static const void *itab_insert(index_core *c, pool *pl, itab *t, const void *key, size_t len,
                               uint64_t h, size_t align, bool nul)
{
    islots *a = atomic_load_explicit(&t->arr, memory_order_relaxed);
    if (!a || (t->count + 1) * 4 > a->cap * 3) {
        size_t ncap = a ? a->cap * 2 : c->shard_mask ? 64 : 1024;
        islots *na = islots_new(ncap);
        atomic_fetch_add_explicit(&c->table_bytes, ncap * sizeof(islot), memory_order_relaxed);
        for (size_t i = 0; a && i < a->cap; i++) {
            uint64_t x = atomic_load_explicit(&a->s[i], memory_order_relaxed);
            if (!x)
                continue;
            /* The hash is not kept whole: recompute it from the copy. */
            const void *p = SLOT_PTR(x);
            size_t j = csec__hash_bytes(p, interned_len(p)) & (ncap - 1);
            while (atomic_load_explicit(&na->s[j], memory_order_relaxed))
                j = (j + 1) & (ncap - 1);
            atomic_store_explicit(&na->s[j], x, memory_order_relaxed);
        }
        atomic_store_explicit(&t->arr, na, memory_order_release);
        if (a) {
            atomic_fetch_sub_explicit(&c->table_bytes, a->cap * sizeof(islot),
                                      memory_order_relaxed);
            if (c->concurrent) {
                a->older = t->retired;
                t->retired = a;
            } else {
                free(a);
            }
        }
        a = na;
    }
    /* The length goes in front; the copy keeps its alignment. */
    size_t head = align > 4 ? align : 4;
    char *block = pool_alloc(c, pl, head + len + (nul ? 1 : 0), align > 4 ? align : 4);
    char *copy = block + head;
    uint32_t n32 = (uint32_t)len;
    memcpy(copy - 4, &n32, 4);
    memcpy(copy, key, len);
    if (nul)
        copy[len] = '\0';
    uintptr_t addr = (uintptr_t)copy;
    if (addr >> 48)
        abort(); /* not a 48-bit address space: the slots cannot hold it */
    size_t mask = a->cap - 1, i = h & mask;
    while (atomic_load_explicit(&a->s[i], memory_order_relaxed))
        i = (i + 1) & mask;
    atomic_store_explicit(&a->s[i], (h >> 48) << 48 | addr, memory_order_release);
    t->count++;
    return copy;
}

/* The shard's bits sit between the slot's (low) and the tag's (top 16). */
static itab *shard_of(const index_core *c, itab *shards, uint64_t h)
{
    return &shards[(h >> 32) & c->shard_mask];
}

/* What a parser's recent lookups gave: crate files repeat feature names,
 * requirements and dependency lists (within a file, and "serde", "^1.0" and
 * "default" across all), and a slot here is in the parser's own cache where
 * the shared table's slot and copy are two misses to memory.  The 8x load
 * makes 20 million lookups; three in four are answered here (nine in ten
 * strings), and the load takes 5% less time (interleaved runs of fresh
 * processes, with and without).  Direct-mapped by hash, overwritten on a
 * miss.  A copy, once interned, lives as long as the core (the pools never
 * give memory back before), and a parser never outlives its core, so a slot
 * cannot point at freed memory. */
typedef struct recent_slot {
    uint32_t tag;
    const void *p;
} recent_slot;

#define RECENT_SLOTS 4096

static recent_slot *recent_slot_of(csec__index_parser *p, bool blob, uint64_t h);
static pool *pool_of(csec__index_parser *p);

/* `p`: the calling parser, or NULL for the core (its pool, no cache). */
static const void *intern(index_core *c, csec__index_parser *p, bool blob, const void *key,
                          size_t len)
{
    uint64_t h = csec__hash_bytes(key, len);
    uint32_t tag = (uint32_t)(h >> 32);
    recent_slot *r = recent_slot_of(p, blob, h);
    if (r && r->tag == tag && r->p && interned_len(r->p) == len && memcmp(r->p, key, len) == 0)
        return r->p;
    itab *t = shard_of(c, blob ? c->blobs : c->strings, h);
    const void *found = itab_find(t, key, len, h);
    if (!found) {
        pthread_mutex_lock(&t->mu);
        found = itab_find(t, key, len, h);
        if (!found)
            found = itab_insert(c, pool_of(p), t, key, len, h, blob ? sizeof(void *) : 1, !blob);
        pthread_mutex_unlock(&t->mu);
    }
    if (r)
        *r = (recent_slot){tag, found};
    return found;
}

static const char *intern_str(index_core *c, csec__index_parser *p, const char *s, size_t len)
{
    if (len > UINT32_MAX / 2) {
        char *copy = pool_alloc(c, pool_of(p), len + 1, 1);
        memcpy(copy, s, len);
        copy[len] = '\0';
        return copy;
    }
    return intern(c, p, false, s, len);
}

/* Interns `len` bytes of pointer-aligned data (an array of pointers or of
 * structs made of pointers and small integers, padding zeroed). */
static const void *intern_blob(index_core *c, csec__index_parser *p, const void *data, size_t len)
{
    if (len == 0)
        return NULL;
    if (len > UINT32_MAX / 2) {
        void *copy = pool_alloc(c, pool_of(p), len, sizeof(void *));
        memcpy(copy, data, len);
        return copy;
    }
    return intern(c, p, true, data, len);
}

/* The grown-out-of arrays, once no other thread can be reading them. */
static void free_retired(index_core *c)
{
    for (size_t i = 0; i < table_count(c); i++) {
        itab *t = &c->strings[i];
        while (t->retired) {
            islots *next = t->retired->older;
            free(t->retired);
            t->retired = next;
        }
    }
}

/* Every table (the copies stay: they are the pools'). */
static void free_tables(index_core *c)
{
    free_retired(c);
    for (size_t i = 0; i < table_count(c); i++) {
        itab *t = &c->strings[i];
        free(atomic_load(&t->arr));
        atomic_store(&t->arr, NULL);
        t->count = 0;
    }
    atomic_store(&c->table_bytes, 0);
}

void csec__index_set_concurrent(csec_index *ix, bool on)
{
    index_core *c = ix->core;
    pthread_mutex_lock(&c->mu);
    c->concurrent = on;
    pthread_mutex_unlock(&c->mu);
    if (!on) /* the other threads are done */
        free_retired(c);
}

/* ---- names ---- */

uint32_t csec__index_name_hash(const char *name)
{
    return csec__crate_name_hash(name, strlen(name));
}

bool csec__index_same_name(const char *a, const char *b)
{
    return csec__crate_name_eq(a, strlen(a), b, strlen(b));
}

/* The sort order of crates: bytewise on the lower-cased name. */
static int name_order(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (;; x++, y++) {
        unsigned cx = csec__ascii_lower(*x), cy = csec__ascii_lower(*y);
        if (cx != cy || !cx)
            return (int)cx - (int)cy;
    }
}

/* The crate's directory in the index ("1", "2", "3/s", "se/rd") into `out`,
 * from `name` (len > 0), lower-cased; returns its length. */
static size_t index_dir(char out[5], const char *name, size_t len)
{
    size_t n = 0;
    if (len <= 2) {
        out[n++] = (char)('0' + len);
    } else if (len == 3) {
        out[n++] = '3';
        out[n++] = '/';
        out[n++] = name[0];
    } else {
        out[n++] = name[0];
        out[n++] = name[1];
        out[n++] = '/';
        out[n++] = name[2];
        out[n++] = name[3];
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)csec__ascii_lower((unsigned char)out[i]);
    return n;
}

size_t csec__index_path_for(char *out, size_t n, const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return 0;
    char dir[5];
    size_t w = index_dir(dir, name, len);
    if (w + 1 + len >= n)
        return 0;
    memcpy(out, dir, w);
    out[w++] = '/';
    for (size_t i = 0; i <= len; i++)
        out[w + i] = (char)csec__ascii_lower((unsigned char)name[i]);
    return w + len;
}

bool csec__index_well_placed(char *want, size_t n, const char *rel_dir, const char *name)
{
    want[0] = '\0';
    size_t wl = csec__index_path_for(want, n, name), rl = strlen(rel_dir);
    return wl == rl + 1 + strlen(name) && memcmp(want, rel_dir, rl) == 0 && want[rl] == '/' &&
           strcmp(want + rl + 1, name) == 0;
}

/* ---- the parser: one crate file at a time ---- */

/* A version being collected from one file, with its line and where its
 * texts are in the parser's text buffer. */
typedef struct vtmp {
    csec_index_version v;
    const char *links, *rust_version; /* interned, or NULL */
    uint32_t line;
    uint32_t vers_off, vers_len;
    uint32_t pre_off, build_off; /* from the start of vers */
    uint32_t pub_off, pub_len;   /* pub_off UINT32_MAX: absent */
} vtmp;

typedef struct ftmp {
    const char *name;
    csec_strlist values;
    uint32_t order; /* keeps `features` before `features2` when sorting */
} ftmp;

/* The per-file cache of dependency objects: the text of each object read in
 * this file, by position, and the interned record it gave.  A crate's
 * versions mostly repeat their dependencies, so three in four objects are
 * found here and neither tokenised nor interned again.  Slots from earlier
 * files are told apart by `stamp`. */
typedef struct depslot {
    uint32_t stamp, hash;
    uint32_t off, len; /* in the file's text */
    const csec_index_dep *dep;
} depslot;

struct csec__index_parser {
    index_core *core;
    csec_index_stats stats;
    pool pool; /* what this parser interns: the core's when it goes */
    csec__index_report_fn report; /* NULL: the core's options */
    void *report_payload;
    vtmp *vt;
    size_t nvt, capvt;
    const void **ptrs; /* a list being built: dependency or string pointers */
    size_t nptrs, capptrs;
    ftmp *feats;
    size_t nfeats, capfeats;
    csec_buf name, vers, text;
    size_t name_off, vers_off; /* byte offsets of their values in the line */
    const char *crate_name;    /* canonical name of the file being read (in `cname`) */
    csec_buf cname;
    /* The file being read and the current line's offset in it. */
    const char *file;
    size_t line_off;
    depslot *dc;
    size_t dccap, dccount;
    uint32_t stamp;
    recent_slot recent[2][RECENT_SLOTS]; /* strings', blobs' */
};

static recent_slot *recent_slot_of(csec__index_parser *p, bool blob, uint64_t h)
{
    return p ? &p->recent[blob][h & (RECENT_SLOTS - 1)] : NULL;
}

static pool *pool_of(csec__index_parser *p)
{
    return p ? &p->pool : NULL;
}

csec__index_parser *csec__index_parser_new(csec_index *ix)
{
    csec__index_parser *p = csec__xcalloc(1, sizeof *p);
    p->core = ix->core;
    return p;
}

void csec__index_parser_set_report(csec__index_parser *p, csec__index_report_fn fn, void *payload)
{
    p->report = fn;
    p->report_payload = payload;
}

const csec_index_stats *csec__index_parser_stats(const csec__index_parser *p)
{
    return &p->stats;
}

void csec__index_parser_free(csec__index_parser *p)
{
    if (!p)
        return;
    pool_give(p->core, &p->pool);
    free(p->vt);
    free(p->ptrs);
    free(p->feats);
    free(p->dc);
    csec_buf_free(&p->name);
    csec_buf_free(&p->vers);
    csec_buf_free(&p->text);
    csec_buf_free(&p->cname);
    free(p);
}

static void emit(csec__index_parser *p, const csec_diag *d)
{
    if (p->report)
        p->report(d, p->report_payload);
    else if (p->core->opts.on_error)
        p->core->opts.on_error(d, p->core->opts.payload);
}

static void report(csec__index_parser *p, const char *path, uint32_t line, uint32_t col,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void report(csec__index_parser *p, const char *path, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    if (!p->report && !p->core->opts.on_error)
        return;
    csec_diag d;
    va_list ap;
    va_start(ap, fmt);
    csec__diag_vset(&d, CSEC_EPARSE, path ? path : "", line, col, fmt, ap);
    va_end(ap);
    emit(p, &d);
}

static void report_reader(csec__index_parser *p, const csec__json_reader *r, const char *path,
                          uint32_t line)
{
    if (!p->report && !p->core->opts.on_error)
        return;
    csec_diag d;
    csec__diag_clear(&d);
    csec__json_reader_diag(r, &d, path ? path : "", line - 1, 0);
    emit(p, &d);
}

#define KEY_IS(r, lit)                                                                             \
    ((r)->str.len == sizeof(lit) - 1 && memcmp((r)->str.ptr, lit, sizeof(lit) - 1) == 0)

static void ptrs_push(csec__index_parser *p, const void *x)
{
    if (p->nptrs == p->capptrs)
        p->ptrs = csec__grow(p->ptrs, &p->capptrs, 64, sizeof *p->ptrs);
    p->ptrs[p->nptrs++] = x;
}

/* Interns the `n` pointers pushed since `base` (NULL when none). */
static const void *intern_ptrs(csec__index_parser *p, size_t base, size_t n)
{
    return n ? intern_blob(p->core, p, p->ptrs + base, n * sizeof *p->ptrs) : NULL;
}

/* Reads an array of strings (the next token must begin it) into an interned
 * list.  null is accepted as the empty list. */
static int read_strlist(csec__index_parser *p, csec__json_reader *r, csec_strlist *out)
{
    size_t base = p->nptrs;
    csec__json_tok t = csec__json_reader_next(r);
    out->items = NULL;
    out->count = 0;
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_ARRAY_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "expected an array of strings");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_ARRAY_END)
            break;
        if (t != CSEC__JSON_TOK_STRING) {
            csec__json_reader_fail(r, r->tok_off, "expected a string");
            p->nptrs = base;
            return -1;
        }
        ptrs_push(p, intern_str(p->core, p, r->str.ptr, r->str.len));
    }
    out->count = p->nptrs - base;
    out->items = intern_ptrs(p, base, out->count);
    p->nptrs = base;
    return 0;
}

/* Reads a string or null (NULL) into an interned string. */
static int read_opt_str(csec__index_parser *p, csec__json_reader *r, const char **out)
{
    csec__json_tok t = csec__json_reader_next(r);
    *out = NULL;
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_STRING) {
        csec__json_reader_fail(r, r->tok_off, "expected a string or null");
        return -1;
    }
    *out = intern_str(p->core, p, r->str.ptr, r->str.len);
    return 0;
}

static int read_bool(csec__json_reader *r, bool *out)
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t == CSEC__JSON_TOK_TRUE || t == CSEC__JSON_TOK_FALSE) {
        *out = t == CSEC__JSON_TOK_TRUE;
        return 0;
    }
    csec__json_reader_fail(r, r->tok_off, "expected true or false");
    return -1;
}

/* Reads one dependency object (its '{' already read) into an interned record. */
static const csec_index_dep *read_dep(csec__index_parser *p, csec__json_reader *r)
{
    csec_index_dep dep;
    const char *name = NULL, *package = NULL;
    size_t start = r->tok_off;
    memset(&dep, 0, sizeof dep); /* the record is its own interning key: padding must be 0 */
    dep.default_features = true;
    for (;;) {
        csec__json_tok t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            break;
        if (t != CSEC__JSON_TOK_KEY)
            return NULL;
        int rc = 0;
        if (KEY_IS(r, "name")) {
            rc = read_opt_str(p, r, &name);
        } else if (KEY_IS(r, "req")) {
            rc = read_opt_str(p, r, &dep.req);
        } else if (KEY_IS(r, "features")) {
            rc = read_strlist(p, r, &dep.features);
        } else if (KEY_IS(r, "optional")) {
            rc = read_bool(r, &dep.optional);
        } else if (KEY_IS(r, "default_features")) {
            rc = read_bool(r, &dep.default_features);
        } else if (KEY_IS(r, "target")) {
            rc = read_opt_str(p, r, &dep.target);
        } else if (KEY_IS(r, "registry")) {
            rc = read_opt_str(p, r, &dep.registry);
        } else if (KEY_IS(r, "package")) {
            rc = read_opt_str(p, r, &package);
        } else if (KEY_IS(r, "kind")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "normal"))
                dep.kind = CSEC_INDEX_DEP_NORMAL;
            else if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "build"))
                dep.kind = CSEC_INDEX_DEP_BUILD;
            else if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "dev"))
                dep.kind = CSEC_INDEX_DEP_DEV;
            else if (t != CSEC__JSON_TOK_NULL)
                rc = csec__json_reader_fail(
                    r, r->tok_off, "dependency kind must be \"normal\", \"build\" or \"dev\"");
        } else {
            /* Fields added by later Cargo versions are ignored, as Cargo does. */
            if (csec__json_reader_skip(r) == CSEC__JSON_TOK_ERROR)
                rc = -1;
        }
        if (rc < 0)
            return NULL;
    }
    if (!name || !dep.req) {
        csec__json_reader_fail(r, start,
                               name ? "dependency without \"req\"" : "dependency without \"name\"");
        return NULL;
    }
    if (package) {
        dep.name = package;
        dep.rename = name;
    } else {
        dep.name = name;
    }
    return intern_blob(p->core, p, &dep, sizeof dep);
}

static depslot *dep_cache_slot(csec__index_parser *p, const char *key, uint32_t len, uint32_t h)
{
    size_t mask = p->dccap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        depslot *s = &p->dc[i];
        if (s->stamp != p->stamp)
            return s;
        if (s->hash == h && s->len == len && memcmp(p->file + s->off, key, len) == 0)
            return s;
    }
}

static void dep_cache_put(csec__index_parser *p, uint32_t off, uint32_t len, uint32_t h,
                          const csec_index_dep *dep)
{
    if ((p->dccount + 1) * 2 > p->dccap) {
        size_t ncap = p->dccap ? p->dccap * 2 : 256;
        depslot *old = p->dc;
        size_t oldcap = p->dccap;
        p->dc = csec__xcalloc(ncap, sizeof *p->dc);
        p->dccap = ncap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].stamp == p->stamp)
                *dep_cache_slot(p, p->file + old[i].off, old[i].len, old[i].hash) = old[i];
        free(old);
    }
    depslot *s = dep_cache_slot(p, p->file + off, len, h);
    if (s->stamp == p->stamp)
        return;
    *s = (depslot){p->stamp, h, off, len, dep};
    p->dccount++;
}

static int read_deps(csec__index_parser *p, csec__json_reader *r, csec_index_version *v)
{
    size_t base = p->nptrs;
    csec__json_tok t = csec__json_reader_next(r);
    if (t != CSEC__JSON_TOK_ARRAY_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "\"deps\" must be an array");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_ARRAY_END)
            break;
        const csec_index_dep *dep = NULL;
        if (t == CSEC__JSON_TOK_OBJECT_BEGIN) {
            /* The cache's key runs to the first '}': the object's end unless
             * one of its strings holds a '}', and then the object is simply
             * not cached (the parse below ends elsewhere). */
            size_t at = r->tok_off, foff = p->line_off + at;
            const char *obj = r->start + at;
            const char *close = p->file ? memchr(obj, '}', (size_t)(r->end - obj)) : NULL;
            size_t n = close ? (size_t)(close - obj) + 1 : 0;
            uint32_t h = 0;
            if (n && n < UINT32_MAX && foff < UINT32_MAX) {
                h = (uint32_t)csec__hash_bytes(obj, n);
                if (p->dccap) {
                    depslot *s = dep_cache_slot(p, obj, (uint32_t)n, h);
                    if (s->stamp == p->stamp)
                        dep = s->dep;
                }
            }
            if (dep) {
                /* The same bytes were parsed before and ended at that '}'. */
                csec__json_reader_close_at(r, at + n - 1);
            } else {
                dep = read_dep(p, r);
                if (dep && n && h && r->tok_off == at + n - 1)
                    dep_cache_put(p, (uint32_t)foff, (uint32_t)n, h, dep);
            }
        } else {
            csec__json_reader_fail(r, r->tok_off, "a dependency must be an object");
        }
        if (!dep) {
            p->nptrs = base;
            return -1;
        }
        ptrs_push(p, dep);
    }
    size_t n = p->nptrs - base;
    if (n > UINT32_MAX) {
        p->nptrs = base;
        csec__json_reader_fail(r, r->tok_off, "too many dependencies");
        return -1;
    }
    v->deps = intern_ptrs(p, base, n);
    v->deps_count = (uint32_t)n;
    p->nptrs = base;
    return 0;
}

/* Reads a feature map ("features" or "features2") into p->feats. */
static int read_features(csec__index_parser *p, csec__json_reader *r)
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_OBJECT_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "a feature map must be an object");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            return 0;
        if (t != CSEC__JSON_TOK_KEY)
            return -1;
        if (p->nfeats == p->capfeats)
            p->feats = csec__grow(p->feats, &p->capfeats, 32, sizeof *p->feats);
        ftmp *f = &p->feats[p->nfeats];
        f->name = intern_str(p->core, p, r->str.ptr, r->str.len);
        f->order = (uint32_t)p->nfeats;
        if (read_strlist(p, r, &f->values) < 0)
            return -1;
        p->nfeats++;
    }
}

static int ftmp_cmp(const void *a, const void *b)
{
    const ftmp *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts and merges p->feats into the version's interned feature map. */
static void finish_features(csec__index_parser *p, csec_index_version *v)
{
    size_t n = p->nfeats, out = 0;
    if (n == 0) {
        v->features = NULL;
        v->features_count = 0;
        return;
    }
    /* Index files write `features` sorted already: skip the sort then. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = strcmp(p->feats[i - 1].name, p->feats[i].name) < 0;
    if (!sorted)
        qsort(p->feats, n, sizeof *p->feats, ftmp_cmp);
    csec_index_feature small[16];
    csec_index_feature *fs = n <= 16 ? small : csec__xmalloc(csec__mul(n, sizeof *fs));
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(p->feats[j].name, p->feats[i].name) == 0)
            j++;
        csec_strlist vals = p->feats[i].values;
        if (j - i > 1) {
            /* A name given more than once (features and features2): the
             * values of all, in order. */
            size_t base = p->nptrs;
            for (size_t k = i; k < j; k++)
                for (size_t m = 0; m < p->feats[k].values.count; m++)
                    ptrs_push(p, p->feats[k].values.items[m]);
            vals.count = p->nptrs - base;
            vals.items = intern_ptrs(p, base, vals.count);
            p->nptrs = base;
        }
        memset(&fs[out], 0, sizeof fs[out]);
        fs[out].name = p->feats[i].name;
        fs[out].values = vals;
        out++;
        i = j;
    }
    v->features = intern_blob(p->core, p, fs, out * sizeof *fs);
    v->features_count = (uint32_t)out;
    if (fs != small)
        free(fs);
}

/* Checked, not kept (index.h). */
static int read_cksum(csec__json_reader *r)
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t != CSEC__JSON_TOK_STRING || r->str.len != 64)
        goto bad;
    for (size_t i = 0; i < 64; i++)
        if (csec__hexval((unsigned char)r->str.ptr[i]) < 0)
            goto bad;
    return 0;
bad:
    csec__json_reader_fail(r, r->tok_off, "\"cksum\" must be 64 hex digits");
    return -1;
}

enum { LINE_OK = 0, LINE_BAD = -1, LINE_UNSUPPORTED = 1 };

/* Parses one line into `v`; the name and version text are left in p->name
 * and p->vers, the publication time appended to p->text (*pub_off).
 * LINE_BAD leaves the reason in the reader. */
static int read_line(csec__index_parser *p, csec__json_reader *r, csec_index_version *v,
                     const char **links, const char **rust_version, uint32_t *pub_off,
                     uint32_t *pub_len)
{
    enum { HAVE_NAME = 1, HAVE_VERS = 2, HAVE_CKSUM = 4 };
    unsigned have = 0;
    int64_t schema = 1;
    memset(v, 0, sizeof *v);
    *links = *rust_version = NULL;
    p->nfeats = 0;
    *pub_off = UINT32_MAX;
    *pub_len = 0;
    size_t text_mark = p->text.len;
    if (csec__json_reader_next(r) != CSEC__JSON_TOK_OBJECT_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "a line must be a JSON object");
        return LINE_BAD;
    }
    for (;;) {
        csec__json_tok t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            break;
        if (t != CSEC__JSON_TOK_KEY)
            goto bad;
        int rc = 0;
        if (KEY_IS(r, "name") || KEY_IS(r, "vers")) {
            bool is_name = r->str.ptr[0] == 'n';
            if (csec__json_reader_next(r) != CSEC__JSON_TOK_STRING) {
                csec__json_reader_fail(r, r->tok_off, "expected a string");
                goto bad;
            }
            *(is_name ? &p->name_off : &p->vers_off) = r->tok_off;
            csec_buf *b = is_name ? &p->name : &p->vers;
            csec_buf_clear(b);
            csec_buf_put(b, r->str.ptr, r->str.len);
            have |= is_name ? HAVE_NAME : HAVE_VERS;
        } else if (KEY_IS(r, "deps")) {
            rc = read_deps(p, r, v);
        } else if (KEY_IS(r, "cksum")) {
            rc = read_cksum(r);
            have |= HAVE_CKSUM;
        } else if (KEY_IS(r, "features") || KEY_IS(r, "features2")) {
            rc = read_features(p, r);
        } else if (KEY_IS(r, "yanked")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_TRUE || t == CSEC__JSON_TOK_FALSE)
                v->yanked = t == CSEC__JSON_TOK_TRUE;
            else if (t != CSEC__JSON_TOK_NULL)
                rc = csec__json_reader_fail(r, r->tok_off, "\"yanked\" must be a boolean");
        } else if (KEY_IS(r, "links")) {
            rc = read_opt_str(p, r, links);
        } else if (KEY_IS(r, "rust_version")) {
            rc = read_opt_str(p, r, rust_version);
        } else if (KEY_IS(r, "pubtime")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_STRING && r->str.len < UINT32_MAX / 2 &&
                p->text.len < UINT32_MAX / 2) {
                /* Unique per version: kept in the crate's block, not interned. */
                p->text.len = text_mark;
                *pub_off = (uint32_t)p->text.len;
                *pub_len = (uint32_t)r->str.len;
                csec_buf_put(&p->text, r->str.ptr, r->str.len);
                csec_buf_putc(&p->text, '\0');
            } else if (t != CSEC__JSON_TOK_NULL) {
                rc = csec__json_reader_fail(r, r->tok_off, "\"pubtime\" must be a string");
            }
        } else if (KEY_IS(r, "v")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_INT && r->num_i >= 0)
                schema = r->num_i;
            else
                rc = csec__json_reader_fail(r, r->tok_off, "\"v\" must be a non-negative integer");
        } else {
            if (csec__json_reader_skip(r) == CSEC__JSON_TOK_ERROR)
                rc = -1;
        }
        if (rc < 0)
            goto bad;
    }
    if (csec__json_reader_next(r) != CSEC__JSON_TOK_END)
        goto bad;
    if ((have & (HAVE_NAME | HAVE_VERS | HAVE_CKSUM)) != (HAVE_NAME | HAVE_VERS | HAVE_CKSUM)) {
        csec__json_reader_fail(r, 0,
                               !(have & HAVE_NAME)   ? "missing \"name\""
                               : !(have & HAVE_VERS) ? "missing \"vers\""
                                                     : "missing \"cksum\"");
        goto bad;
    }
    /* Cargo ignores entries of a schema newer than it knows (2). */
    if (schema > 2) {
        p->text.len = text_mark;
        return LINE_UNSUPPORTED;
    }
    v->schema = (uint8_t)schema;
    finish_features(p, v);
    return LINE_OK;
bad:
    p->text.len = text_mark;
    return LINE_BAD;
}

/* The 1-based column of a byte offset in a line (lines are short). */
static uint32_t col_of(size_t off)
{
    return off >= UINT32_MAX ? UINT32_MAX : (uint32_t)off + 1;
}

/* Handles one non-empty line: parse, check the name, parse the version,
 * append to p->vt. */
static void add_line(csec__index_parser *p, const char *path, const char *expect, uint32_t lineno,
                     const char *s, size_t len)
{
    csec__json_reader r;
    csec_index_version v;
    const char *links, *rust_version;
    uint32_t pub_off, pub_len;
    size_t text_mark = p->text.len;
    csec__json_reader_init(&r, s, len);
    int rc = read_line(p, &r, &v, &links, &rust_version, &pub_off, &pub_len);
    if (rc == LINE_UNSUPPORTED) {
        p->stats.unsupported++;
        goto done;
    }
    if (rc == LINE_BAD) {
        p->stats.bad_lines++;
        report_reader(p, &r, path, lineno);
        goto done;
    }
    const char *name = p->name.ptr;
    size_t name_len = p->name.len;
    /* The file's crate: the one expected, else the first line's (a line
     * accepted with `expect` names it, so `expect` alone is enough then). */
    const char *want = expect ? expect : p->crate_name;
    if (want && !csec__crate_name_eq(name, name_len, want, strlen(want))) {
        p->stats.bad_lines++;
        report(p, path, lineno, col_of(p->name_off), "line is for crate \"%.*s\", not \"%s\"",
               (int)(name_len > 100 ? 100 : name_len), name, want);
        goto undo;
    }
    if (name_len == 0 || memchr(name, '\0', name_len)) {
        p->stats.bad_lines++;
        report(p, path, lineno, col_of(p->name_off), "invalid crate name");
        goto undo;
    }
    /* The crate exists even when none of its versions is usable. */
    if (!p->crate_name) {
        csec_buf_clear(&p->cname);
        csec_buf_put(&p->cname, name, name_len);
        p->crate_name = p->cname.ptr;
    }
    csec_diag vd;
    csec_version parsed;
    if (csec_version_parse(&parsed, p->vers.ptr, p->vers.len, &vd) < 0) {
        p->stats.bad_versions++;
        report(p, path, lineno, col_of(p->vers_off), "invalid version \"%.*s\": %s",
               (int)(p->vers.len > 100 ? 100 : p->vers.len), p->vers.ptr, vd.msg);
        goto undo;
    }
    if (p->vers.len >= UINT32_MAX / 4 || p->text.len >= UINT32_MAX / 4)
        goto undo;
    if (p->nvt == p->capvt)
        p->vt = csec__grow(p->vt, &p->capvt, 64, sizeof *p->vt);
    vtmp *t = &p->vt[p->nvt++];
    t->v = v;
    t->v.version = parsed; /* pre/build re-pointed when the block is built */
    t->line = lineno;
    t->links = links;
    t->rust_version = rust_version;
    t->pub_off = pub_off;
    t->pub_len = pub_len;
    t->vers_off = (uint32_t)p->text.len;
    t->vers_len = (uint32_t)p->vers.len;
    t->pre_off = parsed.pre.len ? (uint32_t)(parsed.pre.ptr - p->vers.ptr) : t->vers_len;
    t->build_off = parsed.build.len ? (uint32_t)(parsed.build.ptr - p->vers.ptr) : t->vers_len;
    csec_buf_put(&p->text, p->vers.ptr, p->vers.len);
    csec_buf_putc(&p->text, '\0');
    goto done;
undo:
    p->text.len = text_mark;
done:
    csec__json_reader_free(&r);
}

static int vtmp_cmp(const void *a, const void *b)
{
    const vtmp *x = a, *y = b;
    int c = csec_version_cmp(&x->v.version, &y->v.version);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Which of two files for one crate ('-'/'_' or case twins) a record was
 * read from: a hash of the file's name, never 0 for a name. */
static uint32_t file_id(const char *file_name)
{
    if (!file_name)
        return 0;
    uint32_t h = (uint32_t)csec__fnv1a_str(CSEC_FNV_INIT, file_name);
    return h ? h : 1;
}

/* The crate's block from p->vt (sorted and de-duplicated here). */
static crate_rec *build_crate(csec__index_parser *p)
{
    /* The parsed versions point into p->vers, which later lines overwrote:
     * re-point them into p->text, where the comparison needs them. */
    for (size_t i = 0; i < p->nvt; i++) {
        vtmp *t = &p->vt[i];
        const char *vers = p->text.ptr + t->vers_off;
        t->v.version.pre.ptr = vers + t->pre_off;
        t->v.version.build.ptr = vers + t->build_off;
    }
    /* SemVer order; equal versions keep file order.  crates.io's index has a
     * few versions published twice; Cargo keeps the last line of such a
     * version, so the later one replaces the earlier one here too.  Most
     * files are in order already. */
    bool sorted = true;
    for (size_t i = 1; i < p->nvt && sorted; i++)
        sorted = vtmp_cmp(&p->vt[i - 1], &p->vt[i]) < 0;
    if (!sorted)
        qsort(p->vt, p->nvt, sizeof *p->vt, vtmp_cmp);
    size_t n = 0, text = 0;
    for (size_t i = 0; i < p->nvt; i++) {
        if (n && csec_version_cmp(&p->vt[n - 1].v.version, &p->vt[i].v.version) == 0) {
            p->stats.duplicates++;
            p->vt[n - 1] = p->vt[i];
            continue;
        }
        p->vt[n++] = p->vt[i];
    }
    size_t nextra = 0;
    for (size_t i = 0; i < n; i++) {
        const vtmp *t = &p->vt[i];
        text += t->vers_len + 1 + (t->pub_off != UINT32_MAX ? t->pub_len + 1 : 0);
        nextra += t->links || t->rust_version || t->pub_off != UINT32_MAX;
    }
    size_t name_len = strlen(p->crate_name);
    size_t size = sizeof(crate_rec) + csec__mul(n, sizeof(csec_index_version)) +
                  csec__mul(nextra, sizeof(csec_index_extra)) + text;
    crate_rec *c = csec__xmalloc(size);
    memset(c, 0, sizeof *c);
    csec_index_version *vs = (csec_index_version *)(c + 1);
    csec_index_extra *ex = (csec_index_extra *)(vs + n);
    char *out = (char *)(ex + nextra);
    /* The name is interned: one pointer for the crate in every generation
     * (the reverse dependencies name dependents by it). */
    c->pub.name = intern_str(p->core, p, p->crate_name, name_len);
    for (size_t i = 0; i < n; i++) {
        const vtmp *t = &p->vt[i];
        vs[i] = t->v;
        memcpy(out, p->text.ptr + t->vers_off, t->vers_len + 1);
        vs[i].vers = out;
        vs[i].version.pre.ptr = out + t->pre_off;
        vs[i].version.build.ptr = out + t->build_off;
        out += t->vers_len + 1;
        if (t->links || t->rust_version || t->pub_off != UINT32_MAX) {
            ex->links = t->links;
            ex->rust_version = t->rust_version;
            ex->pubtime = NULL;
            if (t->pub_off != UINT32_MAX) {
                memcpy(out, p->text.ptr + t->pub_off, t->pub_len + 1);
                ex->pubtime = out;
                out += t->pub_len + 1;
            }
            vs[i].extra = ex++;
        }
    }
    c->pub.versions = n ? vs : NULL;
    c->pub.versions_count = n;
    c->hash = csec__crate_name_hash(c->pub.name, name_len);
    c->size = size;
    return c;
}

const csec_index_crate *csec__index_parse(csec__index_parser *p, const char *path,
                                          const char *expect_name, const char *text, size_t len,
                                          int *rc)
{
    const char *s = text, *end = text + len;
    uint32_t lineno = 0;
    size_t bad_before = p->stats.bad_lines + p->stats.bad_versions;

    *rc = 0;
    p->nvt = 0;
    p->crate_name = NULL;
    csec_buf_clear(&p->text);
    p->stats.files++;
    p->file = text;
    if (++p->stamp == 0) {
        /* Wrapped: no slot may look current. */
        if (p->dc)
            memset(p->dc, 0, p->dccap * sizeof *p->dc);
        p->stamp = 1;
    }
    p->dccount = 0;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        lineno++;
        /* Blank lines are ignored, as Cargo does. */
        const char *q = s;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < le) {
            p->line_off = (size_t)(s - text);
            add_line(p, path, expect_name, lineno, s, (size_t)(le - s));
        }
        s = nl ? nl + 1 : end;
    }
    p->file = NULL;
    if (!p->crate_name) {
        if (p->stats.bad_lines + p->stats.bad_versions > bad_before)
            *rc = CSEC_EPARSE;
        return NULL;
    }
    crate_rec *c = build_crate(p);
    c->file = file_id(expect_name);
    return &c->pub;
}

/* ---- generations ---- */

static crate_rec *rec_of(const csec_index_crate *c)
{
    return (crate_rec *)c;
}

/* The name table of a generation: open addressing of its crate records,
 * with removal (backward shift), which the project's map does not offer and
 * an apply needs for removed crates. */
static crate_rec **table_slot(crate_rec **table, size_t cap, const char *name, size_t len,
                              uint32_t h)
{
    size_t mask = cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        crate_rec **s = &table[i];
        if (!*s)
            return s;
        if ((*s)->hash == h && csec__crate_name_eq((*s)->pub.name, strlen((*s)->pub.name), name, len))
            return s;
    }
}

static void table_resize(csec_index *ix, size_t ncap)
{
    crate_rec **old = ix->table;
    size_t oldcap = ix->tabcap;
    ix->table = csec__xcalloc(ncap, sizeof *ix->table);
    ix->tabcap = ncap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i])
            continue;
        size_t j = old[i]->hash & (ncap - 1);
        while (ix->table[j])
            j = (j + 1) & (ncap - 1);
        ix->table[j] = old[i];
    }
    free(old);
}

/* Removes the entry at slot i, moving later entries of its cluster back
 * (linear probing needs no tombstones then). */
static void table_delete_at(csec_index *ix, size_t i)
{
    size_t mask = ix->tabcap - 1;
    for (size_t j = (i + 1) & mask; ix->table[j]; j = (j + 1) & mask) {
        size_t home = ix->table[j]->hash & mask;
        /* Moves when its home is not cyclically within (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            ix->table[i] = ix->table[j];
            i = j;
        }
    }
    ix->table[i] = NULL;
}

static crate_rec **find_slot(const csec_index *ix, const char *name)
{
    size_t len = strlen(name);
    return table_slot(ix->table, ix->tabcap, name, len, csec__crate_name_hash(name, len));
}

static void crates_push(csec_index *ix, crate_rec *c)
{
    if (ix->ncrates == ix->capcrates)
        ix->crates = csec__grow(ix->crates, &ix->capcrates, 1024, sizeof *ix->crates);
    ix->crates[ix->ncrates++] = c;
}

static void grave_push(csec_index *ix, crate_rec *c)
{
    if (ix->ngrave == ix->capgrave)
        ix->graveyard = csec__grow(ix->graveyard, &ix->capgrave, 16, sizeof *ix->graveyard);
    ix->graveyard[ix->ngrave++] = c;
}

static csec_index *gen_new(index_core *core)
{
    csec_index *ix = csec__xcalloc(1, sizeof *ix);
    ix->core = core;
    atomic_init(&ix->refs, 1);
    return ix;
}

csec_index *csec__index_new(const csec_index_options *opts)
{
    index_core *c = csec__xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    if (opts)
        c->opts = *opts;
    /* Shards only where threads will insert together: a one-crate index
     * (the sparse cache holds thousands) keeps one table of each kind. */
    c->shard_mask = c->opts.threads > 1 ? SHARDS - 1 : 0;
    c->strings = csec__xcalloc(table_count(c), sizeof *c->strings);
    c->blobs = c->strings + c->shard_mask + 1;
    for (size_t i = 0; i < table_count(c); i++)
        pthread_mutex_init(&c->strings[i].mu, NULL);
    return gen_new(c);
}

static void core_free(index_core *c)
{
    if (c->remote_free)
        c->remote_free(c->remote);
    csec__index_parser_free(c->parser);
    free_tables(c);
    for (size_t i = 0; i < table_count(c); i++)
        pthread_mutex_destroy(&c->strings[i].mu);
    free(c->strings);
    pool_free(&c->pool);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void gen_free_arrays(csec_index *ix)
{
    for (size_t i = 0; i < ix->ngrave; i++)
        free(ix->graveyard[i]);
    free(ix->graveyard);
    free(ix->crates);
    free(ix->table);
    free(ix->delta);
    free(ix);
}

void csec__index_free(csec_index *ix)
{
    if (!ix || atomic_fetch_sub(&ix->refs, 1) != 1)
        return;
    index_core *core = ix->core;
    pthread_mutex_lock(&core->mu);
    csec_index *succ = ix->succ;
    if (succ)
        succ->pred = NULL;
    pthread_mutex_unlock(&core->mu);
    if (succ) {
        /* The crates that did not make it into the successor. */
        for (size_t i = 0; i < succ->ndelta; i++)
            free((void *)succ->delta[i].old);
        gen_free_arrays(ix);
        csec__index_free(succ); /* the reference this generation held */
        return;
    }
    /* The newest generation, and the last: everything. */
    for (size_t i = 0; i < ix->ncrates; i++)
        free(ix->crates[i]);
    gen_free_arrays(ix);
    core_free(core);
}

void csec__index_discard(csec_index *next)
{
    if (!next)
        return;
    index_core *core = next->core;
    pthread_mutex_lock(&core->mu);
    csec_index *pred = next->pred;
    if (pred) {
        pred->succ = NULL;
        next->pred = NULL;
    }
    pthread_mutex_unlock(&core->mu);
    if (!pred) {
        csec__index_free(next);
        return;
    }
    for (size_t i = 0; i < next->ndelta; i++)
        free((void *)next->delta[i].new_crate);
    gen_free_arrays(next);
}

/* ---- building the first generation ---- */

static int rec_cmp(const void *a, const void *b)
{
    return name_order((*(crate_rec *const *)a)->pub.name, (*(crate_rec *const *)b)->pub.name);
}

/* Puts `c` into the table (replacing a crate of the same name, which is
 * returned) without touching the crate array. */
static crate_rec *table_put(csec_index *ix, crate_rec *c)
{
    if ((ix->ncrates + 1) * 4 > ix->tabcap * 3)
        table_resize(ix, ix->tabcap ? ix->tabcap * 2 : 1024);
    crate_rec **s = table_slot(ix->table, ix->tabcap, c->pub.name, strlen(c->pub.name), c->hash);
    crate_rec *old = *s;
    *s = c;
    return old;
}

/* Puts crate `c` in the index, in place of a crate of the same name if there
 * is one: the old record stays valid until the index is freed (a page may
 * hold it). */
static void put_crate(csec_index *ix, crate_rec *c)
{
    crate_rec *old = table_put(ix, c);
    if (old) {
        for (size_t k = 0; k < ix->ncrates; k++)
            if (ix->crates[k] == old)
                ix->crates[k] = c;
        ix->nversions -= old->pub.versions_count;
        ix->rec_bytes -= old->size;
        grave_push(ix, old);
    } else {
        crates_push(ix, c);
    }
    ix->nversions += c->pub.versions_count;
    ix->rec_bytes += c->size;
}

/* Of two files for one crate (case or '-'/'_' twins, which crates.io never
 * publishes), whether the one `served` stays over `other`: the crate name
 * (the files' lines') that sorts last bytewise is served, whatever order the
 * files came in; when both name it alike (a line's name need only match its
 * file's normalised), the larger file_id.  The one rule of a load and an
 * update. */
static bool twin_stays(const crate_rec *served, const crate_rec *other)
{
    int by_name = strcmp(served->pub.name, other->pub.name);
    return by_name ? by_name > 0 : served->file > other->file;
}

void csec__index_install(csec_index *ix, const csec_index_crate *const *crates, size_t n)
{
    size_t cap = 1024;
    while (n * 4 > cap * 3)
        cap *= 2;
    free(ix->table);
    ix->table = csec__xcalloc(cap, sizeof *ix->table);
    ix->tabcap = cap;
    /* Of two files for one crate, twin_stays decides whatever order the
     * loader's threads found them in; the other is freed with the
     * generation.  Each name's slot is settled first and the crate
     * array built from the table after, so an index of many twins costs a
     * probe each, not a pass over the array each (put_crate's way). */
    for (size_t i = 0; i < n; i++) {
        crate_rec *c = rec_of(crates[i]);
        crate_rec **s =
            table_slot(ix->table, ix->tabcap, c->pub.name, strlen(c->pub.name), c->hash);
        if (*s && twin_stays(*s, c)) {
            grave_push(ix, c);
            continue;
        }
        if (*s)
            grave_push(ix, *s);
        *s = c;
    }
    for (size_t i = 0; i < ix->tabcap; i++) {
        crate_rec *c = ix->table[i];
        if (!c)
            continue;
        crates_push(ix, c);
        ix->nversions += c->pub.versions_count;
        ix->rec_bytes += c->size;
    }
    if (ix->ncrates > 1)
        qsort(ix->crates, ix->ncrates, sizeof *ix->crates, rec_cmp);
}

/* Adds `now` - `before` (NULL: nothing) to `to`, field by field. */
static void stats_add(csec_index_stats *to, const csec_index_stats *now,
                      const csec_index_stats *before)
{
    static const csec_index_stats zero;
    if (!before)
        before = &zero;
    to->files += now->files - before->files;
    to->bad_lines += now->bad_lines - before->bad_lines;
    to->bad_versions += now->bad_versions - before->bad_versions;
    to->bad_files += now->bad_files - before->bad_files;
    to->unsupported += now->unsupported - before->unsupported;
    to->duplicates += now->duplicates - before->duplicates;
}

void csec__index_add_stats(csec_index *ix, const csec_index_stats *st)
{
    stats_add(&ix->stats, st, NULL);
}

static csec__index_parser *writer_parser(csec_index *ix)
{
    if (!ix->core->parser)
        ix->core->parser = csec__index_parser_new(ix);
    return ix->core->parser;
}

int csec__index_add_file(const csec_index_crate **out, csec_index *ix, const char *path,
                         const char *expect_name, const char *text, size_t len)
{
    csec__index_parser *p = writer_parser(ix);
    csec_index_stats before = p->stats;
    int rc;
    const csec_index_crate *pc = csec__index_parse(p, path, expect_name, text, len, &rc);
    stats_add(&ix->stats, &p->stats, &before);
    if (out)
        *out = pc;
    if (!pc)
        return rc;
    put_crate(ix, rec_of(pc));
    return 0;
}

csec_index *csec__index_parse_alone(const csec_index_options *opts, const char *path,
                                    const char *expect_name, const char *text, size_t len,
                                    int *rc)
{
    csec_index *ix = csec__index_new(opts);
    const csec_index_crate *c = NULL;
    *rc = csec__index_add_file(&c, ix, path, expect_name, text, len);
    if (!c) {
        csec__index_free(ix);
        return NULL;
    }
    /* Nothing more is added: the lookup tables and the parser go. */
    index_core *core = ix->core;
    free_tables(core);
    csec__index_parser_free(core->parser);
    core->parser = NULL;
    return ix;
}

/* ---- applying changes: the next generation ---- */

typedef struct pos_rec {
    size_t pos;
    crate_rec *rec;
} pos_rec;

static int pos_cmp(const void *a, const void *b)
{
    size_t x = ((const pos_rec *)a)->pos, y = ((const pos_rec *)b)->pos;
    return x < y ? -1 : x > y;
}

/* The position where `c` would go in ix->crates (sorted): the first crate
 * that does not sort before it. */
static size_t lower_bound(const csec_index *ix, const crate_rec *c)
{
    size_t lo = 0, hi = ix->ncrates;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_order(ix->crates[mid]->pub.name, c->pub.name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The position of `c` in ix->crates, or SIZE_MAX: looked for among the
 * names that sort with its own (they differ only in case), then anywhere
 * (crates that add_file appended are out of order). */
static size_t sorted_pos(const csec_index *ix, const crate_rec *c)
{
    for (size_t i = lower_bound(ix, c);
         i < ix->ncrates && name_order(ix->crates[i]->pub.name, c->pub.name) == 0; i++)
        if (ix->crates[i] == c)
            return i;
    for (size_t i = 0; i < ix->ncrates; i++)
        if (ix->crates[i] == c)
            return i;
    return SIZE_MAX;
}

/* By position, and by name among new crates that go to the same place. */
static int ins_cmp(const void *a, const void *b)
{
    const pos_rec *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return rec_cmp(&x->rec, &y->rec);
}

/* next->crates from prev->crates and next's delta, in name order: every
 * crate of prev that the delta does not remove or replace, and the delta's
 * new records.  The positions of the changes are found by binary search and
 * the runs between them copied whole: no name is looked at for the
 * hundreds of thousands of crates that did not change. */
static void merge_sorted(csec_index *next, const csec_index *prev)
{
    size_t nd = next->ndelta, nrem = 0, nins = 0;
    pos_rec *rem = csec__xcalloc(nd + 1, sizeof *rem);
    pos_rec *ins = csec__xcalloc(nd + 1, sizeof *ins);
    for (size_t i = 0; i < nd; i++) {
        const csec_index_delta *e = &next->delta[i];
        if (e->old) {
            size_t pos = sorted_pos(prev, rec_of(e->old));
            if (pos != SIZE_MAX)
                rem[nrem++] = (pos_rec){pos, NULL};
        }
        if (e->new_crate) {
            crate_rec *c = rec_of(e->new_crate);
            ins[nins++] = (pos_rec){lower_bound(prev, c), c};
        }
    }
    qsort(rem, nrem, sizeof *rem, pos_cmp);
    qsort(ins, nins, sizeof *ins, ins_cmp);
    size_t n = prev->ncrates - nrem + nins;
    next->crates = csec__xmalloc(csec__mul(n + 1, sizeof *next->crates));
    next->capcrates = n + 1;
    size_t out = 0, i = 0, r = 0, k = 0;
    while (i < prev->ncrates || k < nins) {
        /* The next event: an insertion before element `p`, or the removal
         * of element `p`; insertions first at the same place. */
        size_t p = prev->ncrates;
        if (k < nins && ins[k].pos < p)
            p = ins[k].pos;
        if (r < nrem && rem[r].pos < p)
            p = rem[r].pos;
        if (p > i) {
            memcpy(next->crates + out, prev->crates + i, (p - i) * sizeof *next->crates);
            out += p - i;
            i = p;
        }
        if (k < nins && ins[k].pos == i) {
            next->crates[out++] = ins[k++].rec;
        } else if (r < nrem && rem[r].pos == i) {
            while (r < nrem && rem[r].pos == i)
                r++;
            i++;
        } else if (i == prev->ncrates) {
            break;
        }
    }
    next->ncrates = out;
    free(rem);
    free(ins);
}

static void delta_push(csec_index *next, crate_rec *old, crate_rec *nw, size_t *cap)
{
    if (old && old->delta) {
        /* The crate changed twice in one apply: its first new record goes. */
        csec_index_delta *e = &next->delta[old->delta - 1];
        e->new_crate = nw ? &nw->pub : NULL;
        if (nw)
            nw->delta = old->delta;
        free(old);
        return;
    }
    if (next->ndelta == *cap)
        next->delta = csec__grow(next->delta, cap, 64, sizeof *next->delta);
    next->delta[next->ndelta++] = (csec_index_delta){old ? &old->pub : NULL, nw ? &nw->pub : NULL};
    if (nw)
        nw->delta = (uint32_t)next->ndelta;
}

int csec__index_apply(csec_index **out, csec_index *prev, const csec_index_change *changes,
                      size_t n, csec_diag *d)
{
    *out = NULL;
    index_core *core = prev->core;
    pthread_mutex_lock(&core->mu);
    bool busy = prev->succ != NULL;
    pthread_mutex_unlock(&core->mu);
    if (busy)
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0,
                              "the index already has a next generation");
    csec_index *next = gen_new(core);
    next->tabcap = prev->tabcap ? prev->tabcap : 1024;
    next->table = csec__xcalloc(next->tabcap, sizeof *next->table);
    if (prev->tabcap)
        memcpy(next->table, prev->table, prev->tabcap * sizeof *next->table);
    next->nversions = prev->nversions;
    next->rec_bytes = prev->rec_bytes;
    next->stats = prev->stats;
    next->dl = prev->dl;
    next->api = prev->api;
    next->auth_required = prev->auth_required;
    size_t count = prev->ncrates, dcap = 0;
    csec__index_parser *p = writer_parser(prev);
    csec_index_stats before = p->stats;
    char want[1024];

    for (size_t i = 0; i < n; i++) {
        const csec_index_change *ch = &changes[i];
        const char *slash = strrchr(ch->path, '/');
        const char *base = slash ? slash + 1 : ch->path;
        if (strcmp(ch->path, "config.json") == 0) {
            csec_diag cd;
            if (ch->text &&
                csec__index_set_config(next, ch->path, ch->text, ch->len, &cd) < 0)
                report(p, cd.file, cd.line, cd.col, "%s", cd.msg);
            continue;
        }
        if (!slash || base[0] == '.' || ch->path[0] == '.')
            continue; /* not in a crate directory: README, .github/ */
        char dir[16];
        size_t dl = (size_t)(slash - ch->path);
        if (dl >= sizeof dir)
            continue;
        memcpy(dir, ch->path, dl);
        dir[dl] = '\0';
        if (!csec__index_well_placed(want, sizeof want, dir, base)) {
            if (ch->text) {
                next->stats.bad_files++;
                report(p, ch->path, 0, 0, "misplaced crate file: \"%s\" belongs at %s", base,
                       want[0] ? want : "(nowhere)");
            }
            continue;
        }
        crate_rec **slot = find_slot(next, base);
        crate_rec *old = *slot, *nw = NULL;
        if (ch->text) {
            int rc;
            nw = rec_of(csec__index_parse(p, ch->path, base, ch->text, ch->len, &rc));
        }
        /* A change to the twin of the file served for this crate: the
         * load's rule decides, so that an update serves what a fresh load
         * would.  The served file's removal still removes the crate until
         * the next load (the twin is not read). */
        if (old && old->file && old->file != file_id(base) && (!nw || twin_stays(old, nw))) {
            free(nw);
            continue;
        }
        if (!old && !nw)
            continue;
        if (old && nw) {
            *slot = nw;
        } else if (old) {
            table_delete_at(next, (size_t)(slot - next->table));
            count--;
        } else {
            if ((count + 1) * 4 > next->tabcap * 3)
                table_resize(next, next->tabcap * 2);
            *find_slot(next, base) = nw;
            count++;
        }
        if (old) {
            next->nversions -= old->pub.versions_count;
            next->rec_bytes -= old->size;
        }
        if (nw) {
            next->nversions += nw->pub.versions_count;
            next->rec_bytes += nw->size;
        }
        delta_push(next, old, nw, &dcap);
    }
    /* Records replaced within this apply were freed by delta_push; an entry
     * may now be a no-op (added, then removed). */
    size_t kept = 0;
    for (size_t i = 0; i < next->ndelta; i++) {
        csec_index_delta e = next->delta[i];
        if (e.new_crate)
            rec_of(e.new_crate)->delta = 0;
        if (e.old || e.new_crate)
            next->delta[kept++] = e;
    }
    next->ndelta = kept;
    merge_sorted(next, prev);
    stats_add(&next->stats, &p->stats, &before);

    pthread_mutex_lock(&core->mu);
    prev->succ = next;
    next->pred = prev;
    atomic_fetch_add(&next->refs, 1); /* held by prev until it is freed */
    pthread_mutex_unlock(&core->mu);
    *out = next;
    return 0;
}

const csec_index *csec__index_predecessor(const csec_index *ix)
{
    pthread_mutex_lock(&ix->core->mu);
    const csec_index *p = ix->pred;
    pthread_mutex_unlock(&ix->core->mu);
    return p;
}

void csec__index_delta(const csec_index *ix, const csec_index_delta **out, size_t *n)
{
    *out = ix->delta;
    *n = ix->ndelta;
}

void csec__index_set_source(csec_index *ix, const char *id, int64_t time)
{
    snprintf(ix->source, sizeof ix->source, "%s", id ? id : "");
    ix->source_time = time;
}

const char *csec__index_source(const csec_index *ix, int64_t *time)
{
    if (time)
        *time = ix->source_time;
    return ix->source;
}

/* ---- lookups ---- */

const csec_index_crate *csec__index_find(const csec_index *ix, const char *name)
{
    if (!ix || !name || ix->tabcap == 0)
        return NULL;
    crate_rec *c = *find_slot(ix, name);
    return c ? &c->pub : NULL;
}

size_t csec__index_crate_count(const csec_index *ix)
{
    return ix->ncrates;
}

const csec_index_crate *csec__index_crate_at(const csec_index *ix, size_t i)
{
    return i < ix->ncrates ? &ix->crates[i]->pub : NULL;
}

size_t csec__index_version_count(const csec_index *ix)
{
    return ix->nversions;
}

const csec_index_version *csec__index_newest(const csec_index_crate *c, bool include_yanked,
                                             bool include_prerelease)
{
    for (size_t i = c->versions_count; i-- > 0;) {
        const csec_index_version *v = &c->versions[i];
        if (v->yanked && !include_yanked)
            continue;
        if (v->version.pre.len && !include_prerelease)
            continue;
        return v;
    }
    return NULL;
}

const csec_index_feature *csec__index_feature_find(const csec_index_version *v, const char *name)
{
    size_t lo = 0, hi = v->features_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->features[mid].name, name);
        if (c == 0)
            return &v->features[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void csec__index_stats(const csec_index *ix, csec_index_stats *out)
{
    *out = ix->stats;
    /* The interned objects are shared by every generation; each is counted
     * in full, as a fresh load would hold them. */
    size_t tables = atomic_load(&ix->core->table_bytes);
    size_t core = atomic_load(&ix->core->pool_bytes) + tables;
    out->arena_bytes = core + ix->rec_bytes + ix->tabcap * sizeof *ix->table +
                       ix->capcrates * sizeof *ix->crates;
    out->interned_bytes = core - tables;
    out->intern_table_bytes = tables;
    out->crate_bytes = ix->rec_bytes;
}

/* ---- config.json ---- */

int csec__index_set_config(csec_index *ix, const char *path, const char *text, size_t len,
                           csec_diag *d)
{
    csec_arena tmp = CSEC_ARENA_INIT;
    const csec_jv *root = NULL;
    int rc = 0;
    if (csec__json_parse(&root, &tmp, text, len, d) < 0) {
        rc = CSEC_EPARSE;
        if (d)
            snprintf(d->file, sizeof d->file, "%s", path ? path : "");
        goto done;
    }
    if (root->type != CSEC_JV_OBJECT) {
        rc = csec__diag_set(d, CSEC_EPARSE, path, 1, 1, "config.json must be an object");
        goto done;
    }
    /* Cargo ignores members it does not know; so do we. "dl" and "api"
     * must be strings when present (Cargo refuses the registry otherwise). */
    const csec_jv *dl = csec__jv_get(root, "dl"), *api = csec__jv_get(root, "api");
    if ((dl && dl->type != CSEC_JV_STRING) ||
        (api && api->type != CSEC_JV_STRING && api->type != CSEC_JV_NULL)) {
        rc = csec__diag_set(d, CSEC_EPARSE, path, 1, 1,
                            "config.json: \"dl\" and \"api\" must be strings");
        goto done;
    }
    ix->dl = dl ? intern_str(ix->core, NULL, dl->u.s, dl->len) : NULL;
    ix->api = api && api->type == CSEC_JV_STRING ? intern_str(ix->core, NULL, api->u.s, api->len) : NULL;
    const csec_jv *auth = csec__jv_get(root, "auth-required");
    ix->auth_required = auth && auth->type == CSEC_JV_TRUE;
done:
    csec__arena_free(&tmp);
    return rc;
}

const char *csec__index_config_dl(const csec_index *ix)
{
    return ix->dl;
}

const char *csec__index_config_api(const csec_index *ix)
{
    return ix->api;
}

bool csec__index_config_auth_required(const csec_index *ix)
{
    return ix->auth_required;
}

void csec__index_attach_remote(csec_index *ix, void *remote, void (*remote_free)(void *))
{
    ix->core->remote = remote;
    ix->core->remote_free = remote_free;
}

void *csec__index_remote(const csec_index *ix)
{
    return ix->core->remote;
}

csec_index_stats *csec__index_stats_ref(csec_index *ix)
{
    return &ix->stats;
}

const csec_index_options *csec__index_options(const csec_index *ix)
{
    return &ix->core->opts;
}
