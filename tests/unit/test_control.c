/* The control socket's decisions (collector/control.c through
 * control_handle): who is behind a credential, what each role may change,
 * and that a refused request writes nothing. */
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "control.h"
#include "operator.h"
#include "people.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1790000000

static struct tz_register *reg;
static char *dir;
static struct control_ctx cx;
static char tok_viewer[PEOPLE_TOKEN_LEN], tok_editor[PEOPLE_TOKEN_LEN];
static char tok_admin[PEOPLE_TOKEN_LEN], tok_other[PEOPLE_TOKEN_LEN];
static uint64_t sys_a, sys_b;

static uint64_t add_system(const char *name, const char *dept)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(r, "name", name, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "dept", dept, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "owner", "张三", why, sizeof(why)), 0);
    uint64_t id;
    struct tz_error err = {0};
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), 0, "%s", err.msg);
    ledger_record_free(r);
    return id;
}

static void setup(void)
{
    reg = tz_test_register_new("control", &dir);
    struct tz_keypair kp;
    crypto_box_keypair(kp.pk, kp.sk);
    people_hash_key(&kp, cx.hash_key);
    operator_key(&kp, cx.operator_key);
    cx.reg = reg;
    struct tz_error err = {0};
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, &err), 0);
    cr_assert_eq(register_dept_add(reg, "外国语学院", NOW, &err), 0);
    cr_assert_eq(people_user_add(reg, cx.hash_key, "viewer1", TZ__ROLE__ROLE_VIEWER,
                                 "计算机学院", "t", NOW, tok_viewer, &err), 0, "%s", err.msg);
    cr_assert_eq(people_user_add(reg, cx.hash_key, "editor1", TZ__ROLE__ROLE_EDITOR,
                                 "计算机学院", "t", NOW, tok_editor, &err), 0);
    cr_assert_eq(people_user_add(reg, cx.hash_key, "editor2", TZ__ROLE__ROLE_EDITOR,
                                 "外国语学院", "t", NOW, tok_other, &err), 0);
    cr_assert_eq(people_user_add(reg, cx.hash_key, "boss", TZ__ROLE__ROLE_ADMIN,
                                 NULL, "t", NOW, tok_admin, &err), 0);
    sys_a = add_system("教务系统", "计算机学院");
    sys_b = add_system("外语网站", "外国语学院");
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(control, .init = setup, .fini = teardown);

/* Send q, return the decoded reply (the caller frees it). */
static Tz__ControlReply *call(Tz__ControlRequest *q, int64_t now)
{
    q->version = 1;
    q->request_id = 77;
    size_t n = tz__control_request__get_packed_size(q);
    uint8_t *buf = malloc(n ? n : 1), *rep = NULL;
    tz__control_request__pack(q, buf);
    size_t rlen = 0;
    cr_assert_eq(control_handle(&cx, buf, n, now, &rep, &rlen), 0);
    free(buf);
    Tz__ControlReply *r = tz__control_reply__unpack(NULL, rlen, rep);
    free(rep);
    cr_assert_not_null(r);
    cr_assert_eq(r->request_id, 77);
    return r;
}

static Tz__ControlReply *set_field(const char *token, uint64_t id,
                                   const char *field, const char *value)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemSet s = TZ__CONTROL_SYSTEM_SET__INIT;
    Tz__LedgerValue v = TZ__LEDGER_VALUE__INIT, *vs[1] = {&v};
    v.field = (char *)field;
    v.value = (char *)value;
    s.system_id = id;
    s.values = vs;
    s.n_values = 1;
    q.token = (char *)token;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_SET;
    q.system_set = &s;
    return call(&q, NOW + 10);
}

static char *owner_of(uint64_t id)
{
    Tz__SystemRecord *r;
    struct tz_error err = {0};
    cr_assert_eq(register_system_get(reg, id, &r, &err), 0);
    char *o = strdup(r->owner);
    ledger_record_free(r);
    return o;
}

static Tz__ControlReply *login(const char *token, int session)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlLogin l = TZ__CONTROL_LOGIN__INIT;
    l.token = (char *)token;
    l.create_session = session;
    q.body_case = TZ__CONTROL_REQUEST__BODY_LOGIN;
    q.login = &l;
    return call(&q, NOW);
}

