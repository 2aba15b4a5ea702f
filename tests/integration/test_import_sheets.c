/* test_import_sheets — `tzctl system import` with the files departments
 * actually hand in: the same ledger rows as a UTF-8 CSV, a GBK CSV (made
 * here with iconv), an .xlsx (made here with libxlsxwriter: a title row,
 * an ignored 序号 column, a header cell with a line break and a required
 * mark, a department merged down over its systems, real date cells and a
 * serial number in a date column, numbers, a boolean, rich text, a cached
 * formula result, shared strings) and a checked-in .xls (made with
 * gnumeric's ssconvert, tests/fixtures/ledger/README) each import to the
 * same records: their CSV exports are byte for byte the same. Then
 * multi-line cells through show --format json, the CSV export and back; a
 * bad cell anywhere refusing the whole workbook and named as Excel names
 * it; one error, not two, for a line break in a name; ignored columns;
 * a header naming nothing; --sheet; a header of two rows. */
#include <criterion/criterion.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <xlsxwriter.h>

#include "civil_day.h"
#include "register.h"
#include "tz_test.h"

#define NOW 1700000000

static char *dir;   /* the test's own temp dir for files */
static char *out;
static char *regs[4];
static size_t nregs;

static void setup(void)
{
    out = NULL;
    nregs = 0;
    dir = tz_test_tmpdir("import-sheets");
}

static void teardown(void)
{
    free(out);
    for (size_t i = 0; i < nregs; i++) {
        tz_test_rm_rf(regs[i]);
        free(regs[i]);
    }
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(sheets, .init = setup, .fini = teardown);

/* A fresh register with the three departments of the rows below. */
static const char *fresh(void)
{
    cr_assert_lt(nregs, sizeof(regs) / sizeof(*regs));
    struct tz_register *reg = tz_test_register_new("sheets", &regs[nregs]);
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "图书馆", NOW, NULL), 0);
    register_close(reg);
    return regs[nregs++];
}

#define TZCTL(data, ...) \
    tz_test_tzctl_run(data, &out, __VA_ARGS__, (const char *)NULL)

/* The register's systems as `tzctl export --format csv` writes them: every
 * field of every system, no timestamps. Malloc'd. */
static char *ledger_csv(const char *data)
{
    char *path = tz_test_path("%s/export-%p.csv", dir, (const void *)data);
    cr_assert_eq(TZCTL(data, "export", "--format", "csv", "-o", path), 0,
                 "%s", out);
    char *csv = tz_test_slurp(path);
    cr_assert_not_null(csv);
    free(path);
    return csv;
}

static cJSON *show_json(const char *data, const char *name)
{
    cr_assert_eq(TZCTL(data, "system", "show", name, "--format", "json"), 0,
                 "%s", out);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsString(v), "%s is not a string", k);
    return v->valuestring;
}

/* ---- the rows, in every format ---- */

#define NCOLS 9
static const char *const header[NCOLS] = {
    "系统名称", "所属单位", "联系方式", "IP地址", "用途", "等保等级",
    "定级备案日期", "对外服务", "备注"};
#define NROWS 4
static const char *const rows[NROWS][NCOLS] = {
    {"教务系统", "教务处", "张三 138 0000 0001\n李四 139 0000 0002",
     "10.1.2.10-10.1.2.20、10.1.3.0/24", "选课\n成绩查询", "S2A3G3",
     "2024-03-01", "是", "迁移中\n2025年停用旧版"},
    {"图书检索", "图书馆", "0834-2580001", "2001:db8::10 - 2001:db8::1f",
     "检索", "二级", "2023-11-20", "否", ""},
    {"实验平台", "计算机学院", "", "192.0.2.7", "教学\n科研", "3",
     "2025-01-02", "yes", "机房A"},
    {"迎新网站", "计算机学院", "wx@example.edu.cn", "10.5.0.1-9;10.5.1.1",
     "迎新", "未定级", "", "否", ""},
};

