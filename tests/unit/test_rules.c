/* Every rule of DESIGN.md §5: a case that makes it fire, and one that clears it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil_day.h"
#include "host_dups.h"
#include "rules.h"

static struct rules_config cfg;
static const int64_t NOW = 1795600000;   /* 2026-11-25 */

static void setup(void)
{
    rules_config_defaults(&cfg);
}

TestSuite(rules, .init = setup);

/* ---- helpers: minimal records ---- */

static Tz__AgentRecord agent(void)
{
    Tz__AgentRecord a = TZ__AGENT_RECORD__INIT;
    a.agent_id = 7;
    a.hostname = "web01.example.edu.cn";
    a.last_seen = NOW - 3600;
    return a;
}

static int count(const struct rule_hits *h, enum flag_id f)
{
    int n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += h->v[i].flag == f;
    return n;
}

static const struct rule_hit *find(const struct rule_hits *h, enum flag_id f)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].flag == f)
            return &h->v[i];
    return NULL;
}

static struct rule_hits host_hits(const Tz__AgentRecord *a, const Tz__Report *r,
                                  uint64_t system_id, const Tz__SystemRecord *s)
{
    struct host_facts f = {.agent = a, .report = r, .system_id = system_id,
                           .system = s, .now = NOW,
                           .refused_src = TZ__BINDING_SOURCE__BIND_NONE};
    struct rule_hits h = {0};
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    return h;
}

static struct rule_hits system_hits(const Tz__SystemRecord *s)
{
    struct rule_hits h = {0};
    cr_assert_eq(rules_eval_system(&cfg, s, civil_today(NOW), &h), 0);
    return h;
}

/* A system that satisfies every system rule. */
static Tz__Prelaunch passed = TZ__PRELAUNCH__INIT;
static Tz__SystemRecord good_system(void)
{
    Tz__SystemRecord s = TZ__SYSTEM_RECORD__INIT;
    passed.status = "passed";
    s.system_id = 3;
    s.name = "教务系统";
    s.dept = "教务处";
    s.owner = "张三";
    s.admin = "李四";
    s.school_filing = "XC-2026-001";
    s.public_facing = 1;
    s.icp_filing = "蜀ICP备12345678号";
    s.psb_filing = "川公网安备51340102000001号";
    s.mlps_grade = 3;
    s.grading_filed_day = civil_day(2025, 1, 10);
    s.last_evaluation_day = civil_day(2026, 6, 1);
    s.status = "live";
    s.prelaunch = &passed;
    return s;
}

/* ---- host rules ---- */

Test(rules, unregistered_host_fires_when_unbound_and_clears_when_bound)
{
    Tz__AgentRecord a = agent();
    struct rule_hits h = host_hits(&a, NULL, 0, NULL);
    cr_assert_eq(count(&h, FLAG_UNREGISTERED_HOST), 1);
    cr_assert(strstr(find(&h, FLAG_UNREGISTERED_HOST)->evidence, "web01") != NULL);
    rule_hits_free(&h);
    Tz__SystemRecord s = good_system();
    h = host_hits(&a, NULL, 3, &s);
    cr_assert_eq(count(&h, FLAG_UNREGISTERED_HOST), 0);
    rule_hits_free(&h);
}

Test(rules, agent_silent_fires_after_48_hours_and_clears_on_report)
{
    Tz__AgentRecord a = agent();
    a.last_seen = NOW - 49 * 3600;
    struct rule_hits h = host_hits(&a, NULL, 3, NULL);
    cr_assert_eq(count(&h, FLAG_AGENT_SILENT), 1);
    rule_hits_free(&h);
    a.last_seen = NOW - 47 * 3600;
    h = host_hits(&a, NULL, 3, NULL);
    cr_assert_eq(count(&h, FLAG_AGENT_SILENT), 0);
    rule_hits_free(&h);
    cfg.agent_silent_hours = 24;   /* the threshold comes from rules.ini */
    h = host_hits(&a, NULL, 3, NULL);
    cr_assert_eq(count(&h, FLAG_AGENT_SILENT), 1);
    rule_hits_free(&h);
}

/* A host whose account checks fail on account_check_failed_days days in a
 * row (2 by default; the count is the agent record's, account_check.h). */
