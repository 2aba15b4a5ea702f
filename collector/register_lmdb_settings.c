/* register_lmdb_settings — what the collector runs by, kept for the other
 * tools (the "rules in force" part of collector/register.h).
 *
 * Database settings: a name → a message; "rules" → RulesInForce. */
#include "register.h"

#include "register_lmdb.h"

#define RULES_KEY "rules"

struct rules_put {
    const Tz__RulesInForce *r;
};

static int put_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                   struct tz_error *err)
{
    const struct rules_put *p = arg;
    MDB_val k = rl_mstr(RULES_KEY);
    return rl_put_msg(reg, txn, reg->settings, &k, &p->r->base,
                      "recording the rules in force", err);
}

int register_rules_put(struct tz_register *reg, const Tz__RulesInForce *r,
                       struct tz_error *err)
{
    struct rules_put p = {r};
    return rl_write_txn(reg, put_txn, &p, err);
}

int register_rules_get(struct tz_register *reg, Tz__RulesInForce **out,
                       struct tz_error *err)
{
    *out = NULL;
    if (reg->absent & RL_ABSENT_SETTINGS)
        return TZ_ENOENT;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_val k = rl_mstr(RULES_KEY), v;
    rc = rl_get(reg, txn, reg->settings, &k, &v, "reading the rules in force", err);
    if (rc == 0) {
        *out = rl_unpack(&tz__rules_in_force__descriptor, &v);
        if (*out == NULL)
            rc = rl_corrupt(reg, err, "settings", RULES_KEY);
    }
    mdb_txn_abort(txn);
    return rc;
}
