/* wording.c - what cratesec says about advisories (rules in wording.h). */
#include "wording.h"

#include "dataage.h"
#include "deps.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- 1. kinds ---- */

bool csec__word_is_malicious(const csec_advisory *a)
{
    return csec__strlist_has(&a->categories, "malicious");
}

/* Labels of the informational kinds: csec_informational_name capitalised,
 * made once (the names live in one place, the public library). */
static char info_labels[CSEC_INFO_OTHER + 1][24];
static pthread_once_t info_labels_once = PTHREAD_ONCE_INIT;

static void make_info_labels(void)
{
    for (int k = CSEC_INFO_NOTICE; k <= CSEC_INFO_OTHER; k++) {
        const char *name = csec_informational_name((csec_informational)k);
        snprintf(info_labels[k], sizeof info_labels[k], "%s", name ? name : "other");
        if (info_labels[k][0] >= 'a' && info_labels[k][0] <= 'z')
            info_labels[k][0] = (char)(info_labels[k][0] - 'a' + 'A');
    }
}

static const char *info_label(csec_informational k)
{
    pthread_once(&info_labels_once, make_info_labels);
    if (k < CSEC_INFO_NOTICE || k > CSEC_INFO_OTHER)
        k = CSEC_INFO_OTHER;
    return info_labels[k];
}

const char *csec__word_kind(const csec_advisory *a)
{
    if (csec__word_is_malicious(a))
        return "Malicious code";
    if (a->informational == CSEC_INFO_NONE)
        return "Vulnerability";
    return info_label(a->informational);
}

const char *csec__word_kind_type(const csec_advisory *a)
{
    const char *name = csec_informational_name(a->informational);
    return name ? name : "vulnerability";
}

const char *csec__word_warning_kind(int kind)
{
    static const char *const names[CSEC_WARNING_KINDS] = {"notice", "unmaintained", "unsound",
                                                          "yanked"};
    return kind >= 0 && kind < CSEC_WARNING_KINDS ? names[kind] : "warning";
}

const char *csec__word_kind_slug(const csec_advisory *a)
{
    return csec__word_is_malicious(a) ? "malicious" : csec__word_kind_type(a);
}

const char *const csec__word_kind_slugs[] = {"vulnerability", "malicious", "unsound",
                                             "unmaintained", "notice", NULL};

const char *csec__word_kind_slug_label(const char *slug)
{
    if (!slug)
        return NULL;
    if (strcmp(slug, "vulnerability") == 0)
        return "Vulnerability";
    if (strcmp(slug, "malicious") == 0)
        return "Malicious code";
    for (int k = CSEC_INFO_NOTICE; k < CSEC_INFO_OTHER; k++)
        if (strcmp(slug, csec_informational_name((csec_informational)k)) == 0)
            return info_label((csec_informational)k);
    return NULL;
}

/* ---- 2. what counts ---- */

bool csec__word_counts(const csec_advisory *a)
{
    if (csec_advisory_is_withdrawn(a))
        return false;
    return a->informational == CSEC_INFO_NONE || a->informational == CSEC_INFO_UNSOUND;
}

bool csec__word_counts_against(const csec_advisory *a, const csec_version *v)
{
    return csec__word_counts(a) && csec_advisory_affects(a, v);
}

bool csec__word_notice_for(const csec_advisory *a, const csec_version *v)
{
    return !csec_advisory_is_withdrawn(a) && !csec__word_counts(a) && csec_advisory_affects(a, v);
}

const char *csec__word_date_text(char out[11], csec_date d)
{
    /* Dates are validated on load; the modulos only bound the widths. */
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u,
             (unsigned)d.day % 100u);
    return out;
}

void csec__word_date(csec_buf *out, csec_date d)
{
    char s[11];
    csec_buf_puts(out, csec__word_date_text(s, d));
}

void csec__word_withdrawn(csec_buf *out, const csec_advisory *a)
{
    csec_buf_puts(out, "Withdrawn on ");
    csec__word_date(out, a->withdrawn);
    csec_buf_puts(out, ": this advisory applies to no version and is kept only for reference.");
}

/* ---- 3. requirement lists ---- */

void csec__word_req(csec_buf *out, const csec_req *r)
{
    csec_req_write(out, r);
}

void csec__word_reqs(csec_buf *out, const csec_req *const *reqs, size_t n, const char *none)
{
    if (n == 0) {
        csec_buf_puts(out, none ? none : "");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_puts(out, CSEC_WORD_OR);
        csec__word_req(out, reqs[i]);
    }
}

/* ---- 4. affected ranges ---- */

