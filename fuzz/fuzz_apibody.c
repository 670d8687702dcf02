/* fuzz_apibody.c - the JSON API's request bodies (server/api_query.c): each
 * input is POSTed to /v1/query and to /v1/querybatch of the site built from
 * tests/data/db.
 *
 * Checks (aborts otherwise): the status is 200 or 400; every response is
 * JSON (lib/jsonparse.h) of the documented shape: a 400 is {"code": 3,
 * "message": non-empty string}; a /v1/query 200 is an object with at most
 * "vulns" (an array of objects with a string "id") and "next_page_token"; a
 * /v1/querybatch 200 is {"results": [...]} with one object per query of the
 * request.  A 200 to /v1/query also means the same query, as the one element
 * of a batch, is accepted there.
 */
#include "jsonparse.h"
#include "server_harness.h"

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
    return 0;
}

static const csec_jv *member(const csec_jv *obj, const char *key)
{
    const csec_jv *found = NULL;
    if (obj && obj->type == CSEC_JV_OBJECT)
        for (size_t i = 0; i < obj->len; i++)
            if (strcmp(obj->u.members[i].key, key) == 0)
                found = &obj->u.members[i].value; /* the last one, as the API reads */
    return found;
}

/* Parses the response body (harness_check has shown that it parses). */
static const csec_jv *response_json(const srv_resp *resp, csec_arena *arena)
{
    csec_buf body = CSEC_BUF_INIT;
    harness_body(resp, &body);
    const csec_jv *root = NULL;
    csec_diag d;
    if (csec__json_parse(&root, arena, body.ptr ? body.ptr : "", body.len, &d) < 0)
        harness_fail(resp, "the response is not JSON");
    csec_buf_free(&body);
    return root;
}

static void check_error(const srv_resp *resp, const csec_jv *root)
{
    const csec_jv *code = member(root, "code"), *msg = member(root, "message");
    if (root->type != CSEC_JV_OBJECT || root->len != 2 || !code || code->type != CSEC_JV_INT ||
        code->u.i != 3 || !msg || msg->type != CSEC_JV_STRING || msg->len == 0)
        harness_fail(resp, "a 400 that is not {\"code\": 3, \"message\": ...}");
}

static void check_vulns(const srv_resp *resp, const csec_jv *list)
{
    if (list->type != CSEC_JV_ARRAY || list->len == 0)
        harness_fail(resp, "\"vulns\" is not a non-empty array");
    for (size_t i = 0; i < list->len; i++) {
        const csec_jv *id = member(&list->u.items[i], "id");
        if (!id || id->type != CSEC_JV_STRING || id->len == 0)
            harness_fail(resp, "a vuln without an id");
    }
}

static void check_query(const srv_resp *resp, const csec_jv *root)
{
    if (root->type != CSEC_JV_OBJECT)
        harness_fail(resp, "a query result that is not an object");
    for (size_t i = 0; i < root->len; i++) {
        const char *key = root->u.members[i].key;
        const csec_jv *v = &root->u.members[i].value;
        if (strcmp(key, "vulns") == 0)
            check_vulns(resp, v);
        else if (strcmp(key, "next_page_token") != 0 || v->type != CSEC_JV_STRING)
            harness_fail(resp, "a query result with an unexpected member");
    }
}

static void check_batch(const srv_resp *resp, const csec_jv *root, const csec_jv *request)
{
    const csec_jv *results = member(root, "results");
    const csec_jv *queries = member(request, "queries");
    size_t expected = queries && queries->type == CSEC_JV_ARRAY ? queries->len : 0;
    if (root->type != CSEC_JV_OBJECT || root->len != 1 || !results ||
        results->type != CSEC_JV_ARRAY || results->len != expected)
        harness_fail(resp, "a batch result is not {\"results\": [one per query]}");
    for (size_t i = 0; i < results->len; i++)
        check_query(resp, &results->u.items[i]);
}

static void post(const char *path, const char *body, size_t len, srv_resp *resp)
{
    harness_route(harness_site(false), NULL, "POST", path, len ? body : NULL, len, resp);
    if (resp->status != 200 && resp->status != 400)
        harness_fail(resp, "a POST answered neither 200 nor 400");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    csec_arena arena = CSEC_ARENA_INIT;
    const csec_jv *request = NULL;
    csec_diag d;
    bool parses = size == 0 || csec__json_parse(&request, &arena, body, size, &d) == 0;

    srv_resp resp;
    post("/v1/query", body, size, &resp);
    const csec_jv *root = response_json(&resp, &arena);
    if (resp.status == 400)
        check_error(&resp, root);
    else
        check_query(&resp, root);
    if (!parses && resp.status != 400)
        harness_fail(&resp, "a body that is not JSON was accepted");
    bool query_ok = resp.status == 200;
    harness_resp_free(&resp);

    post("/v1/querybatch", body, size, &resp);
    root = response_json(&resp, &arena);
    if (resp.status == 400)
        check_error(&resp, root);
    else
        check_batch(&resp, root, request);
    harness_resp_free(&resp);

    if (query_ok && size) {
        csec_buf batch = CSEC_BUF_INIT;
        csec_buf_puts(&batch, "{\"queries\":[");
        csec_buf_put(&batch, body, size);
        csec_buf_puts(&batch, "]}");
        post("/v1/querybatch", batch.ptr, batch.len, &resp);
        if (resp.status != 200)
            harness_fail(&resp, "a query /v1/query accepts is refused in a batch");
        harness_resp_free(&resp);
        csec_buf_free(&batch);
    }
    csec__arena_free(&arena);
    return 0;
}
