/* security.c - what the site says about the security of one crate version,
 * decided once for every place that shows it: the crate page's Security tab
 * (page_crate.c), its JSON form (api_security.c), the badge (page_badge.c)
 * and, for the crate lookup, the crate's feed (page_feed.c).  Each of those
 * only words the decisions made here, so they cannot disagree about which
 * crate a URL names, which version is meant, which advisories affect it, why
 * the others do not, how many there are or in what order they come.
 */
#include "registry.h"
#include "security.h"

#include "crate_name.h"
#include "index.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The package of `e` that is `url_name` under crates.io's rules (the
 * database's spelling, owned by it). */
static const char *load_error_name(const csec_db_error *e, const char *url_name)
{
    size_t n = strlen(url_name);
    if (e->other_package && !csec__crate_name_eq(e->package, strlen(e->package), url_name, n) &&
        csec__crate_name_eq(e->other_package, strlen(e->other_package), url_name, n))
        return e->other_package;
    return e->package;
}

bool srv_crate_find(const srv_site *s, const char *url_name, srv_crate *out)
{
    memset(out, 0, sizeof *out);
    out->ic = srv_index_crate(s, url_name);
    /* Advisories are filed under the name their authors spelled; crates.io
     * treats case and '-'/'_' as the same, so the index's spelling is tried
     * first and then the URL's. */
    const char *pkg = srv_site_package(s, out->ic ? out->ic->name : url_name);
    if (!pkg && out->ic)
        pkg = srv_site_package(s, url_name);
    out->name = out->ic ? out->ic->name : pkg;
    out->load_error = csec_db_package_error(s->db, CSEC_COLLECTION_CRATES,
                                            out->name ? out->name : url_name);
    /* A crate whose only advisory files failed to load is known all the
     * same: "no such crate" would hide them (fail closed). */
    if (!out->name && out->load_error)
        out->name = load_error_name(out->load_error, url_name);
    if (!out->name)
        return false;
    if (pkg)
        out->advs = csec_db_by_package(s->db, CSEC_COLLECTION_CRATES, pkg, &out->nadv);
    return true;
}

/* The newest release that is not yanked, then the newest prerelease, then
 * anything: what a visitor most likely uses. */
static const csec_index_version *default_version(const csec_index_crate *c)
{
    const csec_index_version *v = csec__index_newest(c, false, false);
    if (!v)
        v = csec__index_newest(c, false, true);
    if (!v)
        v = csec__index_newest(c, true, true);
    return v;
}

/* The published spelling first; then SemVer equality, so "1.0" style
 * spellings that parse to a published version still find it. */
static const csec_index_version *find_version(const csec_index_crate *c, const char *text)
{
    for (size_t i = 0; i < c->versions_count; i++)
        if (strcmp(c->versions[i].vers, text) == 0)
            return &c->versions[i];
    csec_version want;
    if (csec_version_parse(&want, text, strlen(text), NULL) < 0)
        return NULL;
    for (size_t i = 0; i < c->versions_count; i++)
        if (csec_version_cmp(&c->versions[i].version, &want) == 0)
            return &c->versions[i];
    return NULL;
}

int srv_crate_version(const srv_crate *c, const char *text, srv_sel *out)
{
    memset(out, 0, sizeof *out);
    if (c->ic) {
        out->iv = text ? find_version(c->ic, text) : default_version(c->ic);
        if (!out->iv)
            return text ? -1 : 1;
        out->v = out->iv->version;
        out->text = out->iv->vers;
        return 0;
    }
    if (!text)
        return 1;
    size_t len = strlen(text);
    if (len >= sizeof out->buf)
        return -1;
    /* Parsed from our own copy: the version points into the text it was
     * parsed from, and the request's text does not outlive the request. */
    memcpy(out->buf, text, len + 1);
    if (csec_version_parse(&out->v, out->buf, len, NULL) < 0)
        return -1;
    out->text = out->buf;
    return 0;
}

/* The three groups: counting against the version, notices that apply,
 * the others. */
static int group(const csec_verdict *v)
{
    return v->affects ? (v->counts ? 0 : 1) : 2;
}

/* Order inside a group: vulnerabilities (malicious code included), unsound,
 * notices, other informational kinds, then unmaintained (context last);
 * newest first within a kind, then id descending so the order is total. */
static int kind_rank(const csec_advisory *a)
{
    switch (a->informational) {
    case CSEC_INFO_NONE:
        return 0;
    case CSEC_INFO_UNSOUND:
        return 1;
    case CSEC_INFO_NOTICE:
        return 2;
    case CSEC_INFO_UNMAINTAINED:
        return 4;
    default:
        return 3;
    }
}

static long date_key(csec_date d)
{
    return d.year * 10000L + d.month * 100L + d.day;
}

static int cmp_verdict(const void *x, const void *y)
{
    const csec_verdict *p = x, *q = y;
    int gp = group(p), gq = group(q);
    if (gp != gq)
        return gp - gq;
    int ka = kind_rank(p->a), kb = kind_rank(q->a);
    if (ka != kb)
        return ka - kb;
    long da = date_key(p->a->date), db = date_key(q->a->date);
    if (da != db)
        return da < db ? 1 : -1;
    return strcmp(q->a->id, p->a->id);
}

void srv_security_of(srv_security *out, const srv_crate *c, const csec_version *sel)
{
    const csec_advisory *const *advs = c->advs;
    size_t n = c->nadv;
    memset(out, 0, sizeof *out);
    out->incomplete = c->load_error;
    out->items = csec__xcalloc(n + 1, sizeof *out->items);
    out->withdrawn = csec__xcalloc(n + 1, sizeof *out->withdrawn);
    for (size_t i = 0; i < n; i++) {
        const csec_advisory *a = advs[i];
        if (a->withdrawn.year) {
            out->withdrawn[out->nwithdrawn++] = a;
            continue;
        }
        csec_verdict *it = &out->items[out->count++];
        csec__word_verdict(it, a, sel);
        out->affected += it->affects && it->counts;
        out->notices += it->affects && !it->counts;
    }
    qsort(out->items, out->count, sizeof *out->items, cmp_verdict);
}

void srv_security_free(srv_security *sec)
{
    free(sec->items);
    free(sec->withdrawn);
    memset(sec, 0, sizeof *sec);
}
