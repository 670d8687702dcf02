/* test_osv.c - the OSV export (lib/osv.c, spec §3): golden records and
 * per-crate arrays, the JSON text rules of §3.1 inside a record, the
 * empty-result choice, and every row of the §3.6 table on the real database
 * (with `modified` checked against `git log` as §3.5 states it).
 *
 * The golden records and arrays (tests/golden/osv, tests/golden/packages) are
 * written by `make fixtures` with the independent reference
 * (tests/conformance/osv_reference.py) from the made-up tests/golden/db; the
 * whole-database comparison with the same reference is
 * tests/cli/osv_conformance.sh. */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------- */

static csec_db *open_golden(void)
{
    csec_db *db = NULL;
    csec_diag d;
    if (csec_db_open(&db, test_path(test_source_dir(), "tests/golden/db"), NULL, &d) < 0) {
        fprintf(stderr, "  golden db: %s\n", d.msg);
        return NULL;
    }
    return db;
}

/* tests/golden/modified.txt: "PATH UNIX-TIME" lines; -1 when not listed. */
static int64_t golden_time(const char *path)
{
    char *text = test_read(test_path(test_source_dir(), "tests/golden/modified.txt"), NULL);
    int64_t t = -1;
    size_t n = strlen(path);
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (line[0] != '#' && strncmp(line, path, n) == 0 && line[n] == ' ')
            t = strtoll(line + n + 1, NULL, 10);
        line = end ? end + 1 : NULL;
    }
    free(text);
    return t;
}

static char *record_of(const csec_advisory *a)
{
    csec_buf b = CSEC_BUF_INIT;
    if (csec_osv_write(&b, a, 0) != 0) {
        csec_buf_free(&b);
        return NULL;
    }
    return csec_buf_detach(&b);
}

/* The events of a record, compactly: "0.0.0-0>2.2.1 3.0.0-0>" (introduced,
 * '>', fixed if any; one space between intervals). */
static char *events_of(const char *rec)
{
    csec_buf b = CSEC_BUF_INIT;
    const char *p = strstr(rec, "\"events\": [");
    const char *end = p ? strchr(p, ']') : NULL;
    csec_buf_puts(&b, "");
    while (p && end) {
        const char *i = strstr(p, "\"introduced\": \"");
        const char *f = strstr(p, "\"fixed\": \"");
        const char *next = i && (!f || i < f) ? i : f;
        if (!next || next > end)
            break;
        bool intro = next == i;
        const char *v = next + (intro ? 15 : 10);
        const char *q = strchr(v, '"');
        if (intro && b.len)
            csec_buf_putc(&b, ' ');
        csec_buf_put(&b, v, (size_t)(q - v));
        if (intro)
            csec_buf_putc(&b, '>');
        p = q;
    }
    return csec_buf_detach(&b);
}

/* Position of `needle` in `hay` (or -1): for order checks. */
static long pos_of(const char *hay, const char *needle)
{
    const char *p = hay ? strstr(hay, needle) : NULL;
    return p ? (long)(p - hay) : -1;
}

/* ---- golden records ----------------------------------------------------- */

static const char *const golden_ids[] = {
    "RUSTSEC-2098-0001", "RUSTSEC-2098-0002", "RUSTSEC-2098-0003",
    "RUSTSEC-2098-0004", "RUSTSEC-2098-0005", "RUSTSEC-2098-0006",
    "RUSTSEC-2098-0007", "RUSTSEC-2098-0008", "RUSTSEC-2098-0009",
};