Test(rules, account_check_failed_fires_from_the_threshold_day_and_clears)
{
    Tz__AgentRecord a = agent();
    Tz__AccountsSection acc = TZ__ACCOUNTS_SECTION__INIT;
    acc.weak_check_failed = 1;
    acc.weak_check_error = "privileged check failed: the privileged helper was "
                           "killed by signal 31 (Bad system call) and was restarted";
    Tz__Report r = TZ__REPORT__INIT;
    r.accounts = &acc;
    a.account_check_failed_days = 1;
    a.account_check_failed_first = a.account_check_failed_last = civil_day(2026, 11, 24);
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ACCOUNT_CHECK_FAILED), 0, "one day is not yet a pattern");
    rule_hits_free(&h);

    a.account_check_failed_days = 2;
    a.account_check_failed_last = civil_day(2026, 11, 25);
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ACCOUNT_CHECK_FAILED), 1);
    const struct rule_hit *x = find(&h, FLAG_ACCOUNT_CHECK_FAILED);
    cr_expect_eq(x->severity, TZ__SEVERITY__SEV_MEDIUM);
    cr_expect(strstr(x->evidence, "web01.example.edu.cn") &&
              strstr(x->evidence, "2 days in a row since 2026-11-24") &&
              strstr(x->evidence, "(limit 2)") &&
              strstr(x->evidence, "signal 31 (Bad system call)"), "%s", x->evidence);
    cr_expect_str_eq(flag_def(FLAG_ACCOUNT_CHECK_FAILED)->label_zh, "账户检查失败");
    cr_expect_str_eq(flag_def(FLAG_ACCOUNT_CHECK_FAILED)->cites, "第七条(八)");
    rule_hits_free(&h);

    /* the accounts section could not be collected at all: its error says why */
    Tz__CollectError ce = TZ__COLLECT_ERROR__INIT, *cep = &ce;
    ce.section = TZ__SECTION_KIND__SECTION_ACCOUNTS;
    ce.message = "accounts: out of memory";
    Tz__Report r2 = TZ__REPORT__INIT;
    r2.errors = &cep;
    r2.n_errors = 1;
    h = host_hits(&a, &r2, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ACCOUNT_CHECK_FAILED), 1);
    cr_expect(strstr(find(&h, FLAG_ACCOUNT_CHECK_FAILED)->evidence, "out of memory"));
    rule_hits_free(&h);

    cfg.account_check_failed_days = 3;   /* from rules.ini [accounts] */
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ACCOUNT_CHECK_FAILED), 0);
    rule_hits_free(&h);
    cfg.account_check_failed_days = 2;

    a.account_check_failed_days = 0;     /* a report whose check ran */
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ACCOUNT_CHECK_FAILED), 0);
    rule_hits_free(&h);
}

Test(rules, weak_and_empty_passwords_fire_per_account_and_clear_when_fixed)
{
    Tz__AgentRecord a = agent();
    Tz__Account alice = TZ__ACCOUNT__INIT, dave = TZ__ACCOUNT__INIT,
                carol = TZ__ACCOUNT__INIT;
    alice.name = "alice";
    alice.login_capable = 1;
    alice.password = TZ__PASSWORD_STATE__PW_WEAK;
    alice.weak_reason = "matches username";
    dave.name = "dave";
    dave.login_capable = 1;
    dave.password = TZ__PASSWORD_STATE__PW_EMPTY;
    carol.name = "carol";
    carol.login_capable = 1;
    carol.password = TZ__PASSWORD_STATE__PW_OK;
    Tz__Account *list[] = {&alice, &dave, &carol};
    Tz__AccountsSection as = TZ__ACCOUNTS_SECTION__INIT;
    as.n_accounts = 3;
    as.accounts = list;
    Tz__Report r = TZ__REPORT__INIT;
    r.accounts = &as;
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_WEAK_PASSWORD), 2);
    cr_assert_str_eq(h.v[0].instance, "alice");
    cr_assert(strstr(h.v[0].evidence, "matches username") != NULL);
    cr_assert_str_eq(h.v[1].instance, "dave");
    cr_assert(strstr(h.v[1].evidence, "empty password") != NULL);
    cr_assert_eq(h.v[0].severity, TZ__SEVERITY__SEV_HIGH);
    rule_hits_free(&h);
    alice.password = TZ__PASSWORD_STATE__PW_OK;
    dave.password = TZ__PASSWORD_STATE__PW_LOCKED;
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_WEAK_PASSWORD), 0);
    rule_hits_free(&h);
}

