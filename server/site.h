/* site.h - the data a server serves: one srv_site per loaded data set.
 *
 * The site is built once from the database (and a registry index) and is
 * read-only afterwards, so the pool threads of the HTTP layer share it
 * without locks.  What changes while it is served (its generation number,
 * the references of requests, the rendered pages) belongs to the live layer
 * (live.h), not to the site.
 */
#ifndef CSEC_SERVER_SITE_H
#define CSEC_SERVER_SITE_H

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
    /* Per advisory, database order: the OSV "modified" time the JSON API
     * serves (api.c), "" if not exported. */
    char (*modified)[24];
    /* Reverse dependencies of `index` (for the ecosystem impact), or NULL. */
    struct csec_deps_rev *deps_rev;
    /* The loaded registry index behind `index` and `deps_rev` when the site
     * holds a reference to one (srv_site_attach_index), else NULL. */
    struct srv_index_data *index_data;
    /* The validator of every response of this site: the database commit's
     * first 16 hex digits (else the load time), and with an index its
     * fingerprint.  Changes whenever the data does. */
    char etag_base[48];
    /* Files whose advisories failed to load (lenient load), sorted; a reload
     * is refused when it fails on any file not listed here. */
    char **load_errors;
    size_t nload_errors;
    /* Sites made for a new registry index over an unchanged database
     * (srv_site_share_db) share everything above that comes from the
     * database; this counts the sites sharing it (the last one frees it). */
    _Atomic long *db_refs;
} srv_site;

/* Builds the site from an open database (takes ownership of `db`); its
 * load_ms starts at 0 for the caller that timed the load to set. */
srv_site *srv_site_new(csec_db *db);
/* A new site with `prev`'s database and everything made from it (shared, not
 * copied) and no index yet: for a new registry index over the same data. */
srv_site *srv_site_share_db(const srv_site *prev);
/* "YYYY-MM-DD HH:MM UTC" (the site's way of showing a time) into `out`. */
void srv_format_time(char out[24], time_t t);
void srv_site_free(srv_site *s);

/* The srv_adv of an advisory of this site's database (never NULL for one). */
const srv_adv *srv_site_adv(const srv_site *s, const csec_advisory *a);
/* The package name of the crates collection equal to `name` under crates.io's
 * rules (ASCII case-insensitive, '-' same as '_'), or NULL. */
const char *srv_site_package(const srv_site *s, const char *name);

/* ---- a loaded registry index, shared by the sites that use it (live.c) ---- */

typedef struct srv_index_data {
    struct csec_index *index;
    struct csec_deps_rev *deps_rev;
    /* How old its data is (lib/dataage.h): shown on every page.  An index
     * followed with git is at commit age_commit (its source: the commit). */
    int age_source; /* csec_age_source */
    int64_t age_time;
    char age_commit[41];
    /* What changes when the data does: 16 hex digits of the files'
     * fingerprint, or of the commit for an index followed with git. */
    char fingerprint[17];
    double load_ms;       /* the whole load, or the update that made this one */
    size_t changed_files; /* an update: the files that differed */
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

/* The one stylesheet (style.c), in pieces ending with NULL; srv_site_new
 * joins them into srv_site.css. */
extern const char *const srv_style_css_parts[];

#endif
