/* page_watch.c - watch lists, as pages:
 *
 *   POST /watches                       make a watch from a stored report
 *                                       (form of the report page): 201 with
 *                                       the list's address, feed and secret
 *   GET  /watches/TOKEN                 the list: each watch, its webhook's
 *                                       state, what it was told
 *   GET  /watches/TOKEN/feed.xml        Atom feed of advisories that newly
 *                                       affect (or no longer affect) a watch
 *   POST /watches/TOKEN/WATCH/webhook   set, replace or remove a webhook
 *   POST /watches/TOKEN/WATCH/delete    delete one watch
 *   POST /watches/TOKEN/delete          delete the whole list
 *
 * The token is the only key: whoever has the address can read and delete
 * the list, so these pages are never cached or indexed (Cache-Control:
 * no-store, X-Robots-Tag) and send no referrer.  The token is shown once,
 * when the list is made; it is stored only as its SHA-256.
 */
#include "crypto.h"
#include "form.h"
#include "html.h"
#include "jsonparse.h"
#include "page_state.h"
#include "util.h"
#include "watch_service.h"
#include "wording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_MAX 100
#define PAGE_EVENTS 100
#define LABEL_MAX 200

/* Headers of every page that shows a token. */
static void private_page(srv_resp *resp)
{
    resp->cache_control = "no-store";
    csec_buf_puts(&resp->headers, "X-Robots-Tag: noindex, nofollow\n"
                                  "Referrer-Policy: no-referrer\n");
}

/* Starts a private page titled `title` with `status`; returns its body. */
static csec_buf *private_begin(srv_resp *resp, int status, const char *title)
{
    resp->status = status;
    private_page(resp);
    csec_buf_clear(&resp->body);
    html_begin(&resp->body, title, NULL);
    return &resp->body;
}

/* Whether the request is a POST (the forms'); else the 405 that says `why`. */
static bool posted(const srv_req *r, srv_resp *resp, const char *why)
{
    if (strcmp(r->method, "POST") == 0)
        return true;
    page_error(r, resp, 405, "Method not allowed", why);
    resp->allow = "POST";
    return false;
}

void page_state_unavailable(const srv_req *r, srv_resp *resp, const char *why)
{
    csec_buf msg = CSEC_BUF_INIT;
    csec_buf_puts(&msg, "Stored reports and watch lists are unavailable at the moment (");
    csec_buf_puts(&msg, why && *why ? why : "the server's state cannot be reached");
    csec_buf_puts(&msg, ").  The rest of the site works; try again later.");
    page_error(r, resp, 503, "Temporarily unavailable", msg.ptr);
    resp->cache_control = "no-store";
    csec_buf_free(&msg);
}

static void time_text(csec_buf *b, int64_t t)
{
    char s[24];
    srv_format_time(s, (time_t)t);
    csec_buf_puts(b, s);
}

/* ---- the form on a report page ---- */

void page_watch_form(csec_buf *b, const srv_audit *au)
{
    csec_buf_puts(b, "<section aria-labelledby=\"h-watch\"><h2 id=\"h-watch\">Watch this "
                     "lockfile</h2>\n<p>Be told when a new advisory affects these packages, or a "
                     "withdrawal clears one: an Atom feed, and optionally a webhook that receives "
                     "a signed JSON POST.  Only the list of packages and versions is kept for "
                     "this.</p>\n");
    csec_buf why = CSEC_BUF_INIT;
    if (!srv_watch_store(&why)) {
        csec_buf_puts(b, "<p class=\"notice\">Watching is unavailable at the moment: ");
        html_esc(b, why.ptr);
        csec_buf_puts(b, ".</p>\n</section>\n");
        csec_buf_free(&why);
        return;
    }
    csec_buf_free(&why);
    csec_buf_puts(b, "<form class=\"watch-form\" method=\"post\" action=\"/watches\">\n"
                     "<input type=\"hidden\" name=\"report\" value=\"");
    html_esc(b, au->id);
    csec_buf_puts(b, "\">\n<div class=\"field\"><label for=\"label\">Name "
                     "(optional)</label>\n<input id=\"label\" name=\"label\" maxlength=\"200\" "
                     "autocomplete=\"off\" placeholder=\"");
    if (au->root[0])
        html_esc(b, au->root);
    else
        csec_buf_puts(b, "my-project");
    csec_buf_puts(b, "\"></div>\n<div class=\"field\"><label for=\"webhook_url\">Webhook URL "
                     "(optional)</label>\n<input id=\"webhook_url\" name=\"webhook_url\" "
                     "type=\"url\" autocomplete=\"off\" "
                     "placeholder=\"https://example.com/hooks/cratesec\"></div>\n"
                     "<div class=\"field\"><label for=\"token\">Add to an existing watch list: "
                     "its token (optional)</label>\n<input id=\"token\" name=\"token\" "
                     "autocomplete=\"off\" spellcheck=\"false\" pattern=\"[0-9a-f]{32}\" "
                     "maxlength=\"32\"></div>\n"
                     "<p><button type=\"submit\">Watch this lockfile</button></p>\n</form>\n"
                     "</section>\n");
}

