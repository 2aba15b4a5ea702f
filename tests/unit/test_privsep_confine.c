/* test_privsep_confine — the agent's root side, once its inputs are fixed,
 * opens only the files on its allow-list and makes only the system calls
 * its seccomp filter allows; a call outside them kills the worker, and the
 * agent reports that account check as failed, never as passed.
 *
 * A worker is made to misbehave through privsep_worker_test_hook, which runs
 * in the worker after its confinement, before it serves a request; what the
 * hook sees goes back through a shared anonymous mapping. The seccomp tests
 * skip in sanitizer builds, which load no filter (CMakeLists.txt,
 * TZ_PRIVSEP_NO_SECCOMP); CI runs the normal build, where they must run
 * (tests/ci-required.txt). */
#include <criterion/criterion.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect_accounts.h"
#include "confine.h"
#include "privsep.h"
#include "privsep_child.h"
#include "privsep_msg.h"
#include "rootfs.h"
#include "tz_test.h"

#define DICT TZ_SOURCE_DIR "/schemas/weak-passwords.txt"

/* What the test asks of the next worker, and what that worker saw. */
enum { HOOK_NONE, HOOK_SOCKET, HOOK_OPEN_FOR_WRITE, HOOK_PROBE_FILES };
struct shared {
    int mode;
    int asks;                   /* audits the hook saw */
    int foreign_rc, foreign_errno;
    int shadow_fd_ok;
    char written[256];          /* HOOK_OPEN_FOR_WRITE's target */
};

static struct shared *sh;
static char *root;
static Tz__AccountsSection *sec;

static char *make_hash(const char *pw)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    cr_assert_not_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    char *out = strdup(crypt_rn(pw, salt, cd, (int)sizeof(*cd)));
    free(cd);
    return out;
}

static void hook(int kind)
{
    if (kind != PSMSG_AUDIT)
        return;
    sh->asks++;
    switch (sh->mode) {
    case HOOK_SOCKET:
        socket(AF_INET, SOCK_STREAM, 0);        /* killed here */
        break;
    case HOOK_OPEN_FOR_WRITE:
        open(sh->written, O_WRONLY | O_CREAT, 0600);  /* killed here */
        break;
    case HOOK_PROBE_FILES: {
        int fd = tz_root_open(NULL, "/etc/hostname", O_RDONLY, NULL);
        sh->foreign_rc = fd;
        sh->foreign_errno = errno;
        if (fd >= 0)
            close(fd);
        fd = tz_root_open(root, "/etc/shadow", O_RDONLY, NULL);
        sh->shadow_fd_ok = fd >= 0;
        if (fd >= 0)
            close(fd);
        break;
    }
    default:
        break;
    }
}

static void setup(void)
{
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(sh, MAP_FAILED);
    memset(sh, 0, sizeof(*sh));
    root = tz_test_tmpdir("privsep-confine");
    char *alice = make_hash("alice");
    char *bob = make_hash("u7#Kq9!vRz2@Lm5$Xw8&");
    tz_test_write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
                                      "alice:x:1000:1000::/home/alice:/bin/bash\n"
                                      "bob:x:1001:1001::/home/bob:/bin/bash\n");
    char *shadow = tz_test_path("root:*:19000:0:99999:7:::\n"
                                "alice:%s:19000:0:99999:7:::\n"
                                "bob:%s:19000:0:99999:7:::\n", alice, bob);
    tz_test_write(root, "etc/shadow", shadow);
    free(shadow);
    free(alice);
    free(bob);
    tz_test_write(root, "etc/group", "root:x:0:\nalice:x:1000:\nbob:x:1001:\n");
    /* sudoers.d is on the allow-list; a file included from elsewhere is not */
    tz_test_write(root, "etc/sudoers", "#includedir /etc/sudoers.d\n"
                                       "#include /etc/sudoers.local\n");
    tz_test_write(root, "etc/sudoers.d/ops", "alice ALL = (ALL) NOPASSWD: ALL\n");
    tz_test_write(root, "etc/sudoers.local", "bob ALL = (ALL) NOPASSWD: ALL\n");
    snprintf(sh->written, sizeof(sh->written), "%s/written-by-root", root);
    privsep_worker_test_hook = hook;
}

static void teardown(void)
{
    privsep_worker_test_hook = NULL;
    if (sec)
        protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;
    tz_test_rm_rf(root);
    free(root);
    munmap(sh, sizeof(*sh));
}

TestSuite(privsep_confine, .init = setup, .fini = teardown, .timeout = 60);

static struct privsep *start_fixed(void)
{
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    struct weakpw_limits lim = {.max_candidates = 20, .max_total_ms = 20000};
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, &lim, DICT, &err), 0, "%s", err.msg);
    return ps;
}

