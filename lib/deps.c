/* deps.c - dependency-aware security over a registry index (see deps.h). */
#include "deps.h"

#include "json.h"
#include "map.h"
#include "wording.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const csec__deps_simplifications[] = {
    "Each requirement resolves on its own to the newest non-yanked release that matches it "
    "(prereleases only when the requirement names one); versions are not unified across "
    "requirements and there is no backtracking, so a real lock file may pick older releases.",
    "Every crate is resolved with its default features only: an optional dependency is "
    "followed only when the crate's default feature enables it; features requested by "
    "dependents and default-features = false are ignored.",
    "Dev-dependencies are not followed, not even the selected version's own (they are listed "
    "with the direct dependencies only).",
    "Target-specific dependencies are followed for every target and labelled with their "
    "cfg() expression or target triple.",
    "Dependencies from other registries are listed but not followed; crates missing from the "
    "index and requirements no release satisfies end their branch.",
    "Each crate version appears once, reached by a shortest path; cycles end where a version "
    "is met again.",
    NULL,
};

size_t csec__deps_direct_count(const csec_deps_report *r, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ndirect; i++)
        n += r->direct[i].dep->kind == kind;
    return n;
}

const char *csec__deps_state_name(csec_deps_state s)
{
    static const char *const names[] = {"clear",          "newest-affected", "only-affected",
                                        "no-release",     "missing",         "bad-requirement",
                                        "other-registry", "unavailable"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

void csec__deps_json_dep(csec__json *j, const csec_index_dep *d)
{
    static const char *const kinds[] = {"normal", "build", "dev"};
    csec__json_key_str(j, "req", d->req);
    csec__json_key_str(j, "kind", kinds[d->kind < 3 ? d->kind : 0]);
    csec__json_key(j, "optional");
    csec__json_bool(j, d->optional);
    csec__json_key_str(j, "target", d->target);
}

const char *csec__advice_kind_name(csec_advice_kind k)
{
    static const char *const names[] = {"none", "caret", "bounded", "no-release", "remove"};
    return (unsigned)k < 5 ? names[k] : "none";
}

/* ---- parsed requirements, cached by the interned requirement string ---- */

typedef struct reqcache {
    csec_map map; /* req text (interned: by address) -> slot in reqs */
    csec_req **reqs;
    size_t n, cap;
} reqcache;

/* The parsed requirement, or NULL when it does not parse. */
static csec_req *parse_req(const char *text)
{
    csec_req *r = NULL;
    return csec_req_parse(&r, text, strlen(text), NULL) < 0 ? NULL : r;
}

/* The slot of a requirement text in the cache (parsed on first sight). */
static size_t req_slot(reqcache *c, const char *text)
{
    const csec_map_entry *e = csec__map_find(&c->map, text, 0);
    if (e)
        return e->val.idx;
    if (c->n == c->cap)
        c->reqs = csec__grow(c->reqs, &c->cap, 32, sizeof *c->reqs);
    c->reqs[c->n] = parse_req(text);
    csec__map_put(&c->map, text, 0, NULL)->val.idx = c->n;
    return c->n++;
}

/* The parsed requirement, or NULL when it does not parse. */
static const csec_req *req_get(reqcache *c, const char *text)
{
    size_t slot = req_slot(c, text); /* may move c->reqs: index it afterwards */
    return c->reqs[slot];
}

static void req_cache_free(reqcache *c)
{
    for (size_t i = 0; i < c->n; i++)
        csec_req_free(c->reqs[i]);
    free(c->reqs);
    csec__map_free(&c->map);
}

/* Newest non-yanked release matching `req` (Cargo's pick), or NULL. */
static const csec_index_version *newest_match(const csec_index_crate *c, const csec_req *req)
{
    for (size_t i = c->versions_count; i-- > 0;) {
        const csec_index_version *v = &c->versions[i];
        if (!v->yanked && csec_req_matches(req, &v->version))
            return v;
    }
    return NULL;
}

/* ---- 1. direct findings ---- */

static const csec_index_crate *find_in_index(void *payload, const char *name, bool *unavailable)
{
    *unavailable = false;
    return csec__index_find(payload, name);
}

csec_deps_source csec__deps_source_index(const csec_index *idx)
{
    csec_deps_source s = {find_in_index, (void *)idx};
    return s;
}

typedef struct ctx {
    const csec_deps_source *src;
    const csec_db *db;
    csec_deps_report *r;
    reqcache reqs;
    csec_map seen; /* dependency record or version (by address) -> node */
    bool no_advice; /* only the alarm is wanted (csec__deps_alarm_count) */
    size_t capnodes, capedges, caphits;
} ctx;

/* The advisories of a crate that are not withdrawn (crates collection).
 * Returns how many were written to *out (an arena array). */
static size_t crate_advisories(ctx *x, const csec_index_crate *c, const csec_advisory ***out)
{
    size_t n = 0;
    const csec_advisory *const *list =
        csec_db_by_package(x->db, CSEC_COLLECTION_CRATES, c->name, &n);
    const csec_advisory **keep = csec__arena_alloc(&x->r->arena, (n + 1) * sizeof *keep);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!csec_advisory_is_withdrawn(list[i]))
            keep[k++] = list[i];
    *out = keep;
    return k;
}

/* Whether a counting advisory (wording.h rule 2) among `advs` affects `v`. */
static bool any_counts_against(const csec_advisory *const *advs, size_t n, const csec_version *v)
{
    for (size_t i = 0; i < n; i++)
        if (csec__word_counts_against(advs[i], v))
            return true;
    return false;
}

/* ---- 4. upgrade advice ---- */

/* Whether the non-yanked releases that `req` allows, from position `from`
 * of c->versions up, are all unaffected (`bad[i]`: release i is). */
static bool allows_none(const csec_index_crate *c, const bool *bad, size_t from, const csec_req *req)
{
    for (size_t i = from; i < c->versions_count; i++) {
        const csec_index_version *v = &c->versions[i];
        if (!v->yanked && bad[i] && csec_req_matches(req, &v->version))
            return false;
    }
    return true;
}

void csec__deps_advice(csec_advice *out, const csec_db *db, const csec_index_crate *c,
                       const csec_version *from, bool inclusive)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    const csec_advisory *const *advs =
        c ? csec_db_by_package(db, CSEC_COLLECTION_CRATES, c->name, &n) : NULL;
    bool malicious = false;
    for (size_t i = 0; i < n; i++) {
        if (!csec__word_counts_against(advs[i], from))
            continue;
        malicious = malicious || csec__word_is_malicious(advs[i]);
        if (out->nclears < CSEC_ADVICE_MAX_NAMED)
            out->clears[out->nclears++] = advs[i];
        else
            out->more++;
    }
    if (!out->nclears)
        return;
    if (malicious) {
        out->kind = CSEC_ADVICE_REMOVE;
        return;
    }
    out->kind = CSEC_ADVICE_NO_RELEASE;
    /* bad[i]: some counting advisory of the crate affects release i. */
    bool *bad = csec__xcalloc(c->versions_count + 1, sizeof *bad);
    for (size_t i = 0; i < c->versions_count; i++)
        bad[i] = any_counts_against(advs, n, &c->versions[i].version);
    size_t first = SIZE_MAX; /* the first candidate: the bounded fallback */
    char text[sizeof out->req];
    for (size_t i = 0; i < c->versions_count; i++) {
        const csec_index_version *v = &c->versions[i];
        int cmp = csec_version_cmp(&v->version, from);
        if (v->yanked || v->version.pre.len || bad[i] || cmp < 0 || (cmp == 0 && !inclusive))
            continue;
        if (first == SIZE_MAX)
            first = i;
        snprintf(text, sizeof text, "^%s", v->vers);
        csec_req *req = parse_req(text);
        bool clean = req && allows_none(c, bad, i, req);
        if (clean) {
            out->kind = CSEC_ADVICE_CARET;
            out->lowest = v;
            out->resolves = newest_match(c, req);
            snprintf(out->req, sizeof out->req, "%s", text);
        }
        csec_req_free(req);
        if (clean)
            break;
    }
    if (out->kind == CSEC_ADVICE_NO_RELEASE && first != SIZE_MAX) {
        /* Every caret requirement reaches an affected release: the first
         * candidate up to the first affected non-yanked release above it. */
        const csec_index_version *r = &c->versions[first], *blocked = NULL;
        for (size_t i = first + 1; i < c->versions_count && !blocked; i++)
            if (!c->versions[i].yanked && !c->versions[i].version.pre.len && bad[i])
                blocked = &c->versions[i];
        snprintf(text, sizeof text, ">=%s, <%s", r->vers, blocked ? blocked->vers : "0");
        csec_req *req = blocked ? parse_req(text) : NULL;
        if (req) {
            out->kind = CSEC_ADVICE_BOUNDED;
            out->lowest = r;
            out->blocked = blocked;
            out->resolves = newest_match(c, req);
            snprintf(out->req, sizeof out->req, "%s", text);
        }
        csec_req_free(req);
    }
    free(bad);
}

