/* Tests for collect_dpkg: which stanzas count as installed, the fields we
 * keep, every malformed case with its exact line, and this machine's own
 * database against dpkg-query. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect_dpkg.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;
static Tz__PackagesSection *sec;

static void setup(void)
{
    root = tz_test_root_new("dpkg", &err);
    sec = NULL;
}

static void teardown(void)
{
    tz_test_root_free(root, sec ? &sec->base : NULL);
}

static int parse(const char *status)
{
    tz_test_write(root, "var/lib/dpkg/status", status);
    return collect_dpkg(root, &sec, &err);
}

static void expect_pkg(size_t i, const char *name, const char *version,
                       const char *arch, const char *source)
{
    cr_assert_lt(i, sec->n_packages);
    Tz__Package *p = sec->packages[i];
    cr_expect_str_eq(p->name, name);
    cr_expect_str_eq(p->version, version);
    cr_expect_str_eq(p->arch, arch);
    cr_expect_str_eq(p->source, source);
}

static void expect_parse_error(int rc, long line, const char *words)
{
    cr_assert_eq(rc, TZ_EPARSE, "rc %d, msg %s", rc, err.msg);
    cr_expect_eq(err.code, TZ_EPARSE);
    cr_expect_eq(err.line, line, "line %ld, msg %s", err.line, err.msg);
    cr_expect(strstr(err.file, "/var/lib/dpkg/status") != NULL, "file %s",
              err.file);
    cr_expect(strstr(err.msg, words) != NULL, "msg \"%s\" lacks \"%s\"",
              err.msg, words);
    cr_expect_null(sec, "no output on error");
}

static const char mixed[] =
    "Package: alpha\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Version: 1.0-1\n"
    "Description: the first\n"
    " a long description\n"
    " .\n"
    "\tmore: with a colon\n"
    "\n"
    "Package: beta\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 2.0\n"
    "\n"
    "Package: gamma\n"
    "Status: install reinstreq half-installed\n"
    "Version: 3.0\n"
    "Architecture: all\n"
    "\n"
    "\n"
    "Package: libdelta1\n"
    "Status: install ok installed\n"
    "Architecture: arm64\n"
    "Source: delta (1:2.3-4)\n"
    "Version: 1:2.3-4+b1\n"
    "\n"
    "Package: libdelta1\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Source: delta\n"
    "Version: 1:2.3-4+b1\n"
    "\n"
    "package: epsilon\n"
    "Status: hold ok installed\n"
    "Source: epsilon\n"
    "Version:   5  \n"
    "Architecture: all\n"
    "\n"
    "Package: zeta\n"
    "Status: purge ok not-installed\n"
    "\n";

TestSuite(collect_dpkg, .init = setup, .fini = teardown);

Test(collect_dpkg, counts_only_installed_stanzas)
{
    cr_assert_eq(parse(mixed), 0, "%s", err.msg);
    cr_assert_str_eq(sec->manager, "dpkg");
    cr_assert_eq(sec->n_packages, 4);
    /* sorted by (name, arch); config-files, half-installed, not-installed
     * are gone */
    expect_pkg(0, "alpha", "1.0-1", "amd64", "");
    expect_pkg(1, "epsilon", "5", "all", "");
    expect_pkg(2, "libdelta1", "1:2.3-4+b1", "amd64", "delta");
    expect_pkg(3, "libdelta1", "1:2.3-4+b1", "arm64", "delta");
}

Test(collect_dpkg, source_drops_version_and_equal_name)
{
    cr_assert_eq(parse("Package: a\nStatus: install ok installed\n"
                       "Version: 1\nSource: a-src (0.9-2)\n\n"
                       "Package: b\nStatus: install ok installed\n"
                       "Version: 1\nSource: b (1)\n\n"
                       "Package: c\nStatus: install ok installed\n"
                       "Version: 1\nSource: c-src(1.0)\n"),
                 0, "%s", err.msg);
    cr_assert_eq(sec->n_packages, 3);
    expect_pkg(0, "a", "1", "", "a-src");
    expect_pkg(1, "b", "1", "", "");
    expect_pkg(2, "c", "1", "", "c-src");
}

Test(collect_dpkg, final_stanza_without_blank_line_is_complete)
{
    cr_assert_eq(parse("Package: a\nStatus: install ok installed\n"
                       "Version: 1\n\n"
                       "Package: b\nStatus: install ok installed\n"
                       "Version: 2"),
                 0, "%s", err.msg);
    cr_assert_eq(sec->n_packages, 2);
    expect_pkg(1, "b", "2", "", "");
}

Test(collect_dpkg, empty_database_is_no_packages)
{
    cr_assert_eq(parse(""), 0, "%s", err.msg);
    cr_assert_str_eq(sec->manager, "dpkg");
    cr_assert_eq(sec->n_packages, 0);
}

