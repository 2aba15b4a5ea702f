/* ingest — raw REP socket → verify → group commit → acks. */
#include "ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "envelope.h"
#include "keycache.h"
#include "peer_limit.h"
#include "sections.h"
#include "tz_limits.h"
#include "tz_log.h"

/* Slack above the protocol limit that nanomsg still delivers, so that a
 * slightly oversized request gets a TOO_LARGE answer instead of a silently
 * dropped connection. Anything larger is refused by the transport itself. */
#define TRANSPORT_SLACK (1u << 20)

static uint64_t pk_key(const uint8_t *pk)
{
    uint64_t k;
    memcpy(&k, pk, sizeof(k));
    return k;
}

/* Debug line naming the sections a report carried: a delta shows fewer. */
static void log_stored(const struct register_item *it)
{
    char list[160] = "";
    size_t used = 0;
    for (int kind = TZ_SECTION_FIRST; kind <= TZ_SECTION_LAST; kind++) {
        if (tz_section_get(it->report, kind) == NULL &&
            (it->lazy == NULL || (it->lazy->present & (1u << kind)) == 0))
            continue;
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "",
                         tz_section_name(kind));
        if (w < 0 || (size_t)w >= sizeof(list) - used)
            break;
        used += (size_t)w;
    }
    tz_log(TZ_LOG_DEBUG, "stored report seq %llu from agent %llu: sections [%s]",
           (unsigned long long)it->seq, (unsigned long long)it->agent_id, list);
}

/* Whom envelope_open_gated asks about an agent key. */
struct key_source {
    struct tz_register *reg;
    struct keycache *kc;   /* may be NULL */
};

static const uint8_t *cached_key(void *arg, const uint8_t agent_pk[TZ_KEY_LEN])
{
    struct key_source *ks = arg;
    return ks->kc ? keycache_get(ks->kc, agent_pk) : NULL;
}

/* Enrolled? The cache remembers a yes (keys stay enrolled); a no is asked
 * again each time, one read of agentkeys. */
static int enrolled_key(void *arg, const uint8_t agent_pk[TZ_KEY_LEN])
{
    struct key_source *ks = arg;
    if (ks->kc && keycache_enrolled(ks->kc, agent_pk))
        return 1;
    uint64_t id;
    struct tz_error err = {0};
    int rc = register_find_agent(ks->reg, agent_pk, &id, &err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0) {
        tz_log(TZ_LOG_ERROR, "looking an agent key up: %s", err.msg);
        return -1;
    }
    if (ks->kc)
        keycache_mark_enrolled(ks->kc, agent_pk);
    return 1;
}

int ingest_process(struct tz_register *reg, const struct tz_keypair *kp,
                   struct ingest_req *reqs, size_t n, size_t max_msg,
                   int64_t now, struct tz_error *err)
{
    return ingest_process_cached(reg, kp, NULL, reqs, n, max_msg, now, err);
}