/* ---- 1. direct findings ---- */

static void classify(ctx *x, const csec_index_dep *d, bool enabled, csec_deps_finding *f)
{
    memset(f, 0, sizeof *f);
    f->dep = d;
    f->enabled = enabled && d->kind != CSEC_INDEX_DEP_DEV;
    if (d->registry) {
        f->state = CSEC_DEPS_OTHER_REGISTRY;
        return;
    }
    bool unavailable = false;
    const csec_index_crate *c = x->src->find(x->src->payload, d->name, &unavailable);
    if (!c) {
        f->state = unavailable ? CSEC_DEPS_UNAVAILABLE : CSEC_DEPS_MISSING;
        return;
    }
    f->crate = c;
    const csec_req *req = req_get(&x->reqs, d->req);
    if (!req) {
        f->state = CSEC_DEPS_BAD_REQ;
        return;
    }
    const csec_advisory **advs = NULL;
    size_t nadv = crate_advisories(x, c, &advs);
    /* hit[k]: 1 when counting advisory k affects some matching release, 2
     * when it affects the newest one too. */
    unsigned char *hit = csec__xcalloc(nadv + 1, 1);
    for (size_t i = c->versions_count; i-- > 0;) {
        const csec_index_version *v = &c->versions[i];
        if (v->yanked || !csec_req_matches(req, &v->version))
            continue;
        bool newest = !f->newest;
        if (newest)
            f->newest = v;
        f->matching++;
        bool any = false;
        for (size_t k = 0; k < nadv; k++) {
            if (!csec__word_counts_against(advs[k], &v->version))
                continue;
            any = true;
            hit[k] = newest ? 2 : (hit[k] ? hit[k] : 1);
        }
        f->affected += any;
    }
    /* The advisories, those affecting the newest matching release first. */
    const csec_advisory **mine = csec__arena_alloc(&x->r->arena, (nadv + 1) * sizeof *mine);
    const csec_advisory **notes = csec__arena_alloc(&x->r->arena, (nadv + 1) * sizeof *notes);
    size_t n = 0;
    for (size_t k = 0; k < nadv; k++)
        if (hit[k] == 2)
            mine[n++] = advs[k];
    f->nadv_newest = n;
    for (size_t k = 0; k < nadv; k++)
        if (hit[k] == 1)
            mine[n++] = advs[k];
    f->advs = mine;
    f->nadv = n;
    if (!f->matching)
        f->state = CSEC_DEPS_NO_RELEASE;
    else if (f->affected == f->matching)
        f->state = CSEC_DEPS_ONLY_AFFECTED;
    else if (f->nadv_newest)
        f->state = CSEC_DEPS_NEWEST_AFFECTED;
    else
        f->state = CSEC_DEPS_CLEAR;
    for (size_t k = 0; f->newest && k < nadv; k++)
        if (csec__word_notice_for(advs[k], &f->newest->version))
            notes[f->nnotices++] = advs[k];
    f->notices = notes;
    free(hit);
    if (f->state != CSEC_DEPS_ONLY_AFFECTED && f->state != CSEC_DEPS_NEWEST_AFFECTED)
        return;
    f->alarm = f->enabled;
    if (!x->no_advice)
        csec__deps_advice(&f->advice, x->db, c, &f->newest->version, false);
}

