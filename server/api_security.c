/* api_security.c - GET /api/v1/crates/NAME/VERSION/security: the Security tab
 * of one crate version as data.
 *
 * The same decisions as the tab (srv_security_of in security.c, which
 * page_crate.c and page_badge.c use too) and the same words (lib/wording.h):
 * every non-withdrawn advisory of the crate with whether VERSION lies in its
 * affected ranges and, when it does not, why (listed as unaffected, fixed in
 * X, affected versions start at X, outside the ranges); those that count
 * against it first (vulnerabilities, malicious code, unsound: wording rule
 * 2), then the notices that apply, then the others, by kind and newest
 * first; withdrawn advisories only by id.  `affected` and `affected_count`
 * count only what counts, as the tab's highlight does.  Each advisory
 * carries its ranges, patched and unaffected requirements and the affected
 * functions that apply to VERSION.  `upgrade` is the minimum upgrade that
 * clears what counts against VERSION (lib/deps.h), with an index.
 * `advisories_complete` is false, with `load_error` (the file inside the
 * database and its problem) and `load_error_text`, when some of the crate's
 * advisory files could not be loaded: then the list may be incomplete and
 * an empty `advisories` or a false `affected` is not a clean verdict.
 *
 * NAME follows crates.io's rules (case and '-'/'_' insensitive; the answer
 * gives the canonical name).  VERSION must be a published version when the
 * registry index knows the crate, else any SemVer version.  With an index,
 * "dependencies" lists, for each dependency of VERSION that has advisories,
 * how many of the non-yanked releases its requirement allows are affected,
 * and the advice when the release it resolves to is affected; without one
 * it is null.
 */
#include "api.h"
#include "registry.h"
#include "security.h"

#include "deps.h"
#include "html.h"
#include "index.h"
#include "json.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_reqs(csec__json *j, const char *key, const csec_req *const *reqs, size_t n)
{
    csec__json_key(j, key);
    csec__json_reqs(j, reqs, n);
}

/* The verdict: a code, a sentence (lib/wording.h rule 5) and the version or
 * requirement behind it. */
static void write_reason(csec__json *j, const csec_verdict *it, const char *sel_text,
                         const csec_index_crate *published)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__json_key_str(j, "reason", csec__word_verdict_code(it));
    csec__word_verdict_text(&t, it, sel_text, published);
    csec__json_key(j, "reason_text");
    csec__json_strn(j, t.ptr, t.len);
    csec__json_key(j, "reason_version");
    if (it->req) {
        csec_buf_clear(&t);
        csec__word_req(&t, it->req);
        csec__json_strn(j, t.ptr, t.len);
    } else {
        csec__json_version(j, it->ver);
    }
    csec_buf_free(&t);
}

/* The upgrade advice (lib/deps.h) as an object, or null. */
static void write_advice(csec__json *j, const csec_advice *adv, bool stale)
{
    if (adv->kind == CSEC_ADVICE_NONE) {
        csec__json_null(j);
        return;
    }
    csec__json_object_begin(j);
    csec__json_key_str(j, "kind", csec__advice_kind_name(adv->kind));
    csec__json_key_str(j, "requirement", adv->req[0] ? adv->req : NULL);
    csec__json_key_str(j, "resolves_to", adv->resolves ? adv->resolves->vers : NULL);
    csec_buf t = CSEC_BUF_INIT;
    csec__word_advice(&t, adv, stale);
    csec__json_key(j, "text");
    csec__json_strn(j, t.ptr, t.len);
    csec_buf_free(&t);
    csec__json_object_end(j);
}

static void add_function(const char *path, void *payload)
{
    csec__json_str(payload, path);
}

