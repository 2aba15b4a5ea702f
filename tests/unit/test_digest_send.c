/* test_digest_send — the e-mail digests leave the collector (issue 15 item
 * 5): an SMTP sink started by the test (a thread on 127.0.0.1, an
 * ephemeral port) receives the department's digest at its liaison's
 * address and the school-wide one at the network center's, with UTF-8
 * subject (RFC 2047) and body; with the sink down the digest is logged
 * and retried, then given up until the next scheduled time, the state
 * unchanged; nothing is sent when nothing changed. The schedule is driven
 * with a fake clock through digest_plan / digest_batch_send /
 * digest_batch_record, the three steps the collector's loop runs. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dept_fields.h"
#include "digest_config.h"
#include "digest_mail.h"
#include "digest_run.h"
#include "digest_schedule.h"
#include "digest_send.h"
#include "ledger_fields.h"
#include "register.h"
#include "rules_config.h"
#include "tz_smtp_sink.h"
#include "tz_test.h"

#define DAY 86400
#define MEDIUM TZ__SEVERITY__SEV_MEDIUM
#define HIGH TZ__SEVERITY__SEV_HIGH

/* ---- the register and the configuration ---- */

static char *dir;
static struct tz_register *reg;
static struct tz_error err;
static struct rules_config rules;
static struct digest_config cfg;
static int64_t t0;
static uint64_t sys_a;

static void dept_set(const char *dept, const char *key, const char *v)
{
    Tz__DeptRecord *d;
    char why[DEPT_WHY];
    cr_assert_eq(register_dept_get(reg, dept, &d, &err), 0);
    cr_assert_eq(dept_field_set(d, key, v, why, sizeof(why)), 0, "%s", why);
    const struct register_actor by = {"carol", "tzctl"};
    cr_assert_eq(register_dept_put(reg, d, t0, NULL, &by, &err), 0, "%s", err.msg);
    protobuf_c_message_free_unpacked(&d->base, NULL);
}

static uint64_t system_add(const char *name, const char *dept)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(r, "name", name, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "dept", dept, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "owner", "张三", why, sizeof(why)), 0);
    uint64_t id;
    const struct register_actor by = {"alice", "tzctl"};
    cr_assert_eq(register_system_add(reg, r, t0 - 100 * DAY, &by, &id, &err), 0,
                 "%s", err.msg);
    ledger_record_free(r);
    return id;
}

/* Make the system's open flags exactly the n given (id, severity). */
static void set_flags(int64_t at, int n, const char *id1, int sev1,
                      const char *id2, int sev2)
{
    struct register_flag f[2] = {{.id = id1, .severity = sev1, .instance = "",
                                  .evidence = "e"},
                                 {.id = id2, .severity = sev2, .instance = "",
                                  .evidence = "e"}};
    struct register_flag_set s = {TZ__SUBJECT_KIND__SUBJECT_SYSTEM, sys_a,
                                  "教务系统", "math", 0, f, (size_t)n};
    cr_assert_eq(register_flags_sync(reg, &s, 1, at, &err), 0, "%s", err.msg);
}

static void setup(void)
{
    /* The schedule is local time: fix the zone the test reasons in. */
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    unsetenv("TZ_REGISTER_MAPSIZE");
    cr_assert_eq(digest_send_global_init(), 0);
    dir = tz_test_tmpdir("digest_send");
    memset(&err, 0, sizeof(err));
    rules_config_defaults(&rules);
    /* Monday 2026-03-02 08:30 +08:00: just after the weekly 08:00 slot. */
    t0 = 1772411400;
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "math", t0 - 200 * DAY, &err), 0);
    cr_assert_eq(register_dept_add(reg, "physics", t0 - 200 * DAY, &err), 0);
    dept_set("math", "liaison", "甲");
    dept_set("math", "liaison_email", "liaison@math.example.edu.cn");
    sys_a = system_add("教务系统", "math");
    digest_config_defaults(&cfg);
    cfg.starttls = DIGEST_TLS_OFF;
    cfg.max_attempts = 3;
    cfg.retry_interval = 900;
    cfg.timeout = 10;
    snprintf(cfg.from, sizeof(cfg.from), "taizhang@nic.example.edu.cn");
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(digest_send, .init = setup, .fini = teardown);

static void use_port(int port)
{
    snprintf(cfg.smtp_url, sizeof(cfg.smtp_url), "smtp://127.0.0.1:%d", port);
}

