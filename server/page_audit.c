/* page_audit.c - auditing a lockfile on the site:
 *
 *   GET  /audit       the form: paste or upload a Cargo.lock (and optionally
 *                     its Cargo.toml)
 *   POST /audit       audits it; a lockfile that cannot be read gets the form
 *                     again with the error (file, line, column, the line
 *                     itself) and 400 or 413; otherwise the lockfile is kept
 *                     and the answer is 303 to its report
 *   GET  /audit/ID    the report, evaluated again against the data served
 *                     now (the footer and the page say which commit)
 *
 * What the report says is what `cratesec audit` says (audit_input.c runs
 * the library's csec_audit): vulnerabilities, then warnings (notice,
 * unmaintained, unsound, yanked), each with the path from a root of the
 * lockfile, its kind and severity, and the upgrade that clears it.  The
 * form is a plain multipart POST, so the page works without JavaScript.
 */
#include "audit_input.h"
#include "deps.h"
#include "form.h"
#include "html.h"
#include "registry.h"
#include "wording.h"
#include "page_state.h"
#include "util.h"
#include "watch_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chains longer than this are shown by their two ends. */
#define PATH_SHOWN 12

/* ---- the form ----
 *
 * What the visitor sent is given back (the pasted text, the line of an
 * error) through xml_escn, which also replaces bytes that are not UTF-8 and
 * control characters: a page must stay valid text whatever was sent. */

typedef struct form_state {
    const char *lockfile; /* pasted text to put back, or NULL */
    size_t lockfile_len;
    const char *manifest;
    size_t manifest_len;
    const srv_audit *error; /* the refusal to show, or NULL */
    const char *error_source; /* the text the error's line/column point into */
    size_t error_source_len;
    const char *form_error; /* a problem with the request itself */
} form_state;

/* The line `line` of `text` (1-based) and its neighbours, with a marker
 * under column `col`. */
static void excerpt(csec_buf *b, const char *text, size_t len, uint32_t line, uint32_t col)
{
    if (!line || !text)
        return;
    const char *p = text, *end = text + len;
    uint32_t at = 1;
    csec_buf_puts(b, "<pre class=\"excerpt\" aria-label=\"The lines around the error\">");
    while (p < end && at <= line + 1) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (at + 1 >= line) {
            if (n > 200)
                n = 200;
            csec_buf_printf(b, "%s%6u | ", at == line ? "<mark>" : "", at);
            xml_escn(b, p, n);
            if (at == line) {
                csec_buf_puts(b, "</mark>\n         ");
                for (uint32_t i = 1; i < col && i < 200; i++)
                    csec_buf_putc(b, ' ');
                csec_buf_puts(b, "^");
            }
            csec_buf_putc(b, '\n');
        }
        at++;
        p = nl ? nl + 1 : end;
    }
    csec_buf_puts(b, "</pre>\n");
}

