/* webhook.h - sending one notification to a watch's webhook (libcurl), and
 * the rules for which addresses a webhook may reach.
 *
 * A webhook URL is chosen by whoever makes a watch, so a server that posts
 * to it must not become a way into its own network (SSRF).  Only http and
 * https are allowed, redirects are not followed, no proxy is used, and
 * every address libcurl is about to connect to is checked at that moment
 * (CURLOPT_OPENSOCKETFUNCTION): loopback, private, link-local, carrier-grade
 * NAT, multicast, documentation and other reserved ranges are refused, also
 * when written as IPv4-mapped or NAT64 IPv6 addresses.  Checking the address
 * actually connected to, rather than the name when the watch was made,
 * defeats DNS rebinding.  `allow_private` (--allow-private-webhooks) lifts
 * the address rule for deployments whose receivers are internal, and for
 * tests with a local receiver.
 *
 * The request: POST, Content-Type application/json, the body as stored
 * (state_claim), and the headers
 *   X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body under the watch's
 *                        secret, hex>   (GitHub's webhook signature)
 *   X-Cratesec-Event:    advisory.affected | advisory.cleared
 *   X-Cratesec-Delivery, Idempotency-Key: the idempotency key
 *   X-Cratesec-Attempt:  1, 2, ...
 * Any 2xx answer is success; anything else, a timeout or a refused address
 * is a failure, retried later. */
#ifndef CSEC_STATE_WEBHOOK_H
#define CSEC_STATE_WEBHOOK_H

#include "state.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct webhook_options {
    bool allow_private;
    unsigned timeout_ms;         /* the whole request */
    unsigned connect_timeout_ms;
} webhook_options;

#define WEBHOOK_OPTIONS_INIT {false, 10000, 5000}

/* Whether a webhook may connect to `sa`; when not, `why` (size n) says so
 * ("127.0.0.1 is a loopback address"). */
bool webhook_address_allowed(const struct sockaddr *sa, char *why, size_t n);

/* Checks a URL given for a watch: http or https, a host, no user name or
 * password, at most 2000 bytes, and (unless `allow_private`) a host that
 * resolves now to addresses that are all allowed.  Returns true, or false
 * with the reason in `why`.  (The rule is applied again at every
 * connection; this check is for an early, clear answer.) */
bool webhook_url_ok(const char *url, bool allow_private, char *why, size_t n);

typedef struct webhook_result {
    bool ok;        /* a 2xx answer */
    int status;     /* the HTTP status, 0 when there was none */
    char error[300]; /* why not ok */
} webhook_result;

/* Sends `d` once. */
void webhook_send(const state_delivery *d, const webhook_options *o, webhook_result *out);

#endif
