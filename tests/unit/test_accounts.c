/* Tests for collect_accounts and the privileged side behind it: a fixture
 * root with passwd, shadow (hashes made here with fresh salts), group and
 * sudoers (+ sudoers.d via #includedir), exact verdicts per account, the
 * bounds, malformed lines, a real privsep child, and the parent's decoder
 * against whatever a compromised child might send. */
#include <criterion/criterion.h>
#include <crypt.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acct_audit.h"
#include "collect_accounts.h"
#include "privdrop.h"
#include "privsep.h"
#include "privsep_msg.h"
#include "tz_test.h"

#define DICT TZ_SOURCE_DIR "/schemas/weak-passwords.txt"

static char *root;
static struct tz_error err;
static Tz__AccountsSection *sec;
static long today;

static char *make_hash(const char *prefix, const char *pw)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    cr_assert_not_null(crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)));
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    const char *h = crypt_rn(pw, salt, cd, (int)sizeof(*cd));
    cr_assert(h != NULL && h[0] != '*');
    char *out = strdup(h);
    free(cd);
    return out;
}

/* extra_shadow / extra_sudoers: lines appended, for the malformed cases */
static void write_fixture(const char *extra_shadow, const char *extra_ops)
{
    char *alice = make_hash("$y$", "alice");
    char *bob = make_hash("$6$", "123456");
    char *carol = make_hash("$6$", "u7#Kq9!vRz2@Lm5$Xw8&");
    char *eve = make_hash("$6$", "eve");
    tz_test_write(root, "etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                  "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
                  "bob:x:1001:1001::/home/bob:/bin/bash\n"
                  "carol:x:1002:1002::/home/carol:/bin/zsh\n"
                  "dave:x:1003:1003::/home/dave:\n"
                  "eve:x:1004:1004::/home/eve:/bin/bash\n"
                  "toor:x:0:0::/root:/bin/sh\n"
                  "svc:x:998:998::/srv:/bin/false\n");
    char *shadow = tz_test_path(
        "root:*:%ld:0:99999:7:::\n"
        "daemon:*:19000:0:99999:7:::\n"
        "alice:%s:%ld:0:90:7:::\n"
        "bob:%s::0:99999:7:::\n"
        "carol:%s:%ld:0:99999:7:::\n"
        "dave::%ld:0:99999:7:::\n"
        "eve:!%s:%ld:0:99999:7:::\n"
        "toor:*:0:0:99999:7:::\n"
        "svc:%s:%ld:0:99999:7:::\n"
        "%s",
        today - 1, alice, today - 10, bob, carol, today - 400, today, eve,
        today + 5, bob, today, extra_shadow ? extra_shadow : "");
    tz_test_write(root, "etc/shadow", shadow);
    tz_test_write(root, "etc/group",
                  "root:x:0:\n"
                  "sudo:x:27:carol\n"
                  "wheel:x:10:\n"
                  "admin:x:115:alice\n"
                  "ops:x:2000:bob,dave\n"
                  "alice:x:1000:\n");
    tz_test_write(root, "etc/sudoers",
                  "# sudoers: see sudoers(5)\n"
                  "Defaults\tenv_reset\n"
                  "Defaults:alice !authenticate\n"
                  "root\tALL=(ALL:ALL) ALL\n"
                  "%sudo\tALL=(ALL:ALL) ALL\n"
                  "@includedir /etc/sudoers.d\n");
    char *ops = tz_test_path("bob ALL=(ALL) NOPASSWD: /usr/bin/systemctl "
                             "restart nginx\n%s", extra_ops ? extra_ops : "");
    tz_test_write(root, "etc/sudoers.d/ops", ops);
    /* sudo skips names with a '.' or ending in '~': so must we */
    tz_test_write(root, "etc/sudoers.d/README.txt", "carol ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers.d/ops~", "carol ALL = NOPASSWD: ALL\n");
    free(alice);
    free(bob);
    free(carol);
    free(eve);
    free(shadow);
    free(ops);
}

static void setup(void)
{
    root = tz_test_tmpdir("accounts");
    memset(&err, 0, sizeof(err));
    sec = NULL;
    today = (long)(time(NULL) / 86400);
}

static void teardown(void)
{
    if (sec)
        protobuf_c_message_free_unpacked(&sec->base, NULL);
    tz_test_rm_rf(root);
    free(root);
}

static const Tz__Account *account(const char *name)
{
    cr_assert_not_null(sec);
    for (size_t i = 0; i < sec->n_accounts; i++)
        if (strcmp(sec->accounts[i]->name, name) == 0)
            return sec->accounts[i];
    cr_assert_fail("no account %s", name);
    return NULL;
}

static void expect_pw(const char *name, Tz__PasswordState st, const char *reason)
{
    const Tz__Account *a = account(name);
    cr_expect_eq(a->password, st, "%s: state %d, want %d", name, a->password, st);
    cr_expect_str_eq(a->weak_reason, reason, "%s: reason", name);
}

