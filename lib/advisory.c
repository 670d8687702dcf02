/* advisory.c - decoding one advisory file into a csec_advisory (spec §1.2-1.9).
 *
 * The TOML tree lives in a scratch arena that is dropped before returning;
 * everything the advisory keeps is copied into the caller's arena, so a whole
 * database shares one arena and loading does no per-string malloc. */
#include "advisory.h"

#include "crate_name.h"
#include "cvss.h"
#include "range.h"
#include "semver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys of [advisory] that the decoder reads (spec §1.4), in the order of
 * adv_keys. */
enum {
    K_ID,
    K_PACKAGE,
    K_TITLE,
    K_DESCRIPTION,
    K_DATE,
    K_URL,
    K_REFERENCES,
    K_CATEGORIES,
    K_KEYWORDS,
    K_ALIASES,
    K_RELATED,
    K_CVSS,
    K_INFORMATIONAL,
    K_WITHDRAWN,
    K_LICENSE,
    K_SOURCE,
    K_EXPECT_DELETED,
    K_COLLECTION,
    ADV_KEY_COUNT
};

typedef struct key_name {
    const char *name;
    size_t len;
} key_name;

#define KEY(lit)                                                                                   \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }

static const key_name adv_keys[ADV_KEY_COUNT] = {
    KEY("id"),      KEY("package"),        KEY("title"),         KEY("description"), KEY("date"),
    KEY("url"),     KEY("references"),     KEY("categories"),    KEY("keywords"),    KEY("aliases"),
    KEY("related"), KEY("cvss"),           KEY("informational"), KEY("withdrawn"),   KEY("license"),
    KEY("source"),  KEY("expect-deleted"), KEY("collection"),
};

typedef struct parse_ctx {
    const csec_toml_value *adv[ADV_KEY_COUNT]; /* values of adv_keys in [advisory], or NULL */
    csec_arena *arena; /* the result's */
    csec_arena scratch; /* the TOML tree's */
    const char *path;
    const char *text;
    size_t len;
    csec__frontmatter fm;
    bool prefixed;
    csec_diag *d; /* never NULL: the caller's, or `none` */
    csec_diag none;
    const char *package; /* once decoded and valid: what the file declares */
} parse_ctx;

struct csec_advisory_doc {
    csec_arena arena;
    csec_advisory *adv;
};

