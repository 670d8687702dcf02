/* http.c - libmicrohttpd wrapper: limits, access log, graceful shutdown.
 *
 * MHD's own URL unescaping is replaced by an identity callback so that the
 * router sees the raw path: it must reject %00, invalid UTF-8 and ".."
 * segments, which MHD's in-place decoding would hide (a decoded NUL simply
 * truncates the string).  Query values arrive with '+' already turned into
 * spaces by MHD and are percent-decoded by srv_query.
 */
#include "http.h"

#include "api.h"
#include "pages.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH_MAX 300
/* Pages without a Cache-Control of their own: a minute fresh, then
 * revalidated with their ETag. */
#define PAGE_CACHE_CONTROL "public, max-age=60"

/* Per-request state, from the first handler call to the completion callback. */
typedef struct req_state {
    struct timespec start; /* CLOCK_MONOTONIC */
    time_t wall;
    uint64_t body;       /* request body bytes seen */
    int status;          /* 0 until a response is queued */
    size_t bytes;        /* response body length */
    char method[8];
    char path[LOG_PATH_MAX + 1];
    csec_buf upload; /* POST body, up to body_limit (srv_post_limit) */
    size_t body_limit;
    size_t counted; /* bytes of `upload` counted in server.upload_bytes */
    /* The data this request is answered from, held until its response has
     * been sent (a cached body lives in the site). */
    const srv_site *site;
} req_state;

/* Rendered pages, one cache per site.  A site is immutable, so a page
 * rendered once for a path without a query string stays right while the site
 * is served (a reload brings a new site with an empty cache):
 * caching it makes a repeated request cost about what a static file costs
 * (the benchmark compares with nginx serving the same bytes).  Only 200
 * responses are kept, within CACHE_MAX_BYTES in total so that requests for
 * many distinct pages cannot grow memory without bound; past the budget
 * pages are simply rendered every time.  Entries are never evicted, so a
 * body handed to MHD stays valid while it is being sent (the request holds
 * its site, and so the cache, until then). */
#define CACHE_SHARDS 64
#define CACHE_BUCKETS 1024
#define CACHE_MAX_BYTES ((size_t)128 << 20)

typedef struct centry {
    struct centry *next;
    uint64_t hash;
    char *key;
    const char *content_type;
    const char *cache_control;
    char *body;
    size_t len;
} centry;

typedef struct cshard {
    pthread_mutex_t mu;
    centry *buckets[CACHE_BUCKETS];
} cshard;

typedef struct page_cache {
    cshard shards[CACHE_SHARDS];
    atomic_size_t bytes;
} page_cache;

/* One open connection, from MHD's "started" notification to "closed".
 *
 * MHD's connection timeout is an idle timeout: a client that sends one byte
 * every few seconds (slowloris) never trips it and holds its connection for
 * ever.  So every connection also has a deadline: a complete request (head
 * and body) must arrive within the timeout of the connection becoming ready
 * for one, that is of its accept or of the end of the previous response.  A
 * watchdog thread shuts down the socket of a connection past its deadline;
 * MHD then sees the end of the stream and closes the connection itself.
 * While a response is being sent, MHD's idle timeout applies instead. */
typedef struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    atomic_llong ready_ms; /* CLOCK_MONOTONIC milliseconds */
    atomic_int busy;       /* a response is queued or being sent */
    bool cut;              /* shut down by the watchdog (under conn_mu) */
    char client[INET6_ADDRSTRLEN];
} conn_track;

typedef struct server {
    srv_live *live;
    const http_options *opts;
    atomic_long inflight;
    atomic_size_t upload_bytes; /* request bodies held, all connections */
    atomic_int stopping;
    pthread_mutex_t conn_mu; /* guards the list `conns` and conn_track.cut */
    conn_track *conns;
    atomic_long cut_count; /* connections cut off by the watchdog */
    atomic_int watchdog_stop;
    /* Messages of MHD, at most LOG_BURST a second (an attack must not flood
     * the error log). */
    atomic_llong log_sec;
    atomic_int log_count;
    atomic_long log_dropped;
} server;

