/* cvss.c - CVSS v2, v3.0/3.1 and v4.0 vectors: parse, canonical form and base score
 * (spec §1.9.4).
 *
 * Every version shares one tokenizer ("/"-separated "ID:VALUE" components, ID
 * and value compared ASCII case-insensitively) and one table-driven metric
 * parser; only the metric tables and the score functions differ.
 *
 * v3 accepts the eight base metrics only.  The spec (§1.9.4) gives the
 * canonical display as "the present metrics in the order AV, AC, PR, UI, S, C,
 * I, A" and says an unknown metric is an error, so temporal (E, RL, RC) and
 * environmental (CR, MAV, ...) metrics are rejected as unknown; no advisory in
 * the database uses them.  v2 follows the same rule with its six base metrics,
 * all of which are mandatory there (FIRST v2 defines no partial base vector).
 *
 * The v4.0 score is FIRST's macro-vector algorithm (CVSS v4.0 specification,
 * section 8, as its reference calculator implements it), with the data tables
 * generated into cvss40_tables.h by tools/gen_cvss40.py.  The arithmetic is
 * done in the same order as the reference so that floating-point results, and
 * hence the rounding of borderline scores, agree with it. */
#include "cvss.h"

#include "cvss40_tables.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One metric: its canonical id and the canonical spelling of each value,
 * NULL-terminated.  The index of a value in `values` is what the parser stores. */
typedef struct metric_def {
    const char *name;
    const char *const *values;
} metric_def;

#define METRIC_MAX 32

/* ---- v2 (FIRST CVSS v2 guide, section 3.2.1) ---- */

static const char *const v2_av[] = {"L", "A", "N", NULL};
static const char *const v2_ac[] = {"H", "M", "L", NULL};
static const char *const v2_au[] = {"M", "S", "N", NULL};
static const char *const v2_cia[] = {"N", "P", "C", NULL};

static const metric_def v2_metrics[] = {
    {"AV", v2_av}, {"AC", v2_ac}, {"Au", v2_au}, {"C", v2_cia}, {"I", v2_cia}, {"A", v2_cia},
};
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, V2_COUNT };

/* ---- v3.x base (spec §1.9.4) ---- */

static const char *const v3_av[] = {"N", "A", "L", "P", NULL};
static const char *const v3_ac[] = {"L", "H", NULL};
static const char *const v3_pr[] = {"N", "L", "H", NULL};
static const char *const v3_ui[] = {"N", "R", NULL};
static const char *const v3_s[] = {"U", "C", NULL};
static const char *const v3_cia[] = {"H", "L", "N", NULL};

static const metric_def v3_metrics[] = {
    {"AV", v3_av}, {"AC", v3_ac}, {"PR", v3_pr}, {"UI", v3_ui},
    {"S", v3_s},   {"C", v3_cia}, {"I", v3_cia}, {"A", v3_cia},
};
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A, V3_COUNT };

/* ---- v4.0 (FIRST CVSS v4.0 specification, section 7) ---- */

static const char *const v4_av[] = {"N", "A", "L", "P", NULL};
static const char *const v4_ac[] = {"L", "H", NULL};
static const char *const v4_at[] = {"N", "P", NULL};
static const char *const v4_pr[] = {"N", "L", "H", NULL};
static const char *const v4_ui[] = {"N", "P", "A", NULL};
static const char *const v4_hln[] = {"H", "L", "N", NULL};
static const char *const v4_e[] = {"X", "A", "P", "U", NULL};
static const char *const v4_req[] = {"X", "H", "M", "L", NULL};
static const char *const v4_mav[] = {"X", "N", "A", "L", "P", NULL};
static const char *const v4_mac[] = {"X", "L", "H", NULL};
static const char *const v4_mat[] = {"X", "N", "P", NULL};
static const char *const v4_mpr[] = {"X", "N", "L", "H", NULL};
static const char *const v4_mui[] = {"X", "N", "P", "A", NULL};
static const char *const v4_mhln[] = {"X", "H", "L", "N", NULL};
static const char *const v4_mshln[] = {"X", "S", "H", "L", "N", NULL};
static const char *const v4_s[] = {"X", "N", "P", NULL};
static const char *const v4_au[] = {"X", "N", "Y", NULL};
static const char *const v4_r[] = {"X", "A", "U", "I", NULL};
static const char *const v4_v[] = {"X", "D", "C", NULL};
static const char *const v4_re[] = {"X", "L", "M", "H", NULL};
static const char *const v4_u[] = {"X", "Clear", "Green", "Amber", "Red", NULL};

