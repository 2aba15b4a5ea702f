/* fuzz_ledger_csv — a ledger sheet from anywhere: the CSV reader, then every
 * cell through the ledger field parsers under the header's column names, the
 * way ledger_import reads a file (without a register). Nothing may crash,
 * leak or read out of bounds; every record built must pass, or be refused
 * by, ledger_record_check and format back without overflowing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"
#include "ledger_fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small bounds so that the fuzzer reaches them. */
    struct csv_limits lim = {1 << 20, 4096, 64, 256};
    struct csv_reader *r;
    struct tz_error err;
    if (csv_open_mem(data, size, "fuzz.csv", &lim, &r, &err) != 0)
        return 0;
    const struct ledger_field *cols[64] = {0};
    size_t ncols = 0;
    struct csv_record rec;
    int first = 1;
    while (csv_next(r, &rec, &err) == 1) {
        if (first) {
            first = 0;
            ncols = rec.n;
            for (size_t i = 0; i < rec.n; i++)
                cols[i] = ledger_field_find(rec.fields[i]);
            continue;
        }
        Tz__SystemRecord *s = ledger_record_new();
        if (s == NULL)
            break;
        char why[LEDGER_WHY];
        for (size_t i = 0; i < rec.n && i < ncols; i++)
            if (cols[i])
                ledger_field_set(s, cols[i]->key, rec.fields[i], why,
                                 sizeof(why));
        ledger_record_check(s, why, sizeof(why));
        char small[16], *big = malloc(LEDGER_FORMAT_MAX);
        for (size_t k = 0; big && k < LF_COUNT; k++) {
            ledger_field_format(s, ledger_fields[k].key, small, sizeof(small));
            /* a formatted value reads back into the same field */
            if (ledger_field_format(s, ledger_fields[k].key, big,
                                    LEDGER_FORMAT_MAX) == 0 &&
                !ledger_fields[k].required &&
                ledger_field_set(s, ledger_fields[k].key, big, why,
                                 sizeof(why)) != 0)
                abort();
        }
        free(big);
        ledger_record_free(s);
    }
    csv_close(r);
    return 0;
}
