/* files.c - directory listing with getdents64 and batched file reading
 * through io_uring, with a plain system-call fallback (see files.h). */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- directory listing ---- */

/* The kernel's record for getdents64 (there is no glibc wrapper in
 * bookworm's headers that avoids DIR). */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int csec__list_dir(csec__names *out, int fd, unsigned flags)
{
    /* 32 KiB holds ~1,000 typical entries: one call plus the one that
     * returns 0 for a package directory. */
    _Alignas(8) char buf[32768];
    size_t *offs = NULL, noffs = 0, capoffs = 0;
    int rc = 0;
    out->count = 0;
    csec_buf_clear(&out->pool);
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (got == 0)
            break;
        int64_t last_off = 0;

        for (long pos = 0; pos < got;) {
            const struct linux_dirent64 *e = (const struct linux_dirent64 *)(buf + pos);
            pos += e->d_reclen;
            last_off = e->d_off;
            const char *n = e->d_name;
            if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
                continue;
            if ((flags & CSEC__LIST_NO_DOTS) && n[0] == '.')
                continue;
            unsigned char type = e->d_type;
            if ((flags & CSEC__LIST_DIRS) && type != DT_DIR) {
                struct stat st;
                if (type != DT_UNKNOWN && type != DT_LNK)
                    continue;
                if (fstatat(fd, n, &st, 0) != 0 || !S_ISDIR(st.st_mode))
                    continue;
                /* A symlink stays one: where it points can change without
                 * the directory changing (lib/listing.h cares). */
                if (type == DT_UNKNOWN)
                    type = DT_DIR;
            }
            if (noffs == capoffs) {
                capoffs = capoffs ? capoffs * 2 : 64;
                offs = csec__xrealloc(offs, csec__mul(capoffs, sizeof *offs));
            }
            csec_buf_putc(&out->pool, (char)type);
            offs[noffs++] = out->pool.len;
            csec_buf_put(&out->pool, n, strlen(n) + 1);
        }
        if (last_off == INT64_MAX)
            break;
    }
    if (rc < 0)
        noffs = 0;
    if (noffs > out->cap) {
        out->cap = noffs;
        out->items = csec__xrealloc(out->items, csec__mul(noffs, sizeof *out->items));
    }
    /* Pointers are taken only now: the pool may have moved while growing. */
    for (size_t i = 0; i < noffs; i++)
        out->items[i] = out->pool.ptr + offs[i];
    out->count = noffs;
    free(offs);
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_name);
    return rc;
}

void csec__names_free(csec__names *n)
{
    free(n->items);
    csec_buf_free(&n->pool);
    memset(n, 0, sizeof *n);
}

/* ---- batched reading ---- */

#define CSEC__BATCH 64
/* Each file of a batch is read into its own slot.  Only the pages a file
 * fills are touched, so a large slot costs address space, not memory. */
#define SLOT_SIZE 65536
#define MAX_FILE (64u << 20)
/* Submission queue: three entries per file plus deferred closes. */
#define RING_ENTRIES (4 * CSEC__BATCH)

enum { OP_OPEN = 1, OP_READ, OP_CLOSE_SLOT, OP_CLOSE_FD, OP_OPEN_DIR };

struct csec__batch {
    bool uring;
    struct io_uring ring;
    char *slots; /* CSEC__BATCH * SLOT_SIZE */
    int results[CSEC__BATCH];
    int pending[CSEC__BATCH]; /* descriptors whose close is deferred */
    size_t npending;
    char *big; /* the plain path's buffer, and large files' */
    size_t big_cap;
};

static uint64_t tag(unsigned op, size_t i)
{
    return (uint64_t)op << 32 | (uint64_t)i;
}

csec__batch *csec__batch_new(void)
{
    csec__batch *b = csec__xcalloc(1, sizeof *b);
    const char *off = getenv("CRATESEC_NO_IO_URING");
    if (off && *off)
        return b;
    if (io_uring_queue_init(RING_ENTRIES, &b->ring, 0) != 0)
        return b;
    /* Sparse registration (Linux 5.19) is what direct opens need. */
    if (io_uring_register_files_sparse(&b->ring, CSEC__BATCH) != 0) {
        io_uring_queue_exit(&b->ring);
        return b;
    }
    b->slots = csec__xmalloc(csec__mul(CSEC__BATCH, SLOT_SIZE));
    b->uring = true;
    return b;
}

