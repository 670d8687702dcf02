/* util.c - the allocator, the arena, diagnostics and small file helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

size_t csec__mul(size_t a, size_t b)
{
    if (b && a > SIZE_MAX / b)
        out_of_memory(SIZE_MAX);
    return a * b;
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
            a->total += size;
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->used = 0;
        a->total += size;
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
    a->total = 0;
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
    a->total = 0;
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

int csec__diag_set(csec_diag *d, int code, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    if (!d)
        return code;
    if (file)
        snprintf(d->file, sizeof d->file, "%s", file);
    d->line = line;
    d->col = col;
    d->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return code;
}

int csec__read_file(char **out, size_t *len, const char *path, csec_diag *d)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return csec__diag_set(d, CSEC_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    csec_buf b = CSEC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        csec_buf_put(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        csec_buf_free(&b);
        return csec__diag_set(d, CSEC_EIO, path, 0, 0, "read error");
    }
    *len = b.len;
    *out = csec_buf_detach(&b);
    return 0;
}

int csec__write_file_atomic(const char *path, const void *data, size_t len)
{
    csec_buf tmp = CSEC_BUF_INIT;
    csec_buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    int rc = 0;
    int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto done;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = w < 0 ? -errno : -EIO;
            break;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp.ptr, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp.ptr);
done:
    csec_buf_free(&tmp);
    return rc;
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
