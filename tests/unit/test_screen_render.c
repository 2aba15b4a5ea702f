/* A stored screening shown again (screen_render): the JSON keys other
 * front ends rely on, a silent host that never reads as passed, hostile
 * strings that reach neither a terminal nor a page unescaped, and records
 * with parts missing that still render. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "screen_render.h"
#include "utf8.h"

#define PASS TZ__SCREEN_OUTCOME__SCREEN_PASS
#define FAIL TZ__SCREEN_OUTCOME__SCREEN_FAIL
#define NOT_CHECKED TZ__SCREEN_OUTCOME__SCREEN_NOT_CHECKED

/* ---- fixture: system 5 with web1 (answered) and db1 (not answered), a
 * scan that found 10.0.0.1:22 open, one item passing, failing, unchecked */

struct fx {
    Tz__Screening s;
    Tz__SystemRecord sys;
    Tz__Prelaunch pl;
    char *ips[2], *domains[1];
    Tz__AgentRecord agent[2];
    Tz__Report report;
    Tz__ScreenedHost host[2];
    Tz__ScreenedHost *hosts[2];
    Tz__ScanRecord scan;
    char *addrs[2];
    Tz__ScannedPort port;
    Tz__ScannedPort *ports[1];
    Tz__ScreeningResult res;
    Tz__ScreeningItem item[3];
    Tz__ScreeningItem *items[3];
};

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    tz__system_record__init(&f->sys);
    f->sys.system_id = 5;
    f->sys.name = "教务系统";
    f->sys.dept = "教务处";
    f->sys.owner = "张三";
    f->sys.status = "planned";
    f->ips[0] = "10.0.0.1";
    f->ips[1] = "10.0.0.2";
    f->sys.ips = f->ips;
    f->sys.n_ips = 2;
    f->domains[0] = "jw.example.edu.cn";
    f->sys.domains = f->domains;
    f->sys.n_domains = 1;
    f->sys.mlps_grade = 2;
    tz__prelaunch__init(&f->pl);
    f->pl.status = "none";
    f->sys.prelaunch = &f->pl;

    const char *names[2] = {"web1", "db1"};
    for (int i = 0; i < 2; i++) {
        tz__agent_record__init(&f->agent[i]);
        f->agent[i].agent_id = 3 + (uint64_t)i;
        f->agent[i].hostname = (char *)names[i];
        f->agent[i].dept = "教务处";
        f->agent[i].last_report_at = 1795500000;   /* 2026-11-24T06:00:00Z */
        tz__screened_host__init(&f->host[i]);
        f->host[i].agent = &f->agent[i];
        f->hosts[i] = &f->host[i];
    }
    f->agent[0].last_collect_at = 1795599900;      /* 2026-11-25T09:45:00Z */
    tz__report__init(&f->report);
    f->report.collected_at = 1795599000;           /* 2026-11-25T09:30:00Z */
    f->host[0].report = &f->report;
    f->host[0].answered = 1;
    f->host[1].answered = 0;                       /* db1 stayed silent */

    tz__scan_record__init(&f->scan);
    f->scan.asked = f->scan.ran = 1;
    f->addrs[0] = "10.0.0.1";
    f->addrs[1] = "10.0.0.2";
    f->scan.addrs = f->addrs;
    f->scan.n_addrs = 2;
    tz__scanned_port__init(&f->port);
    f->port.addr = "10.0.0.1";
    f->port.port = 22;
    f->port.service = "ssh";
    f->ports[0] = &f->port;
    f->scan.open = f->ports;
    f->scan.n_open = 1;
    f->scan.nmap_version = "7.93";
    f->scan.ports_scanned = 1000;

    static const struct {
        const char *id, *kind, *name, *ev, *ev_zh, *zh, *en;
        uint64_t sid;
        int outcome, blocking;
    } it[3] = {
        /* stored before evidence_zh: English only */
        {"ledger_complete", "system", "教务系统", "name, dept, owner set", NULL,
         "台账信息完整", "Ledger complete", 5, PASS, 1},
        {"weak_password", "host", "web1", "root: weak (dictionary)",
         "root：弱口令（常见口令字典）", "弱口令", "Weak passwords", 3, FAIL, 1},
        {"weak_password", "host", "db1", "host did not answer", "该主机未应答本次现场采集",
         "弱口令", "Weak passwords", 4, NOT_CHECKED, 1},
    };
    for (int i = 0; i < 3; i++) {
        Tz__ScreeningItem *x = &f->item[i];
        tz__screening_item__init(x);
        x->id = (char *)it[i].id;
        x->subject_kind = (char *)it[i].kind;
        x->subject_id = it[i].sid;
        x->subject_name = (char *)it[i].name;
        x->outcome = (Tz__ScreenOutcome)it[i].outcome;
        x->blocking = it[i].blocking;
        x->evidence = (char *)it[i].ev;
        if (it[i].ev_zh)
            x->evidence_zh = (char *)it[i].ev_zh;
        x->label_zh = (char *)it[i].zh;
        x->label_en = (char *)it[i].en;
        x->cites = "第七条(八)";
        x->remedy_zh = "修改弱口令";
        x->remedy_en = "Change weak passwords";
        f->items[i] = x;
    }
    tz__screening_result__init(&f->res);
    f->res.items = f->items;
    f->res.n_items = 3;
    f->res.blocking_failed = 1;
    f->res.not_checked = 1;
    f->res.passed = 0;
    f->res.checker_version = "0.1.0+checklist.1a2b3c4d5e6f7081";

    tz__screening__init(&f->s);
    f->s.screening_id = 12;
    f->s.system_id = 5;
    f->s.at = 1795600000;                          /* 2026-11-25T09:46:40Z */
    f->s.by = "alice";
    f->s.via = "tzctl";
    f->s.fresh = 1;
    f->s.deadline_s = 120;
    f->s.system = &f->sys;
    f->s.hosts = f->hosts;
    f->s.n_hosts = 2;
    f->s.scan = &f->scan;
    f->s.result = &f->res;
}

