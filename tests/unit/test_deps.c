/* test_deps.c - dependency findings, transitive resolution and ecosystem
 * impact over the hand-built fixture tests/data/index-deps (index/ in the git
 * layout, db/ a tiny advisory database; the crates and the case each one
 * stands for are listed in tests/data/index-deps/README.md). */
#include "harness.h"

#include "deps.h"
#include "wording.h"

#include <stdlib.h>
#include <time.h>

typedef struct fixture {
    csec_index *ix;
    csec_db *db;
} fixture;

static int fixture_open(fixture *f)
{
    csec_diag d;
    f->ix = NULL;
    f->db = NULL;
    if (csec__index_open_dir_ex(&f->ix, test_path(test_source_dir(), "tests/data/index-deps/index"),
                                NULL, &d) < 0)
        return -1;
    if (csec_db_open(&f->db, test_path(test_source_dir(), "tests/data/index-deps/db"), NULL, &d) <
        0) {
        fprintf(stderr, "  db: %s: %s\n", d.file, d.msg);
        return -1;
    }
    return 0;
}

static void fixture_close(fixture *f)
{
    csec_db_free(f->db);
    csec__index_free(f->ix);
}

static const csec_index_version *version_of(const csec_index_crate *c, const char *vers)
{
    for (size_t i = 0; c && i < c->versions_count; i++)
        if (strcmp(c->versions[i].vers, vers) == 0)
            return &c->versions[i];
    return NULL;
}

static csec_deps_report *report_for(fixture *f, const char *name, const char *vers)
{
    const csec_index_crate *c = csec__index_find(f->ix, name);
    const csec_index_version *v = version_of(c, vers);
    csec_deps_source src = csec__deps_source_index(f->ix);
    return v ? csec__deps_report_new(&src, f->db, c, v) : NULL;
}

/* The direct finding whose local name (rename or name) is `local`. */
static const csec_deps_finding *finding(const csec_deps_report *r, const char *local)
{
    for (size_t i = 0; i < r->ndirect; i++) {
        const csec_index_dep *d = r->direct[i].dep;
        if (strcmp(d->rename ? d->rename : d->name, local) == 0)
            return &r->direct[i];
    }
    return NULL;
}

/* The resolved node of crate `name` at version `vers` (NULL vers: any kind). */
static const csec_deps_node *node(const csec_deps_report *r, const char *name, const char *vers)
{
    for (size_t i = 0; i < r->nnodes; i++) {
        const csec_deps_node *n = &r->nodes[i];
        if (strcmp(n->name, name) != 0)
            continue;
        if (!vers || (n->version && strcmp(n->version->vers, vers) == 0))
            return n;
    }
    return NULL;
}

static size_t count_nodes(const csec_deps_report *r, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nnodes; i++)
        k += strcmp(r->nodes[i].name, name) == 0;
    return k;
}

static const csec_deps_hit *hit(const csec_deps_report *r, const char *id)
{
    for (size_t i = 0; i < r->nhits; i++)
        if (strcmp(r->hits[i].adv->id, id) == 0)
            return &r->hits[i];
    return NULL;
}

/* The path to a node as "a>b>c". */
static const char *path_text(const csec_deps_report *r, size_t node_id, char *buf, size_t n)
{
    size_t ids[64];
    size_t len = csec__deps_path(r, node_id, ids, 64);
    buf[0] = '\0';
    for (size_t i = 0; i < len && i < 64; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "%s%s", i ? ">" : "", r->nodes[ids[i]].name);
    }
    return buf;
}

