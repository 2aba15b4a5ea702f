/* control — requests from the portal: authenticate, authorise, write. */
#include "control.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "dept_fields.h"
#include "flags_scope.h"
#include "ledger_fields.h"
#include "operator.h"
#include "publish.h"
#include "people.h"
#include "tz_log.h"
#include "utf8.h"

/* ---- one request ---- */

struct answer {
    Tz__ControlReply r;
    Tz__ControlUser user;
    char msg[LEDGER_WHY + 128];
    uint8_t session[PEOPLE_SESSION_LEN];
    uint8_t request_id[16];
};

static int answer(struct answer *a, Tz__ControlStatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int answer(struct answer *a, Tz__ControlStatus st, const char *fmt, ...)
{
    a->r.status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->r.message = a->msg;
    return st == TZ__CONTROL_STATUS__CTL_OK ? 0 : -1;
}

/* A register error as the status the person gets. */
static int store_failed(struct answer *a, int rc, const struct tz_error *err)
{
    Tz__ControlStatus st;
    switch (rc) {
    case TZ_ENOENT: st = TZ__CONTROL_STATUS__CTL_NOT_FOUND; break;
    case TZ_EINVAL: st = TZ__CONTROL_STATUS__CTL_INVALID; break;
    case TZ_EEXIST:
    case TZ_ECHANGED: st = TZ__CONTROL_STATUS__CTL_CONFLICT; break;
    case TZ_EPERM: st = TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED; break;
    default: st = TZ__CONTROL_STATUS__CTL_ERROR; break;
    }
    if (st == TZ__CONTROL_STATUS__CTL_ERROR)
        tz_log(TZ_LOG_ERROR, "control: %s", err->msg);
    return answer(a, st, "%s", st == TZ__CONTROL_STATUS__CTL_ERROR
                                   ? "the register could not be written; try again later"
                                   : err->msg);
}

static void set_user(struct answer *a, const Tz__UserRecord *u)
{
    tz__control_user__init(&a->user);
    a->user.name = u->name;
    a->user.role = u->role;
    a->user.dept = u->dept;
    a->r.user = &a->user;
}

/* The operator as a user record: an admin of that name, made here. */
static int operator_user(const Tz__ControlRequest *q, Tz__UserRecord **u)
{
    Tz__UserRecord *r = malloc(sizeof(*r));
    if (r == NULL)
        return TZ_ENOMEM;
    tz__user_record__init(r);
    r->role = TZ__ROLE__ROLE_ADMIN;
    r->name = strndup(q->operator_, TZ_MAX_NAME);
    r->dept = strdup("");
    if (r->name == NULL || r->dept == NULL) {
        protobuf_c_message_free_unpacked(&r->base, NULL);
        return TZ_ENOMEM;
    }
    *u = r;
    return 0;
}

/* The user behind the request's credential: the operator's MAC, its
 * session, else its token. */
static int who(const struct control_ctx *cx, const Tz__ControlRequest *q,
               int64_t now, Tz__UserRecord **u, struct answer *a)
{
    struct tz_error err = {0};
    int rc;
    if (q->operator_mac.len) {
        if (!operator_verify(cx->operator_key, q, now))
            return answer(a, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED,
                          "operator request not signed with this collector's key "
                          "(or older than %d s)", OPERATOR_MAX_AGE);
        if (operator_user(q, u) != 0)
            return answer(a, TZ__CONTROL_STATUS__CTL_ERROR, "out of memory");
        return 0;
    }
    if (q->session.len == PEOPLE_SESSION_LEN)
        rc = people_session_user(cx->reg, q->session.data, now, u, &err);
    else if (q->session.len == 0 && q->token && q->token[0])
        rc = people_login_token(cx->reg, cx->hash_key, q->token, u, &err);
    else
        return answer(a, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED,
                      "no session or token in the request");
    return rc ? store_failed(a, rc, &err) : 0;
}

static int do_login(const struct control_ctx *cx, const Tz__ControlLogin *l,
                    int64_t now, struct answer *a, Tz__UserRecord **u)
{
    struct tz_error err = {0};
    int rc = people_login_token(cx->reg, cx->hash_key, l->token, u, &err);
    if (rc != 0)
        return store_failed(a, rc, &err);
    set_user(a, *u);
    if (l->create_session) {
        int64_t expires;
        rc = people_session_start(cx->reg, *u, now,
                                  cx->session_hours ? cx->session_hours
                                                    : PEOPLE_SESSION_HOURS_DEFAULT,
                                  a->session, &expires, &err);
        if (rc != 0)
            return store_failed(a, rc, &err);
        a->r.session.data = a->session;
        a->r.session.len = sizeof(a->session);
        a->r.expires_at = expires;
        tz_log(TZ_LOG_INFO, "control: %s logged in", (*u)->name);
    }
    return answer(a, TZ__CONTROL_STATUS__CTL_OK, "ok");
}

static int do_logout(const struct control_ctx *cx, const Tz__ControlRequest *q,
                     struct answer *a)
{
    uint8_t key[32];
    struct tz_error err = {0};
    people_session_key(q->session.data, key);
    int rc = register_session_delete(cx->reg, key, &err);
    if (rc != 0 && rc != TZ_ENOENT)
        return store_failed(a, rc, &err);
    return answer(a, TZ__CONTROL_STATUS__CTL_OK, "logged out");
}

/* Apply values to rec as u may; the message names the field as tzctl does
 * ("负责人 (owner): ..."). */
static int apply(const Tz__UserRecord *u, Tz__SystemRecord *rec,
                 Tz__LedgerValue **v, size_t n, struct answer *a)
{
    if (n == 0 || n > LF_COUNT)
        return answer(a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
                      "1..%d fields per change", LF_COUNT);
    for (size_t i = 0; i < n; i++) {
        const struct ledger_field *f = ledger_field_find(v[i]->field);
        if (f == NULL)
            return answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                          "unknown field \"%.64s\"", v[i]->field);
        if (!people_may_edit(u, rec, f))
            return answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                          u->role == TZ__ROLE__ROLE_EDITOR
                              ? "%s (%s): only the network center may change it"
                              : "%s (%s): a viewer reads the ledger; the "
                                "department's editors change it",
                          f->label, f->key);
        char why[LEDGER_WHY] = "";
        int rc = ledger_field_set(rec, f->key, v[i]->value, why, sizeof(why));
        if (rc == TZ_ENOMEM)
            return answer(a, TZ__CONTROL_STATUS__CTL_ERROR, "out of memory");
        if (rc != 0)
            return answer(a, TZ__CONTROL_STATUS__CTL_INVALID, "%s (%s): %s",
                          f->label, f->key, why);
    }
    return 0;
}

