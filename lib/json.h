/* json.h - a streaming JSON writer that reproduces serde_json byte for byte.
 *
 * Two layouts, both serde_json's:
 *   pretty   serde_json::to_string_pretty: 2-space indent, "key": value, one
 *            member per line, empty containers as [] and {}, no trailing
 *            newline (spec §3.1).
 *   compact  serde_json::to_string: no whitespace at all ({"a":[1,2]}).
 *
 * The writer only tracks commas and indentation; the caller is responsible for
 * calling key before every object member and for balancing begin/end.  Nesting
 * is limited to CSEC__JSON_WRITER_MAX_DEPTH levels, far more than any document
 * the library builds (OSV is 6 deep); the caller's code, not input, decides the
 * depth, so exceeding it is a programmer error (assert). */
#ifndef CSEC_JSON_H
#define CSEC_JSON_H

#include "util.h"

#define CSEC__JSON_WRITER_MAX_DEPTH 64

typedef struct csec__json {
    csec_buf *out;
    bool pretty;
    int base;             /* extra indentation levels applied to every line */
    int depth;            /* open containers */
    uint64_t has_members; /* bit d: the container at depth d+1 has a member */
    bool after_key;       /* a key was written; the next value follows ": " */
} csec__json;

/* Starts a document appended to `out`.  `indent` extra levels (pretty only)
 * let a document be embedded as an element of an enclosing pretty array: the
 * first byte is written where the caller's cursor is, and every following
 * line is indented by 2*indent more spaces. */
void csec__json_init(csec__json *j, csec_buf *out, bool pretty, int indent);

void csec__json_object_begin(csec__json *j);
void csec__json_object_end(csec__json *j);
void csec__json_array_begin(csec__json *j);
void csec__json_array_end(csec__json *j);

/* An object member name (NUL-terminated); the value comes next. */
void csec__json_key(csec__json *j, const char *key);

/* Values.  csec__json_str writes null for a NULL pointer. */
void csec__json_str(csec__json *j, const char *s);
void csec__json_strn(csec__json *j, const char *s, size_t len);
/* A member whose value is a string: csec__json_key then csec__json_str. */
void csec__json_key_str(csec__json *j, const char *key, const char *s);
void csec__json_null(csec__json *j);
void csec__json_bool(csec__json *j, bool v);
void csec__json_int(csec__json *j, int64_t v);
void csec__json_uint(csec__json *j, uint64_t v);
/* An array of the strings of `list`. */
void csec__json_strlist(csec__json *j, csec_strlist list);
/* An array of requirement strings ("^1.2.3", ">= 2.0.0, < 3"), each as
 * csec_req_write writes it. */
void csec__json_reqs(csec__json *j, const csec_req *const *reqs, size_t n);
/* A version as csec_version_write writes it; null for NULL. */
void csec__json_version(csec__json *j, const csec_version *v);
/* A float as serde_json writes an f64 with ryu: shortest round-trip digits,
 * "6.2", "10.0", "1e16", "1.5e-7"; NaN and infinities are written as null,
 * as serde_json does. */
void csec__json_double(csec__json *j, double v);
/* A value that is already JSON text (another document, a number). */
void csec__json_raw(csec__json *j, const char *text, size_t len);
/* A string value written piecewise: csec__json_str_begin, any number of
 * csec__json_str_part, then csec__json_str_end. */
void csec__json_str_begin(csec__json *j);
void csec__json_str_part(csec__json *j, const char *s, size_t len);
void csec__json_str_end(csec__json *j);

/* Appends the escaped contents of a string, without the quotes. */
void csec__json_escape(csec_buf *out, const char *s, size_t len);

#endif
