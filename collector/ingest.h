/* ingest — requests off the wire into the register, acks after commit.
 *
 * The collector's socket is a raw nanomsg REP (AF_SP_RAW): each readable
 * event drains every queued request (up to max_batch), opens and verifies
 * them, stores them all in ONE register transaction (group commit) and only
 * then sends each Ack. An Ack OK therefore always means "committed and
 * synced"; agents delete their spooled copy on it (DESIGN.md §2).
 * A batch also ends once the requests received for it add up to
 * max_batch_bytes: the ones still queued stay in the socket and make the
 * next batch, answered after that one commits (nothing is refused for it).
 * A request whose key is not enrolled is refused UNKNOWN_AGENT unread when
 * it is larger than an enrollment (envelope_open_gated), so what a batch
 * holds before any key is known is its messages and at most
 * TZ_MAX_UNKNOWN_PAYLOAD bytes each (docs/security.md).
 * The socket is driven from the libuv loop through NN_RCVFD in a uv_poll_t,
 * so the daemon has a single thread and no locks. */
#ifndef TZ_INGEST_H
#define TZ_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "keys.h"
#include "register.h"
#include "tz_error.h"

/* Called after a batch's replies are sent, with the agents whose reports
 * were stored in it: rules run after this, never between commit and Ack.
 * The daemon hands the ids to flags_defer (flags_defer.h), so a stored
 * report's flags appear within FLAGS_DEFER_MS (200 ms) of its Ack, in one
 * commit shared with the other batches of that interval. */
typedef void (*ingest_stored_fn)(void *arg, const uint64_t *agent_ids, size_t n);

#define INGEST_BATCH_BYTES ((size_t)64 << 20)

struct ingest_opts {
    const char *listen_url;   /* e.g. tcp://127.0.0.1:7450, ipc:///run/tz.sock */
    size_t max_msg;           /* protocol limit, TZ_MAX_MSG by default */
    size_t max_batch;         /* requests per transaction, 256 by default */
    /* Request bytes one batch receives before it is processed (the request
     * that reaches it is the batch's last), INGEST_BATCH_BYTES when 0. The
     * INI's max_batch_bytes. */
    size_t max_batch_bytes;
    size_t key_cache;         /* agents whose shared keys are kept (keycache.h),
                                 KEYCACHE_DEFAULT_CAP (100,000) when 0 */
    /* Rejected requests one connection may send in a minute before what it
     * sends is dropped unanswered until the minute is over (peer_limit.h);
     * 0: no limit. The INI's reject_limit. */
    uint32_t reject_limit;
    ingest_stored_fn on_stored;   /* may be NULL */
    void *on_stored_arg;
    /* Called (once) when the register became unusable (register.h): the
     * daemon exits non-zero so systemd restarts it. May be NULL. */
    void (*on_fatal)(void *arg);
    void *on_fatal_arg;
};

/* One request of a batch. reply/reply_len are set by ingest_process
 * (caller frees reply). An entry with throttled set is no request: it
 * stands for that many requests the daemon dropped unread because their
 * source was slowed down (peer_limit.h); they are counted with the batch
 * (stat.throttled), nothing is opened and no reply is built. */
struct ingest_req {
    const uint8_t *msg;
    size_t len;
    uint32_t throttled;
    int status;               /* Tz__Status answered */
    uint64_t stored_report;   /* agent id when a report was stored, else 0 */
    uint8_t *reply;
    size_t reply_len;
};

/* Verify, store (one transaction) and answer n requests. The socket-free core
 * of ingest, used by the daemon, the tests and the benchmarks. A request
 * larger than an enrollment is opened only when the register knows its key
 * (envelope_open_gated, register_find_agent). Returns 0 when
 * every request got a reply (rejections included); <0 only when a reply could
 * not be built (out of memory), with err set. A storage failure is not an
 * error here: the affected requests are answered STORAGE_ERROR. */
int ingest_process(struct tz_register *reg, const struct tz_keypair *kp,
                   struct ingest_req *reqs, size_t n, size_t max_msg,
                   int64_t now, struct tz_error *err);

struct keycache;
/* ingest_process with a cache of the agents' shared keys (may be NULL):
 * what the daemon runs. */
int ingest_process_cached(struct tz_register *reg, const struct tz_keypair *kp,
                          struct keycache *kc, struct ingest_req *reqs, size_t n,
                          size_t max_msg, int64_t now, struct tz_error *err);

struct ingest;

/* Bind opts->listen_url and start polling on loop. Ownership: reg and kp must
 * outlive the ingest; free it with ingest_stop (closes the socket). */
int ingest_start(uv_loop_t *loop, struct tz_register *reg,
                 const struct tz_keypair *kp, const struct ingest_opts *opts,
                 struct ingest **out, struct tz_error *err);
/* Stop polling and close the socket; the batch in progress, if any, has
 * already been committed and answered (batches run to completion inside one
 * callback). Requests dropped since the last batch (a slowed-down source's)
 * are counted in one last transaction first. Safe with NULL. */
void ingest_stop(struct ingest *ing);

#endif
