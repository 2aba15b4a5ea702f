/* test_ledger_fields — every way a ledger value is written in a real sheet,
 * and every way it can be wrong: dates, grades (also MLPS 1.0's S2A3G3),
 * statuses, yes/no, IP lists (addresses, blocks and ranges, edges
 * included) and domain lists, line breaks in free text and not elsewhere,
 * bounds, and the table's keys and labels. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_day.h"
#include "ledger_fields.h"
#include "system_match.h"
#include "tz_error.h"
#include "tz_limits.h"

static char why[LEDGER_WHY];

static int32_t date(const char *s)
{
    int32_t d = -1;
    cr_assert_eq(ledger_parse_date(s, &d, why, sizeof(why)), 0, "%s: %s", s,
                 why);
    return d;
}

static void bad_date(const char *s, const char *reason)
{
    int32_t d = 7;
    cr_assert_eq(ledger_parse_date(s, &d, why, sizeof(why)), TZ_EINVAL,
                 "accepted %s", s);
    cr_assert_eq(d, 0);
    cr_assert(strstr(why, reason), "%s: %s", s, why);
}

Test(ledger_date, accepts_iso_slashes_dots_compact_and_chinese)
{
    int32_t want = civil_day(2026, 3, 1);
    cr_assert_eq(date("2026-03-01"), want);
    cr_assert_eq(date("2026/3/1"), want);
    cr_assert_eq(date("2026/03/01"), want);
    cr_assert_eq(date("2026.3.1"), want);
    cr_assert_eq(date("20260301"), want);
    cr_assert_eq(date("2026年3月1日"), want);
    cr_assert_eq(date("2026年03月01日"), want);
    cr_assert_eq(date("2026年3月1号"), want);
    cr_assert_eq(date("  2026-3-1\u3000"), want, "spaces and U+3000 trimmed");
    cr_assert_eq(date("2026/3/1 0:00"), want, "Excel's time is ignored");
    cr_assert_eq(date("2026-03-01 12:30:59"), want);
    cr_assert_eq(date(""), 0, "empty is unset");
    cr_assert_eq(date("2024-02-29"), civil_day(2024, 2, 29), "leap day");
}

Test(ledger_date, refuses_dates_that_do_not_exist)
{
    bad_date("2026-02-30", "not a real calendar date");
    bad_date("2025-02-29", "not a real calendar date");
    bad_date("2026/4/31", "not a real calendar date");
    bad_date("2026年13月1日", "not a real calendar date");
    bad_date("2026-00-10", "not a real calendar date");
    bad_date("2026-01-00", "not a real calendar date");
    bad_date("1900-01-01", "the year must be 1980 to 2099");
    bad_date("2126-01-01", "the year must be 1980 to 2099");
}

Test(ledger_date, refuses_what_is_not_a_date)
{
    bad_date("2026-3/1", "is not a date");
    bad_date("26-3-1", "is not a date");
    bad_date("2026-003-01", "is not a date");
    bad_date("March 1, 2026", "is not a date");
    bad_date("2026年3月", "is not a date");
    bad_date("2026-03-01x", "is not a date");
    bad_date("2026-03-01 25:00", "is not a date");
    bad_date("202603011", "is not a date");
    bad_date("2026-03-01 2026-03-02", "is not a date");
}

static uint32_t grade(const char *s)
{
    uint32_t g = 99;
    cr_assert_eq(ledger_parse_grade(s, &g, why, sizeof(why)), 0, "%s: %s", s,
                 why);
    return g;
}

Test(ledger_grade, numbers_and_the_ways_chinese_writes_them)
{
    cr_assert_eq(grade("1"), 1);
    cr_assert_eq(grade("5"), 5);
    cr_assert_eq(grade("第二级"), 2);
    cr_assert_eq(grade("二级"), 2);
    cr_assert_eq(grade("三级保护"), 3);
    cr_assert_eq(grade("等保三级"), 3);
    cr_assert_eq(grade("第3级"), 3);
    cr_assert_eq(grade("4级"), 4);
    cr_assert_eq(grade(" 第五级 "), 5);
    cr_assert_eq(grade("none"), 0);
    cr_assert_eq(grade("NONE"), 0);
    cr_assert_eq(grade("未定级"), 0);
    cr_assert_eq(grade(""), 0);
    cr_assert_eq(grade("0"), 0);
    cr_assert_eq(grade("三"), 3);
}

Test(ledger_grade, refuses_grades_that_do_not_exist)
{
    uint32_t g = 9;
    cr_assert_eq(ledger_parse_grade("7", &g, why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "grade 7 does not exist"), "%s", why);
    cr_assert_eq(g, 0);
    cr_assert_eq(ledger_parse_grade("第六级", &g, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "grade 6"), "%s", why);
    const char *bad[] = {"10", "-1", "level 3", "3级别", "第级", "二三级",
                         "三级以上", "S6A1G1", "S3", "A3S3G3", "S3A3G3X",
                         "S0A0G0", "S3A3G3G3", "S3 A3 G3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(ledger_parse_grade(bad[i], &g, why, sizeof(why)),
                     TZ_EINVAL, "accepted %s", bad[i]);
    }
    cr_assert_eq(ledger_parse_grade("level 3", &g, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "is not a grade"), "%s", why);
}

/* GB/T 22239-2008 wrote the grade as S (security), A (service) and G
 * (general); the system's grade is the highest of the three. */
