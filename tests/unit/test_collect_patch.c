/* Tests for collect_patch: a temp root with a dpkg database, apt lists from a
 * normal, an -updates and a -security suite (InRelease and Release), a
 * compressed list, a list without Release and reboot-required gives exact
 * updates, security flags, counts, kernels and warnings; bounds, missing
 * pieces, and the speed of streaming a Debian-sized list. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <lz4frame.h>
#include <zlib.h>

#include "collect_dpkg.h"
#include "collect_patch.h"
#include "debversion.h"
#include "pkglist.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;
static Tz__PatchSection *sec;

static void setup(void)
{
    root = tz_test_root_new("patch", &err);
    sec = NULL;
}

static void teardown(void)
{
    tz_test_root_free(root, sec ? &sec->base : NULL);
}

#define LISTS "var/lib/apt/lists/"
#define MAIN_AMD64 "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"

static void pkg(char **buf, const char *name, const char *version,
                const char *arch, const char *status)
{
    char *old = *buf, *s = NULL;
    if (asprintf(&s, "%sPackage: %s\nStatus: %s\nPriority: optional\n"
                     "Architecture: %s\nVersion: %s\nDescription: x\n y\n\n",
                 old ? old : "", name, status, arch, version) < 0)
        abort();
    free(old);
    *buf = s;
}

static void write_status(void)
{
    char *s = NULL;
    const char *ok = "install ok installed";
    pkg(&s, "bash", "5.2.15-2+b2", "amd64", ok);
    pkg(&s, "libc6", "2.36-9+deb12u3", "amd64", ok);
    pkg(&s, "libc6", "2.36-9+deb12u3", "i386", ok);
    pkg(&s, "openssl", "3.0.11-1~deb12u2", "amd64", ok);
    pkg(&s, "tzdata", "2024a-0+deb12u1", "all", ok);
    pkg(&s, "curl", "7.88.1-10+deb12u5", "amd64", ok);
    pkg(&s, "vim", "2:9.0.1378-2", "amd64", ok);
    pkg(&s, "localpkg", "1.0", "amd64", ok);
    pkg(&s, "oldpkg", "1.0", "amd64", "deinstall ok config-files");
    pkg(&s, "linux-image-6.1.0-17-amd64", "6.1.69-1", "amd64", ok);
    pkg(&s, "linux-image-6.1.0-18-amd64", "6.1.76-1", "amd64", ok);
    pkg(&s, "linux-image-6.1.0-18-amd64-dbg", "6.1.99-1", "amd64", ok);
    pkg(&s, "linux-image-amd64", "9.9.9", "amd64", ok);
    pkg(&s, "linux-image-cloud-amd64", "9.9.9", "amd64", ok);
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
}

static void set_mtime(const char *rel, time_t t)
{
    char *p = tz_test_path("%s/%s", root, rel);
    struct utimbuf ub = {t, t};
    cr_assert_eq(utime(p, &ub), 0);
    free(p);
}

static void write_lists(void)
{
    tz_test_write(root, LISTS "deb.debian.org_debian_dists_bookworm_InRelease",
        "-----BEGIN PGP SIGNED MESSAGE-----\n"
        "Hash: SHA512\n"
        "\n"
        "Origin: Debian\n"
        "Label: Debian\n"
        "Suite: stable\n"
        "Version: 12.5\n"
        "Codename: bookworm\n"
        "Date: Sat, 10 Feb 2024 09:46:19 UTC\n"
        "Description: Debian 12.5 Released 10 February 2024\n"
        "MD5Sum:\n"
        " 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all\n"
        "-----BEGIN PGP SIGNATURE-----\n"
        "\n"
        "iQIzBAEBCgAdFiEE\n"
        "-----END PGP SIGNATURE-----\n");
    tz_test_write(root, LISTS MAIN_AMD64,
        "Package: bash\n"                        /* 1 */
        "Version: 5.2.15-2+b2\n"
        "Architecture: amd64\n"
        "Description: GNU Bourne Again SHell\n"
        " continuation here\n"                   /* 5 */
        "\n"
        "Package: libc6\n"
        "Source: glibc\n"
        "Version: 2.36-9+deb12u4\n"
        "Architecture: amd64\n"                  /* 10 */
        "\n"
        "Package: openssl\n"
        "Version: 3.0.13-1~deb12u1\n"
        "Architecture: amd64\n"
        "\n"                                     /* 15 */
        "Package: curl\n"
        "Version: 7.88.1-10+deb12u5\n"
        "Architecture: amd64\n"
        "\n"
        "Package: oldpkg\n"                      /* 20 */
        "Version: 9.9\n"
        "Architecture: amd64\n"
        "\n"
        "Package: broken\n"
        "this line has no colon\n"               /* 25 */
        "Version: 1.0\n"
        "\n"
        "Package: noversion\n"
        "Architecture: amd64\n"
        "\n"                                     /* 30 */
        "Package: bash\n"
        "Version: not a version\n"
        "Architecture: amd64\n"
        "\n"
        "Package: bash\n"                        /* 35 */
        "Version: 9.0-1\n"
        "Version: 9.1-1\n"
        "Architecture: amd64\n"
        "\n"
        " orphan continuation\n"                 /* 40 */
        "Package: bash\n"
        "Version: 9.2-1\n"
        "Architecture: amd64\n"
        "\n"
        "Package: linux-image-6.1.0-18-amd64\n"  /* 45 */
        "Version: 6.1.90-1\n"
        "Architecture: arm64\n");                /* no final blank line */
    tz_test_write(root, LISTS
        "deb.debian.org_debian_dists_bookworm_main_binary-i386_Packages",
        "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: i386\n\n");
    tz_test_write(root, LISTS "deb.debian.org_debian_dists_bookworm_main_i18n_"
                        "Translation-en", "Package: vim\nDescription-md5: x\n");
    tz_test_write(root, LISTS
        "deb.debian.org_debian_dists_bookworm-updates_InRelease",
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "Origin: Debian\nLabel: Debian\nSuite: stable-updates\n"
        "Codename: bookworm-updates\n");
    tz_test_write(root, LISTS
        "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages",
        "Package: tzdata\nVersion: 2024b-0+deb12u1\nArchitecture: all\n\n"
        "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n");
    tz_test_write(root, LISTS
        "deb.debian.org_debian-security_dists_bookworm-security_Release",
        "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\n"
        "Version: 12\nCodename: bookworm-security\n"
        "SHA256:\n 00  1 main/binary-amd64/Packages\n");
    tz_test_write(root, LISTS "deb.debian.org_debian-security_dists_"
                              "bookworm-security_main_binary-amd64_Packages",
        "Package: openssl\nVersion: 3.0.11-1~deb12u3\nArchitecture: amd64\n\n"
        "Package: curl\nVersion: 7.88.1-10+deb12u6\nArchitecture: amd64\n\n"
        "Package: bash\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n"
        "Package: libc6\nVersion: 2.36-9+deb12u3\nArchitecture: amd64\n\n");
    /* compressed: never read, whatever it holds */
    tz_test_write(root, LISTS
        "deb.debian.org_debian_dists_bookworm_main_binary-arm64_Packages.xz",
        "Package: bash\nVersion: 99\nArchitecture: amd64\n\n");
    /* a trusted=yes repository without Release */
    tz_test_write(root, LISTS "example.org_repo_._Packages",
        "Package: vim\nVersion: 2:9.1.0-1\nArchitecture: amd64\n\n"
        "Package: localpkg\nVersion: 2.0\nArchitecture: arm64\n\n");
    tz_test_write(root, LISTS "lock", "");
    tz_test_write(root, LISTS "partial/x_Packages",
                  "Package: bash\nVersion: 99\nArchitecture: amd64\n\n");

    static const char *const plain[] = {
        "deb.debian.org_debian_dists_bookworm_main_binary-i386_Packages",
        "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages",
        ("deb.debian.org_debian-security_dists_bookworm-security_main_"
         "binary-amd64_Packages"),
    };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        char *rel = tz_test_path(LISTS "%s", plain[i]);
        set_mtime(rel, 1600000000 + (time_t)i);
        free(rel);
    }
    set_mtime(LISTS MAIN_AMD64, 1700000000);
    set_mtime(LISTS "example.org_repo_._Packages", 1710000000);
    set_mtime(LISTS "deb.debian.org_debian_dists_bookworm_main_binary-arm64_"
                    "Packages.xz", 1800000000);
}

