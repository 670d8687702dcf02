/* audit.c - cargo-audit over a parsed Cargo.lock (spec §4.4-4.7): which
 * advisories each crates.io package hits, the exit status, and the three
 * report formats (cargo-audit's JSON, its terminal layout, SARIF 2.1.0). */
#include "advisory.h"
#include "json.h"
#include "lockfile.h"
#include "options.h"
#include "wording.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The report as the caller sees it, followed by what the writers need: the
 * settings, copied so the caller's option arrays need not outlive it. */
typedef struct report {
    csec_audit_report pub;
    csec_strlist ignore, arch, os;
    csec_severity severity;
    unsigned info; /* informational kinds reported */
    unsigned deny;
} report;

static csec_strlist copy_list(csec_strlist l)
{
    char **out = csec__xcalloc(l.count, sizeof *out);
    for (size_t i = 0; i < l.count; i++)
        out[i] = csec__xstrdup(l.items[i]);
    return (csec_strlist){(const char *const *)out, l.count};
}

static void free_list(csec_strlist l)
{
    for (size_t i = 0; i < l.count; i++)
        free((void *)(uintptr_t)l.items[i]);
    free((void *)(uintptr_t)l.items);
}

/* Query::crate_scope() plus the package, its version and source, the
 * severity threshold and the targets (spec §2.6), informational flag aside. */
static bool matches(const report *r, const csec_advisory *a, const csec_version *v)
{
    /* An advisory's source defaults to crates.io; one about another registry
     * never concerns a crates.io package. */
    if (a->source && !csec__lockfile_is_crates_io(a->source))
        return false;
    csec_query q = CSEC_QUERY_INIT;
    q.collection = CSEC_COLLECTION_CRATES;
    q.withdrawn = CSEC_NO;
    q.version = v;
    q.severity_threshold = r->severity;
    q.arch = r->arch.items;
    q.arch_count = r->arch.count;
    q.os = r->os.items;
    q.os_count = r->os.count;
    return csec_query_matches(&q, a);
}

static int warning_kind(csec_informational k)
{
    switch (k) {
    case CSEC_INFO_NOTICE:
        return CSEC_WARNING_NOTICE;
    case CSEC_INFO_UNMAINTAINED:
        return CSEC_WARNING_UNMAINTAINED;
    case CSEC_INFO_UNSOUND:
        return CSEC_WARNING_UNSOUND;
    case CSEC_INFO_NONE:
    case CSEC_INFO_OTHER:
        break;
    }
    return -1;
}

/* The finding kind csec_audit reports for `a` at `v`: -1 a vulnerability,
 * a warning kind, or -2 nothing. */
static int finding_kind(const report *r, const csec_advisory *a, const csec_version *v)
{
    if (!matches(r, a, v) || csec__strlist_has(&r->ignore, a->id))
        return -2;
    if (a->informational == CSEC_INFO_NONE)
        return -1;
    int kind = warning_kind(a->informational);
    if (kind < 0 || !(r->info & CSEC_WARNING_BIT(kind)))
        return -2;
    return kind;
}

typedef struct list {
    csec_audit_finding *items;
    size_t count, cap;
} list;

static void push(list *l, csec_audit_finding f)
{
    if (l->count == l->cap)
        l->items = csec__grow(l->items, &l->cap, 16, sizeof *l->items);
    l->items[l->count++] = f;
}

static int cmp_pkg(const void *x, const void *y)
{
    const csec_lock_package *a = *(const csec_lock_package *const *)x;
    const csec_lock_package *b = *(const csec_lock_package *const *)y;
    int r = strcmp(a->name, b->name);
    if (!r)
        r = csec_version_cmp(&a->version, &b->version);
    if (!r)
        r = strcmp(a->version_text, b->version_text);
    if (!r)
        r = strcmp(a->source, b->source); /* crates.io packages always have one */
    return r;
}