static int has_warning(const char *needle)
{
    for (size_t i = 0; i < sec->n_warnings; i++)
        if (strstr(sec->warnings[i], needle))
            return 1;
    return 0;
}

static void expect_full_fixture(void)
{
    cr_assert_eq(sec->n_accounts, 9);
    expect_pw("root", TZ__PASSWORD_STATE__PW_LOCKED, "");
    expect_pw("daemon", TZ__PASSWORD_STATE__PW_LOCKED, "");
    expect_pw("alice", TZ__PASSWORD_STATE__PW_WEAK, "matches username");
    expect_pw("bob", TZ__PASSWORD_STATE__PW_WEAK, "dictionary");
    expect_pw("carol", TZ__PASSWORD_STATE__PW_OK, "");
    expect_pw("dave", TZ__PASSWORD_STATE__PW_EMPTY, "");
    expect_pw("eve", TZ__PASSWORD_STATE__PW_LOCKED, "");
    expect_pw("toor", TZ__PASSWORD_STATE__PW_LOCKED, "");
    /* a hash, but /bin/false: not crypt-checked */
    expect_pw("svc", TZ__PASSWORD_STATE__PW_UNKNOWN, "");

    const Tz__Account *a = account("alice");
    cr_expect_eq(a->uid, 1000);
    cr_expect_eq(a->gid, 1000);
    cr_expect_str_eq(a->home, "/home/alice");
    cr_expect_str_eq(a->shell, "/bin/bash");
    cr_expect(a->login_capable);
    cr_expect_eq(a->days_since_change, 10);
    cr_expect_eq(a->max_days, 90);
    cr_expect(!a->weak_check_cut);
    cr_assert_eq(a->n_admin_groups, 1);
    cr_expect_str_eq(a->admin_groups[0], "admin");
    cr_expect_eq(a->n_nopasswd_rules, 0, "Defaults:alice !authenticate is "
                 "ignored by design");

    a = account("bob");
    cr_expect_eq(a->days_since_change, -1, "empty lastchg");
    cr_expect_eq(a->max_days, -1, "99999 is no maximum");
    cr_expect_eq(a->n_admin_groups, 0);
    cr_assert_eq(a->n_nopasswd_rules, 1);
    cr_expect_str_eq(a->nopasswd_rules[0],
                     "bob ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart nginx");

    a = account("carol");
    cr_expect_eq(a->days_since_change, 400);
    cr_expect_str_eq(a->shell, "/bin/zsh");
    cr_assert_eq(a->n_admin_groups, 1);
    cr_expect_str_eq(a->admin_groups[0], "sudo");
    cr_expect_eq(a->n_nopasswd_rules, 0, "README.txt and ops~ are not read");
    cr_expect(!a->weak_check_cut);

    a = account("dave");
    cr_expect_str_eq(a->shell, "");
    cr_expect(a->login_capable, "empty shell is /bin/sh");
    cr_expect_eq(a->days_since_change, 0);
    a = account("eve");
    cr_expect_eq(a->days_since_change, 0, "lastchg in the future counts as 0");
    a = account("toor");
    cr_expect_eq(a->days_since_change, -1, "lastchg 0: must change");
    a = account("daemon");
    cr_expect(!a->login_capable);
    cr_expect(!account("svc")->login_capable);

    cr_assert_eq(sec->n_uid0_accounts, 2);
    cr_expect_str_eq(sec->uid0_accounts[0], "root");
    cr_expect_str_eq(sec->uid0_accounts[1], "toor");
    cr_expect(sec->weak_check_ran);
    cr_expect(!sec->weak_check_cut);
    /* carol: 1 + 14 variants + the whole shipped list */
    cr_expect_geq(sec->weak_candidates, 1 + 14 + 300);
}

