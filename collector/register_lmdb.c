/* register_lmdb — the LMDB backend of collector/register.h, and the only file
 * that calls mdb_*. Keys are big-endian or "\0"-joined so ranges scan in order
 * (DESIGN.md §4); values are packed protobuf messages from taizhang.proto, and
 * every value read back is unpacked and checked: a corrupt record is
 * TZ_ESTORE naming its key, never a crash.
 *
 * Databases: agents (be64 id → AgentRecord), agentkeys (pk → be64 id),
 * hosts (be64 id + kind byte → packed section; kind 0 holds the report's
 * hashes, errors and times), pkgidx (name "\0" be64 id → version),
 * depts (name → DeptRecord), tokens (BLAKE2b-256(token) → TokenRecord;
 * made, listed and revoked in register_lmdb_tokens.c), meta ("schema",
 * "next_agent_id", "epoch", "stat.*" counters, all be64).
 * Whether a token may enroll and whether a key is still accepted is
 * collector/admission.c's decision; the batch transaction asks it about the
 * records it read, so a token's last use is spent exactly once. */
#include "register.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "account_check.h"
#include "admission.h"
#include "register_lmdb.h"
#include "sections.h"

/* ---- small helpers ---- */

void rl_be64_put(uint8_t b[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)(v & 0xff);
}

uint64_t rl_be64_get(const uint8_t b[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

MDB_val rl_mval(const void *p, size_t n)
{
    MDB_val v = {n, (void *)p};
    return v;
}

MDB_val rl_mstr(const char *s)
{
    return rl_mval(s, strlen(s));
}

/* Every LMDB failure goes through here, so rl_write_txn() can tell a full map
 * (grow and retry) from anything else (give up). */
int rl_mdb_fail(struct tz_register *reg, struct tz_error *err, int rc,
                    const char *what)
{
    reg->last_mdb = rc;
    if (rc == MDB_PANIC)
        reg->unusable = 1;
    return tz_err(err, TZ_ESTORE, reg->dir, 0, "%s: %s", what,
                  mdb_strerror(rc));
}

int register_unusable(const struct tz_register *reg)
{
    return reg->unusable;
}

int rl_corrupt(struct tz_register *reg, struct tz_error *err,
                   const char *db, const char *key)
{
    reg->last_mdb = 0;
    return tz_err(err, TZ_ESTORE, reg->dir, 0,
                  "corrupt record %s/%s: cannot decode it (restore the "
                  "register from a backup)", db, key);
}

/* Begin a transaction, adopting a map another process has grown. */
int rl_txn_begin(struct tz_register *reg, unsigned flags, MDB_txn **txn,
                     struct tz_error *err)
{
    for (int tries = 0;; tries++) {
        int rc = mdb_txn_begin(reg->env, NULL, flags, txn);
        if (rc == MDB_MAP_RESIZED && tries < 8) {
            rc = mdb_env_set_mapsize(reg->env, 0);
            if (rc != 0)
                return rl_mdb_fail(reg, err, rc, "adopting the grown map");
            continue;
        }
        if (rc != 0)
            return rl_mdb_fail(reg, err, rc, "beginning a transaction");
        return 0;
    }
}

/* Double the map after MDB_MAP_FULL (no transaction may be active). */
static int grow(struct tz_register *reg, struct tz_error *err)
{
    MDB_envinfo info;
    mdb_env_info(reg->env, &info);
    if (info.me_mapsize >= MAP_MAX)
        return tz_err(err, TZ_ESTORE, reg->dir, 0,
                      "the register is full at its %zu GiB limit",
                      MAP_MAX >> 30);
    size_t next = info.me_mapsize * 2;
    if (next > MAP_MAX)
        next = MAP_MAX;
    int rc = mdb_env_set_mapsize(reg->env, next);
    if (rc != 0)
        return rl_mdb_fail(reg, err, rc, "growing the map");
    return 0;
}


/* Run fn in one write transaction and commit it; on a full map abort, grow
 * and run the whole of fn again (fn must start from scratch each time). */
int rl_write_txn(struct tz_register *reg, rl_txn_fn fn, void *arg,
                     struct tz_error *err)
{
    if (reg->rdonly)
        return tz_err(err, TZ_EPERM, reg->dir, 0,
                      "the register is open read-only");
    for (;;) {
        MDB_txn *txn;
        int rc = rl_txn_begin(reg, 0, &txn, err);
        if (rc != 0)
            return rc;
        reg->last_mdb = 0;
        rc = fn(reg, txn, arg, err);
        if (rc != 0) {
            mdb_txn_abort(txn);
            if (reg->last_mdb != MDB_MAP_FULL)
                return rc;
        } else {
            int mrc = mdb_txn_commit(txn);  /* frees txn either way */
            if (mrc == 0)
                return 0;
            if (mrc != MDB_MAP_FULL)
                return rl_mdb_fail(reg, err, mrc, "committing");
        }
        rc = grow(reg, err);
        if (rc != 0)
            return rc;
    }
}

int rl_get(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
               MDB_val *k, MDB_val *v, const char *what, struct tz_error *err)
{
    int rc = mdb_get(txn, dbi, k, v);
    if (rc == MDB_NOTFOUND)
        return TZ_ENOENT;
    if (rc != 0)
        return rl_mdb_fail(reg, err, rc, what);
    return 0;
}

int rl_put(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
               MDB_val *k, MDB_val *v, unsigned flags, const char *what,
               struct tz_error *err)
{
    int rc = mdb_put(txn, dbi, k, v, flags);
    if (rc == MDB_KEYEXIST)
        return TZ_EEXIST;
    if (rc != 0)
        return rl_mdb_fail(reg, err, rc, what);
    return 0;
}

/* Pack m straight into the page LMDB reserves for it. */
int rl_put_msg(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
                   MDB_val *k, const ProtobufCMessage *m, const char *what,
                   struct tz_error *err)
{
    return rl_put_msg_flags(reg, txn, dbi, k, m, 0, what, err);
}

int rl_put_msg_flags(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
                     MDB_val *k, const ProtobufCMessage *m, unsigned flags,
                     const char *what, struct tz_error *err)
{
    MDB_val v = rl_mval(NULL, protobuf_c_message_get_packed_size(m));
    int rc = rl_put(reg, txn, dbi, k, &v, flags | MDB_RESERVE, what, err);
    if (rc != 0)
        return rc;
    protobuf_c_message_pack(m, v.mv_data);
    return 0;
}

void *rl_unpack(const ProtobufCMessageDescriptor *d, const MDB_val *v)
{
    return protobuf_c_message_unpack(d, NULL, v->mv_size, v->mv_data);
}

int rl_get_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
                   uint64_t *out, struct tz_error *err)
{
    MDB_val k = rl_mstr(key), v;
    *out = 0;
    int rc = rl_get(reg, txn, reg->meta, &k, &v, "reading meta", err);
    if (rc != 0)
        return rc;
    if (v.mv_size != 8)
        return rl_corrupt(reg, err, "meta", key);
    *out = rl_be64_get(v.mv_data);
    return 0;
}

int rl_put_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
                   uint64_t val, struct tz_error *err)
{
    uint8_t b[8];
    rl_be64_put(b, val);
    MDB_val k = rl_mstr(key), v = rl_mval(b, 8);
    return rl_put(reg, txn, reg->meta, &k, &v, 0, "writing meta", err);
}

