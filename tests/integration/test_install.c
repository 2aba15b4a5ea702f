/* Installation: `cmake --install` of this build with DESTDIR puts the four
 * binaries, the hardened systemd units (paths rewritten for the prefix),
 * the example configs and schemas/ (PREFIX/share/taizhang/schemas) under
 * DESTDIR/PREFIX, and nothing elsewhere. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_test.h"

static char *tmp;

static void setup(void)
{
    tmp = tz_test_tmpdir("install");
}

static void teardown(void)
{
    tz_test_rm_rf(tmp);
    free(tmp);
}

TestSuite(install, .init = setup, .fini = teardown, .timeout = 120);

static void install_to(const char *destdir, const char *prefix)
{
    char *env = tz_test_path("DESTDIR=%s", destdir);
    /* TZ_BIN is <build dir>/bin. */
    char *argv[] = {"env", env, "cmake", "--install", TZ_BIN "/..", "--prefix",
                    (char *)prefix, NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "cmake --install failed: %s", out);
    free(out);
    free(env);
}

static char *file_in(const char *destdir, const char *rel)
{
    char *p = tz_test_path("%s%s", destdir, rel);
    char *s = tz_test_slurp(p);
    cr_assert_not_null(s, "missing: %s", p);
    free(p);
    return s;
}

static void expect_executable(const char *destdir, const char *rel)
{
    char *p = tz_test_path("%s%s", destdir, rel);
    cr_assert_eq(access(p, X_OK), 0, "not an executable: %s", p);
    free(p);
}

static void expect_line(const char *text, const char *line, const char *what)
{
    const char *p = text;
    size_t n = strlen(line);
    while ((p = strstr(p, line)) != NULL) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
        p += n;
    }
    cr_assert_fail("%s lacks the line \"%s\":\n%s", what, line, text);
}

