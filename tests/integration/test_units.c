/* test_units — the shipped systemd units run their binaries.
 *
 * Reads deploy/tz-collector.service, deploy/tz-agent.service and
 * deploy/tz-portal.service (installed as they are for PREFIX=/usr) and runs
 * each ExecStart under the same constraints: User=, Group=,
 * SupplementaryGroups=, CapabilityBoundingSet= and NoNewPrivileges= through
 * setpriv, StateDirectory=/ReadWritePaths= and ProtectSystem=strict through
 * a private mount namespace (unit_sandbox.sh). The collector then has to
 * store the agent's first daily report, and the agent's state has to end up
 * owned as it documents; the portal, beside that collector, has to serve
 * pages from the register and check a login over the control socket. A
 * unit and its binary cannot drift apart again without this failing. Where
 * systemd-analyze exists the units are also verified by it.
 * SystemCallFilter= and MemoryDenyWriteExecute= need systemd itself and
 * are not emulated here. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tz_http.h"
#include "tz_test.h"

#define UNIT_DIR TZ_SOURCE_DIR "/deploy"

/* The value of key= in unit (last one wins, as in systemd); malloc'd, ""
 * when absent. */
static char *unit_get(const char *unit, const char *key)
{
    char *path = tz_test_path("%s/%s", UNIT_DIR, unit);
    char *text = tz_test_slurp(path);
    cr_assert_not_null(text, "cannot read %s", path);
    char *val = strdup("");
    size_t klen = strlen(key);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            free(val);
            val = strdup(line + klen + 1);
        }
    }
    free(text);
    free(path);
    return val;
}

/* CapabilityBoundingSet=CAP_A CAP_B as setpriv's "-all,+a,+b". */
static char *bounding_set(const char *caps)
{
    char buf[1024] = "-all";
    char *copy = strdup(caps);
    for (char *c = strtok(copy, " "); c; c = strtok(NULL, " ")) {
        cr_assert(strncmp(c, "CAP_", 4) == 0, "odd capability %s", c);
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof(buf) - n, ",+");
        for (const char *p = c + 4; *p && n + 3 < sizeof(buf) - 1; p++) {
            n = strlen(buf);
            buf[n] = (char)tolower((unsigned char)*p);
            buf[n + 1] = '\0';
        }
    }
    free(copy);
    return strdup(buf);
}

/* The user a unit runs as: User=, else the unit's name under DynamicUser=,
 * else root. */
static char *unit_user(const char *unit)
{
    char *user = unit_get(unit, "User");
    if (user[0])
        return user;
    free(user);
    char *dyn = unit_get(unit, "DynamicUser");
    int is_dyn = strcmp(dyn, "yes") == 0;
    free(dyn);
    if (!is_dyn)
        return strdup("root");
    char *name = strdup(unit);
    name[strcspn(name, ".")] = '\0';
    return name;
}

/* ExecStart with the build's binaries and this test's config file. */
static char *exec_start(const char *unit, const char *config)
{
    char *cmd = unit_get(unit, "ExecStart");
    const char *conf = strstr(cmd, "--config ");
    cr_assert_not_null(conf, "%s: ExecStart has no --config: %s", unit, cmd);
    cr_assert_eq(strncmp(cmd, "/usr/bin/", 9), 0, "%s: %s", unit, cmd);
    size_t bin_len = strcspn(cmd + 9, " ");
    char *out = tz_test_path("%s/%.*s %.*s--config %s", TZ_BIN, (int)bin_len,
                             cmd + 9, (int)(conf - cmd - 9 - bin_len - 1),
                             cmd + 9 + bin_len + 1, config);
    free(cmd);
    return out;
}

/* The supplementary groups of a unit's process, as a setpriv option: what
 * systemd gives User= (initgroups: the user's groups in /etc/group) plus
 * SupplementaryGroups=. The list is computed by the sandbox's shell, from
 * the sandbox's /etc/group, where a unit's user is in no group but its own:
 * whatever the unit needs beyond that, it has to say. */
