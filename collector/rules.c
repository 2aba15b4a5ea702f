/* rules — evaluating DESIGN.md §5 on a host's report and a system's record. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_quota.h"
#include "civil_day.h"
#include "report_facts.h"
#include "tz_error.h"

void rule_hits_free(struct rule_hits *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

static int hit(const struct rules_config *cfg, struct rule_hits *out,
               enum flag_id f, const char *instance, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int hit(const struct rules_config *cfg, struct rule_hits *out,
               enum flag_id f, const char *instance, const char *fmt, ...)
{
    if (cfg->disabled[f])
        return 0;
    if (out->n == out->cap) {
        size_t ncap = out->cap ? out->cap * 2 : 8;
        struct rule_hit *nv = realloc(out->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return TZ_ENOMEM;
        out->v = nv;
        out->cap = ncap;
    }
    struct rule_hit *h = &out->v[out->n++];
    h->flag = f;
    h->severity = cfg->severity[f];
    snprintf(h->instance, sizeof(h->instance), "%s", instance ? instance : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->evidence, sizeof(h->evidence), fmt, ap);
    va_end(ap);
    return 0;
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
                     "account %s (uid %u) has an empty password", ac->name, ac->uid);
        else if (pw == PWF_WEAK)
            rc = hit(cfg, out, FLAG_WEAK_PASSWORD, ac->name,
                     "account %s (uid %u) has a weak password: %s", ac->name,
                     ac->uid, report_weak_reason(ac));
        if (rc == 0 && ac->n_nopasswd_rules > 0)
            rc = hit(cfg, out, FLAG_SUDO_NOPASSWD, ac->name,
                     "account %s may sudo without a password: %s%s", ac->name,
                     ac->nopasswd_rules[0], ac->n_nopasswd_rules > 1 ? " (and more)" : "");
    }
    if (rc == 0 && a->n_uid0_accounts > 1) {
        char names[400];
        report_join(a->uid0_accounts, a->n_uid0_accounts, names, sizeof(names));
        rc = hit(cfg, out, FLAG_UID0_DUPLICATE, "",
                 "%zu accounts have UID 0: %s", a->n_uid0_accounts, names);
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
                 "%s port %u listens on %s (process %s, pid %u)", x->proto, x->port,
                 x->address, empty(x->process) ? "unknown" : x->process, x->pid);
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
               "(limit %d): %s", name, a->account_check_failed_days, since,
               cfg->account_check_failed_days, account_check_error(h->report));
}

/* The other hosts in use with this one's machine_id, in agent id order;
 * as many as fit the evidence, then how many more. */
static int eval_duplicate(const struct rules_config *cfg, const struct host_facts *h,
                          const char *name, struct rule_hits *out)
{
    const Tz__AgentRecord *a = h->agent;
    char others[400] = "";
    size_t n = 0, shown = 0, used = 0;
    for (size_t i = 0; i < h->n_dups; i++) {
        const struct host_dup *d = &h->dups[i];
        if (d->agent_id == a->agent_id || d->retired)
            continue;
        char seen[32];
        time_t t = (time_t)d->last_seen;
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(seen, sizeof(seen), "%Y-%m-%d %H:%M UTC", &tm) == 0)
            snprintf(seen, sizeof(seen), "%lld", (long long)d->last_seen);
        char one[200];
        int len = snprintf(one, sizeof(one), "%shost %llu (%s, %s, last seen %s)",
                           n ? "; " : "", (unsigned long long)d->agent_id,
                           empty(d->hostname) ? "(unnamed)" : d->hostname,
                           empty(d->dept) ? "(no department)" : d->dept, seen);
        n++;
        if (len > 0 && (size_t)len < sizeof(one) && used + (size_t)len < sizeof(others) - 24) {
            memcpy(others + used, one, (size_t)len + 1);
            used += (size_t)len;
            shown++;
        }
    }
    if (n == 0)
        return 0;
    if (shown < n)
        snprintf(others + used, sizeof(others) - used, "; and %zu more", n - shown);
    return hit(cfg, out, FLAG_DUPLICATE_HOST, "",
               "host %s (agent %llu) has machine_id %.40s, as %s %s; merge the old "
               "record (tzctl host merge OLD NEW) or retire it (tzctl host retire)",
               name, (unsigned long long)a->agent_id, a->machine_id,
               n == 1 ? "does" : "do", others);
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
    char when[32];
    time_t t = (time_t)a->abuse_at;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(when, sizeof(when), "?");
    return hit(cfg, out, FLAG_AGENT_ABUSE, "",
               "host %s (agent %llu) hit the limit %s at %s (%llu reports refused "
               "in all): %s", name, (unsigned long long)a->agent_id, a->abuse_limit,
               when, (unsigned long long)a->abuse_refused,
               empty(a->abuse_detail) ? "no figures" : a->abuse_detail);
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
                 "host %s (agent %llu) is bound to no registered system", name,
                 (unsigned long long)a->agent_id);
    if (rc == 0 && h->refused)
        rc = hit(cfg, out, FLAG_BINDING_OTHER_DEPT, "",
                 "host %s (agent %llu) of %s %s system %llu (%s) of %s: "
                 "refused, %s", name, (unsigned long long)a->agent_id,
                 empty(a->dept) ? "(no department)" : a->dept,
                 h->refused_src == TZ__BINDING_SOURCE__BIND_CONFIG
                     ? "names in its agent config (system =)"
                     : "matches by address or hostname",
                 (unsigned long long)h->refused->system_id, h->refused->name,
                 h->refused->dept,
                 h->system ? "the host belongs to its own department's system"
                           : "the host stays unbound");

    if (rc == 0 && h->n_dups > 1)
        rc = eval_duplicate(cfg, h, name, out);

    int64_t silent = h->now - a->last_seen;
    if (rc == 0 && silent > (int64_t)cfg->agent_silent_hours * 3600)
        rc = hit(cfg, out, FLAG_AGENT_SILENT, "",
                 "no report from %s for %lld hours (limit %d)", name,
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
                 "sshd_config: PermitRootLogin yes%s",
                 r->ssh->password_authentication ? " with PasswordAuthentication yes" : "");
    if (rc == 0 && r->listeners)
        rc = eval_listeners(cfg, r->listeners, out);
    if (rc == 0 && r->patch && r->patch->security_updates > 0) {
        const Tz__PatchSection *p = r->patch;
        char first[160];
        report_security_names(p, 3, first, sizeof(first));
        rc = hit(cfg, out, FLAG_PATCHES_PENDING, "",
                 "%u security updates pending (%s%s)", p->security_updates, first,
                 p->security_updates > 3 ? ", ..." : "");
    }
    if (rc == 0 && r->patch && (r->patch->kernel_outdated || r->patch->reboot_required)) {
        const Tz__PatchSection *p = r->patch;
        if (p->kernel_outdated)
            rc = hit(cfg, out, FLAG_REBOOT_REQUIRED, "",
                     "running kernel %s is older than installed %s", p->running_kernel,
                     p->newest_kernel);
        else
            rc = hit(cfg, out, FLAG_REBOOT_REQUIRED, "",
                     "/var/run/reboot-required is present");
    }
    uint32_t port;
    if (rc == 0 && exposed_web_port(cfg, r->listeners, &port) && !review_passed(h->system))
        rc = hit(cfg, out, FLAG_NO_PRELAUNCH_REVIEW, "",
                 "host %s serves web port %u %s", name, port,
                 h->system ? "but its system has no passed pre-launch review"
                           : "and belongs to no reviewed system");
    return rc;
}

