/* test_cvss.c - CVSS parsing, canonical display and base scores (spec §1.9.4). */
#include "harness.h"

#include "cvss.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>

/* Parses `s`; returns the csec__cvss_parse result and fills *out / *d. The
 * canonical string lives in `arena`. */
static int parse(csec_cvss *out, csec_arena *arena, const char *s, csec_diag *d)
{
    memset(d, 0, sizeof *d);
    return csec__cvss_parse(out, arena, s, strlen(s), d);
}

/* Scores are one-decimal values; compare them in tenths to avoid float noise. */
static long tenths(double x)
{
    return lround(x * 10.0);
}

typedef struct known {
    const char *vector;
    double score;
} known;

/* Scores published by FIRST's calculators (and NVD for v2/v3) for common vectors. */
static const known known_scores[] = {
    /* v3.x base (CVSS v3.1 specification, section 7.1 formula). */
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
    {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9},
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5},
    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1},
    {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5},
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3},
    {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
    /* v4.0 (FIRST macro-vector algorithm). */
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7},
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.2},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7},
    /* v2 base (FIRST CVSS v2 guide, section 3.2.1). */
    {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
    {"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
    {"AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8},
    {"AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0},
    {"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2},
    {"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3},
};

TEST(cvss, known_scores)
{
    for (size_t i = 0; i < sizeof known_scores / sizeof known_scores[0]; i++) {
        csec_arena arena = CSEC_ARENA_INIT;
        csec_cvss c;
        csec_diag d;
        const known *k = &known_scores[i];
        int rc = parse(&c, &arena, k->vector, &d);
        if (rc != 0) {
            csec__arena_free(&arena);
            FAIL_AT("%s: %s", k->vector, d.msg);
        }
        long got = tenths(c.score), want = tenths(k->score);
        csec_severity sev = c.severity;
        int same = strcmp(c.canonical, k->vector) == 0;
        csec__arena_free(&arena);
        if (got != want)
            FAIL_AT("%s: score %.1f, expected %.1f", k->vector, got / 10.0, k->score);
        ASSERT_INT_EQ(sev, csec__cvss_severity(k->score));
        ASSERT(same);
    }
}

TEST(cvss, versions)
{
    static const struct {
        const char *s;
        int version;
    } cases[] = {
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 2},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 30},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 31},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 40},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csec_arena arena = CSEC_ARENA_INIT;
        csec_cvss c;
        csec_diag d;
        int rc = parse(&c, &arena, cases[i].s, &d);
        csec__arena_free(&arena);
        ASSERT_INT_EQ(rc, 0);
        ASSERT_INT_EQ(c.version, cases[i].version);
    }
}

/* Checks that `in` parses and displays as `want`. */
static int canon_is(const char *in, const char *want, char *got, size_t n)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_cvss c;
    csec_diag d;
    int ok = parse(&c, &arena, in, &d) == 0;
    snprintf(got, n, "%s", ok ? c.canonical : d.msg);
    ok = ok && strcmp(c.canonical, want) == 0;
    csec__arena_free(&arena);
    return ok;
}

TEST(cvss, canonical_form)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* Any input order; canonical order on output. */
        {"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
         "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        {"CVSS:3.0/S:C/AV:L/AC:H/PR:L/UI:R/C:L/I:N/A:N",
         "CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N"},
        /* v2 and v4 metric ids and values are case-insensitive (as rustsec);
         * display is canonical case. */
        {"CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N/U:red/re:l/v:d/r:a/au:y/"
         "s:p/msa:s/msi:x/msc:l/mva:n/mvi:l/mvc:h/mui:a/mpr:h/mat:p/mac:h/mav:p/ar:l/ir:m/cr:h/e:u",
         "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/IR:M/AR:L/"
         "MAV:P/MAC:H/MAT:P/MPR:H/MUI:A/MVC:H/MVI:L/MVA:N/MSC:L/MSI:X/MSA:S/S:P/AU:Y/R:A/V:D/RE:L/"
         "U:Red"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:CLEAR",
         "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Clear"},
        /* v2 has no prefix and spells Authentication "Au". */
        {"a:p/i:p/c:p/au:n/ac:l/av:n", "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
    };
    char got[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!canon_is(cases[i].in, cases[i].want, got, sizeof got))
            FAIL_AT("%s:\n    got:      %s\n    expected: %s", cases[i].in, got, cases[i].want);
}

