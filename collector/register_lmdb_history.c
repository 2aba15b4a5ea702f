/* register_lmdb_history — change history in the `history` database.
 *
 * Key: be64 agent_id, be64 time, be64 seq → HistoryEntry. Per host in time
 * order, so `tzctl history HOST --since D` is one range scan; pruning walks
 * the whole database in small slices instead (retention is not urgent,
 * ingest is). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history_diff.h"
#include "register_lmdb.h"

static void history_key(uint8_t k[24], uint64_t id, int64_t at, uint64_t seq)
{
    rl_be64_put(k, id);
    rl_be64_put(k + 8, (uint64_t)at);
    rl_be64_put(k + 16, seq);
}

int rl_history_record(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                      uint64_t seq, const Tz__Report *old,
                      const Tz__Report *nw, int64_t now,
                      struct tz_error *err)
{
    Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
    int changed = 0;
    int rc = history_diff(old, nw, &e, &changed);
    if (rc != 0)
        return tz_err(err, rc, NULL, 0, "out of memory");
    if (changed) {
        e.agent_id = id;
        e.at = now;
        e.seq = seq;
        uint8_t kb[24];
        history_key(kb, id, now, seq);
        MDB_val k = rl_mval(kb, sizeof(kb));
        rc = rl_put_msg(reg, txn, reg->history, &k, &e.base, "writing history", err);
    }
    history_diff_free(&e);
    return rc;
}

int register_each_history(struct tz_register *reg, uint64_t agent_id,
                          int64_t since, register_history_cb cb, void *arg,
                          struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->history, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return rl_mdb_fail(reg, err, mrc, "reading history");
    }
    uint8_t kb[24];
    history_key(kb, agent_id, since > 0 ? since : 0, 0);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 24 || memcmp(k.mv_data, kb, 8) != 0)
            break;
        Tz__HistoryEntry *e = rl_unpack(&tz__history_entry__descriptor, &v);
        if (e == NULL) {
            rc = rl_corrupt(reg, err, "history", "(entry)");
            break;
        }
        rc = cb(e, arg);
        protobuf_c_message_free_unpacked(&e->base, NULL);
        if (rc != 0)
            break;
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading history");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc;
}

struct prune {
    int64_t before;
    size_t max_visit;
    size_t deleted;
};

static int prune_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    struct prune *p = arg;
    p->deleted = 0;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->history, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "pruning history");
    MDB_val k = rl_mval(reg->prune_key, reg->prune_len), v;
    mrc = mdb_cursor_get(cur, &k, &v, reg->prune_len ? MDB_SET_RANGE : MDB_FIRST);
    size_t visited = 0;
    while (mrc == 0 && visited < p->max_visit) {
        visited++;
        if (k.mv_size == 24 &&
            (int64_t)rl_be64_get((const uint8_t *)k.mv_data + 8) < p->before) {
            if ((mrc = mdb_cursor_del(cur, 0)) != 0)
                break;
            p->deleted++;
            /* After a delete the cursor already stands on the next entry. */
            mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
            continue;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    int rc = 0;
    if (mrc == 0 && k.mv_size <= sizeof(reg->prune_key)) {
        memcpy(reg->prune_key, k.mv_data, k.mv_size);   /* resume here */
        reg->prune_len = k.mv_size;
    } else if (mrc == MDB_NOTFOUND || mrc == EINVAL) {
        reg->prune_len = 0;                             /* wrap around */
    } else if (mrc != 0) {
        rc = rl_mdb_fail(reg, err, mrc, "pruning history");
    }
    mdb_cursor_close(cur);
    return rc;
}

int register_history_prune(struct tz_register *reg, int64_t before,
                           size_t max_visit, size_t *deleted,
                           struct tz_error *err)
{
    struct prune p = {before, max_visit ? max_visit : 1, 0};
    int rc = rl_write_txn(reg, prune_txn, &p, err);
    *deleted = rc == 0 ? p.deleted : 0;
    return rc;
}
