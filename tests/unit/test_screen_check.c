/* The pre-launch screening checklist (schemas/screening.ini): each item
 * passes on a clean host or system, fails exactly where it should, and is
 * "not checked" — never "pass" — when there is nothing to judge by. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "screen_check.h"
#include "screen_config.h"
#include "utf8.h"

static struct screen_config cfg;
static const int64_t NOW = 1795600000;   /* 2026-11-25 */

#define PASS TZ__SCREEN_OUTCOME__SCREEN_PASS
#define FAIL TZ__SCREEN_OUTCOME__SCREEN_FAIL
#define NOT_CHECKED TZ__SCREEN_OUTCOME__SCREEN_NOT_CHECKED

static void setup(void)
{
    screen_config_defaults(&cfg);
}

TestSuite(screen, .init = setup);

/* ---- fixtures: a host whose report passes every host item ---- */

struct fx {
    Tz__AgentRecord agent;
    char *ips[1];
    Tz__Report report;
    Tz__AccountsSection acc;
    Tz__Account root, ops;
    Tz__Account *accounts[2];
    char *uid0[2];
    char *rules[1];
    Tz__SshSection ssh;
    Tz__ListenersSection ls;
    Tz__Listener l[3];
    Tz__Listener *lp[3];
    Tz__PatchSection patch;
    Tz__PendingUpdate upd[2];
    Tz__PendingUpdate *up[2];
};

static void fx_init(struct fx *f, uint64_t id, const char *hostname, char *ip)
{
    memset(f, 0, sizeof(*f));
    tz__agent_record__init(&f->agent);
    f->agent.agent_id = id;
    f->agent.hostname = (char *)hostname;
    f->agent.last_seen = f->agent.last_report_at = NOW - 3600;
    f->ips[0] = ip;
    f->agent.ips = f->ips;
    f->agent.n_ips = 1;

    tz__account__init(&f->root);
    f->root.name = "root";
    f->root.login_capable = 1;
    f->root.password = TZ__PASSWORD_STATE__PW_OK;
    tz__account__init(&f->ops);
    f->ops.name = "ops";
    f->ops.uid = 1000;
    f->ops.login_capable = 1;
    f->ops.password = TZ__PASSWORD_STATE__PW_OK;
    f->accounts[0] = &f->root;
    f->accounts[1] = &f->ops;
    f->uid0[0] = "root";
    tz__accounts_section__init(&f->acc);
    f->acc.accounts = f->accounts;
    f->acc.n_accounts = 2;
    f->acc.uid0_accounts = f->uid0;
    f->acc.n_uid0_accounts = 1;
    f->acc.weak_check_ran = 1;

    tz__ssh_section__init(&f->ssh);
    f->ssh.found = 1;
    f->ssh.permit_root_login = "prohibit-password";
    f->ssh.password_authentication = 1;

    const struct { char *proto, *addr; uint32_t port; char *proc; } l[3] = {
        {"tcp", "0.0.0.0", 22, "sshd"},
        {"tcp", "127.0.0.1", 3306, "mysqld"},   /* loopback: not exposed */
        {"tcp6", "::", 443, "nginx"},
    };
    for (int i = 0; i < 3; i++) {
        tz__listener__init(&f->l[i]);
        f->l[i].proto = l[i].proto;
        f->l[i].address = l[i].addr;
        f->l[i].port = l[i].port;
        f->l[i].process = l[i].proc;
        f->l[i].exposed = strncmp(l[i].addr, "127.", 4) != 0;
        f->lp[i] = &f->l[i];
    }
    tz__listeners_section__init(&f->ls);
    f->ls.listeners = f->lp;
    f->ls.n_listeners = 3;

    tz__patch_section__init(&f->patch);
    f->patch.lists_found = 1;
    f->patch.lists_updated_at = NOW - 86400;
    f->patch.running_kernel = "6.1.0-28-amd64";
    f->patch.newest_kernel = "6.1.0-28-amd64";
    for (int i = 0; i < 2; i++) {
        tz__pending_update__init(&f->upd[i]);
        f->up[i] = &f->upd[i];
    }
    f->upd[0].name = "openssl";
    f->upd[1].name = "libc6";

    tz__report__init(&f->report);
    f->report.accounts = &f->acc;
    f->report.ssh = &f->ssh;
    f->report.listeners = &f->ls;
    f->report.patch = &f->patch;
    f->report.collected_at = NOW - 3600;
}

/* Two security updates pending. */
static void fx_pending(struct fx *f)
{
    f->upd[0].security = f->upd[1].security = 1;
    f->patch.updates = f->up;
    f->patch.n_updates = 2;
    f->patch.security_updates = 2;
}

static Tz__SystemRecord good_system(void)
{
    Tz__SystemRecord s = TZ__SYSTEM_RECORD__INIT;
    s.system_id = 3;
    s.name = "教务系统";
    s.dept = "教务处";
    s.owner = "张三";
    s.admin = "李四";
    s.contact = "0834-1234567";
    s.school_filing = "XC-2026-001";
    s.mlps_grade = 2;
    s.status = "planned";
    s.public_facing = 1;
    s.icp_filing = "蜀ICP备12345678号";
    s.psb_filing = "川公网安备51340102000001号";
    return s;
}

