/* fuzz_query.c - query strings: srv_query and srv_decode (server/request.c,
 * server/route.c), html_url_part, and the pages that read query values
 * (/search?q=, the crate pages' ?v=&tab= version selector).
 *
 * The input is the query string, the bytes after '?'.  Checks (aborts
 * otherwise):
 *  - every value srv_query returns is what srv_decode makes of the raw value,
 *    valid UTF-8 without NUL, and survives html_url_part + srv_decode
 *    unchanged; srv_query returns NULL exactly when the value is absent or
 *    does not decode, and after 16 values (the scratch) NULL for all;
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

/* srv_query against the harness's own lookup and srv_decode. */
static void check_value(const srv_req *r, const harness_conn *c, const char *key)
{
    const char *raw = harness_lookup(c->query, c->nquery, key);
    size_t before = r->scratch->n;
    bool room = before < sizeof r->scratch->items / sizeof r->scratch->items[0];
    const char *v = srv_query(r, key);
    if (!raw || !room) {
        if (v)
            fail("a value for an absent key or past the scratch", key);
        return;
    }
    size_t len = strlen(raw);
    char *expect = csec__xmalloc(len + 1);
    long n = srv_decode(expect, raw, len);
    if ((n < 0) != (v == NULL))
        fail("srv_query and srv_decode disagree on whether the value decodes", key);
    if (v) {
        size_t vlen = strlen(v);
        if ((long)vlen != n || memcmp(v, expect, vlen) != 0 || vlen > len)
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

static void check_lookups(harness_conn *c)
{
    srv_scratch scratch = {{NULL}, 0};
    srv_req r = {0};
    r.site = harness_site(false);
    r.method = "GET";
    r.path = "/search";
    r.conn = c;
    r.scratch = &scratch;
    static const char *const known[] = {"q", "v", "tab", "Q", "page"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        check_value(&r, c, known[i]);
    /* Every name present, more than once when the scratch allows, so that a
     * full scratch is reached. */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < c->nquery; i++)
            check_value(&r, c, c->query[i].name);
    for (size_t i = 0; i < scratch.n; i++)
        csec_free(scratch.items[i]);
}

static void route(const srv_site *site, harness_conn *c, const char *path, srv_resp *resp)
{
    harness_route(site, c, "GET", path, NULL, 0, resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_conn c = {0};
    harness_parse_query(&c, (const char *)data, size);
    check_lookups(&c);

    /* Whether srv_query would see a decodable value, from a scratch of its own. */
    srv_scratch scratch = {{NULL}, 0};
    srv_req probe = {0};
    probe.conn = &c;
    probe.scratch = &scratch;
    bool has_v = srv_query(&probe, "v") != NULL;

    srv_resp resp;
    route(harness_site(false), &c, "/search", &resp);
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
        route(harness_site(indexed), &c, crates[i][0], &resp);
        if (has_v && (resp.status != 303 ||
                      strncmp(resp.location.ptr, crates[i][1], strlen(crates[i][1])) != 0))
            harness_fail(&resp, "a crate page with ?v= does not redirect to the crate");
        harness_resp_free(&resp);
    }
    route(harness_site(false), &c, "/advisories", &resp);
    harness_resp_free(&resp);

    for (size_t i = 0; i < scratch.n; i++)
        csec_free(scratch.items[i]);
    harness_conn_free(&c);
    return 0;
}
