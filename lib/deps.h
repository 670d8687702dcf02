/* deps.h - dependency-aware security over a registry index (internal).
 *
 * Three questions, all answered from a loaded csec_index (index.h) and an
 * advisory database:
 *
 *  1. Direct dependencies of one version (csec__deps_report_new, `direct`):
 *     for each dependency, can its requirement only resolve to affected
 *     releases (every non-yanked release matching it is affected by some
 *     advisory), is the newest matching release (the one Cargo picks)
 *     affected, or neither; the advisories involved; and the first release
 *     above the matching ones that no advisory affects (what a widened
 *     requirement would reach).
 *
 *  2. The transitive tree of that version (same report, `nodes`/`edges`/
 *     `hits`), resolved the way Cargo picks versions, with these
 *     simplifications (also listed by csec__deps_simplifications so pages and
 *     the CLI state them):
 *       - each requirement resolves on its own to the newest non-yanked
 *         release that matches it (prereleases only when the requirement
 *         names one, per spec §2.3); no unification across requirements, no
 *         backtracking, no lock file;
 *       - every crate is built with its default features only: an optional
 *         dependency is followed only when the `default` feature enables it
 *         (directly, through other features, "dep:x" or "x/feat"); features
 *         that dependents ask for and default-features = false are ignored;
 *       - dev-dependencies are not followed (not even the root's: they are
 *         reported under 1. only);
 *       - target-specific dependencies are followed for every target and
 *         labelled with their cfg() or triple;
 *       - dependencies from another registry are listed, not followed.
 *     Each (crate, version) is one node, visited once (breadth first, with
 *     an explicit queue: cycles end there, depth is never recursion), so the
 *     path recorded for a node is a shortest one from the root.
 *
 *  3. Ecosystem impact of an advisory (csec__deps_rev_new once per index,
 *     then csec__deps_impact per advisory): the crates whose newest release
 *     depends directly (normal or build) on the advisory's crate with a
 *     requirement that some affected non-yanked release matches, how many of
 *     those requirements match only affected releases, most depended-upon
 *     first (number of crates whose newest release depends on them).
 *
 * "Affected" everywhere means: by an advisory of the crates collection that
 * is not withdrawn, any kind (informational ones included; `alarm` tells
 * whether a non-unmaintained one is involved, since unmaintained status is
 * context, not alarm).  Results borrow from the index and the database:
 * valid while both are.  Everything here is read-only on them, so any number
 * of threads may compute reports at the same time. */
#ifndef CSEC_DEPS_H
#define CSEC_DEPS_H

#include "index.h"

/* ---- where crates are found ---- */

/** The crates the dependency functions look at: a whole index, or any
 * lookup of the caller's (the server's sparse-index cache).  `find` returns
 * the crate a dependency names, or NULL: not in the registry, or, with
 * *unavailable set, not known because the registry could not be asked. */
typedef struct csec_deps_source {
    const csec_index_crate *(*find)(void *payload, const char *name, bool *unavailable);
    void *payload;
} csec_deps_source;

/** A source over a whole index (`idx` must outlive it). */
csec_deps_source csec__deps_source_index(const csec_index *idx);

/* ---- 1. direct dependencies ---- */

typedef enum csec_deps_state {
    CSEC_DEPS_CLEAR = 0,        /* the newest matching release is not affected */
    CSEC_DEPS_NEWEST_AFFECTED,  /* the newest matching release is; an older one is not */
    CSEC_DEPS_ONLY_AFFECTED,    /* every non-yanked matching release is affected */
    CSEC_DEPS_NO_RELEASE,       /* no non-yanked release matches the requirement */
    CSEC_DEPS_MISSING,          /* the crate is not in the index */
    CSEC_DEPS_BAD_REQ,          /* the requirement does not parse */
    CSEC_DEPS_OTHER_REGISTRY,   /* from another registry: not looked at */
    CSEC_DEPS_UNAVAILABLE       /* the registry index could not be asked about the crate */
} csec_deps_state;

