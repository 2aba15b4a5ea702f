/* portal_html — tz-portal's pages, rendered from the views (portal_view.h)
 * into an html_buf. Server-rendered HTML that works without JavaScript,
 * one small inline stylesheet, no external asset, readable on a phone.
 * Every value from the register or the request goes through html_buf's
 * escaping appends. Each renderer appends one whole page; the caller takes
 * the buffer (and its error) at the end. */
#ifndef TZ_PORTAL_HTML_H
#define TZ_PORTAL_HTML_H

#include <cjson/cJSON.h>

#include "html_buf.h"
#include "portal.h"
#include "portal_view_screen.h"

/* The login page; error (translated by the caller) may be NULL; csrf the
 * form's token for the pre-login cookie. */
void html_login(struct html_buf *b, const struct portal_req *q,
                const char *error, const char *csrf);

/* The ledger (systems rows) and, when summary is not NULL, the
 * per-department summary above it; dept: the department shown, or NULL. */
void html_ledger(struct html_buf *b, const struct portal_req *q,
                 const cJSON *ledger, const cJSON *summary, const char *dept);

/* A system's pre-launch review section (portal_html_screen.c): the
 * ledger's review state, the system's screenings and review decisions, and
 * its open screening request or, for who may ask, the form to ask. */
struct html_prelaunch {
    const Tz__SystemRecord *rec;         /* the state of the review */
    const struct view_screenings *v;
    int may_request;                     /* offer the form (when none is open) */
    const char *note;                    /* typed, shown again after a refusal */
    const char *error;                   /* why the request was refused */
};

/* A system page. editable: which fields the form offers (NULL: no form);
 * notice/error: a line above the form after a save. values: what the
 * person typed, shown again after a refused save (NULL: the record's).
 * prelaunch: its review section (NULL: none). */
void html_system(struct html_buf *b, const struct portal_req *q,
                 const cJSON *sys, const int *editable, const char *notice,
                 const char *error, const struct http_form *values,
                 const struct html_prelaunch *prelaunch);

/* A department's page (view_dept): its leaders, liaison and last meeting,
 * a form when editable, and the record's change history. */
void html_dept(struct html_buf *b, const struct portal_req *q,
               const cJSON *dept, int editable, const char *notice,
               const char *error, const struct http_form *values);

/* The form to add a system (editors, admins). */
void html_system_new(struct html_buf *b, const struct portal_req *q,
                     const char *error, const struct http_form *values);

void html_hosts(struct html_buf *b, const struct portal_req *q,
                const cJSON *hosts);
void html_host(struct html_buf *b, const struct portal_req *q,
               const cJSON *host, const char *pkg_query);
void html_flags(struct html_buf *b, const struct portal_req *q,
                const cJSON *flags, const char *severity, const char *rule);

/* The network center's queue of screening requests (admins). */
void html_screening_requests(struct html_buf *b, const struct portal_req *q,
                             const struct view_requests *v);

/* An error page: status 400, 403, 404, 413, 503... with a short text. */
void html_error(struct html_buf *b, const struct portal_req *q, int status,
                const char *text);

#endif
