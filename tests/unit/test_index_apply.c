/* test_index_apply.c - index generations: applying changed crate files
 * (csec__index_apply) and the reverse dependencies that follow them
 * (csec__deps_rev_apply) give what a fresh load of the changed files gives,
 * leave the previous generation as it was, and free in any order. */
#include "harness.h"

#include "deps.h"
#include "index.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything a reader can see of an index, as text. */
static char *transcript(const csec_index *ix, const csec_deps_rev *rev)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_printf(&b, "crates=%zu versions=%zu\n", csec__index_crate_count(ix),
                    csec__index_version_count(ix));
    for (size_t i = 0; i < csec__index_crate_count(ix); i++) {
        const csec_index_crate *c = csec__index_crate_at(ix, i);
        if (csec__index_find(ix, c->name) != c)
            csec_buf_printf(&b, "NOT FOUND BY NAME: %s\n", c->name);
        csec_buf_printf(&b, "%s", c->name);
        if (rev)
            csec_buf_printf(&b, " rdeps=%zu", csec__deps_rev_count(rev, c));
        for (size_t j = 0; j < c->versions_count; j++) {
            const csec_index_version *v = &c->versions[j];
            csec_buf_printf(&b, " %s%s", v->vers, v->yanked ? "(y)" : "");
            for (uint32_t k = 0; k < v->deps_count; k++)
                csec_buf_printf(&b, "%s%s %s", k ? "," : "[", v->deps[k]->name, v->deps[k]->req);
            if (v->deps_count)
                csec_buf_putc(&b, ']');
        }
        csec_buf_putc(&b, '\n');
    }
    return csec_buf_detach(&b);
}

static const char *const CK = "0000000000000000000000000000000000000000000000000000000000000000";

/* One line of a crate file with dependencies "a ^1,b ^0.1" (may be ""). */
static void line(csec_buf *b, const char *name, const char *vers, bool yanked, const char *deps)
{
    csec_buf_printf(b, "{\"name\":\"%s\",\"vers\":\"%s\",\"deps\":[", name, vers);
    const char *p = deps;
    bool first = true;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *sp = memchr(p, ' ', n);
        if (sp) {
            csec_buf_printf(b,
                            "%s{\"name\":\"%.*s\",\"req\":\"%.*s\",\"features\":[],"
                            "\"optional\":false,\"default_features\":true,\"target\":null,"
                            "\"kind\":\"normal\"}",
                            first ? "" : ",", (int)(sp - p), p, (int)(n - (size_t)(sp - p) - 1),
                            sp + 1);
            first = false;
        }
        p = end ? end + 1 : NULL;
    }
    csec_buf_printf(b, "],\"cksum\":\"%s\",\"features\":{},\"yanked\":%s}\n", CK,
                    yanked ? "true" : "false");
}

typedef struct tree {
    char root[64];
} tree;

static int write_rel(const tree *t, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", t->root, rel);
    for (char *s = path + strlen(t->root) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        int rc = mkdir(path, 0755);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    if (!text)
        return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void tree_remove(const tree *t)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->root);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", t->root);
}

/* A changing set of crate files: the same text goes to disk (for the fresh
 * load) and into a change list (for the apply). */
typedef struct batch {
    csec_index_change ch[64];
    char *texts[64];
    char paths[64][128];
    size_t n;
} batch;

static int batch_put(batch *bt, const tree *t, const char *name, const char *text)
{
    char rel[128];
    if (!csec__index_path_for(rel, sizeof rel, name) || bt->n == 64)
        return -1;
    snprintf(bt->paths[bt->n], sizeof bt->paths[bt->n], "%s", rel);
    bt->texts[bt->n] = text ? strdup(text) : NULL;
    bt->ch[bt->n] = (csec_index_change){bt->paths[bt->n], bt->texts[bt->n],
                                        text ? strlen(text) : 0};
    bt->n++;
    return write_rel(t, rel, text);
}

