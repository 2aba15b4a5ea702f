/* test_revoke — what can be withdrawn: enrollment tokens that expire, get
 * used up or are revoked (refused BAD_TOKEN saying which), and agent keys
 * that are revoked (refused REVOKED whatever they send, counted, the host
 * kept with the revocation in its history), through the register API as the
 * ingest calls it. Each test builds its own register in a temp dir. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "admission.h"
#include "register.h"
#include "tz_test.h"
#include "utf8.h"

#define T0 1700000000   /* 2023-11-14 22:13:20Z */
#define DAY 86400

static char *dir;
static struct tz_register *reg;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("revoke");
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "计算机学院", T0, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(token, .init = setup, .fini = teardown);
TestSuite(agent_revoke, .init = setup, .fini = teardown);

static void key(uint8_t pk[32], int n)
{
    memset(pk, n, 32);
}

/* A token of 计算机学院 made at T0 (static storage); *id its id. */
static const char *token(int64_t expires_at, uint32_t uses, uint64_t *id)
{
    static char tok[REGISTER_TOKEN_LEN];
    struct register_token_spec spec = {"计算机学院", expires_at, uses};
    struct tz_error err = {0};
    cr_assert_eq(register_token_make(reg, &spec, T0, tok, id, &err), 0, "%s", err.msg);
    return tok;
}

struct enrolled {
    int status;
    uint64_t id;
    char detail[160];
};

/* Enroll key pk with tok as seq at time now, alone in a batch. */
static struct enrolled enroll_at(int pk, uint64_t seq, const char *tok, int64_t now)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)tok;
    en.hostname = "web01";
    en.machine_id = "0123456789abcdef0123456789abcdef";
    struct register_item it = {.kind = ITEM_ENROLL, .seq = seq, .enroll = &en};
    key(it.agent_pk, pk);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, &it, 1, now, &err), 0, "%s", err.msg);
    struct enrolled e = {it.status, it.agent_id, ""};
    snprintf(e.detail, sizeof(e.detail), "%s", it.detail);
    return e;
}

/* A heartbeat or a small report from key pk. */
static struct register_item send_item(int pk, uint64_t seq, int report, int64_t now)
{
    static Tz__HostSection host = TZ__HOST_SECTION__INIT;
    static Tz__Report r = TZ__REPORT__INIT;
    host.hostname = "web01.example.edu.cn";
    r.host = &host;
    struct register_item it = {.kind = report ? ITEM_REPORT : ITEM_HEARTBEAT,
                               .seq = seq, .report = report ? &r : NULL};
    key(it.agent_pk, pk);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, &it, 1, now, &err), 0, "%s", err.msg);
    return it;
}

static struct register_stats stats(void)
{
    struct register_stats st;
    struct tz_error err = {0};
    cr_assert_eq(register_stats(reg, &st, &err), 0, "%s", err.msg);
    return st;
}

struct find_token {
    uint64_t id;
    Tz__TokenRecord copy;
    int found;
};

static int find_token(const Tz__TokenRecord *t, void *arg)
{
    struct find_token *f = arg;
    if (t->token_id == f->id) {
        f->copy = *t;       /* only numbers are read after the walk */
        f->found = 1;
    }
    return 0;
}

static Tz__TokenRecord token_record(uint64_t id)
{
    struct find_token f = {.id = id};
    struct tz_error err = {0};
    cr_assert_eq(register_each_token(reg, find_token, &f, &err), 0, "%s", err.msg);
    cr_assert(f.found, "no token %llu", (unsigned long long)id);
    return f.copy;
}

/* ---- tokens ---- */

Test(token, an_expired_token_is_refused_bad_token_saying_when)
{
    uint64_t id;
    const char *tok = token(T0 + 7 * DAY, 0, &id);
    cr_assert_eq(enroll_at(1, 1, tok, T0 + 7 * DAY - 1).status, TZ__STATUS__OK);
    struct enrolled e = enroll_at(2, 1, tok, T0 + 7 * DAY);
    cr_assert_eq(e.status, TZ__STATUS__BAD_TOKEN);
    cr_assert(strstr(e.detail, "expired on 2023-11-21 22:13 UTC"), "%s", e.detail);
    char want[64];
    snprintf(want, sizeof(want), "(id %llu)", (unsigned long long)id);
    cr_assert(strstr(e.detail, want), "%s", e.detail);
    cr_assert_eq(stats().rejected[TZ__STATUS__BAD_TOKEN], 1);
    cr_assert_eq(stats().agents, 1, "the expired token made no host");
}

