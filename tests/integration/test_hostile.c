/* Hostile input on the wire: a real tz-collector on ipc:// in a temp dir, a
 * raw nanomsg REQ socket in the test playing the attacker. Each attack gets
 * its own Ack status and its own `tzctl stats` counter; a message far above
 * the transport limit only costs its sender the connection; a flood of
 * garbage from several sockets neither stops good agents nor fills the log;
 * a report the collector refuses at open reaches a real agent as a refusal,
 * dropped once, and the reports behind it in the spool go on. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_config.h"
#include "agent_state.h"
#include "delivery.h"
#include "envelope.h"
#include "keys.h"
#include "session.h"
#include "spool.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *tmp, *data, *url, *clogpath;
static pid_t collector = -1;
static uint8_t collector_pk[TZ_KEY_LEN];

static void start_collector(void)
{
    collector = tz_test_collector_start(data, url, clogpath, NULL);
    char *pub = tz_test_collector_pub(data);
    cr_assert_eq(tz_hex_decode(pub, collector_pk, TZ_KEY_LEN), 0, "%s", pub);
    free(pub);
}

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    tmp = tz_test_tmpdir("hostile");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    start_collector();
}

static void teardown(void)
{
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 150);

static char *make_token(void)
{
    return tz_test_token(data, "网络中心");
}

/* `tzctl stats --format json`; rejected.<name> or a top-level counter. */
static cJSON *stats(void)
{
    char *out = tz_test_tzctl(data, 0, "stats", "--format", "json", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    free(out);
    return j;
}

static double counter(cJSON *st, const char *name)
{
    cJSON *c = strncmp(name, "rejected.", 9) == 0
                   ? cJSON_GetObjectItem(cJSON_GetObjectItem(st, "rejected"), name + 9)
                   : cJSON_GetObjectItem(st, name);
    cr_assert(cJSON_IsNumber(c), "no counter %s", name);
    return c->valuedouble;
}

/* ---- the attacker's side: REQ sockets and hand-made envelopes ---- */

static int req_socket(int timeout_ms)
{
    int s = nn_socket(AF_SP, NN_REQ);
    cr_assert_geq(s, 0, "nn_socket: %s", nn_strerror(nn_errno()));
    int maxsz = -1;
    cr_assert_eq(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
                               sizeof(int)), 0);
    cr_assert_eq(nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms,
                               sizeof(int)), 0);
    cr_assert_eq(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz,
                               sizeof(int)), 0);
    cr_assert_geq(nn_connect(s, url), 0, "nn_connect: %s", nn_strerror(nn_errno()));
    return s;
}

/* One request on a fresh socket. Returns 0 with *ack set (opened as who,
 * *auth says whether it was sealed by the collector), or -1 when no reply
 * came within timeout_ms. */
static int exchange(const void *msg, size_t len, const struct tz_keypair *who,
                    int timeout_ms, Tz__Ack **ack, int *auth)
{
    int s = req_socket(timeout_ms);
    cr_assert_eq(nn_send(s, msg, len, 0), (int)len, "send: %s",
                 nn_strerror(nn_errno()));
    void *buf = NULL;
    int r = nn_recv(s, &buf, NN_MSG, 0);
    if (r < 0) {
        cr_assert_eq(nn_errno(), ETIMEDOUT, "recv: %s", nn_strerror(nn_errno()));
        nn_close(s);
        return -1;
    }
    struct tz_keypair nobody;
    crypto_box_keypair(nobody.pk, nobody.sk);
    struct tz_error err = {0};
    cr_assert_eq(reply_open(buf, (size_t)r, who ? who : &nobody, collector_pk, ack,
                            auth, &err), 0, "%s", err.msg);
    nn_freemsg(buf);
    nn_close(s);
    return 0;
}

