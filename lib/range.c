/* range.c - RustSec's "is version V affected" algorithm (spec §2.4): every
 * `unaffected` and `patched` requirement becomes one interval of unaffected
 * versions; the gaps between them are the affected intervals, which are also
 * what the OSV export writes (spec §3.3).
 *
 * rustsec deliberately does not use requirement matching (§2.3) here, and
 * its conversion pads partial versions with zeros; both quirks are kept
 * because the published data depends on them. */
#include "range.h"
#include "semver.h"

#include <stdlib.h>
#include <string.h>

typedef enum bound_kind { UNBOUNDED, INCLUSIVE, EXCLUSIVE } bound_kind;

typedef struct bound {
    bound_kind kind;
    csec_version v; /* pre points into the requirement or at a static "0" */
} bound;

/* One unaffected interval and the requirement it came from. */
typedef struct urange {
    bound start;
    bound end;
    const csec_req *req;
    int list; /* 0 unaffected, 1 patched */
    size_t index;
} urange;

static const char zero_pre[] = "0";

/* rustsec's "bound order" a <= b, used by the validity and overlap checks:
 * an unbounded side is always fine; equal versions only count when both
 * bounds include them. */
static bool bound_le(const bound *a, const bound *b)
{
    if (a->kind == UNBOUNDED || b->kind == UNBOUNDED)
        return true;
    int c = csec_version_cmp(&a->v, &b->v);
    if (c < 0)
        return true;
    return c == 0 && a->kind == INCLUSIVE && b->kind == INCLUSIVE;
}

static bool overlaps(const urange *a, const urange *b)
{
    return bound_le(&a->start, &b->end) && bound_le(&b->start, &a->end);
}

/* A comparator as a version: missing minor/patch become 0, build empty. */
static csec_version comparator_version(const csec_comparator *c)
{
    return (csec_version){
        c->major, c->has_minor ? c->minor : 0, c->has_patch ? c->patch : 0, c->pre, {"", 0}};
}

static csec_version lowest(uint64_t major, uint64_t minor, uint64_t patch)
{
    return (csec_version){major, minor, patch, {zero_pre, 1}, {"", 0}};
}

static int range_error(csec_diag *d, const csec_req *r, const char *what)
{
    char text[160];
    return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0, "%s: `%s`", what,
                          csec__req_display(text, sizeof text, r));
}

/* The upper bound of "^c" (spec §2.4 step 1), before "-0" is added.
 * Returns false if a component would overflow u64. */
static bool caret_end(const csec_comparator *c, csec_version *end)
{
    if (c->major > 0) {
        if (c->major == UINT64_MAX)
            return false;
        *end = lowest(c->major + 1, 0, 0);
    } else if (c->has_minor && c->minor == 0 && c->has_patch) {
        if (c->patch == UINT64_MAX)
            return false;
        *end = lowest(0, 0, c->patch + 1);
    } else if (c->has_minor) {
        if (c->minor == UINT64_MAX)
            return false;
        *end = lowest(0, c->minor + 1, 0);
    } else {
        *end = lowest(1, 0, 0);
    }
    return true;
}

static bool tilde_end(const csec_comparator *c, csec_version *end)
{
    if (c->has_minor) {
        if (c->minor == UINT64_MAX)
            return false;
        *end = lowest(c->major, c->minor + 1, 0);
    } else {
        if (c->major == UINT64_MAX)
            return false;
        *end = lowest(c->major + 1, 0, 0);
    }
    return true;
}

/* Step 1: one requirement -> one unaffected interval. */
static int req_to_range(urange *out, const csec_req *r, csec_diag *d)
{
    out->start.kind = out->end.kind = UNBOUNDED;
    out->req = r;
    if (r->count > 2)
        return range_error(d, r, "Too many comparators (at most 2 are supported)");
    for (size_t i = 0; i < r->count; i++) {
        const csec_comparator *c = &r->comparators[i];
        csec_version cv = comparator_version(c);
        bool ok = true;
        switch (c->op) {
        case CSEC_OP_GREATER:
        case CSEC_OP_GREATER_EQ:
            if (out->start.kind != UNBOUNDED)
                return range_error(d, r, "More than one lower bound in the same range");
            out->start.kind = c->op == CSEC_OP_GREATER ? EXCLUSIVE : INCLUSIVE;
            out->start.v = cv;
            break;
        case CSEC_OP_LESS:
        case CSEC_OP_LESS_EQ:
            if (out->end.kind != UNBOUNDED)
                return range_error(d, r, "More than one upper bound in the same range");
            out->end.kind = c->op == CSEC_OP_LESS ? EXCLUSIVE : INCLUSIVE;
            out->end.v = cv;
            break;
        case CSEC_OP_EXACT:
        case CSEC_OP_CARET:
        case CSEC_OP_TILDE:
            if (r->count != 1)
                return range_error(d, r,
                                   c->op == CSEC_OP_EXACT   ? "`=` must be the only comparator"
                                   : c->op == CSEC_OP_CARET ? "`^` must be the only comparator"
                                                            : "`~` must be the only comparator");
            out->start.kind = INCLUSIVE;
            out->start.v = cv;
            if (c->op == CSEC_OP_EXACT) {
                out->end = out->start;
                break;
            }
            out->end.kind = EXCLUSIVE;
            ok = c->op == CSEC_OP_CARET ? caret_end(c, &out->end.v) : tilde_end(c, &out->end.v);
            if (!ok)
                return range_error(d, r, "Version number overflow in the upper bound");
            break;
        case CSEC_OP_WILDCARD:
            return range_error(d, r, "Unsupported operator (wildcards are not allowed here)");
        }
    }
    if (!bound_le(&out->start, &out->end))
        return range_error(d, r, "Invalid range (start is above end)");
    return 0;
}

