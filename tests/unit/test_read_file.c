/* Tests for tz_read_file (rootfs.h), the one whole-file reader of the
 * configuration, the keys and imported sheets: a file of exactly the bound
 * is read whole and NUL-terminated, one byte more is TZ_ELIMIT with the
 * message and the file named, a file read from a pipe is bounded the same,
 * a missing file is TZ_ENOENT. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootfs.h"
#include "tz_test.h"

static char *dir;

static void setup(void)
{
    dir = tz_test_tmpdir("readfile");
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(read_file, .init = setup, .fini = teardown);

/* A file of n bytes 'a'..'z' over and over at dir/name. */
static char *put(const char *name, size_t n)
{
    char *p = tz_test_path("%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fputc('a' + (int)(i % 26), f);
    cr_assert_eq(fclose(f), 0);
    return p;
}

Test(read_file, exactly_the_bound_is_read_whole)
{
    /* 70000 bytes: the buffer grows past 64 KiB while reading */
    char *p = put("big", 70000), *text = (char *)1;
    size_t len = 0;
    struct tz_error e = {0};
    cr_assert_eq(tz_read_file(p, 70000, &text, &len, &e), 0, "%s", e.msg);
    cr_expect_eq(len, 70000);
    cr_expect_eq(strlen(text), 70000);
    cr_expect_eq(text[0], 'a');
    cr_expect_eq(text[69999], 'a' + 69999 % 26);
    free(text);
    free(p);
}

Test(read_file, one_byte_over_the_bound_is_elimit)
{
    char *p = put("over", 70001), *text = (char *)1;
    size_t len = 7;
    struct tz_error e = {0};
    cr_assert_eq(tz_read_file(p, 70000, &text, &len, &e), TZ_ELIMIT);
    cr_expect_null(text);
    cr_expect_eq(len, 0);
    cr_expect_str_eq(e.msg, "the file is larger than the limit of 70000 bytes");
    cr_expect_str_eq(e.file, p);
    free(p);
}

Test(read_file, a_pipe_is_bounded_too)
{
    char *p = tz_test_path("%s/fifo", dir);
    cr_assert_eq(mkfifo(p, 0600), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(p, "wb");
        for (int i = 0; f && i < 1000; i++)
            fputs("0123456789", f);
        _exit(0);
    }
    char *text = NULL;
    struct tz_error e = {0};
    cr_expect_eq(tz_read_file(p, 100, &text, NULL, &e), TZ_ELIMIT);
    cr_expect_null(text);
    cr_expect_str_eq(e.msg, "the file is larger than the limit of 100 bytes");
    int st;
    waitpid(pid, &st, 0);
    free(p);
}

Test(read_file, missing_file_is_enoent)
{
    char *p = tz_test_path("%s/none", dir), *text = NULL;
    struct tz_error e = {0};
    cr_expect_eq(tz_read_file(p, 100, &text, NULL, &e), TZ_ENOENT);
    cr_expect_null(text);
    cr_expect_str_eq(e.msg, "cannot open: No such file or directory");
    free(p);
}
