/* test_server_live.c - the server's generations (server/live.c): a replaced
 * generation is freed by the reload thread, never by the request that lets
 * go of it last (issue 12, item 9); and the page cache of a generation
 * (server/page_cache.c). */
#include "harness.h"
#include "live.h"
#include "page_cache.h"
#include "reload.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static srv_site *fixture_site(void)
{
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, test_path(test_source_dir(), "tests/data/db"), NULL, &d) < 0)
        return NULL;
    return srv_site_new(db);
}

static void count_call(void *arg)
{
    (*(int *)arg)++;
}

typedef struct release_job {
    srv_live *live;
    const srv_gen *gen;
} release_job;

static void *release_on_thread(void *arg)
{
    release_job *j = arg;
    srv_live_release(j->live, j->gen);
    return NULL;
}

TEST(server_live, last_request_queues_the_old_generation)
{
    srv_site *one = fixture_site(), *two = fixture_site();
    ASSERT(one && two);
    srv_live *l = srv_live_new(one);
    int retired = 0;
    srv_live_on_retire(l, count_call, &retired);

    const srv_gen *held = srv_live_acquire(l); /* a request in flight */
    ASSERT_INT_EQ(held->number, 1);
    ASSERT(held->site == one && held->pages != NULL);
    srv_live_swap(l, two); /* a reload */
    ASSERT_INT_EQ(srv_live_old_generations(l), 1);
    ASSERT_INT_EQ(retired, 0);
    ASSERT_INT_EQ(srv_live_reap(l), 0); /* still held: nothing to free */

    const srv_gen *now = srv_live_acquire(l);
    ASSERT_INT_EQ(now->number, 2);
    ASSERT(now->site == two);
    srv_live_release(l, now);

    /* The request ends on its own thread: the generation is queued, the
     * retire callback called, and nothing freed there. */
    release_job j = {l, held};
    pthread_t t;
    ASSERT(pthread_create(&t, NULL, release_on_thread, &j) == 0);
    pthread_join(t, NULL);
    ASSERT_INT_EQ(retired, 1);
    ASSERT_INT_EQ(srv_live_old_generations(l), 1);
    ASSERT_INT_EQ(held->site->count, two->count); /* still readable */
    ASSERT_INT_EQ(srv_live_reap(l), 1);
    ASSERT_INT_EQ(srv_live_old_generations(l), 0);
    ASSERT_INT_EQ(srv_live_reap(l), 0);
    srv_live_free(l);
}

/* The process's resident memory, in MB. */
static double resident_mb(void)
{
    return (double)csec__resident_bytes() / 1048576.0;
}

/* Memory that replaced generations left free in malloc's arenas goes back
 * to the system once the process is well above its size at the first
 * generation: a server following the 8x index otherwise grew by a quarter
 * over 100 updates, all of it free memory malloc kept. */
TEST(server_live, reap_gives_back_free_memory_past_the_headroom)
{
#if defined(__SANITIZE_ADDRESS__)
    SKIP("AddressSanitizer's allocator keeps freed memory itself");
#endif
    srv_site *one = fixture_site(), *two = fixture_site();
    ASSERT(one && two);
    srv_live *l = srv_live_new(one);
    /* 256 MB in 4 KB blocks, written, then freed: one block allocated after
     * them keeps malloc from returning the space at the top of its heap. */
    enum { BLOCKS = 65536, BLOCK = 4096 };
    char **blocks = malloc(BLOCKS * sizeof *blocks);
    ASSERT(blocks);
    for (size_t i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK);
        ASSERT(blocks[i]);
        memset(blocks[i], 1, BLOCK);
    }
    char *pin = malloc(BLOCK);
    ASSERT(pin);
    memset(pin, 1, BLOCK);
    for (size_t i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    free(blocks);
    double before = resident_mb();
    ASSERT(before > 200);
    srv_live_swap(l, two); /* a reload; no request holds the old generation */
    ASSERT_INT_EQ(srv_live_reap(l), 1);
    double after = resident_mb();
    if (after >= before - 200)
        FAIL_AT("resident %.0f MB before the reap, %.0f MB after", before, after);
    free(pin);
    srv_live_free(l);
}

/* With the reload thread running, it is what frees the old generation. */
TEST(server_live, reload_thread_frees_old_generations)
{
    srv_site *one = fixture_site(), *two = fixture_site();
    ASSERT(one && two);
    srv_live *l = srv_live_new(one);
    srv_load_spec spec = {0};
    spec.db_dir = test_path(test_source_dir(), "tests/data/db");
    srv_reloader *r = srv_reloader_start(l, &spec, 0);
    ASSERT(r != NULL);
    const srv_gen *held = srv_live_acquire(l);
    srv_live_swap(l, two);
    release_job j = {l, held};
    pthread_t t;
    ASSERT(pthread_create(&t, NULL, release_on_thread, &j) == 0);
    pthread_join(t, NULL);
    size_t left = 1;
    for (int i = 0; i < 500 && (left = srv_live_old_generations(l)) != 0; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    srv_reloader_stop(r);
    srv_live_free(l);
    ASSERT_INT_EQ(left, 0);
}

TEST(server_page_cache, put_get_budget_gzip)
{
    srv_page_cache *pc = srv_page_cache_new(64 << 10);
    ASSERT(srv_page_cache_get(pc, "/a") == NULL);
    srv_resp r = {0};
    r.status = 200;
    for (int i = 0; i < 400; i++)
        csec_buf_printf(&r.body, "<p>line %d of a page that compresses well</p>\n", i);
    size_t len = r.body.len;
    const srv_page *p = srv_page_cache_put(pc, "/a", &r);
    ASSERT(p != NULL && p->len == len && r.body.len == 0);
    ASSERT(srv_page_cache_get(pc, "/a") == p);
    ASSERT(srv_page_cache_get(pc, "/b") == NULL);

    size_t zlen = 0;
    const char *z = srv_page_gzip(pc, p, &zlen);
    ASSERT(z != NULL && zlen > 0 && zlen < len / 4);
    size_t zlen2 = 0;
    ASSERT(srv_page_gzip(pc, p, &zlen2) == z && zlen2 == zlen); /* made once */
    /* It inflates to the page. */
    char *back = malloc(len + 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ASSERT(inflateInit2(&zs, 15 + 16) == Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)z;
    zs.avail_in = (uInt)zlen;
    zs.next_out = (Bytef *)back;
    zs.avail_out = (uInt)len + 1;
    int rc = inflate(&zs, Z_FINISH);
    inflateEnd(&zs);
    ASSERT_INT_EQ(rc, Z_STREAM_END);
    ASSERT(zs.total_out == len && memcmp(back, p->body, len) == 0);
    free(back);

    /* A small page is not worth compressing. */
    csec_buf_puts(&r.body, "<p>small</p>");
    const srv_page *small = srv_page_cache_put(pc, "/small", &r);
    ASSERT(small != NULL && srv_page_gzip(pc, small, &zlen) == NULL);

    /* Past the budget, pages are not kept and the response keeps its body. */
    csec_buf big = CSEC_BUF_INIT;
    for (int i = 0; i < 70000; i++)
        csec_buf_putc(&big, 'a' + i % 26);
    r.body = big;
    ASSERT(srv_page_cache_put(pc, "/big", &r) == NULL);
    ASSERT_INT_EQ(r.body.len, 70000);
    csec_buf_free(&r.body);
    ASSERT(srv_page_cache_bytes(pc) <= (64 << 10));
    srv_page_cache_free(pc);
}