Test(rules, uid0_duplicate_and_sudo_nopasswd_fire_and_clear)
{
    Tz__AgentRecord a = agent();
    Tz__Account bob = TZ__ACCOUNT__INIT;
    bob.name = "bob";
    char *rule = "bob ALL=(ALL) NOPASSWD: ALL";
    bob.n_nopasswd_rules = 1;
    bob.nopasswd_rules = &rule;
    Tz__Account *list[] = {&bob};
    char *uid0[] = {"root", "toor"};
    Tz__AccountsSection as = TZ__ACCOUNTS_SECTION__INIT;
    as.n_accounts = 1;
    as.accounts = list;
    as.n_uid0_accounts = 2;
    as.uid0_accounts = uid0;
    Tz__Report r = TZ__REPORT__INIT;
    r.accounts = &as;
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_UID0_DUPLICATE), 1);
    cr_assert(strstr(find(&h, FLAG_UID0_DUPLICATE)->evidence, "root, toor") != NULL);
    cr_assert_eq(count(&h, FLAG_SUDO_NOPASSWD), 1);
    cr_assert_str_eq(find(&h, FLAG_SUDO_NOPASSWD)->instance, "bob");
    rule_hits_free(&h);
    as.n_uid0_accounts = 1;
    bob.n_nopasswd_rules = 0;
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_UID0_DUPLICATE) + count(&h, FLAG_SUDO_NOPASSWD), 0);
    rule_hits_free(&h);
}

Test(rules, root_ssh_login_fires_on_yes_and_clears_on_prohibit_password)
{
    Tz__AgentRecord a = agent();
    Tz__SshSection ssh = TZ__SSH_SECTION__INIT;
    ssh.found = 1;
    ssh.permit_root_login = "yes";
    Tz__Report r = TZ__REPORT__INIT;
    r.ssh = &ssh;
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ROOT_SSH_LOGIN), 1);
    rule_hits_free(&h);
    ssh.permit_root_login = "prohibit-password";
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_ROOT_SSH_LOGIN), 0);
    rule_hits_free(&h);
}

Test(rules, exposed_high_risk_port_fires_once_per_port_and_clears_on_loopback)
{
    Tz__AgentRecord a = agent();
    Tz__Listener my4 = TZ__LISTENER__INIT, my6 = TZ__LISTENER__INIT,
                 ssh = TZ__LISTENER__INIT;
    my4.proto = "tcp";
    my4.address = "0.0.0.0";
    my4.port = 3306;
    my4.exposed = 1;
    my4.process = "mysqld";
    my6 = my4;
    my6.proto = "tcp6";
    my6.address = "::";
    ssh.proto = "tcp";
    ssh.address = "0.0.0.0";
    ssh.port = 22;
    ssh.exposed = 1;
    Tz__Listener *list[] = {&my4, &my6, &ssh};
    Tz__ListenersSection ls = TZ__LISTENERS_SECTION__INIT;
    ls.n_listeners = 3;
    ls.listeners = list;
    Tz__Report r = TZ__REPORT__INIT;
    r.listeners = &ls;
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_EXPOSED_HIGH_RISK_PORT), 1);
    cr_assert_str_eq(find(&h, FLAG_EXPOSED_HIGH_RISK_PORT)->instance, "tcp/3306");
    cr_assert(strstr(find(&h, FLAG_EXPOSED_HIGH_RISK_PORT)->evidence, "mysqld") != NULL);
    rule_hits_free(&h);
    my4.exposed = my6.exposed = 0;
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_EXPOSED_HIGH_RISK_PORT), 0);
    rule_hits_free(&h);
}

Test(rules, patches_pending_and_reboot_required_fire_and_clear)
{
    Tz__AgentRecord a = agent();
    Tz__PendingUpdate u = TZ__PENDING_UPDATE__INIT;
    u.name = "openssl";
    u.security = 1;
    Tz__PendingUpdate *ul[] = {&u};
    Tz__PatchSection p = TZ__PATCH_SECTION__INIT;
    p.n_updates = 1;
    p.updates = ul;
    p.security_updates = 1;
    p.kernel_outdated = 1;
    p.running_kernel = "6.1.0-25-amd64";
    p.newest_kernel = "6.1.0-28-amd64";
    Tz__Report r = TZ__REPORT__INIT;
    r.patch = &p;
    struct rule_hits h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_PATCHES_PENDING), 1);
    cr_assert(strstr(find(&h, FLAG_PATCHES_PENDING)->evidence, "openssl") != NULL);
    cr_assert_eq(count(&h, FLAG_REBOOT_REQUIRED), 1);
    cr_assert(strstr(find(&h, FLAG_REBOOT_REQUIRED)->evidence, "6.1.0-28") != NULL);
    rule_hits_free(&h);
    p.security_updates = 0;
    u.security = 0;
    p.kernel_outdated = 0;
    h = host_hits(&a, &r, 3, NULL);
    cr_assert_eq(count(&h, FLAG_PATCHES_PENDING) + count(&h, FLAG_REBOOT_REQUIRED), 0);
    rule_hits_free(&h);
}

