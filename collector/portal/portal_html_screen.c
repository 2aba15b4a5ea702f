/* portal_html_screen — the pre-launch review on the portal's pages: the
 * section of a system page, and the network center's request queue. The
 * printable report of one screening is screen_render's (portal_routes.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ledger_fields.h"
#include "portal_html_parts.h"
#include "portal_i18n.h"

#define T(en) tr(q->lang, en)

static void s(struct html_buf *b, const char *raw)
{
    html_buf_puts(b, raw);
}

static void t(struct html_buf *b, const char *text)
{
    html_buf_text(b, text ? text : "", text ? strlen(text) : 0);
}

static void id_link(struct html_buf *b, const struct portal_req *q,
                    const char *prefix, uint64_t id)
{
    char path[64];
    snprintf(path, sizeof(path), "%s%" PRIu64, prefix, id);
    html_href(b, q, path);
    html_buf_printf(b, "#%" PRIu64 "</a>", id);
}

static void yes_no(struct html_buf *b, const struct portal_req *q, int v)
{
    t(b, tr_value(q->lang, v ? "yes" : "no"));
}

static void verdict(struct html_buf *b, const struct portal_req *q, int passed)
{
    s(b, passed ? "<span>" : "<span class=\"high\">");
    t(b, tr_value(q->lang, passed ? "passed" : "failed"));
    s(b, "</span>");
}

static void dl_row(struct html_buf *b, const char *k, const char *v)
{
    s(b, "<dt>");
    t(b, k);
    s(b, "</dt><dd>");
    t(b, v && v[0] ? v : "-");
    s(b, "</dd>");
}

/* The ledger's state of the review (上线前审查 and its fields), the
 * override reason and the screening and decision it rests on. */
static void review_state(struct html_buf *b, const struct portal_req *q,
                         const Tz__SystemRecord *rec)
{
    static const char *const keys[] = {"prelaunch_status", "prelaunch_date",
                                       "prelaunch_reviewer", "prelaunch_report_id"};
    char buf[LEDGER_MAX_ITEM + 1];   /* one value of these short fields */
    s(b, "<dl>");
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct ledger_field *f = ledger_field_find(keys[i]);
        ledger_field_format(rec, keys[i], buf, sizeof(buf));
        dl_row(b, f ? tr_field(q->lang, f) : keys[i], tr_value(q->lang, buf));
    }
    const Tz__Prelaunch *pl = rec->prelaunch;
    if (pl && pl->override_reason && pl->override_reason[0])
        dl_row(b, T("Override reason"), pl->override_reason);
    if (pl && pl->screening_id) {
        s(b, "<dt>");
        t(b, T("Screening"));
        s(b, "</dt><dd>");
        id_link(b, q, "/screenings/", pl->screening_id);
        s(b, "</dd>");
    }
    s(b, "</dl>");
}

static void screenings_table(struct html_buf *b, const struct portal_req *q,
                             const struct view_screenings *v)
{
    s(b, "<h3>");
    t(b, T("Screenings"));
    s(b, "</h3>");
    if (v->n_screening == 0) {
        s(b, "<p>");
        t(b, T("Nothing here yet."));
        s(b, "</p>");
        return;
    }
    s(b, "<div class=\"wrap\"><table><tr><th>ID</th>");
    html_th(b, T("Time"));
    html_th(b, T("By"));
    html_th(b, T("Result"));
    html_th(b, T("Blocking failed"));
    html_th(b, T("Not checked"));
    html_th(b, T("Fresh reports"));
    html_th(b, T("Outside scan"));
    s(b, "</tr>");
    for (size_t i = 0; i < v->n_screening; i++) {
        const Tz__ScreeningSummary *x = v->screening[i];
        s(b, "<tr><td>");
        id_link(b, q, "/screenings/", x->screening_id);
        s(b, "</td><td>");
        html_when(b, (double)x->at);
        s(b, "</td><td>");
        t(b, x->by);
        s(b, "</td><td>");
        verdict(b, q, x->passed);
        html_buf_printf(b, "</td><td>%" PRIu32 "</td><td>%" PRIu32 "</td><td>",
                        x->blocking_failed, x->not_checked);
        yes_no(b, q, x->fresh);
        s(b, "</td><td>");
        yes_no(b, q, x->scanned);
        s(b, "</td></tr>");
    }
    s(b, "</table></div>");
    if (v->total_screenings > v->n_screening) {
        s(b, "<p>");
        html_buf_printf(b, "%zu %s %zu", v->n_screening, T("of"), v->total_screenings);
        s(b, " (");
        t(b, T("the latest"));
        s(b, ")</p>");
    }
}

