/*
 * cratesec.h - the whole public interface of libcratesec.
 *
 * libcratesec reads the RustSec advisory database (Markdown files with TOML
 * front matter), decides exactly as RustSec does which versions of a crate an
 * advisory affects, and exports OSV.  The normative description of every rule
 * implemented here is docs/rustsec-spec.md in the source tree ("spec §N"
 * below).
 *
 * Conventions, true of every declaration unless its comment says otherwise:
 *
 *  - Fallible functions return int: 0 on success or a negative CSEC_E* code.
 *    When a `csec_diag *` is passed (it may be NULL), a failure fills it with
 *    the file, line, column and a message.  The error path never allocates.
 *  - Out-parameters come first and are named `out`; on failure `*out` is set
 *    to NULL (or zeroed).
 *  - Text is passed as (pointer, length) and need not be NUL-terminated;
 *    parameters typed plain `const char *` without a length must be.
 *  - Strings reached through a csec_db (advisory fields and so on) are
 *    borrowed: valid until csec_db_free.  Functions that return `char *`
 *    give the caller ownership; release it with csec_free.
 *  - Out of memory aborts the process (one place: the library's allocator).
 *    A database is immutable after loading, so any number of threads may read
 *    one csec_db at the same time.
 *  - Every *_free function accepts NULL (csec_buf_free takes the address of
 *    a buffer, never NULL).
 *  - Options structs carry the version of their layout, set by their
 *    *_OPTIONS_INIT macro or *_options_init function (libgit2's pattern), so
 *    that a program built against an older header keeps working with a newer
 *    libcratesec.so.0 that has added fields.
 *  - The library exports exactly the functions declared here (CSEC_API).
 */
#ifndef CRATESEC_H
#define CRATESEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the functions of the library's interface: the shared library is
 * built with hidden visibility and exports these, and nothing else. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define CSEC_API __attribute__((visibility("default")))
#else
#define CSEC_API
#endif

/* clang-format off */
/* ======================================================================
 * 1. One-shot use (tests/cli/install.sh compiles and runs this example)
 *
 *     csec_db *db = NULL;
 *     csec_diag diag;
 *     if (csec_db_open(&db, "advisory-db", NULL, &diag) < 0) {
 *         fprintf(stderr, "%s:%u:%u: %s\n", diag.file, diag.line, diag.col, diag.msg);
 *         return 1;
 *     }
 *     csec_version v;
 *     if (csec_version_parse(&v, "0.1.45", 6, &diag) < 0) {
 *         fprintf(stderr, "%s\n", diag.msg);
 *         csec_db_free(db);
 *         return 2;
 *     }
 *     size_t n;
 *     const csec_advisory *const *list =
 *         csec_db_by_package(db, CSEC_COLLECTION_CRATES, "time", &n);
 *     for (size_t i = 0; i < n; i++)
 *         if (csec_advisory_affects(list[i], &v))
 *             puts(list[i]->id);
 *     csec_db_free(db);
 * ====================================================================== */
/* clang-format on */

/* ======================================================================
 * 2. Errors and diagnostics
 * ====================================================================== */

/** The error codes, generated from one table: X(name, value, description). */
#define CSEC_ERROR_TABLE(X)                                                                        \
    X(OK, 0, "success")                                                                            \
    X(ERROR, -1, "error")                                                                          \
    X(ENOTFOUND, -2, "not found")                                                                  \
    X(EPARSE, -3, "parse error")                                                                   \
    X(EIO, -4, "input/output error")                                                               \
    X(EINVAL, -5, "invalid argument")

enum csec_error {
#define CSEC__ERROR_ENUM(name, value, text) CSEC_##name = value,
    CSEC_ERROR_TABLE(CSEC__ERROR_ENUM)
#undef CSEC__ERROR_ENUM
};

/** Where and why an operation failed.  `file` is "" when no file is involved;
 * `line` and `col` are 1-based, 0 when unknown.  Columns count bytes. */
typedef struct csec_diag {
    char file[512];
    uint32_t line;
    uint32_t col;
    int code; /* the CSEC_E* code that was returned */
    char msg[256];
} csec_diag;

/** Returns a static description of an error code ("parse error"). Never NULL. */
CSEC_API const char *csec_strerror(int code);
/** Returns the symbolic name of an error code ("CSEC_EPARSE"). Never NULL. */
CSEC_API const char *csec_err_name(int code);
/** Formats `d` as "file:line:col: msg" (parts that are unknown are left out)
 * into `out` of size `n`, NUL-terminated and truncated if needed. Returns out. */
CSEC_API char *csec_diag_format(char *out, size_t n, const csec_diag *d);

/** A callback that receives one diagnostic among many (lint, lenient loads). */
typedef void (*csec_diag_cb)(const csec_diag *d, void *payload);

/* ======================================================================
 * 3. Buffers and strings
 * ====================================================================== */

/** A borrowed byte range; not NUL-terminated. */
typedef struct csec_str {
    const char *ptr;
    size_t len;
} csec_str;

/** The one growable byte buffer.  `ptr` is always NUL-terminated after any
 * append (so it can be printed directly); `len` excludes the NUL. */
