/* test_quota — security finding 3: one enrolled agent must not fill the
 * register. Through the register API as the ingest calls it (one batch per
 * request group), a flooding agent goes over its reports per hour and bytes
 * per day, is refused OVER_QUOTA (its seq unused, so its spooled report
 * lands later) and flagged AGENT_ABUSE, while a second agent's reports in
 * the same batches keep landing OK; a huge package diff is stored as a
 * summary; a host's history stays under its cap; the (N+1)th enrollment
 * with a token, or into a full department, is refused. Each test builds its
 * own register in a temp dir. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_quota.h"
#include "flags_update.h"
#include "register.h"
#include "rules_config.h"
#include "tz_test.h"

#define HOUR0 1699999200   /* 2023-11-14 22:00:00Z, the start of a UTC hour */
#define FLOOD 1
#define GOOD 2

static char *dir;
static struct tz_register *reg;
static struct tz_error err;
static struct agent_quota q;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("quota");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "计算机学院", HOUR0, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "财务处", HOUR0, &err), 0, "%s", err.msg);
    agent_quota_off(&q);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(quota, .init = setup, .fini = teardown, .timeout = 120);

static const char *token(const char *dept)
{
    static char tok[4][REGISTER_TOKEN_LEN];
    static int n;
    char *t = tok[n++ % 4];
    cr_assert_eq(register_token_create(reg, dept, HOUR0, t, &err), 0, "%s", err.msg);
    return t;
}

static struct register_item enroll_item(int pk, const char *tok, Tz__Enroll *en)
{
    tz__enroll__init(en);
    en->token = (char *)tok;
    en->hostname = "lab";
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = en};
    memset(it.agent_pk, pk, 32);
    return it;
}

/* Enroll key pk with tok as seq at HOUR0; returns the item answered. */
static struct register_item enroll_seq(int pk, const char *tok, uint64_t seq)
{
    Tz__Enroll en;
    struct register_item it = enroll_item(pk, tok, &en);
    it.seq = seq;
    cr_assert_eq(register_put_batch(reg, &it, 1, HOUR0, &err), 0, "%s", err.msg);
    return it;
}

static struct register_item enroll(int pk, const char *tok)
{
    Tz__Enroll en;
    struct register_item it = enroll_item(pk, tok, &en);
    cr_assert_eq(register_put_batch(reg, &it, 1, HOUR0, &err), 0, "%s", err.msg);
    return it;
}

static struct register_item report_item(int pk, uint64_t seq, const Tz__Report *r)
{
    struct register_item it = {.kind = ITEM_REPORT, .seq = seq, .report = r};
    memset(it.agent_pk, pk, 32);
    return it;
}

static Tz__Report *small_report(void)
{
    static Tz__HostSection h = TZ__HOST_SECTION__INIT;
    static Tz__Report r = TZ__REPORT__INIT;
    h.hostname = "lab.example.edu.cn";
    h.kernel_release = "6.1.0";
    r.host = &h;
    return &r;
}

static Tz__AgentRecord *agent(uint64_t id)
{
    Tz__AgentRecord *rec;
    cr_assert_eq(register_get_agent(reg, id, &rec, &err), 0, "%s", err.msg);
    return rec;
}

struct open_flag {
    uint64_t host;
    int open;
    char evidence[512];
};

static int find_flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct open_flag *o = arg;
    if (f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST && f->subject_id == o->host &&
        strcmp(f->id, "AGENT_ABUSE") == 0 && f->closed_at == 0) {
        o->open++;
        snprintf(o->evidence, sizeof(o->evidence), "%s", f->evidence);
    }
    return 0;
}

/* Evaluate host's flags at now: is AGENT_ABUSE open? */
static int abuse_open(uint64_t host, int64_t now, char ev[512])
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    cr_assert_eq(flags_update_hosts(reg, &cfg, &host, 1, now, &err), 0, "%s", err.msg);
    struct open_flag o = {.host = host};
    cr_assert_eq(register_each_flag(reg, 0, find_flag_cb, &o, &err), 0, "%s", err.msg);
    if (ev)
        memcpy(ev, o.evidence, sizeof(o.evidence));
    return o.open;
}

