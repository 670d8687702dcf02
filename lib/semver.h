/* semver.h - internal parts of versions and requirements (spec §2.1-2.3). */
#ifndef CSEC_SEMVER_H
#define CSEC_SEMVER_H

#include "util.h"

/* Like csec_req_parse, but allocates the requirement and its strings from
 * `arena` (databases use this).  Free nothing: the arena owns it.  A NULL
 * arena is csec_req_parse: one malloc'd block, freed by csec_req_free. */
int csec__req_parse_arena(csec_req **out, csec_arena *arena, const char *s, size_t len,
                          csec_diag *d);

/* Copies a version's pre/build strings into the arena so it outlives its source. */
void csec__version_copy(csec_version *dst, const csec_version *src, csec_arena *arena);

/* Whether one comparator matches (spec §2.3 table, without the prerelease rule). */
bool csec__comparator_matches(const csec_comparator *c, const csec_version *v);

/* Compares two prerelease strings ("" = release, which sorts highest). */
int csec__pre_cmp(csec_str a, csec_str b);

/* Where display forms go: a growable buffer when `buf` is set, otherwise a
 * fixed array `fixed` of `cap` bytes (always NUL-terminated, silently
 * truncated).  The fixed form lets error paths print without allocating. */
typedef struct csec__sink {
    csec_buf *buf;
    char *fixed;
    size_t cap;
    size_t len;
} csec__sink;

void csec__sink_put(csec__sink *k, const char *s, size_t n);
/* Display forms of spec §2.1 and §2.2 into a sink. */
void csec__version_format(csec__sink *k, const csec_version *v);
void csec__req_format(csec__sink *k, const csec_req *r);
/* The display form of `r` in `out` (size n, truncated); returns out. */
const char *csec__req_display(char *out, size_t n, const csec_req *r);

#endif
