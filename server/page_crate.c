/* page_crate.c - the crate page: /crates/NAME[/VERSION][/TAB].
 *
 * TAB is "dependencies" or "security"; without one the Versions tab is shown
 * (or, for a crate that the registry index does not know, the Security tab,
 * which is all there is to show: such a page has neither a version picker
 * nor a Versions tab, and says so, or says that the crate was removed from
 * crates.io when an advisory reports it).  A version segment always starts
 * with a digit, a tab name never does, so /crates/NAME/security is the
 * Security tab of the default version: the newest release that is not yanked
 * (then the newest prerelease, then anything).  ?v=VERSION (the version
 * selector's form) redirects to the version's URL.
 *
 * The Security tab (issues 3 and 11; every sentence from lib/wording.h):
 *  - the tab is always present; it is highlighted, with a count, exactly
 *    when advisories that count (wording rule 2: vulnerabilities, malicious
 *    code, unsound) affect the selected version;
 *  - it starts with what to do (the minimum upgrade, lib/deps.h), then a
 *    summary table when there are several advisories, then the cards:
 *    advisories that count against the version, notices that apply to it
 *    (unmaintained: neutral, with the suggested alternatives once), and,
 *    collapsed, the others with the reason (fixed in X, listed as
 *    unaffected, introduced later);
 *  - withdrawn advisories are not listed but linked from a note;
 *  - nothing grades the crate.
 */
#include "html.h"

#include "deps.h"
#include "index.h"
#include "page_deps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tab { TAB_VERSIONS, TAB_DEPS, TAB_SECURITY };

typedef struct view {
    const srv_site *s;
    const char *name; /* canonical: the index's or the database's spelling */
    const csec_index_crate *ic;
    const csec_advisory *const *advs;
    size_t nadv;
    bool has_sel;
    bool sel_explicit; /* the URL names the version (so it is selected) */
    srv_sel sel;       /* valid when has_sel; sel.iv: the index's entry, or NULL */
    srv_security sec;  /* the Security tab's decisions (security.c) */
    enum tab tab;
} view;

/* A tab's name: its URL segment (none for the default Versions tab), its id
 * and the end of the page title. */
static const char *const tab_name[] = {"versions", "dependencies", "security"};

/* /crates/NAME[/VERSION][/TAB] for this view, percent-encoded; `vers`
 * NULL: no version segment. */
static void crate_url(csec_buf *b, const view *v, const char *vers, enum tab t)
{
    html_crate_url(b, v->name, vers, t != TAB_VERSIONS ? tab_name[t] : NULL);
}

static void version_link(csec_buf *b, const view *v, const char *vers, enum tab t)
{
    csec_buf_puts(b, "<a href=\"");
    crate_url(b, v, vers, t);
    csec_buf_puts(b, "\">");
    html_esc(b, vers);
    csec_buf_puts(b, "</a>");
}

/* ---- 404 help ---- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static void unknown_crate(const srv_req *r, srv_resp *resp, const char *name)
{
    const srv_site *s = r->site;
    csec_buf *b = &resp->body;
    char why[256], msg[512];
    if (srv_index_unavailable(s, name, why, sizeof why)) {
        /* Not "no such crate": the registry could not be asked. */
        snprintf(msg, sizeof msg,
                 "The registry index could not be asked about this crate (%s), so whether it "
                 "exists and which versions it has are not known here now. Try again later.",
                 why);
        page_error(r, resp, 503, "Registry index unavailable", msg);
        return;
    }
    resp->status = 404;
    csec_buf_clear(b);
    html_begin(b, "Crate not found", name);
    csec_buf_puts(b, "<h1>Crate not found</h1>\n<p>No crate named <strong>");
    html_esc(b, name);
    csec_buf_puts(b, "</strong> is ");
    csec_buf_puts(b, srv_has_index(s) ? "in the registry index or " : "");
    csec_buf_puts(b, "in the RustSec advisory database.");
    if (!srv_has_index(s))
        csec_buf_puts(b, " This server runs without a registry index, so only crates with "
                         "advisories have pages.");
    csec_buf_puts(b, "</p>\n");
    size_t shown = 0;
    for (size_t i = 0; i < s->npackages && shown < 10; i++) {
        if (edit_distance(s->packages[i], name) > 2)
            continue;
        if (!shown++)
            csec_buf_puts(b, "<p>Crates with advisories and a similar name:</p>\n<ul>\n");
        csec_buf_puts(b, "<li>");
        html_link(b, "/crates/", s->packages[i]);
        csec_buf_puts(b, "</li>\n");
    }
    if (shown)
        csec_buf_puts(b, "</ul>\n");
    csec_buf_puts(b, "<p><a href=\"/search?q=");
    html_url_part(b, name);
    csec_buf_puts(b, "\">Search for crates whose name contains this text</a>.</p>\n");
    html_end(b, s);
}

