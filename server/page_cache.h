/* page_cache.h - the rendered pages of one generation of data (page_cache.c).
 *
 * A page that depends only on the data and its path is rendered once per
 * generation and kept with its gzip form, so that a repeated request costs
 * about what a static file costs (make bench compares with nginx serving the
 * same bytes).  The cache belongs to the generation (live.h), not to the
 * site: the site stays read-only, and the cache is freed with the generation,
 * when no request holds it any more.  Entries are never evicted or changed
 * once in, so a body handed to the HTTP layer stays valid while a request
 * holds the generation; past the byte budget pages are simply not kept.
 * Any thread may call any function.
 */
#ifndef CSEC_SERVER_PAGE_CACHE_H
#define CSEC_SERVER_PAGE_CACHE_H

#include "request.h"

typedef struct srv_page_cache srv_page_cache;

/* A cached page (a 200).  `body` and `len`: the page as rendered. */
typedef struct srv_page {
    const char *content_type; /* NULL: text/html; charset=utf-8 */
    const char *cache_control;
    const char *body;
    size_t len;
} srv_page;

/* A cache that keeps at most `max_bytes` of pages, keys and gzip forms. */
srv_page_cache *srv_page_cache_new(size_t max_bytes);
void srv_page_cache_free(srv_page_cache *pc);
/* The page cached under `key`, or NULL. */
const srv_page *srv_page_cache_get(srv_page_cache *pc, const char *key);
/* Takes the body of `r` (a 200 without extra headers) into the cache under
 * `key` and returns the page.  When another thread cached `key` first, that
 * page is returned and `r` keeps its body; when the budget is spent, NULL
 * and `r` is left alone. */
const srv_page *srv_page_cache_put(srv_page_cache *pc, const char *key, srv_resp *r);
/* The page gzip-compressed (at the highest level, once, then kept), or NULL
 * when gzip does not make it smaller, the page is too small to be worth it,
 * or the budget is spent: send it as it is then. */
const char *srv_page_gzip(srv_page_cache *pc, const srv_page *p, size_t *len);
/* Bytes held (pages, keys and gzip forms), for tests and /metrics. */
size_t srv_page_cache_bytes(const srv_page_cache *pc);

#endif
