/* register_lmdb_flags — open flags and their history in the `flags` database.
 *
 * Keys: 'O' kind be64(subject) id "\0" instance          → open FlagRecord
 *       'C' kind be64(subject) be64(closed) be64(opened) id "\0" instance
 *       'N' kind be64(subject)                             → be32 open count
 *           (the ledger counts open flags per subject without touching the
 *           records; complete when meta "flag_counts" is set)
 *                                                        → closed FlagRecord
 * so one subject's open flags are one range scan, and history is ordered by
 * when it closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "register_lmdb.h"
#include "tz_limits.h"

#define FLAG_KEY_MAX (1 + 1 + 8 + 8 + 8 + 64 + 1 + 128)

static size_t open_prefix(uint8_t *k, int kind, uint64_t subject)
{
    k[0] = 'O';
    k[1] = (uint8_t)kind;
    rl_be64_put(k + 2, subject);
    return 10;
}

/* id "\0" instance after a prefix; 0 when it does not fit. */
static size_t add_name(uint8_t *k, size_t off, const char *id, const char *inst)
{
    size_t il = strlen(id), nl = strlen(inst);
    if (off + il + 1 + nl > FLAG_KEY_MAX || il > 64 || nl > 128)
        return 0;
    memcpy(k + off, id, il);
    k[off + il] = '\0';
    memcpy(k + off + il + 1, inst, nl);
    return off + il + 1 + nl;
}

struct sync_arg {
    const struct register_flag_set *sets;
    size_t n_sets;
    int64_t now;
};

static int wanted(const struct register_flag_set *set, const Tz__FlagRecord *f)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->flags[i].id, f->id) == 0 &&
            strcmp(set->flags[i].instance ? set->flags[i].instance : "", f->instance) == 0)
            return (int)i;
    return -1;
}

static int close_flag(struct tz_register *reg, MDB_txn *txn, Tz__FlagRecord *f,
                      int64_t now, struct tz_error *err)
{
    uint8_t k[FLAG_KEY_MAX];
    k[0] = 'C';
    k[1] = (uint8_t)f->subject_kind;
    rl_be64_put(k + 2, f->subject_id);
    rl_be64_put(k + 10, (uint64_t)now);
    rl_be64_put(k + 18, (uint64_t)f->opened_at);
    size_t kl = add_name(k, 26, f->id, f->instance);
    if (kl == 0)
        return rl_corrupt(reg, err, "flags", f->id);
    f->closed_at = now;
    MDB_val kv = rl_mval(k, kl);
    return rl_put_msg(reg, txn, reg->flags, &kv, &f->base, "writing flags", err);
}

/* Read a subject's open flags first and change them after: no cursor walks
 * a range that is being written. */
static int load_open(struct tz_register *reg, MDB_txn *txn, const uint8_t pre[10],
                     Tz__FlagRecord ***out, size_t *n, struct tz_error *err)
{
    *out = NULL;
    *n = 0;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->flags, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading flags");
    int rc = 0;
    size_t cap = 0;
    MDB_val k = rl_mval(pre, 10), v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 10 || memcmp(k.mv_data, pre, 10) != 0)
            break;
        Tz__FlagRecord *f = rl_unpack(&tz__flag_record__descriptor, &v);
        if (f == NULL) {
            rc = rl_corrupt(reg, err, "flags", "(open flag)");
            break;
        }
        if (tz_grow((void **)out, &cap, *n, sizeof(**out)) != 0) {
            protobuf_c_message_free_unpacked(&f->base, NULL);
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            break;
        }
        (*out)[(*n)++] = f;
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading flags");
    mdb_cursor_close(cur);
    return rc;
}

/* Open flags under pre, keys only (this subject's, just written). */
static int count_open(struct tz_register *reg, MDB_txn *txn, const uint8_t pre[10],
                      uint32_t *n, struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->flags, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading flags");
    MDB_val k = rl_mval((void *)pre, 10), v;
    *n = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 10 || memcmp(k.mv_data, pre, 10) != 0)
            break;
        (*n)++;
    }
    mdb_cursor_close(cur);
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : rl_mdb_fail(reg, err, mrc, "reading flags");
}