Test(accounts, exact_verdicts_in_process, .init = setup, .fini = teardown)
{
    write_fixture(NULL, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(collect_accounts(root, NULL, NULL, DICT, &sec, &err), 0, "%s",
                 err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "accounts fixture in-process: %.0f ms\n",
            (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    expect_full_fixture();
    for (size_t i = 0; i < sec->n_warnings; i++)
        fprintf(stderr, "unexpected warning: %s\n", sec->warnings[i]);
    cr_expect_eq(sec->n_warnings, 0);
}

Test(accounts, candidate_cap_cuts_the_check_and_says_so, .init = setup,
     .fini = teardown)
{
    write_fixture(NULL, NULL);
    struct weakpw_limits lim = {3, 60000, 0};
    cr_assert_eq(collect_accounts(root, NULL, &lim, DICT, &sec, &err), 0);
    expect_pw("alice", TZ__PASSWORD_STATE__PW_WEAK, "matches username");
    cr_expect(!account("alice")->weak_check_cut, "found on candidate 1");
    /* "123456" is past the first 3 candidates: not found, and said so */
    expect_pw("bob", TZ__PASSWORD_STATE__PW_OK, "");
    cr_expect(account("bob")->weak_check_cut);
    cr_expect(account("carol")->weak_check_cut);
    cr_expect(sec->weak_check_cut);
    cr_expect_eq(sec->weak_candidates, 3);
}

Test(accounts, total_time_budget_leaves_the_rest_unknown_and_cut, .init = setup,
     .fini = teardown)
{
    write_fixture(NULL, NULL);
    /* 1 ms in all: the first crypt-checked account (alice, yescrypt) uses it */
    struct weakpw_limits lim = {1000, 1000, 1};
    cr_assert_eq(collect_accounts(root, NULL, &lim, DICT, &sec, &err), 0);
    cr_expect(sec->weak_check_cut);
    const Tz__Account *c = account("carol");
    cr_expect_eq(c->password, TZ__PASSWORD_STATE__PW_UNKNOWN);
    cr_expect(c->weak_check_cut);
    expect_pw("dave", TZ__PASSWORD_STATE__PW_EMPTY, "");   /* no crypt needed */
}

Test(accounts, malformed_lines_warn_with_path_and_line_and_the_rest_is_judged,
     .init = setup, .fini = teardown)
{
    write_fixture("broken-line-without-fields\n"
                  "mallory:$6$abc$def:yesterday:0:99999:7:::\n",
                  "bob ALL NOPASSWD ALL\n"
                  "carol ALL = NOPASWD: /bin/ls\n"
                  "User_Alias OPS = dave, \\\n"
                  "    alice\n"
                  "OPS ALL = (root) NOPASSWD: /usr/bin/apt\n");
    cr_assert_eq(collect_accounts(root, NULL, NULL, DICT, &sec, &err), 0);
    for (size_t i = 0; i < sec->n_warnings; i++)
        fprintf(stderr, "warning: %s\n", sec->warnings[i]);
    cr_expect(has_warning("/etc/shadow:10: expected 9 fields"));
    cr_expect(has_warning("/etc/shadow:11: last change of mallory is not a "
                          "number of days"));
    cr_expect(has_warning("/etc/sudoers.d/ops:2: expected \"=\" after the host "
                          "list"));
    cr_expect(has_warning("/etc/sudoers.d/ops:3: unknown tag \"NOPASWD\""));
    cr_expect_eq(sec->n_warnings, 4);
    /* warnings never quote a hash */
    for (size_t i = 0; i < sec->n_warnings; i++)
        cr_expect(strstr(sec->warnings[i], "$6$") == NULL);
    expect_pw("alice", TZ__PASSWORD_STATE__PW_WEAK, "matches username");
    expect_pw("bob", TZ__PASSWORD_STATE__PW_WEAK, "dictionary");
    expect_pw("carol", TZ__PASSWORD_STATE__PW_OK, "");
    cr_expect_eq(account("carol")->n_nopasswd_rules, 0, "typo is not NOPASSWD");
    /* the alias, joined across the continuation, reaches alice and dave */
    const Tz__Account *a = account("alice");
    cr_assert_eq(a->n_nopasswd_rules, 1);
    cr_expect_str_eq(a->nopasswd_rules[0], "OPS ALL = (root) NOPASSWD: /usr/bin/apt");
    cr_assert_eq(account("dave")->n_nopasswd_rules, 1);
    cr_expect_eq(account("bob")->n_nopasswd_rules, 1);
}

Test(accounts, unreadable_shadow_is_a_warning_and_states_fall_back, .init = setup,
     .fini = teardown)
{
    write_fixture(NULL, NULL);
    char *p = tz_test_path("%s/etc/shadow", root);
    cr_assert_eq(unlink(p), 0);
    free(p);
    tz_test_write(root, "etc/passwd",
                  "alice:x:1000:1000::/home/alice:/bin/bash\n"
                  "nopw::1001:1001::/home/nopw:/bin/bash\n"
                  "star:*:1002:1002::/:/bin/bash\n");
    cr_assert_eq(collect_accounts(root, NULL, NULL, DICT, &sec, &err), 0);
    expect_pw("alice", TZ__PASSWORD_STATE__PW_UNKNOWN, "");
    expect_pw("nopw", TZ__PASSWORD_STATE__PW_EMPTY, "");
    expect_pw("star", TZ__PASSWORD_STATE__PW_LOCKED, "");
    cr_expect(has_warning("/etc/shadow: does not exist"));
    cr_expect(!sec->weak_check_ran);
}

Test(accounts, shadow_without_permission_says_run_as_root, .init = setup,
     .fini = teardown)
{
    if (geteuid() == 0) {
        /* root reads a 0000 file anyway: drop in a child and look there */
        write_fixture(NULL, NULL);
        char *p = tz_test_path("%s/etc/shadow", root);
        cr_assert_eq(chmod(p, 0), 0);
        cr_assert_eq(chmod(root, 0755), 0);
        free(p);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            struct tz_error e;
            Tz__AccountsSection *s = NULL;
            if (privdrop("nobody", &e) != 0)
                _exit(10);
            if (collect_accounts(root, NULL, NULL, DICT, &s, &e) != 0)
                _exit(11);
            int ok = 0;
            for (size_t i = 0; i < s->n_warnings; i++)
                ok |= strcmp(s->warnings[i], "shadow not readable: password "
                             "states unknown (run as root)") == 0;
            for (size_t i = 0; i < s->n_accounts; i++)
                if (strcmp(s->accounts[i]->name, "dave") == 0 &&
                    s->accounts[i]->password != TZ__PASSWORD_STATE__PW_UNKNOWN)
                    ok = 0;
            _exit(ok ? 0 : 12);
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    } else {
        cr_skip_test("needs root to make a permission-denied case");
    }
}

Test(accounts, no_passwd_is_an_error_not_an_empty_section, .init = setup,
     .fini = teardown)
{
    cr_expect_eq(collect_accounts(root, NULL, NULL, DICT, &sec, &err), TZ_ENOENT);
    cr_expect_null(sec);
}

/* ---- privsep ---- */

static int zombie_or_alive(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) != -1 || errno != ECHILD;
}

Test(privsep, round_trip_through_a_real_child_gives_the_same_section,
     .init = setup, .fini = teardown)
{
    write_fixture("broken\n", "carol ALL = NOPASWD: /bin/ls\n");
    struct privsep *ps = NULL;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    pid_t pid = privsep_pid(ps);
    cr_assert_gt(pid, 0);
    cr_assert_eq(privsep_fix(ps, root, NULL, DICT, &err), 0, "%s", err.msg);

    Tz__AccountsSection *local = NULL;
    cr_assert_eq(collect_accounts(root, NULL, NULL, DICT, &local, &err), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(collect_accounts(root, ps, NULL, DICT, &sec, &err), 0, "%s",
                 err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "accounts fixture via privsep: %.0f ms\n",
            (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

    size_t n1 = protobuf_c_message_get_packed_size(&local->base);
    size_t n2 = protobuf_c_message_get_packed_size(&sec->base);
    uint8_t *b1 = malloc(n1), *b2 = malloc(n2);
    protobuf_c_message_pack(&local->base, b1);
    protobuf_c_message_pack(&sec->base, b2);
    cr_expect_eq(n1, n2);
    cr_expect(n1 == n2 && memcmp(b1, b2, n1) == 0, "same bytes either way");
    free(b1);
    free(b2);
    protobuf_c_message_free_unpacked(&local->base, NULL);
    cr_expect(has_warning("/etc/shadow:10: expected 9 fields"));
    cr_expect(has_warning("/etc/sudoers.d/ops:2: unknown tag \"NOPASWD\""));
    expect_pw("alice", TZ__PASSWORD_STATE__PW_WEAK, "matches username");
    expect_pw("bob", TZ__PASSWORD_STATE__PW_WEAK, "dictionary");

    /* the child serves more than one request */
    struct acct_audit a;
    cr_assert_eq(privsep_check(ps, &a, &err), 0, "%s", err.msg);
    cr_expect_eq(a.n, 9);
    acct_audit_free(&a);
    /* an error of the child's comes back as that error, child still alive */
    char *passwd = tz_test_path("%s/etc/passwd", root);
    char *aside = tz_test_path("%s/etc/passwd.aside", root);
    cr_assert_eq(rename(passwd, aside), 0);
    cr_expect_eq(privsep_check(ps, &a, &err), TZ_ENOENT);
    cr_expect(strstr(err.msg, "privileged check failed") != NULL, "%s", err.msg);
    cr_assert_eq(rename(aside, passwd), 0);
    cr_expect_eq(privsep_check(ps, &a, &err), 0);
    acct_audit_free(&a);
    free(passwd);
    free(aside);

    privsep_stop(ps);
    cr_expect(!zombie_or_alive(pid), "child reaped, no zombie");
}

Test(privsep, killed_child_fails_checks_cleanly, .init = setup, .fini = teardown)
{
    write_fixture(NULL, NULL);
    struct privsep *ps = NULL;
    cr_assert_eq(privsep_start(&ps, &err), 0);
    pid_t pid = privsep_pid(ps);
    kill(pid, SIGKILL);
    struct acct_audit a;
    cr_expect_eq(privsep_check(ps, &a, &err), TZ_EPROTO);
    cr_expect_eq(privsep_check(ps, &a, &err), TZ_EPROTO,
                 "stays failed");
    /* collect_accounts still reports, without password states */
    cr_assert_eq(collect_accounts(root, ps, NULL, DICT, &sec, &err), 0);
    expect_pw("alice", TZ__PASSWORD_STATE__PW_UNKNOWN, "");
    cr_expect(has_warning("password check failed"));
    cr_expect(!sec->weak_check_ran);
    cr_expect(sec->weak_check_failed, "the section says the check failed");
    cr_expect(strstr(sec->weak_check_error, "not running") ||
              strstr(sec->weak_check_error, "gone"), "%s", sec->weak_check_error);
    privsep_stop(ps);
    cr_expect(!zombie_or_alive(pid));
}

/* ---- the parent's decoder against a hostile child ---- */

static void sample_audit(struct acct_audit *a)
{
    memset(a, 0, sizeof(*a));
    a->n = 2;
    a->v = calloc(2, sizeof(*a->v));
    a->v[0].name = strdup("alice");
    a->v[0].state = ACCT_PW_WEAK;
    a->v[0].reason = WEAKPW_USERNAME;
    a->v[0].days_since_change = 10;
    a->v[0].max_days = 90;
    a->v[0].rules = calloc(1, sizeof(uint32_t));
    a->v[0].n_rules = 1;
    a->v[1].name = strdup("bob");
    a->v[1].state = ACCT_PW_OK;
    a->v[1].cut = 1;
    a->v[1].days_since_change = -1;
    a->v[1].max_days = -1;
    a->n_rules = 1;
    a->rules = calloc(1, sizeof(char *));
    a->rules[0] = strdup("alice ALL = NOPASSWD: ALL");
    a->n_warnings = 1;
    a->warnings = calloc(1, sizeof(char *));
    a->warnings[0] = strdup("/etc/shadow:3: expected 9 fields");
    a->shadow_read = a->check_ran = a->cut = 1;
    a->candidates = 449;
}

static uint8_t *encoded(size_t *len)
{
    struct acct_audit a;
    sample_audit(&a);
    uint8_t *buf;
    cr_assert_eq(psmsg_encode_response(0, NULL, &a, &buf, len, &err), 0);
    acct_audit_free(&a);
    return buf;
}

Test(privsep_decoder, valid_answer_round_trips)
{
    size_t len;
    uint8_t *buf = encoded(&len);
    struct acct_audit a;
    cr_assert_eq(psmsg_decode_response(buf + 4, len - 4, &a, &err), 0, "%s",
                 err.msg);
    cr_expect_eq(a.n, 2);
    const struct acct_verdict *v = acct_audit_find(&a, "bob");
    cr_assert_not_null(v);
    cr_expect(v->state == ACCT_PW_OK && v->cut == 1 && v->days_since_change == -1);
    v = acct_audit_find(&a, "alice");
    cr_assert_not_null(v);
    cr_expect(v->state == ACCT_PW_WEAK && v->reason == WEAKPW_USERNAME &&
              v->n_rules == 1 && v->rules[0] == 0);
    cr_expect_str_eq(a.rules[0], "alice ALL = NOPASSWD: ALL");
    cr_expect(a.shadow_read && a.check_ran && a.cut && a.candidates == 449);
    acct_audit_free(&a);
    free(buf);
}

Test(privsep_decoder, every_truncation_is_rejected)
{
    size_t len;
    uint8_t *buf = encoded(&len);
    for (size_t n = 0; n < len - 4; n++) {
        uint8_t *cut = malloc(n ? n : 1);     /* exact size: ASan sees overreads */
        memcpy(cut, buf + 4, n);
        struct acct_audit a;
        cr_expect_eq(psmsg_decode_response(cut, n, &a, &err), TZ_EPROTO,
                     "length %zu of %zu", n, len - 4);
        cr_expect_eq(a.n, 0);
        free(cut);
    }
    free(buf);
}

Test(privsep_decoder, trailing_oversized_and_garbage_are_rejected)
{
    size_t len;
    uint8_t *buf = encoded(&len);
    struct acct_audit a;
    uint8_t *longer = malloc(len - 3);
    memcpy(longer, buf + 4, len - 4);
    longer[len - 4] = 0;
    cr_expect_eq(psmsg_decode_response(longer, len - 3, &a, &err), TZ_EPROTO);
    free(longer);
    cr_expect_eq(psmsg_decode_response(buf + 4, PSMSG_MAX_RESPONSE + 1, &a, &err),
                 TZ_EPROTO, "over the bound: refused before reading");

    srand(42);
    uint8_t junk[4096];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof(junk));
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        if (round % 2 && n >= 4)       /* half of them with the right magic */
            memcpy(junk, buf + 4, 4);
        cr_expect_eq(psmsg_decode_response(junk, n, &a, &err), TZ_EPROTO);
    }
    /* random single-byte corruption of a valid answer: never a crash, and
     * either rejected or still within every bound */
    for (size_t i = 0; i < len - 4; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[4 + i] ^= (uint8_t)(1u << bit);
            int rc = psmsg_decode_response(buf + 4, len - 4, &a, &err);
            if (rc == 0) {
                for (size_t k = 0; k < a.n; k++) {
                    cr_expect_leq(a.v[k].state, ACCT_PW_OK);
                    for (size_t r = 0; r < a.v[k].n_rules; r++)
                        cr_expect_lt(a.v[k].rules[r], a.n_rules);
                }
                acct_audit_free(&a);
            } else {
                cr_expect_eq(rc, TZ_EPROTO);
            }
            buf[4 + i] ^= (uint8_t)(1u << bit);
        }
    }
    free(buf);
}

/* Offsets in the sample: magic 4, status 4, message 2, flags 1, candidates 4,
 * rule count 4 = byte 19 */
Test(privsep_decoder, hostile_counts_and_values_are_rejected)
{
    size_t len;
    uint8_t *buf = encoded(&len);
    uint8_t *b = buf + 4;
    size_t n = len - 4;
    struct acct_audit a;
    uint8_t save[4];

    memcpy(save, b + 15, 4);                 /* rule count 0xFFFFFFFF */
    memset(b + 15, 0xFF, 4);
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "rule count") != NULL, "%s", err.msg);
    memcpy(b + 15, save, 4);

    /* locate alice's verdict: after rules and warnings */
    size_t p = 19 + 2 + strlen("alice ALL = NOPASSWD: ALL") + 4 + 2 +
               strlen("/etc/shadow:3: expected 9 fields");
    memcpy(save, b + p, 4);                  /* account count huge */
    memset(b + p, 0x7F, 4);
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    memcpy(b + p, save, 4);
    p += 4 + 2 + 5;                          /* alice's state byte */
    b[p] = 9;
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "state") != NULL, "%s", err.msg);
    b[p] = ACCT_PW_OK;                       /* OK with a weak reason */
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "reason") != NULL, "%s", err.msg);
    b[p] = ACCT_PW_WEAK;
    b[p + 2] = 2;                            /* cut flag 2 */
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    b[p + 2] = 0;
    memset(b + p + 3, 0xFF, 4);              /* days -1 is fine */
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), 0);
    acct_audit_free(&a);
    b[p + 6] = 0xFE;                         /* days -2 is not */
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    b[p + 6] = 0xFF;
    b[p + 11 + 2 + 3] = 1;                   /* rule index 1 of 1 rule */
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "rule index") != NULL, "%s", err.msg);
    b[p + 11 + 2 + 3] = 0;
    cr_expect_eq(psmsg_decode_response(b, n, &a, &err), 0);
    acct_audit_free(&a);
    free(buf);
}