/* ---- running a screening ---- */

static Tz__ScreeningResult *screen(const Tz__SystemRecord *s, struct fx **hosts,
                                   size_t n, const struct scan_result *scan, int fresh,
                                   const int *answered)
{
    struct screen_host h[8];
    cr_assert(n <= 8);
    for (size_t i = 0; i < n; i++) {
        h[i].agent = &hosts[i]->agent;
        h[i].report = &hosts[i]->report;
        h[i].answered = answered ? answered[i] : 1;
    }
    struct screen_input in = {s, h, n, scan, fresh, NOW};
    Tz__ScreeningResult *r = NULL;
    struct tz_error err = {0};
    cr_assert_eq(screen_check(&cfg, &in, &r, &err), 0, "%s", err.msg);
    cr_assert_not_null(r);
    return r;
}

static Tz__ScreeningResult *screen1(struct fx *f)
{
    Tz__SystemRecord s = good_system();
    return screen(&s, &f, 1, NULL, 0, NULL);
}

static const Tz__ScreeningItem *item(const Tz__ScreeningResult *r, const char *id,
                                     uint64_t subject)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (strcmp(r->items[i]->id, id) == 0 && r->items[i]->subject_id == subject)
            return r->items[i];
    cr_assert_fail("no item %s for subject %llu", id, (unsigned long long)subject);
    return NULL;
}

static Tz__ScreenOutcome outcome(const Tz__ScreeningResult *r, const char *id,
                                 uint64_t subject)
{
    return item(r, id, subject)->outcome;
}

static void assert_evidence_has(const Tz__ScreeningResult *r, const char *id,
                                uint64_t subject, const char *needle)
{
    const char *e = item(r, id, subject)->evidence;
    cr_assert(strstr(e, needle) != NULL, "%s evidence \"%s\" lacks \"%s\"", id, e, needle);
}

static void done(Tz__ScreeningResult *r)
{
    tz__screening_result__free_unpacked(r, NULL);
}

static const char *const host_items[] = {"weak_password", "uid0_duplicate",
                                         "sudo_nopasswd", "root_ssh_login",
                                         "exposed_ports", "patches", "reboot_required"};

/* ---- the clean case and the shape of the result ---- */

Test(screen, a_clean_system_passes_every_item_and_the_scan_is_not_checked)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(r->n_items, 12);
    for (size_t i = 0; i < r->n_items; i++) {
        const Tz__ScreeningItem *x = r->items[i];
        if (strncmp(x->id, "scan_", 5) == 0) {
            cr_assert_eq(x->outcome, NOT_CHECKED, "%s", x->id);
            cr_assert(strstr(x->evidence, "no scan was asked for") != NULL);
        } else {
            cr_assert_eq(x->outcome, PASS, "%s: %s", x->id, x->evidence);
        }
    }
    cr_assert(r->passed);
    cr_assert_eq(r->blocking_failed, 0);
    cr_assert_eq(r->advisory_failed, 0);
    cr_assert_eq(r->not_checked, 2);
    assert_evidence_has(r, "ledger_fields", 3, "联系方式 (contact)");
    assert_evidence_has(r, "no_hosts", 3, "1 host bound: web01");
    done(r);
}

Test(screen, items_come_in_checklist_order_then_by_subject_id)
{
    struct fx a, b;
    fx_init(&a, 9, "db01", "10.0.0.9");
    fx_init(&b, 4, "web01", "10.0.0.4");
    struct fx *hosts[] = {&a, &b};
    Tz__SystemRecord s = good_system();
    Tz__ScreeningResult *r = screen(&s, hosts, 2, NULL, 0, NULL);
    const char *want[] = {"no_hosts", "host_silent", "ledger_fields"};
    cr_assert_eq(r->n_items, 3 + 2 * 7 + 2);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(r->items[i]->id, want[i]);
        cr_assert_str_eq(r->items[i]->subject_kind, "system");
        cr_assert_eq(r->items[i]->subject_id, 3);
        cr_assert_str_eq(r->items[i]->subject_name, "教务系统");
    }
    for (size_t k = 0; k < 7; k++) {
        const Tz__ScreeningItem *x = r->items[3 + 2 * k], *y = r->items[4 + 2 * k];
        cr_assert_str_eq(x->id, host_items[k]);
        cr_assert_str_eq(y->id, host_items[k]);
        cr_assert_str_eq(x->subject_kind, "host");
        cr_assert_eq(x->subject_id, 4);
        cr_assert_str_eq(x->subject_name, "web01");
        cr_assert_eq(y->subject_id, 9);
    }
    cr_assert_str_eq(r->items[17]->id, "scan_unexplained_port");
    cr_assert_str_eq(r->items[18]->id, "scan_high_risk_port");
    done(r);
}

Test(screen, items_carry_the_checklist_words_and_level)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.root.password = TZ__PASSWORD_STATE__PW_WEAK;
    Tz__ScreeningResult *r = screen1(&f);
    const Tz__ScreeningItem *x = item(r, "weak_password", 7);
    cr_assert_str_eq(x->label_zh, "弱口令");
    cr_assert_str_eq(x->cites, "第七条(八)");
    cr_assert_str_eq(x->remedy_zh, "修改为强口令或锁定该账户，杜绝弱口令和空口令。");
    cr_assert(x->blocking);
    cr_assert_not(item(r, "sudo_nopasswd", 7)->blocking);
    done(r);
}

