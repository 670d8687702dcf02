/* api_query.c - POST /v1/query and POST /v1/querybatch, as osv.dev has them.
 *
 * A query names a package, by {"name", "ecosystem": "crates.io"} or by
 * {"purl": "pkg:cargo/NAME[@VERSION]"}, and optionally a version.  With a
 * version the answer is the advisories that affect it under RustSec's
 * interval semantics (spec §2.4, the same test the OSV ranges encode); without
 * one, every advisory of the package.  Like osv.dev, withdrawn advisories are
 * never returned by a query (GET /v1/vulns/ID still serves them), and names
 * match exactly, as crates.io's names in Cargo.lock are written.
 *
 * Validation follows osv.dev's server (osv/server.py, do_query) and the
 * protobuf JSON mapping in front of it: unknown fields, values of the wrong
 * type, a version both in the purl and in the query, a name or ecosystem next
 * to a purl, a commit next to a version, and a query without a package are
 * 400 with {"code": 3, "message": ...}.  A version that is not SemVer matches
 * nothing, as an unknown package does.  This server has only crates.io, so
 * another ecosystem or purl type is an error too rather than an empty answer.
 *
 * Pages: /v1/query returns at most QUERY_PAGE full records and
 * /v1/querybatch at most BATCH_PAGE ids per query, in advisory id order; when
 * more remain the result carries "next_page_token", to be sent back as the
 * query's "page_token".  A token is tied to the database commit and to the
 * query (package and version), so it cannot be replayed against another one.
 */
#include "api.h"

#include "jsonparse.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUERY_PAGE 20
#define BATCH_PAGE 1000
#define BATCH_MAX 1000 /* osv.dev's limit of queries per batch */

typedef struct query {
    const char *name;    /* NULL: a commit query (no crates.io data is keyed by commit) */
    const char *version; /* NULL: every version */
    size_t offset;       /* from the page token */
} query;

/* Reports a validation failure; returns -1. */
static int fail(csec_buf *err, const char *msg)
{
    csec_buf_clear(err);
    csec_buf_puts(err, msg);
    return -1;
}

static uint32_t token_check(const srv_site *s, const char *name, const char *version,
                            size_t offset)
{
    uint64_t h = CSEC_FNV_INIT;
    char off[32];
    snprintf(off, sizeof off, "%zu", offset);
    const char *parts[] = {s->etag_base, name, version ? version : "", off};
    for (size_t i = 0; i < 4; i++)
        h = csec__fnv1a(csec__fnv1a_str(h, parts[i]), "\xff", 1); /* 0xff: a separator */
    return (uint32_t)h;
}

static void write_token(csec_buf *out, const srv_site *s, const query *q, size_t offset)
{
    char tok[64];
    snprintf(tok, sizeof tok, "p%zu.%08x", offset, token_check(s, q->name, q->version, offset));
    csec_json_string(out, tok, strlen(tok));
}

static int parse_token(query *q, const srv_site *s, const char *tok, csec_buf *err)
{
    unsigned long long off = 0;
    unsigned check = 0;
    int used = 0;
    if (tok[0] != 'p' || tok[1] < '0' || tok[1] > '9' ||
        sscanf(tok, "p%llu.%8x%n", &off, &check, &used) != 2 || tok[used] != '\0' ||
        strlen(tok) > 40 || off > 1000000 ||
        check != token_check(s, q->name, q->version, (size_t)off))
        return fail(err, "Invalid page token.");
    q->offset = (size_t)off;
    return 0;
}

/* A string field: string or null.  Returns 0 and *out (NULL for null or ""),
 * or -1 for another type or a string holding NUL. */
static int string_field(const char **out, const csec_jv *v, const char *where, const char *key,
                        csec_buf *err)
{
    *out = NULL;
    if (v->type == CSEC_JV_NULL)
        return 0;
    if (v->type != CSEC_JV_STRING || strlen(v->u.s) != v->len) {
        csec_buf_clear(err);
        csec_buf_printf(err, "Invalid value at '%s%s' (TYPE_STRING).", where, key);
        return -1;
    }
    *out = v->len ? v->u.s : NULL;
    return 0;
}

