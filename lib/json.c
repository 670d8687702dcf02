/* json.c - JSON output exactly as serde_json writes it (see json.h). */
#include "json.h"

#include "text.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strings --------------------------------------------------------- */

/* serde_json escapes exactly the quote, the backslash and C0 controls; DEL,
 * '/' and every non-ASCII character are written raw.  Rust strings are always
 * valid UTF-8, so invalid input (only possible from C callers) is replaced by
 * U+FFFD, keeping the output valid JSON. */
void csec__json_escape(csec_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            csec_buf_put(out, p + i, run - i);
            i = run;
            continue;
        }
        unsigned c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t bad, n = csec__utf8_decode(p + i, len - i, &cp, &bad);
            if (n)
                csec_buf_put(out, p + i, n);
            else
                csec_buf_put(out, "\xEF\xBF\xBD", 3);
            i += n ? n : bad;
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            csec__hex_encode(esc + 4, &p[i], 1);
            n = 6;
        }
        csec_buf_put(out, esc, n);
        i++;
    }
}

void csec_json_string(csec_buf *out, const char *s, size_t len)
{
    csec_buf_putc(out, '"');
    csec__json_escape(out, s, len);
    csec_buf_putc(out, '"');
}

/* ---- structure ------------------------------------------------------- */

void csec__json_init(csec__json *j, csec_buf *out, bool pretty, int indent)
{
    j->out = out;
    j->pretty = pretty;
    j->base = indent > 0 ? indent : 0;
    j->depth = 0;
    j->has_members = 0;
    j->after_key = false;
}

static void newline_indent(csec__json *j, int depth)
{
    static const char spaces[] = "                                ";
    size_t n = (size_t)(depth + j->base) * 2;
    csec_buf_putc(j->out, '\n');
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        csec_buf_put(j->out, spaces, k);
        n -= k;
    }
}

/* What precedes any element of the current container: a comma after the
 * previous one, and in pretty mode a line break and the indentation. */
static void before_element(csec__json *j)
{
    if (j->depth == 0)
        return;
    uint64_t bit = (uint64_t)1 << (j->depth - 1);
    if (j->has_members & bit)
        csec_buf_putc(j->out, ',');
    j->has_members |= bit;
    if (j->pretty)
        newline_indent(j, j->depth);
}

static void before_value(csec__json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    before_element(j);
}

static void container_open(csec__json *j, char c)
{
    before_value(j);
    assert(j->depth < CSEC__JSON_WRITER_MAX_DEPTH);
    csec_buf_putc(j->out, c);
    j->depth++;
    j->has_members &= ~((uint64_t)1 << (j->depth - 1));
}

static void container_close(csec__json *j, char c)
{
    assert(j->depth > 0 && !j->after_key);
    uint64_t bit = (uint64_t)1 << (j->depth - 1);
    j->depth--;
    if (j->pretty && (j->has_members & bit))
        newline_indent(j, j->depth);
    j->has_members &= ~bit;
    csec_buf_putc(j->out, c);
}

void csec__json_object_begin(csec__json *j) { container_open(j, '{'); }
void csec__json_object_end(csec__json *j) { container_close(j, '}'); }
void csec__json_array_begin(csec__json *j) { container_open(j, '['); }
void csec__json_array_end(csec__json *j) { container_close(j, ']'); }

void csec__json_key(csec__json *j, const char *key)
{
    assert(!j->after_key);
    before_element(j);
    csec_json_string(j->out, key, strlen(key));
    if (j->pretty)
        csec_buf_put(j->out, ": ", 2);
    else
        csec_buf_putc(j->out, ':');
    j->after_key = true;
}

/* ---- scalars --------------------------------------------------------- */

void csec__json_raw(csec__json *j, const char *text, size_t len)
{
    before_value(j);
    csec_buf_put(j->out, text, len);
}

void csec__json_strn(csec__json *j, const char *s, size_t len)
{
    before_value(j);
    csec_json_string(j->out, s, len);
}

