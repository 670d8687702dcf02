/* api_audit.c - the audit as an API, for CI:
 *
 *   POST /api/v1/audit      body: the Cargo.lock itself (any content type), or
 *                           a multipart form with `lockfile` and optionally
 *                           `manifest` (Cargo.toml).  Answers cargo-audit's
 *                           JSON report, exactly what `cratesec audit --json`
 *                           prints, or with `Accept: application/sarif+json`
 *                           the SARIF log of `cratesec audit --format sarif`.
 *   GET  /api/v1/audit/ID   a stored report, evaluated again now (JSON, or
 *                           SARIF by Accept or ?format=sarif).
 *
 * A lockfile that cannot be read is a 400 (413 beyond the limits) with
 * {"code": 3, "message": "...", "file": "Cargo.lock", "line": L, "column": C}
 * (osv.dev's error shape, with the position).  When some advisories of the
 * lockfile's crates did not load, the answer is a 503 naming the crate and
 * the file (`cratesec audit` exits 1), unless `?lenient=true` asks for the
 * report of what did load.  The report is kept when the state allows; its
 * page (which says what did not load) is named in a Link header.
 */
#include "api.h"
#include "form.h"
#include "page_state.h"
#include "util.h"
#include "watch_service.h"
#include "wording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether the client asks for SARIF. */
static bool wants_sarif(const srv_req *r)
{
    const char *accept = srv_header(r, "Accept");
    const char *fmt = srv_query(r, "format");
    return (accept && strcasestr(accept, "application/sarif+json")) ||
           (fmt && strcmp(fmt, "sarif") == 0);
}

void api_audit_error(srv_resp *resp, const srv_audit *au)
{
    csec_buf msg = CSEC_BUF_INIT;
    srv_audit_error_text(&msg, au);
    resp->status = au->status;
    csec_buf_clear(&resp->body);
    csec_buf_printf(&resp->body, "{\"code\":%d,\"message\":", API_ERR_INVALID);
    csec_json_string(&resp->body, msg.ptr, msg.len);
    csec_buf_puts(&resp->body, ",\"file\":");
    csec_json_string(&resp->body, au->diag.file, strlen(au->diag.file));
    csec_buf_printf(&resp->body, ",\"line\":%u,\"column\":%u}", au->diag.line, au->diag.col);
    csec_buf_free(&msg);
}

/* `?lenient=true`: the report even when some advisories did not load, as
 * `cratesec audit --lenient` gives it. */
static bool lenient(const srv_req *r)
{
    const char *v = srv_query(r, "lenient");
    return v && strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
}

static void write_report(const srv_req *r, srv_resp *resp, const srv_audit *au)
{
    if (au->incomplete && !lenient(r)) {
        /* Fail closed, as `cratesec audit` exits 1 unless --lenient: a
         * report that lacks a crate's advisories must not reach a CI job
         * that reads "found": false as clean.  503: the next database sync
         * may mend the file. */
        csec_buf msg = CSEC_BUF_INIT, where = CSEC_BUF_INIT;
        csec__word_incomplete(&msg, au->incomplete, au->incomplete_crate);
        csec_buf_puts(&msg, " Ask with ?lenient=true for the report of what did load.");
        csec__word_load_error(&where, au->incomplete);
        resp->status = 503;
        csec_buf_clear(&resp->body);
        csec_buf_printf(&resp->body, "{\"code\":%d,\"message\":", API_ERR_UNAVAILABLE);
        csec_json_string(&resp->body, msg.ptr, msg.len);
        csec_buf_puts(&resp->body, ",\"crate\":");
        csec_json_string(&resp->body, au->incomplete_crate, strlen(au->incomplete_crate));
        csec_buf_puts(&resp->body, ",\"load_error\":");
        csec_json_string(&resp->body, where.ptr, where.len);
        csec_buf_puts(&resp->body, "}");
        csec_buf_free(&msg);
        csec_buf_free(&where);
        return;
    }
    resp->status = 200;
    csec_buf_clear(&resp->body);
    if (wants_sarif(r)) {
        csec_audit_write_sarif(&resp->body, au->report, "Cargo.lock");
        resp->content_type = "application/sarif+json";
    } else {
        csec_audit_write_json(&resp->body, au->report);
        resp->content_type = "application/json";
    }
    csec_buf_puts(&resp->headers, "Vary: Accept\n");
}