Test(screen, the_result_survives_pack_and_unpack)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    Tz__ScreeningResult *r = screen1(&f);
    size_t len = tz__screening_result__get_packed_size(r);
    uint8_t *buf = malloc(len);
    cr_assert_not_null(buf);
    tz__screening_result__pack(r, buf);
    Tz__ScreeningResult *back = tz__screening_result__unpack(NULL, len, buf);
    cr_assert_not_null(back);
    cr_assert_eq(back->n_items, r->n_items);
    cr_assert_str_eq(back->items[5]->evidence, r->items[5]->evidence);
    cr_assert_str_eq(back->checker_version, r->checker_version);
    done(back);
    free(buf);
    done(r);
}

/* ---- host items ---- */

Test(screen, weak_password_fails_with_each_account_and_passes_when_fixed)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.root.password = TZ__PASSWORD_STATE__PW_WEAK;
    f.root.weak_reason = "dictionary";
    f.ops.password = TZ__PASSWORD_STATE__PW_EMPTY;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), FAIL);
    cr_assert_str_eq(item(r, "weak_password", 7)->evidence,
                     "root: weak (dictionary); ops: empty");
    cr_assert_not(r->passed);
    cr_assert_eq(r->blocking_failed, 1);
    done(r);

    f.root.password = TZ__PASSWORD_STATE__PW_OK;
    f.ops.password = TZ__PASSWORD_STATE__PW_LOCKED;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), PASS);
    cr_assert(r->passed);
    done(r);
}

Test(screen, an_empty_password_on_an_account_that_cannot_log_in_passes)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.ops.password = TZ__PASSWORD_STATE__PW_EMPTY;
    f.ops.login_capable = 0;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), PASS);
    done(r);
}

Test(screen, weak_password_and_sudo_are_not_checked_when_the_audit_did_not_run)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.acc.weak_check_ran = 0;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), NOT_CHECKED);
    cr_assert_eq(outcome(r, "sudo_nopasswd", 7), NOT_CHECKED);
    assert_evidence_has(r, "weak_password", 7, "/etc/shadow");
    cr_assert_eq(outcome(r, "uid0_duplicate", 7), PASS);   /* from passwd */
    done(r);
    /* The audit failed on the host: its reason is the evidence. */
    f.acc.weak_check_failed = 1;
    f.acc.weak_check_error = "privileged check failed: the privileged helper "
                             "was killed by signal 31 (Bad system call)";
    r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), NOT_CHECKED);
    assert_evidence_has(r, "weak_password", 7, "audit failed on the host");
    assert_evidence_has(r, "sudo_nopasswd", 7, "signal 31");
    done(r);
    /* What was found without the audit still fails. */
    f.ops.password = TZ__PASSWORD_STATE__PW_EMPTY;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "weak_password", 7), FAIL);
    done(r);
}

Test(screen, evidence_never_quotes_a_password_hash)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.root.password = TZ__PASSWORD_STATE__PW_WEAK;
    /* A report that carried a hash where the reason belongs. */
    f.root.weak_reason = "$6$saltsalt$Qw3rtyHashHashHashHash";
    Tz__SectionHash sh = TZ__SECTION_HASH__INIT;
    uint8_t digest[32] = {0xde, 0xad, 0xbe, 0xef};
    sh.hash.data = digest;
    sh.hash.len = sizeof(digest);
    Tz__SectionHash *shp = &sh;
    f.report.hashes = &shp;
    f.report.n_hashes = 1;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_str_eq(item(r, "weak_password", 7)->evidence, "root: weak");
    for (size_t i = 0; i < r->n_items; i++) {
        cr_assert_null(strstr(r->items[i]->evidence, "$6$"), "%s", r->items[i]->id);
        cr_assert_null(strstr(r->items[i]->evidence, "Hash"), "%s", r->items[i]->id);
        cr_assert_null(strstr(r->items[i]->evidence, "deadbeef"), "%s", r->items[i]->id);
    }
    done(r);
}

Test(screen, uid0_duplicate_fails_on_a_second_uid0_and_names_both)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.uid0[1] = "toor";
    f.acc.n_uid0_accounts = 2;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "uid0_duplicate", 7), FAIL);
    cr_assert_str_eq(item(r, "uid0_duplicate", 7)->evidence, "uid 0: root, toor");
    done(r);
    f.acc.n_uid0_accounts = 1;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "uid0_duplicate", 7), PASS);
    done(r);
}

Test(screen, sudo_nopasswd_fails_as_advisory_and_does_not_fail_the_screening)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.rules[0] = "ops ALL=(ALL) NOPASSWD: ALL";
    f.ops.nopasswd_rules = f.rules;
    f.ops.n_nopasswd_rules = 1;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "sudo_nopasswd", 7), FAIL);
    cr_assert_str_eq(item(r, "sudo_nopasswd", 7)->evidence,
                     "ops: ops ALL=(ALL) NOPASSWD: ALL");
    cr_assert_eq(r->advisory_failed, 1);
    cr_assert_eq(r->blocking_failed, 0);
    cr_assert(r->passed);
    done(r);
}