static const Tz__Account *account(const char *name)
{
    for (size_t i = 0; i < sec->n_accounts; i++)
        if (strcmp(sec->accounts[i]->name, name) == 0)
            return sec->accounts[i];
    cr_assert_fail("no account %s", name);
    return NULL;
}

static void collect(struct privsep *ps)
{
    struct tz_error err = {0};
    if (sec)
        protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;
    cr_assert_eq(collect_accounts(root, ps, NULL, NULL, &sec, &err), 0, "%s",
                 err.msg);
}

static int has_warning(const char *needle)
{
    for (size_t i = 0; i < sec->n_warnings; i++)
        if (strstr(sec->warnings[i], needle))
            return 1;
    return 0;
}

static int seccomp_status(pid_t pid, int *filters)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    char *st = tz_test_slurp(path);
    cr_assert_not_null(st);
    const char *p = strstr(st, "Seccomp:");
    const char *q = strstr(st, "Seccomp_filters:");
    int mode = p ? atoi(p + 8) : -1;
    *filters = q ? atoi(q + 16) : -1;
    free(st);
    return mode;
}

/* The decision itself: exact names, read-only, nothing around them. */
Test(privsep_confine, the_allow_list_is_exact_paths_read_only)
{
    const char *img = "/srv/image";
    cr_expect(confine_may_open(img, img, "/etc/shadow", O_RDONLY));
    cr_expect(confine_may_open(img, img, "/etc/passwd", O_RDONLY | O_CLOEXEC));
    cr_expect(confine_may_open(img, img, "/etc/sudoers.d", O_RDONLY | O_DIRECTORY));
    cr_expect(confine_may_open(img, img, "/etc/sudoers.d/ops", O_RDONLY));
    cr_expect(confine_may_open(img, img, "/etc/sudoers", O_PATH));
    /* other files, other roots, write flags, tricks with the name */
    cr_expect_not(confine_may_open(img, img, "/etc/hostname", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/root/.ssh/id_ed25519", O_RDONLY));
    cr_expect_not(confine_may_open(img, "/srv/other", "/etc/shadow", O_RDONLY));
    cr_expect_not(confine_may_open(img, NULL, "/etc/shadow", O_RDONLY),
              "the live shadow when an image was fixed");
    cr_expect_not(confine_may_open(NULL, img, "/etc/shadow", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/etc/shadow", O_WRONLY));
    cr_expect_not(confine_may_open(img, img, "/etc/shadow", O_RDWR));
    cr_expect_not(confine_may_open(img, img, "/etc/shadow", O_RDONLY | O_TRUNC));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d/x", O_RDONLY | O_CREAT));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d/x", O_RDONLY | O_APPEND));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d", O_TMPFILE | O_RDWR));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d/../shadow-", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d/a/b", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/etc//shadow", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/etc/./shadow", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "etc/shadow", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/etc/sudoers.d/", O_RDONLY));
    /* root facts: live only, fixed names */
    cr_expect(confine_may_open(img, NULL, "/sys/class/dmi/id/product_serial", O_RDONLY));
    cr_expect(confine_may_open(NULL, "/", "/proc", O_RDONLY | O_DIRECTORY));
    cr_expect(confine_may_open(NULL, NULL, "/proc/4711/fd", O_RDONLY | O_DIRECTORY));
    cr_expect(confine_may_open(NULL, NULL, "/proc/4711/comm", O_RDONLY));
    cr_expect(confine_may_open(NULL, NULL, "/etc/shadow", O_RDONLY));
    cr_expect_not(confine_may_open(NULL, NULL, "/proc/self/fd", O_RDONLY));
    cr_expect_not(confine_may_open(NULL, NULL, "/proc/4711/environ", O_RDONLY));
    cr_expect_not(confine_may_open(NULL, NULL, "/proc/4711/fd/3", O_RDONLY));
    cr_expect_not(confine_may_open(NULL, NULL, "/sys/class/dmi/id/modalias", O_RDONLY));
    cr_expect_not(confine_may_open(img, img, "/sys/class/dmi/id/product_serial", O_RDONLY),
                  "DMI is the live system's, not the image's");
}

/* Both roles run under their filters once fixed: the supervisor under one,
 * its worker under that one and its own. */
Test(privsep_confine, supervisor_and_worker_run_under_their_filters)
{
    if (!confine_seccomp_enabled())
        cr_skip_test("sanitizer build: no seccomp filter (TZ_PRIVSEP_NO_SECCOMP)");
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    int n;
    cr_expect_eq(seccomp_status(privsep_pid(ps), &n), 0, "unconfined before the fix");
    privsep_stop(ps);
    ps = start_fixed();
    cr_expect_eq(seccomp_status(privsep_pid(ps), &n), 2, "SECCOMP_MODE_FILTER");
    cr_expect_eq(n, 1);
    collect(ps);
    pid_t w = tz_test_child_of(privsep_pid(ps));
    cr_assert_gt(w, 0);
    cr_expect_eq(seccomp_status(w, &n), 2);
    cr_expect_eq(n, 2, "the worker's own filter on the supervisor's");
    privsep_stop(ps);
}

