/* fuzz_xls — an .xls from anywhere, and whatever FreeXL's jail could send
 * back (collector/sheet_xls.c, collector/sheet_jail.c).
 *
 * FreeXL is not ours and has bugs (this target found one: a stack
 * over-read, tests/fixtures/ledger/freexl-overread.xls), so it runs in a
 * confined child; what must hold is that a crash there comes back as an
 * error, and that the parent's reading of the child's answer — the only
 * code that sees what a compromised child sends — never crashes, leaks,
 * over-reads or hands out rows breaking sheet.h's promises (ascending,
 * within max_cols, text never NULL nor over max_cell). Inputs that start
 * as an OLE2 file go through the whole reader (a fork each: slow); any
 * other input is an answer of the child, read from a pipe (fast). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sheet_jail.h"
#include "sheet_table.h"
#include "sheet_xls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct sheet_table *t, const struct sheet_limits *lim)
{
    struct sheet_row row;
    long last = 0;
    while (sheet_table_next(t, &row) == 1) {
        if (row.row <= last || row.n == 0 || row.n > lim->max_cols)
            abort();
        last = row.row;
        for (size_t i = 0; i < row.n; i++)
            if (row.cells[i].text == NULL ||
                strlen(row.cells[i].text) > lim->max_cell)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t ole[] = {0xd0, 0xcf, 0x11, 0xe0};
    struct sheet_limits lim = {
        .max_file = 1 << 20, .max_cell = 4096, .max_cols = 64,
        .max_rows = 1000, .max_text = 1 << 20, .max_cells = 20000,
        .max_entry = 4 << 20, .max_entries = 64, .max_strings = 5000,
        .max_depth = 32, .max_merges = 500};
    struct sheet_table *t = NULL;
    struct tz_error err;
    int rc;
    if (size >= 4 && memcmp(data, ole, 4) == 0) {
        if (size > lim.max_file)   /* sheet.c's bound on a file */
            return 0;
        rc = sheet_xls_read(data, size, "fuzz.xls", NULL, &lim, &t, &err);
    } else {
        /* the whole answer fits the pipe: write, close, read */
        int p[2];
        if (size > 60000 || pipe(p) != 0)
            return 0;
        if (write(p[1], data, size) != (ssize_t)size)
            abort();
        close(p[1]);
        rc = sheet_jail_answer(p[0], "fuzz.xls", &lim, &t, &err);
        close(p[0]);
    }
    if (rc != 0) {
        if (t != NULL)
            abort();   /* an error leaves nothing behind */
        return 0;
    }
    check(t, &lim);
    sheet_table_free(t);
    return 0;
}