TEST(deps, only_affected_range_with_yanked_escape_skipped)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    ASSERT(r);
    const csec_deps_finding *x = finding(r, "vulnonly");
    ASSERT(x);
    /* ^0.3 matches 0.3.0 and 0.3.1 (0.3.2, the only unaffected 0.3.x, is yanked). */
    ASSERT_INT_EQ(x->state, CSEC_DEPS_ONLY_AFFECTED);
    ASSERT_INT_EQ(x->matching, 2);
    ASSERT_INT_EQ(x->affected, 2);
    ASSERT_STR_EQ(x->newest->vers, "0.3.1");
    /* The way out: ^0.4.0 (0.3.2 is yanked). */
    ASSERT_INT_EQ(x->advice.kind, CSEC_ADVICE_CARET);
    ASSERT_STR_EQ(x->advice.lowest->vers, "0.4.0");
    ASSERT_STR_EQ(x->advice.req, "^0.4.0");
    /* The withdrawn advisory is not named. */
    ASSERT_INT_EQ(x->nadv, 1);
    ASSERT_STR_EQ(x->advs[0]->id, "RUSTSEC-2099-0101");
    ASSERT(x->alarm);
    ASSERT(r->raises);
    /* The older release's ^0.2 is clear. */
    csec_deps_report *old = report_for(&f, "app", "0.9.0");
    ASSERT(old);
    ASSERT_INT_EQ(finding(old, "vulnonly")->state, CSEC_DEPS_CLEAR);
    ASSERT(!old->raises);
    ASSERT_INT_EQ(old->nhits, 0);
    csec__deps_report_free(old);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, newest_affected_build_dependency)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    const csec_deps_finding *x = finding(r, "newvuln");
    ASSERT(x);
    ASSERT_INT_EQ(x->dep->kind, CSEC_INDEX_DEP_BUILD);
    ASSERT_INT_EQ(x->state, CSEC_DEPS_NEWEST_AFFECTED);
    ASSERT_STR_EQ(x->newest->vers, "1.1.0");
    ASSERT_INT_EQ(x->matching, 2);
    ASSERT_INT_EQ(x->affected, 1);
    ASSERT_INT_EQ(x->nadv_newest, 1);
    ASSERT_INT_EQ(x->advice.kind, CSEC_ADVICE_CARET);
    ASSERT_STR_EQ(x->advice.lowest->vers, "2.0.0");
    /* In the tree it is a build node, and its own dependency is too. */
    const csec_deps_node *n = node(r, "newvuln", "1.1.0");
    ASSERT(n && n->build);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, dev_dependency_never_raises_and_is_not_followed)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "devapp", "0.1.0");
    ASSERT(r);
    ASSERT_INT_EQ(r->ndirect, 1);
    ASSERT_INT_EQ(r->direct[0].state, CSEC_DEPS_ONLY_AFFECTED);
    /* Listed with its state, never counted. */
    ASSERT(!r->direct[0].enabled);
    ASSERT(!r->direct[0].alarm);
    ASSERT(!r->raises);
    ASSERT_INT_EQ(r->nnodes, 1);
    ASSERT_INT_EQ(r->nhits, 0);
    /* cycb's dev-dependency on devonly is not followed either. */
    csec_deps_report *app = report_for(&f, "app", "1.0.0");
    ASSERT(node(app, "devonly", NULL) == NULL);
    ASSERT(hit(app, "RUSTSEC-2099-0103") == NULL);
    ASSERT_INT_EQ(finding(app, "devonly")->state, CSEC_DEPS_ONLY_AFFECTED);
    csec__deps_report_free(app);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, optional_dependencies_follow_default_features)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    /* default -> fast -> dep:optfast; optoff only through the "extra" feature. */
    ASSERT(node(r, "optfast", "1.0.0"));
    ASSERT(node(r, "optoff", NULL) == NULL);
    ASSERT(hit(r, "RUSTSEC-2099-0104") == NULL);
    /* optfast's own optional dependency is off (its default is empty). */
    ASSERT(node(r, "optinner", NULL) == NULL);
    /* The direct finding still reports the optional dependency, marked. */
    const csec_deps_finding *x = finding(r, "optoff");
    ASSERT(x && x->dep->optional);
    ASSERT_INT_EQ(x->state, CSEC_DEPS_ONLY_AFFECTED);
    /* ... and, off by default, it is not counted (issue 11 item 7). */
    ASSERT(!x->enabled);
    ASSERT(!x->alarm);
    ASSERT(finding(r, "optfast")->enabled);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, renamed_package_and_unmaintained_is_not_alarm)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    const csec_deps_finding *x = finding(r, "ren");
    ASSERT(x);
    ASSERT_STR_EQ(x->dep->name, "realname");
    ASSERT_STR_EQ(x->crate->name, "realname");
    /* ^0.1 does not pick the prerelease 0.1.1-beta.1. */
    ASSERT_STR_EQ(x->newest->vers, "0.1.0");
    /* Unmaintained is a notice: the release is clear of what counts. */
    ASSERT_INT_EQ(x->state, CSEC_DEPS_CLEAR);
    ASSERT_INT_EQ(x->nnotices, 1);
    ASSERT_STR_EQ(x->notices[0]->id, "RUSTSEC-2099-0106");
    ASSERT(!x->alarm);
    ASSERT_INT_EQ(x->advice.kind, CSEC_ADVICE_NONE);
    const csec_deps_node *n = node(r, "realname", "0.1.0");
    ASSERT(n && n->via && n->via->rename && strcmp(n->via->rename, "ren") == 0);
    const csec_deps_hit *h = hit(r, "RUSTSEC-2099-0106");
    ASSERT(h && !h->counts);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, target_specific_path_is_labelled)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    const csec_deps_node *w = node(r, "winonly", "1.0.0");
    ASSERT(w);
    ASSERT_STR_EQ(w->target, "cfg(windows)");
    /* deepvuln 0.1.0 is reached through newvuln (build) and winonly, both
     * at depth 2; breadth first in app's dependency order, newvuln's comes
     * first, so that is the recorded path. */
    const csec_deps_hit *h = hit(r, "RUSTSEC-2099-0105");
    ASSERT(h);
    char buf[256];
    ASSERT_STR_EQ(path_text(r, h->node, buf, sizeof buf), "app>newvuln>deepvuln");
    ASSERT_INT_EQ(r->nodes[h->node].depth, 2);
    ASSERT_INT_EQ(count_nodes(r, "deepvuln"), 1);
    /* The edge from winonly leads to the same node. */
    bool from_win = false;
    for (size_t e = 0; e < r->nedges; e++)
        if (r->edges[e].to == h->node && &r->nodes[r->edges[e].from] == w)
            from_win = true;
    ASSERT(from_win);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, cycle_missing_no_release_bad_req_other_registry)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    ASSERT_INT_EQ(count_nodes(r, "cyca"), 1);
    ASSERT_INT_EQ(count_nodes(r, "cycb"), 1);
    const csec_deps_node *b = node(r, "cycb", "1.0.0");
    ASSERT(b && b->nedges == 1);
    ASSERT(&r->nodes[r->edges[b->edges].to] == node(r, "cyca", "1.0.0"));
    const csec_deps_node *m = node(r, "nosuch", NULL);
    ASSERT(m && m->kind == CSEC_DEPS_NODE_MISSING && !m->crate);
    ASSERT_INT_EQ(finding(r, "nosuch")->state, CSEC_DEPS_MISSING);
    const csec_deps_node *nr = node(r, "norel", NULL);
    ASSERT(nr && nr->kind == CSEC_DEPS_NODE_NO_RELEASE);
    ASSERT_INT_EQ(finding(r, "norel")->state, CSEC_DEPS_NO_RELEASE);
    ASSERT_INT_EQ(node(r, "badreq", NULL)->kind, CSEC_DEPS_NODE_BAD_REQ);
    ASSERT_INT_EQ(finding(r, "badreq")->state, CSEC_DEPS_BAD_REQ);
    ASSERT_INT_EQ(node(r, "ext", NULL)->kind, CSEC_DEPS_NODE_OTHER_REGISTRY);
    ASSERT_INT_EQ(finding(r, "ext")->state, CSEC_DEPS_OTHER_REGISTRY);
    /* Two versions of vulnonly: 0.3.1 directly, 0.4.0 through user2's >=0.3.0. */
    ASSERT(node(r, "vulnonly", "0.3.1"));
    ASSERT(node(r, "vulnonly", "0.4.0"));
    ASSERT_INT_EQ(count_nodes(r, "vulnonly"), 2);
    /* Every reachable advisory, each once, nearer first. */
    ASSERT(hit(r, "RUSTSEC-2099-0101"));
    ASSERT(hit(r, "RUSTSEC-2099-0102"));
    ASSERT_INT_EQ(r->nhits, 4);
    for (size_t i = 1; i < r->nhits; i++)
        ASSERT(r->nodes[r->hits[i - 1].node].depth <= r->nodes[r->hits[i].node].depth);
    csec__deps_report_free(r);
    fixture_close(&f);
}

