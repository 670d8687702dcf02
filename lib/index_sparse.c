/* index_sparse.c - the sparse HTTP registry index (see index.h).
 *
 * Cargo's sparse protocol (doc/src/reference/registry-index.md, "Sparse
 * protocol"): the index is a plain HTTP tree with the same relative paths as
 * the git layout, config.json at its root.  A crate file that does not exist
 * is answered with 404 (or 410 / 451).  Clients cache files and revalidate
 * them with the ETag and Last-Modified the server gave.
 *
 * Disk cache: one file per index file at <cache_dir>/<relative path>:
 *
 *     cratesec-index-cache 1\n
 *     etag: <value>\n            (when the server sent one)
 *     last-modified: <value>\n   (likewise)
 *     \n
 *     <the body, unchanged>
 *
 * written to a temporary name and renamed, so a reader never sees half a
 * file.  A cache file that does not start with the magic line is ignored. */
#include "crate_name.h"
#include "index.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_MAGIC "cratesec-index-cache 1\n"
/* Crate files of crates.io are at most a few MB; refuse absurd bodies. */
#define MAX_BODY CSEC_INDEX_FILE_MAX
/* crates.io allows 64 characters; other registries may allow more. */
#define MAX_NAME CSEC_CRATE_NAME_MAX

/* Read-only once made, so threads fetching with handles of their own
 * (csec__index_sparse_get) share it; `curl` is the serial API's handle. */
typedef struct remote {
    char *base;      /* "https://host/path/" (with the final '/') */
    char *cache_dir; /* NULL: no cache */
    csec_index_sparse_options opts;
    CURL *curl;
} remote;

/* Distinct temporary names for cache files written by several threads. */
static _Atomic unsigned long tmp_counter;

/* One response. */
typedef struct response {
    long status;
    csec_buf body;
    csec_buf etag;
    csec_buf last_modified;
    bool too_big;
} response;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void init_curl(void)
{
    /* curl_global_init is not thread-safe on every build; once for all. */
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void remote_free(void *p)
{
    remote *r = p;
    if (!r)
        return;
    curl_easy_cleanup(r->curl);
    free(r->base);
    free(r->cache_dir);
    free(r);
}

/* ---- the disk cache ---- */

static void cache_path(csec_buf *out, const remote *r, const char *rel)
{
    csec_buf_clear(out);
    csec_buf_printf(out, "%s/%s", r->cache_dir, rel);
}

/* Reads a cache file: body and validators.  Returns 0, or -1 when there is
 * no usable cached copy. */
static int cache_read(const remote *r, const char *rel, response *out)
{
    csec_buf path = CSEC_BUF_INIT;
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (!r->cache_dir)
        return -1;
    cache_path(&path, r, rel);
    if (csec__read_file(&text, &len, path.ptr, MAX_BODY + 4096, NULL) < 0)
        goto done;
    size_t ml = sizeof CACHE_MAGIC - 1;
    if (len < ml || memcmp(text, CACHE_MAGIC, ml) != 0)
        goto done;
    const char *p = text + ml, *end = text + len;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            goto done; /* truncated header */
        if (nl == p) {
            p = nl + 1;
            break;
        }
        if ((size_t)(nl - p) > 6 && memcmp(p, "etag: ", 6) == 0)
            csec_buf_put(&out->etag, p + 6, (size_t)(nl - p) - 6);
        else if ((size_t)(nl - p) > 15 && memcmp(p, "last-modified: ", 15) == 0)
            csec_buf_put(&out->last_modified, p + 15, (size_t)(nl - p) - 15);
        p = nl + 1;
    }
    csec_buf_clear(&out->body);
    csec_buf_put(&out->body, p, (size_t)(end - p));
    rc = 0;
done:
    free(text);
    csec_buf_free(&path);
    return rc;
}

