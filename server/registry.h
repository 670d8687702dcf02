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

#endif
