/* lockfile.h - Cargo.lock (formats v1 to v4, spec §4.3): the parsed form and
 * the dependency graph that lockfile.c builds and audit.c reads. */
#ifndef CSEC_LOCKFILE_H
#define CSEC_LOCKFILE_H

#include "util.h"

struct csec_lockfile {
    csec_arena arena; /* every string, package and dependency */
    int format;       /* 1..4 */
    /* `count` packages in file order, then v1's [root] at index `count`
     * when `has_root`, so that graph indices cover it too. */
    csec_lock_package *pkgs;
    size_t count;
    bool has_root;
    /* Reverse edges (who depends on package i), compressed: the dependents
     * of i are rev[rev_start[i] .. rev_start[i+1]) in file order. */
    size_t *rev_start;
    size_t *rev;
};

/* The number of graph nodes: packages plus [root]. */
static inline size_t csec__lockfile_nodes(const csec_lockfile *lf)
{
    return lf->count + (lf->has_root ? 1 : 0);
}

/* Whether a source string is the default crates.io registry (either
 * spelling, spec §4.3). */
bool csec__lockfile_is_crates_io(const char *source);

#define CSEC__CRATES_IO_REGISTRY "registry+https://github.com/rust-lang/crates.io-index"
#define CSEC__CRATES_IO_SPARSE "sparse+https://index.crates.io/"

#endif
