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
#include <time.h>

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
     * serving from advisories alone: index_data's, set by
     * srv_site_attach_index. */
    const struct csec_index *index;
    /* A sparse HTTP index instead (registry.c), or NULL; `index` is NULL then.
     * Set by the caller; not owned.  Look crates up with srv_index_crate. */
    struct srv_sparse *sparse;
    char *css; /* the stylesheet, joined */
    size_t css_len;
    struct srv_api *api; /* the JSON API's precomputed data (api.c) */
    /* Reverse dependencies of `index` (for the ecosystem impact), or NULL. */
    struct csec_deps_rev *deps_rev;
    /* The loaded registry index behind `index` and `deps_rev` when the site
     * holds a reference to one (srv_site_attach_index), else NULL. */
    struct srv_index_data *index_data;
    /* The validator of every response of this site: the database commit's
     * first 16 hex digits (else the load time), and with an index its
     * fingerprint.  Changes whenever the data does. */
    char etag_base[48];
    /* Set while the site is served (live.c): its generation, the server it
     * belongs to, and the references held by requests in flight; the HTTP
     * layer's rendered pages of this site, freed with it. */
    uint64_t generation;
    struct srv_live *live;
    _Atomic long refs;
    void *page_cache;
    void (*page_cache_free)(void *cache);
    /* Files whose advisories failed to load (lenient load), sorted; a reload
     * is refused when it fails on any file not listed here. */
    char **load_errors;
    size_t nload_errors;
} srv_site;

/* Builds the site from an open database (takes ownership of `db`);
 * `load_ms` is what loading took, for the footer and /healthz. */
srv_site *srv_site_new(csec_db *db, double load_ms);
/* "YYYY-MM-DD HH:MM UTC" (the site's way of showing a time) into `out`. */
void srv_format_time(char out[24], time_t t);
void srv_site_free(srv_site *s);

/* ---- a loaded registry index, shared by the sites that use it (live.c) ---- */

typedef struct srv_index_data {
    struct csec_index *index;
    struct csec_deps_rev *deps_rev;
    char fingerprint[17]; /* 16 hex digits: what changes when its files change */
    double load_ms;
    _Atomic long refs;
} srv_index_data;

/* Loads the git-layout index in `dir` with its reverse dependencies;
 * `fingerprint` is srv_index_fingerprint's, when the caller has it already
 * (NULL: computed here).  Returns NULL with a message in `d` when it cannot
 * be read. */
srv_index_data *srv_index_data_load(const char *dir, const char *fingerprint, csec_diag *d);
/* The fingerprint of `dir`'s files (names, sizes, modification times), to
 * tell whether a loaded index is still current; "" when unreadable. */
void srv_index_fingerprint(const char *dir, char out[17]);
void srv_index_data_release(srv_index_data *x);
/* Makes `s` use `x` (one more reference) and updates its etag_base. */
void srv_site_attach_index(srv_site *s, srv_index_data *x);

/* ---- the site being served, replaced whole on reload (live.c) ----
 *
 * Requests take a reference to the current site for their whole life (the
 * rendered page they send may live in the site's cache); a reload builds the
 * next site off to the side and swaps the pointer, so requests in flight
 * finish on the old site, which is freed by the last one to let it go. */

typedef struct srv_live srv_live;

/* The server's counters, for /metrics and /healthz. */
#define SRV_LATENCY_BUCKETS 12
extern const double srv_latency_bounds[SRV_LATENCY_BUCKETS]; /* seconds; then +Inf */

/* Takes ownership of `first`, which becomes generation 1. */
srv_live *srv_live_new(srv_site *first);
void srv_live_free(srv_live *l);
/* The current site, with a reference: hand it back with srv_live_release. */
const srv_site *srv_live_acquire(srv_live *l);
void srv_live_release(const srv_site *s);
/* Installs `next` (taking ownership) as the next generation; returns how
 * long the swap itself held the lock, in milliseconds. */
double srv_live_swap(srv_live *l, srv_site *next);
/* A reload attempt's outcome, for /healthz, /metrics and the log:
 * `error` NULL for success. */
void srv_live_reload_done(srv_live *l, const char *error, double total_ms, double swap_ms);
/* Counts one finished request. */
void srv_live_observe(srv_live *l, int status, double seconds);
/* Counts a connection cut off by the watchdog. */
void srv_live_cut(srv_live *l);
/* Writes /healthz's JSON and /metrics's text for the site `s` serves. */
void srv_live_healthz(srv_live *l, const srv_site *s, csec_buf *out);
void srv_live_metrics(srv_live *l, const srv_site *s, csec_buf *out);
/* Whether the last reload failed (then /healthz says "degraded"). */
bool srv_live_degraded(srv_live *l);

/* ---- loading and reloading (reload.c) ---- */