static void audit_form(csec_buf *b, const form_state *fs)
{
    csec_buf_puts(b, "<h1>Audit a Cargo.lock</h1>\n<p>Paste or upload a <code>Cargo.lock</code> "
                     "(formats v1 to v4) to see which of its crates.io packages are affected by "
                     "advisories of the RustSec database: the report <code>cratesec audit</code> "
                     "and cargo-audit give, with the path from your crate to each affected one "
                     "and the upgrade that clears it.  Nothing is built or installed.  Add the "
                     "<code>Cargo.toml</code> to mark direct dependencies.</p>\n"
                     "<p class=\"muted\">Up to 5 MiB and 20,000 packages.  The lockfile is kept "
                     "so that its report has a permanent address, named after the file's "
                     "SHA-256.</p>\n");
    if (fs->error || fs->form_error) {
        csec_buf_puts(b, "<div class=\"error\" role=\"alert\" id=\"audit-error\">\n"
                         "<h2>The lockfile could not be audited</h2>\n<p>");
        if (fs->error) {
            csec_buf tmp = CSEC_BUF_INIT;
            srv_audit_error_text(&tmp, fs->error);
            xml_escn(b, tmp.ptr, tmp.len);
            csec_buf_free(&tmp);
        } else {
            html_esc(b, fs->form_error);
        }
        csec_buf_puts(b, "</p>\n");
        if (fs->error)
            excerpt(b, fs->error_source, fs->error_source_len, fs->error->diag.line,
                    fs->error->diag.col);
        csec_buf_puts(b, "</div>\n");
    }
    csec_buf_puts(b, "<form class=\"audit-form\" method=\"post\" action=\"/audit\" "
                     "enctype=\"multipart/form-data\">\n"
                     "<div class=\"field\"><label for=\"lockfile\">Contents of "
                     "<code>Cargo.lock</code></label>\n"
                     "<textarea id=\"lockfile\" name=\"lockfile\" rows=\"14\" spellcheck=\"false\" "
                     "autocomplete=\"off\" placeholder=\"# This file is automatically @generated "
                     "by Cargo.\">");
    if (fs->lockfile)
        xml_escn(b, fs->lockfile, fs->lockfile_len);
    csec_buf_puts(b, "</textarea></div>\n"
                     "<div class=\"field\"><label for=\"lockfile_file\">Or upload "
                     "<code>Cargo.lock</code> (used instead of the text above)</label>\n"
                     "<input type=\"file\" id=\"lockfile_file\" name=\"lockfile_file\" "
                     "accept=\".lock,text/plain,application/toml\"></div>\n"
                     "<details");
    csec_buf_puts(b, fs->manifest ? " open" : "");
    csec_buf_puts(b, "><summary>Cargo.toml (optional: marks direct dependencies)</summary>\n"
                     "<div class=\"field\"><label for=\"manifest\">Contents of "
                     "<code>Cargo.toml</code></label>\n"
                     "<textarea id=\"manifest\" name=\"manifest\" rows=\"8\" spellcheck=\"false\" "
                     "autocomplete=\"off\">");
    if (fs->manifest)
        xml_escn(b, fs->manifest, fs->manifest_len);
    csec_buf_puts(b, "</textarea></div>\n"
                     "<div class=\"field\"><label for=\"manifest_file\">Or upload "
                     "<code>Cargo.toml</code></label>\n"
                     "<input type=\"file\" id=\"manifest_file\" name=\"manifest_file\" "
                     "accept=\".toml,text/plain,application/toml\"></div>\n</details>\n"
                     "<p><button type=\"submit\">Audit</button></p>\n</form>\n"
                     "<p class=\"muted\">For CI: <code>POST /api/v1/audit</code> with the "
                     "lockfile as the body answers cargo-audit's JSON, or SARIF with "
                     "<code>Accept: application/sarif+json</code> (<a "
                     "href=\"/openapi.json\">OpenAPI</a>).</p>\n");
}

static void form_page(const srv_req *r, srv_resp *resp, int status, const form_state *fs)
{
    csec_buf *b = &resp->body;
    resp->status = status;
    csec_buf_clear(b);
    html_begin(b, fs->error || fs->form_error ? "Audit a Cargo.lock: error" : "Audit a Cargo.lock",
               NULL);
    audit_form(b, fs);
    html_end(b, r->site);
}

/* ---- the report ---- */

static void package_link(csec_buf *b, const csec_lock_package *p)
{
    if (p->crates_io) {
        csec_buf_puts(b, "<a href=\"");
        html_crate_url(b, p->name, p->version_text, "security");
        csec_buf_puts(b, "\">");
    }
    html_esc(b, p->name);
    csec_buf_putc(b, ' ');
    html_esc(b, p->version_text);
    if (p->crates_io)
        csec_buf_puts(b, "</a>");
}

static void path_from_root(csec_buf *b, const csec_lockfile *lf, const csec_lock_package *p)
{
    /* One search (a chain is at most every package long), not one to size
     * and one to fill: a report runs it once per finding. */
    size_t cap = csec_lockfile_count(lf);
    const csec_lock_package **chain = csec__xcalloc(cap ? cap : 1, sizeof *chain);
    size_t n = csec_lockfile_path(lf, p, chain, cap);
    if (n > cap)
        n = cap;
    csec_buf_puts(b, "<ol class=\"path\">");
    for (size_t i = 0; i < n; i++) {
        if (n > PATH_SHOWN && i == PATH_SHOWN / 2) {
            csec_buf_printf(b, "<li class=\"muted\">%zu more</li>", n - PATH_SHOWN);
            i = n - PATH_SHOWN / 2;
        }
        csec_buf_puts(b, "<li>");
        html_esc(b, chain[i]->name);
        csec_buf_putc(b, ' ');
        html_esc(b, chain[i]->version_text);
        csec_buf_puts(b, "</li>");
    }
    csec_buf_puts(b, "</ol>");
    if (n == 1)
        csec_buf_puts(b, " <span class=\"muted\">(nothing in the lockfile depends on it)</span>");
    free(chain);
}