Test(screen, the_level_comes_from_the_checklist)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.rules[0] = "ops ALL=(ALL) NOPASSWD: ALL";
    f.ops.nopasswd_rules = f.rules;
    f.ops.n_nopasswd_rules = 1;
    cfg.item[SCREEN_SUDO_NOPASSWD].blocking = 1;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert(item(r, "sudo_nopasswd", 7)->blocking);
    cr_assert_eq(r->blocking_failed, 1);
    cr_assert_not(r->passed);
    done(r);
}

Test(screen, root_ssh_login_fails_on_yes_or_a_password_login_and_passes_otherwise)
{
    const struct { const char *prl; int pwauth; int found; Tz__ScreenOutcome want; } c[] = {
        {"yes", 0, 1, FAIL},
        {"yes", 1, 1, FAIL},
        {"YES", 1, 1, FAIL},
        {"", 1, 1, FAIL},                     /* unknown value with passwords on */
        {"", 0, 1, PASS},
        {"no", 1, 1, PASS},
        {"prohibit-password", 1, 1, PASS},
        {"without-password", 1, 1, PASS},
        {"forced-commands-only", 1, 1, PASS},
        {"yes", 1, 0, PASS},                  /* no sshd_config at all */
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct fx f;
        fx_init(&f, 7, "web01", "10.0.0.5");
        f.ssh.permit_root_login = (char *)c[i].prl;
        f.ssh.password_authentication = c[i].pwauth;
        f.ssh.found = c[i].found;
        Tz__ScreeningResult *r = screen1(&f);
        cr_assert_eq(outcome(r, "root_ssh_login", 7), c[i].want,
                     "PermitRootLogin \"%s\", PasswordAuthentication %d, found %d: %s",
                     c[i].prl, c[i].pwauth, c[i].found,
                     item(r, "root_ssh_login", 7)->evidence);
        done(r);
    }
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.ssh.permit_root_login = "yes";
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_str_eq(item(r, "root_ssh_login", 7)->evidence,
                     "PermitRootLogin yes, PasswordAuthentication yes");
    done(r);
}

Test(screen, exposed_ports_lists_non_loopback_high_risk_listeners)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.l[1].address = "0.0.0.0";          /* mysqld off loopback */
    f.l[1].exposed = 1;
    f.l[2].port = 6379;                  /* redis on [::] */
    f.l[2].process = "redis-server";
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "exposed_ports", 7), FAIL);
    cr_assert_str_eq(item(r, "exposed_ports", 7)->evidence,
                     "0.0.0.0:3306 mysqld, [::]:6379 redis-server");
    done(r);

    fx_init(&f, 7, "web01", "10.0.0.5");   /* mysqld on 127.0.0.1 */
    r = screen1(&f);
    cr_assert_eq(outcome(r, "exposed_ports", 7), PASS);
    done(r);

    cfg.high_risk[0] = 22;                 /* the list comes from [ports] */
    cfg.n_high_risk = 1;
    r = screen1(&f);
    cr_assert_str_eq(item(r, "exposed_ports", 7)->evidence, "0.0.0.0:22 sshd");
    done(r);
}

Test(screen, patches_fail_over_the_threshold_and_are_not_checked_without_apt_lists)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    fx_pending(&f);
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "patches", 7), FAIL);
    assert_evidence_has(r, "patches", 7, "2 security updates pending (limit 0): openssl, libc6");
    done(r);

    cfg.max_security_pending = 2;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "patches", 7), PASS);
    done(r);

    f.patch.lists_found = 0;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "patches", 7), NOT_CHECKED);
    assert_evidence_has(r, "patches", 7, "no apt package lists");
    done(r);
}

Test(screen, reboot_required_fails_as_advisory)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.patch.kernel_outdated = 1;
    f.patch.newest_kernel = "6.1.0-31-amd64";
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "reboot_required", 7), FAIL);
    cr_assert_str_eq(item(r, "reboot_required", 7)->evidence,
                     "running kernel 6.1.0-28-amd64 is older than installed 6.1.0-31-amd64");
    cr_assert(r->passed);
    cr_assert_eq(r->advisory_failed, 1);
    done(r);
}

Test(screen, a_missing_section_is_not_checked)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.report.accounts = NULL;
    f.report.ssh = NULL;
    f.report.listeners = NULL;
    f.report.patch = NULL;
    Tz__ScreeningResult *r = screen1(&f);
    for (size_t k = 0; k < 7; k++)
        cr_assert_eq(outcome(r, host_items[k], 7), NOT_CHECKED, "%s", host_items[k]);
    assert_evidence_has(r, "root_ssh_login", 7, "no ssh section");
    done(r);
}

/* ---- hosts that cannot be judged ---- */

