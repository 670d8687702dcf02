/* registry.h - crates of the registry index as the pages see them
 * (registry.c): a directory index loaded with the site, or a sparse HTTP
 * index fetched crate by crate. */
#ifndef CSEC_SERVER_REGISTRY_H
#define CSEC_SERVER_REGISTRY_H

#include "site.h"

struct csec_index_crate;
struct csec_index_stats;
typedef struct srv_sparse srv_sparse;
/* The crate `name` of the registry index (crates.io's name rules), or NULL.
 * With a sparse HTTP index the crate's file is fetched on first use and
 * revalidated when older than the max age (index.h, registry.c).  Any
 * thread; the crate stays valid while the site lives. */
const struct csec_index_crate *srv_index_crate(const srv_site *s, const char *name);
/* Whether the site has a registry index of either kind. */
bool srv_has_index(const srv_site *s);
/* Wraps a sparse index from csec__index_open_sparse (taking ownership) for
 * concurrent use by the pages; copies are fresh for max_age_s seconds. */
srv_sparse *srv_sparse_new(struct csec_index *idx, unsigned max_age_s);
void srv_sparse_free(srv_sparse *sp);
void srv_sparse_stats(srv_sparse *sp, struct csec_index_stats *out);

/* ---- an index directory, followed while serving (registry.c) ----
 *
 * A plain directory in the git-index layout is loaded whole, and again when
 * its files' fingerprint changes.  A git checkout (`cratesec sync --index`)
 * is loaded from its files once, then followed commit by commit: a sync
 * fetches its origin (without touching the files), and the files that
 * differ between the commit being served and the fetched one are read from
 * the repository and applied as the next generation of the index and of its
 * reverse dependencies (index.h, deps.h), sharing everything unchanged. */

typedef struct srv_index_source srv_index_source;
struct csec_diag;
/* For `dir` (git or not: told apart here).  Never fails; the first load does. */
srv_index_source *srv_index_source_open(const char *dir);
void srv_index_source_free(srv_index_source *src);
bool srv_index_source_is_git(const srv_index_source *src);
/* Fetches a git index's origin (a no-op for a plain directory).  Returns 0
 * or a CSEC_E* code with `d` filled; the data served is not touched. */
int srv_index_source_fetch(srv_index_source *src, csec_diag *d);
/* The index data to serve: on the first call the whole load; then the
 * newest data made (one more reference) when nothing changed, else the next
 * generation (git) or a fresh load (plain directory whose files changed).
 * *changed says which.  NULL with `d` filled when it cannot be had (the
 * newest data stays in place for the next try). */
srv_index_data *srv_index_source_next(srv_index_source *src, bool *changed, csec_diag *d);

#endif
