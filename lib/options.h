/* options.h - the version check of the public options structs (options.c). */
#ifndef CSEC_OPTIONS_H
#define CSEC_OPTIONS_H

#include "util.h"

/* Returns 0 when an options struct of layout `version` can be read by this
 * library (whose layout is `current`), else CSEC_EINVAL with a message
 * naming the struct `what` in `d`.  Every function taking an options struct
 * calls it first. */
int csec__options_check(unsigned int version, unsigned int current, const char *what, csec_diag *d);

#endif