/* Re-evaluate the flags a ledger change may have moved. */
static void reflag(const struct control_ctx *cx, const struct flags_scope *before,
                   int64_t now)
{
    struct tz_error err = {0};
    struct flags_scope_stats st;
    if (cx->rules && before &&
        flags_scope_update(cx->reg, cx->rules, before, now, &st, &err) != 0)
        tz_log(TZ_LOG_ERROR, "control: flags after a ledger change: %s",
               err.msg);
}

static int do_system_set(const struct control_ctx *cx, const Tz__UserRecord *u,
                         const Tz__ControlSystemSet *s, const char *q_via,
                         int64_t now, struct answer *a)
{
    struct tz_error err = {0};
    Tz__SystemRecord *rec;
    int rc = register_system_get(cx->reg, s->system_id, &rec, &err);
    if (rc == TZ_ENOENT || (rc == 0 && !people_may_see(u, rec->dept))) {
        /* Another department's system is answered as one that does not
         * exist: its id tells nothing. */
        if (rc == 0)
            ledger_record_free(rec);
        return answer(a, TZ__CONTROL_STATUS__CTL_NOT_FOUND,
                      "no system with id %" PRIu64, s->system_id);
    }
    if (rc != 0)
        return store_failed(a, rc, &err);
    rc = apply(u, rec, s->values, s->n_values, a);
    if (rc == 0) {
        struct flags_scope *before = NULL;
        if (cx->rules && flags_scope_take(cx->reg, &before, &err) != 0)
            before = NULL;
        const struct register_actor by = {u->name, q_via};
        rc = register_system_put(cx->reg, rec, now, s->if_revision, &by, &err);
        if (rc != 0) {
            store_failed(a, rc, &err);
        } else {
            reflag(cx, before, now);
            a->r.system_id = rec->system_id;
            answer(a, TZ__CONTROL_STATUS__CTL_OK, "updated");
            tz_log(TZ_LOG_INFO, "control: %s updated system %" PRIu64,
                   u->name, rec->system_id);
        }
        flags_scope_free(before);
    }
    ledger_record_free(rec);
    return rc;
}

