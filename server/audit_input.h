/* audit_input.h - a lockfile (and optionally its Cargo.toml) sent to the site,
 * audited the way `cratesec audit` audits it (audit_input.c).
 *
 * The page (/audit), the API (/api/v1/audit) and the watches start here:
 * the size limits, csec_lockfile_parse and csec_audit (the library's one
 * audit, so the site reports exactly what the command line reports, with
 * the yanked check against the site's registry index), the report's id, and
 * which findings are direct dependencies when a Cargo.toml came along.
 */
#ifndef CSEC_SERVER_AUDIT_INPUT_H
#define CSEC_SERVER_AUDIT_INPUT_H

#include "site.h"
#include "state.h"

/* Limits of what the site audits.  A larger body is refused with 413. */
#define SRV_AUDIT_MAX_LOCKFILE ((size_t)5 << 20) /* bytes */
#define SRV_AUDIT_MAX_PACKAGES 20000
#define SRV_AUDIT_MAX_MANIFEST ((size_t)1 << 20) /* bytes of Cargo.toml */
/* The request bodies that carry them (a form or JSON adds some bytes). */
#define SRV_AUDIT_MAX_BODY (SRV_AUDIT_MAX_LOCKFILE + SRV_AUDIT_MAX_MANIFEST + ((size_t)2 << 20))

/* Dependency kinds of a direct dependency (bits of srv_audit.direct[i]). */
#define SRV_DIRECT_NORMAL 1u
#define SRV_DIRECT_DEV 2u
#define SRV_DIRECT_BUILD 4u

typedef struct srv_audit {
    int status;     /* 0: audited; else the HTTP status of the refusal (400, 413) */
    csec_diag diag; /* why not: file "Cargo.lock" or "Cargo.toml", line, column, message */
    char id[STATE_REPORT_ID_MAX + 1]; /* the report id (state.h) */
    csec_lockfile *lockfile;
    csec_audit_report *report;
    /* With a Cargo.toml: its package name ("" for a virtual manifest), and
     * per lockfile package (csec_lockfile_get order) the SRV_DIRECT_* bits of
     * the kinds in which the manifest depends on it directly. */
    bool has_manifest;
    char root[128];
    unsigned char *direct;
    /* The yanked check: whether the site has an index, and how many packages
     * it could not answer for within its time budget. */
    bool yanked_checked;
    size_t yanked_unknown;
    /* Fail closed (lib/wording.h rule 9): the first crates.io package of
     * the lockfile whose advisory files did not all load, and the problem
     * (csec_db_package_error); NULL when none.  Then the report may be
     * incomplete and the page never says no advisory affects them. */
    const char *incomplete_crate;
    const csec_db_error *incomplete;
} srv_audit;

/* Audits `lockfile` (`len` bytes) with the site's data, with `manifest`
 * (may be NULL) marking direct dependencies.  Fills `out` (free with
 * srv_audit_free) and returns out->status. */
int srv_audit_run(srv_audit *out, const srv_site *s, const char *lockfile, size_t len,
                  const char *manifest, size_t manifest_len);
void srv_audit_free(srv_audit *a);

/* Whether `id` has the form of a report id (srv_audit.id): the SHA-256 of
 * the lockfile's bytes in hex (what `sha256sum Cargo.lock` prints), and with
 * a Cargo.toml "-" and the first 16 hex digits of its SHA-256. */
bool srv_audit_id_valid(const char *id);

/* Appends the refusal as one sentence: "Cargo.lock, line 3, column 7: ...". */
void srv_audit_error_text(csec_buf *out, const srv_audit *a);

/* The crates.io packages of a lockfile as a watch stores them. */
size_t srv_audit_packages(const csec_lockfile *lf, state_pkg **out);

#endif
