/* test_privsep_supervisor — the agent's root side fixes its inputs at
 * start, and outlives a failed ask: a worker that hangs or dies is replaced,
 * that ask fails, the next one is served (a daemon's account checks do not
 * stay dead until a restart). */
#include <criterion/criterion.h>
#include <crypt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "privsep.h"
#include "privsep_child.h"
#include "privsep_io.h"
#include "privsep_msg.h"
#include "report.h"
#include "tz_test.h"

#define DICT TZ_SOURCE_DIR "/schemas/weak-passwords.txt"

static char *root;

static void setup(void)
{
    root = tz_test_tmpdir("privsep-super");
    tz_test_write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
                                      "alice:x:1000:1000::/home/alice:/bin/bash\n");
    tz_test_write(root, "etc/shadow", "root:*:19000:0:99999:7:::\n"
                                      "alice:!:19000:0:99999:7:::\n");
    tz_test_write(root, "etc/group", "root:x:0:\nalice:x:1000:\n");
    tz_test_write(root, "etc/sudoers", "#includedir /etc/sudoers.d\n");
    char *d = tz_test_path("%s/etc/sudoers.d", root);
    mkdir(d, 0755);
    free(d);
}

static void teardown(void)
{
    tz_test_rm_rf(root);
    free(root);
}

TestSuite(privsep_supervisor, .init = setup, .fini = teardown, .timeout = 60);

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Play a compromised agent: send body as a frame on the helper's socket
 * and decode the answer as an audit's; its status, the message in err. */
static int raw_ask(struct privsep *ps, const uint8_t *body, size_t len,
                   struct tz_error *err)
{
    int fd = privsep_socket(ps);
    cr_assert_geq(fd, 0);
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 8), (uint8_t)len};
    cr_assert_eq(psio_write_all(fd, hdr, 4), 0);
    cr_assert_eq(psio_write_all(fd, body, len), 0);
    uint8_t *ans = NULL;
    size_t alen = 0;
    cr_assert_eq(psio_read_frame(fd, PSMSG_MAX_RESPONSE, tz_now_ms() + 10000,
                                 &ans, &alen), 0);
    struct acct_audit a;
    int rc = psmsg_decode_response(ans, alen, &a, err);
    free(ans);
    if (rc == 0)
        acct_audit_free(&a);
    return rc;
}

/* An audit request as the helper took it before the fix existed: limits,
 * root and dictionary path in every request ("TZQ1"). */
static uint8_t *old_audit_request(const char *r, const char *dict, size_t *len)
{
    struct psmsg_request rq;
    memset(&rq, 0, sizeof(rq));
    weakpw_limits_default(&rq.lim);
    snprintf(rq.root, sizeof(rq.root), "%s", r);
    snprintf(rq.dict_path, sizeof(rq.dict_path), "%s", dict);
    uint8_t *buf;
    struct tz_error err = {0};
    cr_assert_eq(psmsg_encode_fix(&rq, &buf, len, &err), 0);
    memcpy(buf + 4, "TZQ1", 4);
    *len -= 4;
    memmove(buf, buf + 4, *len);
    return buf;
}

Test(privsep_supervisor, inputs_are_fixed_once_and_others_refused)
{
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    struct acct_audit a;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_expect_eq(privsep_check(ps, &a, &err), TZ_EPERM, "an audit before the fix");
    cr_expect(strstr(err.msg, "only after its root and dictionary are fixed"),
              "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, NULL, DICT, &err), 0, "%s", err.msg);

    /* a compromised agent names another root, or /etc/shadow as the
     * dictionary (an oracle for its lines): in a second fix, refused */
    char *other = tz_test_tmpdir("privsep-other");
    cr_expect_eq(privsep_fix(ps, other, NULL, DICT, &err), TZ_EPERM,
                 "a second fix");
    cr_expect(strstr(err.msg, "fixed already"), "%s", err.msg);
    cr_expect_eq(privsep_fix(ps, root, NULL, "/etc/shadow", &err), TZ_EPERM);
    struct weakpw_limits lim = {.max_candidates = 5};
    cr_expect_eq(privsep_fix(ps, root, &lim, DICT, &err), TZ_EPERM);
    /* in an audit request of the old kind, which carried paths: refused */
    size_t len;
    uint8_t *body = old_audit_request(other, "/etc/shadow", &len);
    cr_expect_eq(raw_ask(ps, body, len, &err), TZ_EPERM);
    cr_expect(strstr(err.msg, "nothing that names a file: refused"), "%s", err.msg);
    free(body);
    /* an audit request with anything after its magic: refused */
    uint8_t *audit;
    cr_assert_eq(psmsg_encode_audit(&audit, &len, &err), 0);
    uint8_t longer[5] = {audit[4], audit[5], audit[6], audit[7], '/'};
    free(audit);
    cr_expect_eq(raw_ask(ps, longer, sizeof(longer), &err), TZ_EPERM);

    /* what was fixed is still served, by the same helper */
    pid_t pid = privsep_pid(ps);
    cr_assert_eq(privsep_check(ps, &a, &err), 0, "%s", err.msg);
    cr_expect_eq(a.n, 2);
    acct_audit_free(&a);
    cr_expect_eq(privsep_pid(ps), pid);
    privsep_stop(ps);
    tz_test_rm_rf(other);
    free(other);
}

struct ask {
    struct privsep *ps;
    int rc;
    struct tz_error err;
};

static void *ask_thread(void *arg)
{
    struct ask *k = arg;
    struct acct_audit a;
    k->rc = privsep_check(k->ps, &a, &k->err);
    if (k->rc == 0)
        acct_audit_free(&a);
    return NULL;
}

/* A worker that dies in the middle of an ask (here: killed while it runs
 * crypt(3) over the dictionary for an account with a strong yescrypt
 * password, which takes seconds) costs that ask only: it fails and says
 * why, and the next ask is served by a fresh worker, with no restart of the
 * agent. */
Test(privsep_supervisor, a_worker_that_dies_mid_ask_fails_that_ask_only)
{
    const char *salt = crypt_gensalt("$y$", 0, NULL, 0);
    cr_assert_not_null(salt);
    const char *hash = crypt("not-in-any-dictionary-7Qz!", salt);
    cr_assert(hash && hash[0] == '$');
    char *shadow = tz_test_path("root:*:19000:0:99999:7:::\nalice:%s:19000:0:99999:7:::\n",
                                hash);
    tz_test_write(root, "etc/shadow", shadow);
    free(shadow);
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, NULL, DICT, &err), 0, "%s", err.msg);
    pid_t super = privsep_pid(ps);

    struct ask k = {.ps = ps};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, ask_thread, &k), 0);
    pid_t w = 0;
    for (int i = 0; i < 200 && (w = tz_test_child_of(super)) == 0; i++)
        sleep_ms(10);
    cr_assert_gt(w, 0, "no worker under the supervisor");
    sleep_ms(200);                      /* it is in crypt(3) now */
    cr_assert_eq(kill(w, SIGKILL), 0);
    pthread_join(t, NULL);
    cr_expect_eq(k.rc, TZ_EIO, "rc %d: %s", k.rc, k.err.msg);
    cr_expect(strstr(k.err.msg, "killed by signal 9") &&
              strstr(k.err.msg, "was restarted"), "%s", k.err.msg);

    struct acct_audit a;
    cr_assert_eq(privsep_check(ps, &a, &err), 0, "%s", err.msg);
    cr_expect_eq(a.n, 2);
    acct_audit_free(&a);
    cr_expect_eq(privsep_pid(ps), super, "the same supervisor serves on");
    pid_t w2 = tz_test_child_of(super);
    cr_expect(w2 > 0 && w2 != w, "a fresh worker (%d, was %d)", (int)w2, (int)w);
    privsep_stop(ps);
}

