/* registry.h - crates of the registry index as the pages see them
 * (registry.c): a directory index loaded with the site, or a sparse HTTP
 * index fetched crate by crate. */
#ifndef CSEC_SERVER_REGISTRY_H
#define CSEC_SERVER_REGISTRY_H

#include "site.h"

#include "deps.h"

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
/* How the pages find the crates of their dependencies (lib/deps.h): the
 * site's index, whichever kind. */
struct csec_deps_source srv_deps_source(const srv_site *s);
/* After srv_index_crate returned NULL for `name` in this render: whether
 * that is because the registry index could not be asked (a sparse index
 * whose fetch failed or is still running on the last render), with the
 * reason in `why`; false means the registry has no such crate. */
bool srv_index_unavailable(const srv_site *s, const char *name, char *why, size_t whysize);

/* ---- a sparse HTTP index (sparse.c) ---- */

/* Wraps a sparse index from csec__index_open_sparse (taking ownership) for
 * the pages: crate files fetched by `fetchers` threads, fresh for max_age_s
 * seconds, at most `cap_bytes` of them in memory (least recently used go). */
srv_sparse *srv_sparse_new(struct csec_index *root, unsigned max_age_s, size_t cap_bytes,
                           unsigned fetchers);
/* Stops the fetchers (resuming every waiting request) and frees it all. */
void srv_sparse_free(srv_sparse *sp);
/* At shutdown: resumes them all and makes renders stop waiting (what is
 * not in memory is shown as unavailable).  Accepts NULL. */
void srv_sparse_stop_waiting(srv_sparse *sp);

/* One render of a page (sparse.c says why renders are repeated): the HTTP
 * layer calls begin with the render's number (0, 1, ...) and its ticket
 * (NULL at first) before routing, and end after; end returns true when the
 * render asked for crates that are being fetched: its response is to be
 * thrown away and the page rendered again once they are answered.
 * srv_sparse_wait_prepare gives the ticket to keep (NULL: nothing to wait
 * for, render again now); once the connection is suspended,
 * srv_sparse_wait_arm calls resume(arg) when they are all answered (perhaps
 * at once, on this thread).  The next begin takes the ticket back; a
 * request that ends otherwise frees it with srv_sparse_ticket_free.  A
 * thread that is not rendering for the HTTP layer (a test) passes
 * SRV_SPARSE_WAIT: its lookups wait for their answers. */
#define SRV_SPARSE_WAIT 1000u
void srv_sparse_request_begin(const srv_site *s, unsigned round, void *ticket);
void srv_sparse_ticket_free(const srv_site *s, void *ticket);
bool srv_sparse_request_end(void);
/* Whether this render has looked up a crate that is being fetched: its
 * answer will be thrown away and the render run again once the fetch is in,
 * so a handler must not write lasting state (a watch) before this is false. */
bool srv_sparse_render_pending(void);
void *srv_sparse_wait_prepare(const srv_site *s);
void srv_sparse_wait_arm(const srv_site *s, void *waiter, void (*resume)(void *), void *arg);
/* The lookup behind srv_index_crate for a sparse index. */
const struct csec_index_crate *srv_sparse_lookup(srv_sparse *sp, const char *name,
                                                 bool *unavailable);
/* Whether this render found `name` unavailable (the reason in `why`). */
bool srv_sparse_unavailable(const char *name, char *why, size_t whysize);
/* Prometheus lines for /metrics; a summary for /healthz and the footer. */
void srv_sparse_metrics(srv_sparse *sp, csec_buf *out);
typedef struct srv_sparse_report {
    const char *url;
    size_t crates, bytes, cap;
    unsigned long long evictions;
    unsigned max_age_s;
    char last_error[256];
} srv_sparse_report;
void srv_sparse_info(srv_sparse *sp, srv_sparse_report *out);

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
 * NULL with `d` filled when it cannot be had (the newest data stays in
 * place for the next try). */
srv_index_data *srv_index_source_next(srv_index_source *src, csec_diag *d);

#endif
