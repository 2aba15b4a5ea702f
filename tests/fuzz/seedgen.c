/* seedgen — writes the seed corpora of tests/fuzz/corpus/<target>/.
 *
 * Sealed seeds use the fixed keys of fuzz_common.h, so they keep opening in
 * the fuzz targets; the report is the alpha fixture host's real report.
 * Run it by hand when the wire format changes:
 *   cmake --build build-fuzz --target fuzz-seedgen
 *   build-fuzz/tests/fuzz/fuzz-seedgen tests/fuzz/corpus */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "report.h"

static const char *outdir;
static struct tz_keypair collector, agent;

static void save(const char *target, const char *name, const void *a, size_t alen,
                 const void *b, size_t blen)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", outdir, target);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(p, "wb");
    if (f == NULL || fwrite(a, 1, alen, f) != alen ||
        (blen && fwrite(b, 1, blen, f) != blen) || fclose(f) != 0) {
        perror(p);
        exit(1);
    }
}

static char *slurp(const char *rel, size_t *len)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", TZ_FIXTURES, rel);
    FILE *f = fopen(p, "rb");
    if (f == NULL) {
        perror(p);
        exit(1);
    }
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static uint8_t *packed(const Tz__Payload *p, size_t *len)
{
    *len = tz__payload__get_packed_size(p);
    Tz__Payload labelled = *p;   /* as envelope_seal sends it */
    labelled.direction = TZ__DIRECTION__AGENT_TO_COLLECTOR;
    *len = tz__payload__get_packed_size(&labelled);
    uint8_t *b = malloc(*len + 1);
    tz__payload__pack(&labelled, b);
    return b;
}

/* fuzz_control: mode byte (mode | person << 2, fuzz_control.c), then a
 * packed ControlRequest. System 1 is A's, system 2 is B's. */
static void control_seed(const char *name, uint8_t mode, Tz__ControlRequest *q)
{
    q->version = 1;
    size_t n = tz__control_request__get_packed_size(q);
    uint8_t *b = malloc(n ? n : 1);
    tz__control_request__pack(q, b);
    save("fuzz_control", name, &mode, 1, b, n);
    free(b);
}

