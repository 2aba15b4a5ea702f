/* portal_routes — what each URL of tz-portal does.
 *
 *   GET  /                      login page (or to the ledger when logged in)
 *   POST /login, /logout        through the collector's control socket
 *   GET  /ledger[?dept=D]       the ledger; admins also get the departments
 *   GET  /systems/new           form to add a system (editors, admins)
 *   POST /systems               add it
 *   GET  /systems/ID            a system; POST: save its ledger fields
 *   GET  /dept[?dept=D]         the department's record (admins name D);
 *   POST /dept                  save it (its editors, admins)
 *   POST /systems/ID/screening-request   ask for a pre-launch screening
 *   GET  /screenings/ID         a stored screening: its printable report
 *   GET  /screening-requests    the network center's queue (admins)
 *   GET  /hosts, /hosts/ID[?q=] hosts, one host (package search)
 *   GET  /flags[?severity=&rule=]
 *   GET  /export.csv|.xlsx|.json[?dept=D]   portal_export.c
 *   GET  /report.html|.xlsx|.json?period=P[&dept=D], /school-report.*
 *                               the self-inspection report, the school
 *                               view (admins): portal_report.c
 *   GET  /api/v1/...            portal_api.c
 * Pages are rendered from portal_view.h, which filters by the person; a
 * system or host they may not see answers 404 like one that does not
 * exist. Every POST needs its form's CSRF token. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "dept_fields.h"
#include "flag_catalog.h"
#include "http_cookie.h"
#include "http_path.h"
#include "ledger_fields.h"
#include "pb_clone.h"
#include "people.h"
#include "portal.h"
#include "portal_api.h"
#include "portal_auth.h"
#include "portal_export.h"
#include "portal_report.h"
#include "portal_html.h"
#include "portal_i18n.h"
#include "portal_view.h"
#include "portal_view_screen.h"
#include "screen_render.h"
#include "tz_log.h"

#define T(en) tr(q->lang, en)

/* Hand a rendered buffer to the response. */
static void finish(struct portal_resp *r, struct html_buf *b, int status)
{
    char *body;
    size_t len;
    if (html_buf_take(b, &body, &len) != 0) {
        r->status = 500;
        r->content_type = "text/plain; charset=utf-8";
        r->body = strdup("the page could not be rendered\n");
        r->body_len = r->body ? strlen(r->body) : 0;
        return;
    }
    r->status = status;
    r->content_type = "text/html; charset=utf-8";
    r->body = body;
    r->body_len = len;
}

void portal_error(struct portal_req *q, struct portal_resp *r, int status,
                  const char *text)
{
    struct html_buf b;
    html_buf_init(&b, 0);
    html_error(&b, q, status, text);
    finish(r, &b, status);
}

static void redirect(struct portal_resp *r, const char *to)
{
    r->status = 303;
    snprintf(r->location, sizeof(r->location), "%s", to);
    r->content_type = "text/plain; charset=utf-8";
    r->body = strdup("see other\n");
    r->body_len = r->body ? strlen(r->body) : 0;
}

/* A register or collector failure: the person gets 503, the log the why. */
static void unavailable(struct portal_req *q, struct portal_resp *r,
                        const struct tz_error *err)
{
    tz_log(TZ_LOG_ERROR, "%s", err->msg);
    portal_error(q, r, 503, T("Service unavailable"));
}

static void view_failed(struct portal_req *q, struct portal_resp *r, int rc,
                        const struct tz_error *err)
{
    if (rc == TZ_ENOENT)
        portal_error(q, r, 404, T("The page or record does not exist, or it is not yours to see."));
    else
        unavailable(q, r, err);
}

static int secure(const struct portal *p, const struct portal_req *q)
{
    return p->cfg->secure_cookies == 1 || (p->cfg->secure_cookies < 0 && q->https);
}

/* Send c to the collector, as q's session when it has one; NULL (with a
 * 503 page in r) when the collector does not answer. The reply is the
 * caller's (tz__control_reply__free_unpacked). */
static Tz__ControlReply *ask_collector(struct portal *p, struct portal_req *q,
                                       struct portal_resp *r, Tz__ControlRequest *c)
{
    if (q->has_session) {
        c->session.data = q->session;
        c->session.len = sizeof(q->session);
    }
    Tz__ControlReply *a;
    struct tz_error err = {0};
    if (control_client_call(p->ctl, c, &a, &err) != 0) {
        unavailable(q, r, &err);
        return NULL;
    }
    return a;
}

