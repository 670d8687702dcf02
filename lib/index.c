/* index.c - Cargo registry index reader (see index.h). */
#include "index.h"

#include "crate_name.h"
#include "files.h"
#include "jsonparse.h"
#include "map.h"
#include "text.h"

#include <dirent.h> /* DT_DIR */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- byte pool over the arena ----
 *
 * The arena rounds every allocation to 16 bytes, which would double the size
 * of the typical short interned string; the pool carves big arena chunks at
 * the alignment each object needs. */

#define POOL_CHUNK (256 * 1024)

typedef struct pool {
    char *cur;
    size_t left;
} pool;

static void *pool_alloc(pool *p, csec_arena *a, size_t n, size_t align)
{
    size_t pad = (size_t)(-(uintptr_t)p->cur & (align - 1));
    if (p->cur && pad <= p->left && n <= p->left - pad) {
        char *r = p->cur + pad;
        p->cur = r + n;
        p->left -= pad + n;
        return r;
    }
    if (n > POOL_CHUNK / 8)
        return csec__arena_alloc(a, n); /* a block of its own; 16-aligned */
    p->cur = csec__arena_alloc(a, POOL_CHUNK);
    p->left = POOL_CHUNK;
    char *r = p->cur;
    p->cur += n;
    p->left -= n;
    return r;
}

/* ---- interning ----
 *
 * One map per kind takes byte strings to their single stored copy.  Keys are
 * the stored objects themselves: a string's bytes, or the bytes of an array
 * of pointers to interned things (so equal contents mean equal bytes).
 * Strings and binary blobs use separate maps so a blob is never returned
 * where a string was asked for, or the other way round. */

/* ---- the index ---- */

typedef struct crate_rec {
    csec_index_crate pub;
    size_t pos; /* position in idx->crates */
} crate_rec;

/* A version being collected from one file, with its line for diagnostics. */
typedef struct vtmp {
    csec_index_version v;
    uint32_t line;
} vtmp;

typedef struct ftmp {
    const char *name;
    csec_strlist values;
    uint32_t order; /* keeps `features` before `features2` when sorting */
} ftmp;

struct csec_index {
    csec_arena arena;
    pool pool;
    csec_map strings;
    csec_map blobs;
    csec_index_options opts;

    crate_rec **crates;
    size_t ncrates, capcrates;
    csec_map by_name; /* crate name (crates.io's equivalence) -> crate_rec */
    size_t nversions;

    csec_index_stats stats;
    const char *dl, *api;
    bool auth_required;

    /* The sparse HTTP client (index_sparse.c), when there is one. */
    void *remote;
    void (*remote_free)(void *);

    /* Scratch reused for every file and line. */
    vtmp *vt;
    size_t nvt, capvt;
    const void **ptrs; /* a list being built: dependency or string pointers */
    size_t nptrs, capptrs;
    ftmp *feats;
    size_t nfeats, capfeats;
    csec_buf name, vers;
    size_t name_off, vers_off; /* byte offsets of their values in the line */
    const char *crate_name;    /* canonical name of the file being read, in pool */
};

static const char *intern_str(csec_index *ix, const char *s, size_t len)
{
    if (len > UINT32_MAX) /* longer than a map key may be: stored, not shared */
        return csec__arena_strndup(&ix->arena, s, len);
    bool added;
    csec_map_entry *e = csec__map_put(&ix->strings, s, len, &added);
    if (added) {
        char *copy = pool_alloc(&ix->pool, &ix->arena, len + 1, 1);
        memcpy(copy, s, len);
        copy[len] = '\0';
        e->key = copy;
    }
    return e->key;
}

/* Interns `len` bytes of pointer-aligned data (an array of pointers or of
 * structs made of pointers and small integers, padding zeroed). */
static const void *intern_blob(csec_index *ix, const void *data, size_t len)
{
    if (len == 0)
        return NULL;
    if (len > UINT32_MAX) {
        void *copy = csec__arena_alloc(&ix->arena, len);
        memcpy(copy, data, len);
        return copy;
    }
    bool added;
    csec_map_entry *e = csec__map_put(&ix->blobs, data, len, &added);
    if (added) {
        void *copy = pool_alloc(&ix->pool, &ix->arena, len, sizeof(void *));
        memcpy(copy, data, len);
        e->key = copy;
    }
    return e->key;
}

static void report(csec_index *ix, const char *path, uint32_t line, uint32_t col, const char *fmt,
                   ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void report(csec_index *ix, const char *path, uint32_t line, uint32_t col, const char *fmt,
                   ...)
{
    if (!ix->opts.on_error)
        return;
    csec_diag d;
    csec__diag_clear(&d);
    snprintf(d.file, sizeof d.file, "%s", path ? path : "");
    d.line = line;
    d.col = col;
    d.code = CSEC_EPARSE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d.msg, sizeof d.msg, fmt, ap);
    va_end(ap);
    ix->opts.on_error(&d, ix->opts.payload);
}

static void report_reader(csec_index *ix, const csec__json_reader *r, const char *path,
                          uint32_t line)
{
    if (!ix->opts.on_error)
        return;
    csec_diag d;
    csec__diag_clear(&d);
    csec__json_reader_diag(r, &d, path ? path : "", line - 1, 0);
    ix->opts.on_error(&d, ix->opts.payload);
}

/* ---- names ---- */

size_t csec__index_path_for(char *out, size_t n, const char *name)
{
    size_t len = strlen(name);
    char low[4];
    if (len == 0)
        return 0;
    for (size_t i = 0; i < 4 && i < len; i++)
        low[i] = (char)csec__ascii_lower((unsigned char)name[i]);
    int w;
    if (len == 1)
        w = snprintf(out, n, "1/");
    else if (len == 2)
        w = snprintf(out, n, "2/");
    else if (len == 3)
        w = snprintf(out, n, "3/%c/", low[0]);
    else
        w = snprintf(out, n, "%.2s/%.2s/", low, low + 2);
    if (w < 0 || (size_t)w + len >= n)
        return 0;
    for (size_t i = 0; i <= len; i++)
        out[w + i] = (char)csec__ascii_lower((unsigned char)name[i]);
    return (size_t)w + len;
}