Test(rules, host_with_exposed_web_port_needs_a_reviewed_system)
{
    Tz__AgentRecord a = agent();
    Tz__Listener web = TZ__LISTENER__INIT;
    web.proto = "tcp";
    web.address = "0.0.0.0";
    web.port = 443;
    web.exposed = 1;
    Tz__Listener *list[] = {&web};
    Tz__ListenersSection ls = TZ__LISTENERS_SECTION__INIT;
    ls.n_listeners = 1;
    ls.listeners = list;
    Tz__Report r = TZ__REPORT__INIT;
    r.listeners = &ls;
    Tz__SystemRecord s = good_system();
    Tz__Prelaunch none = TZ__PRELAUNCH__INIT;
    none.status = "none";
    s.prelaunch = &none;
    struct rule_hits h = host_hits(&a, &r, 3, &s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 1);
    rule_hits_free(&h);
    s.prelaunch = &passed;
    h = host_hits(&a, &r, 3, &s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 0);
    rule_hits_free(&h);
}

/* A host that claims another department's reviewed system is not bound to
 * it (register_binding's refused_id): it stays unregistered, cannot borrow
 * the review, and the claim itself is flagged naming both sides. */
Test(rules, claiming_another_departments_system_escapes_nothing)
{
    Tz__AgentRecord a = agent();
    a.dept = "计算机学院";
    Tz__Listener web = TZ__LISTENER__INIT;
    web.proto = "tcp";
    web.address = "0.0.0.0";
    web.port = 443;
    web.exposed = 1;
    Tz__Listener *list[] = {&web};
    Tz__ListenersSection ls = TZ__LISTENERS_SECTION__INIT;
    ls.n_listeners = 1;
    ls.listeners = list;
    Tz__Report r = TZ__REPORT__INIT;
    r.listeners = &ls;
    Tz__SystemRecord fin = good_system();   /* passed review */
    fin.name = "财务系统";
    fin.dept = "财务处";
    struct host_facts f = {.agent = &a, .report = &r, .now = NOW, .refused = &fin,
                           .refused_src = TZ__BINDING_SOURCE__BIND_CONFIG};
    struct rule_hits h = {0};
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    cr_assert_eq(count(&h, FLAG_UNREGISTERED_HOST), 1);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 1);
    cr_assert_eq(count(&h, FLAG_BINDING_OTHER_DEPT), 1);
    const char *ev = find(&h, FLAG_BINDING_OTHER_DEPT)->evidence;
    cr_assert_str_eq(ev, "host web01.example.edu.cn (agent 7) of 计算机学院 names in its "
                         "agent config (system =) system 3 (财务系统) of 财务处: refused, "
                         "the host stays unbound");
    cr_assert_eq(find(&h, FLAG_BINDING_OTHER_DEPT)->severity, TZ__SEVERITY__SEV_MEDIUM);
    rule_hits_free(&h);
    cr_assert_str_eq(flag_def(FLAG_BINDING_OTHER_DEPT)->label_zh, "跨部门绑定");
    cr_assert_str_eq(flag_def(FLAG_BINDING_OTHER_DEPT)->cites, "第六条(五)");

    /* no refusal, no flag */
    h = host_hits(&a, &r, 0, NULL);
    cr_assert_eq(count(&h, FLAG_BINDING_OTHER_DEPT), 0);
    rule_hits_free(&h);
}

/* An ambiguous match (register_binding's candidates): no binding, one
 * AMBIGUOUS_BINDING naming every candidate with its department, the count
 * of other departments' first; a department sees it without their names. */
