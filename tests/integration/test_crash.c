/* Crash safety of the collector: SIGKILL it three times while 20 daemon
 * agents keep sending, restart it on the same data dir each time, and check
 * from the register that every report an agent saw acknowledged is stored
 * exactly once: per agent, the register's report count equals the number of
 * distinct seqs the agent logged as stored and its last_seq is the highest of
 * them; the per-agent counts add up to reports_accepted; spools drain; the
 * LMDB file passes mdb_stat. The agents also restart on a rolling schedule
 * (SIGTERM, start again, each about every 0.5 s), which both tests that and
 * nearly doubles the report rate: a daemon collects at once when it starts,
 * and `interval` cannot go below 1 s. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tz_test.h"

#define N_AGENTS   20
#define TARGET     2000     /* reports accepted in all */
#define MAX_SEQS   4096     /* per agent, far above what a run makes */

static const int kill_at[] = {300, 900, 1500};
#define N_KILLS (int)(sizeof(kill_at) / sizeof(kill_at[0]))

struct agent {
    char name[8];
    char *cfg, *log, *dir;
    pid_t pid;
    int stopping;           /* SIGTERM sent, not reaped yet */
    int starts;             /* times started */
};

static char *tmp, *data, *url, *clogpath, *token, *pub;
static pid_t collector = -1;
static struct agent agents[N_AGENTS];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_agent_ini(struct agent *a, int i, const char *schedule)
{
    static const char *hosts[] = {"alpha", "beta", "gamma"};
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, hosts[i % 3]);
    char *extra = tz_test_path("splay = 0\nretry_min = 1\nretry_max = 2\n"
                               "timeout = 2\n%s\n", schedule);
    free(a->cfg);
    a->cfg = tz_test_agent_ini(tmp, a->name, url, pub, token, root, extra);
    free(extra);
    free(root);
}

static char *ccfg;   /* the collector's INI: quotas off */

static pid_t start_collector(void)
{
    const char *extra[] = {"--verbose", "--config", ccfg, NULL};
    return tz_test_collector_startv(data, url, clogpath, extra);
}

static void setup(void)
{
    tmp = tz_test_tmpdir("crash");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    /* 20 agents reporting every second are far over the per-agent limits
     * (quota_reports_per_hour); this test is about crashes, not quotas. */
    tz_test_write(tmp, "collector.ini", "[collector]\nquota_reports_per_hour = 0\n"
                                        "quota_bytes_per_day = 0\n");
    ccfg = tz_test_path("%s/collector.ini", tmp);
    collector = start_collector();
    token = tz_test_token(data, "计算机学院");
    pub = tz_test_collector_pub(data);
    for (int i = 0; i < N_AGENTS; i++) {
        struct agent *a = &agents[i];
        memset(a, 0, sizeof(*a));
        snprintf(a->name, sizeof(a->name), "a%02d", i);
        a->log = tz_test_path("%s/%s.log", tmp, a->name);
        a->dir = tz_test_path("%s/agent-%s", tmp, a->name);
        a->pid = -1;
        write_agent_ini(a, i, "interval = 1");
    }
}

static void teardown(void)
{
    for (int i = 0; i < N_AGENTS; i++) {
        if (agents[i].pid > 0)
            tz_test_stop(agents[i].pid, SIGKILL);
        free(agents[i].cfg);
        free(agents[i].log);
        free(agents[i].dir);
    }
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
    free(ccfg);
    free(token);
    free(pub);
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 240);

static void agent_start(struct agent *a)
{
    char *argv[] = {TZ_BIN "/tz-agent", "--config", a->cfg, NULL};
    a->pid = tz_test_spawn(argv, a->log);
    a->stopping = 0;
    a->starts++;
}

/* Has the agent's latest start reached its loop (signal handlers set)? A
 * SIGTERM before that would kill it, which is not what is being tested. */
static int agent_up(const struct agent *a)
{
    char *log = tz_test_slurp(a->log);
    int n = 0;
    for (char *p = log; p && (p = strstr(p, "daemon started")) != NULL; p++)
        n++;
    free(log);
    return n >= a->starts;
}

/* Reap a stopping agent if it has exited (it must exit 0 on SIGTERM, even
 * mid-exchange); 1 when it is gone. */
static int agent_reaped(struct agent *a)
{
    int st = 0;
    pid_t r = waitpid(a->pid, &st, WNOHANG);
    if (r == 0)
        return 0;
    cr_assert_eq(r, a->pid, "waitpid %s: %s", a->name, strerror(errno));
    a->pid = -1;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "agent %s did not exit 0 on SIGTERM (status 0x%x)", a->name, st);
    return 1;
}