static void batch_clear(batch *bt)
{
    for (size_t i = 0; i < bt->n; i++)
        free(bt->texts[i]);
    bt->n = 0;
}

static csec_index *load(const tree *t, unsigned threads)
{
    csec_index *ix = NULL;
    csec_diag d;
    csec_index_options o = CSEC_INDEX_OPTIONS_INIT;
    o.threads = threads;
    if (csec__index_open_dir_ex(&ix, t->root, &o, &d) < 0)
        fprintf(stderr, "  load: %s: %s\n", d.file, d.msg);
    return ix;
}

TEST(index_apply, changes_equal_a_fresh_load)
{
    tree t;
    snprintf(t.root, sizeof t.root, "/tmp/csec-apply-XXXXXX");
    ASSERT(mkdtemp(t.root) != NULL);
    csec_buf b = CSEC_BUF_INIT;
    batch bt = {0};
    /* The first state: a small graph (app -> web -> base, tool -> base). */
    static const char *const first[][3] = {
        {"base", "1.0.0", ""},         {"web", "0.1.0", "base ^1"},
        {"app", "2.0.0", "web ^0.1,base ^1"}, {"tool", "1.0.0", "base ^1"},
        {"ab", "0.1.0", ""},           {"x", "1.0.0", "ghost ^1"},
    };
    for (size_t i = 0; i < sizeof first / sizeof *first; i++) {
        csec_buf_clear(&b);
        line(&b, first[i][0], first[i][1], false, first[i][2]);
        ASSERT_INT_EQ(batch_put(&bt, &t, first[i][0], b.ptr), 0);
    }
    ASSERT_INT_EQ(write_rel(&t, "config.json", "{\"dl\":\"https://dl.example\"}"), 0);
    batch_clear(&bt);
    csec_index *g1 = load(&t, 2);
    ASSERT(g1);
    csec_deps_rev *r1 = csec__deps_rev_new(g1);
    char *before = transcript(g1, r1);
    ASSERT_CONTAINS(before, "base rdeps=3 1.0.0\n");

    /* A publish, a yank, a new crate (the one x wanted), a removal, a crate
     * with no usable line any more, config.json, and paths that are not
     * crates. */
    csec_buf_clear(&b);
    line(&b, "base", "1.0.0", false, "");
    line(&b, "base", "1.1.0", false, "");
    ASSERT_INT_EQ(batch_put(&bt, &t, "base", b.ptr), 0);
    csec_buf_clear(&b);
    line(&b, "web", "0.1.0", true, "base ^1");
    line(&b, "web", "0.2.0", false, "base ^1.1,ghost ^1");
    ASSERT_INT_EQ(batch_put(&bt, &t, "web", b.ptr), 0);
    csec_buf_clear(&b);
    line(&b, "Ghost", "1.2.0", false, "");
    ASSERT_INT_EQ(batch_put(&bt, &t, "ghost", b.ptr), 0);
    ASSERT_INT_EQ(batch_put(&bt, &t, "tool", NULL), 0);
    ASSERT_INT_EQ(batch_put(&bt, &t, "ab", ""), 0);
    static const char *const raw[][2] = {{"README.md", "hello"},
                                         {"zz/zz/misplaced", "{}"},
                                         {"config.json", "{\"dl\":\"https://other.example\"}"}};
    for (size_t i = 0; i < 3; i++) {
        bt.texts[bt.n] = NULL;
        bt.ch[bt.n++] = (csec_index_change){raw[i][0], raw[i][1], strlen(raw[i][1])};
    }
    ASSERT_INT_EQ(write_rel(&t, "config.json", "{\"dl\":\"https://other.example\"}"), 0);

    csec_index *g2 = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec__index_apply(&g2, g1, bt.ch, bt.n, &d), 0);
    /* g1 has its successor now; a second apply on it is refused. */
    csec_index *again = NULL;
    ASSERT_INT_EQ(csec__index_apply(&again, g1, bt.ch, 1, &d), CSEC_EINVAL);
    csec_deps_rev *r2 = NULL;
    ASSERT_INT_EQ(csec__deps_rev_apply(&r2, r1, g2), 0);
    /* The previous generation reads as before. */
    char *still = transcript(g1, r1);
    ASSERT_STR_EQ(still, before);
    ASSERT_STR_EQ(csec__index_config_dl(g1), "https://dl.example");
    ASSERT_STR_EQ(csec__index_config_dl(g2), "https://other.example");

    csec_index *fresh = load(&t, 1);
    csec_deps_rev *rf = csec__deps_rev_new(fresh);
    char *want = transcript(fresh, rf), *got = transcript(g2, r2);
    ASSERT_STR_EQ(got, want);
    ASSERT_CONTAINS(got, "Ghost rdeps=2 1.2.0\n"); /* x and web 0.2.0 */
    ASSERT(strstr(got, "tool") == NULL && strstr(got, "\nab ") == NULL);
    ASSERT_CONTAINS(got, "base rdeps=2 1.0.0 1.1.0\n"); /* app, web */
    /* The delta: base, web, ghost, tool, ab. */
    const csec_index_delta *delta;
    size_t nd;
    csec__index_delta(g2, &delta, &nd);
    ASSERT_INT_EQ(nd, 5);
    /* Unchanged crates are the same records. */
    ASSERT(csec__index_find(g2, "app") == csec__index_find(g1, "app"));
    ASSERT(csec__index_find(g2, "base") != csec__index_find(g1, "base"));

    /* Dropping the old generations first, while the new one is read. */
    csec__deps_rev_free(r1);
    csec__index_free(g1);
    char *after = transcript(g2, r2);
    ASSERT_STR_EQ(after, want);
    csec__deps_rev_free(r2);
    csec__index_free(g2);
    csec__deps_rev_free(rf);
    csec__index_free(fresh);
    free(before);
    free(still);
    free(want);
    free(got);
    free(after);
    batch_clear(&bt);
    csec_buf_free(&b);
    tree_remove(&t);
}