Test(privsep_decoder, error_answer_carries_status_and_message)
{
    uint8_t *buf;
    size_t len;
    cr_assert_eq(psmsg_encode_response(TZ_ENOENT, "/etc/passwd: does not exist",
                                       NULL, &buf, &len, &err), 0);
    struct acct_audit a;
    cr_expect_eq(psmsg_decode_response(buf + 4, len - 4, &a, &err), TZ_ENOENT);
    cr_expect(strstr(err.msg, "/etc/passwd: does not exist") != NULL);
    free(buf);
}

Test(privsep_decoder, request_round_trip_and_hostile_request)
{
    struct psmsg_request rq, back;
    memset(&rq, 0, sizeof(rq));
    rq.lim.max_candidates = 7;
    rq.lim.max_ms = 8;
    rq.lim.max_total_ms = 9;
    strcpy(rq.root, "/srv/image");
    strcpy(rq.dict_path, "/usr/share/taizhang/weak-passwords.txt");
    uint8_t *buf;
    size_t len;
    cr_assert_eq(psmsg_encode_fix(&rq, &buf, &len, &err), 0);
    cr_expect_eq(psmsg_request_kind(buf + 4, len - 4), PSMSG_FIX);
    cr_assert_eq(psmsg_decode_fix(buf + 4, len - 4, &back, &err), 0);
    cr_expect(memcmp(&rq, &back, sizeof(rq)) == 0);
    for (size_t n = 0; n < len - 4; n++)
        cr_expect_eq(psmsg_decode_fix(buf + 4, n, &back, &err), TZ_EPROTO);
    buf[4 + 16] = 0x20;                      /* root length 0x20xx > 4095 */
    cr_expect_eq(psmsg_decode_fix(buf + 4, len - 4, &back, &err), TZ_EPROTO);
    free(buf);
    /* limits out of bounds, relative paths: refused both ways */
    struct psmsg_request bad = rq;
    bad.lim.max_total_ms = PSMSG_MAX_MS + 1;
    cr_expect_eq(psmsg_encode_fix(&bad, &buf, &len, &err), TZ_ELIMIT);
    bad = rq;
    bad.lim.max_candidates = 0;
    cr_expect_eq(psmsg_encode_fix(&bad, &buf, &len, &err), TZ_ELIMIT);
    bad = rq;
    strcpy(bad.root, "srv/image");
    cr_expect_eq(psmsg_encode_fix(&bad, &buf, &len, &err), TZ_ELIMIT);
    cr_assert_eq(psmsg_encode_fix(&rq, &buf, &len, &err), 0);
    buf[4 + 12] = 0xFF;                      /* max_total_ms >= 2^31 */
    cr_expect_eq(psmsg_decode_fix(buf + 4, len - 4, &back, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "max_total_ms"), "%s", err.msg);
    free(buf);
    /* the audit request is its magic, nothing more */
    cr_assert_eq(psmsg_encode_audit(&buf, &len, &err), 0);
    cr_expect_eq(len, 8u);
    cr_expect_eq(psmsg_request_kind(buf + 4, len - 4), PSMSG_AUDIT);
    cr_expect_eq(psmsg_decode_audit(buf + 4, 4, &err), 0);
    uint8_t longer[5] = {buf[4], buf[5], buf[6], buf[7], 0};
    cr_expect_eq(psmsg_decode_audit(longer, 5, &err), TZ_EPROTO);
    free(buf);
}

