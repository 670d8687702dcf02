/* test_listing.c - the listing cache (lib/listing.c): the file format, and
 * loads of a git checkout that use it, which must always give what a load
 * without it gives (CRATESEC_NO_LISTING_CACHE=1), whatever changed in
 * between. */
#include "harness.h"

#include "listing.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the file format ---- */

static int parse_text(csec__listing *l, const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    memcpy(copy, text, n + 1);
    return csec__listing_parse(l, copy, n);
}

TEST(listing, parse_well_formed)
{
    csec__listing l;
    ASSERT_INT_EQ(parse_text(&l, "cratesec-listing 1\n"
                                 "D 1 2 3 4 2 crates\n"
                                 "a b\n"
                                 "foo\n"
                                 "D 1 5 6 7 0 crates/a b\n"
                                 "D 18446744073709551615 9 9223372036854775807 0 1 rust\n"
                                 "std\n"),
                  0);
    ASSERT_INT_EQ(l.ndirs, 3);
    const csec__listing_dir *d = csec__listing_find(&l, "crates");
    ASSERT(d != NULL);
    ASSERT_INT_EQ(d->count, 2);
    ASSERT_STR_EQ(d->names[0], "a b");
    ASSERT_STR_EQ(d->names[1], "foo");
    ASSERT_INT_EQ(d->stamp.ino, 2);
    ASSERT_INT_EQ(d->stamp.ctime_ns, 3);
    ASSERT_INT_EQ(d->stamp.mtime_ns, 4);
    d = csec__listing_find(&l, "crates/a b");
    ASSERT(d != NULL);
    ASSERT_INT_EQ(d->count, 0);
    d = csec__listing_find(&l, "rust");
    ASSERT(d != NULL && d->stamp.dev == UINT64_MAX && d->stamp.ctime_ns == INT64_MAX);
    ASSERT_STR_EQ(d->names[0], "std");
    ASSERT(csec__listing_find(&l, "crates/foo") == NULL);
    ASSERT_INT_EQ(csec__listing_lower_bound(&l, "crates/"), 1);
    ASSERT_INT_EQ(csec__listing_lower_bound(&l, "zzz"), 3);
    csec__listing_free(&l);
}