TEST(osv, golden_records_byte_for_byte)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    ASSERT_INT_EQ(csec_db_error_count(db), 0);
    int failed = 0;
    for (size_t i = 0; i < sizeof golden_ids / sizeof golden_ids[0]; i++) {
        const csec_advisory *found = csec_db_find(db, golden_ids[i]);
        if (!found) {
            fprintf(stderr, "  %s not loaded\n", golden_ids[i]);
            failed = 1;
            continue;
        }
        /* The fixture is no git repository: `modified` comes from the times
         * file (unlisted ones keep -1, the --no-git rule). */
        csec_advisory a = *found;
        ASSERT_INT_EQ(a.modified, -1);
        a.modified = golden_time(a.path);
        char name[64];
        snprintf(name, sizeof name, "tests/golden/osv/%s.json", a.id);
        size_t len = 0;
        char *expected = test_read(test_path(test_source_dir(), name), &len);
        csec_buf got = CSEC_BUF_INIT;
        int rc = csec_osv_write(&got, &a, 0);
        if (rc != 0 || !expected || got.len != len || memcmp(got.ptr, expected, len) != 0) {
            fprintf(stderr, "  %s differs from %s (rc %d):\n%s\n", a.id, name, rc,
                    got.ptr ? got.ptr : "");
            failed = 1;
        }
        csec_buf_free(&got);
        free(expected);
    }
    csec_db_free(db);
    ASSERT(!failed);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in `dir`, sorted, joined by spaces; removes the files and dir. */
static char *list_and_remove(const char *dir)
{
    char *names[64];
    size_t n = 0;
    csec_buf out = CSEC_BUF_INIT;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && n < 64)
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], name_cmp);
    csec_buf_puts(&out, "");
    for (size_t i = 0; i < n; i++) {
        csec_buf_printf(&out, "%s%s", i ? " " : "", names[i]);
        remove(test_path(dir, names[i]));
        free(names[i]);
    }
    rmdir(dir);
    return csec_buf_detach(&out);
}

/* The set of files csec_osv_export writes: exactly the golden set (the rust
 * collection and the unknown informational kind are not exported). */
TEST(osv, golden_export_file_set)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    char dir[] = "/tmp/csec-osv-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    size_t written = 0;
    csec_diag d;
    int rc = csec_osv_export(db, dir, &written, &d);
    csec_db_free(db);
    char *names = list_and_remove(dir);
    bool same = strcmp(names, "RUSTSEC-2098-0001.json RUSTSEC-2098-0002.json "
                              "RUSTSEC-2098-0003.json RUSTSEC-2098-0004.json "
                              "RUSTSEC-2098-0005.json RUSTSEC-2098-0006.json "
                              "RUSTSEC-2098-0007.json RUSTSEC-2098-0008.json "
                              "RUSTSEC-2098-0009.json") == 0;
    if (!same)
        fprintf(stderr, "  wrote: %s\n", names);
    free(names);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(written, 9);
    ASSERT(same);
}

TEST(osv, skipped_kinds_are_einval)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    const csec_advisory *other = csec_db_find(db, "RUSTSEC-2018-0500");
    const csec_advisory *rust = csec_db_find(db, "CVE-2020-1234");
    csec_buf b = CSEC_BUF_INIT;
    int rc_other = other ? csec_osv_write(&b, other, 0) : 1;
    int rc_rust = rust ? csec_osv_write(&b, rust, 0) : 1;
    int rc_null = csec_osv_write(&b, NULL, 0);
    size_t len = b.len;
    csec_buf_free(&b);
    csec_db_free(db);
    ASSERT_INT_EQ(rc_other, CSEC_EINVAL);
    ASSERT_INT_EQ(rc_rust, CSEC_EINVAL);
    ASSERT_INT_EQ(rc_null, CSEC_EINVAL);
    ASSERT_INT_EQ(len, 0); /* nothing half-written */
}

/* Without git times, `modified` is the withdrawal date when later than the
 * date, else the date (cratesec's documented --no-git rule). */
TEST(osv, modified_without_git)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    char *w = record_of(csec_db_find(db, "RUSTSEC-2098-0007"));
    char *p = record_of(csec_db_find(db, "RUSTSEC-2098-0005"));
    csec_db_free(db);
    ASSERT_CONTAINS(w, "\"modified\": \"2025-03-01T12:00:00Z\",\n  \"published\": "
                       "\"2025-02-01T12:00:00Z\",\n  \"withdrawn\": \"2025-03-01T12:00:00Z\",");
    ASSERT_CONTAINS(p, "\"modified\": \"2023-07-09T12:00:00Z\",\n  \"published\": "
                       "\"2023-07-09T12:00:00Z\",\n  \"aliases\"");
    free(w);
    free(p);
}