/* A worker that makes a call its filter does not allow (socket(2): a
 * compromised worker reaching for the network) is killed by the kernel.
 * The agent's accounts section says the check failed and why, with no
 * password state from it; the next collection, with the same supervisor
 * and a fresh worker, checks again. */
Test(privsep_confine, a_forbidden_call_kills_the_worker_and_the_check_is_reported_failed)
{
    if (!confine_seccomp_enabled())
        cr_skip_test("sanitizer build: no seccomp filter (TZ_PRIVSEP_NO_SECCOMP)");
    struct privsep *ps = start_fixed();
    pid_t super = privsep_pid(ps);
    sh->mode = HOOK_SOCKET;
    collect(ps);
    cr_expect_eq(sh->asks, 1);
    cr_expect(sec->weak_check_failed, "the check must be reported failed");
    cr_expect_not(sec->weak_check_ran);
    cr_expect(strstr(sec->weak_check_error, "killed by signal 31") &&
              strstr(sec->weak_check_error, "Bad system call"), "%s",
              sec->weak_check_error);
    cr_expect(has_warning("password check failed"));
    cr_expect_eq(account("alice")->password, TZ__PASSWORD_STATE__PW_UNKNOWN,
                 "no verdict, not a pass");
    cr_expect_eq(account("bob")->password, TZ__PASSWORD_STATE__PW_UNKNOWN);

    sh->mode = HOOK_NONE;
    collect(ps);
    cr_expect_not(sec->weak_check_failed, "%s", sec->weak_check_error);
    cr_expect(sec->weak_check_error == NULL || sec->weak_check_error[0] == '\0');
    cr_expect(sec->weak_check_ran);
    cr_expect_eq(account("alice")->password, TZ__PASSWORD_STATE__PW_WEAK);
    cr_expect_eq(account("bob")->password, TZ__PASSWORD_STATE__PW_OK);
    cr_expect_eq(privsep_pid(ps), super, "no restart");
    privsep_stop(ps);
}

/* Opening a file to write is a call the filter kills, whatever the path:
 * the file is never created. */
Test(privsep_confine, a_write_open_kills_the_worker_and_creates_nothing)
{
    if (!confine_seccomp_enabled())
        cr_skip_test("sanitizer build: no seccomp filter (TZ_PRIVSEP_NO_SECCOMP)");
    struct privsep *ps = start_fixed();
    sh->mode = HOOK_OPEN_FOR_WRITE;
    collect(ps);
    cr_expect(sec->weak_check_failed);
    cr_expect(strstr(sec->weak_check_error, "killed by signal 31"), "%s",
              sec->weak_check_error);
    struct stat st;
    cr_expect_neq(stat(sh->written, &st), 0, "%s was created", sh->written);
    privsep_stop(ps);
}

/* The allow-list in the worker: a file not on it is refused (it exists and
 * root could read it), the fixed shadow is not; sudoers.d is read, a file
 * included from elsewhere is not, and the warning says why. */
Test(privsep_confine, the_worker_opens_only_what_is_on_its_list)
{
    struct privsep *ps = start_fixed();
    sh->mode = HOOK_PROBE_FILES;
    collect(ps);
    cr_expect_eq(sh->foreign_rc, TZ_EPERM, "/etc/hostname: %d", sh->foreign_rc);
    cr_expect_eq(sh->foreign_errno, EACCES);
    cr_expect(sh->shadow_fd_ok);
    cr_expect_not(sec->weak_check_failed, "%s", sec->weak_check_error);
    cr_expect_eq(account("alice")->n_nopasswd_rules, 1, "sudoers.d/ops is read");
    cr_expect_eq(account("bob")->n_nopasswd_rules, 0,
                 "sudoers.local is not on the allow-list");
    cr_expect(has_warning("/etc/sudoers.local: included but not readable"));
    cr_expect(has_warning("not on this process's allow-list of files"));
    privsep_stop(ps);

    /* in-process (no helper, no gate) the same include is read */
    struct tz_error err = {0};
    protobuf_c_message_free_unpacked(&sec->base, NULL);
    sec = NULL;
    cr_assert_eq(collect_accounts(root, NULL, NULL, DICT, &sec, &err), 0, "%s",
                 err.msg);
    cr_expect_eq(account("bob")->n_nopasswd_rules, 1);
}
