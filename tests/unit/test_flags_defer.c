/* flags_defer: the rules for stored reports run on a timer, after the Acks,
 * and the flags appear within the interval. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "envelope.h"
#include "flags_defer.h"
#include "ingest.h"
#include "register.h"
#include "rules_config.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *dir;
static struct tz_register *reg;
static struct tz_keypair collector, agent;
static struct rules_config rules;
static uv_loop_t loop;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    dir = tz_test_tmpdir("flags_defer");
    struct tz_error err = {0};
    char token[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "cs", 1, &err), 0);
    cr_assert_eq(register_token_create(reg, "cs", 1, token, &err), 0);
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(agent.pk, agent.sk);
    rules_config_defaults(&rules);
    cr_assert_eq(uv_loop_init(&loop), 0);

    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = token;
    en.hostname = "lab01";
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = 1;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    uint8_t *m;
    size_t l;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &m, &l, &err), 0);
    struct ingest_req req = {.msg = m, .len = l};
    cr_assert_eq(ingest_process(reg, &collector, &req, 1, TZ_MAX_MSG, 100, &err), 0);
    cr_assert_eq(req.status, TZ__STATUS__OK);
    free(req.reply);
    free(m);
}

static void teardown(void)
{
    uv_run(&loop, UV_RUN_DEFAULT);   /* let closed handles go */
    cr_assert_eq(uv_loop_close(&loop), 0);
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(flags_defer, .init = setup, .fini = teardown);

static int add_open(int kind, uint64_t subject, size_t open, void *arg)
{
    (void)kind;
    (void)subject;
    *(size_t *)arg += open;
    return 0;
}

static size_t open_flags(void)
{
    size_t n = 0;
    struct tz_error err = {0};
    cr_assert_eq(register_count_open_flags(reg, add_open, &n, &err), 0, "%s", err.msg);
    return n;
}

/* A report of a host bound to no system: UNREGISTERED_HOST at least. */
static void store_report(uint64_t seq, struct ingest_req *req)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = "lab01.example.edu.cn";
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = &r;
    uint8_t *m;
    size_t l;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &m, &l, &err), 0);
    *req = (struct ingest_req){.msg = m, .len = l};
    cr_assert_eq(ingest_process(reg, &collector, req, 1, TZ_MAX_MSG, 200, &err), 0);
    cr_assert_eq(req->status, TZ__STATUS__OK);
    cr_assert_not_null(req->reply, "the Ack exists before any rule ran");
    free(m);
}

Test(flags_defer, flags_appear_within_the_interval_and_acks_never_wait)
{
    struct flags_defer *fd;
    struct tz_error err = {0};
    cr_assert_eq(flags_defer_new(&loop, reg, &rules, 100, &fd, &err), 0);
    struct ingest_req req[3];
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) {
        store_report(2 + (uint64_t)i, &req[i]);
        ids[i] = req[i].stored_report;
        cr_assert_neq(ids[i], 0);
        /* What the daemon's on_stored does: queue, no write, no wait. */
        flags_defer_add(fd, &ids[i], 1);
        free(req[i].reply);
    }
    cr_assert_eq(flags_defer_pending(fd), 3);
    cr_assert_eq(open_flags(), 0, "Acked, yet no rule has run");

    uint64_t t0 = uv_hrtime();
    while (open_flags() == 0 && uv_hrtime() - t0 < 2000000000ull)
        uv_run(&loop, UV_RUN_ONCE);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    cr_assert_gt(open_flags(), 0, "no flags after %llu ms", (unsigned long long)ms);
    cr_assert_lt(ms, 100 + 500, "flags took %llu ms for a 100 ms interval",
                 (unsigned long long)ms);
    cr_assert_eq(flags_defer_pending(fd), 0, "the three reports were evaluated at once");
    flags_defer_close(fd);
}

Test(flags_defer, close_evaluates_what_is_pending)
{
    struct flags_defer *fd;
    struct tz_error err = {0};
    cr_assert_eq(flags_defer_new(&loop, reg, &rules, 60000, &fd, &err), 0);
    struct ingest_req req;
    store_report(2, &req);
    free(req.reply);
    flags_defer_add(fd, &req.stored_report, 1);
    cr_assert_eq(open_flags(), 0);
    flags_defer_close(fd);   /* a stopping collector does not drop them */
    cr_assert_gt(open_flags(), 0);
}

/* The per-subject open counts the ledger reads follow every sync: a flag
 * raised twice with one id and instance counts once, closed flags leave. */
struct seen_count {
    uint64_t subject;
    size_t open;
    int calls;
};

static int note_count(int kind, uint64_t subject, size_t open, void *arg)
{
    struct seen_count *s = arg;
    cr_assert_eq(kind, TZ__SUBJECT_KIND__SUBJECT_HOST);
    s->subject = subject;
    s->open = open;
    s->calls++;
    return 0;
}

Test(flags_defer, open_counts_follow_each_sync)
{
    struct tz_error err = {0};
    struct register_flag three[] = {
        {"SUDO_NOPASSWD", TZ__SEVERITY__SEV_HIGH, "alice", "x", NULL},
        {"SUDO_NOPASSWD", TZ__SEVERITY__SEV_HIGH, "bob", "y", NULL},
        {"SUDO_NOPASSWD", TZ__SEVERITY__SEV_HIGH, "bob", "y again", NULL},
        {"ROOT_SSH_LOGIN", TZ__SEVERITY__SEV_HIGH, "", "z", NULL}};
    struct register_flag_set set = {.subject_kind = TZ__SUBJECT_KIND__SUBJECT_HOST,
                                    .subject_id = 7, .subject_name = "h", .dept = "cs",
                                    .flags = three, .n = 4};
    cr_assert_eq(register_flags_sync(reg, &set, 1, 100, &err), 0, "%s", err.msg);
    struct seen_count s = {0};
    cr_assert_eq(register_count_open_flags(reg, note_count, &s, &err), 0);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(s.subject, 7);
    cr_assert_eq(s.open, 3, "bob's flag is one flag");

    set.n = 1;      /* bob's and root's close */
    cr_assert_eq(register_flags_sync(reg, &set, 1, 200, &err), 0);
    s = (struct seen_count){0};
    cr_assert_eq(register_count_open_flags(reg, note_count, &s, &err), 0);
    cr_assert_eq(s.open, 1);

    set.n = 0;      /* all closed: the subject is not listed */
    cr_assert_eq(register_flags_sync(reg, &set, 1, 300, &err), 0);
    s = (struct seen_count){0};
    cr_assert_eq(register_count_open_flags(reg, note_count, &s, &err), 0);
    cr_assert_eq(s.calls, 0);
}
