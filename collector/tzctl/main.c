/* tzctl — the operator's tool: global options and dispatch to one file per
 * command group (hosts.c, dept.c, token.c, agent.c, stats.c, system.c, bind.c,
 * ledger.c, export.c, key.c, backup.c, verify.c, restore.c, screen.c,
 * review.c, ...); the helpers they share are util.c's, the usage text
 * usage.c's, so no command calls back into this file. Reads (and backup, verify) open the
 * register read-only, so they run beside a live collector; `dept add`,
 * `token create|revoke`, `agent revoke` and the ledger's writes (system add/set/retire/import,
 * bind) take a short write transaction; restore refuses while a collector
 * holds the data dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include "collector_config.h"
#include "flags_scope.h"
#include "time_text.h"
#include "tzctl.h"

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

/* The language of the environment: the first of LC_ALL, LC_MESSAGES and
 * LANG that is set, as setlocale reads them; zh* is Chinese. */
static int env_zh(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && v[0])
            return strncmp(v, "zh", 2) == 0;
    }
    return 0;
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
    struct tzctl c = {.data = TZCTL_DEFAULT_DATA, .format = OUT_TABLE,
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
    int n = 0, rc, lang_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[n++] = argv[i++];
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            /* After a command word: that command's help, else them all. */
            if (n > 0 && tzctl_print_help(rest[0], stdout) != 0)
                rc = tzctl_usage("unknown command \"%s\"", rest[0]);
            else
                rc = n > 0 ? TZCTL_OK : (tzctl_print_usage(stdout), TZCTL_OK);
            goto out;
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
        } else if (tzctl_optval(a, "--lang", argc, argv, &i, &val)) {
            if (val == NULL || (strcmp(val, "zh") != 0 && strcmp(val, "en") != 0)) {
                rc = tzctl_usage("--lang must be zh or en");
                goto out;
            }
            c.zh = val[0] == 'z';
            lang_given = 1;
        } else if (strcmp(a, "--utc") == 0) {
            time_text_set_utc(1);
        } else if (tzctl_optval(a, "--by", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0') {
                rc = tzctl_usage("--by needs a name");
                goto out;
            }
            c.actor.name = val;
            c.by_given = 1;
        } else if (n > 0 && (strcmp(rest[0], "export") == 0 ||
                             strcmp(rest[0], "report") == 0 ||
                             strcmp(rest[0], "screen") == 0 ||
                             strcmp(rest[0], "screening") == 0) &&
                   (strcmp(a, "--format") == 0 ||
                    strncmp(a, "--format=", 9) == 0)) {
            /* After `export`, --format is the file's (csv|json|xlsx), after
             * `report` the report's (html|xlsx|json); after
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
        fputs("tzctl: no command given\n\n", stderr);
        tzctl_print_usage(stderr);
        rc = TZCTL_USAGE;
        goto out;
    }
    /* Ledger changes are judged by the rules in force (the collector's);
     * other thresholds are only a question, asked of `flags`. */
    if (c.rules && strcmp(rest[0], "flags") != 0) {
        rc = tzctl_usage("--rules FILE is a dry run for `tzctl flags` (what those "
                         "thresholds would raise, nothing written); ledger changes "
                         "use the rules the collector runs by (tzctl stats shows "
                         "them)");
        goto out;
    }
    tzctl_usage_command(rest[0]);
    if (!lang_given)
        c.zh = env_zh();
    out_set_zh(c.zh);
    tzctl_time_for(c.format);
    c.login = login_name();
    if (c.actor.name == NULL)
        c.actor.name = c.login;
    static const struct {
        const char *name;
        int (*fn)(const struct tzctl *, int, char **);
    } cmds[] = {
        {"hosts", tzctl_hosts}, {"host", tzctl_host}, {"dept", tzctl_dept},
        {"token", tzctl_token}, {"agent", tzctl_agent},
        {"user", tzctl_user}, {"stats", tzctl_stats},
        {"collect", tzctl_collect},
        {"system", tzctl_system}, {"systems", tzctl_systems},
        {"bind", tzctl_bind}, {"unbind", tzctl_unbind},
        {"flags", tzctl_flags}, {"flag", tzctl_flag}, {"history", tzctl_history},
        {"ledger", tzctl_ledger}, {"key", tzctl_key},
        {"backup", tzctl_backup}, {"verify", tzctl_verify},
        {"restore", tzctl_restore}, {"export", tzctl_export},
        {"screen", tzctl_screen}, {"screenings", tzctl_screenings},
        {"screening", tzctl_screening}, {"review", tzctl_review},
        {"report", tzctl_report}, {"digest", tzctl_digest},
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