static int unknown_name(csec_buf *err, const char *key, const char *where)
{
    csec_buf_clear(err);
    csec_buf_puts(err, "Invalid JSON payload received. Unknown name ");
    csec_json_string(err, key, strlen(key));
    if (*where) {
        /* "queries[3].package." is reported as 'queries[3].package' */
        csec_buf_puts(err, " at '");
        csec_buf_put(err, where, strlen(where) - 1);
        csec_buf_puts(err, "'");
    }
    csec_buf_puts(err, ": Cannot find field.");
    return -1;
}

/* pkg:cargo/NAME[@VERSION][?qualifiers][#subpath] (the purl specification;
 * cargo purls have no namespace).  Name and version are percent-decoded into
 * the arena. */
static int parse_purl(const char **name, const char **version, const char *purl,
                      csec_arena *arena, csec_buf *err)
{
    static const char bad[] = "Invalid Package URL.";
    *name = *version = NULL;
    if (strncasecmp(purl, "pkg:", 4) != 0)
        return fail(err, bad);
    const char *p = purl + 4;
    while (*p == '/')
        p++;
    size_t tlen = strcspn(p, "/");
    if (p[tlen] != '/')
        return fail(err, bad);
    if (tlen != 5 || strncasecmp(p, "cargo", 5) != 0)
        return fail(err, "Invalid Package URL: this server only has crates.io packages "
                         "(pkg:cargo/NAME).");
    p += tlen + 1;
    size_t end = strcspn(p, "?#");
    size_t at = strcspn(p, "@");
    size_t nlen = at < end ? at : end;
    while (nlen > 0 && p[nlen - 1] == '/')
        nlen--; /* the specification allows trailing slashes */
    if (nlen == 0 || memchr(p, '/', nlen))
        return fail(err, bad);
    char *n = csec__arena_alloc(arena, nlen + 1);
    if (srv_decode(n, p, nlen) <= 0)
        return fail(err, bad);
    *name = n;
    if (at < end) {
        size_t vlen = end - at - 1;
        char *v = csec__arena_alloc(arena, vlen + 1);
        if (srv_decode(v, p + at + 1, vlen) < 0)
            return fail(err, bad);
        *version = vlen ? v : NULL;
    }
    return 0;
}

/* Validates one query object and fills *q.  `where` prefixes field names in
 * messages ("" or "queries[3]."). */
static int parse_query(query *q, const csec_jv *v, const char *where, const srv_site *s,
                       csec_arena *arena, csec_buf *err)
{
    const char *commit = NULL, *version = NULL, *token = NULL;
    const char *name = NULL, *ecosystem = NULL, *purl = NULL;
    memset(q, 0, sizeof *q);
    if (v->type != CSEC_JV_OBJECT) {
        csec_buf_clear(err);
        if (*where)
            csec_buf_printf(err, "Invalid value at '%.*s' (type.googleapis.com/osv.v1.Query): "
                                 "a query must be an object.",
                            (int)(strlen(where) - 1), where);
        else
            csec_buf_puts(err, "Invalid JSON payload received. The body must be an object.");
        return -1;
    }
    for (size_t i = 0; i < v->len; i++) {
        const csec_jv_member *m = &v->u.members[i];
        int rc = 0;
        if (strcmp(m->key, "commit") == 0)
            rc = string_field(&commit, &m->value, where, "commit", err);
        else if (strcmp(m->key, "version") == 0)
            rc = string_field(&version, &m->value, where, "version", err);
        else if (strcmp(m->key, "page_token") == 0 || strcmp(m->key, "pageToken") == 0)
            rc = string_field(&token, &m->value, where, "page_token", err);
        else if (strcmp(m->key, "package") == 0) {
            const csec_jv *pk = &m->value;
            if (pk->type == CSEC_JV_NULL)
                continue;
            if (pk->type != CSEC_JV_OBJECT) {
                csec_buf_clear(err);
                csec_buf_printf(err, "Invalid value at '%spackage' (type.googleapis.com/"
                                     "osv.v1.Package): a package must be an object.",
                                where);
                return -1;
            }
            csec_buf sub = CSEC_BUF_INIT;
            csec_buf_printf(&sub, "%spackage.", where);
            for (size_t j = 0; j < pk->len && rc == 0; j++) {
                const csec_jv_member *pm = &pk->u.members[j];
                if (strcmp(pm->key, "name") == 0)
                    rc = string_field(&name, &pm->value, sub.ptr, "name", err);
                else if (strcmp(pm->key, "ecosystem") == 0)
                    rc = string_field(&ecosystem, &pm->value, sub.ptr, "ecosystem", err);
                else if (strcmp(pm->key, "purl") == 0)
                    rc = string_field(&purl, &pm->value, sub.ptr, "purl", err);
                else
                    rc = unknown_name(err, pm->key, sub.ptr);
            }
            csec_buf_free(&sub);
        } else {
            rc = unknown_name(err, m->key, where);
        }
        if (rc < 0)
            return -1;
    }
    if (commit && version)
        return fail(err, "Only one of commit and version may be given.");
    const char *pname = NULL, *pversion = NULL;
    if (purl) {
        if (parse_purl(&pname, &pversion, purl, arena, err) < 0)
            return -1;
        if (name)
            return fail(err, "name specified in a PURL query");
        if (ecosystem)
            return fail(err, "ecosystem specified in a PURL query");
        if (pversion && version)
            return fail(err, "version specified in params and PURL query");
        name = pname;
        if (pversion)
            version = pversion;
    }
    if (ecosystem && strcmp(ecosystem, "crates.io") != 0)
        return fail(err, "Invalid ecosystem: this server only has \"crates.io\".");
    if (commit) {
        if (strspn(commit, "0123456789abcdefABCDEF") != strlen(commit) || strlen(commit) % 2)
            return fail(err, "Invalid hash.");
        return 0;
    }
    /* osv.dev: a name needs a version or an ecosystem (without one the name
     * would be looked up in every ecosystem, here only crates.io). */
    if (!name || (!version && !ecosystem && !purl))
        return fail(err, "Invalid query: give a package (name and ecosystem \"crates.io\", or "
                         "a purl) and optionally a version.");
    q->name = name;
    q->version = version;
    if (token && parse_token(q, s, token, err) < 0)
        return -1;
    return 0;
}

