/* register — THE storage interface of the network asset register.
 *
 * Ingest, tzctl and (later) rules and the portal call only these functions;
 * the register_lmdb*.c files are the only code that talks to LMDB (DESIGN.md §8). A
 * PostgreSQL backend would implement this same header.
 *
 * Concurrency: one writer process (tz-collector) plus any number of readers
 * (tzctl). tzctl's short write commands (dept add, token create) are also
 * allowed while the collector runs; the backend serialises writers.
 * Ownership: strings and records returned through out-parameters are the
 * caller's unless stated; free records with the matching *_free function. */
#ifndef TZ_REGISTER_H
#define TZ_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "agent_quota.h"
#include "payload_lazy.h"
#include "tz_limits.h"
#include "tz_error.h"
#include "taizhang.pb-c.h"

#define REGISTER_SCHEMA 1

struct tz_register;

/* REGISTER_FILE: dir names a register backup file (register_backup), not
 * a data dir; only with REGISTER_RDONLY. It is opened without a lock file
 * (nothing beside it is written), so nothing else may write it meanwhile. */
enum { REGISTER_RDONLY = 1, REGISTER_FILE = 2 };

/* Open (creating dir and the databases when writable) the register in dir.
 * A read-only open of a register that does not exist is TZ_ENOENT. A schema
 * newer than REGISTER_SCHEMA is TZ_ESTORE with a clear message. REGISTER_FILE
 * without REGISTER_RDONLY is TZ_EINVAL.
 * The LMDB map starts at 256 MiB and doubles on demand up to 64 GiB; the
 * environment variable TZ_REGISTER_MAPSIZE (bytes) sets the starting size of
 * a writable open instead (tests use a tiny map to exercise growth).
 * A handle is used by one thread at a time. */
int register_open(const char *dir, unsigned flags, struct tz_register **out,
                  struct tz_error *err);
void register_close(struct tz_register *reg);

/* Let the group of the register's files read it (tz-portal runs as its
 * own user in the collector's group and opens the register read-only):
 * the data dir 0750, the database 0640, LMDB's lock file 0660 (a reader
 * registers itself there). Key files in the dir stay 0600. For a
 * writable handle on a data dir; TZ_EIO with the path on failure. */
int register_share_with_group(struct tz_register *reg, struct tz_error *err);

/* 1 once the backend failed in a way no retry can cure (LMDB's MDB_PANIC: a
 * meta page could not be written and the environment must be reopened).
 * Every later transaction would fail too: the process should exit so its
 * service manager restarts it, rather than answer storage_error forever. */
int register_unusable(const struct tz_register *reg);

/* The per-agent limits register_put_batch enforces from now on (copied;
 * agent_quota.h). A register enforces none until told: tz-collector sets
 * them from its INI. */
void register_set_quota(struct tz_register *reg, const struct agent_quota *q);

/* ---- the register epoch ---- */

/* The register's epoch: random, never 0, made with the register and new
 * after every restore (register_epoch_renew). Agents learn it from Acks and
 * name it in every request, so the collector can refuse a message sealed
 * for the register as it was before a restore (STALE_EPOCH, ingest.c).
 * Kept in memory from register_open on: no storage read. 0 only for a
 * register opened read-only that was never opened writable since epochs
 * exist. */
uint64_t register_epoch(const struct tz_register *reg);

/* Replace the epoch with a new random one (*epoch, may be NULL), committed.
 * For tzctl restore, on the restored copy before it is put in place; no
 * other process may have the register open meanwhile (a running collector
 * would keep answering with the old one). TZ_EINVAL on a read-only handle. */
int register_epoch_renew(struct tz_register *reg, uint64_t *epoch,
                         struct tz_error *err);

/* ---- ingest: one batch, one write transaction ---- */

enum register_item_kind {
    ITEM_REJECTED = 0,  /* already rejected before storage: only counted */
    ITEM_ENROLL,
    ITEM_REPORT,
    ITEM_HEARTBEAT,
    ITEM_THROTTLED      /* no request: `throttled` requests dropped unread
                           (their source was slowed down): only counted */
};

/* One verified request. The register checks the agent and seq, applies it
 * and sets status (a Tz__Status value) with agent_id/dept/detail filled.
 * For ITEM_REJECTED the caller has set status; the register counts it. */
struct register_item {
    enum register_item_kind kind;
    uint8_t agent_pk[32];
    uint64_t seq;
    const Tz__Enroll *enroll;  /* ITEM_ENROLL */
    const Tz__Report *report;  /* ITEM_REPORT */
    /* ITEM_REPORT, may be NULL: sections the report carried still encoded
     * (payload_lazy.h), not in report. The register decodes and checks one
     * only when its bytes differ from the stored section's. */
    const struct tz_lazy_sections *lazy;
    uint32_t throttled;        /* ITEM_THROTTLED: how many, in stat.throttled */
    /* out (status in for ITEM_REJECTED) */
    int status;
    uint64_t agent_id;
    uint64_t last_seq;        /* the agent's last accepted seq before this item */
    char dept[TZ_MAX_NAME_BUF];
    char detail[160];
};

