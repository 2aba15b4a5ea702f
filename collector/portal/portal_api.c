/* portal_api — /api/v1/: the views as JSON, paginated. */
#include "portal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "portal_view_screen.h"
#include "screen_render.h"
#include "tz_log.h"

static void json_body(struct portal_resp *r, int status, cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    r->status = s ? status : 500;
    r->content_type = "application/json; charset=utf-8";
    r->body = s ? s : strdup("{\"error\":\"out of memory\"}");
    r->body_len = r->body ? strlen(r->body) : 0;
}

static void api_error(struct portal_resp *r, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    if (o)
        cJSON_AddStringToObject(o, "error", msg);
    json_body(r, status, o);
}

static void api_failed(struct portal_resp *r, int rc, const struct tz_error *err)
{
    if (rc == TZ_ENOENT) {
        api_error(r, 404, "not found");
        return;
    }
    tz_log(TZ_LOG_ERROR, "api: %s", err->msg);
    api_error(r, 503, "the register could not be read; try again later");
}

/* A positive integer query argument within [1, max], or def when absent;
 * -1 when present and bad. */
static long arg_num(const struct portal_req *q, const char *name, long def,
                    long max)
{
    const char *v = http_form_get(q->query, name);
    if (v == NULL || v[0] == '\0')
        return def;
    uint64_t n;
    if (http_path_id(v, &n) != 0 || n > (uint64_t)max)
        return -1;
    return (long)n;
}

/* ?page= and ?per_page= of q; 0, or -1 when either is bad. */
static int page_args(const struct portal_req *q, long *page, long *per)
{
    *page = arg_num(q, "page", 1, 1000000);
    *per = arg_num(q, "per_page", API_DEFAULT_PER_PAGE, API_MAX_PER_PAGE);
    return *page < 0 || *per < 0 ? -1 : 0;
}

/* {"items": the page of the array key of view, ...}; view is consumed.
 * total < 0: the array holds the whole list (it is cut to the page);
 * else it holds the page's items only and total is the list's length. */
static void paginate(const struct portal_req *q, struct portal_resp *r,
                     cJSON *view, const char *key, long total_in)
{
    long page, per;
    if (page_args(q, &page, &per) != 0) {
        cJSON_Delete(view);
        api_error(r, 400, "page is 1 or more, per_page 1..1000");
        return;
    }
    cJSON *all = cJSON_DetachItemFromObject(view, key);
    cJSON_Delete(view);
    int total = total_in < 0 ? cJSON_GetArraySize(all) : (int)total_in;
    cJSON *items = cJSON_CreateArray(), *o = cJSON_CreateObject();
    long first = total_in < 0 ? (page - 1) * per : 0;
    /* Detach from the front: O(n) over the whole list, not per item. */
    long i = 0;
    cJSON *it = all ? all->child : NULL;
    while (items && it) {
        cJSON *next = it->next;
        if (i >= first && i < first + per)
            cJSON_AddItemToArray(items, cJSON_DetachItemViaPointer(all, it));
        i++;
        it = next;
    }
    cJSON_Delete(all);
    if (o == NULL || items == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(items);
        api_error(r, 500, "out of memory");
        return;
    }
    cJSON_AddItemToObject(o, "items", items);
    cJSON_AddNumberToObject(o, "page", (double)page);
    cJSON_AddNumberToObject(o, "per_page", (double)per);
    cJSON_AddNumberToObject(o, "total", total);
    json_body(r, 200, o);
}

