/* form.h - HTML form submissions (form.c): the body of a POST from a page,
 * as application/x-www-form-urlencoded or multipart/form-data (RFC 7578,
 * which the upload forms use so that a 5 MB file is sent as it is).
 *
 * The parser never reads past the body, keeps at most SRV_FORM_MAX_FIELDS
 * fields, and refuses what it cannot read exactly: a missing or malformed
 * boundary, a part without Content-Disposition form-data and a name, a body
 * that ends before the closing delimiter, a field name that is not UTF-8.
 */
#ifndef CSEC_SERVER_FORM_H
#define CSEC_SERVER_FORM_H

#include "cratesec.h"

#include <stdbool.h>
#include <stddef.h>

#define SRV_FORM_MAX_FIELDS 16

typedef struct srv_form_field {
    char *name;     /* NUL-terminated, owned by the form */
    const char *value; /* the value's bytes (not NUL-terminated unless decoded) */
    size_t len;
    bool is_file; /* a multipart part with a filename (an <input type=file>) */
} srv_form_field;

typedef struct srv_form {
    srv_form_field fields[SRV_FORM_MAX_FIELDS];
    size_t n;
    /* Decoded urlencoded values (owned); multipart values point into the body. */
    char *decoded[SRV_FORM_MAX_FIELDS];
} srv_form;

/* Parses `body` according to `content_type` (the request's header, may be
 * NULL).  Multipart values point into `body`, which must outlive the form.
 * Returns 0, or -1 with a message in `err` (size n). */
int srv_form_parse(srv_form *out, const char *content_type, const char *body, size_t len,
                   char *err, size_t n);
/* The first field named `name` with a value, or NULL: an empty value (an
 * empty textarea, an upload without a file) counts as absent. */
const srv_form_field *srv_form_get(const srv_form *f, const char *name);
void srv_form_free(srv_form *f);

#endif
