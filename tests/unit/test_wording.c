/* test_wording.c - the sentence rules of lib/wording.h, on invented
 * advisories (RUSTSEC-2099-*) and on the real database and 2020 index when
 * they are available.  Each case names the issue 11 item it guards. */
#include "harness.h"

#include "index.h"
#include "wording.h"

#include <stdio.h>
#include <stdlib.h>

/* An advisory of crate `pkg` from its [versions] and extra [advisory] lines. */
static csec_advisory_doc *adv(const char *pkg, const char *extra, const char *versions)
{
    char text[4096];
    snprintf(text, sizeof text,
             "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"%s\"\n"
             "date = \"2099-01-01\"\n%s\n[versions]\n%s\n```\n\n# Title of `%s`\n\nBody.\n",
             pkg, extra, versions, pkg);
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    if (csec_advisory_parse(&doc, NULL, text, strlen(text), &d) < 0) {
        fprintf(stderr, "  advisory: %s\n", d.msg);
        return NULL;
    }
    return doc;
}

/* A crate of the registry index with these versions ("1.0.0", "2.0.0-beta.1!"
 * for a yanked one). */
static csec_index *crate_index(const char *name, const char *const *versions, size_t n,
                               const csec_index_crate **out)
{
    csec_buf text = CSEC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(versions[i]);
        bool yanked = versions[i][len - 1] == '!';
        csec_buf_printf(&text,
                        "{\"name\":\"%s\",\"vers\":\"%.*s\",\"deps\":[],\"cksum\":\"%064d\","
                        "\"features\":{},\"yanked\":%s}\n",
                        name, (int)(len - yanked), versions[i], 0, yanked ? "true" : "false");
    }
    csec_index *ix = csec__index_new(NULL);
    csec__index_add_file(out, ix, NULL, name, text.ptr, text.len);
    csec_buf_free(&text);
    return ix;
}

static const char *ranges(const csec_advisory *a, const csec_index_crate *pub)
{
    static csec_buf b;
    csec_buf_clear(&b);
    csec__word_ranges(&b, a, pub);
    return b.ptr;
}

/* Item 1: a requirement list is separate requirements; never joined by
 * commas, which Cargo reads as AND. */
TEST(wording, requirement_list_joined_by_or)
{
    csec_advisory_doc *d =
        adv("hyperish", "", "patched = [\">= 0.10.2\", \"< 0.10.0, >= 0.9.18\"]");
    ASSERT(d);
    const csec_advisory *a = csec_advisory_doc_get(d);
    csec_buf b = CSEC_BUF_INIT;
    csec__word_reqs(&b, a->patched, a->patched_count, "none");
    ASSERT_STR_EQ(b.ptr, ">=0.10.2 or <0.10.0, >=0.9.18");
    csec_buf_clear(&b);
    csec__word_reqs(&b, a->unaffected, a->unaffected_count, "none");
    ASSERT_STR_EQ(b.ptr, "none");
    ASSERT_STR_EQ(ranges(a, NULL), "before 0.9.18; 0.10.0 to before 0.10.2");
    csec_buf_free(&b);
    csec_advisory_doc_free(d);
}

/* Item 9: plain ranges; "pre-release" only where one is at stake. */
TEST(wording, ranges_in_plain_words)
{
    static const struct {
        const char *versions, *without, *with;
    } cases[] = {
        {"patched = []", "all versions, no fix available", "all versions, no fix available"},
        {"patched = []\nunaffected = [\"> 0.6.1\"]", "up to and including 0.6.1",
         "up to and including 0.6.1"},
        {"patched = [\"> 1.0.0\"]\nunaffected = [\"< 1.0.0\"]", "only 1.0.0", "only 1.0.0"},
        {"patched = [\">= 1.0.1\"]\nunaffected = [\"< 1.0.0\"]", "1.0.0 to before 1.0.1",
         "1.0.0 to before 1.0.1"},
        {"patched = []\nunaffected = [\"< 0.7.0\"]", "0.7.0 and later, no fix available",
         "0.7.0 and later, no fix available"},
        {"patched = [\"> 0.7.19\"]", "up to and including 0.7.19", "up to and including 0.7.19"},
        /* A caret bound: the affected range starts at 0.4.0-0. */
        {"patched = [\"^0.3.1\", \">= 0.4.5\"]",
         "before 0.3.1; 0.4.0 (with its pre-releases) to before 0.4.5",
         "before 0.3.1; 0.4.0 to before 0.4.5"},
        /* time's islands: =0.2.0 ... =0.2.2 unaffected. */
        {"patched = [\">= 0.2.23\"]\nunaffected = [\"=0.2.0\", \"=0.2.1\", \"=0.2.2\"]",
         "before 0.2.0; the pre-releases of 0.2.1 and 0.2.2; after 0.2.2, before 0.2.23",
         "before 0.2.0; 0.2.3 to before 0.2.23"},
    };
    static const char *const published[] = {"0.1.0", "0.2.0", "0.2.1", "0.2.2", "0.2.3",
                                             "0.2.23", "0.3.1", "0.4.0", "0.4.5", "0.7.19",
                                             "1.0.0"};
    const csec_index_crate *c = NULL;
    csec_index *ix = crate_index("demo", published, sizeof published / sizeof *published, &c);
    ASSERT(c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_advisory_doc *d = adv("demo", "", cases[i].versions);
        ASSERT(d);
        const csec_advisory *a = csec_advisory_doc_get(d);
        ASSERT_STR_EQ(ranges(a, NULL), cases[i].without);
        ASSERT_STR_EQ(ranges(a, c), cases[i].with);
        csec_advisory_doc_free(d);
    }
    csec__index_free(ix);
    /* A published pre-release of the range's start is named, exactly. */
    static const char *const pre[] = {"0.3.1", "0.4.0-beta.1", "0.4.0", "0.4.5"};
    ix = crate_index("demo", pre, 4, &c);
    csec_advisory_doc *d = adv("demo", "", "patched = [\"^0.3.1\", \">= 0.4.5\"]");
    ASSERT_STR_EQ(ranges(csec_advisory_doc_get(d), c),
                  "before 0.3.1; 0.4.0-beta.1 to before 0.4.5");
    csec_advisory_doc_free(d);
    csec__index_free(ix);
}

