/* agent_quota — how much one enrolled agent may put into the register.
 *
 * One enrolled key could otherwise fill the register for everyone (a host
 * alternating two large package lists wrote ~15 MB/s of history, and a full
 * map answers every agent STORAGE_ERROR). The collector's INI sets per-agent
 * limits: reports per hour and report bytes per day (over them a report is
 * refused OVER_QUOTA and the agent keeps it and retries later), history
 * bytes per host (over it the host's oldest history is pruned), and hosts per
 * enrollment token and per department (over them an enrollment is refused
 * OVER_QUOTA). Every limit hit is noted on the agent record, and rules.c
 * raises AGENT_ABUSE from it.
 *
 * The decisions live here, above the storage (STYLE: thin backend): the
 * register's batch transaction reads the records, asks here, and stores the
 * fields set. Windows are fixed UTC hours and days (unix time / 3600,
 * / 86400). Pure: no storage, no clock (now is passed in), no allocation;
 * strings set on a record point at static text or at the caller's buffer. */
#ifndef TZ_AGENT_QUOTA_H
#define TZ_AGENT_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"

/* 0 in any field: that limit is off. */
struct agent_quota {
    uint32_t reports_per_hour;  /* reports accepted per agent and UTC hour */
    uint64_t bytes_per_day;     /* report bytes accepted per agent and UTC day */
    uint64_t history_bytes;     /* history kept per host */
    uint32_t hosts_per_token;   /* agents one enrollment token may enroll */
    uint32_t hosts_per_dept;    /* agents (not revoked) one department may have */
    uint32_t diff_max;          /* changes one history entry stores whole */
    uint32_t diff_keep;         /* changes of each list a summary keeps */
};

enum agent_quota_limit {
    AQ_NONE,
    AQ_REPORTS_PER_HOUR,
    AQ_BYTES_PER_DAY,
    AQ_HISTORY_BYTES,
    AQ_HOSTS_PER_TOKEN,
    AQ_HOSTS_PER_DEPT,
    AQ__COUNT
};

/* The limits tz-collector applies when its INI says nothing (README's
 * configuration reference lists them). */
void agent_quota_defaults(struct agent_quota *q);

/* Every limit off: what a register enforces until told otherwise. */
void agent_quota_off(struct agent_quota *q);

/* The INI key of limit l ("reports_per_hour"), "" for AQ_NONE. */
const char *agent_quota_limit_name(enum agent_quota_limit l);

/* May rec's agent store a report of bytes at now? TZ__STATUS__OK: counted
 * in rec's hour and day. TZ__STATUS__OVER_QUOTA: not counted, *which says
 * which limit, why (NUL-terminated, cut to len) the figures, e.g. "agent 3
 * sent 60 reports in the hour from 2026-03-01 10:00 UTC (limit
 * reports_per_hour = 60)", and rec's abuse_* fields say the same (why must
 * outlive rec's use: abuse_detail points at it). A report is refused when
 * the hour already has reports_per_hour reports, or when the day's bytes
 * plus bytes would pass bytes_per_day. */
int agent_quota_report(const struct agent_quota *q, Tz__AgentRecord *rec,
                       uint64_t bytes, int64_t now, enum agent_quota_limit *which,
                       char *why, size_t len);

/* A history entry of bytes was stored for rec's host: counted. Returns 1
 * when the host's history may now be over history_bytes (the caller then
 * counts it for real and prunes it to agent_quota_history_target), else 0. */
int agent_quota_history_add(const struct agent_quota *q, Tz__AgentRecord *rec,
                            uint64_t bytes);

/* How many bytes of history a host over its cap keeps: three quarters of
 * it, so that pruning runs once per quarter of the cap, not every report. */
uint64_t agent_quota_history_target(const struct agent_quota *q);

/* rec's host really holds kept bytes of history after pruned entries of it
 * were deleted at now. Sets history_bytes; when anything was pruned, notes
 * AQ_HISTORY_BYTES in the abuse_* fields with why (cut to len) as above. */
void agent_quota_history_pruned(const struct agent_quota *q, Tz__AgentRecord *rec,
                                uint64_t kept, uint64_t pruned, int64_t now,
                                char *why, size_t len);

/* May token t enroll one more agent into a department that has dept_hosts
 * agents not revoked? TZ__STATUS__OK, or TZ__STATUS__OVER_QUOTA with *which
 * and why ("department 计算机学院 has 500 hosts (limit hosts_per_dept =
 * 500): ..."). t->uses counts the agents t enrolled. */
int agent_quota_enroll(const struct agent_quota *q, const Tz__TokenRecord *t,
                       uint64_t dept_hosts, enum agent_quota_limit *which,
                       char *why, size_t len);

/* How long after its last limit hit an agent stays flagged AGENT_ABUSE. */
#define AGENT_QUOTA_FLAG_SECONDS 86400

/* Is rec's agent flagged AGENT_ABUSE at now (a limit hit within
 * AGENT_QUOTA_FLAG_SECONDS)? */
int agent_quota_abusing(const Tz__AgentRecord *rec, int64_t now);

#endif
