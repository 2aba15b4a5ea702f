/* rules — evaluating DESIGN.md §5 on a host's report and a system's record. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_quota.h"
#include "civil_day.h"
#include "grow.h"
#include "report_facts.h"
#include "time_text.h"
#include "tz_error.h"
#include "tz_limits.h"

void rule_hits_free(struct rule_hits *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* A flag raised: its evidence in both languages, each from its own format
 * over the same arguments, so either can be shown (tzctl --lang). Words
 * that differ by language are passed as (English, Chinese) pairs: the
 * English format skips the second with "%.0s", the Chinese the first. */
static int hit(const struct rules_config *cfg, struct rule_hits *out,
               enum flag_id f, const char *instance, const char *en,
               const char *zh, ...) __attribute__((format(printf, 5, 7)));

static int hit(const struct rules_config *cfg, struct rule_hits *out,
               enum flag_id f, const char *instance, const char *en,
               const char *zh, ...)
{
    if (cfg->disabled[f])
        return 0;
    if (tz_grow((void **)&out->v, &out->cap, out->n, sizeof(*out->v)) != 0)
        return TZ_ENOMEM;
    struct rule_hit *h = &out->v[out->n++];
    h->flag = f;
    h->severity = cfg->severity[f];
    snprintf(h->instance, sizeof(h->instance), "%s", instance ? instance : "");
    va_list ap, aq;
    va_start(ap, zh);
    va_copy(aq, ap);
    vsnprintf(h->evidence, sizeof(h->evidence), en, ap);
    /* zh is a literal at every call, over the arguments en is checked
     * against; the compiler checks one format per call, so not this one
     * (the rules tests raise every flag, both languages, under UBSan). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(h->evidence_zh, sizeof(h->evidence_zh), zh, aq);
#pragma GCC diagnostic pop
    va_end(aq);
    va_end(ap);
    return 0;
}

/* A pre-launch review state, in Chinese. */
static const char *prelaunch_zh(const char *status)
{
    return strcmp(status, "passed") == 0    ? "已通过"
           : strcmp(status, "failed") == 0  ? "未通过"
           : strcmp(status, "pending") == 0 ? "待审查"
           : strcmp(status, "none") == 0    ? "无"
                                            : status;
}

static int empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static int eval_accounts(const struct rules_config *cfg, const Tz__AccountsSection *a,
                         struct rule_hits *out)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < a->n_accounts; i++) {
        const Tz__Account *ac = a->accounts[i];
        enum pw_finding pw = report_pw_finding(ac);
        if (pw == PWF_EMPTY)
            rc = hit(cfg, out, FLAG_WEAK_PASSWORD, ac->name,
                     "account %s (uid %u) has an empty password",
                     "账户 %s (uid %u) 密码为空", ac->name, ac->uid);
        else if (pw == PWF_WEAK)
            rc = hit(cfg, out, FLAG_WEAK_PASSWORD, ac->name,
                     "account %s (uid %u) has a weak password: %s%.0s",
                     "账户 %s (uid %u) 使用弱口令：%.0s%s", ac->name, ac->uid,
                     report_weak_reason(ac),
                     report_weak_reason_zh(report_weak_reason(ac)));
        if (rc == 0 && ac->n_nopasswd_rules > 0)
            rc = hit(cfg, out, FLAG_SUDO_NOPASSWD, ac->name,
                     "account %s may sudo without a password: %s%s%.0s",
                     "账户 %s 可免密码执行 sudo：%s%.0s%s", ac->name,
                     ac->nopasswd_rules[0], ac->n_nopasswd_rules > 1 ? " (and more)" : "",
                     ac->n_nopasswd_rules > 1 ? "（等）" : "");
    }
    if (rc == 0 && a->n_uid0_accounts > 1) {
        char names[400];
        report_join(a->uid0_accounts, a->n_uid0_accounts, names, sizeof(names));
        rc = hit(cfg, out, FLAG_UID0_DUPLICATE, "",
                 "%zu accounts have UID 0: %s", "%zu 个账户的 UID 为 0：%s",
                 a->n_uid0_accounts, names);
    }
    return rc;
}