TEST(deps, ecosystem_impact)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_rev *rev = csec__deps_rev_new(f.ix);
    ASSERT_INT_EQ(csec__deps_rev_count(rev, csec__index_find(f.ix, "user2")), 2);
    ASSERT_INT_EQ(csec__deps_rev_count(rev, csec__index_find(f.ix, "app")), 0);
    /* app, user2, user3 and twice (twice counted once); not user4 (dev) nor
     * olduser (only its old release). */
    ASSERT_INT_EQ(csec__deps_rev_count(rev, csec__index_find(f.ix, "vulnonly")), 4);
    csec_deps_impact imp;
    csec__deps_impact(&imp, rev, csec_db_find(f.db, "RUSTSEC-2099-0101"));
    ASSERT_INT_EQ(imp.dependents, 4);
    ASSERT_INT_EQ(imp.count, 3);
    ASSERT_INT_EQ(imp.only_affected, 2);
    ASSERT_STR_EQ(imp.items[0].crate->name, "user2");
    ASSERT_INT_EQ(imp.items[0].rdeps, 2);
    ASSERT(!imp.items[0].only_affected);
    ASSERT_INT_EQ(imp.items[0].matching, 3);
    ASSERT_INT_EQ(imp.items[0].affected, 2);
    ASSERT_STR_EQ(imp.items[1].crate->name, "app");
    ASSERT_STR_EQ(imp.items[1].version->vers, "1.0.0");
    ASSERT(imp.items[1].only_affected);
    ASSERT_STR_EQ(imp.items[2].crate->name, "twice");
    ASSERT(imp.items[2].only_affected);
    ASSERT_STR_EQ(imp.items[2].dep->req, "~0.3.0");
    csec__deps_impact_free(&imp);
    /* Optional dependencies count (app's optoff is off by default but a
     * feature away). */
    csec__deps_impact(&imp, rev, csec_db_find(f.db, "RUSTSEC-2099-0104"));
    ASSERT_INT_EQ(imp.count, 1);
    ASSERT(imp.items[0].dep->optional);
    csec__deps_impact_free(&imp);
    /* Dev-dependencies do not: devonly has dependents only through them. */
    csec__deps_impact(&imp, rev, csec_db_find(f.db, "RUSTSEC-2099-0103"));
    ASSERT(imp.crate != NULL);
    ASSERT_INT_EQ(imp.dependents, 0);
    ASSERT_INT_EQ(imp.count, 0);
    csec__deps_impact_free(&imp);
    csec__deps_rev_free(rev);
    fixture_close(&f);
}

