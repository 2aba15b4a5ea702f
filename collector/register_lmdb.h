/* register_lmdb — what the LMDB backend's files share (collector/register_lmdb*.c
 * only; nothing else includes this). The helpers are defined in
 * register_lmdb_util.c, the environment is opened in register_lmdb_open.c,
 * and each further register_lmdb_*.c adds one concern (the ingest, hosts,
 * systems, history, flags, ...) on the same helpers.
 * Conventions: helpers return 0, TZ_ENOENT for a missing key, or TZ_ESTORE
 * through rl_mdb_fail (which remembers the mdb code so rl_write_txn can tell
 * a full map — grow and rerun — from a real failure). */
#ifndef TZ_REGISTER_LMDB_H
#define TZ_REGISTER_LMDB_H

#include <limits.h>
#include <stdint.h>

#include <lmdb.h>

#include "agent_quota.h"
#include "register.h"
#include "sections.h"

#define MAP_INITIAL   ((size_t)256 << 20)
#define MAP_MAX       ((size_t)64 << 30)
#define PKGKEY_MAX    (TZ_MAX_NAME + 1 + 8)
#define N_STATUS      16

enum { RL_ABSENT_SYSHIST = 1, RL_ABSENT_USERS = 2, RL_ABSENT_SESSIONS = 4,
       RL_ABSENT_SCREENINGS = 8, RL_ABSENT_SETTINGS = 16,
       RL_ABSENT_DEPTHIST = 32, RL_ABSENT_SEENDAYS = 64 };

struct tz_register {
    MDB_env *env;
    MDB_dbi agents, agentkeys, hosts, pkgidx, depts, tokens, meta;
    MDB_dbi systems, bindings, history, flags, reviews;
    MDB_dbi syshist, users, sessions;
    MDB_dbi screenings, screenidx, screenreq;
    MDB_dbi depthist;        /* department record changes: register_lmdb_depts.c */
    MDB_dbi seendays;        /* days each host reported: register_lmdb_seen.c */
    MDB_dbi settings;        /* name → message: the rules in force */  /* with reviews: register_lmdb_screenings.c */
    unsigned absent;         /* RL_ABSENT_*: read-only, database not made yet */
    int rdonly;
    int last_mdb;            /* the mdb rc behind the last TZ_ESTORE */
    int unusable;            /* LMDB panicked: only a reopen can help */
    char dir[PATH_MAX];
    uint8_t prune_key[24];   /* where history pruning resumes */
    size_t prune_len;
    struct sys_snap *sys_snap;  /* systems indexed for binding (register_lmdb_systems.c) */
    uint64_t epoch;          /* meta "epoch", read at open (register_lmdb_epoch.c) */
    struct agent_quota quota;  /* register_set_quota; all off (0) from open */
};

/* Load meta "epoch" into reg->epoch, making one in a writable register
 * that has none (register_lmdb_epoch.c). */
int rl_epoch_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err);

/* Give every token made before token ids existed one, and keep meta
 * "next_token_id" above them all (register_lmdb_tokens.c; writable opens). */
int rl_token_ids_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err);

/* history key: be64 agent id, be64 time, be64 seq
 * (register_lmdb_history.c). */
void rl_history_key(uint8_t k[24], uint64_t id, int64_t at, uint64_t seq);

/* Record in syshist what changed from old (NULL: created) to nw, by whom
 * (register_lmdb_syshist.c). Nothing is written when nothing changed. */
int rl_syshist_record(struct tz_register *reg, MDB_txn *txn,
                      const Tz__SystemRecord *old, const Tz__SystemRecord *nw,
                      int64_t now, const struct register_actor *by,
                      struct tz_error *err);

/* Record in syshist that host ("web01 (host 3)", of host_dept) was
 * explicitly bound to (bound 1) or unbound from (0) system_id, by whom: a
 * change of which hosts serve the system, not of a ledger field
 * (ledger_diff.h's LEDGER_CHANGE_HOST, ledger_change_visible). */
int rl_syshist_binding(struct tz_register *reg, MDB_txn *txn,
                       uint64_t system_id, int bound, const char *host,
                       const char *host_dept, int64_t now,
                       const struct register_actor *by, struct tz_error *err);

/* Mark agent_id seen today (the collector's local day of now) unless its
 * previous report, at last_report_at (0: none), was on the same day
 * (register_lmdb_seen.c). */
int rl_seen_mark(struct tz_register *reg, MDB_txn *txn, uint64_t agent_id,
                 int64_t last_report_at, int64_t now, struct tz_error *err);

/* A settings key of a digest's state (register_lmdb_digest.c), for verify. */
int rl_is_digest_key(const void *k, size_t n);

