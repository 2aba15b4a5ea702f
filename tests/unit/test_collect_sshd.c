/* Tests for collect_sshd: first value wins, Port accumulates, Include globs in
 * sorted order and relative to /etc/ssh, Match blocks (and "Match all") keep
 * their settings out of the global values, OpenSSH defaults, and malformed
 * lines reported as file:line warnings. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_sshd.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;
static Tz__SshSection *sec;

static void setup(void)
{
    root = tz_test_root_new("sshd", &err);
    sec = NULL;
}

static void teardown(void)
{
    tz_test_root_free(root, sec ? &sec->base : NULL);
}

TestSuite(sshd, .init = setup, .fini = teardown);

static void expect_ports(const uint32_t *want, size_t n)
{
    cr_assert_eq(sec->n_ports, n, "%zu ports", sec->n_ports);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(sec->ports[i], want[i], "port %zu: %u", i, sec->ports[i]);
}

static void expect_strs(char **got, size_t n_got, const char *const *want,
                        size_t n)
{
    for (size_t i = 0; i < n_got && i < n; i++)
        cr_expect_str_eq(got[i], want[i], "entry %zu", i);
    cr_assert_eq(n_got, n, "%zu entries, want %zu", n_got, n);
}

Test(sshd, missing_config_is_not_found_and_has_no_defaults)
{
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_eq(sec->found, 0);
    cr_expect_str_eq(sec->permit_root_login, "");
    cr_expect_eq(sec->password_authentication, 0);
    cr_expect_eq(sec->permit_empty_passwords, 0);
    cr_expect_eq(sec->n_ports, 0);
    cr_expect_eq(sec->n_files, 0);
    cr_expect_eq(sec->n_warnings, 0);
}

Test(sshd, empty_config_gives_openssh_defaults)
{
    tz_test_write(root, "etc/ssh/sshd_config", "# nothing set\n\n   \n");
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_eq(sec->found, 1);
    cr_expect_str_eq(sec->permit_root_login, "prohibit-password");
    cr_expect_eq(sec->password_authentication, 1);
    cr_expect_eq(sec->permit_empty_passwords, 0);
    expect_ports((const uint32_t[]){22}, 1);
    static const char *const files[] = {"/etc/ssh/sshd_config"};
    expect_strs(sec->files, sec->n_files, files, 1);
    cr_expect_eq(sec->n_warnings, 0);
}

Test(sshd, includes_first_wins_ports_match_and_warnings)
{
    tz_test_write(root, "etc/ssh/sshd_config",
        "# comment\n"                                     /* 1 */
        "Include /etc/ssh/sshd_config.d/*.conf\n"
        "port 2222\n"
        "PermitRootLogin=no\n"
        "PasswordAuthentication no\n"                     /* 5 */
        "Port = 22 # trailing comment\n"
        "PERMITROOTLOGIN yes\n"
        "PermitEmptyPasswords maybe\n"
        "Port 70000\n"
        "Port\n"                                          /* 10 */
        "Include conf.extra/b.conf\n"
        "Port 2222\n"
        "Match User alice\n"
        "  PasswordAuthentication yes\n"
        "  PermitEmptyPasswords yes\n"                    /* 15 */
        "  Port 3333\n"
        "  Include other.conf\n"
        "Match all\n"
        "Port 4444\n"
        "PermitEmptyPasswords yes\n");                    /* 20 */
    tz_test_write(root, "etc/ssh/sshd_config.d/10-first.conf",
                  "PasswordAuthentication yes\nPort 2200\n");
    tz_test_write(root, "etc/ssh/sshd_config.d/20-second.conf",
                  "Match Address 10.0.0.0/8\n  PermitRootLogin yes\n");
    tz_test_write(root, "etc/ssh/sshd_config.d/ignored.txt", "Port 9\n");
    tz_test_write(root, "etc/ssh/conf.extra/b.conf",
                  "Port 2201\nPermitRootLogin forced-commands-only\n");
    tz_test_write(root, "etc/ssh/other.conf",
                  "Port 5555\nMatch all\nPermitEmptyPasswords no\n");

    cr_assert_eq(collect_sshd(root, &sec, &err), 0, "%s", err.msg);
    cr_expect_eq(sec->found, 1);
    cr_expect_str_eq(sec->permit_root_login, "no");
    cr_expect_eq(sec->password_authentication, 1, "10-first.conf came first");
    cr_expect_eq(sec->permit_empty_passwords, 1, "set after Match all");
    expect_ports((const uint32_t[]){2200, 2222, 22, 2201, 4444}, 5);
    static const char *const files[] = {
        "/etc/ssh/sshd_config",
        "/etc/ssh/sshd_config.d/10-first.conf",
        "/etc/ssh/sshd_config.d/20-second.conf",
        "/etc/ssh/conf.extra/b.conf",
        "/etc/ssh/other.conf",
    };
    expect_strs(sec->files, sec->n_files, files, 5);
    static const char *const warnings[] = {
        "/etc/ssh/sshd_config:8: PermitEmptyPasswords must be yes or no, not "
        "\"maybe\"; line ignored",
        "/etc/ssh/sshd_config:9: bad port \"70000\"; line ignored",
        "/etc/ssh/sshd_config:10: Port without a value; line ignored",
        "/etc/ssh/sshd_config:16: Port is not allowed in a Match block; line "
        "ignored",
        "/etc/ssh/other.conf:1: Port is not allowed in a Match block; line "
        "ignored",
    };
    expect_strs(sec->warnings, sec->n_warnings, warnings, 5);
}