/* Apply items in order in one transaction and commit it (synced), then set
 * each item's status. Items from the same agent are checked against each
 * other (a replay inside the batch is REPLAY). Returns 0 when committed; on
 * failure (TZ_ESTORE) nothing is stored and every item must be answered
 * STORAGE_ERROR (the register sets that status on non-rejected items).
 * Statuses the register gives: OK, BAD_TOKEN (unknown token, or one that
 * is revoked, expired or used up: admission.h), UNKNOWN_AGENT, REVOKED (a
 * revoked key, whatever it sends, enrollment included), REPLAY,
 * INVALID (missing body; package name empty or over TZ_MAX_NAME; an encoded
 * section out of bounds), MALFORMED (an encoded section does not decode), and
 * NEED_FULL for a delta report (a kind listed in hashes but absent, not in
 * errors) whose stored section is missing or does not hash (BLAKE2b-256 of
 * the packed section) to the listed value, and OVER_QUOTA (register_set_quota:
 * a report over its agent's reports per hour or bytes per day, measured as
 * the report's packed size plus its encoded sections; an enrollment over
 * hosts per token or per department) with the figures in detail; a refused
 * report leaves its seq unused, so the agent resends it later. A host
 * whose history passes its cap loses its oldest entries in the same
 * transaction. Re-enrolling an enrolled key
 * keeps its agent_id and department (any department token of the register
 * will do: the key proves who it is); a new enrollment spends one use of
 * its token in the same transaction. */
int register_put_batch(struct tz_register *reg, struct register_item *items,
                       size_t n, int64_t now, struct tz_error *err);

/* ---- reads ---- */

/* Call cb for each agent (host) in agent_id order, optionally only those of
 * dept. The record is valid during the call only. cb returning non-zero
 * stops the walk and that value is returned. */
typedef int (*register_agent_cb)(const Tz__AgentRecord *rec, void *arg);
int register_each_agent(struct tz_register *reg, const char *dept,
                        register_agent_cb cb, void *arg, struct tz_error *err);

/* The agent record alone (no report read): what "collect now" needs.
 * TZ_ENOENT "no host with id N". Free with protobuf_c_message_free_unpacked. */
int register_get_agent(struct tz_register *reg, uint64_t agent_id,
                       Tz__AgentRecord **rec, struct tz_error *err);

/* The agent record and its latest sections merged into one Report.
 * Ownership: free both with protobuf_c_message_free_unpacked(x, NULL).
 * *report is NULL when the agent enrolled but never reported. */
int register_get_host(struct tz_register *reg, uint64_t agent_id,
                      Tz__AgentRecord **rec, Tz__Report **report,
                      struct tz_error *err);

/* register_get_host with only the sections whose bit (1u << kind, kinds
 * of Tz__SectionKind) is in mask: the rules read five small sections and
 * need not unpack 1,500 packages. *report is non-NULL whenever the host
 * ever reported. */
int register_get_host_sections(struct tz_register *reg, uint64_t agent_id,
                               unsigned mask, Tz__AgentRecord **rec,
                               Tz__Report **report, struct tz_error *err);

/* Agent id for a key, TZ_ENOENT if not enrolled. */
int register_find_agent(struct tz_register *reg, const uint8_t pk[32],
                        uint64_t *agent_id, struct tz_error *err);

/* The version of package name installed on agent_id according to the
 * fleet-wide package index (written NUL-terminated into out, truncated to
 * len). TZ_ENOENT when that host does not have it. */
int register_pkg_version(struct tz_register *reg, const char *name,
                         uint64_t agent_id, char *out, size_t len,
                         struct tz_error *err);

/* ---- departments and tokens ---- */

/* TZ_EEXIST if the name exists; names are 1..TZ_MAX_NAME bytes of UTF-8
 * without control characters. */
int register_dept_add(struct tz_register *reg, const char *name, int64_t now,
                      struct tz_error *err);
typedef int (*register_dept_cb)(const Tz__DeptRecord *rec, void *arg);
int register_each_dept(struct tz_register *reg, register_dept_cb cb, void *arg,
                       struct tz_error *err);

/* ---- a department's responsibility record (collector/dept_fields.h) ----
 *
 * The record `dept add` makes carries the department's leaders, liaison
 * and last network-security meeting once set. Every stored record passes
 * dept_record_check (TZ_EINVAL with the field's label otherwise). */

struct register_actor;  /* who made a change: below, with the ledger */