static void write_advisory(csec__json *j, const csec_verdict *it, const csec_version *sel,
                           const char *sel_text, const csec_index_crate *published)
{
    const csec_advisory *a = it->a;
    char date[16];
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", a->id);
    csec__json_key_str(j, "kind", csec__word_kind_type(a));
    csec__json_key_str(j, "title", a->title ? a->title : "");
    csec__json_key_str(j, "date", csec__word_date_text(date, a->date));
    csec__json_key(j, "aliases");
    csec__json_strlist(j, a->aliases);
    csec__json_key(j, "cvss");
    if (a->cvss) {
        csec__json_object_begin(j);
        csec__json_key_str(j, "vector", a->cvss->canonical);
        csec__json_key(j, "score");
        csec__json_double(j, a->cvss->score);
        csec__json_key_str(j, "severity", csec_severity_name(a->cvss->severity));
        csec__json_object_end(j);
    } else {
        csec__json_null(j);
    }
    csec__json_key(j, "affected");
    csec__json_bool(j, it->affects);
    write_reason(j, it, sel_text, published);
    csec__json_key(j, "ranges");
    csec__json_array_begin(j);
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        csec__json_object_begin(j);
        csec__json_key(j, "introduced");
        csec__json_version(j, iv->has_introduced ? &iv->introduced : NULL);
        csec__json_key(j, "fixed");
        csec__json_version(j, iv->has_fixed ? &iv->fixed : NULL);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    json_reqs(j, "patched", a->patched, a->patched_count);
    json_reqs(j, "unaffected", a->unaffected, a->unaffected_count);
    csec__json_key(j, "functions");
    csec__json_array_begin(j);
    csec_advisory_functions_for(a, sel, add_function, j);
    csec__json_array_end(j);
    csec__json_key(j, "os");
    csec__json_strlist(j, a->os);
    csec__json_key(j, "arch");
    csec__json_strlist(j, a->arch);
    csec_buf t = CSEC_BUF_INIT;
    csec_buf_printf(&t, "/advisories/%s", a->id);
    csec__json_key_str(j, "url", t.ptr);
    csec_buf_clear(&t);
    csec_buf_printf(&t, "/v1/vulns/%s", a->id);
    csec__json_key_str(j, "osv", t.ptr);
    csec__json_object_end(j);
    csec_buf_free(&t);
}

/* One dependency's findings: the non-withdrawn advisories that affect some
 * non-yanked release its requirement allows.  Writes nothing when none. */
static void write_dep(csec__json *j, const srv_site *s, const csec_index_dep *d)
{
    const char *pkg = d->registry ? NULL : srv_site_package(s, d->name);
    const csec_index_crate *dc = pkg ? srv_index_crate(s, d->name) : NULL;
    csec_req *req = NULL;
    if (!dc || csec_req_parse(&req, d->req, strlen(d->req), NULL) < 0)
        return;
    size_t n = 0;
    const csec_advisory *const *advs = csec_db_by_package(s->db, CSEC_COLLECTION_CRATES, pkg, &n);
    bool open = false;
    for (size_t k = 0; k < n; k++) {
        const csec_advisory *a = advs[k];
        if (a->withdrawn.year)
            continue;
        size_t matching = 0, affected = 0;
        for (size_t i = 0; i < dc->versions_count; i++) {
            const csec_index_version *x = &dc->versions[i];
            if (x->yanked || !csec_req_matches(req, &x->version))
                continue;
            matching++;
            affected += csec_advisory_affects(a, &x->version);
        }
        if (!affected)
            continue;
        if (!open) {
            open = true;
            csec__json_object_begin(j);
            csec__json_key_str(j, "name", dc->name);
            csec__deps_json_dep(j, d);
            csec__json_key(j, "advisories");
            csec__json_array_begin(j);
        }
        csec__json_object_begin(j);
        csec__json_key_str(j, "id", a->id);
        csec__json_key_str(j, "kind", csec__word_kind_type(a));
        csec__json_key(j, "matching_versions");
        csec__json_uint(j, matching);
        csec__json_key(j, "affected_versions");
        csec__json_uint(j, affected);
        csec__json_key(j, "all_affected");
        csec__json_bool(j, affected == matching);
        csec__json_object_end(j);
    }
    if (open) {
        csec__json_array_end(j);
        /* The release Cargo picks, and the way out when it is affected. */
        const csec_index_version *newest = NULL;
        for (size_t i = dc->versions_count; i-- > 0 && !newest;)
            if (!dc->versions[i].yanked && csec_req_matches(req, &dc->versions[i].version))
                newest = &dc->versions[i];
        csec_advice adv;
        memset(&adv, 0, sizeof adv);
        if (newest)
            csec__deps_advice(&adv, s->db, dc, &newest->version, false);
        csec__json_key(j, "advice");
        write_advice(j, &adv, html_index_stale(s));
        csec__json_object_end(j);
    }
    csec_req_free(req);
}