/* The score of `s` in tenths, or -1 when it does not parse. */
static long score_of(const char *s)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_cvss c;
    csec_diag d;
    long r = parse(&c, &arena, s, &d) == 0 ? tenths(c.score) : -1;
    csec__arena_free(&arena);
    return r;
}

TEST(cvss, v4_environmental_and_threat)
{
#define BASE4 "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    long base = score_of(BASE4);
    ASSERT_INT_EQ(base, 85);
    /* X means "not defined": the same as leaving the metric out; E defaults to
     * Attacked and the requirements to High, so writing those changes nothing. */
    ASSERT_INT_EQ(score_of(BASE4 "/E:X/CR:X/IR:X/AR:X/MAV:X/MSI:X"), base);
    ASSERT_INT_EQ(score_of(BASE4 "/E:A/CR:H/IR:H/AR:H"), base);
    /* Supplemental metrics never change the score. */
    ASSERT_INT_EQ(score_of(BASE4 "/S:P/AU:Y/R:I/V:C/RE:H/U:Amber"), base);
    /* A modified metric replaces its base metric. */
    ASSERT_INT_EQ(
        score_of(BASE4 "/MAV:N/MPR:N"),
        score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"));
    ASSERT_INT_EQ(score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/"
                           "MVC:N/MVI:N/MVA:N"),
                  0);
    /* Less mature exploits lower the score; Safety impact (MSI:S) raises it. */
    long p = score_of(BASE4 "/E:P"), u = score_of(BASE4 "/E:U");
    ASSERT(p >= 0 && u >= 0);
    ASSERT(p < base);
    ASSERT(u < p);
    ASSERT(score_of(BASE4 "/MSI:S") > base);
    /* Lower requirements lower the score of a vector with high impacts. */
    ASSERT(score_of(BASE4 "/CR:L/IR:L/AR:L") < base);
#undef BASE4
}

/* Every base-only v4 vector (104,976 of them) scores within [0,10] in tenths,
 * and the severity follows the score. */
TEST(cvss, v4_all_base_vectors_in_range)
{
    static const char *const names[] = {"AV", "AC", "AT", "PR", "UI", "VC",
                                        "VI", "VA", "SC", "SI", "SA"};
    static const char *const vals[] = {"NALP", "LH", "NP", "NLH", "NPA", "HLN",
                                       "HLN",  "HLN", "HLN", "HLN", "HLN"};
    size_t idx[11] = {0};
    size_t count = 0, zero = 0, ten = 0;
    csec_arena arena = CSEC_ARENA_INIT;
    for (;;) {
        char buf[128];
        size_t n = (size_t)snprintf(buf, sizeof buf, "CVSS:4.0");
        for (int i = 0; i < 11; i++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "/%s:%c", names[i], vals[i][idx[i]]);
        csec_cvss c;
        csec_diag d;
        int rc = csec__cvss_parse(&c, &arena, buf, n, &d);
        if (rc != 0 || c.score < 0.0 || c.score > 10.0 ||
            fabs(c.score * 10.0 - (double)tenths(c.score)) > 1e-9 ||
            c.severity != csec__cvss_severity(c.score) || strcmp(c.canonical, buf) != 0) {
            csec__arena_free(&arena);
            FAIL_AT("%s: rc %d score %f", buf, rc, c.score);
        }
        zero += c.score == 0.0;
        ten += c.score == 10.0;
        count++;
        if (count % 4096 == 0) {
            csec__arena_free(&arena);
        }
        int i = 10;
        while (i >= 0 && vals[i][++idx[i]] == '\0')
            idx[i--] = 0;
        if (i < 0)
            break;
    }
    csec__arena_free(&arena);
    ASSERT_INT_EQ(count, 104976);
    /* 0 exactly when nothing is impacted (VC..SA all N): 4*2*2*3*3 vectors. */
    ASSERT_INT_EQ(zero, 144);
    ASSERT(ten > 0);
}

