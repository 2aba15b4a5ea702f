/* usage — tzctl's usage text, from one table: each command word's usage
 * lines and examples. `tzctl --help` (and a bare `tzctl`) prints every
 * entry's usage, `tzctl COMMAND --help` that entry's usage and examples; a
 * usage error is one line naming the mistake and a pointer to the help of
 * the command it was made in. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collector_config.h"
#include "tzctl.h"

struct help {
    const char *name;       /* the command word */
    const char *usage;      /* its lines of the global usage */
    const char *examples;   /* one example a line, each a whole command */
};

static const struct help helps[] = {
    {"hosts",
     "  hosts [--dept D] [--all]     list hosts (enrolled agents; --all: the\n"
     "                               retired ones too)\n",
     "tzctl hosts\n"
     "tzctl hosts --dept 计算机学院 --format csv\n"},
    {"host",
     "  host show HOST [--all] [--packages] [--accounts] [--listeners]\n"
     "       [--interfaces] [--patch] [--ssh] [--hardware] [--os] [--agent]\n"
     "                               one host: a summary (identity, system,\n"
     "                               department, open flags, patch, account\n"
     "                               and listener figures), then only the\n"
     "                               long lists asked for (--all: every one;\n"
     "                               --agent: the agent record). HOST: an id\n"
     "                               or hostname, as in every command\n"
     "  host retire HOST [--reason TEXT]\n"
     "                               keep its record and history, stop its\n"
     "                               flags, refuse its key (DUPLICATE_HOST)\n"
     "  host merge OLD NEW [--force] [--reason TEXT]\n"
     "                               fold OLD (same machine_id unless --force)\n"
     "                               into NEW: history and binding move, OLD\n"
     "                               is retired\n",
     "tzctl host show web01\n"
     "tzctl host show 3 --packages --accounts\n"
     "tzctl host show web01 --all\n"
     "tzctl host show 3 --format json\n"
     "tzctl host retire old-web01 --reason replaced\n"
     "tzctl host merge 3 7\n"},
    {"dept",
     "  dept add NAME                add a department\n"
     "  dept list                    list departments\n"
     "  dept set D FIELD=VALUE...    the department's leaders and liaison\n"
     "                               (第一责任人, 直接责任人, 网络安全与信息化\n"
     "                               负责人, 联络人, their phones and e-mail)\n"
     "                               and last_meeting (keys or labels)\n"
     "  dept show D                  the department's record and its changes\n"
     "  dept import FILE [--sheet NAME]\n"
     "                               set departments' records from a sheet\n"
     "                               (.csv in UTF-8 or GBK, .xlsx, .xls)\n"
     "                               (单位 and field columns), all or none\n",
     "tzctl dept add 计算机学院\n"
     "tzctl dept set 计算机学院 联络人=李四 last_meeting=2026-03-01\n"
     "tzctl dept show 计算机学院\n"},
    {"system",
     "  system add NAME --dept D [--FIELD VALUE...]\n"
     "                               add a system to the ledger (FIELD: any\n"
     "                               key of `system show`, e.g. --owner,\n"
     "                               --ips, --mlps-grade, --status)\n"
     "  system set ID|NAME FIELD=VALUE...\n"
     "                               change fields (keys or Chinese labels)\n"
     "  system show ID|NAME          one system's ledger record and hosts\n"
     "  system list [--dept D] [--status S]\n"
     "  system retire ID|NAME        mark a system retired\n"
     "  system import FILE [--sheet NAME] [--update [--dry-run]]\n"
     "                               add every row of a ledger sheet, or none\n"
     "                               (.csv in UTF-8 or GBK, .xlsx, .xls;\n"
     "                               --sheet: a workbook's sheet to read;\n"
     "                               --update: change the systems it matches\n"
     "                               by id, else by name in the department,\n"
     "                               showing the diff; --dry-run: only show)\n"
     "                               (a system is named by its id or by a\n"
     "                               name only one system has, everywhere)\n",
     "tzctl system add 教务管理系统 --dept 教务处 --ips 192.0.2.10\n"
     "tzctl system set 教务管理系统 负责人=王五 mlps_grade=2\n"
     "tzctl system show 1\n"
     "tzctl system import ledger.csv\n"
     "tzctl system import 台账.xlsx --sheet 系统台账\n"
     "tzctl system import --update ledger.csv --dry-run\n"},
    {"systems",
     "  systems [--dept D] [--status S]\n"
     "                               list systems (same as system list)\n"
     "  systems --conflicts [--dept D]\n"
     "                               systems whose IPs overlap or that share a\n"
     "                               domain: a host there is bound by no match\n",
     "tzctl systems\n"
     "tzctl systems --dept 教务处 --status live\n"
     "tzctl systems --conflicts\n"},
    {"ledger",
     "  ledger [--dept D]            the ledger: systems in use with their\n"
     "                               main fields, hosts and open flags\n",
     "tzctl ledger\n"
     "tzctl ledger --dept 教务处\n"},
    {"export",
     "  export --format csv|json|xlsx [--dept D] -o FILE [--force]\n"
     "                               the ledger as a file to hand on: csv\n"
     "                               (what system import reads back), json,\n"
     "                               xlsx (systems, hosts, open flags); only\n"
     "                               department D's with --dept; an existing\n"
     "                               FILE is kept unless --force; -o - for\n"
     "                               stdout (csv, json). After export,\n"
     "                               --format is the file's format\n",
     "tzctl export --format xlsx -o ledger.xlsx\n"
     "tzctl export --format csv --dept 教务处 -o -\n"},
    {"bind",
     "  bind HOST SYSTEM [--by NAME] bind a host to a system explicitly\n"
     "                               (SYSTEM: an id or a name)\n",
     "tzctl bind web01 教务管理系统\n"
     "tzctl bind 3 1 --by 张三\n"},
    {"unbind",
     "  unbind HOST                  remove a host's explicit binding\n",
     "tzctl unbind web01\n"},
    {"token",
     "  token create --dept NAME [--expires DAYS] [--uses N]\n"
     "                               make an enrollment token for NAME; it\n"
     "                               enrolls agents for DAYS days, N of them\n"
     "                               (default: no limit)\n"
     "  token create --admin         make an admin token\n"
     "  token list                   the tokens: id, department, created,\n"
     "                               expires, uses left, state; never a token\n"
     "  token revoke ID              the token enrolls no more agents\n",
     "tzctl token create --dept 计算机学院 --expires 7 --uses 20\n"
     "tzctl token list\n"
     "tzctl token revoke 4\n"},
    {"agent",
     "  agent revoke HOST|AGENT-ID [--reason TEXT]\n"
     "                               refuse that host's agent key from now on\n"
     "                               (REVOKED); the host keeps its history,\n"
     "                               with the revocation in it\n",
     "tzctl agent revoke web01 --reason \"disk replaced\"\n"},
    {"user",
     "  user add NAME --dept D [--role viewer|editor]\n"
     "  user add NAME --admin        a portal login; prints its token once\n"
     "                               (viewer: the department's ledger, read\n"
     "                               only; editor: also its systems' fields;\n"
     "                               admin: everything)\n"
     "  user list                    portal logins, never their tokens\n"
     "  user revoke NAME             end a login and its sessions\n",
     "tzctl user add 李四 --dept 计算机学院 --role editor\n"
     "tzctl user list\n"
     "tzctl user revoke 李四\n"},
    {"stats",
     "  stats                        register counters (revoked and throttled\n"
     "                               requests too), size, the rules in force\n",
     "tzctl stats\n"
     "tzctl stats --format json\n"},
    {"key",
     "  key show [-q]                the collector's public key (collector.pub:\n"
     "                               what agents pin as collector_key) and its\n"
     "                               fingerprint, SHA256: and the base64 of the\n"
     "                               SHA-256 of the 32 key bytes (as OpenSSH);\n"
     "                               -q: only the hex key, for scripts\n",
     "tzctl key show\n"
     "tzctl key show -q\n"},
    {"backup",
     "  backup -o FILE [--force]     a compacted copy of the register in one\n"
     "                               file (mode 0600), taken while the\n"
     "                               collector runs; an existing FILE is kept\n"
     "                               unless --force. collector.key is not in\n"
     "                               it: save that once, separately\n",
     "tzctl backup -o /var/backups/taizhang-2026-12-06.mdb\n"},
    {"verify",
     "  verify [FILE]                check every database and index of the\n"
     "                               register (or of a backup FILE): exit 0\n"
     "                               and a summary, or 1 and each problem\n",
     "tzctl verify\n"
     "tzctl verify /var/backups/taizhang-2026-12-06.mdb\n"},
    {"restore",
     "  restore FILE                 make a backup the register again, with\n"
     "                               tz-collector stopped: FILE is verified\n"
     "                               first, the register it replaces is kept\n"
     "                               as data.mdb.before-restore.<time>\n",
     "tzctl restore /var/backups/taizhang-2026-12-06.mdb\n"},
    {"flags",
     "  flags [--dept D] [--system SYSTEM] [--host HOST] [--severity S]\n"
     "        [--closed|--all] [--wide]\n"
     "                               what the rules raise (open flags;\n"
     "                               --closed: those that cleared; --all:\n"
     "                               both), with evidence (in --lang) and the\n"
     "                               article cited, cut to 120 columns;\n"
     "                               --wide: uncut, with id, department and\n"
     "                               整改建议; S = minimum. SYSTEM and HOST:\n"
     "                               an id or a name\n",
     "tzctl flags\n"
     "tzctl flags --system 教务管理系统 --severity high\n"
     "tzctl flags --dept 计算机学院 --all --format csv\n"
     "tzctl --lang en flags --wide\n"},
    {"flag",
     "  flag show FLAG               one kind of flag: its labels, severity,\n"
     "                               the article cited, 整改建议 (remedy) and\n"
     "                               how many are open (FLAG: an id or label)\n",
     "tzctl flag show WEAK_PASSWORD\n"
     "tzctl flag show 弱口令\n"},
    {"history",
     "  history HOST [--since DATE]  what changed on a host, report by report\n",
     "tzctl history web01\n"
     "tzctl history 3 --since 2026-11-01\n"},
    {"collect",
     "  collect HOST...|--system SYSTEM [--deadline SECONDS]\n"
     "                               ask hosts to report now (through the\n"
     "                               running collector; their agents must run\n"
     "                               as daemons) and wait for them (default\n"
     "                               120 s); exit 1 when one did not answer\n",
     "tzctl collect web01 db01\n"
     "tzctl collect --system 教务管理系统 --deadline 60\n"},
    {"screen",
     "  screen SYSTEM [--fresh] [--deadline SECONDS] [--scan|--no-scan]\n"
     "         [--format text|json|html] [-o FILE] [--force]\n"
     "                               pre-launch screening (上线前安全审查): judge\n"
     "                               the system's ledger record and hosts by\n"
     "                               the checklist, store it and print it.\n"
     "                               --fresh: have its hosts report now first\n"
     "                               (default wait 120 s; hosts that do not\n"
     "                               answer are named, never passed); --scan:\n"
     "                               also probe its ledger addresses with nmap.\n"
     "                               Exit 0 passed, 3 did not pass\n",
     "tzctl screen 教务管理系统\n"
     "tzctl screen 1 --fresh --scan --format html -o screening.html\n"},
    {"screenings",
     "  screenings SYSTEM            its screenings and review decisions\n",
     "tzctl screenings 教务管理系统\n"},
    {"screening",
     "  screening show ID [--format text|json|html] [-o FILE] [--force]\n"
     "                               one stored screening, as it was judged\n"
     "                               (html: a report to print on A4 and sign)\n"
     "  screening requests [--all] [--dept D]\n"
     "                               departments' requests to be screened\n"
     "                               (上线申请): open ones, or all\n",
     "tzctl screening show 7 --format html -o screening-7.html\n"
     "tzctl screening requests --all\n"},
    {"report",
     "  report dept D --period YYYYH1|YYYYH2 [--format html|xlsx|json]\n"
     "         [-o FILE] [--force]   the department's half-year self-inspection\n"
     "                               report (自查报告): leaders, systems' filing,\n"
     "                               grading, evaluation and review, hosts seen,\n"
     "                               flags, weak passwords, patches, ports and\n"
     "                               ledger changes, all as of the period's end\n"
     "                               (html: A4 with a signature block; xlsx\n"
     "                               needs -o; default json)\n"
     "  report dept D --from DATE --to DATE ...\n"
     "                               the same over any span of days; with the\n"
     "                               department's responsibility score (0-100,\n"
     "                               --scoring FILE, default scoring.ini)\n"
     "  report school --period YYYYH1|YYYYH2 [--format html|xlsx|json] [-o FILE]\n"
     "                               every department's score and indicators,\n"
     "                               those without a liaison or with overdue\n"
     "                               high flags first, then lowest score first\n",
     "tzctl report dept 计算机学院 --period 2026H2 --format html -o 自查报告.html\n"
     "tzctl report school --period 2026H2 --format xlsx -o school.xlsx\n"},
    {"digest",
     "  digest preview --dept D|--school [--since DATE]\n"
     "                               the e-mail digest D's 联络人 (--school: the\n"
     "                               network center) would get next: new flags\n"
     "                               (since DATE, default the last digest sent),\n"
     "                               overdue flags, evaluations due in 60 days,\n"
     "                               and whether it would be sent; the collector\n"
     "                               sends on the [digest] schedule\n"
     "  digest send --dept D|--school [--force]\n"
     "                               send that digest now through [digest]'s\n"
     "                               SMTP server and record it (the next\n"
     "                               scheduled one counts from it); --force:\n"
     "                               even when nothing changed\n",
     "tzctl digest preview --dept 计算机学院\n"
     "tzctl digest preview --dept 计算机学院 --since 2026-11-01\n"
     "tzctl digest preview --school\n"
     "tzctl --config /etc/taizhang/tz-collector.ini digest send --dept 计算机学院\n"},
    {"review",
     "  review SYSTEM --pass|--fail --by NAME [--screening ID]\n"
     "         [--override REASON]   record the decision (上线前审查): a pass\n"
     "                               rests on a recent screening (default the\n"
     "                               latest) and, when its blocking items\n"
     "                               failed, on --override REASON, kept with it\n",
     "tzctl review 教务管理系统 --pass --by 张三\n"
     "tzctl review 1 --fail --by 张三 --screening 7\n"},
};