Test(screen, a_host_that_did_not_answer_a_fresh_collection_is_not_checked_and_fails_host_silent)
{
    struct fx a, b;
    fx_init(&a, 4, "web01", "10.0.0.4");
    fx_init(&b, 9, "db01", "10.0.0.9");
    b.root.password = TZ__PASSWORD_STATE__PW_WEAK;   /* old data: must not be judged */
    struct fx *hosts[] = {&a, &b};
    int answered[] = {1, 0};
    Tz__SystemRecord s = good_system();
    Tz__ScreeningResult *r = screen(&s, hosts, 2, NULL, 1, answered);
    for (size_t k = 0; k < 7; k++) {
        cr_assert_eq(outcome(r, host_items[k], 4), PASS, "%s", host_items[k]);
        cr_assert_eq(outcome(r, host_items[k], 9), NOT_CHECKED, "%s", host_items[k]);
        assert_evidence_has(r, host_items[k], 9, "did not answer the fresh collection");
    }
    cr_assert_eq(outcome(r, "host_silent", 3), FAIL);
    cr_assert_str_eq(item(r, "host_silent", 3)->evidence,
                     "db01 (agent 9): did not answer the fresh collection");
    cr_assert_not(r->passed);
    cr_assert_eq(r->blocking_failed, 1);
    cr_assert_eq(r->not_checked, 7 + 2);
    done(r);

    answered[1] = 1;
    b.root.password = TZ__PASSWORD_STATE__PW_OK;
    r = screen(&s, hosts, 2, NULL, 1, answered);
    cr_assert_eq(outcome(r, "host_silent", 3), PASS);
    assert_evidence_has(r, "host_silent", 3, "all 2 hosts answered the fresh collection");
    done(r);
}

Test(screen, without_fresh_a_report_older_than_the_threshold_is_not_judged)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.agent.last_report_at = NOW - 49 * 3600;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "host_silent", 3), FAIL);
    cr_assert_str_eq(item(r, "host_silent", 3)->evidence,
                     "web01 (agent 7): last report 49 h ago (limit 48 h)");
    cr_assert_eq(outcome(r, "weak_password", 7), NOT_CHECKED);
    done(r);

    f.agent.last_report_at = NOW - 47 * 3600;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "host_silent", 3), PASS);
    cr_assert_eq(outcome(r, "weak_password", 7), PASS);
    done(r);

    cfg.max_report_age_hours = 24;   /* [host_silent] max_report_age_hours */
    r = screen1(&f);
    cr_assert_eq(outcome(r, "host_silent", 3), FAIL);
    done(r);
}

Test(screen, a_host_that_never_reported_is_not_checked)
{
    Tz__AgentRecord a = TZ__AGENT_RECORD__INIT;
    a.agent_id = 5;
    a.hostname = "new01";
    struct screen_host h = {&a, NULL, 1};
    Tz__SystemRecord s = good_system();
    struct screen_input in = {&s, &h, 1, NULL, 0, NOW};
    Tz__ScreeningResult *r = NULL;
    cr_assert_eq(screen_check(&cfg, &in, &r, NULL), 0);
    cr_assert_eq(outcome(r, "patches", 5), NOT_CHECKED);
    assert_evidence_has(r, "patches", 5, "never reported");
    cr_assert_str_eq(item(r, "host_silent", 3)->evidence, "new01 (agent 5): never reported");
    cr_assert_not(r->passed);
    done(r);
}

Test(screen, a_system_without_hosts_fails_no_hosts)
{
    Tz__SystemRecord s = good_system();
    Tz__ScreeningResult *r = screen(&s, NULL, 0, NULL, 0, NULL);
    cr_assert_eq(r->n_items, 5);
    cr_assert_eq(outcome(r, "no_hosts", 3), FAIL);
    cr_assert_str_eq(item(r, "no_hosts", 3)->evidence, "no host is bound to system 3 (教务系统)");
    cr_assert_eq(outcome(r, "host_silent", 3), NOT_CHECKED);
    cr_assert_not(r->passed);
    done(r);
}

/* ---- the ledger record ---- */

Test(screen, ledger_fields_names_each_missing_field)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    Tz__SystemRecord s = good_system();
    s.contact = "";
    s.mlps_grade = 0;
    struct fx *hosts[] = {&f};
    Tz__ScreeningResult *r = screen(&s, hosts, 1, NULL, 0, NULL);
    cr_assert_eq(outcome(r, "ledger_fields", 3), FAIL);
    cr_assert_str_eq(item(r, "ledger_fields", 3)->evidence,
                     "missing 联系方式 (contact), 等保等级 (mlps_grade) (public-facing)");
    cr_assert_not(r->passed);
    done(r);
}

Test(screen, icp_and_public_security_filing_are_required_only_when_public_facing)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    struct fx *hosts[] = {&f};
    Tz__SystemRecord s = good_system();
    s.icp_filing = "";
    s.psb_filing = "";
    Tz__ScreeningResult *r = screen(&s, hosts, 1, NULL, 0, NULL);
    cr_assert_eq(outcome(r, "ledger_fields", 3), FAIL);
    cr_assert_str_eq(item(r, "ledger_fields", 3)->evidence,
                     "missing ICP备案号 (icp_filing), 公安备案号 (psb_filing) (public-facing)");
    done(r);

    s.public_facing = 0;
    r = screen(&s, hosts, 1, NULL, 0, NULL);
    cr_assert_eq(outcome(r, "ledger_fields", 3), PASS);
    assert_evidence_has(r, "ledger_fields", 3, "not public-facing");
    cr_assert(r->passed);
    done(r);
}