/* One run of the collector's three steps at now; returns the jobs planned.
 * With log set, what the run logs (stderr) is returned in *log. */
static size_t run_at(int64_t now, char **log)
{
    struct digest_batch b;
    cr_assert_eq(digest_plan(reg, &cfg, &rules, now, &b, &err), 0, "%s", err.msg);
    size_t n = b.n;
    digest_batch_send(&cfg, &b);
    char *path = tz_test_path("%s/log", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    int rc = digest_batch_record(reg, &cfg, &b, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert_eq(rc, 0, "%s", err.msg);
    digest_batch_free(&b);
    if (log)
        *log = tz_test_slurp(path);
    free(path);
    return n;
}

static void problem_cb(const char *problem, void *arg)
{
    (void)arg;
    cr_log_error("verify: %s", problem);
}

static int64_t week(int k)
{
    return t0 + (int64_t)k * 7 * DAY;
}

Test(digest_send, the_liaison_and_the_network_center_get_their_digests)
{
    struct sink s;
    sink_start(&s);
    use_port(s.port);
    snprintf(cfg.school_to, sizeof(cfg.school_to), "nic@example.edu.cn");
    set_flags(t0 - DAY, 1, "NO_FILING", MEDIUM, NULL, 0);
    cr_assert_eq(run_at(t0, NULL), 2);
    cr_assert_eq(sink_count(&s), 2);
    /* departments first, in name order, then the school */
    struct mail *m = &s.mails[0];
    cr_assert_str_eq(m->rcpt, "<liaison@math.example.edu.cn>");
    cr_assert_str_eq(m->from, "<taizhang@nic.example.edu.cn>");
    char *to = header(m->data, "To"), *ct = header(m->data, "Content-Type");
    cr_assert_str_eq(to, " liaison@math.example.edu.cn");
    cr_assert_str_eq(ct, " text/plain; charset=UTF-8");
    char *subj = subject_of(m->data), *body = body_of(m->data);
    cr_assert_str_eq(subj, "[台账] math 网络安全摘要 2026-03-02：新问题 1，逾期 0，"
                           "测评到期 0");
    cr_assert(strstr(body, "您好 甲：\r\n") && strstr(body, "未备案 (NO_FILING) 教务系统"),
              "%s", body);
    char *mid = header(m->data, "Message-ID"), *date = header(m->data, "Date");
    cr_assert(mid && strstr(mid, ".taizhang@nic.example.edu.cn>"), "%s", mid);
    cr_assert(date && strstr(date, " 2 Mar 2026 08:30:00 +0800"), "%s", date);
    free(mid);
    free(date);
    free(to);
    free(ct);
    free(subj);
    free(body);
    m = &s.mails[1];
    cr_assert_str_eq(m->rcpt, "<nic@example.edu.cn>");
    subj = subject_of(m->data);
    body = body_of(m->data);
    cr_assert_str_eq(subj, "[台账] 全校网络安全摘要 2026-03-02：新问题 1，逾期 0，"
                           "测评到期 0");
    cr_assert(strstr(body, "  - math：新问题 1，逾期 高 0 / 中 0 / 低 0，测评到期 0\r\n"),
              "%s", body);
    cr_assert(strstr(body, "未设联络人邮箱的单位（其摘要无法送达）\r\n  - physics\r\n"),
              "%s", body);
    free(subj);
    free(body);
    struct digest_state st;
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_sent, t0);
    cr_assert_eq(st.sent_total, 1);
    cr_assert_eq(st.attempts, 0);
    cr_assert_eq(digest_state_load(reg, NULL, &st, &err), 0);
    cr_assert_eq(st.last_sent, t0);
    /* the same slot again: nothing is due */
    cr_assert_eq(run_at(t0 + 3600, NULL), 0);
    /* tzctl verify knows the states kept in settings */
    struct register_verify_counts vc;
    cr_assert_eq(register_verify(reg, &vc, problem_cb, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(vc.problems, 0);
    cr_assert_eq(sink_count(&s), 2);
    sink_stop(&s);
}

Test(digest_send, nothing_changed_nothing_sent)
{
    struct sink s;
    sink_start(&s);
    use_port(s.port);
    /* overdue already (medium, 40 days): the first digest says so */
    set_flags(t0 - 40 * DAY, 1, "NO_FILING", MEDIUM, NULL, 0);
    cr_assert_eq(run_at(t0, NULL), 1);
    cr_assert_eq(sink_count(&s), 1);
    /* a week on: no new flag, the same one overdue: no mail, and the next
     * digest still counts from the last one sent */
    cr_assert_eq(run_at(week(1), NULL), 1);
    cr_assert_eq(sink_count(&s), 1);
    struct digest_state st;
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_sent, t0);
    cr_assert_eq(st.last_slot, digest_slot(&cfg.schedule, week(1)));
    cr_assert_eq(st.sent_total, 1);
    /* a new flag: the third week's digest goes out, naming it */
    set_flags(week(1) + DAY, 2, "NO_FILING", MEDIUM, "NO_GRADING", HIGH);
    cr_assert_eq(run_at(week(2), NULL), 1);
    cr_assert_eq(sink_count(&s), 2);
    char *subj = subject_of(s.mails[1].data);
    cr_assert(strstr(subj, "新问题 1，逾期 1"), "%s", subj);
    free(subj);
    /* the flags closed: an empty digest, no mail */
    set_flags(week(2) + DAY, 0, NULL, 0, NULL, 0);
    cr_assert_eq(run_at(week(3), NULL), 1);
    cr_assert_eq(sink_count(&s), 2);
    sink_stop(&s);
}

Test(digest_send, a_failed_send_is_logged_retried_then_given_up_and_not_lost)
{
    use_port(dead_port());
    set_flags(t0 - DAY, 1, "NO_FILING", MEDIUM, NULL, 0);
    char *log = NULL;
    cr_assert_eq(run_at(t0, &log), 1);
    cr_assert(strstr(log, "digest of math to liaison@math.example.edu.cn: sending "
                          "failed (attempt 1 of 3), retrying in 900 s: ") &&
              strstr(log, "onnect"), "%s", log);
    free(log);
    struct digest_state st;
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_sent, 0);
    cr_assert_eq(st.last_slot, 0);
    cr_assert_eq(st.attempts, 1);
    cr_assert_eq(st.next_try, t0 + 900);
    cr_assert_neq(st.last_error[0], '\0');
    /* not before retry_interval */
    cr_assert_eq(run_at(t0 + 600, NULL), 0);
    cr_assert_eq(run_at(t0 + 900, &log), 1);
    cr_assert(strstr(log, "(attempt 2 of 3)"), "%s", log);
    free(log);
    cr_assert_eq(run_at(t0 + 1800, &log), 1);
    cr_assert(strstr(log, "digest of math to liaison@math.example.edu.cn: giving up "
                          "after 3 attempt(s) until the next scheduled time: "), "%s", log);
    free(log);
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_sent, 0);
    cr_assert_eq(st.attempts, 0);
    cr_assert_eq(st.failed_total, 3);
    cr_assert_eq(st.given_up_total, 1);
    cr_assert_eq(st.last_slot, digest_slot(&cfg.schedule, t0));
    /* given up: nothing more this week */
    cr_assert_eq(run_at(t0 + 3 * DAY, NULL), 0);
    /* next week, the server back: the flag is still news */
    struct sink s;
    sink_start(&s);
    use_port(s.port);
    cr_assert_eq(run_at(week(1), NULL), 1);
    cr_assert_eq(sink_count(&s), 1);
    char *subj = subject_of(s.mails[0].data);
    cr_assert(strstr(subj, "新问题 1"), "%s", subj);
    free(subj);
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_sent, week(1));
    cr_assert_eq(st.last_error[0], '\0');
    sink_stop(&s);
}

