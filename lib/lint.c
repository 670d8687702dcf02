/* lint.c - RustSec's per-file advisory linter (spec §5.1, §5.2), and the
 * database linter: the loader's own walk (db.h) plus these checks.
 *
 * Problems are reported in sorted key order (what rustsec's own tests
 * expect), with the file position of the key or value at fault. */
#include "advisory.h"
#include "markdown_budget.h"

#include "db.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lint_ctx {
    const char *path;
    const char *text;
    csec__frontmatter fm;
    const csec_advisory *adv;
    csec_diag_cb cb;
    void *payload;
    size_t count;
    csec_buf tmp;
} lint_ctx;

static void vreport(lint_ctx *c, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
    csec_diag d;
    csec__diag_vset(&d, CSEC_EPARSE, c->path ? c->path : "", line, col, fmt, ap);
    c->count++;
    if (c->cb)
        c->cb(&d, c->payload);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
report(lint_ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, line, col, fmt, ap);
    va_end(ap);
}

/* Renders a TOML value as the linter quotes it, in c->tmp. */
static const char *render(lint_ctx *c, const csec_toml_value *v)
{
    csec_buf_clear(&c->tmp);
    csec__toml_write(&c->tmp, v);
    return c->tmp.ptr ? c->tmp.ptr : "";
}

/* The same at line:col of the front matter's TOML (a value's or a key's
 * position), which this turns into the file's. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
report_toml(lint_ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
    uint32_t l, cc;
    csec__toml_pos_to_file(c->text, &c->fm, false, line, col, &l, &cc);
    va_list ap;
    va_start(ap, fmt);
    vreport(c, l, cc, fmt, ap);
    va_end(ap);
}

static void report_key(lint_ctx *c, const csec_toml_kv *kv, const char *section)
{
    if (section)
        report_toml(c, kv->line, kv->col, "invalid key `%s` in [%s]", kv->key, section);
    else
        report_toml(c, kv->line, kv->col, "invalid key `%s` in toplevel", kv->key);
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
        report_toml(c, v->line, v->col,
                    "invalid value `%s` for key `id` in [advisory]: unknown advisory ID type",
                    render(c, v));
    else if ((kind == CSEC__ID_RUSTSEC || kind == CSEC__ID_TALOS) && year != c->adv->date.year)
        report_toml(c, v->line, v->col,
                    "invalid value `%s` for key `id` in [advisory]: year in advisory ID does not "
                    "match date",
                    render(c, v));
}

/* The known categories (spec §1.9.1). */
static const char *const categories[] = {
    "code-execution",       "crypto-failure", "denial-of-service", "file-disclosure",
    "format-injection",     "malicious",      "memory-corruption", "memory-exposure",
    "privilege-escalation", "thread-safety",
};
static const csec_strlist known_categories = {categories, sizeof categories / sizeof categories[0]};

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
                    (has_nul(it) || !csec__strlist_has(&known_categories, it->u.str.ptr)))
                    report_toml(c, it->line, it->col,
                                "invalid value `%s` for key `category` in [advisory]: unknown "
                                "category \"%s\"",
                                it->u.str.ptr, it->u.str.ptr);
            }
        } else if (key_is(kv, "collection")) {
            report_toml(
                c, kv->line, kv->col,
                "malformed content in [advisory]: collection shouldn't be explicit; inferred "
                "by location");
        } else if (key_is(kv, "informational")) {
            if (c->adv->informational == CSEC_INFO_OTHER)
                report_toml(c, v->line, v->col,
                            "invalid value `%s` for key `informational` in [advisory]: unknown "
                            "informational advisory type \"%s\"",
                            render(c, v), c->adv->informational_raw);
        } else if (key_is(kv, "url")) {
            if (v->type == CSEC_TOML_STRING && strncmp(v->u.str.ptr, "https://", 8) != 0)
                report_toml(c, v->line, v->col,
                            "invalid value `%s` for key `url` in [advisory]: URL must start with "
                            "https://",
                            render(c, v));
        } else if (key_is(kv, "license")) {
            if (v->type != CSEC_TOML_STRING || has_nul(v) ||
                (strcmp(v->u.str.ptr, "CC0-1.0") != 0 && strcmp(v->u.str.ptr, "CC-BY-4.0") != 0))
                report_toml(c, v->line, v->col,
                            "invalid value `%s` for key `license` in [advisory]: unknown license "
                            "(expected CC0-1.0 or CC-BY-4.0)",
                            render(c, v));
        } else if (key_is(kv, "yanked")) {
            if (!csec__toml_get(t, "withdrawn"))
                report_toml(c, kv->line, kv->col,
                            "invalid key `yanked` in [advisory]: use `withdrawn` instead");
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
static const csec_strlist known_arches = {arches, sizeof arches / sizeof arches[0]};

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
        if (!ok)
            report_toml(c, kvs[i]->line, kvs[i]->col,
                        "invalid value `%s` for key `functions` in [affected]: function path must "
                        "start with crate name",
                        path);
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
                    report_toml(c, it->line, it->col,
                                "invalid value `\"\"` for key `%s` in [affected]: empty "
                                "string",
                                arch ? "arch" : "os");
                else if (arch && (has_nul(it) || !csec__strlist_has(&known_arches, it->u.str.ptr)))
                    report_toml(c, it->line, it->col,
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

/* The control character (C0 but tab, line feed and carriage return; DEL;
 * C1) at s[0], as its code point, or -1.  Terminals act on them: an escape
 * sequence in a title or a URL can clear the screen, retitle the window or
 * forge a link wherever the text is printed. */
static long control_at(const char *s, size_t n, size_t *width)
{
    uint32_t cp;
    *width = csec__utf8_decode((const unsigned char *)s, n, &cp, NULL);
    if (*width == 0) {
        *width = 1; /* not UTF-8: the parser reports that */
        return -1;
    }
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f))
        return (long)cp;
    return -1;
}

