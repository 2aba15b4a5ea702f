/* test_digest_mail — the running collector sends the e-mail digests
 * ([digest] of its configuration): started with a department whose liaison
 * has an address and a system with open flags, it mails the digest to an
 * SMTP sink the test runs as soon as it starts (the first scheduled time
 * has passed); with nothing listening it logs the failure with the SMTP
 * client's error and tries again after retry_interval; a restart sends
 * nothing more (the register remembers the send). */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz_smtp_sink.h"
#include "tz_test.h"

static char *dir, *data, *log_path, *url, *conf_path;

static void setup(void)
{
    dir = tz_test_tmpdir("digest_mail");
    data = tz_test_path("%s/data", dir);
    log_path = tz_test_path("%s/collector.log", dir);
    url = tz_test_path("ipc://%s/agents.sock", dir);
    conf_path = tz_test_path("%s/tz-collector.ini", dir);
    free(tz_test_tzctl(data, 0, "dept", "add", "math", NULL));
    free(tz_test_tzctl(data, 0, "dept", "set", "math",
                       "liaison_email=liaison@math.example.edu.cn", "liaison=甲", NULL));
    /* no owner, no grade: flags the collector raises at its first recheck */
    free(tz_test_tzctl(data, 0, "system", "add", "教务系统", "--dept", "math", NULL));
}

static void teardown(void)
{
    tz_test_rm_rf(dir);
    free(dir);
    free(data);
    free(log_path);
    free(url);
    free(conf_path);
}

TestSuite(digest_mail, .init = setup, .fini = teardown, .timeout = 120);

static void write_conf(int port)
{
    char *text = tz_test_path("[digest]\nsmtp_url = smtp://127.0.0.1:%d\n"
                              "starttls = off\nfrom = taizhang@nic.example.edu.cn\n"
                              "schedule = daily 00:00\nretry_interval = 10\n"
                              "max_attempts = 2\ntimeout = 5\n", port);
    tz_test_write(dir, "tz-collector.ini", text);
    free(text);
}

static pid_t start(void)
{
    char *arg = tz_test_path("--config=%s", conf_path);
    pid_t pid = tz_test_collector_start(data, url, log_path, arg);
    free(arg);
    return pid;
}

