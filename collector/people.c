/* people — login tokens, sessions and the rules of the three roles. */
#include "people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "utf8.h"

/* A label per derived key: the collector's secret key hashes nothing else. */
#define HASH_KEY_CONTEXT "taizhang login tokens v1"

void people_hash_key(const struct tz_keypair *kp, uint8_t key[32])
{
    crypto_generichash(key, 32, (const unsigned char *)HASH_KEY_CONTEXT,
                       sizeof(HASH_KEY_CONTEXT) - 1, kp->sk, sizeof(kp->sk));
}

void people_token_hash(const uint8_t key[32], const char *token,
                       uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token),
                       key, 32);
}

void people_session_key(const uint8_t id[PEOPLE_SESSION_LEN], uint8_t out[32])
{
    crypto_generichash(out, 32, id, PEOPLE_SESSION_LEN, NULL, 0);
}

const char *people_role_name(Tz__Role r)
{
    switch (r) {
    case TZ__ROLE__ROLE_VIEWER: return "viewer";
    case TZ__ROLE__ROLE_EDITOR: return "editor";
    case TZ__ROLE__ROLE_ADMIN: return "admin";
    default: return "none";
    }
}

int people_role_parse(const char *s, Tz__Role *r)
{
    static const Tz__Role roles[] = {TZ__ROLE__ROLE_VIEWER,
                                     TZ__ROLE__ROLE_EDITOR,
                                     TZ__ROLE__ROLE_ADMIN};
    for (size_t i = 0; s && i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(s, people_role_name(roles[i])) == 0) {
            *r = roles[i];
            return 0;
        }
    return TZ_EINVAL;
}

int people_name_check(const char *name, char *why, size_t whylen)
{
    size_t n = name ? strlen(name) : 0;
    const char *bad = NULL;
    if (n == 0 || n > TZ_MAX_NAME)
        bad = "a user name is 1..256 bytes";
    else if (tz_text_check(name, n, NULL) != TZ_TEXT_OK)
        bad = "a user name is UTF-8 text without control characters";
    else if (name[0] == ' ' || name[n - 1] == ' ')
        bad = "a user name does not start or end with a space";
    if (bad && why)
        snprintf(why, whylen, "%s", bad);
    return bad ? TZ_EINVAL : 0;
}