typedef struct csec_buf {
    char *ptr;
    size_t len;
    size_t cap;
} csec_buf;

#define CSEC_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/** Appends bytes. Aborts on out-of-memory; cannot fail otherwise. */
CSEC_API void csec_buf_put(csec_buf *b, const void *data, size_t len);
/** Appends a NUL-terminated string. */
CSEC_API void csec_buf_puts(csec_buf *b, const char *s);
/** Appends one byte. */
CSEC_API void csec_buf_putc(csec_buf *b, char c);
/** Appends printf-formatted text. */
CSEC_API void csec_buf_printf(csec_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Empties the buffer, keeping its memory. */
CSEC_API void csec_buf_clear(csec_buf *b);
/** Returns the contents (NUL-terminated, never NULL) and resets `b` to empty;
 * the caller frees the result with csec_free. */
CSEC_API char *csec_buf_detach(csec_buf *b);
/** Releases the memory of `b` and resets it.  `b` itself must not be NULL;
 * its buffer may be empty (CSEC_BUF_INIT). */
CSEC_API void csec_buf_free(csec_buf *b);
/** Frees memory returned by the library. Accepts NULL. */
CSEC_API void csec_free(void *p);

/* ======================================================================
 * 4. Versions and requirements (spec §2.1-2.3)
 * ====================================================================== */

/** A SemVer version as Cargo uses it.  `pre` and `build` are borrowed views
 * into the text it was parsed from (empty when absent). */
typedef struct csec_version {
    uint64_t major;
    uint64_t minor;
    uint64_t patch;
    csec_str pre;
    csec_str build;
} csec_version;

/** Parses strict SemVer (no "v", no spaces, no leading zeros, u64 numbers).
 * Returns 0 or CSEC_EPARSE with the column of the problem in `d`. `out` keeps
 * pointers into `s`, which must outlive it. */
CSEC_API int csec_version_parse(csec_version *out, const char *s, size_t len, csec_diag *d);
/** Total order of the `semver` crate, build metadata as final tie-breaker
 * (spec §2.1). Returns <0, 0 or >0. */
CSEC_API int csec_version_cmp(const csec_version *a, const csec_version *b);
/** Appends the display form (M.m.p[-pre][+build]). */
CSEC_API void csec_version_write(csec_buf *out, const csec_version *v);

/** A comparator operator (spec §2.2). */
typedef enum csec_op {
    CSEC_OP_EXACT,      /* =  */
    CSEC_OP_GREATER,    /* >  */
    CSEC_OP_GREATER_EQ, /* >= */
    CSEC_OP_LESS,       /* <  */
    CSEC_OP_LESS_EQ,    /* <= */
    CSEC_OP_TILDE,      /* ~  */
    CSEC_OP_CARET,      /* ^ (also no operator) */
    CSEC_OP_WILDCARD    /* 1.* or 1.2.* without operator */
} csec_op;

/** One comparator; `pre` is owned by the requirement that holds it. */
typedef struct csec_comparator {
    csec_op op;
    bool has_minor;
    bool has_patch;
    uint64_t major;
    uint64_t minor;
    uint64_t patch;
    csec_str pre;
} csec_comparator;

/** At most this many comparators in one requirement (the semver crate's limit). */
#define CSEC_REQ_MAX_COMPARATORS 32

/** A Cargo version requirement: comparators joined by AND.  Zero comparators
 * means "*" (matches every non-prerelease version). */
typedef struct csec_req {
    size_t count;
    const csec_comparator *comparators;
} csec_req;

/** Parses a requirement (spec §2.2).  On success `*out` is a new requirement
 * that owns copies of everything it needs; free it with csec_req_free.
 * Returns CSEC_EPARSE with a message and column in `d` otherwise. */
CSEC_API int csec_req_parse(csec_req **out, const char *s, size_t len, csec_diag *d);
/** Frees a requirement from csec_req_parse. Accepts NULL. */
CSEC_API void csec_req_free(csec_req *r);
/** Whether `v` matches `r` under the semver crate's rules including the
 * prerelease rule (spec §2.3). */
CSEC_API bool csec_req_matches(const csec_req *r, const csec_version *v);
/** Appends the normalised display form ("^2.2.1", ">=0.7.1, <0.8", "*"). */
CSEC_API void csec_req_write(csec_buf *out, const csec_req *r);

/** A half-open interval [introduced, fixed) of affected versions; a missing
 * bound is unbounded (spec §2.4 step 4). */
typedef struct csec_interval {
    bool has_introduced;
    bool has_fixed;
    csec_version introduced;
    csec_version fixed;
} csec_interval;

/* ======================================================================
 * 5. Advisories (spec §1)
 * ====================================================================== */

typedef enum csec_collection {
    CSEC_COLLECTION_CRATES = 0,
    CSEC_COLLECTION_RUST = 1
} csec_collection;

/** Kinds of informational advisory (spec §1.9.2). NONE = a vulnerability. */
typedef enum csec_informational {
    CSEC_INFO_NONE = 0,
    CSEC_INFO_NOTICE,
    CSEC_INFO_UNMAINTAINED,
    CSEC_INFO_UNSOUND,
    CSEC_INFO_OTHER
} csec_informational;

typedef enum csec_severity {
    CSEC_SEVERITY_NONE = 0,
    CSEC_SEVERITY_LOW,
    CSEC_SEVERITY_MEDIUM,
    CSEC_SEVERITY_HIGH,
    CSEC_SEVERITY_CRITICAL
} csec_severity;

/** A calendar date; year 0 means "absent". */
typedef struct csec_date {
    int year;
    int month;
    int day;
} csec_date;

/** A list of NUL-terminated strings. */
typedef struct csec_strlist {
    const char *const *items;
    size_t count;
} csec_strlist;

/** One `[affected.functions]` entry: a path and the crate versions (as
 * requirements) in which it was vulnerable. */
typedef struct csec_function {
    const char *path;
    const csec_req *const *reqs;
    size_t count;
} csec_function;

/** A parsed CVSS vector (spec §1.9.4). */
typedef struct csec_cvss {
    int version;           /* 2, 30, 31 or 40 */
    const char *canonical; /* canonical display form */
    double score;          /* base score, one decimal */
    csec_severity severity;
} csec_cvss;

/** One advisory.  Read-only; every pointer is owned by the database (or by
 * the csec_advisory_parse result) that holds it.  Absent strings are NULL,
 * absent lists have count 0.  The struct is public rather than opaque because
 * renderers read nearly every field and getters would add nothing. */
typedef struct csec_advisory {
    const char *id;
    const char *package;
    const char *title;       /* from the Markdown "# " line, trailing space trimmed */
    const char *description; /* Markdown body, trimmed */
    csec_date date;
    csec_date withdrawn; /* year 0: not withdrawn */
    csec_collection collection;
    csec_informational informational;
    const char *informational_raw; /* the string as written, NULL if absent */
    const char *url;
    const char *license; /* "CC0-1.0" when absent */
    const char *source;  /* NULL: crates.io */
    bool expect_deleted;
    csec_strlist aliases;
    csec_strlist related;
    csec_strlist references;
    csec_strlist categories;
    csec_strlist keywords;
    const csec_cvss *cvss; /* NULL if none */
    csec_strlist arch;
    csec_strlist os;
    const csec_function *functions; /* sorted segment-wise (spec §1.5) */
    size_t functions_count;
    const csec_req *const *patched;
    size_t patched_count;
    const csec_req *const *unaffected;
    size_t unaffected_count;
    const csec_interval *affected; /* the complement, in order (spec §2.4) */
    size_t affected_count;
    const char *path; /* file path relative to the database root ("crates/x/ID.md") */
    int64_t modified; /* Unix time of the last git change (spec §3.5); -1 unknown */
} csec_advisory;

/** Opaque holder of one advisory parsed on its own (tests, tools). */
typedef struct csec_advisory_doc csec_advisory_doc;

/** Parses one advisory file's text.  `path` is its path ending in
 * "<collection>/<package>/<file>.md" (used for the file-name, directory and
 * collection checks of spec §1.2 and in diagnostics); pass NULL to skip those
 * checks.  Returns 0 and a new document, or CSEC_EPARSE with file, line, column
 * and message in `d`.  Free the document with csec_advisory_doc_free. */
CSEC_API int csec_advisory_parse(csec_advisory_doc **out, const char *path, const char *text,
                                 size_t len, csec_diag *d);
/** The advisory inside a document (borrowed, valid until the document is freed). */
CSEC_API const csec_advisory *csec_advisory_doc_get(const csec_advisory_doc *doc);
/** Frees a document and its advisory. Accepts NULL. */
CSEC_API void csec_advisory_doc_free(csec_advisory_doc *doc);

/** Whether version `v` is affected, using RustSec's interval semantics (spec
 * §2.4).  Ignores withdrawn and informational status: callers decide. */
CSEC_API bool csec_advisory_affects(const csec_advisory *a, const csec_version *v);
/** Calls `cb` with each affected-function path whose requirements match `v`
 * under spec §2.3 (spec §2.5), in order. Returns how many matched. */
CSEC_API size_t csec_advisory_functions_for(const csec_advisory *a, const csec_version *v,
                                            void (*cb)(const char *path, void *payload),
                                            void *payload);
/** Whether the advisory is withdrawn. */
CSEC_API bool csec_advisory_is_withdrawn(const csec_advisory *a);
/** The informational kind as text ("unmaintained"...), or NULL for a vulnerability. */
CSEC_API const char *csec_informational_name(csec_informational k);
/** "none", "low", "medium", "high" or "critical". */
CSEC_API const char *csec_severity_name(csec_severity s);

/** The largest advisory file that is read: a larger one is an error of the
 * load (and of lint).  The largest published advisory is about 10 KB. */
#define CSEC_ADVISORY_MAX_BYTES (256 * 1024)

/** Checks one advisory file like RustSec's linter (spec §5.2) and calls `cb`
 * once per problem (file set, line/col when known).  Parse failures are
 * reported the same way.  Returns the number of problems found. */
CSEC_API size_t csec_advisory_lint(const char *path, const char *text, size_t len, csec_diag_cb cb,
                                   void *payload);

/* ======================================================================
 * 6. The database (spec §1.2, §2.6)
 * ====================================================================== */

typedef struct csec_db csec_db;

/** Load options: start from CSEC_DB_OPTIONS_INIT or csec_db_options_init. */
typedef struct csec_db_options {
    /** CSEC_DB_OPTIONS_VERSION: the layout of this struct the caller was
     * built with.  Set by the initialisers; csec_db_open refuses others. */
    unsigned int version;
    /** Called for every problem of the load (csec_db_error), in load order;
     * the advisories that can be loaded are. */
    csec_diag_cb on_error;
    void *payload;
    /** Fail the whole load at the first bad advisory (RustSec's behaviour). */
    bool strict;
    /** Read `modified` times from the git history of the directory (spec §3.5). */
    bool git_times;
    /** Read only the advisories of these packages of the `crates` collection
     * (any order; nothing of `rust/`), a directory being read when its name
     * is one of these as crates.io compares names (ASCII case and `-`/`_`
     * ignored).  The other package directories are neither read nor checked;
     * csec_db_total counts their files when asked.  For one lockfile's audit
     * (a few hundred of the ~900 packages) and `check NAME` (one).  NULL:
     * read everything. */
    const char *const *packages;
    size_t packages_count;
} csec_db_options;

#define CSEC_DB_OPTIONS_VERSION 1
#define CSEC_DB_OPTIONS_INIT                                                                       \
    {                                                                                              \
        CSEC_DB_OPTIONS_VERSION, NULL, NULL, false, false, NULL, 0                                 \
    }

/** Sets `opts` to the defaults of layout `version` (pass
 * CSEC_DB_OPTIONS_VERSION).  Returns 0, or CSEC_EINVAL for a version this
 * library does not know (then `opts` is untouched). */
CSEC_API int csec_db_options_init(csec_db_options *opts, unsigned int version);

/** Loads the database in directory `path` (which must contain `crates/`).
 * Advisories are ordered by collection, package, then file name, which makes
 * every result deterministic.  `opts` may be NULL.  Returns 0 and a new
 * database (free with csec_db_free), or a negative code with `d` filled.
 * Nothing is written anywhere; no thread is started.
 *
 * What is loaded (one rule, which `cratesec lint` reports against): every
 * file in a directory crates/NAME/ or rust/NAME/ is read and parsed, hidden
 * files (".x") excepted; files directly in crates/ or rust/ are left out.
 * A bad input never hides an advisory that parses and never fails the whole
 * load (unless opts->strict, which makes the first problem fatal, as RustSec
 * does); each problem is kept (csec_db_error) and given to opts->on_error:
 *   - a file that cannot be read, is larger than CSEC_ADVISORY_MAX_BYTES or
 *     does not parse (file:line:col), including a package name crates.io
 *     would refuse (".a", "a b") and a package that is not the name of the
 *     file's directory; the file is not loaded;
 *   - an id already loaded from another file: both files are loaded, and
 *     csec_db_find_all finds both.
 * A database with problems is degraded: csec_db_package_error says which
 * packages cannot be vouched for, so that no caller reports "no known
 * advisories" for them. */
CSEC_API int csec_db_open(csec_db **out, const char *path, const csec_db_options *opts,
                          csec_diag *d);
/** Frees a database and every string and advisory borrowed from it. Accepts NULL. */
CSEC_API void csec_db_free(csec_db *db);

/** Number of loaded advisories (all collections, withdrawn included). */
CSEC_API size_t csec_db_count(const csec_db *db);
/** Advisories in the database directory: csec_db_count after a full load;
 * after a load limited to some packages (csec_db_options.packages), plus the
 * `.md` files of the packages it did not read (drafts and hidden files
 * excluded either way), counted on the first call.  This is cargo-audit's
 * "advisory-count". */
CSEC_API size_t csec_db_total(const csec_db *db);
/** Advisory at position `i` in load order (0 <= i < count). */
CSEC_API const csec_advisory *csec_db_get(const csec_db *db, size_t i);

/** One problem of a load: a file that was not loaded, or an advisory id in
 * more than one file.  It concerns `package` (the directory the file is in)
 * and, when not NULL, `other_package`: the package the file names when that
 * is another, or the package of the first file with the same id. */
typedef struct csec_db_error {
    csec_diag diag; /* what on_error was given: file, line, col, message */
    csec_collection collection;
    const char *package;
    const char *other_package;
} csec_db_error;

/** How many problems the load had (0: not degraded). */
CSEC_API size_t csec_db_error_count(const csec_db *db);
/** Problem `i` in load order (0 <= i < count), or NULL. */
CSEC_API const csec_db_error *csec_db_error_get(const csec_db *db, size_t i);
/** The first problem that concerns package `name` of collection `c` (names
 * compared as crates.io does: ASCII case and `-`/`_` ignored), or NULL.  A
 * package with a problem may have advisories the database could not load:
 * `cratesec check` and `audit` fail for it, and the server does not call it
 * free of advisories. */
CSEC_API const csec_db_error *csec_db_package_error(const csec_db *db, csec_collection c,
                                                    const char *name);

/** Looks up an advisory by its id or one of its aliases (an id wins over an
 * alias; among several, the first in load order).  NULL if unknown. */
CSEC_API const csec_advisory *csec_db_find(const csec_db *db, const char *id_or_alias);
/** Every advisory with that id (a duplicate id is loaded from each file),
 * or, when none has it as id, every advisory with it as an alias: fills
 * `out` with up to `cap` of them in load order and returns how many there
 * are.  A pass over the database; for pages of one advisory. */
CSEC_API size_t csec_db_find_all(const csec_db *db, const char *id_or_alias,
                                 const csec_advisory **out, size_t cap);
/** The advisories of one package in one collection (exact name), in load
 * order.  Returns the array (borrowed) and its length in `*count`, or NULL
 * and 0 when there are none. */
CSEC_API const csec_advisory *const *csec_db_by_package(const csec_db *db, csec_collection c,
                                                        const char *name, size_t *count);
/** The git commit the database directory is at (40 hex) and its committer
 * time, when it is a git checkout; NULL and 0 otherwise.  Asked of git (the
 * git plugin, section 10) on the first call, unless the load read git times,
 * which resolve it at load time. */
CSEC_API const char *csec_db_commit(const csec_db *db, int64_t *commit_time);

/** Lints a whole database (`cratesec lint`): the load's own walk
 * (csec_db_open), reporting every entry it leaves out and every problem it
 * has (duplicate ids, files too large or unreadable), plus every problem of
 * csec_advisory_lint for each file it reads, in load order.  Warnings (code
 * 0, not counted as problems): an alias also claimed by an advisory of
 * another package.  `cb` may be NULL.  Returns 0 with the counts in `out`,
 * or a negative code with `d` filled when `path` is not a database (no
 * crates/ directory). */
typedef struct csec_db_lint_result {
    size_t files;     /* files read and checked */
    size_t bad_files; /* entries with at least one problem */
    size_t problems;
    size_t warnings;
} csec_db_lint_result;

CSEC_API int csec_db_lint(csec_db_lint_result *out, const char *path, csec_diag_cb cb,
                          void *payload, csec_diag *d);

/** A query (spec §2.6).  Unset filters (NULL / 0 / CSEC_ANY) pass. */
typedef enum csec_tristate { CSEC_ANY = 0, CSEC_NO = 1, CSEC_YES = 2 } csec_tristate;

typedef struct csec_query {
    int collection; /* -1 any, else csec_collection */
    const char *package;
    const csec_version *version;
    const char *category;
    const char *keyword;
    csec_severity severity_threshold; /* NONE: no filter */
    const char *const *arch;
    size_t arch_count;
    const char *const *os;
    size_t os_count;
    int year; /* 0: any */
    csec_tristate withdrawn;
    csec_tristate informational;
} csec_query;

/** All advisories, any collection, no filter. */
#define CSEC_QUERY_INIT                                                                            \
    {                                                                                              \
        -1, NULL, NULL, NULL, NULL, CSEC_SEVERITY_NONE, NULL, 0, NULL, 0, 0, CSEC_ANY, CSEC_ANY    \
    }
/** RustSec's Query::crate_scope(): crates only, not withdrawn, not informational. */
#define CSEC_QUERY_CRATE_SCOPE                                                                     \
    {                                                                                              \
        CSEC_COLLECTION_CRATES, NULL, NULL, NULL, NULL, CSEC_SEVERITY_NONE, NULL, 0, NULL, 0, 0,   \
            CSEC_NO, CSEC_NO                                                                       \
    }

/** Whether one advisory passes every set filter of `q`. */
CSEC_API bool csec_query_matches(const csec_query *q, const csec_advisory *a);
/** Calls `cb` for each matching advisory in load order; returns the count. */
CSEC_API size_t csec_db_query(const csec_db *db, const csec_query *q,
                              void (*cb)(const csec_advisory *a, void *payload), void *payload);

/* ======================================================================
 * 7. Rendering: OSV (spec §3) and JSON
 * ====================================================================== */

/** Appends the OSV record of one advisory, byte for byte as RustSec's
 * exporter writes it (pretty, 2-space indent, no trailing newline), with
 * `indent` extra levels of indentation for embedding in an array.
 * Returns CSEC_EINVAL for advisories OSV skips (rust collection, Other kind). */
CSEC_API int csec_osv_write(csec_buf *out, const csec_advisory *a, int indent);
/** Appends the per-crate OSV array (RustSec's `packages/<crate>.json`).
 * Returns CSEC_ENOTFOUND when the crate has no exported advisory. */
CSEC_API int csec_osv_write_package(csec_buf *out, const csec_db *db, const char *package);
/** Writes OUTDIR/<ID>.json for every exportable advisory.  Returns 0 or
 * CSEC_EIO with `d` naming the file. Counts files in `*written` if non-NULL. */
CSEC_API int csec_osv_export(const csec_db *db, const char *outdir, size_t *written, csec_diag *d);

/** Appends `s` (length `len`) as a JSON string literal with quotes, escaped
 * as serde_json does (raw UTF-8, \u00xx for other controls). */
CSEC_API void csec_json_string(csec_buf *out, const char *s, size_t len);

/* ======================================================================
 * 8. Version of the library
 * ====================================================================== */

#define CSEC_VERSION_MAJOR 0
#define CSEC_VERSION_MINOR 1
#define CSEC_VERSION_PATCH 0
#define CSEC_VERSION_STRING "0.1.0"

/** Returns CSEC_VERSION_STRING of the library actually linked. */
CSEC_API const char *csec_version_string(void);

/* ======================================================================
 * 9. Lockfile audit (spec §4): `cargo audit` over a Cargo.lock
 *
 *     csec_lockfile *lf = NULL;
 *     csec_audit_report *r = NULL;
 *     csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
 *     if (csec_lockfile_open(&lf, "Cargo.lock", &diag) < 0) ... (exit 2)
 *     csec_audit(&r, db, lf, &o, &diag);
 *     csec_buf out = CSEC_BUF_INIT;
 *     csec_audit_write_json(&out, r);          (or _text, _sarif)
 *     int status = csec_audit_status(r);       (0 or 1, spec §4.5)
 *     csec_audit_report_free(r);
 *     csec_lockfile_free(lf);
 * ====================================================================== */

/** The kind of a lockfile package's `source` (spec §4.3). */
typedef enum csec_source_kind {
    CSEC_SOURCE_NONE = 0, /* no `source`: a workspace member or a path dependency */
    CSEC_SOURCE_REGISTRY, /* registry+URL */
    CSEC_SOURCE_SPARSE,   /* sparse+URL */
    CSEC_SOURCE_GIT,      /* git+URL[?branch=|rev=|tag=...][#commit] */
    CSEC_SOURCE_PATH      /* path+URL */
} csec_source_kind;

/** One entry of a package's `dependencies`, resolved as Cargo does (spec
 * §4.3): abbreviated v2+ entries take the version and source of the first
 * package of that name (and version, when given). */
typedef struct csec_lock_dep {
    const char *name;
    const char *version; /* never NULL after a successful parse */
    const char *source;  /* NULL: none */
    /** Index of the package it names (csec_lockfile_get), or SIZE_MAX when
     * no entry of the lockfile matches (the dependency tree stops there). */
    size_t package;
} csec_lock_dep;

/** One `[[package]]`.  Strings are owned by the lockfile. */
typedef struct csec_lock_package {
    const char *name;
    const char *version_text; /* as written */
    csec_version version;     /* parsed strictly (spec §2.1); views into version_text */
    const char *source;       /* as written, NULL when absent */
    csec_source_kind source_kind;
    const char *source_url; /* the URL without kind, query and fragment; NULL when no source */
    /** The default crates.io registry: `registry+https://github.com/rust-lang/crates.io-index`
     * or `sparse+https://index.crates.io/`.  Only these packages are audited. */
    bool crates_io;
    const char *checksum; /* 64 hex digits, or NULL (v1: from [metadata]) */
    const csec_lock_dep *deps;
    size_t deps_count;
    const csec_lock_dep *replace; /* NULL when absent */
    uint32_t line, col;           /* where its [[package]] header is, for reports */
} csec_lock_package;

typedef struct csec_lockfile csec_lockfile;

/** Parses a Cargo.lock of format v1 to v4 (spec §4.3).  `path` names the
 * file in diagnostics (may be NULL).  Returns 0 and a new lockfile (free with
 * csec_lockfile_free), or CSEC_EPARSE with the line, column and message of
 * the first problem in `d` (TOML syntax, wrong types, bad versions, checksums,
 * sources or dependency strings, unresolvable dependencies). */
CSEC_API int csec_lockfile_parse(csec_lockfile **out, const char *path, const char *text,
                                 size_t len, csec_diag *d);
/** The largest lockfile read (a lockfile of 10,000 packages is about 3 MB). */
#define CSEC_LOCKFILE_MAX_BYTES (32 * 1024 * 1024)
/** Reads and parses the file at `path`: CSEC_EIO when it cannot be read,
 * CSEC_EINVAL when it is larger than CSEC_LOCKFILE_MAX_BYTES (a device such
 * as /dev/zero included: it is not read past the limit). */
CSEC_API int csec_lockfile_open(csec_lockfile **out, const char *path, csec_diag *d);
/** Frees a lockfile. Accepts NULL. */
CSEC_API void csec_lockfile_free(csec_lockfile *lf);
/** The format version, 1 to 4 (detected as spec §4.3 says when absent). */
CSEC_API int csec_lockfile_format(const csec_lockfile *lf);
/** The number of `[[package]]` entries (v1's [root] excluded), and entry `i`
 * in file order. */
CSEC_API size_t csec_lockfile_count(const csec_lockfile *lf);
CSEC_API const csec_lock_package *csec_lockfile_get(const csec_lockfile *lf, size_t i);
/** v1's `[root]` package, or NULL. */
CSEC_API const csec_lock_package *csec_lockfile_root(const csec_lockfile *lf);
/** The shortest chain of dependents from a root package (one nothing in the
 * lockfile depends on, or v1's [root]) down to `p`: fills `out` with up to
 * `cap` packages, root first and `p` last, and returns the chain's full
 * length (1 when `p` is itself a root or no root reaches it).  Ties go to the
 * dependent that comes first in the file. */
CSEC_API size_t csec_lockfile_path(const csec_lockfile *lf, const csec_lock_package *p,
                                   const csec_lock_package **out, size_t cap);

/** Warning kinds, in the order cargo-audit's report lists them (spec §4.4). */
typedef enum csec_warning_kind {
    CSEC_WARNING_NOTICE = 0,
    CSEC_WARNING_UNMAINTAINED = 1,
    CSEC_WARNING_UNSOUND = 2,
    CSEC_WARNING_YANKED = 3
} csec_warning_kind;

#define CSEC_WARNING_KINDS 4
/** The bit of a warning kind in csec_audit_options masks. */
#define CSEC_WARNING_BIT(kind) (1u << (kind))

/** Says whether crates.io version `version` of crate `name` is yanked: 1 yes,
 * 0 no, negative when the crate or version is unknown (the audit counts it
 * in `yanked_unknown` and goes on, as cargo-audit does). */
typedef int (*csec_yanked_cb)(const char *name, const char *version, void *payload);

/** What to audit and what fails (cargo-audit's settings, spec §4.1).  Start
 * from CSEC_AUDIT_OPTIONS_INIT or csec_audit_options_init. */
typedef struct csec_audit_options {
    /** CSEC_AUDIT_OPTIONS_VERSION: the layout of this struct the caller was
     * built with.  Set by the initialisers; csec_audit refuses others. */
    unsigned int version;
    /** Advisory ids to leave out.  Each must be a valid id of any kind (spec
     * §1.7: RUSTSEC-, CVE-, GHSA-...); as in cargo-audit, an advisory is left
     * out only when its own id is listed, not one of its aliases. */
    const char *const *ignore;
    size_t ignore_count;
    /** Target filters (spec §2.6 item 6): when set, advisories restricted to
     * other architectures / operating systems are left out. */
    const char *const *target_arch;
    size_t target_arch_count;
    const char *const *target_os;
    size_t target_os_count;
    /** Leave out advisories whose CVSS severity is below this (NONE: all). */
    csec_severity severity_threshold;
    /** Informational kinds reported as warnings: bits of NOTICE, UNMAINTAINED
     * and UNSOUND (default all three). */
    unsigned informational_warnings;
    /** Warning kinds that fail the audit: bits of UNMAINTAINED, UNSOUND and
     * YANKED (`--deny warnings` is all three; a notice is never denied).  A
     * denied informational kind is also reported. */
    unsigned deny;
    /** The yanked check; NULL skips it (no index). */
    csec_yanked_cb yanked;
    void *yanked_payload;
} csec_audit_options;

#define CSEC_AUDIT_OPTIONS_VERSION 1
#define CSEC_AUDIT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CSEC_AUDIT_OPTIONS_VERSION, NULL, 0, NULL, 0, NULL, 0, CSEC_SEVERITY_NONE, 7u, 0u, NULL,   \
            NULL                                                                                   \
    }

