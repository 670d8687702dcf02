/* cmd_serve.c - `cratesec serve`: the web site (server/).  Linked into
 * cratesec-server only; `cratesec serve` execs that (cli.h says why).
 *
 * Why libmicrohttpd: of Debian's HTTP server libraries it was measured (see
 * the project's http-trial notes) in epoll mode with a thread pool at about
 * the throughput of nginx serving the same 20 KB page, with a stable API, a
 * built-in connection limit, per-connection memory limit (which bounds the
 * request head: 431/414 beyond it) and a quiesce call for graceful shutdown.
 * libh2o-evloop was as fast but its API is unstable and undocumented in
 * Debian; libevent's evhttp was about 0.7x nginx and needed socket tuning.
 */
#include "cli.h"
#include "http.h"
#include "index.h"
#include "registry.h"
#include "reload.h"
#include "watch_service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *opt_db, *opt_index, *opt_listen, *opt_threads, *opt_timeout, *opt_maxconn,
    *opt_perip, *opt_log, *opt_cache_dir, *opt_max_age, *opt_sync_every, *opt_sync_url,
    *opt_log_format, *opt_cache_mb, *opt_fetchers, *opt_index_timeout;
/* The state: reports, watch lists, webhooks (server/watch_service.h). */
static const char *opt_state, *opt_hook_timeout, *opt_hook_retry, *opt_hook_disable, *opt_hook_lease;
static bool opt_allow_private;