static char *groups_for(const char *unit, const char *user)
{
    char *supp = unit_get(unit, "SupplementaryGroups");
    if (supp[0] == '\0') {
        free(supp);
        return strdup("--init-groups");
    }
    for (char *c = supp; *c; c++)
        if (*c == ' ')
            *c = ',';
    char *out = tz_test_path("--groups=$(id -G %s | tr ' ' ,),%s", user, supp);
    free(supp);
    return out;
}

/* setpriv ... -- for a unit's user, group, supplementary groups, bounding
 * set and no_new_privs. */
static char *setpriv_for(const char *unit)
{
    char *user = unit_user(unit);
    char *group = unit_get(unit, "Group");
    char *caps = unit_get(unit, "CapabilityBoundingSet");
    char *nnp = unit_get(unit, "NoNewPrivileges");
    char *bset = bounding_set(caps);
    char *groups = groups_for(unit, user);
    char *ids = strcmp(user, "root") == 0
                    ? strdup("")
                    : tz_test_path("--reuid=%s --regid=%s %s ", user,
                                   group[0] ? group : user, groups);
    char *out = tz_test_path("setpriv %s--bounding-set=%s %s--", ids, bset,
                             strcmp(nnp, "yes") == 0 ? "--no-new-privs " : "");
    free(user); free(group); free(caps); free(nnp); free(bset); free(ids);
    free(groups);
    return out;
}

static char *state_dir_of(const char *unit)
{
    char *sd = unit_get(unit, "StateDirectory");
    cr_assert(sd[0], "%s has no StateDirectory", unit);
    char *rw = unit_get(unit, "ReadWritePaths");
    char *dir = tz_test_path("/var/lib/%s", sd);
    cr_assert_str_eq(rw, dir, "%s: ReadWritePaths is not its StateDirectory", unit);
    free(rw);
    free(sd);
    return dir;
}

