/* Tests for security finding 7: below --root every path resolves as a chroot
 * would. A symlink in the image that points out of it (absolute, or by
 * climbing "..") must not hand the collecting host's files to a report; an
 * absolute symlink to a file inside the image is followed inside it. Each
 * case runs through openat2 and again through the fallback walk. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_host.h"
#include "parse_sudoers.h"
#include "rootfs.h"
#include "tz_test.h"

static char *root, *outside;
static struct tz_error err;

static void setup(void)
{
    root = tz_test_tmpdir("rootsym");
    outside = tz_test_tmpdir("outside");
    memset(&err, 0, sizeof(err));
    tz_test_write(outside, "secret", "SECRET-OUTSIDE\n");
    tz_test_write(outside, "os-release", "ID=SECRET-OUTSIDE\nNAME=SECRET-OUTSIDE\n");
    tz_test_write(outside, "sudoers.d/evil", "mallory ALL = NOPASSWD: ALL\n");
    tz_test_write(root, "etc/.keep", "");
}

static void teardown(void)
{
    tz_root_force_walk(0);
    tz_test_rm_rf(root);
    tz_test_rm_rf(outside);
    free(root);
    free(outside);
}

static void link_in_root(const char *target, const char *rel)
{
    char *p = tz_test_path("%s/%s", root, rel);
    cr_assert_eq(symlink(target, p), 0, "symlink %s -> %s", p, target);
    free(p);
}

/* A link from root/etc that climbs far above "/" and comes down to an
 * outside file: naively it reaches the file, in a chroot it stays in root. */
static char *climbing(const char *file)
{
    return tz_test_path("../../../../../../../../../../../../../../../..%s/%s",
                        outside, file);
}

/* The hostile image: hostname and os-release lead out of the root. */
static void write_escapes(void)
{
    char *abs = tz_test_path("%s/secret", outside);
    char *up = climbing("os-release");
    link_in_root(abs, "etc/hostname");
    link_in_root(up, "etc/os-release");
    free(abs);
    free(up);
}

static void host_reports_nothing_from_outside(void)
{
    write_escapes();
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->hostname, "", "hostname link to an outside file");
    cr_expect_str_eq(h->os_id, "", "os-release climbing out with ..");
    cr_expect_str_eq(h->os_name, "");
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

static void host_follows_absolute_link_inside(void)
{
    tz_test_write(root, "etc/hostname.real", "inside.example.edu.cn\n");
    link_in_root("/etc/hostname.real", "etc/hostname");
    tz_test_write(root, "usr/lib/os-release", "ID=inside\n");
    link_in_root("/usr/lib/os-release", "etc/os-release");
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->hostname, "inside.example.edu.cn");
    cr_expect_str_eq(h->os_id, "inside");
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

/* The includedir itself links out, and so does a file in a real one. */
static void sudoers_reads_nothing_from_outside(void)
{
    char *dir = tz_test_path("%s/sudoers.d", outside);
    char *file = tz_test_path("%s/sudoers.d/evil", outside);
    link_in_root(dir, "etc/sudoers.d");
    tz_test_write(root, "etc/sudoers.local.d/.keep", "");
    link_in_root(file, "etc/sudoers.local.d/evil");
    tz_test_write(root, "etc/sudoers",
                  "#includedir /etc/sudoers.d\n"
                  "#includedir /etc/sudoers.local.d\n"
                  "#include /etc/sudoers.d/evil\n");
    struct sudoers su;
    struct warnlist w;
    memset(&su, 0, sizeof(su));
    memset(&w, 0, sizeof(w));
    cr_assert_eq(parse_sudoers(root, &su, &w, &err), 0, "%s", err.msg);
    cr_expect_eq(su.n_rules, 0, "a rule from outside the root: %s",
                 su.n_rules ? su.rules[0].text : "");
    sudoers_free(&su);
    warnlist_free(&w);
    free(file);
    free(dir);
}

TestSuite(root_symlinks, .init = setup, .fini = teardown);

Test(root_symlinks, host_reports_nothing_from_outside_the_root)
{
    host_reports_nothing_from_outside();
}

Test(root_symlinks, host_follows_an_absolute_link_inside_the_root)
{
    host_follows_absolute_link_inside();
}

Test(root_symlinks, sudoers_includes_stay_inside_the_root)
{
    sudoers_reads_nothing_from_outside();
}

Test(root_symlinks, walk_host_reports_nothing_from_outside_the_root)
{
    tz_root_force_walk(1);
    host_reports_nothing_from_outside();
}

Test(root_symlinks, walk_host_follows_an_absolute_link_inside_the_root)
{
    tz_root_force_walk(1);
    host_follows_absolute_link_inside();
}

Test(root_symlinks, walk_sudoers_includes_stay_inside_the_root)
{
    tz_root_force_walk(1);
    sudoers_reads_nothing_from_outside();
}

/* ---- the fallback walk on its own ---------------------------------------- */

/* What tz_root_walk opens for path, read back: "" when it fails. */
static char *walk_read(const char *path)
{
    static char buf[256];
    buf[0] = '\0';
    int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(rfd, 0);
    int fd = tz_root_walk(rfd, path, O_RDONLY);
    close(rfd);
    if (fd < 0)
        return buf;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

Test(root_symlinks, walk_keeps_absolute_links_and_dotdot_inside)
{
    write_escapes();
    tz_test_write(root, "etc/hostname.real", "inside\n");
    link_in_root("/etc/hostname.real", "etc/hn");
    link_in_root("../../../../../../../etc/./hostname.real", "etc/hn-up");
    link_in_root("hn", "etc/hn-chain");
    char *up = tz_test_path("/../../../../../../../..%s/secret", outside);
    cr_expect_str_eq(walk_read("/etc/hostname"), "");
    cr_expect_str_eq(walk_read("/etc/os-release"), "");
    cr_expect_str_eq(walk_read(up), "", "a path that climbs itself");
    cr_expect_str_eq(walk_read("/etc/hn"), "inside\n");
    cr_expect_str_eq(walk_read("etc/hn-up"), "inside\n");
    cr_expect_str_eq(walk_read("/etc/hn-chain"), "inside\n");
    free(up);
}

Test(root_symlinks, walk_gives_up_after_40_links)
{
    link_in_root("/etc/loop", "etc/loop");
    int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(rfd, 0);
    errno = 0;
    cr_expect_eq(tz_root_walk(rfd, "/etc/loop", O_RDONLY), -1);
    cr_expect_eq(errno, ELOOP);
    close(rfd);
}