/* ---- making a watch ---- */

/* A label of at most LABEL_MAX bytes of printable text (control characters
 * become spaces; UTF-8 was checked by the form parser). */
static void clean_label(csec_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n && out->len < LABEL_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        csec_buf_putc(out, c < 0x20 || c == 0x7F ? ' ' : (char)c);
    }
    /* Never cut a UTF-8 sequence in two. */
    while (out->len && ((unsigned char)out->ptr[out->len - 1] & 0xC0) == 0x80 &&
           csec__utf8_check(out->ptr, out->len) != out->len)
        out->ptr[--out->len] = '\0';
    if (out->len && csec__utf8_check(out->ptr, out->len) != out->len)
        out->ptr[--out->len] = '\0';
}

/* The default label: the lockfile's root packages (nothing depends on them). */
static void default_label(csec_buf *out, const csec_lockfile *lf, size_t npkgs)
{
    size_t count = csec_lockfile_count(lf), shown = 0;
    for (size_t i = 0; i < count && shown < 3; i++) {
        const csec_lock_package *p = csec_lockfile_get(lf, i);
        if (p->source || csec_lockfile_path(lf, p, NULL, 0) != 1)
            continue;
        csec_buf_puts(out, shown++ ? ", " : "");
        csec_buf_puts(out, p->name);
    }
    csec_buf_printf(out, "%sCargo.lock (%zu crates.io packages)", shown ? " " : "", npkgs);
}

/* The page of watch `w`, made as `m`. */
static void made(const srv_req *r, srv_resp *resp, const state_watch_new *w,
                 const state_watch_made *m)
{
    /* A package whose advisories did not all load (its first problem): the
     * page then never says that no advisory affects them. */
    const char *incomplete_crate = NULL;
    const csec_db_error *incomplete = NULL;
    for (size_t i = 0; i < w->npkgs && !incomplete; i++)
        if ((incomplete =
                 csec_db_package_error(r->site->db, CSEC_COLLECTION_CRATES, w->pkgs[i].name)))
            incomplete_crate = w->pkgs[i].name;
    csec_buf *b = private_begin(resp, 201, "Watching");
    csec_buf_puts(b, "<h1>Watching ");
    html_esc(b, w->label);
    csec_buf_puts(b, "</h1>\n<div class=\"notice\" role=\"status\" id=\"watch-made\">\n<p>");
    csec_buf_puts(b, m->new_list ? "A new watch list was made.  Its address is the only key to "
                                   "it: keep it; anyone who has it can see and delete the "
                                   "watches."
                                 : "The watch was added to your watch list.");
    csec_buf_puts(b, "</p>\n<dl class=\"facts\">\n<dt>Watch list</dt><dd><a id=\"list-link\" "
                     "href=\"/watches/");
    csec_buf_puts(b, m->token); /* hex */
    csec_buf_printf(b, "\">/watches/%s</a></dd>\n<dt>Token</dt><dd><code id=\"token\">%s</code> "
                       "(to add more lockfiles to this list)</dd>\n",
                    m->token, m->token);
    csec_buf_printf(b, "<dt>Atom feed</dt><dd><a id=\"feed-link\" href=\"/watches/%s/feed.xml\">"
                       "/watches/%s/feed.xml</a></dd>\n",
                    m->token, m->token);
    if (w->webhook_url) {
        csec_buf_puts(b, "<dt>Webhook</dt><dd>");
        html_esc(b, w->webhook_url);
        csec_buf_printf(b, "</dd>\n<dt>Webhook secret</dt><dd><code id=\"secret\">%s</code> "
                           "(shown only now: each POST carries <code>X-Hub-Signature-256: "
                           "sha256=</code> and the HMAC-SHA256 of its body under this "
                           "secret)</dd>\n",
                        m->secret);
    }
    csec_buf_puts(b, "</dl>\n</div>\n<p>");
    if (m->affected)
        csec_buf_printf(b,
                        "%zu advisor%s affect%s these packages now (see <a href=\"/audit/%s\">"
                        "the report</a>); you will be told about what changes from here.",
                        m->affected, m->affected == 1 ? "y" : "ies", m->affected == 1 ? "s" : "",
                        w->report_id);
    else
        csec_buf_puts(b, incomplete ? "No advisory that loaded affects these packages now; "
                                      "you will be told when one does."
                                    : "No advisory affects these packages now; you will be "
                                      "told when one does.");
    csec_buf_puts(b, "</p>\n");
    if (incomplete)
        html_incomplete(b, incomplete, incomplete_crate);
    html_end(b, r->site);
}