Test(control, login_names_the_user_and_a_bad_token_is_refused)
{
    Tz__ControlReply *r = login(tok_editor, 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    cr_assert_str_eq(r->user->name, "editor1");
    cr_assert_eq(r->user->role, TZ__ROLE__ROLE_EDITOR);
    cr_assert_str_eq(r->user->dept, "计算机学院");
    cr_assert_eq(r->session.len, PEOPLE_SESSION_LEN);
    cr_assert_eq(r->expires_at, NOW + PEOPLE_SESSION_HOURS_DEFAULT * 3600);
    tz__control_reply__free_unpacked(r, NULL);

    char bad[PEOPLE_TOKEN_LEN];
    strcpy(bad, tok_editor);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    r = login(bad, 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    cr_assert_eq(r->session.len, 0);
    cr_assert_null(r->user);
    tz__control_reply__free_unpacked(r, NULL);
}

Test(control, editor_changes_its_system_and_history_names_it)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_a, "负责人", "李四");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    char *o = owner_of(sys_a);
    cr_assert_str_eq(o, "李四");
    free(o);
}

static int last_change(const Tz__SystemChange *c, void *arg)
{
    char *buf = arg;
    snprintf(buf, 256, "%s/%s/%s/%zu/%s/%s", c->actor, c->via, c->action,
             c->n_changes, c->n_changes ? c->changes[0]->old_value : "",
             c->n_changes ? c->changes[0]->new_value : "");
    return 0;
}

Test(control, the_change_history_records_the_portal_user_as_actor)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_a, "owner", "李四");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK);
    tz__control_reply__free_unpacked(r, NULL);
    char buf[256] = "";
    struct tz_error err = {0};
    cr_assert_eq(register_each_system_change(reg, sys_a, last_change, buf, &err), 0);
    cr_assert_str_eq(buf, "editor1/portal/updated/1/张三/李四");
}

Test(control, viewer_may_not_change_anything)
{
    Tz__ControlReply *r = set_field(tok_viewer, sys_a, "owner", "李四");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    tz__control_reply__free_unpacked(r, NULL);
    char *o = owner_of(sys_a);
    cr_assert_str_eq(o, "张三");
    free(o);
}

Test(control, another_departments_system_is_answered_as_missing)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_b, "owner", "李四");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    char want[64];
    snprintf(want, sizeof(want), "no system with id %llu", (unsigned long long)sys_b);
    cr_assert_str_eq(r->message, want);
    tz__control_reply__free_unpacked(r, NULL);
    /* the same words as for an id nobody has */
    r = set_field(tok_editor, 999, "owner", "李四");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    cr_assert_str_eq(r->message, "no system with id 999");
    tz__control_reply__free_unpacked(r, NULL);
    char *o = owner_of(sys_b);
    cr_assert_str_eq(o, "张三");
    free(o);
}

Test(control, editor_may_not_move_a_system_or_decide_its_review)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_a, "dept", "外国语学院");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    cr_assert(strstr(r->message, "所属单位") != NULL, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    r = set_field(tok_editor, sys_a, "上线前审查", "passed");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    tz__control_reply__free_unpacked(r, NULL);
    r = set_field(tok_admin, sys_a, "prelaunch_status", "passed");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
}

Test(control, a_bad_value_is_refused_with_the_field_and_nothing_is_written)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_a, "mlps_grade", "7");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_INVALID);
    cr_assert(strncmp(r->message, "等保等级 (mlps_grade): ", 25) == 0, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    Tz__SystemRecord *s;
    struct tz_error err = {0};
    cr_assert_eq(register_system_get(reg, sys_a, &s, &err), 0);
    cr_assert_eq(s->mlps_grade, 0);
    cr_assert_eq(s->updated_at, NOW);
    ledger_record_free(s);
}

