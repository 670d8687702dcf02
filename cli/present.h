/* present.h - how the CLI describes advisories in text and JSON. */
#ifndef CSEC_CLI_PRESENT_H
#define CSEC_CLI_PRESENT_H

#include "cratesec.h"
#include "wording.h" /* every sentence rule: kinds, ranges, requirement lists */

/* Appends the advisory as one JSON object (compact), with `affected` set to
 * true/false when a version was given (affected < 0: no version, omitted). */
void present_json(csec_buf *out, const csec_advisory *a, int affected, const csec_version *v);

#endif
