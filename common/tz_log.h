/* tz_log — one-line log records on stderr ("2026-11-25T12:00:00Z tz-collector: ...").
 *
 * Daemons run under systemd, which timestamps too, but the same binaries run
 * by hand and in tests, where the time matters. tz_log_ratelimited() keeps a
 * hostile peer from flooding the log: at most 3 lines per key and 60 in
 * all per minute, then one line saying how many were suppressed. */
#ifndef TZ_LOG_H
#define TZ_LOG_H

#include <stdint.h>

enum tz_log_level { TZ_LOG_ERROR, TZ_LOG_WARN, TZ_LOG_INFO, TZ_LOG_DEBUG };

void tz_log_init(const char *progname, enum tz_log_level level);
void tz_log(enum tz_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* key identifies the peer (e.g. the first bytes of its key). */
void tz_log_ratelimited(uint64_t key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