Test(ledger_grade, mlps_1_0_notation_is_the_highest_of_its_three)
{
    cr_assert_eq(grade("S2A2G2"), 2);
    cr_assert_eq(grade("S3A2G3"), 3);
    cr_assert_eq(grade("S2A3G3"), 3);
    cr_assert_eq(grade("s1a2g2"), 2, "either case");
    cr_assert_eq(grade("S3A1"), 3, "G may be left out");
    cr_assert_eq(grade(" S4A4G4 "), 4);
    cr_assert_eq(grade("S1A1G5"), 5, "the highest, whichever letter");
}

static const char *status(const char *s)
{
    const char *st = NULL;
    cr_assert_eq(ledger_parse_status(s, &st, why, sizeof(why)), 0, "%s: %s",
                 s, why);
    return st;
}

Test(ledger_status, english_and_chinese_synonyms)
{
    cr_assert_str_eq(status("planned"), "planned");
    cr_assert_str_eq(status("LIVE"), "live");
    cr_assert_str_eq(status("retired"), "retired");
    cr_assert_str_eq(status("规划"), "planned");
    cr_assert_str_eq(status("建设中"), "planned");
    cr_assert_str_eq(status("在建"), "planned");
    cr_assert_str_eq(status("运行"), "live");
    cr_assert_str_eq(status("在用"), "live");
    cr_assert_str_eq(status("上线"), "live");
    cr_assert_str_eq(status("已上线"), "live");
    cr_assert_str_eq(status("下线"), "retired");
    cr_assert_str_eq(status("停用"), "retired");
    cr_assert_str_eq(status(" 已下线 "), "retired");
    const char *st;
    cr_assert_eq(ledger_parse_status("", &st, why, sizeof(why)), TZ_EINVAL);
    cr_assert_eq(ledger_parse_status("running", &st, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "\"running\" is not a status"), "%s", why);
}

Test(ledger_bool, yes_no_true_false_and_chinese)
{
    const char *yes[] = {"yes", "YES", "true", "是", "有", "y", "1"};
    const char *no[] = {"no", "False", "否", "无", "", "n", "0"};
    int v;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        cr_assert_eq(ledger_parse_bool(yes[i], &v, why, sizeof(why)), 0);
        cr_assert_eq(v, 1, "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        cr_assert_eq(ledger_parse_bool(no[i], &v, why, sizeof(why)), 0);
        cr_assert_eq(v, 0, "%s", no[i]);
    }
    cr_assert_eq(ledger_parse_bool("maybe", &v, why, sizeof(why)), TZ_EINVAL);
    cr_assert_eq(ledger_parse_bool("是的", &v, why, sizeof(why)), TZ_EINVAL);
}

Test(ledger_review, results_in_both_languages)
{
    const char *st;
    cr_assert_eq(ledger_parse_review("通过", &st, why, sizeof(why)), 0);
    cr_assert_str_eq(st, "passed");
    cr_assert_eq(ledger_parse_review("未通过", &st, why, sizeof(why)), 0);
    cr_assert_str_eq(st, "failed");
    cr_assert_eq(ledger_parse_review("none", &st, why, sizeof(why)), 0);
    cr_assert_str_eq(st, "none");
    cr_assert_eq(ledger_parse_review("ok", &st, why, sizeof(why)), TZ_EINVAL);
}

