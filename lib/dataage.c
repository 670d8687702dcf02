/* dataage.c - how old a registry index's data is (see dataage.h). */
#include "dataage.h"

#include "gittime.h"
#include "wording.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The newest modification time under `dfd`, `depth` levels down (hidden
 * entries such as .git left out). */
static int64_t newest_mtime(int dfd, int depth)
{
    int64_t best = 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        bool dir = S_ISDIR(st.st_mode);
        if ((dir || strcmp(e->d_name, "config.json") == 0) && st.st_mtime > best)
            best = st.st_mtime;
        if (dir && depth > 1) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            int64_t t = sub >= 0 ? newest_mtime(sub, depth - 1) : 0;
            if (t > best)
                best = t;
        }
    }
    closedir(d);
    return best;
}

/* RFC 3339 "YYYY-MM-DDTHH:MM:SS..." (UTC, fractions and offsets ignored:
 * crates.io writes "Z"), or 0. */
static int64_t parse_pubtime(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

void csec__index_age(csec_data_age *out, const char *dir, const csec_index *idx)
{
    memset(out, 0, sizeof *out);
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/.git", dir);
    int64_t t = 0;
    if (stat(path, &st) == 0 && csec__git_head(dir, out->commit, &t, NULL) == 0 && t > 0) {
        out->source = CSEC_AGE_COMMIT;
        out->time = t;
        return;
    }
    out->commit[0] = '\0';
    /* Publication times share one format, so the greatest string is the
     * newest time. */
    const char *newest = NULL;
    size_t n = idx ? csec__index_crate_count(idx) : 0;
    for (size_t i = 0; i < n; i++) {
        const csec_index_crate *c = csec__index_crate_at(idx, i);
        for (size_t k = 0; k < c->versions_count; k++) {
            const char *p = c->versions[k].pubtime;
            if (p && (!newest || strcmp(p, newest) > 0))
                newest = p;
        }
    }
    if (newest && (t = parse_pubtime(newest)) > 0) {
        out->source = CSEC_AGE_PUBTIME;
        out->time = t;
        return;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && (t = newest_mtime(fd, 2)) > 0) {
        out->source = CSEC_AGE_FILES;
        out->time = t;
    }
}

bool csec__age_stale(const csec_data_age *age, int64_t now)
{
    return age->time <= 0 || now - age->time > CSEC_WORD_STALE_SECONDS;
}
