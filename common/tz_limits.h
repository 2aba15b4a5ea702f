/* tz_limits — the bounds both sides agree on (DESIGN.md §2).
 *
 * The agent never produces more than these; the collector rejects a message
 * that exceeds any of them with Status INVALID (or TOO_LARGE for the size). */
#ifndef TZ_LIMITS_H
#define TZ_LIMITS_H

#define TZ_PROTO_VERSION   2u
#define TZ_REQUEST_ID_LEN  16           /* Payload.request_id, echoed in the Ack */
#define TZ_MAX_MSG         (8u << 20)   /* one request on the wire */
/* The largest Payload the collector decrypts from a key it does not know
 * (not enrolled): what an enrollment needs. The largest valid one (token,
 * hostname and machine id at their bounds, every number at its widest) is
 * about 710 bytes; anything larger from an unknown key is refused
 * UNKNOWN_AGENT unread (envelope.h). */
#define TZ_MAX_UNKNOWN_PAYLOAD 2048
#define TZ_MAX_STR         4096         /* any string field */
#define TZ_MAX_NAME        256          /* hostname, package name, dept */
#define TZ_MAX_TOKEN       128
#define TZ_MAX_PACKAGES    200000
#define TZ_MAX_INTERFACES  1024
#define TZ_MAX_ADDRS       256          /* addresses per interface */
#define TZ_MAX_ERRORS      64           /* CollectError entries */
#define TZ_MAX_HASHES      16
#define TZ_MAX_ACCOUNTS    65536
#define TZ_MAX_LISTENERS   65536
#define TZ_MAX_WARNINGS    64           /* warnings per section */
#define TZ_MAX_SMALL_LIST  64           /* groups, rules, ports, files */
#define TZ_MAX_NAME_BUF    (TZ_MAX_NAME + 1)

#endif
