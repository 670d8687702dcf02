/* parse_bench.c - the CPU cost of decoding advisory files, without I/O.
 *
 *   parse_bench ADVISORY_DB [ROUNDS]
 *
 * Reads every crates/<package>/<id>.md and rust/<package>/<id>.md under
 * ADVISORY_DB into memory once, then parses all of them with
 * csec__advisory_parse_arena on one thread, ROUNDS times (default 50), the
 * result arena released after each round as a database release would.
 * Prints the median and minimum time per round and per advisory, and the
 * number of files that failed to parse (expected: 0 on the real database). */
#include "advisory.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct input {
    char *path;
    char *text;
    size_t len;
} input;

static input *inputs;
static size_t ninputs, capinputs;

static void add_file(const char *path)
{
    csec_diag d;
    char *text;
    size_t len;
    if (csec__read_file(&text, &len, path, CSEC_ADVISORY_MAX_BYTES, &d) < 0) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        exit(1);
    }
    if (ninputs == capinputs) {
        capinputs = capinputs ? capinputs * 2 : 1024;
        inputs = csec__xrealloc(inputs, capinputs * sizeof *inputs);
    }
    inputs[ninputs++] = (input){csec__xstrndup(path, strlen(path)), text, len};
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of `dir` (no dot files), sorted, so runs are comparable. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *dh = opendir(dir);
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    if (!dh)
        return NULL;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = csec__xrealloc(names, cap * sizeof *names);
        }
        names[(*n)++] = csec__xstrndup(e->d_name, strlen(e->d_name));
    }
    closedir(dh);
    qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

static void add_collection(const char *root, const char *coll)
{
    char dir[4096], pkgdir[4096], file[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, coll);
    size_t npkg;
    char **pkgs = list_dir(dir, &npkg);
    for (size_t i = 0; i < npkg; i++) {
        snprintf(pkgdir, sizeof pkgdir, "%s/%s", dir, pkgs[i]);
        size_t nf;
        char **files = list_dir(pkgdir, &nf);
        for (size_t j = 0; j < nf; j++) {
            size_t l = strlen(files[j]);
            if (l > 3 && strcmp(files[j] + l - 3, ".md") == 0 &&
                strcmp(files[j], "RUSTSEC-0000-0000.md") != 0) {
                snprintf(file, sizeof file, "%s/%s", pkgdir, files[j]);
                add_file(file);
            }
            free(files[j]);
        }
        free(files);
        free(pkgs[i]);
    }
    free(pkgs);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ADVISORY_DB [ROUNDS]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 50;
    if (rounds < 1)
        rounds = 1;
    add_collection(argv[1], "crates");
    add_collection(argv[1], "rust");
    size_t bytes = 0;
    for (size_t i = 0; i < ninputs; i++)
        bytes += inputs[i].len;

    double *times = csec__xmalloc((size_t)rounds * sizeof *times);
    size_t failed = 0;
    csec_arena arena = CSEC_ARENA_INIT;
    for (int r = 0; r < rounds; r++) {
        failed = 0;
        double t0 = csec__now_ms();
        for (size_t i = 0; i < ninputs; i++) {
            csec_advisory *a;
            csec_diag d;
            if (csec__advisory_parse_arena(&a, NULL, &arena, inputs[i].path, inputs[i].text,
                                           inputs[i].len, &d) < 0) {
                if (r == 0)
                    fprintf(stderr, "%s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
                failed++;
            }
        }
        csec__arena_free(&arena);
        times[r] = csec__now_ms() - t0;
    }
    qsort(times, (size_t)rounds, sizeof *times, cmp_double);
    double med = times[rounds / 2];
    printf("files %zu bytes %zu failed %zu rounds %d\n", ninputs, bytes, failed, rounds);
    printf("parse_round_ms median %.3f min %.3f\n", med, times[0]);
    printf("parse_advisory_us median %.3f\n", med * 1000.0 / (double)(ninputs ? ninputs : 1));
    return 0;
}