/* In canonical display order.  The modified metrics MAV..MSA are in the same
 * order as the base metrics AV..SA they override (V4_MAV + i overrides i). */
static const metric_def v4_metrics[] = {
    {"AV", v4_av},     {"AC", v4_ac},      {"AT", v4_at},      {"PR", v4_pr},
    {"UI", v4_ui},     {"VC", v4_hln},     {"VI", v4_hln},     {"VA", v4_hln},
    {"SC", v4_hln},    {"SI", v4_hln},     {"SA", v4_hln},     {"E", v4_e},
    {"CR", v4_req},    {"IR", v4_req},     {"AR", v4_req},     {"MAV", v4_mav},
    {"MAC", v4_mac},   {"MAT", v4_mat},    {"MPR", v4_mpr},    {"MUI", v4_mui},
    {"MVC", v4_mhln},  {"MVI", v4_mhln},   {"MVA", v4_mhln},   {"MSC", v4_mhln},
    {"MSI", v4_mshln}, {"MSA", v4_mshln},  {"S", v4_s},        {"AU", v4_au},
    {"R", v4_r},       {"V", v4_v},        {"RE", v4_re},      {"U", v4_u},
};
enum {
    V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA, V4_E,
    V4_CR, V4_IR, V4_AR, V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC, V4_MVI, V4_MVA,
    V4_MSC, V4_MSI, V4_MSA, V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U, V4_COUNT
};

/* The mandatory v4 base metrics, in the order rustsec checks them (which
 * decides the message when several are missing). */
static const int v4_mandatory[] = {V4_AC, V4_AT, V4_AV, V4_PR, V4_SA, V4_SC,
                                   V4_SI, V4_UI, V4_VA, V4_VC, V4_VI};

/* ---- tokenizer and metric parser ---- */

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Case-insensitive (ASCII) equality of s[0..n) and the NUL-terminated `name`. */
static int eq_nocase(const char *s, size_t n, const char *name)
{
    size_t i = 0;
    for (; i < n && name[i]; i++)
        if (upper(s[i]) != upper(name[i]))
            return 0;
    return i == n && name[i] == '\0';
}

static uint32_t col_of(size_t off)
{
    return off >= UINT32_MAX ? UINT32_MAX : (uint32_t)(off + 1);
}

/* Copies up to 40 bytes of s[0..n) into `out` for a message, replacing control
 * and non-ASCII bytes with '?' so diagnostics stay printable and valid UTF-8. */
static const char *show(char out[48], const char *s, size_t n)
{
    size_t k = n > 40 ? 40 : n;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (n > k) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* One "ID:VALUE" component located inside the vector. */
typedef struct component {
    size_t off; /* offset of the component in the vector */
    size_t len;
    size_t colon; /* offset of the ':' within the component */
} component;

/* Finds the component that starts at `off`; returns 0 unless it has exactly one ':'. */
static int component_at(component *c, const char *s, size_t len, size_t off)
{
    const char *slash = memchr(s + off, '/', len - off);
    size_t end = slash ? (size_t)(slash - s) : len;
    size_t colons = 0;
    c->off = off;
    c->len = end - off;
    c->colon = 0;
    for (size_t i = off; i < end; i++) {
        if (s[i] == ':') {
            if (colons++ == 0)
                c->colon = i - off;
        }
    }
    return colons == 1;
}

/* Parses the metrics of `s`, skipping `skip` leading components (the
 * "CVSS:x.y" head), into vals[] (value index, -1 when absent).  Like rustsec,
 * every component's shape is checked before any metric is interpreted, and
 * ids and values are matched ignoring case, unless `exact_case`: then they
 * must be spelled as FIRST's specification spells them. */
static int parse_metrics(int *vals, const metric_def *defs, size_t ndefs, const char *s, size_t len,
                         size_t skip, bool exact_case, csec_diag *d)
{
    char a[48];
    component c;
    for (size_t i = 0; i < ndefs; i++)
        vals[i] = -1;
    for (size_t off = 0;;) {
        if (!component_at(&c, s, len, off))
            return csec__diag_set(d, CSEC_EPARSE, NULL, 0, col_of(off),
                                  "malformed CVSS component `%s`", show(a, s + off, c.len));
        off += c.len;
        if (off >= len)
            break;
        off++;
    }
    size_t index = 0;
    for (size_t off = 0;; index++) {
        component_at(&c, s, len, off);
        if (index >= skip) {
            const char *id = s + c.off, *val = id + c.colon + 1;
            size_t idlen = c.colon, vallen = c.len - c.colon - 1;
            size_t m = 0;
            while (m < ndefs && !eq_nocase(id, idlen, defs[m].name))
                m++;
            if (m == ndefs)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, col_of(c.off),
                                      "unknown metric `%s`", show(a, id, idlen));
            int v = 0;
            while (defs[m].values[v] && !eq_nocase(val, vallen, defs[m].values[v]))
                v++;
            if (!defs[m].values[v])
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, col_of(c.off),
                                      "invalid value `%s` for CVSS metric `%s`",
                                      show(a, val, vallen), defs[m].name);
            if (exact_case && (memcmp(id, defs[m].name, idlen) != 0 ||
                               memcmp(val, defs[m].values[v], vallen) != 0))
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, col_of(c.off),
                                      "CVSS metric `%s` must be written `%s:%s` (upper case, as "
                                      "FIRST's specification writes it)",
                                      show(a, id, c.len), defs[m].name, defs[m].values[v]);
            if (vals[m] >= 0)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, col_of(c.off),
                                      "duplicate metric `%s`", defs[m].name);
            vals[m] = v;
        }
        off += c.len;
        if (off >= len)
            break;
        off++;
    }
    return 0;
}

