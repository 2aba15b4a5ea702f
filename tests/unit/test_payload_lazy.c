/* payload_lazy: the split Payload equals the whole decode, and the register
 * decodes a carried section only when its bytes changed, checking it then. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "ingest.h"
#include "payload_lazy.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_test.h"

/* ---- building payload bytes ---- */

struct fixture {
    Tz__HostSection host;
    Tz__Package pk[3], *pp[3];
    Tz__PackagesSection pkgs;
    Tz__SectionHash sh, *shp[1];
    uint8_t hash[32];
    Tz__Report r;
    Tz__Payload p;
};

static void fixture(struct fixture *f, uint64_t seq, const char *version)
{
    memset(f, 0, sizeof(*f));
    tz__host_section__init(&f->host);
    f->host.hostname = "lab02.example.edu.cn";
    f->host.uptime_s = 1234;
    static const char *names[] = {"bash", "libc6", "openssl"};
    for (int i = 0; i < 3; i++) {
        tz__package__init(&f->pk[i]);
        f->pk[i].name = (char *)names[i];
        f->pk[i].version = (char *)version;
        f->pp[i] = &f->pk[i];
    }
    tz__packages_section__init(&f->pkgs);
    f->pkgs.manager = "dpkg";
    f->pkgs.n_packages = 3;
    f->pkgs.packages = f->pp;
    tz__section_hash__init(&f->sh);
    f->sh.kind = TZ__SECTION_KIND__SECTION_PACKAGES;
    memset(f->hash, 7, sizeof(f->hash));
    f->sh.hash.data = f->hash;
    f->sh.hash.len = sizeof(f->hash);
    f->shp[0] = &f->sh;
    tz__report__init(&f->r);
    f->r.host = &f->host;
    f->r.packages = &f->pkgs;
    f->r.n_hashes = 1;
    f->r.hashes = f->shp;
    f->r.agent_version = "test";
    f->r.collected_at = 99;
    tz__payload__init(&f->p);
    f->p.seq = seq;
    f->p.direction = TZ__DIRECTION__AGENT_TO_COLLECTOR;   /* sealed by hand below */
    f->p.sent_at = 5;
    f->p.body_case = TZ__PAYLOAD__BODY_REPORT;
    f->p.report = &f->r;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*len ? *len : 1);
    cr_assert_not_null(b);
    protobuf_c_message_pack(m, b);
    return b;
}

/* Packed bytes of the split payload with its sections put back. */
static uint8_t *rejoined(Tz__Payload *p, const struct tz_lazy_sections *lz, size_t *len)
{
    if (p->body_case == TZ__PAYLOAD__BODY_REPORT) {
        for (int k = TZ_SECTION_FIRST; k <= TZ_SECTION_LAST; k++) {
            if ((lz->present & (1u << k)) == 0)
                continue;
            ProtobufCMessage *m;
            char detail[160];
            cr_assert_eq(payload_section_decode(lz, k, &m, detail, sizeof(detail)),
                         TZ__STATUS__OK, "%s", detail);
            *tz_section_slot(p->report, k) = m;
        }
    }
    return pack(&p->base, len);
}

/* The split of buf, rejoined, packs to what the whole decode packs to. */
static void same_as_whole(const uint8_t *buf, size_t len, int want_lazy)
{
    struct arena *a = arena_new();
    Tz__Payload *p;
    struct tz_lazy_sections lz;
    cr_assert_eq(payload_split(buf, len, a, &p, &lz, NULL, NULL), 0);
    cr_assert_eq(lz.present != 0, want_lazy, "present %#x", lz.present);
    if (want_lazy)
        for (int k = TZ_SECTION_FIRST; k <= TZ_SECTION_LAST; k++)
            cr_assert_null(tz_section_get(p->report, k), "section %d left decoded", k);
    size_t l1, l2;
    uint8_t *b1 = rejoined(p, &lz, &l1);
    Tz__Payload *whole = tz__payload__unpack(NULL, len, buf);
    cr_assert_not_null(whole);
    uint8_t *b2 = pack(&whole->base, &l2);
    cr_assert_eq(l1, l2);
    cr_assert_eq(memcmp(b1, b2, l1), 0);
    tz__payload__free_unpacked(whole, NULL);
    free(b1);
    free(b2);
    arena_free(a);
}

