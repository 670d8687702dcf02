/* bench_apply.c - following a git registry index: the first load of a
 * checkout, then one update per listed commit, as the server's reload
 * thread does (gitindex.h: read the changed files from the repository,
 * apply them as the next generation, update the reverse dependencies).
 *
 *   bench_apply CHECKOUT COMMITS_FILE [ADVISORY_DB]
 *
 * CHECKOUT is a clone whose files are at the first commit of COMMITS_FILE
 * (one 40-hex commit id per line, oldest first; one line: a fresh load, no
 * update, for the memory to compare with).  Prints, machine-readable:
 *   load_ms=<ms> rev_ms=<ms> crates=<n> versions=<n> rss_mb=<MB>
 *   apply i=<n> files=<n> read_ms=<ms> apply_ms=<ms> rev_ms=<ms> total_ms=<ms>
 *   apply_total_ms_median=<ms> apply_total_ms_p90=<ms> apply_total_ms_max=<ms> files_median=<n>
 *   after_rss_mb=<MB> after_index_mb=<MB> crates=<n> versions=<n>
 * and, with ADVISORY_DB, the impact of every advisory after the last update
 * (the same figures a fresh load would give: checked by tests, timed here).
 * One old generation is kept alive while the next is made, as a request
 * would hold it. */
#include "deps.h"
#include "gitindex.h"
#include "index.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Resident memory in MB: all of it, or one kind ("RssAnon:", "RssFile:"). */
static double rss_kind(const char *kind)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, kind, strlen(kind)) == 0)
            kb = atof(line + strlen(kind));
    if (f)
        fclose(f);
    return kb / 1024;
}

static double rss_mb(void)
{
    return rss_kind("VmRSS:");
}

/* CPU time of this thread: what the update costs the reload thread, apart
 * from waiting for the machine's other work. */
static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_apply CHECKOUT COMMITS_FILE [ADVISORY_DB]\n");
        return 2;
    }
    FILE *cf = fopen(argv[2], "r");
    if (!cf) {
        perror(argv[2]);
        return 1;
    }
    char (*commits)[41] = NULL;
    size_t n = 0, cap = 0;
    char line[128];
    while (fgets(line, sizeof line, cf)) {
        if (strlen(line) < 40)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 128;
            commits = realloc(commits, cap * sizeof *commits);
        }
        memcpy(commits[n], line, 40);
        commits[n++][40] = '\0';
    }
    fclose(cf);
    if (n < 1) {
        fprintf(stderr, "bench_apply: no commit given\n");
        return 1;
    }
    csec_diag d;
    csec__git_index *g = NULL;
    csec_index *ix = NULL;
    if (csec__git_index_open(&g, argv[1], &d) < 0) {
        fprintf(stderr, "bench_apply: %s: %s\n", d.file, d.msg);
        return 1;
    }
    double t0 = now_ms();
    if (csec__index_open_dir_ex(&ix, argv[1], NULL, &d) < 0) {
        fprintf(stderr, "bench_apply: %s: %s\n", d.file, d.msg);
        return 1;
    }
    csec__index_set_source(ix, commits[0], 0);
    double t1 = now_ms();
    csec_deps_rev *rev = csec__deps_rev_new(ix);
    double t2 = now_ms();
    printf("load_ms=%.1f rev_ms=%.1f crates=%zu versions=%zu rss_mb=%.1f\n", t1 - t0, t2 - t1,
           csec__index_crate_count(ix), csec__index_version_count(ix), rss_mb());
    fflush(stdout);

    double *total = calloc(n, sizeof *total), *files = calloc(n, sizeof *files);
    double *cpu = calloc(n, sizeof *cpu);
    csec_index *held = NULL;
    csec_deps_rev *held_rev = NULL;
    for (size_t i = 1; i < n; i++) {
        double a = now_ms(), ca = thread_cpu_ms();
        csec_index *next = NULL;
        csec_index_update_info info;
        if (csec__index_update_git(&next, ix, g, commits[i], 0, &info, &d) < 0 || !next) {
            fprintf(stderr, "bench_apply: update to %s: %s\n", commits[i], d.msg);
            return 1;
        }
        double b = now_ms();
        csec_deps_rev *nrev = NULL;
        if (csec__deps_rev_apply(&nrev, rev, next) < 0) {
            fprintf(stderr, "bench_apply: reverse dependencies refused the generation\n");
            return 1;
        }
        double c = now_ms(), cc = thread_cpu_ms();
        printf("apply i=%zu files=%zu read_ms=%.1f apply_ms=%.1f rev_ms=%.1f total_ms=%.1f "
               "cpu_ms=%.1f\n",
               i, info.files, info.read_ms, info.apply_ms, c - b, c - a, cc - ca);
        fflush(stdout);
        total[i - 1] = c - a;
        cpu[i - 1] = cc - ca;
        files[i - 1] = (double)info.files;
        /* The generation before the current one goes now (requests would
         * have finished with it); the current one is held one round. */
        csec__deps_rev_free(held_rev);
        csec__index_free(held);
        if (getenv("BENCH_TRIM"))
            malloc_trim(0);
        held = ix;
        held_rev = rev;
        ix = next;
        rev = nrev;
    }
    csec__deps_rev_free(held_rev);
    csec__index_free(held);
    size_t m = n - 1;
    if (m == 0) {
        /* One commit: a fresh load, for comparison (the same figures). */
        m = 1;
    }
    qsort(total, m, sizeof *total, cmp_double);
    qsort(files, m, sizeof *files, cmp_double);
    qsort(cpu, m, sizeof *cpu, cmp_double);
    printf("apply_total_ms_median=%.1f apply_total_ms_p90=%.1f apply_total_ms_max=%.1f "
           "files_median=%.0f updates=%zu\n",
           total[m / 2], total[m * 9 / 10], total[m - 1], files[m / 2], m);
    printf("apply_cpu_ms_median=%.1f apply_cpu_ms_p90=%.1f apply_cpu_ms_max=%.1f\n", cpu[m / 2],
           cpu[m * 9 / 10], cpu[m - 1]);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    struct mallinfo2 mi = mallinfo2();
    printf("after_heap_mb in_use=%.1f free=%.1f mmapped=%.1f\n", mi.uordblks / 1048576.0,
           mi.fordblks / 1048576.0, mi.hblkhd / 1048576.0);
    printf("after_rss_mb=%.1f anon_mb=%.1f file_mb=%.1f after_index_mb=%.1f rev_mb=%.1f "
           "crates=%zu versions=%zu\n",
           rss_mb(), rss_kind("RssAnon:"), rss_kind("RssFile:"), st.arena_bytes / 1048576.0,
           csec__deps_rev_bytes(rev) / 1048576.0, csec__index_crate_count(ix),
           csec__index_version_count(ix));
    if (argc > 3) {
        csec_db *db = NULL;
        if (csec_db_open(&db, argv[3], NULL, &d) == 0) {
            double worst = 0;
            for (size_t i = 0; i < csec_db_count(db); i++) {
                const csec_advisory *adv = csec_db_get(db, i);
                csec_deps_impact imp;
                double s = now_ms();
                csec__deps_impact(&imp, rev, adv);
                double e = now_ms() - s;
                worst = e > worst ? e : worst;
                csec__deps_impact_free(&imp);
            }
            printf("impact_all_after_updates_ms_max=%.2f\n", worst);
            csec_db_free(db);
        }
    }
    csec__deps_rev_free(rev);
    csec__index_free(ix);
    csec__git_index_close(g);
    free(total);
    free(files);
    free(cpu);
    free(commits);
    return 0;
}