/* Appends the NUL-terminated `s` at buf[*n]; the caller guarantees room. */
static void append(char *buf, size_t *n, const char *s)
{
    size_t k = strlen(s);
    memcpy(buf + *n, s, k);
    *n += k;
}

/* Writes `prefix` then "/ID:VALUE" for each present metric, in table order;
 * without a prefix (v2) the first separator is left out.  Plain copies, not
 * snprintf: this runs for every advisory with a vector on each load. */
static const char *canonical(csec_arena *arena, const char *prefix, const int *vals,
                             const metric_def *defs, size_t ndefs)
{
    /* The longest form is v4 with all 32 metrics (ids of at most 3 bytes,
     * values of at most 5, plus "/" and ":"): 8 + 32 * 10 bytes, under 512. */
    char buf[512];
    size_t n = 0;
    append(buf, &n, prefix);
    for (size_t i = 0; i < ndefs; i++) {
        if (vals[i] < 0)
            continue;
        if (n)
            buf[n++] = '/';
        append(buf, &n, defs[i].name);
        buf[n++] = ':';
        append(buf, &n, defs[i].values[vals[i]]);
    }
    return csec__arena_strndup(arena, buf, n);
}

/* ---- scores ---- */

static double v2_score(const int *v)
{
    static const double av[] = {0.395, 0.646, 1.0}, ac[] = {0.35, 0.61, 0.71},
                        au[] = {0.45, 0.56, 0.704}, cia[] = {0.0, 0.275, 0.660};
    double impact =
        10.41 * (1.0 - (1.0 - cia[v[V2_C]]) * (1.0 - cia[v[V2_I]]) * (1.0 - cia[v[V2_A]]));
    double expl = 20.0 * av[v[V2_AV]] * ac[v[V2_AC]] * au[v[V2_AU]];
    double f = impact == 0.0 ? 0.0 : 1.176;
    double x = ((0.6 * impact) + (0.4 * expl) - 1.5) * f;
    if (x < 0.0)
        x = 0.0;
    /* Round half up to one decimal; the nudge keeps a decimal tie that binary
     * floating point stores a hair below .x5 from rounding down. */
    return floor(x * 10.0 + 0.5 + 1e-9) / 10.0;
}

/* Roundup as spec §1.9.4 writes it (CVSS v3.1 Appendix A). */
static double v3_roundup(double x)
{
    long long i = (long long)(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (floor((double)i / 10000.0) + 1.0) / 10.0;
}

static double v3_score(const int *v)
{
    static const double av[] = {0.85, 0.62, 0.55, 0.2}, ac[] = {0.77, 0.44},
                        pr_u[] = {0.85, 0.62, 0.27}, pr_c[] = {0.85, 0.68, 0.5},
                        ui[] = {0.85, 0.62}, cia[] = {0.56, 0.22, 0.0};
    /* Every base metric is present (csec__cvss_parse refuses a vector without). */
    int changed = v[V3_S] == 1;
    double iss = 1.0 - (1.0 - cia[v[V3_C]]) * (1.0 - cia[v[V3_I]]) * (1.0 - cia[v[V3_A]]);
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15.0) : 6.42 * iss;
    double expl =
        8.22 * av[v[V3_AV]] * ac[v[V3_AC]] * (changed ? pr_c : pr_u)[v[V3_PR]] * ui[v[V3_UI]];
    if (impact <= 0.0)
        return 0.0;
    double x = changed ? fmin(1.08 * (impact + expl), 10.0) : fmin(impact + expl, 10.0);
    return v3_roundup(x);
}

