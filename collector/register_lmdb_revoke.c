/* register_lmdb_revoke — revoking an agent key: the host's record keeps the
 * revocation (who, when, why) and its history gets an entry saying so, in
 * one transaction. Refusing what the key sends afterwards is decided by
 * collector/admission.c from that record, in every batch. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "register_lmdb.h"
#include "time_text.h"

struct revoke {
    uint64_t id;
    const Tz__AgentRevocation *rev;
};

static int revoke_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    const struct revoke *r = arg;
    Tz__AgentRecord *rec;
    int rc = rl_agent_load(reg, txn, r->id, &rec, err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no host with id %" PRIu64, r->id);
    if (rc != 0)
        return rc;
    if (rec->revocation != NULL) {
        char at[TIME_TEXT_BUF];
        time_text(rec->revocation->at, TIME_HUMAN_UTC, at);
        rc = tz_err(err, TZ_EEXIST, NULL, 0, "host %" PRIu64 " (%s) was revoked "
                    "already, on %s", r->id, rec->hostname, at);
        protobuf_c_message_free_unpacked(&rec->base, NULL);
        return rc;
    }
    Tz__AgentRecord nw = *rec;
    nw.revocation = (Tz__AgentRevocation *)r->rev;
    rc = rl_agent_store(reg, txn, &nw, err);
    if (rc == 0)
        rc = rl_history_revocation(reg, txn, r->id, rec->last_seq, r->rev, err);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc;
}

int register_agent_revoke(struct tz_register *reg, uint64_t agent_id,
                          const Tz__AgentRevocation *rev, struct tz_error *err)
{
    struct revoke r = {agent_id, rev};
    return rl_write_txn(reg, revoke_txn, &r, err);
}
