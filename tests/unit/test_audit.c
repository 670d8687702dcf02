/* test_audit.c - cargo-audit's findings (spec §4.4-4.7) over the lockfiles of
 * tests/data/lockfiles against the real advisory database.  The expected
 * findings are worked out by hand from the advisories' [versions] (spec §2.4):
 *
 *   arrayfire 3.5.1       RUSTSEC-2018-0011  unaffected <=3.5.0, patched >=3.6.0;
 *                                            arch x86_64, os windows
 *   chrono 0.4.19         RUSTSEC-2020-0159  patched >=0.4.20, no CVSS
 *   lettre 0.10.0-alpha.2 RUSTSEC-2020-0069  in [0.10.0-alpha.1, 0.10.0-alpha.4)
 *                         RUSTSEC-2021-0069  below >=0.10.0-rc.3
 *                         (RUSTSEC-2026-0141: unaffected <0.10.1, not reported)
 *   lettre 0.10.0-alpha.5 RUSTSEC-2021-0069  only (alpha.5 >= alpha.4 is patched for 2020-0069)
 *   time 0.1.45           RUSTSEC-2020-0071  patched >=0.2.23; 9 Unix OSes; CVSS 6.2
 *   time 0.3.20           RUSTSEC-2026-0009  patched >=0.3.47, unaffected <0.3.6
 *   inconceivable 0.9.0   RUSTSEC-2022-0058  notice
 *   ansi_term 0.12.1      RUSTSEC-2021-0139  unmaintained
 *   atty 0.2.14           RUSTSEC-2024-0375  unmaintained; RUSTSEC-2021-0145 unsound (windows)
 *   git2 0.15.0           RUSTSEC-2026-0008, -0183, -0184 unsound;
 *                         RUSTSEC-2023-0002 withdrawn: never reported
 *   smallvec 0.6.0 (git)  not audited (crates.io would have four advisories)
 */
#include "harness.h"

#include <stdlib.h>

#define CIO "registry+https://github.com/rust-lang/crates.io-index"