/* The minimum upgrade that clears every advisory counting against the
 * package's version (csec__deps_advice, worded by csec__word_advice: the
 * crate page's "What to do"), when the site has a registry index with the
 * crate; without one, the advisory's patched versions. */
static void upgrade(csec_buf *b, const srv_site *s, const csec_lock_package *p,
                    const csec_advisory *a)
{
    csec_buf t = CSEC_BUF_INIT;
    if (!csec__word_counts(a)) {
        csec_buf_puts(&t, a->informational == CSEC_INFO_UNMAINTAINED
                              ? "None: the crate is unmaintained (its advisory names any "
                                "alternatives)."
                              : "None: an upgrade does not clear a notice.");
    } else {
        const csec_index_crate *c = srv_index_crate(s, p->name);
        csec_advice adv;
        if (c)
            csec__deps_advice(&adv, s->db, c, &p->version, false);
        if (c && adv.kind != CSEC_ADVICE_NONE) {
            csec__word_advice(&t, &adv, html_index_stale(s));
        } else {
            csec_buf_puts(&t, a->patched_count ? "To a version matching " : "");
            csec__word_reqs(&t, a->patched, a->patched_count,
                            "No patched version exists.");
            if (a->patched_count)
                csec_buf_puts(&t, c                 ? "."
                                  : srv_has_index(s) ? " (the registry index does not have "
                                                       "the crate to name the release)."
                                                     : " (this server has no registry index "
                                                       "to name the release).");
        }
    }
    html_escn(b, t.ptr, t.len);
    csec_buf_free(&t);
}

/* The warning kind's name, capitalised as a heading starts. */
static void warning_name(csec_buf *b, int kind)
{
    const char *name = csec__word_warning_kind(kind);
    csec_buf_putc(b, (char)(name[0] - 'a' + 'A'));
    csec_buf_puts(b, name + 1);
}

static void finding(csec_buf *b, const srv_site *s, const srv_audit *au,
                    const csec_audit_finding *f, size_t n)
{
    const csec_advisory *a = f->advisory;
    const csec_lock_package *p = f->package;
    /* The package's place, only where it is asked for (what the manifest
     * declares directly). */
    size_t idx = 0;
    for (size_t i = 0; au->direct && i < csec_lockfile_count(au->lockfile); i++)
        if (csec_lockfile_get(au->lockfile, i) == p) {
            idx = i;
            break;
        }
    csec_buf_printf(b, "<article class=\"adv finding%s\" id=\"f-%zu\" aria-labelledby=\"ft-%zu\">\n",
                    f->kind < 0 ? " affects" : "", n, n);
    csec_buf_printf(b, "<h3 id=\"ft-%zu\">", n);
    if (a) {
        html_link(b, "/advisories/", a->id);
        csec_buf_puts(b, " ");
        html_kind_label(b, a);
        csec_buf_puts(b, " ");
        html_title(b, a->title);
    } else {
        html_esc(b, p->name);
        csec_buf_putc(b, ' ');
        html_esc(b, p->version_text);
        csec_buf_puts(b, " <span class=\"kind kind-info\">Yanked</span>");
    }
    csec_buf_puts(b, "</h3>\n<dl class=\"facts\">\n<dt>Package</dt><dd>");
    package_link(b, p);
    if (au->direct && au->direct[idx]) {
        unsigned k = au->direct[idx];
        csec_buf_printf(b, " <span class=\"tag tag-direct\">direct%s%s%s</span>",
                        k & SRV_DIRECT_NORMAL ? " dependency" : "",
                        k & SRV_DIRECT_DEV ? (k & SRV_DIRECT_NORMAL ? ", dev" : " dev-dependency")
                                           : "",
                        k & SRV_DIRECT_BUILD ? (k & (SRV_DIRECT_NORMAL | SRV_DIRECT_DEV)
                                                    ? ", build"
                                                    : " build-dependency")
                                             : "");
    }
    csec_buf_puts(b, "</dd>\n<dt>Kind</dt><dd>");
    if (f->kind < 0)
        csec_buf_puts(b, "Vulnerability");
    else {
        warning_name(b, f->kind);
        csec_buf_printf(b, " (a warning%s)", f->denied ? ", denied" : "");
    }
    csec_buf_puts(b, "</dd>\n");
    if (a) {
        csec_buf_puts(b, "<dt>Severity</dt><dd>");
        if (a->cvss)
            html_cvss(b, a->cvss);
        else
            csec_buf_puts(b, "not scored (the advisory has no CVSS vector)");
        csec_buf_puts(b, "</dd>\n");
    }
    csec_buf_puts(b, "<dt>Path from the root</dt><dd>");
    path_from_root(b, au->lockfile, p);
    csec_buf_puts(b, "</dd>\n");
    if (a) {
        csec_buf_puts(b, "<dt>Minimum upgrade</dt><dd>");
        upgrade(b, s, p, a);
        csec_buf_puts(b, "</dd>\n");
    } else {
        csec_buf_puts(b, "<dt>What it means</dt><dd>This version was yanked from crates.io: "
                         "Cargo no longer selects it for new lockfiles.</dd>\n");
    }
    csec_buf_puts(b, "</dl>\n</article>\n");
}