void csec__json_str(csec__json *j, const char *s)
{
    if (!s)
        csec__json_null(j);
    else
        csec__json_strn(j, s, strlen(s));
}

void csec__json_key_str(csec__json *j, const char *key, const char *s)
{
    csec__json_key(j, key);
    csec__json_str(j, s);
}

void csec__json_strlist(csec__json *j, csec_strlist list)
{
    csec__json_array_begin(j);
    for (size_t i = 0; i < list.count; i++)
        csec__json_str(j, list.items[i]);
    csec__json_array_end(j);
}

void csec__json_reqs(csec__json *j, const csec_req *const *reqs, size_t n)
{
    csec_buf t = CSEC_BUF_INIT;
    csec__json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        csec_buf_clear(&t);
        csec_req_write(&t, reqs[i]);
        csec__json_strn(j, t.ptr, t.len);
    }
    csec__json_array_end(j);
    csec_buf_free(&t);
}

void csec__json_version(csec__json *j, const csec_version *v)
{
    if (!v) {
        csec__json_null(j);
        return;
    }
    csec_buf t = CSEC_BUF_INIT;
    csec_version_write(&t, v);
    csec__json_strn(j, t.ptr, t.len);
    csec_buf_free(&t);
}

void csec__json_str_begin(csec__json *j)
{
    before_value(j);
    csec_buf_putc(j->out, '"');
}

void csec__json_str_part(csec__json *j, const char *s, size_t len)
{
    csec__json_escape(j->out, s, len);
}

void csec__json_str_end(csec__json *j) { csec_buf_putc(j->out, '"'); }

void csec__json_null(csec__json *j) { csec__json_raw(j, "null", 4); }

void csec__json_bool(csec__json *j, bool v)
{
    if (v)
        csec__json_raw(j, "true", 4);
    else
        csec__json_raw(j, "false", 5);
}

void csec__json_int(csec__json *j, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    csec__json_raw(j, tmp, (size_t)n);
}

void csec__json_uint(csec__json *j, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    csec__json_raw(j, tmp, (size_t)n);
}

/* serde_json formats an f64 with ryu: the shortest digit string that reads
 * back as the same double, laid out as plain decimal when the decimal
 * exponent is in (-5, 16] and as d.ddde<exp> otherwise.  The shortest digits
 * are found by asking printf for 1, 2, ... 17 significant digits (correctly
 * rounded, hence the nearest candidate of that length, as ryu picks). */
static size_t format_double(char *out, double v)
{
    char sci[40];
    char digits[24];
    size_t nd = 0;
    int exp10 = 0;
    size_t o = 0;
    if (signbit(v))
        out[o++] = '-', v = -v;
    if (v == 0) {
        memcpy(out + o, "0.0", 4);
        return o + 3;
    }
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* sci is "d[.ddd]e[+-]xx" */
    const char *p = sci;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int kk = exp10 + 1; /* position of the decimal point relative to the digits */
    int k = kk - (int)nd;
    if (k >= 0 && kk <= 16) {
        memcpy(out + o, digits, nd), o += nd;
        for (int i = 0; i < k; i++)
            out[o++] = '0';
        memcpy(out + o, ".0", 2), o += 2;
    } else if (kk > 0 && kk <= 16) {
        memcpy(out + o, digits, (size_t)kk), o += (size_t)kk;
        out[o++] = '.';
        memcpy(out + o, digits + kk, nd - (size_t)kk), o += nd - (size_t)kk;
    } else if (kk > -5 && kk <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -kk; i++)
            out[o++] = '0';
        memcpy(out + o, digits, nd), o += nd;
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, nd - 1), o += nd - 1;
        }
        o += (size_t)snprintf(out + o, 8, "e%d", kk - 1);
    }
    out[o] = '\0';
    return o;
}

void csec__json_double(csec__json *j, double v)
{
    char tmp[48];
    if (!isfinite(v)) {
        csec__json_null(j);
        return;
    }
    size_t n = format_double(tmp, v);
    csec__json_raw(j, tmp, n);
}
