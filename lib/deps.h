/* deps.h - dependency-aware security over a registry index (internal).
 *
 * Four questions, all answered from a loaded csec_index (index.h) and an
 * advisory database:
 *
 *  1. Direct dependencies of one version (csec__deps_report_new, `direct`):
 *     for each dependency, can its requirement only resolve to affected
 *     releases (every non-yanked release matching it is affected by some
 *     advisory that counts, wording.h rule 2), is the newest matching release
 *     (the one Cargo picks) affected, or neither; the advisories involved;
 *     the notices (unmaintained, notice) that apply to the newest match; and
 *     the upgrade advice (4.).
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
 *     path recorded for a node is a shortest one from the root.  The tree is
 *     walked for display with csec_deps_iter (enter/leave events).
 *
 *  3. Ecosystem impact of an advisory (csec__deps_rev_new once per index,
 *     then csec__deps_impact per advisory): the crates whose newest release
 *     depends directly (normal or build) on the advisory's crate with a
 *     requirement that some affected non-yanked release matches, how many of
 *     those requirements match only affected releases, most depended-upon
 *     first (number of crates whose newest release depends on them).
 *
 *  4. Upgrade advice (csec__deps_advice, wording.h rule 6): from a crate
 *     version, or from a dependency's requirement, the smallest requirement
 *     that clears every counting advisory of the crate.
 *
 * Only advisories of the crates collection that are not withdrawn are
 * considered.  Counting (highlights, `alarm`, `raises`, hits that count)
 * follows wording.h rule 2: vulnerabilities, malicious code and unsound
 * advisories count; unmaintained advisories and notices are context.
 * Results borrow from the index and the database: valid while both are.
 * Everything here is read-only on them, so any number of threads may
 * compute reports at the same time. */
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

/* ---- 4. upgrade advice (before the findings, which hold one) ---- */

typedef enum csec_advice_kind {
    CSEC_ADVICE_NONE = 0,   /* nothing to clear */
    CSEC_ADVICE_CARET,      /* ^R: no non-yanked release it allows is affected */
    CSEC_ADVICE_BOUNDED,    /* >=R, <N: every caret requirement allows an affected release */
    CSEC_ADVICE_NO_RELEASE, /* no release at or above the starting point clears them */
    CSEC_ADVICE_REMOVE      /* malicious code affects the starting point */
} csec_advice_kind;

#define CSEC_ADVICE_MAX_NAMED 8

/** One-word name of an advice kind ("none", "caret", "bounded",
 * "no-release", "remove"), as the JSON API and `deps --json` write it. */
const char *csec__advice_kind_name(csec_advice_kind k);

typedef struct csec_advice {
    csec_advice_kind kind;
    const csec_index_version *lowest;   /* CARET, BOUNDED: R, the lowest release allowed */
    const csec_index_version *resolves; /* CARET, BOUNDED: newest non-yanked release allowed */
    const csec_index_version *blocked;  /* BOUNDED: N, the affected release ^R would allow */
    char req[96];                       /* CARET, BOUNDED: the requirement ("^0.4.20") */
    /* The counting advisories affecting the starting point (db order): the
     * first CSEC_ADVICE_MAX_NAMED, and how many more. */
    const csec_advisory *clears[CSEC_ADVICE_MAX_NAMED];
    size_t nclears, more;
} csec_advice;

/** The advice for crate `c` from `from` (wording.h rule 6): the counting
 * advisories of `c` in `db` that affect `from` are named; candidates are the
 * non-yanked, non-prerelease releases R above `from` (at or above when
 * `inclusive`) that none of the crate's counting advisories affects; the
 * first R whose ^R allows no affected non-yanked release gives CARET; else
 * the first R gives BOUNDED with N, the first affected non-yanked release
 * above it; else NO_RELEASE.  REMOVE when a malicious-code advisory affects
 * `from`; NONE when no counting advisory does.  For a dependency, `from` is
 * the newest release its requirement resolves to (see csec_deps_finding).
 * Never fails. */
void csec__deps_advice(csec_advice *out, const csec_db *db, const csec_index_crate *c,
                       const csec_version *from, bool inclusive);

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
struct csec__json; /* json.h */
/** A dependency's members of a JSON object, as `deps --json` and the JSON
 * API write them: "req", "kind" ("normal", "build", "dev"), "optional",
 * "target". */
void csec__deps_json_dep(struct csec__json *j, const csec_index_dep *d);