Test(payload_lazy, canonical_report_leaves_sections_encoded)
{
    struct fixture f;
    fixture(&f, 3, "1.0");
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);

    struct arena *a = arena_new();
    Tz__Payload *p;
    struct tz_lazy_sections lz;
    cr_assert_eq(payload_split(buf, len, a, &p, &lz, NULL, NULL), 0);
    cr_assert_eq(lz.present, (1u << TZ__SECTION_KIND__SECTION_HOST) |
                                 (1u << TZ__SECTION_KIND__SECTION_PACKAGES));
    cr_assert_eq(p->seq, 3);
    cr_assert_eq(p->body_case, TZ__PAYLOAD__BODY_REPORT);
    cr_assert_null(p->report->host);
    cr_assert_null(p->report->packages);
    cr_assert_eq(p->report->n_hashes, 1, "the report's own fields are decoded");
    cr_assert_str_eq(p->report->agent_version, "test");
    cr_assert_eq(p->report->collected_at, 99);

    /* The encoded section is exactly the section's own packing. */
    size_t hl;
    uint8_t *hb = pack(&f.pkgs.base, &hl);
    cr_assert_eq(lz.len[TZ__SECTION_KIND__SECTION_PACKAGES], hl);
    cr_assert_eq(memcmp(lz.data[TZ__SECTION_KIND__SECTION_PACKAGES], hb, hl), 0);
    free(hb);
    ProtobufCMessage *m;
    char detail[160];
    cr_assert_eq(payload_section_decode(&lz, TZ__SECTION_KIND__SECTION_PACKAGES, &m,
                                        detail, sizeof(detail)),
                 TZ__STATUS__OK, "%s", detail);
    cr_assert_eq(((Tz__PackagesSection *)m)->n_packages, 3);
    cr_assert_eq(payload_section_decode(&lz, TZ__SECTION_KIND__SECTION_SSH, &m, detail,
                                        sizeof(detail)),
                 TZ__STATUS__MALFORMED, "a section the report did not carry");
    arena_free(a);
    same_as_whole(buf, len, 1);
    free(buf);
}

Test(payload_lazy, unusual_shapes_take_the_whole_decode)
{
    struct fixture f;
    fixture(&f, 3, "1.0");
    size_t len;
    uint8_t *one = pack(&f.p.base, &len);

    /* The payload twice: protobuf merges the report, and its sections. */
    uint8_t *twice = malloc(2 * len);
    memcpy(twice, one, len);
    memcpy(twice + len, one, len);
    same_as_whole(twice, 2 * len, 0);
    free(twice);

    /* A report and an enroll body: the oneof keeps the last. */
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = "tz_x";
    Tz__Payload pe = TZ__PAYLOAD__INIT;
    pe.seq = 3;
    pe.body_case = TZ__PAYLOAD__BODY_ENROLL;
    pe.enroll = &en;
    size_t el;
    uint8_t *eb = pack(&pe.base, &el);
    uint8_t *both = malloc(len + el);
    memcpy(both, one, len);
    memcpy(both + len, eb, el);
    same_as_whole(both, len + el, 0);
    memcpy(both, eb, el);
    memcpy(both + el, one, len);
    same_as_whole(both, len + el, 0);
    free(both);
    free(eb);

    /* No report at all. */
    size_t hl;
    uint8_t *hb = pack(&pe.base, &hl);
    same_as_whole(hb, hl, 0);
    free(hb);

    /* Cut short anywhere: never a crash, and -1 exactly when the whole
     * decode fails too. */
    for (size_t cut = 0; cut < len; cut++) {
        struct arena *a = arena_new();
        Tz__Payload *p;
        struct tz_lazy_sections lz;
        int rc = payload_split(one, cut, a, &p, &lz, NULL, NULL);
        Tz__Payload *whole = tz__payload__unpack(NULL, cut, one);
        cr_assert_eq(rc == 0, whole != NULL, "cut at %zu", cut);
        if (whole)
            tz__payload__free_unpacked(whole, NULL);
        arena_free(a);
    }
    free(one);
}

Test(payload_lazy, bad_sections_are_caught_when_decoded)
{
    struct fixture f;
    fixture(&f, 3, "1.0");
    char longname[TZ_MAX_NAME + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    f.host.hostname = longname;
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);
    struct arena *a = arena_new();
    Tz__Payload *p;
    struct tz_lazy_sections lz;
    cr_assert_eq(payload_split(buf, len, a, &p, &lz, NULL, NULL), 0);
    ProtobufCMessage *m;
    char detail[160];
    cr_assert_eq(payload_section_decode(&lz, TZ__SECTION_KIND__SECTION_HOST, &m, detail,
                                        sizeof(detail)),
                 TZ__STATUS__INVALID);
    cr_assert(strstr(detail, "host.hostname"), "%s", detail);

    /* A section whose bytes do not decode. */
    lz.len[TZ__SECTION_KIND__SECTION_PACKAGES] = 1;
    cr_assert_eq(payload_section_decode(&lz, TZ__SECTION_KIND__SECTION_PACKAGES, &m,
                                        detail, sizeof(detail)),
                 TZ__STATUS__MALFORMED);
    cr_assert(strstr(detail, "packages"), "%s", detail);
    arena_free(a);
    free(buf);
}

