/* http.c - libmicrohttpd wrapper: framing checks, the page cache, the
 * access log, limits and graceful shutdown.
 *
 * Everything the handlers need from a request is taken from the connection
 * here, once, into a srv_in (request.h): the request target as received,
 * the header fields and the body.  Nothing behind the router calls back into
 * this file, so the fuzz harness drives the same code without a socket.
 *
 * What MHD 0.9.75 lets through is refused here, as RFC 9112 asks, before any
 * handler runs (check_head): a NUL or a control character in the request
 * target or a header field, a header name that is not a token, no Host in an
 * HTTP/1.1 request or more than one, more than one Content-Length,
 * Content-Length with Transfer-Encoding (request smuggling), a transfer
 * coding other than chunked (501).  The answer closes the connection, so
 * nothing sent after such a head is read as a request.  MHD's own Host check
 * is off (MHD_OPTION_STRICT_FOR_CLIENT 0): its error response is written
 * twice.  Left to MHD, which answers before this code sees the request: a
 * malformed Content-Length value (MHD's 400, also written twice: a flaw of
 * 0.9.75, after which it closes the connection), a request line it cannot
 * parse (400 or closed), a head that never ends (cut at --timeout).
 *
 * MHD's own URL unescaping is replaced by an identity callback and its parse
 * of the query string is emptied (on_uri): the router splits and decodes the
 * raw target itself, since it must reject %00, invalid UTF-8 and ".."
 * segments, which MHD's in-place decoding would hide, and MHD's parse keeps a
 * record per parameter in the connection's memory, which a few thousand
 * parameters exhaust (the request then went unanswered until the timeout).
 */
#include "http.h"

#include "api.h"
#include "html.h"
#include "pages.h"
#include "registry.h"
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
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH_MAX 300
/* Pages without a Cache-Control of their own: a minute fresh, then
 * revalidated with their ETag. */
#define PAGE_CACHE_CONTROL "public, max-age=60"
/* MHD's own timeout is an idle timeout, which matters only while a response
 * is being sent (a client that does not read it); a request that does not
 * arrive in time is cut by the watchdog at --timeout, which must come first
 * to count and log it, so MHD's comes this much later. */
#define SEND_GRACE_S 2

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
    atomic_int in_request; /* a request line has arrived: on_completed logs the request */
    atomic_int cut;        /* shut down by the watchdog */
    char client[INET6_ADDRSTRLEN];
} conn_track;

/* Per-request state, from the request line (on_uri) to the completion
 * callback. */
typedef struct req_state {
    double start_ms; /* csec__now_ms() when the request line arrived */
    time_t wall;
    bool started;        /* the head is in and was checked (first handler call) */
    uint64_t body;       /* request body bytes seen */
    int status;          /* 0 until a response is queued */
    size_t bytes;        /* response body length */
    char method[8];
    char *target; /* the request target as received */
    size_t target_len;
    srv_field headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    csec_buf upload; /* POST body, up to body_limit (srv_post_limit) */
    size_t body_limit;
    bool too_large; /* announced past body_limit: the body is read and dropped, then 413 */
    size_t counted; /* bytes of `upload` counted in server.upload_bytes */
    /* The data this request is answered from, held until its response has
     * been sent (a cached body lives in the generation's page cache). */
    const srv_gen *gen;
    unsigned round; /* renders so far that waited for a sparse index (sparse.c) */
    void *ticket;   /* what the last of them waits for (srv_sparse_wait_prepare) */
} req_state;

typedef struct server {
    srv_live *live;
    const http_options *opts;
    atomic_long inflight;
    atomic_size_t upload_bytes; /* request bodies held, all connections */
    atomic_int stopping;
    pthread_mutex_t conn_mu; /* guards the list `conns` */
    conn_track *conns;
    atomic_long cut_count; /* connections cut off (watchdog or MHD's timeout) */
    atomic_int watchdog_stop;
    atomic_int layout_warned; /* head_hides_bytes could not check, said once */
    /* CRATESEC_NO_PAGE_CACHE=1: every page rendered for every request, so
     * that make bench can show what the cache buys. */
    bool no_page_cache;
    /* Messages of MHD, at most LOG_BURST a second (an attack must not flood
     * the error log). */
    atomic_llong log_sec;
    atomic_int log_count;
    atomic_long log_dropped;
} server;