int ingest_process_cached(struct tz_register *reg, const struct tz_keypair *kp,
                          struct keycache *kc, struct ingest_req *reqs, size_t n,
                          size_t max_msg, int64_t now, struct tz_error *err)
{
    /* Cached by the register: no read per message (nor per batch). 0 in a
     * request is an agent that never heard from this collector (enrollment,
     * or a state file from before epochs): accepted, and taught. */
    const uint64_t epoch = register_epoch(reg);
    struct key_source ks = {.reg = reg, .kc = kc};
    struct envelope_opened *op = calloc(n ? n : 1, sizeof(*op));
    struct register_item *items = calloc(n ? n : 1, sizeof(*items));
    int rc = 0;
    if (op == NULL || items == NULL) {
        free(op);
        free(items);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }

    for (size_t i = 0; i < n; i++) {
        struct register_item *it = &items[i];
        if (reqs[i].throttled) {
            it->kind = ITEM_THROTTLED;
            it->throttled = reqs[i].throttled;
            continue;
        }
        envelope_open_gated(reqs[i].msg, reqs[i].len, max_msg, kp, cached_key,
                            enrolled_key, &ks, &op[i]);
        if (op[i].have_pk)
            memcpy(it->agent_pk, op[i].agent_pk, sizeof(it->agent_pk));
        if (op[i].status != TZ__STATUS__OK) {
            it->kind = ITEM_REJECTED;
            it->status = op[i].status;
            /* The seq as far as the open read it (0: not read): with the
             * request id it makes this refusal the agent's answer, which it
             * gives up on instead of sending the same bytes again. */
            it->seq = op[i].seq;
            snprintf(it->detail, sizeof(it->detail), "%s", op[i].detail);
            continue;
        }
        const Tz__Payload *p = op[i].payload;
        it->seq = p->seq;
        if (p->epoch != 0 && p->epoch != epoch) {
            /* Sealed for the register as it was before a restore: maybe an
             * agent that has not heard yet, maybe a recording replayed. Its
             * seq may be above the restored last_seq, so only the epoch can
             * tell; the Ack names the current one and the agent resends. */
            it->kind = ITEM_REJECTED;
            it->status = TZ__STATUS__STALE_EPOCH;
            snprintf(it->detail, sizeof(it->detail), "register epoch %016llx is not "
                     "the current one (the register was restored): resend under the "
                     "epoch in this answer", (unsigned long long)p->epoch);
            continue;
        }
        switch (p->body_case) {
        case TZ__PAYLOAD__BODY_ENROLL:
            it->kind = ITEM_ENROLL;
            it->enroll = p->enroll;
            break;
        case TZ__PAYLOAD__BODY_REPORT:
            it->kind = ITEM_REPORT;
            it->report = p->report;
            it->lazy = &op[i].lazy;
            break;
        default:
            it->kind = ITEM_HEARTBEAT;
            break;
        }
    }

    struct tz_error serr = {0};
    if (register_put_batch(reg, items, n, now, &serr) != 0) {
        char buf[700];
        tz_log(TZ_LOG_ERROR, "storing a batch of %zu failed, nothing acked: %s", n,
               tz_error_str(&serr, buf, sizeof(buf)));
        for (size_t i = 0; i < n; i++) {
            if (items[i].kind == ITEM_REJECTED || items[i].kind == ITEM_THROTTLED)
                continue;
            items[i].status = TZ__STATUS__STORAGE_ERROR;
            snprintf(items[i].detail, sizeof(items[i].detail),
                     "collector could not store the request; retry later");
        }
    }

    for (size_t i = 0; i < n; i++) {
        const struct register_item *it = &items[i];
        if (it->kind == ITEM_THROTTLED) {
            reqs[i].status = 0;
            reqs[i].stored_report = 0;
            reqs[i].reply = NULL;
            reqs[i].reply_len = 0;
            continue;
        }
        Tz__Ack ack = TZ__ACK__INIT;
        ack.status = (Tz__Status)it->status;
        ack.seq = it->seq;
        ack.agent_id = it->agent_id;
        ack.detail = (char *)it->detail;
        ack.dept = (char *)it->dept;
        if (it->status == TZ__STATUS__REPLAY)
            ack.last_seq = it->last_seq;
        ack.epoch = epoch;
        if (op[i].have_request_id) {
            ack.request_id.data = op[i].request_id;
            ack.request_id.len = sizeof(op[i].request_id);
        }
        reqs[i].status = it->status;
        reqs[i].stored_report =
            it->kind == ITEM_REPORT && it->status == TZ__STATUS__OK ? it->agent_id : 0;
        if (reqs[i].stored_report)
            log_stored(it);
        if (it->status != TZ__STATUS__OK)
            tz_log_ratelimited(op[i].have_pk ? pk_key(op[i].agent_pk) : 0,
                               "rejected request (%s) from %s: %s",
                               tz_status_name(it->status),
                               op[i].have_pk ? "an agent key" : "an unverified peer",
                               it->detail);
        /* Looked up again, not kept from the open: the batch may have
         * evicted it (more agents in it than the cache holds). */
        const uint8_t *shared = kc && op[i].have_pk ? keycache_get(kc, op[i].agent_pk)
                                                    : NULL;
        int src = shared ? reply_seal_afternm(&ack, shared, &reqs[i].reply,
                                              &reqs[i].reply_len, err)
                         : reply_seal(&ack, op[i].have_pk ? op[i].agent_pk : NULL, kp,
                                      &reqs[i].reply, &reqs[i].reply_len, err);
        if (rc == 0 && src != 0)
            rc = TZ_ENOMEM;
        envelope_opened_free(&op[i]);
    }
    free(op);
    free(items);
    return rc;
}

