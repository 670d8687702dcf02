/* test_sync.c - csec_sync and csec_sync_verify (cratesec.h section 10) on a
 * local remote made from advisory-db.bundle with the git CLI: clone, fetch
 * after the remote advanced, progress and cancellation, errors that leave a
 * checkout untouched, and verify on clean, truncated, deleted and added
 * files. */
#include "harness.h"

#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch_dir[256];

static void remove_scratch(void)
{
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (scratch_dir[0] && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", scratch_dir);
}

/* A scratch directory holding `remote`, a bare repository whose main is the
 * bundle's HEAD~5, made once per run; NULL when the data is missing. */
static const char *scratch(void)
{
    char *dir = scratch_dir;
    static int state; /* 0 not tried, 1 ready, 2 data missing, 3 broken */
    if (state == 3)
        csec_test_failed = 1; /* the data is there, so this is a failure */
    if (state)
        return state == 1 ? dir : NULL;
    state = 2;
    const char *data = test_data_dir();
    if (!data)
        return NULL;
    state = 3;
    csec_test_failed = 1;
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/csec-test-sync-XXXXXX");
    if (!mkdtemp(scratch_dir)) {
        scratch_dir[0] = '\0';
        return NULL;
    }
    char cmd[12000];
    atexit(remove_scratch);
    /* `full` has the bundle's whole history; `remote` only what main at
     * HEAD~5 reaches, so that advancing it later brings new objects. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && git clone -q --bare '%s/advisory-db.bundle' full && "
             "git -C full branch old HEAD~5 && "
             "git clone -q --bare --no-local -b old --single-branch full remote && "
             "git -C remote branch -m old main && git -C remote symbolic-ref HEAD refs/heads/main",
             dir, data);
    if (system(cmd) != 0) {
        fprintf(stderr, "  cannot make the test remote in %s\n", dir);
        return NULL;
    }
    csec_test_failed = 0;
    state = 1;
    return dir;
}

#define SCRATCH(dir)                                                                               \
    do {                                                                                           \
        (dir) = scratch();                                                                         \
        if (!(dir)) {                                                                              \
            if (csec_test_failed > 0)                                                              \
                return;                                                                            \
            SKIP("advisory-db.bundle not available");                                              \
        }                                                                                          \
    } while (0)

/* The output of a shell command's first line (40 hex of rev-parse). */
static const char *shell_line(const char *cmd)
{
    static char line[256];
    line[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return line;
    if (fgets(line, sizeof line, p))
        line[strcspn(line, "\n")] = '\0';
    pclose(p);
    return line;
}

static const char *remote_main(const char *dir)
{
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "git -C '%s/remote' rev-parse main", dir);
    return shell_line(cmd);
}

static void remove_dir(const char *path)
{
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "  cannot remove %s\n", path);
}

typedef struct seen {
    int calls;
    bool connecting, receiving, checkout, done;
    int cancel_after; /* cancel at this call (0: never) */
    size_t max_total;
} seen;

static int record_progress(const csec_sync_progress *p, void *payload)
{
    seen *s = payload;
    s->calls++;
    if (strcmp(p->phase, "connecting") == 0)
        s->connecting = true;
    if (strcmp(p->phase, "receiving") == 0 || strcmp(p->phase, "resolving") == 0)
        s->receiving = true;
    if (strcmp(p->phase, "checkout") == 0)
        s->checkout = true;
    if (strcmp(p->phase, "done") == 0)
        s->done = true;
    if (p->total_objects > s->max_total)
        s->max_total = p->total_objects;
    return s->cancel_after && s->calls >= s->cancel_after;
}

/* A checkout of the remote at `name` inside the scratch directory, its path
 * in `db` (test_path's buffers are reused, so tests keep their own copy). */
static const char *fresh_clone(char db[4096], const char *dir, const char *name,
                               csec_sync_result *r)
{
    snprintf(db, 4096, "%s/%s", dir, name);
    remove_dir(db);
    csec_diag d;
    if (csec_sync(r, db, test_path(dir, "remote"), NULL, NULL, &d) < 0) {
        fprintf(stderr, "  sync failed: %s\n", d.msg);
        return NULL;
    }
    return db;
}

TEST(sync, clone_fetch_and_up_to_date)
{
    const char *dir;
    SCRATCH(dir);
    char db[4096];
    snprintf(db, sizeof db, "%s/db-flow", dir);
    remove_dir(db);
    char expected[64];
    snprintf(expected, sizeof expected, "%s", remote_main(dir));
    ASSERT_INT_EQ(strlen(expected), 40);

    csec_sync_result r;
    csec_diag d;
    seen s = {0};
    /* A plain path is cloned by copying objects: no object counts (the
     * cancel test clones over file://, through the transport). */
    int rc = csec_sync(&r, db, test_path(dir, "remote"), record_progress, &s, &d);
    if (rc < 0)
        FAIL_AT("clone: %s", d.msg);
    ASSERT(r.cloned);
    ASSERT(r.changed);
    ASSERT_STR_EQ(r.old_commit, "");
    ASSERT_STR_EQ(r.new_commit, expected);
    ASSERT(s.connecting && s.checkout && s.done);

    char commit[41];
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_STR_EQ(commit, expected);

    /* The remote advances by five commits (to the bundle's head). */
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "git -C '%s/remote' fetch -q ../full main:main", dir);
    ASSERT_INT_EQ(system(cmd), 0);
    char advanced[64];
    snprintf(advanced, sizeof advanced, "%s", remote_main(dir));
    ASSERT(strcmp(advanced, expected) != 0);

    s = (seen){0};
    rc = csec_sync(&r, db, NULL, record_progress, &s, &d); /* from origin */
    if (rc < 0)
        FAIL_AT("fetch: %s", d.msg);
    ASSERT(!r.cloned);
    ASSERT(r.changed);
    ASSERT_STR_EQ(r.old_commit, expected);
    ASSERT_STR_EQ(r.new_commit, advanced);
    ASSERT(s.receiving && s.done);
    ASSERT(s.max_total > 0 && s.max_total < 1000); /* only the new objects */
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_STR_EQ(commit, advanced);

    rc = csec_sync(&r, db, NULL, NULL, NULL, &d);
    ASSERT_INT_EQ(rc, 0);
    ASSERT(!r.changed);
    ASSERT_STR_EQ(r.old_commit, advanced);
    ASSERT_STR_EQ(r.new_commit, advanced);

    /* Put the remote back for the other tests. */
    snprintf(cmd, sizeof cmd, "git -C '%s/remote' update-ref refs/heads/main %s", dir, expected);
    ASSERT_INT_EQ(system(cmd), 0);
    remove_dir(db);
}

