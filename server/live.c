/* live.c - the running server's state that outlives one set of data: which
 * generation is current, what reloads did, the request counters behind
 * /metrics and /healthz, and the shared registry index.
 *
 * Why a lock and reference counts rather than something cleverer: a request
 * takes the lock for two pointer operations, about 40 ns without contention,
 * next to the microseconds a page costs; and a generation freed once the
 * last request lets it go needs no grace-period machinery to be correct.
 * That last request only queues it: freeing a database and up to 128 MiB of
 * pages takes milliseconds, which the reload thread spends (srv_live_reap),
 * not a request that happened to finish last.
 */
#include "live.h"

#include "dataage.h"

#include "deps.h"
#include "registry.h"
#include "index.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const double srv_latency_bounds[SRV_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
};

/* A generation with what only live.c sees. */
typedef struct gen {
    srv_gen pub; /* first: a srv_gen pointer is a gen pointer */
    srv_site *site;
    _Atomic long refs;
    struct gen *next_retired;
} gen;

struct srv_live {
    pthread_mutex_t mu; /* guards `current`, the generation number and the reload record */
    gen *current;
    uint64_t generation;
    /* Replaced generations: `held` counts those not yet freed (held by
     * requests or retired); `retired` lists those no request holds, to be
     * freed by srv_live_reap; retire_mu guards the list and the callback. */
    atomic_size_t held;
    pthread_mutex_t retire_mu;
    gen *retired;
    void (*on_retire)(void *arg);
    void *on_retire_arg;
    size_t trim_above; /* resident bytes past which a reap gives memory back */
    /* The reload record. */
    uint64_t reloads, reload_failures;
    char last_error[512]; /* "" after a successful reload */
    char last_reload_at[24];
    double last_reload_ms, last_swap_ms;
    time_t started;
    /* Requests by status (100..599), latency histogram, connections cut. */
    _Atomic uint64_t by_status[500];
    _Atomic uint64_t latency[SRV_LATENCY_BUCKETS + 1];
    _Atomic uint64_t latency_sum_us;
    _Atomic uint64_t cut;
};

bool srv_log_json;

/* Now as RFC 3339 UTC with milliseconds, for log lines. */
static void log_time(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

void srv_log_event(const char *level, const char *event, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    csec_buf line = CSEC_BUF_INIT;
    if (srv_log_json) {
        char when[40];
        log_time(when);
        csec__json j;
        csec__json_init(&j, &line, false, 0);
        csec__json_object_begin(&j);
        csec__json_key_str(&j, "time", when);
        csec__json_key_str(&j, "level", level);
        csec__json_key_str(&j, "event", event);
        csec__json_key_str(&j, "msg", msg);
        csec__json_object_end(&j);
    } else {
        csec_buf_printf(&line, "cratesec serve: %s%s%s", strcmp(level, "info") ? level : "",
                        strcmp(level, "info") ? ": " : "", msg);
    }
    csec_buf_putc(&line, '\n');
    /* One write per line, so lines of concurrent threads do not interleave. */
    fwrite(line.ptr, 1, line.len, stderr);
    fflush(stderr);
    csec_buf_free(&line);
}

/* ---- the registry index ---- */

/* FNV-1a over the names, sizes and modification times of every file under
 * `dir`: the index changes by files being written, added or removed. */
static void fingerprint_dir(int dfd, uint64_t *h, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || strcmp(e->d_name, ".git") == 0 ||
                                    (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        uint64_t parts[3] = {(uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
                             (uint64_t)st.st_mtim.tv_nsec};
        uint64_t x = csec__fnv1a(csec__fnv1a_str(*h, e->d_name), parts, sizeof parts);
        /* Order-independent: readdir's order is not stable across copies. */
        *h += x;
        if (S_ISDIR(st.st_mode) && depth < 8) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub >= 0)
                fingerprint_dir(sub, h, depth + 1);
        }
    }
    closedir(d);
}

