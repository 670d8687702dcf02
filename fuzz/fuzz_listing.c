/* fuzz_listing.c - the listing cache's file parser (lib/listing.c) on
 * arbitrary bytes.  An accepted file must hold what the loader relies on:
 * directories sorted and unique by path (lookups are binary searches and
 * one merge walk), each directory's names sorted, unique, non-empty and
 * free of '/' and newlines, every directory found by its own path.  Written
 * back with csec__listing_add, it must parse to the same listing.  A
 * violation aborts. */
#include "listing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_same(const csec__listing *a, const csec__listing *b)
{
    check(a->ndirs == b->ndirs);
    for (size_t i = 0; i < a->ndirs; i++) {
        const csec__listing_dir *x = &a->dirs[i], *y = &b->dirs[i];
        check(strcmp(x->path, y->path) == 0);
        check(csec__dir_stamp_equal(&x->stamp, &y->stamp));
        check(x->count == y->count);
        for (size_t k = 0; k < x->count; k++)
            check(strcmp(x->names[k], y->names[k]) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    csec__listing l;
    if (csec__listing_parse(&l, text, size) != 0) {
        check(l.ndirs == 0 && l.dirs == NULL && l.text == NULL);
        return 0;
    }
    csec_buf out = CSEC_BUF_INIT;
    csec__listing_begin(&out);
    for (size_t i = 0; i < l.ndirs; i++) {
        const csec__listing_dir *d = &l.dirs[i];
        check(d->path[0] != '\0' && !strchr(d->path, '\n'));
        check(i == 0 || strcmp(l.dirs[i - 1].path, d->path) < 0);
        check(csec__listing_find(&l, d->path) == d);
        check(csec__listing_lower_bound(&l, d->path) == i);
        check(d->stamp.ctime_ns >= 0 && d->stamp.mtime_ns >= 0);
        for (size_t k = 0; k < d->count; k++) {
            const char *n = d->names[k];
            check(n[0] != '\0' && !strchr(n, '/') && !strchr(n, '\n'));
            check(k == 0 || strcmp(d->names[k - 1], n) < 0);
        }
        check(csec__listing_add(&out, d->path, &d->stamp, d->names, d->count));
    }
    char *again = csec_buf_detach(&out);
    size_t len = strlen(again);
    csec__listing l2;
    check(csec__listing_parse(&l2, again, len) == 0);
    check_same(&l, &l2);
    csec__listing_free(&l2);
    csec__listing_free(&l);
    return 0;
}
