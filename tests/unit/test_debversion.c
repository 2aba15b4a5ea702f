/* Tests for debversion: every ordering is checked against dpkg itself
 * (`dpkg --compare-versions`), over this machine's installed versions (in
 * database order and in our sorted order, so both distant and near pairs are
 * tried) and over hand-made edge cases; plus what debversion_valid accepts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debversion.h"
#include "tz_test.h"

/* dpkg's verdict: -1, 0, 1; -2 when dpkg rejects a version. */
static int dpkg_order(const char *a, const char *b)
{
    char *lt_ab[] = {"dpkg", "--compare-versions", (char *)a, "lt", (char *)b,
                     NULL};
    char *lt_ba[] = {"dpkg", "--compare-versions", (char *)b, "lt", (char *)a,
                     NULL};
    int x = tz_test_run(lt_ab, NULL);
    int y = tz_test_run(lt_ba, NULL);
    if (x > 1 || y > 1)
        return -2;
    if (x == 0)
        return -1;
    return y == 0 ? 1 : 0;
}

static int checked;

static void agree(const char *a, const char *b)
{
    int want = dpkg_order(a, b);
    cr_assert_neq(want, -2, "dpkg rejected \"%s\" or \"%s\"", a, b);
    cr_expect_eq(debversion_cmp(a, b), want, "cmp(\"%s\", \"%s\") = %d, dpkg %d",
                 a, b, debversion_cmp(a, b), want);
    cr_expect_eq(debversion_cmp(b, a), -want, "cmp(\"%s\", \"%s\") not antisymmetric",
                 b, a);
    checked++;
}

static int cmp_qsort(const void *x, const void *y)
{
    return debversion_cmp(*(char *const *)x, *(char *const *)y);
}

Test(debversion, installed_versions_agree_with_dpkg, .timeout = 240)
{
    char *argv[] = {"dpkg-query", "-W", "-f", "${Version}\\n", NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0);
    /* dpkg-query's format expands "\n" itself */
    size_t cap = 64, n = 0;
    char **v = malloc(cap * sizeof(*v));
    for (char *save = NULL, *s = strtok_r(out, "\n", &save); s;
         s = strtok_r(NULL, "\n", &save)) {
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof(*v));
        v[n++] = s;
    }
    cr_assert_geq(n, 100, "only %zu installed versions", n);
    for (size_t i = 0; i < n; i++)
        cr_expect(debversion_valid(v[i]), "installed \"%s\" invalid", v[i]);

    checked = 0;
    for (size_t i = 0; i + 1 < n; i++)      /* database order: unrelated pairs */
        agree(v[i], v[i + 1]);
    qsort(v, n, sizeof(*v), cmp_qsort);
    for (size_t i = 0; i + 1 < n; i++)      /* sorted order: near neighbours */
        if (strcmp(v[i], v[i + 1]) != 0)
            agree(v[i], v[i + 1]);
    cr_expect_geq(checked, 300, "%d pairs", checked);
    free(v);
    free(out);
}