static int eval_listeners(const struct rules_config *cfg, const Tz__ListenersSection *l,
                          struct rule_hits *out)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n_listeners; i++) {
        const Tz__Listener *x = l->listeners[i];
        if (!report_listener_high_risk(x, cfg->high_risk, cfg->n_high_risk))
            continue;
        char inst[64];
        report_exposure_key(x, inst, sizeof(inst));
        int dup = 0;
        for (size_t k = 0; k < out->n; k++)
            if (out->v[k].flag == FLAG_EXPOSED_HIGH_RISK_PORT &&
                strcmp(out->v[k].instance, inst) == 0)
                dup = 1;
        if (dup)
            continue;
        rc = hit(cfg, out, FLAG_EXPOSED_HIGH_RISK_PORT, inst,
                 "%s port %u listens on %s (process %s%.0s, pid %u)",
                 "%s 端口 %u 监听于 %s（进程 %.0s%s，pid %u）", x->proto, x->port,
                 x->address, empty(x->process) ? "unknown" : x->process,
                 empty(x->process) ? "未知" : x->process, x->pid);
    }
    return rc;
}

static int exposed_web_port(const struct rules_config *cfg,
                            const Tz__ListenersSection *l, uint32_t *port)
{
    for (size_t i = 0; l && i < l->n_listeners; i++) {
        const Tz__Listener *x = l->listeners[i];
        if (x->exposed && strncmp(x->proto, "tcp", 3) == 0 &&
            rules_port_in(cfg->web, cfg->n_web, x->port)) {
            *port = x->port;
            return 1;
        }
    }
    return 0;
}

/* A screening stored after the passed review failed (第六条(六): what a
 * screening finds is fixed and reported back): the pass no longer holds.
 * "After" is by screening number when the review named its screening,
 * else by day (the review fields were set by hand). */
static const Tz__ScreeningSummary *review_undone(const Tz__SystemRecord *s)
{
    const Tz__ScreeningSummary *l = s->last_screening;
    const Tz__Prelaunch *p = s->prelaunch;
    if (l == NULL || l->passed || l->screening_id == 0)
        return NULL;
    if (p->screening_id)
        return l->screening_id > p->screening_id ? l : NULL;
    return civil_today((time_t)l->at) >= p->day ? l : NULL;
}

static int review_passed(const Tz__SystemRecord *s)
{
    return s && s->prelaunch && s->prelaunch->status &&
           strcmp(s->prelaunch->status, "passed") == 0 && !review_undone(s);
}

/* Why the latest report's account check failed, in the agent's words. */
static const char *account_check_error(const Tz__Report *r)
{
    for (size_t i = 0; r && i < r->n_errors; i++)
        if (r->errors[i]->section == TZ__SECTION_KIND__SECTION_ACCOUNTS &&
            !empty(r->errors[i]->message))
            return r->errors[i]->message;
    if (r && r->accounts && r->accounts->weak_check_failed &&
        !empty(r->accounts->weak_check_error))
        return r->accounts->weak_check_error;
    return "no reason given";
}

/* A host whose password checks keep failing (account_check.h counts the
 * days at ingest): weak passwords there go unseen. */
static int eval_account_check(const struct rules_config *cfg,
                              const struct host_facts *h, const char *name,
                              struct rule_hits *out)
{
    const Tz__AgentRecord *a = h->agent;
    if (a->account_check_failed_days < (uint32_t)cfg->account_check_failed_days)
        return 0;
    char since[11];
    civil_format(a->account_check_failed_first, since);
    return hit(cfg, out, FLAG_ACCOUNT_CHECK_FAILED, "",
               "the password check of %s failed on %u days in a row since %s "
               "(limit %d): %s",
               "%s 的口令检查已连续 %u 天失败（自 %s 起，上限 %d 天）：%s", name,
               a->account_check_failed_days, since,
               cfg->account_check_failed_days, account_check_error(h->report));
}

/* The other hosts in use with this one's machine_id, in agent id order,
 * into buf (English or Chinese): as many as fit, then how many more.
 * Returns how many there are. */
