/* test_lint.c - the malformed-advisory corpus (tests/data/malformed, through
 * both the load path and the lint path) and the linter of spec §5.2. */
#include "harness.h"

#include <dirent.h>
#include <stdlib.h>

/* ---- helpers ---- */

typedef struct problems {
    csec_buf b; /* "line:col: msg" joined by "\n" */
    size_t n;
    const char *file; /* every diagnostic must name this file */
    bool bad_file;
} problems;

static void collect(const csec_diag *d, void *payload)
{
    problems *p = payload;
    if (p->file && strcmp(d->file, p->file) != 0)
        p->bad_file = true;
    csec_buf_printf(&p->b, "%s%u:%u: %s", p->n++ ? "\n" : "", d->line, d->col, d->msg);
}

/* Lints `text` as `path`; returns the problems ("" for none) in a static buffer. */
static const char *lint_text(const char *path, const char *text)
{
    static char out[8192];
    problems p = {CSEC_BUF_INIT, 0, path, false};
    size_t n = csec_advisory_lint(path, text, strlen(text), collect, &p);
    snprintf(out, sizeof out, "%s",
             n != p.n ? "(count mismatch)" : p.bad_file ? "(diag without the file)" :
                                          p.b.ptr ? p.b.ptr : "");
    csec_buf_free(&p.b);
    return out;
}

/* Whether `got` matches `want`; a trailing '*' in `want` makes it a prefix. */
static bool matches(const char *got, const char *want)
{
    size_t n = strlen(want);
    if (n > 0 && want[n - 1] == '*')
        return strncmp(got, want, n - 1) == 0;
    return strcmp(got, want) == 0;
}

typedef struct entry {
    char *file, *path, *mode, *want;
} entry;

/* ---- the corpus ---- */

TEST(lint, malformed_corpus)
{
    char dir[4096]; /* test_path's slots rotate: keep a copy */
    snprintf(dir, sizeof dir, "%s", test_path(test_source_dir(), "tests/data/malformed"));
    size_t len;
    char *spec = test_read(test_path(dir, "expected.txt"), &len);
    ASSERT(spec != NULL);
    entry *e = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    for (char *line = spec, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            char *tab = f[k - 1] ? strchr(f[k - 1], '\t') : NULL;
            if (tab) {
                *tab = '\0';
                f[k] = tab + 1;
            }
        }
        if (!f[3] || (strcmp(f[2], "both") != 0 && strcmp(f[2], "lint") != 0))
            FAIL_AT("expected.txt:%zu: malformed line", lineno);
        if (n == cap) {
            cap = cap ? cap * 2 : 128;
            e = realloc(e, cap * sizeof *e);
        }
        e[n++] = (entry){f[0], f[1], f[2], f[3]};
    }

    /* Every file of the directory is listed (and every listed file exists). */
    DIR *dh = opendir(dir);
    ASSERT(dh != NULL);
    size_t files = 0;
    struct dirent *de;
    bool unlisted = false;
    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "expected.txt") == 0)
            continue;
        files++;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(e[i].file, de->d_name) == 0;
        if (!found) {
            fprintf(stderr, "  %s: not listed in expected.txt\n", de->d_name);
            unlisted = true;
        }
    }
    closedir(dh);
    ASSERT(!unlisted);
    ASSERT(files >= 40);

    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(e[i].file, e[i - 1].file) == 0)
            continue; /* a further lint line of the same file: handled with the first */
        size_t tlen;
        char *text = test_read(test_path(dir, e[i].file), &tlen);
        if (!text)
            FAIL_AT("%s: listed but missing", e[i].file);
        const char *path = strcmp(e[i].path, "-") == 0 ? NULL : e[i].path;
        char got[1024];

        /* load path */
        csec_advisory_doc *doc = NULL;
        csec_diag d;
        int rc = csec_advisory_parse(&doc, path, text, tlen, &d);
        bool both = strcmp(e[i].mode, "both") == 0;
        if (both) {
            snprintf(got, sizeof got, "%u:%u: %s", d.line, d.col, d.msg);
            if (rc != CSEC_EPARSE || doc != NULL) {
                csec_advisory_doc_free(doc);
                free(text);
                FAIL_AT("%s: parsed, expected \"%s\"", e[i].file, e[i].want);
            }
            if (!matches(got, e[i].want) || strcmp(d.file, path ? path : "") != 0) {
                free(text);
                FAIL_AT("%s (load):\n    got:      \"%s\" in \"%s\"\n    expected: \"%s\"",
                        e[i].file, got, d.file, e[i].want);
            }
        } else if (rc < 0) {
            free(text);
            FAIL_AT("%s: must load, got %u:%u: %s", e[i].file, d.line, d.col, d.msg);
        }
        csec_advisory_doc_free(doc);

        /* lint path: exactly the listed problems, in order */
        problems p = {CSEC_BUF_INIT, 0, path ? path : "", false};
        size_t count = csec_advisory_lint(path, text, tlen, collect, &p);
        free(text);
        size_t want_n = 0;
        char *rest = p.b.ptr ? p.b.ptr : "";
        bool ok = count == p.n && !p.bad_file;
        for (size_t k = i; k < n && strcmp(e[k].file, e[i].file) == 0; k++, want_n++) {
            char *nl = strchr(rest, '\n');
            if (nl)
                *nl = '\0';
            if (!matches(rest, e[k].want)) {
                fprintf(stderr, "  %s (lint) problem %zu:\n    got:      \"%s\"\n"
                                "    expected: \"%s\"\n",
                        e[k].file, want_n + 1, rest, e[k].want);
                ok = false;
            }
            rest = nl ? nl + 1 : rest + strlen(rest);
        }
        if (p.n != want_n) {
            fprintf(stderr, "  %s (lint): %zu problems, expected %zu\n", e[i].file, p.n, want_n);
            ok = false;
        }
        csec_buf_free(&p.b);
        if (!ok)
            FAIL_AT("%s: lint output differs", e[i].file);
        checked++;
    }
    ASSERT_INT_EQ(checked, files);
    free(e);
    free(spec);
}