/* TZ_ENOENT "no department \"D\"". Free with
 * protobuf_c_message_free_unpacked. */
int register_dept_get(struct tz_register *reg, const char *name,
                      Tz__DeptRecord **out, struct tz_error *err);

/* Replace the responsibility fields of department rec->name with rec's
 * (name and created_at kept, updated_at = now, revision + 1); the fields
 * that changed go to the department's change history with `by`, in the
 * same transaction. A put that changes nothing writes nothing. TZ_ENOENT
 * no such department; with if_revision non-NULL, TZ_ECHANGED when the
 * stored record is not at *if_revision (0: never set). */
int register_dept_put(struct tz_register *reg, const Tz__DeptRecord *rec,
                      int64_t now, const uint64_t *if_revision,
                      const struct register_actor *by, struct tz_error *err);

/* register_dept_put for n records in ONE transaction: all or none (the
 * first failure is returned and nothing is stored). */
int register_depts_put(struct tz_register *reg, Tz__DeptRecord *const *recs,
                       size_t n, int64_t now, const struct register_actor *by,
                       struct tz_error *err);

/* Call cb for each change of dept's record, oldest first (valid during the
 * call only; non-zero from cb stops the walk and is returned). */
typedef int (*register_dept_change_cb)(const Tz__DeptChange *c, void *arg);
int register_each_dept_change(struct tz_register *reg, const char *dept,
                              register_dept_change_cb cb, void *arg,
                              struct tz_error *err);

/* How many of the days from_day..to_day (civil days in the collector's
 * local time, both included) agent_id reported on. Kept from the first
 * report of each day on; a register written before this was kept knows
 * no day (0). */
int register_host_days_seen(struct tz_register *reg, uint64_t agent_id,
                            int32_t from_day, int32_t to_day, uint32_t *days,
                            struct tz_error *err);

/* Create a token for dept (role "dept": enrolls agents into dept) or, with
 * dept NULL, an admin token. Only BLAKE2b(token) is stored; the plain token
 * is written to out (NUL-terminated) and cannot be recovered later.
 * TZ_ENOENT if dept does not exist. The token never expires and has no use
 * limit (register_token_make sets them). */
#define REGISTER_TOKEN_LEN 48
int register_token_create(struct tz_register *reg, const char *dept,
                          int64_t now, char out[REGISTER_TOKEN_LEN],
                          struct tz_error *err);

struct register_token_spec {
    const char *dept;       /* NULL: an admin token */
    int64_t expires_at;     /* 0: never; else after now */
    uint32_t max_uses;      /* enrollments it may make; 0: no limit */
};
/* register_token_create with an expiry and a use limit (enrollment tokens
 * only: TZ_EINVAL for an admin token with either, or an expiry not after
 * now). *id (may be NULL) gets the token's id, from meta next_token_id. */
int register_token_make(struct tz_register *reg,
                        const struct register_token_spec *spec, int64_t now,
                        char out[REGISTER_TOKEN_LEN], uint64_t *id,
                        struct tz_error *err);

/* Call cb for each token record (never the token: the register has only
 * its hash), in no useful order; valid during the call only. Records of
 * registers older than token ids have token_id 0 until the register is
 * next opened writable. */
typedef int (*register_token_cb)(const Tz__TokenRecord *t, void *arg);
int register_each_token(struct tz_register *reg, register_token_cb cb,
                        void *arg, struct tz_error *err);

/* Mark token id revoked at now by `by`: from then on it enrolls nothing
 * (agents it enrolled stay). TZ_ENOENT no such token, TZ_EEXIST revoked
 * already (messages name it). */
int register_token_revoke(struct tz_register *reg, uint64_t id, int64_t now,
                          const char *by, struct tz_error *err);

/* ---- agent keys ---- */

/* Revoke agent_id's key: its record keeps rev (a copy; rev->at is when),
 * and its history gets an entry with the revocation, in one transaction.
 * From the next batch on everything that key sends is refused REVOKED
 * (admission.h); the host, its reports, history and bindings stay. The
 * strings must pass the register's text checks (the caller bounds them).
 * TZ_ENOENT no such host, TZ_EEXIST revoked already (naming when). */
int register_agent_revoke(struct tz_register *reg, uint64_t agent_id,
                          const Tz__AgentRevocation *rev, struct tz_error *err);

/* Retire agent_id (register_lmdb_retire.c): its record keeps ret (a copy;
 * ret->at is when, ret->merged_into must be 0) and its history gets an
 * entry saying so, in one transaction. Its reports, history and binding
 * stay; the rules raise nothing on it and its key is refused (admission.h).
 * TZ_ENOENT no such host, TZ_EEXIST retired already (naming when). */