static csec_db *real_db(void)
{
    static csec_db *db;
    static int state; /* 0 not tried, 1 loaded, 2 unavailable */
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

static csec_lockfile *load(const char *name)
{
    csec_lockfile *lf = NULL;
    csec_diag d;
    const char *path = test_path(test_source_dir(), test_path("tests/data/lockfiles", name));
    if (csec_lockfile_open(&lf, path, &d) < 0)
        fprintf(stderr, "  %s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
    return lf;
}

/* The findings as "name version ID" lines (kind names for warnings), in
 * report order. */
static char *summary(const csec_audit_report *r)
{
    csec_buf b = CSEC_BUF_INIT;
    static const char *const kinds[] = {"notice", "unmaintained", "unsound", "yanked"};
    for (size_t i = 0; i < r->vulnerabilities_count; i++) {
        const csec_audit_finding *f = &r->vulnerabilities[i];
        csec_buf_printf(&b, "%s %s %s\n", f->package->name, f->package->version_text,
                        f->advisory->id);
    }
    for (size_t i = 0; i < r->warnings_count; i++) {
        const csec_audit_finding *f = &r->warnings[i];
        csec_buf_printf(&b, "%s%s: %s %s %s\n", kinds[f->kind], f->denied ? " (denied)" : "",
                        f->package->name, f->package->version_text,
                        f->advisory ? f->advisory->id : "-");
    }
    return csec_buf_detach(&b);
}

static const char *const v3_vulns = "arrayfire 3.5.1 RUSTSEC-2018-0011\n"
                                    "chrono 0.4.19 RUSTSEC-2020-0159\n"
                                    "lettre 0.10.0-alpha.2 RUSTSEC-2020-0069\n"
                                    "lettre 0.10.0-alpha.2 RUSTSEC-2021-0069\n"
                                    "lettre 0.10.0-alpha.5 RUSTSEC-2021-0069\n"
                                    "time 0.1.45 RUSTSEC-2020-0071\n"
                                    "time 0.3.20 RUSTSEC-2026-0009\n";

TEST(audit, v3_default_findings)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, &d), 0);
    char *s = summary(r);
    csec_buf want = CSEC_BUF_INIT;
    csec_buf_puts(&want, v3_vulns);
    csec_buf_puts(&want, "notice: inconceivable 0.9.0 RUSTSEC-2022-0058\n"
                         "unmaintained: ansi_term 0.12.1 RUSTSEC-2021-0139\n"
                         "unmaintained: atty 0.2.14 RUSTSEC-2024-0375\n"
                         "unsound: atty 0.2.14 RUSTSEC-2021-0145\n"
                         "unsound: git2 0.15.0 RUSTSEC-2026-0008\n"
                         "unsound: git2 0.15.0 RUSTSEC-2026-0183\n"
                         "unsound: git2 0.15.0 RUSTSEC-2026-0184\n");
    ASSERT_STR_EQ(s, want.ptr);
    ASSERT_INT_EQ(r->denied_count, 0);
    ASSERT(!r->yanked_checked);
    ASSERT_INT_EQ(csec_audit_status(r), 1);
    free(s);
    csec_buf_free(&want);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, target_filters)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    o.informational_warnings = 0;
    const char *linux_os[] = {"linux"}, *windows[] = {"windows"}, *arm[] = {"aarch64"};
    csec_audit_report *r = NULL;
    char *s;

    /* linux: the windows-only arrayfire advisory goes, time's Unix one stays. */
    o.target_os = linux_os;
    o.target_os_count = 1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    s = summary(r);
    ASSERT_STR_EQ(s, "chrono 0.4.19 RUSTSEC-2020-0159\n"
                     "lettre 0.10.0-alpha.2 RUSTSEC-2020-0069\n"
                     "lettre 0.10.0-alpha.2 RUSTSEC-2021-0069\n"
                     "lettre 0.10.0-alpha.5 RUSTSEC-2021-0069\n"
                     "time 0.1.45 RUSTSEC-2020-0071\n"
                     "time 0.3.20 RUSTSEC-2026-0009\n");
    free(s);
    csec_audit_report_free(r);

    /* windows: the other way round. */
    o.target_os = windows;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    s = summary(r);
    ASSERT(strstr(s, "arrayfire 3.5.1 RUSTSEC-2018-0011\n") != NULL);
    ASSERT(strstr(s, "RUSTSEC-2020-0071") == NULL);
    ASSERT_INT_EQ(r->vulnerabilities_count, 6);
    free(s);
    csec_audit_report_free(r);

    /* An architecture filter alone: arrayfire is x86_64-only. */
    o.target_os = NULL;
    o.target_os_count = 0;
    o.target_arch = arm;
    o.target_arch_count = 1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    s = summary(r);
    ASSERT(strstr(s, "arrayfire") == NULL);
    ASSERT(strstr(s, "time 0.1.45 RUSTSEC-2020-0071") != NULL);
    ASSERT_INT_EQ(r->vulnerabilities_count, 6);
    free(s);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, ignore_by_own_id_only)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    csec_audit_report *r = NULL;
    const char *ids[] = {"RUSTSEC-2020-0071", "RUSTSEC-2021-0139", "GHSA-xxxx-yyyy-zzzz"};
    o.ignore = ids;
    o.ignore_count = 3;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    char *s = summary(r);
    ASSERT(strstr(s, "RUSTSEC-2020-0071") == NULL);
    ASSERT(strstr(s, "RUSTSEC-2021-0139") == NULL);
    ASSERT_INT_EQ(r->vulnerabilities_count, 6);
    ASSERT_INT_EQ(r->warnings_count, 6);
    free(s);
    csec_audit_report_free(r);

    /* CVE-2020-26235 is an alias of RUSTSEC-2020-0071: not ignored (§4.4). */
    const char *alias[] = {"CVE-2020-26235"};
    o.ignore = alias;
    o.ignore_count = 1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    s = summary(r);
    ASSERT(strstr(s, "time 0.1.45 RUSTSEC-2020-0071") != NULL);
    free(s);
    csec_audit_report_free(r);

    /* Values that are not advisory ids (spec §1.7) are refused. */
    const char *bad[] = {"CVE-1999-0001"};
    o.ignore = bad;
    csec_diag d;
    r = (csec_audit_report *)1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, &d), CSEC_EINVAL);
    ASSERT(r == NULL);
    ASSERT_CONTAINS(d.msg, "CVE-1999-0001");
    csec_lockfile_free(lf);
}

