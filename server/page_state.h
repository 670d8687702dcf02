/* page_state.h - the pages and API endpoints that use the server's state
 * (watch_service.h): auditing a lockfile (page_audit.c, api_audit.c) and
 * watch lists (page_watch.c, api_watch.c).  The pages that take a form
 * (POST) answer every method themselves, so route.c lists them with the
 * API's routes; a report, a watch list and its feed are GET pages. */
#ifndef CSEC_SERVER_PAGE_STATE_H
#define CSEC_SERVER_PAGE_STATE_H

#include "audit_input.h"
#include "pages.h"

/* /audit (GET: the form; POST: audit it) and /audit/ID (the report). */
void page_audit(const srv_req *r, srv_resp *resp);
void page_audit_report(const srv_req *r, srv_resp *resp);

/* Watch lists: POST /watches (make one from a report), GET /watches/TOKEN,
 * /watches/TOKEN/feed.xml, and the forms that delete a watch or the list and
 * change a webhook (page_watch.c). */
void page_watch_create(const srv_req *r, srv_resp *resp);
void page_watch_list(const srv_req *r, srv_resp *resp);
void page_watch_feed(const srv_req *r, srv_resp *resp);
void page_watch_delete(const srv_req *r, srv_resp *resp);
void page_watch_webhook(const srv_req *r, srv_resp *resp);
/* The "Watch this lockfile" section of a report page. */
void page_watch_form(csec_buf *b, const srv_audit *au);
/* 503: the state is unavailable, with the reason. */
void page_state_unavailable(const srv_req *r, srv_resp *resp, const char *why);

/* The JSON API (api_audit.c, api_watch.c). */
void api_audit(const srv_req *r, srv_resp *resp);
void api_audit_get(const srv_req *r, srv_resp *resp);
void api_watches(const srv_req *r, srv_resp *resp);
void api_watch_list(const srv_req *r, srv_resp *resp);
void api_watch_one(const srv_req *r, srv_resp *resp);
/* The API's answer to a lockfile that cannot be audited: 400 or 413 with
 * {"code", "message", "file", "line", "column"}. */
void api_audit_error(srv_resp *resp, const srv_audit *au);

#endif
