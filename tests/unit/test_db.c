/* test_db.c - loading a database directory (spec §1.2), its indexes and
 * queries (spec §2.6): on the fixtures tests/data/db and db-broken (written
 * by tests/data/make-db-broken.sh), and on the real advisory database
 * (spec §6 items 1, 9, 10, 12, 17). */
#include "harness.h"

#include <stdlib.h>

/* ---- helpers ---- */

/* The broken-database fixture, written once per run by
 * tests/data/make-db-broken.sh into <tmp>/tests/data/db-broken (so that
 * reported paths read as they would in the source tree).  NULL: failed. */
static char broken_root[64];

static void remove_broken_db(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", broken_root);
    if (system(cmd) != 0)
        fprintf(stderr, "  (could not remove %s)\n", broken_root);
}

static const char *broken_db(void)
{
    static char path[256];
    if (path[0])
        return path;
    snprintf(broken_root, sizeof broken_root, "/tmp/csec-db-broken-XXXXXX");
    if (!mkdtemp(broken_root))
        return NULL;
    atexit(remove_broken_db);
    char cmd[1024];
    snprintf(path, sizeof path, "%s/tests/data/db-broken", broken_root);
    snprintf(cmd, sizeof cmd, "bash %s/tests/data/make-db-broken.sh %s", test_source_dir(), path);
    if (system(cmd) != 0)
        path[0] = '\0';
    return path[0] ? path : NULL;
}

static csec_db *open_fixture(const char *name)
{
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, test_path(test_path(test_source_dir(), "tests/data"), name), NULL, &d) <
        0) {
        char line[1024];
        fprintf(stderr, "  %s\n", csec_diag_format(line, sizeof line, &d));
    }
    return db;
}

/* The real database, loaded once per run (NULL: unavailable). */
static csec_db *real_db(void)
{
    static csec_db *db;
    static int state; /* 0 not tried, 1 loaded, 2 unavailable or broken */
    if (state == 0) {
        const char *path = test_advisory_db();
        csec_diag d;
        state = 2;
        if (path && csec_db_open(&db, path, NULL, &d) == 0)
            state = 1;
        else if (path)
            fprintf(stderr, "  cannot load %s: %s\n", path, d.msg);
    }
    return state == 1 ? db : NULL;
}

#define REAL_DB(db)                                                                                \
    do {                                                                                           \
        if (!test_advisory_db()) {                                                                 \
            if (csec_test_failed > 0)                                                              \
                return;                                                                            \
            SKIP("advisory-db checkout not available");                                            \
        }                                                                                          \
        (db) = real_db();                                                                          \
        ASSERT((db) != NULL);                                                                      \
    } while (0)

typedef struct ids {
    csec_buf b;
    size_t n;
} ids;

static void collect_id(const csec_advisory *a, void *payload)
{
    ids *p = payload;
    if (p->n++)
        csec_buf_putc(&p->b, ' ');
    csec_buf_puts(&p->b, a->id);
}

/* Runs a query and returns the ids it produced, space-separated, in a static
 * buffer; "!" when the returned count disagrees with the callbacks. */
static const char *query_ids(const csec_db *db, const csec_query *q)
{
    static char out[65536];
    ids p = {CSEC_BUF_INIT, 0};
    size_t n = csec_db_query(db, q, collect_id, &p);
    snprintf(out, sizeof out, "%s", n != p.n ? "!" : p.b.ptr ? p.b.ptr : "");
    csec_buf_free(&p.b);
    return out;
}

static size_t query_count(const csec_db *db, const csec_query *q)
{
    return csec_db_query(db, q, NULL, NULL);
}

static const char *all_ids(const csec_db *db)
{
    static char out[4096];
    csec_buf b = CSEC_BUF_INIT;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        if (i)
            csec_buf_putc(&b, ' ');
        csec_buf_puts(&b, csec_db_get(db, i)->id);
    }
    snprintf(out, sizeof out, "%s", b.ptr ? b.ptr : "");
    csec_buf_free(&b);
    return out;
}

typedef struct errs {
    csec_buf b;
    size_t n;
} errs;