/* Items 3 and 4: kinds and what counts. */
TEST(wording, kinds_and_what_counts)
{
    static const struct {
        const char *extra, *label, *slug, *type;
        bool counts;
    } cases[] = {
        {"", "Vulnerability", "vulnerability", "vulnerability", true},
        {"categories = [\"malicious\"]", "Malicious code", "malicious", "vulnerability", true},
        {"informational = \"unsound\"", "Unsound", "unsound", "unsound", true},
        {"informational = \"unmaintained\"", "Unmaintained", "unmaintained", "unmaintained",
         false},
        {"informational = \"notice\"", "Notice", "notice", "notice", false},
        {"withdrawn = \"2099-02-01\"", "Vulnerability", "vulnerability", "vulnerability", false},
    };
    csec_version v;
    ASSERT(csec_version_parse(&v, "1.0.0", 5, NULL) == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_advisory_doc *d = adv("demo", cases[i].extra, "patched = []");
        ASSERT(d);
        const csec_advisory *a = csec_advisory_doc_get(d);
        ASSERT_STR_EQ(csec__word_kind(a), cases[i].label);
        ASSERT_STR_EQ(csec__word_kind_slug(a), cases[i].slug);
        ASSERT_STR_EQ(csec__word_kind_type(a), cases[i].type);
        ASSERT_STR_EQ(csec__word_kind_slug_label(cases[i].slug), cases[i].label);
        ASSERT_INT_EQ(csec__word_counts(a), cases[i].counts);
        ASSERT_INT_EQ(csec__word_counts_against(a, &v), cases[i].counts);
        ASSERT_INT_EQ(csec__word_notice_for(a, &v), !cases[i].counts && !a->withdrawn.year);
        csec_advisory_doc_free(d);
    }
}