static void unknown_version(const srv_req *r, srv_resp *resp, const view *v, const char *ver)
{
    csec_buf *b = &resp->body;
    resp->status = 404;
    csec_buf_clear(b);
    html_begin(b, "Version not found", NULL);
    csec_buf_puts(b, "<h1>Version not found</h1>\n<p>");
    if (v->ic) {
        csec_buf_puts(b, "The registry index has no version <strong>");
        html_esc(b, ver);
        csec_buf_puts(b, "</strong> of ");
    } else {
        csec_buf_puts(b, "<strong>");
        html_esc(b, ver);
        csec_buf_puts(b, "</strong> is not a valid version number for ");
    }
    html_link(b, "/crates/", v->name);
    csec_buf_puts(b, ".</p>\n");
    if (v->ic && v->ic->versions_count) {
        csec_buf_puts(b, "<p>Its newest versions:</p>\n<ul>\n");
        size_t n = v->ic->versions_count;
        for (size_t i = 0; i < n && i < 10; i++) {
            csec_buf_puts(b, "<li>");
            version_link(b, v, v->ic->versions[n - 1 - i].vers, TAB_VERSIONS);
            csec_buf_puts(b, "</li>\n");
        }
        csec_buf_puts(b, "</ul>\n");
    }
    html_end(b, r->site);
}

/* ---- parts of the page ---- */

/* The advisory that reports the crate removed from crates.io: one that
 * expects it deleted (`expect-deleted`), else one about malicious code when
 * the index does not list the crate. */
static const csec_advisory *removed_by(const view *v)
{
    for (size_t i = 0; i < v->nadv; i++)
        if (!v->advs[i]->withdrawn.year && v->advs[i]->expect_deleted)
            return v->advs[i];
    for (size_t i = 0; !v->ic && i < v->nadv; i++)
        if (!v->advs[i]->withdrawn.year && csec__word_is_malicious(v->advs[i]))
            return v->advs[i];
    return NULL;
}

static void header(csec_buf *b, const view *v)
{
    csec_buf_puts(b, "<div class=\"crate-head\">\n<h1>");
    html_esc(b, v->name);
    if (v->has_sel) {
        csec_buf_puts(b, " <span class=\"muted\">");
        html_esc(b, v->sel.text);
        csec_buf_puts(b, "</span>");
    }
    csec_buf_puts(b, "</h1>\n");
    if (v->ic && v->ic->versions_count) {
        csec_buf_puts(b, "<form method=\"get\" action=\"/crates/");
        html_url_part(b, v->name);
        csec_buf_puts(b, "\"><label for=\"version-select\">Version</label> "
                         "<select id=\"version-select\" name=\"v\">\n");
        for (size_t i = v->ic->versions_count; i-- > 0;) {
            const csec_index_version *x = &v->ic->versions[i];
            csec_buf_puts(b, "<option value=\"");
            html_esc(b, x->vers);
            csec_buf_puts(b, x == v->sel.iv ? "\" selected>" : "\">");
            html_esc(b, x->vers);
            if (x->yanked)
                csec_buf_puts(b, " (yanked)");
            csec_buf_puts(b, "</option>\n");
        }
        csec_buf_puts(b, "</select>");
        if (v->tab != TAB_VERSIONS)
            csec_buf_printf(b, "<input type=\"hidden\" name=\"tab\" value=\"%s\">",
                            tab_name[v->tab]);
        csec_buf_puts(b, " <button type=\"submit\">Show</button></form>\n");
    }
    csec_buf_puts(b, "</div>\n");
    /* An advisory that expects the crate to be deleted from crates.io
     * (malicious code, mostly) says it was removed. */
    const csec_advisory *removal = removed_by(v);
    char why[256];
    if (removal) {
        csec_buf_puts(b, "<p class=\"notice removed\" role=\"note\"><strong>This crate was "
                         "removed from crates.io.</strong> ");
        html_esc(b, csec__word_kind(removal));
        csec_buf_puts(b, ": ");
        html_link(b, "/advisories/", removal->id);
        csec_buf_puts(b, ". ");
        csec_buf_puts(b, v->ic ? "The registry index this server reads still lists its "
                                 "versions."
                               : "Its versions can no longer be downloaded, and no dependency "
                                 "on it can be built.");
        csec_buf_puts(b, "</p>\n");
    } else if (!v->ic && srv_index_unavailable(v->s, v->name, why, sizeof why)) {
        csec_buf_puts(b, "<p class=\"notice\">The registry index is unavailable (");
        html_esc(b, why);
        csec_buf_puts(b, "), so this crate's versions and dependencies are not shown. Its "
                         "Security tab is built from the advisories alone.</p>\n");
    } else if (!v->ic) {
        csec_buf_puts(b, "<p class=\"notice\">This crate is not in the registry index this "
                         "server reads, so its versions and dependencies are not known here. "
                         "Its Security tab is built from the advisories alone.</p>\n");
    }
    if (v->sel.iv && v->sel.iv->yanked)
        csec_buf_puts(b, "<p class=\"notice\">This version has been yanked.</p>\n");
    /* Unmaintained status as context, the way crates.io shows it: crate-level,
     * worded neutrally, pointing to the advisory and its alternatives. */
    for (size_t i = 0; i < v->nadv; i++) {
        const csec_advisory *a = v->advs[i];
        if (a->informational != CSEC_INFO_UNMAINTAINED || a->withdrawn.year)
            continue;
        if (a->affected_count && a->affected[a->affected_count - 1].has_fixed)
            continue;
        csec_buf_puts(b, "<p class=\"notice\">This crate is marked as unmaintained in ");
        html_link(b, "/advisories/", a->id);
        csec_buf_puts(b, html_has_alternatives(srv_site_adv(v->s, a))
                             ? ", which suggests alternatives.</p>\n"
                             : ".</p>\n");
        break;
    }
}

