/* register_lmdb_open — opening, creating and closing the register: the
 * environment, its databases and their schema check. Together the
 * register_lmdb*.c files are the LMDB backend of collector/register.h and
 * the only code that calls mdb_* (DESIGN.md §8). Keys are big-endian or
 * "\0"-joined so ranges scan in order; values are packed protobuf messages
 * from taizhang.proto, and every value read back is unpacked and checked: a
 * corrupt record is TZ_ESTORE naming its key, never a crash.
 *
 * Databases: agents (be64 id → AgentRecord), agentkeys (pk → be64 id),
 * hosts (be64 id + kind byte → packed section; kind 0 holds the report's
 * hashes, errors and times), pkgidx (name "\0" be64 id → version),
 * depts (name → DeptRecord), tokens (BLAKE2b-256(token) → TokenRecord),
 * meta ("schema", "next_agent_id", "epoch", "stat.*" counters, all be64);
 * the further databases are named in register_lmdb.h with their files. */
#include "register.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "register_lmdb.h"

static int mkdirs(const char *dir, struct tz_error *err)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
        return tz_err(err, TZ_EINVAL, dir, 0, "path too long");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return tz_err(err, TZ_EIO, p, 0, "cannot create directory: %s",
                          strerror(errno));
        *s = '/';
    }
    /* The register holds every host's inventory: only its owner reads it. */
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return tz_err(err, TZ_EIO, p, 0, "cannot create directory: %s",
                      strerror(errno));
    return 0;
}

static int open_dbi(struct tz_register *reg, MDB_txn *txn, const char *name,
                    MDB_dbi *dbi, struct tz_error *err)
{
    int rc = mdb_dbi_open(txn, name, reg->rdonly ? 0 : MDB_CREATE, dbi);
    if (rc == MDB_NOTFOUND)
        return tz_err(err, TZ_ESTORE, reg->dir, 0,
                      "register is missing its \"%s\" database (not a "
                      "taizhang register, or created by an unfinished run)",
                      name);
    if (rc != 0)
        return rl_mdb_fail(reg, err, rc, "opening a database");
    return 0;
}

/* A database newer than some registers (syshist, users, sessions): a
 * read-only open of a register no collector of this version has opened
 * yet, or of an older backup, finds it absent and reads it as empty. */
static int open_dbi_new(struct tz_register *reg, MDB_txn *txn,
                        const char *name, MDB_dbi *dbi, unsigned bit,
                        struct tz_error *err)
{
    if (reg->rdonly && mdb_dbi_open(txn, name, 0, dbi) == MDB_NOTFOUND) {
        reg->absent |= bit;
        return 0;
    }
    return open_dbi(reg, txn, name, dbi, err);
}

static int open_dbis(struct tz_register *reg, MDB_txn *txn,
                     struct tz_error *err)
{
    int rc;
    if ((rc = open_dbi(reg, txn, "agents", &reg->agents, err)) ||
        (rc = open_dbi(reg, txn, "agentkeys", &reg->agentkeys, err)) ||
        (rc = open_dbi(reg, txn, "hosts", &reg->hosts, err)) ||
        (rc = open_dbi(reg, txn, "pkgidx", &reg->pkgidx, err)) ||
        (rc = open_dbi(reg, txn, "depts", &reg->depts, err)) ||
        (rc = open_dbi(reg, txn, "tokens", &reg->tokens, err)) ||
        (rc = open_dbi(reg, txn, "meta", &reg->meta, err)) ||
        (rc = open_dbi(reg, txn, "systems", &reg->systems, err)) ||
        (rc = open_dbi(reg, txn, "bindings", &reg->bindings, err)) ||
        (rc = open_dbi(reg, txn, "history", &reg->history, err)) ||
        (rc = open_dbi(reg, txn, "flags", &reg->flags, err)) ||
        (rc = open_dbi(reg, txn, "reviews", &reg->reviews, err)) ||
        (rc = open_dbi_new(reg, txn, "syshist", &reg->syshist, RL_ABSENT_SYSHIST, err)) ||
        (rc = open_dbi_new(reg, txn, "users", &reg->users, RL_ABSENT_USERS, err)) ||
        (rc = open_dbi_new(reg, txn, "sessions", &reg->sessions, RL_ABSENT_SESSIONS, err)) ||
        (rc = open_dbi_new(reg, txn, "screenings", &reg->screenings, RL_ABSENT_SCREENINGS, err)) ||
        (rc = open_dbi_new(reg, txn, "screenidx", &reg->screenidx, RL_ABSENT_SCREENINGS, err)) ||
        (rc = open_dbi_new(reg, txn, "screenreq", &reg->screenreq, RL_ABSENT_SCREENINGS, err)) ||
        (rc = open_dbi_new(reg, txn, "settings", &reg->settings, RL_ABSENT_SETTINGS, err)) ||
        (rc = open_dbi_new(reg, txn, "depthist", &reg->depthist, RL_ABSENT_DEPTHIST, err)) ||
        (rc = open_dbi_new(reg, txn, "seendays", &reg->seendays, RL_ABSENT_SEENDAYS, err)))
        return rc;
    return 0;
}

