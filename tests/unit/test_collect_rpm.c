/* Tests for collect_rpm and collect_packages: packages built with rpmbuild
 * and registered in an rpm database below a temp root, read back with
 * librpm; dpkg and rpm lists merged; no database, a corrupt one, and an
 * over-long field. Everything rpm writes stays in the temp dirs: HOME points
 * into them, and every rpm/rpmbuild path is given explicitly. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect_packages.h"
#include "collect_rpm.h"
#include "tz_test.h"

static char *root;   /* what the collectors read */
static char *work;   /* HOME, rpmbuild's tree, the built .rpm files */
static char *dbpath; /* <root>/var/lib/rpm */
static struct tz_error err;
static Tz__PackagesSection *sec;

static void setup(void)
{
    root = tz_test_root_new("rpm", &err);
    work = tz_test_tmpdir("rpmwork");
    dbpath = tz_test_path("%s/var/lib/rpm", root);
    char *home = tz_test_path("%s/home", work);
    cr_assert_eq(mkdir(home, 0700), 0);
    /* rpm and rpmbuild read and write ~/.rpmmacros, ~/.rpmdb (Debian's
     * %_dbpath): never the real user's. */
    setenv("HOME", home, 1);
    free(home);
    sec = NULL;
}

static void teardown(void)
{
    tz_test_root_free(root, sec ? &sec->base : NULL);
    tz_test_rm_rf(work);
    free(work);
    free(dbpath);
}

TestSuite(collect_rpm, .init = setup, .fini = teardown);
TestSuite(collect_packages, .init = setup, .fini = teardown);

/* librpm in this build, or skip: collect_rpm says so itself. */
static void need_librpm(void)
{
    Tz__PackagesSection *s = NULL;
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    int rc = collect_rpm(root, &s, &e);
    if (rc == TZ_ENOENT && strstr(e.msg, "built without librpm"))
        cr_skip_test("built without librpm (install librpm-dev, reconfigure)");
    cr_assert_eq(rc, TZ_ENOENT, "empty root: rc %d, %s", rc, e.msg);
}

/* librpm and the rpm, rpmbuild programs, or skip. */
static void need_rpm_tools(void)
{
    need_librpm();
    const char *tools[] = {"rpm", "rpmbuild"};
    for (size_t i = 0; i < 2; i++) {
        char *argv[] = {(char *)tools[i], "--version", NULL};
        char *out = NULL;
        int rc = tz_test_run(argv, &out);
        free(out);
        if (rc != 0)
            cr_skip_test("%s is not installed (deploy/install-deps.sh installs "
                         "the rpm package)", tools[i]);
    }
}

static void run_ok(char *const argv[])
{
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "%s %s exited %d:\n%s", argv[0], argv[1], rc,
                 out ? out : "");
    free(out);
}

/* Build the packages of a spec from its preamble (and subpackages) into
 * work/rpms/<name>.rpm; every package is noarch and empty. The file name
 * leaves out version and release, which may be longer than a file name. */
static void build(const char *name, const char *preamble)
{
    char *rel = tz_test_path("%s.spec", name);
    char *spec = tz_test_path("%s/%s", work, rel);
    char *text = tz_test_path("Name: %s\n"
                              "Summary: test package\nLicense: MIT\n"
                              "BuildArch: noarch\n%s"
                              "%%description\ntest package\n"
                              "%%files\n", name, preamble);
    tz_test_write(work, rel, text);
    char *topdir = tz_test_path("_topdir %s/build", work);
    char *rpmdir = tz_test_path("_rpmdir %s/rpms", work);
    char *tmpdir = tz_test_path("_tmppath %s/tmp", work);
    char *db = tz_test_path("_dbpath %s/builddb", work);
    char *argv[] = {"rpmbuild", "-bb", "--nodeps", "--noclean",
                    "--define", topdir, "--define", rpmdir,
                    "--define", tmpdir, "--define", db,
                    "--define", "_build_name_fmt %%{NAME}.rpm", spec, NULL};
    run_ok(argv);
    free(rel);
    free(spec);
    free(text);
    free(topdir);
    free(rpmdir);
    free(tmpdir);
    free(db);
}

/* A fresh database at <root>/var/lib/rpm holding the given built packages
 * (names, NULL-terminated). --dbpath instead of
 * --root: rpm chroots into a --root, which needs root privileges. */
static void install(const char *const files[])
{
    char *argv[16];
    size_t n = 0;
    argv[n++] = "rpm";
    argv[n++] = "--dbpath";
    argv[n++] = dbpath;
    argv[n++] = "--initdb";
    argv[n] = NULL;
    run_ok(argv);
    n = 3;
    argv[n++] = "-i";
    argv[n++] = "--nodeps";
    argv[n++] = "--justdb";
    argv[n++] = "--noscripts";
    size_t first = n;
    for (size_t i = 0; files[i] && n < 15; i++)
        argv[n++] = tz_test_path("%s/rpms/%s.rpm", work, files[i]);
    argv[n] = NULL;
    run_ok(argv);
    for (size_t i = first; i < n; i++)
        free(argv[i]);
}

