/* security.h - one crate version's security (security.c).
 *
 * The crate page's Security tab, the JSON endpoint
 * /api/v1/crates/NAME/VERSION/security and the badge all show what these
 * functions decide, in the words of lib/wording.h, so they never disagree.
 */
#ifndef CSEC_SERVER_SECURITY_H
#define CSEC_SERVER_SECURITY_H

#include "site.h"
#include "wording.h" /* lib/: every sentence rule, csec_verdict */

struct csec_index_crate;
struct csec_index_version;

/* A crate as the pages find it from the name in a URL. */
typedef struct srv_crate {
    const struct csec_index_crate *ic; /* the registry index's entry, or NULL */
    const char *name; /* canonical: the index's spelling, else the database's */
    const csec_advisory *const *advs; /* the package's advisories, withdrawn too */
    size_t nadv;
    /* A problem loading the crate's advisory files (csec_db_package_error):
     * its advisories may be incomplete, so nothing may call it clean. */
    const csec_db_error *load_error;
} srv_crate;

/* Finds crate `url_name` in the registry index (srv_index_crate) and the
 * advisory database under crates.io's name rules.  Returns false when
 * neither knows it.  Everything in `out` is owned by the site. */
bool srv_crate_find(const srv_site *s, const char *url_name, srv_crate *out);

/* A selected version.  `v` and `text` may point into `buf`, so a srv_sel is
 * filled in place and never copied. */
typedef struct srv_sel {
    const struct csec_index_version *iv; /* the index's entry, or NULL */
    csec_version v;
    const char *text; /* as published (index) or as requested */
    char buf[128];
} srv_sel;

/* Selects version `text` of `c`, or with NULL `text` the default version
 * (the newest non-yanked release, then the newest prerelease, then any).
 * With an index the version must be published there (same spelling or equal
 * under SemVer); without one any SemVer version under 128 bytes will do.
 * Returns 0 when selected, -1 when `text` names no such version (not in the
 * index, or not a version), 1 when `text` is NULL and there is no default
 * (no index, or the index lists no version). */
int srv_crate_version(const srv_crate *c, const char *text, srv_sel *out);

typedef struct srv_security {
    /* Every non-withdrawn advisory, in three groups: those that count
     * against the version (lib/wording.h rule 2; `affected` of them), then
     * the notices that apply to it (unmaintained, notice; `notices` of them),
     * then the others; within each group vulnerabilities and malicious code,
     * unsound, notices, other informational kinds, unmaintained, newest
     * first, then id descending. */
    csec_verdict *items;
    size_t count;
    size_t affected;
    size_t notices;
    /* Withdrawn advisories in database order: listed by id only. */
    const csec_advisory **withdrawn;
    size_t nwithdrawn;
    /* Fail closed (lib/wording.h rule 9): the crate's load problem, or NULL.
     * When set the advisories above may be incomplete, and no version may be
     * called clean: the tab says so (csec__word_incomplete), the API answers
     * "advisories_complete": false and the badge "advisories unavailable". */
    const csec_db_error *incomplete;
} srv_security;

/* Decides the Security tab for crate `c` (its advisories and load problem)
 * and version `sel` (NULL: none selected; then nothing affects and every
 * verdict is CSEC_WHY_NO_VERSION).  The verdicts point into `c`'s advisories
 * and `sel`; free with srv_security_free. */
void srv_security_of(srv_security *out, const srv_crate *c, const csec_version *sel);
void srv_security_free(srv_security *sec);

#endif
