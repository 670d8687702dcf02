/* audit_input.c - limits, parsing and auditing of a lockfile sent to the
 * site (audit_input.h). */
#include "audit_input.h"

#include "crypto.h"
#include "index.h"
#include "registry.h"
#include "toml.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The yanked check asks the registry index; a sparse index fetches crates it
 * has not seen over HTTP, so the check of one lockfile may spend at most
 * this long on it (the rest is reported as not checked). */
#define YANKED_BUDGET_MS 3000.0

/* The report id (srv_audit_id_valid has its form). */
static void report_id(char out[STATE_REPORT_ID_MAX + 1], const char *lockfile, size_t len,
                      const char *manifest, size_t manifest_len)
{
    state_sha256_hex(out, lockfile, len);
    if (manifest) {
        char m[65];
        state_sha256_hex(m, manifest, manifest_len);
        out[64] = '-';
        memcpy(out + 65, m, 16);
        out[81] = '\0';
    }
}

bool srv_audit_id_valid(const char *id)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(id);
    if (strspn(id, hex) != 64)
        return false;
    return n == 64 || (n == 81 && id[64] == '-' && strspn(id + 65, hex) == 16);
}

static int refuse(srv_audit *a, int status, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(srv_audit *a, int status, const char *file, const char *fmt, ...)
{
    a->status = status;
    va_list ap;
    va_start(ap, fmt);
    csec__diag_vset(&a->diag, CSEC_EINVAL, file, 0, 0, fmt, ap);
    va_end(ap);
    return status;
}

/* The parser's refusal of `file` (its position and message), a 400. */
static int unreadable(srv_audit *a, const csec_diag *d, const char *file)
{
    a->status = 400;
    a->diag = *d;
    snprintf(a->diag.file, sizeof a->diag.file, "%s", file);
    return 400;
}

/* ---- the yanked check ---- */

typedef struct yank_ctx {
    const srv_site *s;
    double deadline;
} yank_ctx;

static int yanked(const char *name, const char *version, void *payload)
{
    yank_ctx *y = payload;
    if (y->s->sparse && csec__now_ms() > y->deadline)
        return -1;
    const csec_index_crate *c = srv_index_crate(y->s, name);
    for (size_t i = 0; c && i < c->versions_count; i++)
        if (strcmp(c->versions[i].vers, version) == 0)
            return c->versions[i].yanked ? 1 : 0;
    return -1;
}

/* ---- Cargo.toml ---- */

/* Records the dependencies of one dependency table. */
static void deps_table(const csec_toml_value *t, unsigned kind, const char **names, unsigned *kinds,
                       size_t *n, size_t cap)
{
    if (!t || t->type != CSEC_TOML_TABLE)
        return;
    for (size_t i = 0; i < t->u.table.count && *n < cap; i++) {
        const csec_toml_kv *kv = &t->u.table.items[i];
        const char *name = kv->key;
        /* `alias = { package = "real-name", ... }` */
        if (kv->value->type == CSEC_TOML_TABLE) {
            const csec_toml_value *pk = csec__toml_get(kv->value, "package");
            if (pk && pk->type == CSEC_TOML_STRING)
                name = pk->u.str.ptr;
        }
        names[*n] = name;
        kinds[(*n)++] = kind;
    }
}

/* Parses the manifest and marks the lockfile packages it depends on. */
static int read_manifest(srv_audit *a, const char *text, size_t len)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_toml_value *root = NULL;
    csec_diag d;
    if (csec__toml_parse(&root, &arena, text, len, &d) < 0) {
        csec__arena_free(&arena);
        return unreadable(a, &d, "Cargo.toml");
    }
    a->has_manifest = true;
    const csec_toml_value *pkg = csec__toml_get(root, "package");
    const csec_toml_value *pname = pkg ? csec__toml_get(pkg, "name") : NULL;
    if (pname && pname->type == CSEC_TOML_STRING)
        snprintf(a->root, sizeof a->root, "%s", pname->u.str.ptr);
    enum { CAP = 4096 };
    const char **names = csec__xcalloc(CAP, sizeof *names);
    unsigned *kinds = csec__xcalloc(CAP, sizeof *kinds);
    size_t n = 0;
    static const struct {
        const char *key;
        unsigned kind;
    } tables[] = {{"dependencies", SRV_DIRECT_NORMAL},
                  {"dev-dependencies", SRV_DIRECT_DEV},
                  {"dev_dependencies", SRV_DIRECT_DEV},
                  {"build-dependencies", SRV_DIRECT_BUILD},
                  {"build_dependencies", SRV_DIRECT_BUILD}};
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++)
        deps_table(csec__toml_get(root, tables[k].key), tables[k].kind, names, kinds, &n, CAP);
    /* [target.'cfg(...)'.dependencies] and friends. */
    const csec_toml_value *target = csec__toml_get(root, "target");
    for (size_t i = 0; target && target->type == CSEC_TOML_TABLE && i < target->u.table.count;
         i++)
        for (size_t k = 0; k < sizeof tables / sizeof *tables; k++)
            deps_table(csec__toml_get(target->u.table.items[i].value, tables[k].key),
                       tables[k].kind, names, kinds, &n, CAP);
    /* A virtual workspace manifest: its shared dependency declarations. */
    const csec_toml_value *ws = csec__toml_get(root, "workspace");
    if (!a->root[0] && ws)
        deps_table(csec__toml_get(ws, "dependencies"), SRV_DIRECT_NORMAL, names, kinds, &n, CAP);

    size_t count = csec_lockfile_count(a->lockfile);
    a->direct = csec__xcalloc(count + 1, 1);
    /* The manifest's own package in the lockfile: its dependency edges say
     * which version of a name it depends on.  Without one (a virtual
     * manifest, or a package the lockfile lacks), every version of a
     * declared name counts. */
    const csec_lock_package *self = NULL;
    for (size_t i = 0; a->root[0] && i < count && !self; i++) {
        const csec_lock_package *p = csec_lockfile_get(a->lockfile, i);
        if (!p->source && strcmp(p->name, a->root) == 0)
            self = p;
    }
    for (size_t k = 0; k < n; k++) {
        if (self) {
            for (size_t e = 0; e < self->deps_count; e++)
                if (strcmp(self->deps[e].name, names[k]) == 0 && self->deps[e].package < count)
                    a->direct[self->deps[e].package] |= (unsigned char)kinds[k];
        } else {
            for (size_t i = 0; i < count; i++)
                if (strcmp(csec_lockfile_get(a->lockfile, i)->name, names[k]) == 0)
                    a->direct[i] |= (unsigned char)kinds[k];
        }
    }
    free(names);
    free(kinds);
    csec__arena_free(&arena);
    return 0;
}