/* Unbounded starts first, then by start version; equal starts compare equal
 * (they are reported as an error after sorting). */
static int start_cmp(const urange *a, const urange *b)
{
    if (a->start.kind == UNBOUNDED || b->start.kind == UNBOUNDED)
        return (b->start.kind == UNBOUNDED) - (a->start.kind == UNBOUNDED);
    return csec_version_cmp(&a->start.v, &b->start.v);
}

/* A stable bottom-up merge sort: n may be large for a pathological advisory,
 * and qsort cannot be told that equal keys are an error. */
static void sort_ranges(urange *a, size_t n)
{
    urange *tmp = csec__xmalloc(csec__mul(n ? n : 1, sizeof *tmp));
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = start_cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
    free(tmp);
}

/* Whether the sorted list has strictly increasing starts and no adjacent
 * overlap.  For valid intervals that is equivalent to "no pair overlaps and
 * no two starts are equal", which is what steps 2-3 need. */
static bool sorted_is_disjoint(const urange *a, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (start_cmp(&a[i], &a[i + 1]) >= 0 || overlaps(&a[i], &a[i + 1]))
            return false;
    }
    return true;
}

/* Reports the problem in rustsec's order: the first overlapping pair in list
 * order (unaffected, then patched), else a pair of equal starts. */
static int report_conflict(const urange *list, const urange *sorted, size_t n, int *bad_list,
                           size_t *bad_index, csec_diag *d)
{
    const urange *a = NULL, *b = NULL;
    const char *what = "Overlapping version ranges";
    for (size_t i = 0; i + 1 < n && !a; i++)
        for (size_t j = i + 1; j < n; j++)
            if (overlaps(&list[i], &list[j])) {
                a = &list[i];
                b = &list[j];
                break;
            }
    if (!a) {
        what = "Version ranges start at the same version";
        for (size_t i = 0; i + 1 < n && !a; i++)
            if (start_cmp(&sorted[i], &sorted[i + 1]) == 0) {
                bool later = sorted[i].list > sorted[i + 1].list ||
                             (sorted[i].list == sorted[i + 1].list &&
                              sorted[i].index > sorted[i + 1].index);
                a = later ? &sorted[i + 1] : &sorted[i];
                b = later ? &sorted[i] : &sorted[i + 1];
            }
    }
    if (!a) /* unreachable for valid intervals; keep untrusted input safe */
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0, "Inconsistent version ranges");
    if (bad_list)
        *bad_list = b->list;
    if (bad_index)
        *bad_index = b->index;
    char ta[112], tb[112];
    return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 0, "%s: `%s` and `%s`", what,
                          csec__req_display(ta, sizeof ta, a->req),
                          csec__req_display(tb, sizeof tb, b->req));
}

/* next(v) when it exists within u64; false when v is M.m.<u64 max>. */
static bool next_fits(const csec_version *v)
{
    return v->pre.len || v->patch != UINT64_MAX;
}

void csec__version_next(csec_version *out, const csec_version *v, csec_arena *arena)
{
    csec_version n = {v->major, v->minor, v->patch, {"", 0}, {"", 0}};
    if (v->pre.len) {
        char *pre = csec__arena_alloc(arena, v->pre.len + 3);
        memcpy(pre, v->pre.ptr, v->pre.len);
        memcpy(pre + v->pre.len, ".0", 3);
        n.pre.ptr = pre;
        n.pre.len = v->pre.len + 2;
    } else {
        /* M.m.(p+1)-0; past u64 the next release line is the next minor
         * (callers that mirror rustsec reject that case before). */
        if (n.patch != UINT64_MAX) {
            n.patch++;
        } else if (n.minor != UINT64_MAX) {
            n.minor++;
            n.patch = 0;
        } else {
            n.major++;
            n.minor = n.patch = 0;
        }
        n.pre.ptr = csec__arena_strndup(arena, "0", 1);
        n.pre.len = 1;
    }
    *out = n;
}