TEST(index_apply, discard_and_free_in_any_order)
{
    csec_index *g1 = csec__index_new(NULL);
    const char *text = "{\"name\":\"a\",\"vers\":\"1.0.0\",\"cksum\":"
                       "\"0000000000000000000000000000000000000000000000000000000000000000\"}";
    ASSERT_INT_EQ(csec__index_add_file(NULL, g1, "1/a", "a", text, strlen(text)), 0);
    csec_index_change ch = {"1/b", "{\"name\":\"b\",\"vers\":\"1.0.0\",\"cksum\":"
                                   "\"00000000000000000000000000000000000000000000000000000000000"
                                   "00000\"}",
                            0};
    ch.len = strlen(ch.text);
    csec_index *g2 = NULL, *g3 = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec__index_apply(&g2, g1, &ch, 1, &d), 0);
    ASSERT_INT_EQ(csec__index_crate_count(g2), 2);
    /* Thrown away unshared: g1 may have a successor again. */
    csec__index_discard(g2);
    ASSERT(csec__index_find(g1, "b") == NULL);
    ASSERT_INT_EQ(csec__index_apply(&g2, g1, &ch, 1, &d), 0);
    csec_index_change rm = {"1/a", NULL, 0};
    ASSERT_INT_EQ(csec__index_apply(&g3, g2, &rm, 1, &d), 0);
    ASSERT(csec__index_find(g3, "a") == NULL);
    ASSERT(csec__index_find(g2, "a") != NULL);
    /* Newest first: the older ones stay readable until their last reference. */
    csec__index_free(g3);
    ASSERT(csec__index_find(g2, "b") != NULL);
    csec__index_free(g1);
    ASSERT(csec__index_find(g2, "a") != NULL);
    csec__index_free(g2);
}

/* Random publishes, yanks, new crates and removals over many generations,
 * each compared with a fresh load, with old generations released at random
 * moments (the sanitizers check the memory). */
