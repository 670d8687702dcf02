/* test_lockfile.c - Cargo.lock v1 to v4 (spec §4.3): fields, format
 * detection, dependency resolution, sources, chains, and precise errors. */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>

#define CIO "registry+https://github.com/rust-lang/crates.io-index"

static csec_lockfile *load(const char *name)
{
    csec_lockfile *lf = NULL;
    csec_diag d;
    const char *path = test_path(test_source_dir(), test_path("tests/data/lockfiles", name));
    if (csec_lockfile_open(&lf, path, &d) < 0)
        fprintf(stderr, "  %s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
    return lf;
}

static csec_lockfile *parse(const char *text, csec_diag *d)
{
    csec_lockfile *lf = NULL;
    csec_lockfile_parse(&lf, "t.lock", text, strlen(text), d);
    return lf;
}

static const csec_lock_package *find(const csec_lockfile *lf, const char *name, const char *ver)
{
    for (size_t i = 0; i < csec_lockfile_count(lf); i++) {
        const csec_lock_package *p = csec_lockfile_get(lf, i);
        if (strcmp(p->name, name) == 0 && strcmp(p->version_text, ver) == 0)
            return p;
    }
    return NULL;
}

/* "a 1 -> b 2 -> c 3" from csec_lockfile_path. */
static const char *chain(const csec_lockfile *lf, const csec_lock_package *p)
{
    static char out[1024];
    const csec_lock_package *c[32];
    size_t n = csec_lockfile_path(lf, p, c, 32);
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 32; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s %s", i ? " -> " : "",
                 c[i]->name, c[i]->version_text);
    return out;
}

TEST(lockfile, v3_fields_and_resolution)
{
    csec_lockfile *lf = load("v3-app.lock");
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 3);
    ASSERT_INT_EQ(csec_lockfile_count(lf), 16);
    ASSERT(csec_lockfile_root(lf) == NULL);
    const csec_lock_package *p = csec_lockfile_get(lf, 0);
    ASSERT_STR_EQ(p->name, "ansi_term");
    ASSERT_STR_EQ(p->version_text, "0.12.1");
    ASSERT_INT_EQ(p->version.minor, 12);
    ASSERT_STR_EQ(p->source, CIO);
    ASSERT_INT_EQ(p->source_kind, CSEC_SOURCE_REGISTRY);
    ASSERT_STR_EQ(p->source_url, "https://github.com/rust-lang/crates.io-index");
    ASSERT(p->crates_io);
    ASSERT(p->checksum != NULL && strlen(p->checksum) == 64);
    ASSERT_INT_EQ(p->line, 5); /* its [[package]] header */
    ASSERT_INT_EQ(p->deps_count, 1);
    /* An abbreviated v3 dependency takes the version and source of the
     * only package of that name. */
    ASSERT_STR_EQ(p->deps[0].name, "winapi");
    ASSERT_STR_EQ(p->deps[0].version, "0.3.9");
    ASSERT_STR_EQ(p->deps[0].source, CIO);
    ASSERT(csec_lockfile_get(lf, p->deps[0].package) == find(lf, "winapi", "0.3.9"));

    /* "time 0.1.45" picks the right one of two versions. */
    const csec_lock_package *chrono = find(lf, "chrono", "0.4.19");
    ASSERT(chrono != NULL);
    ASSERT(csec_lockfile_get(lf, chrono->deps[0].package) == find(lf, "time", "0.1.45"));
    const csec_lock_package *app = find(lf, "myapp", "0.1.0");
    ASSERT(app && !app->source && app->source_kind == CSEC_SOURCE_NONE && !app->crates_io);
    ASSERT(!app->checksum);
    ASSERT_INT_EQ(app->deps_count, 8);
    ASSERT_STR_EQ(app->deps[7].version, "0.3.20");
    ASSERT(csec_lockfile_get(lf, app->deps[7].package) == find(lf, "time", "0.3.20"));

    /* A git source: kind, and the URL without query and fragment. */
    const csec_lock_package *sv = find(lf, "smallvec", "0.6.0");
    ASSERT(sv != NULL);
    ASSERT_INT_EQ(sv->source_kind, CSEC_SOURCE_GIT);
    ASSERT_STR_EQ(sv->source_url, "https://github.com/servo/rust-smallvec");
    ASSERT(!sv->crates_io);
    ASSERT(!sv->checksum);

    /* Prerelease versions, duplicated crate names. */
    const csec_lock_package *l2 = find(lf, "lettre", "0.10.0-alpha.2");
    ASSERT(l2 != NULL);
    ASSERT_INT_EQ(l2->version.pre.len, 7);
    ASSERT(memcmp(l2->version.pre.ptr, "alpha.2", 7) == 0);
    ASSERT(find(lf, "lettre", "0.10.0-alpha.5") != NULL);

    ASSERT_STR_EQ(chain(lf, find(lf, "time", "0.1.45")),
                  "myapp 0.1.0 -> chrono 0.4.19 -> time 0.1.45");
    ASSERT_STR_EQ(chain(lf, l2),
                  "myapp 0.1.0 -> mytool 0.1.0 -> mylib 0.2.0 -> lettre 0.10.0-alpha.2");
    ASSERT_STR_EQ(chain(lf, app), "myapp 0.1.0");
    /* Two routes to libc (atty, git2, time): the first dependent in the file wins. */
    ASSERT_STR_EQ(chain(lf, find(lf, "libc", "0.2.100")),
                  "myapp 0.1.0 -> atty 0.2.14 -> libc 0.2.100");
    csec_lockfile_free(lf);
}