/* Store n as the subject's open count ('N' key), deleting it at 0. */
static int put_count(struct tz_register *reg, MDB_txn *txn, const uint8_t pre[10],
                     uint32_t n, struct tz_error *err)
{
    uint8_t key[10];
    memcpy(key, pre, 10);
    key[0] = 'N';
    MDB_val k = rl_mval(key, 10);
    uint8_t vb[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    MDB_val v = rl_mval(vb, 4);
    int mrc = n ? mdb_put(txn, reg->flags, &k, &v, 0) : mdb_del(txn, reg->flags, &k, NULL);
    if (mrc == MDB_NOTFOUND)
        mrc = 0;
    return mrc ? rl_mdb_fail(reg, err, mrc, "writing flag counts") : 0;
}

int rl_flag_counts_init(struct tz_register *reg, MDB_txn *txn, struct tz_error *err)
{
    uint64_t done;
    int rc = rl_get_u64(reg, txn, "flag_counts", &done, err);
    if (rc != TZ_ENOENT)
        return rc;
    /* A register from before the counts: count every subject once. */
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->flags, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading flags");
    uint8_t start = 'O', pre[10], cur_pre[10];
    MDB_val k = rl_mval(&start, 1), v;
    uint32_t n = 0;
    rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < 10 || kb[0] != 'O')
            break;
        memcpy(pre, kb, 10);
        if (n && memcmp(pre, cur_pre, 10) != 0) {
            /* Writing under the cursor's feet: reposition after it. */
            if ((rc = put_count(reg, txn, cur_pre, n, err)) != 0)
                break;
            MDB_val again = rl_mval(pre, 10);
            if ((mrc = mdb_cursor_get(cur, &again, &v, MDB_SET_RANGE)) != 0)
                break;
            n = 0;
        }
        memcpy(cur_pre, pre, 10);
        n++;
    }
    mdb_cursor_close(cur);
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading flags");
    if (rc == 0 && n)
        rc = put_count(reg, txn, cur_pre, n, err);
    return rc ? rc : rl_put_u64(reg, txn, "flag_counts", 1, err);
}

static int sync_one(struct tz_register *reg, MDB_txn *txn,
                    const struct register_flag_set *set, int64_t now,
                    struct tz_error *err)
{
    uint8_t pre[10];
    open_prefix(pre, set->subject_kind, set->subject_id);
    Tz__FlagRecord **old = NULL;
    size_t n_old = 0;
    char *seen = calloc(set->n ? set->n : 1, 1);
    if (seen == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    int rc = load_open(reg, txn, pre, &old, &n_old, err);

    for (size_t i = 0; rc == 0 && i < n_old; i++) {
        Tz__FlagRecord *f = old[i];
        int w = wanted(set, f);
        if (w >= 0) {
            seen[w] = 1;
            continue;   /* rewritten below with fresh evidence */
        }
        /* No longer raised: move it to history. */
        uint8_t key[FLAG_KEY_MAX];
        memcpy(key, pre, sizeof(pre));
        size_t kl = add_name(key, sizeof(pre), f->id, f->instance);
        MDB_val kv = rl_mval(key, kl);
        int mrc = kl ? mdb_del(txn, reg->flags, &kv, NULL) : MDB_NOTFOUND;
        if (mrc != 0)
            rc = rl_mdb_fail(reg, err, mrc, "deleting a flag");
        else
            rc = close_flag(reg, txn, f, now, err);
    }

    for (size_t i = 0; rc == 0 && i < set->n; i++) {
        const struct register_flag *nf = &set->flags[i];
        const char *inst = nf->instance ? nf->instance : "";
        int64_t opened = now;
        for (size_t k = 0; k < n_old; k++)
            if (strcmp(old[k]->id, nf->id) == 0 && strcmp(old[k]->instance, inst) == 0)
                opened = old[k]->opened_at;
        uint8_t key[FLAG_KEY_MAX];
        memcpy(key, pre, sizeof(pre));
        size_t kl = add_name(key, sizeof(pre), nf->id, inst);
        if (kl == 0) {
            rc = tz_err(err, TZ_EINVAL, NULL, 0, "flag %s: instance too long", nf->id);
            break;
        }
        Tz__FlagRecord f = TZ__FLAG_RECORD__INIT;
        f.id = (char *)nf->id;
        f.severity = (Tz__Severity)nf->severity;
        f.subject_kind = (Tz__SubjectKind)set->subject_kind;
        f.subject_id = set->subject_id;
        f.instance = (char *)inst;
        f.evidence = (char *)(nf->evidence ? nf->evidence : "");
        f.evidence_zh = (char *)(nf->evidence_zh ? nf->evidence_zh : "");
        f.dept = (char *)(set->dept ? set->dept : "");
        f.subject_name = (char *)(set->subject_name ? set->subject_name : "");
        f.system_id = set->system_id;
        f.opened_at = opened;
        f.last_seen = now;
        MDB_val kv = rl_mval(key, kl);
        rc = rl_put_msg(reg, txn, reg->flags, &kv, &f.base, "writing flags", err);
    }
    uint32_t n_open = 0;
    if (rc == 0 && (rc = count_open(reg, txn, pre, &n_open, err)) == 0)
        rc = put_count(reg, txn, pre, n_open, err);
    for (size_t i = 0; i < n_old; i++)
        protobuf_c_message_free_unpacked(&old[i]->base, NULL);
    free(old);
    free(seen);
    return rc;
}

static int sync_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                    struct tz_error *err)
{
    struct sync_arg *a = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < a->n_sets; i++)
        rc = sync_one(reg, txn, &a->sets[i], a->now, err);
    return rc;
}

