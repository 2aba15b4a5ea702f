/* test_agent_state — who owns the agent's state: the key stays root's and
 * is read before the drop, the run-as user writes only work/, nothing
 * planted by that user makes root write elsewhere, and an agent that cannot
 * reach an ipc:// socket says why at once. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "privdrop.h"
#include "tz_test.h"

static char *tmp, *data, *url, *clogpath, *pub, *token;
static pid_t collector = -1;
static uid_t nobody_uid;

/* tmp is 0711 (nobody may pass, not list); the agents' states live under
 * tmp/private, 0700: a parent the run-as user cannot even traverse. */
static void setup(void)
{
    tmp = tz_test_tmpdir("agent-state");
    cr_assert_eq(chmod(tmp, 0711), 0);
    char *priv = tz_test_path("%s/private", tmp);
    cr_assert_eq(mkdir(priv, 0700), 0);
    free(priv);
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    collector = tz_test_collector_start(data, url, clogpath, NULL);
    pub = tz_test_collector_pub(data);
    token = tz_test_token(data, "计算机学院");
    struct passwd *pw = getpwnam("nobody");
    nobody_uid = pw ? pw->pw_uid : 0;
}

static void teardown(void)
{
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp); free(data); free(url); free(clogpath); free(pub); free(token);
}

TestSuite(agent_state, .init = setup, .fini = teardown, .timeout = 120);

/* An agent config running as `user` with its state in tmp/private/<name>. */
static char *agent_ini(const char *name, const char *user, const char *extra)
{
    char *root = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *more = tz_test_path("user = %s\nstate_dir = %s/private/%s\ntimeout = 20\n%s",
                              user, tmp, name, extra);
    char *ini = tz_test_agent_ini(tmp, name, url, pub, token, root, more);
    free(more);
    free(root);
    return ini;
}

/* *out: NULL or an earlier output, which is freed. */
static int run_agent(const char *ini, char **out)
{
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", (char *)ini, NULL};
    free(*out);
    *out = NULL;
    return tz_test_run(argv, out);
}

static void assert_owner_mode(const char *path, uid_t uid, unsigned mode)
{
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(st.st_uid, uid, "%s: owner %u, want %u", path,
                 (unsigned)st.st_uid, (unsigned)uid);
    cr_assert_eq(st.st_mode & 07777, mode, "%s: mode %o, want %o", path,
                 st.st_mode & 07777, mode);
}

/* In a child dropped to nobody: errno of open(key) for reading, and of a
 * symlink planted where root writes its temp key file (0 if it succeeded). */
static void probe_as_nobody(const char *state, int *open_errno, int *plant_errno)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct tz_error e = {0};
        int r[2] = {-1, -1};
        if (privdrop("nobody", &e) == 0 && geteuid() != 0) {
            char key[4200], plant[4200];
            snprintf(key, sizeof(key), "%s/agent.key", state);
            snprintf(plant, sizeof(plant), "%s/agent.key.tmp.1", state);
            int fd = open(key, O_RDONLY);
            r[0] = fd >= 0 ? 0 : errno;
            r[1] = symlink("/etc/shadow", plant) == 0 ? 0 : errno;
        }
        ssize_t w = write(p[1], r, sizeof(r));
        _exit(w == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(p[1]);
    int r[2] = {-1, -1};
    cr_assert_eq(read(p[0], r, sizeof(r)), (ssize_t)sizeof(r));
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert_neq(r[0], -1, "could not drop to nobody");
    *open_errno = r[0];
    *plant_errno = r[1];
}

Test(agent_state, key_stays_roots_and_only_work_is_the_run_as_users)
{
    if (geteuid() != 0 || nobody_uid == 0)
        cr_skip_test("needs root and a nobody user to drop to");
    char *ini = agent_ini("a", "nobody", "");
    char *out = NULL;
    cr_assert_eq(run_agent(ini, &out), 0, "%s", out);
    cr_assert(strstr(out, "report stored (agent 1,") != NULL, "%s", out);

    char *state = tz_test_path("%s/private/a", tmp);
    char *key = tz_test_path("%s/agent.key", state);
    char *work = tz_test_path("%s/work", state);
    char *wstate = tz_test_path("%s/work/state", state);
    assert_owner_mode(state, 0, 0700);
    assert_owner_mode(key, 0, 0600);
    assert_owner_mode(work, nobody_uid, 0700);
    assert_owner_mode(wstate, nobody_uid, 0600);

    /* What finding 1 did as nobody: read the key, plant a link where root
     * writes. Both are refused by the file system now. */
    int open_errno, plant_errno;
    probe_as_nobody(state, &open_errno, &plant_errno);
    cr_assert_eq(open_errno, EACCES, "nobody opened the key (errno %d)", open_errno);
    cr_assert_eq(plant_errno, EACCES, "nobody planted a link (errno %d)", plant_errno);

    /* The next run is the same agent with the same key. */
    char *before = tz_test_slurp(key);
    cr_assert_eq(run_agent(ini, &out), 0, "%s", out);
    cr_assert(strstr(out, "report stored (agent 1,") != NULL, "%s", out);
    char *after = tz_test_slurp(key);
    cr_assert_str_eq(before, after);
    free(before); free(after); free(out); free(ini);
    free(state); free(key); free(work); free(wstate);
}

/* A state dir that its run-as user owns (what tz-agent before 0.2 made of
 * it) is refused before root writes anything there, planted link or not. */
