/* daemon — the agent's libuv loop: a collection timer, a retry timer and
 * three signals around the blocking work of collecting and delivering. */
#include "daemon.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "agent_state.h"
#include "collect_now.h"
#include "delivery.h"
#include "report.h"
#include "schedule.h"
#include "session.h"
#include "spool.h"
#include "tz_log.h"

/* Long timers re-read the wall clock at least hourly, so a suspend or a
 * clock change moves the daily collection by at most this much. */
#define RECHECK_MS (3600u * 1000u)

struct daemon {
    uv_loop_t loop;
    uv_timer_t collect_timer, retry_timer;
    uv_signal_t sighup, sigterm, sigint;
    struct agent_config cfg;
    const char *config_path;
    const struct agent_flag *flags;
    int n_flags;
    struct agent_state st;
    struct spool *sp;
    time_t next_at;          /* daily mode: when the next collection is due */
    struct backoff bo;
    int retry_armed;
    int stopping;
    struct sub *sub;         /* "collect now" subscription, once enrolled */
};

/* A subscription and the poll handle on its socket: freed together, once
 * libuv has closed the handle (the socket's fd must outlive it). */
struct sub {
    uv_poll_t poll;
    struct collect_now *cn;
    struct daemon *d;
};

static sigset_t held_signals;

/* Signals wait while we block, so a send in progress is never cut short:
 * nn_recv would otherwise return EINTR in the middle of an exchange. */
static void hold_signals(sigset_t *old)
{
    pthread_sigmask(SIG_BLOCK, &held_signals, old);
}

static void release_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Between two sends: has SIGTERM or SIGINT arrived meanwhile? */
static int stop_pending(void *arg)
{
    (void)arg;
    sigset_t p;
    if (sigpending(&p) != 0)
        return 0;
    return sigismember(&p, SIGTERM) == 1 || sigismember(&p, SIGINT) == 1;
}

static const char *errstr(const struct tz_error *err)
{
    static char buf[1024];
    return tz_error_str(err, buf, sizeof(buf));
}

static void on_collect(uv_timer_t *t);
static void on_retry(uv_timer_t *t);

static void arm_remaining(struct daemon *d)
{
    time_t now = time(NULL);
    uint64_t ms = d->next_at > now ? (uint64_t)(d->next_at - now) * 1000u : 0;
    uv_timer_start(&d->collect_timer, on_collect, ms > RECHECK_MS ? RECHECK_MS : ms, 0);
}

/* Draw the next collection time: now + interval, or the next daily time,
 * plus a fresh splay each time. */