/* Control characters in every string of the front matter, one report per
 * string, in document order.  A walk with its own stack: a dotted key nests
 * a table per segment, 127,000 deep in a file of the largest size read, and
 * recursion would overflow the thread's stack (the parser and the TOML
 * writer do not recurse either). */
static void lint_controls_in(lint_ctx *c, const csec_toml_value *root)
{
    typedef struct {
        const csec_toml_value *v;
        const char *key;
    } pending;
    size_t n = 0, cap = 0;
    pending *stack = csec__grow(NULL, &cap, 64, sizeof *stack);
    stack[n++] = (pending){root, ""};
    while (n > 0) {
        pending it = stack[--n];
        const csec_toml_value *v = it.v;
        if (v->type == CSEC_TOML_STRING) {
            size_t w;
            for (size_t i = 0; i < v->u.str.len; i += w) {
                long cp = control_at(v->u.str.ptr + i, v->u.str.len - i, &w);
                if (cp >= 0) {
                    report_toml(c, v->line, v->col, "control character U+%04lX in `%s`",
                                (unsigned long)cp, it.key);
                    break;
                }
            }
            continue;
        }
        bool table = v->type == CSEC_TOML_TABLE;
        size_t count = table ? v->u.table.count : v->type == CSEC_TOML_ARRAY ? v->u.array.count : 0;
        /* Children pushed last first, so that they are visited in order. */
        for (size_t i = count; i-- > 0;) {
            if (n == cap)
                stack = csec__grow(stack, &cap, 64, sizeof *stack);
            stack[n++] = table ? (pending){v->u.table.items[i].value, v->u.table.items[i].key}
                               : (pending){v->u.array.items[i], it.key};
        }
    }
    free(stack);
}

/* Control characters in the title and description (the Markdown).  In the
 * title a carriage return is one too, unless a line feed follows it (a CRLF
 * line end): RustSec keeps it in the title, and a terminal printing
 * "Harmless\rCRITICAL" shows only what comes after it. */
static void lint_controls_md(lint_ctx *c)
{
    const char *md = c->text + c->fm.markdown_off;
    size_t w, title_end = c->fm.desc_off - c->fm.markdown_off;
    for (size_t i = 0; i < c->fm.markdown_len; i += w) {
        long cp = control_at(md + i, c->fm.markdown_len - i, &w);
        if (cp < 0 && md[i] == '\r' && i < title_end && i + 1 < c->fm.markdown_len &&
            md[i + 1] != '\n')
            cp = '\r';
        if (cp < 0)
            continue;
        uint32_t l, cc;
        csec__line_col(c->text, c->fm.markdown_off + i, &l, &cc);
        report(c, l, cc, "control character U+%04lX in the %s", (unsigned long)cp,
               c->fm.markdown_off + i < c->fm.desc_off ? "title" : "description");
        return;
    }
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
    /* Split once: a file that parses has split, and the checks after the
     * parse read c.fm too. */
    bool split = csec__frontmatter_split(&c.fm, text, len, NULL) == 0;
    /* The draft rule is checked on the id as written, before the loader's
     * file-name check (which would otherwise report the same problem). */
    const char *parse_path = path;
    if (path && split) {
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
            report_toml(&c, idv->line, idv->col,
                        "advisory ID draft status does not match file name");
            parse_path = NULL;
        }
        csec__arena_free(&scratch);
    }
    csec_advisory *a = NULL;
    if (csec__advisory_parse_arena(&a, NULL, &arena, parse_path, text, len, &d) < 0) {
        report(&c, d.line, d.col, "%s", d.msg);
        goto done;
    }
    c.adv = a;

    /* The linter reads the front matter as written, without the "[advisory]"
     * prefix the loader adds to V4 files (spec §5.2 rule 4). */
    csec_toml_value *root = NULL;
    if (csec__toml_parse(&root, &scratch, text + c.fm.toml_off, c.fm.toml_len, &d) < 0) {
        report_toml(&c, d.line, d.col, "TOML: %s", d.msg);
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
    lint_controls_in(&c, root);
    lint_controls_md(&c);
    lint_mentions(&c);
    lint_markdown_budget(&c);
done:
    csec__arena_free(&scratch);
    csec__arena_free(&arena);
    csec_buf_free(&c.tmp);
    return c.count;
}

