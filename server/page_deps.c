/* page_deps.c - dependency-aware security on the site (see page_deps.h).
 *
 * Everything is computed per request from the immutable index and database
 * (lib/deps.c) except the reverse dependencies of the whole index, which
 * are built once per loaded index (srv_index_data_load in live.c).  Every
 * sentence comes from lib/ (csec__deps_finding_text, lib/wording.h);
 * unmaintained advisories and notices are context, never alarm styling, as on
 * the Security tab. */
#include "page_deps.h"

#include "deps.h"
#include "registry.h"
#include "wording.h"

#include <stdlib.h>
#include <string.h>

/* At most this many dependents are listed on an advisory page. */
enum { IMPACT_LIST_MAX = 100 };

size_t page_deps_alarms(const srv_site *s, const csec_index_version *v)
{
    if (!v)
        return 0;
    csec_deps_source src = srv_deps_source(s);
    return csec__deps_alarm_count(&src, s->db, v);
}

static void crate_link(csec_buf *b, const char *name, const char *vers, const char *tab)
{
    csec_buf_puts(b, "<a href=\"");
    html_crate_url(b, name, vers, tab);
    csec_buf_puts(b, "\">");
    html_esc(b, name);
    if (vers) {
        csec_buf_putc(b, ' ');
        html_esc(b, vers);
    }
    csec_buf_puts(b, "</a>");
}

/* A finding in words (csec__deps_finding_text, lib/wording.h), escaped,
 * with the advisory ids in it linked. */
static void finding_html(csec_buf *b, const srv_site *s, const csec_deps_finding *f)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__deps_finding_text(&t, f, html_index_stale(s));
    if (t.len && t.ptr[0] >= 'a' && t.ptr[0] <= 'z')
        t.ptr[0] = (char)(t.ptr[0] - 'a' + 'A');
    html_linked_text(b, s, t.ptr, t.len);
    if (t.len && t.ptr[t.len - 1] != '.')
        csec_buf_putc(b, '.');
    csec_buf_free(&t);
}

static bool is_hit(const csec_deps_finding *f)
{
    return f->state == CSEC_DEPS_ONLY_AFFECTED || f->state == CSEC_DEPS_NEWEST_AFFECTED;
}

static void state_tag(csec_buf *b, const csec_deps_finding *f)
{
    static const char *const words[] = {"clear", "newest release affected",
                                        "only affected releases", "no matching release",
                                        "not in index", "invalid requirement",
                                        "other registry", "index unavailable"};
    /* Alarm styling only where it counts: not for dev-dependencies, optional
     * ones the default features leave off, or notices. */
    csec_buf_printf(b, "<span class=\"tag%s\">%s</span> ", f->alarm ? " tag-affected" : "",
                    words[f->state]);
}

/* `enabled`: 1 on by default, 0 off, -1 not known here, 2 said already. */
static void dep_notes(csec_buf *b, const csec_index_dep *d, int enabled)
{
    if (d->optional && enabled != 2)
        csec_buf_puts(b, enabled > 0   ? " <span class=\"tag\">optional, on by default</span>"
                         : enabled == 0 ? " <span class=\"tag\">optional, off by default</span>"
                                        : " <span class=\"tag\">optional</span>");
    if (d->rename) {
        csec_buf_puts(b, " <span class=\"muted\">renamed to <code>");
        html_esc(b, d->rename);
        csec_buf_puts(b, "</code></span>");
    }
    if (d->target) {
        csec_buf_puts(b, " <span class=\"muted\">only for <code>");
        html_esc(b, d->target);
        csec_buf_puts(b, "</code></span>");
    }
}

