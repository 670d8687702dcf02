/* index.h - a reader of Cargo registry indexes (internal for now).
 *
 * The registry index format is Cargo's (doc/src/reference/registry-index.md):
 * one file per crate, one JSON object per line per published version, files
 * placed by name length at 1/<name>, 2/<name>, 3/<c>/<name> and
 * <ab>/<cd>/<name>, the path in lower case.  A git index directory also holds
 * config.json with the download and API URLs.
 *
 * Two sources, as Cargo has:
 *
 *  - a directory in the git-index layout: csec__index_open_dir_ex reads every
 *    crate file eagerly (the whole crates.io index loads in under a second);
 *  - a sparse HTTP index ("sparse+https://index.crates.io/"):
 *    csec__index_open_sparse fetches config.json, then csec__index_fetch
 *    fetches one crate file at a time (same relative paths) with libcurl,
 *    keeps it in a disk cache and revalidates the cached copy with
 *    If-None-Match / If-Modified-Since (index_sparse.c).
 *
 * Either way crate files go through the same parser, so everything else
 * works the same on both.
 *
 * Memory (index.c): strings that repeat across versions (dependency names,
 * requirements, targets, feature names) are interned, and so are whole
 * dependency records, dependency lists, string lists and feature maps: equal
 * ones share one copy, so pointer equality of two `const char *` from the
 * same index means string equality.  Each crate (its versions and their
 * texts) is one block of its own.  Nothing of the JSON text is kept.
 *
 * Generations: an index is immutable once loaded and can be read from any
 * number of threads.  csec__index_apply makes the next generation from a set
 * of changed crate files: it shares every unchanged crate (and the interned
 * objects) with the current one, which stays valid and unchanged for its
 * readers.  Free generations oldest first (each keeps its successor alive,
 * so dropping references in any order is fine).  csec__index_add_file
 * changes an index in place and needs exclusive access.
 *
 * Lines that cannot be used are reported through the options' callback with
 * the file path, line and column, counted, and skipped; the rest of the file
 * and of the index still load. */
#ifndef CSEC_INDEX_H
#define CSEC_INDEX_H

#include "util.h"

/* The largest crate file read, whichever way it comes (a directory, the
 * sparse index and its disk cache, a git index's blobs): the biggest real
 * ones are a few MB, and no file may cost more memory than this. */
#define CSEC_INDEX_FILE_MAX ((size_t)64 << 20)

typedef struct csec_index csec_index;

typedef enum csec_index_dep_kind {
    CSEC_INDEX_DEP_NORMAL = 0,
    CSEC_INDEX_DEP_BUILD = 1,
    CSEC_INDEX_DEP_DEV = 2
} csec_index_dep_kind;

/** One dependency of one version.  Interned: versions that declare the same
 * dependency point to the same record. */
typedef struct csec_index_dep {
    /** The crate depended on: the `package` field when present (a renamed
     * dependency), else `name`.  As written; look it up with csec__index_find. */
    const char *name;
    /** The local name when renamed (the index's `name` when `package` is
     * present), else NULL. */
    const char *rename;
    /** The version requirement exactly as written ("^1.0", ">= 0.3, < 0.5");
     * parse with csec_req_parse when needed. */
    const char *req;
    /** The cfg() expression or target triple, or NULL for every platform. */
    const char *target;
    /** The index URL of another registry, or NULL for the same registry. */
    const char *registry;
    /** Features enabled on the dependency, as written (may include ""). */
    csec_strlist features;
    uint8_t kind; /* csec_index_dep_kind */
    bool optional;
    bool default_features;
} csec_index_dep;

/** One entry of a version's feature map: a feature and what it enables. */
typedef struct csec_index_feature {
    const char *name;
    csec_strlist values;
} csec_index_feature;

/** One published version. */
typedef struct csec_index_version {
    const char *vers;      /* as published */
    csec_version version;  /* parsed; pre/build point into vers */
    /* Dependencies in the order of the index line. */
    const csec_index_dep *const *deps;
    /* The feature map: `features` and `features2` merged (a name present in
     * both gets the values of both, in that order), sorted by name (bytewise)
     * for csec__index_feature_find. */
    const csec_index_feature *features;
    uint32_t deps_count;
    uint32_t features_count;
    /* `links`, `rust_version` and `pubtime`, NULL when the line has none of
     * them (most lines): read them with the csec__index_* accessors below.
     * The `cksum` field is checked (64 hex digits, as Cargo requires) and
     * not kept: nothing here uses it, and it would be a fifth of the memory. */
    const struct csec_index_extra *extra;
    uint8_t schema;           /* the `v` field, 1 when absent */
    bool yanked;
} csec_index_version;

