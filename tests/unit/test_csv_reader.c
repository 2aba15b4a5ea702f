/* test_csv_reader — files as Excel and WPS write them (BOM, CRLF, quotes,
 * line breaks inside cells), the line each record starts on, and every way
 * a file is refused: bad quoting, bounds, and encodings that are not UTF-8. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"
#include "tz_test.h"

static struct csv_reader *r;
static struct tz_error err;

static void teardown(void)
{
    csv_close(r);
    r = NULL;
}

TestSuite(csv, .fini = teardown);

static void open_str(const char *s)
{
    memset(&err, 0, sizeof(err));
    csv_close(r);
    r = NULL;
    cr_assert_eq(csv_open_mem(s, strlen(s), "t.csv", NULL, &r, &err), 0,
                 "%s", err.msg);
}

/* The next record must be exactly these fields, starting on line. */
static void expect(long line, size_t n, ...)
{
    struct csv_record rec;
    int rc = csv_next(r, &rec, &err);
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err.msg);
    cr_assert_eq(rec.line, line, "record starts on line %ld, not %ld",
                 rec.line, line);
    cr_assert_eq(rec.n, n, "%zu fields", rec.n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(rec.fields[i], va_arg(ap, const char *),
                         "field %zu", i);
    va_end(ap);
}

static void expect_end(void)
{
    struct csv_record rec;
    cr_assert_eq(csv_next(r, &rec, &err), 0, "%s", err.msg);
}

static void expect_error(int code, long line, const char *needle)
{
    struct csv_record rec;
    int rc;
    while ((rc = csv_next(r, &rec, &err)) == 1)
        ;
    cr_assert_eq(rc, code, "rc %d (%s)", rc, err.msg);
    cr_assert_eq(err.line, line, "error on line %ld: %s", err.line, err.msg);
    cr_assert(strstr(err.msg, needle), "%s", err.msg);
    cr_assert_str_eq(err.file, "t.csv");
}

Test(csv, bom_and_crlf_as_excel_writes_them)
{
    open_str("\xef\xbb\xbf系统名称,所属单位\r\n教务系统,教务处\r\n");
    expect(1, 2, "系统名称", "所属单位");
    expect(2, 2, "教务系统", "教务处");
    expect_end();
}

Test(csv, lf_without_final_newline_and_empty_fields)
{
    open_str("a,b,c\n,,\nx,,z");
    expect(1, 3, "a", "b", "c");
    expect(2, 3, "", "", "");
    expect(3, 3, "x", "", "z");
    expect_end();
}

Test(csv, quotes_with_doubled_quotes_and_separators_inside)
{
    open_str("\"a,b\",\"say \"\"hi\"\"\",\"\",plain\r\n\"\"\"\"\r\n");
    expect(1, 4, "a,b", "say \"hi\"", "", "plain");
    expect(2, 1, "\"");
    expect_end();
}

Test(csv, embedded_newlines_keep_the_start_line_of_each_record)
{
    open_str("h1,h2\r\n"
             "one,\"line a\r\nline b\nline c\"\r\n"
             "two,\"x\"\r\n"
             "\r\n"
             "three,\"\n\"\n");
    expect(1, 2, "h1", "h2");
    expect(2, 2, "one", "line a\r\nline b\nline c");
    expect(5, 2, "two", "x");
    expect(7, 2, "three", "\n");
    expect_end();
}

Test(csv, blank_lines_are_skipped)
{
    open_str("\r\n\na\r\n\r\n\r\nb\n\n");
    expect(3, 1, "a");
    expect(6, 1, "b");
    expect_end();
}

Test(csv, empty_file_and_bom_only_have_no_records)
{
    open_str("");
    expect_end();
    open_str("\xef\xbb\xbf");
    expect_end();
}

Test(csv, quote_in_an_unquoted_field_is_an_error_with_its_line)
{
    open_str("a,b\nc,d\ne,5\"x\n");
    expect_error(TZ_EPARSE, 3, "a quote in the middle of an unquoted field");
}

Test(csv, text_after_a_closing_quote_is_an_error)
{
    open_str("a\n\"ab\"c,d\n");
    expect_error(TZ_EPARSE, 2, "text after the closing quote");
}

Test(csv, unterminated_quote_names_the_line_it_opened_on)
{
    open_str("a,b\nc,\"open\nstill\nopen\n");
    expect_error(TZ_EPARSE, 2, "never closes");
}

Test(csv, field_record_and_file_bounds)
{
    struct csv_limits lim = {1000, 8, 3, 2};
    memset(&err, 0, sizeof(err));
    cr_assert_eq(csv_open_mem("12345678,\"12345678\"\n", 20, "t.csv", &lim,
                              &r, &err), 0);
    expect(1, 2, "12345678", "12345678");
    csv_close(r);
    cr_assert_eq(csv_open_mem("a\n123456789\n", 12, "t.csv", &lim, &r, &err),
                 0);
    expect_error(TZ_ELIMIT, 2, "longer than 8 bytes");
    csv_close(r);
    cr_assert_eq(csv_open_mem("\"1\n23456789\"\n", 13, "t.csv", &lim, &r,
                              &err), 0);
    expect_error(TZ_ELIMIT, 1, "longer than 8 bytes");
    csv_close(r);
    cr_assert_eq(csv_open_mem("a,b,c,d\n", 8, "t.csv", &lim, &r, &err), 0);
    expect_error(TZ_ELIMIT, 1, "more than 3 fields");
    csv_close(r);
    cr_assert_eq(csv_open_mem("a\nb\nc\n", 6, "t.csv", &lim, &r, &err), 0);
    expect_error(TZ_ELIMIT, 3, "more than 2 records");
    csv_close(r);
    r = NULL;
    char big[1001];
    memset(big, 'a', sizeof(big));
    cr_assert_eq(csv_open_mem(big, sizeof(big), "t.csv", &lim, &r, &err),
                 TZ_ELIMIT);
    cr_assert_null(r);
    cr_assert(strstr(err.msg, "the limit is 1000"), "%s", err.msg);
}

