/* register_lmdb_systems — the ledger's systems and host bindings in LMDB
 * (the "systems and bindings" part of collector/register.h).
 *
 * Databases: systems (be64 system_id → SystemRecord), bindings (be64
 * agent_id → BindingRecord, explicit bindings only: config and match
 * bindings are derived on every read, so they follow the ledger and the
 * host's latest report without a write), meta "next_system_id".
 * Name checks walk every system (writes are rare); matching uses an index
 * of them (system_index.h) kept per handle until meta "systems_version"
 * says the ledger changed. */
#include "register.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "grow.h"
#include "ledger_fields.h"
#include "register_lmdb.h"
#include "system_bind.h"
#include "system_index.h"
#include "utf8.h"

/* ---- one system ---- */

static void id_str(uint64_t id, char buf[24])
{
    snprintf(buf, 24, "%" PRIu64, id);
}

/* Unpack and check one stored value: its key must be its id. */
static int sys_unpack(struct tz_register *reg, const MDB_val *k,
                      const MDB_val *v, Tz__SystemRecord **out,
                      struct tz_error *err)
{
    *out = NULL;
    Tz__SystemRecord *rec = NULL;
    if (k->mv_size == 8)
        rec = rl_unpack(&tz__system_record__descriptor, v);
    if (rec == NULL || rec->system_id != rl_be64_get(k->mv_data)) {
        char key[24] = "(bad key)";
        if (k->mv_size == 8)
            id_str(rl_be64_get(k->mv_data), key);
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        return rl_corrupt(reg, err, "systems", key);
    }
    *out = rec;
    return 0;
}

/* TZ_ENOENT (without a message) when absent. */
static int sys_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                    Tz__SystemRecord **out, struct tz_error *err)
{
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, 8), v;
    *out = NULL;
    int rc = rl_get(reg, txn, reg->systems, &k, &v, "reading systems", err);
    return rc ? rc : sys_unpack(reg, &k, &v, out, err);
}

static int sys_store(struct tz_register *reg, MDB_txn *txn,
                     const Tz__SystemRecord *rec, struct tz_error *err)
{
    uint8_t kb[8];
    rl_be64_put(kb, rec->system_id);
    MDB_val k = rl_mval(kb, 8);
    return rl_put_msg(reg, txn, reg->systems, &k, &rec->base,
                      "writing systems", err);
}

static int no_system(struct tz_error *err, uint64_t id)
{
    return tz_err(err, TZ_ENOENT, NULL, 0, "no system with id %" PRIu64, id);
}

/* Walk every system in id order; fn owns each record it is given. */
typedef int (*sys_fn)(Tz__SystemRecord *rec, void *arg);

static int sys_walk(struct tz_register *reg, MDB_txn *txn, sys_fn fn,
                    void *arg, struct tz_error *err)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, reg->systems, &cur);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "reading systems");
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Tz__SystemRecord *rec;
        if ((rc = sys_unpack(reg, &k, &v, &rec, err)) != 0 ||
            (rc = fn(rec, arg)) != 0)
            break;
    }
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = rl_mdb_fail(reg, err, mrc, "reading systems");
    mdb_cursor_close(cur);
    return rc;
}

/* The record may be stored: the ledger's field rules, and its department
 * exists. */
static int sys_check(struct tz_register *reg, MDB_txn *txn,
                     const Tz__SystemRecord *rec, struct tz_error *err)
{
    char why[LEDGER_WHY];
    if (ledger_record_check(rec, why, sizeof(why)) != 0) {
        reg->last_mdb = 0;
        return tz_err(err, TZ_EINVAL, NULL, 0, "%s", why);
    }
    MDB_val k = rl_mstr(rec->dept), v;
    int rc = rl_get(reg, txn, reg->depts, &k, &v, "reading depts", err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0,
                      "no department \"%s\" (add it with: tzctl dept add "
                      "NAME)", rec->dept);
    return rc;
}

struct name_probe {
    const char *dept, *name;
    uint64_t exclude, found;
};

