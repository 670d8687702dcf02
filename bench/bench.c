/* bench.c - core benchmarks (make bench): database load and affected checks.
 *
 *   bench DB_DIR [RUNS]
 *
 * Prints one `name: median ...` line per measurement; bench/run.sh adds the
 * targets. */
#include "cratesec.h"
#include "db.h" /* csec__db_load_verified: the server's reload */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The crate with the most advisories in the crates collection. */
static const char *busiest_crate(const csec_db *db)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        size_t n = 0;
        csec_db_by_package(db, a->collection, a->package, &n);
        if (a->collection == CSEC_COLLECTION_CRATES && n > best_n) {
            best_n = n;
            best = a->package;
        }
    }
    return best;
}

/* The floor under any loader: open and read every file of crates/ and rust/
 * in one thread, parsing nothing.  Returns the bytes read. */
static long read_all_files(const char *root)
{
    static char buf[1 << 16];
    long total = 0;
    for (int c = 0; c < 2; c++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", root, c ? "rust" : "crates");
        DIR *cdir = opendir(path);
        struct dirent *pe;
        while (cdir && (pe = readdir(cdir)) != NULL) {
            if (pe->d_name[0] == '.')
                continue;
            int pfd = openat(dirfd(cdir), pe->d_name, O_RDONLY | O_DIRECTORY);
            DIR *pdir = pfd >= 0 ? fdopendir(pfd) : NULL;
            struct dirent *fe;
            while (pdir && (fe = readdir(pdir)) != NULL) {
                if (fe->d_name[0] == '.')
                    continue;
                int f = openat(pfd, fe->d_name, O_RDONLY);
                ssize_t k;
                while (f >= 0 && (k = read(f, buf, sizeof buf)) > 0)
                    total += k;
                if (f >= 0)
                    close(f);
            }
            if (pdir)
                closedir(pdir);
        }
        if (cdir)
            closedir(cdir);
    }
    return total;
}

typedef struct load_kind {
    const char *name, *what;
    bool git; /* as the server loads: checkout verified, git times, commit */
} load_kind;