/* The report's sentences and findings; `stored` says whether it has its
 * permanent address, else `store_problem` why not. */
static void report_body(csec_buf *b, const srv_site *s, const srv_audit *au, bool stored,
                        const char *store_problem)
{
    const csec_audit_report *r = au->report;
    size_t count = csec_lockfile_count(au->lockfile), cio = 0;
    for (size_t i = 0; i < count; i++)
        cio += csec_lockfile_get(au->lockfile, i)->crates_io;
    csec_buf_puts(b, "<h1>Audit of a Cargo.lock</h1>\n<p class=\"lead\">");
    csec_buf_printf(b, "%zu package%s (%zu from crates.io, the ones audited), lockfile format v%d",
                    count, count == 1 ? "" : "s", cio, csec_lockfile_format(au->lockfile));
    if (au->has_manifest) {
        csec_buf_puts(b, ", with its Cargo.toml");
        if (au->root[0]) {
            csec_buf_puts(b, " (package <code>");
            html_esc(b, au->root);
            csec_buf_puts(b, "</code>)");
        }
    }
    csec_buf_puts(b, ".</p>\n<p class=\"muted\" id=\"checked-against\">Checked against the RustSec "
                     "advisory database");
    if (s->commit[0]) {
        csec_buf_printf(b, " at commit <a href=\"https://github.com/rustsec/advisory-db/commit/%s\">"
                           "<code>%.12s</code></a>",
                        s->commit, s->commit);
        if (s->commit_date[0])
            csec_buf_printf(b, " (%s)", s->commit_date);
    }
    csec_buf_printf(b, ", loaded %s", s->loaded_at);
    if (stored)
        csec_buf_puts(b, "; evaluated again against the current data each time this page is "
                         "opened");
    csec_buf_puts(b, ".</p>\n");
    if (!stored) {
        csec_buf_puts(b, "<p class=\"notice\" role=\"status\">This report could not be kept, so "
                         "it has no permanent address: ");
        html_esc(b, store_problem ? store_problem : "the server's state is unavailable");
        csec_buf_puts(b, ".</p>\n");
    }
    size_t nv = r->vulnerabilities_count, nw = r->warnings_count;
    /* Fail closed (wording rule 9): said first, and the summary never
     * calls these packages clean. */
    if (au->incomplete)
        html_incomplete(b, au->incomplete, au->incomplete_crate);
    csec_buf_puts(b, "<p class=\"summary\" id=\"summary\">");
    if (!nv && !nw)
        csec_buf_puts(b, au->incomplete ? "No advisory that loaded affects these packages"
                                        : "No advisory of the database affects these packages");
    else if (nv)
        csec_buf_printf(b, "%zu vulnerabilit%s", nv, nv == 1 ? "y" : "ies");
    if (nw) {
        size_t per[CSEC_WARNING_KINDS] = {0};
        for (size_t i = 0; i < nw; i++)
            per[r->warnings[i].kind]++;
        csec_buf_printf(b, "%s%zu warning%s (", nv ? " and " : "", nw, nw == 1 ? "" : "s");
        bool first = true;
        for (int k = 0; k < CSEC_WARNING_KINDS; k++) {
            if (!per[k])
                continue;
            csec_buf_printf(b, "%s%zu %s", first ? "" : ", ", per[k], csec__word_warning_kind(k));
            first = false;
        }
        csec_buf_puts(b, ")");
    }
    csec_buf_putc(b, '.');
    if (!au->yanked_checked)
        csec_buf_puts(b, " Yanked versions were not checked: this server has no registry "
                         "index.");
    else if (au->yanked_unknown)
        csec_buf_printf(b, " %zu package%s could not be checked for being yanked (not in the "
                           "registry index, or it did not answer in time).",
                        au->yanked_unknown, au->yanked_unknown == 1 ? "" : "s");
    csec_buf_puts(b, "</p>\n");
    size_t n = 0;
    if (nv) {
        csec_buf_printf(b, "<section aria-labelledby=\"h-vulns\"><h2 id=\"h-vulns\">"
                           "Vulnerabilities (%zu)</h2>\n",
                        nv);
        for (size_t i = 0; i < nv; i++)
            finding(b, s, au, &r->vulnerabilities[i], ++n);
        csec_buf_puts(b, "</section>\n");
    }
    if (nw) {
        csec_buf_printf(b, "<section aria-labelledby=\"h-warnings\"><h2 id=\"h-warnings\">"
                           "Warnings (%zu)</h2>\n",
                        nw);
        for (size_t i = 0; i < nw; i++)
            finding(b, s, au, &r->warnings[i], ++n);
        csec_buf_puts(b, "</section>\n");
    }
}