static int probe_fn(Tz__SystemRecord *rec, void *arg)
{
    struct name_probe *p = arg;
    if (rec->system_id != p->exclude && strcmp(rec->dept, p->dept) == 0 &&
        strcmp(rec->name, p->name) == 0)
        p->found = rec->system_id;
    ledger_record_free(rec);
    return 0;
}

/* TZ_EEXIST when another system of dept has name. */
static int name_free(struct tz_register *reg, MDB_txn *txn,
                     const Tz__SystemRecord *rec, uint64_t exclude,
                     struct tz_error *err)
{
    struct name_probe p = {rec->dept, rec->name, exclude, 0};
    int rc = sys_walk(reg, txn, probe_fn, &p, err);
    if (rc == 0 && p.found)
        rc = tz_err(err, TZ_EEXIST, NULL, 0,
                    "%s already has a system named \"%s\" (id %" PRIu64 ")",
                    rec->dept, rec->name, p.found);
    return rc;
}

/* Store rec under the next id; *id gets it. */
static int add_new(struct tz_register *reg, MDB_txn *txn,
                   const Tz__SystemRecord *rec, int64_t now,
                   const struct register_actor *by, uint64_t *id,
                   struct tz_error *err)
{
    uint64_t next;
    int rc = rl_get_u64(reg, txn, "next_system_id", &next, err);
    if (rc == TZ_ENOENT) {
        next = 1;
        rc = 0;
    }
    if (rc == 0)
        rc = rl_put_u64(reg, txn, "next_system_id", next + 1, err);
    if (rc != 0)
        return rc;
    Tz__SystemRecord copy = *rec;
    copy.system_id = next;
    copy.created_at = now;
    copy.updated_at = now;
    copy.revision = 1;
    rc = sys_store(reg, txn, &copy, err);
    if (rc == 0)
        rc = rl_syshist_record(reg, txn, NULL, &copy, now, by, err);
    if (rc == 0)
        *id = next;
    return rc;
}

struct sys_add {
    const Tz__SystemRecord *in;
    int64_t now;
    const struct register_actor *by;
    uint64_t id;
};

static int add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                   struct tz_error *err)
{
    struct sys_add *a = arg;
    int rc = sys_check(reg, txn, a->in, err);
    if (rc == 0)
        rc = name_free(reg, txn, a->in, 0, err);
    if (rc == 0)
        rc = add_new(reg, txn, a->in, a->now, a->by, &a->id, err);
    if (rc == 0)
        rc = rl_systems_bump(reg, txn, err);
    return rc;
}

int register_system_add(struct tz_register *reg, const Tz__SystemRecord *in,
                        int64_t now, const struct register_actor *by,
                        uint64_t *id, struct tz_error *err)
{
    struct sys_add a = {in, now, by, 0};
    *id = 0;
    int rc = rl_write_txn(reg, add_txn, &a, err);
    if (rc == 0)
        *id = a.id;
    return rc;
}

struct sys_put {
    const Tz__SystemRecord *rec;
    int64_t now;
    uint64_t if_revision;
    const struct register_actor *by;
};

int rl_system_replace(struct tz_register *reg, MDB_txn *txn,
                      const Tz__SystemRecord *rec, int64_t now,
                      uint64_t if_revision, const struct register_actor *by,
                      struct tz_error *err)
{
    Tz__SystemRecord *old;
    int rc = sys_load(reg, txn, rec->system_id, &old, err);
    if (rc == TZ_ENOENT)
        return no_system(err, rec->system_id);
    if (rc != 0)
        return rc;
    if (if_revision && old->revision != if_revision) {
        ledger_record_free(old);
        reg->last_mdb = 0;
        return tz_err(err, TZ_ECHANGED, NULL, 0,
                      "system %" PRIu64 " was changed by someone else since "
                      "it was read: load it again", rec->system_id);
    }
    Tz__SystemRecord copy = *rec;
    copy.created_at = old->created_at;
    copy.updated_at = now;
    copy.revision = old->revision + 1;
    /* last_screening belongs to the screenings, not to whoever read the
     * record before the latest one was stored. */
    copy.last_screening = old->last_screening;
    rc = sys_check(reg, txn, &copy, err);
    if (rc == 0)
        rc = name_free(reg, txn, &copy, copy.system_id, err);
    if (rc == 0)
        rc = sys_store(reg, txn, &copy, err);
    if (rc == 0)
        rc = rl_syshist_record(reg, txn, old, &copy, now, by, err);
    if (rc == 0)
        rc = rl_systems_bump(reg, txn, err);
    ledger_record_free(old);
    return rc;
}

