/* End to end: a real tz-collector on ipc:// in a temp dir, three tz-agents
 * with their own --root fixtures, tzctl reading the register while the
 * collector runs, and a restart that keeps everything. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_test.h"

static char *tmp, *data, *url, *clogpath;
static pid_t collector = -1;

static void start_collector(void)
{
    collector = tz_test_collector_start(data, url, clogpath, NULL);
}

static void stop_collector(void)
{
    if (collector > 0)
        cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;
}

static void setup(void)
{
    tmp = tz_test_tmpdir("e2e");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    start_collector();
}

static void teardown(void)
{
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
}

TestSuite(e2e, .init = setup, .fini = teardown, .timeout = 120);

/* tzctl with up to four arguments (the first NULL ends them). */
static char *tzctl(int want_rc, const char *a1, const char *a2, const char *a3,
                   const char *a4)
{
    return tz_test_tzctl(data, want_rc, a1, a2, a3, a4, (const char *)NULL);
}

static char *make_token(void)
{
    return tz_test_token(data, "信息工程学院");
}

/* The collector's public key, as an operator copies it from collector.pub. */
static char *collector_pub(void)
{
    return tz_test_collector_pub(data);
}

/* Agent `name` collects from the fixture host of the same name. */
static void write_agent_config(const char *name, const char *token)
{
    char *pub = collector_pub();
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, name);
    free(tz_test_agent_ini(tmp, name, url, pub, token, root, "timeout = 20\n"));
    free(root);
    free(pub);
}

static void run_agent(const char *name)
{
    char *cfg = tz_test_path("%s/%s.ini", tmp, name);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "agent %s failed: %s", name, out);
    cr_assert(strstr(out, "report stored") != NULL, "%s", out);
    free(out);
    free(cfg);
}

/* hosts --format json as hostname → package count. */
static int packages_of(cJSON *hosts, const char *hostname)
{
    cJSON *h;
    cJSON_ArrayForEach(h, hosts) {
        cJSON *n = cJSON_GetObjectItem(h, "hostname");
        if (cJSON_IsString(n) && strcmp(n->valuestring, hostname) == 0)
            return (int)cJSON_GetObjectItem(h, "packages")->valuedouble;
    }
    return -1;
}

static cJSON *hosts_json(void)
{
    char *out = tzctl(0, "hosts", "--format", "json", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert(cJSON_IsArray(j), "not a JSON array: %s", out);
    free(out);
    return j;
}

static const char *names[] = {"alpha", "beta", "gamma"};
static const char *hostnames[] = {"alpha.example.edu.cn", "beta.example.edu.cn",
                                  "gamma.example.edu.cn"};
static const int counts[] = {3, 5, 8};

Test(e2e, three_agents_land_and_survive_a_restart)
{
    char *token = make_token();
    for (int i = 0; i < 3; i++) {
        write_agent_config(names[i], token);
        run_agent(names[i]);
    }

    cJSON *hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(packages_of(hosts, hostnames[i]), counts[i], "%s", hostnames[i]);
    cJSON_Delete(hosts);

    /* A second run of the same agent updates its host, it adds none. */
    run_agent("beta");
    hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), 3);
    cJSON_Delete(hosts);

    stop_collector();
    start_collector();
    hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), 3, "register lost hosts over a restart");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(packages_of(hosts, hostnames[i]), counts[i]);
    cJSON_Delete(hosts);
    /* The agents' seq state and keys carry on against the restarted collector. */
    run_agent("alpha");

    char *stats = tzctl(0, "stats", "--format", "json", NULL);
    cJSON *sj = cJSON_Parse(stats);
    cr_assert_not_null(sj, "%s", stats);
    /* 3 first reports, beta again, alpha after the restart; 3 enrollments. */
    cr_assert_eq(cJSON_GetObjectItem(sj, "reports_accepted")->valuedouble, 5, "%s", stats);
    cr_assert_eq(cJSON_GetObjectItem(sj, "accepted")->valuedouble, 8, "%s", stats);
    cr_assert_eq(cJSON_GetObjectItem(sj, "agents")->valuedouble, 3, "%s", stats);
    free(stats);
    cJSON_Delete(sj);
    free(token);
}