static void csv_cell(FILE *f, const char *v)
{
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

/* The rows as Excel's "CSV UTF-8" (BOM, CRLF): the reference. */
static char *utf8_csv(void)
{
    char *path = tz_test_path("%s/台账-utf8.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("\xef\xbb\xbf", f);
    for (int i = 0; i < NCOLS; i++)
        fprintf(f, "%s%s", i ? "," : "", header[i]);
    fputs("\r\n", f);
    for (int r = 0; r < NROWS; r++) {
        for (int i = 0; i < NCOLS; i++) {
            if (i)
                fputc(',', f);
            csv_cell(f, rows[r][i]);
        }
        fputs("\r\n", f);
    }
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* The same rows as Excel's plain "CSV (逗号分隔)" on a Chinese Windows:
 * GBK, no BOM (iconv(3), as the conversion would be done by hand). */
static char *gbk_csv(void)
{
    char *src = utf8_csv(), *text = tz_test_slurp(src);
    free(src);
    char *in = text + 3;   /* no BOM in GBK */
    size_t il = strlen(in), ol = il * 2, cap = ol;
    char *buf = malloc(cap), *op = buf;
    iconv_t cd = iconv_open("GBK", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    cr_assert_neq(iconv(cd, &in, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    char *path = tz_test_path("%s/台账-gbk.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, cap - ol, f), cap - ol);
    cr_assert_eq(fclose(f), 0);
    free(buf);
    free(text);
    return path;
}

static double serial_of(int y, unsigned m, unsigned d)
{
    return (double)(civil_day(y, m, d) - civil_day(1899, 12, 30));
}

/* The rows as a department's workbook: title row A1 merged across, a 序号
 * column, the header on row 2 (one cell with a line break and a '*'), the
 * department of the last two rows merged down, dates as date cells, as a
 * serial number and as text, grade 3 a number, 是/yes/TRUE, rich text, a
 * formula with its cached result; a second sheet after it. */
static char *department_xlsx(void)
{
    char *path = tz_test_path("%s/台账.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "系统台账");
    lxw_worksheet *other = workbook_add_worksheet(wb, "说明");
    lxw_format *date = workbook_add_format(wb), *bold = workbook_add_format(wb),
               *wrap = workbook_add_format(wb);
    format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
    format_set_bold(bold);
    format_set_text_wrap(wrap);
    worksheet_merge_range(ws, 0, 0, 0, NCOLS, "计算机学院信息系统台账", bold);
    worksheet_write_string(ws, 1, 0, "序号", bold);
    for (int i = 0; i < NCOLS; i++) {
        const char *h = header[i];
        if (i == 0)
            h = "*系统名称";
        else if (i == 6)
            h = "定级备案\n日期";
        worksheet_write_string(ws, 1, (lxw_col_t)(i + 1), h, bold);
    }
    for (int r = 0; r < NROWS; r++) {
        lxw_row_t row = (lxw_row_t)(r + 2);
        worksheet_write_number(ws, row, 0, r + 1, NULL);
        for (int i = 0; i < NCOLS; i++) {
            lxw_col_t col = (lxw_col_t)(i + 1);
            const char *v = rows[r][i];
            if (v[0] == '\0' || (i == 1 && r == 3))
                continue;   /* 计算机学院 of the last row: merged below */
            if (i == 6 && r == 0) {
                lxw_datetime dt = {2024, 3, 1, 0, 0, 0};
                worksheet_write_datetime(ws, row, col, &dt, date);
            } else if (i == 6 && r == 1) {
                worksheet_write_number(ws, row, col,
                                       serial_of(2023, 11, 20), NULL);
            } else if (i == 6 && r == 2) {
                worksheet_write_string(ws, row, col, "2025/1/2", NULL);
            } else if (i == 5 && r == 2) {
                worksheet_write_number(ws, row, col, 3, NULL);
            } else if (i == 7 && r == 2) {
                worksheet_write_boolean(ws, row, col, 1, NULL);
            } else if (i == 0 && r == 1) {
                lxw_format *b = bold;
                lxw_rich_string_tuple a = {.format = NULL, .string = "图书"},
                                      c = {.format = b, .string = "检索"};
                lxw_rich_string_tuple *parts[] = {&a, &c, NULL};
                worksheet_write_rich_string(ws, row, col, parts, NULL);
            } else if (i == 4 && r == 3) {
                worksheet_write_formula_str(ws, row, col, "=\"迎\"&\"新\"",
                                            NULL, "迎新");
            } else {
                worksheet_write_string(ws, row, col, v,
                                       strchr(v, '\n') ? wrap : NULL);
            }
        }
    }
    worksheet_merge_range(ws, 4, 2, 5, 2, "计算机学院", NULL);
    worksheet_write_string(other, 0, 0, "系统名称", NULL);
    worksheet_write_string(other, 0, 1, "所属单位", NULL);
    worksheet_write_string(other, 1, 0, "别的系统", NULL);
    worksheet_write_string(other, 1, 1, "教务处", NULL);
    cr_assert_eq(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

/* ---- each imports to the same records ---- */

Test(sheets, gbk_csv_imports_the_same_records_as_utf8_and_says_so)
{
    const char *a = fresh(), *b = fresh();
    char *u = utf8_csv(), *g = gbk_csv();
    cr_assert_eq(TZCTL(a, "system", "import", u), 0, "%s", out);
    char *want = tz_test_path("%s: read as CSV, UTF-8\nimported 4 systems\n",
                              u);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL(b, "system", "import", g), 0, "%s", out);
    want = tz_test_path("%s: read as CSV, GB18030 (GBK, as Excel's plain "
                        "\"CSV (逗号分隔)\" saves it)\nimported 4 systems\n",
                        g);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL(b, "system", "import", g, "--format", "json"), 1);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_str_eq(jstr(j, "format"), "csv");
    cr_assert_str_eq(jstr(j, "encoding"), "GB18030");
    cJSON_Delete(j);

    char *ea = ledger_csv(a), *eb = ledger_csv(b);
    cr_assert_str_eq(eb, ea);
    cr_assert(strstr(ea, "\"张三 138 0000 0001\n李四 139 0000 0002\""),
              "%s", ea);
    free(ea);
    free(eb);
    free(u);
    free(g);
}

Test(sheets, xlsx_of_a_department_imports_the_same_records_as_its_csv)
{
    const char *a = fresh(), *b = fresh();
    char *u = utf8_csv(), *x = department_xlsx();
    cr_assert_eq(TZCTL(a, "system", "import", u), 0, "%s", out);
    cr_assert_eq(TZCTL(b, "system", "import", x), 0, "%s", out);
    char *want = tz_test_path(
        "%s: read as XLSX, sheet 系统台账, header on row 2 (the rows above "
        "skipped)\n%s: ignored 1 column that names no ledger field: 序号 "
        "(A)\nimported 4 systems\n", x, x);
    cr_assert_str_eq(out, want);
    free(want);
    char *ea = ledger_csv(a), *eb = ledger_csv(b);
    cr_assert_str_eq(eb, ea);
    free(ea);
    free(eb);

    cJSON *s = show_json(b, "教务系统");
    cr_assert_eq(cJSON_GetObjectItem(s, "mlps_grade")->valueint, 3,
                 "S2A3G3 is grade 3");
    cr_assert_str_eq(jstr(s, "grading_filed_at"), "2024-03-01",
                     "a date cell");
    cJSON *ips = cJSON_GetObjectItem(s, "ips");
    cr_assert_str_eq(cJSON_GetArrayItem(ips, 0)->valuestring,
                     "10.1.2.10-10.1.2.20");
    cJSON_Delete(s);
    s = show_json(b, "图书检索");
    cr_assert_str_eq(jstr(s, "grading_filed_at"), "2023-11-20",
                     "a serial number in a date column");
    cJSON_Delete(s);
    s = show_json(b, "迎新网站");
    cr_assert_str_eq(jstr(s, "dept"), "计算机学院", "merged down");
    cr_assert_str_eq(jstr(s, "purpose"), "迎新", "a formula's result");
    cJSON_Delete(s);
    free(u);
    free(x);
}

/* tests/fixtures/ledger/ledger.xls is ledger.csv beside it converted by
 * gnumeric's ssconvert (the README there says how), title row and all. */
Test(sheets, xls_fixture_imports_the_same_records_as_its_csv)
{
    const char *a = fresh(), *b = fresh();
    cr_assert_eq(TZCTL(a, "system", "import",
                       TZ_FIXTURES "/ledger/ledger.csv"), 0, "%s", out);
    cr_assert_eq(TZCTL(b, "system", "import",
                       TZ_FIXTURES "/ledger/ledger.xls"), 0, "%s", out);
    cr_assert(strstr(out, "ledger.xls: read as XLS, sheet ledger.csv, header on "
                          "row 2 (the rows above skipped)\n"), "%s", out);
    cr_assert(strstr(out, "imported 4 systems\n"), "%s", out);
    char *ea = ledger_csv(a), *eb = ledger_csv(b);
    cr_assert_str_eq(eb, ea);
    cr_assert(strstr(ea, "\"选课\n成绩查询\""), "%s", ea);
    free(ea);
    free(eb);
}

/* ---- multi-line cells ---- */

Test(sheets, multi_line_cells_round_trip_through_show_json_and_csv_export)
{
    const char *a = fresh(), *b = fresh();
    char *x = department_xlsx();
    cr_assert_eq(TZCTL(a, "system", "import", x), 0, "%s", out);
    cJSON *s = show_json(a, "教务系统");
    cr_assert_str_eq(jstr(s, "contact"),
                     "张三 138 0000 0001\n李四 139 0000 0002");
    cr_assert_str_eq(jstr(s, "purpose"), "选课\n成绩查询");
    cr_assert_str_eq(jstr(s, "remarks"), "迁移中\n2025年停用旧版");
    cJSON_Delete(s);
    cr_assert_eq(TZCTL(a, "system", "show", "教务系统"), 0, "%s", out);
    cr_assert(strstr(out, "\n联系方式 (contact): 张三 138 0000 0001\n  李四 "
                          "139 0000 0002\n"), "%s", out);
    cr_assert(strstr(out, "\n备注 (remarks): 迁移中\n  2025年停用旧版\n"), "%s",
              out);

    /* the CSV export keeps them in quoted cells, and imports back */
    char *first = ledger_csv(a);
    cr_assert(strstr(first, ",\"迁移中\n2025年停用旧版\"\r\n"), "%s", first);
    char *path = tz_test_path("%s/again.csv", dir);
    tz_test_write(dir, "again.csv", first);
    cr_assert_eq(TZCTL(b, "system", "import", path), 0, "%s", out);
    s = show_json(b, "教务系统");
    cr_assert_str_eq(jstr(s, "contact"),
                     "张三 138 0000 0001\n李四 139 0000 0002");
    cr_assert_str_eq(jstr(s, "remarks"), "迁移中\n2025年停用旧版");
    cJSON_Delete(s);
    char *second = ledger_csv(b);
    cr_assert_str_eq(second, first);
    free(first);
    free(second);
    free(path);
    free(x);
}

/* ---- problems ---- */

/* A workbook with one bad cell at E7 (定级备案日期 of the fifth system,
 * header on row 2): nothing imported, the cell named as Excel names it. */
static char *workbook_with(const char *sheet, int bad_row, int bad_col,
                           const char *bad)
{
    char *path = tz_test_path("%s/bad-%d-%d.xlsx", dir, bad_row, bad_col);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    static const char *const h[] = {"系统名称", "所属单位", "负责人", "IP地址",
                                    "定级备案日期"};
    worksheet_write_string(ws, 0, 0, "台账", NULL);
    for (lxw_col_t c = 0; c < 5; c++)
        worksheet_write_string(ws, 1, c, h[c], NULL);
    for (lxw_row_t r = 2; r < 9; r++) {
        char name[32];
        snprintf(name, sizeof(name), "系统%u", (unsigned)r);
        const char *v[] = {name, "教务处", "张三", "10.0.0.1", "2024-01-02"};
        for (lxw_col_t c = 0; c < 5; c++)
            worksheet_write_string(ws, r, c, (int)r == bad_row - 1 &&
                                   (int)c == bad_col ? bad : v[c], NULL);
    }
    cr_assert_eq(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

Test(sheets, one_bad_cell_anywhere_refuses_the_workbook_and_is_named)
{
    const char *a = fresh();
    char *x = workbook_with("Sheet1", 7, 4, "2024-02-30");
    cr_assert_eq(TZCTL(a, "system", "import", x), 1, "%s", out);
    char *want = tz_test_path(
        "%s: read as XLSX, sheet Sheet1, header on row 2 (the rows above "
        "skipped)\n"
        "%s: Sheet1!E7: 定级备案日期: \"2024-02-30\" is not a real calendar "
        "date\n"
        "tzctl: nothing imported: 1 error in %s\n", x, x, x);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL(a, "--format", "csv", "systems"), 0);
    cr_assert_str_eq(out, "id,name,dept,owner,mlps_grade,status,hosts\r\n",
                     "nothing imported");
    free(x);

    /* a sheet name with a space is quoted, as Excel quotes it */
    x = workbook_with("My Sheet", 5, 3, "10.0.0.9-10.0.0.1");
    cr_assert_eq(TZCTL(a, "system", "import", x, "--format", "json"), 1);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cJSON *errs = cJSON_GetObjectItem(j, "errors");
    cr_assert_eq(cJSON_GetArraySize(errs), 1, "%s", out);
    cr_assert_str_eq(cJSON_GetArrayItem(errs, 0)->valuestring,
                     "'My Sheet'!D5: IP地址: \"10.0.0.9-10.0.0.1\": the range "
                     "ends before it starts");
    cr_assert_eq(cJSON_GetObjectItem(j, "imported")->valueint, 0);
    cJSON_Delete(j);
    free(x);
}

Test(sheets, a_line_break_in_a_one_line_field_is_one_clear_error)
{
    const char *a = fresh();
    tz_test_write(dir, "nl.csv", "系统名称,所属单位,负责人\r\n"
                                 "\"教务\n系统\",教务处,\"张三\n李四\"\r\n");
    char *p = tz_test_path("%s/nl.csv", dir);
    cr_assert_eq(TZCTL(a, "system", "import", p), 1);
    char *want = tz_test_path(
        "%s: read as CSV, UTF-8\n"
        "%s: line 2: 系统名称: has a line break, and this field is one line "
        "(only 联系方式, 用途, 数据类型, 部署位置 and 备注 take several)\n"
        "%s: line 2: 负责人: has a line break, and this field is one line "
        "(only 联系方式, 用途, 数据类型, 部署位置 and 备注 take several)\n"
        "tzctl: nothing imported: 2 errors in %s\n", p, p, p, p);
    cr_assert_str_eq(out, want, "no \"is empty\" after the line break");
    free(want);
    free(p);
}

Test(sheets, unknown_columns_are_ignored_and_a_header_naming_nothing_refused)
{
    const char *a = fresh();
    tz_test_write(dir, "cols.csv",
                  "序号,系统名称,颜色,所属单位,,填表人\n"
                  "1,甲,红,教务处,,王五\n2,乙,绿,教务处,x,王五\n");
    char *p = tz_test_path("%s/cols.csv", dir);
    cr_assert_eq(TZCTL(a, "system", "import", p), 0, "%s", out);
    cr_assert(strstr(out, ": ignored 4 columns that name no ledger field: "
                          "序号 (A), 颜色 (C), 填表人 (F), (no header) (E)\n"
                          "imported 2 systems\n"), "%s", out);
    free(p);

    tz_test_write(dir, "none.csv", "名称,单位名称,联系人\n甲,教务处,王五\n");
    p = tz_test_path("%s/none.csv", dir);
    cr_assert_eq(TZCTL(a, "system", "import", p), 1);
    cr_assert(strstr(out, "line 1: no header row in the first 20 rows: the "
                          "header names each column by a ledger field: "
                          "系统名称 (name), 所属单位 (dept), 负责人 (owner),"),
              "%s", out);
    cr_assert(strstr(out, "备注 (remarks)\n"), "%s", out);
    free(p);
}

Test(sheets, sheet_option_picks_a_sheet_and_an_unknown_one_lists_them)
{
    const char *a = fresh();
    char *x = department_xlsx();
    cr_assert_eq(TZCTL(a, "system", "import", x, "--sheet", "说明"), 0, "%s",
                 out);
    cr_assert(strstr(out, "read as XLSX, sheet 说明\nimported 1 system\n"),
              "%s", out);
    cr_assert_eq(TZCTL(a, "system", "import", x, "--sheet", "Sheet9"), 1);
    char *want = tz_test_path("tzctl: %s: no sheet \"Sheet9\": the workbook "
                              "has 系统台账, 说明\n", x);
    cr_assert_str_eq(out, want);
    free(want);
    cr_assert_eq(TZCTL(a, "system", "import", TZ_FIXTURES
                       "/ledger/ledger.csv", "--sheet", "x"), 1);
    cr_assert(strstr(out, "a CSV file has no sheets"), "%s", out);
    free(x);
}

/* Group titles over some fields, the others merged down over both rows. */
Test(sheets, a_header_of_two_rows_is_read_as_one)
{
    const char *a = fresh();
    char *path = tz_test_path("%s/two.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "台账");
    worksheet_merge_range(ws, 0, 0, 1, 0, "系统名称", NULL);
    worksheet_merge_range(ws, 0, 1, 1, 1, "所属单位", NULL);
    worksheet_merge_range(ws, 0, 2, 0, 3, "备案情况", NULL);
    worksheet_write_string(ws, 1, 2, "ICP备案号", NULL);
    worksheet_write_string(ws, 1, 3, "公安备案号", NULL);
    worksheet_write_string(ws, 2, 0, "教务系统", NULL);
    worksheet_write_string(ws, 2, 1, "教务处", NULL);
    worksheet_write_string(ws, 2, 2, "蜀ICP备1号", NULL);
    worksheet_write_string(ws, 2, 3, "51010002000001", NULL);
    cr_assert_eq(workbook_close(wb), LXW_NO_ERROR);
    cr_assert_eq(TZCTL(a, "system", "import", path), 0, "%s", out);
    cr_assert(strstr(out, "read as XLSX, sheet 台账, a header of two rows\n"
                          "imported 1 system\n"), "%s", out);
    cJSON *s = show_json(a, "教务系统");
    cr_assert_str_eq(jstr(s, "icp_filing"), "蜀ICP备1号");
    cr_assert_str_eq(jstr(s, "psb_filing"), "51010002000001");
    cJSON_Delete(s);
    free(path);
}

/* A file named like a workbook that is none says what to do. */
Test(sheets, a_csv_named_xlsx_is_refused_saying_so)
{
    const char *a = fresh();
    tz_test_write(dir, "fake.xlsx", "系统名称,所属单位\n甲,教务处\n");
    char *p = tz_test_path("%s/fake.xlsx", dir);
    cr_assert_eq(TZCTL(a, "system", "import", p), 1);
    cr_assert(strstr(out, "the name says Excel, but the file is no Excel "
                          "workbook"), "%s", out);
    free(p);
}
