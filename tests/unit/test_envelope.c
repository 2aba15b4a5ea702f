/* Envelope and payload: sealing, opening, and each way a request is refused. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "pb_json.h"
#include "tz_limits.h"
#include "utf8.h"

static struct tz_keypair agent, collector, stranger;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    crypto_box_keypair(agent.pk, agent.sk);
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(stranger.pk, stranger.sk);
}

TestSuite(envelope, .init = setup);

static Tz__Report *sample_report(void)
{
    Tz__Report *r = malloc(sizeof(*r));
    tz__report__init(r);
    r->host = malloc(sizeof(*r->host));
    tz__host_section__init(r->host);
    r->host->hostname = strdup("web01.example.edu.cn");
    r->host->uptime_s = 12345;
    r->packages = malloc(sizeof(*r->packages));
    tz__packages_section__init(r->packages);
    r->packages->manager = strdup("dpkg");
    r->packages->n_packages = 2;
    r->packages->packages = calloc(2, sizeof(Tz__Package *));
    const char *names[] = {"nginx", "openssl"}, *vers[] = {"1.22.1-9", "3.0.11-1~deb12u2"};
    for (int i = 0; i < 2; i++) {
        Tz__Package *p = malloc(sizeof(*p));
        tz__package__init(p);
        p->name = strdup(names[i]);
        p->version = strdup(vers[i]);
        r->packages->packages[i] = p;
    }
    return r;
}

static void seal(const Tz__Report *r, uint64_t seq, const struct tz_keypair *from,
                 const uint8_t *to, uint8_t **msg, size_t *len)
{
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = (Tz__Report *)r;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, from, to, msg, len, &err), 0, "%s", err.msg);
}

Test(envelope, report_round_trips_through_protobuf)
{
    Tz__Report *r = sample_report();
    size_t len = tz__report__get_packed_size(r);
    uint8_t *buf = malloc(len);
    tz__report__pack(r, buf);
    Tz__Report *back = tz__report__unpack(NULL, len, buf);
    cr_assert_not_null(back);
    cr_assert_str_eq(back->host->hostname, "web01.example.edu.cn");
    cr_assert_eq(back->host->uptime_s, 12345);
    cr_assert_eq(back->packages->n_packages, 2);
    cr_assert_str_eq(back->packages->packages[1]->name, "openssl");
    cr_assert_str_eq(back->packages->packages[1]->version, "3.0.11-1~deb12u2");
    cr_assert_null(back->hardware);

    cJSON *j = pb_to_json(&back->base);
    cJSON *pk = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "packages"), "packages");
    cr_assert_eq(cJSON_GetArraySize(pk), 2);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(pk, 0), "name")->valuestring,
                     "nginx");
    cr_assert_null(cJSON_GetObjectItem(j, "hardware"), "absent section must be omitted");
    cJSON_Delete(j);
    tz__report__free_unpacked(back, NULL);
    free(buf);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(envelope, sealed_report_opens_with_collector_key)
{
    Tz__Report *r = sample_report();
    uint8_t *msg;
    size_t len;
    seal(r, 42, &agent, collector.pk, &msg, &len);
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__OK, "%s", o.detail);
    cr_assert(o.have_pk);
    cr_assert_eq(memcmp(o.agent_pk, agent.pk, 32), 0);
    cr_assert_eq(o.payload->seq, 42);
    cr_assert_str_eq(o.payload->report->host->hostname, "web01.example.edu.cn");
    envelope_opened_free(&o);
    free(msg);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(envelope, forged_box_is_forged)
{
    Tz__Report *r = sample_report();
    uint8_t *msg;
    size_t len;
    seal(r, 1, &agent, collector.pk, &msg, &len);
    msg[len - 5] ^= 0x40;   /* inside the box's ciphertext */
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__FORGED);
    cr_assert_not(o.have_pk, "a forged box must not earn a sealed reply");
    cr_assert_null(o.payload);
    free(msg);

    /* Sealed for another collector: also does not open here. */
    seal(r, 1, &agent, stranger.pk, &msg, &len);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__FORGED);
    free(msg);

    /* Claims agent's key but was sealed with the stranger's secret. */
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = 1;
    p.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    p.heartbeat = &hb;
    struct tz_keypair impostor = {0};
    memcpy(impostor.pk, agent.pk, 32);
    memcpy(impostor.sk, stranger.sk, 32);
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, &impostor, collector.pk, &msg, &len, &err), 0);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__FORGED);
    free(msg);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(envelope, oversized_message_is_too_large)
{
    size_t len = TZ_MAX_MSG + 1;
    uint8_t *msg = calloc(1, len);
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__TOO_LARGE);
    cr_assert(strstr(o.detail, "exceeds") != NULL);
    free(msg);
}

