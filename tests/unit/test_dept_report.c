/* test_dept_report — the half-year self-inspection report over a register
 * the test builds with history at explicit times across two half-years:
 * every figure is as of the period's end (a flag opened after it does not
 * count, one closed before it is listed as closed, a system is as it was),
 * the report of a past half-year is the same before and after the next
 * half-year's changes, it names nothing of another department, and its
 * HTML and XLSX carry every section. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dept_fields.h"
#include "digest.h"
#include "dept_report.h"
#include "dept_report_render.h"
#include "dept_score.h"
#include "ledger_fields.h"
#include "register.h"
#include "report_period.h"
#include "rules_config.h"
#include "school_report.h"
#include "score_config.h"
#include "tz_test.h"

#define DAY 86400

static char *dir;
static struct tz_register *reg;
static struct tz_error err;
static struct report_period h1, h2;
static struct rules_config rules;
static uint64_t sys_a, sys_b, host1, host2;
static char token[REGISTER_TOKEN_LEN];

/* ---- building the history ---- */

static void set_liaison(const char *dept, const char *who, int64_t at)
{
    Tz__DeptRecord *d;
    char why[DEPT_WHY];
    cr_assert_eq(register_dept_get(reg, dept, &d, &err), 0);
    cr_assert_eq(dept_field_set(d, "liaison", who, why, sizeof(why)), 0);
    const struct register_actor by = {"carol", "tzctl"};
    cr_assert_eq(register_dept_put(reg, d, at, NULL, &by, &err), 0, "%s",
                 err.msg);
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static uint64_t system_add(const char *name, const char *dept,
                           const char *grade, int64_t at)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(r, "name", name, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "dept", dept, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "mlps_grade", grade, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "owner", "张三", why, sizeof(why)), 0);
    uint64_t id;
    const struct register_actor by = {"alice", "tzctl"};
    cr_assert_eq(register_system_add(reg, r, at, &by, &id, &err), 0, "%s",
                 err.msg);
    ledger_record_free(r);
    return id;
}

static void system_set(uint64_t id, const char *key, const char *v,
                       int64_t at)
{
    Tz__SystemRecord *r;
    char why[LEDGER_WHY];
    cr_assert_eq(register_system_get(reg, id, &r, &err), 0);
    cr_assert_eq(ledger_field_set(r, key, v, why, sizeof(why)), 0);
    const struct register_actor by = {"bob", "portal"};
    cr_assert_eq(register_system_put(reg, r, at, 0, &by, &err), 0, "%s",
                 err.msg);
    ledger_record_free(r);
}

static uint64_t enroll(int pk, const char *hostname, int64_t at)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = token;
    en.hostname = (char *)hostname;
    en.machine_id = "0123456789abcdef";
    struct register_item it = {.kind = ITEM_ENROLL, .seq = (uint64_t)at,
                               .enroll = &en};
    memset(it.agent_pk, pk, 32);
    cr_assert_eq(register_put_batch(reg, &it, 1, at, &err), 0, "%s", err.msg);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
    return it.agent_id;
}

/* A host names itself in each report; the register keeps its latest name
 * only (the report shows today's name for a host: a rename is the one
 * thing of a past half-year's report that follows the present). */
static void report(int pk, const char *kernel, int64_t at)
{
    Tz__Report r = TZ__REPORT__INIT;
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = pk == 1 ? "lab01" : "lab02";
    h.kernel_release = (char *)kernel;
    r.host = &h;
    r.collected_at = at;
    struct register_item it = {.kind = ITEM_REPORT, .seq = (uint64_t)at + 1,
                               .report = &r};
    memset(it.agent_pk, pk, 32);
    cr_assert_eq(register_put_batch(reg, &it, 1, at, &err), 0, "%s", err.msg);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
}

/* Make subject's open flags exactly the n given (id, severity, instance). */
static void flags(int kind, uint64_t subject, const char *name,
                  const char *dept, int64_t at, int n, ...)
{
    struct register_flag f[4];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        f[i].id = va_arg(ap, const char *);
        f[i].severity = va_arg(ap, int);
        f[i].instance = va_arg(ap, const char *);
        f[i].evidence = "evidence that changes";
        f[i].evidence_zh = NULL;
    }
    va_end(ap);
    struct register_flag_set s = {kind, subject, name, dept, 0, f, (size_t)n};
    cr_assert_eq(register_flags_sync(reg, &s, 1, at, &err), 0, "%s", err.msg);
}