/* Time formatting edges: epoch 0, leap day, end of day, 2100 (not a leap
 * year). */
TEST(osv, modified_formatting)
{
    static const struct {
        int64_t t;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},           {951782400, "2000-02-29T00:00:00Z"},
        {1709251199, "2024-02-29T23:59:59Z"},  {4107456000, "2100-02-28T00:00:00Z"},
        {4107542400, "2100-03-01T00:00:00Z"},  {86399, "1970-01-01T23:59:59Z"},
        /* negative times mean "unknown" (see modified_without_git) */
    };
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    csec_advisory a = *csec_db_find(db, "RUSTSEC-2098-0001");
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        a.modified = cases[i].t;
        char *rec = record_of(&a);
        char want[64];
        snprintf(want, sizeof want, "\"modified\": \"%s\"", cases[i].text);
        if (!rec || !strstr(rec, want)) {
            fprintf(stderr, "  %lld: want %s\n", (long long)cases[i].t, want);
            failed = 1;
        }
        free(rec);
    }
    csec_db_free(db);
    ASSERT(!failed);
}

/* ---- per-crate arrays (rustsec.org/packages/<crate>.json) ------------- */

TEST(osv, package_array_golden)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    size_t len = 0;
    char *expected =
        test_read(test_path(test_source_dir(), "tests/golden/packages/alpha-all.json"), &len);
    csec_buf got = CSEC_BUF_INIT;
    int rc = csec_osv_write_package(&got, db, "alpha-all");
    csec_db_free(db);
    bool same = expected && got.len == len && memcmp(got.ptr, expected, len) == 0;
    if (!same)
        fprintf(stderr, "  got:\n%s\n", got.ptr ? got.ptr : "");
    csec_buf_free(&got);
    free(expected);
    ASSERT_INT_EQ(rc, 0);
    ASSERT(same);
}

/* The shape crates.io reads: a pretty JSON array of complete OSV records,
 * each exactly the record csec_osv_write gives (one level deeper), newest
 * first, no trailing newline; crates with nothing exported are "not found"
 * (rustsec.org has no file: a 404, which crates.io shows as no advisories). */
TEST(osv, package_array_shape)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    csec_buf arr = CSEC_BUF_INIT, one = CSEC_BUF_INIT, two = CSEC_BUF_INIT;
    int rc = csec_osv_write_package(&arr, db, "alpha-all");
    csec_osv_write(&one, csec_db_find(db, "RUSTSEC-2098-0007"), 1);
    csec_osv_write(&two, csec_db_find(db, "RUSTSEC-2098-0006"), 1);
    csec_buf want = CSEC_BUF_INIT;
    csec_buf_printf(&want, "[\n  %s,\n  %s\n]", one.ptr, two.ptr);
    csec_buf single = CSEC_BUF_INIT;
    int rc_single = csec_osv_write_package(&single, db, "beta-caret");
    csec_buf none = CSEC_BUF_INIT;
    int rc_other = csec_osv_write_package(&none, db, "iota-other");
    int rc_missing = csec_osv_write_package(&none, db, "no-such-crate");
    int rc_rust = csec_osv_write_package(&none, db, "std");
    csec_db_free(db);
    int ok_arr = arr.ptr && strcmp(arr.ptr, want.ptr) == 0;
    static const char head[] = "[\n  {\n    \"id\": \"RUSTSEC-2098-0005\",\n    \"modified\"";
    int ok_single = single.ptr && strncmp(single.ptr, head, sizeof head - 1) == 0 &&
                    single.len > 6 && strcmp(single.ptr + single.len - 6, "\n  }\n]") == 0;
    size_t none_len = none.len;
    csec_buf_free(&arr);
    csec_buf_free(&one);
    csec_buf_free(&two);
    csec_buf_free(&want);
    csec_buf_free(&single);
    csec_buf_free(&none);
    ASSERT_INT_EQ(rc, 0);
    ASSERT(ok_arr);
    ASSERT_INT_EQ(rc_single, 0);
    ASSERT(ok_single);
    ASSERT_INT_EQ(rc_other, CSEC_ENOTFOUND);
    ASSERT_INT_EQ(rc_missing, CSEC_ENOTFOUND);
    ASSERT_INT_EQ(rc_rust, CSEC_ENOTFOUND);
    ASSERT_INT_EQ(none_len, 0);
}