static char *render(const Tz__Screening *s, enum screen_format f,
                    const char *lang)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cr_assert_not_null(m);
    struct tz_error err = {0};
    int rc = screen_render_lang(s, f, lang, m, &err);
    fclose(m);
    cr_assert_eq(rc, 0, "render: %s", err.msg);
    cr_assert_eq(strlen(buf), len, "a NUL byte in the output");
    return buf;
}

/* The line of text that contains needle (a copy, the caller frees). */
static char *line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    cr_assert_not_null(p, "no line with \"%s\" in:\n%s", needle, text);
    const char *b = p, *e = strchr(p, '\n');
    while (b > text && b[-1] != '\n')
        b--;
    return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsString(v), "\"%s\" is not a string", k);
    return v->valuestring;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "\"%s\" is not a number", k);
    return v->valuedouble;
}

static int jbool(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsBool(v), "\"%s\" is not a boolean", k);
    return cJSON_IsTrue(v);
}

static int jnull(const cJSON *o, const char *k)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* o has exactly these keys (NULL-terminated), in this order. */
static void keys_are(const cJSON *o, const char *const *keys)
{
    const cJSON *c = o->child;
    for (; *keys; keys++, c = c->next) {
        cr_assert_not_null(c, "key \"%s\" missing", *keys);
        cr_assert_str_eq(c->string, *keys);
    }
    cr_assert_null(c, "an extra key \"%s\"", c ? c->string : "");
}

/* ---- JSON ---- */