#define HOST TZ__SUBJECT_KIND__SUBJECT_HOST
#define SYS TZ__SUBJECT_KIND__SUBJECT_SYSTEM
#define HIGH TZ__SEVERITY__SEV_HIGH
#define MEDIUM TZ__SEVERITY__SEV_MEDIUM

/* The first half-year, as the register holds it on its last day. */
static void first_half(void)
{
    int64_t t0 = h1.from;
    enroll(1, "lab01", t0 + 1 * DAY);
    host2 = enroll(2, "lab02", t0 + 1 * DAY);
    host1 = 1;
    set_liaison("math", "甲", t0 + 2 * DAY);
    sys_a = system_add("教务系统", "math", "2", t0 + 3 * DAY);
    sys_b = system_add("财务系统", "physics", "3", t0 + 3 * DAY);
    report(1, "6.1.0-17", t0 + 4 * DAY);
    report(1, "6.1.0-17", t0 + 20 * DAY);  /* unchanged: no history entry */
    flags(HOST, host1, "lab01", "math", t0 + 10 * DAY + 3600, 1,
          "WEAK_PASSWORD", HIGH, "root");
    flags(SYS, sys_a, "教务系统", "math", t0 + 10 * DAY, 1, "NO_FILING",
          MEDIUM, "");
    flags(SYS, sys_b, "财务系统", "physics", t0 + 10 * DAY, 1, "NO_FILING",
          MEDIUM, "");
    flags(SYS, sys_a, "教务系统", "math", t0 + 30 * DAY, 0);
}

/* The second half-year's changes. */
static void second_half(void)
{
    int64_t t0 = h2.from;
    system_set(sys_a, "mlps_grade", "3", t0 + 5 * DAY);
    set_liaison("math", "乙", t0 + 6 * DAY);
    system_add("新系统", "math", "1", t0 + 7 * DAY);
    flags(HOST, host1, "lab01", "math", t0 + 8 * DAY, 2, "WEAK_PASSWORD", HIGH,
          "root", "PATCHES_PENDING", HIGH, "");
    flags(HOST, host1, "lab01", "math", t0 + 9 * DAY, 0);
    report(1, "6.1.0-18", t0 + 10 * DAY);
    report(2, "6.1.0-18", t0 + 10 * DAY);
}

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("dept_report");
    memset(&err, 0, sizeof(err));
    char why[REPORT_WHY];
    cr_assert_eq(report_period_half("2026H1", &h1, why, sizeof(why)), 0);
    cr_assert_eq(report_period_half("2026h2", &h2, why, sizeof(why)), 0);
    rules_config_defaults(&rules);
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "math", h1.from - DAY, &err), 0);
    cr_assert_eq(register_dept_add(reg, "physics", h1.from - DAY, &err), 0);
    cr_assert_eq(register_token_create(reg, "math", h1.from, token, &err), 0);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(dept_report, .init = setup, .fini = teardown);

static cJSON *build_at(const char *dept, const struct report_period *p,
                       int64_t now)
{
    cJSON *r = NULL;
    cr_assert_eq(dept_report_build(reg, dept, p, &rules, now, &r, &err), 0,
                 "%s", err.msg);
    return r;
}

/* Made after both half-years, as a report of last half-year is. */
static cJSON *build(const char *dept, const struct report_period *p)
{
    return build_at(dept, p, h2.to + 30 * DAY);
}

static const cJSON *at(const cJSON *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k;
         k = strtok_r(NULL, ".", &save)) {
        o = (*k >= '0' && *k <= '9') ? cJSON_GetArrayItem(o, atoi(k))
                                     : cJSON_GetObjectItem(o, k);
        cr_assert_not_null(o, "no %s (at %s)", path, k);
    }
    return o;
}

static double num(const cJSON *o, const char *path)
{
    return at(o, path)->valuedouble;
}

static const char *str(const cJSON *o, const char *path)
{
    return at(o, path)->valuestring;
}