/* ---- the outside view ---- */

static struct scan_result scan_of(struct scan_port *open, size_t n)
{
    static char *addrs[] = {"10.0.0.5", "127.0.0.2"};
    struct scan_result s;
    memset(&s, 0, sizeof(s));
    s.ran = 1;
    s.addrs = addrs;
    s.n_addrs = 2;
    s.open = open;
    s.n_open = n;
    return s;
}

Test(screen, scan_items_are_not_checked_when_the_scan_did_not_run)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    struct fx *hosts[] = {&f};
    Tz__SystemRecord s = good_system();
    struct scan_result scan = scan_of(NULL, 0);
    scan.ran = 0;
    snprintf(scan.why_not, sizeof(scan.why_not), "nmap is not installed");
    Tz__ScreeningResult *r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_unexplained_port", 3), NOT_CHECKED);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), NOT_CHECKED);
    cr_assert_str_eq(item(r, "scan_high_risk_port", 3)->evidence,
                     "the scan did not run: nmap is not installed");
    done(r);
}

Test(screen, a_port_open_from_outside_that_no_listener_explains_fails_as_advisory)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    struct fx *hosts[] = {&f};
    Tz__SystemRecord s = good_system();
    struct scan_port open[] = {
        {"10.0.0.5", 22, "ssh"},          /* sshd on 0.0.0.0 of the host owning it */
        {"10.0.0.5", 443, "https"},       /* nginx on :: takes IPv4 too */
        {"127.0.0.2", 8081, "blackice-icecap"},
    };
    struct scan_result scan = scan_of(open, 3);
    Tz__ScreeningResult *r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_unexplained_port", 3), FAIL);
    cr_assert_str_eq(item(r, "scan_unexplained_port", 3)->evidence,
                     "open from the collector host, no agent reports a listener: "
                     "127.0.0.2:8081 (blackice-icecap)");
    cr_assert_not(item(r, "scan_unexplained_port", 3)->blocking);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), PASS);
    cr_assert(r->passed);
    cr_assert_eq(r->advisory_failed, 1);
    done(r);

    /* A listener on exactly that address explains it. */
    f.l[1].address = "127.0.0.2";
    f.l[1].port = 8081;
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_unexplained_port", 3), PASS,
                 "%s", item(r, "scan_unexplained_port", 3)->evidence);
    done(r);
}

Test(screen, a_wildcard_listener_explains_only_addresses_its_host_may_answer_on)
{
    struct fx a, b;
    fx_init(&a, 4, "web01", "10.0.0.4");
    fx_init(&b, 9, "db01", "10.0.0.9");
    a.l[2].port = 8080;                 /* only web01 listens on 8080 (on ::) */
    b.ls.n_listeners = 1;               /* db01: sshd only */
    struct fx *hosts[] = {&a, &b};
    Tz__SystemRecord s = good_system();
    struct scan_port open[] = {
        {"10.0.0.4", 8080, "http-proxy"},   /* web01's own address: explained */
        {"10.0.0.9", 8080, "http-proxy"},   /* db01's: web01 cannot answer there */
        {"10.0.0.200", 8080, "http-proxy"}, /* no host owns it (NAT): explained */
        {"::ffff:10.0.0.9", 22, "ssh"},     /* mapped IPv4: db01's sshd */
    };
    struct scan_result scan = scan_of(open, 4);
    Tz__ScreeningResult *r = screen(&s, hosts, 2, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_unexplained_port", 3), FAIL);
    cr_assert_str_eq(item(r, "scan_unexplained_port", 3)->evidence,
                     "open from the collector host, no agent reports a listener: "
                     "10.0.0.9:8080 (http-proxy)");
    done(r);
}

Test(screen, a_high_risk_port_reachable_from_outside_fails_even_when_explained)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.l[1].address = "0.0.0.0";
    f.l[1].exposed = 1;
    struct fx *hosts[] = {&f};
    Tz__SystemRecord s = good_system();
    struct scan_port open[] = {{"10.0.0.5", 22, "ssh"}, {"10.0.0.5", 3306, "mysql"}};
    struct scan_result scan = scan_of(open, 2);
    Tz__ScreeningResult *r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_unexplained_port", 3), PASS);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), FAIL);
    cr_assert_str_eq(item(r, "scan_high_risk_port", 3)->evidence,
                     "reachable from the collector host: 10.0.0.5:3306 (mysql)");
    cr_assert_eq(r->blocking_failed, 2);   /* with exposed_ports */
    cr_assert_not(r->passed);
    done(r);

    open[1].port = 8443;
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), PASS);
    assert_evidence_has(r, "scan_high_risk_port", 3,
                        "2 open ports on 2 addresses, none of them a high-risk port");
    done(r);
}

/* ---- counts, bounds, errors ---- */