int register_agent_retire(struct tz_register *reg, uint64_t agent_id,
                          const Tz__AgentRetirement *ret, struct tz_error *err);

/* Fold host old_id into new_id, in one transaction: every history entry of
 * old_id moves to new_id (same times), and with it the bytes counted against
 * the history cap (new_id's history_bytes gains old_id's, which becomes 0),
 * new_id's history gets an entry
 * "merged from old_id", old_id's explicit binding moves to new_id when
 * new_id has none (else it stays with old_id; *moved_binding says which),
 * and old_id is retired with ret (ret->merged_into must be new_id), its
 * history ending with that entry. Whether the two are the same machine is
 * the caller's decision. TZ_ENOENT either host missing, TZ_EEXIST old_id
 * retired already, TZ_EINVAL old_id == new_id or new_id retired. */
int register_agent_merge(struct tz_register *reg, uint64_t old_id,
                         uint64_t new_id, const Tz__AgentRetirement *ret,
                         int *moved_binding, struct tz_error *err);

/* ---- people: portal users and their sessions (DESIGN.md §6) ----
 *
 * The register stores; collector/people.c decides (token hashing, roles,
 * who may do what). Users are revoked, never deleted, so the change
 * history's actors keep meaning someone. */

/* Store a new user. TZ_EEXIST when the name is taken (revoked users keep
 * theirs), TZ_ENOENT when u->dept is set and no such department exists. */
int register_user_add(struct tz_register *reg, const Tz__UserRecord *u,
                      struct tz_error *err);

/* TZ_ENOENT (with a message naming it) when there is no such user. Free
 * *out with protobuf_c_message_free_unpacked. */
int register_user_get(struct tz_register *reg, const char *name,
                      Tz__UserRecord **out, struct tz_error *err);

/* The user whose token_hash is hash, revoked or not; TZ_ENOENT (no
 * message) when none. */
int register_user_by_token(struct tz_register *reg, const uint8_t hash[32],
                           Tz__UserRecord **out, struct tz_error *err);

/* Call cb for each user in name order (valid during the call only). */
typedef int (*register_user_cb)(const Tz__UserRecord *u, void *arg);
int register_each_user(struct tz_register *reg, register_user_cb cb,
                       void *arg, struct tz_error *err);

/* Set revoked_at = now and end every session of the user, in one
 * transaction; *ended (may be NULL) counts the sessions. TZ_ENOENT no such
 * user, TZ_EEXIST already revoked. */
int register_user_revoke(struct tz_register *reg, const char *name,
                         int64_t now, size_t *ended, struct tz_error *err);

/* Store a new session under key (BLAKE2b-256 of the session id) and set
 * the user's last_login to s->created_at, in one transaction. TZ_ENOENT
 * when s->user does not exist. */
int register_session_add(struct tz_register *reg, const uint8_t key[32],
                         const Tz__SessionRecord *s, struct tz_error *err);

/* TZ_ENOENT (no message) when there is no such session; expiry is the
 * caller's to check. Free *out with protobuf_c_message_free_unpacked. */
int register_session_get(struct tz_register *reg, const uint8_t key[32],
                         Tz__SessionRecord **out, struct tz_error *err);

/* Remove one session (logout). TZ_ENOENT when there is none. */
int register_session_delete(struct tz_register *reg, const uint8_t key[32],
                            struct tz_error *err);

/* Remove sessions that expired before now; *deleted (may be NULL) counts. */
int register_session_prune(struct tz_register *reg, int64_t now,
                           size_t *deleted, struct tz_error *err);

/* ---- statistics ---- */

struct register_stats {
    uint64_t agents;
    uint64_t hosts;                  /* agents that sent at least one report */
    uint64_t depts;
    uint64_t accepted;               /* requests answered OK */
    uint64_t reports_accepted;       /* of which reports */
    uint64_t batches;                /* write transactions of ingest */
    uint64_t throttled;              /* requests dropped unread: their source
                                        sent too many rejected ones (ingest) */
    uint64_t rejected[16];           /* indexed by Tz__Status */
    uint64_t quota[AQ__COUNT];       /* limits hit, by enum agent_quota_limit:
                                        refusals, and history prunings */
    uint64_t schema;
    uint64_t map_size;               /* bytes */
    uint64_t used_bytes;
};
int register_stats(struct tz_register *reg, struct register_stats *out,
                   struct tz_error *err);


/* ---- backup ---- */

/* Write a compacted copy of the register, as one read transaction sees it,
 * to fd (a new, empty regular file open for writing; the caller syncs,
 * names and closes it). The copy is one self-contained file that
 * register_open(path, REGISTER_RDONLY | REGISTER_FILE) opens, and that
 * becomes a data dir's register again when installed as its data.mdb.
 * Safe beside a running collector: the copy is a reader and the writer
 * goes on; pages the writer frees meanwhile are reused only after the copy
 * ends, so the register may grow while a long copy runs. TZ_ESTORE (the
 * message says why: a full disk, an I/O error) on failure, when fd may
 * hold part of a copy. */