void srv_index_fingerprint(const char *dir, char out[17])
{
    out[0] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    uint64_t h = CSEC_FNV_INIT;
    fingerprint_dir(fd, &h, 0);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

srv_index_data *srv_index_data_load(const char *dir, const char *fingerprint, csec_diag *d)
{
    double t0 = csec__now_ms();
    char fp[17];
    if (fingerprint)
        snprintf(fp, sizeof fp, "%s", fingerprint);
    else
        srv_index_fingerprint(dir, fp);
    csec_index *idx = NULL;
    /* The server waits for the whole index: every CPU reads (make bench shows
     * what the threads buy against one). */
    csec_index_options index_opts = CSEC_INDEX_OPTIONS_INIT;
    index_opts.threads = CSEC_INDEX_THREADS_PER_CPU;
    if (csec__index_open_dir_ex(&idx, dir, &index_opts, d) < 0)
        return NULL;
    srv_index_data *x = csec__xcalloc(1, sizeof *x);
    x->index = idx;
    x->deps_rev = csec__deps_rev_new(idx);
    csec_data_age age;
    csec__index_age(&age, dir, idx);
    x->age_source = (int)age.source;
    x->age_time = age.time;
    memcpy(x->age_commit, age.commit, sizeof x->age_commit);
    memcpy(x->fingerprint, fp, sizeof fp);
    atomic_init(&x->refs, 1);
    x->load_ms = csec__now_ms() - t0;
    return x;
}

void srv_index_data_release(srv_index_data *x)
{
    if (!x || atomic_fetch_sub(&x->refs, 1) != 1)
        return;
    csec__deps_rev_free(x->deps_rev);
    csec__index_free(x->index);
    free(x);
}

void srv_site_attach_index(srv_site *s, srv_index_data *x)
{
    atomic_fetch_add(&x->refs, 1);
    srv_index_data_release(s->index_data);
    s->index_data = x;
    s->index = x->index;
    s->deps_rev = x->deps_rev;
    char base[24];
    snprintf(base, sizeof base, "%.16s", s->etag_base);
    snprintf(s->etag_base, sizeof s->etag_base, "%s-%.8s", base, x->fingerprint);
}

/* ---- the current generation ---- */

/* A server that keeps replacing its generations keeps the memory they
 * freed in malloc's arenas, where the next generation's arrays and crate
 * records of other sizes only partly reuse it: following an 8x git index,
 * 528 MB after the load became 593 MB after 10 updates and 661 MB after 100,
 * with the memory in use flat (462-466 MB) and malloc's free memory growing
 * (74 -> 159 MB).  Past this much above the first load, a reap hands the
 * free memory back (malloc_trim).  Not at every reap: a trim costs the
 * reload thread 45-70 ms at 8x, and the next update faults every page back
 * in (its wall time went from ~430 to ~700 ms under load, and the p99 while
 * updates arrive from +18-31% to +29-53%). */
#define TRIM_HEADROOM_PERCENT 15

static gen *gen_new(srv_site *site, uint64_t number)
{
    gen *g = csec__xcalloc(1, sizeof *g);
    g->site = site;
    g->pub.site = site;
    g->pub.pages = srv_page_cache_new(SRV_PAGE_CACHE_BYTES);
    g->pub.number = number;
    atomic_init(&g->refs, 1); /* the reference `current` holds */
    return g;
}

static void gen_free(gen *g)
{
    srv_page_cache_free(g->pub.pages);
    srv_site_free(g->site);
    free(g);
}

srv_live *srv_live_new(srv_site *first)
{
    srv_live *l = csec__xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->retire_mu, NULL);
    l->generation = 1;
    l->current = gen_new(first, 1);
    l->started = time(NULL);
    l->trim_above = csec__resident_bytes() / 100 * (100 + TRIM_HEADROOM_PERCENT);
    return l;
}