void csec__deps_finding_text(csec_buf *out, const csec_deps_finding *f, bool stale)
{
    const char *req = f->dep->req;
    switch ((csec_deps_state)f->state) {
    case CSEC_DEPS_ONLY_AFFECTED:
        csec_buf_printf(out, "every non-yanked release matching %s (%zu) is affected by ", req,
                        f->matching);
        csec__word_ids(out, f->advs, f->nadv);
        break;
    case CSEC_DEPS_NEWEST_AFFECTED:
        csec_buf_printf(out, "the newest matching release %s is affected by ", f->newest->vers);
        csec__word_ids(out, f->advs, f->nadv_newest);
        csec_buf_printf(out, " (%zu of %zu matching releases unaffected)", f->matching - f->affected,
                        f->matching);
        break;
    case CSEC_DEPS_CLEAR:
        csec_buf_printf(out, "resolves to %s, which no advisory affects", f->newest->vers);
        if (f->nadv) {
            csec_buf_puts(out, " (older matching releases are affected by ");
            csec__word_ids(out, f->advs, f->nadv);
            csec_buf_putc(out, ')');
        }
        break;
    case CSEC_DEPS_NO_RELEASE:
        csec_buf_printf(out, "no non-yanked release matches %s", req);
        return;
    case CSEC_DEPS_MISSING:
        csec_buf_puts(out, "not in the registry index");
        return;
    case CSEC_DEPS_BAD_REQ:
        csec_buf_printf(out, "the requirement %s does not parse", req);
        return;
    case CSEC_DEPS_OTHER_REGISTRY:
        csec_buf_puts(out, "from another registry: not checked");
        return;
    case CSEC_DEPS_UNAVAILABLE:
        csec_buf_puts(out, "the registry index is unavailable: not looked up");
        return;
    }
    if (f->nnotices) {
        csec_buf_printf(out, "; %s is ", f->crate->name);
        for (size_t i = 0; i < f->nnotices; i++)
            csec_buf_printf(out, "%s%s (%s)", i ? (i + 1 == f->nnotices ? " and " : ", ") : "",
                            f->notices[i]->informational == CSEC_INFO_UNMAINTAINED
                                ? "unmaintained"
                                : "the subject of a notice",
                            f->notices[i]->id);
    }
    if (f->advice.kind != CSEC_ADVICE_NONE) {
        csec_buf_puts(out, ". ");
        csec__word_advice(out, &f->advice, stale);
    }
}

/* Which optional dependencies of `v` its default features enable (free). */
static bool *default_enabled(const csec_index_version *v);

static void ctx_init(ctx *x, const csec_deps_source *src, const csec_db *db, csec_deps_report *r)
{
    memset(x, 0, sizeof *x);
    x->src = src;
    x->db = db;
    x->r = r;
    csec__map_init(&x->reqs.map, CSEC_MAP_ADDRESSES, NULL);
    csec__map_init(&x->seen, CSEC_MAP_ADDRESSES, NULL);
}

size_t csec__deps_alarm_count(const csec_deps_source *src, const csec_db *db,
                              const csec_index_version *v)
{
    size_t count = 0;
    csec_deps_report scratch;
    memset(&scratch, 0, sizeof scratch);
    ctx x;
    ctx_init(&x, src, db, &scratch);
    x.no_advice = true;
    bool *on = default_enabled(v);
    for (uint32_t i = 0; i < v->deps_count; i++) {
        const csec_index_dep *d = v->deps[i];
        if (d->kind == CSEC_INDEX_DEP_DEV || d->registry || (d->optional && !on[i]))
            continue;
        bool unavailable;
        const csec_index_crate *c = src->find(src->payload, d->name, &unavailable);
        size_t n = 0;
        if (!c || !csec_db_by_package(db, CSEC_COLLECTION_CRATES, c->name, &n))
            continue;
        csec_deps_finding f;
        classify(&x, d, true, &f);
        count += f.alarm;
    }
    free(on);
    req_cache_free(&x.reqs);
    csec__arena_free(&scratch.arena);
    return count;
}

/* ---- 2. the transitive tree ---- */

static bool has_local_name(const csec_index_dep *d, const char *name, size_t len)
{
    const char *local = d->rename ? d->rename : d->name;
    return strlen(local) == len && memcmp(local, name, len) == 0;
}

static void enable_dep(const csec_index_version *v, bool *on, const char *name, size_t len)
{
    for (uint32_t j = 0; j < v->deps_count; j++)
        if (v->deps[j]->optional && has_local_name(v->deps[j], name, len))
            on[j] = true;
}