/* ---- lint rules on synthetic advisories ---- */

#define HEAD "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"foo-bar\"\n" \
             "date = \"2020-01-02\"\n"
#define TAIL "\n[versions]\npatched = [\">= 1.0.0\"]\n```\n\n# Title\n\nBody.\n"
#define PATH "crates/foo-bar/RUSTSEC-2020-0001.md"

TEST(lint, clean_advisory_has_no_problems)
{
    ASSERT_STR_EQ(lint_text(PATH, HEAD "url = \"https://example.com/x\"\n"
                                       "categories = [\"memory-corruption\", \"thread-safety\"]\n"
                                       "keywords = [\"anything goes\"]\n"
                                       "aliases = [\"CVE-2020-0001\", \"GHSA-x\", \"TROVE-1\"]\n"
                                       "related = [\"RUSTSEC-2019-0001\"]\n"
                                       "license = \"CC-BY-4.0\"\nexpect-deleted = true\n"
                                       "withdrawn = \"2021-01-01\"\nyanked = true\n"
                                       "informational = \"unsound\"\n"
                                       "cvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\n"
                                       "\n[affected]\narch = [\"x86\", \"aarch64\"]\n"
                                       "os = [\"plan9\"]\n"
                                       "functions = { \"foo_bar::x\" = [\"< 1.0.0\"] }\n" TAIL),
                  "");
    /* e-mail addresses and `@code` are not mentions; references need not be https */
    ASSERT_STR_EQ(lint_text(PATH, HEAD "references = [\"http://example.com/\"]\n" TAIL
                                       "Mail a@b.example or see `@attr`.\n"),
                  "");
}

/* A dotted key makes a table per segment: a file of the largest size lint
 * reads nests tables 127,000 deep.  Lint walked them by recursion and
 * overflowed the stack (a crash, exit 139); the parser and the TOML writer
 * never recurse, and nor may lint. */