/* The version an affected interval starts at after unaffected bound `b` (an
 * end), or ends at before `b` (a start): the bound itself when it excludes
 * its version from the unaffected side, else next(v). */
static void edge(csec_version *out, const bound *b, bool b_is_end, csec_arena *arena)
{
    bool take_next = b_is_end ? b->kind == INCLUSIVE : b->kind == EXCLUSIVE;
    if (take_next)
        csec__version_next(out, &b->v, arena);
    else
        csec__version_copy(out, &b->v, arena);
    out->build.ptr = "";
    out->build.len = 0;
}

static bool edge_fits(const bound *b, bool b_is_end)
{
    bool take_next = b_is_end ? b->kind == INCLUSIVE : b->kind == EXCLUSIVE;
    return b->kind == UNBOUNDED || !take_next || next_fits(&b->v);
}

int csec__ranges_affected(csec_interval **out, size_t *count, csec_arena *arena,
                          const csec_req *const *unaffected, size_t n_unaffected,
                          const csec_req *const *patched, size_t n_patched, int *bad_list,
                          size_t *bad_index, csec_diag *d)
{
    size_t n = n_unaffected + n_patched;
    urange *list = NULL, *sorted = NULL;
    csec_interval *iv = NULL;
    size_t k = 0;
    int err = 0;
    *out = NULL;
    *count = 0;

    if (n == 0) {
        /* Nothing is known to be unaffected: every version is affected. */
        *out = csec__arena_alloc(arena, sizeof **out);
        *count = 1;
        return 0;
    }
    list = csec__xmalloc(csec__mul(n, sizeof *list));
    sorted = csec__xmalloc(csec__mul(n, sizeof *sorted));
    for (size_t i = 0; i < n; i++) {
        bool is_unaffected = i < n_unaffected;
        const csec_req *r = is_unaffected ? unaffected[i] : patched[i - n_unaffected];
        memset(&list[i], 0, sizeof list[i]);
        list[i].list = is_unaffected ? 0 : 1;
        list[i].index = is_unaffected ? i : i - n_unaffected;
        err = req_to_range(&list[i], r, d);
        /* The intervals' versions must have a next() inside u64 wherever
         * step 4 will need one; rustsec would overflow there. */
        if (err == 0 && (!edge_fits(&list[i].start, false) || !edge_fits(&list[i].end, true)))
            err = range_error(d, r, "Version number overflow computing the next version");
        if (err < 0) {
            if (bad_list)
                *bad_list = list[i].list;
            if (bad_index)
                *bad_index = list[i].index;
            goto done;
        }
    }
    memcpy(sorted, list, n * sizeof *list);
    sort_ranges(sorted, n);
    if (!sorted_is_disjoint(sorted, n)) {
        err = report_conflict(list, sorted, n, bad_list, bad_index, d);
        goto done;
    }

    size_t total = (n - 1) + (sorted[0].start.kind != UNBOUNDED) +
                   (sorted[n - 1].end.kind != UNBOUNDED);
    iv = total ? csec__arena_alloc(arena, csec__mul(total, sizeof *iv)) : NULL;
    if (sorted[0].start.kind != UNBOUNDED) {
        iv[k].has_fixed = true;
        edge(&iv[k].fixed, &sorted[0].start, false, arena);
        k++;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        /* Disjoint and sorted: only the first start and the last end can be
         * unbounded, so both edges here are versions. */
        iv[k].has_introduced = iv[k].has_fixed = true;
        edge(&iv[k].introduced, &sorted[i].end, true, arena);
        edge(&iv[k].fixed, &sorted[i + 1].start, false, arena);
        k++;
    }
    if (sorted[n - 1].end.kind != UNBOUNDED) {
        iv[k].has_introduced = true;
        edge(&iv[k].introduced, &sorted[n - 1].end, true, arena);
        k++;
    }
    *out = iv;
    *count = k;
done:
    free(sorted);
    free(list);
    return err;
}

bool csec__intervals_contain(const csec_interval *iv, size_t count, const csec_version *v)
{
    for (size_t i = 0; i < count; i++) {
        if (iv[i].has_introduced && csec_version_cmp(v, &iv[i].introduced) < 0)
            continue;
        if (iv[i].has_fixed && csec_version_cmp(v, &iv[i].fixed) >= 0)
            continue;
        return true;
    }
    return false;
}
