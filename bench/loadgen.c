/* loadgen — N simulated agents sending real-sized reports to a tz-collector.
 *
 * Each agent has its own X25519 keypair, enrolls with --token (DESIGN.md §2),
 * then sends full reports (every section, ~1,500 packages grown from this
 * machine's dpkg database, see report_gen.h) or delta reports (one changed
 * section, hashes of all) with a strictly rising seq. --inflight REQ sockets
 * keep that many requests outstanding; an agent belongs to one socket, so its
 * requests never overtake each other. Enrollment (and, for deltas, the base
 * full report) happens before the clock starts.
 *
 * Prints reports/s, MB/s on the wire, p50/p99 Ack latency and the count of
 * each Ack status, then one "RESULT key=value ..." line for scripts. Exits 1
 * unless every Ack, enrollment included, was an authenticated OK. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "envelope.h"
#include "keys.h"
#include "report_gen.h"
#include "taizhang.pb-c.h"
#include "tz_limits.h"
#include "wire.h"

#define MAX_STATUS 16

struct agent {
    struct wire_agent w;
    struct gen_sections s;
    uint64_t seq;       /* last seq sent */
    uint32_t gen;       /* generation of the varying section */
};

struct lg {
    const char *url, *token;
    uint8_t collector_pk[TZ_KEY_LEN];
    size_t n_agents, inflight, npkgs;
    uint32_t first_agent;
    int delta, vary_kind, once, quiet;
    double duration, timeout;
    uint64_t count;
    struct gen_base *base;
    struct agent *agents;
};

struct slot {
    int sock, fd;
    int busy;
    size_t agent;       /* index in lg->agents of the request in flight */
    uint64_t seq;
    size_t sent_here;   /* requests this slot sent in the phase */
    double t0;
    /* The slot's next request, sealed while the collector works on the
     * current one, as an agent has its report ready before it connects:
     * the load generator's own CPU stays off the collector's critical path. */
    uint8_t *next_msg;
    size_t next_len, next_agent;
    uint64_t next_seq;
};

struct phase {
    uint64_t sent, done, bytes;
    uint64_t status[MAX_STATUS];
    uint64_t unauthenticated, seq_mismatch, undecodable;
    double *lat;        /* seconds, one per reply */
    size_t n_lat, cap_lat;
    double seconds;
};

typedef int (*build_fn)(struct lg *lg, size_t agent, uint8_t **msg, size_t *len,
                        uint64_t *seq);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int build_enroll(struct lg *lg, size_t i, uint8_t **msg, size_t *len,
                        uint64_t *seq)
{
    struct agent *a = &lg->agents[i];
    char host[64], mid[40];
    gen_agent_hostname(lg->first_agent + (uint32_t)i, host, sizeof(host));
    snprintf(mid, sizeof(mid), "bench%027zu", (size_t)lg->first_agent + i);
    Tz__Enroll e = TZ__ENROLL__INIT;
    e.token = (char *)lg->token;
    e.hostname = host;
    e.machine_id = mid;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = ++a->seq;
    p.sent_at = (int64_t)time(NULL);
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &e;
    struct tz_error err = {0};
    *seq = p.seq;
    /* Enrollment goes through the agent's own code path. */
    return envelope_seal(&p, &a->w.kp, lg->collector_pk, msg, len, &err);
}

static int seal_sections(struct lg *lg, size_t i, unsigned mask, uint8_t **msg,
                         size_t *len, uint64_t *seq)
{
    struct agent *a = &lg->agents[i];
    uint8_t *rep;
    size_t rlen;
    int64_t t = (int64_t)time(NULL);
    if (gen_report_pack(&a->s, mask, t, &rep, &rlen) != 0)
        return TZ_ENOMEM;
    *seq = ++a->seq;
    int rc = wire_seal_report(&a->w, *seq, t, rep, rlen, msg, len);
    free(rep);
    (void)lg;
    return rc;
}

/* The base of later deltas: every section as generated, nothing varied. */
static int build_base(struct lg *lg, size_t i, uint8_t **msg, size_t *len,
                      uint64_t *seq)
{
    return seal_sections(lg, i, GEN_ALL_SECTIONS, msg, len, seq);
}

/* A full report a day later: uptime moved on, everything sent. */
static int build_full(struct lg *lg, size_t i, uint8_t **msg, size_t *len,
                      uint64_t *seq)
{
    struct agent *a = &lg->agents[i];
    struct tz_error err = {0};
    if (gen_agent_vary(lg->base, lg->first_agent + (uint32_t)i, ++a->gen,
                       TZ__SECTION_KIND__SECTION_HOST, &a->s, &err) != 0)
        return err.code;
    return seal_sections(lg, i, GEN_ALL_SECTIONS, msg, len, seq);
}