static int cache_write(const remote *r, const char *rel, const response *resp)
{
    csec_buf path = CSEC_BUF_INIT, tmp = CSEC_BUF_INIT;
    FILE *f = NULL;
    int rc = -1;
    if (!r->cache_dir)
        return 0;
    cache_path(&path, r, rel);
    csec_buf_printf(&tmp, "%s.tmp.%ld.%lu", path.ptr, (long)getpid(),
                    (unsigned long)atomic_fetch_add(&tmp_counter, 1));
    if (csec__mkdir_parents(tmp.ptr, 0777) < 0 || !(f = fopen(tmp.ptr, "wb")))
        goto done;
    fputs(CACHE_MAGIC, f);
    if (resp->etag.len)
        fprintf(f, "etag: %s\n", resp->etag.ptr);
    if (resp->last_modified.len)
        fprintf(f, "last-modified: %s\n", resp->last_modified.ptr);
    fputc('\n', f);
    if (resp->body.len)
        fwrite(resp->body.ptr, 1, resp->body.len, f);
    if (ferror(f) | (fclose(f) != 0)) {
        f = NULL;
        unlink(tmp.ptr);
        goto done;
    }
    f = NULL;
    if (rename(tmp.ptr, path.ptr) != 0) {
        unlink(tmp.ptr);
        goto done;
    }
    rc = 0;
done:
    if (f) {
        fclose(f);
        unlink(tmp.ptr);
    }
    csec_buf_free(&path);
    csec_buf_free(&tmp);
    return rc;
}

static void cache_remove(const remote *r, const char *rel)
{
    csec_buf path = CSEC_BUF_INIT;
    if (!r->cache_dir)
        return;
    cache_path(&path, r, rel);
    unlink(path.ptr);
    csec_buf_free(&path);
}

/* ---- HTTP ---- */

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    response *resp = payload;
    size_t len = size * n;
    if (resp->body.len + len > MAX_BODY) {
        resp->too_big = true;
        return 0; /* aborts the transfer */
    }
    csec_buf_put(&resp->body, data, len);
    return len;
}

/* Keeps a header's value (trimmed) when its name matches, case-insensitively. */
static bool take_header(csec_buf *out, const char *line, size_t len, const char *name)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return false;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    csec_buf_clear(out);
    /* A value with a newline would break the cache file's header. */
    for (const char *p = v; p < end; p++)
        if (*p == '\n' || *p == '\r' || *p == '\0')
            return true;
    csec_buf_put(out, v, (size_t)(end - v));
    return true;
}

static size_t on_header(char *data, size_t size, size_t n, void *payload)
{
    response *resp = payload;
    size_t len = size * n;
    /* A new status line (after a redirect or a 100 Continue) starts a new
     * header block: forget validators of the previous response. */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        csec_buf_clear(&resp->etag);
        csec_buf_clear(&resp->last_modified);
    } else if (!take_header(&resp->etag, data, len, "etag")) {
        take_header(&resp->last_modified, data, len, "last-modified");
    }
    return len;
}

/* GETs base + rel, conditionally when `cached` has validators.  Fills
 * resp (status, body, validators).  Returns 0 or CSEC_EIO. */