/* Calls `emit` for each advisory of page [q->offset, q->offset + page) of the
 * query's answer; returns whether more remain after the page. */
static bool run_query(const srv_site *s, const query *q, size_t page,
                      void (*emit)(const csec_advisory *a, size_t k, void *payload),
                      void *payload)
{
    if (!q->name)
        return false;
    size_t n = 0, k = 0, seen = 0;
    const csec_advisory *const *list = csec_db_by_package(s->db, CSEC_COLLECTION_CRATES,
                                                          q->name, &n);
    csec_version v;
    if (q->version && csec_version_parse(&v, q->version, strlen(q->version), NULL) < 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        const csec_advisory *a = list[i];
        if (!api_exportable(a) || a->withdrawn.year ||
            (q->version && !csec_advisory_affects(a, &v)))
            continue;
        if (seen++ < q->offset)
            continue;
        if (k == page)
            return true;
        emit(a, k++, payload);
    }
    return false;
}

typedef struct emit_ctx {
    const srv_site *s;
    csec_buf *out;
} emit_ctx;

static void emit_full(const csec_advisory *a, size_t k, void *payload)
{
    emit_ctx *c = payload;
    csec_buf_puts(c->out, k ? ",\n    " : "{\n  \"vulns\": [\n    ");
    csec_osv_write(c->out, a, 2);
}

static void emit_short(const csec_advisory *a, size_t k, void *payload)
{
    emit_ctx *c = payload;
    csec_buf_puts(c->out, k ? ",{\"id\":" : "{\"vulns\":[{\"id\":");
    csec_json_string(c->out, a->id, strlen(a->id));
    csec_buf_puts(c->out, ",\"modified\":\"");
    csec_buf_puts(c->out, api_modified(c->s, a));
    csec_buf_puts(c->out, "\"}");
}

/* Parses the body; on failure sets the 400 answer and returns NULL. */
static const csec_jv *parse_body(const srv_req *r, srv_resp *resp, csec_arena *arena)
{
    csec_diag d;
    const csec_jv *root = NULL;
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->body_len : 0;
    /* An empty body is the empty message, as in the protobuf JSON mapping. */
    if (len == 0) {
        body = "{}";
        len = 2;
    }
    if (csec__json_parse(&root, arena, body, len, &d) < 0) {
        char msg[400];
        snprintf(msg, sizeof msg, "Invalid JSON payload received. %s (line %u, column %u).",
                 d.msg, d.line, d.col);
        api_error(resp, 400, API_ERR_INVALID, msg);
        return NULL;
    }
    return root;
}

