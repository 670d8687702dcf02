/* fuzz_query.c - query strings: srv_query and srv_decode (server/request.c,
 * server/route.c), html_url_part, and the pages that read query values
 * (/search?q=, the crate pages' ?v=&tab= version selector).
 *
 * The input is the query string, the bytes after '?'.  Checks (aborts
 * otherwise):
 *  - srv_query finds the first piece whose name decodes to the key (a
 *    reference split here: on '&', then the first '='; '+' as a space, then
 *    srv_decode, for names and values alike); every value it returns is the
 *    decoded raw value, valid UTF-8 without NUL, and survives html_url_part +
 *    srv_decode unchanged; it returns NULL exactly when the piece is absent,
 *    has no '=' or does not decode, and after 16 values (the scratch) NULL
 *    for all;
 *  - /search answers 200, or 303 to /advisories/ when q is an advisory id;
 *  - a crate page with a decodable v redirects (303) to /crates/NAME...;
 *  - every response passes harness_check.
 */
#include "html.h"
#include "server_harness.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    harness_site(false);
    harness_site(true);
    return 0;
}

static void fail(const char *why, const char *key)
{
    fprintf(stderr, "fuzz_query: %s (key \"%s\")\n", why, key);
    abort();
}

/* A query name or value as srv_query must decode it: '+' as a space, then
 * srv_decode.  NULL when it does not decode. */
static char *decode_ref(const char *s, size_t n)
{
    char *plus = csec__xstrndup(s, n);
    for (char *p = plus; *p; p++)
        if (*p == '+')
            *p = ' ';
    char *out = csec__xmalloc(n + 1);
    long len = srv_decode(out, plus, n);
    csec_free(plus);
    if (len < 0) {
        csec_free(out);
        return NULL;
    }
    return out;
}

/* The reference lookup: the first piece (split on '&', then on the first
 * '=') whose name decodes to `key`.  Returns whether there is one; `*raw`
 * is its raw value, NULL without '='. */
static bool lookup_ref(const char *query, const char *key, const char **raw, size_t *raw_len)
{
    for (const char *p = query; *p;) {
        size_t plen = strcspn(p, "&");
        const char *eq = memchr(p, '=', plen);
        size_t nlen = eq ? (size_t)(eq - p) : plen;
        char *name = decode_ref(p, nlen);
        bool same = name && strcmp(name, key) == 0;
        csec_free(name);
        if (same) {
            *raw = eq ? eq + 1 : NULL;
            *raw_len = eq ? plen - nlen - 1 : 0;
            return true;
        }
        if (!p[plen])
            break;
        p += plen + 1;
    }
    return false;
}

/* srv_query against the reference lookup and srv_decode. */
static void check_value(const srv_req *r, const char *key)
{
    const char *raw = NULL;
    size_t raw_len = 0;
    bool found = lookup_ref(r->query, key, &raw, &raw_len);
    size_t before = r->scratch->n;
    bool room = before < sizeof r->scratch->items / sizeof r->scratch->items[0];
    const char *v = srv_query(r, key);
    if (!found || !raw || !room) {
        if (v)
            fail("a value for an absent key, a piece without '=' or past the scratch", key);
        return;
    }
    char *expect = decode_ref(raw, raw_len);
    if ((expect == NULL) != (v == NULL))
        fail("srv_query and srv_decode disagree on whether the value decodes", key);
    if (v) {
        size_t vlen = strlen(v);
        if (strcmp(v, expect) != 0 || vlen > raw_len)
            fail("srv_query's value is not srv_decode's", key);
        if (csec__utf8_check(v, vlen) != vlen)
            fail("a value that is not UTF-8", key);
        if (r->scratch->n != before + 1 || r->scratch->items[before] != v)
            fail("the value is not kept in the scratch", key);
        /* What a page links to must come back as the same value. */
        csec_buf enc = CSEC_BUF_INIT;
        html_url_part(&enc, v);
        char *back = csec__xmalloc(enc.len + 1);
        if (srv_decode(back, enc.ptr ? enc.ptr : "", enc.len) != (long)vlen ||
            memcmp(back, v, vlen) != 0)
            fail("html_url_part does not round-trip through srv_decode", key);
        for (size_t i = 0; i < enc.len; i++)
            if (strchr("/?#&=+ \"'<>", enc.ptr[i]))
                fail("html_url_part left a reserved character", key);
        csec_free(back);
        csec_buf_free(&enc);
    } else if (r->scratch->n != before) {
        fail("a refused value took a scratch slot", key);
    }
    csec_free(expect);
}

static void check_lookups(const char *query)
{
    srv_scratch scratch = {{NULL}, 0};
    srv_req r = {0};
    r.site = harness_site(false);
    r.method = "GET";
    r.path = "/search";
    r.query = query;
    r.scratch = &scratch;
    static const char *const known[] = {"q", "v", "tab", "Q", "page", "a b", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        check_value(&r, known[i]);
    /* Every name present, twice, so that a full scratch is reached. */
    for (int round = 0; round < 2; round++)
        for (const char *p = query; *p;) {
            size_t plen = strcspn(p, "&");
            size_t nlen = strcspn(p, "&=");
            char *name = decode_ref(p, nlen);
            if (name)
                check_value(&r, name);
            csec_free(name);
            if (!p[plen])
                break;
            p += plen + 1;
        }
    for (size_t i = 0; i < scratch.n; i++)
        csec_free(scratch.items[i]);
}

static void route(const srv_site *site, const char *path, const char *query, srv_resp *resp)
{
    csec_buf target = CSEC_BUF_INIT;
    csec_buf_printf(&target, "%s?%s", path, query);
    harness_route(site, NULL, "GET", target.ptr, NULL, 0, resp);
    csec_buf_free(&target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The HTTP layer refuses a NUL in the target: the query ends at one. */
    char *query = csec__xstrndup((const char *)data, strnlen((const char *)data, size));
    check_lookups(query);

    /* Whether srv_query would see a decodable value, from a scratch of its own. */
    srv_scratch scratch = {{NULL}, 0};
    srv_req probe = {0};
    probe.query = query;
    probe.scratch = &scratch;
    bool has_v = srv_query(&probe, "v") != NULL;

    srv_resp resp;
    route(harness_site(false), "/search", query, &resp);
    if (resp.status != 200 &&
        !(resp.status == 303 && strncmp(resp.location.ptr, "/advisories/", 12) == 0))
        harness_fail(&resp, "/search answers neither 200 nor a 303 to an advisory");
    harness_resp_free(&resp);

    static const char *const crates[][2] = {
        {"/crates/foo", "/crates/foo"},         /* advisories, no index */
        {"/crates/Bar_Baz", "/crates/bar-baz"}, /* another spelling */
        {"/crates/app/1.0.0", "/crates/app"},   /* with the index */
        {"/crates/vulnonly/security", "/crates/vulnonly"},
    };
    for (size_t i = 0; i < sizeof crates / sizeof crates[0]; i++) {
        bool indexed = i >= 2;
        route(harness_site(indexed), crates[i][0], query, &resp);
        if (has_v && (resp.status != 303 ||
                      strncmp(resp.location.ptr, crates[i][1], strlen(crates[i][1])) != 0))
            harness_fail(&resp, "a crate page with ?v= does not redirect to the crate");
        harness_resp_free(&resp);
    }
    route(harness_site(false), "/advisories", query, &resp);
    harness_resp_free(&resp);

    for (size_t i = 0; i < scratch.n; i++)
        csec_free(scratch.items[i]);
    csec_free(query);
    return 0;
}
