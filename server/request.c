/* request.c - query values and headers of a request, from what the HTTP
 * layer put into srv_req (the raw query string, the header fields), so
 * that handlers never call back into the HTTP layer and the fuzz harness
 * exercises this very code.
 *
 * The query string is split here, not by libmicrohttpd: its parse stores a
 * record per parameter in the connection's memory, which a few thousand
 * parameters exhaust (the request then went unanswered until the timeout).
 * Lookups scan the string; pages read two or three values.
 */
#include "request.h"

#include "util.h"

#include <string.h>
#include <strings.h>

long srv_decode_part(char *out, const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = in[i] == '+' ? ' ' : in[i];
    return srv_decode(out, out, len);
}

/* Whether the raw name `name` (len bytes) decodes to `key`. */
static bool name_is(const char *name, size_t len, const char *key)
{
    size_t klen = strlen(key);
    /* Decoding only shrinks, and each character takes at most 3 bytes. */
    if (len < klen || len > 3 * klen)
        return false;
    char buf[256];
    if (len >= sizeof buf)
        return false;
    long n = srv_decode_part(buf, name, len);
    return n == (long)klen && memcmp(buf, key, klen) == 0;
}

const char *srv_query(const srv_req *r, const char *key)
{
    srv_scratch *sc = r->scratch;
    if (!r->query || !sc || sc->n >= sizeof sc->items / sizeof sc->items[0])
        return NULL;
    for (const char *p = r->query; *p;) {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t nlen = eq ? (size_t)(eq - p) : plen;
        if (name_is(p, nlen, key)) {
            if (!eq)
                return NULL;
            size_t vlen = plen - nlen - 1;
            char *out = csec__xmalloc(vlen + 1);
            if (srv_decode_part(out, eq + 1, vlen) < 0) {
                csec_free(out);
                return NULL;
            }
            sc->items[sc->n++] = out;
            return out;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return NULL;
}

const char *srv_header(const srv_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}
