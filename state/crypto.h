/* crypto.h - the hashes and secrets of the state layer: SHA-256 (report ids,
 * token digests, idempotency keys), HMAC-SHA256 (webhook signatures, as
 * GitHub's X-Hub-Signature-256) and unguessable random tokens.
 *
 * Why OpenSSL's libcrypto rather than our own SHA-256: it is already in every
 * process that loads libcurl, it is the implementation the receivers' own
 * verification (GitHub's documentation, Python's hmac) is tested against,
 * and it leaves no hand-written cryptography here to get subtly wrong.
 * Random bytes come from the kernel (getrandom). */
#ifndef CSEC_STATE_CRYPTO_H
#define CSEC_STATE_CRYPTO_H

#include <stddef.h>

/* SHA-256 of `len` bytes as 64 lowercase hex digits and a NUL. */
void state_sha256_hex(char out[65], const void *data, size_t len);
/* HMAC-SHA256 of `data` under `key`, as 64 lowercase hex digits and a NUL. */
void state_hmac_sha256_hex(char out[65], const void *key, size_t key_len, const void *data,
                           size_t len);
/* `nbytes` random bytes from the kernel as 2*nbytes hex digits and a NUL
 * (`out` has room for 2*nbytes+1).  Aborts if the kernel cannot give them. */
void state_random_hex(char *out, size_t nbytes);
/* Whether `s` is exactly `n` lowercase hex digits. */
int state_is_hex(const char *s, size_t n);

#endif