static void bad_request(const srv_req *r, srv_resp *resp, int status, const char *title,
                        const char *msg)
{
    page_error(r, resp, status, title, msg);
    private_page(resp);
}

/* Whether `url` may receive webhooks (NULL: none asked for); else the 400
 * that says why is answered. */
static bool webhook_allowed(const srv_req *r, srv_resp *resp, const char *url)
{
    char reason[400];
    if (!url ||
        webhook_url_ok(url, srv_watch_options_get()->webhook.allow_private, reason, sizeof reason))
        return true;
    csec_buf msg = CSEC_BUF_INIT;
    csec_buf_printf(&msg, "The webhook URL cannot be used: %s.", reason);
    bad_request(r, resp, 400, "Webhook URL refused", msg.ptr);
    csec_buf_free(&msg);
    return false;
}

/* A POST's form into `f`; false when the request was answered (405, 400). */
static bool posted_form(const srv_req *r, srv_resp *resp, const char *why, srv_form *f)
{
    if (!posted(r, resp, why))
        return false;
    char err[200];
    if (srv_form_parse(f, srv_header(r, "Content-Type"), r->body, r->body_len, err, sizeof err) ==
        0)
        return true;
    bad_request(r, resp, 400, "Bad request", err);
    return false;
}

void page_watch_create(const srv_req *r, srv_resp *resp)
{
    srv_form f;
    if (!posted_form(r, resp, "Watches are made with the form of an audit report (POST).", &f))
        return;
    const srv_form_field *rep = srv_form_get(&f, "report");
    const srv_form_field *lab = srv_form_get(&f, "label");
    const srv_form_field *hook = srv_form_get(&f, "webhook_url");
    const srv_form_field *tok = srv_form_get(&f, "token");
    char *report = rep ? csec__xstrndup(rep->value, rep->len) : NULL;
    char *url = hook ? csec__xstrndup(hook->value, hook->len) : NULL;
    char *token = tok ? csec__xstrndup(tok->value, tok->len) : NULL;
    csec_buf lock = CSEC_BUF_INIT, man = CSEC_BUF_INIT, why = CSEC_BUF_INIT, label = CSEC_BUF_INIT;
    csec_lockfile *lf = NULL;
    state_pkg *pkgs = NULL;
    bool has_manifest = false;
    state_store *st = srv_watch_store(&why);
    if (!st) {
        page_state_unavailable(r, resp, why.ptr);
        goto done;
    }
    if (!report || !srv_audit_id_valid(report)) {
        bad_request(r, resp, 400, "Bad request", "The form names no audit report.");
        goto done;
    }
    if (token && !state_is_hex(token, STATE_TOKEN_HEX)) {
        bad_request(r, resp, 400, "Not a watch list token",
                    "A watch list token is 32 hexadecimal digits (the end of the list's "
                    "address).  Leave the field empty to make a new list.");
        goto done;
    }
    if (!webhook_allowed(r, resp, url))
        goto done;
    int found = state_report_get(st, report, &lock, &man, &has_manifest, &why);
    if (found < 0) {
        page_state_unavailable(r, resp, why.ptr);
        goto done;
    }
    csec_diag d;
    if (!found || csec_lockfile_parse(&lf, "Cargo.lock", lock.ptr, lock.len, &d) < 0) {
        bad_request(r, resp, 404, "Report not found",
                    "The report this form came from is no longer kept.  Audit the lockfile "
                    "again, then watch it.");
        goto done;
    }
    size_t npkgs = srv_audit_packages(lf, &pkgs);
    if (lab)
        clean_label(&label, lab->value, lab->len);
    if (!label.len)
        default_label(&label, lf, npkgs);
    state_watch_new w = {token, label.ptr, report, pkgs, npkgs, url};
    state_watch_made out;
    state_data_source src = srv_watch_data_source();
    int rc = state_watch_create(st, &w, &src, &out, &why);
    if (rc < 0) {
        page_state_unavailable(r, resp, why.ptr);
    } else if (rc == 0) {
        bad_request(r, resp, 404, "No such watch list",
                    "No watch list has this token.  Leave the field empty to make a new list.");
    } else {
        made(r, resp, &w, &out);
    }
done:
    free(report);
    free(url);
    free(token);
    free(pkgs);
    csec_lockfile_free(lf);
    csec_buf_free(&lock);
    csec_buf_free(&man);
    csec_buf_free(&why);
    csec_buf_free(&label);
    srv_form_free(&f);
}

