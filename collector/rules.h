/* rules — which flags a host or a system deserves, from its records alone.
 *
 * Pure functions: no storage, no clock of their own (now is passed in), so
 * each rule is tested by building records and checking the hits. Storing
 * hits as flags with open/close history is flags_update's job.
 * Ownership: hits are appended to *out; free with rule_hits_free. */
#ifndef TZ_RULES_H
#define TZ_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "flag_catalog.h"
#include "host_dups.h"
#include "rules_config.h"
#include "taizhang.pb-c.h"

struct rule_hit {
    enum flag_id flag;
    Tz__Severity severity;
    char instance[128];   /* distinguishes hits of one flag: account, port */
    char evidence[512];   /* what was seen, in words (English) */
    char evidence_zh[512];/* the same in Chinese (第一语言 of the reader) */
};

struct rule_hits {
    struct rule_hit *v;
    size_t n, cap;
};

void rule_hits_free(struct rule_hits *h);

struct host_facts {
    const Tz__AgentRecord *agent;
    const Tz__Report *report;        /* may be NULL: enrolled, never reported */
    uint64_t system_id;              /* bound system, 0 when none */
    const Tz__SystemRecord *system;  /* that system's record, or NULL */
    int64_t now;
    /* Another department's system the host's config named, and was
     * refused (register_binding's refused_id); NULL when none. */
    const Tz__SystemRecord *refused;
    Tz__BindingSource refused_src;   /* BIND_CONFIG */
    /* The candidates of an ambiguous match (register_binding's), in id
     * order, n_candidates of candidates_total; candidates_total 0: none.
     * An entry may be NULL (a system gone meanwhile). */
    const Tz__SystemRecord *const *candidates;
    size_t n_candidates, candidates_total;
    size_t candidates_other_dept;    /* of the total, other departments' */
    /* Every host with the agent's machine_id, itself included (host_dups.h);
     * NULL, 0 when no other host has it. */
    const struct host_dup *dups;
    size_t n_dups;
};

/* Host rules: UNREGISTERED_HOST, BINDING_OTHER_DEPT, AMBIGUOUS_BINDING
 * (FLAG_OTHER_DEPTS_MARK in its first words when a candidate is another
 * department's), WEAK_PASSWORD, UID0_DUPLICATE,
 * SUDO_NOPASSWD, ROOT_SSH_LOGIN, EXPOSED_HIGH_RISK_PORT, PATCHES_PENDING,
 * REBOOT_REQUIRED, AGENT_SILENT, NO_PRELAUNCH_REVIEW (exposed web port),
 * ACCOUNT_CHECK_FAILED (from the agent record's count, account_check.h;
 * the evidence quotes the report's reason when h->report has it),
 * DUPLICATE_HOST (another host in use has the same machine_id: each is
 * named by id, hostname, department and last contact), AGENT_ABUSE (the
 * agent record's last limit hit, agent_quota.h, within
 * AGENT_QUOTA_FLAG_SECONDS of now). A retired host
 * (AgentRecord.retirement) raises nothing. Returns 0 or TZ_ENOMEM. */
int rules_eval_host(const struct rules_config *cfg, const struct host_facts *h,
                    struct rule_hits *out);

/* System rules: NO_OWNER, NO_FILING, NO_GRADING, GRADING_NOT_FILED,
 * EVALUATION_OVERDUE, NO_PRELAUNCH_REVIEW (live system). Retired systems
 * raise nothing. today is a civil day (common/civil_day.h). */
int rules_eval_system(const struct rules_config *cfg, const Tz__SystemRecord *s,
                      int32_t today, struct rule_hits *out);

#endif
