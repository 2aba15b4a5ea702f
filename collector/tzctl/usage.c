/* usage — tzctl's usage text, the one place that lists every command and
 * global option (--help prints it, and a bare `tzctl`); a usage error is
 * one line naming the mistake, and a pointer to --help. */
#include <stdarg.h>
#include <stdio.h>

#include "collector_config.h"
#include "tzctl.h"

static const char usage_text[] =
    "usage: tzctl [--data DIR] [--format table|csv|json] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  hosts [--dept D]             list hosts (enrolled agents)\n"
    "  host show HOST               one host's record and latest report (HOST:\n"
    "                               an id or hostname, as in every command)\n"
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
    "  system import FILE.csv       add every row of a ledger sheet, or none\n"
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
    "  flags [--dept D] [--system ID] [--host ID] [--severity S]\n"
    "        [--closed|--all]       (open flags; --closed: those that cleared;\n"
    "                               --all: both)\n"
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
    "                  " TZCTL_DEFAULT_DATA
    ")\n"
    "  --config FILE   the collector's settings: its data dir and the\n"
    "                  screening's checklist, ports and scan (default:\n"
    "                  " TZ_COLLECTOR_CONFIG " when it exists)\n"
    "  --format F      table (default), csv or json\n"
    "  --by NAME       who the ledger's change history names for this\n"
    "                  command (default: the login behind sudo, else yours)\n"
    "  --rules FILE    with flags only: a dry run, the flags those thresholds\n"
    "                  would raise now, nothing stored (ledger changes are\n"
    "                  judged by the collector's rules: see tzctl stats)\n"
    "  -h, --help      this text\n"
    "  --version       print the version and exit\n";

void tzctl_print_usage(FILE *f)
{
    fputs(usage_text, f);
}

int tzctl_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tzctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    /* One line that says what was wrong, not 100 that bury it. */
    fputs("\n(tzctl --help lists every command and option)\n", stderr);
    va_end(ap);
    return TZCTL_USAGE;
}