#define LOG_BURST 10

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

/* Once the server is stopping, a new connection is closed as it is
 * accepted (see the end of http_serve). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    server *s = cls;
    return atomic_load(&s->stopping) ? MHD_NO : MHD_YES;
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

/* ---- the access log ---- */

/* `s` as a log field: printable ASCII as it is; anything else, and '"' and
 * '\', escaped byte by byte, as \xNN in text lines and \u00NN in JSON ones
 * (so a line stays one JSON object whatever a client sends).  Cut at about
 * `n` bytes. */
static void log_field(char *out, size_t n, const char *s, size_t len, bool json)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 7 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            memcpy(out + o, json ? "\\u00" : "\\x", json ? 4 : 2);
            o += json ? 4 : 2;
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

/* One line for a connection cut before a request line arrived. */
static void log_cut_connection(server *s, const conn_track *t, long long waited_us)
{
    FILE *log = s->opts->access_log;
    if (!log)
        return;
    char when[32];
    srv_format_rfc3339(when, time(NULL));
    if (s->opts->log_json)
        fprintf(log,
                "{\"time\":\"%s\",\"client\":\"%s\",\"status\":408,\"bytes\":0,"
                "\"us\":%lld,\"event\":\"request-timeout\"}\n",
                when, t->client, waited_us);
    else
        fprintf(log, "%s %s - - 408 0 %lldus request-timeout\n", when, t->client, waited_us);
}

static void count_cut(server *s)
{
    atomic_fetch_add(&s->cut_count, 1);
    srv_live_cut(s->live);
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
            if (atomic_load(&t->cut) || t->fd < 0 || atomic_load(&t->busy) ||
                now - atomic_load(&t->ready_ms) <= limit)
                continue;
            atomic_store(&t->cut, 1);
            shutdown(t->fd, SHUT_RDWR);
            count_cut(s);
            /* With a request line in, on_completed logs the request as 408. */
            if (!atomic_load(&t->in_request))
                log_cut_connection(s, t, (now - atomic_load(&t->ready_ms)) * 1000);
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
    return strlen(s);
}

/* The request line has arrived (the headers have not): the request's state
 * starts here, with a copy of the target as received. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    req_state *st = csec__xcalloc(1, sizeof *st);
    st->start_ms = csec__now_ms();
    st->wall = time(NULL);
    st->target_len = strlen(uri);
    st->target = csec__xstrndup(uri, st->target_len);
    /* MHD found the '?' before calling us and parses what follows it once we
     * return: an empty string leaves it nothing to parse (the router reads
     * the query string from our copy).  `uri` points into MHD's read buffer,
     * which MHD itself writes into as it parses. */
    char *q = strchr((char *)(uintptr_t)uri, '?');
    if (q && q[1])
        q[1] = '\0';
    conn_track *t = track_of(c);
    if (t)
        atomic_store(&t->in_request, 1);
    return st;
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
        mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)r->static_body,
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

/* An error answered by this layer, which then closes the connection: after
 * a head it refuses, nothing that follows can be trusted as a request. */
static enum MHD_Result send_error(server *s, struct MHD_Connection *c, req_state *st, int status,
                                  const char *title, const char *msg)
{
    srv_resp r = {0};
    srv_req req = {0};
    req.site = st->gen ? st->gen->site : NULL;
    if (srv_is_api_path(st->target))
        api_error(&r, status, status == 405 ? API_ERR_UNIMPLEMENTED : API_ERR_INVALID, msg);
    else
        page_error(&req, &r, status, title, msg);
    csec_buf_puts(&r.headers, "Connection: close\n");
    return send_resp(s, c, st, &r, NULL);
}

static enum MHD_Result send_too_large(server *s, struct MHD_Connection *c, req_state *st)
{
    char msg[160];
    snprintf(msg, sizeof msg, "This address accepts request bodies of up to %zu bytes.",
             st->body_limit);
    return send_error(s, c, st, 413, "Request body too large", msg);
}

/* ---- the request head ---- */

/* What check_head counts while collecting the header fields. */
typedef struct head_scan {
    req_state *st;
    size_t count;
    size_t hosts, lengths, codings;
    const char *bad; /* the first problem found, as a sentence */
    const char *coding;
} head_scan;