Test(csv, default_bounds_are_the_documented_ones)
{
    struct csv_limits d = CSV_LIMITS_DEFAULT;
    cr_assert_eq(d.max_bytes, 64u << 20);
    cr_assert_eq(d.max_field, 64u << 10);
    cr_assert_eq(d.max_fields, 256);
    cr_assert_eq(d.max_records, 100000);
}

static void refused(const void *data, size_t len, long line,
                    const char *detail)
{
    memset(&err, 0, sizeof(err));
    struct csv_reader *x = NULL;
    cr_assert_eq(csv_open_mem(data, len, "t.csv", NULL, &x, &err), TZ_EPARSE);
    cr_assert_null(x);
    cr_assert(strstr(err.msg, "in Excel save it as 'CSV UTF-8 (逗号分隔)'") ||
              strstr(err.msg, "is not UTF-8"), "%s", err.msg);
    cr_assert(strstr(err.msg, detail), "%s", err.msg);
    cr_assert_eq(err.line, line);
}

Test(csv, utf16_and_what_is_neither_utf8_nor_gbk_are_refused)
{
    /* "系统名称\r\n" in UTF-16LE with its BOM, as Excel's "Unicode text" */
    const unsigned char u16[] = {0xff, 0xfe, 0xfb, 0x7c, 0xdf, 0x7e, 0x0d,
                                 0x54, 0xf0, 0x79, 0x0d, 0x00, 0x0a, 0x00};
    refused(u16, sizeof(u16), 1, "UTF-16");
    /* UTF-16LE without a BOM: NUL bytes in ASCII text */
    const char u16nobom[] = "a\0,\0b\0";
    refused(u16nobom, sizeof(u16nobom) - 1, 1, "NUL");
    /* 0xFF is no byte of GB18030: the line that has it is named */
    const char neither[] = "name,dept\r\nx,y\r\n\xcf\xb5\xff,x\r\n";
    refused(neither, sizeof(neither) - 1, 3, "neither UTF-8 nor GB18030");
    /* a GBK lead byte cut off at the end of the file */
    const char cut[] = "name,dept\n\xcf";
    refused(cut, sizeof(cut) - 1, 2, "neither UTF-8 nor GB18030");
    /* a BOM says UTF-8: GBK after it is not read as GBK */
    const char bom[] = "\xef\xbb\xbfname\r\n\xc3\xfb\xb3\xc6\r\n";
    refused(bom, sizeof(bom) - 1, 2, "starts as UTF-8 (a BOM) but this line "
            "is not UTF-8");
}

/* Excel's plain "CSV (逗号分隔)" on a Chinese Windows is GBK: read as
 * GB18030 (its superset), said, and handed out as UTF-8. */
Test(csv, gbk_is_read_as_gb18030_and_handed_out_as_utf8)
{
    /* "系统名称,所属单位\r\n教务系统,\"教务处\r\n二楼\"\r\n" in GBK */
    const char gbk[] = "\xcf\xb5\xcd\xb3\xc3\xfb\xb3\xc6,"
                       "\xcb\xf9\xca\xf4\xb5\xa5\xce\xbb\r\n"
                       "\xbd\xcc\xce\xf1\xcf\xb5\xcd\xb3,\""
                       "\xbd\xcc\xce\xf1\xb4\xa6\r\n\xb6\xfe\xc2\xa5\"\r\n";
    memset(&err, 0, sizeof(err));
    cr_assert_eq(csv_open_mem(gbk, sizeof(gbk) - 1, "t.csv", NULL, &r, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(csv_encoding(r), "GB18030");
    expect(1, 2, "系统名称", "所属单位");
    expect(2, 2, "教务系统", "教务处\r\n二楼");
    expect_end();
    /* GB18030's four-byte sequences (U+1F600, outside GBK) are read too */
    open_str("a\n");
    cr_assert_str_eq(csv_encoding(r), "UTF-8");
    csv_close(r);
    r = NULL;
    const char four[] = "ok\x94\x39\xfc\x36,\xcf\xb5\n";
    cr_assert_eq(csv_open_mem(four, sizeof(four) - 1, "t.csv", NULL, &r,
                              &err), 0, "%s", err.msg);
    expect(1, 2, "ok\xf0\x9f\x98\x80", "系");
    expect_end();
}

Test(csv, reads_a_file_from_disk)
{
    char *dir = tz_test_tmpdir("csv");
    tz_test_write(dir, "s.csv", "\xef\xbb\xbf" "a,\"b\r\nc\"\r\n");
    char *path = tz_test_path("%s/s.csv", dir);
    cr_assert_eq(csv_open_file(path, NULL, &r, &err), 0, "%s", err.msg);
    expect(1, 2, "a", "b\r\nc");
    expect_end();
    char *none = tz_test_path("%s/none.csv", dir);
    struct csv_reader *x = NULL;
    cr_assert_eq(csv_open_file(none, NULL, &x, &err), TZ_ENOENT);
    cr_assert_null(x);
    free(none);
    free(path);
    tz_test_rm_rf(dir);
    free(dir);
}