/* ---- through ingest and the register ---- */

static char *dir;
static struct tz_register *reg;
static struct tz_keypair collector, agent;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    dir = tz_test_tmpdir("lazy");
    struct tz_error err = {0};
    char token[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "物理学院", 1, &err), 0, "%s", err.msg);
    cr_assert_eq(register_token_create(reg, "物理学院", 1, token, &err), 0);
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(agent.pk, agent.sk);
    tz_test_ingest_enroll(reg, &collector, &agent, token, 10);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

/* Seal payload bytes as they are (envelope_seal packs a message). */
static uint8_t *seal_bytes(const uint8_t *plain, size_t plen, size_t *len)
{
    uint8_t nonce[crypto_box_NONCEBYTES];
    randombytes_buf(nonce, sizeof(nonce));
    uint8_t *box = malloc(plen + crypto_box_MACBYTES);
    cr_assert_eq(crypto_box_easy(box, plain, plen, nonce, collector.pk, agent.sk), 0);
    Tz__Envelope e = TZ__ENVELOPE__INIT;
    e.version = TZ_PROTO_VERSION;
    e.agent_pk.data = agent.pk;
    e.agent_pk.len = sizeof(agent.pk);
    e.nonce.data = nonce;
    e.nonce.len = sizeof(nonce);
    e.box.data = box;
    e.box.len = plen + crypto_box_MACBYTES;
    uint8_t *out = pack(&e.base, len);
    free(box);
    return out;
}

static int send_bytes(const uint8_t *plain, size_t plen, char *detail, size_t dlen)
{
    struct ingest_req req = {0};
    uint8_t *msg = seal_bytes(plain, plen, &req.len);
    req.msg = msg;
    struct tz_error err = {0};
    cr_assert_eq(ingest_process(reg, &collector, &req, 1, TZ_MAX_MSG, 20, &err), 0);
    Tz__Ack *ack = NULL;
    int auth = 0;
    cr_assert_eq(reply_open(req.reply, req.reply_len, &agent, collector.pk, &ack, &auth,
                            &err), 0);
    cr_assert(auth);
    snprintf(detail, dlen, "%s", ack->detail);
    int st = (int)ack->status;
    tz__ack__free_unpacked(ack, NULL);
    free(req.reply);
    free(msg);
    return st;
}

static int send_report(uint64_t seq, const char *version, char *detail, size_t dlen)
{
    struct fixture f;
    fixture(&f, seq, version);
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);
    int st = send_bytes(buf, len, detail, dlen);
    free(buf);
    return st;
}

static char *stored_version(void)
{
    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, 1, &rec, &rep, &err), 0, "%s", err.msg);
    cr_assert_not_null(rep->packages);
    char *v = strdup(rep->packages->packages[0]->version);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    protobuf_c_message_free_unpacked(&rep->base, NULL);
    return v;
}

TestSuite(lazy_ingest, .init = setup, .fini = teardown);

Test(lazy_ingest, unchanged_sections_are_kept_and_changed_ones_stored)
{
    char d[160];
    cr_assert_eq(send_report(2, "1.0", d, sizeof(d)), TZ__STATUS__OK, "%s", d);
    cr_assert_eq(send_report(3, "1.0", d, sizeof(d)), TZ__STATUS__OK, "%s", d);
    char *v = stored_version();
    cr_assert_str_eq(v, "1.0");
    free(v);
    /* The same listed hash, different bytes: the bytes decide. */
    cr_assert_eq(send_report(4, "1.1", d, sizeof(d)), TZ__STATUS__OK, "%s", d);
    v = stored_version();
    cr_assert_str_eq(v, "1.1");
    free(v);
}

