/* schedule and the daemon's options: the next daily time, splay, backoff
 * bounds with jitter, and the checks on schedule/splay/retry/spool_max. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_config.h"
#include "schedule.h"
#include "tz_test.h"

static void utc(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
}

TestSuite(schedule, .init = utc);

/* 2026-01-10 hh:mm:ss UTC. */
static time_t at(int h, int m, int s)
{
    return (time_t)1768003200 + h * 3600 + m * 60 + s;
}

Test(schedule, next_daily_is_today_when_still_ahead)
{
    cr_assert_eq(schedule_next_daily(at(2, 0, 0), 3 * 60), at(3, 0, 0));
    cr_assert_eq(schedule_next_daily(at(2, 59, 59), 3 * 60), at(3, 0, 0));
}

Test(schedule, next_daily_is_tomorrow_once_passed)
{
    cr_assert_eq(schedule_next_daily(at(3, 0, 0), 3 * 60), at(3, 0, 0) + 86400);
    cr_assert_eq(schedule_next_daily(at(23, 59, 0), 2 * 60 + 30),
                 at(2, 30, 0) + 86400);
    cr_assert_eq(schedule_next_daily(at(0, 0, 0), 0), at(0, 0, 0) + 86400);
}

Test(schedule, next_daily_follows_local_time)
{
    setenv("TZ", "Asia/Shanghai", 1);   /* UTC+8, no DST */
    tzset();
    /* 02:00 UTC is 10:00 in Beijing: 03:00 Beijing is 19:00 UTC that day. */
    cr_assert_eq(schedule_next_daily(at(2, 0, 0), 3 * 60), at(19, 0, 0));
}

Test(schedule, splay_stays_within_bounds)
{
    cr_assert_eq(schedule_splay_ms(0), 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_leq(schedule_splay_ms(10), 10000);
}

Test(schedule, splay_is_cut_to_a_tenth_of_a_fixed_interval)
{
    cr_assert_eq(schedule_splay_cap(1800, 0), 1800, "daily: as configured");
    cr_assert_eq(schedule_splay_cap(1800, 15), 1);
    cr_assert_eq(schedule_splay_cap(1800, 3600), 360);
    cr_assert_eq(schedule_splay_cap(60, 3600), 60, "a small splay stays");
    cr_assert_eq(schedule_splay_cap(0, 15), 0);
}

Test(schedule, backoff_doubles_with_jitter_up_to_max)
{
    struct backoff b;
    backoff_init(&b, 1, 8);
    uint64_t lo[] = {750, 1500, 3000, 6000, 6000}, hi[] = {1250, 2500, 5000, 10000, 10000};
    for (int i = 0; i < 5; i++) {
        uint64_t d = backoff_next_ms(&b);
        cr_assert(d >= lo[i] && d <= hi[i], "step %d: %llu ms", i, (unsigned long long)d);
    }
    backoff_reset(&b);
    uint64_t d = backoff_next_ms(&b);
    cr_assert(d >= 750 && d <= 1250, "after reset: %llu ms", (unsigned long long)d);
}

static int set(struct agent_config *c, const char *k, const char *v)
{
    char why[256];
    return agent_config_set(c, k, v, why, sizeof(why));
}

Test(schedule, daemon_options_have_defaults_and_bounds)
{
    struct agent_config c;
    agent_config_defaults(&c);
    cr_assert_eq(c.schedule_min, 180);
    cr_assert_eq(c.splay_s, 1800);
    cr_assert_eq(c.retry_min_s, 30);
    cr_assert_eq(c.retry_max_s, 3600);
    cr_assert_eq(c.spool_max, 64);
    cr_assert_eq(c.interval_s, 0);

    cr_assert_eq(set(&c, "schedule", "02:30"), 0);
    cr_assert_eq(c.schedule_min, 150);
    cr_assert_eq(set(&c, "schedule", "7:05"), 0);
    cr_assert_eq(c.schedule_min, 425);
    const char *bad[] = {"24:00", "02:60", "2:3", "+1:30", "0230", "02:30x", "", "-1:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_neq(set(&c, "schedule", bad[i]), 0, "accepted \"%s\"", bad[i]);
    cr_assert_eq(c.schedule_min, 425, "a refused value changed the setting");

    cr_assert_eq(set(&c, "splay", "0"), 0);
    cr_assert_neq(set(&c, "splay", "-1"), 0);
    cr_assert_neq(set(&c, "retry_min", "0"), 0);
    cr_assert_neq(set(&c, "spool_max", "0"), 0);
    cr_assert_neq(set(&c, "spool_max", "10001"), 0);
    cr_assert_eq(set(&c, "interval", "1"), 0);
    cr_assert_neq(set(&c, "interval", "1s"), 0);
}

Test(schedule, retry_min_above_retry_max_is_refused_naming_both)
{
    char *tmp = tz_test_tmpdir("sched");
    tz_test_write(tmp, "a.ini", "[agent]\nretry_max = 10\nretry_min = 60\n");
    char *path = tz_test_path("%s/a.ini", tmp);
    struct agent_config c;
    agent_config_defaults(&c);
    struct tz_error err = {0};
    cr_assert_eq(agent_config_load(&c, path, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "retry_min (60) is above retry_max (10)"), "%s", err.msg);
    tz_test_rm_rf(tmp);
    free(path);
    free(tmp);
}