TEST(audit, deny_and_informational_settings)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    csec_audit_report *r = NULL;
    /* No informational warnings at all. */
    o.informational_warnings = 0;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    ASSERT_INT_EQ(r->warnings_count, 0);
    csec_audit_report_free(r);
    /* Denying unmaintained brings the kind back, denied; unsound stays off. */
    o.deny = CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED);
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    char *s = summary(r);
    ASSERT_STR_EQ(s + strlen(v3_vulns),
                  "unmaintained (denied): ansi_term 0.12.1 RUSTSEC-2021-0139\n"
                  "unmaintained (denied): atty 0.2.14 RUSTSEC-2024-0375\n");
    ASSERT_INT_EQ(r->denied_count, 2);
    free(s);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

static csec_lockfile *parse(const char *text)
{
    csec_lockfile *lf = NULL;
    csec_diag d;
    if (csec_lockfile_parse(&lf, "t.lock", text, strlen(text), &d) < 0)
        fprintf(stderr, "  %u:%u: %s\n", d.line, d.col, d.msg);
    return lf;
}

TEST(audit, exit_status_rules)
{
    csec_db *db;
    REAL_DB(db);
    /* A notice is never denied, even by --deny warnings (spec §4.5). */
    csec_lockfile *lf = parse("version = 3\n[[package]]\nname = \"inconceivable\"\n"
                              "version = \"0.9.0\"\nsource = \"" CIO "\"\n");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    o.deny = CSEC_WARNING_BIT(CSEC_WARNING_NOTICE) | CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED) |
             CSEC_WARNING_BIT(CSEC_WARNING_UNSOUND) | CSEC_WARNING_BIT(CSEC_WARNING_YANKED);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    ASSERT_INT_EQ(r->warnings_count, 1);
    ASSERT(!r->warnings[0].denied);
    ASSERT_INT_EQ(csec_audit_status(r), 0);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);

    /* Unmaintained: 0 by default, 1 when denied. */
    lf = load("v2-noversion.lock");
    ASSERT(lf != NULL);
    o.deny = 0;
    o.ignore = (const char *[]){"RUSTSEC-2021-0003"};
    o.ignore_count = 1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    char *s = summary(r);
    ASSERT_STR_EQ(s, "unmaintained: ansi_term 0.12.1 RUSTSEC-2021-0139\n");
    ASSERT_INT_EQ(csec_audit_status(r), 0);
    free(s);
    csec_audit_report_free(r);
    o.deny = CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED);
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    ASSERT_INT_EQ(csec_audit_status(r), 1);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, withdrawn_never_reported)
{
    csec_db *db;
    REAL_DB(db);
    /* ssdeep's only advisory (unsound) is withdrawn; so is git2's
     * RUSTSEC-2023-0002 (a vulnerability below 0.16.0). */
    csec_lockfile *lf = parse("version = 3\n[[package]]\nname = \"git2\"\nversion = \"0.15.0\"\n"
                              "source = \"" CIO "\"\n[[package]]\nname = \"ssdeep\"\n"
                              "version = \"0.1.0\"\nsource = \"" CIO "\"\n");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
    char *s = summary(r);
    ASSERT_STR_EQ(s, "unsound: git2 0.15.0 RUSTSEC-2026-0008\n"
                     "unsound: git2 0.15.0 RUSTSEC-2026-0183\n"
                     "unsound: git2 0.15.0 RUSTSEC-2026-0184\n");
    ASSERT_INT_EQ(csec_audit_status(r), 0);
    free(s);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, every_format_version)
{
    csec_db *db;
    REAL_DB(db);
    static const struct {
        const char *file, *want;
    } cases[] = {
        /* v1: smallvec 0.6.5 is at the lower edge of 2019-0009's
         * unaffected "< 0.6.5", hence affected; 2018-0003 is patched. */
        {"v1-root.lock", "chrono 0.4.19 RUSTSEC-2020-0159\n"
                         "smallvec 0.6.5 RUSTSEC-2019-0009\n"
                         "smallvec 0.6.5 RUSTSEC-2019-0012\n"
                         "smallvec 0.6.5 RUSTSEC-2021-0003\n"
                         "time 0.1.45 RUSTSEC-2020-0071\n"
                         "unsound: smallvec 0.6.5 RUSTSEC-2018-0018\n"},
        /* v2: 0.6.13 is patched for everything but 2021-0003 (>= 0.6.14). */
        {"v2-noversion.lock", "smallvec 0.6.13 RUSTSEC-2021-0003\n"
                              "unmaintained: ansi_term 0.12.1 RUSTSEC-2021-0139\n"},
        /* v4: the sparse spelling is audited; the git fork of time is not;
         * smallvec 1.6.0 falls in 2021-0003's gap [1.0.0, 1.6.1). */
        {"v4-sparse-git.lock", "smallvec 0.6.9 RUSTSEC-2019-0009\n"
                               "smallvec 0.6.9 RUSTSEC-2019-0012\n"
                               "smallvec 0.6.9 RUSTSEC-2021-0003\n"
                               "smallvec 1.6.0 RUSTSEC-2021-0003\n"
                               "time 0.1.45 RUSTSEC-2020-0071\n"
                               "unsound: smallvec 0.6.9 RUSTSEC-2018-0018\n"},
        /* Git, path and other-registry packages are never audited. */
        {"git-path.lock", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_lockfile *lf = load(cases[i].file);
        ASSERT(lf != NULL);
        csec_audit_report *r = NULL;
        ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
        char *s = summary(r);
        int same = strcmp(s, cases[i].want) == 0;
        if (!same)
            fprintf(stderr, "  %s:\n%s", cases[i].file, s);
        free(s);
        csec_audit_report_free(r);
        csec_lockfile_free(lf);
        if (!same)
            FAIL_AT("findings of %s differ", cases[i].file);
    }
}

TEST(audit, severity_threshold)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    o.informational_warnings = 0;
    o.severity_threshold = CSEC_SEVERITY_HIGH;
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    char *s = summary(r);
    /* Medium ones (time 6.2 and 6.8, lettre 5.3) go; critical arrayfire and
     * advisories without CVSS (chrono, lettre 2021-0069) stay. */
    ASSERT_STR_EQ(s, "arrayfire 3.5.1 RUSTSEC-2018-0011\n"
                     "chrono 0.4.19 RUSTSEC-2020-0159\n"
                     "lettre 0.10.0-alpha.2 RUSTSEC-2021-0069\n"
                     "lettre 0.10.0-alpha.5 RUSTSEC-2021-0069\n");
    free(s);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

typedef struct yank_log {
    int calls;
} yank_log;

static int fake_yanked(const char *name, const char *version, void *payload)
{
    yank_log *log = payload;
    log->calls++;
    if (strcmp(name, "winapi") == 0)
        return -1; /* unknown to the index */
    return strcmp(name, "libc") == 0 && strcmp(version, "0.2.100") == 0;
}

TEST(audit, yanked_check)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    yank_log log = {0};
    o.yanked = fake_yanked;
    o.yanked_payload = &log;
    o.informational_warnings = 0;
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    /* 12 crates.io packages (not myapp, mylib, mytool, the git smallvec). */
    ASSERT_INT_EQ(log.calls, 12);
    ASSERT(r->yanked_checked);
    ASSERT_INT_EQ(r->yanked_unknown, 1);
    ASSERT_INT_EQ(r->warnings_count, 1);
    ASSERT_INT_EQ(r->warnings[0].kind, CSEC_WARNING_YANKED);
    ASSERT(r->warnings[0].advisory == NULL);
    ASSERT_STR_EQ(r->warnings[0].package->name, "libc");
    ASSERT(!r->warnings[0].denied);
    csec_audit_report_free(r);
    o.deny = CSEC_WARNING_BIT(CSEC_WARNING_YANKED);
    o.ignore = (const char *[]){"RUSTSEC-2018-0011", "RUSTSEC-2020-0159", "RUSTSEC-2020-0069",
                                "RUSTSEC-2021-0069", "RUSTSEC-2020-0071", "RUSTSEC-2026-0009"};
    o.ignore_count = 6;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
    ASSERT_INT_EQ(r->vulnerabilities_count, 0);
    ASSERT(r->warnings[0].denied);
    ASSERT_INT_EQ(csec_audit_status(r), 1);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, json_report)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
    csec_buf out = CSEC_BUF_INIT;
    csec_audit_write_json(&out, r);
    ASSERT(out.len > 0 && out.ptr[out.len - 1] == '\n');
    ASSERT(strchr(out.ptr, '\n') == out.ptr + out.len - 1); /* one line */
    ASSERT(strncmp(out.ptr, "{\"database\":{\"advisory-count\":", 30) == 0);
    ASSERT_CONTAINS(out.ptr, "\"lockfile\":{\"dependency-count\":16}");
    ASSERT_CONTAINS(out.ptr, "\"settings\":{\"target_arch\":[],\"target_os\":[],\"severity\":null,"
                             "\"ignore\":[],\"informational_warnings\":[\"unmaintained\","
                             "\"unsound\",\"notice\"]}");
    ASSERT_CONTAINS(out.ptr,
                    "\"vulnerabilities\":{\"found\":true,\"count\":7,\"list\":[{"
                    "\"advisory\":{\"id\":\"RUSTSEC-2018-0011\",\"package\":\"arrayfire\"");
    /* The package record, dependencies resolved (spec §4.6). */
    ASSERT_CONTAINS(out.ptr,
                    "\"package\":{\"name\":\"chrono\",\"version\":\"0.4.19\",\"source\":\"" CIO
                    "\",\"checksum\":\"02130095538a2671a0f3c0e6c3b5d797a94d7ed4526fa2c10b"
                    "e0a2e2f1498802\",\"dependencies\":[{\"name\":\"time\",\"version\":"
                    "\"0.1.45\",\"source\":\"" CIO "\"}],\"replace\":null}");
    ASSERT_CONTAINS(out.ptr, "\"versions\":{\"patched\":[\">=0.2.23\"],\"unaffected\":[\"=0.2.0\"");
    ASSERT_CONTAINS(out.ptr, "\"affected\":{\"arch\":[],\"os\":[\"linux\",");
    ASSERT_CONTAINS(out.ptr, "\"cvss\":\"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\","
                             "\"informational\":null,");
    ASSERT_CONTAINS(out.ptr,
                    "\"withdrawn\":null,\"license\":\"CC0-1.0\",\"expect-deleted\":false}");
    /* Warnings: non-empty kinds only, in kind order. */
    const char *w = strstr(out.ptr, "\"warnings\":{");
    ASSERT(w != NULL);
    const char *w0 = "\"warnings\":{\"notice\":[{\"kind\":\"notice\",\"package\":{\"name\":"
                     "\"inconceivable\"";
    ASSERT(strncmp(w, w0, strlen(w0)) == 0);
    ASSERT(strstr(w, "\"unmaintained\":[") < strstr(w, "\"unsound\":["));
    ASSERT(strstr(w, "\"yanked\"") == NULL);
    ASSERT(strstr(out.ptr, "}}\n") == out.ptr + out.len - 3);
    csec_buf_free(&out);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, text_report)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
    csec_buf out = CSEC_BUF_INIT, err = CSEC_BUF_INIT;
    csec_audit_write_text(&out, &err, r, 0);
    ASSERT_CONTAINS(out.ptr, "Crate:     time\n"
                             "Version:   0.1.45\n"
                             "Title:     Potential segfault in the time crate\n"
                             "Date:      2020-11-18\n"
                             "ID:        RUSTSEC-2020-0071\n"
                             "URL:       https://rustsec.org/advisories/RUSTSEC-2020-0071\n"
                             "Severity:  6.2 (medium)\n"
                             "Solution:  Upgrade to >=0.2.23 (patched)\n"
                             "Via:       myapp 0.1.0 -> chrono 0.4.19 -> time 0.1.45\n"
                             "Dependency tree:\n"
                             "time 0.1.45\n"
                             "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 chrono 0.4.19\n"
                             "    \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 myapp 0.1.0\n\n");
    ASSERT_CONTAINS(out.ptr, "Crate:     ansi_term\nVersion:   0.12.1\nWarning:   unmaintained\n");
    ASSERT_CONTAINS(out.ptr, "warning: 7 allowed warnings found\n");
    ASSERT(strstr(out.ptr, "\033[") == NULL);
    ASSERT_STR_EQ(err.ptr, "error: 7 vulnerabilities found!\n");
    /* The tree of a package is shown once: lettre alpha.2 has two findings. */
    const char *first = strstr(out.ptr, "Dependency tree:\nlettre 0.10.0-alpha.2");
    ASSERT(first != NULL);
    ASSERT(strstr(first + 1, "Dependency tree:\nlettre 0.10.0-alpha.2") == NULL);
    csec_buf_clear(&out);
    csec_buf_clear(&err);
    csec_audit_write_text(&out, &err, r, CSEC_AUDIT_TEXT_COLOR | CSEC_AUDIT_TEXT_NO_TREE);
    ASSERT_CONTAINS(out.ptr, "\033[31mCrate:    \033[0m time\n");
    ASSERT(strstr(out.ptr, "Dependency tree") == NULL);
    ASSERT_CONTAINS(err.ptr, "\033[1;31merror:\033[0m 7 vulnerabilities found!");
    csec_buf_free(&out);
    csec_buf_free(&err);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, solution_lines)
{
    csec_db *db;
    REAL_DB(db);
    /* hickory-proto 0.25.2: RUSTSEC-2026-0118 has no patched version; of its
     * unaffected requirements only ">= 0.26.0-beta.1" allows a newer one. */
    csec_lockfile *lf = parse("version = 3\n[[package]]\nname = \"hickory-proto\"\n"
                              "version = \"0.25.2\"\nsource = \"" CIO "\"\n"
                              "[[package]]\nname = \"ansi_term\"\nversion = \"0.12.1\"\n"
                              "source = \"" CIO "\"\n");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
    csec_buf out = CSEC_BUF_INIT, err = CSEC_BUF_INIT;
    csec_audit_write_text(&out, &err, r, CSEC_AUDIT_TEXT_NO_TREE);
    ASSERT_CONTAINS(out.ptr, "ID:        RUSTSEC-2026-0118\n");
    ASSERT_CONTAINS(out.ptr, "Solution:  Upgrade to >=0.26.0-beta.1 (unaffected)\n");
    ASSERT_CONTAINS(out.ptr, "Solution:  Upgrade to >=0.26.1 (patched)\n");
    ASSERT_CONTAINS(out.ptr, "Via:       hickory-proto 0.25.2\n");
    /* Warnings have no Solution line. */
    const char *w = strstr(out.ptr, "Crate:     ansi_term");
    ASSERT(w && !strstr(w, "Solution:"));
    ASSERT_STR_EQ(err.ptr, "error: 2 vulnerabilities found!\n");
    ASSERT_CONTAINS(out.ptr, "warning: 1 allowed warning found\n");
    csec_buf_free(&out);
    csec_buf_free(&err);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

TEST(audit, sarif_report)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    csec_audit_report *r = NULL;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, NULL, NULL), 0);
    csec_buf out = CSEC_BUF_INIT;
    csec_audit_write_sarif(&out, r, "app/Cargo.lock");
    ASSERT_CONTAINS(out.ptr, "\"version\": \"2.1.0\"");
    ASSERT_CONTAINS(out.ptr, "\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\"");
    ASSERT_CONTAINS(out.ptr, "\"ruleId\": \"RUSTSEC-2021-0069\",\n          \"ruleIndex\": 3,");
    /* lettre alpha.5 reuses rule 3 rather than adding one. */
    const char *again = strstr(strstr(out.ptr, "\"ruleId\": \"RUSTSEC-2021-0069\"") + 1,
                               "\"ruleId\": \"RUSTSEC-2021-0069\",\n          \"ruleIndex\": 3,");
    ASSERT(again != NULL);
    ASSERT_CONTAINS(out.ptr, "\"text\": \"time 0.1.45: Potential segfault in the time crate "
                             "(RUSTSEC-2020-0071); via myapp 0.1.0 -> chrono 0.4.19 -> time "
                             "0.1.45\"");
    ASSERT_CONTAINS(out.ptr, "\"uri\": \"app/Cargo.lock\"");
    ASSERT_CONTAINS(out.ptr, "\"security-severity\": \"6.2\"");
    ASSERT_CONTAINS(out.ptr, "\"level\": \"note\"");
    csec_buf_free(&out);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
}

