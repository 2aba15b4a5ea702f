/* portal_view_screen — what a person may see of the pre-launch screening
 * (上线前安全审查): a system's stored screenings and review decisions, one
 * screening, and the network center's queue of screening requests.
 *
 * Scoped as portal_view.h: a screening, a review and a request belong to
 * their system, and so to its department (the department it is in now);
 * an id of another department is TZ_ENOENT exactly like one that does not
 * exist. The queue is the network center's: TZ_EPERM for anyone else.
 *
 * A screening judged every host bound to the system, and the network
 * center can bind a host of another department to it (tzctl bind). For a
 * person who may not see such a host, it is taken out of what they get:
 * the host, its items, and its share of the counts (the summaries a
 * listing or a review shows are recomputed from the screening so taken
 * apart). The verdict (passed) stays the checker's. The agents' public
 * keys are left out for everyone, as on a host's page.
 *
 * Records come as protobuf messages (the JSON API and the pages render the
 * same ones), all the caller's: free with the matching *_free. Errors:
 * TZ_ENOENT, TZ_EPERM, TZ_ENOMEM, the register's TZ_ESTORE (err says
 * why). */
#ifndef TZ_PORTAL_VIEW_SCREEN_H
#define TZ_PORTAL_VIEW_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "portal_view.h"

/* Which part of a list: items first .. first+count-1 in the order asked
 * for (oldest first, or newest first). */
struct view_window {
    size_t first, count;
    int newest_first;
};

/* A system's screenings and review decisions, each list cut to the same
 * window, and its open screening request. */
struct view_screenings {
    Tz__ScreeningSummary **screening;
    size_t n_screening, total_screenings;
    Tz__Review **review;
    size_t n_review, total_reviews;
    Tz__ScreeningRequest *open;        /* NULL: none open */
};

int view_system_screenings(struct tz_register *reg, const struct view_scope *s,
                           uint64_t system_id, const struct view_window *w,
                           struct view_screenings *out, struct tz_error *err);
void view_screenings_free(struct view_screenings *v);

/* One stored screening as the viewer may see it. Free *out with
 * protobuf_c_message_free_unpacked. */
int view_screening(struct tz_register *reg, const struct view_scope *s,
                   uint64_t id, Tz__Screening **out, struct tz_error *err);

/* The queue of screening requests (admins; s->dept narrows it to one
 * department): the open ones first, oldest first (the order they are
 * served in), then the closed ones, the latest closed first. Each with
 * its system's name, the system's latest screening and, once closed, the
 * review decision that closed it. */
struct view_request {
    Tz__ScreeningRequest *req;
    char *system_name;                 /* "" when the system is gone */
    Tz__ScreeningSummary *latest;      /* NULL: never screened */
    Tz__Review *review;                /* NULL: open (or not found) */
};

struct view_requests {
    struct view_request *v;            /* the window asked for */
    size_t n, total, open;             /* open: how many of total are */
};

int view_screening_requests(struct tz_register *reg, const struct view_scope *s,
                            size_t first, size_t count,
                            struct view_requests *out, struct tz_error *err);
void view_requests_free(struct view_requests *v);

/* A request of the queue as the API gives it: {"request_id", "system_id",
 * "system_name", "dept", "by", "at", "note", "open", "review_id" (null:
 * open), "closed_at" (null), "latest_screening" (a summary or null),
 * "review" (null: open)}. Times are unix seconds. NULL on ENOMEM. */
cJSON *view_request_json(const struct view_request *r);

#endif
