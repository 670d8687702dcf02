/* cvss40_tables.h - CVSS v4.0 scoring tables (spec §1.9.4).  GENERATED: do not edit.
 *
 * Made by tools/gen_cvss40.py from cvss40-tables.json
 * (sha256 f0fae23b13abce4e79a7bbc2bfca823838d300c350fc3a8138d72f28e106f848);
 * regenerate: python3 tools/gen_cvss40.py ../shared/docs/cvss40-tables.json > lib/cvss40_tables.h
 * Included only by lib/cvss.c. */
#ifndef CSEC_CVSS40_TABLES_H
#define CSEC_CVSS40_TABLES_H

/* Score of each macro-vector [eq1][eq2][eq3][eq4][eq5][eq6]; -1: not defined. */
static const double cvss40_lookup[3][2][3][3][3][2] = {
    {
        {
            {
                {{10.0, 9.9}, {9.8, 9.5}, {9.5, 9.2}},
                {{10.0, 9.6}, {9.3, 8.7}, {9.1, 8.1}},
                {{9.3, 9.0}, {8.9, 8.0}, {8.1, 6.8}},
            },
            {
                {{9.8, 9.5}, {9.5, 9.2}, {9.0, 8.4}},
                {{9.3, 9.2}, {8.9, 8.1}, {8.1, 6.5}},
                {{8.8, 8.0}, {7.8, 7.0}, {6.9, 4.8}},
            },
            {
                {{-1.0, 9.2}, {-1.0, 8.2}, {-1.0, 7.2}},
                {{-1.0, 7.9}, {-1.0, 6.9}, {-1.0, 5.0}},
                {{-1.0, 6.9}, {-1.0, 5.5}, {-1.0, 2.7}},
            },
        },
        {
            {
                {{9.9, 9.7}, {9.5, 9.2}, {9.2, 8.5}},
                {{9.5, 9.1}, {9.0, 8.3}, {8.4, 7.1}},
                {{9.2, 8.1}, {8.2, 7.1}, {7.2, 5.3}},
            },
            {
                {{9.5, 9.3}, {9.2, 8.5}, {8.5, 7.3}},
                {{9.2, 8.2}, {8.0, 7.2}, {7.0, 5.9}},
                {{8.4, 7.0}, {7.1, 5.2}, {5.0, 3.0}},
            },
            {
                {{-1.0, 8.6}, {-1.0, 7.5}, {-1.0, 5.2}},
                {{-1.0, 7.1}, {-1.0, 5.2}, {-1.0, 2.9}},
                {{-1.0, 6.3}, {-1.0, 2.9}, {-1.0, 1.7}},
            },
        },
    },
    {
        {
            {
                {{9.8, 9.5}, {9.4, 8.7}, {9.1, 8.1}},
                {{9.4, 8.9}, {8.6, 7.4}, {7.7, 6.4}},
                {{8.7, 7.5}, {7.4, 6.3}, {6.3, 4.9}},
            },
            {
                {{9.4, 8.9}, {8.8, 7.7}, {7.6, 6.7}},
                {{8.6, 7.6}, {7.4, 5.8}, {5.9, 5.0}},
                {{7.2, 5.7}, {5.7, 5.2}, {5.2, 2.5}},
            },
            {
                {{-1.0, 8.3}, {-1.0, 7.0}, {-1.0, 5.4}},
                {{-1.0, 6.5}, {-1.0, 5.8}, {-1.0, 2.6}},
                {{-1.0, 5.3}, {-1.0, 2.1}, {-1.0, 1.3}},
            },
        },
        {
            {
                {{9.5, 9.0}, {8.8, 7.6}, {7.6, 7.0}},
                {{9.0, 7.7}, {7.5, 6.2}, {6.1, 5.3}},
                {{7.7, 6.6}, {6.8, 5.9}, {5.2, 3.0}},
            },
            {
                {{8.9, 7.8}, {7.6, 6.7}, {6.2, 5.8}},
                {{7.4, 5.9}, {5.7, 5.7}, {4.7, 2.3}},
                {{6.1, 5.2}, {5.7, 2.9}, {2.4, 1.6}},
            },
            {
                {{-1.0, 7.1}, {-1.0, 5.9}, {-1.0, 3.0}},
                {{-1.0, 5.8}, {-1.0, 2.6}, {-1.0, 1.5}},
                {{-1.0, 2.3}, {-1.0, 1.3}, {-1.0, 0.6}},
            },
        },
    },
    {
        {
            {
                {{9.3, 8.7}, {8.6, 7.2}, {7.5, 5.8}},
                {{8.6, 7.4}, {7.4, 6.1}, {5.6, 3.4}},
                {{7.0, 5.4}, {5.2, 4.0}, {4.0, 2.2}},
            },
            {
                {{8.5, 7.5}, {7.4, 5.5}, {6.2, 5.1}},
                {{7.2, 5.7}, {5.5, 4.1}, {4.6, 1.9}},
                {{5.3, 3.6}, {3.4, 1.9}, {1.9, 0.8}},
            },
            {
                {{-1.0, 6.4}, {-1.0, 5.1}, {-1.0, 2.0}},
                {{-1.0, 4.7}, {-1.0, 2.1}, {-1.0, 1.1}},
                {{-1.0, 2.4}, {-1.0, 0.9}, {-1.0, 0.4}},
            },
        },
        {
            {
                {{8.8, 7.5}, {7.3, 5.3}, {6.0, 5.0}},
                {{7.3, 5.5}, {5.9, 4.0}, {4.1, 2.0}},
                {{5.4, 4.3}, {4.5, 2.2}, {2.0, 1.1}},
            },
            {
                {{7.5, 5.5}, {5.8, 4.5}, {4.0, 2.1}},
                {{6.1, 5.1}, {4.8, 1.8}, {2.0, 0.9}},
                {{4.6, 1.8}, {1.7, 0.7}, {0.8, 0.2}},
            },
            {
                {{-1.0, 5.3}, {-1.0, 2.4}, {-1.0, 1.4}},
                {{-1.0, 2.4}, {-1.0, 1.2}, {-1.0, 0.5}},
                {{-1.0, 1.0}, {-1.0, 0.3}, {-1.0, 0.1}},
            },
        },
    },
};