/* Which optional dependencies of `v` its default features enable: a walk
 * of the feature map from "default" with an explicit queue; each feature is
 * queued at most once, so the queue never outgrows the map. */
static bool *default_enabled(const csec_index_version *v)
{
    bool *on = csec__xcalloc((size_t)v->deps_count + 1, sizeof *on);
    const csec_index_feature *def = csec__index_feature_find(v, "default");
    if (!def)
        return on;
    const csec_index_feature **queue =
        csec__xcalloc((size_t)v->features_count + 1, sizeof *queue);
    size_t nq = 0;
    queue[nq++] = def;
    for (size_t qi = 0; qi < nq; qi++) {
        const csec_index_feature *f = queue[qi];
        for (size_t i = 0; i < f->values.count; i++) {
            const char *s = f->values.items[i];
            const char *slash = strchr(s, '/');
            if (strncmp(s, "dep:", 4) == 0) {
                enable_dep(v, on, s + 4, strlen(s + 4));
            } else if (slash) {
                /* "x/feat" enables dependency x; "x?/feat" only if already on. */
                if (slash > s && slash[-1] != '?')
                    enable_dep(v, on, s, (size_t)(slash - s));
            } else {
                const csec_index_feature *g = csec__index_feature_find(v, s);
                if (!g) {
                    enable_dep(v, on, s, strlen(s)); /* implicit feature of an optional dep */
                    continue;
                }
                bool seen = false;
                for (size_t k = 0; k < nq && !seen; k++)
                    seen = queue[k] == g;
                if (!seen && nq < (size_t)v->features_count + 1)
                    queue[nq++] = g;
            }
        }
    }
    free(queue);
    return on;
}

static size_t add_node(ctx *x, const csec_deps_node *proto)
{
    csec_deps_report *r = x->r;
    if (r->nnodes == x->capnodes)
        r->nodes = csec__grow(r->nodes, &x->capnodes, 32, sizeof *r->nodes);
    r->nodes[r->nnodes] = *proto;
    return r->nnodes++;
}

static void add_edge(ctx *x, size_t from, size_t to, const csec_index_dep *d)
{
    csec_deps_report *r = x->r;
    if (r->nedges == x->capedges)
        r->edges = csec__grow(r->edges, &x->capedges, 64, sizeof *r->edges);
    r->edges[r->nedges].from = from;
    r->edges[r->nedges].to = to;
    r->edges[r->nedges].dep = d;
    r->nedges++;
}

/* The node a dependency of node `from` leads to, created (and queued, since
 * the node array is the queue) when new. */
static size_t follow(ctx *x, size_t from, const csec_index_dep *d)
{
    const csec_map_entry *known = csec__map_find(&x->seen, d, 0);
    if (known)
        return known->val.idx;
    csec_deps_node n = {0};
    n.name = d->name;
    n.parent = from;
    n.via = d;
    n.depth = x->r->nodes[from].depth + 1;
    n.target = x->r->nodes[from].target ? x->r->nodes[from].target : d->target;
    n.build = x->r->nodes[from].build || d->kind == CSEC_INDEX_DEP_BUILD;
    const csec_req *req = NULL;
    const void *key = d;
    bool unavailable = false;
    if (d->registry) {
        n.kind = CSEC_DEPS_NODE_OTHER_REGISTRY;
    } else if (!(n.crate = x->src->find(x->src->payload, d->name, &unavailable))) {
        n.kind = unavailable ? CSEC_DEPS_NODE_UNAVAILABLE : CSEC_DEPS_NODE_MISSING;
    } else {
        n.name = n.crate->name;
        if (!(req = req_get(&x->reqs, d->req))) {
            n.kind = CSEC_DEPS_NODE_BAD_REQ;
        } else if (!(n.version = newest_match(n.crate, req))) {
            n.kind = CSEC_DEPS_NODE_NO_RELEASE;
        } else {
            key = n.version;
            known = csec__map_find(&x->seen, n.version, 0);
            if (known) {
                size_t id = known->val.idx; /* a put may move the slots */
                csec__map_put(&x->seen, d, 0, NULL)->val.idx = id;
                return id;
            }
        }
    }
    size_t id = add_node(x, &n);
    csec__map_put(&x->seen, key, 0, NULL)->val.idx = id;
    if (key != (const void *)d)
        csec__map_put(&x->seen, d, 0, NULL)->val.idx = id;
    return id;
}