static void reviews_table(struct html_buf *b, const struct portal_req *q,
                          const struct view_screenings *v)
{
    s(b, "<h3>");
    t(b, T("Review decisions"));
    s(b, "</h3>");
    if (v->n_review == 0) {
        s(b, "<p>");
        t(b, T("Nothing here yet."));
        s(b, "</p>");
        return;
    }
    s(b, "<div class=\"wrap\"><table><tr>");
    html_th(b, T("Time"));
    html_th(b, T("Decision"));
    html_th(b, T("Reviewer"));
    html_th(b, T("Screening"));
    html_th(b, T("Override reason"));
    s(b, "</tr>");
    for (size_t i = 0; i < v->n_review; i++) {
        const Tz__Review *x = v->review[i];
        s(b, "<tr><td>");
        html_when(b, (double)x->at);
        s(b, "</td><td>");
        verdict(b, q, x->passed);
        s(b, "</td><td>");
        t(b, x->reviewer);
        s(b, "</td><td>");
        if (x->screening && x->screening->screening_id)
            id_link(b, q, "/screenings/", x->screening->screening_id);
        else
            s(b, "-");
        s(b, "</td><td>");
        t(b, x->override_reason && x->override_reason[0] ? x->override_reason : "-");
        s(b, "</td></tr>");
    }
    s(b, "</table></div>");
}

/* The open request, or the form to ask for a screening. */
static void request_part(struct html_buf *b, const struct portal_req *q,
                         const struct html_prelaunch *p)
{
    const Tz__ScreeningRequest *o = p->v->open;
    if (p->error) {
        s(b, "<p class=\"error\">");
        t(b, p->error);
        s(b, "</p>");
    }
    if (o) {
        s(b, "<p class=\"notice\">");
        t(b, T("Requested"));
        html_buf_printf(b, " #%" PRIu64 " · ", o->request_id);
        t(b, o->by);
        s(b, " · ");
        html_when(b, (double)o->at);
        s(b, " — ");
        t(b, T("awaiting the cybersecurity office's review"));
        if (o->note && o->note[0]) {
            s(b, "<br>");
            t(b, o->note);
        }
        s(b, "</p>");
        return;
    }
    if (!p->may_request)
        return;
    char path[64];
    snprintf(path, sizeof(path), "/systems/%" PRIu64 "/screening-request",
             p->rec->system_id);
    s(b, "<form method=\"post\" action=\"");
    html_buf_attr(b, path, strlen(path));
    s(b, "\">");
    html_csrf_field(b, q);
    s(b, "<h3>");
    t(b, T("Request a pre-launch screening"));
    s(b, "</h3><p><label for=\"note\">");
    t(b, T("Note (one paragraph, at most 1000 bytes)"));
    s(b, "</label><textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"1000\">");
    t(b, p->note);
    s(b, "</textarea></p><p><button>");
    t(b, T("Send the request"));
    s(b, "</button></p></form>");
}

void html_prelaunch(struct html_buf *b, const struct portal_req *q,
                    const struct html_prelaunch *p)
{
    s(b, "<h2 id=\"prelaunch\">");
    t(b, T("Pre-launch review"));
    s(b, "</h2>");
    review_state(b, q, p->rec);
    request_part(b, q, p);
    screenings_table(b, q, p->v);
    reviews_table(b, q, p->v);
}