/* Records "file: msg" per error, with the file made relative to the fixture. */
static void collect_error(const csec_diag *d, void *payload)
{
    errs *e = payload;
    const char *rel = strstr(d->file, "tests/data/");
    csec_buf_printf(&e->b, "%s%s:%u:%u: %s", e->n++ ? "\n" : "", rel ? rel + 11 : d->file, d->line,
                    d->col, d->msg);
}

/* ---- the fixture database ---- */

TEST(db, fixture_load_order_and_skips)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    /* crates before rust, then package, then file name; the draft, the
     * dotfile and crates/README.txt are not advisories. */
    ASSERT_STR_EQ(all_ids(db), "RUSTSEC-2022-0003 RUSTSEC-2020-0001 RUSTSEC-2021-0002 "
                               "RUSTSEC-2023-0004 RUSTSEC-2024-0005 CVE-2021-1234");
    ASSERT_INT_EQ(csec_db_count(db), 6);
    ASSERT_INT_EQ(csec_db_error_count(db), 0);
    ASSERT_STR_EQ(csec_db_get(db, 0)->path, "crates/bar-baz/RUSTSEC-2022-0003.md");
    ASSERT_STR_EQ(csec_db_get(db, 5)->path, "rust/std/CVE-2021-1234.md");
    ASSERT_INT_EQ(csec_db_get(db, 5)->collection, CSEC_COLLECTION_RUST);
    ASSERT(csec_db_get(db, 6) == NULL);
    ASSERT(csec_db_commit(db, NULL) == NULL); /* not a git checkout of its own */
    csec_db_free(db);
}

TEST(db, fixture_deterministic)
{
    csec_db *a = open_fixture("db"), *b = open_fixture("db");
    ASSERT(a && b);
    ASSERT_INT_EQ(csec_db_count(a), csec_db_count(b));
    for (size_t i = 0; i < csec_db_count(a); i++)
        ASSERT_STR_EQ(csec_db_get(a, i)->path, csec_db_get(b, i)->path);
    csec_db_free(a);
    csec_db_free(b);
}

TEST(db, fixture_draft_validated_not_indexed)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    ASSERT(csec_db_find(db, "RUSTSEC-0000-0000") == NULL);
    size_t n = 99;
    const csec_advisory *const *l = csec_db_by_package(db, CSEC_COLLECTION_CRATES, "bar-baz", &n);
    ASSERT_INT_EQ(n, 1);
    ASSERT_STR_EQ(l[0]->id, "RUSTSEC-2022-0003");
    csec_db_free(db);

    /* a broken draft is reported (db-broken/crates/ccc) */
    errs e = {CSEC_BUF_INIT, 0};
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.on_error = collect_error;
    o.payload = &e;
    csec_diag d;
    ASSERT_INT_EQ(csec_db_open(&db, broken_db(), &o, &d),
                  0);
    ASSERT_CONTAINS(e.b.ptr, "db-broken/crates/ccc/RUSTSEC-0000-0000.md:");
    ASSERT_CONTAINS(e.b.ptr, "missing table [versions]");
    ASSERT(csec_db_find(db, "RUSTSEC-0000-0000") == NULL);
    csec_buf_free(&e.b);
    csec_db_free(db);
}

TEST(db, fixture_find_by_id_and_alias)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    const csec_advisory *a = csec_db_find(db, "RUSTSEC-2020-0001");
    ASSERT(a != NULL);
    ASSERT_STR_EQ(a->package, "foo");
    ASSERT(csec_db_find(db, "CVE-2020-1111") == a);
    ASSERT(csec_db_find(db, "GHSA-aaaa-bbbb-cccc") == a);
    ASSERT_STR_EQ(csec_db_find(db, "CVE-2024-5555")->id, "RUSTSEC-2024-0005");
    ASSERT_STR_EQ(csec_db_find(db, "CVE-2021-1234")->package, "std");
    ASSERT_STR_EQ(csec_db_find(db, "RUSTSEC-2022-0003")->id, "RUSTSEC-2022-0003"); /* withdrawn */
    ASSERT(csec_db_find(db, "RUSTSEC-2020-0002") == NULL);
    ASSERT(csec_db_find(db, "rustsec-2020-0001") == NULL); /* string equality */
    ASSERT(csec_db_find(db, "") == NULL);
    ASSERT(csec_db_find(db, NULL) == NULL);
    csec_db_free(db);
}

