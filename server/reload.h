/* reload.h - loading the data a site serves, at start-up and while serving
 * (reload.c). */
#ifndef CSEC_SERVER_RELOAD_H
#define CSEC_SERVER_RELOAD_H

#include "live.h"

/* Where a site's data comes from. */
typedef struct srv_load_spec {
    const char *db_dir;    /* the advisory database checkout */
    /* A registry index directory (a git checkout is followed commit by
     * commit: registry.h), or NULL; not owned. */
    struct srv_index_source *index_src;
    struct srv_sparse *sparse; /* a sparse index instead (shared, not owned), or NULL */
    const char *sync_url;  /* where a sync fetches from (NULL: the checkout's origin) */
    /* Called on the reload thread after each new site is swapped in (NULL:
     * none); the watch evaluation starts there (watch_service.h). */
    void (*on_swap)(void *payload);
    void *on_swap_payload;
} srv_load_spec;

/* Loads the data of `spec` into a new site.  With `prev` (the site being
 * served) this is a reload: an advisory that fails to load and did not fail
 * in `prev` rejects it, and `prev`'s index is reused when its files have not
 * changed.  Returns 0, or -1 with the reason appended to `err`. */
int srv_site_load(srv_site **out, const srv_load_spec *spec, const srv_site *prev, csec_buf *err);

typedef struct srv_reloader srv_reloader;
/* Starts the reload thread: a reload on each srv_reloader_request, and a
 * sync (csec_sync) followed by a reload every `sync_every_s` seconds (0:
 * never).  NULL if the thread cannot start. */
srv_reloader *srv_reloader_start(srv_live *live, const srv_load_spec *spec, unsigned sync_every_s);
/* Asks for a reload soon (requests arriving meanwhile are merged into one);
 * returns at once.  Takes a void * to serve as http_options.on_reload. */
void srv_reloader_request(void *reloader);
/* Stops the thread after the reload in progress, if any. */
void srv_reloader_stop(srv_reloader *r);

#endif
