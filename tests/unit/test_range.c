/* test_range.c - RustSec's unaffected -> affected interval algorithm (spec
 * §2.4) and its OSV events (§3.3): the cases of tests/spec/range.txt, next(),
 * and a generated check that the affected intervals are exactly the
 * complement of the unaffected ones. */
#include "harness.h"
#include "range.h"
#include "semver.h"
#include "spec_reader.h"

#include <stdlib.h>

#define MAX_REQS 32

static char *version_text(const csec_version *v)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_version_write(&b, v);
    return csec_buf_detach(&b);
}

/* "A..B ..." with `*` for an unbounded side, or "none". */
static void intervals_text(csec_buf *out, const csec_interval *iv, size_t n)
{
    if (n == 0)
        csec_buf_puts(out, "none");
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_putc(out, ' ');
        if (iv[i].has_introduced)
            csec_version_write(out, &iv[i].introduced);
        else
            csec_buf_putc(out, '*');
        csec_buf_puts(out, "..");
        if (iv[i].has_fixed)
            csec_version_write(out, &iv[i].fixed);
        else
            csec_buf_putc(out, '*');
    }
}

/* The OSV events of spec §3.3: "introduced X, fixed Y, ...". */
static void events_text(csec_buf *out, const csec_interval *iv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        csec_buf_puts(out, i ? ", introduced " : "introduced ");
        if (iv[i].has_introduced)
            csec_version_write(out, &iv[i].introduced);
        else
            csec_buf_puts(out, "0.0.0-0");
        if (iv[i].has_fixed) {
            csec_buf_puts(out, ", fixed ");
            csec_version_write(out, &iv[i].fixed);
        }
    }
}

/* Checks every version of every `key` line for membership == expect. */
static int check_members(const spec_block *b, const char *key, bool expect,
                         const csec_interval *iv, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->lines[i].key, key) != 0)
            continue;
        char copy[SPEC_MAX_VALUE];
        memcpy(copy, b->lines[i].value, b->lines[i].len + 1);
        for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
            csec_version v;
            csec_diag d;
            if (csec_version_parse(&v, w, strlen(w), &d) < 0) {
                fprintf(stderr, "  range.txt:%d: bad version %s: %s\n", b->lines[i].line, w,
                        d.msg);
                bad++;
                continue;
            }
            if (csec__intervals_contain(iv, n, &v) != expect) {
                fprintf(stderr, "  range.txt:%d: %s should be %s\n", b->lines[i].line, w,
                        expect ? "affected" : "safe");
                bad++;
            }
        }
    }
    return bad;
}

static int check_fail(const spec_block *b, int rc, int bad_list, size_t bad_index,
                      const csec_diag *d)
{
    const spec_line *err = csec_test_spec_get(b, "error");
    char got[512], want_head[64];
    if (!err) {
        fprintf(stderr, "  range.txt:%d: %%%%FAIL block without an error line\n", b->line);
        return 1;
    }
    if (rc != CSEC_EPARSE) {
        fprintf(stderr, "  range.txt:%d: accepted (rc %d), expected: %s\n", b->line, rc,
                err->value);
        return 1;
    }
    snprintf(want_head, sizeof want_head, "%s %zu ", bad_list ? "patched" : "unaffected",
             bad_index);
    snprintf(got, sizeof got, "%s%s", want_head, d->msg);
    if (strcmp(got, err->value) != 0) {
        fprintf(stderr, "  range.txt:%d:\n    got:      %s\n    expected: %s\n", err->line, got,
                err->value);
        return 1;
    }
    return 0;
}