/* ---- one line ---- */

#define KEY_IS(r, lit)                                                                             \
    ((r)->str.len == sizeof(lit) - 1 && memcmp((r)->str.ptr, lit, sizeof(lit) - 1) == 0)

static void ptrs_push(csec_index *ix, const void *p)
{
    if (ix->nptrs == ix->capptrs) {
        ix->capptrs = ix->capptrs ? ix->capptrs * 2 : 64;
        ix->ptrs = csec__xrealloc(ix->ptrs, csec__mul(ix->capptrs, sizeof *ix->ptrs));
    }
    ix->ptrs[ix->nptrs++] = p;
}

/* Interns the `n` pointers pushed since `base` (NULL when none: ptrs may
 * still be NULL then). */
static const void *intern_ptrs(csec_index *ix, size_t base, size_t n)
{
    return n ? intern_blob(ix, ix->ptrs + base, n * sizeof *ix->ptrs) : NULL;
}

/* Reads an array of strings (the next token must begin it) into an interned
 * list.  null is accepted as the empty list. */
static int read_strlist(csec_index *ix, csec__json_reader *r, csec_strlist *out)
{
    size_t base = ix->nptrs;
    csec__json_tok t = csec__json_reader_next(r);
    out->items = NULL;
    out->count = 0;
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_ARRAY_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "expected an array of strings");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_ARRAY_END)
            break;
        if (t != CSEC__JSON_TOK_STRING) {
            csec__json_reader_fail(r, r->tok_off, "expected a string");
            ix->nptrs = base;
            return -1;
        }
        ptrs_push(ix, intern_str(ix, r->str.ptr, r->str.len));
    }
    out->count = ix->nptrs - base;
    out->items = intern_ptrs(ix, base, out->count);
    ix->nptrs = base;
    return 0;
}

/* Reads a string or null (NULL) into an interned string. */
static int read_opt_str(csec_index *ix, csec__json_reader *r, const char **out)
{
    csec__json_tok t = csec__json_reader_next(r);
    *out = NULL;
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_STRING) {
        csec__json_reader_fail(r, r->tok_off, "expected a string or null");
        return -1;
    }
    *out = intern_str(ix, r->str.ptr, r->str.len);
    return 0;
}

static int read_bool(csec__json_reader *r, bool *out)
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t == CSEC__JSON_TOK_TRUE || t == CSEC__JSON_TOK_FALSE) {
        *out = t == CSEC__JSON_TOK_TRUE;
        return 0;
    }
    csec__json_reader_fail(r, r->tok_off, "expected true or false");
    return -1;
}

/* Reads one dependency object (its '{' already read) into an interned record. */
static const csec_index_dep *read_dep(csec_index *ix, csec__json_reader *r)
{
    csec_index_dep dep;
    const char *name = NULL, *package = NULL;
    size_t start = r->tok_off;
    memset(&dep, 0, sizeof dep); /* the record is its own interning key: padding must be 0 */
    dep.default_features = true;
    for (;;) {
        csec__json_tok t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            break;
        if (t != CSEC__JSON_TOK_KEY)
            return NULL;
        int rc = 0;
        if (KEY_IS(r, "name")) {
            rc = read_opt_str(ix, r, &name);
        } else if (KEY_IS(r, "req")) {
            rc = read_opt_str(ix, r, &dep.req);
        } else if (KEY_IS(r, "features")) {
            rc = read_strlist(ix, r, &dep.features);
        } else if (KEY_IS(r, "optional")) {
            rc = read_bool(r, &dep.optional);
        } else if (KEY_IS(r, "default_features")) {
            rc = read_bool(r, &dep.default_features);
        } else if (KEY_IS(r, "target")) {
            rc = read_opt_str(ix, r, &dep.target);
        } else if (KEY_IS(r, "registry")) {
            rc = read_opt_str(ix, r, &dep.registry);
        } else if (KEY_IS(r, "package")) {
            rc = read_opt_str(ix, r, &package);
        } else if (KEY_IS(r, "kind")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "normal"))
                dep.kind = CSEC_INDEX_DEP_NORMAL;
            else if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "build"))
                dep.kind = CSEC_INDEX_DEP_BUILD;
            else if (t == CSEC__JSON_TOK_STRING && KEY_IS(r, "dev"))
                dep.kind = CSEC_INDEX_DEP_DEV;
            else if (t != CSEC__JSON_TOK_NULL)
                rc = csec__json_reader_fail(
                    r, r->tok_off, "dependency kind must be \"normal\", \"build\" or \"dev\"");
        } else {
            /* Fields added by later Cargo versions are ignored, as Cargo does. */
            if (csec__json_reader_skip(r) == CSEC__JSON_TOK_ERROR)
                rc = -1;
        }
        if (rc < 0)
            return NULL;
    }
    if (!name || !dep.req) {
        csec__json_reader_fail(r, start,
                               name ? "dependency without \"req\"" : "dependency without \"name\"");
        return NULL;
    }
    if (package) {
        dep.name = package;
        dep.rename = name;
    } else {
        dep.name = name;
    }
    return intern_blob(ix, &dep, sizeof dep);
}

static int read_deps(csec_index *ix, csec__json_reader *r, csec_index_version *v)
{
    size_t base = ix->nptrs;
    csec__json_tok t = csec__json_reader_next(r);
    if (t != CSEC__JSON_TOK_ARRAY_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "\"deps\" must be an array");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_ARRAY_END)
            break;
        const csec_index_dep *dep = NULL;
        if (t == CSEC__JSON_TOK_OBJECT_BEGIN)
            dep = read_dep(ix, r);
        else
            csec__json_reader_fail(r, r->tok_off, "a dependency must be an object");
        if (!dep) {
            ix->nptrs = base;
            return -1;
        }
        ptrs_push(ix, dep);
    }
    size_t n = ix->nptrs - base;
    if (n > UINT32_MAX) {
        ix->nptrs = base;
        csec__json_reader_fail(r, r->tok_off, "too many dependencies");
        return -1;
    }
    v->deps = intern_ptrs(ix, base, n);
    v->deps_count = (uint32_t)n;
    ix->nptrs = base;
    return 0;
}

