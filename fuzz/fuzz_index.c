/* fuzz_index.c - the registry index line decoder (lib/index.c): any bytes as
 * one crate file must load or be reported cleanly, and what loads must keep
 * the index's invariants (aborts otherwise). */
#include "index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_error(const csec_diag *d, void *payload)
{
    size_t *count = payload;
    if (!d->msg[0] || d->line < 1)
        abort();
    ++*count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t reported = 0;
    csec_index_options o = {on_error, &reported, 1};
    csec_index *ix = csec__index_new(&o);
    const csec_index_crate *c = NULL;
    int rc = csec__index_add_file(&c, ix, "fuzz", NULL, (const char *)data, size);
    csec_index_stats st;
    csec__index_stats(ix, &st);
    if (reported != st.bad_lines + st.bad_versions)
        abort();
    if (rc < 0 && (c || reported == 0))
        abort();
    if (c) {
        if (csec__index_find(ix, c->name) != c || csec__index_version_count(ix) != c->versions_count)
            abort();
        for (size_t i = 0; i < c->versions_count; i++) {
            const csec_index_version *v = &c->versions[i];
            csec_version p;
            if (csec_version_parse(&p, v->vers, strlen(v->vers), NULL) != 0 ||
                csec_version_cmp(&p, &v->version) != 0)
                abort();
            if (i && csec_version_cmp(&c->versions[i - 1].version, &v->version) >= 0)
                abort();
            for (uint32_t j = 0; j < v->deps_count; j++)
                if (!v->deps[j]->name || !v->deps[j]->req || v->deps[j]->kind > 2)
                    abort();
            for (uint32_t j = 1; j < v->features_count; j++)
                if (strcmp(v->features[j - 1].name, v->features[j].name) >= 0)
                    abort();
            for (uint32_t j = 0; j < v->features_count; j++)
                if (csec__index_feature_find(v, v->features[j].name) != &v->features[j])
                    abort();
        }
    }
    /* The same bytes as a config.json. */
    csec_diag d;
    if (csec__index_set_config(ix, "config.json", (const char *)data, size, &d) < 0 &&
        (d.code != CSEC_EPARSE || !d.msg[0]))
        abort();
    csec__index_free(ix);
    return 0;
}