static void resolve_tree(ctx *x)
{
    csec_deps_report *r = x->r;
    csec_deps_node root = {0};
    root.name = r->crate->name;
    root.crate = r->crate;
    root.version = r->version;
    root.parent = CSEC_DEPS_NONE;
    add_node(x, &root);
    csec__map_put(&x->seen, r->version, 0, NULL)->val.idx = 0;
    /* Breadth first: r->nodes is the queue; nodes are appended as found. */
    for (size_t i = 0; i < r->nnodes; i++) {
        r->nodes[i].edges = r->nedges;
        const csec_index_version *v = r->nodes[i].version;
        if (!v)
            continue;
        bool *on = default_enabled(v);
        for (uint32_t j = 0; j < v->deps_count; j++) {
            const csec_index_dep *d = v->deps[j];
            if (d->kind == CSEC_INDEX_DEP_DEV || (d->optional && !on[j]))
                continue;
            size_t to = follow(x, i, d);
            add_edge(x, i, to, d);
        }
        free(on);
        r->nodes[i].nedges = r->nedges - r->nodes[i].edges;
    }
    for (size_t i = 0; i < r->nnodes; i++) {
        csec_deps_node *n = &r->nodes[i];
        if (!n->version)
            continue;
        const csec_advisory **advs = NULL;
        size_t nadv = crate_advisories(x, n->crate, &advs), k = 0;
        for (size_t a = 0; a < nadv; a++)
            if (csec_advisory_affects(advs[a], &n->version->version))
                advs[k++] = advs[a];
        n->advs = advs;
        n->nadv = k;
        /* The root's own advisories are not reached through dependencies. */
        for (size_t a = 0; i > 0 && a < k; a++) {
            if (r->nhits == x->caphits)
                r->hits = csec__grow(r->hits, &x->caphits, 16, sizeof *r->hits);
            r->hits[r->nhits].adv = advs[a];
            r->hits[r->nhits].node = i;
            r->hits[r->nhits].counts = csec__word_counts(advs[a]);
            r->nhits++;
        }
    }
    /* The same advisory may be reached at several versions of its crate. */
    csec_map distinct; /* advisory (by address) */
    csec__map_init(&distinct, CSEC_MAP_ADDRESSES, NULL);
    for (size_t h = 0; h < r->nhits; h++) {
        bool added;
        csec__map_put(&distinct, r->hits[h].adv, 0, &added);
        if (!added)
            continue;
        if (r->hits[h].counts)
            r->counting++;
        else
            r->notices++;
    }
    csec__map_free(&distinct);
}

csec_deps_report *csec__deps_report_new(const csec_deps_source *src, const csec_db *db,
                                        const csec_index_crate *c, const csec_index_version *v)
{
    csec_deps_report *r = csec__xcalloc(1, sizeof *r);
    ctx x;
    ctx_init(&x, src, db, r);
    r->crate = c;
    r->version = v;
    r->ndirect = v->deps_count;
    r->direct = csec__arena_alloc(&r->arena, ((size_t)v->deps_count + 1) * sizeof *r->direct);
    bool *on = default_enabled(v);
    for (uint32_t i = 0; i < v->deps_count; i++) {
        classify(&x, v->deps[i], !v->deps[i]->optional || on[i], &r->direct[i]);
        r->raises = r->raises || r->direct[i].alarm;
    }
    free(on);
    resolve_tree(&x);
    req_cache_free(&x.reqs);
    csec__map_free(&x.seen);
    return r;
}

void csec__deps_report_free(csec_deps_report *r)
{
    if (!r)
        return;
    free(r->nodes);
    free(r->edges);
    free(r->hits);
    csec__arena_free(&r->arena);
    free(r);
}

size_t csec__deps_path(const csec_deps_report *r, size_t node, size_t *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = node; i != CSEC_DEPS_NONE && len <= r->nnodes; i = r->nodes[i].parent)
        len++;
    size_t pos = len;
    for (size_t i = node; i != CSEC_DEPS_NONE && pos > 0; i = r->nodes[i].parent) {
        pos--;
        if (pos < cap)
            out[pos] = i;
    }
    return len;
}

/* ---- walking the tree ---- */

struct csec_deps_iter_frame {
    size_t node, next; /* the node expanded, its next edge to enter */
};

enum { ITER_START, ITER_WALK, ITER_LEAVE_LEAF, ITER_END };

void csec__deps_iter_init(csec_deps_iter *it, const csec_deps_report *r)
{
    memset(it, 0, sizeof *it);
    it->r = r;
    it->stack = csec__xcalloc(r->nnodes + 1, sizeof *it->stack);
    it->shown = csec__xcalloc(r->nnodes + 1, sizeof *it->shown);
    it->state = r->nnodes ? ITER_START : ITER_END;
}

void csec__deps_iter_free(csec_deps_iter *it)
{
    free(it->stack);
    free(it->shown);
    memset(it, 0, sizeof *it);
}

/* Makes the frame on top of the stack the current node (for its LEAVE). */
static void iter_at_frame(csec_deps_iter *it)
{
    const struct csec_deps_iter_frame *f = &it->stack[it->top];
    it->node = f->node;
    it->depth = it->top;
    it->expanded = true;
    it->repeat = false;
}

csec_deps_event csec__deps_iter_next(csec_deps_iter *it)
{
    const csec_deps_report *r = it->r;
    switch (it->state) {
    case ITER_START:
        /* The root: node 0 at depth 0, no edge, its frame at the bottom of
         * the stack (all zero since csec__deps_iter_init). */
        it->shown[0] = true;
        it->stack[0].next = r->nodes[0].edges;
        it->expanded = r->nodes[0].nedges > 0;
        it->state = ITER_WALK;
        return CSEC_DEPS_ENTER;
    case ITER_LEAVE_LEAF:
        /* The node just entered is not expanded: leave it at once. */
        it->state = ITER_WALK;
        return CSEC_DEPS_LEAVE;
    case ITER_WALK: {
        struct csec_deps_iter_frame *f = &it->stack[it->top];
        const csec_deps_node *n = &r->nodes[f->node];
        if (f->next >= n->edges + n->nedges) {
            /* Every dependency of this node was walked: leave it. */
            iter_at_frame(it);
            if (it->top) {
                /* The edge that entered this frame is the parent's last one. */
                it->edge = &r->edges[it->stack[it->top - 1].next - 1];
                it->top--;
            } else {
                it->edge = NULL;
                it->state = ITER_END;
            }
            return CSEC_DEPS_LEAVE;
        }
        const csec_deps_edge *e = &r->edges[f->next++];
        const csec_deps_node *c = &r->nodes[e->to];
        it->node = e->to;
        it->edge = e;
        it->depth = it->top + 1;
        it->repeat = it->shown[e->to];
        it->expanded = !it->repeat && c->nedges > 0;
        it->shown[e->to] = true;
        if (it->expanded) {
            it->top++;
            it->stack[it->top].node = e->to;
            it->stack[it->top].next = c->edges;
        } else {
            it->state = ITER_LEAVE_LEAF;
        }
        return CSEC_DEPS_ENTER;
    }
    default:
        return CSEC_DEPS_DONE;
    }
}

