/* register_lmdb_backup — register_backup for LMDB: the environment copied
 * into one file, compacted (free pages left out, pages renumbered), from
 * one read transaction, so it runs while the collector writes. Where the
 * copy goes, under which name and mode, is tzctl's business (backup.c). */
#include <errno.h>
#include <unistd.h>

#include "register_lmdb.h"

int register_backup(struct tz_register *reg, int fd, struct tz_error *err)
{
    for (int tries = 0;; tries++) {
        /* The copy begins a read transaction of its own, which fails with
         * MDB_MAP_RESIZED when the collector has grown the map since we
         * opened: rl_txn_begin adopts the new size first. */
        MDB_txn *txn;
        int rc = rl_read_begin(reg, &txn, err);
        if (rc != 0)
            return rc;
        mdb_txn_abort(txn);
        int mrc = mdb_env_copyfd2(reg->env, fd, MDB_CP_COMPACT);
        if (mrc == 0)
            return 0;
        if (mrc != MDB_MAP_RESIZED || tries == 3)
            return rl_mdb_fail(reg, err, mrc, "copying the register");
        /* Grown again during the copy: start over on an empty file. */
        if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
            return rl_mdb_fail(reg, err, errno, "copying the register");
    }
}