/* The connection a raw REP request came on: the first word of its
 * backtrace (nanomsg's pipe key, big-endian; the control header is a
 * cmsg PROTO_SP/SP_HDR holding a size_t length, then the backtrace).
 * 0 when it cannot be read: such requests share one source. */
static uint32_t pipe_key(void *ctrl)
{
    if (ctrl == NULL)
        return 0;
    struct nn_msghdr hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.msg_control = &ctrl;
    hdr.msg_controllen = NN_MSG;
    for (struct nn_cmsghdr *c = NN_CMSG_FIRSTHDR(&hdr); c; c = NN_CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR)
            continue;
        if (c->cmsg_len < NN_CMSG_SPACE(0) + sizeof(size_t) + 4)
            return 0;
        size_t clen = c->cmsg_len - NN_CMSG_SPACE(0), sp;
        const uint8_t *d = NN_CMSG_DATA(c);
        memcpy(&sp, d, sizeof(sp));
        if (sp < 4 || sp > clen - sizeof(size_t))
            return 0;
        d += sizeof(size_t);
        return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    }
    return 0;
}

struct ingest {
    uv_poll_t poll;
    int sock;
    struct tz_register *reg;
    const struct tz_keypair *kp;
    struct keycache *keys;   /* shared keys per agent key, wiped at stop */
    size_t max_msg;
    size_t max_batch;
    size_t max_batch_bytes;
    void **msgs;       /* NN_MSG buffers of the batch in progress */
    void **ctrls;      /* their control headers (the REQ backtrace) */
    struct ingest_req *reqs;   /* max_batch + 1: the last may carry a count */
    uint32_t *peers;   /* the source (pipe key) of each request */
    struct peer_limit *limit;  /* NULL: no per-source limit */
    uint64_t throttled;        /* dropped, not yet counted in the register */
    uint32_t reject_limit;
    uint64_t *stored;  /* agent ids whose reports the batch stored */
    ingest_stored_fn on_stored;
    void *on_stored_arg;
    void (*on_fatal)(void *arg);
    void *on_fatal_arg;
    int polling;       /* poll handle initialised: free via uv_close */
};

