/* test_export — `tzctl export` and export_ledger() as a department and the
 * network center use them: a register with two departments (计算机学院 and
 * 财务处), systems with every kind of ledger field, hosts bound across the
 * departments both ways and the flags the rules raise; then the CSV round
 * trip through `tzctl system import`, the XLSX read back from its XML, the
 * JSON's counts, the scope (nothing of the other department in any format)
 * and the errors an operator meets. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "export_ledger.h"
#include "flags_update.h"
#include "ledger_fields.h"
#include "register.h"
#include "rules_config.h"
#include "tz_test.h"

#define NOW 1700000000
#define CS "计算机学院"   /* department A */
#define FIN "财务处"      /* department B */

static char *dir, *tmp, *out;
static uint64_t lab, hyper, old, fin_sys, audit;  /* system ids */

/* Everything of 财务处 a byte search can find: names, hostnames, addresses
 * (B's flags are found by the names their evidence and subject carry). */
static const char *const fin_only[] = {FIN, "财务系统", "财务审计平台",
                                       "fin01-b", "fin02-b", "10.9."};
/* And of 计算机学院. */
static const char *const cs_only[] = {CS, "实验平台", "HYPERLINK", "旧系统",
                                      "lab01-a", "lab02-a", "lab03-a",
                                      "10.5."};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building the register through register.h ---- */

static uint64_t sys_add(struct tz_register *reg, const char *const *kv)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    for (; *kv; kv += 2)
        cr_assert_eq(ledger_field_set(r, kv[0], kv[1], why, sizeof(why)), 0,
                     "%s: %s", kv[0], why);
    uint64_t id = 0;
    struct tz_error err = {0};
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), 0, "%s",
                 err.msg);
    ledger_record_free(r);
    return id;
}

static void put(struct tz_register *reg, struct register_item *it)
{
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, it, 1, NOW, &err), 0, "%s", err.msg);
    cr_assert_eq(it->status, TZ__STATUS__OK, "%s", it->detail);
}

/* Enroll agent pk into dept and store one report: hostname, one address,
 * the system its config names (0: none). Returns the agent id. */
static uint64_t host_add(struct tz_register *reg, int pk, const char *dept,
                         const char *hostname, const char *v4,
                         uint64_t config_system)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, dept, NOW, tok, NULL), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = (char *)hostname;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    memset(it.agent_pk, pk, 32);
    put(reg, &it);

    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)hostname;
    host.os_pretty = "Debian GNU/Linux 12 (bookworm)";
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
    r.system_id = config_system;
    struct register_item rep = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    memset(rep.agent_pk, pk, 32);
    put(reg, &rep);
    return it.agent_id;
}