static void report_page(const srv_req *r, srv_resp *resp, const srv_audit *au, bool stored,
                        const char *store_problem)
{
    csec_buf *b = &resp->body;
    resp->status = 200;
    resp->uncached = true; /* whether it is kept, and the watch form, are the state's */
    csec_buf_clear(b);
    html_begin(b, "Audit of a Cargo.lock", NULL);
    report_body(b, r->site, au, stored, store_problem);
    if (stored) {
        page_watch_form(b, au);
        csec_buf_puts(b, "<section aria-labelledby=\"h-machine\"><h2 id=\"h-machine\">"
                         "Machine-readable</h2>\n<p>This report as cargo-audit's <a href=\""
                         "/api/v1/audit/");
        html_url_part(b, au->id);
        csec_buf_puts(b, "\">JSON</a> or as <a href=\"/api/v1/audit/");
        html_url_part(b, au->id);
        csec_buf_puts(b, "?format=sarif\">SARIF</a>; <code>cratesec audit Cargo.lock</code> "
                         "prints the same findings.</p></section>\n");
    }
    csec_buf_puts(b, "<p><a href=\"/audit\">Audit another lockfile</a></p>\n");
    html_end(b, r->site);
}

/* ---- handlers ---- */

/* The field's value, or the uploaded file's when one was chosen. */
static const srv_form_field *pick(const srv_form *f, const char *text, const char *file)
{
    const srv_form_field *up = srv_form_get(f, file);
    return up ? up : srv_form_get(f, text);
}

/* The field's value, NUL-terminated, or NULL without the field.  A
 * textarea's value comes with CRLF line ends (HTML's form submission); as
 * LF, the pasted file has the same bytes, and so the same report, as the
 * same file uploaded, which is kept as it came. */
static char *field_text(const srv_form_field *x, size_t *len)
{
    if (!x)
        return NULL;
    char *out = csec__xmalloc(x->len + 1);
    size_t o = 0;
    for (size_t i = 0; i < x->len; i++)
        if (x->is_file || !(x->value[i] == '\r' && i + 1 < x->len && x->value[i + 1] == '\n'))
            out[o++] = x->value[i];
    out[o] = '\0';
    *len = o;
    return out;
}