/* Reads a feature map ("features" or "features2") into ix->feats. */
static int read_features(csec_index *ix, csec__json_reader *r)
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t == CSEC__JSON_TOK_NULL)
        return 0;
    if (t != CSEC__JSON_TOK_OBJECT_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "a feature map must be an object");
        return -1;
    }
    for (;;) {
        t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            return 0;
        if (t != CSEC__JSON_TOK_KEY)
            return -1;
        if (ix->nfeats == ix->capfeats) {
            ix->capfeats = ix->capfeats ? ix->capfeats * 2 : 32;
            ix->feats = csec__xrealloc(ix->feats, csec__mul(ix->capfeats, sizeof *ix->feats));
        }
        ftmp *f = &ix->feats[ix->nfeats];
        f->name = intern_str(ix, r->str.ptr, r->str.len);
        f->order = (uint32_t)ix->nfeats;
        if (read_strlist(ix, r, &f->values) < 0)
            return -1;
        ix->nfeats++;
    }
}

static int ftmp_cmp(const void *a, const void *b)
{
    const ftmp *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts and merges ix->feats into the version's interned feature map. */
static void finish_features(csec_index *ix, csec_index_version *v)
{
    size_t n = ix->nfeats, out = 0;
    if (n == 0) {
        v->features = NULL;
        v->features_count = 0;
        return;
    }
    /* Index files write `features` sorted already: skip the sort then. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = strcmp(ix->feats[i - 1].name, ix->feats[i].name) < 0;
    if (!sorted)
        qsort(ix->feats, n, sizeof *ix->feats, ftmp_cmp);
    csec_index_feature *fs = csec__xmalloc(csec__mul(n, sizeof *fs));
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(ix->feats[j].name, ix->feats[i].name) == 0)
            j++;
        csec_strlist vals = ix->feats[i].values;
        if (j - i > 1) {
            /* A name given more than once (features and features2): the
             * values of all, in order. */
            size_t base = ix->nptrs;
            for (size_t k = i; k < j; k++)
                for (size_t m = 0; m < ix->feats[k].values.count; m++)
                    ptrs_push(ix, ix->feats[k].values.items[m]);
            vals.count = ix->nptrs - base;
            vals.items = intern_ptrs(ix, base, vals.count);
            ix->nptrs = base;
        }
        memset(&fs[out], 0, sizeof fs[out]);
        fs[out].name = ix->feats[i].name;
        fs[out].values = vals;
        out++;
        i = j;
    }
    v->features = intern_blob(ix, fs, out * sizeof *fs);
    v->features_count = (uint32_t)out;
    free(fs);
}

static int read_cksum(csec__json_reader *r, uint8_t out[32])
{
    csec__json_tok t = csec__json_reader_next(r);
    if (t != CSEC__JSON_TOK_STRING || r->str.len != 64)
        goto bad;
    for (size_t i = 0; i < 64; i++) {
        int x = csec__hexval((unsigned char)r->str.ptr[i]);
        if (x < 0)
            goto bad;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | x : x << 4);
    }
    return 0;
bad:
    csec__json_reader_fail(r, r->tok_off, "\"cksum\" must be 64 hex digits");
    return -1;
}

enum { LINE_OK = 0, LINE_BAD = -1, LINE_UNSUPPORTED = 1 };

/* Parses one line into `v`; the name and version text are left in ix->name
 * and ix->vers.  LINE_BAD leaves the reason in the reader. */
static int read_line(csec_index *ix, csec__json_reader *r, csec_index_version *v)
{
    enum { HAVE_NAME = 1, HAVE_VERS = 2, HAVE_CKSUM = 4 };
    unsigned have = 0;
    int64_t schema = 1;
    memset(v, 0, sizeof *v);
    ix->nfeats = 0;
    if (csec__json_reader_next(r) != CSEC__JSON_TOK_OBJECT_BEGIN) {
        csec__json_reader_fail(r, r->tok_off, "a line must be a JSON object");
        return LINE_BAD;
    }
    for (;;) {
        csec__json_tok t = csec__json_reader_next(r);
        if (t == CSEC__JSON_TOK_OBJECT_END)
            break;
        if (t != CSEC__JSON_TOK_KEY)
            return LINE_BAD;
        int rc = 0;
        if (KEY_IS(r, "name") || KEY_IS(r, "vers")) {
            bool is_name = r->str.ptr[0] == 'n';
            if (csec__json_reader_next(r) != CSEC__JSON_TOK_STRING) {
                csec__json_reader_fail(r, r->tok_off, "expected a string");
                return LINE_BAD;
            }
            *(is_name ? &ix->name_off : &ix->vers_off) = r->tok_off;
            csec_buf *b = is_name ? &ix->name : &ix->vers;
            csec_buf_clear(b);
            csec_buf_put(b, r->str.ptr, r->str.len);
            have |= is_name ? HAVE_NAME : HAVE_VERS;
        } else if (KEY_IS(r, "deps")) {
            rc = read_deps(ix, r, v);
        } else if (KEY_IS(r, "cksum")) {
            rc = read_cksum(r, v->cksum);
            have |= HAVE_CKSUM;
        } else if (KEY_IS(r, "features") || KEY_IS(r, "features2")) {
            rc = read_features(ix, r);
        } else if (KEY_IS(r, "yanked")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_TRUE || t == CSEC__JSON_TOK_FALSE)
                v->yanked = t == CSEC__JSON_TOK_TRUE;
            else if (t != CSEC__JSON_TOK_NULL)
                rc = csec__json_reader_fail(r, r->tok_off, "\"yanked\" must be a boolean");
        } else if (KEY_IS(r, "links")) {
            rc = read_opt_str(ix, r, &v->links);
        } else if (KEY_IS(r, "rust_version")) {
            rc = read_opt_str(ix, r, &v->rust_version);
        } else if (KEY_IS(r, "pubtime")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_STRING) {
                /* Unique per version: copied, not interned. */
                char *s = pool_alloc(&ix->pool, &ix->arena, r->str.len + 1, 1);
                memcpy(s, r->str.ptr, r->str.len);
                s[r->str.len] = '\0';
                v->pubtime = s;
            } else if (t != CSEC__JSON_TOK_NULL) {
                rc = csec__json_reader_fail(r, r->tok_off, "\"pubtime\" must be a string");
            }
        } else if (KEY_IS(r, "v")) {
            t = csec__json_reader_next(r);
            if (t == CSEC__JSON_TOK_INT && r->num_i >= 0)
                schema = r->num_i;
            else
                rc = csec__json_reader_fail(r, r->tok_off, "\"v\" must be a non-negative integer");
        } else {
            if (csec__json_reader_skip(r) == CSEC__JSON_TOK_ERROR)
                rc = -1;
        }
        if (rc < 0)
            return LINE_BAD;
    }
    if (csec__json_reader_next(r) != CSEC__JSON_TOK_END)
        return LINE_BAD;
    if ((have & (HAVE_NAME | HAVE_VERS | HAVE_CKSUM)) != (HAVE_NAME | HAVE_VERS | HAVE_CKSUM)) {
        csec__json_reader_fail(r, 0,
                               !(have & HAVE_NAME)   ? "missing \"name\""
                               : !(have & HAVE_VERS) ? "missing \"vers\""
                                                     : "missing \"cksum\"");
        return LINE_BAD;
    }
    /* Cargo ignores entries of a schema newer than it knows (2). */
    if (schema > 2)
        return LINE_UNSUPPORTED;
    v->schema = (uint8_t)schema;
    finish_features(ix, v);
    return LINE_OK;
}

