/* lint.c - RustSec's per-file advisory linter (spec §5.1, §5.2).
 *
 * Problems are reported in sorted key order (what rustsec's own tests
 * expect), with the file position of the key or value at fault. */
#include "advisory.h"
#include "markdown_budget.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lint_ctx {
    const char *path;
    const char *text;
    size_t len;
    csec__frontmatter fm;
    const csec_advisory *adv;
    csec_diag_cb cb;
    void *payload;
    size_t count;
    csec_buf tmp;
} lint_ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
report(lint_ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
    csec_diag d;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    csec__diag_set(&d, CSEC_EPARSE, c->path ? c->path : "", line, col, "%s", msg);
    c->count++;
    if (c->cb)
        c->cb(&d, c->payload);
}

/* Renders a TOML value as the linter quotes it, in c->tmp. */
static const char *render(lint_ctx *c, const csec_toml_value *v)
{
    csec_buf_clear(&c->tmp);
    csec__toml_write(&c->tmp, v);
    return c->tmp.ptr ? c->tmp.ptr : "";
}

static void pos_of(const lint_ctx *c, uint32_t line, uint32_t col, uint32_t *l, uint32_t *cc)
{
    csec__toml_pos_to_file(c->text, &c->fm, false, line, col, l, cc);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
report_node(lint_ctx *c, const csec_toml_value *v, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint32_t l, cc;
    pos_of(c, v->line, v->col, &l, &cc);
    report(c, l, cc, "%s", msg);
}

static void report_key(lint_ctx *c, const csec_toml_kv *kv, const char *section)
{
    uint32_t l, cc;
    pos_of(c, kv->line, kv->col, &l, &cc);
    if (section)
        report(c, l, cc, "invalid key `%s` in [%s]", kv->key, section);
    else
        report(c, l, cc, "invalid key `%s` in toplevel", kv->key);
}

static int cmp_kv(const void *x, const void *y)
{
    const csec_toml_kv *a = *(const csec_toml_kv *const *)x, *b = *(const csec_toml_kv *const *)y;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int r = memcmp(a->key, b->key, n);
    return r ? r : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* The table's entries in sorted key order (caller frees the array). */
static const csec_toml_kv **sorted_kvs(const csec_toml_value *t, size_t *n)
{
    *n = t->u.table.count;
    const csec_toml_kv **kvs = csec__xmalloc(csec__mul(*n ? *n : 1, sizeof *kvs));
    for (size_t i = 0; i < *n; i++)
        kvs[i] = &t->u.table.items[i];
    qsort(kvs, *n, sizeof *kvs, cmp_kv);
    return kvs;
}

/* Whether a string value holds a NUL byte (TOML allows "\u0000"): such a value
 * is never one of the known names, whatever its C-string prefix says. */
static bool has_nul(const csec_toml_value *v)
{
    return memchr(v->u.str.ptr, '\0', v->u.str.len) != NULL;
}

static bool key_is(const csec_toml_kv *kv, const char *k)
{
    return kv->key_len == strlen(k) && memcmp(kv->key, k, kv->key_len) == 0;
}

static void lint_id(lint_ctx *c, const csec_toml_value *v)
{
    csec__id_kind kind;
    int year;
    if (v->type != CSEC_TOML_STRING || csec__id_parse(&kind, &year, v->u.str.ptr, v->u.str.len,
                                                      NULL) < 0)
        return;
    if (kind == CSEC__ID_OTHER)
        report_node(c, v, "invalid value `%s` for key `id` in [advisory]: unknown advisory ID type",
                    render(c, v));
    else if ((kind == CSEC__ID_RUSTSEC || kind == CSEC__ID_TALOS) && year != c->adv->date.year)
        report_node(c, v,
                    "invalid value `%s` for key `id` in [advisory]: year in advisory ID does not "
                    "match date",
                    render(c, v));
}

static void lint_advisory(lint_ctx *c, const csec_toml_value *t)
{
    static const char *const plain[] = {"aliases",  "cvss",     "keywords",    "package",
                                        "references", "related", "title",       "withdrawn",
                                        "description", "date",   "expect-deleted"};
    size_t n;
    const csec_toml_kv **kvs = sorted_kvs(t, &n);
    for (size_t i = 0; i < n; i++) {
        const csec_toml_kv *kv = kvs[i];
        const csec_toml_value *v = kv->value;
        if (key_is(kv, "id")) {
            lint_id(c, v);
        } else if (key_is(kv, "categories")) {
            for (size_t k = 0; v->type == CSEC_TOML_ARRAY && k < v->u.array.count; k++) {
                const csec_toml_value *it = v->u.array.items[k];
                if (it->type == CSEC_TOML_STRING &&
                    (has_nul(it) || !csec__category_known(it->u.str.ptr)))
                    report_node(c, it,
                                "invalid value `%s` for key `category` in [advisory]: unknown "
                                "category \"%s\"",
                                it->u.str.ptr, it->u.str.ptr);
            }
        } else if (key_is(kv, "collection")) {
            uint32_t l, cc;
            pos_of(c, kv->line, kv->col, &l, &cc);
            report(c, l, cc,
                   "malformed content in [advisory]: collection shouldn't be explicit; inferred "
                   "by location");
        } else if (key_is(kv, "informational")) {
            if (c->adv->informational == CSEC_INFO_OTHER)
                report_node(c, v,
                            "invalid value `%s` for key `informational` in [advisory]: unknown "
                            "informational advisory type \"%s\"",
                            render(c, v), c->adv->informational_raw);
        } else if (key_is(kv, "url")) {
            if (v->type == CSEC_TOML_STRING && strncmp(v->u.str.ptr, "https://", 8) != 0)
                report_node(c, v,
                            "invalid value `%s` for key `url` in [advisory]: URL must start with "
                            "https://",
                            render(c, v));
        } else if (key_is(kv, "license")) {
            if (v->type != CSEC_TOML_STRING || has_nul(v) ||
                (strcmp(v->u.str.ptr, "CC0-1.0") != 0 && strcmp(v->u.str.ptr, "CC-BY-4.0") != 0))
                report_node(c, v,
                            "invalid value `%s` for key `license` in [advisory]: unknown license "
                            "(expected CC0-1.0 or CC-BY-4.0)",
                            render(c, v));
        } else if (key_is(kv, "yanked")) {
            if (!csec__toml_get(t, "withdrawn")) {
                uint32_t l, cc;
                pos_of(c, kv->line, kv->col, &l, &cc);
                report(c, l, cc, "invalid key `yanked` in [advisory]: use `withdrawn` instead");
            }
        } else {
            bool ok = false;
            for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
                ok = ok || key_is(kv, plain[k]);
            if (!ok)
                report_key(c, kv, "advisory");
        }
    }
    free(kvs);
}

static void lint_versions(lint_ctx *c, const csec_toml_value *t)
{
    size_t n;
    const csec_toml_kv **kvs = sorted_kvs(t, &n);
    for (size_t i = 0; i < n; i++)
        if (!key_is(kvs[i], "patched") && !key_is(kvs[i], "unaffected"))
            report_key(c, kvs[i], "versions");
    free(kvs);
}

static const char *const arches[] = {
    "aarch64",   "amdgpu",  "arm",      "arm64ec", "avr",     "bpf",       "csky",
    "hexagon",   "loongarch32", "loongarch64", "m68k", "mips", "mips32r6",  "mips64",
    "mips64r6",  "msp430",  "nvptx64",  "powerpc", "powerpc64", "riscv32", "riscv64",
    "s390x",     "sparc",   "sparc64",  "wasm32",  "wasm64",  "x86",       "x86_64",
    "xtensa",
};

static bool arch_known(const char *s)
{
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        if (strcmp(s, arches[i]) == 0)
            return true;
    return false;
}

static void lint_functions(lint_ctx *c, const csec_toml_value *f)
{
    const char *pkg = c->adv->package;
    size_t plen = strlen(pkg);
    size_t n;
    const csec_toml_kv **kvs = sorted_kvs(f, &n);
    for (size_t i = 0; i < n; i++) {
        const char *path = kvs[i]->key;
        const char *sep = strstr(path, "::");
        size_t seg = sep ? (size_t)(sep - path) : kvs[i]->key_len;
        bool ok = seg == plen;
        for (size_t k = 0; ok && k < plen; k++)
            ok = path[k] == (pkg[k] == '-' ? '_' : pkg[k]);
        if (!ok) {
            uint32_t l, cc;
            pos_of(c, kvs[i]->line, kvs[i]->col, &l, &cc);
            report(c, l, cc,
                   "invalid value `%s` for key `functions` in [affected]: function path must "
                   "start with crate name",
                   path);
        }
    }
    free(kvs);
}

static void lint_affected(lint_ctx *c, const csec_toml_value *t)
{
    size_t n;
    const csec_toml_kv **kvs = sorted_kvs(t, &n);
    for (size_t i = 0; i < n; i++) {
        const csec_toml_value *v = kvs[i]->value;
        bool arch = key_is(kvs[i], "arch"), os = key_is(kvs[i], "os");
        if (arch || os) {
            for (size_t k = 0; v->type == CSEC_TOML_ARRAY && k < v->u.array.count; k++) {
                const csec_toml_value *it = v->u.array.items[k];
                if (it->type != CSEC_TOML_STRING)
                    continue;
                if (it->u.str.len == 0)
                    report_node(c, it, "invalid value `\"\"` for key `%s` in [affected]: empty "
                                       "string",
                                arch ? "arch" : "os");
                else if (arch && (has_nul(it) || !arch_known(it->u.str.ptr)))
                    report_node(c, it,
                                "invalid value `%s` for key `arch` in [affected]: unknown "
                                "architecture",
                                render(c, it));
            }
        } else if (key_is(kvs[i], "functions")) {
            if (v->type == CSEC_TOML_TABLE)
                lint_functions(c, v);
        } else {
            report_key(c, kvs[i], "affected");
        }
    }
    free(kvs);
}

static bool ascii_alnum(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Bare @-mentions in the Markdown (spec §5.2 rule 3), with rustsec's
 * line-number formula. */
static void lint_mentions(lint_ctx *c)
{
    size_t fm_lines = 0;
    if (c->fm.toml_len > 0) {
        fm_lines = 1;
        for (size_t i = 0; i < c->fm.toml_len; i++)
            fm_lines += c->text[c->fm.toml_off + i] == '\n';
    }
    const char *md = c->text + c->fm.markdown_off;
    size_t md_len = c->fm.markdown_len, pos = 0, idx = 0;
    uint32_t file_line, file_col;
    csec__line_col(c->text, c->fm.markdown_off, &file_line, &file_col);
    while (pos < md_len) {
        const char *nl = memchr(md + pos, '\n', md_len - pos);
        size_t end = nl ? (size_t)(nl - md) : md_len;
        for (size_t p = pos; p < end; p++) {
            if (md[p] != '@')
                continue;
            size_t w = p + 1;
            while (w < end && csec__ws_at(md + w, end - w) == 0)
                w++;
            const char *word = md + p + 1;
            size_t wlen = w - (p + 1);
            if (wlen == 0 || !ascii_alnum(word[0]) || memchr(word, '.', wlen) ||
                memchr(word, '@', wlen) || memchr(word, '`', wlen))
                continue;
            while (wlen > 0 && word[wlen - 1] == ')')
                wlen--;
            report(c, file_line + (uint32_t)idx, (uint32_t)(p - pos + 1),
                   "bare @%.*s in advisory on line %zu (use explicit link to avoid spam)",
                   (int)(wlen > 100 ? 100 : wlen), word, fm_lines + 4 + idx);
            break;
        }
        if (!nl)
            break;
        pos = end + 1;
        idx++;
    }
}

/* The description must be within what the server renders as Markdown
 * (lib/markdown_budget.h; beyond it the pages show it as plain text). */
static void lint_markdown_budget(lint_ctx *c)
{
    csec_diag d;
    if (csec__markdown_budget(c->text + c->fm.desc_off, c->fm.desc_len, &d) == 0)
        return;
    uint32_t line, col;
    csec__line_col(c->text, c->fm.desc_off, &line, &col);
    report(c, line + d.line - 1, d.line == 1 ? col + d.col - 1 : d.col, "description is shown as plain text: %s",
           d.msg);
}

static bool is_draft_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strncmp(base, "RUSTSEC-0000-0000.", 18) == 0;
}

size_t csec_advisory_lint(const char *path, const char *text, size_t len, csec_diag_cb cb,
                          void *payload)
{
    lint_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.text = text;
    c.len = len;
    c.cb = cb;
    c.payload = payload;
    csec_arena arena = CSEC_ARENA_INIT, scratch = CSEC_ARENA_INIT;
    csec_diag d;
    csec__diag_clear(&d);

    if (path && !csec__path_has_md_ext(path)) {
        const char *base = strrchr(path, '/');
        report(&c, 0, 0, "unexpected file extension in `%s` (expected .md)",
               base ? base + 1 : path);
        goto done;
    }
    /* The draft rule is checked on the id as written, before the loader's
     * file-name check (which would otherwise report the same problem). */
    const char *parse_path = path;
    if (path && csec__frontmatter_split(&c.fm, text, len, NULL) == 0) {
        csec_toml_value *raw = NULL;
        const csec_toml_value *idv = NULL;
        if (csec__toml_parse(&raw, &scratch, text + c.fm.toml_off, c.fm.toml_len, NULL) == 0) {
            const csec_toml_value *adv = csec__toml_get(raw, "advisory");
            idv = csec__toml_get(adv ? adv : raw, "id");
            if (idv && idv->type != CSEC_TOML_STRING)
                idv = NULL;
        }
        if (idv && (strcmp(idv->u.str.ptr, "RUSTSEC-0000-0000") == 0) != is_draft_name(path)) {
            /* at the id, so the message says where the mismatch is */
            report_node(&c, idv, "advisory ID draft status does not match file name");
            parse_path = NULL;
        }
        csec__arena_free(&scratch);
    }
    csec_advisory *a = NULL;
    if (csec__advisory_parse_arena(&a, &arena, parse_path, text, len, &d) < 0) {
        report(&c, d.line, d.col, "%s", d.msg);
        goto done;
    }
    c.adv = a;
    csec__frontmatter_split(&c.fm, text, len, NULL);

    /* The linter reads the front matter as written, without the "[advisory]"
     * prefix the loader adds to V4 files (spec §5.2 rule 4). */
    csec_toml_value *root = NULL;
    if (csec__toml_parse(&root, &scratch, text + c.fm.toml_off, c.fm.toml_len, &d) < 0) {
        uint32_t l, cc;
        pos_of(&c, d.line, d.col, &l, &cc);
        report(&c, l, cc, "TOML: %s", d.msg);
        goto done;
    }
    size_t n;
    const csec_toml_kv **kvs = sorted_kvs(root, &n);
    for (size_t i = 0; i < n; i++) {
        const csec_toml_value *v = kvs[i]->value;
        if (key_is(kvs[i], "advisory") && v->type == CSEC_TOML_TABLE)
            lint_advisory(&c, v);
        else if (key_is(kvs[i], "versions") && v->type == CSEC_TOML_TABLE)
            lint_versions(&c, v);
        else if (key_is(kvs[i], "affected") && v->type == CSEC_TOML_TABLE)
            lint_affected(&c, v);
        else
            report_key(&c, kvs[i], NULL);
    }
    free(kvs);
    lint_mentions(&c);
    lint_markdown_budget(&c);
done:
    csec__arena_free(&scratch);
    csec__arena_free(&arena);
    csec_buf_free(&c.tmp);
    return c.count;
}