static void arm_next(struct daemon *d)
{
    if (d->stopping)
        return;
    uint64_t splay = schedule_splay_ms(schedule_splay_cap(d->cfg.splay_s,
                                                          d->cfg.interval_s));
    if (d->cfg.interval_s > 0) {
        d->next_at = 0;
        uv_timer_start(&d->collect_timer, on_collect,
                       (uint64_t)d->cfg.interval_s * 1000u + splay, 0);
        return;
    }
    d->next_at = schedule_next_daily(time(NULL), d->cfg.schedule_min) +
                 (time_t)(splay / 1000u);
    struct tm tm;
    char when[64];
    localtime_r(&d->next_at, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
    tz_log(TZ_LOG_INFO, "next collection at %s", when);
    arm_remaining(d);
}

static void drain(struct daemon *d)
{
    struct delivery_result res;
    struct tz_error err = {0};
    int rc = delivery_drain(&d->cfg, &d->st, d->sp, stop_pending, NULL, &res, &err);
    if (rc == 0) {
        if (!res.stopped)
            backoff_reset(&d->bo);
        return;
    }
    uint64_t ms = backoff_next_ms(&d->bo);
    if (res.retry)
        tz_log(TZ_LOG_WARN, "cannot deliver: %s; %zu report(s) kept in the spool, "
               "retrying in %.1f s", errstr(&err), spool_count(d->sp), ms / 1000.0);
    else if (d->st.revoked)
        /* err already says how: a new key, which this process cannot take
         * up while it runs (stop it, --reenroll, start it). */
        tz_log(TZ_LOG_ERROR, "cannot deliver: %s; %zu report(s) kept in the spool "
               "(stop this daemon first), asking again in %.1f s", errstr(&err),
               spool_count(d->sp), ms / 1000.0);
    else
        tz_log(TZ_LOG_ERROR, "cannot deliver: %s; %zu report(s) kept in the spool "
               "until the configuration is fixed (then send SIGHUP), retrying in "
               "%.1f s", errstr(&err), spool_count(d->sp), ms / 1000.0);
    uv_timer_start(&d->retry_timer, on_retry, ms, 0);
    d->retry_armed = 1;
}

/* Collect and spool one report. The spool comes first: a report exists on
 * disk before any attempt to send it. request_id (may be NULL) is the
 * "collect now" the report answers. */
static void collect(struct daemon *d, const uint8_t *request_id)
{
    struct tz_error err = {0};
    Tz__Report *r = NULL;
    uint64_t seq = 0;
    if (report_collect(d->cfg.root, &r, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "collection failed: %s", errstr(&err));
        return;
    }
    if (request_id && (r->collect_request_id.data = malloc(PUSH_REQUEST_ID_LEN))) {
        memcpy(r->collect_request_id.data, request_id, PUSH_REQUEST_ID_LEN);
        r->collect_request_id.len = PUSH_REQUEST_ID_LEN;
    }
    for (size_t i = 0; i < r->n_errors; i++)
        tz_log(TZ_LOG_WARN, "collect: %s", r->errors[i]->message);
    if (agent_state_next_seq(&d->st, &seq, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "cannot take a seq: %s", errstr(&err));
    } else if (spool_put(d->sp, seq, r, &err) == 0) {
        tz_log(TZ_LOG_INFO, "report seq %" PRIu64 " collected and spooled "
               "(%zu in the spool)", seq, spool_count(d->sp));
    } else {
        /* No copy on disk (disk full?): one direct attempt beats losing it. */
        tz_log(TZ_LOG_ERROR, "cannot spool report seq %" PRIu64 ": %s; sending it "
               "without a spool copy", seq, errstr(&err));
        int retry = 0;
        memset(&err, 0, sizeof(err));
        if (session_deliver(&d->cfg, &d->st, r, seq, &retry, &err) != 0)
            tz_log(TZ_LOG_ERROR, "report seq %" PRIu64 " lost: %s", seq,
                   errstr(&err));
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void on_push(uv_poll_t *h, int status, int events)
{
    (void)events;
    struct sub *sb = h->data;
    struct daemon *d = sb->d;
    if (status < 0 || d->sub != sb)
        return;
    int64_t now = (int64_t)time(NULL);
    enum cn_outcome o;
    uint8_t id[PUSH_REQUEST_ID_LEN];
    while (d->sub == sb && collect_now_recv(sb->cn, now, &o, id) == 0) {
        if (o != CN_ACT)
            continue;
        tz_log(TZ_LOG_INFO, "collect now: asked by the collector");
        sigset_t old;
        hold_signals(&old);
        collect(d, id);
        if (!d->retry_armed && !stop_pending(NULL))
            drain(d);
        release_signals(&old);
    }
    collect_now_note_ignored(sb->cn, now);
}

static void on_sub_closed(uv_handle_t *h)
{
    struct sub *sb = h->data;
    collect_now_close(sb->cn);
    free(sb);
}

static void unsubscribe(struct daemon *d)
{
    if (d->sub == NULL)
        return;
    uv_close((uv_handle_t *)&d->sub->poll, on_sub_closed);
    d->sub = NULL;
}

/* Listen for "collect now" once the agent has an id (enrolled) and the
 * configuration says where: subscribe = URL, or each collector's push URL. */
static void subscribe(struct daemon *d)
{
    if (d->sub || d->st.agent_id == 0 || d->stopping ||
        strcmp(d->cfg.subscribe, "none") == 0)
        return;
    char urls[AGENT_MAX_COLLECTORS][512];
    const char *list[AGENT_MAX_COLLECTORS];
    size_t n = 0;
    if (d->cfg.subscribe[0]) {
        list[n++] = d->cfg.subscribe;
    } else {
        for (int i = 0; i < d->cfg.n_collectors; i++)
            if (push_url_for(d->cfg.collectors[i], urls[n], sizeof(urls[n])) == 0) {
                list[n] = urls[n];
                n++;
            } else {
                tz_log(TZ_LOG_WARN, "collect now: no push URL for %s (set "
                       "subscribe =)", d->cfg.collectors[i]);
            }
    }
    if (n == 0)
        return;
    struct collect_now_policy pol = {d->cfg.collect_now_max_age_s,
                                     d->cfg.collect_now_min_interval_s};
    struct tz_error err = {0};
    struct sub *sb = calloc(1, sizeof(*sb));
    if (sb == NULL)
        return;
    if (collect_now_open(list, n, d->st.agent_id, d->cfg.collector_pk, d->st.kp.sk,
                         &pol, &sb->cn, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "collect now: %s", errstr(&err));
        free(sb);
        return;
    }
    int fd = collect_now_fd(sb->cn);
    if (fd < 0 || uv_poll_init(&d->loop, &sb->poll, fd) != 0) {
        collect_now_close(sb->cn);
        free(sb);
        tz_log(TZ_LOG_ERROR, "collect now: cannot poll the subscription");
        return;
    }
    sb->d = d;
    sb->poll.data = sb;
    d->sub = sb;
    uv_poll_start(&sb->poll, UV_READABLE, on_push);
    tz_log(TZ_LOG_INFO, "collect now: listening on %s%s", list[0],
           n > 1 ? " and the failover collectors" : "");
}

static void on_collect(uv_timer_t *t)
{
    struct daemon *d = t->data;
    if (d->next_at != 0 && time(NULL) < d->next_at) {
        arm_remaining(d);               /* an hourly wake-up, not due yet */
        return;
    }
    sigset_t old;
    hold_signals(&old);
    collect(d, NULL);
    /* While a retry is armed the backoff decides when to try again. */
    if (!d->retry_armed && !stop_pending(NULL))
        drain(d);
    arm_next(d);
    release_signals(&old);
    subscribe(d);
}

static void on_retry(uv_timer_t *t)
{
    struct daemon *d = t->data;
    d->retry_armed = 0;
    sigset_t old;
    hold_signals(&old);
    drain(d);
    release_signals(&old);
}

/* The daemon cannot do anything useful without somewhere to send. */
static int usable(const struct agent_config *c, char *why, size_t len)
{
    if (c->n_collectors == 0 || !c->have_collector_pk) {
        snprintf(why, len, "the daemon needs collector and collector_key");
        return -1;
    }
    return 0;
}

static void on_hup(uv_signal_t *h, int signum)
{
    (void)signum;
    struct daemon *d = h->data;
    struct agent_config nc;
    struct tz_error err = {0};
    char why[512];
    agent_config_defaults(&nc);
    if (agent_config_load(&nc, d->config_path, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "reload: %s; keeping the old configuration",
               errstr(&err));
        return;
    }
    if (agent_config_apply_flags(&nc, d->flags, d->n_flags, why, sizeof(why)) != 0 ||
        usable(&nc, why, sizeof(why)) != 0) {
        tz_log(TZ_LOG_ERROR, "reload: %s: %s; keeping the old configuration",
               d->config_path, why);
        return;
    }
    if (strcmp(nc.state_dir, d->cfg.state_dir) != 0) {
        /* The key, seq and spool are open there; moving them is a restart. */
        tz_log(TZ_LOG_WARN, "reload: state_dir changes on restart only; still "
               "using %s", d->cfg.state_dir);
        snprintf(nc.state_dir, sizeof(nc.state_dir), "%s", d->cfg.state_dir);
    }
    int resched = nc.interval_s != d->cfg.interval_s ||
                  nc.schedule_min != d->cfg.schedule_min ||
                  nc.splay_s != d->cfg.splay_s;
    int resub = strcmp(nc.subscribe, d->cfg.subscribe) != 0 ||
                nc.collect_now_min_interval_s != d->cfg.collect_now_min_interval_s ||
                nc.collect_now_max_age_s != d->cfg.collect_now_max_age_s ||
                nc.n_collectors != d->cfg.n_collectors ||
                strcmp(nc.collectors[0], d->cfg.collectors[0]) != 0;
    d->cfg = nc;
    if (resub)
        unsubscribe(d);
    spool_set_max(d->sp, (size_t)nc.spool_max);
    backoff_init(&d->bo, nc.retry_min_s, nc.retry_max_s);
    tz_log(TZ_LOG_INFO, "reloaded %s: %d collector(s), first %s", d->config_path,
           nc.n_collectors, nc.collectors[0]);
    if (resched)
        arm_next(d);
    /* A new collector or token may be what the spool was waiting for. */
    if (spool_count(d->sp) > 0) {
        uv_timer_stop(&d->retry_timer);
        d->retry_armed = 0;
        sigset_t old;
        hold_signals(&old);
        drain(d);
        release_signals(&old);
    }
    subscribe(d);
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_stop(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;
    d->stopping = 1;
    tz_log(TZ_LOG_INFO, "received %s, stopping (%zu report(s) in the spool)",
           signum == SIGINT ? "SIGINT" : "SIGTERM", spool_count(d->sp));
    unsubscribe(d);   /* its own close callback frees it */
    uv_walk(h->loop, close_handle, NULL);
}

int daemon_run(const struct agent_config *cfg, const struct state_dir *sd,
               const char *config_path, const struct agent_flag *flags,
               int n_flags, struct tz_error *err)
{
    char why[256];
    if (usable(cfg, why, sizeof(why)) != 0)
        return tz_err(err, TZ_EINVAL, config_path, 0, "%s", why);
    struct daemon *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    d->cfg = *cfg;
    d->config_path = config_path;
    d->flags = flags;
    d->n_flags = n_flags;
    char dir[sizeof(sd->work_path) + 8];
    snprintf(dir, sizeof(dir), "%s/spool", sd->work_path);
    int rc = agent_state_load(sd->workfd, sd->work_path, &sd->kp, &d->st, err);
    if (rc == 0)
        rc = spool_openat(sd->workfd, "spool", dir, (size_t)cfg->spool_max,
                          &d->sp, err);
    if (rc != 0) {
        tz_keypair_wipe(&d->st.kp);
        free(d);
        return rc;
    }
    backoff_init(&d->bo, cfg->retry_min_s, cfg->retry_max_s);
    sigemptyset(&held_signals);
    sigaddset(&held_signals, SIGHUP);
    sigaddset(&held_signals, SIGTERM);
    sigaddset(&held_signals, SIGINT);

    uv_loop_init(&d->loop);
    uv_timer_init(&d->loop, &d->collect_timer);
    uv_timer_init(&d->loop, &d->retry_timer);
    uv_signal_init(&d->loop, &d->sighup);
    uv_signal_init(&d->loop, &d->sigterm);
    uv_signal_init(&d->loop, &d->sigint);
    d->collect_timer.data = d->retry_timer.data = d;
    d->sighup.data = d->sigterm.data = d->sigint.data = d;
    uv_signal_start(&d->sighup, on_hup, SIGHUP);
    uv_signal_start(&d->sigterm, on_stop, SIGTERM);
    uv_signal_start(&d->sigint, on_stop, SIGINT);

    tz_log(TZ_LOG_INFO, "daemon started: %d collector(s), first %s; spool %s "
           "holds %zu report(s)", cfg->n_collectors, cfg->collectors[0], dir,
           spool_count(d->sp));
    if (cfg->interval_s > 0)
        tz_log(TZ_LOG_INFO, "collecting every %d s (+ up to %d s splay: a tenth "
               "of the interval at most)", cfg->interval_s,
               schedule_splay_cap(cfg->splay_s, cfg->interval_s));
    /* The first collection runs at once; next_at 0 means "due". */
    uv_timer_start(&d->collect_timer, on_collect, 0, 0);
    subscribe(d);   /* at once when already enrolled, else after enrolling */
    uv_run(&d->loop, UV_RUN_DEFAULT);

    uv_loop_close(&d->loop);
    spool_close(d->sp);
    tz_keypair_wipe(&d->st.kp);
    free(d);
    tz_log(TZ_LOG_INFO, "stopped");
    return 0;
}