static struct register_stats stats(void)
{
    struct register_stats st;
    cr_assert_eq(register_stats(reg, &st, &err), 0, "%s", err.msg);
    return st;
}

Test(quota, a_flooding_agent_is_limited_per_hour_while_a_good_one_keeps_landing)
{
    q.reports_per_hour = 5;
    register_set_quota(reg, &q);
    const char *tok = token("计算机学院");
    uint64_t flood = enroll(FLOOD, tok).agent_id, good = enroll(GOOD, tok).agent_id;
    cr_assert(flood && good);

    /* One batch: the flooder sends 8 reports (seq 2..9), the good agent 3
     * between them. */
    const Tz__Report *r = small_report();
    struct register_item it[11];
    int n = 0;
    for (int i = 0; i < 8; i++) {
        it[n++] = report_item(FLOOD, 2 + (uint64_t)i, r);
        if (i % 3 == 0)
            it[n++] = report_item(GOOD, 2 + (uint64_t)i / 3, r);
    }
    cr_assert_eq(n, 11);
    cr_assert_eq(register_put_batch(reg, it, (size_t)n, HOUR0 + 60, &err), 0, "%s",
                 err.msg);
    int ok_flood = 0, over = 0, ok_good = 0;
    for (int i = 0; i < n; i++) {
        int is_flood = it[i].agent_pk[0] == FLOOD;
        if (is_flood && it[i].status == TZ__STATUS__OK)
            ok_flood++;
        else if (is_flood) {
            cr_assert_eq(it[i].status, TZ__STATUS__OVER_QUOTA, "%s", it[i].detail);
            cr_assert_str_eq(it[i].detail, "agent 1 sent 5 reports in the hour from "
                             "2023-11-14 22:00 UTC (limit reports_per_hour = 5): retry "
                             "next hour");
            over++;
        } else {
            cr_assert_eq(it[i].status, TZ__STATUS__OK, "good agent: %s", it[i].detail);
            ok_good++;
        }
    }
    cr_assert_eq(ok_flood, 5);
    cr_assert_eq(over, 3);
    cr_assert_eq(ok_good, 3);

    Tz__AgentRecord *a = agent(flood);
    cr_assert_eq(a->last_seq, 6, "a refused report's seq stays unused");
    cr_assert_eq(a->reports, 5);
    cr_assert_str_eq(a->abuse_limit, "reports_per_hour");
    cr_assert_eq(a->abuse_refused, 3);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    Tz__AgentRecord *g = agent(good);
    cr_assert_eq(g->reports, 3);
    cr_assert_str_eq(g->abuse_limit, "");
    protobuf_c_message_free_unpacked(&g->base, NULL);

    char ev[512];
    cr_assert_eq(abuse_open(flood, HOUR0 + 120, ev), 1);
    cr_assert(strstr(ev, "hit the limit reports_per_hour at 2023-11-14 22:01 UTC (3 "
                         "reports refused in all)") != NULL, "%s", ev);
    cr_assert(strstr(ev, "limit reports_per_hour = 5") != NULL, "%s", ev);
    cr_assert_eq(abuse_open(good, HOUR0 + 120, NULL), 0, "the good agent is not flagged");

    struct register_stats st = stats();
    cr_assert_eq(st.rejected[TZ__STATUS__OVER_QUOTA], 3);
    cr_assert_eq(st.quota[AQ_REPORTS_PER_HOUR], 3);
    cr_assert_eq(st.reports_accepted, 8);

    /* The next hour the flooder's spooled report (seq 7) lands. */
    struct register_item later = report_item(FLOOD, 7, r);
    cr_assert_eq(register_put_batch(reg, &later, 1, HOUR0 + 3600, &err), 0, "%s", err.msg);
    cr_assert_eq(later.status, TZ__STATUS__OK, "%s", later.detail);
    /* The flag stays a day after the last hit, then closes. */
    cr_assert_eq(abuse_open(flood, HOUR0 + 60 + 86399, NULL), 1);
    cr_assert_eq(abuse_open(flood, HOUR0 + 60 + 86400, NULL), 0);
}

