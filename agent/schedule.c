/* schedule — daily time with splay, and exponential backoff with jitter. */
#include "schedule.h"

#include <sodium.h>

time_t schedule_next_daily(time_t now, int minute_of_day)
{
    struct tm tm;
    for (int day = 0; day < 3; day++) {
        localtime_r(&now, &tm);
        tm.tm_mday += day;
        tm.tm_hour = minute_of_day / 60;
        tm.tm_min = minute_of_day % 60;
        tm.tm_sec = 0;
        tm.tm_isdst = -1;               /* let mktime decide across DST */
        time_t t = mktime(&tm);
        if (t != (time_t)-1 && t > now)
            return t;
    }
    return now + 86400;                 /* mktime failed: just wait a day */
}

uint64_t schedule_splay_ms(int splay_s)
{
    if (splay_s <= 0)
        return 0;
    return (uint64_t)randombytes_uniform((uint32_t)splay_s * 1000u + 1u);
}

void backoff_init(struct backoff *b, int min_s, int max_s)
{
    b->min_ms = (uint64_t)(min_s > 0 ? min_s : 1) * 1000u;
    b->max_ms = (uint64_t)(max_s > 0 ? max_s : 1) * 1000u;
    if (b->max_ms < b->min_ms)
        b->max_ms = b->min_ms;
    b->cur_ms = b->min_ms;
}

void backoff_reset(struct backoff *b)
{
    b->cur_ms = b->min_ms;
}

uint64_t backoff_next_ms(struct backoff *b)
{
    uint64_t base = b->cur_ms;
    /* ±25%: 0.75 base + uniform(0 .. 0.5 base). base <= 86400 s fits 32 bits. */
    uint64_t delay = base - base / 4 + randombytes_uniform((uint32_t)(base / 2) + 1u);
    b->cur_ms = base * 2 > b->max_ms ? b->max_ms : base * 2;
    return delay;
}

int schedule_splay_cap(int splay_s, int interval_s)
{
    if (interval_s > 0 && splay_s > interval_s / 10)
        return interval_s / 10;
    return splay_s;
}
