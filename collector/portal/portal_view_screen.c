/* portal_view_screen — screenings, review decisions and screening requests
 * as a person may see them; the other department's hosts taken out. */
#include "portal_view_screen.h"
#include "portal_view_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "ledger_fields.h"
#include "pb_clone.h"
#include "people.h"
#include "screen_render.h"

static int whole_school(const struct view_scope *s)
{
    return s->user && !s->user->revoked_at &&
           s->user->role == TZ__ROLE__ROLE_ADMIN;
}

static void pb_free(void *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
}

/* System id, if the viewer may see it; *rec is the caller's. */
static int system_of(struct tz_register *reg, const struct view_scope *s,
                     uint64_t id, Tz__SystemRecord **rec, struct tz_error *err)
{
    int rc = register_system_get(reg, id, rec, err);
    if (rc == TZ_ENOENT)
        return view_not_found(err, "system", id);
    if (rc != 0)
        return rc;
    if (!view_in_scope(s, (*rec)->dept)) {
        ledger_record_free(*rec);
        *rec = NULL;
        return view_not_found(err, "system", id);
    }
    return 0;
}

/* ---- taking out what the viewer may not see ---- */

static int host_kept(const Tz__Screening *sc, uint64_t agent_id)
{
    for (size_t i = 0; i < sc->n_hosts; i++)
        if (sc->hosts[i]->agent && sc->hosts[i]->agent->agent_id == agent_id)
            return 1;
    return 0;
}

/* Does text name one of the n hosts taken out (by hostname, or as
 * "agent N")? Conservative: a name inside a longer word counts. */
static int names_removed(const char *text, char *const *names, const uint64_t *ids,
                         size_t n)
{
    for (size_t i = 0; text && text[0] && i < n; i++) {
        char agent[40];
        snprintf(agent, sizeof(agent), "agent %llu)", (unsigned long long)ids[i]);
        if ((names[i][0] && strstr(text, names[i])) || strstr(text, agent))
            return 1;
    }
    return 0;
}

/* A system item's evidence lists the system's hosts ("2 hosts bound:
 * lab01, fin02"): one that names another department's host says so
 * instead, in both languages. 0 or TZ_ENOMEM. */
static int redact_evidence(Tz__ScreeningItem *it, char *const *names, const uint64_t *ids,
                           size_t n)
{
    if (!names_removed(it->evidence, names, ids, n) &&
        !names_removed(it->evidence_zh, names, ids, n))
        return 0;
    char *en = strdup("(names hosts of other departments: the network center sees "
                      "this evidence)");
    char *zh = strdup("（涉及其他单位的主机，详情仅网络信息中心可见）");
    if (en == NULL || zh == NULL) {
        free(en);
        free(zh);
        return TZ_ENOMEM;
    }
    if (it->evidence != protobuf_c_empty_string)
        free(it->evidence);
    if (it->evidence_zh != protobuf_c_empty_string)
        free(it->evidence_zh);
    it->evidence = en;
    it->evidence_zh = zh;
    return 0;
}

/* Recount what is left of res and rewrite the system items' evidence that
 * names a host taken out. */
static int redact_items(Tz__Screening *sc, char *const *names, const uint64_t *ids,
                        size_t removed)
{
    Tz__ScreeningResult *res = sc->result;
    size_t kept = 0;
    int rc = 0;
    res->blocking_failed = res->advisory_failed = res->not_checked = 0;
    for (size_t i = 0; i < res->n_items; i++) {
        Tz__ScreeningItem *it = res->items[i];
        int host_item = it && it->subject_kind && strcmp(it->subject_kind, "host") == 0;
        if (it == NULL || (host_item && !host_kept(sc, it->subject_id))) {
            pb_free(it);
            continue;
        }
        res->items[kept++] = it;
        if (!host_item && rc == 0)
            rc = redact_evidence(it, names, ids, removed);
        if (it->outcome == TZ__SCREEN_OUTCOME__SCREEN_FAIL && it->blocking)
            res->blocking_failed++;
        else if (it->outcome == TZ__SCREEN_OUTCOME__SCREEN_FAIL)
            res->advisory_failed++;
        else if (it->outcome != TZ__SCREEN_OUTCOME__SCREEN_PASS)
            res->not_checked++;
    }
    res->n_items = kept;
    return rc;
}