/* ---- the list ---- */

/* Reads the stored advisory snapshot (JSON) of an event. */
typedef struct snap {
    const char *package, *title, *kind, *withdrawn, *severity;
} snap;

static void read_snap(snap *s, const char *json, csec_arena *arena)
{
    memset(s, 0, sizeof *s);
    const csec_jv *v = NULL;
    csec_diag d;
    if (csec__json_parse(&v, arena, json, strlen(json), &d) < 0)
        return;
    s->package = csec__jv_str(csec__jv_get(v, "package"));
    s->title = csec__jv_str(csec__jv_get(v, "title"));
    s->kind = csec__jv_str(csec__jv_get(v, "kind"));
    s->withdrawn = csec__jv_str(csec__jv_get(v, "withdrawn"));
    s->severity = csec__jv_str(csec__jv_get(v, "severity"));
}

/* The list of the request's token with up to `max_events` events; false
 * when the page was answered instead (503: no state, 404: no such list). */
static bool fetch_list(const srv_req *r, srv_resp *resp, size_t max_events, state_list *l)
{
    const char *token = r->seg[1];
    csec_buf why = CSEC_BUF_INIT;
    state_store *st = srv_watch_store(&why);
    int found = st ? state_list_get(st, token, max_events, false, l, &why) : -1;
    if (found < 0)
        page_state_unavailable(r, resp, why.ptr);
    csec_buf_free(&why);
    if (found == 0) {
        page_not_found(r, resp, "There is no watch list at this address (it was deleted, or the "
                                "address is mistyped).");
        private_page(resp);
    }
    return found > 0;
}

static const char *label_of(const state_list *l, const char *watch_id)
{
    for (size_t i = 0; i < l->nwatches; i++)
        if (strcmp(l->watches[i].id, watch_id) == 0)
            return l->watches[i].label;
    return "";
}

