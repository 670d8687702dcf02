/* test_advisory.c - the advisory parser against the edge cases of spec §6,
 * each on the real advisory the spec names, with expected values worked out
 * by hand from spec §1.3-§2.5 (not copied from the program's output). */
#include "harness.h"

#include <stdlib.h>

/* ---- helpers ---- */

/* Parses <db>/<rel> with its real relative path, so the file-name, directory
 * and collection checks of spec §1.2 run too.  NULL (and the test failed)
 * when it does not parse. */
static csec_advisory_doc *parse_file(const char *db, const char *rel)
{
    size_t len = 0;
    char *text = test_read(test_path(db, rel), &len);
    if (!text)
        return NULL;
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    if (csec_advisory_parse(&doc, rel, text, len, &d) < 0) {
        char line[1024];
        fprintf(stderr, "  FAIL %s: %s\n", csec_test_current,
                csec_diag_format(line, sizeof line, &d));
        csec_test_failed = 1;
    }
    free(text);
    return doc;
}

/* Parses a real advisory into `doc`, or skips the test when the database is
 * not available (test_advisory_db already failed the test under CI). */
#define REAL(doc, rel)                                                                             \
    do {                                                                                           \
        const char *db_ = test_advisory_db();                                                      \
        if (!db_) {                                                                                \
            if (csec_test_failed > 0)                                                              \
                return;                                                                            \
            SKIP("advisory-db checkout not available");                                            \
        }                                                                                          \
        (doc) = parse_file(db_, (rel));                                                            \
        if (!(doc))                                                                                \
            return;                                                                                \
    } while (0)

/* The number of lint problems of a real advisory (-1: unreadable). */
static long lint_real(const char *rel)
{
    const char *db = test_advisory_db();
    size_t len = 0;
    char *text = db ? test_read(test_path(db, rel), &len) : NULL;
    if (!text)
        return -1;
    size_t n = csec_advisory_lint(rel, text, len, NULL, NULL);
    free(text);
    return (long)n;
}

/* 1 affected, 0 not affected, -1 the version does not parse. */
static int aff(const csec_advisory *a, const char *ver)
{
    csec_version v;
    if (csec_version_parse(&v, ver, strlen(ver), NULL) < 0)
        return -1;
    return csec_advisory_affects(a, &v) ? 1 : 0;
}

/* The affected intervals as "intro..fixed" joined by spaces (an unbounded
 * side is empty), in a static buffer. */
static const char *intervals(const csec_advisory *a)
{
    static char out[8192];
    csec_buf b = CSEC_BUF_INIT;
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        if (i)
            csec_buf_putc(&b, ' ');
        if (iv->has_introduced)
            csec_version_write(&b, &iv->introduced);
        csec_buf_puts(&b, "..");
        if (iv->has_fixed)
            csec_version_write(&b, &iv->fixed);
    }
    snprintf(out, sizeof out, "%s", b.ptr ? b.ptr : "");
    csec_buf_free(&b);
    return out;
}

typedef struct paths {
    csec_buf b;
    size_t calls;
} paths;

static void collect_path(const char *path, void *payload)
{
    paths *p = payload;
    if (p->calls++)
        csec_buf_putc(&p->b, ',');
    csec_buf_puts(&p->b, path);
}

/* The paths functions_for returns for `ver`, joined by ",", in a static buffer
 * ("" for none; "!" when the returned count disagrees with the callbacks). */
static const char *functions_for(const csec_advisory *a, const char *ver)
{
    static char out[8192];
    csec_version v;
    if (csec_version_parse(&v, ver, strlen(ver), NULL) < 0)
        return "(bad version)";
    paths p = {CSEC_BUF_INIT, 0};
    size_t n = csec_advisory_functions_for(a, &v, collect_path, &p);
    snprintf(out, sizeof out, "%s", n != p.calls ? "!" : p.b.ptr ? p.b.ptr : "");
    csec_buf_free(&p.b);
    return out;
}

static bool list_has(const csec_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Parses an in-memory advisory without path checks; NULL on failure with the
 * diagnostic printed. */
static csec_advisory_doc *parse_text(const char *text)
{
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    if (csec_advisory_parse(&doc, NULL, text, strlen(text), &d) < 0) {
        char line[1024];
        fprintf(stderr, "  %s\n", csec_diag_format(line, sizeof line, &d));
    }
    return doc;
}

/* ---- spec §6, one test per item ---- */

/* §6.1: `<0.10` next to `>=0.10.0` leaves the zero-width [0.10.0, 0.10.0). */
TEST(advisory, edge01_zero_width_ranges)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/arrow2/RUSTSEC-2022-0012.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    /* patched [0.7.1,0.8.0) [0.8.2,0.9.0) [0.9.2,0.10.0) [0.10.0,inf) */
    ASSERT_STR_EQ(intervals(a), "..0.7.1 0.8.0..0.8.2 0.9.0..0.9.2 0.10.0..0.10.0");
    ASSERT_INT_EQ(aff(a, "0.7.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.7.1"), 0);
    ASSERT_INT_EQ(aff(a, "0.8.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.8.1"), 1);
    ASSERT_INT_EQ(aff(a, "0.8.2"), 0);
    ASSERT_INT_EQ(aff(a, "0.9.1"), 1);
    ASSERT_INT_EQ(aff(a, "0.9.2"), 0);
    ASSERT_INT_EQ(aff(a, "0.9.99"), 0);
    ASSERT_INT_EQ(aff(a, "0.10.0"), 0); /* the zero-width interval contains nothing */
    ASSERT_INT_EQ(aff(a, "0.10.0-alpha"), 0); /* below 0.10.0: inside [0.9.2, 0.10.0) */
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/buffered-reader/RUSTSEC-2023-0039.md");
    ASSERT_STR_EQ(intervals(csec_advisory_doc_get(doc)), "..1.0.2 1.1.0..1.1.5 1.2.0..1.2.0");
    csec_advisory_doc_free(doc);
    REAL(doc, "crates/wasmtime-wasi/RUSTSEC-2026-0149.md");
    ASSERT_STR_EQ(intervals(csec_advisory_doc_get(doc)),
                  "..24.0.9 25.0.0..36.0.10 37.0.0..44.0.2 45.0.0..45.0.0");
    csec_advisory_doc_free(doc);
}