bool csec__batch_uses_io_uring(const csec__batch *b)
{
    return b->uring;
}

/* Queues the deferred closes into the submission queue (no submit). */
static void queue_pending_closes(csec__batch *b)
{
    for (size_t i = 0; i < b->npending; i++) {
        struct io_uring_sqe *q = io_uring_get_sqe(&b->ring);
        io_uring_prep_close(q, b->pending[i]);
        io_uring_sqe_set_data64(q, tag(OP_CLOSE_FD, i));
    }
    b->npending = 0;
}

/* Submits what is queued and waits for `want` completions, handing each
 * to `on_cqe`; returns 0 or -errno when the ring itself failed. */
static int submit_and_reap(csec__batch *b, unsigned want,
                           void (*on_cqe)(csec__batch *, uint64_t, int, void *), void *ctx)
{
    int rc;
    /* EINTR here means nothing was submitted (the kernel reports a count
     * once it has submitted anything), so submitting again is safe. */
    while ((rc = io_uring_submit_and_wait(&b->ring, want)) == -EINTR)
        ;
    if (rc < 0)
        return rc;
    unsigned seen = 0;
    while (seen < want) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&b->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            return rc;
        unsigned head, n = 0;
        io_uring_for_each_cqe(&b->ring, head, cqe)
        {
            if (on_cqe)
                on_cqe(b, io_uring_cqe_get_data64(cqe), cqe->res, ctx);
            n++;
        }
        io_uring_cq_advance(&b->ring, n);
        seen += n;
    }
    return 0;
}

static void flush_closes(csec__batch *b)
{
    if (!b->uring) {
        for (size_t i = 0; i < b->npending; i++)
            close(b->pending[i]);
        b->npending = 0;
        return;
    }
    unsigned n = (unsigned)b->npending;
    if (n == 0)
        return;
    queue_pending_closes(b);
    submit_and_reap(b, n, NULL, NULL);
}

void csec__batch_free(csec__batch *b)
{
    if (!b)
        return;
    flush_closes(b);
    if (b->uring)
        io_uring_queue_exit(&b->ring);
    free(b->slots);
    free(b->big);
    free(b);
}

void csec__batch_close(csec__batch *b, const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fds[i] < 0)
            continue;
        if (!b->uring) {
            close(fds[i]);
            continue;
        }
        if (b->npending == CSEC__BATCH)
            flush_closes(b);
        b->pending[b->npending++] = fds[i];
    }
}

/* -- directories -- */

static void on_dir_cqe(csec__batch *b, uint64_t t, int res, void *ctx)
{
    int *fds = ctx;
    if (t >> 32 == OP_OPEN_DIR)
        fds[t & 0xffffffffu] = res;
}

void csec__batch_open_dirs(csec__batch *b, const int *parentfds, const char *const *names, size_t n,
                           int *fds)
{
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    for (size_t start = 0; start < n; start += CSEC__BATCH) {
        size_t k = n - start < CSEC__BATCH ? n - start : CSEC__BATCH;
        if (b->uring) {
            unsigned want = (unsigned)(k + b->npending);
            queue_pending_closes(b);
            for (size_t i = 0; i < k; i++) {
                struct io_uring_sqe *q = io_uring_get_sqe(&b->ring);
                io_uring_prep_openat(q, parentfds[start + i], names[start + i], flags, 0);
                io_uring_sqe_set_data64(q, tag(OP_OPEN_DIR, i));
            }
            if (submit_and_reap(b, want, on_dir_cqe, fds + start) == 0)
                continue;
            b->uring = false; /* the ring broke: finish without it */
        }
        for (size_t i = 0; i < k; i++) {
            int fd = openat(parentfds[start + i], names[start + i], flags);
            fds[start + i] = fd >= 0 ? fd : -errno;
        }
    }
}