static void setup(void)
{
    out = NULL;
    tmp = tz_test_tmpdir("export-tmp");
    /* where the XLSX is built: no tz-xlsx-* may stay behind */
    setenv("TMPDIR", tmp, 1);
    struct tz_register *reg = tz_test_register_new("export", &dir);
    struct tz_error err = {0};
    cr_assert_eq(register_dept_add(reg, CS, NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, FIN, NOW, NULL), 0);

    /* every kind of field; 用途 with commas, quotes and a line break */
    lab = sys_add(reg, (const char *const[]){
        "name", "实验平台", "dept", CS, "owner", "张三", "admin", "李四",
        "contact", "+86 138 0000 0000",
        "domains", "https://lab.example.edu.cn/, lab2.example.edu.cn",
        "purpose", "教学,实验\n\"科研\"用", "data_kinds", "成绩；学号",
        "personal_data", "是", "deployment", "机房A",
        "icp_filing", "京ICP备12345号", "psb_filing", "11010802000001",
        "school_filing", "XN-2024-01", "mlps_grade", "第二级",
        "grading_filed_at", "2024/3/1", "last_evaluation_at", "2025-01-02",
        "prelaunch_status", "通过", "prelaunch_date", "2024-02-01",
        "prelaunch_reviewer", "王五", "prelaunch_report_id", "R-1",
        "launched_at", "2024年2月10日", "status", "运行",
        "public_facing", "yes", "remarks", "两台服务器\n一主一备",
        "ips", "10.5.0.0/16, 2001:db8::1, 10.6.0.10-10.6.0.20", NULL});
    /* a formula, and a value that already starts with an apostrophe */
    hyper = sys_add(reg, (const char *const[]){
        "name", "=HYPERLINK(\"http://x/?\"&A1)", "dept", CS,
        "owner", "-张三", "status", "planned", NULL});
    old = sys_add(reg, (const char *const[]){
        "name", "'=1 旧系统", "dept", CS, "admin", "@ops", "status", "下线",
        NULL});
    fin_sys = sys_add(reg, (const char *const[]){
        "name", "财务系统", "dept", FIN, "owner", "赵六",
        "ips", "10.9.0.0/16", NULL});
    audit = sys_add(reg, (const char *const[]){
        "name", "财务审计平台", "dept", FIN, "mlps_grade", "3", NULL});

    host_add(reg, 1, CS, "lab01-a", "10.5.1.1/16", 0);       /* match */
    uint64_t h2 = host_add(reg, 2, CS, "lab02-a", "10.5.1.2/16", 0);
    host_add(reg, 3, CS, "lab03-a", "10.5.1.3/16", fin_sys); /* refused */
    host_add(reg, 4, FIN, "fin01-b", "10.9.1.1/16", 0);      /* match */
    uint64_t h5 = host_add(reg, 5, FIN, "fin02-b", "10.9.1.2/16", 0);
    /* the operator's explicit word crosses departments, both ways */
    cr_assert_eq(register_bind(reg, h2, fin_sys, "ops", NOW, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(register_bind(reg, h5, lab, "ops", NOW, &err), 0, "%s",
                 err.msg);
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    cr_assert_eq(flags_update_all(reg, &cfg, NOW, &err), 0, "%s", err.msg);
    register_close(reg);
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
    tz_test_rm_rf(tmp);
    free(tmp);
    unsetenv("TMPDIR");
}

TestSuite(export, .init = setup, .fini = teardown);

#define TZCTL_RUN(...) \
    tz_test_tzctl_run(dir, &out, __VA_ARGS__, (const char *)NULL)

/* Export into dir/name with tzctl; returns the path (malloc'd). */
static char *export_to(const char *name, const char *format, const char *dept)
{
    char *path = tz_test_path("%s/%s", dir, name);
    int rc = dept ? TZCTL_RUN("export", "--format", format, "--dept", dept,
                              "-o", path)
                  : TZCTL_RUN("export", "--format", format, "-o", path);
    cr_assert_eq(rc, 0, "%s", out);
    return path;
}

/* Every member of the zip, unpacked and concatenated (all XML). */
static char *unzip(const char *path, const char *member)
{
    char *res = NULL;
    char *argv[] = {"unzip", "-p", (char *)path, (char *)member, NULL};
    if (member == NULL)
        argv[3] = NULL;
    cr_assert_eq(tz_test_run(argv, &res), 0, "unzip %s: %s", path, res);
    return res;
}

static void tmpdir_is_empty(void)
{
    char *argv[] = {"find", tmp, "-name", "tz-xlsx-*", NULL};
    char *res = NULL;
    cr_assert_eq(tz_test_run(argv, &res), 0);
    cr_assert_str_eq(res, "", "temporary files left: %s", res);
    free(res);
}

/* ---- CSV ---- */

Test(export, csv_has_a_bom_the_import_columns_and_quoted_cells)
{
    char *path = export_to("ledger.csv", "csv", NULL);
    char *csv = tz_test_slurp(path);
    char header[2048] = "\xEF\xBB\xBF";
    for (size_t i = 0; i < LF_COUNT; i++)
        snprintf(header + strlen(header), sizeof(header) - strlen(header),
                 "%s%s", i ? "," : "", ledger_fields[i].label);
    strcat(header, "\r\n");
    cr_assert_eq(strncmp(csv, header, strlen(header)), 0, "%.400s", csv);
    cr_assert(strncmp(csv, "\xEF\xBB\xBF系统名称,所属单位,负责人,", 30) == 0);
    /* every field of the first system, as `system import` reads it */
    cr_assert(strstr(csv, "\r\n实验平台," CS ",张三,李四,\"'+86 138 0000 0000\","
                          "\"https://lab.example.edu.cn/,lab2.example.edu.cn\","
                          "\"10.5.0.0/16,2001:db8::1,10.6.0.10-10.6.0.20\","
                          "\"教学,实验\n\"\"科研\"\"用\",成绩；学号,yes,机房A,"
                          "京ICP备12345号,11010802000001,XN-2024-01,2,"
                          "2024-03-01,2025-01-02,passed,2024-02-01,王五,R-1,"
                          "2024-02-10,live,yes,\"两台服务器\n一主一备\"\r\n"),
              "%s", csv);
    /* formulas guarded; an apostrophe of the value kept under the guard;
     * retired systems are in the file */
    cr_assert(strstr(csv, "\r\n\"'=HYPERLINK(\"\"http://x/?\"\"&A1)\"," CS
                          ",\"'-张三\","), "%s", csv);
    cr_assert(strstr(csv, "\r\n\"''=1 旧系统\"," CS ",,\"'@ops\","), "%s", csv);
    cr_assert(strstr(csv, ",retired,no,\r\n"), "%s", csv);
    free(csv);
    free(path);
}

Test(export, csv_imported_into_a_fresh_register_exports_the_same_bytes)
{
    char *first = export_to("a.csv", "csv", NULL);
    char *fresh = NULL;
    struct tz_register *reg = tz_test_register_new("export-b", &fresh);
    cr_assert_eq(register_dept_add(reg, CS, NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, FIN, NOW, NULL), 0);
    register_close(reg);

    cr_assert_eq(tz_test_tzctl_run(fresh, &out, "system", "import", first,
                                   (const char *)NULL), 0, "%s", out);
    cr_assert(strstr(out, "5"), "%s", out);
    char *second = tz_test_path("%s/b.csv", fresh);
    cr_assert_eq(tz_test_tzctl_run(fresh, &out, "export", "--format", "csv",
                                   "-o", second, (const char *)NULL), 0,
                 "%s", out);
    char *a = tz_test_slurp(first), *b = tz_test_slurp(second);
    cr_assert_str_eq(b, a);

    /* the values themselves came back, not only the same text */
    cr_assert_eq(tz_test_tzctl_run(fresh, &out, "--format", "json", "system",
                                   "show", "3", (const char *)NULL), 0, "%s",
                 out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "name")->valuestring, "'=1 旧系统");
    cr_assert_str_eq(cJSON_GetObjectItem(j, "admin")->valuestring, "@ops");
    cJSON_Delete(j);
    free(a);
    free(b);
    free(second);
    free(first);
    tz_test_rm_rf(fresh);
    free(fresh);
}

/* ---- XLSX ---- */

/* The reference ("J7") of the sheet cell whose text starts with text. */
static void cell_of(const char *sheet, const char *text, char ref[16])
{
    char *t = tz_test_path("<t>%s", text);
    const char *at = strstr(sheet, t), *c = NULL;
    cr_assert_not_null(at, "no cell starts with %s: %s", text, sheet);
    for (const char *p = sheet; (p = strstr(p, "<c r=\"")) && p < at; p++)
        c = p;
    cr_assert_not_null(c);
    cr_assert_eq(sscanf(c, "<c r=\"%15[A-Z0-9]\"", ref), 1);
    free(t);
}

Test(export, xlsx_has_three_sheets_bold_frozen_headers_and_autofilters)
{
    char *path = export_to("ledger.xlsx", "xlsx", NULL);
    char *wb = unzip(path, "xl/workbook.xml");
    char *s1 = strstr(wb, "<sheet name=\"系统台账\" sheetId=\"1\"");
    char *s2 = strstr(wb, "<sheet name=\"主机\" sheetId=\"2\"");
    char *s3 = strstr(wb, "<sheet name=\"未关闭问题\" sheetId=\"3\"");
    cr_assert(s1 && s2 && s3 && s1 < s2 && s2 < s3, "%s", wb);
    free(wb);

    char *sh = unzip(path, "xl/worksheets/sheet1.xml");
    const char *frozen = "<pane ySplit=\"1\" topLeftCell=\"A2\" "
                         "activePane=\"bottomLeft\" state=\"frozen\"/>";
    cr_assert(strstr(sh, frozen), "%s", sh);
    /* ID and 25 fields: A..Z; the header and 5 systems: rows 1..6 */
    cr_assert(strstr(sh, "<autoFilter ref=\"A1:Z6\"/>"), "%s", sh);
    /* a multi-line value wraps, so Excel shows every line */
    cr_assert(strstr(sh, "<c r=\"Z2\" s=\"2\" t=\"inlineStr\"><is><t>两台"
                         "服务器\n一主一备</t>"), "%s", sh);
    cr_assert(strstr(sh, "<c r=\"B1\" s=\"1\" t=\"inlineStr\"><is><t>系统名称"
                         "</t></is></c>"), "%s", sh);
    cr_assert(strstr(sh, "<c r=\"B2\" t=\"inlineStr\"><is><t>实验平台</t>"),
              "%s", sh);
    cr_assert(strstr(sh, "<c r=\"P2\"><v>2</v></c>"), "等保等级 a number: %s",
              sh);
    /* a formula-like value is a string cell, never a formula */
    cr_assert(strstr(sh, "<t>=HYPERLINK(\"http://x/?\"&amp;A1)</t>"),
              "%s", sh);
    cr_assert_null(strstr(sh, "<f>"), "%s", sh);
    free(sh);

    sh = unzip(path, "xl/worksheets/sheet2.xml");
    cr_assert(strstr(sh, frozen), "%s", sh);
    cr_assert(strstr(sh, "<autoFilter ref=\"A1:K6\"/>"), "%s", sh);
    cr_assert(strstr(sh, "<t>主机名</t>") && strstr(sh, "<t>lab01-a</t>"),
              "%s", sh);
    free(sh);
    sh = unzip(path, "xl/worksheets/sheet3.xml");
    cr_assert(strstr(sh, frozen) && strstr(sh, "<autoFilter ref=\"A1:N"),
              "%s", sh);
    cr_assert(strstr(sh, "<t>整改建议</t>") && strstr(sh, "<t>未明确负责人</t>") &&
              strstr(sh, "<t>BINDING_OTHER_DEPT</t>"), "%s", sh);
    /* 证据 is the Chinese evidence, the English one beside it */
    cr_assert(strstr(sh, "<c r=\"J1\" s=\"1\" t=\"inlineStr\"><is><t>证据"
                         "</t></is></c><c r=\"K1\" s=\"1\" t=\"inlineStr\">"
                         "<is><t>Evidence</t></is></c>"), "%s", sh);
    char row[16];
    cell_of(sh, "主机 lab03-a（agent ", row);
    cr_assert_eq(row[0], 'J', "the Chinese evidence is in %s: %s", row, sh);
    char en[16];
    cell_of(sh, "host lab03-a (agent ", en);
    cr_assert_eq(en[0], 'K', "the English evidence is in %s: %s", en, sh);
    cr_assert_str_eq(row + 1, en + 1, "not one row: %s, %s", row, en);
    free(sh);
    char *styles = unzip(path, "xl/styles.xml");
    cr_assert(strstr(styles, "<b/>"), "the header format is bold: %s", styles);
    free(styles);
    tmpdir_is_empty();
    free(path);
}

/* The workbook a department was sent, edited and handed back as it is:
 * its 系统台账 sheet imports (the ID column ignored), and the register it
 * makes exports the same CSV as the one it came from. */
Test(export, xlsx_imported_into_a_fresh_register_exports_the_same_csv)
{
    char *book = export_to("round.xlsx", "xlsx", NULL);
    char *want = export_to("round.csv", "csv", NULL);
    char *fresh = NULL;
    struct tz_register *reg = tz_test_register_new("export-x", &fresh);
    cr_assert_eq(register_dept_add(reg, CS, NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, FIN, NOW, NULL), 0);
    register_close(reg);
    cr_assert_eq(tz_test_tzctl_run(fresh, &out, "system", "import", book,
                                   (const char *)NULL), 0, "%s", out);
    cr_assert(strstr(out, "read as XLSX, sheet 系统台账\n") &&
              strstr(out, "ignored 1 column that names no ledger field: ID "
                          "(A)\nimported 5 systems\n"), "%s", out);
    char *again = tz_test_path("%s/again.csv", fresh);
    cr_assert_eq(tz_test_tzctl_run(fresh, &out, "export", "--format", "csv",
                                   "-o", again, (const char *)NULL), 0, "%s",
                 out);
    char *a = tz_test_slurp(want), *b = tz_test_slurp(again);
    cr_assert_str_eq(b, a);
    free(a);
    free(b);
    free(again);
    free(want);
    free(book);
    tz_test_rm_rf(fresh);
    free(fresh);
}

/* ---- JSON ---- */

static cJSON *json_export(const char *dept)
{
    int rc = dept ? TZCTL_RUN("export", "--format", "json", "--dept", dept,
                              "-o", "-")
                  : TZCTL_RUN("export", "--format=json", "-o", "-");
    cr_assert_eq(rc, 0, "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    return j;
}

static int count(const cJSON *j, const char *k)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(j, k));
}