/* ---- JSON text rules inside a record (spec §3.1) ----------------------- */

TEST(osv, json_text_rules)
{
    /* Every C0 control except the whitespace the Markdown trim would remove
     * at the ends (they sit in the middle here), DEL, '/', a quote, a
     * backslash, 2-, 3- and 4-byte UTF-8. */
    csec_buf src = CSEC_BUF_INIT;
    csec_buf_puts(&src, "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"x\"\n"
                        "date = \"2020-01-01\"\nurl = \"https://example.com/a/b?c=d\"\n"
                        "[versions]\npatched = []\n```\n\n# T \"q\" \\ /\n\nA");
    for (int c = 1; c < 0x20; c++)
        csec_buf_putc(&src, (char)c);
    csec_buf_puts(&src, "\x7f/\xc3\xa9\xe2\x80\x94\xf0\x9f\xa6\x80Z\n");
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    int rc = csec_advisory_parse(&doc, NULL, src.ptr, src.len, &d);
    csec_buf_free(&src);
    ASSERT_INT_EQ(rc, 0);
    char *rec = record_of(csec_advisory_doc_get(doc));
    csec_advisory_doc_free(doc);
    ASSERT(rec != NULL);

    csec_buf want = CSEC_BUF_INIT;
    csec_buf_puts(&want, "\"details\": \"A");
    for (int c = 1; c < 0x20; c++) {
        const char *named = c == '\b' ? "\\b" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
                          : c == '\f' ? "\\f" : c == '\r' ? "\\r" : NULL;
        if (named)
            csec_buf_puts(&want, named);
        else
            csec_buf_printf(&want, "\\u%04x", (unsigned)c); /* lowercase hex */
    }
    csec_buf_puts(&want, "\x7f/\xc3\xa9\xe2\x80\x94\xf0\x9f\xa6\x80Z\",");
    int has_details = strstr(rec, want.ptr) != NULL;
    if (!has_details)
        fprintf(stderr, "  want %s\n  in   %s\n", want.ptr, rec);
    csec_buf_free(&want);
    size_t len = strlen(rec);
    char last = len ? rec[len - 1] : 0;
    bool upper_hex = strstr(rec, "\\u001B") || strstr(rec, "\\u001F");
    bool slash_escaped = strstr(rec, "\\/") != NULL;
    bool summary_ok = strstr(rec, "\"summary\": \"T \\\"q\\\" \\\\ /\",") != NULL;
    bool url_ok = strstr(rec, "\"url\": \"https://example.com/a/b?c=d\"") != NULL;
    free(rec);
    ASSERT(has_details);
    ASSERT(summary_ok);
    ASSERT(url_ok);
    ASSERT(!upper_hex);
    ASSERT(!slash_escaped);
    ASSERT_INT_EQ(last, '}'); /* no trailing newline */
}

/* ---- the empty result (spec §3.3) -------------------------------------- */

/* A lone "*" leaves nothing affected.  rustsec asserts and panics there;
 * cratesec writes the record with an empty `events` list (documented in
 * osv.c): the file stays valid OSV, and a consumer reads "no affected
 * version".  Everything else in the record is still written. */
TEST(osv, empty_result_writes_empty_events)
{
    csec_db *db = open_golden();
    ASSERT(db != NULL);
    const csec_advisory *a = csec_db_find(db, "RUSTSEC-2098-0001");
    ASSERT(a != NULL);
    ASSERT_INT_EQ(a->affected_count, 0);
    char *rec = record_of(a);
    csec_version v = {1, 0, 0, {"", 0}, {"", 0}};
    bool affects = csec_advisory_affects(a, &v);
    csec_db_free(db);
    ASSERT_CONTAINS(rec, "\"ranges\": [\n        {\n          \"type\": \"SEMVER\",\n"
                         "          \"events\": []\n        }\n      ],\n      \"versions\": []");
    ASSERT_CONTAINS(rec, "\"url\": \"https://rustsec.org/advisories/RUSTSEC-2098-0001.html\"");
    ASSERT(!affects);
    free(rec);
}

