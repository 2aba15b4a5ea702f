/* Regression (found by tests/fuzz/fuzz_dpkg): a NUL byte inside a dpkg status
 * line cut the value short at the NUL. "Package:\0base-files" became a
 * package with an empty name, which the collector refuses (validate.c:
 * "package N has no name"), so the whole report of that host was INVALID;
 * "Package: a\0b" was silently stored as "a". A line with a NUL is not
 * "Field: value": it must be TZ_EPARSE naming the line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "collect_dpkg.h"
#include "tz_test.h"

static char *root;

static void setup(void) { root = tz_test_tmpdir("regress-dpkg"); }

static void teardown(void)
{
    tz_test_rm_rf(root);
    free(root);
}

TestSuite(regress_dpkg_nul, .init = setup, .fini = teardown);

static int collect_raw(const char *data, size_t len, struct tz_error *err)
{
    tz_test_write(root, "var/lib/dpkg/status", "");
    char *p = tz_test_path("%s/var/lib/dpkg/status", root);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    free(p);
    Tz__PackagesSection *ps = NULL;
    int rc = collect_dpkg(root, &ps, err);
    if (rc == 0)
        protobuf_c_message_free_unpacked(&ps->base, NULL);
    return rc;
}

Test(regress_dpkg_nul, nul_before_the_name_is_a_parse_error)
{
    static const char db[] = "Package:\0base-files\nStatus: install ok installed\n"
                             "Version: 12.4\n";
    struct tz_error err = {0};
    cr_assert_eq(collect_raw(db, sizeof(db) - 1, &err), TZ_EPARSE,
                 "a package named \"\" would get the whole report refused");
    cr_assert_eq(err.line, 1);
}

Test(regress_dpkg_nul, nul_inside_the_name_is_a_parse_error)
{
    static const char db[] = "Package: a\0b\nStatus: install ok installed\n"
                             "Version: 1\n";
    struct tz_error err = {0};
    cr_assert_eq(collect_raw(db, sizeof(db) - 1, &err), TZ_EPARSE,
                 "\"a\\0b\" must not be stored as \"a\"");
    cr_assert_eq(err.line, 1);
}