static int check_block(const spec_block *b)
{
    const csec_req *unaff[MAX_REQS], *patch[MAX_REQS];
    csec_req *owned[2 * MAX_REQS];
    size_t nu = 0, np = 0, no = 0;
    int bad = 0;
    csec_arena arena = CSEC_ARENA_INIT;
    csec_buf text = CSEC_BUF_INIT;

    for (size_t i = 0; i < b->count; i++) {
        const spec_line *l = &b->lines[i];
        bool is_u = strcmp(l->key, "unaffected") == 0;
        if (!is_u && strcmp(l->key, "patched") != 0)
            continue;
        csec_req *r = NULL;
        csec_diag d;
        if (csec_req_parse(&r, l->value, l->len, &d) < 0 || no == 2 * MAX_REQS ||
            (is_u ? nu : np) == MAX_REQS) {
            fprintf(stderr, "  range.txt:%d: bad requirement `%s`: %s\n", l->line, l->value,
                    d.msg);
            csec_req_free(r);
            bad++;
            goto done;
        }
        owned[no++] = r;
        if (is_u)
            unaff[nu++] = r;
        else
            patch[np++] = r;
    }

    csec_interval *iv = NULL;
    size_t n = 0, bad_index = 999;
    int bad_list = -1;
    csec_diag d;
    csec__diag_clear(&d);
    int rc = csec__ranges_affected(&iv, &n, &arena, unaff, nu, patch, np, &bad_list, &bad_index,
                                   &d);
    if (b->fail) {
        bad += check_fail(b, rc, bad_list, bad_index, &d);
        goto done;
    }
    if (rc < 0) {
        fprintf(stderr, "  range.txt:%d: rejected: %s\n", b->line, d.msg);
        bad++;
        goto done;
    }

    const spec_line *want = csec_test_spec_get(b, "intervals");
    if (!want) {
        fprintf(stderr, "  range.txt:%d: block without an intervals line\n", b->line);
        bad++;
    } else {
        intervals_text(&text, iv, n);
        if (strcmp(text.ptr, want->value) != 0) {
            fprintf(stderr, "  range.txt:%d: intervals\n    got:      %s\n    expected: %s\n",
                    want->line, text.ptr, want->value);
            bad++;
        }
    }
    const spec_line *osv = csec_test_spec_get(b, "osv");
    if (osv) {
        csec_buf_clear(&text);
        events_text(&text, iv, n);
        if (strcmp(text.ptr ? text.ptr : "", osv->value) != 0) {
            fprintf(stderr, "  range.txt:%d: osv\n    got:      %s\n    expected: %s\n",
                    osv->line, text.ptr ? text.ptr : "", osv->value);
            bad++;
        }
    }
    /* Result versions carry no build metadata (spec §3.3) and are in order. */
    for (size_t i = 0; i < n; i++) {
        if ((iv[i].has_introduced && iv[i].introduced.build.len) ||
            (iv[i].has_fixed && iv[i].fixed.build.len) ||
            (iv[i].has_introduced && iv[i].has_fixed &&
             csec_version_cmp(&iv[i].introduced, &iv[i].fixed) > 0) ||
            (i && (!iv[i - 1].has_fixed || !iv[i].has_introduced ||
                   csec_version_cmp(&iv[i - 1].fixed, &iv[i].introduced) > 0))) {
            fprintf(stderr, "  range.txt:%d: interval %zu malformed or out of order\n", b->line,
                    i);
            bad++;
        }
    }
    bad += check_members(b, "affected", true, iv, n);
    bad += check_members(b, "safe", false, iv, n);
done:
    for (size_t i = 0; i < no; i++)
        csec_req_free(owned[i]);
    csec_buf_free(&text);
    csec__arena_free(&arena);
    return bad;
}

TEST(range, spec_file)
{
    size_t len;
    char *text = test_read(test_path(test_source_dir(), "tests/spec/range.txt"), &len);
    ASSERT(text != NULL);
    size_t pos = 0;
    int lineno = 0, bad = 0, cases = 0, fails = 0, members = 0;
    spec_block *b = malloc(sizeof *b);
    while (csec_test_spec_next(text, &pos, &lineno, b)) {
        bad += check_block(b);
        cases++;
        fails += b->fail;
        members += csec_test_spec_get(b, "affected") || csec_test_spec_get(b, "safe");
    }
    free(b);
    free(text);
    ASSERT_INT_EQ(bad, 0);
    ASSERT(cases >= 60); /* guards against the reader silently dropping blocks */
    ASSERT(fails >= 18);
    ASSERT(members >= 30);
}

static csec_version ver(const char *s)
{
    csec_version v;
    if (csec_version_parse(&v, s, strlen(s), NULL) < 0)
        abort();
    return v;
}

TEST(range, version_next)
{
    static const char *const cases[][2] = {
        {"1.2.3", "1.2.4-0"},           {"1.2.3+build", "1.2.4-0"},
        {"1.2.3-alpha1", "1.2.3-alpha1.0"}, {"1.2.3-9", "1.2.3-9.0"},
        {"0.0.0-0", "0.0.0-0.0"},       {"0.0.0", "0.0.1-0"},
    };
    csec_arena arena = CSEC_ARENA_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_version v = ver(cases[i][0]), n;
        csec__version_next(&n, &v, &arena);
        char *t = version_text(&n);
        int ok = strcmp(t, cases[i][1]) == 0;
        /* next(v) is strictly greater than v, and nothing lies in between
         * for the neighbours we can name. */
        csec_version w = v;
        w.build.len = 0;
        ok = ok && csec_version_cmp(&n, &w) > 0;
        if (!ok)
            fprintf(stderr, "  next(%s) = %s, expected %s\n", cases[i][0], t, cases[i][1]);
        csec_free(t);
        if (!ok) {
            csec__arena_free(&arena);
            FAIL_AT("csec__version_next");
        }
    }
    csec__arena_free(&arena);
}

/* ---- generated: affected == not unaffected, checked pointwise ---- */

/* Whether v (without build) lies in the unaffected interval of `r`, computed
 * straight from spec §2.4 step 1 (comparators padded with zeros). */