typedef struct csec_deps_finding {
    const csec_index_dep *dep;
    const csec_index_crate *crate;     /* NULL when missing or another registry */
    const csec_index_version *newest;  /* Cargo's pick: newest non-yanked match, or NULL */
    const csec_advisory *const *advs;  /* counting advisories affecting some matching
                                          release: those that affect `newest` first,
                                          each group in db order */
    size_t nadv;
    size_t nadv_newest;                /* how many of advs affect `newest` */
    const csec_advisory *const *notices; /* unmaintained advisories and notices that
                                            apply to `newest` (db order) */
    size_t nnotices;
    size_t matching;                   /* non-yanked releases matching the requirement */
    size_t affected;                   /* ... of which a counting advisory affects */
    csec_deps_state state;
    /* Built with the default features: a normal or build dependency that is
     * not optional, or optional and enabled by the `default` feature.
     * Dev-dependencies and other optional ones are listed, never counted. */
    bool enabled;
    /* `enabled` and the state is (only|newest)-affected: what raises the
     * crate's Dependencies highlight. */
    bool alarm;
    /* ONLY_AFFECTED and NEWEST_AFFECTED: the way out (csec__deps_advice
     * from `newest`, releases above it); NONE otherwise. */
    csec_advice advice;
} csec_deps_finding;

/** Appends the finding in words, plain text (escape it for HTML):
 * "every non-yanked release matching ^0.3 (2) is affected by RUSTSEC-...",
 * "the newest matching release 1.1.0 is affected by ...", "resolves to
 * 1.2.0, which no advisory affects", ..., then the advice (wording.h rule
 * 6); `stale`: the index is older than a day (rule 7). */
void csec__deps_finding_text(csec_buf *out, const csec_deps_finding *f, bool stale);

/** How many dependencies of `v` would get `alarm` in a report (cheap: only
 * dependencies on crates with advisories are looked at); what the crate
 * page's Dependencies tab highlight counts. */
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

/** One advisory reachable in the tree: at node `node` (path: follow
 * `parent`), never the root (the crate's own advisories are its Security
 * tab's, not reachable through dependencies). */
typedef struct csec_deps_hit {
    const csec_advisory *adv;
    size_t node;
    bool counts; /* wording.h rule 2 */
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
    /* Distinct advisories among the hits: those that count, and notices. */
    size_t counting, notices;
    /* Some direct finding has `alarm` set: what may raise the crate's
     * Dependencies highlight.  Dev-dependencies never do. */
    bool raises;
    csec_arena arena; /* owns every array above */
} csec_deps_report;

/* How many of the report's direct dependencies are of `kind` (CSEC_INDEX_DEP_*). */
size_t csec__deps_direct_count(const csec_deps_report *r, int kind);

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

/** Walks the tree depth first in dependency order, the way it is shown:
 * every node is entered (CSEC_DEPS_ENTER) and left (CSEC_DEPS_LEAVE) once per
 * edge that reaches it, with the nodes it leads to in between when it is
 * expanded there: the first time it is met (later occurrences are entered
 * and left at once, `repeat` set).  The root comes first (edge NULL) and
 * last.  An explicit stack: the depth of the tree is never recursion.
 *
 *     csec_deps_iter it;
 *     csec__deps_iter_init(&it, report);
 *     while (csec__deps_iter_next(&it) != CSEC_DEPS_DONE) ...
 *     csec__deps_iter_free(&it);
 */
typedef enum csec_deps_event { CSEC_DEPS_DONE = 0, CSEC_DEPS_ENTER, CSEC_DEPS_LEAVE } csec_deps_event;

typedef struct csec_deps_iter {
    /* The current event's node, the edge that led to it (NULL for the root),
     * its depth (root 0), whether its dependencies are shown under it here
     * (`expanded`) and whether it was expanded before (`repeat`). */
    size_t node;
    const csec_deps_edge *edge;
    size_t depth;
    bool expanded, repeat;
    /* Private. */
    const csec_deps_report *r;
    struct csec_deps_iter_frame *stack;
    bool *shown;
    size_t top;
    int state;
} csec_deps_iter;

void csec__deps_iter_init(csec_deps_iter *it, const csec_deps_report *r);
csec_deps_event csec__deps_iter_next(csec_deps_iter *it);
void csec__deps_iter_free(csec_deps_iter *it);

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
/** The memory this generation reaches (blocks shared with others counted). */
size_t csec__deps_rev_bytes(const csec_deps_rev *r);
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