/* Expects `s` to fail with a message containing `msg` at column `col`. */
static int fails_with(const char *s, const char *msg, uint32_t col, char *why, size_t n)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_cvss c;
    csec_diag d;
    int rc = parse(&c, &arena, s, &d);
    csec__arena_free(&arena);
    snprintf(why, n, "rc %d, col %u, msg \"%s\"", rc, d.col, d.msg);
    return rc == CSEC_EPARSE && d.code == CSEC_EPARSE && strstr(d.msg, msg) && d.col == col &&
           c.canonical == NULL && c.version == 0;
}

TEST(cvss, errors)
{
    static const struct {
        const char *s, *msg;
        uint32_t col;
    } cases[] = {
        {"", "malformed CVSS vector", 1},
        {"CVSS:3.1", "malformed CVSS vector", 1},
        {"garbage/AV:N", "malformed CVSS component `garbage`", 1},
        {"CVSS:5.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "unsupported CVSS version `CVSS:5.0`", 1},
        {"CVSS:3.2/AV:N", "unsupported CVSS version", 1},
        {"CVSS:3.1.0/AV:N", "unsupported CVSS version", 1},
        {"CSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "invalid CVSS prefix `CSS`", 1},
        {"cvss:3.1/AV:N", "invalid CVSS prefix `cvss`", 1}, /* the prefix is case-sensitive */
        {"CVSS:3.1/AV:N/XX:N", "unknown metric `XX`", 15},
        {"CVSS:3.1/AV:N/E:P", "unknown metric `E`", 15}, /* v3 takes base metrics only */
        {"CVSS:3.1/AV:N/AV:L", "duplicate metric `AV`", 15},
        {"CVSS:4.0/av:N/AV:N", "duplicate metric `AV`", 15},
        {"CVSS:3.1/AV:Q", "invalid value `Q` for CVSS metric `AV`", 10},
        {"CVSS:3.1/AV:", "invalid value `` for CVSS metric `AV`", 10},
        {"CVSS:3.1/AV:N/", "malformed CVSS component ``", 15},
        {"CVSS:3.1/AV:N//AC:L", "malformed CVSS component ``", 15},
        {"CVSS:3.1/AV", "malformed CVSS component `AV`", 10},
        {"CVSS:3.1/AV:N:L", "malformed CVSS component `AV:N:L`", 10},
        /* Every component's shape is checked before any metric is looked at. */
        {"CVSS:3.1/ZZ:N/AV", "malformed CVSS component `AV`", 15},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "missing base metric `SA`",
         1},
        {"CVSS:4.0/AV:N", "missing base metric `AC`", 1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
         "invalid value `S` for CVSS metric `SI`", 55},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Blue",
         "invalid value `Blue` for CVSS metric `U`", 65},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/E:U",
         "duplicate metric `E`", 69},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
         "invalid value `S` for CVSS metric `MSC`", 65},
        {"AV:N/AC:L/Au:N/C:P/I:P", "missing base metric `A`", 1},
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F", "unknown metric `E`", 28},
        {"CVSS:3/AV:N", "unknown metric `CVSS`", 1}, /* no dotted version: tried as v2 */
        /* Non-printable bytes are not copied into the message. */
        {"CVSS:3.1/\x01\xff:N", "unknown metric `??`", 10},
    };
    char why[400];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!fails_with(cases[i].s, cases[i].msg, cases[i].col, why, sizeof why))
            FAIL_AT("\"%s\": want \"%s\" at col %u; got %s", cases[i].s, cases[i].msg,
                    cases[i].col, why);
}

