/* dataage.h - how old a registry index's data is (internal).
 *
 * Pages and the CLI say what an index does not hold ("no newer release in
 * this index") and show its age (wording.h rule 7), so they need a date for
 * it.  The best one available is taken, in this order:
 *   1. the committer time of HEAD when the directory is a git checkout (the
 *      commit id is kept too);
 *   2. the newest `pubtime` of any version (crates.io writes it since 2024);
 *   3. the newest modification time of config.json and the directories of
 *      the first two levels (files are added and replaced there).
 * Nothing is written anywhere. */
#ifndef CSEC_DATAAGE_H
#define CSEC_DATAAGE_H

#include "index.h"

typedef enum csec_age_source {
    CSEC_AGE_UNKNOWN = 0,
    CSEC_AGE_COMMIT,  /* HEAD's committer time */
    CSEC_AGE_PUBTIME, /* the newest publication time */
    CSEC_AGE_FILES    /* the newest modification time of its directories */
} csec_age_source;

typedef struct csec_data_age {
    csec_age_source source;
    int64_t time;      /* Unix time; 0 when unknown */
    char commit[41];   /* CSEC_AGE_COMMIT: the commit id, else "" */
} csec_data_age;

/* Finds the age of the git-layout index in `dir`, loaded as `idx` (may be
 * NULL: then step 2 is skipped).  Never fails: source UNKNOWN at worst. */
void csec__index_age(csec_data_age *out, const char *dir, const csec_index *idx);

/* Whether data of time `t` is older than a day at `now` (wording.h rule 7);
 * unknown times count as stale. */
bool csec__age_stale(const csec_data_age *age, int64_t now);

#endif