/* A department's responsibility record: its editors and admins. Another
 * department is answered as one that does not exist. */
static int do_dept_set(const struct control_ctx *cx, const Tz__UserRecord *u,
                       const Tz__ControlDeptSet *s, const char *q_via,
                       int64_t now, struct answer *a)
{
    const char *dept = s->dept ? s->dept : "";
    if (!people_may_see(u, dept))
        return answer(a, TZ__CONTROL_STATUS__CTL_NOT_FOUND,
                      "no department \"%.256s\"", dept);
    if (!people_may_edit_dept(u, dept))
        return answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                      "a viewer reads the department's record; its editors "
                      "change it");
    if (s->n_values == 0 || s->n_values > DF_COUNT)
        return answer(a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
                      "1..%d fields per change", DF_COUNT);
    struct tz_error err = {0};
    Tz__DeptRecord *rec;
    int rc = register_dept_get(cx->reg, dept, &rec, &err);
    if (rc == TZ_ENOENT)
        return answer(a, TZ__CONTROL_STATUS__CTL_NOT_FOUND,
                      "no department \"%.256s\"", dept);
    if (rc != 0)
        return store_failed(a, rc, &err);
    for (size_t i = 0; rc == 0 && i < s->n_values; i++) {
        const Tz__LedgerValue *v = s->values[i];
        const struct dept_field *f = dept_field_find(v->field);
        char why[DEPT_WHY] = "";
        if (f == NULL) {
            rc = answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                        "unknown field \"%.64s\"", v->field);
            break;
        }
        int r = dept_field_set(rec, f->key, v->value, why, sizeof(why));
        if (r == TZ_ENOMEM)
            rc = answer(a, TZ__CONTROL_STATUS__CTL_ERROR, "out of memory");
        else if (r != 0)
            rc = answer(a, TZ__CONTROL_STATUS__CTL_INVALID, "%s (%s): %s",
                        f->label, f->key, why);
    }
    if (rc == 0) {
        const struct register_actor by = {u->name, q_via};
        rc = register_dept_put(cx->reg, rec, now,
                               s->check_revision ? &s->if_revision : NULL,
                               &by, &err);
        if (rc != 0) {
            store_failed(a, rc, &err);
        } else {
            answer(a, TZ__CONTROL_STATUS__CTL_OK, "updated");
            tz_log(TZ_LOG_INFO, "control: %s updated department %s", u->name,
                   rec->name);
        }
    }
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc;
}

static int do_system_add(const struct control_ctx *cx, const Tz__UserRecord *u,
                         const Tz__ControlSystemAdd *s, const char *q_via,
                         int64_t now, struct answer *a)
{
    Tz__SystemRecord *rec = ledger_record_new();
    if (rec == NULL)
        return answer(a, TZ__CONTROL_STATUS__CTL_ERROR, "out of memory");
    /* A department's system is born in that department: 所属单位 is set
     * first, so people_may_edit judges every other field against it. */
    int rc = 0;
    char why[LEDGER_WHY] = "";
    if (u->role != TZ__ROLE__ROLE_ADMIN &&
        ledger_field_set(rec, "dept", u->dept, why, sizeof(why)) != 0)
        rc = answer(a, TZ__CONTROL_STATUS__CTL_ERROR, "%s", why);
    /* 所属单位 goes first (an admin names it; a department user may only
     * name its own), so people_may_edit judges the rest against it. */
    Tz__LedgerValue *keep[LF_COUNT];
    size_t nk = 0;
    if (s->n_values > LF_COUNT)
        rc = answer(a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
                    "1..%d fields per change", LF_COUNT);
    for (size_t i = 0; rc == 0 && i < s->n_values; i++) {
        const Tz__LedgerValue *v = s->values[i];
        const struct ledger_field *f = ledger_field_find(v->field);
        if (f == NULL || f->id != LF_DEPT)
            keep[nk++] = s->values[i];
        else if (u->role == TZ__ROLE__ROLE_ADMIN) {
            if (ledger_field_set(rec, "dept", v->value, why, sizeof(why)) != 0)
                rc = answer(a, TZ__CONTROL_STATUS__CTL_INVALID, "%s (%s): %s",
                            f->label, f->key, why);
        } else if (strcmp(v->value, u->dept) != 0) {
            rc = answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                        "%s (%s): a department adds systems to itself only",
                        f->label, f->key);
        }
    }
    if (rc == 0 && nk > 0)
        rc = apply(u, rec, keep, nk, a);
    if (rc == 0 && !people_may_add(u, rec->dept))
        rc = answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                    "only editors add systems, to their own department");
    if (rc == 0) {
        struct tz_error err = {0};
        struct flags_scope *before = NULL;
        if (cx->rules && flags_scope_take(cx->reg, &before, &err) != 0)
            before = NULL;
        const struct register_actor by = {u->name, q_via};
        uint64_t id;
        rc = register_system_add(cx->reg, rec, now, &by, &id, &err);
        if (rc != 0) {
            store_failed(a, rc, &err);
        } else {
            reflag(cx, before, now);
            a->r.system_id = id;
            answer(a, TZ__CONTROL_STATUS__CTL_OK, "added");
            tz_log(TZ_LOG_INFO, "control: %s added system %" PRIu64, u->name, id);
        }
        flags_scope_free(before);
    }
    ledger_record_free(rec);
    return rc;
}

