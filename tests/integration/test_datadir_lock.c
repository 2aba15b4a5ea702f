/* One tz-collector per data dir: a second one on the same dir exits at
 * once naming the first one's pid, and the lock dies with its holder, even
 * one killed without a chance to clean up. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datadir_lock.h"
#include "tz_test.h"

static char *tmp, *data, *url, *log_path;
static pid_t first = -1;

static void setup(void)
{
    tmp = tz_test_tmpdir("dlock");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/first.sock", tmp);
    log_path = tz_test_path("%s/collector.log", tmp);
}

static void teardown(void)
{
    if (first > 0)
        tz_test_stop(first, SIGKILL);
    first = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(log_path);
}

/* A wrong lock would leave the second collector running: fail, not hang. */
TestSuite(datadir_lock, .init = setup, .fini = teardown, .timeout = 60);

/* Run a second collector on data (its own socket, so only the lock can stop
 * it); returns its exit status, its output in *out. */
static int second_collector(char **out)
{
    char *url2 = tz_test_path("ipc://%s/second.sock", tmp);
    char *argv[] = {TZ_BIN "/tz-collector", "--data", data, "--listen", url2, NULL};
    int rc = tz_test_run(argv, out);
    free(url2);
    return rc;
}

Test(datadir_lock, second_collector_on_the_same_dir_exits_naming_the_first)
{
    first = tz_test_collector_start(data, url, log_path, NULL);
    char *out = NULL;
    int rc = second_collector(&out);
    char *want = tz_test_path("tz-collector: %s is in use by another tz-collector "
                              "(pid %ld); stop it first\n", data, (long)first);
    cr_assert_eq(rc, 1, "second collector: rc %d: %s", rc, out);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);

    /* The first one was not disturbed, and stops cleanly. */
    cr_assert_eq(tz_test_stop(first, SIGTERM), 0);
    first = -1;
    first = tz_test_collector_start(data, url, log_path, NULL);
    cr_assert_gt(first, 0);
}

Test(datadir_lock, holder_is_told_from_the_kernel_and_dies_with_the_process)
{
    struct datadir_holder h;
    struct tz_error err = {0};
    cr_assert_eq(datadir_lock_holder(data, &h, &err), 0, "%s", err.msg);
    cr_assert_eq(h.pid, 0, "no collector has started: nobody holds it");

    first = tz_test_collector_start(data, url, log_path, NULL);
    cr_assert_eq(datadir_lock_holder(data, &h, &err), 0, "%s", err.msg);
    cr_assert_eq(h.pid, first);
    cr_assert_str_eq(h.who, "tz-collector");
    char *path = tz_test_path("%s/collector.lock", data);
    char *text = tz_test_slurp(path);
    char *want = tz_test_path("%ld tz-collector\n", (long)first);
    cr_assert_str_eq(text, want);
    free(want);
    free(text);

    /* SIGKILL: no cleanup ran, the file stays with the dead pid in it. */
    cr_assert_eq(tz_test_stop(first, SIGKILL), 128 + SIGKILL);
    pid_t dead = first;
    first = -1;
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "the lock file stays");
    cr_assert_eq(datadir_lock_holder(data, &h, &err), 0, "%s", err.msg);
    cr_assert_eq(h.pid, 0, "pid %ld still holds it after SIGKILL", (long)dead);

    first = tz_test_collector_start(data, url, log_path, NULL);
    cr_assert_eq(datadir_lock_holder(data, &h, &err), 0, "%s", err.msg);
    cr_assert_eq(h.pid, first);
    free(path);
}

Test(datadir_lock, acquire_refuses_while_held_and_names_the_holder)
{
    first = tz_test_collector_start(data, url, log_path, NULL);
    int fd = 99;
    struct datadir_holder h;
    struct tz_error err = {0};
    cr_assert_eq(datadir_lock_acquire(data, "tzctl restore", &fd, &h, &err), TZ_EEXIST);
    cr_assert_eq(fd, -1);
    cr_assert_eq(h.pid, first);
    char *want = tz_test_path("%s is in use by tz-collector (pid %ld)", data,
                              (long)first);
    cr_assert_str_eq(err.msg, want);
    free(want);

    cr_assert_eq(tz_test_stop(first, SIGTERM), 0);
    first = -1;
    cr_assert_eq(datadir_lock_acquire(data, "tzctl restore", &fd, &h, &err), 0, "%s",
                 err.msg);
    cr_assert_geq(fd, 0);
    /* Held by this process now: a collector is refused, told who. */
    char *out = NULL;
    cr_assert_eq(second_collector(&out), 1, "%s", out);
    want = tz_test_path("tz-collector: %s is in use by tzctl restore (pid %ld); "
                        "stop it first\n", data, (long)getpid());
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    datadir_lock_release(fd);
}