/* ---- spec §3.6 against the real database ------------------------------- */

static csec_db *real_db(void)
{
    static csec_db *db; /* loaded once, kept for the run (reachable, not a leak) */
    static bool tried;
    if (tried)
        return db;
    tried = true;
    const char *path = test_advisory_db();
    if (!path)
        return NULL;
    csec_db_options opts = CSEC_DB_OPTIONS_INIT;
    opts.git_times = true;
    csec_diag d;
    if (csec_db_open(&db, path, &opts, &d) < 0) {
        fprintf(stderr, "  real db: %s\n", d.msg);
        db = NULL;
    }
    return db;
}

/* `modified` as spec §3.5 states it, by running git here.  The spec's
 * command lacks --full-history: without it git's history simplification
 * hides side-branch commits that a merge made redundant, which the rule (and
 * rustsec's own walk: every non-merge commit reachable from HEAD) counts.
 * RUSTSEC-2020-0109 is the one advisory where the two differ. */
static bool modified_matches_git(const char *rec, const char *db_path, const char *file)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "git -C '%s' log --full-history --no-merges --format=%%ct -- '%s' | sort -n | tail -1",
             db_path, file);
    FILE *p = popen(cmd, "r");
    long long t = -1;
    if (!p || fscanf(p, "%lld", &t) != 1)
        t = -1;
    if (p)
        pclose(p);
    if (t < 0)
        return false;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char want[64];
    strftime(want, sizeof want, "\"modified\": \"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    if (!strstr(rec, want)) {
        fprintf(stderr, "  %s: want %s\n", file, want);
        return false;
    }
    return true;
}

/* Loads the record of `id` from the real database, checks its events and its
 * `modified`; the test body then checks the row's other fields. */
#define REAL_RECORD(id, events_want)                                                               \
    csec_db *db_ = real_db();                                                                      \
    if (!db_) {                                                                                    \
        if (csec_test_failed)                                                                      \
            return;                                                                                \
        SKIP("real advisory database not available");                                              \
    }                                                                                              \
    const csec_advisory *a = csec_db_find(db_, id);                                                \
    ASSERT(a != NULL);                                                                             \
    char *rec = record_of(a);                                                                      \
    ASSERT(rec != NULL);                                                                           \
    char *ev_ = events_of(rec);                                                                    \
    bool ev_ok_ = strcmp(ev_, events_want) == 0;                                                   \
    if (!ev_ok_)                                                                                   \
        fprintf(stderr, "  events of %s:\n    got:  %s\n    want: %s\n", id, ev_, events_want);   \
    free(ev_);                                                                                     \
    bool mod_ok_ = modified_matches_git(rec, test_advisory_db(), a->path);                         \
    if (!ev_ok_ || !mod_ok_)                                                                       \
        free(rec);                                                                                 \
    ASSERT(ev_ok_);                                                                                \
    ASSERT(mod_ok_)

#define REF(type, url) "{\n      \"type\": \"" type "\",\n      \"url\": \"" url "\"\n    }"

TEST(osv, spec_row_actix_http_2021_0081)
{
    REAL_RECORD("RUSTSEC-2021-0081", "0.0.0-0>2.2.1 3.0.0-0>3.0.0-beta.9");
    bool v3 = strstr(rec, "\"type\": \"CVSS_V3\",\n      \"score\": \"CVSS:3.1/") != NULL;
    bool refs = strstr(rec, "\"references\": [\n    "
                            REF("PACKAGE", "https://crates.io/crates/actix-http") ",\n    "
                            REF("ADVISORY", "https://rustsec.org/advisories/RUSTSEC-2021-0081.html")
                            "\n  ],") != NULL;
    free(rec);
    ASSERT(v3);
    ASSERT(refs); /* no url: only the two generated references */
}