int register_backup(struct tz_register *reg, int fd, struct tz_error *err);

/* ---- consistency ---- */

/* What register_verify looked at, and how many problems it found. */
struct register_verify_counts {
    uint64_t agents;        /* enrolled */
    uint64_t hosts;         /* of which ever reported */
    uint64_t depts, tokens, systems, bindings;
    uint64_t open_flags, closed_flags, history, pkgidx;
    uint64_t users, sessions, ledger_changes;
    uint64_t screenings, reviews;
    uint64_t problems;
};

/* One problem, in words an operator understands ("the binding of host 3
 * (web01) names system 9, which does not exist"). Valid during the call. */
typedef void (*register_problem_cb)(const char *problem, void *arg);

/* Check every database and index of the register against the invariants
 * the backend keeps, in one read transaction (a consistent view even
 * beside a running collector): records decode and sit under their own
 * keys; every host's key index entry points back at it and every index
 * entry at a host; the package index is exactly each host's stored
 * packages; stored sections match their recorded hashes; hosts, systems,
 * departments and tokens referred to exist; (department, name) is unique
 * among systems; open flag counts match the open flags; the id counters
 * are above every id (token ids unique too); a token's uses are within its
 * limit and its expiry and revocation after its creation; a revocation in a
 * host's history is the one its record holds; the schema version is one
 * this build knows.
 * Returns 0 when the checks ran, with counts filled and cb called once per
 * problem (counts->problems of them; repeated problems of one host's
 * package index are summed up in one line after the first few). A record
 * that does not decode is a problem, not an error. TZ_ESTORE or TZ_ENOMEM
 * when the checks could not run. */
int register_verify(struct tz_register *reg,
                    struct register_verify_counts *counts,
                    register_problem_cb cb, void *arg, struct tz_error *err);

/* ---- flags (DESIGN.md §5) ---- */

/* A flag that should be open now on a subject. */
struct register_flag {
    const char *id;          /* flag id, e.g. "WEAK_PASSWORD" */
    int severity;            /* Tz__Severity */
    const char *instance;    /* distinguishes flags of one id ("" if one) */
    const char *evidence;
    const char *evidence_zh; /* the same in Chinese; NULL or "" if none */
};

/* Everything that should be open on one subject. */
struct register_flag_set {
    int subject_kind;        /* Tz__SubjectKind */
    uint64_t subject_id;
    const char *subject_name;  /* hostname or system name, for listings */
    const char *dept;
    uint64_t system_id;      /* for hosts: the bound system, 0 if none */
    const struct register_flag *flags;
    size_t n;
};

/* Make each subject's open flags exactly its set, in one transaction: new
 * flags open at now, flags no longer raised close at now and are kept as
 * history (tzctl flags --closed), the rest get evidence and last_seen
 * refreshed. Subjects not in sets are left alone. */
int register_flags_sync(struct tz_register *reg,
                        const struct register_flag_set *sets, size_t n_sets,
                        int64_t now, struct tz_error *err);

/* Call cb for each open flag (and each closed one when with_closed), grouped
 * by subject. The record is valid during the call only. */
typedef int (*register_flag_cb)(const Tz__FlagRecord *f, void *arg);
int register_each_flag(struct tz_register *reg, int with_closed,
                       register_flag_cb cb, void *arg, struct tz_error *err);
/* Call cb for each open flag of one subject (Tz__SubjectKind, id): one
 * range of the flags database, not a walk of them all (a host's page). */
int register_each_open_flag_of(struct tz_register *reg, int subject_kind,
                               uint64_t subject_id, register_flag_cb cb, void *arg,
                               struct tz_error *err);

/* Call cb once per subject that has open flags, with how many, in
 * (subject_kind, subject_id) order. Reads keys only, no record is unpacked:
 * what a ledger listing needs to count flags over 100k hosts. */
typedef int (*register_flag_count_cb)(int subject_kind, uint64_t subject_id,
                                      size_t open, void *arg);
int register_count_open_flags(struct tz_register *reg,
                              register_flag_count_cb cb, void *arg,
                              struct tz_error *err);

/* ---- systems and bindings (the ledger, DESIGN.md §4) ----
 *
 * A system is one row of the ledger (台账): Tz__SystemRecord, keyed by a
 * system_id the register assigns from meta "next_system_id". (dept, name)
 * is unique; dept must exist. Every stored record passes
 * ledger_record_check (collector/ledger_fields.h): TZ_EINVAL with the
 * field's label and reason otherwise. Systems are retired (status), never
 * deleted, so ids in flags and reviews keep pointing somewhere.
 * Ownership: records returned are the caller's; free them with
 * ledger_record_free (protobuf_c_message_free_unpacked). */

