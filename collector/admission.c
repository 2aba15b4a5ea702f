/* admission — is this enrollment token usable, is this agent key still
 * accepted: decided from the records the register read, nothing else. */
#include "admission.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "time_text.h"
#include "utf8.h"

void admission_format(char *buf, size_t len, const char *fmt, ...)
{
    if (len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf[0] = '\0';
        return;
    }
    if ((size_t)n < len)
        return;
    /* Shortened: drop a character the cut split. */
    size_t used = strlen(buf), i = 0;
    while (i < used) {
        uint32_t cp;
        size_t step = tz_utf8_next(buf + i, used - i, &cp);
        if (step == 0)
            break;
        i += step;
    }
    buf[i] = '\0';
}

uint32_t admission_token_uses_left(const Tz__TokenRecord *t)
{
    if (t->max_uses == 0)
        return UINT32_MAX;
    return t->uses >= t->max_uses ? 0 : t->max_uses - t->uses;
}

int admission_token(const Tz__TokenRecord *t, int64_t now, char *why, size_t len)
{
    char id[32] = "", at[32];
    if (t->token_id)
        snprintf(id, sizeof(id), " (id %" PRIu64 ")", t->token_id);
    if (strcmp(t->role, "dept") != 0 || t->dept[0] == '\0') {
        admission_format(why, len, "token has role \"%s\", not a department "
                         "enrollment token", t->role);
        return TZ__STATUS__BAD_TOKEN;
    }
    if (t->revoked_at != 0) {
        time_text(t->revoked_at, TIME_HUMAN_UTC, at);
        admission_format(why, len, "enrollment token %s%s was revoked on %s: ask "
                         "the network center for a new one", t->prefix, id, at);
        return TZ__STATUS__BAD_TOKEN;
    }
    if (t->expires_at != 0 && now >= t->expires_at) {
        time_text(t->expires_at, TIME_HUMAN_UTC, at);
        admission_format(why, len, "enrollment token %s%s expired on %s: ask the "
                         "network center for a new one", t->prefix, id, at);
        return TZ__STATUS__BAD_TOKEN;
    }
    if (admission_token_uses_left(t) == 0) {
        admission_format(why, len, "enrollment token %s%s is used up (%" PRIu32
                         " of %" PRIu32 " enrollments made): ask the network "
                         "center for a new one", t->prefix, id, t->uses, t->max_uses);
        return TZ__STATUS__BAD_TOKEN;
    }
    if (len)
        why[0] = '\0';
    return TZ__STATUS__OK;
}

void admission_token_spend(Tz__TokenRecord *t, int64_t now)
{
    if (t->uses < UINT32_MAX)
        t->uses++;
    t->last_used_at = now;
}

int admission_agent(const Tz__AgentRecord *a, char *why, size_t len)
{
    const Tz__AgentRevocation *r = a->revocation;
    const Tz__AgentRetirement *t = a->retirement;
    if (r == NULL && t != NULL) {
        /* A retired host's record is kept, not re-used: coming back means
         * enrolling a new key as a new host (merge it then). */
        char at[TIME_TEXT_BUF];
        time_text(t->at, TIME_HUMAN_UTC, at);
        if (t->merged_into)
            admission_format(why, len, "host %" PRIu64 " was merged into host %"
                             PRIu64 " on %s%s%s", a->agent_id, t->merged_into, at,
                             t->by[0] ? " by " : "", t->by);
        else
            admission_format(why, len, "host %" PRIu64 " was retired on %s%s%s%s%s",
                             a->agent_id, at, t->by[0] ? " by " : "", t->by,
                             t->reason[0] ? ": " : "", t->reason);
        return TZ__STATUS__REVOKED;
    }
    if (r == NULL) {
        if (len)
            why[0] = '\0';
        return TZ__STATUS__OK;
    }
    char at[TIME_TEXT_BUF];
    time_text(r->at, TIME_HUMAN_UTC, at);
    /* The agent prints how to enroll a new key; the detail says why. */
    admission_format(why, len, "the key of agent %" PRIu64 " was revoked on %s%s%s%s%s",
                     a->agent_id, at, r->by[0] ? " by " : "", r->by,
                     r->reason[0] ? ": " : "", r->reason);
    return TZ__STATUS__REVOKED;
}
