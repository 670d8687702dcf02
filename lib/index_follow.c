/* index_follow.c - a registry index checkout that is a git repository,
 * followed commit by commit (gitindex.h): the first load reads the files of
 * the checkout (the fast way to read everything), later ones apply the files
 * that changed between the loaded commit and the fetched one, read from the
 * repository's objects, as the next generation of the index (index.h). */
#include "gitindex.h"
#include "index.h"

#include <stdlib.h>
#include <string.h>

typedef struct change_rec {
    size_t path, text, len;
    bool removed;
} change_rec;

typedef struct collected {
    csec_buf bytes; /* every path and text, NUL-separated */
    change_rec *items;
    size_t n, cap;
} collected;

static int collect(void *payload, const char *path, const char *text, size_t len)
{
    collected *c = payload;
    if (c->n == c->cap)
        c->items = csec__grow(c->items, &c->cap, 256, sizeof *c->items);
    change_rec *r = &c->items[c->n++];
    r->path = c->bytes.len;
    csec_buf_puts(&c->bytes, path);
    csec_buf_putc(&c->bytes, '\0');
    r->text = c->bytes.len;
    r->len = len;
    r->removed = text == NULL;
    if (text)
        csec_buf_put(&c->bytes, text, len);
    csec_buf_putc(&c->bytes, '\0');
    return 0;
}

int csec__index_update_git(csec_index **out, csec_index *cur, csec__git_index *g, const char *to,
                           int64_t to_time, csec_index_update_info *info, csec_diag *d)
{
    *out = NULL;
    csec_index_update_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    const char *from = csec__index_source(cur, NULL);
    if (!from[0])
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "the index was not loaded from a commit");
    if (strcmp(from, to) == 0)
        return 0;
    collected c = {CSEC_BUF_INIT, NULL, 0, 0};
    double t0 = csec__now_ms();
    int rc = csec__git_index_changes(g, from, to, collect, &c, d);
    double t1 = csec__now_ms();
    info->read_ms = t1 - t0;
    if (rc == 0) {
        csec_index_change *ch = csec__xcalloc(c.n + 1, sizeof *ch);
        for (size_t i = 0; i < c.n; i++) {
            ch[i].path = c.bytes.ptr + c.items[i].path;
            ch[i].text = c.items[i].removed ? NULL : c.bytes.ptr + c.items[i].text;
            ch[i].len = c.items[i].len;
        }
        rc = csec__index_apply(out, cur, ch, c.n, d);
        if (rc == 0)
            csec__index_set_source(*out, to, to_time);
        info->files = c.n;
        info->apply_ms = csec__now_ms() - t1;
        free(ch);
    }
    free(c.items);
    csec_buf_free(&c.bytes);
    return rc;
}

int csec__index_open_git(csec_index **out, const char *dir, csec__git_index *g,
                         const csec_index_options *opts, csec_diag *d)
{
    char head[41], fetched[41];
    int64_t head_time, fetched_time;
    *out = NULL;
    int rc = csec__git_index_state(g, head, &head_time, fetched, &fetched_time, d);
    if (rc < 0)
        return rc;
    csec_index *ix = NULL;
    if ((rc = csec__index_open_dir_ex(&ix, dir, opts, d)) < 0)
        return rc;
    csec__index_set_source(ix, head, head_time);
    if (strcmp(head, fetched) != 0) {
        /* A server fetched past the checkout before it stopped. */
        csec_index *next = NULL;
        rc = csec__index_update_git(&next, ix, g, fetched, fetched_time, NULL, d);
        csec__index_free(ix); /* the next generation keeps what it shares */
        if (rc < 0)
            return rc;
        ix = next;
    }
    *out = ix;
    return 0;
}
