/* Tests for the account-file parsers below collect_accounts: sudoers
 * includes, aliases, negation and comments the way sudo reads them, and the
 * duplicate/malformed handling of passwd and group. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "parse_group.h"
#include "parse_passwd.h"
#include "parse_sudoers.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;
static struct warnlist w;
static struct sudoers su;
static struct group_db gr;

static void setup(void)
{
    root = tz_test_tmpdir("sudoers");
    memset(&err, 0, sizeof(err));
    memset(&w, 0, sizeof(w));
    memset(&su, 0, sizeof(su));
    memset(&gr, 0, sizeof(gr));
    tz_test_write(root, "etc/group", "sudo:x:27:carol\nops:x:2000:bob,dave\n");
}

static void teardown(void)
{
    sudoers_free(&su);
    group_db_free(&gr);
    warnlist_free(&w);
    tz_test_rm_rf(root);
    free(root);
}

static int parse(const char *sudoers)
{
    tz_test_write(root, "etc/sudoers", sudoers);
    cr_assert_eq(parse_group(root, &gr, NULL, &err), 0);
    return parse_sudoers(root, &su, &w, &err);
}

/* Which users a NOPASSWD rule applies to, as "name,name". */
static char *who(size_t rule)
{
    static const struct { const char *n; uint32_t uid, gid; } users[] = {
        {"alice", 1000, 1000}, {"bob", 1001, 1001}, {"carol", 1002, 1002},
        {"dave", 1003, 2000}};
    static char out[128];
    out[0] = '\0';
    cr_assert_lt(rule, su.n_rules);
    for (size_t i = 0; i < 4; i++) {
        struct sudo_user u = {users[i].n, users[i].uid, users[i].gid, &gr};
        unsigned long budget = SUDOERS_MATCH_BUDGET;
        if (sudoers_rule_applies(&su, &su.rules[rule], &u, &budget) == 1) {
            if (out[0])
                strcat(out, ",");
            strcat(out, users[i].n);
        }
    }
    return out;
}

static int warned(const char *needle)
{
    for (size_t i = 0; i < w.n; i++)
        if (strstr(w.v[i], needle))
            return 1;
    return 0;
}

Test(sudoers, user_lists_match_as_sudo_does, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("User_Alias ADMINS = alice, %ops, !dave\n"
                       "ADMINS ALL = NOPASSWD: ALL\n"
                       "ALL, !bob ALL = NOPASSWD: /bin/true\n"
                       "#1002 ALL = NOPASSWD: /bin/date\n"
                       "%#2000 ALL = NOPASSWD: /bin/id\n"
                       "\"alice\" , bob ALL=(ALL) /bin/ls\n"
                       "%:domain_users ALL = NOPASSWD: ALL\n"
                       "+netgroup ALL = NOPASSWD: ALL\n"), 0, "%s", err.msg);
    cr_assert_eq(su.n_rules, 7);
    cr_expect_str_eq(who(0), "alice,bob", "alias with a negated member");
    cr_expect_str_eq(who(1), "alice,carol,dave", "ALL minus bob");
    cr_expect_str_eq(who(2), "carol", "#uid");
    cr_expect_str_eq(who(3), "bob,dave", "%%#gid: primary or member");
    cr_expect(!su.rules[4].nopasswd);
    cr_expect_str_eq(who(4), "alice,bob");
    cr_expect_str_eq(who(5), "", "non-Unix group");
    cr_expect_str_eq(who(6), "", "netgroup");
    cr_expect_eq(w.n, 0, "%s", w.n ? w.v[0] : "");
}

Test(sudoers, tags_runas_options_and_multiple_host_parts, .init = setup,
     .fini = teardown)
{
    cr_assert_eq(parse("Cmnd_Alias CMDS = /bin/ls, /usr/bin/apt update\n"
                       "Host_Alias WEB = web1, web2\n"
                       "alice ALL = (root:root) NOEXEC: SETENV: /bin/vi\n"
                       "bob WEB = CMDS : ALL = (ALL) NOPASSWD: /bin/cat\n"
                       "carol ALL = PASSWD: /bin/a, NOPASSWD: /bin/b\n"
                       "dave ALL = CWD=/tmp NOPASSWD: /bin/pwd # a comment\n"
                       "alice ALL = sha256:abcdef /bin/echo HELLO: world\n"), 0);
    cr_assert_eq(su.n_rules, 5);
    cr_expect(!su.rules[0].nopasswd);
    cr_expect(su.rules[1].nopasswd);
    cr_expect(su.rules[2].nopasswd);
    cr_expect(su.rules[3].nopasswd);
    cr_expect_str_eq(su.rules[3].text, "dave ALL = CWD=/tmp NOPASSWD: /bin/pwd");
    cr_expect(!su.rules[4].nopasswd);
    cr_expect_eq(w.n, 0, "%s", w.n ? w.v[0] : "");
}

Test(sudoers, includes_relative_dirs_skipped_names_and_loops, .init = setup,
     .fini = teardown)
{
    tz_test_write(root, "etc/sudoers.d/10-ops", "bob ALL = NOPASSWD: ALL\n"
                  "#include ../sudoers.local\n");
    tz_test_write(root, "etc/sudoers.d/05-first", "alice ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers.d/ops.bak", "carol ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers.d/ops~", "carol ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers.local", "dave ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/loop", "@include /etc/loop\n");
    cr_assert_eq(parse("#includedir /etc/sudoers.d\n"
                       "@include /etc/loop\n"
                       "#include /etc/missing\n"
                       "#includedir /etc/no-such-dir\n"), 0, "%s", err.msg);
    cr_assert_eq(su.n_rules, 3);
    cr_expect_str_eq(who(0), "alice", "05-first sorts before 10-ops");
    cr_expect_str_eq(su.rules[0].file, "/etc/sudoers.d/05-first");
    cr_expect_str_eq(who(1), "bob");
    cr_expect_str_eq(who(2), "dave", "relative include");
    cr_expect_str_eq(su.rules[2].file, "/etc/sudoers.d/../sudoers.local");
    cr_expect(warned("/etc/loop:1: includes nested deeper than 8 levels"));
    cr_expect(warned("/etc/missing: included but not readable"));
    cr_expect_eq(w.n, 2);
    cr_expect_eq(su.n_files, 1 + 2 + 1 + 8);
}