/* ---- diagnostics ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
err_at(parse_ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = csec__diag_vset(c->d, CSEC_EPARSE, c->path ? c->path : "", line, col, fmt, ap);
    va_end(ap);
    return rc;
}

/* Position of a TOML node (or key), in file coordinates. */
static void node_pos(const parse_ctx *c, uint32_t line, uint32_t col, uint32_t *l, uint32_t *cc)
{
    csec__toml_pos_to_file(c->text, &c->fm, c->prefixed, line, col, l, cc);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
err_node(parse_ctx *c, const csec_toml_value *v, const char *fmt, ...)
{
    uint32_t l = 0, cc = 0;
    if (v)
        node_pos(c, v->line, v->col, &l, &cc);
    va_list ap;
    va_start(ap, fmt);
    int rc = csec__diag_vset(c->d, CSEC_EPARSE, c->path ? c->path : "", l, cc, fmt, ap);
    va_end(ap);
    return rc;
}

/* The file position of byte `inner` (0-based) of a string value, when the
 * value is written literally (no escapes) so that the column is exact;
 * otherwise the position of the value itself. */
static void string_inner_pos(const parse_ctx *c, const csec_toml_value *v, size_t inner,
                             uint32_t *l, uint32_t *cc)
{
    node_pos(c, v->line, v->col, l, cc);
    if (*l == 0)
        return;
    size_t off = 0;
    uint32_t line = 1;
    while (off < c->len && line < *l) {
        if (c->text[off] == '\n')
            line++;
        off++;
    }
    off += *cc - 1;
    if (off + 1 + v->u.str.len <= c->len && (c->text[off] == '"' || c->text[off] == '\'') &&
        memcmp(c->text + off + 1, v->u.str.ptr, v->u.str.len) == 0 && inner <= v->u.str.len)
        *cc += (uint32_t)(1 + inner);
}

/* Fails as "<what> `<string v>`: <message>" with the error that the parser of
 * string `v` (CVSS vector, requirement) left in c->d, at its column inside
 * the string. */
static int err_in_string(parse_ctx *c, const csec_toml_value *v, const char *what)
{
    uint32_t inner = c->d->col, l, cc;
    string_inner_pos(c, v, inner ? inner - 1 : 0, &l, &cc);
    return err_at(c, l, cc, "%s `%.*s`: %s", what, (int)(v->u.str.len > 80 ? 80 : v->u.str.len),
                  v->u.str.ptr, c->d->msg);
}

/* ---- small validators shared with lint.c and db.c ---- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

int csec__id_parse(csec__id_kind *kind, int *year, const char *s, size_t len, csec_diag *d)
{
    *year = 0;
    static const struct {
        const char *prefix;
        csec__id_kind kind;
    } dated[] = {{"RUSTSEC-", CSEC__ID_RUSTSEC}, {"CVE-", CSEC__ID_CVE}, {"TALOS-", CSEC__ID_TALOS}};
    if (len == 17 && memcmp(s, "RUSTSEC-0000-0000", 17) == 0) {
        *kind = CSEC__ID_PLACEHOLDER;
        return 0;
    }
    for (size_t k = 0; k < sizeof dated / sizeof dated[0]; k++) {
        if (!has_prefix(s, len, dated[k].prefix))
            continue;
        *kind = dated[k].kind;
        size_t p = strlen(dated[k].prefix);
        const char *dash = memchr(s + p, '-', len - p);
        if (!dash || memchr(dash + 1, '-', len - (size_t)(dash + 1 - s)))
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                  "invalid advisory ID `%.*s`: expected %sYYYY-NNNN",
                                  (int)(len > 64 ? 64 : len), s, dated[k].prefix);
        size_t ylen = (size_t)(dash - (s + p));
        const char *num = dash + 1;
        size_t nlen = len - (size_t)(num - s);
        if (!all_digits(s + p, ylen) || ylen > 9)
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                  "invalid advisory ID `%.*s`: year is not a number",
                                  (int)(len > 64 ? 64 : len), s);
        int y = atoi(s + p);
        if (y < 2000 || y > 2100)
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                  "invalid advisory ID `%.*s`: year %d out of range 2000-2100",
                                  (int)(len > 64 ? 64 : len), s, y);
        if (!all_digits(num, nlen) || nlen > 9)
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                  "invalid advisory ID `%.*s`: number is not decimal",
                                  (int)(len > 64 ? 64 : len), s);
        *year = y;
        return 0;
    }
    *kind = has_prefix(s, len, "GHSA-") ? CSEC__ID_GHSA : CSEC__ID_OTHER;
    return 0;
}

static bool seg_first(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || ch == '<';
}

static bool seg_rest(char ch)
{
    return seg_first(ch) || (ch >= '0' && ch <= '9') || ch == '>' || ch == ',';
}

int csec__function_path_check(const char *s, size_t len, csec_diag *d)
{
    size_t segments = 0, i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && !(s[i] == ':' && i + 1 < len && s[i + 1] == ':')) {
            char ch = s[i];
            if (ch == '(' || ch == ')')
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                      "invalid function path `%.*s`: omit parameters",
                                      (int)(len > 100 ? 100 : len), s);
            bool ok = i == start ? seg_first(ch) : seg_rest(ch);
            if (!ok && ch > ' ' && ch < 0x7f)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                      "invalid function path `%.*s`: invalid character `%c` at "
                                      "byte %zu",
                                      (int)(len > 100 ? 100 : len), s, ch, i + 1);
            if (!ok) /* space, control or non-ASCII: show the byte, not the glyph */
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                      "invalid function path `%.*s`: invalid character 0x%02X at "
                                      "byte %zu",
                                      (int)(len > 100 ? 100 : len), s, (unsigned char)ch, i + 1);
            i++;
        }
        if (i == start)
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                                  "invalid function path `%.*s`: empty segment",
                                  (int)(len > 100 ? 100 : len), s);
        segments++;
        if (i >= len)
            break;
        i += 2;
    }
    if (segments < 2)
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                              "invalid function path `%.*s`: expected at least 2 segments "
                              "(crate::item)",
                              (int)(len > 100 ? 100 : len), s);
    return 0;
}

int csec__function_path_cmp(const char *a, const char *b)
{
    for (;;) {
        const char *ea = strstr(a, "::"), *eb = strstr(b, "::");
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        int r = memcmp(a, b, la < lb ? la : lb);
        if (r != 0)
            return r;
        if (la != lb)
            return la < lb ? -1 : 1;
        if (!ea || !eb)
            return ea ? 1 : eb ? -1 : 0;
        a = ea + 2;
        b = eb + 2;
    }
}

