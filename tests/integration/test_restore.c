/* tzctl restore with a real tz-collector and a real agent (--once): the
 * backup comes back, the register it replaced is kept, a running collector
 * blocks it, a bad file changes nothing; and the agent, whose newer report
 * the restored register lacks, is answered NEED_FULL, resends in full, and
 * the register holds its latest data with its seq still rising. A message
 * recorded between the backup and the restore names the old register epoch
 * and is refused (STALE_EPOCH), whatever its seq. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "envelope.h"
#include "keys.h"
#include "tz_test.h"

static char *tmp, *data, *url, *clogpath, *backup;
static pid_t collector = -1;

static void start_collector(void)
{
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
}

static void stop_collector(void)
{
    cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;
}

static void setup(void)
{
    tmp = tz_test_tmpdir("restore");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/c.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    backup = tz_test_path("%s/register.backup", tmp);
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
    free(backup);
}

TestSuite(restore, .init = setup, .fini = teardown, .timeout = 120);

/* Agent "a" on a copy of fixture alpha, which the test then changes. */
static char *agent_root(void)
{
    char *token = tz_test_token(data, "信息工程学院");
    char *root = tz_test_path("%s/root-alpha", tmp);
    char *src = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *cp[] = {"cp", "-a", src, root, NULL};
    cr_assert_eq(tz_test_run(cp, NULL), 0);
    char *pub = tz_test_collector_pub(data);
    free(tz_test_agent_ini(tmp, "a", url, pub, token, root, "timeout = 20\n"));
    free(pub);
    free(src);
    free(token);
    return root;
}

static char *run_agent(void)
{
    char *cfg = tz_test_path("%s/a.ini", tmp);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "agent: %s", out);
    cr_assert(strstr(out, "report stored") != NULL, "%s", out);
    free(cfg);
    return out;
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

/* What the register holds about host 1. */
struct host {
    char hostname[64];
    double last_seq, reports;
    int packages;
    char extra_version[16];   /* of tz-restore-test, "" when absent */
};

static struct host host1(void)
{
    char *out = tz_test_tzctl(data, 0, "--format", "json", "host", "show", "1", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    struct host h = {0};
    cJSON *a = cJSON_GetObjectItem(j, "agent");
    snprintf(h.hostname, sizeof(h.hostname), "%s",
             cJSON_GetObjectItem(a, "hostname")->valuestring);
    h.last_seq = cJSON_GetObjectItem(a, "last_seq")->valuedouble;
    h.reports = cJSON_GetObjectItem(a, "reports")->valuedouble;
    cJSON *pk = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "report"),
                                                        "packages"), "packages");
    cr_assert(cJSON_IsArray(pk), "%s", out);
    h.packages = cJSON_GetArraySize(pk);
    cJSON *p;
    cJSON_ArrayForEach(p, pk) {
        if (strcmp(cJSON_GetObjectItem(p, "name")->valuestring, "tz-restore-test") == 0)
            snprintf(h.extra_version, sizeof(h.extra_version), "%s",
                     cJSON_GetObjectItem(p, "version")->valuestring);
    }
    cJSON_Delete(j);
    free(out);
    return h;
}

/* The one data.mdb.before-restore.* in data, or NULL. */
static char *aside_file(void)
{
    DIR *d = opendir(data);
    cr_assert_not_null(d);
    char *found = NULL;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, "data.mdb.before-restore.", 24) == 0) {
            cr_assert_null(found, "two files moved aside");
            found = tz_test_path("%s/%s", data, e->d_name);
        }
    closedir(d);
    return found;
}

static int exists(const char *dir, const char *name)
{
    char *p = tz_test_path("%s/%s", dir, name);
    int yes = access(p, F_OK) == 0;
    free(p);
    return yes;
}