static void expect_update(size_t i, const char *name, const char *installed,
                          const char *candidate, const char *suite, int security)
{
    cr_assert_lt(i, sec->n_updates);
    Tz__PendingUpdate *u = sec->updates[i];
    cr_expect_str_eq(u->name, name);
    cr_expect_str_eq(u->installed, installed, "%s", name);
    cr_expect_str_eq(u->candidate, candidate, "%s", name);
    cr_expect_str_eq(u->suite, suite, "%s", name);
    cr_expect_eq(u->security, security, "%s security", name);
}

#define W_MAIN "/var/lib/apt/lists/" MAIN_AMD64

TestSuite(patch, .init = setup, .fini = teardown);

Test(patch, updates_security_kernels_and_reboot_from_a_temp_root)
{
    write_status();
    write_lists();
    tz_test_write(root, "run/reboot-required", "*** System restart required ***\n");
    tz_test_write(root, "run/reboot-required.pkgs",
                  "linux-image-6.1.0-18-amd64\nlibc6\n"
                  "linux-image-6.1.0-18-amd64\n\n   \n");

    int rc = collect_patch(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err.msg);

    cr_expect_str_eq(sec->running_kernel, "");
    cr_expect_str_eq(sec->newest_kernel, "6.1.0-18-amd64");
    cr_expect_str_eq(sec->newest_kernel_package, "linux-image-6.1.0-18-amd64");
    cr_expect_eq(sec->kernel_outdated, 0);

    cr_expect_eq(sec->reboot_required, 1);
    cr_assert_eq(sec->n_reboot_required_pkgs, 2);
    cr_expect_str_eq(sec->reboot_required_pkgs[0], "linux-image-6.1.0-18-amd64");
    cr_expect_str_eq(sec->reboot_required_pkgs[1], "libc6");

    cr_expect_eq(sec->lists_found, 1);
    cr_expect_eq(sec->lists_updated_at, 1710000000);

    cr_assert_eq(sec->n_updates, 5);
    expect_update(0, "curl", "7.88.1-10+deb12u5", "7.88.1-10+deb12u6",
                  "stable-security", 1);
    expect_update(1, "libc6", "2.36-9+deb12u3", "2.36-9+deb12u4", "stable", 0);
    /* the point release is newer, but security also fixes it */
    expect_update(2, "openssl", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1",
                  "stable", 1);
    expect_update(3, "tzdata", "2024a-0+deb12u1", "2024b-0+deb12u1",
                  "stable-updates", 0);
    expect_update(4, "vim", "2:9.0.1378-2", "2:9.1.0-1", "", 0);
    cr_expect_eq(sec->security_updates, 2);

    static const char *const want[] = {
        "/var/lib/apt/lists: 1 compressed package list skipped, e.g. "
        "deb.debian.org_debian_dists_bookworm_main_binary-arm64_Packages.xz "
        "(plain, .gz and .lz4 lists are read; set "
        "Acquire::CompressionTypes::Order to one of those)",
        W_MAIN ":25: expected \"Field: value\"; stanza skipped",
        W_MAIN ":28: package noversion without Version; skipped",
        (W_MAIN ":32: package bash has an invalid version \"not a version\"; "
         "skipped"),
        W_MAIN ":37: field Version given twice (first at line 36); stanza skipped",
        W_MAIN ":40: continuation line before any field; stanza skipped",
        ("/var/lib/apt/lists/example.org_repo_._Packages: no Release file beside "
         "it; its updates have no suite and are not security"),
    };
    cr_assert_eq(sec->n_warnings, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sec->n_warnings; i++)
        cr_expect_str_eq(sec->warnings[i], want[i], "warning %zu", i);
}