static void expect(const void *msg, size_t len, const struct tz_keypair *who,
                   int want_status, int want_auth, const char *what)
{
    Tz__Ack *ack = NULL;
    int auth = 0;
    cr_assert_eq(exchange(msg, len, who, 10000, &ack, &auth), 0,
                 "%s: no reply from the collector", what);
    cr_assert_eq((int)ack->status, want_status, "%s: got %s (%s), want %s", what,
                 tz_status_name(ack->status), ack->detail,
                 tz_status_name(want_status));
    cr_assert_eq(auth, want_auth, "%s: reply %s", what,
                 auth ? "sealed" : "plain");
    tz__ack__free_unpacked(ack, NULL);
}

/* Envelope{version, claimed_pk, nonce, box(plain) from sender}: the general
 * form of every forgery below. */
static uint8_t *seal_as(const uint8_t *plain, size_t plen,
                        const struct tz_keypair *sender,
                        const uint8_t claimed_pk[TZ_KEY_LEN], uint32_t version,
                        size_t *out_len)
{
    uint8_t nonce[crypto_box_NONCEBYTES];
    randombytes_buf(nonce, sizeof(nonce));
    uint8_t *box = malloc(plen + crypto_box_MACBYTES);
    cr_assert_eq(crypto_box_easy(box, plain, plen, nonce, collector_pk, sender->sk), 0);
    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = version;
    env.agent_pk.data = (uint8_t *)claimed_pk;
    env.agent_pk.len = TZ_KEY_LEN;
    env.nonce.data = nonce;
    env.nonce.len = sizeof(nonce);
    env.box.data = box;
    env.box.len = plen + crypto_box_MACBYTES;
    *out_len = tz__envelope__get_packed_size(&env);
    uint8_t *out = malloc(*out_len);
    tz__envelope__pack(&env, out);
    free(box);
    return out;
}

static uint8_t *pack_payload(const Tz__Payload *p, size_t *len)
{
    *len = tz__payload__get_packed_size(p);
    uint8_t *b = malloc(*len ? *len : 1);
    tz__payload__pack(p, b);
    return b;
}

static uint8_t *seal_payload(const Tz__Payload *p, const struct tz_keypair *from,
                             size_t *len)
{
    uint8_t *msg;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(p, from, collector_pk, &msg, len, &err), 0, "%s",
                 err.msg);
    return msg;
}

static uint8_t *enroll_msg(const struct tz_keypair *from, uint64_t seq,
                           const char *token, size_t *len)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)token;
    en.hostname = "attacker.example.edu.cn";
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    return seal_payload(&p, from, len);
}

/* A report with npkgs packages and the given hostname. */
static uint8_t *report_msg(const struct tz_keypair *from, uint64_t seq,
                           const char *hostname, size_t npkgs, size_t *len)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = (char *)hostname;
    Tz__Package *pk = calloc(npkgs ? npkgs : 1, sizeof(*pk));
    Tz__Package **pp = calloc(npkgs ? npkgs : 1, sizeof(*pp));
    for (size_t i = 0; i < npkgs; i++) {
        tz__package__init(&pk[i]);
        pk[i].name = "p";
        pk[i].version = "1";
        pp[i] = &pk[i];
    }
    Tz__PackagesSection ps = TZ__PACKAGES_SECTION__INIT;
    ps.manager = "dpkg";
    ps.n_packages = npkgs;
    ps.packages = pp;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    r.packages = &ps;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_REPORT;
    p.report = &r;
    uint8_t *msg = seal_payload(&p, from, len);
    free(pk);
    free(pp);
    return msg;
}

static uint8_t *heartbeat_plain(uint64_t seq, size_t *len)
{
    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = seq;
    p.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    p.heartbeat = &hb;
    p.direction = TZ__DIRECTION__AGENT_TO_COLLECTOR;   /* sealed by hand */
    return pack_payload(&p, len);
}