Test(restore, the_backup_comes_back_and_the_agent_resends_in_full)
{
    char *root = agent_root();
    free(run_agent());
    cr_assert_eq(count_in_log("sections [host,hardware,interfaces,packages"), 1);
    struct host before = host1();
    cr_assert_str_eq(before.hostname, "alpha.example.edu.cn");
    cr_assert_eq(before.packages, 3);
    cr_assert_eq(before.reports, 1);
    free(tz_test_tzctl(data, 0, "backup", "-o", backup, NULL));

    /* After the backup the host is renamed and gets a package: a delta. */
    tz_test_write(root, "etc/hostname", "alpha-renamed.example.edu.cn\n");
    char *status = tz_test_path("%s/var/lib/dpkg/status", root);
    FILE *f = fopen(status, "a");
    fputs("\nPackage: tz-restore-test\nStatus: install ok installed\n"
          "Architecture: all\nVersion: 2.5-1\n", f);
    fclose(f);
    free(status);
    free(run_agent());
    cr_assert_eq(count_in_log("sections [host,packages]"), 1, "not a delta");
    struct host newer = host1();
    cr_assert_str_eq(newer.hostname, "alpha-renamed.example.edu.cn");
    cr_assert_eq(newer.packages, 4);
    cr_assert_gt(newer.last_seq, before.last_seq);

    /* Not under a running collector: it names it, and touches nothing. */
    char *out = tz_test_tzctl(data, 1, "restore", backup, NULL);
    char *want = tz_test_path("tzctl: %s is in use by tz-collector (pid %ld); stop it "
                              "before restoring\n", data, (long)collector);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    cr_assert_eq(host1().packages, 4);
    cr_assert_null(aside_file());

    stop_collector();
    out = tz_test_tzctl(data, 0, "restore", backup, NULL);
    char *aside = aside_file();
    cr_assert_not_null(aside, "the replaced register was not kept");
    struct stat st;
    cr_assert_eq(stat(backup, &st), 0);
    /* The backup verified first (its flags depend on whether the rules ran
     * before it was taken: not compared), then what was done. */
    const char *head = "register consistent: 1 agent (1 reported), 1 department, "
                       "1 token, 0 systems, 0 bindings, ";
    cr_assert_eq(strncmp(out, head, strlen(head)), 0, "%s", out);
    char *rest = strstr(out, "1 history entry, 3 package index rows, 0 users, "
                             "0 sessions, 0 ledger changes, 0 screenings, "
                             "0 review decisions\n");
    cr_assert_not_null(rest, "%s", out);
    want = tz_test_path("1 history entry, 3 package index rows, 0 users, "
                        "0 sessions, 0 ledger changes, 0 screenings, "
                        "0 review decisions\n"
                        "restored %s into %s/data.mdb (%lld bytes)\n"
                        "the register it replaced is kept as %s\n"
                        "the restored register has a new epoch: messages sealed "
                        "before the restore are refused (stale_epoch)\n"
                        "start tz-collector: agents that reported since the backup get "
                        "NEED_FULL once and resend in full\n",
                        backup, data, (long long)st.st_size, aside);
    cr_assert_str_eq(rest, want);
    free(want);
    free(out);
    cr_assert(!exists(data, "lock.mdb"), "the stale lock.mdb is still there");
    cr_assert(!exists(data, "data.mdb.restore.tmp"));
    char *mdb = tz_test_path("%s/data.mdb", data);
    cr_assert_eq(stat(mdb, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(mdb);
    /* The backup's moment is back; the newer register is kept whole. */
    struct host restored = host1();
    cr_assert_str_eq(restored.hostname, "alpha.example.edu.cn");
    cr_assert_eq(restored.packages, 3);
    cr_assert_eq(restored.last_seq, before.last_seq);
    out = tz_test_tzctl(data, 0, "verify", aside, NULL);
    cr_assert(strstr(out, "register consistent: 1 agent (1 reported)"), "%s", out);
    free(out);

    /* The agent's next delta names the old epoch: refused once, resent under
     * the new one, and then it names a base the register does not have. */
    start_collector();
    free(run_agent());
    cr_assert_eq(count_in_log("rejected request (stale_epoch)"), 1, "no STALE_EPOCH");
    cr_assert_eq(count_in_log("rejected request (need_full)"), 1, "no NEED_FULL");
    cr_assert_eq(count_in_log("sections [host,hardware,interfaces,packages"), 2,
                 "no full resend");
    struct host latest = host1();
    cr_assert_str_eq(latest.hostname, "alpha-renamed.example.edu.cn");
    cr_assert_eq(latest.packages, 4);
    cr_assert_str_eq(latest.extra_version, "2.5-1");
    cr_assert_eq(latest.reports, 2);
    cr_assert_gt(latest.last_seq, newer.last_seq, "seq went back");
    free(tz_test_tzctl(data, 0, "verify", NULL));

    /* And from there on, deltas again. */
    free(run_agent());
    cr_assert_eq(count_in_log("rejected request (stale_epoch)"), 1);
    cr_assert_eq(count_in_log("rejected request (need_full)"), 1);
    cr_assert_eq(count_in_log("sections []"), 1);
    cr_assert_gt(host1().last_seq, latest.last_seq);
    free(aside);
    free(root);
}

/* ---- a hand-made agent, to record its messages ---- */

static uint8_t collector_pk[TZ_KEY_LEN];

/* Send msg on a fresh REQ socket; the Ack opened as who (sealed: fails the
 * test otherwise). */
static Tz__Ack *send_recorded(const uint8_t *msg, size_t len, const struct tz_keypair *who)
{
    int s = nn_socket(AF_SP, NN_REQ);
    int ms = 10000;
    cr_assert_geq(s, 0);
    cr_assert_eq(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &ms, sizeof(ms)), 0);
    cr_assert_geq(nn_connect(s, url), 0);
    cr_assert_eq(nn_send(s, msg, len, 0), (int)len);
    void *buf = NULL;
    int r = nn_recv(s, &buf, NN_MSG, 0);
    cr_assert_geq(r, 0, "no reply: %s", nn_strerror(nn_errno()));
    Tz__Ack *ack = NULL;
    int auth = 0;
    struct tz_error err = {0};
    cr_assert_eq(reply_open(buf, (size_t)r, who, collector_pk, &ack, &auth, &err), 0,
                 "%s", err.msg);
    cr_assert(auth, "plain reply: %s", ack->detail);
    nn_freemsg(buf);
    nn_close(s);
    return ack;
}

/* A sealed report (or, with token, an enrollment) under seq and epoch. */
static uint8_t *seal_msg(const struct tz_keypair *who, uint64_t seq, uint64_t epoch,
                         const char *token, size_t *len)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = "recorded.example.edu.cn";
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)token;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.epoch = epoch;
    if (token) {
        p.body_case = TZ__PAYLOAD__BODY_ENROLL;
        p.enroll = &en;
    } else {
        p.body_case = TZ__PAYLOAD__BODY_REPORT;
        p.report = &r;
    }
    uint8_t *msg;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, who, collector_pk, &msg, len, &err), 0, "%s", err.msg);
    return msg;
}