TEST(lint, deeply_nested_tables_are_linted_without_recursion)
{
    const size_t depth = 127000;
    csec_buf t = CSEC_BUF_INIT;
    csec_buf_puts(&t, HEAD);
    for (size_t i = 0; i < depth; i++)
        csec_buf_puts(&t, "a.");
    csec_buf_puts(&t, "b = \"\\u0001\"\n" TAIL);
    ASSERT(t.len <= CSEC_ADVISORY_MAX_BYTES);
    problems p = {CSEC_BUF_INIT, 0, PATH, false};
    size_t n = csec_advisory_lint(PATH, t.ptr, t.len, collect, &p);
    ASSERT_INT_EQ(n, p.n);
    ASSERT(p.b.ptr && strstr(p.b.ptr, "invalid key `a` in [advisory]") != NULL);
    ASSERT(strstr(p.b.ptr, "control character U+0001 in `b`") != NULL);
    csec_buf_free(&p.b);
    csec_buf_free(&t);
}

TEST(lint, problems_in_sorted_key_order)
{
    /* document order: url, zzz, categories, aaa; sorted: aaa, categories, url, zzz */
    ASSERT_STR_EQ(lint_text(PATH, HEAD "url = \"ftp://example.com/\"\nzzz = 1\n"
                                       "categories = [\"nope\"]\naaa = 2\n" TAIL),
                  "9:1: invalid key `aaa` in [advisory]\n"
                  "8:15: invalid value `nope` for key `category` in [advisory]: unknown "
                  "category \"nope\"\n"
                  "6:7: invalid value `\"ftp://example.com/\"` for key `url` in [advisory]: URL "
                  "must start with https://\n"
                  "7:1: invalid key `zzz` in [advisory]");
}

TEST(lint, function_path_uses_underscored_crate_name)
{
    ASSERT_STR_EQ(lint_text(PATH, HEAD "\n[affected.functions]\n\"foo_bar::ok\" = [\"*\"]\n" TAIL),
                  "");
    ASSERT_STR_EQ(lint_text(PATH, HEAD "\n[affected.functions]\n\"foo::no\" = [\"*\"]\n" TAIL),
                  "8:1: invalid value `foo::no` for key `functions` in [affected]: function path "
                  "must start with crate name");
}

TEST(lint, yanked_with_withdrawn_is_fine)
{
    ASSERT_STR_EQ(lint_text(PATH, HEAD "yanked = true\n" TAIL),
                  "6:1: invalid key `yanked` in [advisory]: use `withdrawn` instead");
    ASSERT_STR_EQ(lint_text(PATH, HEAD "yanked = true\nwithdrawn = \"2020-02-02\"\n" TAIL), "");
}

TEST(lint, cve_id_year_not_checked)
{
    /* spec §5.2 rule 5: the year check is for RUSTSEC and TALOS ids only */
    ASSERT_STR_EQ(lint_text("rust/std/CVE-2021-0001.md",
                            "```toml\n[advisory]\nid = \"CVE-2021-0001\"\npackage = \"std\"\n"
                            "date = \"2020-01-31\"\n" TAIL),
                  "");
    ASSERT_STR_EQ(lint_text("crates/foo/TALOS-2021-0001.md",
                            "```toml\n[advisory]\nid = \"TALOS-2021-0001\"\npackage = \"foo\"\n"
                            "date = \"2020-01-31\"\n" TAIL),
                  "3:6: invalid value `\"TALOS-2021-0001\"` for key `id` in [advisory]: year in "
                  "advisory ID does not match date");
}

TEST(lint, draft_rule_both_directions)
{
    const char *draft = "```toml\n[advisory]\nid = \"RUSTSEC-0000-0000\"\npackage = \"foo\"\n"
                        "date = \"2020-01-31\"\n" TAIL;
    ASSERT_STR_EQ(lint_text("crates/foo/RUSTSEC-0000-0000.md", draft), "");
    ASSERT_STR_EQ(lint_text("crates/foo/RUSTSEC-2020-0005.md", draft),
                  "3:6: advisory ID draft status does not match file name");
}

