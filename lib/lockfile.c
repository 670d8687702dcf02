/* lockfile.c - Cargo.lock v1 to v4 (spec §4.3) with the project's TOML
 * parser: packages, their sources, resolved dependency lists and the reverse
 * dependency graph used for "via" chains and trees.
 *
 * Every problem is reported at the line and column of the TOML value (or of
 * the [[package]] header for a missing key), because a lockfile that does
 * not parse stops the audit (exit 2) and the user has to find the spot. */
#include "lockfile.h"
#include "toml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    csec_lockfile *lf;
    const char *path;
    csec_diag *d;
} ctx;

/* A dependency string split into its parts, before resolution. */
typedef struct raw_dep {
    const csec_toml_value *at;
    const char *name;
    const char *version; /* NULL: not given */
    const char *source;  /* NULL: not given */
} raw_dep;

typedef struct by_name {
    const char *name;
    size_t idx;
} by_name;

/* Fails at the position of TOML value `at`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail_at(ctx *c, const csec_toml_value *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = csec__diag_vset(c->d, CSEC_EPARSE, c->path ? c->path : "", at->line, at->col, fmt, ap);
    va_end(ap);
    return rc;
}

bool csec__lockfile_is_crates_io(const char *source)
{
    return source && (strcmp(source, CSEC__CRATES_IO_REGISTRY) == 0 ||
                      strcmp(source, CSEC__CRATES_IO_SPARSE) == 0);
}

/* Looks up `key` in `table` and checks it is a string without NUL bytes.
 * Absent: *out = NULL (an error when `required`). */
static int get_str(ctx *c, const csec_toml_value *table, const char *key, bool required,
                   const csec_toml_value **out)
{
    const csec_toml_value *v = csec__toml_get(table, key);
    *out = NULL;
    if (!v) {
        if (required)
            return fail_at(c, table, "package is missing `%s`", key);
        return 0;
    }
    if (v->type != CSEC_TOML_STRING)
        return fail_at(c, v, "`%s` must be a string, not %s", key, csec__toml_type_name(v->type));
    if (strlen(v->u.str.ptr) != v->u.str.len)
        return fail_at(c, v, "`%s` contains a NUL character", key);
    *out = v;
    return 0;
}

/* Checks a source id (spec §4.3 "SourceId syntax") found in value `at`. */
static int check_source(ctx *c, const csec_toml_value *at, const char *s, csec_source_kind *kind,
                        const char **url)
{
    static const struct {
        const char *name;
        csec_source_kind kind;
    } kinds[] = {{"registry", CSEC_SOURCE_REGISTRY},
                 {"sparse", CSEC_SOURCE_SPARSE},
                 {"git", CSEC_SOURCE_GIT},
                 {"path", CSEC_SOURCE_PATH}};
    const char *plus = strchr(s, '+');
    if (!plus)
        return fail_at(c, at, "invalid source `%s`: expected KIND+URL", s);
    size_t klen = (size_t)(plus - s);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].name) != klen || memcmp(kinds[i].name, s, klen) != 0)
            continue;
        const char *u = plus + 1;
        size_t ulen = strlen(u);
        /* Git sources carry the branch/tag/rev as a query (percent-encoded
         * in v4, raw in v3) and the precise commit as a fragment; neither is
         * part of the repository's URL. */
        if (kinds[i].kind == CSEC_SOURCE_GIT)
            ulen = strcspn(u, "?#");
        if (ulen == 0)
            return fail_at(c, at, "invalid source `%s`: empty URL", s);
        if (kind)
            *kind = kinds[i].kind;
        if (url)
            *url = csec__arena_strndup(&c->lf->arena, u, ulen);
        return 0;
    }
    return fail_at(c, at, "unsupported source protocol `%.*s` in `%s`",
                   (int)(klen > 32 ? 32 : klen), s, s);
}

