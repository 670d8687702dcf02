/* wording.h - every rule of what cratesec says about advisories, once
 * (internal).
 *
 * The Security tab and every other page, the JSON API's `*_text` fields,
 * badges, feeds and the CLI word advisories with these functions only, so a
 * rule is changed in one place and they cannot disagree.  Each function
 * writes plain UTF-8 text (or returns a static string); HTML and XML callers
 * escape it and may wrap whole pieces in markup, but never re-word them.
 *
 * The rules:
 *
 * 1. Kinds.  An advisory whose categories include `malicious` is "Malicious
 *    code" (RustSec files the malicious crates removed from crates.io as
 *    vulnerabilities); any other advisory without `informational` is a
 *    "Vulnerability"; an informational one is named by its kind,
 *    csec_informational_name capitalised ("Unsound", "Unmaintained",
 *    "Notice"; "Other" for a kind RustSec does not know).  The JSON API keeps
 *    RustSec's types: "vulnerability" or csec_informational_name.
 *
 * 2. What counts.  An advisory counts against a version (the Security tab's
 *    highlight and count, the badge, the API's `affected` and
 *    `affected_count`, the Dependencies tab's highlight, `cratesec deps`'
 *    exit status) when it is not withdrawn, the version lies in its affected
 *    ranges (spec §2.4), and it is a vulnerability (malicious code included)
 *    or unsound.  An unmaintained advisory or a notice that applies is shown
 *    as a neutral notice, never highlighted or counted; an unmaintained
 *    advisory's suggested alternatives are shown once, with that notice.
 *    Withdrawn advisories say so first and apply to no version.
 *
 * 3. Requirement lists.  `patched`, `unaffected` and the versions of an
 *    affected function are lists of separate requirements, any one of which
 *    matches, while a comma inside one requirement means "and" (Cargo).  A
 *    list is therefore shown as separate items, or joined by " or ":
 *    ">=0.6.14, <1.0.0 or >=1.6.1"; never joined by commas.
 *
 * 4. Affected ranges in plain words.  Each interval [introduced, fixed) of
 *    spec §2.4 is written "0.4.0 to before 0.4.5", "before 0.4.20", "0.2.7
 *    and later, no fix available", "all versions, no fix available", "only
 *    0.2.0", "0.2.1 to 0.2.6 inclusive" or "up to and including 0.6.1";
 *    intervals are joined by "; ".  The algorithm's internal bounds are
 *    written as a reader counts versions, exactly:
 *      - next(v) = M.m.(p+1)-0 as an end is "v inclusive" / "up to and
 *        including v" (no version lies between v and next(v));
 *      - a start X-0 (next(v), or X.Y.0-0 from a caret bound) is written X
 *        when the crate's published versions are known and none of them is a
 *        pre-release of X, as the lowest such pre-release when one is, and
 *        without the published versions as "after v" (for next(v)) or "X
 *        (with its pre-releases)";
 *      - [X-0, X) holds only pre-releases of X: left out when the crate has
 *        published none, else "the pre-releases of X";
 *      - zero-width intervals ([0.10.0, 0.10.0), spec §2.4) are left out.
 *    "Pre-release" thus appears only where a published (or, without the
 *    crate's versions, possible) pre-release is really at stake.
 *
 * 5. Verdicts.  "Affects version V" for an advisory that counts, "Applies to
 *    version V" for a notice; otherwise one reason, the most direct first:
 *    "Not affected: listed as unaffected (=0.2.0)", "Not affected: fixed in
 *    0.2.23", "Not affected: the affected versions start at 0.5.0", "Not
 *    affected: outside the affected ranges".  A fixed-in version is the first
 *    published version with the fix when the crate's versions are known.
 *
 * 6. Upgrade advice (csec__deps_advice in deps.h decides, csec__word_advice
 *    words): the smallest requirement every non-yanked release of which no
 *    counting advisory affects, so that whatever a lock file holds under it
 *    is unaffected; a caret requirement when one exists, else a bounded one
 *    (">=0.2.0, <0.2.7") with the reason; never a requirement that admits an
 *    affected release.  Unmaintained advisories and notices are not cleared
 *    by upgrading and are not part of it.  Malicious code: remove the crate.
 *
 * 7. Data age.  A sentence about what a registry index does not hold ("no
 *    newer release clears it") says "in this index" when the index is older
 *    than a day (CSEC_WORD_STALE_SECONDS), since crates.io moves on daily.
 *    Every page states the database's commit and the index's date.
 *
 * 8. Titles are Markdown, as on rustsec.org: inline code spans (`name`)
 *    render as code on pages and lose their backticks in plain text; the
 *    JSON API and OSV keep the title as written.
 *
 * 9. Incomplete advisories (fail closed, issue 14).  When the advisory
 *    database could not load or vouch for some of a crate's advisory files
 *    (csec_db_package_error), whatever is listed may be incomplete: nothing
 *    calls a version of the crate clean ("no known advisories", "no
 *    advisories concern this crate"); the page says so naming the file
 *    inside the database, and the badge says "advisories unavailable".
 */
