/* register_lmdb_digest — where each e-mail digest stands (the "digest
 * state" part of collector/register.h), kept in the settings database
 * under "digest\0" + "D" + dept, or "digest\0S" for the school's. */
#include "register.h"

#include <string.h>

#include "register_lmdb.h"

#define DKEY_PREFIX "digest\0"
#define DKEY_PREFIX_LEN 7

static size_t digest_key(const char *dept, uint8_t *k, size_t cap)
{
    size_t n = dept ? strlen(dept) : 0;
    if (DKEY_PREFIX_LEN + 1 + n > cap)
        return 0;
    memcpy(k, DKEY_PREFIX, DKEY_PREFIX_LEN);
    k[DKEY_PREFIX_LEN] = dept ? 'D' : 'S';
    if (n)
        memcpy(k + DKEY_PREFIX_LEN + 1, dept, n);
    return DKEY_PREFIX_LEN + 1 + n;
}

int rl_is_digest_key(const void *k, size_t n)
{
    const uint8_t *b = k;
    return n > DKEY_PREFIX_LEN && memcmp(b, DKEY_PREFIX, DKEY_PREFIX_LEN) == 0 &&
           ((b[DKEY_PREFIX_LEN] == 'S' && n == DKEY_PREFIX_LEN + 1) ||
            (b[DKEY_PREFIX_LEN] == 'D' && n > DKEY_PREFIX_LEN + 1));
}

struct state_put {
    const char *const *depts;
    const Tz__DigestState *const *sts;
    size_t n;
};

static int put_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                   struct tz_error *err)
{
    const struct state_put *p = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->n; i++) {
        uint8_t key[DKEY_PREFIX_LEN + 1 + TZ_MAX_NAME_BUF];
        size_t n = digest_key(p->depts[i], key, sizeof(key));
        if (n == 0)
            return tz_err(err, TZ_EINVAL, NULL, 0, "department name too long");
        MDB_val k = rl_mval(key, n);
        rc = rl_put_msg(reg, txn, reg->settings, &k, &p->sts[i]->base,
                        "recording a digest's state", err);
    }
    return rc;
}

int register_digest_states_put(struct tz_register *reg, const char *const *depts,
                               const Tz__DigestState *const *sts, size_t n,
                               struct tz_error *err)
{
    struct state_put p = {depts, sts, n};
    return n ? rl_write_txn(reg, put_txn, &p, err) : 0;
}

int register_digest_state_put(struct tz_register *reg, const char *dept,
                              const Tz__DigestState *st, struct tz_error *err)
{
    return register_digest_states_put(reg, &dept, &st, 1, err);
}

int register_digest_state_get(struct tz_register *reg, const char *dept,
                              Tz__DigestState **out, struct tz_error *err)
{
    *out = NULL;
    if (reg->absent & RL_ABSENT_SETTINGS)
        return TZ_ENOENT;
    uint8_t key[DKEY_PREFIX_LEN + 1 + TZ_MAX_NAME_BUF];
    size_t n = digest_key(dept, key, sizeof(key));
    if (n == 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "department name too long");
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_val k = rl_mval(key, n), v;
    rc = rl_get(reg, txn, reg->settings, &k, &v, "reading a digest's state", err);
    if (rc == 0) {
        *out = rl_unpack(&tz__digest_state__descriptor, &v);
        if (*out == NULL)
            rc = rl_corrupt(reg, err, "settings", dept ? dept : "digest (school)");
    }
    mdb_txn_abort(txn);
    return rc;
}

struct state_walk {
    register_digest_state_cb cb;
    void *arg;
};

static int state_cb(const ProtobufCMessage *m, void *arg)
{
    const struct state_walk *s = arg;
    return s->cb((const Tz__DigestState *)m, s->arg);
}

static int state_keep(const MDB_val *k, void *arg)
{
    (void)arg;
    return rl_is_digest_key(k->mv_data, k->mv_size);
}

int register_each_digest_state(struct tz_register *reg, register_digest_state_cb cb,
                               void *arg, struct tz_error *err)
{
    if (reg->absent & RL_ABSENT_SETTINGS)
        return 0;
    struct state_walk s = {cb, arg};
    struct rl_walk w = {.dbi = reg->settings, .db = "settings",
                        .start = DKEY_PREFIX, .start_len = DKEY_PREFIX_LEN,
                        .prefix_len = DKEY_PREFIX_LEN, .keep = state_keep,
                        .desc = &tz__digest_state__descriptor, .cb = state_cb,
                        .arg = &s};
    return rl_walk(reg, &w, err);
}