/* Ask agents to collect now: the network center's (admins, the operator). */
static int do_collect_now(const struct control_ctx *cx, const Tz__UserRecord *u,
                          const Tz__ControlCollectNow *c, int64_t now,
                          struct answer *a)
{
    if (u->role != TZ__ROLE__ROLE_ADMIN)
        return answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                      "only the network center asks hosts to collect now");
    if (cx->pub == NULL)
        return answer(a, TZ__CONTROL_STATUS__CTL_ERROR,
                      "this collector does not publish \"collect now\" (publish =)");
    if (c->n_agent_ids == 0 || c->n_agent_ids > CONTROL_MAX_COLLECT)
        return answer(a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
                      "1..%d hosts per request", CONTROL_MAX_COLLECT);
    randombytes_buf(a->request_id, sizeof(a->request_id));
    size_t sent = 0;
    struct tz_error err = {0};
    int rc = publisher_collect_now(cx->pub, cx->reg, c->agent_ids, c->n_agent_ids,
                                   now, a->request_id, &sent, &err);
    if (rc != 0)
        return store_failed(a, rc, &err);
    a->r.collect_request_id.data = a->request_id;
    a->r.collect_request_id.len = sizeof(a->request_id);
    a->r.published = (uint32_t)sent;
    tz_log(TZ_LOG_INFO, "control: %s asked %zu host(s) to collect now", u->name, sent);
    return answer(a, TZ__CONTROL_STATUS__CTL_OK, "published to %zu host(s)", sent);
}

/* The open screening request of a system, if any (register walk). */
struct open_request {
    uint64_t system_id;
    uint64_t id;
    char by[TZ_MAX_NAME + 1];
};

static int find_open_request(const Tz__ScreeningRequest *r, void *arg)
{
    struct open_request *o = arg;
    if (r->system_id != o->system_id || r->review_id != 0)
        return 0;
    o->id = r->request_id;
    snprintf(o->by, sizeof(o->by), "%s", r->by ? r->by : "");
    return 1;   /* found: stop the walk */
}

/* A note is one paragraph a person typed: bounded, text, no line breaks. */
static int note_check(const char *note, struct answer *a)
{
    size_t n = strlen(note);
    uint32_t cp = 0;
    if (n > CONTROL_MAX_NOTE)
        return answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                      "note: at most %d bytes (this one has %zu)",
                      CONTROL_MAX_NOTE, n);
    switch (tz_text_check(note, n, &cp)) {
    case TZ_TEXT_OK:
        return 0;
    case TZ_TEXT_NOT_UTF8:
        return answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                      "note: not UTF-8 text");
    default:
        return answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                      "note: one paragraph, without line breaks, tabs or "
                      "control characters (U+%04" PRIX32 ")", cp);
    }
}