static void tabs(csec_buf *b, const view *v)
{
    static const char *const names[] = {"Versions", "Dependencies", "Security"};
    /* Normal and build dependencies that resolve to affected releases
     * (page_deps.c); dev-dependencies never count. */
    size_t dep_alarms = page_deps_alarms(v->s, v->sel.iv);
    csec_buf_puts(b, "<nav class=\"tabs\" aria-label=\"Crate sections\"><ul>\n");
    /* Without the index there are no versions or dependencies to show. */
    for (int t = v->ic ? TAB_VERSIONS : TAB_SECURITY; t <= TAB_SECURITY; t++) {
        bool hl = (t == TAB_SECURITY && v->sec.affected > 0) || (t == TAB_DEPS && dep_alarms > 0);
        csec_buf_printf(b, "<li><a id=\"tab-%s\" href=\"", tab_name[t]);
        crate_url(b, v, v->sel_explicit ? v->sel.text : NULL, (enum tab)t);
        csec_buf_putc(b, '"');
        if (hl)
            csec_buf_puts(b, " class=\"tab-affected\"");
        if ((int)v->tab == t)
            csec_buf_puts(b, " aria-current=\"page\"");
        csec_buf_printf(b, ">%s", names[t]);
        if (hl && t == TAB_DEPS) {
            csec_buf_printf(b, " <span class=\"count\" aria-hidden=\"true\">%zu</span>"
                               "<span class=\"vh\">: %zu dependenc%s resolve%s to affected "
                               "releases</span>",
                            dep_alarms, dep_alarms, dep_alarms == 1 ? "y" : "ies",
                            dep_alarms == 1 ? "s" : "");
        } else if (hl) {
            csec_buf_printf(b, " <span class=\"count\" aria-hidden=\"true\">%zu</span>"
                               "<span class=\"vh\">: %zu advisor%s affect%s version ",
                            v->sec.affected, v->sec.affected,
                            v->sec.affected == 1 ? "y" : "ies", v->sec.affected == 1 ? "s" : "");
            html_esc(b, v->sel.text);
            csec_buf_puts(b, "</span>");
        }
        csec_buf_puts(b, "</a></li>\n");
    }
    csec_buf_puts(b, "</ul></nav>\n");
}

/* The verdict of one advisory for the selected version, in words. */
static void verdict_text(csec_buf *b, const view *v, const csec_verdict *it)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__word_verdict_text(&t, it, v->sel.text, v->ic);
    html_escn(b, t.ptr, t.len);
    csec_buf_free(&t);
}

/* One advisory as a card: a disclosure whose summary is its heading.  `open`:
 * shown expanded. */
