/* test_review — `tzctl review` decides only on what a pass may rest on: a
 * screening of that system, recent enough, and over failing blocking items
 * only with an override that is stored and shown; the decision sets the
 * ledger's 上线前审查 and closes the system's request. Screenings are
 * stored through the register API here (their age and results set by the
 * test); test_screening.c runs real ones. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register.h"
#include "tz_test.h"

static char *dir, *out;
static uint64_t sid;

static uint64_t store(int64_t at, int passed, uint32_t blocking_failed)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    Tz__Screening s = TZ__SCREENING__INIT;
    Tz__ScreeningResult res = TZ__SCREENING_RESULT__INIT;
    res.passed = passed;
    res.blocking_failed = blocking_failed;
    res.checker_version = "test";
    s.system_id = sid;
    s.at = at;
    s.by = "ops";
    s.result = &res;
    uint64_t id = 0;
    cr_assert_eq(register_screening_add(reg, &s, &id, &err), 0, "%s", err.msg);
    register_close(reg);
    return id;
}

static void setup(void)
{
    struct tz_register *reg = tz_test_register_new("review", &dir);
    register_close(reg);
    free(tz_test_tzctl(dir, 0, "dept", "add", "教务处", NULL));
    free(tz_test_tzctl(dir, 0, "system", "add", "教务管理系统", "--dept", "教务处",
                       "--status", "live", NULL));
    sid = 1;
    out = NULL;
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(review, .init = setup, .fini = teardown, .timeout = 60);

Test(review, a_pass_needs_a_screening_and_a_reviewer)
{
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", NULL), 2,
                 "%s", out);
    cr_assert(strstr(out, "--by NAME"), "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   NULL), 1, "%s", out);
    cr_assert(strstr(out, "has no screening"), "%s", out);
    /* A fail needs none: the network center may refuse before screening. */
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "教务管理系统", "--fail", "--by",
                                   "王五", NULL), 0, "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "system", "show", "1", NULL), 0);
    cr_assert(strstr(out, "failed"), "%s", out);
}

Test(review, a_stale_screening_is_refused)
{
    store((int64_t)time(NULL) - 20 * 86400, 1, 0);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   NULL), 1, "%s", out);
    cr_assert(strstr(out, "20 days old"), "%s", out);
    cr_assert(strstr(out, "max_screening_age_days"), "%s", out);
    /* A checklist that allows 30 days lets it pass. */
    char *ini = tz_test_path("%s/screening.ini", dir);
    tz_test_write(dir, "screening.ini", "[review]\nmax_screening_age_days = 30\n");
    char *cfg = tz_test_path("[collector]\ndata = %s\nscreening = %s\n", dir, ini);
    tz_test_write(dir, "collector.ini", cfg);
    char *cfgpath = tz_test_path("%s/collector.ini", dir);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "--config", cfgpath, "review", "1",
                                   "--pass", "--by", "王五", NULL), 0, "%s", out);
    free(cfgpath);
    free(cfg);
    free(ini);
}

Test(review, failing_blocking_items_need_an_override_which_is_kept)
{
    uint64_t id = store((int64_t)time(NULL) - 60, 0, 2);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   NULL), 1, "%s", out);
    cr_assert(strstr(out, "failed 2 blocking items"), "%s", out);
    cr_assert(strstr(out, "--override REASON"), "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   "--override", "line\nbreak", NULL), 2, "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--fail", "--by", "王五",
                                   "--override", "why", NULL), 2, "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   "--override", "经网信办批准临时上线", NULL), 0, "%s", out);
    cr_assert(strstr(out, "override: 经网信办批准临时上线"), "%s", out);

    cr_assert_eq(tz_test_tzctl_run(dir, &out, "--format", "json", "screenings", "1",
                                   NULL), 0, "%s", out);
    const char *r = strstr(out, "\"review_id\"");
    cr_assert(r && strstr(r, "\"override_reason\":\t\"经网信办批准临时上线\""), "%s", out);
    cr_assert(strstr(r, "\"kind\":\t\"review\""), "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "system", "show", "1", NULL), 0);
    cr_assert(strstr(out, "passed"), "%s", out);
    cr_assert(strstr(out, "王五"), "%s", out);
    cr_assert(strstr(out, "审查例外说明 (prelaunch_override): 经网信办批准临时上线"), "%s", out);
    char want[32];
    snprintf(want, sizeof(want), "%llu", (unsigned long long)id);
    cr_assert(strstr(out, "审查报告编号 (prelaunch_report_id): ") &&
              strstr(strstr(out, "审查报告编号 (prelaunch_report_id): "), want), "%s", out);
    /* The flag of a live system without a passed review is gone. */
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "flags", "--wide", "--system", "1", NULL), 0);
    cr_assert_null(strstr(out, "NO_PRELAUNCH_REVIEW"), "%s", out);
    /* --closed lists only what cleared; --all both (NO_OWNER stays open). */
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "flags", "--wide", "--system", "1", "--closed", NULL), 0);
    cr_assert(strstr(out, "NO_PRELAUNCH_REVIEW"), "%s", out);
    cr_assert_null(strstr(out, "NO_OWNER"), "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "flags", "--wide", "--system", "1", "--all", NULL), 0);
    cr_assert(strstr(out, "NO_PRELAUNCH_REVIEW") && strstr(out, "NO_OWNER"), "%s", out);

    /* A later failing screening opens it again. */
    store((int64_t)time(NULL), 0, 1);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "--by", "ops", "system", "set", "1",
                                   "purpose=教务", NULL), 0, "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "flags", "--wide", "--system", "1", NULL), 0);
    cr_assert(strstr(out, "NO_PRELAUNCH_REVIEW"), "%s", out);
}

Test(review, a_screening_of_another_system_is_refused)
{
    free(tz_test_tzctl(dir, 0, "system", "add", "排课系统", "--dept", "教务处", NULL));
    uint64_t other = sid;
    sid = 2;
    store((int64_t)time(NULL), 1, 0);
    sid = other;
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--pass", "--by", "王五",
                                   "--screening", "1", NULL), 1, "%s", out);
    cr_assert(strstr(out, "is of system 2"), "%s", out);
}

Test(review, a_decision_closes_the_open_request)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    Tz__ScreeningRequest q = TZ__SCREENING_REQUEST__INIT;
    q.system_id = 1;
    q.dept = "教务处";
    q.by = "editor";
    q.at = (int64_t)time(NULL);
    q.note = "下周上线";
    uint64_t qid;
    cr_assert_eq(register_screening_request_add(reg, &q, &qid, &err), 0, "%s", err.msg);
    register_close(reg);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "screening", "requests", NULL), 0, "%s", out);
    cr_assert(strstr(out, "下周上线") && strstr(out, "open"), "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "review", "1", "--fail", "--by", "王五",
                                   NULL), 0, "%s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "screening", "requests", NULL), 0, "%s", out);
    cr_assert_null(strstr(out, "下周上线"), "closed requests are not listed: %s", out);
    cr_assert_eq(tz_test_tzctl_run(dir, &out, "screening", "requests", "--all", NULL), 0);
    cr_assert(strstr(out, "closed by review 1"), "%s", out);
}