TEST(listing, parse_rejects_every_malformed_file)
{
    static const char *const bad[] = {
        "",
        "cratesec-listing 2\n",
        "cratesec-listing 1",                                          /* no newline */
        "cratesec-listing 1\nD 1 2 3 4 0 crates",                      /* cut short */
        "cratesec-listing 1\nX 1 2 3 4 0 crates\n",                    /* unknown record */
        "cratesec-listing 1\nD 1 2 3 4 0 \n",                          /* empty path */
        "cratesec-listing 1\nD 1 2 3 0 crates\n",                      /* a number missing */
        "cratesec-listing 1\nD 1 2 3 x 0 crates\n",                    /* not a number */
        "cratesec-listing 1\nD 1 2  3 4 0 crates\n",                   /* two spaces */
        "cratesec-listing 1\nD 18446744073709551616 2 3 4 0 crates\n", /* over u64 */
        "cratesec-listing 1\nD 1 2 9223372036854775808 4 0 crates\n",  /* over i64 */
        "cratesec-listing 1\nD 1 2 3 4 2 crates\na\n",                 /* fewer names than said */
        "cratesec-listing 1\nD 1 2 3 4 99999 crates\na\n",             /* count beyond the file */
        "cratesec-listing 1\nD 1 2 3 4 2 crates\nb\na\n",              /* names out of order */
        "cratesec-listing 1\nD 1 2 3 4 2 crates\na\na\n",              /* a name twice */
        "cratesec-listing 1\nD 1 2 3 4 1 crates\na/b\n",               /* a path as a name */
        "cratesec-listing 1\nD 1 2 3 4 1 crates\n\n",                  /* an empty name */
        "cratesec-listing 1\nD 1 2 3 4 0 rust\nD 1 2 3 4 0 crates\n",  /* out of order */
        "cratesec-listing 1\nD 1 2 3 4 0 rust\nD 1 2 3 4 0 rust\n",    /* twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        csec__listing l;
        if (parse_text(&l, bad[i]) != -1)
            FAIL_AT("accepted malformed listing #%zu: \"%s\"", i, bad[i]);
        ASSERT_INT_EQ(l.ndirs, 0);
    }
    /* A NUL inside the text. */
    static const char with_nul[] = "cratesec-listing 1\nD 1 2 3 4 0 cr\0tes\n";
    char *nul = malloc(sizeof with_nul);
    memcpy(nul, with_nul, sizeof with_nul);
    csec__listing l;
    ASSERT_INT_EQ(csec__listing_parse(&l, nul, sizeof with_nul - 1), -1);
}

TEST(listing, written_file_reads_back)
{
    char root[] = "/tmp/csec-listing-XXXXXX";
    ASSERT(mkdtemp(root) != NULL);
    const char *git = test_path(root, ".git");
    ASSERT_INT_EQ(mkdir(git, 0755), 0);
    csec_buf out = CSEC_BUF_INIT;
    const char *names[] = {"RUSTSEC-2099-0001.md", "with space.md"};
    const char *bad_names[] = {"ok.md", "new\nline.md"};
    csec__dir_stamp st = {7, 8, 1700000000123456789LL, 1700000000000000001LL};
    csec__listing_begin(&out);
    ASSERT(csec__listing_add(&out, "crates", &st, names, 0));
    ASSERT(csec__listing_add(&out, "crates/foo", &st, names, 2));
    ASSERT(!csec__listing_add(&out, "crates/goo", &st, bad_names, 2));
    ASSERT(!csec__listing_add(&out, "crates/h\ni", &st, names, 2));
    ASSERT_INT_EQ(csec__listing_commit(root, &out), 0);
    csec_buf_free(&out);
    csec__listing l;
    ASSERT_INT_EQ(csec__listing_read(&l, root), 0);
    ASSERT_INT_EQ(l.ndirs, 2);
    const csec__listing_dir *d = csec__listing_find(&l, "crates/foo");
    ASSERT(d != NULL && d->count == 2);
    ASSERT(csec__dir_stamp_equal(&d->stamp, &st));
    ASSERT_STR_EQ(d->names[1], "with space.md");
    csec__listing_free(&l);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    ASSERT_INT_EQ(system(cmd), 0);
}

TEST(listing, settled_only_when_older_than_the_load)
{
    int64_t now = 1800000000000000000LL;
    csec__dir_stamp old = {1, 2, now - CSEC__LISTING_SETTLE_NS, now - 5000000000LL};
    csec__dir_stamp fresh = {1, 2, now - CSEC__LISTING_SETTLE_NS + 1, now - 5000000000LL};
    csec__dir_stamp future_mtime = {1, 2, now - 5000000000LL, now + 1};
    ASSERT(csec__dir_stamp_settled(&old, now));
    ASSERT(!csec__dir_stamp_settled(&fresh, now));
    ASSERT(!csec__dir_stamp_settled(&future_mtime, now));
}

/* ---- loads ---- */

static char work[512];

static void sh(const char *fmt, const char *arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, arg, arg, arg);
    if (system(cmd) != 0)
        fprintf(stderr, "  (command failed: %s)\n", cmd);
}

/* A checkout of the fixture database: tests/data/db with a .git. */
static int make_checkout(void)
{
    snprintf(work, sizeof work, "/tmp/csec-listing-XXXXXX");
    if (!mkdtemp(work))
        return -1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -r %s/tests/data/db/. %s/ && mkdir %s/.git", test_source_dir(),
             work, work);
    return system(cmd);
}

/* Waits until every directory changed so far has settled. */
static void settle(void)
{
    struct timespec ts = {0, CSEC__LISTING_SETTLE_NS + 50000000L};
    nanosleep(&ts, NULL);
}

static void write_advisory(const char *pkg, const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/crates/%s", work, pkg);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/crates/%s/%s.md", work, pkg, id);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f,
            "```toml\n[advisory]\nid = \"%s\"\npackage = \"%s\"\ndate = \"2099-01-01\"\n\n"
            "[versions]\npatched = [\">= 1.0.0\"]\n```\n\n# A test advisory\n\nText.\n",
            id, pkg);
    fclose(f);
}

