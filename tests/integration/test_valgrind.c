/* The end-to-end flow once under valgrind: tz-collector, one `tz-agent
 * --once` on a fixture root and `tzctl hosts`; then `tzctl system import`
 * of the same ledger as UTF-8 CSV, GBK CSV, .xls (FreeXL in its forked
 * jail, which valgrind follows) and .xlsx; each run by valgrind with
 * --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite, so
 * an invalid read or write, a use of uninitialised memory or a definite leak
 * fails the test with valgrind's report. Skipped when valgrind is not
 * installed (deploy/install-deps.sh installs it). */
#include <criterion/criterion.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz_test.h"

#define VALGRIND "valgrind", "-q", "--error-exitcode=99", "--leak-check=full", \
                 "--errors-for-leak-kinds=definite"

static char *tmp, *data, *url, *clogpath;
static pid_t collector = -1;

static int have_valgrind(void)
{
    char *argv[] = {"valgrind", "--version", NULL};
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    free(out);
    return rc == 0;
}

static void setup(void)
{
    tmp = tz_test_tmpdir("valgrind");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
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

TestSuite(valgrind, .init = setup, .fini = teardown, .timeout = 180);

/* Run argv under valgrind; fails the test unless it exits 0. Returns the
 * output (the program's and valgrind's). */
static char *run_clean(char *const argv[], const char *what)
{
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "%s under valgrind exited %d%s:\n%s", what, rc,
                 rc == 99 ? " (valgrind found errors)" : "", out);
    return out;
}

Test(valgrind, collector_agent_and_tzctl_run_clean)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's shadow memory and valgrind exclude each other; the
     * plain build (make test) runs this test. */
    cr_skip_test("binaries built with AddressSanitizer cannot run under valgrind");
#endif
    if (!have_valgrind())
        cr_skip_test("valgrind is not installed (deploy/install-deps.sh installs it)");

    /* The collector, under valgrind, until it listens (slow: ~50x). */
    char *cargv[] = {VALGRIND, TZ_BIN "/tz-collector", "--data", data, "--listen",
                     url, NULL};
    collector = tz_test_spawn(cargv, clogpath);
    if (tz_test_wait_for(clogpath, "listening on", 60000) != 0) {
        char *log = tz_test_slurp(clogpath);
        cr_assert_fail("collector under valgrind did not start:\n%s", log ? log : "");
    }

    char *token = tz_test_token(data, "物理学院");
    char *pub = tz_test_collector_pub(data);
    char *root = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *cfg = tz_test_agent_ini(tmp, "alpha", url, pub, token, root, "timeout = 30\n");
    char *aargv[] = {VALGRIND, TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *aout = run_clean(aargv, "tz-agent --once");
    cr_assert(strstr(aout, "report stored") != NULL, "%s", aout);
    free(aout);

    char *targv[] = {VALGRIND, TZ_BIN "/tzctl", "--data", data, "hosts", NULL};
    char *out = run_clean(targv, "tzctl hosts");
    cr_assert(strstr(out, "alpha.example.edu.cn") != NULL, "%s", out);
    free(out);

    /* Exit 0 covers valgrind's verdict on the collector's whole run,
     * leaks at exit included. */
    int rc = tz_test_stop(collector, SIGTERM);
    collector = -1;
    char *log = tz_test_slurp(clogpath);
    cr_assert_eq(rc, 0, "collector under valgrind exited %d%s:\n%s", rc,
                 rc == 99 ? " (valgrind found errors)" : "", log);
    free(log);
    free(cfg);
    free(root);
    free(pub);
    free(token);
}

/* A register with the fixture ledger's departments. */
static char *ledger_register(const char *name)
{
    char *d = tz_test_path("%s/%s", tmp, name);
    const char *depts[] = {"教务处", "图书馆", "计算机学院"};
    for (size_t i = 0; i < 3; i++)
        free(tz_test_tzctl(d, 0, "dept", "add", depts[i], (const char *)NULL));
    return d;
}

Test(valgrind, ledger_import_of_every_format_runs_clean)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("binaries built with AddressSanitizer cannot run under valgrind");
#endif
    if (!have_valgrind())
        cr_skip_test("valgrind is not installed (deploy/install-deps.sh installs it)");
    /* the fixture ledger in GBK, as Excel's plain "CSV (逗号分隔)" */
    char *utf8 = tz_test_slurp(TZ_FIXTURES "/ledger/ledger.csv");
    cr_assert_not_null(utf8);
    size_t il = strlen(utf8), ol = il * 2, cap = ol;
    char *gbk = malloc(cap), *ip = utf8, *op = gbk;
    iconv_t cd = iconv_open("GBK", "UTF-8");
    cr_assert_neq(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    *op = '\0';
    tz_test_write(tmp, "gbk.csv", gbk);
    char *gbk_path = tz_test_path("%s/gbk.csv", tmp);
    char *xlsx = tz_test_path("%s/ledger.xlsx", tmp);
    const char *files[] = {TZ_FIXTURES "/ledger/ledger.csv", gbk_path,
                           TZ_FIXTURES "/ledger/ledger.xls", xlsx};
    for (size_t i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "reg%zu", i);
        char *d = ledger_register(name);
        if (i == 3)   /* the xlsx is the first register's export */
            free(tz_test_tzctl(data, 0, "export", "--format", "xlsx", "-o",
                               xlsx, (const char *)NULL));
        char *argv[] = {VALGRIND, TZ_BIN "/tzctl", "--data", d, "system",
                        "import", (char *)files[i], NULL};
        char *out = run_clean(argv, files[i]);
        cr_assert(strstr(out, "imported 4 systems"), "%s", out);
        free(out);
        if (i == 0) {
            free(data);
            data = d;   /* teardown frees it */
        } else {
            free(d);
        }
    }
    free(xlsx);
    free(gbk_path);
    free(gbk);
    free(utf8);
}
