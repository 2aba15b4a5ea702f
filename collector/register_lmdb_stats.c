/* register_lmdb_stats — the register's counters and sizes for `tzctl stats`
 * (meta "stat.*", written once per batch by the ingest). */
#include "register.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "register_lmdb.h"

int register_stats(struct tz_register *reg, struct register_stats *out,
                   struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_stat st;
    int mrc;
    if ((mrc = mdb_stat(txn, reg->agents, &st)) != 0)
        goto fail;
    out->agents = st.ms_entries;
    if ((mrc = mdb_stat(txn, reg->depts, &st)) != 0)
        goto fail;
    out->depts = st.ms_entries;
    struct {
        const char *key;
        uint64_t *dst;
    } ctr[] = {
        {"stat.accepted", &out->accepted},
        {"stat.reports", &out->reports_accepted},
        {"stat.hosts", &out->hosts},
        {"stat.batches", &out->batches},
        {"stat.throttled", &out->throttled},
        {"schema", &out->schema},
    };
    for (size_t i = 0; rc == 0 && i < sizeof(ctr) / sizeof(ctr[0]); i++) {
        rc = rl_get_u64(reg, txn, ctr[i].key, ctr[i].dst, err);
        if (rc == TZ_ENOENT)
            rc = 0;
    }
    for (int s = 0; rc == 0 && s < N_STATUS; s++) {
        char key[32];
        snprintf(key, sizeof(key), "stat.rejected.%d", s);
        rc = rl_get_u64(reg, txn, key, &out->rejected[s], err);
        if (rc == TZ_ENOENT)
            rc = 0;
    }
    for (int l = AQ_NONE + 1; rc == 0 && l < AQ__COUNT; l++) {
        char key[48];
        snprintf(key, sizeof(key), "stat.quota.%s", agent_quota_limit_name(l));
        rc = rl_get_u64(reg, txn, key, &out->quota[l], err);
        if (rc == TZ_ENOENT)
            rc = 0;
    }
    MDB_envinfo info;
    mdb_env_info(reg->env, &info);
    if ((mrc = mdb_env_stat(reg->env, &st)) != 0)
        goto fail;
    out->map_size = info.me_mapsize;
    out->used_bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    mdb_txn_abort(txn);
    return rc;
fail:
    mdb_txn_abort(txn);
    return rl_mdb_fail(reg, err, mrc, "reading statistics");
}
