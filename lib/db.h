/* db.h - the database loader's one walk (db.c), as the linter (lint.c)
 * uses it: the same decisions about what is loaded, with hooks to see each
 * file and each entry left out. */
#ifndef CSEC_DB_H
#define CSEC_DB_H

#include "util.h"

typedef struct csec__load_hooks {
    void *payload;
    /* Every file read, before it is parsed, with the path in messages. */
    void (*file)(void *payload, const char *path, const char *text, size_t len);
    /* Every entry left out without an error (a file directly in crates/, a
     * hidden file in a package directory), and why. */
    void (*skipped)(void *payload, const char *path, const char *why);
    /* Parse failures are recorded but not given to on_error: the linter's
     * per-file checks report them (with its own rules for drafts). */
    bool own_parse_errors;
} csec__load_hooks;

/* csec_db_open with hooks (NULL: none). */
int csec__db_load(csec_db **out, const char *path, const csec_db_options *opts,
                  const csec__load_hooks *hooks, csec_diag *d);

/* csec__db_load (no hooks) that also compares the files it reads with the
 * checkout's HEAD commit (checkout.c): the commit in `commit`, and in
 * *verified csec_sync_verify's verdict (0; CSEC_EPARSE with vd saying what
 * differs; CSEC_ENOTFOUND: not a git repository; CSEC_EIO) beside the load's
 * own result (returned, d). */
int csec__db_load_verified(csec_db **out, const char *dir, const csec_db_options *opts,
                           char commit[41], int *verified, csec_diag *vd, csec_diag *d);

/* The database's directory as its paths begin ("db/" given: "db"). */
const char *csec__db_root(const csec_db *db);

/* Reads the `modified` times of the advisories from git (spec §3.5) and the
 * commit they were read at.  Returns 0 (also when the directory is not a git
 * checkout) or a negative code with d filled. */
int csec__db_git_times(csec_db *db, csec_diag *d);

#endif
