/* test_map.c - the one hash map (lib/map.h): the three kinds of key, growth
 * past many sizes, arena-backed maps, clear. */
#include "harness.h"

#include "map.h"

#include <stdio.h>
#include <stdlib.h>

TEST(map, bytes_find_put)
{
    csec_map m;
    csec__map_init(&m, CSEC_MAP_BYTES, NULL);
    ASSERT(csec__map_find(&m, "a", 1) == NULL);
    /* Keys live in one array so that they stay put while the map grows. */
    static char keys[5000][16];
    for (size_t i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%zu", i);
        bool added = false;
        csec_map_entry *e = csec__map_put(&m, keys[i], strlen(keys[i]), &added);
        ASSERT(added);
        e->val.idx = i * 3;
    }
    ASSERT_INT_EQ(m.count, 5000);
    /* Load factor: the table is never more than 3/4 full. */
    ASSERT(m.count * 4 <= m.nslots * 3);
    for (size_t i = 0; i < 5000; i++) {
        char probe[16]; /* equal bytes at another address */
        snprintf(probe, sizeof probe, "key-%zu", i);
        const csec_map_entry *e = csec__map_find(&m, probe, strlen(probe));
        ASSERT(e != NULL);
        ASSERT_INT_EQ(e->val.idx, i * 3);
        ASSERT(e->key == keys[i]); /* the key the map was given */
    }
    bool added = true;
    csec_map_entry *again = csec__map_put(&m, "key-7", 5, &added);
    ASSERT(!added);
    ASSERT_INT_EQ(again->val.idx, 21);
    ASSERT(csec__map_find(&m, "key-", 4) == NULL);
    ASSERT(csec__map_find(&m, "key-70000", 9) == NULL);
    /* The empty key and keys with NUL bytes are keys like any other. */
    csec__map_put(&m, "", 0, NULL)->val.idx = 1;
    csec__map_put(&m, "a\0b", 3, NULL)->val.idx = 2;
    ASSERT_INT_EQ(csec__map_find(&m, "", 0)->val.idx, 1);
    ASSERT_INT_EQ(csec__map_find(&m, "a\0b", 3)->val.idx, 2);
    ASSERT(csec__map_find(&m, "a\0c", 3) == NULL);
    csec__map_free(&m);
    ASSERT(csec__map_find(&m, "key-7", 5) == NULL);
}

TEST(map, addresses)
{
    csec_map m;
    csec__map_init(&m, CSEC_MAP_ADDRESSES, NULL);
    int objs[1000];
    for (int i = 0; i < 1000; i++)
        csec__map_put(&m, &objs[i], 0, NULL)->val.ptr = &objs[999 - i];
    for (int i = 0; i < 1000; i++)
        ASSERT(csec__map_find(&m, &objs[i], 0)->val.ptr == &objs[999 - i]);
    /* The same bytes at another address are another key. */
    char a[] = "same", b[] = "same";
    csec__map_put(&m, a, 4, NULL);
    ASSERT(csec__map_find(&m, b, 4) == NULL);
    ASSERT(csec__map_find(&m, a, 0) != NULL);
    csec__map_free(&m);
}

TEST(map, crate_names)
{
    csec_map m;
    csec__map_init(&m, CSEC_MAP_CRATE_NAMES, NULL);
    csec__map_put(&m, "serde_json", 10, NULL)->val.idx = 1;
    csec__map_put(&m, "tokio-util", 10, NULL)->val.idx = 2;
    ASSERT_INT_EQ(csec__map_find(&m, "Serde-Json", 10)->val.idx, 1);
    ASSERT_INT_EQ(csec__map_find(&m, "TOKIO_UTIL", 10)->val.idx, 2);
    ASSERT(csec__map_find(&m, "tokio", 5) == NULL);
    bool added = true;
    csec__map_put(&m, "serde-JSON", 10, &added);
    ASSERT(!added);
    ASSERT_INT_EQ(m.count, 2);
    csec__map_free(&m);
}

TEST(map, arena_backed)
{
    csec_arena a = CSEC_ARENA_INIT;
    csec_map m;
    csec__map_init(&m, CSEC_MAP_BYTES, &a);
    char *keys = csec__arena_alloc(&a, 20000 * 8);
    for (size_t i = 0; i < 20000; i++) {
        char *k = keys + i * 8;
        snprintf(k, 8, "%zu", i);
        csec__map_put(&m, k, strlen(k), NULL)->val.idx = i;
    }
    for (size_t i = 0; i < 20000; i += 7) {
        char k[8];
        snprintf(k, sizeof k, "%zu", i);
        ASSERT_INT_EQ(csec__map_find(&m, k, strlen(k))->val.idx, i);
    }
    /* Everything goes with the arena (LeakSanitizer checks under make check). */
    csec__arena_free(&a);
}