bool csec__path_has_md_ext(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base && strcmp(dot, ".md") == 0;
}

/* Date validation (spec §1.8); the message explains what is wrong. */
static int date_parse(csec_date *out, const char *s, size_t len, const char **why)
{
    if (len != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2)) {
        *why = "expected YYYY-MM-DD";
        return -1;
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int dd = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 2100) {
        *why = "year out of range 2000-2100";
        return -1;
    }
    if (m < 1 || m > 12) {
        *why = "month out of range";
        return -1;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (dd < 1 || dd > max) {
        *why = "day out of range for month";
        return -1;
    }
    out->year = y;
    out->month = m;
    out->day = dd;
    return 0;
}

/* A minimal absolute-URL check in the spirit of the WHATWG parser: a valid
 * scheme, and a non-empty host without spaces for the special schemes. */
static const char *url_problem(const char *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return "relative URL without a base";
    while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                       (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i >= len || s[i] != ':')
        return "relative URL without a base";
    static const struct {
        const char *name;
        size_t len;
    } special[] = {{"http", 4}, {"https", 5}, {"ws", 2}, {"wss", 3}, {"ftp", 3}};
    bool is_special = false;
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        if (special[k].len == i && strncasecmp(s, special[k].name, i) == 0)
            is_special = true;
    i++;
    if (!is_special)
        return NULL;
    while (i < len && (s[i] == '/' || s[i] == '\\'))
        i++;
    size_t host = i;
    while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != '\\') {
        if (s[i] == ' ' || s[i] == '<' || s[i] == '>' || s[i] == '^' || s[i] == '|')
            return "invalid domain character";
        if (s[i] == '@')
            host = i + 1;
        i++;
    }
    if (i == host)
        return "empty host";
    return NULL;
}

/* ---- typed access to the TOML tree ---- */

static const char *type_name(const csec_toml_value *v)
{
    return csec__toml_type_name(v->type);
}

/* Looks up a key given as a literal (its length known at compile time). */
#define GET(table, lit) csec__toml_get_n((table), lit, sizeof lit - 1)

/* Looks up all of `names` in table `t` in one pass over its items: the
 * decoder asks for about 20 keys of [advisory], most of them absent, and one
 * scan of the table per key was a tenth of the parse. */
static void find_keys(const csec_toml_value *t, const key_name *names, size_t n,
                      const csec_toml_value **out)
{
    for (size_t k = 0; k < n; k++)
        out[k] = NULL;
    for (size_t i = 0; i < t->u.table.count; i++) {
        const csec_toml_kv *kv = &t->u.table.items[i];
        for (size_t k = 0; k < n; k++) {
            if (names[k].len == kv->key_len && memcmp(names[k].name, kv->key, kv->key_len) == 0) {
                out[k] = kv->value;
                break;
            }
        }
    }
}

/* Checks that `v`, the value of `key` if present, is a string; 0 with *out
 * NULL when absent. */
static int get_string(parse_ctx *c, const csec_toml_value *v, const char *section, const char *key,
                      const csec_toml_value **out)
{
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != CSEC_TOML_STRING)
        return err_node(c, v, "invalid type for key `%s` in [%s]: expected string, found %s", key,
                        section, type_name(v));
    *out = v;
    return 0;
}

/* The same for a mandatory key of `table`. */
static int require_string(parse_ctx *c, const csec_toml_value *table, const csec_toml_value *v,
                          const char *section, const char *key, const csec_toml_value **out)
{
    if (get_string(c, v, section, key, out) < 0)
        return CSEC_EPARSE;
    if (!*out)
        return err_node(c, table, "missing field `%s` in [%s]", key, section);
    return 0;
}

/* Checks that `v`, the value of `key` if present, is an array of strings. */
static int get_str_array(parse_ctx *c, const csec_toml_value *v, const char *section,
                         const char *key, const csec_toml_value **out)
{
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != CSEC_TOML_ARRAY)
        return err_node(c, v, "invalid type for key `%s` in [%s]: expected array, found %s", key,
                        section, type_name(v));
    for (size_t i = 0; i < v->u.array.count; i++) {
        const csec_toml_value *it = v->u.array.items[i];
        if (it->type != CSEC_TOML_STRING)
            return err_node(c, it,
                            "invalid type for item %zu of `%s` in [%s]: expected string, found %s",
                            i + 1, key, section, type_name(it));
    }
    *out = v;
    return 0;
}