Test(screen, counts_add_up_over_a_mixed_screening)
{
    struct fx a, b;
    fx_init(&a, 4, "web01", "10.0.0.4");
    fx_init(&b, 9, "db01", "10.0.0.9");
    fx_pending(&a);                                  /* blocking */
    a.patch.reboot_required = 1;                     /* advisory */
    b.agent.last_report_at = NOW - 100 * 3600;       /* 7 not checked + host_silent */
    struct fx *hosts[] = {&a, &b};
    Tz__SystemRecord s = good_system();
    Tz__ScreeningResult *r = screen(&s, hosts, 2, NULL, 0, NULL);
    cr_assert_eq(r->blocking_failed, 2);
    cr_assert_eq(r->advisory_failed, 1);
    cr_assert_eq(r->not_checked, 7 + 2);
    cr_assert_not(r->passed);
    size_t pass = 0;
    for (size_t i = 0; i < r->n_items; i++)
        pass += r->items[i]->outcome == PASS;
    cr_assert_eq(pass + 2 + 1 + 9, r->n_items);
    done(r);
}

Test(screen, evidence_is_bounded_clean_utf8_and_says_how_much_it_left_out)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    enum { N = 300 };
    static Tz__Account acc[N];
    static Tz__Account *accp[N];
    static char names[N][80];
    for (int i = 0; i < N; i++) {
        tz__account__init(&acc[i]);
        /* Long names with a newline and a bidi control in them. */
        snprintf(names[i], sizeof(names[i]), "用户%03d\n\u202eaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i);
        acc[i].name = names[i];
        acc[i].login_capable = 1;
        acc[i].password = TZ__PASSWORD_STATE__PW_EMPTY;
        accp[i] = &acc[i];
    }
    f.acc.accounts = accp;
    f.acc.n_accounts = N;
    Tz__ScreeningResult *r = screen1(&f);
    const char *e = item(r, "weak_password", 7)->evidence;
    cr_assert_leq(strlen(e), 512);
    cr_assert(tz_utf8_valid(e));
    cr_assert_null(strchr(e, '\n'));
    cr_assert_null(strstr(e, "\u202e"));
    cr_assert(strstr(e, "用户000??aaa") != NULL, "%s", e);
    cr_assert(strstr(e, " more)") != NULL, "%s", e);
    done(r);
}

Test(screen, checker_version_names_the_version_and_the_checklist)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    Tz__ScreeningResult *r = screen1(&f);
    const char *v = r->checker_version;
    size_t vl = strlen(TZ_VERSION "+checklist.");
    cr_assert_eq(strncmp(v, TZ_VERSION "+checklist.", vl), 0, "%s", v);
    cr_assert_eq(strlen(v), vl + 16);
    cr_assert_eq(strspn(v + vl, "0123456789abcdef"), 16);
    char before[SCREEN_VERSION_MAX];
    snprintf(before, sizeof(before), "%s", v);
    done(r);

    cfg.item[SCREEN_REBOOT_REQUIRED].blocking = 1;
    r = screen1(&f);
    cr_assert_str_neq(r->checker_version, before);
    done(r);
    screen_config_defaults(&cfg);
    r = screen1(&f);
    cr_assert_str_eq(r->checker_version, before);
    done(r);
}

Test(screen, bad_input_is_refused)
{
    struct fx a, b;
    fx_init(&a, 4, "web01", "10.0.0.4");
    fx_init(&b, 4, "web02", "10.0.0.5");
    struct screen_host h[] = {{&a.agent, &a.report, 1}, {&b.agent, &b.report, 1}};
    Tz__SystemRecord s = good_system();
    struct screen_input in = {&s, h, 2, NULL, 0, NOW};
    Tz__ScreeningResult *r = (Tz__ScreeningResult *)1;
    struct tz_error err = {0};
    cr_assert_eq(screen_check(&cfg, &in, &r, &err), TZ_EINVAL);
    cr_assert_null(r);
    cr_assert(strstr(err.msg, "agent 4 is listed twice") != NULL, "%s", err.msg);
    in.system = NULL;
    cr_assert_eq(screen_check(&cfg, &in, &r, &err), TZ_EINVAL);
    in.system = &s;
    in.n_hosts = SCREEN_MAX_HOSTS + 1;
    cr_assert_eq(screen_check(&cfg, &in, &r, &err), TZ_ELIMIT);
}

/* ---- the checklist file ---- */

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/tz-screening-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void assert_parse_error(const char *text, long line, const char *needle)
{
    char *path = write_tmp(text);
    struct screen_config c;
    screen_config_defaults(&c);
    struct tz_error err = {0};
    cr_assert_eq(screen_config_load(&c, path, &err), TZ_EPARSE, "%s", text);
    cr_assert_eq(err.line, line, "%s: line %ld, want %ld (%s)", text, err.line, line,
                 err.msg);
    cr_assert_str_eq(err.file, path);
    cr_assert(strstr(err.msg, needle) != NULL, "\"%s\" lacks \"%s\"", err.msg, needle);
    unlink(path);
}