/** Sets `opts` to the defaults of layout `version` (pass
 * CSEC_AUDIT_OPTIONS_VERSION).  Returns 0, or CSEC_EINVAL for a version this
 * library does not know (then `opts` is untouched). */
CSEC_API int csec_audit_options_init(csec_audit_options *opts, unsigned int version);

/** One finding: a vulnerability (kind -1) or a warning. */
typedef struct csec_audit_finding {
    const csec_lock_package *package;
    const csec_advisory *advisory; /* NULL for yanked */
    int kind;                      /* -1 vulnerability, else a csec_warning_kind */
    bool denied;                   /* a warning whose kind is denied */
} csec_audit_finding;

/** The result of an audit.  Borrows the database and the lockfile, which
 * must outlive it. */
typedef struct csec_audit_report {
    const csec_db *db;
    const csec_lockfile *lockfile;
    /** In lockfile order, then the database's advisory order. */
    const csec_audit_finding *vulnerabilities;
    size_t vulnerabilities_count;
    /** By kind (notice, unmaintained, unsound, yanked), then as above
     * (yanked: by name, version and source). */
    const csec_audit_finding *warnings;
    size_t warnings_count;
    size_t denied_count;   /* warnings with `denied` set */
    bool yanked_checked;   /* a yanked callback was given */
    size_t yanked_unknown; /* packages the yanked callback did not know */
} csec_audit_report;