TEST(sync, clone_into_empty_directory)
{
    const char *dir;
    SCRATCH(dir);
    char db[4096];
    snprintf(db, sizeof db, "%s/db-empty", dir);
    remove_dir(db);
    ASSERT_INT_EQ(mkdir(db, 0755), 0);
    csec_sync_result r;
    csec_diag d;
    int rc = csec_sync(&r, db, test_path(dir, "remote"), NULL, NULL, &d);
    if (rc < 0)
        FAIL_AT("clone: %s", d.msg);
    ASSERT(r.cloned);
    struct stat st;
    ASSERT_INT_EQ(stat(test_path(db, "crates"), &st), 0);
    remove_dir(db);
}

TEST(sync, failed_fetch_keeps_checkout)
{
    const char *dir;
    SCRATCH(dir);
    csec_sync_result r;
    char db_path[4096];
    const char *db = fresh_clone(db_path, dir, "db-fail", &r);
    ASSERT(db != NULL);
    char before[41];
    snprintf(before, sizeof before, "%s", r.new_commit);
    csec_diag d;
    int rc = csec_sync(&r, db, test_path(dir, "no-such-remote"), NULL, NULL, &d);
    ASSERT(rc < 0);
    ASSERT_CONTAINS(d.msg, "cannot fetch");
    ASSERT_CONTAINS(d.msg, "no-such-remote");
    ASSERT_STR_EQ(d.file, db);
    rc = csec_sync(&r, db, "http://127.0.0.1:1/x.git", NULL, NULL, &d);
    ASSERT(rc < 0);
    ASSERT_CONTAINS(d.msg, "cannot fetch http://127.0.0.1:1/x.git");
    char commit[41];
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_STR_EQ(commit, before);
    remove_dir(db);
}