int rl_system_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                   Tz__SystemRecord **out, struct tz_error *err)
{
    int rc = sys_load(reg, txn, id, out, err);
    return rc == TZ_ENOENT ? no_system(err, id) : rc;
}

int rl_system_store(struct tz_register *reg, MDB_txn *txn,
                    const Tz__SystemRecord *rec, struct tz_error *err)
{
    return sys_store(reg, txn, rec, err);
}

static int put_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                   struct tz_error *err)
{
    struct sys_put *p = arg;
    return rl_system_replace(reg, txn, p->rec, p->now, p->if_revision, p->by,
                             err);
}

int register_system_put(struct tz_register *reg, const Tz__SystemRecord *rec,
                        int64_t now, uint64_t if_revision,
                        const struct register_actor *by,
                        struct tz_error *err)
{
    struct sys_put p = {rec, now, if_revision, by};
    return rl_write_txn(reg, put_txn, &p, err);
}

int register_system_get(struct tz_register *reg, uint64_t id,
                        Tz__SystemRecord **out, struct tz_error *err)
{
    MDB_txn *txn;
    *out = NULL;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = sys_load(reg, txn, id, out, err);
    mdb_txn_abort(txn);
    if (rc == TZ_ENOENT)
        no_system(err, id);
    return rc;
}

/* ---- lookups and walks ---- */

#define FIND_SHOWN 10  /* ids listed in an "ambiguous" message */

struct find {
    const char *name;
    uint64_t ids[FIND_SHOWN];
    size_t n;
};

static int find_fn(Tz__SystemRecord *rec, void *arg)
{
    struct find *f = arg;
    if (strcmp(rec->name, f->name) == 0) {
        if (f->n < FIND_SHOWN)
            f->ids[f->n] = rec->system_id;
        f->n++;
    }
    ledger_record_free(rec);
    return 0;
}

/* All decimal digits, no sign, fits 64 bits. */
static int parse_id(const char *s, uint64_t *id)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *id = v;
    return 1;
}

int register_system_find(struct tz_register *reg, const char *name_or_id,
                         uint64_t *id, struct tz_error *err)
{
    *id = 0;
    if (name_or_id == NULL || name_or_id[0] == '\0')
        return tz_err(err, TZ_EINVAL, NULL, 0, "no system named");
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    uint64_t want;
    if (parse_id(name_or_id, &want)) {
        Tz__SystemRecord *rec;
        rc = sys_load(reg, txn, want, &rec, err);
        mdb_txn_abort(txn);
        if (rc == TZ_ENOENT)
            return no_system(err, want);
        if (rc == 0) {
            ledger_record_free(rec);
            *id = want;
        }
        return rc;
    }
    struct find f = {.name = name_or_id};
    rc = sys_walk(reg, txn, find_fn, &f, err);
    mdb_txn_abort(txn);
    if (rc != 0)
        return rc;
    if (f.n == 0)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no system named \"%s\"",
                      name_or_id);
    if (f.n == 1) {
        *id = f.ids[0];
        return 0;
    }
    char list[FIND_SHOWN * 22 + 8] = "";
    size_t used = 0;
    for (size_t i = 0; i < f.n && i < FIND_SHOWN; i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used,
                                 "%s%" PRIu64, i ? ", " : "", f.ids[i]);
    if (f.n > FIND_SHOWN)
        snprintf(list + used, sizeof(list) - used, ", ...");
    return tz_err(err, TZ_EINVAL, NULL, 0,
                  "%zu systems are named \"%s\" (ids %s): give the id",
                  f.n, name_or_id, list);
}