void csec__word_version(csec_buf *out, const csec_version *v)
{
    csec_version_write(out, v);
}

static bool is_zero_pre(const csec_version *v)
{
    return v->pre.len == 1 && v->pre.ptr[0] == '0' && v->build.len == 0;
}

static bool is_min_version(const csec_version *v)
{
    return v->major == 0 && v->minor == 0 && v->patch == 0 && is_zero_pre(v);
}

/* `v` without its pre-release and build: the release X of a bound X-0. */
static csec_version release_of(const csec_version *v)
{
    csec_version x = *v;
    x.pre.ptr = "";
    x.pre.len = 0;
    x.build.ptr = "";
    x.build.len = 0;
    return x;
}

/* For a bound v = M.m.p-0 with p > 0, the version it follows: v is next()
 * of M.m.(p-1), written "after M.m.(p-1)" when nothing else is known. */
static bool is_next_of(const csec_version *v, csec_version *prev)
{
    if (!is_zero_pre(v) || v->patch == 0)
        return false;
    *prev = release_of(v);
    prev->patch--;
    return true;
}

/* The lowest published version at or above `lo`, or NULL. */
static const csec_index_version *lowest_from(const csec_index_crate *c, const csec_version *lo)
{
    for (size_t i = 0; c && i < c->versions_count; i++)
        if (csec_version_cmp(&c->versions[i].version, lo) >= 0)
            return &c->versions[i];
    return NULL;
}

/* The lowest published version in [lo, hi), or NULL. */
static const csec_index_version *lowest_in(const csec_index_crate *c, const csec_version *lo,
                                           const csec_version *hi)
{
    const csec_index_version *v = lowest_from(c, lo);
    return v && csec_version_cmp(&v->version, hi) < 0 ? v : NULL;
}

/* A start bound `v` (inclusive) as a reader counts versions, rule 4.
 * Returns true when the phrase is "after ..." (it then joins its end with
 * ", " instead of " to "). */
static bool write_start(csec_buf *out, const csec_version *v, const csec_index_crate *pub)
{
    if (!is_zero_pre(v)) {
        csec__word_version(out, v);
        return false;
    }
    csec_version rel = release_of(v);
    if (pub) {
        /* A published pre-release of X sits between X-0 and X. */
        const csec_index_version *pre = lowest_in(pub, v, &rel);
        csec__word_version(out, pre ? &pre->version : &rel);
        return false;
    }
    csec_version prev;
    if (is_next_of(v, &prev)) {
        csec_buf_puts(out, "after ");
        csec__word_version(out, &prev);
        return true;
    }
    csec__word_version(out, &rel);
    csec_buf_puts(out, " (with its pre-releases)");
    return false;
}

/* An exclusive end bound `v`: "before F", or for next(w) "w inclusive" /
 * "up to and including w" (`alone`: no start precedes it). */
static void write_end(csec_buf *out, const csec_version *v, bool alone,
                      const csec_index_crate *pub)
{
    csec_version prev;
    if (is_next_of(v, &prev)) {
        if (alone) {
            csec_buf_puts(out, "up to and including ");
            csec__word_version(out, &prev);
        } else {
            csec__word_version(out, &prev);
            csec_buf_puts(out, " inclusive");
        }
        return;
    }
    csec_buf_puts(out, "before ");
    if (is_zero_pre(v)) {
        csec_version rel = release_of(v);
        const csec_index_version *pre = lowest_in(pub, v, &rel); /* NULL without pub */
        csec__word_version(out, pre ? &pre->version : &rel);
        if (!pub)
            csec_buf_puts(out, "'s pre-releases");
        return;
    }
    csec__word_version(out, v);
}

/* Whether [lo, hi) holds exactly one version (and its build variants):
 * hi == next(lo). */
static bool is_single(const csec_version *lo, const csec_version *hi)
{
    if (lo->major != hi->major || lo->minor != hi->minor)
        return false;
    if (lo->pre.len == 0)
        return hi->patch == lo->patch + 1 && is_zero_pre(hi);
    return hi->patch == lo->patch && hi->build.len == 0 && hi->pre.len == lo->pre.len + 2 &&
           memcmp(hi->pre.ptr, lo->pre.ptr, lo->pre.len) == 0 &&
           memcmp(hi->pre.ptr + lo->pre.len, ".0", 2) == 0;
}

/* Whether interval `iv` is [X-0, X): exactly the pre-releases of X. */
static bool prerelease_only(const csec_interval *iv)
{
    return iv->has_introduced && iv->has_fixed && is_zero_pre(&iv->introduced) &&
           iv->fixed.pre.len == 0 && iv->fixed.build.len == 0 &&
           iv->fixed.major == iv->introduced.major && iv->fixed.minor == iv->introduced.minor &&
           iv->fixed.patch == iv->introduced.patch;
}