TEST(sync, cancel_clone_leaves_nothing)
{
    const char *dir;
    SCRATCH(dir);
    char db[4096];
    snprintf(db, sizeof db, "%s/db-cancel", dir);
    remove_dir(db);
    csec_sync_result r;
    csec_diag d;
    seen s = {0};
    s.cancel_after = 3; /* connecting, then two transfer reports */
    char url[4200];
    snprintf(url, sizeof url, "file://%s/remote", dir);
    int rc = csec_sync(&r, db, url, record_progress, &s, &d);
    ASSERT(rc < 0);
    ASSERT_CONTAINS(d.msg, "cancelled");
    ASSERT(s.receiving);
    ASSERT(s.max_total > 1000);
    struct stat st;
    ASSERT(stat(db, &st) != 0);
    /* No temporary sibling is left behind either. */
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c sync- || true", dir);
    ASSERT_STR_EQ(shell_line(cmd), "0");
}

TEST(sync, not_a_repository)
{
    const char *dir;
    SCRATCH(dir);
    char plain[4096];
    snprintf(plain, sizeof plain, "%s/plain", dir);
    remove_dir(plain);
    ASSERT_INT_EQ(mkdir(plain, 0755), 0);
    FILE *f = fopen(test_path(plain, "README"), "w");
    ASSERT(f != NULL);
    fputs("not a database\n", f);
    fclose(f);
    csec_sync_result r;
    csec_diag d;
    ASSERT_INT_EQ(csec_sync(&r, plain, NULL, NULL, NULL, &d), CSEC_ENOTFOUND);
    ASSERT_CONTAINS(d.msg, "not a git repository");
    ASSERT_STR_EQ(d.file, plain);
    char commit[41];
    ASSERT_INT_EQ(csec_sync_verify(plain, commit, &d), CSEC_ENOTFOUND);
    ASSERT_STR_EQ(commit, "");
    /* A file where the directory should be. */
    ASSERT_INT_EQ(csec_sync(&r, test_path(plain, "README"), NULL, NULL, NULL, &d), CSEC_EINVAL);
    ASSERT_CONTAINS(d.msg, "not a directory");
    remove_dir(plain);
}

/* The first advisory file of the checkout, relative to it. */
static const char *some_advisory(const char *db)
{
    static char rel[1024];
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "cd '%s' && find crates -name 'RUSTSEC-*.md' | sort | head -1", db);
    snprintf(rel, sizeof rel, "%s", shell_line(cmd));
    return rel;
}

