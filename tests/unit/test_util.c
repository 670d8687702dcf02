/* test_util.c - buffer, arena, diagnostics and UTF-8 helpers. */
#include "harness.h"
#include "util.h"

TEST(util, buf_grows_and_detaches)
{
    csec_buf b = CSEC_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        csec_buf_printf(&b, "%d,", i);
    ASSERT_INT_EQ(b.ptr[b.len], 0);
    ASSERT(strncmp(b.ptr, "0,1,2,", 6) == 0);
    size_t len = b.len;
    char *s = csec_buf_detach(&b);
    ASSERT_INT_EQ(strlen(s), len);
    ASSERT(b.ptr == NULL && b.len == 0);
    csec_free(s);
}

TEST(util, arena_alignment_and_large_blocks)
{
    csec_arena a = CSEC_ARENA_INIT;
    char *small = csec__arena_alloc(&a, 3);
    char *big = csec__arena_alloc(&a, 1 << 20);
    char *after = csec__arena_alloc(&a, 5);
    ASSERT(((uintptr_t)small & 15) == 0);
    ASSERT(((uintptr_t)after & 15) == 0);
    big[(1 << 20) - 1] = 1;
    ASSERT_INT_EQ(after[0], 0);
    /* The small block keeps being used after a large allocation. */
    ASSERT(after - small == 16);
    csec__arena_free(&a);
}

TEST(util, arena_on_a_borrowed_buffer)
{
    /* Allocations that fit stay in the caller's buffer; the rest go to the
     * heap; freeing releases the heap blocks only (ASan would report a free
     * of the stack buffer).  An odd address and size are fine. */
    _Alignas(16) char buf[1025];
    csec_arena a;
    csec__arena_init_buf(&a, buf + 1, sizeof buf - 1);
    char *in = csec__arena_alloc(&a, 100);
    ASSERT(in > buf && in + 100 <= buf + sizeof buf);
    ASSERT(((uintptr_t)in & 15) == 0);
    char *out = csec__arena_alloc(&a, 4000);
    ASSERT(out < buf || out >= buf + sizeof buf);
    out[3999] = 1;
    char *s = csec__arena_strndup(&a, "abcdef", 3);
    ASSERT_STR_EQ(s, "abc");
    csec__arena_free(&a);
    ASSERT(a.head == NULL);
    /* Too small a buffer: a plain heap arena. */
    csec__arena_init_buf(&a, buf, 8);
    ASSERT(a.head == NULL);
    ASSERT(csec__arena_alloc(&a, 10) != NULL);
    csec__arena_free(&a);
}

TEST(util, diag_format)
{
    csec_diag d;
    char out[600];
    csec__diag_clear(&d);
    csec__diag_set(&d, CSEC_EPARSE, "crates/x/A.md", 3, 7, "bad %s", "thing");
    ASSERT_STR_EQ(csec_diag_format(out, sizeof out, &d), "crates/x/A.md:3:7: bad thing");
    ASSERT_INT_EQ(d.code, CSEC_EPARSE);
    ASSERT_STR_EQ(csec_err_name(CSEC_EPARSE), "CSEC_EPARSE");
    ASSERT_STR_EQ(csec_strerror(CSEC_ENOTFOUND), "not found");
}