Test(screen, schemas_screening_ini_matches_the_builtin_defaults)
{
    struct screen_config file, builtin;
    screen_config_defaults(&builtin);
    /* Start from nothing, so that every value must come from the file. */
    memset(&file, 0, sizeof(file));
    for (int i = 0; i < SCREEN__COUNT; i++)
        file.item[i].blocking = -1;
    file.max_report_age_hours = file.max_security_pending = -1;
    struct tz_error err = {0};
    cr_assert_eq(screen_config_load(&file, TZ_SOURCE_DIR "/schemas/screening.ini", &err), 0,
                 "%s:%ld: %s", err.file, err.line, err.msg);
    for (int i = 0; i < SCREEN__COUNT; i++) {
        const struct screen_item_def *a = &file.item[i], *b = &builtin.item[i];
        const char *n = screen_item_name(i);
        cr_assert_eq(a->blocking, b->blocking, "[%s] level", n);
        cr_assert_str_eq(a->label_zh, b->label_zh, "[%s] label_zh", n);
        cr_assert_str_eq(a->label_en, b->label_en, "[%s] label_en", n);
        cr_assert_str_eq(a->cites, b->cites, "[%s] cites", n);
        cr_assert_str_eq(a->remedy_zh, b->remedy_zh, "[%s] remedy_zh", n);
        cr_assert_str_eq(a->remedy_en, b->remedy_en, "[%s] remedy_en", n);
    }
    cr_assert_eq(memcmp(&file, &builtin, sizeof(file)), 0,
                 "schemas/screening.ini and screen_config_defaults() disagree");
}

Test(screen, the_high_risk_ports_default_to_those_of_the_rules)
{
    struct rules_config rc;
    rules_config_defaults(&rc);
    cr_assert_eq(cfg.n_high_risk, rc.n_high_risk);
    cr_assert_eq(memcmp(cfg.high_risk, rc.high_risk, sizeof(cfg.high_risk)), 0);
}

Test(screen, a_checklist_file_overrides_levels_words_and_thresholds)
{
    char *path = write_tmp("[sudo_nopasswd]\nlevel = blocking\n"
                           "[patches]\nmax_security_pending = 3\n"
                           "[host_silent]\nmax_report_age_hours = 24\n"
                           "[ports]\nhigh_risk = 3306, 5432\n"
                           "[ledger_fields]\nrequired = 负责人, admin\n"
                           "remedy_en = Ask the network center.  ; a comment\n");
    struct tz_error err = {0};
    cr_assert_eq(screen_config_load(&cfg, path, &err), 0, "%s:%ld: %s", err.file, err.line,
                 err.msg);
    cr_assert_eq(cfg.item[SCREEN_SUDO_NOPASSWD].blocking, 1);
    cr_assert_eq(cfg.max_security_pending, 3);
    cr_assert_eq(cfg.max_report_age_hours, 24);
    cr_assert_eq(cfg.n_high_risk, 2);
    cr_assert_eq(cfg.high_risk[1], 5432);
    cr_assert_eq(cfg.n_required, 2);
    cr_assert_eq(cfg.required[0], LF_OWNER);
    cr_assert_str_eq(cfg.item[SCREEN_LEDGER_FIELDS].remedy_en, "Ask the network center.");
    cr_assert_eq(cfg.n_required_public, 2);   /* untouched: still the default */
    unlink(path);
}

Test(screen, a_typo_in_the_checklist_is_a_parse_error_with_its_line)
{
    assert_parse_error("[weak_password]\nlevel = blocking\n[weak_pasword]\nlevel = advisory\n",
                       4, "unknown checklist item [weak_pasword]");
    assert_parse_error("[weak_password]\nlevel = blockng\n", 2, "blocking or advisory");
    assert_parse_error("[weak_password]\nlable_zh = 弱口令\n", 2, "unknown option \"lable_zh\"");
    assert_parse_error("[patches]\nmax_security_pending = -1\n", 2, "0..100000");
    assert_parse_error("[host_silent]\nmax_report_age_hours = 48h\n", 2, "1..8760");
    assert_parse_error("[weak_password]\nmax_report_age_hours = 48\n", 2,
                       "unknown option \"max_report_age_hours\"");
    assert_parse_error("[ports]\nhigh_risk = 3306, 70000\n", 2, "1..65535");
    assert_parse_error("[ledger_fields]\nrequired = owner, contakt\n", 2,
                       "unknown ledger field \"contakt\"");
    assert_parse_error("[ledger_fields]\nrequired = public_facing\n", 2, "never missing");
    assert_parse_error("[weak_password]\ncites = 第七条(八)\ncites = 第六条(五)\n", 3,
                       "set twice");
    assert_parse_error("[weak_password]\nremedy_en = one\n  two\n", 3, "set twice");
    assert_parse_error("[weak_password]\nlabel_en =\n", 2, "non-empty");
    assert_parse_error("level = blocking\n", 1, "before any [section]");
    assert_parse_error("[weak_password]\nthis line has no equals sign\n", 2,
                       "expected [section] or option = value");
    char longline[400];
    snprintf(longline, sizeof(longline), "[weak_password]\nremedy_en = %0300d\nlevel = x\n", 0);
    assert_parse_error(longline, 2, "line longer than");
}

Test(screen, a_missing_checklist_file_is_enoent)
{
    struct tz_error err = {0};
    cr_assert_eq(screen_config_load(&cfg, "/nonexistent/screening.ini", &err), TZ_ENOENT);
}