TEST(lockfile, v4_sparse_git_prerelease)
{
    csec_lockfile *lf = load("v4-sparse-git.lock");
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 4);
    ASSERT_INT_EQ(csec_lockfile_count(lf), 5);
    const csec_lock_package *sp = find(lf, "time", "0.1.45");
    ASSERT(sp != NULL);
    ASSERT_INT_EQ(sp->source_kind, CSEC_SOURCE_SPARSE);
    ASSERT_STR_EQ(sp->source_url, "https://index.crates.io/");
    ASSERT(sp->crates_io);
    /* v4 percent-encodes the branch; the URL is the same either way. */
    const csec_lock_package *git = find(lf, "time", "0.1.44");
    ASSERT(git != NULL);
    ASSERT_INT_EQ(git->source_kind, CSEC_SOURCE_GIT);
    ASSERT_STR_EQ(git->source_url, "https://github.com/example/fork-of-time");
    ASSERT(!git->crates_io);
    const csec_lock_package *svc = find(lf, "svc", "1.0.0-rc.1");
    ASSERT(svc != NULL);
    ASSERT_INT_EQ(svc->deps_count, 4);
    ASSERT(csec_lockfile_get(lf, svc->deps[2].package) == git);
    ASSERT(csec_lockfile_get(lf, svc->deps[3].package) == sp);
    ASSERT_STR_EQ(svc->deps[2].source, git->source);
    ASSERT_STR_EQ(chain(lf, git), "svc 1.0.0-rc.1 -> time 0.1.44");
    csec_lockfile_free(lf);
}

TEST(lockfile, v2_detected_without_version_key)
{
    csec_lockfile *lf = load("v2-noversion.lock");
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 2);
    ASSERT_INT_EQ(csec_lockfile_count(lf), 3);
    const csec_lock_package *a = find(lf, "ansi_term", "0.12.1");
    ASSERT(a && a->checksum && strlen(a->checksum) == 64);
    const csec_lock_package *cli = find(lf, "cli", "0.3.0");
    ASSERT(cli && cli->deps_count == 2);
    ASSERT_STR_EQ(cli->deps[1].version, "0.6.13");
    csec_lockfile_free(lf);
}

