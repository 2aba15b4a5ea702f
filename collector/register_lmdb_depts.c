/* register_lmdb_depts — a department's responsibility record (in `depts`)
 * and who changed it (in `depthist`).
 *
 * depthist key: department name, \0, be64 time, be64 seq → DeptChange;
 * seq comes from meta "depthist_seq" so two changes in one second keep
 * their order. A change and its history entry share one transaction. */
#include <stdio.h>
#include <string.h>

#include "dept_diff.h"
#include "dept_fields.h"
#include "register_lmdb.h"

#define DEPTHIST_KEY_MAX (TZ_MAX_NAME + 1 + 16)

static size_t depthist_key(uint8_t k[DEPTHIST_KEY_MAX], const char *dept,
                           int64_t at, uint64_t seq)
{
    size_t n = strlen(dept);
    memcpy(k, dept, n);
    k[n] = 0;
    rl_be64_put(k + n + 1, (uint64_t)at);
    rl_be64_put(k + n + 9, seq);
    return n + 17;
}

static int dept_load(struct tz_register *reg, MDB_txn *txn, const char *name,
                     Tz__DeptRecord **out, struct tz_error *err)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > TZ_MAX_NAME)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no department \"%.256s\"",
                      name ? name : "");
    MDB_val k = rl_mstr(name), v;
    int rc = rl_get(reg, txn, reg->depts, &k, &v, "reading depts", err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no department \"%s\" (add "
                      "it with: tzctl dept add NAME)", name);
    if (rc != 0)
        return rc;
    Tz__DeptRecord *d = rl_unpack(&tz__dept_record__descriptor, &v);
    if (d == NULL || strcmp(d->name, name) != 0) {
        if (d)
            protobuf_c_message_free_unpacked(&d->base, NULL);
        return rl_corrupt(reg, err, "depts", name);
    }
    *out = d;
    return 0;
}

int register_dept_get(struct tz_register *reg, const char *name,
                      Tz__DeptRecord **out, struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = dept_load(reg, txn, name, out, err);
    mdb_txn_abort(txn);
    return rc;
}

static int history_put(struct tz_register *reg, MDB_txn *txn,
                       Tz__DeptChange *c, struct tz_error *err)
{
    uint64_t seq = 0;
    int rc = rl_get_u64(reg, txn, "depthist_seq", &seq, err);
    if (rc == TZ_ENOENT)
        rc = 0;
    if (rc == 0)
        rc = rl_put_u64(reg, txn, "depthist_seq", seq + 1, err);
    uint8_t kb[DEPTHIST_KEY_MAX];
    MDB_val k = rl_mval(kb, depthist_key(kb, c->dept, c->at, seq));
    if (rc == 0)
        rc = rl_put_msg(reg, txn, reg->depthist, &k, &c->base,
                        "writing the department history", err);
    return rc;
}

/* Replace one department's record inside txn; *changed tells whether any
 * field differed (nothing is written otherwise). */