static Tz__Ack *expect_status(const uint8_t *msg, size_t len, const struct tz_keypair *who,
                              int want)
{
    Tz__Ack *ack = send_recorded(msg, len, who);
    cr_assert_eq((int)ack->status, want, "got %s (%s), want %s",
                 tz_status_name(ack->status), ack->detail, tz_status_name(want));
    return ack;
}

static double stale_epoch_count(void)
{
    char *out = tz_test_tzctl(data, 0, "stats", "--format", "json", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rejected"), "stale_epoch");
    cr_assert(cJSON_IsNumber(c), "no rejected.stale_epoch in %s", out);
    double n = c->valuedouble;
    cJSON_Delete(j);
    free(out);
    return n;
}

Test(restore, a_message_recorded_between_backup_and_restore_is_refused_stale_epoch)
{
    cr_assert(sodium_init() >= 0);
    char *pub = tz_test_collector_pub(data);
    cr_assert_eq(tz_hex_decode(pub, collector_pk, TZ_KEY_LEN), 0);
    free(pub);
    char *token = tz_test_token(data, "网络中心");
    struct tz_keypair k;
    crypto_box_keypair(k.pk, k.sk);
    size_t len;

    /* Enrolled (no epoch known yet: 0), one report under the epoch learned. */
    uint8_t *m = seal_msg(&k, 1, 0, token, &len);
    Tz__Ack *ack = expect_status(m, len, &k, TZ__STATUS__OK);
    uint64_t old_epoch = ack->epoch;
    cr_assert_neq(old_epoch, 0, "the Ack names no epoch");
    tz__ack__free_unpacked(ack, NULL);
    free(m);
    m = seal_msg(&k, 2, old_epoch, NULL, &len);
    tz__ack__free_unpacked(expect_status(m, len, &k, TZ__STATUS__OK), NULL);
    free(m);
    free(tz_test_tzctl(data, 0, "backup", "-o", backup, NULL));

    /* Accepted after the backup, and recorded by whoever listens. */
    size_t rec_len;
    uint8_t *recorded = seal_msg(&k, 3, old_epoch, NULL, &rec_len);
    tz__ack__free_unpacked(expect_status(recorded, rec_len, &k, TZ__STATUS__OK), NULL);

    stop_collector();
    char *out = tz_test_tzctl(data, 0, "restore", backup, NULL);
    cr_assert(strstr(out, "new epoch") != NULL, "%s", out);
    free(out);
    start_collector();

    /* The restored register's last seq is 2: only the epoch refuses seq 3. */
    ack = expect_status(recorded, rec_len, &k, TZ__STATUS__STALE_EPOCH);
    uint64_t new_epoch = ack->epoch;
    cr_assert_neq(new_epoch, 0);
    cr_assert_neq(new_epoch, old_epoch, "restore kept the epoch");
    tz__ack__free_unpacked(ack, NULL);
    cr_assert_eq(stale_epoch_count(), 1);
    cr_assert_eq(count_in_log("rejected request (stale_epoch)"), 1);

    /* The agent, having learned the epoch, lands its next report. */
    m = seal_msg(&k, 4, new_epoch, NULL, &len);
    ack = expect_status(m, len, &k, TZ__STATUS__OK);
    cr_assert_eq(ack->epoch, new_epoch);
    tz__ack__free_unpacked(ack, NULL);
    free(m);
    free(recorded);
    free(token);
    tz_keypair_wipe(&k);
}

Test(restore, a_file_that_is_not_a_register_changes_nothing)
{
    free(tz_test_token(data, "图书馆"));
    stop_collector();
    tz_test_write(tmp, "not-a-register", "just some text\n");
    char *bad = tz_test_path("%s/not-a-register", tmp);
    char *out = tz_test_tzctl(data, 1, "restore", bad, NULL);
    char *want = tz_test_path("tzctl: cannot open the register at %s: MDB_INVALID: File "
                              "is not an LMDB file: nothing was changed\n", bad);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    cr_assert_null(aside_file());
    out = tz_test_tzctl(data, 0, "dept", "list", "--format", "csv", NULL);
    cr_assert(strstr(out, "\r\n图书馆,"), "%s", out);
    free(out);
    free(bad);
}

Test(restore, an_inconsistent_backup_is_refused_naming_the_problem)
{
    char *root = agent_root();
    free(run_agent());
    free(tz_test_tzctl(data, 0, "backup", "-o", backup, NULL));
    stop_collector();
    /* A key index entry lost in the backup (the test's own LMDB access). */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    cr_assert_eq(mdb_env_open(env, backup, MDB_NOSUBDIR | MDB_NOLOCK, 0600), 0);
    cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, "agentkeys", 0, &dbi), 0);
    MDB_cursor *cur;
    MDB_val k, v;
    cr_assert_eq(mdb_cursor_open(txn, dbi, &cur), 0);
    cr_assert_eq(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
    cr_assert_eq(mdb_cursor_del(cur, 0), 0);
    mdb_cursor_close(cur);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    char *out = tz_test_tzctl(data, 1, "restore", backup, NULL);
    char *want = tz_test_path("host 1 (alpha.example.edu.cn): its agent key is missing "
                              "from the key index (agentkeys): the collector would answer "
                              "it UNKNOWN_AGENT\n"
                              "tzctl: %s is not a consistent register (1 problem): "
                              "nothing was changed\n", backup);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    cr_assert_null(aside_file());
    free(tz_test_tzctl(data, 0, "verify", NULL));
    free(root);
}