void srv_live_free(srv_live *l)
{
    if (!l)
        return;
    srv_live_on_retire(l, NULL, NULL);
    srv_live_release(l, &l->current->pub);
    srv_live_reap(l);
    pthread_mutex_destroy(&l->retire_mu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

const srv_gen *srv_live_acquire(srv_live *l)
{
    pthread_mutex_lock(&l->mu);
    gen *g = l->current;
    atomic_fetch_add(&g->refs, 1);
    pthread_mutex_unlock(&l->mu);
    return &g->pub;
}

void srv_live_release(srv_live *l, const srv_gen *pub)
{
    gen *g = (gen *)pub;
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
        return;
    /* The last reference: `current` holds one until the generation is
     * replaced, so this one is old.  Queue it for the reload thread. */
    pthread_mutex_lock(&l->retire_mu);
    g->next_retired = l->retired;
    l->retired = g;
    if (l->on_retire)
        l->on_retire(l->on_retire_arg);
    pthread_mutex_unlock(&l->retire_mu);
}

size_t srv_live_reap(srv_live *l)
{
    pthread_mutex_lock(&l->retire_mu);
    gen *list = l->retired;
    l->retired = NULL;
    pthread_mutex_unlock(&l->retire_mu);
    size_t n = 0;
    while (list) {
        gen *next = list->next_retired;
        gen_free(list);
        atomic_fetch_sub(&l->held, 1);
        list = next;
        n++;
    }
    if (n && l->trim_above && csec__resident_bytes() > l->trim_above)
        malloc_trim(0);
    return n;
}

void srv_live_on_retire(srv_live *l, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&l->retire_mu);
    l->on_retire = fn;
    l->on_retire_arg = arg;
    pthread_mutex_unlock(&l->retire_mu);
}

size_t srv_live_old_generations(srv_live *l)
{
    return atomic_load(&l->held);
}

double srv_live_swap(srv_live *l, srv_site *next)
{
    gen *fresh = gen_new(next, 0);
    double t0 = csec__now_ms();
    pthread_mutex_lock(&l->mu);
    gen *old = l->current;
    fresh->pub.number = ++l->generation;
    l->current = fresh;
    pthread_mutex_unlock(&l->mu);
    double held = csec__now_ms() - t0;
    atomic_fetch_add(&l->held, 1);
    /* Retired here unless requests still hold it; the last of them does. */
    srv_live_release(l, &old->pub);
    return held;
}

void srv_live_reload_done(srv_live *l, const char *error, double total_ms, double swap_ms)
{
    pthread_mutex_lock(&l->mu);
    l->reloads++;
    if (error) {
        l->reload_failures++;
        snprintf(l->last_error, sizeof l->last_error, "%s", error);
    } else {
        l->last_error[0] = '\0';
        l->last_swap_ms = swap_ms;
    }
    l->last_reload_ms = total_ms;
    srv_format_time(l->last_reload_at, time(NULL));
    pthread_mutex_unlock(&l->mu);
}

bool srv_live_degraded(srv_live *l)
{
    pthread_mutex_lock(&l->mu);
    bool bad = l->last_error[0] != '\0';
    pthread_mutex_unlock(&l->mu);
    return bad;
}

void srv_live_observe(srv_live *l, int status, double seconds)
{
    if (status >= 100 && status <= 599)
        atomic_fetch_add_explicit(&l->by_status[status - 100], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < SRV_LATENCY_BUCKETS && seconds > srv_latency_bounds[b])
        b++;
    atomic_fetch_add_explicit(&l->latency[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->latency_sum_us, (uint64_t)(seconds * 1e6),
                              memory_order_relaxed);
}

void srv_live_cut(srv_live *l)
{
    atomic_fetch_add_explicit(&l->cut, 1, memory_order_relaxed);
}

/* Milliseconds to a tenth: more digits would only be noise. */
static double tenths(double ms)
{
    return round(ms * 10) / 10;
}

/* A snapshot of the reload record. */
typedef struct record {
    uint64_t reloads, failures;
    char last_error[512], last_reload_at[24];
    double last_reload_ms, last_swap_ms;
} record;

static void snapshot(srv_live *l, record *r)
{
    pthread_mutex_lock(&l->mu);
    r->reloads = l->reloads;
    r->failures = l->reload_failures;
    memcpy(r->last_error, l->last_error, sizeof r->last_error);
    memcpy(r->last_reload_at, l->last_reload_at, sizeof r->last_reload_at);
    r->last_reload_ms = l->last_reload_ms;
    r->last_swap_ms = l->last_swap_ms;
    pthread_mutex_unlock(&l->mu);
}

/* Seconds since the database's newest commit, or -1 when unknown. */
static long long db_age(const srv_site *s)
{
    int64_t when = 0;
    csec_db_commit(s->db, &when);
    return when > 0 ? (long long)(time(NULL) - when) : -1;
}

void srv_live_healthz(srv_live *l, const srv_site *s, uint64_t number,
                      void (*more)(struct csec__json *j), csec_buf *out)
{
    record r;
    snapshot(l, &r);
    csec__json j;
    csec__json_init(&j, out, true, 0);
    csec__json_object_begin(&j);
    /* Degraded too while advisory files of the data served could not be
     * loaded (or share an id): some crates' pages cannot be complete. */
    const csec_db_error *load_error = csec_db_error_get(s->db, 0);
    csec__json_key_str(&j, "status", r.last_error[0] || load_error ? "degraded" : "ok");
    csec__json_key_str(&j, "commit", s->commit);
    csec__json_key_str(&j, "commit_date", s->commit_date);
    csec__json_key(&j, "db_age_seconds");
    long long age = db_age(s);
    if (age >= 0)
        csec__json_int(&j, age);
    else
        csec__json_null(&j);
    csec__json_key_str(&j, "loaded_at", s->loaded_at);
    csec__json_key(&j, "load_ms");
    csec__json_double(&j, tenths(s->load_ms));
    csec__json_key(&j, "advisories");
    csec__json_uint(&j, s->count);
    csec__json_key(&j, "load_errors");
    csec__json_uint(&j, csec_db_error_count(s->db));
    csec__json_key(&j, "first_load_error");
    if (load_error) {
        char line[1024];
        csec__json_str(&j, csec_diag_format(line, sizeof line, &load_error->diag));
    } else {
        csec__json_null(&j);
    }
    csec__json_key(&j, "generation");
    csec__json_uint(&j, number);
    csec__json_key(&j, "index");
    if (s->index_data) {
        csec__json_object_begin(&j);
        csec__json_key(&j, "crates");
        csec__json_uint(&j, csec__index_crate_count(s->index));
        csec__json_key(&j, "versions");
        csec__json_uint(&j, csec__index_version_count(s->index));
        csec__json_key_str(&j, "fingerprint", s->index_data->fingerprint);
        /* A git index: the commit served and how old it is. */
        csec__json_key_str(&j, "commit",
                           s->index_data->age_commit[0] ? s->index_data->age_commit : NULL);
        csec__json_key(&j, "commit_age_seconds");
        if (s->index_data->age_time > 0)
            csec__json_int(&j, (int64_t)(time(NULL) - s->index_data->age_time));
        else
            csec__json_null(&j);
        csec__json_key(&j, "changed_files");
        csec__json_uint(&j, s->index_data->changed_files);
        csec__json_key(&j, "load_ms");
        csec__json_double(&j, tenths(s->index_data->load_ms));
        csec__json_object_end(&j);
    } else if (s->sparse) {
        srv_sparse_report sr;
        srv_sparse_info(s->sparse, &sr);
        csec__json_object_begin(&j);
        csec__json_key_str(&j, "sparse", sr.url);
        csec__json_key(&j, "crates_in_memory");
        csec__json_uint(&j, sr.crates);
        csec__json_key(&j, "bytes");
        csec__json_uint(&j, sr.bytes);
        csec__json_key(&j, "cap_bytes");
        csec__json_uint(&j, sr.cap);
        csec__json_key(&j, "evictions");
        csec__json_uint(&j, sr.evictions);
        csec__json_key(&j, "max_age_seconds");
        csec__json_uint(&j, sr.max_age_s);
        csec__json_key_str(&j, "last_fetch_error", sr.last_error[0] ? sr.last_error : NULL);
        csec__json_object_end(&j);
    } else {
        csec__json_null(&j);
    }
    csec__json_key(&j, "reloads");
    csec__json_uint(&j, r.reloads);
    csec__json_key(&j, "reload_failures");
    csec__json_uint(&j, r.failures);
    csec__json_key_str(&j, "last_reload_at", r.last_reload_at[0] ? r.last_reload_at : NULL);
    csec__json_key(&j, "last_reload_ms");
    csec__json_double(&j, tenths(r.last_reload_ms));
    csec__json_key(&j, "last_swap_ms");
    csec__json_double(&j, round(r.last_swap_ms * 1000) / 1000);
    csec__json_key_str(&j, "last_error", r.last_error[0] ? r.last_error : NULL);
    csec__json_key(&j, "uptime_seconds");
    csec__json_int(&j, (int64_t)(time(NULL) - l->started));
    if (more)
        more(&j);
    csec__json_object_end(&j);
    csec_buf_putc(out, '\n');
}

void srv_live_metrics(srv_live *l, const srv_site *s, uint64_t number, csec_buf *out)
{
    record r;
    snapshot(l, &r);
    csec_buf_puts(out, "# HELP cratesec_http_requests_total HTTP responses sent, by status.\n"
                       "# TYPE cratesec_http_requests_total counter\n");
    for (int i = 0; i < 500; i++) {
        uint64_t n = atomic_load_explicit(&l->by_status[i], memory_order_relaxed);
        if (n)
            csec_buf_printf(out, "cratesec_http_requests_total{code=\"%d\"} %llu\n", i + 100,
                            (unsigned long long)n);
    }
    csec_buf_puts(out, "# HELP cratesec_http_request_duration_seconds Time from a request's "
                       "head to its response's end.\n"
                       "# TYPE cratesec_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t b = 0; b <= SRV_LATENCY_BUCKETS; b++) {
        cum += atomic_load_explicit(&l->latency[b], memory_order_relaxed);
        char le[16] = "+Inf";
        if (b < SRV_LATENCY_BUCKETS)
            snprintf(le, sizeof le, "%g", srv_latency_bounds[b]);
        csec_buf_printf(out, "cratesec_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n", le,
                        (unsigned long long)cum);
    }
    csec_buf_printf(out, "cratesec_http_request_duration_seconds_sum %.6f\n",
                    (double)atomic_load(&l->latency_sum_us) / 1e6);
    csec_buf_printf(out, "cratesec_http_request_duration_seconds_count %llu\n",
                    (unsigned long long)cum);
    csec_buf_printf(out,
                    "# HELP cratesec_connections_cut_total Connections closed for not sending "
                    "a whole request, or not reading a response, in time.\n"
                    "# TYPE cratesec_connections_cut_total counter\n"
                    "cratesec_connections_cut_total %llu\n"
                    "# HELP cratesec_old_generations Replaced data sets not freed yet (held by "
                    "requests in flight, or waiting for the reload thread).\n"
                    "# TYPE cratesec_old_generations gauge\ncratesec_old_generations %zu\n",
                    (unsigned long long)atomic_load(&l->cut), srv_live_old_generations(l));
    long long age = db_age(s);
    csec_buf_puts(out, "# HELP cratesec_db_age_seconds Seconds since the served database's "
                       "newest commit.\n# TYPE cratesec_db_age_seconds gauge\n");
    if (age >= 0)
        csec_buf_printf(out, "cratesec_db_age_seconds %lld\n", age);
    csec_buf_printf(out,
                    "# HELP cratesec_db_generation Data sets served since start (1 = the "
                    "first).\n# TYPE cratesec_db_generation gauge\ncratesec_db_generation %llu\n"
                    "# HELP cratesec_advisories Advisories in the served database.\n"
                    "# TYPE cratesec_advisories gauge\ncratesec_advisories %zu\n"
                    "# HELP cratesec_reloads_total Reload attempts.\n"
                    "# TYPE cratesec_reloads_total counter\ncratesec_reloads_total %llu\n"
                    "# HELP cratesec_reload_failures_total Reloads that kept the previous "
                    "data.\n# TYPE cratesec_reload_failures_total counter\n"
                    "cratesec_reload_failures_total %llu\n"
                    "# HELP cratesec_reload_swap_seconds How long the last swap held the "
                    "lock.\n# TYPE cratesec_reload_swap_seconds gauge\n"
                    "cratesec_reload_swap_seconds %.6f\n"
                    "# HELP cratesec_up_degraded 1 when the last reload failed.\n"
                    "# TYPE cratesec_up_degraded gauge\ncratesec_up_degraded %d\n",
                    (unsigned long long)number, s->count, (unsigned long long)r.reloads,
                    (unsigned long long)r.failures, r.last_swap_ms / 1e3,
                    r.last_error[0] ? 1 : 0);
    if (s->sparse)
        srv_sparse_metrics(s->sparse, out);
}