Test(rules, an_ambiguous_match_names_its_candidates)
{
    Tz__AgentRecord a = agent();
    a.dept = "计算机学院";
    Tz__SystemRecord jw = good_system(), lab = good_system();
    jw.system_id = 1;
    jw.name = "教务系统";
    jw.dept = "教务处";
    lab.system_id = 5;
    lab.name = "实验平台";
    lab.dept = "计算机学院";
    const Tz__SystemRecord *cands[] = {&jw, &lab};
    struct host_facts f = {.agent = &a, .now = NOW, .candidates = cands,
                           .n_candidates = 2, .candidates_total = 2,
                           .candidates_other_dept = 1};
    struct rule_hits h = {0};
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    cr_assert_eq(count(&h, FLAG_UNREGISTERED_HOST), 1);
    cr_assert_eq(count(&h, FLAG_AMBIGUOUS_BINDING), 1);
    cr_assert_eq(count(&h, FLAG_BINDING_OTHER_DEPT), 0);
    const struct rule_hit *x = find(&h, FLAG_AMBIGUOUS_BINDING);
    cr_assert_str_eq(x->evidence,
                     "matches 2 systems by address or hostname, 1 of them of other "
                     "departments, and is bound to none: host web01.example.edu.cn "
                     "(agent 7) of 计算机学院; candidates: system 1 (教务系统, 教务处), "
                     "system 5 (实验平台, 计算机学院)");
    cr_assert_eq(x->severity, TZ__SEVERITY__SEV_MEDIUM);
    cr_assert_str_eq(flag_def(FLAG_AMBIGUOUS_BINDING)->label_zh, "绑定冲突");
    cr_assert_str_eq(flag_def(FLAG_AMBIGUOUS_BINDING)->cites, "第六条(五)");
    cr_assert_eq(flag_lookup("ambiguous_binding"), FLAG_AMBIGUOUS_BINDING);
    Tz__FlagRecord fr = TZ__FLAG_RECORD__INIT;
    fr.id = "AMBIGUOUS_BINDING";
    fr.evidence = (char *)x->evidence;
    cr_assert_str_eq(flag_evidence_for(&fr, 1), x->evidence);
    cr_assert(strstr(flag_evidence_for(&fr, 0), "教务") == NULL, "%s",
              flag_evidence_for(&fr, 0));
    rule_hits_free(&h);

    /* two of its own department's, and more than are listed */
    jw.dept = "计算机学院";
    f.candidates_other_dept = 0;
    f.candidates_total = 11;
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    x = find(&h, FLAG_AMBIGUOUS_BINDING);
    cr_assert_str_eq(x->evidence,
                     "matches 11 systems by address or hostname and is bound to none: "
                     "host web01.example.edu.cn (agent 7) of 计算机学院; candidates: "
                     "system 1 (教务系统, 计算机学院), system 5 (实验平台, 计算机学院), "
                     "and 9 more");
    fr.evidence = (char *)x->evidence;
    cr_assert_str_eq(flag_evidence_for(&fr, 0), x->evidence, "its own: not hidden");
    rule_hits_free(&h);

    /* a bound host raises nothing of the kind */
    f.system_id = 5;
    f.system = &lab;
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    cr_assert_eq(count(&h, FLAG_AMBIGUOUS_BINDING), 0);
    rule_hits_free(&h);
}

/* ---- system rules ---- */

Test(rules, a_complete_live_system_raises_nothing)
{
    Tz__SystemRecord s = good_system();
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(h.n, 0, "unexpected %s", h.n ? flag_def(h.v[0].flag)->id : "");
    rule_hits_free(&h);
}

Test(rules, no_owner_fires_on_missing_admin_and_clears)
{
    Tz__SystemRecord s = good_system();
    s.admin = "";
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_OWNER), 1);
    cr_assert(strstr(find(&h, FLAG_NO_OWNER)->evidence, "管理员") != NULL);
    rule_hits_free(&h);
    s.admin = "王五";
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_OWNER), 0);
    rule_hits_free(&h);
}

Test(rules, no_filing_names_each_missing_number)
{
    Tz__SystemRecord s = good_system();
    s.icp_filing = "";
    s.psb_filing = "";
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_FILING), 1);
    const char *ev = find(&h, FLAG_NO_FILING)->evidence;
    cr_assert(strstr(ev, "ICP") && strstr(ev, "公安"), "%s", ev);
    rule_hits_free(&h);
    s.public_facing = 0;   /* campus-only: ICP/公安 not required */
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_FILING), 0);
    rule_hits_free(&h);
    s.school_filing = "";
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_FILING), 1);
    rule_hits_free(&h);
}

Test(rules, grading_rules_fire_and_clear)
{
    Tz__SystemRecord s = good_system();
    s.mlps_grade = 0;
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_GRADING), 1);
    rule_hits_free(&h);
    s.mlps_grade = 2;
    s.grading_filed_day = 0;
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_GRADING), 0);
    cr_assert_eq(count(&h, FLAG_GRADING_NOT_FILED), 1);
    rule_hits_free(&h);
    s.grading_filed_day = civil_day(2026, 2, 1);
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_GRADING_NOT_FILED), 0);
    rule_hits_free(&h);
}

