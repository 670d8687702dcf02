/* test_index.c - the registry index reader: fixture (tests/data/index), the
 * whole 2020 crates.io index, and the sparse HTTP form against nginx. */
#include "harness.h"

#include "index.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

/* Collected diagnostics, one "file:line:col: msg" per line. */
static void collect(const csec_diag *d, void *payload)
{
    csec_buf *b = payload;
    const char *f = strrchr(d->file, '/');
    csec_buf_printf(b, "%s:%u:%u: %s\n", f ? f + 1 : d->file, d->line, d->col, d->msg);
}

static csec_index *open_fixture(csec_buf *diags)
{
    csec_index *ix = NULL;
    csec_diag d;
    csec_index_options o = {collect, diags, 0};
    if (csec__index_open_dir_ex(&ix, test_path(test_source_dir(), "tests/data/index"), &o, &d) < 0)
        fprintf(stderr, "  open: %s: %s\n", d.file, d.msg);
    return ix;
}

static const csec_index_version *version_of(const csec_index_crate *c, const char *vers)
{
    for (size_t i = 0; c && i < c->versions_count; i++)
        if (strcmp(c->versions[i].vers, vers) == 0)
            return &c->versions[i];
    return NULL;
}

TEST(index, fixture_counts_and_order)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    /* x ab abc ace badlines demo foo-bar MyCrate; "misplaced" is skipped. */
    ASSERT_INT_EQ(csec__index_crate_count(ix), 8);
    ASSERT_INT_EQ(csec__index_version_count(ix), 2 + 1 + 0 + 2 + 9 + 2 + 2 + 1);
    static const char *const names[] = {"ab", "abc", "ace", "badlines", "demo", "foo-bar",
                                        "MyCrate", "x"};
    for (size_t i = 0; i < 8; i++)
        ASSERT_STR_EQ(csec__index_crate_at(ix, i)->name, names[i]);
    ASSERT(csec__index_crate_at(ix, 8) == NULL);
    const csec_index_crate *demo = csec__index_find(ix, "demo");
    ASSERT(demo);
    static const char *const order[] = {"0.1.0", "0.2.0", "0.10.0", "1.0.0-alpha.1",
                                        "1.0.0-beta.2", "1.0.0", "1.0.0+build.5", "1.1.0",
                                        "2.0.0-rc.1"};
    ASSERT_INT_EQ(demo->versions_count, 9);
    for (size_t i = 0; i < 9; i++)
        ASSERT_STR_EQ(demo->versions[i].vers, order[i]);
    /* A crate whose only line has an invalid version exists, with none. */
    const csec_index_crate *ace = csec__index_find(ix, "ace");
    ASSERT(ace);
    ASSERT_INT_EQ(ace->versions_count, 0);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.unsupported, 1); /* ab 9.0.0 has "v":3 */
    ASSERT_INT_EQ(st.bad_files, 1);
    ASSERT_INT_EQ(st.bad_lines, 10);
    ASSERT_INT_EQ(st.bad_versions, 2);
    ASSERT(version_of(csec__index_find(ix, "ab"), "9.0.0") == NULL);
    ASSERT(st.arena_bytes > 0);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, name_lookup_rules)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    const csec_index_crate *fb = csec__index_find(ix, "foo-bar");
    ASSERT(fb);
    ASSERT(csec__index_find(ix, "foo_bar") == fb);
    ASSERT(csec__index_find(ix, "FOO_BAR") == fb);
    ASSERT(csec__index_find(ix, "Foo-Bar") == fb);
    ASSERT_STR_EQ(csec__index_find(ix, "mycrate")->name, "MyCrate");
    ASSERT(csec__index_find(ix, "MYCRATE") == csec__index_find(ix, "MyCrate"));
    ASSERT(csec__index_find(ix, "my-crate") == NULL);
    ASSERT(csec__index_find(ix, "foobar") == NULL);
    ASSERT(csec__index_find(ix, "foo-ba") == NULL);
    ASSERT(csec__index_find(ix, "") == NULL);
    ASSERT(csec__index_find(ix, "misplaced") == NULL);

    char p[64];
    ASSERT_INT_EQ(csec__index_path_for(p, sizeof p, "Serde_JSON"), 16);
    ASSERT_STR_EQ(p, "se/rd/serde_json");
    csec__index_path_for(p, sizeof p, "Syn");
    ASSERT_STR_EQ(p, "3/s/syn");
    csec__index_path_for(p, sizeof p, "AB");
    ASSERT_STR_EQ(p, "2/ab");
    csec__index_path_for(p, sizeof p, "x");
    ASSERT_STR_EQ(p, "1/x");
    ASSERT_INT_EQ(csec__index_path_for(p, sizeof p, ""), 0);
    ASSERT_INT_EQ(csec__index_path_for(p, 8, "serde_json"), 0); /* does not fit */
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, yanked_and_newest)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    const csec_index_crate *demo = csec__index_find(ix, "demo");
    ASSERT(version_of(demo, "0.2.0")->yanked);
    ASSERT(version_of(demo, "1.1.0")->yanked);
    ASSERT(!version_of(demo, "1.0.0")->yanked);
    ASSERT(!version_of(demo, "0.10.0")->yanked);
    ASSERT_STR_EQ(csec__index_newest(demo, false, false)->vers, "1.0.0+build.5");
    ASSERT_STR_EQ(csec__index_newest(demo, true, false)->vers, "1.1.0");
    ASSERT_STR_EQ(csec__index_newest(demo, false, true)->vers, "2.0.0-rc.1");
    const csec_index_crate *my = csec__index_find(ix, "MyCrate");
    ASSERT_STR_EQ(csec__index_newest(my, false, false)->vers, "1.2.3");
    ASSERT(csec__index_newest(csec__index_find(ix, "ace"), true, true) == NULL);
    /* The parsed version agrees with the text. */
    const csec_index_version *b5 = version_of(demo, "1.0.0+build.5");
    ASSERT_INT_EQ(b5->version.major, 1);
    ASSERT_INT_EQ(b5->version.build.len, 7);
    ASSERT(memcmp(b5->version.build.ptr, "build.5", 7) == 0);
    const csec_index_version *a1 = version_of(demo, "1.0.0-alpha.1");
    ASSERT_INT_EQ(a1->version.pre.len, 7);
    ASSERT(memcmp(a1->version.pre.ptr, "alpha.1", 7) == 0);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, dependencies)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    const csec_index_crate *demo = csec__index_find(ix, "demo");
    const csec_index_version *v = version_of(demo, "1.0.0");
    ASSERT(v);
    ASSERT_INT_EQ(v->deps_count, 5);
    const csec_index_dep *d0 = v->deps[0];
    ASSERT_STR_EQ(d0->name, "serde"); /* renamed: `package` is the crate */
    ASSERT_STR_EQ(d0->rename, "serde1");
    ASSERT_STR_EQ(d0->req, "^1.0");
    ASSERT(d0->optional);
    ASSERT(!d0->default_features);
    ASSERT_INT_EQ(d0->features.count, 1);
    ASSERT_STR_EQ(d0->features.items[0], "derive");
    ASSERT_INT_EQ(d0->kind, CSEC_INDEX_DEP_NORMAL);
    ASSERT(d0->target == NULL);
    const csec_index_dep *d1 = v->deps[1];
    ASSERT_STR_EQ(d1->name, "winapi");
    ASSERT(d1->rename == NULL);
    ASSERT_STR_EQ(d1->target, "cfg(windows)");
    ASSERT_STR_EQ(d1->req, "0.3");
    ASSERT_INT_EQ(d1->features.count, 2);
    ASSERT_STR_EQ(d1->features.items[1], "std");
    ASSERT(!d1->optional);
    ASSERT(d1->default_features);
    ASSERT_INT_EQ(v->deps[2]->kind, CSEC_INDEX_DEP_BUILD);
    ASSERT_STR_EQ(v->deps[2]->req, ">= 0.0.1, < 0.1");
    ASSERT_INT_EQ(v->deps[3]->kind, CSEC_INDEX_DEP_DEV);
    ASSERT_STR_EQ(v->deps[3]->name, "foo_bar");
    ASSERT(csec__index_find(ix, v->deps[3]->name) == csec__index_find(ix, "foo-bar"));
    ASSERT_STR_EQ(v->deps[4]->registry, "https://example.com/index");
    ASSERT(v->deps[0]->registry == NULL);
    /* "kind": null is a normal dependency. */
    ASSERT_INT_EQ(version_of(demo, "0.10.0")->deps[0]->kind, CSEC_INDEX_DEP_NORMAL);
    /* Interning: equal dependency lists are one copy; so are equal strings. */
    const csec_index_version *b5 = version_of(demo, "1.0.0+build.5");
    ASSERT(b5->deps == v->deps);
    ASSERT(version_of(demo, "0.1.0")->deps[0] == version_of(demo, "0.2.0")->deps[0]);
    ASSERT(version_of(demo, "0.1.0")->deps[0]->req ==
           csec__index_find(ix, "ab")->versions[0].deps[0]->req);
    ASSERT_INT_EQ(version_of(demo, "1.0.0-beta.2")->deps_count, 0);
    /* The requirements are usable as written. */
    csec_req *req = NULL;
    ASSERT_INT_EQ(csec_req_parse(&req, d1->req, strlen(d1->req), NULL), 0);
    csec_req_free(req);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, features_and_metadata)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    const csec_index_crate *demo = csec__index_find(ix, "demo");
    const csec_index_version *v = version_of(demo, "1.0.0");
    /* features {default, std} merged with features2 {serde, std}. */
    ASSERT_INT_EQ(v->features_count, 3);
    ASSERT_STR_EQ(v->features[0].name, "default");
    ASSERT_STR_EQ(v->features[1].name, "serde");
    ASSERT_STR_EQ(v->features[2].name, "std");
    const csec_index_feature *f = csec__index_feature_find(v, "serde");
    ASSERT(f);
    ASSERT_INT_EQ(f->values.count, 1);
    ASSERT_STR_EQ(f->values.items[0], "dep:serde1");
    f = csec__index_feature_find(v, "std");
    ASSERT_INT_EQ(f->values.count, 1);
    ASSERT_STR_EQ(f->values.items[0], "serde1?/std");
    f = csec__index_feature_find(v, "default");
    ASSERT_INT_EQ(f->values.count, 1);
    ASSERT_STR_EQ(f->values.items[0], "std");
    ASSERT(csec__index_feature_find(v, "nope") == NULL);
    ASSERT(csec__index_feature_find(v, "") == NULL);
    ASSERT_INT_EQ(version_of(demo, "0.1.0")->features_count, 1);
    ASSERT_INT_EQ(version_of(demo, "0.1.0")->features[0].values.count, 0);
    ASSERT_STR_EQ(csec__index_rust_version(v), "1.56");
    ASSERT_STR_EQ(csec__index_pubtime(v), "2023-05-01T12:00:00Z");
    ASSERT_STR_EQ(csec__index_links(v), "demo");
    ASSERT_INT_EQ(v->schema, 2);
    const csec_index_version *b5 = version_of(demo, "1.0.0+build.5");
    ASSERT(csec__index_rust_version(b5) == NULL);
    ASSERT(csec__index_pubtime(b5) == NULL);
    ASSERT(csec__index_links(b5) == NULL);
    ASSERT(b5->extra == NULL); /* no room taken by fields a line lacks */
    ASSERT_INT_EQ(b5->schema, 1);
    ASSERT_STR_EQ(csec__index_links(&csec__index_find(ix, "abc")->versions[0]), "abc-sys");
    ASSERT_STR_EQ(csec__index_config_dl(ix), "https://crates.io/api/v1/crates");
    ASSERT_STR_EQ(csec__index_config_api(ix), "https://crates.io");
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, malformed_lines_reported_and_skipped)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = open_fixture(&diags);
    ASSERT(ix);
    const char *t = diags.ptr;
    ASSERT_CONTAINS(t, "ace:1:22: invalid version \"1.0.0-01\"");
    ASSERT_CONTAINS(t, "badlines:2:53: \"cksum\" must be 64 hex digits\n");
    ASSERT_CONTAINS(t, "badlines:3:35: unexpected end of input, expected a member name\n");
    ASSERT_CONTAINS(t, "badlines:4:1: invalid literal\n");
    ASSERT_CONTAINS(t, "badlines:5:43: dependency without \"req\"\n");
    ASSERT_CONTAINS(t, "badlines:7:9: line is for crate \"other\", not \"badlines\"\n");
    ASSERT_CONTAINS(t, "badlines:8:143: \"yanked\" must be a boolean\n");
    ASSERT_CONTAINS(t, "badlines:9:27: invalid version \"0.8\"");
    ASSERT_CONTAINS(t, "badlines:10:73: dependency kind must be");
    ASSERT_CONTAINS(t, "badlines:11:142: expected a string\n");
    ASSERT_CONTAINS(t, "badlines:12:151: trailing characters after JSON value\n");
    ASSERT_CONTAINS(t, "badlines:13:1: missing \"cksum\"\n");
    ASSERT_CONTAINS(t, "misplaced:0:0: misplaced crate file: \"misplaced\" belongs at mi/sp/misplaced");
    /* The good lines around the bad ones loaded. */
    const csec_index_crate *b = csec__index_find(ix, "badlines");
    ASSERT_INT_EQ(b->versions_count, 2);
    ASSERT_STR_EQ(b->versions[0].vers, "0.1.0");
    ASSERT_STR_EQ(b->versions[1].vers, "0.5.0");
    /* 10 bad lines + 2 bad versions + 1 misplaced file. */
    size_t lines = 0;
    for (const char *p = t; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    ASSERT_INT_EQ(lines, 13);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, add_file_rules)
{
    csec_buf diags = CSEC_BUF_INIT;
    csec_index_options o = {collect, &diags, 0};
    csec_index *ix = csec__index_new(&o);
    const csec_index_crate *c = NULL;
    const char *ck = "0000000000000000000000000000000000000000000000000000000000000000";
    char text[1024];
    /* An empty file (and blank lines only) names no crate. */
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, "f", "foo", "\n \r\n", 4), 0);
    ASSERT(c == NULL);
    /* Only bad lines: an error, each reported. */
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, "f", "foo", "{}\n[1]\n", 7), CSEC_EPARSE);
    ASSERT(c == NULL);
    ASSERT_CONTAINS(diags.ptr, "f:1:1: missing \"name\"");
    ASSERT_CONTAINS(diags.ptr, "f:2:1: a line must be a JSON object");
    /* Names are matched as crates.io does; the first line's spelling wins;
     * a version published twice keeps the later line; CRLF is fine. */
    snprintf(text, sizeof text,
             "{\"name\":\"Foo_Bar\",\"vers\":\"1.0.0\",\"cksum\":\"%s\"}\r\n"
             "{\"name\":\"foo-bar\",\"vers\":\"0.9.0\",\"cksum\":\"%s\",\"yanked\":true}\n"
             "{\"name\":\"FOO-BAR\",\"vers\":\"1.0.0\",\"cksum\":\"%s\",\"yanked\":true}",
             ck, ck, ck);
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, "f", "foo-bar", text, strlen(text)), 0);
    ASSERT(c);
    ASSERT_STR_EQ(c->name, "Foo_Bar");
    ASSERT_INT_EQ(c->versions_count, 2);
    ASSERT(c->versions[1].yanked);
    ASSERT(c->versions[1].deps_count == 0);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.duplicates, 1);
    /* Adding the crate again replaces it. */
    snprintf(text, sizeof text, "{\"name\":\"foo_bar\",\"vers\":\"2.0.0\",\"cksum\":\"%s\"}", ck);
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, NULL, NULL, text, strlen(text)), 0);
    ASSERT_INT_EQ(csec__index_crate_count(ix), 1);
    ASSERT_INT_EQ(csec__index_version_count(ix), 1);
    ASSERT(csec__index_find(ix, "FOO-BAR") == c);
    ASSERT_STR_EQ(c->versions[0].vers, "2.0.0");
    /* A line for another crate than the file's is refused. */
    csec_buf_clear(&diags);
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, "g", "bar", text, strlen(text)), CSEC_EPARSE);
    ASSERT_CONTAINS(diags.ptr, "g:1:9: line is for crate \"foo_bar\", not \"bar\"");
    /* A NUL byte in the name (through an escape) is refused. */
    snprintf(text, sizeof text, "{\"name\":\"a\\u0000b\",\"vers\":\"2.0.0\",\"cksum\":\"%s\"}", ck);
    ASSERT_INT_EQ(csec__index_add_file(&c, ix, "h", NULL, text, strlen(text)), CSEC_EPARSE);
    ASSERT_CONTAINS(diags.ptr, "h:1:9: invalid crate name");
    /* Fetch on a non-sparse index: found in memory, or "not found". */
    csec_diag d;
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "foo-bar", &d), 0);
    ASSERT(c && csec__index_find(ix, "foo_bar") == c);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "nope", &d), CSEC_ENOTFOUND);
    ASSERT(c == NULL);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "../x", &d), CSEC_EINVAL);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

