/* agent_quota — per-agent limits on reports, bytes, history and hosts:
 * counting in fixed UTC windows, and the words of a refusal. */
#include "agent_quota.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "time_text.h"

void agent_quota_defaults(struct agent_quota *q)
{
    /* An agent reports once a day, plus "collect now" and resends: 60 an
     * hour and 256 MiB a day are far above that and far below what fills a
     * register (a full report with 3,000 packages is ~300 KB). */
    q->reports_per_hour = 60;
    q->bytes_per_day = 256ull << 20;
    q->history_bytes = 64ull << 20;
    q->hosts_per_token = 1000;
    q->hosts_per_dept = 5000;
    q->diff_max = 1000;
    q->diff_keep = 20;
}

void agent_quota_off(struct agent_quota *q)
{
    memset(q, 0, sizeof(*q));
}

const char *agent_quota_limit_name(enum agent_quota_limit l)
{
    switch (l) {
    case AQ_REPORTS_PER_HOUR: return "reports_per_hour";
    case AQ_BYTES_PER_DAY: return "bytes_per_day";
    case AQ_HISTORY_BYTES: return "history_bytes";
    case AQ_HOSTS_PER_TOKEN: return "hosts_per_token";
    case AQ_HOSTS_PER_DEPT: return "hosts_per_dept";
    default: return "";
    }
}

/* "2026-03-01 10:00 UTC" for the start of window w of length secs. */
static void window_start(int64_t w, int64_t secs, char out[TIME_TEXT_BUF])
{
    time_text(w * secs, TIME_HUMAN_UTC, out);
}

static void note_abuse(Tz__AgentRecord *rec, enum agent_quota_limit l, int64_t now,
                       char *why)
{
    rec->abuse_limit = (char *)agent_quota_limit_name(l);
    rec->abuse_at = now;
    rec->abuse_detail = why;
}

/* Start a new hour or day when now left the one counted. */
static void roll_windows(Tz__AgentRecord *rec, int64_t now)
{
    int64_t hour = now / 3600, day = now / 86400;
    if (rec->quota_hour != hour) {
        rec->quota_hour = hour;
        rec->quota_hour_reports = 0;
    }
    if (rec->quota_day != day) {
        rec->quota_day = day;
        rec->quota_day_bytes = 0;
    }
}

static enum agent_quota_limit report_over(const struct agent_quota *q,
                                          const Tz__AgentRecord *rec, uint64_t bytes)
{
    if (q->reports_per_hour && rec->quota_hour_reports >= q->reports_per_hour)
        return AQ_REPORTS_PER_HOUR;
    if (q->bytes_per_day &&
        (bytes > q->bytes_per_day || rec->quota_day_bytes > q->bytes_per_day - bytes))
        return AQ_BYTES_PER_DAY;
    return AQ_NONE;
}

int agent_quota_report(const struct agent_quota *q, Tz__AgentRecord *rec,
                       uint64_t bytes, int64_t now, enum agent_quota_limit *which,
                       char *why, size_t len)
{
    roll_windows(rec, now);
    *which = report_over(q, rec, bytes);
    if (*which == AQ_NONE) {
        rec->quota_hour_reports++;
        rec->quota_day_bytes += bytes;
        return TZ__STATUS__OK;
    }
    char from[TIME_TEXT_BUF];
    if (*which == AQ_REPORTS_PER_HOUR) {
        window_start(rec->quota_hour, 3600, from);
        admission_format(why, len, "agent %" PRIu64 " sent %" PRIu32 " reports in "
                         "the hour from %s (limit reports_per_hour = %" PRIu32
                         "): retry next hour", rec->agent_id, rec->quota_hour_reports,
                         from, q->reports_per_hour);
    } else {
        window_start(rec->quota_day, 86400, from);
        admission_format(why, len, "agent %" PRIu64 " sent %" PRIu64 " bytes on the "
                         "day from %s, %" PRIu64 " more would pass bytes_per_day = %"
                         PRIu64 ": retry tomorrow", rec->agent_id, rec->quota_day_bytes,
                         from, bytes, q->bytes_per_day);
    }
    rec->abuse_refused++;
    note_abuse(rec, *which, now, why);
    return TZ__STATUS__OVER_QUOTA;
}

int agent_quota_history_add(const struct agent_quota *q, Tz__AgentRecord *rec,
                            uint64_t bytes)
{
    rec->history_bytes += bytes;
    return q->history_bytes && rec->history_bytes > q->history_bytes;
}

uint64_t agent_quota_history_target(const struct agent_quota *q)
{
    return q->history_bytes / 4 * 3;
}

void agent_quota_history_pruned(const struct agent_quota *q, Tz__AgentRecord *rec,
                                uint64_t kept, uint64_t pruned, int64_t now,
                                char *why, size_t len)
{
    rec->history_bytes = kept;
    if (pruned == 0)
        return;
    admission_format(why, len, "history of agent %" PRIu64 " passed history_bytes = %"
                     PRIu64 ": its %" PRIu64 " oldest entries were deleted, %" PRIu64
                     " bytes kept", rec->agent_id, q->history_bytes, pruned, kept);
    note_abuse(rec, AQ_HISTORY_BYTES, now, why);
}

int agent_quota_enroll(const struct agent_quota *q, const Tz__TokenRecord *t,
                       uint64_t dept_hosts, enum agent_quota_limit *which,
                       char *why, size_t len)
{
    *which = AQ_NONE;
    if (q->hosts_per_token && t->uses >= q->hosts_per_token) {
        *which = AQ_HOSTS_PER_TOKEN;
        admission_format(why, len, "enrollment token %s (id %" PRIu64 ") enrolled "
                         "%" PRIu32 " hosts (limit hosts_per_token = %" PRIu32 "): "
                         "make a new token for more", t->prefix ? t->prefix : "",
                         t->token_id, t->uses, q->hosts_per_token);
    } else if (q->hosts_per_dept && dept_hosts >= q->hosts_per_dept) {
        *which = AQ_HOSTS_PER_DEPT;
        admission_format(why, len, "department %s has %" PRIu64 " hosts (limit "
                         "hosts_per_dept = %" PRIu32 "): revoke unused ones or ask "
                         "the network center to raise the limit", t->dept, dept_hosts,
                         q->hosts_per_dept);
    }
    return *which == AQ_NONE ? TZ__STATUS__OK : TZ__STATUS__OVER_QUOTA;
}

int agent_quota_abusing(const Tz__AgentRecord *rec, int64_t now)
{
    return rec->abuse_at > 0 && rec->abuse_limit && rec->abuse_limit[0] &&
           now - rec->abuse_at < AGENT_QUOTA_FLAG_SECONDS;
}
