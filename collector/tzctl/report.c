/* report — `tzctl report dept D --period 2026H2|--from DATE --to DATE
 * [--format html|xlsx|json] [-o FILE] [--force] [--scoring FILE]`: a
 * department's half-year self-inspection report (自查报告, 第六条(二)) with
 * its responsibility score, as of the period's end (collector/dept_report.h,
 * dept_score.h), printed for signing (html), for a spreadsheet (xlsx) or for
 * another program (json); `tzctl report school --period ...`: every
 * department's score, those needing attention first (school_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dept_report.h"
#include "dept_report_render.h"
#include "dept_score.h"
#include "rules_config.h"
#include "school_report.h"
#include "score_config.h"
#include "tzctl.h"

struct render {
    const cJSON *r;
    enum dept_report_format f;
    int school;  /* school_report.h's object */
};

static int render_fd(int fd, void *arg)
{
    const struct render *x = arg;
    struct tz_error err = {0};
    if (x->f == DRF_XLSX)
        return (x->school ? school_report_xlsx(x->r, fd, &err)
                          : dept_report_xlsx(x->r, fd, &err)) == 0
                   ? TZCTL_OK
                   : tzctl_fail_err(&err);
    int fd2 = dup(fd);
    FILE *out = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
    if (out == NULL) {
        if (fd2 >= 0)
            close(fd2);
        return tzctl_fail("cannot write the report");
    }
    int rc = 0;
    if (x->f == DRF_HTML) {
        rc = x->school ? school_report_html(x->r, out, &err)
                       : dept_report_html(x->r, out, &err);
    } else {
        char *s = cJSON_Print(x->r);
        rc = s && fprintf(out, "%s\n", s) >= 0 ? 0 : TZ_EIO;
        if (s == NULL)
            tz_err(&err, TZ_ENOMEM, NULL, 0, "out of memory");
        else if (rc)
            tz_err(&err, TZ_EIO, NULL, 0, "cannot write the report");
        free(s);
    }
    if (fclose(out) != 0 && rc == 0)
        return tzctl_fail("cannot write the report");
    return rc == 0 ? TZCTL_OK : tzctl_fail_err(&err);
}

/* The scoring in force (score_config_find); 0, or TZCTL_FAIL having
 * printed why. */
static int load_scoring(const char *given, struct score_config *sc)
{
    struct tz_error err = {0};
    if (score_config_find(sc, given, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

/* The report with its "score". */
static int scored(cJSON *r, const struct score_config *sc)
{
    cJSON *s;
    if (dept_score(r, sc, &s) != 0)
        return tzctl_fail("out of memory");
    cJSON_AddItemToObject(r, "score", s);
    return 0;
}

static int report_dept(const struct tzctl *c, const char *dept,
                       const struct report_period *p,
                       enum dept_report_format f, const char *path, int force,
                       const struct score_config *sc)
{
    if (f == DRF_XLSX && (path == NULL || strcmp(path, "-") == 0))
        return tzctl_usage("report dept --format xlsx needs -o FILE");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct rules_config rules;
    rc = tzctl_rules(reg, &rules, NULL);
    cJSON *r = NULL;
    struct tz_error err = {0};
    if (rc == 0 && dept_report_build(reg, dept, p, &rules, (int64_t)time(NULL),
                                     &r, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0)
        rc = scored(r, sc);
    if (rc == 0) {
        struct render x = {r, f, 0};
        if (path == NULL || strcmp(path, "-") == 0)
            rc = render_fd(STDOUT_FILENO, &x);
        else
            rc = tzctl_write_file(path, force, "report", render_fd, &x);
    }
    cJSON_Delete(r);
    return rc;
}

static int report_school(const struct tzctl *c, const struct report_period *p,
                         enum dept_report_format f, const char *path,
                         int force, const struct score_config *sc)
{
    if (f == DRF_XLSX && (path == NULL || strcmp(path, "-") == 0))
        return tzctl_usage("report school --format xlsx needs -o FILE");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct rules_config rules;
    rc = tzctl_rules(reg, &rules, NULL);
    cJSON *r = NULL;
    struct tz_error err = {0};
    if (rc == 0 && school_report_build(reg, p, &rules, sc, (int64_t)time(NULL),
                                       &r, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc == 0) {
        struct render x = {r, f, 1};
        if (path == NULL || strcmp(path, "-") == 0)
            rc = render_fd(STDOUT_FILENO, &x);
        else
            rc = tzctl_write_file(path, force, "report", render_fd, &x);
    }
    cJSON_Delete(r);
    return rc;
}

int tzctl_report(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *words[3] = {0};
    const char *period = NULL, *from = NULL, *to = NULL, *path = NULL;
    const char *scoring = NULL;
    enum dept_report_format f = DRF_JSON;
    int nw = 0, dd = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (nw == 3)
                return tzctl_usage("report: too many arguments");
            words[nw++] = pos;
        } else if (tzctl_optval(opt, "--period", argc, argv, &i, &val)) {
            if ((period = val) == NULL)
                return tzctl_usage("--period needs YYYYH1 or YYYYH2");
        } else if (tzctl_optval(opt, "--from", argc, argv, &i, &val)) {
            if ((from = val) == NULL)
                return tzctl_usage("--from needs a date");
        } else if (tzctl_optval(opt, "--to", argc, argv, &i, &val)) {
            if ((to = val) == NULL)
                return tzctl_usage("--to needs a date");
        } else if (tzctl_optval(opt, "--format", argc, argv, &i, &val)) {
            if (val == NULL || dept_report_format_parse(val, &f) != 0)
                return tzctl_usage("report: --format must be html, xlsx or "
                                   "json");
        } else if (tzctl_optval(opt, "-o", argc, argv, &i, &val) ||
                   tzctl_optval(opt, "--output", argc, argv, &i, &val)) {
            if ((path = val) == NULL || val[0] == '\0')
                return tzctl_usage("-o needs a file (or - for stdout)");
        } else if (tzctl_optval(opt, "--scoring", argc, argv, &i, &val)) {
            if ((scoring = val) == NULL || val[0] == '\0')
                return tzctl_usage("--scoring needs a file");
        } else if (strcmp(opt, "--force") == 0) {
            force = 1;
        } else {
            return tzctl_usage("report: unknown option %s", opt);
        }
    }
    int school = nw == 1 && strcmp(words[0], "school") == 0;
    if (!school && (nw != 2 || strcmp(words[0], "dept") != 0))
        return tzctl_usage("report: expected \"report dept D --period "
                           "YYYYH1|YYYYH2\" or \"report school --period "
                           "YYYYH1|YYYYH2\"");
    struct report_period p;
    char why[REPORT_WHY];
    int rc;
    if (period && (from || to))
        return tzctl_usage("report: --period or --from/--to, not both");
    if (period)
        rc = report_period_half(period, &p, why, sizeof(why));
    else if (from || to)
        rc = report_period_dates(from, to, &p, why, sizeof(why));
    else
        return tzctl_usage("report needs --period YYYYH1|YYYYH2 or "
                           "--from DATE --to DATE");
    if (rc != 0)
        return tzctl_usage("report: %s", why);
    struct score_config sc;
    if ((rc = load_scoring(scoring, &sc)) != 0)
        return rc;
    if (school)
        return report_school(c, &p, f, path, force, &sc);
    return report_dept(c, words[1], &p, f, path, force, &sc);
}