#define LOG_BURST 10

static void cache_free(void *p)
{
    page_cache *pc = p;
    if (!pc)
        return;
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        for (size_t j = 0; j < CACHE_BUCKETS; j++) {
            centry *e = pc->shards[i].buckets[j];
            while (e) {
                centry *next = e->next;
                csec_free(e->key);
                csec_free(e->body);
                csec_free(e);
                e = next;
            }
        }
        pthread_mutex_destroy(&pc->shards[i].mu);
    }
    free(pc);
}

/* The page cache of `site`, made on first use. */
static page_cache *cache_of(const srv_site *site)
{
    srv_site *ms = (srv_site *)site;
    page_cache *pc = __atomic_load_n(&ms->page_cache, __ATOMIC_ACQUIRE);
    if (pc)
        return pc;
    page_cache *fresh = csec__xcalloc(1, sizeof *fresh);
    for (size_t i = 0; i < CACHE_SHARDS; i++)
        pthread_mutex_init(&fresh->shards[i].mu, NULL);
    void *expected = NULL;
    /* Another thread may have made one meanwhile: the first one wins. */
    if (__atomic_compare_exchange_n(&ms->page_cache, &expected, fresh, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        ms->page_cache_free = cache_free;
        return fresh;
    }
    cache_free(fresh);
    return expected;
}

static const centry *cache_get(page_cache *pc, const char *key, uint64_t h)
{
    cshard *sh = &pc->shards[h % CACHE_SHARDS];
    const centry *found = NULL;
    pthread_mutex_lock(&sh->mu);
    for (centry *e = sh->buckets[(h / CACHE_SHARDS) % CACHE_BUCKETS]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0) {
            found = e;
            break;
        }
    pthread_mutex_unlock(&sh->mu);
    return found;
}

/* Takes the body of `r` into the cache (r->static_body then points to it);
 * leaves `r` alone when the budget is spent or the key is already there. */
static void cache_put(page_cache *pc, const char *key, uint64_t h, srv_resp *r)
{
    size_t cost = r->body.len + strlen(key) + sizeof(centry);
    if (atomic_fetch_add(&pc->bytes, cost) + cost > CACHE_MAX_BYTES) {
        atomic_fetch_sub(&pc->bytes, cost);
        return;
    }
    cshard *sh = &pc->shards[h % CACHE_SHARDS];
    centry **head = &sh->buckets[(h / CACHE_SHARDS) % CACHE_BUCKETS];
    pthread_mutex_lock(&sh->mu);
    for (centry *e = *head; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0) {
            pthread_mutex_unlock(&sh->mu);
            atomic_fetch_sub(&pc->bytes, cost);
            return;
        }
    centry *e = csec__xcalloc(1, sizeof *e);
    e->hash = h;
    e->key = csec__xstrndup(key, strlen(key));
    e->content_type = r->content_type;
    e->cache_control = r->cache_control;
    e->len = r->body.len;
    e->body = csec_buf_detach(&r->body);
    e->next = *head;
    *head = e;
    pthread_mutex_unlock(&sh->mu);
    r->static_body = e->body;
    r->static_len = e->len;
}

/* Whole milliseconds, for the connection deadlines. */
static long long now_ms(void)
{
    return (long long)csec__now_ms();
}

static void client_address(char *out, size_t n, const struct sockaddr *sa)
{
    snprintf(out, n, "-");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

static conn_track *track_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *s = cls;
    conn_track *t = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        t = csec__xcalloc(1, sizeof *t);
        t->fd = fi ? fi->connect_fd : -1;
        atomic_store(&t->ready_ms, now_ms());
        client_address(t->client, sizeof t->client, ai ? ai->client_addr : NULL);
        pthread_mutex_lock(&s->conn_mu);
        t->next = s->conns;
        if (s->conns)
            s->conns->prev = t;
        s->conns = t;
        pthread_mutex_unlock(&s->conn_mu);
        *socket_context = t;
    } else if (t) {
        /* MHD notifies before it closes the socket, so the watchdog (which
         * holds conn_mu while it shuts sockets down) never touches a
         * descriptor that has been reused. */
        pthread_mutex_lock(&s->conn_mu);
        if (t->prev)
            t->prev->next = t->next;
        else
            s->conns = t->next;
        if (t->next)
            t->next->prev = t->prev;
        pthread_mutex_unlock(&s->conn_mu);
        csec_free(t);
        *socket_context = NULL;
    }
}