/** Audits every crates.io package of `lf` against `db` (spec §4.4).  Both
 * crates.io source spellings are audited (rustsec itself never matches an
 * advisory to a `sparse+` package, spec §2.6; Cargo does not write them).
 * Returns 0 and a new report (free with csec_audit_report_free), or
 * CSEC_EINVAL with a message in `d` for an --ignore value that is not an
 * advisory id or options of an unknown version.  `opts` may be NULL (defaults). */
CSEC_API int csec_audit(csec_audit_report **out, const csec_db *db, const csec_lockfile *lf,
                        const csec_audit_options *opts, csec_diag *d);
/** Frees a report (not the database or lockfile it borrows). Accepts NULL. */
CSEC_API void csec_audit_report_free(csec_audit_report *r);
/** What csec_audit reports for advisory `a` at version `v` of a crates.io
 * package named as the advisory's, under `opts` (NULL: defaults): -1 a
 * vulnerability, a csec_warning_kind (notice, unmaintained, unsound) for a
 * warning, or -2 when the audit leaves it out (another collection or
 * registry, withdrawn, below the severity threshold, other targets, ignored,
 * a kind not reported, or `v` not affected).  The one rule csec_audit applies
 * to each package and advisory, for callers that hold versions without a
 * lockfile (watch lists).  `opts->ignore` is not validated here. */
