/* Packages: the taizhang-agent, taizhang-collector and taizhang-portal
 * .debs of `make deb`, used as an administrator uses them, in a clean
 * Debian root (debootstrap minbase, made and cached by debian_root.sh):
 * apt-get install (the libraries come from the mirror), upgrade, remove,
 * purge; then a collector and an agent run from the packages, the agent's
 * identity carried across an upgrade, and the portal, as its own user,
 * serves that collector's register.
 *
 * The debs are found in $TZ_DEB_DIR, else <build dir>/deb (make test builds
 * them first). Without root, debootstrap or the debs the tests skip and say
 * why, except under CI (CI=true), where a package test that cannot run
 * fails. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tz_http.h"
#include "tz_test.h"

#define ROOT_SH TZ_SOURCE_DIR "/tests/integration/debian_root.sh"

static char *tmp;          /* host side: repacked debs, logs */
static char *root;         /* the Debian root; only debian_root.sh deletes it */
static pid_t collector;    /* tz-collector running in the root, or 0 */
static pid_t portal;       /* tz-portal running in the root, or 0 */

static void setup(void)
{
    tmp = tz_test_tmpdir("package");
    root = NULL;
    collector = 0;
    portal = 0;
}

static void teardown(void)
{
    if (portal > 0)
        tz_test_stop(portal, SIGTERM);
    if (collector > 0)
        tz_test_stop(collector, SIGTERM);
    if (root) {
        char *argv[] = {"sh", ROOT_SH, "drop", root, NULL};
        char *out = NULL;
        if (tz_test_run(argv, &out) != 0)
            fprintf(stderr, "test_package: %s", out);
        free(out);
        free(root);
    }
    tz_test_rm_rf(tmp);
    free(tmp);
}

/* Ten minutes: a machine's first run also debootstraps (about a minute). */
TestSuite(package, .init = setup, .fini = teardown, .timeout = 600);

/* A package test that cannot run: a skip with its reason, or under CI a
 * failure, since CI is where the packages must be proven. */
static void cannot_run(const char *why)
{
    const char *ci = getenv("CI");
    if (ci && ci[0] && strcmp(ci, "false") != 0 && strcmp(ci, "0") != 0)
        cr_assert_fail("%s (CI=%s: the package test must run in CI)", why, ci);
    cr_skip_test("%s", why);
}

static char *deb_dir(void)
{
    const char *d = getenv("TZ_DEB_DIR");
    return d && d[0] ? strdup(d) : strdup(TZ_BIN "/../deb");
}

/* The one DIR/PKG_*.deb, or NULL. */
static char *find_deb(const char *dir, const char *pkg)
{
    char *pat = tz_test_path("%s/%s_*.deb", dir, pkg);
    glob_t g;
    char *found = NULL;
    if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1)
        found = strdup(g.gl_pathv[0]);
    if (g.gl_pathc)
        globfree(&g);
    free(pat);
    return found;
}

/* Run a host shell command; fails the test unless it exits 0. */
static char *host_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *host_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = tz_test_vpath(fmt, ap);
    va_end(ap);
    char *argv[] = {"sh", "-ec", cmd, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "%s\nexited %d:\n%s", cmd, rc, out);
    free(cmd);
    return out;
}

/* Run a shell command as root in the root, with a clean environment;
 * returns its exit status, output in *out (malloc'd). */
