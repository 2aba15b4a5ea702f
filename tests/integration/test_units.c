/* test_units — the shipped systemd units run their binaries.
 *
 * Reads deploy/tz-collector.service and deploy/tz-agent.service (installed
 * as they are for PREFIX=/usr) and runs each ExecStart under the same
 * constraints: User=, CapabilityBoundingSet= and NoNewPrivileges= through
 * setpriv, StateDirectory=/ReadWritePaths= and ProtectSystem=strict through
 * a private mount namespace (unit_sandbox.sh). The collector then has to
 * store the agent's first daily report, and the agent's state has to end up
 * owned as it documents. A unit and its binary cannot drift apart again
 * without this failing. Where systemd-analyze exists the units are also
 * verified by it. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* setpriv ... -- for a unit's user, bounding set and no_new_privs. */
static char *setpriv_for(const char *unit)
{
    char *user = unit_user(unit);
    char *caps = unit_get(unit, "CapabilityBoundingSet");
    char *nnp = unit_get(unit, "NoNewPrivileges");
    char *bset = bounding_set(caps);
    char *ids = strcmp(user, "root") == 0
                    ? strdup("")
                    : tz_test_path("--reuid=%s --regid=%s --init-groups ", user, user);
    char *out = tz_test_path("setpriv %s--bounding-set=%s %s--", ids, bset,
                             strcmp(nnp, "yes") == 0 ? "--no-new-privs " : "");
    free(user); free(caps); free(nnp); free(bset); free(ids);
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

/* systemd's own reading of the units, where systemd-analyze exists. */
Test(units, systemd_analyze_verify_accepts_both)
{
    if (access("/usr/bin/systemd-analyze", X_OK) != 0)
        cr_skip_test("no systemd-analyze on this machine");
    char *s = tz_test_tmpdir("units-verify");
    const char *units[] = {"tz-agent.service", "tz-collector.service"};
    for (int i = 0; i < 2; i++) {
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
        char *argv[] = {"systemd-analyze", "verify", path, NULL};
        char *out = NULL;
        int rc = tz_test_run(argv, &out);
        cr_assert_eq(rc, 0, "%s: %s", units[i], out);
        cr_assert(strstr(out, units[i]) == NULL, "systemd-analyze complains "
                  "about %s:\n%s", units[i], out);
        free(out); free(path); free(unit); free(text); free(src);
    }
    tz_test_rm_rf(s);
    free(s);
}
