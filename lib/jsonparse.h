/* jsonparse.h - a strict RFC 8259 JSON parser: a pull reader and a tree.
 *
 * Two layers over one grammar:
 *
 *   reader  csec__json_reader_next returns one token at a time (object and
 *           array begin/end, keys, scalars).  Nothing is allocated except a
 *           scratch buffer for strings that contain escapes, so loaders that
 *           fill their own structures (the registry index) never build a tree.
 *   tree    csec__json_parse builds a csec_jv tree in an arena with the reader,
 *           for small documents (config.json, HTTP request bodies).
 *
 * Strictness, as RFC 8259 and serde_json: no trailing commas, no leading zeros,
 * no comments, only the six escapes plus \uXXXX, surrogate escapes must pair,
 * no raw control characters in strings, and the text (inside and outside
 * strings) must be valid UTF-8.  Numbers without fraction or exponent that fit
 * an int64 are integers; every other number is a double, and one whose
 * magnitude overflows a double is an error.  Nesting is limited by an explicit
 * bit stack (never recursion) to CSEC__JSON_MAX_DEPTH.
 *
 * Duplicate object keys are passed through by the reader; the tree keeps them
 * all and csec__jv_get returns the last, as serde_json::Value does. */
#ifndef CSEC_JSONPARSE_H
#define CSEC_JSONPARSE_H

#include "util.h"

/* The limit on nesting, serde_json's recursion limit (and the size of the
 * reader's bit stack). */
#define CSEC__JSON_MAX_DEPTH 128

typedef enum csec__json_tok {
    CSEC__JSON_TOK_ERROR = -1, /* sticky: every later call returns it again */
    CSEC__JSON_TOK_END = 0,    /* the one top-level value ended; only whitespace followed */
    CSEC__JSON_TOK_NULL,
    CSEC__JSON_TOK_FALSE,
    CSEC__JSON_TOK_TRUE,
    CSEC__JSON_TOK_INT,    /* value in r->num_i */
    CSEC__JSON_TOK_DOUBLE, /* value in r->num_d */
    CSEC__JSON_TOK_STRING, /* value in r->str (unescaped) */
    CSEC__JSON_TOK_KEY,    /* member name in r->str; the value is the next token */
    CSEC__JSON_TOK_ARRAY_BEGIN,
    CSEC__JSON_TOK_ARRAY_END,
    CSEC__JSON_TOK_OBJECT_BEGIN,
    CSEC__JSON_TOK_OBJECT_END
} csec__json_tok;

/* A pull reader over one JSON text.  All fields are private except those
 * documented as results of the last token. */
typedef struct csec__json_reader {
    const char *start, *p, *end;
    uint32_t depth; /* open containers */
    int state;
    uint64_t stack[CSEC__JSON_MAX_DEPTH / 64]; /* bit set: object at that level */
    csec_buf scratch;                          /* unescaped strings */

    /* Results of the last token. */
    csec_str str;     /* STRING or KEY: points into the input or the scratch
                       * buffer; valid until the next call.  May contain NUL
                       * bytes (from \u0000); str.ptr[str.len] is not
                       * guaranteed to be NUL when it points into the input. */
    int64_t num_i;    /* INT */
    double num_d;     /* DOUBLE */
    size_t tok_off;   /* byte offset of the token's first character */

    /* After TOK_ERROR: where and why. */
    size_t err_off;
    const char *err_msg; /* static text */
} csec__json_reader;

/* Starts reading `len` bytes at `s` (need not be NUL-terminated; the reader
 * never reads past `len`).  Nothing to free unless a string with escapes was
 * read; always call csec__json_reader_free. */
void csec__json_reader_init(csec__json_reader *r, const char *s, size_t len);
/* Releases the scratch buffer. */
void csec__json_reader_free(csec__json_reader *r);
/* Returns the next token.  After END or ERROR, returns the same again. */
csec__json_tok csec__json_reader_next(csec__json_reader *r);
/* Skips one whole value: call it where a value is expected (after KEY, or
 * inside an array).  Returns the last token read (the scalar or the closing
 * END token of the container), or TOK_ERROR. */
csec__json_tok csec__json_reader_skip(csec__json_reader *r);
/* Right after an OBJECT_BEGIN or ARRAY_BEGIN token: continues after the
 * container's closing bracket at byte `close_off`, as if every token up to
 * its END token had been read.  For a caller that knows the container's text
 * to be well-formed (the index reader's cache of dependency objects: the
 * same bytes parsed before). */
void csec__json_reader_close_at(csec__json_reader *r, size_t close_off);
/* Makes the reader fail at `off` with static message `msg` (used by callers
 * that find a well-formed but unexpected token).  Returns TOK_ERROR. */
csec__json_tok csec__json_reader_fail(csec__json_reader *r, size_t off, const char *msg);
/* Fills `d` with the reader's error: line and column counted from the start
 * of the text, plus `line0` lines and, on the text's first line, `col0` bytes
 * (for a text that is a part of a larger file).  Returns CSEC_EPARSE. */
int csec__json_reader_diag(const csec__json_reader *r, csec_diag *d, const char *file,
                           uint32_t line0, uint32_t col0);

/* ---- the tree ---- */

typedef enum csec_jv_type {
    CSEC_JV_NULL,
    CSEC_JV_FALSE,
    CSEC_JV_TRUE,
    CSEC_JV_INT,
    CSEC_JV_DOUBLE,
    CSEC_JV_STRING,
    CSEC_JV_ARRAY,
    CSEC_JV_OBJECT
} csec_jv_type;

typedef struct csec_jv csec_jv;
typedef struct csec_jv_member csec_jv_member;

/* One value.  Strings are NUL-terminated arena copies; `len` is the string's
 * length (it may contain NUL bytes) or the number of elements / members. */
struct csec_jv {
    csec_jv_type type;
    size_t len;
    union {
        int64_t i;
        double d;
        const char *s;
        const csec_jv *items;          /* ARRAY */
        const csec_jv_member *members; /* OBJECT, in document order */
    } u;
};

struct csec_jv_member {
    const char *key;
    size_t key_len;
    csec_jv value;
};

/* Parses one JSON text into a tree allocated from `arena` (everything is
 * freed with the arena).  Returns 0, or CSEC_EPARSE with line, column and
 * message in `d` (and *out NULL). */
int csec__json_parse(const csec_jv **out, csec_arena *arena, const char *s, size_t len,
                     csec_diag *d);

/* The value of the last member named `key` (NUL-terminated) of an object, or
 * NULL when `v` is NULL, not an object or has no such member. */
const csec_jv *csec__jv_get(const csec_jv *v, const char *key);
/* The string of a STRING value, else NULL. */
const char *csec__jv_str(const csec_jv *v);

#endif
