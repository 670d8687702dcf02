/* crypto.c - SHA-256, HMAC-SHA256 and random tokens (crypto.h). */
#include "crypto.h"

#include "text.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* 2n hex digits and a NUL. */
static void to_hex(char *out, const unsigned char *in, size_t n)
{
    csec__hex_encode(out, in, n);
    out[2 * n] = '\0';
}

void state_sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32) {
        fprintf(stderr, "cratesec: SHA-256 failed\n");
        abort();
    }
    to_hex(out, md, 32);
}

void state_hmac_sha256_hex(char out[65], const void *key, size_t key_len, const void *data,
                           size_t len)
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &n) || n != 32) {
        fprintf(stderr, "cratesec: HMAC-SHA256 failed\n");
        abort();
    }
    to_hex(out, md, 32);
}

void state_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof buf)
        abort();
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = getrandom(buf + got, nbytes - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "cratesec: no random bytes from the kernel: %s\n", strerror(errno));
            abort();
        }
        got += (size_t)r;
    }
    to_hex(out, buf, nbytes);
}

int state_is_hex(const char *s, size_t n)
{
    return s && strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}
