/* Tests for tz_chunks (rootfs.h): split into lines, its runs are exactly
 * the lines tz_lines_next returns, and it fails where and as tz_lines does
 * (a NUL byte, a line over the bound, corrupt or truncated compressed data)
 * only after handing out every line before; plain, .gz and .lz4 alike, with
 * small bounds and with lines that make its buffer grow. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lz4frame.h>
#include <zlib.h>

#include "rootfs.h"
#include "tz_test.h"

static char *dir;

static void setup(void)
{
    dir = tz_test_tmpdir("chunks");
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(rootfs_chunks, .init = setup, .fini = teardown);

static char *put(const char *name, const char *data, size_t n)
{
    char *p = tz_test_path("%s/%s", dir, name);
    size_t pl = strlen(p);
    if (pl > 4 && strcmp(p + pl - 4, ".lz4") == 0) {
        LZ4F_preferences_t pref;
        memset(&pref, 0, sizeof(pref));
        pref.frameInfo.blockMode = LZ4F_blockLinked;
        size_t cap = LZ4F_compressFrameBound(n, &pref);
        char *buf = malloc(cap);
        size_t z = LZ4F_compressFrame(buf, cap, data, n, &pref);
        cr_assert_not(LZ4F_isError(z));
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(buf, 1, z, f), z);
        fclose(f);
        free(buf);
    } else if (pl > 3 && strcmp(p + pl - 3, ".gz") == 0) {
        gzFile gz = gzopen(p, "wb");
        cr_assert_not_null(gz);
        if (n)
            cr_assert_eq(gzwrite(gz, data, (unsigned)n), (int)n);
        gzclose(gz);
    } else {
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(n ? fwrite(data, 1, n, f) : 0, n);
        fclose(f);
    }
    return p;
}

/* Every line as "len:bytes\n", then the end: "END rc msg". */
static char *by_lines(const char *path, size_t max)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    struct tz_lines lr;
    struct tz_error e = {0};
    int rc = tz_lines_open(&lr, path, max, &e);
    if (rc == 0) {
        char *line;
        size_t len;
        while ((rc = tz_lines_next(&lr, &line, &len, &e)) > 0) {
            fprintf(f, "%zu:", len);
            fwrite(line, 1, len, f);
            fputc('\n', f);
        }
    }
    tz_lines_close(&lr);
    fprintf(f, "END %d %s\n", rc, rc ? e.msg : "");
    fclose(f);
    return out;
}

static char *by_chunks(const char *path, size_t max)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    struct tz_chunks cr;
    struct tz_error e = {0};
    int rc = tz_chunks_open(&cr, path, max, &e);
    if (rc == 0) {
        const char *run;
        size_t len;
        while ((rc = tz_chunks_next(&cr, &run, &len, &e)) > 0) {
            cr_assert_gt(len, 0);
            cr_assert_null(memchr(run, '\0', len), "a NUL handed out");
            const char *p = run, *end = run + len;
            while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                fprintf(f, "%zu:", l);
                fwrite(p, 1, l, f);
                fputc('\n', f);
                p += l + 1;
            }
        }
    }
    tz_chunks_close(&cr);
    fprintf(f, "END %d %s\n", rc, rc ? e.msg : "");
    fclose(f);
    return out;
}

static void same(const char *data, size_t n, size_t max)
{
    static const char *const names[] = {"f", "f.gz", "f.lz4"};
    for (size_t i = 0; i < 3; i++) {
        char *p = put(names[i], data, n);
        char *want = by_lines(p, max), *got = by_chunks(p, max);
        cr_assert_str_eq(got, want, "%s, max %zu", names[i], max);
        free(want);
        free(got);
        free(p);
    }
}

#define SAME(lit, max) same(lit, sizeof(lit) - 1, max)

Test(rootfs_chunks, lines_match_tz_lines)
{
    SAME("", 16);
    SAME("\n", 16);
    SAME("a\nb\n\nc", 16);
    SAME("a\r\nb\r\n", 16);
    SAME("exactly sixteen!\nseventeen bytes!!\nafter\n", 16);
    SAME("exactly sixteen!", 16);
    SAME("seventeen bytes!!", 16);
    SAME("a\nb\0c\nd\n", 16);          /* NUL: a, then the error */
    SAME("a\n\0", 16);
    SAME("a\nlong line with a \0 NUL!\n", 16);   /* too long wins */
    SAME("\0", 1);
    SAME("ab\ncd\n", 1);
    SAME("ab\ncd\n", 2);
}

Test(rootfs_chunks, random_lines_match_tz_lines, .timeout = 60)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)(x % 700000);
        char *data = malloc(n);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            unsigned r = (unsigned)(x % 1000);
            data[i] = r < 40 ? '\n' : r == 999 && round % 4 == 0 ? '\0' : 'a' + r % 26;
        }
        if (round % 5 == 1)      /* a long line: the buffer must grow */
            memset(data + n / 3, 'L', n / 3);
        size_t max = round % 3 == 0 ? 100 : round % 3 == 1 ? 4096 : 1u << 20;
        same(data, n, max);
        free(data);
    }
}

/* Corrupt compressed data: the lines before it, then TZ_EPARSE. */
Test(rootfs_chunks, corrupt_and_truncated_lz4)
{
    size_t n = 3u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = i % 61 == 60 ? '\n' : (char)('a' + (i * 7) % 26);
    char *p = put("c.lz4", data, n);
    FILE *f = fopen(p, "r+b");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    char junk[64];
    memset(junk, 0xff, sizeof(junk));
    fwrite(junk, 1, sizeof(junk), f);
    fclose(f);
    char *got = by_chunks(p, 1u << 20);
    cr_expect(strstr(got, "END -2 corrupt lz4 data") != NULL, "%.200s",
              got + strlen(got) - (strlen(got) > 200 ? 200 : strlen(got)));
    size_t lines = 0;
    for (const char *s = got; (s = strchr(s, '\n')) != NULL; s++)
        lines++;
    cr_expect_gt(lines, 1000, "no lines before the corruption");
    free(got);
    free(p);

    /* cut short: what was whole is read, and the end is the end */
    p = put("t.lz4", data, n);
    cr_assert_eq(truncate(p, size / 3), 0);
    char *want = by_lines(p, 1u << 20);
    got = by_chunks(p, 1u << 20);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
    free(p);
    free(data);
}

Test(rootfs_chunks, missing_file_is_enoent)
{
    struct tz_chunks cr;
    struct tz_error e;
    char *p = tz_test_path("%s/none", dir);
    cr_expect_eq(tz_chunks_open(&cr, p, 100, &e), TZ_ENOENT);
    tz_chunks_close(&cr);
    free(p);
}
