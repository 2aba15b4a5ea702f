/* register_lmdb_ingest — one batch of agent messages in one write
 * transaction: enrollments, reports (whole or delta, with the package index
 * kept by difference) and heartbeats, each answered with its status, and
 * the batch's counters written once. Whether a token may enroll and whether
 * a key is still accepted is collector/admission.c's decision; the batch
 * transaction asks it about the records it read, so a token's last use is
 * spent exactly once. Likewise collector/agent_quota.c decides whether an
 * agent is over its limits (reports, bytes, history, hosts) on the agent
 * and token records read here. */
#include "register.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account_check.h"
#include "admission.h"
#include "agent_quota.h"
#include "register_lmdb.h"

#define BATCH_DEPTS_COUNTED 8

struct batch {
    struct register_item *items;
    size_t n;
    int64_t now;
    /* counters, summed over the batch and written once */
    uint64_t accepted, reports, new_hosts, throttled;
    uint64_t rejected[N_STATUS];
    uint64_t quota[AQ__COUNT];   /* limits hit (agent_quota.h) */
    /* Hosts of the departments that enrolled in this batch: counted by one
     * scan each, then kept up by enroll_new (a rollout enrolls hundreds of
     * one department's hosts in one batch). */
    struct dept_hosts {
        char dept[TZ_MAX_NAME_BUF];
        uint64_t hosts;
    } counted[BATCH_DEPTS_COUNTED];
    size_t n_counted;
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

/* The batch's count of dept's hosts, NULL when not counted yet. */
static struct dept_hosts *counted(struct batch *b, const char *dept)
{
    for (size_t i = 0; i < b->n_counted; i++)
        if (strcmp(b->counted[i].dept, dept) == 0)
            return &b->counted[i];
    return NULL;
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
        struct dept_hosts *c = counted(b, tok->dept);
        if (c)
            c->hosts++;
        it->agent_id = id;
        item_dept(it, tok->dept);
        item_set(it, TZ__STATUS__OK, "enrolled as agent %llu",
                 (unsigned long long)id);
    }
    return rc;
}

/* May tok enroll one more host? *st OVER_QUOTA (detail says which cap)
 * when its token or department has all the hosts the collector allows. */
static int enroll_quota(struct tz_register *reg, MDB_txn *txn, struct batch *b,
                        struct register_item *it, const Tz__TokenRecord *tok,
                        int *st, struct tz_error *err)
{
    const struct agent_quota *q = &reg->quota;
    uint64_t hosts = 0;
    if (q->hosts_per_dept) {
        struct dept_hosts *c = counted(b, tok->dept);
        int rc = c ? 0 : rl_dept_hosts(reg, txn, tok->dept, q->hosts_per_dept,
                                       &hosts, err);
        if (rc != 0)
            return rc;
        if (c)
            hosts = c->hosts;
        else if (b->n_counted < BATCH_DEPTS_COUNTED &&
                 strlen(tok->dept) < sizeof(b->counted[0].dept)) {
            c = &b->counted[b->n_counted++];
            memcpy(c->dept, tok->dept, strlen(tok->dept) + 1);
            c->hosts = hosts;
        }
    }
    enum agent_quota_limit which;
    *st = agent_quota_enroll(q, tok, hosts, &which, it->detail, sizeof(it->detail));
    b->quota[which]++;
    return 0;
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
        /* Expired, used up or revoked: admission.c says which; too many
         * hosts: agent_quota.c. */
        int st = admission_token(tok, b->now, it->detail, sizeof(it->detail));
        rc = 0;
        if (st == TZ__STATUS__OK)
            rc = enroll_quota(reg, txn, b, it, tok, &st, err);
        if (rc == 0 && st != TZ__STATUS__OK)
            it->status = st;
        else if (rc == 0)
            rc = enroll_new(reg, txn, b, it, tok, tkey, err);
    }
    protobuf_c_message_free_unpacked(&tok->base, NULL);
    return rc;
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
                          uint64_t *hist_bytes, struct tz_error *err)
{
    *hist_bytes = 0;
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
                               &changed, now, hist_bytes, err);
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

/* What the report weighs against bytes_per_day: its packed size, plus the
 * sections it carried still encoded. */
static uint64_t report_bytes(const struct register_item *it)
{
    uint64_t n = protobuf_c_message_get_packed_size(&it->report->base);
    for (int kind = TZ_SECTION_FIRST; it->lazy && kind <= TZ_SECTION_LAST; kind++)
        if (it->lazy->present & (1u << kind))
            n += it->lazy->len[kind];
    return n;
}

/* Over its limits a report is refused before any of it is decoded; its seq
 * stays unused (the agent keeps it and resends it later), and the record
 * keeps the limit hit for AGENT_ABUSE (agent_quota.h). *nw: old's copy. */
static int report_quota(struct tz_register *reg, MDB_txn *txn, struct batch *b,
                        struct register_item *it, Tz__AgentRecord *nw,
                        int *stop, struct tz_error *err)
{
    enum agent_quota_limit which;
    *stop = agent_quota_report(&reg->quota, nw, report_bytes(it), b->now, &which,
                               it->detail, sizeof(it->detail)) != TZ__STATUS__OK;
    if (!*stop)
        return 0;
    it->status = TZ__STATUS__OVER_QUOTA;
    b->quota[which]++;
    nw->last_seen = b->now;   /* it is alive, only too busy */
    return rl_agent_store(reg, txn, nw, err);
}

/* The host's history passed its cap: count it and prune the oldest. */
static int history_quota(struct tz_register *reg, MDB_txn *txn, struct batch *b,
                         Tz__AgentRecord *nw, char *why, size_t len,
                         struct tz_error *err)
{
    const struct agent_quota *q = &reg->quota;
    uint64_t kept, pruned;
    int rc = rl_history_cap(reg, txn, nw->agent_id, q->history_bytes,
                            agent_quota_history_target(q), &kept, &pruned, err);
    if (rc == 0) {
        agent_quota_history_pruned(q, nw, kept, pruned, b->now, why, len);
        b->quota[AQ_HISTORY_BYTES] += pruned > 0;
    }
    return rc;
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
    Tz__AgentRecord nw = *old;
    rc = report_quota(reg, txn, b, it, &nw, &stop, err);
    if (rc != 0 || stop) {
        protobuf_c_message_free_unpacked(&old->base, NULL);
        return rc;
    }
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
                     tz_section_name(missing));
        protobuf_c_message_free_unpacked(&old->base, NULL);
        return rc;
    }
    uint64_t hist = 0;
    char hist_why[sizeof(it->detail)];
    rc = store_sections(reg, txn, id, it->seq, r, &stored, b->now, &hist, err);
    if (rc == 0 && agent_quota_history_add(&reg->quota, &nw, hist))
        rc = history_quota(reg, txn, b, &nw, hist_why, sizeof(hist_why), err);
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
    memset(b->quota, 0, sizeof(b->quota));
    b->n_counted = 0;
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
    for (int l = AQ_NONE + 1; rc == 0 && l < AQ__COUNT; l++) {
        if (b->quota[l] == 0)
            continue;
        char key[48];
        snprintf(key, sizeof(key), "stat.quota.%s", agent_quota_limit_name(l));
        rc = rl_add_u64(reg, txn, key, b->quota[l], err);
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
