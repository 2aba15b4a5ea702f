/* fuzz_dept_csv — a department sheet from anywhere: the CSV reader, then
 * every cell through the department field parsers under the header's
 * column names, as dept_import reads a file (without a register). Nothing
 * may crash, leak or read out of bounds; a record built must pass
 * dept_record_check (the parsers accept nothing the register refuses), and
 * every value must format and read back into the same field. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"
#include "dept_fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_limits lim = {1 << 20, 4096, 64, 256};
    struct csv_reader *r;
    struct tz_error err;
    if (csv_open_mem(data, size, "fuzz.csv", &lim, &r, &err) != 0)
        return 0;
    const struct dept_field *cols[64] = {0};
    size_t ncols = 0;
    struct csv_record rec;
    int first = 1;
    while (csv_next(r, &rec, &err) == 1) {
        if (first) {
            first = 0;
            ncols = rec.n;
            for (size_t i = 0; i < rec.n; i++)
                cols[i] = dept_field_find(rec.fields[i]);
            continue;
        }
        /* a heap record with empty defaults, as register_dept_get gives */
        Tz__DeptRecord *d = tz__dept_record__unpack(NULL, 0, (const uint8_t *)"");
        if (d == NULL)
            break;
        char why[DEPT_WHY];
        for (size_t i = 0; i < rec.n && i < ncols; i++)
            if (cols[i])
                dept_field_set(d, cols[i]->key, rec.fields[i], why,
                               sizeof(why));
        if (dept_record_check(d, why, sizeof(why)) != 0)
            abort();
        for (size_t k = 0; k < DF_COUNT; k++) {
            char small[8], v[DEPT_FORMAT_MAX];
            dept_field_format(d, dept_fields[k].key, small, sizeof(small));
            if (dept_field_format(d, dept_fields[k].key, v, sizeof(v)) != 0 ||
                dept_field_set(d, dept_fields[k].key, v, why, sizeof(why)) != 0)
                abort();
        }
        tz__dept_record__free_unpacked(d, NULL);
    }
    csv_close(r);
    return 0;
}