static char **items;
static size_t nitems;

static void list_ok(enum ledger_kind k, const char *s, size_t n)
{
    ledger_list_free(items, nitems);
    items = NULL;
    nitems = 0;
    cr_assert_eq(ledger_parse_list(k, s, &items, &nitems, why, sizeof(why)),
                 0, "%s: %s", s, why);
    cr_assert_eq(nitems, n, "%s: %zu items", s, nitems);
}

static void list_teardown(void)
{
    ledger_list_free(items, nitems);
    items = NULL;
    nitems = 0;
}

TestSuite(ledger_list, .fini = list_teardown);

Test(ledger_list, ips_and_cidr_split_on_every_separator_and_canonical)
{
    list_ok(LK_IPS,
            "10.1.2.3, 10.1.0.0/16;2001:DB8::1、2001:db8:0:0::/32，"
            "192.168.1.1；172.16.0.0/12\n10.9.9.9\r\n10.8.8.8 10.7.7.7",
            9);
    const char *want[] = {"10.1.2.3",      "10.1.0.0/16",   "2001:db8::1",
                          "2001:db8::/32", "192.168.1.1",   "172.16.0.0/12",
                          "10.9.9.9",      "10.8.8.8",      "10.7.7.7"};
    for (size_t i = 0; i < 9; i++)
        cr_assert_str_eq(items[i], want[i]);
    list_ok(LK_IPS, "10.0.0.1, 10.0.0.1", 1);
    list_ok(LK_IPS, "0.0.0.0/0", 1);
    list_ok(LK_IPS, "::/0", 1);
    list_ok(LK_IPS, "", 0);
    list_ok(LK_IPS, " ,; ", 0);
}

Test(ledger_list, ranges_in_every_spelling_and_canonical)
{
    list_ok(LK_IPS,
            "10.1.2.3-10.1.2.9、10.1.3.3-9\n10.1.4.1 - 10.1.4.7；"
            "10.1.5.1～10.1.5.2, 10.1.6.1 ~ 10.1.6.3;10.1.7.1—10.1.7.2 "
            "2001:DB8::1-2001:db8::ff，10.1.8.8-10.1.8.8 10.9.0.0/24",
            9);
    const char *want[] = {
        "10.1.2.3-10.1.2.9", "10.1.3.3-10.1.3.9", "10.1.4.1-10.1.4.7",
        "10.1.5.1-10.1.5.2", "10.1.6.1-10.1.6.3", "10.1.7.1-10.1.7.2",
        "2001:db8::1-2001:db8::ff", "10.1.8.8", "10.9.0.0/24"};
    for (size_t i = 0; i < 9; i++)
        cr_assert_str_eq(items[i], want[i]);
    /* what is stored reads back as itself (export, import) */
    list_ok(LK_IPS, "10.1.2.3-10.1.2.9,2001:db8::1-2001:db8::ff", 2);
    cr_assert_str_eq(items[0], "10.1.2.3-10.1.2.9");
    list_ok(LK_IPS, "10.1.2.3-10.1.2.9 10.1.2.3-9", 1);
}

Test(ledger_list, refuses_bad_addresses_and_prefixes)
{
    const char *bad[] = {"10.1.2", "10.1.2.256", "10.1.2.3/33", "10.1.2.3/",
                         "2001:db8::/129", "10.1.2.3/024", "10.1.2.3/+8",
                         "host.example.edu.cn", "fe80::1%eth0",
                         "１０.0.0.1", "010.1.2.3",
                         /* ranges: backwards, mixed, past 255, unfinished */
                         "10.0.0.9-10.0.0.1", "10.0.0.1-2001:db8::1",
                         "10.0.0.1-256", "10.0.0.1-", "-10.0.0.1",
                         "10.0.0.1-10.0.0.5-10.0.0.9", "10.0.0.0/24-10.0.1.0",
                         "2001:db8::1-ff", "10.0.0.5-4", "10.0.0.1-09"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char **v = NULL;
        size_t n = 0;
        cr_assert_eq(ledger_parse_list(LK_IPS, bad[i], &v, &n, why,
                                       sizeof(why)),
                     TZ_EINVAL, "accepted %s", bad[i]);
        cr_assert_null(v);
    }
    char **v;
    size_t n;
    cr_assert_eq(ledger_parse_list(LK_IPS, "10.0.0.1, 10.1.2.3/33", &v, &n,
                                   why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "\"10.1.2.3/33\": the prefix after / must be 0 to "
                          "32"), "%s", why);
}