/* The hosts of other departments out, their items too, the counts of what
 * is left recounted, their names out of the system items' evidence; every
 * agent's public key out. 0 or TZ_ENOMEM (sc is then only partly
 * redacted: the caller must not show it). */
static int redact(const struct view_scope *s, Tz__Screening *sc)
{
    int all = whole_school(s);
    size_t kept = 0, removed = 0;
    char **names = calloc(sc->n_hosts ? sc->n_hosts : 1, sizeof(*names));
    uint64_t *ids = calloc(sc->n_hosts ? sc->n_hosts : 1, sizeof(*ids));
    int rc = names && ids ? 0 : TZ_ENOMEM;
    for (size_t i = 0; i < sc->n_hosts; i++) {
        Tz__ScreenedHost *h = sc->hosts[i];
        if (h && h->agent) {
            free(h->agent->agent_pk.data);
            h->agent->agent_pk.data = NULL;
            h->agent->agent_pk.len = 0;
        }
        if (h && (all || (h->agent && people_may_see(s->user, h->agent->dept)))) {
            sc->hosts[kept++] = h;
            continue;
        }
        if (rc == 0 && h && h->agent) {
            if ((names[removed] = strdup(h->agent->hostname)) == NULL)
                rc = TZ_ENOMEM;
            else
                ids[removed++] = h->agent->agent_id;
        }
        pb_free(h);
    }
    sc->n_hosts = kept;
    if (rc == 0 && !all && sc->result)
        rc = redact_items(sc, names, ids, removed);
    for (size_t i = 0; i < removed; i++)
        free(names[i]);
    free(names);
    free(ids);
    return rc;
}

/* The screening id of system_id as the viewer may see it (no scope
 * check: the caller made it). */
static int load_redacted(struct tz_register *reg, const struct view_scope *s,
                         uint64_t id, Tz__Screening **out, struct tz_error *err)
{
    int rc = register_screening_get(reg, id, out, err);
    if (rc == TZ_ENOENT)
        return view_not_found(err, "screening", id);
    if (rc == 0 && (rc = redact(s, *out)) != 0) {
        pb_free(*out);
        *out = NULL;
        rc = view_oom(err);
    }
    return rc;
}

int view_screening(struct tz_register *reg, const struct view_scope *s,
                   uint64_t id, Tz__Screening **out, struct tz_error *err)
{
    Tz__Screening *sc;
    int rc = register_screening_get(reg, id, &sc, err);
    if (rc == TZ_ENOENT)
        return view_not_found(err, "screening", id);
    if (rc != 0)
        return rc;
    /* Its system's department now; the record judged, if the system is
     * gone (systems are retired, not deleted). */
    Tz__SystemRecord *rec = NULL;
    rc = register_system_get(reg, sc->system_id, &rec, err);
    const char *dept = rc == 0 ? rec->dept : sc->system ? sc->system->dept : NULL;
    int seen = (rc == 0 || rc == TZ_ENOENT) && dept && view_in_scope(s, dept);
    ledger_record_free(rec);
    if (rc != 0 && rc != TZ_ENOENT) {
        pb_free(sc);
        return rc;
    }
    if (!seen) {
        pb_free(sc);
        return view_not_found(err, "screening", id);
    }
    if (redact(s, sc) != 0) {
        pb_free(sc);
        return view_oom(err);
    }
    *out = sc;
    return 0;
}

/* ---- a system's screenings and reviews ---- */

struct list {
    void **v;
    size_t n, cap;
};

