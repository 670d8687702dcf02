/* buf.c - csec_buf, the one growable buffer. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(csec_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    if (extra > SIZE_MAX / 2 - b->len)
        csec__xmalloc(SIZE_MAX); /* aborts: the size cannot be represented */
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->ptr = csec__xrealloc(b->ptr, cap);
    b->cap = cap;
}

void csec_buf_put(csec_buf *b, const void *data, size_t len)
{
    grow(b, len);
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void csec_buf_puts(csec_buf *b, const char *s)
{
    csec_buf_put(b, s, strlen(s));
}

void csec_buf_putc(csec_buf *b, char c)
{
    grow(b, 1);
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
}

void csec_buf_printf(csec_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        csec_buf_put(b, small, (size_t)n);
        return;
    }
    grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void csec_buf_clear(csec_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

char *csec_buf_detach(csec_buf *b)
{
    char *p = b->ptr;
    if (!p)
        p = csec__xstrndup("", 0);
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void csec_buf_free(csec_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}
