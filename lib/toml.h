/* toml.h - a complete TOML 1.0 parser (https://toml.io/en/v1.0.0).
 *
 * The document is a tree of csec_toml_value nodes allocated from a caller's
 * arena.  Parsing is iterative: no recursion depth is controlled by the input
 * (nesting of arrays and inline tables is bounded by CSEC_TOML_MAX_DEPTH and
 * kept on an explicit stack). */
#ifndef CSEC_TOML_H
#define CSEC_TOML_H

#include "util.h"

#define CSEC_TOML_MAX_DEPTH 512

typedef enum csec_toml_type {
    CSEC_TOML_TABLE,
    CSEC_TOML_ARRAY,
    CSEC_TOML_STRING,
    CSEC_TOML_INTEGER,
    CSEC_TOML_FLOAT,
    CSEC_TOML_BOOL,
    CSEC_TOML_DATETIME,       /* offset date-time */
    CSEC_TOML_DATETIME_LOCAL, /* local date-time */
    CSEC_TOML_DATE_LOCAL,
    CSEC_TOML_TIME_LOCAL
} csec_toml_type;

typedef struct csec_toml_value csec_toml_value;

/* One key/value pair of a table, in document order. */
typedef struct csec_toml_kv {
    const char *key; /* NUL-terminated; may contain NUL bytes via escapes, hence key_len */
    size_t key_len;
    uint32_t line, col; /* where the key was written */
    csec_toml_value *value;
} csec_toml_kv;

struct csec_toml_value {
    csec_toml_type type;
    uint32_t line, col; /* where the value (or table header) starts */
    union {
        struct {
            const char *ptr; /* decoded, NUL-terminated */
            size_t len;
        } str;
        int64_t integer;
        double flt;
        bool boolean;
        /* Date-times keep their text, normalised: 'T' separator, upper-case
         * 'Z', as RFC 3339 writes it (e.g. "1979-05-27T07:32:00Z"). */
        struct {
            const char *text;
            size_t len;
        } datetime;
        struct {
            csec_toml_kv *items;
            size_t count, cap;
            struct csec_map *index; /* of large tables: key -> item (toml.c) */
        } table;
        struct {
            csec_toml_value **items;
            size_t count, cap;
        } array;
    } u;
    /* Bookkeeping for TOML's redefinition rules (private to toml.c). */
    unsigned flags;
};

/* Parses `len` bytes of TOML.  On success *out is the root table.  On error
 * returns CSEC_EPARSE with line/col/msg in d (d->file untouched). */
int csec__toml_parse(csec_toml_value **out, csec_arena *arena, const char *s, size_t len,
                     csec_diag *d);

/* The same for text the caller has already found to be valid UTF-8
 * (csec__utf8_check), which this skips: the advisory parser checks the whole
 * file first and would otherwise scan the front matter twice. */
int csec__toml_parse_valid(csec_toml_value **out, csec_arena *arena, const char *s, size_t len,
                           csec_diag *d);

/* Looks up `key` in a table; NULL when absent or `table` is not a table. */
const csec_toml_value *csec__toml_get(const csec_toml_value *table, const char *key);
/* The same with the key's length given (keys may contain NUL bytes). */
const csec_toml_value *csec__toml_get_n(const csec_toml_value *table, const char *key, size_t len);

/* A name for each type ("string", "integer", "table", ...), for messages. */
const char *csec__toml_type_name(csec_toml_type t);

/* Appends the value rendered as TOML (strings quoted and escaped, arrays as
 * [a, b], inline tables as { k = v }): the linter quotes values this way. */
void csec__toml_write(csec_buf *out, const csec_toml_value *v);
/* Appends the value as toml-test's tagged JSON (tables are objects, arrays
 * arrays, every scalar {"type": "...", "value": "..."}): tools/toml-decode. */
void csec__toml_write_tagged_json(csec_buf *out, const csec_toml_value *v);

#endif