int srv_audit_run(srv_audit *a, const srv_site *s, const char *lockfile, size_t len,
                  const char *manifest, size_t manifest_len)
{
    memset(a, 0, sizeof *a);
    if (len > SRV_AUDIT_MAX_LOCKFILE)
        return refuse(a, 413, "Cargo.lock",
                      "the lockfile is %zu bytes; the site audits lockfiles up to %zu bytes "
                      "(5 MiB)",
                      len, SRV_AUDIT_MAX_LOCKFILE);
    if (manifest && manifest_len > SRV_AUDIT_MAX_MANIFEST)
        return refuse(a, 413, "Cargo.toml", "the Cargo.toml is %zu bytes; the limit is %zu bytes (1 MiB)",
                      manifest_len, SRV_AUDIT_MAX_MANIFEST);
    if (len == 0)
        return refuse(a, 400, "Cargo.lock", "the lockfile is empty");
    report_id(a->id, lockfile, len, manifest, manifest_len);
    csec_diag d;
    if (csec_lockfile_parse(&a->lockfile, "Cargo.lock", lockfile, len, &d) < 0)
        return unreadable(a, &d, "Cargo.lock");
    size_t count = csec_lockfile_count(a->lockfile);
    if (count > SRV_AUDIT_MAX_PACKAGES)
        return refuse(a, 413, "Cargo.lock",
                      "the lockfile has %zu packages; the site audits lockfiles of up to %d",
                      count, SRV_AUDIT_MAX_PACKAGES);
    if (manifest && read_manifest(a, manifest, manifest_len) != 0)
        return a->status;
    csec_audit_options o = CSEC_AUDIT_OPTIONS_INIT;
    yank_ctx y = {s, csec__now_ms() + YANKED_BUDGET_MS};
    if (srv_has_index(s)) {
        o.yanked = yanked;
        o.yanked_payload = &y;
    }
    if (csec_audit(&a->report, s->db, a->lockfile, &o, &d) < 0)
        return refuse(a, 400, "Cargo.lock", "cannot audit: %s", d.msg);
    a->yanked_checked = a->report->yanked_checked;
    a->yanked_unknown = a->report->yanked_unknown;
    for (size_t i = 0; i < count && !a->incomplete; i++) {
        const csec_lock_package *p = csec_lockfile_get(a->lockfile, i);
        if (p->crates_io &&
            (a->incomplete = csec_db_package_error(s->db, CSEC_COLLECTION_CRATES, p->name)))
            a->incomplete_crate = p->name;
    }
    return 0;
}

void srv_audit_free(srv_audit *a)
{
    csec_audit_report_free(a->report);
    csec_lockfile_free(a->lockfile);
    free(a->direct);
    memset(a, 0, sizeof *a);
}

void srv_audit_error_text(csec_buf *out, const srv_audit *a)
{
    csec_buf_puts(out, a->diag.file[0] ? a->diag.file : "Cargo.lock");
    if (a->diag.line)
        csec_buf_printf(out, ", line %u", a->diag.line);
    if (a->diag.col)
        csec_buf_printf(out, ", column %u", a->diag.col);
    csec_buf_printf(out, ": %s", a->diag.msg);
}

size_t srv_audit_packages(const csec_lockfile *lf, state_pkg **out)
{
    size_t count = csec_lockfile_count(lf), n = 0;
    *out = csec__xcalloc(count + 1, sizeof **out);
    for (size_t i = 0; i < count; i++) {
        const csec_lock_package *p = csec_lockfile_get(lf, i);
        if (p->crates_io)
            (*out)[n++] = (state_pkg){p->name, p->version_text};
    }
    return n;
}
