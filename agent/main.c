/* tz-agent — collects a host's inventory and reports it to tz-collector.
 *
 *   tz-agent --print [--format json|text] [--root DIR]   no network at all
 *   tz-agent --once --config FILE [flags]                 enroll if needed,
 *                                                        send one report
 *   tz-agent --once --reenroll --enroll-token T [flags]   a new key, enrolled
 *                                                        anew (after tzctl
 *                                                        agent revoke)
 *   tz-agent --config FILE [flags]                        daemon (daemon.h)
 *   tz-agent --configure [--config FILE] flags            write the INI
 * Exit status: 0 done, 1 failed (the reason is on stderr), 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent_config.h"
#include "agent_state.h"
#include "configure.h"
#include "daemon.h"
#include "delivery.h"
#include "pb_json.h"
#include "privdrop.h"
#include "privsep.h"
#include "report.h"
#include "session.h"
#include "spool.h"
#include "state_dir.h"
#include "tz_log.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: tz-agent --print [--format json|text] [--root DIR]\n"
        "       tz-agent --once [--reenroll] [--config FILE] [OPTIONS]\n"
        "       tz-agent --config FILE [OPTIONS]          (daemon)\n"
        "       tz-agent --configure [--config FILE] --collector URL\n"
        "                --collector-key HEX [--enroll-token T | --enroll-token-file F]\n"
        "  --print          collect and print the report; no network\n"
        "  --once           enroll if needed, send one report, exit\n"
        "  --reenroll       with --once and an enrollment token: replace the\n"
        "                   agent key with a new one and enroll it (after the\n"
        "                   old key was revoked); the spool is kept and sent\n"
        "  (neither)        daemon: collect daily, spool, deliver in order\n"
        "  --configure      write the given OPTIONS into the config file (default\n"
        "                   " TZ_AGENT_CONFIG ", mode 0600) and exit\n"
        "  --config FILE    INI file with an [agent] section\n"
        "  --format F       --print only: json or text (default text)\n"
        "  --version        print the version and exit\n"
        "  --help           this text\n"
        "OPTIONS (each is also a config file option; flags win over the file):\n"
        "  --collector URL        collector, tcp://HOST:PORT or ipc:///PATH\n"
        "                         (repeat for standbys)\n"
        "  --collector-key HEX    the collector's public key (tzctl key show)\n"
        "  --enroll-token T       department enrollment token (tzctl token create)\n"
        "  --enroll-token-file F  read the token from F (- for stdin), so it is\n"
        "                         not seen in ps\n"
        "  --state-dir DIR        key, seq and spool (default /var/lib/tz-agent)\n"
        "  --root DIR             collect below DIR (a mounted image; default /)\n"
        "  --timeout SECONDS      wait this long for the collector (default 30)\n"
        "  --user NAME            run as NAME once root's work is done\n"
        "                         (default " PRIVDROP_DEFAULT_USER "; root keeps root)\n"
        "  --system ID            ledger id of the information system this host serves\n"
        "  --weak-passwords FILE  dictionary for the weak-password check\n");
}

static void die_err(const char *what, const struct tz_error *err)
{
    char buf[1024];
    fprintf(stderr, "tz-agent: %s: %s\n", what, tz_error_str(err, buf, sizeof(buf)));
}

static int print_report(const char *root, const char *format)
{
    struct tz_error err = {0};
    Tz__Report *r = NULL;
    if (report_collect(root, &r, &err) != 0) {
        die_err("collect", &err);
        return 1;
    }
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        cJSON *j = pb_to_json(&r->base);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s) {
            puts(s);
        } else {
            fprintf(stderr, "tz-agent: out of memory\n");
            rc = 1;
        }
        free(s);
        cJSON_Delete(j);
    } else {
        rc = pb_write_text(stdout, &r->base, NULL) == 0 ? 0 : 1;
    }
    for (size_t i = 0; i < r->n_errors; i++)
        fprintf(stderr, "tz-agent: warning: %s\n", r->errors[i]->message);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}

/* Root's work is done (the state dir is open and its key read): become
 * cfg->user. "user = root" keeps root, on the operator's explicit word. */
