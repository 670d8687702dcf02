/* cmd_deps.c - `cratesec deps CRATE VERSION --index DIR`: the direct
 * dependencies of one crate version with what advisories say of each, its
 * resolved dependency tree, and every advisory reachable through it with the
 * path that brings it in (lib/deps.h). */
#include "cli.h"
#include "deps.h"
#include "present.h"

#include <stdlib.h>
#include <string.h>

static const char *opt_db, *opt_index;
static bool opt_json;

static const cli_opt options[] = {
    {"index", 'i', "DIR", "registry index in the git layout (default $CRATESEC_INDEX)", NULL,
     &opt_index, NULL, NULL},
    {"db", 'd', "DIR", "advisory database checkout (default $CRATESEC_DB or ./advisory-db)", NULL,
     &opt_db, NULL, NULL},
    {"json", 0, NULL, "print one JSON object instead of text", &opt_json, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const kind_name[] = {"normal", "build", "dev"};
static const char *const node_kind_name[] = {"resolved", "missing", "no-release",
                                             "bad-requirement", "other-registry"};

/* Whether a reachable advisory or a direct finding is a problem for the exit
 * status: a vulnerability (not informational) in the tree, or a normal/build
 * dependency whose finding carries alarm. */
static bool found_problem(const csec_deps_report *r)
{
    for (size_t i = 0; i < r->nhits; i++)
        if (r->hits[i].adv->informational == CSEC_INFO_NONE)
            return true;
    return r->raises;
}

/* ---- text ---- */

static void node_label(csec_buf *out, const csec_deps_report *r, size_t id)
{
    const csec_deps_node *n = &r->nodes[id];
    csec_buf_puts(out, n->name);
    if (n->version)
        csec_buf_printf(out, " %s", n->version->vers);
    else if (n->via)
        csec_buf_printf(out, " %s", n->via->req);
}

static void text_direct(csec_buf *out, const csec_deps_report *r)
{
    static const char *const titles[] = {"Dependencies", "Build dependencies",
                                         "Development dependencies"};
    if (!r->ndirect)
        csec_buf_puts(out, "No dependencies.\n");
    for (int k = 0; k < 3; k++) {
        size_t n = 0;
        for (size_t i = 0; i < r->ndirect; i++)
            n += r->direct[i].dep->kind == k;
        if (!n)
            continue;
        csec_buf_printf(out, "%s (%zu)%s:\n", titles[k], n,
                        k == CSEC_INDEX_DEP_DEV ? ", never counted against the crate" : "");
        for (size_t i = 0; i < r->ndirect; i++) {
            const csec_deps_finding *f = &r->direct[i];
            const csec_index_dep *d = f->dep;
            if (d->kind != k)
                continue;
            csec_buf_printf(out, "  %-16s %s %s", csec__deps_state_name(f->state), d->name,
                            d->req);
            if (d->rename)
                csec_buf_printf(out, " (as %s)", d->rename);
            if (d->optional)
                csec_buf_puts(out, " (optional)");
            if (d->target)
                csec_buf_printf(out, " (only for %s)", d->target);
            csec_buf_puts(out, "\n      ");
            csec__deps_finding_text(out, f);
            csec_buf_putc(out, '\n');
        }
    }
}

/* The tree, depth first in dependency order, each node expanded once (later
 * occurrences marked "(*)" as cargo tree does).  An explicit stack of edge
 * positions: the depth of the tree never becomes recursion depth. */
static void text_tree(csec_buf *out, const csec_deps_report *r)
{
    typedef struct frame {
        size_t node, next;
    } frame;
    frame *stack = csec__xcalloc(r->nnodes + 1, sizeof *stack);
    bool *shown = csec__xcalloc(r->nnodes + 1, sizeof *shown);
    size_t depth = 0;
    node_label(out, r, 0);
    csec_buf_putc(out, '\n');
    shown[0] = true;
    stack[0].node = 0;
    stack[0].next = r->nodes[0].edges;
    while (true) {
        frame *f = &stack[depth];
        const csec_deps_node *n = &r->nodes[f->node];
        if (f->next >= n->edges + n->nedges) {
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        const csec_deps_edge *e = &r->edges[f->next++];
        const csec_deps_node *c = &r->nodes[e->to];
        for (size_t i = 0; i <= depth; i++)
            csec_buf_puts(out, "  ");
        node_label(out, r, e->to);
        if (e->dep->kind == CSEC_INDEX_DEP_BUILD)
            csec_buf_puts(out, " [build]");
        if (e->dep->rename)
            csec_buf_printf(out, " (as %s)", e->dep->rename);
        if (e->dep->target)
            csec_buf_printf(out, " (only for %s)", e->dep->target);
        if (c->kind != CSEC_DEPS_NODE_RESOLVED)
            csec_buf_printf(out, " (%s)", node_kind_name[c->kind]);
        for (size_t a = 0; a < c->nadv; a++)
            csec_buf_printf(out, " %s %s", a ? "" : "<-", c->advs[a]->id);
        if (shown[e->to] && c->nedges) {
            csec_buf_puts(out, " (*)\n");
            continue;
        }
        csec_buf_putc(out, '\n');
        if (shown[e->to])
            continue;
        shown[e->to] = true;
        if (c->nedges && depth + 1 < r->nnodes) {
            depth++;
            stack[depth].node = e->to;
            stack[depth].next = c->edges;
        }
    }
    free(stack);
    free(shown);
}

static void text_hits(csec_buf *out, const csec_deps_report *r)
{
    csec_buf_printf(out, "\nAdvisories reachable through the tree (%zu):\n", r->nhits);
    if (!r->nhits)
        csec_buf_puts(out, "  none\n");
    size_t *path = csec__xcalloc(r->nnodes + 1, sizeof *path);
    for (size_t i = 0; i < r->nhits; i++) {
        const csec_advisory *a = r->hits[i].adv;
        const csec_deps_node *n = &r->nodes[r->hits[i].node];
        csec_buf_printf(out, "  %s  %-13s %s %s: %s\n      path: ", a->id, present_kind(a),
                        n->name, n->version->vers, a->title ? a->title : "");
        size_t len = csec__deps_path(r, r->hits[i].node, path, r->nnodes);
        for (size_t k = 0; k < len; k++) {
            if (k)
                csec_buf_puts(out, " > ");
            node_label(out, r, path[k]);
        }
        if (n->target)
            csec_buf_printf(out, " (only for %s)", n->target);
        if (n->build)
            csec_buf_puts(out, " (build)");
        csec_buf_putc(out, '\n');
    }
    free(path);
}

/* ---- JSON ---- */

static void json_str(csec_buf *out, const char *s)
{
    if (s)
        csec_json_string(out, s, strlen(s));
    else
        csec_buf_puts(out, "null");
}

static void json_direct(csec_buf *out, const csec_deps_finding *f)
{
    const csec_index_dep *d = f->dep;
    csec_buf_puts(out, "{\"name\":");
    json_str(out, d->name);
    csec_buf_puts(out, ",\"rename\":");
    json_str(out, d->rename);
    csec_buf_puts(out, ",\"req\":");
    json_str(out, d->req);
    csec_buf_printf(out, ",\"kind\":\"%s\",\"optional\":%s,\"target\":", kind_name[d->kind % 3],
                    d->optional ? "true" : "false");
    json_str(out, d->target);
    csec_buf_printf(out, ",\"state\":\"%s\",\"matching\":%zu,\"affected\":%zu,\"newest\":",
                    csec__deps_state_name(f->state), f->matching, f->affected);
    json_str(out, f->newest ? f->newest->vers : NULL);
    csec_buf_puts(out, ",\"fixed\":");
    json_str(out, f->fixed ? f->fixed->vers : NULL);
    csec_buf_puts(out, ",\"advisories\":[");
    for (size_t i = 0; i < f->nadv; i++) {
        csec_buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
        json_str(out, f->advs[i]->id);
        csec_buf_printf(out, ",\"affects_newest\":%s}", i < f->nadv_newest ? "true" : "false");
    }
    csec_buf_puts(out, "],\"text\":");
    csec_buf text = CSEC_BUF_INIT;
    csec__deps_finding_text(&text, f);
    json_str(out, text.ptr);
    csec_buf_free(&text);
    csec_buf_putc(out, '}');
}

static void json_report(csec_buf *out, const csec_deps_report *r)
{
    csec_buf_puts(out, "{\"crate\":");
    json_str(out, r->crate->name);
    csec_buf_puts(out, ",\"version\":");
    json_str(out, r->version->vers);
    csec_buf_printf(out, ",\"raises\":%s,\"direct\":[", r->raises ? "true" : "false");
    for (size_t i = 0; i < r->ndirect; i++) {
        if (i)
            csec_buf_putc(out, ',');
        json_direct(out, &r->direct[i]);
    }
    csec_buf_puts(out, "],\"nodes\":[");
    for (size_t i = 0; i < r->nnodes; i++) {
        const csec_deps_node *n = &r->nodes[i];
        csec_buf_printf(out, "%s{\"id\":%zu,\"name\":", i ? "," : "", i);
        json_str(out, n->name);
        csec_buf_puts(out, ",\"version\":");
        json_str(out, n->version ? n->version->vers : NULL);
        csec_buf_printf(out, ",\"kind\":\"%s\",\"depth\":%u,\"parent\":", node_kind_name[n->kind],
                        n->depth);
        if (n->parent == CSEC_DEPS_NONE)
            csec_buf_puts(out, "null");
        else
            csec_buf_printf(out, "%zu", n->parent);
        csec_buf_puts(out, ",\"req\":");
        json_str(out, n->via ? n->via->req : NULL);
        csec_buf_puts(out, ",\"target\":");
        json_str(out, n->target);
        csec_buf_printf(out, ",\"build\":%s,\"dependencies\":[", n->build ? "true" : "false");
        for (size_t e = 0; e < n->nedges; e++)
            csec_buf_printf(out, "%s%zu", e ? "," : "", r->edges[n->edges + e].to);
        csec_buf_puts(out, "],\"advisories\":[");
        for (size_t a = 0; a < n->nadv; a++) {
            if (a)
                csec_buf_putc(out, ',');
            json_str(out, n->advs[a]->id);
        }
        csec_buf_puts(out, "]}");
    }
    csec_buf_puts(out, "],\"advisories\":[");
    size_t *path = csec__xcalloc(r->nnodes + 1, sizeof *path);
    for (size_t i = 0; i < r->nhits; i++) {
        csec_buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
        json_str(out, r->hits[i].adv->id);
        csec_buf_printf(out, ",\"kind\":\"%s\",\"node\":%zu,\"path\":[", present_kind(r->hits[i].adv),
                        r->hits[i].node);
        size_t len = csec__deps_path(r, r->hits[i].node, path, r->nnodes);
        for (size_t k = 0; k < len; k++)
            csec_buf_printf(out, "%s%zu", k ? "," : "", path[k]);
        csec_buf_puts(out, "]}");
    }
    free(path);
    csec_buf_puts(out, "],\"simplifications\":[");
    for (size_t i = 0; csec__deps_simplifications[i]; i++) {
        if (i)
            csec_buf_putc(out, ',');
        json_str(out, csec__deps_simplifications[i]);
    }
    csec_buf_puts(out, "]}\n");
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_deps, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n != 2) {
        fprintf(stderr, "cratesec deps: expected CRATE VERSION\n");
        return EXIT_USAGE;
    }
    const char *index_dir = opt_index ? opt_index : getenv("CRATESEC_INDEX");
    if (!index_dir || !*index_dir) {
        fprintf(stderr, "cratesec deps: name the registry index with --index DIR\n");
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    csec_index *ix = NULL;
    csec_db *db = NULL;
    csec_deps_report *r = NULL;
    csec_diag d;
    char line[1024];
    if (csec__index_open_dir(&ix, index_dir, &d) < 0) {
        cli_eprintf("cratesec deps: cannot read the index: %s\n",
                    csec_diag_format(line, sizeof line, &d));
        status = EXIT_USAGE;
        goto done;
    }
    const csec_index_crate *c = csec__index_find(ix, argv[0]);
    if (!c) {
        cli_eprintf("cratesec deps: no crate `%s` in the index\n", argv[0]);
        status = EXIT_FOUND;
        goto done;
    }
    const csec_index_version *v = NULL;
    csec_version want;
    bool parsed = csec_version_parse(&want, argv[1], strlen(argv[1]), NULL) == 0;
    for (size_t i = 0; i < c->versions_count && !v; i++)
        if (strcmp(c->versions[i].vers, argv[1]) == 0 ||
            (parsed && csec_version_cmp(&c->versions[i].version, &want) == 0))
            v = &c->versions[i];
    if (!v) {
        cli_eprintf("cratesec deps: the index has no version `%s` of %s\n", argv[1], c->name);
        status = parsed ? EXIT_FOUND : EXIT_USAGE;
        goto done;
    }
    if (!(db = cli_open_db(opt_db, NULL))) {
        status = EXIT_FOUND;
        goto done;
    }
    r = csec__deps_report_new(ix, db, c, v);
    csec_buf out = CSEC_BUF_INIT;
    if (opt_json) {
        json_report(&out, r);
    } else {
        csec_buf_printf(&out, "%s %s%s\n\n", c->name, v->vers, v->yanked ? " (yanked)" : "");
        text_direct(&out, r);
        csec_buf_printf(&out, "\nResolved tree (%zu crate versions; \"<-\" marks advisories, "
                              "\"(*)\" a subtree shown above):\n",
                        r->nnodes);
        text_tree(&out, r);
        text_hits(&out, r);
        csec_buf_puts(&out, "\nSimplifications:\n");
        for (size_t i = 0; csec__deps_simplifications[i]; i++)
            csec_buf_printf(&out, "  - %s\n", csec__deps_simplifications[i]);
    }
    if (opt_json)
        fwrite(out.ptr, 1, out.len, stdout);
    else
        cli_write(stdout, out.ptr, out.len);
    csec_buf_free(&out);
    status = found_problem(r) ? EXIT_FOUND : EXIT_OK;
done:
    csec__deps_report_free(r);
    csec_db_free(db);
    csec__index_free(ix);
    return status;
}

const cli_cmd cmd_deps = {
    "deps", "CRATE VERSION",
    "a crate version's dependencies, resolved tree and the advisories reachable through it",
    "Reads the registry index (--index DIR, git layout) and the advisory database, then\n"
    "prints, for each direct dependency (normal, build and dev separately), whether its\n"
    "requirement can only resolve to affected releases, whether the newest matching release\n"
    "is affected, or neither, with the first fixed release; the dependency tree resolved as\n"
    "Cargo picks versions (newest non-yanked match, default features; simplifications are\n"
    "listed at the end); and every advisory reachable through the tree with its path.\n"
    "\n"
    "Exit status: 0 nothing found; 1 a vulnerability is reachable or a normal or build\n"
    "dependency can resolve only / newest to an affected release (dev-dependencies never\n"
    "count), or the crate or version is not in the index; 2 usage or unreadable index.",
    run};