struct each {
    const char *dept;
    register_system_cb cb;
    void *arg;
};

static int each_fn(Tz__SystemRecord *rec, void *arg)
{
    struct each *e = arg;
    int rc = 0;
    if (e->dept == NULL || strcmp(e->dept, rec->dept) == 0)
        rc = e->cb(rec, e->arg);
    ledger_record_free(rec);
    return rc;
}

int register_each_system(struct tz_register *reg, const char *dept,
                         register_system_cb cb, void *arg,
                         struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    struct each e = {dept, cb, arg};
    rc = sys_walk(reg, txn, each_fn, &e, err);
    mdb_txn_abort(txn);
    return rc;
}

/* ---- import: one transaction ---- */

struct pair {
    char *dept, *name;  /* owned for stored systems, borrowed for imports */
    uint64_t id;        /* stored system's id; 0 for an import row */
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->dept, y->dept);
    return c ? c : strcmp(x->name, y->name);
}

struct pairs {
    struct pair *v;
    size_t n, cap;
};

static int pairs_fn(Tz__SystemRecord *rec, void *arg)
{
    struct pairs *p = arg;
    int rc = 0;
    if (tz_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)) != 0) {
        rc = TZ_ENOMEM;
        goto out;
    }
    struct pair *e = &p->v[p->n];
    e->dept = strdup(rec->dept);
    e->name = strdup(rec->name);
    e->id = rec->system_id;
    if (e->dept == NULL || e->name == NULL) {
        free(e->dept);
        free(e->name);
        rc = TZ_ENOMEM;
        goto out;
    }
    p->n++;
out:
    ledger_record_free(rec);
    return rc;
}

struct import {
    Tz__SystemRecord **recs;
    size_t n;
    int64_t now;
    const struct register_actor *by;
    uint64_t *ids;
};

static int import_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    struct import *im = arg;
    struct pairs old = {0};
    struct pair *mine = calloc(im->n ? im->n : 1, sizeof(*mine));
    int rc = mine ? 0 : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < im->n; i++) {
        rc = sys_check(reg, txn, im->recs[i], err);
        if (rc != 0) {
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
            tz_err(err, rc, NULL, 0, "record %zu (%s): %s", i + 1,
                   im->recs[i]->name, msg);
        }
        mine[i].dept = im->recs[i]->dept;
        mine[i].name = im->recs[i]->name;
    }
    if (rc == 0)
        rc = sys_walk(reg, txn, pairs_fn, &old, err);
    if (rc == 0) {
        /* qsort and bsearch want a real array even for no elements */
        if (old.n)
            qsort(old.v, old.n, sizeof(*old.v), pair_cmp);
        if (im->n)
            qsort(mine, im->n, sizeof(*mine), pair_cmp);
        for (size_t i = 0; rc == 0 && i < im->n; i++) {
            const struct pair *hit =
                old.n ? bsearch(&mine[i], old.v, old.n, sizeof(*old.v),
                                pair_cmp)
                      : NULL;
            if (hit)
                rc = tz_err(err, TZ_EEXIST, NULL, 0,
                            "%s already has a system named \"%s\" (id "
                            "%" PRIu64 ")", hit->dept, hit->name, hit->id);
            else if (i > 0 && pair_cmp(&mine[i - 1], &mine[i]) == 0)
                rc = tz_err(err, TZ_EEXIST, NULL, 0,
                            "\"%s\" of %s is in the import twice",
                            mine[i].name, mine[i].dept);
        }
    }
    for (size_t i = 0; rc == 0 && i < im->n; i++)
        rc = add_new(reg, txn, im->recs[i], im->now, im->by, &im->ids[i], err);
    if (rc == 0)
        rc = rl_systems_bump(reg, txn, err);
    for (size_t i = 0; i < old.n; i++) {
        free(old.v[i].dept);
        free(old.v[i].name);
    }
    free(old.v);
    free(mine);
    if (rc == TZ_ENOMEM) {
        reg->last_mdb = 0;
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    return rc;
}

