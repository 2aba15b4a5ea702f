/* account_check — counting the days a host's account checks fail. */
#include "account_check.h"

#include <time.h>

#include "civil_day.h"

enum account_check_outcome account_check_outcome(const Tz__Report *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        if (r->errors[i] &&
            r->errors[i]->section == TZ__SECTION_KIND__SECTION_ACCOUNTS)
            return ACCOUNT_CHECK_FAILED;
    if (r->accounts == NULL)
        return ACCOUNT_CHECK_UNCHANGED;
    return r->accounts->weak_check_failed ? ACCOUNT_CHECK_FAILED
                                          : ACCOUNT_CHECK_RAN;
}

int32_t account_check_day(const Tz__Report *r, int64_t now)
{
    int64_t t = r->collected_at > 0 && r->collected_at <= now + 86400
                    ? r->collected_at : now;
    return civil_today((time_t)t);
}

void account_check_track(Tz__AgentRecord *rec, enum account_check_outcome o,
                         int32_t day)
{
    if (o == ACCOUNT_CHECK_RAN) {
        rec->account_check_failed_days = 0;
        rec->account_check_failed_first = 0;
        rec->account_check_failed_last = 0;
        return;
    }
    if (o == ACCOUNT_CHECK_UNCHANGED && rec->account_check_failed_days == 0)
        return;
    if (rec->account_check_failed_days == 0) {
        rec->account_check_failed_days = 1;
        rec->account_check_failed_first = day;
        rec->account_check_failed_last = day;
    } else if (day > rec->account_check_failed_last) {
        rec->account_check_failed_days++;
        rec->account_check_failed_last = day;
    }
}