/* ---- login, logout ---- */

static void login_page(struct portal *p, struct portal_req *q,
                       struct portal_resp *r, const char *error, int status)
{
    char v[33], csrf[PORTAL_CSRF_HEX];
    if (q->cookie == NULL ||
        http_cookie_find(q->cookie, strlen(q->cookie), PORTAL_PRELOGIN_COOKIE,
                         v, sizeof(v)) != 0 || strlen(v) != 32) {
        uint8_t raw[16];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(v, sizeof(v), raw, sizeof(raw));
        snprintf(r->set_cookie[0], sizeof(r->set_cookie[0]),
                 PORTAL_PRELOGIN_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
                 v, secure(p, q) ? "; Secure" : "");
    }
    portal_login_csrf(p, v, csrf);
    struct html_buf b;
    html_buf_init(&b, 0);
    html_login(&b, q, error, csrf);
    finish(r, &b, status);
}

static void do_login(struct portal *p, struct portal_req *q,
                     struct portal_resp *r)
{
    char v[33], csrf[PORTAL_CSRF_HEX];
    const char *given = q->form ? http_form_get(q->form, "csrf") : NULL;
    const char *token = q->form ? http_form_get(q->form, "token") : NULL;
    if (q->cookie == NULL ||
        http_cookie_find(q->cookie, strlen(q->cookie), PORTAL_PRELOGIN_COOKIE,
                         v, sizeof(v)) != 0 || given == NULL ||
        strlen(given) != PORTAL_CSRF_HEX - 1) {
        login_page(p, q, r, T("The login form expired; try again."), 403);
        return;
    }
    portal_login_csrf(p, v, csrf);
    if (sodium_memcmp(csrf, given, PORTAL_CSRF_HEX - 1) != 0) {
        login_page(p, q, r, T("The login form expired; try again."), 403);
        return;
    }
    Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlLogin l = TZ__CONTROL_LOGIN__INIT;
    l.token = (char *)(token ? token : "");
    l.create_session = 1;
    c.body_case = TZ__CONTROL_REQUEST__BODY_LOGIN;
    c.login = &l;
    Tz__ControlReply *a = ask_collector(p, q, r, &c);
    if (a == NULL)
        return;
    if (a->status != TZ__CONTROL_STATUS__CTL_OK || a->session.len != PEOPLE_SESSION_LEN) {
        int bad = a->status == TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED;
        tz__control_reply__free_unpacked(a, NULL);
        if (bad)
            login_page(p, q, r, T("Unknown or revoked token."), 403);
        else
            portal_error(q, r, 503, T("Service unavailable"));
        return;
    }
    char hex[2 * PEOPLE_SESSION_LEN + 1];
    sodium_bin2hex(hex, sizeof(hex), a->session.data, a->session.len);
    int64_t age = a->expires_at - (int64_t)time(NULL);
    snprintf(r->set_cookie[0], sizeof(r->set_cookie[0]),
             PORTAL_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; "
             "Max-Age=%" PRId64 "%s", hex, age > 0 ? age : 0,
             secure(p, q) ? "; Secure" : "");
    snprintf(r->set_cookie[1], sizeof(r->set_cookie[1]),
             PORTAL_PRELOGIN_COOKIE "=; Path=/; Max-Age=0");
    sodium_memzero(hex, sizeof(hex));
    tz__control_reply__free_unpacked(a, NULL);
    redirect(r, "/ledger");
}