TEST(osv, spec_row_time_2020_0071)
{
    REAL_RECORD("RUSTSEC-2020-0071", "0.0.0-0>0.2.0 0.2.1-0>0.2.1 0.2.2-0>0.2.2 0.2.3-0>0.2.3 "
                                     "0.2.4-0>0.2.4 0.2.5-0>0.2.5 0.2.6-0>0.2.6 0.2.7-0>0.2.23");
    long f_off = pos_of(rec, "\"time::OffsetDateTime");
    long f_utc = pos_of(rec, "\"time::UtcOffset");
    long f_at = pos_of(rec, "\"time::at\"");
    bool no_reqs = strstr(rec, "\"functions\": [\n") && !strstr(rec, "< 0.2.23\"");
    size_t nfun = 0;
    for (const char *p = strstr(rec, "\"functions\": ["); p && *p && *p != ']'; p++)
        if (strncmp(p, "\"time::", 7) == 0)
            nfun++;
    bool os_ok = a->os.count > 0;
    for (size_t i = 0; i < a->os.count; i++) {
        char q[64];
        snprintf(q, sizeof q, "\"%s\"", a->os.items[i]);
        os_ok = os_ok && strstr(strstr(rec, "\"os\": ["), q) != NULL;
    }
    csec_buf url = CSEC_BUF_INIT;
    csec_buf_printf(&url, "\"type\": \"REPORT\",\n      \"url\": \"%s\"", a->url ? a->url : "?");
    bool report = a->url && strstr(a->url, "/issues/") && strstr(rec, url.ptr);
    csec_buf_free(&url);
    free(rec);
    ASSERT(f_off >= 0 && f_off < f_utc && f_utc < f_at);
    ASSERT_INT_EQ(nfun, 9);
    ASSERT(no_reqs);
    ASSERT(os_ok);
    ASSERT(report);
}

TEST(osv, spec_row_arrow2_2022_0012)
{
    REAL_RECORD("RUSTSEC-2022-0012", "0.0.0-0>0.7.1 0.8.0>0.8.2 0.9.0>0.9.2 0.10.0>0.10.0");
    free(rec);
}

TEST(osv, spec_row_rustls_2024_0399)
{
    REAL_RECORD("RUSTSEC-2024-0399", "0.23.0>0.23.0 0.23.13>0.23.18");
    bool no_zero = strstr(rec, "0.0.0-0") == NULL;
    free(rec);
    ASSERT(no_zero);
}

TEST(osv, spec_row_actix_web_2018_0019)
{
    REAL_RECORD("RUSTSEC-2018-0019", "0.0.0-0>0.7.20-0");
    free(rec);
}

TEST(osv, spec_row_arrayfire_2018_0011)
{
    REAL_RECORD("RUSTSEC-2018-0011", "3.5.1-0>3.6.0");
    bool v30 = strstr(rec, "\"type\": \"CVSS_V3\",\n      \"score\": \"CVSS:3.0/") != NULL;
    bool affects = strstr(rec, "\"affects\": {\n          \"arch\": [\n            \"x86_64\"\n"
                               "          ],\n          \"os\": [\n            \"windows\"\n"
                               "          ],") != NULL;
    free(rec);
    ASSERT(v30);
    ASSERT(affects);
}

TEST(osv, spec_row_ansi_term_2021_0139)
{
    REAL_RECORD("RUSTSEC-2021-0139", "0.0.0-0>");
    bool info = strstr(rec, "\"informational\": \"unmaintained\"\n      },") != NULL;
    bool events = strstr(rec, "\"events\": [\n            {\n              \"introduced\": "
                              "\"0.0.0-0\"\n            }\n          ]") != NULL;
    free(rec);
    ASSERT(info);
    ASSERT(events);
}

TEST(osv, spec_row_spin_2019_0031)
{
    REAL_RECORD("RUSTSEC-2019-0031", "0.0.0-0>0.0.0");
    bool withdrawn = strstr(rec, "\"withdrawn\": \"2020-10-08T12:00:00Z\",\n  \"aliases\"") != NULL;
    const char *commit = strstr(rec, "/commit/");
    const char *type = commit ? commit : rec;
    while (type > rec && strncmp(type, "\"type\": ", 8) != 0)
        type--;
    bool web = commit && strncmp(type, "\"type\": \"WEB\"", 13) == 0;
    free(rec);
    ASSERT(withdrawn);
    ASSERT(web);
}