TEST(lint, mentions_one_per_line_with_rustsec_line_number)
{
    /* front matter: 7 lines after trimming; markdown lines 3 and 4 (0-based):
     * 7 + 4 + 3 = 14, the file line, as the title follows one blank line */
    ASSERT_STR_EQ(lint_text(PATH, HEAD TAIL "thanks @a1 and @b2\n(@carol)\n"),
                  "14:8: bare @a1 in advisory on line 14 (use explicit link to avoid spam)\n"
                  "15:2: bare @carol in advisory on line 15 (use explicit link to avoid spam)");
    /* without the blank line, rustsec's formula (6 + 4 + 1) is one past the file line */
    ASSERT_STR_EQ(lint_text(PATH, "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\n"
                                  "package = \"foo-bar\"\ndate = \"2020-01-02\"\n[versions]\n"
                                  "patched = []\n```\n# T\nhi @dave\n"),
                  "10:4: bare @dave in advisory on line 11 (use explicit link to avoid spam)");
}

TEST(lint, null_callback_still_counts)
{
    const char *t = HEAD "bogus = 1\nalso = 2\n" TAIL;
    ASSERT_INT_EQ(csec_advisory_lint(PATH, t, strlen(t), NULL, NULL), 2);
    ASSERT_INT_EQ(csec_advisory_lint(NULL, t, strlen(t), NULL, NULL), 2);
}

/* The fixture database: only the V4 advisory (no [advisory] header) fails. */
TEST(lint, fixture_db)
{
    static const char *const files[] = {
        "crates/bar-baz/RUSTSEC-0000-0000.md", "crates/bar-baz/RUSTSEC-2022-0003.md",
        "crates/foo/RUSTSEC-2020-0001.md",     "crates/foo/RUSTSEC-2021-0002.md",
        "crates/zlib-sys/RUSTSEC-2024-0005.md", "rust/std/CVE-2021-1234.md"};
    const char *root = test_path(test_source_dir(), "tests/data/db");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *text = test_read(test_path(root, files[i]), &len);
        ASSERT(text != NULL);
        const char *got = lint_text(files[i], text);
        free(text);
        if (*got)
            FAIL_AT("%s: %s", files[i], got);
    }
    size_t len;
    char *text = test_read(test_path(root, "crates/qux/RUSTSEC-2023-0004.md"), &len);
    ASSERT(text != NULL);
    const char *got = lint_text("crates/qux/RUSTSEC-2023-0004.md", text);
    free(text);
    ASSERT_STR_EQ(got, "9:1: invalid key `cvss` in toplevel\n4:1: invalid key `date` in toplevel\n"
                       "2:1: invalid key `id` in toplevel\n7:1: invalid key `informational` in "
                       "toplevel\n8:1: invalid key `keywords` in toplevel\n5:1: invalid key "
                       "`license` in toplevel\n3:1: invalid key `package` in toplevel\n"
                       "6:1: invalid key `url` in toplevel");
}

/* Acceptance 1 (lint part): every real advisory lints clean. */
TEST(lint, real_database_clean)
{
    const char *root = test_advisory_db();
    if (!root) {
        if (csec_test_failed > 0)
            return;
        SKIP("advisory-db checkout not available");
    }
    csec_db *db = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec_db_open(&db, root, NULL, &d), 0);
    ASSERT_INT_EQ(csec_db_count(db), 1225);
    size_t total = 0, bad_files = 0;
    for (size_t i = 0; i < csec_db_count(db); i++) {
        const csec_advisory *a = csec_db_get(db, i);
        size_t len;
        char *text = test_read(test_path(root, a->path), &len);
        if (!text)
            break;
        problems p = {CSEC_BUF_INIT, 0, a->path, false};
        size_t n = csec_advisory_lint(a->path, text, len, collect, &p);
        free(text);
        if (n) {
            if (bad_files++ < 10)
                fprintf(stderr, "  %s: %s\n", a->path, p.b.ptr);
            total += n;
        }
        csec_buf_free(&p.b);
    }
    csec_db_free(db);
    ASSERT_INT_EQ(total, 0);
}