TEST(db, fixture_by_package)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    size_t n = 99;
    const csec_advisory *const *l = csec_db_by_package(db, CSEC_COLLECTION_CRATES, "foo", &n);
    ASSERT_INT_EQ(n, 2);
    ASSERT_STR_EQ(l[0]->id, "RUSTSEC-2020-0001");
    ASSERT_STR_EQ(l[1]->id, "RUSTSEC-2021-0002");
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_RUST, "foo", &n) == NULL);
    ASSERT_INT_EQ(n, 0);
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_CRATES, "std", &n) == NULL);
    l = csec_db_by_package(db, CSEC_COLLECTION_RUST, "std", &n);
    ASSERT_INT_EQ(n, 1);
    ASSERT_STR_EQ(l[0]->id, "CVE-2021-1234");
    n = 99;
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_CRATES, "bar_baz", &n) == NULL); /* exact */
    ASSERT_INT_EQ(n, 0);
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_CRATES, "Foo", &n) == NULL);
    csec_db_free(db);
}

TEST(db, fixture_query_crate_and_version)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    csec_query all = CSEC_QUERY_INIT, scope = CSEC_QUERY_CRATE_SCOPE;
    ASSERT_STR_EQ(query_ids(db, &all),
                  "RUSTSEC-2022-0003 RUSTSEC-2020-0001 RUSTSEC-2021-0002 RUSTSEC-2023-0004 "
                  "RUSTSEC-2024-0005 CVE-2021-1234");
    /* crate scope: crates, not withdrawn, not informational */
    ASSERT_STR_EQ(query_ids(db, &scope), "RUSTSEC-2020-0001 RUSTSEC-2024-0005");

    all.package = "foo";
    scope.package = "foo";
    ASSERT_STR_EQ(query_ids(db, &all), "RUSTSEC-2020-0001 RUSTSEC-2021-0002");
    ASSERT_STR_EQ(query_ids(db, &scope), "RUSTSEC-2020-0001");

    /* RUSTSEC-2020-0001: affected [0.5.0, 1.2.3) and [2.0.0-0, 2.0.0) */
    csec_version v;
    static const struct {
        const char *ver;
        const char *scope, *all;
    } cases[] = {
        {"0.4.9", "", "RUSTSEC-2021-0002"},
        {"0.5.0", "RUSTSEC-2020-0001", "RUSTSEC-2020-0001 RUSTSEC-2021-0002"},
        {"1.2.2", "RUSTSEC-2020-0001", "RUSTSEC-2020-0001 RUSTSEC-2021-0002"},
        {"1.2.3", "", "RUSTSEC-2021-0002"},
        {"1.9.9", "", "RUSTSEC-2021-0002"},
        {"2.0.0-beta.1", "RUSTSEC-2020-0001", "RUSTSEC-2020-0001 RUSTSEC-2021-0002"},
        {"2.0.0", "", "RUSTSEC-2021-0002"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_INT_EQ(csec_version_parse(&v, cases[i].ver, strlen(cases[i].ver), NULL), 0);
        scope.version = &v;
        all.version = &v;
        ASSERT_STR_EQ(query_ids(db, &scope), cases[i].scope);
        ASSERT_STR_EQ(query_ids(db, &all), cases[i].all);
    }

    /* RUSTSEC-2024-0005: unaffected =0.1.0 and >0.9.0 */
    scope.package = "zlib-sys";
    static const struct {
        const char *ver;
        size_t n;
    } z[] = {{"0.0.9", 1}, {"0.1.0", 0},   {"0.1.1-0", 1},
             {"0.9.0", 1}, {"0.9.1-0", 0}, {"1.0.0", 0}};
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        ASSERT_INT_EQ(csec_version_parse(&v, z[i].ver, strlen(z[i].ver), NULL), 0);
        if (query_count(db, &scope) != z[i].n)
            FAIL_AT("zlib-sys %s: %zu matches, expected %zu", z[i].ver, query_count(db, &scope),
                    z[i].n);
    }
    scope.package = "nope";
    ASSERT_INT_EQ(query_count(db, &scope), 0);
    csec_db_free(db);
}

