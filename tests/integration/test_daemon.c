/* The agent as a daemon against a real tz-collector on ipc://: reports
 * spooled during an outage land in seq order, SIGHUP picks up a new
 * collector URL (and a bad config keeps the old one), SIGTERM exits 0 even
 * mid-exchange, the spool bound drops the oldest, and --once sends what a
 * daemon left behind. Agents run with `interval = 1` and `splay = 0`. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz_test.h"

static char *tmp, *data, *url, *clogpath, *alogpath, *cfgpath, *spooldir;
static char *token, *pub;
static pid_t collector = -1, agent = -1;

static void start_collector(void)
{
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
}

static void stop_collector(void)
{
    cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;
}

/* A register with a department and a token, and the key agents pin; the
 * collector is left running. */
static void setup(void)
{
    tmp = tz_test_tmpdir("daemon");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    alogpath = tz_test_path("%s/agent.log", tmp);
    cfgpath = tz_test_path("%s/alpha.ini", tmp);
    spooldir = tz_test_path("%s/agent-alpha/work/spool", tmp);
    start_collector();
    token = tz_test_token(data, "信息工程学院");
    pub = tz_test_collector_pub(data);
}

static void teardown(void)
{
    if (agent > 0)
        tz_test_stop(agent, SIGKILL);
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    agent = collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
    free(alogpath);
    free(cfgpath);
    free(spooldir);
    free(token);
    free(pub);
}

TestSuite(daemon, .init = setup, .fini = teardown, .timeout = 60);

/* cfgpath: agent "alpha" on the alpha fixture, state in agent-alpha/. */
static void write_config(const char *collector_url, const char *extra)
{
    char *root = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *more = tz_test_path("timeout = 1\nsplay = 0\n%s", extra);
    free(tz_test_agent_ini(tmp, "alpha", collector_url, pub, token, root, more));
    free(more);
    free(root);
}

static void start_agent(void)
{
    char *argv[] = {TZ_BIN "/tz-agent", "--config", cfgpath, NULL};
    agent = tz_test_spawn(argv, alogpath);
}

static int stop_agent(int sig)
{
    int rc = tz_test_stop(agent, sig);
    agent = -1;
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The oldest max spooled seqs, ascending; returns how many are spooled. */
static int spooled(uint64_t *seqs, int max)
{
    uint64_t all[1024];
    int n = 0;
    DIR *d = opendir(spooldir);
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 1024) {
        size_t len = strlen(de->d_name);
        if (len == 27 && strcmp(de->d_name + 20, ".report") == 0)
            all[n++] = strtoull(de->d_name, NULL, 10);
    }
    closedir(d);
    qsort(all, (size_t)n, sizeof(all[0]), cmp_u64);
    for (int i = 0; i < n && i < max; i++)
        seqs[i] = all[i];
    return n;
}

static int wait_spooled(int want, int timeout_ms)
{
    uint64_t seqs[64];
    int n = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        if ((n = spooled(seqs, 64)) == want || (want > 0 && n > want))
            return n;
        usleep(50 * 1000);
    }
    return n;
}

static void wait_log(const char *path, const char *needle, int timeout_ms)
{
    if (tz_test_wait_for(path, needle, timeout_ms) != 0) {
        char *log = tz_test_slurp(path);
        cr_assert_fail("no \"%s\" in %s within %d ms:\n%s", needle, path,
                       timeout_ms, log ? log : "(no log)");
    }
}

/* Every "stored report seq N" in the collector's log, in log order. */
static int stored_seqs(uint64_t *out, int max)
{
    char *log = tz_test_slurp(clogpath);
    int n = 0;
    for (char *p = log; p && (p = strstr(p, "stored report seq ")) != NULL && n < max;) {
        p += strlen("stored report seq ");
        out[n++] = strtoull(p, &p, 10);
    }
    free(log);
    return n;
}

static int index_of(const uint64_t *v, int n, uint64_t s)
{
    for (int i = 0; i < n; i++)
        if (v[i] == s)
            return i;
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(daemon, reports_spooled_during_an_outage_land_in_seq_order)
{
    stop_collector();
    write_config(url, "interval = 1\nretry_min = 1\nretry_max = 1\n");
    start_agent();
    cr_assert_geq(wait_spooled(3, 20000), 3, "3 collections were not spooled");
    uint64_t first[3];
    cr_assert_geq(spooled(first, 3), 3);

    start_collector();
    /* Each of the three must be stored, in order, and nothing out of order. */
    for (int i = 0; i < 3; i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), "stored report seq %" PRIu64, first[i]);
        wait_log(clogpath, needle, 15000);
    }
    /* Stop collecting (SIGHUP with a daily schedule) so the spool can empty. */
    write_config(url, "retry_min = 1\nretry_max = 1\nschedule = 03:00\n");
    kill(agent, SIGHUP);
    wait_log(alogpath, "next collection at", 5000);
    cr_assert_eq(wait_spooled(0, 10000), 0, "spool did not empty");

    uint64_t seqs[256];
    int n = stored_seqs(seqs, 256);
    int at[3];
    for (int i = 0; i < 3; i++)
        at[i] = index_of(seqs, n, first[i]);
    cr_assert(at[0] >= 0 && at[0] < at[1] && at[1] < at[2], "spooled reports out of order");
    for (int i = 1; i < n; i++)
        cr_assert_gt(seqs[i], seqs[i - 1], "stored seq %d not increasing", i);

    char *stats = tz_test_tzctl(data, 0, "stats", "--format", "json", NULL);
    cJSON *sj = cJSON_Parse(stats);
    cr_assert_not_null(sj, "%s", stats);
    cr_assert_geq(cJSON_GetObjectItem(sj, "reports_accepted")->valuedouble, 3, "%s", stats);
    cr_assert_eq(cJSON_GetObjectItem(sj, "reports_accepted")->valuedouble, n, "%s", stats);
    cJSON_Delete(sj);
    free(stats);
    cr_assert_eq(stop_agent(SIGTERM), 0);
}

