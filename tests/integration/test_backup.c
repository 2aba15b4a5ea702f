/* tzctl backup against a real tz-collector and real agents: the file is a
 * register holding what was stored, private (0600), never half-written under
 * its name, never over an existing file without --force, and taken while
 * agents keep reporting. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "register.h"
#include "tz_test.h"

static char *tmp, *data, *url, *clogpath, *token, *file, *file_tmp;
static pid_t collector = -1;

static void setup(void)
{
    tmp = tz_test_tmpdir("backup");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/c.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    file = tz_test_path("%s/register.backup", tmp);
    file_tmp = tz_test_path("%s.tmp", file);
    collector = tz_test_collector_start(data, url, clogpath, NULL);
    token = tz_test_token(data, "图书馆");
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
    free(token);
    free(file);
    free(file_tmp);
}

TestSuite(backup, .init = setup, .fini = teardown, .timeout = 120);

static const char *fixtures[] = {"alpha", "beta", "gamma"};

/* Agent `name` on fixture host fixtures[i % 3]; its config's path. */
static char *agent_config(const char *name, int i)
{
    char *pub = tz_test_collector_pub(data);
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, fixtures[i % 3]);
    char *cfg = tz_test_agent_ini(tmp, name, url, pub, token, root, "timeout = 20\n");
    free(root);
    free(pub);
    return cfg;
}

static void run_agent(const char *name, int i)
{
    char *cfg = agent_config(name, i);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "agent %s: %s", name, out);
    free(out);
    free(cfg);
}

struct names {
    char list[512];
};

static int name_cb(const Tz__AgentRecord *rec, void *arg)
{
    struct names *n = arg;
    size_t len = strlen(n->list);
    snprintf(n->list + len, sizeof(n->list) - len, "%s%s", len ? "," : "", rec->hostname);
    return 0;
}

/* The backup opened as a register: its stats, and its hosts' names. */
static struct register_stats open_backup(const char *path, struct names *n)
{
    struct tz_register *reg = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_open(path, REGISTER_RDONLY | REGISTER_FILE, &reg, &err), 0,
                 "%s", err.msg);
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, &err), 0, "%s", err.msg);
    if (n) {
        n->list[0] = '\0';
        cr_assert_eq(register_each_agent(reg, NULL, name_cb, n, &err), 0, "%s", err.msg);
    }
    register_close(reg);
    return st;
}

static off_t size_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_size;
}

