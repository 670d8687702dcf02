/* map.h - the one hash map of the code base: keys to a pointer or an index.
 *
 * Keys are byte strings, addresses, or crate names (crates.io's equivalence,
 * crate_name.h), chosen once per map.  The map borrows its keys: their bytes
 * must stay put while the map holds them (they usually live in an arena
 * already); csec__map_put returns the entry so that the caller can point a new
 * key at its own stored copy.  A key is never NULL.
 *
 * Layout: open addressing with linear probing over one array of entries,
 * whose size is a power of two; the map doubles it before it is more than
 * 3/4 full.  Deterministic: the same puts give the same layout (no random
 * seed).  Nothing is ever removed, except all at once by csec__map_free.
 * Memory comes from malloc, or from an arena given at init (then
 * csec__map_free has nothing to release, and growth leaves the old arrays in
 * the arena: at most as much again).
 *
 * Not synchronised: any number of threads may look up in a map nobody
 * changes; a map being changed needs the caller's lock.  The hash
 * (csec__hash_bytes, which the index's own interning tables use too) may
 * change; names and fingerprints that outlive the process use FNV-1a
 * (util.h). */
#ifndef CSEC_MAP_H
#define CSEC_MAP_H

#include "util.h"

#include <string.h>

/* A 64-bit hash of n bytes, eight at a time, with a final mix so that the
 * low bits (the slot) depend on every input bit: the map's, and that of the
 * index's own interning tables (index.c).  In-process only (see above). */
static inline uint64_t csec__hash_bytes(const void *data, size_t n)
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

/* (A zeroed map has none of these: using it before csec__map_init aborts.) */
typedef enum csec_map_keys {
    CSEC_MAP_BYTES = 1,  /* (pointer, length): equal when the bytes are */
    CSEC_MAP_ADDRESSES,  /* the pointer itself: equal when the address is; lengths ignored */
    CSEC_MAP_CRATE_NAMES /* (pointer, length): equal by csec__crate_name_eq */
} csec_map_keys;

typedef struct csec_map_entry {
    const void *key; /* NULL: an empty slot */
    uint32_t len;
    uint32_t hash;
    /* The value: a pointer or an index, as the map's user decides. */
    union {
        void *ptr;
        size_t idx;
    } val;
} csec_map_entry;

typedef struct csec_map {
    csec_map_entry *slots; /* nslots of them; iterate and skip those with key NULL */
    size_t nslots;         /* 0 or a power of two */
    size_t count;
    csec_map_keys keys;
    csec_arena *arena; /* NULL: malloc */
} csec_map;

/* An empty map; allocates nothing until the first put. */
void csec__map_init(csec_map *m, csec_map_keys keys, csec_arena *arena);
/* The entry of `key`, or NULL. */
csec_map_entry *csec__map_find(const csec_map *m, const void *key, size_t len);
/* The entry of `key`, added (value zeroed, key = the given pointer) when the
 * map did not have it; *added says which (may be NULL).  The pointer is valid
 * until the next put.  Keys are shorter than 4 GiB. */
csec_map_entry *csec__map_put(csec_map *m, const void *key, size_t len, bool *added);
/* Releases the memory (malloc-backed maps) and empties the map. */
void csec__map_free(csec_map *m);

#endif