Test(e2e, agent_without_token_or_with_wrong_key_fails_clearly)
{
    char *token = make_token();
    write_agent_config("alpha", "tz_wrong-token");
    char *cfg = tz_test_path("%s/alpha.ini", tmp);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 1);
    cr_assert(strstr(out, "bad_token") != NULL, "%s", out);
    free(out);

    /* Pinning another collector key: the collector cannot open the box, and
     * the agent does not trust the plain answer. */
    char *bad = tz_test_path("[agent]\nuser = root\ncollector = %s\ncollector_key = %064d\n"
                             "enroll_token = %s\nstate_dir = %s/agent-x\n"
                             "root = %s/hosts/alpha\ntimeout = 20\n",
                             url, 7, token, tmp, TZ_FIXTURES);
    tz_test_write(tmp, "bad.ini", bad);
    char *bcfg = tz_test_path("%s/bad.ini", tmp);
    char *argv2[] = {TZ_BIN "/tz-agent", "--once", "--config", bcfg, NULL};
    cr_assert_eq(tz_test_run(argv2, &out), 1);
    cr_assert(strstr(out, "forged") != NULL, "%s", out);
    free(out);
    free(bcfg);
    free(bad);
    free(cfg);
    free(token);
    cJSON *hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), 0);
    cJSON_Delete(hosts);
}

Test(e2e, concurrent_agents_all_land_in_shared_transactions)
{
    char *token = make_token();
    enum { N = 16 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%02d", i);
        char *pub = collector_pub();
        char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, names[i % 3]);
        char *cfg = tz_test_agent_ini(tmp, name, url, pub, token, root, "");
        char *log = tz_test_path("%s/%s.log", tmp, name);
        char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
        pids[i] = tz_test_spawn(argv, log);
        free(pub); free(root); free(cfg); free(log);
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(tz_test_stop(pids[i], 0), 0, "agent %d failed", i);
    cJSON *hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), N);
    cJSON_Delete(hosts);

    /* 2N requests arrived together; while one transaction syncs, the others
     * queue and are committed together (group commit), so there are fewer
     * transactions than requests. Under AddressSanitizer 16 instrumented
     * agents on two cores arrive too far apart for that to be certain (seen
     * in check-asan): there only the count is checked; make test checks
     * the sharing. */
    char *stats = tzctl(0, "stats", "--format", "json", NULL);
    cJSON *sj = cJSON_Parse(stats);
    double accepted = cJSON_GetObjectItem(sj, "accepted")->valuedouble;
    double batches = cJSON_GetObjectItem(sj, "batches")->valuedouble;
    cr_assert_eq(accepted, 2 * N, "%s", stats);
#ifndef __SANITIZE_ADDRESS__
    cr_assert_lt(batches, accepted, "no request shared a transaction: %s", stats);
#else
    cr_assert_leq(batches, accepted, "%s", stats);
#endif
    cJSON_Delete(sj);
    free(stats);
    free(token);
}

/* Copy a fixture root so a test may change it. */
static char *copy_fixture(const char *name)
{
    char *dst = tz_test_path("%s/root-%s", tmp, name);
    char *src = tz_test_path("%s/hosts/%s", TZ_FIXTURES, name);
    char *argv[] = {"cp", "-a", src, dst, NULL};
    cr_assert_eq(tz_test_run(argv, NULL), 0);
    free(src);
    return dst;
}

