/* crate_name.h - crates.io's rule for when two crate names are the same
 * crate: ASCII case is ignored and '-' equals '_' ("Serde_JSON" is
 * "serde-json").  Advisory package names and index file names are exact; this
 * is the one fallback every lookup by a name a person typed uses. */
#ifndef CSEC_CRATE_NAME_H
#define CSEC_CRATE_NAME_H

#include "text.h"

/* Longest name looked up in a registry: crates.io's limit is 64, other
 * registries may allow more, and index paths stay short. */
#define CSEC_CRATE_NAME_MAX 256

/* The canonical form of one byte of a name: lower case, '-' as '_'. */
static inline unsigned char csec__crate_name_fold(unsigned char c)
{
    return c == '-' ? '_' : csec__ascii_lower(c);
}

/* Whether a[0..alen) and b[0..blen) name the same crate. */
bool csec__crate_name_eq(const char *a, size_t alen, const char *b, size_t blen);

/* A hash equal for names csec__crate_name_eq calls equal: of the folded
 * bytes (the first 256; names are short) and the length.  In-process only,
 * like csec__hash_bytes (map.h). */
uint32_t csec__crate_name_hash(const char *name, size_t len);

/* Whether `name` could be a crate of a registry: 1 to CSEC_CRATE_NAME_MAX
 * characters among ASCII letters, digits, '-' and '_' (Cargo's characters).
 * Lookups of other names need not ask any registry. */
bool csec__crate_name_valid(const char *name, size_t len);

/* crates.io's rule for the name of a crate it publishes, which an advisory's
 * package must follow: 1 to CSEC_CRATES_IO_NAME_MAX ASCII letters, digits,
 * '-' and '_', starting with a letter (".a", "a b", "<img>" are refused).
 * Returns 0, or CSEC_EPARSE with what is wrong in d->msg (no position) and
 * the offset of the offending byte in *at. */
#define CSEC_CRATES_IO_NAME_MAX 64
int csec__crate_name_check(const char *s, size_t len, size_t *at, csec_diag *d);

#endif