static void advisory_card(csec_buf *b, const view *v, const csec_verdict *it, bool open)
{
    const csec_advisory *a = it->a;
    const srv_adv *sa = srv_site_adv(v->s, a);
    bool alt = a->informational == CSEC_INFO_UNMAINTAINED && html_has_alternatives(sa);
    csec_buf_puts(b, "<article class=\"adv");
    if (it->affects)
        csec_buf_puts(b, it->counts ? " affects" : " context");
    csec_buf_puts(b, "\" id=\"");
    html_esc(b, a->id);
    csec_buf_puts(b, "\" aria-labelledby=\"t-");
    html_esc(b, a->id);
    csec_buf_puts(b, open ? "\">\n<details open><summary>" : "\">\n<details><summary>");
    csec_buf_puts(b, "<h4 id=\"t-");
    html_esc(b, a->id);
    csec_buf_puts(b, "\"><span class=\"adv-id\">");
    html_esc(b, a->id);
    csec_buf_puts(b, "</span> ");
    html_kind_label(b, a);
    csec_buf_puts(b, " <span class=\"adv-title\">");
    html_title(b, a->title);
    csec_buf_puts(b, "</span></h4></summary>\n");
    if (v->has_sel) {
        csec_buf_printf(b, "<p class=\"verdict%s\">",
                        !it->affects ? " no" : it->counts ? " yes" : "");
        verdict_text(b, v, it);
        csec_buf_puts(b, "</p>\n");
    }
    if (alt) {
        csec_buf_puts(b, "<div class=\"alternatives\"><h5>Suggested alternatives</h5>\n");
        csec_buf_puts(b, sa->alt_html);
        csec_buf_puts(b, "</div>\n");
    }
    html_adv_facts(b, v->s, a, v->has_sel ? &v->sel.v : NULL, v->ic);
    csec_buf_puts(b, "<p><a href=\"/advisories/");
    html_url_part(b, a->id);
    csec_buf_puts(b, "\">The advisory ");
    html_esc(b, a->id);
    csec_buf_puts(b, " on its own page</a></p>\n<h5>Description</h5>\n<div class=\"desc\">\n");
    html_desc(b, sa, 6, alt);
    csec_buf_puts(b, "</div>\n</details>\n</article>\n");
}

/* The summary table's last column: the verdict for the version, or the
 * ranges when none is selected. */
static void last_column(csec_buf *b, const view *v)
{
    if (v->has_sel) {
        csec_buf_puts(b, "Version ");
        html_esc(b, v->sel.text);
    } else {
        csec_buf_puts(b, "Affected versions");
    }
}

/* Several advisories: one table first, each row linking to its card. */
static void summary_table(csec_buf *b, const view *v)
{
    csec_buf_puts(b, "<table class=\"stack summary\"><caption>All advisories of this crate"
                     "</caption>\n<thead><tr><th scope=\"col\">Advisory</th>"
                     "<th scope=\"col\">Kind</th><th scope=\"col\">Title</th>"
                     "<th scope=\"col\">");
    last_column(b, v);
    csec_buf_puts(b, "</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < v->sec.count; i++) {
        const csec_verdict *it = &v->sec.items[i];
        csec_buf_puts(b, it->affects && it->counts ? "<tr class=\"affects\">" : "<tr>");
        csec_buf_puts(b, "<td data-label=\"Advisory\"><a href=\"#");
        html_esc(b, it->a->id);
        csec_buf_puts(b, "\">");
        html_esc(b, it->a->id);
        csec_buf_puts(b, "</a></td><td data-label=\"Kind\">");
        html_kind_label(b, it->a);
        csec_buf_puts(b, "</td><td data-label=\"Title\">");
        html_title(b, it->a->title);
        csec_buf_puts(b, "</td><td data-label=\"");
        last_column(b, v);
        csec_buf_puts(b, "\">");
        if (v->has_sel)
            verdict_text(b, v, it);
        else
            html_ranges(b, it->a, v->ic);
        csec_buf_puts(b, "</td></tr>\n");
    }
    csec_buf_puts(b, "</tbody></table>\n");
}

/* How many cards of a group are shown expanded: all of a short group. */
enum { OPEN_MAX = 3, SUMMARY_MIN = 4 };

/* What to do about the selected version: the minimum upgrade that clears
 * every advisory that counts against it (lib/deps.h). */
static void advice(csec_buf *b, const view *v)
{
    if (!v->ic || !v->has_sel || !v->sec.affected)
        return;
    csec_advice adv;
    csec__deps_advice(&adv, v->s->db, v->ic, &v->sel.v, false);
    if (adv.kind == CSEC_ADVICE_NONE)
        return;
    csec_buf t = CSEC_BUF_INIT;
    csec__word_advice(&t, &adv, html_index_stale(v->s));
    csec_buf_puts(b, "<p class=\"advice\"><strong>What to do:</strong> ");
    html_escn(b, t.ptr, t.len);
    csec_buf_puts(b, "</p>\n");
    csec_buf_free(&t);
}