int register_flags_sync(struct tz_register *reg,
                        const struct register_flag_set *sets, size_t n_sets,
                        int64_t now, struct tz_error *err)
{
    struct sync_arg a = {sets, n_sets, now};
    return rl_write_txn(reg, sync_txn, &a, err);
}

struct flag_walk {
    int with_closed;
    register_flag_cb cb;
    void *arg;
};

/* Open flags, and closed ones when asked; count records are skipped. */
static int flag_keep(const MDB_val *k, void *arg)
{
    const struct flag_walk *f = arg;
    char tag = k->mv_size ? ((const char *)k->mv_data)[0] : 0;
    return tag == 'O' || (f->with_closed && tag == 'C');
}

static int flag_key_name(const ProtobufCMessage *m, const MDB_val *k,
                         char *keyname, size_t len)
{
    snprintf(keyname, len, "%s", ((const char *)k->mv_data)[0] == 'O'
                                     ? "(open flag)" : "(closed flag)");
    return m != NULL;
}

static int flag_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct flag_walk *f = arg;
    return f->cb((const Tz__FlagRecord *)m, f->arg);
}

int register_each_flag(struct tz_register *reg, int with_closed,
                       register_flag_cb cb, void *arg, struct tz_error *err)
{
    struct flag_walk f = {with_closed, cb, arg};
    struct rl_walk w = {.dbi = reg->flags, .db = "flags", .keep = flag_keep,
                        .desc = &tz__flag_record__descriptor,
                        .check = flag_key_name, .cb = flag_walk_cb, .arg = &f};
    return rl_walk(reg, &w, err);
}

int register_each_open_flag_of(struct tz_register *reg, int subject_kind,
                               uint64_t subject_id, register_flag_cb cb, void *arg,
                               struct tz_error *err)
{
    uint8_t pre[10];
    size_t n = open_prefix(pre, subject_kind, subject_id);
    struct flag_walk f = {0, cb, arg};
    struct rl_walk w = {.dbi = reg->flags, .db = "flags", .start = pre,
                        .start_len = n, .prefix_len = n, .keep = flag_keep,
                        .desc = &tz__flag_record__descriptor,
                        .check = flag_key_name, .cb = flag_walk_cb, .arg = &f};
    return rl_walk(reg, &w, err);
}

int register_count_open_flags(struct tz_register *reg,
                              register_flag_count_cb cb, void *arg,
                              struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->flags, &cur);
    if (mrc != 0) {
        mdb_txn_abort(txn);
        return rl_mdb_fail(reg, err, mrc, "reading flags");
    }
    /* With counts ('N', one small record per subject) the flag records
     * are not touched; else the open flags ('O'), grouped by subject. */
    uint64_t counted;
    rc = rl_get_u64(reg, txn, "flag_counts", &counted, err);
    if (rc != 0 && rc != TZ_ENOENT) {
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
        return rc;
    }
    uint8_t start = rc == 0 ? 'N' : 'O';
    rc = 0;
    MDB_val k = rl_mval(&start, 1), v;
    int kind = -1;
    uint64_t subject = 0;
    size_t n = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kb = k.mv_data;
        if (k.mv_size < 10 || kb[0] != start)
            break;
        uint64_t s = rl_be64_get(kb + 2);
        if (start == 'N') {
            const uint8_t *c = v.mv_data;
            if (v.mv_size != 4)
                continue;
            size_t open = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | c[3];
            if ((rc = cb(kb[1], s, open, arg)) != 0)
                break;
            continue;
        }
        if (n && (kb[1] != kind || s != subject)) {
            if ((rc = cb(kind, subject, n, arg)) != 0)
                break;
            n = 0;
        }
        kind = kb[1];
        subject = s;
        n++;
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading flags");
    if (rc == 0 && n)
        rc = cb(kind, subject, n, arg);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc;
}