/** The rarer fields of a version line. */
typedef struct csec_index_extra {
    const char *links;        /* NULL if absent */
    const char *rust_version; /* NULL if absent */
    const char *pubtime;      /* NULL if absent, else as written (RFC 3339) */
} csec_index_extra;

static inline const char *csec__index_links(const csec_index_version *v)
{
    return v->extra ? v->extra->links : NULL;
}
static inline const char *csec__index_rust_version(const csec_index_version *v)
{
    return v->extra ? v->extra->rust_version : NULL;
}
static inline const char *csec__index_pubtime(const csec_index_version *v)
{
    return v->extra ? v->extra->pubtime : NULL;
}

/** One crate: all its usable versions in ascending SemVer order
 * (csec_version_cmp, which orders build metadata last).  A crate whose file
 * has lines naming it but no usable version is present with no versions. */
typedef struct csec_index_crate {
    const char *name; /* canonical: as published (from the first usable line) */
    const csec_index_version *versions;
    size_t versions_count;
} csec_index_crate;

typedef struct csec_index_options {
    /** Called for each line (or file) that is skipped, with file, line,
     * column and message, in path order.  NULL: count only. */
    csec_diag_cb on_error;
    void *payload;
    /** Threads that read and parse a directory index: 0 or 1 for the calling
     * thread only (the default: an open starts no thread unless asked),
     * CSEC_INDEX_THREADS_PER_CPU for one per CPU, else that many (at most 8
     * either way). */
    unsigned threads;
} csec_index_options;

#define CSEC_INDEX_THREADS_PER_CPU (~0u)
#define CSEC_INDEX_OPTIONS_INIT {NULL, NULL, 0}

/** Loads every crate file of the git-layout index in directory `dir`
 * (1/, 2/, 3/x/ and xx/yy/ subdirectories; hidden entries such as .git are
 * ignored) and its config.json when present.  Bad lines and files misplaced
 * for their name are reported to opts->on_error and skipped.  Returns 0 and a
 * new index (free with csec__index_free), or CSEC_EIO when `dir` cannot be
 * read, with `d` filled.  `opts` may be NULL. */
int csec__index_open_dir_ex(csec_index **out, const char *dir, const csec_index_options *opts,
                            csec_diag *d);

/** An empty index to fill with csec__index_add_file.  Never fails. */
csec_index *csec__index_new(const csec_index_options *opts);

/** Adds one crate file's text (`len` bytes, need not be NUL-terminated).
 * `path` names the file in diagnostics (may be NULL).  `expect_name` (may be
 * NULL) is the crate the file is for: lines whose `name` is not that crate
 * (under crates.io's case and -/_ equivalence) are rejected.  A crate already
 * in the index is replaced.  Returns 0 and the crate in *out (NULL when no
 * line named a crate: an empty file), or CSEC_EPARSE when no line could even
 * be read (each reported).  *out may be NULL when not wanted. */
int csec__index_add_file(const csec_index_crate **out, csec_index *idx, const char *path,
                         const char *expect_name, const char *text, size_t len);

/** Drops a reference to the index (one from open, new or apply); the last
 * one frees it and everything only it reaches.  Accepts NULL. */
void csec__index_free(csec_index *idx);

/* ---- generations ---- */

/** One changed file of the index: its path relative to the index root
 * ("se/rd/serde", "config.json") and its new contents, or NULL `text` when
 * the file was removed. */
typedef struct csec_index_change {
    const char *path;
    const char *text;
    size_t len;
} csec_index_change;

/** Makes the next generation of `prev`: `prev`'s crates with the `n`
 * changed files applied (a crate file with new contents replaces the crate,
 * a removed one removes it, a new one adds it; config.json is re-read;
 * other paths are ignored; misplaced crate files and bad lines are reported
 * as a load would).  Only the changed files are parsed; every other crate
 * record is shared with `prev`, which is left as it was for its readers.
 * `prev` must be the newest generation.  Returns 0 and the next generation
 * in *out (the caller's reference; `prev` holds another until it is freed),
 * or CSEC_EINVAL when `prev` already has a next generation.  Needs exclusive
 * use of the writer side (one apply or add_file at a time per index). */
int csec__index_apply(csec_index **out, csec_index *prev, const csec_index_change *changes,
                      size_t n, csec_diag *d);
/** Throws away a generation made by csec__index_apply that was never shared
 * (its predecessor may have a next generation again). */
void csec__index_discard(csec_index *next);

/** What a generation changed in its predecessor: for each changed crate, its
 * old record (NULL: new crate) and its new one (NULL: removed). */
