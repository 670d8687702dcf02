/* fuzz_advisory.c - whole advisory files (spec §1, §2.4-2.5, §3, §5.2) on
 * arbitrary bytes: csec_advisory_parse (without and with a path derived from
 * the parsed id), csec_advisory_lint, then affects/functions_for on versions
 * taken from the advisory's own bounds, and csec_osv_write, whose output
 * must be well-formed JSON.  A failed parse must carry a position and a
 * message; the linter must report it too.  A violation aborts. */
#include "advisory.h"
#include "range.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* ---- a small JSON checker (iterative: depth is a counter, not the stack) ---- */

static size_t json_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
        i++;
    return i;
}

/* One scalar at s[i]; returns the index after it, or 0 if malformed. */
static size_t json_scalar(const char *s, size_t n, size_t i)
{
    if (s[i] == '"') {
        for (i++; i < n && s[i] != '"'; i++) {
            if ((unsigned char)s[i] < 0x20)
                return 0;
            if (s[i] == '\\') {
                if (++i >= n || !strchr("\"\\/bfnrtu", s[i]))
                    return 0;
                if (s[i] == 'u') {
                    for (int k = 0; k < 4; k++)
                        if (++i >= n || !strchr("0123456789abcdefABCDEF", s[i]))
                            return 0;
                }
            }
        }
        return i < n ? i + 1 : 0;
    }
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(lits[k]);
        if (n - i >= l && memcmp(s + i, lits[k], l) == 0)
            return i + l;
    }
    size_t st = i;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && strchr("0123456789.eE+-", s[i]))
        i++;
    return i > st && (s[st] != '-' || i > st + 1) ? i : 0;
}

static bool json_valid(const char *s, size_t n)
{
    char stack[64]; /* open containers: '{' or '[' */
    int depth = 0;
    size_t i = json_ws(s, n, 0);
    for (;;) {
        /* expecting a value */
        if (i >= n)
            return false;
        if (s[i] == '{' || s[i] == '[') {
            if (depth == (int)sizeof stack)
                return false;
            stack[depth++] = s[i];
            i = json_ws(s, n, i + 1);
            if (i < n && s[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
                depth--;
                i++;
                goto after_value;
            }
            if (stack[depth - 1] == '{')
                goto want_key;
            continue;
        }
        if ((i = json_scalar(s, n, i)) == 0)
            return false;
    after_value:
        i = json_ws(s, n, i);
        if (depth == 0)
            return i == n;
        if (i < n && s[i] == ',') {
            i = json_ws(s, n, i + 1);
            if (stack[depth - 1] == '{')
                goto want_key;
            continue;
        }
        if (i < n && s[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
            depth--;
            i++;
            goto after_value;
        }
        return false;
    want_key:
        if (i >= n || s[i] != '"' || (i = json_scalar(s, n, i)) == 0)
            return false;
        i = json_ws(s, n, i);
        if (i >= n || s[i] != ':')
            return false;
        i = json_ws(s, n, i + 1);
    }
}

/* ---- callbacks ---- */

static void on_lint(const csec_diag *d, void *payload)
{
    size_t *count = payload;
    check(d->msg[0] != '\0' && strlen(d->msg) < sizeof d->msg);
    (*count)++;
}

static void on_function(const char *path, void *payload)
{
    size_t *count = payload;
    check(path != NULL && path[0] != '\0');
    (*count)++;
}

static void exercise(const csec_advisory *a)
{
    check(a->id && a->package && a->title && a->description && a->license);
    /* Versions: every interval edge, plus a few fixed ones. */
    static const char *const fixed[] = {"0.0.0-0", "0.0.0", "0.1.0", "1.0.0", "1.0.0-alpha",
                                        "99.99.99"};
    size_t nv = a->affected_count * 2 + sizeof fixed / sizeof fixed[0];
    csec_version *vs = calloc(nv, sizeof *vs);
    size_t k = 0;
    check(vs != NULL);
    for (size_t i = 0; i < a->affected_count; i++) {
        if (a->affected[i].has_introduced)
            vs[k++] = a->affected[i].introduced;
        if (a->affected[i].has_fixed)
            vs[k++] = a->affected[i].fixed;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check(csec_version_parse(&vs[k++], fixed[i], strlen(fixed[i]), NULL) == 0);
    for (size_t i = 0; i < k; i++) {
        bool aff = csec_advisory_affects(a, &vs[i]);
        check(aff == csec__intervals_contain(a->affected, a->affected_count, &vs[i]));
        size_t seen = 0;
        size_t matched = csec_advisory_functions_for(a, &vs[i], on_function, &seen);
        check(matched == seen && matched <= a->functions_count);
    }
    /* An introduced edge of a non-empty interval is affected. */
    for (size_t i = 0; i < a->affected_count; i++) {
        const csec_interval *iv = &a->affected[i];
        if (iv->has_introduced &&
            (!iv->has_fixed || csec_version_cmp(&iv->introduced, &iv->fixed) < 0))
            check(csec_advisory_affects(a, &iv->introduced));
    }
    free(vs);

    csec_buf osv = CSEC_BUF_INIT;
    int rc = csec_osv_write(&osv, a, 0);
    check(rc == 0 || rc == CSEC_EINVAL);
    if (rc == 0)
        check(osv.len > 0 && json_valid(osv.ptr, osv.len));
    csec_buf_clear(&osv);
    if (csec_osv_write(&osv, a, 2) == 0)
        check(json_valid(osv.ptr, osv.len));
    csec_buf_free(&osv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    csec_advisory_doc *doc = NULL;
    csec_diag d;
    size_t problems = 0;
    if (size > 65536)
        return 0;

    int rc = csec_advisory_parse(&doc, NULL, text, size, &d);
    size_t lint_count = csec_advisory_lint(NULL, text, size, on_lint, &problems);
    check(lint_count == problems);
    if (rc < 0) {
        check(doc == NULL && rc == CSEC_EPARSE && d.msg[0] && lint_count > 0);
        return 0;
    }
    const csec_advisory *a = csec_advisory_doc_get(doc);
    check(a != NULL);
    exercise(a);

    /* Again with a path that agrees with the content, as the loader and the
     * linter see real files. */
    char path[600];
    snprintf(path, sizeof path, "%s/%s/%s.md",
             a->collection == CSEC_COLLECTION_RUST ? "rust" : "crates", a->package, a->id);
    csec_advisory_doc *doc2 = NULL;
    if (csec_advisory_parse(&doc2, path, text, size, &d) == 0)
        exercise(csec_advisory_doc_get(doc2));
    else
        check(doc2 == NULL && d.msg[0]);
    problems = 0;
    check(csec_advisory_lint(path, text, size, on_lint, &problems) == problems);
    csec_advisory_doc_free(doc2);
    csec_advisory_doc_free(doc);
    return 0;
}