static bool token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    head_scan *h = cls;
    h->count++;
    if (!value)
        value = "", value_size = 0;
    for (size_t i = 0; !h->bad && i < key_size; i++)
        if (!token_char((unsigned char)key[i]))
            h->bad = "A header name holds a character other than letters, digits and "
                     "!#$%&'*+-.^_`|~ (a space before the colon, for example).";
    if (key_size == 0 && !h->bad)
        h->bad = "A header field has no name.";
    for (size_t i = 0; !h->bad && i < value_size; i++) {
        unsigned char ch = (unsigned char)value[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            h->bad = "A header value holds a control character (a bare CR, for example).";
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        h->hosts++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        h->lengths++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        h->codings++;
        h->coding = value;
    }
    req_state *st = h->st;
    if (st->nheaders < HTTP_MAX_HEADERS) {
        st->headers[st->nheaders].name = key;
        st->headers[st->nheaders].value = value;
        st->nheaders++;
    }
    return MHD_YES;
}

/* Whether the bytes [from, to) of MHD's read buffer hold anything but the
 * NULs and blanks MHD leaves between the strings it hands out: 1 yes, 0 no,
 * -1 when the range is not one (from > to). */
static int hidden_bytes(const char *from, const char *to)
{
    if (from > to)
        return -1;
    for (const char *p = from; p < to; p++)
        if (*p != '\0' && *p != ' ' && *p != '\t')
            return 1;
    return 0;
}

/* Whether a NUL sent by the client hides part of the head.
 *
 * MHD 0.9.75 parses the head in place, in its read buffer: it ends the
 * method, the target, the version, each header name (at its colon) and each
 * value (at its line end) by writing NULs over the bytes it received, and
 * hands out pointers to those strings, in order.  A NUL the client sent
 * inside the target or a value ends that string early, and what followed it
 * is never seen (GET /advisories\0/../../etc/passwd is /advisories to MHD).
 * Between one string's end and the next one's start MHD leaves only NULs
 * (the space, colon and CR LF it ended strings at) and blanks: any other
 * byte there came after a NUL.  Returns 1 when one is found, 0 when none;
 * -2 when a header string is not in place although the request line is: MHD
 * joined a field folded over several lines (obs-fold) into a copy; -1 when
 * even the request line is not laid out that way (another version of the
 * library): then nothing can be said. */
static int head_hides_bytes(struct MHD_Connection *c, const req_state *st, const char *method,
                            const char *url, const char *version)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (!ci)
        return -1;
    const char *end = method + ci->header_size;
    /* The target's end is that of our copy: MHD ended its own at the '?',
     * and on_uri emptied the query string after it. */
    const char *prev_end = method + strlen(method);
    const char *starts[2 + 2 * HTTP_MAX_HEADERS], *ends[2 + 2 * HTTP_MAX_HEADERS];
    size_t n = 0;
    starts[n] = url, ends[n++] = url + st->target_len;
    starts[n] = version, ends[n++] = version + strlen(version);
    for (size_t i = 0; i < st->nheaders; i++) {
        const srv_field *f = &st->headers[i];
        starts[n] = f->name, ends[n++] = f->name + strlen(f->name);
        starts[n] = f->value, ends[n++] = f->value + strlen(f->value);
    }
    int hidden = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hidden_bytes(prev_end, starts[i]);
        if (h < 0 || ends[i] > end)
            return i < 2 ? -1 : -2;
        hidden |= h;
        prev_end = ends[i];
    }
    int h = hidden_bytes(prev_end, end);
    return h < 0 ? -1 : (hidden | h);
}

/* Checks the head of a request once it is in (RFC 9112; the top of the file
 * lists what and why) and collects its header fields.  Returns MHD_YES to go
 * on, or the result of queueing the refusal. */
