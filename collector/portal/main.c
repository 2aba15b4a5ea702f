/* tz-portal — the departments' web view of the ledger and the JSON API.
 *
 * A process of its own, under its own user (DESIGN.md §6): it opens the
 * register read-only, holds no collector key, and sends every write and
 * every login to the collector's control socket, which checks the person
 * again. Serves until SIGINT or SIGTERM. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "control.h"
#include "portal.h"
#include "portal_auth.h"
#include "portal_http.h"
#include "tz_log.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tz-portal [--data DIR] [--listen ADDR:PORT] [--config FILE]\n"
            "                 [--control URL] [--verbose]\n"
            "  --data DIR       the collector's register, opened read-only\n"
            "                   (default ./var/taizhang)\n"
            "  --listen A:P     HTTP address (default 127.0.0.1:7451; put a TLS\n"
            "                   proxy in front for anything but loopback)\n"
            "  --config FILE    INI file, [portal] section; flags override it\n"
            "  --control URL    the collector's control socket\n"
            "                   (default ipc://DATA/control.sock)\n"
            "  --verbose        log debug messages too\n"
            "  --version        print the version and exit\n"
            "  --help           this text\n");
}

int main(int argc, char **argv)
{
    struct portal_config cfg;
    portal_config_defaults(&cfg);
    const char *config = NULL, *data = NULL, *listen = NULL, *control = NULL;
    int verbose = 0, ch;
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"control", required_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    while ((ch = getopt_long(argc, argv, "d:l:c:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'l': listen = optarg; break;
        case 'c': config = optarg; break;
        case 'C': control = optarg; break;
        case 'v': verbose = 1; break;
        case 'V': printf("tz-portal %s\n", TZ_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    tz_log_init("tz-portal", verbose ? TZ_LOG_DEBUG : TZ_LOG_INFO);
    struct tz_error err = {0};
    char ebuf[1024];
    if (sodium_init() < 0) {
        fprintf(stderr, "tz-portal: libsodium did not initialise\n");
        return 1;
    }
    if (config && portal_config_load(&cfg, config, &err) != 0) {
        fprintf(stderr, "tz-portal: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        return 1;
    }
    if (data)
        snprintf(cfg.data, sizeof(cfg.data), "%s", data);
    if (listen)
        snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
    if (control)
        snprintf(cfg.control, sizeof(cfg.control), "%s", control);
    if (cfg.control[0] == '\0')
        snprintf(cfg.control, sizeof(cfg.control), "ipc://%s/" CONTROL_SOCKET, cfg.data);

    /* Block the stop signals before any thread starts: sigwait takes them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    static struct portal p;
    p.cfg = &cfg;
    struct portal_http *http = NULL;
    int rc = register_open(cfg.data, REGISTER_RDONLY, &p.reg, &err);
    if (rc == 0)
        rc = control_client_open(cfg.control, 5000, &p.ctl, &err);
    if (rc == 0 && portal_auth_init(&p) != 0)
        rc = tz_err(&err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (rc == 0)
        rc = portal_http_start(&p, &http, &err);
    if (rc != 0) {
        fprintf(stderr, "tz-portal: %s\n", tz_error_str(&err, ebuf, sizeof(ebuf)));
        control_client_close(p.ctl);
        register_close(p.reg);
        portal_auth_free(&p);
        return 1;
    }
    /* The bound port, not the configured one: tests listen on port 0. */
    char shown[sizeof(cfg.listen)];
    snprintf(shown, sizeof(shown), "%s", cfg.listen);
    char *colon = strrchr(shown, ':');
    if (colon)
        *colon = '\0';
    tz_log(TZ_LOG_INFO, "serving http://%s:%u/ (register %s, read-only; control %s)",
           shown, portal_http_port(http), cfg.data, cfg.control);
    int sig = 0;
    sigwait(&stop, &sig);
    tz_log(TZ_LOG_INFO, "received %s, stopping", strsignal(sig));
    portal_http_stop(http);
    control_client_close(p.ctl);
    register_close(p.reg);
    portal_auth_free(&p);
    tz_log(TZ_LOG_INFO, "stopped");
    return 0;
}
