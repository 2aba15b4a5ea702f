/* Tests for ini_bool (ini_value.h), the one yes/no of the collector's INI
 * files: yes and no in any case, nothing else, and the two readers that
 * use it (tz-collector.ini's screening_scan, rules.ini's [disabled]) take
 * what it takes and refuse what it refuses. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "collector_config.h"
#include "ini_value.h"
#include "rules_config.h"
#include "tz_test.h"

static char *dir;

static void setup(void)
{
    dir = tz_test_tmpdir("inivalue");
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(ini_value, .init = setup, .fini = teardown);

Test(ini_value, bool_is_yes_or_no_in_any_case)
{
    static const char *const yes[] = {"yes", "Yes", "YES"};
    static const char *const no[] = {"no", "No", "NO"};
    static const char *const bad[] = {"", "y", "n", "1", "0", "true", "off",
                                      "yes ", "nope", "是"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
        int v = 7;
        cr_expect_eq(ini_bool(yes[i], &v), 0, "%s", yes[i]);
        cr_expect_eq(v, 1, "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        int v = 7;
        cr_expect_eq(ini_bool(no[i], &v), 0, "%s", no[i]);
        cr_expect_eq(v, 0, "%s", no[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        int v = 7;
        cr_expect_eq(ini_bool(bad[i], &v), -1, "\"%s\"", bad[i]);
        cr_expect_eq(v, 7, "\"%s\" left the value alone", bad[i]);
    }
}

static int collector_with(const char *value, struct collector_config *c,
                          struct tz_error *err)
{
    char *text = tz_test_path("[collector]\nscreening_scan = %s\n", value);
    int rc = tz_test_collector_ini(text, c, err);
    free(text);
    return rc;
}

Test(ini_value, screening_scan_takes_yes_and_no)
{
    struct collector_config c;
    struct tz_error err = {0};
    cr_assert_eq(collector_with("Yes", &c, &err), 0, "%s", err.msg);
    cr_expect_eq(c.screening_scan, 1);
    cr_assert_eq(collector_with("no", &c, &err), 0, "%s", err.msg);
    cr_expect_eq(c.screening_scan, 0);
    cr_expect_eq(collector_with("maybe", &c, &err), TZ_EPARSE);
    cr_expect(strstr(err.msg, "bad value for screening_scan: \"maybe\""),
              "%s", err.msg);
}

Test(ini_value, rules_disabled_takes_yes_and_no)
{
    struct rules_config c;
    struct tz_error err = {0};
    tz_test_write(dir, "r.ini", "[disabled]\nREBOOT_REQUIRED = YES\n"
                                "SUDO_NOPASSWD = no\n");
    char *path = tz_test_path("%s/r.ini", dir);
    rules_config_defaults(&c);
    cr_assert_eq(rules_config_load(&c, path, &err), 0, "%s", err.msg);
    cr_expect_eq(c.disabled[FLAG_REBOOT_REQUIRED], 1);
    cr_expect_eq(c.disabled[FLAG_SUDO_NOPASSWD], 0);
    tz_test_write(dir, "r.ini", "[disabled]\nREBOOT_REQUIRED = 1\n");
    cr_expect_eq(rules_config_load(&c, path, &err), TZ_EPARSE);
    cr_expect(strstr(err.msg, "REBOOT_REQUIRED must be yes or no"), "%s",
              err.msg);
    free(path);
}
