/* cmd_semver.c - `cratesec semver REQ VERSION...`: which versions satisfy a
 * Cargo requirement under the semver crate's matching rules (spec §2.3, the
 * rules of `[affected.functions]`, not the interval rules of §2.4), like
 * npm's `semver -r`.  `--stdin` answers `REQ<TAB>VERSION` lines as a stream. */
#include "cli.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool opt_json, opt_stdin;

static const cli_opt options[] = {
    {"json", 0, NULL, "print JSON (with --stdin: one JSON object per input line)", &opt_json, NULL,
     NULL, NULL},
    {"stdin", 0, NULL, "read REQ<TAB>VERSION lines from standard input", &opt_stdin, NULL, NULL,
     NULL},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Longer lines are answered with an error: no requirement or version is
 * anywhere near this long, and it bounds memory on hostile input. */
#define LINE_LIMIT 65536

/* "MSG (column N)" from a parse diagnostic. */
static void diag_text(csec_buf *out, const csec_diag *d)
{
    csec_buf_puts(out, d->msg);
    if (d->col)
        csec_buf_printf(out, " (column %u)", d->col);
}

typedef struct entry {
    const char *text;
    csec_version v;
    size_t index;
    bool matches;
} entry;

/* Ascending semver order; input order breaks ties so the sort is stable. */
static int cmp_entry(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = csec_version_cmp(&a->v, &b->v);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int run_args(int n, char **argv)
{
    int status = EXIT_USAGE;
    csec_req *req = NULL;
    entry *e = NULL;
    csec_buf out = CSEC_BUF_INIT, msg = CSEC_BUF_INIT;
    csec_diag d;
    if (csec_req_parse(&req, argv[0], strlen(argv[0]), &d) < 0) {
        diag_text(&msg, &d);
        cli_eprintf("cratesec semver: invalid requirement `%s`: %s\n", argv[0], msg.ptr);
        goto done;
    }
    size_t count = (size_t)n - 1;
    e = csec__xcalloc(count, sizeof *e);
    bool bad = false;
    for (size_t i = 0; i < count; i++) {
        e[i].text = argv[i + 1];
        e[i].index = i;
        if (csec_version_parse(&e[i].v, e[i].text, strlen(e[i].text), &d) < 0) {
            csec_buf_clear(&msg);
            diag_text(&msg, &d);
            cli_eprintf("cratesec semver: invalid version `%s`: %s\n", e[i].text, msg.ptr);
            bad = true;
        }
    }
    if (bad)
        goto done;
    size_t hits = 0;
    for (size_t i = 0; i < count; i++) {
        e[i].matches = csec_req_matches(req, &e[i].v);
        hits += e[i].matches;
    }
    if (opt_json) {
        /* Versions in input order with the verdict, then the satisfying ones
         * sorted like the text output. */
        csec_buf_puts(&out, "{\"requirement\":");
        csec_json_string(&out, argv[0], strlen(argv[0]));
        csec_buf_puts(&out, ",\"normalized\":\"");
        csec_req_write(&out, req);
        csec_buf_puts(&out, "\",\"versions\":[");
        for (size_t i = 0; i < count; i++)
            csec_buf_printf(&out, "%s{\"version\":\"%s\",\"satisfies\":%s}", i ? "," : "",
                            e[i].text, e[i].matches ? "true" : "false");
        csec_buf_puts(&out, "],\"satisfying\":[");
    }
    qsort(e, count, sizeof *e, cmp_entry);
    bool first = true;
    for (size_t i = 0; i < count; i++) {
        if (!e[i].matches)
            continue;
        /* Versions that parsed are ASCII without quotes or backslashes. */
        if (opt_json)
            csec_buf_printf(&out, "%s\"%s\"", first ? "" : ",", e[i].text);
        else
            csec_buf_printf(&out, "%s\n", e[i].text);
        first = false;
    }
    if (opt_json)
        csec_buf_puts(&out, "]}\n");
    fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
    status = hits ? EXIT_OK : EXIT_FOUND;
done:
    csec_buf_free(&out);
    csec_buf_free(&msg);
    free(e);
    csec_req_free(req);
    return status;
}

/* The requirement of the previous line, kept because batch input usually
 * repeats one requirement over many versions. */
typedef struct req_cache {
    csec_buf text;
    csec_req *req;
    bool valid;
    csec_diag diag; /* the parse error when !valid */
} req_cache;

static void answer_error(csec_buf *out, size_t lineno, const char *what, const csec_diag *d)
{
    csec_buf msg = CSEC_BUF_INIT;
    if (what)
        csec_buf_printf(&msg, "invalid %s: ", what);
    diag_text(&msg, d);
    if (opt_json) {
        csec_buf_printf(out, "{\"line\":%zu,\"error\":", lineno);
        csec_json_string(out, msg.ptr, msg.len);
        csec_buf_puts(out, "}\n");
    } else {
        csec_buf_printf(out, "error: %s\n", msg.ptr);
    }
    csec_buf_free(&msg);
}

/* Answers one complete input line, or (`too_long`) the line cut short for
 * its length. */
static void answer_line(csec_buf *out, req_cache *rc, size_t lineno, const csec_buf *line,
                        bool too_long)
{
    csec_diag d;
    memset(&d, 0, sizeof d);
    if (too_long) {
        snprintf(d.msg, sizeof d.msg, "line longer than %d bytes", LINE_LIMIT);
        answer_error(out, lineno, NULL, &d);
        return;
    }
    const char *s = line->ptr ? line->ptr : "";
    size_t len = line->len;
    if (len && s[len - 1] == '\r')
        len--;
    const char *tab = memchr(s, '\t', len);
    if (!tab) {
        snprintf(d.msg, sizeof d.msg, "expected REQ<TAB>VERSION");
        answer_error(out, lineno, NULL, &d);
        return;
    }
    size_t rlen = (size_t)(tab - s);
    if (!rc->text.ptr || rc->text.len != rlen || memcmp(rc->text.ptr, s, rlen) != 0) {
        csec_req_free(rc->req);
        rc->req = NULL;
        csec_buf_clear(&rc->text);
        csec_buf_put(&rc->text, s, rlen);
        rc->valid = csec_req_parse(&rc->req, s, rlen, &rc->diag) == 0;
    }
    if (!rc->valid) {
        answer_error(out, lineno, "requirement", &rc->diag);
        return;
    }
    csec_version v;
    const char *vs = tab + 1;
    size_t vlen = len - rlen - 1;
    if (csec_version_parse(&v, vs, vlen, &d) < 0) {
        answer_error(out, lineno, "version", &d);
        return;
    }
    bool m = csec_req_matches(rc->req, &v);
    if (opt_json) {
        csec_buf_printf(out, "{\"line\":%zu,\"requirement\":\"", lineno);
        csec_req_write(out, rc->req);
        csec_buf_puts(out, "\",\"version\":\"");
        csec_version_write(out, &v);
        csec_buf_printf(out, "\",\"satisfies\":%s}\n", m ? "true" : "false");
    } else {
        csec_buf_puts(out, m ? "true\n" : "false\n");
    }
}

/* Reads with read(2) rather than stdio so that every complete line already
 * received is answered and flushed before blocking for more input: a caller
 * feeding lines one at a time through a pipe gets each answer at once. */
static int run_stdin(void)
{
    int status = EXIT_OK;
    csec_buf line = CSEC_BUF_INIT, out = CSEC_BUF_INIT;
    req_cache rc;
    memset(&rc, 0, sizeof rc);
    char chunk[65536];
    size_t lineno = 0;
    bool too_long = false; /* skipping the rest of an over-long line */
    for (;;) {
        ssize_t got = read(STDIN_FILENO, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "cratesec semver: reading standard input: %s\n", strerror(errno));
            status = EXIT_USAGE;
            break;
        }
        if (got == 0)
            break;
        size_t pos = 0, n = (size_t)got;
        while (pos < n) {
            const char *nl = memchr(chunk + pos, '\n', n - pos);
            size_t seg = nl ? (size_t)(nl - (chunk + pos)) : n - pos;
            if (!too_long) {
                if (line.len + seg > LINE_LIMIT) {
                    too_long = true;
                    csec_buf_clear(&line);
                } else {
                    csec_buf_put(&line, chunk + pos, seg);
                }
            }
            pos += seg;
            if (!nl)
                break;
            pos++; /* the newline */
            lineno++;
            answer_line(&out, &rc, lineno, &line, too_long);
            too_long = false;
            csec_buf_clear(&line);
        }
        cli_write(stdout, out.ptr ? out.ptr : "", out.len);
        fflush(stdout);
        csec_buf_clear(&out);
    }
    /* A last line without a newline is still a line. */
    if (status == EXIT_OK && (line.len || too_long)) {
        lineno++;
        answer_line(&out, &rc, lineno, &line, too_long);
        cli_write(stdout, out.ptr, out.len);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cratesec semver: writing standard output failed\n");
        status = EXIT_USAGE;
    }
    csec_buf_free(&line);
    csec_buf_free(&out);
    csec_buf_free(&rc.text);
    csec_req_free(rc.req);
    return status;
}

static int run(int argc, char **argv)
{
    int n = cli_parse(&cmd_semver, options, argc, argv);
    if (n < 0)
        return EXIT_USAGE;
    if (opt_stdin) {
        if (n != 0) {
            fprintf(stderr, "cratesec semver: --stdin takes no REQ or VERSION arguments\n");
            return EXIT_USAGE;
        }
        return run_stdin();
    }
    if (n < 2) {
        fprintf(stderr, "cratesec semver: give a requirement and at least one VERSION "
                        "(see --help)\n");
        return EXIT_USAGE;
    }
    return run_args(n, argv);
}

const cli_cmd cmd_semver = {
    "semver", "REQ VERSION...   or   cratesec semver --stdin [--json]",
    "print the versions that satisfy a Cargo version requirement",
    "Matches like Cargo and the semver crate (spec §2.3), which is what\n"
    "[affected.functions] uses; `check` instead uses RustSec's interval semantics\n"
    "(spec §2.4), which differ for partial versions and prereleases. A prerelease\n"
    "only satisfies REQ when a comparator names the same MAJOR.MINOR.PATCH with a\n"
    "prerelease: `>=1.0.0` does not match 1.1.0-beta.\n"
    "\n"
    "Prints each satisfying VERSION on its own line, lowest first.\n"
    "\n"
    "--stdin reads lines `REQ<TAB>VERSION` (CRLF accepted) and answers each, in\n"
    "order, with `true`, `false` or `error: MESSAGE`; answers are flushed as input\n"
    "arrives. With --json each answer is an object {\"line\", \"requirement\",\n"
    "\"version\", \"satisfies\"} or {\"line\", \"error\"}.\n"
    "\n"
    "Exit status 0 when at least one VERSION satisfies REQ, 1 when none does, 2 for\n"
    "an invalid REQ or VERSION (every invalid one is reported). With --stdin: 0 once\n"
    "every line is answered (false and error answers included), 2 if reading fails.",
    run};
