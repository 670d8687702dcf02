/* deps.c - dependency-aware security over a registry index (see deps.h). */
#include "deps.h"

#include "wording.h"

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

const char *csec__deps_state_name(csec_deps_state s)
{
    switch (s) {
    case CSEC_DEPS_CLEAR:
        return "clear";
    case CSEC_DEPS_NEWEST_AFFECTED:
        return "newest-affected";
    case CSEC_DEPS_ONLY_AFFECTED:
        return "only-affected";
    case CSEC_DEPS_NO_RELEASE:
        return "no-release";
    case CSEC_DEPS_MISSING:
        return "missing";
    case CSEC_DEPS_BAD_REQ:
        return "bad-requirement";
    case CSEC_DEPS_OTHER_REGISTRY:
        return "other-registry";
    }
    return "unknown";
}

/* ---- a pointer-keyed hash map (open addressing, linear probing) ---- */

typedef struct ptrmap {
    const void **keys;
    size_t *vals;
    size_t cap, n;
} ptrmap;

static size_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static size_t *pm_get(const ptrmap *m, const void *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = ptr_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return NULL;
        if (m->keys[i] == key)
            return &m->vals[i];
    }
}

static void pm_put(ptrmap *m, const void *key, size_t val);

static void pm_grow(ptrmap *m)
{
    ptrmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->n = 0;
    m->keys = csec__xcalloc(m->cap, sizeof *m->keys);
    m->vals = csec__xcalloc(m->cap, sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            pm_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

static void pm_put(ptrmap *m, const void *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap)
        pm_grow(m);
    size_t i = ptr_hash(key) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

static void pm_free(ptrmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- parsed requirements, cached by the interned requirement string ---- */

typedef struct reqcache {
    ptrmap map; /* req text pointer -> slot in reqs */
    csec_req **reqs;
    size_t n, cap;
} reqcache;

/* The slot of a requirement text in the cache (parsed on first sight). */
static size_t req_slot(reqcache *c, const char *text)
{
    size_t *slot = pm_get(&c->map, text);
    if (slot)
        return *slot;
    csec_req *r = NULL;
    if (csec_req_parse(&r, text, strlen(text), NULL) < 0)
        r = NULL;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->reqs = csec__xrealloc(c->reqs, csec__mul(c->cap, sizeof *c->reqs));
    }
    c->reqs[c->n] = r;
    pm_put(&c->map, text, c->n);
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
    pm_free(&c->map);
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

typedef struct ctx {
    const csec_index *idx;
    const csec_db *db;
    csec_deps_report *r;
    reqcache reqs;
    ptrmap seen; /* dependency record or version -> node */
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

static const csec_index_version *newest_allowed(const csec_index_crate *c, const csec_req *req)
{
    for (size_t i = c->versions_count; i-- > 0;)
        if (!c->versions[i].yanked && csec_req_matches(req, &c->versions[i].version))
            return &c->versions[i];
    return NULL;
}

static csec_req *parse_req(const char *text)
{
    csec_req *r = NULL;
    return csec_req_parse(&r, text, strlen(text), NULL) < 0 ? NULL : r;
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
            out->resolves = newest_allowed(c, req);
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
            out->resolves = newest_allowed(c, req);
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
    const csec_index_crate *c = csec__index_find(x->idx, d->name);
    if (!c) {
        f->state = CSEC_DEPS_MISSING;
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
    if (!f->matching)
        f->state = CSEC_DEPS_NO_RELEASE;
    else if (f->affected == f->matching)
        f->state = CSEC_DEPS_ONLY_AFFECTED;
    else if (any_counts_against(advs, nadv, &f->newest->version))
        f->state = CSEC_DEPS_NEWEST_AFFECTED;
    else
        f->state = CSEC_DEPS_CLEAR;
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

static void adv_ids(csec_buf *out, const csec_advisory *const *advs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csec_buf_printf(out, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", advs[i]->id);
}

void csec__deps_finding_text(csec_buf *out, const csec_deps_finding *f, bool stale)
{
    const char *req = f->dep->req;
    switch ((csec_deps_state)f->state) {
    case CSEC_DEPS_ONLY_AFFECTED:
        csec_buf_printf(out, "every non-yanked release matching %s (%zu) is affected by ", req,
                        f->matching);
        adv_ids(out, f->advs, f->nadv);
        break;
    case CSEC_DEPS_NEWEST_AFFECTED:
        csec_buf_printf(out, "the newest matching release %s is affected by ", f->newest->vers);
        adv_ids(out, f->advs, f->nadv_newest);
        csec_buf_printf(out, " (%zu of %zu matching releases unaffected)", f->matching - f->affected,
                        f->matching);
        break;
    case CSEC_DEPS_CLEAR:
        csec_buf_printf(out, "resolves to %s, which no advisory affects", f->newest->vers);
        if (f->nadv) {
            csec_buf_puts(out, " (older matching releases are affected by ");
            adv_ids(out, f->advs, f->nadv);
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

/* Which optional dependencies of `v` its default features enable. */
static void default_enabled(const csec_index_version *v, bool *on);

size_t csec__deps_alarm_count(const csec_index *idx, const csec_db *db,
                              const csec_index_version *v)
{
    size_t count = 0;
    csec_deps_report scratch;
    memset(&scratch, 0, sizeof scratch);
    ctx x;
    memset(&x, 0, sizeof x);
    x.idx = idx;
    x.db = db;
    x.r = &scratch;
    x.no_advice = true;
    bool *on = csec__xcalloc((size_t)v->deps_count + 1, sizeof *on);
    default_enabled(v, on);
    for (uint32_t i = 0; i < v->deps_count; i++) {
        const csec_index_dep *d = v->deps[i];
        if (d->kind == CSEC_INDEX_DEP_DEV || d->registry || (d->optional && !on[i]))
            continue;
        const csec_index_crate *c = csec__index_find(idx, d->name);
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
static void default_enabled(const csec_index_version *v, bool *on)
{
    const csec_index_feature *def = csec__index_feature_find(v, "default");
    if (!def)
        return;
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
}

static size_t add_node(ctx *x, const csec_deps_node *proto)
{
    csec_deps_report *r = x->r;
    if (r->nnodes == x->capnodes) {
        x->capnodes = x->capnodes ? x->capnodes * 2 : 32;
        r->nodes = csec__xrealloc(r->nodes, csec__mul(x->capnodes, sizeof *r->nodes));
    }
    r->nodes[r->nnodes] = *proto;
    return r->nnodes++;
}

static void add_edge(ctx *x, size_t from, size_t to, const csec_index_dep *d)
{
    csec_deps_report *r = x->r;
    if (r->nedges == x->capedges) {
        x->capedges = x->capedges ? x->capedges * 2 : 64;
        r->edges = csec__xrealloc(r->edges, csec__mul(x->capedges, sizeof *r->edges));
    }
    r->edges[r->nedges].from = from;
    r->edges[r->nedges].to = to;
    r->edges[r->nedges].dep = d;
    r->nedges++;
}

/* The node a dependency of node `from` leads to, created (and queued, since
 * the node array is the queue) when new. */
static size_t follow(ctx *x, size_t from, const csec_index_dep *d)
{
    size_t *known = pm_get(&x->seen, d);
    if (known)
        return *known;
    csec_deps_node n = {0};
    n.name = d->name;
    n.parent = from;
    n.via = d;
    n.depth = x->r->nodes[from].depth + 1;
    n.target = x->r->nodes[from].target ? x->r->nodes[from].target : d->target;
    n.build = x->r->nodes[from].build || d->kind == CSEC_INDEX_DEP_BUILD;
    const csec_req *req = NULL;
    const void *key = d;
    if (d->registry) {
        n.kind = CSEC_DEPS_NODE_OTHER_REGISTRY;
    } else if (!(n.crate = csec__index_find(x->idx, d->name))) {
        n.kind = CSEC_DEPS_NODE_MISSING;
    } else if (!(req = req_get(&x->reqs, d->req))) {
        n.kind = CSEC_DEPS_NODE_BAD_REQ;
    } else if (!(n.version = newest_match(n.crate, req))) {
        n.kind = CSEC_DEPS_NODE_NO_RELEASE;
    } else {
        n.name = n.crate->name;
        key = n.version;
        known = pm_get(&x->seen, n.version);
        if (known) {
            size_t id = *known; /* pm_put may move the table */
            pm_put(&x->seen, d, id);
            return id;
        }
    }
    if (n.kind != CSEC_DEPS_NODE_RESOLVED) {
        n.version = NULL;
        if (n.kind != CSEC_DEPS_NODE_BAD_REQ && n.kind != CSEC_DEPS_NODE_NO_RELEASE)
            n.crate = NULL;
        else
            n.name = n.crate->name;
    }
    size_t id = add_node(x, &n);
    pm_put(&x->seen, key, id);
    if (key != (const void *)d)
        pm_put(&x->seen, d, id);
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
    pm_put(&x->seen, r->version, 0);
    /* Breadth first: r->nodes is the queue; nodes are appended as found. */
    for (size_t i = 0; i < r->nnodes; i++) {
        r->nodes[i].edges = r->nedges;
        const csec_index_version *v = r->nodes[i].version;
        if (!v)
            continue;
        bool *on = csec__xcalloc((size_t)v->deps_count + 1, sizeof *on);
        default_enabled(v, on);
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
            if (r->nhits == x->caphits) {
                x->caphits = x->caphits ? x->caphits * 2 : 16;
                r->hits = csec__xrealloc(r->hits, csec__mul(x->caphits, sizeof *r->hits));
            }
            r->hits[r->nhits].adv = advs[a];
            r->hits[r->nhits].node = i;
            r->hits[r->nhits].counts = csec__word_counts(advs[a]);
            r->nhits++;
        }
    }
    /* The same advisory may be reached at several versions of its crate. */
    ptrmap distinct = {0};
    for (size_t h = 0; h < r->nhits; h++) {
        if (pm_get(&distinct, r->hits[h].adv))
            continue;
        pm_put(&distinct, r->hits[h].adv, h);
        if (r->hits[h].counts)
            r->counting++;
        else
            r->notices++;
    }
    pm_free(&distinct);
}

csec_deps_report *csec__deps_report_new(const csec_index *idx, const csec_db *db,
                                        const csec_index_crate *c, const csec_index_version *v)
{
    csec_deps_report *r = csec__xcalloc(1, sizeof *r);
    ctx x;
    memset(&x, 0, sizeof x);
    x.idx = idx;
    x.db = db;
    x.r = r;
    r->crate = c;
    r->version = v;
    r->ndirect = v->deps_count;
    r->direct = csec__arena_alloc(&r->arena, ((size_t)v->deps_count + 1) * sizeof *r->direct);
    bool *on = csec__xcalloc((size_t)v->deps_count + 1, sizeof *on);
    default_enabled(v, on);
    for (uint32_t i = 0; i < v->deps_count; i++) {
        classify(&x, v->deps[i], !v->deps[i]->optional || on[i], &r->direct[i]);
        r->raises = r->raises || r->direct[i].alarm;
    }
    free(on);
    resolve_tree(&x);
    req_cache_free(&x.reqs);
    pm_free(&x.seen);
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
        it->shown[0] = true;
        it->stack[0].node = 0;
        it->stack[0].next = r->nodes[0].edges;
        it->top = 0;
        it->node = 0;
        it->edge = NULL;
        it->depth = 0;
        it->expanded = r->nodes[0].nedges > 0;
        it->repeat = false;
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

typedef struct rev_entry {
    uint32_t from; /* the dependent crate's position in the index */
    const csec_index_dep *dep;
} rev_entry;

struct csec_deps_rev {
    const csec_index *idx;
    size_t ncrates;
    ptrmap pos;                          /* crate -> position */
    const csec_index_version **newest;   /* per crate, NULL when none */
    size_t *off;                         /* entries of crate i: ent[off[i] .. off[i+1]) */
    rev_entry *ent;
    uint32_t *count;                     /* distinct dependents per crate */
};

static const csec_index_version *newest_release(const csec_index_crate *c)
{
    const csec_index_version *v = csec__index_newest(c, false, false);
    return v ? v : csec__index_newest(c, false, true);
}

/* The position of the crate a dependency names, or NONE; names are interned
 * in the index, so the lookup is cached by name pointer. */
static size_t dep_target(csec_deps_rev *r, ptrmap *names, const csec_index_dep *d)
{
    size_t *hit = pm_get(names, d->name);
    if (hit)
        return *hit;
    const csec_index_crate *t = csec__index_find(r->idx, d->name);
    size_t *p = t ? pm_get(&r->pos, t) : NULL;
    size_t id = p ? *p : CSEC_DEPS_NONE;
    pm_put(names, d->name, id);
    return id;
}

static bool rev_counts(const csec_index_dep *d)
{
    return d->kind != CSEC_INDEX_DEP_DEV && !d->registry;
}

csec_deps_rev *csec__deps_rev_new(const csec_index *idx)
{
    csec_deps_rev *r = csec__xcalloc(1, sizeof *r);
    r->idx = idx;
    r->ncrates = csec__index_crate_count(idx);
    size_t n = r->ncrates;
    r->newest = csec__xcalloc(n + 1, sizeof *r->newest);
    r->off = csec__xcalloc(n + 2, sizeof *r->off);
    r->count = csec__xcalloc(n + 1, sizeof *r->count);
    for (size_t i = 0; i < n; i++) {
        const csec_index_crate *c = csec__index_crate_at(idx, i);
        pm_put(&r->pos, c, i);
        r->newest[i] = newest_release(c);
    }
    /* Two passes: count the entries per depended-upon crate, then place
     * them (in dependent order, so one dependent's entries are adjacent). */
    ptrmap names = {0};
    for (size_t i = 0; i < n; i++) {
        const csec_index_version *v = r->newest[i];
        for (uint32_t j = 0; v && j < v->deps_count; j++) {
            size_t t = rev_counts(v->deps[j]) ? dep_target(r, &names, v->deps[j]) : CSEC_DEPS_NONE;
            if (t != CSEC_DEPS_NONE)
                r->off[t + 1]++;
        }
    }
    for (size_t i = 0; i < n; i++)
        r->off[i + 1] += r->off[i];
    r->ent = csec__xcalloc(r->off[n] + 1, sizeof *r->ent);
    size_t *fill = csec__xcalloc(n + 1, sizeof *fill);
    memcpy(fill, r->off, n * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        const csec_index_version *v = r->newest[i];
        for (uint32_t j = 0; v && j < v->deps_count; j++) {
            size_t t = rev_counts(v->deps[j]) ? dep_target(r, &names, v->deps[j]) : CSEC_DEPS_NONE;
            if (t == CSEC_DEPS_NONE)
                continue;
            size_t at = fill[t]++;
            if (at == r->off[t] || r->ent[at - 1].from != (uint32_t)i)
                r->count[t]++;
            r->ent[at].from = (uint32_t)i;
            r->ent[at].dep = v->deps[j];
        }
    }
    free(fill);
    pm_free(&names);
    return r;
}

void csec__deps_rev_free(csec_deps_rev *r)
{
    if (!r)
        return;
    pm_free(&r->pos);
    free(r->newest);
    free(r->off);
    free(r->ent);
    free(r->count);
    free(r);
}

size_t csec__deps_rev_count(const csec_deps_rev *r, const csec_index_crate *c)
{
    size_t *p = c ? pm_get(&r->pos, c) : NULL;
    return p ? r->count[*p] : 0;
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
    size_t *p = c ? pm_get(&r->pos, c) : NULL;
    if (!p)
        return;
    size_t t = *p;
    out->crate = c;
    out->dependents = r->count[t];
    bool *affected = csec__xcalloc(c->versions_count + 1, sizeof *affected);
    bool any = false;
    for (size_t i = 0; i < c->versions_count; i++)
        any |= affected[i] = csec_advisory_affects(a, &c->versions[i].version);
    size_t nent = r->off[t + 1] - r->off[t];
    if (!any || !nent) {
        free(affected);
        return;
    }
    out->items = csec__xcalloc(r->count[t] + 1, sizeof *out->items);
    /* Requirements repeat a lot ("^1.0" across thousands of dependents):
     * parse and count each distinct one once. */
    reqcache reqs = {0};
    size_t (*memo)[2] = csec__xcalloc(nent + 1, sizeof *memo); /* per cache slot */
    for (size_t e = r->off[t]; e < r->off[t + 1]; e++) {
        const rev_entry *en = &r->ent[e];
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
        const csec_index_crate *dc = csec__index_crate_at(r->idx, en->from);
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
        it->version = r->newest[en->from];
        it->dep = en->dep;
        it->rdeps = r->count[en->from];
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