/* The metrics that enter the v4 severity distance, in the order of
 * cvss40_levels (generated), plus E. */
enum { L_AV, L_PR, L_UI, L_AC, L_AT, L_VC, L_VI, L_VA, L_SC, L_SI, L_SA, L_CR, L_IR, L_AR, L_E,
       L_COUNT };

static char v4_letter(const int *v, int m)
{
    return v[m] < 0 ? 'X' : v4_metrics[m].values[v[m]][0];
}

/* The value the score uses for metric `m`: the reference calculator's m().
 * A modified metric other than X overrides its base metric; E defaults to
 * A (attacked) and CR/IR/AR to H, the worst cases. */
static char v4_effective(const int *v, int m)
{
    char c = v4_letter(v, m);
    if (m == V4_E)
        return c == 'X' ? 'A' : c;
    if (m == V4_CR || m == V4_IR || m == V4_AR)
        return c == 'X' ? 'H' : c;
    if (m <= V4_SA) {
        char mod = v4_letter(v, V4_MAV + m);
        if (mod != 'X')
            return mod;
    }
    return c;
}

static double v4_level(int l, char c)
{
    const char *p = strchr(cvss40_levels[l].letters, c);
    return (p && c) ? cvss40_levels[l].level[p - cvss40_levels[l].letters] : 0.0;
}

/* Score of macro-vector (e1..e6), or -1 when it does not exist. */
static double v4_macro(int e1, int e2, int e3, int e4, int e5, int e6)
{
    if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1)
        return -1.0;
    return cvss40_lookup[e1][e2][e3][e4][e5][e6];
}

/* Severity distances (current minus max) of the 14 distance metrics, from the
 * first highest-severity vector of the macro-vector that the current vector
 * does not exceed.  Returns the distances in dist[L_AV..L_AR]. */
static void v4_distances(double *dist, const char *eff, const int *eq)
{
    static const int order[L_E] = {L_AV, L_PR, L_UI, L_AC, L_AT, L_VC, L_VI,
                                   L_VA, L_CR, L_IR, L_AR, L_SC, L_SI, L_SA};
    const char *const *m1 = cvss40_max_eq1[eq[0]];
    const char *const *m2 = cvss40_max_eq2[eq[1]];
    const char *const *m3 = cvss40_max_eq3eq6[eq[2]][eq[5]];
    const char *const *m4 = cvss40_max_eq4[eq[3]];
    const char *const *m5 = cvss40_max_eq5[eq[4]];
    for (int i = 0; i < L_E; i++)
        dist[i] = 0.0;
    for (size_t a = 0; m1[a]; a++)
        for (size_t b = 0; m2[b]; b++)
            for (size_t c = 0; m3[c]; c++)
                for (size_t e = 0; m4[e]; e++)
                    for (size_t f = 0; m5[f]; f++) {
                        /* The max vector's letters in `order`: eq1 AV PR UI, eq2 AC
                         * AT, eq3eq6 VC VI VA CR IR AR, eq4 SC SI SA. */
                        char max[L_E];
                        memcpy(max, m1[a], 3);
                        memcpy(max + 3, m2[b], 2);
                        memcpy(max + 5, m3[c], 6);
                        memcpy(max + 11, m4[e], 3);
                        int ok = 1;
                        for (int k = 0; k < L_E; k++) {
                            int l = order[k];
                            dist[l] = v4_level(l, eff[l]) - v4_level(l, max[k]);
                            if (dist[l] < 0.0)
                                ok = 0;
                        }
                        if (ok)
                            return;
                    }
}

