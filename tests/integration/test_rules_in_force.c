/* test_rules_in_force — tzctl judges a ledger change by the rules the
 * collector runs by (recorded in the register when it starts), not by
 * the built-in thresholds; --rules FILE is only a dry run of `flags`. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_test.h"

static char *tmp, *data, *out;

static void setup(void)
{
    tmp = tz_test_tmpdir("rulesforce");
    data = tz_test_path("%s/data", tmp);
    out = NULL;
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
}

TestSuite(rules_in_force, .init = setup, .fini = teardown, .timeout = 60);

/* A collector started with rules whose filing threshold is grade 3, then
 * stopped: what it recorded stays in the register. */
static void run_collector(const char *rules_text)
{
    char *rules = NULL, *arg = NULL;
    if (rules_text) {
        tz_test_write(tmp, "rules.ini", rules_text);
        rules = tz_test_path("%s/rules.ini", tmp);
        arg = tz_test_path("--rules=%s", rules);
    }
    char *url = tz_test_path("ipc://%s/c.sock", tmp);
    char *log = tz_test_path("%s/collector.log", tmp);
    pid_t pid = tz_test_collector_start(data, url, log, arg);
    cr_assert_eq(tz_test_stop(pid, SIGTERM), 0);
    free(log);
    free(url);
    free(arg);
    free(rules);
}

Test(rules_in_force, a_ledger_change_is_judged_by_the_collector_s_rules)
{
    run_collector("[grading]\nfiling_required_from_grade = 3\n");
    free(tz_test_tzctl(data, 0, "dept", "add", "教务处", NULL));
    free(tz_test_tzctl(data, 0, "system", "add", "教务管理系统", "--dept", "教务处",
                       "--mlps-grade", "2", NULL));
    /* Built-in rules would raise GRADING_NOT_FILED at grade 2 (default 2). */
    cr_assert_eq(tz_test_tzctl_run(data, &out, "flags", "--wide", "--system", "1", NULL), 0);
    cr_assert_null(strstr(out, "GRADING_NOT_FILED"), "%s", out);
    free(tz_test_tzctl(data, 0, "system", "set", "1", "mlps_grade=3", NULL));
    cr_assert_eq(tz_test_tzctl_run(data, &out, "flags", "--wide", "--system", "1", NULL), 0);
    cr_assert(strstr(out, "GRADING_NOT_FILED"), "grade 3 reaches the threshold: %s", out);

    /* stats says which rules are in force, with their digest. */
    cr_assert_eq(tz_test_tzctl_run(data, &out, "stats", NULL), 0, "%s", out);
    cr_assert(strstr(out, "rules in force: ") && strstr(out, "rules.ini (digest "),
              "%s", out);
    cr_assert(strstr(out, "filing_required_from_grade = 3"), "%s", out);
}

Test(rules_in_force, rules_on_the_line_are_a_dry_run_of_flags_only)
{
    run_collector("[grading]\nfiling_required_from_grade = 3\n");
    free(tz_test_tzctl(data, 0, "dept", "add", "教务处", NULL));
    free(tz_test_tzctl(data, 0, "system", "add", "教务管理系统", "--dept", "教务处",
                       "--mlps-grade", "2", NULL));
    tz_test_write(tmp, "strict.ini", "[grading]\nfiling_required_from_grade = 2\n");
    char *strict = tz_test_path("%s/strict.ini", tmp);
    cr_assert_eq(tz_test_tzctl_run(data, &out, "--rules", strict, "flags", "--wide", NULL), 0,
                 "%s", out);
    cr_assert(strstr(out, "GRADING_NOT_FILED"), "the dry run raises it: %s", out);
    cr_assert_eq(tz_test_tzctl_run(data, &out, "flags", "--wide", NULL), 0);
    cr_assert_null(strstr(out, "GRADING_NOT_FILED"), "and stores nothing: %s", out);
    cr_assert_eq(tz_test_tzctl_run(data, &out, "--rules", strict, "system", "set", "1",
                                   "owner=张三", NULL), 2, "%s", out);
    cr_assert(strstr(out, "dry run"), "%s", out);
    free(strict);
}

Test(rules_in_force, without_a_rules_file_the_built_in_rules_are_recorded)
{
    run_collector(NULL);
    cr_assert_eq(tz_test_tzctl_run(data, &out, "--format", "json", "stats", NULL), 0,
                 "%s", out);
    cr_assert(strstr(out, "\"source\":\t\"built in\""), "%s", out);
    cr_assert(strstr(out, "\"recorded\":\ttrue"), "%s", out);
}