typedef struct csec_index_delta {
    const struct csec_index_crate *old;
    const struct csec_index_crate *new_crate;
} csec_index_delta;
void csec__index_delta(const csec_index *idx, const csec_index_delta **out, size_t *n);
/** The generation `idx` was made from while that one is alive, else NULL. */
const csec_index *csec__index_predecessor(const csec_index *idx);

/** Where the data came from (a git commit id, "" when not known) and that
 * source's time (seconds since the epoch, 0 when unknown). */
void csec__index_set_source(csec_index *idx, const char *id, int64_t time);
const char *csec__index_source(const csec_index *idx, int64_t *time);

/** crates.io's name equivalence (ASCII case-insensitive, '-' same as '_'):
 * a hash that equal names share, and the comparison. */
uint32_t csec__index_name_hash(const char *name);
bool csec__index_same_name(const char *a, const char *b);

/** Finds a crate as crates.io does: ASCII case-insensitively, with '-' and '_'
 * equivalent ("Serde-Json" finds serde_json).  NULL if absent. */
const csec_index_crate *csec__index_find(const csec_index *idx, const char *name);

/** The number of crates, and crate `i` (0 <= i < count).  After open_dir the
 * order is by name, bytewise on the lower-cased name; crates added later
 * follow in the order they were added. */
size_t csec__index_crate_count(const csec_index *idx);
const csec_index_crate *csec__index_crate_at(const csec_index *idx, size_t i);
/** The total number of versions of all crates. */
size_t csec__index_version_count(const csec_index *idx);

/** The newest version of `c` (SemVer order), skipping yanked versions unless
 * `include_yanked` and prereleases unless `include_prerelease`; NULL when
 * none qualifies. */
const csec_index_version *csec__index_newest(const csec_index_crate *c, bool include_yanked,
                                             bool include_prerelease);

/** The entry of feature `name` in a version's map, or NULL. */
const csec_index_feature *csec__index_feature_find(const csec_index_version *v,
                                                   const char *name);


/** Load statistics. */
typedef struct csec_index_stats {
    size_t files;            /* crate files read */
    size_t bad_lines;        /* lines reported and skipped (JSON or schema errors) */
    size_t bad_versions;     /* lines skipped because `vers` is not SemVer (also reported) */
    size_t bad_files;        /* files reported and skipped (misplaced, unreadable) */
    size_t unsupported;      /* lines skipped silently: `v` newer than 2, as Cargo does */
    size_t duplicates;       /* lines replaced silently by a later line of the same version */
    size_t arena_bytes;      /* memory held by the index: the three below and its tables */
    size_t interned_bytes;   /* interned objects (shared by every generation) */
    size_t intern_table_bytes; /* their lookup tables */
    size_t crate_bytes;      /* the crate records of this generation */
    /* Sparse HTTP index only. */
    size_t http_requests;     /* requests sent (config.json included) */
    size_t http_ok;           /* 200 responses (body downloaded) */
    size_t http_not_modified; /* 304 responses (cached copy used) */
    size_t http_not_found;    /* 404 / 410 / 451 responses */
    size_t cache_hits;        /* files read from the disk cache */
    size_t cache_writes;      /* files written to the disk cache */
} csec_index_stats;

void csec__index_stats(const csec_index *idx, csec_index_stats *out);

/** config.json's "dl" and "api" (NULL when absent), and "auth-required". */
const char *csec__index_config_dl(const csec_index *idx);
const char *csec__index_config_api(const csec_index *idx);
bool csec__index_config_auth_required(const csec_index *idx);

/* ---- the sparse HTTP index (index_sparse.c) ---- */

typedef struct csec_index_sparse_options {
    /** Directory of the disk cache (created when missing), or NULL for none:
     * then every fetch downloads the whole file. */
    const char *cache_dir;
    /** Use the disk cache only, never the network (Cargo's --offline): a
     * crate missing from the cache is "not found". */
    bool offline;
    /** Connect and total timeouts in seconds; 0: 30 and 300. */
    long connect_timeout;
    long timeout;
} csec_index_sparse_options;

#define CSEC_INDEX_SPARSE_OPTIONS_INIT {NULL, false, 0, 0}

/** Opens the sparse index at `url` ("sparse+https://host/path/"; the
 * "sparse+" prefix is optional, http and https only) and fetches its
 * config.json, which Cargo requires, honouring "dl" and "api".  Returns 0
 * and a new, empty index, CSEC_EINVAL for a bad URL, or CSEC_EIO /
 * CSEC_EPARSE with `d` filled when config.json cannot be had.  `opts` and
 * `sopts` may be NULL. */
int csec__index_open_sparse(csec_index **out, const char *url, const csec_index_options *opts,
                            const csec_index_sparse_options *sopts, csec_diag *d);