Test(rules, evaluation_overdue_counts_days_per_grade)
{
    Tz__SystemRecord s = good_system();
    int32_t today = civil_today(NOW);
    s.last_evaluation_day = today - 366;
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_EVALUATION_OVERDUE), 1);
    rule_hits_free(&h);
    s.last_evaluation_day = today - 365;      /* grade 3: 365 days allowed */
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_EVALUATION_OVERDUE), 0);
    rule_hits_free(&h);
    s.mlps_grade = 4;                         /* grade 4: only 182 */
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_EVALUATION_OVERDUE), 1);
    rule_hits_free(&h);
    s.mlps_grade = 2;                         /* grade 2: no deadline */
    s.last_evaluation_day = 0;
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_EVALUATION_OVERDUE), 0);
    rule_hits_free(&h);
}

Test(rules, live_system_without_passed_review_fires_planned_does_not)
{
    Tz__SystemRecord s = good_system();
    Tz__Prelaunch failed = TZ__PRELAUNCH__INIT;
    failed.status = "failed";
    s.prelaunch = &failed;
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 1);
    rule_hits_free(&h);
    s.status = "planned";
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 0);
    rule_hits_free(&h);
}

/* 第六条(六): a screening that fails after the pass reopens the flag; the
 * screening the review rested on, or a passing later one, does not. */
Test(rules, a_failing_screening_after_the_passed_review_reopens_the_flag)
{
    Tz__SystemRecord s = good_system();
    Tz__Prelaunch pl = TZ__PRELAUNCH__INIT;
    pl.status = "passed";
    pl.day = civil_today(NOW - 86400);
    pl.screening_id = 4;
    s.prelaunch = &pl;
    Tz__ScreeningSummary last = TZ__SCREENING_SUMMARY__INIT;
    last.screening_id = 4;          /* the one the review rested on */
    last.at = NOW - 86400;
    last.passed = 0;                /* passed over it with --override */
    last.blocking_failed = 1;
    s.last_screening = &last;
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 0);
    rule_hits_free(&h);

    last.screening_id = 5;          /* a later one, failing */
    last.at = NOW;
    last.blocking_failed = 2;
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 1);
    cr_assert(strstr(find(&h, FLAG_NO_PRELAUNCH_REVIEW)->evidence,
                     "screening 5") != NULL, "%s",
              find(&h, FLAG_NO_PRELAUNCH_REVIEW)->evidence);
    rule_hits_free(&h);

    last.passed = 1;                /* a later one, passing */
    last.blocking_failed = 0;
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 0);
    rule_hits_free(&h);

    /* Review fields set by hand (no screening named): by day. */
    pl.screening_id = 0;
    last.passed = 0;
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 1);
    rule_hits_free(&h);
    s.status = "planned";
    h = system_hits(&s);
    cr_assert_eq(count(&h, FLAG_NO_PRELAUNCH_REVIEW), 0, "only live systems");
    rule_hits_free(&h);
}

Test(rules, retired_systems_raise_nothing)
{
    Tz__SystemRecord s = TZ__SYSTEM_RECORD__INIT;
    s.name = "old";
    s.status = "retired";
    struct rule_hits h = system_hits(&s);
    cr_assert_eq(h.n, 0);
    rule_hits_free(&h);
}

/* ---- the rules file ---- */

Test(rules, schemas_rules_ini_matches_the_builtin_defaults)
{
    struct rules_config file, builtin;
    rules_config_defaults(&builtin);
    rules_config_defaults(&file);
    file.n_high_risk = 0;       /* must come back from the file */
    file.n_web = 0;
    struct tz_error err = {0};
    cr_assert_eq(rules_config_load(&file, TZ_SOURCE_DIR "/schemas/rules.ini", &err), 0,
                 "%s:%ld: %s", err.file, err.line, err.msg);
    cr_assert_eq(memcmp(&file, &builtin, sizeof(file)), 0,
                 "schemas/rules.ini and rules_config_defaults() disagree");
}

