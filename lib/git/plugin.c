/* plugin.c - the one symbol the loader (lib/git.c) looks up. */
#include "plugin.h"

const csec__git_plugin_api csec__git_plugin = {
    CSEC__GIT_PLUGIN_ABI, csec__plugin_git_modified_times, csec__plugin_git_head,
    csec__plugin_sync,    csec__plugin_sync_verify,
};
