/* test_sheet — the spreadsheet readers under the ledger import: column
 * letters and references as Excel writes them, serial dates, numbers in
 * General format; an .xlsx built here part by part with libzip (shared
 * strings with rich and phonetic runs, inline strings, formula results,
 * booleans, errors, ISO and styled dates, _xHHHH_ escapes, cells without
 * references, merges filled down only where rows are) and every hostile
 * shape it may take (a zip bomb, a lying size header, too many entries,
 * a DOCTYPE, deep nesting, too many shared strings, a value past the last
 * column, a cell too long, rows out of order, a string index past the
 * end); the .xls fixture through FreeXL, and damaged .xls files. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "sheet.h"
#include "sheet_table.h"
#include "sheet_xls.h"
#include "sheet_xlsx.h"
#include "tz_test.h"

static char *dir;
static struct tz_error err;
static struct sheet_table *table;

static void setup(void)
{
    dir = tz_test_tmpdir("sheet");
    memset(&err, 0, sizeof(err));
    table = NULL;
}

static void teardown(void)
{
    sheet_table_free(table);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(sheet, .init = setup, .fini = teardown);

/* ---- names and numbers ---- */

Test(sheet, column_letters_and_references_as_excel_writes_them)
{
    static const struct {
        size_t col;
        const char *name;
    } cols[] = {{0, "A"},    {25, "Z"},    {26, "AA"},   {51, "AZ"},
                {52, "BA"},  {701, "ZZ"},  {702, "AAA"}, {16383, "XFD"}};
    char b[SHEET_COL_NAME], ref[128];
    for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
        sheet_col_name(cols[i].col, b);
        cr_assert_str_eq(b, cols[i].name);
    }
    sheet_ref("Sheet1", 4, 7, ref, sizeof(ref));
    cr_assert_str_eq(ref, "Sheet1!E7");
    sheet_ref("系统台账", 0, 1, ref, sizeof(ref));
    cr_assert_str_eq(ref, "系统台账!A1");
    sheet_ref("My Sheet", 0, 1, ref, sizeof(ref));
    cr_assert_str_eq(ref, "'My Sheet'!A1");
    sheet_ref("It's", 1, 2, ref, sizeof(ref));
    cr_assert_str_eq(ref, "'It''s'!B2");
    sheet_ref("2024", 0, 1, ref, sizeof(ref));
    cr_assert_str_eq(ref, "'2024'!A1");
}

Test(sheet, serial_numbers_are_the_dates_excel_shows)
{
    char b[SHEET_DATE_STRLEN];
    cr_assert_eq(sheet_serial_date(45352, 0, b), 0);
    cr_assert_str_eq(b, "2024-03-01");
    cr_assert_eq(sheet_serial_date(1, 0, b), 0);
    cr_assert_str_eq(b, "1900-01-01");
    cr_assert_eq(sheet_serial_date(59, 0, b), 0);
    cr_assert_str_eq(b, "1900-02-28");
    cr_assert_eq(sheet_serial_date(60, 0, b), TZ_EINVAL,
                 "Lotus's 1900-02-29 never was");
    cr_assert_eq(sheet_serial_date(61, 0, b), 0);
    cr_assert_str_eq(b, "1900-03-01");
    cr_assert_eq(sheet_serial_date(45352.5, 0, b), 0);
    cr_assert_str_eq(b, "2024-03-01 12:00");
    cr_assert_eq(sheet_serial_date(45352 + 3661.0 / 86400, 0, b), 0);
    cr_assert_str_eq(b, "2024-03-01 01:01:01");
    cr_assert_eq(sheet_serial_date(45352 - 1462, 1, b), 0, "1904 system");
    cr_assert_str_eq(b, "2024-03-01");
    cr_assert_eq(sheet_serial_date(0, 1, b), 0);
    cr_assert_str_eq(b, "1904-01-01");
    cr_assert_eq(sheet_serial_date(0.5, 0, b), TZ_EINVAL);
    cr_assert_eq(sheet_serial_date(2958466, 0, b), TZ_EINVAL);
    cr_assert_eq(sheet_serial_date(1.0 / 0.0, 0, b), TZ_EINVAL);
}