/* The one flag of rule id in an export. */
static const cJSON *flag_of(const cJSON *j, const char *id)
{
    const cJSON *f, *found = NULL;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "flags"))
        if (strcmp(cJSON_GetObjectItem(f, "id")->valuestring, id) == 0) {
            cr_assert_null(found, "two %s flags", id);
            found = f;
        }
    cr_assert_not_null(found, "no %s flag", id);
    return found;
}

Test(export, json_holds_systems_hosts_and_open_flags_with_their_counts)
{
    cJSON *j = json_export(NULL);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "dept")));
    const char *at = cJSON_GetObjectItem(j, "generated_at")->valuestring;
    cr_assert(strlen(at) == 20 && at[10] == 'T' && at[19] == 'Z', "%s", at);
    cr_assert_eq(count(j, "systems"), 5);
    cr_assert_eq(count(j, "hosts"), 5);
    int flags = count(j, "flags");
    cr_assert_gt(flags, 5);
    const cJSON *c = cJSON_GetObjectItem(j, "counts");
    cr_assert_eq(cJSON_GetObjectItem(c, "systems")->valueint, 5);
    cr_assert_eq(cJSON_GetObjectItem(c, "hosts")->valueint, 5);
    cr_assert_eq(cJSON_GetObjectItem(c, "flags")->valueint, flags);

    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "systems"), 0);
    cr_assert_eq(cJSON_GetObjectItem(s, "id")->valueint, (int)lab);
    cr_assert_str_eq(cJSON_GetObjectItem(s, "purpose")->valuestring,
                     "教学,实验\n\"科研\"用");
    cr_assert_eq(cJSON_GetObjectItem(s, "mlps_grade")->valueint, 2);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(s, "personal_data")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(s, "ips")), 3);
    cr_assert_str_eq(cJSON_GetObjectItem(s, "grading_filed_at")->valuestring,
                     "2024-03-01");

    /* the whole school sees the cross-department binding by name */
    const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "hosts"), 1);
    cr_assert_str_eq(cJSON_GetObjectItem(h, "hostname")->valuestring,
                     "lab02-a");
    cr_assert_eq(cJSON_GetObjectItem(h, "system_id")->valueint, (int)fin_sys);
    cr_assert_str_eq(cJSON_GetObjectItem(h, "binding")->valuestring,
                     "explicit");
    cr_assert(strstr(out, "system 4 (财务系统) of 财务处"),
              "the refused binding's evidence names it: %s", out);
    /* and says so in Chinese too */
    const cJSON *f = flag_of(j, "BINDING_OTHER_DEPT");
    char *zh = tz_test_path("主机 lab03-a（agent %d，属 计算机学院）在 agent "
                            "配置中（system =）指向其他部门的系统 4（财务系统，"
                            "属 财务处）：已拒绝，主机仍归属本部门的系统",
                            cJSON_GetObjectItem(f, "subject_id")->valueint);
    cr_assert_str_eq(cJSON_GetObjectItem(f, "evidence_zh")->valuestring, zh);
    free(zh);
    cJSON_Delete(j);
}