/* A delta: the one varying section changed and sent, the rest only hashed. */
static int build_delta(struct lg *lg, size_t i, uint8_t **msg, size_t *len,
                       uint64_t *seq)
{
    struct agent *a = &lg->agents[i];
    struct tz_error err = {0};
    if (gen_agent_vary(lg->base, lg->first_agent + (uint32_t)i, ++a->gen,
                       lg->vary_kind, &a->s, &err) != 0)
        return err.code;
    return seal_sections(lg, i, 1u << lg->vary_kind, msg, len, seq);
}

static int lat_push(struct phase *ph, double v)
{
    if (ph->n_lat == ph->cap_lat) {
        size_t cap = ph->cap_lat ? ph->cap_lat * 2 : 4096;
        double *n = realloc(ph->lat, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        ph->lat = n;
        ph->cap_lat = cap;
    }
    ph->lat[ph->n_lat++] = v;
    return 0;
}

/* The next agent slot s serves: agents s, s+K, s+2K, ... round robin. With
 * once, each of them exactly once; returns 0 when none is left. */
static int next_agent(const struct lg *lg, struct slot *sl, size_t s, int once,
                      size_t *agent)
{
    size_t k = lg->inflight;
    size_t mine = (lg->n_agents - s + k - 1) / k;
    if (mine == 0 || (once && sl->sent_here >= mine))
        return 0;
    *agent = s + (sl->sent_here % mine) * k;
    return 1;
}

/* Seal slot s's next request unless it has one: 1 when it has, 0 when the
 * slot has nothing left to send, -1 on failure. */
static int prepare(struct lg *lg, struct slot *sl, size_t s, build_fn build, int once)
{
    if (sl->next_msg)
        return 1;
    size_t agent;
    if (!next_agent(lg, sl, s, once, &agent))
        return 0;
    int rc = build(lg, agent, &sl->next_msg, &sl->next_len, &sl->next_seq);
    if (rc != 0) {
        fprintf(stderr, "loadgen: building a request failed (%d)\n", rc);
        sl->next_msg = NULL;
        return -1;
    }
    sl->next_agent = agent;
    return 1;
}

static void discard_next(struct slot *sl)
{
    free(sl->next_msg);
    sl->next_msg = NULL;
}

static int send_one(struct lg *lg, struct slot *sl, size_t s, build_fn build,
                    int once, struct phase *ph)
{
    int rc = prepare(lg, sl, s, build, once);
    if (rc <= 0)
        return rc;
    sl->t0 = now_s();
    if (nn_send(sl->sock, sl->next_msg, sl->next_len, 0) < 0) {
        fprintf(stderr, "loadgen: send: %s\n", nn_strerror(nn_errno()));
        discard_next(sl);
        return -1;
    }
    sl->busy = 1;
    sl->agent = sl->next_agent;
    sl->seq = sl->next_seq;
    sl->sent_here++;
    ph->sent++;
    ph->bytes += sl->next_len;
    discard_next(sl);
    return 1;
}

static int run_phase(struct lg *lg, struct slot *slots, const char *name,
                     build_fn build, int once, uint64_t count, double duration,
                     struct phase *ph)
{
    size_t k = lg->inflight;
    struct pollfd *pfd = calloc(k, sizeof(*pfd));
    size_t *pidx = calloc(k, sizeof(*pidx));
    if (pfd == NULL || pidx == NULL) {
        free(pfd);
        free(pidx);
        return -1;
    }
    memset(ph, 0, sizeof(*ph));
    for (size_t s = 0; s < k; s++) {
        slots[s].sent_here = 0, slots[s].busy = 0;
        discard_next(&slots[s]);
    }
    double start = now_s(), last = start;
    int stopping = 0, rc = 0;
    for (size_t s = 0; s < k && rc == 0; s++) {
        if (count && ph->sent >= count)
            break;
        if (send_one(lg, &slots[s], s, build, once, ph) < 0)
            rc = -1;
    }
    for (;;) {
        if (rc != 0)
            break;
        size_t np = 0;
        for (size_t s = 0; s < k; s++) {
            if (!slots[s].busy)
                continue;
            pfd[np] = (struct pollfd){.fd = slots[s].fd, .events = POLLIN};
            pidx[np++] = s;
        }
        if (np == 0)
            break;
        int pr = poll(pfd, np, 100);
        if (pr < 0 && errno != EINTR) {
            perror("loadgen: poll");
            rc = -1;
            break;
        }
        double t = now_s();
        if (!stopping && ((duration > 0 && t - start >= duration) ||
                          (count && ph->sent >= count)))
            stopping = 1;
        for (size_t j = 0; j < np && rc == 0; j++) {
            struct slot *sl = &slots[pidx[j]];
            if (!(pfd[j].revents & POLLIN)) {
                if (t - sl->t0 > lg->timeout) {
                    fprintf(stderr, "loadgen: %s: no answer to agent %zu seq %llu "
                                    "within %.0f s\n", name, sl->agent,
                            (unsigned long long)sl->seq, lg->timeout);
                    rc = -1;
                }
                continue;
            }
            void *buf = NULL;
            int r = nn_recv(sl->sock, &buf, NN_MSG, NN_DONTWAIT);
            if (r < 0) {
                if (nn_errno() == EAGAIN || nn_errno() == EINTR)
                    continue;
                fprintf(stderr, "loadgen: recv: %s\n", nn_strerror(nn_errno()));
                rc = -1;
                break;
            }
            double tr = now_s();
            int status, auth;
            uint64_t aseq;
            if (wire_open_reply(&lg->agents[sl->agent].w, buf, (size_t)r, &status,
                                &aseq, &auth) != 0)
                ph->undecodable++;
            else {
                ph->status[status >= 0 && status < MAX_STATUS ? status : 0]++;
                if (!auth)
                    ph->unauthenticated++;
                if (aseq != sl->seq)
                    ph->seq_mismatch++;
            }
            nn_freemsg(buf);
            if (lat_push(ph, tr - sl->t0) != 0)
                rc = -1;
            ph->done++;
            last = tr;
            sl->busy = 0;
            if (!stopping && !(count && ph->sent >= count) &&
                send_one(lg, sl, pidx[j], build, once, ph) < 0)
                rc = -1;
        }
        /* Every answered slot has sent its next request: seal the ones
         * after those while the collector is busy with them. */
        for (size_t s = 0; s < k && rc == 0 && !stopping; s++)
            if (slots[s].busy && prepare(lg, &slots[s], s, build, once) < 0)
                rc = -1;
    }
    for (size_t s = 0; s < k; s++)
        discard_next(&slots[s]);
    ph->seconds = last - start;
    free(pfd);
    free(pidx);
    return rc;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const struct phase *ph, double p)
{
    if (ph->n_lat == 0)
        return 0;
    size_t i = (size_t)(p * (double)(ph->n_lat - 1) + 0.5);
    return ph->lat[i] * 1000.0;
}

/* Status counts as "ok=N replay=M"; returns how many were not an
 * authenticated OK. */
static uint64_t status_line(const struct phase *ph, char *out, size_t len)
{
    size_t used = 0;
    uint64_t bad = ph->undecodable + ph->unauthenticated + ph->seq_mismatch;
    out[0] = '\0';
    for (int s = 0; s < MAX_STATUS; s++) {
        if (ph->status[s] == 0)
            continue;
        if (s != TZ__STATUS__OK)
            bad += ph->status[s];
        int w = snprintf(out + used, len - used, "%s%s=%llu", used ? " " : "",
                         tz_status_name(s), (unsigned long long)ph->status[s]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    if (ph->undecodable || ph->unauthenticated || ph->seq_mismatch)
        snprintf(out + used, len - used, " undecodable=%llu unauthenticated=%llu "
                 "seq_mismatch=%llu", (unsigned long long)ph->undecodable,
                 (unsigned long long)ph->unauthenticated,
                 (unsigned long long)ph->seq_mismatch);
    return bad + (ph->sent - ph->done);
}

static int load_key(const char *arg, uint8_t pk[TZ_KEY_LEN])
{
    if (tz_hex_decode(arg, pk, TZ_KEY_LEN) == 0)
        return 0;
    FILE *f = fopen(arg, "r");
    if (f == NULL)
        return -1;
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return tz_hex_decode(buf, pk, TZ_KEY_LEN);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: loadgen --url URL --collector-key HEX|FILE --token TOKEN\n"
            "               [--agents N] [--inflight K] [--mode full|delta]\n"
            "               [--delta-section host|packages] [--packages N]\n"
            "               [--duration S] [--count N] [--once] [--first-agent N]\n"
            "               [--timeout S] [--quiet]\n"
            "  --agents N        simulated agents, each with its own key (default 200)\n"
            "  --inflight K      requests outstanding, one REQ socket each (default 64)\n"
            "  --mode            full reports, or deltas of one section (default full)\n"
            "  --delta-section   the section a delta changes (default host: uptime)\n"
            "  --packages N      packages per agent before its own drops (default 1500)\n"
            "  --duration S      timed phase length (default 10 unless --count)\n"
            "  --count N         stop the timed phase after N reports\n"
            "  --once            each agent sends exactly one timed report\n"
            "  --first-agent N   number agents from N (hostnames, addresses)\n");
}

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno || *end || end == s || *out < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    /* As in tz-collector: ~80 KB messages come and go in bursts; keep the
     * heap instead of faulting it in again for every batch. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    struct lg lg = {.n_agents = 200, .inflight = 64, .npkgs = 1500,
                    .vary_kind = TZ__SECTION_KIND__SECTION_HOST, .timeout = 60};
    const char *key = NULL;
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"collector-key", required_argument, NULL, 'k'},
        {"token", required_argument, NULL, 't'},
        {"agents", required_argument, NULL, 'a'},
        {"inflight", required_argument, NULL, 'i'},
        {"mode", required_argument, NULL, 'm'},
        {"delta-section", required_argument, NULL, 's'},
        {"packages", required_argument, NULL, 'p'},
        {"duration", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"first-agent", required_argument, NULL, 'f'},
        {"timeout", required_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    double v;
    while ((ch = getopt_long(argc, argv, "u:k:t:a:i:m:s:p:d:c:of:T:qh", opts, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case 'u': lg.url = optarg; break;
        case 'k': key = optarg; break;
        case 't': lg.token = optarg; break;
        case 'a': bad = parse_num(optarg, &v) || v < 1; lg.n_agents = (size_t)v; break;
        case 'i': bad = parse_num(optarg, &v) || v < 1; lg.inflight = (size_t)v; break;
        case 'p': bad = parse_num(optarg, &v) || v < 4; lg.npkgs = (size_t)v; break;
        case 'd': bad = parse_num(optarg, &lg.duration); break;
        case 'c': bad = parse_num(optarg, &v); lg.count = (uint64_t)v; break;
        case 'f': bad = parse_num(optarg, &v); lg.first_agent = (uint32_t)v; break;
        case 'T': bad = parse_num(optarg, &lg.timeout); break;
        case 'o': lg.once = 1; break;
        case 'q': lg.quiet = 1; break;
        case 'm':
            if (strcmp(optarg, "delta") == 0)
                lg.delta = 1;
            else
                bad = strcmp(optarg, "full") != 0;
            break;
        case 's':
            if (strcmp(optarg, "packages") == 0)
                lg.vary_kind = TZ__SECTION_KIND__SECTION_PACKAGES;
            else
                bad = strcmp(optarg, "host") != 0;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (bad) {
            fprintf(stderr, "loadgen: bad option value: %s\n", optarg);
            return 2;
        }
    }
    if (lg.url == NULL || key == NULL || lg.token == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (lg.duration == 0 && lg.count == 0 && !lg.once)
        lg.duration = 10;
    if (lg.inflight > lg.n_agents)
        lg.inflight = lg.n_agents;
    if (sodium_init() < 0 || load_key(key, lg.collector_pk) != 0) {
        fprintf(stderr, "loadgen: cannot read the collector key from %s\n", key);
        return 2;
    }

    struct tz_error err = {0};
    char ebuf[1024];
    if (gen_base_load(lg.npkgs, &lg.base, &err) != 0) {
        fprintf(stderr, "loadgen: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    lg.agents = calloc(lg.n_agents, sizeof(*lg.agents));
    struct slot *slots = calloc(lg.inflight, sizeof(*slots));
    if (lg.agents == NULL || slots == NULL) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    size_t full_bytes = 0;
    for (size_t i = 0; i < lg.n_agents; i++) {
        if (wire_agent_init(&lg.agents[i].w, lg.collector_pk) != 0 ||
            gen_agent_sections(lg.base, lg.first_agent + (uint32_t)i,
                               &lg.agents[i].s, &err) != 0) {
            fprintf(stderr, "loadgen: preparing agent %zu: %s\n", i,
                    tz_error_str(&err, ebuf, sizeof(ebuf)));
            return 1;
        }
        if (i == 0)
            for (int k = 1; k < GEN_KINDS; k++)
                full_bytes += lg.agents[i].s.len[k];
    }
    if (!lg.quiet)
        printf("loadgen: %zu agents, %zu in flight, %s reports%s%s, %zu packages "
               "(%zu from this machine's dpkg), ~%zu KB of sections per agent\n",
               lg.n_agents, lg.inflight, lg.delta ? "delta" : "full",
               lg.delta ? " changing " : "",
               lg.delta ? (lg.vary_kind == TZ__SECTION_KIND__SECTION_HOST ? "host"
                                                                          : "packages")
                        : "",
               lg.npkgs, gen_base_real_packages(lg.base), full_bytes / 1024);

    for (size_t s = 0; s < lg.inflight; s++) {
        int resend = 3600 * 1000, tmo = (int)(lg.timeout * 1000);
        size_t fdsz = sizeof(int);
        slots[s].sock = nn_socket(AF_SP, NN_REQ);
        /* No automatic resend: a resent report would come back REPLAY and
         * hide a slow collector behind duplicates. */
        if (slots[s].sock < 0 ||
            nn_setsockopt(slots[s].sock, NN_REQ, NN_REQ_RESEND_IVL, &resend,
                          sizeof(resend)) < 0 ||
            nn_setsockopt(slots[s].sock, NN_SOL_SOCKET, NN_SNDTIMEO, &tmo,
                          sizeof(tmo)) < 0 ||
            nn_getsockopt(slots[s].sock, NN_SOL_SOCKET, NN_RCVFD, &slots[s].fd,
                          &fdsz) < 0 ||
            nn_connect(slots[s].sock, lg.url) < 0) {
            fprintf(stderr, "loadgen: socket to %s: %s\n", lg.url,
                    nn_strerror(nn_errno()));
            return 1;
        }
    }

    int rc = 0;
    uint64_t bad = 0;
    char sl[512];
    struct phase ph;
    if (run_phase(&lg, slots, "enroll", build_enroll, 1, 0, 0, &ph) != 0)
        rc = 1;
    bad += status_line(&ph, sl, sizeof(sl));
    if (!lg.quiet)
        printf("enroll: %llu agents in %.2f s: %s\n", (unsigned long long)ph.done,
               ph.seconds, sl);
    free(ph.lat);
    if (rc == 0 && bad == 0 && lg.delta) {
        if (run_phase(&lg, slots, "base", build_base, 1, 0, 0, &ph) != 0)
            rc = 1;
        bad += status_line(&ph, sl, sizeof(sl));
        if (!lg.quiet)
            printf("base full reports: %llu in %.2f s: %s\n",
                   (unsigned long long)ph.done, ph.seconds, sl);
        free(ph.lat);
    }
    if (rc != 0 || bad != 0) {
        fprintf(stderr, "loadgen: setup failed; no timed phase\n");
        return 1;
    }

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    if (run_phase(&lg, slots, lg.delta ? "delta" : "full",
                  lg.delta ? build_delta : build_full, lg.once, lg.count,
                  lg.duration, &ph) != 0)
        rc = 1;
    getrusage(RUSAGE_SELF, &ru1);
    bad = status_line(&ph, sl, sizeof(sl));
    qsort(ph.lat, ph.n_lat, sizeof(double), dcmp);
    double secs = ph.seconds > 0 ? ph.seconds : 1e-9;
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                 (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    double rps = (double)ph.done / secs, mbps = (double)ph.bytes / secs / 1e6;
    printf("%s: %llu reports in %.2f s = %.0f reports/s, %.1f MB/s "
           "(%.1f KB/report); ack latency p50 %.2f ms, p99 %.2f ms; "
           "loadgen CPU %.2f s\n",
           lg.delta ? "delta" : "full", (unsigned long long)ph.done, secs, rps, mbps,
           ph.done ? (double)ph.bytes / (double)ph.sent / 1024.0 : 0.0, pct(&ph, 0.50),
           pct(&ph, 0.99), cpu);
    printf("status: %s\n", sl[0] ? sl : "(none)");
    printf("RESULT mode=%s agents=%zu inflight=%zu reports=%llu seconds=%.3f "
           "rps=%.1f mbps=%.2f bytes_per_report=%.0f p50_ms=%.3f p99_ms=%.3f "
           "not_ok=%llu loadgen_cpu_s=%.2f\n",
           lg.delta ? "delta" : "full", lg.n_agents, lg.inflight,
           (unsigned long long)ph.done, secs, rps, mbps,
           ph.sent ? (double)ph.bytes / (double)ph.sent : 0.0, pct(&ph, 0.50),
           pct(&ph, 0.99), (unsigned long long)bad, cpu);
    free(ph.lat);
    for (size_t s = 0; s < lg.inflight; s++)
        nn_close(slots[s].sock);
    for (size_t i = 0; i < lg.n_agents; i++)
        gen_sections_free(&lg.agents[i].s);
    free(lg.agents);
    free(slots);
    gen_base_free(lg.base);
    if (rc == 0 && bad != 0)
        fprintf(stderr, "loadgen: %llu requests were not answered OK\n",
                (unsigned long long)bad);
    return rc == 0 && bad == 0 && ph.done > 0 ? 0 : 1;
}