/* The whole 2020 crates.io index when it has been unpacked (bench/run.sh does
 * so): a large tree resolves and an impact is computed in reasonable time. */
/* Opens the 2020 crates.io index and the real database.  Returns NULL, or
 * why a test cannot use them (a load failure also fails the test). */
static const char *open_real(csec_index **ix, csec_db **db)
{
    *ix = NULL;
    *db = NULL;
    const char *dir = test_real_index();
    if (!dir)
        return "crates-index-2020-07.tar.zst not available";
    const char *dbdir = test_advisory_db();
    if (!dbdir)
        return "no advisory database";
    csec_diag d;
    if (csec__index_open_dir_ex(ix, dir, NULL, &d) < 0 || csec_db_open(db, dbdir, NULL, &d) < 0) {
        csec_test_failed = 1;
        fprintf(stderr, "  FAIL %s: cannot load the real data: %s\n", csec_test_current, d.msg);
        return "";
    }
    return NULL;
}

TEST(deps, whole_index_2020)
{
    csec_index *ix;
    csec_db *db;
    const char *why = open_real(&ix, &db);
    if (why) {
        csec__index_free(ix);
        if (!csec_test_failed)
            SKIP(why);
        return;
    }
    const csec_index_crate *c = csec__index_find(ix, "actix-web");
    ASSERT(c);
    const csec_index_version *v = csec__index_newest(c, false, false);
    csec_deps_source src = csec__deps_source_index(ix);
    csec_deps_report *r = csec__deps_report_new(&src, db, c, v);
    ASSERT(r->nnodes > 50);
    for (size_t i = 1; i < r->nnodes; i++)
        ASSERT(r->nodes[i].parent < i);
    csec__deps_report_free(r);
    /* Every version of a few crates with many versions and dependencies
     * (failure once hit a use-after-free when the node map grew while a
     * dependency led to a version already in the tree). */
    static const char *const crates[] = {"failure", "cargo", "tokio", "serde_json"};
    for (size_t k = 0; k < sizeof crates / sizeof crates[0]; k++) {
        c = csec__index_find(ix, crates[k]);
        ASSERT(c);
        for (size_t i = 0; i < c->versions_count; i++) {
            r = csec__deps_report_new(&src, db, c, &c->versions[i]);
            bool ok = r->nnodes >= 1 && r->nodes[0].version == &c->versions[i];
            for (size_t e = 0; e < r->nedges; e++)
                ok = ok && r->edges[e].to < r->nnodes && r->edges[e].from < r->nnodes;
            csec__deps_report_free(r);
            ASSERT(ok);
        }
    }
    csec_deps_rev *rev = csec__deps_rev_new(ix);
    ASSERT(csec__deps_rev_count(rev, csec__index_find(ix, "serde")) > 5000);
    csec__deps_rev_free(rev);
    csec_db_free(db);
    csec__index_free(ix);
}