/* ---- one file ---- */

static int vtmp_cmp(const void *a, const void *b)
{
    const vtmp *x = a, *y = b;
    int c = csec_version_cmp(&x->v.version, &y->v.version);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static crate_rec *insert_crate(csec_index *ix, crate_rec *c)
{
    bool added;
    csec_map_entry *e = csec__map_put(&ix->by_name, c->pub.name, strlen(c->pub.name), &added);
    if (!added) {
        /* Replacing a crate: its old versions stay in the arena (unreachable)
         * until the index is freed. */
        crate_rec *old = e->val.ptr;
        c->pos = old->pos;
        ix->nversions -= old->pub.versions_count;
        ix->crates[c->pos] = c;
        e->key = c->pub.name;
        e->val.ptr = c;
        ix->nversions += c->pub.versions_count;
        return c;
    }
    if (ix->ncrates == ix->capcrates) {
        ix->capcrates = ix->capcrates ? ix->capcrates * 2 : 1024;
        ix->crates = csec__xrealloc(ix->crates, csec__mul(ix->capcrates, sizeof *ix->crates));
    }
    c->pos = ix->ncrates;
    ix->crates[ix->ncrates++] = c;
    e->val.ptr = c;
    ix->nversions += c->pub.versions_count;
    return c;
}

/* The 1-based column of a byte offset in a line (lines are short). */
static uint32_t col_of(size_t off)
{
    return off >= UINT32_MAX ? UINT32_MAX : (uint32_t)off + 1;
}

/* Handles one non-empty line: parse, check the name, parse the version,
 * append to ix->vt.  Returns true when a line was added. */
static bool add_line(csec_index *ix, const char *path, const char *expect, uint32_t lineno,
                     const char *s, size_t len)
{
    csec__json_reader r;
    csec_index_version v;
    bool ok = false;
    csec__json_reader_init(&r, s, len);
    int rc = read_line(ix, &r, &v);
    if (rc == LINE_UNSUPPORTED) {
        ix->stats.unsupported++;
        goto done;
    }
    if (rc == LINE_BAD) {
        ix->stats.bad_lines++;
        report_reader(ix, &r, path, lineno);
        goto done;
    }
    const char *name = ix->name.ptr;
    size_t name_len = ix->name.len;
    if (expect && !csec__crate_name_eq(name, name_len, expect, strlen(expect))) {
        ix->stats.bad_lines++;
        report(ix, path, lineno, col_of(ix->name_off), "line is for crate \"%.*s\", not \"%s\"",
               (int)(name_len > 100 ? 100 : name_len), name, expect);
        goto done;
    }
    if (ix->crate_name && !csec__crate_name_eq(name, name_len, ix->crate_name, strlen(ix->crate_name))) {
        ix->stats.bad_lines++;
        report(ix, path, lineno, col_of(ix->name_off), "line is for crate \"%.*s\", not \"%s\"",
               (int)(name_len > 100 ? 100 : name_len), name, ix->crate_name);
        goto done;
    }
    if (name_len == 0 || memchr(name, '\0', name_len)) {
        ix->stats.bad_lines++;
        report(ix, path, lineno, col_of(ix->name_off), "invalid crate name");
        goto done;
    }
    /* The crate exists even when none of its versions is usable. */
    if (!ix->crate_name)
        ix->crate_name = intern_str(ix, name, name_len);
    csec_diag vd;
    csec_version parsed;
    if (csec_version_parse(&parsed, ix->vers.ptr, ix->vers.len, &vd) < 0) {
        ix->stats.bad_versions++;
        report(ix, path, lineno, col_of(ix->vers_off), "invalid version \"%.*s\": %s",
               (int)(ix->vers.len > 100 ? 100 : ix->vers.len), ix->vers.ptr, vd.msg);
        goto done;
    }
    /* The version text moves to the pool; re-point pre and build into it. */
    char *vers = pool_alloc(&ix->pool, &ix->arena, ix->vers.len + 1, 1);
    memcpy(vers, ix->vers.ptr, ix->vers.len);
    vers[ix->vers.len] = '\0';
    v.vers = vers;
    v.version = parsed;
    if (parsed.pre.len)
        v.version.pre.ptr = vers + (parsed.pre.ptr - ix->vers.ptr);
    if (parsed.build.len)
        v.version.build.ptr = vers + (parsed.build.ptr - ix->vers.ptr);
    if (!parsed.pre.len)
        v.version.pre.ptr = vers + ix->vers.len;
    if (!parsed.build.len)
        v.version.build.ptr = vers + ix->vers.len;
    if (ix->nvt == ix->capvt) {
        ix->capvt = ix->capvt ? ix->capvt * 2 : 64;
        ix->vt = csec__xrealloc(ix->vt, csec__mul(ix->capvt, sizeof *ix->vt));
    }
    ix->vt[ix->nvt].v = v;
    ix->vt[ix->nvt].line = lineno;
    ix->nvt++;
    ok = true;
done:
    csec__json_reader_free(&r);
    return ok;
}

int csec__index_add_file(const csec_index_crate **out, csec_index *ix, const char *path,
                         const char *expect_name, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    uint32_t lineno = 0;
    size_t bad_before = ix->stats.bad_lines + ix->stats.bad_versions;
    crate_rec *c = NULL;

    if (out)
        *out = NULL;
    ix->nvt = 0;
    ix->crate_name = NULL;
    ix->stats.files++;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        /* Blank lines are ignored, as Cargo does. */
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < le)
            add_line(ix, path, expect_name, lineno, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
    }
    if (!ix->crate_name)
        return ix->stats.bad_lines + ix->stats.bad_versions > bad_before ? CSEC_EPARSE : 0;
    /* SemVer order; equal versions keep file order.  crates.io's index has a
     * few versions published twice; Cargo keeps the last line of such a
     * version, so the later one replaces the earlier one here too. */
    if (ix->nvt > 1)
        qsort(ix->vt, ix->nvt, sizeof *ix->vt, vtmp_cmp);
    size_t n = 0;
    for (size_t i = 0; i < ix->nvt; i++) {
        if (n && csec_version_cmp(&ix->vt[n - 1].v.version, &ix->vt[i].v.version) == 0) {
            ix->stats.duplicates++;
            ix->vt[n - 1] = ix->vt[i];
            continue;
        }
        ix->vt[n++] = ix->vt[i];
    }
    c = pool_alloc(&ix->pool, &ix->arena, sizeof *c, sizeof(void *));
    memset(c, 0, sizeof *c);
    csec_index_version *vs =
        n ? pool_alloc(&ix->pool, &ix->arena, csec__mul(n, sizeof *vs), sizeof(void *)) : NULL;
    for (size_t i = 0; i < n; i++)
        vs[i] = ix->vt[i].v;
    c->pub.name = ix->crate_name;
    c->pub.versions = vs;
    c->pub.versions_count = n;
    insert_crate(ix, c);
    if (out)
        *out = &c->pub;
    return 0;
}