typedef int (*rl_txn_fn)(struct tz_register *reg, MDB_txn *txn, void *arg,
                         struct tz_error *err);

void rl_be64_put(uint8_t b[8], uint64_t v);
uint64_t rl_be64_get(const uint8_t b[8]);
MDB_val rl_mval(const void *p, size_t n);
MDB_val rl_mstr(const char *s);
int rl_mdb_fail(struct tz_register *reg, struct tz_error *err, int rc,
                const char *what);
/* A value that does not decode: TZ_ESTORE naming db/key. */
int rl_corrupt(struct tz_register *reg, struct tz_error *err, const char *db,
               const char *key);
int rl_txn_begin(struct tz_register *reg, unsigned flags, MDB_txn **txn,
                 struct tz_error *err);
int rl_read_begin(struct tz_register *reg, MDB_txn **txn, struct tz_error *err);
/* Run fn in one write transaction and commit it; on a full map abort, grow
 * the map and run fn again from scratch. */
int rl_write_txn(struct tz_register *reg, rl_txn_fn fn, void *arg,
                 struct tz_error *err);
int rl_get(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
           MDB_val *v, const char *what, struct tz_error *err);
/* TZ_EEXIST when flags has MDB_NOOVERWRITE and the key exists. */
int rl_put(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
           MDB_val *v, unsigned flags, const char *what, struct tz_error *err);
int rl_put_msg(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
               const ProtobufCMessage *m, const char *what,
               struct tz_error *err);
/* rl_put_msg with mdb_put flags (MDB_NOOVERWRITE: TZ_EEXIST). */
int rl_put_msg_flags(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
                     MDB_val *k, const ProtobufCMessage *m, unsigned flags,
                     const char *what, struct tz_error *err);
/* rl_put_msg that also gives *len, the bytes of the value stored (m's
 * packed size, computed once); 0 on failure. */
int rl_put_msg_len(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
                   const ProtobufCMessage *m, size_t *len, const char *what,
                   struct tz_error *err);
/* Unpack a stored value; NULL if it does not decode. */
void *rl_unpack(const ProtobufCMessageDescriptor *d, const MDB_val *v);
int rl_get_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
               uint64_t *out, struct tz_error *err);
int rl_put_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
               uint64_t val, struct tz_error *err);
int rl_add_u64(struct tz_register *reg, MDB_txn *txn, const char *key,
               uint64_t delta, struct tz_error *err);
int rl_agent_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                  Tz__AgentRecord **out, struct tz_error *err);
/* Agent id for a key; TZ_ENOENT when the key never enrolled. */
int rl_agent_lookup(struct tz_register *reg, MDB_txn *txn, const uint8_t pk[32],
                    uint64_t *id, struct tz_error *err);
int rl_agent_store(struct tz_register *reg, MDB_txn *txn,
                   const Tz__AgentRecord *rec, struct tz_error *err);

/* One read walk over a database in key order: what every listing shares. */
struct rl_walk {
    MDB_dbi dbi;
    const char *db;              /* its name, for errors: "agents" */
    const void *start;           /* first key (NULL: the first of all) */
    size_t start_len;
    size_t prefix_len;           /* stop once a key leaves start's first
                                    prefix_len bytes; 0: walk to the end */
    /* Skip a key without decoding its value (NULL: keep all). */
    int (*keep)(const MDB_val *k, void *arg);
    const ProtobufCMessageDescriptor *desc;
    /* Does the decoded record belong under its key? 0 makes the walk fail
     * with rl_corrupt naming keyname (NULL: any record that decodes). */
    int (*check)(const ProtobufCMessage *m, const MDB_val *k, char *keyname,
                 size_t len);
    /* Called per record (valid during the call); non-zero stops the walk
     * and is returned. */
    int (*cb)(const ProtobufCMessage *m, void *arg);
    void *arg;
};
/* rl_walk_txn inside txn; rl_walk in a read transaction of its own. A value
 * that does not decode (or fails check) is TZ_ESTORE naming db/key. */
int rl_walk_txn(struct tz_register *reg, MDB_txn *txn, const struct rl_walk *w,
                struct tz_error *err);
int rl_walk(struct tz_register *reg, const struct rl_walk *w, struct tz_error *err);
/* rl_walk check for the agents database: a record under its own be64 id. */
int rl_agent_key_check(const ProtobufCMessage *m, const MDB_val *k, char *keyname,
                       size_t len);

/* hosts keys: be64 id + kind byte (kind 0: the report's own record with its
 * hashes, errors and times; 1..: a section, packed), and the sections'
 * BLAKE2b-256 hashes, RL_N_KINDS x 32 bytes by kind (zero: not known), at
 * be64 id + 0x00 0xff (RL_SECHASH_KEY_LEN bytes) or, in registers written
 * before, at be64 id + RL_OLD_SECHASH_KIND. */