/* §6.2: an unaffected interval unbounded below: no interval starts at -inf. */
TEST(advisory, edge02_unbounded_below_unaffected)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/rustls/RUSTSEC-2024-0399.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    /* unaffected (-inf,0.23.0) [0.23.0,0.23.13), patched [0.23.18,inf) */
    ASSERT_STR_EQ(intervals(a), "0.23.0..0.23.0 0.23.13..0.23.18");
    ASSERT_INT_EQ(aff(a, "0.22.99"), 0);
    ASSERT_INT_EQ(aff(a, "0.23.0"), 0);
    ASSERT_INT_EQ(aff(a, "0.23.12"), 0);
    ASSERT_INT_EQ(aff(a, "0.23.13"), 1);
    ASSERT_INT_EQ(aff(a, "0.23.17"), 1);
    ASSERT_INT_EQ(aff(a, "0.23.18-rc.1"), 1);
    ASSERT_INT_EQ(aff(a, "0.23.18"), 0);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/array-queue/RUSTSEC-2020-0047.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->patched_count, 0);
    ASSERT_STR_EQ(intervals(a), "0.3.0.."); /* open-ended: introduced 0.3.0 */
    ASSERT_INT_EQ(aff(a, "0.2.99"), 0);
    ASSERT_INT_EQ(aff(a, "0.3.0-alpha"), 0);
    ASSERT_INT_EQ(aff(a, "0.3.0"), 1);
    ASSERT_INT_EQ(aff(a, "99.0.0"), 1);
    csec_advisory_doc_free(doc);
}

/* §6.3: caret and bare versions become [v, next-minor-or-major-0). */
TEST(advisory, edge03_caret_and_bare_requirements)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/aws-sigv4/RUSTSEC-2023-0125.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->patched_count, 23);
    ASSERT_INT_EQ(a->affected_count, 23);
    ASSERT_STR_EQ(intervals(a),
                  "..0.2.1 0.3.0-0..0.3.1 0.4.0-0..0.5.3 0.6.0-0..0.6.1 0.7.0-0..0.7.1 "
                  "0.8.0-0..0.8.1 0.9.0-0..0.9.1 0.10.0-0..0.10.2 0.11.0-0..0.11.1 "
                  "0.12.0-0..0.12.1 0.13.0-0..0.13.1 0.14.0-0..0.14.1 0.15.0-0..0.15.1 "
                  "0.16.0-0..0.46.1 0.47.0-0..0.47.1 0.48.0-0..0.48.1 0.49.0-0..0.49.1 "
                  "0.50.0-0..0.50.1 0.51.0-0..0.51.1 0.52.0-0..0.52.1 0.53.0-0..0.53.2 "
                  "0.54.0-0..0.54.2 0.55.0-0..0.55.1");
    ASSERT_INT_EQ(aff(a, "0.15.9"), 0);      /* ^0.15.1 covers 0.15.x from .1 */
    ASSERT_INT_EQ(aff(a, "0.16.0-0"), 1);
    ASSERT_INT_EQ(aff(a, "0.30.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.46.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.46.1"), 0);
    ASSERT_INT_EQ(aff(a, "0.46.9"), 0);
    ASSERT_INT_EQ(aff(a, "0.47.0-alpha"), 1); /* the caret bound is 0.47.0-0 */
    ASSERT_INT_EQ(aff(a, "0.55.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.55.1"), 0);
    csec_advisory_doc_free(doc);

    /* "^ 2.2.1" (space after the operator) and a prerelease lower bound. */
    REAL(doc, "crates/actix-http/RUSTSEC-2021-0081.md");
    a = csec_advisory_doc_get(doc);
    csec_buf b = CSEC_BUF_INIT;
    csec_req_write(&b, a->patched[0]);
    ASSERT_STR_EQ(b.ptr, "^2.2.1");
    csec_buf_free(&b);
    ASSERT_STR_EQ(intervals(a), "..2.2.1 3.0.0-0..3.0.0-beta.9");
    ASSERT_INT_EQ(aff(a, "2.2.0"), 1);
    ASSERT_INT_EQ(aff(a, "2.2.1"), 0);
    ASSERT_INT_EQ(aff(a, "2.99.0"), 0);
    ASSERT_INT_EQ(aff(a, "3.0.0-0"), 1);
    ASSERT_INT_EQ(aff(a, "3.0.0-beta.8"), 1);
    ASSERT_INT_EQ(aff(a, "3.0.0-beta.9"), 0);
    ASSERT_INT_EQ(aff(a, "3.0.0"), 0);
    csec_advisory_doc_free(doc);
}