/* ---- lifecycle ---- */

csec_index *csec__index_new(const csec_index_options *opts)
{
    csec_index *ix = csec__xcalloc(1, sizeof *ix);
    if (opts)
        ix->opts = *opts;
    csec__map_init(&ix->strings, CSEC_MAP_BYTES, NULL);
    csec__map_init(&ix->blobs, CSEC_MAP_BYTES, NULL);
    csec__map_init(&ix->by_name, CSEC_MAP_CRATE_NAMES, NULL);
    return ix;
}

void csec__index_free(csec_index *ix)
{
    if (!ix)
        return;
    if (ix->remote_free)
        ix->remote_free(ix->remote);
    csec__map_free(&ix->strings);
    csec__map_free(&ix->blobs);
    csec__map_free(&ix->by_name);
    free(ix->crates);
    free(ix->vt);
    free(ix->ptrs);
    free(ix->feats);
    csec_buf_free(&ix->name);
    csec_buf_free(&ix->vers);
    csec__arena_free(&ix->arena);
    free(ix);
}

/* ---- lookups ---- */

const csec_index_crate *csec__index_find(const csec_index *ix, const char *name)
{
    if (!ix || !name)
        return NULL;
    csec_map_entry *e = csec__map_find(&ix->by_name, name, strlen(name));
    return e ? &((crate_rec *)e->val.ptr)->pub : NULL;
}

size_t csec__index_crate_count(const csec_index *ix)
{
    return ix->ncrates;
}

const csec_index_crate *csec__index_crate_at(const csec_index *ix, size_t i)
{
    return i < ix->ncrates ? &ix->crates[i]->pub : NULL;
}

size_t csec__index_version_count(const csec_index *ix)
{
    return ix->nversions;
}

const csec_index_version *csec__index_newest(const csec_index_crate *c, bool include_yanked,
                                             bool include_prerelease)
{
    for (size_t i = c->versions_count; i-- > 0;) {
        const csec_index_version *v = &c->versions[i];
        if (v->yanked && !include_yanked)
            continue;
        if (v->version.pre.len && !include_prerelease)
            continue;
        return v;
    }
    return NULL;
}