Test(control, a_session_works_until_logout_expiry_or_revoke)
{
    Tz__ControlReply *l = login(tok_editor, 1);
    cr_assert_eq(l->status, TZ__CONTROL_STATUS__CTL_OK);
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemSet s = TZ__CONTROL_SYSTEM_SET__INIT;
    Tz__LedgerValue v = TZ__LEDGER_VALUE__INIT, *vs[1] = {&v};
    v.field = "owner";
    v.value = "王五";
    s.system_id = sys_a;
    s.values = vs;
    s.n_values = 1;
    q.session = l->session;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_SET;
    q.system_set = &s;
    Tz__ControlReply *r = call(&q, NOW + 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    /* expired */
    r = call(&q, l->expires_at);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
    /* revoked */
    struct tz_error err = {0};
    size_t ended = 0;
    cr_assert_eq(register_user_revoke(reg, "editor1", NOW + 2, &ended, &err), 0);
    cr_assert_eq(ended, 1);
    r = call(&q, NOW + 3);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
    r = set_field(tok_editor, sys_a, "owner", "赵六");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
    tz__control_reply__free_unpacked(l, NULL);
    char *o = owner_of(sys_a);
    cr_assert_str_eq(o, "王五");
    free(o);
}

Test(control, logout_ends_the_session)
{
    Tz__ControlReply *l = login(tok_viewer, 1);
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlLogout lo = TZ__CONTROL_LOGOUT__INIT;
    q.session = l->session;
    q.body_case = TZ__CONTROL_REQUEST__BODY_LOGOUT;
    q.logout = &lo;
    Tz__ControlReply *r = call(&q, NOW + 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK);
    tz__control_reply__free_unpacked(r, NULL);
    r = call(&q, NOW + 2);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
    tz__control_reply__free_unpacked(l, NULL);
}

Test(control, a_stale_edit_is_a_conflict)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemSet s = TZ__CONTROL_SYSTEM_SET__INIT;
    Tz__LedgerValue v = TZ__LEDGER_VALUE__INIT, *vs[1] = {&v};
    v.field = "owner";
    v.value = "王五";
    s.system_id = sys_a;
    s.values = vs;
    s.n_values = 1;
    s.if_revision = 7;
    q.token = tok_editor;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_SET;
    q.system_set = &s;
    Tz__ControlReply *r = call(&q, NOW + 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_CONFLICT, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    s.if_revision = 1;
    r = call(&q, NOW + 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
}

static Tz__ControlReply *add(const char *token, const char *name, const char *dept)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlSystemAdd a = TZ__CONTROL_SYSTEM_ADD__INIT;
    Tz__LedgerValue v1 = TZ__LEDGER_VALUE__INIT, v2 = TZ__LEDGER_VALUE__INIT;
    Tz__LedgerValue *vs[2] = {&v1, &v2};
    v1.field = "name";
    v1.value = (char *)name;
    v2.field = "dept";
    v2.value = (char *)dept;
    a.values = vs;
    a.n_values = dept ? 2 : 1;
    q.token = (char *)token;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_ADD;
    q.system_add = &a;
    return call(&q, NOW + 1);
}

Test(control, a_department_adds_systems_to_itself_only)
{
    Tz__ControlReply *r = add(tok_editor, "迎新系统", NULL);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    Tz__SystemRecord *s;
    struct tz_error err = {0};
    cr_assert_eq(register_system_get(reg, r->system_id, &s, &err), 0);
    cr_assert_str_eq(s->dept, "计算机学院");
    ledger_record_free(s);
    tz__control_reply__free_unpacked(r, NULL);
    r = add(tok_editor, "别人的系统", "外国语学院");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    tz__control_reply__free_unpacked(r, NULL);
    r = add(tok_viewer, "看客系统", NULL);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    tz__control_reply__free_unpacked(r, NULL);
    r = add(tok_admin, "学校门户", "外国语学院");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
}

Test(control, garbage_gets_a_bad_request_answer)
{
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0x07, 0x01};
    uint8_t *rep = NULL;
    size_t rlen = 0;
    cr_assert_eq(control_handle(&cx, junk, sizeof(junk), NOW, &rep, &rlen), 0);
    Tz__ControlReply *r = tz__control_reply__unpack(NULL, rlen, rep);
    free(rep);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_BAD_REQUEST);
    tz__control_reply__free_unpacked(r, NULL);
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;  /* no credential */
    Tz__ControlLogout lo = TZ__CONTROL_LOGOUT__INIT;
    q.body_case = TZ__CONTROL_REQUEST__BODY_LOGOUT;
    q.logout = &lo;
    r = call(&q, NOW);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
}

