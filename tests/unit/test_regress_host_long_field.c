/* Regression (found by tests/fuzz/fuzz_host): an os-release PRETTY_NAME (or
 * NAME, ID, VERSION_ID), or a /proc/cpuinfo "model name", longer than
 * TZ_MAX_NAME (256) bytes was collected as is, so the agent sent
 * a host section the collector refuses ("host.os_pretty longer than 256
 * bytes", Status INVALID) and that host could never report again: one odd
 * line in a file the department controls took the whole host off the
 * register. What the agent builds from any os-release must pass the
 * collector's validate_report (the section may be left out with an error,
 * as report.c does for other failures, but the report must still go). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tz_limits.h"
#include "tz_test.h"
#include "validate.h"

static char *root;

static void setup(void) { root = tz_test_tmpdir("regress-host"); }

static void teardown(void)
{
    tz_test_rm_rf(root);
    free(root);
}

TestSuite(regress_host_long_field, .init = setup, .fini = teardown);

/* The report the agent makes of root; the caller frees it. */
static Tz__Report *assert_collector_accepts(const char *os_release)
{
    if (os_release)
        tz_test_write(root, "etc/os-release", os_release);
    tz_test_write(root, "etc/hostname", "long.example.edu.cn\n");
    Tz__Report *r = NULL;
    struct tz_error err = {0};
    cr_assert_eq(report_collect(root, &r, &err), 0, "%s", err.msg);
    char detail[160] = "";
    cr_assert_eq(validate_report(r, detail, sizeof(detail)), TZ__STATUS__OK,
                 "the collector would refuse this host's every report: %s", detail);
    return r;
}

/* Shortened, never silently: the value is the first TZ_MAX_NAME bytes, and
 * the section says which value was cut and how long it was. */
static void expect_shortened(const char *got, const char *full, char **warnings,
                             size_t n, const char *warning)
{
    cr_expect_eq(strlen(got), TZ_MAX_NAME);
    cr_expect_eq(strncmp(got, full, TZ_MAX_NAME), 0, "not the value's start");
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found |= strcmp(warnings[i], warning) == 0;
    cr_expect(found, "no warning \"%s\" among %zu", warning, n);
}

Test(regress_host_long_field, long_pretty_name_still_gives_an_acceptable_report)
{
    char *line = malloc(TZ_MAX_NAME + 64);
    memset(line, 'x', TZ_MAX_NAME + 40);
    line[TZ_MAX_NAME + 40] = '\0';
    char *osr = tz_test_path("ID=debian\nPRETTY_NAME=\"Debian %s\"\n", line);
    Tz__Report *r = assert_collector_accepts(osr);
    char *full = tz_test_path("Debian %s", line);
    char *warning = tz_test_path("/etc/os-release PRETTY_NAME is %zu bytes: "
                                 "shortened to the first %d", strlen(full), TZ_MAX_NAME);
    expect_shortened(r->host->os_pretty, full, r->host->warnings,
                     r->host->n_warnings, warning);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(warning);
    free(full);
    free(osr);
    free(line);
}

Test(regress_host_long_field, long_name_and_version_still_give_an_acceptable_report)
{
    char *line = malloc(TZ_MAX_NAME + 64);
    memset(line, '9', TZ_MAX_NAME + 1);
    line[TZ_MAX_NAME + 1] = '\0';
    char *osr = tz_test_path("ID=%s\nNAME=%s\nVERSION_ID=%s\n", line, line, line);
    Tz__Report *r = assert_collector_accepts(osr);
    cr_expect_eq(r->host->n_warnings, 3, "one warning per shortened field");
    char *warning = tz_test_path("/etc/os-release VERSION_ID is %d bytes: "
                                 "shortened to the first %d", TZ_MAX_NAME + 1,
                                 TZ_MAX_NAME);
    expect_shortened(r->host->os_version, line, r->host->warnings,
                     r->host->n_warnings, warning);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(warning);
    free(osr);
    free(line);
}

Test(regress_host_long_field, long_cpu_model_still_gives_an_acceptable_report)
{
    char *model = malloc(TZ_MAX_NAME + 64);
    memset(model, 'c', TZ_MAX_NAME + 40);
    model[TZ_MAX_NAME + 40] = '\0';
    char *cpuinfo = tz_test_path("processor\t: 0\nmodel name\t: %s\n\n", model);
    tz_test_write(root, "proc/cpuinfo", cpuinfo);
    Tz__Report *r = assert_collector_accepts(NULL);
    char *warning = tz_test_path("/proc/cpuinfo model name is %d bytes: "
                                 "shortened to the first %d", TZ_MAX_NAME + 40,
                                 TZ_MAX_NAME);
    expect_shortened(r->hardware->cpu_model, model, r->hardware->warnings,
                     r->hardware->n_warnings, warning);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(warning);
    free(cpuinfo);
    free(model);
}