static int list_push(struct list *l, const ProtobufCMessage *m)
{
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
        return TZ_ENOMEM;
    if ((l->v[l->n] = pb_clone(m)) == NULL)
        return TZ_ENOMEM;
    l->n++;
    return 0;
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        pb_free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int take_summary(const Tz__ScreeningSummary *x, void *arg)
{
    return list_push(arg, &x->base);
}

static int take_review(const Tz__Review *x, void *arg)
{
    return list_push(arg, &x->base);
}

static size_t window_len(const struct view_window *w, size_t n)
{
    if (w->first >= n)
        return 0;
    return n - w->first < w->count ? n - w->first : w->count;
}

/* The list's index of the k-th item of the window. */
static size_t window_at(const struct view_window *w, size_t n, size_t k)
{
    return w->newest_first ? n - 1 - (w->first + k) : w->first + k;
}

/* Summaries of the screenings a department user got, recounted, by id. */
struct recount {
    uint64_t *id;
    Tz__ScreeningSummary **sum;
    size_t n, cap, cap2;
};

/* The recounted summary of screening id (loaded, redacted, summarised
 * once per request); *out borrowed from rc. */
static int recounted(struct tz_register *reg, const struct view_scope *s,
                     struct recount *c, uint64_t id,
                     const Tz__ScreeningSummary **out, struct tz_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->id[i] == id) {
            *out = c->sum[i];
            return 0;
        }
    Tz__Screening *sc;
    int rc = load_redacted(reg, s, id, &sc, err);
    if (rc != 0)
        return rc;
    Tz__ScreeningSummary tmp = TZ__SCREENING_SUMMARY__INIT;
    screening_summary_of(sc, &tmp);
    Tz__ScreeningSummary *copy = pb_clone(&tmp.base);
    pb_free(sc);
    if (copy == NULL || tz_grow((void **)&c->id, &c->cap, c->n, sizeof(*c->id)) ||
        tz_grow((void **)&c->sum, &c->cap2, c->n, sizeof(*c->sum))) {
        pb_free(copy);
        return view_oom(err);
    }
    c->id[c->n] = id;
    c->sum[c->n++] = copy;
    *out = copy;
    return 0;
}

static void recount_free(struct recount *c)
{
    for (size_t i = 0; i < c->n; i++)
        pb_free(c->sum[i]);
    free(c->id);
    free(c->sum);
}

/* Replace *slot by a copy of the recounted summary of its screening; by
 * NULL when the screening is not in the register (nothing to recount it
 * from, so nothing of it is shown). */
static int replace_summary(struct tz_register *reg, const struct view_scope *s,
                           struct recount *c, Tz__ScreeningSummary **slot,
                           struct tz_error *err)
{
    const Tz__ScreeningSummary *sum = NULL;
    if (*slot == NULL || (*slot)->screening_id == 0)
        return 0;
    int rc = recounted(reg, s, c, (*slot)->screening_id, &sum, err);
    if (rc == TZ_ENOENT) {
        pb_free(*slot);
        *slot = NULL;
        return 0;
    }
    if (rc != 0)
        return rc;
    Tz__ScreeningSummary *copy = pb_clone(&sum->base);
    if (copy == NULL)
        return view_oom(err);
    pb_free(*slot);
    *slot = copy;
    return 0;
}

struct find_open {
    uint64_t system_id;
    Tz__ScreeningRequest *found;
};

static int open_of(const Tz__ScreeningRequest *r, void *arg)
{
    struct find_open *f = arg;
    if (r->system_id != f->system_id || r->review_id != 0)
        return 0;
    f->found = pb_clone(&r->base);
    return f->found ? 1 : TZ_ENOMEM;
}

