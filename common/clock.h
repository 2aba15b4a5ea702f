/* clock — the one monotonic millisecond clock for deadlines and budgets.
 *
 * CLOCK_MONOTONIC: never jumps with the wall clock, so a deadline set now
 * holds even if an administrator (or NTP) moves the time. */
#ifndef TZ_CLOCK_H
#define TZ_CLOCK_H

#include <stdint.h>

uint64_t tz_now_ms(void);

#endif