static bool unaffected_by(const csec_req *r, const csec_version *v0, csec_arena *arena)
{
    csec_version v = *v0;
    v.build.len = 0;
    for (size_t i = 0; i < r->count; i++) {
        const csec_comparator *c = &r->comparators[i];
        csec_version cv;
        memset(&cv, 0, sizeof cv);
        cv.major = c->major;
        cv.minor = c->has_minor ? c->minor : 0;
        cv.patch = c->has_patch ? c->patch : 0;
        cv.pre = c->pre;
        cv.build.ptr = "";
        int k = csec_version_cmp(&v, &cv);
        switch (c->op) {
        case CSEC_OP_GREATER:
            if (k <= 0)
                return false;
            break;
        case CSEC_OP_GREATER_EQ:
            if (k < 0)
                return false;
            break;
        case CSEC_OP_LESS:
            if (k >= 0)
                return false;
            break;
        case CSEC_OP_LESS_EQ:
            if (k > 0)
                return false;
            break;
        case CSEC_OP_EXACT:
            if (k != 0)
                return false;
            break;
        case CSEC_OP_CARET:
        case CSEC_OP_TILDE: {
            csec_version end;
            memset(&end, 0, sizeof end);
            end.build.ptr = "";
            end.pre.ptr = "0";
            end.pre.len = 1;
            if (c->op == CSEC_OP_TILDE && c->has_minor)
                end.major = c->major, end.minor = c->minor + 1;
            else if (c->op == CSEC_OP_TILDE || c->major > 0)
                end.major = c->major + 1;
            else if (c->has_minor && c->minor == 0 && c->has_patch)
                end.patch = c->patch + 1;
            else if (c->has_minor)
                end.minor = c->minor + 1;
            else
                end.major = 1;
            if (k < 0 || csec_version_cmp(&v, &end) >= 0)
                return false;
            break;
        }
        case CSEC_OP_WILDCARD:
            return false;
        }
    }
    (void)arena;
    return true;
}

TEST(range, complement_of_unaffected)
{
    static const char *const reqs[] = {
        ">= 1.2.3",      "< 1.0",           "<= 1.0.0",    "> 1.0.0",         "=1.0.0-alpha",
        "^0.2.3",        "^1.2",            "~1.2.3",      "^0.0.3",          ">= 2.0, < 2.5",
        "> 0",           ">= 0",            "< 0.9.0-rc.1", ">= 3.0.0-beta.1", "1.4.0",
        ">1.5, <=1.7.2", "=2.0.0",          "~0",          "<= 0.3.0-5",      "*",
    };
    static const char *const versions[] = {
        "0.0.0-0", "0.0.0",       "0.0.1-0",   "0.2.2",       "0.2.3",      "0.2.9",
        "0.3.0-0", "0.9.0-rc.1",  "0.9.0",     "1.0.0-alpha", "1.0.0-alpha.0",
        "1.0.0",   "1.0.0+b",     "1.0.1-0",   "1.2.2",       "1.2.3-x",    "1.2.3",
        "1.3.0-0", "1.4.0",       "1.5.0",     "1.5.1",       "1.7.2",      "1.7.3-0",
        "2.0.0-0", "2.0.0",       "2.4.9",     "2.5.0",       "3.0.0-beta.1", "3.0.0",
        "0.3.0-5", "0.3.0-5.0",   "99.0.0",
    };
    const size_t nr = sizeof reqs / sizeof reqs[0], nv = sizeof versions / sizeof versions[0];
    csec_req *parsed[sizeof reqs / sizeof reqs[0]];
    for (size_t i = 0; i < nr; i++)
        if (csec_req_parse(&parsed[i], reqs[i], strlen(reqs[i]), NULL) < 0)
            FAIL_AT("cannot parse %s", reqs[i]);
    int checked = 0, accepted = 0, bad = 0;
    /* Every ordered pair and triple (as unaffected + patched lists). */
    for (size_t a = 0; a < nr && !bad; a++)
        for (size_t b = 0; b < nr && !bad; b++)
            for (size_t c = 0; c <= nr && !bad; c++) {
                const csec_req *u[1] = {parsed[a]};
                const csec_req *p[2] = {parsed[b], c < nr ? parsed[c] : NULL};
                csec_arena arena = CSEC_ARENA_INIT;
                csec_interval *iv;
                size_t n;
                size_t np = c < nr ? 2 : 1;
                if (csec__ranges_affected(&iv, &n, &arena, u, 1, p, np, NULL, NULL, NULL) == 0) {
                    accepted++;
                    for (size_t k = 0; k < nv; k++) {
                        csec_version v = ver(versions[k]);
                        bool unaff = unaffected_by(u[0], &v, &arena) ||
                                     unaffected_by(p[0], &v, &arena) ||
                                     (np == 2 && unaffected_by(p[1], &v, &arena));
                        checked++;
                        if (csec__intervals_contain(iv, n, &v) == unaff) {
                            fprintf(stderr, "  %s | %s | %s: %s wrong\n", reqs[a], reqs[b],
                                    c < nr ? reqs[c] : "-", versions[k]);
                            bad++;
                            break;
                        }
                    }
                }
                csec__arena_free(&arena);
            }
    for (size_t i = 0; i < nr; i++)
        csec_req_free(parsed[i]);
    ASSERT_INT_EQ(bad, 0);
    ASSERT(accepted > 500);
    ASSERT(checked > 10000);
}