Test(screen_render_json, keys_and_values_parse_back)
{
    struct fx f;
    fx_init(&f);
    char *text = render(&f.s, SCREEN_JSON, NULL);
    cJSON *o = cJSON_Parse(text);
    cr_assert_not_null(o, "not JSON:\n%s", text);
    static const char *const top[] = {
        "screening_id", "system_id", "system", "dept", "at", "by", "via",
        "fresh", "deadline_s", "checker_version", "passed", "blocking_failed",
        "advisory_failed", "not_checked", "hosts", "scan", "items", "ledger",
        NULL};
    keys_are(o, top);
    cr_assert_eq(jnum(o, "screening_id"), 12);
    cr_assert_eq(jnum(o, "system_id"), 5);
    cr_assert_str_eq(jstr(o, "system"), "教务系统");
    cr_assert_str_eq(jstr(o, "dept"), "教务处");
    cr_assert_str_eq(jstr(o, "at"), "2026-11-25T09:46:40Z");
    cr_assert_str_eq(jstr(o, "by"), "alice");
    cr_assert_str_eq(jstr(o, "via"), "tzctl");
    cr_assert(jbool(o, "fresh"));
    cr_assert_eq(jnum(o, "deadline_s"), 120);
    cr_assert_str_eq(jstr(o, "checker_version"), "0.1.0+checklist.1a2b3c4d5e6f7081");
    cr_assert_not(jbool(o, "passed"));
    cr_assert_eq(jnum(o, "blocking_failed"), 1);
    cr_assert_eq(jnum(o, "advisory_failed"), 0);
    cr_assert_eq(jnum(o, "not_checked"), 1);

    const cJSON *hosts = cJSON_GetObjectItem(o, "hosts");
    cr_assert_eq(cJSON_GetArraySize(hosts), 2);
    static const char *const hk[] = {"id", "hostname", "dept", "answered",
                                     "report_at", "collected_at", NULL};
    const cJSON *h0 = cJSON_GetArrayItem(hosts, 0), *h1 = cJSON_GetArrayItem(hosts, 1);
    keys_are(h0, hk);
    keys_are(h1, hk);
    cr_assert_eq(jnum(h0, "id"), 3);
    cr_assert_str_eq(jstr(h0, "hostname"), "web1");
    cr_assert_str_eq(jstr(h0, "dept"), "教务处");
    cr_assert(jbool(h0, "answered"));
    /* answered a fresh collection: the answer's time, not the last report */
    cr_assert_str_eq(jstr(h0, "report_at"), "2026-11-25T09:45:00Z");
    cr_assert_str_eq(jstr(h0, "collected_at"), "2026-11-25T09:30:00Z");
    cr_assert_eq(jnum(h1, "id"), 4);
    cr_assert_not(jbool(h1, "answered"));
    cr_assert_str_eq(jstr(h1, "report_at"), "2026-11-24T06:00:00Z");
    cr_assert(jnull(h1, "collected_at"));

    const cJSON *scan = cJSON_GetObjectItem(o, "scan");
    static const char *const sk[] = {"asked", "ran", "why_not", "addrs", "open",
                                     "truncated", "nmap_version", NULL};
    keys_are(scan, sk);
    cr_assert(jbool(scan, "asked"));
    cr_assert(jbool(scan, "ran"));
    cr_assert_str_eq(jstr(scan, "why_not"), "");
    const cJSON *addrs = cJSON_GetObjectItem(scan, "addrs");
    cr_assert_eq(cJSON_GetArraySize(addrs), 2);
    cr_assert_str_eq(cJSON_GetArrayItem(addrs, 1)->valuestring, "10.0.0.2");
    const cJSON *open = cJSON_GetObjectItem(scan, "open");
    cr_assert_eq(cJSON_GetArraySize(open), 1);
    const cJSON *p = cJSON_GetArrayItem(open, 0);
    static const char *const pk[] = {"addr", "port", "service", NULL};
    keys_are(p, pk);
    cr_assert_str_eq(jstr(p, "addr"), "10.0.0.1");
    cr_assert_eq(jnum(p, "port"), 22);
    cr_assert_str_eq(jstr(p, "service"), "ssh");
    cr_assert_not(jbool(scan, "truncated"));
    cr_assert_str_eq(jstr(scan, "nmap_version"), "7.93");

    const cJSON *items = cJSON_GetObjectItem(o, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 3);
    static const char *const ik[] = {"id", "subject_kind", "subject_id", "subject",
                                     "outcome", "blocking", "evidence", "evidence_zh",
                                     "label_zh",
                                     "label_en", "cites", "remedy_zh", "remedy_en",
                                     NULL};
    static const char *const outcomes[] = {"pass", "fail", "not_checked"};
    for (int i = 0; i < 3; i++) {
        const cJSON *it = cJSON_GetArrayItem(items, i);
        keys_are(it, ik);
        cr_assert_str_eq(jstr(it, "outcome"), outcomes[i]);
        cr_assert(jbool(it, "blocking"));
    }
    const cJSON *fail = cJSON_GetArrayItem(items, 1);
    cr_assert_str_eq(jstr(fail, "id"), "weak_password");
    cr_assert_str_eq(jstr(fail, "subject_kind"), "host");
    cr_assert_eq(jnum(fail, "subject_id"), 3);
    cr_assert_str_eq(jstr(fail, "subject"), "web1");
    cr_assert_str_eq(jstr(fail, "evidence"), "root: weak (dictionary)");
    cr_assert_str_eq(jstr(fail, "evidence_zh"), "root：弱口令（常见口令字典）");
    /* an item stored before evidence_zh: the member is there, empty */
    cr_assert_str_eq(jstr(cJSON_GetArrayItem(items, 0), "evidence"), "name, dept, owner set");
    cr_assert_str_eq(jstr(cJSON_GetArrayItem(items, 0), "evidence_zh"), "");
    cr_assert_str_eq(jstr(fail, "label_zh"), "弱口令");
    cr_assert_str_eq(jstr(fail, "label_en"), "Weak passwords");
    cr_assert_str_eq(jstr(fail, "cites"), "第七条(八)");
    cr_assert_str_eq(jstr(fail, "remedy_zh"), "修改弱口令");
    cr_assert_str_eq(jstr(fail, "remedy_en"), "Change weak passwords");

    const cJSON *ledger = cJSON_GetObjectItem(o, "ledger");
    cr_assert_eq(jnum(ledger, "id"), 5);
    cr_assert_str_eq(jstr(ledger, "name"), "教务系统");
    cr_assert_str_eq(jstr(ledger, "owner"), "张三");
    cr_assert_eq(jnum(ledger, "mlps_grade"), 2);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ledger, "ips")), 2);
    cJSON_Delete(o);
    free(text);
}