static void direct_tables(csec_buf *b, const srv_site *s, const csec_deps_report *r)
{
    for (int k = 0; k < 3; k++) {
        size_t n = csec__deps_direct_count(r, k);
        if (!n)
            continue;
        const char *title = csec__word_dep_section(k);
        csec_buf_printf(b, "<h3>%s (%zu)</h3>\n", title, n);
        if (k == CSEC_INDEX_DEP_DEV)
            csec_buf_puts(b, "<p class=\"muted\">Development dependencies are used only to "
                             "build tests, examples and benchmarks; their advisories never "
                             "count against this crate.</p>\n");
        csec_buf_printf(b, "<table class=\"stack\"><caption class=\"vh\">%s</caption><thead>"
                           "<tr><th scope=\"col\">Crate</th><th scope=\"col\">Requirement"
                           "</th><th scope=\"col\">Resolves to</th><th scope=\"col\">"
                           "Security</th></tr></thead>\n<tbody>\n",
                        title);
        for (size_t i = 0; i < r->ndirect; i++) {
            const csec_deps_finding *f = &r->direct[i];
            if (f->dep->kind != k)
                continue;
            csec_buf_puts(b, "<tr><td data-label=\"Crate\">");
            if (f->crate)
                crate_link(b, f->crate->name, NULL, NULL);
            else
                html_esc(b, f->dep->name);
            dep_notes(b, f->dep, f->enabled);
            csec_buf_puts(b, "</td><td data-label=\"Requirement\"><code>");
            html_esc(b, f->dep->req);
            csec_buf_puts(b, "</code></td><td data-label=\"Resolves to\">");
            if (f->newest)
                crate_link(b, f->crate->name, f->newest->vers, "security");
            else
                csec_buf_puts(b, "<span class=\"muted\">nothing</span>");
            csec_buf_puts(b, "</td><td data-label=\"Security\">");
            state_tag(b, f);
            finding_html(b, s, f);
            csec_buf_puts(b, "</td></tr>\n");
        }
        csec_buf_puts(b, "</tbody></table>\n");
    }
}

static void node_text(csec_buf *b, const csec_deps_report *r, size_t id, bool link)
{
    const csec_deps_node *n = &r->nodes[id];
    if (n->version && link) {
        crate_link(b, n->name, n->version->vers, "security");
        return;
    }
    html_esc(b, n->name);
    csec_buf_putc(b, ' ');
    html_esc(b, n->version ? n->version->vers : n->via ? n->via->req : "");
}

static void path_html(csec_buf *b, const csec_deps_report *r, size_t node, size_t *scratch)
{
    size_t len = csec__deps_path(r, node, scratch, r->nnodes);
    for (size_t k = 0; k < len; k++) {
        if (k)
            csec_buf_puts(b, " &rarr; ");
        node_text(b, r, scratch[k], k > 0);
    }
}

static void hits_table(csec_buf *b, const csec_deps_report *r)
{
    size_t *scratch = csec__xcalloc(r->nnodes + 1, sizeof *scratch);
    csec_buf_puts(b, "<table class=\"stack\"><caption class=\"vh\">Advisories reachable "
                     "through the resolved tree</caption><thead><tr><th scope=\"col\">Advisory"
                     "</th><th scope=\"col\">Crate</th><th scope=\"col\">Path</th></tr>"
                     "</thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nhits; i++) {
        const csec_advisory *a = r->hits[i].adv;
        const csec_deps_node *n = &r->nodes[r->hits[i].node];
        csec_buf_puts(b, r->hits[i].counts ? "<tr class=\"affects\"><td data-label=\"Advisory\">"
                                           : "<tr><td data-label=\"Advisory\">");
        html_link(b, "/advisories/", a->id);
        csec_buf_puts(b, " ");
        html_kind_label(b, a);
        csec_buf_puts(b, "<br><span class=\"muted\">");
        html_title(b, a->title);
        csec_buf_puts(b, "</span></td><td data-label=\"Crate\">");
        crate_link(b, n->name, n->version->vers, "security");
        csec_buf_puts(b, "</td><td data-label=\"Path\">");
        path_html(b, r, r->hits[i].node, scratch);
        if (n->build)
            csec_buf_puts(b, " <span class=\"tag\">build</span>");
        if (n->target) {
            csec_buf_puts(b, " <span class=\"muted\">only for <code>");
            html_esc(b, n->target);
            csec_buf_puts(b, "</code></span>");
        }
        csec_buf_puts(b, "</td></tr>\n");
    }
    csec_buf_puts(b, "</tbody></table>\n");
    free(scratch);
}

