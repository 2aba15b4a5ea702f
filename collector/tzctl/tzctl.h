/* tzctl — what the operator's command groups share: the global options, the
 * way errors reach the operator, and the register open.
 *
 * Exit codes: 0 done, 1 the command failed ("tzctl: <message>" on stderr),
 * 2 usage error (message and usage text on stderr). Commands return them. */
#ifndef TZCTL_H
#define TZCTL_H

#include <stdint.h>

#include "output.h"
#include "register.h"

struct collector_config;

struct tzctl {
    const char *data;          /* register directory */
    enum out_format format;
    const char *rules;         /* --rules FILE: a dry run of `flags` only */
    /* Who the change history names for ledger changes and bindings: --by
     * NAME, else the login behind sudo, else the user; via "tzctl". */
    struct register_actor actor;
    int by_given;              /* --by was on the line */
    const char *login;         /* the login behind sudo, else the user */
    /* The collector's settings: --config FILE, else the installed
     * TZ_COLLECTOR_CONFIG when it exists, else the defaults. */
    const struct collector_config *cfg;
    /* The reader's language: --lang zh|en, else LC_ALL, LC_MESSAGES, LANG
     * (zh* is Chinese, anything else English). 1: Chinese. */
    int zh;
};

/* TZCTL_NOT_PASSED: tzctl screen stored a screening that did not pass. */
enum { TZCTL_OK = 0, TZCTL_FAIL = 1, TZCTL_USAGE = 2, TZCTL_NOT_PASSED = 3 };

/* The register when nothing names one (--data, TZ_DATA, the installed
 * collector's config). */
#define TZCTL_DEFAULT_DATA "./var/taizhang"

/* The usage text (usage.c, one table of every command word) on f. */
#include <stdio.h>
void tzctl_print_usage(FILE *f);
/* command's usage and examples on f; -1 when no command has that word. */
int tzctl_print_help(const char *command, FILE *f);
/* The table's command words, for tests that walk it: count and i-th. */
size_t tzctl_help_count(void);
const char *tzctl_help_name(size_t i);
/* The command later usage errors point at (`tzctl COMMAND --help`). */
void tzctl_usage_command(const char *command);

/* "tzctl: <fmt>" on stderr; returns TZCTL_FAIL. */
int tzctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tzctl: <err as text>" on stderr; returns TZCTL_FAIL. */
int tzctl_fail_err(const struct tz_error *err);
/* "tzctl: <fmt>" and a pointer to the command's --help on stderr;
 * returns TZCTL_USAGE. */
int tzctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the register at c->data (REGISTER_RDONLY for reads). On failure the
 * error is printed and TZCTL_FAIL returned. */
int tzctl_open(const struct tzctl *c, unsigned flags,
               struct tz_register **reg);

/* t into buf as every output shows times (time_text.h): local time with
 * the zone in tables ("2026-12-06 09:28 +0800"), ISO 8601 with the offset
 * in csv and json ("2026-12-06T09:28:45+08:00"); UTC under --utc; "" for 0
 * (never). tzctl_time_for picks the style from the output format. */
void tzctl_time(int64_t t, char buf[32]);
void tzctl_time_for(enum out_format format);

/* Split a command's arguments into options and positionals: returns the
 * option at argv[*i] (or NULL for a positional, stored in *pos), honouring
 * "--" (everything after it is positional). */
const char *tzctl_arg(int argc, char **argv, int *i, int *dashdash,
                      const char **pos);

/* Does option opt name the option name taking a value ("--dept D" or
 * "--dept=D")? Returns 1 and sets *val (NULL when the value is missing,
 * advancing *i past it otherwise), or 0 when opt is another option. */
int tzctl_optval(const char *opt, const char *name, int argc, char **argv,
                 int *i, const char **val);

/* fsync the directory holding path, so a rename into it is durable.
 * 0, or -1 with errno (outfile.c). */
int tzctl_sync_parent(const char *path);
/* Rename tmp to path; without force, never over an existing path (even one
 * that appeared meanwhile). 0 or an errno (EEXIST: path exists). */
int tzctl_install(const char *tmp, const char *path, int force);
/* Write path whole or not at all: fill(fd, arg) writes a temporary file
 * beside it (returning a TZCTL_ code, having printed any failure), which is
 * synced and renamed over path (never over an existing one without force).
 * what names the command in messages ("export"). Prints what went wrong. */
int tzctl_write_file(const char *path, int force, const char *what,
                     int (*fill)(int fd, void *arg), void *arg);

/* A host by id (all digits), else by the hostname exactly, else by a
 * hostname only one host has in some case (find_host.c, the one lookup of
 * every command); hostname and dept (may be NULL) get its name and
 * department. Prints the failure ("no host named ...", "2 hosts are named
 * ... (ids 3, 9)") and returns TZCTL_FAIL. */
int tzctl_find_host(struct tz_register *reg, const char *want, uint64_t *id,
                    char hostname[TZ_MAX_NAME_BUF], char dept[TZ_MAX_NAME_BUF]);

/* A system by id (all digits), else by a name exactly one system has
 * (find_system.c, the one lookup of every command). Prints the failure
 * ("no system named ...", "2 systems are named ... (ids 3 (教务处), 9
 * (计算机学院))") and returns TZCTL_FAIL. */
int tzctl_find_system(struct tz_register *reg, const char *want, uint64_t *id);

/* Command groups: argv[0] is the command word. */
int tzctl_hosts(const struct tzctl *c, int argc, char **argv);
int tzctl_host(const struct tzctl *c, int argc, char **argv);
/* system import --update FILE [--dry-run] (system_update.c), and what the
 * import read, printed before its result (system.c). */