Test(screen_render_json, a_claimed_pass_with_a_failing_blocking_item_is_not_a_pass)
{
    struct fx f;
    fx_init(&f);
    f.res.passed = 1;   /* contradicts item 1 (blocking, failed) */
    cJSON *o = screen_json(&f.s);
    cr_assert_not(jbool(o, "passed"));
    cJSON_Delete(o);
    char *text = render(&f.s, SCREEN_TEXT, "en");
    char *v = line_with(text, "Verdict");
    cr_assert(strstr(v, "FAILED"), "%s", v);
    cr_assert(strstr(text, "the record says passed"));
    free(v);
    free(text);
    f.item[1].outcome = PASS;
    o = screen_json(&f.s);
    cr_assert(jbool(o, "passed"));
    cJSON_Delete(o);
}

Test(screen_render_json, invalid_utf8_is_repaired_so_the_json_parses)
{
    struct fx f;
    fx_init(&f);
    f.agent[0].hostname = "web\xff\xfe" "1";
    f.sys.owner = "\xc3";
    char *text = render(&f.s, SCREEN_JSON, NULL);
    cJSON *o = cJSON_Parse(text);
    cr_assert_not_null(o);
    const cJSON *h0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hosts"), 0);
    cr_assert_str_eq(jstr(h0, "hostname"), "web??1");
    cr_assert_str_eq(jstr(cJSON_GetObjectItem(o, "ledger"), "owner"), "?");
    cJSON_Delete(o);
    free(text);
}

Test(screen_render_json, summary_row)
{
    Tz__ScreeningSummary s = TZ__SCREENING_SUMMARY__INIT;
    s.screening_id = 12;
    s.system_id = 5;
    s.at = 1795600000;
    s.by = "alice";
    s.blocking_failed = 1;
    s.advisory_failed = 2;
    s.not_checked = 3;
    s.fresh = 1;
    s.scanned = 1;
    s.hosts = 2;
    s.not_answered = 1;
    s.checker_version = "0.1.0+checklist.1a2b3c4d5e6f7081";
    cJSON *o = screen_summary_json(&s);
    static const char *const k[] = {
        "screening_id", "system_id", "at", "by", "passed", "blocking_failed",
        "advisory_failed", "not_checked", "fresh", "scanned", "hosts",
        "not_answered", "checker_version", NULL};
    keys_are(o, k);
    cr_assert_eq(jnum(o, "screening_id"), 12);
    cr_assert_str_eq(jstr(o, "at"), "2026-11-25T09:46:40Z");
    cr_assert_not(jbool(o, "passed"));
    cr_assert_eq(jnum(o, "advisory_failed"), 2);
    cr_assert(jbool(o, "scanned"));
    cr_assert_eq(jnum(o, "hosts"), 2);
    cr_assert_eq(jnum(o, "not_answered"), 1);
    cJSON_Delete(o);
}