Test(collect_dpkg, missing_database_is_enoent)
{
    cr_assert_eq(collect_dpkg(root, &sec, &err), TZ_ENOENT);
    cr_expect_eq(err.code, TZ_ENOENT);
    cr_expect_null(sec);
}

Test(collect_dpkg, truncated_stanza_without_status)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\n\n"
                             "Package: b\nVersion: 2\n"),
                       5, "package b (stanza at line 5) has no Status field; "
                          "the database ends in the middle of it");
}

Test(collect_dpkg, truncated_stanza_without_package)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\n\n\n"
                             "Description: cut off\n more\n"),
                       6, "stanza at line 6 has no Package field");
}

Test(collect_dpkg, line_of_75k_like_real_provides_is_accepted)
{
    /* librust-winapi-dev's Provides: line is 75,649 bytes in bookworm. */
    size_t n = 75 * 1024;
    char *s = malloc(n + 200);
    int off = sprintf(s, "Package: a\nStatus: install ok installed\n"
                         "Provides: ");
    memset(s + off, 'x', n);
    strcpy(s + off + n, "\nVersion: 1\n");
    cr_assert_eq(parse(s), 0);
    free(s);
}

Test(collect_dpkg, line_over_1m)
{
    size_t n = (1u << 20) + 16;
    char *s = malloc(n + 200);
    int off = sprintf(s, "Package: a\nStatus: install ok installed\n"
                         "Description: ");
    memset(s + off, 'x', n);
    strcpy(s + off + n, "\nVersion: 1\n");
    int rc = parse(s);
    free(s);
    expect_parse_error(rc, 3, "line longer than 1048576 bytes");
}

Test(collect_dpkg, stanza_over_1m)
{
    /* 20 continuation lines of 60 KiB: each line is fine, the stanza not */
    size_t line = 60 * 1024, lines = 20;
    char *s = malloc(100 + lines * (line + 2));
    char *p = s + sprintf(s, "Package: a\nStatus: install ok installed\n"
                             "Description: big\n");
    for (size_t i = 0; i < lines; i++) {
        *p++ = ' ';
        memset(p, 'y', line);
        p += line;
        *p++ = '\n';
    }
    *p = '\0';
    int rc = parse(s);
    free(s);
    /* 3 short lines and 17 of 60 KiB stay under 1 MiB; line 21 crosses */
    expect_parse_error(rc, 21, "stanza at line 1 is larger than 1048576 bytes");
}

Test(collect_dpkg, installed_without_version)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\n\n"
                             "Package: foo\nStatus: install ok installed\n"
                             "Architecture: all\n\n"),
                       5, "package foo (stanza at line 5) has no Version");
}

Test(collect_dpkg, not_installed_without_version_is_fine)
{
    cr_assert_eq(parse("Package: foo\nStatus: deinstall ok config-files\n\n"),
                 0, "%s", err.msg);
    cr_assert_eq(sec->n_packages, 0);
}

Test(collect_dpkg, line_without_colon)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\nthis is not a field\n\n"),
                       4, "without a colon");
}

Test(collect_dpkg, continuation_before_any_field)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\n\n"
                             " orphan continuation\nPackage: b\n"),
                       5, "continuation line before any field");
}

Test(collect_dpkg, name_longer_than_limit)
{
    char s[1024];
    char name[TZ_MAX_NAME + 2];
    memset(name, 'n', TZ_MAX_NAME + 1);
    name[TZ_MAX_NAME + 1] = '\0';
    snprintf(s, sizeof(s), "Status: install ok installed\nPackage: %s\n"
                           "Version: 1\n", name);
    expect_parse_error(parse(s), 2, "package name is longer than 256 bytes");
}

Test(collect_dpkg, name_of_exactly_the_limit_is_kept)
{
    char s[1024];
    char name[TZ_MAX_NAME + 1];
    memset(name, 'n', TZ_MAX_NAME);
    name[TZ_MAX_NAME] = '\0';
    snprintf(s, sizeof(s), "Status: install ok installed\nPackage: %s\n"
                           "Version: 1\n", name);
    cr_assert_eq(parse(s), 0, "%s", err.msg);
    cr_assert_eq(sec->n_packages, 1);
    cr_expect_str_eq(sec->packages[0]->name, name);
}

Test(collect_dpkg, version_longer_than_limit)
{
    char s[1024];
    char ver[TZ_MAX_NAME + 2];
    memset(ver, '1', TZ_MAX_NAME + 1);
    ver[TZ_MAX_NAME + 1] = '\0';
    snprintf(s, sizeof(s), "Package: a\nStatus: install ok installed\n"
                           "Version: %s\n", ver);
    expect_parse_error(parse(s), 3, "version is longer than 256 bytes");
}

Test(collect_dpkg, malformed_status_field)
{
    expect_parse_error(parse("Package: a\nStatus: installed\nVersion: 1\n"),
                       2, "Status must be three words");
}

