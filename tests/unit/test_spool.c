/* spool: reports leave in seq order, the bound drops the oldest, a crash's
 * temp file and hostile files are removed, and a reopen keeps everything. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "tz_test.h"

static char *tmp, *dir;

static void setup(void)
{
    tmp = tz_test_tmpdir("spool");
    dir = tz_test_path("%s/spool", tmp);
}

static void teardown(void)
{
    tz_test_rm_rf(tmp);
    free(tmp);
    free(dir);
}

TestSuite(spool, .init = setup, .fini = teardown, .timeout = 30);

static struct spool *open_spool(size_t max)
{
    struct spool *sp = NULL;
    struct tz_error err = {0};
    cr_assert_eq(spool_open(dir, max, &sp, &err), 0, "spool_open: %s", err.msg);
    return sp;
}

/* A report whose hostname says which one it is. */
static void put(struct spool *sp, uint64_t seq, const char *host)
{
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = (char *)host;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    struct tz_error err = {0};
    cr_assert_eq(spool_put(sp, seq, &r, &err), 0, "spool_put: %s", err.msg);
}

static void expect_oldest(struct spool *sp, uint64_t want_seq, const char *want_host)
{
    uint64_t seq = 0;
    Tz__Report *r = NULL;
    struct tz_error err = {0};
    cr_assert_eq(spool_oldest(sp, &seq, &r, &err), 0, "spool_oldest: %s", err.msg);
    cr_assert_eq(seq, want_seq);
    cr_assert_not_null(r->host);
    cr_assert_str_eq(r->host->hostname, want_host);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void expect_empty(struct spool *sp)
{
    uint64_t seq = 0;
    Tz__Report *r = NULL;
    cr_assert_eq(spool_oldest(sp, &seq, &r, NULL), TZ_ENOENT);
    cr_assert_null(r);
    cr_assert_eq(spool_count(sp), 0);
}

static void del(struct spool *sp, uint64_t seq)
{
    struct tz_error err = {0};
    cr_assert_eq(spool_delete(sp, seq, &err), 0, "spool_delete: %s", err.msg);
}

static int exists(const char *name)
{
    char *p = tz_test_path("%s/%s", dir, name);
    struct stat st;
    int r = lstat(p, &st) == 0;
    free(p);
    return r;
}

static int entries(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(spool, drains_in_seq_order_whatever_the_put_order)
{
    struct spool *sp = open_spool(64);
    put(sp, 30, "c");
    put(sp, 10, "a");
    put(sp, 20, "b");
    cr_assert_eq(spool_count(sp), 3);
    /* Names sort by seq: zero-padded to 20 digits. */
    cr_assert(exists("00000000000000000010.report"));
    expect_oldest(sp, 10, "a");
    del(sp, 10);
    cr_assert(!exists("00000000000000000010.report"));
    expect_oldest(sp, 20, "b");
    del(sp, 20);
    expect_oldest(sp, 30, "c");
    del(sp, 30);
    expect_empty(sp);
    del(sp, 30);    /* twice is not an error */
    spool_close(sp);
}

Test(spool, full_spool_drops_the_oldest)
{
    struct spool *sp = open_spool(3);
    put(sp, 1, "h1");
    put(sp, 2, "h2");
    put(sp, 3, "h3");
    put(sp, 4, "h4");
    put(sp, 5, "h5");
    cr_assert_eq(spool_count(sp), 3);
    cr_assert_eq(entries(), 3);
    cr_assert(!exists("00000000000000000001.report"));
    cr_assert(!exists("00000000000000000002.report"));
    expect_oldest(sp, 3, "h3");
    spool_close(sp);
}

Test(spool, shrinking_the_bound_keeps_the_newest)
{
    struct spool *sp = open_spool(10);
    for (uint64_t s = 1; s <= 5; s++)
        put(sp, s, "h");
    spool_set_max(sp, 4);
    cr_assert_eq(spool_count(sp), 4);
    spool_close(sp);
    sp = open_spool(2);
    cr_assert_eq(spool_count(sp), 2);
    cr_assert_eq(entries(), 2);
    expect_oldest(sp, 4, "h");
    spool_close(sp);
}

Test(spool, reopen_keeps_content)
{
    struct spool *sp = open_spool(64);
    put(sp, 1732500000001, "alpha.example.edu.cn");
    put(sp, 1732500000002, "beta.example.edu.cn");
    spool_close(sp);
    sp = open_spool(64);
    cr_assert_eq(spool_count(sp), 2);
    expect_oldest(sp, 1732500000001, "alpha.example.edu.cn");
    del(sp, 1732500000001);
    expect_oldest(sp, 1732500000002, "beta.example.edu.cn");
    spool_close(sp);
}

Test(spool, leftover_temp_file_is_ignored_and_removed)
{
    struct spool *sp = open_spool(64);
    put(sp, 7, "kept");
    spool_close(sp);
    /* What tz_write_file_atomic leaves when the agent dies mid-write. */
    tz_test_write(dir, "00000000000000000008.report.tmp.4242", "\xff\xff half");
    sp = open_spool(64);
    cr_assert_eq(spool_count(sp), 1);
    cr_assert(!exists("00000000000000000008.report.tmp.4242"));
    expect_oldest(sp, 7, "kept");
    spool_close(sp);
}

Test(spool, hostile_files_are_removed_and_never_block_draining)
{
    struct spool *sp = open_spool(64);
    put(sp, 5, "five");
    put(sp, 50, "fifty");
    spool_close(sp);
    tz_test_write(dir, "notes.txt", "not a report");
    tz_test_write(dir, "00000000000000000001.report", "\xff\xff\xff\xff");
    tz_test_write(dir, "00000000000000000002.report", "");
    tz_test_write(dir, "0000000000000000003.report", "\xff");        /* 19 digits */
    tz_test_write(dir, "99999999999999999999.report", "\xff");       /* > UINT64_MAX */
    char *p = tz_test_path("%s/00000000000000000004.report", dir);
    int fd = open(p, O_WRONLY | O_CREAT, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, (8 << 20) + 1), 0);   /* sparse, over 8 MiB */
    close(fd);
    free(p);
    p = tz_test_path("%s/00000000000000000006.report", dir);
    cr_assert_eq(symlink("/etc/passwd", p), 0);
    free(p);
    p = tz_test_path("%s/00000000000000000003.report", dir);
    cr_assert_eq(mkfifo(p, 0600), 0);   /* would block a plain open() */
    free(p);

    sp = open_spool(64);
    cr_assert_eq(spool_count(sp), 2);
    cr_assert_eq(entries(), 2, "junk left in the spool directory");
    expect_oldest(sp, 5, "five");
    del(sp, 5);
    expect_oldest(sp, 50, "fifty");
    spool_close(sp);
}

Test(spool, a_file_spoiled_while_open_is_skipped)
{
    struct spool *sp = open_spool(64);
    put(sp, 1, "one");
    put(sp, 2, "two");
    tz_test_write(dir, "00000000000000000001.report", "\xff\xff");
    expect_oldest(sp, 2, "two");
    cr_assert(!exists("00000000000000000001.report"));
    cr_assert_eq(spool_count(sp), 1);
    spool_close(sp);
}

Test(spool, one_process_at_a_time)
{
    struct spool *sp = open_spool(64);
    struct spool *other = NULL;
    struct tz_error err = {0};
    cr_assert_eq(spool_open(dir, 64, &other, &err), TZ_EEXIST);
    cr_assert_null(other);
    cr_assert(strstr(err.msg, "in use") != NULL, "%s", err.msg);
    spool_close(sp);
    other = open_spool(64);     /* the lock goes with the first close */
    spool_close(other);
}

Test(spool, report_too_large_to_send_is_not_spooled)
{
    struct spool *sp = open_spool(64);
    size_t n = (8u << 20) + 16;
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    Tz__HostSection h = TZ__HOST_SECTION__INIT;
    h.hostname = big;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    struct tz_error err = {0};
    cr_assert_eq(spool_put(sp, 1, &r, &err), TZ_ELIMIT);
    cr_assert_eq(spool_count(sp), 0);
    cr_assert_eq(entries(), 0);
    free(big);
    spool_close(sp);
}
