/* db.c - placeholder until the database loader lands. */
#include "util.h"

int csec_db_open(csec_db **out, const char *path, const csec_db_options *opts, csec_diag *d)
{
    (void)opts;
    *out = NULL;
    return csec__diag_set(d, CSEC_ERROR, path, 0, 0, "not implemented");
}