static void webhook_state(csec_buf *b, const state_watch_info *w, const char *token)
{
    csec_buf_puts(b, "<dt>Webhook</dt><dd class=\"webhook\">");
    if (!w->webhook_url) {
        csec_buf_puts(b, "none: changes go to the feed only");
    } else {
        html_esc(b, w->webhook_url);
        if (w->webhook_disabled_at) {
            csec_buf_puts(b, "<p class=\"webhook-disabled\" role=\"status\"><strong>Disabled</strong> "
                             "on ");
            time_text(b, w->webhook_disabled_at);
            csec_buf_puts(b, " after failing since ");
            time_text(b, w->webhook_failing_since);
            csec_buf_puts(b, ".  Last error: ");
            html_esc(b, w->webhook_last_error ? w->webhook_last_error : "unknown");
            csec_buf_puts(b, ".  Changes since then are in the feed only; set the URL again "
                             "below to turn it back on.</p>");
        } else if (w->webhook_failing_since) {
            csec_buf_puts(b, "<p class=\"webhook-failing\">Failing since ");
            time_text(b, w->webhook_failing_since);
            csec_buf_puts(b, ": ");
            html_esc(b, w->webhook_last_error ? w->webhook_last_error : "unknown error");
            if (w->next_attempt) {
                csec_buf_puts(b, ".  Next attempt ");
                time_text(b, w->next_attempt);
            }
            csec_buf_puts(b, ".  A webhook that fails for a week is turned off.</p>");
        } else {
            csec_buf_printf(b, " <span class=\"muted\">(%lld delivered, %lld waiting)</span>",
                            (long long)w->delivered, (long long)w->pending);
        }
    }
    csec_buf_puts(b, "</dd>\n</dl>\n");
    csec_buf_printf(b, "<form class=\"inline-form\" method=\"post\" action=\"/watches/%s/%s/webhook\">"
                       "<label for=\"hook-%s\">Webhook URL (empty: none)</label> "
                       "<input id=\"hook-%s\" name=\"webhook_url\" type=\"url\" "
                       "autocomplete=\"off\"> <button type=\"submit\">Set webhook</button>"
                       "</form>\n",
                    token, w->id, w->id, w->id);
}

void page_watch_list(const srv_req *r, srv_resp *resp)
{
    const char *token = r->seg[1];
    state_list l;
    if (!fetch_list(r, resp, PAGE_EVENTS, &l))
        return;
    csec_buf *b = &resp->body;
    resp->status = 200;
    private_page(resp);
    csec_buf feed = CSEC_BUF_INIT;
    csec_buf_printf(&feed, "/watches/%s/feed.xml", token);
    html_begin_feed(b, "Watch list", NULL, feed.ptr, "Advisories for this watch list");
    csec_buf_puts(b, "<h1>Watch list</h1>\n<p>Keep this page's address private: it is the key to "
                     "the list.  Made ");
    time_text(b, l.created);
    csec_buf_printf(b, ".  <a href=\"%s\">Atom feed</a> of what changes.</p>\n", feed.ptr);
    csec_buf_printf(b, "<section aria-labelledby=\"h-watches\"><h2 id=\"h-watches\">Watched "
                       "lockfiles (%zu)</h2>\n",
                    l.nwatches);
    if (!l.nwatches)
        csec_buf_puts(b, "<p>None: audit a lockfile and watch it to add one.</p>\n");
    for (size_t i = 0; i < l.nwatches; i++) {
        const state_watch_info *w = &l.watches[i];
        csec_buf_printf(b, "<article class=\"adv watch\" id=\"w-%s\" aria-labelledby=\"wt-%s\">\n"
                           "<h3 id=\"wt-%s\">",
                        w->id, w->id, w->id);
        html_esc(b, w->label);
        csec_buf_puts(b, "</h3>\n<dl class=\"facts\">\n<dt>Packages</dt><dd>");
        csec_buf_printf(b, "%lld crates.io package versions; <a href=\"/audit/", (long long)w->packages);
        html_esc(b, w->report_id);
        csec_buf_puts(b, "\">its report</a></dd>\n<dt>Affected now by</dt><dd>");
        csec_buf_printf(b, "%lld advisor%s</dd>\n<dt>Watched since</dt><dd>",
                        (long long)w->affecting, w->affecting == 1 ? "y" : "ies");
        time_text(b, w->created);
        csec_buf_puts(b, "</dd>\n");
        webhook_state(b, w, token);
        csec_buf_printf(b, "<form class=\"inline-form\" method=\"post\" "
                           "action=\"/watches/%s/%s/delete\"><button type=\"submit\">Stop "
                           "watching this lockfile</button></form>\n</article>\n",
                        token, w->id);
    }
    csec_buf_puts(b, "</section>\n<section aria-labelledby=\"h-events\"><h2 id=\"h-events\">What "
                     "changed</h2>\n");
    if (!l.nevents) {
        csec_buf_puts(b, "<p>Nothing yet: no advisory has newly affected these lockfiles, or "
                         "stopped affecting them, since they are watched.</p>\n");
    } else {
        csec_buf_puts(b, "<div class=\"scroll\"><table class=\"events\">\n<thead><tr><th "
                         "scope=\"col\">When</th><th scope=\"col\">Lockfile</th><th "
                         "scope=\"col\">Advisory</th><th scope=\"col\">Change</th><th "
                         "scope=\"col\">Webhook</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < l.nevents; i++) {
            const state_event *e = &l.events[i];
            csec_arena arena = CSEC_ARENA_INIT;
            snap sn;
            read_snap(&sn, e->advisory, &arena);
            csec_buf_puts(b, "<tr><td>");
            time_text(b, e->created);
            csec_buf_puts(b, "</td><td>");
            html_esc(b, label_of(&l, e->watch_id));
            csec_buf_puts(b, "</td><td>");
            html_link(b, "/advisories/", e->advisory_id);
            csec_buf_puts(b, " ");
            html_title(b, sn.title ? sn.title : "");
            csec_buf_puts(b, "</td><td>");
            bool hit = strcmp(e->kind, "affected") == 0;
            csec_buf_puts(b, hit ? "<span class=\"tag tag-affected\">affects</span> "
                                 : "<span class=\"tag\">no longer affects</span> ");
            html_esc(b, sn.package ? sn.package : "");
            csec_buf_putc(b, ' ');
            html_esc(b, e->versions);
            if (!hit && sn.withdrawn)
                csec_buf_puts(b, " (withdrawn)");
            csec_buf_puts(b, "</td><td>");
            html_esc(b, e->delivery ? e->delivery : "none");
            csec_buf_puts(b, "</td></tr>\n");
            csec__arena_free(&arena);
        }
        csec_buf_puts(b, "</tbody></table></div>\n");
    }
    csec_buf_printf(b, "</section>\n<form method=\"post\" action=\"/watches/%s/delete\">"
                       "<button type=\"submit\">Delete the whole watch list</button></form>\n",
                    token);
    html_end(b, r->site);
    csec_buf_free(&feed);
    state_list_free(&l);
}

