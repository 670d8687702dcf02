/* git.c - the git side of libcratesec without libgit2 in the process until
 * it is needed: loads the git plugin (lib/git/plugin.h) on first use and
 * forwards to it, and resolves HEAD by hand for the common question "which
 * commit is this checkout at, and when was it made".
 *
 * The plugin is looked for, in order:
 *   $CRATESEC_GIT_PLUGIN (a path);
 *   next to the program or library holding this code (the build tree);
 *   ../lib/cratesec/ from there (an installed program in PREFIX/bin);
 *   cratesec/ from there (an installed libcratesec.so in PREFIX/lib). */
#include "git/plugin.h"
#include "gitindex.h"
#include "gittime.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLUGIN_NAME "libcratesec-git.so"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const csec__git_plugin_api *plugin;
static char load_error[512];
/* Any object of this file: dladdr names the program or library holding it. */
static const char anchor;

static void *try_open(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h && !load_error[0]) {
        const char *e = dlerror();
        snprintf(load_error, sizeof load_error, "%s", e ? e : path);
    }
    return h;
}

static void load_plugin(void)
{
    void *h = NULL;
    const char *env = getenv("CRATESEC_GIT_PLUGIN");
    if (env && *env) {
        h = try_open(env);
    } else {
        /* The object holding this code: a shared library names its path in
         * its link map; the main program's entry is empty (dladdr would give
         * argv[0]), so it is found through /proc/self/exe. */
        Dl_info info;
        struct link_map *lm = NULL;
        char dir[4096] = ".", path[4200];
        if (dladdr1(&anchor, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm && lm->l_name &&
            lm->l_name[0]) {
            snprintf(dir, sizeof dir, "%s", lm->l_name);
        } else {
            ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
            dir[n > 0 ? n : 0] = '\0';
        }
        if (strrchr(dir, '/'))
            *strrchr(dir, '/') = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        static const char *const places[] = {"%s/" PLUGIN_NAME, "%s/../lib/cratesec/" PLUGIN_NAME,
                                             "%s/cratesec/" PLUGIN_NAME};
        for (size_t i = 0; !h && i < sizeof places / sizeof *places; i++) {
            snprintf(path, sizeof path, places[i], dir);
            if (access(path, F_OK) == 0)
                h = try_open(path);
        }
        if (!h && !load_error[0])
            snprintf(load_error, sizeof load_error, "%s not found next to %.400s", PLUGIN_NAME,
                     dir);
    }
    if (!h)
        return;
    const csec__git_plugin_api *api = dlsym(h, "csec__git_plugin");
    if (!api || api->abi != CSEC__GIT_PLUGIN_ABI) {
        snprintf(load_error, sizeof load_error, "%s: %s", PLUGIN_NAME,
                 api ? "built for another version of libcratesec" : "no csec__git_plugin");
        dlclose(h);
        return;
    }
    plugin = api; /* never unloaded: libgit2 is never shut down either */
}

static const csec__git_plugin_api *git_plugin(csec_diag *d, const char *dir)
{
    pthread_once(&load_once, load_plugin);
    if (!plugin)
        csec__diag_set(d, CSEC_EIO, dir, 0, 0, "git support is not available: %s", load_error);
    return plugin;
}

int csec__git_modified_times(const char *repo_dir,
                             void (*cb)(const char *path, int64_t time, void *payload),
                             void *payload, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, repo_dir);
    return g ? g->modified_times(repo_dir, cb, payload, d) : CSEC_EIO;
}

int csec_sync(csec_sync_result *out, const char *dir, const char *url, csec_sync_progress_cb cb,
              void *payload, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, dir);
    if (!g) {
        memset(out, 0, sizeof *out);
        return CSEC_EIO;
    }
    return g->sync(out, dir, url, cb, payload, d);
}

int csec_sync_verify(const char *dir, char commit[41], csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, dir);
    if (!g) {
        commit[0] = '\0';
        return CSEC_EIO;
    }
    return g->sync_verify(dir, commit, d);
}

/* ---- HEAD without libgit2 ---------------------------------------------
 *
 * A commit's time never changes for a given commit id, so it is remembered
 * in <checkout>/.git/cratesec-head ("<40 hex> <time>\n"), and HEAD is
 * resolved by reading .git/HEAD and the ref it names, loose or packed
 * (gitrepository-layout(5)).  The remembered time is used only when its id
 * is the one HEAD names now; anything unusual (a .git file, a ref naming
 * another ref, a missing ref) goes to libgit2, which also writes the file.
 * A checkout that cannot be written to simply asks libgit2 every time. */

#define HEAD_MEMO "cratesec-head"

/* Reads a small file into buf (NUL-terminated).  Returns its length or -1. */
static long read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