/* A worker that died between asks costs no ask at all. */
Test(privsep_supervisor, a_worker_dead_between_asks_is_replaced_first)
{
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    struct acct_audit a;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, NULL, DICT, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_check(ps, &a, &err), 0, "%s", err.msg);
    acct_audit_free(&a);
    pid_t w = tz_test_child_of(privsep_pid(ps));
    cr_assert_gt(w, 0);
    cr_assert_eq(kill(w, SIGKILL), 0);
    sleep_ms(50);
    cr_assert_eq(privsep_check(ps, &a, &err), 0, "%s", err.msg);
    cr_expect_eq(a.n, 2);
    acct_audit_free(&a);
    /* root facts go through the same worker */
    struct rootfacts f;
    cr_assert_eq(privsep_facts(ps, NULL, 0, &f, &err), 0, "%s", err.msg);
    rootfacts_free(&f);
    privsep_stop(ps);
}

/* The daemon's case (issue 21): one ask fails (here the worker crashes, as
 * a parser bug on a crafted shadow line would make it), and that report's
 * accounts section says the check failed; the next collection, with no
 * restart of anything, checks again. */
static int *crashes_left;

static void crash_once(int kind)
{
    if (kind == PSMSG_AUDIT && *crashes_left > 0) {
        (*crashes_left)--;
        raise(SIGSEGV);
    }
}

Test(privsep_supervisor, one_failed_ask_then_the_next_report_checks_again)
{
    crashes_left = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(crashes_left, MAP_FAILED);
    *crashes_left = 1;
    privsep_worker_test_hook = crash_once;
    struct privsep *ps = NULL;
    struct tz_error err = {0};
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_assert_eq(privsep_fix(ps, root, NULL, DICT, &err), 0, "%s", err.msg);
    report_set_accounts(ps, NULL, DICT);
    pid_t super = privsep_pid(ps);

    Tz__Report *r = NULL;
    cr_assert_eq(report_collect(root, &r, &err), 0, "%s", err.msg);
    cr_assert_not_null(r->accounts);
    cr_expect(r->accounts->weak_check_failed, "the failed ask must show");
    cr_expect(strstr(r->accounts->weak_check_error, "privileged helper") &&
              strstr(r->accounts->weak_check_error, "restarted"), "%s",
              r->accounts->weak_check_error);
    cr_expect_not(r->accounts->weak_check_ran);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    cr_assert_eq(report_collect(root, &r, &err), 0, "%s", err.msg);
    cr_expect_not(r->accounts->weak_check_failed, "%s", r->accounts->weak_check_error);
    cr_expect(r->accounts->weak_check_ran);
    cr_expect_eq(r->accounts->n_accounts, 2);
    cr_expect_eq(r->accounts->accounts[1]->password, TZ__PASSWORD_STATE__PW_LOCKED,
                 "alice's verdict came back");
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_expect_eq(privsep_pid(ps), super, "no restart");
    cr_expect_eq(*crashes_left, 0);

    report_set_accounts(NULL, NULL, NULL);
    privsep_stop(ps);
    privsep_worker_test_hook = NULL;
    munmap(crashes_left, sizeof(int));
}