/* The feed and the badge of the crate, ready to copy. */
static void follow(csec_buf *b, const view *v)
{
    csec_buf_puts(b, "<section aria-labelledby=\"follow-h\"><h3 id=\"follow-h\">Follow and "
                     "embed</h3>\n<ul>\n<li><a href=\"/crates/");
    html_url_part(b, v->name);
    csec_buf_puts(b, "/feed.xml\">Atom feed of the advisories of ");
    html_esc(b, v->name);
    csec_buf_puts(b, "</a></li>\n");
    if (v->ic) {
        csec_buf_puts(b, "<li>Badge of the newest release: <img src=\"/crates/");
        html_url_part(b, v->name);
        csec_buf_puts(b, "/badge.svg\" alt=\"RustSec badge of ");
        html_esc(b, v->name);
        csec_buf_puts(b, "\" height=\"20\"> Markdown, with HOST this server&#39;s address: "
                         "<code class=\"snippet\">[![RustSec](https://HOST/crates/");
        html_url_part(b, v->name);
        csec_buf_puts(b, "/badge.svg)](https://HOST/crates/");
        html_url_part(b, v->name);
        csec_buf_puts(b, "/security)</code></li>\n");
    }
    csec_buf_puts(b, "</ul>\n</section>\n");
}

/* One group of cards under its heading; `collapsed`: the whole group is a
 * closed disclosure (the advisories that do not affect the version). */
static void card_group(csec_buf *b, const view *v, const char *id, const char *what,
                       const csec_verdict *items, size_t n, bool collapsed)
{
    csec_buf_printf(b, "<section aria-labelledby=\"%s\">", id);
    if (collapsed)
        csec_buf_puts(b, "<details class=\"group\"><summary>");
    csec_buf_printf(b, "<h3 id=\"%s\">%s", id, what);
    if (v->has_sel)
        html_esc(b, v->sel.text);
    csec_buf_printf(b, " (%zu)</h3>", n);
    csec_buf_puts(b, collapsed ? "</summary>\n" : "\n");
    if (!n)
        csec_buf_puts(b, "<p>None.</p>\n");
    for (size_t i = 0; i < n; i++)
        advisory_card(b, v, &items[i], !collapsed && n <= OPEN_MAX);
    csec_buf_puts(b, collapsed ? "</details></section>\n" : "</section>\n");
}

static void security_tab(csec_buf *b, const view *v)
{
    /* sec.items: those that count against the version, the notices that
     * apply, then the others. */
    size_t ny = v->sec.affected, nnote = v->sec.notices, nn = v->sec.count - ny - nnote;
    const csec_verdict *yes = v->sec.items, *notes = yes + ny, *no = notes + nnote;
    const csec_advisory *const *gone = v->sec.withdrawn;
    size_t ng = v->sec.nwithdrawn, total = v->sec.count;
    csec_buf_puts(b, "<section aria-labelledby=\"sec-h\"><h2 id=\"sec-h\">Security</h2>\n");
    /* Fail closed (wording rule 9): said first, and nothing below calls the
     * crate or the version clean. */
    if (v->sec.incomplete)
        html_incomplete(b, v->sec.incomplete, NULL);
    if (total == 0 && v->sec.incomplete) {
        /* Nothing loaded to list: the sentence above says why. */
    } else if (total == 0) {
        csec_buf_puts(b, "<p class=\"empty\">No advisories in the RustSec advisory database "
                         "concern this crate.</p>\n");
    } else if (!v->has_sel) {
        csec_buf t = CSEC_BUF_INIT;
        csec__word_count(&t, total, "advisory", "advisories");
        csec_buf_puts(b, "<p>");
        html_escn(b, t.ptr, t.len);
        csec_buf_puts(b, total == 1 ? " in the RustSec advisory database concerns this crate."
                                    : " in the RustSec advisory database concern this crate.");
        csec_buf_puts(b, v->ic ? " Pick a version to see which affect it.</p>\n"
                               : " No version of it is known here, so none is checked.</p>\n");
        csec_buf_free(&t);
        if (total >= SUMMARY_MIN)
            summary_table(b, v);
        csec_buf_puts(b, "<section aria-labelledby=\"h-all\"><h3 id=\"h-all\">Advisories</h3>\n");
        for (size_t i = 0; i < total; i++)
            advisory_card(b, v, &v->sec.items[i], total <= OPEN_MAX);
        csec_buf_puts(b, "</section>\n");
    } else {
        csec_buf t = CSEC_BUF_INIT;
        csec__word_count(&t, total, "advisory", "advisories");
        csec_buf_puts(&t, total == 1 ? " in the RustSec advisory database concerns this crate; "
                                     : " in the RustSec advisory database concern this crate; ");
        if (ny)
            csec__word_count(&t, ny, "affects", "affect");
        else
            csec_buf_puts(&t, v->sec.incomplete ? "none of those loaded affects" : "none affects");
        csec_buf_printf(&t, " version %s", v->sel.text);
        if (nnote) {
            csec_buf_puts(&t, ny ? "; " : ", but ");
            csec__word_count(&t, nnote, "notice applies", "notices apply");
            csec_buf_puts(&t, " to it");
        }
        csec_buf_putc(&t, '.');
        csec_buf_puts(b, "<p class=\"sec-summary\">");
        html_escn(b, t.ptr, t.len);
        csec_buf_puts(b, "</p>\n");
        csec_buf_free(&t);
        advice(b, v);
        if (total >= SUMMARY_MIN)
            summary_table(b, v);
        card_group(b, v, "h-yes", "Affecting version ", yes, ny, false);
        if (nnote)
            card_group(b, v, "h-note", "Notices for version ", notes, nnote, false);
        if (nn)
            card_group(b, v, "h-no", "Not affecting version ", no, nn, true);
    }
    if (ng) {
        csec_buf_puts(b, "<p class=\"muted\" id=\"withdrawn\">Withdrawn advisories are not "
                         "listed; they apply to no version and are kept for reference: ");
        for (size_t i = 0; i < ng; i++) {
            csec_buf_puts(b, i ? ", " : "");
            html_link(b, "/advisories/", gone[i]->id);
        }
        csec_buf_puts(b, ".</p>\n");
    }
    page_deps_security(b, v->s, v->ic, v->sel.iv);
    follow(b, v);
    csec_buf_puts(b, "</section>\n");
}

