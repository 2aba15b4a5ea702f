/* register_lmdb_screenings — pre-launch screenings, review decisions and
 * screening requests in LMDB (the "pre-launch screening" part of
 * collector/register.h).
 *
 * Databases:
 *   screenings  be64 screening_id → Screening (with the data it judged)
 *   screenidx   be64 system_id, be64 screening_id → ScreeningSummary, so
 *               a system's list never unpacks the stored reports
 *   reviews     be64 system_id, be64 review_id → Review
 *   screenreq   be64 request_id → ScreeningRequest
 * Ids come from meta "next_screening_id", "next_review_id" and
 * "next_screening_request_id". A screening and its index row, and a review
 * with the system record it changes and the requests it closes, are each
 * written in one transaction: a decision without its ledger change cannot
 * commit. */
#include "register.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ledger_fields.h"
#include "register_lmdb.h"

static int next_id(struct tz_register *reg, MDB_txn *txn, const char *key,
                   uint64_t *id, struct tz_error *err)
{
    uint64_t next = 1;
    int rc = rl_get_u64(reg, txn, key, &next, err);
    if (rc == TZ_ENOENT) {
        next = 1;
        rc = 0;
    }
    if (rc == 0)
        rc = rl_put_u64(reg, txn, key, next + 1, err);
    if (rc == 0)
        *id = next;
    return rc;
}

static void pair_key(uint8_t k[16], uint64_t a, uint64_t b)
{
    rl_be64_put(k, a);
    rl_be64_put(k + 8, b);
}

void screening_summary_of(const Tz__Screening *s, Tz__ScreeningSummary *out)
{
    tz__screening_summary__init(out);
    out->screening_id = s->screening_id;
    out->system_id = s->system_id;
    out->at = s->at;
    out->by = s->by;
    out->fresh = s->fresh;
    out->scanned = s->scan && s->scan->ran;
    out->hosts = (uint32_t)s->n_hosts;
    for (size_t i = 0; i < s->n_hosts; i++)
        out->not_answered += s->hosts[i] && !s->hosts[i]->answered;
    if (s->result) {
        out->passed = s->result->passed;
        out->blocking_failed = s->result->blocking_failed;
        out->advisory_failed = s->result->advisory_failed;
        out->not_checked = s->result->not_checked;
        out->checker_version = s->result->checker_version;
    }
}

/* ---- screenings ---- */

struct scr_add {
    const Tz__Screening *in;
    uint64_t id;
};

static int scr_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                       struct tz_error *err)
{
    struct scr_add *a = arg;
    Tz__SystemRecord *sys;
    int rc = rl_system_load(reg, txn, a->in->system_id, &sys, err);
    if (rc != 0)
        return rc;
    uint64_t id = 0;
    rc = next_id(reg, txn, "next_screening_id", &id, err);
    Tz__Screening copy = *a->in;
    copy.screening_id = id;
    Tz__ScreeningSummary sum;
    screening_summary_of(&copy, &sum);
    uint8_t kb[8], ib[16];
    rl_be64_put(kb, id);
    pair_key(ib, copy.system_id, id);
    MDB_val k = rl_mval(kb, sizeof(kb)), ik = rl_mval(ib, sizeof(ib));
    if (rc == 0)
        rc = rl_put_msg_flags(reg, txn, reg->screenings, &k, &copy.base,
                              MDB_NOOVERWRITE, "writing screenings", err);
    if (rc == 0)
        rc = rl_put_msg(reg, txn, reg->screenidx, &ik, &sum.base,
                        "writing the screenings index", err);
    if (rc == 0) {
        /* Not a ledger edit: no revision, no history, so an editor's form
         * read before the screening still saves. */
        Tz__ScreeningSummary *keep = sys->last_screening;
        sys->last_screening = &sum;
        rc = rl_system_store(reg, txn, sys, err);
        sys->last_screening = keep;
    }
    if (rc == 0)
        rc = rl_systems_bump(reg, txn, err);
    ledger_record_free(sys);
    if (rc == 0)
        a->id = id;
    return rc;
}

