/* bench_deps.c - dependency resolution and ecosystem impact over a whole
 * registry index (lib/deps.h).
 *
 *   bench_deps INDEX_DIR ADVISORY_DB RUNS CRATE ADVISORY_ID
 *
 * Prints, machine-readable:
 *   rev_build_ms=<ms> crates=<n>                 (reverse dependencies, once)
 *   tree_ms_median=<ms> crate=<name>@<v> nodes=<n> edges=<n> hits=<n>
 *   impact_ms_median=<ms> advisory=<id> dependents=<n> overlapping=<n> only=<n>
 *   impact_all_ms_max=<ms> slowest=<id> impact_all_ms_total=<ms> advisories=<n>
 * CRATE's newest non-yanked, non-prerelease version is resolved. */
#include "deps.h"

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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bench_deps INDEX_DIR ADVISORY_DB RUNS CRATE ADVISORY_ID\n");
        return 2;
    }
    int runs = atoi(argv[3]);
    if (runs < 1)
        runs = 1;
    csec_index *ix = NULL;
    csec_db *db = NULL;
    csec_diag d;
    if (csec__index_open_dir_ex(&ix, argv[1], NULL, &d) < 0 ||
        csec_db_open(&db, argv[2], NULL, &d) < 0) {
        fprintf(stderr, "%s: %s\n", d.file, d.msg);
        return 1;
    }
    double t0 = now_ms();
    csec_deps_rev *rev = csec__deps_rev_new(ix);
    printf("rev_build_ms=%.1f crates=%zu\n", now_ms() - t0, csec__index_crate_count(ix));

    const csec_index_crate *c = csec__index_find(ix, argv[4]);
    const csec_index_version *v = c ? csec__index_newest(c, false, false) : NULL;
    const csec_advisory *a = csec_db_find(db, argv[5]);
    if (!v || !a) {
        fprintf(stderr, "bench_deps: %s or %s not found\n", argv[4], argv[5]);
        return 1;
    }
    double *ms = calloc((size_t)runs, sizeof *ms);
    size_t nodes = 0, edges = 0, hits = 0;
    for (int i = 0; i < runs; i++) {
        double t = now_ms();
        csec_deps_source src = csec__deps_source_index(ix);
        csec_deps_report *r = csec__deps_report_new(&src, db, c, v);
        ms[i] = now_ms() - t;
        nodes = r->nnodes;
        edges = r->nedges;
        hits = r->nhits;
        csec__deps_report_free(r);
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    printf("tree_ms_median=%.2f crate=%s@%s nodes=%zu edges=%zu hits=%zu\n", ms[runs / 2],
           c->name, v->vers, nodes, edges, hits);

    csec_deps_impact imp;
    for (int i = 0; i < runs; i++) {
        double t = now_ms();
        csec__deps_impact(&imp, rev, a);
        ms[i] = now_ms() - t;
        if (i + 1 < runs)
            csec__deps_impact_free(&imp);
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    printf("impact_ms_median=%.2f advisory=%s dependents=%zu overlapping=%zu only=%zu\n",
           ms[runs / 2], a->id, imp.dependents, imp.count, imp.only_affected);
    csec__deps_impact_free(&imp);

    /* Every advisory of the crates collection once: the worst page. */
    double max = 0, total = 0;
    size_t n = 0;
    const char *max_id = "";
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *x = csec_db_get(db, i);
        if (x->collection != CSEC_COLLECTION_CRATES)
            continue;
        double t = now_ms();
        csec__deps_impact(&imp, rev, x);
        double e = now_ms() - t;
        csec__deps_impact_free(&imp);
        total += e;
        if (e > max) {
            max = e;
            max_id = x->id;
        }
        n++;
    }
    printf("impact_all_ms_max=%.2f slowest=%s impact_all_ms_total=%.1f advisories=%zu\n", max,
           max_id, total, n);
    free(ms);
    csec__deps_rev_free(rev);
    csec_db_free(db);
    csec__index_free(ix);
    return 0;
}
