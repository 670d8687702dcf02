/* bench_semver.c - SemVer precedence (csec_version_cmp), the comparison the
 * range checks and every sort of versions make (make bench; it was a timed
 * unit test, which a loaded machine failed at random).
 *
 *   bench-semver [RUNS]
 *
 * Prints the median over RUNS of the time per comparison, for
 * csec_version_cmp over parsed versions, and as a baseline glibc's
 * strverscmp over the same versions' text (which knows nothing of
 * prereleases or build metadata, so it is a floor, not an equal). */
#include "cratesec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 4000000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 11;
    if (runs < 1)
        runs = 1;
    /* Equal cores that differ in prerelease and build: the slow path. */
    static const char *const text[4] = {"1.2.3", "1.2.3-alpha.1", "1.2.3-alpha.2",
                                        "1.2.3+build.10"};
    csec_version v[4];
    for (int i = 0; i < 4; i++)
        if (csec_version_parse(&v[i], text[i], strlen(text[i]), NULL) < 0)
            return 1;
    double *ours = calloc((size_t)runs, sizeof *ours), *base = calloc((size_t)runs, sizeof *base);
    volatile int sink = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (int i = 0; i < N; i++)
            sink += csec_version_cmp(&v[i & 3], &v[(i >> 2) & 3]);
        double t1 = now_ns();
        for (int i = 0; i < N; i++)
            sink += strverscmp(text[i & 3], text[(i >> 2) & 3]);
        ours[r] = (t1 - t0) / N;
        base[r] = (now_ns() - t1) / N;
    }
    (void)sink;
    qsort(ours, (size_t)runs, sizeof *ours, cmp_double);
    qsort(base, (size_t)runs, sizeof *base, cmp_double);
    printf("version_cmp_ns: median %.1f per csec_version_cmp (%d runs of %d)\n", ours[runs / 2],
           runs, N);
    printf("strverscmp_ns: median %.1f per strverscmp of the same versions' text (baseline)\n",
           base[runs / 2]);
    free(ours);
    free(base);
    return 0;
}