static void do_logout(struct portal *p, struct portal_req *q,
                      struct portal_resp *r)
{
    if (q->has_session) {
        Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
        Tz__ControlLogout lo = TZ__CONTROL_LOGOUT__INIT;
        c.body_case = TZ__CONTROL_REQUEST__BODY_LOGOUT;
        c.logout = &lo;
        Tz__ControlReply *a = ask_collector(p, q, r, &c);
        if (a == NULL)
            return;
        tz__control_reply__free_unpacked(a, NULL);
    }
    snprintf(r->set_cookie[0], sizeof(r->set_cookie[0]),
             PORTAL_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    redirect(r, "/");
}

/* ---- pages ---- */

static const char *qarg(const struct portal_req *q, const char *name)
{
    const char *v = http_form_get(q->query, name);
    return v && v[0] ? v : NULL;
}

static void page_ledger(struct portal *p, struct portal_req *q,
                        struct portal_resp *r)
{
    struct view_scope s = {q->user, qarg(q, "dept")};
    cJSON *ledger = NULL, *summary = NULL;
    struct tz_error err = {0};
    int rc = q->user->role == TZ__ROLE__ROLE_ADMIN && s.dept == NULL
                 ? view_ledger_summary(p->reg, &s, &ledger, &summary, &err)
                 : view_ledger(p->reg, &s, 0, &ledger, &err);
    if (rc != 0) {
        cJSON_Delete(ledger);
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    /* A department user's ledger is its own, whatever ?dept= named: the
     * page does not repeat another department's name back. */
    int admin = q->user->role == TZ__ROLE__ROLE_ADMIN;
    html_ledger(&b, q, ledger, summary, admin ? s.dept : q->user->dept);
    cJSON_Delete(ledger);
    cJSON_Delete(summary);
    finish(r, &b, 200);
}

/* Which fields q's user may change on sys (for the form). */
static int editable_fields(const struct portal_req *q, const Tz__SystemRecord *sys,
                           int out[LF_COUNT])
{
    int any = 0;
    for (size_t i = 0; i < LF_COUNT; i++) {
        out[i] = q->has_session && people_may_edit(q->user, sys, &ledger_fields[i]);
        any |= out[i];
    }
    return any;
}

/* Screenings and review decisions a system page lists: the latest. */
#define PAGE_SCREENINGS 50

/* A system page. error: a refused save (shown above the form); req_error:
 * a refused screening request (shown at its form). typed: the form that
 * was refused, shown again. */
static void render_system(struct portal *p, struct portal_req *q,
                          struct portal_resp *r, uint64_t id, int status,
                          const char *notice, const char *error,
                          const struct http_form *typed, const char *req_error)
{
    struct view_scope s = {q->user, NULL};
    cJSON *sys;
    struct tz_error err = {0};
    int rc = view_system(p->reg, &s, id, &sys, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct view_screenings scr;
    const struct view_window w = {0, PAGE_SCREENINGS, 1};
    Tz__SystemRecord *rec = NULL;
    rc = view_system_screenings(p->reg, &s, id, &w, &scr, &err);
    if (rc == 0)
        rc = register_system_get(p->reg, id, &rec, &err);
    if (rc != 0) {
        cJSON_Delete(sys);
        view_screenings_free(&scr);
        view_failed(q, r, rc, &err);
        return;
    }
    int edit[LF_COUNT], any = editable_fields(q, rec, edit);
    const struct html_prelaunch pre = {
        .rec = rec, .v = &scr,
        .may_request = q->has_session && people_may_request_screening(q->user, rec) &&
                       strcmp(rec->status, "retired") != 0,
        .note = typed ? http_form_get(typed, "note") : NULL,
        .error = req_error};
    struct html_buf b;
    html_buf_init(&b, 0);
    html_system(&b, q, sys, any ? edit : NULL, notice, error, typed, &pre);
    cJSON_Delete(sys);
    view_screenings_free(&scr);
    ledger_record_free(rec);
    finish(r, &b, status);
}

/* A control answer as the page shows it: 0 when it went through. */
static int control_outcome(struct portal_req *q, struct portal_resp *r,
                           const Tz__ControlReply *a, int *status)
{
    switch (a->status) {
    case TZ__CONTROL_STATUS__CTL_OK:
        return 0;
    case TZ__CONTROL_STATUS__CTL_INVALID:
    case TZ__CONTROL_STATUS__CTL_BAD_REQUEST:
        *status = 400;
        return 1;
    case TZ__CONTROL_STATUS__CTL_CONFLICT:
        *status = 409;
        return 1;
    case TZ__CONTROL_STATUS__CTL_FORBIDDEN:
        portal_error(q, r, 403, a->message);
        return -1;
    case TZ__CONTROL_STATUS__CTL_NOT_FOUND:
        portal_error(q, r, 404, T("The page or record does not exist, or it is not yours to see."));
        return -1;
    case TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED:
        redirect(r, "/");
        return -1;
    default:
        portal_error(q, r, 503, T("Service unavailable"));
        return -1;
    }
}

/* The values of the form that change the record: a field whose typed text
 * parses to what is stored already is not sent (the form shows every field
 * the person may edit, and most are left as they were). */
static size_t changed_values(const Tz__SystemRecord *rec, const struct http_form *f,
                             Tz__LedgerValue *vals, Tz__LedgerValue **ptrs)
{
    size_t n = 0;
    char *before = malloc(LEDGER_FORMAT_MAX), *after = malloc(LEDGER_FORMAT_MAX);
    Tz__SystemRecord *copy = NULL;
    if (before && after)
        copy = pb_clone(&rec->base);
    for (size_t i = 0; copy && i < LF_COUNT; i++) {
        const char *v = http_form_get(f, ledger_fields[i].key);
        if (v == NULL)
            continue;
        char why[LEDGER_WHY];
        ledger_field_format(rec, ledger_fields[i].key, before, LEDGER_FORMAT_MAX);
        if (ledger_field_set(copy, ledger_fields[i].key, v, why, sizeof(why)) == 0) {
            ledger_field_format(copy, ledger_fields[i].key, after, LEDGER_FORMAT_MAX);
            if (strcmp(before, after) == 0)
                continue;
        }
        /* changed, or refused: the collector says why in its words */
        tz__ledger_value__init(&vals[n]);
        vals[n].field = (char *)ledger_fields[i].key;
        vals[n].value = (char *)v;
        ptrs[n] = &vals[n];
        n++;
    }
    if (copy)
        tz__system_record__free_unpacked(copy, NULL);
    free(before);
    free(after);
    return n;
}

/* System id as the person may see it, or NULL having answered (404 for
 * another department's, exactly as for one that does not exist). Free
 * with ledger_record_free. */
static Tz__SystemRecord *visible_system(struct portal *p, struct portal_req *q,
                                        struct portal_resp *r, uint64_t id)
{
    struct tz_error err = {0};
    Tz__SystemRecord *rec;
    int rc = register_system_get(p->reg, id, &rec, &err);
    if (rc == 0 && !people_may_see(q->user, rec->dept)) {
        ledger_record_free(rec);
        rc = TZ_ENOENT;
    }
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return NULL;
    }
    return rec;
}

static void save_system(struct portal *p, struct portal_req *q,
                        struct portal_resp *r, uint64_t id)
{
    Tz__SystemRecord *rec = visible_system(p, q, r, id);
    if (rec == NULL)
        return;
    Tz__LedgerValue vals[LF_COUNT], *ptrs[LF_COUNT];
    size_t n = changed_values(rec, q->form, vals, ptrs);
    ledger_record_free(rec);
    if (n == 0) {
        /* Nothing changed: the same redirect as a save, so that reloading
         * the page does not post the form again. */
        char to[64];
        snprintf(to, sizeof(to), "/systems/%" PRIu64 "?saved=1", id);
        redirect(r, to);
        return;
    }
    const char *since = http_form_get(q->form, "revision");
    uint64_t revision;
    if (since == NULL || http_path_id(since, &revision) != 0) {
        /* The form always carries it: without, a save could undo another's. */
        portal_error(q, r, 400, "revision: the form's record revision is missing");
        return;
    }
    Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemSet set = TZ__CONTROL_SYSTEM_SET__INIT;
    set.system_id = id;
    set.values = ptrs;
    set.n_values = n;
    set.if_revision = revision;
    c.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_SET;
    c.system_set = &set;
    Tz__ControlReply *a = ask_collector(p, q, r, &c);
    if (a == NULL)
        return;
    int status = 200;
    int out = control_outcome(q, r, a, &status);
    if (out == 0) {
        char to[64];
        snprintf(to, sizeof(to), "/systems/%" PRIu64 "?saved=1", id);
        redirect(r, to);
    } else if (out > 0) {
        const char *msg = a->status == TZ__CONTROL_STATUS__CTL_CONFLICT &&
                                  strstr(a->message, "changed by someone")
                              ? T("Someone changed this system meanwhile; reload it and try again.")
                              : a->message;
        render_system(p, q, r, id, status, NULL, msg, q->form, NULL);
    }
    tz__control_reply__free_unpacked(a, NULL);
}

static void add_system(struct portal *p, struct portal_req *q,
                       struct portal_resp *r)
{
    Tz__LedgerValue vals[LF_COUNT], *ptrs[LF_COUNT];
    size_t n = 0;
    for (size_t i = 0; i < LF_COUNT; i++) {
        const char *v = http_form_get(q->form, ledger_fields[i].key);
        if (v == NULL || v[0] == '\0')
            continue;
        tz__ledger_value__init(&vals[n]);
        vals[n].field = (char *)ledger_fields[i].key;
        vals[n].value = (char *)v;
        ptrs[n] = &vals[n];
        n++;
    }
    Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemAdd add = TZ__CONTROL_SYSTEM_ADD__INIT;
    add.values = ptrs;
    add.n_values = n;
    c.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_ADD;
    c.system_add = &add;
    Tz__ControlReply *a = ask_collector(p, q, r, &c);
    if (a == NULL)
        return;
    int status = 200;
    int out = control_outcome(q, r, a, &status);
    if (out == 0) {
        char to[64];
        snprintf(to, sizeof(to), "/systems/%" PRIu64 "?saved=1", a->system_id);
        redirect(r, to);
    } else if (out > 0) {
        struct html_buf b;
        html_buf_init(&b, 0);
        html_system_new(&b, q, a->message, q->form);
        finish(r, &b, status);
    }
    tz__control_reply__free_unpacked(a, NULL);
}

/* ---- the department's record ---- */

/* The department a request is about: a department user's own, whatever
 * ?dept= or the form named (another department is then a 404, as a
 * system of it is); an admin's the one named. */
static const char *dept_of(const struct portal_req *q, const char *named)
{
    if (q->user->role == TZ__ROLE__ROLE_ADMIN)
        return named;
    if (named && strcmp(named, q->user->dept) != 0)
        return NULL;
    return q->user->dept;
}

static void render_dept(struct portal *p, struct portal_req *q,
                        struct portal_resp *r, const char *dept, int status,
                        const char *notice, const char *error,
                        const struct http_form *typed)
{
    struct view_scope sc = {q->user, dept};
    cJSON *d;
    struct tz_error err = {0};
    int rc = view_dept(p->reg, &sc, dept, &d, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    html_dept(&b, q, d, q->has_session && people_may_edit_dept(q->user, dept),
              notice, error, typed);
    cJSON_Delete(d);
    finish(r, &b, status);
}

/* A textarea's note as one paragraph: each run of line breaks (a browser
 * sends CRLF), tabs and spaces becomes one space, the ends trimmed. What
 * else the note holds is the collector's to judge. NULL on ENOMEM. */
static char *one_paragraph(const char *in)
{
    char *out = malloc(strlen(in) + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *c = in; *c; c++) {
        int blank = *c == '\r' || *c == '\n' || *c == '\t' || *c == ' ';
        if (!blank)
            *o++ = *c;
        else if (o > out && o[-1] != ' ')
            *o++ = ' ';
    }
    while (o > out && o[-1] == ' ')
        o--;
    *o = '\0';
    return out;
}

/* POST /systems/ID/screening-request: 上线申请 through the collector. */
static void request_screening(struct portal *p, struct portal_req *q,
                              struct portal_resp *r, uint64_t id)
{
    Tz__SystemRecord *rec = visible_system(p, q, r, id);
    if (rec == NULL)
        return;
    ledger_record_free(rec);
    const char *typed = http_form_get(q->form, "note");
    char *note = one_paragraph(typed ? typed : "");
    if (note == NULL) {
        portal_error(q, r, 503, T("Service unavailable"));
        return;
    }
    Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlScreeningRequest sr = TZ__CONTROL_SCREENING_REQUEST__INIT;
    sr.system_id = id;
    sr.note = note;
    c.body_case = TZ__CONTROL_REQUEST__BODY_SCREENING_REQUEST;
    c.screening_request = &sr;
    Tz__ControlReply *a = ask_collector(p, q, r, &c);
    free(note);
    if (a == NULL)
        return;
    int status = 200;
    int out = control_outcome(q, r, a, &status);
    if (out == 0) {
        char to[80];
        snprintf(to, sizeof(to), "/systems/%" PRIu64 "?requested=1", id);
        redirect(r, to);
    } else if (out > 0) {
        /* A conflict: someone asked first; the open request shows below. */
        const char *msg = a->status == TZ__CONTROL_STATUS__CTL_CONFLICT
                              ? T("This system's screening is already asked for; "
                                  "the network center's review decision closes the request.")
                              : a->message;
        render_system(p, q, r, id, status, NULL, NULL, q->form, msg);
    }
    tz__control_reply__free_unpacked(a, NULL);
}

/* The printable report screen_render writes is at most this big. */
#define SCREENING_PAGE_MAX ((size_t)32 << 20)

/* GET /screenings/ID: the stored screening as its printable HTML report. */
static void page_screening(struct portal *p, struct portal_req *q,
                           struct portal_resp *r, uint64_t id)
{
    struct view_scope s = {q->user, NULL};
    Tz__Screening *sc;
    struct tz_error err = {0};
    int rc = view_screening(p->reg, &s, id, &sc, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    rc = f ? screen_render_lang(sc, SCREEN_HTML,
                                q->lang == HTTP_LANG_EN ? "en" : "zh", f, &err)
           : TZ_ENOMEM;
    if (f && fclose(f) != 0 && rc == 0)
        rc = TZ_ENOMEM;
    protobuf_c_message_free_unpacked(&sc->base, NULL);
    if (rc == 0 && len > SCREENING_PAGE_MAX)
        rc = tz_err(&err, TZ_ELIMIT, NULL, 0, "screening %" PRIu64 ": its report "
                    "is over %zu bytes", id, SCREENING_PAGE_MAX);
    if (rc != 0) {
        free(body);
        if (rc == TZ_ENOMEM)
            tz_err(&err, rc, NULL, 0, "screening %" PRIu64 ": out of memory", id);
        unavailable(q, r, &err);
        return;
    }
    r->status = 200;
    r->content_type = "text/html; charset=utf-8";
    r->body = body;
    r->body_len = len;
}

/* Requests the queue page lists: all open ones and the latest closed. */
#define PAGE_REQUESTS 500

static void page_requests(struct portal *p, struct portal_req *q,
                          struct portal_resp *r)
{
    if (!people_may_see_queue(q->user)) {
        portal_error(q, r, 403, T("Only the network center sees the screening requests."));
        return;
    }
    struct view_scope s = {q->user, qarg(q, "dept")};
    struct view_requests v;
    struct tz_error err = {0};
    int rc = view_screening_requests(p->reg, &s, 0, PAGE_REQUESTS, &v, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    html_screening_requests(&b, q, &v);
    view_requests_free(&v);
    finish(r, &b, 200);
}

/* The form's values that change the record (as changed_values does for
 * a system): unchanged fields are not sent. */
static size_t changed_dept_values(const Tz__DeptRecord *rec,
                                  const struct http_form *f,
                                  Tz__LedgerValue *vals, Tz__LedgerValue **ptrs)
{
    size_t n = 0;
    for (size_t i = 0; i < DF_COUNT; i++) {
        const char *v = http_form_get(f, dept_fields[i].key);
        if (v == NULL)
            continue;
        char before[DEPT_FORMAT_MAX], after[DEPT_FORMAT_MAX], why[DEPT_WHY];
        /* a heap record with empty defaults, so free_unpacked frees what
         * dept_field_set puts in it */
        Tz__DeptRecord *one = tz__dept_record__unpack(NULL, 0, (const uint8_t *)"");
        dept_field_format(rec, dept_fields[i].key, before, sizeof(before));
        int same = 0;
        if (one && dept_field_set(one, dept_fields[i].key, v, why, sizeof(why)) == 0) {
            dept_field_format(one, dept_fields[i].key, after, sizeof(after));
            same = strcmp(before, after) == 0;
        }
        if (one)
            tz__dept_record__free_unpacked(one, NULL);
        if (same)
            continue;
        tz__ledger_value__init(&vals[n]);
        vals[n].field = (char *)dept_fields[i].key;
        vals[n].value = (char *)v;
        ptrs[n] = &vals[n];
        n++;
    }
    return n;
}

static void save_dept(struct portal *p, struct portal_req *q,
                      struct portal_resp *r)
{
    const char *dept = dept_of(q, q->form ? http_form_get(q->form, "dept") : NULL);
    struct tz_error err = {0};
    Tz__DeptRecord *rec = NULL;
    int rc = dept && people_may_see(q->user, dept)
                 ? register_dept_get(p->reg, dept, &rec, &err)
                 : TZ_ENOENT;
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    Tz__LedgerValue vals[DF_COUNT], *ptrs[DF_COUNT];
    size_t n = changed_dept_values(rec, q->form, vals, ptrs);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    char to[sizeof(r->location)];
    struct html_buf u;
    html_buf_init(&u, sizeof(to));
    html_buf_puts(&u, "/dept?saved=1&dept=");
    html_buf_url(&u, dept, strlen(dept));
    /* A department user's page is theirs without naming it; a name too
     * long for a Location header falls back to that too. */
    snprintf(to, sizeof(to), "%s",
             q->user->role == TZ__ROLE__ROLE_ADMIN && u.data &&
                     !html_buf_error(&u) && u.len < sizeof(r->location)
                 ? u.data
                 : "/dept?saved=1");
    html_buf_free(&u);
    if (n == 0) {
        redirect(r, to);
        return;
    }
    const char *since = http_form_get(q->form, "revision");
    uint64_t revision = 0;
    if (since == NULL || (strcmp(since, "0") != 0 &&
                          http_path_id(since, &revision) != 0)) {
        /* The form always carries it: without, a save could undo another's. */
        portal_error(q, r, 400, "revision: the form's record revision is missing");
        return;
    }
    Tz__ControlRequest c = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlDeptSet set = TZ__CONTROL_DEPT_SET__INIT;
    set.dept = (char *)dept;
    set.values = ptrs;
    set.n_values = n;
    set.if_revision = revision;
    set.check_revision = 1;
    c.body_case = TZ__CONTROL_REQUEST__BODY_DEPT_SET;
    c.dept_set = &set;
    Tz__ControlReply *a = ask_collector(p, q, r, &c);
    if (a == NULL)
        return;
    int status = 200;
    int out = control_outcome(q, r, a, &status);
    if (out == 0) {
        redirect(r, to);
    } else if (out > 0) {
        const char *msg = a->status == TZ__CONTROL_STATUS__CTL_CONFLICT
                              ? T("Someone changed this record meanwhile; reload it and try again.")
                              : a->message;
        render_dept(p, q, r, dept, status, NULL, msg, q->form);
    }
    tz__control_reply__free_unpacked(a, NULL);
}

static void page_hosts(struct portal *p, struct portal_req *q,
                       struct portal_resp *r)
{
    struct view_scope s = {q->user, qarg(q, "dept")};
    cJSON *hosts;
    struct tz_error err = {0};
    int rc = view_hosts(p->reg, &s, &hosts, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    html_hosts(&b, q, hosts);
    cJSON_Delete(hosts);
    finish(r, &b, 200);
}

static void page_host(struct portal *p, struct portal_req *q,
                      struct portal_resp *r, uint64_t id)
{
    struct view_scope s = {q->user, NULL};
    cJSON *host;
    struct tz_error err = {0};
    const char *pq = qarg(q, "q");
    int rc = view_host(p->reg, &s, id, pq, &host, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    html_host(&b, q, host, pq);
    cJSON_Delete(host);
    finish(r, &b, 200);
}

int portal_flag_filter(const struct portal_req *q, struct view_flag_filter *f)
{
    memset(f, 0, sizeof(*f));
    const char *sev = qarg(q, "severity");
    if (sev) {
        int v = severity_lookup(sev);
        if (v < 0)
            return TZ_EINVAL;
        f->min_severity = v;
    }
    f->rule = qarg(q, "rule");
    return 0;
}

static void page_flags(struct portal *p, struct portal_req *q,
                       struct portal_resp *r)
{
    struct view_flag_filter f;
    if (portal_flag_filter(q, &f) != 0) {
        portal_error(q, r, 400, "severity: high, medium or low");
        return;
    }
    struct view_scope s = {q->user, qarg(q, "dept")};
    cJSON *flags;
    struct tz_error err = {0};
    int rc = view_flags(p->reg, &s, &f, &flags, &err);
    if (rc != 0) {
        view_failed(q, r, rc, &err);
        return;
    }
    struct html_buf b;
    html_buf_init(&b, 0);
    html_flags(&b, q, flags, qarg(q, "severity"), f.rule);
    cJSON_Delete(flags);
    finish(r, &b, 200);
}

/* ---- dispatch ---- */

static int is(const struct http_path *path, size_t n, const char *a, const char *b)
{
    return path->n == n && strcmp(path->seg[0], a) == 0 &&
           (n < 2 || b == NULL || strcmp(path->seg[1], b) == 0);
}

void portal_route(struct portal *p, struct portal_req *q, struct portal_resp *r)
{
    struct http_path path;
    struct tz_error err = {0};
    if (http_path_split(q->path, q->path_len, &path, &err) != 0) {
        portal_error(q, r, 400, err.msg);
        return;
    }
    if (path.n >= 1 && strcmp(path.seg[0], "api") == 0) {
        portal_api(p, q, &path, r);
        return;
    }
    int get = q->method == PM_GET || q->method == PM_HEAD;
    int post = q->method == PM_POST;
    if (!get && !post) {
        portal_error(q, r, 405, "GET or POST");
        return;
    }
    if (path.n == 0 && get) {
        if (q->user)
            redirect(r, "/ledger");
        else
            login_page(p, q, r, NULL, 200);
        return;
    }
    if (is(&path, 1, "login", NULL) && post) {
        do_login(p, q, r);
        return;
    }
    if (q->user == NULL) {
        /* Not logged in (or the session ended): back to the login page. */
        redirect(r, "/");
        return;
    }
    if (post && !portal_csrf_ok(q, q->form ? http_form_get(q->form, "csrf") : NULL)) {
        portal_error(q, r, 403, T("This form expired; reload the page and try again."));
        return;
    }
    uint64_t id = 0;
    if (path.n >= 2 && http_path_id(path.seg[1], &id) != 0)
        id = 0;
    if (is(&path, 1, "logout", NULL) && post)
        do_logout(p, q, r);
    else if (is(&path, 1, "ledger", NULL) && get)
        page_ledger(p, q, r);
    else if (is(&path, 2, "systems", "new") && get) {
        if (q->user->role == TZ__ROLE__ROLE_VIEWER) {
            portal_error(q, r, 403, T("Only editors change the ledger."));
        } else {
            struct html_buf b;
            html_buf_init(&b, 0);
            html_system_new(&b, q, NULL, NULL);
            finish(r, &b, 200);
        }
    } else if (is(&path, 1, "systems", NULL) && post)
        add_system(p, q, r);
    else if (is(&path, 2, "systems", NULL) && id && get)
        render_system(p, q, r, id, 200,
                      qarg(q, "saved") ? T("Saved.")
                      : qarg(q, "requested") ? T("Request sent.") : NULL,
                      NULL, NULL, NULL);
    else if (is(&path, 2, "systems", NULL) && id && post)
        save_system(p, q, r, id);
    else if (is(&path, 1, "dept", NULL) && get) {
        const char *d = dept_of(q, qarg(q, "dept"));
        if (d == NULL || d[0] == '\0')
            portal_error(q, r, 404, T("The page or record does not exist, or it is not yours to see."));
        else
            render_dept(p, q, r, d, 200, qarg(q, "saved") ? T("Saved.") : NULL,
                        NULL, NULL);
    } else if (is(&path, 1, "dept", NULL) && post)
        save_dept(p, q, r);
    else if (path.n == 3 && strcmp(path.seg[0], "systems") == 0 && id &&
             strcmp(path.seg[2], "screening-request") == 0 && post)
        request_screening(p, q, r, id);
    else if (is(&path, 2, "screenings", NULL) && id && get)
        page_screening(p, q, r, id);
    else if (is(&path, 1, "screening-requests", NULL) && get)
        page_requests(p, q, r);
    else if (is(&path, 1, "hosts", NULL) && get)
        page_hosts(p, q, r);
    else if (is(&path, 2, "hosts", NULL) && id && get)
        page_host(p, q, r, id);
    else if (is(&path, 1, "flags", NULL) && get)
        page_flags(p, q, r);
    else if (path.n == 1 && get && strncmp(path.seg[0], "export.", 7) == 0)
        portal_export(p, q, path.seg[0] + 7, r);
    else if (path.n == 1 && get && strncmp(path.seg[0], "report.", 7) == 0)
        portal_report(p, q, path.seg[0] + 7, 0, r);
    else if (path.n == 1 && get &&
             strncmp(path.seg[0], "school-report.", 14) == 0)
        portal_report(p, q, path.seg[0] + 14, 1, r);
    else
        portal_error(q, r, 404, T("The page or record does not exist, or it is not yours to see."));
}