Test(restore, into_a_new_data_dir_warns_when_the_key_is_missing)
{
    free(tz_test_token(data, "图书馆"));
    free(tz_test_tzctl(data, 0, "backup", "-o", backup, NULL));
    char *fresh = tz_test_path("%s/new-machine", tmp);
    char *out = tz_test_tzctl(fresh, 0, "restore", backup, NULL);
    char *warning = tz_test_path("tzctl: %s has no collector.key: put back the one saved "
                                 "beside your backups before starting tz-collector, or it "
                                 "makes a new key and every agent needs the new "
                                 "collector_key\n", fresh);
    cr_assert(strstr(out, warning) != NULL, "%s", out);
    cr_assert(strstr(out, "the register it replaced") == NULL, "%s", out);
    free(out);
    out = tz_test_tzctl(fresh, 0, "dept", "list", "--format", "csv", NULL);
    cr_assert(strstr(out, "\r\n图书馆,"), "%s", out);
    free(out);
    free(warning);
    free(fresh);
}

/* tz-collector run as `nobody` on dir: does it come up? */
static int starts_as_nobody(const char *dir)
{
    char *log = tz_test_path("%s-nobody.log", dir);
    char *sock = tz_test_path("ipc://%s/nobody.sock", dir);   /* a dir it may write */
    char *argv[] = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    TZ_BIN "/tz-collector", "--data", (char *)dir, "--listen", sock, NULL};
    pid_t pid = tz_test_spawn(argv, log);
    int up = tz_test_wait_for(log, "listening on", 10000) == 0;
    int rc = tz_test_stop(pid, SIGTERM);
    char *text = tz_test_slurp(log);
    cr_log_info("collector as nobody: %s", text ? text : "");
    free(text);
    free(sock);
    free(log);
    return up && rc == 0;
}