Test(lazy_ingest, a_changed_section_that_does_not_decode_refuses_the_report)
{
    char d[160];
    cr_assert_eq(send_report(2, "1.0", d, sizeof(d)), TZ__STATUS__OK, "%s", d);

    struct fixture f;
    fixture(&f, 3, "2.0");
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);
    /* Payload{seq, sent_at, report{host, packages{...}}}: turn the first
     * package's tag inside the packages section into a group start, which
     * nothing decodes, without changing any length. */
    size_t pl;
    uint8_t *pb = pack(&f.pkgs.base, &pl);
    uint8_t *at = memmem(buf, len, pb, pl);
    cr_assert_not_null(at);
    size_t pkg_at = 1 + 1 + strlen("dpkg");   /* after manager = "dpkg" */
    cr_assert_eq(at[pkg_at], (2 << 3) | 2, "packages field tag");
    at[pkg_at] = (2 << 3) | 3;
    free(pb);
    cr_assert_eq(send_bytes(buf, len, d, sizeof(d)), TZ__STATUS__MALFORMED, "%s", d);
    cr_assert(strstr(d, "packages"), "%s", d);
    free(buf);
    char *v = stored_version();
    cr_assert_str_eq(v, "1.0", "nothing of the refused report is stored");
    free(v);
    /* The seq was not used up: the agent's next report with it is fine. */
    cr_assert_eq(send_report(3, "2.0", d, sizeof(d)), TZ__STATUS__OK, "%s", d);
}

Test(lazy_ingest, a_changed_section_out_of_bounds_is_invalid)
{
    char d[160];
    cr_assert_eq(send_report(2, "1.0", d, sizeof(d)), TZ__STATUS__OK, "%s", d);
    struct fixture f;
    fixture(&f, 3, "1.0");
    char longv[TZ_MAX_NAME + 2];
    memset(longv, 'v', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    f.pk[1].version = longv;
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);
    cr_assert_eq(send_bytes(buf, len, d, sizeof(d)), TZ__STATUS__INVALID, "%s", d);
    cr_assert(strstr(d, "package.version"), "%s", d);
    free(buf);
}

/* ---- pb_wire: what the walker refuses, protobuf-c refuses too ---- */

#include "pb_wire.h"

static int walk_all(const uint8_t *b, size_t len)
{
    size_t pos = 0;
    struct pb_field f;
    int r;
    while ((r = pb_wire_next(b, len, &pos, &f)) == 1)
        ;
    return r;
}

Test(pb_wire, takes_what_protobuf_c_takes_and_no_more)
{
    /* field 1 varint 1; field 2 bytes "ab"; field 5 fixed32 */
    const uint8_t ok[] = {0x08, 0x01, 0x12, 0x02, 'a', 'b', 0x2d, 1, 2, 3, 4};
    cr_assert_eq(walk_all(ok, sizeof(ok)), 0);
    size_t pos = 0;
    struct pb_field f;
    cr_assert_eq(pb_wire_next(ok, sizeof(ok), &pos, &f), 1);
    cr_assert_eq(f.num, 1);
    cr_assert_eq(f.varint, 1);
    cr_assert_eq(pb_wire_next(ok, sizeof(ok), &pos, &f), 1);
    cr_assert_eq(f.num, 2);
    cr_assert_eq(f.vlen, 2);
    cr_assert_eq(ok[f.vstart], 'a');

    /* A tag of 9 bytes (a field number over 32 bits): found by fuzz_envelope,
     * protobuf-c refuses it, so must we. */
    const uint8_t bigtag[] = {0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2b, 0x08};
    cr_assert_eq(walk_all(bigtag, sizeof(bigtag)), -1);
    cr_assert_null(tz__envelope__unpack(NULL, sizeof(bigtag), bigtag));
    /* A 6-byte length prefix. */
    const uint8_t longlen[] = {0x12, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00, 'a', 'b'};
    cr_assert_eq(walk_all(longlen, sizeof(longlen)), -1);
    cr_assert_null(tz__envelope__unpack(NULL, sizeof(longlen), longlen));
    /* Truncated value, a group, field number 0. */
    const uint8_t trunc[] = {0x12, 0x05, 'a'};
    cr_assert_eq(walk_all(trunc, sizeof(trunc)), -1);
    const uint8_t group[] = {0x0b, 0x0c};
    cr_assert_eq(walk_all(group, sizeof(group)), -1);
    const uint8_t zero[] = {0x00, 0x01};
    cr_assert_eq(walk_all(zero, sizeof(zero)), -1);

    uint8_t vb[10];
    cr_assert_eq(pb_wire_put_varint(vb, 300), 2);
    cr_assert_eq(vb[0], 0xac);
    cr_assert_eq(vb[1], 0x02);
}

/* ---- box_lazy: verified whole, decrypted where asked, same bytes ---- */

#include "box_lazy.h"