/* ---- the feed ---- */

void page_watch_feed(const srv_req *r, srv_resp *resp)
{
    const char *token = r->seg[1];
    state_list l;
    if (!fetch_list(r, resp, FEED_MAX, &l))
        return;
    csec_buf *b = &resp->body;
    resp->status = 200;
    resp->content_type = "application/atom+xml; charset=utf-8";
    private_page(resp);
    csec_buf_clear(b);
    char list_id[65];
    state__list_id(list_id, token);
    csec_buf_printf(b,
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n"
                    "<id>tag:cratesec,2025:watch-list/%.32s</id>\n"
                    "<title type=\"text\">RustSec advisories for a watch list</title>\n"
                    "<subtitle type=\"text\">Advisories that newly affect, or no longer affect, "
                    "the watched lockfiles, newest first.</subtitle>\n<updated>",
                    list_id);
    xml_time(b, l.nevents ? l.events[0].created : l.created);
    csec_buf_printf(b,
                    "</updated>\n<link rel=\"self\" type=\"application/atom+xml\" "
                    "href=\"/watches/%s/feed.xml\"/>\n<link rel=\"alternate\" type=\"text/html\" "
                    "href=\"/watches/%s\"/>\n<author><name>cratesec</name></author>\n"
                    "<generator version=\"" CSEC_VERSION_STRING "\">cratesec</generator>\n",
                    token, token);
    for (size_t i = 0; i < l.nevents; i++) {
        const state_event *e = &l.events[i];
        csec_arena arena = CSEC_ARENA_INIT;
        snap sn;
        read_snap(&sn, e->advisory, &arena);
        bool hit = strcmp(e->kind, "affected") == 0;
        csec_buf_printf(b, "<entry>\n<id>tag:cratesec,2025:watch-event/%s</id>\n"
                           "<title type=\"text\">",
                        e->key);
        xml_esc(b, e->advisory_id);
        csec_buf_puts(b, hit ? " affects " : " no longer affects ");
        xml_esc(b, sn.package);
        csec_buf_putc(b, ' ');
        xml_esc(b, e->versions);
        csec_buf_puts(b, " in ");
        xml_esc(b, label_of(&l, e->watch_id));
        csec_buf_puts(b, "</title>\n<updated>");
        xml_time(b, e->created);
        csec_buf_puts(b, "</updated>\n<link rel=\"alternate\" type=\"text/html\" "
                         "href=\"/advisories/");
        html_url_part(b, e->advisory_id);
        csec_buf_puts(b, "\"/>\n<summary type=\"text\">");
        if (sn.kind) {
            xml_esc(b, sn.kind);
            csec_buf_puts(b, ": ");
        }
        csec_buf title = CSEC_BUF_INIT;
        csec__word_title_plain(&title, sn.title ? sn.title : "");
        xml_esc(b, title.ptr);
        csec_buf_free(&title);
        if (sn.severity) {
            csec_buf_puts(b, " (severity ");
            xml_esc(b, sn.severity);
            csec_buf_puts(b, ")");
        }
        csec_buf_puts(b, ". ");
        if (hit)
            csec_buf_puts(b, "It affects the versions named, which the lockfile uses.");
        else if (sn.withdrawn)
            csec_buf_puts(b, "The advisory was withdrawn.");
        else
            csec_buf_puts(b, "The advisory no longer affects the versions the lockfile uses.");
        csec_buf_puts(b, "</summary>\n</entry>\n");
        csec__arena_free(&arena);
    }
    csec_buf_puts(b, "</feed>\n");
    state_list_free(&l);
}