TEST(cvss, not_nul_terminated)
{
    /* Only `len` bytes are read: the trailing "/U:Red" is not part of the
     * vector, nor "/A:H" of the v3 one (which then lacks a base metric). */
    const char *s = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red";
    const char *v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    csec_arena arena = CSEC_ARENA_INIT;
    csec_cvss c;
    csec_diag d;
    int rc = csec__cvss_parse(&c, &arena, s, strlen(s) - 6, &d);
    char canon[300];
    snprintf(canon, sizeof canon, "%s", rc == 0 ? c.canonical : d.msg);
    long score = tenths(c.score);
    int rc3 = csec__cvss_parse(&c, &arena, v3, strlen(v3) - 4, &d);
    csec__arena_free(&arena);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_STR_EQ(canon, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    ASSERT_INT_EQ(score, 93);
    ASSERT_INT_EQ(rc3, CSEC_EPARSE);
    ASSERT_STR_EQ(d.msg, "missing base metric `A`");
}

TEST(cvss, severity)
{
    static const struct {
        double score;
        csec_severity sev;
        const char *name;
    } cases[] = {
        {0.0, CSEC_SEVERITY_NONE, "none"},       {0.1, CSEC_SEVERITY_LOW, "low"},
        {3.9, CSEC_SEVERITY_LOW, "low"},         {4.0, CSEC_SEVERITY_MEDIUM, "medium"},
        {6.9, CSEC_SEVERITY_MEDIUM, "medium"},   {7.0, CSEC_SEVERITY_HIGH, "high"},
        {8.9, CSEC_SEVERITY_HIGH, "high"},       {9.0, CSEC_SEVERITY_CRITICAL, "critical"},
        {10.0, CSEC_SEVERITY_CRITICAL, "critical"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_INT_EQ(csec__cvss_severity(cases[i].score), cases[i].sev);
        ASSERT_STR_EQ(csec_severity_name(cases[i].sev), cases[i].name);
    }
}

/* A tiny deterministic generator for the robustness test. */
static uint32_t next_rand(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

TEST(cvss, mutations_never_crash_and_roundtrip)
{
    static const char *const seeds[] = {
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MSI:S/U:Red",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    };
    static const char alphabet[] = "/:.CVSS34012ANLHPRUXSMEIYDcvsnlhx\0\xff";
    uint32_t state = 12345;
    size_t ok = 0;
    for (int iter = 0; iter < 30000; iter++) {
        char buf[160];
        const char *seed = seeds[iter % 3];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)(next_rand(&state) % 4);
        for (int e = 0; e < edits; e++) {
            size_t pos = next_rand(&state) % (n + 1);
            char ch = alphabet[next_rand(&state) % (sizeof alphabet - 1)];
            switch (next_rand(&state) % 4) {
            case 3: /* flip the case of a letter: usually still valid */
                if (pos < n && ((buf[pos] | 0x20) >= 'a' && (buf[pos] | 0x20) <= 'z'))
                    buf[pos] ^= 0x20;
                break;
            case 0: /* replace */
                if (pos < n)
                    buf[pos] = ch;
                break;
            case 1: /* insert */
                if (n + 1 < sizeof buf) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = ch;
                    n++;
                }
                break;
            default: /* delete */
                if (pos < n) {
                    memmove(buf + pos, buf + pos + 1, n - pos - 1);
                    n--;
                }
            }
        }
        csec_arena arena = CSEC_ARENA_INIT;
        csec_cvss c, again;
        csec_diag d;
        int rc = csec__cvss_parse(&c, &arena, buf, n, &d);
        if (rc == 0) {
            ok++;
            int rc2 = csec__cvss_parse(&again, &arena, c.canonical, strlen(c.canonical), &d);
            int same = rc2 == 0 && strcmp(again.canonical, c.canonical) == 0 &&
                       again.score == c.score && again.version == c.version &&
                       c.score >= 0.0 && c.score <= 10.0;
            csec__arena_free(&arena);
            if (!same)
                FAIL_AT("canonical form of \"%.*s\" does not round-trip", (int)n, buf);
        } else {
            csec__arena_free(&arena);
            if (rc != CSEC_EPARSE || d.col < 1 || d.col > n + 1 || !d.msg[0])
                FAIL_AT("\"%.*s\": rc %d col %u", (int)n, buf, rc, d.col);
        }
    }
    /* Many mutants (case changes, reorderings) stay valid; make sure both
     * paths were exercised. */
    ASSERT(ok > 1000);
    ASSERT(ok < 29000);
}

/* ---- every vector in the real advisory database ---- */

typedef struct db_stats {
    size_t files, vectors, v3, v4;
    char first_error[512];
} db_stats;

/* Checks the `cvss = "..."` line of one advisory file, if any. */
static void check_file(db_stats *st, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (csec__read_file(&text, &len, path, (size_t)1 << 26, NULL) != 0) {
        snprintf(st->first_error, sizeof st->first_error, "%.400s: unreadable", path);
        return;
    }
    st->files++;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (strncmp(line, "cvss = \"", 8) == 0) {
            char *v = line + 8, *q = strchr(v, '"');
            if (!q || (end && q > end)) {
                snprintf(st->first_error, sizeof st->first_error, "%.400s: bad cvss line", path);
                break;
            }
            csec_arena arena = CSEC_ARENA_INIT;
            csec_cvss c;
            csec_diag d;
            int rc = csec__cvss_parse(&c, &arena, v, (size_t)(q - v), &d);
            st->vectors++;
            if (rc != 0)
                snprintf(st->first_error, sizeof st->first_error, "%.200s: %.*s: %s", path,
                         (int)((q - v) > 100 ? 100 : (q - v)), v, d.msg);
            else if (strlen(c.canonical) != (size_t)(q - v) ||
                     memcmp(c.canonical, v, (size_t)(q - v)) != 0)
                snprintf(st->first_error, sizeof st->first_error, "%.200s: not canonical: %.200s", path,
                         c.canonical);
            else if (c.score < 0.0 || c.score > 10.0 ||
                     c.severity != csec__cvss_severity(c.score) || c.version == 2)
                snprintf(st->first_error, sizeof st->first_error, "%.400s: score %f", path, c.score);
            st->v3 += rc == 0 && (c.version == 30 || c.version == 31);
            st->v4 += rc == 0 && c.version == 40;
            csec__arena_free(&arena);
        }
        line = end ? end + 1 : NULL;
    }
    free(text);
}

static void walk_collection(db_stats *st, const char *root, const char *collection)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, collection);
    DIR *top = opendir(dir);
    struct dirent *pkg;
    while (top && (pkg = readdir(top))) {
        if (pkg->d_name[0] == '.')
            continue;
        char sub[8192];
        snprintf(sub, sizeof sub, "%s/%s", dir, pkg->d_name);
        DIR *inner = opendir(sub);
        struct dirent *f;
        while (inner && (f = readdir(inner))) {
            size_t n = strlen(f->d_name);
            if (n > 3 && strcmp(f->d_name + n - 3, ".md") == 0) {
                char path[16384];
                snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
                check_file(st, path);
            }
        }
        if (inner)
            closedir(inner);
    }
    if (top)
        closedir(top);
}