TEST(lockfile, v1_root_and_metadata_checksums)
{
    csec_lockfile *lf = load("v1-root.lock");
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 1);
    /* [root] is kept but not counted. */
    ASSERT_INT_EQ(csec_lockfile_count(lf), 3);
    const csec_lock_package *root = csec_lockfile_root(lf);
    ASSERT(root != NULL);
    ASSERT_STR_EQ(root->name, "oldapp");
    ASSERT_INT_EQ(root->deps_count, 2);
    ASSERT_STR_EQ(root->deps[0].source, CIO);
    ASSERT(csec_lockfile_get(lf, root->deps[0].package) == find(lf, "chrono", "0.4.19"));
    /* Checksums come from [metadata]; "<none>" means none. */
    ASSERT_STR_EQ(find(lf, "chrono", "0.4.19")->checksum,
                  "670ad68c9088c2a963aaa298cb369688cf3f9465ce5e2d4ca10e6e0098a1ce73");
    ASSERT(find(lf, "smallvec", "0.6.5")->checksum == NULL);
    ASSERT(find(lf, "time", "0.1.45")->checksum != NULL);
    ASSERT_STR_EQ(chain(lf, find(lf, "time", "0.1.45")),
                  "oldapp 0.1.0 -> chrono 0.4.19 -> time 0.1.45");
    csec_lockfile_free(lf);
}

TEST(lockfile, git_path_and_other_registries)
{
    csec_lockfile *lf = load("git-path.lock");
    ASSERT(lf != NULL);
    const csec_lock_package *atty = find(lf, "atty", "0.2.14");
    ASSERT(atty && atty->source_kind == CSEC_SOURCE_PATH && !atty->crates_io);
    const csec_lock_package *chrono = find(lf, "chrono", "0.4.19");
    ASSERT(chrono && chrono->source_kind == CSEC_SOURCE_REGISTRY && !chrono->crates_io);
    ASSERT_STR_EQ(chrono->source_url, "https://my-registry.example.com/index");
    const csec_lock_package *sv = find(lf, "smallvec", "0.6.0");
    /* v3 writes the query raw: "branch=feature/x&rev=abc". */
    ASSERT_STR_EQ(sv->source_url, "https://github.com/servo/rust-smallvec");
    for (size_t i = 0; i < csec_lockfile_count(lf); i++)
        ASSERT(!csec_lockfile_get(lf, i)->crates_io);
    csec_lockfile_free(lf);
}

TEST(lockfile, format_detection_inline)
{
    csec_diag d;
    /* No version key and no checksum anywhere: v2. */
    csec_lockfile *lf = parse("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n", &d);
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 2);
    csec_lockfile_free(lf);
    /* [metadata] checksum keys without a version key: v1. */
    lf = parse("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"" CIO "\"\n"
               "[metadata]\n\"checksum a 1.0.0 (" CIO ")\" = \"<none>\"\n",
               &d);
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_format(lf), 1);
    ASSERT(csec_lockfile_get(lf, 0)->checksum == NULL);
    csec_lockfile_free(lf);
    /* An empty lockfile is valid and has no packages. */
    lf = parse("version = 4\n", &d);
    ASSERT(lf != NULL);
    ASSERT_INT_EQ(csec_lockfile_count(lf), 0);
    csec_lockfile_free(lf);
}

TEST(lockfile, dependency_strings)
{
    csec_diag d;
    /* Whitespace of any kind separates the fields; a dependency that names
     * a version no entry has keeps it (no link); a cycle has no root. */
    csec_lockfile *lf = parse("version = 3\n"
                              "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
                              "dependencies = [\"b\", \"c\\t2.0.0\", \"z 9.9.9 (" CIO ")\"]\n"
                              "[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n"
                              "dependencies = [\"c\"]\n"
                              "[[package]]\nname = \"c\"\nversion = \"2.0.0\"\n"
                              "dependencies = [\"b\"]\n",
                              &d);
    ASSERT(lf != NULL);
    const csec_lock_package *a = csec_lockfile_get(lf, 0);
    ASSERT_INT_EQ(a->deps_count, 3);
    ASSERT_INT_EQ(a->deps[1].package, 2);
    ASSERT_STR_EQ(a->deps[2].version, "9.9.9");
    ASSERT_STR_EQ(a->deps[2].source, CIO);
    ASSERT(a->deps[2].package == SIZE_MAX);
    ASSERT_STR_EQ(chain(lf, csec_lockfile_get(lf, 2)), "a 1.0.0 -> c 2.0.0");
    csec_lockfile_free(lf);

    lf = parse("version = 3\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n"
               "dependencies = [\"c\"]\n[[package]]\nname = \"c\"\nversion = \"2.0.0\"\n"
               "dependencies = [\"b\"]\n",
               &d);
    ASSERT(lf != NULL);
    ASSERT_STR_EQ(chain(lf, csec_lockfile_get(lf, 1)), "c 2.0.0");
    csec_lockfile_free(lf);

    /* replace = "name version (source)" */
    lf = parse("version = 3\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
               "source = \"" CIO "\"\nreplace = \"a 1.0.0 (git+https://x.org/a#abc)\"\n",
               &d);
    ASSERT(lf != NULL);
    ASSERT(csec_lockfile_get(lf, 0)->replace != NULL);
    ASSERT_STR_EQ(csec_lockfile_get(lf, 0)->replace->source, "git+https://x.org/a#abc");
    csec_lockfile_free(lf);
}

