/* fuzz_xlsx — an .xlsx from anywhere, through the reader a department's
 * ledger takes (collector/sheet_xlsx.c), then every row through the header
 * finder and every cell through the ledger's field parsers.
 *
 * Two shapes of input, so the fuzzer reaches the XML and not only zip's
 * checksums: bytes starting with "PK" are a zip as it is (bombs, lying
 * headers, damaged deflate); anything else is parts separated by "\n--\n"
 * — sheet1.xml, sharedStrings.xml, styles.xml, workbook.xml, the
 * workbook's relationships — packed into a stored zip here. Small bounds
 * so that the fuzzer reaches them; nothing may crash, leak, read out of
 * bounds, or hand out a row breaking sheet.h's promises (cells up to n,
 * text never NULL, rows ascending, columns within max_cols). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "fuzz_common.h"
#include "ledger_fields.h"
#include "ledger_header.h"
#include "sheet_table.h"
#include "sheet_xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rels[] =
    "<Relationships><Relationship Id=\"r1\" Type=\"x/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>";
static const char wb_rels[] =
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
    "Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/><Relationship "
    "Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>";
static const char workbook[] =
    "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" sheetId=\"1\" "
    "r:id=\"rId1\"/></sheets></workbook>";

/* The parts packed into a stored zip in memory; NULL if libzip fails. */
static char *pack(const uint8_t *data, size_t size, size_t *len)
{
    static const char *const names[] = {
        "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels"};
    const char *defaults[] = {"", "<sst/>", "<styleSheet/>", workbook,
                              wb_rels};
    const uint8_t *part[5];
    size_t plen[5];
    size_t n = fz_split(data, size, 5, part, plen);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    zip_error_fini(&ze);
    if (z == NULL) {
        zip_source_free(src);
        return NULL;
    }
    zip_source_keep(src);
    int ok = 1;
    for (size_t i = 0; ok && i < 6; i++) {
        const void *p = i == 5 ? (const void *)rels
                      : i < n ? (const void *)part[i] : defaults[i];
        size_t l = i == 5 ? strlen(rels) : i < n ? plen[i] : strlen(defaults[i]);
        zip_source_t *s = zip_source_buffer(z, p, l, 0);
        zip_int64_t idx = s ? zip_file_add(z, i == 5 ? "_rels/.rels"
                                                     : names[i], s, 0)
                            : -1;
        if (idx < 0) {
            zip_source_free(s);
            ok = 0;
        } else {
            zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        }
    }
    if (!ok || zip_close(z) != 0) {
        zip_discard(z);   /* zip_close frees nothing when it fails */
        zip_source_free(src);
        return NULL;
    }
    char *out = NULL;
    zip_stat_t st;
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        out = malloc(st.size ? st.size : 1);
        if (out &&
            zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
            free(out);
            out = NULL;
        }
        zip_source_close(src);
        *len = st.size;
    }
    zip_source_free(src);
    return out;
}

static void check_rows(struct sheet_table *t, const struct sheet_limits *lim)
{
    struct sheet_row row;
    long last = 0;
    Tz__SystemRecord *rec = ledger_record_new();
    if (rec == NULL)
        abort();
    while (sheet_table_next(t, &row) == 1) {
        if (row.row <= last || row.n > lim->max_cols || row.n == 0)
            abort();
        last = row.row;
        for (size_t i = 0; i < row.n; i++)
            if (row.cells[i].text == NULL ||
                strlen(row.cells[i].text) > lim->max_cell ||
                (row.cells[i].kind == SHEET_EMPTY) !=
                    (row.cells[i].text[0] == '\0'))
                abort();
        if (ledger_header_is_header(&row)) {
            struct ledger_columns cols;
            ledger_header_columns(&row, NULL, &cols);
        }
        /* every cell as every field: the parsers take hostile text */
        char why[LEDGER_WHY];
        for (size_t i = 0; i < row.n; i++)
            ledger_field_set(rec, ledger_fields[i % LF_COUNT].key,
                             row.cells[i].text, why, sizeof(why));
    }
    ledger_record_free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sheet_limits lim = {
        .max_file = 1 << 20, .max_cell = 4096, .max_cols = 64,
        .max_rows = 1000, .max_text = 1 << 20, .max_cells = 20000,
        .max_entry = 4 << 20, .max_entries = 64, .max_strings = 5000,
        .max_depth = 32, .max_merges = 500};
    size_t len = size;
    char *zip;
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        zip = malloc(size ? size : 1);
        if (zip)
            memcpy(zip, data, size);
    } else {
        zip = pack(data, size, &len);
    }
    if (zip == NULL)
        return 0;
    struct sheet_table *t = NULL;
    struct tz_error err;
    if (sheet_xlsx_read(zip, len, "fuzz.xlsx", NULL, &lim, &t, &err) == 0) {
        check_rows(t, &lim);
        sheet_table_free(t);
    } else if (t != NULL) {
        abort();   /* an error leaves nothing behind */
    }
    free(zip);
    return 0;
}
