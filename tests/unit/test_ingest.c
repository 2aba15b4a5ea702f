/* ingest_process: verify → one transaction → replies, against a real register. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "ingest.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *dir;
static struct tz_register *reg;
static struct tz_keypair collector, agent, stranger;
static char token[REGISTER_TOKEN_LEN];

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    dir = tz_test_tmpdir("ingest");
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "计算机学院", 1, &err), 0, "%s", err.msg);
    cr_assert_eq(register_token_create(reg, "计算机学院", 1, token, &err), 0);
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(agent.pk, agent.sk);
    crypto_box_keypair(stranger.pk, stranger.sk);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(ingest, .init = setup, .fini = teardown);

static uint8_t *seal_enroll(const struct tz_keypair *from, uint64_t seq,
                            const char *tok, size_t *len)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)tok;
    en.hostname = "lab01";
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    uint8_t *msg;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, from, collector.pk, &msg, len, &err), 0);
    return msg;
}

static uint8_t *seal_report(const struct tz_keypair *from, uint64_t seq,
                            int npkgs, size_t *len)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = "lab01.example.edu.cn";
    Tz__Package pk[8], *pp[8];
    char names[8][16];
    for (int i = 0; i < npkgs; i++) {
        tz__package__init(&pk[i]);
        snprintf(names[i], sizeof(names[i]), "pkg%d", i);
        pk[i].name = names[i];
        pk[i].version = "1.0";
        pp[i] = &pk[i];
    }
    Tz__PackagesSection ps = TZ__PACKAGES_SECTION__INIT;
    ps.manager = "dpkg";
    ps.n_packages = (size_t)npkgs;
    ps.packages = pp;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    r.packages = &ps;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = &r;
    uint8_t *msg;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, from, collector.pk, &msg, len, &err), 0);
    return msg;
}

/* Run one batch and open each reply as the given agent would. */
static void run_batch(uint8_t **msgs, size_t *lens, size_t n,
                      const struct tz_keypair **who, Tz__Ack **acks, int *auth)
{
    struct ingest_req reqs[16];
    cr_assert(n <= 16);
    for (size_t i = 0; i < n; i++)
        reqs[i] = (struct ingest_req){.msg = msgs[i], .len = lens[i]};
    struct tz_error err = {0};
    cr_assert_eq(ingest_process(reg, &collector, reqs, n, TZ_MAX_MSG, 1000, &err), 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(reqs[i].reply);
        cr_assert_eq(reply_open(reqs[i].reply, reqs[i].reply_len, who[i],
                                collector.pk, &acks[i], &auth[i], &err), 0,
                     "%s", err.msg);
        cr_assert_eq((int)acks[i]->status, reqs[i].status);
        free(reqs[i].reply);
    }
}

static void free_acks(Tz__Ack **acks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tz__ack__free_unpacked(acks[i], NULL);
}

Test(ingest, enroll_then_report_is_stored_and_acked)
{
    uint8_t *m[2];
    size_t l[2];
    m[0] = seal_enroll(&agent, 10, token, &l[0]);
    m[1] = seal_report(&agent, 11, 3, &l[1]);
    const struct tz_keypair *who[] = {&agent, &agent};
    Tz__Ack *a[2];
    int auth[2];
    run_batch(m, l, 2, who, a, auth);
    cr_assert_eq(a[0]->status, TZ__STATUS__OK, "%s", a[0]->detail);
    cr_assert_eq(a[0]->agent_id, 1);
    cr_assert_str_eq(a[0]->dept, "计算机学院");
    cr_assert_eq(a[1]->status, TZ__STATUS__OK, "%s", a[1]->detail);
    cr_assert_eq(a[1]->seq, 11);
    cr_assert(auth[0] && auth[1]);
    free_acks(a, 2);
    free(m[0]);
    free(m[1]);

    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, 1, &rec, &rep, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rec->hostname, "lab01.example.edu.cn");
    cr_assert_eq(rec->package_count, 3);
    cr_assert_eq(rep->packages->n_packages, 3);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&rep->base, NULL);
}