static int check_schema(struct tz_register *reg, MDB_txn *txn,
                        struct tz_error *err)
{
    uint64_t schema;
    int rc = rl_get_u64(reg, txn, "schema", &schema, err);
    if (rc == TZ_ENOENT) {
        if (reg->rdonly)
            return tz_err(err, TZ_ESTORE, reg->dir, 0,
                          "register has no schema version (not a taizhang "
                          "register?)");
        return rl_put_u64(reg, txn, "schema", REGISTER_SCHEMA, err);
    }
    if (rc != 0)
        return rc;
    if (schema > REGISTER_SCHEMA)
        return tz_err(err, TZ_ESTORE, reg->dir, 0,
                      "register schema %llu is newer than this build "
                      "understands (%d): upgrade taizhang",
                      (unsigned long long)schema, REGISTER_SCHEMA);
    /* Older schemas get their migrations here, keyed by meta.schema. */
    return 0;
}

static int init_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                    struct tz_error *err)
{
    (void)arg;
    int rc = open_dbis(reg, txn, err);
    if (rc == 0)
        rc = check_schema(reg, txn, err);
    if (rc == 0)
        rc = rl_epoch_init(reg, txn, err);
    if (rc == 0 && !reg->rdonly)
        rc = rl_flag_counts_init(reg, txn, err);
    if (rc == 0 && !reg->rdonly)
        rc = rl_token_ids_init(reg, txn, err);
    return rc;
}

static int initial_mapsize(size_t *out, struct tz_error *err)
{
    const char *s = getenv("TZ_REGISTER_MAPSIZE");
    *out = MAP_INITIAL;
    if (s == NULL || s[0] == '\0')
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > MAP_MAX)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "TZ_REGISTER_MAPSIZE=\"%s\" is not a size in bytes "
                      "between 1 and 64 GiB", s);
    *out = (size_t)v;
    return 0;
}