int rules_eval_system(const struct rules_config *cfg, const Tz__SystemRecord *s,
                      int32_t today, struct rule_hits *out)
{
    if (s->status && strcmp(s->status, "retired") == 0)
        return 0;
    int rc = 0;
    if (empty(s->owner) || empty(s->admin))
        rc = hit(cfg, out, FLAG_NO_OWNER, "", "%s: %s%s%s is empty", s->name,
                 empty(s->owner) ? "负责人 (owner)" : "",
                 empty(s->owner) && empty(s->admin) ? " and " : "",
                 empty(s->admin) ? "管理员 (admin)" : "");

    char missing[200] = "";
    if (empty(s->school_filing))
        strcat(missing, "校内备案 (school_filing)");
    if (s->public_facing && empty(s->icp_filing))
        strcat(strcat(missing, missing[0] ? ", " : ""), "ICP备案号 (icp_filing)");
    if (s->public_facing && empty(s->psb_filing))
        strcat(strcat(missing, missing[0] ? ", " : ""), "公安备案号 (psb_filing)");
    if (rc == 0 && missing[0])
        rc = hit(cfg, out, FLAG_NO_FILING, "", "%s: missing %s", s->name, missing);

    if (rc == 0 && s->mlps_grade == 0)
        rc = hit(cfg, out, FLAG_NO_GRADING, "", "%s has no MLPS grade (等保等级)", s->name);
    if (rc == 0 && s->mlps_grade >= (uint32_t)cfg->filing_required_from_grade &&
        s->grading_filed_day == 0)
        rc = hit(cfg, out, FLAG_GRADING_NOT_FILED, "",
                 "%s is graded level %u but has no grading filing date (定级备案日期)",
                 s->name, s->mlps_grade);
    if (rc == 0 && s->mlps_grade >= 1 && s->mlps_grade <= 5 &&
        cfg->eval_max_days[s->mlps_grade] > 0) {
        int limit = cfg->eval_max_days[s->mlps_grade];
        if (s->last_evaluation_day == 0)
            rc = hit(cfg, out, FLAG_EVALUATION_OVERDUE, "",
                     "%s (level %u) has never been evaluated (limit %d days)", s->name,
                     s->mlps_grade, limit);
        else if (today - s->last_evaluation_day > limit) {
            char d[11];
            civil_format(s->last_evaluation_day, d);
            rc = hit(cfg, out, FLAG_EVALUATION_OVERDUE, "",
                     "%s (level %u) was last evaluated %s, %d days ago (limit %d)",
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
                 "pre-launch review passed (tzctl screening show %llu)", s->name,
                 (unsigned long long)undone->screening_id, d, undone->blocking_failed,
                 undone->blocking_failed == 1 ? "" : "s",
                 (unsigned long long)undone->screening_id);
    } else if (rc == 0 && s->status && strcmp(s->status, "live") == 0 && !review_passed(s))
        rc = hit(cfg, out, FLAG_NO_PRELAUNCH_REVIEW, "",
                 "%s is live without a passed pre-launch review (上线前审查: %s)", s->name,
                 s->prelaunch && !empty(s->prelaunch->status) ? s->prelaunch->status
                                                              : "none");
    return rc;
}
