/* util.c - the allocator, the arena, diagnostics and small file helpers. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "cratesec: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *csec__xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *csec__xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *csec__xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *csec__xstrndup(const char *s, size_t n)
{
    char *p = csec__xmalloc(n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *csec__xstrdup(const char *s)
{
    return s ? csec__xstrndup(s, strlen(s)) : NULL;
}

size_t csec__mul(size_t a, size_t b)
{
    if (b && a > SIZE_MAX / b)
        out_of_memory(SIZE_MAX);
    return a * b;
}

void *csec__grow(void *items, size_t *cap, size_t first, size_t size)
{
    *cap = *cap ? csec__mul(*cap, 2) : first;
    return csec__xrealloc(items, csec__mul(*cap, size));
}

void csec_free(void *p)
{
    free(p);
}

/* ---- arena ---- */

struct csec__arena_block {
    csec__arena_block *next;
    size_t size;
    /* Aligned payload follows. */
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 65536

/* `n` bytes (a multiple of 16) of uninitialised arena memory. */
static void *arena_bump(csec_arena *a, size_t n)
{
    if (!a->head || a->used + n > a->head->size) {
        size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        csec__arena_block *b = csec__xmalloc(sizeof *b + size);
        b->size = size;
        if (a->head && size != ARENA_BLOCK) {
            /* A large allocation gets its own block behind the current one, so
             * the current block's free space stays usable. */
            b->next = a->head->next;
            a->head->next = b;
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    return p;
}

void *csec__arena_alloc(csec_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    void *p = arena_bump(a, n);
    memset(p, 0, n);
    return p;
}

char *csec__arena_strndup(csec_arena *a, const char *s, size_t n)
{
    /* Not zeroed first: every byte up to the NUL is written here, and nothing
     * reads the alignment padding after it. */
    char *p = arena_bump(a, (n + 1 + 15) & ~(size_t)15);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void csec__arena_init_buf(csec_arena *a, void *buf, size_t size)
{
    /* The block header goes at the start of the buffer, aligned like a
     * malloc'd one so that data[] is 16-byte aligned. */
    uintptr_t start = ((uintptr_t)buf + 15) & ~(uintptr_t)15;
    size_t lost = (size_t)(start - (uintptr_t)buf);
    a->head = NULL;
    a->used = 0;
    a->borrowed = NULL;
    if (size < lost + sizeof(csec__arena_block) + 16)
        return; /* too small to be worth it: a plain arena */
    csec__arena_block *b = (csec__arena_block *)start;
    b->next = NULL;
    b->size = (size - lost - sizeof *b) & ~(size_t)15;
    a->head = b;
    a->borrowed = b;
}

void csec__arena_free(csec_arena *a)
{
    csec__arena_block *b = a->head;
    while (b) {
        csec__arena_block *next = b->next;
        if (b != a->borrowed)
            free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
    a->borrowed = NULL;
}

/* ---- diagnostics ---- */

void csec__diag_clear(csec_diag *d)
{
    if (!d)
        return;
    d->file[0] = '\0';
    d->line = d->col = 0;
    d->code = 0;
    d->msg[0] = '\0';
}

int csec__diag_vset(csec_diag *d, int code, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, va_list ap)
{
    if (!d)
        return code;
    /* Formatted aside first: an argument may be d->msg itself, a nested
     * parser's message reported again with more context. */
    char msg[sizeof d->msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (file)
        snprintf(d->file, sizeof d->file, "%s", file);
    d->line = line;
    d->col = col;
    d->code = code;
    memcpy(d->msg, msg, sizeof msg);
    return code;
}

int csec__diag_set(csec_diag *d, int code, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    csec__diag_vset(d, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

/* Reads from `fd` to its end, at most `max` bytes.  A regular file (`st`)
 * is read to the size it has: one read for a small file.  Anything else (a
 * pipe, /dev/zero) is read in chunks until it ends or passes the limit. */
static int read_to_end(char **out, size_t *len, int fd, const struct stat *st, size_t max,
                       const char *shown, csec_diag *d)
{
    bool regular = st && S_ISREG(st->st_mode);
    if (regular && (uint64_t)st->st_size > max)
        return csec__diag_set(d, CSEC_EINVAL, shown, 0, 0,
                              "file too large: %lld bytes (the limit is %zu)",
                              (long long)st->st_size, max);
    size_t cap = regular ? (size_t)st->st_size : 65536, n = 0;
    if (!regular && cap > max + 1)
        cap = max + 1;
    char *buf = csec__xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (regular || cap > max)
                break; /* a regular file's size is read; past the limit */
            cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            buf = csec__xrealloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return csec__diag_set(d, CSEC_EIO, shown, 0, 0, "cannot read: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return csec__diag_set(d, CSEC_EINVAL, shown, 0, 0,
                              "file too large: more than %zu bytes (the limit)", max);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int csec__read_fd(char **out, size_t *len, int fd, size_t max, const char *shown, csec_diag *d)
{
    *out = NULL;
    *len = 0;
    struct stat st;
    return read_to_end(out, len, fd, fstat(fd, &st) == 0 ? &st : NULL, max, shown, d);
}

int csec__read_at(char **out, size_t *len, int dirfd, const char *name, const char *shown,
                  size_t max, unsigned flags, csec_diag *d)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return csec__diag_set(d, CSEC_EIO, shown, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    bool known = fstat(fd, &st) == 0;
    int rc;
    if ((flags & CSEC__READ_REGULAR) && (!known || !S_ISREG(st.st_mode)))
        rc = csec__diag_set(d, CSEC_EIO, shown, 0, 0, "not a regular file");
    else
        rc = read_to_end(out, len, fd, known ? &st : NULL, max, shown, d);
    close(fd);
    return rc;
}

int csec__read_file(char **out, size_t *len, const char *path, size_t max, csec_diag *d)
{
    return csec__read_at(out, len, AT_FDCWD, path, path, max, 0, d);
}

int csec__mkdir_parents(char *path, unsigned mode)
{
    if (!path[0])
        return 0; /* nothing to make, and path + 1 would be past the end */
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(path, (mode_t)mode);
        *slash = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* ---- directory listings ---- */

static int cmp_dirent(const void *a, const void *b)
{
    return strcmp(((const csec__dirent *)a)->name, ((const csec__dirent *)b)->name);
}

int csec__dir_open(csec__dir *out, const char *path)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    DIR *dp = opendir(path);
    if (!dp)
        return -errno;
    /* Names go to one pool; offsets until the pool stops moving. */
    size_t cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (out->count == cap)
            out->entries = csec__grow(out->entries, &cap, 16, sizeof *out->entries);
        out->entries[out->count].name = (const char *)(uintptr_t)out->pool.len;
        out->entries[out->count++].type = e->d_type;
        csec_buf_put(&out->pool, e->d_name, strlen(e->d_name) + 1);
    }
    if (errno) {
        int err = errno;
        closedir(dp);
        csec__dir_close(out);
        return -err;
    }
    for (size_t i = 0; i < out->count; i++)
        out->entries[i].name = out->pool.ptr + (uintptr_t)out->entries[i].name;
    if (out->count > 1)
        qsort(out->entries, out->count, sizeof *out->entries, cmp_dirent);
    out->handle = dp;
    out->fd = dirfd(dp);
    return 0;
}

bool csec__dir_is_dir(const csec__dir *d, size_t i)
{
    struct stat st;
    if (d->entries[i].type == DT_DIR)
        return true;
    if (d->entries[i].type != DT_UNKNOWN && d->entries[i].type != DT_LNK)
        return false;
    return fstatat(d->fd, d->entries[i].name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

void csec__dir_close(csec__dir *d)
{
    if (d->handle)
        closedir(d->handle);
    free(d->entries);
    csec_buf_free(&d->pool);
    memset(d, 0, sizeof *d);
    d->fd = -1;
}

void csec__line_col(const char *s, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

uint64_t csec__fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

bool csec__strlist_has(const csec_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

uint64_t csec__fnv1a_str(uint64_t h, const char *s)
{
    return csec__fnv1a(h, s, strlen(s));
}

double csec__now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

size_t csec__resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    int got = f ? fscanf(f, "%llu %llu", &size, &resident) : 0;
    if (f)
        fclose(f);
    return got == 2 ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}