static int http_get(const remote *r, CURL *c, csec_index_stats *st, const char *rel,
                    const response *cached, response *resp, csec_diag *d)
{
    csec_buf url = CSEC_BUF_INIT, h1 = CSEC_BUF_INIT, h2 = CSEC_BUF_INIT;
    struct curl_slist *hdrs = NULL;
    char err[CURL_ERROR_SIZE];
    int rc = 0;

    csec_buf_printf(&url, "%s%s", r->base, rel);
    if (cached && cached->etag.len) {
        csec_buf_printf(&h1, "If-None-Match: %s", cached->etag.ptr);
        hdrs = curl_slist_append(hdrs, h1.ptr);
    }
    if (cached && cached->last_modified.len) {
        csec_buf_printf(&h2, "If-Modified-Since: %s", cached->last_modified.ptr);
        hdrs = curl_slist_append(hdrs, h2.ptr);
    }
    curl_easy_reset(c);
    err[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url.ptr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever curl can decode */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cratesec/" CSEC_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     r->opts.connect_timeout > 0 ? r->opts.connect_timeout : 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, r->opts.timeout > 0 ? r->opts.timeout : 300L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    st->http_requests++;
    CURLcode cc = curl_easy_perform(c);
    if (resp->too_big) {
        rc = csec__diag_set(d, CSEC_EIO, url.ptr, 0, 0, "response larger than %zu MB",
                            MAX_BODY >> 20);
        goto done;
    }
    if (cc != CURLE_OK) {
        rc = csec__diag_set(d, CSEC_EIO, url.ptr, 0, 0, "%s",
                            err[0] ? err : curl_easy_strerror(cc));
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
done:
    curl_slist_free_all(hdrs);
    csec_buf_free(&url);
    csec_buf_free(&h1);
    csec_buf_free(&h2);
    return rc;
}

static void response_free(response *resp)
{
    csec_buf_free(&resp->body);
    csec_buf_free(&resp->etag);
    csec_buf_free(&resp->last_modified);
}

enum { GOT_FILE = 0, GOT_NOTHING = 1 };

/* Moves a response's body into *body. */
static void take_body(csec_buf *body, response *from)
{
    csec_buf_free(body);
    *body = from->body;
    from->body = (csec_buf)CSEC_BUF_INIT;
}

/* Gets one index file into *body: revalidates a cached copy, or downloads.
 * Returns GOT_FILE (body filled), GOT_NOTHING (the server has no such file,
 * or offline without a cached copy) or CSEC_EIO. */
static int get_file(const remote *r, CURL *c, csec_index_stats *st, const char *rel,
                    csec_buf *body, bool *not_modified, csec_diag *d)
{
    response cached = {0}, resp = {0};
    bool have_cache = cache_read(r, rel, &cached) == 0;
    int rc;
    *not_modified = false;
    if (have_cache)
        st->cache_hits++;
    if (r->opts.offline) {
        rc = have_cache ? GOT_FILE : GOT_NOTHING;
        if (have_cache)
            take_body(body, &cached);
        goto done;
    }
    rc = http_get(r, c, st, rel, have_cache ? &cached : NULL, &resp, d);
    if (rc < 0)
        goto done;
    if (resp.status == 304 && have_cache) {
        st->http_not_modified++;
        *not_modified = true;
        take_body(body, &cached);
        rc = GOT_FILE;
    } else if (resp.status == 200) {
        st->http_ok++;
        if (cache_write(r, rel, &resp) == 0 && r->cache_dir)
            st->cache_writes++;
        take_body(body, &resp);
        rc = GOT_FILE;
    } else if (resp.status == 404 || resp.status == 410 || resp.status == 451) {
        st->http_not_found++;
        cache_remove(r, rel);
        rc = GOT_NOTHING;
    } else {
        rc = csec__diag_set(d, CSEC_EIO, NULL, 0, 0, "%s%s: unexpected HTTP status %ld", r->base,
                            rel, resp.status);
    }
done:
    response_free(&cached);
    response_free(&resp);
    return rc;
}

/* ---- the public side ---- */

int csec__index_open_sparse(csec_index **out, const char *url, const csec_index_options *opts,
                            const csec_index_sparse_options *sopts, csec_diag *d)
{
    csec_index *ix = NULL;
    remote *r = NULL;
    csec_buf body = CSEC_BUF_INIT, where = CSEC_BUF_INIT;
    int rc = 0;

    *out = NULL;
    if (strncmp(url, "sparse+", 7) == 0)
        url += 7;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0,
                              "not a sparse index URL (sparse+http(s)://...): %.200s", url);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "invalid character in index URL");
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return csec__diag_set(d, CSEC_EIO, "", 0, 0, "cannot initialise libcurl: %s",
                              curl_easy_strerror(curl_init_rc));

    r = csec__xcalloc(1, sizeof *r);
    size_t ul = strlen(url);
    r->base = csec__xmalloc(ul + 2);
    memcpy(r->base, url, ul + 1);
    if (ul == 0 || url[ul - 1] != '/')
        memcpy(r->base + ul, "/", 2);
    if (sopts) {
        r->opts = *sopts;
        r->opts.cache_dir = NULL;
        if (sopts->cache_dir && *sopts->cache_dir)
            r->cache_dir = csec__xstrdup(sopts->cache_dir);
    }
    r->curl = curl_easy_init();
    if (!r->curl) {
        rc = csec__diag_set(d, CSEC_EIO, "", 0, 0, "cannot create a libcurl handle");
        remote_free(r);
        goto done;
    }
    ix = csec__index_new(opts);
    csec__index_attach_remote(ix, r, remote_free);

    csec_buf_printf(&where, "%sconfig.json", r->base);
    bool nm;
    rc = get_file(r, r->curl, csec__index_stats_ref(ix), "config.json", &body, &nm, d);
    if (rc == GOT_NOTHING)
        rc = csec__diag_set(d, CSEC_EIO, where.ptr, 0, 0,
                            "no config.json: not a registry index (or not cached, offline)");
    if (rc < 0)
        goto done;
    rc = csec__index_set_config(ix, where.ptr, body.ptr ? body.ptr : "", body.len, d);
    if (rc < 0)
        goto done;
    *out = ix;
    ix = NULL;
done:
    csec__index_free(ix);
    csec_buf_free(&body);
    csec_buf_free(&where);
    return rc;
}

/* Spelling `pass` of a crate name (len <= MAX_NAME, as a valid name is):
 * 0 as written, 1 with every '-' made '_', 2 with every '_' made '-'; NULL
 * when that spelling is the one as written.  '-' and '_' are one character
 * to crates.io, but sparse paths are exact: Cargo tries the variants too. */
