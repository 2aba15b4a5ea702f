/* portal_auth — sessions, bearer tokens and CSRF for tz-portal. */
#include "portal_auth.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http_cookie.h"
#include "people.h"

#define BEARER_SLOTS 64

struct bearer_slot {
    uint8_t hash[32];          /* of the token, keyed with csrf_key */
    char name[TZ_MAX_NAME_BUF];
    int64_t expires;
};

struct bearer_cache {
    struct bearer_slot slot[BEARER_SLOTS];
    size_t next;
};

int portal_auth_init(struct portal *p)
{
    randombytes_buf(p->csrf_key, sizeof(p->csrf_key));
    p->bearers = calloc(1, sizeof(*p->bearers));
    return p->bearers ? 0 : TZ_ENOMEM;
}

void portal_auth_free(struct portal *p)
{
    if (p->bearers)
        sodium_memzero(p->bearers, sizeof(*p->bearers));
    free(p->bearers);
    p->bearers = NULL;
    sodium_memzero(p->csrf_key, sizeof(p->csrf_key));
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

static int by_bearer(struct portal *p, struct portal_req *q, const char *tok,
                     int64_t now, struct tz_error *err)
{
    size_t n = strlen(tok);
    if (n == 0 || n >= PEOPLE_TOKEN_LEN)
        return 0;
    uint8_t h[32];
    crypto_generichash(h, sizeof(h), (const uint8_t *)tok, n, p->csrf_key,
                       sizeof(p->csrf_key));
    struct bearer_cache *c = p->bearers;
    for (size_t i = 0; i < BEARER_SLOTS; i++)
        if (c->slot[i].expires > now && sodium_memcmp(c->slot[i].hash, h, 32) == 0) {
            q->bearer = 1;
            return people_user_active(p->reg, c->slot[i].name, &q->user, err);
        }
    Tz__ControlRequest r = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlLogin l = TZ__CONTROL_LOGIN__INIT;
    l.token = (char *)tok;
    r.body_case = TZ__CONTROL_REQUEST__BODY_LOGIN;
    r.login = &l;
    Tz__ControlReply *a;
    int rc = control_client_call(p->ctl, &r, &a, err);
    if (rc != 0)
        return rc;
    if (a->status == TZ__CONTROL_STATUS__CTL_OK && a->user) {
        struct bearer_slot *s = &c->slot[c->next++ % BEARER_SLOTS];
        memcpy(s->hash, h, 32);
        snprintf(s->name, sizeof(s->name), "%s", a->user->name);
        s->expires = now + BEARER_TTL;
        q->bearer = 1;
        rc = people_user_active(p->reg, s->name, &q->user, err);
    } else if (a->status == TZ__CONTROL_STATUS__CTL_ERROR) {
        rc = tz_err(err, TZ_EIO, NULL, 0, "the collector could not check the "
                    "token: %s", a->message);
    }
    tz__control_reply__free_unpacked(a, NULL);
    return rc;
}

int portal_auth_resolve(struct portal *p, struct portal_req *q, int64_t now,
                        struct tz_error *err)
{
    q->user = NULL;
    q->has_session = 0;
    q->bearer = 0;
    const char *a = q->authorization;
    if (a && strncasecmp(a, "Bearer ", 7) == 0) {
        a += 7;
        while (*a == ' ')
            a++;
        return by_bearer(p, q, a, now, err);
    }
    char hex[2 * PEOPLE_SESSION_LEN + 1];
    if (q->cookie == NULL ||
        http_cookie_find(q->cookie, strlen(q->cookie), PORTAL_SESSION_COOKIE,
                         hex, sizeof(hex)) != 0 ||
        strlen(hex) != 2 * PEOPLE_SESSION_LEN ||
        sodium_hex2bin(q->session, sizeof(q->session), hex, strlen(hex), NULL,
                       NULL, NULL) != 0)
        return 0;
    int rc = people_session_user(p->reg, q->session, now, &q->user, err);
    if (rc == TZ_EPERM)
        return 0;   /* expired, logged out, revoked: not logged in */
    if (rc == 0)
        q->has_session = 1;
    return rc;
}

void portal_csrf_token(const struct portal_req *q, char out[PORTAL_CSRF_HEX])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof(h), (const uint8_t *)"csrf", 4, q->session,
                       sizeof(q->session));
    to_hex(h, sizeof(h), out);
}

int portal_csrf_ok(const struct portal_req *q, const char *given)
{
    char want[PORTAL_CSRF_HEX];
    if (!q->has_session || given == NULL || strlen(given) != PORTAL_CSRF_HEX - 1)
        return 0;
    portal_csrf_token(q, want);
    return sodium_memcmp(want, given, PORTAL_CSRF_HEX - 1) == 0;
}

void portal_login_csrf(const struct portal *p, const char *v,
                       char out[PORTAL_CSRF_HEX])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof(h), (const uint8_t *)v, strlen(v), p->csrf_key,
                       sizeof(p->csrf_key));
    to_hex(h, sizeof(h), out);
}
