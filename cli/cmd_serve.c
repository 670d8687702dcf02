/* cmd_serve.c - `cratesec serve`: the web site (server/).
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
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *opt_db, *opt_index, *opt_listen, *opt_threads, *opt_timeout, *opt_maxconn,
    *opt_log;

static const cli_opt options[] = {
    {"db", 'd', "DIR", "advisory database checkout (default $CRATESEC_DB or ./advisory-db)",
     NULL, &opt_db, NULL, NULL},
    {"index", 'i', "DIR", "registry index in the git layout (crate versions, dependencies)",
     NULL, &opt_index, NULL, NULL},
    {"listen", 'l', "ADDR", "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free)",
     NULL, &opt_listen, NULL, NULL},
    {"threads", 0, "N", "worker threads (default: number of CPUs)", NULL, &opt_threads, NULL,
     NULL},
    {"timeout", 0, "SECONDS", "close connections idle or stalled this long (default 15)", NULL,
     &opt_timeout, NULL, NULL},
    {"max-connections", 0, "N", "simultaneous connections (default 4000)", NULL, &opt_maxconn,
     NULL, NULL},
    {"access-log", 0, "FILE", "append one line per request to FILE ('-': stdout, 'none'; "
                              "default stderr)",
     NULL, &opt_log, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int parse_uint(const char *s, const char *what, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > max) {
        fprintf(stderr, "cratesec serve: --%s wants a number up to %lu, got `%s`\n", what, max,
                s);
        return -1;
    }
    *out = v;
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

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_serve, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (n != 0) {
        fprintf(stderr, "cratesec serve: no positional arguments expected\n");
        return EXIT_USAGE;
    }
    http_options ho = HTTP_OPTIONS_INIT;
    ho.max_connections = 4000;
    unsigned long v;
    if (opt_listen)
        ho.listen = opt_listen;
    if (opt_threads) {
        if (parse_uint(opt_threads, "threads", 256, &v) < 0)
            return EXIT_USAGE;
        ho.threads = (unsigned)v;
    }
    if (opt_timeout) {
        if (parse_uint(opt_timeout, "timeout", 3600, &v) < 0 || v == 0)
            return EXIT_USAGE;
        ho.timeout_s = (unsigned)v;
    }
    if (opt_maxconn) {
        if (parse_uint(opt_maxconn, "max-connections", 1000000, &v) < 0 || v == 0)
            return EXIT_USAGE;
        ho.max_connections = (unsigned)v;
    }
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
    if (opt_index && (strncmp(opt_index, "sparse+", 7) == 0 ||
                      strncmp(opt_index, "http://", 7) == 0 ||
                      strncmp(opt_index, "https://", 8) == 0)) {
        fprintf(stderr, "cratesec serve: HTTP (sparse) indexes are not supported yet; "
                        "pass a local index directory\n");
        return EXIT_USAGE;
    }

    double t0 = now_ms();
    csec_db *db = cli_open_db(opt_db, false, false);
    if (!db)
        return EXIT_FOUND;
    double t1 = now_ms();
    srv_site *site = srv_site_new(db, t1 - t0);
    fprintf(stderr, "cratesec serve: %zu advisories loaded in %.0f ms\n", site->count,
            site->load_ms);
    csec_index *idx = NULL;
    if (opt_index) {
        csec_diag d;
        double t2 = now_ms();
        if (csec__index_open_dir(&idx, opt_index, &d) < 0) {
            char line[1024];
            fprintf(stderr, "cratesec serve: cannot read the index: %s\n",
                    csec_diag_format(line, sizeof line, &d));
            srv_site_free(site);
            return EXIT_FOUND;
        }
        csec_index_stats st;
        csec__index_stats(idx, &st);
        fprintf(stderr,
                "cratesec serve: index: %zu crates, %zu versions in %.0f ms (%zu MB; %zu lines "
                "skipped)\n",
                csec__index_crate_count(idx), csec__index_version_count(idx), now_ms() - t2,
                st.arena_bytes >> 20, st.bad_lines + st.bad_versions);
        site->index = idx;
    }
    raise_fd_limit();
    int rc = http_serve(site, &ho);
    srv_site_free(site);
    csec__index_free(idx);
    if (log && log != stderr && log != stdout)
        fclose(log);
    return rc < 0 ? EXIT_FOUND : EXIT_OK;
}

const cli_cmd cmd_serve = {
    "serve", "",
    "serve the web site: crate pages with a Security tab, advisories, search",
    "Loads the advisory database (and, with --index, a registry index) and serves HTML\n"
    "pages until SIGTERM or SIGINT; in-flight requests then finish (up to 5 s).\n"
    "Prints \"listening on http://HOST:PORT\" once ready.",
    run};