/* Two files for one crate ('-'/'_' twins, which crates.io never publishes):
 * a load serves the same one whatever order its threads found them in. */
TEST(index, twin_files_load_the_same_whatever_the_order)
{
    const char *ck = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *names[2] = {"a-bc", "a_bc"};
    const char *served[2];
    for (int order = 0; order < 2; order++) {
        csec_index *ix = csec__index_new(NULL);
        csec__index_parser *p = csec__index_parser_new(ix);
        const csec_index_crate *recs[2];
        for (int i = 0; i < 2; i++) {
            const char *name = names[order ? 1 - i : i];
            char text[256];
            int n = snprintf(text, sizeof text,
                             "{\"name\":\"%s\",\"vers\":\"1.0.%d\",\"cksum\":\"%s\"}\n", name,
                             name[1] == '_', ck);
            int rc = 0;
            recs[i] = csec__index_parse(p, name, name, text, (size_t)n, &rc);
            ASSERT(recs[i] != NULL);
        }
        csec__index_parser_free(p);
        csec__index_install(ix, recs, 2);
        const csec_index_crate *c = csec__index_find(ix, "a-bc");
        ASSERT(c != NULL);
        served[order] = c->name[1] == '_' ? "a_bc" : "a-bc";
        ASSERT_INT_EQ((int)csec__index_crate_count(ix), 1);
        ASSERT_INT_EQ((int)csec__index_version_count(ix), 1);
        csec__index_free(ix);
    }
    ASSERT_STR_EQ(served[0], served[1]);
}