/* Where a site's data comes from. */
typedef struct srv_load_spec {
    const char *db_dir;    /* the advisory database checkout */
    const char *index_dir; /* a git-layout registry index, or NULL */
    struct srv_sparse *sparse; /* a sparse index instead (shared, not owned), or NULL */
    const char *sync_url;  /* where a sync fetches from (NULL: the checkout's origin) */
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

/* Server events (start, reload, failures) on stderr: "cratesec serve: ..."
 * text lines, or one JSON object per line with srv_log_json set. */
extern bool srv_log_json;
void srv_log_event(const char *level, const char *event, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
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

/* ---- one crate version's security (security.c) ----
 *
 * The crate page's Security tab, the JSON endpoint
 * /api/v1/crates/NAME/VERSION/security and the badge all show what these
 * functions decide, each in its own words, so they never disagree. */

struct csec_index_version;

/* A crate as the pages find it from the name in a URL. */
typedef struct srv_crate {
    const struct csec_index_crate *ic; /* the registry index's entry, or NULL */
    const char *pkg;  /* the advisory database's package name, or NULL */
    const char *name; /* canonical: the index's spelling, else the database's */
    const csec_advisory *const *advs; /* the package's advisories, withdrawn too */
    size_t nadv;
    /* A problem loading the crate's advisory files (csec_db_package_error):
     * its advisories may be incomplete, so nothing may call it clean. */
    const csec_db_error *load_error;
} srv_crate;

/* Finds crate `url_name` in the registry index (srv_index_crate) and the
 * advisory database under crates.io's name rules.  Returns false when
 * neither knows it.  Everything in `out` is owned by the site. */
bool srv_crate_find(const srv_site *s, const char *url_name, srv_crate *out);

/* A selected version.  `v` and `text` may point into `buf`, so a srv_sel is
 * filled in place and never copied. */
typedef struct srv_sel {
    const struct csec_index_version *iv; /* the index's entry, or NULL */
    csec_version v;
    const char *text; /* as published (index) or as requested */
    char buf[128];
} srv_sel;

/* Selects version `text` of `c`, or with NULL `text` the default version
 * (the newest non-yanked release, then the newest prerelease, then any).
 * With an index the version must be published there (same spelling or equal
 * under SemVer); without one any SemVer version under 128 bytes will do.
 * Returns 0 when selected, -1 when `text` names no such version (not in the
 * index, or not a version), 1 when `text` is NULL and there is no default
 * (no index, or the index lists no version). */
int srv_crate_version(const srv_crate *c, const char *text, srv_sel *out);

/* Why an advisory does or does not affect the selected version. */
typedef enum srv_why {
    SRV_WHY_AFFECTED,
    SRV_WHY_UNAFFECTED, /* a requirement of `unaffected` matches: `req` */
    SRV_WHY_FIXED,      /* `ver`: the newest fix at or below the version */
    SRV_WHY_LATER,      /* `ver`: the lowest start of an affected range above it */
    SRV_WHY_OUTSIDE,    /* none of those: outside the affected ranges */
    SRV_WHY_NO_VERSION  /* no version was selected */
} srv_why;

typedef struct srv_verdict {
    const csec_advisory *a;
    bool affects;
    srv_why why;
    const csec_req *req;     /* SRV_WHY_UNAFFECTED */
    const csec_version *ver; /* SRV_WHY_FIXED, SRV_WHY_LATER */
} srv_verdict;

typedef struct srv_security {
    /* Every non-withdrawn advisory: the `affected` ones that affect the
     * version first, then the others; within each group vulnerabilities,
     * unsound, notices, other informational kinds, unmaintained, newest first,
     * then id descending. */
    srv_verdict *items;
    size_t count;
    size_t affected;
    /* Withdrawn advisories in database order: listed by id only. */
    const csec_advisory **withdrawn;
    size_t nwithdrawn;
} srv_security;

/* Decides the Security tab for `advs` (a crate's advisories) and version
 * `sel` (NULL: none selected; then nothing affects and every verdict is
 * SRV_WHY_NO_VERSION).  The verdicts point into `advs` and `sel`; free with
 * srv_security_free. */
void srv_security_of(srv_security *out, const csec_advisory *const *advs, size_t n,
                     const csec_version *sel);
void srv_security_free(srv_security *sec);

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
/* srv_query's second half (request.c), for whatever finds the raw value:
 * decodes `raw` (a query value as received, '+' already turned into spaces;
 * NULL when absent) with srv_decode into the request's scratch.  Returns the
 * value, or NULL when `raw` is NULL, does not decode, or the scratch is full. */
const char *srv_query_keep(const srv_req *r, const char *raw);

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
/* Operations (page_ops.c): /healthz and /metrics. */
void page_healthz(const srv_req *r, srv_resp *resp);
void page_metrics(const srv_req *r, srv_resp *resp);
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
