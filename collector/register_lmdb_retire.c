/* register_lmdb_retire — retiring a host and folding an old host into its
 * re-enrolled one (`tzctl host retire|merge`, DUPLICATE_HOST). Storage only:
 * the record keeps the retirement, the history records it, a merge moves
 * the history (with its byte count) and the explicit binding. Which hosts
 * may be merged, and that a retired host raises nothing and is refused, is
 * decided above (collector/tzctl/host_retire.c, rules.c, admission.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "register_lmdb.h"
#include "time_text.h"

/* An entry of id's history at (at, seq) carrying ret and/or merged_from;
 * an entry already there (the last report's, in the same second) gets them
 * added instead. */
static int history_mark(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                        int64_t at, uint64_t seq, const Tz__AgentRetirement *ret,
                        uint64_t merged_from, struct tz_error *err)
{
    uint8_t kb[24];
    rl_history_key(kb, id, at, seq);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    int rc = rl_get(reg, txn, reg->history, &k, &v, "reading history", err);
    if (rc == TZ_ENOENT) {
        Tz__HistoryEntry e = TZ__HISTORY_ENTRY__INIT;
        e.agent_id = id;
        e.at = at;
        e.seq = seq;
        e.retirement = (Tz__AgentRetirement *)ret;
        e.merged_from = merged_from;
        return rl_put_msg(reg, txn, reg->history, &k, &e.base, "writing history", err);
    }
    if (rc != 0)
        return rc;
    Tz__HistoryEntry *e = rl_unpack(&tz__history_entry__descriptor, &v);
    if (e == NULL)
        return rl_corrupt(reg, err, "history", "(entry)");
    Tz__AgentRetirement *had = e->retirement;
    if (ret)
        e->retirement = (Tz__AgentRetirement *)ret;
    if (merged_from)
        e->merged_from = merged_from;
    rc = rl_put_msg(reg, txn, reg->history, &k, &e->base, "writing history", err);
    e->retirement = had;
    protobuf_c_message_free_unpacked(&e->base, NULL);
    return rc;
}

/* Load id for retiring: TZ_ENOENT / TZ_EEXIST (retired, saying when). */
static int load_active(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                       Tz__AgentRecord **rec, struct tz_error *err)
{
    int rc = rl_agent_load(reg, txn, id, rec, err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no host with id %" PRIu64, id);
    if (rc != 0)
        return rc;
    const Tz__AgentRetirement *t = (*rec)->retirement;
    if (t == NULL)
        return 0;
    char at[TIME_TEXT_BUF];
    time_text(t->at, TIME_HUMAN_UTC, at);
    if (t->merged_into)
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "host %" PRIu64 " (%s) was merged "
                    "into host %" PRIu64 " already, on %s", id, (*rec)->hostname,
                    t->merged_into, at);
    else
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "host %" PRIu64 " (%s) was retired "
                    "already, on %s", id, (*rec)->hostname, at);
    protobuf_c_message_free_unpacked(&(*rec)->base, NULL);
    *rec = NULL;
    return rc;
}

static int retire_rec(struct tz_register *reg, MDB_txn *txn, Tz__AgentRecord *rec,
                      const Tz__AgentRetirement *ret, struct tz_error *err)
{
    Tz__AgentRecord nw = *rec;
    nw.retirement = (Tz__AgentRetirement *)ret;
    int rc = rl_agent_store(reg, txn, &nw, err);
    if (rc == 0)
        rc = history_mark(reg, txn, rec->agent_id, ret->at, rec->last_seq, ret, 0, err);
    return rc;
}

struct retire {
    uint64_t id, into;
    const Tz__AgentRetirement *ret;
    int moved_binding;
};

static int retire_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    const struct retire *r = arg;
    Tz__AgentRecord *rec;
    int rc = load_active(reg, txn, r->id, &rec, err);
    if (rc != 0)
        return rc;
    rc = retire_rec(reg, txn, rec, r->ret, err);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc;
}

int register_agent_retire(struct tz_register *reg, uint64_t agent_id,
                          const Tz__AgentRetirement *ret, struct tz_error *err)
{
    if (ret->merged_into != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "a plain retirement merges into nothing");
    struct retire r = {agent_id, 0, ret, 0};
    return rl_write_txn(reg, retire_txn, &r, err);
}

/* Move every history entry of from to into, same time and seq; an entry
 * recording the revocation of from's key stays with from, whose key it was.
 * Each step seeks the next entry afresh, so no cursor stands on a page a
 * put rewrites. Two hosts' entries meet only in the same second with the
 * same seq: then into's entry stays and from's takes the next free seq. */