static size_t dup_list(const struct host_facts *h, int zh, char *buf,
                       size_t cap)
{
    size_t n = 0, shown = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->n_dups; i++) {
        const struct host_dup *d = &h->dups[i];
        if (d->agent_id == h->agent->agent_id || d->retired)
            continue;
        char seen[TIME_TEXT_BUF];
        time_text(d->last_seen, TIME_HUMAN_UTC, seen);
        const char *hn = empty(d->hostname) ? (zh ? "（无名）" : "(unnamed)")
                                            : d->hostname;
        const char *dp = empty(d->dept) ? (zh ? "（无部门）" : "(no department)")
                                        : d->dept;
        char one[200];
        int len = zh ? snprintf(one, sizeof(one), "%s主机 %llu（%s，%s，最后上报 %s）",
                                n ? "；" : "", (unsigned long long)d->agent_id,
                                hn, dp, seen)
                     : snprintf(one, sizeof(one), "%shost %llu (%s, %s, last seen %s)",
                                n ? "; " : "", (unsigned long long)d->agent_id,
                                hn, dp, seen);
        n++;
        if (len > 0 && (size_t)len < sizeof(one) && used + (size_t)len < cap - 24) {
            memcpy(buf + used, one, (size_t)len + 1);
            used += (size_t)len;
            shown++;
        }
    }
    if (shown < n)
        snprintf(buf + used, cap - used, zh ? "；另有 %zu 台" : "; and %zu more",
                 n - shown);
    return n;
}

static int eval_duplicate(const struct rules_config *cfg, const struct host_facts *h,
                          const char *name, struct rule_hits *out)
{
    const Tz__AgentRecord *a = h->agent;
    char others[400], others_zh[400];
    size_t n = dup_list(h, 0, others, sizeof(others));
    dup_list(h, 1, others_zh, sizeof(others_zh));
    if (n == 0)
        return 0;
    return hit(cfg, out, FLAG_DUPLICATE_HOST, "",
               "host %s (agent %llu) has machine_id %.40s, as %s %s%.0s; merge the "
               "old record (tzctl host merge OLD NEW) or retire it (tzctl host "
               "retire)",
               "主机 %s（agent %llu）的 machine_id %.40s%.0s 与以下主机相同：%.0s%s；"
               "请合并旧记录（tzctl host merge OLD NEW）或注销（tzctl host retire）",
               name, (unsigned long long)a->agent_id, a->machine_id,
               n == 1 ? "does" : "do", others, others_zh);
}

/* Append a whole piece to buf (of cap bytes, used so far) when it fits
 * before the last reserve bytes; 0 when it did not. */
static int append_whole(char *buf, size_t cap, size_t reserve, const char *piece)
{
    size_t used = strlen(buf), n = strlen(piece);
    if (used + n + reserve >= cap)
        return 0;
    memcpy(buf + used, piece, n + 1);
    return 1;
}

/* Appends "system 1 (教务系统, 教务处), ..." to buf, as many as fit, then
 * how many more. */
static void candidate_list(const struct host_facts *h, int zh, char *buf,
                           size_t cap)
{
    char more[48];
    size_t listed = 0;
    for (size_t i = 0; i < h->n_candidates; i++) {
        const Tz__SystemRecord *s = h->candidates[i];
        char piece[2 * TZ_MAX_NAME_BUF + 48];
        if (s == NULL)
            continue;
        if (zh)
            snprintf(piece, sizeof(piece), "%s系统 %llu（%s，%s）",
                     listed ? "，" : "", (unsigned long long)s->system_id,
                     s->name, empty(s->dept) ? "（无部门）" : s->dept);
        else
            snprintf(piece, sizeof(piece), "%ssystem %llu (%s, %s)",
                     listed ? ", " : "", (unsigned long long)s->system_id,
                     s->name, empty(s->dept) ? "(no department)" : s->dept);
        if (!append_whole(buf, cap, sizeof(more), piece))
            break;
        listed++;
    }
    if (h->candidates_total > listed) {
        snprintf(more, sizeof(more), zh ? "%s另有 %zu 个" : "%sand %zu more",
                 listed ? (zh ? "，" : ", ") : "", h->candidates_total - listed);
        append_whole(buf, cap, 0, more);
    }
}

/* AMBIGUOUS_BINDING: which systems matched, so an operator can choose. The
 * count of other departments' comes first: flag_evidence_for looks for it,
 * and no long name may push it out of the evidence. */
