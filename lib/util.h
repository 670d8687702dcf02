/* util.h - allocation, arena and diagnostic helpers shared by all of lib/. */
#ifndef CSEC_UTIL_H
#define CSEC_UTIL_H

#include "cratesec.h"
#include "text.h" /* hex digits and UTF-8 (csec__utf8_check...) */

#include <stdarg.h>
#include <stddef.h>

/* The one allocator: out of memory aborts with a message (see cratesec.h). */
void *csec__xmalloc(size_t n);
void *csec__xcalloc(size_t count, size_t size);
void *csec__xrealloc(void *p, size_t n);
char *csec__xstrndup(const char *s, size_t n);
char *csec__xstrdup(const char *s); /* NULL for NULL */

/* Multiplies with an overflow check; aborts on overflow like out of memory. */
size_t csec__mul(size_t a, size_t b);
/* A full array's next size: `*cap` doubled (`first` the first time), the
 * array moved there and returned.  Every growable array of the code base:
 *     if (l->count == l->cap)
 *         l->items = csec__grow(l->items, &l->cap, 16, sizeof *l->items); */
void *csec__grow(void *items, size_t *cap, size_t first, size_t size);

/* A bump allocator: everything allocated from it is released together by
 * csec__arena_free.  Databases own one; so do advisory documents. */
typedef struct csec__arena_block csec__arena_block;
typedef struct csec_arena {
    csec__arena_block *head;
    size_t used;                 /* bytes used in head */
    csec__arena_block *borrowed; /* the caller's first block (csec__arena_init_buf): not freed */
} csec_arena;

#define CSEC_ARENA_INIT                                                                            \
    {                                                                                              \
        NULL, 0, NULL                                                                              \
    }

void *csec__arena_alloc(csec_arena *a, size_t n);            /* 16-byte aligned, zeroed */
char *csec__arena_strndup(csec_arena *a, const char *s, size_t n); /* NUL-terminated copy */
void csec__arena_free(csec_arena *a);

/* Starts an empty arena on the caller's buffer `buf` (`size` bytes, e.g. on
 * the stack): allocations are served from it until it is full, and only the
 * blocks added after it are released by csec__arena_free.  For short-lived
 * scratch arenas that usually stay small, so that they cost no malloc/free
 * (a 64 KiB block malloc'd and freed per use makes glibc trim the heap each
 * time).  The buffer must outlive the arena's use. */
void csec__arena_init_buf(csec_arena *a, void *buf, size_t size);

/* Fills `d` (if non-NULL) and returns `code`.  `file` may be NULL (keeps the
 * file already in d, or ""). */
int csec__diag_set(csec_diag *d, int code, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* The same with the arguments as a va_list, for the parsers' own error
 * helpers.  An argument may be d->msg: a nested parser's message, reported
 * again with more context. */
int csec__diag_vset(csec_diag *d, int code, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, va_list ap);
void csec__diag_clear(csec_diag *d);

/* Bounded reads: the whole content, NUL-terminated, in *out (free with
 * free()) and *len.  More than `max` bytes is refused (CSEC_EINVAL, "file too
 * large"), whatever the file is (a regular file, a pipe, /dev/zero), so no
 * input costs more memory than its limit.  Failures fill d with the file
 * `shown` (or `path`): CSEC_EIO for one that cannot be opened or read. */
int csec__read_file(char **out, size_t *len, const char *path, size_t max, csec_diag *d);
/* `name` relative to the directory open at `dirfd` (or AT_FDCWD);
 * CSEC__READ_REGULAR refuses anything but a regular file (a FIFO is not
 * waited for). */
enum { CSEC__READ_REGULAR = 1 };
int csec__read_at(char **out, size_t *len, int dirfd, const char *name, const char *shown,
                  size_t max, unsigned flags, csec_diag *d);
/* From an open descriptor (stdin) to its end. */
int csec__read_fd(char **out, size_t *len, int fd, size_t max, const char *shown, csec_diag *d);

/* The entries of one directory ("." and ".." left out), sorted bytewise, so
 * every walk of the database or the index is deterministic. */
typedef struct csec__dirent {
    const char *name;
    unsigned char type; /* d_type: DT_DIR, DT_REG, DT_LNK, DT_UNKNOWN... */
} csec__dirent;

typedef struct csec__dir {
    csec__dirent *entries;
    size_t count;
    int fd;       /* the directory, open until csec__dir_close (for openat) */
    void *handle; /* its DIR */
    csec_buf pool;
} csec__dir;

/* Lists the directory at `path`.  Returns 0, or -errno with `out` empty
 * (fd -1). */
int csec__dir_open(csec__dir *out, const char *path);
/* Whether entry i is a directory (following a symlink). */
bool csec__dir_is_dir(const csec__dir *d, size_t i);
/* Closes the directory and frees the listing.  Accepts a failed listing. */
void csec__dir_close(csec__dir *d);

/* Creates the missing parent directories of `path` (not empty; written to
 * and restored) with `mode`, as `mkdir -p` on its dirname would.  Returns 0,
 * or -1 (errno set) at the first one that cannot be made. */
int csec__mkdir_parents(char *path, unsigned mode);

/* Whether `s` is one of the strings of `l`. */
bool csec__strlist_has(const csec_strlist *l, const char *s);

/* Position (1-based line and byte column) of offset `off` in `s`. */
void csec__line_col(const char *s, size_t off, uint32_t *line, uint32_t *col);

/* 64-bit FNV-1a: start from CSEC_FNV_INIT and feed bytes; for hash tables,
 * cache keys and fingerprints (not for anything an attacker must not
 * predict). */
#define CSEC_FNV_INIT 1469598103934665603ULL
uint64_t csec__fnv1a(uint64_t h, const void *data, size_t len);
/* The same over a NUL-terminated string. */
uint64_t csec__fnv1a_str(uint64_t h, const char *s);

/* Milliseconds on the monotonic clock: for measuring durations. */
double csec__now_ms(void);

/* The process's resident memory in bytes (/proc/self/statm), 0 when the
 * system cannot say. */
size_t csec__resident_bytes(void);

#endif