/* Parses version text held in `v` (a string value) into `out`. */
static int check_version(ctx *c, const csec_toml_value *at, const char *text, csec_version *out)
{
    csec_diag vd;
    csec_version tmp;
    if (!out)
        out = &tmp;
    if (csec_version_parse(out, text, strlen(text), &vd) < 0) {
        /* The string's characters start one column after its quote. */
        uint32_t col = at->type == CSEC_TOML_STRING && vd.col ? at->col + vd.col : at->col;
        return csec__diag_set(c->d, CSEC_EPARSE, c->path ? c->path : "", at->line, col,
                              "invalid version `%s`: %s", text, vd.msg);
    }
    return 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Splits "name [version [(source)]]" (spec §4.3) held in string value `at`. */
static int split_dep(ctx *c, const csec_toml_value *at, raw_dep *out)
{
    const char *s = at->u.str.ptr;
    const char *tok[3] = {NULL, NULL, NULL};
    size_t n = 0;
    size_t i = 0, len = at->u.str.len;
    while (i < len) {
        while (i < len && is_space(s[i]))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !is_space(s[i]))
            i++;
        if (n == 3)
            return fail_at(c, at, "invalid dependency `%s`: more than 3 fields", s);
        tok[n++] = csec__arena_strndup(&c->lf->arena, s + start, i - start);
    }
    if (n == 0)
        return fail_at(c, at, "invalid dependency `%s`: empty", s);
    out->at = at;
    out->name = tok[0];
    out->version = tok[1];
    out->source = NULL;
    if (tok[1] && check_version(c, at, tok[1], NULL) < 0)
        return CSEC_EPARSE;
    if (tok[2]) {
        size_t tl = strlen(tok[2]);
        if (tl < 3 || tok[2][0] != '(' || tok[2][tl - 1] != ')')
            return fail_at(c, at, "invalid dependency `%s`: the source must be in parentheses", s);
        char *src = csec__arena_strndup(&c->lf->arena, tok[2] + 1, tl - 2);
        if (check_source(c, at, src, NULL, NULL) < 0)
            return CSEC_EPARSE;
        out->source = src;
    }
    return 0;
}

static bool is_checksum(const char *s, size_t len)
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (csec__hexval((unsigned char)s[i]) < 0)
            return false;
    return true;
}

/* Reads one [[package]] (or [root]) table into `p` and its raw dependency
 * strings into `*deps` (arena) / `*ndeps`, the `replace` into `*rep`. */