/* Who changed the ledger, kept with each change (SystemChange in the
 * syshist database): the portal user or the operator, and the way in
 * ("tzctl", "portal", "import"). NULL where an actor is taken records
 * actor and via "" (tests, migrations). */
struct register_actor {
    const char *name;
    const char *via;
};

/* Store a new system; *id gets its system_id (in->system_id, created_at and
 * updated_at are ignored: the register sets them). TZ_ENOENT naming the
 * department when it does not exist, TZ_EEXIST when dept already has a
 * system of that name. The change history gets a "created" entry by `by`. */
int register_system_add(struct tz_register *reg, const Tz__SystemRecord *in,
                        int64_t now, const struct register_actor *by,
                        uint64_t *id, struct tz_error *err);

/* Replace system rec->system_id with rec (created_at kept from the stored
 * record, updated_at = now). TZ_ENOENT no such system or department,
 * TZ_EEXIST when the new (dept, name) belongs to another system. Every put
 * raises the record's revision by one (an add makes it 1); with if_revision
 * non-zero, TZ_ECHANGED when the stored record is not at that revision
 * (someone else changed it since it was read). The fields that
 * changed are recorded in the change history with `by`, in the same
 * transaction; a put that changes nothing records nothing. */
int register_system_put(struct tz_register *reg, const Tz__SystemRecord *rec,
                        int64_t now, uint64_t if_revision,
                        const struct register_actor *by,
                        struct tz_error *err);

/* Call cb for each change of system_id, oldest first (valid during the
 * call only; cb returning non-zero stops the walk and is returned). */
typedef int (*register_system_change_cb)(const Tz__SystemChange *c, void *arg);
int register_each_system_change(struct tz_register *reg, uint64_t system_id,
                                register_system_change_cb cb, void *arg,
                                struct tz_error *err);

/* TZ_ENOENT "no system with id N". */
int register_system_get(struct tz_register *reg, uint64_t id,
                        Tz__SystemRecord **out, struct tz_error *err);

/* A system by decimal id (all digits: always read as an id) or by a name
 * that exactly one system has. TZ_ENOENT none, TZ_EINVAL when several
 * systems have that name (the message lists their ids). */
int register_system_find(struct tz_register *reg, const char *name_or_id,
                         uint64_t *id, struct tz_error *err);

/* Call cb for each system in id order, optionally only those of dept. The
 * record is valid during the call only; cb returning non-zero stops the walk
 * and that value is returned. */
typedef int (*register_system_cb)(const Tz__SystemRecord *rec, void *arg);
int register_each_system(struct tz_register *reg, const char *dept,
                         register_system_cb cb, void *arg,
                         struct tz_error *err);

/* Add n new systems in ONE transaction: all of them or none. The same checks
 * as register_system_add, also between the records themselves; the first
 * failure is returned and nothing is stored. On success recs[i]->system_id,
 * created_at and updated_at are set to what was stored. */
int register_systems_import(struct tz_register *reg, Tz__SystemRecord **recs,
                            size_t n, int64_t now,
                            const struct register_actor *by,
                            struct tz_error *err);

/* Replace the n_upd systems upd[i]->system_id with upd[i] (as
 * register_system_put, refused TZ_ECHANGED unless the stored record is at
 * revision revisions[i]), then add the n_add systems add[] (as
 * register_systems_import), all in ONE transaction: everything or nothing
 * (register_lmdb_sysupdate.c). `tzctl system import --update`. On success
 * add[i]->system_id, created_at and updated_at are what was stored. */
int register_systems_update(struct tz_register *reg, Tz__SystemRecord **upd,
                            const uint64_t *revisions, size_t n_upd,
                            Tz__SystemRecord **add, size_t n_add, int64_t now,
                            const struct register_actor *by,
                            struct tz_error *err);

/* Bind a host to a system explicitly (tzctl bind), replacing any earlier
 * explicit binding; by (the operator, may be NULL), the host's department
 * and the system's are recorded (they differ when the binding crosses
 * departments, which only this explicit binding may). TZ_ENOENT no such
 * host or system, TZ_EINVAL the system is retired. */
int register_bind(struct tz_register *reg, uint64_t agent_id,
                  uint64_t system_id, const char *by, int64_t now,
                  struct tz_error *err);

/* Remove a host's explicit binding, by (the operator, may be NULL) at
 * now. TZ_ENOENT when it has none (the host may still belong to a system
 * by its config or by a match). Binding and unbinding are kept in the
 * system's change history (register_each_system_change: action "bound"
 * or "unbound", ledger_diff.h). */
