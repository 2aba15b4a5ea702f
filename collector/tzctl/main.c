/* tzctl — the operator's tool: global options, dispatch to one file per
 * command group (hosts.c, dept.c, token.c, stats.c, system.c, bind.c,
 * ledger.c, export.c, key.c, backup.c, verify.c, restore.c), and
 * the shared helpers of tzctl.h. Reads (and backup, verify) open the
 * register read-only, so they run beside a live collector; `dept add`,
 * `token create` and the ledger's writes (system add/set/retire/import,
 * bind) take a short write transaction; restore refuses while a collector
 * holds the data dir. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include "collector_config.h"
#include "flags_scope.h"
#include "tzctl.h"

#define DEFAULT_DATA "./var/taizhang"

static const char usage_text[] =
    "usage: tzctl [--data DIR] [--format table|csv|json] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  hosts [--dept D]             list hosts (enrolled agents)\n"
    "  host show ID                 one host's record and latest report\n"
    "  dept add NAME                add a department\n"
    "  dept list                    list departments\n"
    "  system add NAME --dept D [--FIELD VALUE...]\n"
    "                               add a system to the ledger (FIELD: any\n"
    "                               key of `system show`, e.g. --owner,\n"
    "                               --ips, --mlps-grade, --status)\n"
    "  system set ID|NAME FIELD=VALUE...\n"
    "                               change fields (keys or Chinese labels)\n"
    "  system show ID|NAME          one system's ledger record and hosts\n"
    "  system list [--dept D] [--status S]\n"
    "  systems                      list systems (same as system list)\n"
    "  ledger [--dept D]            the ledger: systems in use with their\n"
    "                               main fields, hosts and open flags\n"
    "  system retire ID|NAME        mark a system retired\n"
    "  system import FILE [--sheet NAME]\n"
    "                               add every row of a ledger sheet, or none\n"
    "                               (.csv in UTF-8 or GBK, .xlsx, .xls;\n"
    "                               --sheet: a workbook's sheet to read)\n"
    "  export --format csv|json|xlsx [--dept D] -o FILE [--force]\n"
    "                               the ledger as a file to hand on: csv\n"
    "                               (what system import reads back), json,\n"
    "                               xlsx (systems, hosts, open flags); only\n"
    "                               department D's with --dept; an existing\n"
    "                               FILE is kept unless --force; -o - for\n"
    "                               stdout (csv, json). After export,\n"
    "                               --format is the file's format\n"
    "  bind HOST SYSTEM [--by NAME] bind a host to a system explicitly\n"
    "  unbind HOST                  remove a host's explicit binding\n"
    "  token create --dept NAME     make an enrollment token for NAME\n"
    "  token create --admin         make an admin token\n"
    "  user add NAME --dept D [--role viewer|editor]\n"
    "  user add NAME --admin        a portal login; prints its token once\n"
    "                               (viewer: the department's ledger, read\n"
    "                               only; editor: also its systems' fields;\n"
    "                               admin: everything)\n"
    "  user list                    portal logins, never their tokens\n"
    "  user revoke NAME             end a login and its sessions\n"
    "  stats                        register counters and size\n"
    "  key show [-q]                the collector's public key (collector.pub:\n"
    "                               what agents pin as collector_key) and its\n"
    "                               fingerprint, SHA256: and the base64 of the\n"
    "                               SHA-256 of the 32 key bytes (as OpenSSH);\n"
    "                               -q: only the hex key, for scripts\n"
    "  backup -o FILE [--force]     a compacted copy of the register in one\n"
    "                               file (mode 0600), taken while the\n"
    "                               collector runs; an existing FILE is kept\n"
    "                               unless --force. collector.key is not in\n"
    "                               it: save that once, separately\n"
    "  verify [FILE]                check every database and index of the\n"
    "                               register (or of a backup FILE): exit 0\n"
    "                               and a summary, or 1 and each problem\n"
    "  restore FILE                 make a backup the register again, with\n"
    "                               tz-collector stopped: FILE is verified\n"
    "                               first, the register it replaces is kept\n"
    "                               as data.mdb.before-restore.<time>\n"
    "  flags [--dept D] [--system ID] [--host ID] [--severity S] [--closed]\n"
    "                               what the rules raise, with evidence, the\n"
    "                               article cited and the fix; S = minimum\n"
    "  history HOST [--since DATE]  what changed on a host, report by report\n"
    "  collect HOST...|--system ID [--deadline SECONDS]\n"
    "                               ask hosts to report now (through the\n"
    "                               running collector; their agents must run\n"
    "                               as daemons) and wait for them (default\n"
    "                               120 s); exit 1 when one did not answer\n"
    "  screen SYSTEM [--fresh] [--deadline SECONDS] [--scan|--no-scan]\n"
    "         [--format text|json|html] [-o FILE] [--force]\n"
    "                               pre-launch screening (上线前安全审查): judge\n"
    "                               the system's ledger record and hosts by\n"
    "                               the checklist, store it and print it.\n"
    "                               --fresh: have its hosts report now first\n"
    "                               (default wait 120 s; hosts that do not\n"
    "                               answer are named, never passed); --scan:\n"
    "                               also probe its ledger addresses with nmap.\n"
    "                               Exit 0 passed, 3 did not pass\n"
    "  screenings SYSTEM            its screenings and review decisions\n"
    "  screening show ID [--format text|json|html] [-o FILE] [--force]\n"
    "                               one stored screening, as it was judged\n"
    "                               (html: a report to print on A4 and sign)\n"
    "  screening requests [--all] [--dept D]\n"
    "                               departments' requests to be screened\n"
    "                               (上线申请): open ones, or all\n"
    "  review SYSTEM --pass|--fail --by NAME [--screening ID]\n"
    "         [--override REASON]   record the decision (上线前审查): a pass\n"
    "                               rests on a recent screening (default the\n"
    "                               latest) and, when its blocking items\n"
    "                               failed, on --override REASON, kept with it\n"
    "\n"
    "options (anywhere on the line):\n"
    "  --data DIR      the register (default: $TZ_DATA, else data = of\n"
    "                  " TZ_COLLECTOR_CONFIG " when it exists, else\n"
    "                  " DEFAULT_DATA
    ")\n"
    "  --config FILE   the collector's settings: its data dir and the\n"
    "                  screening's checklist, ports and scan (default:\n"
    "                  " TZ_COLLECTOR_CONFIG " when it exists)\n"
    "  --format F      table (default), csv or json\n"
    "  --by NAME       who the ledger's change history names for this\n"
    "                  command (default: the login behind sudo, else yours)\n"
    "  --rules FILE    rule thresholds for flags after ledger changes\n"
    "                  (default: built in, as schemas/rules.ini)\n"
    "  -h, --help      this text\n"
    "  --version       print the version and exit\n";

int tzctl_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tzctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TZCTL_FAIL;
}

int tzctl_fail_err(const struct tz_error *err)
{
    char buf[1024];
    return tzctl_fail("%s", tz_error_str(err, buf, sizeof(buf)));
}

int tzctl_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tzctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n\n", stderr);
    fputs(usage_text, stderr);
    va_end(ap);
    return TZCTL_USAGE;
}

/* Does this command change the ledger (and so the flags)? */
static int changes_ledger(int n, char **rest)
{
    if (strcmp(rest[0], "bind") == 0 || strcmp(rest[0], "unbind") == 0 ||
        strcmp(rest[0], "screen") == 0 || strcmp(rest[0], "review") == 0)
        return 1;
    if (strcmp(rest[0], "system") != 0 || n < 2)
        return 0;
    return strcmp(rest[1], "add") == 0 || strcmp(rest[1], "set") == 0 ||
           strcmp(rest[1], "retire") == 0 || strcmp(rest[1], "import") == 0;
}