#ifndef CSEC_WORDING_H
#define CSEC_WORDING_H

#include "index.h"

/* ---- 1. kinds ---- */

/* Whether the advisory's categories include "malicious". */
bool csec__word_is_malicious(const csec_advisory *a);
/* The kind label: "Malicious code", "Vulnerability", "Unsound",
 * "Unmaintained", "Notice" or "Other".  Static, never NULL. */
const char *csec__word_kind(const csec_advisory *a);
/* The kind as one lower-case word for URLs and CSS classes: "malicious",
 * "vulnerability" or csec_informational_name. */
const char *csec__word_kind_slug(const csec_advisory *a);
/* RustSec's type, as the JSON API and OSV name it: "vulnerability" or
 * csec_informational_name (malicious code is a vulnerability there). */
const char *csec__word_kind_type(const csec_advisory *a);
/* A warning kind of an audit (csec_warning_kind) as cargo-audit names it:
 * "notice", "unmaintained", "unsound", "yanked"; "warning" for others. */
const char *csec__word_warning_kind(int kind);
/* The slugs csec__word_kind_slug can return, NULL-ended (for filters). */
extern const char *const csec__word_kind_slugs[];
/* The label of a slug from csec__word_kind_slugs ("Malicious code"), or NULL. */
const char *csec__word_kind_slug_label(const char *slug);

/* ---- 2. what counts ---- */

/* Whether the advisory's kind counts (vulnerability, malicious code or
 * unsound) and it is not withdrawn: rule 2 without the version. */
bool csec__word_counts(const csec_advisory *a);
/* Whether it counts against version `v`: csec__word_counts and `v` in its
 * affected ranges. */
bool csec__word_counts_against(const csec_advisory *a, const csec_version *v);
/* Whether it is a notice that applies to `v`: not withdrawn, does not
 * count, `v` in its affected ranges. */
bool csec__word_notice_for(const csec_advisory *a, const csec_version *v);

/* Appends the withdrawal in plain words: "Withdrawn on 2025-01-14: this
 * advisory applies to no version and is kept only for reference." */
void csec__word_withdrawn(csec_buf *out, const csec_advisory *a);
/* Appends a date as "YYYY-MM-DD". */
void csec__word_date(csec_buf *out, csec_date d);
/* The same into `out`, which it returns. */
const char *csec__word_date_text(char out[11], csec_date d);

/* Appends an advisory title as plain text.  Titles are Markdown (rule 8):
 * pages render their inline code spans as code (html_title), plain-text
 * titles drop the backticks. */
void csec__word_title_plain(csec_buf *out, const char *title);

/* ---- 3. requirement lists ---- */

/* Joins the items of a requirement list (rule 3). */
#define CSEC_WORD_OR " or "

/* Appends one requirement in Cargo's display form (">=0.6.14, <1.0.0"). */
void csec__word_req(csec_buf *out, const csec_req *r);
/* Appends a requirement list joined by CSEC_WORD_OR, or `none` when empty. */
void csec__word_reqs(csec_buf *out, const csec_req *const *reqs, size_t n, const char *none);

/* ---- 4. affected ranges ---- */

/* Appends the affected ranges of `a` in plain words (rule 4), joined by
 * "; "; "no version" when none is left.  `published` (may be NULL) is the
 * crate as the registry index knows it. */
void csec__word_ranges(csec_buf *out, const csec_advisory *a,
                       const csec_index_crate *published);
/* Appends interval `i` of `a` in plain words and returns true, or returns
 * false (appending nothing) when rule 4 leaves it out. */
bool csec__word_interval(csec_buf *out, const csec_advisory *a, size_t i,
                         const csec_index_crate *published);
/* Appends a version in display form. */
void csec__word_version(csec_buf *out, const csec_version *v);