int register_unbind(struct tz_register *reg, uint64_t agent_id,
                    const char *by, int64_t now, struct tz_error *err);

/* The system a host belongs to and why, first rule that answers wins:
 *  1. BIND_EXPLICIT: a `tzctl bind` binding (even to a system retired since:
 *     the operator's word stands until unbound; any department's system);
 *  2. BIND_CONFIG: the system_id of the host's latest report (its agent
 *     config's "system = ID"), if that system exists, is not retired and
 *     belongs to the host's department;
 *  3. BIND_MATCH: the one non-retired system of the host's department
 *     whose ips contain one of the host's addresses, or whose domains name
 *     its hostname (case-insensitive, bare name or URL host).
 * A config naming another department's system binds nothing: a host cannot
 * put itself into another department's ledger (security review finding 2);
 * the refused system is reported in refused_id so the rules can flag it
 * (BINDING_OTHER_DEPT). A match binds only when it is unambiguous: exactly
 * one system of the host's own department (other departments' systems that
 * also match are then the ledger's conflict, `tzctl systems --conflicts`,
 * not the host's). When two or more of its own department's systems match,
 * or only other departments' systems do, the host is bound to none of them
 * and every candidate is reported so the rules can flag it
 * (AMBIGUOUS_BINDING) until `tzctl bind` (or the agent's own-department
 * config, or a corrected ledger) settles it. The decision is
 * collector/system_bind.c's; the backend only reads what it needs. */
#define BIND_CANDIDATES_MAX 8   /* candidates listed; the rest counted */
struct register_binding {
    uint64_t system_id;              /* 0: unbound */
    Tz__BindingSource src;           /* BIND_NONE when unbound */
    /* The config's system when it belongs to another department; 0 when
     * nothing was refused. refused_src is then BIND_CONFIG. */
    uint64_t refused_id;
    Tz__BindingSource refused_src;
    /* An ambiguous match: the candidates' ids ascending (the first
     * BIND_CANDIDATES_MAX), and how many there are; 0 when the match was
     * not consulted or was not ambiguous. */
    uint64_t candidates[BIND_CANDIDATES_MAX];
    size_t n_candidates;
    size_t candidates_total;
    size_t candidates_other_dept;    /* of the total, other departments' */
};

/* The binding of one host. TZ_ENOENT no such host. */
int register_binding_of(struct tz_register *reg, uint64_t agent_id,
                        struct register_binding *out, struct tz_error *err);

/* register_binding_of without the refused candidate: *system_id 0 and *src
 * BIND_NONE when unbound. TZ_ENOENT no such host. */
int register_host_binding(struct tz_register *reg, uint64_t agent_id,
                          uint64_t *system_id, Tz__BindingSource *src,
                          struct tz_error *err);

/* The stored explicit binding of a host (who bound it, when, and the two
 * departments it joined). Free with protobuf_c_message_free_unpacked.
 * TZ_ENOENT (without a message) when the host has none. */
int register_explicit_binding(struct tz_register *reg, uint64_t agent_id,
                              Tz__BindingRecord **out, struct tz_error *err);

/* register_host_binding for every host (optionally of dept) in agent_id
 * order, in one read transaction with the systems loaded once: what
 * listings use instead of one call per host. The agent record is valid
 * during the call only; cb returning non-zero stops the walk. */
typedef int (*register_binding_cb)(const Tz__AgentRecord *host,
                                   uint64_t system_id, Tz__BindingSource src,
                                   void *arg);
int register_each_host_binding(struct tz_register *reg, const char *dept,
                               register_binding_cb cb, void *arg,
                               struct tz_error *err);

/* register_each_host_binding with the whole register_binding (valid during
 * the call only). */
typedef int (*register_binding_full_cb)(const Tz__AgentRecord *host,
                                        const struct register_binding *b,
                                        void *arg);
int register_each_binding(struct tz_register *reg, const char *dept,
                          register_binding_full_cb cb, void *arg,
                          struct tz_error *err);

/* ---- change history ---- */

/* Call cb for each history entry of agent_id from since (unix time, 0 for
 * all), oldest first. The entry is valid during the call only. */
typedef int (*register_history_cb)(const Tz__HistoryEntry *e, void *arg);
int register_each_history(struct tz_register *reg, uint64_t agent_id,
                          int64_t since, register_history_cb cb, void *arg,
                          struct tz_error *err);

/* Delete entries older than before, visiting at most max_visit entries in
 * one short transaction and resuming where the last call stopped, so
 * pruning never holds the writer for long. *deleted counts removals. */
int register_history_prune(struct tz_register *reg, int64_t before,
                           size_t max_visit, size_t *deleted,
                           struct tz_error *err);

