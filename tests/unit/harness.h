/* harness.h - the unit-test harness: typed assertions that print both sides.
 *
 * A test is `TEST(module, name) { ... }` at the start of a line in any
 * tests/unit/ (any .c file); the Makefile collects them (no list to edit).  Run one test
 * with `build/unit-tests -s module__name`, or a module with `-s module`. */
#ifndef CSEC_HARNESS_H
#define CSEC_HARNESS_H

#include "cratesec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TEST(module, name) void test_##module##__##name(void); void test_##module##__##name(void)

extern int csec_test_failed;
extern const char *csec_test_current;

/* The source tree (for fixtures) and the shared data directory. */
const char *test_source_dir(void);
/* Returns the shared data dir (CRATESEC_TEST_DATA, default ../shared/data)
 * or NULL when it is missing and CI is not set (then the test is skipped with
 * a message).  When CI=true and it is missing, the test fails. */
const char *test_data_dir(void);
/* A clone of advisory-db.bundle made once per run (NULL: skip). */
const char *test_advisory_db(void);
/* The 2020 crates.io index (crates-index-2020-07.tar.zst of the data
 * directory), unpacked once into <src>/build (NULL: skip). */
const char *test_real_index(void);
/* Joins paths into a static buffer rotated among 8 slots. */
const char *test_path(const char *a, const char *b);
/* Reads a file into a malloc'd NUL-terminated string; fails the test if absent. */
char *test_read(const char *path, size_t *len);

#define FAIL_AT(...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "  FAIL %s (%s:%d): ", csec_test_current, __FILE__, __LINE__);             \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        csec_test_failed = 1;                                                                      \
        return;                                                                                    \
    } while (0)

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAIL_AT("assertion failed: %s", #cond);                                                \
    } while (0)

#define ASSERT_INT_EQ(a, b)                                                                        \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);                                     \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            FAIL_AT("%s == %s:\n    got:      \"%s\"\n    expected: \"%s\"", #a, #b,             \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
    } while (0)

/* Asserts that `hay` contains `needle`. */
#define ASSERT_CONTAINS(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            FAIL_AT("%s does not contain \"%s\":\n    \"%s\"", #hay, n_, h_ ? h_ : "(null)");     \
    } while (0)

/* Skips the rest of the test with a reason (counted as skipped, not passed). */
#define SKIP(reason)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "  SKIP %s: %s\n", csec_test_current, reason);                             \
        csec_test_failed = -1;                                                                     \
        return;                                                                                    \
    } while (0)

#endif