Test(patch, kernel_outdated_only_when_running_package_is_older)
{
    write_status();
    cr_assert_eq(collect_patch_running(root, "6.1.0-17-amd64", &sec, &err), 0);
    cr_expect_str_eq(sec->running_kernel, "6.1.0-17-amd64");
    cr_expect_str_eq(sec->newest_kernel, "6.1.0-18-amd64");
    cr_expect_eq(sec->kernel_outdated, 1);
    protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;

    cr_assert_eq(collect_patch_running(root, "6.1.0-18-amd64", &sec, &err), 0);
    cr_expect_eq(sec->kernel_outdated, 0);
    protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;

    /* a custom kernel without a package is not judged */
    cr_assert_eq(collect_patch_running(root, "6.18.44-custom", &sec, &err), 0);
    cr_expect_str_eq(sec->running_kernel, "6.18.44-custom");
    cr_expect_eq(sec->kernel_outdated, 0);
    cr_expect_eq(sec->lists_found, 0);
    cr_expect_eq(sec->n_updates, 0);
    cr_expect_eq(sec->n_warnings, 0);
    cr_expect_eq(sec->reboot_required, 0);
}

Test(patch, newest_kernel_by_package_version_then_release)
{
    char *s = NULL;
    const char *ok = "install ok installed";
    pkg(&s, "linux-image-5.15.0-91-generic", "5.15.0-91.101", "amd64", ok);
    pkg(&s, "linux-image-unsigned-5.15.0-100-generic", "5.15.0-100.110", "amd64", ok);
    pkg(&s, "linux-image-unsigned-5.15.0-100-generic-dbgsym", "5.15.0-200.1", "amd64", ok);
    pkg(&s, "linux-image-generic", "5.15.0.100.97", "amd64", ok);
    pkg(&s, "linux-image-6.1.0-9-amd64-unsigned", "5.15.0-99.1", "amd64", ok);
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
    cr_assert_eq(collect_patch_running(root, "5.15.0-91-generic", &sec, &err), 0);
    cr_expect_str_eq(sec->newest_kernel, "5.15.0-100-generic");
    cr_expect_str_eq(sec->newest_kernel_package,
                     "linux-image-unsigned-5.15.0-100-generic");
    cr_expect_eq(sec->kernel_outdated, 1);
}

