/* api_watch.c - watch lists over the JSON API:
 *
 *   POST   /api/v1/watches              {"lockfile": TEXT | "report": ID,
 *                                        "manifest": TEXT?, "label": S?,
 *                                        "webhook_url": URL?, "token": T?}
 *                                       201 {"token", "list", "feed",
 *                                       "watch": {..., "webhook_secret"}}
 *   GET    /api/v1/watches/TOKEN        the list: watches, webhook states,
 *                                       events (newest first)
 *   DELETE /api/v1/watches/TOKEN        the whole list    {"deleted": N}
 *   DELETE /api/v1/watches/TOKEN/WATCH  one watch          {"deleted": 1}
 *
 * A new list's token and a webhook's secret are given only in the answer
 * that makes them.  Answers are never cached (no-store).
 */
#include "api.h"
#include "crypto.h"
#include "json.h"
#include "jsonparse.h"
#include "page_state.h"
#include "registry.h"
#include "util.h"
#include "watch_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_MAX 500

static void finish(const srv_req *r, srv_resp *resp)
{
    api_finish(r, resp, false);
    resp->cache_control = "no-store";
}

static void method_not_allowed(srv_resp *resp, const char *allow)
{
    csec_buf msg = CSEC_BUF_INIT;
    csec_buf_printf(&msg, "This endpoint takes %s.", allow);
    api_error(resp, 405, API_ERR_UNIMPLEMENTED, msg.ptr);
    resp->allow = allow;
    csec_buf_free(&msg);
}

static void unavailable(srv_resp *resp, const char *why)
{
    csec_buf msg = CSEC_BUF_INIT;
    csec_buf_printf(&msg, "The state is unavailable: %s", why && *why ? why : "unknown");
    api_error(resp, 503, API_ERR_UNAVAILABLE, msg.ptr);
    csec_buf_free(&msg);
}

static const char *str_member(const csec_jv *o, const char *key, bool *bad)
{
    const csec_jv *v = csec__jv_get(o, key);
    if (!v || v->type == CSEC_JV_NULL)
        return NULL;
    if (v->type != CSEC_JV_STRING || strlen(v->u.s) != v->len) {
        *bad = true;
        return NULL;
    }
    return v->len ? v->u.s : NULL;
}

/* The answer for watch `w`, made as `m`. */
static void created(srv_resp *resp, const state_watch_new *w, const state_watch_made *m)
{
    csec__json jw, *j = &jw;
    resp->status = 201;
    csec_buf_clear(&resp->body);
    csec__json_init(j, &resp->body, false, 0);
    csec__json_object_begin(j);
    csec_buf tmp = CSEC_BUF_INIT;
    csec__json_key_str(j, "token", m->token);
    csec__json_key(j, "new_list");
    csec__json_bool(j, m->new_list);
    csec__json_key(j, "list");
    csec_buf_printf(&tmp, "/watches/%s", m->token);
    csec__json_str(j, tmp.ptr);
    csec__json_key(j, "feed");
    csec_buf_puts(&tmp, "/feed.xml");
    csec__json_str(j, tmp.ptr);
    csec__json_key(j, "watch");
    csec__json_object_begin(j);
    csec__json_key_str(j, "id", m->watch_id);
    csec__json_key_str(j, "label", w->label);
    csec__json_key(j, "report");
    csec_buf_clear(&tmp);
    csec_buf_printf(&tmp, "/audit/%s", w->report_id);
    csec__json_str(j, tmp.ptr);
    csec__json_key(j, "packages");
    csec__json_uint(j, w->npkgs);
    csec__json_key(j, "affected_now");
    csec__json_uint(j, m->affected);
    csec__json_key_str(j, "webhook_url", w->webhook_url);
    csec__json_key_str(j, "webhook_secret", w->webhook_url ? m->secret : NULL);
    csec__json_object_end(j);
    csec__json_object_end(j);
    csec_buf_free(&tmp);
}

