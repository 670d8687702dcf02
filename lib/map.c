/* map.c - the one hash map (see map.h). */
#include "map.h"

#include "crate_name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A 64-bit hash of n bytes, eight at a time, with a final mix so that the
 * low bits (the slot) depend on every input bit. */
static uint64_t hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * 0x94d049bb133111ebULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

static uint32_t hash_key(const csec_map *m, const void *key, size_t len)
{
    switch (m->keys) {
    case CSEC_MAP_ADDRESSES:
        return (uint32_t)hash_bytes(&key, sizeof key);
    case CSEC_MAP_CRATE_NAMES: {
        /* Equal names have equal folded bytes; past the first 256 bytes the
         * length alone goes into the hash (names are short). */
        unsigned char folded[256];
        size_t n = len < sizeof folded ? len : sizeof folded;
        for (size_t i = 0; i < n; i++)
            folded[i] = csec__crate_name_fold(((const unsigned char *)key)[i]);
        return (uint32_t)(hash_bytes(folded, n) ^ len);
    }
    case CSEC_MAP_BYTES:
        return (uint32_t)hash_bytes(key, len);
    }
    fprintf(stderr, "cratesec: a map used before csec__map_init\n");
    abort();
}

static bool key_eq(const csec_map *m, const csec_map_entry *e, const void *key, size_t len)
{
    switch (m->keys) {
    case CSEC_MAP_ADDRESSES:
        return e->key == key;
    case CSEC_MAP_CRATE_NAMES:
        return csec__crate_name_eq(e->key, e->len, key, len);
    case CSEC_MAP_BYTES:
        break;
    }
    return e->len == len && (len == 0 || memcmp(e->key, key, len) == 0);
}

static void *map_alloc(csec_map *m, size_t count, size_t size)
{
    size_t n = csec__mul(count, size);
    return m->arena ? csec__arena_alloc(m->arena, n) : csec__xcalloc(count, size);
}

static void map_release(csec_map *m, void *p)
{
    if (!m->arena)
        free(p);
}

void csec__map_init(csec_map *m, csec_map_keys keys, csec_arena *arena)
{
    memset(m, 0, sizeof *m);
    m->keys = keys;
    m->arena = arena;
}

/* The slot holding `key` (hash h), or the empty slot where it would go. */
static size_t probe(const csec_map *m, const void *key, size_t len, uint32_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = m->slots[i];
        if (s == 0)
            return i;
        if ((uint32_t)(s >> 32) == h && key_eq(m, &m->entries[(uint32_t)s - 1], key, len))
            return i;
    }
}

csec_map_entry *csec__map_find(const csec_map *m, const void *key, size_t len)
{
    if (m->count == 0)
        return NULL;
    uint64_t s = m->slots[probe(m, key, len, hash_key(m, key, len))];
    return s ? &m->entries[(uint32_t)s - 1] : NULL;
}

static void grow_slots(csec_map *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 16;
    uint64_t *slots = map_alloc(m, nslots, sizeof *slots);
    for (size_t k = 0; k < m->nslots; k++) {
        uint64_t s = m->slots[k];
        if (!s)
            continue;
        size_t i = (uint32_t)(s >> 32) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = s;
    }
    map_release(m, m->slots);
    m->slots = slots;
    m->nslots = nslots;
}

csec_map_entry *csec__map_put(csec_map *m, const void *key, size_t len, bool *added)
{
    if ((m->count + 1) * 4 > m->nslots * 3)
        grow_slots(m);
    uint32_t h = hash_key(m, key, len);
    size_t i = probe(m, key, len, h);
    if (m->slots[i]) {
        if (added)
            *added = false;
        return &m->entries[(uint32_t)m->slots[i] - 1];
    }
    if (m->count == UINT32_MAX - 1)
        csec__xmalloc(SIZE_MAX); /* aborts: as out of memory */
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        csec_map_entry *entries = map_alloc(m, cap, sizeof *entries);
        if (m->count)
            memcpy(entries, m->entries, m->count * sizeof *entries);
        map_release(m, m->entries);
        m->entries = entries;
        m->cap = cap;
    }
    csec_map_entry *e = &m->entries[m->count++];
    e->key = key;
    e->len = len;
    e->val.idx = 0;
    m->slots[i] = (uint64_t)h << 32 | (uint64_t)m->count;
    if (added)
        *added = true;
    return e;
}

void csec__map_clear(csec_map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->count = 0;
}

void csec__map_free(csec_map *m)
{
    map_release(m, m->entries);
    map_release(m, m->slots);
    csec__map_init(m, m->keys, m->arena);
}