int rl_add_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
                   uint64_t delta, struct tz_error *err)
{
    uint64_t cur;
    int rc = rl_get_u64(reg, txn, key, &cur, err);
    if (rc != 0 && rc != TZ_ENOENT)
        return rc;
    return rl_put_u64(reg, txn, key, cur + delta, err);
}

/* Load and check one agent record; TZ_ENOENT when absent. */
int rl_agent_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                      Tz__AgentRecord **out, struct tz_error *err)
{
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, 8), v;
    *out = NULL;
    int rc = rl_get(reg, txn, reg->agents, &k, &v, "reading agents", err);
    if (rc != 0)
        return rc;
    Tz__AgentRecord *rec = rl_unpack(&tz__agent_record__descriptor, &v);
    if (rec == NULL || rec->agent_id != id || rec->agent_pk.len != 32) {
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        char key[24];
        snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
        return rl_corrupt(reg, err, "agents", key);
    }
    *out = rec;
    return 0;
}

int rl_agent_store(struct tz_register *reg, MDB_txn *txn,
                       const Tz__AgentRecord *rec, struct tz_error *err)
{
    uint8_t kb[8];
    rl_be64_put(kb, rec->agent_id);
    MDB_val k = rl_mval(kb, 8);
    return rl_put_msg(reg, txn, reg->agents, &k, &rec->base, "writing agents",
                   err);
}

int rl_agent_lookup(struct tz_register *reg, MDB_txn *txn,
                        const uint8_t pk[32], uint64_t *id,
                        struct tz_error *err)
{
    MDB_val k = rl_mval(pk, 32), v;
    int rc = rl_get(reg, txn, reg->agentkeys, &k, &v, "reading agentkeys", err);
    if (rc != 0)
        return rc;
    if (v.mv_size != 8)
        return rl_corrupt(reg, err, "agentkeys", "(agent key)");
    *id = rl_be64_get(v.mv_data);
    return 0;
}

/* ---- open / close ---- */

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

void register_close(struct tz_register *reg)
{
    if (reg == NULL)
        return;
    rl_systems_release(reg);
    mdb_env_close(reg->env);
    free(reg);
}

/* ---- ingest ---- */

struct batch {
    struct register_item *items;
    size_t n;
    int64_t now;
    /* counters, summed over the batch and written once */
    uint64_t accepted, reports, new_hosts, throttled;
    uint64_t rejected[N_STATUS];
};