TEST(sync, verify_detects_damage_and_sync_repairs)
{
    const char *dir;
    SCRATCH(dir);
    csec_sync_result r;
    char db_path[4096];
    const char *db = fresh_clone(db_path, dir, "db-verify", &r);
    ASSERT(db != NULL);
    char commit[41];
    csec_diag d;
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_STR_EQ(commit, r.new_commit);

    const char *rel = some_advisory(db);
    ASSERT(strncmp(rel, "crates/", 7) == 0);
    char file[4096], expected[2048];
    snprintf(file, sizeof file, "%s/%s", db, rel);

    /* Truncated: a half-written file. */
    ASSERT_INT_EQ(truncate(file, 10), 0);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), CSEC_EPARSE);
    snprintf(expected, sizeof expected, "1 file differs from commit %.7s (first: %s modified)",
             r.new_commit, rel);
    ASSERT_STR_EQ(d.msg, expected);
    ASSERT_STR_EQ(d.file, db);

    /* Deleted as well: two files now. */
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "cd '%s' && find rust -name '*.md' | sort | head -1", db);
    char rust_rel[1024];
    snprintf(rust_rel, sizeof rust_rel, "%s", shell_line(cmd));
    ASSERT(strncmp(rust_rel, "rust/", 5) == 0);
    ASSERT_INT_EQ(unlink(test_path(db, rust_rel)), 0);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), CSEC_EPARSE);
    ASSERT_CONTAINS(d.msg, "2 files differ from commit");

    /* Only the deletion. */
    snprintf(cmd, sizeof cmd, "git -C '%s' checkout -q -- '%s'", db, rel);
    ASSERT_INT_EQ(system(cmd), 0);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), CSEC_EPARSE);
    snprintf(expected, sizeof expected, "(first: %s deleted)", rust_rel);
    ASSERT_CONTAINS(d.msg, expected);

    /* A file the commit lacks, in a new package directory. */
    snprintf(cmd, sizeof cmd, "git -C '%s' checkout -q -- rust", db);
    ASSERT_INT_EQ(system(cmd), 0);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_INT_EQ(mkdir(test_path(db, "crates/zzz-not-upstream"), 0755), 0);
    FILE *f = fopen(test_path(db, "crates/zzz-not-upstream/RUSTSEC-2099-0001.md"), "w");
    ASSERT(f != NULL);
    fputs("```toml\n```\n", f);
    fclose(f);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), CSEC_EPARSE);
    ASSERT_CONTAINS(d.msg, "crates/zzz-not-upstream/RUSTSEC-2099-0001.md added");

    /* A file outside crates/ and rust/ does not count, nor a hidden file
     * (no load reads it: nothing of it is served). */
    f = fopen(test_path(db, "NOTES.txt"), "w");
    ASSERT(f != NULL);
    fclose(f);
    ASSERT_INT_EQ(unlink(test_path(db, "crates/zzz-not-upstream/RUSTSEC-2099-0001.md")), 0);
    ASSERT_INT_EQ(rmdir(test_path(db, "crates/zzz-not-upstream")), 0);
    char hidden[4096];
    snprintf(hidden, sizeof hidden, "%s", file);
    snprintf(strrchr(hidden, '/'), sizeof hidden - (size_t)(strrchr(hidden, '/') - hidden),
             "/.draft.md");
    f = fopen(hidden, "w");
    ASSERT(f != NULL);
    fputs("not an advisory\n", f);
    fclose(f);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_INT_EQ(unlink(hidden), 0);

    /* Other bytes of the same size, with the file's times put back: the
     * bytes are compared, not sizes or times. */
    struct stat before;
    ASSERT_INT_EQ(stat(file, &before), 0);
    f = fopen(file, "r+");
    ASSERT(f != NULL);
    ASSERT_INT_EQ(fseek(f, before.st_size / 2, SEEK_SET), 0);
    int c = fgetc(f);
    ASSERT_INT_EQ(fseek(f, before.st_size / 2, SEEK_SET), 0);
    fputc(c == 'x' ? 'y' : 'x', f);
    fclose(f);
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    ASSERT_INT_EQ(utimensat(AT_FDCWD, file, times, 0), 0);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), CSEC_EPARSE);
    snprintf(expected, sizeof expected, "1 file differs from commit %.7s (first: %s modified)",
             commit, rel);
    ASSERT_STR_EQ(d.msg, expected);

    /* The next sync (nothing new upstream) repairs the checkout. */
    ASSERT_INT_EQ(truncate(file, 0), 0);
    ASSERT_INT_EQ(csec_sync(&r, db, NULL, NULL, NULL, &d), 0);
    ASSERT(!r.changed);
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    struct stat st;
    ASSERT(stat(test_path(db, "crates/zzz-not-upstream/RUSTSEC-2099-0001.md"), &st) != 0);
    ASSERT_INT_EQ(stat(test_path(db, "NOTES.txt"), &st), 0);
    remove_dir(db);
}

TEST(sync, detached_head_is_updated)
{
    const char *dir;
    SCRATCH(dir);
    csec_sync_result r;
    char db_path[4096];
    const char *db = fresh_clone(db_path, dir, "db-detached", &r);
    ASSERT(db != NULL);
    char cmd[10000], old[64];
    snprintf(cmd, sizeof cmd, "git -C '%s' checkout -q --detach HEAD~2 && git -C '%s' rev-parse HEAD",
             db, db);
    snprintf(old, sizeof old, "%s", shell_line(cmd));
    ASSERT_INT_EQ(strlen(old), 40);
    csec_diag d;
    ASSERT_INT_EQ(csec_sync(&r, db, NULL, NULL, NULL, &d), 0);
    ASSERT(r.changed);
    ASSERT_STR_EQ(r.old_commit, old);
    ASSERT_STR_EQ(r.new_commit, remote_main(dir));
    char commit[41];
    ASSERT_INT_EQ(csec_sync_verify(db, commit, &d), 0);
    ASSERT_STR_EQ(commit, r.new_commit);
    remove_dir(db);
}