/* ---- the queue ---- */

static void system_cell(struct html_buf *b, const struct portal_req *q,
                        const struct view_request *r)
{
    char path[64];
    snprintf(path, sizeof(path), "/systems/%" PRIu64, r->req->system_id);
    s(b, "<td>");
    html_href(b, q, path);
    t(b, r->system_name && r->system_name[0] ? r->system_name : path);
    s(b, "</a></td><td>");
    t(b, r->req->dept);
    s(b, "</td><td>");
    t(b, r->req->by);
    s(b, "</td><td>");
    html_when(b, (double)r->req->at);
    s(b, "</td><td>");
    t(b, r->req->note && r->req->note[0] ? r->req->note : "-");
    s(b, "</td>");
}

static void latest_cell(struct html_buf *b, const struct portal_req *q,
                        const Tz__ScreeningSummary *x)
{
    s(b, "<td>");
    if (x == NULL) {
        t(b, T("none"));
    } else {
        id_link(b, q, "/screenings/", x->screening_id);
        s(b, " ");
        verdict(b, q, x->passed);
        s(b, " · ");
        html_when(b, (double)x->at);
    }
    s(b, "</td>");
}

static void review_cell(struct html_buf *b, const struct portal_req *q,
                        const struct view_request *r)
{
    const Tz__Review *x = r->review;
    s(b, "<td>");
    html_when(b, (double)r->req->closed_at);
    s(b, "</td><td>");
    if (x == NULL) {
        html_buf_printf(b, "#%" PRIu64, r->req->review_id);
    } else {
        verdict(b, q, x->passed);
        s(b, " · ");
        t(b, x->reviewer);
        if (x->screening && x->screening->screening_id) {
            s(b, " · ");
            id_link(b, q, "/screenings/", x->screening->screening_id);
        }
        if (x->override_reason && x->override_reason[0]) {
            s(b, "<br>");
            t(b, T("Override reason"));
            s(b, ": ");
            t(b, x->override_reason);
        }
    }
    s(b, "</td>");
}

static void queue_head(struct html_buf *b, const struct portal_req *q, int open)
{
    s(b, "<div class=\"wrap\"><table><tr><th>ID</th>");
    html_th(b, T("System"));
    html_th(b, T("Department"));
    html_th(b, T("Requested by"));
    html_th(b, T("Requested at"));
    html_th(b, T("Note"));
    html_th(b, T("Latest screening"));
    if (!open) {
        html_th(b, T("Closed"));
        html_th(b, T("Decision"));
    }
    s(b, "</tr>");
}

void html_screening_requests(struct html_buf *b, const struct portal_req *q,
                             const struct view_requests *v)
{
    html_page_begin(b, q, T("Screening requests"));
    s(b, "<h1>");
    t(b, T("Screening requests"));
    s(b, "</h1>");
    for (int open = 1; open >= 0; open--) {
        s(b, "<h2>");
        t(b, open ? T("Open requests") : T("Closed requests"));
        s(b, "</h2>");
        size_t rows = 0;
        for (size_t i = 0; i < v->n; i++) {
            const struct view_request *r = &v->v[i];
            if ((r->req->review_id == 0) != open)
                continue;
            if (rows++ == 0)
                queue_head(b, q, open);
            s(b, "<tr><td>");
            html_buf_printf(b, "%" PRIu64, r->req->request_id);
            s(b, "</td>");
            system_cell(b, q, r);
            latest_cell(b, q, r->latest);
            if (!open)
                review_cell(b, q, r);
            s(b, "</tr>");
        }
        s(b, rows ? "</table></div>" : "<p>");
        if (rows == 0) {
            t(b, T("Nothing here yet."));
            s(b, "</p>");
        }
    }
    if (v->total > v->n) {
        s(b, "<p>");
        html_buf_printf(b, "%zu %s %zu", v->n, T("of"), v->total);
        s(b, "</p>");
    }
    html_page_end(b);
}
