/* options.c - the public options structs' initialisers and the check of
 * their `version` field (libgit2's pattern, cratesec.h).
 *
 * A struct's version names its layout.  A library that adds fields bumps the
 * version and still accepts the older ones, treating the missing fields as
 * their defaults; a version newer than the library, or 0 (a struct nobody
 * initialised), is refused with CSEC_EINVAL. */
#include "options.h"

#include <string.h>

int csec__options_check(unsigned int version, unsigned int current, const char *what, csec_diag *d)
{
    if (version >= 1 && version <= current)
        return 0;
    return csec__diag_set(d, CSEC_EINVAL, "", 0, 0,
                          "%s version %u is not supported (this library knows 1 to %u: "
                          "initialise it with its _INIT macro or _init function)",
                          what, version, current);
}

int csec_db_options_init(csec_db_options *opts, unsigned int version)
{
    if (csec__options_check(version, CSEC_DB_OPTIONS_VERSION, "csec_db_options", NULL) < 0)
        return CSEC_EINVAL;
    csec_db_options defaults = CSEC_DB_OPTIONS_INIT;
    *opts = defaults;
    return 0;
}

int csec_audit_options_init(csec_audit_options *opts, unsigned int version)
{
    if (csec__options_check(version, CSEC_AUDIT_OPTIONS_VERSION, "csec_audit_options", NULL) < 0)
        return CSEC_EINVAL;
    csec_audit_options defaults = CSEC_AUDIT_OPTIONS_INIT;
    *opts = defaults;
    return 0;
}