/* Replaces the checkout's listing file with `text`. */
static int write_listing_file(const char *text)
{
    FILE *f = fopen(test_path(work, ".git/" CSEC__LISTING_FILE), "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Everything a load found, as text: ids, paths, errors. */
typedef struct load_result {
    char *transcript;
    size_t listed, remembered;
    bool saved;
} load_result;

static void on_error(const csec_diag *d, void *payload)
{
    char msg[1024];
    csec_buf_printf(payload, "error %s\n", csec_diag_format(msg, sizeof msg, d));
}

/* `r` starts zeroed; each load replaces its transcript. */
static int load(load_result *r, const csec_db_options *partial)
{
    free(r->transcript);
    r->transcript = NULL;
    csec_db *db = NULL;
    csec_diag d;
    csec_buf t = CSEC_BUF_INIT;
    csec_db_options opts = partial ? *partial : (csec_db_options){0};
    opts.on_error = on_error;
    opts.payload = &t;
    if (csec_db_open(&db, work, &opts, &d) < 0)
        return -1;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        csec_buf_printf(&t, "%s %s %s\n", a->id, a->package, a->path);
    }
    csec_buf_printf(&t, "total %zu\n", csec_db_total(db));
    csec__db_listing_stats(db, &r->listed, &r->remembered, &r->saved);
    r->transcript = csec_buf_detach(&t);
    csec_db_free(db);
    return 0;
}

/* What a load without the cache gives. */
static char *uncached(void)
{
    load_result r = {0};
    setenv("CRATESEC_NO_LISTING_CACHE", "1", 1);
    int rc = load(&r, NULL);
    unsetenv("CRATESEC_NO_LISTING_CACHE");
    return rc == 0 ? r.transcript : NULL;
}

#define ASSERT_LOAD_MATCHES(r)                                                                     \
    do {                                                                                           \
        char *want_ = uncached();                                                                  \
        ASSERT(load(&(r), NULL) == 0);                                                             \
        ASSERT_STR_EQ((r).transcript, want_);                                                      \
        free(want_);                                                                               \
    } while (0)

/* The fixture has 5 package directories and the two collections. */
#define FIXTURE_DIRS 7

TEST(listing, remembered_once_settled_and_same_as_uncached)
{
    ASSERT_INT_EQ(make_checkout(), 0);
    load_result r = {0};
    /* Everything was just created: listed, and not worth remembering. */
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, FIXTURE_DIRS);
    ASSERT(!r.saved);
    ASSERT(access(test_path(work, ".git/" CSEC__LISTING_FILE), F_OK) != 0);
    settle();
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, FIXTURE_DIRS);
    ASSERT(r.saved);
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 0);
    ASSERT_INT_EQ(r.remembered, FIXTURE_DIRS);
    ASSERT(!r.saved);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, every_change_is_seen)
{
    ASSERT_INT_EQ(make_checkout(), 0);
    settle();
    load_result r = {0};
    ASSERT_LOAD_MATCHES(r);
    ASSERT(r.saved);

    /* A new file in a package: that package is listed again, at once. */
    write_advisory("foo", "RUSTSEC-2099-0101");
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 1);
    ASSERT(!r.saved); /* too fresh to remember */
    /* A removed file. */
    char path[1024];
    snprintf(path, sizeof path, "%s/crates/bar-baz/RUSTSEC-2022-0003.md", work);
    ASSERT_INT_EQ(unlink(path), 0);
    ASSERT_LOAD_MATCHES(r);
    ASSERT(strstr(r.transcript, "RUSTSEC-2022-0003") == NULL);
    ASSERT_INT_EQ(r.listed, 2);
    /* A new package, and a package gone. */
    write_advisory("newpkg", "RUSTSEC-2099-0102");
    sh("rm -rf %s/crates/qux", work);
    ASSERT_LOAD_MATCHES(r);
    /* A file renamed: same count of entries, other names. */
    char to[1024];
    snprintf(path, sizeof path, "%s/crates/foo/RUSTSEC-2099-0101.md", work);
    snprintf(to, sizeof to, "%s/crates/foo/RUSTSEC-2099-0103.md", work);
    ASSERT_INT_EQ(rename(path, to), 0);
    ASSERT_LOAD_MATCHES(r);

    settle();
    ASSERT_LOAD_MATCHES(r);
    ASSERT(r.saved);
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 0);

    /* A file that becomes a directory of the same name. */
    ASSERT_INT_EQ(unlink(to), 0);
    ASSERT_INT_EQ(mkdir(to, 0755), 0);
    ASSERT_LOAD_MATCHES(r);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, damaged_or_foreign_file_ignored_and_replaced)
{
    static const char *const junk[] = {"garbage\n", "cratesec-listing 1\nD 1 2 3 4 5 crates\nfoo"};
    for (size_t i = 0; i < 2; i++) {
        ASSERT_INT_EQ(make_checkout(), 0);
        settle();
        ASSERT_INT_EQ(write_listing_file(junk[i]), 0);
        load_result r = {0};
        ASSERT_LOAD_MATCHES(r);
        ASSERT_INT_EQ(r.listed, FIXTURE_DIRS);
        ASSERT(r.saved);
        ASSERT_LOAD_MATCHES(r);
        ASSERT_INT_EQ(r.listed, 0);
        free(r.transcript);
        sh("rm -rf %s", work);
    }
}

