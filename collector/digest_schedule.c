/* digest_schedule — the scheduled time a digest run belongs to. */
#include "digest_schedule.h"

#include <time.h>

int64_t digest_period(const struct digest_schedule *s)
{
    return s->every == DIGEST_DAILY ? 86400 : 7 * 86400;
}

/* The schedule's time of day on the local day of now, minus back days;
 * mktime settles the date and daylight saving time. */
static int64_t at_day(const struct digest_schedule *s, const struct tm *now_tm,
                      int back)
{
    struct tm tm = *now_tm;
    tm.tm_mday -= back;
    tm.tm_hour = s->minute / 60;
    tm.tm_min = s->minute % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

int64_t digest_slot(const struct digest_schedule *s, int64_t now)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    int back = s->every == DIGEST_WEEKLY ? (tm.tm_wday - s->wday + 7) % 7 : 0;
    int64_t slot = at_day(s, &tm, back);
    if (slot > now)
        slot = at_day(s, &tm, back + (s->every == DIGEST_WEEKLY ? 7 : 1));
    return slot;
}
