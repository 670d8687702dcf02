/* test_api.c - contracts of the public header that no module test covers:
 * every *_free accepts NULL, and the options structs' versions (their
 * initialisers, and a refusal of layouts the library does not know). */
#include "harness.h"

#include <stdlib.h>

TEST(api, free_functions_accept_null)
{
    csec_free(NULL);
    csec_req_free(NULL);
    csec_advisory_doc_free(NULL);
    csec_db_free(NULL);
    csec_lockfile_free(NULL);
    csec_audit_report_free(NULL);
    csec_buf b = CSEC_BUF_INIT;
    csec_buf_free(&b); /* an empty buffer */
    ASSERT(b.ptr == NULL);
}

TEST(api, options_init)
{
    csec_db_options d, dm = CSEC_DB_OPTIONS_INIT;
    memset(&d, 0x5a, sizeof d);
    ASSERT_INT_EQ(csec_db_options_init(&d, CSEC_DB_OPTIONS_VERSION), 0);
    ASSERT_INT_EQ(d.version, CSEC_DB_OPTIONS_VERSION);
    ASSERT(d.on_error == dm.on_error && d.payload == dm.payload && d.strict == dm.strict &&
           d.git_times == dm.git_times && d.packages == dm.packages &&
           d.packages_count == dm.packages_count);

    csec_audit_options a, am = CSEC_AUDIT_OPTIONS_INIT;
    memset(&a, 0x5a, sizeof a);
    ASSERT_INT_EQ(csec_audit_options_init(&a, CSEC_AUDIT_OPTIONS_VERSION), 0);
    ASSERT_INT_EQ(a.version, CSEC_AUDIT_OPTIONS_VERSION);
    ASSERT_INT_EQ(a.informational_warnings, am.informational_warnings);
    ASSERT_INT_EQ(a.deny, am.deny);
    ASSERT(a.ignore == NULL && a.ignore_count == 0 && a.yanked == NULL);

    /* A layout newer than the library, or a struct nobody initialised. */
    memset(&a, 0x5a, sizeof a);
    ASSERT_INT_EQ(csec_audit_options_init(&a, CSEC_AUDIT_OPTIONS_VERSION + 1), CSEC_EINVAL);
    ASSERT_INT_EQ(a.version, 0x5a5a5a5a); /* untouched */
    ASSERT_INT_EQ(csec_db_options_init(&d, 0), CSEC_EINVAL);
}

TEST(api, audit_refuses_unknown_options_version)
{
    csec_db *db = NULL;
    csec_lockfile *lf = NULL;
    csec_diag d;
    const char *lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"1.0.0\"\n";
    ASSERT_INT_EQ(csec_db_open(&db, test_path(test_source_dir(), "tests/data/db"), NULL, &d), 0);
    ASSERT_INT_EQ(csec_lockfile_parse(&lf, "Cargo.lock", lock, strlen(lock), &d), 0);
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    csec_audit_report *r = NULL;
    o.version = CSEC_AUDIT_OPTIONS_VERSION + 1;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, &d), CSEC_EINVAL);
    ASSERT(r == NULL);
    ASSERT_CONTAINS(d.msg, "csec_audit_options version 2 is not supported");
    o.version = 0;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, &d), CSEC_EINVAL);
    o.version = CSEC_AUDIT_OPTIONS_VERSION;
    ASSERT_INT_EQ(csec_audit(&r, db, lf, &o, &d), 0);
    ASSERT_INT_EQ(csec_audit_status(r), 0);
    csec_audit_report_free(r);
    csec_lockfile_free(lf);
    csec_db_free(db);
}
