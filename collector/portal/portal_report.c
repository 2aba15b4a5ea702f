/* portal_report — a report built from the register read-only, rendered
 * into a memory file and sent whole. */
#include "portal_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dept_report.h"
#include "dept_report_render.h"
#include "dept_score.h"
#include "people.h"
#include "portal_i18n.h"
#include "rules_in_force.h"
#include "school_report.h"
#include "tz_log.h"

#define NOT_YOURS "The page or record does not exist, or it is not yours to see."

static int slurp(int fd, char **out, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return TZ_EIO;
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    if (buf == NULL)
        return TZ_ENOMEM;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return TZ_EIO;
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    return 0;
}

/* The rules the collector judges by, else the built-in ones. */
static int rules_of(struct tz_register *reg, struct rules_config *rules,
                    struct tz_error *err)
{
    Tz__RulesInForce *rec = NULL;
    rules_config_defaults(rules);
    int rc = register_rules_get(reg, &rec, err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc == 0)
        rc = rules_in_force_apply(rec, rules, err);
    if (rec)
        protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc;
}

static int render(const cJSON *rep, enum dept_report_format f, int school,
                  int fd, struct tz_error *err)
{
    if (f == DRF_XLSX)
        return school ? school_report_xlsx(rep, fd, err)
                      : dept_report_xlsx(rep, fd, err);
    int fd2 = dup(fd);
    FILE *out = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
    if (out == NULL) {
        if (fd2 >= 0)
            close(fd2);
        return tz_err(err, TZ_EIO, NULL, 0, "the report: %s", strerror(errno));
    }
    int rc = 0;
    if (f == DRF_HTML) {
        rc = school ? school_report_html(rep, out, err)
                    : dept_report_html(rep, out, err);
    } else {
        char *s = cJSON_PrintUnformatted(rep);
        rc = s ? (fputs(s, out) < 0 ? TZ_EIO : 0) : TZ_ENOMEM;
        free(s);
    }
    if (fclose(out) != 0 && rc == 0)
        rc = TZ_EIO;
    return rc;
}

/* Build the report the request asks for into *rep. */
static int build(struct portal *p, struct portal_req *q, int school,
                 const char *dept, const struct report_period *per,
                 cJSON **rep, struct tz_error *err)
{
    struct rules_config rules;
    struct score_config sc;
    int64_t now = (int64_t)time(NULL);
    int rc = rules_of(p->reg, &rules, err);
    if (rc == 0)
        rc = score_config_find(&sc, NULL, err);
    if (rc == 0 && school)
        return school_report_build(p->reg, per, &rules, &sc, now, rep, err);
    (void)q;
    if (rc == 0)
        rc = dept_report_build(p->reg, dept, per, &rules, now, rep, err);
    cJSON *s = NULL;
    if (rc == 0 && (rc = dept_score(*rep, &sc, &s)) == 0)
        cJSON_AddItemToObject(*rep, "score", s);
    return rc;
}

void portal_report(struct portal *p, struct portal_req *q, const char *fmt,
                   int school, struct portal_resp *r)
{
    enum dept_report_format f;
    const char *want = http_form_get(q->query, "dept");
    int admin = q->user->role == TZ__ROLE__ROLE_ADMIN;
    const char *dept = admin ? want : q->user->dept;
    if (dept_report_format_parse(fmt, &f) != 0 || (school && !admin) ||
        (!admin && want && want[0] && strcmp(want, q->user->dept) != 0) ||
        (!school && (dept == NULL || dept[0] == '\0' ||
                     !people_may_see(q->user, dept)))) {
        portal_error(q, r, 404, tr(q->lang, NOT_YOURS));
        return;
    }
    struct report_period per;
    char why[REPORT_WHY];
    const char *period = http_form_get(q->query, "period");
    int rc = period && period[0]
                 ? report_period_half(period, &per, why, sizeof(why))
                 : report_period_dates(http_form_get(q->query, "from"),
                                       http_form_get(q->query, "to"), &per,
                                       why, sizeof(why));
    if (rc != 0) {
        portal_error(q, r, 400, why);
        return;
    }
    cJSON *rep = NULL;
    struct tz_error err = {0};
    rc = build(p, q, school, dept, &per, &rep, &err);
    int fd = rc == 0 ? memfd_create("tz-report", MFD_CLOEXEC) : -1;
    if (rc == 0 && fd < 0)
        rc = tz_err(&err, TZ_EIO, NULL, 0, "memfd_create: %s", strerror(errno));
    if (rc == 0)
        rc = render(rep, f, school, fd, &err);
    if (rc == 0)
        rc = slurp(fd, &r->body, &r->body_len);
    if (fd >= 0)
        close(fd);
    cJSON_Delete(rep);
    if (rc == TZ_ENOENT) {
        portal_error(q, r, 404, tr(q->lang, NOT_YOURS));
        return;
    }
    if (rc != 0) {
        tz_log(TZ_LOG_ERROR, "report: %s", err.msg[0] ? err.msg : tz_strerror(rc));
        portal_error(q, r, 503, tr(q->lang, "Service unavailable"));
        return;
    }
    static const char *const types[] = {
        [DRF_HTML] = "text/html; charset=utf-8",
        [DRF_JSON] = "application/json; charset=utf-8",
        [DRF_XLSX] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
    r->status = 200;
    r->content_type = types[f];
    /* An ASCII file name: the department is in the file, not its name. */
    snprintf(r->disposition, sizeof(r->disposition),
             "%s; filename=\"taizhang-%s-%s.%s\"",
             f == DRF_HTML ? "inline" : "attachment",
             school ? "school-report" : "self-inspection", per.label, fmt);
}