static double v4_score(const int *v)
{
    static const int from[L_COUNT] = {V4_AV, V4_PR, V4_UI, V4_AC, V4_AT, V4_VC, V4_VI, V4_VA,
                                      V4_SC, V4_SI, V4_SA, V4_CR, V4_IR, V4_AR, V4_E};
    char eff[L_COUNT];
    for (int l = 0; l < L_COUNT; l++)
        eff[l] = v4_effective(v, from[l]);
    char msi = v4_letter(v, V4_MSI), msa = v4_letter(v, V4_MSA);

    /* No impact on any system: the reference short-cuts to 0. */
    if (eff[L_VC] == 'N' && eff[L_VI] == 'N' && eff[L_VA] == 'N' && eff[L_SC] == 'N' &&
        eff[L_SI] == 'N' && eff[L_SA] == 'N')
        return 0.0;

    int eq[6];
    char av = eff[L_AV], pr = eff[L_PR], ui = eff[L_UI];
    if (av == 'N' && pr == 'N' && ui == 'N')
        eq[0] = 0;
    else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
        eq[0] = 1;
    else
        eq[0] = 2;
    eq[1] = (eff[L_AC] == 'L' && eff[L_AT] == 'N') ? 0 : 1;
    if (eff[L_VC] == 'H' && eff[L_VI] == 'H')
        eq[2] = 0;
    else if (eff[L_VC] == 'H' || eff[L_VI] == 'H' || eff[L_VA] == 'H')
        eq[2] = 1;
    else
        eq[2] = 2;
    if (msi == 'S' || msa == 'S')
        eq[3] = 0;
    else if (eff[L_SC] == 'H' || eff[L_SI] == 'H' || eff[L_SA] == 'H')
        eq[3] = 1;
    else
        eq[3] = 2;
    eq[4] = eff[L_E] == 'A' ? 0 : eff[L_E] == 'P' ? 1 : 2;
    eq[5] = ((eff[L_CR] == 'H' && eff[L_VC] == 'H') || (eff[L_IR] == 'H' && eff[L_VI] == 'H') ||
             (eff[L_AR] == 'H' && eff[L_VA] == 'H'))
                ? 0
                : 1;

    double value = v4_macro(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5]);
    if (value < 0.0)
        return 0.0; /* unreachable: EQ3=2 implies EQ6=1 */

    /* Scores of the next lower macro-vector along each EQ (-1: none). */
    double low1 = v4_macro(eq[0] + 1, eq[1], eq[2], eq[3], eq[4], eq[5]);
    double low2 = v4_macro(eq[0], eq[1] + 1, eq[2], eq[3], eq[4], eq[5]);
    double low36;
    if (eq[2] == 0 && eq[5] == 0) {
        /* Two ways down (to 01 or to 10): take the higher score. */
        double left = v4_macro(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1);
        double right = v4_macro(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]);
        low36 = (left >= 0.0 && right >= 0.0 && left > right) ? left : right;
    } else if (eq[2] == 1 && eq[5] == 0) {
        low36 = v4_macro(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1);
    } else if (eq[2] == 2) {
        low36 = -1.0; /* 21 -> 32 does not exist */
    } else {
        low36 = v4_macro(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]);
    }
    double low4 = v4_macro(eq[0], eq[1], eq[2], eq[3] + 1, eq[4], eq[5]);
    double low5 = v4_macro(eq[0], eq[1], eq[2], eq[3], eq[4] + 1, eq[5]);

    double dist[L_E];
    v4_distances(dist, eff, eq);
    double cur1 = dist[L_AV] + dist[L_PR] + dist[L_UI];
    double cur2 = dist[L_AC] + dist[L_AT];
    double cur36 = dist[L_VC] + dist[L_VI] + dist[L_VA] + dist[L_CR] + dist[L_IR] + dist[L_AR];
    double cur4 = dist[L_SC] + dist[L_SI] + dist[L_SA];

    const double step = 0.1;
    double max1 = cvss40_maxsev_eq1[eq[0]] * step;
    double max2 = cvss40_maxsev_eq2[eq[1]] * step;
    double max36 = cvss40_maxsev_eq3eq6[eq[2]][eq[5]] * step;
    double max4 = cvss40_maxsev_eq4[eq[3]] * step;

    /* Each existing lower macro-vector contributes its score gap times the
     * proportion of the class depth the vector sits below the class maximum. */
    int n = 0;
    double n1 = 0.0, n2 = 0.0, n36 = 0.0, n4 = 0.0, n5 = 0.0;
    if (low1 >= 0.0) {
        n++;
        n1 = (value - low1) * (cur1 / max1);
    }
    if (low2 >= 0.0) {
        n++;
        n2 = (value - low2) * (cur2 / max2);
    }
    if (low36 >= 0.0) {
        n++;
        n36 = (value - low36) * (cur36 / max36);
    }
    if (low4 >= 0.0) {
        n++;
        n4 = (value - low4) * (cur4 / max4);
    }
    if (low5 >= 0.0) {
        n++; /* the EQ5 proportion is always 0 */
        n5 = (value - low5) * 0.0;
    }
    double mean = n ? (n1 + n2 + n36 + n4 + n5) / n : 0.0;
    value -= mean;
    if (value < 0.0)
        value = 0.0;
    if (value > 10.0)
        value = 10.0;
    return round((value + 1e-6) * 10.0) / 10.0;
}