#define N_HELPS (sizeof(helps) / sizeof(helps[0]))

static const char usage_head[] =
    "usage: tzctl [--data DIR] [--format table|csv|json] COMMAND [ARGS]\n"
    "       tzctl COMMAND --help   (that command's usage and examples)\n"
    "\n"
    "commands:\n";

static const char usage_options[] =
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
    "  --lang zh|en    the language of flags' evidence and values in tables\n"
    "                  (default: zh when LC_ALL, LC_MESSAGES or LANG is\n"
    "                  zh*, else en)\n"
    "  --utc           times in UTC (default: local time with its zone,\n"
    "                  2026-12-06 09:28 +0800; ISO 8601 in csv and json)\n"
    "  --by NAME       who the ledger's change history names for this\n"
    "                  command (default: the login behind sudo, else yours)\n"
    "  --rules FILE    with flags only: a dry run, the flags those thresholds\n"
    "                  would raise now, nothing stored (ledger changes are\n"
    "                  judged by the collector's rules: see tzctl stats)\n"
    "  -h, --help      this text; after a command, that command's help\n"
    "  --version       print the version and exit\n";

/* The command a usage error is about, for its pointer to --help. */
static const char *current;

void tzctl_print_usage(FILE *f)
{
    fputs(usage_head, f);
    for (size_t i = 0; i < N_HELPS; i++)
        fputs(helps[i].usage, f);
    fputs(usage_options, f);
}