TEST(index_apply, random_generations)
{
    tree t;
    snprintf(t.root, sizeof t.root, "/tmp/csec-apply-XXXXXX");
    ASSERT(mkdtemp(t.root) != NULL);
    unsigned seed = 12345;
    enum { CRATES = 60, ROUNDS = 25 };
    char names[CRATES][16];
    int vers[CRATES];
    bool alive[CRATES];
    csec_buf b = CSEC_BUF_INIT;
    batch bt = {0};
    for (int i = 0; i < CRATES; i++) {
        /* Names of every length class: 1, 2, 3 and 4+ characters. */
        static const char *const stems[] = {"q", "qa", "qab", "qabc", "Qab-c", "qab_d"};
        snprintf(names[i], sizeof names[i], "%s%d", stems[i % 6], i);
    }
    for (int i = 0; i < CRATES; i++) {
        vers[i] = 1;
        alive[i] = true;
        csec_buf_clear(&b);
        char deps[64];
        snprintf(deps, sizeof deps, "%s ^0.1,%s ^0.1", names[(i * 7 + 3) % CRATES],
                 names[(i * 11 + 5) % CRATES]);
        line(&b, names[i], "0.1.0", false, i % 5 ? deps : "");
        ASSERT_INT_EQ(batch_put(&bt, &t, names[i], b.ptr), 0);
    }
    batch_clear(&bt);
    csec_index *cur = load(&t, 3);
    ASSERT(cur);
    csec_deps_rev *rev = csec__deps_rev_new(cur);
    csec_index *held_ix[ROUNDS] = {0};
    csec_deps_rev *held_rev[ROUNDS] = {0};
    size_t nheld = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int changes = 1 + (int)(rand_r(&seed) % 12);
        for (int k = 0; k < changes; k++) {
            int i = (int)(rand_r(&seed) % CRATES);
            int what = (int)(rand_r(&seed) % 10);
            csec_buf_clear(&b);
            if (what == 0 && alive[i]) {
                alive[i] = false;
                ASSERT_INT_EQ(batch_put(&bt, &t, names[i], NULL), 0);
                continue;
            }
            alive[i] = true;
            vers[i] += what < 7 ? 1 : 0;
            for (int v = 1; v <= vers[i]; v++) {
                char vs[32], deps[64];
                snprintf(vs, sizeof vs, "0.%d.0", v);
                snprintf(deps, sizeof deps, "%s ^0.%d", names[(i + v * 13) % CRATES], v % 3);
                line(&b, names[i], vs, what >= 7 && v == vers[i], v % 4 ? deps : "");
            }
            ASSERT_INT_EQ(batch_put(&bt, &t, names[i], b.ptr), 0);
        }
        csec_index *next = NULL;
        csec_deps_rev *nrev = NULL;
        csec_diag d;
        ASSERT_INT_EQ(csec__index_apply(&next, cur, bt.ch, bt.n, &d), 0);
        ASSERT_INT_EQ(csec__deps_rev_apply(&nrev, rev, next), 0);
        batch_clear(&bt);
        csec_index *fresh = load(&t, (unsigned)(1 + round % 3));
        csec_deps_rev *rf = csec__deps_rev_new(fresh);
        char *want = transcript(fresh, rf), *got = transcript(next, nrev);
        int same = strcmp(want, got) == 0;
        if (!same)
            fprintf(stderr, "  round %d:\n--- fresh\n%s--- applied\n%s", round, want, got);
        free(want);
        free(got);
        csec__deps_rev_free(rf);
        csec__index_free(fresh);
        ASSERT(same);
        /* Keep some old generations alive a while, as requests would. */
        held_ix[nheld] = cur;
        held_rev[nheld++] = rev;
        while (nheld && rand_r(&seed) % 3 == 0) {
            size_t j = rand_r(&seed) % nheld;
            csec__index_free(held_ix[j]);
            csec__deps_rev_free(held_rev[j]);
            held_ix[j] = held_ix[nheld - 1];
            held_rev[j] = held_rev[--nheld];
        }
        cur = next;
        rev = nrev;
    }
    for (size_t j = 0; j < nheld; j++) {
        csec__index_free(held_ix[j]);
        csec__deps_rev_free(held_rev[j]);
    }
    csec__deps_rev_free(rev);
    csec__index_free(cur);
    csec_buf_free(&b);
    tree_remove(&t);
}