/* ---- 3. ecosystem impact ---- */

/* The reverse dependencies, per depended-upon name: a block listing every
 * crate whose newest release depends on that name (normal or build, same
 * registry), one dependency per entry, a dependent's entries adjacent.
 * Blocks are keyed by the name as dependencies write it, normalised, so the
 * crates that depend on a name the index lacks are known the moment a crate
 * of that name appears.
 *
 * Blocks are immutable and shared between generations: the next generation
 * (csec__deps_rev_apply) rebuilds only the blocks of the names that a changed
 * crate's newest release depended on before or depends on now, and copies
 * the table of the rest.  As with index generations, each holds its
 * successor, so they are freed oldest first; the oldest frees the blocks its
 * successor replaced. */

/* A dependent is named by its crate name, which the index interns: the same
 * pointer in every generation, so a crate that changes without changing
 * the dependencies of its newest release (most publishes, most yanks)
 * changes nothing here. */
typedef struct rev_entry {
    const char *from; /* the dependent's name (interned by the index) */
    const csec_index_dep *dep;
} rev_entry;

typedef struct rev_block {
    uint32_t hash;  /* of the normalised key */
    uint32_t count; /* distinct dependents */
    size_t n;
    const char *key; /* a dependency's name (interned in the index) */
    rev_entry ent[];
} rev_block;

struct csec_deps_rev {
    const csec_index *idx;
    rev_block **table; /* open addressing by key */
    size_t cap, nblocks;
    _Atomic long refs;
    csec_deps_rev *succ;
    /* Blocks of the predecessor this generation replaced or dropped: freed
     * with the predecessor. */
    rev_block **replaced;
    size_t nreplaced, capreplaced;
};

static const csec_index_version *newest_release(const csec_index_crate *c)
{
    const csec_index_version *v = csec__index_newest(c, false, false);
    return v ? v : csec__index_newest(c, false, true);
}

static bool rev_counts(const csec_index_dep *d)
{
    return d->kind != CSEC_INDEX_DEP_DEV && !d->registry;
}

static rev_block **rev_slot(rev_block **table, size_t cap, const char *key, uint32_t h)
{
    size_t mask = cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (!table[i] || (table[i]->hash == h && csec__index_same_name(table[i]->key, key)))
            return &table[i];
    }
}

static const rev_block *rev_find(const csec_deps_rev *r, const char *name)
{
    if (!r->cap || !name)
        return NULL;
    return *rev_slot(r->table, r->cap, name, csec__index_name_hash(name));
}

static void rev_resize(csec_deps_rev *r, size_t ncap)
{
    rev_block **old = r->table;
    size_t oldcap = r->cap;
    r->table = csec__xcalloc(ncap, sizeof *r->table);
    r->cap = ncap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            *rev_slot(r->table, ncap, old[i]->key, old[i]->hash) = old[i];
    free(old);
}

static void rev_delete_at(csec_deps_rev *r, size_t i)
{
    size_t mask = r->cap - 1;
    for (size_t j = (i + 1) & mask; r->table[j]; j = (j + 1) & mask) {
        size_t home = r->table[j]->hash & mask;
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            r->table[i] = r->table[j];
            i = j;
        }
    }
    r->table[i] = NULL;
}

/* A growing list of entries for one key, while blocks are built. */
typedef struct rev_builder {
    const char *key;
    uint32_t hash;
    rev_entry *ent;
    size_t n, cap;
} rev_builder;

typedef struct builders {
    rev_builder *b;
    size_t n, cap;
    csec_map by_name; /* key (crate-name equivalence) -> builder index */
    csec_map by_key;  /* key (interned: by address) -> builder index, the fast path */
} builders;

static void builders_init(builders *bs)
{
    memset(bs, 0, sizeof *bs);
    csec__map_init(&bs->by_name, CSEC_MAP_CRATE_NAMES, NULL);
    csec__map_init(&bs->by_key, CSEC_MAP_ADDRESSES, NULL);
}

static rev_builder *builder_for(builders *bs, const char *key)
{
    const csec_map_entry *hit = csec__map_find(&bs->by_key, key, 0);
    if (hit)
        return &bs->b[hit->val.idx];
    bool added;
    csec_map_entry *e = csec__map_put(&bs->by_name, key, strlen(key), &added);
    if (added) {
        if (bs->n == bs->cap)
            bs->b = csec__grow(bs->b, &bs->cap, 1024, sizeof *bs->b);
        rev_builder *x = &bs->b[bs->n];
        memset(x, 0, sizeof *x);
        x->key = key;
        x->hash = csec__index_name_hash(key);
        e->val.idx = bs->n++;
    }
    size_t idx = e->val.idx;
    csec__map_put(&bs->by_key, key, 0, NULL)->val.idx = idx;
    return &bs->b[idx];
}

/* The builder of `key` (any spelling), or NULL. */
static const rev_builder *builder_find(const builders *bs, const char *key)
{
    const csec_map_entry *e = csec__map_find(&bs->by_key, key, 0);
    if (!e)
        e = csec__map_find(&bs->by_name, key, strlen(key));
    return e ? &bs->b[e->val.idx] : NULL;
}

