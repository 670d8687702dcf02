/* index.c - Cargo registry index reader (see index.h). */
#include "index.h"

#include "crate_name.h"
#include "jsonparse.h"
#include "map.h"
#include "text.h"

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
    if (ix->crate_name &&
        !csec__crate_name_eq(name, name_len, ix->crate_name, strlen(ix->crate_name))) {
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
 * The tree is read with plain readdir/open/read (util.h), in sorted order of
 * directories then files, so the reports come out in path order whatever
 * the file system's directory order: config.json, the leaf directories "1"
 * and "2", then the prefix directories ("3", "ab"...) and in each of them
 * its leaf directories ("3/a", "ab/cd"), whose crate files are named after
 * the crates.  Parsing stays on this thread (the interning tables are not
 * shared). */

/* The largest crate file read (the biggest real ones are a few MB). */
#define CRATE_FILE_MAX ((size_t)64 << 20)

typedef struct loader {
    csec_index *ix;
    const char *dir;
    csec_buf path;
} loader;

static const char *full_path(loader *L, const char *rel, const char *name)
{
    csec_buf_clear(&L->path);
    csec_buf_printf(&L->path, "%s/%s%s%s", L->dir, rel, name ? "/" : "", name ? name : "");
    return L->path.ptr;
}

/* Why a read failed, without the "cannot read: " its message starts with. */
static const char *read_failure(const csec_diag *d)
{
    const char *colon = strstr(d->msg, ": ");
    return d->code == CSEC_EIO && colon ? colon + 2 : d->msg;
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

static void load_config(loader *L, int topfd)
{
    const char *path = full_path(L, "config.json", NULL);
    char *data = NULL;
    size_t len = 0;
    csec_diag d;
    csec__diag_clear(&d);
    if (csec__read_at(&data, &len, topfd, "config.json", path, CRATE_FILE_MAX, 0, &d) < 0) {
        L->ix->stats.bad_files++;
        report(L->ix, path, 0, 0, "cannot read: %s", read_failure(&d));
        return;
    }
    if (csec__index_set_config(L->ix, path, data, len, &d) < 0) {
        L->ix->stats.bad_files++;
        report(L->ix, path, d.line, d.col, "%s", d.msg);
    }
    free(data);
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

/* Every crate file of one leaf directory ("ab/cd", "3/a", "1"): `rel`. */
static void load_leaf(loader *L, const char *rel)
{
    char want[1024];
    csec__dir files;
    int rc = csec__dir_open(&files, full_path(L, rel, NULL));
    if (rc < 0) {
        L->ix->stats.bad_files++;
        report(L->ix, full_path(L, rel, NULL), 0, 0, "cannot open directory: %s", strerror(-rc));
        return;
    }
    for (size_t i = 0; i < files.count; i++) {
        const char *file = files.entries[i].name;
        if (file[0] == '.')
            continue;
        const char *path = full_path(L, rel, file);
        if (!well_placed(want, sizeof want, rel, file)) {
            L->ix->stats.bad_files++;
            report(L->ix, path, 0, 0, "misplaced crate file: \"%s\" belongs at %s", file,
                   want[0] ? want : "(nowhere)");
            continue;
        }
        char *data = NULL;
        size_t len = 0;
        csec_diag d;
        csec__diag_clear(&d);
        if (csec__read_at(&data, &len, files.fd, file, path, CRATE_FILE_MAX, 0, &d) < 0) {
            L->ix->stats.bad_files++;
            report(L->ix, path, 0, 0, "cannot read crate file: %s", read_failure(&d));
            continue;
        }
        csec__index_add_file(NULL, L->ix, path, file, data, len);
        free(data);
    }
    csec__dir_close(&files);
}

/* A prefix directory: two-letter ones hold two-letter leaf directories, "3"
 * holds one-letter ones.  One that cannot be opened or listed is reported
 * (its crates are missing), in path order among the leaves. */
static void load_prefix(loader *L, const char *prefix)
{
    csec__dir subs;
    int rc = csec__dir_open(&subs, full_path(L, prefix, NULL));
    if (rc < 0) {
        L->ix->stats.bad_files++;
        report(L->ix, full_path(L, prefix, NULL), 0, 0, "cannot open directory: %s", strerror(-rc));
        return;
    }
    size_t child_len = strlen(prefix) == 1 ? 1 : 2;
    for (size_t k = 0; k < subs.count; k++) {
        const char *sub = subs.entries[k].name;
        if (sub[0] == '.' || strlen(sub) != child_len || !csec__dir_is_dir(&subs, k))
            continue;
        char rel[8]; /* both parts are at most two bytes */
        snprintf(rel, sizeof rel, "%s/%s", prefix, sub);
        load_leaf(L, rel);
    }
    csec__dir_close(&subs);
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
    *out = NULL;
    csec__dir top;
    int rc = csec__dir_open(&top, dirpath);
    if (rc < 0)
        return csec__diag_set(d, CSEC_EIO, dirpath, 0, 0, "cannot open index directory: %s",
                              strerror(-rc));
    loader L;
    memset(&L, 0, sizeof L);
    L.ix = csec__index_new(opts);
    L.dir = dirpath;
    /* config.json, then "1" and "2" (leaves), then the prefix directories
     * ("3" and two-letter ones): digits sort before letters. */
    for (size_t i = 0; i < top.count; i++)
        if (strcmp(top.entries[i].name, "config.json") == 0)
            load_config(&L, top.fd);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < top.count; i++) {
            const char *n = top.entries[i].name;
            size_t len = strlen(n);
            bool leaf = strcmp(n, "1") == 0 || strcmp(n, "2") == 0;
            bool prefix = strcmp(n, "3") == 0 || (len == 2 && n[0] != '.');
            if ((pass == 0 ? !leaf : !prefix) || !csec__dir_is_dir(&top, i))
                continue;
            if (leaf)
                load_leaf(&L, n);
            else
                load_prefix(&L, n);
        }
    csec_index *ix = L.ix;
    csec_buf_free(&L.path);
    csec__dir_close(&top);
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