TEST(cvss, real_database_vectors)
{
    const char *db = test_advisory_db();
    if (!db)
        SKIP("no advisory database");
    db_stats st;
    memset(&st, 0, sizeof st);
    walk_collection(&st, db, "crates");
    walk_collection(&st, db, "rust");
    if (st.first_error[0])
        FAIL_AT("%s", st.first_error);
    /* The spec's snapshot has 420 vectors (363 v3.x, 57 v4.0); later
     * checkouts only add advisories. */
    ASSERT(st.files > 1000);
    ASSERT(st.vectors >= 400);
    ASSERT(st.v3 >= 350);
    ASSERT(st.v4 >= 50);
    ASSERT_INT_EQ(st.v3 + st.v4, st.vectors);
}

/* Issue 14: rustsec scores a v3 vector that lacks a metric (as a factor of
 * 0: "A:" left out of a 9.8 gives 9.1, and "C:H" alone 3.6) and one written
 * in lower case.  Neither is a CVSS vector by FIRST's specification, and an
 * understated score can hide the advisory under a severity threshold: both
 * are errors, so the advisory fails to load and lint reports it. */
TEST(cvss, v3_incomplete_or_lower_case_refused)
{
    static const struct {
        const char *s, *msg;
        uint32_t col;
    } cases[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "missing base metric `A`", 1},
        {"CVSS:3.1/C:H", "missing base metric `AV`", 1},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "missing base metric `S`", 1},
        {"CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
         "CVSS metric `av:n` must be written `AV:N`", 10},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:h", "CVSS metric `A:h` must be written `A:H`",
         42},
    };
    char why[400];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!fails_with(cases[i].s, cases[i].msg, cases[i].col, why, sizeof why))
            FAIL_AT("\"%s\": want \"%s\" at col %u; got %s", cases[i].s, cases[i].msg, cases[i].col,
                    why);
    ASSERT_INT_EQ(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 98);
}
