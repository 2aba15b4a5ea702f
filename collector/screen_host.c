/* screen_host — host items of the screening checklist, one function each. */
#include "screen_host.h"

#include <stdio.h>
#include <string.h>

#include "civil_day.h"
#include "report_facts.h"

#define PASS TZ__SCREEN_OUTCOME__SCREEN_PASS
#define FAIL TZ__SCREEN_OUTCOME__SCREEN_FAIL
#define NOT_CHECKED TZ__SCREEN_OUTCOME__SCREEN_NOT_CHECKED

#define NAME_CUT 64    /* an account, process or package name in evidence */
#define RULE_CUT 160   /* a sudoers rule */

static Tz__ScreenOutcome no_section(struct screen_ev *ev, const char *section)
{
    ev_text(ev, "the report has no %s section", "报告中没有 %s 部分", section);
    return NOT_CHECKED;
}

/* Without the privileged audit, password states and sudoers are unknown. */
static const char audit_missing[] =
    "the account audit did not run (the agent could not read /etc/shadow and "
    "sudoers: run it as root)";
static const char audit_missing_zh[] =
    "账户审计未运行（agent 无法读取 /etc/shadow 和 sudoers：请以 root 身份运行）";

/* Why the audit is missing: the agent's own reason when its check failed. */
static void audit_not_run(const Tz__AccountsSection *a, struct screen_ev *ev)
{
    char why[256];             /* the agent's reason, cut */
    if (a->weak_check_failed && a->weak_check_error && a->weak_check_error[0])
        ev_text(ev, "the account audit failed on the host: %s", "账户审计在主机上失败：%s",
                ev_clean(why, sizeof(why), a->weak_check_error));
    else
        ev_text(ev, "%s%.0s", "%.0s%s", audit_missing, audit_missing_zh);
}

static Tz__ScreenOutcome weak_password(const Tz__AccountsSection *a,
                                       struct screen_ev *ev)
{
    char name[NAME_CUT];
    for (size_t i = 0; i < a->n_accounts; i++) {
        const Tz__Account *ac = a->accounts[i];
        enum pw_finding f = report_pw_finding(ac);
        const char *why = report_weak_reason(ac);
        if (f == PWF_EMPTY)
            ev_item(ev, "; ", "%s: empty", "%s：空密码",
                    ev_clean(name, sizeof(name), ac->name));
        else if (f == PWF_WEAK && strcmp(why, "weak") == 0)
            ev_item(ev, "; ", "%s: weak", "%s：弱口令",
                    ev_clean(name, sizeof(name), ac->name));
        else if (f == PWF_WEAK)
            ev_item(ev, "; ", "%s: weak (%s%.0s)", "%s：弱口令（%.0s%s）",
                    ev_clean(name, sizeof(name), ac->name), why,
                    report_weak_reason_zh(why));
    }
    if (ev_entries(ev))
        return FAIL;
    if (!a->weak_check_ran) {
        audit_not_run(a, ev);
        return NOT_CHECKED;
    }
    ev_text(ev, "%zu accounts checked, none with a weak or empty password%s%.0s",
            "已检查 %zu 个账户，均无弱口令或空密码%.0s%s", a->n_accounts,
            a->weak_check_cut ? " (the check was cut short on some accounts)" : "",
            a->weak_check_cut ? "（部分账户的检查被提前中止）" : "");
    return PASS;
}

static Tz__ScreenOutcome uid0_duplicate(const Tz__AccountsSection *a,
                                        struct screen_ev *ev)
{
    char name[NAME_CUT];
    if (a->n_uid0_accounts == 0) {
        ev_text(ev, "no account has uid 0", "没有 uid 为 0 的账户");
        return PASS;
    }
    ev_text(ev, "uid 0: ", "uid 为 0 的账户：");
    for (size_t i = 0; i < a->n_uid0_accounts; i++)
        ev_item(ev, ", ", "%s", "%s", ev_clean(name, sizeof(name), a->uid0_accounts[i]));
    return a->n_uid0_accounts > 1 ? FAIL : PASS;
}

static Tz__ScreenOutcome sudo_nopasswd(const Tz__AccountsSection *a,
                                       struct screen_ev *ev)
{
    char name[NAME_CUT], rule[RULE_CUT];
    for (size_t i = 0; i < a->n_accounts; i++) {
        const Tz__Account *ac = a->accounts[i];
        for (size_t k = 0; k < ac->n_nopasswd_rules; k++)
            ev_item(ev, "; ", "%s: %s", "%s：%s", ev_clean(name, sizeof(name), ac->name),
                    ev_clean(rule, sizeof(rule), ac->nopasswd_rules[k]));
    }
    if (ev_entries(ev))
        return FAIL;
    if (!a->weak_check_ran) {
        audit_not_run(a, ev);
        return NOT_CHECKED;
    }
    ev_text(ev, "no sudoers rule grants NOPASSWD",
            "没有 sudoers 规则允许免密码 sudo（NOPASSWD）");
    return PASS;
}

static Tz__ScreenOutcome root_ssh_login(const Tz__SshSection *s, struct screen_ev *ev)
{
    char v[NAME_CUT];
    if (!s->found) {
        ev_text(ev, "no sshd_config on the host", "主机上没有 sshd_config");
        return PASS;
    }
    ev_clean(v, sizeof(v), s->permit_root_login);
    ev_text(ev, "PermitRootLogin %s%.0s, PasswordAuthentication %s",
            "PermitRootLogin %.0s%s，PasswordAuthentication %s", v[0] ? v : "(unset)",
            v[0] ? v : "（未设置）", s->password_authentication ? "yes" : "no");
    return report_ssh_root_password(s) ? FAIL : PASS;
}

