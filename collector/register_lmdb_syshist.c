/* register_lmdb_syshist — who changed which ledger fields, in `syshist`.
 *
 * Key: be64 system_id, be64 time, be64 seq → SystemChange. seq comes from
 * meta "syshist_seq", so two changes of one system in the same second keep
 * their order and both survive. Entries are written in the transaction of
 * the change itself: a ledger change without its history cannot commit. */
#include <stdio.h>
#include <string.h>

#include "ledger_diff.h"
#include "register_lmdb.h"

static void syshist_key(uint8_t k[24], uint64_t id, int64_t at, uint64_t seq)
{
    rl_be64_put(k, id);
    rl_be64_put(k + 8, (uint64_t)at);
    rl_be64_put(k + 16, seq);
}

/* Store c (system_id and at set) under the next seq. */
static int syshist_put(struct tz_register *reg, MDB_txn *txn,
                       Tz__SystemChange *c, const struct register_actor *by,
                       struct tz_error *err)
{
    uint64_t seq = 0;
    int rc = rl_get_u64(reg, txn, "syshist_seq", &seq, err);
    if (rc == TZ_ENOENT)
        rc = 0;
    if (rc == 0)
        rc = rl_put_u64(reg, txn, "syshist_seq", seq + 1, err);
    c->actor = (char *)(by && by->name ? by->name : "");
    c->via = (char *)(by && by->via ? by->via : "");
    uint8_t kb[24];
    syshist_key(kb, c->system_id, c->at, seq);
    MDB_val k = rl_mval(kb, sizeof(kb));
    if (rc == 0)
        rc = rl_put_msg(reg, txn, reg->syshist, &k, &c->base,
                        "writing the ledger history", err);
    return rc;
}

int rl_syshist_record(struct tz_register *reg, MDB_txn *txn,
                      const Tz__SystemRecord *old, const Tz__SystemRecord *nw,
                      int64_t now, const struct register_actor *by,
                      struct tz_error *err)
{
    Tz__SystemChange c = TZ__SYSTEM_CHANGE__INIT;
    if (ledger_diff(old, nw, &c) != 0) {
        reg->last_mdb = 0;
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    int rc = 0;
    if (c.n_changes) {
        c.system_id = nw->system_id;
        c.at = now;
        c.action = (char *)(old ? "updated" : "created");
        rc = syshist_put(reg, txn, &c, by, err);
    }
    ledger_diff_clear(&c);
    return rc;
}

int rl_syshist_binding(struct tz_register *reg, MDB_txn *txn,
                       uint64_t system_id, int bound, const char *host,
                       const char *host_dept, int64_t now,
                       const struct register_actor *by, struct tz_error *err)
{
    Tz__FieldChange fc = TZ__FIELD_CHANGE__INIT, *fcs[1] = {&fc};
    fc.field = (char *)LEDGER_CHANGE_HOST;
    fc.old_value = (char *)(bound ? "" : host);
    fc.new_value = (char *)(bound ? host : "");
    Tz__SystemChange c = TZ__SYSTEM_CHANGE__INIT;
    c.system_id = system_id;
    c.at = now;
    c.action = (char *)(bound ? LEDGER_ACTION_BOUND : LEDGER_ACTION_UNBOUND);
    c.n_changes = 1;
    c.changes = fcs;
    c.host_dept = (char *)(host_dept ? host_dept : "");
    return syshist_put(reg, txn, &c, by, err);
}

struct syshist_walk {
    register_system_change_cb cb;
    void *arg;
};

static int syshist_check(const ProtobufCMessage *m, const MDB_val *k,
                         char *keyname, size_t len)
{
    uint64_t id = k->mv_size == 24 ? rl_be64_get(k->mv_data) : 0;
    snprintf(keyname, len, "%llu/(entry)", (unsigned long long)id);
    return m && k->mv_size == 24 &&
           ((const Tz__SystemChange *)m)->system_id == id;
}

static int syshist_cb(const ProtobufCMessage *m, void *arg)
{
    const struct syshist_walk *h = arg;
    return h->cb((const Tz__SystemChange *)m, h->arg);
}

int register_each_system_change(struct tz_register *reg, uint64_t system_id,
                                register_system_change_cb cb, void *arg,
                                struct tz_error *err)
{
    if (reg->absent & RL_ABSENT_SYSHIST)
        return 0;
    uint8_t kb[24];
    syshist_key(kb, system_id, 0, 0);
    struct syshist_walk h = {cb, arg};
    struct rl_walk w = {.dbi = reg->syshist, .db = "syshist",
                        .start = kb, .start_len = sizeof(kb), .prefix_len = 8,
                        .desc = &tz__system_change__descriptor,
                        .check = syshist_check, .cb = syshist_cb, .arg = &h};
    return rl_walk(reg, &w, err);
}
