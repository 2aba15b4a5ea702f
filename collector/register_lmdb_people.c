/* register_lmdb_people — portal users and sessions in LMDB (the "people"
 * part of collector/register.h).
 *
 * Databases: users (name → UserRecord), sessions (BLAKE2b-256 of the
 * session id → SessionRecord). A token is found by a walk of the users:
 * logins are rare and a university has hundreds of users, not millions,
 * so an index would be one more thing to keep consistent for nothing.
 * What a role may do is decided above (collector/people.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "register_lmdb.h"

#define SESSION_KEY_LEN 32

static int user_load(struct tz_register *reg, MDB_txn *txn, const char *name,
                     Tz__UserRecord **out, struct tz_error *err)
{
    *out = NULL;
    MDB_val k = rl_mstr(name), v;
    int rc = rl_get(reg, txn, reg->users, &k, &v, "reading users", err);
    if (rc != 0)
        return rc;
    Tz__UserRecord *u = rl_unpack(&tz__user_record__descriptor, &v);
    if (u == NULL || strcmp(u->name, name) != 0) {
        if (u)
            protobuf_c_message_free_unpacked(&u->base, NULL);
        return rl_corrupt(reg, err, "users", name);
    }
    *out = u;
    return 0;
}

static int user_store(struct tz_register *reg, MDB_txn *txn,
                      const Tz__UserRecord *u, unsigned flags,
                      struct tz_error *err)
{
    MDB_val k = rl_mstr(u->name);
    return rl_put_msg_flags(reg, txn, reg->users, &k, &u->base, flags,
                            "writing users", err);
}

static int no_user(struct tz_error *err, const char *name)
{
    return tz_err(err, TZ_ENOENT, NULL, 0,
                  "no user \"%s\" (tzctl user list shows them)", name);
}

static int user_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                        struct tz_error *err)
{
    const Tz__UserRecord *u = arg;
    if (u->dept[0]) {
        MDB_val k = rl_mstr(u->dept), v;
        int rc = rl_get(reg, txn, reg->depts, &k, &v, "reading depts", err);
        if (rc == TZ_ENOENT)
            return tz_err(err, TZ_ENOENT, NULL, 0,
                          "no department \"%s\" (add it with: tzctl dept add "
                          "NAME)", u->dept);
        if (rc != 0)
            return rc;
    }
    int rc = user_store(reg, txn, u, MDB_NOOVERWRITE, err);
    if (rc == TZ_EEXIST)
        return tz_err(err, TZ_EEXIST, NULL, 0,
                      "there is already a user \"%s\" (names are never "
                      "reused, even after revoke)", u->name);
    return rc;
}

int register_user_add(struct tz_register *reg, const Tz__UserRecord *u,
                      struct tz_error *err)
{
    if (u->name == NULL || u->name[0] == '\0' ||
        strlen(u->name) > TZ_MAX_NAME || u->token_hash.len != 32)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "a user needs a name of 1..%d bytes and a token hash",
                      TZ_MAX_NAME);
    return rl_write_txn(reg, user_add_txn, (void *)u, err);
}

int register_user_get(struct tz_register *reg, const char *name,
                      Tz__UserRecord **out, struct tz_error *err)
{
    *out = NULL;
    if (reg->absent & RL_ABSENT_USERS)
        return no_user(err, name);
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = user_load(reg, txn, name, out, err);
    mdb_txn_abort(txn);
    return rc == TZ_ENOENT ? no_user(err, name) : rc;
}

static int user_key_check(const ProtobufCMessage *m, const MDB_val *k,
                          char *keyname, size_t len)
{
    size_t n = k->mv_size < len - 1 ? k->mv_size : len - 1;
    memcpy(keyname, k->mv_data, n);
    keyname[n] = '\0';
    const Tz__UserRecord *u = (const Tz__UserRecord *)m;
    return u && strlen(u->name) == k->mv_size &&
           memcmp(u->name, k->mv_data, k->mv_size) == 0;
}

struct user_walk {
    register_user_cb cb;
    void *arg;
};

static int user_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct user_walk *w = arg;
    return w->cb((const Tz__UserRecord *)m, w->arg);
}

int register_each_user(struct tz_register *reg, register_user_cb cb,
                       void *arg, struct tz_error *err)
{
    if (reg->absent & RL_ABSENT_USERS)
        return 0;
    struct user_walk uw = {cb, arg};
    struct rl_walk w = {.dbi = reg->users, .db = "users",
                        .desc = &tz__user_record__descriptor,
                        .check = user_key_check, .cb = user_walk_cb,
                        .arg = &uw};
    return rl_walk(reg, &w, err);
}

/* The walk stops with this once the token's user is found. */
#define FOUND 1

struct by_token {
    const uint8_t *hash;
    Tz__UserRecord *found;
};

static int by_token_cb(const Tz__UserRecord *u, void *arg)
{
    struct by_token *b = arg;
    if (u->token_hash.len != 32 ||
        sodium_memcmp(u->token_hash.data, b->hash, 32) != 0)
        return 0;
    /* The record is the walk's: keep a copy of our own. */
    size_t n = protobuf_c_message_get_packed_size(&u->base);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return TZ_ENOMEM;
    protobuf_c_message_pack(&u->base, buf);
    b->found = tz__user_record__unpack(NULL, n, buf);
    free(buf);
    return b->found ? FOUND : TZ_ENOMEM;
}