Test(token, a_used_up_token_is_refused_even_inside_one_batch)
{
    uint64_t id;
    const char *tok = token(0, 2, &id);
    cr_assert_eq(enroll_at(1, 1, tok, T0).status, TZ__STATUS__OK);
    /* Two more in one transaction: only one use is left, and it is spent
     * by the first of them. */
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)tok;
    struct register_item b[2] = {{.kind = ITEM_ENROLL, .seq = 1, .enroll = &en},
                                 {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en}};
    key(b[0].agent_pk, 2);
    key(b[1].agent_pk, 3);
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, b, 2, T0 + 10, &err), 0, "%s", err.msg);
    cr_assert_eq(b[0].status, TZ__STATUS__OK, "%s", b[0].detail);
    cr_assert_eq(b[1].status, TZ__STATUS__BAD_TOKEN);
    cr_assert(strstr(b[1].detail, "is used up (2 of 2 enrollments made)"), "%s",
              b[1].detail);
    Tz__TokenRecord t = token_record(id);
    cr_assert_eq(t.uses, 2);
    cr_assert_eq(t.last_used_at, T0 + 10);
    cr_assert_eq(admission_token_uses_left(&t), 0);
    cr_assert_eq(stats().agents, 2);
}

Test(token, a_revoked_token_is_refused_and_its_agents_stay)
{
    uint64_t id, other;
    const char *tok = token(0, 0, &id);
    char keep[REGISTER_TOKEN_LEN];
    memcpy(keep, tok, sizeof(keep));
    token(0, 0, &other);
    cr_assert_neq(id, other, "each token has its own id");
    cr_assert_eq(enroll_at(1, 1, keep, T0).status, TZ__STATUS__OK);
    struct tz_error err = {0};
    cr_assert_eq(register_token_revoke(reg, id, T0 + 60, "ops", &err), 0, "%s", err.msg);
    cr_assert_eq(register_token_revoke(reg, id, T0 + 61, "ops", &err), TZ_EEXIST);
    cr_assert(strstr(err.msg, "revoked already"), "%s", err.msg);
    cr_assert_eq(register_token_revoke(reg, 999, T0 + 61, "ops", &err), TZ_ENOENT);

    struct enrolled e = enroll_at(2, 1, keep, T0 + 120);
    cr_assert_eq(e.status, TZ__STATUS__BAD_TOKEN);
    cr_assert(strstr(e.detail, "was revoked on 2023-11-14 22:14 UTC"), "%s", e.detail);
    /* The agent it enrolled goes on reporting, and even enrolling its own
     * key again: the key proves who it is. */
    cr_assert_eq(send_item(1, 2, 1, T0 + 130).status, TZ__STATUS__OK);
    struct enrolled again = enroll_at(1, 3, keep, T0 + 140);
    cr_assert_eq(again.status, TZ__STATUS__OK, "%s", again.detail);
    cr_assert_eq(again.id, 1);
    Tz__TokenRecord t = token_record(id);
    cr_assert_eq(t.revoked_at, T0 + 60);
    cr_assert_eq(t.uses, 1, "re-enrolling an enrolled key spends no use");
}

Test(token, an_admin_token_takes_no_limits_and_a_past_expiry_is_refused)
{
    char tok[REGISTER_TOKEN_LEN];
    struct tz_error err = {0};
    struct register_token_spec admin = {NULL, T0 + DAY, 0};
    cr_assert_eq(register_token_make(reg, &admin, T0, tok, NULL, &err), TZ_EINVAL);
    struct register_token_spec past = {"计算机学院", T0, 0};
    cr_assert_eq(register_token_make(reg, &past, T0, tok, NULL, &err), TZ_EINVAL);
    struct register_token_spec nodept = {"物理学院", 0, 0};
    cr_assert_eq(register_token_make(reg, &nodept, T0, tok, NULL, &err), TZ_ENOENT);
}

/* A token record as a register from before expiry, use limits and ids
 * stored it: only dept, role, created_at and prefix. */