static void *watchdog(void *arg)
{
    server *s = arg;
    long long limit = (long long)s->opts->timeout_s * 1000;
    while (!atomic_load(&s->watchdog_stop)) {
        struct timespec pause = {0, 250 * 1000 * 1000};
        nanosleep(&pause, NULL);
        long long now = now_ms();
        pthread_mutex_lock(&s->conn_mu);
        for (conn_track *t = s->conns; t; t = t->next) {
            if (t->cut || t->fd < 0 || atomic_load(&t->busy) ||
                now - atomic_load(&t->ready_ms) <= limit)
                continue;
            t->cut = true;
            shutdown(t->fd, SHUT_RDWR);
            atomic_fetch_add(&s->cut_count, 1);
            srv_live_cut(s->live);
            if (s->opts->access_log) {
                char when[32];
                time_t wall = time(NULL);
                struct tm tm;
                gmtime_r(&wall, &tm);
                strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
                long long waited_us = (now - atomic_load(&t->ready_ms)) * 1000;
                if (s->opts->log_json)
                    fprintf(s->opts->access_log,
                            "{\"time\":\"%s\",\"client\":\"%s\",\"status\":408,\"bytes\":0,"
                            "\"us\":%lld,\"event\":\"request-timeout\"}\n",
                            when, t->client, waited_us);
                else
                    fprintf(s->opts->access_log, "%s %s - - 408 0 %lldus request-timeout\n",
                            when, t->client, waited_us);
            }
        }
        pthread_mutex_unlock(&s->conn_mu);
    }
    return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    server *s = cls;
    long long sec = now_ms() / 1000;
    long long seen = atomic_load(&s->log_sec);
    if (seen != sec && atomic_compare_exchange_strong(&s->log_sec, &seen, sec)) {
        long dropped = atomic_exchange(&s->log_dropped, 0);
        atomic_store(&s->log_count, 0);
        if (dropped)
            fprintf(stderr, "cratesec serve: %ld more messages of the HTTP library dropped\n",
                    dropped);
    }
    if (atomic_fetch_add(&s->log_count, 1) >= LOG_BURST) {
        atomic_fetch_add(&s->log_dropped, 1);
        return;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    fprintf(stderr, "cratesec serve: %s\n", msg);
}

/* Keeps the raw URL: see the comment at the top of the file. */
static size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ---- query values ---- */

const char *srv_query(const srv_req *r, const char *key)
{
    return srv_query_keep(r, MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key));
}

const char *srv_header(const srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---- responses ---- */

static const char csp[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/* Queues `r`.  `etag`, when not NULL, is the page's validator: sent as ETag,
 * with a default Cache-Control when the handler set none. */
static enum MHD_Result send_resp(server *s, struct MHD_Connection *c, req_state *st,
                                 srv_resp *r, const char *etag)
{
    struct MHD_Response *mr;
    size_t len;
    if (r->static_body) {
        len = r->static_len;
        mr = MHD_create_response_from_buffer(len, (void *)r->static_body,
                                             MHD_RESPMEM_PERSISTENT);
    } else {
        len = r->body.len;
        char *body = csec_buf_detach(&r->body);
        mr = MHD_create_response_from_buffer_with_free_callback(len, body, csec_free);
        if (!mr)
            csec_free(body);
    }
    if (!mr)
        return MHD_NO;
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type ? r->content_type : "text/html; charset=utf-8");
    MHD_add_response_header(mr, "Content-Security-Policy", csp);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "Referrer-Policy", "same-origin");
    if (etag) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL,
                                r->cache_control ? r->cache_control : PAGE_CACHE_CONTROL);
    } else if (r->cache_control) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    }
    if (r->location.len)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location.ptr);
    if (r->status == 405)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow ? r->allow : "GET, HEAD");
    for (char *line = r->headers.ptr, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
        char *colon = strchr(line, ':');
        *nl = '\0';
        if (colon && colon < nl) {
            *colon = '\0';
            MHD_add_response_header(mr, line, colon + 2);
        }
    }
    if (atomic_load(&s->stopping))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    st->status = r->status;
    st->bytes = len;
    conn_track *t = track_of(c);
    if (t)
        atomic_store(&t->busy, 1);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    csec_buf_free(&r->body);
    csec_buf_free(&r->location);
    csec_buf_free(&r->headers);
    return ret;
}