/* An update follows the same rule as a load: a change to the twin that is
 * not served (its new text, or its removal) leaves the served one, as a
 * fresh load of the result would.  Before, the changed twin replaced the
 * served crate, and removing it removed the crate. */
/* Both twin files may name the crate alike inside ("a_bc" in the file
 * a-bc: a line's name need only match its file's name normalised).  Then
 * the names tie, and the file's name decides; before, whichever file came
 * last did, so two loads could serve different versions. */
TEST(index, twin_files_naming_the_crate_alike_load_the_same)
{
    const char *ck = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *files[2] = {"a-bc", "a_bc"};
    char served[2][16];
    for (int order = 0; order < 2; order++) {
        csec_index *ix = csec__index_new(NULL);
        csec__index_parser *p = csec__index_parser_new(ix);
        const csec_index_crate *recs[2];
        for (int i = 0; i < 2; i++) {
            int f = order ? 1 - i : i;
            char text[256];
            int n = snprintf(text, sizeof text,
                             "{\"name\":\"a_bc\",\"vers\":\"1.0.%d\",\"cksum\":\"%s\"}\n", f, ck);
            int rc = 0;
            recs[i] = csec__index_parse(p, files[f], files[f], text, (size_t)n, &rc);
            ASSERT(recs[i] != NULL);
        }
        csec__index_parser_free(p);
        csec__index_install(ix, recs, 2);
        const csec_index_crate *c = csec__index_find(ix, "a-bc");
        ASSERT(c != NULL && c->versions_count == 1);
        snprintf(served[order], sizeof served[order], "%s", c->versions[0].vers);
        ASSERT_INT_EQ((int)csec__index_crate_count(ix), 1);
        csec__index_free(ix);
    }
    ASSERT_STR_EQ(served[0], served[1]);
}