/* 上线申请: a department asks the network center to screen a system. */
static int do_screening_request(const struct control_ctx *cx,
                                const Tz__UserRecord *u,
                                const Tz__ControlScreeningRequest *sr,
                                int64_t now, struct answer *a)
{
    struct tz_error err = {0};
    Tz__SystemRecord *rec;
    int rc = register_system_get(cx->reg, sr->system_id, &rec, &err);
    if (rc == TZ_ENOENT || (rc == 0 && !people_may_see(u, rec->dept))) {
        /* as do_system_set: another department's system does not exist */
        if (rc == 0)
            ledger_record_free(rec);
        return answer(a, TZ__CONTROL_STATUS__CTL_NOT_FOUND,
                      "no system with id %" PRIu64, sr->system_id);
    }
    if (rc != 0)
        return store_failed(a, rc, &err);
    const char *note = sr->note ? sr->note : "";
    struct open_request open = {.system_id = rec->system_id};
    if (!people_may_request_screening(u, rec))
        rc = answer(a, TZ__CONTROL_STATUS__CTL_FORBIDDEN,
                    "a viewer reads the ledger; the department's editors ask "
                    "for a pre-launch screening");
    else if (note_check(note, a) != 0)
        rc = -1;
    else if (strcmp(rec->status, "retired") == 0)
        rc = answer(a, TZ__CONTROL_STATUS__CTL_INVALID,
                    "system %" PRIu64 " is retired: a retired system is not "
                    "launched", rec->system_id);
    else if ((rc = register_each_screening_request(cx->reg, NULL, 1,
                                                   find_open_request, &open,
                                                   &err)) < 0)
        rc = store_failed(a, rc, &err);
    else if (open.id) {
        a->r.screening_request_id = open.id;
        rc = answer(a, TZ__CONTROL_STATUS__CTL_CONFLICT,
                    "system %" PRIu64 " already has an open screening request "
                    "(#%" PRIu64 ", by %s); the network center's review "
                    "decision closes it", rec->system_id, open.id, open.by);
    } else {
        Tz__ScreeningRequest in = TZ__SCREENING_REQUEST__INIT;
        in.system_id = rec->system_id;
        in.dept = rec->dept;
        in.by = u->name;
        in.at = now;
        in.note = (char *)note;
        uint64_t id;
        rc = register_screening_request_add(cx->reg, &in, &id, &err);
        if (rc != 0) {
            store_failed(a, rc, &err);
        } else {
            a->r.screening_request_id = id;
            a->r.system_id = rec->system_id;
            answer(a, TZ__CONTROL_STATUS__CTL_OK, "screening request %" PRIu64
                   " filed", id);
            tz_log(TZ_LOG_INFO, "control: %s asked for a screening of system %"
                   PRIu64 " (request %" PRIu64 ")", u->name, rec->system_id, id);
        }
    }
    ledger_record_free(rec);
    return rc;
}

static int pack(struct answer *a, uint8_t **reply, size_t *rlen)
{
    size_t n = tz__control_reply__get_packed_size(&a->r);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return TZ_ENOMEM;
    tz__control_reply__pack(&a->r, buf);
    *reply = buf;
    *rlen = n;
    return 0;
}

int control_handle(const struct control_ctx *cx, const uint8_t *req,
                   size_t len, int64_t now, uint8_t **reply, size_t *rlen)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    tz__control_reply__init(&a.r);
    Tz__ControlRequest *q = NULL;
    Tz__UserRecord *u = NULL;
    if (len <= CONTROL_MAX_MSG)
        q = tz__control_request__unpack(NULL, len, req);
    if (q == NULL) {
        answer(&a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
               "not a control request (or over %d bytes)", CONTROL_MAX_MSG);
        goto out;
    }
    a.r.request_id = q->request_id;
    if (q->version != 1) {
        answer(&a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
               "control protocol version %u is not 1", q->version);
        goto out;
    }
    if (q->body_case == TZ__CONTROL_REQUEST__BODY_LOGIN) {
        do_login(cx, q->login, now, &a, &u);
        goto out;
    }
    if (who(cx, q, now, &u, &a) != 0)
        goto out;
    set_user(&a, u);
    /* The way in, for the change history. */
    const char *via = q->operator_mac.len ? "tzctl" : "portal";
    switch (q->body_case) {
    case TZ__CONTROL_REQUEST__BODY_LOGOUT:
        if (q->session.len != PEOPLE_SESSION_LEN)
            answer(&a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST,
                   "logout ends a session: send it");
        else
            do_logout(cx, q, &a);
        break;
    case TZ__CONTROL_REQUEST__BODY_SYSTEM_SET:
        do_system_set(cx, u, q->system_set, via, now, &a);
        break;
    case TZ__CONTROL_REQUEST__BODY_SYSTEM_ADD:
        do_system_add(cx, u, q->system_add, via, now, &a);
        break;
    case TZ__CONTROL_REQUEST__BODY_DEPT_SET:
        do_dept_set(cx, u, q->dept_set, via, now, &a);
        break;
    case TZ__CONTROL_REQUEST__BODY_COLLECT_NOW:
        do_collect_now(cx, u, q->collect_now, now, &a);
        break;
    case TZ__CONTROL_REQUEST__BODY_SCREENING_REQUEST:
        do_screening_request(cx, u, q->screening_request, now, &a);
        break;
    default:
        answer(&a, TZ__CONTROL_STATUS__CTL_BAD_REQUEST, "unknown request");
        break;
    }