/* Spec §4.4 item 3: crates.io packages, deduplicated and sorted. */
static void check_yanked(report *r, const csec_lockfile *lf, const csec_audit_options *o, list *out)
{
    const csec_lock_package **pk = csec__xcalloc(lf->count, sizeof *pk);
    size_t n = 0;
    for (size_t i = 0; i < lf->count; i++)
        if (lf->pkgs[i].crates_io)
            pk[n++] = &lf->pkgs[i];
    qsort(pk, n, sizeof *pk, cmp_pkg);
    for (size_t i = 0; i < n; i++) {
        if (i && cmp_pkg(&pk[i - 1], &pk[i]) == 0)
            continue;
        int y = o->yanked(pk[i]->name, pk[i]->version_text, o->yanked_payload);
        if (y < 0)
            r->pub.yanked_unknown++;
        else if (y > 0)
            push(out, (csec_audit_finding){pk[i], NULL, CSEC_WARNING_YANKED,
                                           (r->deny & CSEC_WARNING_BIT(CSEC_WARNING_YANKED)) != 0});
    }
    free(pk);
}

/* The settings of `o` in `r`, the lists borrowed from `o` (csec_audit then
 * replaces them with copies). */
static void settle(report *r, const csec_audit_options *o)
{
    r->ignore = (csec_strlist){o->ignore, o->ignore_count};
    r->arch = (csec_strlist){o->target_arch, o->target_arch_count};
    r->os = (csec_strlist){o->target_os, o->target_os_count};
    r->severity = o->severity_threshold;
    const unsigned info_bits = CSEC_WARNING_BIT(CSEC_WARNING_NOTICE) |
                               CSEC_WARNING_BIT(CSEC_WARNING_UNMAINTAINED) |
                               CSEC_WARNING_BIT(CSEC_WARNING_UNSOUND);
    /* A denied informational kind is reported even when not listed (§4.1);
     * notices can never be denied (§4.5). */
    r->deny = o->deny & ~CSEC_WARNING_BIT(CSEC_WARNING_NOTICE);
    r->info = (o->informational_warnings | r->deny) & info_bits;
}

int csec_audit_classify(const csec_advisory *a, const csec_version *v,
                        const csec_audit_options *opts)
{
    csec_audit_options defaults = CSEC_AUDIT_OPTIONS_INIT;
    report r;
    memset(&r, 0, sizeof r);
    settle(&r, opts ? opts : &defaults);
    return finding_kind(&r, a, v);
}

int csec_audit(csec_audit_report **out, const csec_db *db, const csec_lockfile *lf,
               const csec_audit_options *opts, csec_diag *d)
{
    csec_audit_options defaults = CSEC_AUDIT_OPTIONS_INIT;
    const csec_audit_options *o = opts ? opts : &defaults;
    *out = NULL;
    if (csec__options_check(o->version, CSEC_AUDIT_OPTIONS_VERSION, "csec_audit_options", d) < 0)
        return CSEC_EINVAL;
    for (size_t i = 0; i < o->ignore_count; i++) {
        csec__id_kind kind;
        int year;
        if (csec__id_parse(&kind, &year, o->ignore[i], strlen(o->ignore[i]), d) < 0)
            return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "cannot ignore `%s`: %s", o->ignore[i],
                                  d ? d->msg : "");
    }
    report *r = csec__xcalloc(1, sizeof *r);
    r->pub.db = db;
    r->pub.lockfile = lf;
    settle(r, o);
    r->ignore = copy_list(r->ignore);
    r->arch = copy_list(r->arch);
    r->os = copy_list(r->os);

    list vulns = {NULL, 0, 0}, warns[CSEC_WARNING_KINDS] = {{NULL, 0, 0}};
    for (size_t i = 0; i < lf->count; i++) {
        const csec_lock_package *p = &lf->pkgs[i];
        if (!p->crates_io)
            continue;
        size_t n = 0;
        const csec_advisory *const *advs =
            csec_db_by_package(db, CSEC_COLLECTION_CRATES, p->name, &n);
        for (size_t k = 0; k < n; k++) {
            const csec_advisory *a = advs[k];
            int kind = finding_kind(r, a, &p->version);
            if (kind == -1)
                push(&vulns, (csec_audit_finding){p, a, -1, false});
            else if (kind >= 0)
                push(&warns[kind],
                     (csec_audit_finding){p, a, kind, (r->deny & CSEC_WARNING_BIT(kind)) != 0});
        }
    }
    if (o->yanked) {
        r->pub.yanked_checked = true;
        check_yanked(r, lf, o, &warns[CSEC_WARNING_YANKED]);
    }
    list all = {NULL, 0, 0};
    for (int k = 0; k < CSEC_WARNING_KINDS; k++) {
        for (size_t i = 0; i < warns[k].count; i++) {
            push(&all, warns[k].items[i]);
            if (warns[k].items[i].denied)
                r->pub.denied_count++;
        }
        free(warns[k].items);
    }
    r->pub.vulnerabilities = vulns.items;
    r->pub.vulnerabilities_count = vulns.count;
    r->pub.warnings = all.items;
    r->pub.warnings_count = all.count;
    *out = &r->pub;
    return 0;
}