TEST(db, fixture_query_filters)
{
    csec_db *db = open_fixture("db");
    ASSERT(db != NULL);
    csec_query q = CSEC_QUERY_INIT;
    q.category = "memory-corruption";
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001");
    q.category = "thread-safety";
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2022-0003");
    q.category = "memory-exposure";
    ASSERT_STR_EQ(query_ids(db, &q), "CVE-2021-1234");
    q.category = "code-execution";
    ASSERT_STR_EQ(query_ids(db, &q), "");
    q.category = NULL;

    q.keyword = "uaf";
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2023-0004");
    q.keyword = "parser";
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001");
    q.keyword = "pars"; /* whole keywords only */
    ASSERT_STR_EQ(query_ids(db, &q), "");
    q.keyword = NULL;

    q.collection = CSEC_COLLECTION_RUST;
    ASSERT_STR_EQ(query_ids(db, &q), "CVE-2021-1234");
    q.collection = -1;

    /* The year of the ID, not of the date (CVE-2021-1234 is dated 2020). */
    q.year = 2021;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2021-0002 CVE-2021-1234");
    q.year = 2020;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001");
    q.year = 0;

    q.withdrawn = CSEC_YES;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2022-0003");
    q.withdrawn = CSEC_ANY;
    q.informational = CSEC_YES;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2021-0002 RUSTSEC-2023-0004");
    q.informational = CSEC_ANY;

    /* Severity: only advisories WITH a CVSS below the threshold drop out.
     * 2022-0003 is low (2.5), 2020-0001 critical (9.8). */
    q.severity_threshold = CSEC_SEVERITY_MEDIUM;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001 RUSTSEC-2021-0002 RUSTSEC-2023-0004 "
                                     "RUSTSEC-2024-0005 CVE-2021-1234");
    q.severity_threshold = CSEC_SEVERITY_CRITICAL;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2020-0001") != NULL);
    q.severity_threshold = CSEC_SEVERITY_NONE;

    /* Targets: only filter when both sides give a list (2020-0001: x86_64, windows). */
    static const char *const x86[] = {"x86"}, *const both[] = {"x86", "x86_64"};
    static const char *const linux_[] = {"linux"}, *const windows[] = {"windows"};
    q.package = "foo";
    q.arch = x86;
    q.arch_count = 1;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2021-0002");
    q.arch = both;
    q.arch_count = 2;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001 RUSTSEC-2021-0002");
    q.os = linux_;
    q.os_count = 1;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2021-0002");
    q.os = windows;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001 RUSTSEC-2021-0002");
    q.arch_count = 0;
    q.os_count = 0;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2020-0001 RUSTSEC-2021-0002");
    csec_db_free(db);
}

/* ---- db-broken: lenient and strict loading ---- */

