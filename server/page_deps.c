/* page_deps.c - dependency-aware security on the site (see page_deps.h).
 *
 * Everything is computed per request from the immutable index and database
 * (lib/deps.c) except the reverse dependencies of the whole index, which
 * are built once per loaded index (srv_index_data_load in live.c).  Unmaintained advisories are
 * context, never alarm styling, as on the Security tab. */
#include "page_deps.h"
#include "registry.h"

#include "deps.h"

#include <stdlib.h>
#include <string.h>

/* At most this many dependents are listed on an advisory page. */
enum { IMPACT_LIST_MAX = 100 };

size_t page_deps_alarms(const srv_site *s, const csec_index_version *v)
{
    if (!srv_has_index(s) || !v)
        return 0;
    csec_deps_source src = srv_deps_source(s);
    return csec__deps_alarm_count(&src, s->db, v);
}

static void crate_link(csec_buf *b, const char *name, const char *vers, const char *tab)
{
    csec_buf_puts(b, "<a href=\"/crates/");
    html_url_part(b, name);
    if (vers) {
        csec_buf_putc(b, '/');
        html_url_part(b, vers);
    }
    if (tab) {
        csec_buf_putc(b, '/');
        csec_buf_puts(b, tab);
    }
    csec_buf_puts(b, "\">");
    html_esc(b, name);
    if (vers) {
        csec_buf_putc(b, ' ');
        html_esc(b, vers);
    }
    csec_buf_puts(b, "</a>");
}

static void adv_links(csec_buf *b, const csec_advisory *const *advs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        csec_buf_puts(b, i ? (i + 1 == n ? " and " : ", ") : "");
        csec_buf_puts(b, "<a href=\"/advisories/");
        html_url_part(b, advs[i]->id);
        csec_buf_puts(b, "\">");
        html_esc(b, advs[i]->id);
        csec_buf_puts(b, "</a>");
        if (advs[i]->informational != CSEC_INFO_NONE) {
            csec_buf_puts(b, " (");
            csec_buf_puts(b, html_kind_name(advs[i]));
            csec_buf_puts(b, ")");
        }
    }
}

static bool is_hit(const csec_deps_finding *f)
{
    return f->state == CSEC_DEPS_ONLY_AFFECTED || f->state == CSEC_DEPS_NEWEST_AFFECTED;
}

/* The finding in words, with links (the HTML form of csec__deps_finding_text). */
static void finding_html(csec_buf *b, const csec_deps_finding *f)
{
    const char *req = f->dep->req;
    switch ((csec_deps_state)f->state) {
    case CSEC_DEPS_ONLY_AFFECTED:
        csec_buf_puts(b, "Every non-yanked release matching <code>");
        html_esc(b, req);
        csec_buf_printf(b, "</code> (%zu) is affected by ", f->matching);
        adv_links(b, f->advs, f->nadv);
        break;
    case CSEC_DEPS_NEWEST_AFFECTED:
        csec_buf_puts(b, "The newest matching release, ");
        html_esc(b, f->newest->vers);
        csec_buf_puts(b, ", is affected by ");
        adv_links(b, f->advs, f->nadv_newest);
        csec_buf_printf(b, "; %zu of the %zu matching releases are not", f->matching - f->affected,
                        f->matching);
        break;
    case CSEC_DEPS_CLEAR:
        csec_buf_puts(b, "Resolves to ");
        html_esc(b, f->newest->vers);
        csec_buf_puts(b, ", which no advisory affects");
        if (f->nadv) {
            csec_buf_puts(b, " (older matching releases are affected by ");
            adv_links(b, f->advs, f->nadv);
            csec_buf_putc(b, ')');
        }
        csec_buf_putc(b, '.');
        return;
    case CSEC_DEPS_NO_RELEASE:
        csec_buf_puts(b, "No non-yanked release matches <code>");
        html_esc(b, req);
        csec_buf_puts(b, "</code>.");
        return;
    case CSEC_DEPS_MISSING:
        csec_buf_puts(b, "Not in the registry index.");
        return;
    case CSEC_DEPS_BAD_REQ:
        csec_buf_puts(b, "The requirement does not parse.");
        return;
    case CSEC_DEPS_OTHER_REGISTRY:
        csec_buf_puts(b, "From another registry: not checked.");
        return;
    case CSEC_DEPS_UNAVAILABLE:
        csec_buf_puts(b, "The registry index is unavailable: this dependency could not be "
                         "looked up; try again later.");
        return;
    }
    if (f->fixed) {
        csec_buf_puts(b, ". First fixed release: <strong>");
        html_esc(b, f->fixed->vers);
        csec_buf_puts(b, "</strong> (a requirement such as <code>^");
        html_esc(b, f->fixed->vers);
        csec_buf_puts(b, "</code> admits it).");
    } else {
        csec_buf_puts(b, ". No newer release escapes it.");
    }
}