CSEC_API int csec_audit_classify(const csec_advisory *a, const csec_version *v,
                                  const csec_audit_options *opts);

/** cargo-audit's exit status (spec §4.5): 1 when a vulnerability or a denied
 * warning was found, else 0. */
CSEC_API int csec_audit_status(const csec_audit_report *r);

/** Appends cargo-audit's JSON report (spec §4.6), one line and "\n". */
CSEC_API void csec_audit_write_json(csec_buf *out, const csec_audit_report *r);
/** Appends a SARIF 2.1.0 log (one rule per advisory, one result per finding,
 * located at the package's line in `lockfile_uri`), pretty, ending in "\n". */
CSEC_API void csec_audit_write_sarif(csec_buf *out, const csec_audit_report *r,
                                     const char *lockfile_uri);

#define CSEC_AUDIT_TEXT_COLOR 1u   /* ANSI colours as cargo-audit on a terminal */
#define CSEC_AUDIT_TEXT_NO_TREE 2u /* leave out the dependency trees */
/** Appends cargo-audit's terminal report (spec §4.7) without the status lines:
 * the findings and the `warning:` footer to `out`, the `error:` footer lines
 * to `err` (stdout and stderr in cargo-audit).  Each finding also gets a
 * `Via:` line with csec_lockfile_path's chain. */