Test(backup, file_is_a_private_register_holding_what_was_stored)
{
    run_agent("a", 0);
    run_agent("b", 1);
    /* The same host reporting again leaves freed pages a compact copy skips. */
    for (int k = 0; k < 3; k++)
        run_agent("b", 1);
    char *out = tz_test_tzctl(data, 0, "backup", "-o", file, NULL);
    off_t bytes = size_of(file);
    char *want = tz_test_path(
        "backup written: %s (%lld bytes), the register of %s\n"
        "tzctl: the backup does not hold the collector key: copy %s/collector.key once "
        "to a safe place of its own (it never changes; agents pin its public half)\n",
        file, (long long)bytes, data, data);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);

    struct stat st;
    cr_assert_eq(stat(file, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    cr_assert_neq(access(file_tmp, F_OK), 0, "the .tmp is gone");
    char *data_mdb = tz_test_path("%s/data.mdb", data);
    cr_assert_lt(bytes, size_of(data_mdb), "not compacted");
    free(data_mdb);

    struct names n;
    struct register_stats rs = open_backup(file, &n);
    cr_assert_eq(rs.agents, 2);
    cr_assert_eq(rs.hosts, 2);
    cr_assert_eq(rs.reports_accepted, 5);
    cr_assert_eq(rs.depts, 1);
    cr_assert_str_eq(n.list, "alpha.example.edu.cn,beta.example.edu.cn");
    /* Opened without a lock file beside it. */
    char *lock = tz_test_path("%s-lock", file);
    cr_assert_neq(access(lock, F_OK), 0, "%s was created", lock);
    free(lock);
}

Test(backup, json_names_path_and_size)
{
    char *out = tz_test_tzctl(data, 0, "--format", "json", "backup", "--output", file,
                              NULL);
    char *want = tz_test_path("{\n\t\"path\":\t\"%s\",\n\t\"bytes\":\t%lld,\n"
                              "\t\"register\":\t\"%s\"\n}\n", file,
                              (long long)size_of(file), data);
    cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
    free(want);
    free(out);
}

Test(backup, an_existing_file_is_kept_unless_force)
{
    tz_test_write(tmp, "register.backup", "an older backup\n");
    char *out = tz_test_tzctl(data, 1, "backup", "-o", file, NULL);
    char *want = tz_test_path("tzctl: %s exists: choose another name, or --force to "
                              "replace it\n", file);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    char *text = tz_test_slurp(file);
    cr_assert_str_eq(text, "an older backup\n");
    free(text);

    run_agent("a", 2);
    free(tz_test_tzctl(data, 0, "backup", "-o", file, "--force", NULL));
    struct names n;
    struct register_stats rs = open_backup(file, &n);
    cr_assert_eq(rs.agents, 1);
    cr_assert_str_eq(n.list, "gamma.example.edu.cn");
    struct stat st;
    cr_assert_eq(stat(file, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o after --force", st.st_mode & 0777);
}

Test(backup, a_leftover_tmp_is_not_overwritten)
{
    tz_test_write(tmp, "register.backup.tmp", "another backup's half\n");
    char *out = tz_test_tzctl(data, 1, "backup", "-o", file, "--force", NULL);
    char *want = tz_test_path("tzctl: %s exists: another backup is running, or one was "
                              "interrupted (then remove it)\n", file_tmp);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    char *text = tz_test_slurp(file_tmp);
    cr_assert_str_eq(text, "another backup's half\n");
    free(text);
    cr_assert_neq(access(file, F_OK), 0);
}

Test(backup, a_failed_backup_leaves_nothing)
{
    char *none = tz_test_path("%s/no-register-here", tmp);
    char *out = tz_test_tzctl(none, 1, "backup", "-o", file, NULL);
    cr_assert(strstr(out, "no register at") != NULL, "%s", out);
    cr_assert_neq(access(file, F_OK), 0);
    cr_assert_neq(access(file_tmp, F_OK), 0);
    free(out);
    free(none);
    free(tz_test_tzctl(data, 2, "backup", NULL));
    free(tz_test_tzctl(data, 2, "backup", file, NULL));
}

/* Agents enroll and report while backups are taken: every backup is a
 * register as of one moment, and the last one, after them, has them all. */
Test(backup, taken_while_agents_report)
{
    enum { N = 12 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "w%02d", i);
        char *cfg = agent_config(name, i);
        char *log = tz_test_path("%s/%s.log", tmp, name);
        char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
        pids[i] = tz_test_spawn(argv, log);
        free(cfg);
        free(log);
    }
    int taken = 0;
    for (int k = 0; k < 4; k++) {
        char *path = tz_test_path("%s/during-%d", tmp, k);
        free(tz_test_tzctl(data, 0, "backup", "-o", path, NULL));
        struct register_stats rs = open_backup(path, NULL);
        cr_assert_leq(rs.agents, N);
        cr_assert_leq(rs.hosts, rs.agents, "a report without its enrollment");
        /* One moment of the register: every index agrees with its records. */
        char *v = tz_test_tzctl(data, 0, "verify", path, NULL);
        cr_assert_eq(strncmp(v, "register consistent: ", 21), 0, "%s", v);
        free(v);
        taken++;
        free(path);
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(tz_test_stop(pids[i], 0), 0, "agent %d failed", i);
    cr_assert_eq(taken, 4);
    free(tz_test_tzctl(data, 0, "backup", "-o", file, NULL));
    struct register_stats rs = open_backup(file, NULL);
    cr_assert_eq(rs.agents, N);
    cr_assert_eq(rs.hosts, N);
    free(tz_test_tzctl(data, 0, "verify", file, NULL));
    free(tz_test_tzctl(data, 0, "verify", NULL));
}