/* The SVG timeline: one column per published version (oldest left), one row
 * per non-withdrawn advisory, filled where the version is affected, with a
 * mark on the first published version at or after each fix. */
static void timeline(csec_buf *b, const view *v)
{
    const csec_index_crate *c = v->ic;
    size_t n = c->versions_count, rows = v->sec.count; /* sec lists those not withdrawn */
    const double left = 150, plot = 760;
    double w = plot / (double)n;
    if (w > 24)
        w = 24;
    double width = left + w * (double)n + 10;
    double height = 40 + 20 * (double)(rows + 1) + 6;
    csec_buf_printf(b, "<figure><div class=\"scroll\" tabindex=\"0\" role=\"region\" "
                       "aria-label=\"Version timeline\"><svg class=\"timeline\" role=\"img\" "
                       "aria-labelledby=\"tl-title tl-desc\" viewBox=\"0 0 %.0f %.0f\" "
                       "width=\"%.0f\" xmlns=\"http://www.w3.org/2000/svg\">\n",
                    width, height, width);
    csec_buf_puts(b, "<title id=\"tl-title\">Version timeline of ");
    html_esc(b, v->name);
    csec_buf_printf(b, "</title>\n<desc id=\"tl-desc\">%zu published versions from oldest "
                       "(left) to newest (right), hollow when yanked; one row per advisory, "
                       "filled where versions are affected (solid for advisories that count, "
                       "hatched for notices); a triangle marks the first version with a fix."
                       "</desc>\n",
                    n);
    csec_buf_puts(b, "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" "
                     "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                     "<rect width=\"2\" height=\"4\" class=\"note\"/></pattern></defs>\n");
    size_t step = (size_t)(90.0 / w) + 1;
    for (size_t i = 0; i < n; i += step) {
        csec_buf_printf(b, "<text x=\"%.1f\" y=\"14\">", left + w * (double)i);
        html_esc(b, c->versions[i].vers);
        csec_buf_puts(b, "</text>\n");
    }
    csec_buf_puts(b, "<text x=\"0\" y=\"46\">versions</text>\n");
    for (size_t i = 0; i < n; i++) {
        const csec_index_version *x = &c->versions[i];
        csec_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"34\" width=\"%.1f\" "
                           "height=\"14\"><title>",
                        x->yanked ? "yk" : "v", left + w * (double)i + 0.5,
                        w > 2 ? w - 1 : w);
        html_esc(b, x->vers);
        csec_buf_puts(b, x->yanked ? " (yanked)</title></rect>\n" : "</title></rect>\n");
    }
    double y = 54;
    for (size_t k = 0; k < v->nadv; k++) {
        const csec_advisory *a = v->advs[k];
        if (a->withdrawn.year)
            continue;
        csec_buf_printf(b, "<text x=\"0\" y=\"%.0f\">", y + 12);
        html_esc(b, a->id);
        csec_buf_puts(b, "</text>\n");
        /* Affected runs. */
        for (size_t i = 0; i < n;) {
            if (!csec_advisory_affects(a, &c->versions[i].version)) {
                i++;
                continue;
            }
            size_t j = i;
            while (j < n && csec_advisory_affects(a, &c->versions[j].version))
                j++;
            bool counts = csec__word_counts(a);
            csec_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                               "height=\"14\"%s><title>",
                            counts ? "aff" : "notice", left + w * (double)i, y + 2,
                            w * (double)(j - i), counts ? "" : " fill=\"url(#hatch)\"");
            html_esc(b, a->id);
            csec_buf_puts(b, counts ? " affects " : " applies to ");
            html_esc(b, c->versions[i].vers);
            if (j - i > 1) {
                csec_buf_puts(b, " to ");
                html_esc(b, c->versions[j - 1].vers);
            }
            csec_buf_puts(b, "</title></rect>\n");
            i = j;
        }
        /* Fix marks. */
        for (size_t r = 0; r < a->affected_count; r++) {
            if (!a->affected[r].has_fixed)
                continue;
            for (size_t i = 0; i < n; i++) {
                if (csec_version_cmp(&c->versions[i].version, &a->affected[r].fixed) < 0)
                    continue;
                /* A shape, not only a colour: a triangle pointing at the
                 * version, on a thin line. */
                double x = left + w * (double)i;
                csec_buf_printf(b, "<path class=\"fix\" d=\"M%.1f %.0fh2v18h-2z M%.1f %.0fl5 "
                                   "-6h-10z\"><title>fixed in ",
                                x, y, x + 1, y + 18);
                /* The first published version with the fix, not the bound
                 * itself, which may be an internal one like 0.4.0-0. */
                html_esc(b, c->versions[i].vers);
                csec_buf_puts(b, "</title></path>\n");
                break;
            }
        }
        y += 20;
    }
    csec_buf_puts(b, "</svg></div><figcaption class=\"muted\">Published versions, oldest "
                     "left; solid bars: versions affected by an advisory that counts; hatched "
                     "bars: versions a notice applies to; triangles: the first version with a "
                     "fix.</figcaption></figure>\n");
}