/* ---- scope ---- */

static void none_of(const char *text, const char *const *needles, size_t n,
                    const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_null(strstr(text, needles[i]), "%s holds \"%s\": %s", what,
                       needles[i], text);
}

static void all_of(const char *text, const char *const *needles, size_t n,
                   const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(strstr(text, needles[i]), "%s lacks \"%s\"", what,
                  needles[i]);
}

/* The ids in a department's JSON are its own: systems, hosts' systems and
 * flags' subjects. */
static void json_ids_are_own(const cJSON *j, const char *dept,
                             uint64_t other_a, uint64_t other_b)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "systems")) {
        cr_assert_str_eq(cJSON_GetObjectItem(e, "dept")->valuestring, dept);
        uint64_t id = (uint64_t)cJSON_GetObjectItem(e, "id")->valuedouble;
        cr_assert(id != other_a && id != other_b);
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "hosts")) {
        cr_assert_str_eq(cJSON_GetObjectItem(e, "dept")->valuestring, dept);
        const cJSON *sid = cJSON_GetObjectItem(e, "system_id");
        cr_assert(cJSON_IsNull(sid) || ((uint64_t)sid->valuedouble != other_a &&
                                        (uint64_t)sid->valuedouble != other_b));
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "flags")) {
        cr_assert_str_eq(cJSON_GetObjectItem(e, "dept")->valuestring, dept);
        if (strcmp(cJSON_GetObjectItem(e, "subject_kind")->valuestring,
                   "system") == 0) {
            uint64_t id =
                (uint64_t)cJSON_GetObjectItem(e, "subject_id")->valuedouble;
            cr_assert(id != other_a && id != other_b);
        }
    }
}