static void builder_add(rev_builder *x, const char *from, const csec_index_dep *dep)
{
    if (x->n == x->cap)
        x->ent = csec__grow(x->ent, &x->cap, 4, sizeof *x->ent);
    x->ent[x->n++] = (rev_entry){from, dep};
}

static void builders_free(builders *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        free(bs->b[i].ent);
    free(bs->b);
    csec__map_free(&bs->by_name);
    csec__map_free(&bs->by_key);
}

/* Adds the entries of crate `c`'s newest release to the builders. */
static void add_dependent(builders *bs, const csec_index_crate *c)
{
    const csec_index_version *v = c ? newest_release(c) : NULL;
    for (uint32_t j = 0; v && j < v->deps_count; j++)
        if (rev_counts(v->deps[j]))
            builder_add(builder_for(bs, v->deps[j]->name), c->name, v->deps[j]);
}

static rev_block *block_new(const char *key, uint32_t h, const rev_entry *a, size_t na,
                            const rev_entry *b, size_t nb)
{
    rev_block *blk = csec__xmalloc(sizeof *blk + csec__mul(na + nb, sizeof(rev_entry)));
    blk->hash = h;
    blk->key = key;
    blk->n = na + nb;
    if (na)
        memcpy(blk->ent, a, na * sizeof *a);
    if (nb)
        memcpy(blk->ent + na, b, nb * sizeof *b);
    blk->count = 0;
    for (size_t i = 0; i < blk->n; i++)
        if (i == 0 || blk->ent[i].from != blk->ent[i - 1].from)
            blk->count++;
    return blk;
}

static void rev_put(csec_deps_rev *r, rev_block *blk)
{
    if ((r->nblocks + 1) * 4 > r->cap * 3)
        rev_resize(r, r->cap ? r->cap * 2 : 1024);
    rev_block **s = rev_slot(r->table, r->cap, blk->key, blk->hash);
    if (!*s)
        r->nblocks++;
    *s = blk;
}

csec_deps_rev *csec__deps_rev_new(const csec_index *idx)
{
    csec_deps_rev *r = csec__xcalloc(1, sizeof *r);
    r->idx = idx;
    atomic_init(&r->refs, 1);
    builders bs;
    builders_init(&bs);
    size_t n = csec__index_crate_count(idx);
    for (size_t i = 0; i < n; i++)
        add_dependent(&bs, csec__index_crate_at(idx, i));
    size_t cap = 1024;
    while (bs.n * 4 > cap * 3)
        cap *= 2;
    r->table = csec__xcalloc(cap, sizeof *r->table);
    r->cap = cap;
    for (size_t i = 0; i < bs.n; i++)
        rev_put(r, block_new(bs.b[i].key, bs.b[i].hash, bs.b[i].ent, bs.b[i].n, NULL, 0));
    builders_free(&bs);
    return r;
}

int csec__deps_rev_apply(csec_deps_rev **out, csec_deps_rev *prev, const csec_index *next_idx)
{
    *out = NULL;
    if (prev->succ || csec__index_predecessor(next_idx) != prev->idx)
        return CSEC_EINVAL;
    const csec_index_delta *delta;
    size_t nd;
    csec__index_delta(next_idx, &delta, &nd);
    csec_deps_rev *r = csec__xcalloc(1, sizeof *r);
    r->idx = next_idx;
    atomic_init(&r->refs, 1);
    r->cap = prev->cap ? prev->cap : 1024;
    r->table = csec__xcalloc(r->cap, sizeof *r->table);
    if (prev->cap)
        memcpy(r->table, prev->table, prev->cap * sizeof *r->table);
    r->nblocks = prev->nblocks;

    /* The dependents whose entries go (by name), and their new entries.  A
     * crate whose newest release depends on the same list as before (the
     * list is interned: the same pointer) is left out. */
    csec_map gone; /* dependent names (by address) */
    csec__map_init(&gone, CSEC_MAP_ADDRESSES, NULL);
    builders added, touched; /* touched: the names whose block changes */
    builders_init(&added);
    builders_init(&touched);
    for (size_t i = 0; i < nd; i++) {
        const csec_index_crate *o = delta[i].old, *c = delta[i].new_crate;
        const csec_index_version *ov = o ? newest_release(o) : NULL;
        const csec_index_version *cv = c ? newest_release(c) : NULL;
        const void *ol = ov ? (const void *)ov->deps : NULL, *cl = cv ? (const void *)cv->deps : NULL;
        if (o && c && o->name == c->name && ol == cl &&
            (ov ? ov->deps_count : 0) == (cv ? cv->deps_count : 0))
            continue;
        if (o) {
            csec__map_put(&gone, o->name, 0, NULL);
            for (uint32_t j = 0; ov && j < ov->deps_count; j++)
                if (rev_counts(ov->deps[j]))
                    builder_for(&touched, ov->deps[j]->name);
        }
        add_dependent(&added, c);
    }
    for (size_t i = 0; i < added.n; i++)
        builder_for(&touched, added.b[i].key);
    for (size_t i = 0; i < touched.n; i++) {
        const rev_builder *t = &touched.b[i];
        rev_block **s = rev_slot(r->table, r->cap, t->key, t->hash);
        rev_block *old = *s;
        /* What stays of the old block, then the new entries for this key. */
        rev_entry *keep = NULL;
        size_t nkeep = 0;
        if (old) {
            keep = csec__xmalloc(csec__mul(old->n + 1, sizeof *keep));
            for (size_t k = 0; k < old->n; k++)
                if (!csec__map_find(&gone, old->ent[k].from, 0))
                    keep[nkeep++] = old->ent[k];
        }
        const rev_builder *add = builder_find(&added, t->key);
        if (old) {
            if (r->nreplaced == r->capreplaced)
                r->replaced = csec__grow(r->replaced, &r->capreplaced, 16, sizeof *r->replaced);
            r->replaced[r->nreplaced++] = old;
        }
        if (nkeep + (add ? add->n : 0) == 0) {
            if (old) {
                rev_delete_at(r, (size_t)(s - r->table));
                r->nblocks--;
            }
        } else {
            rev_block *blk = block_new(old ? old->key : t->key, t->hash, keep, nkeep,
                                       add ? add->ent : NULL, add ? add->n : 0);
            if (old)
                *s = blk;
            else
                rev_put(r, blk);
        }
        free(keep);
    }
    csec__map_free(&gone);
    builders_free(&added);
    builders_free(&touched);
    prev->succ = r;
    atomic_fetch_add(&r->refs, 1); /* held by prev */
    *out = r;
    return 0;
}

