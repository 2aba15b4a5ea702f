/* transport — one request/reply exchange with a collector over nanomsg REQ.
 *
 * All configured collector URLs are connected; nanomsg's REQ socket sends
 * to one that is up and, when no reply comes within the resend interval,
 * resends (possibly to another), so a listed standby takes over. The
 * exchange is bounded by timeout_ms overall.
 * Ownership: *reply is the caller's (free()). */
#ifndef TZ_TRANSPORT_H
#define TZ_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

int transport_request(const char (*urls)[512], int n_urls, int timeout_ms,
                      const uint8_t *req, size_t len, uint8_t **reply,
                      size_t *reply_len, struct tz_error *err);

#endif