static int eval_ambiguous(const struct rules_config *cfg,
                          const struct host_facts *h, const char *name,
                          struct rule_hits *out)
{
    const Tz__AgentRecord *a = h->agent;
    char ev[sizeof(((struct rule_hit *)0)->evidence)], mark[64] = "";
    if (h->candidates_other_dept)
        snprintf(mark, sizeof(mark), ", %zu of them%s,",
                 h->candidates_other_dept, FLAG_OTHER_DEPTS_MARK);
    char host[2 * TZ_MAX_NAME_BUF + 64];
    snprintf(host, sizeof(host), "host %s (agent %llu) of %s; candidates: ",
             name, (unsigned long long)a->agent_id,
             empty(a->dept) ? "(no department)" : a->dept);
    snprintf(ev, sizeof(ev), "matches %zu system%s by address or hostname%s "
             "and is bound to none: ", h->candidates_total,
             h->candidates_total == 1 ? "" : "s", mark);
    if (!append_whole(ev, sizeof(ev), 64, host))
        append_whole(ev, sizeof(ev), 0, "candidates: ");
    candidate_list(h, 0, ev, sizeof(ev));
    char zh[sizeof(((struct rule_hit *)0)->evidence_zh)], zmark[64] = "";
    if (h->candidates_other_dept)
        snprintf(zmark, sizeof(zmark), "（其中 %zu 个属其他部门）",
                 h->candidates_other_dept);
    snprintf(zh, sizeof(zh), "主机 %s（agent %llu，属 %s）的地址或主机名匹配 "
             "%zu 个系统%s，未绑定任何系统；候选：", name,
             (unsigned long long)a->agent_id,
             empty(a->dept) ? "（无部门）" : a->dept, h->candidates_total,
             zmark);
    candidate_list(h, 1, zh, sizeof(zh));
    return hit(cfg, out, FLAG_AMBIGUOUS_BINDING, "", "%s%.0s", "%.0s%s", ev,
               zh);
}

/* An agent that hit one of the collector's limits (agent_quota.h counts
 * them at ingest) within the last day: which, when and the figures. */
static int eval_agent_abuse(const struct rules_config *cfg,
                            const struct host_facts *h, const char *name,
                            struct rule_hits *out)
{
    const Tz__AgentRecord *a = h->agent;
    if (!agent_quota_abusing(a, h->now))
        return 0;
    char when[TIME_TEXT_BUF];
    time_text(a->abuse_at, TIME_HUMAN_UTC, when);
    return hit(cfg, out, FLAG_AGENT_ABUSE, "",
               "host %s (agent %llu) hit the limit %s at %s (%llu reports refused "
               "in all): %s%.0s",
               "主机 %s（agent %llu）超出采集限额 %s，时间 %s（累计拒收 %llu 份报告）："
               "%.0s%s",
               name, (unsigned long long)a->agent_id, a->abuse_limit, when,
               (unsigned long long)a->abuse_refused,
               empty(a->abuse_detail) ? "no figures" : a->abuse_detail,
               empty(a->abuse_detail) ? "无数据" : a->abuse_detail);
}

int rules_eval_host(const struct rules_config *cfg, const struct host_facts *h,
                    struct rule_hits *out)
{
    if (h->agent->retirement != NULL)
        return 0;
    const Tz__AgentRecord *a = h->agent;
    const Tz__Report *r = h->report;
    int rc = 0;
    const char *name = empty(a->hostname) ? "(unnamed)" : a->hostname;

    if (h->system_id == 0)
        rc = hit(cfg, out, FLAG_UNREGISTERED_HOST, "",
                 "host %s (agent %llu) is bound to no registered system",
                 "主机 %s（agent %llu）未归属任何已登记的信息系统", name,
                 (unsigned long long)a->agent_id);
    if (rc == 0 && h->refused)
    {
        int cfgsrc = h->refused_src == TZ__BINDING_SOURCE__BIND_CONFIG;
        rc = hit(cfg, out, FLAG_BINDING_OTHER_DEPT, "",
                 "host %s (agent %llu) of %s%.0s %s%.0s system %llu (%s) of %s: "
                 "refused, %s%.0s",
                 "主机 %s（agent %llu，属 %.0s%s）%.0s%s系统 %llu（%s，属 %s）："
                 "已拒绝，%.0s%s", name, (unsigned long long)a->agent_id,
                 empty(a->dept) ? "(no department)" : a->dept,
                 empty(a->dept) ? "（无部门）" : a->dept,
                 cfgsrc ? "names in its agent config (system =)"
                        : "matches by address or hostname",
                 cfgsrc ? "在 agent 配置中（system =）指向其他部门的"
                        : "按地址或主机名匹配到其他部门的",
                 (unsigned long long)h->refused->system_id, h->refused->name,
                 h->refused->dept,
                 h->system ? "the host belongs to its own department's system"
                           : "the host stays unbound",
                 h->system ? "主机仍归属本部门的系统" : "主机保持未绑定");
    }
    if (rc == 0 && h->system_id == 0 && h->candidates_total > 0)
        rc = eval_ambiguous(cfg, h, name, out);

