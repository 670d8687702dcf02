/* request.c - what srv_query does after the HTTP layer has found a raw value.
 *
 * http.c finds the raw value with libmicrohttpd; the fuzz harness
 * (fuzz/server_harness.c) finds it in its own parse of the query string.
 * Both then go through srv_query_keep, so the decoding and the ownership of
 * the result are the same code whether or not a socket is involved.
 */
#include "request.h"

#include "util.h"

#include <string.h>

const char *srv_query_keep(const srv_req *r, const char *raw)
{
    srv_scratch *sc = r->scratch;
    if (!raw || !sc || sc->n >= sizeof sc->items / sizeof sc->items[0])
        return NULL;
    size_t len = strlen(raw);
    char *out = csec__xmalloc(len + 1);
    if (srv_decode(out, raw, len) < 0) {
        csec_free(out);
        return NULL;
    }
    sc->items[sc->n++] = out;
    return out;
}