/* Whether a string value is exactly `lit`: by length, so that an embedded
 * NUL ("unsound\u0000x") is not mistaken for the literal. */
static bool str_is(const csec_toml_value *v, const char *lit)
{
    return v->u.str.len == strlen(lit) && memcmp(v->u.str.ptr, lit, v->u.str.len) == 0;
}

static const char *dup_str(parse_ctx *c, const csec_toml_value *v)
{
    return csec__arena_strndup(c->arena, v->u.str.ptr, v->u.str.len);
}

static csec_strlist dup_list(parse_ctx *c, const csec_toml_value *arr)
{
    csec_strlist l = {NULL, 0};
    if (!arr || arr->u.array.count == 0)
        return l;
    const char **items = csec__arena_alloc(c->arena, csec__mul(arr->u.array.count, sizeof *items));
    for (size_t i = 0; i < arr->u.array.count; i++)
        items[i] = dup_str(c, arr->u.array.items[i]);
    l.items = items;
    l.count = arr->u.array.count;
    return l;
}

static int check_ids(parse_ctx *c, const csec_toml_value *arr, const char *key)
{
    for (size_t i = 0; arr && i < arr->u.array.count; i++) {
        const csec_toml_value *it = arr->u.array.items[i];
        csec__id_kind kind;
        int year;
        if (csec__id_parse(&kind, &year, it->u.str.ptr, it->u.str.len, c->d) < 0)
            return err_node(c, it, "%s (in `%s`)", c->d->msg, key);
    }
    return 0;
}

static int check_urls(parse_ctx *c, const csec_toml_value *v, const char *key)
{
    const char *why = url_problem(v->u.str.ptr, v->u.str.len);
    if (why)
        return err_node(c, v, "invalid URL `%.*s` for key `%s`: %s",
                        (int)(v->u.str.len > 120 ? 120 : v->u.str.len), v->u.str.ptr, key, why);
    return 0;
}

static int get_date(parse_ctx *c, const csec_toml_value *v, csec_date *out)
{
    const char *why = NULL;
    if (date_parse(out, v->u.str.ptr, v->u.str.len, &why) < 0)
        return err_node(c, v, "invalid date `%.*s`: %s",
                        (int)(v->u.str.len > 40 ? 40 : v->u.str.len), v->u.str.ptr, why);
    return 0;
}

/* ---- sections ---- */

