/* pages.h - the HTML and operations handlers, one file per page family
 * (page_*.c), as the routing table (route.c) calls them. */
#ifndef CSEC_SERVER_PAGES_H
#define CSEC_SERVER_PAGES_H

#include "request.h"

void page_home(const srv_req *r, srv_resp *resp);
void page_advisory(const srv_req *r, srv_resp *resp);
void page_list_all(const srv_req *r, srv_resp *resp);
void page_list_category(const srv_req *r, srv_resp *resp);
void page_list_keyword(const srv_req *r, srv_resp *resp);
void page_list_categories(const srv_req *r, srv_resp *resp);
void page_list_keywords(const srv_req *r, srv_resp *resp);
void page_search(const srv_req *r, srv_resp *resp);
void page_crate(const srv_req *r, srv_resp *resp);
void page_style(const srv_req *r, srv_resp *resp);
/* Operations (page_ops.c): /healthz and /metrics. */
void page_healthz(const srv_req *r, srv_resp *resp);
void page_metrics(const srv_req *r, srv_resp *resp);
/* Atom feeds (page_feed.c): /feed.xml and /crates/NAME/feed.xml. */
void page_feed(const srv_req *r, srv_resp *resp);
void page_feed_crate(const srv_req *r, srv_resp *resp);
/* Badges (page_badge.c): /crates/NAME[/VERSION]/badge.svg and badge.json. */
void page_badge_svg(const srv_req *r, srv_resp *resp);
void page_badge_json(const srv_req *r, srv_resp *resp);
/* A 404 page; `what` is a short sentence (plain text) saying what is missing. */
void page_not_found(const srv_req *r, srv_resp *resp, const char *what);
/* A plain error page with status and message. */
void page_error(const srv_req *r, srv_resp *resp, int status, const char *title,
                const char *message);

#endif