/** Finds crate `name` as csec__index_find does and, when it is not loaded
 * yet and the index is a sparse one, fetches its file (revalidating any
 * cached copy) and adds it.  Because sparse paths are exact, a name that is
 * not found as written is retried with every '-' turned to '_' and then the
 * other way round (crates.io treats them as the same name).  Returns 0 and
 * the crate; CSEC_ENOTFOUND when the registry has no such crate (HTTP 404,
 * 410 or 451, or not in a directory index); CSEC_EINVAL for a name that is
 * not a possible crate name; CSEC_EIO on network, HTTP or cache errors.
 * Needs exclusive access to the index. */
int csec__index_fetch(const csec_index_crate **out, csec_index *idx, const char *name,
                      csec_diag *d);

/** For threads that fetch on their own (the server's): crate `name`'s file
 * from the sparse index `root` (from csec__index_open_sparse, only read
 * here), through the disk cache, with the caller's libcurl handle (*handle:
 * NULL at first, made here; free with csec__index_sparse_handle_free) and
 * counters (*st).  The name is tried as written and with '-' and '_' made
 * uniform.  Returns 0 with the file in `body`, its path in `rel` and
 * *not_modified when a cached copy was confirmed (304); CSEC_ENOTFOUND
 * (404/410/451), CSEC_EINVAL (not a crate name) or CSEC_EIO (network, other
 * HTTP status, timeout) with `d` filled. */
int csec__index_sparse_get(const csec_index *root, void **handle, const char *name,
                           csec_buf *body, char *rel, size_t relsize, bool *not_modified,
                           csec_index_stats *st, csec_diag *d);
void csec__index_sparse_handle_free(void *handle);
/** The sparse index's base URL ("https://host/path/"), or NULL. */
const char *csec__index_sparse_url(const csec_index *root);

/** One crate file parsed into an index of its own (its memory is exactly
 * that crate's: nothing is shared with other indexes, so freeing it gives all
 * back).  Returns the index (csec__index_free), or NULL when the file names
 * no crate (*rc CSEC_EPARSE when no line could be read).  `opts` may be
 * NULL. */
csec_index *csec__index_parse_alone(const csec_index_options *opts, const char *path,
                                    const char *expect_name, const char *text, size_t len,
                                    int *rc);

/* Internal, between index.c, index_dir.c and index_sparse.c. */

/* A parser of crate files bound to an index's interning tables; one per
 * thread.  csec__index_parse returns a crate record that belongs to no
 * generation yet (csec__index_install, add_file or apply puts it in one), or
 * NULL when the file names no crate (*rc CSEC_EPARSE when no line could be
 * read). */
typedef struct csec__index_parser csec__index_parser;
typedef void (*csec__index_report_fn)(const csec_diag *d, void *payload);
csec__index_parser *csec__index_parser_new(csec_index *idx);
void csec__index_parser_free(csec__index_parser *p);
/* Reports go to fn instead of the index's options (a worker thread's). */
void csec__index_parser_set_report(csec__index_parser *p, csec__index_report_fn fn,
                                   void *payload);
const csec_index_stats *csec__index_parser_stats(const csec__index_parser *p);
const csec_index_crate *csec__index_parse(csec__index_parser *p, const char *path,
                                          const char *expect_name, const char *text, size_t len,
                                          int *rc);
/* Makes `crates` the contents of a new, empty index, sorted by name. */
void csec__index_install(csec_index *idx, const csec_index_crate *const *crates, size_t n);
void csec__index_add_stats(csec_index *idx, const csec_index_stats *st);
/* While on, interning tables keep the arrays they outgrow (other threads may
 * be looking in them); off frees them. */
void csec__index_set_concurrent(csec_index *idx, bool on);
const csec_index_options *csec__index_options(const csec_index *idx);
/* Whether a crate file named `name` in directory `rel_dir` ("ab/cd", "3/a",
 * "1") is where csec__index_path_for puts it; `want` receives that place. */
bool csec__index_well_placed(char *want, size_t n, const char *rel_dir, const char *name);

int csec__index_set_config(csec_index *idx, const char *path, const char *text, size_t len,
                           csec_diag *d);
void csec__index_attach_remote(csec_index *idx, void *remote, void (*remote_free)(void *));
void *csec__index_remote(const csec_index *idx);
csec_index_stats *csec__index_stats_ref(csec_index *idx);

/** The relative path of a crate's file in the index ("se/rd/serde",
 * "3/s/syn"), lower-cased, into `out` of size `n`.  Returns the length, or 0
 * when `name` is empty or does not fit. */
size_t csec__index_path_for(char *out, size_t n, const char *name);

#endif