static int in_root(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int in_root(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = tz_test_vpath(fmt, ap);
    va_end(ap);
    char *argv[] = {"env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                    "/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root",
                    "DEBIAN_FRONTEND=noninteractive", "chroot", root, "/bin/sh",
                    "-c", cmd, NULL};
    int rc = tz_test_run(argv, out);
    free(cmd);
    return rc;
}

/* in_root that fails the test unless the command exits 0; output, trimmed. */
#define IN_ROOT_OK(...) in_root_ok(__FILE__, __LINE__, __VA_ARGS__)
static char *in_root_ok(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *in_root_ok(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = tz_test_vpath(fmt, ap);
    va_end(ap);
    char *out = NULL;
    int rc = in_root(&out, "%s", cmd);
    cr_assert_eq(rc, 0, "%s:%d: in the root: %s\nexited %d:\n%s", file, line, cmd,
                 rc, out);
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    free(cmd);
    return out;
}

/* A fresh root (debian_root.sh make), the v1 debs in /tmp/v1 and, repacked
 * as the next version (Version +test1, and so the portal's exact Depends on
 * the collector; contents unchanged), in /tmp/v2. */
static void make_root(const char *mode)
{
    if (geteuid() != 0)
        cannot_run("needs root: debootstrap, chroot and dpkg in the root");
    char *dir = deb_dir();
    char *agent = find_deb(dir, "taizhang-agent");
    char *coll = find_deb(dir, "taizhang-collector");
    char *web = find_deb(dir, "taizhang-portal");
    if (agent == NULL || coll == NULL || web == NULL) {
        char *why = tz_test_path("no single taizhang-agent, taizhang-collector and "
                                 "taizhang-portal .deb in %s: run make deb", dir);
        cannot_run(why);
    }
    root = tz_test_tmpdir("pkgroot");
    char *argv[] = {"sh", ROOT_SH, "make", root, (char *)mode, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    if (rc == 77)
        cannot_run(out);
    cr_assert_eq(rc, 0, "debian_root.sh make failed:\n%s", out);
    free(out);

    free(host_sh("mkdir -p '%s/tmp/v1' '%s/tmp/v2'\n"
                 "cp '%s' '%s' '%s' '%s/tmp/v1/'\n"
                 "for d in '%s/tmp/v1'/*.deb; do\n"
                 "  x=$(mktemp -d '%s/repack.XXXXXX')\n"
                 "  dpkg-deb -R \"$d\" \"$x\"\n"
                 "  v=$(dpkg-deb -f \"$d\" Version)\n"
                 "  sed -i -e \"s/^Version: .*/Version: $v+test1/\" \\\n"
                 "    -e \"s/(= $v)/(= $v+test1)/g\" \"$x/DEBIAN/control\"\n"
                 "  dpkg-deb -b \"$x\" '%s/tmp/v2/' >/dev/null\n"
                 "  rm -rf \"$x\"\n"
                 "done",
                 root, root, agent, coll, web, root, root, tmp, root));
    free(agent);
    free(coll);
    free(web);
    free(dir);
}

/* apt-get install the debs of /tmp/VERSION (all three); the lists in a
 * cached root may be older than the mirror, so a failed download updates
 * them once. */
static void apt_install(const char *version)
{
    free(IN_ROOT_OK("i() { apt-get install -y -q --no-install-recommends "
                    "/tmp/%s/taizhang-*.deb; }\n"
                    "i || { apt-get update -q && i; }",
                    version));
}

static void expect_owner_mode(const char *path, const char *want)
{
    char *got = IN_ROOT_OK("stat -c '%%U:%%G %%a' '%s'", path);
    cr_expect_str_eq(got, want, "%s is %s, not %s", path, got, want);
    free(got);
}

static void expect_absent(const char *path)
{
    char *out = NULL;
    cr_expect_neq(in_root(&out, "test -e '%s'", path), 0, "%s is still there", path);
    free(out);
}

static void expect_owned_by(const char *path, const char *pkg)
{
    char *got = IN_ROOT_OK("dpkg -S '%s' | cut -d: -f1", path);
    cr_expect_str_eq(got, pkg, "%s belongs to %s, not %s", path, got, pkg);
    free(got);
}

static void expect_system_user(const char *user)
{
    char *pw = IN_ROOT_OK("getent passwd %s | cut -d: -f3,4,6,7", user);
    unsigned uid = 0, gid = 0;
    char home[64] = "", shell[64] = "";
    cr_assert_eq(sscanf(pw, "%u:%u:%63[^:]:%63s", &uid, &gid, home, shell), 4,
                 "getent passwd %s: %s", user, pw);
    cr_expect(uid > 0 && uid < 1000, "%s has uid %u, not a system uid", user, uid);
    cr_expect_str_eq(home, "/nonexistent");
    cr_expect_str_eq(shell, "/usr/sbin/nologin");
    char *gr = IN_ROOT_OK("getent group %s | cut -d: -f3", user);
    cr_expect_eq((unsigned)strtoul(gr, NULL, 10), gid,
                 "%s's primary group is not the group %s", user, user);
    free(gr);
    free(pw);
}

static void expect_line_in(const char *path, const char *line)
{
    char *out = NULL;
    cr_expect_eq(in_root(&out, "grep -qxF '%s' '%s'", line, path), 0,
                 "%s lacks the line \"%s\"", path, line);
    free(out);
}

/* Owners, modes and content of everything under the state directories. */
static char *state_snapshot(void)
{
    return IN_ROOT_OK("for d in /var/lib/tz-agent /var/lib/tz-collector; do\n"
                      "  [ -e $d ] || continue\n"
                      "  find $d -printf '%%p %%u:%%g %%m\\n' | sort\n"
                      "  find $d -type f -exec sha256sum {} + | sort\n"
                      "done");
}

/* What the fake systemctl was asked (fake-systemd roots), and unit state. */
static char *systemctl_log(void)
{
    return IN_ROOT_OK("cat /var/log/systemctl.log 2>/dev/null || true");
}

static int unit_active(const char *unit)
{
    char *out = NULL;
    int rc = in_root(&out, "test -e /run/fake-systemd/%s", unit);
    free(out);
    return rc == 0;
}

#define ENABLED "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/"

/* Did the log hold a line "[options] VERB UNIT" (VERB a whole word)? */
static int asked(const char *log, const char *verb, const char *unit)
{
    char *text = tz_test_path("\n%s\n", log);
    char *after_option = tz_test_path(" %s %s\n", verb, unit);
    char *alone = tz_test_path("\n%s %s\n", verb, unit);
    int found = strstr(text, after_option) != NULL || strstr(text, alone) != NULL;
    free(alone);
    free(after_option);
    free(text);
    return found;
}

Test(package, install_upgrade_remove_and_purge_keep_the_contract)
{
    make_root("fake-systemd");
    apt_install("v1");

    /* Users and the state directories the postinsts make. */
    expect_system_user("_tzagent");
    expect_system_user("_tzcollector");
    expect_system_user("_tzportal");
    /* The portal's user reads the register by the collector's group. */
    char *groups = IN_ROOT_OK("id -nG _tzportal");
    cr_expect_str_eq(groups, "_tzportal _tzcollector", "_tzportal is in: %s", groups);
    free(groups);
    expect_owner_mode("/var/lib/tz-agent", "root:root 700");
    expect_owner_mode("/var/lib/tz-agent/work", "_tzagent:_tzagent 700");
    expect_owner_mode("/var/lib/tz-collector", "_tzcollector:_tzcollector 750");
    /* The agent's config may hold a token; the collector reads its own. */
    expect_owner_mode("/etc/taizhang/tz-agent.ini", "root:root 600");
    expect_owner_mode("/etc/taizhang/tz-collector.ini", "root:_tzcollector 640");
    /* The portal's holds no secret. */
    expect_owner_mode("/etc/taizhang/tz-portal.ini", "root:root 644");
    char *conf = IN_ROOT_OK("dpkg-query -W -f '${Conffiles}' taizhang-agent "
                            "taizhang-collector taizhang-portal");
    cr_expect(strstr(conf, "/etc/taizhang/tz-agent.ini ") != NULL, "%s", conf);
    cr_expect(strstr(conf, "/etc/taizhang/tz-collector.ini ") != NULL, "%s", conf);
    cr_expect(strstr(conf, "/etc/taizhang/tz-portal.ini ") != NULL, "%s", conf);
    free(conf);
    expect_line_in("/etc/taizhang/tz-agent.ini", "state_dir = /var/lib/tz-agent");
    expect_line_in("/etc/taizhang/tz-agent.ini", "user = _tzagent");
    expect_line_in("/etc/taizhang/tz-collector.ini", "data = /var/lib/tz-collector");
    expect_line_in("/etc/taizhang/tz-collector.ini",
                   "rules = /usr/share/taizhang/schemas/rules.ini");
    expect_line_in("/etc/taizhang/tz-portal.ini", "data = /var/lib/tz-collector");
    expect_line_in("/etc/taizhang/tz-portal.ini", "listen = 127.0.0.1:7451");

    /* One set of paths, and no file in both packages. */
    expect_owned_by("/usr/bin/tz-agent", "taizhang-agent");
    expect_owned_by("/usr/bin/tz-collector", "taizhang-collector");
    expect_owned_by("/usr/bin/tzctl", "taizhang-collector");
    expect_owned_by("/lib/systemd/system/tz-agent.service", "taizhang-agent");
    expect_owned_by("/lib/systemd/system/tz-collector.service", "taizhang-collector");
    expect_owned_by("/usr/share/taizhang/schemas/weak-passwords.txt", "taizhang-agent");
    expect_owned_by("/usr/share/taizhang/schemas/rules.ini", "taizhang-collector");
    expect_owned_by("/usr/share/doc/taizhang-agent/examples/tz-agent.ini.example",
                    "taizhang-agent");
    expect_owned_by("/usr/share/doc/taizhang-collector/examples/tz-collector.ini.example",
                    "taizhang-collector");
    expect_line_in("/lib/systemd/system/tz-collector.service", "User=_tzcollector");
    expect_owned_by("/usr/bin/tz-portal", "taizhang-portal");
    expect_owned_by("/lib/systemd/system/tz-portal.service", "taizhang-portal");
    expect_owned_by("/usr/share/man/man8/tz-portal.8.gz", "taizhang-portal");
    expect_owned_by("/usr/share/doc/taizhang-portal/examples/tz-portal.ini.example",
                    "taizhang-portal");
    expect_line_in("/lib/systemd/system/tz-portal.service", "User=_tzportal");
    expect_line_in("/lib/systemd/system/tz-portal.service",
                   "SupplementaryGroups=_tzcollector");
    expect_line_in("/lib/systemd/system/tz-portal.service",
                   "ExecStart=/usr/bin/tz-portal --config /etc/taizhang/tz-portal.ini");
    expect_line_in("/lib/systemd/system/tz-portal.service",
                   "Documentation=man:tz-portal(8) file:///usr/share/doc/"
                   "taizhang-portal/examples/tz-portal.ini.example");

    /* Both enabled (deb-systemd-helper's record: with a systemctl, the links
     * themselves are systemctl preset's to make); the collector started,
     * the agent not (it has no collector yet). */
    expect_owner_mode(ENABLED "tz-agent.service", "root:root 644");
    expect_owner_mode(ENABLED "tz-collector.service", "root:root 644");
    expect_owner_mode(ENABLED "tz-portal.service", "root:root 644");
    cr_expect(unit_active("tz-collector.service"), "tz-collector was not started");
    cr_expect(unit_active("tz-portal.service"), "tz-portal was not started");
    cr_expect(!unit_active("tz-agent.service"), "tz-agent was started unconfigured");

    /* What an agent and a collector leave behind, and an admin's edit of
     * the agent's config (tz-agent --configure). */
    free(IN_ROOT_OK("head -c 32 /dev/urandom >/var/lib/tz-agent/agent.key\n"
                    "chmod 600 /var/lib/tz-agent/agent.key\n"
                    "echo agent_id=7 >/var/lib/tz-agent/state\n"
                    "mkdir /var/lib/tz-agent/work/spool\n"
                    "echo report >/var/lib/tz-agent/work/spool/00000001\n"
                    "chown -R _tzagent:_tzagent /var/lib/tz-agent/work/spool\n"
                    "echo register >/var/lib/tz-collector/data.mdb\n"
                    "chown _tzcollector: /var/lib/tz-collector/data.mdb\n"
                    "echo 'collector = tcp://collector.example.edu.cn:7450' "
                    ">>/etc/taizhang/tz-agent.ini"));
    char *before = state_snapshot();
    char *agent_ini = IN_ROOT_OK("cat /etc/taizhang/tz-agent.ini");

    /* Upgrade: state and edited config untouched, modes kept; the
     * collector restarted, the agent only try-restarted (it was not
     * running, so it stays stopped). */
    apt_install("v2");
    char *v = IN_ROOT_OK("dpkg-query -W -f '${Version}' taizhang-agent");
    cr_expect(strstr(v, "+test1") != NULL, "upgrade did not happen: %s", v);
    free(v);
    char *after = state_snapshot();
    cr_expect_str_eq(after, before, "the upgrade changed the state directories:\n"
                     "before:\n%s\nafter:\n%s", before, after);
    free(after);
    char *ini = IN_ROOT_OK("cat /etc/taizhang/tz-agent.ini");
    cr_expect_str_eq(ini, agent_ini, "the upgrade changed the edited tz-agent.ini");
    free(ini);
    expect_owner_mode("/etc/taizhang/tz-agent.ini", "root:root 600");
    expect_owner_mode("/etc/taizhang/tz-collector.ini", "root:_tzcollector 640");
    char *log = systemctl_log();
    cr_expect(asked(log, "restart", "tz-collector.service"),
              "the upgrade did not restart tz-collector:\n%s", log);
    cr_expect(asked(log, "restart", "tz-portal.service"),
              "the upgrade did not restart tz-portal:\n%s", log);
    cr_expect(asked(log, "try-restart", "tz-agent.service"),
              "the upgrade did not try-restart tz-agent:\n%s", log);
    cr_expect(!asked(log, "start", "tz-agent.service") &&
              !asked(log, "restart", "tz-agent.service"),
              "tz-agent was started by a maintainer script:\n%s", log);
    cr_expect(!unit_active("tz-agent.service"));
    free(log);

    /* Remove: the services stop, binaries go; state, configs and users stay. */
    free(IN_ROOT_OK("apt-get remove -y -q taizhang-agent taizhang-collector "
                    "taizhang-portal"));
    log = systemctl_log();
    cr_expect(asked(log, "stop", "tz-agent.service"), "remove did not stop tz-agent:\n%s", log);
    cr_expect(asked(log, "stop", "tz-collector.service"),
              "remove did not stop tz-collector:\n%s", log);
    cr_expect(asked(log, "stop", "tz-portal.service"),
              "remove did not stop tz-portal:\n%s", log);
    free(log);
    expect_absent("/usr/bin/tz-agent");
    expect_absent("/usr/bin/tz-collector");
    expect_absent("/usr/bin/tz-portal");
    free(IN_ROOT_OK("getent passwd _tzportal"));
    after = state_snapshot();
    cr_expect_str_eq(after, before, "apt-get remove changed the state directories:\n"
                     "before:\n%s\nafter:\n%s", before, after);
    free(after);
    ini = IN_ROOT_OK("cat /etc/taizhang/tz-agent.ini");
    cr_expect_str_eq(ini, agent_ini, "apt-get remove changed tz-agent.ini");
    free(ini);
    expect_owner_mode("/etc/taizhang/tz-collector.ini", "root:_tzcollector 640");

    /* Purge: state, configs, the override and the unit links go. The
     * agent's and collector's system users stay (Debian does not reuse
     * their uids' files); _tzportal, which owns no file, goes. */
    free(IN_ROOT_OK("dpkg --purge taizhang-portal taizhang-agent taizhang-collector"));
    expect_absent("/var/lib/tz-agent");
    expect_absent("/var/lib/tz-collector");
    expect_absent("/etc/taizhang");
    expect_absent(ENABLED "tz-agent.service");
    expect_absent(ENABLED "tz-collector.service");
    expect_absent(ENABLED "tz-portal.service");
    char *gone = NULL;
    cr_expect_neq(in_root(&gone, "getent passwd _tzportal"), 0,
                  "_tzportal outlived the purge: %s", gone);
    free(gone);
    gone = IN_ROOT_OK("getent group _tzportal || true");
    cr_expect_str_eq(gone, "", "the group _tzportal outlived the purge: %s", gone);
    free(gone);
    char *ovr = IN_ROOT_OK("dpkg-statoverride --list | grep taizhang || true");
    cr_expect_str_eq(ovr, "", "a statoverride outlived the purge: %s", ovr);
    free(ovr);
    free(IN_ROOT_OK("getent passwd _tzagent _tzcollector"));

    free(agent_ini);
    free(before);
}

/* ---- a collector and an agent from the packages ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* tz-collector as the unit runs it (user _tzcollector, the packaged
 * config and data dir), on url instead of the config's 0.0.0.0:7450. */
static void collector_start(const char *url)
{
    char *log = tz_test_path("%s/collector.log", tmp);
    char *size = tz_test_slurp(log);
    char *argv[] = {"env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                    "chroot", root, "setpriv", "--reuid=_tzcollector",
                    "--regid=_tzcollector", "--init-groups", "/usr/bin/tz-collector",
                    "--config", "/etc/taizhang/tz-collector.ini", "--listen",
                    (char *)url, NULL};
    collector = tz_test_spawn(argv, log);
    /* "listening on" of this start, not of an earlier one in the same log. */
    size_t seen = size ? strlen(size) : 0;
    free(size);
    for (int i = 0; i < 500; i++) {
        char *s = tz_test_slurp(log);
        int up = s && strlen(s) > seen && strstr(s + seen, "listening on");
        free(s);
        if (up)
            break;
        cr_assert(i < 499, "tz-collector did not start:\n%s", tz_test_slurp(log));
        usleep(20 * 1000);
    }
    free(log);
}

static void collector_stop(void)
{
    cr_expect_eq(tz_test_stop(collector, SIGTERM), 0, "tz-collector did not stop cleanly");
    collector = 0;
}

/* The one host of the register; its id. */
static long the_one_host(void)
{
    char *out = IN_ROOT_OK("tzctl hosts --format json");
    cJSON *j = cJSON_Parse(out);
    cJSON *list = cJSON_IsArray(j) ? j : cJSON_GetObjectItem(j, "hosts");
    cr_assert(cJSON_IsArray(list), "tzctl hosts: %s", out);
    cr_assert_eq(cJSON_GetArraySize(list), 1, "not one host: %s", out);
    cJSON *id = cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id");
    cr_assert(cJSON_IsNumber(id), "%s", out);
    long v = (long)id->valuedouble;
    cJSON_Delete(j);
    free(out);
    return v;
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    unsigned char *buf = malloc(4096);
    *len = fread(buf, 1, 4096, f);
    fclose(f);
    return buf;
}

/* The layout the agent keeps (the contract the packages set up): its key
 * root's, what it writes after dropping root in work/, _tzagent's. */
static void expect_agent_layout(const char *when)
{
    char *got = IN_ROOT_OK("stat -c '%%n %%U:%%G %%a' /var/lib/tz-agent "
                           "/var/lib/tz-agent/agent.key /var/lib/tz-agent/work");
    cr_expect_str_eq(got, "/var/lib/tz-agent root:root 700\n"
                          "/var/lib/tz-agent/agent.key root:root 600\n"
                          "/var/lib/tz-agent/work _tzagent:_tzagent 700",
                     "%s, the agent's state is laid out as\n%s", when, got);
    free(got);
}

Test(package, agent_reports_as_the_same_host_after_an_upgrade)
{
    make_root(NULL);
    apt_install("v1");

    char *url = tz_test_path("tcp://127.0.0.1:%d", free_port());
    collector_start(url);
    /* The README's Deploying steps: tzctl on the collector host finds the
     * register through the installed tz-collector.ini, key show gives what
     * agents pin, --configure writes the agent's INI, --once enrolls. */
    free(IN_ROOT_OK("tzctl dept add 计算机学院"));
    char *token = IN_ROOT_OK("tzctl token create --dept 计算机学院 2>/dev/null");
    char *pub = IN_ROOT_OK("tzctl key show -q");
    char *file_pub = IN_ROOT_OK("cat /var/lib/tz-collector/collector.pub");
    cr_assert_str_eq(pub, file_pub, "key show is not the collector's key");
    free(file_pub);
    free(IN_ROOT_OK("printf '%%s\\n' '%s' | tz-agent --configure --collector %s "
                    "--collector-key %s --enroll-token-file - 2>&1", token, url, pub));
    char *mode = IN_ROOT_OK("stat -c %%a /etc/taizhang/tz-agent.ini");
    cr_expect_str_eq(mode, "600", "tz-agent.ini after --configure");
    free(mode);
    char *out = IN_ROOT_OK("tz-agent --once --config /etc/taizhang/tz-agent.ini 2>&1");
    cr_expect(strstr(out, "enrolled as agent") != NULL, "%s", out);
    free(out);
    long host = the_one_host();
    expect_agent_layout("after the first report");

    char *key_path = tz_test_path("%s/var/lib/tz-agent/agent.key", root);
    size_t key_len = 0;
    unsigned char *key = read_bytes(key_path, &key_len);
    cr_assert_gt(key_len, 0, "empty agent.key");

    /* Upgrade as systemd would see it: the collector stops (and finishes
     * its writes), the packages are replaced, the collector starts again
     * from the new binary. */
    collector_stop();
    char *before = state_snapshot();
    apt_install("v2");
    char *after = state_snapshot();
    cr_expect_str_eq(after, before, "the upgrade changed the state directories:\n"
                     "before:\n%s\nafter:\n%s", before, after);
    size_t key2_len = 0;
    unsigned char *key2 = read_bytes(key_path, &key2_len);
    cr_expect(key2_len == key_len && memcmp(key, key2, key_len) == 0,
              "agent.key changed across the upgrade");
    char *pub2 = IN_ROOT_OK("cat /var/lib/tz-collector/collector.pub");
    cr_expect_str_eq(pub2, pub, "the collector's key changed across the upgrade");
    collector_start(url);

    /* The same agent: no token needed, and still one host with the same id. */
    out = IN_ROOT_OK("tz-agent --once --config /etc/taizhang/tz-agent.ini "
                     "--collector %s --collector-key %s 2>&1", url, pub);
    free(out);
    cr_expect_eq(the_one_host(), host, "the upgraded agent reports as another host");
    expect_agent_layout("after the report of the upgraded agent");
    collector_stop();

    free(pub2);
    free(key2);
    free(after);
    free(before);
    free(key);
    free(key_path);
    free(pub);
    free(token);
    free(url);
}

/* ---- the portal from its package ---- */

/* tz-portal as its unit runs it, but with the groups the package gave its
 * user (--init-groups: _tzcollector by the postinst, not by the unit's
 * SupplementaryGroups=), the packaged config, on a free port. Its port. */
static unsigned portal_start(void)
{
    char *log = tz_test_path("%s/portal.log", tmp);
    char *argv[] = {"env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
                    "chroot", root, "setpriv", "--reuid=_tzportal",
                    "--regid=_tzportal", "--init-groups", "/usr/bin/tz-portal",
                    "--config", "/etc/taizhang/tz-portal.ini", "--listen",
                    "127.0.0.1:0", NULL};
    portal = tz_test_spawn(argv, log);
    unsigned port = 0;
    for (int i = 0; i < 500 && port == 0; i++) {
        char *s = tz_test_slurp(log);
        const char *at = s ? strstr(s, "serving http://127.0.0.1:") : NULL;
        if (at == NULL || sscanf(at, "serving http://127.0.0.1:%u/", &port) != 1) {
            cr_assert(i < 499 && kill(portal, 0) == 0, "tz-portal did not start:\n%s",
                      s ? s : "");
            usleep(20 * 1000);
        }
        free(s);
    }
    free(log);
    return port;
}

/* GET path with a bearer token: want and, in the body, needle. */
static void expect_get(unsigned port, const char *path, const char *token, int want,
                       const char *needle)
{
    char *hdr = tz_test_path("Authorization: Bearer %s\r\n", token);
    struct tz_http_resp r;
    tz_http(port, "GET", path, hdr, NULL, 0, 5000, &r);
    cr_expect_eq(r.status, want, "GET %s: %d, not %d:\n%.400s", path, r.status, want,
                 r.body ? r.body : "");
    cr_expect(r.body && strstr(r.body, needle) != NULL, "GET %s: no \"%s\" in:\n%.400s",
              path, needle, r.body ? r.body : "");
    tz_http_free(&r);
    free(hdr);
}

Test(package, portal_serves_the_collector_s_register_as_its_own_user)
{
    make_root(NULL);
    apt_install("v1");
    char *url = tz_test_path("tcp://127.0.0.1:%d", free_port());
    collector_start(url);
    /* A login made as the README says (tzctl as root on the collector host),
     * checked by the collector over the control socket; the person and the
     * ledger read from the register by _tzportal. */
    free(IN_ROOT_OK("tzctl dept add 计算机学院 && "
                    "tzctl system add 教务系统 --dept 计算机学院"));
    char *token = IN_ROOT_OK("tzctl user add webadmin --admin 2>/dev/null");
    unsigned port = portal_start();
    expect_get(port, "/api/v1/me", token, 200, "\"webadmin\"");
    expect_get(port, "/api/v1/systems", token, 200, "教务系统");
    expect_get(port, "/api/v1/me", "tzu_not_a_token_of_anyone", 401, "error");
    cr_expect_eq(tz_test_stop(portal, SIGTERM), 0, "tz-portal did not stop cleanly");
    portal = 0;
    collector_stop();
    free(token);
    free(url);
}
