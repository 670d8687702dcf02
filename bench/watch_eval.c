/* watch_eval.c - what a sync costs the watch lists (state/evaluate.c):
 *
 *   bench-watch-eval STATE_DIR WORK_DIR WATCHES RUNS
 *
 * A SQLite state (STATE_DIR, made once and reused while WATCHES is the
 * same) with WATCHES watches of generated lockfiles: each holds 20 to 280
 * crates.io packages (150 on average, a common Rust project's size) drawn
 * from 40,000 crate names with Zipf popularity (s = 1: the most popular
 * crate is in nearly every lockfile, as serde or libc are), one of ten
 * versions each; one watch in ten has a webhook.  Then, for crates of
 * popularity rank 1, 10, 100, 1,000 and 10,000, RUNS times: one new
 * advisory about that crate (versions below 1.0.5 affected) appears in the
 * data and state_evaluate runs, exactly as after a sync.  Prints the median
 * time per rank, with the rows read from the package index and the events
 * and deliveries written.
 *
 * The baseline is the evaluation without the index from package to
 * watches: every watch evaluated whole against the new data (what the
 * catch-up path does for one watch), timed on 1,000 watches and scaled to
 * WATCHES.
 */
#include "state.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRATES 40000
#define VERSIONS 10

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double uniform(void)
{
    return (double)(next_rand() >> 11) / 9007199254740992.0;
}

