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

/* The Chinese evidence of an item: the same facts as its English. */
static const char *zh(const Tz__ScreeningResult *r, const char *id, uint64_t subject)
{
    return item(r, id, subject)->evidence_zh;
}

/* Item (id, subject)'s evidence in English and in Chinese. */
static void evidence_is(const Tz__ScreeningResult *r, const char *id, uint64_t subject,
                        const char *en, const char *zh_text)
{
    cr_assert_str_eq(item(r, id, subject)->evidence, en, "%s", id);
    cr_assert_str_eq(zh(r, id, subject), zh_text, "%s", id);
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

Test(screen, a_clean_system_has_every_evidence_in_english_and_chinese)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    Tz__ScreeningResult *r = screen1(&f);
    static const struct { const char *id; uint64_t subject; const char *en, *zh; } want[] = {
        {"no_hosts", 3, "1 host bound: web01", "已绑定 1 台主机：web01"},
        {"host_silent", 3, "all 1 hosts reported within 48 h",
         "全部 1 台主机均在 48 小时内上报过"},
        {"ledger_fields", 3,
         "filled: 负责人 (owner), 管理员 (admin), 联系方式 (contact), 等保等级 "
         "(mlps_grade), 校内备案 (school_filing), ICP备案号 (icp_filing), 公安备案号 "
         "(psb_filing) (public-facing)",
         "已填写：负责人 (owner)、管理员 (admin)、联系方式 (contact)、等保等级 "
         "(mlps_grade)、校内备案 (school_filing)、ICP备案号 (icp_filing)、公安备案号 "
         "(psb_filing)（对外服务系统）"},
        {"weak_password", 7, "2 accounts checked, none with a weak or empty password",
         "已检查 2 个账户，均无弱口令或空密码"},
        {"uid0_duplicate", 7, "uid 0: root", "uid 为 0 的账户：root"},
        {"sudo_nopasswd", 7, "no sudoers rule grants NOPASSWD",
         "没有 sudoers 规则允许免密码 sudo（NOPASSWD）"},
        {"root_ssh_login", 7, "PermitRootLogin prohibit-password, PasswordAuthentication yes",
         "PermitRootLogin prohibit-password，PasswordAuthentication yes"},
        {"exposed_ports", 7, "no high-risk port listens on a non-loopback address (3 listeners)",
         "没有高危端口监听于非回环地址（共 3 个监听）"},
        {"patches", 7, "0 security updates pending (limit 0); apt lists of 2026-11-24",
         "0 个安全更新未安装（上限 0 个）；apt 软件包列表更新于 2026-11-24"},
        {"reboot_required", 7, "no reboot pending, running kernel 6.1.0-28-amd64",
         "无需重启，运行中的内核 6.1.0-28-amd64"},
        {"scan_unexplained_port", 3, "no scan was asked for (tzctl screen --scan)",
         "未要求扫描（tzctl screen --scan）"},
        {"scan_high_risk_port", 3, "no scan was asked for (tzctl screen --scan)",
         "未要求扫描（tzctl screen --scan）"},
    };
    cr_assert_eq(r->n_items, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        cr_assert_str_eq(item(r, want[i].id, want[i].subject)->evidence, want[i].en,
                         "%s", want[i].id);
        cr_assert_str_eq(zh(r, want[i].id, want[i].subject), want[i].zh, "%s", want[i].id);
    }
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
    cr_assert_str_eq(back->items[5]->evidence_zh, r->items[5]->evidence_zh);
    cr_assert(back->items[5]->evidence_zh[0]);
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
    evidence_is(r, "weak_password", 7,
                "root: weak (dictionary); ops: empty",
                "root：弱口令（常见口令字典）；ops：空密码");
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
    cr_assert_str_eq(zh(r, "weak_password", 7),
                     "账户审计未运行（agent 无法读取 /etc/shadow 和 sudoers：请以 root 身份运行）");
    cr_assert_str_eq(zh(r, "sudo_nopasswd", 7), zh(r, "weak_password", 7));
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
    cr_assert_str_eq(zh(r, "weak_password", 7),
                     "账户审计在主机上失败：privileged check failed: the privileged "
                     "helper was killed by signal 31 (Bad system call)");
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
    evidence_is(r, "weak_password", 7,
                "root: weak",
                "root：弱口令");
    for (size_t i = 0; i < r->n_items; i++) {
        cr_assert_null(strstr(r->items[i]->evidence_zh, "$6$"), "%s", r->items[i]->id);
        cr_assert_null(strstr(r->items[i]->evidence_zh, "Hash"), "%s", r->items[i]->id);
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
    evidence_is(r, "uid0_duplicate", 7,
                "uid 0: root, toor",
                "uid 为 0 的账户：root、toor");
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
    evidence_is(r, "sudo_nopasswd", 7,
                "ops: ops ALL=(ALL) NOPASSWD: ALL",
                "ops：ops ALL=(ALL) NOPASSWD: ALL");
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
    evidence_is(r, "root_ssh_login", 7,
                "PermitRootLogin yes, PasswordAuthentication yes",
                "PermitRootLogin yes，PasswordAuthentication yes");
    done(r);
    f.ssh.permit_root_login = "";
    f.ssh.password_authentication = 0;
    r = screen1(&f);
    evidence_is(r, "root_ssh_login", 7,
                "PermitRootLogin (unset), PasswordAuthentication no",
                "PermitRootLogin （未设置），PasswordAuthentication no");
    done(r);
    f.ssh.found = 0;
    r = screen1(&f);
    evidence_is(r, "root_ssh_login", 7,
                "no sshd_config on the host",
                "主机上没有 sshd_config");
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
    evidence_is(r, "exposed_ports", 7,
                "0.0.0.0:3306 mysqld, [::]:6379 redis-server",
                "0.0.0.0:3306 mysqld、[::]:6379 redis-server");
    done(r);

    fx_init(&f, 7, "web01", "10.0.0.5");   /* mysqld on 127.0.0.1 */
    r = screen1(&f);
    cr_assert_eq(outcome(r, "exposed_ports", 7), PASS);
    done(r);

    cfg.high_risk[0] = 22;                 /* the list comes from [ports] */
    cfg.n_high_risk = 1;
    r = screen1(&f);
    evidence_is(r, "exposed_ports", 7,
                "0.0.0.0:22 sshd",
                "0.0.0.0:22 sshd");
    done(r);
    f.l[0].process = "";                   /* a listener whose process is unknown */
    f.l[0].proto = "udp";
    r = screen1(&f);
    evidence_is(r, "exposed_ports", 7,
                "0.0.0.0:22/udp (process unknown)",
                "0.0.0.0:22/udp （进程未知）");
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
    evidence_is(r, "patches", 7,
                "2 security updates pending (limit 0): openssl, libc6; apt lists of "
                     "2026-11-24",
                "2 个安全更新未安装（上限 0 个）：openssl, libc6；"
                                          "apt 软件包列表更新于 2026-11-24");
    done(r);

    cfg.max_security_pending = 2;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "patches", 7), PASS);
    done(r);

    f.patch.lists_found = 0;
    r = screen1(&f);
    cr_assert_eq(outcome(r, "patches", 7), NOT_CHECKED);
    assert_evidence_has(r, "patches", 7, "no apt package lists");
    cr_assert_str_eq(zh(r, "patches", 7), "主机上没有 apt 软件包列表：无法得知待装的安全更新");
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
    evidence_is(r, "reboot_required", 7,
                "running kernel 6.1.0-28-amd64 is older than installed 6.1.0-31-amd64",
                "运行中的内核 6.1.0-28-amd64 旧于已安装的 6.1.0-31-amd64");
    cr_assert(r->passed);
    cr_assert_eq(r->advisory_failed, 1);
    done(r);

    char *pkgs[] = {"linux-image-6.1.0-31-amd64", "libc6"};
    f.patch.reboot_required = 1;
    f.patch.reboot_required_pkgs = pkgs;
    f.patch.n_reboot_required_pkgs = 2;
    r = screen1(&f);
    evidence_is(r, "reboot_required", 7,
                "running kernel 6.1.0-28-amd64 is older than installed 6.1.0-31-amd64; "
                     "/var/run/reboot-required is present (linux-image-6.1.0-31-amd64, libc6)",
                "运行中的内核 6.1.0-28-amd64 旧于已安装的 6.1.0-31-amd64；"
                     "存在 /var/run/reboot-required（linux-image-6.1.0-31-amd64, libc6）");
    done(r);
    f.patch.kernel_outdated = 0;
    f.patch.n_reboot_required_pkgs = 0;
    r = screen1(&f);
    evidence_is(r, "reboot_required", 7,
                "/var/run/reboot-required is present",
                "存在 /var/run/reboot-required");
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
    evidence_is(r, "root_ssh_login", 7,
                "the report has no ssh section",
                "报告中没有 ssh 部分");
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
        cr_assert_str_eq(zh(r, host_items[k], 9), "该主机未应答本次现场采集");
    }
    cr_assert_eq(outcome(r, "host_silent", 3), FAIL);
    evidence_is(r, "host_silent", 3,
                "db01 (agent 9): did not answer the fresh collection",
                "db01（agent 9）：未应答本次现场采集");
    cr_assert_not(r->passed);
    cr_assert_eq(r->blocking_failed, 1);
    cr_assert_eq(r->not_checked, 7 + 2);
    done(r);

    answered[1] = 1;
    b.root.password = TZ__PASSWORD_STATE__PW_OK;
    r = screen(&s, hosts, 2, NULL, 1, answered);
    cr_assert_eq(outcome(r, "host_silent", 3), PASS);
    assert_evidence_has(r, "host_silent", 3, "all 2 hosts answered the fresh collection");
    cr_assert_str_eq(zh(r, "host_silent", 3), "全部 2 台主机均已应答本次现场采集");
    done(r);
}

