/* fuzz_cvss.c - CVSS vectors (spec §1.9.4): any bytes must parse or fail cleanly,
 * and an accepted vector's canonical form must parse again to the same
 * version, canonical string and score (aborts otherwise, so the fuzzer
 * reports it). */
#include "cvss.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_cvss first, again;
    csec_diag d;
    if (csec__cvss_parse(&first, &arena, (const char *)data, size, &d) == 0) {
        if (!first.canonical || !(first.score >= 0.0 && first.score <= 10.0) ||
            first.severity != csec__cvss_severity(first.score))
            abort();
        size_t n = strlen(first.canonical);
        if (csec__cvss_parse(&again, &arena, first.canonical, n, &d) != 0)
            abort();
        if (again.version != first.version || again.score != first.score ||
            strcmp(again.canonical, first.canonical) != 0)
            abort();
    } else {
        /* Errors carry a message and a column inside (or just after) the input. */
        if (d.code != CSEC_EPARSE || !d.msg[0] || d.col < 1 || d.col > size + 1 ||
            first.canonical != NULL)
            abort();
    }
    csec__arena_free(&arena);
    return 0;
}