int register_screening_add(struct tz_register *reg, const Tz__Screening *in,
                           uint64_t *id, struct tz_error *err)
{
    *id = 0;
    if (in->result == NULL)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "a screening is stored with its result");
    struct scr_add a = {in, 0};
    int rc = rl_write_txn(reg, scr_add_txn, &a, err);
    if (rc == 0)
        *id = a.id;
    return rc;
}

int register_screening_get(struct tz_register *reg, uint64_t id,
                           Tz__Screening **out, struct tz_error *err)
{
    *out = NULL;
    if (reg->absent & RL_ABSENT_SCREENINGS)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no screening with id %" PRIu64, id);
    MDB_txn *txn;
    int rc = rl_read_begin(reg, &txn, err);
    if (rc != 0)
        return rc;
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, sizeof(kb)), v;
    rc = rl_get(reg, txn, reg->screenings, &k, &v, "reading screenings", err);
    if (rc == TZ_ENOENT) {
        rc = tz_err(err, TZ_ENOENT, NULL, 0, "no screening with id %" PRIu64, id);
    } else if (rc == 0) {
        Tz__Screening *s = rl_unpack(&tz__screening__descriptor, &v);
        if (s == NULL || s->screening_id != id) {
            char key[24];
            snprintf(key, sizeof(key), "%" PRIu64, id);
            if (s)
                tz__screening__free_unpacked(s, NULL);
            rc = rl_corrupt(reg, err, "screenings", key);
        } else {
            *out = s;
        }
    }
    mdb_txn_abort(txn);
    return rc;
}

/* A value under a (system_id, id) key names that system and that id. */
static int pair_ok(const MDB_val *k, uint64_t sys, uint64_t id, char *keyname,
                   size_t len)
{
    if (k->mv_size != 16) {
        snprintf(keyname, len, "(bad key)");
        return 0;
    }
    uint64_t ks = rl_be64_get(k->mv_data), ki = rl_be64_get((const uint8_t *)k->mv_data + 8);
    snprintf(keyname, len, "%" PRIu64 "/%" PRIu64, ks, ki);
    return ks == sys && ki == id;
}

static int idx_check(const ProtobufCMessage *m, const MDB_val *k,
                     char *keyname, size_t len)
{
    const Tz__ScreeningSummary *s = (const Tz__ScreeningSummary *)m;
    return pair_ok(k, s->system_id, s->screening_id, keyname, len);
}

struct cb_walk {
    int (*cb)(const void *rec, void *arg);
    void *arg;
};

static int walk_cb(const ProtobufCMessage *m, void *arg)
{
    const struct cb_walk *w = arg;
    return w->cb(m, w->arg);
}

int register_each_screening(struct tz_register *reg, uint64_t system_id,
                            register_screening_cb cb, void *arg,
                            struct tz_error *err)
{
    if (reg->absent & RL_ABSENT_SCREENINGS)
        return 0;
    uint8_t kb[16];
    pair_key(kb, system_id, 0);
    struct cb_walk cw = {(int (*)(const void *, void *))cb, arg};
    struct rl_walk w = {.dbi = reg->screenidx, .db = "screenidx",
                        .start = kb, .start_len = sizeof(kb), .prefix_len = 8,
                        .desc = &tz__screening_summary__descriptor,
                        .check = idx_check, .cb = walk_cb, .arg = &cw};
    return rl_walk(reg, &w, err);
}

/* ---- review decisions ---- */

struct rev_add {
    const Tz__Review *in;
    const Tz__SystemRecord *sys;
    uint64_t if_revision;
    int64_t now;
    const struct register_actor *by;
    uint64_t id;
};

