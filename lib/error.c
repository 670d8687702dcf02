/* error.c - the error table (cratesec.h CSEC_ERROR_TABLE) as text. */
#include "util.h"

#include <stdio.h>

const char *csec_strerror(int code)
{
    switch (code) {
#define CSEC__ERROR_TEXT(name, value, text)                                                        \
    case value:                                                                                    \
        return text;
        CSEC_ERROR_TABLE(CSEC__ERROR_TEXT)
#undef CSEC__ERROR_TEXT
    }
    return "unknown error";
}

const char *csec_err_name(int code)
{
    switch (code) {
#define CSEC__ERROR_NAME(name, value, text)                                                        \
    case value:                                                                                    \
        return "CSEC_" #name;
        CSEC_ERROR_TABLE(CSEC__ERROR_NAME)
#undef CSEC__ERROR_NAME
    }
    return "CSEC_UNKNOWN";
}

char *csec_diag_format(char *out, size_t n, const csec_diag *d)
{
    if (!n)
        return out;
    if (d->file[0] && d->line)
        snprintf(out, n, "%s:%u:%u: %s", d->file, d->line, d->col ? d->col : 1, d->msg);
    else if (d->file[0])
        snprintf(out, n, "%s: %s", d->file, d->msg);
    else if (d->line)
        snprintf(out, n, "%u:%u: %s", d->line, d->col ? d->col : 1, d->msg);
    else
        snprintf(out, n, "%s", d->msg);
    return out;
}

const char *csec_version_string(void)
{
    return CSEC_VERSION_STRING;
}
