/* test_semver.c - versions, requirements and matching (spec §2.1-2.3): the
 * data-driven cases of tests/spec/semver.txt, a total-order check over a
 * large generated set and API contracts (its speed: bench/bench_semver.c). */
#include "harness.h"
#include "semver.h"
#include "spec_reader.h"

#include <stdlib.h>

/* ---- helpers ---- */

static csec_version ver(const char *s)
{
    csec_version v;
    csec_diag d;
    if (csec_version_parse(&v, s, strlen(s), &d) < 0) {
        fprintf(stderr, "  bad test version %s: %s\n", s, d.msg);
        abort();
    }
    return v;
}

static char *version_text(const csec_version *v)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_version_write(&b, v);
    return csec_buf_detach(&b);
}

static char *req_text(const csec_req *r)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_req_write(&b, r);
    return csec_buf_detach(&b);
}

/* Splits a space-separated list in place; returns the count. */
static size_t split_words(char *s, char **words, size_t max)
{
    size_t n = 0;
    for (char *t = strtok(s, " "); t && n < max; t = strtok(NULL, " "))
        words[n++] = t;
    return n;
}

/* ---- spec cases ---- */

static int check_version_block(const spec_block *b, const spec_line *vl)
{
    const spec_line *disp = csec_test_spec_get(b, "display");
    const spec_line *err = csec_test_spec_get(b, "error");
    csec_version v;
    csec_diag d;
    csec__diag_clear(&d);
    int rc = csec_version_parse(&v, vl->value, vl->len, &d);
    if (b->fail) {
        char want[600];
        if (rc != CSEC_EPARSE) {
            fprintf(stderr, "  semver.txt:%d: `%s` parsed but should fail\n", vl->line, vl->value);
            return 1;
        }
        snprintf(want, sizeof want, "%u %s", d.col, d.msg);
        if (!err || strcmp(want, err->value) != 0) {
            fprintf(stderr, "  semver.txt:%d: `%s`\n    got:      %s\n    expected: %s\n",
                    vl->line, vl->value, want, err ? err->value : "(no error line)");
            return 1;
        }
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "  semver.txt:%d: `%s` failed: %u %s\n", vl->line, vl->value, d.col,
                d.msg);
        return 1;
    }
    char *text = version_text(&v);
    const char *want = disp ? disp->value : vl->value;
    int bad = strcmp(text, want) != 0;
    if (bad)
        fprintf(stderr, "  semver.txt:%d: display %s, expected %s\n", vl->line, text, want);
    /* The parsed views point into the input, not into copies. */
    if (v.pre.len && (v.pre.ptr < vl->value || v.pre.ptr >= vl->value + vl->len))
        bad = 1;
    csec_version again;
    if (csec_version_parse(&again, text, strlen(text), NULL) < 0 ||
        csec_version_cmp(&again, &v) != 0)
        bad = 1;
    csec_free(text);
    return bad;
}

static int check_matches(const spec_block *b, const csec_req *r, const char *key, bool expect)
{
    const spec_line *l = csec_test_spec_get(b, key);
    int bad = 0;
    for (size_t i = 0; l && i < b->count; i++) {
        if (strcmp(b->lines[i].key, key) != 0)
            continue;
        char copy[SPEC_MAX_VALUE], *words[64];
        memcpy(copy, b->lines[i].value, b->lines[i].len + 1);
        size_t n = split_words(copy, words, 64);
        for (size_t k = 0; k < n; k++) {
            csec_version v = ver(words[k]);
            if (csec_req_matches(r, &v) != expect) {
                fprintf(stderr, "  semver.txt:%d: `%s` %s %s\n", b->lines[i].line,
                        csec_test_spec_get(b, "req")->value,
                        expect ? "should match" : "should not match", words[k]);
                bad++;
            }
        }
    }
    return bad;
}