Test(hostile, each_attack_gets_its_own_status_and_counter)
{
    char *token = make_token();
    struct tz_keypair a, b, stranger;
    crypto_box_keypair(a.pk, a.sk);
    crypto_box_keypair(b.pk, b.sk);
    crypto_box_keypair(stranger.pk, stranger.sk);
    size_t len, plen;
    uint8_t *m, *plain;

    m = enroll_msg(&a, 10, token, &len);
    expect(m, len, &a, TZ__STATUS__OK, 1, "enroll");
    free(m);
    m = report_msg(&a, 11, "a.example.edu.cn", 3, &len);
    expect(m, len, &a, TZ__STATUS__OK, 1, "first report");

    /* The same bytes again, as a recording attacker would resend them. */
    expect(m, len, &a, TZ__STATUS__REPLAY, 1, "replayed report");
    free(m);

    /* One flipped bit in the box: it does not open, so the answer is plain
     * (the sender may not hold the key it claims). */
    m = report_msg(&a, 12, "a.example.edu.cn", 3, &len);
    m[len - 5] ^= 0x10;
    expect(m, len, &a, TZ__STATUS__FORGED, 0, "forged box");
    free(m);

    /* B seals a good box with its own key but claims to be A. */
    plain = heartbeat_plain(13, &plen);
    m = seal_as(plain, plen, &b, a.pk, TZ_PROTO_VERSION, &len);
    expect(m, len, &a, TZ__STATUS__FORGED, 0, "re-keyed box (B claiming A)");
    free(m);

    /* A key never enrolled: the box opens, the answer is sealed to it. */
    m = report_msg(&stranger, 1, "x.example.edu.cn", 1, &len);
    expect(m, len, &stranger, TZ__STATUS__UNKNOWN_AGENT, 1, "unknown agent");
    free(m);

    m = seal_as(plain, plen, &a, a.pk, TZ_PROTO_VERSION + 1, &len);
    expect(m, len, &a, TZ__STATUS__BAD_VERSION, 0, "wrong version");
    free(m);

    m = seal_as(plain, plen, &a, a.pk, TZ_PROTO_VERSION, &len);
    expect(m, len / 2, &a, TZ__STATUS__MALFORMED, 0, "truncated envelope");
    free(m);
    free(plain);

    /* Above the protocol limit but within the transport's slack: delivered,
     * and answered TOO_LARGE. */
    len = TZ_MAX_MSG + 4096;
    m = calloc(1, len);
    expect(m, len, &a, TZ__STATUS__TOO_LARGE, 0, "oversized request");
    free(m);

    /* Far above NN_RCVMAXSIZE: nanomsg drops the connection, no answer. */
    len = 4 * TZ_MAX_MSG;
    m = calloc(1, len);
    Tz__Ack *ack = NULL;
    int auth = 0;
    cr_assert_eq(exchange(m, len, &a, 1500, &ack, &auth), -1,
                 "a 32 MiB request was answered");
    free(m);

    /* ... and the collector still serves. */
    plain = heartbeat_plain(14, &plen);
    m = seal_as(plain, plen, &a, a.pk, TZ_PROTO_VERSION, &len);
    expect(m, len, &a, TZ__STATUS__OK, 1, "heartbeat after the 32 MiB request");
    free(m);
    free(plain);

    /* Valid protobuf, valid box, enrolled key, but out of bounds. */
    char longname[TZ_MAX_NAME + 50];
    memset(longname, 'h', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    m = report_msg(&a, 15, longname, 1, &len);
    expect(m, len, &a, TZ__STATUS__INVALID, 1, "over-long hostname");
    free(m);
    m = report_msg(&a, 16, "a.example.edu.cn", TZ_MAX_PACKAGES + 1, &len);
    expect(m, len, &a, TZ__STATUS__INVALID, 1, "too many packages");
    free(m);

    cJSON *st = stats();
    cr_assert_eq(counter(st, "accepted"), 3, "enroll, report, heartbeat");
    cr_assert_eq(counter(st, "reports_accepted"), 1);
    cr_assert_eq(counter(st, "rejected.replay"), 1);
    cr_assert_eq(counter(st, "rejected.forged"), 2);
    cr_assert_eq(counter(st, "rejected.unknown_agent"), 1);
    cr_assert_eq(counter(st, "rejected.bad_version"), 1);
    cr_assert_eq(counter(st, "rejected.malformed"), 1);
    cr_assert_eq(counter(st, "rejected.too_large"), 1);
    cr_assert_eq(counter(st, "rejected.invalid"), 2);
    cr_assert_eq(counter(st, "agents"), 1);
    cJSON_Delete(st);

    /* The stored host is the good report's, untouched by the rejected ones. */
    char *hosts = tz_test_tzctl(data, 0, "hosts", "--format", "json", NULL);
    cr_assert(strstr(hosts, "\"a.example.edu.cn\"") != NULL, "%s", hosts);
    cr_assert(strstr(hosts, "hhhhhhhh") == NULL, "%s", hosts);
    free(hosts);
    free(token);
}

/* ---- the flood ---- */

enum { FLOOD_TOTAL = 100000, FLOOD_SOCKETS = 64, FLOOD_KINDS = 4, POOL = 256 };

struct flood_result {
    long sent, answered, lost;
    long by_status[16];
    double seconds;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The flood's requests: FLOOD_KINDS kinds, POOL of each, made before the
 * flood starts so that it measures the collector, not libsodium. */
struct flood {
    uint8_t *msg[FLOOD_KINDS][POOL];
    size_t len[FLOOD_KINDS][POOL];
    struct flood_result res;
};

/* Random bytes, a wrong version, forged boxes and boxes from keys that were
 * never enrolled (a fresh key per pool entry: what an attacker gets for
 * free). */
static void flood_prepare(struct flood *fl)
{
    size_t hlen;
    uint8_t *hb = heartbeat_plain(1, &hlen);
    for (int i = 0; i < POOL; i++) {
        struct tz_keypair k;
        crypto_box_keypair(k.pk, k.sk);
        fl->len[0][i] = 1 + randombytes_uniform(200);
        fl->msg[0][i] = malloc(fl->len[0][i]);
        randombytes_buf(fl->msg[0][i], fl->len[0][i]);
        fl->msg[1][i] = seal_as(hb, hlen, &k, k.pk, 7, &fl->len[1][i]);
        fl->msg[2][i] = seal_as(hb, hlen, &k, k.pk, TZ_PROTO_VERSION, &fl->len[2][i]);
        fl->msg[2][i][fl->len[2][i] - 1] ^= 1;
        fl->msg[3][i] = seal_as(hb, hlen, &k, k.pk, TZ_PROTO_VERSION, &fl->len[3][i]);
    }
    free(hb);
}

/* A thread (Criterion's own nanomsg state makes a forked child's nanomsg
 * unusable): FLOOD_TOTAL requests pipelined over FLOOD_SOCKETS REQ sockets,
 * a request on each, then each reply. No Criterion asserts in here. */
static void *flood_run(void *arg)
{
    struct flood *fl = arg;
    struct flood_result *res = &fl->res;
    int s[FLOOD_SOCKETS], timeout = 10000;
    for (int i = 0; i < FLOOD_SOCKETS; i++) {
        s[i] = nn_socket(AF_SP, NN_REQ);
        if (s[i] < 0 ||
            nn_setsockopt(s[i], NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof(int)) < 0 ||
            nn_setsockopt(s[i], NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof(int)) < 0 ||
            nn_connect(s[i], url) < 0)
            return NULL;
    }
    double t0 = now_s();
    long n = 0;
    while (n < FLOOD_TOTAL) {
        int k = 0;
        for (; k < FLOOD_SOCKETS && n < FLOOD_TOTAL; k++, n++) {
            int kind = (int)(n % FLOOD_KINDS), idx = (int)((n / FLOOD_KINDS) % POOL);
            if (nn_send(s[k], fl->msg[kind][idx], fl->len[kind][idx], 0) < 0)
                break;
            res->sent++;
        }
        for (int i = 0; i < k; i++) {
            void *buf = NULL;
            int r = nn_recv(s[i], &buf, NN_MSG, 0);
            if (r < 0) {
                res->lost++;
                continue;
            }
            Tz__Reply *rep = tz__reply__unpack(NULL, (size_t)r, buf);
            if (rep && rep->plain)
                res->by_status[rep->plain->status & 15]++;
            else if (rep && rep->box.len)
                res->by_status[TZ__STATUS__UNKNOWN_AGENT]++;   /* sealed: opened */
            res->answered++;
            if (rep)
                tz__reply__free_unpacked(rep, NULL);
            nn_freemsg(buf);
        }
    }
    res->seconds = now_s() - t0;
    for (int i = 0; i < FLOOD_SOCKETS; i++)
        nn_close(s[i]);
    return fl;
}

static void write_agent_config(const char *name, const char *token)
{
    char pub[TZ_KEY_HEX];
    tz_hex_encode(collector_pk, TZ_KEY_LEN, pub);
    char *root = tz_test_path("%s/hosts/%s", TZ_FIXTURES, name);
    free(tz_test_agent_ini(tmp, name, url, pub, token, root, "timeout = 30\n"));
    free(root);
}

/* Restart the collector with conf (an INI [collector] body) as --config. */
static void restart_collector_with(const char *conf)
{
    tz_test_stop(collector, SIGTERM);
    collector = -1;
    char *ini = tz_test_path("[collector]\n%s", conf);
    tz_test_write(tmp, "collector.ini", ini);
    char *arg = tz_test_path("--config=%s/collector.ini", tmp);
    collector = tz_test_collector_start(data, url, clogpath, arg);
    free(arg);
    free(ini);
}

/* Many sockets, each a source of its own: what the collector can answer
 * when no per-source limit applies (reject_limit = 0). The limit itself is
 * the next test's. */
Test(hostile, flood_of_garbage_leaves_good_agents_served_and_the_log_small)
{
    restart_collector_with("reject_limit = 0\n");
    char *token = make_token();
    static const char *names[] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; i++)
        write_agent_config(names[i], token);
    struct stat lst;
    cr_assert_eq(stat(clogpath, &lst), 0);
    off_t log_before = lst.st_size;

    struct flood *fl = calloc(1, sizeof(*fl));
    flood_prepare(fl);
    double t0 = now_s();
    pthread_t flooder;
    cr_assert_eq(pthread_create(&flooder, NULL, flood_run, fl), 0);

    /* Good agents arrive while the flood runs. */
    usleep(500 * 1000);
    pid_t agents[3];
    for (int i = 0; i < 3; i++) {
        char *cfg = tz_test_path("%s/%s.ini", tmp, names[i]);
        char *log = tz_test_path("%s/%s.log", tmp, names[i]);
        char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
        agents[i] = tz_test_spawn(argv, log);
        free(cfg);
        free(log);
    }
    for (int i = 0; i < 3; i++) {
        char *log = tz_test_path("%s/%s.log", tmp, names[i]);
        int rc = tz_test_stop(agents[i], 0);
        char *out = tz_test_slurp(log);
        cr_assert_eq(rc, 0, "agent %s failed during the flood: %s", names[i], out);
        cr_assert(strstr(out, "report stored") != NULL, "%s", out);
        free(out);
        free(log);
    }
    double agents_done = now_s() - t0;
    void *done = NULL;
    cr_assert_eq(pthread_join(flooder, &done), 0);
    cr_assert_not_null(done, "the flood could not open its sockets");
    struct flood_result res = fl->res;
    for (int k = 0; k < FLOOD_KINDS; k++)
        for (int i = 0; i < POOL; i++)
            free(fl->msg[k][i]);
    free(fl);
    fprintf(stderr, "hostile flood: %ld garbage requests over %d sockets in %.1f s "
            "(%.0f/s), %ld answered, %ld lost; agents done %.2f s after the flood started\n",
            res.sent, FLOOD_SOCKETS, res.seconds, res.sent / res.seconds,
            res.answered, res.lost, agents_done);

    cr_assert_eq(res.sent, FLOOD_TOTAL);
    cr_assert_eq(res.lost, 0, "%ld garbage requests got no answer", res.lost);
    cr_assert_lt(res.seconds, 90.0, "flood took %.1f s", res.seconds);

    cJSON *hosts_doc = NULL;
    char *hosts = tz_test_tzctl(data, 0, "hosts", "--format", "json", NULL);
    hosts_doc = cJSON_Parse(hosts);
    cr_assert(cJSON_IsArray(hosts_doc), "%s", hosts);
    cr_assert_eq(cJSON_GetArraySize(hosts_doc), 3, "%s", hosts);
    for (int i = 0; i < 3; i++) {
        char *want = tz_test_path("\"%s.example.edu.cn\"", names[i]);
        cr_assert(strstr(hosts, want) != NULL, "%s missing: %s", want, hosts);
        free(want);
    }
    cJSON_Delete(hosts_doc);
    free(hosts);

    /* Every garbage request was counted under its reason. */
    cJSON *sj = stats();
    double q = FLOOD_TOTAL / FLOOD_KINDS;
    cr_assert_eq(counter(sj, "rejected.forged"), q);
    cr_assert_eq(counter(sj, "rejected.unknown_agent"), q);
    /* Random bytes are mostly not an Envelope; a few decode by chance and
     * then fail the version check, so they add to bad_version. */
    double malformed = counter(sj, "rejected.malformed");
    double bad_version = counter(sj, "rejected.bad_version");
    cr_assert_geq(bad_version, q);
    cr_assert_eq(malformed + bad_version, 2 * q, "malformed %.0f + bad_version %.0f",
                 malformed, bad_version);
    cr_assert_eq(counter(sj, "reports_accepted"), 3);
    cJSON_Delete(sj);

    /* Logging is rate limited: the flood adds a few lines, not 100,000. */
    cr_assert_eq(stat(clogpath, &lst), 0);
    long grown = (long)(lst.st_size - log_before);
    char *log = tz_test_slurp(clogpath);
    cr_assert_lt(grown, 16 * 1024, "collector log grew by %ld bytes during the "
                 "flood; its tail:\n%s", grown,
                 log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
    free(log);

    /* Still serving after all that. */
    struct tz_keypair k;
    crypto_box_keypair(k.pk, k.sk);
    size_t len;
    uint8_t *m = report_msg(&k, 1, "late.example.edu.cn", 1, &len);
    expect(m, len, &k, TZ__STATUS__UNKNOWN_AGENT, 1, "request after the flood");
    free(m);
    free(token);
}

/* ---- one source slowed down ---- */

enum { SLOW_LIMIT = 20, SLOW_MAX = 400000, SLOW_AGENT_RUNS = 8 };

struct slow_flood {
    volatile int stop;        /* set by the test once its agents are done */
    volatile long sent;
    long answered;
    double seconds;
    int ok;
};

/* One connection (a raw REQ socket, so requests go out without waiting
 * for answers) sending garbage until told to stop (SLOW_MAX at most), then
 * collecting what came back. Each carries its own request id word (top bit
 * set), which the collector's raw REP reads as the end of the backtrace. */
static void *slow_flood_run(void *arg)
{
    struct slow_flood *f = arg;
    int s = nn_socket(AF_SP_RAW, NN_REQ), timeout = 10000, big = 8 << 20;
    if (s < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDBUF, &big, sizeof(int)) < 0 ||
        nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVBUF, &big, sizeof(int)) < 0 ||
        nn_connect(s, url) < 0)
        return NULL;
    usleep(200 * 1000);   /* connected before the first send */
    double t0 = now_s();
    uint8_t msg[64];
    for (long i = 0; i < SLOW_MAX && !f->stop; i++) {
        uint32_t id = 0x80000000u | (uint32_t)i;
        msg[0] = (uint8_t)(id >> 24);
        msg[1] = (uint8_t)(id >> 16);
        msg[2] = (uint8_t)(id >> 8);
        msg[3] = (uint8_t)id;
        randombytes_buf(msg + 4, sizeof(msg) - 4);
        if (nn_send(s, msg, sizeof(msg), 0) < 0)
            break;
        f->sent++;
        if (f->sent % 500 == 0)
            usleep(10 * 1000);   /* 50,000 a second at most: the test's own
                                    thread must not be what slows the agent */
        void *buf = NULL;
        int r;
        while ((r = nn_recv(s, &buf, NN_MSG, NN_DONTWAIT)) >= 0) {
            f->answered++;
            nn_freemsg(buf);
        }
    }
    f->seconds = now_s() - t0;
    /* The answers still on their way. */
    double end = now_s() + 2.0;
    while (now_s() < end) {
        void *buf = NULL;
        if (nn_recv(s, &buf, NN_MSG, NN_DONTWAIT) >= 0) {
            f->answered++;
            nn_freemsg(buf);
        } else {
            usleep(10 * 1000);
        }
    }
    nn_close(s);
    f->ok = 1;
    return f;
}