TEST(index, twin_files_update_as_a_load_would)
{
    const char *ck = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *names[2] = {"a-bc", "a_bc"};
    char text[2][256];
    const csec_index_crate *recs[2];
    csec_index *g[5] = {csec__index_new(NULL)};
    csec__index_parser *p = csec__index_parser_new(g[0]);
    for (int i = 0; i < 2; i++) {
        int n =
            snprintf(text[i], sizeof text[i],
                     "{\"name\":\"%s\",\"vers\":\"1.0.%d\",\"cksum\":\"%s\"}\n", names[i], i, ck);
        int rc = 0;
        recs[i] = csec__index_parse(p, names[i], names[i], text[i], (size_t)n, &rc);
        ASSERT(recs[i] != NULL);
    }
    csec__index_parser_free(p);
    csec__index_install(g[0], recs, 2);
    ASSERT_STR_EQ(csec__index_find(g[0], "a-bc")->name, "a_bc");
    char newer[256];
    snprintf(newer, sizeof newer, "{\"name\":\"a-bc\",\"vers\":\"1.0.5\",\"cksum\":\"%s\"}\n", ck);
    char winner[256];
    snprintf(winner, sizeof winner, "{\"name\":\"a_bc\",\"vers\":\"1.0.7\",\"cksum\":\"%s\"}\n",
             ck);
    csec_index_change steps[4] = {
        {"a-/bc/a-bc", newer, strlen(newer)},   /* the twin not served changes */
        {"a-/bc/a-bc", NULL, 0},                /* ... and goes */
        {"a_/bc/a_bc", winner, strlen(winner)}, /* the served one changes */
        {"a_/bc/a_bc", NULL, 0},                /* ... and goes */
    };
    const char *want[4] = {"1.0.1", "1.0.1", "1.0.7", NULL};
    csec_diag d;
    for (int i = 0; i < 4; i++) {
        ASSERT_INT_EQ(csec__index_apply(&g[i + 1], g[i], &steps[i], 1, &d), 0);
        const csec_index_crate *c = csec__index_find(g[i + 1], "a-bc");
        if (!want[i]) {
            ASSERT(c == NULL);
            continue;
        }
        ASSERT(c != NULL);
        ASSERT_STR_EQ(c->name, "a_bc");
        ASSERT_INT_EQ((int)c->versions_count, 1);
        ASSERT_STR_EQ(c->versions[0].vers, want[i]);
    }
    for (int i = 0; i < 5; i++)
        csec__index_free(g[i]);
}

TEST(index, config)
{
    csec_index *ix = csec__index_new(NULL);
    csec_diag d;
    const char *cfg = "{\"dl\":\"https://dl.example/{prefix}/{lowerprefix}/{crate}-{version}"
                      ".crate\",\"api\":null,\"auth-required\":true,\"other\":[1]}";
    ASSERT_INT_EQ(csec__index_set_config(ix, "config.json", cfg, strlen(cfg), &d), 0);
    ASSERT(csec__index_config_api(ix) == NULL);
    ASSERT(csec__index_config_auth_required(ix));
    ASSERT_STR_EQ(csec__index_config_dl(ix),
                  "https://dl.example/{prefix}/{lowerprefix}/{crate}-{version}.crate");
    ASSERT_INT_EQ(csec__index_set_config(ix, "config.json", "{\"dl\":3}", 8, &d), CSEC_EPARSE);
    ASSERT_STR_EQ(d.file, "config.json");
    ASSERT_INT_EQ(csec__index_set_config(ix, "config.json", "[", 1, &d), CSEC_EPARSE);
    ASSERT_STR_EQ(d.file, "config.json");
    ASSERT_INT_EQ(d.line, 1);
    ASSERT_INT_EQ(d.col, 2);
    csec__index_free(ix);
    /* A missing directory is an I/O error. */
    csec_index *none = NULL;
    ASSERT_INT_EQ(csec__index_open_dir_ex(&none, "/nonexistent/index", NULL, &d), CSEC_EIO);
    ASSERT(none == NULL);
}

/* ---- the whole crates.io index of 2020-07 ---- */

/* ---- a generated index ---- */

typedef struct gen_index {
    char root[64];
    size_t crates; /* crate files that must load */
} gen_index;

