/* files.h - reading directory trees of many small files (the advisory
 * database, the registry index) with few system calls.
 *
 * Why: a load is dominated by system calls, not by parsing.  On the VMs we
 * run on a system call costs about a microsecond (`make bench` prints it),
 * and the plain way (opendir/readdir, then open/read/close per file) makes
 * ~9,000 of them for the advisory database and ~250,000 for the crates.io
 * index.  Here:
 *   - a directory is listed with getdents64 into one buffer (fdopendir adds
 *     an fstat and an fcntl per directory);
 *   - directories are opened, and files opened, read and closed, through
 *     io_uring in batches: one io_uring_enter for up to CSEC__BATCH files.
 * Where io_uring is unavailable (kernels before 5.19, seccomp filters,
 * kernel.io_uring_disabled, or CRATESEC_NO_IO_URING set in the environment)
 * the same functions make the plain system calls; results are identical. */
#ifndef CSEC_FILES_H
#define CSEC_FILES_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* The entries of one directory: names sorted bytewise, the entry's d_type
 * in the byte before each name (csec__name_type). */
typedef struct csec__names {
    char **items;
    size_t count, cap;
    csec_buf pool;
} csec__names;

static inline unsigned char csec__name_type(const char *name)
{
    return (unsigned char)name[-1];
}

enum {
    CSEC__LIST_DIRS = 1,    /* keep directories only (DT_UNKNOWN and DT_LNK resolved by
                               fstatat; a kept symlink keeps its type DT_LNK) */
    CSEC__LIST_NO_DOTS = 2, /* drop every name that starts with '.' */
};

/* No listing trusts a short getdents64 to mean the end of the directory:
 * filldir stops early whenever a signal is pending, and a thread with an
 * io_uring has task work flagged as one (TIF_NOTIFY_SIGNAL), so listings
 * were cut short at random.  Only a return of 0 ends a listing. */

/* Lists the directory open at `fd` ("." and ".." are always dropped), from
 * the descriptor's position: once per open (no rewind, which would cost a
 * system call per directory).  Returns 0, or -errno with `out` empty. */
int csec__list_dir(csec__names *out, int fd, unsigned flags);
void csec__names_free(csec__names *n);

/* A batch reader: one per thread. */
typedef struct csec__batch csec__batch;

/* Called once per file, in request order.  `data` is NUL-terminated, owned
 * by the batch and valid until the callback returns (the callee may modify
 * it); `err` is 0 or an errno value (then data is NULL). */
typedef void (*csec__read_cb)(void *payload, size_t i, char *data, size_t len, int err);

csec__batch *csec__batch_new(void);
/* Flushes deferred closes and frees the batch. */
void csec__batch_free(csec__batch *b);
/* Whether this batch runs on io_uring (for tests and the bench). */
bool csec__batch_uses_io_uring(const csec__batch *b);

/* Opens directories names[i] relative to parentfds[i] (AT_FDCWD allowed):
 * fds[i] is a file descriptor (O_DIRECTORY, close-on-exec) or -errno. */
void csec__batch_open_dirs(csec__batch *b, const int *parentfds, const char *const *names, size_t n,
                           int *fds);
/* Reads files names[i] relative to dirfds[i] and calls cb for each, in order.
 * Files larger than 64 MiB fail with EFBIG. */
void csec__batch_read(csec__batch *b, const int *dirfds, const char *const *names, size_t n,
                      csec__read_cb cb, void *payload);
/* Closes descriptors (negative ones are skipped).  With io_uring the closes
 * ride along with the next submission, or csec__batch_free. */
void csec__batch_close(csec__batch *b, const int *fds, size_t n);

#endif
