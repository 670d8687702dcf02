/* cvss.h - CVSS v2, v3.0/3.1 and v4.0 vectors: parse, canonical form, score (spec §1.9.4). */
#ifndef CSEC_CVSS_H
#define CSEC_CVSS_H

#include "util.h"

/* Parses a vector.  On success fills *out (canonical string allocated in the
 * arena).  On error returns CSEC_EPARSE with a message such as "unknown
 * metric `XX`", "duplicate metric `AV`", "missing base metric `AT`",
 * "unsupported CVSS version `CVSS:2.5`", "invalid prefix"; d->col is the
 * 1-based byte column in `s` of the offending component. */
int csec__cvss_parse(csec_cvss *out, csec_arena *arena, const char *s, size_t len, csec_diag *d);

/* Severity bucket of a score (spec §1.9.4). */
csec_severity csec__cvss_severity(double score);

#endif