/* -- files -- */

/* Reads a whole file the plain way into b->big.  Returns 0 or an errno. */
static int read_plain(csec__batch *b, int dirfd, const char *name, size_t *len)
{
    /* O_NONBLOCK: a FIFO among the files must not hang the load. */
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    int err = 0;
    size_t got = 0;
    if (b->big_cap < SLOT_SIZE) {
        b->big_cap = SLOT_SIZE;
        b->big = csec__xrealloc(b->big, b->big_cap);
    }
    for (;;) {
        if (b->big_cap - got < 2) {
            if (b->big_cap >= MAX_FILE) {
                err = EFBIG;
                break;
            }
            b->big_cap *= 2;
            b->big = csec__xrealloc(b->big, b->big_cap);
        }
        size_t asked = b->big_cap - got - 1;
        ssize_t r = read(fd, b->big + got, asked);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        got += (size_t)r;
        /* A regular file reads short only at its end: skip the read that
         * would return 0 (a tenth of a load's system calls). */
        if ((size_t)r < asked)
            break;
    }
    close(fd);
    if (err == 0) {
        b->big[got] = '\0';
        *len = got;
    }
    return err;
}

static void on_file_cqe(csec__batch *b, uint64_t t, int res, void *ctx)
{
    (void)ctx;
    unsigned op = (unsigned)(t >> 32);
    size_t i = (size_t)(t & 0xffffffffu);
    if (op == OP_OPEN && res < 0)
        b->results[i] = res; /* the read then fails with EBADF; keep the cause */
    else if (op == OP_READ && b->results[i] >= 0)
        b->results[i] = res;
}

void csec__batch_read(csec__batch *b, const int *dirfds, const char *const *names, size_t n,
                      csec__read_cb cb, void *payload)
{
    for (size_t start = 0; start < n; start += CSEC__BATCH) {
        size_t k = n - start < CSEC__BATCH ? n - start : CSEC__BATCH;
        bool done = false;
        if (b->uring) {
            unsigned want = (unsigned)(3 * k + b->npending);
            queue_pending_closes(b);
            for (size_t i = 0; i < k; i++) {
                /* open -> read -> close, hard-linked so that the close runs
                 * (and frees the slot) whatever the read did. */
                struct io_uring_sqe *q = io_uring_get_sqe(&b->ring);
                io_uring_prep_openat_direct(q, dirfds[start + i], names[start + i],
                                            O_RDONLY | O_NONBLOCK, 0, (unsigned)i);
                q->flags |= IOSQE_IO_HARDLINK;
                io_uring_sqe_set_data64(q, tag(OP_OPEN, i));
                q = io_uring_get_sqe(&b->ring);
                io_uring_prep_read(q, (int)i, b->slots + i * SLOT_SIZE, SLOT_SIZE - 1, 0);
                q->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
                io_uring_sqe_set_data64(q, tag(OP_READ, i));
                q = io_uring_get_sqe(&b->ring);
                io_uring_prep_close_direct(q, (unsigned)i);
                io_uring_sqe_set_data64(q, tag(OP_CLOSE_SLOT, i));
                b->results[i] = 0;
            }
            if (submit_and_reap(b, want, on_file_cqe, NULL) == 0)
                done = true;
            else
                b->uring = false;
        }
        for (size_t i = 0; i < k; i++) {
            size_t len = 0;
            char *data = NULL;
            int err = 0;
            if (done && b->results[i] >= 0 && b->results[i] < SLOT_SIZE - 1) {
                data = b->slots + i * SLOT_SIZE;
                len = (size_t)b->results[i];
                data[len] = '\0';
            } else if (done && b->results[i] < 0 && b->results[i] != -EINVAL) {
                err = -b->results[i];
            } else {
                /* No ring, a slot too small for the file, or an EINVAL that
                 * may be the kernel refusing the request: the plain way. */
                err = read_plain(b, dirfds[start + i], names[start + i], &len);
                data = err ? NULL : b->big;
            }
            cb(payload, start + i, data, len, err);
        }
    }
}
