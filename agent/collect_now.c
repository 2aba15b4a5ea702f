/* collect_now — subscribe to "collect now" and judge what arrives. */
#include "collect_now.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <sodium.h>

#include "tz_log.h"

void collect_now_judge_init(struct collect_now_judge *j, uint64_t agent_id,
                            const uint8_t collector_pk[32],
                            const uint8_t agent_sk[32],
                            const struct collect_now_policy *policy)
{
    memset(j, 0, sizeof(*j));
    j->agent_id = agent_id;
    memcpy(j->collector_pk, collector_pk, 32);
    memcpy(j->agent_sk, agent_sk, 32);
    j->policy = *policy;
}

static int seen_before(const struct collect_now_judge *j, const uint8_t *id)
{
    for (size_t i = 0; i < j->n_seen; i++)
        if (sodium_memcmp(j->seen[i], id, PUSH_REQUEST_ID_LEN) == 0)
            return 1;
    return 0;
}

static void remember(struct collect_now_judge *j, const uint8_t *id)
{
    memcpy(j->seen[j->next_seen], id, PUSH_REQUEST_ID_LEN);
    j->next_seen = (j->next_seen + 1) % COLLECT_NOW_SEEN;
    if (j->n_seen < COLLECT_NOW_SEEN)
        j->n_seen++;
}

enum cn_outcome collect_now_judge(struct collect_now_judge *j,
                                  const uint8_t *msg, size_t len, int64_t now,
                                  uint8_t request_id[PUSH_REQUEST_ID_LEN])
{
    int64_t issued = 0;
    uint8_t id[PUSH_REQUEST_ID_LEN];
    enum cn_outcome o;
    switch (push_open(msg, len, j->agent_id, j->collector_pk, j->agent_sk,
                      &issued, id)) {
    case PUSH_OK:
        o = CN_ACT;
        break;
    case PUSH_OTHER_AGENT: o = CN_OTHER_AGENT; break;
    case PUSH_FORGED: o = CN_FORGED; break;
    case PUSH_WRONG_KIND: o = CN_WRONG_KIND; break;
    default: o = CN_MALFORMED; break;
    }
    if (o == CN_ACT && (issued > now + j->policy.max_age_s ||
                        issued < now - j->policy.max_age_s))
        o = CN_STALE;
    else if (o == CN_ACT && seen_before(j, id))
        o = CN_REPLAYED;
    else if (o == CN_ACT && j->last_acted &&
             now - j->last_acted < j->policy.min_interval_s)
        o = CN_RATE_LIMITED;
    /* A rate-limited genuine message is remembered too: resending it later
     * is a replay, not a second chance. */
    if (o == CN_ACT || o == CN_RATE_LIMITED)
        remember(j, id);
    j->counts[o]++;
    if (o == CN_ACT) {
        j->last_acted = now;
        memcpy(request_id, id, PUSH_REQUEST_ID_LEN);
    }
    return o;
}

const char *cn_outcome_name(enum cn_outcome o)
{
    static const char *const names[CN__COUNT] = {
        "acted on", "malformed", "for another agent", "forged",
        "not a collect-now", "stale", "replayed", "rate limited"};
    return (unsigned)o < CN__COUNT ? names[o] : "?";
}

struct collect_now {
    int sock;
    struct collect_now_judge j;
    uint64_t logged[CN__COUNT];
    int64_t last_log;
};

int collect_now_open(const char *const *urls, size_t n, uint64_t agent_id,
                     const uint8_t collector_pk[32], const uint8_t agent_sk[32],
                     const struct collect_now_policy *policy,
                     struct collect_now **out, struct tz_error *err)
{
    struct collect_now *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    collect_now_judge_init(&c->j, agent_id, collector_pk, agent_sk, policy);
    char topic[PUSH_TOPIC_MAX];
    size_t tlen = push_topic(agent_id, topic);
    int maxsz = PUSH_MAX_MSG, ivl = 1000, ivl_max = 60000;
    c->sock = nn_socket(AF_SP, NN_SUB);
    if (c->sock < 0 ||
        nn_setsockopt(c->sock, NN_SUB, NN_SUB_SUBSCRIBE, topic, tlen) < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz, sizeof(maxsz)) < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RECONNECT_IVL, &ivl, sizeof(ivl)) < 0 ||
        nn_setsockopt(c->sock, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, &ivl_max,
                      sizeof(ivl_max)) < 0) {
        int e = nn_errno();
        collect_now_close(c);
        return tz_err(err, TZ_EIO, NULL, 0, "collect-now subscription: %s",
                      nn_strerror(e));
    }
    for (size_t i = 0; i < n; i++)
        if (nn_connect(c->sock, urls[i]) < 0) {
            int e = nn_errno();
            collect_now_close(c);
            return tz_err(err, TZ_EIO, urls[i], 0, "collect-now subscription: %s",
                          nn_strerror(e));
        }
    *out = c;
    return 0;
}

void collect_now_close(struct collect_now *c)
{
    if (c == NULL)
        return;
    if (c->sock >= 0)
        nn_close(c->sock);
    sodium_memzero(c->j.agent_sk, sizeof(c->j.agent_sk));
    free(c);
}

int collect_now_fd(const struct collect_now *c)
{
    int fd = -1;
    size_t sz = sizeof(fd);
    if (nn_getsockopt(c->sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) < 0)
        return -1;
    return fd;
}

int collect_now_recv(struct collect_now *c, int64_t now, enum cn_outcome *outcome,
                     uint8_t request_id[PUSH_REQUEST_ID_LEN])
{
    void *msg = NULL;
    int n = nn_recv(c->sock, &msg, NN_MSG, NN_DONTWAIT);
    if (n < 0)
        return TZ_ENOENT;
    *outcome = collect_now_judge(&c->j, msg, (size_t)n, now, request_id);
    nn_freemsg(msg);
    return 0;
}

void collect_now_note_ignored(struct collect_now *c, int64_t now)
{
    if (c->last_log && now - c->last_log < 60)
        return;
    char line[512];
    size_t used = 0;
    line[0] = '\0';
    for (int o = 1; o < CN__COUNT; o++) {
        uint64_t d = c->j.counts[o] - c->logged[o];
        if (d == 0)
            continue;
        int w = snprintf(line + used, sizeof(line) - used, "%s%llu %s",
                         used ? ", " : "", (unsigned long long)d,
                         cn_outcome_name((enum cn_outcome)o));
        if (w > 0 && (size_t)w < sizeof(line) - used)
            used += (size_t)w;
        c->logged[o] = c->j.counts[o];
    }
    if (used) {
        tz_log(TZ_LOG_WARN, "collect-now messages ignored: %s", line);
        c->last_log = now;
    }
}

const struct collect_now_judge *collect_now_state(const struct collect_now *c)
{
    return &c->j;
}