#define RL_N_KINDS (TZ_SECTION_LAST + 1)
#define RL_SECHASH_KEY_LEN 10
#define RL_OLD_SECHASH_KIND 0xff
void rl_host_key(uint8_t k[9], uint64_t id, int kind);
/* The message stored under hosts kind (0: Tz__Report), NULL for a kind this
 * build does not know (a newer build's). */
const ProtobufCMessageDescriptor *rl_section_desc(int kind);

/* pkgidx: name "\0" be64 id → version, one row per (package name, host):
 * exactly the rl_pkv_list of the host's stored packages section. */
struct rl_pkv {
    const char *name;
    const char *version;
};
/* The section's packages sorted by name, one per name (several
 * architectures of one package collapse to the lowest version string);
 * the strings are borrowed from s. *out is the caller's (free). TZ_ENOMEM. */
int rl_pkv_list(const Tz__PackagesSection *s, struct rl_pkv **out, size_t *n);
/* The pkgidx key of (name, id) into k; its length. */
size_t rl_pkg_key(uint8_t k[PKGKEY_MAX], const char *name, uint64_t id);

/* Every stored section of id merged into one Report (*out NULL if none). */
int rl_load_report(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   Tz__Report **out, struct tz_error *err);
/* The same with only the kinds whose bit (1u << kind) is in mask; the
 * report's own record (kind 0) is always loaded. */
#define RL_ALL_SECTIONS (~0u)
int rl_load_sections(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                     unsigned mask, Tz__Report **out, struct tz_error *err);
/* Record what the sections of nw change on agent id (register_lmdb_history.c):
 * old holds the stored sections nw replaces (at least those), NULL when the
 * host has no inventory yet (its first report). A diff over reg->quota's
 * diff_max is stored summarised (history_diff_summarise). *stored gets the
 * bytes written (0: nothing changed). */
int rl_history_record(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                      uint64_t seq, const Tz__Report *old,
                      const Tz__Report *nw, int64_t now, uint64_t *stored,
                      struct tz_error *err);

/* Agent id's history counted for real; when it holds more than cap bytes,
 * its oldest entries are deleted until at most target bytes are left (the
 * newest entry always stays). *kept: the bytes left, *pruned: the entries
 * deleted (register_lmdb_history.c). */
int rl_history_cap(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   uint64_t cap, uint64_t target, uint64_t *kept,
                   uint64_t *pruned, struct tz_error *err);

/* How many agents of dept are not revoked, counting up to stop_at (0: all)
 * only (register_lmdb_hosts.c). The walk of register_each_agent: a record
 * not under its own be64 id (rl_agent_key_check) is TZ_ESTORE. */
int rl_dept_hosts(struct tz_register *reg, MDB_txn *txn, const char *dept,
                  uint64_t stop_at, uint64_t *n, struct tz_error *err);

/* Record in agent id's history that its key was revoked (rev->at is the
 * entry's time, seq the host's last accepted seq); an entry of that host
 * at the same time and seq (its last report's) gets the revocation added
 * (register_lmdb_history.c). */
int rl_history_revocation(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                          uint64_t seq, const Tz__AgentRevocation *rev,
                          struct tz_error *err);

/* Mark the ledger changed (meta "systems_version" + 1) in a transaction that
 * writes systems or bindings: handles drop their cached systems index. */
/* Per-subject open flag counts for a register written before they were
 * kept (register_lmdb_flags.c); nothing when meta "flag_counts" is set. */
int rl_flag_counts_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err);
int rl_systems_bump(struct tz_register *reg, MDB_txn *txn,
                    struct tz_error *err);
/* One system in a write transaction (register_lmdb_systems.c): load
 * (TZ_ENOENT "no system with id N"), store as is (no revision, no history:
 * the screenings' last_screening), or replace as register_system_put does. */
int rl_system_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   Tz__SystemRecord **out, struct tz_error *err);
int rl_system_store(struct tz_register *reg, MDB_txn *txn,
                    const Tz__SystemRecord *rec, struct tz_error *err);
int rl_system_replace(struct tz_register *reg, MDB_txn *txn,
                      const Tz__SystemRecord *rec, int64_t now,
                      uint64_t if_revision, const struct register_actor *by,
                      struct tz_error *err);
/* register_systems_import's checks and adds inside txn (ids[i]: the id
 * recs[i] got; recs themselves are left alone). */
int rl_systems_add(struct tz_register *reg, MDB_txn *txn, Tz__SystemRecord **recs,
                   size_t n, int64_t now, const struct register_actor *by,
                   uint64_t *ids, struct tz_error *err);
/* Free the handle's cached systems index (register_close). */
void rl_systems_release(struct tz_register *reg);

#endif