Test(ledger_list, domains_and_urls, .fini = list_teardown)
{
    list_ok(LK_DOMAINS, "jwc.example.edu.cn, https://www.example.edu.cn/a?b",
            2);
    cr_assert_str_eq(items[1], "https://www.example.edu.cn/a?b");
    list_ok(LK_DOMAINS, "A.example.edu.cn、a.EXAMPLE.edu.cn", 1);
    char **v;
    size_t n;
    cr_assert_eq(ledger_parse_list(LK_DOMAINS, "https:///nohost", &v, &n,
                                   why, sizeof(why)), TZ_EINVAL);
    cr_assert_eq(ledger_parse_list(LK_DOMAINS, "bad\x01name", &v, &n, why,
                                   sizeof(why)), TZ_EINVAL);
    cr_assert_eq(ledger_parse_list(LK_DOMAINS, "a<b>.cn", &v, &n, why,
                                   sizeof(why)), TZ_EINVAL);
}

Test(ledger_list, bounded_in_items_and_item_length, .fini = list_teardown)
{
    char big[LEDGER_MAX_ITEMS * 16 + 64] = "";
    for (int i = 0; i <= LEDGER_MAX_ITEMS; i++) {
        char one[20];
        snprintf(one, sizeof(one), "10.0.%d.%d,", i / 256, i % 256);
        strcat(big, one);
    }
    char **v;
    size_t n;
    cr_assert_eq(ledger_parse_list(LK_IPS, big, &v, &n, why, sizeof(why)),
                 TZ_ELIMIT);
    cr_assert(strstr(why, "more than 64 items"), "%s", why);
    char *longname = malloc(LEDGER_MAX_ITEM + 10);
    memset(longname, 'a', LEDGER_MAX_ITEM + 1);
    longname[LEDGER_MAX_ITEM + 1] = '\0';
    cr_assert_eq(ledger_parse_list(LK_DOMAINS, longname, &v, &n, why,
                                   sizeof(why)), TZ_EINVAL);
    free(longname);
}

Test(system_match, cidr_and_url_hosts)
{
    struct sm_net net, a;
    cr_assert_eq(sm_net_parse("10.1.0.0/16", &net, NULL, 0), 0);
    cr_assert_eq(sm_net_parse("10.1.200.3", &a, NULL, 0), 0);
    cr_assert(sm_net_contains(&net, &a));
    cr_assert_eq(sm_net_parse("10.2.0.1", &a, NULL, 0), 0);
    cr_assert_not(sm_net_contains(&net, &a));
    cr_assert_eq(sm_net_parse("10.1.2.3/20", &net, NULL, 0), 0);
    cr_assert_eq(sm_net_parse("10.1.15.255", &a, NULL, 0), 0);
    cr_assert(sm_net_contains(&net, &a), "host bits of the block ignored");
    cr_assert_eq(sm_net_parse("10.1.16.0", &a, NULL, 0), 0);
    cr_assert_not(sm_net_contains(&net, &a));
    cr_assert_eq(sm_net_parse("2001:db8:abcd::/48", &net, NULL, 0), 0);
    cr_assert_eq(sm_net_parse("2001:db8:abcd:12::5", &a, NULL, 0), 0);
    cr_assert(sm_net_contains(&net, &a));
    cr_assert_eq(sm_net_parse("10.1.2.3", &a, NULL, 0), 0);
    cr_assert_not(sm_net_contains(&net, &a), "v4 is never in a v6 block");

    cr_assert(sm_host_matches("https://Web01.Example.edu.cn:8443/x?y#z",
                              "web01.example.edu.cn"));
    cr_assert(sm_host_matches("web01.example.edu.cn.", "WEB01.example.edu.cn"));
    cr_assert(sm_host_matches("http://admin:pw@web01.example.edu.cn/",
                              "web01.example.edu.cn"));
    cr_assert_not(sm_host_matches("https://example.edu.cn/web01",
                                  "web01"));
    cr_assert_not(sm_host_matches("web01.example.edu.cn", "web01"));
    cr_assert_not(sm_host_matches("web01.example.edu.cn", ""));
    char h[64];
    cr_assert_eq(sm_url_host("https://[2001:db8::1]:443/", h, sizeof(h)), 0);
    cr_assert_str_eq(h, "2001:db8::1");
}