int tzctl_open(const struct tzctl *c, unsigned flags, struct tz_register **reg)
{
    struct tz_error err = {0};
    if (register_open(c->data, flags, reg, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

void tzctl_time(int64_t t, char buf[32])
{
    buf[0] = '\0';
    if (t == 0)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, 32, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
        snprintf(buf, 32, "%lld", (long long)t);
}

const char *tzctl_arg(int argc, char **argv, int *i, int *dashdash,
                      const char **pos)
{
    (void)argc;
    const char *a = argv[*i];
    *pos = NULL;
    if (!*dashdash && strcmp(a, "--") == 0) {
        *dashdash = 1;
        return NULL;
    }
    if (!*dashdash && a[0] == '-' && a[1] != '\0')
        return a;
    *pos = a;
    return NULL;
}

int tzctl_optval(const char *opt, const char *name, int argc, char **argv,
                 int *i, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(opt, name, n) != 0)
        return 0;
    if (opt[n] == '=') {
        *val = opt + n + 1;
        return 1;
    }
    if (opt[n] != '\0')
        return 0;
    *val = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}

/* The person at the keyboard: the login behind sudo, else the user. */
static const char *login_name(void)
{
    const char *s = getenv("SUDO_USER");
    if (s && s[0])
        return s;
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name[0])
        return pw->pw_name;
    s = getenv("USER");
    return s && s[0] ? s : "unknown";
}

/* --config FILE wherever it stands (before "--"): it sets the defaults the
 * other options override, so it is read first. NULL: not given; "" given
 * without a value. */
static const char *config_arg(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
        if (strcmp(argv[i], "--config") == 0)
            return i + 1 < argc ? argv[i + 1] : "";
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct tzctl c = {.data = DEFAULT_DATA, .format = OUT_TABLE,
                      .actor = {NULL, "tzctl"}};
    /* On an installed collector host, the register the collector uses. */
    static struct collector_config installed;
    collector_config_defaults(&installed);
    c.cfg = &installed;
    const char *cfgpath = config_arg(argc, argv);
    if (cfgpath && cfgpath[0] == '\0')
        return tzctl_usage("--config needs a file");
    if (cfgpath || access(TZ_COLLECTOR_CONFIG, R_OK) == 0) {
        struct tz_error err = {0};
        if (collector_config_load(&installed, cfgpath ? cfgpath : TZ_COLLECTOR_CONFIG,
                                  &err) != 0) {
            char buf[700];
            return tzctl_fail("%s (or say --data DIR)",
                              tz_error_str(&err, buf, sizeof(buf)));
        }
        c.data = installed.data;
    }
    const char *env = getenv("TZ_DATA");
    if (env && env[0])
        c.data = env;

    /* Pull the global options out wherever they stand; the rest is the
     * command and its own arguments, in order. */
    char **rest = calloc((size_t)argc + 1, sizeof(char *));
    if (rest == NULL)
        return tzctl_fail("out of memory");
    int n = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[n++] = argv[i++];
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            free(rest);
            return TZCTL_OK;
        }
        if (strcmp(a, "--version") == 0) {
            printf("tzctl %s\n", TZ_VERSION);
            free(rest);
            return TZCTL_OK;
        }
        if (tzctl_optval(a, "--config", argc, argv, &i, &val)) {
            continue;   /* read by config_arg */
        } else if (tzctl_optval(a, "--data", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0') {
                rc = tzctl_usage("--data needs a directory");
                goto out;
            }
            c.data = val;
        } else if (tzctl_optval(a, "--rules", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0') {
                rc = tzctl_usage("--rules needs a file");
                goto out;
            }
            c.rules = val;
        } else if (tzctl_optval(a, "--by", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0') {
                rc = tzctl_usage("--by needs a name");
                goto out;
            }
            c.actor.name = val;
            c.by_given = 1;
        } else if (n > 0 && (strcmp(rest[0], "export") == 0 ||
                             strcmp(rest[0], "screen") == 0 ||
                             strcmp(rest[0], "screening") == 0) &&
                   (strcmp(a, "--format") == 0 ||
                    strncmp(a, "--format=", 9) == 0)) {
            /* After `export`, --format is the file's (csv|json|xlsx); after
             * `screen` and `screening`, the report's (text|json|html). */
            rest[n++] = argv[i];
            if (a[8] == '\0' && i + 1 < argc)
                rest[n++] = argv[++i];
        } else if (tzctl_optval(a, "--format", argc, argv, &i, &val)) {
            if (val == NULL || out_format_parse(val, &c.format) != 0) {
                rc = tzctl_usage("--format must be table, csv or json");
                goto out;
            }
        } else {
            rest[n++] = argv[i];
        }
    }

    if (n == 0) {
        rc = tzctl_usage("no command given");
        goto out;
    }
    c.login = login_name();
    if (c.actor.name == NULL)
        c.actor.name = c.login;
    static const struct {
        const char *name;
        int (*fn)(const struct tzctl *, int, char **);
    } cmds[] = {
        {"hosts", tzctl_hosts}, {"host", tzctl_host}, {"dept", tzctl_dept},
        {"token", tzctl_token}, {"user", tzctl_user}, {"stats", tzctl_stats},
        {"collect", tzctl_collect},
        {"system", tzctl_system}, {"systems", tzctl_systems},
        {"bind", tzctl_bind}, {"unbind", tzctl_unbind},
        {"flags", tzctl_flags}, {"history", tzctl_history},
        {"ledger", tzctl_ledger}, {"key", tzctl_key},
        {"backup", tzctl_backup}, {"verify", tzctl_verify},
        {"restore", tzctl_restore}, {"export", tzctl_export},
        {"screen", tzctl_screen}, {"screenings", tzctl_screenings},
        {"screening", tzctl_screening}, {"review", tzctl_review},
    };
    rc = -1;
    struct flags_scope *before = changes_ledger(n, rest) ? tzctl_reflag_before(&c) : NULL;
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
        if (strcmp(rest[0], cmds[k].name) == 0)
            rc = cmds[k].fn(&c, n, rest);
    if (rc < 0)
        rc = tzctl_usage("unknown command \"%s\"", rest[0]);
    else if ((rc == TZCTL_OK || rc == TZCTL_NOT_PASSED) && changes_ledger(n, rest)) {
        int r2 = tzctl_reflag(&c, before);
        if (r2 != TZCTL_OK)
            rc = r2;
    }
    flags_scope_free(before);
out:
    free(rest);
    if (fflush(stdout) != 0 && rc == TZCTL_OK)
        rc = tzctl_fail("cannot write output");
    return rc;
}
