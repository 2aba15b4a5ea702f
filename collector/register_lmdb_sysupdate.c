/* register_lmdb_sysupdate — `tzctl system import --update`: replace the
 * systems a sheet changes and add the ones it adds, in one write
 * transaction, so a sheet applies whole or not at all. Which rows match
 * which systems and what changes is decided above (ledger_import.c); each
 * replace refuses a record changed since it was read. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "register_lmdb.h"

struct sysupdate {
    Tz__SystemRecord **upd, **add;
    const uint64_t *revisions;
    size_t n_upd, n_add;
    int64_t now;
    const struct register_actor *by;
    uint64_t *ids;
};

static int sysupdate_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                         struct tz_error *err)
{
    const struct sysupdate *u = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < u->n_upd; i++)
        rc = rl_system_replace(reg, txn, u->upd[i], u->now, u->revisions[i], u->by,
                               err);
    if (rc == 0 && u->n_add)
        rc = rl_systems_add(reg, txn, u->add, u->n_add, u->now, u->by, u->ids, err);
    return rc;
}

int register_systems_update(struct tz_register *reg, Tz__SystemRecord **upd,
                            const uint64_t *revisions, size_t n_upd,
                            Tz__SystemRecord **add, size_t n_add, int64_t now,
                            const struct register_actor *by,
                            struct tz_error *err)
{
    uint64_t *ids = calloc(n_add ? n_add : 1, sizeof(*ids));
    if (ids == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    struct sysupdate u = {upd, add, revisions, n_upd, n_add, now, by, ids};
    int rc = rl_write_txn(reg, sysupdate_txn, &u, err);
    for (size_t i = 0; rc == 0 && i < n_add; i++) {
        add[i]->system_id = ids[i];
        add[i]->created_at = now;
        add[i]->updated_at = now;
    }
    free(ids);
    return rc;
}