Test(export, a_departments_export_holds_nothing_of_another_in_any_format)
{
    /* the needles are there to find in the whole school's export */
    char *all = export_to("all.xlsx", "xlsx", NULL);
    char *xml = unzip(all, NULL);
    all_of(xml, fin_only, N(fin_only), "the school's XLSX");
    all_of(xml, cs_only, N(cs_only), "the school's XLSX");
    free(xml);
    free(all);

    struct { const char *dept; const char *const *other; size_t n;
             uint64_t a, b; } side[] = {
        {CS, fin_only, N(fin_only), fin_sys, audit},
        {FIN, cs_only, N(cs_only), lab, hyper},
    };
    for (size_t k = 0; k < 2; k++) {
        char *csv = export_to(k ? "b.csv" : "a.csv", "csv", side[k].dept);
        char *text = tz_test_slurp(csv);
        none_of(text, side[k].other, side[k].n, "the CSV");
        free(text);
        free(csv);

        char *x = export_to(k ? "b.xlsx" : "a.xlsx", "xlsx", side[k].dept);
        text = unzip(x, NULL);
        none_of(text, side[k].other, side[k].n, "the XLSX");
        /* a host bound to the other's system: bound elsewhere, not where */
        cr_assert(strstr(text, "<t>（其他单位的系统）</t>"), "%s", text);
        free(text);
        free(x);

        cJSON *j = json_export(side[k].dept);
        none_of(out, side[k].other, side[k].n, "the JSON");
        cr_assert_str_eq(cJSON_GetObjectItem(j, "dept")->valuestring,
                         side[k].dept);
        json_ids_are_own(j, side[k].dept, side[k].a, side[k].b);
        cJSON_Delete(j);
    }
    cr_assert_eq(TZCTL_RUN("export", "--format", "json", "--dept", CS, "-o",
                           "-"), 0);
    cJSON *j = cJSON_Parse(out);
    cr_assert_eq(count(j, "systems"), 3, "retired systems are included");
    cr_assert_eq(count(j, "hosts"), 3);
    cr_assert(strstr(out, "\"id\":\"BINDING_OTHER_DEPT\""), "%s", out);
    cr_assert(strstr(out, "\"system_other_dept\":true"), "%s", out);
    /* the refused binding in both languages, without the other's system */
    const cJSON *f = flag_of(j, "BINDING_OTHER_DEPT");
    cr_assert_str_eq(cJSON_GetObjectItem(f, "evidence")->valuestring,
                     "its agent config or its addresses point at a system of "
                     "another department: refused, the host is not bound to "
                     "it");
    cr_assert_str_eq(cJSON_GetObjectItem(f, "evidence_zh")->valuestring,
                     "其采集程序配置或地址指向其他部门的系统：已拒绝，主机未绑定"
                     "到该系统");
    cJSON_Delete(j);
    /* and so in the department's workbook, 证据 in Chinese */
    char *x = export_to("a2.xlsx", "xlsx", CS);
    char *sh = unzip(x, "xl/worksheets/sheet3.xml"), ref[16];
    cell_of(sh, "其采集程序配置或地址指向其他部门的系统：已拒绝，主机未绑定到该系统"
                "</t>", ref);
    cr_assert_eq(ref[0], 'J', "%s: %s", ref, sh);
    cell_of(sh, "its agent config or its addresses point at a system of "
                "another department: refused", ref);
    cr_assert_eq(ref[0], 'K', "%s: %s", ref, sh);
    free(sh);
    free(x);
    tmpdir_is_empty();
}

