/* test_account_check — a host whose account checks keep failing shows in the
 * ledger: the collector counts, at ingest, the days on which a host's
 * reports said its password check failed (collector/account_check.h), and
 * ACCOUNT_CHECK_FAILED opens on the account_check_failed_days-th (2) and
 * closes with the first report whose check ran. The last test runs it end
 * to end: a real privileged helper whose every ask fails, the agent's own
 * report_collect, the register's ingest and the flags. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account_check.h"
#include "civil_day.h"
#include "flags_update.h"
#include "privsep.h"
#include "privsep_child.h"
#include "privsep_msg.h"
#include "register.h"
#include "report.h"
#include "rules_config.h"
#include "tz_test.h"

#define DAY 86400
#define NOW ((int64_t)1795600000)      /* 2026-11-25, mid-day in UTC+8 */

static char *dir;
static struct tz_register *reg;
static struct tz_error err;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("account-check");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "物理学院", NOW, &err), 0);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(account_check, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the count, alone ---- */

Test(account_check, the_count_is_of_failed_days_since_the_last_check_that_ran)
{
    Tz__AgentRecord a = TZ__AGENT_RECORD__INIT;
    int32_t d = civil_day(2026, 11, 20);
    account_check_track(&a, ACCOUNT_CHECK_UNCHANGED, d);
    cr_expect_eq(a.account_check_failed_days, 0, "no news while checks run");
    account_check_track(&a, ACCOUNT_CHECK_FAILED, d);
    account_check_track(&a, ACCOUNT_CHECK_FAILED, d);
    cr_expect_eq(a.account_check_failed_days, 1, "one day, however many reports");
    account_check_track(&a, ACCOUNT_CHECK_UNCHANGED, d + 1);
    cr_expect_eq(a.account_check_failed_days, 2,
                 "a delta with the failed section unchanged is still failing");
    account_check_track(&a, ACCOUNT_CHECK_FAILED, d - 3);
    cr_expect_eq(a.account_check_failed_days, 2, "a late, older report adds no day");
    account_check_track(&a, ACCOUNT_CHECK_FAILED, d + 5);
    cr_expect_eq(a.account_check_failed_days, 3);
    cr_expect_eq(a.account_check_failed_first, d);
    cr_expect_eq(a.account_check_failed_last, d + 5);
    account_check_track(&a, ACCOUNT_CHECK_RAN, d + 6);
    cr_expect_eq(a.account_check_failed_days, 0);
    cr_expect_eq(a.account_check_failed_first, 0);
    cr_expect_eq(a.account_check_failed_last, 0);

    /* what a report says, and the day it counts for */
    Tz__Report r = TZ__REPORT__INIT;
    cr_expect_eq(account_check_outcome(&r), ACCOUNT_CHECK_UNCHANGED);
    Tz__AccountsSection acc = TZ__ACCOUNTS_SECTION__INIT;
    r.accounts = &acc;
    cr_expect_eq(account_check_outcome(&r), ACCOUNT_CHECK_RAN);
    acc.weak_check_failed = 1;
    cr_expect_eq(account_check_outcome(&r), ACCOUNT_CHECK_FAILED);
    Tz__CollectError ce = TZ__COLLECT_ERROR__INIT, *cep = &ce;
    ce.section = TZ__SECTION_KIND__SECTION_ACCOUNTS;
    r.accounts = NULL;
    r.errors = &cep;
    r.n_errors = 1;
    cr_expect_eq(account_check_outcome(&r), ACCOUNT_CHECK_FAILED);
    r.collected_at = NOW - 3 * DAY;     /* spooled three days */
    cr_expect_eq(account_check_day(&r, NOW), civil_today(NOW) - 3);
    r.collected_at = NOW + 7 * DAY;     /* a clock far ahead: arrival counts */
    cr_expect_eq(account_check_day(&r, NOW), civil_today(NOW));
}

/* ---- through the register ---- */

static void put(struct register_item *it, int64_t now)
{
    cr_assert_eq(register_put_batch(reg, it, 1, now, &err), 0, "%s", err.msg);
    cr_assert_eq(it->status, TZ__STATUS__OK, "%s", it->detail);
}

static uint64_t enroll(int pk)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, "物理学院", NOW, tok, &err), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = "lab07";
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    memset(it.agent_pk, pk, 32);
    put(&it, NOW);
    return it.agent_id;
}

static void put_report(int pk, uint64_t seq, Tz__Report *r, int64_t at)
{
    r->collected_at = at;
    struct register_item it = {.kind = ITEM_REPORT, .seq = seq, .report = r};
    memset(it.agent_pk, pk, 32);
    put(&it, at);
}