Test(patch, codename_only_security_release_and_arch_all)
{
    char *s = NULL;
    pkg(&s, "libssl3", "3.0.2-0ubuntu1.10", "amd64", "install ok installed");
    pkg(&s, "python3-six", "1.16.0-3", "all", "install ok installed");
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
    tz_test_write(root, LISTS "archive.ubuntu.com_ubuntu_dists_jammy-security_Release",
                  "Origin: Ubuntu\nCodename: jammy-security\n");
    tz_test_write(root, LISTS "archive.ubuntu.com_ubuntu_dists_jammy-security_main_"
                              "binary-amd64_Packages",
                  "Package: libssl3\nArchitecture: all\nVersion: 3.0.2-0ubuntu1.12\n\n"
                  "Package: python3-six\nArchitecture: amd64\nVersion: 1.16.0-4\n");
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    cr_assert_eq(sec->n_updates, 2);
    expect_update(0, "libssl3", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12",
                  "jammy-security", 1);
    expect_update(1, "python3-six", "1.16.0-3", "1.16.0-4", "jammy-security", 1);
    cr_expect_eq(sec->security_updates, 2);
    cr_expect_eq(sec->n_warnings, 0);
}

Test(patch, warnings_are_bounded_and_counted)
{
    char *s = NULL;
    pkg(&s, "bash", "5.0-1", "amd64", "install ok installed");
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
    char *list = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&list, &n);
    for (int i = 0; i < 70; i++)
        fprintf(f, "garbage %d\n\n", i);            /* lines 1, 3, 5, ... */
    fprintf(f, "Package: bash\nVersion: 5.1-1\nArchitecture: amd64\n");
    fclose(f);
    tz_test_write(root, LISTS "x_Packages", list);
    tz_test_write(root, LISTS "x_Release", "Suite: s\n");
    free(list);
    cr_assert_eq(collect_patch(root, &sec, &err), 0);
    cr_assert_eq(sec->n_warnings, TZ_MAX_WARNINGS);
    cr_expect_str_eq(sec->warnings[0], "/var/lib/apt/lists/x_Packages:1: "
                                       "expected \"Field: value\"; stanza skipped");
    cr_expect_str_eq(sec->warnings[62], "/var/lib/apt/lists/x_Packages:125: "
                                        "expected \"Field: value\"; stanza skipped");
    cr_expect_str_eq(sec->warnings[63], "... and 7 more warnings");
    cr_assert_eq(sec->n_updates, 1);
    expect_update(0, "bash", "5.0-1", "5.1-1", "s", 0);
}

