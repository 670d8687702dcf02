/* cmd_deps.c - `cratesec deps CRATE VERSION --index DIR`: the direct
 * dependencies of one crate version with what advisories say of each, its
 * resolved dependency tree, and every advisory reachable through it with the
 * path that brings it in (lib/deps.h). */
#include "cli.h"
#include "dataage.h"
#include "deps.h"
#include "json.h"
#include "present.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *opt_db, *opt_index;
static bool opt_json;

static const cli_opt options[] = {
    {"index", 'i', "DIR", "registry index in the git layout (default $CRATESEC_INDEX)", NULL,
     &opt_index, NULL, NULL},
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"json", 0, NULL, "print one JSON object instead of text", &opt_json, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const node_kind_name[] = {"resolved", "missing", "no-release",
                                             "bad-requirement", "other-registry", "unavailable"};

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

static void text_direct(csec_buf *out, const csec_deps_report *r, bool stale)
{
    if (!r->ndirect)
        csec_buf_puts(out, "No dependencies.\n");
    for (int k = 0; k < 3; k++) {
        size_t n = csec__deps_direct_count(r, k);
        if (!n)
            continue;
        csec_buf_printf(out, "%s (%zu)%s:\n", csec__word_dep_section(k), n,
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
                csec_buf_puts(out, f->enabled ? " (optional, on by default)"
                                              : " (optional, off by default: not counted)");
            if (d->target)
                csec_buf_printf(out, " (only for %s)", d->target);
            csec_buf_puts(out, "\n      ");
            csec__deps_finding_text(out, f, stale);
            csec_buf_putc(out, '\n');
        }
    }
}

/* The tree, depth first in dependency order, each node expanded once (later
 * occurrences marked "(*)" as cargo tree does), from the report's iterator. */
static void text_tree(csec_buf *out, const csec_deps_report *r)
{
    csec_deps_iter it;
    csec__deps_iter_init(&it, r);
    csec_deps_event ev;
    while ((ev = csec__deps_iter_next(&it)) != CSEC_DEPS_DONE) {
        if (ev != CSEC_DEPS_ENTER)
            continue;
        const csec_deps_node *c = &r->nodes[it.node];
        const csec_deps_edge *e = it.edge;
        for (size_t i = 0; i < it.depth; i++)
            csec_buf_puts(out, "  ");
        node_label(out, r, it.node);
        if (e && e->dep->kind == CSEC_INDEX_DEP_BUILD)
            csec_buf_puts(out, " [build]");
        if (e && e->dep->rename)
            csec_buf_printf(out, " (as %s)", e->dep->rename);
        if (e && e->dep->target)
            csec_buf_printf(out, " (only for %s)", e->dep->target);
        if (c->kind != CSEC_DEPS_NODE_RESOLVED)
            csec_buf_printf(out, " (%s)", node_kind_name[c->kind]);
        for (size_t a = 0; e && a < c->nadv; a++)
            csec_buf_printf(out, " %s %s", a ? "" : "<-", c->advs[a]->id);
        csec_buf_puts(out, it.repeat && c->nedges ? " (*)\n" : "\n");
    }
    csec__deps_iter_free(&it);
}

static void text_hits(csec_buf *out, const csec_deps_report *r)
{
    csec_buf_puts(out, "\nAdvisories reachable through the dependencies: ");
    csec__word_count(out, r->counting, "that counts", "that count");
    csec_buf_puts(out, ", ");
    csec__word_count(out, r->notices, "notice", "notices");
    csec_buf_puts(out, "\n");
    if (!r->nhits)
        csec_buf_puts(out, "  none\n");
    size_t *path = csec__xcalloc(r->nnodes + 1, sizeof *path);
    for (size_t i = 0; i < r->nhits; i++) {
        const csec_advisory *a = r->hits[i].adv;
        const csec_deps_node *n = &r->nodes[r->hits[i].node];
        csec_buf_printf(out, "  %s  %-14s %s %s: %s\n      path: ", a->id, csec__word_kind(a),
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

static void json_direct(csec__json *j, const csec_deps_finding *f, bool stale)
{
    const csec_index_dep *d = f->dep;
    csec__json_object_begin(j);
    csec__json_key_str(j, "name", d->name);
    csec__json_key_str(j, "rename", d->rename);
    csec__deps_json_dep(j, d);
    csec__json_key_str(j, "state", csec__deps_state_name(f->state));
    csec__json_key(j, "matching");
    csec__json_uint(j, f->matching);
    csec__json_key(j, "affected");
    csec__json_uint(j, f->affected);
    csec__json_key_str(j, "newest", f->newest ? f->newest->vers : NULL);
    csec__json_key(j, "enabled");
    csec__json_bool(j, f->enabled);
    csec__json_key_str(j, "fixed", f->advice.lowest ? f->advice.lowest->vers : NULL);
    csec__json_key(j, "advice");
    if (f->advice.kind == CSEC_ADVICE_NONE) {
        csec__json_null(j);
    } else {
        csec__json_object_begin(j);
        csec__json_key_str(j, "kind", csec__advice_kind_name(f->advice.kind));
        csec__json_key_str(j, "requirement", f->advice.req[0] ? f->advice.req : NULL);
        csec__json_key_str(j, "resolves_to", f->advice.resolves ? f->advice.resolves->vers : NULL);
        csec__json_object_end(j);
    }
    csec__json_key(j, "advisories");
    csec__json_array_begin(j);
    for (size_t i = 0; i < f->nadv; i++) {
        csec__json_object_begin(j);
        csec__json_key_str(j, "id", f->advs[i]->id);
        csec__json_key(j, "affects_newest");
        csec__json_bool(j, i < f->nadv_newest);
        csec__json_object_end(j);
    }
    csec__json_array_end(j);
    csec_buf text = CSEC_BUF_INIT;
    csec__deps_finding_text(&text, f, stale);
    csec__json_key_str(j, "text", text.ptr);
    csec_buf_free(&text);
    csec__json_object_end(j);
}

static void json_node(csec__json *j, const csec_deps_report *r, size_t i)
{
    const csec_deps_node *n = &r->nodes[i];
    csec__json_object_begin(j);
    csec__json_key(j, "id");
    csec__json_uint(j, i);
    csec__json_key_str(j, "name", n->name);
    csec__json_key_str(j, "version", n->version ? n->version->vers : NULL);
    csec__json_key_str(j, "kind", node_kind_name[n->kind]);
    csec__json_key(j, "depth");
    csec__json_uint(j, n->depth);
    csec__json_key(j, "parent");
    if (n->parent == CSEC_DEPS_NONE)
        csec__json_null(j);
    else
        csec__json_uint(j, n->parent);
    csec__json_key_str(j, "req", n->via ? n->via->req : NULL);
    csec__json_key_str(j, "target", n->target);
    csec__json_key(j, "build");
    csec__json_bool(j, n->build);
    csec__json_key(j, "dependencies");
    csec__json_array_begin(j);
    for (size_t e = 0; e < n->nedges; e++)
        csec__json_uint(j, r->edges[n->edges + e].to);
    csec__json_array_end(j);
    csec__json_key(j, "advisories");
    csec__json_array_begin(j);
    for (size_t a = 0; a < n->nadv; a++)
        csec__json_str(j, n->advs[a]->id);
    csec__json_array_end(j);
    csec__json_object_end(j);
}

static void json_report(csec_buf *out, const csec_deps_report *r, bool stale)
{
    csec__json j;
    csec__json_init(&j, out, false, 0);
    csec__json_object_begin(&j);
    csec__json_key_str(&j, "crate", r->crate->name);
    csec__json_key_str(&j, "version", r->version->vers);
    csec__json_key(&j, "raises");
    csec__json_bool(&j, r->raises);
    csec__json_key(&j, "direct");
    csec__json_array_begin(&j);
    for (size_t i = 0; i < r->ndirect; i++)
        json_direct(&j, &r->direct[i], stale);
    csec__json_array_end(&j);
    csec__json_key(&j, "nodes");
    csec__json_array_begin(&j);
    for (size_t i = 0; i < r->nnodes; i++)
        json_node(&j, r, i);
    csec__json_array_end(&j);
    csec__json_key(&j, "advisories");
    csec__json_array_begin(&j);
    size_t *path = csec__xcalloc(r->nnodes + 1, sizeof *path);
    for (size_t i = 0; i < r->nhits; i++) {
        csec__json_object_begin(&j);
        csec__json_key_str(&j, "id", r->hits[i].adv->id);
        csec__json_key_str(&j, "kind", csec__word_kind(r->hits[i].adv));
        csec__json_key(&j, "counts");
        csec__json_bool(&j, r->hits[i].counts);
        csec__json_key(&j, "node");
        csec__json_uint(&j, r->hits[i].node);
        csec__json_key(&j, "path");
        csec__json_array_begin(&j);
        size_t len = csec__deps_path(r, r->hits[i].node, path, r->nnodes);
        for (size_t k = 0; k < len; k++)
            csec__json_uint(&j, path[k]);
        csec__json_array_end(&j);
        csec__json_object_end(&j);
    }
    free(path);
    csec__json_array_end(&j);
    csec__json_key(&j, "simplifications");
    csec__json_array_begin(&j);
    for (size_t i = 0; csec__deps_simplifications[i]; i++)
        csec__json_str(&j, csec__deps_simplifications[i]);
    csec__json_array_end(&j);
    csec__json_object_end(&j);
    csec_buf_putc(out, '\n');
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
    csec_index_options index_opts = CSEC_INDEX_OPTIONS_INIT;
    index_opts.threads = CSEC_INDEX_THREADS_PER_CPU; /* the user waits for the whole index */
    if (csec__index_open_dir_ex(&ix, index_dir, &index_opts, &d) < 0) {
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
    csec_deps_source src = csec__deps_source_index(ix);
    r = csec__deps_report_new(&src, db, c, v);
    csec_data_age age;
    csec__index_age(&age, index_dir, ix);
    int64_t now = (int64_t)time(NULL);
    bool stale = csec__age_stale(&age, now);
    csec_buf out = CSEC_BUF_INIT;
    if (opt_json) {
        json_report(&out, r, stale);
        fwrite(out.ptr, 1, out.len, stdout);
    } else {
        csec_buf_printf(&out, "%s %s%s\n", c->name, v->vers, v->yanked ? " (yanked)" : "");
        csec_buf_puts(&out, "Registry index: ");
        csec__word_data_age(&out, &age, now);
        csec_buf_puts(&out, "\n\n");
        text_direct(&out, r, stale);
        csec_buf_printf(&out, "\nResolved tree (%zu crate versions besides %s itself; \"<-\" "
                              "marks advisories, \"(*)\" a subtree shown above):\n",
                        r->nnodes - 1, c->name);
        text_tree(&out, r);
        text_hits(&out, r);
        csec_buf_puts(&out, "\nSimplifications:\n");
        for (size_t i = 0; csec__deps_simplifications[i]; i++)
            csec_buf_printf(&out, "  - %s\n", csec__deps_simplifications[i]);
        cli_write(stdout, out.ptr, out.len);
    }
    csec_buf_free(&out);
    /* A problem for the exit status: an advisory that counts (wording.h rule
     * 2) in the tree, or a dependency built by default whose finding carries
     * alarm. */
    status = r->counting > 0 || r->raises ? EXIT_FOUND : EXIT_OK;
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
    "A dependency whose newest matching release is affected gets the minimum upgrade of its\n"
    "requirement that clears every vulnerability and unsound advisory of that crate.\n"
    "Vulnerabilities (malicious code included) and unsound advisories count; unmaintained\n"
    "advisories and notices are shown, never counted.\n"
    "\n"
    "Exit status: 0 nothing found; 1 an advisory that counts is reachable, or a dependency\n"
    "built by default (normal or build, optional ones only when the default features enable\n"
    "them) can resolve only / newest to an affected release, or the crate or version is not\n"
    "in the index; 2 usage or unreadable index.",
    run};