static void security_body(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    const char *ver = r->seg[4];
    srv_crate c;
    if (!srv_crate_find(s, r->seg[3], &c)) {
        if (srv_index_unavailable(s, r->seg[3], NULL, 0))
            api_error(resp, 503, API_ERR_UNAVAILABLE,
                      "The registry index could not be asked about this crate; try again later.");
        else
            api_error(resp, 404, API_ERR_NOT_FOUND,
                      "No such crate in the registry index or the advisory database.");
        return;
    }
    srv_sel sel;
    if (srv_crate_version(&c, ver, &sel) != 0) {
        /* With an index the version must be published; without one it
         * only has to be SemVer. */
        if (c.ic)
            api_error(resp, 404, API_ERR_NOT_FOUND, "The registry index has no such version.");
        else
            api_error(resp, 400, API_ERR_INVALID, "The version is not a SemVer version.");
        return;
    }
    srv_security sec;
    srv_security_of(&sec, &c, &sel.v);

    resp->status = 200;
    csec__json jw;
    csec__json *j = &jw;
    csec__json_init(j, &resp->body, true, 0);
    csec__json_object_begin(j);
    csec__json_key_str(j, "crate", c.name);
    csec__json_key_str(j, "version", sel.text);
    csec__json_key(j, "in_index");
    csec__json_bool(j, c.ic != NULL);
    csec__json_key(j, "yanked");
    if (sel.iv)
        csec__json_bool(j, sel.iv->yanked);
    else
        csec__json_null(j);
    csec__json_key(j, "affected");
    csec__json_bool(j, sec.affected > 0);
    csec__json_key(j, "affected_count");
    csec__json_uint(j, sec.affected);
    /* Fail closed (lib/wording.h rule 9): a crate whose advisory files did
     * not all load is never reported as complete. */
    csec__json_key(j, "advisories_complete");
    csec__json_bool(j, !sec.incomplete);
    csec__json_key(j, "load_error");
    if (sec.incomplete) {
        csec_buf t = CSEC_BUF_INIT;
        csec__word_load_error(&t, sec.incomplete);
        csec__json_strn(j, t.ptr, t.len);
        csec_buf_clear(&t);
        csec__word_incomplete(&t, sec.incomplete, NULL);
        csec__json_key(j, "load_error_text");
        csec__json_strn(j, t.ptr, t.len);
        csec_buf_free(&t);
    } else {
        csec__json_null(j);
        csec__json_key(j, "load_error_text");
        csec__json_null(j);
    }
    csec_advice adv;
    memset(&adv, 0, sizeof adv);
    if (c.ic && sec.affected)
        csec__deps_advice(&adv, s->db, c.ic, &sel.v, false);
    csec__json_key(j, "upgrade");
    write_advice(j, &adv, html_index_stale(s));
    csec__json_key(j, "advisories");
    csec__json_array_begin(j);
    for (size_t i = 0; i < sec.count; i++)
        write_advisory(j, &sec.items[i], &sel.v, sel.text, c.ic);
    csec__json_array_end(j);
    csec__json_key(j, "withdrawn");
    csec__json_array_begin(j);
    for (size_t i = 0; i < sec.nwithdrawn; i++)
        csec__json_str(j, sec.withdrawn[i]->id);
    csec__json_array_end(j);
    csec__json_key(j, "dependencies");
    if (sel.iv) {
        csec__json_array_begin(j);
        for (uint32_t i = 0; i < sel.iv->deps_count; i++)
            write_dep(j, s, sel.iv->deps[i]);
        csec__json_array_end(j);
    } else {
        csec__json_null(j);
    }
    csec__json_object_end(j);
    srv_security_free(&sec);
}

void api_security(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, false))
        security_body(r, resp);
    api_finish(r, resp, true);
}