/** One-word name of a state ("clear", "newest-affected", "only-affected",
 * "no-release", "missing", "bad-requirement", "other-registry",
 * "unavailable"). */
const char *csec__deps_state_name(csec_deps_state s);

typedef struct csec_deps_finding {
    const csec_index_dep *dep;
    const csec_index_crate *crate;     /* NULL when missing or another registry */
    const csec_index_version *newest;  /* Cargo's pick: newest non-yanked match, or NULL */
    const csec_index_version *fixed;   /* first non-yanked, non-prerelease release above
                                          every matching one that no advisory affects;
                                          NULL when none (or nothing is affected) */
    const csec_advisory *const *advs;  /* affecting some matching release: those that
                                          affect `newest` first, each group in db order */
    size_t nadv;
    size_t nadv_newest;                /* how many of advs affect `newest` */
    size_t matching;                   /* non-yanked releases matching the requirement */
    size_t affected;                   /* ... of which affected */
    csec_deps_state state;
    bool alarm; /* the state is (only|newest)-affected through a non-unmaintained advisory */
} csec_deps_finding;

/** Appends the finding in words, plain text (escape it for HTML):
 * "every non-yanked release matching ^0.3 (2) is affected by RUSTSEC-...;
 * first fixed release: 0.4.0", "the newest matching release 1.1.0 is
 * affected by ...", "resolves to 1.2.0, which no advisory affects", ... */
void csec__deps_finding_text(csec_buf *out, const csec_deps_finding *f);

/** How many normal or build dependencies of `v` would get `alarm` in a
 * report (cheap: only dependencies on crates with advisories are looked at);
 * what the crate page's Dependencies tab highlight counts. */
size_t csec__deps_alarm_count(const csec_deps_source *src, const csec_db *db,
                              const csec_index_version *v);

/* ---- 2. the transitive tree ---- */

typedef enum csec_deps_node_kind {
    CSEC_DEPS_NODE_RESOLVED = 0, /* crate and version known, followed */
    CSEC_DEPS_NODE_MISSING,      /* crate not in the index */
    CSEC_DEPS_NODE_NO_RELEASE,   /* no non-yanked release matches */
    CSEC_DEPS_NODE_BAD_REQ,      /* requirement does not parse */
    CSEC_DEPS_NODE_OTHER_REGISTRY,
    CSEC_DEPS_NODE_UNAVAILABLE   /* the registry index could not be asked */
} csec_deps_node_kind;

#define CSEC_DEPS_NONE ((size_t)-1)

typedef struct csec_deps_node {
    const char *name;                  /* crate name (the index's when found) */
    const csec_index_crate *crate;     /* NULL when missing or from another registry */
    const csec_index_version *version; /* NULL unless resolved */
    size_t parent;                     /* first parent node (shortest path); NONE: root */
    const csec_index_dep *via;         /* the dependency from `parent`, NULL for the root */
    const char *target;                /* first target restriction on that path, or NULL */
    const csec_advisory *const *advs;  /* advisories affecting `version` (db order) */
    size_t nadv;
    size_t edges;                      /* first outgoing edge in report->edges */
    size_t nedges;
    uint32_t depth;                    /* edges from the root on the recorded path */
    uint8_t kind;                      /* csec_deps_node_kind */
    bool build;                        /* a build dependency is on that path */
} csec_deps_node;

/** One followed dependency: from node `from` to node `to` through `dep`. */
typedef struct csec_deps_edge {
    size_t from, to;
    const csec_index_dep *dep;
} csec_deps_edge;

/** One advisory reachable in the tree: at node `node` (path: follow `parent`). */
typedef struct csec_deps_hit {
    const csec_advisory *adv;
    size_t node;
} csec_deps_hit;

typedef struct csec_deps_report {
    const csec_index_crate *crate;
    const csec_index_version *version;
    csec_deps_finding *direct; /* one per dependency of `version`, in index order */
    size_t ndirect;
    csec_deps_node *nodes; /* nodes[0] is the root */
    size_t nnodes;
    csec_deps_edge *edges;
    size_t nedges;
    csec_deps_hit *hits; /* breadth-first order: nearer first */
    size_t nhits;
    /* A normal or build dependency's finding has `alarm` set: what may raise
     * the crate's own highlight.  Dev-dependencies never do. */
    bool raises;
    csec_arena arena; /* owns every array above */
} csec_deps_report;