TEST(osv, spec_row_deno_2025_0138)
{
    REAL_RECORD("RUSTSEC-2025-0138", "2.2.0>2.2.5");
    bool v4 = strstr(rec, "\"type\": \"CVSS_V4\",\n      \"score\": \"CVSS:4.0/") != NULL &&
              strstr(rec, "/E:P") != NULL;
    bool license = strstr(rec, "\"database_specific\": {\n    \"license\": \"CC-BY-4.0\"\n  }\n}")
                   != NULL;
    /* The url, a repository security advisory (GHSA), is an ADVISORY. */
    csec_buf url = CSEC_BUF_INIT;
    csec_buf_printf(&url, "\"type\": \"ADVISORY\",\n      \"url\": \"%s\"", a->url ? a->url : "?");
    bool ghsa = a->url && strstr(a->url, "GHSA-") && strstr(rec, url.ptr);
    csec_buf_free(&url);
    const char *commit = strstr(rec, "/commit/");
    const char *type = commit ? commit : rec;
    while (type > rec && strncmp(type, "\"type\": ", 8) != 0)
        type--;
    bool web = commit && strncmp(type, "\"type\": \"WEB\"", 13) == 0;
    free(rec);
    ASSERT(v4);
    ASSERT(license);
    ASSERT(ghsa);
    ASSERT(web);
}

TEST(osv, spec_row_blurhash_2023_0083)
{
    csec_db *db = real_db();
    if (!db) {
        if (csec_test_failed)
            return;
        SKIP("real advisory database not available");
    }
    const csec_advisory *a = csec_db_find(db, "RUSTSEC-2023-0083");
    ASSERT(a != NULL);
    char *rec = record_of(a);
    bool mod_ok = rec && modified_matches_git(rec, test_advisory_db(), a->path);
    bool mitre = rec && strstr(rec, "\"type\": \"ADVISORY\",\n      \"url\": "
                                    "\"https://cve.mitre.org/") != NULL;
    bool functions = rec && strstr(rec, "\"functions\": [\n            \"blurhash::decode\"\n"
                                        "          ]") != NULL;
    free(rec);
    ASSERT(mod_ok);
    ASSERT(mitre);
    ASSERT(functions);
}

/* Regression: a tree-cache eviction in gittime.c compared against a freed
 * tree and gave 27 advisories (the first three here among them) the time of
 * an unrelated later commit, 2020-12-18T16:21:43Z.  RUSTSEC-2020-0109 was
 * created by two parallel commits, one on a side branch (see above). */
TEST(osv, modified_regression_tree_cache)
{
    static const char *const ids[] = {"RUSTSEC-2016-0004", "RUSTSEC-2020-0056",
                                      "RUSTSEC-2020-0086", "RUSTSEC-2020-0109"};
    csec_db *db = real_db();
    if (!db) {
        if (csec_test_failed)
            return;
        SKIP("real advisory database not available");
    }
    int failed = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const csec_advisory *a = csec_db_find(db, ids[i]);
        char *rec = a ? record_of(a) : NULL;
        if (!rec || !modified_matches_git(rec, test_advisory_db(), a->path))
            failed = 1;
        free(rec);
    }
    ASSERT(!failed);
}

/* The walk's results are remembered by HEAD commit (gittime.c): loading a
 * checkout again after its HEAD moved to an older commit and back must give
 * each commit's own times, never the other's. */
static int load_and_check(const char *dir, const char *file)
{
    csec_db *db = NULL;
    csec_db_options opts = CSEC_DB_OPTIONS_INIT;
    opts.git_times = true;
    csec_diag d;
    if (csec_db_open(&db, dir, &opts, &d) < 0)
        return -1;
    int ok = 0;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        if (strcmp(a->path, file) != 0)
            continue;
        char *rec = record_of(a);
        ok = rec && modified_matches_git(rec, dir, a->path);
        free(rec);
    }
    csec_db_free(db);
    return ok ? 0 : -1;
}