/* csec_audit_classify is the rule csec_audit applies per package and
 * advisory: for every crates.io package of the fixture and every advisory
 * of its name, with the default options and with a target filter, the
 * classification names exactly the findings the audit reports (watch lists
 * decide with it, server/watch and state/evaluate.c). */
TEST(audit, classify_agrees_with_the_audit)
{
    csec_db *db;
    REAL_DB(db);
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    const char *windows[] = {"windows"};
    for (int pass = 0; pass < 2; pass++) {
        csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
        if (pass) {
            o.target_os = windows;
            o.target_os_count = 1;
        }
        csec_audit_report *r = NULL;
        ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, NULL), 0);
        csec_buf from_audit = CSEC_BUF_INIT, from_classify = CSEC_BUF_INIT;
        for (size_t i = 0; i < r->vulnerabilities_count; i++)
            csec_buf_printf(&from_audit, "%s %s %s -1\n", r->vulnerabilities[i].package->name,
                            r->vulnerabilities[i].package->version_text,
                            r->vulnerabilities[i].advisory->id);
        for (size_t i = 0; i < r->warnings_count; i++)
            csec_buf_printf(&from_audit, "%s %s %s %d\n", r->warnings[i].package->name,
                            r->warnings[i].package->version_text, r->warnings[i].advisory->id,
                            r->warnings[i].kind);
        /* The same lines from classify, in the audit's order (vulnerabilities,
         * then warnings by kind, each in lockfile then database order). */
        for (int want = -1; want < CSEC_WARNING_KINDS - 1; want++)
            for (size_t i = 0; i < csec_lockfile_count(lf); i++) {
                const csec_lock_package *p = csec_lockfile_get(lf, i);
                if (!p->crates_io)
                    continue;
                size_t n = 0;
                const csec_advisory *const *advs =
                    csec_db_by_package(db, CSEC_COLLECTION_CRATES, p->name, &n);
                for (size_t k = 0; k < n; k++)
                    if (csec_audit_classify(advs[k], &p->version, &o) == want)
                        csec_buf_printf(&from_classify, "%s %s %s %d\n", p->name,
                                        p->version_text, advs[k]->id, want);
            }
        ASSERT_STR_EQ(from_classify.ptr, from_audit.ptr);
        csec_buf_free(&from_audit);
        csec_buf_free(&from_classify);
        csec_audit_report_free(r);
    }
    /* Not reported: a withdrawn advisory, and one for another collection. */
    const csec_advisory *withdrawn = csec_db_find(db, "RUSTSEC-2023-0002");
    ASSERT(withdrawn != NULL && csec_advisory_is_withdrawn(withdrawn));
    csec_version v;
    csec_version_parse(&v, "0.15.0", 6, NULL);
    ASSERT_INT_EQ(csec_audit_classify(withdrawn, &v, NULL), -2);
    csec_lockfile_free(lf);
}