Test(rules, rules_file_overrides_and_typos_are_errors)
{
    char path[] = "/tmp/tz-rules-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[severity]\nSUDO_NOPASSWD = high\n[disabled]\nREBOOT_REQUIRED = yes\n"
          "[ports]\nhigh_risk = 8888\n", f);
    fclose(f);
    struct rules_config c;
    rules_config_defaults(&c);
    struct tz_error err = {0};
    cr_assert_eq(rules_config_load(&c, path, &err), 0, "%s", err.msg);
    cr_assert_eq(c.severity[FLAG_SUDO_NOPASSWD], TZ__SEVERITY__SEV_HIGH);
    cr_assert(c.disabled[FLAG_REBOOT_REQUIRED]);
    cr_assert_eq(c.n_high_risk, 1);
    cr_assert_eq(c.high_risk[0], 8888);

    f = fopen(path, "w");
    fputs("[accounts]\naccount_check_failed_days = 5\n", f);
    fclose(f);
    cr_assert_eq(rules_config_load(&c, path, &err), 0, "%s", err.msg);
    cr_assert_eq(c.account_check_failed_days, 5);
    f = fopen(path, "w");
    fputs("[accounts]\naccount_check_failed_days = 0\n", f);
    fclose(f);
    cr_assert_eq(rules_config_load(&c, path, &err), TZ_EPARSE);
    cr_assert(strstr(err.msg, "account_check_failed_days must be 1..365"), "%s", err.msg);

    f = fopen(path, "w");
    fputs("[disabled]\nWEAK_PASWORD = yes\n", f);
    fclose(f);
    cr_assert_eq(rules_config_load(&c, path, &err), TZ_EPARSE);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "WEAK_PASWORD") != NULL, "%s", err.msg);
    unlink(path);
}

/* ---- evidence in both languages (issue 19) ---- */

/* Does s hold a CJK ideograph (U+4E00..U+9FFF: E4..E9 lead bytes)? */
static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xe4 && *p <= 0xe9)
            return 1;
    return 0;
}

static void seen_hits(const struct rule_hits *h, int seen[FLAG__COUNT])
{
    for (size_t i = 0; i < h->n; i++) {
        const struct rule_hit *x = &h->v[i];
        seen[x->flag]++;
        cr_assert(x->evidence[0] && x->evidence_zh[0], "%s: %s / %s",
                  flag_def(x->flag)->id, x->evidence, x->evidence_zh);
        cr_assert_str_neq(x->evidence, x->evidence_zh, "%s", flag_def(x->flag)->id);
        cr_assert(has_cjk(x->evidence_zh), "%s: %s", flag_def(x->flag)->id,
                  x->evidence_zh);
        cr_assert_null(strstr(x->evidence_zh, "(null)"), "%s", x->evidence_zh);
        cr_assert_null(strstr(x->evidence, "(null)"), "%s", x->evidence);
    }
}

/* One host and two systems with everything wrong raise every flag of the
 * catalog, each with English and Chinese evidence. */
