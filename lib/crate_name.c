/* crate_name.c - crates.io's crate name equivalence (see crate_name.h). */
#include "crate_name.h"

bool csec__crate_name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (csec__crate_name_fold((unsigned char)a[i]) != csec__crate_name_fold((unsigned char)b[i]))
            return false;
    return true;
}

bool csec__crate_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > CSEC_CRATE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}
