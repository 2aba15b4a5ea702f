/* register_lmdb_tokens — enrollment tokens in the tokens database
 * (BLAKE2b-256(token) → TokenRecord): made, listed, revoked, and numbered.
 * The token itself is never stored. Whether a token may enroll is
 * collector/admission.c's to say; the enrollment that spends a use is in
 * register_lmdb_ingest.c's batch transaction. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "grow.h"
#include "register_lmdb.h"

#define NEXT_TOKEN_ID "next_token_id"

/* ---- ids: what tzctl token list shows and token revoke takes ---- */

struct id_fix {
    uint8_t (*keys)[32];
    size_t n, cap;
};

/* Tokens made before ids existed get one at the first writable open, in key
 * order; meta next_token_id stays above every id. */
int rl_token_ids_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->tokens, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading tokens");
    struct id_fix f = {0};
    uint64_t highest = 0;
    int rc = 0;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Tz__TokenRecord *t = k.mv_size == 32
            ? rl_unpack(&tz__token_record__descriptor, &v) : NULL;
        if (t == NULL)
            continue;   /* register_verify names it; enrollment refuses it */
        if (t->token_id > highest)
            highest = t->token_id;
        int needs = t->token_id == 0;
        protobuf_c_message_free_unpacked(&t->base, NULL);
        if (!needs)
            continue;
        if (tz_grow((void **)&f.keys, &f.cap, f.n, sizeof(*f.keys)) != 0) {
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        memcpy(f.keys[f.n++], k.mv_data, 32);
    }
    mdb_cursor_close(cur);
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading tokens");
    uint64_t next = 0;
    if (rc == 0) {
        rc = rl_get_u64(reg, txn, NEXT_TOKEN_ID, &next, err);
        if (rc == TZ_ENOENT) {
            next = 1;
            rc = 0;
        }
    }
    if (rc == 0 && next <= highest)
        next = highest + 1;
    for (size_t i = 0; rc == 0 && i < f.n; i++) {
        MDB_val kk = rl_mval(f.keys[i], 32), vv;
        rc = rl_get(reg, txn, reg->tokens, &kk, &vv, "reading tokens", err);
        Tz__TokenRecord *t = rc == 0 ? rl_unpack(&tz__token_record__descriptor, &vv)
                                     : NULL;
        if (t == NULL)
            continue;
        t->token_id = next++;
        rc = rl_put_msg(reg, txn, reg->tokens, &kk, &t->base, "writing tokens", err);
        protobuf_c_message_free_unpacked(&t->base, NULL);
    }
    if (rc == 0 && f.n)
        rc = rl_put_u64(reg, txn, NEXT_TOKEN_ID, next, err);
    free(f.keys);
    return rc;
}

/* ---- making one ---- */

struct token_new {
    const struct register_token_spec *spec;
    int64_t now;
    const char *token;
    uint64_t id;
};

static int token_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    struct token_new *t = arg;
    const char *dept = t->spec->dept;
    if (dept) {
        MDB_val k = rl_mstr(dept), v;
        int rc = rl_get(reg, txn, reg->depts, &k, &v, "reading depts", err);
        if (rc == TZ_ENOENT)
            return tz_err(err, TZ_ENOENT, NULL, 0,
                          "no department \"%s\" (add it with: tzctl dept add "
                          "NAME)", dept);
        if (rc != 0)
            return rc;
    }
    uint64_t id;
    int rc = rl_get_u64(reg, txn, NEXT_TOKEN_ID, &id, err);
    if (rc == TZ_ENOENT) {
        id = 1;
        rc = 0;
    }
    if (rc == 0)
        rc = rl_put_u64(reg, txn, NEXT_TOKEN_ID, id + 1, err);
    if (rc != 0)
        return rc;
    char prefix[11];
    snprintf(prefix, sizeof(prefix), "%s", t->token);
    Tz__TokenRecord rec = TZ__TOKEN_RECORD__INIT;
    rec.dept = (char *)(dept ? dept : "");
    rec.role = dept ? "dept" : "admin";
    rec.created_at = t->now;
    rec.prefix = prefix;
    rec.token_id = id;
    rec.expires_at = t->spec->expires_at;
    rec.max_uses = t->spec->max_uses;
    uint8_t h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)t->token,
                       strlen(t->token), NULL, 0);
    MDB_val k = rl_mval(h, sizeof(h));
    rc = rl_put_msg_flags(reg, txn, reg->tokens, &k, &rec.base, MDB_NOOVERWRITE,
                          "writing tokens", err);
    if (rc == TZ_EEXIST)   /* 256 random bits met an old token: never */
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "token collision: try again");
    if (rc == 0)
        t->id = id;
    return rc;
}