/* Orders interned texts by content, then address. */
static int cmp_text_then_addr(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strcmp(x, y);
    return c ? c : (x < y ? -1 : x > y);
}

/* Crate i's name: spread over 26 top-level directories, so that the load's
 * threads each get some. */
static void par_name(char *out, size_t size, int i)
{
    snprintf(out, size, "%cpar%d", 'a' + i % 26, i);
}

/* A load on several threads (interning tables in shards, a pool per thread)
 * gives what one thread gives, with every text and dependency record stored
 * once: equal contents, equal addresses.  Enough crates that every shard's
 * table grows while the threads insert. */
TEST(index_apply, parallel_load_interns_each_once)
{
    tree t;
    snprintf(t.root, sizeof t.root, "/tmp/csec-par-XXXXXX");
    ASSERT(mkdtemp(t.root) != NULL);
    enum { CRATES = 3000, SHARED = 400 };
    csec_buf b = CSEC_BUF_INIT;
    batch bt = {0};
    for (int i = 0; i < CRATES; i++) {
        char name[32], deps[96], d1[32], d2[32];
        par_name(name, sizeof name, i);
        csec_buf_clear(&b);
        for (int v = 0; v < 3; v++) {
            char vs[32];
            snprintf(vs, sizeof vs, "1.%d.%d", v, i % 7);
            par_name(d1, sizeof d1, (i * 31 + v) % SHARED);
            par_name(d2, sizeof d2, (i * 17 + 3) % SHARED);
            snprintf(deps, sizeof deps, "%s ^1.%d,%s ^0.%d", d1, v, d2, i % 5);
            line(&b, name, vs, false, deps);
        }
        ASSERT_INT_EQ(batch_put(&bt, &t, name, b.ptr), 0);
        batch_clear(&bt);
    }
    csec_buf_free(&b);
    csec_index *one = load(&t, 1), *four = load(&t, 4);
    ASSERT(one && four);
    char *want = transcript(one, NULL), *got = transcript(four, NULL);
    ASSERT_STR_EQ(got, want);
    free(want);
    free(got);
    size_t n = 0, cap = (size_t)CRATES * 3 * 4;
    const char **texts = malloc(cap * sizeof *texts);
    const csec_index_dep **recs = malloc(cap * sizeof *recs);
    ASSERT(texts && recs);
    size_t nrec = 0;
    for (size_t i = 0; i < csec__index_crate_count(four); i++) {
        const csec_index_crate *c = csec__index_crate_at(four, i);
        for (size_t j = 0; j < c->versions_count; j++)
            for (uint32_t k = 0; k < c->versions[j].deps_count; k++) {
                const csec_index_dep *dep = c->versions[j].deps[k];
                texts[n++] = dep->name;
                texts[n++] = dep->req;
                recs[nrec++] = dep;
            }
    }
    qsort(texts, n, sizeof *texts, cmp_text_then_addr);
    size_t dup_texts = 0, dup_recs = 0;
    for (size_t i = 1; i < n; i++)
        if (strcmp(texts[i - 1], texts[i]) == 0 && texts[i - 1] != texts[i])
            dup_texts++;
    for (size_t i = 0; i < nrec; i++)
        for (size_t j = i + 1; j < nrec && j < i + 64; j++)
            if (recs[i] != recs[j] && recs[i]->name == recs[j]->name &&
                recs[i]->req == recs[j]->req)
                dup_recs++;
    ASSERT_INT_EQ(dup_texts, 0);
    ASSERT_INT_EQ(dup_recs, 0);
    free(texts);
    free(recs);
    csec__index_free(one);
    csec__index_free(four);
    tree_remove(&t);
}