int register_open(const char *dir, unsigned flags, struct tz_register **out,
                  struct tz_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to start");
    int rdonly = (flags & REGISTER_RDONLY) != 0;
    int file = (flags & REGISTER_FILE) != 0;
    size_t mapsize = 0;
    int rc;
    if (file && !rdonly)
        return tz_err(err, TZ_EINVAL, dir, 0,
                      "a register backup file is only opened read-only");
    if (!rdonly && (rc = initial_mapsize(&mapsize, err)) != 0)
        return rc;

    struct tz_register *reg = calloc(1, sizeof(*reg));
    if (reg == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    reg->rdonly = rdonly;
    if (snprintf(reg->dir, sizeof(reg->dir), "%s", dir) >=
        (int)sizeof(reg->dir)) {
        free(reg);
        return tz_err(err, TZ_EINVAL, dir, 0, "path too long");
    }

    char data[PATH_MAX + 16];
    snprintf(data, sizeof(data), file ? "%s" : "%s/data.mdb", dir);
    int exists = access(data, F_OK) == 0;
    if (!exists && errno == EACCES) {
        free(reg);
        return tz_err(err, TZ_EPERM, NULL, 0, "cannot read the register at %s: "
                      "permission denied (readers need the collector's group)", dir);
    }
    /* An LMDB reader registers in lock.mdb so the writer keeps the pages it
     * reads; one that cannot write there reads without that guard and may
     * see pages the collector reuses meanwhile. Refuse rather than risk it. */
    if (rdonly && !file && exists) {
        char lock[PATH_MAX + 16];
        snprintf(lock, sizeof(lock), "%s/lock.mdb", dir);
        if (access(lock, F_OK) == 0 && access(lock, W_OK) != 0) {
            free(reg);
            return tz_err(err, TZ_EPERM, NULL, 0, "cannot write %s, where readers "
                          "register: permission denied (readers need the "
                          "collector's group, and lock.mdb mode 0660)", lock);
        }
    }
    if (rdonly && !exists) {
        free(reg);
        if (file)
            return tz_err(err, TZ_ENOENT, NULL, 0, "no register backup at %s",
                          dir);
        return tz_err(err, TZ_ENOENT, NULL, 0,
                      "no register at %s (start tz-collector or run a tzctl "
                      "write command first)", dir);
    }
    if (!rdonly && (rc = mkdirs(dir, err)) != 0) {
        free(reg);
        return rc;
    }

    if ((rc = mdb_env_create(&reg->env)) != 0) {
        rc = rl_mdb_fail(reg, err, rc, "creating the environment");
        free(reg);
        return rc;
    }
    mdb_env_set_maxdbs(reg->env, 32);
    /* A new register starts at the configured size; an existing one opens at
     * the size recorded in it (another process may have grown it). */
    if (!exists)
        mdb_env_set_mapsize(reg->env, mapsize);
    /* Durable by default: no NOSYNC/NOMETASYNC, an Ack means on disk. A
     * backup file is one file and gets no lock file beside it. */
    unsigned envflags = MDB_NOTLS | (rdonly ? MDB_RDONLY : 0) |
                        (file ? MDB_NOSUBDIR | MDB_NOLOCK : 0);
    rc = mdb_env_open(reg->env, dir, envflags, 0600);
    if (rc != 0) {
        int code = rc == EACCES ? TZ_EPERM : TZ_ESTORE;
        tz_err(err, code, NULL, 0, "cannot open the register at %s: %s", dir,
               mdb_strerror(rc));
        mdb_env_close(reg->env);
        free(reg);
        return code;
    }
    if (!rdonly && exists) {
        MDB_envinfo info;
        mdb_env_info(reg->env, &info);
        if (getenv("TZ_REGISTER_MAPSIZE") || info.me_mapsize < mapsize)
            mdb_env_set_mapsize(reg->env, mapsize);
    }

    if (rdonly) {
        MDB_txn *txn;
        rc = rl_txn_begin(reg, MDB_RDONLY, &txn, err);
        if (rc == 0) {
            rc = init_txn(reg, txn, NULL, err);
            if (rc == 0) {
                /* Commit keeps the dbi handles for the environment. */
                int mrc = mdb_txn_commit(txn);
                if (mrc != 0)
                    rc = rl_mdb_fail(reg, err, mrc, "opening databases");
            } else {
                mdb_txn_abort(txn);
            }
        }
    } else {
        rc = rl_write_txn(reg, init_txn, NULL, err);
    }
    if (rc != 0) {
        register_close(reg);
        return rc;
    }
    *out = reg;
    return 0;
}

int register_share_with_group(struct tz_register *reg, struct tz_error *err)
{
    static const struct { const char *name; mode_t mode; } files[] = {
        {"", 0750}, {"/data.mdb", 0640}, {"/lock.mdb", 0660}};
    if (reg->rdonly)
        return tz_err(err, TZ_EINVAL, reg->dir, 0, "the register is open read-only");
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s%s", reg->dir, files[i].name);
        if (chmod(path, files[i].mode) != 0)
            return tz_err(err, TZ_EIO, path, 0, "cannot chmod %o: %s",
                          (unsigned)files[i].mode, strerror(errno));
    }
    return 0;
}

void register_set_quota(struct tz_register *reg, const struct agent_quota *q)
{
    reg->quota = *q;
}

void register_close(struct tz_register *reg)
{
    if (reg == NULL)
        return;
    rl_systems_release(reg);
    mdb_env_close(reg->env);
    free(reg);
}