static int in(const struct sm_range *r, const char *addr)
{
    struct sm_net a;
    cr_assert_eq(sm_net_parse(addr, &a, NULL, 0), 0, "%s", addr);
    return sm_range_contains(r, &a);
}

Test(system_match, ranges_hold_their_edges_and_nothing_past_them)
{
    struct sm_range r;
    char canon[SM_ITEM_STRLEN];
    cr_assert_eq(sm_item_parse("10.1.2.10-10.1.2.20", &r, canon, why,
                               sizeof(why)), 0, "%s", why);
    cr_assert_str_eq(canon, "10.1.2.10-10.1.2.20");
    cr_assert(in(&r, "10.1.2.10") && in(&r, "10.1.2.20") &&
              in(&r, "10.1.2.15"));
    cr_assert(!in(&r, "10.1.2.9") && !in(&r, "10.1.2.21") &&
              !in(&r, "2001:db8::1"));
    cr_assert_eq(sm_item_parse("2001:db8::ff00-2001:db8::1:0", &r, canon,
                               why, sizeof(why)), 0, "%s", why);
    cr_assert(in(&r, "2001:db8::ff00") && in(&r, "2001:db8::1:0") &&
              in(&r, "2001:db8::ffff"));
    cr_assert(!in(&r, "2001:db8::feff") && !in(&r, "2001:db8::1:1") &&
              !in(&r, "10.1.2.3"));
    /* a block and an address are ranges too, host bits ignored */
    cr_assert_eq(sm_item_parse("10.1.2.3/24", &r, canon, why, sizeof(why)), 0);
    cr_assert_str_eq(canon, "10.1.2.3/24", "stored as written, as before");
    cr_assert(in(&r, "10.1.2.0") && in(&r, "10.1.2.255") &&
              !in(&r, "10.1.3.0"));
}

/* The blocks of a range are exactly the range: every address of a window
 * around it is in some block iff it is in the range, and no fewer blocks
 * would do (a block never holds an address outside, and they do not
 * overlap). */
Test(system_match, a_range_is_the_fewest_blocks_that_make_it_up)
{
    static const char *const ranges[] = {
        "10.0.0.1-10.0.0.254", "10.0.0.0-10.0.1.255", "10.0.0.7-10.0.0.7",
        "10.0.0.255-10.0.1.0", "10.0.0.3-10.0.2.4"};
    static const size_t fewest[] = {14, 1, 1, 2, 10};
    for (size_t k = 0; k < sizeof(ranges) / sizeof(*ranges); k++) {
        struct sm_range r;
        struct sm_net b[SM_RANGE_BLOCKS];
        cr_assert_eq(sm_item_parse(ranges[k], &r, NULL, why, sizeof(why)), 0);
        size_t n = sm_range_blocks(&r, b, SM_RANGE_BLOCKS);
        cr_assert_eq(n, fewest[k], "%s: %zu blocks", ranges[k], n);
        for (unsigned a = 0; a < 4 * 256; a++) {
            struct sm_net ip = {4, {10, 0, (uint8_t)(a >> 8), (uint8_t)a}, 32};
            size_t hits = 0;
            for (size_t i = 0; i < n; i++)
                hits += (size_t)sm_net_contains(&b[i], &ip);
            cr_assert_eq(hits, (size_t)sm_range_contains(&r, &ip),
                         "%s: 10.0.%u.%u in %zu blocks", ranges[k], a >> 8,
                         a & 255, hits);
        }
    }
    /* the widest: all of IPv6 but its first and last address */
    struct sm_range all;
    cr_assert_eq(sm_item_parse("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
                               &all, NULL, why, sizeof(why)), 0);
    cr_assert_eq(sm_range_blocks(&all, NULL, 0), 254);
}

static Tz__SystemRecord *rec;

static void rec_setup(void)
{
    rec = ledger_record_new();
    cr_assert_not_null(rec);
}

static void rec_teardown(void)
{
    ledger_record_free(rec);
}

TestSuite(ledger_record, .init = rec_setup, .fini = rec_teardown);

static void set(const char *k, const char *v)
{
    cr_assert_eq(ledger_field_set(rec, k, v, why, sizeof(why)), 0,
                 "%s=%s: %s", k, v, why);
}