/* A clone of the real database `src` at DIR/db (`dir` a mkdtemp template,
 * the checkout's path into `db`), and the first `n` lines that `list`, run
 * inside it, prints (trailing newlines cut; "" for lines it did not print). */
static void clone_and_list(const char *src, char *dir, char db[600], const char *list,
                           char lines[][512], int n)
{
    char cmd[4096];
    db[0] = '\0';
    for (int i = 0; i < n; i++)
        lines[i][0] = '\0';
    if (!mkdtemp(dir))
        return;
    snprintf(db, 600, "%s/db", dir);
    snprintf(cmd, sizeof cmd, "git clone -q '%s' '%s' && cd '%s' && %s", src, db, db, list);
    FILE *p = popen(cmd, "r");
    for (int i = 0; p && i < n && fgets(lines[i], 512, p); i++)
        lines[i][strcspn(lines[i], "\n")] = '\0';
    if (p)
        pclose(p);
}

TEST(osv, modified_follows_head_across_loads)
{
    const char *src = test_advisory_db();
    if (!src) {
        if (csec_test_failed)
            return;
        SKIP("real advisory database not available");
    }
    char dir[] = "/tmp/csec-gittime-XXXXXX", db[600], cmd[4096], changed[1][512];
    clone_and_list(src, dir, db,
                   "git diff --name-only --diff-filter=M HEAD~100 HEAD -- crates/ | head -1",
                   changed, 1);
    const char *file = changed[0];
    int at_head = file[0] ? load_and_check(db, file) : -1;
    snprintf(cmd, sizeof cmd, "git -C '%s' checkout -q HEAD~100", db);
    int older = system(cmd) == 0 ? load_and_check(db, file) : -1;
    snprintf(cmd, sizeof cmd, "git -C '%s' checkout -q -", db);
    int back = system(cmd) == 0 ? load_and_check(db, file) : -1;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int cleaned = system(cmd);
    ASSERT(file[0] != '\0'); /* some advisory changed in the last 100 commits */
    ASSERT_INT_EQ(at_head, 0);
    ASSERT_INT_EQ(older, 0);
    ASSERT_INT_EQ(back, 0);
    ASSERT_INT_EQ(cleaned, 0);
}

/* A sync that brings new commits: the walk starts from the remembered times
 * of the commit the new HEAD descends from and reads only the new commits
 * (gittime.c).  Each file they touch, and one they do not, must still have
 * the time `git log` gives. */
TEST(osv, modified_after_new_commits)
{
    const char *src = test_advisory_db();
    if (!src) {
        if (csec_test_failed)
            return;
        SKIP("real advisory database not available");
    }
    char dir[] = "/tmp/csec-gittime-XXXXXX", db[600], cmd[8192], files[3][512];
    clone_and_list(src, dir, db, "ls crates/*/*.md | head -3", files, 3);
    ASSERT(files[2][0] != '\0');
    /* C1 touches the first file, C2 (a child of C1) the second; the third
     * keeps its time from before both. */
    const char *commit = "GIT_COMMITTER_DATE='%s' GIT_AUTHOR_DATE='%s' git -C '%s' -c user.name=t "
                         "-c user.email=t@example.org commit -q -am '%s'";
    snprintf(cmd, sizeof cmd, "printf '\\nMore text.\\n' >> '%s/%s' && ", db, files[0]);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), commit, "2030-01-01T00:00:00Z",
             "2030-01-01T00:00:00Z", db, "c1");
    int c1 = system(cmd) == 0 && load_and_check(db, files[0]) == 0 ? 0 : -1;
    snprintf(cmd, sizeof cmd, "printf '\\nMore text.\\n' >> '%s/%s' && ", db, files[1]);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), commit, "2030-02-01T00:00:00Z",
             "2030-02-01T00:00:00Z", db, "c2");
    int c2 = system(cmd) == 0 ? 0 : -1;
    for (int i = 0; c2 == 0 && i < 3; i++)
        c2 = load_and_check(db, files[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int cleaned = system(cmd);
    ASSERT_INT_EQ(c1, 0);
    ASSERT_INT_EQ(c2, 0);
    ASSERT_INT_EQ(cleaned, 0);
}