int rl_systems_add(struct tz_register *reg, MDB_txn *txn, Tz__SystemRecord **recs,
                   size_t n, int64_t now, const struct register_actor *by,
                   uint64_t *ids, struct tz_error *err)
{
    struct import im = {recs, n, now, by, ids};
    return import_txn(reg, txn, &im, err);
}

int register_systems_import(struct tz_register *reg, Tz__SystemRecord **recs,
                            size_t n, int64_t now,
                            const struct register_actor *by,
                            struct tz_error *err)
{
    uint64_t *ids = calloc(n ? n : 1, sizeof(*ids));
    if (ids == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    struct import im = {recs, n, now, by, ids};
    int rc = rl_write_txn(reg, import_txn, &im, err);
    if (rc == 0)
        for (size_t i = 0; i < n; i++) {
            recs[i]->system_id = ids[i];
            recs[i]->created_at = now;
            recs[i]->updated_at = now;
        }
    free(ids);
    return rc;
}

/* ---- explicit bindings ---- */

struct bind {
    uint64_t agent_id, system_id;
    const char *by;
    int64_t now;
};

/* The system host id is explicitly bound to, 0 when none. */
static int explicit_of(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                       uint64_t *system_id, struct tz_error *err)
{
    *system_id = 0;
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, 8), v;
    int rc = rl_get(reg, txn, reg->bindings, &k, &v, "reading bindings", err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    Tz__BindingRecord *b = rl_unpack(&tz__binding_record__descriptor, &v);
    if (b == NULL)
        return rl_corrupt(reg, err, "bindings", "(binding)");
    *system_id = b->system_id;
    protobuf_c_message_free_unpacked(&b->base, NULL);
    return 0;
}

/* "web01 (host 3)": how the ledger's history names a host. */
static void host_label(const Tz__AgentRecord *h, char *buf, size_t len)
{
    snprintf(buf, len, "%s (host %" PRIu64 ")",
             h->hostname && h->hostname[0] ? h->hostname : "?", h->agent_id);
}

static int bind_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                    struct tz_error *err)
{
    struct bind *b = arg;
    Tz__AgentRecord *host;
    int rc = rl_agent_load(reg, txn, b->agent_id, &host, err);
    if (rc == TZ_ENOENT)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no host with id %" PRIu64,
                      b->agent_id);
    if (rc != 0)
        return rc;
    Tz__SystemRecord *sys;
    rc = sys_load(reg, txn, b->system_id, &sys, err);
    if (rc == TZ_ENOENT)
        rc = no_system(err, b->system_id);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&host->base, NULL);
        return rc;
    }
    if (strcmp(sys->status, "retired") == 0) {
        ledger_record_free(sys);
        protobuf_c_message_free_unpacked(&host->base, NULL);
        reg->last_mdb = 0;
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "system %" PRIu64 " is retired: bind the host to the "
                      "system that replaced it", b->system_id);
    }
    Tz__BindingRecord rec = TZ__BINDING_RECORD__INIT;
    rec.system_id = b->system_id;
    rec.source = TZ__BINDING_SOURCE__BIND_EXPLICIT;
    rec.bound_at = b->now;
    rec.by = (char *)(b->by ? b->by : "");
    rec.host_dept = host->dept;
    rec.system_dept = sys->dept;
    uint8_t kb[8];
    rl_be64_put(kb, b->agent_id);
    MDB_val k = rl_mval(kb, 8);
    uint64_t before = 0;
    char label[TZ_MAX_NAME + 32];
    host_label(host, label, sizeof(label));
    int rc2 = explicit_of(reg, txn, b->agent_id, &before, err);
    const struct register_actor by = {b->by ? b->by : "", "tzctl"};
    if (rc2 == 0 && before && before != b->system_id)
        rc2 = rl_syshist_binding(reg, txn, before, 0, label, host->dept,
                                 b->now, &by, err);
    if (rc2 == 0 && before != b->system_id)
        rc2 = rl_syshist_binding(reg, txn, b->system_id, 1, label,
                                 host->dept, b->now, &by, err);
    if (rc2 == 0)
        rc2 = rl_put_msg(reg, txn, reg->bindings, &k, &rec.base,
                         "writing bindings", err);
    ledger_record_free(sys);
    protobuf_c_message_free_unpacked(&host->base, NULL);
    return rc2 ? rc2 : rl_systems_bump(reg, txn, err);
}