void csec_audit_report_free(csec_audit_report *pub)
{
    if (!pub)
        return;
    report *r = (report *)pub;
    free((void *)pub->vulnerabilities);
    free((void *)pub->warnings);
    free_list(r->ignore);
    free_list(r->arch);
    free_list(r->os);
    free(r);
}

int csec_audit_status(const csec_audit_report *r)
{
    return r->vulnerabilities_count || r->denied_count ? 1 : 0;
}


/* ---------------------------------------------------------------- JSON */

/* "YYYY-MM-DD" in `s`, which it returns. */

static void j_metadata(csec__json *j, const csec_advisory *a)
{
    char date[16];
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", a->id);
    csec__json_key_str(j, "package", a->package);
    csec__json_key_str(j, "title", a->title ? a->title : "");
    csec__json_key_str(j, "description", a->description ? a->description : "");
    csec__json_key_str(j, "date", csec__word_date_text(date, a->date));
    csec__json_key(j, "aliases");
    csec__json_strlist(j, a->aliases);
    csec__json_key(j, "related");
    csec__json_strlist(j, a->related);
    csec__json_key_str(j, "collection", a->collection == CSEC_COLLECTION_RUST ? "rust" : "crates");
    csec__json_key(j, "categories");
    csec__json_strlist(j, a->categories);
    csec__json_key(j, "keywords");
    csec__json_strlist(j, a->keywords);
    csec__json_key_str(j, "cvss", a->cvss ? a->cvss->canonical : NULL);
    csec__json_key_str(j, "informational", a->informational_raw);
    csec__json_key(j, "references");
    csec__json_strlist(j, a->references);
    csec__json_key_str(j, "source", a->source);
    csec__json_key_str(j, "url", a->url);
    csec__json_key_str(j, "withdrawn",
                       a->withdrawn.year ? csec__word_date_text(date, a->withdrawn) : NULL);
    csec__json_key_str(j, "license", a->license ? a->license : "CC0-1.0");
    csec__json_key(j, "expect-deleted");
    csec__json_bool(j, a->expect_deleted);
    csec__json_object_end(j);
}

static void j_versions(csec__json *j, const csec_advisory *a)
{
    csec__json_object_begin(j);
    csec__json_key(j, "patched");
    csec__json_reqs(j, a->patched, a->patched_count);
    csec__json_key(j, "unaffected");
    csec__json_reqs(j, a->unaffected, a->unaffected_count);
    csec__json_object_end(j);
}

static void j_affected(csec__json *j, const csec_advisory *a)
{
    /* The loaded advisory does not tell an empty [affected] from a missing
     * one; both are written as null. */
    if (!a->arch.count && !a->os.count && !a->functions_count) {
        csec__json_null(j);
        return;
    }
    csec__json_object_begin(j);
    csec__json_key(j, "arch");
    csec__json_strlist(j, a->arch);
    csec__json_key(j, "os");
    csec__json_strlist(j, a->os);
    csec__json_key(j, "functions");
    csec__json_object_begin(j);
    for (size_t i = 0; i < a->functions_count; i++) {
        csec__json_key(j, a->functions[i].path);
        csec__json_reqs(j, a->functions[i].reqs, a->functions[i].count);
    }
    csec__json_object_end(j);
    csec__json_object_end(j);
}

static void j_dep(csec__json *j, const csec_lock_dep *dp)
{
    csec__json_object_begin(j);
    csec__json_key_str(j, "name", dp->name);
    csec__json_key_str(j, "version", dp->version);
    csec__json_key_str(j, "source", dp->source);
    csec__json_object_end(j);
}

static void j_package(csec__json *j, const csec_lock_package *p)
{
    csec__json_object_begin(j);
    csec__json_key_str(j, "name", p->name);
    csec__json_key_str(j, "version", p->version_text);
    csec__json_key_str(j, "source", p->source);
    csec__json_key_str(j, "checksum", p->checksum);
    if (p->deps_count) {
        csec__json_key(j, "dependencies");
        csec__json_array_begin(j);
        for (size_t i = 0; i < p->deps_count; i++)
            j_dep(j, &p->deps[i]);
        csec__json_array_end(j);
    }
    csec__json_key(j, "replace");
    if (p->replace)
        j_dep(j, p->replace);
    else
        csec__json_null(j);
    csec__json_object_end(j);
}