/* Run as root on a register the collector's own user owns (the packaged
 * setup), restore leaves files that user can open: the new data.mdb, and a
 * collector.lock it had to make. */
Test(restore, the_restored_files_belong_to_the_collectors_user)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to leave files to another user");
    struct passwd *nobody = getpwnam("nobody");
    cr_assert_not_null(nobody);
    cr_assert_eq(chmod(tmp, 0755), 0);   /* nobody must reach the dirs */
    free(tz_test_token(data, "图书馆"));
    free(tz_test_tzctl(data, 0, "backup", "-o", backup, NULL));
    stop_collector();
    char *fresh = tz_test_path("%s/new-machine", tmp);
    cr_assert_eq(mkdir(fresh, 0700), 0);
    char owner[32];
    snprintf(owner, sizeof(owner), "%ld:%ld", (long)nobody->pw_uid, (long)nobody->pw_gid);
    char *chown_argv[] = {"chown", "-R", owner, data, fresh, NULL};
    cr_assert_eq(tz_test_run(chown_argv, NULL), 0);

    const char *dirs[2] = {data, fresh};
    for (int i = 0; i < 2; i++) {
        free(tz_test_tzctl(dirs[i], 0, "restore", backup, NULL));
        const char *files[2] = {"data.mdb", "collector.lock"};
        for (int f = 0; f < 2; f++) {
            char *p = tz_test_path("%s/%s", dirs[i], files[f]);
            struct stat st;
            cr_assert_eq(stat(p, &st), 0, "%s", p);
            cr_assert_eq(st.st_uid, nobody->pw_uid, "%s belongs to uid %ld", p,
                         (long)st.st_uid);
            free(p);
        }
    }
    cr_assert(starts_as_nobody(data), "the collector's user cannot open the register");
    /* On the new machine the key is put back as the collector's. */
    char *key = tz_test_path("%s/collector.key", data);
    char *pub = tz_test_path("%s/collector.pub", data);
    char *cpk[] = {"cp", "-p", key, pub, fresh, NULL};
    cr_assert_eq(tz_test_run(cpk, NULL), 0);
    cr_assert(starts_as_nobody(fresh), "the collector's user cannot open the register");
    free(key);
    free(pub);
    free(fresh);
}

Test(restore, usage)
{
    free(tz_test_tzctl(data, 2, "restore", NULL));
    free(tz_test_tzctl(data, 2, "restore", "a", "b", NULL));
    free(tz_test_tzctl(data, 2, "--format", "json", "restore", "a", NULL));
}