Test(sheet, numbers_read_as_general_format_shows_them)
{
    char b[SHEET_NUM_STRLEN];
    sheet_number_text(3, b);
    cr_assert_str_eq(b, "3");
    sheet_number_text(0.1 + 0.2, b);
    cr_assert_str_eq(b, "0.3");
    sheet_number_text(13800000000.0, b);
    cr_assert_str_eq(b, "13800000000");
    sheet_number_text(-0.0, b);
    cr_assert_str_eq(b, "0");
    sheet_number_text(2.5, b);
    cr_assert_str_eq(b, "2.5");
}

/* ---- an .xlsx part by part ---- */

#define RELS                                                                \
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas."         \
    "openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" " \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"         \
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"           \
    "</Relationships>"
#define WB_RELS                                                             \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/" \
    "relationships\"><Relationship Id=\"rId1\" Type=\"http://x/worksheet\" "  \
    "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "          \
    "Type=\"http://x/sharedStrings\" Target=\"/xl/sharedStrings.xml\"/>"    \
    "<Relationship Id=\"rId3\" Type=\"http://x/styles\" "                   \
    "Target=\"./styles.xml\"/><Relationship Id=\"rId4\" "                   \
    "Type=\"http://x/worksheet\" Target=\"worksheets/../worksheets/"        \
    "sheet2.xml\"/></Relationships>"
#define WORKBOOK(pr)                                                        \
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"    \
    "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/"              \
    "officeDocument/2006/relationships\">" pr "<sheets>"                    \
    "<sheet name=\"hidden\" sheetId=\"2\" state=\"hidden\" r:id=\"rId4\"/>"  \
    "<sheet name=\"台账\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define SST                                                                 \
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"    \
    "main\"><si><t>系统名称</t></si><si><r><rPr><b/></rPr><t>教务</t></r>"  \
    "<r><t xml:space=\"preserve\">系统</t></r><rPh sb=\"0\" eb=\"1\">"       \
    "<t>ジ</t></rPh></si><si><t>a_x000D_\nb_x005F_x0041_</t></si></sst>"
#define STYLES                                                              \
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"  \
    "2006/main\"><numFmts count=\"1\"><numFmt numFmtId=\"176\" "            \
    "formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"     \
    "<numFmt numFmtId=\"177\" formatCode=\"0.00&quot;d&quot;\"/></numFmts>" \
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"        \
    "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"176\"/>"       \
    "<xf numFmtId=\"14\"/><xf numFmtId=\"177\"/></cellXfs></styleSheet>"
#define SHEET_HEAD                                                          \
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"   \
    "2006/main\"><sheetData>"

struct part {
    const char *name, *data;
    size_t len;   /* 0: strlen(data) */
};

/* A zip of the parts, written with libzip; returns its bytes (malloc'd). */
static char *zip_of(const struct part *parts, size_t n, size_t *len)
{
    char *path = tz_test_path("%s/t.xlsx", dir);
    remove(path);
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    cr_assert_not_null(z);
    for (size_t i = 0; i < n; i++) {
        size_t l = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *s = zip_source_buffer(z, parts[i].data, l, 0);
        cr_assert_not_null(s);
        cr_assert_geq(zip_file_add(z, parts[i].name, s, ZIP_FL_OVERWRITE), 0);
    }
    cr_assert_eq(zip_close(z), 0);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    free(path);
    *len = (size_t)size;
    return buf;
}

static const struct sheet_limits defaults = SHEET_LIMITS_DEFAULT;