CSEC_API void csec_audit_write_text(csec_buf *out, csec_buf *err, const csec_audit_report *r,
                                    unsigned flags);

/* ======================================================================
 * 10. Syncing the database (libgit2)
 *
 *     csec_sync_result r;
 *     if (csec_sync(&r, "advisory-db", NULL, NULL, NULL, &diag) < 0) ... (old checkout kept)
 *     if (csec_sync_verify("advisory-db", commit, &diag) == 0) ... (safe to load)
 *
 * Clones go to a temporary sibling directory renamed into place when whole,
 * so DIR never holds half a clone.  A fetch writes nothing to the checkout
 * until the new commit's objects are all present.
 * ====================================================================== */

#define CSEC_DB_UPSTREAM_URL "https://github.com/rustsec/advisory-db.git"

typedef struct csec_sync_progress {
    const char *phase; /* "connecting", "receiving", "resolving", "checkout", "done" */
    size_t total_objects, received_objects, indexed_objects;
    uint64_t received_bytes;
    size_t checkout_done, checkout_total;
    double elapsed_s; /* since csec_sync started */
} csec_sync_progress;

/** Called often (rate-limit printing yourself); return nonzero to cancel
 * (honoured while connecting and receiving; a checkout runs to its end). */
typedef int (*csec_sync_progress_cb)(const csec_sync_progress *p, void *payload);