/* ---- changes ---- */

void page_watch_delete(const srv_req *r, srv_resp *resp)
{
    if (!posted(r, resp, "Deleting takes a POST (the button)."))
        return;
    const char *token = r->seg[1];
    const char *watch = r->nseg == 4 ? r->seg[2] : NULL;
    csec_buf why = CSEC_BUF_INIT;
    state_store *st = srv_watch_store(&why);
    int n = st ? state_watch_delete(st, token, watch, &why) : -1;
    if (n < 0) {
        page_state_unavailable(r, resp, why.ptr);
    } else if (n == 0) {
        page_not_found(r, resp, watch ? "There is no such watch in this list."
                                      : "There is no watch list at this address.");
        private_page(resp);
    } else if (watch) {
        html_redirect(resp, 303, "/watches/", token);
        private_page(resp);
    } else {
        csec_buf *b = private_begin(resp, 200, "Watch list deleted");
        csec_buf_printf(b, "<h1>Watch list deleted</h1>\n<p>%d watched lockfile%s and "
                           "everything they were told %s deleted.  <a href=\"/audit\">Audit a "
                           "lockfile</a>.</p>\n",
                        n, n == 1 ? "" : "s", n == 1 ? "was" : "were");
        html_end(b, r->site);
    }
    csec_buf_free(&why);
}

void page_watch_webhook(const srv_req *r, srv_resp *resp)
{
    srv_form f;
    if (!posted_form(r, resp, "Changing a webhook takes a POST.", &f))
        return;
    const char *token = r->seg[1], *watch = r->seg[2];
    const srv_form_field *hook = srv_form_get(&f, "webhook_url");
    char *url = hook ? csec__xstrndup(hook->value, hook->len) : NULL;
    csec_buf why = CSEC_BUF_INIT;
    state_store *st = srv_watch_store(&why);
    char secret[STATE_SECRET_HEX + 1];
    if (!st) {
        page_state_unavailable(r, resp, why.ptr);
    } else if (webhook_allowed(r, resp, url)) {
        int rc = state_watch_set_webhook(st, token, watch, url, secret, &why);
        if (rc < 0) {
            page_state_unavailable(r, resp, why.ptr);
        } else if (rc == 0) {
            page_not_found(r, resp, "There is no such watch in this list.");
            private_page(resp);
        } else {
            csec_buf *b = private_begin(resp, 200, url ? "Webhook set" : "Webhook removed");
            if (url) {
                csec_buf_puts(b, "<h1>Webhook set</h1>\n<p>Changes are now posted to ");
                html_esc(b, url);
                csec_buf_printf(b, ".  Its secret, shown only now: <code id=\"secret\">%s</code>"
                                   "</p>\n",
                                secret);
            } else {
                csec_buf_puts(b, "<h1>Webhook removed</h1>\n<p>Changes go to the feed "
                                 "only.</p>\n");
            }
            csec_buf_printf(b, "<p><a href=\"/watches/%s\">Back to the watch list</a></p>\n",
                            token);
            html_end(b, r->site);
        }
    }
    free(url);
    csec_buf_free(&why);
    srv_form_free(&f);
}