int people_user_add(struct tz_register *reg, const uint8_t key[32],
                    const char *name, Tz__Role role, const char *dept,
                    const char *created_by, int64_t now,
                    char token[PEOPLE_TOKEN_LEN], struct tz_error *err)
{
    char why[128];
    token[0] = '\0';
    if (people_name_check(name, why, sizeof(why)) != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "%s", why);
    int admin = role == TZ__ROLE__ROLE_ADMIN;
    int has_dept = dept && dept[0];
    if (admin == has_dept || role == TZ__ROLE__ROLE_NONE)
        return tz_err(err, TZ_EINVAL, NULL, 0, admin
                      ? "an admin belongs to no department (drop --dept)"
                      : "a viewer or editor needs --dept D");
    uint8_t raw[32], hash[32];
    char tok[PEOPLE_TOKEN_LEN];
    randombytes_buf(raw, sizeof(raw));
    memcpy(tok, "tzu_", 4);
    sodium_bin2base64(tok + 4, sizeof(tok) - 4, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    people_token_hash(key, tok, hash);
    Tz__UserRecord u = TZ__USER_RECORD__INIT;
    char prefix[12];
    snprintf(prefix, sizeof(prefix), "%.10s", tok);
    u.name = (char *)name;
    u.role = role;
    u.dept = (char *)(has_dept ? dept : "");
    u.token_hash.data = hash;
    u.token_hash.len = sizeof(hash);
    u.token_prefix = prefix;
    u.created_at = now;
    u.created_by = (char *)(created_by ? created_by : "");
    int rc = register_user_add(reg, &u, err);
    if (rc == 0)
        memcpy(token, tok, sizeof(tok));
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

static int denied(struct tz_error *err, const char *what)
{
    return tz_err(err, TZ_EPERM, NULL, 0, "%s", what);
}

int people_login_token(struct tz_register *reg, const uint8_t key[32],
                       const char *token, Tz__UserRecord **out,
                       struct tz_error *err)
{
    *out = NULL;
    /* Bounded before hashing: whatever arrives, it is no token of ours. */
    if (token == NULL || strlen(token) >= PEOPLE_TOKEN_LEN)
        return denied(err, "unknown or revoked token");
    uint8_t hash[32];
    people_token_hash(key, token, hash);
    Tz__UserRecord *u;
    int rc = register_user_by_token(reg, hash, &u, err);
    if (rc == TZ_ENOENT)
        return denied(err, "unknown or revoked token");
    if (rc != 0)
        return rc;
    if (u->revoked_at) {
        protobuf_c_message_free_unpacked(&u->base, NULL);
        return denied(err, "unknown or revoked token");
    }
    *out = u;
    return 0;
}

int people_session_start(struct tz_register *reg, const Tz__UserRecord *u,
                         int64_t now, int hours,
                         uint8_t id[PEOPLE_SESSION_LEN], int64_t *expires,
                         struct tz_error *err)
{
    uint8_t key[32];
    randombytes_buf(id, PEOPLE_SESSION_LEN);
    people_session_key(id, key);
    Tz__SessionRecord s = TZ__SESSION_RECORD__INIT;
    s.user = u->name;
    s.created_at = now;
    s.expires_at = now + (int64_t)(hours > 0 ? hours : 1) * 3600;
    int rc = register_session_add(reg, key, &s, err);
    if (rc != 0)
        sodium_memzero(id, PEOPLE_SESSION_LEN);
    else if (expires)
        *expires = s.expires_at;
    return rc;
}

int people_user_active(struct tz_register *reg, const char *name,
                       Tz__UserRecord **out, struct tz_error *err)
{
    *out = NULL;
    Tz__UserRecord *u;
    int rc = register_user_get(reg, name, &u, err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    if (u->revoked_at)
        protobuf_c_message_free_unpacked(&u->base, NULL);
    else
        *out = u;
    return 0;
}

int people_session_user(struct tz_register *reg,
                        const uint8_t id[PEOPLE_SESSION_LEN], int64_t now,
                        Tz__UserRecord **out, struct tz_error *err)
{
    uint8_t key[32];
    *out = NULL;
    people_session_key(id, key);
    Tz__SessionRecord *s;
    int rc = register_session_get(reg, key, &s, err);
    if (rc == TZ_ENOENT)
        return denied(err, "no such session (log in again)");
    if (rc != 0)
        return rc;
    if (s->expires_at <= now) {
        protobuf_c_message_free_unpacked(&s->base, NULL);
        return denied(err, "the session has expired (log in again)");
    }
    Tz__UserRecord *u;
    rc = people_user_active(reg, s->user, &u, err);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    if (rc != 0)
        return rc;
    if (u == NULL)
        return denied(err, "this login was revoked");
    *out = u;
    return 0;
}

int people_may_see(const Tz__UserRecord *u, const char *dept)
{
    if (u == NULL || u->revoked_at)
        return 0;
    if (u->role == TZ__ROLE__ROLE_ADMIN)
        return 1;
    if (u->role != TZ__ROLE__ROLE_VIEWER && u->role != TZ__ROLE__ROLE_EDITOR)
        return 0;
    return dept && u->dept[0] && strcmp(u->dept, dept) == 0;
}

int people_may_edit(const Tz__UserRecord *u, const Tz__SystemRecord *s,
                    const struct ledger_field *f)
{
    if (!people_may_see(u, s->dept))
        return 0;
    if (u->role == TZ__ROLE__ROLE_ADMIN)
        return 1;
    if (u->role != TZ__ROLE__ROLE_EDITOR)
        return 0;
    /* The department a system belongs to and the review decision are the
     * network center's (DESIGN.md §6, §7). */
    switch (f->id) {
    case LF_DEPT:
    case LF_PRELAUNCH_STATUS:
    case LF_PRELAUNCH_DATE:
    case LF_PRELAUNCH_REVIEWER:
    case LF_PRELAUNCH_REPORT_ID:
        return 0;
    default:
        return 1;
    }
}

int people_may_add(const Tz__UserRecord *u, const char *dept)
{
    if (!people_may_see(u, dept))
        return 0;
    return u->role == TZ__ROLE__ROLE_ADMIN || u->role == TZ__ROLE__ROLE_EDITOR;
}

int people_may_edit_dept(const Tz__UserRecord *u, const char *dept)
{
    /* The same people who change the department's systems: its editors,
     * and the network center. */
    return people_may_add(u, dept);
}

int people_may_request_screening(const Tz__UserRecord *u,
                                 const Tz__SystemRecord *s)
{
    return people_may_add(u, s->dept);
}

int people_may_see_queue(const Tz__UserRecord *u)
{
    return u && !u->revoked_at && u->role == TZ__ROLE__ROLE_ADMIN;
}