/* The standard parts with this sheet1 (and sheet2 "hidden"). */
static int read_book(const char *sheet1, const char *workbook,
                     const struct sheet_limits *lim, const char *want)
{
    struct part parts[] = {
        {"_rels/.rels", RELS, 0},
        {"xl/workbook.xml", workbook ? workbook : WORKBOOK(""), 0},
        {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
        {"xl/sharedStrings.xml", SST, 0},
        {"xl/styles.xml", STYLES, 0},
        {"xl/worksheets/sheet1.xml", sheet1, 0},
        {"xl/worksheets/sheet2.xml", SHEET_HEAD "</sheetData></worksheet>", 0},
    };
    size_t len;
    char *zip = zip_of(parts, sizeof(parts) / sizeof(*parts), &len);
    sheet_table_free(table);
    table = NULL;
    int rc = sheet_xlsx_read(zip, len, "t.xlsx", want, lim ? lim : &defaults,
                             &table, &err);
    free(zip);
    return rc;
}

static void next_row(long want_row, size_t want_n, struct sheet_row *r)
{
    cr_assert_eq(sheet_table_next(table, r), 1, "no row %ld", want_row);
    cr_assert_eq(r->row, want_row);
    cr_assert_eq(r->n, want_n, "row %ld has %zu cells", r->row, r->n);
}

static void cell_is(const struct sheet_row *r, size_t col,
                    enum sheet_kind kind, const char *text)
{
    cr_assert_eq(r->cells[col].kind, kind, "row %ld col %zu: kind %d",
                 r->row, col, r->cells[col].kind);
    cr_assert_str_eq(r->cells[col].text, text, "row %ld col %zu", r->row,
                     col);
}

Test(sheet, xlsx_cells_of_every_kind_read_as_excel_shows_them)
{
    const char *s1 =
        SHEET_HEAD
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"s\">"
        "<v>1</v></c></row>"
        "<row><c t=\"inlineStr\"><is><t>inline</t></is></c>"   /* A3 */
        "<c t=\"str\"><f>A1&amp;\"x\"</f><v>formula</v></c>"    /* B3 */
        "<c t=\"b\"><v>1</v></c><c t=\"e\"><v>#N/A</v></c>"      /* C3 D3 */
        "<c s=\"1\"><v>45352</v></c><c s=\"2\"><v>45352.5</v></c>"
        "<c s=\"3\"><v>7</v></c><c><v>0.30000000000000004</v></c>"
        "<c t=\"d\"><v>2024-03-01T00:00:00</v></c>"             /* I3 */
        "<c t=\"s\"><v>2</v></c></row>"                         /* J3 */
        "<row r=\"5\"><c r=\"B5\"><v>1</v></c></row>"
        "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t></t></is></c></row>"
        "<row r=\"7\"><c r=\"B7\"><v>2</v></c></row>"
        "</sheetData><mergeCells count=\"2\"><mergeCell ref=\"A3:A7\"/>"
        "<mergeCell ref=\"C2:D2\"/></mergeCells></worksheet>";
    cr_assert_eq(read_book(s1, NULL, NULL, NULL), 0, "%s", err.msg);
    cr_assert_str_eq(sheet_table_name(table), "台账",
                     "the first sheet not hidden");
    struct sheet_row r;
    next_row(2, 3, &r);
    cell_is(&r, 0, SHEET_TEXT, "系统名称");
    cell_is(&r, 1, SHEET_EMPTY, "");
    cell_is(&r, 2, SHEET_TEXT, "教务系统");   /* rich runs, no phonetic */
    next_row(3, 10, &r);
    cell_is(&r, 0, SHEET_TEXT, "inline");
    cell_is(&r, 1, SHEET_TEXT, "formula");
    cell_is(&r, 2, SHEET_BOOL, "TRUE");
    cell_is(&r, 3, SHEET_ERROR, "#N/A");
    cell_is(&r, 4, SHEET_DATE, "2024-03-01");
    cell_is(&r, 5, SHEET_DATE, "2024-03-01 12:00");
    cell_is(&r, 6, SHEET_NUMBER, "7");   /* "d" in quotes is no date */
    cell_is(&r, 7, SHEET_NUMBER, "0.3");
    cell_is(&r, 8, SHEET_DATE, "2024-03-01");
    cell_is(&r, 9, SHEET_TEXT, "a\r\nb_x0041_");
    /* merged A3:A7 fills rows 5 and 7 (they have cells), not 4 or 6 */
    next_row(5, 2, &r);
    cell_is(&r, 0, SHEET_TEXT, "inline");
    cell_is(&r, 1, SHEET_NUMBER, "1");
    next_row(7, 2, &r);
    cell_is(&r, 0, SHEET_TEXT, "inline");
    cr_assert_eq(sheet_table_next(table, &r), 0, "row 6 is empty");

    /* --sheet takes a hidden one by name; a missing name lists them */
    cr_assert_eq(read_book(s1, NULL, NULL, "HIDDEN"), 0, "%s", err.msg);
    cr_assert_str_eq(sheet_table_name(table), "hidden");
    cr_assert_eq(read_book(s1, NULL, NULL, "x"), TZ_EINVAL);
    cr_assert_str_eq(err.msg, "no sheet \"x\": the workbook has hidden, 台账");

    /* 1904 dates */
    cr_assert_eq(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"A1\" s=\"2\"><v>"
                           "43890</v></c></row></sheetData></worksheet>",
                           WORKBOOK("<workbookPr date1904=\"1\"/>"), NULL,
                           NULL), 0, "%s", err.msg);
    next_row(1, 1, &r);
    cell_is(&r, 0, SHEET_DATE, "2024-03-01");
}