TEST(db, broken_lenient_reports_every_bad_file)
{
    errs e = {CSEC_BUF_INIT, 0};
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.on_error = collect_error;
    o.payload = &e;
    csec_db *db = NULL;
    csec_diag d;
    int rc = csec_db_open(&db, broken_db(), &o, &d);
    ASSERT_INT_EQ(rc, 0);
    ASSERT(db != NULL);
    /* In load order; crates/README.md and zzz/.hidden.md are never read, and
     * the missing rust/ directory is fine.  The duplicate id is loaded from
     * both files (a second file never hides the first, nor the reverse). */
    ASSERT_STR_EQ(e.b.ptr,
                  "db-broken/crates/bad/RUSTSEC-2099-0011.md:5:8: invalid date `2020-02-30`: day "
                  "out of range for month\n"
                  "db-broken/crates/ccc/RUSTSEC-0000-0000.md:5:20: missing table [versions]\n"
                  "db-broken/crates/dup/RUSTSEC-2099-0010.md:0:0: duplicate advisory ID "
                  "`RUSTSEC-2099-0010`: also in crates/aaa/RUSTSEC-2099-0010.md; both "
                  "are loaded\n"
                  "db-broken/crates/zzz/RUSTSEC-2099-0013.txt:0:0: unexpected file extension in "
                  "`RUSTSEC-2099-0013.txt` "
                  "(expected .md)");
    ASSERT_INT_EQ(csec_db_error_count(db), 4);
    ASSERT_STR_EQ(all_ids(db), "RUSTSEC-2099-0010 RUSTSEC-2099-0010 RUSTSEC-2099-0012");
    ASSERT_STR_EQ(csec_db_find(db, "RUSTSEC-2099-0010")->package, "aaa"); /* the first one */
    const csec_advisory *both[4];
    ASSERT_INT_EQ(csec_db_find_all(db, "RUSTSEC-2099-0010", both, 4), 2);
    ASSERT_STR_EQ(both[0]->package, "aaa");
    ASSERT_STR_EQ(both[1]->package, "dup");
    size_t n;
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_CRATES, "dup", &n) != NULL);
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_CRATES, "bad", &n) == NULL);
    /* Each problem says which packages it concerns. */
    const csec_db_error *dup = csec_db_error_get(db, 2);
    ASSERT_STR_EQ(dup->package, "dup");
    ASSERT_STR_EQ(dup->other_package, "aaa");
    ASSERT(csec_db_package_error(db, CSEC_COLLECTION_CRATES, "aaa") == dup);
    ASSERT(csec_db_package_error(db, CSEC_COLLECTION_CRATES, "Bad") == csec_db_error_get(db, 0));
    ASSERT(csec_db_package_error(db, CSEC_COLLECTION_CRATES, "zzz") == csec_db_error_get(db, 3));
    ASSERT(csec_db_package_error(db, CSEC_COLLECTION_RUST, "zzz") == NULL);
    ASSERT(csec_db_error_get(db, 4) == NULL);
    csec_buf_free(&e.b);
    csec_db_free(db);

    /* Without a callback the errors are still counted. */
    ASSERT_INT_EQ(csec_db_open(&db, broken_db(), NULL, &d), 0);
    ASSERT(db != NULL);
    ASSERT_INT_EQ(csec_db_error_count(db), 4);
    ASSERT_INT_EQ(csec_db_count(db), 3);
    csec_db_free(db);
}

TEST(db, broken_strict_first_error_fatal)
{
    errs e = {CSEC_BUF_INIT, 0};
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.on_error = collect_error;
    o.payload = &e;
    o.strict = true;
    csec_db *db = (csec_db *)1;
    csec_diag d;
    int rc = csec_db_open(&db, broken_db(), &o, &d);
    ASSERT_INT_EQ(rc, CSEC_EPARSE);
    ASSERT(db == NULL);
    ASSERT_INT_EQ(d.code, CSEC_EPARSE);
    ASSERT_CONTAINS(d.file, "tests/data/db-broken/crates/bad/RUSTSEC-2099-0011.md");
    ASSERT_INT_EQ(d.line, 5);
    ASSERT_INT_EQ(d.col, 8);
    ASSERT_STR_EQ(d.msg, "invalid date `2020-02-30`: day out of range for month");
    ASSERT_INT_EQ(e.n, 1); /* nothing after the fatal error */
    csec_buf_free(&e.b);

    /* strict without a callback, and a clean directory loads in strict mode */
    csec_db_options s = CSEC_DB_OPTIONS_INIT;
    s.strict = true;
    ASSERT_INT_EQ(csec_db_open(&db, broken_db(), &s, NULL),
                  CSEC_EPARSE);
    ASSERT(db == NULL);
    ASSERT_INT_EQ(csec_db_open(&db, test_path(test_source_dir(), "tests/data/db"), &s, &d), 0);
    ASSERT_INT_EQ(csec_db_count(db), 6);
    csec_db_free(db);
}

TEST(db, missing_directory)
{
    csec_db *db = (csec_db *)1;
    csec_diag d;
    int rc = csec_db_open(&db, test_path(test_source_dir(), "tests/data/no-such-db"), NULL, &d);
    ASSERT(rc < 0);
    ASSERT(db == NULL);
    ASSERT_INT_EQ(d.code, rc);
    ASSERT_CONTAINS(d.file, "no-such-db");
    /* a directory without crates/ is an error too (spec §1.2) */
    rc = csec_db_open(&db, test_path(test_source_dir(), "tests/data/malformed"), NULL, &d);
    ASSERT(rc < 0);
    ASSERT(db == NULL);
    ASSERT_CONTAINS(d.file, "malformed/crates");
}

