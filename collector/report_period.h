/* report_period — the half-year (or any span of days) a self-inspection
 * report covers (第六条(二): 每半年).
 *
 * "2026H1" is 2026-01-01..2026-06-30, "2026H2" 2026-07-01..2026-12-31;
 * --from/--to name the first and last day (dates as the ledger reads them).
 * Days are the collector's local civil days (civil_day.h, the campus's
 * time zone); the period's instants run from local midnight of the first
 * day to local midnight after the last (end exclusive): what "as of the
 * end of the period" means for every figure of the report.
 * Errors: TZ_EINVAL with why (at most REPORT_WHY bytes). */
#ifndef TZ_REPORT_PERIOD_H
#define TZ_REPORT_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#define REPORT_WHY 160

struct report_period {
    int32_t from_day, to_day;  /* civil days, both included */
    int64_t from, to;          /* unix seconds: [from, to) */
    char label[32];            /* "2026H2" or "2026-03-01..2026-05-31" */
};

/* "YYYYH1" / "YYYYH2" (also lower-case h), years 1980..2099. */
int report_period_half(const char *s, struct report_period *p, char *why,
                       size_t whylen);
/* From and to as dates; to >= from, at most 3660 days. */
int report_period_dates(const char *from, const char *to,
                        struct report_period *p, char *why, size_t whylen);
/* The period of two civil days (tests, and the two parsers). */
int report_period_days(int32_t from_day, int32_t to_day,
                       struct report_period *p, char *why, size_t whylen);

/* Local midnight at the start of a civil day, as unix seconds. */
int64_t report_day_start(int32_t day);

#endif
