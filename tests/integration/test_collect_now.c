/* "Collect now" end to end: a collector and two daemon agents over ipc://,
 * `tzctl collect` asking them through the control socket and the publish
 * socket, and waiting for the reports that answer. A stopped agent is
 * named as not answered; an agent asked again too soon ignores it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz_test.h"

static char *tmp, *data, *url, *clogpath, *token, *pub;
static pid_t collector = -1, agents[2] = {-1, -1};
static const char *const names[2] = {"alpha", "beta"};

static char *alog(int i)
{
    return tz_test_path("%s/agent-%s.log", tmp, names[i]);
}

static void start_agent(int i, const char *extra)
{
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, names[i]);
    char *more = tz_test_path("timeout = 2\nsplay = 0\ninterval = 3600\n%s", extra);
    char *cfg = tz_test_agent_ini(tmp, names[i], url, pub, token, root, more);
    char *log = alog(i);
    char *argv[] = {TZ_BIN "/tz-agent", "--config", cfg, NULL};
    agents[i] = tz_test_spawn(argv, log);
    /* Enrolled and subscribed: it says where it listens. */
    cr_assert_eq(tz_test_wait_for(log, "collect now: listening on", 10000), 0,
                 "agent %s did not subscribe", names[i]);
    free(log);
    free(cfg);
    free(more);
    free(root);
}

static void setup(void)
{
    tmp = tz_test_tmpdir("collectnow");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    collector = tz_test_collector_start(data, url, clogpath, NULL);
    token = tz_test_token(data, "信息工程学院");
    pub = tz_test_collector_pub(data);
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++)
        if (agents[i] > 0)
            tz_test_stop(agents[i], SIGKILL);
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    agents[0] = agents[1] = collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
    free(token);
    free(pub);
}

TestSuite(collect_now, .init = setup, .fini = teardown, .timeout = 90);

/* tzctl --data DATA collect ARGS...; returns the exit status, output in *out. */
static int collect(char **out, const char *a, const char *b, const char *c)
{
    return tz_test_tzctl_run(data, out, "collect", a, b, c, NULL);
}

Test(collect_now, both_agents_answer_a_fresh_collection_of_their_system)
{
    start_agent(0, "");
    start_agent(1, "");
    char *out = tz_test_tzctl(data, 0, "system", "add", "教务系统", "--dept",
                              "信息工程学院", NULL);
    free(out);
    out = tz_test_tzctl(data, 0, "bind", "1", "教务系统", NULL);
    free(out);
    out = tz_test_tzctl(data, 0, "bind", "2", "教务系统", NULL);
    free(out);
    out = NULL;
    int rc = collect(&out, "--system", "教务系统", "--deadline=30");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "alpha") && strstr(out, "beta"), "%s", out);
    cr_assert_null(strstr(out, "not answered"), "%s", out);
    free(out);
    for (int i = 0; i < 2; i++) {
        char *log = alog(i);
        cr_assert_eq(tz_test_wait_for(log, "collect now: asked by the collector", 1000), 0);
        free(log);
    }
}

Test(collect_now, a_stopped_agent_is_named_as_not_answered)
{
    start_agent(0, "");
    start_agent(1, "");
    cr_assert_eq(tz_test_stop(agents[1], SIGTERM), 0);
    agents[1] = -1;
    char *out = NULL;
    int rc = collect(&out, "alpha.example.edu.cn", "beta.example.edu.cn", "--deadline=3");
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "alpha") != NULL, "%s", out);
    /* beta's row says so, and the summary counts it */
    const char *beta = strstr(out, "beta.example.edu.cn");
    cr_assert_not_null(beta, "%s", out);
    cr_assert(strncmp(strchr(beta, ' ') + strspn(strchr(beta, ' '), " "),
                      "not answered", 12) == 0, "%s", out);
    cr_assert(strstr(out, "1 of 2 host(s) did not answer within 3 s") != NULL, "%s", out);
    free(out);
}

Test(collect_now, asked_again_too_soon_the_agent_ignores_it_and_counts_it)
{
    start_agent(0, "collect_now_min_interval = 3600\n");
    char *out = NULL;
    cr_assert_eq(collect(&out, "alpha.example.edu.cn", "--deadline=30", NULL), 0, "%s", out);
    cr_assert_eq(collect(&out, "alpha.example.edu.cn", "--deadline=2", NULL), 1, "%s", out);
    cr_assert(strstr(out, "not answered") != NULL, "%s", out);
    free(out);
    char *log = alog(0);
    cr_assert_eq(tz_test_wait_for(log, "collect-now messages ignored: 1 rate limited",
                                  3000), 0);
    free(log);
}

Test(collect_now, without_the_collectors_key_tzctl_cannot_ask)
{
    start_agent(0, "");
    char *key = tz_test_path("%s/collector.key", data), *aside = tz_test_path("%s.aside", key);
    cr_assert_eq(rename(key, aside), 0);
    char *out = NULL;
    cr_assert_eq(collect(&out, "alpha.example.edu.cn", "--deadline=2", NULL), 1, "%s", out);
    cr_assert(strstr(out, "no collector key") != NULL, "%s", out);
    cr_assert_eq(rename(aside, key), 0);
    free(out);
    free(key);
    free(aside);
}