static void item_set(struct register_item *it, int status, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void item_set(struct register_item *it, int status, const char *fmt,
                     ...)
{
    it->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
    va_end(ap);
}

static void item_dept(struct register_item *it, const char *dept)
{
    snprintf(it->dept, sizeof(it->dept), "%s", dept ? dept : "");
}

/* Known, accepted agent with a fresh seq? Sets UNKNOWN_AGENT / REVOKED /
 * REPLAY and *stop when the item stops here; *rec is the caller's when
 * *stop is 0. */
static int agent_check(struct tz_register *reg, MDB_txn *txn,
                       struct register_item *it, Tz__AgentRecord **rec,
                       int *stop, struct tz_error *err)
{
    uint64_t id = 0;    /* rl_agent_lookup sets it only when it finds the key */
    *rec = NULL;
    *stop = 1;
    int rc = rl_agent_lookup(reg, txn, it->agent_pk, &id, err);
    if (rc == TZ_ENOENT) {
        item_set(it, TZ__STATUS__UNKNOWN_AGENT,
                 "agent key not enrolled: enroll first");
        return 0;
    }
    if (rc != 0)
        return rc;
    rc = rl_agent_load(reg, txn, id, rec, err);
    if (rc == TZ_ENOENT) {
        char key[24];
        snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
        return rl_corrupt(reg, err, "agents", key);  /* agentkeys points nowhere */
    }
    if (rc != 0)
        return rc;
    it->agent_id = id;
    it->last_seq = (*rec)->last_seq;
    item_dept(it, (*rec)->dept);
    /* A revoked key is refused whatever it sends, before its seq counts. */
    int st = admission_agent(*rec, it->detail, sizeof(it->detail));
    if (st != TZ__STATUS__OK) {
        it->status = st;
        protobuf_c_message_free_unpacked(&(*rec)->base, NULL);
        *rec = NULL;
        return 0;
    }
    if (it->seq <= (*rec)->last_seq) {
        item_set(it, TZ__STATUS__REPLAY,
                 "seq %llu is not above the last accepted seq %llu",
                 (unsigned long long)it->seq,
                 (unsigned long long)(*rec)->last_seq);
        protobuf_c_message_free_unpacked(&(*rec)->base, NULL);
        *rec = NULL;
        return 0;
    }
    *stop = 0;
    return 0;
}

/* The token record stored under token's hash: TZ_ENOENT (no message) when
 * there is none. *key gets the hash. */
static int token_load(struct tz_register *reg, MDB_txn *txn, const char *token,
                      uint8_t key[32], Tz__TokenRecord **out, struct tz_error *err)
{
    *out = NULL;
    crypto_generichash(key, 32, (const unsigned char *)token, strlen(token), NULL, 0);
    MDB_val k = rl_mval(key, 32), v;
    int rc = rl_get(reg, txn, reg->tokens, &k, &v, "reading tokens", err);
    if (rc != 0)
        return rc;
    *out = rl_unpack(&tz__token_record__descriptor, &v);
    if (*out == NULL)
        return rl_corrupt(reg, err, "tokens", "(token hash)");
    return 0;
}

/* An enrolled key enrolling again keeps its id: `make run` twice must not
 * make a second host, and an agent that lost its state file learns its id
 * back. Its department stays what it was. Its key proves who it is, so the
 * token only has to be one of the register's department tokens (an agent
 * whose token expired since can still recover); a revoked key is refused
 * (agent_check), whatever the token. */
static int reenroll(struct tz_register *reg, MDB_txn *txn, struct batch *b,
                    struct register_item *it, uint64_t id, struct tz_error *err)
{
    const Tz__Enroll *en = it->enroll;
    Tz__AgentRecord *old;
    int stop;
    int rc = agent_check(reg, txn, it, &old, &stop, err);
    if (rc != 0 || stop)
        return rc;
    Tz__AgentRecord nw = *old;
    nw.hostname = en->hostname ? en->hostname : old->hostname;
    nw.machine_id = en->machine_id ? en->machine_id : old->machine_id;
    nw.last_seq = it->seq;
    nw.last_seen = b->now;
    rc = rl_agent_store(reg, txn, &nw, err);
    protobuf_c_message_free_unpacked(&old->base, NULL);
    if (rc == 0)
        item_set(it, TZ__STATUS__OK, "already enrolled as agent %llu",
                 (unsigned long long)id);
    return rc;
}

/* A new agent in tok's department; the token's use is spent in the same
 * transaction. */
static int enroll_new(struct tz_register *reg, MDB_txn *txn, struct batch *b,
                      struct register_item *it, Tz__TokenRecord *tok,
                      const uint8_t tkey[32], struct tz_error *err)
{
    const Tz__Enroll *en = it->enroll;
    uint64_t id;
    int rc = rl_get_u64(reg, txn, "next_agent_id", &id, err);
    if (rc == TZ_ENOENT) {
        id = 1;
        rc = 0;
    }
    if (rc == 0)
        rc = rl_put_u64(reg, txn, "next_agent_id", id + 1, err);
    if (rc != 0)
        return rc;
    Tz__AgentRecord rec = TZ__AGENT_RECORD__INIT;
    rec.agent_id = id;
    rec.agent_pk.data = it->agent_pk;
    rec.agent_pk.len = 32;
    rec.dept = tok->dept;
    rec.hostname = en->hostname ? en->hostname : "";
    rec.machine_id = en->machine_id ? en->machine_id : "";
    rec.enrolled_at = b->now;
    rec.last_seen = b->now;
    rec.last_seq = it->seq;
    rc = rl_agent_store(reg, txn, &rec, err);
    if (rc == 0) {
        uint8_t idb[8];
        rl_be64_put(idb, id);
        MDB_val kk = rl_mval(it->agent_pk, 32), vv = rl_mval(idb, 8);
        rc = rl_put(reg, txn, reg->agentkeys, &kk, &vv, 0, "writing agentkeys",
                 err);
    }
    if (rc == 0) {
        admission_token_spend(tok, b->now);
        MDB_val tk = rl_mval(tkey, 32);
        rc = rl_put_msg(reg, txn, reg->tokens, &tk, &tok->base, "writing tokens", err);
    }
    if (rc == 0) {
        it->agent_id = id;
        item_dept(it, tok->dept);
        item_set(it, TZ__STATUS__OK, "enrolled as agent %llu",
                 (unsigned long long)id);
    }
    return rc;
}

static int apply_enroll(struct tz_register *reg, MDB_txn *txn,
                        struct batch *b, struct register_item *it,
                        struct tz_error *err)
{
    const Tz__Enroll *en = it->enroll;
    if (en == NULL) {
        item_set(it, TZ__STATUS__INVALID, "enroll request without a body");
        return 0;
    }
    const char *token = en->token ? en->token : "";
    size_t tlen = strlen(token);
    if (tlen == 0 || tlen > TZ_MAX_TOKEN) {
        item_set(it, TZ__STATUS__BAD_TOKEN, "unknown enrollment token");
        return 0;
    }
    uint8_t tkey[32];
    Tz__TokenRecord *tok;
    int rc = token_load(reg, txn, token, tkey, &tok, err);
    if (rc == TZ_ENOENT) {
        item_set(it, TZ__STATUS__BAD_TOKEN, "unknown enrollment token");
        return 0;
    }
    if (rc != 0)
        return rc;
    if (strcmp(tok->role, "dept") != 0 || tok->dept[0] == '\0') {
        item_set(it, TZ__STATUS__BAD_TOKEN,
                 "token has role \"%s\", not a department enrollment token",
                 tok->role);
        protobuf_c_message_free_unpacked(&tok->base, NULL);
        return 0;
    }
    uint64_t id;
    rc = rl_agent_lookup(reg, txn, it->agent_pk, &id, err);
    if (rc == 0) {
        rc = reenroll(reg, txn, b, it, id, err);
    } else if (rc == TZ_ENOENT) {
        /* Expired, used up or revoked: admission.c says which. */
        int st = admission_token(tok, b->now, it->detail, sizeof(it->detail));
        if (st != TZ__STATUS__OK) {
            it->status = st;
            rc = 0;
        } else {
            rc = enroll_new(reg, txn, b, it, tok, tkey, err);
        }
    }
    protobuf_c_message_free_unpacked(&tok->base, NULL);
    return rc;
}

void rl_host_key(uint8_t k[9], uint64_t id, int kind)
{
    rl_be64_put(k, id);
    k[8] = (uint8_t)kind;
}

static const char *kind_name(int kind)
{
    return tz_section_name(kind);
}

/* hosts key be64 id + 0x00 0xff → the BLAKE2b-256 of each stored section's
 * packed bytes, indexed by kind (all zero: not known, e.g. a register
 * written before this record existed). Kept so a delta's base and an
 * unchanged section are a 32-byte compare, not a hash over ~70 KB. The key
 * sorts right after the report's own record (id + 0) and before its first
 * section, so a report rewrites one leaf page for both; registers written
 * before keep it at id + 0xff (RL_OLD_SECHASH_KIND), moved on the next write.
 * rl_load_report skips both keys: no section has them. */
struct sechash {
    uint8_t h[RL_N_KINDS][32];
    int old_key;   /* read from id + RL_OLD_SECHASH_KIND: delete it on store */
};

static void sechash_key(uint8_t k[RL_SECHASH_KEY_LEN], uint64_t id)
{
    rl_host_key(k, id, 0);
    k[9] = 0xff;
}

static int sechash_known(const struct sechash *sh, int kind)
{
    static const uint8_t zero[32];
    return memcmp(sh->h[kind], zero, 32) != 0;
}

static int sechash_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                        struct sechash *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    uint8_t kb[RL_SECHASH_KEY_LEN];
    sechash_key(kb, id);
    MDB_val k = rl_mval(kb, RL_SECHASH_KEY_LEN), v;
    int rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
    if (rc == TZ_ENOENT) {
        rl_host_key(kb, id, RL_OLD_SECHASH_KIND);
        k = rl_mval(kb, 9);
        rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
        out->old_key = rc == 0;
    }
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    /* A newer build may know more kinds: take the ones we know. */
    memcpy(out->h, v.mv_data, v.mv_size < sizeof(out->h) ? v.mv_size : sizeof(out->h));
    return 0;
}