Test(ingest, each_rejection_has_its_own_status)
{
    uint8_t *m[7];
    size_t l[7];
    m[0] = seal_enroll(&agent, 5, token, &l[0]);
    m[1] = seal_report(&agent, 6, 2, &l[1]);
    m[2] = seal_report(&agent, 6, 2, &l[2]);          /* replayed seq */
    m[3] = seal_report(&stranger, 1, 2, &l[3]);       /* never enrolled */
    m[4] = seal_enroll(&stranger, 2, "tz_not-a-token", &l[4]);
    m[5] = seal_report(&agent, 7, 2, &l[5]);
    m[5][l[5] - 3] ^= 1;                              /* forged box */
    l[6] = TZ_MAX_MSG + 10;                           /* oversized */
    m[6] = calloc(1, l[6]);
    const struct tz_keypair *who[] = {&agent, &agent, &agent, &stranger,
                                      &stranger, &agent, &agent};
    struct ingest_req reqs[7];
    for (int i = 0; i < 7; i++)
        reqs[i] = (struct ingest_req){.msg = m[i], .len = l[i]};
    struct tz_error err = {0};
    cr_assert_eq(ingest_process(reg, &collector, reqs, 7, TZ_MAX_MSG, 1000, &err), 0);
    int want[] = {TZ__STATUS__OK, TZ__STATUS__OK, TZ__STATUS__REPLAY,
                  TZ__STATUS__UNKNOWN_AGENT, TZ__STATUS__BAD_TOKEN,
                  TZ__STATUS__FORGED, TZ__STATUS__TOO_LARGE};
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(reqs[i].status, want[i], "request %d: got %s want %s", i,
                     tz_status_name(reqs[i].status), tz_status_name(want[i]));
        Tz__Ack *a = NULL;
        int auth = 0;
        cr_assert_eq(reply_open(reqs[i].reply, reqs[i].reply_len, who[i],
                                collector.pk, &a, &auth, &err), 0);
        /* Requests that opened get a sealed answer; the others a plain one. */
        cr_assert_eq(auth, i < 5, "request %d auth %d", i, auth);
        tz__ack__free_unpacked(a, NULL);
        free(reqs[i].reply);
        free(m[i]);
    }

    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, &err), 0);
    cr_assert_eq(st.accepted, 2);
    cr_assert_eq(st.reports_accepted, 1);
    cr_assert_eq(st.rejected[TZ__STATUS__REPLAY], 1);
    cr_assert_eq(st.rejected[TZ__STATUS__UNKNOWN_AGENT], 1);
    cr_assert_eq(st.rejected[TZ__STATUS__BAD_TOKEN], 1);
    cr_assert_eq(st.rejected[TZ__STATUS__FORGED], 1);
    cr_assert_eq(st.rejected[TZ__STATUS__TOO_LARGE], 1);
    cr_assert_eq(st.agents, 1);
    cr_assert_eq(st.batches, 1, "seven requests, one transaction (group commit)");
}

Test(ingest, replay_across_batches_is_refused)
{
    uint8_t *m[1];
    size_t l[1];
    const struct tz_keypair *who[] = {&agent};
    Tz__Ack *a[1];
    int auth[1];
    m[0] = seal_enroll(&agent, 100, token, &l[0]);
    run_batch(m, l, 1, who, a, auth);
    cr_assert_eq(a[0]->status, TZ__STATUS__OK);
    free_acks(a, 1);
    free(m[0]);
    m[0] = seal_report(&agent, 99, 1, &l[0]);
    run_batch(m, l, 1, who, a, auth);
    cr_assert_eq(a[0]->status, TZ__STATUS__REPLAY);
    /* last_seq lets an agent whose reply was lost see its seq 100 is stored. */
    cr_assert_eq(a[0]->last_seq, 100);
    free_acks(a, 1);
    free(m[0]);
}

/* What the daemon hands over for requests it dropped because their
 * source was slowed down: counted in the batch's own transaction, nothing
 * opened, no reply. */
Test(ingest, dropped_requests_are_counted_with_the_batch_and_get_no_reply)
{
    size_t len;
    uint8_t *m = seal_enroll(&agent, 1, token, &len);
    struct ingest_req reqs[2] = {{.msg = m, .len = len}, {.throttled = 4096}};
    struct tz_error err = {0};
    cr_assert_eq(ingest_process(reg, &collector, reqs, 2, TZ_MAX_MSG, 1000, &err), 0);
    cr_assert_eq(reqs[0].status, TZ__STATUS__OK);
    cr_assert_not_null(reqs[0].reply);
    cr_assert_null(reqs[1].reply, "a count is not answered");
    cr_assert_eq(reqs[1].status, 0);
    free(reqs[0].reply);
    free(m);
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.throttled, 4096);
    cr_assert_eq(st.accepted, 1);
    cr_assert_eq(st.batches, 1, "one transaction for both");
}

Test(ingest, a_revoked_agent_gets_a_sealed_revoked_answer)
{
    uint8_t *m[1];
    size_t l[1];
    const struct tz_keypair *who[] = {&agent};
    Tz__Ack *a[1];
    int auth[1];
    m[0] = seal_enroll(&agent, 10, token, &l[0]);
    run_batch(m, l, 1, who, a, auth);
    cr_assert_eq(a[0]->status, TZ__STATUS__OK);
    uint64_t id = a[0]->agent_id;
    free_acks(a, 1);
    free(m[0]);
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = 1000;
    rev.by = "ops";
    rev.reason = "retired";
    struct tz_error err = {0};
    cr_assert_eq(register_agent_revoke(reg, id, &rev, &err), 0, "%s", err.msg);
    m[0] = seal_report(&agent, 11, 1, &l[0]);
    run_batch(m, l, 1, who, a, auth);
    cr_assert_eq(a[0]->status, TZ__STATUS__REVOKED);
    cr_assert(auth[0], "an authenticated refusal: the agent can trust it");
    cr_assert_eq(a[0]->agent_id, id);
    cr_assert(strstr(a[0]->detail, "by ops: retired"), "%s", a[0]->detail);
    free_acks(a, 1);
    free(m[0]);
}