static const struct help *help_find(const char *name)
{
    for (size_t i = 0; name && i < N_HELPS; i++)
        if (strcmp(helps[i].name, name) == 0)
            return &helps[i];
    return NULL;
}

int tzctl_print_help(const char *command, FILE *f)
{
    const struct help *h = help_find(command);
    if (h == NULL)
        return -1;
    fprintf(f, "usage: tzctl [OPTIONS] %s ...\n\n%s\nExamples:\n", h->name,
            h->usage);
    /* Each example on its own indented line. */
    for (const char *s = h->examples; *s;) {
        size_t n = strcspn(s, "\n");
        fprintf(f, "  %.*s\n", (int)n, s);
        s += n + (s[n] == '\n');
    }
    fputs("\n(global options such as --data and --format: tzctl --help)\n", f);
    return 0;
}

size_t tzctl_help_count(void)
{
    return N_HELPS;
}

const char *tzctl_help_name(size_t i)
{
    return i < N_HELPS ? helps[i].name : NULL;
}

void tzctl_usage_command(const char *command)
{
    current = help_find(command) ? command : NULL;
}

int tzctl_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tzctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    /* One line that says what was wrong, not 100 that bury it. */
    if (current)
        fprintf(stderr, "\n(tzctl %s --help shows its usage and examples)\n",
                current);
    else
        fputs("\n(tzctl --help lists every command and option)\n", stderr);
    return TZCTL_USAGE;
}
