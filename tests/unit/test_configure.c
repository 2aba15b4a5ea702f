/* test_configure — tz-agent --configure sets options in place for a
 * rollout loop, keeps everything else, and never writes a broken file. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "configure.h"
#include "tz_test.h"

#define KEY1 "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY2 "2222222222222222222222222222222222222222222222222222222222222222"

static char *dir;

static void setup(void) { dir = tz_test_tmpdir("configure"); }
static void teardown(void) { tz_test_rm_rf(dir); free(dir); }
TestSuite(configure, .init = setup, .fini = teardown);

static char *conf(const char *text)
{
    if (text)
        tz_test_write(dir, "agent.ini", text);
    return tz_test_path("%s/agent.ini", dir);
}

Test(configure, a_new_file_gets_the_options_and_mode_0600)
{
    char *path = conf(NULL);
    struct agent_flag f[] = {{"collector", "tcp://10.0.0.1:7450"},
                             {"collector_key", KEY1}, {"enroll_token", "tz_abc"}};
    struct tz_error err = {0};
    cr_assert_eq(agent_configure(path, f, 3, &err), 0, "%s", err.msg);
    char *got = tz_test_slurp(path);
    cr_assert(strstr(got, "[agent]\ncollector = tcp://10.0.0.1:7450\n"
                          "collector_key = " KEY1 "\nenroll_token = tz_abc\n"), "%s", got);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(got);
    free(path);
}

Test(configure, an_existing_file_keeps_its_comments_and_other_options)
{
    char *path = conf("; site settings\n[agent]\n; the primary\ncollector = tcp://old:1\n"
                      "collector = tcp://old:2\ncollector_key = " KEY1 "\n"
                      "; daily at\nschedule = 04:30\n");
    struct agent_flag f[] = {{"collector", "tcp://new:7450"},
                             {"collector_key", KEY2}, {"timeout", "12"}};
    struct tz_error err = {0};
    cr_assert_eq(agent_configure(path, f, 3, &err), 0, "%s", err.msg);
    char *got = tz_test_slurp(path);
    cr_assert_str_eq(got, "; site settings\n[agent]\n; the primary\n"
                          "collector = tcp://new:7450\ncollector_key = " KEY2 "\n"
                          "; daily at\nschedule = 04:30\ntimeout = 12\n");
    free(got);
    free(path);
}

Test(configure, a_bad_value_leaves_the_file_as_it_was)
{
    const char *before = "[agent]\ncollector = tcp://old:1\ncollector_key = " KEY1 "\n";
    char *path = conf(before);
    struct agent_flag f[] = {{"collector", "tcp://new:1"}, {"collector_key", "xyz"}};
    struct tz_error err = {0};
    cr_assert_eq(agent_configure(path, f, 2, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "--collector-key") != NULL, "%s", err.msg);
    char *got = tz_test_slurp(path);
    cr_assert_str_eq(got, before);
    free(got);
    free(path);
}

Test(configure, a_result_without_collector_key_is_refused)
{
    char *path = conf(NULL);
    struct agent_flag f[] = {{"collector", "tcp://new:1"}};
    struct tz_error err = {0};
    cr_assert_eq(agent_configure(path, f, 1, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "needs collector and collector_key"), "%s", err.msg);
    char *got = tz_test_slurp(path);
    cr_assert_null(got, "a file was written");
    free(path);
}

Test(configure, an_existing_file_that_does_not_load_is_not_made_worse)
{
    const char *before = "[agent]\nno_such_option = 1\n";
    char *path = conf(before);
    struct agent_flag f[] = {{"collector", "tcp://new:1"}, {"collector_key", KEY1}};
    struct tz_error err = {0};
    cr_assert_eq(agent_configure(path, f, 2, &err), TZ_EPARSE);
    cr_assert(strstr(err.msg, "no_such_option"), "%s", err.msg);
    char *got = tz_test_slurp(path);
    cr_assert_str_eq(got, before);
    free(got);
    free(path);
}
