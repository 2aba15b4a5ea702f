/* flags — `tzctl flags`: what the rules raised, with evidence, the article
 * it enforces and how to fix it; `--closed` lists instead the history of
 * flags that cleared, with when they opened and closed; `--all` both. With the global --rules FILE,
 * a dry run: what those thresholds would raise now, stored nowhere. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "flag_catalog.h"
#include "flags_update.h"
#include "rules_config.h"
#include "tzctl.h"
#include "value_words.h"

static const struct out_col flag_cols[] = {
    {"SEVERITY", "severity", OUT_STR, NULL},
    {"FLAG", "id", OUT_STR, NULL},
    {"问题", "label_zh", OUT_STR, NULL},
    {"ISSUE", "label_en", OUT_STR, NULL},
    {"SUBJECT", "subject", OUT_STR, NULL},
    {"DEPT", "dept", OUT_STR, NULL},
    {"EVIDENCE", "evidence", OUT_STR, NULL},
    {"依据", "cites", OUT_STR, NULL},
    {"OPENED", "opened", OUT_STR, NULL},
    {"CLOSED", "closed", OUT_STR, NULL},
    {"整改建议", "remedy_zh", OUT_STR, NULL},
    {"REMEDY", "remedy_en", OUT_STR, NULL},
    {"证据", "evidence_zh", OUT_STR, NULL},
};
#define N_COLS (sizeof(flag_cols) / sizeof(flag_cols[0]))

/* The table on a terminal: in the reader's language, each column cut to
 * fit 120 columns (… marks a cut); --wide adds the department, the flag's
 * id and 整改建议 uncut. CSV and JSON carry every column (and both
 * evidences). */
enum { T_SEV, T_ISSUE, T_SUBJECT, T_EVIDENCE, T_CITES, T_OPENED, T_CLOSED,
       T_FLAG, T_DEPT, T_REMEDY, N_TABLE_COLS };
static const struct out_col table_en[N_TABLE_COLS] = {
    {"SEV", "severity", OUT_STR, NULL},      {"ISSUE", "label", OUT_STR, NULL},
    {"SUBJECT", "subject", OUT_STR, NULL},   {"EVIDENCE", "evidence", OUT_STR, NULL},
    {"依据", "cites", OUT_STR, NULL},        {"OPENED", "opened", OUT_STR, NULL},
    {"CLOSED", "closed", OUT_STR, NULL},     {"FLAG", "id", OUT_STR, NULL},
    {"DEPT", "dept", OUT_STR, NULL},         {"REMEDY", "remedy", OUT_STR, NULL},
};
static const struct out_col table_zh[N_TABLE_COLS] = {
    {"级别", "severity", OUT_STR, NULL},     {"问题", "label", OUT_STR, NULL},
    {"对象", "subject", OUT_STR, NULL},      {"证据", "evidence", OUT_STR, NULL},
    {"依据", "cites", OUT_STR, NULL},        {"发现时间", "opened", OUT_STR, NULL},
    {"关闭时间", "closed", OUT_STR, NULL},   {"FLAG", "id", OUT_STR, NULL},
    {"部门", "dept", OUT_STR, NULL},         {"整改建议", "remedy", OUT_STR, NULL},
};
/* Widest cell of each cut column, open flags / with closed ones: with the
 * two gaps between columns and 22-column times, a row fits 120. */
static const size_t cut_open[N_TABLE_COLS] = {6, 14, 20, 34, 12, 0, 0};
static const size_t cut_closed[N_TABLE_COLS] = {6, 12, 14, 20, 10, 0, 0};

/* The regulation every 依据 cites, named once under the table. */

struct filter {
    const char *dept;
    uint64_t system;       /* 0: any */
    uint64_t host;         /* 0: any */
    int min_severity;
    int with_closed;       /* walk closed flags too */
    int closed_only;
    int table;
    int wide;              /* --wide: no cuts, id, dept and remedy too */
    int zh;                /* the reader's language */
    struct out_table *t;
};

