/* fuzz_control — hostile requests on the collector's control socket,
 * through control_handle into a real LMDB register (made once per process
 * in $TMPDIR: departments A and B, a system in each, an admin, an editor
 * and a viewer of A, each with a login token and a session).
 *
 * The first input byte picks how the rest becomes a request:
 *   mode 0  raw bytes (whoever can connect to the socket)
 *   mode 1  decoded as a ControlRequest, version 1, sent with the session
 *           of person (byte >> 2) % 3: admin, editor of A, viewer of A
 *   mode 2  the same with that person's login token instead
 *   mode 3  raw bytes, as mode 0 (the fuzzer's own credentials)
 * Modes 1 and 2 fall back to raw bytes when the bytes do not decode.
 * Every request gets a reply that decodes and echoes its request id; the
 * viewer is never answered OK to a write (a screening request included);
 * and unless the admin asked, B's system stays byte for byte as it was and
 * B gains no system and no screening request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fuzz_common.h"
#include "ledger_fields.h"
#include "people.h"
#include "register.h"
#include "rules_config.h"

enum { P_ADMIN, P_EDITOR, P_VIEWER, N_PEOPLE };
static const char *const names[N_PEOPLE] = {"admin", "editor-a", "viewer-a"};

static struct tz_register *reg;
static struct control_ctx cx;
static struct rules_config rules;
static char token[N_PEOPLE][PEOPLE_TOKEN_LEN];
static uint8_t session[N_PEOPLE][PEOPLE_SESSION_LEN];
static uint64_t sys_b;
static uint8_t *b_before;        /* B's system, packed */
static size_t b_before_len;
static size_t b_systems;
static size_t b_requests;        /* B's screening requests */
static const int64_t now = 1700000000;