/* Debian bookworm main has a 75,649-byte Provides line (librust-winapi-dev) */
Test(patch, long_real_world_lines_and_big_stanzas)
{
    char *s = NULL;
    pkg(&s, "bash", "5.0-1", "amd64", "install ok installed");
    pkg(&s, "zsh", "5.0-1", "amd64", "install ok installed");
    pkg(&s, "dash", "0.5-1", "amd64", "install ok installed");
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
    size_t prov = 80 * 1024, huge = 1100 * 1024;
    char *list = malloc(prov + huge + 20 * 61 * 1024 + 1024);
    char *w = list;
    w += sprintf(w, "Package: bash\nVersion: 5.2-1\nProvides: ");
    memset(w, 'p', prov);
    w += prov;
    /* line 6 starts a stanza of 20 x 60 KiB lines: line 25 crosses 1 MiB */
    w += sprintf(w, "\nArchitecture: amd64\n\nPackage: dash\nVersion: 9-1\n");
    for (int i = 0; i < 20; i++) {
        w += sprintf(w, "X-%d: ", i);
        memset(w, 'y', 60 * 1024);
        w += 60 * 1024;
        *w++ = '\n';
    }
    w += sprintf(w, "Architecture: amd64\n\n"
                    "Package: zsh\nVersion: 5.9-1\nArchitecture: amd64\n");
    tz_test_write(root, LISTS "a_Packages", list);
    /* one line over 1 MiB: the rest of b_Packages cannot be trusted */
    w = list;
    w += sprintf(w, "Package: zsh\nVersion: 6.0-1\nArchitecture: amd64\n\n"
                    "Description: ");
    memset(w, 'z', huge);
    w += huge;
    sprintf(w, "\n\nPackage: zsh\nVersion: 7.0-1\nArchitecture: amd64\n");
    tz_test_write(root, LISTS "b_Packages", list);
    free(list);
    tz_test_write(root, LISTS "a_Release", "Suite: a\n");
    tz_test_write(root, LISTS "b_Release", "Suite: b\n");
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    cr_assert_eq(sec->n_updates, 2);
    expect_update(0, "bash", "5.0-1", "5.2-1", "a", 0);
    expect_update(1, "zsh", "5.0-1", "6.0-1", "b", 0);
    static const char *const want[] = {
        "/var/lib/apt/lists/a_Packages:25: stanza at line 6 larger than 1 MiB; "
        "skipped",
        "/var/lib/apt/lists/b_Packages:5: line longer than 1 MiB; rest of the "
        "file skipped",
    };
    cr_assert_eq(sec->n_warnings, 2);
    cr_expect_str_eq(sec->warnings[0], want[0]);
    cr_expect_str_eq(sec->warnings[1], want[1]);
}