const csec_index_feature *csec__index_feature_find(const csec_index_version *v, const char *name)
{
    size_t lo = 0, hi = v->features_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->features[mid].name, name);
        if (c == 0)
            return &v->features[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

char *csec__index_cksum_hex(const csec_index_version *v, char out[65])
{
    csec__hex_encode(out, v->cksum, 32);
    out[64] = '\0';
    return out;
}

void csec__index_stats(const csec_index *ix, csec_index_stats *out)
{
    *out = ix->stats;
    out->arena_bytes = ix->arena.total;
}

const char *csec__index_config_dl(const csec_index *ix)
{
    return ix->dl;
}

const char *csec__index_config_api(const csec_index *ix)
{
    return ix->api;
}

bool csec__index_config_auth_required(const csec_index *ix)
{
    return ix->auth_required;
}

void csec__index_attach_remote(csec_index *ix, void *remote, void (*remote_free)(void *))
{
    ix->remote = remote;
    ix->remote_free = remote_free;
}

void *csec__index_remote(const csec_index *ix)
{
    return ix->remote;
}

csec_index_stats *csec__index_stats_ref(csec_index *ix)
{
    return &ix->stats;
}

/* The crate's directory in the index ("1", "3/s", "se/rd"), from `name`
 * in its own case or lower-cased. */
static void dl_prefix(csec_buf *out, const char *name, bool lower)
{
    size_t len = strlen(name);
    char b[6];
    size_t n = 0;
    if (len <= 2) {
        b[n++] = (char)('0' + len);
    } else if (len == 3) {
        b[n++] = '3';
        b[n++] = '/';
        b[n++] = name[0];
    } else {
        b[n++] = name[0];
        b[n++] = name[1];
        b[n++] = '/';
        b[n++] = name[2];
        b[n++] = name[3];
    }
    for (size_t i = 0; lower && i < n; i++)
        b[i] = (char)csec__ascii_lower((unsigned char)b[i]);
    csec_buf_put(out, b, n);
}

int csec__index_dl_url(csec_buf *out, const csec_index *ix, const csec_index_crate *c,
                       const csec_index_version *v)
{
    static const char *const markers[] = {"{crate}", "{version}", "{prefix}", "{lowerprefix}",
                                          "{sha256-checksum}"};
    const char *dl = ix->dl;
    if (!dl)
        return CSEC_EINVAL;
    bool templated = false;
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++)
        templated = templated || strstr(dl, markers[i]) != NULL;
    if (!templated) {
        /* Cargo: without markers, "/{crate}/{version}/download" is appended. */
        csec_buf_puts(out, dl);
        csec_buf_printf(out, "/%s/%s/download", c->name, v->vers);
        return 0;
    }
    for (const char *p = dl; *p;) {
        size_t i;
        for (i = 0; i < sizeof markers / sizeof *markers; i++)
            if (strncmp(p, markers[i], strlen(markers[i])) == 0)
                break;
        if (i == sizeof markers / sizeof *markers) {
            csec_buf_putc(out, *p++);
            continue;
        }
        p += strlen(markers[i]);
        if (i == 0) {
            csec_buf_puts(out, c->name);
        } else if (i == 1) {
            csec_buf_puts(out, v->vers);
        } else if (i == 2 || i == 3) {
            dl_prefix(out, c->name, i == 3);
        } else {
            char hex[65];
            csec_buf_puts(out, csec__index_cksum_hex(v, hex));
        }
    }
    return 0;
}

/* ---- the directory layout ----
 *
 * A load is bound by system calls (~43,000 files in ~15,000 directories for
 * crates.io), so the tree is read with lib/files.h: the top directory is
 * listed, then the prefix directories ("ab", "3") a group at a time, then
 * their leaf directories ("ab/cd", "3/a", "1", "2") a group at a time: one
 * batch opens a group's directories, each is listed with one getdents64, and
 * one batch reads every crate file of the group (on io_uring, a submission
 * per 64 files instead of four system calls per file).  Parsing stays on
 * this thread (the interning tables are not shared), and in sorted order of
 * directories then files, so the reports come out in path order whatever
 * the file system's directory order. */

/* Directories opened per batch: the batch reader's submission size. */
#define DIR_GROUP 64

/* A leaf directory: its crate files are named after the crates. */
typedef struct leaf_dir {
    int parentfd;
    const char *name; /* in the parent's listing */
    char rel[8];      /* relative to the index: "ab/cd", "3/a", "1" or "2" */
    int err;          /* nonzero: a prefix directory ("ab", "3") that could not be
                       * listed, reported in its place in path order */
} leaf_dir;

/* What a group of leaf directories holds, in report order. */
typedef enum step_kind { STEP_READ, STEP_MISPLACED, STEP_BAD_DIR } step_kind;

typedef struct step {
    step_kind kind;
    int err; /* STEP_BAD_DIR: the errno */
    const leaf_dir *dir;
    const char *name; /* the file (STEP_READ, STEP_MISPLACED) */
} step;

typedef struct loader {
    csec_index *ix;
    const char *dir;
    csec__batch *batch;
    csec__names prefix_lists[DIR_GROUP]; /* the current group of prefix directories */
    csec__names leaf_lists[DIR_GROUP];   /* the current group of leaf directories */
    leaf_dir *leaves;                    /* under the current group of prefixes */
    size_t nleaves, capleaves;
    step *steps;
    size_t nsteps, capsteps, reported; /* steps[0..reported) are done */
    /* The group's crate files, for one batch read: where, and their step. */
    int *dirfds;
    const char **names;
    size_t *step_of;
    size_t nreads, capreads;
    csec_buf path;
} loader;

static const char *full_path(loader *L, const char *rel, const char *name)
{
    csec_buf_clear(&L->path);
    csec_buf_printf(&L->path, "%s/%s%s%s", L->dir, rel, name ? "/" : "", name ? name : "");
    return L->path.ptr;
}

int csec__index_set_config(csec_index *ix, const char *path, const char *text, size_t len,
                           csec_diag *d)
{
    csec_arena tmp = CSEC_ARENA_INIT;
    const csec_jv *root = NULL;
    int rc = 0;
    if (csec__json_parse(&root, &tmp, text, len, d) < 0) {
        rc = CSEC_EPARSE;
        if (d)
            snprintf(d->file, sizeof d->file, "%s", path ? path : "");
        goto done;
    }
    if (root->type != CSEC_JV_OBJECT) {
        rc = csec__diag_set(d, CSEC_EPARSE, path, 1, 1, "config.json must be an object");
        goto done;
    }
    /* Cargo ignores members it does not know; so do we. "dl" and "api"
     * must be strings when present (Cargo refuses the registry otherwise). */
    const csec_jv *dl = csec__jv_get(root, "dl"), *api = csec__jv_get(root, "api");
    if ((dl && dl->type != CSEC_JV_STRING) ||
        (api && api->type != CSEC_JV_STRING && api->type != CSEC_JV_NULL)) {
        rc = csec__diag_set(d, CSEC_EPARSE, path, 1, 1,
                            "config.json: \"dl\" and \"api\" must be strings");
        goto done;
    }
    ix->dl = dl ? intern_str(ix, dl->u.s, dl->len) : NULL;
    ix->api = api && api->type == CSEC_JV_STRING ? intern_str(ix, api->u.s, api->len) : NULL;
    const csec_jv *auth = csec__jv_get(root, "auth-required");
    ix->auth_required = auth && auth->type == CSEC_JV_TRUE;
done:
    csec__arena_free(&tmp);
    return rc;
}