static int drop_privileges(const struct agent_config *cfg)
{
    struct tz_error err = {0};
    if (strcmp(cfg->user, "root") == 0) {
        if (geteuid() == 0)
            tz_log(TZ_LOG_WARN, "user = root: the network side keeps root "
                                "privileges");
        return 0;
    }
    if (privdrop(cfg->user, &err) != 0) {
        die_err("dropping privileges", &err);
        return -1;
    }
    return 0;
}

/* The weak-password dictionary: configured, else installed, else the one in
 * the source tree this binary was built from (make run, tests). */
static const char *dictionary(const struct agent_config *cfg)
{
    if (cfg->weak_passwords[0])
        return cfg->weak_passwords;
    if (access(TZ_DATADIR "/weak-passwords.txt", R_OK) == 0)
        return TZ_DATADIR "/weak-passwords.txt";
    if (access(TZ_SOURCE_SCHEMAS "/weak-passwords.txt", R_OK) == 0)
        return TZ_SOURCE_SCHEMAS "/weak-passwords.txt";
    return NULL;
}

/* --reenroll, still root: a new key in place of the revoked one. Refused
 * while a daemon runs: it holds the old key in memory and would go on
 * sending under it, and its state would overwrite ours. */
static int rekey(struct state_dir *sd)
{
    struct tz_error err = {0};
    if (spool_held(sd->workfd, "spool")) {
        fprintf(stderr, "tz-agent: --reenroll: a tz-agent daemon is running on this "
                        "state dir (it holds the spool): stop it first "
                        "(systemctl stop tz-agent), then start it again after\n");
        return 1;
    }
    if (state_dir_rekey(sd, &err) != 0) {
        die_err("--reenroll: new key", &err);
        return 1;
    }
    char pk[TZ_KEY_HEX];
    tz_hex_encode(sd->kp.pk, sizeof(sd->kp.pk), pk);
    fprintf(stderr, "tz-agent: --reenroll: made a new agent key %.16s... (the old "
                    "one is gone); enrolling it\n", pk);
    return 0;
}

static int run_once(const struct agent_config *cfg, int reenroll)
{
    struct tz_error err = {0};
    if (cfg->n_collectors == 0 || !cfg->have_collector_pk) {
        fprintf(stderr, "tz-agent: --once needs collector and collector_key "
                        "(config file or flags)\n");
        return 2;
    }
    if (reenroll && cfg->enroll_token[0] == '\0') {
        fprintf(stderr, "tz-agent: --reenroll needs an enrollment token "
                        "(--enroll-token, --enroll-token-file or enroll_token =): "
                        "tzctl token create --dept NAME\n");
        return 2;
    }
    /* As root: the key from the root-owned state dir, work/ for later. */
    struct state_dir sd;
    if (state_dir_open(cfg->state_dir, cfg->user, &sd, &err) != 0) {
        die_err("state", &err);
        return 1;
    }
    if (reenroll && rekey(&sd) != 0) {
        state_dir_close(&sd);
        return 1;
    }
    struct agent_state st = {0};
    int rc = 0, retry = 0;
    uint64_t seq = 0;
    Tz__Report *r = NULL;
    /* Collect while still root (DMI serials, other users' sockets), then
     * give up root before the first byte goes to the network. */
    if (report_collect(cfg->root, &r, &err) != 0) {
        die_err("collect", &err);
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < r->n_errors; i++)
        fprintf(stderr, "tz-agent: warning: %s\n", r->errors[i]->message);
    if (drop_privileges(cfg) != 0) {
        rc = 1;
        goto out;
    }
    /* From here on only the run-as user's work/ is written. */
    if (agent_state_load(sd.workfd, sd.work_path, &sd.kp, &st, &err) != 0 ||
        (reenroll && agent_state_rekeyed(&st, &err) != 0)) {
        die_err("state", &err);
        rc = 1;
        goto out;
    }
    /* Reports a daemon spooled go first, in seq order, so none is lost. */
    if (delivery_drain_leftovers(cfg, &st, &err) != 0) {
        die_err("spooled reports", &err);
        rc = 1;
        goto out;
    }
    /* The seq is taken (and persisted) before the report leaves. */
    if (agent_state_next_seq(&st, &seq, &err) != 0 ||
        session_deliver(cfg, &st, r, seq, &retry, &err) != 0) {
        die_err("report", &err);
        rc = 1;
        goto out;
    }
    fprintf(stderr, "tz-agent: report stored (agent %" PRIu64 ", %zu packages)\n",
            st.agent_id, r->packages ? r->packages->n_packages : (size_t)0);
out:
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    tz_keypair_wipe(&st.kp);
    state_dir_close(&sd);
    return rc;
}