static void die(const char *what, const csec_buf *err)
{
    fprintf(stderr, "bench-watch-eval: %s: %s\n", what, err && err->ptr ? err->ptr : "");
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The watches and their packages, inserted in index order (fast). */
static void generate(state_store *st, long watches)
{
    csec_buf err = CSEC_BUF_INIT;
    /* Zipf(1) over CRATES names: the cumulative weights. */
    double *cum = csec__xcalloc(CRATES, sizeof *cum);
    double total = 0;
    for (int i = 0; i < CRATES; i++)
        cum[i] = (total += 1.0 / (i + 1));
    /* Pairs packed as crate << 40 | watch << 4 | version, sorted = the
     * primary key's order. */
    size_t cap = (size_t)watches * 160, n = 0;
    uint64_t *pairs = csec__xmalloc(cap * sizeof *pairs);
    unsigned char *taken = csec__xcalloc(CRATES, 1);
    int *mine = csec__xcalloc(300, sizeof *mine);
    for (long w = 0; w < watches; w++) {
        int k = 20 + (int)(uniform() * 261), got = 0;
        while (got < k) {
            double x = uniform() * total;
            size_t lo = 0, hi = CRATES - 1;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cum[mid] < x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (taken[lo])
                continue;
            taken[lo] = 1;
            mine[got++] = (int)lo;
            if (n == cap) {
                cap *= 2;
                pairs = csec__xrealloc(pairs, cap * sizeof *pairs);
            }
            pairs[n++] = (uint64_t)lo << 40 | (uint64_t)w << 4 | (next_rand() % VERSIONS);
        }
        for (int i = 0; i < got; i++)
            taken[mine[i]] = 0;
    }
    qsort(pairs, n, sizeof *pairs, cmp_u64);
    fprintf(stderr, "bench-watch-eval: generating %ld watches, %zu package rows...\n", watches, n);
    /* A bulk load: no fsync, the secondary index built once at the end, a
     * commit every 200,000 rows (the WAL stays small). */
    if (sql_exec_script(st->sql, "PRAGMA synchronous=OFF; DROP INDEX watch_packages_watch;",
                        &err) < 0 ||
        sql_begin(st->sql, &err) < 0)
        die("begin", &err);
    enum { BATCH = 500 };
    sql_param p[BATCH * 13];
    char (*text)[3][40] = csec__xcalloc(BATCH, sizeof *text);
    size_t b = 0;
    for (long w = 0; w < watches; w++) {
        snprintf(text[b][0], 40, "%016lx", (unsigned long)w);
        snprintf(text[b][1], 40, "list-%ld", w);
        bool hook = w % 10 == 0;
        sql_param *q = &p[13 * b];
        q[0] = SQL_TEXT(text[b][0]);
        q[1] = SQL_TEXT(text[b][1]);
        q[2] = SQL_TEXT("generated");
        q[3] = SQL_TEXT("r");
        q[4] = SQL_INT(150);
        q[5] = SQL_TEXT("seed");
        q[6] = SQL_INT(0);
        q[7] = SQL_INT(1);
        q[8] = hook ? SQL_TEXT("http://192.0.2.1/hook") : SQL_NULL_P;
        q[9] = hook ? SQL_TEXT("secret") : SQL_NULL_P;
        q[10] = SQL_NULL_P;
        q[11] = SQL_NULL_P;
        q[12] = SQL_NULL_P;
        if (++b == BATCH || w == watches - 1) {
            if (sql_insert_rows(st->sql,
                                "INSERT INTO watches (id, list_id, label, report_id, packages, "
                                "db_commit, catch_up, created, webhook_url, webhook_secret, "
                                "webhook_failing_since, webhook_last_error, webhook_disabled_at)",
                                "", 13, p, b, NULL, &err) < 0)
                die("insert watches", &err);
            b = 0;
        }
    }
    char (*pt)[2][24] = csec__xcalloc(BATCH, sizeof *pt);
    static char wid[BATCH][24];
    for (size_t i = 0; i < n; i++) {
        uint64_t x = pairs[i];
        snprintf(pt[b][0], 24, "crate-%05u", (unsigned)(x >> 40));
        snprintf(wid[b], 24, "%016lx", (unsigned long)((x >> 4) & 0xFFFFFFFFFULL));
        snprintf(pt[b][1], 24, "1.0.%u", (unsigned)(x & 15));
        p[3 * b] = SQL_TEXT(pt[b][0]);
        p[3 * b + 1] = SQL_TEXT(wid[b]);
        p[3 * b + 2] = SQL_TEXT(pt[b][1]);
        if (++b == BATCH || i == n - 1) {
            if (sql_insert_rows(st->sql, "INSERT INTO watch_packages (name, watch_id, version)",
                                "", 3, p, b, NULL, &err) < 0)
                die("insert packages", &err);
            b = 0;
            if ((i + 1) % 200000 == 0 && (sql_commit(st->sql, &err) < 0 || sql_begin(st->sql, &err) < 0))
                die("commit", &err);
        }
    }
    char num[32];
    snprintf(num, sizeof num, "%ld", watches);
    if (sql_exec(st->sql, "INSERT INTO meta (key, value) VALUES ('bench_watches', $1)",
                 (sql_param[]){SQL_TEXT(num)}, 1, NULL, NULL, NULL, &err) < 0 ||
        sql_commit(st->sql, &err) < 0 ||
        sql_exec_script(st->sql,
                        "CREATE INDEX watch_packages_watch ON watch_packages (watch_id); "
                        "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA synchronous=FULL;",
                        &err) < 0)
        die("commit", &err);
    free(pairs);
    free(cum);
    free(taken);
    free(mine);
    free(text);
    free(pt);
    csec_buf_free(&err);
}

static void write_advisory(const char *dbdir, const char *crate, int n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/crates/%s", dbdir, crate);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/crates/%s/RUSTSEC-2099-%04d.md", dbdir, crate, n);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f,
            "```toml\n[advisory]\nid = \"RUSTSEC-2099-%04d\"\npackage = \"%s\"\n"
            "date = \"2099-01-01\"\n\n[versions]\npatched = [\">= 1.0.5\"]\n```\n\n"
            "# Benchmark advisory %d\n\nGenerated.\n",
            n, crate, n);
    fclose(f);
}