static int sechash_store(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                         struct sechash *sh, struct tz_error *err)
{
    uint8_t kb[RL_SECHASH_KEY_LEN];
    sechash_key(kb, id);
    MDB_val k = rl_mval(kb, RL_SECHASH_KEY_LEN), v = rl_mval(sh->h, sizeof(sh->h));
    int rc = rl_put(reg, txn, reg->hosts, &k, &v, 0, "writing hosts", err);
    if (rc == 0 && sh->old_key) {
        rl_host_key(kb, id, RL_OLD_SECHASH_KIND);
        k = rl_mval(kb, 9);
        int mrc = mdb_del(txn, reg->hosts, &k, NULL);
        if (mrc != 0 && mrc != MDB_NOTFOUND)
            return rl_mdb_fail(reg, err, mrc, "writing hosts");
        sh->old_key = 0;
    }
    return rc;
}

/* The hash the report lists for kind, NULL if none (or not 32 bytes). */
static const uint8_t *listed_hash(const Tz__Report *r, int kind)
{
    for (size_t i = 0; i < r->n_hashes; i++) {
        const Tz__SectionHash *sh = r->hashes[i];
        if (sh && (int)sh->kind == kind && sh->hash.len == 32)
            return sh->hash.data;
    }
    return NULL;
}

/* A delta report leaves out sections whose hash did not change; we need the
 * stored copy to be exactly that base, else the agent must send it all. */
static int delta_base_ok(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                         const Tz__Report *r, unsigned carried,
                         const struct sechash *stored, int *missing,
                         struct tz_error *err)
{
    *missing = 0;
    for (size_t i = 0; i < r->n_hashes; i++) {
        const Tz__SectionHash *sh = r->hashes[i];
        if (sh == NULL || tz_section_desc(sh->kind) == NULL ||
            tz_section_get(r, sh->kind) != NULL || (carried & (1u << sh->kind)))
            continue;
        int failed = 0;
        for (size_t e = 0; e < r->n_errors; e++)
            if (r->errors[e] && (int)r->errors[e]->section == (int)sh->kind)
                failed = 1;
        if (failed)
            continue;
        if (sechash_known(stored, sh->kind)) {
            if (sh->hash.len != 32 ||
                memcmp(stored->h[sh->kind], sh->hash.data, 32) != 0) {
                *missing = sh->kind;
                return 0;
            }
            continue;
        }
        /* No stored hash (an older register): hash the stored bytes. */
        uint8_t kb[9];
        rl_host_key(kb, id, sh->kind);
        MDB_val k = rl_mval(kb, 9), v;
        int rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
        if (rc == TZ_ENOENT) {
            *missing = sh->kind;
            return 0;
        }
        if (rc != 0)
            return rc;
        uint8_t h[32];
        crypto_generichash(h, sizeof(h), v.mv_data, v.mv_size, NULL, 0);
        if (sh->hash.len != sizeof(h) || memcmp(h, sh->hash.data, 32) != 0) {
            *missing = sh->kind;
            return 0;
        }
    }
    return 0;
}

static int pkv_cmp(const void *a, const void *b)
{
    const struct rl_pkv *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->version, y->version);
}

/* The section's packages sorted by name, one per name (several
 * architectures of one package collapse to the lowest version string). */
int rl_pkv_list(const Tz__PackagesSection *s, struct rl_pkv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (s == NULL || s->n_packages == 0)
        return 0;
    struct rl_pkv *a = malloc(s->n_packages * sizeof(*a));
    if (a == NULL)
        return TZ_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < s->n_packages; i++) {
        const Tz__Package *p = s->packages[i];
        if (p == NULL || p->name == NULL || p->name[0] == '\0')
            continue;
        a[m].name = p->name;
        a[m].version = p->version ? p->version : "";
        m++;
    }
    /* Agents send dpkg order, which is sorted: check before sorting. */
    size_t sorted = 1;
    while (sorted < m && pkv_cmp(&a[sorted - 1], &a[sorted]) <= 0)
        sorted++;
    if (sorted < m)
        qsort(a, m, sizeof(*a), pkv_cmp);
    size_t w = 0;
    for (size_t i = 0; i < m; i++)
        if (w == 0 || strcmp(a[w - 1].name, a[i].name) != 0)
            a[w++] = a[i];
    *out = a;
    *n = w;
    return 0;
}

size_t rl_pkg_key(uint8_t k[PKGKEY_MAX], const char *name, uint64_t id)
{
    size_t n = strlen(name);
    memcpy(k, name, n);
    k[n] = '\0';
    rl_be64_put(k + n + 1, id);
    return n + 9;
}

/* Update pkgidx by the difference between the stored packages section (old,
 * NULL if none) and the new one: a daily report usually changes a handful
 * of rows, not 2000. */