TEST(db, null_db_accessors)
{
    size_t n = 7;
    ASSERT_INT_EQ(csec_db_count(NULL), 0);
    ASSERT(csec_db_get(NULL, 0) == NULL);
    ASSERT_INT_EQ(csec_db_error_count(NULL), 0);
    ASSERT(csec_db_find(NULL, "RUSTSEC-2020-0001") == NULL);
    ASSERT(csec_db_by_package(NULL, CSEC_COLLECTION_CRATES, "foo", &n) == NULL);
    ASSERT_INT_EQ(n, 0);
    csec_db_free(NULL);
}

/* ---- the real database ---- */

/* Acceptance 1 (load part): all 1,225 advisories load, strictly, with no error. */
TEST(db, real_database_loads)
{
    const char *path = test_advisory_db();
    if (!path) {
        if (csec_test_failed > 0)
            return;
        SKIP("advisory-db checkout not available");
    }
    csec_db *db = NULL;
    csec_diag d;
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.strict = true;
    int rc = csec_db_open(&db, path, &o, &d);
    if (rc < 0)
        FAIL_AT("strict load failed: %s:%u:%u: %s", d.file, d.line, d.col, d.msg);
    ASSERT_INT_EQ(csec_db_count(db), 1225);
    ASSERT_INT_EQ(csec_db_error_count(db), 0);
    csec_query q = CSEC_QUERY_INIT;
    q.collection = CSEC_COLLECTION_CRATES;
    ASSERT_INT_EQ(query_count(db, &q), 1205);
    q.collection = CSEC_COLLECTION_RUST;
    ASSERT_INT_EQ(query_count(db, &q), 20);

    /* sorted: collection, package, file name (bytewise) */
    for (size_t i = 1; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i - 1), *b = csec_db_get(db, i);
        int c = (int)a->collection - (int)b->collection;
        if (c == 0)
            c = strcmp(a->package, b->package);
        if (c == 0)
            c = strcmp(a->path, b->path);
        if (c >= 0)
            FAIL_AT("order: %s before %s", a->path, b->path);
    }
    ASSERT_STR_EQ(csec_db_find(db, "CVE-2020-26235")->id, "RUSTSEC-2020-0071");
    ASSERT_STR_EQ(csec_db_find(db, "GHSA-wcg3-cvx6-7396")->id, "RUSTSEC-2020-0071");
    csec_db_free(db);
}

/* A load limited to some packages (what `cratesec audit` does) reads only
 * their advisories, finds them exactly as a full load does, and still counts
 * every advisory of the database. */
TEST(db, partial_load_reads_named_packages_counts_all)
{
    const char *path = test_advisory_db();
    if (!path) {
        if (csec_test_failed > 0)
            return;
        SKIP("advisory-db checkout not available");
    }
    csec_db *full = NULL, *part = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec_db_open(&full, path, NULL, &d), 0);
    const char *const names[] = {"time", "smallvec", "no-such-crate", "std"};
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.packages = names;
    o.packages_count = 4;
    ASSERT_INT_EQ(csec_db_open(&part, path, &o, &d), 0);
    size_t nt = 0, ns = 0, nf = 0;
    const csec_advisory *const *ft = csec_db_by_package(full, CSEC_COLLECTION_CRATES, "time", &nf);
    const csec_advisory *const *pt = csec_db_by_package(part, CSEC_COLLECTION_CRATES, "time", &nt);
    ASSERT(nt > 0);
    ASSERT_INT_EQ(nt, nf);
    for (size_t i = 0; i < nt; i++)
        ASSERT_STR_EQ(pt[i]->id, ft[i]->id);
    csec_db_by_package(part, CSEC_COLLECTION_CRATES, "smallvec", &ns);
    ASSERT(ns > 0);
    ASSERT_INT_EQ(csec_db_count(part), nt + ns); /* nothing else read, not even rust/std */
    ASSERT(csec_db_by_package(part, CSEC_COLLECTION_CRATES, "hyper", &nf) == NULL);
    ASSERT(csec_db_by_package(part, CSEC_COLLECTION_RUST, "std", &nf) == NULL);
    ASSERT_INT_EQ(csec_db_total(part), 1225);
    ASSERT_INT_EQ(csec_db_total(full), csec_db_count(full));
    csec_db_free(full);
    csec_db_free(part);
}