static int check_req_block(const spec_block *b, const spec_line *rl)
{
    const spec_line *disp = csec_test_spec_get(b, "display");
    const spec_line *err = csec_test_spec_get(b, "error");
    csec_req *r = NULL;
    csec_diag d;
    int bad = 0;
    csec__diag_clear(&d);
    int rc = csec_req_parse(&r, rl->value, rl->len, &d);
    if (b->fail) {
        char want[600];
        if (rc != CSEC_EPARSE || r) {
            fprintf(stderr, "  semver.txt:%d: req `%s` parsed but should fail\n", rl->line,
                    rl->value);
            csec_req_free(r);
            return 1;
        }
        snprintf(want, sizeof want, "%u %s", d.col, d.msg);
        if (!err || strcmp(want, err->value) != 0) {
            fprintf(stderr, "  semver.txt:%d: req `%s`\n    got:      %s\n    expected: %s\n",
                    rl->line, rl->value, want, err ? err->value : "(no error line)");
            return 1;
        }
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "  semver.txt:%d: req `%s` failed: %u %s\n", rl->line, rl->value, d.col,
                d.msg);
        return 1;
    }
    char *text = req_text(r);
    if (disp && strcmp(text, disp->value) != 0) {
        fprintf(stderr, "  semver.txt:%d: req `%s` displays as `%s`, expected `%s`\n", rl->line,
                rl->value, text, disp->value);
        bad++;
    }
    /* The display form reparses to itself. */
    csec_req *again = NULL;
    if (csec_req_parse(&again, text, strlen(text), NULL) < 0) {
        fprintf(stderr, "  semver.txt:%d: display `%s` does not reparse\n", rl->line, text);
        bad++;
    } else {
        char *text2 = req_text(again);
        if (strcmp(text, text2) != 0)
            bad++;
        csec_free(text2);
    }
    csec_req_free(again);
    csec_free(text);
    bad += check_matches(b, r, "match", true);
    bad += check_matches(b, r, "nomatch", false);
    csec_req_free(r);
    return bad;
}

static int check_order_block(const spec_block *b, const spec_line *ol)
{
    char copy[SPEC_MAX_VALUE], *words[128];
    memcpy(copy, ol->value, ol->len + 1);
    size_t n = split_words(copy, words, 128), m = 0;
    csec_version v[64];
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(words[i], "<") == 0)
            continue;
        if (m == 64)
            break;
        v[m++] = ver(words[i]);
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            int c = csec_version_cmp(&v[i], &v[j]);
            int want = i < j ? -1 : i > j ? 1 : 0;
            if ((c > 0) - (c < 0) != want) {
                char *a = version_text(&v[i]), *z = version_text(&v[j]);
                fprintf(stderr, "  semver.txt:%d: cmp(%s, %s) = %d, expected %d\n", ol->line, a,
                        z, c, want);
                csec_free(a);
                csec_free(z);
                bad++;
            }
        }
    (void)b;
    return bad;
}

TEST(semver, spec_file)
{
    size_t len;
    char *text = test_read(test_path(test_source_dir(), "tests/spec/semver.txt"), &len);
    ASSERT(text != NULL);
    size_t pos = 0;
    int lineno = 0, bad = 0, cases = 0, fails = 0;
    spec_block *b = malloc(sizeof *b);
    while (csec_test_spec_next(text, &pos, &lineno, b)) {
        const spec_line *l;
        if ((l = csec_test_spec_get(b, "version")))
            bad += check_version_block(b, l);
        else if ((l = csec_test_spec_get(b, "req")))
            bad += check_req_block(b, l);
        else if ((l = csec_test_spec_get(b, "order")))
            bad += check_order_block(b, l);
        else {
            fprintf(stderr, "  semver.txt:%d: block without version/req/order\n", b->line);
            bad++;
        }
        cases++;
        fails += b->fail;
    }
    free(b);
    free(text);
    ASSERT_INT_EQ(bad, 0);
    ASSERT(cases >= 120); /* guards against the reader silently dropping blocks */
    ASSERT(fails >= 60);
}

/* ---- order: a total order over a large generated set ---- */