/* The table's row: cells in the reader's language, cut unless --wide. */
static int table_row(struct filter *fl, const Tz__FlagRecord *f,
                     const struct flag_def *d, const char *subject,
                     const char *opened, const char *closed)
{
    const char *cells[N_TABLE_COLS] = {
        value_word(severity_name(f->severity), fl->zh),
        d ? (fl->zh ? d->label_zh : d->label_en) : f->id,
        subject,
        flag_evidence_lang(f, fl->dept == NULL, fl->zh),
        d ? d->cites : "", opened, closed, f->id, f->dept,
        d ? (fl->zh ? d->remedy_zh : d->remedy_en) : ""};
    char *cut[N_TABLE_COLS] = {0};
    const size_t *max = fl->with_closed ? cut_closed : cut_open;
    /* memcheck: cells[] outlives the loop; cut[] owns what it points at */
    int rc = 0;
    for (size_t i = 0; !fl->wide && i < N_TABLE_COLS; i++) {
        if (max[i] == 0)
            continue;
        if ((cut[i] = out_cut(cells[i], max[i])) == NULL)
            rc = TZ_ENOMEM;
        cells[i] = cut[i];
    }
    if (rc == 0)
        rc = out_add(fl->t, cells);
    for (size_t i = 0; i < N_TABLE_COLS; i++)
        free(cut[i]);
    return rc;
}

static int flag_row(const Tz__FlagRecord *f, void *arg)
{
    struct filter *fl = arg;
    if (fl->dept && strcmp(f->dept, fl->dept) != 0)
        return 0;
    if ((int)f->severity < fl->min_severity)
        return 0;
    if (fl->closed_only && f->closed_at == 0)
        return 0;
    int is_host = f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST;
    if (fl->system && f->system_id != fl->system)
        return 0;
    if (fl->host && (!is_host || f->subject_id != fl->host))
        return 0;
    int id = flag_lookup(f->id);
    const struct flag_def *d = id >= 0 ? flag_def(id) : NULL;
    char subject[400], opened[32], closed[32];
    snprintf(subject, sizeof(subject), "%s %" PRIu64 " %s",
             is_host ? (fl->zh && fl->table ? "主机" : "host")
                     : (fl->zh && fl->table ? "系统" : "system"),
             f->subject_id, f->subject_name);
    if (f->instance[0] && strlen(subject) + strlen(f->instance) + 4 < sizeof(subject))
        snprintf(subject + strlen(subject), sizeof(subject) - strlen(subject), " [%s]",
                 f->instance);
    tzctl_time(f->opened_at, opened);
    tzctl_time(f->closed_at, closed);
    if (fl->table)
        return table_row(fl, f, d, subject, opened, closed);
    /* --dept D lists what D may see: a refused binding's evidence names
     * the other department's system (as in `tzctl export --dept`). */
    const char *cells[N_COLS] = {severity_name(f->severity), f->id,
                                 d ? d->label_zh : "", d ? d->label_en : "",
                                 subject, f->dept, flag_evidence_for(f, fl->dept == NULL),
                                 d ? d->cites : "", opened, closed,
                                 d ? d->remedy_zh : "", d ? d->remedy_en : "",
                                 flag_evidence_lang(f, fl->dept == NULL, 1)};
    return out_add(fl->t, cells);
}

/* A dry run's flag as the listing shows a stored one (never opened). */
static int dry_set(const struct register_flag_set *set, void *arg)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < set->n; i++) {
        Tz__FlagRecord f = TZ__FLAG_RECORD__INIT;
        f.id = (char *)set->flags[i].id;
        f.severity = (Tz__Severity)set->flags[i].severity;
        f.instance = (char *)set->flags[i].instance;
        f.evidence = (char *)set->flags[i].evidence;
        f.evidence_zh = (char *)(set->flags[i].evidence_zh ? set->flags[i].evidence_zh : "");
        f.subject_kind = (Tz__SubjectKind)set->subject_kind;
        f.subject_id = set->subject_id;
        f.subject_name = (char *)set->subject_name;
        f.dept = (char *)set->dept;
        f.system_id = set->system_id;
        rc = flag_row(&f, arg);
    }
    return rc;
}