static const char *fmt(const char *k)
{
    static char buf[LEDGER_FORMAT_MAX];
    cr_assert_eq(ledger_field_format(rec, k, buf, sizeof(buf)), 0);
    return buf;
}

Test(ledger_record, keys_labels_and_flag_spellings_name_the_same_field)
{
    cr_assert_str_eq(rec->status, "live", "a new system is live");
    set("系统名称", "教务系统");
    set("dept", "教务处");
    set("负责人", "张三");
    set("mlps-grade", "三级");
    set("MLPS_GRADE", "第二级");
    set("定级备案日期", "2024年5月6日");
    set("ips", "10.0.0.0/8");
    set("IP地址", "10.1.1.1 10.1.1.2");
    set("上线前审查", "通过");
    set("审查人", "李四");
    set("prelaunch-date", "2025/1/2");
    set("是否含个人信息", "是");
    set("状态", "规划");
    cr_assert_str_eq(fmt("name"), "教务系统");
    cr_assert_str_eq(fmt("所属单位"), "教务处");
    cr_assert_str_eq(fmt("owner"), "张三");
    cr_assert_str_eq(fmt("mlps_grade"), "2");
    cr_assert_eq(rec->mlps_grade, 2);
    cr_assert_str_eq(fmt("grading_filed_at"), "2024-05-06");
    cr_assert_eq(rec->grading_filed_day, civil_day(2024, 5, 6));
    cr_assert_str_eq(fmt("ips"), "10.1.1.1,10.1.1.2");
    cr_assert_str_eq(rec->prelaunch->status, "passed");
    cr_assert_str_eq(rec->prelaunch->reviewer, "李四");
    cr_assert_eq(rec->prelaunch->day, civil_day(2025, 1, 2));
    cr_assert_str_eq(fmt("personal_data"), "yes");
    cr_assert_str_eq(rec->status, "planned");
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), 0, "%s", why);
    /* every key formats back into something that parses the same */
    for (size_t i = 0; i < LF_COUNT; i++) {
        cr_assert_eq(ledger_fields[i].id, (enum ledger_id)i);
        char v[LEDGER_FORMAT_MAX];
        cr_assert_eq(ledger_field_format(rec, ledger_fields[i].key, v,
                                         sizeof(v)), 0);
        if (v[0] || !ledger_fields[i].required)
            cr_assert_eq(ledger_field_set(rec, ledger_fields[i].key, v, why,
                                          sizeof(why)), 0, "%s=%s: %s",
                         ledger_fields[i].key, v, why);
    }
    cr_assert_str_eq(fmt("ips"), "10.1.1.1,10.1.1.2");
    cr_assert_str_eq(fmt("prelaunch_date"), "2025-01-02");
}

