/* tz-collector — the network information center's collector daemon.
 *
 * Locks its data dir (one collector per register, datadir_lock.h), opens the
 * register, loads (or makes) the collector key agents pin, and serves agents on a raw nanomsg REP socket from a libuv loop until SIGINT
 * or SIGTERM, and the portal on its control socket (control.h). A batch in progress always finishes (committed and acked)
 * before the loop stops. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <uv.h>

#include "collector_config.h"
#include "control.h"
#include "datadir_lock.h"
#include "digest_run.h"
#include "digest_send.h"
#include "flags_defer.h"
#include "flags_update.h"
#include "ingest.h"
#include "keys.h"
#include "people.h"
#include "operator.h"
#include "publish.h"
#include "push.h"
#include "register.h"
#include "rules_config.h"
#include "rules_in_force.h"
#include "tz_log.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tz-collector [--data DIR] [--listen URL] [--publish URL]\n"
            "                    [--config FILE] [--rules FILE] [--max-batch N] [--verbose]\n"
            "  --data DIR     register and collector key (default ./var/taizhang)\n"
            "  --listen URL   nanomsg URL for agents (default tcp://127.0.0.1:7450)\n"
            "  --publish URL  \"collect now\" to agents (default: the listen URL's\n"
            "                 port + 2, tcp://127.0.0.1:7452; ipc://PATH.pub)\n"
            "  --config FILE  INI file, [collector] section; flags override it\n"
            "  --rules FILE   rule thresholds (default: built in, as schemas/rules.ini)\n"
            "  --max-batch N  requests per write transaction (default 256)\n"
            "  --verbose      log debug messages too\n"
            "  --version      print the version and exit\n"
            "  --help         this text\n");
}

#define DIGEST_TICK_MS (30 * 1000)

static struct ingest *g_ingest;
static struct control *g_control;
static struct publisher *g_publisher;
static void on_fatal(void *arg);
static struct flags_defer *g_flags;

/* What the callbacks of the loop share. */
struct collector {
    struct tz_register *reg;
    struct rules_config rules;
    struct collector_config cfg;
    uv_timer_t recheck;     /* time-based flags: AGENT_SILENT, EVALUATION_OVERDUE */
    uv_timer_t prune;       /* history retention */
    uv_timer_t digest;      /* e-mail digests: is one due? */
    uv_work_t digest_work;  /* SMTP off the loop (digest_run.h) */
    struct digest_batch digest_batch;
    int digest_busy;
};

/* SMTP blocks: the worker thread sends, the loop plans and records. */
static void digest_send_work(uv_work_t *w)
{
    struct collector *c = w->data;
    digest_batch_send(&c->cfg.digest, &c->digest_batch);
}

static void digest_sent(uv_work_t *w, int status)
{
    struct collector *c = w->data;
    struct tz_error err = {0};
    char buf[700];
    (void)status;
    if (digest_batch_record(c->reg, &c->cfg.digest, &c->digest_batch, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "recording the digests sent: %s",
               tz_error_str(&err, buf, sizeof(buf)));
        if (register_unusable(c->reg))
            on_fatal(w->loop);
    }
    digest_batch_free(&c->digest_batch);
    c->digest_busy = 0;
}

static void on_digest(uv_timer_t *t)
{
    struct collector *c = t->data;
    struct tz_error err = {0};
    char buf[700];
    if (c->digest_busy)
        return;
    if (digest_plan(c->reg, &c->cfg.digest, &c->rules, (int64_t)time(NULL),
                    &c->digest_batch, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "preparing the digests: %s",
               tz_error_str(&err, buf, sizeof(buf)));
        if (register_unusable(c->reg))
            on_fatal(t->loop);
        return;
    }
    if (c->digest_batch.n == 0)
        return;
    c->digest_busy = 1;
    c->digest_work.data = c;
    if (uv_queue_work(t->loop, &c->digest_work, digest_send_work, digest_sent) != 0) {
        digest_batch_free(&c->digest_batch);
        c->digest_busy = 0;
    }
}

static void on_recheck(uv_timer_t *t)
{
    struct collector *c = t->data;
    struct tz_error err = {0};
    char buf[700];
    if (flags_update_all(c->reg, &c->rules, (int64_t)time(NULL), &err) != 0) {
        tz_log(TZ_LOG_ERROR, "re-evaluating rules: %s",
               tz_error_str(&err, buf, sizeof(buf)));
        if (register_unusable(c->reg))
            on_fatal(t->loop);
    }
}