/* ---- root facts (the second request kind) ---- */

static void sample_facts(struct rootfacts *f)
{
    memset(f, 0, sizeof(*f));
    strcpy(f->dmi[2], "SER-4711");
    strcpy(f->dmi[3], "4c4c4544-0031-3210-8052-b4c04f4e3132");
    f->n_owners = 2;
    f->owners = calloc(2, sizeof(*f->owners));
    f->owners[0] = (struct proc_owner){777, 1, "systemd"};
    f->owners[1] = (struct proc_owner){(unsigned long)1 << 40, 812, "sshd"};
}

Test(privsep_facts_decoder, request_round_trip_and_hostile_request)
{
    unsigned long in[3] = {5, 9, (unsigned long)1 << 40}, *back = NULL;
    size_t n = 0, len;
    uint8_t *buf;
    cr_assert_eq(psmsg_encode_facts_request(in, 3, &buf, &len, &err), 0);
    cr_expect_eq(psmsg_request_kind(buf + 4, len - 4), PSMSG_FACTS);
    cr_assert_eq(psmsg_decode_facts_request(buf + 4, len - 4, &back, &n, &err), 0);
    cr_assert_eq(n, 3);
    cr_expect(memcmp(in, back, sizeof(in)) == 0);
    free(back);
    for (size_t k = 0; k < len - 4; k++)
        cr_expect_eq(psmsg_decode_facts_request(buf + 4, k, &back, &n, &err),
                     TZ_EPROTO, "truncated at %zu", k);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf + 4, len - 4);
    longer[len - 4] = 0;
    cr_expect_eq(psmsg_decode_facts_request(longer, len - 3, &back, &n, &err),
                 TZ_EPROTO);
    free(longer);
    buf[4 + 8 + 7] = 9;                      /* 9, 9: not increasing */
    cr_expect_eq(psmsg_decode_facts_request(buf + 4, len - 4, &back, &n, &err),
                 TZ_EPROTO);
    cr_expect(strstr(err.msg, "inode") != NULL, "%s", err.msg);
    buf[4 + 8 + 7] = 0;                      /* a zero inode */
    cr_expect_eq(psmsg_decode_facts_request(buf + 4, len - 4, &back, &n, &err),
                 TZ_EPROTO);
    buf[4 + 8 + 7] = 5;
    memset(buf + 4 + 4, 0xFF, 4);            /* count 2^32-1 */
    cr_expect_eq(psmsg_decode_facts_request(buf + 4, len - 4, &back, &n, &err),
                 TZ_EPROTO);
    cr_expect_null(back);
    cr_expect_eq(n, 0);
    free(buf);
    /* the encoder refuses what the decoder would */
    unsigned long unsorted[2] = {9, 5};
    cr_expect_eq(psmsg_encode_facts_request(unsorted, 2, &buf, &len, &err),
                 TZ_ELIMIT);
    cr_expect_eq(psmsg_encode_facts_request(in, TZ_MAX_LISTENERS + 1, &buf,
                                            &len, &err), TZ_ELIMIT);
    /* a body over the bound is refused before it is read */
    uint8_t big[16] = {0x54, 0x5A, 0x46, 0x31};
    cr_expect_eq(psmsg_decode_facts_request(big, PSMSG_MAX_FACTS_REQUEST + 1,
                                            &back, &n, &err), TZ_EPROTO);
    cr_expect_eq(psmsg_request_kind(big, 3), PSMSG_BAD);
}