static void wait_up(const struct agent *a)
{
    for (int waited = 0; !agent_up(a); waited += 20) {
        cr_assert_lt(waited, 10000, "agent %s did not start", a->name);
        usleep(20 * 1000);
    }
}

static uint64_t json_u64(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

/* reports_accepted from tzctl stats; -1 when tzctl failed. */
static long long reports_accepted(void)
{
    char *out = NULL;
    long long n = -1;
    if (tz_test_tzctl_run(data, &out, "stats", "--format", "json", NULL) == 0) {
        cJSON *j = cJSON_Parse(out);
        if (j)
            n = (long long)json_u64(j, "reports_accepted");
        cJSON_Delete(j);
    }
    free(out);
    return n;
}

static int spooled(const struct agent *a)
{
    char *dir = tz_test_path("%s/work/spool", a->dir);
    DIR *d = opendir(dir);
    free(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".report"))
            n++;
    if (d)
        closedir(d);
    return n;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* The distinct seqs the agent logged as stored, sorted; *id its agent id. */
static size_t acked_seqs(const struct agent *a, uint64_t *seqs, uint64_t *id)
{
    char *log = tz_test_slurp(a->log);
    cr_assert_not_null(log, "no log for %s", a->name);
    cr_assert_null(strstr(log, "refused, dropping it"), "%s dropped a report:\n%s",
                   a->name, log);
    cr_assert_null(strstr(log, " lost: "), "%s lost a report:\n%s", a->name, log);
    size_t n = 0;
    *id = 0;
    const char *key = "report seq ";
    for (char *p = log; (p = strstr(p, key)) != NULL;) {
        p += strlen(key);
        uint64_t s = strtoull(p, &p, 10);
        if (strncmp(p, " stored (agent ", 15) != 0)
            continue;
        uint64_t aid = strtoull(p + 15, NULL, 10);
        cr_assert(*id == 0 || *id == aid, "%s changed agent id %" PRIu64 " -> %" PRIu64,
                  a->name, *id, aid);
        *id = aid;
        cr_assert_lt(n, MAX_SEQS);
        seqs[n++] = s;
    }
    free(log);
    qsort(seqs, n, sizeof(*seqs), cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || seqs[i] != seqs[k - 1])
            seqs[k++] = seqs[i];
    return k;
}

/* seq= from the agent's state file: the last seq it took. */
static uint64_t state_seq(const struct agent *a)
{
    char *path = tz_test_path("%s/work/state", a->dir);
    char *s = tz_test_slurp(path);
    free(path);
    cr_assert_not_null(s);
    char *p = strstr(s, "\nseq=");
    cr_assert_not_null(p, "%s", s);
    uint64_t v = strtoull(p + 5, NULL, 10);
    free(s);
    return v;
}

/* No (agent, seq) in the collector's "stored report seq N from agent M"
 * lines twice: a hint only, the proof is the register's counts. */
static void log_has_no_duplicate_store(void)
{
    char *log = tz_test_slurp(clogpath);
    size_t cap = 8192, n = 0;
    uint64_t(*pairs)[2] = malloc(cap * sizeof(*pairs));
    const char *key = "stored report seq ";
    for (char *p = log; p && (p = strstr(p, key)) != NULL && n < cap;) {
        p += strlen(key);
        pairs[n][1] = strtoull(p, &p, 10);
        cr_assert_eq(strncmp(p, " from agent ", 12), 0);
        pairs[n][0] = strtoull(p + 12, &p, 10);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_assert(pairs[i][0] != pairs[j][0] || pairs[i][1] != pairs[j][1],
                      "collector logged seq %" PRIu64 " of agent %" PRIu64
                      " as stored twice", pairs[i][1], pairs[i][0]);
    free(pairs);
    free(log);
}

Test(crash, sigkilled_collector_loses_and_duplicates_nothing)
{
    double t0 = now_s();
    for (int i = 0; i < N_AGENTS; i++)
        agent_start(&agents[i]);

    /* Run: every 50 ms restart two agents (each agent lives about 0.5 s:
     * one collection at start, then the drain), every 100 ms poll the count,
     * and SIGKILL the collector at each kill_at. */
    long long accepted = 0;
    int kills = 0, next = 0;
    double kill_t[N_KILLS] = {0};
    while (accepted < TARGET) {
        cr_assert_lt(now_s() - t0, 200.0, "only %lld reports accepted after 200 s",
                     accepted);
        usleep(50 * 1000);
        for (int i = 0; i < N_AGENTS; i++)
            if (agents[i].stopping && agent_reaped(&agents[i]))
                agent_start(&agents[i]);
        for (int k = 0; k < 2; k++) {
            struct agent *a = &agents[next++ % N_AGENTS];
            if (!a->stopping && agent_up(a)) {
                kill(a->pid, SIGTERM);
                a->stopping = 1;
            }
        }
        if (next % 4 != 0)
            continue;
        long long n = reports_accepted();
        if (n >= 0)
            accepted = n;
        if (kills < N_KILLS && accepted >= kill_at[kills]) {
            cr_assert_eq(tz_test_stop(collector, SIGKILL), 128 + SIGKILL);
            collector = -1;
            kill_t[kills++] = now_s() - t0;
            usleep(300 * 1000);      /* agents meet a dead collector */
            collector = start_collector();
        }
    }
    double run_s = now_s() - t0;
    cr_assert_eq(kills, N_KILLS);

    /* Stop collecting: stop every agent, then start each once more with a
     * daily schedule (it collects once at start, then only drains). */
    for (int i = 0; i < N_AGENTS; i++) {
        struct agent *a = &agents[i];
        wait_up(a);
        if (!a->stopping)
            kill(a->pid, SIGTERM);
        a->stopping = 1;
        while (!agent_reaped(a))
            usleep(20 * 1000);
        write_agent_ini(a, i, "schedule = 03:00");
        agent_start(a);
    }
    int left = 0;
    for (int waited = 0; waited < 30000; waited += 100) {
        left = 0;
        for (int i = 0; i < N_AGENTS; i++)
            left += spooled(&agents[i]);
        if (left == 0)
            break;
        usleep(100 * 1000);
    }
    cr_assert_eq(left, 0, "%d report(s) still spooled after 30 s", left);
    for (int i = 0; i < N_AGENTS; i++) {
        wait_up(&agents[i]);
        cr_assert_eq(tz_test_stop(agents[i].pid, SIGTERM), 0, "agent %s exit status",
                     agents[i].name);
        agents[i].pid = -1;
    }
    cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;

    /* The register against what each agent saw acknowledged. */
    static uint64_t seqs[MAX_SEQS];
    uint64_t sum = 0, acked_total = 0;
    for (int i = 0; i < N_AGENTS; i++) {
        struct agent *a = &agents[i];
        uint64_t id = 0;
        size_t n = acked_seqs(a, seqs, &id);
        cr_assert_gt(n, 0, "agent %s never saw a report stored", a->name);
        char ids[32];
        snprintf(ids, sizeof(ids), "%" PRIu64, id);
        char *out = tz_test_tzctl(data, 0, "host", "show", ids, "--format", "json", NULL);
        cJSON *j = cJSON_Parse(out);
        cr_assert_not_null(j, "%s", out);
        cJSON *rec = cJSON_GetObjectItem(j, "agent");
        uint64_t reports = json_u64(rec, "reports"), last = json_u64(rec, "last_seq");
        cr_assert_eq(reports, n, "agent %s: register holds %" PRIu64 " reports, "
                     "the agent saw %zu distinct ones acknowledged", a->name, reports, n);
        cr_assert_eq(last, seqs[n - 1], "agent %s: register last_seq %" PRIu64
                     ", last acknowledged %" PRIu64, a->name, last, seqs[n - 1]);
        cr_assert_geq(state_seq(a), last, "agent %s: state seq below the register's",
                      a->name);
        cJSON_Delete(j);
        free(out);
        sum += reports;
        acked_total += n;
    }
    long long total = reports_accepted();
    cr_assert_eq((uint64_t)total, sum, "reports_accepted %lld, agents' counts add to %"
                 PRIu64, total, sum);
    cr_assert_geq(total, TARGET);
    log_has_no_duplicate_store();

    char *mdb = tz_test_path("%s", data);
    char *argv[] = {"mdb_stat", "-a", mdb, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "mdb_stat -a: %s", out);
    free(out);
    free(mdb);
    /* Killed mid-batch three times, and every index still agrees. */
    free(tz_test_tzctl(data, 0, "verify", NULL));
    cr_log_info("crash: %" PRIu64 " reports acknowledged and stored once; kills at "
                "%.1f, %.1f, %.1f s; %lld accepted after %.1f s; %.1f s in all",
                acked_total, kill_t[0], kill_t[1], kill_t[2], total, run_s, now_s() - t0);
    fprintf(stderr, "crash: %" PRIu64 " reports, kills at %.1f/%.1f/%.1f s, "
            "target reached at %.1f s, %.1f s in all\n", acked_total, kill_t[0],
            kill_t[1], kill_t[2], run_s, now_s() - t0);
}