/* --enroll-token-file: the token from a file or stdin ("-"), one line. */
static int read_token_file(const char *path, char *out, size_t len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "tz-agent: --enroll-token-file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    int ok = fgets(out, (int)len, f) != NULL;
    if (f != stdin)
        fclose(f);
    out[ok ? strcspn(out, "\r\n") : 0] = '\0';
    if (!ok || out[0] == '\0') {
        fprintf(stderr, "tz-agent: --enroll-token-file %s: no token in it\n", path);
        return -1;
    }
    return 0;
}

/* A file holding a token is a credential: say so when others can read it. */
static void check_token_file_mode(const char *config, const struct agent_config *cfg)
{
    struct stat sb;
    if (config && cfg->enroll_token[0] && stat(config, &sb) == 0 &&
        (sb.st_mode & 077))
        tz_log(TZ_LOG_WARN, "%s holds an enrollment token and is readable by "
               "group or others (mode %03o): chmod 600 it", config,
               (unsigned)(sb.st_mode & 0777));
}

static int agent_main(struct agent_config *cfg_, int print, int once,
                      int reenroll, const char *format, const char *config,
                      const struct agent_flag *flags, int n_flags,
                      struct privsep *ps);

int main(int argc, char **argv)
{
    struct agent_config cfg;
    agent_config_defaults(&cfg);
    enum { OPT_COLLECTOR = 256, OPT_KEY, OPT_TOKEN, OPT_TOKEN_FILE, OPT_STATE,
           OPT_TIMEOUT, OPT_USER, OPT_SYSTEM, OPT_WEAK, OPT_CONFIGURE, OPT_VERSION,
           OPT_REENROLL };
    static const struct option opts[] = {
        {"print", no_argument, NULL, 'p'},
        {"once", no_argument, NULL, '1'},
        {"reenroll", no_argument, NULL, OPT_REENROLL},
        {"configure", no_argument, NULL, OPT_CONFIGURE},
        {"format", required_argument, NULL, 'f'},
        {"root", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {"collector", required_argument, NULL, OPT_COLLECTOR},
        {"collector-key", required_argument, NULL, OPT_KEY},
        {"enroll-token", required_argument, NULL, OPT_TOKEN},
        {"enroll-token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"state-dir", required_argument, NULL, OPT_STATE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"user", required_argument, NULL, OPT_USER},
        {"system", required_argument, NULL, OPT_SYSTEM},
        {"weak-passwords", required_argument, NULL, OPT_WEAK},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int print = 0, once = 0, configure = 0, reenroll = 0;
    const char *format = "text", *config = NULL;
    static char token[256];
    /* Flags are applied after the config file so that they win. */
    struct agent_flag flags[32];
    int n_flags = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "p1f:r:c:h", opts, NULL)) != -1) {
        const char *key = NULL, *value = optarg;
        switch (ch) {
        case 'p': print = 1; break;
        case '1': once = 1; break;
        case OPT_REENROLL: reenroll = 1; break;
        case OPT_CONFIGURE: configure = 1; break;
        case 'f': format = optarg; break;
        case 'c': config = optarg; break;
        case 'r': key = "root"; break;
        case OPT_COLLECTOR: key = "collector"; break;
        case OPT_KEY: key = "collector_key"; break;
        case OPT_TOKEN: key = "enroll_token"; break;
        case OPT_TOKEN_FILE:
            if (read_token_file(optarg, token, sizeof(token)) != 0)
                return 2;
            key = "enroll_token";
            value = token;
            break;
        case OPT_STATE: key = "state_dir"; break;
        case OPT_TIMEOUT: key = "timeout"; break;
        case OPT_USER: key = "user"; break;
        case OPT_SYSTEM: key = "system"; break;
        case OPT_WEAK: key = "weak_passwords"; break;
        case OPT_VERSION: printf("tz-agent %s\n", TZ_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (key) {
            if (n_flags == (int)(sizeof(flags) / sizeof(flags[0]))) {
                fprintf(stderr, "tz-agent: too many flags\n");
                return 2;
            }
            flags[n_flags].key = key;
            flags[n_flags++].value = value;
        }
    }
    if (optind != argc || print + once + configure > 1 ||
        (!print && !once && !configure && !config)) {
        usage(stderr);
        return 2;
    }
    if (reenroll && !once) {
        fprintf(stderr, "tz-agent: --reenroll goes with --once\n");
        return 2;
    }
    if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
        fprintf(stderr, "tz-agent: --format takes json or text\n");
        return 2;
    }
    tz_log_init("tz-agent", TZ_LOG_INFO);
    if (configure) {
        struct tz_error err = {0};
        const char *path = config ? config : TZ_AGENT_CONFIG;
        if (agent_configure(path, flags, n_flags, &err) != 0) {
            die_err("--configure", &err);
            return err.code == TZ_EINVAL ? 2 : 1;
        }
        fprintf(stderr, "tz-agent: wrote %s (mode 0600)\n", path);
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);

    /* The privileged child is forked before any file or key is read: it is
     * the only part that ever opens /etc/shadow (privsep.h). */
    struct tz_error err = {0};
    struct privsep *ps = NULL;
    if (privsep_start(&ps, &err) != 0) {
        die_err("privilege separation", &err);
        return 1;
    }
    int rc = agent_main(&cfg, print, once, reenroll, format, config, flags, n_flags, ps);
    privsep_stop(ps);
    return rc;
}

static int agent_main(struct agent_config *cfg_, int print, int once,
                      int reenroll, const char *format, const char *config,
                      const struct agent_flag *flags, int n_flags,
                      struct privsep *ps)
{
    struct agent_config cfg = *cfg_;
    struct tz_error err = {0};
    if (config && agent_config_load(&cfg, config, &err) != 0) {
        die_err("config", &err);
        return 1;
    }
    char why[256];
    if (agent_config_apply_flags(&cfg, flags, n_flags, why, sizeof(why)) != 0) {
        fprintf(stderr, "tz-agent: %s\n", why);
        return 2;
    }
    check_token_file_mode(config, &cfg);
    struct weakpw_limits lim;
    weakpw_limits_default(&lim);
    if (cfg.weak_max_candidates)
        lim.max_candidates = (unsigned)cfg.weak_max_candidates;
    if (cfg.weak_max_ms)
        lim.max_ms = (unsigned)cfg.weak_max_ms;
    report_set_accounts(ps, &lim, dictionary(&cfg));
    report_set_system(cfg.system_id);
    /* Still root: fix what the root side will ever audit, before the drop. */
    if (privsep_fix(ps, cfg.root, &lim, dictionary(&cfg), &err) != 0) {
        die_err("privilege separation", &err);
        return 1;
    }
    if (print)
        return print_report(cfg.root, format);
    if (once)
        return run_once(&cfg, reenroll);
    /* Neither --print nor --once: run as a daemon until SIGTERM. The daemon
     * collects without root from here on (README: privileges). */
    struct state_dir sd;
    if (state_dir_open(cfg.state_dir, cfg.user, &sd, &err) != 0) {
        die_err("state", &err);
        return 1;
    }
    int rc = 0;
    if (drop_privileges(&cfg) != 0)
        rc = 1;
    else if (daemon_run(&cfg, &sd, config, flags, n_flags, &err) != 0) {
        die_err("daemon", &err);
        rc = 1;
    }
    state_dir_close(&sd);
    return rc;
}