Test(sshd, match_in_an_included_file_ends_with_that_file)
{
    tz_test_write(root, "etc/ssh/sshd_config",
                  "Include /etc/ssh/m.conf\nPermitRootLogin yes\n");
    tz_test_write(root, "etc/ssh/m.conf",
                  "Match Group admins\nPermitRootLogin no\n");
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_str_eq(sec->permit_root_login, "yes");
    cr_expect_eq(sec->n_warnings, 0);
}

Test(sshd, settings_after_match_are_not_global)
{
    tz_test_write(root, "etc/ssh/sshd_config",
                  "Match User bob\n"
                  "PermitRootLogin yes\n"
                  "PasswordAuthentication no\n"
                  "Match Address 1.2.3.4 User x\n"
                  "PermitEmptyPasswords yes\n"
                  "Match all User bob\n"
                  "PermitRootLogin yes\n");
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_str_eq(sec->permit_root_login, "prohibit-password");
    cr_expect_eq(sec->password_authentication, 1);
    cr_expect_eq(sec->permit_empty_passwords, 0);
    expect_ports((const uint32_t[]){22}, 1);
    static const char *const warnings[] = {
        "/etc/ssh/sshd_config:6: \"Match all\" takes no other criteria",
    };
    expect_strs(sec->warnings, sec->n_warnings, warnings, 1);
}

Test(sshd, include_glob_order_and_multiple_patterns)
{
    tz_test_write(root, "etc/ssh/sshd_config",
                  "Include d/*.conf /etc/ssh/z.conf nomatch/*.conf\n");
    tz_test_write(root, "etc/ssh/d/b.conf", "PermitRootLogin no\nPort 2\n");
    tz_test_write(root, "etc/ssh/d/a.conf", "PermitRootLogin without-password\n"
                                            "Port 1\n");
    tz_test_write(root, "etc/ssh/d/c.conf", "PermitRootLogin yes\nPort 3\n");
    tz_test_write(root, "etc/ssh/z.conf", "Port 4\n");
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_str_eq(sec->permit_root_login, "prohibit-password");
    expect_ports((const uint32_t[]){1, 2, 3, 4}, 4);
    static const char *const files[] = {
        "/etc/ssh/sshd_config", "/etc/ssh/d/a.conf", "/etc/ssh/d/b.conf",
        "/etc/ssh/d/c.conf", "/etc/ssh/z.conf",
    };
    expect_strs(sec->files, sec->n_files, files, 5);
    cr_expect_eq(sec->n_warnings, 0);
}

Test(sshd, include_loop_stops_at_depth_bound)
{
    tz_test_write(root, "etc/ssh/sshd_config", "Include loop.conf\n");
    tz_test_write(root, "etc/ssh/loop.conf", "Include loop.conf\nPort 1000\n");
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_eq(sec->n_files, 1 + TZ_SSHD_MAX_DEPTH);
    expect_ports((const uint32_t[]){1000}, 1);
    static const char *const warnings[] = {
        "/etc/ssh/loop.conf:1: Include of /etc/ssh/loop.conf nested deeper "
        "than 8; not followed",
    };
    expect_strs(sec->warnings, sec->n_warnings, warnings, 1);
}