/* Recorded and shown later: the same rules as any name. */
static int operator_ok(const char *by, struct tz_error *err)
{
    if (by && (strlen(by) > TZ_MAX_NAME || !tz_utf8_valid(by)))
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "operator name must be UTF-8 of at most %d bytes",
                      TZ_MAX_NAME);
    for (const unsigned char *p = (const unsigned char *)(by ? by : "");
         *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return tz_err(err, TZ_EINVAL, NULL, 0,
                          "operator name contains a control character");
    return 0;
}

int register_bind(struct tz_register *reg, uint64_t agent_id,
                  uint64_t system_id, const char *by, int64_t now,
                  struct tz_error *err)
{
    int rc = operator_ok(by, err);
    if (rc != 0)
        return rc;
    struct bind b = {agent_id, system_id, by, now};
    return rl_write_txn(reg, bind_txn, &b, err);
}

static int unbind_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                      struct tz_error *err)
{
    const struct bind *b = arg;
    uint64_t before = 0;
    int rc = explicit_of(reg, txn, b->agent_id, &before, err);
    if (rc != 0)
        return rc;
    if (before == 0)
        return tz_err(err, TZ_ENOENT, NULL, 0,
                      "host %" PRIu64 " has no explicit binding", b->agent_id);
    Tz__AgentRecord *host;
    char label[TZ_MAX_NAME + 32];
    if ((rc = rl_agent_load(reg, txn, b->agent_id, &host, err)) != 0)
        return rc;
    host_label(host, label, sizeof(label));
    const struct register_actor by = {b->by ? b->by : "", "tzctl"};
    rc = rl_syshist_binding(reg, txn, before, 0, label, host->dept, b->now,
                            &by, err);
    protobuf_c_message_free_unpacked(&host->base, NULL);
    if (rc != 0)
        return rc;
    uint8_t kb[8];
    rl_be64_put(kb, b->agent_id);
    MDB_val k = rl_mval(kb, 8);
    int mrc = mdb_del(txn, reg->bindings, &k, NULL);
    if (mrc != 0)
        return rl_mdb_fail(reg, err, mrc, "writing bindings");
    return rl_systems_bump(reg, txn, err);
}

int register_unbind(struct tz_register *reg, uint64_t agent_id,
                    const char *by, int64_t now, struct tz_error *err)
{
    int rc = operator_ok(by, err);
    if (rc != 0)
        return rc;
    struct bind b = {agent_id, 0, by, now};
    return rl_write_txn(reg, unbind_txn, &b, err);
}

/* ---- resolution: explicit > config > match ---- */

/* The systems as matching needs them (system_index.h), kept per handle
 * between calls: rebuilding for every stored report was 93% of the
 * collector's time at 5,000 systems. Every write to systems or bindings
 * bumps meta "systems_version" in its transaction, so one mdb_get tells
 * whether the snapshot still is what this transaction sees, even when the
 * write came from another process (tzctl). refs keeps a snapshot alive while
 * a walk uses it, should a callback make the handle load a newer one. */
struct sys_snap {
    struct sys_index *ix;
    uint64_t version;
    int refs;
};

int rl_systems_bump(struct tz_register *reg, MDB_txn *txn,
                    struct tz_error *err)
{
    return rl_add_u64(reg, txn, "systems_version", 1, err);
}

static void snap_free(struct sys_snap *s)
{
    sys_index_free(s->ix);
    free(s);
}