bool csec__word_interval(csec_buf *out, const csec_advisory *a, size_t i,
                         const csec_index_crate *pub)
{
    if (i >= a->affected_count)
        return false;
    const csec_interval *iv = &a->affected[i];
    bool lo = iv->has_introduced && !is_min_version(&iv->introduced);
    /* A zero-width interval ([0.10.0, 0.10.0), spec §2.4) holds no version. */
    if (iv->has_introduced && iv->has_fixed && csec_version_cmp(&iv->introduced, &iv->fixed) >= 0)
        return false;
    if (!lo && !iv->has_fixed) {
        csec_buf_puts(out, "all versions, no fix available");
        return true;
    }
    if (lo && prerelease_only(iv)) {
        /* [X-0, X): exactly the pre-releases of X. */
        if (pub && !lowest_in(pub, &iv->introduced, &iv->fixed))
            return false;
        csec_buf_puts(out, "the pre-releases of ");
        csec__word_version(out, &iv->fixed);
        return true;
    }
    if (lo && iv->has_fixed && is_single(&iv->introduced, &iv->fixed)) {
        csec_buf_puts(out, "only ");
        csec__word_version(out, &iv->introduced);
        return true;
    }
    if (!lo) {
        write_end(out, &iv->fixed, true, pub);
        return true;
    }
    bool after = write_start(out, &iv->introduced, pub);
    if (!iv->has_fixed) {
        csec_buf_puts(out, after ? ", no fix available" : " and later, no fix available");
        return true;
    }
    csec_buf_puts(out, after ? ", " : " to ");
    write_end(out, &iv->fixed, after, pub);
    return true;
}

void csec__word_ranges(csec_buf *out, const csec_advisory *a, const csec_index_crate *pub)
{
    size_t shown = 0;
    csec_buf one = CSEC_BUF_INIT;
    for (size_t i = 0; i < a->affected_count; i++) {
        csec_buf_clear(&one);
        if (!csec__word_interval(&one, a, i, pub))
            continue;
        if (shown++)
            csec_buf_puts(out, "; ");
        /* A run of [X-0, X) intervals (from `unaffected = ["=X", ...]`)
         * reads as one list: "the pre-releases of 0.2.1, 0.2.2 and 0.2.3". */
        size_t run = 1;
        while (i + run < a->affected_count && prerelease_only(&a->affected[i]) &&
               prerelease_only(&a->affected[i + run]) &&
               (!pub || lowest_in(pub, &a->affected[i + run].introduced,
                                  &a->affected[i + run].fixed)))
            run++;
        if (run == 1) {
            csec_buf_put(out, one.ptr, one.len);
            continue;
        }
        csec_buf_puts(out, "the pre-releases of ");
        for (size_t k = 0; k < run; k++) {
            csec_buf_puts(out, k == 0 ? "" : k + 1 == run ? " and " : ", ");
            csec__word_version(out, &a->affected[i + k].fixed);
        }
        i += run - 1;
    }
    csec_buf_free(&one);
    if (!shown)
        csec_buf_puts(out, "no version");
}

/* ---- 5. verdicts ---- */

void csec__word_verdict(csec_verdict *out, const csec_advisory *a, const csec_version *sel)
{
    memset(out, 0, sizeof *out);
    out->a = a;
    if (!sel) {
        out->why = CSEC_WHY_NO_VERSION;
        return;
    }
    if (!csec_advisory_is_withdrawn(a) && csec_advisory_affects(a, sel)) {
        out->affects = true;
        out->counts = csec__word_counts(a);
        out->why = CSEC_WHY_AFFECTED;
        return;
    }
    /* A matching `unaffected` requirement says it most directly; else the
     * newest fix at or below the version; else the lowest start of an
     * affected range above it. */
    for (size_t i = 0; i < a->unaffected_count; i++) {
        if (csec_req_matches(a->unaffected[i], sel)) {
            out->why = CSEC_WHY_UNAFFECTED;
            out->req = a->unaffected[i];
            return;
        }
    }
    const csec_version *fixed = NULL, *intro = NULL;
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        if (iv->has_fixed && csec_version_cmp(&iv->fixed, sel) <= 0 &&
            (!fixed || csec_version_cmp(&iv->fixed, fixed) > 0))
            fixed = &iv->fixed;
        if (iv->has_introduced && csec_version_cmp(&iv->introduced, sel) > 0 &&
            (!intro || csec_version_cmp(&iv->introduced, intro) < 0))
            intro = &iv->introduced;
    }
    if (fixed) {
        out->why = CSEC_WHY_FIXED;
        out->ver = fixed;
    } else if (intro) {
        out->why = CSEC_WHY_LATER;
        out->ver = intro;
    } else {
        out->why = CSEC_WHY_OUTSIDE;
    }
}