/* ---- hostile workbooks ---- */

static void refused(int rc, int code, const char *needle)
{
    cr_assert_eq(rc, code, "rc %d: %s", rc, err.msg);
    cr_assert(strstr(err.msg, needle), "%s", err.msg);
    cr_assert_null(table);
}

Test(sheet, a_zip_bomb_stops_at_the_bound)
{
    /* 8 MiB of one byte inflates from a few KiB */
    size_t big = (size_t)8 << 20;
    char *xml = malloc(big + 1);
    memset(xml, ' ', big);
    memcpy(xml, SHEET_HEAD, strlen(SHEET_HEAD));
    xml[big] = '\0';
    struct sheet_limits lim = defaults;
    lim.max_entry = (size_t)1 << 20;
    refused(read_book(xml, NULL, &lim, NULL), TZ_ELIMIT,
            "xl/worksheets/sheet1.xml inflates to 8388608 bytes, more than "
            "the limit of 1048576 (a zip bomb?)");
    free(xml);
}

/* The same bomb with its size headers forged small: whatever libzip makes
 * of the lie, the reader stops at its own count of inflated bytes (or at
 * the damage), never runs on. */
Test(sheet, a_lying_size_header_is_not_trusted)
{
    size_t big = (size_t)8 << 20;
    char *xml = malloc(big + 1);
    memset(xml, ' ', big);
    memcpy(xml, SHEET_HEAD, strlen(SHEET_HEAD));
    xml[big] = '\0';
    struct part parts[] = {
        {"_rels/.rels", RELS, 0}, {"xl/workbook.xml", WORKBOOK(""), 0},
        {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
        {"xl/worksheets/sheet1.xml", xml, big}};
    size_t len;
    char *zip = zip_of(parts, 4, &len);
    /* every local and central header's uncompressed size: 100 bytes */
    size_t patched = 0;
    for (size_t i = 0; i + 30 < len; i++) {
        uint32_t want = (uint32_t)big;
        if (memcmp(zip + i, "PK\x03\x04", 4) == 0 &&
            memcmp(zip + i + 22, &want, 4) == 0) {
            memcpy(zip + i + 22, &(uint32_t){100}, 4);
            patched++;
        }
        if (memcmp(zip + i, "PK\x01\x02", 4) == 0 && i + 28 < len &&
            memcmp(zip + i + 24, &want, 4) == 0) {
            memcpy(zip + i + 24, &(uint32_t){100}, 4);
            patched++;
        }
    }
    cr_assert_eq(patched, 2, "both headers of the sheet");
    struct sheet_limits lim = defaults;
    lim.max_entry = (size_t)1 << 20;
    int rc = sheet_xlsx_read(zip, len, "t.xlsx", NULL, &lim, &table, &err);
    cr_assert(rc == TZ_ELIMIT || rc == TZ_EPARSE, "rc %d: %s", rc, err.msg);
    cr_assert_null(table);
    free(zip);
    free(xml);
}

Test(sheet, too_many_entries_are_refused_before_any_is_read)
{
    struct part parts[40];
    char names[40][32];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "junk/%d", i);
        parts[i] = (struct part){names[i], "x", 0};
    }
    size_t len;
    char *zip = zip_of(parts, 40, &len);
    struct sheet_limits lim = defaults;
    lim.max_entries = 32;
    refused(sheet_xlsx_read(zip, len, "t.xlsx", NULL, &lim, &table, &err),
            TZ_ELIMIT, "the zip has 40 entries, more than the limit of 32");
    free(zip);
}