void rl_systems_release(struct tz_register *reg)
{
    if (reg->sys_snap && reg->sys_snap->refs == 0)
        snap_free(reg->sys_snap);
    reg->sys_snap = NULL;
}

struct rec_list {
    Tz__SystemRecord **v;
    size_t n, cap;
};

static int collect_fn(Tz__SystemRecord *rec, void *arg)
{
    struct rec_list *l = arg;
    if (tz_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) != 0) {
        ledger_record_free(rec);
        return TZ_ENOMEM;
    }
    l->v[l->n++] = rec;
    return 0;
}

static int snap_acquire(struct tz_register *reg, MDB_txn *txn,
                        struct sys_snap **out, struct tz_error *err)
{
    uint64_t ver;
    int rc = rl_get_u64(reg, txn, "systems_version", &ver, err);
    if (rc == TZ_ENOENT)
        ver = 0;
    else if (rc != 0)
        return rc;
    struct sys_snap *s = reg->sys_snap;
    if (s && s->version == ver) {
        s->refs++;
        *out = s;
        return 0;
    }
    struct rec_list l = {0};
    rc = sys_walk(reg, txn, collect_fn, &l, err);
    struct sys_snap *ns = NULL;
    if (rc == 0) {
        ns = calloc(1, sizeof(*ns));
        rc = ns ? sys_index_build(l.v, l.n, &ns->ix) : TZ_ENOMEM;
        l.n = 0;  /* the index took them, or freed them */
    }
    for (size_t i = 0; i < l.n; i++)
        ledger_record_free(l.v[i]);
    free(l.v);
    if (rc != 0) {
        free(ns);
        if (rc == TZ_ENOMEM)
            tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        return rc;
    }
    ns->version = ver;
    ns->refs = 1;
    if (s && s->refs == 0)
        snap_free(s);       /* a snapshot still in use is freed by its release */
    reg->sys_snap = ns;
    *out = ns;
    return 0;
}

static void snap_release(struct tz_register *reg, struct sys_snap *s)
{
    if (s && --s->refs == 0 && s != reg->sys_snap)
        snap_free(s);
}

/* The agent config's system id, from the report's kind-0 record in hosts
 * (be64 agent_id + kind byte 0, written by apply_report in
 * register_lmdb_ingest.c); 0 when the host never reported. */
static int config_system(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                         uint64_t *sid, struct tz_error *err)
{
    uint8_t kb[9];
    rl_be64_put(kb, id);
    kb[8] = 0;
    MDB_val k = rl_mval(kb, 9), v;
    *sid = 0;
    int rc = rl_get(reg, txn, reg->hosts, &k, &v, "reading hosts", err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    Tz__Report *r = rl_unpack(&tz__report__descriptor, &v);
    if (r == NULL) {
        char key[40];
        snprintf(key, sizeof(key), "%" PRIu64 "/report", id);
        return rl_corrupt(reg, err, "hosts", key);
    }
    *sid = r->system_id;
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
}

/* The stored explicit binding of a host; TZ_ENOENT (no message) if none. */
static int explicit_load(struct tz_register *reg, MDB_txn *txn, uint64_t id,
                         Tz__BindingRecord **out, struct tz_error *err)
{
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, 8), v;
    *out = NULL;
    int rc = rl_get(reg, txn, reg->bindings, &k, &v, "reading bindings", err);
    if (rc != 0)
        return rc;
    Tz__BindingRecord *b = rl_unpack(&tz__binding_record__descriptor, &v);
    if (b == NULL) {
        char key[24];
        id_str(id, key);
        return rl_corrupt(reg, err, "bindings", key);
    }
    *out = b;
    return 0;
}