static int pkgidx_diff(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                       const Tz__PackagesSection *old,
                       const Tz__PackagesSection *nw, struct tz_error *err)
{
    int rc;
    size_t no, nn;
    struct rl_pkv *a, *b = NULL;
    rc = rl_pkv_list(old, &a, &no);
    if (rc == 0)
        rc = rl_pkv_list(nw, &b, &nn);
    if (rc != 0) {
        free(a);
        reg->last_mdb = 0;
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    size_t i = 0, j = 0;
    uint8_t key[PKGKEY_MAX];
    rc = 0;
    while (rc == 0 && (i < no || j < nn)) {
        int c = i == no ? 1 : j == nn ? -1 : strcmp(a[i].name, b[j].name);
        if (c < 0) {
            MDB_val pk = rl_mval(key, rl_pkg_key(key, a[i].name, id));
            int mrc = mdb_del(txn, reg->pkgidx, &pk, NULL);
            if (mrc != 0 && mrc != MDB_NOTFOUND)
                rc = rl_mdb_fail(reg, err, mrc, "writing pkgidx");
            i++;
        } else if (c > 0 || strcmp(a[i].version, b[j].version) != 0) {
            MDB_val pk = rl_mval(key, rl_pkg_key(key, b[j].name, id));
            MDB_val pv = rl_mstr(b[j].version);
            rc = rl_put(reg, txn, reg->pkgidx, &pk, &pv, 0, "writing pkgidx",
                     err);
            if (c == 0)
                i++;
            j++;
        } else {
            i++;
            j++;
        }
    }
    free(a);
    free(b);
    return rc;
}

/* Addresses of non-loopback interfaces, without their /prefix. The strings
 * are written into one buffer the caller frees with the array. */
static char **collect_ips(const Tz__InterfacesSection *s, size_t *n)
{
    size_t count = 0, bytes = 0;
    for (size_t i = 0; i < s->n_interfaces; i++) {
        const Tz__Interface *f = s->interfaces[i];
        if (f == NULL || f->loopback)
            continue;
        for (size_t a = 0; a < f->n_ipv4; a++)
            count++, bytes += strlen(f->ipv4[a]) + 1;
        for (size_t a = 0; a < f->n_ipv6; a++)
            count++, bytes += strlen(f->ipv6[a]) + 1;
    }
    *n = 0;
    char **out = malloc(count * sizeof(char *) + bytes + 1);
    if (out == NULL)
        return NULL;
    char *p = (char *)(out + count);
    for (size_t i = 0; i < s->n_interfaces; i++) {
        const Tz__Interface *f = s->interfaces[i];
        if (f == NULL || f->loopback)
            continue;
        for (int fam = 0; fam < 2; fam++) {
            size_t na = fam ? f->n_ipv6 : f->n_ipv4;
            char **as = fam ? f->ipv6 : f->ipv4;
            for (size_t a = 0; a < na; a++) {
                size_t len = strcspn(as[a], "/");
                memcpy(p, as[a], len);
                p[len] = '\0';
                out[(*n)++] = p;
                p += len + 1;
            }
        }
    }
    return out;
}

/* Names are keys in pkgidx: they must fit one. */
static int report_valid(const Tz__Report *r, struct register_item *it)
{
    if (r->packages == NULL)
        return 1;
    for (size_t i = 0; i < r->packages->n_packages; i++) {
        const Tz__Package *p = r->packages->packages[i];
        size_t len = p && p->name ? strlen(p->name) : 0;
        if (len == 0 || len > TZ_MAX_NAME) {
            item_set(it, TZ__STATUS__INVALID,
                     "package %zu: name empty or longer than %d bytes", i,
                     TZ_MAX_NAME);
            return 0;
        }
    }
    return 1;
}

static int host_has(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                    int kind, int *yes, struct tz_error *err)
{
    uint8_t kb[9];
    rl_host_key(kb, id, kind);
    MDB_val k = rl_mval(kb, 9), v;
    int rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
    *yes = rc == 0;
    return rc == TZ_ENOENT ? 0 : rc;
}

/* Write the sections of r that changed, with their history and pkgidx rows.
 * A section is unchanged when the hash the report lists for it, or else the
 * hash of its packed bytes, equals the stored one: then it costs nothing
 * (a daily full report usually changes one or two sections). Trusting the
 * listed hash is the trust a delta report already gets: an agent that lies
 * about its sections only keeps its own record stale. */
static int store_sections(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                          uint64_t seq, const Tz__Report *r,
                          struct sechash *stored, int64_t now,
                          struct tz_error *err)
{
    uint8_t *packed[RL_N_KINDS] = {0};
    size_t plen[RL_N_KINDS] = {0};
    Tz__Report changed = *r;   /* r with the unchanged sections left out */
    unsigned mask = 0;
    int rc = 0;
    for (int kind = TZ_SECTION_FIRST; rc == 0 && kind <= TZ_SECTION_LAST;
         kind++) {
        const ProtobufCMessage *sec = tz_section_get(r, kind);
        if (sec == NULL)
            continue;
        const uint8_t *listed = listed_hash(r, kind);
        if (listed && sechash_known(stored, kind) &&
            memcmp(listed, stored->h[kind], 32) == 0) {
            *tz_section_slot(&changed, kind) = NULL;
            continue;
        }
        plen[kind] = protobuf_c_message_get_packed_size(sec);
        packed[kind] = malloc(plen[kind] ? plen[kind] : 1);
        if (packed[kind] == NULL) {
            reg->last_mdb = 0;
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        protobuf_c_message_pack(sec, packed[kind]);
        uint8_t h[32];
        crypto_generichash(h, sizeof(h), packed[kind], plen[kind], NULL, 0);
        if (sechash_known(stored, kind) && memcmp(h, stored->h[kind], 32) == 0) {
            free(packed[kind]);
            packed[kind] = NULL;
            *tz_section_slot(&changed, kind) = NULL;
            continue;
        }
        memcpy(stored->h[kind], h, 32);
        mask |= 1u << kind;
    }

    /* History and pkgidx need the sections being replaced: unpacked once,
     * only those kinds. "First" means no inventory yet. */
    Tz__Report *prev = NULL;
    int have_host = 0, have_pkgs = 0;
    if (rc == 0 && mask) {
        rc = host_has(reg, txn, id, TZ__SECTION_KIND__SECTION_HOST, &have_host,
                      err);
        if (rc == 0)
            rc = host_has(reg, txn, id, TZ__SECTION_KIND__SECTION_PACKAGES,
                          &have_pkgs, err);
        if (rc == 0)
            rc = rl_load_sections(reg, txn, id, mask, &prev, err);
    }
    if (rc == 0 && mask) {
        Tz__Report empty = TZ__REPORT__INIT;
        int first = !have_host && !have_pkgs;
        rc = rl_history_record(reg, txn, id, seq, first ? NULL : prev ? prev : &empty,
                               &changed, now, err);
    }
    if (rc == 0 && changed.packages)
        rc = pkgidx_diff(reg, txn, id, prev ? prev->packages : NULL,
                         changed.packages, err);
    if (prev)
        protobuf_c_message_free_unpacked(&prev->base, NULL);
    for (int kind = TZ_SECTION_FIRST; rc == 0 && kind <= TZ_SECTION_LAST; kind++) {
        if (packed[kind] == NULL)
            continue;
        uint8_t kb[9];
        rl_host_key(kb, id, kind);
        MDB_val k = rl_mval(kb, 9), v = rl_mval(packed[kind], plen[kind]);
        rc = rl_put(reg, txn, reg->hosts, &k, &v, 0, "writing hosts", err);
    }
    if (rc == 0 && mask)
        rc = sechash_store(reg, txn, id, stored, err);
    for (int kind = 0; kind < RL_N_KINDS; kind++)
        free(packed[kind]);
    return rc;
}

/* Decode into *full the sections the report carried encoded that changed;
 * the unchanged ones are only noted in *same. Unchanged means: the hash the
 * report lists for the section equals the stored one (the trust a delta
 * report gets: an agent that lies keeps only its own record stale; such a
 * section is not even decrypted), or else its bytes equal the stored
 * section's, which was decoded and checked when it was stored. When a
 * section does not decode or is out of bounds, its status says so and *bad
 * is set: nothing of the report is stored. */
static int lazy_decode(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                       const struct tz_lazy_sections *lz, const struct sechash *stored,
                       Tz__Report *full, unsigned *same, struct register_item *it,
                       int *bad, struct tz_error *err)
{
    *same = 0;
    *bad = 0;
    for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++) {
        if ((lz->present & (1u << kind)) == 0)
            continue;
        const uint8_t *listed = listed_hash(full, kind);
        if (listed && sechash_known(stored, kind) &&
            memcmp(listed, stored->h[kind], 32) == 0) {
            *same |= 1u << kind;
            continue;
        }
        uint8_t kb[9];
        rl_host_key(kb, id, kind);
        MDB_val k = rl_mval(kb, 9), v;
        int rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
        if (rc != 0 && rc != TZ_ENOENT)
            return rc;
        if (rc == 0 && v.mv_size == lz->len[kind] &&
            (v.mv_size == 0 ||
             memcmp(v.mv_data, payload_section_bytes(lz, kind), v.mv_size) == 0)) {
            *same |= 1u << kind;
            continue;
        }
        ProtobufCMessage *m;
        char detail[sizeof(it->detail)];
        int st = payload_section_decode(lz, kind, &m, detail, sizeof(detail));
        if (st != TZ__STATUS__OK) {
            item_set(it, st, "%s", detail);
            *bad = 1;
            return 0;
        }
        *tz_section_slot(full, kind) = m;
    }
    return 0;
}

static int apply_report(struct tz_register *reg, MDB_txn *txn,
                        struct batch *b, struct register_item *it,
                        struct tz_error *err)
{
    if (it->report == NULL) {
        item_set(it, TZ__STATUS__INVALID, "report request without a body");
        return 0;
    }
    Tz__AgentRecord *old;
    int stop;
    int rc = agent_check(reg, txn, it, &old, &stop, err);
    if (rc != 0 || stop)
        return rc;
    uint64_t id = old->agent_id;
    int missing, bad = 0;
    /* r: the report with every section it carried that must be looked at
     * decoded; same: the ones it carried unchanged, still encoded. */
    Tz__Report full = *it->report;
    const Tz__Report *r = &full;
    unsigned same = 0;
    struct sechash stored;
    rc = sechash_load(reg, txn, id, &stored, err);
    if (rc == 0 && it->lazy && it->lazy->present)
        rc = lazy_decode(reg, txn, id, it->lazy, &stored, &full, &same, it, &bad, err);
    if (rc != 0 || bad || !report_valid(r, it)) {
        protobuf_c_message_free_unpacked(&old->base, NULL);
        return rc;
    }
    if (rc == 0)
        rc = delta_base_ok(reg, txn, id, r, same, &stored, &missing, err);
    if (rc != 0 || missing) {
        if (rc == 0)
            item_set(it, TZ__STATUS__NEED_FULL,
                     "no stored base for section %s: send a full report",
                     kind_name(missing));
        protobuf_c_message_free_unpacked(&old->base, NULL);
        return rc;
    }
    rc = store_sections(reg, txn, id, it->seq, r, &stored, b->now, err);
    if (rc == 0) {
        /* Kind 0: what the report says about itself, without sections. */
        Tz__Report head = *r;
        for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++)
            *tz_section_slot(&head, kind) = NULL;
        uint8_t kb[9];
        rl_host_key(kb, id, 0);
        MDB_val k = rl_mval(kb, 9);
        rc = rl_put_msg(reg, txn, reg->hosts, &k, &head.base, "writing hosts",
                     err);
    }

    Tz__AgentRecord nw = *old;
    char **ips = NULL;
    if (rc == 0) {
        if (r->host) {
            if (r->host->hostname && r->host->hostname[0])
                nw.hostname = r->host->hostname;
            nw.os_pretty = r->host->os_pretty;
            nw.kernel = r->host->kernel_release;
        }
        if (r->packages)
            nw.package_count = (uint32_t)r->packages->n_packages;
        if (r->interfaces) {
            ips = collect_ips(r->interfaces, &nw.n_ips);
            if (ips == NULL) {
                reg->last_mdb = 0;
                rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            }
            nw.ips = ips;
        }
        if (old->reports == 0)
            b->new_hosts++;
        nw.reports = old->reports + 1;
        nw.last_report_at = b->now;
        nw.config_system_id = r->system_id;
        nw.config_known = 1;
        if (r->collect_request_id.len == 16) {
            nw.last_collect_request = r->collect_request_id;
            nw.last_collect_at = b->now;
        }
        nw.last_seq = it->seq;
        nw.last_seen = b->now;
        /* decided above the storage: account_check.h */
        account_check_track(&nw, account_check_outcome(r),
                            account_check_day(r, b->now));
    }
    if (rc == 0)
        rc = rl_agent_store(reg, txn, &nw, err);
    if (rc == 0)
        rc = rl_seen_mark(reg, txn, nw.agent_id, old->last_report_at, b->now,
                          err);
    free(ips);
    protobuf_c_message_free_unpacked(&old->base, NULL);
    if (rc == 0) {
        b->reports++;
        item_set(it, TZ__STATUS__OK, "report stored");
    }
    return rc;
}

