/* account_check — how long a host's account checks have been failing.
 *
 * Each report says whether the agent's privileged password check failed
 * (AccountsSection.weak_check_failed, or a CollectError naming the accounts
 * section when that section could not be collected at all). A host whose
 * check keeps failing is silently blind to weak passwords, so the collector
 * keeps, on the agent record, the number of days with a failed check since
 * the last report whose check ran, and ACCOUNT_CHECK_FAILED (rules.c) opens
 * once it reaches account_check_failed_days.
 *
 * The decision lives here, above the storage (STYLE: thin backend): the
 * register's ingest asks account_check_outcome and account_check_track and
 * only stores the fields they set. Pure: no storage, no clock, no
 * allocation. */
#ifndef TZ_ACCOUNT_CHECK_H
#define TZ_ACCOUNT_CHECK_H

#include <stdint.h>

#include "taizhang.pb-c.h"

enum account_check_outcome {
    ACCOUNT_CHECK_RAN,       /* the section came, and its check did not fail */
    ACCOUNT_CHECK_FAILED,    /* the check failed, or the section could not be
                              * collected */
    ACCOUNT_CHECK_UNCHANGED  /* no accounts section in the report (a delta
                              * listing it unchanged): as the last one said */
};

/* What report r says about its account check. */
enum account_check_outcome account_check_outcome(const Tz__Report *r);

/* The civil day a report counts for: the day it was collected (a spooled
 * report delivered late counts for its own day) when collected_at is
 * plausible (after 0, before now + 1 day), else the day it arrived. */
int32_t account_check_day(const Tz__Report *r, int64_t now);

/* Update rec's account_check_failed_{days,first,last} for outcome o of a
 * report counting for day: a check that ran resets them; a failure on a day
 * after the last counted one adds a day (a second failure the same day, or
 * a report older than the last counted one, adds none); UNCHANGED counts as
 * a failure while the host is failing and changes nothing otherwise. */
void account_check_track(Tz__AgentRecord *rec, enum account_check_outcome o,
                         int32_t day);

#endif