/* tz-agent --once as agent "alpha"; its wall time in seconds. */
static double timed_agent_run(void)
{
    char *cfg = tz_test_path("%s/alpha.ini", tmp);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    double t0 = now_s();
    int rc = tz_test_run(argv, &out);
    double t = now_s() - t0;
    cr_assert_eq(rc, 0, "a good agent failed during the flood: %s", out);
    cr_assert(strstr(out, "report stored") != NULL, "%s", out);
    free(out);
    free(cfg);
    return t;
}

Test(hostile, one_source_sending_rejected_requests_is_slowed_and_good_agents_are_not)
{
    char *conf = tz_test_path("reject_limit = %d\n", SLOW_LIMIT);
    restart_collector_with(conf);
    free(conf);
    char *token = make_token();
    write_agent_config("alpha", token);
    /* Baseline: the agent alone (its first run also enrolls). */
    timed_agent_run();
    double alone = timed_agent_run();
    cJSON *st = stats();
    double batches_before = counter(st, "batches");
    cJSON_Delete(st);

    struct slow_flood *fl = calloc(1, sizeof(*fl));
    pthread_t flooder;
    cr_assert_eq(pthread_create(&flooder, NULL, slow_flood_run, fl), 0);
    /* The agents land while the flood is on, from its start to its end. */
    for (int i = 0; i < 500 && fl->sent < 50 * SLOW_LIMIT; i++)
        usleep(10 * 1000);
    double worst = 0;
    for (int i = 0; i < SLOW_AGENT_RUNS; i++) {
        double t = timed_agent_run();
        if (t > worst)
            worst = t;
    }
    long sent_during = fl->sent;
    fl->stop = 1;
    void *done = NULL;
    cr_assert_eq(pthread_join(flooder, &done), 0);
    cr_assert_not_null(done, "the flood could not open its socket");
    /* Drops after the last batch are counted when the collector stops. */
    cr_assert_eq(tz_test_stop(collector, SIGTERM), 0, "collector exit status");
    collector = -1;
    fprintf(stderr, "hostile slow: %ld garbage requests on one connection in %.1f s, "
            "%ld answered; agent alone %.2f s, at worst %.2f s during the flood\n",
            fl->sent, fl->seconds, fl->answered, alone, worst);

    cr_assert_lt(fl->seconds, 55.0, "the flood must fit in one minute to be exact");
    cr_assert_lt(fl->sent, SLOW_MAX, "the flood ended before the agents did");
    cr_assert_gt(sent_during, 50 * SLOW_LIMIT);
    cr_assert_gt(fl->sent, 100 * SLOW_LIMIT, "%ld sent", fl->sent);
    /* Exactly the limit was opened and answered; the rest cost nothing. */
    cr_assert_eq(fl->answered, SLOW_LIMIT, "%ld answered", fl->answered);
    st = stats();
    cr_assert_eq(counter(st, "rejected.malformed") + counter(st, "rejected.bad_version"),
                 SLOW_LIMIT);
    cr_assert_eq(counter(st, "throttled"), fl->sent - SLOW_LIMIT);
    cr_assert_eq(counter(st, "reports_accepted"), 2 + SLOW_AGENT_RUNS);
    /* No transaction of its own for a dropped request: the flood added at
     * most its SLOW_LIMIT opened ones to the agents' batches. */
    double batches = counter(st, "batches") - batches_before;
    cr_assert_leq(batches, SLOW_LIMIT + 2 * SLOW_AGENT_RUNS + 1, "%.0f batches", batches);
    cJSON_Delete(st);
    /* The good agent was not slowed down: no run took much longer than it
     * does alone (a loaded test machine gets a second of slack). */
    cr_assert_lt(worst, 3 * alone + 1.0, "agent alone %.2f s, during the flood %.2f s",
                 alone, worst);

    char *log = tz_test_slurp(clogpath);
    cr_assert(strstr(log, "slowing down a connection"), "%s", log);
    free(log);
    free(fl);
    free(token);
}

