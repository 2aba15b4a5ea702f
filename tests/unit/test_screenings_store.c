/* test_screenings_store — screenings, review decisions and screening
 * requests in the register: numbered, listed per system from the index,
 * the system's last_screening kept without a ledger revision, a review
 * storing its decision and the ledger change in one transaction and
 * closing the system's open request. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_fields.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1800000000

static char *dir;
static struct tz_register *reg;
static struct tz_error err;
static uint64_t sys_id;

static void setup(void)
{
    dir = tz_test_tmpdir("screenings");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, &err), 0);
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(r, "name", "教务管理系统", why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "dept", "教务处", why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "status", "live", why, sizeof(why)), 0);
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &sys_id, &err), 0, "%s", err.msg);
    ledger_record_free(r);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(screenings_store, .init = setup, .fini = teardown);

static uint64_t store(int64_t at, int passed, uint32_t blocking_failed)
{
    Tz__Screening s = TZ__SCREENING__INIT;
    Tz__ScreeningResult res = TZ__SCREENING_RESULT__INIT;
    Tz__ScreenedHost h = TZ__SCREENED_HOST__INIT;
    Tz__ScreenedHost *hv[] = {&h};
    res.passed = passed;
    res.blocking_failed = blocking_failed;
    res.checker_version = "test";
    s.system_id = sys_id;
    s.at = at;
    s.by = "王五";
    s.result = &res;
    s.hosts = hv;
    s.n_hosts = 1;
    uint64_t id = 0;
    cr_assert_eq(register_screening_add(reg, &s, &id, &err), 0, "%s", err.msg);
    return id;
}

struct seen {
    uint64_t ids[8];
    int n;
};

static int each_cb(const Tz__ScreeningSummary *s, void *arg)
{
    struct seen *v = arg;
    cr_assert_lt(v->n, 8);
    v->ids[v->n++] = s->screening_id;
    return 0;
}

Test(screenings_store, numbered_listed_and_summarised_on_the_system)
{
    cr_assert_eq(store(NOW + 10, 0, 2), 1);
    cr_assert_eq(store(NOW + 20, 1, 0), 2);

    struct seen v = {0};
    cr_assert_eq(register_each_screening(reg, sys_id, each_cb, &v, &err), 0);
    cr_assert_eq(v.n, 2);
    cr_assert_eq(v.ids[0], 1);
    cr_assert_eq(v.ids[1], 2);
    v.n = 0;
    cr_assert_eq(register_each_screening(reg, sys_id + 1, each_cb, &v, &err), 0);
    cr_assert_eq(v.n, 0, "another system's list is empty");

    Tz__Screening *got = NULL;
    cr_assert_eq(register_screening_get(reg, 1, &got, &err), 0, "%s", err.msg);
    cr_assert_eq(got->screening_id, 1);
    cr_assert_str_eq(got->by, "王五");
    cr_assert_eq(got->result->blocking_failed, 2);
    tz__screening__free_unpacked(got, NULL);
    cr_assert_eq(register_screening_get(reg, 9, &got, &err), TZ_ENOENT);
    cr_assert_null(got);

    Tz__SystemRecord *r = NULL;
    cr_assert_eq(register_system_get(reg, sys_id, &r, &err), 0);
    cr_assert_not_null(r->last_screening);
    cr_assert_eq(r->last_screening->screening_id, 2);
    cr_assert(r->last_screening->passed);
    cr_assert_eq(r->revision, 1, "a screening is not a ledger edit");
    ledger_record_free(r);
}

Test(screenings_store, a_screening_of_no_system_is_refused)
{
    Tz__Screening s = TZ__SCREENING__INIT;
    Tz__ScreeningResult res = TZ__SCREENING_RESULT__INIT;
    s.system_id = 999;
    s.result = &res;
    uint64_t id = 7;
    cr_assert_eq(register_screening_add(reg, &s, &id, &err), TZ_ENOENT);
    cr_assert_eq(id, 0);
    s.system_id = sys_id;
    s.result = NULL;
    cr_assert_eq(register_screening_add(reg, &s, &id, &err), TZ_EINVAL);
}

static int req_cb(const Tz__ScreeningRequest *r, void *arg)
{
    struct seen *v = arg;
    cr_assert_lt(v->n, 8);
    v->ids[v->n++] = r->review_id;
    return 0;
}

static int rev_cb(const Tz__Review *r, void *arg)
{
    struct seen *v = arg;
    cr_assert_lt(v->n, 8);
    v->ids[v->n++] = r->review_id;
    cr_assert_str_eq(r->override_reason, "经网信办批准");
    return 0;
}

Test(screenings_store, a_review_changes_the_ledger_and_closes_the_request)
{
    Tz__ScreeningRequest q = TZ__SCREENING_REQUEST__INIT;
    q.system_id = sys_id;
    q.dept = "教务处";
    q.by = "editor";
    q.at = NOW;
    uint64_t qid = 0;
    cr_assert_eq(register_screening_request_add(reg, &q, &qid, &err), 0, "%s", err.msg);
    cr_assert_eq(qid, 1);
    cr_assert_eq(register_screening_request_add(reg, &q, &qid, &err), TZ_EEXIST,
                 "one open request per system");
    cr_assert(strstr(err.msg, "(1)"), "%s", err.msg);

    uint64_t scr = store(NOW + 5, 0, 1);
    Tz__SystemRecord *r = NULL;
    cr_assert_eq(register_system_get(reg, sys_id, &r, &err), 0);
    Tz__Prelaunch pl = TZ__PRELAUNCH__INIT;
    pl.status = "passed";
    pl.reviewer = "王五";
    pl.report_id = "1";
    pl.screening_id = scr;
    pl.override_reason = "经网信办批准";
    r->prelaunch = &pl;   /* r had none: nothing to free */
    Tz__Review rev = TZ__REVIEW__INIT;
    rev.system_id = sys_id;
    rev.at = NOW + 6;
    rev.passed = 1;
    rev.reviewer = "王五";
    rev.override_reason = "经网信办批准";
    struct register_actor by = {"ops", "tzctl"};
    uint64_t rid = 0;
    cr_assert_eq(register_review_add(reg, &rev, r, r->revision + 5, NOW + 6, &by,
                                     &rid, &err), TZ_ECHANGED,
                 "if_revision is honoured");
    cr_assert_eq(register_review_add(reg, &rev, r, r->revision, NOW + 6, &by,
                                     &rid, &err), 0, "%s", err.msg);
    r->prelaunch = NULL;
    ledger_record_free(r);
    cr_assert_eq(rid, 1);

    cr_assert_eq(register_system_get(reg, sys_id, &r, &err), 0);
    cr_assert_str_eq(r->prelaunch->status, "passed");
    cr_assert_eq(r->prelaunch->review_id, 1);
    cr_assert_eq(r->prelaunch->screening_id, scr);
    cr_assert_eq(r->revision, 2);
    cr_assert_eq(r->last_screening->screening_id, scr, "kept by the put");
    ledger_record_free(r);

    struct seen v = {0};
    cr_assert_eq(register_each_review(reg, sys_id, rev_cb, &v, &err), 0);
    cr_assert_eq(v.n, 1);
    v.n = 0;
    cr_assert_eq(register_each_screening_request(reg, NULL, 0, req_cb, &v, &err), 0);
    cr_assert_eq(v.n, 1);
    cr_assert_eq(v.ids[0], 1, "closed by review 1");
    v.n = 0;
    cr_assert_eq(register_each_screening_request(reg, NULL, 1, req_cb, &v, &err), 0);
    cr_assert_eq(v.n, 0, "no open request left");
    cr_assert_eq(register_each_screening_request(reg, "math", 0, req_cb, &v, &err), 0);
    cr_assert_eq(v.n, 0, "another department's list is empty");
    /* Closed: a new request may be made. */
    cr_assert_eq(register_screening_request_add(reg, &q, &qid, &err), 0, "%s", err.msg);
    cr_assert_eq(qid, 2);
}
