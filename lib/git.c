/* git.c - the git side of libcratesec without libgit2 in the process until
 * it is needed: loads the git plugin (lib/git/plugin.h) on first use and
 * forwards to it.
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
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int csec__git_head(const char *repo_dir, char out_hex[41], int64_t *time, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, repo_dir);
    if (!g) {
        out_hex[0] = '\0';
        *time = 0;
        return CSEC_EIO;
    }
    return g->head(repo_dir, out_hex, time, d);
}

int csec__git_head_blobs(const char *repo_dir, char commit[41], csec__git_blob_cb cb,
                         void *payload, csec_diag *d)
{
    const csec__git_plugin_api *g = git_plugin(d, repo_dir);
    if (!g) {
        commit[0] = '\0';
        return CSEC_EIO;
    }
    return g->head_blobs(repo_dir, commit, cb, payload, d);
}

void csec__git_blob_id(unsigned char id[20], const void *data, size_t len)
{
    plugin->blob_id(id, data, len);
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