/* Close every open request of system_id with review id. */
static int close_requests(struct tz_register *reg, MDB_txn *txn,
                          uint64_t system_id, uint64_t review, int64_t now,
                          struct tz_error *err)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, reg->screenreq, &cur);
    if (rc != 0)
        return rl_mdb_fail(reg, err, rc, "opening screening requests");
    MDB_val k, v;
    int op = MDB_FIRST;
    while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        Tz__ScreeningRequest *r = rl_unpack(&tz__screening_request__descriptor, &v);
        if (r == NULL || k.mv_size != 8 || r->request_id != rl_be64_get(k.mv_data)) {
            if (r)
                tz__screening_request__free_unpacked(r, NULL);
            mdb_cursor_close(cur);
            return rl_corrupt(reg, err, "screenreq", "(a request)");
        }
        if (r->system_id == system_id && r->review_id == 0) {
            r->review_id = review;
            r->closed_at = now;
            /* A copy of the key: the cursor's points into the map. */
            uint8_t kb[8];
            memcpy(kb, k.mv_data, 8);
            MDB_val kk = rl_mval(kb, 8);
            rc = rl_put_msg(reg, txn, reg->screenreq, &kk, &r->base,
                            "closing a screening request", err);
            if (rc != 0) {
                tz__screening_request__free_unpacked(r, NULL);
                mdb_cursor_close(cur);
                return rc;
            }
        }
        tz__screening_request__free_unpacked(r, NULL);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rl_mdb_fail(reg, err, rc, "reading screening requests");
}

static int rev_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                       struct tz_error *err)
{
    struct rev_add *a = arg;
    uint64_t id = 0;
    int rc = next_id(reg, txn, "next_review_id", &id, err);
    if (rc != 0)
        return rc;
    Tz__Review rev = *a->in;
    rev.review_id = id;
    Tz__SystemRecord sys = *a->sys;
    Tz__Prelaunch pl = TZ__PRELAUNCH__INIT;
    if (sys.prelaunch)
        pl = *sys.prelaunch;
    pl.review_id = id;
    sys.prelaunch = &pl;
    rc = rl_system_replace(reg, txn, &sys, a->now, a->if_revision, a->by, err);
    uint8_t kb[16];
    pair_key(kb, rev.system_id, id);
    MDB_val k = rl_mval(kb, sizeof(kb));
    if (rc == 0)
        rc = rl_put_msg_flags(reg, txn, reg->reviews, &k, &rev.base,
                              MDB_NOOVERWRITE, "writing reviews", err);
    if (rc == 0)
        rc = close_requests(reg, txn, rev.system_id, id, a->now, err);
    if (rc == 0)
        a->id = id;
    return rc;
}

int register_review_add(struct tz_register *reg, const Tz__Review *in,
                        const Tz__SystemRecord *sys, uint64_t if_revision,
                        int64_t now, const struct register_actor *by,
                        uint64_t *id, struct tz_error *err)
{
    *id = 0;
    if (sys->system_id != in->system_id)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "a review of system %" PRIu64 " cannot change system %" PRIu64,
                      in->system_id, sys->system_id);
    struct rev_add a = {in, sys, if_revision, now, by, 0};
    int rc = rl_write_txn(reg, rev_add_txn, &a, err);
    if (rc == 0)
        *id = a.id;
    return rc;
}

static int rev_check(const ProtobufCMessage *m, const MDB_val *k,
                     char *keyname, size_t len)
{
    const Tz__Review *r = (const Tz__Review *)m;
    return pair_ok(k, r->system_id, r->review_id, keyname, len);
}

int register_each_review(struct tz_register *reg, uint64_t system_id,
                         register_review_cb cb, void *arg,
                         struct tz_error *err)
{
    uint8_t kb[16];
    pair_key(kb, system_id, 0);
    struct cb_walk cw = {(int (*)(const void *, void *))cb, arg};
    struct rl_walk w = {.dbi = reg->reviews, .db = "reviews",
                        .start = kb, .start_len = sizeof(kb), .prefix_len = 8,
                        .desc = &tz__review__descriptor,
                        .check = rev_check, .cb = walk_cb, .arg = &cw};
    return rl_walk(reg, &w, err);
}

/* ---- screening requests (上线申请) ---- */

struct req_open {
    uint64_t system_id;
    uint64_t found;
};