const char *csec__word_verdict_code(const csec_verdict *vd)
{
    static const char *const codes[] = {"affected",           "unaffected",     "fixed",
                                        "not_yet_introduced", "outside_ranges", "no_version"};
    return (unsigned)vd->why < sizeof codes / sizeof codes[0] ? codes[vd->why] : "no_version";
}

void csec__word_verdict_text(csec_buf *out, const csec_verdict *vd, const char *version_text,
                             const csec_index_crate *pub)
{
    const csec_index_version *first;
    csec_version prev;
    switch (vd->why) {
    case CSEC_WHY_AFFECTED:
        csec_buf_puts(out, vd->counts ? "Affects version " : "Applies to version ");
        csec_buf_puts(out, version_text ? version_text : "");
        return;
    case CSEC_WHY_UNAFFECTED:
        csec_buf_puts(out, "Not affected: listed as unaffected (");
        csec__word_req(out, vd->req);
        csec_buf_putc(out, ')');
        return;
    case CSEC_WHY_FIXED:
        csec_buf_puts(out, "Not affected: fixed in ");
        /* The first published version with the fix, when known. */
        if ((first = lowest_from(pub, vd->ver))) {
            csec__word_version(out, &first->version);
            return;
        }
        if (is_next_of(vd->ver, &prev)) {
            csec_buf_puts(out, "the versions after ");
            csec__word_version(out, &prev);
            return;
        }
        write_start(out, vd->ver, NULL);
        return;
    case CSEC_WHY_LATER:
        csec_buf_puts(out, "Not affected: the affected versions start ");
        csec_buf_puts(out, is_zero_pre(vd->ver) && vd->ver->patch > 0 && !pub ? "" : "at ");
        write_start(out, vd->ver, pub);
        return;
    case CSEC_WHY_OUTSIDE:
        csec_buf_puts(out, "Not affected: outside the affected ranges");
        return;
    case CSEC_WHY_NO_VERSION:
        break;
    }
    csec_buf_puts(out, "No version selected");
}

/* ---- counting sentences ---- */

void csec__word_count(csec_buf *out, size_t n, const char *one, const char *many)
{
    csec_buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

void csec__word_badge(csec_buf *out, size_t counting, size_t unmaintained, size_t notices,
                      const char *version_text)
{
    if (counting) {
        csec__word_count(out, counting, "advisory affects ", "advisories affect ");
        csec_buf_puts(out, version_text ? version_text : "");
    } else if (unmaintained) {
        csec_buf_puts(out, "unmaintained");
    } else if (notices) {
        csec__word_count(out, notices, "notice", "notices");
    } else {
        csec_buf_puts(out, "no known advisories");
    }
}

/* ---- 9. incomplete advisories ---- */

void csec__word_load_error(csec_buf *out, const csec_db_error *e)
{
    /* An advisory file is always COLLECTION/PACKAGE/FILE.md: its last three
     * components are its path inside the database. */
    csec_diag d = e->diag;
    const char *f = d.file;
    int slashes = 0;
    for (const char *p = f + strlen(f); p > f; p--)
        if (p[-1] == '/' && ++slashes == 3) {
            f = p;
            break;
        }
    memmove(d.file, f, strlen(f) + 1);
    char line[sizeof d.file + sizeof d.msg + 32];
    csec_buf_puts(out, csec_diag_format(line, sizeof line, &d));
}

void csec__word_incomplete(csec_buf *out, const csec_db_error *e, const char *crate)
{
    if (crate)
        csec_buf_printf(out, "Some advisories of %s could not be loaded (", crate);
    else
        csec_buf_puts(out, "Some of this crate's advisories could not be loaded (");
    csec__word_load_error(out, e);
    csec_buf_puts(out, crate ? "): this report may be incomplete, so it does not show that "
                               "these packages are free of advisories."
                             : "): what is listed here may be incomplete, so it does not show "
                               "that any version of this crate is free of advisories.");
}

/* ---- 6. upgrade advice ---- */

/* More than this many advisories are counted, not named. */
enum { NAMED_MAX = 3 };

static void clears_list(csec_buf *out, const csec_advice *adv)
{
    size_t total = adv->nclears + adv->more;
    if (total > NAMED_MAX) {
        csec_buf_printf(out, "the %zu advisories that affect it", total);
        return;
    }
    csec__word_ids(out, adv->clears, adv->nclears);
}

void csec__word_ids(csec_buf *out, const csec_advisory *const *advs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        csec_buf_puts(out, i ? (i + 1 == n ? " and " : ", ") : "");
        csec_buf_puts(out, advs[i]->id);
    }
}