/* ---- the rules in force ----
 *
 * The collector records the rules it judges by when it starts; tzctl
 * evaluates ledger changes by them. TZ_ENOENT (no message) when no
 * collector of this version has recorded any. Free with
 * protobuf_c_message_free_unpacked. */
int register_rules_put(struct tz_register *reg, const Tz__RulesInForce *r,
                       struct tz_error *err);
int register_rules_get(struct tz_register *reg, Tz__RulesInForce **out,
                       struct tz_error *err);

/* ---- where each e-mail digest stands (collector/digest_run.h) ----
 *
 * One DigestState per recipient: dept's liaison, or with dept NULL the
 * network center's school-wide digest. get: TZ_ENOENT when none was ever
 * stored (free *out with protobuf_c_message_free_unpacked). put replaces. */
int register_digest_state_get(struct tz_register *reg, const char *dept,
                              Tz__DigestState **out, struct tz_error *err);
int register_digest_state_put(struct tz_register *reg, const char *dept,
                              const Tz__DigestState *st, struct tz_error *err);
/* Put n states (depts[i] NULL: the school's) in one transaction: a batch
 * of digests is recorded with one sync. */
int register_digest_states_put(struct tz_register *reg, const char *const *depts,
                               const Tz__DigestState *const *sts, size_t n,
                               struct tz_error *err);
/* Call cb for every stored state (departments in name order, then the
 * school's); valid during the call; non-zero from cb stops and is returned. */
typedef int (*register_digest_state_cb)(const Tz__DigestState *st, void *arg);
int register_each_digest_state(struct tz_register *reg, register_digest_state_cb cb,
                               void *arg, struct tz_error *err);

/* ---- pre-launch screening: screenings, review decisions, requests ----
 *
 * What is stored is decided above (tzctl screen, tzctl review, the control
 * socket); the register keeps it and the indexes listings need. Records
 * returned are the caller's: free with protobuf_c_message_free_unpacked. */

/* Store a screening; *id gets its screening_id (in->screening_id is
 * ignored: the register numbers them from 1). In the same transaction the
 * system's last_screening becomes its summary (screening_summary_of), the
 * record's revision and change history untouched: it is not a ledger
 * field. TZ_ENOENT no such system (in->system_id), TZ_EINVAL a screening
 * without its result. */
int register_screening_add(struct tz_register *reg, const Tz__Screening *in,
                           uint64_t *id, struct tz_error *err);

/* TZ_ENOENT "no screening with id N". */
int register_screening_get(struct tz_register *reg, uint64_t id,
                           Tz__Screening **out, struct tz_error *err);

/* The summary listings show of a screening (fills out; its strings are
 * borrowed from s). */
void screening_summary_of(const Tz__Screening *s, Tz__ScreeningSummary *out);

/* Call cb for each screening of system_id, oldest first, from an index of
 * summaries (the stored screenings are not unpacked). Valid during the call
 * only; cb returning non-zero stops the walk and is returned. */
typedef int (*register_screening_cb)(const Tz__ScreeningSummary *s, void *arg);
int register_each_screening(struct tz_register *reg, uint64_t system_id,
                            register_screening_cb cb, void *arg,
                            struct tz_error *err);

/* Record a review decision and the system record it leads to, in one
 * transaction: in is stored with a new review_id (*id), sys replaces the
 * system record as register_system_put does (revision, change history by
 * `by`; sys->prelaunch.review_id is set to the new id), and every open
 * screening request of the system is closed by it. if_revision as for
 * register_system_put. TZ_ENOENT no such system, TZ_EINVAL
 * sys->system_id != in->system_id. */
int register_review_add(struct tz_register *reg, const Tz__Review *in,
                        const Tz__SystemRecord *sys, uint64_t if_revision,
                        int64_t now, const struct register_actor *by,
                        uint64_t *id, struct tz_error *err);

/* Call cb for each review of system_id, oldest first. */
typedef int (*register_review_cb)(const Tz__Review *r, void *arg);
int register_each_review(struct tz_register *reg, uint64_t system_id,
                         register_review_cb cb, void *arg,
                         struct tz_error *err);

/* Store a screening request (上线申请); *id gets its request_id. The
 * system must exist (TZ_ENOENT) and not be retired (TZ_EINVAL); a system
 * with an open request gets no second one (TZ_EEXIST naming it). */
int register_screening_request_add(struct tz_register *reg,
                                   const Tz__ScreeningRequest *in,
                                   uint64_t *id, struct tz_error *err);

/* Call cb for each screening request, oldest first: only those of dept
 * (NULL: all) and with open_only, only the open ones. */
typedef int (*register_request_cb)(const Tz__ScreeningRequest *r, void *arg);
int register_each_screening_request(struct tz_register *reg, const char *dept,
                                    int open_only, register_request_cb cb,
                                    void *arg, struct tz_error *err);

#endif
