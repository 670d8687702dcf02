/* spec_reader.c - see spec_reader.h. */
#include "spec_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unescapes a quoted value ("..." with \" \\ \t \n \xHH) or copies it. */
static void spec_value(spec_line *l, const char *v, size_t n)
{
    size_t o = 0;
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n && o + 1 < SPEC_MAX_VALUE; i++) {
            char c = v[i];
            if (c == '\\' && i + 2 < n) {
                c = v[++i];
                if (c == 't')
                    c = '\t';
                else if (c == 'n')
                    c = '\n';
                else if (c == 'x' && i + 2 < n) {
                    char hex[3] = {v[i + 1], v[i + 2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    i += 2;
                }
            }
            l->value[o++] = c;
        }
    } else {
        for (size_t i = 0; i < n && o + 1 < SPEC_MAX_VALUE; i++)
            l->value[o++] = v[i];
    }
    l->value[o] = '\0';
    l->len = o;
}

/* Reads the next block (lines up to a blank line) starting at *pos. */
bool csec_test_spec_next(const char *text, size_t *pos, int *lineno, spec_block *b)
{
    memset(b, 0, sizeof *b);
    while (text[*pos]) {
        const char *line = text + *pos;
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        *pos += n + (nl ? 1 : 0);
        (*lineno)++;
        if (n == 0) {
            if (b->count || b->fail)
                return true;
            continue;
        }
        if (line[0] == '#')
            continue;
        if (!b->line)
            b->line = *lineno;
        if (n == 6 && strncmp(line, "%%FAIL", 6) == 0) {
            b->fail = true;
            continue;
        }
        if (b->count == SPEC_MAX_LINES)
            continue;
        spec_line *l = &b->lines[b->count++];
        const char *sp = memchr(line, ' ', n);
        size_t klen = sp ? (size_t)(sp - line) : n;
        snprintf(l->key, sizeof l->key, "%.*s", (int)klen, line);
        l->line = *lineno;
        if (sp)
            spec_value(l, sp + 1, n - klen - 1);
    }
    return b->count || b->fail;
}

const spec_line *csec_test_spec_get(const spec_block *b, const char *key)
{
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->lines[i].key, key) == 0)
            return &b->lines[i];
    return NULL;
}
