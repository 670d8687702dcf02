/* present.c - shared text and JSON descriptions of advisories for the CLI. */
#include "present.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

static void collect_function(const char *path, void *payload)
{
    csec__json_str(payload, path);
}

void present_json(csec_buf *out, const csec_advisory *a, int affected, const csec_version *v)
{
    char date[11];
    csec__json j;
    csec__json_init(&j, out, false, 0);
    csec__json_object_begin(&j);
    csec__json_key_str(&j, "id", a->id);
    csec__json_key_str(&j, "package", a->package);
    csec__json_key_str(&j, "kind", csec__word_kind(a));
    csec__json_key_str(&j, "title", a->title);
    csec__json_key_str(&j, "date", csec__word_date_text(date, a->date));
    csec__json_key_str(&j, "withdrawn",
                       a->withdrawn.year ? csec__word_date_text(date, a->withdrawn) : NULL);
    csec__json_key_str(&j, "collection", a->collection == CSEC_COLLECTION_RUST ? "rust" : "crates");
    csec__json_key_str(&j, "informational", a->informational_raw);
    csec__json_key(&j, "aliases");
    csec__json_strlist(&j, a->aliases);
    csec__json_key(&j, "related");
    csec__json_strlist(&j, a->related);
    csec__json_key(&j, "categories");
    csec__json_strlist(&j, a->categories);
    csec__json_key(&j, "keywords");
    csec__json_strlist(&j, a->keywords);
    csec__json_key_str(&j, "url", a->url);
    csec__json_key(&j, "references");
    csec__json_strlist(&j, a->references);
    csec__json_key_str(&j, "license", a->license);
    csec__json_key_str(&j, "cvss", a->cvss ? a->cvss->canonical : NULL);
    if (a->cvss) {
        char score[16];
        int n = snprintf(score, sizeof score, "%.1f", a->cvss->score); /* "9.8", "10.0" */
        csec__json_key(&j, "score");
        csec__json_raw(&j, score, (size_t)n);
        csec__json_key_str(&j, "severity", csec_severity_name(a->cvss->severity));
    }
    csec__json_key(&j, "patched");
    csec__json_reqs(&j, a->patched, a->patched_count);
    csec__json_key(&j, "unaffected");
    csec__json_reqs(&j, a->unaffected, a->unaffected_count);
    csec__json_key(&j, "affected_ranges");
    csec__json_array_begin(&j);
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        csec__json_object_begin(&j);
        csec__json_key(&j, "introduced");
        csec__json_version(&j, iv->has_introduced ? &iv->introduced : NULL);
        csec__json_key(&j, "fixed");
        csec__json_version(&j, iv->has_fixed ? &iv->fixed : NULL);
        csec__json_object_end(&j);
    }
    csec__json_array_end(&j);
    if (affected >= 0) {
        csec__json_key(&j, "affected");
        csec__json_bool(&j, affected);
        csec__json_key(&j, "affected_functions");
        csec__json_array_begin(&j);
        csec_advisory_functions_for(a, v, collect_function, &j);
        csec__json_array_end(&j);
    }
    csec__json_object_end(&j);
}