static void versions_tab(csec_buf *b, const view *v)
{
    csec_buf_puts(b, "<section aria-labelledby=\"ver-h\"><h2 id=\"ver-h\">Versions</h2>\n");
    if (!v->ic) {
        csec_buf_puts(b, "<p>The versions of this crate are not known here.</p></section>\n");
        return;
    }
    if (!v->ic->versions_count) {
        csec_buf_puts(b, "<p>The index lists no usable version of this crate.</p></section>\n");
        return;
    }
    timeline(b, v);
    /* Older index entries carry no publication time: no empty column then. */
    bool dates = false;
    for (size_t i = 0; i < v->ic->versions_count && !dates; i++)
        dates = csec__index_pubtime(&v->ic->versions[i]) != NULL;
    csec_buf_puts(b, "<table><caption class=\"vh\">Versions, newest first</caption>\n"
                     "<thead><tr><th scope=\"col\">Version</th>");
    if (dates)
        csec_buf_puts(b, "<th scope=\"col\">Published</th>");
    csec_buf_puts(b, "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for (size_t i = v->ic->versions_count; i-- > 0;) {
        const csec_index_version *x = &v->ic->versions[i];
        csec_buf_puts(b, x == v->sel.iv ? "<tr aria-current=\"true\"><td>" : "<tr><td>");
        version_link(b, v, x->vers, TAB_SECURITY);
        csec_buf_puts(b, "</td><td>");
        if (dates) {
            const char *pub = csec__index_pubtime(x);
            if (pub)
                html_escn(b, pub, strnlen(pub, 10)); /* the date of a timestamp */
            else
                csec_buf_puts(b, "<span class=\"muted\">unknown</span>");
            csec_buf_puts(b, "</td><td>");
        }
        bool any = false;
        if (x->yanked) {
            csec_buf_puts(b, "<span class=\"tag\">yanked</span>");
            any = true;
        }
        for (size_t k = 0; k < v->nadv; k++) {
            const csec_advisory *a = v->advs[k];
            if (!csec__word_counts_against(a, &x->version))
                continue;
            csec_buf_puts(b, any ? " " : "");
            csec_buf_puts(b, "<span class=\"tag tag-affected\">affected by ");
            html_link(b, "/advisories/", a->id);
            csec_buf_puts(b, "</span>");
            any = true;
        }
        csec_buf_puts(b, "</td></tr>\n");
    }
    csec_buf_puts(b, "</tbody></table>\n");
    for (size_t k = 0; k < v->nadv; k++) {
        if (!v->advs[k]->withdrawn.year && !csec__word_counts(v->advs[k])) {
            csec_buf_puts(b, "<p class=\"muted\">Unmaintained advisories and notices are "
                             "context, not flaws of a version: the table leaves them out; the "
                             "Security tab shows them.</p>\n");
            break;
        }
    }
    csec_buf_puts(b, "</section>\n");
}