static void expect_pkg(size_t i, const char *name, const char *version,
                       const char *arch, const char *source,
                       const char *manager)
{
    cr_assert_lt(i, sec->n_packages);
    Tz__Package *p = sec->packages[i];
    cr_expect_str_eq(p->name, name);
    cr_expect_str_eq(p->version, version, "%s: version %s", name, p->version);
    cr_expect_str_eq(p->arch, arch);
    cr_expect_str_eq(p->source, source, "%s: source %s", name, p->source);
    cr_expect_str_eq(p->manager, manager);
}

/* The names of the files in dir, sorted and joined, malloc'd. */
static char *listing(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    cr_assert_geq(n, 0, "scandir %s", dir);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(ents[i]->d_name) + 1;
    char *s = calloc(1, len);
    cr_assert_not_null(s);
    for (int i = 0; i < n; i++) {
        strcat(strcat(s, ents[i]->d_name), " ");
        free(ents[i]);
    }
    free(ents);
    return s;
}

static const char demo_pre[] =
    "Version: 1.0\nRelease: 1\n"
    "%package doc\nSummary: docs\n%description doc\ndocs\n%files doc\n";

Test(collect_rpm, lists_packages_with_epoch_source_and_manager)
{
    need_rpm_tools();
    build("tzdemo", demo_pre);
    build("tzepoch", "Epoch: 2\nVersion: 1.0\nRelease: 1\n");
    build("tzzero", "Epoch: 0\nVersion: 3.1\nRelease: 7.el9\n");
    const char *const files[] = {"tzzero", "tzepoch", "tzdemo-doc", "tzdemo",
                                 NULL};
    install(files);
    /* rpm -i leaves its transaction lock; a reader must not take one.
     * (sqlite's -shm and -wal stay: any reader of a WAL database, rpm -q
     * too, creates them.) */
    char *lock = tz_test_path("%s/.rpm.lock", dbpath);
    char *dbfile = tz_test_path("%s/rpmdb.sqlite", dbpath);
    cr_assert_eq(unlink(lock), 0);
    struct stat st0, st1;
    cr_assert_eq(stat(dbfile, &st0), 0);
    char *before = listing(dbpath);

    int rc = collect_rpm(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d: %s: %s", rc, err.file, err.msg);
    cr_expect_str_eq(sec->manager, "rpm");
    cr_assert_eq(sec->n_packages, 4);
    expect_pkg(0, "tzdemo", "1.0-1", "noarch", "", "rpm");
    /* a subpackage names the spec it was built from */
    expect_pkg(1, "tzdemo-doc", "1.0-1", "noarch", "tzdemo", "rpm");
    expect_pkg(2, "tzepoch", "2:1.0-1", "noarch", "", "rpm");
    /* an Epoch tag of 0 is shown, as rpm's %{EVR} does */
    expect_pkg(3, "tzzero", "0:3.1-7.el9", "noarch", "", "rpm");

    /* read-only: no file appears in (or leaves) the database directory,
     * and the database is not written */
    char *after = listing(dbpath);
    cr_expect_str_eq(after, before);
    cr_assert_eq(stat(dbfile, &st1), 0);
    cr_expect_eq(st1.st_size, st0.st_size);
    cr_expect_eq(st1.st_mtim.tv_sec, st0.st_mtim.tv_sec);
    cr_expect_eq(st1.st_mtim.tv_nsec, st0.st_mtim.tv_nsec);
    free(before);
    free(after);
    free(lock);
    free(dbfile);
}

Test(collect_rpm, second_call_reads_the_same)
{
    need_rpm_tools();
    build("tzdemo", demo_pre);
    const char *const files[] = {"tzdemo", NULL};
    install(files);
    for (int i = 0; i < 3; i++) {
        if (sec)
            protobuf_c_message_free_unpacked(&sec->base, NULL);
        sec = NULL;
        cr_assert_eq(collect_rpm(root, &sec, &err), 0, "call %d: %s", i,
                     err.msg);
        cr_assert_eq(sec->n_packages, 1);
        expect_pkg(0, "tzdemo", "1.0-1", "noarch", "", "rpm");
    }
}

Test(collect_rpm, no_database_is_enoent_and_creates_nothing)
{
    Tz__PackagesSection *s = NULL;
    int rc = collect_rpm(root, &s, &err);
    cr_assert_eq(rc, TZ_ENOENT);
    cr_assert_null(s);
    if (strstr(err.msg, "built without librpm"))
        return;     /* that is this build's answer, and it is ENOENT */
    cr_expect(strstr(err.msg, "no rpm database") != NULL, "msg %s", err.msg);
    struct stat st;
    cr_expect_neq(stat(dbpath, &st), 0, "collect_rpm created %s", dbpath);

    /* Debian's rpm package ships an empty /var/lib/rpm: not a database */
    tz_test_write(root, "var/lib/rpm/.keep", "");
    char *keep = tz_test_path("%s/.keep", dbpath);
    cr_assert_eq(unlink(keep), 0);
    free(keep);
    rc = collect_rpm(root, &s, &err);
    cr_expect_eq(rc, TZ_ENOENT, "empty var/lib/rpm: rc %d %s", rc, err.msg);
    char *l = listing(dbpath);
    cr_expect_str_eq(l, ". .. ");
    free(l);
}

Test(collect_rpm, corrupt_database_is_eio_with_rpms_reason)
{
    need_librpm();
    tz_test_write(root, "var/lib/rpm/rpmdb.sqlite",
                  "this is not an sqlite database, not at all.\n");
    int rc = collect_rpm(root, &sec, &err);
    cr_assert_eq(rc, TZ_EIO, "rc %d: %s", rc, err.msg);
    cr_assert_null(sec);
    cr_expect(strstr(err.msg, "cannot open the rpm database") != NULL, "msg %s",
              err.msg);
    cr_expect(strstr(err.file, "/var/lib/rpm") != NULL, "file %s", err.file);
    cr_log_info("%s: %s", err.file, err.msg);
}

Test(collect_rpm, overlong_release_is_parse_error_naming_the_package)
{
    need_rpm_tools();
    char rel[301];
    memset(rel, 'r', 300);
    rel[300] = '\0';
    char *pre = tz_test_path("Version: 1\nRelease: %s\n", rel);
    build("tzlong", pre);
    const char *const files[] = {"tzlong", NULL};
    install(files);
    int rc = collect_rpm(root, &sec, &err);
    cr_assert_eq(rc, TZ_EPARSE, "rc %d: %s", rc, err.msg);
    cr_assert_null(sec);
    cr_expect(strstr(err.msg, "package tzlong: the version is longer than 256")
              != NULL, "msg %s", err.msg);
    free(pre);
}

static const char dpkg_status[] =
    "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 1:1.2.13-1\nSource: zlib\n\n"
    "Package: tzdemo\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 0.9-2\n\n"
    "Package: aaa-tool\nStatus: install ok installed\nArchitecture: all\n"
    "Version: 5\n";

Test(collect_packages, merges_dpkg_and_rpm_sorted)
{
    need_rpm_tools();
    build("tzdemo", demo_pre);
    const char *const files[] = {"tzdemo-doc", "tzdemo", NULL};
    install(files);
    tz_test_write(root, "var/lib/dpkg/status", dpkg_status);

    int rc = collect_packages(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err.msg);
    cr_expect_str_eq(sec->manager, "dpkg+rpm");
    cr_assert_eq(sec->n_packages, 5);
    expect_pkg(0, "aaa-tool", "5", "all", "", "dpkg");
    /* one name in both managers: (name, arch) orders them */
    expect_pkg(1, "tzdemo", "0.9-2", "amd64", "", "dpkg");
    expect_pkg(2, "tzdemo", "1.0-1", "noarch", "", "rpm");
    expect_pkg(3, "tzdemo-doc", "1.0-1", "noarch", "tzdemo", "rpm");
    expect_pkg(4, "zlib1g", "1:1.2.13-1", "amd64", "zlib", "dpkg");
}

Test(collect_packages, rpm_only_is_rpm)
{
    need_rpm_tools();
    build("tzdemo", demo_pre);
    const char *const files[] = {"tzdemo", NULL};
    install(files);
    int rc = collect_packages(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err.msg);
    cr_expect_str_eq(sec->manager, "rpm");
    cr_assert_eq(sec->n_packages, 1);
    expect_pkg(0, "tzdemo", "1.0-1", "noarch", "", "rpm");
}

Test(collect_packages, dpkg_only_is_dpkg_with_manager_per_package)
{
    tz_test_write(root, "var/lib/dpkg/status", dpkg_status);
    int rc = collect_packages(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err.msg);
    cr_expect_str_eq(sec->manager, "dpkg");
    cr_assert_eq(sec->n_packages, 3);
    expect_pkg(0, "aaa-tool", "5", "all", "", "dpkg");
    expect_pkg(1, "tzdemo", "0.9-2", "amd64", "", "dpkg");
    expect_pkg(2, "zlib1g", "1:1.2.13-1", "amd64", "zlib", "dpkg");
}

Test(collect_packages, neither_is_dpkgs_enoent)
{
    int rc = collect_packages(root, &sec, &err);
    cr_assert_eq(rc, TZ_ENOENT);
    cr_assert_null(sec);
    cr_expect(strstr(err.msg, "no dpkg database") != NULL, "msg %s", err.msg);
}

Test(collect_packages, a_broken_rpm_database_fails_the_section)
{
    need_librpm();
    tz_test_write(root, "var/lib/dpkg/status", dpkg_status);
    tz_test_write(root, "var/lib/rpm/rpmdb.sqlite", "garbage\n");
    int rc = collect_packages(root, &sec, &err);
    /* not a dpkg-only list that silently lacks the rpm packages */
    cr_assert_eq(rc, TZ_EIO, "rc %d: %s", rc, err.msg);
    cr_assert_null(sec);
    cr_expect(strstr(err.msg, "rpm database") != NULL, "msg %s", err.msg);
}
