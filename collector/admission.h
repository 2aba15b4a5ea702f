/* admission — who may enroll and whose key is still accepted: the policy,
 * above the storage (STYLE: thin backend, DESIGN.md §5 "The storage seam").
 *
 * An enrollment token is usable while it is a department token, not revoked,
 * not expired and not used up; an agent key is accepted until it is
 * revoked. The register reads the records and asks here inside the same
 * write transaction that spends a token's use, so two enrollments in one
 * batch (or two collectors' batches, serialised by LMDB) cannot both take a
 * token's last use. A record without the newer fields (an older register)
 * is a token without expiry or use limit, and an agent never revoked.
 * Pure: no storage, no allocation, no clock (now is passed in). */
#ifndef TZ_ADMISSION_H
#define TZ_ADMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "taizhang.pb-c.h"

/* Longest reason `tzctl agent revoke --reason` stores, in bytes. */
#define ADMISSION_REASON_MAX 256

/* TZ__STATUS__OK when t may enroll an agent at now; otherwise
 * TZ__STATUS__BAD_TOKEN with why (NUL-terminated, cut at a character
 * boundary to len) saying which rule refused it, e.g. "enrollment token
 * tz_AbCdEfG (id 3) expired on 2026-03-01". */
int admission_token(const Tz__TokenRecord *t, int64_t now, char *why, size_t len);

/* Record one enrollment made with t at now (uses + 1, last_used_at). */
void admission_token_spend(Tz__TokenRecord *t, int64_t now);

/* Enrollments t may still make: UINT32_MAX when it has no limit. */
uint32_t admission_token_uses_left(const Tz__TokenRecord *t);

/* TZ__STATUS__OK while a's key is accepted; TZ__STATUS__REVOKED with why
 * ("the key of agent 3 was revoked on 2026-03-01 08:00 UTC by ops: disk
 * stolen") once it was revoked; REVOKED too for a host retired or merged
 * (`tzctl host retire|merge`): its record is kept, not re-used. */
int admission_agent(const Tz__AgentRecord *a, char *why, size_t len);

/* snprintf into buf, then cut back to a character boundary when it was
 * shortened, so a cut detail is still valid UTF-8 (it goes into an Ack). */
void admission_format(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