Test(units, both_units_start_and_do_their_job_under_their_own_sandbox,
     .timeout = 120)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for a mount namespace and setpriv");
    char *s = tz_test_tmpdir("units");
    cr_assert_eq(chmod(s, 0711), 0);
    int port = 21000 + getpid() % 20000;

    char *cuser = unit_user("tz-collector.service");
    char *cdir = state_dir_of("tz-collector.service");
    char *adir = state_dir_of("tz-agent.service");
    char *cmode = unit_get("tz-collector.service", "StateDirectoryMode");
    char *amode = unit_get("tz-agent.service", "StateDirectoryMode");
    char *cini = tz_test_path("[collector]\ndata = %s\nlisten = tcp://127.0.0.1:%d\n",
                              cdir, port);
    tz_test_write(s, "tz-collector.ini", cini);
    char *cini_path = tz_test_path("%s/tz-collector.ini", s);
    cr_assert_eq(chmod(cini_path, 0644), 0);

    char *csp = setpriv_for("tz-collector.service");
    char *asp = setpriv_for("tz-agent.service");
    char *cexec = exec_start("tz-collector.service", cini_path);
    char *aexec = exec_start("tz-agent.service", "$S/tz-agent.ini");
    /* The script: collector up, a department and token, the agent's first
     * daily report (the daemon reports at start), both stopped cleanly,
     * then what the register and the state dir hold. */
    char *script = tz_test_path(
        "set -eu; S=%s; T=%s/tzctl; D=%s\n"
        "%s %s >$S/collector.log 2>&1 & CPID=$!\n"
        "i=0; until grep -q 'listening on' $S/collector.log; do\n"
        "  i=$((i+1)); [ $i -lt 100 ] || { cat $S/collector.log; exit 1; }; sleep 0.1; done\n"
        "$T --data $D dept add 计算机学院 >/dev/null\n"
        "TOKEN=$($T --data $D token create --dept 计算机学院 2>/dev/null)\n"
        "umask 077; printf '[agent]\\ncollector = tcp://127.0.0.1:%d\\n"
        "collector_key = %%s\\nenroll_token = %%s\\n' \"$(cat $D/collector.pub)\" "
        "\"$TOKEN\" >$S/tz-agent.ini\n"
        "%s %s >$S/agent.log 2>&1 & APID=$!\n"
        "i=0; until $T --data $D hosts --format csv | grep -q 计算机学院; do\n"
        "  i=$((i+1)); if [ $i -ge 300 ] || ! kill -0 $APID 2>/dev/null; then\n"
        "    echo AGENT FAILED; cat $S/agent.log; kill $CPID; exit 1; fi; sleep 0.1; done\n"
        "kill -TERM $APID; wait $APID || { echo AGENT EXIT $?; cat $S/agent.log; }\n"
        "kill -TERM $CPID; wait $CPID || { echo COLLECTOR EXIT $?; cat $S/collector.log; }\n"
        "echo HOSTS; $T --data $D hosts --format csv\n"
        "echo OWNERS; stat -c '%%n %%U %%a' %s %s/agent.key %s/work %s/work/state "
        "$D/collector.key\n",
        s, TZ_BIN, cdir, csp, cexec, port, asp, aexec, adir, adir, adir, adir);
    char *sandbox = TZ_SOURCE_DIR "/tests/integration/unit_sandbox.sh";
    char *cstate = tz_test_path("%s:%s:%s", cdir, cuser, cmode);
    char *astate = tz_test_path("%s:root:%s", adir, amode);
    char *argv[] = {"unshare", "--mount", "--propagation", "private", "sh",
                    sandbox, s, "--user", cuser, "--user", "_tzagent",
                    "--state", cstate, "--state", astate, "--", script, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "units did not run (rc %d):\n%s", rc, out);
    cr_assert(strstr(out, "AGENT") == NULL && strstr(out, "COLLECTOR EXIT") == NULL,
              "%s", out);
    char *want_agent = tz_test_path("%s root 700\n%s/agent.key root 600\n"
                                    "%s/work _tzagent 700\n%s/work/state _tzagent 600\n",
                                    adir, adir, adir, adir);
    cr_assert(strstr(out, want_agent) != NULL, "agent state not owned as "
              "documented; want:\n%s\ngot:\n%s", want_agent, out);
    char *want_key = tz_test_path("%s/collector.key %s 600", cdir, cuser);
    cr_assert(strstr(out, want_key) != NULL, "%s", out);

    free(want_key); free(want_agent); free(out); free(cstate); free(astate);
    free(script); free(cexec); free(aexec); free(csp); free(asp);
    free(cini_path); free(cini); free(cmode); free(amode);
    free(cdir); free(adir); free(cuser);
    tz_test_rm_rf(s);
    free(s);
}

/* The ReadWritePaths= of a unit that has no StateDirectory (the portal),
 * each checked to lie inside dir (the collector's state dir, the only
 * place the portal may write); "-" prefixes dropped. Space-separated. */
static char *rw_paths_inside(const char *unit, const char *dir)
{
    char *rw = unit_get(unit, "ReadWritePaths");
    cr_assert(rw[0], "%s has no ReadWritePaths", unit);
    char *out = strdup("");
    for (char *p = strtok(rw, " "); p; p = strtok(NULL, " ")) {
        if (*p == '-')
            p++;
        cr_assert(strncmp(p, dir, strlen(dir)) == 0 && p[strlen(dir)] == '/',
                  "%s: ReadWritePaths %s is outside %s", unit, p, dir);
        char *more = tz_test_path("%s%s%s", out, out[0] ? " " : "", p);
        free(out);
        out = more;
    }
    free(rw);
    return out;
}