static int gen_write(const gen_index *g, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g->root, rel);
    /* Create the parent directories ("ab/cd/abcd-1": "ab", then "ab/cd"). */
    for (char *s = path + strlen(g->root) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        int rc = mkdir(path, 0755);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* A line of a crate file ("vers" as given, so a test can make it bad). */
static void gen_line(csec_buf *b, const char *name, const char *vers)
{
    csec_buf_printf(b,
                    "{\"name\":\"%s\",\"vers\":\"%s\",\"deps\":[],\"cksum\":\"%064d\","
                    "\"features\":{},\"yanked\":false}\n",
                    name, vers, 0);
}

/* 90 two-letter prefix directories (more than a batch of 64) holding 420
 * leaf directories (several batches) with two crate files each, "1", "2"
 * and "3/x"; a crate file larger than a batch slot (64 KiB); and what must
 * be reported: a misplaced file, a bad line, a directory and a FIFO where
 * crate files belong; and what must be skipped silently: dot files, stray
 * top-level files and directories. */
static int gen_index_make(gen_index *g)
{
    csec_buf b = CSEC_BUF_INIT;
    char rel[128], name[64];
    int rc = 0;
    snprintf(g->root, sizeof g->root, "/tmp/csec-index-XXXXXX");
    if (!mkdtemp(g->root))
        return -1;
    g->crates = 0;
    for (int i = 0; i < 420 && rc == 0; i++) {
        int p = i % 90, l = i % 7;
        for (int k = 0; k < 2 && rc == 0; k++) {
            snprintf(name, sizeof name, "%c%c%c%c-%s%d", 'a' + p / 26, 'a' + p % 26, 'a' + l,
                     k ? 'z' : 'y', k ? "Extra" : "crate", i);
            if (!csec__index_path_for(rel, sizeof rel, name))
                return -1;
            csec_buf_clear(&b);
            gen_line(&b, name, "0.1.0");
            gen_line(&b, name, i % 2 ? "1.0.0" : "0.2.0-beta.1");
            rc = gen_write(g, rel, b.ptr);
            g->crates++;
        }
    }
    csec_buf_clear(&b);
    for (int v = 0; v < 600; v++) { /* 84 KB: more than one 64 KiB read */
        char vers[32];
        snprintf(vers, sizeof vers, "0.%d.%d", v / 10, v % 10);
        gen_line(&b, "bigcrate", vers);
    }
    rc |= gen_write(g, "bi/gc/bigcrate", b.ptr);
    csec_buf_clear(&b);
    gen_line(&b, "x", "1.0.0");
    rc |= gen_write(g, "1/x", b.ptr);
    csec_buf_clear(&b);
    gen_line(&b, "ab", "1.0.0");
    rc |= gen_write(g, "2/ab", b.ptr);
    csec_buf_clear(&b);
    gen_line(&b, "xyz", "1.0.0");
    gen_line(&b, "xyz", "1.0"); /* not SemVer: reported, the crate still loads */
    rc |= gen_write(g, "3/x/xyz", b.ptr);
    g->crates += 4;
    csec_buf_clear(&b);
    gen_line(&b, "lost", "1.0.0");
    rc |= gen_write(g, "aa/aa/lost", b.ptr); /* belongs at lo/st/lost */
    rc |= gen_write(g, "aa/aa/.hidden", "not a crate file\n");
    rc |= gen_write(g, ".git/HEAD", "ref: refs/heads/master\n");
    rc |= gen_write(g, "README.md", "stray\n");
    rc |= gen_write(g, "toolong/ab/abcd", "skipped: not a prefix directory\n");
    rc |= gen_write(g, "config.json", "{\"dl\":\"https://example.invalid/dl\"}\n");
    char path[512];
    snprintf(path, sizeof path, "%s/ab/by/abby-dir", g->root); /* beside abby-crate1 */
    rc |= mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/ab/by/abby-fifo", g->root);
    rc |= mkfifo(path, 0644);
    csec_buf_free(&b);
    return rc;
}

static void gen_index_remove(const gen_index *g)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g->root);
    if (system(cmd) != 0)
        fprintf(stderr, "  cannot remove %s\n", g->root);
}

/* Diagnostics with the paths relative to the index root. */
static void collect_relative(const csec_diag *d, void *payload)
{
    csec_buf *b = payload;
    const char *f = strstr(d->file, "/csec-index-");
    f = f && strchr(f + 1, '/') ? strchr(f + 1, '/') + 1 : d->file;
    csec_buf_printf(b, "%s:%u:%u: %s\n", f, d->line, d->col, d->msg);
}

/* Loads the index and describes everything it holds, in order. */
static char *load_transcript(const char *root, csec_index_stats *st)
{
    csec_buf t = CSEC_BUF_INIT;
    csec_index_options o = {collect_relative, &t, 0};
    csec_index *ix = NULL;
    csec_diag d;
    int rc = csec__index_open_dir_ex(&ix, root, &o, &d);
    if (rc < 0) {
        csec_buf_free(&t);
        return NULL;
    }
    for (size_t i = 0; i < csec__index_crate_count(ix); i++) {
        const csec_index_crate *c = csec__index_crate_at(ix, i);
        csec_buf_printf(&t, "%s", c->name);
        for (size_t j = 0; j < c->versions_count; j++)
            csec_buf_printf(&t, " %s", c->versions[j].vers);
        csec_buf_putc(&t, '\n');
    }
    csec__index_stats(ix, st);
    csec_buf_printf(&t, "files=%zu bad_files=%zu bad_lines=%zu bad_versions=%zu dl=%s\n", st->files,
                    st->bad_files, st->bad_lines, st->bad_versions,
                    csec__index_config_dl(ix) ? csec__index_config_dl(ix) : "(none)");
    csec__index_free(ix);
    return csec_buf_detach(&t);
}