Test(patch, symlinked_var_run_under_root_is_not_followed)
{
    write_status();
    /* var/run -> an absolute path: under --root it names the collecting
     * host's directory, which says nothing about the inspected root */
    char *other = tz_test_tmpdir("patch-run");
    tz_test_write(other, "reboot-required", "x\n");
    tz_test_write(other, "reboot-required.pkgs", "evil\n");
    char *link = tz_test_path("%s/var/run", root);
    cr_assert_eq(symlink(other, link), 0);
    cr_assert_eq(collect_patch(root, &sec, &err), 0);
    cr_expect_eq(sec->reboot_required, 0);
    cr_expect_eq(sec->n_reboot_required_pkgs, 0);
    free(link);
    tz_test_rm_rf(other);
    free(other);
}

Test(patch, var_run_as_a_real_directory_counts)
{
    write_status();
    tz_test_write(root, "var/run/reboot-required.pkgs", "libc6\n");
    cr_assert_eq(collect_patch(root, &sec, &err), 0);
    cr_expect_eq(sec->reboot_required, 0);   /* the flag file is what counts */
    cr_assert_eq(sec->n_reboot_required_pkgs, 1);
    cr_expect_str_eq(sec->reboot_required_pkgs[0], "libc6");
}

Test(patch, no_dpkg_database_is_enoent_and_out_untouched)
{
    Tz__PatchSection *sentinel = (Tz__PatchSection *)&err;
    sec = sentinel;
    cr_expect_eq(collect_patch(root, &sec, &err), TZ_ENOENT);
    cr_expect_eq(sec, sentinel);
    sec = NULL;
}

Test(patch, only_compressed_lists_means_lists_not_found)
{
    write_status();
    tz_test_write(root, LISTS "a_Packages.xz", "junk");
    cr_assert_eq(collect_patch(root, &sec, &err), 0);
    cr_expect_eq(sec->lists_found, 0);
    cr_expect_eq(sec->lists_updated_at, 0);
    cr_assert_eq(sec->n_warnings, 1);
    cr_expect(strstr(sec->warnings[0], "1 compressed package list skipped, "
                                       "e.g. a_Packages.xz") != NULL, "%s",
              sec->warnings[0]);
}

Test(patch, live_root_reports_uname)
{
    struct utsname u;
    cr_assert_eq(uname(&u), 0);
    int rc = collect_patch("/", &sec, &err);
    if (rc == TZ_ENOENT)
        cr_skip_test("no dpkg database on this machine");
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_expect_str_eq(sec->running_kernel, u.release);
    cr_expect_leq(sec->n_warnings, TZ_MAX_WARNINGS);
}

/* ~60k stanzas, the size of Debian main for one architecture. */
Test(patch, streams_a_debian_sized_list_quickly, .timeout = 60)
{
    char *s = NULL;
    size_t sn = 0;
    FILE *f = open_memstream(&s, &sn);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "Package: pkg%05d\nStatus: install ok installed\n"
                   "Architecture: amd64\nVersion: 1.%d-0\n\n", i * 30, i);
    fclose(f);
    tz_test_write(root, "var/lib/dpkg/status", s);
    free(s);
    char *p = tz_test_path("%s/" LISTS "big_Packages", root);
    tz_test_write(root, LISTS "big_Release", "Suite: big-security\n");
    f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 60000; i++)
        fprintf(f, "Package: pkg%05d\nSource: src%d\nVersion: 1.%d-%d\n"
                   "Architecture: amd64\nMaintainer: A <a@example.org>\n"
                   "Installed-Size: 123\nDepends: libc6 (>= 2.34), libfoo1\n"
                   "Homepage: https://example.org/\n"
                   "Description: package number %d\n"
                   "Description-md5: 0123456789abcdef0123456789abcdef\n"
                   "Section: misc\nPriority: optional\n"
                   "Filename: pool/main/p/pkg/pkg_%d_amd64.deb\nSize: 4567\n"
                   "MD5sum: 0123456789abcdef0123456789abcdef\n"
                   "SHA256: 0123456789abcdef0123456789abcdef"
                   "0123456789abcdef0123456789abcdef\n\n",
                i, i, i / 30, 1 + (i % 3), i, i);
    fclose(f);
    free(p);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    fprintf(stderr, "collect_patch: 60000 stanzas in %.3f s\n", secs);
    /* pkg(30i) is installed at 1.i-0; the list offers 1.i-1 (30i % 3 == 0) */
    cr_assert_eq(sec->n_updates, 2000);
    cr_expect_eq(sec->security_updates, 2000);
    expect_update(1999, "pkg59970", "1.1999-0", "1.1999-1", "big-security", 1);
    cr_expect_eq(sec->n_warnings, 0);
    cr_expect_lt(secs, 5.0, "took %.3f s", secs);
}

