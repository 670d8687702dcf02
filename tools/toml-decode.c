/* toml-decode - the toml-test decoder interface over lib/toml.c.
 *
 * Reads TOML on stdin.  On success prints the document as toml-test's tagged
 * JSON (csec__toml_write_tagged_json) and exits 0; on a parse error prints
 * "line:col: message" on stderr and exits 1. */
#include "toml.h"

#include <stdio.h>

int main(void)
{
    csec_buf in = CSEC_BUF_INIT, out = CSEC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        csec_buf_put(&in, chunk, n);
    if (ferror(stdin)) {
        fprintf(stderr, "toml-decode: cannot read stdin\n");
        return 2;
    }
    csec_arena arena = CSEC_ARENA_INIT;
    csec_diag d;
    csec_toml_value *root;
    csec__diag_clear(&d);
    int rc = csec__toml_parse(&root, &arena, in.ptr ? in.ptr : "", in.len, &d);
    if (rc != 0) {
        fprintf(stderr, "%u:%u: %s\n", (unsigned)d.line, (unsigned)d.col, d.msg);
    } else {
        csec__toml_write_tagged_json(&out, root);
        csec_buf_putc(&out, '\n');
        fwrite(out.ptr, 1, out.len, stdout);
    }
    csec__arena_free(&arena);
    csec_buf_free(&in);
    csec_buf_free(&out);
    return rc != 0;
}