static Tz__ScreenOutcome exposed_ports(const struct screen_config *cfg,
                                       const Tz__ListenersSection *l,
                                       struct screen_ev *ev)
{
    char addr[NAME_CUT], proc[NAME_CUT];
    for (size_t i = 0; i < l->n_listeners; i++) {
        const Tz__Listener *x = l->listeners[i];
        if (!report_listener_high_risk(x, cfg->high_risk, cfg->n_high_risk))
            continue;
        ev_clean(addr, sizeof(addr), x->address);
        ev_clean(proc, sizeof(proc), x->process);
        int v6 = strchr(addr, ':') != NULL;
        ev_item(ev, ", ", "%s%s%s:%u%s %s%.0s", "%s%s%s:%u%s %.0s%s", v6 ? "[" : "",
                addr, v6 ? "]" : "", x->port,
                x->proto && strncmp(x->proto, "udp", 3) == 0 ? "/udp" : "",
                proc[0] ? proc : "(process unknown)", proc[0] ? proc : "（进程未知）");
    }
    if (ev_entries(ev))
        return FAIL;
    ev_text(ev, "no high-risk port listens on a non-loopback address (%zu listeners)",
            "没有高危端口监听于非回环地址（共 %zu 个监听）", l->n_listeners);
    return PASS;
}

static Tz__ScreenOutcome patches(const struct screen_config *cfg,
                                 const Tz__PatchSection *p, struct screen_ev *ev)
{
    if (!p->lists_found) {
        ev_text(ev, "no apt package lists on the host: pending updates unknown",
                "主机上没有 apt 软件包列表：无法得知待装的安全更新");
        return NOT_CHECKED;
    }
    char names[200], clean[200], day[11] = "";
    if (p->lists_updated_at > 0)
        civil_format(civil_today((time_t)p->lists_updated_at), day);
    ev_text(ev, "%u security updates pending (limit %d)", "%u 个安全更新未安装（上限 %d 个）",
            p->security_updates, cfg->max_security_pending);
    if (p->security_updates > 0) {
        report_security_names(p, 5, names, sizeof(names));
        ev_text(ev, ": %s%s", "：%s%s", ev_clean(clean, sizeof(clean), names),
                p->security_updates > 5 ? ", ..." : "");
    }
    if (day[0])
        ev_text(ev, "; apt lists of %s", "；apt 软件包列表更新于 %s", day);
    return p->security_updates > (uint32_t)cfg->max_security_pending ? FAIL : PASS;
}

static Tz__ScreenOutcome reboot_required(const Tz__PatchSection *p, struct screen_ev *ev)
{
    char run[NAME_CUT], newest[NAME_CUT], pkgs[200], clean[200];
    ev_clean(run, sizeof(run), p->running_kernel);
    ev_clean(newest, sizeof(newest), p->newest_kernel);
    if (p->kernel_outdated)
        ev_item(ev, "; ", "running kernel %s is older than installed %s",
                "运行中的内核 %s 旧于已安装的 %s", run, newest);
    if (p->reboot_required) {
        report_join(p->reboot_required_pkgs, p->n_reboot_required_pkgs, pkgs, sizeof(pkgs));
        ev_clean(clean, sizeof(clean), pkgs);
        if (clean[0])
            ev_item(ev, "; ", "/var/run/reboot-required is present (%s)",
                    "存在 /var/run/reboot-required（%s）", clean);
        else
            ev_item(ev, "; ", "/var/run/reboot-required is present",
                    "存在 /var/run/reboot-required");
    }
    if (ev_entries(ev))
        return FAIL;
    ev_text(ev, "no reboot pending%s%.0s%s", "无需重启%.0s%s%s",
            run[0] ? ", running kernel " : "", run[0] ? "，运行中的内核 " : "", run);
    return PASS;
}

Tz__ScreenOutcome screen_judge_host(const struct screen_config *cfg,
                                    enum screen_item it, const Tz__Report *r,
                                    struct screen_ev *ev)
{
    switch (it) {
    case SCREEN_WEAK_PASSWORD:
        return r->accounts ? weak_password(r->accounts, ev) : no_section(ev, "accounts");
    case SCREEN_UID0_DUPLICATE:
        return r->accounts ? uid0_duplicate(r->accounts, ev) : no_section(ev, "accounts");
    case SCREEN_SUDO_NOPASSWD:
        return r->accounts ? sudo_nopasswd(r->accounts, ev) : no_section(ev, "accounts");
    case SCREEN_ROOT_SSH_LOGIN:
        return r->ssh ? root_ssh_login(r->ssh, ev) : no_section(ev, "ssh");
    case SCREEN_EXPOSED_PORTS:
        return r->listeners ? exposed_ports(cfg, r->listeners, ev)
                            : no_section(ev, "listeners");
    case SCREEN_PATCHES:
        return r->patch ? patches(cfg, r->patch, ev) : no_section(ev, "patch");
    case SCREEN_REBOOT_REQUIRED:
        return r->patch ? reboot_required(r->patch, ev) : no_section(ev, "patch");
    default:
        ev_text(ev, "not a host item", "不是主机检查项");
        return NOT_CHECKED;
    }
}
