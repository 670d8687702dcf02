/* test_deps.c - dependency findings, transitive resolution and ecosystem
 * impact over the hand-built fixture tests/data/index-deps (index/ in the git
 * layout, db/ a tiny advisory database; the crates and the case each one
 * stands for are listed in tests/data/index-deps/README.md). */
#include "harness.h"

#include "deps.h"

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
    if (csec__index_open_dir(&f->ix, test_path(test_source_dir(), "tests/data/index-deps/index"),
                             &d) < 0)
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
    ASSERT_STR_EQ(x->fixed->vers, "0.4.0");
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
    ASSERT_STR_EQ(x->fixed->vers, "2.0.0");
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
    ASSERT(r->direct[0].alarm);
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
    ASSERT_INT_EQ(x->state, CSEC_DEPS_ONLY_AFFECTED);
    ASSERT(!x->alarm);
    ASSERT(x->fixed == NULL);
    const csec_deps_node *n = node(r, "realname", "0.1.0");
    ASSERT(n && n->via && n->via->rename && strcmp(n->via->rename, "ren") == 0);
    ASSERT(hit(r, "RUSTSEC-2099-0106"));
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
TEST(deps, whole_index_2020)
{
    const char *dir = test_path(test_source_dir(), "build/crates-index-2020-07");
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    FILE *fp = fopen(cfg, "r");
    if (!fp)
        SKIP("build/crates-index-2020-07 not unpacked");
    fclose(fp);
    const char *dbdir = test_advisory_db();
    if (!dbdir)
        SKIP("no advisory database");
    csec_index *ix = NULL;
    csec_db *db = NULL;
    csec_diag d;
    ASSERT(csec__index_open_dir(&ix, dir, &d) == 0);
    ASSERT(csec_db_open(&db, dbdir, NULL, &d) == 0);
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