Test(quota, bytes_per_day_stops_a_large_sender_and_not_a_small_one)
{
    const Tz__Report *r = small_report();
    uint64_t size = protobuf_c_message_get_packed_size(&r->base);
    q.bytes_per_day = 2 * size + size / 2;
    register_set_quota(reg, &q);
    const char *tok = token("计算机学院");
    uint64_t flood = enroll(FLOOD, tok).agent_id;
    enroll(GOOD, tok);
    struct register_item it[4] = {report_item(FLOOD, 2, r), report_item(FLOOD, 3, r),
                                  report_item(FLOOD, 4, r), report_item(GOOD, 2, r)};
    cr_assert_eq(register_put_batch(reg, it, 4, HOUR0, &err), 0, "%s", err.msg);
    cr_assert_eq(it[0].status, TZ__STATUS__OK, "%s", it[0].detail);
    cr_assert_eq(it[1].status, TZ__STATUS__OK, "%s", it[1].detail);
    cr_assert_eq(it[2].status, TZ__STATUS__OVER_QUOTA, "%s", it[2].detail);
    char want[160];
    snprintf(want, sizeof(want), "agent 1 sent %llu bytes on the day from 2023-11-14 "
             "00:00 UTC, %llu more would pass bytes_per_day = %llu: retry tomorrow",
             (unsigned long long)(2 * size), (unsigned long long)size,
             (unsigned long long)q.bytes_per_day);
    cr_assert_str_eq(it[2].detail, want);
    cr_assert_eq(it[3].status, TZ__STATUS__OK, "the good agent: %s", it[3].detail);
    char ev[512];
    cr_assert_eq(abuse_open(flood, HOUR0 + 10, ev), 1);
    cr_assert(strstr(ev, "bytes_per_day") != NULL, "%s", ev);
    cr_assert_eq(stats().quota[AQ_BYTES_PER_DAY], 1);
}

