/* fuzz_lockfile.c - the Cargo.lock parser (lockfile.c) on arbitrary bytes.
 * Any input must parse or fail with CSEC_EPARSE, a message and a position;
 * an accepted lockfile must be internally consistent: resolved dependencies
 * point at packages with their name, and every package's chain from a root
 * ends at that package (aborts otherwise, so the fuzzer reports it). */
#include "lockfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csec_lockfile *lf = NULL;
    csec_diag d;
    if (csec_lockfile_parse(&lf, "fuzz.lock", (const char *)data, size, &d) < 0) {
        if (d.code != CSEC_EPARSE || !d.msg[0] || d.line < 1 || d.col < 1 || lf != NULL)
            abort();
        return 0;
    }
    int format = csec_lockfile_format(lf);
    if (format < 1 || format > 4)
        abort();
    size_t n = csec_lockfile_count(lf);
    const csec_lock_package *chain[8];
    for (size_t i = 0; i <= n; i++) {
        const csec_lock_package *p = i < n ? csec_lockfile_get(lf, i) : csec_lockfile_root(lf);
        if (!p)
            continue;
        if (!p->name || !p->version_text || (p->source && !p->source_url))
            abort();
        if (p->crates_io && !csec__lockfile_is_crates_io(p->source))
            abort();
        for (size_t k = 0; k < p->deps_count; k++) {
            const csec_lock_dep *dp = &p->deps[k];
            if (!dp->name || !dp->version)
                abort();
            if (dp->package != SIZE_MAX &&
                (dp->package >= n || strcmp(csec_lockfile_get(lf, dp->package)->name, dp->name)))
                abort();
        }
        size_t len = csec_lockfile_path(lf, p, chain, 8);
        if (len < 1 || (len <= 8 && chain[len - 1] != p))
            abort();
    }
    csec_lockfile_free(lf);
    return 0;
}