/* A report from a newer agent carrying a Report field this collector does
 * not know is refused at open (INVALID), before its register reads the seq.
 * The agent (session, spool, delivery as the daemon runs them) takes that
 * as the refusal it is: sent once, dropped with its reason, and the report
 * behind it is stored. Before, the Ack said seq 0, the agent took it for no
 * answer and retried the same bytes forever, the spool stuck behind it. */
Test(hostile, a_report_refused_at_open_is_dropped_once_and_the_spool_goes_on)
{
    char *token = make_token();
    struct agent_config cfg;
    agent_config_defaults(&cfg);
    snprintf(cfg.collectors[0], sizeof(cfg.collectors[0]), "%s", url);
    cfg.n_collectors = 1;
    memcpy(cfg.collector_pk, collector_pk, TZ_KEY_LEN);
    cfg.have_collector_pk = 1;
    cfg.timeout_s = 10;
    snprintf(cfg.enroll_token, sizeof(cfg.enroll_token), "%s", token);
    char *sdir = tz_test_path("%s/agent", tmp);
    cr_assert_eq(mkdir(sdir, 0700), 0);
    int dfd = open(sdir, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(dfd, 0);
    struct tz_keypair kp;
    crypto_box_keypair(kp.pk, kp.sk);
    struct agent_state st;
    struct tz_error err = {0};
    cr_assert_eq(agent_state_load(dfd, sdir, &kp, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(session_enroll(&cfg, &st, 0, &err), 0, "%s", err.msg);

    struct spool *sp = NULL;
    cr_assert_eq(spool_openat(dfd, "spool", sdir, 16, &sp, &err), 0, "%s", err.msg);
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = "newer.example.edu.cn";
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    uint8_t news[] = {42};   /* a varint: protobuf-c keeps the raw value */
    ProtobufCMessageUnknownField uf = {.tag = 1000,
                                       .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT,
                                       .len = sizeof(news), .data = news};
    r.base.n_unknown_fields = 1;
    r.base.unknown_fields = &uf;
    uint64_t newer, plain;
    cr_assert_eq(agent_state_next_seq(&st, &newer, &err), 0, "%s", err.msg);
    cr_assert_eq(spool_put(sp, newer, &r, &err), 0, "%s", err.msg);
    r.base.n_unknown_fields = 0;
    r.base.unknown_fields = NULL;
    cr_assert_eq(agent_state_next_seq(&st, &plain, &err), 0, "%s", err.msg);
    cr_assert_eq(spool_put(sp, plain, &r, &err), 0, "%s", err.msg);

    struct delivery_result res;
    int rc = delivery_drain(&cfg, &st, sp, NULL, NULL, &res, &err);
    cr_assert_eq(rc, 0, "the drain stopped at the refused report (retry %d): %s",
                 res.retry, err.msg);
    cr_assert_eq(res.dropped, 1);
    cr_assert_eq(res.delivered, 1);
    cr_assert_eq(spool_count(sp), 0);
    spool_close(sp);

    cJSON *sj = stats();
    cr_assert_eq(counter(sj, "rejected.invalid"), 1, "the refused report was resent");
    cr_assert_eq(counter(sj, "reports_accepted"), 1);
    cJSON_Delete(sj);
    char *log = tz_test_slurp(clogpath);
    cr_assert(strstr(log, "unknown field 1000 in Report") != NULL, "%s", log);
    free(log);

    tz_keypair_wipe(&st.kp);
    close(dfd);
    free(sdir);
    free(token);
}
