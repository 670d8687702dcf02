/* markdown.h - advisory descriptions to safe HTML with cmark-gfm. */
#ifndef CSEC_SERVER_MARKDOWN_H
#define CSEC_SERVER_MARKDOWN_H

#include <stddef.h>

/* Renders GitHub-flavoured Markdown (tables, strikethrough, autolinks) to
 * HTML.  Raw HTML is never passed through, and link and image URLs survive
 * only with the schemes http, https and mailto (or as a same-page "#..."
 * fragment); any other URL becomes "#".  Headings move down one level (the
 * page owns h1 and h2).  When `alternatives` is non-NULL it receives the
 * HTML of the section under a heading that mentions "alternative" (as
 * unmaintained advisories have), or NULL.  Returns a string the caller frees
 * with csec_free.  Not thread-safe on first call (registers extensions). */
char *srv_markdown(const char *text, size_t len, char **alternatives);

/* Whether `url` may be kept in a link (exposed for tests). */
int srv_markdown_url_ok(const char *url);

#endif