/* A report of the accounts section alone; failed: its check failed. */
static void accounts_report(int pk, uint64_t seq, int failed, int64_t at)
{
    Tz__Account root = TZ__ACCOUNT__INIT, *acp = &root;
    root.name = "root";
    Tz__AccountsSection acc = TZ__ACCOUNTS_SECTION__INIT;
    acc.accounts = &acp;
    acc.n_accounts = 1;
    acc.weak_check_ran = !failed;
    acc.weak_check_failed = failed;
    acc.weak_check_error = failed ? "privileged check failed: the privileged "
                                    "helper is not running" : "";
    Tz__Report r = TZ__REPORT__INIT;
    r.accounts = &acc;
    put_report(pk, seq, &r, at);
}

static uint32_t failed_days(uint64_t host)
{
    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    cr_assert_eq(register_get_host(reg, host, &rec, &rep, &err), 0, "%s", err.msg);
    uint32_t n = rec->account_check_failed_days;
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rep)
        protobuf_c_message_free_unpacked(&rep->base, NULL);
    return n;
}

struct open_flag {
    const char *id;
    uint64_t host;
    int open;
    char evidence[512];
};

static int find_flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct open_flag *o = arg;
    if (f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST &&
        f->subject_id == o->host && strcmp(f->id, o->id) == 0 && f->closed_at == 0) {
        o->open++;
        snprintf(o->evidence, sizeof(o->evidence), "%s", f->evidence);
    }
    return 0;
}

/* Evaluate host's flags at now; is ACCOUNT_CHECK_FAILED open? */
static int flag_open(uint64_t host, int64_t now, char ev[512])
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    cr_assert_eq(flags_update_hosts(reg, &cfg, &host, 1, now, &err), 0, "%s", err.msg);
    struct open_flag o = {.id = "ACCOUNT_CHECK_FAILED", .host = host};
    cr_assert_eq(register_each_flag(reg, 0, find_flag_cb, &o, &err), 0, "%s", err.msg);
    if (ev)
        memcpy(ev, o.evidence, sizeof(o.evidence));
    return o.open;
}

Test(account_check, failing_on_a_second_day_opens_the_flag_and_a_check_that_ran_closes_it)
{
    uint64_t h = enroll(5);
    accounts_report(5, 2, 1, NOW);
    accounts_report(5, 3, 1, NOW + 600);
    cr_expect_eq(failed_days(h), 1);
    cr_expect_eq(flag_open(h, NOW + 600, NULL), 0, "one day: not yet");

    /* the next day a delta: accounts unchanged (not sent), still failing */
    Tz__Report delta = TZ__REPORT__INIT;
    put_report(5, 4, &delta, NOW + DAY);
    cr_expect_eq(failed_days(h), 2);
    char ev[512];
    cr_assert_eq(flag_open(h, NOW + DAY, ev), 1);
    char since[11];
    civil_format(civil_today(NOW), since);
    cr_expect(strstr(ev, "lab07") && strstr(ev, "2 days in a row") &&
              strstr(ev, since) && strstr(ev, "helper is not running"), "%s", ev);

    accounts_report(5, 5, 0, NOW + 2 * DAY);
    cr_expect_eq(failed_days(h), 0);
    cr_expect_eq(flag_open(h, NOW + 2 * DAY, NULL), 0, "closed once a check ran");
}

/* ---- end to end: the agent's helper fails every ask ---- */

static void always_fail(int kind)
{
    if (kind == PSMSG_AUDIT)
        raise(SIGKILL);
}

Test(account_check, an_agent_whose_helper_always_fails_is_flagged_on_the_second_day)
{
    char *root = tz_test_tmpdir("account-check-root");
    tz_test_write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    tz_test_write(root, "etc/shadow", "root:*:19000:0:99999:7:::\n");
    privsep_worker_test_hook = always_fail;
    struct privsep *ps = NULL;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, NULL, NULL, &err), 0, "%s", err.msg);
    report_set_accounts(ps, NULL, NULL);
    uint64_t h = enroll(9);

    for (int day = 0; day < 2; day++) {
        Tz__Report *r = NULL;
        cr_assert_eq(report_collect(root, &r, &err), 0, "%s", err.msg);
        cr_assert_not_null(r->accounts);
        cr_expect(r->accounts->weak_check_failed);
        cr_expect(strstr(r->accounts->weak_check_error, "killed by signal 9 "), "%s",
                  r->accounts->weak_check_error);
        put_report(9, (uint64_t)day + 2, r, NOW + day * DAY);
        protobuf_c_message_free_unpacked(&r->base, NULL);
        cr_expect_eq(flag_open(h, NOW + day * DAY, NULL), day == 1,
                     "day %d: flag %s", day + 1, day ? "must be open" : "too early");
    }
    cr_expect_gt(privsep_pid(ps), 0, "the helper itself lives on");

    report_set_accounts(NULL, NULL, NULL);
    privsep_stop(ps);
    privsep_worker_test_hook = NULL;
    tz_test_rm_rf(root);
    free(root);
}