static void create(const srv_req *r, srv_resp *resp)
{
    csec_arena arena = CSEC_ARENA_INIT;
    const csec_jv *body = NULL;
    csec_diag d;
    csec_buf why = CSEC_BUF_INIT, lockbuf = CSEC_BUF_INIT, manbuf = CSEC_BUF_INIT,
             label = CSEC_BUF_INIT;
    srv_audit au;
    memset(&au, 0, sizeof au);
    state_pkg *pkgs = NULL;
    char reason[400];
    if (csec__json_parse(&body, &arena, r->body ? r->body : "", r->body ? r->body_len : 0, &d) <
            0 ||
        body->type != CSEC_JV_OBJECT) {
        csec_buf msg = CSEC_BUF_INIT;
        if (body)
            csec_buf_puts(&msg, "the body must be a JSON object");
        else
            csec_buf_printf(&msg, "the body is not JSON: line %u, column %u: %s", d.line, d.col,
                            d.msg);
        api_error(resp, 400, API_ERR_INVALID, msg.ptr);
        csec_buf_free(&msg);
        goto done;
    }
    bool bad = false;
    const char *lock = str_member(body, "lockfile", &bad);
    const char *man = str_member(body, "manifest", &bad);
    const char *report = str_member(body, "report", &bad);
    const char *lab = str_member(body, "label", &bad);
    const char *url = str_member(body, "webhook_url", &bad);
    const char *token = str_member(body, "token", &bad);
    if (bad) {
        api_error(resp, 400, API_ERR_INVALID,
                  "lockfile, manifest, report, label, webhook_url and token are strings "
                  "(without NUL characters) or null");
        goto done;
    }
    if (!lock == !report) {
        api_error(resp, 400, API_ERR_INVALID, "give either \"lockfile\" (its text) or "
                                              "\"report\" (the id of a stored report)");
        goto done;
    }
    if (token && !state_is_hex(token, STATE_TOKEN_HEX)) {
        api_error(resp, 400, API_ERR_INVALID, "token: a watch list token is 32 hex digits");
        goto done;
    }
    if (lab && (strlen(lab) > 200 || strpbrk(lab, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
                                                 "\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
                                                 "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"))) {
        api_error(resp, 400, API_ERR_INVALID,
                  "label: at most 200 bytes, without control characters");
        goto done;
    }
    if (url && !webhook_url_ok(url, srv_watch_options_get()->webhook.allow_private, reason,
                               sizeof reason)) {
        csec_buf msg = CSEC_BUF_INIT;
        csec_buf_printf(&msg, "webhook_url: %s", reason);
        api_error(resp, 400, API_ERR_INVALID, msg.ptr);
        csec_buf_free(&msg);
        goto done;
    }
    state_store *st = srv_watch_store(&why);
    if (!st) {
        unavailable(resp, why.ptr);
        goto done;
    }
    if (report) {
        bool has_manifest = false;
        int found = srv_audit_id_valid(report)
                        ? state_report_get(st, report, &lockbuf, &manbuf, &has_manifest, &why)
                        : 0;
        if (found < 0) {
            unavailable(resp, why.ptr);
            goto done;
        }
        if (!found) {
            api_error(resp, 404, API_ERR_NOT_FOUND, "report: no stored report has this id");
            goto done;
        }
        lock = lockbuf.ptr;
        man = has_manifest ? manbuf.ptr : NULL;
    }
    if (srv_audit_run(&au, r->site, lock, strlen(lock), man, man ? strlen(man) : 0) != 0) {
        api_audit_error(resp, &au);
        goto done;
    }
    /* Crates still being fetched (sparse index): this render is run again
     * once they are in, and only that run may make the watch. */
    if (srv_sparse_render_pending())
        goto done;
    if (!report && state_report_put(st, au.id, lock, man, srv_watch_options_get()->report_budget,
                                    &why) < 0) {
        unavailable(resp, why.ptr);
        goto done;
    }
    size_t npkgs = srv_audit_packages(au.lockfile, &pkgs);
    if (lab)
        csec_buf_puts(&label, lab);
    else
        csec_buf_printf(&label, "%s%sCargo.lock (%zu crates.io packages)", au.root,
                        au.root[0] ? " " : "", npkgs);
    state_watch_new w = {token, label.ptr, au.id, pkgs, npkgs, url};
    state_watch_made m;
    state_data_source src = srv_watch_data_source();
    int rc = state_watch_create(st, &w, &src, &m, &why);
    if (rc < 0)
        unavailable(resp, why.ptr);
    else if (rc == 0)
        api_error(resp, 404, API_ERR_NOT_FOUND, "token: no watch list has this token");
    else
        created(resp, &w, &m);
done:
    srv_audit_free(&au);
    free(pkgs);
    csec_buf_free(&why);
    csec_buf_free(&lockbuf);
    csec_buf_free(&manbuf);
    csec_buf_free(&label);
    csec__arena_free(&arena);
}

void api_watches(const srv_req *r, srv_resp *resp)
{
    if (!api_preflight(r, resp, "POST, OPTIONS", "Content-Type")) {
        if (strcmp(r->method, "POST") == 0)
            create(r, resp);
        else
            method_not_allowed(resp, "POST, OPTIONS");
    }
    finish(r, resp);
}

/* ---- reading and deleting ---- */