static int cmp_qsort(const void *a, const void *b)
{
    return csec_version_cmp(a, b);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

TEST(semver, total_order_on_generated_versions)
{
    static const char *const nums[] = {"0", "1", "2", "10", "18446744073709551615"};
    static const char *const pres[] = {"",        "0",     "1",       "9",      "10",     "alpha",
                                       "alpha.1", "alpha.beta", "alpha.0", "beta", "beta.2",
                                       "beta.11", "rc.1",  "-",       "A",      "a-b",    "1.a",
                                       "0.0",     "alpha.0.0"};
    static const char *const builds[] = {"", "0", "00", "1", "01", "001", "a", "a.0", "0.a", "b.5"};
    size_t nn = sizeof nums / sizeof *nums, np = sizeof pres / sizeof *pres;
    size_t nb = sizeof builds / sizeof *builds;
    size_t n = nn * nn * 3 * np * nb;
    char *texts = malloc(n * 96);
    csec_version *v = malloc(n * sizeof *v);
    size_t k = 0;
    for (size_t a = 0; a < nn; a++)
        for (size_t m = 0; m < nn; m++)
            for (size_t p = 0; p < 3; p++)
                for (size_t q = 0; q < np; q++)
                    for (size_t r = 0; r < nb; r++) {
                        char *t = texts + k * 96;
                        int len = snprintf(t, 96, "%s.%s.%s%s%s%s%s", nums[a], nums[m], nums[p],
                                           *pres[q] ? "-" : "", pres[q], *builds[r] ? "+" : "",
                                           builds[r]);
                        if (csec_version_parse(&v[k], t, (size_t)len, NULL) < 0)
                            FAIL_AT("generated version %s does not parse", t);
                        k++;
                    }
    ASSERT_INT_EQ(k, n);
    qsort(v, n, sizeof *v, cmp_qsort);
    /* Distinct texts never compare equal, so the sorted list is strictly
     * increasing; and random pairs agree with their sorted positions, which
     * checks antisymmetry and transitivity on a large sample. */
    for (size_t i = 0; i + 1 < n; i++)
        if (csec_version_cmp(&v[i], &v[i + 1]) >= 0) {
            char *x = version_text(&v[i]), *y = version_text(&v[i + 1]);
            fprintf(stderr, "  not strictly increasing: %s, %s\n", x, y);
            csec_free(x);
            csec_free(y);
            ASSERT(0);
        }
    for (int t = 0; t < 1000000; t++) {
        size_t i = rng() % n, j = rng() % n;
        int c = csec_version_cmp(&v[i], &v[j]);
        ASSERT_INT_EQ(sign(c), i < j ? -1 : i > j ? 1 : 0);
        ASSERT_INT_EQ(sign(csec_version_cmp(&v[j], &v[i])), -sign(c));
    }
    for (int t = 0; t < 200000; t++) {
        size_t i = rng() % n, j = rng() % n, l = rng() % n;
        if (csec_version_cmp(&v[i], &v[j]) <= 0 && csec_version_cmp(&v[j], &v[l]) <= 0)
            ASSERT(csec_version_cmp(&v[i], &v[l]) <= 0);
    }
    free(v);
    free(texts);
}

/* ---- API contracts ---- */

TEST(semver, version_parse_views_and_errors)
{
    const char *s = "1.2.3-alpha.1+build.7 trailing";
    csec_version v;
    csec_diag d;
    ASSERT_INT_EQ(csec_version_parse(&v, s, 21, &d), 0);
    ASSERT(v.major == 1 && v.minor == 2 && v.patch == 3);
    ASSERT(v.pre.ptr == s + 6 && v.pre.len == 7);
    ASSERT(v.build.ptr == s + 14 && v.build.len == 7);
    /* With the full length the trailing text is an error with a column. */
    ASSERT_INT_EQ(csec_version_parse(&v, s, strlen(s), &d), CSEC_EPARSE);
    ASSERT_INT_EQ(d.code, CSEC_EPARSE);
    ASSERT_INT_EQ(d.line, 1);
    ASSERT_INT_EQ(d.col, 22);
    ASSERT_STR_EQ(d.msg, "unexpected space after build metadata");
    ASSERT(v.major == 0 && v.pre.len == 0); /* zeroed on failure */
    /* A NULL diag is allowed. */
    ASSERT_INT_EQ(csec_version_parse(&v, "x", 1, NULL), CSEC_EPARSE);
    /* Not NUL-terminated input: only `len` bytes are read. */
    char buf[5] = {'1', '.', '0', '.', '0'};
    ASSERT_INT_EQ(csec_version_parse(&v, buf, 5, NULL), 0);
    ASSERT(v.major == 1 && v.minor == 0 && v.patch == 0);
    ASSERT_INT_EQ(csec_version_parse(&v, buf, 4, NULL), CSEC_EPARSE);
}

TEST(semver, req_fields_and_ownership)
{
    char text[] = ">= 1.2.3-beta.1+b, <2";
    csec_req *r = NULL;
    ASSERT_INT_EQ(csec_req_parse(&r, text, strlen(text), NULL), 0);
    ASSERT_INT_EQ(r->count, 2);
    const csec_comparator *c = &r->comparators[0];
    ASSERT_INT_EQ(c->op, CSEC_OP_GREATER_EQ);
    ASSERT(c->has_minor && c->has_patch && c->major == 1 && c->minor == 2 && c->patch == 3);
    /* The requirement owns a NUL-terminated copy of the prerelease. */
    memset(text, 'z', sizeof text - 1);
    ASSERT_INT_EQ(c->pre.len, 6);
    ASSERT_STR_EQ(c->pre.ptr, "beta.1");
    c = &r->comparators[1];
    ASSERT(c->op == CSEC_OP_LESS && !c->has_minor && !c->has_patch && c->major == 2);
    ASSERT_INT_EQ(c->pre.len, 0);
    csec_req_free(r);
    csec_req_free(NULL);

    /* The arena flavour gives the same result and leaves *out NULL on error. */
    csec_arena a = CSEC_ARENA_INIT;
    csec_req *ra = NULL;
    ASSERT_INT_EQ(csec__req_parse_arena(&ra, &a, "~1.2.3-rc", 9, NULL), 0);
    ASSERT(ra->count == 1 && ra->comparators[0].op == CSEC_OP_TILDE);
    ASSERT_STR_EQ(ra->comparators[0].pre.ptr, "rc");
    csec_diag d;
    ASSERT_INT_EQ(csec__req_parse_arena(&ra, &a, "1.0,", 4, &d), CSEC_EPARSE);
    ASSERT(ra == NULL);
    ASSERT_INT_EQ(d.col, 4);
    csec__arena_free(&a);

    ASSERT_INT_EQ(csec_req_parse(&r, "*", 1, NULL), 0);
    ASSERT_INT_EQ(r->count, 0);
    csec_req_free(r);
    r = (csec_req *)1;
    ASSERT_INT_EQ(csec_req_parse(&r, "", 0, NULL), CSEC_EPARSE);
    ASSERT(r == NULL);
}

TEST(semver, req_comparator_limit)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_req *r = NULL;
    csec_diag d;
    for (int i = 0; i < 32; i++)
        csec_buf_printf(&b, "%s>=%d", i ? ", " : "", i);
    ASSERT_INT_EQ(csec_req_parse(&r, b.ptr, b.len, &d), 0);
    ASSERT_INT_EQ(r->count, 32);
    csec_req_free(r);
    size_t comma = b.len + 1;
    csec_buf_puts(&b, ", <99");
    ASSERT_INT_EQ(csec_req_parse(&r, b.ptr, b.len, &d), CSEC_EPARSE);
    ASSERT_STR_EQ(d.msg, "too many comparators (the limit is 32)");
    ASSERT_INT_EQ(d.col, comma);
    csec_buf_free(&b);
}

TEST(semver, version_write_roundtrip)
{
    csec_version v = ver("18446744073709551615.0.7-x.1+y.02");
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_puts(&b, "v=");
    csec_version_write(&b, &v);
    ASSERT_STR_EQ(b.ptr, "v=18446744073709551615.0.7-x.1+y.02");
    csec_buf_free(&b);
    char small[8];
    ASSERT_STR_EQ(csec__req_display(small, sizeof small, &(csec_req){0, NULL}), "*");
}

TEST(semver, prerelease_cmp_helper)
{
    csec_str rel = {"", 0}, a = {"alpha", 5}, a1 = {"alpha.1", 7}, n9 = {"9", 1}, n10 = {"10", 2};
    ASSERT(csec__pre_cmp(rel, a) > 0);
    ASSERT(csec__pre_cmp(a, rel) < 0);
    ASSERT(csec__pre_cmp(rel, rel) == 0);
    ASSERT(csec__pre_cmp(a, a1) < 0);
    ASSERT(csec__pre_cmp(n9, n10) < 0);
    ASSERT(csec__pre_cmp(n10, a) < 0);
}