static void state_tag(csec_buf *b, const csec_deps_finding *f, bool dev)
{
    static const char *const words[] = {"clear", "newest release affected",
                                        "only affected releases", "no matching release",
                                        "not in index", "invalid requirement",
                                        "other registry", "index unavailable"};
    /* Alarm styling only where it counts: not for dev-dependencies and not
     * for unmaintained-only findings. */
    bool alarm = f->alarm && !dev;
    csec_buf_printf(b, "<span class=\"tag%s\">%s</span> ", alarm ? " tag-affected" : "",
                    words[f->state]);
}

static void dep_notes(csec_buf *b, const csec_index_dep *d)
{
    if (d->optional)
        csec_buf_puts(b, " <span class=\"tag\">optional</span>");
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

static void direct_tables(csec_buf *b, const csec_deps_report *r)
{
    static const char *const titles[] = {"Dependencies", "Build dependencies",
                                         "Development dependencies"};
    for (int k = 0; k < 3; k++) {
        size_t n = 0;
        for (size_t i = 0; i < r->ndirect; i++)
            n += r->direct[i].dep->kind == k;
        if (!n)
            continue;
        csec_buf_printf(b, "<h3>%s (%zu)</h3>\n", titles[k], n);
        if (k == CSEC_INDEX_DEP_DEV)
            csec_buf_puts(b, "<p class=\"muted\">Development dependencies are used only to "
                             "build tests, examples and benchmarks; their advisories never "
                             "count against this crate.</p>\n");
        csec_buf_printf(b, "<table><caption class=\"vh\">%s</caption><thead><tr>"
                           "<th scope=\"col\">Crate</th><th scope=\"col\">Requirement</th>"
                           "<th scope=\"col\">Resolves to</th><th scope=\"col\">Security</th>"
                           "</tr></thead>\n<tbody>\n",
                        titles[k]);
        for (size_t i = 0; i < r->ndirect; i++) {
            const csec_deps_finding *f = &r->direct[i];
            if (f->dep->kind != k)
                continue;
            csec_buf_puts(b, "<tr><td>");
            if (f->crate)
                crate_link(b, f->crate->name, NULL, NULL);
            else
                html_esc(b, f->dep->name);
            dep_notes(b, f->dep);
            csec_buf_puts(b, "</td><td><code>");
            html_esc(b, f->dep->req);
            csec_buf_puts(b, "</code></td><td>");
            if (f->newest)
                crate_link(b, f->crate->name, f->newest->vers, "security");
            else
                csec_buf_puts(b, "<span class=\"muted\">nothing</span>");
            csec_buf_puts(b, "</td><td>");
            state_tag(b, f, k == CSEC_INDEX_DEP_DEV);
            finding_html(b, f);
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
    csec_buf_puts(b, "<table><caption class=\"vh\">Advisories reachable through the resolved "
                     "tree</caption><thead><tr><th scope=\"col\">Advisory</th>"
                     "<th scope=\"col\">Crate</th><th scope=\"col\">Path</th></tr></thead>\n"
                     "<tbody>\n");
    for (size_t i = 0; i < r->nhits; i++) {
        const csec_advisory *a = r->hits[i].adv;
        const csec_deps_node *n = &r->nodes[r->hits[i].node];
        csec_buf_puts(b, "<tr><td><a href=\"/advisories/");
        html_url_part(b, a->id);
        csec_buf_puts(b, "\">");
        html_esc(b, a->id);
        csec_buf_puts(b, "</a> ");
        html_kind_label(b, a);
        csec_buf_puts(b, "<br><span class=\"muted\">");
        html_esc(b, a->title ? a->title : "");
        csec_buf_puts(b, "</span></td><td>");
        crate_link(b, n->name, n->version->vers, "security");
        csec_buf_puts(b, "</td><td>");
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

/* The tree as nested lists, depth first, each node expanded once; an
 * explicit stack, so a deep tree is never deep recursion. */
static void tree_html(csec_buf *b, const csec_deps_report *r)
{
    typedef struct frame {
        size_t node, next;
    } frame;
    frame *stack = csec__xcalloc(r->nnodes + 1, sizeof *stack);
    bool *shown = csec__xcalloc(r->nnodes + 1, sizeof *shown);
    size_t depth = 0;
    shown[0] = true;
    stack[0].node = 0;
    stack[0].next = r->nodes[0].edges;
    csec_buf_puts(b, "<ul class=\"dep-tree\">\n");
    while (true) {
        frame *f = &stack[depth];
        const csec_deps_node *n = &r->nodes[f->node];
        if (f->next >= n->edges + n->nedges) {
            csec_buf_puts(b, depth ? "</ul></li>\n" : "</ul>\n");
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        const csec_deps_edge *e = &r->edges[f->next++];
        const csec_deps_node *c = &r->nodes[e->to];
        csec_buf_puts(b, "<li>");
        node_text(b, r, e->to, true);
        if (e->dep->kind == CSEC_INDEX_DEP_BUILD)
            csec_buf_puts(b, " <span class=\"tag\">build</span>");
        dep_notes(b, e->dep);
        static const char *const why[] = {"", "not in index", "no matching release",
                                          "invalid requirement", "other registry",
                                          "index unavailable"};
        if (c->kind != CSEC_DEPS_NODE_RESOLVED)
            csec_buf_printf(b, " <span class=\"muted\">(%s)</span>", why[c->kind]);
        for (size_t a = 0; a < c->nadv; a++) {
            bool alarm = c->advs[a]->informational != CSEC_INFO_UNMAINTAINED;
            csec_buf_printf(b, " <span class=\"tag%s\"><a href=\"/advisories/",
                            alarm ? " tag-affected" : "");
            html_url_part(b, c->advs[a]->id);
            csec_buf_puts(b, "\">");
            html_esc(b, c->advs[a]->id);
            csec_buf_puts(b, "</a></span>");
        }
        if (shown[e->to] || !c->nedges) {
            if (shown[e->to] && c->nedges)
                csec_buf_puts(b, " <span class=\"muted\">(dependencies shown above)</span>");
            csec_buf_puts(b, "</li>\n");
            shown[e->to] = true;
            continue;
        }
        shown[e->to] = true;
        csec_buf_puts(b, "\n<ul>\n");
        depth++;
        stack[depth].node = e->to;
        stack[depth].next = c->edges;
    }
    free(stack);
    free(shown);
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
    if (!v || !srv_has_index(s)) {
        csec_buf_puts(b, "<p>The dependencies of this crate are not known here.</p></section>\n");
        return;
    }
    csec_deps_source src = srv_deps_source(s);
    csec_deps_report *r = csec__deps_report_new(&src, s->db, c, v);
    if (!r->ndirect)
        csec_buf_puts(b, "<p>This version has no dependencies.</p>\n");
    direct_tables(b, r);
    csec_buf_puts(b, "<section aria-labelledby=\"tree-h\"><h3 id=\"tree-h\">Resolved "
                     "dependency tree</h3>\n");
    csec_buf_printf(b, "<p>%zu crate version%s in the tree (normal and build dependencies, "
                       "default features); %zu advisor%s reachable.</p>\n",
                    r->nnodes - 1, r->nnodes == 2 ? "" : "s", r->nhits,
                    r->nhits == 1 ? "y" : "ies");
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
    if (!v || !srv_has_index(s))
        return;
    csec_deps_source src = srv_deps_source(s);
    csec_deps_report *r = csec__deps_report_new(&src, s->db, c, v);
    csec_buf_puts(b, "<section aria-labelledby=\"h-deps\"><h3 id=\"h-deps\">Through "
                     "dependencies</h3>\n");
    size_t shown = 0;
    for (int dev = 0; dev < 2; dev++) {
        for (size_t i = 0; i < r->ndirect; i++) {
            const csec_deps_finding *f = &r->direct[i];
            if (!is_hit(f) || (f->dep->kind == CSEC_INDEX_DEP_DEV) != (dev == 1))
                continue;
            if (!shown++)
                csec_buf_puts(b, "<ul>\n");
            csec_buf_puts(b, "<li>");
            state_tag(b, f, dev == 1);
            crate_link(b, f->crate->name, NULL, "security");
            csec_buf_puts(b, " <code>");
            html_esc(b, f->dep->req);
            csec_buf_puts(b, "</code>");
            if (dev)
                csec_buf_puts(b, " <span class=\"muted\">(dev-dependency: not counted)</span>");
            dep_notes(b, f->dep);
            csec_buf_puts(b, ": ");
            finding_html(b, f);
            csec_buf_puts(b, "</li>\n");
        }
    }
    if (shown)
        csec_buf_puts(b, "</ul>\n");
    else
        csec_buf_puts(b, "<p>No direct dependency of this version resolves to a release "
                         "with an advisory.</p>\n");
    csec_buf_printf(b, "<p>%zu advisor%s reachable through the resolved dependency tree "
                       "(%zu crate versions). ",
                    r->nhits, r->nhits == 1 ? "y is" : "ies are", r->nnodes - 1);
    csec_buf_puts(b, "<a href=\"/crates/");
    html_url_part(b, c->name);
    csec_buf_putc(b, '/');
    html_url_part(b, v->vers);
    csec_buf_puts(b, "/dependencies\">See the tree and the paths</a>.</p>\n</section>\n");
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
    if (csec_advisory_is_withdrawn(a))
        csec_buf_puts(b, "<p class=\"muted\">This advisory is withdrawn; the figures below are "
                         "for reference only.</p>\n");
    csec_buf_printf(b, "<p>In the registry index, %zu crate%s ha%s a newest release that "
                       "depends directly on ",
                    imp.dependents, imp.dependents == 1 ? "" : "s",
                    imp.dependents == 1 ? "s" : "ve");
    crate_link(b, imp.crate->name, NULL, NULL);
    csec_buf_printf(b, " (normal or build dependency). <strong>%zu</strong> of them use a "
                       "requirement that matches affected releases; <strong>%zu</strong> of "
                       "those match only affected releases, so no release escapes it.</p>\n",
                    imp.count, imp.only_affected);
    if (imp.count) {
        csec_buf_puts(b, "<table><caption>Dependents, most depended-upon first</caption>"
                         "<thead><tr><th scope=\"col\">Crate</th><th scope=\"col\">Requirement"
                         "</th><th scope=\"col\">Matching releases affected</th>"
                         "<th scope=\"col\">Its dependents</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < imp.count && i < IMPACT_LIST_MAX; i++) {
            const csec_deps_impact_item *it = &imp.items[i];
            csec_buf_puts(b, "<tr><td>");
            crate_link(b, it->crate->name, it->version->vers, "dependencies");
            csec_buf_puts(b, "</td><td><code>");
            html_esc(b, it->dep->req);
            csec_buf_puts(b, "</code>");
            if (it->dep->kind == CSEC_INDEX_DEP_BUILD)
                csec_buf_puts(b, " <span class=\"tag\">build</span>");
            dep_notes(b, it->dep);
            csec_buf_printf(b, "</td><td>%zu of %zu%s</td><td>%zu</td></tr>\n", it->affected,
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