out:;
    int rc = pack(&a, reply, rlen);
    sodium_memzero(a.session, sizeof(a.session));
    if (u)
        protobuf_c_message_free_unpacked(&u->base, NULL);
    if (q)
        tz__control_request__free_unpacked(q, NULL);
    return rc;
}

/* ---- the socket ---- */

struct control {
    const struct control_ctx *cx;
    int sock;
    uv_poll_t poll;
    int polling;
};

static void on_readable(uv_poll_t *h, int status, int events)
{
    (void)events;
    struct control *c = h->data;
    if (status < 0)
        return;
    /* Drain what is queued; a cooked REP hands over one request at a time
     * and wants its reply before the next. */
    for (int i = 0; i < 64; i++) {
        void *msg = NULL;
        int n = nn_recv(c->sock, &msg, NN_MSG, NN_DONTWAIT);
        if (n < 0)
            break;
        uint8_t *reply = NULL;
        size_t rlen = 0;
        int rc = control_handle(c->cx, msg, (size_t)n, (int64_t)time(NULL),
                                &reply, &rlen);
        nn_freemsg(msg);
        if (rc != 0) {
            tz_log(TZ_LOG_ERROR, "control: out of memory answering a request");
            continue;
        }
        if (nn_send(c->sock, reply, rlen, NN_DONTWAIT) < 0)
            tz_log(TZ_LOG_WARN, "control: reply not sent: %s",
                   nn_strerror(nn_errno()));
        free(reply);
    }
}

static void control_free(struct control *c)
{
    if (c->sock >= 0)
        nn_close(c->sock);
    free(c);
}

static int start_fail(struct control *c, struct tz_error *err, const char *url,
                      const char *what)
{
    int e = nn_errno();
    control_free(c);
    return tz_err(err, TZ_EIO, url, 0, "control socket: %s: %s", what,
                  nn_strerror(e));
}

int control_start(uv_loop_t *loop, const struct control_ctx *cx,
                  const char *url, struct control **out, struct tz_error *err)
{
    struct control *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    c->cx = cx;
    c->sock = nn_socket(AF_SP, NN_REP);
    if (c->sock < 0)
        return start_fail(c, err, url, "nn_socket");
    int maxsz = CONTROL_MAX_MSG, fd;
    size_t fdsz = sizeof(fd);
    if (nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz,
                      sizeof(maxsz)) < 0 ||
        nn_getsockopt(c->sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &fdsz) < 0)
        return start_fail(c, err, url, "socket options");
    if (nn_bind(c->sock, url) < 0)
        return start_fail(c, err, url, "cannot listen");
    /* The collector's group (the portal's user) may connect, nobody else. */
    if (strncmp(url, "ipc://", 6) == 0 && chmod(url + 6, 0660) != 0) {
        int e = errno;
        control_free(c);
        return tz_err(err, TZ_EIO, url, 0, "control socket: chmod 660: %s",
                      strerror(e));
    }
    int r = uv_poll_init(loop, &c->poll, fd);
    if (r == 0) {
        c->polling = 1;
        c->poll.data = c;
        r = uv_poll_start(&c->poll, UV_READABLE, on_readable);
    }
    if (r != 0) {
        control_stop(c);
        return tz_err(err, TZ_EIO, NULL, 0, "control socket: uv_poll: %s",
                      uv_strerror(r));
    }
    *out = c;
    return 0;
}

static void on_poll_closed(uv_handle_t *h)
{
    control_free(h->data);
}

void control_stop(struct control *c)
{
    if (c == NULL)
        return;
    if (c->polling) {
        uv_close((uv_handle_t *)&c->poll, on_poll_closed);
        return;
    }
    control_free(c);
}
