/* A full disk under the register: the collector's data dir is on a small
 * tmpfs and its map starts tiny (TZ_REGISTER_MAPSIZE), so it must grow the
 * map and then meets ENOSPC when it commits. Reports must be answered
 * STORAGE_ERROR (never OK), the collector must say why in its log and keep
 * serving, the agents keep their reports spooled, and once space is freed
 * the spooled reports land. Needs root and a working `mount -t tmpfs`;
 * skipped otherwise, with the reason. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tz_test.h"

static char *tmp, *mnt, *data, *url, *clogpath, *filler, *token, *pub;
static pid_t collector = -1;
static int mounted;

struct agent {
    const char *name, *host, *schedule;
    char *cfg, *log, *spool;
    pid_t pid;
};
static struct agent agents[] = {
    {"a", "alpha", "interval = 3600", NULL, NULL, NULL, -1},  /* before the disk fills */
    {"b", "beta", "interval = 1", NULL, NULL, NULL, -1},      /* new hosts while full */
    {"c", "gamma", "interval = 1", NULL, NULL, NULL, -1},
};
#define N_AGENTS (int)(sizeof(agents) / sizeof(agents[0]))

static void setup(void)
{
    tmp = tz_test_tmpdir("diskfull");
    mnt = tz_test_path("%s/mnt", tmp);
    data = tz_test_path("%s/data", mnt);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    filler = tz_test_path("%s/filler", mnt);
    for (int i = 0; i < N_AGENTS; i++) {
        agents[i].log = tz_test_path("%s/%s.log", tmp, agents[i].name);
        agents[i].spool = tz_test_path("%s/agent-%s/work/spool", tmp, agents[i].name);
        agents[i].cfg = NULL;
        agents[i].pid = -1;
    }
}

static void teardown(void)
{
    for (int i = 0; i < N_AGENTS; i++) {
        if (agents[i].pid > 0)
            tz_test_stop(agents[i].pid, SIGKILL);
        agents[i].pid = -1;
        free(agents[i].cfg);
        free(agents[i].log);
        free(agents[i].spool);
    }
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    if (mounted && umount2(mnt, MNT_DETACH) != 0)
        fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
    mounted = 0;
    unsetenv("TZ_REGISTER_MAPSIZE");
    tz_test_rm_rf(tmp);
    free(tmp);
    free(mnt);
    free(data);
    free(url);
    free(clogpath);
    free(filler);
    free(token);
    free(pub);
    token = pub = NULL;
}

TestSuite(disk_full, .init = setup, .fini = teardown, .timeout = 120);

static void agent_start(struct agent *a)
{
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, a->host);
    char *extra = tz_test_path("splay = 0\nretry_min = 1\nretry_max = 1\ntimeout = 2\n%s\n",
                               a->schedule);
    a->cfg = tz_test_agent_ini(tmp, a->name, url, pub, token, root, extra);
    free(extra);
    free(root);
    char *argv[] = {TZ_BIN "/tz-agent", "--config", a->cfg, NULL};
    a->pid = tz_test_spawn(argv, a->log);
}

static int count(const char *path, const char *needle)
{
    char *s = tz_test_slurp(path);
    int n = 0;
    for (char *p = s; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(s);
    return n;
}

static int spooled(const struct agent *a)
{
    DIR *d = opendir(a->spool);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".report"))
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Wait until path holds needle at least n times; fails the test with the
 * file after timeout_ms. */
static void wait_count(const char *path, const char *needle, int n, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        if (count(path, needle) >= n)
            return;
        usleep(50 * 1000);
    }
    char *s = tz_test_slurp(path);
    cr_assert_fail("fewer than %d \"%s\" in %s after %d ms:\n%s", n, needle, path,
                   timeout_ms, s ? s : "(none)");
}

/* Fill the file system under path: write until ENOSPC. Returns bytes written. */
static long long fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    static char buf[16384];
    memset(buf, 'x', sizeof(buf));
    long long total = 0;
    size_t chunk = sizeof(buf);
    for (;;) {
        ssize_t w = write(fd, buf, chunk);
        if (w > 0) {
            total += w;
            continue;
        }
        cr_assert(w < 0 && errno == ENOSPC, "filling %s: %s", path, strerror(errno));
        if (chunk == 1)
            break;
        chunk /= 2;      /* the last blocks: smaller writes until none fits */
    }
    fsync(fd);
    close(fd);
    return total;
}

