/* session against a scripted collector in a thread (nanomsg REP on ipc://):
 * which answers the agent takes as the answer to what it just sent. The
 * scripted side holds the collector's key, so it can play the collector and
 * an attacker replaying the collector's earlier, genuine replies. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_config.h"
#include "agent_state.h"
#include "envelope.h"
#include "session.h"
#include "tz_test.h"

static char *tmp;
static int dirfd_ = -1;
static struct tz_keypair agent, collector;
static struct agent_config cfg;
static struct agent_state st;

/* The scripted collector: answers request i with script[i]. */
enum answer { NEED_FULL_FRESH, REPLAY_FIRST, OK_FRESH, STALE_FRESH, OVER_QUOTA_FRESH,
              /* as a collector refusing at open answers: seq 0, the request
               * id echoed (or, _OTHER_RID, another's; _OK: status OK) */
              INVALID_SEQ0, INVALID_SEQ0_OTHER_RID, OK_SEQ0 };
struct fake {
    int sock;
    const enum answer *script;
    int n;
    int served;
    uint8_t *first;             /* the reply to request 0, kept to replay */
    size_t first_len;
    uint64_t epochs[8];         /* Payload.epoch of each request */
    uint8_t rids[8][16];        /* Payload.request_id of each request */
};

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    tmp = tz_test_tmpdir("session");
    dirfd_ = open(tmp, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(dirfd_, 0);
    crypto_box_keypair(agent.pk, agent.sk);
    crypto_box_keypair(collector.pk, collector.sk);
    agent_config_defaults(&cfg);
    snprintf(cfg.collectors[0], sizeof(cfg.collectors[0]), "ipc://%s/c.sock", tmp);
    cfg.n_collectors = 1;
    memcpy(cfg.collector_pk, collector.pk, TZ_KEY_LEN);
    cfg.have_collector_pk = 1;
    cfg.timeout_s = 2;
    struct tz_error err = {0};
    cr_assert_eq(agent_state_load(dirfd_, tmp, &agent, &st, &err), 0, "%s", err.msg);
    st.agent_id = 5;   /* enrolled: deliver sends the report straight away */
    st.epoch = 11;
}

static void teardown(void)
{
    tz_keypair_wipe(&st.kp);
    close(dirfd_);
    tz_test_rm_rf(tmp);
    free(tmp);
}

TestSuite(session, .init = setup, .fini = teardown, .timeout = 30);

static void *serve(void *arg)
{
    struct fake *f = arg;
    while (f->served < f->n) {
        void *buf = NULL;
        int r = nn_recv(f->sock, &buf, NN_MSG, 0);
        if (r < 0)
            break;
        struct envelope_opened o;
        envelope_open(buf, (size_t)r, TZ_MAX_MSG, &collector, &o);
        nn_freemsg(buf);
        int i = f->served++;
        uint8_t *reply = NULL;
        size_t rlen = 0;
        if (o.status == TZ__STATUS__OK && i < 8) {
            f->epochs[i] = o.payload->epoch;
            memcpy(f->rids[i], o.payload->request_id.data, 16);
        }
        if (o.status == TZ__STATUS__OK && f->script[i] != REPLAY_FIRST) {
            Tz__Ack ack = TZ__ACK__INIT;
            enum answer an = f->script[i];
            int seq0 = an == INVALID_SEQ0 || an == INVALID_SEQ0_OTHER_RID || an == OK_SEQ0;
            ack.status = an == NEED_FULL_FRESH    ? TZ__STATUS__NEED_FULL
                         : an == STALE_FRESH      ? TZ__STATUS__STALE_EPOCH
                         : an == OVER_QUOTA_FRESH ? TZ__STATUS__OVER_QUOTA
                         : an == OK_SEQ0 || an == OK_FRESH ? TZ__STATUS__OK
                                                  : TZ__STATUS__INVALID;
            ack.seq = seq0 ? 0 : o.payload->seq;
            ack.agent_id = 5;
            ack.detail = seq0 && ack.status == TZ__STATUS__INVALID
                             ? "unknown field 100 in Report: this collector does not "
                               "read it (is the agent newer than the collector?)"
                             : "scripted";
            ack.epoch = 22;
            ack.request_id = o.payload->request_id;
            uint8_t other[16] = {1, 2, 3};
            if (an == INVALID_SEQ0_OTHER_RID)
                ack.request_id.data = other;
            struct tz_error err = {0};
            reply_seal(&ack, o.agent_pk, &collector, &reply, &rlen, &err);
        } else if (f->script[i] == REPLAY_FIRST) {
            /* The genuine reply to request 0, byte for byte. */
            rlen = f->first_len;
            reply = malloc(rlen);
            memcpy(reply, f->first, rlen);
        }
        envelope_opened_free(&o);
        if (reply == NULL)
            break;
        if (i == 0) {
            f->first = malloc(rlen);
            memcpy(f->first, reply, rlen);
            f->first_len = rlen;
        }
        nn_send(f->sock, reply, rlen, 0);
        free(reply);
    }
    return NULL;
}

