/* spec_reader.h - the reader of the block-structured spec files in
 * tests/spec/ (semver.txt, range.txt): blocks separated by blank lines, `#`
 * comments, "KEY VALUE" lines with optionally quoted, escaped values, and a
 * `%%FAIL` marker line. */
#ifndef CSEC_SPEC_READER_H
#define CSEC_SPEC_READER_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_MAX_LINES 64
#define SPEC_MAX_VALUE 1024

typedef struct spec_line {
    char key[32];
    char value[SPEC_MAX_VALUE]; /* unescaped, NUL-terminated */
    size_t len;                 /* value may contain NUL bytes */
    int line;
} spec_line;

typedef struct spec_block {
    int line; /* first line of the block */
    bool fail;
    size_t count;
    spec_line lines[SPEC_MAX_LINES];
} spec_block;

/* Reads the next block starting at *pos (advancing it and *lineno); false at
 * the end of the text. */
bool csec_test_spec_next(const char *text, size_t *pos, int *lineno, spec_block *b);
/* The first line of `b` with key `key`, or NULL. */
const spec_line *csec_test_spec_get(const spec_block *b, const char *key);

#endif
