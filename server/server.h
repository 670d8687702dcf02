/* server.h - `cratesec serve`: the site model shared by every page.
 *
 * The site (srv_site) is built once at start-up from the database and is
 * read-only afterwards, so the pool threads of the HTTP layer share it
 * without locks.  A request (srv_req) carries the decoded path segments;
 * a handler fills one srv_resp, whose body is a single csec_buf handed to the
 * HTTP layer without copying.
 */
#ifndef CSEC_SERVER_H
#define CSEC_SERVER_H

#include "cratesec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One advisory with what is expensive to compute per request: its Markdown
 * description rendered once at load time. */
typedef struct srv_adv {
    const csec_advisory *a;
    char *desc_html; /* sanitised HTML of the description, never NULL */
    char *alt_html;  /* unmaintained only: the "alternatives" section, or NULL */
} srv_adv;

typedef struct srv_site {
    csec_db *db;
    srv_adv *advs; /* one per advisory, in database order */
    size_t count;
    const srv_adv **by_ptr;  /* sorted by advisory pointer, for srv_site_adv */
    const srv_adv **by_date; /* all advisories, newest first (then id descending) */
    const char **packages;   /* crates-collection package names, sorted, unique */
    size_t npackages;
    const char **categories; /* sorted, unique */
    size_t ncategories;
    const char **keywords; /* sorted, unique */
    size_t nkeywords;
    char commit[41];      /* "" when the database is not a git checkout */
    char commit_date[24]; /* "YYYY-MM-DD HH:MM UTC" or "" */
    char loaded_at[24];   /* when the server loaded it, same format */
    double load_ms;       /* how long loading and preparing took */
    /* The registry index (crate versions and dependencies), or NULL when
     * serving from advisories alone.  Set by the caller after srv_site_new;
     * not owned. */
    const struct csec_index *index;
    /* A sparse HTTP index instead (registry.c), or NULL; `index` is NULL then.
     * Set by the caller; not owned.  Look crates up with srv_index_crate. */
    struct srv_sparse *sparse;
    char *css; /* the stylesheet, joined */
    size_t css_len;
    struct srv_api *api; /* the JSON API's precomputed data (api.c) */
    /* Reverse dependencies of `index` (page_deps.c: srv_deps_prepare), or NULL. */
    struct csec_deps_rev *deps_rev;
} srv_site;

/* Builds the site from an open database (takes ownership of `db`). */
srv_site *srv_site_new(csec_db *db, double load_ms);
void srv_site_free(srv_site *s);
/* The srv_adv of an advisory of this site's database (never NULL for one). */
const srv_adv *srv_site_adv(const srv_site *s, const csec_advisory *a);
/* The package name of the crates collection equal to `name` under crates.io's
 * rules (ASCII case-insensitive, '-' same as '_'), or NULL. */
const char *srv_site_package(const srv_site *s, const char *name);
/* Whether two crate names are the same crate under crates.io's rules. */
bool srv_same_crate(const char *a, const char *b);

/* ---- the registry index (registry.c) ---- */

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

/* ---- requests and responses ---- */

#define SRV_MAX_SEGMENTS 8

/* Decoded query values of one request, freed when the handler returns. */
typedef struct srv_scratch {
    char *items[16];
    size_t n;
} srv_scratch;

typedef struct srv_req {
    const srv_site *site;
    const char *method; /* "GET" or "HEAD" */
    const char *path;   /* raw path as received */
    char *seg[SRV_MAX_SEGMENTS]; /* decoded, valid UTF-8, no NUL */
    size_t nseg;
    void *conn; /* the HTTP layer's connection, for srv_query */
    srv_scratch *scratch;
    const char *body; /* request body (POST), NULL when none; not NUL-terminated */
    size_t body_len;
} srv_req;