static pthread_t start(struct fake *f, const enum answer *script, int n)
{
    memset(f, 0, sizeof(*f));
    f->script = script;
    f->n = n;
    f->sock = nn_socket(AF_SP, NN_REP);
    cr_assert_geq(f->sock, 0);
    cr_assert_geq(nn_bind(f->sock, cfg.collectors[0]), 0, "%s", nn_strerror(nn_errno()));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, serve, f), 0);
    return t;
}

static void stop(struct fake *f, pthread_t t)
{
    nn_close(f->sock);   /* wakes nn_recv */
    pthread_join(t, NULL);
    free(f->first);
}

static Tz__Report *one_report(void)
{
    static Tz__HostSection h = TZ__HOST_SECTION__INIT;
    static Tz__Report r = TZ__REPORT__INIT;
    h.hostname = "web01.example.edu.cn";
    r.host = &h;
    return &r;
}

/* Finding 5: the full resend after NEED_FULL goes under the same seq; the
 * NEED_FULL Ack of the first send, replayed as the answer to the resend,
 * must not make the agent give the report up as refused. */
Test(session, a_replayed_need_full_ack_is_not_the_answer_to_the_resend)
{
    static const enum answer script[] = {NEED_FULL_FRESH, REPLAY_FIRST};
    struct fake f;
    pthread_t t = start(&f, script, 2);
    int retry = -1;
    struct tz_error err = {0};
    int rc = session_deliver(&cfg, &st, one_report(), 1000, &retry, &err);
    cr_assert_neq(rc, 0, "a replayed NEED_FULL was taken as stored");
    cr_assert_eq(retry, 1, "the report was given up on a replayed Ack: %s", err.msg);
    cr_assert(strstr(err.msg, "request id") != NULL, "%s", err.msg);
    cr_assert_eq(f.served, 2);
    cr_assert_neq(memcmp(f.rids[0], f.rids[1], 16), 0,
                  "the resend of the same seq reused the request id");
    stop(&f, t);

    /* The next try, answered for real, lands. */
    static const enum answer ok[] = {OK_FRESH};
    t = start(&f, ok, 1);
    memset(&err, 0, sizeof(err));
    cr_assert_eq(session_deliver(&cfg, &st, one_report(), 1000, &retry, &err), 0, "%s",
                 err.msg);
    stop(&f, t);
}

/* Finding 6, the agent's side: STALE_EPOCH teaches the register's epoch,
 * which the resend carries and the state file keeps. */