/* One load of the kind; returns milliseconds, or -1 after a message. */
static double timed_load(const char *dir, const load_kind *k, size_t *count)
{
    csec_db *db = NULL;
    csec_diag d;
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.git_times = k->git;
    double t0 = now_ns();
    char commit[41];
    csec_diag vd;
    int verified = 0;
    int rc = k->git ? csec__db_load_verified(&db, dir, &o, commit, &verified, &vd, &d)
                    : csec_db_open(&db, dir, &o, &d);
    if (rc < 0 || verified < 0) {
        char msg[1024];
        fprintf(stderr, "bench: %s\n", csec_diag_format(msg, sizeof msg, rc < 0 ? &d : &vd));
        csec_db_free(db);
        return -1;
    }
    if (k->git)
        csec_db_commit(db, NULL);
    double t1 = now_ns();
    *count = csec_db_count(db);
    csec_db_free(db);
    return (t1 - t0) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench DB_DIR [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 31;
    if (runs < 1)
        runs = 1;
    double *t = calloc((size_t)runs, sizeof *t);
    csec_db *db = NULL;
    csec_diag d;
    size_t count = 0;
    /* A whole load on the calling thread (what `show`, `lint` and
     * `export-osv --no-git` do), and a load as the server does it at every
     * reload: the checkout verified against its commit, the `modified`
     * times from git, the commit.  The server's first load also walks the
     * history for those times; later ones find them remembered in the
     * process for the same commit (lib/git/gittime.c), as timed here after
     * one warm-up load of each kind. */
    static const load_kind kinds[] = {
        {"db_load_ms", "whole database, one thread, no git", false},
        {"db_load_server_ms", "as the server reloads: verify, git times, commit", true},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        double first = 0;
        for (int r = -1; r < runs; r++) {
            double ms = timed_load(argv[1], &kinds[k], &count);
            if (ms < 0)
                return 1;
            if (r >= 0)
                t[r] = ms;
            else
                first = ms;
        }
        printf("%s: median %.3f over %d runs (%zu advisories; %s; first load %.1f)\n",
               kinds[k].name, median(t, runs), runs, count, kinds[k].what, first);
    }
    /* A reload after a sync brought a new commit (what --sync-every does):
     * the `modified` times are not remembered for it, so the walk reads the
     * new commit on top of the remembered times of its parent.  In a clone,
     * one commit per run changing one advisory file (the commit not
     * timed). */
    char tmp[] = "/tmp/csec-bench-reload-XXXXXX", cmd[4096];
    if (!mkdtemp(tmp))
        return 1;
    snprintf(cmd, sizeof cmd,
             "git clone -q '%s' '%s/db' && cd '%s/db' && ls crates/*/*.md | head -1 > ../file",
             argv[1], tmp, tmp);
    if (system(cmd) != 0)
        return 1;
    char clone[600];
    snprintf(clone, sizeof clone, "%s/db", tmp);
    int reloads = runs < 11 ? runs : 11;
    for (int r = -1; r < reloads; r++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && printf '\\nMore.\\n' >> \"$(cat ../file)\" && git -c user.name=b "
                 "-c user.email=b@example.org commit -q -am 'run %d'",
                 clone, r);
        if (system(cmd) != 0)
            return 1;
        double ms = timed_load(clone, &kinds[1], &count);
        if (ms < 0)
            return 1;
        if (r >= 0)
            t[r] = ms;
    }
    printf("db_reload_new_commit_ms: median %.3f over %d runs (as the server reloads after a "
           "sync brought one new commit)\n",
           median(t, reloads), reloads);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        return 1;

    long bytes = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        bytes = read_all_files(argv[1]);
        t[r] = (now_ns() - t0) / 1e6;
    }
    printf("read_only_ms: median %.3f to open and read the same files in one thread, no parsing "
           "(%ld bytes)\n",
           median(t, runs), bytes);

    /* What one system call costs here: loading is some 4,000 of them (open,
     * read, close, directory reads), so this machine's figure for it sets
     * the floor under every load time above, and it varies a lot between
     * virtual machines (from about 0.1 to over 1 microsecond). */
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (int i = 0; i < 10000; i++)
            syscall(SYS_getppid);
        t[r] = (now_ns() - t0) / 10000;
    }
    printf("syscall_ns: median %.0f for one system call (getppid)\n", median(t, runs));

    csec_db_open(&db, argv[1], NULL, &d);
    const char *crate = busiest_crate(db);
    size_t n = 0;
    const csec_advisory *const *list = csec_db_by_package(db, CSEC_COLLECTION_CRATES, crate, &n);
    static const char *probe[] = {"0.1.0", "1.0.0", "0.7.20-alpha.1", "2.3.4"};
    csec_version versions[4];
    for (int i = 0; i < 4; i++)
        csec_version_parse(&versions[i], probe[i], strlen(probe[i]), NULL);

    /* Decide one (advisory, version) pair. */
    const long iters = 2000000;
    volatile size_t sink = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++)
            sink += csec_advisory_affects(list[i % n], &versions[i & 3]);
        t[r] = (now_ns() - t0) / (double)iters;
    }
    printf("affects_ns: median %.1f per advisory+version check\n", median(t, runs));

    /* Decide a whole crate version: look the crate up, check each advisory. */
    const long citers = 200000;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (long i = 0; i < citers; i++) {
            size_t k = 0;
            const csec_advisory *const *l =
                csec_db_by_package(db, CSEC_COLLECTION_CRATES, crate, &k);
            for (size_t j = 0; j < k; j++)
                sink += csec_advisory_affects(l[j], &versions[i & 3]);
        }
        t[r] = (now_ns() - t0) / (double)citers;
    }
    printf("crate_version_ns: median %.1f for lookup + %zu advisories of `%s`\n", median(t, runs),
           n, crate);
    (void)sink;
    csec_db_free(db);
    free(t);
    return 0;
}
