/* range.h - RustSec's unaffected -> affected interval algorithm (spec §2.4). */
#ifndef CSEC_RANGE_H
#define CSEC_RANGE_H

#include "util.h"

/* Turns the `patched` and `unaffected` requirements into affected intervals
 * (spec §2.4 steps 1-4).  On success *out is an arena array of *count
 * intervals (possibly 0, for a lone "*").  Versions in the result are copied
 * into the arena.  On a rule violation returns CSEC_EPARSE with a message in
 * d naming the requirement ("Overlapping version ranges: ...", "Too many
 * comparators", ...); which list and index failed is put in *bad_list (0 =
 * unaffected, 1 = patched) and *bad_index when those are non-NULL, so the
 * caller can point at the right line. */
int csec__ranges_affected(csec_interval **out, size_t *count, csec_arena *arena,
                          const csec_req *const *unaffected, size_t n_unaffected,
                          const csec_req *const *patched, size_t n_patched, int *bad_list,
                          size_t *bad_index, csec_diag *d);

/* next(v) of spec §2.4: the smallest version strictly greater than v.
 * Prerelease text is built in the arena. */
void csec__version_next(csec_version *out, const csec_version *v, csec_arena *arena);

/* Whether v is inside any interval (spec §2.4 step 5). */
bool csec__intervals_contain(const csec_interval *iv, size_t count, const csec_version *v);

#endif
