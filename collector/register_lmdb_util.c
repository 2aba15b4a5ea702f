/* register_lmdb_util — the helpers every register_lmdb_*.c file shares:
 * big-endian keys, transactions (with map growth), get/put of values and
 * packed messages, meta counters, the agent record and its key, walks over a
 * database, and loading a host's stored sections into one Report. Nothing
 * here decides anything; the declarations are in register_lmdb.h. */
#include "register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "register_lmdb.h"

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

/* m packed straight into the page LMDB reserves: sized once, no copy. */
static int put_packed(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
                      MDB_val *k, const ProtobufCMessage *m, unsigned flags,
                      size_t *len, const char *what, struct tz_error *err)
{
    MDB_val v = rl_mval(NULL, protobuf_c_message_get_packed_size(m));
    int rc = rl_put(reg, txn, dbi, k, &v, flags | MDB_RESERVE, what, err);
    if (rc != 0)
        return rc;
    *len = protobuf_c_message_pack(m, v.mv_data);
    return 0;
}

int rl_put_msg_flags(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi,
                     MDB_val *k, const ProtobufCMessage *m, unsigned flags,
                     const char *what, struct tz_error *err)
{
    size_t len;
    return put_packed(reg, txn, dbi, k, m, flags, &len, what, err);
}

int rl_put_msg_len(struct tz_register *reg, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
                   const ProtobufCMessage *m, size_t *len, const char *what,
                   struct tz_error *err)
{
    *len = 0;
    return put_packed(reg, txn, dbi, k, m, 0, len, what, err);
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

void rl_host_key(uint8_t k[9], uint64_t id, int kind)
{
    rl_be64_put(k, id);
    k[8] = (uint8_t)kind;
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
                     kind ? tz_section_name(kind) : "report");
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