/* The tree as nested lists, from the report's iterator (lib/deps.h): each
 * node expanded once, later occurrences say so. */
static void tree_html(csec_buf *b, const csec_deps_report *r)
{
    static const char *const why[] = {"", "not in index", "no matching release",
                                      "invalid requirement", "other registry",
                                      "index unavailable"};
    csec_buf_puts(b, "<div class=\"scroll tree\" tabindex=\"0\" role=\"region\" "
                     "aria-label=\"The tree, scrollable\">\n");
    csec_deps_iter it;
    csec__deps_iter_init(&it, r);
    csec_deps_event ev;
    while ((ev = csec__deps_iter_next(&it)) != CSEC_DEPS_DONE) {
        const csec_deps_node *c = &r->nodes[it.node];
        const csec_deps_edge *e = it.edge;
        if (!e) {
            /* The root: the list of its dependencies. */
            csec_buf_puts(b, ev == CSEC_DEPS_ENTER ? "<ul class=\"dep-tree\">\n" : "</ul>\n");
            continue;
        }
        if (ev == CSEC_DEPS_LEAVE) {
            csec_buf_puts(b, it.expanded ? "</ul></li>\n" : "</li>\n");
            continue;
        }
        csec_buf_puts(b, "<li>");
        node_text(b, r, it.node, true);
        if (e->dep->kind == CSEC_INDEX_DEP_BUILD)
            csec_buf_puts(b, " <span class=\"tag\">build</span>");
        dep_notes(b, e->dep, -1);
        if (c->kind != CSEC_DEPS_NODE_RESOLVED)
            csec_buf_printf(b, " <span class=\"muted\">(%s)</span>", why[c->kind]);
        for (size_t a = 0; a < c->nadv; a++) {
            bool counts = csec__word_counts(c->advs[a]);
            csec_buf_printf(b, " <span class=\"tag%s\">", counts ? " tag-affected" : "");
            html_link(b, "/advisories/", c->advs[a]->id);
            if (!counts) {
                csec_buf_puts(b, " ");
                html_esc(b, csec__word_kind(c->advs[a]));
            }
            csec_buf_puts(b, "</span>");
        }
        if (it.repeat && c->nedges)
            csec_buf_puts(b, " <span class=\"muted\">(dependencies shown above)</span>");
        csec_buf_puts(b, it.expanded ? "\n<ul>\n" : "");
    }
    csec__deps_iter_free(&it);
    csec_buf_puts(b, "</div>\n");
}

/* "N crate versions in the resolved tree besides this one (...). Reachable
 * through them: K advisories that count and M notices." (the same on both
 * tabs; the crate's own advisories are never among them). */
static void tree_counts(csec_buf *t, const csec_deps_report *r)
{
    csec__word_count(t, r->nnodes - 1, "crate version", "crate versions");
    csec_buf_puts(t, " in the resolved tree besides this one (normal and build dependencies, "
                     "default features). Reachable through them: ");
    if (!r->counting && !r->notices) {
        csec_buf_puts(t, "no advisory.");
        return;
    }
    csec__word_count(t, r->counting, "advisory that counts", "advisories that count");
    if (r->notices) {
        csec_buf_puts(t, " and ");
        csec__word_count(t, r->notices, "notice", "notices");
    }
    csec_buf_putc(t, '.');
}

static void simplifications(csec_buf *b)
{
    csec_buf_puts(b, "<details><summary>How this tree is resolved (simplifications)</summary>"
                     "\n<ul>\n");
    for (size_t i = 0; csec__deps_simplifications[i]; i++) {
        csec_buf_puts(b, "<li>");
        html_esc(b, csec__deps_simplifications[i]);
        csec_buf_puts(b, "</li>\n");
    }
    csec_buf_puts(b, "</ul></details>\n");
}