    if (rc == 0 && h->n_dups > 1)
        rc = eval_duplicate(cfg, h, name, out);

    int64_t silent = h->now - a->last_seen;
    if (rc == 0 && silent > (int64_t)cfg->agent_silent_hours * 3600)
        rc = hit(cfg, out, FLAG_AGENT_SILENT, "",
                 "no report from %s for %lld hours (limit %d)",
                 "%s 已 %lld 小时未上报（上限 %d 小时）", name,
                 (long long)(silent / 3600), cfg->agent_silent_hours);
    if (rc == 0)
        rc = eval_account_check(cfg, h, name, out);
    if (rc == 0)
        rc = eval_agent_abuse(cfg, h, name, out);
    if (r == NULL)
        return rc;

    if (rc == 0 && r->accounts)
        rc = eval_accounts(cfg, r->accounts, out);
    if (rc == 0 && r->ssh && r->ssh->found && r->ssh->permit_root_login &&
        strcmp(r->ssh->permit_root_login, "yes") == 0)
        rc = hit(cfg, out, FLAG_ROOT_SSH_LOGIN, "",
                 "sshd_config: PermitRootLogin yes%s%.0s",
                 "sshd_config：允许 root 登录（PermitRootLogin yes）%.0s%s",
                 r->ssh->password_authentication ? " with PasswordAuthentication yes" : "",
                 r->ssh->password_authentication ? "，且允许口令登录" : "");
    if (rc == 0 && r->listeners)
        rc = eval_listeners(cfg, r->listeners, out);
    if (rc == 0 && r->patch && r->patch->security_updates > 0) {
        const Tz__PatchSection *p = r->patch;
        char first[160];
        report_security_names(p, 3, first, sizeof(first));
        rc = hit(cfg, out, FLAG_PATCHES_PENDING, "",
                 "%u security updates pending (%s%s)", "%u 个安全更新未安装（%s%s）",
                 p->security_updates, first, p->security_updates > 3 ? ", ..." : "");
    }
    if (rc == 0 && r->patch && (r->patch->kernel_outdated || r->patch->reboot_required)) {
        const Tz__PatchSection *p = r->patch;
        if (p->kernel_outdated)
            rc = hit(cfg, out, FLAG_REBOOT_REQUIRED, "",
                     "running kernel %s is older than installed %s",
                     "运行中的内核 %s 旧于已安装的 %s，需重启", p->running_kernel,
                     p->newest_kernel);
        else
            rc = hit(cfg, out, FLAG_REBOOT_REQUIRED, "",
                     "/var/run/reboot-required is present",
                     "存在 /var/run/reboot-required，更新后需重启");
    }
    uint32_t port;
    if (rc == 0 && exposed_web_port(cfg, r->listeners, &port) && !review_passed(h->system))
        rc = hit(cfg, out, FLAG_NO_PRELAUNCH_REVIEW, "",
                 "host %s serves web port %u %s%.0s",
                 "主机 %s 开放 Web 端口 %u，%.0s%s", name, port,
                 h->system ? "but its system has no passed pre-launch review"
                           : "and belongs to no reviewed system",
                 h->system ? "但其所属系统未通过上线前审查"
                           : "且不属于任何经过审查的系统");
    return rc;
}