Test(sudoers, continuation_comment_and_malformed_lines, .init = setup,
     .fini = teardown)
{
    cr_assert_eq(parse("alice, \\\n"
                       "   bob ALL = \\\n"
                       "   NOPASSWD: /bin/x\n"
                       "# bob ALL = NOPASSWD: ALL\n"
                       "Defaults:bob !authenticate\n"
                       "Defaults>root !set_logname\n"
                       "carol\n"
                       "User_Alias lower = x\n"
                       "dave ALL = (root NOPASSWD: ALL\n"
                       "dave ALL =\n"
                       "bob ALL = NOPASSWD: /bin/y \\\n"), 0);
    cr_assert_eq(su.n_rules, 2);
    cr_expect_str_eq(su.rules[0].text, "alice, bob ALL = NOPASSWD: /bin/x");
    cr_expect_eq(su.rules[0].line, 1);
    cr_expect_str_eq(who(0), "alice,bob");
    cr_expect(warned("/etc/sudoers:7: expected \"users hosts = commands\""));
    cr_expect(warned("/etc/sudoers:8: User_Alias needs an upper-case NAME"));
    cr_expect(warned("/etc/sudoers:9: unclosed \"(\""));
    cr_expect(warned("/etc/sudoers:10: no command after \"=\""));
    cr_expect(warned("/etc/sudoers:11: file ends in a line continuation"));
    cr_expect_eq(su.rules[1].line, 11);
}

/* Debian's own sudoers separates with tabs; the collector refuses a tab in
 * any string an agent sends, so a rule's text has each run of blanks as one
 * space. */
Test(sudoers, rule_text_has_blanks_squeezed_to_one_space, .init = setup,
     .fini = teardown)
{
    cr_assert_eq(parse("%sudo\tALL=(ALL:ALL)\tALL\n"
                       "bob \t ALL=(ALL)  NOPASSWD:\t/usr/bin/apt\t\n"), 0);
    cr_assert_eq(su.n_rules, 2);
    cr_expect_str_eq(su.rules[0].text, "%sudo ALL=(ALL:ALL) ALL");
    cr_expect_str_eq(su.rules[1].text, "bob ALL=(ALL) NOPASSWD: /usr/bin/apt");
    cr_expect_str_eq(who(1), "bob");
}

Test(sudoers, missing_and_overlong, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_group(root, &gr, NULL, &err), 0);
    cr_expect_eq(parse_sudoers(root, &su, &w, &err), TZ_ENOENT);
    char *big = malloc(SUDOERS_MAX_LINE + 100);
    memset(big, 'a', SUDOERS_MAX_LINE + 50);
    strcpy(big + SUDOERS_MAX_LINE + 50, " ALL = ALL\nbob ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers", big);
    free(big);
    cr_assert_eq(parse_sudoers(root, &su, &w, &err), 0);
    cr_expect(warned("/etc/sudoers:1: line longer than"));
    cr_assert_eq(su.n_rules, 1);
    cr_expect_str_eq(who(0), "bob");
}

/* ---- passwd and group ---- */

Test(passwd, malformed_and_duplicate_lines_warn_and_keep_the_first, .init = setup,
     .fini = teardown)
{
    tz_test_write(root, "etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "# comment\n"
                  "+@netgroup::::::\n"
                  "short:x:1\n"
                  "badid:x:12a:1::/:/bin/sh\n"
                  "root:x:5:5::/:/bin/sh\n"
                  ":x:1:1::/:/bin/sh\n"
                  "alice:x:1000:1000::/home/alice:/usr/sbin/nologin\n");
    struct passwd_db db;
    cr_assert_eq(parse_passwd(root, &db, &w, &err), 0);
    cr_assert_eq(db.n, 2);
    cr_expect_eq(passwd_find(&db, "root")->uid, 0, "first entry wins");
    cr_expect(!passwd_login_capable(passwd_find(&db, "alice")));
    cr_expect_null(passwd_find(&db, "badid"));
    cr_expect(warned("/etc/passwd:4: expected 7 fields"));
    cr_expect(warned("/etc/passwd:5: uid of badid is not a number"));
    cr_expect(warned("/etc/passwd:6: user root already defined at line 1"));
    cr_expect(warned("/etc/passwd:7: empty user name"));
    cr_expect_eq(w.n, 4);
    passwd_db_free(&db);
}

Test(group, members_primary_gid_and_malformed, .init = setup, .fini = teardown)
{
    tz_test_write(root, "etc/group", "sudo:x:27:zed,carol,,alice\n"
                  "bad:x:notanumber:\n"
                  "staff:x:50:\n");
    cr_assert_eq(parse_group(root, &gr, &w, &err), 0);
    cr_assert_eq(gr.n, 2);
    const struct group_entry *g = group_find(&gr, "sudo");
    cr_assert_not_null(g);
    cr_expect_eq(g->n_members, 3);
    cr_expect(group_has_user(g, "carol", 1));
    cr_expect(group_has_user(g, "zed", 1));
    cr_expect(!group_has_user(g, "bob", 1));
    cr_expect(group_has_user(group_find(&gr, "staff"), "bob", 50), "primary");
    cr_expect(warned("/etc/group:2: gid of group bad is not a number"));
}