Test(agent_state, a_state_dir_the_run_as_user_owns_is_refused)
{
    if (geteuid() != 0 || nobody_uid == 0)
        cr_skip_test("needs root and a nobody user");
    char *victim = tz_test_path("%s/private/victim", tmp);
    tz_test_write(tmp, "private/victim", "precious\n");
    cr_assert_eq(chmod(victim, 0600), 0);
    char *state = tz_test_path("%s/private/old", tmp);
    cr_assert_eq(mkdir(state, 0700), 0);
    cr_assert_eq(chown(state, nobody_uid, 0), 0);
    /* Planted for every pid a run might get: none must be written through. */
    for (int pid = 2; pid < 400; pid++) {
        char *plant = tz_test_path("%s/agent.key.tmp.%d", state, pid);
        cr_assert_eq(symlink(victim, plant), 0);
        free(plant);
    }
    char *ini = agent_ini("old", "nobody", "");
    char *out = NULL;
    cr_assert_eq(run_agent(ini, &out), 1, "%s", out);
    char *want = tz_test_path("owned by uid %u, not uid 0", (unsigned)nobody_uid);
    cr_assert(strstr(out, want) != NULL, "%s", out);
    cr_assert(strstr(out, "chown 0:0") != NULL, "no way out offered: %s", out);
    char *still = tz_test_slurp(victim);
    cr_assert_str_eq(still, "precious\n");
    char *key = tz_test_path("%s/agent.key", state);
    cr_assert_eq(access(key, F_OK), -1, "a key was written into nobody's dir");
    free(key); free(still); free(want); free(out); free(ini);
    free(state); free(victim);
}

/* The write primitive itself: a link under its temp name is refused and
 * what it points to is untouched; a leftover file of our own is replaced. */
Test(agent_state, a_planted_temp_link_is_refused_and_a_stale_file_replaced)
{
    char *dir = tz_test_path("%s/private/w", tmp);
    cr_assert_eq(mkdir(dir, 0700), 0);
    tz_test_write(tmp, "private/victim2", "precious\n");
    char *victim = tz_test_path("%s/private/victim2", tmp);
    char *plant = tz_test_path("%s/state.tmp.%ld", dir, (long)getpid());
    cr_assert_eq(symlink(victim, plant), 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(dfd, 0);
    struct tz_error err = {0};
    cr_assert_eq(tz_write_file_atomicat(dfd, dir, "state", "x\n", 2, 0600, &err),
                 TZ_EPERM);
    cr_assert(strstr(err.msg, "symbolic link") != NULL, "%s", err.msg);
    char *still = tz_test_slurp(victim);
    cr_assert_str_eq(still, "precious\n");

    /* A crash of ours leaves a regular file of ours: that one is replaced. */
    cr_assert_eq(unlink(plant), 0);
    tz_test_write(dir, plant + strlen(dir) + 1, "half");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(tz_write_file_atomicat(dfd, dir, "state", "x\n", 2, 0600, &err), 0,
                 "%s", err.msg);
    char *path = tz_test_path("%s/state", dir);
    char *got = tz_test_slurp(path);
    cr_assert_str_eq(got, "x\n");
    cr_assert_eq(access(plant, F_OK), -1);
    close(dfd);
    free(got); free(path); free(still); free(plant); free(victim); free(dir);
}

/* A collector socket the run-as user may not use: said at once, with the
 * cause, instead of a 20-second wait for "no answer". */
Test(agent_state, an_ipc_socket_closed_to_the_agent_is_said_to_be)
{
    if (geteuid() != 0 || nobody_uid == 0)
        cr_skip_test("needs root and a nobody user");
    char *sock = tz_test_path("%s/collector.sock", tmp);
    struct stat st;
    cr_assert_eq(stat(sock, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0666, "the agents' socket is mode %o",
                 st.st_mode & 0777);
    cr_assert_eq(chmod(sock, 0755), 0);     /* as an old collector left it */
    char *ini = agent_ini("closed", "nobody", "");
    char *out = NULL;
    time_t t0 = time(NULL);
    cr_assert_eq(run_agent(ini, &out), 1, "%s", out);
    cr_assert_lt(time(NULL) - t0, 10, "waited for the timeout: %s", out);
    cr_assert(strstr(out, "permission denied for uid") != NULL, "%s", out);
    cr_assert(strstr(out, "mode 755") != NULL, "%s", out);
    free(out); free(ini); free(sock);
}

/* A config that holds a token is a credential: others reading it is said. */
Test(agent_state, a_readable_config_with_a_token_is_warned_about)
{
    char *ini = agent_ini("tok", "root", "");
    cr_assert_eq(chmod(ini, 0644), 0);
    char *out = NULL;
    cr_assert_eq(run_agent(ini, &out), 0, "%s", out);
    cr_assert(strstr(out, "holds an enrollment token and is readable by group "
                          "or others (mode 644): chmod 600 it") != NULL, "%s", out);
    cr_assert_eq(chmod(ini, 0600), 0);
    cr_assert_eq(run_agent(ini, &out), 0, "%s", out);
    cr_assert(strstr(out, "chmod 600") == NULL, "%s", out);
    free(out); free(ini);
}

/* --enroll-token-file: the token never appears on the command line. */
Test(agent_state, the_token_can_come_from_a_file)
{
    char *root = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *more = tz_test_path("state_dir = %s/private/tf\n", tmp);
    char *ini = tz_test_agent_ini(tmp, "tf", url, pub, "", root, more);
    char *tokfile = tz_test_path("%s/token", tmp);
    char *line = tz_test_path("%s\n", token);
    tz_test_write(tmp, "token", line);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", ini,
                    "--enroll-token-file", tokfile, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "%s", out);
    cr_assert(strstr(out, "enrolled as agent") != NULL, "%s", out);
    free(out); free(line); free(tokfile); free(ini); free(more); free(root);
}