/* RFC 3339 in UTC in `out`, which it returns. */
static const char *format_time(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        snprintf(out, 32, "1970-01-01T00:00:00Z");
    else
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

static void j_info_list(csec__json *j, unsigned info)
{
    /* cargo-audit's default order: unmaintained, unsound, notice. */
    static const int order[] = {CSEC_WARNING_UNMAINTAINED, CSEC_WARNING_UNSOUND,
                                CSEC_WARNING_NOTICE};
    csec__json_array_begin(j);
    for (size_t i = 0; i < 3; i++)
        if (info & CSEC_WARNING_BIT(order[i]))
            csec__json_str(j, csec__word_warning_kind(order[i]));
    csec__json_array_end(j);
}

void csec_audit_write_json(csec_buf *out, const csec_audit_report *pub)
{
    const report *r = (const report *)pub;
    csec__json jw, *j = &jw;
    csec__json_init(j, out, false, 0);
    csec__json_object_begin(j);

    csec__json_key(j, "database");
    csec__json_object_begin(j);
    csec__json_key(j, "advisory-count");
    csec__json_uint(j, csec_db_total(pub->db));
    int64_t when = 0;
    const char *commit = csec_db_commit(pub->db, &when);
    char ts[32];
    csec__json_key_str(j, "last-commit", commit);
    csec__json_key_str(j, "last-updated", commit ? format_time(ts, when) : NULL);
    csec__json_object_end(j);

    csec__json_key(j, "lockfile");
    csec__json_object_begin(j);
    csec__json_key(j, "dependency-count");
    csec__json_uint(j, pub->lockfile->count);
    csec__json_object_end(j);

    csec__json_key(j, "settings");
    csec__json_object_begin(j);
    csec__json_key(j, "target_arch");
    csec__json_strlist(j, r->arch);
    csec__json_key(j, "target_os");
    csec__json_strlist(j, r->os);
    csec__json_key_str(j, "severity",
                       r->severity == CSEC_SEVERITY_NONE ? NULL : csec_severity_name(r->severity));
    csec__json_key(j, "ignore");
    csec__json_strlist(j, r->ignore);
    csec__json_key(j, "informational_warnings");
    j_info_list(j, r->info);
    csec__json_object_end(j);

    csec__json_key(j, "vulnerabilities");
    csec__json_object_begin(j);
    csec__json_key(j, "found");
    csec__json_bool(j, pub->vulnerabilities_count > 0);
    csec__json_key(j, "count");
    csec__json_uint(j, pub->vulnerabilities_count);
    csec__json_key(j, "list");
    csec__json_array_begin(j);
    for (size_t i = 0; i < pub->vulnerabilities_count; i++) {
        const csec_audit_finding *f = &pub->vulnerabilities[i];
        csec__json_object_begin(j);
        csec__json_key(j, "advisory");
        j_metadata(j, f->advisory);
        csec__json_key(j, "versions");
        j_versions(j, f->advisory);
        csec__json_key(j, "affected");
        j_affected(j, f->advisory);
        csec__json_key(j, "package");
        j_package(j, f->package);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    csec__json_object_end(j);

    csec__json_key(j, "warnings");
    csec__json_object_begin(j);
    for (size_t i = 0; i < pub->warnings_count; i++) {
        const csec_audit_finding *f = &pub->warnings[i];
        if (i == 0 || pub->warnings[i - 1].kind != f->kind) {
            if (i)
                csec__json_array_end(j);
            csec__json_key(j, csec__word_warning_kind(f->kind));
            csec__json_array_begin(j);
        }
        csec__json_object_begin(j);
        csec__json_key_str(j, "kind", csec__word_warning_kind(f->kind));
        csec__json_key(j, "package");
        j_package(j, f->package);
        /* A warning with no advisory (a yanked crate) has null for each. */
        static const struct {
            const char *key;
            void (*write)(csec__json *j, const csec_advisory *a);
        } parts[] = {{"advisory", j_metadata}, {"affected", j_affected}, {"versions", j_versions}};
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            csec__json_key(j, parts[k].key);
            if (f->advisory)
                parts[k].write(j, f->advisory);
            else
                csec__json_null(j);
        }
        csec__json_object_end(j);
    }
    if (pub->warnings_count)
        csec__json_array_end(j);
    csec__json_object_end(j);

    csec__json_object_end(j);
    csec_buf_putc(out, '\n');
}

/* ---------------------------------------------------------------- text */

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD_RED "\033[1;31m"
#define BOLD_YELLOW "\033[1;33m"
#define RESET "\033[0m"

typedef struct text {
    csec_buf *out;
    bool color;
    const char *hue; /* of the current finding's labels */
} text;

/* One "Label:    value" line (spec §4.7): the 10-column label, a space, the
 * value.  cargo-audit prints nothing after the label for an empty value,
 * not even the newline; kept, so that output compares line for line. */
static void attr(text *t, const char *label, const char *value)
{
    if (t->color)
        csec_buf_printf(t->out, "%s%-10s" RESET " ", t->hue, label);
    else
        csec_buf_printf(t->out, "%-10s ", label);
    if (value && *value) {
        csec__buf_put_printable(t->out, value, strlen(value));
        csec_buf_putc(t->out, '\n');
    }
}

/* "name version" of a lockfile package, a line of a dependency tree. */
static void package_line(csec_buf *out, const csec_lock_package *p)
{
    csec__buf_put_printable(out, p->name, strlen(p->name));
    csec_buf_putc(out, ' ');
    csec__buf_put_printable(out, p->version_text, strlen(p->version_text));
    csec_buf_putc(out, '\n');
}

static const char *id_url(csec_buf *b, const char *id)
{
    static const struct {
        const char *prefix, *url;
    } urls[] = {{"RUSTSEC-", "https://rustsec.org/advisories/"},
                {"GHSA-", "https://github.com/advisories/"},
                {"CVE-", "https://www.cve.org/CVERecord?id="},
                {"TALOS-", "https://www.talosintelligence.com/reports/"}};
    if (strcmp(id, "RUSTSEC-0000-0000") == 0)
        return NULL;
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        if (strncmp(id, urls[i].prefix, strlen(urls[i].prefix)) == 0) {
            csec_buf_clear(b);
            csec_buf_printf(b, "%s%s", urls[i].url, id);
            return b->ptr;
        }
    return NULL;
}

/* Spec §4.7 "allows a newer version": some candidate above `v` matches. */
static bool allows_newer(const csec_req *req, const csec_version *v)
{
    csec_version cand[3 + 3 * CSEC_REQ_MAX_COMPARATORS];
    size_t n = 0;
    csec_version base = {v->major, v->minor, v->patch, {"", 0}, {"", 0}};
    cand[n] = base, cand[n++].patch++;
    cand[n] = base, cand[n].minor++, cand[n++].patch = 0;
    cand[n] = base, cand[n].major++, cand[n].minor = 0, cand[n++].patch = 0;
    for (size_t i = 0; i < req->count && i < CSEC_REQ_MAX_COMPARATORS; i++) {
        const csec_comparator *c = &req->comparators[i];
        csec_version cv = {
            c->major, c->has_minor ? c->minor : 0, c->has_patch ? c->patch : 0, c->pre, {"", 0}};
        cand[n++] = cv;
        csec_version p1 = {cv.major, cv.minor, cv.patch + 1, {"", 0}, {"", 0}};
        cand[n++] = p1;
        csec_version m1 = {cv.major, cv.minor + 1, 0, {"", 0}, {"", 0}};
        cand[n++] = m1;
    }
    for (size_t i = 0; i < n; i++)
        if (csec_version_cmp(&cand[i], v) > 0 && csec_req_matches(req, &cand[i]))
            return true;
    return false;
}

static void solution(csec_buf *b, const csec_advisory *a, const csec_version *v)
{
    csec_buf_clear(b);
    if (a->patched_count) {
        csec_buf_puts(b, "Upgrade to ");
        for (size_t i = 0; i < a->patched_count; i++) {
            if (i)
                csec_buf_puts(b, " OR ");
            csec_req_write(b, a->patched[i]);
        }
        csec_buf_puts(b, " (patched)");
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < a->unaffected_count; i++) {
        if (!allows_newer(a->unaffected[i], v))
            continue;
        csec_buf_puts(b, shown++ ? " OR " : "Upgrade to ");
        csec_req_write(b, a->unaffected[i]);
    }
    if (shown)
        csec_buf_puts(b, " (unaffected)");
    else
        csec_buf_puts(b, "No fixed upgrade is available!");
}

static void via(csec_buf *b, const csec_lockfile *lf, const csec_lock_package *p)
{
    size_t nodes = csec__lockfile_nodes(lf); /* a chain holds each package once at most */
    const csec_lock_package **chain = csec__xcalloc(nodes, sizeof *chain);
    size_t n = csec_lockfile_path(lf, p, chain, nodes);
    csec_buf_clear(b);
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_puts(b, " -> ");
        /* A chain of hundreds of crates is shown by its two ends. */
        if (n > 64 && i == 32) {
            csec_buf_printf(b, "... (%zu more) -> ", n - 64);
            i = n - 32;
        }
        csec_buf_printf(b, "%s %s", chain[i]->name, chain[i]->version_text);
    }
    free(chain);
}

