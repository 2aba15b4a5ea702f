/* people — who may do what: login tokens, sessions and roles of the
 * people who use the portal and the control socket (DESIGN.md §6).
 *
 * Tokens are "tzu_" + 43 characters of URL-safe base64 (32 random bytes);
 * the register keeps only BLAKE2b-256(token) keyed with a key derived from
 * the collector's secret key, so a stolen register or backup checks none.
 * Session ids are 32 random bytes; the register keeps them by unkeyed
 * BLAKE2b-256, which the portal (read-only, no collector key) computes to
 * find a session from its cookie.
 *
 * The decisions a role implies live here and nowhere else: the portal
 * filters with them, the collector checks them again before it writes. */
#ifndef TZ_PEOPLE_H
#define TZ_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "ledger_fields.h"
#include "register.h"

#define PEOPLE_TOKEN_LEN   48   /* "tzu_" + 43 + NUL, with room */
#define PEOPLE_SESSION_LEN 32
#define PEOPLE_SESSION_HOURS_DEFAULT 8

/* The key login tokens are hashed with, derived from the collector's
 * secret key (kp->sk). */
void people_hash_key(const struct tz_keypair *kp, uint8_t key[32]);

/* BLAKE2b-256 of token under key. */
void people_token_hash(const uint8_t key[32], const char *token,
                       uint8_t out[32]);

/* The register key of a session id: BLAKE2b-256(id). */
void people_session_key(const uint8_t id[PEOPLE_SESSION_LEN], uint8_t out[32]);

/* "viewer", "editor", "admin" (and "none"). */
const char *people_role_name(Tz__Role r);
/* TZ_EINVAL for anything but viewer, editor, admin. */
int people_role_parse(const char *s, Tz__Role *r);

/* A user name: 1..TZ_MAX_NAME bytes of UTF-8, no control characters, no
 * spaces at either end. 0 or TZ_EINVAL with why. */
int people_name_check(const char *name, char *why, size_t whylen);

/* Make a user (admin: dept NULL or "") with a fresh token, written once to
 * token (never stored). TZ_EEXIST, TZ_ENOENT (dept), TZ_EINVAL (name,
 * role, an admin with a dept or a department user without one). */
int people_user_add(struct tz_register *reg, const uint8_t key[32],
                    const char *name, Tz__Role role, const char *dept,
                    const char *created_by, int64_t now,
                    char token[PEOPLE_TOKEN_LEN], struct tz_error *err);

/* The active user behind a login token. TZ_EPERM ("unknown or revoked
 * token") when there is none or it is revoked; the message never says
 * which. Free *out with protobuf_c_message_free_unpacked. */
int people_login_token(struct tz_register *reg, const uint8_t key[32],
                       const char *token, Tz__UserRecord **out,
                       struct tz_error *err);

/* Start a session for user u: a fresh id into id, stored until
 * now + hours. */
int people_session_start(struct tz_register *reg, const Tz__UserRecord *u,
                         int64_t now, int hours,
                         uint8_t id[PEOPLE_SESSION_LEN], int64_t *expires,
                         struct tz_error *err);

/* The user called name if it exists and is not revoked: 0 with *out set,
 * 0 with *out NULL when there is none, or the register's error. */
int people_user_active(struct tz_register *reg, const char *name,
                       Tz__UserRecord **out, struct tz_error *err);

/* The active user behind a session id: TZ_EPERM when the session does not
 * exist, has expired, or its user is revoked or gone. */
int people_session_user(struct tz_register *reg,
                        const uint8_t id[PEOPLE_SESSION_LEN], int64_t now,
                        Tz__UserRecord **out, struct tz_error *err);

/* ---- what a role may do ---- */

/* May u see the data of department dept (a system's, a host's, a flag's)? */
int people_may_see(const Tz__UserRecord *u, const char *dept);
/* May u change field f of system s (editor: its department's systems,
 * not 所属单位 and not the pre-launch review decision; admin: any)? */
int people_may_edit(const Tz__UserRecord *u, const Tz__SystemRecord *s,
                    const struct ledger_field *f);
/* May u add a system to dept? */
int people_may_add(const Tz__UserRecord *u, const char *dept);
/* May u change dept's responsibility record (dept_fields.h): an editor of
 * that department or an admin; a viewer may not. */
int people_may_edit_dept(const Tz__UserRecord *u, const char *dept);
/* May u ask the network center to screen system s before launch (上线申请:
 * its department's editors, and admins)? Whether s is retired or already
 * asked for is the caller's question. */
int people_may_request_screening(const Tz__UserRecord *u,
                                 const Tz__SystemRecord *s);
/* May u see the network center's queue of screening requests (admins)? */
int people_may_see_queue(const Tz__UserRecord *u);

#endif