static Tz__ControlReply *collect_now(Tz__ControlRequest *q, int64_t now)
{
    static uint64_t ids[] = {1};
    static Tz__ControlCollectNow c = TZ__CONTROL_COLLECT_NOW__INIT;
    c.agent_ids = ids;
    c.n_agent_ids = 1;
    q->body_case = TZ__CONTROL_REQUEST__BODY_COLLECT_NOW;
    q->collect_now = &c;
    return call(q, now);
}

Test(control, only_the_network_center_asks_hosts_to_collect_now)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    q.token = tok_editor;
    Tz__ControlReply *r = collect_now(&q, NOW);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
}

/* An operator request signed as tzctl signs it (after version and id). */
static Tz__ControlReply *operator_call(const uint8_t key[32], int64_t sent, int64_t now)
{
    static uint64_t ids[] = {1};
    Tz__ControlCollectNow c = TZ__CONTROL_COLLECT_NOW__INIT;
    c.agent_ids = ids;
    c.n_agent_ids = 1;
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    q.body_case = TZ__CONTROL_REQUEST__BODY_COLLECT_NOW;
    q.collect_now = &c;
    q.operator_ = "王五";
    q.sent_at = sent;
    q.version = 1;
    q.request_id = 77;
    uint8_t mac[32];
    cr_assert_eq(operator_sign(key, &q, mac), 0);
    size_t n = tz__control_request__get_packed_size(&q);
    uint8_t *buf = malloc(n), *rep = NULL;
    tz__control_request__pack(&q, buf);
    size_t rlen = 0;
    cr_assert_eq(control_handle(&cx, buf, n, now, &rep, &rlen), 0);
    free(buf);
    Tz__ControlReply *r = tz__control_reply__unpack(NULL, rlen, rep);
    free(rep);
    return r;
}

Test(control, the_operator_is_whoever_holds_the_collectors_key)
{
    /* signed with this collector's operator key: accepted as admin "王五"
     * (this context publishes nothing, so the answer says so) */
    Tz__ControlReply *r = operator_call(cx.operator_key, NOW, NOW + 5);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_ERROR, "%s", r->message);
    cr_assert(strstr(r->message, "does not publish") != NULL, "%s", r->message);
    cr_assert_str_eq(r->user->name, "王五");
    cr_assert_eq(r->user->role, TZ__ROLE__ROLE_ADMIN);
    tz__control_reply__free_unpacked(r, NULL);
    /* another key: refused */
    uint8_t other[32];
    memset(other, 9, sizeof(other));
    r = operator_call(other, NOW, NOW);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    cr_assert_null(r->user);
    tz__control_reply__free_unpacked(r, NULL);
    /* recorded and sent again later: stale */
    r = operator_call(cx.operator_key, NOW, NOW + OPERATOR_MAX_AGE + 1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_UNAUTHENTICATED);
    tz__control_reply__free_unpacked(r, NULL);
}

/* ---- screening requests (上线申请) ---- */

static Tz__ControlReply *ask_screening(const char *token, uint64_t id,
                                       const char *note)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlScreeningRequest s = TZ__CONTROL_SCREENING_REQUEST__INIT;
    s.system_id = id;
    s.note = (char *)note;
    q.token = (char *)token;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SCREENING_REQUEST;
    q.screening_request = &s;
    return call(&q, NOW + 20);
}

struct requests_seen {
    size_t n;
    char text[512];   /* the last one: id/system/dept/by/at/note/open */
};

static int request_seen(const Tz__ScreeningRequest *r, void *arg)
{
    struct requests_seen *v = arg;
    v->n++;
    snprintf(v->text, sizeof(v->text), "%llu/%llu/%s/%s/%lld/%s/%s",
             (unsigned long long)r->request_id, (unsigned long long)r->system_id,
             r->dept, r->by, (long long)r->at, r->note,
             r->review_id ? "closed" : "open");
    return 0;
}

static struct requests_seen requests_stored(void)
{
    struct requests_seen v = {0};
    struct tz_error err = {0};
    cr_assert_eq(register_each_screening_request(reg, NULL, 0, request_seen, &v,
                                                 &err), 0, "%s", err.msg);
    return v;
}