/* The crate's own advisories are not reached through its dependencies
 * (issue 11 item 7: no "1 advisory reachable (0 crate versions)"). */
TEST(deps, own_advisories_are_not_hits)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "vulnonly", "0.3.1");
    ASSERT(r);
    ASSERT_INT_EQ(r->nnodes, 1);
    ASSERT_INT_EQ(r->nodes[0].nadv, 1); /* RUSTSEC-2099-0101 affects it... */
    ASSERT_INT_EQ(r->nhits, 0);         /* ... but is not reached through anything */
    ASSERT_INT_EQ(r->counting, 0);
    ASSERT_INT_EQ(r->notices, 0);
    csec__deps_report_free(r);
    /* app reaches vulnonly twice (0.3.1 and 0.4.0 through user2): each
     * advisory is counted once. */
    r = report_for(&f, "app", "1.0.0");
    size_t distinct = 0;
    for (size_t i = 0; i < r->nhits; i++) {
        bool first = true;
        for (size_t k = 0; k < i; k++)
            first = first && r->hits[k].adv != r->hits[i].adv;
        distinct += first;
    }
    ASSERT_INT_EQ(r->counting + r->notices, distinct);
    csec__deps_report_free(r);
    fixture_close(&f);
}

/* One iterator for every rendering of the tree: ENTER and LEAVE balance,
 * the root comes first and last, every edge of an expanded node is walked
 * once, and a node is expanded only the first time it is met. */