TEST(listing, changed_stamp_means_listed_again)
{
    /* A remembered directory whose stamp differs from its stat now is
     * listed again, whatever the listing file says it holds. */
    ASSERT_INT_EQ(make_checkout(), 0);
    settle();
    load_result r = {0};
    ASSERT_LOAD_MATCHES(r);
    char *text = test_read(test_path(work, ".git/" CSEC__LISTING_FILE), NULL);
    ASSERT(text != NULL);
    /* Claim foo holds a file it does not, under a ctime 1 ns off. */
    csec_buf b = CSEC_BUF_INIT;
    char *foo = strstr(text, " crates/foo\n");
    ASSERT(foo != NULL);
    char *line = foo;
    while (line > text && line[-1] != '\n')
        line--;
    csec_buf_put(&b, text, (size_t)(line - text));
    csec__listing l;
    char *copy = strdup(text);
    ASSERT_INT_EQ(csec__listing_parse(&l, copy, strlen(copy)), 0);
    const csec__listing_dir *d = csec__listing_find(&l, "crates/foo");
    ASSERT(d != NULL);
    csec_buf_printf(&b, "D %llu %llu %lld %lld %zu crates/foo\n", (unsigned long long)d->stamp.dev,
                    (unsigned long long)d->stamp.ino, (long long)d->stamp.ctime_ns - 1,
                    (long long)d->stamp.mtime_ns, d->count + 1);
    for (size_t i = 0; i < d->count; i++)
        csec_buf_printf(&b, "%s\n", d->names[i]);
    csec_buf_puts(&b, "ZZZ-not-there.md\n");
    const char *rest = foo + strlen(" crates/foo\n");
    for (size_t i = 0; i < d->count; i++)
        rest = strchr(rest, '\n') + 1;
    csec_buf_puts(&b, rest);
    csec__listing_free(&l);
    ASSERT_INT_EQ(write_listing_file(b.ptr), 0);
    csec_buf_free(&b);
    free(text);
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 1);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, symlinked_package_keeps_collection_listed)
{
    ASSERT_INT_EQ(make_checkout(), 0);
    char target[1024], target2[1024], link[1024];
    snprintf(target, sizeof target, "%s/elsewhere", work);
    snprintf(target2, sizeof target2, "%s/elsewhere2", work);
    snprintf(link, sizeof link, "%s/crates/linked", work);
    ASSERT_INT_EQ(mkdir(target, 0755), 0);
    ASSERT_INT_EQ(mkdir(target2, 0755), 0);
    ASSERT_INT_EQ(symlink(target, link), 0);
    write_advisory("linked", "RUSTSEC-2099-0201");
    settle();
    load_result r = {0};
    ASSERT_LOAD_MATCHES(r);
    ASSERT(r.saved);
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 1); /* crates/, because of the link */
    /* The link now points elsewhere: the package's listing must follow. */
    ASSERT_INT_EQ(unlink(link), 0);
    ASSERT_INT_EQ(symlink(target2, link), 0);
    ASSERT_LOAD_MATCHES(r);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, disabled_by_environment)
{
    ASSERT_INT_EQ(make_checkout(), 0);
    settle();
    setenv("CRATESEC_NO_LISTING_CACHE", "1", 1);
    load_result r = {0};
    int rc = load(&r, NULL);
    unsetenv("CRATESEC_NO_LISTING_CACHE");
    ASSERT_INT_EQ(rc, 0);
    ASSERT(!r.saved);
    ASSERT_INT_EQ(r.remembered, 0);
    ASSERT(access(test_path(work, ".git/" CSEC__LISTING_FILE), F_OK) != 0);
    /* Without a .git, never. */
    sh("rm -rf %s/.git", work);
    ASSERT_LOAD_MATCHES(r);
    ASSERT(!r.saved);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, partial_load_counts_from_remembered_listings)
{
    ASSERT_INT_EQ(make_checkout(), 0);
    settle();
    load_result full = {0}, r = {0};
    ASSERT_LOAD_MATCHES(full);
    const char *pkgs[] = {"foo"};
    csec_db_options partial = {0};
    partial.packages = pkgs;
    partial.packages_count = 1;
    setenv("CRATESEC_NO_LISTING_CACHE", "1", 1);
    ASSERT_INT_EQ(load(&r, &partial), 0);
    unsetenv("CRATESEC_NO_LISTING_CACHE");
    char *want = r.transcript;
    r.transcript = NULL;
    ASSERT_INT_EQ(load(&r, &partial), 0);
    ASSERT_INT_EQ(r.listed, 0);
    ASSERT_STR_EQ(r.transcript, want);
    free(want);
    free(full.transcript);
    free(r.transcript);
    sh("rm -rf %s", work);
}

TEST(listing, real_database_same_with_and_without)
{
    const char *db = test_advisory_db();
    if (!db)
        SKIP("no advisory database");
    snprintf(work, sizeof work, "%s", db);
    settle();
    load_result r = {0};
    ASSERT_LOAD_MATCHES(r); /* may write the listing */
    ASSERT_LOAD_MATCHES(r);
    ASSERT_INT_EQ(r.listed, 0);
    ASSERT(r.remembered > 900);
    free(r.transcript);
}
