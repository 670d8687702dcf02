/* main.c - runs the unit tests collected into list.h (see harness.h). */
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int csec_test_failed;
const char *csec_test_current;
/* --tier fast: the tests that need the shared data (the real database, the
 * 2020 index) are skipped, even with CI=true; tests/run.sh runs them in the
 * integration tier. */
static bool fast_tier;

#define X(module, name) void test_##module##__##name(void);
#include "list.h"
#undef X

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define X(module, name) {#module "__" #name, test_##module##__##name},
#include "list.h"
#undef X
};

const char *test_source_dir(void)
{
    const char *s = getenv("CSEC_SOURCE_DIR");
    return s ? s : CSEC_SOURCE_DIR;
}

const char *test_path(const char *a, const char *b)
{
    static char slots[8][4096];
    static int next;
    char *p = slots[next++ & 7];
    snprintf(p, 4096, "%s/%s", a, b);
    return p;
}

const char *test_data_dir(void)
{
    static char dir[4096];
    if (fast_tier) {
        fprintf(stderr, "  SKIP %s: needs the shared data (integration tier)\n", csec_test_current);
        return NULL;
    }
    const char *env = getenv("CRATESEC_TEST_DATA");
    if (env && *env)
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s/../shared/data", test_source_dir());
    struct stat st;
    if (stat(test_path(dir, "advisory-db.bundle"), &st) == 0)
        return dir;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) {
        fprintf(stderr, "  FAIL %s: test data missing at %s (CI=true)\n", csec_test_current, dir);
        csec_test_failed = 1;
    }
    return NULL;
}

const char *test_advisory_db(void)
{
    static char path[4096];
    static int state; /* 0 unknown, 1 ready, 2 unavailable */
    if (state == 1)
        return path;
    const char *data = test_data_dir();
    if (!data)
        return NULL;
    const char *ready = getenv("CRATESEC_TEST_DB");
    if (ready && *ready) {
        snprintf(path, sizeof path, "%s", ready);
        state = 1;
        return path;
    }
    snprintf(path, sizeof path, "%s/build/test-advisory-db", test_source_dir());
    struct stat st;
    if (stat(test_path(path, "crates"), &st) != 0) {
        char cmd[10000];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && git clone -q '%s/advisory-db.bundle' '%s'", path,
                 data, path);
        if (system(cmd) != 0) {
            state = 2;
            return NULL;
        }
    }
    state = 1;
    return path;
}

const char *test_real_index(void)
{
    static char path[4096];
    const char *data = test_data_dir();
    if (!data)
        return NULL;
    const char *tarball = test_path(data, "crates-index-2020-07.tar.zst");
    struct stat st;
    if (stat(tarball, &st) != 0)
        return NULL;
    snprintf(path, sizeof path, "%s/build/crates-index-2020-07", test_source_dir());
    if (stat(test_path(path, "config.json"), &st) == 0)
        return path;
    /* Unpacked once, atomically, so parallel runs never see half a tree. */
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "set -e; t='%s.tmp.%ld'; rm -rf \"$t\"; mkdir -p \"$t\"; "
             "tar --zstd -xf '%s' -C \"$t\"; mv -T \"$t\" '%s' 2>/dev/null || rm -rf \"$t\"",
             path, (long)getpid(), tarball, path);
    if (system(cmd) != 0 || stat(test_path(path, "config.json"), &st) != 0)
        return NULL;
    return path;
}

char *test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot read %s\n", path);
        csec_test_failed = 1;
        return NULL;
    }
    csec_buf b = CSEC_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        csec_buf_put(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    return csec_buf_detach(&b);
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--tier") == 0 && i + 1 < argc &&
                   strcmp(argv[i + 1], "fast") == 0) {
            fast_tier = true;
            i++;
        } else {
            fprintf(stderr, "usage: unit-tests [-s MODULE[__NAME]] [--tier fast]\n");
            return 2;
        }
    }
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (only && strncmp(tests[i].name, only, strlen(only)) != 0)
            continue;
        csec_test_current = tests[i].name;
        csec_test_failed = 0;
        tests[i].fn();
        if (csec_test_failed > 0)
            failed++;
        else if (csec_test_failed < 0)
            skipped++;
        else
            passed++;
    }
    printf("unit: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
