/* fuzz_semver.c - versions, requirements, matching and RustSec's interval
 * algorithm (spec §2.1-2.4) on lines split from the input.  Every line is
 * tried as a version and as a requirement; then:
 *   - versions: display -> parse round trip, cmp reflexive, antisymmetric and
 *     transitive (first few), next(v) above v with no parsed version between;
 *   - requirements: display -> parse gives the same display and the same
 *     matches on every parsed version;
 *   - the requirements (those starting with '!' go to `unaffected`, the rest
 *     to `patched`) run through csec__ranges_affected; when accepted, every
 *     parsed version (build dropped) and every interval edge is affected
 *     exactly when no requirement's unaffected interval (spec §2.4 step 1,
 *     computed here independently) holds it; when rejected, the error names
 *     a requirement that exists.
 * A violation aborts, so libFuzzer reports it. */
#include "range.h"
#include "semver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 24

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* Display form of a version into a fresh buffer. */
static void version_roundtrip(const csec_version *v)
{
    csec_buf b = CSEC_BUF_INIT;
    csec_version_write(&b, v);
    csec_version w;
    check(csec_version_parse(&w, b.ptr, b.len, NULL) == 0);
    check(csec_version_cmp(&w, v) == 0 && csec_version_cmp(v, &w) == 0);
    check(w.pre.len == v->pre.len && w.build.len == v->build.len);
    csec_buf_free(&b);
}

static void req_roundtrip(const csec_req *r, const csec_version *vs, size_t nv)
{
    csec_buf b1 = CSEC_BUF_INIT, b2 = CSEC_BUF_INIT;
    csec_req *again = NULL;
    csec_req_write(&b1, r);
    check(csec_req_parse(&again, b1.ptr, b1.len, NULL) == 0);
    csec_req_write(&b2, again);
    check(b1.len == b2.len && memcmp(b1.ptr, b2.ptr, b1.len) == 0);
    check(again->count == r->count);
    for (size_t i = 0; i < nv; i++)
        check(csec_req_matches(r, &vs[i]) == csec_req_matches(again, &vs[i]));
    /* The bounded display used in error messages is a prefix of the full one. */
    char small[24];
    csec__req_display(small, sizeof small, r);
    check(strncmp(small, b1.ptr, strlen(small)) == 0);
    csec_req_free(again);
    csec_buf_free(&b1);
    csec_buf_free(&b2);
}

/* Whether v (build already dropped) is in the unaffected interval of `r`,
 * straight from spec §2.4 step 1.  Only called for accepted requirements,
 * so the +1 below cannot overflow (the algorithm rejects those). */
static bool unaffected_by(const csec_req *r, const csec_version *v)
{
    for (size_t i = 0; i < r->count; i++) {
        const csec_comparator *c = &r->comparators[i];
        csec_version cv;
        memset(&cv, 0, sizeof cv);
        cv.major = c->major;
        cv.minor = c->has_minor ? c->minor : 0;
        cv.patch = c->has_patch ? c->patch : 0;
        cv.pre = c->pre;
        cv.build.ptr = "";
        int k = csec_version_cmp(v, &cv);
        csec_version end;
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
        case CSEC_OP_TILDE:
            memset(&end, 0, sizeof end);
            end.build.ptr = "";
            end.pre.ptr = "0";
            end.pre.len = 1;
            if (c->op == CSEC_OP_TILDE && c->has_minor) {
                end.major = c->major;
                end.minor = c->minor + 1;
            } else if (c->op == CSEC_OP_TILDE || c->major > 0) {
                end.major = c->major + 1;
            } else if (c->has_minor && c->minor == 0 && c->has_patch) {
                end.patch = c->patch + 1;
            } else if (c->has_minor) {
                end.minor = c->minor + 1;
            } else {
                end.major = 1;
            }
            if (k < 0 || csec_version_cmp(v, &end) >= 0)
                return false;
            break;
        case CSEC_OP_WILDCARD:
            abort(); /* the algorithm rejects wildcards */
        }
    }
    return true;
}

static void check_point(const csec_interval *iv, size_t n, const csec_req *const *reqs,
                        size_t nr, const csec_version *v0)
{
    csec_version v = *v0;
    v.build.len = 0;
    bool unaff = false;
    for (size_t i = 0; i < nr && !unaff; i++)
        unaff = unaffected_by(reqs[i], &v);
    check(csec__intervals_contain(iv, n, &v) == !unaff);
}