/* Items 3 and 6: verdicts, the badge, withdrawals, titles. */
TEST(wording, verdicts_badge_withdrawn_title)
{
    csec_advisory_doc *d = adv("demo", "informational = \"unmaintained\"",
                               "patched = [\"> 0.7.19\"]\nunaffected = [\"=0.1.0\"]");
    const csec_advisory *a = csec_advisory_doc_get(d);
    static const struct {
        const char *version, *text, *code;
    } cases[] = {
        {"0.5.0", "Applies to version 0.5.0", "affected"},
        {"0.1.0", "Not affected: listed as unaffected (=0.1.0)", "unaffected"},
        {"0.8.0", "Not affected: fixed in the versions after 0.7.19", "fixed"},
    };
    csec_buf b = CSEC_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_version v;
        ASSERT(csec_version_parse(&v, cases[i].version, strlen(cases[i].version), NULL) == 0);
        csec_verdict vd;
        csec__word_verdict(&vd, a, &v);
        csec_buf_clear(&b);
        csec__word_verdict_text(&b, &vd, cases[i].version, NULL);
        ASSERT_STR_EQ(b.ptr, cases[i].text);
        ASSERT_STR_EQ(csec__word_verdict_code(&vd), cases[i].code);
    }
    /* With the published versions, the first one with the fix. */
    static const char *const pub[] = {"0.7.19", "0.8.0"};
    const csec_index_crate *c = NULL;
    csec_index *ix = crate_index("demo", pub, 2, &c);
    csec_version v;
    csec_version_parse(&v, "0.8.0", 5, NULL);
    csec_verdict vd;
    csec__word_verdict(&vd, a, &v);
    csec_buf_clear(&b);
    csec__word_verdict_text(&b, &vd, "0.8.0", c);
    ASSERT_STR_EQ(b.ptr, "Not affected: fixed in 0.8.0");
    csec__index_free(ix);
    csec_buf_clear(&b);
    csec__word_badge(&b, 0, 1, 0, "1.0.0");
    ASSERT_STR_EQ(b.ptr, "unmaintained");
    csec_buf_clear(&b);
    csec__word_badge(&b, 2, 1, 0, "1.0.0");
    ASSERT_STR_EQ(b.ptr, "2 advisories affect 1.0.0");
    csec_buf_clear(&b);
    csec__word_badge(&b, 1, 0, 0, "1.0.0");
    ASSERT_STR_EQ(b.ptr, "1 advisory affects 1.0.0");
    csec_buf_clear(&b);
    csec__word_badge(&b, 0, 0, 0, "1.0.0");
    ASSERT_STR_EQ(b.ptr, "no known advisories");
    csec_buf_clear(&b);
    csec__word_title_plain(&b, a->title);
    ASSERT_STR_EQ(b.ptr, "Title of demo");
    csec_advisory_doc_free(d);
    d = adv("demo", "withdrawn = \"2099-02-01\"", "patched = []");
    csec_buf_clear(&b);
    csec__word_withdrawn(&b, csec_advisory_doc_get(d));
    ASSERT_STR_EQ(b.ptr, "Withdrawn on 2099-02-01: this advisory applies to no version and is "
                         "kept only for reference.");
    csec_advisory_doc_free(d);
    csec_buf_clear(&b);
    ASSERT_STR_EQ(csec__word_in_index(true), " in this index");
    ASSERT_STR_EQ(csec__word_in_index(false), "");
    csec__word_age(&b, 6 * 365 * 86400 + 5);
    ASSERT_STR_EQ(b.ptr, "6 years old");
    csec_buf_free(&b);
}

/* The cases issue 11 names, on the real database (and the 2020 index). */
TEST(wording, real_database_cases)
{
    const char *dbdir = test_advisory_db();
    if (!dbdir)
        SKIP("no advisory database");
    csec_db *db = NULL;
    csec_diag d;
    ASSERT(csec_db_open(&db, dbdir, NULL, &d) == 0);
    csec_buf b = CSEC_BUF_INIT;
    /* Item 1: smallvec and hyper. */
    const csec_advisory *a = csec_db_find(db, "RUSTSEC-2021-0003");
    ASSERT(a);
    csec__word_reqs(&b, a->patched, a->patched_count, "");
    ASSERT_STR_EQ(b.ptr, ">=0.6.14, <1.0.0 or >=1.6.1");
    csec_buf_clear(&b);
    csec__word_reqs(&b, a->functions[0].reqs, a->functions[0].count, "");
    ASSERT_STR_EQ(b.ptr, ">=0.6.3, <0.6.14 or >=1.0.0, <1.6.1");
    a = csec_db_find(db, "RUSTSEC-2017-0002");
    ASSERT(a);
    csec_buf_clear(&b);
    csec__word_reqs(&b, a->patched, a->patched_count, "");
    ASSERT_STR_EQ(b.ptr, ">=0.10.2 or <0.10.0, >=0.9.18");
    /* Item 4: every advisory of the malicious category is "Malicious code"
     * and counts; proc-macro1's is one. */
    size_t malicious = 0;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *x = csec_db_get(db, i);
        if (!csec__word_is_malicious(x))
            continue;
        malicious++;
        ASSERT_STR_EQ(csec__word_kind(x), "Malicious code");
        ASSERT(csec__word_counts(x) || x->withdrawn.year);
    }
    ASSERT(malicious >= 72);
    ASSERT_STR_EQ(csec__word_kind(csec_db_find(db, "RUSTSEC-2026-0265")), "Malicious code");
    /* Item 3: term's advisory is a notice, not counted. */
    a = csec_db_find(db, "RUSTSEC-2018-0015");
    ASSERT(a && !csec__word_counts(a));
    /* Item 9: time's ranges, exact and plain with the 2020 index. */
    a = csec_db_find(db, "RUSTSEC-2020-0071");
    ASSERT(a);
    const char *ixdir = test_real_index();
    if (ixdir) {
        csec_index *ix = NULL;
        ASSERT(csec__index_open_dir_ex(&ix, ixdir, NULL, &d) == 0);
        ASSERT_STR_EQ(ranges(a, csec__index_find(ix, "time")),
                      "before 0.2.0; 0.2.7 to before 0.2.23");
        csec__index_free(ix);
    }
    csec_buf_free(&b);
    csec_db_free(db);
}