static enum MHD_Result send_error(server *s, struct MHD_Connection *c, req_state *st, int status,
                                  const char *title, const char *msg)
{
    srv_resp r = {0};
    srv_req req = {0};
    req.site = st->site;
    /* API clients parse errors as JSON (osv.dev's shape), people read pages. */
    if (strncmp(st->path, "/v1/", 4) == 0 || strncmp(st->path, "/api/", 5) == 0 ||
        strncmp(st->path, "/packages/", 10) == 0)
        api_error(&r, status, status == 405 ? API_ERR_UNIMPLEMENTED : API_ERR_INVALID, msg);
    else
        page_error(&req, &r, status, title, msg);
    return send_resp(s, c, st, &r, NULL);
}

static void copy_for_log(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    server *s = cls;
    req_state *st = *con_cls;
    (void)version;
    (void)upload_data;
    if (!st) {
        /* First call: headers are in.  Answer now only when the request is
         * refused anyway; otherwise wait for the final call, because an
         * answer queued here makes MHD close the connection (trial §5.1). */
        st = csec__xcalloc(1, sizeof *st);
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->wall = time(NULL);
        copy_for_log(st->method, sizeof st->method, method);
        copy_for_log(st->path, sizeof st->path, url);
        st->site = srv_live_acquire(s->live);
        *con_cls = st;
        atomic_fetch_add(&s->inflight, 1);
        if (MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) > HTTP_MAX_HEADERS)
            return send_error(s, c, st, 431, "Request header fields too large",
                              "The request has too many header fields.");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        bool post = strcmp(method, "POST") == 0;
        st->body_limit = post ? srv_post_limit(url) : s->opts->max_body;
        if (cl && strtoull(cl, NULL, 10) > st->body_limit) {
            char msg[160];
            snprintf(msg, sizeof msg, "This address accepts request bodies of up to %zu bytes.",
                     st->body_limit);
            return send_error(s, c, st, 413, "Request body too large", msg);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        bool post = strcmp(method, "POST") == 0;
        st->body += *upload_size;
        if (post && st->body <= st->body_limit) {
            /* All bodies being received share one memory budget: past it,
             * the connection is dropped (uploads of 5 MB lockfiles). */
            if (atomic_fetch_add(&s->upload_bytes, *upload_size) + *upload_size >
                HTTP_UPLOAD_BUDGET) {
                atomic_fetch_sub(&s->upload_bytes, *upload_size);
                *upload_size = 0;
                return MHD_NO;
            }
            csec_buf_put(&st->upload, upload_data, *upload_size);
            st->counted += *upload_size;
        }
        *upload_size = 0;
        /* A chunked body has no announced length: past the limit, drop the
         * connection (a response cannot be queued while a body is read). */
        return st->body > st->body_limit ? MHD_NO : MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!get && strcmp(method, "POST") != 0 && strcmp(method, "OPTIONS") != 0 &&
        strcmp(method, "DELETE") != 0)
        return send_error(s, c, st, 405, "Method not allowed",
                          "Only GET and HEAD are supported.");
    const srv_site *site = st->site;
    srv_resp r = {0};
    bool cacheable = get && MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0;
    /* With a sparse index, crate pages change when the registry's copy is
     * revalidated: they are rendered each time (the crate is cached). */
    if (site->sparse && strncmp(url, "/crates/", 8) == 0)
        cacheable = false;
    /* Operational pages change with every request. */
    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0)
        cacheable = false;
    uint64_t h = cacheable ? csec__fnv1a_str(CSEC_FNV_INIT, url) : 0;
    /* A cacheable page is a function of the data and the path: that pair is
     * its validator, so a proxy (deploy/nginx) or browser revalidates with
     * If-None-Match and gets a 304 without the page being rendered. */
    /* Weak: the footer says when this replica loaded the data, so two
     * replicas (or two loads of one commit) send equivalent pages that differ
     * in that line.  If-None-Match compares weakly (RFC 9110 §13.1.2); it is
     * checked only once the page is known to exist (a cached page, or a 200
     * just rendered), since "*" must not match a 404. */
    char etag[96];
    const char *inm = NULL;
    if (cacheable) {
        snprintf(etag, sizeof etag, "W/\"p%s-%016llx\"", site->etag_base, (unsigned long long)h);
        inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    }
    page_cache *pc = cacheable ? cache_of(site) : NULL;
    const centry *e = cacheable ? cache_get(pc, url, h) : NULL;
    if (e) {
        r.status = 200;
        r.content_type = e->content_type;
        r.cache_control = e->cache_control;
        r.static_body = e->body;
        r.static_len = e->len;
    } else {
        srv_route(site, c, method, url, st->upload.ptr, st->upload.len, &r);
        /* The API sets its own validators (r->headers); only plain pages
         * get the path's. */
        bool plain = r.status == 200 && !r.static_body && !r.location.len && !r.headers.len;
        if (!cacheable || !plain)
            return send_resp(s, c, st, &r, NULL);
        cache_put(pc, url, h, &r);
    }
    if (api_etag_matches(inm, etag + 2)) {
        csec_buf_free(&r.body);
        r.status = 304;
        r.static_body = "";
        r.static_len = 0;
    }
    return send_resp(s, c, st, &r, etag);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *s = cls;
    req_state *st = *con_cls;
    conn_track *t = track_of(c);
    if (t) {
        /* Ready for the next request on this connection: a new deadline. */
        atomic_store(&t->ready_ms, now_ms());
        atomic_store(&t->busy, 0);
    }
    if (!st)
        return;
    *con_cls = NULL;
    atomic_fetch_sub(&s->upload_bytes, st->counted);
    csec_buf_free(&st->upload);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long us = (long long)(now.tv_sec - st->start.tv_sec) * 1000000LL +
                   (now.tv_nsec - st->start.tv_nsec) / 1000;
    srv_live_observe(s->live, st->status, (double)us / 1e6);
    FILE *log = s->opts->access_log;
    if (log) {
        char when[32];
        struct tm tm;
        gmtime_r(&st->wall, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        const char *client = t ? t->client : "-";
        bool aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;
        unsigned long long gen = (unsigned long long)(st->site ? st->site->generation : 0);
        /* Method and path were made printable ASCII without quotes or
         * backslashes by copy_for_log, so they need no JSON escaping. */
        if (s->opts->log_json)
            fprintf(log,
                    "{\"time\":\"%s\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
                    "\"status\":%d,\"bytes\":%zu,\"us\":%lld,\"generation\":%llu%s}\n",
                    when, client, st->method, st->path, st->status, st->bytes, us, gen,
                    aborted ? ",\"aborted\":true" : "");
        else
            fprintf(log, "%s %s %s %s %d %zu %lldus gen=%llu%s\n", when, client, st->method,
                    st->path, st->status, st->bytes, us, gen, aborted ? " aborted" : "");
    }
    srv_live_release(st->site);
    csec_free(st);
    atomic_fetch_sub(&s->inflight, 1);
}