Test(collect_dpkg, duplicate_field)
{
    expect_parse_error(parse("Package: a\nStatus: install ok installed\n"
                             "Version: 1\nVersion: 2\n"),
                       4, "field Version given twice in one stanza "
                          "(first at line 3)");
}

Test(collect_dpkg, error_without_err_record_still_returns_code)
{
    tz_test_write(root, "var/lib/dpkg/status", "Package: a\nnot a field\n");
    cr_assert_eq(collect_dpkg(root, &sec, NULL), TZ_EPARSE);
    cr_assert_null(sec);
}

Test(collect_dpkg, more_than_max_packages_is_elimit)
{
    char *path = tz_test_path("%s/var/lib/dpkg/status", root);
    tz_test_write(root, "var/lib/dpkg/status", "");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (long i = 0; i <= TZ_MAX_PACKAGES; i++)
        fprintf(f, "Package: p%ld\nStatus: install ok installed\n"
                   "Version: 1\n\n", i);
    fclose(f);
    free(path);
    cr_assert_eq(collect_dpkg(root, &sec, &err), TZ_ELIMIT, "%s", err.msg);
    cr_expect_eq(err.line, 4L * TZ_MAX_PACKAGES + 1);
    cr_expect_null(sec);
}

/* This machine's database: our idea of "installed" is dpkg's. */
Test(collect_dpkg, real_status_matches_dpkg_query)
{
    char *out = NULL;
    char *count[] = {"sh", "-c",
                     "dpkg-query -W -f '${db:Status-Status}\\n' | "
                     "grep -c '^installed$'",
                     NULL};
    cr_assert_eq(tz_test_run(count, &out), 0, "dpkg-query: %s", out);
    long want = strtol(out, NULL, 10);
    free(out);
    char *ver[] = {"dpkg-query", "-W", "-f", "${Version}", "dpkg", NULL};
    cr_assert_eq(tz_test_run(ver, &out), 0, "dpkg-query: %s", out);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = collect_dpkg("/", &sec, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_eq(rc, 0, "%s:%ld: %s", err.file, err.line, err.msg);
    cr_log_info("parsed %zu packages in %.2f ms", sec->n_packages,
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    cr_assert_gt(want, 0);
    cr_expect_eq((long)sec->n_packages, want);

    const Tz__Package *dpkg = NULL;
    for (size_t i = 0; i < sec->n_packages; i++) {
        if (i > 0) {
            int c = strcmp(sec->packages[i - 1]->name, sec->packages[i]->name);
            cr_assert(c < 0 || (c == 0 && strcmp(sec->packages[i - 1]->arch,
                                                 sec->packages[i]->arch) < 0),
                      "not sorted at %zu", i);
        }
        if (strcmp(sec->packages[i]->name, "dpkg") == 0)
            dpkg = sec->packages[i];
    }
    cr_assert_not_null(dpkg, "package dpkg not found");
    cr_expect_str_eq(dpkg->version, out);
    free(out);
}

/* The --root fixture hosts promise 3, 5 and 8 installed packages
 * (tests/fixtures/hosts/README.md); the integration test relies on it. */
static void expect_fixture(const char *host, size_t want)
{
    char *r = tz_test_path("%s/hosts/%s", TZ_FIXTURES, host);
    Tz__PackagesSection *s = NULL;
    cr_assert_eq(collect_dpkg(r, &s, &err), 0, "%s: %s", host, err.msg);
    cr_expect_eq(s->n_packages, want, "%s: %zu packages", host, s->n_packages);
    for (size_t i = 0; i < s->n_packages; i++)
        cr_expect_str_neq(s->packages[i]->name, "ntpdate",
                          "config-files stanza counted");
    protobuf_c_message_free_unpacked(&s->base, NULL);
    free(r);
}

Test(collect_dpkg, fixture_hosts_have_documented_counts)
{
    expect_fixture("alpha", 3);
    expect_fixture("beta", 5);
    expect_fixture("gamma", 8);
}

Test(collect_dpkg, fixture_beta_fields)
{
    char *r = tz_test_path("%s/hosts/beta", TZ_FIXTURES);
    cr_assert_eq(collect_dpkg(r, &sec, &err), 0, "%s", err.msg);
    free(r);
    cr_assert_eq(sec->n_packages, 5);
    expect_pkg(0, "base-files", "12.4+deb12u5", "amd64", "");
    expect_pkg(1, "bash", "5.2.15-2+b2", "amd64", "");
    expect_pkg(2, "coreutils", "9.1-1", "amd64", "");
    expect_pkg(3, "libc6", "2.36-9+deb12u4", "amd64", "glibc");
    expect_pkg(4, "openssh-server", "1:9.2p1-2+deb12u2", "amd64", "openssh");
}