Test(rules, every_flag_of_the_catalog_has_english_and_chinese_evidence)
{
    Tz__AgentRecord a = agent();
    a.dept = "计算机学院";
    a.last_seen = NOW - 100 * 3600;
    a.account_check_failed_days = 30;
    a.account_check_failed_first = civil_day(2026, 10, 26);
    Tz__Account acc[2] = {TZ__ACCOUNT__INIT, TZ__ACCOUNT__INIT};
    Tz__Account *accs[] = {&acc[0], &acc[1]};
    acc[0].name = "alice";
    acc[0].password = TZ__PASSWORD_STATE__PW_EMPTY;
    acc[0].login_capable = 1;
    acc[1].name = "bob";
    acc[1].uid = 1001;
    acc[1].password = TZ__PASSWORD_STATE__PW_WEAK;
    acc[1].weak_reason = "dictionary";
    char *rules[] = {"bob ALL=(ALL) NOPASSWD: ALL", "bob2"};
    acc[1].nopasswd_rules = rules;
    acc[1].n_nopasswd_rules = 2;
    char *uid0[] = {"root", "toor"};
    Tz__AccountsSection as = TZ__ACCOUNTS_SECTION__INIT;
    as.accounts = accs;
    as.n_accounts = 2;
    as.uid0_accounts = uid0;
    as.n_uid0_accounts = 2;
    Tz__SshSection ssh = TZ__SSH_SECTION__INIT;
    ssh.found = 1;
    ssh.permit_root_login = "yes";
    ssh.password_authentication = 1;
    Tz__Listener l[2] = {TZ__LISTENER__INIT, TZ__LISTENER__INIT};
    Tz__Listener *ls[] = {&l[0], &l[1]};
    l[0].proto = l[1].proto = "tcp";
    l[0].address = l[1].address = "0.0.0.0";
    l[0].exposed = l[1].exposed = 1;
    l[0].port = 3389;
    l[1].port = 443;
    l[1].process = "nginx";
    Tz__ListenersSection lsec = TZ__LISTENERS_SECTION__INIT;
    lsec.listeners = ls;
    lsec.n_listeners = 2;
    Tz__PatchSection p = TZ__PATCH_SECTION__INIT;
    p.security_updates = 87;
    p.kernel_outdated = 1;
    p.running_kernel = "6.1.0-17-amd64";
    p.newest_kernel = "6.1.0-18-amd64";
    Tz__Report r = TZ__REPORT__INIT;
    r.accounts = &as;
    r.ssh = &ssh;
    r.listeners = &lsec;
    r.patch = &p;
    Tz__SystemRecord fin = good_system();
    fin.name = "财务系统";
    fin.dept = "财务处";
    /* over a limit an hour ago; its twin enrolled again; its address
     * matches two systems, one of another department */
    a.abuse_at = NOW - 3600;
    a.abuse_limit = "reports_per_hour";
    a.abuse_detail = "61 reports in the hour, limit 60";
    a.abuse_refused = 5;
    a.machine_id = "0123456789abcdef0123456789abcdef";
    struct host_dup dups[2] = {
        {a.machine_id, 7, "web01.example.edu.cn", "计算机学院", NOW, 0},
        {a.machine_id, 9, "web01-old", "计算机学院", NOW - 86400, 0}};
    Tz__SystemRecord c1 = good_system(), c2 = good_system();
    c1.system_id = 4;
    c2.system_id = 5;
    c2.name = "图书系统";
    c2.dept = "图书馆";
    const Tz__SystemRecord *cands[] = {&c1, &c2};
    struct host_facts f = {.agent = &a, .report = &r, .now = NOW,
                           .refused = &fin,
                           .refused_src = TZ__BINDING_SOURCE__BIND_MATCH,
                           .candidates = cands, .n_candidates = 2,
                           .candidates_total = 2, .candidates_other_dept = 1,
                           .dups = dups, .n_dups = 2};
    struct rule_hits h = {0};
    int seen[FLAG__COUNT] = {0};
    cr_assert_eq(rules_eval_host(&cfg, &f, &h), 0);
    seen_hits(&h, seen);
    cr_assert_str_eq(find(&h, FLAG_PATCHES_PENDING)->evidence_zh,
                     "87 个安全更新未安装（, ...）");
    cr_assert_str_eq(find(&h, FLAG_BINDING_OTHER_DEPT)->evidence_zh,
                     "主机 web01.example.edu.cn（agent 7，属 计算机学院）按地址或主机名"
                     "匹配到其他部门的系统 3（财务系统，属 财务处）：已拒绝，主机保持未绑定");
    cr_assert_str_eq(find(&h, FLAG_BINDING_OTHER_DEPT)->evidence,
                     "host web01.example.edu.cn (agent 7) of 计算机学院 matches by "
                     "address or hostname system 3 (财务系统) of 财务处: refused, "
                     "the host stays unbound");
    cr_assert_str_eq(find(&h, FLAG_AMBIGUOUS_BINDING)->evidence_zh,
                     "主机 web01.example.edu.cn（agent 7，属 计算机学院）的地址或主机名"
                     "匹配 2 个系统（其中 1 个属其他部门），未绑定任何系统；候选："
                     "系统 4（教务系统，教务处），系统 5（图书系统，图书馆）");
    cr_assert_str_eq(find(&h, FLAG_DUPLICATE_HOST)->evidence_zh,
                     "主机 web01.example.edu.cn（agent 7）的 machine_id "
                     "0123456789abcdef0123456789abcdef 与以下主机相同：主机 9"
                     "（web01-old，计算机学院，最后上报 2026-11-24 09:46 UTC）；"
                     "请合并旧记录（tzctl host merge OLD NEW）或注销（tzctl host "
                     "retire）");
    cr_assert_str_eq(find(&h, FLAG_AGENT_ABUSE)->evidence_zh,
                     "主机 web01.example.edu.cn（agent 7）超出采集限额 "
                     "reports_per_hour，时间 2026-11-25 08:46 UTC（累计拒收 5 份报告）："
                     "61 reports in the hour, limit 60");
    rule_hits_free(&h);

    Tz__SystemRecord s1 = good_system(), s2 = good_system();
    s1.owner = "";
    s1.school_filing = "";
    s1.mlps_grade = 0;
    s1.prelaunch = NULL;
    s2.grading_filed_day = 0;
    s2.last_evaluation_day = 0;
    h = system_hits(&s1);
    seen_hits(&h, seen);
    cr_assert_str_eq(find(&h, FLAG_NO_PRELAUNCH_REVIEW)->evidence_zh,
                     "教务系统 已上线但未通过上线前审查（上线前审查：无）");
    rule_hits_free(&h);
    h = system_hits(&s2);
    seen_hits(&h, seen);
    rule_hits_free(&h);
    for (int k = 0; k < FLAG__COUNT; k++)
        cr_assert_gt(seen[k], 0, "no evidence seen for %s", flag_def(k)->id);
}
