/* digest_schedule — when the digests are due: the latest scheduled time
 * (local time, "weekly mon 08:00" or "daily 08:00") at or before now, and
 * the length of one period. Pure arithmetic on now, so the tests drive the
 * schedule with any clock they like. */
#ifndef TZ_DIGEST_SCHEDULE_H
#define TZ_DIGEST_SCHEDULE_H

#include <stdint.h>

#include "digest_config.h"

int64_t digest_slot(const struct digest_schedule *s, int64_t now);
int64_t digest_period(const struct digest_schedule *s);

#endif