static int apply_heartbeat(struct tz_register *reg, MDB_txn *txn,
                           struct batch *b, struct register_item *it,
                           struct tz_error *err)
{
    Tz__AgentRecord *old;
    int stop;
    int rc = agent_check(reg, txn, it, &old, &stop, err);
    if (rc != 0 || stop)
        return rc;
    Tz__AgentRecord nw = *old;
    nw.last_seq = it->seq;
    nw.last_seen = b->now;
    rc = rl_agent_store(reg, txn, &nw, err);
    protobuf_c_message_free_unpacked(&old->base, NULL);
    if (rc == 0)
        item_set(it, TZ__STATUS__OK, "alive");
    return rc;
}

static int status_index(int status)
{
    return status >= 0 && status < N_STATUS ? status : 0;
}

static int batch_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                     struct tz_error *err)
{
    struct batch *b = arg;
    /* A retry after growing the map starts from scratch. */
    b->accepted = b->reports = b->new_hosts = b->throttled = 0;
    memset(b->rejected, 0, sizeof(b->rejected));
    for (size_t i = 0; i < b->n; i++) {
        struct register_item *it = &b->items[i];
        if (it->kind == ITEM_THROTTLED) {
            b->throttled += it->throttled;
            continue;
        }
        if (it->kind == ITEM_REJECTED) {
            b->rejected[status_index(it->status)]++;
            continue;
        }
        it->status = TZ__STATUS__STATUS_UNSPECIFIED;
        it->agent_id = 0;
        it->dept[0] = '\0';
        it->detail[0] = '\0';
        int rc;
        switch (it->kind) {
        case ITEM_ENROLL: rc = apply_enroll(reg, txn, b, it, err); break;
        case ITEM_REPORT: rc = apply_report(reg, txn, b, it, err); break;
        case ITEM_HEARTBEAT: rc = apply_heartbeat(reg, txn, b, it, err); break;
        default:
            item_set(it, TZ__STATUS__INVALID, "unknown request kind");
            rc = 0;
        }
        if (rc != 0)
            return rc;
        if (it->status == TZ__STATUS__OK)
            b->accepted++;
        else
            b->rejected[status_index(it->status)]++;
    }

    /* One per transaction: with stat.accepted it shows what group commit buys. */
    int rc = rl_add_u64(reg, txn, "stat.batches", 1, err);
    if (rc == 0 && b->accepted)
        rc = rl_add_u64(reg, txn, "stat.accepted", b->accepted, err);
    if (rc == 0 && b->reports)
        rc = rl_add_u64(reg, txn, "stat.reports", b->reports, err);
    if (rc == 0 && b->new_hosts)
        rc = rl_add_u64(reg, txn, "stat.hosts", b->new_hosts, err);
    if (rc == 0 && b->throttled)
        rc = rl_add_u64(reg, txn, "stat.throttled", b->throttled, err);
    for (int s = 0; rc == 0 && s < N_STATUS; s++) {
        if (b->rejected[s] == 0)
            continue;
        char key[32];
        snprintf(key, sizeof(key), "stat.rejected.%d", s);
        rc = rl_add_u64(reg, txn, key, b->rejected[s], err);
    }
    return rc;
}

