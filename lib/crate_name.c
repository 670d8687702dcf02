/* crate_name.c - crates.io's crate name equivalence (see crate_name.h). */
#include "crate_name.h"

#include "map.h"
#include "util.h"

#include <stdio.h>

bool csec__crate_name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (csec__crate_name_fold((unsigned char)a[i]) !=
            csec__crate_name_fold((unsigned char)b[i]))
            return false;
    return true;
}

uint32_t csec__crate_name_hash(const char *name, size_t len)
{
    unsigned char folded[256];
    size_t n = len < sizeof folded ? len : sizeof folded;
    for (size_t i = 0; i < n; i++)
        folded[i] = csec__crate_name_fold((unsigned char)name[i]);
    return (uint32_t)(csec__hash_bytes(folded, n) ^ len);
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

int csec__crate_name_check(const char *s, size_t len, size_t *at, csec_diag *d)
{
    *at = 0;
    if (len == 0)
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0, "empty package name");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (alpha || (i > 0 && ((ch >= '0' && ch <= '9') || ch == '-' || ch == '_')))
            continue;
        *at = i;
        char what[32];
        if (ch > 0x20 && ch < 0x7f)
            snprintf(what, sizeof what, "`%c`", ch);
        else
            snprintf(what, sizeof what, "byte 0x%02X", ch);
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                              "invalid package name: %s %s (crates.io names are ASCII letters, "
                              "digits, `-` and `_`, starting with a letter)",
                              what, i == 0 ? "at the start" : "in the name");
    }
    if (len > CSEC_CRATES_IO_NAME_MAX)
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0,
                              "invalid package name: %zu characters (crates.io allows at most %d)",
                              len, CSEC_CRATES_IO_NAME_MAX);
    return 0;
}
