/* register_lmdb_epoch — the register epoch in meta "epoch" (be64): random,
 * made with the register and replaced when a backup is restored, so that a
 * message an agent sealed for the register before the restore (it names the
 * old epoch) is told apart from one sealed after (collector/ingest.c). Read
 * once when the register opens and kept in memory: it changes only through
 * register_epoch_renew, which tzctl restore runs with no collector up. */
#include <sodium.h>

#include "register_lmdb.h"

#define EPOCH_KEY "epoch"

/* A random epoch, never 0 (0 is an agent's "none yet") nor old. */
static uint64_t fresh_epoch(uint64_t old)
{
    uint64_t e;
    do
        randombytes_buf(&e, sizeof(e));
    while (e == 0 || e == old);
    return e;
}

int rl_epoch_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err)
{
    uint64_t e = 0;
    int rc = rl_get_u64(reg, txn, EPOCH_KEY, &e, err);
    if (rc == TZ_ENOENT && !reg->rdonly) {
        /* A new register, or one from before epochs: it gets one now. */
        e = fresh_epoch(0);
        rc = rl_put_u64(reg, txn, EPOCH_KEY, e, err);
    } else if (rc == TZ_ENOENT) {
        rc = 0;   /* read-only, none yet: 0 */
    }
    if (rc == 0)
        reg->epoch = e;
    return rc;
}

uint64_t register_epoch(const struct tz_register *reg)
{
    return reg->epoch;
}

static int renew_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    return rl_put_u64(reg, txn, EPOCH_KEY, *(const uint64_t *)arg, err);
}

int register_epoch_renew(struct tz_register *reg, uint64_t *epoch,
                         struct tz_error *err)
{
    if (reg->rdonly)
        return tz_err(err, TZ_EINVAL, reg->dir, 0,
                      "the register is open read-only: its epoch cannot change");
    uint64_t e = fresh_epoch(reg->epoch);
    int rc = rl_write_txn(reg, renew_txn, &e, err);
    if (rc != 0)
        return rc;
    reg->epoch = e;
    if (epoch)
        *epoch = e;
    return 0;
}
