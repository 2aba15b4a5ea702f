/* session — enroll, deliver reports as deltas, recover from NEED_FULL and
 * UNKNOWN_AGENT. */
#include "session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect_host.h"
#include "envelope.h"
#include "sections.h"
#include "transport.h"
#include "utf8.h"

int session_exchange(const struct agent_config *cfg, struct agent_state *st,
                     Tz__Payload *p, Tz__Ack **ack, struct tz_error *err)
{
    *ack = NULL;
    p->sent_at = (int64_t)time(NULL);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    int rc = envelope_seal(p, &st->kp, cfg->collector_pk, &msg, &len, err);
    if (rc != 0)
        return rc;
    rc = transport_request(cfg->collectors, cfg->n_collectors,
                           cfg->timeout_s * 1000, msg, len, &reply, &rlen, err);
    free(msg);
    if (rc != 0)
        return rc;
    int authenticated = 0;
    Tz__Ack *a = NULL;
    rc = reply_open(reply, rlen, &st->kp, cfg->collector_pk, &a, &authenticated, err);
    free(reply);
    if (rc != 0)
        return rc;
    if (!authenticated) {
        /* A plain reply cannot prove where it came from; only report it. */
        rc = tz_err(err, TZ_EPROTO, NULL, 0,
                    "collector could not open our message (%s: %s); check "
                    "collector_key", tz_status_name(a->status), a->detail);
        protobuf_c_message_free_unpacked(&a->base, NULL);
        return rc;
    }
    /* Our own seq already stored (a resend after a lost reply): that is
     * success, since a seq is never reused for other content. */
    if (a->status == TZ__STATUS__REPLAY && a->last_seq == p->seq)
        a->status = TZ__STATUS__OK;
    if (a->seq != p->seq) {
        rc = tz_err(err, TZ_EPROTO, NULL, 0, "collector answered seq %" PRIu64
                    " for seq %" PRIu64, a->seq, p->seq);
        protobuf_c_message_free_unpacked(&a->base, NULL);
        return rc;
    }
    *ack = a;
    return 0;
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
    if (ack->status != TZ__STATUS__OK) {
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
    if (ack->status != TZ__STATUS__OK)
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
    if (rc != 0)
        goto fail;
    /* What the collector now holds is the base of the next delta. */
    for (size_t i = 0; i < r->n_hashes; i++)
        agent_state_set_hash(st, r->hashes[i]->kind, r->hashes[i]->hash.data,
                             r->hashes[i]->hash.len);
    return agent_state_save(st, err);
fail:
    /* Only an authenticated refusal of this report is final; no answer, an
     * answer we cannot trust (wrong pinned key), a failed enrollment or a
     * collector out of space may all be cured later, and the spool keeps
     * the report meanwhile. */
    *retry = status == 0 || status == TZ__STATUS__STORAGE_ERROR ||
             status == TZ__STATUS__UNKNOWN_AGENT;
    return rc;
}