/* A packages section of n names prefix0000.., all at version. */
static Tz__PackagesSection *pkgs(const char *prefix, int n)
{
    Tz__PackagesSection *s = calloc(1, sizeof(*s));
    tz__packages_section__init(s);
    s->packages = calloc((size_t)n, sizeof(*s->packages));
    s->n_packages = (size_t)n;
    for (int i = 0; i < n; i++) {
        Tz__Package *p = calloc(1, sizeof(*p));
        tz__package__init(p);
        p->name = malloc(16);
        snprintf(p->name, 16, "%s%05d", prefix, i);
        p->version = "1.0";
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

struct entries {
    size_t n;
    Tz__HistoryEntry *last;   /* packed copy of the latest */
    uint64_t bytes;
};

static int entry_cb(const Tz__HistoryEntry *e, void *arg)
{
    struct entries *x = arg;
    x->n++;
    size_t len = protobuf_c_message_get_packed_size(&e->base);
    uint8_t *buf = malloc(len ? len : 1);
    protobuf_c_message_pack(&e->base, buf);
    if (x->last)
        protobuf_c_message_free_unpacked(&x->last->base, NULL);
    x->last = tz__history_entry__unpack(NULL, len, buf);
    x->bytes += len;
    free(buf);
    return 0;
}

static struct entries history(uint64_t id)
{
    struct entries x = {0};
    cr_assert_eq(register_each_history(reg, id, 0, entry_cb, &x, &err), 0, "%s", err.msg);
    return x;
}

Test(quota, a_huge_package_diff_is_stored_as_a_summary)
{
    q.diff_max = 1000;
    q.diff_keep = 4;
    register_set_quota(reg, &q);
    uint64_t id = enroll(FLOOD, token("计算机学院")).agent_id;
    Tz__PackagesSection *a = pkgs("a", 20000), *b = pkgs("b", 20000);
    Tz__Report r1 = TZ__REPORT__INIT, r2 = TZ__REPORT__INIT;
    r1.packages = a;
    r2.packages = b;
    struct register_item it = report_item(FLOOD, 2, &r1);
    cr_assert_eq(register_put_batch(reg, &it, 1, HOUR0, &err), 0, "%s", err.msg);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
    it = report_item(FLOOD, 3, &r2);
    cr_assert_eq(register_put_batch(reg, &it, 1, HOUR0 + 60, &err), 0, "%s", err.msg);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);

    struct entries x = history(id);
    cr_assert_eq(x.n, 2, "the baseline and the swap");
    Tz__HistoryEntry *e = x.last;
    cr_assert_eq(e->seq, 3);
    cr_assert_eq(e->summarised, 1);
    cr_assert_eq(e->packages_removed, 20000);
    cr_assert_eq(e->packages_added, 20000);
    cr_assert_eq(e->packages_changed, 0);
    cr_assert_eq(e->packages_total, 20000);
    cr_assert_eq(e->n_packages, 4);
    cr_assert_str_eq(e->packages[0]->name, "a00000");
    cr_assert_str_eq(e->packages[0]->old_version, "1.0");
    cr_assert_str_eq(e->packages[0]->new_version, "");
    cr_assert_str_eq(e->packages[3]->name, "a00003");
    cr_assert_lt(protobuf_c_message_get_packed_size(&e->base), 300,
                 "a 40,000-change swap stored whole would take ~1 MB");
    protobuf_c_message_free_unpacked(&e->base, NULL);

    /* A small diff stays whole. */
    b->packages[0]->version = "1.1";
    it = report_item(FLOOD, 4, &r2);
    cr_assert_eq(register_put_batch(reg, &it, 1, HOUR0 + 120, &err), 0, "%s", err.msg);
    x = history(id);
    cr_assert_eq(x.last->summarised, 0);
    cr_assert_eq(x.last->n_packages, 1);
    cr_assert_str_eq(x.last->packages[0]->new_version, "1.1");
    protobuf_c_message_free_unpacked(&x.last->base, NULL);
    pkgs_free(a);
    pkgs_free(b);
}

Test(quota, a_host_over_its_history_cap_loses_its_oldest_entries_only)
{
    q.history_bytes = 1000;
    register_set_quota(reg, &q);
    const char *tok = token("计算机学院");
    uint64_t id = enroll(FLOOD, tok).agent_id, good = enroll(GOOD, tok).agent_id;
    /* Every report changes the kernel: one small history entry each. */
    static Tz__HostSection h = TZ__HOST_SECTION__INIT;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &h;
    h.hostname = "lab";
    char kernel[32];
    h.kernel_release = kernel;
    for (int i = 0; i < 60; i++) {
        snprintf(kernel, sizeof(kernel), "6.1.%d-amd64", i);
        struct register_item it[2] = {report_item(FLOOD, 2 + (uint64_t)i, &r),
                                      report_item(GOOD, 2 + (uint64_t)i, &r)};
        cr_assert_eq(register_put_batch(reg, it, i < 10 ? 2 : 1, HOUR0 + i, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(it[0].status, TZ__STATUS__OK, "%s", it[0].detail);
    }
    struct entries x = history(id);
    cr_assert_lt(x.n, 60, "nothing was pruned");
    cr_assert_gt(x.n, 5, "more than the oldest were pruned");
    cr_assert_leq(x.bytes, 1000, "the history kept passes its cap");
    cr_assert_eq(x.last->seq, 61, "the newest entry stays");
    cr_assert_str_eq(x.last->new_kernel, "6.1.59-amd64");
    protobuf_c_message_free_unpacked(&x.last->base, NULL);
    Tz__AgentRecord *a = agent(id);
    cr_assert_str_eq(a->abuse_limit, "history_bytes");
    cr_assert_leq(a->history_bytes, 1000);
    cr_assert_eq(a->abuse_refused, 0, "no report was refused");
    protobuf_c_message_free_unpacked(&a->base, NULL);
    cr_assert_eq(abuse_open(id, HOUR0 + 100, NULL), 1);
    /* The other host's (short) history is untouched. */
    struct entries gx = history(good);
    cr_assert_eq(gx.n, 10);
    protobuf_c_message_free_unpacked(&gx.last->base, NULL);
    cr_assert_eq(abuse_open(good, HOUR0 + 100, NULL), 0);
    cr_assert_geq(stats().quota[AQ_HISTORY_BYTES], 1);
}

Test(quota, the_token_cap_refuses_the_next_host_and_a_known_key_still_reenrolls)
{
    q.hosts_per_token = 2;
    register_set_quota(reg, &q);
    const char *tok = token("计算机学院");
    cr_assert_eq(enroll(1, tok).status, TZ__STATUS__OK);
    cr_assert_eq(enroll(2, tok).status, TZ__STATUS__OK);
    struct register_item third = enroll(3, tok);
    cr_assert_eq(third.status, TZ__STATUS__OVER_QUOTA);
    cr_assert_eq(third.agent_id, 0);
    cr_assert(strstr(third.detail, "enrolled 2 hosts (limit hosts_per_token = 2): make "
                                   "a new token for more") != NULL, "%s", third.detail);
    struct register_item again = enroll_seq(2, tok, 2);
    cr_assert_eq(again.status, TZ__STATUS__OK, "re-enrolling is no new host: %s",
                 again.detail);
    cr_assert_eq(enroll(3, token("计算机学院")).status, TZ__STATUS__OK,
                 "a new token enrolls it");
    struct register_stats st = stats();
    cr_assert_eq(st.quota[AQ_HOSTS_PER_TOKEN], 1);
    cr_assert_eq(st.agents, 3);
}

Test(quota, the_department_cap_counts_hosts_not_revoked)
{
    q.hosts_per_dept = 2;
    register_set_quota(reg, &q);
    uint64_t first = enroll(1, token("计算机学院")).agent_id;
    cr_assert_eq(enroll(2, token("计算机学院")).status, TZ__STATUS__OK);
    struct register_item it = enroll(3, token("计算机学院"));
    cr_assert_eq(it.status, TZ__STATUS__OVER_QUOTA);
    cr_assert_str_eq(it.detail, "department 计算机学院 has 2 hosts (limit hosts_per_dept "
                                "= 2): revoke unused ones or ask the network center to "
                                "raise the limit");
    cr_assert_eq(enroll(4, token("财务处")).status, TZ__STATUS__OK,
                 "another department is not affected");
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = HOUR0 + 5;
    rev.by = "ops";
    rev.reason = "retired";
    cr_assert_eq(register_agent_revoke(reg, first, &rev, &err), 0, "%s", err.msg);
    cr_assert_eq(enroll(3, token("计算机学院")).status, TZ__STATUS__OK);
    cr_assert_eq(stats().quota[AQ_HOSTS_PER_DEPT], 1);
}

/* A rollout's batch enrolls many hosts of one department at once: the cap
 * holds within the batch as across batches. */
Test(quota, the_department_cap_holds_within_one_batch)
{
    q.hosts_per_dept = 2;
    register_set_quota(reg, &q);
    const char *tok = token("计算机学院");
    Tz__Enroll en[4];
    struct register_item it[4];
    for (int i = 0; i < 3; i++)
        it[i] = enroll_item(i + 1, tok, &en[i]);
    it[3] = enroll_item(4, token("财务处"), &en[3]);
    cr_assert_eq(register_put_batch(reg, it, 4, HOUR0, &err), 0, "%s", err.msg);
    cr_assert_eq(it[0].status, TZ__STATUS__OK);
    cr_assert_eq(it[1].status, TZ__STATUS__OK);
    cr_assert_eq(it[2].status, TZ__STATUS__OVER_QUOTA, "%s", it[2].detail);
    cr_assert_eq(it[3].status, TZ__STATUS__OK, "another department");
    /* and the next batch counts what this one stored */
    cr_assert_eq(enroll(5, token("计算机学院")).status, TZ__STATUS__OVER_QUOTA);
}
