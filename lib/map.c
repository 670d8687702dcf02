/* map.c - the one hash map (see map.h). */
#include "map.h"

#include "crate_name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_key(const csec_map *m, const void *key, size_t len)
{
    switch (m->keys) {
    case CSEC_MAP_ADDRESSES:
        return (uint32_t)csec__hash_bytes(&key, sizeof key);
    case CSEC_MAP_CRATE_NAMES:
        return csec__crate_name_hash(key, len);
    case CSEC_MAP_BYTES:
        return (uint32_t)csec__hash_bytes(key, len);
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

void csec__map_init(csec_map *m, csec_map_keys keys, csec_arena *arena)
{
    memset(m, 0, sizeof *m);
    m->keys = keys;
    m->arena = arena;
}

/* The slot holding `key` (hash h), or the empty slot where it would go. */
static csec_map_entry *probe(const csec_map *m, const void *key, size_t len, uint32_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        csec_map_entry *e = &m->slots[i];
        if (!e->key || (e->hash == h && key_eq(m, e, key, len)))
            return e;
    }
}

csec_map_entry *csec__map_find(const csec_map *m, const void *key, size_t len)
{
    if (m->count == 0)
        return NULL;
    csec_map_entry *e = probe(m, key, len, hash_key(m, key, len));
    return e->key ? e : NULL;
}

static void grow(csec_map *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 16;
    size_t bytes = csec__mul(nslots, sizeof(csec_map_entry));
    csec_map_entry *slots = m->arena ? csec__arena_alloc(m->arena, bytes)
                                     : csec__xcalloc(nslots, sizeof(csec_map_entry));
    for (size_t k = 0; k < m->nslots; k++) {
        const csec_map_entry *e = &m->slots[k];
        if (!e->key)
            continue;
        size_t i = e->hash & (nslots - 1);
        while (slots[i].key)
            i = (i + 1) & (nslots - 1);
        slots[i] = *e;
    }
    if (!m->arena)
        free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
}

csec_map_entry *csec__map_put(csec_map *m, const void *key, size_t len, bool *added)
{
    if (!key || len > UINT32_MAX)
        csec__xmalloc(SIZE_MAX); /* aborts: a caller's bug, reported as out of memory */
    if ((m->count + 1) * 4 > m->nslots * 3)
        grow(m);
    uint32_t h = hash_key(m, key, len);
    csec_map_entry *e = probe(m, key, len, h);
    if (added)
        *added = !e->key;
    if (e->key)
        return e;
    e->key = key;
    e->len = (uint32_t)len;
    e->hash = h;
    e->val.idx = 0;
    m->count++;
    return e;
}

void csec__map_free(csec_map *m)
{
    if (!m->arena)
        free(m->slots);
    csec__map_init(m, m->keys, m->arena);
}