/* ---- 5. verdicts ---- */

/* Why an advisory does or does not affect a version. */
typedef enum csec_why {
    CSEC_WHY_AFFECTED = 0,
    CSEC_WHY_UNAFFECTED, /* a requirement of `unaffected` matches */
    CSEC_WHY_FIXED,      /* the newest fix at or below the version */
    CSEC_WHY_LATER,      /* the lowest start of an affected range above it */
    CSEC_WHY_OUTSIDE,    /* none of those: outside the affected ranges */
    CSEC_WHY_NO_VERSION  /* no version was selected */
} csec_why;

/* One advisory's verdict for one version. */
typedef struct csec_verdict {
    const csec_advisory *a;
    bool affects;  /* the version lies in its affected ranges */
    bool counts;   /* ... and the advisory counts (rule 2) */
    csec_why why;
    const csec_req *req;     /* CSEC_WHY_UNAFFECTED */
    const csec_version *ver; /* CSEC_WHY_FIXED, CSEC_WHY_LATER: a bound of `a` */
} csec_verdict;

/* Decides the verdict of `a` for `v` (NULL: no version). */
void csec__word_verdict(csec_verdict *out, const csec_advisory *a, const csec_version *v);
/* Appends the verdict in words for version `version_text` (rule 5). */
void csec__word_verdict_text(csec_buf *out, const csec_verdict *vd, const char *version_text,
                             const csec_index_crate *published);
/* A one-word code for the verdict: "affected", "unaffected", "fixed",
 * "not_yet_introduced", "outside_ranges" or "no_version" (the API's
 * `reason`). */
const char *csec__word_verdict_code(const csec_verdict *vd);

/* ---- counting sentences ---- */

/* Appends "N advisory" / "N advisories" ("1 notice", "2 notices"...): `one`
 * and `many` are the singular and plural nouns. */
void csec__word_count(csec_buf *out, size_t n, const char *one, const char *many);
/* Appends the badge's fact for a version: "no known advisories", "1 advisory
 * affects 1.2.3", "2 advisories affect 1.2.3", or with no counting advisory
 * but notices "unmaintained" / "1 notice". */
void csec__word_badge(csec_buf *out, size_t counting, size_t unmaintained, size_t notices,
                      const char *version_text);

/* Rule 9: the problem as "crates/PKG/FILE.md:LINE:COL: message", the file
 * named by its path inside the database (never the server's directory). */
void csec__word_load_error(csec_buf *out, const csec_db_error *e);
/* Rule 9: the sentence for a page.  With NULL `crate` (the crate page):
 * "Some of this crate's advisories could not be loaded (PROBLEM): ...";
 * with a crate (an audit): "Some advisories of CRATE could not be loaded
 * (PROBLEM): this report may be incomplete, ...". */
void csec__word_incomplete(csec_buf *out, const csec_db_error *e, const char *crate);

/* ---- 6. upgrade advice ---- */

struct csec_advice; /* deps.h */
/* Appends the advice in words (rule 6); `stale`: the index is older than a
 * day (rule 7).  Nothing when no upgrade is needed. */
void csec__word_advice(csec_buf *out, const struct csec_advice *adv, bool stale);
/* Appends the ids of `n` advisories as a sentence lists them: "A", "A and
 * B", "A, B and C". */
void csec__word_ids(csec_buf *out, const csec_advisory *const *advs, size_t n);

/* ---- 7. data age ---- */

/* An index older than this many seconds is qualified "in this index". */
#define CSEC_WORD_STALE_SECONDS 86400
/* " in this index" when the index is stale (rule 7), else "". */
const char *csec__word_in_index(bool stale);

/* The heading of a kind of direct dependency (CSEC_INDEX_DEP_*):
 * "Dependencies", "Build dependencies", "Development dependencies". */
const char *csec__word_dep_section(int kind);
/* Appends how old a time is, coarsely: "3 hours old", "6 years old". */
void csec__word_age(csec_buf *out, int64_t seconds);
struct csec_data_age; /* dataage.h */
/* Appends what dates a registry index at `now`: "commit 0123456789ab of
 * 2026-08-21 (3 hours old)", "newest release published 2026-08-20 (1 day
 * old)", "files dated 2020-11-27 (5 years old)" or "of unknown date"; with
 * `now` 0 without the age in parentheses (for pages kept in a cache). */
void csec__word_data_age(csec_buf *out, const struct csec_data_age *age, int64_t now);

#endif
