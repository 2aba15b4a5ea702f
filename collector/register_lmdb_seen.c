/* register_lmdb_seen — the days on which each host reported, in `seendays`.
 *
 * The half-year self-inspection report counts the hosts seen in a period;
 * an agent's record keeps only its latest report and the history only
 * changes, so a host that reported every day without changing anything
 * would look unseen once the period is over. One bit per host per day
 * answers it for any period, forever:
 * key be64 agent_id, be32 block (civil day / 256, the collector's local
 * days) → 32 bytes, bit (day % 256). Written by the ingest with the first
 * report of a host's day only (one extra write per host per day); about
 * 1.5 records per host a year, so they are never pruned. */
#include <string.h>

#include "civil_day.h"
#include "register_lmdb.h"

#define SEEN_BLOCK_DAYS 256
#define SEEN_BLOCK_BYTES (SEEN_BLOCK_DAYS / 8)

static void seen_key(uint8_t k[12], uint64_t agent_id, uint32_t block)
{
    rl_be64_put(k, agent_id);
    k[8] = (uint8_t)(block >> 24);
    k[9] = (uint8_t)(block >> 16);
    k[10] = (uint8_t)(block >> 8);
    k[11] = (uint8_t)block;
}

int rl_seen_mark(struct tz_register *reg, MDB_txn *txn, uint64_t agent_id,
                 int64_t last_report_at, int64_t now, struct tz_error *err)
{
    int32_t day = civil_today((time_t)now);
    if (day < 0 || (last_report_at > 0 &&
                    civil_today((time_t)last_report_at) == day))
        return 0;
    uint8_t kb[12], bits[SEEN_BLOCK_BYTES] = {0};
    seen_key(kb, agent_id, (uint32_t)day / SEEN_BLOCK_DAYS);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    int rc = rl_get(reg, txn, reg->seendays, &k, &v, "reading seendays", err);
    if (rc == 0 && v.mv_size == SEEN_BLOCK_BYTES)
        memcpy(bits, v.mv_data, SEEN_BLOCK_BYTES);
    else if (rc != 0 && rc != TZ_ENOENT)
        return rc;
    unsigned bit = (unsigned)day % SEEN_BLOCK_DAYS;
    if (rc == 0 && (bits[bit / 8] & (1u << (bit % 8))))
        return 0;
    bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
    v = rl_mval(bits, sizeof(bits));
    return rl_put(reg, txn, reg->seendays, &k, &v, 0, "writing seendays",
                  err);
}

int register_host_days_seen(struct tz_register *reg, uint64_t agent_id,
                            int32_t from_day, int32_t to_day, uint32_t *days,
                            struct tz_error *err)
{
    *days = 0;
    if ((reg->absent & RL_ABSENT_SEENDAYS) || from_day < 0 ||
        to_day < from_day)
        return 0;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    uint32_t first = (uint32_t)from_day / SEEN_BLOCK_DAYS;
    uint32_t last = (uint32_t)to_day / SEEN_BLOCK_DAYS;
    for (uint32_t b = first; rc == 0 && b <= last; b++) {
        uint8_t kb[12];
        seen_key(kb, agent_id, b);
        MDB_val k = rl_mval(kb, sizeof(kb)), v;
        rc = rl_get(reg, txn, reg->seendays, &k, &v, "reading seendays", err);
        if (rc == TZ_ENOENT) {
            rc = 0;
            continue;
        }
        if (rc == 0 && v.mv_size != SEEN_BLOCK_BYTES)
            rc = rl_corrupt(reg, err, "seendays", "(host days)");
        for (unsigned i = 0; rc == 0 && i < SEEN_BLOCK_DAYS; i++) {
            int64_t day = (int64_t)b * SEEN_BLOCK_DAYS + i;
            const uint8_t *bits = v.mv_data;
            if (day >= from_day && day <= to_day &&
                (bits[i / 8] & (1u << (i % 8))))
                (*days)++;
        }
    }
    mdb_txn_abort(txn);
    return rc;
}