/* --rules FILE: what those thresholds would raise now; nothing stored. */
static int dry_run(const struct tzctl *c, struct tz_register *reg,
                   struct filter *fl, struct tz_error *err)
{
    struct rules_config rules;
    rules_config_defaults(&rules);
    if (rules_config_load(&rules, c->rules, err) != 0)
        return TZ_EPARSE;
    return flags_evaluate_all(reg, &rules, (int64_t)time(NULL), dry_set, fl, err);
}

/* --system and --host: an id or a name, looked up as every command does. */
static int resolve(struct tz_register *reg, struct filter *fl,
                   const char *system, const char *host)
{
    int rc = 0;
    if (system)
        rc = tzctl_find_system(reg, system, &fl->system);
    if (rc == 0 && host)
        rc = tzctl_find_host(reg, host, &fl->host, NULL, NULL);
    return rc;
}

int tzctl_flags(const struct tzctl *c, int argc, char **argv)
{
    struct filter fl = {.min_severity = 0};
    const char *system = NULL, *host = NULL;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        const char *pos = NULL, *val;
        const char *opt = tzctl_arg(argc, argv, &i, &dd, &pos);
        if (opt == NULL)
            return tzctl_usage("flags takes no positional argument (\"%s\")", pos);
        if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department");
            fl.dept = val;
        } else if (tzctl_optval(opt, "--system", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("--system needs a system id or name");
            system = val;
        } else if (tzctl_optval(opt, "--host", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("--host needs a host id or hostname");
            host = val;
        } else if (tzctl_optval(opt, "--severity", argc, argv, &i, &val)) {
            if (val == NULL || (fl.min_severity = severity_lookup(val)) < 0)
                return tzctl_usage("--severity must be high, medium or low");
        } else if (strcmp(opt, "--wide") == 0) {
            fl.wide = 1;
        } else if (strcmp(opt, "--closed") == 0 || strcmp(opt, "--all") == 0) {
            fl.with_closed = 1;
            fl.closed_only |= opt[2] == 'c';
            if (c->rules)
                return tzctl_usage("%s: a dry run (--rules) has no history", opt);
        } else {
            return tzctl_usage("unknown option %s for flags", opt);
        }
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != TZCTL_OK)
        return rc;
    if ((rc = resolve(reg, &fl, system, host)) != 0) {
        register_close(reg);
        return rc;
    }
    fl.table = c->format == OUT_TABLE;
    fl.zh = c->zh;
    /* the table's columns: closed times only when closed flags are listed,
     * the id, department and remedy only with --wide */
    size_t ncols = fl.wide ? N_TABLE_COLS : fl.with_closed ? T_CLOSED + 1 : T_CLOSED;
    const struct out_col *tc = fl.zh ? table_zh : table_en;
    fl.t = fl.table ? out_new(tc, ncols) : out_new(flag_cols, N_COLS);
    if (fl.t == NULL) {
        register_close(reg);
        return tzctl_fail("out of memory");
    }
    struct tz_error err = {0};
    /* one host's open flags are one range of the register */
    int r = c->rules ? dry_run(c, reg, &fl, &err)
            : fl.host && !fl.with_closed
                ? register_each_open_flag_of(reg, TZ__SUBJECT_KIND__SUBJECT_HOST, fl.host,
                                             flag_row, &fl, &err)
                : register_each_flag(reg, fl.with_closed, flag_row, &fl, &err);
    register_close(reg);
    if (r != 0) {
        out_free(fl.t);
        return r == TZ_ENOMEM ? tzctl_fail("out of memory") : tzctl_fail_err(&err);
    }
    r = out_write(fl.t, c->format, stdout);
    if (r == 0 && fl.table && out_rows(fl.t) > 0)
        printf(fl.zh ? "\n依据：" FLAG_REGULATION "\n"
                     : "\n依据 (articles): " FLAG_REGULATION "\n");
    out_free(fl.t);
    return r == 0 ? TZCTL_OK : tzctl_fail("cannot write output");
}