static const cli_opt options[] = {
    {"db", 'd', "DIR", CLI_DB_HELP, NULL, &opt_db, NULL, NULL},
    {"index", 'i', "DIR|URL",
     "registry index: a directory in the git layout, or sparse+http(s)://... (crate versions, "
     "dependencies)",
     NULL, &opt_index, NULL, NULL},
    {"cache-dir", 0, "DIR",
     "disk cache of a sparse index (default $XDG_CACHE_HOME/cratesec/index/HOST-HASH, else "
     "~/.cache/..., else build/cache/...)",
     NULL, &opt_cache_dir, NULL, NULL},
    {"index-max-age", 0, "SECONDS",
     "a sparse index's crate files are revalidated once older than this (default 300)", NULL,
     &opt_max_age, NULL, NULL},
    {"index-cache-mb", 0, "MB",
     "memory for a sparse index's crates; least recently used ones go beyond it (default 256)",
     NULL, &opt_cache_mb, NULL, NULL},
    {"index-timeout", 0, "SECONDS",
     "a sparse index's crate file must arrive within this (default 20; connecting: 5)", NULL,
     &opt_index_timeout, NULL, NULL},
    {"index-fetchers", 0, "N",
     "crate files of a sparse index fetched at the same time, at most (default 16)", NULL,
     &opt_fetchers, NULL, NULL},
    {"listen", 'l', "ADDR", "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free)",
     NULL, &opt_listen, NULL, NULL},
    {"threads", 0, "N", "worker threads (default: number of CPUs)", NULL, &opt_threads, NULL, NULL},
    {"timeout", 0, "SECONDS", "idle/stalled connection and whole-request time limit (default 15)",
     NULL, &opt_timeout, NULL, NULL},
    {"max-connections", 0, "N", "simultaneous connections (default 4000)", NULL, &opt_maxconn, NULL,
     NULL},
    {"max-per-ip", 0, "N", "simultaneous connections from one address (default 500; 0: none)", NULL,
     &opt_perip, NULL, NULL},
    {"access-log", 0, "FILE",
     "append one line per request to FILE ('-': stdout, 'none'; "
     "default stderr)",
     NULL, &opt_log, NULL, NULL},
    {"log-format", 0, "FORMAT",
     "text (default) or json: one JSON object per line, for the access log and the "
     "server's events",
     NULL, &opt_log_format, NULL, NULL},
    {"sync-every", 0, "DURATION",
     "fetch the database with git (as `cratesec sync`) and reload it every DURATION "
     "(e.g. 15m, 1h, 30s; default: never)",
     NULL, &opt_sync_every, NULL, NULL},
    {"sync-url", 0, "URL", "where --sync-every fetches from (default: the checkout's origin)", NULL,
     &opt_sync_url, NULL, NULL},
    {"state", 0, "DIR|URL",
     "keep audit reports, watch lists and the webhook queue in DIR (SQLite) or a "
     "postgresql://... database shared by replicas (default: in memory, lost at exit)",
     NULL, &opt_state, NULL, NULL},
    {"allow-private-webhooks", 0, NULL,
     "let webhooks reach loopback, private and link-local addresses (internal receivers, "
     "tests)",
     &opt_allow_private, NULL, NULL, NULL},
    {"webhook-timeout", 0, "DURATION", "time a webhook has to answer (default 10s)", NULL,
     &opt_hook_timeout, NULL, NULL},
    {"webhook-retry", 0, "BASE[,CAP]",
     "wait before retrying a failed delivery, doubling each time up to CAP (default 30s,6h)", NULL,
     &opt_hook_retry, NULL, NULL},
    {"webhook-disable-after", 0, "DURATION",
     "turn off a webhook that has failed this long (default 7d)", NULL, &opt_hook_disable, NULL,
     NULL},
    {"webhook-lease", 0, "DURATION",
     "how long a delivery being sent is this replica's; another sends it after that if this "
     "one dies (default 60s)",
     NULL, &opt_hook_lease, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Reads --`what` into *out when it was given (`s` not NULL): a number up to
 * `max`, and not 0 where `nonzero`. */
static int parse_uint(const char *s, const char *what, unsigned long max, bool nonzero,
                      unsigned *out)
{
    if (!s)
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > max || (nonzero && v == 0)) {
        fprintf(stderr, "cratesec serve: --%s wants a number from %d to %lu, got `%s`\n", what,
                nonzero ? 1 : 0, max, s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Reads --`what` into *out as seconds when it was given (`s` not NULL):
 * "90", "90s", "15m", "2h", "1d", up to a year. */
static int parse_duration_of(const char *what, const char *s, unsigned *out)
{
    static const char suffixes[] = "smhd";
    static const unsigned long seconds[] = {1, 60, 3600, 86400};
    if (!s)
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    unsigned long unit = 1;
    const char *suffix = end != s && *end && !end[1] ? strchr(suffixes, *end) : NULL;
    if (suffix) {
        unit = seconds[suffix - suffixes];
        end++;
    }
    if (end == s || *end || errno || v == 0 || v > 86400UL * 365 / unit) {
        fprintf(stderr,
                "cratesec serve: --%s wants a duration such as 30s, 15m or 2h, got `%s`\n",
                what, s);
        return -1;
    }
    *out = (unsigned)(v * unit);
    return 0;
}

/* Idle keep-alive connections each hold a descriptor: allow as many as the
 * hard limit permits so the connection limit, not EMFILE, is what applies. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The default disk cache of a sparse index: one directory per index URL,
 * named after its host and a hash of the URL (as Cargo names its caches). */
static void default_cache_dir(csec_buf *out, const char *url)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        csec_buf_printf(out, "%s/cratesec/index/", xdg);
    else if (home && *home)
        csec_buf_printf(out, "%s/.cache/cratesec/index/", home);
    else
        csec_buf_puts(out, "build/cache/index/");
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    for (const char *p = host; *p && *p != '/' && *p != ':' && p - host < 100; p++) {
        char c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
        csec_buf_put(out, keep ? p : "_", 1);
    }
    csec_buf_printf(out, "-%016llx", (unsigned long long)csec__fnv1a_str(CSEC_FNV_INIT, url));
}

static int open_sparse(srv_sparse **out, unsigned max_age, size_t cap_mb, unsigned fetchers,
                       unsigned timeout)
{
    csec_buf dir = CSEC_BUF_INIT;
    csec_index_sparse_options so = CSEC_INDEX_SPARSE_OPTIONS_INIT;
    csec_index *idx = NULL;
    csec_diag d;
    int rc = -1;
    if (opt_cache_dir)
        csec_buf_puts(&dir, opt_cache_dir);
    else
        default_cache_dir(&dir, opt_index);
    so.cache_dir = dir.ptr;
    /* A page waits for a crate's first fetch: do not let it wait long. */
    so.connect_timeout = timeout < 5 ? timeout : 5;
    so.timeout = timeout;
    double t0 = csec__now_ms();
    if (csec__index_open_sparse(&idx, opt_index, NULL, &so, &d) < 0) {
        char line[1024];
        fprintf(stderr, "cratesec serve: cannot open the index: %s\n",
                csec_diag_format(line, sizeof line, &d));
        goto done;
    }
    fprintf(stderr,
            "cratesec serve: sparse index %s (config.json in %.0f ms; disk cache %s; crate "
            "files revalidated after %u s; %zu MB of crates in memory; %u fetches at a "
            "time)\n",
            opt_index, csec__now_ms() - t0, dir.ptr, max_age, cap_mb, fetchers);
    *out = srv_sparse_new(idx, max_age, cap_mb << 20, fetchers);
    rc = 0;
done:
    csec_buf_free(&dir);
    return rc;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_serve_server, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n != 0) {
        fprintf(stderr, "cratesec serve: no positional arguments expected\n");
        return EXIT_USAGE;
    }
    http_options ho = HTTP_OPTIONS_INIT;
    if (opt_listen)
        ho.listen = opt_listen;
    if (parse_uint(opt_threads, "threads", 256, false, &ho.threads) < 0 ||
        parse_uint(opt_timeout, "timeout", 3600, true, &ho.timeout_s) < 0 ||
        parse_uint(opt_maxconn, "max-connections", 1000000, true, &ho.max_connections) < 0 ||
        parse_uint(opt_perip, "max-per-ip", 1000000, false, &ho.max_per_ip) < 0)
        return EXIT_USAGE;
    FILE *log = stderr;
    if (opt_log && strcmp(opt_log, "none") == 0)
        log = NULL;
    else if (opt_log && strcmp(opt_log, "-") == 0)
        log = stdout;
    else if (opt_log && !(log = fopen(opt_log, "a"))) {
        fprintf(stderr, "cratesec serve: cannot open access log %s: %s\n", opt_log,
                strerror(errno));
        return EXIT_USAGE;
    }
    ho.access_log = log;
    bool sparse = opt_index &&
                  (strncmp(opt_index, "sparse+", 7) == 0 || strncmp(opt_index, "http://", 7) == 0 ||
                   strncmp(opt_index, "https://", 8) == 0);
    unsigned max_age = 300, sync_every = 0;
    if (parse_uint(opt_max_age, "index-max-age", 86400 * 365, false, &max_age) < 0 ||
        parse_duration_of("sync-every", opt_sync_every, &sync_every) < 0)
        return EXIT_USAGE;
    if (opt_log_format && strcmp(opt_log_format, "json") != 0 &&
        strcmp(opt_log_format, "text") != 0) {
        fprintf(stderr, "cratesec serve: --log-format is text or json, not `%s`\n", opt_log_format);
        return EXIT_USAGE;
    }
    srv_log_json = opt_log_format && strcmp(opt_log_format, "json") == 0;
    ho.log_json = srv_log_json;

    srv_watch_options wo = SRV_WATCH_OPTIONS_INIT;
    wo.state = opt_state;
    wo.webhook.allow_private = opt_allow_private;
    if (opt_hook_timeout) {
        unsigned v = 0;
        if (parse_duration_of("webhook-timeout", opt_hook_timeout, &v) < 0)
            return EXIT_USAGE;
        if (v > 600) {
            fprintf(stderr, "cratesec serve: --webhook-timeout is at most 10m, got `%s`\n",
                    opt_hook_timeout);
            return EXIT_USAGE;
        }
        wo.webhook.timeout_ms = v * 1000;
        if (wo.webhook.connect_timeout_ms > wo.webhook.timeout_ms)
            wo.webhook.connect_timeout_ms = wo.webhook.timeout_ms;
    }
    if (opt_hook_retry) {
        char base[32] = "", *cap = NULL;
        snprintf(base, sizeof base, "%s", opt_hook_retry);
        if ((cap = strchr(base, ',')))
            *cap++ = '\0';
        /* Without a cap the default one stays, raised to the base if below. */
        if (parse_duration_of("webhook-retry", base, &wo.retry.base_s) < 0 ||
            parse_duration_of("webhook-retry", cap, &wo.retry.cap_s) < 0)
            return EXIT_USAGE;
        if (!cap && wo.retry.cap_s < wo.retry.base_s)
            wo.retry.cap_s = wo.retry.base_s;
        if (wo.retry.cap_s < wo.retry.base_s) {
            fprintf(stderr, "cratesec serve: --webhook-retry: the cap is below the base\n");
            return EXIT_USAGE;
        }
    }
    unsigned *disable_after = &wo.retry.disable_after_s;
    if (parse_duration_of("webhook-disable-after", opt_hook_disable, disable_after) < 0 ||
        parse_duration_of("webhook-lease", opt_hook_lease, &wo.lease_s) < 0)
        return EXIT_USAGE;
    if (wo.lease_s * 1000u <= wo.webhook.timeout_ms) {
        fprintf(stderr, "cratesec serve: --webhook-lease (%u s) must be longer than "
                        "--webhook-timeout (%u s), or a slow delivery would be sent twice\n",
                wo.lease_s, wo.webhook.timeout_ms / 1000);
        return EXIT_USAGE;
    }
    unsigned cache_mb = 256, fetchers = 16, index_timeout = 20;
    if (parse_uint(opt_index_timeout, "index-timeout", 3600, true, &index_timeout) < 0 ||
        parse_uint(opt_cache_mb, "index-cache-mb", 1 << 20, true, &cache_mb) < 0 ||
        parse_uint(opt_fetchers, "index-fetchers", 64, true, &fetchers) < 0)
        return EXIT_USAGE;

    int status = EXIT_FOUND;
    srv_load_spec spec = {0};
    spec.db_dir = cli_db_dir(opt_db);
    srv_index_source *index_src = !sparse && opt_index ? srv_index_source_open(opt_index) : NULL;
    spec.index_src = index_src;
    spec.sync_url = opt_sync_url;
    srv_sparse *sp = NULL;
    srv_site *site = NULL;
    srv_live *live = NULL;
    csec_buf err = CSEC_BUF_INIT;
    if (sparse && open_sparse(&sp, max_age, cache_mb, fetchers, index_timeout) < 0)
        goto done;
    spec.sparse = sp;
    if (srv_site_load(&site, &spec, NULL, &err) < 0) {
        fprintf(stderr, "cratesec serve: %s\n", err.ptr);
        goto done;
    }
    srv_log_event("info", "loaded", "%zu advisories loaded in %.0f ms (commit %s)", site->count,
                  site->load_ms, site->commit[0] ? site->commit : "none: not a git checkout");
    if (site->index_data) {
        csec_index_stats st;
        csec__index_stats(site->index, &st);
        srv_log_event("info", "index",
                      "index: %zu crates, %zu versions with reverse dependencies in %.0f ms "
                      "(%zu MB; %zu lines skipped)",
                      csec__index_crate_count(site->index), csec__index_version_count(site->index),
                      site->index_data->load_ms, st.arena_bytes >> 20,
                      st.bad_lines + st.bad_versions);
    }
    live = srv_live_new(site);
    /* The state's threads: evaluation after each swap, webhook senders. */
    if (srv_watch_start(live, &wo) < 0) {
        fprintf(stderr, "cratesec serve: cannot start the watch threads\n");
        goto done;
    }
    spec.on_swap = srv_watch_wake;
    /* Reloads run on their own thread, asked for by SIGHUP or the sync timer. */
    srv_reloader *reloader = srv_reloader_start(live, &spec, sync_every);
    if (!reloader) {
        fprintf(stderr, "cratesec serve: cannot start the reload thread\n");
        goto done;
    }
    if (sync_every)
        srv_log_event("info", "sync", "syncing the database every %u s from %s", sync_every,
                      opt_sync_url ? opt_sync_url : "its origin");
    ho.on_reload = srv_reloader_request;
    ho.reload_payload = reloader;
    raise_fd_limit();
    status = http_serve(live, &ho) < 0 ? EXIT_FOUND : EXIT_OK;
    srv_reloader_stop(reloader);
    srv_watch_stop();
done:
    csec_buf_free(&err);
    srv_live_free(live);
    srv_sparse_free(sp);
    srv_index_source_free(index_src);
    if (log && log != stderr && log != stdout)
        fclose(log);
    return status;
}

const cli_cmd cmd_serve_server = {
    "serve", "", CLI_SERVE_SUMMARY,
    "Loads the advisory database (and, with --index, a registry index) and serves HTML\n"
    "pages and the JSON API until SIGTERM or SIGINT; in-flight requests then finish\n"
    "(up to 5 s).  Prints \"listening on http://HOST:PORT\" once ready.\n"
    "\n"
    "Reloading: SIGHUP (or --sync-every, after a git fetch) loads the database, and the\n"
    "index when its files changed, off to the side and swaps it in at once; requests in\n"
    "flight finish on the old data.  A failed fetch, a checkout that differs from its\n"
    "commit (half-written), an advisory that no longer parses or an unreadable index\n"
    "keeps the previous data serving; the failure is logged and shown by /healthz\n"
    "(\"status\": \"degraded\", \"last_error\").  /healthz (JSON) and /metrics\n"
    "(Prometheus) describe the data served, its age and the reloads.\n"
    "\n"
    "Limits (hostile clients are answered or cut off; others keep being served):\n"
    "  request line and header:  32 KB in all (431, or 414 for a longer URL), at most\n"
    "                            64 header fields (431)\n"
    "  request body:             16 KB (POST to the API: 512 KB), else 413\n"
    "  time:                     a whole request must arrive within --timeout of the\n"
    "                            connection opening or its previous response ending\n"
    "                            (slowloris, slow bodies), else the connection is closed\n"
    "                            and logged as 408; a client that stops reading its\n"
    "                            response is cut 2 s later (both: connections_cut_total)\n"
    "  connections:              --max-connections in all, --max-per-ip from one address\n"
    "                            (the excess are closed at once)\n"
    "  protocol (RFC 9112):      400 and the connection closed for: no Host in HTTP/1.1,\n"
    "                            or two; two Content-Length; Content-Length with\n"
    "                            Transfer-Encoding; a NUL, bare CR or other control\n"
    "                            character in the head; a space in the target; a header\n"
    "                            name that is not a token; folded header lines; 501 for a\n"
    "                            transfer coding other than chunked; garbage request\n"
    "                            lines: 400 or closed; methods other than GET and HEAD\n"
    "                            (and the API's POST, OPTIONS): 405\n"
    "  paths:                    %00, invalid UTF-8, bad escapes, . and .. segments: 400\n"
    "\n"
    "The server is its own executable, cratesec-server, installed beside cratesec:\n"
    "`cratesec serve ARGS` replaces itself with `cratesec-server ARGS` (same process id).\n"
    "\n"
    "Exit status 0 after a SIGTERM or SIGINT shutdown, 1 when the database or the index\n"
    "cannot be loaded, ADDR cannot be listened on or cratesec-server is not found beside\n"
    "cratesec, 2 for a usage error or an access log that cannot be opened.",
    run};