/* ---- public ---- */

csec_severity csec__cvss_severity(double score)
{
    if (score < 0.1)
        return CSEC_SEVERITY_NONE;
    if (score < 4.0)
        return CSEC_SEVERITY_LOW;
    if (score < 7.0)
        return CSEC_SEVERITY_MEDIUM;
    if (score < 9.0)
        return CSEC_SEVERITY_HIGH;
    return CSEC_SEVERITY_CRITICAL;
}

const char *csec_severity_name(csec_severity s)
{
    static const char *const names[] = {"none", "low", "medium", "high", "critical"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "none";
}

int csec__cvss_parse(csec_cvss *out, csec_arena *arena, const char *s, size_t len, csec_diag *d)
{
    char a[48];
    int vals[METRIC_MAX];
    int rc;
    memset(out, 0, sizeof *out);
    if (!s)
        len = 0;

    /* Dispatch (spec §1.9.4): the head before the first '/' is PREFIX:VERSION. */
    const char *slash = len ? memchr(s, '/', len) : NULL;
    if (!slash)
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "malformed CVSS vector `%s`",
                              show(a, s, len));
    size_t headlen = (size_t)(slash - s);
    const char *colon = memchr(s, ':', headlen);
    if (!colon)
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "malformed CVSS component `%s`",
                              show(a, s, headlen));
    size_t plen = (size_t)(colon - s);
    const char *ver = colon + 1;
    size_t vlen = headlen - plen - 1;

    if (!memchr(ver, '.', vlen)) {
        /* No dotted version: a bare v2 vector such as AV:N/AC:L/Au:N/C:P/I:P/A:P. */
        rc = parse_metrics(vals, v2_metrics, V2_COUNT, s, len, 0, false, d);
        if (rc < 0)
            return rc;
        for (int i = 0; i < V2_COUNT; i++)
            if (vals[i] < 0)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "missing base metric `%s`",
                                      v2_metrics[i].name);
        out->version = 2;
        out->canonical = canonical(arena, "", vals, v2_metrics, V2_COUNT);
        out->score = v2_score(vals);
    } else if (plen != 4 || memcmp(s, "CVSS", 4) != 0) {
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "invalid CVSS prefix `%s`",
                              show(a, s, plen));
    } else if (vlen == 3 && (memcmp(ver, "3.0", 3) == 0 || memcmp(ver, "3.1", 3) == 0)) {
        /* Stricter than rustsec, which upper-cases and scores a missing
         * metric as 0 (understating the score, so that a severity threshold
         * could hide the advisory): FIRST's form, every base metric. */
        rc = parse_metrics(vals, v3_metrics, V3_COUNT, s, len, 1, true, d);
        if (rc < 0)
            return rc;
        for (int i = 0; i < V3_COUNT; i++)
            if (vals[i] < 0)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "missing base metric `%s`",
                                      v3_metrics[i].name);
        out->version = ver[2] == '0' ? 30 : 31;
        out->canonical =
            canonical(arena, ver[2] == '0' ? "CVSS:3.0" : "CVSS:3.1", vals, v3_metrics, V3_COUNT);
        out->score = v3_score(vals);
    } else if (vlen == 3 && memcmp(ver, "4.0", 3) == 0) {
        rc = parse_metrics(vals, v4_metrics, V4_COUNT, s, len, 1, false, d);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < sizeof v4_mandatory / sizeof v4_mandatory[0]; i++)
            if (vals[v4_mandatory[i]] < 0)
                return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "missing base metric `%s`",
                                      v4_metrics[v4_mandatory[i]].name);
        out->version = 40;
        out->canonical = canonical(arena, "CVSS:4.0", vals, v4_metrics, V4_COUNT);
        out->score = v4_score(vals);
    } else {
        return csec__diag_set(d, CSEC_EPARSE, NULL, 0, 1, "unsupported CVSS version `%s`",
                              show(a, s, headlen));
    }
    out->severity = csec__cvss_severity(out->score);
    return 0;
}