TEST(index, generated_index_loads_in_path_order)
{
    gen_index g;
    int made = gen_index_make(&g);
    csec_index_stats plain_st, again_st;
    char *plain = made == 0 ? load_transcript(g.root, &plain_st) : NULL;
    char *again = made == 0 ? load_transcript(g.root, &again_st) : NULL;
    gen_index_remove(&g);
    ASSERT_INT_EQ(made, 0);
    ASSERT(plain != NULL && again != NULL);
    ASSERT_STR_EQ(again, plain);

    /* 844 good files + bigcrate, x, ab, xyz; the FIFO reads as empty (a
     * file without lines: counted, no crate), the directory does not read. */
    ASSERT_INT_EQ(plain_st.files, g.crates + 1);
    ASSERT_INT_EQ(plain_st.bad_files, 2); /* lost, abby-dir */
    ASSERT_INT_EQ(plain_st.bad_versions, 1);
    ASSERT_INT_EQ(plain_st.bad_lines, 0);
    ASSERT_CONTAINS(plain, "files=845 bad_files=2 bad_lines=0 bad_versions=1 "
                           "dl=https://example.invalid/dl\n");
    ASSERT_CONTAINS(plain,
                    "aa/aa/lost:0:0: misplaced crate file: \"lost\" belongs at lo/st/lost\n");
    ASSERT_CONTAINS(plain, "ab/by/abby-dir:0:0: cannot read crate file: Is a directory\n");
    ASSERT_CONTAINS(plain, "3/x/xyz:2:");
    /* Reports come in path order: directories, then files, sorted. */
    const char *lost = strstr(plain, "aa/aa/lost:"), *dir = strstr(plain, "ab/by/abby-dir:");
    const char *xyz = strstr(plain, "3/x/xyz:");
    ASSERT(xyz && lost && dir && xyz < lost && lost < dir);
    /* Crates sorted by name; the big one complete. */
    ASSERT_CONTAINS(plain, "\nbigcrate 0.0.0 0.0.1 ");
    ASSERT_CONTAINS(plain, " 0.59.8 0.59.9\n");
    ASSERT_CONTAINS(plain, "Is a directory\n"
                           "aaay-crate0 0.1.0 0.2.0-beta.1\naaaz-Extra0 0.1.0 0.2.0-beta.1\n");
    ASSERT_CONTAINS(plain, "\nxyz 1.0.0\n");
    ASSERT(strncmp(plain, "3/x/xyz:2:", 10) == 0); /* the first report */
    ASSERT(strstr(plain, "lost 1.0.0") == NULL && strstr(plain, "abcd ") == NULL);
    ASSERT(strstr(plain, "hidden") == NULL && strstr(plain, "README") == NULL);
    size_t lines = 0;
    for (const char *p = plain; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    ASSERT_INT_EQ(lines, 3 + g.crates + 1); /* reports, crates, stats */
    free(plain);
    free(again);
}

/* Root opens any directory whatever its mode: this thread's effective
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH are dropped while a test needs
 * permissions to count, and raised again (from the permitted set) after. */
static bool dac_override(bool on)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    if (syscall(SYS_capget, &h, caps) != 0)
        return false;
    unsigned bits = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH;
    if (on)
        caps[0].effective |= bits & caps[0].permitted;
    else
        caps[0].effective &= ~bits;
    return syscall(SYS_capset, &h, caps) == 0;
}

TEST(index, unreadable_directories_reported_in_path_order)
{
    char root[] = "/tmp/csec-index-XXXXXX";
    ASSERT(mkdtemp(root) != NULL);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -r %s/tests/data/index/. %s/", test_source_dir(), root);
    ASSERT_INT_EQ(system(cmd), 0);
    /* A prefix directory (all of my/) and a leaf directory (de/mo/). */
    char prefix[1024], leaf[1024];
    snprintf(prefix, sizeof prefix, "%s/my", root);
    snprintf(leaf, sizeof leaf, "%s/de/mo", root);
    ASSERT_INT_EQ(chmod(prefix, 0), 0);
    ASSERT_INT_EQ(chmod(leaf, 0), 0);
    dac_override(false);
    int probe = open(prefix, O_RDONLY | O_DIRECTORY);
    csec_buf diags = CSEC_BUF_INIT;
    csec_index *ix = NULL;
    csec_diag d;
    csec_index_options o = {collect, &diags, 0};
    int rc = probe >= 0 ? 0 : csec__index_open_dir_ex(&ix, root, &o, &d);
    dac_override(true);
    if (probe >= 0)
        close(probe);
    chmod(prefix, 0755);
    chmod(leaf, 0755);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    ASSERT_INT_EQ(system(cmd), 0);
    if (probe >= 0) {
        csec_buf_free(&diags);
        SKIP("cannot make a directory unreadable here");
    }
    ASSERT_INT_EQ(rc, 0);
    const char *mo = strstr(diags.ptr, "mo:0:0: cannot open directory: Permission denied\n");
    const char *my = strstr(diags.ptr, "my:0:0: cannot open directory: Permission denied\n");
    ASSERT(mo != NULL && my != NULL && mo < my);
    ASSERT(csec__index_find(ix, "demo") == NULL);
    ASSERT(csec__index_find(ix, "mycrate") == NULL);
    ASSERT(csec__index_find(ix, "foo-bar") != NULL);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.bad_files, 1 + 2); /* the fixture's misplaced file, my/, de/mo/ */
    ASSERT_INT_EQ(csec__index_crate_count(ix), 8 - 2);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