static int dept_replace(struct tz_register *reg, MDB_txn *txn,
                        const Tz__DeptRecord *rec, int64_t now,
                        const uint64_t *if_revision,
                        const struct register_actor *by,
                        struct tz_error *err)
{
    char why[DEPT_WHY];
    if (dept_record_check(rec, why, sizeof(why)) != 0) {
        reg->last_mdb = 0;
        return tz_err(err, TZ_EINVAL, NULL, 0, "%s", why);
    }
    Tz__DeptRecord *old;
    int rc = dept_load(reg, txn, rec->name, &old, err);
    if (rc != 0) {
        reg->last_mdb = 0;
        return rc;
    }
    if (if_revision && old->revision != *if_revision) {
        protobuf_c_message_free_unpacked(&old->base, NULL);
        reg->last_mdb = 0;
        return tz_err(err, TZ_ECHANGED, NULL, 0,
                      "department \"%s\" was changed by someone else since "
                      "it was read: load it again", rec->name);
    }
    Tz__DeptChange c = TZ__DEPT_CHANGE__INIT;
    rc = dept_diff(old, rec, &c);
    if (rc == 0 && c.n_changes) {
        Tz__DeptRecord copy = *rec;
        copy.name = old->name;
        copy.created_at = old->created_at;
        copy.updated_at = now;
        copy.revision = old->revision + 1;
        MDB_val k = rl_mstr(old->name);
        rc = rl_put_msg(reg, txn, reg->depts, &k, &copy.base,
                        "writing depts", err);
        c.dept = old->name;
        c.at = now;
        c.actor = (char *)(by && by->name ? by->name : "");
        c.via = (char *)(by && by->via ? by->via : "");
        c.action = "updated";
        if (rc == 0)
            rc = history_put(reg, txn, &c, err);
    } else if (rc != 0) {
        reg->last_mdb = 0;
        rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    dept_diff_clear(&c);
    protobuf_c_message_free_unpacked(&old->base, NULL);
    return rc;
}

struct dept_put {
    Tz__DeptRecord *const *recs;
    size_t n;
    int64_t now;
    const uint64_t *if_revision;
    const struct register_actor *by;
};

static int put_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                   struct tz_error *err)
{
    const struct dept_put *p = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        rc = dept_replace(reg, txn, p->recs[i], p->now, p->if_revision, p->by,
                          err);
    return rc;
}

int register_dept_put(struct tz_register *reg, const Tz__DeptRecord *rec,
                      int64_t now, const uint64_t *if_revision,
                      const struct register_actor *by, struct tz_error *err)
{
    Tz__DeptRecord *one = (Tz__DeptRecord *)rec;
    struct dept_put p = {&one, 1, now, if_revision, by};
    return rl_write_txn(reg, put_txn, &p, err);
}

int register_depts_put(struct tz_register *reg, Tz__DeptRecord *const *recs,
                       size_t n, int64_t now, const struct register_actor *by,
                       struct tz_error *err)
{
    struct dept_put p = {recs, n, now, NULL, by};
    return rl_write_txn(reg, put_txn, &p, err);
}

/* ---- the history ---- */

struct depthist_walk {
    const char *dept;
    register_dept_change_cb cb;
    void *arg;
};

static int depthist_check(const ProtobufCMessage *m, const MDB_val *k,
                          char *keyname, size_t len)
{
    const Tz__DeptChange *c = (const Tz__DeptChange *)m;
    size_t n = k->mv_size > 17 ? k->mv_size - 17 : 0;
    snprintf(keyname, len, "%.*s/(entry)", (int)(n < 200 ? n : 200),
             (const char *)k->mv_data);
    return c && k->mv_size >= 17 && strlen(c->dept) == n &&
           memcmp(c->dept, k->mv_data, n) == 0;
}

static int depthist_cb(const ProtobufCMessage *m, void *arg)
{
    const struct depthist_walk *h = arg;
    return h->cb((const Tz__DeptChange *)m, h->arg);
}

int register_each_dept_change(struct tz_register *reg, const char *dept,
                              register_dept_change_cb cb, void *arg,
                              struct tz_error *err)
{
    if ((reg->absent & RL_ABSENT_DEPTHIST) || dept == NULL ||
        strlen(dept) > TZ_MAX_NAME)
        return 0;
    uint8_t kb[DEPTHIST_KEY_MAX];
    size_t klen = depthist_key(kb, dept, 0, 0);
    struct depthist_walk h = {dept, cb, arg};
    struct rl_walk w = {.dbi = reg->depthist, .db = "depthist",
                        .start = kb, .start_len = klen,
                        .prefix_len = strlen(dept) + 1,
                        .desc = &tz__dept_change__descriptor,
                        .check = depthist_check, .cb = depthist_cb,
                        .arg = &h};
    return rl_walk(reg, &w, err);
}

/* ---- department names ---- */

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
