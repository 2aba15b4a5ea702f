/* tz_log — timestamped, rate-limited log lines on stderr. */
#include "tz_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *prog = "taizhang";
static enum tz_log_level max_level = TZ_LOG_INFO;

void tz_log_init(const char *progname, enum tz_log_level level)
{
    prog = progname;
    max_level = level;
}

__attribute__((format(printf, 1, 0)))
static void vlog(const char *fmt, va_list ap)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s: ", ts, prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void tz_log(enum tz_log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* A small direct-mapped table is enough: a collision only merges two peers'
 * budgets, it never hides a peer for longer than a minute. */
#define RL_SLOTS 256
#define RL_BURST 3
static struct {
    uint64_t key;
    time_t minute;
    unsigned count;
} rl[RL_SLOTS];

/* Fresh keys cost an attacker nothing, so besides each key's budget there
 * is one for all keys together: at most RL_GLOBAL lines a minute. */
#define RL_GLOBAL 60
static time_t global_minute;
static unsigned global_count;

void tz_log_ratelimited(uint64_t key, const char *fmt, ...)
{
    time_t minute = time(NULL) / 60;
    if (minute != global_minute) {
        if (global_count > RL_GLOBAL)
            tz_log(TZ_LOG_WARN, "(%u rate-limited messages suppressed in the last "
                                "minute)", global_count - RL_GLOBAL);
        global_minute = minute;
        global_count = 0;
    }
    if (++global_count > RL_GLOBAL)
        return;
    unsigned slot = (unsigned)(key % RL_SLOTS);
    if (rl[slot].key != key || rl[slot].minute != minute) {
        if (rl[slot].count > RL_BURST)
            tz_log(TZ_LOG_WARN, "(%u similar messages suppressed)",
                   rl[slot].count - RL_BURST);
        rl[slot].key = key;
        rl[slot].minute = minute;
        rl[slot].count = 0;
    }
    if (++rl[slot].count > RL_BURST)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}