static const char *spelling(char alt[MAX_NAME + 1], const char *name, size_t len, int pass)
{
    char from = pass == 1 ? '-' : '_', to = pass == 1 ? '_' : '-';
    if (pass == 0)
        return name;
    if (!memchr(name, from, len))
        return NULL;
    for (size_t i = 0; i <= len; i++)
        alt[i] = name[i] == from ? to : name[i];
    return alt;
}

/* Fetches one spelling of a name.  Returns 0 with *out set, GOT_NOTHING, or
 * a negative code. */
static int fetch_one(const csec_index_crate **out, csec_index *ix, remote *r, const char *name,
                     csec_diag *d)
{
    char rel[MAX_NAME + 16];
    csec_buf body = CSEC_BUF_INIT, where = CSEC_BUF_INIT;
    if (csec__index_path_for(rel, sizeof rel, name) == 0)
        return CSEC_EINVAL;
    bool nm;
    int rc = get_file(r, r->curl, csec__index_stats_ref(ix), rel, &body, &nm, d);
    if (rc != GOT_FILE)
        goto done;
    csec_buf_printf(&where, "%s%s", r->base, rel);
    rc = csec__index_add_file(out, ix, where.ptr, name, body.ptr ? body.ptr : "", body.len);
    if (rc == 0 && !*out)
        rc = GOT_NOTHING; /* an empty file: no version was ever published */
    else if (rc < 0)
        rc = csec__diag_set(d, rc, where.ptr, 0, 0, "no usable line in the crate file");
done:
    csec_buf_free(&body);
    csec_buf_free(&where);
    return rc;
}

int csec__index_fetch(const csec_index_crate **out, csec_index *ix, const char *name,
                      csec_diag *d)
{
    size_t len = strlen(name);
    char alt[MAX_NAME + 1];

    *out = csec__index_find(ix, name);
    if (*out)
        return 0;
    if (!csec__crate_name_valid(name, len))
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "invalid crate name \"%.100s\"", name);
    remote *r = csec__index_remote(ix);
    if (!r)
        return csec__diag_set(d, CSEC_ENOTFOUND, "", 0, 0, "no crate named \"%s\"", name);
    int rc = GOT_NOTHING;
    for (int pass = 0; pass < 3 && rc == GOT_NOTHING; pass++) {
        const char *try = spelling(alt, name, len, pass);
        if (try)
            rc = fetch_one(out, ix, r, try, d);
    }
    if (rc != 0)
        *out = NULL;
    if (rc == GOT_NOTHING)
        rc = csec__diag_set(d, CSEC_ENOTFOUND, "", 0, 0, "no crate named \"%s\" in %s", name,
                            r->base);
    return rc;
}

/* ---- for threads of their own ---- */

void csec__index_sparse_handle_free(void *handle)
{
    curl_easy_cleanup(handle); /* NULL: nothing */
}

int csec__index_sparse_get(const csec_index *root, void **handle, const char *name,
                           csec_buf *body, char *rel, size_t relsize, bool *not_modified,
                           csec_index_stats *st, csec_diag *d)
{
    const remote *r = csec__index_remote(root);
    size_t len = strlen(name);
    *not_modified = false;
    rel[0] = '\0';
    if (!csec__crate_name_valid(name, len))
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "invalid crate name \"%.100s\"", name);
    if (!r)
        return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "not a sparse index");
    if (!*handle && !(*handle = curl_easy_init()))
        return csec__diag_set(d, CSEC_EIO, "", 0, 0, "cannot create a libcurl handle");
    char alt[MAX_NAME + 1];
    int rc = GOT_NOTHING;
    for (int pass = 0; pass < 3 && rc == GOT_NOTHING; pass++) {
        const char *try = spelling(alt, name, len, pass);
        if (!try)
            continue;
        if (csec__index_path_for(rel, relsize, try) == 0)
            return csec__diag_set(d, CSEC_EINVAL, "", 0, 0, "crate name too long");
        csec_buf_clear(body);
        rc = get_file(r, *handle, st, rel, body, not_modified, d);
    }
    if (rc == GOT_NOTHING)
        return csec__diag_set(d, CSEC_ENOTFOUND, "", 0, 0, "no crate named \"%s\" in %s", name,
                              r->base);
    return rc;
}

const char *csec__index_sparse_url(const csec_index *root)
{
    const remote *r = csec__index_remote(root);
    return r ? r->base : NULL;
}