/* A slice of history pruning a minute: retention is not urgent, ingest is. */
static void on_prune(uv_timer_t *t)
{
    struct collector *c = t->data;
    struct tz_error err = {0};
    char buf[700];
    size_t deleted = 0;
    int64_t before = (int64_t)time(NULL) - (int64_t)c->cfg.history_days * 86400;
    if (register_history_prune(c->reg, before, 20000, &deleted, &err) != 0) {
        tz_log(TZ_LOG_ERROR, "pruning history: %s", tz_error_str(&err, buf, sizeof(buf)));
        if (register_unusable(c->reg))
            on_fatal(t->loop);
    } else if (deleted)
        tz_log(TZ_LOG_DEBUG, "pruned %zu history entries", deleted);
    if (register_session_prune(c->reg, (int64_t)time(NULL), &deleted, &err) != 0)
        tz_log(TZ_LOG_ERROR, "pruning sessions: %s", tz_error_str(&err, buf, sizeof(buf)));
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int g_exit;   /* the status main returns */

static struct collector *g_col;

static void stop_all(uv_loop_t *loop)
{
    /* A digest batch being sent stops after its current mail: the loop
     * waits for the worker, and a blackholed SMTP server must not hold
     * the stop for timeout x recipients. */
    if (g_col && g_col->digest_busy)
        atomic_store(&g_col->digest_batch.cancel, 1);
    ingest_stop(g_ingest);
    g_ingest = NULL;
    control_stop(g_control);
    g_control = NULL;
    flags_defer_close(g_flags);   /* evaluates what is pending first */
    g_flags = NULL;
    uv_walk(loop, close_handle, NULL);
}

/* The register cannot be used any more (register_unusable): exit non-zero
 * so the service manager restarts the collector on a fresh environment. */
static void on_fatal(void *arg)
{
    uv_loop_t *loop = arg;
    tz_log(TZ_LOG_ERROR, "the register is unusable (LMDB panic): stopping so the "
                         "collector is restarted");
    g_exit = 1;
    stop_all(loop);
}

static void on_signal_stop(uv_signal_t *h, int signum)
{
    tz_log(TZ_LOG_INFO, "received %s, stopping", strsignal(signum));
    stop_all(h->loop);
}


int main(int argc, char **argv)
{
    /* Requests arrive as bursts of ~80 KB buffers freed together after each
     * commit; by default glibc then gives the heap top back to the kernel
     * and faults it in again for the next batch (a tenth of the ingest
     * thread's time in perf). Keep up to 64 MiB of it. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    struct collector_config cfg;
    collector_config_defaults(&cfg);
    const char *config = NULL, *data = NULL, *listen = NULL, *rules = NULL;
    const char *publish = NULL;
    long max_batch = 0;
    int verbose = 0;
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"publish", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"max-batch", required_argument, NULL, 'b'},
        {"rules", required_argument, NULL, 'r'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "d:l:c:b:r:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': rules = optarg; break;
        case 'd': data = optarg; break;
        case 'l': listen = optarg; break;
        case 'p': publish = optarg; break;
        case 'c': config = optarg; break;
        case 'b': {
            char *end;
            max_batch = strtol(optarg, &end, 10);
            if (*end || max_batch < 1 || max_batch > 65536) {
                fprintf(stderr, "tz-collector: --max-batch takes 1..65536\n");
                return 2;
            }
            break;
        }
        case 'v': verbose = 1; break;
        case 'V': printf("tz-collector %s\n", TZ_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    tz_log_init("tz-collector", verbose ? TZ_LOG_DEBUG : TZ_LOG_INFO);

    struct tz_error err = {0};
    char ebuf[1024];
    if (config && collector_config_load(&cfg, config, &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    if (data)
        snprintf(cfg.data, sizeof(cfg.data), "%s", data);
    if (listen)
        snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
    if (publish)
        snprintf(cfg.publish, sizeof(cfg.publish), "%s", publish);
    if (cfg.publish[0] == '\0' &&
        push_url_for(cfg.listen, cfg.publish, sizeof(cfg.publish)) != 0) {
        fprintf(stderr, "tz-collector: no default publish URL for %s: set "
                        "--publish or publish =\n", cfg.listen);
        return 2;
    }
    if (digest_config_finish(&cfg.digest, &err) != 0) {
        fprintf(stderr, "tz-collector: [digest]: %s\n",
                tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    if (cfg.digest.enabled && digest_send_global_init() != 0) {
        fprintf(stderr, "tz-collector: cannot initialise libcurl for the digests\n");
        return 1;
    }
    if (max_batch)
        cfg.max_batch = (size_t)max_batch;
    if (rules)
        snprintf(cfg.rules, sizeof(cfg.rules), "%s", rules);

    static struct collector col;
    col.cfg = cfg;
    g_col = &col;
    /* Read once: what is judged by is exactly what is recorded below. */
    Tz__RulesInForce in_force;
    if (rules_in_force_read(cfg.rules, (int64_t)time(NULL), &col.rules, &in_force,
                            &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    struct tz_keypair kp;
    struct tz_register *reg = NULL;
    /* The lock comes before the key and the register: two collectors
     * starting on a fresh dir must not both make a key. It is held until
     * exit (the kernel drops it however the process ends). */
    int lock_fd = -1;
    struct datadir_holder holder;
    if (tz_mkdirs(cfg.data, 0700, &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    int rc = datadir_lock_acquire(cfg.data, "tz-collector", &lock_fd, &holder, &err);
    if (rc != 0) {
        fprintf(stderr, "tz-collector: %s%s\n", tz_error_str(&err, ebuf, sizeof(ebuf)),
                rc == TZ_EEXIST ? "; stop it first" : "");
        return 1;
    }
    /* tzctl judges ledger changes by the rules recorded here. */
    if (tz_keypair_load(cfg.data, "collector", 1, &kp, &err) != 0 ||
        register_open(cfg.data, 0, &reg, &err) != 0 ||
        register_rules_put(reg, &in_force, &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        rules_in_force_clear(&in_force);
        return 1;
    }
    rules_in_force_clear(&in_force);
    /* One agent must not fill the register for all (agent_quota.h). */
    register_set_quota(reg, &cfg.quota);

    uv_loop_t loop;
    uv_loop_init(&loop);
    col.reg = reg;
    /* After a batch is acked its hosts wait up to FLAGS_DEFER_MS for the
     * rules, with every other batch's of that interval: one commit for all. */
    if (flags_defer_new(&loop, reg, &col.rules, 0, &g_flags, &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        register_close(reg);
        return 1;
    }
    struct ingest_opts io = {.listen_url = cfg.listen,
                             .max_msg = cfg.max_message,
                             .max_batch = cfg.max_batch,
                             .max_batch_bytes = cfg.max_batch_bytes,
                             .reject_limit = (uint32_t)cfg.reject_limit,
                             .on_stored = flags_defer_add,
                             .on_stored_arg = g_flags,
                             .on_fatal = on_fatal,
                             .on_fatal_arg = &loop};
    if (ingest_start(&loop, reg, &kp, &io, &g_ingest, &err) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        flags_defer_close(g_flags);
        uv_run(&loop, UV_RUN_DEFAULT);
        register_close(reg);
        uv_loop_close(&loop);
        return 1;
    }
    /* The portal's way in: ipc://DATA/control.sock (control.h). */
    static struct control_ctx cx;
    cx.reg = reg;
    cx.rules = &col.rules;
    people_hash_key(&kp, cx.hash_key);
    operator_key(&kp, cx.operator_key);
    char control_url[sizeof(cfg.data) + 32];
    snprintf(control_url, sizeof(control_url), "ipc://%s/" CONTROL_SOCKET, cfg.data);
    if (register_share_with_group(reg, &err) != 0 ||
        publisher_open(cfg.publish, &kp, &g_publisher, &err) != 0 ||
        (cx.pub = g_publisher,
         control_start(&loop, &cx, control_url, &g_control, &err)) != 0) {
        fprintf(stderr, "tz-collector: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        stop_all(&loop);
        uv_run(&loop, UV_RUN_DEFAULT);
        register_close(reg);
        uv_loop_close(&loop);
        return 1;
    }
    uv_signal_t sigint, sigterm;
    uv_signal_init(&loop, &sigint);
    uv_signal_init(&loop, &sigterm);
    uv_signal_start(&sigint, on_signal_stop, SIGINT);
    uv_signal_start(&sigterm, on_signal_stop, SIGTERM);
    /* The first recheck runs at once: flags are current from the start. */
    uv_timer_init(&loop, &col.recheck);
    uv_timer_init(&loop, &col.prune);
    col.recheck.data = col.prune.data = &col;
    uv_timer_start(&col.recheck, on_recheck, 0, cfg.recheck_interval * 1000);
    uv_timer_start(&col.prune, on_prune, 60 * 1000, 60 * 1000);
    /* Digests: checked at once, then every DIGEST_TICK_MS (a due one goes
     * out within that of its scheduled time; retries are as precise). */
    if (cfg.digest.enabled) {
        uv_timer_init(&loop, &col.digest);
        col.digest.data = &col;
        uv_timer_start(&col.digest, on_digest, 1000, DIGEST_TICK_MS);
        tz_log(TZ_LOG_INFO, "e-mail digests on, through %s", cfg.digest.smtp_url);
    }

    char pkhex[TZ_KEY_HEX];
    tz_hex_encode(kp.pk, sizeof(kp.pk), pkhex);
    tz_log(TZ_LOG_INFO, "listening on %s, publishing on %s, data %s, collector key %s",
           cfg.listen, cfg.publish, cfg.data, pkhex);

    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    register_close(reg);
    tz_keypair_wipe(&kp);
    publisher_close(g_publisher);
    sodium_memzero(cx.hash_key, sizeof(cx.hash_key));
    sodium_memzero(cx.operator_key, sizeof(cx.operator_key));
    tz_log(TZ_LOG_INFO, "stopped");
    datadir_lock_release(lock_fd);   /* after the register is closed */
    return g_exit;
}