int register_user_by_token(struct tz_register *reg, const uint8_t hash[32],
                           Tz__UserRecord **out, struct tz_error *err)
{
    struct by_token b = {hash, NULL};
    *out = NULL;
    int rc = register_each_user(reg, by_token_cb, &b, err);
    if (rc == FOUND) {
        *out = b.found;
        return 0;
    }
    if (rc == TZ_ENOMEM)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc ? rc : TZ_ENOENT;
}

struct revoke {
    const char *name;
    int64_t now;
    size_t ended;
};

/* End every session of user: one walk of the sessions (few, short-lived). */
static int end_sessions(struct tz_register *reg, MDB_txn *txn,
                        const char *user, int64_t before_or_0, size_t *ended,
                        struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->sessions, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading sessions");
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Tz__SessionRecord *s = rl_unpack(&tz__session_record__descriptor, &v);
        /* A record that does not decode is no session anyone can use. */
        int drop = s == NULL ||
                   (user && strcmp(s->user, user) == 0) ||
                   (before_or_0 && s->expires_at < before_or_0);
        if (s)
            protobuf_c_message_free_unpacked(&s->base, NULL);
        if (!drop)
            continue;
        if ((mrc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*ended)++;
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "removing sessions");
    mdb_cursor_close(cur);
    return rc;
}

static int revoke_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    struct revoke *r = arg;
    Tz__UserRecord *u;
    r->ended = 0;
    int rc = user_load(reg, txn, r->name, &u, err);
    if (rc == TZ_ENOENT)
        return no_user(err, r->name);
    if (rc != 0)
        return rc;
    if (u->revoked_at) {
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "user \"%s\" is already revoked",
                    r->name);
    } else {
        u->revoked_at = r->now;
        rc = user_store(reg, txn, u, 0, err);
    }
    protobuf_c_message_free_unpacked(&u->base, NULL);
    if (rc == 0)
        rc = end_sessions(reg, txn, r->name, 0, &r->ended, err);
    if (rc == TZ_EEXIST)
        reg->last_mdb = 0;
    return rc;
}

int register_user_revoke(struct tz_register *reg, const char *name,
                         int64_t now, size_t *ended, struct tz_error *err)
{
    struct revoke r = {name, now, 0};
    int rc = rl_write_txn(reg, revoke_txn, &r, err);
    if (ended)
        *ended = rc == 0 ? r.ended : 0;
    return rc;
}

struct session_add {
    const uint8_t *key;
    const Tz__SessionRecord *s;
};

static int session_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                           struct tz_error *err)
{
    struct session_add *a = arg;
    Tz__UserRecord *u;
    int rc = user_load(reg, txn, a->s->user, &u, err);
    if (rc == TZ_ENOENT)
        return no_user(err, a->s->user);
    if (rc != 0)
        return rc;
    u->last_login = a->s->created_at;
    rc = user_store(reg, txn, u, 0, err);
    protobuf_c_message_free_unpacked(&u->base, NULL);
    MDB_val k = rl_mval(a->key, SESSION_KEY_LEN);
    if (rc == 0)
        rc = rl_put_msg_flags(reg, txn, reg->sessions, &k, &a->s->base,
                              MDB_NOOVERWRITE, "writing sessions", err);
    return rc;
}

int register_session_add(struct tz_register *reg, const uint8_t key[32],
                         const Tz__SessionRecord *s, struct tz_error *err)
{
    struct session_add a = {key, s};
    return rl_write_txn(reg, session_add_txn, &a, err);
}

int register_session_get(struct tz_register *reg, const uint8_t key[32],
                         Tz__SessionRecord **out, struct tz_error *err)
{
    *out = NULL;
    if (reg->absent & RL_ABSENT_SESSIONS)
        return TZ_ENOENT;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_val k = rl_mval(key, SESSION_KEY_LEN), v;
    rc = rl_get(reg, txn, reg->sessions, &k, &v, "reading sessions", err);
    if (rc == 0) {
        *out = rl_unpack(&tz__session_record__descriptor, &v);
        if (*out == NULL)
            rc = rl_corrupt(reg, err, "sessions", "(session)");
    }
    mdb_txn_abort(txn);
    return rc;
}

static int session_del_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                           struct tz_error *err)
{
    MDB_val k = rl_mval(arg, SESSION_KEY_LEN);
    int rc = mdb_del(txn, reg->sessions, &k, NULL);
    if (rc == MDB_NOTFOUND) {
        reg->last_mdb = 0;
        return TZ_ENOENT;
    }
    return rc ? rl_mdb_fail(reg, err, rc, "removing a session") : 0;
}

int register_session_delete(struct tz_register *reg, const uint8_t key[32],
                            struct tz_error *err)
{
    return rl_write_txn(reg, session_del_txn, (void *)key, err);
}

struct prune_sessions {
    int64_t now;
    size_t deleted;
};

static int prune_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    struct prune_sessions *p = arg;
    p->deleted = 0;
    return end_sessions(reg, txn, NULL, p->now, &p->deleted, err);
}

int register_session_prune(struct tz_register *reg, int64_t now,
                           size_t *deleted, struct tz_error *err)
{
    struct prune_sessions p = {now, 0};
    int rc = rl_write_txn(reg, prune_txn, &p, err);
    if (deleted)
        *deleted = rc == 0 ? p.deleted : 0;
    return rc;
}