/* ---- errors ---- */

Test(export, errors_name_the_problem_and_leave_files_alone)
{
    char *path = tz_test_path("%s/kept.csv", dir);
    tz_test_write(dir, "kept.csv", "mine\n");

    cr_assert_eq(TZCTL_RUN("export", "--format", "csv", "-o", path), 1);
    cr_assert(strstr(out, "exists") && strstr(out, "--force"), "%s", out);
    char *kept = tz_test_slurp(path);
    cr_assert_str_eq(kept, "mine\n");
    free(kept);

    cr_assert_eq(TZCTL_RUN("export", "--format", "csv", "--dept", "不存在",
                           "-o", path, "--force"), 1);
    cr_assert(strstr(out, "no department \"不存在\""), "%s", out);
    kept = tz_test_slurp(path);
    cr_assert_str_eq(kept, "mine\n", "a failed export leaves FILE as it was");
    free(kept);

    cr_assert_eq(TZCTL_RUN("export", "--format", "ods", "-o", path), 2);
    cr_assert(strstr(out, "unknown format \"ods\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("export", "--format", "csv"), 2);
    cr_assert(strstr(out, "-o FILE is required"), "%s", out);
    cr_assert_eq(TZCTL_RUN("export", "--format", "xlsx", "-o", "-"), 2);
    char *noext = tz_test_path("%s/ledger", dir);
    cr_assert_eq(TZCTL_RUN("export", "-o", noext), 2, "%s", out);
    cr_assert(strstr(out, "--format csv, json or xlsx is required"), "%s", out);
    free(noext);

    /* --force replaces it, whole; nothing is left beside it */
    cr_assert_eq(TZCTL_RUN("export", "--format", "csv", "-o", path, "--force"),
                 0, "%s", out);
    cr_assert(strstr(out, "exported 5 systems of the whole school as csv to "),
              "%s", out);
    kept = tz_test_slurp(path);
    cr_assert(strncmp(kept, "\xEF\xBB\xBF系统名称", 15) == 0);
    free(kept);
    char *argv[] = {"find", dir, "-name", "kept.csv.*", NULL};
    char *res = NULL;
    cr_assert_eq(tz_test_run(argv, &res), 0);
    cr_assert_str_eq(res, "");
    free(res);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(path);
}

/* The module as the portal calls it: a bad department and a full disk are
 * errors with words, and the XLSX's temporary file goes either way. */
Test(export, export_ledger_reports_errors_and_cleans_up)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0);
    enum export_format f;
    cr_assert_eq(export_format_parse("XLSX", &f), 0);
    cr_assert_eq(f, EXPORT_XLSX);
    cr_assert_eq(export_format_parse("xls", &f), TZ_EINVAL);

    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    cr_assert_eq(export_ledger(reg, "不存在", EXPORT_CSV, fd, NOW, NULL, &err),
                 TZ_ENOENT);
    cr_assert(strstr(err.msg, "no department \"不存在\""), "%s", err.msg);
    struct export_counts n;
    cr_assert_eq(export_ledger(reg, FIN, EXPORT_JSON, fd, NOW, &n, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(n.systems, 2);
    cr_assert_eq(n.hosts, 2);
    close(fd);

    fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    for (int k = 0; k < 3; k++) {
        memset(&err, 0, sizeof(err));
        cr_assert_eq(export_ledger(reg, NULL, (enum export_format)k, fd, NOW,
                                   NULL, &err), TZ_EIO, "%d", k);
        cr_assert(strstr(err.msg, "No space left on device"), "%s", err.msg);
    }
    close(fd);
    tmpdir_is_empty();
    register_close(reg);
}

/* Agents name their hosts: a control character in a hostname must not make
 * the workbook's XML ill-formed (Excel then refuses the whole file). */
Test(export, xlsx_escapes_control_characters_from_agents)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    host_add(reg, 6, CS, "evil\x1b]0;x\x07host", "10.5.1.6/16", 0);
    register_close(reg);
    char *path = export_to("evil.xlsx", "xlsx", CS);
    char *sh = unzip(path, "xl/worksheets/sheet2.xml");
    cr_assert(strstr(sh, "<t>evil_x001B_]0;x_x0007_host</t>"), "%s", sh);
    for (const char *p = sh; *p; p++)
        cr_assert((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\r' ||
                  *p == '\t', "control byte %#x in the XML", *p);
    free(sh);
    free(path);
}