static void put_old_token(const char *tok)
{
    register_close(reg);
    reg = NULL;
    Tz__TokenRecord rec = TZ__TOKEN_RECORD__INIT;
    rec.dept = "计算机学院";
    rec.role = "dept";
    rec.created_at = T0;
    rec.prefix = "tz_oldtoke";
    uint8_t buf[256], h[32];
    size_t len = tz__token_record__pack(&rec, buf);
    crypto_generichash(h, sizeof(h), (const unsigned char *)tok, strlen(tok), NULL, 0);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "tokens", 0, &dbi), 0);
    MDB_val k = {32, h}, d = {len, buf};
    cr_assert_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

Test(token, a_token_from_an_older_register_is_unlimited_and_gets_an_id)
{
    uint64_t newer;
    token(0, 0, &newer);
    const char *old = "tz_oldtoken-made-before-expiry-existed-0123456";
    put_old_token(old);
    struct tz_error err = {0};
    /* Read-only, as tzctl token list opens it: no id yet. */
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0, "%s", err.msg);
    struct find_token f = {.id = 0};
    cr_assert_eq(register_each_token(reg, find_token, &f, &err), 0, "%s", err.msg);
    cr_assert(f.found, "the old token lists with id 0 until a writable open");
    register_close(reg);
    /* The next writable open (the collector's start) numbers it after the
     * newest id. */
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    Tz__TokenRecord t = token_record(newer + 1);
    cr_assert_eq(t.expires_at, 0);
    cr_assert_eq(t.max_uses, 0);
    cr_assert_eq(admission_token_uses_left(&t), UINT32_MAX);
    for (int pk = 1; pk <= 3; pk++)
        cr_assert_eq(enroll_at(pk, 1, old, T0 + 3650 * DAY).status, TZ__STATUS__OK,
                     "an old token never expires and has no use limit");
    /* Ids go on above it. */
    uint64_t next;
    token(0, 0, &next);
    cr_assert_eq(next, newer + 2);
    struct register_verify_counts n;
    cr_assert_eq(register_verify(reg, &n, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(n.problems, 0);
    cr_assert_eq(n.tokens, 3);
}

/* ---- agent keys ---- */

static void revoke(uint64_t id, int64_t at, const char *reason)
{
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = at;
    rev.by = "ops";
    rev.reason = (char *)reason;
    struct tz_error err = {0};
    cr_assert_eq(register_agent_revoke(reg, id, &rev, &err), 0, "%s", err.msg);
}

struct history {
    int entries, revocations;
    int64_t at;
    char reason[64];
};

static int history_cb(const Tz__HistoryEntry *e, void *arg)
{
    struct history *h = arg;
    h->entries++;
    if (e->revocation) {
        h->revocations++;
        h->at = e->at;
        snprintf(h->reason, sizeof(h->reason), "%s", e->revocation->reason);
    }
    return 0;
}

Test(agent_revoke, a_revoked_key_is_refused_whatever_it_sends_and_counted)
{
    const char *tok = token(0, 0, NULL);
    cr_assert_eq(enroll_at(1, 1, tok, T0).status, TZ__STATUS__OK);
    cr_assert_eq(enroll_at(2, 1, tok, T0).status, TZ__STATUS__OK);
    cr_assert_eq(send_item(1, 2, 1, T0 + 10).status, TZ__STATUS__OK);
    revoke(1, T0 + 60, "disk stolen");

    struct register_item r = send_item(1, 3, 1, T0 + 70);
    cr_assert_eq(r.status, TZ__STATUS__REVOKED);
    cr_assert_eq(r.agent_id, 1, "the Ack names the agent refused");
    cr_assert_str_eq(r.detail, "the key of agent 1 was revoked on 2023-11-14 "
                     "22:14 UTC by ops: disk stolen");
    cr_assert_eq(send_item(1, 4, 0, T0 + 71).status, TZ__STATUS__REVOKED);
    /* A seq it used before is still REVOKED, not REPLAY: revocation first. */
    cr_assert_eq(send_item(1, 2, 1, T0 + 72).status, TZ__STATUS__REVOKED);
    /* Enrolling the same key again, with a good token, does not bring it back. */
    cr_assert_eq(enroll_at(1, 5, tok, T0 + 73).status, TZ__STATUS__REVOKED);
    /* The other agent is untouched. */
    cr_assert_eq(send_item(2, 2, 1, T0 + 74).status, TZ__STATUS__OK);

    struct register_stats st = stats();
    cr_assert_eq(st.rejected[TZ__STATUS__REVOKED], 4);
    cr_assert_eq(st.reports_accepted, 2);

    /* The host stays, with its report, and records when it stopped. */
    Tz__AgentRecord *rec;
    Tz__Report *rep;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, 1, &rec, &rep, &err), 0, "%s", err.msg);
    cr_assert_not_null(rep, "its reports stay");
    cr_assert_not_null(rec->revocation);
    cr_assert_eq(rec->revocation->at, T0 + 60);
    cr_assert_str_eq(rec->revocation->by, "ops");
    cr_assert_eq(rec->last_seq, 2, "nothing after the revocation was accepted");
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&rep->base, NULL);

    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = T0 + 80;
    cr_assert_eq(register_agent_revoke(reg, 1, &rev, &err), TZ_EEXIST);
    cr_assert(strstr(err.msg, "revoked already, on 2023-11-14 22:14 UTC"), "%s", err.msg);
    cr_assert_eq(register_agent_revoke(reg, 9, &rev, &err), TZ_ENOENT);
}

