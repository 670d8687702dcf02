/* listing.c - remembered directory listings (see listing.h for why and
 * when they are safe to use). */
#include "listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "cratesec-listing 1"

void csec__dir_stamp_of(csec__dir_stamp *s, const struct stat *st)
{
    s->dev = (uint64_t)st->st_dev;
    s->ino = (uint64_t)st->st_ino;
    s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
    s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

bool csec__dir_stamp_equal(const csec__dir_stamp *a, const csec__dir_stamp *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->ctime_ns == b->ctime_ns &&
           a->mtime_ns == b->mtime_ns;
}

bool csec__dir_stamp_settled(const csec__dir_stamp *s, int64_t load_start_ns)
{
    /* mtime too: it can be set into the future, and then says nothing. */
    return s->ctime_ns <= load_start_ns - CSEC__LISTING_SETTLE_NS &&
           s->mtime_ns <= load_start_ns - CSEC__LISTING_SETTLE_NS;
}

/* ---- reading ---- */

/* Parses a decimal number ending at a space; advances *p past the space. */
static bool take_number(char **p, uint64_t *out)
{
    char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s != ' ')
        return false;
    *p = s + 1;
    *out = v;
    return true;
}

/* The next line: NUL-terminated in place; NULL at the end of the text or
 * when the last line has no newline (a file cut short). */
static char *next_line(char **cursor, char *end)
{
    char *line = *cursor;
    if (line >= end)
        return NULL;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
        return NULL;
    *nl = '\0';
    *cursor = nl + 1;
    return line;
}

int csec__listing_parse(csec__listing *l, char *text, size_t len)
{
    memset(l, 0, sizeof *l);
    l->text = text;
    char *cur = text, *end = text + len;
    size_t cap_dirs = 0, cap_names = 0, nnames = 0;
    size_t *name_start = NULL; /* each dir's first index in l->names */
    if (memchr(text, '\0', len))
        goto bad;
    char *line = next_line(&cur, end);
    if (!line || strcmp(line, HEADER) != 0)
        goto bad;
    while ((line = next_line(&cur, end)) != NULL) {
        if (line[0] != 'D' || line[1] != ' ')
            goto bad;
        char *p = line + 2;
        uint64_t f[5];
        for (int i = 0; i < 5; i++)
            if (!take_number(&p, &f[i]))
                goto bad;
        if (*p == '\0' || f[2] > INT64_MAX || f[3] > INT64_MAX || f[4] > len)
            goto bad;
        if (l->ndirs > 0 && strcmp(l->dirs[l->ndirs - 1].path, p) >= 0)
            goto bad; /* sorted and unique, or lookups would miss */
        if (l->ndirs == cap_dirs) {
            cap_dirs = cap_dirs ? 2 * cap_dirs : 256;
            l->dirs = csec__xrealloc(l->dirs, csec__mul(cap_dirs, sizeof *l->dirs));
            name_start = csec__xrealloc(name_start, csec__mul(cap_dirs, sizeof *name_start));
        }
        csec__listing_dir *d = &l->dirs[l->ndirs];
        d->path = p;
        d->stamp = (csec__dir_stamp){f[0], f[1], (int64_t)f[2], (int64_t)f[3]};
        d->count = (size_t)f[4];
        d->names = NULL;
        name_start[l->ndirs++] = nnames;
        for (size_t i = 0; i < d->count; i++) {
            char *name = next_line(&cur, end);
            if (!name || name[0] == '\0' || strchr(name, '/'))
                goto bad;
            if (i > 0 && strcmp(l->names[nnames - 1], name) >= 0)
                goto bad;
            if (nnames == cap_names) {
                cap_names = cap_names ? 2 * cap_names : 1024;
                l->names = csec__xrealloc(l->names, csec__mul(cap_names, sizeof *l->names));
            }
            l->names[nnames++] = name;
        }
    }
    if (cur != end)
        goto bad; /* a last line without its newline: written halfway */
    /* Pointers into l->names only now: it may have moved while growing. */
    for (size_t i = 0; i < l->ndirs; i++)
        l->dirs[i].names = l->names ? (const char *const *)l->names + name_start[i] : NULL;
    free(name_start);
    return 0;
bad:
    free(name_start);
    csec__listing_free(l);
    return -1;
}

int csec__listing_read(csec__listing *l, const char *root)
{
    memset(l, 0, sizeof *l);
    csec_buf path = CSEC_BUF_INIT;
    csec_buf_printf(&path, "%s/.git/" CSEC__LISTING_FILE, root);
    char *text = NULL;
    size_t len = 0;
    int rc = csec__read_file(&text, &len, path.ptr, NULL);
    csec_buf_free(&path);
    return rc < 0 ? -1 : csec__listing_parse(l, text, len);
}

size_t csec__listing_lower_bound(const csec__listing *l, const char *path)
{
    size_t lo = 0, hi = l->ndirs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(l->dirs[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const csec__listing_dir *csec__listing_find(const csec__listing *l, const char *path)
{
    size_t i = csec__listing_lower_bound(l, path);
    return i < l->ndirs && strcmp(l->dirs[i].path, path) == 0 ? &l->dirs[i] : NULL;
}

void csec__listing_free(csec__listing *l)
{
    free(l->text);
    free(l->names);
    free(l->dirs);
    memset(l, 0, sizeof *l);
}

/* ---- writing ---- */

void csec__listing_begin(csec_buf *out)
{
    csec_buf_clear(out);
    csec_buf_puts(out, HEADER "\n");
}

bool csec__listing_add(csec_buf *out, const char *path, const csec__dir_stamp *stamp,
                       const char *const *names, size_t count)
{
    if (strchr(path, '\n') || path[0] == '\0')
        return false;
    for (size_t i = 0; i < count; i++)
        if (strchr(names[i], '\n') || names[i][0] == '\0')
            return false;
    csec_buf_printf(out, "D %llu %llu %lld %lld %zu %s\n", (unsigned long long)stamp->dev,
                    (unsigned long long)stamp->ino, (long long)stamp->ctime_ns,
                    (long long)stamp->mtime_ns, count, path);
    for (size_t i = 0; i < count; i++) {
        csec_buf_puts(out, names[i]);
        csec_buf_putc(out, '\n');
    }
    return true;
}

int csec__listing_commit(const char *root, const csec_buf *out)
{
    csec_buf path = CSEC_BUF_INIT;
    csec_buf_printf(&path, "%s/.git/" CSEC__LISTING_FILE, root);
    int rc = csec__write_file_atomic(path.ptr, out->ptr, out->len);
    csec_buf_free(&path);
    return rc;
}

bool csec__listing_enabled(void)
{
    const char *off = getenv("CRATESEC_NO_LISTING_CACHE");
    return !(off && *off);
}