Test(screen, without_fresh_a_report_older_than_the_threshold_is_not_judged)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.agent.last_report_at = NOW - 49 * 3600;
    Tz__ScreeningResult *r = screen1(&f);
    cr_assert_eq(outcome(r, "host_silent", 3), FAIL);
    evidence_is(r, "host_silent", 3,
                "web01 (agent 7): last report 49 h ago (limit 48 h)",
                "web01（agent 7）：最近一次上报在 49 小时前（上限 48 小时）");
    evidence_is(r, "weak_password", 7,
                "the host's last report is 49 h old (limit 48 h)",
                "该主机最近一次上报已过 49 小时（上限 48 小时）");
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
    evidence_is(r, "host_silent", 3,
                "new01 (agent 5): never reported",
                "new01（agent 5）：从未上报");
    cr_assert_str_eq(zh(r, "patches", 5), "该主机从未上报");
    cr_assert_not(r->passed);
    done(r);
}

Test(screen, a_system_without_hosts_fails_no_hosts)
{
    Tz__SystemRecord s = good_system();
    Tz__ScreeningResult *r = screen(&s, NULL, 0, NULL, 0, NULL);
    cr_assert_eq(r->n_items, 5);
    cr_assert_eq(outcome(r, "no_hosts", 3), FAIL);
    evidence_is(r, "no_hosts", 3,
                "no host is bound to system 3 (教务系统)",
                "系统 3（教务系统）未绑定任何主机");
    evidence_is(r, "host_silent", 3,
                "no host is bound",
                "未绑定任何主机");
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
    evidence_is(r, "ledger_fields", 3,
                "missing 联系方式 (contact), 等保等级 (mlps_grade) (public-facing)",
                "缺少：联系方式 (contact)、等保等级 (mlps_grade)（对外服务系统）");
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
    evidence_is(r, "ledger_fields", 3,
                "missing ICP备案号 (icp_filing), 公安备案号 (psb_filing) (public-facing)",
                "缺少：ICP备案号 (icp_filing)、公安备案号 (psb_filing)（对外服务系统）");
    done(r);

    s.public_facing = 0;
    r = screen(&s, hosts, 1, NULL, 0, NULL);
    cr_assert_eq(outcome(r, "ledger_fields", 3), PASS);
    assert_evidence_has(r, "ledger_fields", 3, "not public-facing");
    cr_assert_str_eq(zh(r, "ledger_fields", 3),
                     "已填写：负责人 (owner)、管理员 (admin)、联系方式 (contact)、等保等级 "
                     "(mlps_grade)、校内备案 (school_filing)；不对外服务：无需 ICP 备案和公安备案");
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
    evidence_is(r, "scan_high_risk_port", 3,
                "the scan did not run: nmap is not installed",
                "扫描未运行：nmap is not installed");
    cr_assert_str_eq(zh(r, "scan_unexplained_port", 3), "扫描未运行：nmap is not installed");
    done(r);
    scan.why_not[0] = '\0';
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    evidence_is(r, "scan_high_risk_port", 3,
                "the scan did not run: no reason given",
                "扫描未运行：未说明原因");
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
    evidence_is(r, "scan_unexplained_port", 3,
                "open from the collector host, no agent reports a listener: "
                     "127.0.0.2:8081 (blackice-icecap)",
                "从采集服务器可访问、但没有 agent 报告相应监听的端口："
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
    evidence_is(r, "scan_unexplained_port", 3,
                "open from the collector host, no agent reports a listener: "
                     "10.0.0.9:8080 (http-proxy)",
                "从采集服务器可访问、但没有 agent 报告相应监听的端口："
                     "10.0.0.9:8080 (http-proxy)");
    evidence_is(r, "scan_high_risk_port", 3,
                "4 open ports on 2 addresses, none of them a high-risk port",
                "共 4 个开放端口，分布在 2 个地址上，均不是高危端口");
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
    evidence_is(r, "scan_high_risk_port", 3,
                "reachable from the collector host: 10.0.0.5:3306 (mysql)",
                "从采集服务器可访问的高危端口：10.0.0.5:3306 (mysql)");
    cr_assert_eq(r->blocking_failed, 2);   /* with exposed_ports */
    cr_assert_not(r->passed);
    done(r);

    open[1].port = 8443;
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), PASS);
    assert_evidence_has(r, "scan_high_risk_port", 3,
                        "2 open ports on 2 addresses, none of them a high-risk port");
    cr_assert_str_eq(zh(r, "scan_high_risk_port", 3),
                     "共 2 个开放端口，分布在 2 个地址上，均不是高危端口");
    cr_assert_str_eq(zh(r, "scan_unexplained_port", 3),   /* no listener on 8443 */
                     "从采集服务器可访问、但没有 agent 报告相应监听的端口："
                     "10.0.0.5:8443 (mysql)");
    done(r);

    open[1].port = 443;                    /* nginx on :: answers there */
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    evidence_is(r, "scan_unexplained_port", 3,
                "2 open ports on 2 addresses, each explained by a listener of the "
                     "system's hosts",
                "共 2 个开放端口，分布在 2 个地址上，均对应本系统主机上的监听");
    done(r);
}