typedef struct csec_sync_result {
    char old_commit[41]; /* "" when freshly cloned */
    char new_commit[41];
    bool cloned;  /* DIR did not exist or was empty */
    bool changed; /* new_commit differs from old_commit */
} csec_sync_result;

/** Clones `url` into `dir` when dir is missing or empty; otherwise fetches
 * from `url` (NULL: the repository's `origin`, or CSEC_DB_UPSTREAM_URL when
 * cloning) and moves the checkout to the fetched default branch head (hard
 * reset: the working tree of crates/ and rust/ then equals the commit, files
 * the commit lacks removed there).  A failed fetch leaves the checkout
 * untouched.  An existing local path as `url` is made absolute (and cloned
 * by copying its objects, so without object counts; file:// URLs go through
 * the transport); `url.<base>.insteadOf` is not applied.  Returns 0, or a
 * negative CSEC_E* code with `d->file` = dir and a message ("cannot fetch
 * URL: ...", "not a git repository"...): CSEC_ENOTFOUND when dir is not a
 * git repository, CSEC_EINVAL for a dir that is not a directory or has no
 * `origin` while `url` is NULL, CSEC_ERROR when the callback cancelled,
 * CSEC_EIO otherwise. */
CSEC_API int csec_sync(csec_sync_result *out, const char *dir, const char *url,
                       csec_sync_progress_cb cb, void *payload, csec_diag *d);

/** Whether the checkout in `dir` is whole: its HEAD commit in `commit` (41
 * bytes, "" when unknown), and 0 when every file a load reads under crates/
 * and rust/ is that commit's, byte for byte, and every file of that commit
 * there exists (a file the commit lacks counts as added; files a load leaves
 * out, such as hidden ones, are not compared); the work is a load that
 * hashes what it reads;
 * CSEC_EPARSE with `d->file` = dir and a message like "3 files differ from
 * commit abc1234 (first: crates/foo/RUSTSEC-...md modified)" when a checkout
 * is half-written or edited; CSEC_ENOTFOUND when dir is not a git repository
 * (the caller then skips the check); CSEC_EIO when git cannot read it. */
CSEC_API int csec_sync_verify(const char *dir, char commit[41], csec_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* CRATESEC_H */