static void on_readable(uv_poll_t *h, int status, int events)
{
    struct ingest *ing = h->data;
    (void)events;
    if (status < 0) {
        tz_log(TZ_LOG_ERROR, "poll on the listening socket failed: %s",
               uv_strerror(status));
        return;
    }
    size_t n = 0, seen = 0, bytes = 0;
    uint64_t now_ms = uv_now(h->loop);
    /* Dropped requests do not fill the batch, but the drain stays bounded:
     * the loop gets its turn back after 4 batches' worth. What a batch
     * holds until it is answered is bounded in bytes too: the rest stay
     * queued in the socket for the next batch (its fd stays readable). */
    while (n < ing->max_batch && seen < 4 * ing->max_batch &&
           bytes < ing->max_batch_bytes) {
        void *buf = NULL, *ctrl = NULL;
        struct nn_iovec iov = {&buf, NN_MSG};
        struct nn_msghdr hdr;
        memset(&hdr, 0, sizeof(hdr));
        hdr.msg_iov = &iov;
        hdr.msg_iovlen = 1;
        hdr.msg_control = &ctrl;
        hdr.msg_controllen = NN_MSG;
        int r = nn_recvmsg(ing->sock, &hdr, NN_DONTWAIT);
        if (r < 0) {
            if (nn_errno() != EAGAIN && nn_errno() != EINTR)
                tz_log(TZ_LOG_ERROR, "receive failed: %s", nn_strerror(nn_errno()));
            break;
        }
        seen++;
        uint32_t peer = pipe_key(ctrl);
        enum peer_verdict v = peer_limit_admit(ing->limit, peer, now_ms);
        if (v != PEER_ADMIT) {
            /* Slowed down: not opened, not stored, not answered. */
            if (v == PEER_SLOWED_NEW)
                tz_log_ratelimited(peer, "slowing down a connection (peer %u): %u "
                                   "rejected requests within a minute; what it sends "
                                   "is dropped unanswered until that minute is over",
                                   (unsigned)peer, (unsigned)ing->reject_limit);
            ing->throttled++;
            nn_freemsg(buf);
            if (ctrl)
                nn_freemsg(ctrl);
            continue;
        }
        ing->msgs[n] = buf;
        ing->ctrls[n] = ctrl;
        ing->peers[n] = peer;
        ing->reqs[n] = (struct ingest_req){.msg = buf, .len = (size_t)r};
        n++;
        bytes += (size_t)r;
    }
    if (n == 0)
        return;   /* only dropped ones: counted with the next real batch */
    size_t total = n;
    if (ing->throttled) {
        /* The count rides in this batch's transaction: a flood of dropped
         * requests costs no transaction of its own. */
        uint64_t c = ing->throttled > UINT32_MAX ? UINT32_MAX : ing->throttled;
        ing->reqs[total++] = (struct ingest_req){.throttled = (uint32_t)c};
        ing->throttled -= c;
    }

    struct tz_error err = {0};
    if (ingest_process_cached(ing->reg, ing->kp, ing->keys, ing->reqs, total,
                              ing->max_msg, (int64_t)time(NULL), &err) != 0)
        tz_log(TZ_LOG_ERROR, "building replies failed: %s", err.msg);

    size_t n_stored = 0;
    for (size_t i = 0; i < n; i++) {
        int st = ing->reqs[i].status;
        peer_limit_done(ing->limit, ing->peers[i],
                        st != TZ__STATUS__OK && st != TZ__STATUS__STORAGE_ERROR);
        if (ing->reqs[i].stored_report)
            ing->stored[n_stored++] = ing->reqs[i].stored_report;
        nn_freemsg(ing->msgs[i]);
        if (ing->reqs[i].reply == NULL) {
            /* No reply possible: the agent's REQ socket will resend. */
            if (ing->ctrls[i])
                nn_freemsg(ing->ctrls[i]);
            continue;
        }
        struct nn_iovec iov = {ing->reqs[i].reply, ing->reqs[i].reply_len};
        struct nn_msghdr hdr;
        memset(&hdr, 0, sizeof(hdr));
        hdr.msg_iov = &iov;
        hdr.msg_iovlen = 1;
        hdr.msg_control = &ing->ctrls[i];   /* ownership passes to nanomsg */
        hdr.msg_controllen = NN_MSG;
        if (nn_sendmsg(ing->sock, &hdr, NN_DONTWAIT) < 0) {
            /* The peer went away or its pipe is full. If it resends, the
             * REPLAY answer carries last_seq, which tells it the report
             * with that seq is stored. */
            tz_log(TZ_LOG_WARN, "could not send a reply: %s",
                   nn_strerror(nn_errno()));
            nn_freemsg(ing->ctrls[i]);
        }
        free(ing->reqs[i].reply);
    }
    if (n_stored && ing->on_stored)
        ing->on_stored(ing->on_stored_arg, ing->stored, n_stored);
    if (register_unusable(ing->reg) && ing->on_fatal) {
        void (*fatal)(void *) = ing->on_fatal;
        ing->on_fatal = NULL;   /* once */
        fatal(ing->on_fatal_arg);
    }
}

