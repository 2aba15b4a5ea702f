/* fuzz_ingest — batches of hostile requests through ingest_process into a
 * real LMDB register (made once per process in $TMPDIR).
 *
 * The input is split at "\n--\n" into up to 8 requests. The first byte of
 * each picks how the rest becomes a request:
 *   mode 0  raw wire bytes (anyone on the network)
 *   mode 1  the bytes sealed as the Payload plaintext by the "chaos" agent or
 *           by a stranger (compromised agent choosing its own seq)
 *   mode 2  the bytes decoded as a Payload, seq replaced by a rising counter,
 *           sealed by an enrolled agent
 *   mode 3  the bytes decoded as a Report, wrapped in a Payload with a rising
 *           seq, sealed by an enrolled agent: these get stored, which is what
 *           drives register_put_batch with hostile-but-valid reports.
 * Modes 2 and 3 fall back to mode 1 when the bytes do not decode. Every
 * request must get a reply, and a sealed reply must open for its agent. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ingest.h"
#include "register.h"

#define N_GOOD 3               /* enrolled agents whose seq we manage */
enum { WHO_CHAOS = N_GOOD, WHO_STRANGER, N_WHO };

static struct tz_keypair collector, keys[N_WHO];
static struct tz_register *reg;
static char *dir;
static uint64_t next_seq = 1000;
static int64_t now = 1700000000;

static void cleanup(void)
{
    if (reg)
        register_close(reg);
    reg = NULL;
}

static void die(const char *what, const struct tz_error *err)
{
    fprintf(stderr, "fuzz_ingest: %s: %s\n", what, err->msg);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    for (int i = 0; i < WHO_STRANGER; i++)
        fz_keypair(FZ_KEY_AGENT + i, &keys[i]);
    fz_keypair(FZ_KEY_STRANGER, &keys[WHO_STRANGER]);

    struct tz_error err = {0};
    dir = fz_tmpdir("ingest");
    atexit(cleanup);    /* runs before fz_tmpdir's removal */
    if (register_open(dir, 0, &reg, &err) != 0)
        die("register_open", &err);
    char token[REGISTER_TOKEN_LEN];
    if (register_dept_add(reg, "fuzz", 1, &err) != 0 ||
        register_token_create(reg, "fuzz", 1, token, &err) != 0)
        die("token", &err);

    /* Enroll the good agents and the chaos agent, seq 1. */
    for (int i = 0; i < WHO_STRANGER; i++) {
        Tz__Enroll en = TZ__ENROLL__INIT;
        en.token = token;
        en.hostname = "fuzz";
        Tz__Payload p = TZ__PAYLOAD__INIT;
        p.seq = 1;
        p.body_case = TZ__PAYLOAD__BODY_ENROLL;
        p.enroll = &en;
        struct ingest_req req = {0};
        uint8_t *msg;
        if (envelope_seal(&p, &keys[i], collector.pk, &msg, &req.len, &err) != 0)
            die("seal", &err);
        req.msg = msg;
        if (ingest_process(reg, &collector, &req, 1, TZ_MAX_MSG, now, &err) != 0 ||
            req.status != TZ__STATUS__OK)
            die("enroll", &err);
        free(msg);
        free(req.reply);
    }
    return 0;
}

/* Seal payload p with a fresh seq for agent who. */
static int seal_payload(Tz__Payload *p, int who, uint8_t **out, size_t *len)
{
    p->seq = next_seq++;
    p->direction = TZ__DIRECTION__AGENT_TO_COLLECTOR;
    size_t n = tz__payload__get_packed_size(p);
    uint8_t *plain = malloc(n ? n : 1);
    if (plain == NULL)
        return -1;
    tz__payload__pack(p, plain);
    int rc = fz_seal_raw(plain, n, &keys[who], collector.pk, TZ_PROTO_VERSION,
                         out, len);
    free(plain);
    return rc;
}

static int make_request(const uint8_t *d, size_t n, uint8_t **out, size_t *len,
                        int *who)
{
    if (n == 0) {
        *who = -1;
        *out = malloc(1);
        *len = 0;
        return *out ? 0 : -1;
    }
    int mode = d[0] & 3;
    *who = (d[0] >> 2) % N_WHO;
    d++;
    n--;
    if (mode == 0) {
        *who = -1;
        *out = malloc(n ? n : 1);
        if (*out == NULL)
            return -1;
        memcpy(*out, d, n);
        *len = n;
        return 0;
    }
    if (mode == 2 && *who < N_GOOD) {
        Tz__Payload *p = tz__payload__unpack(NULL, n, d);
        if (p != NULL) {
            int rc = seal_payload(p, *who, out, len);
            tz__payload__free_unpacked(p, NULL);
            return rc;
        }
    }
    if (mode == 3 && *who < N_GOOD) {
        Tz__Report *r = tz__report__unpack(NULL, n, d);
        if (r != NULL) {
            Tz__Payload p = TZ__PAYLOAD__INIT;
            p.sent_at = now;
            p.body_case = TZ__PAYLOAD__BODY_REPORT;
            p.report = r;
            int rc = seal_payload(&p, *who, out, len);
            tz__report__free_unpacked(r, NULL);
            return rc;
        }
    }
    /* Raw payload bytes, seq as the fuzzer wrote it: only the chaos agent
     * and the stranger, so the good agents' seq stays ours. */
    if (*who < N_GOOD)
        *who = WHO_CHAOS;
    return fz_seal_raw(d, n, &keys[*who], collector.pk, TZ_PROTO_VERSION, out, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[8];
    size_t plen[8];
    size_t n = fz_split(data, size, 8, part, plen);
    struct ingest_req reqs[8];
    uint8_t *msgs[8];
    int who[8];
    size_t built = 0;
    memset(reqs, 0, sizeof(reqs));
    for (; built < n; built++) {
        size_t len;
        if (make_request(part[built], plen[built], &msgs[built], &len,
                         &who[built]) != 0)
            break;
        reqs[built].msg = msgs[built];
        reqs[built].len = len;
    }
    struct tz_error err = {0};
    now++;
    if (ingest_process(reg, &collector, reqs, built, TZ_MAX_MSG, now, &err) != 0)
        die("ingest_process", &err);
    for (size_t i = 0; i < built; i++) {
        if (reqs[i].reply == NULL || reqs[i].status == TZ__STATUS__STATUS_UNSPECIFIED)
            abort();
        if (reqs[i].status == TZ__STATUS__STORAGE_ERROR)
            die("storage error in a batch", &err);
        if (who[i] >= 0) {
            Tz__Ack *ack = NULL;
            int auth = 0;
            if (reply_open(reqs[i].reply, reqs[i].reply_len, &keys[who[i]],
                           collector.pk, &ack, &auth, &err) != 0)
                die("reply_open", &err);
            /* A request that opened gets a sealed Ack with its own status. */
            if (auth && (int)ack->status != reqs[i].status)
                abort();
            tz__ack__free_unpacked(ack, NULL);
        }
        free(reqs[i].reply);
        free(msgs[i]);
    }
    return 0;
}