void page_deps_tab(csec_buf *b, const srv_site *s, const csec_index_crate *c,
                   const csec_index_version *v)
{
    csec_buf_puts(b, "<section aria-labelledby=\"dep-h\"><h2 id=\"dep-h\">Dependencies</h2>\n");
    if (!v) {
        csec_buf_puts(b, "<p>The dependencies of this crate are not known here.</p></section>\n");
        return;
    }
    csec_deps_source src = srv_deps_source(s);
    csec_deps_report *r = csec__deps_report_new(&src, s->db, c, v);
    if (!r->ndirect)
        csec_buf_puts(b, "<p>This version has no dependencies.</p>\n");
    direct_tables(b, s, r);
    csec_buf_puts(b, "<section aria-labelledby=\"tree-h\"><h3 id=\"tree-h\">Resolved "
                     "dependency tree</h3>\n<p>");
    csec_buf t = CSEC_BUF_INIT;
    tree_counts(&t, r);
    html_escn(b, t.ptr, t.len);
    csec_buf_free(&t);
    csec_buf_puts(b, "</p>\n");
    simplifications(b);
    if (r->nhits)
        hits_table(b, r);
    if (r->nnodes > 1)
        tree_html(b, r);
    csec_buf_puts(b, "</section>\n</section>\n");
    csec__deps_report_free(r);
}