static int read_package(ctx *c, const csec_toml_value *t, csec_lock_package *p, raw_dep **deps,
                        size_t *ndeps, raw_dep **rep)
{
    const csec_toml_value *v;
    csec_arena *ar = &c->lf->arena;
    *deps = NULL;
    *ndeps = 0;
    *rep = NULL;
    if (t->type != CSEC_TOML_TABLE)
        return fail_at(c, t, "a package must be a table, not %s", csec__toml_type_name(t->type));
    p->line = t->line;
    p->col = t->col;
    if (get_str(c, t, "name", true, &v) < 0)
        return CSEC_EPARSE;
    if (v->u.str.len == 0)
        return fail_at(c, v, "empty package name");
    p->name = csec__arena_strndup(ar, v->u.str.ptr, v->u.str.len);
    if (get_str(c, t, "version", true, &v) < 0)
        return CSEC_EPARSE;
    p->version_text = csec__arena_strndup(ar, v->u.str.ptr, v->u.str.len);
    if (check_version(c, v, p->version_text, &p->version) < 0)
        return CSEC_EPARSE;
    if (get_str(c, t, "source", false, &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        p->source = csec__arena_strndup(ar, v->u.str.ptr, v->u.str.len);
        if (check_source(c, v, p->source, &p->source_kind, &p->source_url) < 0)
            return CSEC_EPARSE;
        p->crates_io = csec__lockfile_is_crates_io(p->source);
    }
    if (get_str(c, t, "checksum", false, &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        if (!is_checksum(v->u.str.ptr, v->u.str.len))
            return fail_at(c, v, "invalid checksum: expected 64 hex digits");
        p->checksum = csec__arena_strndup(ar, v->u.str.ptr, v->u.str.len);
    }
    if (get_str(c, t, "replace", false, &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        *rep = csec__arena_alloc(ar, sizeof **rep);
        if (split_dep(c, v, *rep) < 0)
            return CSEC_EPARSE;
    }
    v = csec__toml_get(t, "dependencies");
    if (v) {
        if (v->type != CSEC_TOML_ARRAY)
            return fail_at(c, v, "`dependencies` must be an array, not %s",
                           csec__toml_type_name(v->type));
        size_t n = v->u.array.count;
        *deps = n ? csec__arena_alloc(ar, csec__mul(n, sizeof **deps)) : NULL;
        for (size_t i = 0; i < n; i++) {
            const csec_toml_value *e = v->u.array.items[i];
            if (e->type != CSEC_TOML_STRING)
                return fail_at(c, e, "a dependency must be a string, not %s",
                               csec__toml_type_name(e->type));
            if (strlen(e->u.str.ptr) != e->u.str.len)
                return fail_at(c, e, "a dependency contains a NUL character");
            if (split_dep(c, e, &(*deps)[i]) < 0)
                return CSEC_EPARSE;
        }
        *ndeps = n;
    }
    return 0;
}

static int cmp_by_name(const void *a, const void *b)
{
    const by_name *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    if (r)
        return r;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The first entry of `idx` (sorted by name, then file order) named `name`. */
static size_t lower_bound(const by_name *idx, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(idx[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Finds the package `name` [version] [source] in file order; SIZE_MAX if none. */
static size_t find_pkg(const csec_lockfile *lf, const by_name *idx, size_t n, const char *name,
                       const char *version, const char *source, bool match_source)
{
    for (size_t k = lower_bound(idx, n, name); k < n && strcmp(idx[k].name, name) == 0; k++) {
        const csec_lock_package *p = &lf->pkgs[idx[k].idx];
        if (version && strcmp(p->version_text, version) != 0)
            continue;
        if (match_source && !(source ? p->source && strcmp(p->source, source) == 0 : !p->source))
            continue;
        return idx[k].idx;
    }
    return SIZE_MAX;
}

/* Resolves one raw dependency (spec §4.3 "v2+ dependency resolution"). */
static int resolve(ctx *c, const by_name *idx, size_t n, const raw_dep *r, csec_lock_dep *out)
{
    const csec_lockfile *lf = c->lf;
    out->name = r->name;
    out->version = r->version;
    out->source = r->source;
    out->package = SIZE_MAX;
    if (!r->source) {
        size_t k = find_pkg(lf, idx, n, r->name, r->version, NULL, false);
        if (k != SIZE_MAX) {
            out->version = lf->pkgs[k].version_text;
            out->source = lf->pkgs[k].source;
            out->package = k;
            return 0;
        }
    }
    if (!r->version)
        return fail_at(c, r->at, "couldn't resolve dependency `%s`", r->name);
    out->package = find_pkg(lf, idx, n, r->name, r->version, r->source, true);
    return 0;
}

/* v1 keeps checksums in [metadata] as "checksum NAME VERSION (SOURCE)" keys. */
static void v1_checksums(csec_lockfile *lf, const csec_toml_value *meta, const by_name *idx,
                         size_t n)
{
    for (size_t i = 0; meta && i < meta->u.table.count; i++) {
        const csec_toml_kv *kv = &meta->u.table.items[i];
        const csec_toml_value *v = kv->value;
        if (strncmp(kv->key, "checksum ", 9) != 0 || !is_checksum(v->u.str.ptr, v->u.str.len))
            continue; /* "<none>" and the like: no checksum */
        char name[256], version[256];
        if (sscanf(kv->key + 9, "%255s %255s", name, version) != 2)
            continue;
        for (size_t k = lower_bound(idx, n, name); k < n && strcmp(idx[k].name, name) == 0; k++) {
            csec_lock_package *p = &lf->pkgs[idx[k].idx];
            if (strcmp(p->version_text, version) == 0 && !p->checksum)
                p->checksum = csec__arena_strndup(&lf->arena, v->u.str.ptr, v->u.str.len);
        }
    }
}

static void build_reverse(csec_lockfile *lf)
{
    size_t nodes = csec__lockfile_nodes(lf), edges = 0;
    lf->rev_start = csec__arena_alloc(&lf->arena, csec__mul(nodes + 1, sizeof *lf->rev_start));
    for (size_t i = 0; i < nodes; i++)
        for (size_t k = 0; k < lf->pkgs[i].deps_count; k++)
            if (lf->pkgs[i].deps[k].package != SIZE_MAX) {
                lf->rev_start[lf->pkgs[i].deps[k].package + 1]++;
                edges++;
            }
    for (size_t i = 0; i < nodes; i++)
        lf->rev_start[i + 1] += lf->rev_start[i];
    lf->rev = csec__arena_alloc(&lf->arena, csec__mul(edges ? edges : 1, sizeof *lf->rev));
    size_t *fill = csec__xcalloc(nodes, sizeof *fill);
    for (size_t i = 0; i < nodes; i++)
        for (size_t k = 0; k < lf->pkgs[i].deps_count; k++) {
            size_t to = lf->pkgs[i].deps[k].package;
            if (to != SIZE_MAX)
                lf->rev[lf->rev_start[to] + fill[to]++] = i;
        }
    free(fill);
}

/* Removes the [[package]] entries whose table is identical to an earlier
 * one's, keeping the first, and sets lf->count to how many remain (in file
 * order; [root] stays after them).  Only entries with the same name are
 * compared, as rendered TOML. */
static void drop_repeated(csec_lockfile *lf, const csec_toml_value *pkgs, raw_dep **deps,
                          size_t *ndeps, raw_dep **reps)
{
    size_t n = lf->count, nodes = csec__lockfile_nodes(lf), kept = 0;
    if (n < 2)
        return;
    by_name *idx = csec__xcalloc(n, sizeof *idx);
    bool *repeat = csec__xcalloc(nodes, sizeof *repeat);
    for (size_t i = 0; i < n; i++)
        idx[i] = (by_name){lf->pkgs[i].name, i};
    qsort(idx, n, sizeof *idx, cmp_by_name);
    csec_buf a = CSEC_BUF_INIT, b = CSEC_BUF_INIT;
    for (size_t i = 0; i + 1 < n; i++) {
        if (strcmp(idx[i].name, idx[i + 1].name) != 0 || repeat[idx[i].idx])
            continue;
        csec_buf_clear(&a);
        csec__toml_write(&a, pkgs->u.array.items[idx[i].idx]);
        for (size_t k = i + 1; k < n && strcmp(idx[k].name, idx[i].name) == 0; k++) {
            csec_buf_clear(&b);
            csec__toml_write(&b, pkgs->u.array.items[idx[k].idx]);
            if (a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0)
                repeat[idx[k].idx] = true; /* idx is in file order within a name */
        }
    }
    for (size_t i = 0; i < nodes; i++) {
        if (repeat[i])
            continue;
        lf->pkgs[kept] = lf->pkgs[i];
        deps[kept] = deps[i];
        ndeps[kept] = ndeps[i];
        reps[kept] = reps[i];
        kept++;
    }
    lf->count = kept - lf->has_root;
    csec_buf_free(&a);
    csec_buf_free(&b);
    free(repeat);
    free(idx);
}

int csec_lockfile_parse(csec_lockfile **out, const char *path, const char *text, size_t len,
                        csec_diag *d)
{
    csec_arena toml_arena = CSEC_ARENA_INIT;
    csec_toml_value *root = NULL;
    csec_lockfile *lf = csec__xcalloc(1, sizeof *lf);
    ctx c = {lf, path, d};
    raw_dep **deps = NULL, **reps = NULL;
    size_t *ndeps = NULL;
    by_name *idx = NULL;
    int rc = CSEC_EPARSE;
    *out = NULL;

    if (csec__toml_parse(&root, &toml_arena, text, len, d) < 0) {
        if (d)
            snprintf(d->file, sizeof d->file, "%s", path ? path : "");
        goto done;
    }
    const csec_toml_value *ver = csec__toml_get(root, "version");
    const csec_toml_value *meta = csec__toml_get(root, "metadata");
    const csec_toml_value *pkgs = csec__toml_get(root, "package");
    const csec_toml_value *rootpkg = csec__toml_get(root, "root");
    if (ver && ver->type != CSEC_TOML_INTEGER) {
        fail_at(&c, ver, "`version` must be an integer, not %s", csec__toml_type_name(ver->type));
        goto done;
    }
    if (ver && (ver->u.integer < 1 || ver->u.integer > 4)) {
        fail_at(&c, ver, "unsupported lockfile version %lld (expected 1 to 4)",
                (long long)ver->u.integer);
        goto done;
    }
    if (meta && meta->type != CSEC_TOML_TABLE) {
        fail_at(&c, meta, "`metadata` must be a table, not %s", csec__toml_type_name(meta->type));
        goto done;
    }
    for (size_t i = 0; meta && i < meta->u.table.count; i++) {
        const csec_toml_value *v = meta->u.table.items[i].value;
        if (v->type != CSEC_TOML_STRING) {
            fail_at(&c, v, "metadata values must be strings, not %s",
                    csec__toml_type_name(v->type));
            goto done;
        }
    }
    if (pkgs && pkgs->type != CSEC_TOML_ARRAY) {
        fail_at(&c, pkgs, "`package` must be an array of tables, not %s",
                csec__toml_type_name(pkgs->type));
        goto done;
    }
    lf->count = pkgs ? pkgs->u.array.count : 0;
    lf->has_root = rootpkg != NULL;
    size_t nodes = csec__lockfile_nodes(lf);
    lf->pkgs = csec__arena_alloc(&lf->arena, csec__mul(nodes ? nodes : 1, sizeof *lf->pkgs));
    deps = csec__xcalloc(nodes, sizeof *deps);
    reps = csec__xcalloc(nodes, sizeof *reps);
    ndeps = csec__xcalloc(nodes, sizeof *ndeps);
    bool pkg_checksums = false;
    for (size_t i = 0; i < nodes; i++) {
        const csec_toml_value *t = i < lf->count ? pkgs->u.array.items[i] : rootpkg;
        if (read_package(&c, t, &lf->pkgs[i], &deps[i], &ndeps[i], &reps[i]) < 0)
            goto done;
        if (lf->pkgs[i].checksum)
            pkg_checksums = true;
    }

    /* An entry identical to an earlier one (every key and value the same)
     * is the same package written twice: it counts once. */
    drop_repeated(lf, pkgs, deps, ndeps, reps);
    nodes = csec__lockfile_nodes(lf);

    /* Format detection when `version` is absent (spec §4.3). */
    bool meta_checksums = false;
    for (size_t i = 0; meta && i < meta->u.table.count; i++)
        if (strncmp(meta->u.table.items[i].key, "checksum ", 9) == 0)
            meta_checksums = true;
    if (ver) {
        lf->format = (int)ver->u.integer;
    } else if (meta_checksums && pkg_checksums) {
        fail_at(&c, meta,
                "checksums in both [metadata] and [[package]]: cannot tell the lockfile format");
        goto done;
    } else {
        lf->format = meta_checksums ? 1 : 2;
    }

    idx = csec__xcalloc(lf->count, sizeof *idx);
    for (size_t i = 0; i < lf->count; i++)
        idx[i] = (by_name){lf->pkgs[i].name, i};
    qsort(idx, lf->count, sizeof *idx, cmp_by_name);
    if (lf->format == 1)
        v1_checksums(lf, meta, idx, lf->count);
    for (size_t i = 0; i < nodes; i++) {
        csec_lock_package *p = &lf->pkgs[i];
        csec_lock_dep *list =
            ndeps[i] ? csec__arena_alloc(&lf->arena, csec__mul(ndeps[i], sizeof *list)) : NULL;
        for (size_t k = 0; k < ndeps[i]; k++)
            if (resolve(&c, idx, lf->count, &deps[i][k], &list[k]) < 0)
                goto done;
        p->deps = list;
        p->deps_count = ndeps[i];
        if (reps[i]) {
            csec_lock_dep *r = csec__arena_alloc(&lf->arena, sizeof *r);
            if (resolve(&c, idx, lf->count, reps[i], r) < 0)
                goto done;
            p->replace = r;
        }
    }
    build_reverse(lf);
    *out = lf;
    lf = NULL;
    rc = 0;
done:
    free(idx);
    free(deps);
    free(reps);
    free(ndeps);
    csec__arena_free(&toml_arena);
    csec_lockfile_free(lf);
    return rc;
}

int csec_lockfile_open(csec_lockfile **out, const char *path, csec_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = csec__read_file(&text, &len, path, CSEC_LOCKFILE_MAX_BYTES, d);
    if (rc == 0)
        rc = csec_lockfile_parse(out, path, text, len, d);
    free(text);
    return rc;
}

void csec_lockfile_free(csec_lockfile *lf)
{
    if (!lf)
        return;
    csec__arena_free(&lf->arena);
    free(lf);
}

int csec_lockfile_format(const csec_lockfile *lf)
{
    return lf->format;
}

size_t csec_lockfile_count(const csec_lockfile *lf)
{
    return lf->count;
}

const csec_lock_package *csec_lockfile_get(const csec_lockfile *lf, size_t i)
{
    return i < lf->count ? &lf->pkgs[i] : NULL;
}

const csec_lock_package *csec_lockfile_root(const csec_lockfile *lf)
{
    return lf->has_root ? &lf->pkgs[lf->count] : NULL;
}

size_t csec_lockfile_path(const csec_lockfile *lf, const csec_lock_package *p,
                          const csec_lock_package **out, size_t cap)
{
    size_t nodes = csec__lockfile_nodes(lf);
    if (p < lf->pkgs || p >= lf->pkgs + nodes)
        return 0;
    size_t start = (size_t)(p - lf->pkgs), found = start;
    /* Breadth-first over reverse edges: the first package reached that
     * nothing depends on ends a shortest chain.  Iterative, so the depth of
     * the graph (input-controlled) never reaches the C stack. */
    size_t *prev = csec__xmalloc(csec__mul(nodes, sizeof *prev));
    size_t *queue = csec__xmalloc(csec__mul(nodes, sizeof *queue));
    for (size_t i = 0; i < nodes; i++)
        prev[i] = SIZE_MAX;
    size_t head = 0, tail = 0;
    prev[start] = start;
    queue[tail++] = start;
    while (head < tail) {
        size_t u = queue[head++];
        if (lf->rev_start[u] == lf->rev_start[u + 1]) {
            found = u;
            break;
        }
        for (size_t e = lf->rev_start[u]; e < lf->rev_start[u + 1]; e++) {
            size_t w = lf->rev[e];
            if (prev[w] == SIZE_MAX) {
                prev[w] = u;
                queue[tail++] = w;
            }
        }
    }
    /* A package reached only through a cycle has no root: show it alone. */
    if (lf->rev_start[found] != lf->rev_start[found + 1])
        found = start;
    size_t len = 0;
    for (size_t u = found;; u = prev[u]) {
        if (len < cap)
            out[len] = &lf->pkgs[u];
        len++;
        if (u == start)
            break;
    }
    free(prev);
    free(queue);
    return len;
}
