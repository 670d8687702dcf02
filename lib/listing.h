/* listing.h - remembered directory listings of a database checkout.
 *
 * Why: listing a package directory (open, getdents64, close) is the most
 * expensive part of a load on the machines we run on, about three times
 * the cost of a stat of it, and the listings of the advisory database
 * almost never change between two loads.  So, like git's untracked cache,
 * a load remembers each directory's listing together with the directory's
 * identity and change times, and the next load stats the directory and
 * lists it again only when any of them differ.  Every file is still opened,
 * read and parsed on every load; only the names come from here.
 *
 * Why it is safe: creating, deleting or renaming an entry changes the
 * directory's ctime and mtime, and no user can set a ctime.  The one catch
 * is timestamp granularity: a change in the same clock tick as the listing
 * may leave both times as they were.  So a listing is remembered only when
 * its directory's ctime is at least CSEC__LISTING_SETTLE_NS older than the
 * start of the load that listed it (git calls such entries "racily clean").
 * A directory changed more recently is listed on every load until it has
 * settled.  File systems whose clock is not this machine's (NFS with a
 * skewed server clock) can defeat that rule: CRATESEC_NO_LISTING_CACHE=1
 * turns the cache off.
 *
 * Where: <checkout>/.git/cratesec-listing, only in checkouts with a .git
 * directory (next to the remembered HEAD time of lib/git.c), written to a
 * temporary name and renamed.  A damaged or foreign file is ignored and
 * replaced.  The format is text:
 *
 *   cratesec-listing 1
 *   D <dev> <ino> <ctime ns> <mtime ns> <count> <path relative to the root>
 *   <name>            (count lines, sorted bytewise)
 *   ...
 *
 * with the D records sorted bytewise by path.  Names containing a newline
 * are never remembered (their directory is listed every time). */
#ifndef CSEC_LISTING_H
#define CSEC_LISTING_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define CSEC__LISTING_FILE "cratesec-listing"
/* 100 ms: ten clock ticks even at HZ=100, the coarsest timestamps Linux
 * gives a local file system. */
#define CSEC__LISTING_SETTLE_NS 100000000LL

/* What identifies one state of a directory. */
typedef struct csec__dir_stamp {
    uint64_t dev, ino;
    int64_t ctime_ns, mtime_ns;
} csec__dir_stamp;

void csec__dir_stamp_of(csec__dir_stamp *s, const struct stat *st);
bool csec__dir_stamp_equal(const csec__dir_stamp *a, const csec__dir_stamp *b);
/* Whether a listing taken at `load_start_ns` (CLOCK_REALTIME) may be
 * remembered: the directory had settled by then. */
bool csec__dir_stamp_settled(const csec__dir_stamp *s, int64_t load_start_ns);

/* One remembered directory. */
typedef struct csec__listing_dir {
    const char *path; /* relative to the checkout root, e.g. "crates/serde" */
    csec__dir_stamp stamp;
    const char *const *names; /* sorted bytewise */
    size_t count;
} csec__listing_dir;

/* A remembered listing file, parsed. */
typedef struct csec__listing {
    char *text;   /* the file, its newlines replaced by NULs */
    char **names; /* every name of every directory, in file order */
    csec__listing_dir *dirs;
    size_t ndirs;
} csec__listing;

/* Parses the text of a listing file (taking ownership of `text`, which must
 * be NUL-terminated at text[len]).  Returns 0, or -1 (and frees `text`)
 * when the text is not a well-formed listing file. */
int csec__listing_parse(csec__listing *l, char *text, size_t len);
/* Reads <root>/.git/cratesec-listing.  Returns 0, or -1 when it is missing
 * or not well-formed (then `l` is empty). */
int csec__listing_read(csec__listing *l, const char *root);
/* The remembered directory at `path`, or NULL. */
const csec__listing_dir *csec__listing_find(const csec__listing *l, const char *path);
/* The index of the first remembered directory whose path is not below
 * `path` bytewise (l->ndirs when there is none). */
size_t csec__listing_lower_bound(const csec__listing *l, const char *path);
void csec__listing_free(csec__listing *l);

/* Writing: records are appended to `out` in path order, then committed. */
void csec__listing_begin(csec_buf *out);
/* Appends one directory; returns false (appending nothing) when a name
 * cannot be written (it contains a newline). */
bool csec__listing_add(csec_buf *out, const char *path, const csec__dir_stamp *stamp,
                       const char *const *names, size_t count);
/* Writes <root>/.git/cratesec-listing atomically.  Returns 0 or -errno;
 * a checkout that cannot be written to is not an error worth reporting. */
int csec__listing_commit(const char *root, const csec_buf *out);

/* Whether CRATESEC_NO_LISTING_CACHE leaves the cache on (the loader also
 * requires a .git directory). */
bool csec__listing_enabled(void);

/* What the listing cache did in the load of `db`: directories listed,
 * directories whose remembered listing was used, and whether a new listing
 * file was written.  For tests. */
void csec__db_listing_stats(const csec_db *db, size_t *listed, size_t *remembered, bool *saved);

#endif