Test(digest_mail, the_collector_mails_the_liaison_once)
{
    struct sink s;
    sink_start(&s);
    write_conf(s.port);
    pid_t pid = start();
    for (int i = 0; i < 100 && sink_count(&s) == 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(sink_count(&s), 1, "no mail; log:\n%s", tz_test_slurp(log_path));
    cr_assert_str_eq(s.mails[0].rcpt, "<liaison@math.example.edu.cn>");
    char *subj = subject_of(s.mails[0].data), *body = body_of(s.mails[0].data);
    cr_assert(strstr(subj, "[台账] math 网络安全摘要 ") && strstr(subj, "新问题 4，"),
              "%s", subj);
    cr_assert(strstr(body, "您好 甲：") && strstr(body, "未明确负责人 (NO_OWNER) 教务系统"),
              "%s", body);
    cr_assert_eq(tz_test_wait_for(log_path, "digest of math sent to "
                                  "liaison@math.example.edu.cn", 5000), 0);
    cr_assert_eq(tz_test_stop(pid, SIGTERM), 0);
    /* restarted the same day: already sent, nothing more */
    pid = start();
    sleep(3);
    cr_assert_eq(tz_test_stop(pid, SIGTERM), 0);
    cr_assert_eq(sink_count(&s), 1);
    char *out = tz_test_tzctl(data, 0, "stats", NULL);
    cr_assert(strstr(out, "\ndigests_sent            1\n"
                          "digest_failures         0\n"
                          "digests_given_up        0\n"), "%s", out);
    free(out);
    free(subj);
    free(body);
    sink_stop(&s);
}

Test(digest_mail, with_the_server_down_the_collector_logs_and_retries)
{
    write_conf(dead_port());
    pid_t pid = start();
    cr_assert_eq(tz_test_wait_for(log_path, "digest of math to liaison@math.example."
                                  "edu.cn: sending failed (attempt 1 of 2), "
                                  "retrying in 10 s: ", 10000), 0,
                 "%s", tz_test_slurp(log_path));
    cr_assert_eq(tz_test_wait_for(log_path, "giving up after 2 attempt(s) until the "
                                  "next scheduled time", 60000), 0,
                 "%s", tz_test_slurp(log_path));
    cr_assert_eq(tz_test_stop(pid, SIGTERM), 0);
    char *log = tz_test_slurp(log_path);
    cr_assert(strstr(log, "onnect"), "curl's error is not logged:\n%s", log);
    free(log);
    char *out = tz_test_tzctl(data, 0, "digest", "preview", "--dept", "math", NULL);
    cr_assert(strstr(out, "(last attempt failed: "), "%s", out);
    cr_assert_null(strstr(out, "(last sent"), "%s", out);
    free(out);
    out = tz_test_tzctl(data, 0, "stats", NULL);
    cr_assert(strstr(out, "\ndigests_sent            0\n"
                          "digest_failures         2\n"
                          "digests_given_up        1\n"), "%s", out);
    free(out);
}

/* `tzctl digest send` mails the digest now, through the same [digest]
 * settings, and records it: the same digest again is not sent unless
 * --force; a refused send says why and is counted. */
Test(digest_mail, tzctl_digest_send_mails_now_and_records_it)
{
    struct sink s;
    sink_start(&s);
    write_conf(s.port);
    char *cfg = tz_test_path("--config=%s", conf_path);
    /* flags opened in the second of a send count as new (none is lost):
     * let the setup's flags be older than the first send */
    sleep(1);
    char *out = tz_test_tzctl(data, 0, cfg, "digest", "send", "--dept", "math", NULL);
    cr_assert_str_eq(out, "sent the digest of math to liaison@math.example.edu.cn\n");
    free(out);
    cr_assert_eq(sink_count(&s), 1);
    cr_assert_str_eq(s.mails[0].rcpt, "<liaison@math.example.edu.cn>");
    char *body = body_of(s.mails[0].data);
    cr_assert(strstr(body, "未明确负责人 (NO_OWNER) 教务系统"), "%s", body);
    free(body);

    out = tz_test_tzctl(data, 0, cfg, "digest", "send", "--dept", "math", NULL);
    cr_assert(strstr(out, "not sent: nothing new since the last digest sent"), "%s", out);
    free(out);
    cr_assert_eq(sink_count(&s), 1);
    out = tz_test_tzctl(data, 0, cfg, "digest", "preview", "--dept", "math", NULL);
    cr_assert(strstr(out, "(last sent "), "%s", out);
    free(out);
    out = tz_test_tzctl(data, 0, cfg, "digest", "send", "--dept", "math", "--force", NULL);
    cr_assert(strstr(out, "sent the digest of math"), "%s", out);
    free(out);
    cr_assert_eq(sink_count(&s), 2);

    out = tz_test_tzctl(data, 1, cfg, "digest", "send", "--school", NULL);
    cr_assert(strstr(out, "no address for the school-wide digest: set school_to"), "%s",
              out);
    free(out);
    free(tz_test_tzctl(data, 0, "dept", "add", "physics", NULL));
    out = tz_test_tzctl(data, 1, cfg, "digest", "send", "--dept", "physics", NULL);
    cr_assert(strstr(out, "physics has no 联络人 e-mail address"), "%s", out);
    free(out);
    out = tz_test_tzctl(data, 2, cfg, "digest", "send", "--dept", "math", "--since",
                        "2026-01-01", NULL);
    free(out);
    sink_stop(&s);

    write_conf(dead_port());
    out = tz_test_tzctl(data, 1, cfg, "digest", "send", "--dept", "math", "--force", NULL);
    cr_assert(strstr(out, "tzctl: digest of math to liaison@math.example.edu.cn not sent: "),
              "%s", out);
    free(out);
    out = tz_test_tzctl(data, 0, "stats", NULL);
    cr_assert(strstr(out, "\ndigests_sent            2\n"
                          "digest_failures         1\n"
                          "digests_given_up        0\n"), "%s", out);
    free(out);
    free(cfg);
}