Test(sshd, quotes_equals_and_malformed_lines)
{
    char *longline = malloc(TZ_SSHD_MAX_LINE + 100);
    memset(longline, 'x', TZ_SSHD_MAX_LINE + 10);
    longline[TZ_SSHD_MAX_LINE + 10] = '\0';
    char *cfg = tz_test_path(
        "PasswordAuthentication \"no\n"        /* 1: bad quotes */
        "PasswordAuthentication maybe\n"       /* 2 */
        "PasswordAuthentication yes no\n"      /* 3: extra value */
        "PermitRootLogin sometimes\n"          /* 4 */
        "Port=0\n"                             /* 5 */
        "Port -22\n"                           /* 6 */
        "Port 22a\n"                           /* 7 */
        "PasswordAuthentication \"NO\"\n"      /* 8: quoted, any case */
        "Port=2022\n"                          /* 9 */
        "Port 2022\n"                          /* 10: listed once */
        "PermitRootLogin 'Forced-Commands-Only'\n"
        "UnknownKeyword whatever\n"            /* silently ignored */
        "Include ../../../../etc/passwd\n"     /* 13 */
        "%s\n"                                 /* 14: too long */
        "Port 7\n", longline);
    free(longline);
    tz_test_write(root, "etc/ssh/sshd_config", cfg);
    free(cfg);
    cr_assert_eq(collect_sshd(root, &sec, &err), 0);
    cr_expect_eq(sec->password_authentication, 0);
    cr_expect_str_eq(sec->permit_root_login, "forced-commands-only");
    expect_ports((const uint32_t[]){2022}, 1);
    static const char *const warnings[] = {
        "/etc/ssh/sshd_config:1: PasswordAuthentication: invalid quotes or too "
        "many values; line ignored",
        "/etc/ssh/sshd_config:2: PasswordAuthentication must be yes or no, not "
        "\"maybe\"; line ignored",
        "/etc/ssh/sshd_config:3: PasswordAuthentication: extra values after "
        "\"yes\"; line ignored",
        "/etc/ssh/sshd_config:4: unknown PermitRootLogin value \"sometimes\"; "
        "line ignored",
        "/etc/ssh/sshd_config:5: bad port \"0\"; line ignored",
        "/etc/ssh/sshd_config:6: bad port \"-22\"; line ignored",
        "/etc/ssh/sshd_config:7: bad port \"22a\"; line ignored",
        "/etc/ssh/sshd_config:13: Include \"../../../../etc/passwd\": \"..\" is "
        "not followed below a root",
        "/etc/ssh/sshd_config:14: line longer than 16384 bytes; rest of the "
        "file not read",
    };
    expect_strs(sec->warnings, sec->n_warnings, warnings, 9);
}

Test(sshd, root_with_glob_characters_is_literal)
{
    char *odd = tz_test_path("%s/r[1]*?", root);
    tz_test_write(odd, "etc/ssh/sshd_config", "Include sshd_config.d/*\n");
    tz_test_write(odd, "etc/ssh/sshd_config.d/x", "Port 2323\n");
    tz_test_write(root, "r1/etc/ssh/sshd_config.d/x", "Port 1\n");
    cr_assert_eq(collect_sshd(odd, &sec, &err), 0);
    expect_ports((const uint32_t[]){2323}, 1);
    static const char *const files[] = {"/etc/ssh/sshd_config",
                                        "/etc/ssh/sshd_config.d/x"};
    expect_strs(sec->files, sec->n_files, files, 2);
    free(odd);
}

Test(sshd, live_root_matches_file_presence)
{
    cr_assert_eq(collect_sshd("/", &sec, &err), 0, "%s", err.msg);
    cr_expect_eq(sec->found, access("/etc/ssh/sshd_config", F_OK) == 0);
    if (sec->found) {
        cr_expect_geq(sec->n_ports, 1);
        cr_expect_str_eq(sec->files[0], "/etc/ssh/sshd_config");
    }
}
