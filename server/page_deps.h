/* page_deps.h - dependency-aware security on the site (page_deps.c): the
 * crate page's Dependencies tab and the dependency section of its Security
 * tab, and the ecosystem impact section of /advisories/ID (lib/deps.h). */
#ifndef CSEC_SERVER_PAGE_DEPS_H
#define CSEC_SERVER_PAGE_DEPS_H

#include "html.h"
#include "index.h"

/* The Dependencies tab of version `v` of crate `c`, the registry index's
 * entries (NULL `v`: not known, as without an index). */
void page_deps_tab(csec_buf *b, const srv_site *s, const csec_index_crate *c,
                   const csec_index_version *v);
/* The "Through dependencies" section of the Security tab. */
void page_deps_security(csec_buf *b, const srv_site *s, const csec_index_crate *c,
                        const csec_index_version *v);
/* The number of dependencies of `v` built by default (normal and build,
 * optional ones only when the default features enable them) whose
 * requirement can only, or whose newest match does, resolve to a release an
 * advisory that counts affects (lib/wording.h rule 2): the Dependencies
 * tab's highlight (0 for NULL). */
size_t page_deps_alarms(const srv_site *s, const csec_index_version *v);

/* The "Ecosystem impact" section of an advisory page. */
void page_deps_impact(csec_buf *b, const srv_site *s, const csec_advisory *a);

#endif