TEST(deps, tree_iterator_events)
{
    fixture f;
    if (fixture_open(&f) < 0)
        FAIL_AT("cannot open the fixture");
    csec_deps_report *r = report_for(&f, "app", "1.0.0");
    csec_deps_iter it;
    csec__deps_iter_init(&it, r);
    csec_deps_event ev;
    size_t depth = 0, enters = 0, leaves = 0, expanded = 0, events = 0;
    bool *seen = calloc(r->nnodes + 1, 1);
    bool ok = true, root_first = false, root_last = false;
    while ((ev = csec__deps_iter_next(&it)) != CSEC_DEPS_DONE) {
        if (events++ == 0)
            root_first = ev == CSEC_DEPS_ENTER && it.node == 0 && !it.edge;
        if (ev == CSEC_DEPS_ENTER) {
            ok = ok && it.depth == depth;
            ok = ok && (!it.edge || it.edge->to == it.node);
            ok = ok && it.repeat == (it.node != 0 && seen[it.node]);
            if (it.expanded) {
                ok = ok && !seen[it.node] && r->nodes[it.node].nedges > 0;
                expanded++;
                depth++;
            }
            seen[it.node] = true;
            enters++;
        } else {
            if (it.expanded)
                depth--;
            ok = ok && it.depth == depth;
            leaves++;
            root_last = it.node == 0 && !it.edge;
        }
    }
    csec__deps_iter_free(&it);
    ASSERT(ok);
    ASSERT(root_first && root_last);
    ASSERT_INT_EQ(enters, leaves);
    ASSERT_INT_EQ(depth, 0);
    /* Every node appears, and every expanded node's edges are entered:
     * enters = 1 (root) + the edges of the expanded nodes. */
    size_t edges = 0, nodes_seen = 0;
    for (size_t i = 0; i < r->nnodes; i++) {
        nodes_seen += seen[i];
        if (r->nodes[i].nedges)
            edges += r->nodes[i].nedges;
    }
    ASSERT_INT_EQ(nodes_seen, r->nnodes);
    /* Each expanded node's edges are entered once; the root is entered
     * without an edge. */
    size_t expanded_edges = 0;
    csec__deps_iter_init(&it, r);
    while ((ev = csec__deps_iter_next(&it)) != CSEC_DEPS_DONE)
        if (ev == CSEC_DEPS_ENTER && it.expanded)
            expanded_edges += r->nodes[it.node].nedges;
    csec__deps_iter_free(&it);
    ASSERT_INT_EQ(enters, 1 + expanded_edges);
    ASSERT(expanded > 3 && enters <= 1 + edges);
    free(seen);
    csec__deps_report_free(r);
    fixture_close(&f);
}

/* Upgrade advice (issue 11 item 2) on the real database and the 2020
 * crates.io index: time's 0.2.0 island, the chrono/hyper rows, and for
 * every version of every crate with advisories, never a requirement that
 * allows an affected release. */
