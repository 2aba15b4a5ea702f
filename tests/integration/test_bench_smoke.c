/* Bench smoke: the benchmark programs still build and run end to end, so
 * `make bench` cannot rot between the times someone measures. A collector on
 * ipc:// in a temp dir, loadgen with 4 agents sending full and then delta
 * reports, lmdb_baseline with a tiny count, rusage around tz-agent --print.
 * Only completion with every Ack OK is asserted — nothing about speed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz_test.h"

#ifndef TZ_BENCH_BIN
#error "TZ_BENCH_BIN is set by bench/CMakeLists.txt"
#endif

static char *tmp, *data, *url, *clogpath;
static pid_t collector = -1;

static void setup(void)
{
    tmp = tz_test_tmpdir("bench");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    collector = tz_test_collector_start(data, url, clogpath, NULL);
}

static void teardown(void)
{
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
}

TestSuite(bench_smoke, .init = setup, .fini = teardown, .timeout = 120);

static char *run_ok(char *const argv[])
{
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "%s exited %d: %s", argv[0], rc, out ? out : "");
    return out;
}

static void loadgen(const char *token, const char *mode, const char *first)
{
    char *key = tz_test_path("%s/collector.pub", data);
    char *argv[] = {TZ_BENCH_BIN "/loadgen", "--url", url, "--collector-key", key,
                    "--token", (char *)token, "--agents", "4", "--inflight", "2",
                    "--count", "40", "--duration", "2", "--mode", (char *)mode,
                    "--first-agent", (char *)first, "--timeout", "30", NULL};
    char *out = run_ok(argv);
    cr_assert(strstr(out, "RESULT mode=") != NULL, "%s", out);
    cr_assert(strstr(out, " not_ok=0 ") != NULL, "%s", out);
    cr_assert(strstr(out, "status: ok=") != NULL, "%s", out);
    free(out);
    free(key);
}

Test(bench_smoke, loadgen_full_and_delta_reports_are_all_acked_ok)
{
    char *token = tz_test_token(data, "bench");
    loadgen(token, "full", "0");
    loadgen(token, "delta", "100");
    free(token);
}

Test(bench_smoke, lmdb_baseline_completes)
{
    char *dir = tz_test_path("%s/lmdb", tmp);
    char *argv[] = {TZ_BENCH_BIN "/lmdb_baseline", "--dir", dir, "--count", "20",
                    "--agents", "4", "--batch", "8", "--packages", "100", NULL};
    char *out = run_ok(argv);
    cr_assert(strstr(out, "RESULT mode=lmdb reports=20 ") != NULL, "%s", out);
    cr_assert(strstr(out, " not_ok=0") != NULL, "%s", out);
    free(out);
    free(dir);
}

Test(bench_smoke, rusage_reports_the_agent_collection)
{
    char *res = tz_test_path("%s/rusage.txt", tmp);
    char *argv[] = {TZ_BENCH_BIN "/rusage", "-o", res, "--", TZ_BIN "/tz-agent",
                    "--print", "--format", "json", NULL};
    free(run_ok(argv));
    char *line = tz_test_slurp(res);
    cr_assert_not_null(line);
    cr_assert(strncmp(line, "RUSAGE wall_s=", 14) == 0, "%s", line);
    cr_assert(strstr(line, " status=0 ") != NULL, "%s", line);
    free(line);
    free(res);
}

Test(bench_smoke, weakpw_time_prints_a_row_per_scheme)
{
    /* A three-word dictionary keeps yescrypt's share to a fraction of a second. */
    tz_test_write(tmp, "dict.txt", "123456\nadmin123\nP@ssw0rd\n");
    char *dict = tz_test_path("%s/dict.txt", tmp);
    char *argv[] = {TZ_BENCH_BIN "/weakpw_time", dict, NULL};
    char *out = run_ok(argv);
    cr_assert(strstr(out, "| yescrypt") != NULL, "%s", out);
    cr_assert(strstr(out, "| sha512crypt ($6$) | ") != NULL, "%s", out);
    free(out);
    free(dict);
}