/* ---- the message, the schedule and the configuration alone ---- */

Test(digest_mail, addresses_that_could_inject_headers_are_refused)
{
    cr_assert(digest_addr_ok("a.b-c@math.example.edu.cn"));
    cr_assert(!digest_addr_ok("a@b\r\nBcc: x@y"));
    cr_assert(!digest_addr_ok("a@b>, <c@d"));
    cr_assert(!digest_addr_ok("甲@example.edu.cn"));
    cr_assert(!digest_addr_ok("a@@b"));
    cr_assert(!digest_addr_ok("@b"));
    cr_assert(!digest_addr_ok("a b@c"));
    char *msg;
    struct tz_error e = {0};
    cr_assert_eq(digest_mail_compose("t@nic.example", "x@y\nBcc: z@w", "s", "b", 0,
                                     &msg, &e), TZ_EINVAL);
    cr_assert_null(msg);
    /* a subject with a line break stays inside its encoded word */
    cr_assert_eq(digest_mail_compose("t@nic.example", "x@y.example",
                                     "evil\r\nBcc: z@w 测试", "正文\n", 0, &msg, &e), 0);
    cr_assert_null(strstr(msg, "\r\nBcc:"));
    char *subj = subject_of(msg), *body = body_of(msg);
    cr_assert_str_eq(subj, "evil\r\nBcc: z@w 测试");
    cr_assert_str_eq(body, "正文\r\n");
    free(subj);
    free(body);
    free(msg);
}