/* The portal's answer to one request, status and body checked. */
static void expect_http(unsigned port, const char *path, const char *auth,
                        int want, const char *want_in_body, const char *log)
{
    char *hdr = auth ? tz_test_path("Authorization: Bearer %s\r\n", auth) : NULL;
    struct tz_http_resp r;
    tz_http(port, "GET", path, hdr, NULL, 0, 5000, &r);
    cr_expect_eq(r.status, want, "GET %s%s: %d, not %d:\n%.400s\nportal log:\n%s",
                 path, auth ? " (bearer)" : "", r.status, want,
                 r.body ? r.body : "", log);
    if (want_in_body)
        cr_expect(r.body && r.body_len >= strlen(want_in_body) &&
                  memmem(r.body, r.body_len, want_in_body, strlen(want_in_body)),
                  "GET %s: no \"%s\" in the answer:\n%.400s", path, want_in_body,
                  r.body ? r.body : "");
    tz_http_free(&r);
    free(hdr);
}

Test(units, portal_unit_serves_the_collector_s_register_under_its_own_sandbox,
     .timeout = 120)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for a mount namespace and setpriv");
    char *s = tz_test_tmpdir("units-portal");
    cr_assert_eq(chmod(s, 0711), 0);
    int port = 21000 + getpid() % 20000;

    char *cuser = unit_user("tz-collector.service");
    char *puser = unit_user("tz-portal.service");
    cr_assert_str_neq(puser, cuser, "the portal must not run as the collector's user");
    char *cdir = state_dir_of("tz-collector.service");
    char *cmode = unit_get("tz-collector.service", "StateDirectoryMode");
    char *sd = unit_get("tz-portal.service", "StateDirectory");
    cr_assert_str_empty(sd, "the portal keeps nothing of its own: no StateDirectory");
    char *rw = rw_paths_inside("tz-portal.service", cdir);

    char *cini = tz_test_path("[collector]\ndata = %s\nlisten = tcp://127.0.0.1:%d\n",
                              cdir, port);
    tz_test_write(s, "tz-collector.ini", cini);
    /* Port 0: the portal names the port it got. */
    char *pini = tz_test_path("[portal]\ndata = %s\nlisten = 127.0.0.1:0\n", cdir);
    tz_test_write(s, "tz-portal.ini", pini);
    char *cini_path = tz_test_path("%s/tz-collector.ini", s);
    char *pini_path = tz_test_path("%s/tz-portal.ini", s);
    cr_assert_eq(chmod(cini_path, 0644), 0);
    cr_assert_eq(chmod(pini_path, 0644), 0);

    char *csp = setpriv_for("tz-collector.service");
    char *psp = setpriv_for("tz-portal.service");
    char *cexec = exec_start("tz-collector.service", cini_path);
    char *pexec = exec_start("tz-portal.service", pini_path);
    /* The portal's own mount namespace, inside the collector's sandbox:
     * ProtectSystem=strict makes the collector's state dir read-only for
     * it but for its ReadWritePaths; $S/portal-tmp stands for PrivateTmp. */
    char *inner = tz_test_path(
        "set -eu\n"
        "for p in %s; do mount --bind \"$p\" \"$p\"; done\n"
        "mount -o remount,bind,ro %s\n"
        "if touch %s/.probe 2>/dev/null; then echo 'PORTAL SANDBOX: %s is writable'; "
        "exit 1; fi\n"
        "exec env TMPDIR=%s/portal-tmp %s %s\n",
        rw, cdir, cdir, cdir, s, psp, pexec);
    tz_test_write(s, "portal-sandbox.sh", inner);
    /* The script: the collector up, a system and an admin login made by
     * tzctl as root, the portal up; then the test's requests ($S/ready ...
     * $S/done), whether the portal holds a lock on lock.mdb (an LMDB reader
     * that registered, rather than one that fell back to reading without
     * locks on a read-only lock file), the data dir's modes, and both
     * stopped cleanly. */
    char *script = tz_test_path(
        "set -eu; S=%s; T=%s/tzctl; D=%s\n"
        "%s %s >$S/collector.log 2>&1 & CPID=$!\n"
        "i=0; until grep -q 'listening on' $S/collector.log; do\n"
        "  i=$((i+1)); [ $i -lt 100 ] || { cat $S/collector.log; exit 1; }; sleep 0.1; done\n"
        "$T --data $D dept add 计算机学院 >/dev/null\n"
        "$T --data $D system add 教务系统 --dept 计算机学院 >/dev/null\n"
        "$T --data $D user add webadmin --admin >$S/token 2>/dev/null\n"
        "mkdir -m 700 $S/portal-tmp; chown %s $S/portal-tmp\n"
        "unshare --mount --propagation private sh $S/portal-sandbox.sh "
        ">$S/portal.log 2>&1 & PP=$!\n"
        "i=0; until grep -q 'serving http' $S/portal.log; do\n"
        "  i=$((i+1)); if [ $i -ge 100 ] || ! kill -0 $PP 2>/dev/null; then\n"
        "    echo PORTAL FAILED; cat $S/portal.log; kill $CPID; exit 1; fi; sleep 0.1; done\n"
        "touch $S/ready\n"
        "i=0; until [ -e $S/done ] || [ $i -ge 600 ]; do i=$((i+1)); sleep 0.1; done\n"
        "ino=$(stat -c %%i $D/lock.mdb)\n"
        "awk -v pid=$PP -v ino=$ino '$5 == pid && $6 ~ (\":\" ino \"$\") { f = 1 }\n"
        "  END { exit !f }' /proc/locks && echo 'PORTAL LOCKS lock.mdb'\n"
        "echo MODES; stat -c '%%n %%U:%%G %%a' $D $D/data.mdb $D/lock.mdb "
        "$D/control.sock $D/collector.key\n"
        "kill -TERM $PP; wait $PP || { echo PORTAL EXIT $?; cat $S/portal.log; }\n"
        "kill -TERM $CPID; wait $CPID || { echo COLLECTOR EXIT $?; cat $S/collector.log; }\n",
        s, TZ_BIN, cdir, csp, cexec, puser);
    char *sandbox = TZ_SOURCE_DIR "/tests/integration/unit_sandbox.sh";
    char *cstate = tz_test_path("%s:%s:%s", cdir, cuser, cmode);
    char *argv[] = {"unshare", "--mount", "--propagation", "private", "sh",
                    sandbox, s, "--user", cuser, "--user", puser,
                    "--state", cstate, "--", script, NULL};
    char *log = tz_test_path("%s/sandbox.log", s);
    pid_t sb = tz_test_spawn(argv, log);

    char *ready = tz_test_path("%s/ready", s);
    char *plog_path = tz_test_path("%s/portal.log", s);
    /* Up, or the script gave up (it says why). */
    int st = 0;
    for (int i = 0; access(ready, F_OK) != 0; i++) {
        pid_t gone = waitpid(sb, &st, WNOHANG);
        if (gone == sb || i >= 300) {
            int rc = gone == sb ? (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st))
                                : tz_test_stop(sb, SIGTERM);
            cr_assert_fail("the units did not come up (rc %d):\n%s", rc,
                           tz_test_slurp(log));
        }
        usleep(100 * 1000);
    }
    char *plog = tz_test_slurp(plog_path);
    unsigned pport = 0;
    const char *at = strstr(plog, "serving http://127.0.0.1:");
    cr_assert(at && sscanf(at, "serving http://127.0.0.1:%u/", &pport) == 1,
              "%s", plog);
    char *token_path = tz_test_path("%s/token", s);
    char *token = tz_test_slurp(token_path);
    cr_assert(token && strncmp(token, "tzu_", 4) == 0, "tzctl user add: %s", token);
    token[strcspn(token, "\n")] = '\0';

    /* The login page needs nothing; the API needs a login; a login is
     * checked by the collector over the control socket (a wrong token is a
     * 401 from its answer, not a 503 for no answer); the person and the
     * ledger come from the register; an XLSX download is built in the
     * portal's /tmp. */
    expect_http(pport, "/", NULL, 200, "token", plog);
    expect_http(pport, "/api/v1/me", NULL, 401, NULL, plog);
    expect_http(pport, "/api/v1/me", "tzu_not_a_token_of_anyone", 401, NULL, plog);
    expect_http(pport, "/api/v1/me", token, 200, "\"webadmin\"", plog);
    expect_http(pport, "/api/v1/systems", token, 200, "教务系统", plog);
    expect_http(pport, "/export.xlsx", token, 200, "PK", plog);
    tz_test_write(s, "done", "");

    int rc = tz_test_stop(sb, 0);
    char *out = tz_test_slurp(log);
    cr_assert_eq(rc, 0, "units did not run (rc %d):\n%s", rc, out);
    cr_assert(strstr(out, "EXIT") == NULL && strstr(out, "FAILED") == NULL, "%s", out);
    cr_expect(strstr(out, "PORTAL LOCKS lock.mdb") != NULL, "the portal holds no "
              "lock on lock.mdb: it reads the register without LMDB's reader "
              "table:\n%s", out);
    /* What the portal's user gets through the collector's group, and the
     * key it does not. */
    char *want = tz_test_path("%s %s:%s %s\n%s/data.mdb %s:%s 640\n"
                              "%s/lock.mdb %s:%s 660\n%s/control.sock %s:%s 660\n"
                              "%s/collector.key %s:%s 600\n",
                              cdir, cuser, cuser, cmode + (cmode[0] == '0'),
                              cdir, cuser, cuser, cdir, cuser, cuser,
                              cdir, cuser, cuser, cdir, cuser, cuser);
    cr_expect(strstr(out, want) != NULL, "the data dir is not shared as "
              "documented; want:\n%s\ngot:\n%s", want, out);

    free(want); free(out); free(token); free(plog); free(plog_path);
    free(token_path); free(ready); free(log); free(cstate); free(script);
    free(inner); free(pexec); free(cexec); free(psp); free(csp);
    free(pini_path); free(cini_path); free(pini); free(cini); free(rw);
    free(sd); free(cmode); free(cdir); free(puser); free(cuser);
    tz_test_rm_rf(s);
    free(s);
}