int register_put_batch(struct tz_register *reg, struct register_item *items,
                       size_t n, int64_t now, struct tz_error *err)
{
    struct batch b = {.items = items, .n = n, .now = now};
    int rc = rl_write_txn(reg, batch_txn, &b, err);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++) {
            if (items[i].kind == ITEM_REJECTED || items[i].kind == ITEM_THROTTLED)
                continue;
            items[i].status = TZ__STATUS__STORAGE_ERROR;
            snprintf(items[i].detail, sizeof(items[i].detail),
                     "the register could not commit: retry later");
        }
        /* Whatever the failure, the caller sees the one storage code. */
        if (rc != TZ_ESTORE && err != NULL) {
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err->msg);
            tz_err(err, TZ_ESTORE, reg->dir, 0, "%s", msg);
        }
        rc = TZ_ESTORE;
    }
    return rc;
}

/* ---- reads ---- */

int rl_read_begin(struct tz_register *reg, MDB_txn **txn,
                      struct tz_error *err)
{
    return rl_txn_begin(reg, MDB_RDONLY, txn, err);
}

int rl_walk_txn(struct tz_register *reg, MDB_txn *txn, const struct rl_walk *w,
                struct tz_error *err)
{
    MDB_cursor *cur;
    char what[48];
    snprintf(what, sizeof(what), "reading %s", w->db);
    int mrc = mdb_cursor_open(txn, w->dbi, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, what);
    int rc = 0;
    MDB_val k = rl_mval(w->start, w->start_len), v;
    for (mrc = mdb_cursor_get(cur, &k, &v, w->start ? MDB_SET_RANGE : MDB_FIRST);
         mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (w->prefix_len && (k.mv_size < w->prefix_len ||
                              memcmp(k.mv_data, w->start, w->prefix_len) != 0))
            break;
        if (w->keep && !w->keep(&k, w->arg))
            continue;
        ProtobufCMessage *m = rl_unpack(w->desc, &v);
        char keyname[TZ_MAX_NAME_BUF] = "(record)";
        if (m == NULL || (w->check && !w->check(m, &k, keyname, sizeof(keyname)))) {
            if (m == NULL && w->check)
                w->check(NULL, &k, keyname, sizeof(keyname));
            if (m)
                protobuf_c_message_free_unpacked(m, NULL);
            rc = rl_corrupt(reg, err, w->db, keyname);
            break;
        }
        rc = w->cb(m, w->arg);
        protobuf_c_message_free_unpacked(m, NULL);
        if (rc != 0)
            break;
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, what);
    mdb_cursor_close(cur);
    return rc;
}

int rl_walk(struct tz_register *reg, const struct rl_walk *w, struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = rl_walk_txn(reg, txn, w, err);
    mdb_txn_abort(txn);
    return rc;
}

/* An agent record must sit under its own be64 id. (m NULL: only name it.) */
int rl_agent_key_check(const ProtobufCMessage *m, const MDB_val *k, char *keyname,
                       size_t len)
{
    if (k->mv_size != 8) {
        snprintf(keyname, len, "(bad key)");
        return 0;
    }
    uint64_t id = rl_be64_get(k->mv_data);
    snprintf(keyname, len, "%llu", (unsigned long long)id);
    return m && ((const Tz__AgentRecord *)m)->agent_id == id;
}

struct agent_walk {
    const char *dept;
    register_agent_cb cb;
    void *arg;
};

static int agent_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct agent_walk *a = arg;
    const Tz__AgentRecord *rec = (const Tz__AgentRecord *)m;
    return a->dept && strcmp(a->dept, rec->dept) != 0 ? 0 : a->cb(rec, a->arg);
}

int register_each_agent(struct tz_register *reg, const char *dept,
                        register_agent_cb cb, void *arg, struct tz_error *err)
{
    struct agent_walk a = {dept, cb, arg};
    struct rl_walk w = {.dbi = reg->agents, .db = "agents",
                        .desc = &tz__agent_record__descriptor,
                        .check = rl_agent_key_check, .cb = agent_walk_cb, .arg = &a};
    return rl_walk(reg, &w, err);
}

const ProtobufCMessageDescriptor *rl_section_desc(int kind)
{
    return kind == 0 ? &tz__report__descriptor : tz_section_desc(kind);
}

int rl_load_report(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   Tz__Report **out, struct tz_error *err)
{
    return rl_load_sections(reg, txn, id, RL_ALL_SECTIONS, out, err);
}

/* Merge the stored sections of id into one Report (*out NULL if none). */
int rl_load_sections(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                     unsigned mask, Tz__Report **out, struct tz_error *err)
{
    *out = NULL;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->hosts, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading hosts");
    uint8_t kb[9];
    rl_host_key(kb, id, 0);
    MDB_val k = rl_mval(kb, 8), v;  /* prefix: every kind of this id */
    ProtobufCMessage *part[TZ_SECTION_LAST + 1] = {0};
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 8 || memcmp(k.mv_data, kb, 8) != 0)
            break;
        int kind = k.mv_size == 9 ? ((uint8_t *)k.mv_data)[8] : -1;
        const ProtobufCMessageDescriptor *d = rl_section_desc(kind);
        if (d == NULL)
            continue;  /* a kind from a newer build: not ours to show */
        if (kind != 0 && !(mask & (1u << kind)))
            continue;  /* not asked for: not unpacked */
        part[kind] = rl_unpack(d, &v);
        if (part[kind] == NULL) {
            char key[40];
            snprintf(key, sizeof(key), "%llu/%s", (unsigned long long)id,
                     kind ? kind_name(kind) : "report");
            rc = rl_corrupt(reg, err, "hosts", key);
            break;
        }
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading hosts");
    mdb_cursor_close(cur);

    int any = 0;
    for (int i = 0; i <= TZ_SECTION_LAST; i++)
        any |= part[i] != NULL;
    Tz__Report *r = NULL;
    if (rc == 0 && any) {
        r = (Tz__Report *)part[0];
        if (r == NULL) {
            r = malloc(sizeof(*r));
            if (r == NULL)
                rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            else
                tz__report__init(r);
        }
    }
    if (r != NULL) {
        /* free_unpacked(r) frees these with it. */
        for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++)
            *tz_section_slot(r, kind) = part[kind];
        *out = r;
        return 0;
    }
    for (int i = 0; i <= TZ_SECTION_LAST; i++)
        if (part[i])
            protobuf_c_message_free_unpacked(part[i], NULL);
    return rc;
}