/* The window of both lists, recounted for a department user. */
static int screenings_fill(struct tz_register *reg, const struct view_scope *s,
                           uint64_t id, const struct view_window *w,
                           struct view_screenings *v, struct tz_error *err)
{
    struct list sums = {0}, revs = {0};
    int rc = register_each_screening(reg, id, take_summary, &sums, err);
    if (rc == 0)
        rc = register_each_review(reg, id, take_review, &revs, err);
    v->total_screenings = sums.n;
    v->total_reviews = revs.n;
    /* The window of each list moves over; the rest is freed. */
    size_t ns = rc == 0 ? window_len(w, sums.n) : 0;
    size_t nr = rc == 0 ? window_len(w, revs.n) : 0;
    if (rc == 0 && ((v->screening = calloc(ns + 1, sizeof(*v->screening))) == NULL ||
                    (v->review = calloc(nr + 1, sizeof(*v->review))) == NULL))
        rc = TZ_ENOMEM;
    for (size_t k = 0; rc == 0 && k < ns; k++) {
        size_t i = window_at(w, sums.n, k);
        v->screening[v->n_screening++] = sums.v[i];
        sums.v[i] = NULL;
    }
    for (size_t k = 0; rc == 0 && k < nr; k++) {
        size_t i = window_at(w, revs.n, k);
        v->review[v->n_review++] = revs.v[i];
        revs.v[i] = NULL;
    }
    list_free(&sums);
    list_free(&revs);
    struct recount c = {0};
    for (size_t i = 0; rc == 0 && !whole_school(s) && i < v->n_screening; i++)
        rc = replace_summary(reg, s, &c, &v->screening[i], err);
    size_t kept = 0;
    for (size_t i = 0; i < v->n_screening; i++)
        if (v->screening[i])
            v->screening[kept++] = v->screening[i];
    v->n_screening = kept;
    for (size_t i = 0; rc == 0 && !whole_school(s) && i < v->n_review; i++)
        rc = replace_summary(reg, s, &c, &v->review[i]->screening, err);
    recount_free(&c);
    struct find_open f = {id, NULL};
    if (rc == 0) {
        rc = register_each_screening_request(reg, NULL, 1, open_of, &f, err);
        rc = rc > 0 ? 0 : rc;
        v->open = f.found;
    }
    return rc;
}