Test(daemon, sighup_picks_up_a_new_collector_url)
{
    char *nowhere = tz_test_path("ipc://%s/nowhere.sock", tmp);
    write_config(nowhere, "interval = 3600\nretry_min = 1\nretry_max = 1\n");
    start_agent();
    wait_log(alogpath, "cannot deliver", 10000);
    cr_assert_eq(wait_spooled(1, 1000), 1);

    /* A config that does not load is refused and the old one kept. */
    write_config(url, "interval = 3600\nschedule = 25:00\n");
    kill(agent, SIGHUP);
    wait_log(alogpath, "keeping the old configuration", 5000);
    char *log = tz_test_slurp(alogpath);
    cr_assert(strstr(log, "schedule must be a local time HH:MM") != NULL, "%s", log);
    free(log);

    write_config(url, "interval = 3600\nretry_min = 1\nretry_max = 1\n");
    kill(agent, SIGHUP);
    wait_log(alogpath, "reloaded", 5000);
    wait_log(alogpath, "stored (agent", 10000);
    wait_log(clogpath, "stored report seq", 5000);
    cr_assert_eq(wait_spooled(0, 5000), 0);
    cr_assert_eq(stop_agent(SIGTERM), 0);
    free(nowhere);
}

Test(daemon, sigterm_exits_zero_promptly)
{
    write_config(url, "interval = 3600\n");
    start_agent();
    wait_log(alogpath, "stored (agent", 10000);
    /* --once beside a running daemon leaves the daemon's spool alone. */
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfgpath, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "%s", out);
    cr_assert(strstr(out, "not sending the spool") && strstr(out, "in use"), "%s", out);
    free(out);
    double t0 = now_s();
    cr_assert_eq(stop_agent(SIGTERM), 0);
    cr_assert_lt(now_s() - t0, 1.0, "idle daemon took %.2f s to stop", now_s() - t0);
    char *log = tz_test_slurp(alogpath);
    cr_assert(strstr(log, "received SIGTERM, stopping") != NULL, "%s", log);
    free(log);

    /* Mid-exchange (the collector is gone, timeout = 1 s): the send finishes
     * (times out), the report stays spooled, the exit is still 0. */
    stop_collector();
    unlink(alogpath);
    start_agent();
    wait_log(alogpath, "collected and spooled (1 in", 10000);
    t0 = now_s();
    cr_assert_eq(stop_agent(SIGTERM), 0);
    cr_assert_lt(now_s() - t0, 3.0, "stopping mid-exchange took %.2f s", now_s() - t0);
    cr_assert_eq(wait_spooled(1, 0), 1, "the unsent report must stay in the spool");
}

Test(daemon, spool_bound_drops_the_oldest_and_once_sends_the_rest)
{
    stop_collector();
    /* A long backoff: after the first failed send, collections only spool. */
    write_config(url, "interval = 1\nspool_max = 2\nretry_min = 60\nretry_max = 60\n");
    start_agent();
    char *log = NULL;
    for (int i = 0; i < 200; i++) {
        free(log);
        log = tz_test_slurp(alogpath);
        char *p = log ? strstr(log, "spool full (2): dropped report seq ") : NULL;
        if (p && strstr(p + 1, "spool full (2): dropped report seq "))
            break;
        usleep(100 * 1000);
    }
    cr_assert_eq(stop_agent(SIGTERM), 0);
    free(log);
    log = tz_test_slurp(alogpath);

    /* Collected seqs in log order; the dropped ones must be the oldest. */
    uint64_t collected[64], dropped[64];
    int nc = 0, nd = 0;
    for (char *p = log; (p = strstr(p, "report seq ")) != NULL && nc < 64;) {
        int is_drop = p - log >= 8 && strncmp(p - 8, "dropped ", 8) == 0;
        p += strlen("report seq ");
        uint64_t s = strtoull(p, &p, 10);
        if (is_drop)
            dropped[nd++] = s;
        else if (strncmp(p, " collected", 10) == 0)
            collected[nc++] = s;
    }
    cr_assert_geq(nc, 4, "%s", log);
    cr_assert_eq(nd, nc - 2, "%s", log);
    for (int i = 0; i < nd; i++)
        cr_assert_eq(dropped[i], collected[i], "dropped %d is not the oldest:\n%s", i, log);
    uint64_t kept[2];
    cr_assert_eq(spooled(kept, 2), 2);
    cr_assert_eq(kept[0], collected[nc - 2]);
    cr_assert_eq(kept[1], collected[nc - 1]);
    free(log);

    /* --once sends what the daemon left, oldest first, then its own. */
    start_collector();
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfgpath, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "--once failed: %s", out);
    cr_assert(strstr(out, "spool: 2 of 2 report(s) sent, 0 dropped") != NULL, "%s", out);
    free(out);
    uint64_t seqs[16];
    int n = stored_seqs(seqs, 16);
    cr_assert_eq(n, 3);
    cr_assert_eq(seqs[0], kept[0]);
    cr_assert_eq(seqs[1], kept[1]);
    cr_assert_gt(seqs[2], kept[1]);
    cr_assert_eq(wait_spooled(0, 0), 0);
}