static bool is_oid_hex(const char *s)
{
    for (int i = 0; i < 40; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The id packed-refs gives `ref`, in a line "<oid> <ref>". */
static bool packed_ref(const char *gitdir, const char *ref, char oid[41])
{
    csec_buf path = CSEC_BUF_INIT;
    char *text = NULL;
    size_t len = 0;
    bool found = false;
    csec_buf_printf(&path, "%s/packed-refs", gitdir);
    if (csec__read_file(&text, &len, path.ptr, NULL) == 0) {
        size_t rl = strlen(ref);
        for (const char *line = text; line && *line;) {
            const char *nl = strchr(line, '\n');
            size_t ll = nl ? (size_t)(nl - line) : strlen(line);
            if (ll == 41 + rl && line[40] == ' ' && is_oid_hex(line) &&
                memcmp(line + 41, ref, rl) == 0) {
                memcpy(oid, line, 40);
                oid[40] = '\0';
                found = true;
                break;
            }
            line = nl ? nl + 1 : NULL;
        }
    }
    free(text);
    csec_buf_free(&path);
    return found;
}

static bool head_by_hand(const char *gitdir, char oid[41])
{
    char buf[512];
    csec_buf path = CSEC_BUF_INIT;
    bool ok = false;
    csec_buf_printf(&path, "%s/HEAD", gitdir);
    long n = read_small(path.ptr, buf, sizeof buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 40 && is_oid_hex(buf)) { /* detached */
        memcpy(oid, buf, 41);
        ok = true;
    } else if (n > 10 && strncmp(buf, "ref: refs/", 10) == 0 && !strstr(buf, "..")) {
        const char *ref = buf + 5;
        char val[128];
        path.len = 0;
        csec_buf_printf(&path, "%s/%s", gitdir, ref);
        long m = read_small(path.ptr, val, sizeof val);
        if (m >= 40 && is_oid_hex(val) && (m == 40 || val[40] == '\n')) {
            memcpy(oid, val, 40);
            oid[40] = '\0';
            ok = true;
        } else if (m < 0 && errno == ENOENT) {
            ok = packed_ref(gitdir, ref, oid);
        }
    }
    csec_buf_free(&path);
    return ok;
}

static bool memo_read(const char *gitdir, const char *oid, int64_t *time)
{
    char buf[128];
    csec_buf path = CSEC_BUF_INIT;
    csec_buf_printf(&path, "%s/" HEAD_MEMO, gitdir);
    long n = read_small(path.ptr, buf, sizeof buf);
    csec_buf_free(&path);
    if (n < 43 || memcmp(buf, oid, 40) != 0 || buf[40] != ' ')
        return false;
    char *end = NULL;
    errno = 0;
    long long t = strtoll(buf + 41, &end, 10);
    if (errno || end == buf + 41 || *end != '\n')
        return false;
    *time = t;
    return true;
}

/* Written to a temporary name and renamed, so readers see all or nothing. */
static void memo_write(const char *gitdir, const char *oid, int64_t time)
{
    csec_buf text = CSEC_BUF_INIT, path = CSEC_BUF_INIT;
    csec_buf_printf(&text, "%s %lld\n", oid, (long long)time);
    csec_buf_printf(&path, "%s/" HEAD_MEMO, gitdir);
    csec__write_file_atomic(path.ptr, text.ptr, text.len); /* failing is fine */
    csec_buf_free(&text);
    csec_buf_free(&path);
}

int csec__git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d)
{
    out_hex[0] = '\0';
    *time = 0;
    csec_buf gitdir = CSEC_BUF_INIT;
    csec_buf_printf(&gitdir, "%s/.git", repo_dir);
    struct stat st;
    bool plain_gitdir = stat(gitdir.ptr, &st) == 0 && S_ISDIR(st.st_mode);
    char oid[41];
    int rc = 0;
    if (plain_gitdir && head_by_hand(gitdir.ptr, oid) && memo_read(gitdir.ptr, oid, time)) {
        memcpy(out_hex, oid, 41);
        goto done;
    }
    const csec__git_plugin_api *g = git_plugin(d, repo_dir);
    rc = g ? g->head(repo_dir, out_hex, time, d) : CSEC_EIO;
    if (rc == 0 && plain_gitdir)
        memo_write(gitdir.ptr, out_hex, *time);
done:
    csec_buf_free(&gitdir);
    return rc;
}

/* ---- a registry index that is a git repository (gitindex.h) ---- */

int csec__git_index_open(csec__git_index **out, const char *dir, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, dir);
    *out = NULL;
    return g ? g->index_open(out, dir, d) : CSEC_EIO;
}

void csec__git_index_close(csec__git_index *gi)
{
    /* Opened through the plugin, so the plugin is loaded. */
    if (gi)
        plugin->index_close(gi);
}

int csec__git_index_state(csec__git_index *gi, char head[41], int64_t *head_time,
                          char fetched[41], int64_t *fetched_time, csec_diag *d)
{
    return plugin->index_state(gi, head, head_time, fetched, fetched_time, d);
}

int csec__git_index_changes(csec__git_index *gi, const char *from, const char *to,
                            csec__git_index_change_cb cb, void *payload, csec_diag *d)
{
    return plugin->index_changes(gi, from, to, cb, payload, d);
}

int csec__git_index_fetch(csec_sync_result *out, const char *dir, const char *url,
                          csec_sync_progress_cb cb, void *payload, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, dir);
    if (!g) {
        memset(out, 0, sizeof *out);
        return CSEC_EIO;
    }
    return g->index_fetch(out, dir, url, cb, payload, d);
}