/* ", whose patched versions are >=0.3.0" when one advisory is involved and
 * it names patched versions: what RustSec names as the fix. */
static void named_fix(csec_buf *out, const csec_advice *adv)
{
    if (adv->nclears != 1 || adv->more || !adv->clears[0]->patched_count)
        return;
    csec_buf_puts(out, ", whose patched versions are ");
    csec__word_reqs(out, adv->clears[0]->patched, adv->clears[0]->patched_count, "");
}

void csec__word_advice(csec_buf *out, const csec_advice *adv, bool stale)
{
    switch (adv->kind) {
    case CSEC_ADVICE_NONE:
        return;
    case CSEC_ADVICE_REMOVE:
        csec_buf_puts(out, "No release is safe: ");
        clears_list(out, adv);
        csec_buf_puts(out, adv->nclears + adv->more == 1 ? " reports" : " report");
        csec_buf_puts(out, " malicious code in this crate; remove the dependency.");
        return;
    case CSEC_ADVICE_NO_RELEASE:
        csec_buf_puts(out, "No newer release");
        csec_buf_puts(out, csec__word_in_index(stale));
        csec_buf_puts(out, " clears ");
        clears_list(out, adv);
        named_fix(out, adv);
        csec_buf_putc(out, '.');
        return;
    case CSEC_ADVICE_CARET:
    case CSEC_ADVICE_BOUNDED:
        csec_buf_printf(out, "Minimum upgrade: %s, which resolves to %s; no release it allows",
                        adv->req, adv->resolves->vers);
        csec_buf_puts(out, csec__word_in_index(stale));
        csec_buf_puts(out, " is affected by ");
        clears_list(out, adv);
        if (adv->kind == CSEC_ADVICE_BOUNDED)
            csec_buf_printf(out, ". No caret requirement avoids %s: ^%s already allows %s, "
                                 "which is affected",
                            adv->nclears + adv->more == 1 ? "it" : "them", adv->lowest->vers,
                            adv->blocked->vers);
        csec_buf_putc(out, '.');
        return;
    }
}

/* ---- 7. data age ---- */

const char *csec__word_dep_section(int kind)
{
    switch (kind) {
    case CSEC_INDEX_DEP_BUILD:
        return "Build dependencies";
    case CSEC_INDEX_DEP_DEV:
        return "Development dependencies";
    default:
        return "Dependencies";
    }
}

const char *csec__word_in_index(bool stale)
{
    return stale ? " in this index" : "";
}

void csec__word_age(csec_buf *out, int64_t s)
{
    static const struct {
        int64_t seconds;
        const char *one, *many;
    } units[] = {
        {365 * 86400, "year", "years"}, {30 * 86400, "month", "months"}, {7 * 86400, "week", "weeks"},
        {86400, "day", "days"},         {3600, "hour", "hours"},         {60, "minute", "minutes"},
    };
    if (s < 60) {
        csec_buf_puts(out, "less than a minute old");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (s >= units[i].seconds) {
            int64_t n = s / units[i].seconds;
            csec_buf_printf(out, "%lld %s old", (long long)n, n == 1 ? units[i].one : units[i].many);
            return;
        }
    }
}

void csec__word_data_age(csec_buf *out, const csec_data_age *age, int64_t now)
{
    if (age->source == CSEC_AGE_UNKNOWN || age->time <= 0) {
        csec_buf_puts(out, "of unknown date");
        return;
    }
    char day[16];
    time_t t = (time_t)age->time;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    switch (age->source) {
    case CSEC_AGE_COMMIT:
        csec_buf_printf(out, "commit %.12s of %s", age->commit, day);
        break;
    case CSEC_AGE_PUBTIME:
        csec_buf_printf(out, "newest release published %s", day);
        break;
    default:
        csec_buf_printf(out, "files dated %s", day);
        break;
    }
    if (now <= 0)
        return;
    csec_buf_puts(out, " (");
    csec__word_age(out, now - age->time);
    csec_buf_putc(out, ')');
}

void csec__word_title_plain(csec_buf *out, const char *title)
{
    for (const char *p = title ? title : ""; *p; p++)
        if (*p != '`')
            csec_buf_putc(out, *p);
}
