/* bench_index.c - loads a whole registry index directory N times.
 *
 *   bench_index INDEX_DIR [RUNS [ADVISORY_DB]]
 *
 * Prints one line per measure, machine-readable:
 *   index_load_ms_median=<ms> rss_mb=<peak MB> crates=<n> versions=<m>
 *   index_load_ms_min=<ms> index_load_ms_max=<ms> runs=<n> bad_lines=<n> ...
 * Each run is a process of its own (forked), as a server's start is: a run
 * in the same process would find the previous run's freed heap and skip the
 * page faults that a fresh process pays (at 8x, 124,000 of them).  The peak
 * RSS is the largest child's.
 *
 * With ADVISORY_DB, instead decides for every version of every crate of the
 * index whether any advisory of the database affects it (crate scope:
 * crates collection, not withdrawn), RUNS times, and prints
 *   affected_ms_median=<ms> versions=<n> affected=<n> advisories=<n>
 * (bench/index.sh runs the loads one process at a time, alternating with
 * and without malloc's huge pages, and this once). */
#include "index.h"

#include <string.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the whole process (all threads), user and system. */
static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
           ru.ru_stime.tv_usec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int affected_bench(const char *index_dir, const char *db_dir, int runs)
{
    csec_index *ix = NULL;
    csec_db *db = NULL;
    csec_diag d;
    if (csec__index_open_dir_ex(&ix, index_dir, NULL, &d) < 0 ||
        csec_db_open(&db, db_dir, NULL, &d) < 0) {
        fprintf(stderr, "%s: %s\n", d.file, d.msg);
        csec__index_free(ix);
        return 1;
    }
    double *ms = calloc((size_t)runs, sizeof *ms);
    size_t versions = 0, affected = 0;
    for (int run = 0; run < runs; run++) {
        double t0 = now_ms();
        versions = affected = 0;
        for (size_t i = 0; i < csec__index_crate_count(ix); i++) {
            const csec_index_crate *c = csec__index_crate_at(ix, i);
            size_t n = 0;
            const csec_advisory *const *list =
                csec_db_by_package(db, CSEC_COLLECTION_CRATES, c->name, &n);
            versions += c->versions_count;
            for (size_t j = 0; j < c->versions_count; j++) {
                for (size_t k = 0; k < n; k++) {
                    if (!csec_advisory_is_withdrawn(list[k]) &&
                        csec_advisory_affects(list[k], &c->versions[j].version)) {
                        affected++;
                        break;
                    }
                }
            }
        }
        ms[run] = now_ms() - t0;
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    printf("affected_ms_median=%.1f versions=%zu affected=%zu advisories=%zu\n", ms[runs / 2],
           versions, affected, csec_db_count(db));
    free(ms);
    csec_db_free(db);
    csec__index_free(ix);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s INDEX_DIR [RUNS [ADVISORY_DB]]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1)
        runs = 1;
    if (argc > 3)
        return affected_bench(argv[1], argv[3], runs);
    double *ms = calloc((size_t)runs, sizeof *ms), *cpu = calloc((size_t)runs, sizeof *cpu);
    size_t crates = 0, versions = 0;
    csec_index_stats st = {0};
    csec_index_options o = CSEC_INDEX_OPTIONS_INIT;
    const char *threads = getenv("BENCH_INDEX_THREADS");
    o.threads = threads ? (unsigned)atoi(threads) : CSEC_INDEX_THREADS_PER_CPU; /* as the server */
    typedef struct result {
        double ms, cpu;
        size_t crates, versions;
        csec_index_stats st;
        int ok;
    } result;
    for (int i = 0; i < runs; i++) {
        int fds[2];
        if (pipe(fds) != 0)
            return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            result r = {0};
            csec_index *ix = NULL;
            csec_diag d;
            double t0 = now_ms(), c0 = cpu_ms();
            if (csec__index_open_dir_ex(&ix, argv[1], &o, &d) < 0) {
                fprintf(stderr, "%s: %s\n", d.file, d.msg);
            } else {
                r.ms = now_ms() - t0;
                r.cpu = cpu_ms() - c0;
                r.crates = csec__index_crate_count(ix);
                r.versions = csec__index_version_count(ix);
                csec__index_stats(ix, &r.st);
                r.ok = 1;
            }
            if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r)
                _exit(1);
            _exit(0); /* the index is not freed: a server keeps it */
        }
        close(fds[1]);
        result r = {0};
        ssize_t got = read(fds[0], &r, sizeof r);
        close(fds[0]);
        waitpid(pid, NULL, 0);
        if (got != (ssize_t)sizeof r || !r.ok)
            return 1;
        ms[i] = r.ms;
        cpu[i] = r.cpu;
        crates = r.crates;
        versions = r.versions;
        st = r.st;
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru); /* the largest load's peak */
    printf("index_load_ms_median=%.1f rss_mb=%.1f crates=%zu versions=%zu\n", ms[runs / 2],
           ru.ru_maxrss / 1024.0, crates, versions);
    printf("index_load_ms_min=%.1f index_load_ms_max=%.1f runs=%d arena_mb=%.1f bad_lines=%zu "
           "bad_versions=%zu bad_files=%zu\n",
           ms[0], ms[runs - 1], runs, st.arena_bytes / 1048576.0, st.bad_lines, st.bad_versions,
           st.bad_files);
    printf("index_load_cpu_ms_median=%.1f threads=%s\n", cpu[runs / 2], threads ? threads : "auto");
    printf("index_memory_mb crates=%.1f interned=%.1f intern_tables=%.1f\n",
           st.crate_bytes / 1048576.0, st.interned_bytes / 1048576.0,
           st.intern_table_bytes / 1048576.0);
    free(ms);
    return 0;
}
