/* present.h - how the CLI describes advisories in text and JSON. */
#ifndef CSEC_CLI_PRESENT_H
#define CSEC_CLI_PRESENT_H

#include "cratesec.h"

/* "Vulnerability", "Unsound", "Unmaintained", "Notice" or "Informational". */
const char *present_kind(const csec_advisory *a);
/* "YYYY-MM-DD" into out[11]. */
const char *present_date(char out[11], csec_date d);
/* Appends the advisory as one JSON object (compact), with `affected` set to
 * true/false when a version was given (affected < 0: no version, omitted). */
void present_json(csec_buf *out, const csec_advisory *a, int affected, const csec_version *v);
/* Appends the requirements joined by `sep` in display form, or `none`. */
void present_reqs(csec_buf *out, const csec_req *const *reqs, size_t n, const char *sep,
                  const char *none);
/* Appends the affected intervals in words: ">=1.0.0, <1.2.3; >=2.0.0" or
 * "all versions (no fix available)". */
void present_ranges(csec_buf *out, const csec_advisory *a);

#endif