/* MAX_SEVERITY: depth of each equivalence class level, in steps of 0.1; -1: none. */
static const double cvss40_maxsev_eq1[3] = {1.0, 4.0, 5.0};
static const double cvss40_maxsev_eq2[2] = {1.0, 2.0};
static const double cvss40_maxsev_eq4[3] = {6.0, 5.0, 4.0};
static const double cvss40_maxsev_eq5[3] = {1.0, 1.0, 1.0};
static const double cvss40_maxsev_eq3eq6[3][2] = {{7.0, 6.0}, {8.0, 8.0}, {-1.0, 10.0}};

/* MAX_COMPOSED: highest-severity vectors of each level as value letters, NULL-ended.
 *   eq1: AV PR UI
 *   eq2: AC AT
 *   eq3eq6: VC VI VA CR IR AR
 *   eq4: SC SI SA
 *   eq5: E
 */
static const char *const cvss40_max_eq1[3][4] = {
    {"NNN", NULL},
    {"ANN", "NLN", "NNP", NULL},
    {"PNN", "ALP", NULL},
};
static const char *const cvss40_max_eq2[2][3] = {
    {"LN", NULL},
    {"HN", "LP", NULL},
};
static const char *const cvss40_max_eq4[3][2] = {
    {"HSS", NULL},
    {"HHH", NULL},
    {"LLL", NULL},
};
static const char *const cvss40_max_eq5[3][2] = {
    {"A", NULL},
    {"P", NULL},
    {"U", NULL},
};
static const char *const cvss40_max_eq3eq6[3][2][6] = {
    {
        {"HHHHHH", NULL},
        {"HHLMMH", "HHHMMM", NULL},
    },
    {
        {"LHHHHH", "HLHHHH", NULL},
        {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM", NULL},
    },
    {
        {NULL},
        {"LLLHHH", NULL},
    },
};

/* METRIC_LEVELS: severity level of each value of the metrics that enter the distance. */
struct cvss40_level {
    const char *metric;
    const char *letters; /* one letter per value */
    double level[5];
};
static const struct cvss40_level cvss40_levels[15] = {
    {"AV", "NALP", {0.0, 0.1, 0.2, 0.3}},
    {"PR", "NLH", {0.0, 0.1, 0.2}},
    {"UI", "NPA", {0.0, 0.1, 0.2}},
    {"AC", "LH", {0.0, 0.1}},
    {"AT", "NP", {0.0, 0.1}},
    {"VC", "HLN", {0.0, 0.1, 0.2}},
    {"VI", "HLN", {0.0, 0.1, 0.2}},
    {"VA", "HLN", {0.0, 0.1, 0.2}},
    {"SC", "HLN", {0.1, 0.2, 0.3}},
    {"SI", "SHLN", {0.0, 0.1, 0.2, 0.3}},
    {"SA", "SHLN", {0.0, 0.1, 0.2, 0.3}},
    {"CR", "HML", {0.0, 0.1, 0.2}},
    {"IR", "HML", {0.0, 0.1, 0.2}},
    {"AR", "HML", {0.0, 0.1, 0.2}},
    {"E", "UPA", {0.2, 0.1, 0.0}},
};

#endif