static const char *const edge[][2] = {
    /* tilde sorts before everything, even the end */
    {"1.0~rc1", "1.0"}, {"1.0~~", "1.0~"}, {"1.0~~a", "1.0~"},
    {"1.0~", "1.0"}, {"1.0~rc1", "1.0~rc2"}, {"1.0~beta", "1.0~alpha"},
    {"1.0-1~bpo12+1", "1.0-1"}, {"2.30~", "2.30~~"}, {"1~", "1~a"},
    {"1.0~rc1-1", "1.0-1"}, {"1:1.0~0", "1:1.0"}, {"0~", "0"},
    /* letters before non-letters, end before letters */
    {"1.0a", "1.0"}, {"1.0+", "1.0a"}, {"1.0.", "1.0+"}, {"1.0a", "1.0b"},
    {"1.0Z", "1.0a"}, {"1.0+a", "1.0.a"}, {"1.0-a", "1.0-+"},
    {"1.0+dfsg", "1.0"}, {"1.0+dfsg-1", "1.0-1"}, {"1.0", "1.0."},
    /* epochs */
    {"1:0.1", "9.9"}, {"0:1.0", "1.0"}, {"2:1.0", "1:9.9"},
    {"00:1.0", "0:1.0"}, {"10:1", "9:1"}, {"1:1.0-1", "1:1.0-1~1"},
    {"1:2.0", "1:2.0-0"}, {"3:0", "2:99999999999999999999"},
    /* missing revision equals revision 0 */
    {"1.0", "1.0-0"}, {"1.0", "1.0-1"}, {"1.0-0", "1.0-00"},
    {"1.0-0.1", "1.0"}, {"1.0-1-1", "1.0-1"}, {"1.0-1-1", "1.0-1-0"},
    /* leading zeros and numeric runs */
    {"001", "1"}, {"1.01", "1.1"}, {"1.010", "1.10"}, {"1.002", "1.1"},
    {"10", "9"}, {"1.10", "1.9"}, {"1.0000000000000000000000001", "1.1"},
    {"0.0", "0"}, {"0.0.0", "0.0"}, {"1.2.3", "1.2.3.0"},
    /* huge digit runs: must not overflow */
    {"1.123456789012345678901234567890", "1.123456789012345678901234567891"},
    {"1.99999999999999999999999999999999", "1.100000000000000000000000000000000"},
    {"18446744073709551616", "18446744073709551615"},
    {"1.4294967296", "1.4294967295"}, {"2147483648", "2147483647"},
    {"1-99999999999999999999999999", "1-99999999999999999999999998"},
    {"000000000000000000000000000000000000001", "1"},
    /* Debian and Ubuntu spellings */
    {"2.36-9+deb12u4", "2.36-9+deb12u3"}, {"2.36-9+deb12u10", "2.36-9+deb12u9"},
    {"1.2.3-1ubuntu1", "1.2.3-1"}, {"1.2.3-1ubuntu0.1", "1.2.3-1ubuntu1"},
    {"5.15.0-91.101", "5.15.0-100.110"}, {"6.1.76-1", "6.1.69-1"},
    {"1:9.18.24-1", "1:9.18.19-1~deb12u1"}, {"3.0.11-1~deb12u2", "3.0.11-1"},
    {"252.22-1~deb12u1", "252.19-1~deb12u1"}, {"2:8.2.3995-1ubuntu2.15", "2:8.2.3995-1ubuntu2.9"},
    {"1.0+git20230101.abc123-1", "1.0+git20221231.def456-1"},
    {"20230311.dfsg-1", "20230311-1"}, {"7.88.1-10+deb12u5", "7.88.1-10+deb12u12"},
    {"1.0.0+really0.9.9-1", "1.0.0-1"}, {"2.0~pre1+dfsg-1", "2.0~pre1-1"},
    {"4.19.0-26-amd64", "4.19.0-6-amd64"}, {"6.1.0-18-amd64", "6.1.0-17-amd64"},
    {"1.0", "1.0"}, {"1:1.0-1", "1:1.0-1"}, {"1.0+b1", "1.0"},
};

Test(debversion, edge_cases_agree_with_dpkg, .timeout = 120)
{
    checked = 0;
    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
        agree(edge[i][0], edge[i][1]);
    cr_expect_eq(checked, (int)(sizeof(edge) / sizeof(edge[0])));
}

Test(debversion, exact_results_without_dpkg)
{
    cr_expect_eq(debversion_cmp("1.0~rc1", "1.0"), -1);
    cr_expect_eq(debversion_cmp("1.0", "1.0-0"), 0);
    cr_expect_eq(debversion_cmp("1:0.1", "9.9"), 1);
    cr_expect_eq(debversion_cmp("1.0a", "1.0+"), -1);
    cr_expect_eq(debversion_cmp("001.000", "1.0"), 0);
    cr_expect_eq(debversion_cmp("100000000000000000000000000000000000000001",
                                "100000000000000000000000000000000000000000"), 1);
    cr_expect_eq(debversion_cmp("99999999999999999999999999999:1",
                                "99999999999999999999999999998:2"), 1);
    cr_expect_eq(debversion_cmp(NULL, ""), 0);
    cr_expect_eq(debversion_cmp(NULL, "0"), 0);
    cr_expect_eq(debversion_cmp("~", NULL), -1);
    cr_expect_eq(debversion_cmp("1.0\xff", "1.0z"), 1);   /* high bytes stay ordered */
}

Test(debversion, valid_accepts_policy_versions)
{
    static const char *const good[] = {
        "0", "1.0", "1:1.0", "1.0-1", "1:1.0-1", "1.0~rc1-1~bpo12+1",
        "2.36-9+deb12u4", "1:2.0:3-1", "1.0-1-1", "1.2+dfsg.1-0.1", "0:0",
        "1a", "9Z.+~",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_expect(debversion_valid(good[i]), "\"%s\" rejected", good[i]);
}

Test(debversion, valid_rejects_malformed)
{
    char longv[300];
    memset(longv, '1', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    static const char *const bad[] = {
        "", "a1.0", "~1", ":1.0", "a:1.0", "1:", "1:a", "1.0-", "1.0 1",
        " 1.0", "1.0\t", "1.0:2", "1.0-1:2", "1.0-1_2", "1.0/2", "1.0-a-",
        "1.0-1~bpo+1\n", "-1", "1:-1", "1.0\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect(!debversion_valid(bad[i]), "\"%s\" accepted", bad[i]);
    cr_expect(!debversion_valid(longv), "300-byte version accepted");
    cr_expect(!debversion_valid(NULL));
    longv[256] = '\0';
    cr_expect(debversion_valid(longv), "256-byte version rejected");
}