static int count_in_log(const char *needle)
{
    char *log = tz_test_slurp(clogpath);
    int n = 0;
    for (char *p = log; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(log);
    return n;
}

Test(e2e, second_report_is_a_delta_and_a_restored_collector_gets_a_full_one)
{
    /* Restart with --verbose: the collector logs the sections of each report. */
    stop_collector();
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
    usleep(100 * 1000);

    char *token = make_token();
    char *root = copy_fixture("alpha");
    char *pub = collector_pub();
    free(tz_test_agent_ini(tmp, "d", url, pub, token, root, ""));
    run_agent("d");
    cr_assert_eq(count_in_log("sections [host,hardware,interfaces,packages"), 1);

    /* Nothing changed: the next report carries no section at all. */
    run_agent("d");
    cr_assert_eq(count_in_log("sections []"), 1, "second report was not a delta");

    /* Back up the register, then change one package: only packages go. */
    stop_collector();
    char *backup = tz_test_path("%s/backup", tmp);
    char *cp[] = {"cp", "-a", data, backup, NULL};
    cr_assert_eq(tz_test_run(cp, NULL), 0);
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
    char *status = tz_test_path("%s/var/lib/dpkg/status", root);
    FILE *f = fopen(status, "a");
    fputs("\nPackage: tz-delta-test\nStatus: install ok installed\n"
          "Architecture: all\nVersion: 1.0\n", f);
    fclose(f);
    run_agent("d");
    cr_assert_eq(count_in_log("sections [packages]"), 1, "delta did not carry packages alone");
    cJSON *hosts = hosts_json();
    cr_assert_eq(packages_of(hosts, "alpha.example.edu.cn"), 4);
    cJSON_Delete(hosts);

    /* Restore the older register: it lacks the base of the next delta, says
     * NEED_FULL, and the agent sends everything. */
    stop_collector();
    char *rm[] = {"rm", "-rf", data, NULL};
    char *mv[] = {"mv", backup, data, NULL};
    cr_assert_eq(tz_test_run(rm, NULL), 0);
    cr_assert_eq(tz_test_run(mv, NULL), 0);
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
    int before = count_in_log("sections [host,hardware,interfaces,packages");
    run_agent("d");
    cr_assert_eq(count_in_log("need_full"), 1, "no NEED_FULL from the restored register");
    cr_assert_eq(count_in_log("sections [host,hardware,interfaces,packages"), before + 1);
    hosts = hosts_json();
    cr_assert_eq(packages_of(hosts, "alpha.example.edu.cn"), 4);
    cJSON_Delete(hosts);

    free(status); free(backup); free(pub); free(root); free(token);
}

/* flags --format json as an array, and whether flag id is open on host. */
static int has_flag(const char *id, const char *subject_prefix, int closed)
{
    char *out = tzctl(0, "flags", "--all", "--format", "json");
    cJSON *j = cJSON_Parse(out);
    cr_assert(cJSON_IsArray(j), "%s", out);
    int found = 0;
    cJSON *f;
    cJSON_ArrayForEach(f, j) {
        const char *fid = cJSON_GetObjectItem(f, "id")->valuestring;
        const char *subj = cJSON_GetObjectItem(f, "subject")->valuestring;
        const char *cl = cJSON_GetObjectItem(f, "closed")->valuestring;
        if (strcmp(fid, id) == 0 && strncmp(subj, subject_prefix, strlen(subject_prefix)) == 0 &&
            (cl[0] != '\0') == closed)
            found = 1;
    }
    cJSON_Delete(j);
    free(out);
    return found;
}

Test(e2e, a_report_raises_flags_and_a_ledger_change_clears_them)
{
    char *token = make_token();
    write_agent_config("alpha", token);
    run_agent("alpha");
    /* The collector evaluates the host's rules right after the Ack. */
    for (int i = 0; i < 100 && !has_flag("UNREGISTERED_HOST", "host 1 ", 0); i++)
        usleep(20 * 1000);
    cr_assert(has_flag("UNREGISTERED_HOST", "host 1 alpha", 0));

    /* Register the system the host serves and bind it: the flag closes, and
     * the system's own missing fields are flagged. */
    free(tz_test_tzctl(data, 0, "system", "add", "图书馆门户", "--dept",
                       "信息工程学院", "--owner", "张三", NULL));
    free(tzctl(0, "bind", "1", "图书馆门户", NULL));
    cr_assert(has_flag("UNREGISTERED_HOST", "host 1 alpha", 1), "not closed");
    cr_assert_not(has_flag("UNREGISTERED_HOST", "host 1 alpha", 0), "still open");
    cr_assert(has_flag("NO_OWNER", "system 1 图书馆门户", 0));
    cr_assert(has_flag("NO_GRADING", "system 1 图书馆门户", 0));

    free(tzctl(0, "system", "set", "1", "管理员=李四"));
    cr_assert(has_flag("NO_OWNER", "system 1 图书馆门户", 1));
    free(token);
}

/* An agent's "system = ID" binds its host (source "config") unless an
 * operator bound it explicitly; and with a dead collector listed first, the
 * agent fails over to the live one. */
Test(e2e, config_binding_and_failover_to_the_second_collector)
{
    char *token = make_token();
    char *add[] = {TZ_BIN "/tzctl", "--data", data, "system", "add", "教务系统",
                   "--dept", "信息工程学院", NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(add, &out), 0, "%s", out);
    free(out);
    char *pub = collector_pub();
    char *dead = tz_test_path("ipc://%s/nobody-listens.sock", tmp);
    char *ini = tz_test_path("[agent]\nuser = root\ncollector = %s\ncollector = %s\n"
                             "collector_key = %s\nenroll_token = %s\n"
                             "state_dir = %s/agent-cfg\nroot = %s/hosts/beta\n"
                             "system = 1\ntimeout = 20\n",
                             dead, url, pub, token, tmp, TZ_FIXTURES);
    tz_test_write(tmp, "cfg.ini", ini);
    run_agent("cfg");

    char *show[] = {TZ_BIN "/tzctl", "--data", data, "--format", "json", "host", "show",
                    "1", NULL};
    cr_assert_eq(tz_test_run(show, &out), 0, "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cJSON *b = cJSON_GetObjectItem(j, "binding");
    cr_assert_not_null(b, "%s", out);
    cr_assert_eq(cJSON_GetObjectItem(b, "system_id")->valuedouble, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(b, "source")->valuestring, "config");
    cJSON_Delete(j);
    free(out);
    free(ini); free(dead); free(pub); free(token);
}

/* Files in dir whose names end in ".report" (a spool). */
static int spooled_reports(const char *dir)
{
    char *cmd[] = {"sh", "-c", NULL, NULL};
    char *script = tz_test_path("ls '%s' 2>/dev/null | grep -c '\\.report$'", dir);
    cmd[2] = script;
    char *out = NULL;
    tz_test_run(cmd, &out);
    int n = out ? atoi(out) : 0;
    free(out);
    free(script);
    return n;
}

/* tz-agent --once --config dir/name.ini [more args]; output into *out. */
static int run_once(const char *name, const char *a1, const char *a2,
                    const char *a3, char **out)
{
    char *cfg = tz_test_path("%s/%s.ini", tmp, name);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, (char *)a1,
                    (char *)a2, (char *)a3, NULL};
    int rc = tz_test_run(argv, out);
    free(cfg);
    return rc;
}

static cJSON *host_show(int id)
{
    char n[16];
    snprintf(n, sizeof(n), "%d", id);
    char *out = tz_test_tzctl(data, 0, "--format", "json", "host", "show", n, NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    free(out);
    return j;
}

/* The agent's public key file, as text. */
static char *agent_pub(const char *name)
{
    char *path = tz_test_path("%s/agent-%s/agent.pub", tmp, name);
    char *pub = tz_test_slurp(path);
    cr_assert_not_null(pub, "no %s", path);
    free(path);
    return pub;
}

Test(e2e, a_revoked_agent_keeps_its_spool_and_comes_back_under_a_new_key, .timeout = 180)
{
    char *token = make_token();
    char *pub = collector_pub();
    char *root = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    /* A daemon that collects every second and retries soon. */
    free(tz_test_agent_ini(tmp, "r", url, pub, token, root,
                           "timeout = 10\ninterval = 1\nsplay = 0\nretry_min = 1\n"
                           "retry_max = 2\n"));
    char *out = NULL;
    cr_assert_eq(run_once("r", NULL, NULL, NULL, &out), 0, "%s", out);
    cr_assert(strstr(out, "enrolled as agent 1"), "%s", out);
    free(out);

    free(tz_test_tzctl(data, 0, "agent", "revoke", "1", "--reason", "key copied off",
                       NULL));

    /* --once is refused, says why and what to do, and exits 1. */
    out = NULL;
    cr_assert_eq(run_once("r", NULL, NULL, NULL, &out), 1, "%s", out);
    cr_assert(strstr(out, "refuses this agent's key (revoked: the key of agent 1 was "
                          "revoked on "), "%s", out);
    cr_assert(strstr(out, ": key copied off)"), "%s", out);
    cr_assert(strstr(out, "tz-agent --once --enroll-token TOKEN --reenroll"), "%s", out);
    free(out);

    /* The daemon collects and spools, is refused, keeps every report. */
    char *cfg = tz_test_path("%s/r.ini", tmp);
    char *alog = tz_test_path("%s/r-daemon.log", tmp);
    char *spool = tz_test_path("%s/agent-r/work/spool", tmp);
    char *dargv[] = {TZ_BIN "/tz-agent", "--config", cfg, NULL};
    pid_t daemon = tz_test_spawn(dargv, alog);
    cr_assert_eq(tz_test_wait_for(alog, "refuses this agent's key", 20000), 0,
                 "no refusal logged");
    for (int i = 0; i < 100 && spooled_reports(spool) < 3; i++)
        usleep(100 * 1000);
    cr_assert_geq(spooled_reports(spool), 3, "the spool was not kept");
    char *log = tz_test_slurp(alog);
    cr_assert_null(strstr(log, "dropping it"), "a report was dropped:\n%s", log);
    cr_assert(strstr(log, "kept in the spool (stop this daemon first)"), "%s", log);
    free(log);

    /* --reenroll will not run beside the daemon that holds the old key. */
    char *fresh = tz_test_tzctl(data, 0, "token", "create", "--dept", "信息工程学院",
                                "--uses", "1", NULL);
    char newtok[64];
    cr_assert_eq(sscanf(fresh, "%63s", newtok), 1);
    free(fresh);
    out = NULL;
    cr_assert_eq(run_once("r", "--reenroll", "--enroll-token", newtok, &out), 1, "%s",
                 out);
    cr_assert(strstr(out, "a tz-agent daemon is running"), "%s", out);
    free(out);
    cr_assert_eq(tz_test_stop(daemon, SIGTERM), 0);
    int kept = spooled_reports(spool);
    cr_assert_geq(kept, 3);

    /* A new key, enrolled as a new host; the spool drains under it. */
    char *oldpub = agent_pub("r");
    out = NULL;
    cr_assert_eq(run_once("r", "--reenroll", "--enroll-token", newtok, &out), 0, "%s",
                 out);
    cr_assert(strstr(out, "--reenroll: made a new agent key"), "%s", out);
    cr_assert(strstr(out, "enrolled as agent 2 in 信息工程学院"), "%s", out);
    cr_assert(strstr(out, "report stored (agent 2"), "%s", out);
    free(out);
    char *newpub = agent_pub("r");
    cr_assert_str_neq(oldpub, newpub, "agent.pub was not replaced");
    cr_assert_eq(spooled_reports(spool), 0, "the spool was not sent");

    cJSON *hosts = hosts_json();
    cr_assert_eq(cJSON_GetArraySize(hosts), 2, "the old host stays beside the new one");
    cJSON *h1 = cJSON_GetArrayItem(hosts, 0), *h2 = cJSON_GetArrayItem(hosts, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(h1, "hostname")->valuestring,
                     "alpha.example.edu.cn");
    cr_assert_str_eq(cJSON_GetObjectItem(h2, "hostname")->valuestring,
                     "alpha.example.edu.cn");
    cr_assert_neq(cJSON_GetObjectItem(h1, "revoked")->valuestring[0], '\0');
    cr_assert_str_eq(cJSON_GetObjectItem(h2, "revoked")->valuestring, "");
    cJSON_Delete(hosts);
    cJSON *a = host_show(1), *b = host_show(2);
    const char *m1 = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "agent"),
                                         "machine_id")->valuestring;
    const char *m2 = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "agent"),
                                         "machine_id")->valuestring;
    cr_assert(m1[0] != '\0' && strcmp(m1, m2) == 0, "machine ids %s / %s", m1, m2);
    cJSON_Delete(a);
    cJSON_Delete(b);

    /* The refusals were counted and logged; the history keeps the revocation. */
    char *stats = tzctl(0, "stats", "--format", "json", NULL);
    cJSON *sj = cJSON_Parse(stats);
    double revoked = cJSON_GetObjectItem(cJSON_GetObjectItem(sj, "rejected"),
                                         "revoked")->valuedouble;
    cr_assert_geq(revoked, 2, "%s", stats);
    cJSON_Delete(sj);
    free(stats);
    cr_assert(count_in_log("rejected request (revoked)") >= 1);
    char *hist = tzctl(0, "history", "1", "--format", "csv");
    cr_assert(strstr(hist, ",agent,agent key,revoked,"), "%s", hist);
    cr_assert(strstr(hist, ",key copied off\r\n"), "%s", hist);
    free(hist);

    /* The token allowed one enrollment: the next agent is refused, saying so. */
    char *broot = tz_test_path("%s/hosts/beta", TZ_FIXTURES);
    free(tz_test_agent_ini(tmp, "s", url, pub, newtok, broot, "timeout = 10\n"));
    out = NULL;
    cr_assert_eq(run_once("s", NULL, NULL, NULL, &out), 1, "%s", out);
    cr_assert(strstr(out, "enrollment refused (bad_token): enrollment token "), "%s", out);
    cr_assert(strstr(out, "is used up (1 of 1 enrollments made)"), "%s", out);
    free(out);

    free(broot); free(oldpub); free(newpub); free(cfg); free(alog); free(spool);
    free(root); free(pub); free(token);
}