Test(report_period, halves_and_spans)
{
    struct report_period p;
    char why[REPORT_WHY];
    cr_assert_eq(report_period_half("2026H2", &p, why, sizeof(why)), 0);
    cr_assert_eq(p.to - p.from, 184 * DAY);  /* July..December */
    cr_assert_str_eq(p.label, "2026H2");
    cr_assert_eq(report_period_half("2026H1", &p, why, sizeof(why)), 0);
    cr_assert_eq(p.to - p.from, 181 * DAY);
    cr_assert_eq(report_period_half("2026H3", &p, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert_eq(report_period_half("2026H", &p, why, sizeof(why)), TZ_EINVAL);
    cr_assert_eq(report_period_half("1979H1", &p, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert_eq(report_period_dates("2026-03-01", "2026/3/31", &p, why,
                                     sizeof(why)), 0);
    cr_assert_eq(p.to - p.from, 31 * DAY);
    cr_assert_eq(report_period_dates("2026-03-02", "2026-03-01", &p, why,
                                     sizeof(why)), TZ_EINVAL);
    cr_assert_eq(report_period_dates("2026-02-30", "2026-03-01", &p, why,
                                     sizeof(why)), TZ_EINVAL);
}

Test(dept_report, figures_are_as_of_the_end_of_the_period)
{
    first_half();
    second_half();
    cJSON *r = build("math", &h1);
    cr_assert_str_eq(str(r, "period.from"), "2026-01-01");
    cr_assert_str_eq(str(r, "period.to"), "2026-06-30");
    /* the liaison and the grade as they were, not as they are */
    cr_assert_str_eq(str(r, "responsibility.liaison"), "甲");
    cr_assert_eq(cJSON_GetArraySize(at(r, "systems")), 1);
    cr_assert_str_eq(str(r, "systems.0.name"), "教务系统");
    cr_assert_eq(num(r, "systems.0.mlps_grade"), 2);
    cr_assert_str_eq(str(r, "systems.0.evaluation"), "not_required");
    cr_assert_str_eq(str(r, "systems.0.filing"), "incomplete");
    /* hosts: both enrolled, only lab01 reported (on two days) */
    cr_assert_eq(num(r, "hosts.enrolled"), 2);
    cr_assert_eq(num(r, "hosts.seen"), 1);
    cr_assert_eq(num(r, "hosts.list.0.days_seen"), 2);
    cr_assert(cJSON_IsFalse(at(r, "hosts.list.1.seen")));
    /* the weak password open at the end, though closed since; the filing
     * flag closed within the period after 20 days; the patch flag opened
     * after the period does not count */
    cr_assert_eq(cJSON_GetArraySize(at(r, "flags.open_at_end")), 1);
    cr_assert_str_eq(str(r, "flags.open_at_end.0.id"), "WEAK_PASSWORD");
    cr_assert_null(cJSON_GetObjectItem(at(r, "flags.open_at_end.0"),
                                       "closed_at"));
    cr_assert_eq(num(r, "flags.open_at_end.0.open_days"), 170);
    cr_assert_eq(cJSON_GetArraySize(at(r, "flags.closed_in_period")), 1);
    cr_assert_str_eq(str(r, "flags.closed_in_period.0.id"), "NO_FILING");
    cr_assert_eq(num(r, "flags.closed_in_period.0.open_days"), 20);
    cr_assert_eq(num(r, "flags.open_by_severity.high"), 1);
    cr_assert_eq(num(r, "flags.opened_in_period"), 2);
    cr_assert_eq(num(r, "figures.weak_password.open_at_end"), 1);
    cr_assert_eq(num(r, "figures.weak_password.hosts_at_end"), 1);
    cr_assert_eq(num(r, "figures.patches.open_at_end"), 0);
    cr_assert_eq(num(r, "figures.patches.opened_in_period"), 0);
    /* changes during the period: the system added, the liaison named */
    cr_assert_eq(cJSON_GetArraySize(at(r, "changes")), 2);
    cr_assert_str_eq(str(r, "changes.0.subject"), "department");
    cr_assert_str_eq(str(r, "changes.0.actor"), "carol");
    cr_assert_str_eq(str(r, "changes.1.subject"), "system");
    cr_assert_str_eq(str(r, "changes.1.action"), "created");
    cr_assert_eq(cJSON_GetArraySize(at(r, "actors")), 2);
    cJSON_Delete(r);

    r = build("math", &h2);
    cr_assert_str_eq(str(r, "responsibility.liaison"), "乙");
    cr_assert_eq(cJSON_GetArraySize(at(r, "systems")), 2);
    cr_assert_eq(num(r, "systems.0.mlps_grade"), 3);
    cr_assert_str_eq(str(r, "systems.0.evaluation"), "never");
    cr_assert_eq(num(r, "hosts.seen"), 2);
    cr_assert_eq(cJSON_GetArraySize(at(r, "flags.open_at_end")), 0);
    cr_assert_eq(cJSON_GetArraySize(at(r, "flags.closed_in_period")), 2);
    cr_assert_eq(num(r, "figures.patches.opened_in_period"), 1);
    cr_assert_eq(cJSON_GetArraySize(at(r, "changes")), 3);
    cr_assert_str_eq(str(r, "changes.0.actor"), "bob");
    cJSON_Delete(r);
}

Test(dept_report, a_past_half_year_reads_the_same_after_the_next)
{
    first_half();
    /* in the last second of the half-year's last day, and long after:
     * the same but for when each was made */
    cJSON *on_the_day = build_at("math", &h1, h1.to - 1);
    second_half();
    cJSON *later = build("math", &h1);
    cr_assert_eq(num(on_the_day, "period.as_of"), h1.to - 1);
    cr_assert_eq(num(later, "period.as_of"), h1.to);
    cJSON_DeleteItemFromObject(on_the_day, "generated_at");
    cJSON_DeleteItemFromObject(later, "generated_at");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(on_the_day, "period"),
                               "as_of");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(later, "period"), "as_of");
    char *a = cJSON_Print(on_the_day), *b = cJSON_Print(later);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    cJSON_Delete(on_the_day);
    cJSON_Delete(later);
}

Test(dept_report, names_nothing_of_another_department)
{
    first_half();
    second_half();
    for (int half = 0; half < 2; half++) {
        cJSON *r = build("math", half ? &h2 : &h1);
        char *s = cJSON_PrintUnformatted(r);
        cr_assert_null(strstr(s, "财务系统"), "%s", s);
        cr_assert_null(strstr(s, "physics"), "%s", s);
        cr_assert_null(strstr(s, "evidence"), "%s", s);
        free(s);
        cJSON_Delete(r);
    }
    cJSON *r = build("physics", &h1);
    cr_assert_eq(cJSON_GetArraySize(at(r, "systems")), 1);
    cr_assert_str_eq(str(r, "systems.0.name"), "财务系统");
    cr_assert_eq(num(r, "hosts.enrolled"), 0);
    cr_assert_eq(cJSON_GetArraySize(at(r, "flags.open_at_end")), 1);
    cJSON_Delete(r);
    cr_assert_eq(dept_report_build(reg, "chemistry", &h1, &rules, 0, &r, &err),
                 TZ_ENOENT);
}

Test(dept_report, html_has_every_section_and_a_signature_block)
{
    first_half();
    cJSON *r = build("math", &h1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(dept_report_html(r, f, &err), 0);
    fclose(f);
    static const char *const want[] = {
        "@page { size: A4", "一、网络安全责任人与联络人", "二、信息系统",
        "三、主机与探针覆盖", "四、问题与整改", "五、弱口令、补丁与高危端口",
        "六、台账变更", "负责人签字", "日期", "教务系统", "lab01", "甲",
        "第六条(二)", "WEAK_PASSWORD", "2026H1"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert(strstr(buf, want[i]), "no %s in the HTML", want[i]);
    free(buf);
    /* values are escaped */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "responsibility"),
                              "liaison", cJSON_CreateString("<script>x"));
    f = open_memstream(&buf, &len);
    cr_assert_eq(dept_report_html(r, f, &err), 0);
    fclose(f);
    cr_assert_null(strstr(buf, "<script>"));
    cr_assert(strstr(buf, "&lt;script&gt;x"));
    free(buf);
    cJSON_Delete(r);
}

Test(dept_report, xlsx_has_chinese_headers_and_the_rows)
{
    first_half();
    cJSON *r = build("math", &h1);
    char *path = tz_test_path("%s/r.xlsx", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_eq(dept_report_xlsx(r, fileno(f), &err), 0, "%s", err.msg);
    fclose(f);
    char *argv[] = {"unzip", "-p", path, NULL}, *xml = NULL;
    cr_assert_eq(tz_test_run(argv, &xml), 0, "unzip: %s", xml);
    static const char *const want[] = {
        "概况", "信息系统", "主机", "问题", "台账变更", "系统名称", "等保等级",
        "上线前审查", "期末状态", "操作人", "教务系统", "lab01",
        "WEAK_PASSWORD", "期内已关闭", "未关闭", "甲"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert(strstr(xml, want[i]), "no %s in the workbook", want[i]);
    cr_assert_null(strstr(xml, "财务系统"));
    free(xml);
    free(path);
    cJSON_Delete(r);
}

/* "2026-12-06 09:28 +0800" of unix time t in Beijing time, computed apart
 * from the report's formatter. */
static void beijing(double t, char out[40])
{
    time_t bj = (time_t)t + 8 * 3600;
    struct tm tm;
    cr_assert_not_null(gmtime_r(&bj, &tm));
    strftime(out, 40, "%Y-%m-%d %H:%M +0800", &tm);
}

Test(dept_report, times_on_paper_and_in_the_workbook_carry_the_zone)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    first_half();
    cJSON *r = build("math", &h1);
    char made[40], opened[40], cell[64];
    beijing(num(r, "generated_at"), made);
    beijing(num(r, "flags.open_at_end.0.opened_at"), opened);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(dept_report_html(r, f, &err), 0);
    fclose(f);
    snprintf(cell, sizeof(cell), "<td>%s</td>", made);
    cr_assert(strstr(buf, cell), "no %s in the HTML: %s", cell, buf);
    snprintf(cell, sizeof(cell), "<td>%s</td>", opened);
    cr_assert(strstr(buf, cell), "no %s in the HTML: %s", cell, buf);
    free(buf);
    char *path = tz_test_path("%s/z.xlsx", dir);
    f = fopen(path, "wb");
    cr_assert_eq(dept_report_xlsx(r, fileno(f), &err), 0, "%s", err.msg);
    fclose(f);
    char *argv[] = {"unzip", "-p", path, NULL}, *xml = NULL;
    cr_assert_eq(tz_test_run(argv, &xml), 0, "unzip: %s", xml);
    snprintf(cell, sizeof(cell), "<t>%s</t>", made);
    cr_assert(strstr(xml, cell), "no %s in the workbook", cell);
    snprintf(cell, sizeof(cell), "<t>%s</t>", opened);
    cr_assert(strstr(xml, cell), "no %s in the workbook", cell);
    free(xml);
    free(path);
    cJSON_Delete(r);
    unsetenv("TZ");
}

/* ---- the score ---- */

static cJSON *score_of(const cJSON *report, const struct score_config *c)
{
    cJSON *s = NULL;
    cr_assert_eq(dept_score(report, c, &s), 0);
    return s;
}

static const cJSON *indicator(const cJSON *s, const char *key)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(s, "indicators"))
        if (strcmp(cJSON_GetObjectItem(x, "key")->valuestring, key) == 0)
            return x;
    cr_assert_fail("no indicator %s", key);
    return NULL;
}

Test(dept_report, naming_the_leaders_raises_the_score_by_exactly_its_weight)
{
    first_half();
    second_half();
    struct score_config c;
    score_config_defaults(&c);
    cJSON *r = build("math", &h2), *before = score_of(r, &c);
    cJSON_Delete(r);
    cr_assert_eq(num(indicator(before, "leaders_named"), "lost"),
                 c.weight[SC_LEADERS_NAMED]);
    const char *const named[][2] = {{"principal", "王校长"},
                                    {"security_lead", "李院长"},
                                    {"it_lead", "赵老师"}};
    Tz__DeptRecord *d;
    char why[DEPT_WHY];
    cr_assert_eq(register_dept_get(reg, "math", &d, &err), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(dept_field_set(d, named[i][0], named[i][1], why,
                                    sizeof(why)), 0);
    cr_assert_eq(register_dept_put(reg, d, h2.from + 20 * DAY, NULL, NULL,
                                   &err), 0);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    r = build("math", &h2);
    cJSON *after = score_of(r, &c);
    cJSON_Delete(r);
    cr_assert_eq(num(after, "score") - num(before, "score"),
                 c.weight[SC_LEADERS_NAMED]);
    cr_assert_eq(num(indicator(after, "leaders_named"), "lost"), 0);
    /* and the first half-year's score did not move */
    r = build("math", &h1);
    cJSON *h1_score = score_of(r, &c);
    cJSON_Delete(r);
    cr_assert_eq(num(indicator(h1_score, "leaders_named"), "lost"),
                 c.weight[SC_LEADERS_NAMED]);
    cJSON_Delete(h1_score);
    cJSON_Delete(before);
    cJSON_Delete(after);
}

Test(dept_report, each_indicator_shows_its_evidence_and_the_points_lost)
{
    first_half();
    struct score_config c;
    score_config_defaults(&c);
    cJSON *r = build("math", &h1), *s = score_of(r, &c);
    /* one of two hosts has a weak password: half of its weight lost */
    const cJSON *w = indicator(s, "weak_passwords");
    cr_assert_eq(num(w, "lost"), 7.5);
    cr_assert_str_eq(str(w, "evidence"), "1/2 台主机有弱口令");
    /* the weak password has been open 170 days: high flags lose it all */
    cr_assert_eq(num(indicator(s, "high_flags"), "points"), 0);
    /* one of two hosts reported: 50 % of 90 % */
    cr_assert_eq(num(indicator(s, "agent_coverage"), "met"), 0.556);
    double total = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, at(s, "indicators"))
        total += num(x, "points");
    cr_assert_eq(num(s, "score"), (double)(long)(total + 0.5));
    cJSON_Delete(s);
    cJSON_Delete(r);
}

Test(score_config, the_built_in_weights_equal_the_file_and_add_up_to_100)
{
    struct score_config file, built;
    score_config_defaults(&built);
    cr_assert_eq(score_config_load(&file, TZ_SOURCE_DIR "/schemas/scoring.ini",
                                   &err), 0, "%s", err.msg);
    int sum = 0;
    for (int i = 0; i < SC_COUNT; i++) {
        cr_assert_eq(file.weight[i], built.weight[i], "%s",
                     score_indicators[i].key);
        cr_assert_eq(file.param[i], built.param[i], "%s",
                     score_indicators[i].key);
        sum += built.weight[i];
    }
    cr_assert_eq(sum, 100);
}

static int load_text(const char *text)
{
    char *d = tz_test_tmpdir("scoring");
    tz_test_write(d, "s.ini", text);
    char *path = tz_test_path("%s/s.ini", d);
    struct score_config c;
    memset(&err, 0, sizeof(err));
    int rc = score_config_load(&c, path, &err);
    free(path);
    tz_test_rm_rf(d);
    free(d);
    return rc;
}

Test(score_config, a_typo_or_weights_off_100_are_errors)
{
    cr_assert_eq(load_text("[meeting]\nweight = 5\n"), 0, "%s", err.msg);
    cr_assert_eq(load_text("[meeting]\nweight = 6\n"), TZ_EPARSE);
    cr_assert(strstr(err.msg, "add up to 101"), "%s", err.msg);
    cr_assert_eq(load_text("[meetings]\nweight = 5\n"), TZ_EPARSE);
    cr_assert(strstr(err.msg, "unknown section"), "%s", err.msg);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(load_text("[patches]\nmax_day = 5\n"), TZ_EPARSE);
    cr_assert_eq(load_text("[patches]\nmax_days = 0\n"), TZ_EPARSE);
    cr_assert_eq(load_text("[meeting]\nmax_days = 3\n"), TZ_EPARSE);
}

/* ---- the school-wide view ---- */

Test(dept_report, the_school_view_puts_departments_needing_attention_first)
{
    first_half();
    second_half();
    struct score_config c;
    score_config_defaults(&c);
    cJSON *s = NULL;
    /* H1: math's weak password open 170 days, physics without a liaison */
    cr_assert_eq(school_report_build(reg, &h1, &rules, &c, h2.to + DAY, &s,
                                     &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(at(s, "departments")), 2);
    cr_assert(cJSON_IsTrue(at(s, "departments.0.attention")));
    cr_assert(cJSON_IsTrue(at(s, "departments.1.attention")));
    cr_assert(num(s, "departments.0.score") <= num(s, "departments.1.score"));
    const cJSON *d;
    cJSON_ArrayForEach(d, at(s, "departments")) {
        const char *name = str(d, "dept"), *why = str(d, "reasons.0");
        cr_assert_str_eq(why, strcmp(name, "math") == 0 ? "overdue_high_flags"
                                                        : "no_liaison");
    }
    cJSON_Delete(s);
    /* H2: math's flags closed and its liaison named: physics alone on top */
    cr_assert_eq(school_report_build(reg, &h2, &rules, &c, h2.to + DAY, &s,
                                     &err), 0, "%s", err.msg);
    cr_assert_str_eq(str(s, "departments.0.dept"), "physics");
    cr_assert(cJSON_IsTrue(at(s, "departments.0.attention")));
    cr_assert_str_eq(str(s, "departments.1.dept"), "math");
    cr_assert(cJSON_IsFalse(at(s, "departments.1.attention")));
    cr_assert_eq(cJSON_GetArraySize(at(s, "departments.1.indicators")),
                 SC_COUNT);
    char *path = tz_test_path("%s/s.xlsx", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_eq(school_report_xlsx(s, fileno(f), &err), 0, "%s", err.msg);
    fclose(f);
    char *argv[] = {"unzip", "-p", path, NULL}, *xml = NULL;
    cr_assert_eq(tz_test_run(argv, &xml), 0, "unzip: %s", xml);
    cr_assert(strstr(xml, "各单位得分") && strstr(xml, "未明确联络人") &&
              strstr(xml, "补丁及时") && strstr(xml, "physics"), "%s", xml);
    free(xml);
    free(path);
    cJSON_Delete(s);
}

/* ---- the liaison's digest ---- */

Test(dept_report, the_digest_lists_new_and_overdue_flags_and_nothing_else)
{
    first_half();
    int64_t t0 = h1.from;
    struct digest d;
    cr_assert_eq(digest_build(reg, "math", t0, t0 + 15 * DAY, &rules, &d,
                              &err), 0, "%s", err.msg);
    /* the flags open now (the digest is of the present): the weak
     * password; the filing flag opened then too but has closed since */
    cr_assert_eq(d.new_flags, 1);
    cr_assert_eq(d.overdue[HIGH], 0);
    cr_assert_eq(d.evaluations_due, 0);  /* grade 2: none required */
    cr_assert(!d.empty);
    cr_assert_str_eq(d.to, "");
    cr_assert(strstr(d.subject, "math") && strstr(d.subject, "新问题 1"),
              "%s", d.subject);
    cr_assert(strstr(d.body, "您好 甲") && strstr(d.body, "WEAK_PASSWORD") &&
              strstr(d.body, "lab01 · root"), "%s", d.body);
    cr_assert_null(strstr(d.body, "财务系统"));
    digest_free(&d);
    /* ten days on: nothing new, the weak password (high) overdue */
    cr_assert_eq(digest_build(reg, "math", t0 + 15 * DAY, t0 + 25 * DAY,
                              &rules, &d, &err), 0);
    cr_assert_eq(d.new_flags, 0);
    cr_assert_eq(d.overdue[HIGH], 1);
    cr_assert_eq(d.overdue[MEDIUM], 0);
    digest_free(&d);
    /* physics: a grade 3 system never evaluated is due */
    cr_assert_eq(digest_build(reg, "physics", t0 + 15 * DAY, t0 + 25 * DAY,
                              &rules, &d, &err), 0);
    cr_assert_eq(d.evaluations_due, 1);
    cr_assert(strstr(d.body, "财务系统：等保3级，尚无测评记录"), "%s", d.body);
    digest_free(&d);
    /* a department with nothing to say: no mail */
    cr_assert_eq(register_dept_add(reg, "chemistry", t0, &err), 0);
    cr_assert_eq(digest_build(reg, "chemistry", t0, t0 + 25 * DAY, &rules, &d,
                              &err), 0);
    cr_assert(d.empty);
    digest_free(&d);
    cr_assert_eq(digest_build(reg, "nowhere", t0, t0, &rules, &d, &err),
                 TZ_ENOENT);
}