Test(screen_render_json, review_with_and_without_its_screening)
{
    Tz__ScreeningSummary sum = TZ__SCREENING_SUMMARY__INIT;
    sum.screening_id = 12;
    sum.system_id = 5;
    Tz__Review r = TZ__REVIEW__INIT;
    r.review_id = 7;
    r.system_id = 5;
    r.at = 1795600000;
    r.passed = 1;
    r.reviewer = "李四";
    r.actor = "ops";
    r.via = "tzctl";
    r.screening = &sum;
    r.override_reason = "端口已由防火墙封闭";
    cJSON *o = screen_review_json(&r);
    static const char *const k[] = {
        "review_id", "system_id", "at", "decision", "reviewer", "actor", "via",
        "screening_id", "override_reason", "screening", NULL};
    keys_are(o, k);
    cr_assert_eq(jnum(o, "review_id"), 7);
    cr_assert_str_eq(jstr(o, "decision"), "pass");
    cr_assert_str_eq(jstr(o, "reviewer"), "李四");
    cr_assert_eq(jnum(o, "screening_id"), 12);
    cr_assert_str_eq(jstr(o, "override_reason"), "端口已由防火墙封闭");
    cr_assert_eq(jnum(cJSON_GetObjectItem(o, "screening"), "screening_id"), 12);
    cJSON_Delete(o);

    r.passed = 0;
    r.screening = NULL;
    r.override_reason = "";
    o = screen_review_json(&r);
    keys_are(o, k);
    cr_assert_str_eq(jstr(o, "decision"), "fail");
    cr_assert(jnull(o, "screening_id"));
    cr_assert(jnull(o, "override_reason"));
    cr_assert(jnull(o, "screening"));
    cJSON_Delete(o);
}

/* ---- text ---- */

Test(screen_render_text, a_host_that_did_not_answer_reads_not_answered_never_pass)
{
    struct fx f;
    fx_init(&f);
    f.item[2].evidence = "";   /* nothing in the item may say pass either */
    f.item[2].evidence_zh = "";
    for (int en = 0; en < 2; en++) {
        char *text = render(&f.s, SCREEN_TEXT, en ? "en" : "zh");
        char *l = line_with(text, "db1 #4");
        cr_assert(strcasestr(l, "not answered"), "%s", l);
        if (!en)
            cr_assert(strstr(l, "未应答"), "%s", l);
        cr_assert_null(strcasestr(l, "pass"), "%s", l);
        cr_assert_null(strstr(l, "通过"), "%s", l);
        char *il = line_with(text, "db1 #4\n");   /* its item line */
        cr_assert(strncmp(il, "[----]", 6) == 0, "%s", il);
        char *wl = line_with(text, "web1 #3 (");
        cr_assert(strcasestr(wl, "answered") && !strcasestr(wl, "not answered"),
                  "%s", wl);
        free(wl);
        free(il);
        free(l);
        free(text);
    }
}

Test(screen_render_text, header_verdict_scan_and_failing_item)
{
    struct fx f;
    fx_init(&f);
    setenv("TZ", "Asia/Shanghai", 1);   /* local time, with its zone */
    char *text = render(&f.s, SCREEN_TEXT, NULL);
    unsetenv("TZ");
    cr_assert(strstr(text, "审查编号 No. 12"), "%s", text);
    cr_assert(strstr(text, "教务系统 (教务处) #5"));
    cr_assert(strstr(text, "2026-11-25 17:46 +0800"), "%s", text);
    cr_assert(strstr(text, "等待 waited up to 120 s"));
    cr_assert(strstr(text, "0.1.0+checklist.1a2b3c4d5e6f7081"));
    char *v = line_with(text, "结论");
    cr_assert(strstr(v, "未通过 FAILED"), "%s", v);
    cr_assert(strstr(v, "blocking failed 1"), "%s", v);
    cr_assert(strstr(v, "not checked 1"), "%s", v);
    char *a = line_with(text, "仅扫描台账登记的地址");
    cr_assert(strstr(a, "10.0.0.1, 10.0.0.2"), "%s", a);
    cr_assert(strstr(text, "    10.0.0.1:22 ssh\n"));
    char *fl = line_with(text, "[FAIL]");
    cr_assert(strstr(fl, "阻断 blocking") && strstr(fl, "弱口令") &&
              strstr(fl, "web1 #3"), "%s", fl);
    cr_assert(strstr(text, "[FAIL] 阻断 blocking | 弱口令 (weak_password) | "
                           "主机 host web1 #3\n"
                           "       证据 evidence: root：弱口令（常见口令字典）\n"
                           "       整改建议 remedy: 修改弱口令\n"
                           "       依据 cites: 第七条(八)\n"), "%s", text);
    /* only failing items carry a remedy */
    cr_assert_eq(count(text, "整改建议"), 1);
    cr_assert(strstr(text, "[PASS] 阻断 blocking | 台账信息完整"));
    free(fl);
    free(a);
    free(v);
    free(text);

    f.scan.ran = 0;
    f.scan.why_not = "nmap is not installed";
    text = render(&f.s, SCREEN_TEXT, "en");
    cr_assert(strstr(text, "Scan: NOT CHECKED: nmap is not installed\n"
                           "  scan items not checked\n"), "%s", text);
    free(text);
}