static csec_db *load(const char *dir)
{
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, dir, NULL, &d) < 0) {
        fprintf(stderr, "bench-watch-eval: %s: %s\n", dir, d.msg);
        exit(1);
    }
    return db;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench-watch-eval STATE_DIR WORK_DIR WATCHES RUNS\n");
        return 2;
    }
    const char *state_dir = argv[1], *work = argv[2];
    long watches = atol(argv[3]);
    int runs = atoi(argv[4]);
    csec_buf err = CSEC_BUF_INIT;
    state_store *st = NULL;
    if (state_open(&st, state_dir, &err) < 0)
        die("open", &err);
    int64_t have = 0;
    sql_exec(st->sql, "SELECT value FROM meta WHERE key = 'bench_watches'", NULL, 0, sql_first_int,
             &have, NULL, &err);
    if (have != watches) {
        state_close(st);
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
        if (system(cmd) != 0)
            return 1;
        if (state_open(&st, state_dir, &err) < 0)
            die("open", &err);
        double t0 = csec__now_ms();
        generate(st, watches);
        fprintf(stderr, "bench-watch-eval: generated in %.0f s\n", (csec__now_ms() - t0) / 1000);
    }
    int64_t rows = 0;
    sql_exec(st->sql, "SELECT count(*) FROM watch_packages", NULL, 0, sql_first_int, &rows, NULL,
             &err);
    /* Earlier runs' advisories and events go; the watches stay. */
    csec_buf_clear(&err);
    if (sql_exec_script(st->sql,
                        "DELETE FROM events; DELETE FROM deliveries; DELETE FROM advisory_state; "
                        "DELETE FROM advisory_snapshots; DELETE FROM meta WHERE key LIKE "
                        "'evaluated%';",
                        &err) < 0)
        die("reset", &err);
    char dbdir[4096];
    snprintf(dbdir, sizeof dbdir, "%s/db", work);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%.2000s' && mkdir -p '%.2000s/crates'", dbdir, dbdir);
    if (system(cmd) != 0)
        return 1;
    write_advisory(dbdir, "zzz-no-such-crate", 0);
    csec_db *db = load(dbdir);
    int64_t t = 1000;
    char commit[41];
    snprintf(commit, sizeof commit, "%040d", 0);
    state_data d = {db, commit, t, NULL};
    state_eval_stats stats;
    if (state_evaluate(st, &d, &stats, &err) < 0 || !stats.seeded)
        die("seed", &err);
    csec_db_free(db);
    printf("watch_eval_setup watches=%ld package_rows=%lld (%.0f per watch) webhooks=%ld\n",
           watches, (long long)rows, (double)rows / (double)watches, (watches + 9) / 10);

    static const int ranks[] = {1, 10, 100, 1000, 10000};
    int adv = 0;
    double *ms = csec__xcalloc((size_t)runs, sizeof *ms);
    for (size_t r = 0; r < sizeof ranks / sizeof *ranks; r++) {
        char crate[32];
        snprintf(crate, sizeof crate, "crate-%05d", ranks[r] - 1);
        size_t last_rows = 0, last_events = 0, last_deliveries = 0;
        for (int i = 0; i < runs; i++) {
            write_advisory(dbdir, crate, ++adv);
            db = load(dbdir);
            snprintf(commit, sizeof commit, "%040d", adv);
            state_data di = {db, commit, ++t, NULL};
            if (state_evaluate(st, &di, &stats, &err) < 0)
                die("evaluate", &err);
            if (stats.evaluated != 1)
                die("expected one advisory evaluated", NULL);
            ms[i] = stats.ms;
            /* The server checkpoints at quiet moments, not in an evaluation. */
            state_maintain(st, &err);
            last_rows = stats.rows;
            last_events = stats.events;
            last_deliveries = stats.deliveries;
            csec_db_free(db);
        }
        qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
        printf("watch_eval rank=%d watches_holding=%zu events=%zu deliveries=%zu "
               "ms_median=%.1f ms_min=%.1f ms_max=%.1f (%d runs)\n",
               ranks[r], last_rows, last_events, last_deliveries, ms[runs / 2], ms[0],
               ms[runs - 1], runs);
    }

    /* The baseline: every watch evaluated whole (no index), on 1,000. */
    db = load(dbdir);
    state_data dall = {db, commit, t, NULL};
    long sample = watches < 1000 ? watches : 1000;
    double t0 = csec__now_ms();
    sql_begin(st->sql, &err);
    for (long w = 0; w < sample; w++) {
        char id[24];
        snprintf(id, sizeof id, "%016lx", (unsigned long)(w * (watches / sample)));
        size_t ev = 0, dl = 0;
        if (state__evaluate_watch(st, &dall, id, false, &ev, &dl, &err) < 0)
            die("baseline", &err);
    }
    double spent = csec__now_ms() - t0;
    sql_rollback(st->sql);
    printf("watch_eval_baseline every_watch_whole ms=%.0f (%.3f ms per watch x %ld watches, "
           "measured on %ld)\n",
           spent * (double)watches / (double)sample, spent / (double)sample, watches, sample);
    csec_db_free(db);
    free(ms);
    state_close(st);
    csec_buf_free(&err);
    return 0;
}
