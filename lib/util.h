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

/* Multiplies with an overflow check; aborts on overflow like out of memory. */
size_t csec__mul(size_t a, size_t b);

/* A bump allocator: everything allocated from it is released together by
 * csec__arena_free.  Databases own one; so do advisory documents. */
typedef struct csec__arena_block csec__arena_block;
typedef struct csec_arena {
    csec__arena_block *head;
    size_t used; /* bytes used in head */
    size_t total; /* bytes allocated from the system */
    csec__arena_block *borrowed; /* the caller's first block (csec__arena_init_buf): not freed */
} csec_arena;

#define CSEC_ARENA_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0, NULL                                                                           \
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
void csec__diag_clear(csec_diag *d);

/* Reads a whole file (NUL-terminated) into *out / *len; caller frees with free().
 * Returns 0 or CSEC_EIO with d filled. */
int csec__read_file(char **out, size_t *len, const char *path, csec_diag *d);
/* Writes `len` bytes to `path` through a temporary file in the same directory
 * and a rename, so that readers see the old file or the new one, never half
 * of it.  Returns 0 or -errno (the temporary file is then removed). */
int csec__write_file_atomic(const char *path, const void *data, size_t len);

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

#endif