static int decode_advisory_table(parse_ctx *c, const csec_toml_value *t, csec_advisory *a)
{
    const csec_toml_value *v;
    const char *S = "advisory";
    const csec_toml_value *const *f = c->adv;
    find_keys(t, adv_keys, ADV_KEY_COUNT, c->adv);

    if (require_string(c, t, f[K_ID], S, "id", &v) < 0)
        return CSEC_EPARSE;
    csec__id_kind kind;
    int year;
    if (csec__id_parse(&kind, &year, v->u.str.ptr, v->u.str.len, c->d) < 0)
        return err_node(c, v, "%s", c->d->msg);
    a->id = dup_str(c, v);
    if (require_string(c, t, f[K_PACKAGE], S, "package", &v) < 0)
        return CSEC_EPARSE;
    size_t bad;
    if (csec__crate_name_check(v->u.str.ptr, v->u.str.len, &bad, c->d) < 0) {
        uint32_t l, cc;
        string_inner_pos(c, v, bad, &l, &cc);
        return err_at(c, l, cc, "%s", c->d->msg);
    }
    a->package = dup_str(c, v);
    c->package = a->package;

    static const char *const from_md[] = {"title", "description"};
    for (size_t i = 0; i < 2; i++) {
        if (get_string(c, f[K_TITLE + i], S, from_md[i], &v) < 0)
            return CSEC_EPARSE;
        if (v && v->u.str.len > 0)
            return err_node(c, v, "`%s` must not be set in the TOML front matter (it comes from "
                                  "the Markdown)",
                            from_md[i]);
    }

    if (require_string(c, t, f[K_DATE], S, "date", &v) < 0 || get_date(c, v, &a->date) < 0)
        return CSEC_EPARSE;

    if (get_string(c, f[K_URL], S, "url", &v) < 0 || (v && check_urls(c, v, "url") < 0))
        return CSEC_EPARSE;
    if (v)
        a->url = dup_str(c, v);

    if (get_str_array(c, f[K_REFERENCES], S, "references", &v) < 0)
        return CSEC_EPARSE;
    for (size_t i = 0; v && i < v->u.array.count; i++)
        if (check_urls(c, v->u.array.items[i], "references") < 0)
            return CSEC_EPARSE;
    a->references = dup_list(c, v);

    if (get_str_array(c, f[K_CATEGORIES], S, "categories", &v) < 0)
        return CSEC_EPARSE;
    a->categories = dup_list(c, v);
    if (get_str_array(c, f[K_KEYWORDS], S, "keywords", &v) < 0)
        return CSEC_EPARSE;
    a->keywords = dup_list(c, v);
    if (get_str_array(c, f[K_ALIASES], S, "aliases", &v) < 0 || check_ids(c, v, "aliases") < 0)
        return CSEC_EPARSE;
    a->aliases = dup_list(c, v);
    if (get_str_array(c, f[K_RELATED], S, "related", &v) < 0 || check_ids(c, v, "related") < 0)
        return CSEC_EPARSE;
    a->related = dup_list(c, v);

    if (get_string(c, f[K_CVSS], S, "cvss", &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        csec_cvss *cv = csec__arena_alloc(c->arena, sizeof *cv);
        if (csec__cvss_parse(cv, c->arena, v->u.str.ptr, v->u.str.len, c->d) < 0)
            return err_in_string(c, v, "invalid CVSS vector");
        a->cvss = cv;
    }

    if (get_string(c, f[K_INFORMATIONAL], S, "informational", &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        a->informational_raw = dup_str(c, v);
        a->informational = str_is(v, "notice")         ? CSEC_INFO_NOTICE
                           : str_is(v, "unmaintained") ? CSEC_INFO_UNMAINTAINED
                           : str_is(v, "unsound")      ? CSEC_INFO_UNSOUND
                                                       : CSEC_INFO_OTHER;
    }

    if (get_string(c, f[K_WITHDRAWN], S, "withdrawn", &v) < 0 ||
        (v && get_date(c, v, &a->withdrawn) < 0))
        return CSEC_EPARSE;

    if (get_string(c, f[K_LICENSE], S, "license", &v) < 0)
        return CSEC_EPARSE;
    a->license = v ? dup_str(c, v) : "CC0-1.0";

    if (get_string(c, f[K_SOURCE], S, "source", &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        const char *plus = memchr(v->u.str.ptr, '+', v->u.str.len);
        if (!plus || plus == v->u.str.ptr ||
            url_problem(plus + 1, v->u.str.len - (size_t)(plus + 1 - v->u.str.ptr)))
            return err_node(c, v, "invalid source `%.*s`: expected <kind>+<url>",
                            (int)(v->u.str.len > 80 ? 80 : v->u.str.len), v->u.str.ptr);
        a->source = dup_str(c, v);
    }

    v = f[K_EXPECT_DELETED];
    if (v && v->type != CSEC_TOML_BOOL)
        return err_node(c, v,
                        "invalid type for key `expect-deleted` in [advisory]: expected boolean, "
                        "found %s",
                        type_name(v));
    a->expect_deleted = v && v->u.boolean;

    if (get_string(c, f[K_COLLECTION], S, "collection", &v) < 0)
        return CSEC_EPARSE;
    if (v) {
        if (str_is(v, "crates"))
            a->collection = CSEC_COLLECTION_CRATES;
        else if (str_is(v, "rust"))
            a->collection = CSEC_COLLECTION_RUST;
        else
            return err_node(c, v, "invalid collection `%.*s`: expected \"crates\" or \"rust\"",
                            (int)(v->u.str.len > 40 ? 40 : v->u.str.len), v->u.str.ptr);
    }
    return 0;
}

/* Parses each string of `arr` as a requirement into the result arena. */
static int parse_reqs(parse_ctx *c, const csec_toml_value *arr, const csec_req *const **out,
                      size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!arr || arr->u.array.count == 0)
        return 0;
    const csec_req **reqs = csec__arena_alloc(c->arena, csec__mul(arr->u.array.count, sizeof *reqs));
    for (size_t i = 0; i < arr->u.array.count; i++) {
        const csec_toml_value *it = arr->u.array.items[i];
        csec_req *r = NULL;
        if (csec__req_parse_arena(&r, c->arena, it->u.str.ptr, it->u.str.len, c->d) < 0)
            return err_in_string(c, it, "invalid version requirement");
        reqs[i] = r;
    }
    *out = reqs;
    *count = arr->u.array.count;
    return 0;
}

static int cmp_function(const void *x, const void *y)
{
    return csec__function_path_cmp(((const csec_function *)x)->path,
                                   ((const csec_function *)y)->path);
}

static int decode_affected(parse_ctx *c, const csec_toml_value *t, csec_advisory *a)
{
    const csec_toml_value *v;
    if (get_str_array(c, GET(t, "arch"), "affected", "arch", &v) < 0)
        return CSEC_EPARSE;
    a->arch = dup_list(c, v);
    if (get_str_array(c, GET(t, "os"), "affected", "os", &v) < 0)
        return CSEC_EPARSE;
    a->os = dup_list(c, v);

    const csec_toml_value *f = GET(t, "functions");
    if (!f)
        return 0;
    if (f->type != CSEC_TOML_TABLE)
        return err_node(c, f,
                        "invalid type for key `functions` in [affected]: expected table, found %s",
                        type_name(f));
    size_t n = f->u.table.count;
    if (n == 0)
        return 0;
    csec_function *fns = csec__arena_alloc(c->arena, csec__mul(n, sizeof *fns));
    for (size_t i = 0; i < n; i++) {
        const csec_toml_kv *kv = &f->u.table.items[i];
        /* The check refuses a NUL byte (TOML allows "\u0000" in a key) too. */
        if (csec__function_path_check(kv->key, kv->key_len, c->d) < 0) {
            uint32_t l, cc;
            node_pos(c, kv->line, kv->col, &l, &cc);
            return err_at(c, l, cc, "%s", c->d->msg);
        }
        const csec_toml_value *arr = kv->value;
        if (arr->type != CSEC_TOML_ARRAY)
            return err_node(c, arr,
                            "invalid type for function `%s` in [affected.functions]: expected "
                            "array, found %s",
                            kv->key, type_name(arr));
        for (size_t j = 0; j < arr->u.array.count; j++)
            if (arr->u.array.items[j]->type != CSEC_TOML_STRING)
                return err_node(c, arr->u.array.items[j],
                                "invalid type for a requirement of `%s`: expected string, found %s",
                                kv->key, type_name(arr->u.array.items[j]));
        fns[i].path = csec__arena_strndup(c->arena, kv->key, kv->key_len);
        if (parse_reqs(c, arr, &fns[i].reqs, &fns[i].count) < 0)
            return CSEC_EPARSE;
    }
    if (n > 1) /* most advisories name one function: no qsort call for that */
        qsort(fns, n, sizeof *fns, cmp_function);
    a->functions = fns;
    a->functions_count = n;
    return 0;
}

static int decode_versions(parse_ctx *c, const csec_toml_value *t, csec_advisory *a)
{
    const csec_toml_value *patched, *unaffected;
    if (get_str_array(c, GET(t, "patched"), "versions", "patched", &patched) < 0)
        return CSEC_EPARSE;
    if (!patched)
        return err_node(c, t, "missing field `patched` in [versions]");
    if (get_str_array(c, GET(t, "unaffected"), "versions", "unaffected", &unaffected) < 0)
        return CSEC_EPARSE;
    if (parse_reqs(c, patched, &a->patched, &a->patched_count) < 0 ||
        parse_reqs(c, unaffected, &a->unaffected, &a->unaffected_count) < 0)
        return CSEC_EPARSE;

    csec_interval *iv = NULL;
    size_t n = 0;
    int bad_list = -1;
    size_t bad_index = 0;
    if (csec__ranges_affected(&iv, &n, c->arena, a->unaffected, a->unaffected_count, a->patched,
                              a->patched_count, &bad_list, &bad_index, c->d) < 0) {
        const csec_toml_value *arr = bad_list == 0 ? unaffected : bad_list == 1 ? patched : NULL;
        const csec_toml_value *at = t;
        if (arr && bad_index < arr->u.array.count)
            at = arr->u.array.items[bad_index];
        return err_node(c, at, "%s", c->d->msg);
    }
    a->affected = iv;
    a->affected_count = n;
    return 0;
}

/* The file-name, directory and collection checks of spec §1.2. */
static int check_path(parse_ctx *c, csec_advisory *a)
{
    const char *p = c->path;
    size_t n = strlen(p);
    const char *comp[3] = {NULL, NULL, NULL}; /* file, parent, grandparent */
    size_t clen[3] = {0, 0, 0};
    size_t end = n;
    for (int k = 0; k < 3; k++) {
        size_t start = end;
        while (start > 0 && p[start - 1] != '/')
            start--;
        comp[k] = p + start;
        clen[k] = end - start;
        if (start == 0)
            break;
        end = start - 1;
    }
    if (!csec__path_has_md_ext(p))
        return err_at(c, 0, 0, "unexpected file extension in `%.*s` (expected .md)", (int)clen[0],
                      comp[0]);
    const csec_toml_value *idv = c->adv[K_ID];
    bool draft = clen[0] >= 18 && memcmp(comp[0], "RUSTSEC-0000-0000.", 18) == 0;
    size_t idlen = idv->u.str.len; /* not strlen: an embedded NUL must not match */
    if (!draft && !(clen[0] == idlen + 3 && memcmp(comp[0], a->id, idlen) == 0))
        return err_node(c, idv, "file name `%.*s` does not match advisory ID `%s`", (int)clen[0],
                        comp[0], a->id);
    const csec_toml_value *pkgv = c->adv[K_PACKAGE];
    if (!comp[1] || pkgv->u.str.len != clen[1] || memcmp(comp[1], a->package, clen[1]) != 0)
        return err_node(c, pkgv, "package `%s` does not match its directory `%.*s`", a->package,
                        comp[1] ? (int)clen[1] : 0, comp[1] ? comp[1] : "");
    int coll;
    if (comp[2] && clen[2] == 6 && memcmp(comp[2], "crates", 6) == 0)
        coll = CSEC_COLLECTION_CRATES;
    else if (comp[2] && clen[2] == 4 && memcmp(comp[2], "rust", 4) == 0)
        coll = CSEC_COLLECTION_RUST;
    else if (!comp[2])
        return err_at(c, 0, 0, "no collection directory in the path (expected "
                               "crates/<package>/ or rust/<package>/)");
    else
        return err_at(c, 0, 0, "collection directory `%.*s` is neither `crates` nor `rust`",
                      (int)clen[2], comp[2]);
    const csec_toml_value *cv = c->adv[K_COLLECTION];
    if (cv && (int)a->collection != coll)
        return err_node(c, cv, "collection `%s` does not match the directory `%.*s`",
                        cv->u.str.ptr, (int)clen[2], comp[2]);
    a->collection = (csec_collection)coll;
    return 0;
}

static int parse_toml(parse_ctx *c, csec_toml_value **root)
{
    const char *fm = c->text + c->fm.toml_off;
    size_t n = c->fm.toml_len;
    const char *src = fm;
    c->prefixed = !(n >= 10 && memcmp(fm, "[advisory]", 10) == 0);
    if (c->prefixed) {
        char *buf = csec__arena_alloc(&c->scratch, n + 12);
        memcpy(buf, "[advisory]\n", 11);
        memcpy(buf + 11, fm, n);
        src = buf;
        n += 11;
    }
    /* parse_all has checked the whole file, front matter included, for UTF-8. */
    if (csec__toml_parse_valid(root, &c->scratch, src, n, c->d) < 0) {
        uint32_t l, cc;
        node_pos(c, c->d->line, c->d->col, &l, &cc);
        return err_at(c, l, cc, "TOML: %s", c->d->msg);
    }
    return 0;
}

static int parse_all(parse_ctx *c, csec_advisory *a)
{
    size_t bad = csec__utf8_check(c->text, c->len);
    if (bad < c->len) {
        uint32_t l, cc;
        csec__line_col(c->text, bad, &l, &cc);
        return err_at(c, l, cc, "invalid UTF-8");
    }
    csec_diag sd;
    if (csec__frontmatter_split(&c->fm, c->text, c->len, &sd) < 0)
        return err_at(c, sd.line, sd.col, "%s", sd.msg);
    csec_toml_value *root = NULL;
    if (parse_toml(c, &root) < 0)
        return CSEC_EPARSE;
    const csec_toml_value *adv = GET(root, "advisory");
    const csec_toml_value *ver = GET(root, "versions");
    const csec_toml_value *aff = GET(root, "affected");
    if (adv && adv->type != CSEC_TOML_TABLE)
        return err_node(c, adv, "invalid type for `advisory`: expected table, found %s",
                        type_name(adv));
    if (!adv)
        return err_at(c, 1, 1, "missing table [advisory]");
    if (decode_advisory_table(c, adv, a) < 0)
        return CSEC_EPARSE;
    if (aff && aff->type != CSEC_TOML_TABLE)
        return err_node(c, aff, "invalid type for `affected`: expected table, found %s",
                        type_name(aff));
    if (aff && decode_affected(c, aff, a) < 0)
        return CSEC_EPARSE;
    if (!ver) {
        uint32_t l, cc;
        csec__line_col(c->text, c->fm.toml_off + c->fm.toml_len, &l, &cc);
        return err_at(c, l, cc, "missing table [versions]");
    }
    if (ver->type != CSEC_TOML_TABLE)
        return err_node(c, ver, "invalid type for `versions`: expected table, found %s",
                        type_name(ver));
    if (decode_versions(c, ver, a) < 0)
        return CSEC_EPARSE;
    if (c->path && check_path(c, a) < 0)
        return CSEC_EPARSE;

    a->title = csec__arena_strndup(c->arena, c->text + c->fm.title_off, c->fm.title_len);
    a->description = csec__arena_strndup(c->arena, c->text + c->fm.desc_off, c->fm.desc_len);
    a->path = c->path ? csec__arena_strndup(c->arena, c->path, strlen(c->path)) : NULL;
    a->modified = -1;
    return 0;
}

int csec__advisory_parse_arena(csec_advisory **out, const char **declared, csec_arena *arena,
                               const char *path, const char *text, size_t len, csec_diag *d)
{
    parse_ctx c;
    memset(&c, 0, sizeof c);
    /* The TOML tree of an advisory takes a few KiB (2.5 on average in the
     * RustSec database, rarely more than 16): a buffer on the stack holds it
     * without a malloc/free of a 64 KiB block for every file. */
    _Alignas(16) unsigned char scratch_buf[16384];
    csec__arena_init_buf(&c.scratch, scratch_buf, sizeof scratch_buf);
    c.arena = arena;
    c.path = path;
    c.text = text;
    c.len = len;
    c.d = d ? d : &c.none;
    csec_advisory *a = csec__arena_alloc(arena, sizeof *a);
    int rc = parse_all(&c, a);
    csec__arena_free(&c.scratch);
    *out = rc < 0 ? NULL : a;
    if (declared)
        *declared = c.package;
    return rc;
}

/* ---- public API ---- */

int csec_advisory_parse(csec_advisory_doc **out, const char *path, const char *text, size_t len,
                        csec_diag *d)
{
    csec_advisory_doc *doc = csec__xcalloc(1, sizeof *doc);
    int rc = csec__advisory_parse_arena(&doc->adv, NULL, &doc->arena, path, text, len, d);
    if (rc < 0) {
        csec_advisory_doc_free(doc);
        doc = NULL;
    }
    *out = doc;
    return rc;
}

const csec_advisory *csec_advisory_doc_get(const csec_advisory_doc *doc)
{
    return doc ? doc->adv : NULL;
}

void csec_advisory_doc_free(csec_advisory_doc *doc)
{
    if (!doc)
        return;
    csec__arena_free(&doc->arena);
    free(doc);
}

bool csec_advisory_affects(const csec_advisory *a, const csec_version *v)
{
    return csec__intervals_contain(a->affected, a->affected_count, v);
}

size_t csec_advisory_functions_for(const csec_advisory *a, const csec_version *v,
                                   void (*cb)(const char *path, void *payload), void *payload)
{
    size_t matched = 0;
    for (size_t i = 0; i < a->functions_count; i++) {
        const csec_function *f = &a->functions[i];
        for (size_t j = 0; j < f->count; j++) {
            if (csec_req_matches(f->reqs[j], v)) {
                matched++;
                if (cb)
                    cb(f->path, payload);
                break;
            }
        }
    }
    return matched;
}

bool csec_advisory_is_withdrawn(const csec_advisory *a)
{
    return a->withdrawn.year != 0;
}

const char *csec_informational_name(csec_informational k)
{
    /* CSEC_INFO_NONE has no name. */
    static const char *const names[] = {NULL, "notice", "unmaintained", "unsound", "other"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : NULL;
}