Test(privsep_facts_decoder, answer_round_trips_and_every_truncation_is_rejected)
{
    struct rootfacts f, g;
    sample_facts(&f);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(psmsg_encode_facts_response(0, NULL, &f, &buf, &len, &err), 0);
    cr_assert_eq(psmsg_decode_facts_response(buf + 4, len - 4, &g, &err), 0,
                 "%s", err.msg);
    for (size_t i = 0; i < ROOTFACTS_N_DMI; i++)
        cr_expect_str_eq(g.dmi[i], f.dmi[i]);
    cr_assert_eq(g.n_owners, 2);
    for (size_t i = 0; i < 2; i++) {
        cr_expect_eq(g.owners[i].inode, f.owners[i].inode);
        cr_expect_eq(g.owners[i].pid, f.owners[i].pid);
        cr_expect_str_eq(g.owners[i].comm, f.owners[i].comm);
    }
    rootfacts_free(&g);
    for (size_t k = 0; k < len - 4; k++) {
        cr_expect_eq(psmsg_decode_facts_response(buf + 4, k, &g, &err),
                     TZ_EPROTO, "truncated at %zu", k);
        cr_expect_null(g.owners);
    }
    rootfacts_free(&f);
    free(buf);
}

Test(privsep_facts_decoder, hostile_counts_and_values_are_rejected)
{
    struct rootfacts f, g;
    sample_facts(&f);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(psmsg_encode_facts_response(0, NULL, &f, &buf, &len, &err), 0);
    uint8_t *b = buf + 4;
    size_t n = len - 4;
    /* magic, status, empty message, 10 DMI strings */
    size_t p = 4 + 4 + 2 + 2 * ROOTFACTS_N_DMI + strlen(f.dmi[2]) +
               strlen(f.dmi[3]);
    uint8_t save[8];
    memcpy(save, b + p, 4);                  /* owner count huge */
    memset(b + p, 0x7F, 4);
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "owner count") != NULL, "%s", err.msg);
    memcpy(b + p, save, 4);
    size_t o0 = p + 4, o1 = o0 + 8 + 4 + 2 + strlen("systemd");
    memcpy(save, b + o1, 8);                 /* second inode = first */
    memcpy(b + o1, b + o0, 8);
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "inode") != NULL, "%s", err.msg);
    memset(b + o1, 0, 8);                    /* inode 0 */
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    memcpy(b + o1, save, 8);
    memcpy(save, b + o1 + 8, 4);             /* pid 0 */
    memset(b + o1 + 8, 0, 4);
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    cr_expect(strstr(err.msg, "pid") != NULL, "%s", err.msg);
    memcpy(b + o1 + 8, save, 4);
    b[o1 + 12 + 2] = 0;                      /* NUL inside comm */
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    b[o1 + 12 + 2] = 's';
    b[o1 + 12 + 1] = 64;                     /* comm length 64 > 63 */
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    b[o1 + 12 + 1] = 4;
    b[4 + 4 + 2 + 2 * 2] = 0x01;             /* serial length 0x0108 > 256 */
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    b[4 + 4 + 2 + 2 * 2] = 0;
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), 0, "%s", err.msg);
    rootfacts_free(&g);
    /* the audit's magic is not a facts answer, nor the other way round */
    b[3] = 0x31;
    b[2] = 0x56;
    cr_expect_eq(psmsg_decode_facts_response(b, n, &g, &err), TZ_EPROTO);
    free(buf);
    /* the encoder refuses an owner list the decoder would */
    f.owners[1].inode = 777;
    cr_expect_eq(psmsg_encode_facts_response(0, NULL, &f, &buf, &len, &err),
                 TZ_ELIMIT);
    rootfacts_free(&f);
}