Test(digest_mail, long_subjects_fold_into_words_whole_characters_each)
{
    char subject[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(subject, "网络");
    char *msg;
    struct tz_error e = {0};
    cr_assert_eq(digest_mail_compose("t@nic.example", "x@y.example", subject, "", 0,
                                     &msg, &e), 0);
    char *got = subject_of(msg);   /* asserts each word fits 75 columns */
    cr_assert_str_eq(got, subject);
    for (char *l = msg; (l = strstr(l, "\r\n")) != NULL; l += 2) {
        char *e2 = strstr(l + 2, "\r\n");
        if (e2)
            cr_assert_leq(e2 - (l + 2), 78);
    }
    free(got);
    free(msg);
}

Test(digest_schedule, the_slot_is_the_latest_scheduled_time)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    struct digest_schedule w, d;
    cr_assert_eq(digest_schedule_parse("weekly mon 08:00", &w), 0);
    cr_assert_eq(digest_schedule_parse("daily 18:30", &d), 0);
    cr_assert_neq(digest_schedule_parse("weekly funday 08:00", &w), 0);
    cr_assert_neq(digest_schedule_parse("daily 25:00", &d), 0);
    cr_assert_neq(digest_schedule_parse("hourly", &d), 0);
    cr_assert_eq(digest_schedule_parse("weekly mon 08:00", &w), 0);
    cr_assert_eq(digest_schedule_parse("daily 18:30", &d), 0);
    int64_t mon8 = 1772409600;   /* Monday 2026-03-02 08:00 +08:00 */
    cr_assert_eq(digest_slot(&w, mon8), mon8);
    cr_assert_eq(digest_slot(&w, mon8 - 1), mon8 - 7 * DAY);
    cr_assert_eq(digest_slot(&w, mon8 + 6 * DAY), mon8);
    cr_assert_eq(digest_slot(&d, mon8), mon8 - DAY + 630 * 60);
    cr_assert_eq(digest_slot(&d, mon8 + 11 * 3600), mon8 + 630 * 60);
}

Test(digest_config, a_password_file_others_can_read_is_refused)
{
    char *d = tz_test_tmpdir("digest_config");
    tz_test_write(d, "pass", "s3cret\n");
    char *path = tz_test_path("%s/pass", d);
    struct digest_config c;
    digest_config_defaults(&c);
    char why[256];
    cr_assert_eq(digest_config_kv(&c, "smtp_url", "smtp://mail.example:587", why,
                                  sizeof(why)), 0);
    cr_assert_neq(digest_config_kv(&c, "smtp_url", "http://mail.example", why,
                                   sizeof(why)), 0);
    cr_assert_str_eq(why, "bad value for smtp_url: \"http://mail.example\"");
    cr_assert_neq(digest_config_kv(&c, "from", "a@b\nBcc: c@d", why, sizeof(why)), 0);
    cr_assert_neq(digest_config_kv(&c, "starttls", "maybe", why, sizeof(why)), 0);
    cr_assert_eq(digest_config_kv(&c, "from", "t@nic.example", why, sizeof(why)), 0);
    cr_assert_eq(digest_config_kv(&c, "password_file", path, why, sizeof(why)), 0);
    struct tz_error e = {0};
    chmod(path, 0644);
    cr_assert_eq(digest_config_finish(&c, &e), TZ_EPERM);
    cr_assert(strstr(e.msg, "readable by its owner only"), "%s", e.msg);
    chmod(path, 0600);
    c.enabled = -1;
    cr_assert_eq(digest_config_finish(&c, &e), 0, "%s", e.msg);
    cr_assert_eq(c.enabled, 1);   /* smtp_url set: on by default */
    cr_assert_str_eq(c.password, "s3cret");
    free(path);
    tz_test_rm_rf(d);
    free(d);
}

