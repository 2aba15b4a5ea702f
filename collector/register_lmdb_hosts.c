/* register_lmdb_hosts — reading agents and hosts: each agent of a
 * department, one host's record and report (whole or some sections), an
 * agent by its public key, and which hosts have a package at which version
 * (pkgidx), and how many hosts a department has (the enrollment cap,
 * agent_quota.h). Written only by the ingest (register_lmdb_ingest.c). */
#include "register.h"

#include <string.h>

#include "register_lmdb.h"

struct dept_count {
    const char *dept;
    uint64_t stop_at, n;
};

#define DEPT_COUNT_DONE 1   /* stops the walk: not an error (those are < 0) */

static int dept_count_cb(const ProtobufCMessage *m, void *arg)
{
    struct dept_count *c = arg;
    const Tz__AgentRecord *rec = (const Tz__AgentRecord *)m;
    if (strcmp(rec->dept, c->dept) == 0 && rec->revocation == NULL)
        c->n++;
    return c->stop_at && c->n >= c->stop_at ? DEPT_COUNT_DONE : 0;
}

int rl_dept_hosts(struct tz_register *reg, MDB_txn *txn, const char *dept,
                  uint64_t stop_at, uint64_t *n, struct tz_error *err)
{
    /* Enrollments are rare: a scan (a few ms for thousands of agents) keeps
     * no counter that could drift from the records. The walk every agent
     * listing takes: a record not under its own id is corrupt. */
    struct dept_count c = {dept, stop_at, 0};
    struct rl_walk w = {.dbi = reg->agents, .db = "agents",
                        .desc = &tz__agent_record__descriptor,
                        .check = rl_agent_key_check, .cb = dept_count_cb, .arg = &c};
    int rc = rl_walk_txn(reg, txn, &w, err);
    *n = c.n;
    return rc == DEPT_COUNT_DONE ? 0 : rc;
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