Test(privsep_facts_decoder, error_answer_carries_status_and_no_data)
{
    uint8_t *buf;
    size_t len;
    struct rootfacts g;
    cr_assert_eq(psmsg_encode_facts_response(TZ_ENOMEM, "out of memory", NULL,
                                             &buf, &len, &err), 0);
    cr_expect_eq(psmsg_decode_facts_response(buf + 4, len - 4, &g, &err),
                 TZ_ENOMEM);
    cr_expect(strstr(err.msg, "out of memory") != NULL, "%s", err.msg);
    free(buf);
    /* an error answer that also carries data is malformed */
    struct rootfacts f;
    sample_facts(&f);
    cr_assert_eq(psmsg_encode_facts_response(0, NULL, &f, &buf, &len, &err), 0);
    buf[4 + 7] = (uint8_t)TZ_ENOMEM;         /* status -3, low byte */
    memset(buf + 4 + 4, 0xFF, 3);
    cr_expect_eq(psmsg_decode_facts_response(buf + 4, len - 4, &g, &err),
                 TZ_EPROTO);
    rootfacts_free(&f);
    free(buf);
}

/* ---- privdrop ---- */

Test(privdrop, drops_to_nobody_for_good)
{
    if (geteuid() != 0) {
        struct tz_error e;
        cr_expect_eq(privdrop(NULL, &e), 0);
        cr_expect(strstr(e.msg, "not running as root") != NULL);
        return;
    }
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct tz_error e;
        if (privdrop(NULL, &e) != 0)
            _exit(10);
        if (geteuid() == 0 || getuid() == 0 || setuid(0) == 0 || setegid(0) == 0)
            _exit(11);
        if (fopen("/etc/shadow", "r") != NULL)
            _exit(12);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    struct tz_error e;
    pid = fork();
    if (pid == 0)
        _exit(privdrop("root", &e) == TZ_EINVAL ? 0 : 1);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "refuses uid 0 target");
}

/* The dictionary path comes from the unprivileged side: a file that side
 * could not read itself is refused, or the root check would be an oracle
 * for its lines. */
Test(accounts, a_dictionary_others_cannot_read_is_not_used, .init = setup,
     .fini = teardown)
{
    write_fixture(NULL, NULL);
    tz_test_write(root, "secret-words", "123456\n");
    char *secret = tz_test_path("%s/secret-words", root);
    cr_assert_eq(chmod(secret, 0600), 0);
    cr_assert_eq(collect_accounts(root, NULL, NULL, secret, &sec, &err), 0, "%s",
                 err.msg);
    expect_pw("bob", TZ__PASSWORD_STATE__PW_OK, "");   /* 123456 not tried */
    expect_pw("alice", TZ__PASSWORD_STATE__PW_WEAK, "matches username");
    int warned = 0;
    for (size_t i = 0; i < sec->n_warnings; i++)
        warned += strstr(sec->warnings[i], "world-readable") != NULL;
    cr_expect_eq(warned, 1);
    free(secret);
}
