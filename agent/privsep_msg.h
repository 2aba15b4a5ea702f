/* privsep_msg — the fixed binary format between the agent and its root child.
 *
 * Both directions are a frame: a 4-byte big-endian length, then the body.
 * Integers are big-endian; a string is a 2-byte length and that many bytes
 * (no NUL inside). Every count and length has a bound below, checked by the
 * decoder before anything is allocated, and a body must end exactly where
 * its last field does. The decoders are the security boundary: the parent
 * decodes what a possibly compromised root child sends, the child decodes
 * what a possibly compromised unprivileged parent sends; neither trusts a
 * byte of it.
 *
 * fix      := u32 magic "TZS1", u32 max_candidates (1..PSMSG_MAX_CANDIDATES),
 *             u32 max_ms, u32 max_total_ms (each 1..PSMSG_MAX_MS),
 *             str root (<= 4095; "" the live system, else absolute),
 *             str dict_path (<= 4095; "" none, else absolute)
 *             Sent once, before the agent drops root: it fixes root,
 *             dictionary and limits for the life of the helper. A second
 *             fix is refused. Answered as an audit (an empty one, or an
 *             error).
 * audit    := u32 magic "TZQ2", nothing else: audit what was fixed.
 * response := u32 magic "TZV1", i32 status (0 or a TZ_E* code), str message
 *             (<= 511, why status failed), u8 flags (1 shadow_read,
 *             2 check_ran, 4 cut), u32 candidates,
 *             u32 n_rules (<= SUDOERS_MAX_RULES) x str (<= SUDOERS_MAX_TEXT),
 *             u32 n_warnings (<= TZ_MAX_WARNINGS) x str (<= WARNLIST_MAX_LEN),
 *             u32 n_accounts (<= TZ_MAX_ACCOUNTS) x verdict
 * verdict  := str name (1..TZ_MAX_NAME), u8 state (<= 4), u8 reason (<= 3,
 *             non-zero iff state is WEAK), u8 cut (0/1), i32 days_since_change
 *             (>= -1), i32 max_days (>= -1), u16 n_rules (<= TZ_MAX_SMALL_LIST)
 *             x u32 rule index (< n_rules)
 *
 * Second kind, "root facts of the live system" (rootfacts.h); no path in it:
 * facts request  := u32 magic "TZF1", u32 n_inodes (<= TZ_MAX_LISTENERS)
 *                   x u64 inode (non-zero, strictly increasing)
 * facts response := u32 magic "TZG1", i32 status, str message (<= 511),
 *                   ROOTFACTS_N_DMI x str dmi (<= TZ_MAX_NAME),
 *                   u32 n_owners (<= TZ_MAX_LISTENERS) x owner
 * owner          := u64 inode (non-zero, strictly increasing), u32 pid
 *                   (non-zero), str comm (<= PROC_OWNER_COMM - 1)
 * The child tells the requests apart by the magic (psmsg_request_kind).
 *
 * Nothing a request carries after the fix names a file: the audit names
 * nothing, root facts name socket inodes.
 *
 * Ownership: encoders return a malloc'd frame (length prefix included) in
 * *buf; decoders take a body (no prefix) and fill caller structs.
 * Errors: TZ_EPROTO (decoder: malformed, with what in err->msg), TZ_ELIMIT
 * (encoder: over a bound), TZ_ENOMEM. */
#ifndef TZ_PRIVSEP_MSG_H
#define TZ_PRIVSEP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "acct_audit.h"
#include "rootfacts.h"
#include "tz_error.h"
#include "weakpw.h"

#define PSMSG_MAX_REQUEST   (16u << 10)
#define PSMSG_MAX_RESPONSE  (40u << 20)   /* a full-size audit fits */
#define PSMSG_MAX_PATH      4095
#define PSMSG_MAX_MESSAGE   511
#define PSMSG_MAX_FACTS_REQUEST (8u + 8u * TZ_MAX_LISTENERS)
/* The bounds of the limits a fix may set (tz-agent's own config bounds). */
#define PSMSG_MAX_CANDIDATES 1000000u
#define PSMSG_MAX_MS         3600000u

enum { PSMSG_BAD = -1, PSMSG_AUDIT = 1, PSMSG_FACTS = 2, PSMSG_FIX = 3 };

/* What a fix request fixes. */
struct psmsg_request {
    struct weakpw_limits lim;
    char root[PSMSG_MAX_PATH + 1];
    char dict_path[PSMSG_MAX_PATH + 1];
};

/* The fix request. The encoder refuses what the decoder would (TZ_ELIMIT):
 * a limit of 0 or over its bound, a relative path. */
int psmsg_encode_fix(const struct psmsg_request *rq, uint8_t **buf,
                     size_t *len, struct tz_error *err);
int psmsg_decode_fix(const uint8_t *body, size_t len, struct psmsg_request *rq,
                     struct tz_error *err);

/* The audit request: its magic alone. */
int psmsg_encode_audit(uint8_t **buf, size_t *len, struct tz_error *err);
int psmsg_decode_audit(const uint8_t *body, size_t len, struct tz_error *err);

/* status != 0: an error answer carrying message; a is ignored (may be NULL). */
int psmsg_encode_response(int status, const char *message,
                          const struct acct_audit *a, uint8_t **buf,
                          size_t *len, struct tz_error *err);
/* On success *a is filled and indexed (free with acct_audit_free) and 0 is
 * returned; an error answer returns its status with the child's message in
 * err; a malformed body is TZ_EPROTO. On any error *a is empty. */
int psmsg_decode_response(const uint8_t *body, size_t len,
                          struct acct_audit *a, struct tz_error *err);

/* Which request a body is, by its magic: PSMSG_FIX, PSMSG_AUDIT,
 * PSMSG_FACTS or PSMSG_BAD. Only a hint for dispatch; the decoder still checks it all. */
int psmsg_request_kind(const uint8_t *body, size_t len);

/* inodes: n (<= TZ_MAX_LISTENERS) non-zero, strictly increasing. */
int psmsg_encode_facts_request(const unsigned long *inodes, size_t n,
                               uint8_t **buf, size_t *len,
                               struct tz_error *err);
/* On success *inodes (malloc'd, NULL when *n is 0) is the caller's. */
int psmsg_decode_facts_request(const uint8_t *body, size_t len,
                               unsigned long **inodes, size_t *n,
                               struct tz_error *err);

/* status != 0: an error answer carrying message; f is ignored. f->owners
 * must be sorted by inode, unique, with pid != 0. */
int psmsg_encode_facts_response(int status, const char *message,
                                const struct rootfacts *f, uint8_t **buf,
                                size_t *len, struct tz_error *err);
/* On success *f is filled (free with rootfacts_free); an error answer
 * returns its status with the child's message in err; a malformed body is
 * TZ_EPROTO. On any error *f is empty. */
int psmsg_decode_facts_response(const uint8_t *body, size_t len,
                                struct rootfacts *f, struct tz_error *err);

#endif
