/* schedule — when the daemon collects next, and how long it waits to retry.
 *
 * Daily collections happen at a local wall-clock time (schedule = 03:00);
 * every agent adds its own random splay so that a fleet does not report in
 * the same second. Retries back off exponentially with jitter, from
 * retry_min to retry_max, so a collector coming back after an outage is not
 * hit by every agent at once. Random numbers come from libsodium. */
#ifndef TZ_SCHEDULE_H
#define TZ_SCHEDULE_H

#include <stdint.h>
#include <time.h>

/* The first time strictly after now at minute_of_day (0..1439) local time.
 * A time skipped by a DST change falls to what mktime(3) makes of it. */
time_t schedule_next_daily(time_t now, int minute_of_day);

/* A random delay of 0..splay_s seconds, in milliseconds. */
uint64_t schedule_splay_ms(int splay_s);

/* The splay that applies: with a fixed interval (interval_s > 0) at most a
 * tenth of it, so `interval = 15` beside the daily `splay = 1800` means
 * reports about every 15 s, not every half hour; else splay_s. */
int schedule_splay_cap(int splay_s, int interval_s);

struct backoff {
    uint64_t min_ms, max_ms, cur_ms;
};

void backoff_init(struct backoff *b, int min_s, int max_s);
/* Back to min_ms (after a success). */
void backoff_reset(struct backoff *b);
/* The next delay: cur_ms ±25%, then cur_ms doubles up to max_ms. */
uint64_t backoff_next_ms(struct backoff *b);

#endif