Test(screen_render_text, control_characters_in_a_hostname_do_not_reach_the_terminal)
{
    struct fx f;
    fx_init(&f);
    f.agent[0].hostname = "web\x1b[2J\nPASSED\r\x7f\xe2\x80\xae" "1\xff";
    f.item[1].subject_name = f.agent[0].hostname;
    f.item[1].evidence = "a\tb\x07";
    f.item[1].evidence_zh = "甲\tb\x07";
    char *text = render(&f.s, SCREEN_TEXT, NULL);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        cr_assert(*p >= 0x20 ? *p != 0x7f : *p == '\n', "byte 0x%02x at %zu",
                  *p, (size_t)(p - (const unsigned char *)text));
    cr_assert_null(strstr(text, "\xe2\x80\xae"));
    cr_assert(strstr(text, "web\\x1b[2J\\nPASSED\\r\\x7f\\u202e1? #3 ("), "%s", text);
    cr_assert(tz_utf8_valid(text));
    cr_assert(strstr(text, "甲\\tb\\x07"));
    free(text);
    text = render(&f.s, SCREEN_TEXT, "en");
    cr_assert(strstr(text, "a\\tb\\x07"));
    cr_assert_null(strstr(text, "\nPASSED"));
    free(text);
}

Test(screen_render_text, evidence_in_the_readers_language_old_items_in_english)
{
    struct fx f;
    fx_init(&f);
    char *text = render(&f.s, SCREEN_TEXT, "zh");
    cr_assert(strstr(text, "主机 host web1 #3\n"
                           "       证据 evidence: root：弱口令（常见口令字典）\n"), "%s", text);
    cr_assert(strstr(text, "主机 host db1 #4\n"
                           "       证据 evidence: 该主机未应答本次现场采集\n"), "%s", text);
    /* stored before evidence_zh: its English, not nothing */
    cr_assert(strstr(text, "系统 system 教务系统 #5\n"
                           "       证据 evidence: name, dept, owner set\n"), "%s", text);
    cr_assert_null(strstr(text, "root: weak"), "%s", text);
    free(text);

    text = render(&f.s, SCREEN_TEXT, "en");
    cr_assert(strstr(text, "host web1 #3\n"
                           "       evidence: root: weak (dictionary)\n"), "%s", text);
    cr_assert(strstr(text, "host db1 #4\n"
                           "       evidence: host did not answer\n"), "%s", text);
    cr_assert(strstr(text, "system 教务系统 #5\n"
                           "       evidence: name, dept, owner set\n"), "%s", text);
    cr_assert_null(strstr(text, "弱口令（"), "%s", text);
    free(text);

    /* an item with only the Chinese shows it in English too, not nothing */
    f.item[1].evidence = "";
    text = render(&f.s, SCREEN_TEXT, "en");
    cr_assert(strstr(text, "host web1 #3\n"
                           "       evidence: root：弱口令（常见口令字典）\n"), "%s", text);
    free(text);
}

/* ---- HTML ---- */