typedef struct srv_resp {
    int status;
    const char *content_type; /* NULL: text/html; charset=utf-8 */
    const char *cache_control; /* NULL: no header */
    csec_buf body;
    csec_buf location; /* redirect target (already percent-encoded), empty: none */
    const void *static_body; /* if set, served instead of `body` (never freed) */
    size_t static_len;
    csec_buf headers;  /* more header lines "Name: value\n" (the API); never cached */
    const char *allow; /* the Allow header of a 405, NULL: "GET, HEAD" */
} srv_resp;

/* The decoded value of query parameter `key` ('+' as space, %XX decoded), or
 * NULL when absent or not valid UTF-8 / containing NUL.  The result is owned
 * by the request (valid until the handler returns). */
const char *srv_query(const srv_req *r, const char *key);

/* Percent-decodes `len` bytes of `in` into `out` (room for len + 1) and
 * NUL-terminates it.  Returns the decoded length, or -1 for a malformed
 * escape, an encoded NUL or a result that is not valid UTF-8. */
long srv_decode(char *out, const char *in, size_t len);

/* The value of request header `name` (case-insensitive), or NULL. */
const char *srv_header(const srv_req *r, const char *name);

/* Request bodies are accepted only for POST, up to this size (the JSON API's
 * querybatch of 1,000 queries takes about 100 KB). */
#define SRV_MAX_POST_BODY ((size_t)512 << 10)

/* Dispatches one request through the routing table (route.c).  `body` is the
 * request body (NULL, 0 when none). */
void srv_route(const srv_site *site, void *conn, const char *method, const char *raw_path,
               const char *body, size_t body_len, srv_resp *resp);

/* Sets a redirect: status and Location from the given path pieces. */
void srv_redirect(srv_resp *resp, int status, const char *location);

/* ---- handlers: one per file ---- */

typedef void (*srv_handler)(const srv_req *r, srv_resp *resp);

void page_home(const srv_req *r, srv_resp *resp);
void page_advisory(const srv_req *r, srv_resp *resp);
void page_list_all(const srv_req *r, srv_resp *resp);
void page_list_category(const srv_req *r, srv_resp *resp);
void page_list_keyword(const srv_req *r, srv_resp *resp);
void page_list_categories(const srv_req *r, srv_resp *resp);
void page_list_keywords(const srv_req *r, srv_resp *resp);
void page_search(const srv_req *r, srv_resp *resp);
void page_crate(const srv_req *r, srv_resp *resp);
void page_style(const srv_req *r, srv_resp *resp);
/* Atom feeds (page_feed.c): /feed.xml and /crates/NAME/feed.xml. */
void page_feed(const srv_req *r, srv_resp *resp);
void page_feed_crate(const srv_req *r, srv_resp *resp);
/* Badges (page_badge.c): /crates/NAME[/VERSION]/badge.svg and badge.json. */
void page_badge_svg(const srv_req *r, srv_resp *resp);
void page_badge_json(const srv_req *r, srv_resp *resp);
/* A 404 page; `what` is a short sentence (plain text) saying what is missing. */
void page_not_found(const srv_req *r, srv_resp *resp, const char *what);
/* A plain error page with status and message. */
void page_error(const srv_req *r, srv_resp *resp, int status, const char *title,
                const char *message);

/* ---- the JSON API (api*.c) ---- */

struct srv_api;
/* Precomputes what the API needs per advisory; called by srv_site_new. */
struct srv_api *srv_api_new(const srv_site *s);
void srv_api_free(struct srv_api *api);
/* API handlers answer every method themselves (OPTIONS preflight, 405). */
void api_package(const srv_req *r, srv_resp *resp);
void api_vuln(const srv_req *r, srv_resp *resp);
void api_query(const srv_req *r, srv_resp *resp);
void api_querybatch(const srv_req *r, srv_resp *resp);
void api_security(const srv_req *r, srv_resp *resp);
void api_openapi(const srv_req *r, srv_resp *resp);
/* A JSON 404 for unknown paths under /v1/ and /api/. */
void api_not_found(const srv_req *r, srv_resp *resp);

/* The one stylesheet (style.c), in pieces ending with NULL; srv_site_new
 * joins them into srv_site.css. */
extern const char *const srv_style_css_parts[];

#endif