static enum MHD_Result check_head(server *s, struct MHD_Connection *c, req_state *st,
                                  const char *url, const char *method, const char *version)
{
    head_scan h = {0};
    h.st = st;
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_field, &h);
    if (h.count > HTTP_MAX_HEADERS)
        return send_error(s, c, st, 431, "Request header fields too large",
                          "The request has too many header fields.");
    int hidden = head_hides_bytes(c, st, method, url, version);
    if (hidden > 0)
        return send_error(s, c, st, 400, "Bad request",
                          "The request holds a NUL byte (in its target or a header field).");
    if (hidden == -2)
        return send_error(s, c, st, 400, "Bad request",
                          "A header field is folded over several lines (obsolete line folding).");
    if (hidden == -1 && !atomic_exchange(&s->layout_warned, 1))
        srv_log_event("warning", "http_layout",
                      "the HTTP library does not lay out request heads as libmicrohttpd "
                      "0.9.75 does: requests with a NUL byte in their head are not refused");
    for (size_t i = 0; i < st->target_len; i++) {
        unsigned char ch = (unsigned char)st->target[i];
        if (ch <= 0x20 || ch == 0x7f)
            return send_error(s, c, st, 400, "Bad request",
                              "The request target holds a space or a control character.");
    }
    if (h.bad)
        return send_error(s, c, st, 400, "Bad request", h.bad);
    if (h.hosts > 1 || (h.hosts == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
        return send_error(s, c, st, 400, "Bad request",
                          "An HTTP/1.1 request must have exactly one Host header.");
    if (h.lengths > 1)
        return send_error(s, c, st, 400, "Bad request",
                          "The request has more than one Content-Length.");
    if (h.codings && h.lengths)
        return send_error(s, c, st, 400, "Bad request",
                          "The request has both Content-Length and Transfer-Encoding.");
    if (h.codings > 1 || (h.codings && strcasecmp(h.coding, "chunked") != 0))
        return send_error(s, c, st, 501, "Not implemented",
                          "The only transfer coding this server accepts is chunked.");
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    bool post = strcmp(method, "POST") == 0;
    st->body_limit = post ? srv_post_limit(url) : s->opts->max_body;
    unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
    if (announced > st->body_limit) {
        /* A client that sent the body without waiting (no "Expect:
         * 100-continue") would have the 413 reset under it if the connection
         * closed with its body unread (RFC 9112 §9.6): a body up to
         * HTTP_DRAIN_MAX is read and dropped first, then answered. */
        const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
        if (!expect && announced <= HTTP_DRAIN_MAX) {
            st->too_large = true;
            return MHD_YES;
        }
        return send_too_large(s, c, st);
    }
    return MHD_YES;
}

/* ---- requests ---- */

static void resume_connection(void *c)
{
    MHD_resume_connection(c);
}

/* Routes the request; with a sparse index, a render that asked for crates
 * still being fetched is thrown away and the connection suspended until
 * they are answered (then MHD calls on_request again: the next render).
 * Returns false when the connection was suspended. */
static bool route_or_suspend(req_state *st, struct MHD_Connection *c, const srv_in *in,
                             srv_resp *r)
{
    const srv_site *site = st->gen->site;
    for (;;) {
        srv_sparse_request_begin(site, st->round, st->ticket);
        st->ticket = NULL;
        srv_route(in, r);
        if (!srv_sparse_request_end())
            return true;
        csec_buf_free(&r->body);
        csec_buf_free(&r->location);
        csec_buf_free(&r->headers);
        memset(r, 0, sizeof *r);
        st->round++;
        st->ticket = srv_sparse_wait_prepare(site);
        if (st->ticket) {
            MHD_suspend_connection(c);
            srv_sparse_wait_arm(site, st->ticket, resume_connection, c);
            return false;
        }
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    server *s = cls;
    req_state *st = *con_cls;
    if (!st) /* on_uri always runs first; this is for safety only */
        return MHD_NO;
    if (!st->started) {
        /* First call: the head is in.  Answer now only when the request is
         * refused anyway; otherwise wait for the final call, because an
         * answer queued here makes MHD close the connection (trial §5.1). */
        st->started = true;
        snprintf(st->method, sizeof st->method, "%s", method);
        st->gen = srv_live_acquire(s->live);
        atomic_fetch_add(&s->inflight, 1);
        return check_head(s, c, st, url, method, version);
    }
    if (*upload_size && st->too_large) {
        *upload_size = 0; /* dropped: the answer is 413 */
        return MHD_YES;
    }
    if (st->too_large)
        return send_too_large(s, c, st);
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
    const srv_gen *g = st->gen;
    const srv_site *site = g->site;
    const char *target = st->target;
    srv_in in = {site,    s->live,     g->number,   method,          target,
                 st->headers, st->nheaders, st->upload.ptr, st->upload.len};
    srv_req hreq = {0}; /* for srv_header on this request's fields */
    hreq.headers = st->headers;
    hreq.nheaders = st->nheaders;
    srv_resp r = {0};
    /* A page without a query string is a function of the data and the path. */
    bool cacheable = get && !strchr(target, '?');
    /* With a sparse index, crate pages change when the registry's copy is
     * revalidated: they are rendered each time (the crate is cached). */
    if (site->sparse && strncmp(target, "/crates/", 8) == 0)
        cacheable = false;
    /* Operational pages change with every request. */
    if (strcmp(target, "/healthz") == 0 || strcmp(target, "/metrics") == 0)
        cacheable = false;
    if (!cacheable) {
        if (!route_or_suspend(st, c, &in, &r))
            return MHD_YES;
        return send_resp(s, c, st, &r, NULL);
    }
    /* A cacheable page's validator is the data and the path, so a proxy
     * (deploy/nginx) or browser revalidates with If-None-Match and gets a
     * 304 without the page being rendered.  Weak: the footer says when this
     * replica loaded the data, so two replicas (or two loads of one commit)
     * send equivalent pages that differ in that line; and the gzip form is
     * the same page (as nginx's gzip does, the tag is shared).  It is checked
     * only once the page is known to exist (a cached page, or a 200 just
     * rendered), since "*" must not match a 404. */
    /* Pages word what the index lacks differently once it is more than a
     * day old (html_index_stale), which can happen while a generation is
     * served: that is part of the cache key and of the validator, so a page
     * never keeps the fresh wording past the day. */
    bool stale = html_index_stale(site);
    char etag[96];
    snprintf(etag, sizeof etag, "W/\"p%s%s-%016llx\"", site->etag_base, stale ? "s" : "",
             (unsigned long long)csec__fnv1a_str(CSEC_FNV_INIT, target));
    csec_buf key = CSEC_BUF_INIT;
    csec_buf_printf(&key, "%c%s", stale ? 's' : 'f', target);
    const srv_page *page = s->no_page_cache ? NULL : srv_page_cache_get(g->pages, key.ptr);
    if (!page) {
        if (!route_or_suspend(st, c, &in, &r)) {
            csec_buf_free(&key);
            return MHD_YES;
        }
        /* The API sets its own validators (r->headers); only plain pages
         * get the path's. */
        bool plain = r.status == 200 && !r.static_body && !r.location.len && !r.headers.len &&
                     !r.uncached;
        if (!plain) {
            csec_buf_free(&key);
            return send_resp(s, c, st, &r, NULL);
        }
        page = s->no_page_cache ? NULL : srv_page_cache_put(g->pages, key.ptr, &r);
        if (page) /* cached (or another request cached it first) */
            csec_buf_free(&r.body);
    }
    csec_buf_free(&key);
    if (page) {
        r.status = 200;
        r.content_type = page->content_type;
        r.cache_control = page->cache_control;
        r.static_body = page->body;
        r.static_len = page->len;
    }
    csec_buf_puts(&r.headers, "Vary: Accept-Encoding\n");
    if (api_etag_matches(srv_header(&hreq, "If-None-Match"), etag + 2)) {
        csec_buf_free(&r.body);
        r.status = 304;
        r.static_body = "";
        r.static_len = 0;
        return send_resp(s, c, st, &r, etag);
    }
    if (!page) /* not kept (the cache is full, or off): sent as rendered */
        return send_resp(s, c, st, &r, etag);
    size_t zlen;
    const char *z = api_accepts_gzip(srv_header(&hreq, "Accept-Encoding"))
                        ? srv_page_gzip(g->pages, page, &zlen)
                        : NULL;
    if (z) {
        r.static_body = z;
        r.static_len = zlen;
        csec_buf_puts(&r.headers, "Content-Encoding: gzip\n");
    }
    return send_resp(s, c, st, &r, etag);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *s = cls;
    req_state *st = *con_cls;
    conn_track *t = track_of(c);
    bool cut = t && atomic_load(&t->cut);
    if (t) {
        /* Ready for the next request on this connection: a new deadline. */
        atomic_store(&t->ready_ms, now_ms());
        atomic_store(&t->busy, 0);
        atomic_store(&t->in_request, 0);
    }
    if (!st)
        return;
    *con_cls = NULL;
    if (!st->status) {
        /* Answered by MHD itself (a head it refused before check_head). */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (ci)
            st->status = (int)ci->http_status;
    }
    /* Cut by the watchdog (counted there), or by MHD's idle timeout: a
     * client that stopped reading its response, or (MHD first) sending. */
    const char *event = NULL;
    bool timeout = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED;
    if (cut || timeout) {
        event = st->status ? "response-timeout" : "request-timeout";
        if (!st->status)
            st->status = 408;
        if (!cut)
            count_cut(s);
    }
    long long us = (long long)((csec__now_ms() - st->start_ms) * 1000);
    if (st->status)
        srv_live_observe(s->live, st->status, (double)us / 1e6);
    FILE *log = s->opts->access_log;
    if (log) {
        bool json = s->opts->log_json;
        char when[32], method[40], path[LOG_PATH_MAX * 6 + 8];
        srv_format_rfc3339(when, st->wall);
        if (st->method[0])
            log_field(method, sizeof method, st->method, strlen(st->method), json);
        else
            snprintf(method, sizeof method, "-");
        log_field(path, sizeof path, st->target,
                  st->target_len < LOG_PATH_MAX ? st->target_len : LOG_PATH_MAX, json);
        const char *client = t ? t->client : "-";
        bool aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;
        unsigned long long gen = (unsigned long long)(st->gen ? st->gen->number : 0);
        if (json)
            fprintf(log,
                    "{\"time\":\"%s\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
                    "\"status\":%d,\"bytes\":%zu,\"us\":%lld,\"generation\":%llu%s%s%s%s}\n",
                    when, client, method, path, st->status, st->bytes, us, gen,
                    aborted ? ",\"aborted\":true" : "", event ? ",\"event\":\"" : "",
                    event ? event : "", event ? "\"" : "");
        else
            fprintf(log, "%s %s %s %s %d %zu %lldus gen=%llu%s%s%s\n", when, client, method,
                    path, st->status, st->bytes, us, gen, aborted ? " aborted" : "",
                    event ? " " : "", event ? event : "");
    }
    if (st->ticket)
        srv_sparse_ticket_free(st->gen->site, st->ticket);
    if (st->gen)
        srv_live_release(s->live, st->gen);
    if (st->started)
        atomic_fetch_sub(&s->inflight, 1);
    atomic_fetch_sub(&s->upload_bytes, st->counted);
    csec_buf_free(&st->upload);
    csec_free(st->target);
    csec_free(st);
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

int http_serve(srv_live *live, const http_options *opts)
{
    server s;
    memset(&s, 0, sizeof s);
    s.live = live;
    s.opts = opts;
    const char *nc = getenv("CRATESEC_NO_PAGE_CACHE");
    s.no_page_cache = nc && strcmp(nc, "1") == 0;
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
    unsigned flags = MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (threads > 1 ? MHD_USE_EPOLL_INTERNAL_THREAD : MHD_USE_POLL_INTERNAL_THREAD);
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, on_accept, &s, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
        MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s + SEND_GRACE_S,
        MHD_OPTION_CONNECTION_LIMIT, opts->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        opts->max_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        /* Level 0: Host, spaces in the target and header names are checked
         * by check_head (MHD's own Host error is written twice); lines
         * without a colon are MHD's 400 at any level. */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)0, MHD_OPTION_URI_LOG_CALLBACK, on_uri, &s,
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
    /* Requests waiting for a sparse index's crates render what they have. */
    const srv_gen *cur = srv_live_acquire(s.live);
    srv_sparse_stop_waiting(cur->site->sparse);
    srv_live_release(s.live, cur);
    /* New connections are now closed as they come (on_accept), not stopped
     * with MHD_quiesce_daemon: with a pool of epoll threads, libmicrohttpd
     * 0.9.75's quiesce races its own threads for removing the listening
     * socket from their epoll sets and aborts the process when it loses
     * ("Failed to remove listen FD from epoll set", seen once under ASan on
     * a SIGTERM).  MHD_stop_daemon closes the socket. */
    double t0 = csec__now_ms();
    while (atomic_load(&s.inflight) > 0 && csec__now_ms() - t0 < opts->drain_ms) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    MHD_stop_daemon(d);
    atomic_store(&s.watchdog_stop, 1);
    pthread_join(wd, NULL);
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