/* Read what the decision needs, and let system_bind.c decide. */
static int resolve(struct tz_register *reg, MDB_txn *txn,
                   const struct sys_index *c, const Tz__AgentRecord *host,
                   struct register_binding *out, struct tz_error *err)
{
    Tz__BindingRecord *b;
    uint64_t bound = 0;
    int rc = explicit_load(reg, txn, host->agent_id, &b, err);
    if (rc == 0) {
        bound = b->system_id;
        protobuf_c_message_free_unpacked(&b->base, NULL);
    } else if (rc != TZ_ENOENT) {
        return rc;
    }
    /* Kept in the agent record since it has config_known; older records
     * read it from the report: one B-tree search and unpack per host. */
    uint64_t conf = host->config_system_id;
    if (!host->config_known &&
        (rc = config_system(reg, txn, host->agent_id, &conf, err)) != 0)
        return rc;
    rc = sys_bind_resolve(c, host, bound, conf, out);
    if (rc == TZ_ENOMEM)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    return rc;
}

int register_binding_of(struct tz_register *reg, uint64_t agent_id,
                        struct register_binding *out, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    out->src = out->refused_src = TZ__BINDING_SOURCE__BIND_NONE;
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    Tz__AgentRecord *host = NULL;
    struct sys_snap *c = NULL;
    rc = rl_agent_load(reg, txn, agent_id, &host, err);
    if (rc == TZ_ENOENT)
        rc = tz_err(err, TZ_ENOENT, NULL, 0, "no host with id %" PRIu64,
                    agent_id);
    if (rc == 0)
        rc = snap_acquire(reg, txn, &c, err);
    if (rc == 0)
        rc = resolve(reg, txn, c->ix, host, out, err);
    snap_release(reg, c);
    if (host)
        protobuf_c_message_free_unpacked(&host->base, NULL);
    mdb_txn_abort(txn);
    return rc;
}

int register_host_binding(struct tz_register *reg, uint64_t agent_id,
                          uint64_t *system_id, Tz__BindingSource *src,
                          struct tz_error *err)
{
    struct register_binding b;
    int rc = register_binding_of(reg, agent_id, &b, err);
    *system_id = b.system_id;
    *src = b.src;
    return rc;
}

int register_explicit_binding(struct tz_register *reg, uint64_t agent_id,
                              Tz__BindingRecord **out, struct tz_error *err)
{
    MDB_txn *txn;
    *out = NULL;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    rc = explicit_load(reg, txn, agent_id, out, err);
    mdb_txn_abort(txn);
    return rc;
}

struct binding_walk {
    struct tz_register *reg;
    MDB_txn *txn;
    const struct sys_index *ix;
    const char *dept;
    register_binding_full_cb cb;
    void *arg;
    struct tz_error *err;
};

static int binding_walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct binding_walk *b = arg;
    const Tz__AgentRecord *host = (const Tz__AgentRecord *)m;
    if (b->dept && strcmp(b->dept, host->dept) != 0)
        return 0;
    struct register_binding rb;
    int rc = resolve(b->reg, b->txn, b->ix, host, &rb, b->err);
    return rc ? rc : b->cb(host, &rb, b->arg);
}

int register_each_binding(struct tz_register *reg, const char *dept,
                          register_binding_full_cb cb, void *arg,
                          struct tz_error *err)
{
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    struct sys_snap *c;
    if ((rc = snap_acquire(reg, txn, &c, err)) != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    struct binding_walk bw = {reg, txn, c->ix, dept, cb, arg, err};
    struct rl_walk w = {.dbi = reg->agents, .db = "agents",
                        .desc = &tz__agent_record__descriptor,
                        .check = rl_agent_key_check, .cb = binding_walk_cb,
                        .arg = &bw};
    rc = rl_walk_txn(reg, txn, &w, err);
    snap_release(reg, c);
    mdb_txn_abort(txn);
    return rc;
}

struct short_cb {
    register_binding_cb cb;
    void *arg;
};

static int short_fn(const Tz__AgentRecord *host,
                    const struct register_binding *b, void *arg)
{
    const struct short_cb *s = arg;
    return s->cb(host, b->system_id, b->src, s->arg);
}

int register_each_host_binding(struct tz_register *reg, const char *dept,
                               register_binding_cb cb, void *arg,
                               struct tz_error *err)
{
    struct short_cb s = {cb, arg};
    return register_each_binding(reg, dept, short_fn, &s, err);
}