/* apt with Acquire::GzipIndexes keeps lists as .gz or .lz4: read them as they
 * lie, with the Release file of their suite. */
static void write_compressed(const char *rel, const char *data, int lz4)
{
    char *p = tz_test_path("%s/%s", root, rel);
    if (lz4) {
        size_t cap = LZ4F_compressFrameBound(strlen(data), NULL);
        char *buf = malloc(cap);
        size_t n = LZ4F_compressFrame(buf, cap, data, strlen(data), NULL);
        cr_assert_not(LZ4F_isError(n));
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        fwrite(buf, 1, n, f);
        fclose(f);
        free(buf);
    } else {
        gzFile gz = gzopen(p, "wb");
        cr_assert_not_null(gz);
        gzputs(gz, data);
        gzclose(gz);
    }
    free(p);
}

Test(patch, gzip_and_lz4_lists_are_read)
{
    write_status();
    tz_test_write(root, LISTS "sec.debian.org_dists_bookworm-security_InRelease",
                  "Origin: Debian\nSuite: stable-security\nCodename: bookworm-security\n");
    tz_test_write(root, LISTS "deb.debian.org_dists_bookworm_InRelease",
                  "Origin: Debian\nSuite: stable\nCodename: bookworm\n");
    tz_test_write(root, LISTS "x", "");   /* the lists dir exists */
    write_compressed(LISTS "sec.debian.org_dists_bookworm-security_main_binary-amd64_Packages.lz4",
                     "Package: openssl\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\n\n", 1);
    write_compressed(LISTS "deb.debian.org_dists_bookworm_main_binary-amd64_Packages.gz",
                     "Package: curl\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u8\n\n", 0);
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    cr_expect(sec->lists_found);
    cr_assert_eq(sec->n_updates, 2);
    cr_expect_str_eq(sec->updates[0]->name, "curl");
    cr_expect_not(sec->updates[0]->security);
    cr_expect_str_eq(sec->updates[1]->name, "openssl");
    cr_expect_str_eq(sec->updates[1]->candidate, "3.0.15-1~deb12u1");
    cr_expect(sec->updates[1]->security);
    cr_expect_eq(sec->security_updates, 1);
}

Test(patch, corrupt_compressed_list_is_a_warning)
{
    write_status();
    tz_test_write(root, LISTS "a_dists_x_main_binary-amd64_Packages.gz", "not gzip at all");
    tz_test_write(root, LISTS "b_dists_x_main_binary-amd64_Packages.lz4", "not lz4 either");
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    int corrupt = 0;
    for (size_t i = 0; i < sec->n_warnings; i++)
        corrupt += strstr(sec->warnings[i], "corrupt lz4") != NULL ||
                   strstr(sec->warnings[i], "no Release") != NULL;
    cr_expect_geq(corrupt, 1, "no warning about the broken lz4 list");
    cr_expect_eq(sec->n_updates, 0);
}

/* One collection reads dpkg once: the patch level can use the packages
 * section the agent just built, where rpm entries (ignored here) may sit
 * between dpkg's. The result equals collect_patch's own. */
