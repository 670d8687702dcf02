/* fuzz_form.c - form bodies and the endpoints that take a lockfile
 * (server/form.c, page_audit.c, api_audit.c, api_watch.c).
 *
 * The input's first line is the Content-Type header, the rest the body.
 * srv_form_parse must not read outside the body: every multipart value lies
 * inside it, every field name is UTF-8 without NUL, at most
 * SRV_FORM_MAX_FIELDS fields.  Then the body is POSTed to /audit,
 * /api/v1/audit and /api/v1/watches of the fixture site (no state: the
 * service is not running, so what needs it answers 503): the harness checks
 * every response, and the status is one the endpoint documents (never a
 * 5xx other than 503).
 */
#include "form.h"
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

static void expect(const srv_resp *resp, const int *allowed, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (resp->status == allowed[i])
            return;
    fprintf(stderr, "fuzz_form: %s answered %d\n", path, resp->status);
    harness_fail(resp, "unexpected status");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t ct_len = nl ? (size_t)(nl - text) : size;
    if (ct_len > 300)
        return 0;
    char ct[301];
    memcpy(ct, text, ct_len);
    ct[ct_len] = '\0';
    if (memchr(ct, '\0', ct_len))
        return 0;
    const char *body = nl ? nl + 1 : text + size;
    size_t len = size - (size_t)(body - text);

    srv_form f;
    char err[200];
    if (srv_form_parse(&f, ct, body, len, err, sizeof err) == 0) {
        if (f.n > SRV_FORM_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < f.n; i++) {
            const srv_form_field *x = &f.fields[i];
            if (!f.decoded[i] && x->len && (x->value < body || x->value + x->len > body + len)) {
                fprintf(stderr, "fuzz_form: a value outside the body\n");
                abort();
            }
            if (!x->name || strlen(x->name) > 255 + 3 * 255)
                abort();
        }
        srv_form_free(&f);
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_form: a refusal without a message\n");
        abort();
    }

    static const struct {
        const char *path;
        int allowed[4];
    } posts[] = {
        {"/audit", {200, 400, 413, 0}},         /* no state: the report is shown, not kept */
        {"/api/v1/audit", {200, 400, 413, 0}},
        {"/api/v1/watches", {400, 413, 503, 0}}, /* 503: no state */
        {"/watches", {400, 503, 0, 0}},
    };
    for (size_t i = 0; i < sizeof posts / sizeof *posts; i++) {
        harness_headers h;
        memset(&h, 0, sizeof h);
        harness_add_header(&h, "Content-Type", 12, ct, ct_len);
        srv_resp resp;
        harness_route(harness_site(false), &h, "POST", posts[i].path, body, len, &resp);
        size_t n = 0;
        while (n < 4 && posts[i].allowed[n])
            n++;
        expect(&resp, posts[i].allowed, n, posts[i].path);
        harness_resp_free(&resp);
        harness_headers_free(&h);
    }
    return 0;
}