/* ---- the handler ---- */

static int parse_tab(const char *s)
{
    for (int t = TAB_VERSIONS; t <= TAB_SECURITY; t++)
        if (strcmp(s, tab_name[t]) == 0)
            return t;
    return -1;
}

void page_crate(const srv_req *r, srv_resp *resp)
{
    const srv_site *s = r->site;
    const char *url_name = r->seg[1];
    /* /crates/NAME/VERSION/TAB, or a version or a tab after the name. */
    const char *ver_seg = NULL, *tab_seg = r->nseg == 4 ? r->seg[3] : NULL;
    if (r->nseg == 4 || (r->nseg == 3 && r->seg[2][0] >= '0' && r->seg[2][0] <= '9'))
        ver_seg = r->seg[2];
    else if (r->nseg == 3)
        tab_seg = r->seg[2];
    int tab = tab_seg ? parse_tab(tab_seg) : -1;
    if (tab_seg && tab < 0) {
        page_not_found(r, resp, "Crate pages have the tabs versions, dependencies and security.");
        return;
    }

    srv_crate c;
    if (!srv_crate_find(s, url_name, &c)) {
        unknown_crate(r, resp, url_name);
        return;
    }
    view v = {.s = s,
              .name = c.name,
              .ic = c.ic,
              .advs = c.advs,
              .nadv = c.nadv,
              .sel_explicit = ver_seg != NULL};

    /* The version selector's form, and names spelled differently from the
     * canonical name, redirect to the canonical URL. */
    const char *qv = srv_query(r, "v");
    if (qv || strcmp(v.name, url_name) != 0) {
        csec_buf loc = CSEC_BUF_INIT;
        const char *qt = qv ? srv_query(r, "tab") : NULL;
        int t = qt ? parse_tab(qt) : tab;
        crate_url(&loc, &v, qv && *qv ? qv : ver_seg, t > 0 ? (enum tab)t : TAB_VERSIONS);
        srv_redirect(resp, qv ? 303 : 301, loc.ptr);
        csec_buf_free(&loc);
        return;
    }

    int found = srv_crate_version(&c, ver_seg, &v.sel);
    if (found < 0) {
        unknown_version(r, resp, &v, ver_seg);
        return;
    }
    /* Without a version (no index, or one listing none) the tab lists the
     * advisories without verdicts. */
    v.has_sel = found == 0;
    v.tab = tab >= 0 ? (enum tab)tab : v.ic ? TAB_VERSIONS : TAB_SECURITY;

    /* Needed on every tab: the Security tab's count highlights it. */
    srv_security_of(&v.sec, &c, v.has_sel ? &v.sel.v : NULL);

    csec_buf *b = &resp->body;
    csec_buf title = CSEC_BUF_INIT;
    csec_buf_printf(&title, "%s%s%s: %s", v.name, v.has_sel ? " " : "", v.has_sel ? v.sel.text : "",
                    tab_name[v.tab]);
    resp->status = 200;
    csec_buf feed = CSEC_BUF_INIT, feed_title = CSEC_BUF_INIT;
    crate_url(&feed, &v, NULL, TAB_VERSIONS);
    csec_buf_puts(&feed, "/feed.xml");
    csec_buf_printf(&feed_title, "RustSec advisories for %s", v.name);
    html_begin_feed(b, title.ptr, NULL, feed.ptr, feed_title.ptr);
    csec_buf_free(&feed);
    csec_buf_free(&feed_title);
    csec_buf_free(&title);
    header(b, &v);
    tabs(b, &v);
    switch (v.tab) {
    case TAB_VERSIONS:
        versions_tab(b, &v);
        break;
    case TAB_DEPS:
        page_deps_tab(b, s, v.ic, v.sel.iv); /* page_deps.c */
        break;
    case TAB_SECURITY:
        security_tab(b, &v);
        break;
    }
    html_end(b, s);
    srv_security_free(&v.sec);
}