int rules_eval_system(const struct rules_config *cfg, const Tz__SystemRecord *s,
                      int32_t today, struct rule_hits *out)
{
    if (s->status && strcmp(s->status, "retired") == 0)
        return 0;
    int rc = 0;
    if (empty(s->owner) || empty(s->admin))
        rc = hit(cfg, out, FLAG_NO_OWNER, "", "%s: %s%s%.0s%s is empty",
                 "%s：%s%.0s%s%s未填写", s->name,
                 empty(s->owner) ? "负责人 (owner)" : "",
                 empty(s->owner) && empty(s->admin) ? " and " : "",
                 empty(s->owner) && empty(s->admin) ? "和" : "",
                 empty(s->admin) ? "管理员 (admin)" : "");

    char missing[200] = "";
    if (empty(s->school_filing))
        strcat(missing, "校内备案 (school_filing)");
    if (s->public_facing && empty(s->icp_filing))
        strcat(strcat(missing, missing[0] ? ", " : ""), "ICP备案号 (icp_filing)");
    if (s->public_facing && empty(s->psb_filing))
        strcat(strcat(missing, missing[0] ? ", " : ""), "公安备案号 (psb_filing)");
    if (rc == 0 && missing[0])
        rc = hit(cfg, out, FLAG_NO_FILING, "", "%s: missing %s", "%s：缺少%s",
                 s->name, missing);

    if (rc == 0 && s->mlps_grade == 0)
        rc = hit(cfg, out, FLAG_NO_GRADING, "", "%s has no MLPS grade (等保等级)",
                 "%s 未确定等保等级", s->name);
    if (rc == 0 && s->mlps_grade >= (uint32_t)cfg->filing_required_from_grade &&
        s->grading_filed_day == 0)
        rc = hit(cfg, out, FLAG_GRADING_NOT_FILED, "",
                 "%s is graded level %u but has no grading filing date (定级备案日期)",
                 "%s 定为第 %u 级，但无定级备案日期", s->name, s->mlps_grade);
    if (rc == 0 && s->mlps_grade >= 1 && s->mlps_grade <= 5 &&
        cfg->eval_max_days[s->mlps_grade] > 0) {
        int limit = cfg->eval_max_days[s->mlps_grade];
        if (s->last_evaluation_day == 0)
            rc = hit(cfg, out, FLAG_EVALUATION_OVERDUE, "",
                     "%s (level %u) has never been evaluated (limit %d days)",
                     "%s（第 %u 级）从未进行等级测评（周期 %d 天）", s->name,
                     s->mlps_grade, limit);
        else if (today - s->last_evaluation_day > limit) {
            char d[11];
            civil_format(s->last_evaluation_day, d);
            rc = hit(cfg, out, FLAG_EVALUATION_OVERDUE, "",
                     "%s (level %u) was last evaluated %s, %d days ago (limit %d)",
                     "%s（第 %u 级）上次测评于 %s，已过 %d 天（周期 %d 天）",
                     s->name, s->mlps_grade, d, today - s->last_evaluation_day, limit);
        }
    }
    const Tz__ScreeningSummary *undone = s->prelaunch && s->prelaunch->status &&
        strcmp(s->prelaunch->status, "passed") == 0 ? review_undone(s) : NULL;
    if (rc == 0 && s->status && strcmp(s->status, "live") == 0 && undone) {
        char d[11];
        civil_format(civil_today((time_t)undone->at), d);
        rc = hit(cfg, out, FLAG_NO_PRELAUNCH_REVIEW, "",
                 "%s: screening %llu on %s failed %u blocking item%s after the "
                 "pre-launch review passed (tzctl screening show %llu)",
                 "%s：上线前审查通过后，%llu 号审查（%s）有 %u 项阻断项未通过%.0s"
                 "（tzctl screening show %llu）", s->name,
                 (unsigned long long)undone->screening_id, d, undone->blocking_failed,
                 undone->blocking_failed == 1 ? "" : "s",
                 (unsigned long long)undone->screening_id);
    } else if (rc == 0 && s->status && strcmp(s->status, "live") == 0 && !review_passed(s))
        rc = hit(cfg, out, FLAG_NO_PRELAUNCH_REVIEW, "",
                 "%s is live without a passed pre-launch review (上线前审查: %s%.0s)",
                 "%s 已上线但未通过上线前审查（上线前审查：%.0s%s）", s->name,
                 s->prelaunch && !empty(s->prelaunch->status) ? s->prelaunch->status
                                                              : "none",
                 prelaunch_zh(s->prelaunch && !empty(s->prelaunch->status)
                                  ? s->prelaunch->status : "none"));
    return rc;
}