int register_get_host(struct tz_register *reg, uint64_t agent_id,
                      Tz__AgentRecord **rec, Tz__Report **report,
                      struct tz_error *err)
{
    return register_get_host_sections(reg, agent_id, RL_ALL_SECTIONS, rec,
                                      report, err);
}

/* One agent record in txn; TZ_ENOENT "no host with id N". */
static int agent_in(struct tz_register *reg, MDB_txn *txn, uint64_t agent_id,
                    Tz__AgentRecord **rec, struct tz_error *err)
{
    int rc = rl_agent_load(reg, txn, agent_id, rec, err);
    if (rc == TZ_ENOENT)
        rc = tz_err(err, TZ_ENOENT, NULL, 0, "no host with id %llu",
                    (unsigned long long)agent_id);
    return rc;
}

int register_get_agent(struct tz_register *reg, uint64_t agent_id,
                       Tz__AgentRecord **rec, struct tz_error *err)
{
    *rec = NULL;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = agent_in(reg, txn, agent_id, rec, err);
    mdb_txn_abort(txn);
    return rc;
}

int register_get_host_sections(struct tz_register *reg, uint64_t agent_id,
                               unsigned mask, Tz__AgentRecord **rec,
                               Tz__Report **report, struct tz_error *err)
{
    *rec = NULL;
    *report = NULL;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = agent_in(reg, txn, agent_id, rec, err);
    if (rc == 0)
        rc = rl_load_sections(reg, txn, agent_id, mask, report, err);
    mdb_txn_abort(txn);
    if (rc != 0 && *rec) {
        protobuf_c_message_free_unpacked(&(*rec)->base, NULL);
        *rec = NULL;
    }
    return rc;
}

int register_find_agent(struct tz_register *reg, const uint8_t pk[32],
                        uint64_t *agent_id, struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = rl_agent_lookup(reg, txn, pk, agent_id, err);
    mdb_txn_abort(txn);
    if (rc == TZ_ENOENT)
        tz_err(err, TZ_ENOENT, NULL, 0, "agent key is not enrolled");
    return rc;
}

int register_pkg_version(struct tz_register *reg, const char *name,
                         uint64_t agent_id, char *out, size_t len,
                         struct tz_error *err)
{
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > TZ_MAX_NAME)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "package name must be 1..%d bytes", TZ_MAX_NAME);
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    uint8_t kb[PKGKEY_MAX];
    MDB_val k = rl_mval(kb, rl_pkg_key(kb, name, agent_id)), v;
    rc = rl_get(reg, txn, reg->pkgidx, &k, &v, "reading pkgidx", err);
    if (rc == 0 && len > 0) {
        size_t n = v.mv_size < len - 1 ? v.mv_size : len - 1;
        memcpy(out, v.mv_data, n);
        out[n] = '\0';
    }
    mdb_txn_abort(txn);
    if (rc == TZ_ENOENT)
        tz_err(err, TZ_ENOENT, NULL, 0, "host %llu has no package \"%s\"",
               (unsigned long long)agent_id, name);
    return rc;
}

/* ---- departments and tokens ---- */

/* 1..TZ_MAX_NAME bytes of well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF) and no C0/C1 control characters or DEL: the
 * name ends up in terminals, CSV files and HTML. */
static int dept_name_check(const char *name, struct tz_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > TZ_MAX_NAME)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "department name must be 1 to %d bytes", TZ_MAX_NAME);
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        uint32_t cp;
        size_t n;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            cp = c & 0x1f;
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            cp = c & 0x0f;
            n = 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            cp = c & 0x07;
            n = 4;
        } else {
            goto bad;
        }
        if (i + n > len)
            goto bad;
        for (size_t j = 1; j < n; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            goto bad;
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return tz_err(err, TZ_EINVAL, NULL, 0,
                          "department name contains a control character "
                          "(byte %zu)", i + 1);
        i += n;
    }
    return 0;
bad:
    return tz_err(err, TZ_EINVAL, NULL, 0,
                  "department name is not valid UTF-8");
}

struct dept_add {
    const char *name;
    int64_t now;
};

static int dept_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                        struct tz_error *err)
{
    struct dept_add *d = arg;
    Tz__DeptRecord rec = TZ__DEPT_RECORD__INIT;
    rec.name = (char *)d->name;
    rec.created_at = d->now;
    MDB_val k = rl_mstr(d->name);
    MDB_val v = rl_mval(NULL, protobuf_c_message_get_packed_size(&rec.base));
    int rc = rl_put(reg, txn, reg->depts, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE,
                 "writing depts", err);
    if (rc == TZ_EEXIST)
        return tz_err(err, TZ_EEXIST, NULL, 0,
                      "department \"%s\" already exists", d->name);
    if (rc == 0)
        protobuf_c_message_pack(&rec.base, v.mv_data);
    return rc;
}

int register_dept_add(struct tz_register *reg, const char *name, int64_t now,
                      struct tz_error *err)
{
    int rc = dept_name_check(name, err);
    if (rc != 0)
        return rc;
    struct dept_add d = {name, now};
    return rl_write_txn(reg, dept_add_txn, &d, err);
}

/* A department record must sit under its own name. */
static int dept_key_check(const ProtobufCMessage *m, const MDB_val *k,
                          char *keyname, size_t len)
{
    size_t n = k->mv_size < len - 1 ? k->mv_size : len - 1;
    memcpy(keyname, k->mv_data, n);
    keyname[n] = '\0';
    const Tz__DeptRecord *rec = (const Tz__DeptRecord *)m;
    return rec && strlen(rec->name) == k->mv_size &&
           memcmp(rec->name, k->mv_data, k->mv_size) == 0;
}

struct dept_walk {
    register_dept_cb cb;
    void *arg;
};

static int dept_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct dept_walk *d = arg;
    return d->cb((const Tz__DeptRecord *)m, d->arg);
}

int register_each_dept(struct tz_register *reg, register_dept_cb cb, void *arg,
                       struct tz_error *err)
{
    struct dept_walk d = {cb, arg};
    struct rl_walk w = {.dbi = reg->depts, .db = "depts",
                        .desc = &tz__dept_record__descriptor,
                        .check = dept_key_check, .cb = dept_walk_cb, .arg = &d};
    return rl_walk(reg, &w, err);
}

/* ---- statistics ---- */

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