/* {"screenings": [...], "reviews": [...]} of v; NULL on ENOMEM. */
static cJSON *screenings_json(const struct view_screenings *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *sa = o ? cJSON_AddArrayToObject(o, "screenings") : NULL;
    cJSON *ra = o ? cJSON_AddArrayToObject(o, "reviews") : NULL;
    int ok = sa && ra;
    for (size_t i = 0; ok && i < v->n_screening; i++) {
        cJSON *x = screen_summary_json(v->screening[i]);
        ok = x != NULL;
        cJSON_AddItemToArray(sa, x);
    }
    for (size_t i = 0; ok && i < v->n_review; i++) {
        cJSON *x = screen_review_json(v->review[i]);
        ok = x != NULL;
        cJSON_AddItemToArray(ra, x);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* GET /api/v1/systems/ID/screenings: {"screenings": [summary...],
 * "reviews": [review...], "page", "per_page", "screenings_total",
 * "reviews_total"}, both lists oldest first and cut to the same page. */
static void system_screenings(struct portal *p, const struct portal_req *q,
                              const struct view_scope *s, uint64_t id,
                              struct portal_resp *r)
{
    long page, per;
    if (page_args(q, &page, &per) != 0) {
        api_error(r, 400, "page is 1 or more, per_page 1..1000");
        return;
    }
    const struct view_window w = {(size_t)(page - 1) * (size_t)per, (size_t)per, 0};
    struct view_screenings v;
    struct tz_error err = {0};
    int rc = view_system_screenings(p->reg, s, id, &w, &v, &err);
    if (rc != 0) {
        api_failed(r, rc, &err);
        return;
    }
    cJSON *o = screenings_json(&v);
    if (o == NULL ||
        !cJSON_AddNumberToObject(o, "page", (double)page) ||
        !cJSON_AddNumberToObject(o, "per_page", (double)per) ||
        !cJSON_AddNumberToObject(o, "screenings_total", (double)v.total_screenings) ||
        !cJSON_AddNumberToObject(o, "reviews_total", (double)v.total_reviews)) {
        cJSON_Delete(o);
        o = NULL;
    }
    view_screenings_free(&v);
    json_body(r, 200, o);
}

/* GET /api/v1/screening-requests: the network center's queue, paginated. */
static void screening_requests(struct portal *p, const struct portal_req *q,
                               const struct view_scope *s, struct portal_resp *r)
{
    if (!people_may_see_queue(q->user)) {
        api_error(r, 403, "only the network center sees the screening requests");
        return;
    }
    long page, per;
    if (page_args(q, &page, &per) != 0) {
        api_error(r, 400, "page is 1 or more, per_page 1..1000");
        return;
    }
    struct view_requests v;
    struct tz_error err = {0};
    int rc = view_screening_requests(p->reg, s, (size_t)(page - 1) * (size_t)per,
                                     (size_t)per, &v, &err);
    if (rc != 0) {
        api_failed(r, rc, &err);
        return;
    }
    cJSON *o = cJSON_CreateObject(), *items = cJSON_CreateArray();
    for (size_t i = 0; o && items && i < v.n; i++) {
        cJSON *x = view_request_json(&v.v[i]);
        if (x == NULL) {
            cJSON_Delete(items);
            items = NULL;
            break;
        }
        cJSON_AddItemToArray(items, x);
    }
    if (o == NULL || items == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(items);
        o = NULL;
    } else {
        cJSON_AddItemToObject(o, "items", items);
        cJSON_AddNumberToObject(o, "page", (double)page);
        cJSON_AddNumberToObject(o, "per_page", (double)per);
        cJSON_AddNumberToObject(o, "total", (double)v.total);
        cJSON_AddNumberToObject(o, "open", (double)v.open);
    }
    view_requests_free(&v);
    json_body(r, 200, o);
}

static void me(const struct portal_req *q, struct portal_resp *r)
{
    cJSON *o = cJSON_CreateObject();
    const char *role = q->user->role == TZ__ROLE__ROLE_ADMIN    ? "admin"
                       : q->user->role == TZ__ROLE__ROLE_EDITOR ? "editor"
                                                                 : "viewer";
    if (o) {
        cJSON_AddStringToObject(o, "name", q->user->name);
        cJSON_AddStringToObject(o, "role", role);
        if (q->user->dept[0])
            cJSON_AddStringToObject(o, "dept", q->user->dept);
        else
            cJSON_AddNullToObject(o, "dept");
    }
    json_body(r, 200, o);
}

void portal_api(struct portal *p, struct portal_req *q,
                const struct http_path *path, struct portal_resp *r)
{
    if (path->n < 3 || strcmp(path->seg[1], "v1") != 0) {
        api_error(r, 404, "not found (the API is /api/v1/)");
        return;
    }
    if (q->user == NULL) {
        api_error(r, 401, "log in, or send Authorization: Bearer TOKEN");
        return;
    }
    if (q->method != PM_GET && q->method != PM_HEAD) {
        api_error(r, 405, "the API reads: GET");
        return;
    }
    const char *what = path->seg[2];
    const char *dept = http_form_get(q->query, "dept");
    struct view_scope s = {q->user, dept && dept[0] ? dept : NULL};
    struct tz_error err = {0};
    cJSON *v = NULL;
    int rc;
    uint64_t id = 0;
    if (path->n >= 4 && http_path_id(path->seg[3], &id) != 0) {
        api_error(r, 404, "not found");
        return;
    }
    if (path->n == 3 && strcmp(what, "me") == 0) {
        me(q, r);
    } else if (path->n == 3 && strcmp(what, "systems") == 0) {
        /* Only the page's rows are built (5,000 systems: 100 formatted);
         * bad page arguments build none and answer 400 after the walk,
         * as the other lists do. */
        long page, per;
        size_t total;
        int ok = page_args(q, &page, &per) == 0;
        if ((rc = view_ledger_page(p->reg, &s, 1, ok ? (size_t)(page - 1) * (size_t)per : 0,
                                   ok ? (size_t)per : 0, &v, &total, &err)) != 0)
            api_failed(r, rc, &err);
        else
            paginate(q, r, v, "systems", (long)total);
    } else if (path->n == 3 && strcmp(what, "hosts") == 0) {
        if ((rc = view_hosts(p->reg, &s, &v, &err)) != 0)
            api_failed(r, rc, &err);
        else
            paginate(q, r, v, "hosts", -1);
    } else if (path->n == 3 && strcmp(what, "flags") == 0) {
        struct view_flag_filter f;
        if (portal_flag_filter(q, &f) != 0)
            api_error(r, 400, "severity is high, medium or low");
        else if ((rc = view_flags(p->reg, &s, &f, &v, &err)) != 0)
            api_failed(r, rc, &err);
        else
            paginate(q, r, v, "flags", -1);
    } else if (path->n == 4 && strcmp(what, "systems") == 0) {
        s.dept = NULL;
        if ((rc = view_system(p->reg, &s, id, &v, &err)) != 0)
            api_failed(r, rc, &err);
        else
            json_body(r, 200, v);
    } else if (path->n == 5 && strcmp(what, "systems") == 0 &&
               strcmp(path->seg[4], "screenings") == 0) {
        s.dept = NULL;
        system_screenings(p, q, &s, id, r);
    } else if (path->n == 4 && strcmp(what, "screenings") == 0) {
        s.dept = NULL;
        Tz__Screening *sc;
        if ((rc = view_screening(p->reg, &s, id, &sc, &err)) != 0) {
            api_failed(r, rc, &err);
        } else {
            json_body(r, 200, screen_json(sc));
            protobuf_c_message_free_unpacked(&sc->base, NULL);
        }
    } else if (path->n == 3 && strcmp(what, "screening-requests") == 0) {
        screening_requests(p, q, &s, r);
    } else if (path->n == 4 && strcmp(what, "hosts") == 0) {
        s.dept = NULL;
        const char *pq = http_form_get(q->query, "q");
        if ((rc = view_host(p->reg, &s, id, pq, &v, &err)) != 0)
            api_failed(r, rc, &err);
        else
            json_body(r, 200, v);
    } else {
        api_error(r, 404, "not found");
    }
}