/* The same on the fixture, whose draft and non-advisory files a full load
 * skips: the partial count agrees with the full one. */
TEST(db, partial_load_fixture_total_matches_full)
{
    csec_db *full = open_fixture("db"), *part = NULL;
    ASSERT(full != NULL);
    const char *const names[] = {"bar-baz"};
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.packages = names;
    o.packages_count = 1;
    csec_diag d;
    ASSERT_INT_EQ(
        csec_db_open(&part, test_path(test_path(test_source_dir(), "tests/data"), "db"), &o, &d),
        0);
    ASSERT_STR_EQ(all_ids(part), "RUSTSEC-2022-0003");
    ASSERT_INT_EQ(csec_db_total(part), csec_db_count(full));
    csec_db_free(full);
    csec_db_free(part);
}

/* §6.8 in a query: every version of ansi_term matches the informational 2021-0139. */
TEST(db, edge08_every_version_affected_query)
{
    csec_db *db;
    REAL_DB(db);
    csec_query q = CSEC_QUERY_INIT;
    csec_version v;
    ASSERT_INT_EQ(csec_version_parse(&v, "0.0.1", 5, NULL), 0);
    q.package = "ansi_term";
    q.version = &v;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2021-0139");
    csec_query s = CSEC_QUERY_CRATE_SCOPE;
    s.package = "ansi_term";
    s.version = &v;
    ASSERT_STR_EQ(query_ids(db, &s), ""); /* informational: not in crate scope */
}

/* §6.9: informational kinds across the database, and the severity filter
 * applied to the CVSS of an informational advisory. */
TEST(db, edge09_informational_counts_and_severity)
{
    csec_db *db;
    REAL_DB(db);
    size_t kinds[5] = {0}, active[5] = {0}, withdrawn = 0;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        kinds[a->informational]++;
        if (csec_advisory_is_withdrawn(a))
            withdrawn++;
        else
            active[a->informational]++;
    }
    ASSERT_INT_EQ(kinds[CSEC_INFO_NONE], 749);
    ASSERT_INT_EQ(kinds[CSEC_INFO_UNMAINTAINED], 267);
    ASSERT_INT_EQ(kinds[CSEC_INFO_UNSOUND], 203);
    ASSERT_INT_EQ(kinds[CSEC_INFO_NOTICE], 6);
    ASSERT_INT_EQ(kinds[CSEC_INFO_OTHER], 0);
    ASSERT_INT_EQ(withdrawn, 13);
    ASSERT_INT_EQ(active[CSEC_INFO_NONE], 746);
    ASSERT_INT_EQ(active[CSEC_INFO_UNMAINTAINED], 258);
    ASSERT_INT_EQ(active[CSEC_INFO_UNSOUND], 202);
    ASSERT_INT_EQ(active[CSEC_INFO_NOTICE], 6);
    csec_query q = CSEC_QUERY_INIT;
    q.informational = CSEC_YES;
    ASSERT_INT_EQ(query_count(db, &q), 476);

    /* RUSTSEC-2020-0046 is unsound with a medium CVSS (5.5). */
    q.package = "actix-service";
    q.informational = CSEC_ANY;
    q.severity_threshold = CSEC_SEVERITY_MEDIUM;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2020-0046") != NULL);
    q.severity_threshold = CSEC_SEVERITY_HIGH;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2020-0046") == NULL);
    /* an advisory without CVSS passes any threshold */
    q.package = "inconceivable";
    q.severity_threshold = CSEC_SEVERITY_CRITICAL;
    ASSERT_STR_EQ(query_ids(db, &q), "RUSTSEC-2022-0058");
}

/* §6.10: withdrawn advisories are loaded, found and counted, but excluded
 * from crate-scope queries. */