int view_system_screenings(struct tz_register *reg, const struct view_scope *s,
                           uint64_t system_id, const struct view_window *w,
                           struct view_screenings *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    Tz__SystemRecord *rec;
    int rc = system_of(reg, s, system_id, &rec, err);
    if (rc != 0)
        return rc;
    ledger_record_free(rec);
    rc = screenings_fill(reg, s, system_id, w, out, err);
    if (rc != 0) {
        view_screenings_free(out);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    return 0;
}

void view_screenings_free(struct view_screenings *v)
{
    for (size_t i = 0; v->screening && i < v->n_screening; i++)
        pb_free(v->screening[i]);
    for (size_t i = 0; v->review && i < v->n_review; i++)
        pb_free(v->review[i]);
    free(v->screening);
    free(v->review);
    pb_free(v->open);
    memset(v, 0, sizeof(*v));
}

/* ---- the queue ---- */

static int take_request(const Tz__ScreeningRequest *x, void *arg)
{
    return list_push(arg, &x->base);
}

/* Open first, oldest first; then closed, the latest closed first. */
static int queue_order(const void *x, const void *y)
{
    const Tz__ScreeningRequest *a = *(Tz__ScreeningRequest *const *)x;
    const Tz__ScreeningRequest *b = *(Tz__ScreeningRequest *const *)y;
    int ao = a->review_id == 0, bo = b->review_id == 0;
    if (ao != bo)
        return bo - ao;
    if (!ao && a->closed_at != b->closed_at)
        return a->closed_at > b->closed_at ? -1 : 1;
    if (ao && a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->request_id == b->request_id)
        return 0;
    return (a->request_id < b->request_id) == ao ? -1 : 1;
}

struct find_review {
    uint64_t review_id;
    Tz__Review *found;
};

static int review_of(const Tz__Review *r, void *arg)
{
    struct find_review *f = arg;
    if (r->review_id != f->review_id)
        return 0;
    f->found = pb_clone(&r->base);
    return f->found ? 1 : TZ_ENOMEM;
}

/* Its system's name and latest screening, and the review that closed it. */
static int request_fill(struct tz_register *reg, struct view_request *v,
                        struct tz_error *err)
{
    Tz__SystemRecord *rec;
    int rc = register_system_get(reg, v->req->system_id, &rec, err);
    if (rc != 0 && rc != TZ_ENOENT)
        return rc;
    v->system_name = strdup(rc == 0 ? rec->name : "");
    if (rc == 0 && rec->last_screening && rec->last_screening->screening_id)
        v->latest = pb_clone(&rec->last_screening->base);
    int lost = v->system_name == NULL ||
               (rc == 0 && rec->last_screening && rec->last_screening->screening_id &&
                v->latest == NULL);
    if (rc == 0)
        ledger_record_free(rec);
    if (lost)
        return view_oom(err);
    if (v->req->review_id == 0)
        return 0;
    struct find_review f = {v->req->review_id, NULL};
    rc = register_each_review(reg, v->req->system_id, review_of, &f, err);
    v->review = f.found;
    return rc > 0 ? 0 : rc;
}

int view_screening_requests(struct tz_register *reg, const struct view_scope *s,
                            size_t first, size_t count,
                            struct view_requests *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!people_may_see_queue(s->user))
        return tz_err(err, TZ_EPERM, NULL, 0,
                      "only the network center sees the screening requests");
    struct list all = {0};
    int rc = register_each_screening_request(reg, s->dept, 0, take_request, &all, err);
    if (rc == 0 && all.n)
        qsort(all.v, all.n, sizeof(*all.v), queue_order);
    for (size_t i = 0; rc == 0 && i < all.n; i++)
        out->open += ((Tz__ScreeningRequest *)all.v[i])->review_id == 0;
    out->total = all.n;
    struct view_window w = {first, count, 0};
    size_t len = rc == 0 ? window_len(&w, all.n) : 0;
    if (rc == 0 && (out->v = calloc(len ? len : 1, sizeof(*out->v))) == NULL)
        rc = TZ_ENOMEM;
    for (size_t k = 0; rc == 0 && k < len; k++) {
        out->v[k].req = all.v[first + k];
        all.v[first + k] = NULL;
        out->n++;
        rc = request_fill(reg, &out->v[k], err);
    }
    list_free(&all);
    if (rc != 0) {
        view_requests_free(out);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    return 0;
}

void view_requests_free(struct view_requests *v)
{
    for (size_t i = 0; v->v && i < v->n; i++) {
        pb_free(v->v[i].req);
        free(v->v[i].system_name);
        pb_free(v->v[i].latest);
        pb_free(v->v[i].review);
    }
    free(v->v);
    memset(v, 0, sizeof(*v));
}

static cJSON *or_null(cJSON *x, int absent)
{
    return absent ? cJSON_CreateNull() : x;
}

cJSON *view_request_json(const struct view_request *r)
{
    const Tz__ScreeningRequest *q = r->req;
    int open = q->review_id == 0;
    cJSON *o = cJSON_CreateObject();
    cJSON *latest = or_null(r->latest ? screen_summary_json(r->latest) : NULL,
                            r->latest == NULL);
    cJSON *review = or_null(r->review ? screen_review_json(r->review) : NULL,
                            r->review == NULL);
    cJSON *rid = open ? cJSON_CreateNull() : cJSON_CreateNumber((double)q->review_id);
    cJSON *closed = open ? cJSON_CreateNull() : cJSON_CreateNumber((double)q->closed_at);
    if (o == NULL || latest == NULL || review == NULL || rid == NULL || closed == NULL ||
        !cJSON_AddNumberToObject(o, "request_id", (double)q->request_id) ||
        !cJSON_AddNumberToObject(o, "system_id", (double)q->system_id) ||
        !cJSON_AddStringToObject(o, "system_name", r->system_name ? r->system_name : "") ||
        !cJSON_AddStringToObject(o, "dept", q->dept ? q->dept : "") ||
        !cJSON_AddStringToObject(o, "by", q->by ? q->by : "") ||
        !cJSON_AddNumberToObject(o, "at", (double)q->at) ||
        !cJSON_AddStringToObject(o, "note", q->note ? q->note : "") ||
        !cJSON_AddBoolToObject(o, "open", open)) {
        cJSON_Delete(o);
        cJSON_Delete(latest);
        cJSON_Delete(review);
        cJSON_Delete(rid);
        cJSON_Delete(closed);
        return NULL;
    }
    cJSON_AddItemToObject(o, "review_id", rid);
    cJSON_AddItemToObject(o, "closed_at", closed);
    cJSON_AddItemToObject(o, "latest_screening", latest);
    cJSON_AddItemToObject(o, "review", review);
    return o;
}