/* ---- the whole database ---- */

typedef struct db_lint {
    csec_db_lint_result *r;
    csec_diag_cb cb;
    void *payload;
    char last_bad[sizeof((csec_diag *)0)->file]; /* the last entry counted in bad_files */
} db_lint;

static void db_problem(const csec_diag *d, void *payload)
{
    db_lint *L = payload;
    L->r->problems++;
    if (strcmp(d->file, L->last_bad) != 0) {
        L->r->bad_files++;
        snprintf(L->last_bad, sizeof L->last_bad, "%s", d->file);
    }
    if (L->cb)
        L->cb(d, L->payload);
}

static void db_file(void *payload, const char *path, const char *text, size_t len)
{
    db_lint *L = payload;
    L->r->files++;
    csec_advisory_lint(path, text, len, db_problem, L);
}

static void db_skipped(void *payload, const char *path, const char *why)
{
    csec_diag d;
    csec__diag_set(&d, CSEC_EPARSE, path, 0, 0, "%s", why);
    db_problem(&d, payload);
}

typedef struct alias_ref {
    const char *alias;
    size_t index; /* of the advisory, in load order */
} alias_ref;

static int cmp_alias_ref(const void *x, const void *y)
{
    const alias_ref *a = x, *b = y;
    int c = strcmp(a->alias, b->alias);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The warning for advisory `index` (its alias `alias`, first claimed by
 * advisory `first` of another package). */
typedef struct alias_warning {
    size_t index, first;
    const char *alias;
} alias_warning;

static int cmp_alias_warning(const void *x, const void *y)
{
    const alias_warning *a = x, *b = y;
    if (a->index != b->index)
        return (a->index > b->index) - (a->index < b->index);
    return strcmp(a->alias, b->alias);
}

/* Warns, in load order, about each advisory whose alias an advisory of
 * another package claimed first: an alias lookup finds only that one. */
static void warn_shared_aliases(db_lint *L, const csec_db *db)
{
    size_t n = 0, cap = 0, nw = 0;
    alias_ref *refs = NULL;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        for (size_t k = 0; k < a->aliases.count; k++) {
            if (n == cap)
                refs = csec__grow(refs, &cap, 1024, sizeof *refs);
            refs[n++] = (alias_ref){a->aliases.items[k], i};
        }
    }
    if (n > 1)
        qsort(refs, n, sizeof *refs, cmp_alias_ref);
    alias_warning *w = csec__xmalloc(csec__mul(n ? n : 1, sizeof *w));
    for (size_t i = 0; i < n;) {
        size_t j = i + 1; /* refs[i] is the first claimant of its alias */
        const char *first_pkg = csec_db_get(db, refs[i].index)->package;
        for (; j < n && strcmp(refs[j].alias, refs[i].alias) == 0; j++)
            if (strcmp(csec_db_get(db, refs[j].index)->package, first_pkg) != 0)
                w[nw++] = (alias_warning){refs[j].index, refs[i].index, refs[j].alias};
        i = j;
    }
    if (nw > 1)
        qsort(w, nw, sizeof *w, cmp_alias_warning);
    for (size_t k = 0; k < nw; k++) {
        const csec_advisory *a = csec_db_get(db, w[k].index), *f = csec_db_get(db, w[k].first);
        csec_diag d;
        csec__diag_set(&d, CSEC_OK, NULL, 0, 0,
                       "warning: alias `%s` is also claimed by %s (crate `%s`), which an alias "
                       "lookup finds",
                       w[k].alias, f->id, f->package);
        snprintf(d.file, sizeof d.file, "%s/%s", csec__db_root(db), a->path);
        L->r->warnings++;
        if (L->cb)
            L->cb(&d, L->payload);
    }
    free(w);
    free(refs);
}

int csec_db_lint(csec_db_lint_result *out, const char *path, csec_diag_cb cb, void *payload,
                 csec_diag *d)
{
    memset(out, 0, sizeof *out);
    db_lint L;
    memset(&L, 0, sizeof L);
    L.r = out;
    L.cb = cb;
    L.payload = payload;
    csec_db_options o = CSEC_DB_OPTIONS_INIT;
    o.on_error = db_problem;
    o.payload = &L;
    csec__load_hooks hooks = {&L, db_file, db_skipped, true};
    csec_db *db = NULL;
    int rc = csec__db_load(&db, path, &o, &hooks, d);
    if (rc < 0)
        return rc;
    warn_shared_aliases(&L, db);
    csec_db_free(db);
    return 0;
}