/* §6.4: exclusive lower and inclusive upper bounds go through next(). */
TEST(advisory, edge04_exclusive_inclusive_bounds_use_next)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/actix-web/RUSTSEC-2018-0019.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(intervals(a), "..0.7.20-0");
    ASSERT_INT_EQ(aff(a, "0.7.19"), 1);
    ASSERT_INT_EQ(aff(a, "0.7.19+build.5"), 1); /* build metadata sorts above 0.7.19 */
    ASSERT_INT_EQ(aff(a, "0.7.20-0"), 0);
    ASSERT_INT_EQ(aff(a, "0.7.20-alpha"), 0);
    ASSERT_INT_EQ(aff(a, "0.7.20"), 0);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/arrayfire/RUSTSEC-2018-0011.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(intervals(a), "3.5.1-0..3.6.0");
    ASSERT_INT_EQ(aff(a, "3.5.0"), 0);
    ASSERT_INT_EQ(aff(a, "3.5.0+x"), 0); /* <= 3.5.0 then next(): 3.5.0+x < 3.5.1-0 */
    ASSERT_INT_EQ(aff(a, "3.5.1-0"), 1);
    ASSERT_INT_EQ(aff(a, "3.5.1"), 1);
    ASSERT_INT_EQ(aff(a, "3.6.0-rc.1"), 1);
    ASSERT_INT_EQ(aff(a, "3.6.0"), 0);
    csec_advisory_doc_free(doc);

    /* Seven "=0.2.x" unaffected: each leaves a gap [0.2.(x+1)-0, 0.2.(x+1)). */
    REAL(doc, "crates/time/RUSTSEC-2020-0071.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->unaffected_count, 7);
    ASSERT_STR_EQ(intervals(a), "..0.2.0 0.2.1-0..0.2.1 0.2.2-0..0.2.2 0.2.3-0..0.2.3 "
                                "0.2.4-0..0.2.4 0.2.5-0..0.2.5 0.2.6-0..0.2.6 0.2.7-0..0.2.23");
    ASSERT_INT_EQ(aff(a, "0.1.44"), 1);
    ASSERT_INT_EQ(aff(a, "0.2.0"), 0);
    ASSERT_INT_EQ(aff(a, "0.2.1-alpha"), 1);
    ASSERT_INT_EQ(aff(a, "0.2.6"), 0);
    ASSERT_INT_EQ(aff(a, "0.2.7"), 1);
    ASSERT_INT_EQ(aff(a, "0.2.22"), 1);
    ASSERT_INT_EQ(aff(a, "0.2.23"), 0);
    csec_advisory_doc_free(doc);
}

/* §6.5: prerelease bounds, ordered by semver prerelease order. */
TEST(advisory, edge05_prerelease_bounds)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/lettre/RUSTSEC-2020-0069.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(intervals(a),
                  "0.7.0..0.7.1 0.8.0..0.8.4 0.9.0..0.9.5 0.10.0-alpha.1..0.10.0-alpha.4");
    ASSERT_INT_EQ(aff(a, "0.6.9"), 0);
    ASSERT_INT_EQ(aff(a, "0.7.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.9.5"), 0);
    ASSERT_INT_EQ(aff(a, "0.10.0-alpha.0"), 0);
    ASSERT_INT_EQ(aff(a, "0.10.0-alpha.1"), 1);
    ASSERT_INT_EQ(aff(a, "0.10.0-alpha.3"), 1);
    ASSERT_INT_EQ(aff(a, "0.10.0-alpha.4"), 0);
    ASSERT_INT_EQ(aff(a, "0.10.0"), 0);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/enum-map/RUSTSEC-2022-0010.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(intervals(a), "2.0.0-2..2.0.2");
    ASSERT_INT_EQ(aff(a, "1.9.0"), 0);
    ASSERT_INT_EQ(aff(a, "2.0.0-1"), 0);
    ASSERT_INT_EQ(aff(a, "2.0.0-2"), 1);
    ASSERT_INT_EQ(aff(a, "2.0.0-10"), 1); /* numeric identifiers compare numerically */
    ASSERT_INT_EQ(aff(a, "2.0.1"), 1);
    ASSERT_INT_EQ(aff(a, "2.0.2"), 0);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/hickory-proto/RUSTSEC-2026-0118.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(intervals(a), "0.25.0-alpha.3..0.26.0-beta.1");
    ASSERT_INT_EQ(aff(a, "0.25.0-alpha.2"), 0);
    ASSERT_INT_EQ(aff(a, "0.25.0-alpha.3"), 1);
    ASSERT_INT_EQ(aff(a, "0.25.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.26.0-alpha.9"), 1);
    ASSERT_INT_EQ(aff(a, "0.26.0-beta.1"), 0);
    ASSERT_INT_EQ(aff(a, "0.26.0"), 0);
    csec_advisory_doc_free(doc);
}

/* §6.6: partial versions are padded with zeros ("> 0" is > 0.0.0). */
TEST(advisory, edge06_partial_version_padding)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/libpulse-binding/RUSTSEC-2020-0055.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT(csec_advisory_is_withdrawn(a));
    ASSERT_STR_EQ(intervals(a), "..0.0.1-0");
    ASSERT_INT_EQ(aff(a, "0.0.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.0.1-0"), 0);
    ASSERT_INT_EQ(aff(a, "0.1.0"), 0); /* unlike Cargo's ">0", which starts at 1.0.0 */
    ASSERT_INT_EQ(aff(a, "2.0.0"), 0);
    csec_advisory_doc_free(doc);

    /* "< 0.8" is < 0.8.0, so 0.8.0 starts the gap and 0.8.0-rc is patched. */
    REAL(doc, "crates/arrow2/RUSTSEC-2022-0012.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(aff(a, "0.7.9"), 0);
    ASSERT_INT_EQ(aff(a, "0.8.0-rc.1"), 0);
    ASSERT_INT_EQ(aff(a, "0.8.0"), 1);
    csec_advisory_doc_free(doc);
}