Test(digest_send, a_batch_cancelled_at_stop_leaves_its_mails_due)
{
    struct sink s;
    sink_start(&s);
    use_port(s.port);
    set_flags(t0 - DAY, 1, "NO_FILING", MEDIUM, NULL, 0);
    struct digest_batch b;
    cr_assert_eq(digest_plan(reg, &cfg, &rules, t0, &b, &err), 0, "%s", err.msg);
    cr_assert_eq(b.n, 1);
    atomic_store(&b.cancel, 1);   /* what the collector's stop does */
    digest_batch_send(&cfg, &b);
    cr_assert_eq(digest_batch_record(reg, &cfg, &b, &err), 0, "%s", err.msg);
    digest_batch_free(&b);
    cr_assert_eq(sink_count(&s), 0);
    struct digest_state st;
    cr_assert_eq(digest_state_load(reg, "math", &st, &err), 0);
    cr_assert_eq(st.last_slot, 0);
    cr_assert_eq(st.attempts, 0);
    cr_assert_eq(st.failed_total, 0);
    /* the next start sends it */
    cr_assert_eq(run_at(t0 + 60, NULL), 1);
    cr_assert_eq(sink_count(&s), 1);
    sink_stop(&s);
}

/* Make system sys of dept have the one open flag id. */
static void flags_on(uint64_t sys, const char *name, const char *dept, int64_t at,
                     const char *id, int sev)
{
    struct register_flag f = {.id = id, .severity = sev, .instance = "",
                              .evidence = "e"};
    struct register_flag_set s = {TZ__SUBJECT_KIND__SUBJECT_SYSTEM, sys, name, dept, 0,
                                  &f, 1};
    cr_assert_eq(register_flags_sync(reg, &s, 1, at, &err), 0, "%s", err.msg);
}

/* The collector builds every department's digest from one walk of the
 * flags and one of the systems: each comes out as its own build would
 * give it (the same text, counts and facts), with only its flags. */
Test(digest_send, departments_built_together_are_each_as_built_alone)
{
    cr_assert_eq(register_dept_add(reg, "chem", t0 - 200 * DAY, &err), 0);
    uint64_t p = system_add("实验室系统", "physics");
    uint64_t c = system_add("化学门户", "chem");
    set_flags(t0 - 40 * DAY, 1, "NO_FILING", MEDIUM, NULL, 0);
    flags_on(p, "实验室系统", "physics", t0 - 2 * DAY, "NO_GRADING", HIGH);
    flags_on(c, "化学门户", "chem", t0 - 9 * DAY, "NO_OWNER", HIGH);
    const char *depts[] = {"physics", "math", "chem"};
    const int64_t since[] = {t0 - 7 * DAY, t0 - 7 * DAY, t0 - 30 * DAY};
    struct digest many[3], one;
    cr_assert_eq(digest_build_many(reg, depts, since, 3, t0, &rules, many, &err), 0,
                 "%s", err.msg);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(digest_build(reg, depts[i], since[i], t0, &rules, &one, &err), 0);
        cr_assert_str_eq(many[i].body, one.body);
        cr_assert_str_eq(many[i].subject, one.subject);
        cr_assert_str_eq(many[i].to, one.to);
        cr_assert_eq(memcmp(many[i].facts, one.facts, DIGEST_FACTS_LEN), 0, "%s", depts[i]);
        cr_assert_eq(many[i].new_flags, one.new_flags);
        digest_free(&one);
    }
    cr_assert(strstr(many[0].body, "未定级 (NO_GRADING) 实验室系统"), "%s", many[0].body);
    cr_assert_null(strstr(many[0].body, "教务系统"), "%s", many[0].body);
    cr_assert_eq(many[0].new_flags, 1);
    cr_assert_eq(many[1].new_flags, 0);
    cr_assert_eq(many[1].overdue[MEDIUM], 1);
    cr_assert_eq(many[2].new_flags, 1);
    cr_assert_eq(many[2].overdue[HIGH], 1);
    cr_assert(memcmp(many[0].facts, many[2].facts, DIGEST_FACTS_LEN) != 0);
    for (int i = 0; i < 3; i++)
        digest_free(&many[i]);
    /* a department that does not exist fails the build, freeing them all */
    const char *bad[] = {"math", "nope"};
    cr_assert_eq(digest_build_many(reg, bad, since, 2, t0, &rules, many, &err), TZ_ENOENT);
}
