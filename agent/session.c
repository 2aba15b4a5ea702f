/* session — enroll, deliver reports as deltas, recover from NEED_FULL and
 * UNKNOWN_AGENT; say plainly when the key was revoked (REVOKED). */
#include "session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "collect_host.h"
#include "envelope.h"
#include "sections.h"
#include "transport.h"
#include "tz_limits.h"
#include "utf8.h"

/* A refusal that may name seq 0: the collector refused the request before
 * its register read the seq (collectors before this one answered every
 * refusal at open, INVALID for a field it does not know among them, with
 * seq 0). Not OK nor REPLAY: those say what is stored under a seq. */
static int refusal_at_open(const Tz__Ack *a)
{
    return a->seq == 0 && a->status != TZ__STATUS__OK &&
           a->status != TZ__STATUS__REPLAY;
}

/* Is a the answer to the request just sent as p? Bound to the request id,
 * not only to the seq: a NEED_FULL resend reuses its seq, and an Ack
 * recorded from the first send must not pass for the answer to the second.
 * The request id is what binds: 16 random bytes fresh for this send, inside
 * a box only the collector's key seals (reply_open checked that), so a
 * recorded or forged Ack cannot carry it. A refusal with seq 0 and this
 * request id is therefore this send's refusal; ignoring it sent the same
 * bytes again on every retry, refused again, the spool stuck behind it. */
static int answers(const Tz__Ack *a, const Tz__Payload *p, struct tz_error *err)
{
    if (a->request_id.len != TZ_REQUEST_ID_LEN ||
        sodium_memcmp(a->request_id.data, p->request_id.data, TZ_REQUEST_ID_LEN) != 0)
        return tz_err(err, TZ_EPROTO, NULL, 0, "collector reply answers another "
                      "request (request id differs): ignored, as if none came");
    if (a->seq != p->seq && !refusal_at_open(a))
        return tz_err(err, TZ_EPROTO, NULL, 0, "collector answered seq %" PRIu64
                      " for seq %" PRIu64, a->seq, p->seq);
    return 0;
}

/* One send of p under a fresh request id and the epoch we know; *ack is set
 * only for an authenticated answer to this very send. */
static int exchange_once(const struct agent_config *cfg, struct agent_state *st,
                         Tz__Payload *p, Tz__Ack **ack, struct tz_error *err)
{
    *ack = NULL;
    uint8_t rid[TZ_REQUEST_ID_LEN];
    randombytes_buf(rid, sizeof(rid));
    p->request_id.data = rid;
    p->request_id.len = sizeof(rid);
    p->epoch = st->epoch;
    p->sent_at = (int64_t)time(NULL);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    int rc = envelope_seal(p, &st->kp, cfg->collector_pk, &msg, &len, err);
    if (rc != 0)
        goto out;
    rc = transport_request(cfg->collectors, cfg->n_collectors,
                           cfg->timeout_s * 1000, msg, len, &reply, &rlen, err);
    free(msg);
    if (rc != 0)
        goto out;
    int authenticated = 0;
    Tz__Ack *a = NULL;
    rc = reply_open(reply, rlen, &st->kp, cfg->collector_pk, &a, &authenticated, err);
    free(reply);
    if (rc != 0)
        goto out;
    if (!authenticated) {
        /* A plain reply cannot prove where it came from; only report it. */
        rc = tz_err(err, TZ_EPROTO, NULL, 0,
                    "collector could not open our message (%s: %s); check "
                    "collector_key", tz_status_name(a->status), a->detail);
        protobuf_c_message_free_unpacked(&a->base, NULL);
        goto out;
    }
    if ((rc = answers(a, p, err)) != 0) {
        protobuf_c_message_free_unpacked(&a->base, NULL);
        goto out;
    }
    /* Our own seq already stored (a resend after a lost reply): that is
     * success, since a seq is never reused for other content. */
    if (a->status == TZ__STATUS__REPLAY && a->last_seq == p->seq)
        a->status = TZ__STATUS__OK;
    if (a->epoch != 0 && a->epoch != st->epoch) {
        /* A new register (first contact, or restored from a backup): what
         * we send from now on names it. */
        st->epoch = a->epoch;
        if ((rc = agent_state_save(st, err)) != 0) {
            protobuf_c_message_free_unpacked(&a->base, NULL);
            goto out;
        }
    }
    *ack = a;
out:
    p->request_id.data = NULL;   /* rid is gone with this frame */
    p->request_id.len = 0;
    return rc;
}