/* §6.7: unaffected ">= 0" leaves only the prereleases of 0.0.0. */
TEST(advisory, edge07_only_prereleases_of_0_0_0)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/spin/RUSTSEC-2019-0031.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT(csec_advisory_is_withdrawn(a));
    ASSERT_INT_EQ(a->withdrawn.year, 2020);
    ASSERT_INT_EQ(a->withdrawn.month, 10);
    ASSERT_INT_EQ(a->withdrawn.day, 8);
    ASSERT_STR_EQ(intervals(a), "..0.0.0");
    ASSERT_INT_EQ(aff(a, "0.0.0-0"), 1);
    ASSERT_INT_EQ(aff(a, "0.0.0-alpha"), 1);
    ASSERT_INT_EQ(aff(a, "0.0.0"), 0);
    ASSERT_INT_EQ(aff(a, "0.5.0"), 0);
    csec_advisory_doc_free(doc);
}

/* §6.8: patched = [] and no unaffected: every version is affected. */
TEST(advisory, edge08_every_version_affected)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/ansi_term/RUSTSEC-2021-0139.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->patched_count, 0);
    ASSERT_INT_EQ(a->unaffected_count, 0);
    ASSERT_INT_EQ(a->affected_count, 1);
    ASSERT(!a->affected[0].has_introduced && !a->affected[0].has_fixed);
    ASSERT_INT_EQ(aff(a, "0.0.0-0"), 1);
    ASSERT_INT_EQ(aff(a, "0.12.1"), 1);
    ASSERT_INT_EQ(aff(a, "18446744073709551615.0.0"), 1);

    /* The opposite: a lone "*" leaves nothing affected (spec §2.4 step 4). */
    csec_advisory_doc *star = parse_text("```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                         "package = \"x\"\ndate = \"2020-01-01\"\n[versions]\n"
                                         "patched = [\"*\"]\n```\n\n# T\n\nD\n");
    ASSERT(star != NULL);
    ASSERT_INT_EQ(csec_advisory_doc_get(star)->affected_count, 0);
    ASSERT_INT_EQ(aff(csec_advisory_doc_get(star), "1.0.0"), 0);
    csec_advisory_doc_free(star);
    csec_advisory_doc_free(doc);
}

/* §6.9 (library part): informational kinds, and CVSS on an informational
 * advisory. */
TEST(advisory, edge09_informational_kinds_and_cvss)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/inconceivable/RUSTSEC-2022-0058.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->informational, CSEC_INFO_NOTICE);
    ASSERT_STR_EQ(a->informational_raw, "notice");
    ASSERT_STR_EQ(csec_informational_name(a->informational), "notice");
    ASSERT(a->cvss == NULL);
    ASSERT_INT_EQ(aff(a, "1.0.0"), 1);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/actix-service/RUSTSEC-2020-0046.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->informational, CSEC_INFO_UNSOUND);
    ASSERT(a->cvss != NULL);
    ASSERT_INT_EQ(a->cvss->version, 31);
    ASSERT_STR_EQ(a->cvss->canonical, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H");
    /* AV:L .55, AC:L .77, PR:L .62, UI:N .85 -> expl 1.8345; ISS .56 -> impact
     * 3.5952; sum 5.4297 rounds up to 5.5: medium. */
    ASSERT(a->cvss->score > 5.45 && a->cvss->score < 5.55);
    ASSERT_INT_EQ(a->cvss->severity, CSEC_SEVERITY_MEDIUM);
    ASSERT(list_has(&a->categories, "memory-corruption"));
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/ansi_term/RUSTSEC-2021-0139.md");
    ASSERT_INT_EQ(csec_advisory_doc_get(doc)->informational, CSEC_INFO_UNMAINTAINED);
    csec_advisory_doc_free(doc);
    REAL(doc, "crates/git2/RUSTSEC-2023-0002.md");
    ASSERT_INT_EQ(csec_advisory_doc_get(doc)->informational, CSEC_INFO_NONE);
    ASSERT(csec_advisory_doc_get(doc)->informational_raw == NULL);
    ASSERT(csec_informational_name(CSEC_INFO_NONE) == NULL);
    csec_advisory_doc_free(doc);

    /* Any other string parses (as Other); only the linter rejects it. */
    csec_advisory_doc *other = parse_text("```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                          "package = \"x\"\ndate = \"2020-01-01\"\n"
                                          "informational = \"weird\"\n[versions]\n"
                                          "patched = []\n```\n\n# T\n\nD\n");
    ASSERT(other != NULL);
    ASSERT_INT_EQ(csec_advisory_doc_get(other)->informational, CSEC_INFO_OTHER);
    ASSERT_STR_EQ(csec_advisory_doc_get(other)->informational_raw, "weird");
    csec_advisory_doc_free(other);
}

/* §6.10 (advisory part): withdrawn advisories parse, with the date kept. */
TEST(advisory, edge10_withdrawn_parsed)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/git2/RUSTSEC-2023-0002.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT(csec_advisory_is_withdrawn(a));
    ASSERT_INT_EQ(a->withdrawn.year, 2023);
    ASSERT_INT_EQ(a->withdrawn.month, 1);
    ASSERT_INT_EQ(a->withdrawn.day, 13);
    /* affects() ignores withdrawal (callers decide, cratesec.h) */
    ASSERT_INT_EQ(aff(a, "0.15.0"), 1);
    ASSERT_INT_EQ(aff(a, "0.16.0"), 0);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/ssdeep/RUSTSEC-2026-0132.md");
    a = csec_advisory_doc_get(doc);
    ASSERT(csec_advisory_is_withdrawn(a));
    ASSERT_INT_EQ(a->informational, CSEC_INFO_UNSOUND);
    csec_advisory_doc_free(doc);
}