Test(control, an_editor_asks_for_a_screening_of_its_system)
{
    Tz__ControlReply *r = ask_screening(tok_editor, sys_a, "下月上线，请安排审查");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    cr_assert_neq(r->screening_request_id, 0);
    char want[512];
    snprintf(want, sizeof(want), "%llu/%llu/计算机学院/editor1/%d/下月上线，请安排审查/open",
             (unsigned long long)r->screening_request_id, (unsigned long long)sys_a,
             NOW + 20);
    tz__control_reply__free_unpacked(r, NULL);
    struct requests_seen v = requests_stored();
    cr_assert_eq(v.n, 1);
    cr_assert_str_eq(v.text, want);
    /* a note is optional */
    r = ask_screening(tok_admin, sys_b, "");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    cr_assert_eq(requests_stored().n, 2);
}

Test(control, a_viewer_may_not_ask_for_a_screening)
{
    Tz__ControlReply *r = ask_screening(tok_viewer, sys_a, "看客");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN, "%s", r->message);
    cr_assert_eq(r->screening_request_id, 0);
    tz__control_reply__free_unpacked(r, NULL);
    cr_assert_eq(requests_stored().n, 0);
}

Test(control, another_departments_system_cannot_be_asked_for_and_is_not_named)
{
    Tz__ControlReply *r = ask_screening(tok_editor, sys_b, "别人的");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND, "%s", r->message);
    char want[64];
    snprintf(want, sizeof(want), "no system with id %llu", (unsigned long long)sys_b);
    cr_assert_str_eq(r->message, want);
    tz__control_reply__free_unpacked(r, NULL);
    r = ask_screening(tok_editor, 999, "");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    cr_assert_str_eq(r->message, "no system with id 999");
    tz__control_reply__free_unpacked(r, NULL);
    /* its own viewer's refusal is not the answer either: a viewer of
     * another department gets "no such system" too */
    r = ask_screening(tok_viewer, sys_b, "");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    tz__control_reply__free_unpacked(r, NULL);
    cr_assert_eq(requests_stored().n, 0);
}

Test(control, a_second_request_while_one_is_open_is_a_conflict_naming_it)
{
    Tz__ControlReply *r = ask_screening(tok_editor, sys_a, "first");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    uint64_t first = r->screening_request_id;
    tz__control_reply__free_unpacked(r, NULL);
    /* the admin asking again changes nothing either */
    const char *tokens[] = {tok_editor, tok_admin};
    for (size_t i = 0; i < 2; i++) {
        r = ask_screening(tokens[i], sys_a, "second");
        cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_CONFLICT, "%s", r->message);
        cr_assert_eq(r->screening_request_id, first);
        char want[32];
        snprintf(want, sizeof(want), "(#%llu, by editor1)", (unsigned long long)first);
        cr_assert(strstr(r->message, want) != NULL, "%s", r->message);
        tz__control_reply__free_unpacked(r, NULL);
    }
    cr_assert_eq(requests_stored().n, 1);
}