Test(install, usr_prefix_puts_everything_under_destdir)
{
    char *dest = tz_test_path("%s/stage", tmp);
    install_to(dest, "/usr");

    expect_executable(dest, "/usr/bin/tz-agent");
    expect_executable(dest, "/usr/bin/tz-collector");
    expect_executable(dest, "/usr/bin/tzctl");
    expect_executable(dest, "/usr/bin/tz-portal");
    /* Their man pages as written (docs/man), where man(1) and the
     * packages' dh_installman look. */
    const char *man[] = {"man8/tz-agent.8", "man8/tz-collector.8", "man8/tzctl.8",
                         "man8/tz-portal.8", "man5/taizhang.conf.5"};
    for (size_t i = 0; i < sizeof(man) / sizeof(man[0]); i++) {
        char *rel = tz_test_path("/usr/share/man/%s", man[i]);
        char *src = tz_test_path("%s/docs/man/%s", TZ_SOURCE_DIR, strchr(man[i], '/') + 1);
        char *page = file_in(dest, rel), *want = tz_test_slurp(src);
        cr_assert_not_null(want, "missing: %s", src);
        cr_assert(strcmp(page, want) == 0, "%s differs from %s", rel, src);
        free(page);
        free(want);
        free(src);
        free(rel);
    }

    char *agent = file_in(dest, "/usr/lib/systemd/system/tz-agent.service");
    expect_line(agent, "ExecStart=/usr/bin/tz-agent --config /etc/taizhang/tz-agent.ini",
                "tz-agent.service");
    /* Whether the unit's capabilities let the agent run is test_units's
     * business: it runs the agent under them. */
    const char *hardening[] = {"ProtectSystem=strict", "ProtectHome=yes",
                               "PrivateTmp=yes", "NoNewPrivileges=yes",
                               "Restart=on-failure",
                               "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"};
    for (size_t i = 0; i < sizeof(hardening) / sizeof(hardening[0]); i++)
        expect_line(agent, hardening[i], "tz-agent.service");
    expect_line(agent, "StateDirectory=tz-agent", "tz-agent.service");
    expect_line(agent, "ReadWritePaths=/var/lib/tz-agent", "tz-agent.service");

    char *coll = file_in(dest, "/usr/lib/systemd/system/tz-collector.service");
    expect_line(coll, "ExecStart=/usr/bin/tz-collector --config "
                      "/etc/taizhang/tz-collector.ini", "tz-collector.service");
    expect_line(coll, "CapabilityBoundingSet=", "tz-collector.service");
    expect_line(coll, "StateDirectory=tz-collector", "tz-collector.service");
    /* The package's system user, not DynamicUser= (see the unit). */
    expect_line(coll, "User=_tzcollector", "tz-collector.service");
    expect_line(coll, "Group=_tzcollector", "tz-collector.service");
    cr_expect(strstr(coll, "\nDynamicUser=") == NULL,
              "tz-collector.service still has DynamicUser=");
    for (size_t i = 0; i < sizeof(hardening) / sizeof(hardening[0]); i++)
        expect_line(coll, hardening[i], "tz-collector.service");

    /* The portal: its own user, the collector's group, and no netlink. */
    char *portal = file_in(dest, "/usr/lib/systemd/system/tz-portal.service");
    expect_line(portal, "ExecStart=/usr/bin/tz-portal --config "
                        "/etc/taizhang/tz-portal.ini", "tz-portal.service");
    expect_line(portal, "User=_tzportal", "tz-portal.service");
    expect_line(portal, "SupplementaryGroups=_tzcollector", "tz-portal.service");
    expect_line(portal, "CapabilityBoundingSet=", "tz-portal.service");
    expect_line(portal, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                "tz-portal.service");
    for (size_t i = 0; i + 1 < sizeof(hardening) / sizeof(hardening[0]); i++)
        expect_line(portal, hardening[i], "tz-portal.service");   /* all but the last */
    expect_line(portal, "Documentation=man:tz-portal(8) "
                        "file:///usr/share/doc/taizhang/examples/tz-portal.ini.example",
                "tz-portal.service");

    char *ex = file_in(dest, "/usr/share/doc/taizhang/examples/tz-agent.ini.example");
    cr_assert(strstr(ex, "spool_max") != NULL, "example lacks the daemon options");
    free(ex);
    free(file_in(dest, "/usr/share/doc/taizhang/examples/tz-collector.ini.example"));
    free(file_in(dest, "/usr/share/doc/taizhang/examples/tz-portal.ini.example"));
    /* schemas/ whole, where TZ_DATADIR and the packaged rules = point. */
    free(file_in(dest, "/usr/share/taizhang/schemas/rules.ini"));
    free(file_in(dest, "/usr/share/taizhang/schemas/weak-passwords.txt"));
    free(file_in(dest, "/usr/share/taizhang/schemas/README.md"));

    /* DESTDIR holds usr/ and nothing else: no file escaped the prefix. */
    DIR *d = opendir(dest);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        cr_assert(de->d_name[0] == '.' || strcmp(de->d_name, "usr") == 0,
                  "unexpected %s/%s", dest, de->d_name);
    closedir(d);
    free(agent);
    free(coll);
    free(portal);
    free(dest);
}

Test(install, other_prefix_rewrites_the_unit_paths)
{
    char *dest = tz_test_path("%s/stage", tmp);
    install_to(dest, "/opt/taizhang");
    expect_executable(dest, "/opt/taizhang/bin/tz-agent");
    char *agent = file_in(dest, "/opt/taizhang/lib/systemd/system/tz-agent.service");
    expect_line(agent, "ExecStart=/opt/taizhang/bin/tz-agent --config "
                       "/opt/taizhang/etc/taizhang/tz-agent.ini", "tz-agent.service");
    char *portal = file_in(dest, "/opt/taizhang/lib/systemd/system/tz-portal.service");
    expect_line(portal, "ExecStart=/opt/taizhang/bin/tz-portal --config "
                        "/opt/taizhang/etc/taizhang/tz-portal.ini", "tz-portal.service");
    free(portal);
    free(agent);
    free(dest);
}