/* §6.11: title/description splitting. */
TEST(advisory, edge11_title_and_description_splitting)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/lzf/RUSTSEC-2022-0067.md");
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->title,
                  " Invalid use of `mem::uninitialized` causes `use-of-uninitialized-value`");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/ansi_term/RUSTSEC-2021-0139.md"); /* no blank line before "# " */
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->title, "ansi_term is Unmaintained");
    ASSERT(a->description[0] != '\0' && a->description[0] != '\n' && a->description[0] != ' ');
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/time/RUSTSEC-2020-0071.md"); /* a second ```toml in the body */
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->title, "Potential segfault in the time crate");
    ASSERT_CONTAINS(a->description, "```toml");
    ASSERT_CONTAINS(a->description, "chrono = { version = \"0.4\"");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/atty/RUSTSEC-2021-0145.md"); /* "# " headings inside the body */
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->title, "Potential unaligned read");
    ASSERT_CONTAINS(a->description, "\n# atty is Unmaintained");
    size_t n = strlen(a->description);
    ASSERT(n > 0 && a->description[n - 1] != '\n' && a->description[n - 1] != ' ');
    csec_advisory_doc_free(doc);
}

/* §6.12: the rust/ collection, with a CVE id whose year differs from the date. */
TEST(advisory, edge12_rust_collection)
{
    csec_advisory_doc *doc;
    REAL(doc, "rust/std/CVE-2021-29922.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->id, "CVE-2021-29922");
    ASSERT_STR_EQ(a->package, "std");
    ASSERT_INT_EQ(a->collection, CSEC_COLLECTION_RUST);
    ASSERT_INT_EQ(a->date.year, 2020);
    ASSERT_INT_EQ(a->date.month, 1);
    ASSERT_INT_EQ(a->date.day, 31);
    ASSERT_STR_EQ(a->path, "rust/std/CVE-2021-29922.md");
    ASSERT_STR_EQ(intervals(a), "..1.53.0");
    ASSERT_INT_EQ(a->functions_count, 3);
    ASSERT_STR_EQ(functions_for(a, "1.52.1"), "std::net::IpAddr::from_str,"
                                              "std::net::Ipv4Addr::from_str,"
                                              "std::net::Ipv6Addr::from_str");
    ASSERT_STR_EQ(functions_for(a, "1.52.2"), "");
    csec_advisory_doc_free(doc);
    /* the id year (2021) differs from the date (2020): no lint problem for CVE ids */
    ASSERT_INT_EQ(lint_real("rust/std/CVE-2021-29922.md"), 0);
}

/* §6.13: function paths with generics, segment-wise order, "*" and the
 * prerelease rule of spec §2.3. */
TEST(advisory, edge13_function_paths)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/crayon/RUSTSEC-2024-0018.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->functions_count, 1);
    ASSERT_STR_EQ(a->functions[0].path, "crayon::utils::object_pool::ObjectPool<H,T>::free");
    ASSERT_STR_EQ(functions_for(a, "0.6.0"), "crayon::utils::object_pool::ObjectPool<H,T>::free");
    ASSERT_STR_EQ(functions_for(a, "0.5.9"), "");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/blurhash/RUSTSEC-2023-0083.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->functions[0].count, 1);
    ASSERT_INT_EQ(a->functions[0].reqs[0]->count, 0); /* "*" has no comparators */
    ASSERT_STR_EQ(functions_for(a, "0.1.1"), "blurhash::decode");
    ASSERT_STR_EQ(functions_for(a, "9.0.0"), "blurhash::decode");
    ASSERT_STR_EQ(functions_for(a, "0.2.0-rc.1"), ""); /* "*" matches no prerelease */
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/lettre/RUSTSEC-2020-0069.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(functions_for(a, "0.9.0"), "lettre::sendmail::SendmailTransport::send");
    ASSERT_STR_EQ(functions_for(a, "0.10.0-alpha.2"),
                  "lettre::transport::sendmail::SendmailTransport::send,"
                  "lettre::transport::sendmail::SendmailTransport::send_raw");
    /* "< 0.10.0-alpha.1" names 0.10.0 with a prerelease: the prerelease rule lets
     * alpha.0 match it; alpha.2 only matches the other two paths. */
    ASSERT_STR_EQ(functions_for(a, "0.10.0-alpha.0"), "lettre::sendmail::SendmailTransport::send");
    ASSERT_STR_EQ(functions_for(a, "0.10.0"), "");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/hickory-proto/RUSTSEC-2025-0006.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(functions_for(a, "0.24.5"), "hickory_proto::xfer::DnssecDnsHandle::send");
    ASSERT_STR_EQ(functions_for(a, "0.25.0-alpha.4"), "");
    ASSERT_STR_EQ(functions_for(a, "0.25.0-alpha.6"),
                  "hickory_proto::dnssec::DnssecDnsHandle::send");
    /* xfer lists two separate requirements: ">= 0.24.3" alone matches 0.25.0 */
    ASSERT_STR_EQ(functions_for(a, "0.25.0"), "hickory_proto::dnssec::DnssecDnsHandle::send,"
                                              "hickory_proto::xfer::DnssecDnsHandle::send");
    csec_advisory_doc_free(doc);

    /* Segment-wise, bytewise order: uppercase before lowercase, and "a::b"
     * ends its segment before "a::b0" (plain strcmp would put ':' after '0'). */
    REAL(doc, "crates/time/RUSTSEC-2020-0071.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(functions_for(a, "0.1.44"),
                  "time::OffsetDateTime::now_local,time::OffsetDateTime::try_now_local,"
                  "time::UtcOffset::current_local_offset,time::UtcOffset::local_offset_at,"
                  "time::UtcOffset::try_current_local_offset,"
                  "time::UtcOffset::try_local_offset_at,time::at,time::at_utc,time::now");
    ASSERT_STR_EQ(functions_for(a, "0.2.22"),
                  "time::OffsetDateTime::now_local,time::OffsetDateTime::try_now_local,"
                  "time::UtcOffset::current_local_offset,time::UtcOffset::local_offset_at,"
                  "time::UtcOffset::try_current_local_offset,"
                  "time::UtcOffset::try_local_offset_at");
    ASSERT_STR_EQ(functions_for(a, "0.2.23"), "");
    csec_advisory_doc_free(doc);

    csec_advisory_doc *seg = parse_text("```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                        "package = \"a\"\ndate = \"2020-01-01\"\n"
                                        "[affected.functions]\n\"a::b0\" = [\"*\"]\n"
                                        "\"a::b::c\" = [\"*\"]\n\"a::B\" = [\"*\"]\n"
                                        "[versions]\npatched = []\n```\n\n# T\n\nD\n");
    ASSERT(seg != NULL);
    ASSERT_STR_EQ(functions_for(csec_advisory_doc_get(seg), "1.0.0"), "a::B,a::b::c,a::b0");
    csec_advisory_doc_free(seg);
}