TEST(lockfile, malformed_files_have_positions)
{
    static const struct {
        const char *file;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"bad-version.lock", 5, 16, "invalid version `0.1.045`"},
        {"bad-checksum.lock", 7, 12, "invalid checksum"},
        {"bad-source.lock", 6, 10, "unsupported source protocol `svn`"},
        {"bad-dep.lock", 7, 2, "more than 3 fields"},
        {"dep-source-parens.lock", 7, 2, "the source must be in parentheses"},
        {"unresolved-dep.lock", 7, 2, "couldn't resolve dependency `nothere`"},
        {"version5.lock", 1, 11, "unsupported lockfile version 5"},
        {"version-string.lock", 1, 11, "`version` must be an integer, not string"},
        {"both-checksums.lock", 7, 1, "checksums in both"},
        {"bad-toml.lock", 6, 10, "unterminated string"},
        {"missing-version.lock", 3, 1, "package is missing `version`"},
        {"deps-not-array.lock", 6, 16, "`dependencies` must be an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_lockfile *lf = NULL;
        csec_diag d;
        const char *path = test_path(test_source_dir(),
                                     test_path("tests/data/lockfiles/malformed", cases[i].file));
        int rc = csec_lockfile_open(&lf, path, &d);
        if (rc != CSEC_EPARSE || lf != NULL)
            FAIL_AT("%s: rc %d", cases[i].file, rc);
        if (d.line != cases[i].line || d.col != cases[i].col || !strstr(d.msg, cases[i].msg) ||
            strcmp(d.file, path) != 0)
            FAIL_AT("%s: got %s:%u:%u: %s", cases[i].file, d.file, d.line, d.col, d.msg);
    }
}

TEST(lockfile, inline_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"package = 3\n", "`package` must be an array of tables"},
        {"[metadata]\nx = 1\n", "metadata values must be strings"},
        {"[[package]]\nname = 1\nversion = \"1.0.0\"\n", "`name` must be a string"},
        {"[[package]]\nname = \"\"\nversion = \"1.0.0\"\n", "empty package name"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0\"\n", "invalid version"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"nokind\"\n",
         "expected KIND+URL"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"git+\"\n", "empty URL"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [1]\n",
         "a dependency must be a string"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\" \"]\n", "empty"},
        {"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b x\"]\n",
         "invalid version `x`"},
        {"[[package]]\nname = \"a\\u0000\"\nversion = \"1.0.0\"\n", "NUL"},
        {"version = 0\n", "unsupported lockfile version 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_diag d;
        memset(&d, 0, sizeof d);
        csec_lockfile *lf = parse(cases[i].text, &d);
        if (lf) {
            csec_lockfile_free(lf);
            FAIL_AT("case %zu parsed", i);
        }
        if (!strstr(d.msg, cases[i].msg) || d.line == 0 || d.col == 0)
            FAIL_AT("case %zu: %u:%u: %s", i, d.line, d.col, d.msg);
    }
}

TEST(lockfile, missing_file_is_eio)
{
    csec_lockfile *lf = (csec_lockfile *)1;
    csec_diag d;
    ASSERT_INT_EQ(csec_lockfile_open(&lf, "/nonexistent/Cargo.lock", &d), CSEC_EIO);
    ASSERT(lf == NULL);
}
