/* advisory.h - the advisory file format: front-matter splitting (spec §1.3),
 * decoding and validation of the TOML (spec §1.4-1.9), and the pieces the
 * linter (lint.c) and the database loader (db.c) share. */
#ifndef CSEC_ADVISORY_H
#define CSEC_ADVISORY_H

#include "util.h"

#include "toml.h"

/* The parts of an advisory file, as byte ranges of the original text.
 * Offsets are from the start of the file, so positions can be reported in
 * file coordinates. */
typedef struct csec__frontmatter {
    size_t toml_off; /* the trimmed front matter */
    size_t toml_len;
    size_t markdown_off; /* from the "# " of the title to the end of the file */
    size_t markdown_len;
    size_t title_off; /* after "# ", trailing whitespace trimmed */
    size_t title_len;
    size_t desc_off; /* trimmed on both ends; may be empty */
    size_t desc_len;
} csec__frontmatter;

/* Splits an advisory file (spec §1.3).  Never reads outside [s, s+len) and
 * accepts any bytes (invalid UTF-8 is not whitespace).  On error returns
 * CSEC_EPARSE with line/col of the problem in the file and the message
 * ("unexpected start of advisory", "couldn't find end of TOML front matter",
 * "Expected # header after TOML front matter", "no Markdown body"); d->file
 * is left untouched. */
int csec__frontmatter_split(csec__frontmatter *out, const char *s, size_t len, csec_diag *d);

/* Length of the Unicode White_Space character at s[0] (s has n bytes), or 0. */
size_t csec__ws_at(const char *s, size_t n);
/* Length of the White_Space character ending at s[n-1], or 0. */
size_t csec__ws_before(const char *s, size_t n);

/* Maps a line/col of the TOML text handed to the TOML parser back to the
 * file.  `prefixed` is whether "[advisory]\n" was put in front of it. */
void csec__toml_pos_to_file(const char *file, const csec__frontmatter *fm, bool prefixed,
                            uint32_t line, uint32_t col, uint32_t *out_line, uint32_t *out_col);

/* Parses a whole advisory file.  Everything *out points to (strings,
 * requirements, intervals) is allocated from `arena`; TOML scratch memory is
 * released before returning.  `path` is used for the checks of spec §1.2
 * (NULL skips them) and copied into d->file on error; (*out)->path is a copy
 * of `path` (NULL when path is NULL).  Returns 0 or CSEC_EPARSE with d filled
 * (file, line, col in the file, message).  `declared` (may be NULL) receives
 * the package the file names, once read and valid, also when a later check
 * fails (NULL otherwise), so that a failure can be laid at its door. */
int csec__advisory_parse_arena(csec_advisory **out, const char **declared, csec_arena *arena,
                               const char *path, const char *text, size_t len, csec_diag *d);

/* Kinds of advisory identifier (spec §1.7). */
typedef enum csec__id_kind {
    CSEC__ID_RUSTSEC,
    CSEC__ID_CVE,
    CSEC__ID_TALOS,
    CSEC__ID_GHSA,
    CSEC__ID_OTHER,
    CSEC__ID_PLACEHOLDER
} csec__id_kind;

/* Validates an identifier.  Returns 0 and its kind and year (0 when it has
 * none), or CSEC_EPARSE with a message (no position) in d. */
int csec__id_parse(csec__id_kind *kind, int *year, const char *s, size_t len, csec_diag *d);

/* Whether `s` is a valid function path (spec §1.5); on failure fills d->msg
 * (no position). */
int csec__function_path_check(const char *s, size_t len, csec_diag *d);

/* Segment-wise comparison of two function paths (spec §1.5). */
int csec__function_path_cmp(const char *a, const char *b);

/* The extension check of spec §1.2: 0 when the file name ends in ".md". */
bool csec__path_has_md_ext(const char *path);

#endif