/* §6.14 (library part): reference URLs are kept exactly as written. */
TEST(advisory, edge14_reference_urls)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/blurhash/RUSTSEC-2023-0083.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->references.count, 1);
    ASSERT_STR_EQ(a->references.items[0],
                  "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-42447");
    ASSERT_STR_EQ(a->url, "https://github.com/whisperfish/blurhash-rs/security/advisories/"
                          "GHSA-cxvp-82cq-57h2");
    ASSERT_INT_EQ(a->aliases.count, 2);
    ASSERT_STR_EQ(a->aliases.items[0], "CVE-2023-42447");
    ASSERT_STR_EQ(a->aliases.items[1], "GHSA-cxvp-82cq-57h2");
    csec_advisory_doc_free(doc);
}

/* §6.15 (library part): the license field (default CC0-1.0) and CVSS 4.0 with E:. */
TEST(advisory, edge15_license_field)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/deno/RUSTSEC-2025-0138.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->license, "CC-BY-4.0");
    ASSERT(a->url != NULL);
    ASSERT(a->cvss != NULL);
    ASSERT_INT_EQ(a->cvss->version, 40);
    ASSERT_STR_EQ(a->cvss->canonical,
                  "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:P");
    ASSERT_STR_EQ(intervals(a), "2.2.0..2.2.5");
    csec_advisory_doc_free(doc);
    ASSERT_INT_EQ(lint_real("crates/deno/RUSTSEC-2025-0138.md"), 0);

    REAL(doc, "crates/arrow2/RUSTSEC-2022-0012.md"); /* no license key */
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->license, "CC0-1.0");
    csec_advisory_doc_free(doc);
    REAL(doc, "crates/wasmtime-wasi/RUSTSEC-2026-0149.md"); /* explicit CC0-1.0 */
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->license, "CC0-1.0");
    csec_advisory_doc_free(doc);
}

/* §6.16: expect-deleted parses; a malicious crate without url. */
TEST(advisory, edge16_expect_deleted)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/acceptxmr-rs/RUSTSEC-2023-0115.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT(a->expect_deleted);
    ASSERT(a->url == NULL);
    ASSERT(list_has(&a->categories, "malicious"));
    ASSERT_INT_EQ(aff(a, "0.1.0"), 1);
    csec_advisory_doc_free(doc);
    ASSERT_INT_EQ(lint_real("crates/acceptxmr-rs/RUSTSEC-2023-0115.md"), 0); /* no url is fine */

    REAL(doc, "crates/arrow2/RUSTSEC-2022-0012.md");
    ASSERT(!csec_advisory_doc_get(doc)->expect_deleted);
    csec_advisory_doc_free(doc);
}

/* §6.17 (parse part): arch and os lists. Query filtering is in test_db.c. */
TEST(advisory, edge17_target_lists)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/arrayfire/RUSTSEC-2018-0011.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->arch.count, 1);
    ASSERT_STR_EQ(a->arch.items[0], "x86_64");
    ASSERT_INT_EQ(a->os.count, 1);
    ASSERT_STR_EQ(a->os.items[0], "windows");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/time/RUSTSEC-2020-0071.md");
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->arch.count, 0);
    ASSERT_INT_EQ(a->os.count, 9);
    ASSERT_STR_EQ(a->os.items[0], "linux");
    ASSERT_STR_EQ(a->os.items[8], "freebsd");
    csec_advisory_doc_free(doc);
}

/* §6.19: an empty [affected] table is the same as none. */
TEST(advisory, edge19_empty_affected_table)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/borsh/RUSTSEC-2023-0033.md");
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->arch.count, 0);
    ASSERT_INT_EQ(a->os.count, 0);
    ASSERT_INT_EQ(a->functions_count, 0);
    ASSERT_STR_EQ(functions_for(a, "0.10.3"), "");
    /* patched [1.0.0-alpha.1, inf) and [0.10.4, 0.11.0-0) */
    ASSERT_STR_EQ(intervals(a), "..0.10.4 0.11.0-0..1.0.0-alpha.1");
    ASSERT_INT_EQ(aff(a, "0.10.3"), 1);
    ASSERT_INT_EQ(aff(a, "0.10.4"), 0);
    ASSERT_INT_EQ(aff(a, "1.0.0-alpha.0"), 1);
    ASSERT_INT_EQ(aff(a, "1.0.0-alpha.1"), 0);
    csec_advisory_doc_free(doc);
}