void csec__deps_rev_free(csec_deps_rev *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    csec_deps_rev *succ = r->succ;
    if (succ) {
        for (size_t i = 0; i < succ->nreplaced; i++)
            free(succ->replaced[i]);
        free(succ->replaced);
        succ->replaced = NULL;
        succ->nreplaced = succ->capreplaced = 0;
    } else {
        for (size_t i = 0; i < r->cap; i++)
            free(r->table[i]);
    }
    free(r->replaced);
    free(r->table);
    free(r);
    csec__deps_rev_free(succ);
}

size_t csec__deps_rev_bytes(const csec_deps_rev *r)
{
    size_t n = r->cap * sizeof *r->table;
    for (size_t i = 0; i < r->cap; i++)
        if (r->table[i])
            n += sizeof *r->table[i] + r->table[i]->n * sizeof(rev_entry);
    return n;
}

size_t csec__deps_rev_count(const csec_deps_rev *r, const csec_index_crate *c)
{
    const rev_block *b = c ? rev_find(r, c->name) : NULL;
    return b ? b->count : 0;
}

static int cmp_item(const void *pa, const void *pb)
{
    const csec_deps_impact_item *a = pa, *b = pb;
    if (a->rdeps != b->rdeps)
        return a->rdeps < b->rdeps ? 1 : -1;
    return strcmp(a->crate->name, b->crate->name);
}

/* How many non-yanked releases of `c` match `req`, and how many of those
 * `affected` marks. */
static void count_matches(const csec_index_crate *c, const bool *affected, const csec_req *req,
                          size_t *matching, size_t *hits)
{
    *matching = *hits = 0;
    for (size_t i = 0; i < c->versions_count; i++) {
        if (c->versions[i].yanked || !csec_req_matches(req, &c->versions[i].version))
            continue;
        (*matching)++;
        *hits += affected[i];
    }
}

void csec__deps_impact(csec_deps_impact *out, const csec_deps_rev *r, const csec_advisory *a)
{
    memset(out, 0, sizeof *out);
    const csec_index_crate *c =
        a->collection == CSEC_COLLECTION_CRATES ? csec__index_find(r->idx, a->package) : NULL;
    if (!c)
        return;
    out->crate = c;
    const rev_block *blk = rev_find(r, c->name);
    out->dependents = blk ? blk->count : 0;
    if (!blk)
        return;
    bool *affected = csec__xcalloc(c->versions_count + 1, sizeof *affected);
    bool any = false;
    for (size_t i = 0; i < c->versions_count; i++)
        any |= affected[i] = csec_advisory_affects(a, &c->versions[i].version);
    if (!any) {
        free(affected);
        return;
    }
    out->items = csec__xcalloc(blk->count + 1, sizeof *out->items);
    /* Requirements repeat a lot ("^1.0" across thousands of dependents):
     * parse and count each distinct one once. */
    reqcache reqs = {0};
    csec__map_init(&reqs.map, CSEC_MAP_ADDRESSES, NULL);
    size_t (*memo)[2] = csec__xcalloc(blk->n + 1, sizeof *memo); /* per cache slot */
    for (size_t e = 0; e < blk->n; e++) {
        const rev_entry *en = &blk->ent[e];
        size_t before = reqs.n, slot = req_slot(&reqs, en->dep->req);
        if (slot == before && reqs.reqs[slot])
            count_matches(c, affected, reqs.reqs[slot], &memo[slot][0], &memo[slot][1]);
        size_t matching = memo[slot][0], hits = memo[slot][1];
        if (!hits)
            continue;
        /* One item per dependent: a second overlapping dependency of the
         * same release (another kind or target) replaces the first only when
         * it is the worse one. */
        csec_deps_impact_item *last = out->count ? &out->items[out->count - 1] : NULL;
        const csec_index_crate *dc = csec__index_find(r->idx, en->from);
        if (!dc)
            continue; /* not reached: entries follow the index */
        bool only = hits == matching;
        if (last && last->crate == dc) {
            if (only && !last->only_affected) {
                last->dep = en->dep;
                last->matching = matching;
                last->affected = hits;
                last->only_affected = true;
                out->only_affected++;
            }
            continue;
        }
        csec_deps_impact_item *it = &out->items[out->count++];
        it->crate = dc;
        it->version = newest_release(dc);
        it->dep = en->dep;
        it->rdeps = csec__deps_rev_count(r, dc);
        it->matching = matching;
        it->affected = hits;
        it->only_affected = only;
        out->only_affected += only;
    }
    qsort(out->items, out->count, sizeof *out->items, cmp_item);
    req_cache_free(&reqs);
    free(memo);
    free(affected);
}

void csec__deps_impact_free(csec_deps_impact *imp)
{
    if (!imp)
        return;
    free(imp->items);
    memset(imp, 0, sizeof *imp);
}