static void check_ranges(const csec_req *const *reqs, const bool *is_unaff, size_t nr,
                         const csec_version *vs, size_t nv)
{
    const csec_req *u[MAX_LINES], *p[MAX_LINES];
    size_t nu = 0, np = 0;
    for (size_t i = 0; i < nr; i++) {
        if (is_unaff[i])
            u[nu++] = reqs[i];
        else
            p[np++] = reqs[i];
    }
    csec_arena arena = CSEC_ARENA_INIT;
    csec_interval *iv = NULL;
    size_t n = 0, bad_index = SIZE_MAX;
    int bad_list = -1;
    csec_diag d;
    int rc = csec__ranges_affected(&iv, &n, &arena, u, nu, p, np, &bad_list, &bad_index, &d);
    if (rc < 0) {
        check(rc == CSEC_EPARSE && d.msg[0] && iv == NULL && n == 0);
        check((bad_list == 0 && bad_index < nu) || (bad_list == 1 && bad_index < np));
        goto done;
    }
    check(nr == 0 || n <= nr + 1);
    for (size_t i = 0; i < n; i++) {
        check(!iv[i].has_introduced || iv[i].introduced.build.len == 0);
        check(!iv[i].has_fixed || iv[i].fixed.build.len == 0);
        if (iv[i].has_introduced && iv[i].has_fixed)
            check(csec_version_cmp(&iv[i].introduced, &iv[i].fixed) <= 0);
        if (i) {
            check(iv[i - 1].has_fixed && iv[i].has_introduced);
            check(csec_version_cmp(&iv[i - 1].fixed, &iv[i].introduced) <= 0);
        }
        if (iv[i].has_introduced) {
            check_point(iv, n, reqs, nr, &iv[i].introduced);
            version_roundtrip(&iv[i].introduced);
        }
        if (iv[i].has_fixed) {
            check_point(iv, n, reqs, nr, &iv[i].fixed);
            version_roundtrip(&iv[i].fixed);
        }
    }
    for (size_t i = 0; i < nv; i++)
        check_point(iv, n, reqs, nr, &vs[i]);
done:
    csec__arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    csec_version vs[MAX_LINES];
    csec_req *reqs[MAX_LINES];
    bool is_unaff[MAX_LINES];
    size_t nv = 0, nr = 0, pos = 0;
    csec_diag d;
    if (size > 4096)
        return 0;
    for (size_t line = 0; line < MAX_LINES && pos <= size; line++) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
        const char *l = s + pos;
        pos += len + 1;
        csec_version v;
        if (csec_version_parse(&v, l, len, &d) == 0)
            vs[nv++] = v;
        else
            check(d.code == CSEC_EPARSE && d.msg[0] && d.col >= 1 && d.col <= len + 1);
        bool u = len > 0 && l[0] == '!';
        csec_req *r = NULL;
        if (csec_req_parse(&r, l + u, len - u, &d) == 0) {
            check(r != NULL);
            is_unaff[nr] = u;
            reqs[nr++] = r;
        } else {
            check(r == NULL && d.code == CSEC_EPARSE && d.msg[0]);
        }
        if (!nl)
            break;
    }

    for (size_t i = 0; i < nv; i++) {
        version_roundtrip(&vs[i]);
        check(csec_version_cmp(&vs[i], &vs[i]) == 0);
        for (size_t j = 0; j < nv; j++) {
            int ij = sign(csec_version_cmp(&vs[i], &vs[j]));
            check(ij == -sign(csec_version_cmp(&vs[j], &vs[i])));
            for (size_t k = 0; k < nv && k < 6 && i < 6 && j < 6; k++) {
                int jk = sign(csec_version_cmp(&vs[j], &vs[k]));
                if (ij == jk && ij != 0)
                    check(sign(csec_version_cmp(&vs[i], &vs[k])) == ij);
            }
        }
        /* next(v): strictly above v, and nothing parsed lies in between. */
        if (vs[i].pre.len || vs[i].patch != UINT64_MAX) {
            csec_arena arena = CSEC_ARENA_INIT;
            csec_version base = vs[i], next;
            base.build.len = 0;
            csec__version_next(&next, &base, &arena);
            check(csec_version_cmp(&next, &base) > 0);
            version_roundtrip(&next);
            for (size_t j = 0; j < nv; j++) {
                csec_version w = vs[j];
                w.build.len = 0;
                check(!(csec_version_cmp(&w, &base) > 0 && csec_version_cmp(&w, &next) < 0));
            }
            csec__arena_free(&arena);
        }
    }
    for (size_t i = 0; i < nr; i++)
        req_roundtrip(reqs[i], vs, nv);
    check_ranges((const csec_req *const *)reqs, is_unaff, nr, vs, nv);
    for (size_t i = 0; i < nr; i++)
        csec_req_free(reqs[i]);
    return 0;
}