static int req_open_cb(const ProtobufCMessage *m, void *arg)
{
    const Tz__ScreeningRequest *r = (const Tz__ScreeningRequest *)m;
    struct req_open *o = arg;
    if (r->system_id == o->system_id && r->review_id == 0) {
        o->found = r->request_id;
        return 1;
    }
    return 0;
}

static int req_check(const ProtobufCMessage *m, const MDB_val *k,
                     char *keyname, size_t len)
{
    uint64_t id = k->mv_size == 8 ? rl_be64_get(k->mv_data) : 0;
    snprintf(keyname, len, "%" PRIu64, id);
    return k->mv_size == 8 && ((const Tz__ScreeningRequest *)m)->request_id == id;
}

struct req_add {
    const Tz__ScreeningRequest *in;
    uint64_t id;
};

static int req_add_txn(struct tz_register *reg, MDB_txn *txn, void *arg,
                       struct tz_error *err)
{
    struct req_add *a = arg;
    Tz__SystemRecord *sys;
    int rc = rl_system_load(reg, txn, a->in->system_id, &sys, err);
    if (rc != 0)
        return rc;
    int retired = strcmp(sys->status, "retired") == 0;
    ledger_record_free(sys);
    if (retired) {
        reg->last_mdb = 0;
        return tz_err(err, TZ_EINVAL, NULL, 0, "system %" PRIu64 " is retired",
                      a->in->system_id);
    }
    struct req_open o = {a->in->system_id, 0};
    struct rl_walk w = {.dbi = reg->screenreq, .db = "screenreq",
                        .desc = &tz__screening_request__descriptor,
                        .check = req_check, .cb = req_open_cb, .arg = &o};
    rc = rl_walk_txn(reg, txn, &w, err);
    if (rc < 0 || (rc != 0 && rc != 1))
        return rc;
    if (o.found) {
        reg->last_mdb = 0;
        return tz_err(err, TZ_EEXIST, NULL, 0,
                      "system %" PRIu64 " already has an open screening "
                      "request (%" PRIu64 ")", a->in->system_id, o.found);
    }
    uint64_t id = 0;
    rc = next_id(reg, txn, "next_screening_request_id", &id, err);
    Tz__ScreeningRequest r = *a->in;
    r.request_id = id;
    r.review_id = 0;
    r.closed_at = 0;
    uint8_t kb[8];
    rl_be64_put(kb, id);
    MDB_val k = rl_mval(kb, sizeof(kb));
    if (rc == 0)
        rc = rl_put_msg_flags(reg, txn, reg->screenreq, &k, &r.base,
                              MDB_NOOVERWRITE, "writing screening requests", err);
    if (rc == 0)
        a->id = id;
    return rc;
}

int register_screening_request_add(struct tz_register *reg,
                                   const Tz__ScreeningRequest *in,
                                   uint64_t *id, struct tz_error *err)
{
    *id = 0;
    struct req_add a = {in, 0};
    int rc = rl_write_txn(reg, req_add_txn, &a, err);
    if (rc == 0)
        *id = a.id;
    return rc;
}

struct req_each {
    const char *dept;
    int open_only;
    register_request_cb cb;
    void *arg;
};

static int req_each_cb(const ProtobufCMessage *m, void *arg)
{
    const Tz__ScreeningRequest *r = (const Tz__ScreeningRequest *)m;
    const struct req_each *e = arg;
    if (e->dept && strcmp(e->dept, r->dept) != 0)
        return 0;
    if (e->open_only && r->review_id != 0)
        return 0;
    return e->cb(r, e->arg);
}

int register_each_screening_request(struct tz_register *reg, const char *dept,
                                    int open_only, register_request_cb cb,
                                    void *arg, struct tz_error *err)
{
    if (reg->absent & RL_ABSENT_SCREENINGS)
        return 0;
    struct req_each e = {dept, open_only, cb, arg};
    struct rl_walk w = {.dbi = reg->screenreq, .db = "screenreq",
                        .desc = &tz__screening_request__descriptor,
                        .check = req_check, .cb = req_each_cb, .arg = &e};
    return rl_walk(reg, &w, err);
}