static void write_list(csec_buf *out, const state_list *l)
{
    csec__json jw, *j = &jw;
    csec__json_init(j, out, false, 0);
    csec__json_object_begin(j);
    csec__json_key(j, "created");
    csec__json_int(j, l->created);
    csec__json_key(j, "watches");
    csec__json_array_begin(j);
    for (size_t i = 0; i < l->nwatches; i++) {
        const state_watch_info *w = &l->watches[i];
        csec__json_object_begin(j);
        csec__json_key_str(j, "id", w->id);
        csec__json_key_str(j, "label", w->label);
        csec__json_key_str(j, "report", w->report_id);
        csec__json_key(j, "packages");
        csec__json_int(j, w->packages);
        csec__json_key(j, "affected_now");
        csec__json_int(j, w->affecting);
        csec__json_key(j, "created");
        csec__json_int(j, w->created);
        csec__json_key(j, "webhook");
        if (!w->webhook_url) {
            csec__json_null(j);
        } else {
            csec__json_object_begin(j);
            csec__json_key_str(j, "url", w->webhook_url);
            csec__json_key_str(j, "state",
                               w->webhook_disabled_at     ? "disabled"
                               : w->webhook_failing_since ? "failing"
                                                          : "ok");
            csec__json_key(j, "failing_since");
            if (w->webhook_failing_since)
                csec__json_int(j, w->webhook_failing_since);
            else
                csec__json_null(j);
            csec__json_key(j, "disabled_at");
            if (w->webhook_disabled_at)
                csec__json_int(j, w->webhook_disabled_at);
            else
                csec__json_null(j);
            csec__json_key_str(j, "last_error", w->webhook_last_error);
            csec__json_key(j, "pending");
            csec__json_int(j, w->pending);
            csec__json_key(j, "delivered");
            csec__json_int(j, w->delivered);
            csec__json_object_end(j);
        }
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    csec__json_key(j, "events");
    csec__json_array_begin(j);
    for (size_t i = 0; i < l->nevents; i++) {
        const state_event *e = &l->events[i];
        csec__json_object_begin(j);
        csec__json_key_str(j, "idempotency_key", e->key);
        csec__json_key_str(j, "watch", e->watch_id);
        csec__json_key(j, "event");
        csec_buf ev = CSEC_BUF_INIT;
        csec_buf_printf(&ev, "advisory.%s", e->kind);
        csec__json_str(j, ev.ptr);
        csec_buf_free(&ev);
        csec__json_key(j, "advisory");
        csec__json_raw(j, e->advisory, strlen(e->advisory));
        csec__json_key_str(j, "versions", e->versions);
        csec__json_key(j, "created");
        csec__json_int(j, e->created);
        csec__json_key_str(j, "delivery", e->delivery);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    csec__json_object_end(j);
}

static void delete_watches(srv_resp *resp, const char *token, const char *watch)
{
    csec_buf why = CSEC_BUF_INIT;
    state_store *st = srv_watch_store(&why);
    int n = st ? state_watch_delete(st, token, watch, &why) : -1;
    if (n < 0) {
        unavailable(resp, why.ptr);
    } else if (n == 0) {
        api_error(resp, 404, API_ERR_NOT_FOUND, watch ? "No such watch in this list."
                                                      : "No watch list has this token.");
    } else {
        resp->status = 200;
        csec_buf_clear(&resp->body);
        csec_buf_printf(&resp->body, "{\"deleted\":%d}", n);
    }
    csec_buf_free(&why);
}

void api_watch_list(const srv_req *r, srv_resp *resp)
{
    const char *token = r->seg[3];
    if (api_preflight(r, resp, "GET, HEAD, DELETE, OPTIONS", "Content-Type")) {
        /* answered */
    } else if (strcmp(r->method, "DELETE") == 0) {
        delete_watches(resp, token, NULL);
    } else if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
        csec_buf why = CSEC_BUF_INIT;
        state_store *st = srv_watch_store(&why);
        state_list l;
        int found = st ? state_list_get(st, token, EVENTS_MAX, false, &l, &why) : -1;
        if (found < 0) {
            unavailable(resp, why.ptr);
        } else if (!found) {
            api_error(resp, 404, API_ERR_NOT_FOUND, "No watch list has this token.");
        } else {
            resp->status = 200;
            csec_buf_clear(&resp->body);
            write_list(&resp->body, &l);
            state_list_free(&l);
        }
        csec_buf_free(&why);
    } else {
        method_not_allowed(resp, "GET, HEAD, DELETE, OPTIONS");
    }
    finish(r, resp);
}

void api_watch_one(const srv_req *r, srv_resp *resp)
{
    if (api_preflight(r, resp, "DELETE, OPTIONS", "Content-Type"))
        ;
    else if (strcmp(r->method, "DELETE") == 0)
        delete_watches(resp, r->seg[3], r->seg[4]);
    else
        method_not_allowed(resp, "DELETE, OPTIONS");
    finish(r, resp);
}
