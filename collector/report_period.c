/* report_period — half-years and date spans as civil days and the instants
 * that bound them. */
#include "report_period.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "civil_day.h"
#include "ledger_fields.h"
#include "tz_error.h"

int64_t report_day_start(int32_t day)
{
    int y;
    unsigned m, d;
    civil_from_day(day, &y, &m, &d);
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = (int)m - 1;
    tm.tm_mday = (int)d;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

int report_period_days(int32_t from_day, int32_t to_day,
                       struct report_period *p, char *why, size_t whylen)
{
    if (from_day <= 0 || to_day < from_day || to_day - from_day > 3660) {
        if (why && whylen)
            snprintf(why, whylen, "a period runs forward, at most 3660 "
                     "days");
        return TZ_EINVAL;
    }
    p->from_day = from_day;
    p->to_day = to_day;
    p->from = report_day_start(from_day);
    p->to = report_day_start(to_day + 1);
    char a[11], b[11];
    civil_format(from_day, a);
    civil_format(to_day, b);
    snprintf(p->label, sizeof(p->label), "%s..%s", a, b);
    return 0;
}

int report_period_half(const char *s, struct report_period *p, char *why,
                       size_t whylen)
{
    int y = 0;
    char h = 0, tail = 0;
    if (s == NULL || strlen(s) != 6 ||
        sscanf(s, "%4d%c%c%c", &y, &h, &tail, &tail) != 3 ||
        (h != 'H' && h != 'h') || (s[5] != '1' && s[5] != '2') || y < 1980 ||
        y > 2099) {
        if (why && whylen)
            snprintf(why, whylen, "a period is YYYYH1 (January to June) or "
                     "YYYYH2 (July to December), e.g. 2026H2");
        return TZ_EINVAL;
    }
    int second = s[5] == '2';
    int rc = report_period_days(civil_day(y, second ? 7 : 1, 1),
                                civil_day(y, second ? 12 : 6,
                                          second ? 31 : 30),
                                p, why, whylen);
    if (rc == 0)
        snprintf(p->label, sizeof(p->label), "%dH%c", y, s[5]);
    return rc;
}

int report_period_dates(const char *from, const char *to,
                        struct report_period *p, char *why, size_t whylen)
{
    int32_t a = 0, b = 0;
    char w[LEDGER_WHY];
    if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0') {
        if (why && whylen)
            snprintf(why, whylen, "--from and --to go together");
        return TZ_EINVAL;
    }
    if (ledger_parse_date(from, &a, w, sizeof(w)) != 0 ||
        ledger_parse_date(to, &b, w, sizeof(w)) != 0) {
        if (why && whylen)
            snprintf(why, whylen, "%.140s", w);
        return TZ_EINVAL;
    }
    return report_period_days(a, b, p, why, whylen);
}