/* §6.20: the TOML surface the real files use. */
TEST(advisory, edge20_toml_surface)
{
    csec_advisory_doc *doc;
    REAL(doc, "crates/blurhash/RUSTSEC-2023-0083.md"); /* inline functions table */
    ASSERT_INT_EQ(csec_advisory_doc_get(doc)->functions_count, 1);
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->functions[0].path, "blurhash::decode");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/aes-gcm/RUSTSEC-2023-0096.md"); /* [affected.functions] only */
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->functions_count, 2);
    ASSERT_STR_EQ(a->functions[0].path, "aes_gcm::AeadInPlace::decrypt_in_place_detached");
    ASSERT_STR_EQ(a->functions[1].path, "aes_gcm::AesGcm::decrypt_in_place_detached");
    ASSERT_STR_EQ(functions_for(a, "0.10.2"), "aes_gcm::AeadInPlace::decrypt_in_place_detached,"
                                              "aes_gcm::AesGcm::decrypt_in_place_detached");
    ASSERT_STR_EQ(functions_for(a, "0.10.3"), "");
    ASSERT(a->withdrawn.year == 0); /* "#withdrawn = ..." is a comment */
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/time/RUSTSEC-2020-0071.md"); /* multi-line os, trailing comma */
    ASSERT_INT_EQ(csec_advisory_doc_get(doc)->os.count, 9);
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/libsecp256k1/RUSTSEC-2021-0076.md"); /* "aliases\t= [...]" */
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->aliases.count, 2);
    ASSERT_STR_EQ(a->aliases.items[0], "CVE-2021-38195");
    csec_advisory_doc_free(doc);

    REAL(doc, "crates/spin/RUSTSEC-2019-0031.md"); /* comment after the array */
    a = csec_advisory_doc_get(doc);
    ASSERT_INT_EQ(a->unaffected_count, 1);
    csec_buf b = CSEC_BUF_INIT;
    csec_req_write(&b, a->unaffected[0]);
    ASSERT_STR_EQ(b.ptr, ">=0");
    csec_buf_free(&b);
    csec_advisory_doc_free(doc);
}

/* ---- the parser on synthetic input (spec §1.3, §1.4) ---- */

TEST(advisory, v4_front_matter_without_table_header)
{
    csec_advisory_doc *doc = parse_text("```toml\nid = \"RUSTSEC-2020-0001\"\npackage = \"x\"\n"
                                        "date = \"2020-01-01\"\n\n[versions]\npatched = []\n"
                                        "```\n# Title\nBody\n");
    ASSERT(doc != NULL);
    const csec_advisory *a = csec_advisory_doc_get(doc);
    ASSERT_STR_EQ(a->id, "RUSTSEC-2020-0001");
    ASSERT_STR_EQ(a->title, "Title");
    ASSERT_STR_EQ(a->description, "Body");
    ASSERT(a->path == NULL);
    csec_advisory_doc_free(doc);
}

TEST(advisory, crlf_and_empty_description)
{
    csec_advisory_doc *doc = parse_text("```toml\r\n[advisory]\r\nid = \"RUSTSEC-2020-0001\"\r\n"
                                        "package = \"x\"\r\ndate = \"2020-01-01\"\r\n"
                                        "[versions]\r\npatched = []\r\n```\r\n\r\n# Title \r\n");
    ASSERT(doc != NULL);
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->title, "Title");
    ASSERT_STR_EQ(csec_advisory_doc_get(doc)->description, "");
    csec_advisory_doc_free(doc);
}

TEST(advisory, unknown_keys_ignored_by_parser)
{
    csec_advisory_doc *doc = parse_text("```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                        "package = \"x\"\ndate = \"2020-01-01\"\nfoo = 1\n"
                                        "yanked = true\n[versions]\npatched = []\nbar = []\n"
                                        "[affected]\nbaz = 3\n[extra]\nq = 1\n```\n\n# T\n\nD\n");
    ASSERT(doc != NULL);
    csec_advisory_doc_free(doc);
}

TEST(advisory, diag_names_file_line_and_column)
{
    const char *text = "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"foo\"\n"
                       "date = \"2020-01-01\"\n[versions]\npatched = [\">= 1.0\", \"bogus\"]\n"
                       "```\n\n# T\n\nD\n";
    csec_advisory_doc *doc = (csec_advisory_doc *)1;
    csec_diag d;
    int rc = csec_advisory_parse(&doc, "crates/foo/RUSTSEC-2020-0001.md", text, strlen(text), &d);
    ASSERT_INT_EQ(rc, CSEC_EPARSE);
    ASSERT(doc == NULL);
    ASSERT_INT_EQ(d.code, CSEC_EPARSE);
    ASSERT_STR_EQ(d.file, "crates/foo/RUSTSEC-2020-0001.md");
    ASSERT_INT_EQ(d.line, 7);
    ASSERT_INT_EQ(d.col, 23); /* the `b` of "bogus" */
    ASSERT_CONTAINS(d.msg, "invalid version requirement `bogus`");
    /* and without a diag at all */
    ASSERT_INT_EQ(csec_advisory_parse(&doc, NULL, text, strlen(text), NULL), CSEC_EPARSE);
}

TEST(advisory, truncated_inputs_never_crash)
{
    const char *text = "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"foo\"\n"
                       "date = \"2020-01-01\"\n[versions]\npatched = [\">= 1.0\"]\n```\n\n"
                       "# T\n\nD\n";
    size_t n = strlen(text);
    size_t ok = 0;
    for (size_t i = 0; i <= n; i++) {
        char *copy = malloc(i + 1); /* exact-size buffer: ASan catches over-reads */
        memcpy(copy, text, i);
        copy[i] = '\0';
        csec_advisory_doc *doc = NULL;
        if (csec_advisory_parse(&doc, "crates/foo/RUSTSEC-2020-0001.md", copy, i, NULL) == 0)
            ok++;
        csec_advisory_doc_free(doc);
        free(copy);
    }
    /* Only the prefixes that keep "# T\n" parse: "# T\n", "# T\n\n", "# T\n\nD", all. */
    ASSERT_INT_EQ(ok, 4);
}