/* ---- listening socket ---- */

/* Splits "HOST:PORT" / "[HOST]:PORT"; host and port are written to the
 * buffers.  Returns 0 or -1. */
static int split_listen(const char *spec, char *host, size_t hn, char *port, size_t pn)
{
    const char *colon;
    const char *h = spec;
    size_t hl;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':')
            return -1;
        h = spec + 1;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - spec);
    }
    size_t pl = strlen(colon + 1);
    if (hl == 0 || hl >= hn || pl == 0 || pl >= pn || strspn(colon + 1, "0123456789") != pl)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl + 1);
    return 0;
}

static int open_listener(const char *spec, int *family, char *shown, size_t shown_n)
{
    char host[256], port[16];
    if (split_listen(spec, host, sizeof host, port, sizeof port) < 0) {
        fprintf(stderr, "cratesec serve: --listen wants HOST:PORT, got `%s`\n", spec);
        return -1;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "cratesec serve: cannot resolve `%s`: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
            *family = ai->ai_family;
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "cratesec serve: cannot listen on %s: %s\n", spec, strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned bound = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        bound = ss.ss_family == AF_INET6
                    ? ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port)
                    : ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
    snprintf(shown, shown_n, *family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, bound);
    return fd;
}

/* ---- running ---- */

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