int session_exchange(const struct agent_config *cfg, struct agent_state *st,
                     Tz__Payload *p, Tz__Ack **ack, struct tz_error *err)
{
    uint64_t sent_epoch = st->epoch;
    int rc = exchange_once(cfg, st, p, ack, err);
    /* STALE_EPOCH stored nothing, and its Ack taught us the register's
     * epoch: the same payload (same seq, nothing under it was stored) goes
     * once more under that epoch. A copy recorded with the old epoch stays
     * refused. Once: a second refusal is the caller's to see. */
    if (rc == 0 && (*ack)->status == TZ__STATUS__STALE_EPOCH && st->epoch != sent_epoch) {
        protobuf_c_message_free_unpacked(&(*ack)->base, NULL);
        rc = exchange_once(cfg, st, p, ack, err);
    }
    return rc;
}

int session_enroll(const struct agent_config *cfg, struct agent_state *st,
                   uint64_t seq, struct tz_error *err)
{
    if (cfg->enroll_token[0] == '\0')
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "this agent is not enrolled: set enroll_token in the config "
                      "or pass --enroll-token (tzctl token create --dept NAME)");
    int rc = 0;
    if (seq == 0 && (rc = agent_state_next_seq(st, &seq, err)) != 0)
        return rc;
    Tz__HostSection *h = NULL;
    struct tz_error herr = {0};
    if (collect_host(cfg->root, &h, &herr) != 0)
        h = NULL;   /* enrollment works without a hostname; reports carry it */
    else
        tz_pb_repair_text(&h->base);   /* as report.c does: the collector checks */
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)cfg->enroll_token;
    if (h) {
        en.hostname = h->hostname;
        en.machine_id = h->machine_id;
    }
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    Tz__Ack *ack = NULL;
    rc = session_exchange(cfg, st, &p, &ack, err);
    if (h)
        protobuf_c_message_free_unpacked(&h->base, NULL);
    if (rc != 0)
        return rc;
    if (ack->status == TZ__STATUS__REVOKED) {
        st->revoked = 1;
        rc = tz_err(err, TZ_EPERM, NULL, 0, "enrollment refused (revoked): %s; this "
                    "key stays refused, enroll a new one: tz-agent --once "
                    "--enroll-token TOKEN --reenroll", ack->detail);
    } else if (ack->status != TZ__STATUS__OK) {
        rc = tz_err(err, TZ_EPERM, NULL, 0, "enrollment refused (%s): %s",
                    tz_status_name(ack->status), ack->detail);
    } else {
        st->agent_id = ack->agent_id;
        snprintf(st->dept, sizeof(st->dept), "%s", ack->dept);
        agent_state_forget_hashes(st);   /* a new register has no base */
        rc = agent_state_save(st, err);
        if (rc == 0)
            fprintf(stderr, "tz-agent: enrolled as agent %" PRIu64 " in %s\n",
                    st->agent_id, st->dept);
    }
    protobuf_c_message_free_unpacked(&ack->base, NULL);
    return rc;
}

/* The hash r carries for a section kind, or NULL. */
static const ProtobufCBinaryData *hash_of(const Tz__Report *r, int kind)
{
    for (size_t i = 0; i < r->n_hashes; i++)
        if ((int)r->hashes[i]->kind == kind)
            return &r->hashes[i]->hash;
    return NULL;
}

/* Send r with the sections the collector already has left out (when delta),
 * as seq. *status is the collector's answer. */
