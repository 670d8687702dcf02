/* markdown.h - advisory descriptions to safe HTML with cmark-gfm. */
#ifndef CSEC_SERVER_MARKDOWN_H
#define CSEC_SERVER_MARKDOWN_H

#include "cratesec.h"

#include <stddef.h>

/* cmark's output kept at most (bytes) and the CPU time one description may
 * take (milliseconds); beyond either the plain-text rendering is used. */
#define SRV_MARKDOWN_MAX_HTML ((size_t)256 << 10)
#define SRV_MARKDOWN_MAX_MS 250

/* Renders GitHub-flavoured Markdown (tables, strikethrough, autolinks) to
 * HTML.  Raw HTML is never passed through, and link URLs survive only with
 * the schemes http, https and mailto (or as a same-page "#..." fragment);
 * any other URL becomes "#".  Images become links to the image (their alt
 * text, else the URL, as the link text): a description cannot make readers'
 * browsers fetch from another site.  Headings move down one level (the page
 * owns h1 and h2).  When `alternatives` is non-NULL it receives the HTML of
 * the section under a heading that mentions "alternative" (as unmaintained
 * advisories have), or NULL.
 *
 * Rendering is bounded: a text over the budget of csec__markdown_budget
 * (lib/markdown_budget.h), or whose HTML would be over SRV_MARKDOWN_MAX_HTML
 * or took over SRV_MARKDOWN_MAX_MS, is shown as escaped plain text (at most
 * CSEC__MD_MAX_BYTES of it) under a sentence saying so; `why` (may be NULL)
 * then receives the reason with its line and column in `text`, else
 * why->msg is "".  Returns a string the caller frees with csec_free.  Not
 * thread-safe on first call (registers extensions). */
char *srv_markdown(const char *text, size_t len, char **alternatives, csec_diag *why);

#endif