static void submit(const srv_req *r, srv_resp *resp)
{
    srv_form f;
    char err[200];
    form_state fs = {0};
    if (srv_form_parse(&f, srv_header(r, "Content-Type"), r->body, r->body_len, err,
                       sizeof err) < 0) {
        fs.form_error = err;
        form_page(r, resp, 400, &fs);
        return;
    }
    const srv_form_field *lock = pick(&f, "lockfile", "lockfile_file");
    const srv_form_field *man = pick(&f, "manifest", "manifest_file");
    size_t llen = 0, mlen = 0;
    char *ltext = field_text(lock, &llen), *mtext = field_text(man, &mlen);
    if (!lock) {
        fs.form_error = "Paste a Cargo.lock into the text box or choose the file to upload.";
        form_page(r, resp, 400, &fs);
        goto done;
    }
    srv_audit au;
    int status = srv_audit_run(&au, r->site, ltext, llen, mtext, mlen);
    if (status) {
        fs.error = &au;
        bool in_manifest = strcmp(au.diag.file, "Cargo.toml") == 0;
        fs.error_source = in_manifest ? mtext : ltext;
        fs.error_source_len = in_manifest ? mlen : llen;
        /* What was pasted goes back into its box (a 5 MB file is not
         * echoed back). */
        if (!lock->is_file && llen <= ((size_t)256 << 10)) {
            fs.lockfile = ltext;
            fs.lockfile_len = llen;
        }
        if (man && !man->is_file && mlen <= ((size_t)256 << 10)) {
            fs.manifest = mtext;
            fs.manifest_len = mlen;
        }
        form_page(r, resp, status, &fs);
        srv_audit_free(&au);
        goto done;
    }
    csec_buf why = CSEC_BUF_INIT;
    state_store *st = srv_watch_store(&why);
    int rc = st ? state_report_put(st, au.id, ltext, mtext, srv_watch_options_get()->report_budget,
                                   &why)
                : -1;
    if (rc == 0)
        html_redirect(resp, 303, "/audit/", au.id);
    else
        report_page(r, resp, &au, false, why.ptr);
    csec_buf_free(&why);
    srv_audit_free(&au);
done:
    free(ltext);
    free(mtext);
    srv_form_free(&f);
}

void page_audit(const srv_req *r, srv_resp *resp)
{
    if (strcmp(r->method, "POST") == 0) {
        submit(r, resp);
        resp->cache_control = "no-store";
        return;
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        page_error(r, resp, 405, "Method not allowed", "This page takes GET and POST.");
        resp->allow = "GET, HEAD, POST";
        return;
    }
    form_state fs = {0};
    form_page(r, resp, 200, &fs);
}

void page_audit_report(const srv_req *r, srv_resp *resp)
{
    const char *id = r->seg[1];
    if (!srv_audit_id_valid(id)) {
        page_not_found(r, resp, "There is no audit report at this address: a report's address "
                                "is /audit/ followed by the lockfile's SHA-256 (64 hex digits).");
        return;
    }
    csec_buf lock = CSEC_BUF_INIT, man = CSEC_BUF_INIT, why = CSEC_BUF_INIT;
    bool has_manifest = false;
    state_store *st = srv_watch_store(&why);
    int found = st ? state_report_get(st, id, &lock, &man, &has_manifest, &why) : -1;
    if (found < 0) {
        page_state_unavailable(r, resp, why.ptr);
    } else if (found == 0) {
        page_not_found(r, resp, "This server has no report with this address: it was never "
                                "made here, or it was dropped to make room.  Audit the lockfile "
                                "again to get it back.");
    } else {
        srv_audit au;
        if (srv_audit_run(&au, r->site, lock.ptr, lock.len, has_manifest ? man.ptr : NULL,
                          man.len) != 0) {
            /* A stored lockfile always parsed once; a limit may have changed. */
            csec_buf msg = CSEC_BUF_INIT;
            srv_audit_error_text(&msg, &au);
            page_error(r, resp, 422, "The stored lockfile cannot be audited", msg.ptr);
            csec_buf_free(&msg);
        } else {
            report_page(r, resp, &au, true, NULL);
        }
        srv_audit_free(&au);
    }
    csec_buf_free(&lock);
    csec_buf_free(&man);
    csec_buf_free(&why);
}