TEST(index, real_2020_index)
{
    const char *dir = test_real_index();
    if (!dir) {
        if (csec_test_failed)
            return;
        SKIP("crates-index-2020-07.tar.zst not available");
    }
    csec_buf diags = CSEC_BUF_INIT;
    csec_index_options o = {collect, &diags, 0};
    csec_index *ix = NULL;
    csec_diag d;
    ASSERT_INT_EQ(csec__index_open_dir_ex(&ix, dir, &o, &d), 0);
    /* 259,132 lines: 27 exact repeats of a version and 2 versions that are
     * not SemVer (leading zeros in a prerelease) leave 259,103 versions. */
    ASSERT_INT_EQ(csec__index_crate_count(ix), 43451);
    ASSERT_INT_EQ(csec__index_version_count(ix), 259103);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.files, 43451);
    ASSERT_INT_EQ(st.bad_lines, 0);
    ASSERT_INT_EQ(st.bad_versions, 2);
    ASSERT_INT_EQ(st.bad_files, 0);
    ASSERT_INT_EQ(st.duplicates, 27);
    ASSERT_CONTAINS(diags.ptr, "bluetooth_client:3:");
    ASSERT_CONTAINS(diags.ptr, "hxgm30-client:1:");
    const csec_index_crate *serde = csec__index_find(ix, "Serde");
    ASSERT(serde);
    ASSERT_STR_EQ(serde->name, "serde");
    ASSERT_STR_EQ(csec__index_newest(serde, false, false)->vers, "1.0.114");
    ASSERT(csec__index_find(ix, "serde-json") == csec__index_find(ix, "serde_json"));
    const csec_index_version *v = version_of(csec__index_find(ix, "serde_json"), "1.0.56");
    ASSERT(v);
    bool has_serde = false;
    for (size_t i = 0; i < v->deps_count; i++)
        has_serde = has_serde || (strcmp(v->deps[i]->name, "serde") == 0 &&
                                  v->deps[i]->kind == CSEC_INDEX_DEP_NORMAL);
    ASSERT(has_serde);
    /* Crates are sorted and every version list ascends. */
    for (size_t i = 0; i < csec__index_crate_count(ix); i++) {
        const csec_index_crate *c = csec__index_crate_at(ix, i);
        for (size_t j = 1; j < c->versions_count; j++)
            ASSERT(csec_version_cmp(&c->versions[j - 1].version, &c->versions[j].version) < 0);
    }
    ASSERT_STR_EQ(csec__index_config_dl(ix), "https://crates.io/api/v1/crates");
    /* Compact: well under half the 238 MB unpacked. */
    ASSERT(st.arena_bytes < (size_t)100 << 20);
    csec__index_free(ix);
    csec_buf_free(&diags);
}

/* ---- the sparse HTTP form, against nginx on loopback ---- */

typedef struct nginx {
    pid_t pid;
    int port;
    char dir[256]; /* temporary root of everything */
} nginx;

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static const char *find_nginx(void)
{
    static const char *const cands[] = {"/usr/sbin/nginx", "/usr/bin/nginx",
                                        "/usr/local/sbin/nginx"};
    for (size_t i = 0; i < sizeof cands / sizeof *cands; i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void nginx_stop(nginx *n)
{
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        waitpid(n->pid, NULL, 0);
        n->pid = 0;
    }
    if (n->dir[0]) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "  cannot remove %s\n", n->dir);
    }
}

/* Serves a copy of the fixture index (with a config.json of its own) from
 * <dir>/root.  Returns 0, or -1 with a message. */
