/* page_ops.c - what operators and their tools read: /healthz (JSON: the data
 * served, its age, the reload record; "degraded" after a failed reload, still
 * 200 because the last good data is being served) and /metrics (Prometheus
 * text exposition format 0.0.4). */
#include "live.h"
#include "pages.h"
#include "watch_service.h"

#include <string.h>

void page_healthz(const srv_req *r, srv_resp *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
    resp->cache_control = "no-store";
    if (r->live) /* the state's own record (watch_service.c) joins the object */
        srv_live_healthz(r->live, r->site, r->generation, srv_watch_healthz, &resp->body);
    else
        csec_buf_printf(&resp->body, "{\"status\": \"ok\", \"commit\": \"%s\"}\n", r->site->commit);
}

void page_metrics(const srv_req *r, srv_resp *resp)
{
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->cache_control = "no-store";
    if (r->live)
        srv_live_metrics(r->live, r->site, r->generation, &resp->body);
}