int ingest_start(uv_loop_t *loop, struct tz_register *reg,
                 const struct tz_keypair *kp, const struct ingest_opts *opts,
                 struct ingest **out, struct tz_error *err)
{
    struct ingest *ing = calloc(1, sizeof(*ing));
    if (ing == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    ing->reg = reg;
    ing->kp = kp;
    ing->max_msg = opts->max_msg ? opts->max_msg : TZ_MAX_MSG;
    ing->max_batch = opts->max_batch ? opts->max_batch : 256;
    ing->max_batch_bytes = opts->max_batch_bytes ? opts->max_batch_bytes
                                                 : INGEST_BATCH_BYTES;
    ing->msgs = calloc(ing->max_batch, sizeof(void *));
    ing->ctrls = calloc(ing->max_batch, sizeof(void *));
    ing->reqs = calloc(ing->max_batch + 1, sizeof(*ing->reqs));
    ing->peers = calloc(ing->max_batch, sizeof(*ing->peers));
    ing->reject_limit = opts->reject_limit;
    if (opts->reject_limit)
        ing->limit = peer_limit_new(opts->reject_limit);
    ing->stored = calloc(ing->max_batch, sizeof(*ing->stored));
    ing->on_stored = opts->on_stored;
    ing->on_stored_arg = opts->on_stored_arg;
    ing->on_fatal = opts->on_fatal;
    ing->on_fatal_arg = opts->on_fatal_arg;
    ing->sock = -1;
    ing->keys = keycache_new(kp, opts->key_cache);
    if (ing->msgs == NULL || ing->ctrls == NULL || ing->reqs == NULL ||
        ing->peers == NULL || (opts->reject_limit && ing->limit == NULL) ||
        ing->stored == NULL || ing->keys == NULL) {
        ingest_stop(ing);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }

    ing->sock = nn_socket(AF_SP_RAW, NN_REP);
    if (ing->sock < 0) {
        int e = nn_errno();
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, NULL, 0, "nn_socket: %s", nn_strerror(e));
    }
    int maxsz = (int)(ing->max_msg + TRANSPORT_SLACK);
    int fd;
    size_t fdsz = sizeof(fd);
    if (nn_setsockopt(ing->sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &maxsz,
                      sizeof(maxsz)) < 0 ||
        nn_getsockopt(ing->sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &fdsz) < 0) {
        int e = nn_errno();
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, NULL, 0, "socket options: %s", nn_strerror(e));
    }
    if (nn_bind(ing->sock, opts->listen_url) < 0) {
        int e = nn_errno();
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, opts->listen_url, 0, "cannot listen: %s",
                      nn_strerror(e));
    }
    /* An ipc:// socket for agents is as open as a tcp port is: whoever
     * connects still needs an enrolled key or a token to get anything in.
     * Without this, an agent that dropped to its own user cannot connect to
     * a socket the collector's umask closed. */
    if (strncmp(opts->listen_url, "ipc://", 6) == 0 &&
        chmod(opts->listen_url + 6, 0666) != 0) {
        int e = errno;
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, opts->listen_url, 0, "cannot open the socket "
                      "to agents (chmod 666): %s", strerror(e));
    }
    int r = uv_poll_init(loop, &ing->poll, fd);
    if (r != 0) {
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, NULL, 0, "uv_poll_init: %s", uv_strerror(r));
    }
    ing->polling = 1;
    ing->poll.data = ing;
    r = uv_poll_start(&ing->poll, UV_READABLE, on_readable);
    if (r != 0) {
        ingest_stop(ing);
        return tz_err(err, TZ_EIO, NULL, 0, "uv_poll_start: %s", uv_strerror(r));
    }
    *out = ing;
    return 0;
}

static void ingest_free(struct ingest *ing)
{
    if (ing->sock >= 0)
        nn_close(ing->sock);
    free(ing->msgs);
    free(ing->ctrls);
    free(ing->reqs);
    free(ing->peers);
    peer_limit_free(ing->limit);
    free(ing->stored);
    keycache_free(ing->keys);
    free(ing);
}

static void on_poll_closed(uv_handle_t *h)
{
    ingest_free(h->data);
}

void ingest_stop(struct ingest *ing)
{
    if (ing == NULL)
        return;
    if (ing->throttled && !register_unusable(ing->reg)) {
        /* Drops no later batch carried: counted now, so stats add up. */
        struct register_item it = {.kind = ITEM_THROTTLED,
                                   .throttled = ing->throttled > UINT32_MAX
                                                    ? UINT32_MAX
                                                    : (uint32_t)ing->throttled};
        struct tz_error err = {0};
        if (register_put_batch(ing->reg, &it, 1, (int64_t)time(NULL), &err) != 0)
            tz_log(TZ_LOG_WARN, "counting %llu dropped requests: %s",
                   (unsigned long long)ing->throttled, err.msg);
        ing->throttled = 0;
    }
    if (ing->polling) {
        /* The socket outlives the poll handle: close it once libuv is done. */
        uv_close((uv_handle_t *)&ing->poll, on_poll_closed);
        return;
    }
    ingest_free(ing);
}