Test(ledger_record, labels_are_the_ones_of_the_design)
{
    const char *pairs[][2] = {
        {"name", "系统名称"}, {"dept", "所属单位"}, {"owner", "负责人"},
        {"admin", "管理员"}, {"contact", "联系方式"}, {"domains", "域名"},
        {"purpose", "用途"}, {"data_kinds", "数据类型"},
        {"deployment", "部署位置"}, {"icp_filing", "ICP备案号"},
        {"psb_filing", "公安备案号"}, {"school_filing", "校内备案"},
        {"mlps_grade", "等保等级"}, {"grading_filed_at", "定级备案日期"},
        {"last_evaluation_at", "最近测评日期"},
        {"prelaunch_status", "上线前审查"}, {"launched_at", "上线日期"},
        {"remarks", "备注"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const struct ledger_field *f = ledger_field_find(pairs[i][0]);
        cr_assert_not_null(f, "%s", pairs[i][0]);
        cr_assert_str_eq(f->label, pairs[i][1]);
        cr_assert_eq(ledger_field_find(pairs[i][1]), f);
    }
    cr_assert_null(ledger_field_find("nonsense"));
    cr_assert_null(ledger_field_find(""));
    cr_assert_eq(ledger_field_set(rec, "colour", "red", why, sizeof(why)),
                 TZ_ENOENT);
    cr_assert(strstr(why, "unknown field \"colour\""), "%s", why);
}

Test(ledger_record, strings_are_bounded_utf8_without_control_characters)
{
    char *name = malloc(TZ_MAX_NAME + 2);
    memset(name, 'x', TZ_MAX_NAME + 1);
    name[TZ_MAX_NAME + 1] = '\0';
    cr_assert_eq(ledger_field_set(rec, "name", name, why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "257 bytes long, the limit is 256"), "%s", why);
    name[TZ_MAX_NAME] = '\0';
    set("name", name);
    free(name);

    char *text = malloc(TZ_MAX_STR + 2);
    memset(text, 'y', TZ_MAX_STR + 1);
    text[TZ_MAX_STR + 1] = '\0';
    cr_assert_eq(ledger_field_set(rec, "purpose", text, why, sizeof(why)),
                 TZ_EINVAL);
    free(text);

    cr_assert_eq(ledger_field_set(rec, "owner", "bad\xff", why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "not valid UTF-8"), "%s", why);
    cr_assert_eq(ledger_field_set(rec, "owner", "a\x1b[31mb", why,
                                  sizeof(why)), TZ_EINVAL);
    cr_assert_eq(ledger_field_set(rec, "owner", "a\nb", why, sizeof(why)),
                 TZ_EINVAL, "a name is one line");
    cr_assert_str_eq(why, "has a line break, and this field is one line "
                          "(only 联系方式, 用途, 数据类型, 部署位置 and 备注 "
                          "take several)");
    cr_assert_eq(ledger_field_set(rec, "owner", "a\xc2\x85" "b", why,
                                  sizeof(why)), TZ_EINVAL, "C1 control");
    set("purpose", "选课\r\n成绩\t查询\r");
    cr_assert_str_eq(rec->purpose, "选课\n成绩\t查询", "CRLF kept as LF");
    /* the free-text fields all keep Alt+Enter's line breaks */
    set("联系方式", "张三 138 0000 0000\r李四 139 0000 0000");
    cr_assert_str_eq(rec->contact, "张三 138 0000 0000\n李四 139 0000 0000");
    set("部署位置", "信息中心机房\n机柜 A3");
    cr_assert_str_eq(rec->deployment, "信息中心机房\n机柜 A3");
    set("备注", "第一行\n第二行");
    cr_assert_str_eq(rec->remarks, "第一行\n第二行");
    set("remarks", "");
    cr_assert_str_eq(rec->remarks, "");
    /* one trailing break (a stray Alt+Enter) is only space */
    set("owner", "王五\n");
    cr_assert_str_eq(rec->owner, "王五");
    cr_assert_eq(ledger_field_set(rec, "icp_filing", "京ICP备1号\n2号", why,
                                  sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "has a line break"), "%s", why);
    set("owner", "\u3000 张三 \xc2\xa0");
    cr_assert_str_eq(rec->owner, "张三");
}

Test(ledger_record, empty_clears_but_not_name_dept_or_status)
{
    set("owner", "张三");
    set("owner", "");
    cr_assert_str_eq(rec->owner, "");
    set("mlps_grade", "3");
    set("mlps_grade", "");
    cr_assert_eq(rec->mlps_grade, 0);
    set("ips", "10.0.0.1");
    set("ips", "");
    cr_assert_eq(rec->n_ips, 0);
    cr_assert_eq(ledger_field_set(rec, "name", " ", why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert(strstr(why, "required"), "%s", why);
    cr_assert_eq(ledger_field_set(rec, "status", "", why, sizeof(why)),
                 TZ_EINVAL);
    cr_assert_str_eq(rec->status, "live", "a bad value leaves the field");
}

Test(ledger_record, check_names_the_field_of_a_bad_stored_value)
{
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "系统名称 (name): is required"), "%s", why);
    set("name", "a");
    set("dept", "b");
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), 0, "%s", why);
    rec->mlps_grade = 6;
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "等保等级 (mlps_grade)"), "%s", why);
    rec->mlps_grade = 0;
    rec->launched_day = -5;
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), TZ_EINVAL);
    rec->launched_day = 0;
    char *st = rec->status;
    rec->status = "running";
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), TZ_EINVAL);
    cr_assert(strstr(why, "状态 (status)"), "%s", why);
    rec->status = st;
    char *bad_ip[] = {"10.0.0.1,10.0.0.2"};
    rec->ips = bad_ip;
    rec->n_ips = 1;
    cr_assert_eq(ledger_record_check(rec, why, sizeof(why)), TZ_EINVAL);
    rec->ips = NULL;
    rec->n_ips = 0;
}