static void on_config(void *payload, size_t i, char *data, size_t len, int err)
{
    loader *L = payload;
    csec_diag d;
    const char *path = full_path(L, "config.json", NULL);
    (void)i;
    csec__diag_clear(&d);
    if (err) {
        L->ix->stats.bad_files++;
        report(L->ix, path, 0, 0, "cannot read: %s", strerror(err));
        return;
    }
    if (csec__index_set_config(L->ix, path, data, len, &d) < 0) {
        L->ix->stats.bad_files++;
        report(L->ix, path, d.line, d.col, "%s", d.msg);
    }
}

static void load_config(loader *L, int topfd)
{
    const char *name = "config.json";
    csec__batch_read(L->batch, &topfd, &name, 1, on_config, L);
}

/* Whether a crate file named `name` in leaf directory `rel` is where
 * csec__index_path_for puts it (`want` receives that place, or ""). */
static bool well_placed(char *want, size_t n, const char *rel, const char *name)
{
    want[0] = '\0';
    size_t wl = csec__index_path_for(want, n, name), rl = strlen(rel);
    return wl == rl + 1 + strlen(name) && memcmp(want, rel, rl) == 0 && want[rl] == '/' &&
           strcmp(want + rl + 1, name) == 0;
}

/* Reports the steps before `upto` that need no read. */
static void report_steps(loader *L, size_t upto)
{
    char want[1024];
    for (; L->reported < upto; L->reported++) {
        const step *s = &L->steps[L->reported];
        if (s->kind == STEP_MISPLACED) {
            L->ix->stats.bad_files++;
            well_placed(want, sizeof want, s->dir->rel, s->name);
            report(L->ix, full_path(L, s->dir->rel, s->name), 0, 0,
                   "misplaced crate file: \"%s\" belongs at %s", s->name,
                   want[0] ? want : "(nowhere)");
        } else if (s->kind == STEP_BAD_DIR) {
            L->ix->stats.bad_files++;
            report(L->ix, full_path(L, s->dir->rel, NULL), 0, 0, "cannot open directory: %s",
                   strerror(s->err));
        }
    }
}

static void on_crate_file(void *payload, size_t i, char *data, size_t len, int err)
{
    loader *L = payload;
    size_t at = L->step_of[i];
    report_steps(L, at);
    const step *s = &L->steps[at];
    const char *path = full_path(L, s->dir->rel, s->name);
    L->reported = at + 1;
    if (err) {
        L->ix->stats.bad_files++;
        report(L->ix, path, 0, 0, "cannot read crate file: %s", strerror(err));
        return;
    }
    csec__index_add_file(NULL, L->ix, path, s->name, data, len);
}

static void push_step(loader *L, step_kind kind, int err, const leaf_dir *dir, const char *name)
{
    if (L->nsteps == L->capsteps) {
        L->capsteps = L->capsteps ? L->capsteps * 2 : 256;
        L->steps = csec__xrealloc(L->steps, csec__mul(L->capsteps, sizeof *L->steps));
    }
    L->steps[L->nsteps++] = (step){kind, err, dir, name};
}

static void push_read(loader *L, int dirfd, const char *name)
{
    if (L->nreads == L->capreads) {
        L->capreads = L->capreads ? L->capreads * 2 : 256;
        L->dirfds = csec__xrealloc(L->dirfds, csec__mul(L->capreads, sizeof *L->dirfds));
        L->names = csec__xrealloc(L->names, csec__mul(L->capreads, sizeof *L->names));
        L->step_of = csec__xrealloc(L->step_of, csec__mul(L->capreads, sizeof *L->step_of));
    }
    L->dirfds[L->nreads] = dirfd;
    L->names[L->nreads] = name;
    L->step_of[L->nreads++] = L->nsteps - 1;
}

/* Loads every crate file of up to DIR_GROUP leaf directories. */
static void load_leaves(loader *L, const leaf_dir *leaves, size_t n)
{
    int parents[DIR_GROUP] = {0}, fds[DIR_GROUP] = {0};
    const char *names[DIR_GROUP] = {0};
    char want[1024];
    for (size_t j = 0; j < n; j++) {
        parents[j] = leaves[j].parentfd;
        names[j] = leaves[j].name;
    }
    csec__batch_open_dirs(L->batch, parents, names, n, fds);
    L->nsteps = L->reported = L->nreads = 0;
    for (size_t j = 0; j < n; j++) {
        csec__names *files = &L->leaf_lists[j];
        int rc = leaves[j].err ? -leaves[j].err
                 : fds[j] < 0  ? fds[j]
                               : csec__list_dir(files, fds[j], CSEC__LIST_NO_DOTS);
        if (rc < 0) {
            push_step(L, STEP_BAD_DIR, -rc, &leaves[j], NULL);
            continue;
        }
        for (size_t f = 0; f < files->count; f++) {
            const char *name = files->items[f];
            bool ok = well_placed(want, sizeof want, leaves[j].rel, name);
            push_step(L, ok ? STEP_READ : STEP_MISPLACED, 0, &leaves[j], name);
            if (ok)
                push_read(L, fds[j], name);
        }
    }
    csec__batch_read(L->batch, L->dirfds, L->names, L->nreads, on_crate_file, L);
    report_steps(L, L->nsteps);
    csec__batch_close(L->batch, fds, n);
}

