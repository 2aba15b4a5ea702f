/* time_text — the one formatter of times for every output (time_text.h):
 * local time with the zone unless UTC was asked for. */
#include "time_text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int use_utc;

void time_text_set_utc(int utc)
{
    use_utc = utc != 0;
}

int time_text_utc(void)
{
    return use_utc;
}

/* strftime's "+0800" as ISO's "+08:00", "Z" for a zero offset. */
static void iso_offset(const struct tm *tm, char *out, size_t len)
{
    char z[8];
    if (use_utc || strftime(z, sizeof(z), "%z", tm) != 5 ||
        strcmp(z + 1, "0000") == 0) {
        snprintf(out, len, "Z");
        return;
    }
    snprintf(out, len, "%.3s:%.2s", z, z + 3);
}

const char *time_text(int64_t t, enum time_style style, char buf[TIME_TEXT_BUF])
{
    buf[0] = '\0';
    if (t == 0)
        return buf;
    time_t tt = (time_t)t;
    struct tm tm;
    int utc = use_utc || style == TIME_HUMAN_UTC;
    if ((int64_t)tt != t ||
        (utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)) == NULL ||
        tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        snprintf(buf, TIME_TEXT_BUF, "%lld", (long long)t);
        return buf;
    }
    if (style == TIME_ISO) {
        char off[8];
        iso_offset(&tm, off, sizeof(off));
        size_t n = strftime(buf, TIME_TEXT_BUF, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, TIME_TEXT_BUF - n, "%s", off);
    } else if (strftime(buf, TIME_TEXT_BUF,
                        utc ? "%Y-%m-%d %H:%M UTC" : "%Y-%m-%d %H:%M %z",
                        &tm) == 0) {
        snprintf(buf, TIME_TEXT_BUF, "%lld", (long long)t);
    }
    return buf;
}
