/* time_text — how every output shows a time, so that they agree: for
 * people, local time with its zone ("2026-12-06 09:28 +0800"); for files
 * and JSON, ISO 8601 with the offset ("2026-12-06T09:28:45+08:00", "Z" when
 * the offset is zero). The zone is the process's (TZ, else /etc/localtime);
 * time_text_set_utc(1) (tzctl --utc) shows UTC instead ("... 01:28 UTC",
 * "...Z").
 *
 * Ownership: none; buf is the caller's. A time 0 means "never" and prints
 * as ""; a time the C library cannot break down prints as its number. */
#ifndef TZ_TIME_TEXT_H
#define TZ_TIME_TEXT_H

#include <stdint.h>

#define TIME_TEXT_BUF 32

enum time_style {
    TIME_HUMAN,   /* 2026-12-06 09:28 +0800 */
    TIME_ISO,     /* 2026-12-06T09:28:45+08:00 */
    TIME_HUMAN_UTC, /* 2026-12-06 01:28 UTC, whatever the switch: text the
                   * collector stores (flag evidence, refusals) */
};

/* UTC (1) or local time (0, the default) from now on, process-wide. */
void time_text_set_utc(int utc);
int time_text_utc(void);

/* t (unix seconds) in style into buf; returns buf. */
const char *time_text(int64_t t, enum time_style style, char buf[TIME_TEXT_BUF]);

#endif