Test(box_lazy, any_ranges_decrypt_to_what_crypto_box_opens)
{
    cr_assert(sodium_init() >= 0);
    uint8_t key[32], nonce[24];
    randombytes_buf(key, sizeof(key));
    static const size_t sizes[] = {0, 1, 31, 32, 33, 63, 64, 95, 96, 97, 1000, 81234};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        uint8_t *m = malloc(n + 1), *box = malloc(n + 16), *want = malloc(n + 1);
        randombytes_buf(m, n);
        randombytes_buf(nonce, sizeof(nonce));
        cr_assert_eq(crypto_box_easy_afternm(box, m, n, nonce, key), 0);
        cr_assert_eq(crypto_box_open_easy_afternm(want, box, n + 16, nonce, key), 0);

        struct box_lazy b;
        cr_assert_eq(box_lazy_open(&b, box, n + 16, nonce, key), 0);
        cr_assert_eq(b.len, n);
        /* Random pieces first (nothing else decrypted: still ciphertext),
         * then everything; each byte must match the whole open. */
        for (int k = 0; k < 20 && n > 0; k++) {
            size_t a = randombytes_uniform((uint32_t)n);
            size_t z = a + randombytes_uniform((uint32_t)(n - a)) + 1;
            box_lazy_need(&b, a, z);
            cr_assert_eq(memcmp(b.m + a, want + a, z - a), 0, "size %zu [%zu,%zu)", n, a,
                         z);
        }
        box_lazy_need(&b, 0, n);
        cr_assert(n == 0 || memcmp(b.m, want, n) == 0, "size %zu", n);
        box_lazy_free(&b);

        /* Nothing is decrypted that was not asked for. */
        if (n > 1000) {
            cr_assert_eq(box_lazy_open(&b, box, n + 16, nonce, key), 0);
            box_lazy_need(&b, 0, 10);
            cr_assert_eq(memcmp(b.m, want, 10), 0);
            for (size_t j = (500 + 32) / 64; j <= (900 + 32) / 64; j++)
                cr_assert_eq(b.done[j], 0, "block %zu was never asked for", j);
            box_lazy_free(&b);
        }
        /* A flipped bit anywhere: refused before anything is decrypted. */
        if (n > 0) {
            box[16 + randombytes_uniform((uint32_t)n)] ^= 1;
            cr_assert_eq(box_lazy_open(&b, box, n + 16, nonce, key), -1);
            cr_assert_null(b.m);
        }
        box[0] ^= 0x80;   /* the tag itself */
        cr_assert_eq(box_lazy_open(&b, box, n + 16, nonce, key), -1);
        free(m);
        free(box);
        free(want);
    }
    struct box_lazy b;
    cr_assert_eq(box_lazy_open(&b, nonce, 15, nonce, key), -1, "shorter than a tag");
}

/* The listed hash equal to the stored one: the section is neither decrypted
 * nor decoded (a delta's trust); a different listed hash: it is. */
Test(lazy_ingest, a_section_listed_unchanged_is_not_even_decoded)
{
    char d[160];
    struct fixture f;
    fixture(&f, 2, "1.0");
    size_t pl;
    uint8_t *pb = pack(&f.pkgs.base, &pl);
    crypto_generichash(f.hash, sizeof(f.hash), pb, pl, NULL, 0);   /* the real hash */
    size_t len;
    uint8_t *buf = pack(&f.p.base, &len);
    cr_assert_eq(send_bytes(buf, len, d, sizeof(d)), TZ__STATUS__OK, "%s", d);
    free(buf);

    /* seq 3: same listed hash, packages section bytes that do not decode. */
    f.p.seq = 3;
    buf = pack(&f.p.base, &len);
    uint8_t *at = memmem(buf, len, pb, pl);
    cr_assert_not_null(at);
    size_t pkg_at = 1 + 1 + strlen("dpkg");
    at[pkg_at] = (2 << 3) | 3;   /* a group start: nothing decodes it */
    cr_assert_eq(send_bytes(buf, len, d, sizeof(d)), TZ__STATUS__OK,
                 "listed unchanged, so not looked at: %s", d);
    /* seq 4: the same bytes with a listed hash that differs: decoded, refused. */
    f.hash[0] ^= 1;
    f.p.seq = 4;
    free(buf);
    buf = pack(&f.p.base, &len);
    at = memmem(buf, len, pb, pl);
    cr_assert_not_null(at);
    at[pkg_at] = (2 << 3) | 3;
    cr_assert_eq(send_bytes(buf, len, d, sizeof(d)), TZ__STATUS__MALFORMED, "%s", d);
    free(buf);
    free(pb);
    char *v = stored_version();
    cr_assert_str_eq(v, "1.0");
    free(v);
}
