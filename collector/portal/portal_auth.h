/* portal_auth — who is asking: the session cookie or a bearer token, and
 * the CSRF tokens of the portal's forms.
 *
 * A session cookie holds the session id in hex; the portal finds the
 * session and its user read-only in the register (people_session_user),
 * so an expired, logged-out or revoked session fails on the next request.
 * A bearer token is checked by the collector (it alone holds the key
 * tokens are hashed with) and the answer cached for BEARER_TTL seconds;
 * the user's record is still read on every request, so a revoke ends it
 * at once.
 * CSRF: a logged-in form carries BLAKE2b(key = session id, "csrf"); the
 * login form carries BLAKE2b(key = the process's csrf_key, the pre-login
 * cookie), whose cookie is SameSite=Strict. */
#ifndef TZ_PORTAL_AUTH_H
#define TZ_PORTAL_AUTH_H

#include "portal.h"

#define BEARER_TTL 60
#define PORTAL_CSRF_HEX 65   /* 32 bytes as hex + NUL */

int portal_auth_init(struct portal *p);
void portal_auth_free(struct portal *p);

/* Fill q->user (and q->session/has_session or q->bearer) from the request's
 * credentials; q->user stays NULL when there are none or they are not
 * valid (bad cookie, unknown token, expired, revoked). Returns 0, or
 * TZ_ESTORE/TZ_EIO when the register or the collector could not answer
 * (err says why: the caller answers 503). */
int portal_auth_resolve(struct portal *p, struct portal_req *q, int64_t now,
                        struct tz_error *err);

/* The CSRF token of q's session (q->has_session must be set). */
void portal_csrf_token(const struct portal_req *q, char out[PORTAL_CSRF_HEX]);
/* 1 when given is q's session's CSRF token. */
int portal_csrf_ok(const struct portal_req *q, const char *given);

/* The login form's token for pre-login cookie value v (hex, as set). */
void portal_login_csrf(const struct portal *p, const char *v,
                       char out[PORTAL_CSRF_HEX]);

#endif