TEST(db, edge10_withdrawn_excluded_from_crate_scope)
{
    csec_db *db;
    REAL_DB(db);
    static const char *const cases[][2] = {{"RUSTSEC-2023-0002", "git2"},
                                           {"RUSTSEC-2026-0132", "ssdeep"}};
    for (size_t i = 0; i < 2; i++) {
        const csec_advisory *a = csec_db_find(db, cases[i][0]);
        ASSERT(a != NULL);
        ASSERT(csec_advisory_is_withdrawn(a));
        size_t n;
        const csec_advisory *const *l =
            csec_db_by_package(db, CSEC_COLLECTION_CRATES, cases[i][1], &n);
        bool listed = false;
        for (size_t k = 0; k < n; k++)
            listed = listed || l[k] == a;
        ASSERT(listed);
        csec_query scope = CSEC_QUERY_CRATE_SCOPE, all = CSEC_QUERY_INIT;
        scope.package = all.package = cases[i][1];
        ASSERT(strstr(query_ids(db, &scope), cases[i][0]) == NULL);
        ASSERT(strstr(query_ids(db, &all), cases[i][0]) != NULL);
    }
    /* git2 0.15.0 is in the withdrawn advisory's range: crate scope ignores it */
    csec_version v;
    ASSERT_INT_EQ(csec_version_parse(&v, "0.15.0", 6, NULL), 0);
    csec_query scope = CSEC_QUERY_CRATE_SCOPE;
    scope.package = "git2";
    scope.version = &v;
    ASSERT(strstr(query_ids(db, &scope), "RUSTSEC-2023-0002") == NULL);
    csec_query w = CSEC_QUERY_INIT;
    w.withdrawn = CSEC_YES;
    ASSERT_INT_EQ(query_count(db, &w), 13);
    csec_query scope_all = CSEC_QUERY_CRATE_SCOPE;
    ASSERT_INT_EQ(query_count(db, &scope_all), 726); /* 729 crate vulnerabilities - 3 withdrawn */
}

/* §6.12: the rust collection is loaded but never in crate scope. */
TEST(db, edge12_rust_collection_not_in_crate_scope)
{
    csec_db *db;
    REAL_DB(db);
    const csec_advisory *a = csec_db_find(db, "CVE-2021-29922");
    ASSERT(a != NULL);
    ASSERT_INT_EQ(a->collection, CSEC_COLLECTION_RUST);
    ASSERT_STR_EQ(a->path, "rust/std/CVE-2021-29922.md");
    size_t n;
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_RUST, "std", &n) != NULL);
    ASSERT_INT_EQ(n, 18);
    ASSERT(csec_db_by_package(db, CSEC_COLLECTION_RUST, "cargo", &n) != NULL);
    ASSERT_INT_EQ(n, 1);
    csec_query scope = CSEC_QUERY_CRATE_SCOPE;
    scope.package = "std";
    ASSERT_INT_EQ(query_count(db, &scope), 0);
    csec_query rust = CSEC_QUERY_INIT;
    rust.collection = CSEC_COLLECTION_RUST;
    rust.package = "std";
    ASSERT_INT_EQ(query_count(db, &rust), 18);
    rust.year = 2021; /* by ID year: CVE-2021-29922 counts though dated 2020 */
    ASSERT(strstr(query_ids(db, &rust), "CVE-2021-29922") != NULL);
}

/* §6.17: arch/os only filter when the query gives targets. */
TEST(db, edge17_target_filters)
{
    csec_db *db;
    REAL_DB(db);
    static const char *const x86_64[] = {"x86_64"}, *const aarch64[] = {"aarch64"};
    static const char *const windows[] = {"windows"}, *const linux_[] = {"linux"};
    csec_query q = CSEC_QUERY_CRATE_SCOPE;
    q.package = "arrayfire";
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2018-0011") != NULL);
    q.arch = aarch64;
    q.arch_count = 1;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2018-0011") == NULL);
    q.arch = x86_64;
    q.os = linux_;
    q.os_count = 1;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2018-0011") == NULL);
    q.os = windows;
    ASSERT(strstr(query_ids(db, &q), "RUSTSEC-2018-0011") != NULL);

    csec_query t = CSEC_QUERY_CRATE_SCOPE;
    t.package = "time";
    t.os = windows;
    t.os_count = 1;
    ASSERT(strstr(query_ids(db, &t), "RUSTSEC-2020-0071") == NULL);
    t.os = linux_;
    ASSERT(strstr(query_ids(db, &t), "RUSTSEC-2020-0071") != NULL);
    t.arch = aarch64; /* 2020-0071 has no arch list: any arch passes */
    t.arch_count = 1;
    ASSERT(strstr(query_ids(db, &t), "RUSTSEC-2020-0071") != NULL);
}
