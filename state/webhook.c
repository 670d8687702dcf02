/* webhook.c - one notification over HTTP, and the address rules (webhook.h). */
#include "webhook.h"

#include "crypto.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- addresses ---- */

typedef struct v4_range {
    uint32_t net;
    int bits;
    const char *what;
} v4_range;

/* IANA's special-purpose IPv4 registry (RFC 6890 and successors), less the
 * few that are globally reachable. */
static const v4_range v4_refused[] = {
    {0x00000000, 8, "a \"this network\" address"},
    {0x0A000000, 8, "a private address"},
    {0x64400000, 10, "a carrier-grade NAT address"},
    {0x7F000000, 8, "a loopback address"},
    {0xA9FE0000, 16, "a link-local address"},
    {0xAC100000, 12, "a private address"},
    {0xC0000000, 24, "an IETF protocol assignment"},
    {0xC0000200, 24, "a documentation address"},
    {0xC0586300, 24, "a 6to4 relay address"},
    {0xC0A80000, 16, "a private address"},
    {0xC6120000, 15, "a benchmarking address"},
    {0xC6336400, 24, "a documentation address"},
    {0xCB007100, 24, "a documentation address"},
    {0xE0000000, 4, "a multicast address"},
    {0xF0000000, 4, "a reserved address"},
};

static const char *v4_why(uint32_t a)
{
    for (size_t i = 0; i < sizeof v4_refused / sizeof *v4_refused; i++) {
        uint32_t mask = v4_refused[i].bits ? ~(uint32_t)0 << (32 - v4_refused[i].bits) : 0;
        if ((a & mask) == v4_refused[i].net)
            return v4_refused[i].what;
    }
    return NULL;
}

static bool prefix(const unsigned char *a, const unsigned char *p, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, p, (size_t)bytes) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (a[bytes] & mask) == (p[bytes] & mask);
}

static uint32_t v4_at(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static const char *v6_why(const unsigned char *a)
{
    static const unsigned char zero[16] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B};
    static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const struct {
        unsigned char p[16];
        int bits;
        const char *what;
    } ranges[] = {
        {{0xFE, 0x80}, 10, "a link-local address"},
        {{0xFE, 0xC0}, 10, "a site-local address"},
        {{0xFC}, 7, "a unique local (private) address"},
        {{0xFF}, 8, "a multicast address"},
        {{0x01, 0x00}, 64, "a discard-only address"},
        {{0x20, 0x01, 0x0D, 0xB8}, 32, "a documentation address"},
        {{0x20, 0x01, 0x00, 0x00}, 23, "an IETF protocol assignment"},
    };
    if (memcmp(a, zero, 16) == 0)
        return "the unspecified address";
    if (memcmp(a, loop, 16) == 0)
        return "a loopback address";
    /* IPv4 inside IPv6: the IPv4 address decides. */
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 || memcmp(a, zero, 12) == 0)
        return v4_why(v4_at(a + 12));
    if (a[0] == 0x20 && a[1] == 0x02) /* 6to4: 2002:V4ADDR::/48 */
        return v4_why(v4_at(a + 2));
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++)
        if (prefix(a, ranges[i].p, ranges[i].bits))
            return ranges[i].what;
    return NULL;
}

bool webhook_address_allowed(const struct sockaddr *sa, char *why, size_t n)
{
    char text[INET6_ADDRSTRLEN] = "?";
    const char *reason;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, text, sizeof text);
        reason = v4_why(ntohl(s4->sin_addr.s_addr));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof text);
        reason = v6_why(s6->sin6_addr.s6_addr);
    } else {
        reason = "not an internet address";
    }
    if (reason && why)
        snprintf(why, n, "%s is %s", text, reason);
    return reason == NULL;
}

/* ---- URLs ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool webhook_url_ok(const char *url, bool allow_private, char *why, size_t n)
{
    pthread_once(&curl_once, init_curl);
    if (strlen(url) > 2000) {
        snprintf(why, n, "the URL is longer than 2000 bytes");
        return false;
    }
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F) {
            snprintf(why, n, "the URL contains spaces, control characters or non-ASCII bytes "
                             "(percent-encode them)");
            return false;
        }
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    bool ok = false;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(why, n, "not a URL");
        goto done;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
    if (!scheme || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(why, n, "only http and https URLs are allowed");
        goto done;
    }
    if (!host || !*host) {
        snprintf(why, n, "the URL has no host");
        goto done;
    }
    if (user || password) {
        snprintf(why, n, "the URL must not contain a user name or password");
        goto done;
    }
    if (allow_private) {
        ok = true;
        goto done;
    }
    /* The host as curl will connect: brackets off an IPv6 literal. */
    char name[300];
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
        snprintf(name, sizeof name, "%.*s", (int)(hl - 2), host + 1);
    else
        snprintf(name, sizeof name, "%s", host);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(name, NULL, &hints, &res);
    if (gai != 0) {
        snprintf(why, n, "cannot resolve %s: %s", name, gai_strerror(gai));
        goto done;
    }
    ok = true;
    for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        char reason[160];
        if (!webhook_address_allowed(ai->ai_addr, reason, sizeof reason)) {
            snprintf(why, n, "%s resolves to %s; webhooks may only reach public addresses", name,
                     reason);
            ok = false;
        }
    }
    freeaddrinfo(res);
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return ok;
}

/* ---- sending ---- */

typedef struct send_ctx {
    bool allow_private;
    char refused[200]; /* set when an address was refused */
} send_ctx;

static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    send_ctx *ctx = clientp;
    char why[160];
    if (!ctx->allow_private && !webhook_address_allowed(&a->addr, why, sizeof why)) {
        snprintf(ctx->refused, sizeof ctx->refused, "%s", why);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    return size * nmemb;
}

void webhook_send(const state_delivery *d, const webhook_options *o, webhook_result *out)
{
    pthread_once(&curl_once, init_curl);
    memset(out, 0, sizeof *out);
    send_ctx ctx = {o->allow_private, ""};
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(out->error, sizeof out->error, "cannot start an HTTP request");
        return;
    }
    char sig[65], line[200];
    state_hmac_sha256_hex(sig, d->secret, strlen(d->secret), d->body, strlen(d->body));
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "User-Agent: cratesec/" CSEC_VERSION_STRING);
    hdr = curl_slist_append(hdr, "Expect:");
    snprintf(line, sizeof line, "X-Hub-Signature-256: sha256=%s", sig);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Cratesec-Event: advisory.%s", d->kind);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Cratesec-Delivery: %s", d->key);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "Idempotency-Key: %s", d->key);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Cratesec-Attempt: %lld", (long long)d->attempts);
    hdr = curl_slist_append(hdr, line);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, d->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &ctx);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->status = (int)status;
    if (ctx.refused[0]) {
        snprintf(out->error, sizeof out->error,
                 "refused to connect: %s (webhooks may only reach public addresses)",
                 ctx.refused);
    } else if (rc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        snprintf(out->error, sizeof out->error, "the receiver answered HTTP %ld", status);
    } else {
        out->ok = true;
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
}