TEST(deps, advice_never_points_at_an_affected_release)
{
    csec_index *ix;
    csec_db *db;
    const char *why = open_real(&ix, &db);
    if (why) {
        csec__index_free(ix);
        if (!csec_test_failed)
            SKIP(why);
        return;
    }
    /* time 0.1.43: 0.2.0 to 0.2.6 are an unaffected island, 0.2.7 to the
     * index's newest 0.2 are affected: ^0.2.0 resolves to an affected
     * release, so the advice is the bounded requirement. */
    const csec_index_crate *time = csec__index_find(ix, "time");
    csec_version v;
    csec_version_parse(&v, "0.1.43", 6, NULL);
    csec_advice adv;
    csec__deps_advice(&adv, db, time, &v, false);
    ASSERT_INT_EQ(adv.kind, CSEC_ADVICE_BOUNDED);
    ASSERT_STR_EQ(adv.req, ">=0.2.0, <0.2.7");
    ASSERT_STR_EQ(adv.resolves->vers, "0.2.6");
    ASSERT_STR_EQ(adv.blocked->vers, "0.2.7");
    ASSERT_STR_EQ(adv.clears[0]->id, "RUSTSEC-2020-0071");
    csec_buf b = CSEC_BUF_INIT;
    csec__word_advice(&b, &adv, true);
    ASSERT_CONTAINS(b.ptr, "Minimum upgrade: >=0.2.0, <0.2.7, which resolves to 0.2.6");
    ASSERT(!strstr(b.ptr, "first fixed release"));
    /* chrono 0.4.13's row for time ^0.1.43 says the same; its optional
     * rustc-serialize (off by default) is listed, not counted. */
    const csec_index_crate *chrono = csec__index_find(ix, "chrono");
    const csec_index_version *cv = NULL;
    for (size_t i = 0; i < chrono->versions_count; i++)
        if (strcmp(chrono->versions[i].vers, "0.4.13") == 0)
            cv = &chrono->versions[i];
    ASSERT(cv);
    csec_deps_source src = csec__deps_source_index(ix);
    csec_deps_report *r = csec__deps_report_new(&src, db, chrono, cv);
    const csec_deps_finding *ft = finding(r, "time"), *fr = finding(r, "rustc-serialize");
    ASSERT(ft && fr);
    ASSERT(ft->enabled && ft->alarm);
    ASSERT_STR_EQ(ft->advice.req, ">=0.2.0, <0.2.7");
    ASSERT(!fr->enabled && !fr->alarm);
    ASSERT_INT_EQ(csec__deps_alarm_count(&src, db, cv), 1);
    csec_buf_clear(&b);
    csec__deps_finding_text(&b, ft, true);
    ASSERT(!strstr(b.ptr, "^0.2.0 admits"));
    csec__deps_report_free(r);
    /* hyper: the newest release that depends on time ^0.1 has the same row. */
    const csec_index_crate *hyper = csec__index_find(ix, "hyper");
    size_t rows = 0;
    for (size_t i = hyper->versions_count; i-- > 0 && !rows;) {
        r = csec__deps_report_new(&src, db, hyper, &hyper->versions[i]);
        const csec_deps_finding *x = finding(r, "time");
        if (x && x->state == CSEC_DEPS_ONLY_AFFECTED) {
            rows++;
            ASSERT_INT_EQ(x->advice.kind, CSEC_ADVICE_BOUNDED);
        }
        csec__deps_report_free(r);
    }
    ASSERT_INT_EQ(rows, 1);
    /* Every version of every crate with advisories: the advice's
     * requirement allows no affected non-yanked release and resolves to
     * what it says. */
    size_t checked = 0, caret = 0, bounded = 0;
    for (size_t ci = 0; ci < csec__index_crate_count(ix); ci++) {
        const csec_index_crate *c = csec__index_crate_at(ix, ci);
        size_t n = 0;
        const csec_advisory *const *advs =
            csec_db_by_package(db, CSEC_COLLECTION_CRATES, c->name, &n);
        if (!advs)
            continue;
        for (size_t i = 0; i < c->versions_count; i++) {
            csec__deps_advice(&adv, db, c, &c->versions[i].version, false);
            if (adv.kind != CSEC_ADVICE_CARET && adv.kind != CSEC_ADVICE_BOUNDED)
                continue;
            checked++;
            caret += adv.kind == CSEC_ADVICE_CARET;
            bounded += adv.kind == CSEC_ADVICE_BOUNDED;
            csec_req *req = NULL;
            ASSERT(csec_req_parse(&req, adv.req, strlen(adv.req), NULL) == 0);
            const csec_index_version *newest = NULL;
            for (size_t k = 0; k < c->versions_count; k++) {
                const csec_index_version *x = &c->versions[k];
                if (x->yanked || !csec_req_matches(req, &x->version))
                    continue;
                newest = x;
                for (size_t a = 0; a < n; a++)
                    if (csec__word_counts_against(advs[a], &x->version))
                        FAIL_AT("%s %s: %s allows %s, affected by %s", c->name,
                                c->versions[i].vers, adv.req, x->vers, advs[a]->id);
            }
            csec_req_free(req);
            ASSERT(newest == adv.resolves);
            ASSERT(csec_version_cmp(&adv.lowest->version, &c->versions[i].version) > 0);
        }
    }
    ASSERT(checked > 500 && caret > 0 && bounded > 0);
    csec_buf_free(&b);
    csec_db_free(db);
    csec__index_free(ix);
}