int http_serve(srv_live *live, const http_options *opts)
{
    server s;
    memset(&s, 0, sizeof s);
    s.live = live;
    s.opts = opts;
    pthread_mutex_init(&s.conn_mu, NULL);
    int family = AF_INET;
    char shown[300];
    int fd = open_listener(opts->listen, &family, shown, sizeof shown);
    if (fd < 0) {
        pthread_mutex_destroy(&s.conn_mu);
        return -1;
    }

    /* The stop and reload signals are received by this thread only, with
     * sigtimedwait: every other thread must block them, or the kernel may
     * hand one to a thread that does not (SIGHUP's default action ends the
     * process).  main blocks them before any thread exists
     * (cli_block_serve_signals), so the reload thread, the loader's workers,
     * libgit2's and libcurl's threads inherit the mask; blocking them here
     * again is for callers that did not. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP); /* reload, not stop */
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    signal(SIGPIPE, SIG_IGN);

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = opts->threads ? opts->threads : (cpus > 0 ? (unsigned)cpus : 1);
    /* A pool of one is ignored by MHD, and a single epoll thread stalls under
     * many connections (trial §5.2): one thread means poll mode instead. */
    unsigned flags = MHD_USE_ITC | MHD_USE_ERROR_LOG | 
                     (threads > 1 ? MHD_USE_EPOLL_INTERNAL_THREAD : MHD_USE_POLL_INTERNAL_THREAD);
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
        MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        opts->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, opts->max_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        /* Level 1: HTTP/1.1 without Host, and header lines without a colon
         * or with spaces before it, are answered with 400 (RFC 9112). */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        &s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s, MHD_OPTION_END);
    pthread_t wd;
    if (!d || pthread_create(&wd, NULL, watchdog, &s) != 0) {
        fprintf(stderr, "cratesec serve: cannot start the HTTP server\n");
        if (d)
            MHD_stop_daemon(d);
        close(fd);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_mutex_destroy(&s.conn_mu);
        return -1;
    }
    printf("listening on http://%s\n", shown);
    fflush(stdout);

    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&stop, NULL, &tick);
        if (opts->access_log)
            fflush(opts->access_log);
        if (sig == SIGHUP) {
            if (opts->on_reload)
                opts->on_reload(opts->reload_payload);
            continue;
        }
        if (sig > 0)
            break;
    }

    /* Stop accepting; in-flight requests finish (their responses now carry
     * Connection: close) until they are done or the deadline passes. */
    atomic_store(&s.stopping, 1);
    MHD_socket lfd = MHD_quiesce_daemon(d);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&s.inflight) > 0 && elapsed_ms(&t0) < opts->drain_ms) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    MHD_stop_daemon(d);
    atomic_store(&s.watchdog_stop, 1);
    pthread_join(wd, NULL);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    if (opts->access_log)
        fflush(opts->access_log);
    long cut = atomic_load(&s.cut_count);
    if (cut)
        fprintf(stderr, "cratesec serve: %ld connections were cut off for not sending a whole "
                        "request within %u s\n", cut, opts->timeout_s);
    pthread_mutex_destroy(&s.conn_mu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}
