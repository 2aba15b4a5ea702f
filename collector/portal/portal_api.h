/* portal_api — the JSON API under /api/v1/, the same data and scoping as
 * the pages (portal_view.h), for scripts with `Authorization: Bearer TOKEN`
 * or a browser session.
 *
 *   GET /api/v1/systems[?dept=D&page=N&per_page=M]   {"items", "page",
 *   GET /api/v1/hosts[?dept=D&page=&per_page=]        "per_page", "total"}
 *   GET /api/v1/flags[?severity=&rule=&dept=&page=&per_page=]
 *   GET /api/v1/systems/ID, /api/v1/hosts/ID[?q=]    one object
 *   GET /api/v1/me                                     who the token is
 *   GET /api/v1/systems/ID/screenings[?page=&per_page=]  {"screenings":
 *       [summary...], "reviews": [review...], "page", "per_page",
 *       "screenings_total", "reviews_total"}: both oldest first, one page
 *   GET /api/v1/screenings/ID                          screen_json
 *   GET /api/v1/screening-requests[?dept=&page=&per_page=]  the queue
 *       (admins; 403 for others): {"items", ..., "open"}, open first
 * Lists are paginated: per_page 1..API_MAX_PER_PAGE, default 100. Errors
 * are {"error": "..."} with 400, 401, 403, 404, 405 or 503; an id the
 * caller may not see is 404 like one that does not exist. Screenings are
 * shown as portal_view_screen.h says: without the hosts of departments the
 * caller may not see. */
#ifndef TZ_PORTAL_API_H
#define TZ_PORTAL_API_H

#include "http_path.h"
#include "portal.h"
#include "portal_view.h"

#define API_DEFAULT_PER_PAGE 100
#define API_MAX_PER_PAGE 1000

void portal_api(struct portal *p, struct portal_req *q,
                const struct http_path *path, struct portal_resp *r);

/* ?severity= and ?rule= of q into f (portal_routes.c); TZ_EINVAL for an
 * unknown severity. */
int portal_flag_filter(const struct portal_req *q, struct view_flag_filter *f);

#endif
