/* test_gittime.c - the HEAD commit and its time (lib/gittime.c): resolved by
 * hand and remembered per commit id in .git/cratesec-head, falling back to
 * libgit2; on repositories made here with the git CLI. */
#include "harness.h"

#include "gittime.h"

#include <stdlib.h>
#include <unistd.h>

static char repo[64];

static int sh(const char *fmt, const char *arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, arg, arg, arg);
    return system(cmd);
}

static const char *rev(const char *what)
{
    static char out[64];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse %s", repo, what);
    FILE *p = popen(cmd, "r");
    out[0] = '\0';
    if (p) {
        if (!fgets(out, sizeof out, p))
            out[0] = '\0';
        pclose(p);
    }
    out[strcspn(out, "\n")] = '\0';
    return out;
}

static void write_memo(const char *oid, const char *time)
{
    char path[256];
    snprintf(path, sizeof path, "%s/.git/cratesec-head", repo);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s %s\n", oid, time);
        fclose(f);
    }
}

#define COMMIT_AT(when)                                                                            \
    "cd '%s' && GIT_COMMITTER_DATE='@" when " +0000' git -c user.name=t -c user.email=t@t "        \
    "commit -q --allow-empty -m c"

TEST(gittime, head_remembered_by_commit_id)
{
    snprintf(repo, sizeof repo, "/tmp/csec-gittime-XXXXXX");
    ASSERT(mkdtemp(repo) != NULL);
    ASSERT_INT_EQ(sh("git init -q -b main '%s'", repo), 0);
    ASSERT_INT_EQ(sh(COMMIT_AT("1600000000"), repo), 0);
    char first[41];
    snprintf(first, sizeof first, "%s", rev("HEAD"));

    char oid[41];
    int64_t t = 0;
    csec_diag d;
    /* First call: libgit2, and the answer is remembered. */
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_STR_EQ(oid, first);
    ASSERT_INT_EQ(t, 1600000000);
    char path[256], memo[128] = "";
    snprintf(path, sizeof path, "%s/.git/cratesec-head", repo);
    FILE *f = fopen(path, "r");
    ASSERT(f != NULL);
    ASSERT(fgets(memo, sizeof memo, f) != NULL);
    fclose(f);
    ASSERT(strncmp(memo, first, 40) == 0);
    ASSERT_STR_EQ(memo + 40, " 1600000000\n");

    /* The remembered time is what a second call returns (a planted value
     * shows libgit2 was not asked). */
    write_memo(first, "42");
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_STR_EQ(oid, first);
    ASSERT_INT_EQ(t, 42);

    /* HEAD moves: the memo of the old commit is not used. */
    ASSERT_INT_EQ(sh(COMMIT_AT("1700000000"), repo), 0);
    char second[41];
    snprintf(second, sizeof second, "%s", rev("HEAD"));
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_STR_EQ(oid, second);
    ASSERT_INT_EQ(t, 1700000000);

    /* The branch only in packed-refs: still resolved by hand. */
    ASSERT_INT_EQ(sh("git -C '%s' pack-refs --all --prune", repo), 0);
    snprintf(path, sizeof path, "%s/.git/refs/heads/main", repo);
    ASSERT(access(path, F_OK) != 0);
    write_memo(second, "43");
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_STR_EQ(oid, second);
    ASSERT_INT_EQ(t, 43);

    /* A detached HEAD. */
    ASSERT_INT_EQ(sh("git -C '%s' checkout -q --detach HEAD~1", repo), 0);
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_STR_EQ(oid, first);
    ASSERT_INT_EQ(t, 1600000000);

    /* A damaged memo is ignored and rewritten. */
    snprintf(path, sizeof path, "%s/.git/cratesec-head", repo);
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("garbage", f);
    fclose(f);
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_INT_EQ(t, 1600000000);
    write_memo(first, "1600000000x");
    ASSERT_INT_EQ(csec__git_head(repo, oid, &t, &d), 0);
    ASSERT_INT_EQ(t, 1600000000);

    /* Not a repository: an error, no memo. */
    ASSERT_INT_EQ(sh("rm -rf '%s/.git'", repo), 0);
    ASSERT(csec__git_head(repo, oid, &t, &d) < 0);
    ASSERT_INT_EQ(sh("rm -rf '%s'", repo), 0);
}
