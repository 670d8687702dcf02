/* plugin.c - the one symbol the loader (lib/git.c) looks up. */
#include "plugin.h"

const csec__git_plugin_api csec__git_plugin = {
    CSEC__GIT_PLUGIN_ABI,       csec__plugin_git_modified_times, csec__plugin_git_head,
    csec__plugin_sync,          csec__plugin_head_blobs,         csec__plugin_blob_id,
    csec__plugin_index_open,
    csec__plugin_index_close,   csec__plugin_index_state,        csec__plugin_index_changes,
    csec__plugin_index_fetch,
};