Test(sheet, a_doctype_and_deep_nesting_are_refused)
{
    refused(read_book("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>" SHEET_HEAD
                      "</sheetData></worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "a DOCTYPE, which no workbook has");
    char deep[4096] = SHEET_HEAD;
    for (int i = 0; i < 100; i++)
        strcat(deep, "<a>");
    refused(read_book(deep, NULL, NULL, NULL), TZ_ELIMIT,
            "XML nested deeper than 64 elements");
    refused(read_book(SHEET_HEAD "<row", NULL, NULL, NULL), TZ_EPARSE,
            "xl/worksheets/sheet1.xml line 1: not XML");
}

Test(sheet, counts_and_lengths_are_bounded_and_named)
{
    struct sheet_limits lim = defaults;
    lim.max_strings = 2;
    refused(read_book(SHEET_HEAD "</sheetData></worksheet>", NULL, &lim,
                      NULL), TZ_ELIMIT, "more than 2 shared strings");
    refused(read_book(SHEET_HEAD "<row r=\"9\"><c r=\"IW9\" t=\"inlineStr\">"
                      "<is><t>x</t></is></c></row></sheetData></worksheet>",
                      NULL, NULL, NULL),
            TZ_ELIMIT, "台账!IW9: a value right of column IV (the limit is "
                       "256 columns)");
    lim = defaults;
    lim.max_cell = 8;
    refused(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"B1\" t=\"inlineStr\">"
                      "<is><t>0123456789</t></is></c></row></sheetData>"
                      "</worksheet>", NULL, &lim, NULL),
            TZ_ELIMIT, "a text longer than 8 bytes");
    lim = defaults;
    lim.max_rows = 2;
    refused(read_book(SHEET_HEAD "<row><c><v>1</v></c></row><row><c><v>1</v>"
                      "</c></row><row><c><v>1</v></c></row></sheetData>"
                      "</worksheet>", NULL, &lim, NULL),
            TZ_ELIMIT, "台账!A3: more than 2 rows with values");
    lim = defaults;
    lim.max_merges = 1;
    refused(read_book(SHEET_HEAD "</sheetData><mergeCells><mergeCell "
                      "ref=\"A1:A9\"/><mergeCell ref=\"B1:B9\"/></mergeCells>"
                      "</worksheet>", NULL, &lim, NULL),
            TZ_ELIMIT, "more than 1 merged ranges");
}

Test(sheet, damaged_sheets_say_so)
{
    refused(read_book(SHEET_HEAD "<row r=\"5\"/><row r=\"3\"/></sheetData>"
                      "</worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "row \"3\" after row 5");
    refused(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"B1\"><v>1</v></c>"
                      "<c r=\"A1\"><v>1</v></c></row></sheetData>"
                      "</worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "台账!A1: the cells are out of order");
    refused(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>3</v>"
                      "</c></row></sheetData></worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "台账!A1: refers to a shared string that is not there");
    refused(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"A1\"><v>1x</v></c>"
                      "</row></sheetData></worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "台账!A1: a number that is not one");
    refused(read_book(SHEET_HEAD "<row r=\"1\"><c r=\"A2\"><v>1</v></c>"
                      "</row></sheetData></worksheet>", NULL, NULL, NULL),
            TZ_EPARSE, "a cell \"A2\" in row 1");
    const char junk[] = "PK\x03\x04 not really a zip";
    refused(sheet_xlsx_read(junk, sizeof(junk) - 1, "t.xlsx", NULL, &defaults,
                            &table, &err),
            TZ_EPARSE, "not a readable .xlsx");
    struct part only[] = {{"hello.txt", "hi", 0}};
    size_t len;
    char *zip = zip_of(only, 1, &len);
    refused(sheet_xlsx_read(zip, len, "t.xlsx", NULL, &defaults, &table,
                            &err),
            TZ_EPARSE, "a zip, but no Excel workbook in it");
    free(zip);
}

/* ---- .xls through FreeXL ---- */

Test(sheet, the_xls_fixture_reads_through_freexl)
{
    struct sheet *s;
    cr_assert_eq(sheet_open(TZ_FIXTURES "/ledger/ledger.xls", NULL, NULL, &s,
                            &err), 0, "%s", err.msg);
    cr_assert_eq(sheet_info(s)->format, SHEET_XLS);
    cr_assert_str_eq(sheet_info(s)->sheet, "ledger.csv");
    struct sheet_row r;
    cr_assert_eq(sheet_next(s, &r, &err), 1);
    cr_assert_eq(r.row, 1);
    cr_assert_str_eq(r.cells[0].text, "计算机学院信息系统台账");
    cr_assert_eq(sheet_next(s, &r, &err), 1);
    cr_assert_eq(r.row, 2);
    cr_assert_eq(r.n, 9);
    cr_assert_str_eq(r.cells[8].text, "备注");
    cr_assert_eq(sheet_next(s, &r, &err), 1);
    cr_assert_str_eq(r.cells[2].text, "张三 138 0000 0001\n李四 139 0000 0002");
    cr_assert_eq(r.cells[6].kind, SHEET_DATE);
    cr_assert_str_eq(r.cells[6].text, "2024-03-01");
    sheet_close(s);
    cr_assert_eq(sheet_open(TZ_FIXTURES "/ledger/ledger.xls", "nope", NULL,
                            &s, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "no sheet \"nope\": the workbook has "
                              "ledger.csv"), "%s", err.msg);
}

static char *slurp_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *b = malloc((size_t)size);
    cr_assert_eq(fread(b, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return b;
}

Test(sheet, damaged_xls_files_are_refused_not_read_past)
{
    size_t size;
    char *whole = slurp_fixture(TZ_FIXTURES "/ledger/ledger.xls", &size);
    /* cut short at several points, and with its middle scrambled */
    for (size_t cut = 8; cut < size; cut += size / 7) {
        int rc = sheet_xls_read(whole, cut, "cut.xls", NULL, &defaults,
                                &table, &err);
        if (rc == 0) {
            sheet_table_free(table);   /* what FreeXL read is bounded */
            table = NULL;
        } else {
            cr_assert(rc == TZ_EPARSE || rc == TZ_ELIMIT, "%d: %s", rc,
                      err.msg);
        }
    }
    for (size_t i = 512; i < size; i += 97)
        whole[i] ^= 0x5a;
    int rc = sheet_xls_read(whole, size, "x.xls", NULL, &defaults, &table,
                            &err);
    cr_assert(rc == 0 || rc == TZ_EPARSE || rc == TZ_ELIMIT, "%d", rc);
    free(whole);
}

/* The input fuzz_xls found FreeXL 1.0.6 reading past a stack buffer with:
 * the crash stays in the jail's child and comes back as a refusal. */
Test(sheet, a_file_that_crashes_freexl_is_refused_not_fatal)
{
    size_t size;
    char *bad = slurp_fixture(TZ_FIXTURES "/ledger/freexl-overread.xls",
                              &size);
    int rc = sheet_xls_read(bad, size, "bad.xls", NULL, &defaults, &table,
                            &err);
    cr_assert(rc == TZ_EPARSE, "%d: %s", rc, err.msg);
    cr_assert_null(table);
    free(bad);
    /* the jail's bounds hold for what comes back: a tiny cell limit */
    struct sheet_limits lim = defaults;
    lim.max_cell = 4;
    char *good = slurp_fixture(TZ_FIXTURES "/ledger/ledger.xls", &size);
    rc = sheet_xls_read(good, size, "ledger.xls", NULL, &lim, &table, &err);
    cr_assert(rc == TZ_ELIMIT, "%d: %s", rc, err.msg);
    cr_assert_null(table);
    free(good);
}

/* ---- the header search both imports share ---- */

static int names_a_dept(const struct sheet_row *row)
{
    return row->n > 0 && strcmp(row->cells[0].text, "单位") == 0;
}

/* sheet_find_header over a CSV of text, with a scan of scan rows. */
static int header_in(const char *text, int scan, struct sheet_row *row,
                     long *first, struct sheet **s)
{
    tz_test_write(dir, "h.csv", text);
    char *p = tz_test_path("%s/h.csv", dir);
    cr_assert_eq(sheet_open(p, NULL, NULL, s, &err), 0, "%s", err.msg);
    free(p);
    return sheet_find_header(*s, scan, names_a_dept, "h.csv", "department",
                             row, first, &err);
}

Test(sheet, find_header_skips_a_title_above_the_header)
{
    struct sheet *s;
    struct sheet_row row;
    long first = -1;
    cr_assert_eq(header_in("各单位名单\n\n单位,电话\n教务处,1\n", 3, &row,
                           &first, &s), 1, "%s", err.msg);
    cr_expect_eq(row.row, 3);
    cr_expect_str_eq(row.cells[1].text, "电话");
    cr_expect_eq(first, 1);
    cr_assert_eq(sheet_next(s, &row, &err), 1);
    cr_expect_str_eq(row.cells[0].text, "教务处");
    sheet_close(s);
}

Test(sheet, find_header_gives_up_after_scan_rows)
{
    struct sheet *s;
    struct sheet_row row;
    long first = -1;
    cr_expect_eq(header_in("\n标题\n说明\n单位\n", 2, &row, &first, &s), 0);
    cr_expect_eq(first, 2);
    sheet_close(s);
}

Test(sheet, find_header_of_an_empty_file_says_so)
{
    struct sheet *s;
    struct sheet_row row;
    long first = -1;
    cr_expect_eq(header_in("", 20, &row, &first, &s), TZ_EPARSE);
    cr_expect_str_eq(err.msg, "the file is empty: it needs a header row and "
                              "a row per department");
    cr_expect_str_eq(err.file, "h.csv");
    sheet_close(s);
}