static int nginx_start(nginx *n, const char *bin)
{
    char cmd[4096], conf[4096];
    memset(n, 0, sizeof *n);
    snprintf(n->dir, sizeof n->dir, "/tmp/cratesec-sparse-XXXXXX");
    if (!mkdtemp(n->dir)) {
        n->dir[0] = '\0';
        return -1;
    }
    n->port = free_port();
    snprintf(cmd, sizeof cmd, "cp -r '%s/tests/data/index' '%s/root' && mkdir '%s/tmp'",
             test_source_dir(), n->dir, n->dir);
    if (n->port < 0 || system(cmd) != 0)
        return -1;
    snprintf(conf, sizeof conf,
             "{\"dl\": \"http://127.0.0.1:%d/dl/{crate}/{version}/{lowerprefix}\",\n"
             " \"api\": \"http://127.0.0.1:%d/api\"}\n",
             n->port, n->port);
    write_text(test_path(n->dir, "root/config.json"), conf);
    snprintf(conf, sizeof conf,
             "daemon off; master_process off; worker_processes 1;\n"
             "pid %s/nginx.pid; error_log %s/error.log;\n"
             "events { worker_connections 64; }\n"
             "http {\n"
             "  access_log %s/access.log;\n"
             "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;\n"
             "  fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
             "  default_type text/plain;\n"
             "  server { listen 127.0.0.1:%d; root %s/root; }\n"
             "}\n",
             n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->port, n->dir);
    write_text(test_path(n->dir, "nginx.conf"), conf);
    n->pid = fork();
    if (n->pid == 0) {
        char c[300], e[300];
        snprintf(c, sizeof c, "%s/nginx.conf", n->dir);
        snprintf(e, sizeof e, "%s/error.log", n->dir);
        execl(bin, bin, "-p", n->dir, "-e", e, "-c", c, (char *)NULL);
        _exit(127);
    }
    if (n->pid < 0)
        return -1;
    for (int i = 0; i < 500; i++) {
        if (port_open(n->port))
            return 0;
        if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
            n->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* How many requests in nginx's access log got status `status`. */
static size_t log_count(const nginx *n, const char *status)
{
    size_t len = 0, count = 0;
    char *log = test_read(test_path(n->dir, "access.log"), &len);
    char needle[16];
    snprintf(needle, sizeof needle, "\" %s ", status);
    for (const char *p = log; p && (p = strstr(p, needle)) != NULL; p++)
        count++;
    free(log);
    return count;
}

/* The same once it reaches `want` (or after 5 s): nginx logs a request
 * after it has sent the answer, so a client that has read the answer can
 * be ahead of the log (seen under load: 1 line where 2 were due). */
static size_t log_count_reaching(const nginx *n, const char *status, size_t want)
{
    size_t count = log_count(n, status);
    for (int i = 0; i < 500 && count < want; i++) {
        usleep(10000);
        count = log_count(n, status);
    }
    return count;
}

static void run_sparse(nginx *n)
{
    char url[128], cache[300];
    csec_index *ix = NULL;
    const csec_index_crate *c = NULL;
    csec_diag d;
    csec_index_stats st;
    csec_buf diags = CSEC_BUF_INIT;
    csec_index_options o = {collect, &diags, 0};
    csec_index_sparse_options so = CSEC_INDEX_SPARSE_OPTIONS_INIT;

    snprintf(url, sizeof url, "sparse+http://127.0.0.1:%d", n->port); /* no final '/' */
    snprintf(cache, sizeof cache, "%s/cache/index", n->dir);
    so.cache_dir = cache;
    so.timeout = 20;

    /* 1. First use: everything is downloaded and cached. */
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, &so, &d), 0);
    char want[160];
    snprintf(want, sizeof want, "http://127.0.0.1:%d/dl/{crate}/{version}/{lowerprefix}", n->port);
    ASSERT_STR_EQ(csec__index_config_dl(ix), want);
    snprintf(want, sizeof want, "http://127.0.0.1:%d/api", n->port);
    ASSERT_STR_EQ(csec__index_config_api(ix), want);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "demo", &d), 0);
    ASSERT(c);
    ASSERT_INT_EQ(c->versions_count, 9);
    ASSERT_INT_EQ(c->versions[5].deps_count, 5);
    ASSERT_STR_EQ(c->versions[5].deps[0]->rename, "serde1");
    /* Already loaded: no request. */
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "DEMO", &d), 0);
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_requests, 2);
    ASSERT_INT_EQ(st.http_ok, 2);
    ASSERT_INT_EQ(st.cache_writes, 2);
    ASSERT_INT_EQ(st.cache_hits, 0);
    struct stat sb;
    ASSERT(stat(test_path(cache, "de/mo/demo"), &sb) == 0);
    ASSERT(stat(test_path(cache, "config.json"), &sb) == 0);
    /* 404: no such crate. */
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "nosuchcrate", &d), CSEC_ENOTFOUND);
    ASSERT(c == NULL);
    ASSERT_CONTAINS(d.msg, "no crate named \"nosuchcrate\"");
    /* crates.io's name rules: "Foo_Bar" is not at fo/o_/foo_bar; the '-'
     * spelling is tried next and found. */
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "Foo_Bar", &d), 0);
    ASSERT_STR_EQ(c->name, "foo-bar");
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "MyCrate", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 2);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "../../etc/passwd", &d), CSEC_EINVAL);
    /* Bad lines are reported with the URL, line and column. */
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "badlines", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 2);
    ASSERT_CONTAINS(diags.ptr, "badlines:2:53: \"cksum\" must be 64 hex digits");
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_not_found, 2); /* nosuchcrate, foo_bar */
    csec__index_free(ix);
    ix = NULL;

    /* 2. Second session: every cached file is revalidated, answered 304,
     * and read from the disk cache. */
    size_t before304 = log_count(n, "304");
    ASSERT_INT_EQ(before304, 0);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, &so, &d), 0);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "demo", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 9);
    ASSERT_STR_EQ(csec__index_rust_version(&c->versions[5]), "1.56");
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_requests, 2);
    ASSERT_INT_EQ(st.http_not_modified, 2);
    ASSERT_INT_EQ(st.http_ok, 0);
    ASSERT_INT_EQ(st.cache_hits, 2);
    ASSERT_INT_EQ(log_count_reaching(n, "304", 2), 2);
    /* The server's copy changes: a new line (and a new mtime) means 200. */
    const char *demo_path = test_path(n->dir, "root/de/mo/demo");
    FILE *f = fopen(demo_path, "ab");
    ASSERT(f);
    fputs("{\"name\":\"demo\",\"vers\":\"3.0.0\",\"deps\":[],\"cksum\":\"0000000000000000000000000"
          "000000000000000000000000000000000000000\",\"features\":{},\"yanked\":false}\n",
          f);
    fclose(f);
    struct utimbuf ut = {time(NULL) + 10, time(NULL) + 10};
    utime(demo_path, &ut);
    csec__index_free(ix);
    ix = NULL;

    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, &so, &d), 0);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "demo", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 10);
    ASSERT_STR_EQ(c->versions[9].vers, "3.0.0");
    /* The crate removed from the server: 404 drops the cached copy. */
    ASSERT(stat(test_path(cache, "my/cr/mycrate"), &sb) == 0);
    ASSERT(unlink(test_path(n->dir, "root/my/cr/mycrate")) == 0);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "mycrate", &d), CSEC_ENOTFOUND);
    ASSERT(stat(test_path(cache, "my/cr/mycrate"), &sb) != 0);
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_ok, 1);
    ASSERT_INT_EQ(st.http_not_modified, 1); /* config.json */
    csec__index_free(ix);
    ix = NULL;

    /* 3. Offline: the cache alone, no request at all. */
    so.offline = true;
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, &so, &d), 0);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "demo", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 10);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "x", &d), CSEC_ENOTFOUND); /* never fetched */
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_requests, 0);
    csec__index_free(ix);
    ix = NULL;
    so.offline = false;

    /* 4. No cache: plain downloads. */
    so.cache_dir = NULL;
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, &so, &d), 0);
    ASSERT_INT_EQ(csec__index_fetch(&c, ix, "ab", &d), 0);
    ASSERT_INT_EQ(c->versions_count, 2);
    csec__index_stats(ix, &st);
    ASSERT_INT_EQ(st.http_ok, 2);
    ASSERT_INT_EQ(st.cache_writes, 0);
    csec__index_free(ix);
    ix = NULL;

    /* 5. Errors: no config.json there; a bad config.json; bad URLs. */
    snprintf(url, sizeof url, "sparse+http://127.0.0.1:%d/nothing/", n->port);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, NULL, &d), CSEC_EIO);
    ASSERT(ix == NULL);
    ASSERT_CONTAINS(d.file, "/nothing/config.json");
    write_text(test_path(n->dir, "root/de/config.json"), "{\"dl\": 1}");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/de/", n->port);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, &o, NULL, &d), CSEC_EPARSE);
    ASSERT(ix == NULL);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, "file:///etc/", &o, NULL, &d), CSEC_EINVAL);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, "http://a b/", &o, NULL, &d), CSEC_EINVAL);
    csec_buf_free(&diags);
}

TEST(index, sparse_http_nginx)
{
    const char *bin = find_nginx();
    if (!bin) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0)
            FAIL_AT("nginx not installed (scripts/deps.sh installs nginx-light)");
        SKIP("nginx not installed");
    }
    nginx n;
    if (nginx_start(&n, bin) < 0) {
        nginx_stop(&n);
        FAIL_AT("cannot start nginx on loopback");
    }
    run_sparse(&n);
    nginx_stop(&n);
}

TEST(index, sparse_unreachable)
{
    csec_index *ix = NULL;
    csec_diag d;
    int port = free_port();
    char url[64];
    ASSERT(port > 0);
    snprintf(url, sizeof url, "sparse+http://127.0.0.1:%d/", port);
    ASSERT_INT_EQ(csec__index_open_sparse(&ix, url, NULL, NULL, &d), CSEC_EIO);
    ASSERT(ix == NULL);
    ASSERT_CONTAINS(d.file, "config.json");
    ASSERT(d.msg[0] != '\0');
}