Test(screen_render_html, evidence_in_the_readers_language_old_items_in_english)
{
    struct fx f;
    fx_init(&f);
    char *html = render(&f.s, SCREEN_HTML, "zh");
    cr_assert(strstr(html, " web1 #3</td><td>root：弱口令（常见口令字典）<span"), "%s", html);
    cr_assert(strstr(html, " db1 #4</td><td>该主机未应答本次现场采集</td></tr>"), "%s", html);
    cr_assert(strstr(html, " 教务系统 #5</td><td>name, dept, owner set</td></tr>"), "%s", html);
    cr_assert_null(strstr(html, "root: weak"));
    free(html);

    html = render(&f.s, SCREEN_HTML, "en");
    cr_assert(strstr(html, " web1 #3</td><td>root: weak (dictionary)<span"), "%s", html);
    cr_assert(strstr(html, " db1 #4</td><td>host did not answer</td></tr>"), "%s", html);
    cr_assert(strstr(html, " 教务系统 #5</td><td>name, dept, owner set</td></tr>"), "%s", html);
    cr_assert_null(strstr(html, "弱口令（"));
    free(html);
}

Test(screen_render_html, escapes_a_hostile_hostname_and_evidence)
{
    struct fx f;
    fx_init(&f);
    f.agent[0].hostname = "<script>alert(1)</script>";
    f.item[1].subject_name = f.agent[0].hostname;
    f.item[1].evidence = "a&b\"c'd<e>";
    f.item[1].evidence_zh = "甲&b\"c'd<e>";
    f.sys.purpose = "<img src=x onerror=alert(2)>";
    f.sys.name = "x\x1b\xe2\x80\xae";
    char *html = render(&f.s, SCREEN_HTML, NULL);
    cr_assert_null(strstr(html, "<script"), "%s", html);
    cr_assert_null(strstr(html, "<img"));
    cr_assert(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    cr_assert(strstr(html, "甲&amp;b&quot;c&#39;d&lt;e&gt;"));
    cr_assert(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
    cr_assert_null(strstr(html, "\x1b"));
    cr_assert_null(strstr(html, "\xe2\x80\xae"));
    cr_assert(strstr(html, "x\xef\xbf\xbd\xef\xbf\xbd"));
    free(html);
}

Test(screen_render_html, a_printable_page_with_words_for_failures_and_signatures)
{
    struct fx f;
    fx_init(&f);
    f.sys.grading_filed_day = INT32_MAX;   /* a date ledger_fields cannot print */
    char *html = render(&f.s, SCREEN_HTML, NULL);
    cr_assert(strncmp(html, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 35) == 0);
    cr_assert(strstr(html, "<meta charset=\"utf-8\">"));
    cr_assert(strstr(html, "@page { size: A4; margin: 15mm }"));
    cr_assert(strstr(html, "tr { break-inside: avoid"));
    cr_assert_null(strstr(html, "<link"));
    cr_assert_null(strstr(html, "src="));
    cr_assert(strstr(html, "<title>上线前安全审查报告 Pre-launch security "
                           "screening report</title>"));
    cr_assert_eq(count(html, "《西昌学院网络安全工作责任制实施细则（试行）》"
                             "第五条(五)、第六条(六)"), 1);
    cr_assert(strstr(html, "未通过 FAILED"));
    cr_assert(strstr(html, "<tr class=\"fail\"><td class=\"r\">不通过 FAIL</td>"));
    cr_assert_eq(count(html, "class=\"fail\""), 1);
    cr_assert(strstr(html, "未应答，其检查项未检查"));
    cr_assert(strstr(html, "<th>负责人<span class=\"sub\">owner</span></th>"
                           "<td class=\"pre\">张三</td>"));
    cr_assert(strstr(html, "10.0.0.1<br>10.0.0.2"));
    cr_assert(strstr(html, "无效日期 invalid day 2147483647"));
    cr_assert(strstr(html, "审查人签字"));
    cr_assert(strstr(html, "系统负责人签字"));
    cr_assert_eq(count(html, "日期 Date"), 2);
    cr_assert(strstr(html, "</html>\n"));
    free(html);

    html = render(&f.s, SCREEN_HTML, "en");
    cr_assert(strstr(html, "<html lang=\"en\">"));
    cr_assert(strstr(html, "Change weak passwords"));
    cr_assert_null(strstr(html, "修改弱口令"));
    free(html);
}

/* ---- records with parts missing ---- */

static void render_all(const Tz__Screening *s)
{
    for (int f = SCREEN_TEXT; f <= SCREEN_HTML; f++)
        for (int en = 0; en < 2; en++)
            free(render(s, (enum screen_format)f, en ? "en" : "zh"));
}

Test(screen_render_missing, every_submessage_null_renders_in_all_formats)
{
    Tz__Screening s = TZ__SCREENING__INIT;
    Tz__ScreenedHost empty = TZ__SCREENED_HOST__INIT;
    Tz__ScreenedHost *hosts[2] = {&empty, NULL};
    s.hosts = hosts;
    s.n_hosts = 2;
    render_all(&s);

    cJSON *o = screen_json(&s);
    cr_assert_not_null(o);
    cr_assert(jnull(o, "system"));
    cr_assert(jnull(o, "ledger"));
    cr_assert(jnull(o, "at"));
    cr_assert_not(jbool(o, "passed"));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 0);
    const cJSON *scan = cJSON_GetObjectItem(o, "scan");
    cr_assert_not(jbool(scan, "asked"));
    cr_assert_not(jbool(scan, "ran"));
    const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hosts"), 1);
    cr_assert(jnull(h, "id"));
    cr_assert_not(jbool(h, "answered"));
    cJSON_Delete(o);

    char *text = render(&s, SCREEN_TEXT, NULL);
    char *v = line_with(text, "结论");
    cr_assert(strstr(v, "无结果 NO RESULT"), "%s", v);
    cr_assert_null(strstr(text, "PASS"));
    free(v);
    free(text);

    /* and the parts inside a result and a scan */
    Tz__ScreeningResult r = TZ__SCREENING_RESULT__INIT;
    Tz__ScreeningItem *items[1] = {NULL};
    r.items = items;
    r.n_items = 1;
    r.passed = 1;
    Tz__ScanRecord sc = TZ__SCAN_RECORD__INIT;
    Tz__ScannedPort *open[1] = {NULL};
    char *addrs[1] = {NULL};
    sc.asked = sc.ran = 1;
    sc.open = open;
    sc.n_open = 1;
    sc.addrs = addrs;
    sc.n_addrs = 1;
    Tz__SystemRecord sys = TZ__SYSTEM_RECORD__INIT;
    s.result = &r;
    s.scan = &sc;
    s.system = &sys;
    render_all(&s);
}

Test(screen_render_missing, a_decoded_empty_message_renders)
{
    Tz__Screening *s = tz__screening__unpack(NULL, 0, (const uint8_t *)"");
    cr_assert_not_null(s);
    render_all(s);
    tz__screening__free_unpacked(s, NULL);
}

Test(screen_render_missing, an_outcome_this_build_does_not_know_is_not_a_pass)
{
    struct fx f;
    fx_init(&f);
    f.item[0].outcome = (Tz__ScreenOutcome)7;
    cJSON *o = screen_json(&f.s);
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "items"), 0);
    cr_assert_str_eq(jstr(it, "outcome"), "not_checked");
    cJSON_Delete(o);
    char *text = render(&f.s, SCREEN_TEXT, NULL);
    cr_assert_null(strstr(text, "[PASS]"));
    free(text);
}

