/* fuzz_chunks — a hostile file through tz_chunks (rootfs.h), against
 * tz_lines_next: split into lines, the runs must be exactly the lines
 * tz_lines returns, with the same error after them, for a small line bound
 * (so the bound is hit) and a large one; plain and .gz.
 *
 * The first input byte picks the bound (1..256 bytes, or 1 MiB); the rest
 * is the file. */
#include <stdint.h>
#include <stdlib.h>

#include <zlib.h>

#include "fuzz_common.h"
#include "rootfs.h"

static char *root;
static char plain[FZ_PATH_MAX], gz[FZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    root = fz_tmpdir("chunks");
    snprintf(plain, sizeof(plain), "%s/f", root);
    snprintf(gz, sizeof(gz), "%s/f.gz", root);
    return 0;
}

/* Every line as "len:bytes\n", then "END rc msg". malloc'd. */
static char *lines_of(const char *path, size_t max, int chunks)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    if (f == NULL)
        abort();
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    int rc;
    if (chunks) {
        struct tz_chunks cr;
        if ((rc = tz_chunks_open(&cr, path, max, &e)) == 0) {
            const char *run;
            size_t len;
            while ((rc = tz_chunks_next(&cr, &run, &len, &e)) > 0) {
                if (len == 0 || memchr(run, '\0', len) != NULL)
                    abort();
                const char *p = run, *end = run + len;
                while (p < end) {
                    const char *nl = memchr(p, '\n', (size_t)(end - p));
                    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                    if (nl == NULL && p + l != end)
                        abort();
                    fprintf(f, "%zu:", l);
                    fwrite(p, 1, l, f);
                    fputc('\n', f);
                    p += l + 1;
                }
            }
        }
        tz_chunks_close(&cr);
    } else {
        struct tz_lines lr;
        if ((rc = tz_lines_open(&lr, path, max, &e)) == 0) {
            char *line;
            size_t len;
            while ((rc = tz_lines_next(&lr, &line, &len, &e)) > 0) {
                fprintf(f, "%zu:", len);
                fwrite(line, 1, len, f);
                fputc('\n', f);
            }
        }
        tz_lines_close(&lr);
    }
    fprintf(f, "END %d %s\n", rc, rc ? e.msg : "");
    fclose(f);
    return out;
}

static void expect_same(const char *path, size_t max)
{
    char *want = lines_of(path, max, 0), *got = lines_of(path, max, 1);
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "fuzz_chunks: %s, max %zu\n--- tz_lines:\n%s"
                        "--- tz_chunks:\n%s", path, max, want, got);
        abort();
    }
    free(want);
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t max = data[0] == 255 ? (size_t)1 << 20 : (size_t)data[0] + 1;
    data++;
    size--;
    fz_write(plain, data, size);
    gzFile g = gzopen(gz, "wb");
    if (g == NULL || (size && gzwrite(g, data, (unsigned)size) != (int)size) ||
        gzclose(g) != Z_OK)
        abort();
    expect_same(plain, max);
    expect_same(gz, max);
    return 0;
}
