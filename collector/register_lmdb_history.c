/* register_lmdb_history — change history in the `history` database.
 *
 * Key: be64 agent_id, be64 time, be64 seq → HistoryEntry. Per host in time
 * order, so `tzctl history HOST --since D` is one range scan; pruning walks
 * the whole database in small slices instead (retention is not urgent,
 * ingest is). A host over its history cap (agent_quota.h) loses its oldest
 * entries at once, inside the ingest's transaction: rl_history_cap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_diff.h"
#include "register_lmdb.h"

void rl_history_key(uint8_t k[24], uint64_t id, int64_t at, uint64_t seq)
{
    rl_be64_put(k, id);
    rl_be64_put(k + 8, (uint64_t)at);
    rl_be64_put(k + 16, seq);
}

int rl_history_record(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                      uint64_t seq, const Tz__Report *old,
                      const Tz__Report *nw, int64_t now, uint64_t *stored,
                      struct tz_error *err)
{
    Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
    int changed = 0;
    *stored = 0;
    int rc = history_diff(old, nw, &e, &changed);
    if (rc != 0)
        return tz_err(err, rc, NULL, 0, "out of memory");
    if (changed) {
        /* decided above the storage: history_diff.h */
        history_diff_summarise(&e, reg->quota.diff_max, reg->quota.diff_keep);
        e.agent_id = id;
        e.at = now;
        e.seq = seq;
        uint8_t kb[24];
        rl_history_key(kb, id, now, seq);
        MDB_val k = rl_mval(kb, sizeof(kb));
        size_t vlen;
        rc = rl_put_msg_len(reg, txn, reg->history, &k, &e.base, &vlen,
                            "writing history", err);
        if (rc == 0)
            *stored = k.mv_size + vlen;   /* as rl_history_cap counts it */
    }
    history_diff_free(&e);
    return rc;
}

/* Bytes of agent id's history (keys and values), in one range scan. */
static int history_count(MDB_cursor *cur, uint64_t id, uint64_t *total,
                         size_t *entries)
{
    uint8_t kb[24];
    rl_history_key(kb, id, 0, 0);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    *total = 0;
    *entries = 0;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == 24 && rl_be64_get(k.mv_data) == id) {
        *total += k.mv_size + v.mv_size;
        (*entries)++;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    return mrc == MDB_NOTFOUND ? 0 : mrc;
}

int rl_history_cap(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   uint64_t cap, uint64_t target, uint64_t *kept,
                   uint64_t *pruned, struct tz_error *err)
{
    *kept = *pruned = 0;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->history, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "pruning history");
    uint64_t total;
    size_t entries;
    mrc = history_count(cur, id, &total, &entries);
    uint8_t kb[24];
    rl_history_key(kb, id, 0, 0);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    int over = mrc == 0 && total > cap;
    if (over)
        mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    /* Oldest first (keys sort by time); the newest entry stays. */
    while (over && mrc == 0 && total > target && entries > 1 && k.mv_size == 24) {
        total -= k.mv_size + v.mv_size;
        entries--;
        if ((mrc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*pruned)++;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
    }
    mdb_cursor_close(cur);
    *kept = total;
    if (mrc != 0 && mrc != MDB_NOTFOUND)
        return rl_mdb_fail(reg, err, mrc, "pruning history");
    return 0;
}

int rl_history_revocation(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                          uint64_t seq, const Tz__AgentRevocation *rev,
                          struct tz_error *err)
{
    uint8_t kb[24];
    rl_history_key(kb, id, rev->at, seq);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    int rc = rl_get(reg, txn, reg->history, &k, &v, "reading history", err);
    if (rc == TZ_ENOENT) {
        Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
        e.agent_id = id;
        e.at = rev->at;
        e.seq = seq;
        e.revocation = (Tz__AgentRevocation *)rev;
        return rl_put_msg(reg, txn, reg->history, &k, &e.base, "writing history", err);
    }
    if (rc != 0)
        return rc;
    /* The last report's entry, in the same second: the revocation joins it. */
    Tz__HistoryEntry *e = rl_unpack(&tz__history_entry__descriptor, &v);
    if (e == NULL)
        return rl_corrupt(reg, err, "history", "(entry)");
    Tz__AgentRevocation *had = e->revocation;
    e->revocation = (Tz__AgentRevocation *)rev;
    rc = rl_put_msg(reg, txn, reg->history, &k, &e->base, "writing history", err);
    e->revocation = had;
    protobuf_c_message_free_unpacked(&e->base, NULL);
    return rc;
}

struct history_walk {
    register_history_cb cb;
    void *arg;
};

static int history_keep(const MDB_val *k, void *arg)
{
    (void)arg;
    return k->mv_size == 24;
}

static int history_key_name(const ProtobufCMessage *m, const MDB_val *k,
                            char *keyname, size_t len)
{
    (void)k;
    snprintf(keyname, len, "(entry)");
    return m != NULL;
}

static int history_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct history_walk *h = arg;
    return h->cb((const Tz__HistoryEntry *)m, h->arg);
}

int register_each_history(struct tz_register *reg, uint64_t agent_id,
                          int64_t since, register_history_cb cb, void *arg,
                          struct tz_error *err)
{
    uint8_t kb[24];
    rl_history_key(kb, agent_id, since > 0 ? since : 0, 0);
    struct history_walk h = {cb, arg};
    struct rl_walk w = {.dbi = reg->history, .db = "history",
                        .start = kb, .start_len = sizeof(kb), .prefix_len = 8,
                        .keep = history_keep,
                        .desc = &tz__history_entry__descriptor,
                        .check = history_key_name, .cb = history_walk_cb,
                        .arg = &h};
    return rl_walk(reg, &w, err);
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