static int history_move(struct tz_register *reg, MDB_txn *txn, uint64_t from,
                        uint64_t into, struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->history, &cur), rc = 0;
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "moving history");
    uint8_t kb[24];
    rl_history_key(kb, from, 0, 0);
    for (;;) {
        MDB_val k = rl_mval(kb, sizeof(kb)), v;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (mrc != 0 || k.mv_size != 24 || rl_be64_get(k.mv_data) != from)
            break;
        Tz__HistoryEntry *e = rl_unpack(&tz__history_entry__descriptor, &v);
        if (e == NULL) {
            rc = rl_corrupt(reg, err, "history", "(entry)");
            break;
        }
        int64_t at = (int64_t)rl_be64_get((const uint8_t *)k.mv_data + 8);
        uint64_t seq = rl_be64_get((const uint8_t *)k.mv_data + 16);
        rl_history_key(kb, from, at, seq + 1);     /* where the next step seeks */
        if (e->revocation == NULL && (mrc = mdb_cursor_del(cur, 0)) != 0) {
            protobuf_c_message_free_unpacked(&e->base, NULL);
            break;
        }
        for (e->agent_id = into; rc == 0 && e->revocation == NULL; seq++) {
            uint8_t nk[24];
            e->seq = seq;
            rl_history_key(nk, into, at, seq);
            MDB_val nkv = rl_mval(nk, sizeof(nk));
            rc = rl_put_msg_flags(reg, txn, reg->history, &nkv, &e->base,
                                  MDB_NOOVERWRITE, "moving history", err);
            if (rc == 0)
                break;
            if (rc == TZ_EEXIST)
                rc = 0;
        }
        protobuf_c_message_free_unpacked(&e->base, NULL);
        if (rc != 0)
            break;
    }
    mdb_cursor_close(cur);
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "moving history");
    return rc;
}

/* old's explicit binding to into, when into has none. */
static int binding_move(struct tz_register *reg, MDB_txn *txn, uint64_t old,
                        const Tz__AgentRecord *into, int *moved,
                        struct tz_error *err)
{
    uint8_t ok[8], nk[8];
    rl_be64_put(ok, old);
    rl_be64_put(nk, into->agent_id);
    MDB_val k = rl_mval(ok, 8), v, k2 = rl_mval(nk, 8), v2;
    *moved = 0;
    int rc = rl_get(reg, txn, reg->bindings, &k, &v, "reading bindings", err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc == 0)
        rc = rl_get(reg, txn, reg->bindings, &k2, &v2, "reading bindings", err);
    if (rc == 0)
        return 0;    /* into is bound explicitly already: its own stays */
    if (rc != TZ_ENOENT)
        return rc;
    Tz__BindingRecord *b = rl_unpack(&tz__binding_record__descriptor, &v);
    if (b == NULL)
        return rl_corrupt(reg, err, "bindings", "(merge)");
    char *had = b->host_dept;
    b->host_dept = into->dept;
    rc = rl_put_msg(reg, txn, reg->bindings, &k2, &b->base, "writing bindings", err);
    b->host_dept = had;
    protobuf_c_message_free_unpacked(&b->base, NULL);
    int mrc = rc == 0 ? mdb_del(txn, reg->bindings, &k, NULL) : 0;
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "writing bindings");
    if (rc == 0)
        rc = rl_systems_bump(reg, txn, err);
    *moved = rc == 0;
    return rc;
}

/* The history's byte count (the per-host cap, agent_quota.h) follows the
 * history: into counts old's bytes from now on, old none. Left behind, into
 * would be pruned late (it holds more than it counts) and old's count would
 * stand for entries it no longer has. Before retire_rec: it stores old. */
static int history_bytes_move(struct tz_register *reg, MDB_txn *txn,
                              Tz__AgentRecord *old, Tz__AgentRecord *into,
                              struct tz_error *err)
{
    uint64_t sum = into->history_bytes + old->history_bytes;
    into->history_bytes = sum < into->history_bytes ? UINT64_MAX : sum;
    old->history_bytes = 0;
    return rl_agent_store(reg, txn, into, err);
}

static int merge_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    struct retire *r = arg;
    Tz__AgentRecord *old, *into;
    int rc = load_active(reg, txn, r->id, &old, err);
    if (rc != 0)
        return rc;
    rc = load_active(reg, txn, r->into, &into, err);
    if (rc == TZ_EEXIST)
        rc = tz_err(err, TZ_EINVAL, NULL, 0, "host %" PRIu64 " is retired: merge "
                    "into the host in use", r->into);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&old->base, NULL);
        return rc;
    }
    rc = history_move(reg, txn, r->id, r->into, err);
    if (rc == 0)
        rc = history_mark(reg, txn, r->into, r->ret->at, into->last_seq, NULL,
                          r->id, err);
    if (rc == 0)
        rc = binding_move(reg, txn, r->id, into, &r->moved_binding, err);
    if (rc == 0)
        rc = history_bytes_move(reg, txn, old, into, err);
    if (rc == 0)
        rc = retire_rec(reg, txn, old, r->ret, err);
    protobuf_c_message_free_unpacked(&old->base, NULL);
    protobuf_c_message_free_unpacked(&into->base, NULL);
    return rc;
}

int register_agent_merge(struct tz_register *reg, uint64_t old_id,
                         uint64_t new_id, const Tz__AgentRetirement *ret,
                         int *moved_binding, struct tz_error *err)
{
    *moved_binding = 0;
    if (old_id == new_id)
        return tz_err(err, TZ_EINVAL, NULL, 0, "host %" PRIu64 " cannot be merged "
                      "into itself", old_id);
    if (ret->merged_into != new_id)
        return tz_err(err, TZ_EINVAL, NULL, 0, "the retirement must name host %"
                      PRIu64, new_id);
    struct retire r = {old_id, new_id, ret, 0};
    int rc = rl_write_txn(reg, merge_txn, &r, err);
    *moved_binding = rc == 0 && r.moved_binding;
    return rc;
}