static void query_body(const srv_req *r, srv_resp *resp)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_buf err = CSEC_BUF_INIT;
    const csec_jv *root = parse_body(r, resp, &arena);
    query q;
    if (!root)
        goto done;
    if (parse_query(&q, root, "", r->site, &arena, &err) < 0) {
        api_error(resp, 400, API_ERR_INVALID, err.ptr);
        goto done;
    }
    resp->status = 200;
    emit_ctx c = {r->site, &resp->body};
    size_t before = resp->body.len;
    bool more = run_query(r->site, &q, QUERY_PAGE, emit_full, &c);
    if (resp->body.len == before) {
        csec_buf_puts(&resp->body, "{}");
        goto done;
    }
    csec_buf_puts(&resp->body, "\n  ]");
    if (more) {
        csec_buf_puts(&resp->body, ",\n  \"next_page_token\": ");
        write_token(&resp->body, r->site, &q, q.offset + QUERY_PAGE);
    }
    csec_buf_puts(&resp->body, "\n}");
done:
    csec_buf_free(&err);
    csec__arena_free(&arena);
}

static void batch_body(const srv_req *r, srv_resp *resp)
{
    csec_arena arena = CSEC_ARENA_INIT;
    csec_buf err = CSEC_BUF_INIT;
    query *qs = NULL;
    const csec_jv *root = parse_body(r, resp, &arena);
    const csec_jv *list = NULL;
    if (!root)
        goto done;
    if (root->type != CSEC_JV_OBJECT) {
        api_error(resp, 400, API_ERR_INVALID, "Invalid JSON payload received. The body must "
                                              "be an object {\"queries\": [...]}.");
        goto done;
    }
    for (size_t i = 0; i < root->len; i++) {
        const csec_jv_member *m = &root->u.members[i];
        if (strcmp(m->key, "queries") != 0) {
            unknown_name(&err, m->key, "");
            api_error(resp, 400, API_ERR_INVALID, err.ptr);
            goto done;
        }
        list = &m->value;
    }
    if (list && list->type == CSEC_JV_NULL)
        list = NULL;
    if (list && list->type != CSEC_JV_ARRAY) {
        api_error(resp, 400, API_ERR_INVALID, "Invalid value at 'queries': an array of "
                                              "queries is expected.");
        goto done;
    }
    size_t n = list ? list->len : 0;
    if (n > BATCH_MAX) {
        api_error(resp, 400, API_ERR_INVALID, "Too many queries: at most 1000 per batch.");
        goto done;
    }
    qs = csec__xcalloc(n + 1, sizeof *qs);
    for (size_t i = 0; i < n; i++) {
        char where[40];
        snprintf(where, sizeof where, "queries[%zu].", i);
        if (parse_query(&qs[i], &list->u.items[i], where, r->site, &arena, &err) < 0) {
            api_error(resp, 400, API_ERR_INVALID, err.ptr);
            goto done;
        }
    }
    resp->status = 200;
    csec_buf *b = &resp->body;
    emit_ctx c = {r->site, b};
    csec_buf_puts(b, "{\"results\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            csec_buf_putc(b, ',');
        size_t before = b->len;
        bool more = run_query(r->site, &qs[i], BATCH_PAGE, emit_short, &c);
        if (b->len == before) {
            csec_buf_puts(b, "{}");
            continue;
        }
        csec_buf_putc(b, ']');
        if (more) {
            csec_buf_puts(b, ",\"next_page_token\":");
            write_token(b, r->site, &qs[i], qs[i].offset + BATCH_PAGE);
        }
        csec_buf_putc(b, '}');
    }
    csec_buf_puts(b, "]}");
done:
    free(qs);
    csec_buf_free(&err);
    csec__arena_free(&arena);
}

void api_query(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, true))
        query_body(r, resp);
    api_finish(r, resp, false);
}

void api_querybatch(const srv_req *r, srv_resp *resp)
{
    if (api_method(r, resp, true))
        batch_body(r, resp);
    api_finish(r, resp, false);
}
