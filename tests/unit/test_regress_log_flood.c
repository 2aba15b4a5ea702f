/* Regression (found by tests/integration/test_hostile.c, flood test): the
 * collector's log is rate limited per peer key (tz_log_ratelimited, 3 lines
 * per key per minute), but for UNKNOWN_AGENT the key is whatever the sender
 * put in its envelope, and a fresh X25519 key costs an attacker nothing. A
 * flood of boxes from fresh keys therefore logged one line per request
 * (25,000 requests: about 2 MB of log in 4 s). The log must stay bounded
 * however many keys the requests come from: e.g. a global budget per minute
 * in tz_log_ratelimited, and/or ingest keying unenrolled senders together. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "ingest.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_log.h"
#include "tz_test.h"

static char *dir;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    dir = tz_test_tmpdir("regress-log");
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(regress_log_flood, .init = setup, .fini = teardown);

Test(regress_log_flood, fresh_keys_do_not_flood_the_log)
{
    enum { BATCH = 256, BATCHES = 8 };
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    struct tz_keypair collector;
    crypto_box_keypair(collector.pk, collector.sk);

    /* The collector's stderr goes to a file we can measure. */
    char *logpath = tz_test_path("%s/collector.log", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    dup2(fd, 2);
    close(fd);
    tz_log_init("tz-collector", TZ_LOG_INFO);

    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = 1;
    p.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    p.heartbeat = &hb;
    int unknown = 0;
    for (int b = 0; b < BATCHES; b++) {
        struct ingest_req reqs[BATCH] = {0};
        uint8_t *msgs[BATCH];
        for (int i = 0; i < BATCH; i++) {
            struct tz_keypair k;        /* a fresh key per request */
            crypto_box_keypair(k.pk, k.sk);
            cr_assert_eq(envelope_seal(&p, &k, collector.pk, &msgs[i], &reqs[i].len,
                                       &err), 0);
            reqs[i].msg = msgs[i];
        }
        cr_assert_eq(ingest_process(reg, &collector, reqs, BATCH, TZ_MAX_MSG,
                                    1700000000 + b, &err), 0);
        for (int i = 0; i < BATCH; i++) {
            unknown += reqs[i].status == TZ__STATUS__UNKNOWN_AGENT;
            free(reqs[i].reply);
            free(msgs[i]);
        }
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    register_close(reg);

    cr_assert_eq(unknown, BATCH * BATCHES);
    struct stat st;
    cr_assert_eq(stat(logpath, &st), 0);
    cr_assert_lt(st.st_size, 16 * 1024,
                 "%d requests from fresh keys wrote %lld bytes of log", unknown,
                 (long long)st.st_size);
    free(logpath);
}