Test(envelope, garbage_is_malformed_and_wrong_version_is_bad_version)
{
    uint8_t junk[64];
    memset(junk, 0xff, sizeof(junk));
    struct envelope_opened o;
    envelope_open(junk, sizeof(junk), TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__MALFORMED);

    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = 99;
    uint8_t buf[64];
    size_t len = tz__envelope__pack(&env, buf);
    envelope_open(buf, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__BAD_VERSION);

    env.version = TZ_PROTO_VERSION;   /* right version, no key or nonce */
    len = tz__envelope__pack(&env, buf);
    envelope_open(buf, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__MALFORMED);
}

Test(envelope, over_long_string_is_invalid)
{
    Tz__Report *r = sample_report();
    free(r->host->hostname);
    r->host->hostname = malloc(TZ_MAX_NAME + 2);
    memset(r->host->hostname, 'a', TZ_MAX_NAME + 1);
    r->host->hostname[TZ_MAX_NAME + 1] = '\0';
    uint8_t *msg;
    size_t len;
    seal(r, 1, &agent, collector.pk, &msg, &len);
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__INVALID);
    cr_assert(strstr(o.detail, "host.hostname") != NULL, "%s", o.detail);
    free(msg);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(envelope, seq_zero_is_invalid)
{
    Tz__Report *r = sample_report();
    uint8_t *msg;
    size_t len;
    seal(r, 0, &agent, collector.pk, &msg, &len);
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__INVALID);
    free(msg);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(envelope, replies_authenticate_only_when_sealed_by_the_pinned_key)
{
    Tz__Ack ack = TZ__ACK__INIT;
    ack.status = TZ__STATUS__OK;
    ack.seq = 7;
    ack.detail = "stored";
    uint8_t *msg;
    size_t len;
    struct tz_error err = {0};
    Tz__Ack *got = NULL;
    int auth = -1;

    cr_assert_eq(reply_seal(&ack, agent.pk, &collector, &msg, &len, &err), 0);
    cr_assert_eq(reply_open(msg, len, &agent, collector.pk, &got, &auth, &err), 0);
    cr_assert_eq(auth, 1);
    cr_assert_eq(got->seq, 7);
    cr_assert_eq(got->status, TZ__STATUS__OK);
    tz__ack__free_unpacked(got, NULL);
    /* The same sealed reply, checked against another pinned key, is refused. */
    cr_assert_eq(reply_open(msg, len, &agent, stranger.pk, &got, &auth, &err),
                 TZ_ECRYPTO);
    free(msg);

    cr_assert_eq(reply_seal(&ack, NULL, &collector, &msg, &len, &err), 0);
    cr_assert_eq(reply_open(msg, len, &agent, collector.pk, &got, &auth, &err), 0);
    cr_assert_eq(auth, 0, "a plain reply is never authenticated");
    tz__ack__free_unpacked(got, NULL);
    free(msg);

    uint8_t junk[] = {0xff, 0xff, 0xff};
    cr_assert_eq(reply_open(junk, sizeof(junk), &agent, collector.pk, &got, &auth,
                            &err), TZ_EPROTO);
}

/* crypto_box has one key for both ways: only the label inside tells a
 * request from an answer. An Ack box sent back to the collector as a
 * request, and a Payload box sent to the agent as an answer, are refused. */