struct ledger_import_info;
struct ledger_problems;
int tzctl_system_update(const struct tzctl *c, const char *path, const char *sheet,
                        int dry_run);
/* `system import` and `dept import`'s words: FILE [--sheet NAME], and
 * with updates also [--update [--dry-run]]. 0, or TZCTL_USAGE said. */
struct tzctl_import_args {
    const char *path, *sheet;
    int update, dry_run;
};
int tzctl_import_args(int argc, char **argv, const char *what, int updates,
                      struct tzctl_import_args *out);

/* An import's problems on stderr, each "PATH: where: what" (after what was
 * read, when in is given), then "tzctl: VERDICT: N errors in PATH";
 * returns the failure status. */
int tzctl_import_problems(const char *path, const struct ledger_import_info *in,
                          const struct ledger_problems *p, const char *verdict);
void tzctl_import_info(FILE *f, const char *path,
                       const struct ledger_import_info *in);
/* host retire HOST, host merge OLD NEW (argv from "host"; host_retire.c). */
int tzctl_host_retire(const struct tzctl *c, int argc, char **argv);
int tzctl_dept(const struct tzctl *c, int argc, char **argv);
/* dept set D FIELD=VALUE... (argv from "dept"), dept show D, dept import
 * FILE.csv: the department's responsibility record (dept_record.c). */
int tzctl_dept_set(const struct tzctl *c, int argc, char **argv);
int tzctl_dept_show(const struct tzctl *c, const char *dept);
int tzctl_dept_import(const struct tzctl *c, const char *path,
                      const char *sheet);
/* Is there a department called name? One walk of the departments. */
int tzctl_dept_known(struct tz_register *reg, const char *name, int *known,
                     struct tz_error *err);
int tzctl_token(const struct tzctl *c, int argc, char **argv);
/* report dept D --period P: the self-inspection report (report.c). */
int tzctl_report(const struct tzctl *c, int argc, char **argv);
/* digest preview --dept D: the liaison's e-mail digest (digest.c). */
int tzctl_digest(const struct tzctl *c, int argc, char **argv);
int tzctl_agent(const struct tzctl *c, int argc, char **argv);
int tzctl_user(const struct tzctl *c, int argc, char **argv);
int tzctl_collect(const struct tzctl *c, int argc, char **argv);
int tzctl_stats(const struct tzctl *c, int argc, char **argv);
int tzctl_flags(const struct tzctl *c, int argc, char **argv);
/* flag show FLAG: one kind of flag, its remedy and open count (flag_show.c). */
int tzctl_flag(const struct tzctl *c, int argc, char **argv);
int tzctl_history(const struct tzctl *c, int argc, char **argv);
int tzctl_key(const struct tzctl *c, int argc, char **argv);
int tzctl_backup(const struct tzctl *c, int argc, char **argv);
int tzctl_verify(const struct tzctl *c, int argc, char **argv);
int tzctl_restore(const struct tzctl *c, int argc, char **argv);
int tzctl_export(const struct tzctl *c, int argc, char **argv);
/* Pre-launch screening: screen.c (screen, screenings, screening show and
 * requests) and review.c. */
int tzctl_screen(const struct tzctl *c, int argc, char **argv);
int tzctl_screenings(const struct tzctl *c, int argc, char **argv);
int tzctl_screening(const struct tzctl *c, int argc, char **argv);
int tzctl_review(const struct tzctl *c, int argc, char **argv);
/* The checklist in force: c->cfg's screening file, else the built-in one.
 * 0, or TZCTL_FAIL having printed why. */
struct screen_config;
int tzctl_screen_config(const struct tzctl *c, struct screen_config *cfg);
/* register_verify on an open register, printed in format (what names it);
 * *problems gets how many were found. TZCTL_OK when the check ran (even
 * with problems), TZCTL_FAIL (printed) when it could not. */
int tzctl_verify_register(struct tz_register *reg, const char *what,
                          enum out_format format, uint64_t *problems);

/* The rules in force (reflag.c): the register's record of the collector's,
 * else the built-in ones, into cfg; *rec (may be NULL) gets the record
 * (NULL when there is none; free with protobuf_c_message_free_unpacked).
 * 0, or TZCTL_FAIL having printed why. */
struct rules_config;
int tzctl_rules(struct tz_register *reg, struct rules_config *cfg,
                Tz__RulesInForce **rec);

/* Re-evaluate every rule and store the flags (after a ledger change). */
struct flags_scope;
/* Before a ledger change: what it may touch (NULL when that cannot be told;
 * then tzctl_reflag evaluates everything). Free with flags_scope_free. */
struct flags_scope *tzctl_reflag_before(const struct tzctl *c);
/* After it: the flags of the subjects it touched, evaluated again. */
int tzctl_reflag(const struct tzctl *c, const struct flags_scope *before);
int tzctl_system(const struct tzctl *c, int argc, char **argv);
int tzctl_systems(const struct tzctl *c, int argc, char **argv);
/* systems --conflicts [--dept D]: systems claiming the same addresses or
 * names (conflicts.c). */
int tzctl_system_conflicts(const struct tzctl *c, const char *dept);
int tzctl_ledger(const struct tzctl *c, int argc, char **argv);
int tzctl_bind(const struct tzctl *c, int argc, char **argv);
int tzctl_unbind(const struct tzctl *c, int argc, char **argv);

/* "explicit", "config", "match", or "" for BIND_NONE (bind.c). */
const char *tzctl_binding_source(Tz__BindingSource src);

#endif