static int send_report(const struct agent_config *cfg, struct agent_state *st,
                       const Tz__Report *r, uint64_t seq, int delta, int *status,
                       struct tz_error *err)
{
    *status = 0;   /* no answer to this send (yet): not the last send's */
    Tz__Report copy = *r;   /* shallow: only section slots change */
    int left_out = 0;
    for (int kind = TZ_SECTION_FIRST; delta && kind <= TZ_SECTION_LAST; kind++) {
        const ProtobufCBinaryData *h = hash_of(r, kind);
        if (h && agent_state_hash_matches(st, kind, h->data, h->len)) {
            *tz_section_slot(&copy, kind) = NULL;
            left_out++;
        }
    }
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = &copy;
    Tz__Ack *ack = NULL;
    int rc = session_exchange(cfg, st, &p, &ack, err);
    if (rc != 0)
        return rc;
    *status = ack->status;
    if (ack->status == TZ__STATUS__REVOKED)
        rc = tz_err(err, TZ_EPROTO, NULL, 0, "%s", ack->detail);
    else if (ack->status != TZ__STATUS__OK)
        rc = tz_err(err, TZ_EPROTO, NULL, 0, "report refused (%s): %s",
                    tz_status_name(ack->status), ack->detail);
    protobuf_c_message_free_unpacked(&ack->base, NULL);
    return rc;
}

int session_deliver(const struct agent_config *cfg, struct agent_state *st,
                    const Tz__Report *r, uint64_t seq, int *retry,
                    struct tz_error *err)
{
    *retry = 0;
    int rc = 0, status = 0;
    /* Enrolling just below seq keeps every spooled report after it valid. */
    if (st->agent_id == 0 && (rc = session_enroll(cfg, st, seq - 1, err)) != 0)
        goto fail;
    rc = send_report(cfg, st, r, seq, 1, &status, err);
    if (rc != 0 && status == TZ__STATUS__NEED_FULL) {
        /* The collector lacks a base we left out: nothing was stored under
         * seq, so the same seq carries the full report. */
        memset(err, 0, sizeof(*err));
        agent_state_forget_hashes(st);
        rc = send_report(cfg, st, r, seq, 0, &status, err);
    }
    if (rc != 0 && status == TZ__STATUS__UNKNOWN_AGENT && cfg->enroll_token[0]) {
        fprintf(stderr, "tz-agent: collector does not know this agent; "
                        "enrolling again\n");
        memset(err, 0, sizeof(*err));
        st->agent_id = 0;
        if ((rc = session_enroll(cfg, st, seq - 1, err)) == 0)
            rc = send_report(cfg, st, r, seq, 0, &status, err);
    }
    if (rc != 0 && status == TZ__STATUS__REVOKED) {
        /* Not this report's fault: every report would meet the same
         * answer. Keep them all for the new key. */
        st->revoked = 1;
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        rc = tz_err(err, TZ_EPERM, NULL, 0, "the collector refuses this agent's key "
                    "(revoked: %s); nothing is stored under it any more and reports "
                    "stay in the spool until a new key is enrolled: tz-agent --once "
                    "--enroll-token TOKEN --reenroll", why);
    }
    if (rc != 0)
        goto fail;
    /* What the collector now holds is the base of the next delta. */
    for (size_t i = 0; i < r->n_hashes; i++)
        agent_state_set_hash(st, r->hashes[i]->kind, r->hashes[i]->hash.data,
                             r->hashes[i]->hash.len);
    return agent_state_save(st, err);
fail:
    /* Only an authenticated refusal of this report is final; no answer, an
     * answer we cannot trust (wrong pinned key, another request's), a failed
     * enrollment, a collector out of space or restored twice meanwhile
     * (STALE_EPOCH again) may all be cured later, and the spool keeps the
     * report meanwhile. A revoked key (REVOKED) is not cured by waiting but
     * by a new key: not a retry, and not this report's refusal either
     * (st->revoked says so; delivery keeps the spool). An agent over the
     * collector's limits (OVER_QUOTA) is cured by waiting: it backs off
     * and keeps its spool rather than lose or hammer. */
    *retry = !st->revoked &&
             (status == 0 || status == TZ__STATUS__STORAGE_ERROR ||
              status == TZ__STATUS__OVER_QUOTA ||
              status == TZ__STATUS__UNKNOWN_AGENT || status == TZ__STATUS__STALE_EPOCH);
    return rc;
}