void page_deps_security(csec_buf *b, const srv_site *s, const csec_index_crate *c,
                        const csec_index_version *v)
{
    if (!v)
        return;
    csec_deps_source src = srv_deps_source(s);
    csec_deps_report *r = csec__deps_report_new(&src, s->db, c, v);
    csec_buf_puts(b, "<section aria-labelledby=\"h-deps\"><h3 id=\"h-deps\">Through "
                     "dependencies</h3>\n");
    size_t shown = 0;
    /* Those that count first, then what is listed but not counted:
     * dev-dependencies and optional ones left off by default. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->ndirect; i++) {
            const csec_deps_finding *f = &r->direct[i];
            if (!is_hit(f) || f->enabled != (pass == 0))
                continue;
            if (!shown++)
                csec_buf_puts(b, "<ul>\n");
            csec_buf_puts(b, "<li>");
            state_tag(b, f);
            crate_link(b, f->crate->name, NULL, "security");
            csec_buf_puts(b, " <code>");
            html_esc(b, f->dep->req);
            csec_buf_puts(b, "</code>");
            if (f->dep->kind == CSEC_INDEX_DEP_DEV)
                csec_buf_puts(b, " <span class=\"muted\">(dev-dependency: not counted)</span>");
            else if (!f->enabled)
                csec_buf_puts(b, " <span class=\"muted\">(optional, off by default: not "
                                 "counted)</span>");
            dep_notes(b, f->dep, f->dep->kind == CSEC_INDEX_DEP_DEV ? -1 : f->enabled ? 1 : 2);
            csec_buf_puts(b, ": ");
            finding_html(b, s, f);
            csec_buf_puts(b, "</li>\n");
        }
    }
    if (shown)
        csec_buf_puts(b, "</ul>\n");
    else
        csec_buf_puts(b, "<p>No direct dependency of this version resolves to a release "
                         "that an advisory affects.</p>\n");
    csec_buf t = CSEC_BUF_INIT;
    if (r->nnodes > 1)
        tree_counts(&t, r);
    else
        csec_buf_puts(&t, "Its default build has no normal or build dependencies.");
    csec_buf_puts(b, "<p>");
    html_escn(b, t.ptr, t.len);
    csec_buf_free(&t);
    csec_buf_puts(b, " <a href=\"");
    html_crate_url(b, c->name, v->vers, "dependencies");
    csec_buf_puts(b, "\">See the tree and the paths</a>.</p>\n</section>\n");
    csec__deps_report_free(r);
}

void page_deps_impact(csec_buf *b, const srv_site *s, const csec_advisory *a)
{
    if (!srv_has_index(s) || a->collection != CSEC_COLLECTION_CRATES)
        return;
    csec_buf_puts(b, "<section aria-labelledby=\"impact-h\"><h2 id=\"impact-h\">Ecosystem "
                     "impact</h2>\n");
    if (s->sparse) {
        /* Dependents are found only by reading every crate of the registry. */
        csec_buf_puts(b, "<p>Not shown: the crates that depend on this one are known only from a "
                         "full copy of the registry index, and this server reads the sparse "
                         "index a crate at a time. A server with a full index (<code>cratesec "
                         "sync --index DIR</code>, then <code>cratesec serve --index DIR</code>) "
                         "lists them.</p></section>\n");
        return;
    }
    if (!s->deps_rev) {
        csec_buf_puts(b, "<p class=\"muted\">Not computed: the reverse dependencies of the "
                         "index were not prepared.</p></section>\n");
        return;
    }
    csec_deps_impact imp;
    csec__deps_impact(&imp, s->deps_rev, a);
    if (!imp.crate) {
        csec_buf_puts(b, "<p>The crate is not in the registry index this server reads.</p>"
                         "</section>\n");
        return;
    }
    csec_buf_printf(b, "<p>In the registry index, %zu crate%s ha%s a newest release that "
                       "depends directly on ",
                    imp.dependents, imp.dependents == 1 ? "" : "s",
                    imp.dependents == 1 ? "s" : "ve");
    crate_link(b, imp.crate->name, NULL, NULL);
    csec_buf_printf(b, " (normal or build dependency). <strong>%zu</strong> of them use a "
                       "requirement that matches affected releases; <strong>%zu</strong> of "
                       "those match only affected releases, so no release%s escapes it.</p>\n",
                    imp.count, imp.only_affected, csec__word_in_index(html_index_stale(s)));
    if (imp.count) {
        csec_buf_puts(b, "<table class=\"stack\"><caption>Dependents, most depended-upon first"
                         "</caption><thead><tr><th scope=\"col\">Crate</th><th scope=\"col\">"
                         "Requirement</th><th scope=\"col\">Matching releases affected</th>"
                         "<th scope=\"col\">Its dependents</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < imp.count && i < IMPACT_LIST_MAX; i++) {
            const csec_deps_impact_item *it = &imp.items[i];
            csec_buf_puts(b, "<tr><td data-label=\"Crate\">");
            crate_link(b, it->crate->name, it->version->vers, "dependencies");
            csec_buf_puts(b, "</td><td data-label=\"Requirement\"><code>");
            html_esc(b, it->dep->req);
            csec_buf_puts(b, "</code>");
            if (it->dep->kind == CSEC_INDEX_DEP_BUILD)
                csec_buf_puts(b, " <span class=\"tag\">build</span>");
            dep_notes(b, it->dep, -1);
            csec_buf_printf(b, "</td><td data-label=\"Matching releases affected\">%zu of %zu%s"
                               "</td><td data-label=\"Its dependents\">%zu</td></tr>\n",
                            it->affected,
                            it->matching, it->only_affected ? " (all: no escape)" : "",
                            it->rdeps);
        }
        csec_buf_puts(b, "</tbody></table>\n");
        if (imp.count > IMPACT_LIST_MAX)
            csec_buf_printf(b, "<p class=\"muted\">And %zu more.</p>\n",
                            imp.count - IMPACT_LIST_MAX);
    }
    csec_buf_puts(b, "<p class=\"muted\">Computed over the newest release of every crate in "
                     "the index (yanked releases and dev-dependencies left out); &ldquo;its "
                     "dependents&rdquo; counts the crates whose newest release depends on that "
                     "crate.</p>\n</section>\n");
    csec__deps_impact_free(&imp);
}
