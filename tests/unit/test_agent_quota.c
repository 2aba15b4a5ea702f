/* test_agent_quota — the per-agent limits decided above the storage
 * (collector/agent_quota.c) at their exact boundaries: reports per UTC
 * hour, bytes per UTC day, history bytes per host, hosts per token and per
 * department, how long AGENT_ABUSE stays; and a large history diff cut to
 * a summary (history_diff_summarise). Records are built in the test. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_quota.h"
#include "collector_config.h"
#include "history_diff.h"
#include "tz_test.h"

/* 2023-11-14 22:00:00Z: the start of a UTC hour; its day began at 00:00. */
#define HOUR0 1699999200
#define DAY0  1699920000

static struct agent_quota q;
static Tz__AgentRecord rec;
static char why[160];
static enum agent_quota_limit which;

static void setup(void)
{
    agent_quota_off(&q);
    tz__agent_record__init(&rec);
    rec.agent_id = 7;
    memset(why, 0, sizeof(why));
    which = AQ__COUNT;
}

TestSuite(agent_quota, .init = setup);

static int report(uint64_t bytes, int64_t now)
{
    return agent_quota_report(&q, &rec, bytes, now, &which, why, sizeof(why));
}

Test(agent_quota, reports_per_hour_refuses_the_one_past_the_limit_until_the_next_hour)
{
    q.reports_per_hour = 3;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(report(10, HOUR0 + i), TZ__STATUS__OK, "report %d", i + 1);
    cr_assert_eq(rec.quota_hour_reports, 3);
    cr_assert_eq(report(10, HOUR0 + 3599), TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(which, AQ_REPORTS_PER_HOUR);
    cr_assert_str_eq(why, "agent 7 sent 3 reports in the hour from 2023-11-14 22:00 UTC "
                          "(limit reports_per_hour = 3): retry next hour");
    cr_assert_eq(rec.quota_hour_reports, 3, "a refused report is not counted");
    cr_assert_eq(rec.quota_day_bytes, 30, "nor are its bytes");
    cr_assert_str_eq(rec.abuse_limit, "reports_per_hour");
    cr_assert_eq(rec.abuse_at, HOUR0 + 3599);
    cr_assert_eq(rec.abuse_detail, why);
    cr_assert_eq(rec.abuse_refused, 1);
    /* The next hour starts afresh. */
    cr_assert_eq(report(10, HOUR0 + 3600), TZ__STATUS__OK);
    cr_assert_eq(rec.quota_hour_reports, 1);
    cr_assert_eq(rec.quota_hour, (HOUR0 + 3600) / 3600);
}

Test(agent_quota, bytes_per_day_takes_exactly_the_limit_and_refuses_one_byte_more)
{
    q.bytes_per_day = 1000;
    cr_assert_eq(report(600, DAY0 + 10), TZ__STATUS__OK);
    cr_assert_eq(report(400, DAY0 + 20), TZ__STATUS__OK, "exactly the limit is allowed");
    cr_assert_eq(rec.quota_day_bytes, 1000);
    cr_assert_eq(report(1, DAY0 + 86399), TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(which, AQ_BYTES_PER_DAY);
    cr_assert_str_eq(why, "agent 7 sent 1000 bytes on the day from 2023-11-14 00:00 UTC, "
                          "1 more would pass bytes_per_day = 1000: retry tomorrow");
    cr_assert_str_eq(rec.abuse_limit, "bytes_per_day");
    /* A new day; one report alone larger than the limit never fits. */
    cr_assert_eq(report(1000, DAY0 + 86400), TZ__STATUS__OK);
    cr_assert_eq(report(1001, DAY0 + 2 * 86400), TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(rec.quota_day_bytes, 0);
    cr_assert_eq(rec.abuse_refused, 2);
}

Test(agent_quota, zero_turns_a_limit_off)
{
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(report(UINT64_C(1) << 40, HOUR0), TZ__STATUS__OK);
    cr_assert_eq(rec.quota_hour_reports, 1000);
    cr_assert_eq(agent_quota_history_add(&q, &rec, UINT64_C(1) << 50), 0);
    Tz__TokenRecord t = TZ__TOKEN_RECORD__INIT;
    t.uses = 1000000;
    cr_assert_eq(agent_quota_enroll(&q, &t, 1000000, &which, why, sizeof(why)),
                 TZ__STATUS__OK);
    cr_assert_str_eq(rec.abuse_limit, "", "nothing noted");
}

Test(agent_quota, history_over_its_cap_only_past_it_and_pruning_is_noted)
{
    q.history_bytes = 100;
    cr_assert_eq(agent_quota_history_add(&q, &rec, 100), 0, "exactly the cap is fine");
    cr_assert_eq(agent_quota_history_add(&q, &rec, 1), 1);
    cr_assert_eq(rec.history_bytes, 101);
    cr_assert_eq(agent_quota_history_target(&q), 75);
    /* Counted for real: aged out already, nothing pruned, nothing noted. */
    agent_quota_history_pruned(&q, &rec, 60, 0, HOUR0, why, sizeof(why));
    cr_assert_eq(rec.history_bytes, 60);
    cr_assert_str_eq(rec.abuse_limit, "");
    agent_quota_history_pruned(&q, &rec, 74, 3, HOUR0, why, sizeof(why));
    cr_assert_eq(rec.history_bytes, 74);
    cr_assert_str_eq(rec.abuse_limit, "history_bytes");
    cr_assert_str_eq(why, "history of agent 7 passed history_bytes = 100: its 3 oldest "
                          "entries were deleted, 74 bytes kept");
    cr_assert_eq(rec.abuse_refused, 0, "no report was refused");
}

Test(agent_quota, hosts_per_token_and_per_department_refuse_the_next_enrollment)
{
    q.hosts_per_token = 2;
    q.hosts_per_dept = 5;
    Tz__TokenRecord t = TZ__TOKEN_RECORD__INIT;
    t.dept = "计算机学院";
    t.prefix = "tz_AbCdEfG";
    t.token_id = 3;
    t.uses = 1;
    cr_assert_eq(agent_quota_enroll(&q, &t, 4, &which, why, sizeof(why)), TZ__STATUS__OK);
    cr_assert_eq(which, AQ_NONE);
    t.uses = 2;
    cr_assert_eq(agent_quota_enroll(&q, &t, 4, &which, why, sizeof(why)),
                 TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(which, AQ_HOSTS_PER_TOKEN);
    cr_assert_str_eq(why, "enrollment token tz_AbCdEfG (id 3) enrolled 2 hosts (limit "
                          "hosts_per_token = 2): make a new token for more");
    t.uses = 0;
    cr_assert_eq(agent_quota_enroll(&q, &t, 5, &which, why, sizeof(why)),
                 TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(which, AQ_HOSTS_PER_DEPT);
    cr_assert_str_eq(why, "department 计算机学院 has 5 hosts (limit hosts_per_dept = 5): "
                          "revoke unused ones or ask the network center to raise the "
                          "limit");
}

Test(agent_quota, abuse_is_flagged_for_a_day_after_the_last_limit_hit)
{
    cr_assert_eq(agent_quota_abusing(&rec, HOUR0), 0, "never hit");
    q.reports_per_hour = 1;
    report(1, HOUR0);
    report(1, HOUR0 + 5);
    cr_assert_eq(agent_quota_abusing(&rec, HOUR0 + 5), 1);
    cr_assert_eq(agent_quota_abusing(&rec, HOUR0 + 5 + 86399), 1);
    cr_assert_eq(agent_quota_abusing(&rec, HOUR0 + 5 + 86400), 0);
}

Test(agent_quota, limit_names_are_the_ini_keys)
{
    cr_assert_str_eq(agent_quota_limit_name(AQ_REPORTS_PER_HOUR), "reports_per_hour");
    cr_assert_str_eq(agent_quota_limit_name(AQ_BYTES_PER_DAY), "bytes_per_day");
    cr_assert_str_eq(agent_quota_limit_name(AQ_HISTORY_BYTES), "history_bytes");
    cr_assert_str_eq(agent_quota_limit_name(AQ_HOSTS_PER_TOKEN), "hosts_per_token");
    cr_assert_str_eq(agent_quota_limit_name(AQ_HOSTS_PER_DEPT), "hosts_per_dept");
    cr_assert_str_eq(agent_quota_limit_name(AQ_NONE), "");
    struct agent_quota d;
    agent_quota_defaults(&d);
    cr_assert_eq(d.reports_per_hour, 60);
    cr_assert_eq(d.bytes_per_day, 256u << 20);
    cr_assert_eq(d.history_bytes, 64u << 20);
    cr_assert_eq(d.diff_max, 1000);
    cr_assert_eq(d.diff_keep, 20);
}

/* ---- a large diff becomes a summary ---- */

static Tz__PackagesSection *pkgs(const char *prefix, int n, const char *version)
{
    Tz__PackagesSection *s = calloc(1, sizeof(*s));
    tz__packages_section__init(s);
    s->packages = calloc((size_t)n, sizeof(*s->packages));
    s->n_packages = (size_t)n;
    for (int i = 0; i < n; i++) {
        Tz__Package *p = calloc(1, sizeof(*p));
        tz__package__init(p);
        p->name = malloc(16);
        snprintf(p->name, 16, "%s%04d", prefix, i);
        p->version = (char *)version;
        p->arch = "amd64";
        s->packages[i] = p;
    }
    return s;
}

static void pkgs_free(Tz__PackagesSection *s)
{
    for (size_t i = 0; i < s->n_packages; i++) {
        free(s->packages[i]->name);
        free(s->packages[i]);
    }
    free(s->packages);
    free(s);
}

static void diff(Tz__PackagesSection *a, Tz__PackagesSection *b, Tz__HistoryEntry *e)
{
    Tz__Report old = TZ__REPORT__INIT, nw = TZ__REPORT__INIT;
    old.packages = a;
    nw.packages = b;
    int changed = 0;
    tz__history_entry__init(e);
    cr_assert_eq(history_diff(&old, &nw, e, &changed), 0);
    cr_assert_eq(changed, 1);
}

Test(agent_quota, a_diff_over_the_max_keeps_counts_and_the_first_changes)
{
    Tz__PackagesSection *a = pkgs("a", 6, "1.0"), *b = pkgs("b", 5, "1.0");
    b->packages[0]->name[0] = 'a';   /* a0000 stays, at another version */
    b->packages[0]->version = "2.0";
    Tz__HistoryEntry e;
    diff(a, b, &e);
    cr_assert_eq(e.n_packages, 10, "a0000 changed, a0001..5 removed, b0001..4 added");
    cr_assert_eq(history_diff_summarise(&e, 10, 3), 0, "exactly the max stays whole");
    cr_assert_eq(e.summarised, 0);
    cr_assert_eq(history_diff_summarise(&e, 9, 3), 1);
    cr_assert_eq(e.summarised, 1);
    cr_assert_eq(e.packages_changed, 1);
    cr_assert_eq(e.packages_removed, 5);
    cr_assert_eq(e.packages_added, 4);
    cr_assert_eq(e.n_packages, 3);
    cr_assert_str_eq(e.packages[0]->name, "a0000");
    cr_assert_str_eq(e.packages[0]->new_version, "2.0");
    cr_assert_str_eq(e.packages[1]->name, "a0001");
    cr_assert_str_eq(e.packages[2]->name, "a0002");
    history_diff_free(&e);
    /* max 0: never summarised */
    diff(a, b, &e);
    cr_assert_eq(history_diff_summarise(&e, 0, 3), 0);
    cr_assert_eq(e.n_packages, 10);
    history_diff_free(&e);
    pkgs_free(a);
    pkgs_free(b);
}

/* ---- the collector INI ---- */

Test(agent_quota, the_collector_ini_sets_each_limit_and_refuses_bad_values)
{
    struct collector_config c;
    struct tz_error e = {0};
    cr_assert_eq(tz_test_collector_ini("[collector]\n", &c, &e), 0, "%s", e.msg);
    cr_assert_eq(c.quota.reports_per_hour, 60, "the defaults apply");
    cr_assert_eq(c.quota.hosts_per_dept, 5000);
    cr_assert_eq(tz_test_collector_ini("[collector]\nquota_reports_per_hour = 7\n"
                                       "quota_bytes_per_day = 1099511627776\n"
                                       "quota_history_bytes = 0\n"
                                       "quota_hosts_per_token = 3\n"
                                       "quota_hosts_per_dept = 4\n"
                                       "history_diff_max = 5\n"
                                       "history_diff_keep = 6\n", &c, &e),
                 0, "%s", e.msg);
    cr_assert_eq(c.quota.reports_per_hour, 7);
    cr_assert_eq(c.quota.bytes_per_day, UINT64_C(1) << 40);
    cr_assert_eq(c.quota.history_bytes, 0);
    cr_assert_eq(c.quota.hosts_per_token, 3);
    cr_assert_eq(c.quota.hosts_per_dept, 4);
    cr_assert_eq(c.quota.diff_max, 5);
    cr_assert_eq(c.quota.diff_keep, 6);
    memset(&e, 0, sizeof(e));
    cr_assert_neq(tz_test_collector_ini("[collector]\n"
                                        "quota_bytes_per_day = 1099511627777\n",
                                        &c, &e), 0);
    cr_assert(strstr(e.msg, "bad value for quota_bytes_per_day") != NULL, "%s", e.msg);
    memset(&e, 0, sizeof(e));
    cr_assert_neq(tz_test_collector_ini("[collector]\nquota_reports_per_hour = -1\n",
                                        &c, &e), 0);
    cr_assert(strstr(e.msg, "bad value for quota_reports_per_hour") != NULL, "%s", e.msg);
}