/* cargo-audit's reverse dependency tree (spec §4.7), walked with an explicit
 * stack: a package seen before in this tree is shown without its
 * dependents; dependents newest edge first (reverse file order). */
static void tree(csec_buf *out, const csec_lockfile *lf, const csec_lock_package *p)
{
    size_t nodes = csec__lockfile_nodes(lf);
    size_t start = (size_t)(p - lf->pkgs);
    bool *seen = csec__xcalloc(nodes, sizeof *seen);
    typedef struct frame {
        size_t node, next; /* next edge to visit, counting down */
    } frame;
    frame *st = csec__xmalloc(csec__mul(nodes + 1, sizeof *st));
    bool *last = csec__xcalloc(nodes + 1, sizeof *last);
    size_t depth = 0;
    package_line(out, p);
    seen[start] = true;
    st[0] = (frame){start, lf->rev_start[start + 1]};
    for (;;) {
        frame *f = &st[depth];
        if (f->next == lf->rev_start[f->node]) {
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        size_t w = lf->rev[--f->next];
        bool is_last = f->next == lf->rev_start[f->node];
        for (size_t k = 1; k <= depth; k++)
            csec_buf_puts(out, last[k] ? "    " : "\xe2\x94\x82   ");
        csec_buf_puts(out, is_last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 "
                                   : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 ");
        package_line(out, &lf->pkgs[w]);
        if (seen[w])
            continue;
        seen[w] = true;
        depth++;
        last[depth] = is_last;
        st[depth] = (frame){w, lf->rev_start[w + 1]};
    }
    free(st);
    free(last);
    free(seen);
}

static void severity_text(csec_buf *b, const csec_cvss *c)
{
    char num[32];
    snprintf(num, sizeof num, "%.1f", c->score);
    size_t l = strlen(num);
    if (l > 2 && strcmp(num + l - 2, ".0") == 0)
        num[l - 2] = '\0';
    csec_buf_clear(b);
    csec_buf_printf(b, "%s (%s)", num, csec_severity_name(c->severity));
}

static void finding_text(text *t, const csec_audit_report *r, const csec_audit_finding *f,
                         bool show_tree, bool *shown, csec_buf *tmp)
{
    const csec_advisory *a = f->advisory;
    t->hue = f->kind < 0 || f->denied ? RED : YELLOW;
    attr(t, "Crate:", f->package->name);
    attr(t, "Version:", f->package->version_text);
    if (f->kind >= 0)
        attr(t, "Warning:", csec__word_warning_kind(f->kind));
    if (a) {
        char date[16];
        attr(t, "Title:", a->title);
        attr(t, "Date:", csec__word_date_text(date, a->date));
        attr(t, "ID:", a->id);
        const char *url;
        if (a->license && strcmp(a->license, "CC-BY-4.0") == 0)
            url = a->url ? a->url : id_url(tmp, a->id);
        else
            url = id_url(tmp, a->id) ? tmp->ptr : a->url;
        if (url)
            attr(t, "URL:", url);
        if (a->cvss) {
            severity_text(tmp, a->cvss);
            attr(t, "Severity:", tmp->ptr);
        }
        if (f->kind < 0) {
            solution(tmp, a, &f->package->version);
            attr(t, "Solution:", tmp->ptr);
        }
    }
    via(tmp, r->lockfile, f->package);
    attr(t, "Via:", tmp->ptr);
    size_t idx = (size_t)(f->package - r->lockfile->pkgs);
    if (show_tree && !shown[idx]) {
        shown[idx] = true;
        if (t->color)
            csec_buf_printf(t->out, "%sDependency tree:" RESET "\n", t->hue);
        else
            csec_buf_puts(t->out, "Dependency tree:\n");
        tree(t->out, r->lockfile, f->package);
    }
    csec_buf_putc(t->out, '\n');
}

void csec_audit_write_text(csec_buf *out, csec_buf *err, const csec_audit_report *r, unsigned flags)
{
    text t = {out, (flags & CSEC_AUDIT_TEXT_COLOR) != 0, RED};
    bool show_tree = !(flags & CSEC_AUDIT_TEXT_NO_TREE);
    bool *shown = csec__xcalloc(csec__lockfile_nodes(r->lockfile) + 1, sizeof *shown);
    csec_buf tmp = CSEC_BUF_INIT;
    for (size_t i = 0; i < r->vulnerabilities_count; i++)
        finding_text(&t, r, &r->vulnerabilities[i], show_tree, shown, &tmp);
    for (size_t i = 0; i < r->warnings_count; i++)
        finding_text(&t, r, &r->warnings[i], show_tree, shown, &tmp);
    const char *er = t.color ? BOLD_RED "error:" RESET : "error:";
    const char *wa = t.color ? BOLD_YELLOW "warning:" RESET : "warning:";
    size_t nv = r->vulnerabilities_count, nd = r->denied_count;
    size_t na = r->warnings_count - nd;
    if (nv)
        csec_buf_printf(err, "%s %zu %s found!\n", er, nv,
                        nv == 1 ? "vulnerability" : "vulnerabilities");
    if (nd)
        csec_buf_printf(err, "%s %zu denied warning%s found!\n", er, nd, nd == 1 ? "" : "s");
    if (na)
        csec_buf_printf(out, "%s %zu allowed warning%s found\n", wa, na, na == 1 ? "" : "s");
    csec_buf_free(&tmp);
    free(shown);
}

/* ---------------------------------------------------------------- SARIF */

/* The rule of a finding: its advisory id, or "yanked". */
static const char *rule_id(const csec_audit_finding *f)
{
    return f->advisory ? f->advisory->id : "yanked";
}

static const char *sarif_level(const csec_audit_finding *f)
{
    if (f->kind < 0 || f->denied)
        return "error";
    return f->kind == CSEC_WARNING_NOTICE ? "note" : "warning";
}

static void sarif_rule(csec__json *j, const csec_audit_finding *f, csec_buf *tmp)
{
    const csec_advisory *a = f->advisory;
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", rule_id(f));
    csec__json_key(j, "shortDescription");
    csec__json_object_begin(j);
    csec__json_key_str(j, "text",
                       a ? (a->title && *a->title ? a->title : a->id) : "yanked crate version");
    csec__json_object_end(j);
    csec__json_key(j, "fullDescription");
    csec__json_object_begin(j);
    csec__json_key(j, "text");
    csec__json_str(j, a ? (a->description && *a->description ? a->description : a->id)
                        : "The crate version was yanked from crates.io.");
    csec__json_object_end(j);
    if (a) {
        const char *url = id_url(tmp, a->id);
        csec__json_key_str(j, "helpUri", url ? url : a->url);
        csec__json_key(j, "help");
        csec__json_object_begin(j);
        csec__json_key(j, "text");
        if (f->kind < 0) {
            solution(tmp, a, &f->package->version);
            csec__json_str(j, tmp->ptr);
        } else {
            csec__json_str(j, a->title ? a->title : a->id);
        }
        csec__json_object_end(j);
    }
    csec__json_key(j, "defaultConfiguration");
    csec__json_object_begin(j);
    csec__json_key_str(j, "level", sarif_level(f));
    csec__json_object_end(j);
    csec__json_key(j, "properties");
    csec__json_object_begin(j);
    csec__json_key(j, "tags");
    csec__json_array_begin(j);
    csec__json_str(j, f->kind < 0 ? "security" : csec__word_warning_kind(f->kind));
    if (a)
        for (size_t i = 0; i < a->categories.count; i++)
            csec__json_str(j, a->categories.items[i]);
    csec__json_array_end(j);
    if (a && a->cvss) {
        /* GitHub code scanning reads the CVSS score as a string. */
        char num[16];
        snprintf(num, sizeof num, "%.1f", a->cvss->score);
        csec__json_key_str(j, "security-severity", num);
    }
    csec__json_object_end(j);
    csec__json_object_end(j);
}

static const csec_audit_finding *finding_at(const csec_audit_report *r, size_t i)
{
    return i < r->vulnerabilities_count ? &r->vulnerabilities[i]
                                        : &r->warnings[i - r->vulnerabilities_count];
}

void csec_audit_write_sarif(csec_buf *out, const csec_audit_report *r, const char *lockfile_uri)
{
    size_t n = r->vulnerabilities_count + r->warnings_count, nrules = 0;
    size_t *rule_of = csec__xcalloc(n, sizeof *rule_of);
    size_t *first = csec__xcalloc(n, sizeof *first); /* finding defining rule k */
    csec_buf tmp = CSEC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *id = rule_id(finding_at(r, i));
        size_t k = 0;
        while (k < nrules && strcmp(rule_id(finding_at(r, first[k])), id) != 0)
            k++;
        if (k == nrules)
            first[nrules++] = i;
        rule_of[i] = k;
    }
    csec__json jw, *j = &jw;
    csec__json_init(j, out, true, 0);
    csec__json_object_begin(j);
    csec__json_key_str(j, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    csec__json_key_str(j, "version", "2.1.0");
    csec__json_key(j, "runs");
    csec__json_array_begin(j);
    csec__json_object_begin(j);
    csec__json_key(j, "tool");
    csec__json_object_begin(j);
    csec__json_key(j, "driver");
    csec__json_object_begin(j);
    csec__json_key_str(j, "name", "cratesec");
    csec__json_key_str(j, "version", csec_version_string());
    csec__json_key_str(j, "informationUri", "https://rustsec.org/");
    csec__json_key(j, "rules");
    csec__json_array_begin(j);
    for (size_t k = 0; k < nrules; k++)
        sarif_rule(j, finding_at(r, first[k]), &tmp);
    csec__json_array_end(j);
    csec__json_object_end(j);
    csec__json_object_end(j);

    csec__json_key(j, "results");
    csec__json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        const csec_audit_finding *f = finding_at(r, i);
        const csec_lock_package *p = f->package;
        csec__json_object_begin(j);
        csec__json_key_str(j, "ruleId", rule_id(f));
        csec__json_key(j, "ruleIndex");
        csec__json_uint(j, rule_of[i]);
        csec__json_key_str(j, "level", sarif_level(f));
        csec__json_key(j, "message");
        csec__json_object_begin(j);
        csec__json_key(j, "text");
        csec_buf msg = CSEC_BUF_INIT;
        if (f->advisory)
            csec_buf_printf(&msg, "%s %s: %s (%s%s%s)", p->name, p->version_text,
                            f->advisory->title ? f->advisory->title : "", f->advisory->id,
                            f->kind < 0 ? "" : ", ", f->kind < 0 ? "" : csec__word_warning_kind(f->kind));
        else
            csec_buf_printf(&msg, "%s %s is yanked", p->name, p->version_text);
        via(&tmp, r->lockfile, p);
        csec_buf_printf(&msg, "; via %s", tmp.ptr);
        csec__json_strn(j, msg.ptr, msg.len);
        csec_buf_free(&msg);
        csec__json_object_end(j);
        csec__json_key(j, "locations");
        csec__json_array_begin(j);
        csec__json_object_begin(j);
        csec__json_key(j, "physicalLocation");
        csec__json_object_begin(j);
        csec__json_key(j, "artifactLocation");
        csec__json_object_begin(j);
        csec__json_key_str(j, "uri", lockfile_uri ? lockfile_uri : "Cargo.lock");
        csec__json_object_end(j);
        csec__json_key(j, "region");
        csec__json_object_begin(j);
        csec__json_key(j, "startLine");
        csec__json_uint(j, p->line ? p->line : 1);
        csec__json_object_end(j);
        csec__json_object_end(j);
        csec__json_object_end(j);
        csec__json_array_end(j);
        csec__json_key(j, "partialFingerprints");
        csec__json_object_begin(j);
        csec__json_key(j, "cratesec/finding/v1");
        csec_buf_clear(&tmp);
        csec_buf_printf(&tmp, "%s:%s:%s", rule_id(f), p->name, p->version_text);
        csec__json_strn(j, tmp.ptr, tmp.len);
        csec__json_object_end(j);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    csec__json_object_end(j);
    csec__json_array_end(j);
    csec__json_object_end(j);
    csec_buf_putc(out, '\n');
    csec_buf_free(&tmp);
    free(rule_of);
    free(first);
}