Test(patch, reuses_the_collected_packages_and_ignores_rpm_entries)
{
    write_status();
    tz_test_write(root, LISTS "deb.debian.org_dists_bookworm_InRelease",
                  "Origin: Debian\nSuite: stable\nCodename: bookworm\n");
    tz_test_write(root, LISTS "deb.debian.org_dists_bookworm_main_binary-amd64_Packages",
                  "Package: curl\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u8\n\n"
                  "Package: zsh\nArchitecture: amd64\nVersion: 5.9-4\n\n");
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    size_t want = sec->n_updates;
    cr_assert_eq(want, 1);
    protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;

    Tz__PackagesSection *pk = NULL;
    cr_assert_eq(collect_dpkg(root, &pk, &err), 0, "%s", err.msg);
    /* An rpm "zsh" older than the list's must not become a pending update. */
    Tz__Package rpm = TZ__PACKAGE__INIT;
    rpm.name = "zsh";
    rpm.version = "5.0-1";
    rpm.arch = "amd64";
    rpm.manager = "rpm";
    Tz__Package **v = malloc((pk->n_packages + 1) * sizeof(*v));
    memcpy(v, pk->packages, pk->n_packages * sizeof(*v));
    v[pk->n_packages] = &rpm;
    Tz__PackagesSection merged = *pk;
    merged.packages = v;
    merged.n_packages = pk->n_packages + 1;
    merged.manager = "dpkg+rpm";
    qsort(v, merged.n_packages, sizeof(*v), pkglist_cmp);
    cr_assert_eq(collect_patch_from(root, NULL, &merged, &sec, &err), 0, "%s", err.msg);
    cr_assert_eq(sec->n_updates, want);
    cr_expect_str_eq(sec->updates[0]->name, "curl");
    free(v);
    protobuf_c_message_free_unpacked(&pk->base, NULL);
}

/* A list's versions are checked without debversion_valid's passes when they
 * have no epoch: the verdict must be debversion_valid's, every time. */
Test(patch, invalid_version_warnings_are_debversion_valid_verdicts)
{
    static const char *const v[] = {
        "1.0", "1.0-1", "1.0-", "-1", "1:2.3-4", "1:", ":1", "a1", "1_0",
        "1.0~rc1+dfsg-2", "2:9.0.1378-2", "1-2-3", "1:2:3", "1.0-1~", "9",
        "0", "1.0-a-", "1:2-", "x:1", "1a:2", "1.0-b.c", "1.0-b_c", "1.0+",
        "01", "1.0-1:2", "1:a", "1:1-", "1.0-1-", "1.0--1", "1.0-+", "1@2",
        "1[2", "1`2", "1{2", "1/2", "1,2", "1;2", "1:2.3-4:5", "12345:6.7",
        "1.\x7f", "1.\xc3\xa9", "1.Z", "1.z-Z9"};
    size_t n = sizeof(v) / sizeof(v[0]);
    cr_assert_lt(n, TZ_MAX_WARNINGS);
    write_status();
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "Package: p%zu\nVersion: %s\nArchitecture: amd64\n\n", i, v[i]);
    fclose(f);
    tz_test_write(root, LISTS "v_Packages", list);
    tz_test_write(root, LISTS "v_Release", "Suite: v\n");
    free(list);
    cr_assert_eq(collect_patch(root, &sec, &err), 0, "%s", err.msg);
    size_t invalid = 0;
    for (size_t i = 0; i < n; i++) {
        char want[128];
        snprintf(want, sizeof(want), "package p%zu has an invalid version", i);
        int warned = 0;
        for (size_t k = 0; k < sec->n_warnings; k++)
            warned |= strstr(sec->warnings[k], want) != NULL;
        cr_expect_eq(warned, !debversion_valid(v[i]), "\"%s\": warned %d, valid %d",
                     v[i], warned, debversion_valid(v[i]));
        invalid += !debversion_valid(v[i]);
    }
    cr_expect_eq(sec->n_warnings, invalid);
    cr_expect_gt(invalid, 10);
}