static void die(const char *what, const struct tz_error *err)
{
    fprintf(stderr, "fuzz_control: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void cleanup(void)
{
    if (reg)
        register_close(reg);
    reg = NULL;
}

static uint64_t system_add(const char *name, const char *dept)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    struct tz_error err = {0};
    if (r == NULL || ledger_field_set(r, "name", name, why, sizeof(why)) != 0 ||
        ledger_field_set(r, "dept", dept, why, sizeof(why)) != 0 ||
        ledger_field_set(r, "owner", "张三", why, sizeof(why)) != 0)
        die("ledger_field_set", NULL);
    uint64_t id = 0;
    if (register_system_add(reg, r, now, NULL, &id, &err) != 0)
        die("register_system_add", &err);
    ledger_record_free(r);
    return id;
}

/* A fresh session for person p (a fuzzed logout may have ended it). */
static void session_start(int p)
{
    struct tz_error err = {0};
    Tz__UserRecord *u = NULL;
    int64_t expires;
    if (register_user_get(reg, names[p], &u, &err) != 0 ||
        people_session_start(reg, u, now, 8, session[p], &expires, &err) != 0)
        die("session", &err);
    protobuf_c_message_free_unpacked(&u->base, NULL);
}

static int session_alive(int p)
{
    struct tz_error err = {0};
    Tz__UserRecord *u = NULL;
    int rc = people_session_user(reg, session[p], now, &u, &err);
    if (rc == 0)
        protobuf_c_message_free_unpacked(&u->base, NULL);
    else if (rc != TZ_EPERM)
        die("people_session_user", &err);
    return rc == 0;
}

struct count {
    size_t n;
};

static int count_one(const Tz__SystemRecord *rec, void *arg)
{
    (void)rec;
    ((struct count *)arg)->n++;
    return 0;
}

static int count_request(const Tz__ScreeningRequest *r, void *arg)
{
    (void)r;
    ((struct count *)arg)->n++;
    return 0;
}

/* B's system packed, and how many systems and screening requests B has. */
static void snapshot_b(uint8_t **out, size_t *len, size_t *systems,
                       size_t *requests)
{
    struct tz_error err = {0};
    Tz__SystemRecord *r;
    if (register_system_get(reg, sys_b, &r, &err) != 0)
        die("register_system_get", &err);
    *len = tz__system_record__get_packed_size(r);
    *out = malloc(*len ? *len : 1);
    if (*out == NULL)
        abort();
    tz__system_record__pack(r, *out);
    ledger_record_free(r);
    struct count c = {0};
    if (register_each_system(reg, "B", count_one, &c, &err) != 0)
        die("register_each_system", &err);
    *systems = c.n;
    c.n = 0;
    if (register_each_screening_request(reg, "B", 0, count_request, &c, &err) != 0)
        die("register_each_screening_request", &err);
    *requests = c.n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct tz_keypair kp;
    fz_keypair(FZ_KEY_COLLECTOR, &kp);
    struct tz_error err = {0};
    char *dir = fz_tmpdir("control");
    atexit(cleanup);    /* runs before fz_tmpdir's removal */
    if (register_open(dir, 0, &reg, &err) != 0)
        die("register_open", &err);
    if (register_dept_add(reg, "A", now, &err) != 0 ||
        register_dept_add(reg, "B", now, &err) != 0)
        die("register_dept_add", &err);
    system_add("实验平台", "A");
    sys_b = system_add("财务系统", "B");
    people_hash_key(&kp, cx.hash_key);
    static const Tz__Role roles[N_PEOPLE] = {TZ__ROLE__ROLE_ADMIN, TZ__ROLE__ROLE_EDITOR,
                                             TZ__ROLE__ROLE_VIEWER};
    for (int p = 0; p < N_PEOPLE; p++) {
        if (people_user_add(reg, cx.hash_key, names[p], roles[p],
                            p == P_ADMIN ? NULL : "A", "fuzz", now, token[p], &err) != 0)
            die("people_user_add", &err);
        session_start(p);
    }
    rules_config_defaults(&rules);
    cx.reg = reg;
    cx.rules = &rules;
    snapshot_b(&b_before, &b_before_len, &b_systems, &b_requests);
    return 0;
}

static uint8_t *copy_of(const uint8_t *d, size_t n)
{
    uint8_t *out = malloc(n ? n : 1);
    if (out == NULL)
        abort();
    memcpy(out, d, n);
    return out;
}

/* The request to send (malloc'd) and whose credential it carries (-1:
 * the fuzzer's own, which cannot be a real session or token: those are
 * random and in no corpus). */
static uint8_t *make_request(const uint8_t *d, size_t n, size_t *len, int *who)
{
    int mode = n ? d[0] & 3 : 0;
    *who = n ? (d[0] >> 2) % N_PEOPLE : -1;
    if (n) {
        d++;
        n--;
    }
    Tz__ControlRequest *q = mode ? tz__control_request__unpack(NULL, n, d) : NULL;
    if (q == NULL || mode == 3) {
        if (q)
            tz__control_request__free_unpacked(q, NULL);
        *who = -1;
        *len = n;
        return copy_of(d, n);
    }
    if (mode == 1 && !session_alive(*who))
        session_start(*who);   /* a fuzzed logout ended it */
    /* Lend this file's credential for the packing, then give the unpacked
     * message its own back to free. */
    ProtobufCBinaryData own_session = q->session;
    char *own_token = q->token;
    q->version = 1;
    if (mode == 1) {
        q->session.data = session[*who];
        q->session.len = PEOPLE_SESSION_LEN;
    } else {
        q->session.len = 0;
        q->token = token[*who];
    }
    *len = tz__control_request__get_packed_size(q);
    uint8_t *out = malloc(*len ? *len : 1);
    if (out == NULL)
        abort();
    tz__control_request__pack(q, out);
    q->session = own_session;
    q->token = own_token;
    tz__control_request__free_unpacked(q, NULL);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    int who;
    uint8_t *req = make_request(data, size, &len, &who);
    uint8_t *reply = NULL;
    size_t rlen = 0;
    if (control_handle(&cx, req, len, now, &reply, &rlen) != 0)
        abort();   /* only TZ_ENOMEM, which a fuzz run does not hit */
    Tz__ControlReply *a = tz__control_reply__unpack(NULL, rlen, reply);
    if (a == NULL || a->status == TZ__CONTROL_STATUS__CTL_UNSPECIFIED)
        abort();
    /* what the collector decodes, it answers with the same request id;
     * what it does not, it calls a bad request */
    Tz__ControlRequest *q = len <= CONTROL_MAX_MSG
                                ? tz__control_request__unpack(NULL, len, req) : NULL;
    if (q ? a->request_id != q->request_id
          : a->status != TZ__CONTROL_STATUS__CTL_BAD_REQUEST)
        abort();
    int write = q && (q->body_case == TZ__CONTROL_REQUEST__BODY_SYSTEM_SET ||
                      q->body_case == TZ__CONTROL_REQUEST__BODY_SYSTEM_ADD ||
                      q->body_case == TZ__CONTROL_REQUEST__BODY_SCREENING_REQUEST);
    /* A viewer, or nobody, writes nothing; an OK names the one who asked. */
    if ((who == P_VIEWER || who < 0) && write &&
        a->status == TZ__CONTROL_STATUS__CTL_OK)
        abort();
    if (who >= 0 && write && a->status == TZ__CONTROL_STATUS__CTL_OK &&
        (a->user == NULL || strcmp(a->user->name, names[who]) != 0))
        abort();
    if (q)
        tz__control_request__free_unpacked(q, NULL);
    tz__control_reply__free_unpacked(a, NULL);
    free(reply);
    free(req);
    /* Only the admin may touch B: its system and its number of systems. */
    uint8_t *b_now;
    size_t b_now_len, systems, requests;
    snapshot_b(&b_now, &b_now_len, &systems, &requests);
    if (who == P_ADMIN) {
        free(b_before);
        b_before = b_now;
        b_before_len = b_now_len;
        b_systems = systems;
        b_requests = requests;
        return 0;
    }
    if (b_now_len != b_before_len || memcmp(b_now, b_before, b_now_len) != 0 ||
        systems != b_systems || requests != b_requests)
        abort();
    free(b_now);
    return 0;
}