static void push_leaf(loader *L, int parentfd, const char *prefix, const char *name)
{
    if (L->nleaves == L->capleaves) {
        L->capleaves = L->capleaves ? L->capleaves * 2 : 1024;
        L->leaves = csec__xrealloc(L->leaves, csec__mul(L->capleaves, sizeof *L->leaves));
    }
    leaf_dir *leaf = &L->leaves[L->nleaves++];
    leaf->parentfd = parentfd;
    leaf->name = name;
    leaf->err = 0;
    /* Both parts are at most two bytes (checked by the callers). */
    if (prefix)
        snprintf(leaf->rel, sizeof leaf->rel, "%s/%s", prefix, name);
    else
        snprintf(leaf->rel, sizeof leaf->rel, "%s", name);
}

static void load_leaf_list(loader *L)
{
    for (size_t k = 0; k < L->nleaves; k += DIR_GROUP)
        load_leaves(L, L->leaves + k, L->nleaves - k < DIR_GROUP ? L->nleaves - k : DIR_GROUP);
    L->nleaves = 0;
}

/* Loads up to DIR_GROUP prefix directories: two-letter ones hold two-letter
 * leaf directories, "3" holds one-letter ones.  A prefix directory that
 * cannot be opened or listed is reported (its crates are missing), in path
 * order among the leaves. */
static void load_prefixes(loader *L, int topfd, char *const *prefixes, size_t n)
{
    int parents[DIR_GROUP] = {0}, fds[DIR_GROUP] = {0};
    for (size_t j = 0; j < n; j++)
        parents[j] = topfd;
    csec__batch_open_dirs(L->batch, parents, (const char *const *)prefixes, n, fds);
    L->nleaves = 0;
    for (size_t j = 0; j < n; j++) {
        csec__names *subs = &L->prefix_lists[j];
        size_t child_len = strlen(prefixes[j]) == 1 ? 1 : 2;
        int rc = fds[j] < 0 ? fds[j]
                            : csec__list_dir(subs, fds[j], CSEC__LIST_DIRS | CSEC__LIST_NO_DOTS);
        if (rc < 0) {
            push_leaf(L, topfd, NULL, prefixes[j]);
            L->leaves[L->nleaves - 1].err = -rc;
            continue;
        }
        for (size_t k = 0; k < subs->count; k++)
            if (strlen(subs->items[k]) == child_len)
                push_leaf(L, fds[j], prefixes[j], subs->items[k]);
    }
    load_leaf_list(L);
    csec__batch_close(L->batch, fds, n);
}

static bool is_dir_at(int dirfd, const char *name)
{
    unsigned char type = csec__name_type(name);
    struct stat st;
    if (type == DT_DIR)
        return true;
    if (type != DT_UNKNOWN && type != DT_LNK)
        return false;
    return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static void loader_free(loader *L)
{
    csec__batch_free(L->batch);
    for (size_t j = 0; j < DIR_GROUP; j++) {
        csec__names_free(&L->prefix_lists[j]);
        csec__names_free(&L->leaf_lists[j]);
    }
    free(L->leaves);
    free(L->steps);
    free(L->dirfds);
    free(L->names);
    free(L->step_of);
    csec_buf_free(&L->path);
}

static int crate_name_cmp(const void *a, const void *b)
{
    const unsigned char *x = (const unsigned char *)(*(crate_rec *const *)a)->pub.name;
    const unsigned char *y = (const unsigned char *)(*(crate_rec *const *)b)->pub.name;
    for (;; x++, y++) {
        unsigned cx = csec__ascii_lower(*x), cy = csec__ascii_lower(*y);
        if (cx != cy || !cx)
            return (int)cx - (int)cy;
    }
}

int csec__index_open_dir_ex(csec_index **out, const char *dirpath, const csec_index_options *opts,
                            csec_diag *d)
{
    csec__names top = {0};
    *out = NULL;
    int topfd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = topfd < 0 ? -errno : csec__list_dir(&top, topfd, CSEC__LIST_NO_DOTS);
    if (rc < 0) {
        if (topfd >= 0)
            close(topfd);
        csec__names_free(&top);
        return csec__diag_set(d, CSEC_EIO, dirpath, 0, 0, "cannot open index directory: %s",
                              strerror(-rc));
    }
    loader *L = csec__xcalloc(1, sizeof *L);
    L->ix = csec__index_new(opts);
    L->dir = dirpath;
    L->batch = csec__batch_new();
    /* config.json, "1" and "2" (leaves), then the prefix directories: the
     * top listing is sorted, and digits sort before letters. */
    char **prefixes = csec__xmalloc(csec__mul(top.count ? top.count : 1, sizeof *prefixes));
    size_t nprefixes = 0;
    for (size_t i = 0; i < top.count; i++) {
        const char *n = top.items[i];
        size_t len = strlen(n);
        if (strcmp(n, "config.json") == 0)
            load_config(L, topfd);
        else if (len > 2 || !is_dir_at(topfd, n))
            continue;
        else if (strcmp(n, "1") == 0 || strcmp(n, "2") == 0)
            push_leaf(L, topfd, NULL, n);
        else if (strcmp(n, "3") == 0 || len == 2)
            prefixes[nprefixes++] = top.items[i];
    }
    load_leaf_list(L);
    for (size_t k = 0; k < nprefixes; k += DIR_GROUP)
        load_prefixes(L, topfd, prefixes + k,
                      nprefixes - k < DIR_GROUP ? nprefixes - k : DIR_GROUP);
    csec_index *ix = L->ix;
    loader_free(L);
    free(L);
    free(prefixes);
    csec__names_free(&top);
    close(topfd);
    /* Sorted by name, whatever order the files were found in. */
    if (ix->ncrates > 1)
        qsort(ix->crates, ix->ncrates, sizeof *ix->crates, crate_name_cmp);
    for (size_t i = 0; i < ix->ncrates; i++)
        ix->crates[i]->pos = i;
    *out = ix;
    return 0;
}

int csec__index_open_dir(csec_index **out, const char *dir, csec_diag *d)
{
    return csec__index_open_dir_ex(out, dir, NULL, d);
}