Test(screen, a_cut_scan_list_says_so_in_both_languages)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    struct fx *hosts[] = {&f};
    Tz__SystemRecord s = good_system();
    struct scan_port open[] = {{"10.0.0.5", 22, "ssh"}, {"10.0.0.5", 3306, "mysql"}};
    struct scan_result scan = scan_of(open, 2);
    scan.truncated = 1;
    Tz__ScreeningResult *r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), FAIL);
    evidence_is(r, "scan_high_risk_port", 3,
                "reachable from the collector host: 10.0.0.5:3306 (mysql) "
                     "(the scan listed only the first 4096 open ports)",
                "从采集服务器可访问的高危端口：10.0.0.5:3306 (mysql)"
                     "（扫描只列出了前 4096 个开放端口）");
    done(r);

    open[1].port = 8443;
    r = screen(&s, hosts, 1, &scan, 0, NULL);
    cr_assert_eq(outcome(r, "scan_high_risk_port", 3), NOT_CHECKED);
    evidence_is(r, "scan_high_risk_port", 3,
                "more than 4096 ports are open: the scan's list is cut",
                "开放端口超过 4096 个：扫描列表不完整");
    done(r);
}

Test(screen, a_cut_account_audit_says_so_in_both_languages)
{
    struct fx f;
    fx_init(&f, 7, "web01", "10.0.0.5");
    f.acc.weak_check_cut = 1;
    Tz__ScreeningResult *r = screen1(&f);
    evidence_is(r, "weak_password", 7,
                "2 accounts checked, none with a weak or empty password (the check "
                     "was cut short on some accounts)",
                "已检查 2 个账户，均无弱口令或空密码（部分账户的检查被提前中止）");
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
    const char *z = zh(r, "weak_password", 7);
    cr_assert_leq(strlen(z), 512);
    cr_assert(tz_utf8_valid(z));
    cr_assert_null(strchr(z, '\n'));
    cr_assert_null(strstr(z, "\u202e"));
    cr_assert_eq(strncmp(z, "用户000??aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa：空密码；用户001??", 60), 0,
                 "%s", z);
    /* Each language says how many of its own it left out, and they add up. */
    size_t listed = 0, left = 0;
    for (const char *p = z; (p = strstr(p, "：空密码")) != NULL; p++)
        listed++;
    const char *m = strstr(z, "（另有 ");
    cr_assert_not_null(m, "%s", z);
    cr_assert_eq(sscanf(m, "（另有 %zu 项未列出）", &left), 1, "%s", m);
    cr_assert_eq(listed + left, N, "%zu listed, %zu left out: %s", listed, left, z);
    cr_assert_str_eq(m + strlen(m) - strlen("项未列出）"), "项未列出）");
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