/** Computes the direct findings and the transitive tree of version `v` of
 * crate `c` (crates found through `src`) against `db`.  Never fails (bad
 * data becomes node or finding states); free with csec__deps_report_free. */
csec_deps_report *csec__deps_report_new(const csec_deps_source *src, const csec_db *db,
                                        const csec_index_crate *c, const csec_index_version *v);
void csec__deps_report_free(csec_deps_report *r);

/** The path from the root to node `node`: fills `out` (room for `cap`) with
 * node indexes root first and returns the path length (depth + 1), which may
 * exceed `cap` (then only the first `cap` are written). */
size_t csec__deps_path(const csec_deps_report *r, size_t node, size_t *out, size_t cap);

/** The simplifications of the resolution, one sentence each, NULL-ended. */
extern const char *const csec__deps_simplifications[];

/* ---- 3. ecosystem impact ---- */

/** Reverse dependencies of a whole index: built once for a loaded index,
 * then kept up to date with it generation by generation
 * (csec__deps_rev_apply); each generation is read-only. */
typedef struct csec_deps_rev csec_deps_rev;

/** Builds the reverse dependencies of the newest release (non-yanked,
 * non-prerelease, else non-yanked prerelease; crates whose every release is
 * yanked are left out) of every crate of `idx`, normal and build
 * dependencies from the same registry only.  Never fails. */
csec_deps_rev *csec__deps_rev_new(const csec_index *idx);
/** The reverse dependencies of `next_idx`, a generation made by
 * csec__index_apply from `prev`'s index: only the names that the changed
 * crates' newest releases depended on before or depend on now are looked at
 * again; everything else is shared with `prev`, which stays valid for its
 * readers.  Returns 0, or CSEC_EINVAL when `next_idx` is not the next
 * generation of prev's index or `prev` already has a successor. */
int csec__deps_rev_apply(csec_deps_rev **out, csec_deps_rev *prev, const csec_index *next_idx);
/** Drops a reference; generations are freed oldest first (each holds its
 * successor).  Accepts NULL. */
void csec__deps_rev_free(csec_deps_rev *r);
/** Throws away `next` (from csec__deps_rev_apply on `prev`) unshared. */
void csec__deps_rev_discard(csec_deps_rev *next, csec_deps_rev *prev);
/** The number of crates whose newest release depends on `c` (0 for NULL). */
size_t csec__deps_rev_count(const csec_deps_rev *r, const csec_index_crate *c);

typedef struct csec_deps_impact_item {
    const csec_index_crate *crate;     /* the dependent */
    const csec_index_version *version; /* its newest release */
    const csec_index_dep *dep;         /* its dependency on the advisory's crate */
    size_t rdeps;                      /* csec__deps_rev_count of the dependent */
    size_t matching;                   /* non-yanked releases matching dep->req */
    size_t affected;                   /* ... affected by the advisory */
    bool only_affected;                /* matching == affected */
} csec_deps_impact_item;

typedef struct csec_deps_impact {
    const csec_index_crate *crate; /* the advisory's crate in the index, or NULL */
    size_t dependents;             /* crates whose newest release depends on it */
    csec_deps_impact_item *items;  /* overlapping ones: most rdeps first, then by name */
    size_t count;
    size_t only_affected;          /* items with only_affected */
} csec_deps_impact;

/** Computes the ecosystem impact of advisory `a` (whatever its status: the
 * caller decides whether withdrawn or informational ones are shown).  The
 * result is zeroed when the crate is not in the index.  Free the items with
 * csec__deps_impact_free. */
void csec__deps_impact(csec_deps_impact *out, const csec_deps_rev *r, const csec_advisory *a);
void csec__deps_impact_free(csec_deps_impact *imp);

#endif