int register_token_make(struct tz_register *reg,
                        const struct register_token_spec *spec, int64_t now,
                        char out[REGISTER_TOKEN_LEN], uint64_t *id,
                        struct tz_error *err)
{
    out[0] = '\0';
    if (spec->expires_at != 0 && spec->expires_at <= now)
        return tz_err(err, TZ_EINVAL, NULL, 0, "the token would expire before it "
                      "is made");
    if (spec->dept == NULL && (spec->expires_at || spec->max_uses))
        return tz_err(err, TZ_EINVAL, NULL, 0, "expiry and use limits are for "
                      "enrollment tokens (--dept)");
    unsigned char raw[32];
    char tok[REGISTER_TOKEN_LEN];
    randombytes_buf(raw, sizeof(raw));
    memcpy(tok, "tz_", 3);
    sodium_bin2base64(tok + 3, sizeof(tok) - 3, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    struct token_new t = {spec, now, tok, 0};
    int rc = rl_write_txn(reg, token_txn, &t, err);
    if (rc == 0) {
        memcpy(out, tok, REGISTER_TOKEN_LEN);
        if (id)
            *id = t.id;
    }
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

int register_token_create(struct tz_register *reg, const char *dept,
                          int64_t now, char out[REGISTER_TOKEN_LEN],
                          struct tz_error *err)
{
    struct register_token_spec spec = {.dept = dept};
    return register_token_make(reg, &spec, now, out, NULL, err);
}

/* ---- listing ---- */

static int token_key_check(const ProtobufCMessage *m, const MDB_val *k,
                           char *keyname, size_t len)
{
    snprintf(keyname, len, "(token hash)");
    return m && k->mv_size == 32;
}

struct token_walk {
    register_token_cb cb;
    void *arg;
};

static int token_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct token_walk *w = arg;
    return w->cb((const Tz__TokenRecord *)m, w->arg);
}

int register_each_token(struct tz_register *reg, register_token_cb cb, void *arg,
                        struct tz_error *err)
{
    struct token_walk tw = {cb, arg};
    struct rl_walk w = {.dbi = reg->tokens, .db = "tokens",
                        .desc = &tz__token_record__descriptor,
                        .check = token_key_check, .cb = token_walk_cb, .arg = &tw};
    return rl_walk(reg, &w, err);
}

/* ---- revoking ---- */

struct token_revoke {
    uint64_t id;
    int64_t now;
    const char *by;
    int64_t was;        /* out: when it had been revoked already */
};

/* The key of the token numbered id: TZ_ENOENT when none has it. */
static int token_key_of(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                        uint8_t key[32], struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->tokens, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading tokens");
    int rc = TZ_ENOENT;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Tz__TokenRecord *t = k.mv_size == 32
            ? rl_unpack(&tz__token_record__descriptor, &v) : NULL;
        int found = t && t->token_id == id;
        if (t)
            protobuf_c_message_free_unpacked(&t->base, NULL);
        if (found) {
            memcpy(key, k.mv_data, 32);
            rc = 0;
            break;
        }
    }
    mdb_cursor_close(cur);
    if (rc == TZ_ENOENT && mrc != MDB_NOTFOUND)
        return rl_mdb_fail(reg, err, mrc, "reading tokens");
    return rc;
}

static int revoke_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    struct token_revoke *r = arg;
    uint8_t key[32];
    int rc = token_key_of(reg, txn, r->id, key, err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no token with id %" PRIu64
                      " (tzctl token list shows them)", r->id);
    MDB_val k = rl_mval(key, 32), v;
    if (rc == 0)
        rc = rl_get(reg, txn, reg->tokens, &k, &v, "reading tokens", err);
    if (rc != 0)
        return rc;
    Tz__TokenRecord *t = rl_unpack(&tz__token_record__descriptor, &v);
    if (t == NULL)
        return rl_corrupt(reg, err, "tokens", "(token hash)");
    if (t->revoked_at != 0) {
        r->was = t->revoked_at;
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "token %" PRIu64 " (%s...) is revoked "
                    "already", r->id, t->prefix);
    } else {
        char *old_by = t->revoked_by;
        t->revoked_at = r->now;
        t->revoked_by = (char *)(r->by ? r->by : "");
        rc = rl_put_msg(reg, txn, reg->tokens, &k, &t->base, "writing tokens", err);
        t->revoked_by = old_by;   /* the unpacked record's own, to be freed */
    }
    protobuf_c_message_free_unpacked(&t->base, NULL);
    return rc;
}

int register_token_revoke(struct tz_register *reg, uint64_t id, int64_t now,
                          const char *by, struct tz_error *err)
{
    struct token_revoke r = {id, now, by, 0};
    return rl_write_txn(reg, revoke_txn, &r, err);
}