/* ---- arguments ---- */

Test(screen_render_args, formats_and_bad_arguments)
{
    enum screen_format f;
    cr_assert_eq(screen_format_parse("text", &f), 0);
    cr_assert_eq(f, SCREEN_TEXT);
    cr_assert_eq(screen_format_parse("JSON", &f), 0);
    cr_assert_eq(f, SCREEN_JSON);
    cr_assert_eq(screen_format_parse("html", &f), 0);
    cr_assert_eq(f, SCREEN_HTML);
    cr_assert_eq(screen_format_parse("pdf", &f), TZ_EINVAL);
    cr_assert_eq(screen_format_parse(NULL, &f), TZ_EINVAL);

    struct tz_error err = {0};
    cr_assert_eq(screen_render(NULL, SCREEN_TEXT, stdout, &err), TZ_EINVAL);
    Tz__Screening s = TZ__SCREENING__INIT;
    cr_assert_eq(screen_render(&s, (enum screen_format)9, stdout, &err), TZ_EINVAL);
    cr_assert_null(screen_json(NULL));
    cr_assert_null(screen_summary_json(NULL));
    cr_assert_null(screen_review_json(NULL));
}

Test(screen_render_args, a_write_error_is_reported)
{
    struct fx f;
    fx_init(&f);
    FILE *full = fopen("/dev/full", "w");
    cr_assert_not_null(full);
    struct tz_error err = {0};
    cr_assert_eq(screen_render(&f.s, SCREEN_HTML, full, &err), TZ_EIO);
    fclose(full);
}