void api_audit(const srv_req *r, srv_resp *resp)
{
    if (!api_method(r, resp, true)) {
        api_finish(r, resp, false);
        return;
    }
    const char *ct = srv_header(r, "Content-Type");
    const char *lock = r->body ? r->body : "", *man = NULL;
    size_t llen = r->body ? r->body_len : 0, mlen = 0;
    srv_form f;
    bool is_form = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
    char err[200];
    if (is_form) {
        if (srv_form_parse(&f, ct, r->body, r->body_len, err, sizeof err) < 0) {
            api_error(resp, 400, API_ERR_INVALID, err);
            api_finish(r, resp, false);
            return;
        }
        const srv_form_field *l = srv_form_get(&f, "lockfile");
        const srv_form_field *m = srv_form_get(&f, "manifest");
        lock = l ? l->value : "";
        llen = l ? l->len : 0;
        man = m ? m->value : NULL;
        mlen = m ? m->len : 0;
    }
    srv_audit au;
    if (srv_audit_run(&au, r->site, lock, llen, man, mlen) != 0) {
        api_audit_error(resp, &au);
    } else {
        write_report(r, resp, &au);
        /* Keep it for its page when the state allows; the API answers
         * either way. */
        state_store *st = srv_watch_store(NULL);
        char *ltext = csec__xstrndup(lock, llen), *mtext = man ? csec__xstrndup(man, mlen) : NULL;
        csec_buf why = CSEC_BUF_INIT;
        if (st && state_report_put(st, au.id, ltext, mtext, srv_watch_options_get()->report_budget,
                                   &why) == 0)
            csec_buf_printf(&resp->headers,
                            "Link: </audit/%s>; rel=\"alternate\"; type=\"text/html\"\n", au.id);
        csec_buf_free(&why);
        free(ltext);
        free(mtext);
    }
    srv_audit_free(&au);
    if (is_form)
        srv_form_free(&f);
    api_finish(r, resp, false);
}

void api_audit_get(const srv_req *r, srv_resp *resp)
{
    if (!api_method(r, resp, false)) {
        api_finish(r, resp, false);
        return;
    }
    const char *id = r->seg[3];
    csec_buf lock = CSEC_BUF_INIT, man = CSEC_BUF_INIT, why = CSEC_BUF_INIT;
    bool has_manifest = false;
    state_store *st = srv_audit_id_valid(id) ? srv_watch_store(&why) : NULL;
    int found = !srv_audit_id_valid(id) ? 0
                : st                    ? state_report_get(st, id, &lock, &man, &has_manifest, &why)
                                        : -1;
    if (found < 0) {
        api_error(resp, 503, API_ERR_UNAVAILABLE, why.ptr ? why.ptr : "the state is unavailable");
    } else if (!found) {
        api_error(resp, 404, API_ERR_NOT_FOUND, "No stored report has this id.");
    } else {
        srv_audit au;
        if (srv_audit_run(&au, r->site, lock.ptr, lock.len, has_manifest ? man.ptr : NULL,
                          man.len) != 0)
            api_audit_error(resp, &au);
        else
            write_report(r, resp, &au);
        srv_audit_free(&au);
    }
    csec_buf_free(&lock);
    csec_buf_free(&man);
    csec_buf_free(&why);
    /* The answer is a function of the data, the path and the format asked
     * for: that is its validator (Vary: Accept says the format varies). */
    bool ok = resp->status == 200;
    char etag[API_ETAG_SIZE];
    if (ok)
        api_etag(r, resp, etag, wants_sarif(r) ? "-sarif" : "-json");
    api_finish(r, resp, false);
    if (ok) {
        csec_buf_printf(&resp->headers, "ETag: %s\n", etag);
        resp->cache_control = "public, max-age=300";
    }
}