static void control_seeds(void)
{
    enum { ADMIN, EDITOR, VIEWER };
    Tz__ControlRequest q = TZ__CONTROL_REQUEST__INIT;
    Tz__ControlLogin login = TZ__CONTROL_LOGIN__INIT;
    login.token = "tzu_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    login.create_session = 1;
    q.request_id = 7;
    q.body_case = TZ__CONTROL_REQUEST__BODY_LOGIN;
    q.login = &login;
    control_seed("login", 0, &q);

    Tz__LedgerValue owner = TZ__LEDGER_VALUE__INIT, dept = TZ__LEDGER_VALUE__INIT,
                    name = TZ__LEDGER_VALUE__INIT;
    owner.field = "owner";
    owner.value = "王五";
    dept.field = "所属单位";
    dept.value = "B";
    name.field = "name";
    name.value = "新系统";
    Tz__LedgerValue *set_owner[] = {&owner}, *set_dept[] = {&dept},
                    *add[] = {&name, &dept};
    Tz__ControlSystemSet set = TZ__CONTROL_SYSTEM_SET__INIT;
    set.system_id = 1;
    set.values = set_owner;
    set.n_values = 1;
    set.if_revision = 1;
    q = (Tz__ControlRequest)TZ__CONTROL_REQUEST__INIT;
    q.request_id = 8;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_SET;
    q.system_set = &set;
    control_seed("system-set-by-editor-session", 1 | EDITOR << 2, &q);
    set.system_id = 2;
    control_seed("system-set-of-b-by-editor-token", 2 | EDITOR << 2, &q);
    set.system_id = 1;
    set.values = set_dept;
    control_seed("system-set-dept-by-editor-session", 1 | EDITOR << 2, &q);
    set.values = set_owner;
    control_seed("system-set-by-viewer-token", 2 | VIEWER << 2, &q);

    Tz__ControlSystemAdd sa = TZ__CONTROL_SYSTEM_ADD__INIT;
    sa.values = add;
    sa.n_values = 2;
    q.body_case = TZ__CONTROL_REQUEST__BODY_SYSTEM_ADD;
    q.system_add = &sa;
    control_seed("system-add-to-b-by-editor-session", 1 | EDITOR << 2, &q);
    control_seed("system-add-to-b-by-admin-token", 2 | ADMIN << 2, &q);

    Tz__ControlLogout lo = TZ__CONTROL_LOGOUT__INIT;
    q.body_case = TZ__CONTROL_REQUEST__BODY_LOGOUT;
    q.logout = &lo;
    control_seed("logout-by-viewer-session", 1 | VIEWER << 2, &q);

    Tz__ControlScreeningRequest sr = TZ__CONTROL_SCREENING_REQUEST__INIT;
    sr.system_id = 1;
    sr.note = "九月开学前上线，请安排审查";
    q.body_case = TZ__CONTROL_REQUEST__BODY_SCREENING_REQUEST;
    q.screening_request = &sr;
    control_seed("screening-request-by-editor-session", 1 | EDITOR << 2, &q);
    control_seed("screening-request-by-viewer-token", 2 | VIEWER << 2, &q);
    sr.system_id = 2;
    control_seed("screening-request-of-b-by-editor-token", 2 | EDITOR << 2, &q);
    control_seed("screening-request-of-b-by-admin-session", 1 | ADMIN << 2, &q);

    static const uint8_t junk[] = {0x00, 0x08, 0x02, 0x12, 0xff, 0xff, 0xff, 0x0f,
                                   0x52, 0x03, 0x0a, 0x01};
    save("fuzz_control", "garbage", junk, sizeof(junk), NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz-seedgen CORPUS_DIR\n");
        return 2;
    }
    outdir = argv[1];
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    fz_keypair(FZ_KEY_AGENT, &agent);
    struct tz_error err = {0};

    Tz__Report *rep = NULL;
    if (report_collect(TZ_FIXTURES "/hosts/alpha", &rep, &err) != 0) {
        fprintf(stderr, "seedgen: %s\n", err.msg);
        return 1;
    }
    Tz__Payload pr = TZ__PAYLOAD__INIT;
    pr.seq = 1700000000123u;
    pr.sent_at = 1700000000;
    static uint8_t rid[TZ_REQUEST_ID_LEN] = {0x72, 0x69, 0x64};
    pr.request_id.data = rid;
    pr.request_id.len = sizeof(rid);
    pr.epoch = 0x0123456789abcdefu;
    pr.body_case = TZ__PAYLOAD__BODY_REPORT;
    pr.report = rep;
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = "tz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
    en.hostname = "alpha.example.edu.cn";
    en.machine_id = "0123456789abcdef0123456789abcdef";
    Tz__Payload pe = TZ__PAYLOAD__INIT;
    pe.seq = 1700000000001u;
    pe.body_case = TZ__PAYLOAD__BODY_ENROLL;
    pe.enroll = &en;
    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    Tz__Payload ph = TZ__PAYLOAD__INIT;
    ph.seq = 7;
    ph.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    ph.heartbeat = &hb;

    size_t lr, le, lh, l;
    uint8_t *br = packed(&pr, &lr), *be = packed(&pe, &le), *bh = packed(&ph, &lh);
    uint8_t *m;

    /* fuzz_payload: the plaintexts. */
    save("fuzz_payload", "report-alpha", br, lr, NULL, 0);
    save("fuzz_payload", "enroll", be, le, NULL, 0);
    save("fuzz_payload", "heartbeat", bh, lh, NULL, 0);

    /* fuzz_envelope: sealed, as on the wire. */
    fz_seal_raw(br, lr, &agent, collector.pk, TZ_PROTO_VERSION, &m, &l);
    save("fuzz_envelope", "report-alpha", m, l, NULL, 0);
    uint8_t *sealed_report = m;
    size_t sealed_report_len = l;
    fz_seal_raw(be, le, &agent, collector.pk, TZ_PROTO_VERSION, &m, &l);
    save("fuzz_envelope", "enroll", m, l, NULL, 0);
    free(m);
    fz_seal_raw(bh, lh, &agent, collector.pk, TZ_PROTO_VERSION + 1, &m, &l);
    save("fuzz_envelope", "heartbeat-next-version", m, l, NULL, 0);
    free(m);
    {
        /* A report over TZ_MAX_UNKNOWN_PAYLOAD, labelled: the gated open
         * refuses it unread from a key that is not enrolled. */
        enum { NPK = 120 };
        static Tz__Package pk[NPK];
        static Tz__Package *pp[NPK];
        static char names[NPK][24];
        for (int i = 0; i < NPK; i++) {
            tz__package__init(&pk[i]);
            snprintf(names[i], sizeof(names[i]), "package-%03d", i);
            pk[i].name = names[i];
            pk[i].version = "1.0-1";
            pp[i] = &pk[i];
        }
        Tz__PackagesSection ps = TZ__PACKAGES_SECTION__INIT;
        ps.manager = "dpkg";
        ps.n_packages = NPK;
        ps.packages = pp;
        Tz__Report big = TZ__REPORT__INIT;
        big.packages = &ps;
        Tz__Payload pb = pr;
        pb.report = &big;
        size_t lb;
        uint8_t *bb = packed(&pb, &lb);
        fz_seal_raw(bb, lb, &agent, collector.pk, TZ_PROTO_VERSION, &m, &l);
        save("fuzz_envelope", "report-over-unknown-limit", m, l, NULL, 0);
        free(m);
        free(bb);
    }

    /* fuzz_reply: mode byte 0 = raw Reply, 1 = Ack sealed by the target. */
    Tz__Ack ack = TZ__ACK__INIT;
    ack.status = TZ__STATUS__OK;
    ack.seq = 1700000000123u;
    ack.agent_id = 3;
    ack.detail = "stored";
    ack.dept = "信息工程学院";
    static uint8_t arid[TZ_REQUEST_ID_LEN] = {0x72, 0x69, 0x64};
    ack.request_id.data = arid;
    ack.request_id.len = sizeof(arid);
    ack.epoch = 0x0123456789abcdefu;
    if (reply_seal(&ack, agent.pk, &collector, &m, &l, &err) != 0)
        return 1;
    save("fuzz_reply", "sealed-ok", "\0", 1, m, l);
    free(m);
    ack.status = TZ__STATUS__FORGED;
    ack.detail = "box does not open with the claimed agent key";
    if (reply_seal(&ack, NULL, &collector, &m, &l, &err) != 0)
        return 1;
    save("fuzz_reply", "plain-forged", "\0", 1, m, l);
    free(m);
    ack.status = TZ__STATUS__NEED_FULL;
    ack.direction = TZ__DIRECTION__COLLECTOR_TO_AGENT;   /* as reply_seal sends it */
    l = tz__ack__get_packed_size(&ack);
    m = malloc(l);
    tz__ack__pack(&ack, m);
    save("fuzz_reply", "ack-need-full", "\1", 1, m, l);
    free(m);

    /* fuzz_ingest: mode byte (mode | who << 2), then the request. */
    size_t lrep = tz__report__get_packed_size(rep);
    uint8_t *brep = malloc(lrep);
    tz__report__pack(rep, brep);
    save("fuzz_ingest", "report-alpha", "\x03", 1, brep, lrep);
    {
        /* report from agent 1, heartbeat from agent 2, a raw sealed report
         * (unknown to the register's seq), the chaos agent's enroll. */
        size_t cap = lrep + lh + sealed_report_len + le + 64, n = 0;
        uint8_t *b = malloc(cap);
        b[n++] = 0x07;
        memcpy(b + n, brep, lrep), n += lrep;
        memcpy(b + n, FZ_SEP, 4), n += 4;
        b[n++] = 0x0a;
        memcpy(b + n, bh, lh), n += lh;
        memcpy(b + n, FZ_SEP, 4), n += 4;
        b[n++] = 0x00;
        memcpy(b + n, sealed_report, sealed_report_len), n += sealed_report_len;
        memcpy(b + n, FZ_SEP, 4), n += 4;
        b[n++] = 0x0d;
        memcpy(b + n, be, le), n += le;
        save("fuzz_ingest", "batch-of-four", b, n, NULL, 0);
        free(b);
    }
    free(brep);
    free(sealed_report);

    /* fuzz_dpkg: the fixture databases. */
    const char *hosts[] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "hosts/%s/var/lib/dpkg/status", hosts[i]);
        char *s = slurp(rel, &l);
        save("fuzz_dpkg", hosts[i], s, l, NULL, 0);
        free(s);
    }

    /* fuzz_host: os-release, cpuinfo, meminfo, hostname, if_inet6. */
    for (int i = 0; i < 2; i++) {
        const char *rels[] = {"etc/os-release", "proc/cpuinfo", "proc/meminfo",
                              "etc/hostname"};
        char *acc = malloc(1 << 20);
        size_t n = 0;
        for (int k = 0; k < 4; k++) {
            char rel[128];
            snprintf(rel, sizeof(rel), "hosts/%s/%s", hosts[i], rels[k]);
            char *s = slurp(rel, &l);
            memcpy(acc + n, s, l), n += l;
            memcpy(acc + n, FZ_SEP, 4), n += 4;
            free(s);
        }
        const char *inet6 = "fe80000000000000505400fffe123456 02 40 20 80     eth0\n"
                            "00000000000000000000000000000001 01 80 10 80       lo\n";
        memcpy(acc + n, inet6, strlen(inet6)), n += strlen(inet6);
        save("fuzz_host", hosts[i], acc, n, NULL, 0);
        free(acc);
    }

    /* fuzz_config: 0 agent INI, 1 collector INI, 2 agent state. */
    const char *ai = "[agent]\ncollector = tcp://collector.example.edu.cn:7450\n"
                     "collector = ipc:///run/tz.sock\n"
                     "collector_key = 5f1c0b7e9f9f2a44a0d6d3d0f2a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4\n"
                     "enroll_token = tz_abc\nstate_dir = /var/lib/tz-agent\n"
                     "root = /\ntimeout = 30\n";
    save("fuzz_config", "agent-ini", "\0", 1, ai, strlen(ai));
    const char *ci = "[collector]\ndata = /var/lib/tz-collector\n"
                     "listen = tcp://0.0.0.0:7450\nmax_batch = 256\n"
                     "max_message = 8388608\n";
    save("fuzz_config", "collector-ini", "\1", 1, ci, strlen(ci));
    const char *st = "agent_id=3\nseq=1700000000123\ndept=信息工程学院\n";
    save("fuzz_config", "agent-state", "\2", 1, st, strlen(st));
    const char *pi = "[portal]\ndata = /var/lib/taizhang\nlisten = [::1]:7451\n"
                     "secure_cookies = auto\nmax_connections = 256\n"
                     "per_ip_connections = 32\ntimeout = 30\n";
    save("fuzz_config", "portal-ini", "\3", 1, pi, strlen(pi));

    control_seeds();

    free(br);
    free(be);
    free(bh);
    protobuf_c_message_free_unpacked(&rep->base, NULL);
    return 0;
}
