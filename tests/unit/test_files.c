/* test_files.c - lib/files.c: directory listing with getdents64 and batched
 * reading, on io_uring and on plain system calls (CRATESEC_NO_IO_URING),
 * which must give the same results; and a database loaded both ways. */
#include "harness.h"

#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[64];

/* A scratch tree: 150 small files (more than two batches), one file larger
 * than a batch slot, an empty file, a directory, a FIFO and dotfiles. */
static int make_tree(void)
{
    char path[256];
    snprintf(scratch, sizeof scratch, "/tmp/csec-files-XXXXXX");
    if (!mkdtemp(scratch))
        return -1;
    for (int i = 0; i < 150; i++) {
        snprintf(path, sizeof path, "%s/f%03d.md", scratch, i);
        FILE *f = fopen(path, "w");
        if (!f)
            return -1;
        fprintf(f, "file %d\n", i);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/big.md", scratch);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 0; i < 100000; i++) /* 700,000 bytes: ten slots */
        fputs("abcdef\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/empty.md", scratch);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fclose(f);
    snprintf(path, sizeof path, "%s/.hidden", scratch);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fclose(f);
    snprintf(path, sizeof path, "%s/sub", scratch);
    if (mkdir(path, 0755) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/.dotdir", scratch);
    if (mkdir(path, 0755) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/pipe", scratch);
    return mkfifo(path, 0644);
}

static void evict_tree(void)
{
    char path[256];
    for (int i = 0; i < 150; i++) {
        snprintf(path, sizeof path, "%s/f%03d.md", scratch, i);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            fdatasync(fd);
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
    }
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "  cannot remove %s\n", scratch);
}

typedef struct results {
    csec_buf text; /* "name:len:first-line-or-errno" per file */
    size_t calls;
    size_t last_index;
    bool in_order;
    const char *const *names;
} results;

static void on_read(void *payload, size_t i, char *data, size_t len, int err)
{
    results *r = payload;
    if (r->calls++ && i != r->last_index + 1)
        r->in_order = false;
    r->last_index = i;
    if (err) {
        csec_buf_printf(&r->text, "%s:err=%s\n", r->names[i], strerror(err));
        return;
    }
    if (data[len] != '\0') {
        csec_buf_printf(&r->text, "%s:not NUL-terminated\n", r->names[i]);
        return;
    }
    const char *nl = strchr(data, '\n');
    csec_buf_printf(&r->text, "%s:%zu:%.*s\n", r->names[i], len,
                    (int)(nl ? (size_t)(nl - data) : len), data);
}

/* Reads every name of the scratch directory plus a missing one with a
 * batch made with or without io_uring; returns the transcript (malloc'd). */
static char *read_all(bool uring, bool *used_uring)
{
    if (uring)
        unsetenv("CRATESEC_NO_IO_URING");
    else
        setenv("CRATESEC_NO_IO_URING", "1", 1);
    csec__batch *b = csec__batch_new();
    *used_uring = csec__batch_uses_io_uring(b);
    unsetenv("CRATESEC_NO_IO_URING");

    int parent = AT_FDCWD, dirfd = -1;
    const char *dirname = scratch;
    csec__batch_open_dirs(b, &parent, &dirname, 1, &dirfd);
    if (dirfd < 0) {
        csec__batch_free(b);
        return NULL;
    }
    csec__names names = {0};
    csec__list_dir(&names, dirfd, 0);
    size_t n = names.count + 1;
    const char **list = calloc(n, sizeof *list);
    int *fds = calloc(n, sizeof *fds);
    for (size_t i = 0; i < names.count; i++)
        list[i] = names.items[i];
    list[names.count] = "missing.md";
    for (size_t i = 0; i < n; i++)
        fds[i] = dirfd;
    results r = {CSEC_BUF_INIT, 0, 0, true, list};
    csec__batch_read(b, fds, list, n, on_read, &r);
    csec__batch_close(b, &dirfd, 1);
    csec__batch_free(b);
    if (r.calls != n || !r.in_order)
        csec_buf_printf(&r.text, "calls=%zu of %zu, in order=%d\n", r.calls, n, r.in_order);
    csec__names_free(&names);
    free(list);
    free(fds);
    char *out = csec__xstrndup(r.text.ptr ? r.text.ptr : "", r.text.len);
    csec_buf_free(&r.text);
    return out;
}

TEST(files, list_dir_sorted_with_types_and_filters)
{
    ASSERT(make_tree() == 0);
    int fd = open(scratch, O_RDONLY | O_DIRECTORY);
    ASSERT(fd >= 0);
    csec__names n = {0};
    ASSERT_INT_EQ(csec__list_dir(&n, fd, 0), 0);
    /* 150 + big + empty + .hidden + sub + .dotdir + pipe; no "." or "..". */
    ASSERT_INT_EQ(n.count, 156);
    ASSERT_STR_EQ(n.items[0], ".dotdir");
    ASSERT_STR_EQ(n.items[1], ".hidden");
    ASSERT_STR_EQ(n.items[2], "big.md");
    ASSERT_STR_EQ(n.items[n.count - 1], "sub");
    for (size_t i = 1; i < n.count; i++)
        ASSERT(strcmp(n.items[i - 1], n.items[i]) < 0);
    ASSERT_INT_EQ(csec__name_type(n.items[n.count - 1]), DT_DIR);

    /* Once per open: a second listing of the same descriptor is empty. */
    ASSERT_INT_EQ(csec__list_dir(&n, fd, 0), 0);
    ASSERT_INT_EQ(n.count, 0);
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    ASSERT_INT_EQ(csec__list_dir(&n, fd, CSEC__LIST_NO_DOTS), 0);
    ASSERT_INT_EQ(n.count, 154);
    ASSERT_STR_EQ(n.items[0], "big.md");

    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    ASSERT_INT_EQ(csec__list_dir(&n, fd, CSEC__LIST_DIRS), 0);
    ASSERT_INT_EQ(n.count, 2);
    ASSERT_STR_EQ(n.items[0], ".dotdir");
    ASSERT_STR_EQ(n.items[1], "sub");

    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    ASSERT_INT_EQ(csec__list_dir(&n, fd, CSEC__LIST_DIRS | CSEC__LIST_NO_DOTS), 0);
    ASSERT_INT_EQ(n.count, 1);
    close(fd);

    /* Not a directory: an error, and an empty list. */
    char path[256];
    snprintf(path, sizeof path, "%s/f000.md", scratch);
    fd = open(path, O_RDONLY);
    ASSERT_INT_EQ(csec__list_dir(&n, fd, 0), -ENOTDIR);
    ASSERT_INT_EQ(n.count, 0);
    close(fd);
    csec__names_free(&n);
    remove_tree();
}

TEST(files, list_dir_many_entries_take_several_calls)
{
    /* 3,000 names of 60 bytes: ~240 KB of records, eight getdents64 calls. */
    char dir[64] = "/tmp/csec-files-many-XXXXXX", path[256];
    ASSERT(mkdtemp(dir) != NULL);
    for (int i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "%s/%04d-%050d", dir, i, 0);
        int fd = open(path, O_CREAT | O_WRONLY, 0644);
        ASSERT(fd >= 0);
        close(fd);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    csec__names n = {0};
    ASSERT_INT_EQ(csec__list_dir(&n, fd, 0), 0);
    close(fd);
    ASSERT_INT_EQ(n.count, 3000);
    ASSERT(strncmp(n.items[0], "0000-", 5) == 0);
    ASSERT(strncmp(n.items[2999], "2999-", 5) == 0);
    csec__names_free(&n);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    ASSERT_INT_EQ(system(path), 0);
}

TEST(files, batch_read_same_with_and_without_io_uring)
{
    ASSERT(make_tree() == 0);
    bool used_plain = true, used_uring = false;
    char *plain = read_all(false, &used_plain);
    /* Out of the page cache: io_uring then cannot complete the reads of
     * these non-blocking descriptors inline (EAGAIN), and they must still
     * be read, not reported as errors. */
    evict_tree();
    char *uring = read_all(true, &used_uring);
    remove_tree();
    ASSERT(plain != NULL && uring != NULL);
    ASSERT(!used_plain); /* CRATESEC_NO_IO_URING is honoured */
    ASSERT_CONTAINS(plain, "f000.md:7:file 0\n");
    ASSERT_CONTAINS(plain, "f149.md:9:file 149\n");
    ASSERT_CONTAINS(plain, "big.md:700000:abcdef\n"); /* larger than a slot */
    ASSERT_CONTAINS(plain, "empty.md:0:\n");
    ASSERT_CONTAINS(plain, "sub:err=Is a directory\n");
    ASSERT_CONTAINS(plain, "missing.md:err=No such file or directory\n");
    ASSERT_CONTAINS(plain, "pipe:0:\n"); /* a FIFO does not hang the load */
    ASSERT(strstr(plain, "calls=") == NULL);
    ASSERT_STR_EQ(uring, plain);
    if (!used_uring)
        fprintf(stderr, "  note: io_uring unavailable here; only the plain path ran\n");
    free(plain);
    free(uring);
}

/* The real database loads to the same advisories, in the same order, with
 * io_uring and without. */
TEST(files, database_same_with_and_without_io_uring)
{
    const char *path = test_advisory_db();
    if (!path) {
        if (csec_test_failed > 0)
            return;
        SKIP("advisory-db checkout not available");
    }
    csec_db *a = NULL, *b = NULL;
    csec_diag d;
    setenv("CRATESEC_NO_IO_URING", "1", 1);
    int ra = csec_db_open(&a, path, NULL, &d);
    unsetenv("CRATESEC_NO_IO_URING");
    int rb = csec_db_open(&b, path, NULL, &d);
    ASSERT_INT_EQ(ra, 0);
    ASSERT_INT_EQ(rb, 0);
    ASSERT_INT_EQ(csec_db_count(a), csec_db_count(b));
    ASSERT(csec_db_count(a) >= 1225);
    for (size_t i = 0; i < csec_db_count(a); i++) {
        ASSERT_STR_EQ(csec_db_get(a, i)->path, csec_db_get(b, i)->path);
        ASSERT_STR_EQ(csec_db_get(a, i)->title, csec_db_get(b, i)->title);
    }
    csec_db_free(a);
    csec_db_free(b);
}

/* Twenty loads in a row, every one complete.  A listing once trusted a
 * short getdents64 as the end of a directory; with io_uring task work
 * flagged as a pending signal the kernel stops early, and about one load in
 * ten lost advisories without an error. */
TEST(files, database_complete_on_every_load)
{
    const char *path = test_advisory_db();
    if (!path) {
        if (csec_test_failed > 0)
            return;
        SKIP("advisory-db checkout not available");
    }
    for (int run = 0; run < 20; run++) {
        csec_db *db = NULL;
        csec_diag d;
        ASSERT_INT_EQ(csec_db_open(&db, path, NULL, &d), 0);
        size_t n = csec_db_count(db), errors = csec_db_error_count(db);
        csec_db_free(db);
        if (n != 1225 || errors != 0)
            FAIL_AT("load %d: %zu advisories, %zu errors", run, n, errors);
    }
}
