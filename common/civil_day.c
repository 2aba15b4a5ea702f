/* civil_day — day numbers <-> Gregorian dates (Howard Hinnant's algorithm). */
#include "civil_day.h"

#include <stdio.h>

int32_t civil_day(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void civil_from_day(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

int civil_valid(int y, unsigned m, unsigned d)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    unsigned max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

int32_t civil_today(time_t now)
{
    struct tm tm;
    localtime_r(&now, &tm);
    return civil_day(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

void civil_format(int32_t day, char buf[11])
{
    if (day == 0) {
        buf[0] = '\0';
        return;
    }
    int y;
    unsigned m, d;
    civil_from_day(day, &y, &m, &d);
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}