Test(envelope, a_box_reflected_at_its_sender_is_refused_by_the_direction_label)
{
    /* Ack{status, seq}: decodes as a Payload field for field. */
    Tz__Ack ack = TZ__ACK__INIT;
    ack.status = TZ__STATUS__OK;
    ack.seq = 1700000000123u;
    uint8_t *msg;
    size_t len;
    struct tz_error err = {0};
    cr_assert_eq(reply_seal(&ack, agent.pk, &collector, &msg, &len, &err), 0);
    Tz__Reply *r = tz__reply__unpack(NULL, len, msg);
    cr_assert_not_null(r);
    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = TZ_PROTO_VERSION;
    env.agent_pk.data = agent.pk;
    env.agent_pk.len = TZ_KEY_LEN;
    env.nonce = r->nonce;
    env.box = r->box;
    size_t elen = tz__envelope__get_packed_size(&env);
    uint8_t *e = malloc(elen);
    tz__envelope__pack(&env, e);
    struct envelope_opened o;
    envelope_open(e, elen, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__MALFORMED, "%s: %s", tz_status_name(o.status),
                 o.detail);
    cr_assert(strstr(o.detail, "direction") != NULL, "%s", o.detail);
    envelope_opened_free(&o);
    tz__reply__free_unpacked(r, NULL);
    free(e);
    free(msg);

    /* A heartbeat Payload: decodes as an Ack field for field. */
    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = TZ__STATUS__OK;
    p.sent_at = 1700000000;
    p.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    p.heartbeat = &hb;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &msg, &len, &err), 0);
    Tz__Envelope *pe = tz__envelope__unpack(NULL, len, msg);
    cr_assert_not_null(pe);
    Tz__Reply back = TZ__REPLY__INIT;
    back.version = TZ_PROTO_VERSION;
    back.nonce = pe->nonce;
    back.box = pe->box;
    size_t blen = tz__reply__get_packed_size(&back);
    uint8_t *b = malloc(blen);
    tz__reply__pack(&back, b);
    Tz__Ack *got = NULL;
    int auth = -1;
    cr_assert_eq(reply_open(b, blen, &agent, collector.pk, &got, &auth, &err), TZ_EPROTO,
                 "our own request opened as an answer (status %d, auth %d)",
                 got ? (int)got->status : -1, auth);
    cr_assert_eq(auth, 0);
    cr_assert(strstr(err.msg, "direction") != NULL, "%s", err.msg);
    tz__envelope__free_unpacked(pe, NULL);
    free(b);
    free(msg);
}

Test(envelope, broken_utf8_is_invalid_on_the_wire_and_repaired_by_the_agent)
{
    Tz__Report *r = sample_report();
    free(r->host->hostname);
    r->host->hostname = strdup("lab\xff\xfe-\xe4\xb8\xad");   /* 0xff 0xfe invalid, 中 valid */
    uint8_t *msg;
    size_t len;
    seal(r, 1, &agent, collector.pk, &msg, &len);
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__INVALID);
    free(msg);

    cr_assert_eq(tz_pb_repair_text(&r->base), 2);
    cr_assert_str_eq(r->host->hostname, "lab?" "?-\xe4\xb8\xad");
    seal(r, 1, &agent, collector.pk, &msg, &len);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__OK, "%s", o.detail);
    envelope_opened_free(&o);
    free(msg);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    cr_assert_not(tz_utf8_valid("\xc0\xaf"), "overlong");
    cr_assert_not(tz_utf8_valid("\xed\xa0\x80"), "surrogate");
    cr_assert_not(tz_utf8_valid("\xf4\x90\x80\x80"), "above U+10FFFF");
    cr_assert(tz_utf8_valid("网络信息中心 ok"));
}

Test(envelope, out_of_bounds_account_and_listener_fields_are_invalid)
{
    Tz__Report *r = sample_report();
    Tz__ListenersSection ls = TZ__LISTENERS_SECTION__INIT;
    Tz__Listener l = TZ__LISTENER__INIT;
    Tz__Listener *lp = &l;
    l.proto = "tcp";
    l.port = 70000;
    ls.n_listeners = 1;
    ls.listeners = &lp;
    r->listeners = &ls;
    uint8_t *msg;
    size_t len;
    struct envelope_opened o;
    seal(r, 1, &agent, collector.pk, &msg, &len);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__INVALID);
    cr_assert(strstr(o.detail, "listener port") != NULL, "%s", o.detail);
    free(msg);
    r->listeners = NULL;

    Tz__AccountsSection as = TZ__ACCOUNTS_SECTION__INIT;
    Tz__Account a = TZ__ACCOUNT__INIT, *ap = &a;
    a.name = "bob";
    char *rules[TZ_MAX_SMALL_LIST + 1];
    for (int i = 0; i <= TZ_MAX_SMALL_LIST; i++)
        rules[i] = "bob ALL=(ALL) NOPASSWD: ALL";
    a.n_nopasswd_rules = TZ_MAX_SMALL_LIST + 1;
    a.nopasswd_rules = rules;
    as.n_accounts = 1;
    as.accounts = &ap;
    r->accounts = &as;
    seal(r, 1, &agent, collector.pk, &msg, &len);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__INVALID);
    cr_assert(strstr(o.detail, "nopasswd_rules") != NULL, "%s", o.detail);
    free(msg);

    a.n_nopasswd_rules = 1;                 /* back within bounds: accepted */
    seal(r, 1, &agent, collector.pk, &msg, &len);
    envelope_open(msg, len, TZ_MAX_MSG, &collector, &o);
    cr_assert_eq(o.status, TZ__STATUS__OK, "%s", o.detail);
    envelope_opened_free(&o);
    free(msg);
    r->accounts = NULL;
    protobuf_c_message_free_unpacked(&r->base, NULL);
}