Test(session, stale_epoch_is_learned_saved_and_resent_under_the_new_epoch)
{
    static const enum answer script[] = {STALE_FRESH, OK_FRESH};
    struct fake f;
    pthread_t t = start(&f, script, 2);
    int retry = -1;
    struct tz_error err = {0};
    cr_assert_eq(session_deliver(&cfg, &st, one_report(), 1000, &retry, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(f.served, 2);
    cr_assert_eq(f.epochs[0], 11);
    cr_assert_eq(f.epochs[1], 22, "the resend did not carry the learned epoch");
    stop(&f, t);
    struct agent_state again;
    cr_assert_eq(agent_state_load(dirfd_, tmp, &agent, &again, &err), 0, "%s", err.msg);
    cr_assert_eq(again.epoch, 22, "the epoch was not saved");
    tz_keypair_wipe(&again.kp);
}

/* Finding 3, the agent's side: an agent over the collector's limits keeps
 * its report for later (retry: the daemon backs off, the spool keeps it),
 * sends it once, not again at once, and says why. */
Test(session, over_quota_is_retried_later_not_dropped_nor_resent_at_once)
{
    static const enum answer script[] = {OVER_QUOTA_FRESH};
    struct fake f;
    pthread_t t = start(&f, script, 1);
    int retry = -1;
    struct tz_error err = {0};
    int rc = session_deliver(&cfg, &st, one_report(), 1000, &retry, &err);
    cr_assert_neq(rc, 0, "a report refused OVER_QUOTA was taken as stored");
    cr_assert_eq(retry, 1, "the report would be dropped: %s", err.msg);
    cr_assert_eq(f.served, 1, "the agent resent at once instead of backing off");
    cr_assert(strstr(err.msg, "over_quota") != NULL, "%s", err.msg);
    cr_assert_eq(st.revoked, 0);
    stop(&f, t);

    /* Later, under the limit again, the same report lands. */
    static const enum answer ok[] = {OK_FRESH};
    t = start(&f, ok, 1);
    memset(&err, 0, sizeof(err));
    cr_assert_eq(session_deliver(&cfg, &st, one_report(), 1000, &retry, &err), 0, "%s",
                 err.msg);
    stop(&f, t);
}

/* A collector that refuses a request at open, before its register reads the
 * seq (a field it does not know, INVALID), answers seq 0 with the request
 * id echoed. That is this send's refusal: given up (retry 0, so delivery
 * drops it with its reason), sent once. Before, it was "not the answer",
 * retried with the same bytes forever and the spool stuck behind it. */
Test(session, a_refusal_at_open_with_seq_0_is_final_and_sent_once)
{
    static const enum answer script[] = {INVALID_SEQ0};
    struct fake f;
    pthread_t t = start(&f, script, 1);
    int retry = -1;
    struct tz_error err = {0};
    int rc = session_deliver(&cfg, &st, one_report(), 1000, &retry, &err);
    cr_assert_neq(rc, 0, "a refused report was taken as stored");
    cr_assert_eq(retry, 0, "the refusal was not taken as final: %s", err.msg);
    cr_assert_str_eq(err.msg, "report refused (invalid): unknown field 100 in Report: "
                              "this collector does not read it (is the agent newer "
                              "than the collector?)");
    cr_assert_eq(f.served, 1);
    cr_assert_eq(st.revoked, 0);
    stop(&f, t);
}

/* What binds a seq-0 refusal is the request id: the same refusal naming
 * another request (a recording replayed) is no answer and drops nothing;
 * nor is an OK for seq 0 taken as stored. */
Test(session, a_seq_0_answer_binds_only_as_a_refusal_of_this_request)
{
    static const enum answer other[] = {INVALID_SEQ0_OTHER_RID};
    struct fake f;
    pthread_t t = start(&f, other, 1);
    int retry = -1;
    struct tz_error err = {0};
    cr_assert_neq(session_deliver(&cfg, &st, one_report(), 1000, &retry, &err), 0);
    cr_assert_eq(retry, 1, "a refusal of another request dropped the report: %s",
                 err.msg);
    cr_assert(strstr(err.msg, "request id differs") != NULL, "%s", err.msg);
    stop(&f, t);

    static const enum answer ok0[] = {OK_SEQ0};
    t = start(&f, ok0, 1);
    memset(&err, 0, sizeof(err));
    cr_assert_neq(session_deliver(&cfg, &st, one_report(), 1000, &retry, &err), 0,
                  "an OK naming seq 0 was taken as stored");
    cr_assert_eq(retry, 1, "%s", err.msg);
    cr_assert_str_eq(err.msg, "collector answered seq 0 for seq 1000");
    stop(&f, t);
}