Test(control, a_note_is_one_bounded_paragraph_of_text)
{
    char big[CONTROL_MAX_NOTE + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';   /* 1001 bytes */
    struct {
        const char *note, *says;
    } bad[] = {{big, "at most 1000 bytes (this one has 1001)"},
               {"line one\nline two", "one paragraph"},
               {"tab\there", "one paragraph"},
               {"\xe2\x80\xaereversed", "one paragraph"},   /* U+202E */
               {"bad \xff byte", "not UTF-8"},
               {"cut \xe8\xae", "not UTF-8"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Tz__ControlReply *r = ask_screening(tok_editor, sys_a, bad[i].note);
        cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_INVALID, "#%zu: %s", i,
                     r->message);
        cr_assert(strncmp(r->message, "note: ", 6) == 0 &&
                  strstr(r->message, bad[i].says) != NULL, "#%zu: %s", i, r->message);
        tz__control_reply__free_unpacked(r, NULL);
    }
    cr_assert_eq(requests_stored().n, 0);
    /* exactly 1000 bytes (of three-byte characters and one more) is a note */
    char ok[CONTROL_MAX_NOTE + 1], *p = ok;
    for (int i = 0; i < 333; i++)
        p += sprintf(p, "审");
    *p++ = '.';
    *p = '\0';
    cr_assert_eq(strlen(ok), 1000);
    Tz__ControlReply *r = ask_screening(tok_editor, sys_a, ok);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
}

Test(control, a_retired_system_is_not_screened_for_launch)
{
    Tz__ControlReply *r = set_field(tok_editor, sys_a, "status", "retired");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    r = ask_screening(tok_editor, sys_a, "");
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_INVALID, "%s", r->message);
    cr_assert(strstr(r->message, "retired") != NULL, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    cr_assert_eq(requests_stored().n, 0);
}

/* ---- a department's responsibility record (ControlDeptSet) ---- */

static Tz__ControlReply *dept_set(const char *token, const char *dept,
                                  const char *field, const char *value,
                                  uint64_t if_revision)
{
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlDeptSet s = TZ__CONTROL_DEPT_SET__INIT;
    Tz__LedgerValue v = TZ__LEDGER_VALUE__INIT, *vs[1] = {&v};
    v.field = (char *)field;
    v.value = (char *)value;
    s.dept = (char *)dept;
    s.values = vs;
    s.n_values = 1;
    s.if_revision = if_revision;
    s.check_revision = if_revision != (uint64_t)-1;
    q.token = (char *)token;
    q.body_case = TZ__CONTROL_REQUEST__BODY_DEPT_SET;
    q.dept_set = &s;
    return call(&q, NOW + 20);
}

static char *liaison_of(const char *dept)
{
    Tz__DeptRecord *d;
    struct tz_error err = {0};
    cr_assert_eq(register_dept_get(reg, dept, &d, &err), 0);
    char *o = strdup(d->liaison);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    return o;
}

static int dept_actor(const Tz__DeptChange *c, void *arg)
{
    snprintf(arg, 64, "%s/%s", c->actor, c->via);
    return 0;
}

Test(control, editor_sets_its_departments_record_and_history_names_it)
{
    Tz__ControlReply *r = dept_set(tok_editor, "计算机学院", "联络人", "王五", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    char *l = liaison_of("计算机学院");
    cr_assert_str_eq(l, "王五");
    free(l);
    char who[64] = "";
    struct tz_error err = {0};
    cr_assert_eq(register_each_dept_change(reg, "计算机学院", dept_actor, who,
                                           &err), 0);
    cr_assert_str_eq(who, "editor1/portal");
    /* the admin may too; a stale revision is a conflict */
    r = dept_set(tok_admin, "外国语学院", "liaison", "赵六", (uint64_t)-1);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_OK, "%s", r->message);
    tz__control_reply__free_unpacked(r, NULL);
    r = dept_set(tok_editor, "计算机学院", "联络人", "孙七", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_CONFLICT);
    tz__control_reply__free_unpacked(r, NULL);
}

Test(control, a_viewer_may_not_set_the_department_record)
{
    Tz__ControlReply *r = dept_set(tok_viewer, "计算机学院", "联络人", "王五", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_FORBIDDEN);
    tz__control_reply__free_unpacked(r, NULL);
    char *l = liaison_of("计算机学院");
    cr_assert_str_eq(l, "");
    free(l);
}

Test(control, another_department_is_answered_as_missing)
{
    Tz__ControlReply *r = dept_set(tok_editor, "外国语学院", "联络人", "王五", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    cr_assert_str_eq(r->message, "no department \"外国语学院\"");
    tz__control_reply__free_unpacked(r, NULL);
    r = dept_set(tok_editor, "无此单位", "联络人", "王五", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_NOT_FOUND);
    cr_assert_str_eq(r->message, "no department \"无此单位\"");
    tz__control_reply__free_unpacked(r, NULL);
    char *l = liaison_of("外国语学院");
    cr_assert_str_eq(l, "");
    free(l);
}

Test(control, a_bad_department_value_names_the_field_and_writes_nothing)
{
    Tz__ControlReply *r = dept_set(tok_editor, "计算机学院", "liaison_email",
                                   "nobody", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_INVALID);
    cr_assert(strstr(r->message, "联络人邮箱 (liaison_email):"), "%s",
              r->message);
    tz__control_reply__free_unpacked(r, NULL);
    r = dept_set(tok_editor, "计算机学院", "owner", "x", 0);
    cr_assert_eq(r->status, TZ__CONTROL_STATUS__CTL_INVALID);
    tz__control_reply__free_unpacked(r, NULL);
    Tz__DeptRecord *d;
    struct tz_error err = {0};
    cr_assert_eq(register_dept_get(reg, "计算机学院", &d, &err), 0);
    cr_assert_eq(d->revision, 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
}