/* systemd's own reading of the units, where systemd-analyze exists. */
Test(units, systemd_analyze_verify_accepts_every_unit)
{
    if (access("/usr/bin/systemd-analyze", X_OK) != 0)
        cr_skip_test("no systemd-analyze on this machine");
    char *s = tz_test_tmpdir("units-verify");
    /* verify runs man(1) for each man: in Documentation=: the pages of
     * docs/man, as a man8 directory on MANPATH. */
    char *man = tz_test_path("%s/man", s);
    char *man8 = tz_test_path("%s/man8", man);
    cr_assert_eq(mkdir(man, 0755), 0);
    cr_assert_eq(symlink(TZ_SOURCE_DIR "/docs/man", man8), 0);
    char *manpath = tz_test_path("MANPATH=%s", man);
    /* The portal last: it names tz-collector.service, which verify loads
     * from the same directory. */
    const char *units[] = {"tz-agent.service", "tz-collector.service",
                           "tz-portal.service"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        char *src = tz_test_path("%s/%s", UNIT_DIR, units[i]);
        char *text = tz_test_slurp(src);
        /* ExecStart must name a binary that exists: the build's. */
        char *at = strstr(text, "ExecStart=/usr/bin/");
        cr_assert_not_null(at);
        char *rest = at + strlen("ExecStart=/usr/bin/");
        char *unit = tz_test_path("%.*sExecStart=%s/%s", (int)(at - text), text,
                                  TZ_BIN, rest);
        tz_test_write(s, units[i], unit);
        char *path = tz_test_path("%s/%s", s, units[i]);
        char *argv[] = {"env", manpath, "systemd-analyze", "verify", path, NULL};
        char *out = NULL;
        int rc = tz_test_run(argv, &out);
        cr_assert_eq(rc, 0, "%s: %s", units[i], out);
        cr_assert(strstr(out, units[i]) == NULL, "systemd-analyze complains "
                  "about %s:\n%s", units[i], out);
        free(out); free(path); free(unit); free(text); free(src);
    }
    free(manpath); free(man8); free(man);
    tz_test_rm_rf(s);
    free(s);
}