static uint64_t host_reports(const char *hostname)
{
    char *out = tz_test_tzctl(data, 0, "hosts", "--format", "json", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    uint64_t reports = 0;
    cJSON *h;
    cJSON *list = cJSON_IsArray(j) ? j : cJSON_GetObjectItem(j, "hosts");
    cJSON_ArrayForEach(h, list) {
        cJSON *name = cJSON_GetObjectItem(h, "hostname");
        cJSON *id = cJSON_GetObjectItem(h, "id");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, hostname) != 0)
            continue;
        char ids[32];
        if (cJSON_IsNumber(id))
            snprintf(ids, sizeof(ids), "%" PRIu64, (uint64_t)id->valuedouble);
        else if (cJSON_IsString(id))
            snprintf(ids, sizeof(ids), "%s", id->valuestring);
        else
            cr_assert_fail("host without id: %s", out);
        char *show = tz_test_tzctl(data, 0, "host", "show", ids, "--format", "json", NULL);
        cJSON *sj = cJSON_Parse(show);
        cJSON *r = cJSON_GetObjectItem(cJSON_GetObjectItem(sj, "agent"), "reports");
        reports = cJSON_IsNumber(r) ? (uint64_t)r->valuedouble : 0;
        cJSON_Delete(sj);
        free(show);
    }
    cJSON_Delete(j);
    free(out);
    return reports;
}

static char *fixture_hostname(const char *host)
{
    char *p = tz_test_path("%s/hosts/%s/etc/hostname", TZ_FIXTURES, host);
    char *s = tz_test_slurp(p);
    free(p);
    cr_assert_not_null(s);
    s[strcspn(s, "\r\n")] = '\0';
    return s;
}

Test(disk_full, reports_get_storage_error_until_space_is_freed)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to mount a small tmpfs");
    cr_assert_eq(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m,mode=0700") != 0)
        cr_skip_test("cannot mount a tmpfs at %s: %s", mnt, strerror(errno));
    mounted = 1;

    /* 64 KiB: the map has to grow (MDB_MAP_FULL, doubled) before it can
     * hold the first report; tzctl inherits it too. */
    setenv("TZ_REGISTER_MAPSIZE", "65536", 1);
    collector = tz_test_collector_start(data, url, clogpath, "--verbose");
    token = tz_test_token(data, "数学学院");
    pub = tz_test_collector_pub(data);

    /* With space: alpha enrolls and reports. */
    agent_start(&agents[0]);
    wait_count(agents[0].log, "stored (agent", 1, 15000);
    char *stats = tz_test_tzctl(data, 0, "stats", "--format", "json", NULL);
    cJSON *sj = cJSON_Parse(stats);
    cJSON *ms = cJSON_GetObjectItem(sj, "map_size_bytes");
    cr_assert(cJSON_IsNumber(ms) && ms->valuedouble > 65536, "the map did not grow: %s",
              stats);
    cJSON_Delete(sj);
    free(stats);

    /* Full: new hosts need new pages, which the file system refuses. */
    long long filled = fill(filler);
    cr_log_info("filler took %lld bytes", filled);
    agent_start(&agents[1]);
    agent_start(&agents[2]);
    for (int i = 1; i < N_AGENTS; i++)
        wait_count(agents[i].log, "(storage_error)", 3, 20000);
    wait_count(clogpath, "No space left on device", 1, 1000);
    char *clog = tz_test_slurp(clogpath);
    char *line = strstr(clog, "failed, nothing acked");
    cr_assert_not_null(line, "%s", clog);
    while (line > clog && line[-1] != '\n')
        line--;
    line[strcspn(line, "\n")] = '\0';
    cr_log_info("collector: %s", line);
    free(clog);
    for (int i = 1; i < N_AGENTS; i++) {
        cr_assert_eq(count(agents[i].log, "stored (agent"), 0,
                     "agent %s saw a report stored on a full disk", agents[i].name);
        cr_assert_geq(spooled(&agents[i]), 1, "agent %s spooled nothing", agents[i].name);
    }
    int st = 0;
    cr_assert_eq(waitpid(collector, &st, WNOHANG), 0, "the collector died (status 0x%x)", st);
    char *beta = fixture_hostname("beta"), *gamma = fixture_hostname("gamma");
    cr_assert_eq(host_reports(beta), 0);
    cr_assert_eq(host_reports(gamma), 0);

    /* Free space: the spooled reports land, oldest first, without a restart. */
    int before[N_AGENTS] = {0};
    for (int i = 1; i < N_AGENTS; i++)
        before[i] = spooled(&agents[i]);
    cr_assert_eq(unlink(filler), 0);
    for (int i = 1; i < N_AGENTS; i++)
        wait_count(agents[i].log, "stored (agent", before[i], 20000);
    cr_assert_geq(host_reports(beta), (uint64_t)before[1]);
    cr_assert_geq(host_reports(gamma), (uint64_t)before[2]);
    cr_log_info("after freeing space: %d and %d spooled reports landed", before[1],
                before[2]);
    free(beta);
    free(gamma);

    for (int i = 0; i < N_AGENTS; i++) {
        cr_assert_eq(tz_test_stop(agents[i].pid, SIGTERM), 0, "agent %s exit status",
                     agents[i].name);
        agents[i].pid = -1;
    }
    cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;
    char *argv[] = {"mdb_stat", "-a", data, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "mdb_stat -a: %s", out);
    free(out);
    /* The refused transactions left no half-written index behind. */
    free(tz_test_tzctl(data, 0, "verify", NULL));
}
