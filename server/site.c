/* site.c - what every page needs, computed once when the database loads:
 * rendered descriptions, the date-ordered list, and the sorted name lists
 * used by search, the category and keyword pages and the 404 suggestions. */
#include "site.h"

#include "api.h"
#include "live.h"

#include "crate_name.h"
#include "markdown.h"
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_ptr(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)(*(const srv_adv *const *)x)->a;
    uintptr_t b = (uintptr_t)(*(const srv_adv *const *)y)->a;
    return a < b ? -1 : a > b;
}

static int cmp_date_desc(const void *x, const void *y)
{
    const csec_advisory *a = (*(const srv_adv *const *)x)->a;
    const csec_advisory *b = (*(const srv_adv *const *)y)->a;
    long da = a->date.year * 10000L + a->date.month * 100L + a->date.day;
    long db = b->date.year * 10000L + b->date.month * 100L + b->date.day;
    if (da != db)
        return da < db ? 1 : -1;
    return -strcmp(a->id, b->id);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorts `names` and removes duplicates in place; returns the new count. */
static size_t sort_unique(const char **names, size_t n)
{
    if (n == 0)
        return 0;
    qsort(names, n, sizeof *names, cmp_str);
    size_t out = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], names[out - 1]) != 0)
            names[out++] = names[i];
    return out;
}

static const char **collect_lists(const srv_site *s, size_t which, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++) {
        const csec_strlist *l = which ? &s->advs[i].a->keywords : &s->advs[i].a->categories;
        n += l->count;
    }
    const char **names = csec__xcalloc(n + 1, sizeof *names);
    n = 0;
    for (size_t i = 0; i < s->count; i++) {
        const csec_strlist *l = which ? &s->advs[i].a->keywords : &s->advs[i].a->categories;
        for (size_t j = 0; j < l->count; j++)
            names[n++] = l->items[j];
    }
    *count = sort_unique(names, n);
    return names;
}

void srv_format_time(char out[24], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%d %H:%M UTC", &tm);
}

srv_site *srv_site_new(csec_db *db)
{
    srv_site *s = csec__xcalloc(1, sizeof *s);
    s->db_refs = csec__xmalloc(sizeof *s->db_refs);
    atomic_init(s->db_refs, 1);
    s->db = db;
    s->count = csec_db_count(db);
    s->advs = csec__xcalloc(s->count + 1, sizeof *s->advs);
    s->by_ptr = csec__xcalloc(s->count + 1, sizeof *s->by_ptr);
    s->by_date = csec__xcalloc(s->count + 1, sizeof *s->by_date);
    s->packages = csec__xcalloc(s->count + 1, sizeof *s->packages);
    size_t npkg = 0;
    for (size_t i = 0; i < s->count; i++) {
        srv_adv *v = &s->advs[i];
        v->a = csec_db_get(db, i);
        const char *d = v->a->description ? v->a->description : "";
        csec_diag why;
        v->desc_html = srv_markdown(d, strlen(d),
                                    v->a->informational == CSEC_INFO_UNMAINTAINED ? &v->alt_html
                                                                                  : NULL,
                                    &why);
        if (why.msg[0])
            srv_log_event("warning", "description_plain",
                          "%s: description shown as plain text: %s (line %u, column %u of "
                          "the description)",
                          v->a->id, why.msg, why.line, why.col);
        s->by_ptr[i] = v;
        s->by_date[i] = v;
        if (v->a->collection == CSEC_COLLECTION_CRATES && v->a->package)
            s->packages[npkg++] = v->a->package;
    }
    qsort(s->by_ptr, s->count, sizeof *s->by_ptr, cmp_ptr);
    qsort(s->by_date, s->count, sizeof *s->by_date, cmp_date_desc);
    s->npackages = sort_unique(s->packages, npkg);
    s->categories = collect_lists(s, 0, &s->ncategories);
    s->keywords = collect_lists(s, 1, &s->nkeywords);

    int64_t ctime = 0;
    const char *commit = csec_db_commit(db, &ctime);
    if (commit && strlen(commit) == 40 && strspn(commit, "0123456789abcdef") == 40) {
        memcpy(s->commit, commit, 41);
        if (ctime > 0)
            srv_format_time(s->commit_date, (time_t)ctime);
    }
    srv_format_time(s->loaded_at, time(NULL));
    if (s->commit[0]) {
        snprintf(s->etag_base, sizeof s->etag_base, "%.16s", s->commit);
    } else {
        /* Not a git checkout: the load time, to the nanosecond, tells two
         * loads apart. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(s->etag_base, sizeof s->etag_base, "t%llx",
                 (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec);
    }
    csec_buf css = CSEC_BUF_INIT;
    for (size_t i = 0; srv_style_css_parts[i]; i++)
        csec_buf_puts(&css, srv_style_css_parts[i]);
    s->css_len = css.len;
    s->css = csec_buf_detach(&css);
    srv_api_prepare(s);
    return s;
}

srv_site *srv_site_share_db(const srv_site *prev)
{
    srv_site *s = csec__xmalloc(sizeof *s);
    /* The database's part, shared; the index's part starts empty. */
    *s = *prev;
    s->index = NULL;
    s->deps_rev = NULL;
    s->index_data = NULL;
    /* The validator's database half; the index half is added on attach. */
    snprintf(s->etag_base, sizeof s->etag_base, "%.16s", prev->etag_base);
    atomic_fetch_add(s->db_refs, 1);
    return s;
}

void srv_site_free(srv_site *s)
{
    if (!s)
        return;
    srv_index_data_release(s->index_data);
    if (atomic_fetch_sub(s->db_refs, 1) != 1) {
        free(s);
        return;
    }
    free((void *)s->db_refs);
    for (size_t i = 0; i < s->count; i++) {
        csec_free(s->advs[i].desc_html);
        csec_free(s->advs[i].alt_html);
    }
    free(s->advs);
    free((void *)s->by_ptr);
    free((void *)s->by_date);
    free((void *)s->packages);
    free((void *)s->categories);
    free((void *)s->keywords);
    free(s->modified);
    for (size_t i = 0; i < s->nload_errors; i++)
        csec_free(s->load_errors[i]);
    free(s->load_errors);
    csec_db_free(s->db);
    csec_free(s->css);
    free(s);
}

const srv_adv *srv_site_adv(const srv_site *s, const csec_advisory *a)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uintptr_t m = (uintptr_t)s->by_ptr[mid]->a;
        if (m == (uintptr_t)a)
            return s->by_ptr[mid];
        if (m < (uintptr_t)a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *srv_site_package(const srv_site *s, const char *name)
{
    size_t n = 0;
    const csec_advisory *const *l = csec_db_by_package(s->db, CSEC_COLLECTION_CRATES, name, &n);
    if (l && n)
        return l[0]->package;
    /* About a thousand names: a scan costs microseconds and needs no second
     * sorted copy. */
    for (size_t i = 0; i < s->npackages; i++)
        if (csec__crate_name_eq(s->packages[i], strlen(s->packages[i]), name, strlen(name)))
            return s->packages[i];
    return NULL;
}