/* TOML strings may hold NUL ("\u0000"); such a value never equals a name. */
TEST(advisory, embedded_nul_is_not_a_match)
{
    csec_advisory_doc *doc = parse_text("```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                        "package = \"x\"\ndate = \"2020-01-01\"\n"
                                        "informational = \"unsound\\u0000x\"\n[versions]\n"
                                        "patched = []\n```\n\n# T\n\nD\n");
    ASSERT(doc != NULL);
    ASSERT_INT_EQ(csec_advisory_doc_get(doc)->informational, CSEC_INFO_OTHER);
    csec_advisory_doc_free(doc);

    const char *pkg = "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"foo\\u0000\"\n"
                      "date = \"2020-01-01\"\n[versions]\npatched = []\n```\n\n# T\n\nD\n";
    csec_diag d;
    ASSERT_INT_EQ(
        csec_advisory_parse(&doc, "crates/foo/RUSTSEC-2020-0001.md", pkg, strlen(pkg), &d),
        CSEC_EPARSE);
    ASSERT_CONTAINS(d.msg, "invalid package name: byte 0x00 in the name");
    ASSERT_INT_EQ(d.line, 4);
    ASSERT_INT_EQ(d.col, 11); /* escaped, so the value's own position */

    const char *coll = "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"foo\"\n"
                       "date = \"2020-01-01\"\ncollection = \"crates\\u0000\"\n[versions]\n"
                       "patched = []\n```\n\n# T\n\nD\n";
    ASSERT_INT_EQ(csec_advisory_parse(&doc, NULL, coll, strlen(coll), &d), CSEC_EPARSE);
    ASSERT_CONTAINS(d.msg, "invalid collection");
}

/* Builds an advisory with one extra [advisory] line and parses it without
 * path checks; returns 0 or the error code, with the message in `msg`. */
static int parse_with(const char *extra, const char *id, const char *date, char *msg, size_t n)
{
    char text[1024];
    snprintf(text, sizeof text,
             "```toml\n[advisory]\nid = \"%s\"\npackage = \"x\"\ndate = \"%s\"\n%s\n"
             "[versions]\npatched = []\n```\n\n# T\n\nD\n",
             id, date, extra);
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    int rc = csec_advisory_parse(&doc, NULL, text, strlen(text), &d);
    snprintf(msg, n, "%s", rc < 0 ? d.msg : "");
    csec_advisory_doc_free(doc);
    return rc;
}

/* spec §1.7 and §1.8: the year range 2000..2100 and real Gregorian dates */
TEST(advisory, id_and_date_boundaries)
{
    char m[256];
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2000-0001", "2000-02-29", m, sizeof m), 0); /* /400 */
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2024-0001", "2024-02-29", m, sizeof m), 0);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2100-0001", "2100-12-31", m, sizeof m), 0);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-0001", "2023-02-29", m, sizeof m), CSEC_EPARSE);
    ASSERT_STR_EQ(m, "invalid date `2023-02-29`: day out of range for month");
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-0001", "2023-04-31", m, sizeof m), CSEC_EPARSE);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-0001", "2101-01-01", m, sizeof m), CSEC_EPARSE);
    ASSERT_STR_EQ(m, "invalid date `2101-01-01`: year out of range 2000-2100");
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-0001", "2023-01-01T00:00", m, sizeof m),
                  CSEC_EPARSE);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-0001", "2023-00-10", m, sizeof m), CSEC_EPARSE);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2101-0001", "2023-01-01", m, sizeof m), CSEC_EPARSE);
    ASSERT_CONTAINS(m, "year 2101 out of range 2000-2100");
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-2023-01a", "2023-01-01", m, sizeof m), CSEC_EPARSE);
    ASSERT_INT_EQ(parse_with("", "RUSTSEC-0000-0000", "2023-01-01", m, sizeof m), 0);
    ASSERT_INT_EQ(parse_with("aliases = [\"GHSA-anything\", \"MAL-1\", \"CAN-2020-X\"]",
                             "RUSTSEC-2023-0001", "2023-01-01", m, sizeof m),
                  0);
    ASSERT_INT_EQ(parse_with("related = [\"TALOS-2019-0001\", \"CVE-2100-99999\"]",
                             "RUSTSEC-2023-0001", "2023-01-01", m, sizeof m),
                  0);
    ASSERT_INT_EQ(parse_with("aliases = [\"CVE-2021\"]", "RUSTSEC-2023-0001", "2023-01-01", m,
                             sizeof m),
                  CSEC_EPARSE);
    /* title/description keys may be present when empty (spec §1.3) */
    ASSERT_INT_EQ(parse_with("title = \"\"\ndescription = \"\"", "RUSTSEC-2023-0001", "2023-01-01",
                             m, sizeof m),
                  0);
    /* TOML types are strict (spec §1.4) */
    ASSERT_INT_EQ(parse_with("expect-deleted = \"true\"", "RUSTSEC-2023-0001", "2023-01-01", m,
                             sizeof m),
                  CSEC_EPARSE);
    ASSERT_INT_EQ(parse_with("keywords = [\"a\", [\"b\"]]", "RUSTSEC-2023-0001", "2023-01-01", m,
                             sizeof m),
                  CSEC_EPARSE);
    ASSERT_STR_EQ(m, "invalid type for item 2 of `keywords` in [advisory]: expected string, found "
                     "array");
}