Test(agent_revoke, the_history_keeps_the_revocation_and_verify_checks_it)
{
    const char *tok = token(0, 0, NULL);
    cr_assert_eq(enroll_at(1, 1, tok, T0).status, TZ__STATUS__OK);
    cr_assert_eq(send_item(1, 2, 1, T0 + 10).status, TZ__STATUS__OK);
    /* In the same second as the first report's baseline entry: both kept. */
    revoke(1, T0 + 10, "moved to another department");
    struct history h = {0};
    struct tz_error err = {0};
    cr_assert_eq(register_each_history(reg, 1, 0, history_cb, &h, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(h.revocations, 1);
    cr_assert_eq(h.entries, 1, "the revocation joined the entry of that instant");
    cr_assert_eq(h.at, T0 + 10);
    cr_assert_str_eq(h.reason, "moved to another department");

    struct register_verify_counts n;
    cr_assert_eq(register_verify(reg, &n, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(n.problems, 0);
}

Test(agent_revoke, a_new_key_of_the_same_machine_enrolls_as_a_new_host)
{
    const char *tok = token(0, 0, NULL);
    struct enrolled old = enroll_at(1, 1, tok, T0);
    cr_assert_eq(send_item(1, 2, 1, T0 + 10).status, TZ__STATUS__OK);
    revoke(old.id, T0 + 60, "");
    /* tz-agent --reenroll: a new key, the same machine id, seqs go on. */
    struct enrolled nw = enroll_at(7, 3, tok, T0 + 100);
    cr_assert_eq(nw.status, TZ__STATUS__OK, "%s", nw.detail);
    cr_assert_neq(nw.id, old.id);
    cr_assert_eq(send_item(7, 4, 1, T0 + 110).status, TZ__STATUS__OK);

    Tz__AgentRecord *a, *b;
    Tz__Report *ra, *rb;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, old.id, &a, &ra, &err), 0, "%s", err.msg);
    cr_assert_eq(register_get_host(reg, nw.id, &b, &rb, &err), 0, "%s", err.msg);
    cr_assert_str_eq(a->machine_id, b->machine_id);
    cr_assert_not_null(a->revocation, "the old host stays, revoked");
    cr_assert_null(b->revocation);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    protobuf_c_message_free_unpacked(&ra->base, NULL);
    protobuf_c_message_free_unpacked(&rb->base, NULL);
    cr_assert_eq(stats().agents, 2);
}

Test(agent_revoke, admission_details_stay_valid_utf8_when_cut)
{
    Tz__AgentRecord a = TZ__AGENT_RECORD__INIT;
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    char reason[ADMISSION_REASON_MAX + 1] = "";
    for (int i = 0; i + 3 <= ADMISSION_REASON_MAX; i += 3)
        strcat(reason, "盗");
    rev.at = T0;
    rev.by = "ops";
    rev.reason = reason;
    a.agent_id = 3;
    a.revocation = &rev;
    char why[160];
    cr_assert_eq(admission_agent(&a, why, sizeof(why)), TZ__STATUS__REVOKED);
    cr_assert_lt(strlen(why), sizeof(why));
    cr_assert(tz_utf8_valid(why), "cut inside a character: %s", why);
    a.revocation = NULL;
    cr_assert_eq(admission_agent(&a, why, sizeof(why)), TZ__STATUS__OK);
}
