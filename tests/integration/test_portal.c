/* test_portal — tz-portal as two departments and a hostile client meet it:
 * one tz-collector and one tz-portal in a temp dir, two departments with
 * systems and hosts whose real agents reported from temp roots (empty
 * password, sudo NOPASSWD, two UID 0 accounts, PermitRootLogin yes, MySQL
 * on 0.0.0.0), a host of 计算机学院 bound by the operator to a system of
 * 财务处, one whose agent config names that system (BINDING_OTHER_DEPT) and
 * a host of 财务处 bound to a system of 计算机学院. Then: route by route, a
 * viewer of 计算机学院 never gets a byte of 财务处 (HTML, API, exports,
 * tzctl --dept), while the admin does; editors write through the control
 * socket and viewers do not; and requests over every bound are refused
 * without writing anything, the server serving on. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger_fields.h"
#include "register.h"
#include "tz_http.h"
#include "tz_test.h"

#define DEPT_A "计算机学院"
#define DEPT_B "财务处"
#define HTTP_MS 5000

static char *tmp, *data, *url, *clogpath, *plogpath;
static pid_t collector = -1, portal = -1;
static unsigned port;

/* ids of the fixture */
static uint64_t sys_a1, sys_a2, sys_b1, sys_b2;
/* stored screenings of 实验平台 (A; fin02-b of B is bound to it) and of
 * 财务系统 (B), B's open screening request, the review of 实验平台 */
static uint64_t scr_a1, scr_b1, req_b1, rev_a1;
enum { LAB01, LAB02, LAB03, FIN01, FIN02, N_HOSTS };
static uint64_t host_id[N_HOSTS];
/* login tokens */
static char *tok_viewer_a, *tok_editor_a, *tok_viewer_b, *tok_admin;

/* Everything of 财务处 a byte search can find: its name, its systems' names,
 * people and contacts, its hostnames and addresses (B's flags carry these
 * as subject names and evidence). Ids are checked apart (b_ids_absent). */
static const char *const b_strings[] = {
    DEPT_B, "财务系统", "审计平台", "赵六", "钱七", "孙八",
    "fin.example.edu.cn", "010-66660001", "fin01-b", "fin02-b",
    "2001:db8:bbbb"};
/* And of 计算机学院, which its own viewer does see. */
static const char *const a_strings[] = {DEPT_A, "实验平台", "选课系统", "张三",
                                        "lab01-a", "lab02-a", "lab03-a",
                                        "2001:db8:aaaa"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the fixture ---- */

static char *tzctl_ok(const char *a1, const char *a2, const char *a3,
                      const char *a4, const char *a5, const char *a6)
{
    return tz_test_tzctl(data, 0, a1, a2, a3, a4, a5, a6, (const char *)NULL);
}

/* "added system N: ..." → N */
static uint64_t system_add(const char *name, const char *dept, const char *const *kv)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = TZ_BIN "/tzctl";
    argv[n++] = "--data";
    argv[n++] = data;
    argv[n++] = "system";
    argv[n++] = "add";
    argv[n++] = (char *)name;
    argv[n++] = "--dept";
    argv[n++] = (char *)dept;
    for (; kv && *kv; kv++)
        argv[n++] = (char *)*kv;
    argv[n] = NULL;
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "system add %s: %s", name, out);
    unsigned long long id = 0;
    const char *at = strstr(out, "system ");
    cr_assert(at && sscanf(at, "system %llu:", &id) == 1, "%s", out);
    free(out);
    return id;
}

static char *user_add(const char *name, const char *dept, const char *role)
{
    char *out = dept ? tz_test_tzctl(data, 0, "user", "add", name, "--dept", dept,
                                     "--role", role, (const char *)NULL)
                     : tzctl_ok("user", "add", name, "--admin", NULL, NULL);
    char *t = strstr(out, "tzu_");
    cr_assert_not_null(t, "no login token in: %s", out);
    t[strcspn(t, " \r\n")] = '\0';
    char *tok = strdup(t);
    free(out);
    return tok;
}

static char *enroll_token(const char *dept)
{
    char *out = tzctl_ok("token", "create", "--dept", dept, NULL, NULL);
    char *t = strstr(out, "tz_");
    cr_assert_not_null(t, "%s", out);
    t[strcspn(t, " \r\n")] = '\0';
    char *tok = strdup(t);
    free(out);
    return tok;
}

/* A host's root: the alpha fixture plus what raises flags — an empty
 * password (alice), sudo NOPASSWD, a second UID 0 (toor), PermitRootLogin
 * yes, MySQL listening on 0.0.0.0 — and its own name, machine id and IPv6
 * address (v6hex, as /proc/net/if_inet6 writes it). */
static char *make_root(const char *name, int n, const char *v6hex)
{
    char *root = tz_test_path("%s/root-%s", tmp, name);
    char *src = tz_test_path("%s/hosts/alpha", TZ_FIXTURES);
    char *argv[] = {"cp", "-r", src, root, NULL};
    cr_assert_eq(tz_test_run(argv, NULL), 0);
    free(src);
    char *s = tz_test_path("%s\n", name);
    tz_test_write(root, "etc/hostname", s);
    free(s);
    s = tz_test_path("%032x\n", 0xabc000 + n);
    tz_test_write(root, "etc/machine-id", s);
    free(s);
    tz_test_write(root, "etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "toor:x:0:0:root:/root:/bin/bash\n"
                  "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
    tz_test_write(root, "etc/shadow",
                  "root:*:19000:0:99999:7:::\ntoor:*:19000:0:99999:7:::\n"
                  "alice::19000:0:99999:7:::\n");
    tz_test_write(root, "etc/group", "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n");
    tz_test_write(root, "etc/sudoers", "alice ALL=(ALL) NOPASSWD: ALL\n");
    tz_test_write(root, "etc/ssh/sshd_config",
                  "PermitRootLogin yes\nPasswordAuthentication yes\n");
    tz_test_write(root, "proc/net/tcp",
                  "  sl  local_address rem_address   st tx_queue rx_queue tr "
                  "tm->when retrnsmt   uid  timeout inode\n"
                  "   0: 00000000:0CEA 00000000:0000 0A 00000000:00000000 "
                  "00:00000000 00000000     0        0 12345 1 0000000000000000 "
                  "100 0 0 10 0\n");
    s = tz_test_path("%s 02 40 00 80     eth0\n", v6hex);
    tz_test_write(root, "proc/net/if_inet6", s);
    free(s);
    return root;
}

static void agent_report(const char *name, int n, const char *v6hex,
                         const char *token, uint64_t config_system)
{
    char *root = make_root(name, n, v6hex);
    char *pub = tz_test_collector_pub(data);
    char *extra = config_system ? tz_test_path("timeout = 20\nsystem = %llu\n",
                                               (unsigned long long)config_system)
                                : strdup("timeout = 20\n");
    char *cfg = tz_test_agent_ini(tmp, name, url, pub, token, root, extra);
    char *argv[] = {TZ_BIN "/tz-agent", "--once", "--config", cfg, NULL};
    char *out = NULL;
    cr_assert_eq(tz_test_run(argv, &out), 0, "agent %s: %s", name, out);
    cr_assert(strstr(out, "report stored"), "%s", out);
    free(out);
    free(cfg);
    free(extra);
    free(pub);
    free(root);
}

/* ---- screenings, stored as tzctl screen and tzctl review store them ---- */

/* A host as a screening keeps it: its record and its report without the
 * package list. */
static Tz__ScreenedHost *screened(struct tz_register *reg, uint64_t agent_id)
{
    Tz__ScreenedHost *h = malloc(sizeof(*h));
    tz__screened_host__init(h);
    Tz__Report *rep = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_get_host(reg, agent_id, &h->agent, &rep, &err), 0, "%s",
                 err.msg);
    if (rep && rep->packages) {
        protobuf_c_message_free_unpacked(&rep->packages->base, NULL);
        rep->packages = NULL;
    }
    h->report = rep;
    h->answered = 1;
    return h;
}

static Tz__ScreeningItem *item(const char *id, const char *kind, uint64_t subject,
                               const char *name, Tz__ScreenOutcome o, const char *ev,
                               const char *ev_zh)
{
    Tz__ScreeningItem *x = malloc(sizeof(*x));
    tz__screening_item__init(x);
    x->id = strdup(id);
    x->subject_kind = strdup(kind);
    x->subject_id = subject;
    x->subject_name = strdup(name);
    x->outcome = o;
    x->blocking = 1;
    x->evidence = strdup(ev);
    if (ev_zh)   /* NULL: as stored before evidence_zh */
        x->evidence_zh = strdup(ev_zh);
    x->label_zh = strdup(id);
    x->label_en = strdup(id);
    x->cites = strdup("");
    x->remedy_zh = strdup("");
    x->remedy_en = strdup("");
    return x;
}

/* A failed screening of system sid: every host's weak password fails (the
 * fixture's alice has an empty one), the ledger passes. */
static uint64_t screening_add(struct tz_register *reg, uint64_t sid,
                              const uint64_t *hosts, size_t n, int64_t at)
{
    struct tz_error err = {0};
    Tz__Screening *s = malloc(sizeof(*s));
    tz__screening__init(s);
    s->system_id = sid;
    s->at = at;
    s->by = strdup("ops");
    s->via = strdup("tzctl");
    cr_assert_eq(register_system_get(reg, sid, &s->system, &err), 0);
    s->hosts = calloc(n, sizeof(*s->hosts));
    s->n_hosts = n;
    s->result = malloc(sizeof(*s->result));
    tz__screening_result__init(s->result);
    Tz__ScreeningResult *res = s->result;
    res->items = calloc(n + 2, sizeof(*res->items));
    res->items[res->n_items++] = item("ledger_fields", "system", sid, s->system->name,
                                      TZ__SCREEN_OUTCOME__SCREEN_PASS, "all filled in",
                                      NULL);
    /* a system item naming every host, as screen_check's no_hosts writes it */
    char bound[256] = "", bound_zh[256] = "";
    for (size_t i = 0; i < n; i++) {
        s->hosts[i] = screened(reg, hosts[i]);
        const char *h = s->hosts[i]->agent->hostname;
        snprintf(bound + strlen(bound), sizeof(bound) - strlen(bound), "%s%s",
                 i ? ", " : "", h);
        snprintf(bound_zh + strlen(bound_zh), sizeof(bound_zh) - strlen(bound_zh), "%s%s",
                 i ? "、" : "", h);
    }
    char all[300], all_zh[300];
    snprintf(all, sizeof(all), "%zu hosts bound: %s", n, bound);
    snprintf(all_zh, sizeof(all_zh), "绑定 %zu 台主机：%s", n, bound_zh);
    res->items[res->n_items++] = item("no_hosts", "system", sid, s->system->name,
                                      TZ__SCREEN_OUTCOME__SCREEN_PASS, all, all_zh);
    for (size_t i = 0; i < n; i++) {
        const Tz__AgentRecord *a = s->hosts[i]->agent;
        char ev[128], ev_zh[128];
        snprintf(ev, sizeof(ev), "alice: empty (on %s)", a->hostname);
        snprintf(ev_zh, sizeof(ev_zh), "alice：空密码（%s 上）", a->hostname);
        res->items[res->n_items++] = item("weak_password", "host", a->agent_id,
                                          a->hostname, TZ__SCREEN_OUTCOME__SCREEN_FAIL, ev,
                                          ev_zh);
    }
    res->blocking_failed = (uint32_t)n;
    res->passed = n == 0;
    res->checker_version = strdup("test");
    uint64_t id = 0;
    cr_assert_eq(register_screening_add(reg, s, &id, &err), 0, "%s", err.msg);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    return id;
}

/* A passing review of 实验平台 over its failed screening (an override), as
 * tzctl review stores it: the decision and the ledger change in one. */
static uint64_t review_add(struct tz_register *reg, uint64_t sid, uint64_t scr)
{
    struct tz_error err = {0};
    Tz__Screening *sc;
    cr_assert_eq(register_screening_get(reg, scr, &sc, &err), 0, "%s", err.msg);
    Tz__ScreeningSummary sum = TZ__SCREENING_SUMMARY__INIT;
    screening_summary_of(sc, &sum);
    Tz__SystemRecord *rec;
    cr_assert_eq(register_system_get(reg, sid, &rec, &err), 0);
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(rec, "prelaunch_status", "passed", why, sizeof(why)), 0,
                 "%s", why);
    cr_assert_eq(ledger_field_set(rec, "prelaunch_reviewer", "网信办审查员", why,
                                  sizeof(why)), 0, "%s", why);
    cr_assert_eq(ledger_field_set(rec, "prelaunch_report_id", "WX-2026-07", why,
                                  sizeof(why)), 0, "%s", why);
    rec->prelaunch->screening_id = scr;
    if (rec->prelaunch->override_reason != protobuf_c_empty_string)
        free(rec->prelaunch->override_reason);   /* an earlier review's */
    rec->prelaunch->override_reason = strdup("弱口令限期两周整改");
    Tz__Review rv = TZ__REVIEW__INIT;
    rv.system_id = sid;
    rv.at = time(NULL);
    rv.passed = 1;
    rv.reviewer = "网信办审查员";
    rv.actor = "ops";
    rv.via = "tzctl";
    rv.screening = &sum;
    rv.override_reason = "弱口令限期两周整改";
    struct register_actor by = {"ops", "tzctl"};
    uint64_t id = 0;
    cr_assert_eq(register_review_add(reg, &rv, rec, rec->revision, time(NULL), &by, &id,
                                     &err), 0, "%s", err.msg);
    ledger_record_free(rec);
    protobuf_c_message_free_unpacked(&sc->base, NULL);
    return id;
}

/* Written into the running collector's register as tzctl writes it. */
static void screenings_seed(void)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(data, 0, &reg, &err), 0, "%s", err.msg);
    int64_t now = time(NULL);
    uint64_t a1_hosts[] = {host_id[LAB01], host_id[FIN02]};   /* fin02-b: B's */
    uint64_t b1_hosts[] = {host_id[FIN01]};
    scr_a1 = screening_add(reg, sys_a1, a1_hosts, 2, now - 60);
    scr_b1 = screening_add(reg, sys_b1, b1_hosts, 1, now - 50);
    rev_a1 = review_add(reg, sys_a1, scr_a1);
    Tz__ScreeningRequest q = TZ__SCREENING_REQUEST__INIT;
    q.system_id = sys_b1;
    q.dept = DEPT_B;
    q.by = "钱七";
    q.at = now - 40;
    q.note = "财务系统九月上线，请审查 fin.example.edu.cn";
    cr_assert_eq(register_screening_request_add(reg, &q, &req_b1, &err), 0, "%s",
                 err.msg);
    register_close(reg);
}

/* tzctl --format json ARGS, parsed. */
static cJSON *tzctl_json(const char *a1, const char *a2, const char *a3,
                         const char *a4)
{
    char *out = tz_test_tzctl(data, 0, "--format", "json", a1, a2, a3, a4,
                              (const char *)NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    free(out);
    return j;
}

static uint64_t host_by_name(const cJSON *hosts, const char *name)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, hosts) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(h, "hostname")), name) == 0)
            return (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "id"));
    }
    cr_assert_fail("no host %s", name);
    return 0;
}

/* Open flags of every host are in (the collector's rules run 200 ms after
 * a report). */
static void wait_for_host_flags(void)
{
    for (int i = 0; i < 250; i++) {
        cJSON *f = tzctl_json("flags", NULL, NULL, NULL);
        int weak = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, f) {
            if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "id")),
                       "WEAK_PASSWORD") == 0)
                weak++;
        }
        cJSON_Delete(f);
        if (weak == N_HOSTS)
            return;
        usleep(20 * 1000);
    }
    cr_assert_fail("the hosts' flags did not appear");
}

static pid_t portal_start(const char *config)
{
    char *argv[] = {TZ_BIN "/tz-portal", "--data", data, "--listen", "127.0.0.1:0",
                    "--config", (char *)config, NULL};
    char *before_text = tz_test_slurp(plogpath);
    size_t before = before_text ? strlen(before_text) : 0;
    free(before_text);
    pid_t pid = tz_test_spawn(argv, plogpath);
    for (int i = 0; i < 500; i++) {
        char *s = tz_test_slurp(plogpath);
        const char *at = s && strlen(s) > before
                             ? strstr(s + before, "serving http://127.0.0.1:") : NULL;
        int up = at && sscanf(at, "serving http://127.0.0.1:%u/", &port) == 1;
        free(s);
        if (up)
            return pid;
        usleep(20 * 1000);
    }
    tz_test_stop(pid, SIGKILL);
    cr_assert_fail("tz-portal did not start (see %s)", plogpath);
    return -1;
}

static void setup(void)
{
    tmp = tz_test_tmpdir("portal");
    data = tz_test_path("%s/data", tmp);
    url = tz_test_path("ipc://%s/collector.sock", tmp);
    clogpath = tz_test_path("%s/collector.log", tmp);
    plogpath = tz_test_path("%s/portal.log", tmp);
    collector = tz_test_collector_start(data, url, clogpath, NULL);

    free(tzctl_ok("dept", "add", DEPT_A, NULL, NULL, NULL));
    free(tzctl_ok("dept", "add", DEPT_B, NULL, NULL, NULL));
    sys_a1 = system_add("实验平台", DEPT_A, (const char *const[]){
        "--owner", "张三", "--admin", "李四", "--ips", "2001:db8:aaaa::/48", NULL});
    sys_a2 = system_add("选课系统", DEPT_A, NULL);   /* no owner: NO_OWNER */
    sys_b1 = system_add("财务系统", DEPT_B, (const char *const[]){
        "--owner", "赵六", "--admin", "钱七", "--contact", "010-66660001",
        "--domains", "fin.example.edu.cn", "--ips", "2001:db8:bbbb::/48", NULL});
    sys_b2 = system_add("审计平台", DEPT_B, (const char *const[]){
        "--owner", "孙八", NULL});

    char *ta = enroll_token(DEPT_A), *tb = enroll_token(DEPT_B);
    agent_report("lab01-a", LAB01, "20010db8aaaa00000000000000000011", ta, 0);
    agent_report("lab02-a", LAB02, "20010db8aaaa00000000000000000012", ta, 0);
    agent_report("lab03-a", LAB03, "20010db8aaaa00000000000000000013", ta, sys_b1);
    agent_report("fin01-b", FIN01, "20010db8bbbb00000000000000000021", tb, 0);
    agent_report("fin02-b", FIN02, "20010db8bbbb00000000000000000022", tb, 0);
    free(ta);
    free(tb);
    wait_for_host_flags();

    cJSON *hosts = tzctl_json("hosts", NULL, NULL, NULL);
    static const char *const names[N_HOSTS] = {"lab01-a", "lab02-a", "lab03-a",
                                               "fin01-b", "fin02-b"};
    for (int i = 0; i < N_HOSTS; i++)
        host_id[i] = host_by_name(hosts, names[i]);
    cJSON_Delete(hosts);
    /* The operator's explicit word crosses departments, both ways. */
    char a[24], b[24];
    snprintf(a, sizeof(a), "%llu", (unsigned long long)host_id[LAB02]);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)sys_b1);
    free(tzctl_ok("bind", a, b, NULL, NULL, NULL));
    snprintf(a, sizeof(a), "%llu", (unsigned long long)host_id[FIN02]);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)sys_a1);
    free(tzctl_ok("bind", a, b, NULL, NULL, NULL));

    tok_viewer_a = user_add("viewer-a", DEPT_A, "viewer");
    tok_editor_a = user_add("editor-a", DEPT_A, "editor");
    tok_viewer_b = user_add("viewer-b", DEPT_B, "viewer");
    tok_admin = user_add("admin", NULL, NULL);
    screenings_seed();

    tz_test_write(tmp, "portal.ini",
                  "[portal]\ntimeout = 2\nper_ip_connections = 6\n");
    char *ini = tz_test_path("%s/portal.ini", tmp);
    portal = portal_start(ini);
    free(ini);
}

static void teardown(void)
{
    if (portal > 0)
        tz_test_stop(portal, SIGKILL);
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    portal = collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(url);
    free(clogpath);
    free(plogpath);
    free(tok_viewer_a);
    free(tok_editor_a);
    free(tok_viewer_b);
    free(tok_admin);
}

TestSuite(portal, .init = setup, .fini = teardown, .timeout = 60);

/* ---- HTTP as a person ---- */

static void get(const char *path, const char *headers, struct tz_http_resp *r)
{
    tz_http(port, "GET", path, headers, NULL, 0, HTTP_MS, r);
    cr_assert_neq(r->status, 0, "GET %s: no answer", path);
}

/* The value of name="NAME" value="..." in an HTML form, malloc'd. */
static char *form_value(const char *html, const char *name)
{
    char *pat = tz_test_path("name=\"%s\" value=\"", name);
    const char *at = strstr(html, pat);
    cr_assert_not_null(at, "no %s in the page: %s", name, html);
    at += strlen(pat);
    free(pat);
    return strndup(at, strcspn(at, "\""));
}

/* A cookie's value from Set-Cookie headers, malloc'd, or NULL. */
static char *set_cookie(const struct tz_http_resp *r, const char *name)
{
    for (int i = 0; i < 4; i++) {
        char *h = tz_http_header(r, "Set-Cookie", i);
        if (h == NULL)
            return NULL;
        size_t n = strlen(name);
        if (strncmp(h, name, n) == 0 && h[n] == '=') {
            char *v = strndup(h + n + 1, strcspn(h + n + 1, ";"));
            free(h);
            return v;
        }
        free(h);
    }
    return NULL;
}

/* A logged-in person: the headers that carry the session, and its CSRF. */
struct who {
    char hdr[160];     /* "Cookie: tz_session=HEX\r\n" */
    char csrf[65];
};

static void post_form(const char *path, const char *headers, const char *body,
                      struct tz_http_resp *r)
{
    char *h = tz_test_path("%sContent-Type: application/x-www-form-urlencoded\r\n",
                           headers ? headers : "");
    tz_http(port, "POST", path, h, body, strlen(body), HTTP_MS, r);
    free(h);
    cr_assert_neq(r->status, 0, "POST %s: no answer", path);
}

/* Log in as a person does: GET / for the form and its cookie, POST /login. */
static void login(const char *token, struct who *w)
{
    struct tz_http_resp r;
    get("/", NULL, &r);
    cr_assert_eq(r.status, 200);
    char *pre = set_cookie(&r, "tz_login"), *csrf = form_value(r.body, "csrf");
    cr_assert_not_null(pre, "%s", r.headers);
    tz_http_free(&r);
    char *hdr = tz_test_path("Cookie: tz_login=%s\r\n", pre);
    char *body = tz_test_path("token=%s&csrf=%s", token, csrf);
    post_form("/login", hdr, body, &r);
    cr_assert_eq(r.status, 303, "%s", r.body);
    char *sid = set_cookie(&r, "tz_session");
    cr_assert(sid && strlen(sid) == 64, "%s", r.headers);
    tz_http_free(&r);
    snprintf(w->hdr, sizeof(w->hdr), "Cookie: tz_session=%s\r\n", sid);
    get("/ledger", w->hdr, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *c = form_value(r.body, "csrf");
    snprintf(w->csrf, sizeof(w->csrf), "%s", c);
    free(c);
    tz_http_free(&r);
    free(sid);
    free(body);
    free(hdr);
    free(csrf);
    free(pre);
}

static void bearer(const char *token, char *hdr, size_t cap)
{
    snprintf(hdr, cap, "Authorization: Bearer %s\r\n", token);
}

/* %-encode s for a form body or a query. */
static char *pct(const char *s)
{
    char *o = malloc(3 * strlen(s) + 1), *p = o;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    return o;
}

/* ---- what B looks like in a body ---- */

static int has_id_path(const char *body, size_t len, const char *prefix, uint64_t id)
{
    char pat[64];
    int n = snprintf(pat, sizeof(pat), "%s%llu", prefix, (unsigned long long)id);
    const char *p = body, *end = body + len;
    while ((p = memmem(p, (size_t)(end - p), pat, (size_t)n)) != NULL) {
        const char *after = p + n;
        if (after >= end || *after < '0' || *after > '9')
            return 1;
        p = after;
    }
    return 0;
}

/* JSON: a system id of B under "system_id" (or a system subject), a host id
 * of B as a host subject or in a list of hosts. What the department's own
 * agent sent ("report", "config_system_id") is its own words even when it
 * names B's system: a host's config claim teaches it nothing. */
static void json_no_b_ids(const cJSON *j, const char *what, const char *parent)
{
    if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        const cJSON *kind = cJSON_IsObject(j) ? cJSON_GetObjectItem(j, "subject_kind") : NULL;
        const cJSON *c;
        cJSON_ArrayForEach(c, j) {
            const char *k = c->string;
            if (k && (strcmp(k, "report") == 0 || strcmp(k, "config_system_id") == 0))
                continue;
            if (k && cJSON_IsNumber(c)) {
                uint64_t v = (uint64_t)c->valuedouble;
                int sys = strcmp(k, "system_id") == 0 ||
                          (strcmp(k, "subject_id") == 0 && kind &&
                           strcmp(cJSON_GetStringValue(kind), "system") == 0) ||
                          (strcmp(k, "id") == 0 && parent &&
                           strcmp(parent, "systems") == 0);
                int host = (strcmp(k, "subject_id") == 0 && kind &&
                            strcmp(cJSON_GetStringValue(kind), "host") == 0) ||
                           (strcmp(k, "id") == 0 && parent &&
                            strcmp(parent, "hosts") == 0) ||
                           strcmp(k, "agent_id") == 0;
                cr_expect(!(sys && (v == sys_b1 || v == sys_b2)),
                          "%s: \"%s\": %llu is a system of " DEPT_B, what, k,
                          (unsigned long long)v);
                cr_expect(!(host && (v == host_id[FIN01] || v == host_id[FIN02])),
                          "%s: \"%s\": %llu is a host of " DEPT_B, what, k,
                          (unsigned long long)v);
            }
            json_no_b_ids(c, what, cJSON_IsArray(j) ? parent : k);
        }
    }
}

/* Nothing of B in body: no string, no id as a link. what names the
 * request in a failure. */
static void no_b(const char *what, const char *body, size_t len)
{
    for (size_t i = 0; i < N(b_strings); i++) {
        const char *at = memmem(body, len, b_strings[i], strlen(b_strings[i]));
        /* the failure shows where: 200 bytes either side */
        size_t from = at && at - body > 200 ? (size_t)(at - body) - 200 : 0;
        size_t upto = at && (size_t)(at - body) + 200 < len ? (size_t)(at - body) + 200 : len;
        cr_expect(at == NULL, "%s shows \"%s\" of " DEPT_B ":\n...%.*s...", what,
                  b_strings[i], (int)(upto - from), body + from);
    }
    cr_expect(!has_id_path(body, len, "/systems/", sys_b1) &&
              !has_id_path(body, len, "/systems/", sys_b2),
              "%s links a system of " DEPT_B " (%llu, %llu)", what,
              (unsigned long long)sys_b1, (unsigned long long)sys_b2);
    cr_expect(!has_id_path(body, len, "/hosts/", host_id[FIN01]) &&
              !has_id_path(body, len, "/hosts/", host_id[FIN02]),
              "%s links a host of " DEPT_B, what);
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (j) {
        json_no_b_ids(j, what, NULL);
        cJSON_Delete(j);
    }
}

static int count_b(const char *body, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < N(b_strings); i++)
        n += memmem(body, len, b_strings[i], strlen(b_strings[i])) != NULL;
    return n;
}

/* The sheets' XML of an XLSX body. */
static char *xlsx_xml(const struct tz_http_resp *r)
{
    char *path = tz_test_path("%s/download.xlsx", tmp);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(r->body, 1, r->body_len, f), r->body_len);
    fclose(f);
    char *argv[] = {"unzip", "-p", path, NULL}, *xml = NULL;
    cr_assert_eq(tz_test_run(argv, &xml), 0, "unzip: %s", xml);
    free(path);
    return xml;
}

/* ---- the routes ---- */

/* prefix ID suffix, malloc'd: "/systems/" 7 "?q=x" */
static char *idpath(const char *prefix, uint64_t id, const char *suffix)
{
    return tz_test_path("%s%llu%s", prefix, (unsigned long long)id, suffix);
}

/* Every read route a department user has, with the other department's
 * name in ?dept=, pages and filters; NULL-ended, malloc'd. */
static char **routes(void)
{
    static const char *const fixed[] = {
        "/ledger", "/ledger?dept=" DEPT_A, "/ledger?dept=" DEPT_B, "/ledger?lang=en",
        "/systems/new", "/hosts", "/hosts?dept=" DEPT_B, "/hosts?lang=zh",
        "/flags", "/flags?dept=" DEPT_B, "/flags?severity=low",
        "/flags?severity=high", "/flags?rule=BINDING_OTHER_DEPT",
        "/flags?rule=WEAK_PASSWORD&dept=" DEPT_B,
        "/flags?severity=medium&rule=NO_OWNER&dept=" DEPT_A,
        "/api/v1/me", "/api/v1/systems", "/api/v1/systems?dept=" DEPT_B,
        "/api/v1/systems?page=1&per_page=1", "/api/v1/systems?page=2&per_page=1",
        "/api/v1/systems?page=3&per_page=1", "/api/v1/systems?per_page=1000",
        "/api/v1/hosts", "/api/v1/hosts?dept=" DEPT_B,
        "/api/v1/hosts?page=2&per_page=2", "/api/v1/hosts?page=9&per_page=1",
        "/api/v1/flags", "/api/v1/flags?dept=" DEPT_B,
        "/api/v1/flags?page=1&per_page=1000", "/api/v1/flags?page=2&per_page=3",
        "/api/v1/flags?rule=BINDING_OTHER_DEPT", "/api/v1/flags?severity=high",
        "/export.csv", "/export.json", "/export.csv?dept=" DEPT_A,
        "/export.json?dept=" DEPT_A, "/dept", "/dept?lang=en",
        "/report.json?period=2026H1", "/report.html?period=2026H2",
        "/report.json?from=2026-01-01&to=2026-12-31&dept=" DEPT_A,
        /* the network center's queue: refused, and refused alike */
        "/screening-requests", "/screening-requests?dept=" DEPT_B,
        "/api/v1/screening-requests", "/api/v1/screening-requests?dept=" DEPT_B, NULL};
    char **v = calloc(96, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; fixed[i]; i++) {
        /* a query's Chinese goes %-encoded, as a browser sends it */
        const char *q = strchr(fixed[i], '?');
        if (q == NULL) {
            v[n++] = strdup(fixed[i]);
            continue;
        }
        char *enc = malloc(strlen(fixed[i]) * 3 + 1), *p = enc;
        for (const char *s = fixed[i]; *s; s++)
            p += (unsigned char)*s >= 0x80 ? sprintf(p, "%%%02X", (unsigned char)*s)
                                           : sprintf(p, "%c", *s);
        v[n++] = enc;
    }
    uint64_t sys[] = {sys_a1, sys_a2}, hosts[] = {host_id[LAB01], host_id[LAB02],
                                                  host_id[LAB03]};
    for (size_t i = 0; i < 2; i++) {
        v[n++] = idpath("/systems/", sys[i], "");
        v[n++] = idpath("/api/v1/systems/", sys[i], "");
        v[n++] = idpath("/api/v1/systems/", sys[i], "/screenings");
    }
    /* 实验平台's screening judged fin02-b of B too (bound to it) */
    v[n++] = idpath("/systems/", sys_a1, "?lang=en");
    v[n++] = idpath("/api/v1/systems/", sys_a1, "/screenings?page=1&per_page=1");
    v[n++] = idpath("/screenings/", scr_a1, "");
    v[n++] = idpath("/screenings/", scr_a1, "?lang=en");
    v[n++] = idpath("/api/v1/screenings/", scr_a1, "");
    for (size_t i = 0; i < 3; i++) {
        v[n++] = idpath("/hosts/", hosts[i], "");
        v[n++] = idpath("/hosts/", hosts[i], "?q=bash");
        v[n++] = idpath("/api/v1/hosts/", hosts[i], "");
        v[n++] = idpath("/api/v1/hosts/", hosts[i], "?q=a");
    }
    v[n] = NULL;
    return v;
}

static void routes_free(char **v)
{
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

/* Every read route as the person behind hdr: 200, and nothing of B. */
static void every_route_without_b(const char *hdr, const char *who, int editor)
{
    char **v = routes();
    for (size_t i = 0; v[i]; i++) {
        struct tz_http_resp r;
        get(v[i], hdr, &r);
        char *what = tz_test_path("%s: GET %s", who, v[i]);
        /* a viewer may not open the form that adds a system; nobody but
         * the network center sees the queue of screening requests */
        int want = !editor && strcmp(v[i], "/systems/new") == 0 ? 403 : 200;
        if (strstr(v[i], "/screening-requests"))
            want = 403;
        cr_expect_eq(r.status, want, "%s: %d %.300s", what, r.status, r.body);
        no_b(what, r.body, r.body_len);
        tz_http_free(&r);
        free(what);
    }
    routes_free(v);
    /* The spreadsheet's cells, unzipped. */
    static const char *const xlsx[] = {"/export.xlsx", "/export.xlsx?dept=%E8%AE%A1%E7%AE%97%E6%9C%BA%E5%AD%A6%E9%99%A2"};
    for (size_t i = 0; i < N(xlsx); i++) {
        struct tz_http_resp r;
        get(xlsx[i], hdr, &r);
        cr_assert_eq(r.status, 200, "%s: %s", xlsx[i], r.body);
        char *xml = xlsx_xml(&r);
        char *what = tz_test_path("%s: GET %s (unzipped)", who, xlsx[i]);
        cr_expect(strstr(xml, "实验平台"), "%s lacks its own system", what);
        no_b(what, xml, strlen(xml));
        free(what);
        free(xml);
        tz_http_free(&r);
    }
}

Test(portal, a_viewer_gets_nothing_of_the_other_department_on_any_route)
{
    struct who va;
    login(tok_viewer_a, &va);
    every_route_without_b(va.hdr, "viewer-a (session)", 0);
    char hdr[128];
    bearer(tok_viewer_a, hdr, sizeof(hdr));
    every_route_without_b(hdr, "viewer-a (bearer)", 0);
    /* an editor of A reads what a viewer reads */
    struct who ea;
    login(tok_editor_a, &ea);
    every_route_without_b(ea.hdr, "editor-a (session)", 1);
    /* and sees its own */
    struct tz_http_resp r;
    get("/ledger", va.hdr, &r);
    for (size_t i = 0; i < N(a_strings); i++)
        if (strncmp(a_strings[i], "lab", 3) != 0 &&  /* hosts are not on the ledger */
            strncmp(a_strings[i], "2001:", 5) != 0)
            cr_expect(strstr(r.body, a_strings[i]), "viewer-a's ledger lacks %s",
                      a_strings[i]);
    tz_http_free(&r);
    get("/hosts", va.hdr, &r);
    cr_expect(strstr(r.body, "lab02-a") && strstr(r.body, "lab03-a"), "%s", r.body);
    tz_http_free(&r);
}

static cJSON *api(const char *path, const char *hdr)
{
    struct tz_http_resp r;
    get(path, hdr, &r);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    cJSON *j = cJSON_Parse(r.body);
    cr_assert_not_null(j, "%s", r.body);
    tz_http_free(&r);
    return j;
}

static const cJSON *item_with_id(const cJSON *list, uint64_t id)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(list, "items")) {
        if ((uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "id")) == id)
            return x;
    }
    cr_assert_fail("no item %llu", (unsigned long long)id);
    return NULL;
}

static int num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsNumber(v), "no number %s", k);
    return (int)v->valuedouble;
}

/* Open flags the admin sees on host id. */
static int host_flags(const cJSON *flags, uint64_t id)
{
    int n = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(flags, "items")) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "subject_kind")), "host") == 0 &&
            (uint64_t)num(f, "subject_id") == id)
            n++;
    }
    return n;
}

/* The same routes as the admin do show B: the check above can see it. */
Test(portal, the_admin_sees_both_departments_on_the_same_routes)
{
    struct who ad;
    login(tok_admin, &ad);
    static const char *const lists[] = {"/ledger", "/hosts", "/flags",
                                        "/api/v1/systems", "/api/v1/hosts",
                                        "/api/v1/flags", "/export.csv",
                                        "/export.json", "/screening-requests",
                                        "/api/v1/screening-requests"};
    for (size_t i = 0; i < N(lists); i++) {
        struct tz_http_resp r;
        get(lists[i], ad.hdr, &r);
        cr_expect_eq(r.status, 200, "%s", lists[i]);
        cr_expect(count_b(r.body, r.body_len) >= 2, "admin: GET %s shows nothing of "
                  DEPT_B ": %s", lists[i], r.body);
        tz_http_free(&r);
    }
    struct tz_http_resp r;
    get("/export.xlsx", ad.hdr, &r);
    char *xml = xlsx_xml(&r);
    for (size_t i = 0; i < N(b_strings); i++)
        if (strcmp(b_strings[i], "fin.example.edu.cn") != 0 &&
            strcmp(b_strings[i], "010-66660001") != 0)
            cr_expect(strstr(xml, b_strings[i]), "admin's xlsx lacks %s", b_strings[i]);
    free(xml);
    tz_http_free(&r);
    /* every B string is somewhere the admin can read */
    char *p1 = idpath("/systems/", sys_b1, "");
    get(p1, ad.hdr, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "财务系统") && strstr(r.body, "赵六") &&
              strstr(r.body, "钱七") && strstr(r.body, "010-66660001") &&
              strstr(r.body, "fin.example.edu.cn") && strstr(r.body, "fin01-b"),
              "%s", r.body);
    tz_http_free(&r);
    free(p1);
    p1 = idpath("/api/v1/hosts/", host_id[FIN02], "");
    get(p1, ad.hdr, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "fin02-b") && strstr(r.body, "2001:db8:bbbb::22"), "%s",
              r.body);
    tz_http_free(&r);
    free(p1);
    /* the fixture raises every flag a host or system of it should: the
     * isolation tests above walk real flags of each kind */
    static const char *const rules[] = {
        "WEAK_PASSWORD", "SUDO_NOPASSWD", "UID0_DUPLICATE", "ROOT_SSH_LOGIN",
        "EXPOSED_HIGH_RISK_PORT", "BINDING_OTHER_DEPT", "NO_OWNER", "NO_FILING"};
    char hv[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    for (size_t i = 0; i < N(rules); i++) {
        char *path = tz_test_path("/api/v1/flags?rule=%s", rules[i]);
        cJSON *fa = api(path, ad.hdr), *fv = api(path, hv);
        cr_expect_gt(num(fv, "total"), 0, "%s: A has none", rules[i]);
        /* B's hosts and systems have the same, but for these two */
        if (strcmp(rules[i], "NO_OWNER") != 0 && strcmp(rules[i], "BINDING_OTHER_DEPT") != 0)
            cr_expect_gt(num(fa, "total"), num(fv, "total"), "%s: B has none", rules[i]);
        cJSON_Delete(fa);
        cJSON_Delete(fv);
        free(path);
    }
    /* the refused binding's evidence names B's system for the network center */
    get("/api/v1/flags?rule=BINDING_OTHER_DEPT", ad.hdr, &r);
    cr_expect(strstr(r.body, "lab03-a") && strstr(r.body, "财务系统"), "%s", r.body);
    tz_http_free(&r);
    /* and the viewer of B sees B */
    struct who vb;
    login(tok_viewer_b, &vb);
    get("/ledger", vb.hdr, &r);
    cr_expect(strstr(r.body, "财务系统") && strstr(r.body, "审计平台"), "%s", r.body);
    cr_expect(strstr(r.body, "实验平台") == NULL, "%s", r.body);
    tz_http_free(&r);
}

/* ---- the reader's language and zone ---- */

#define NO_OWNER_ZH "选课系统：负责人 (owner)和管理员 (admin)未填写"
#define NO_OWNER_EN "选课系统: 负责人 (owner) and 管理员 (admin) is empty"
#define WEAK_ZH "账户 alice (uid 1000) 密码为空"
#define WEAK_EN "account alice (uid 1000) has an empty password"
#define REFUSED_ZH "其采集程序配置或地址指向其他部门的系统：已拒绝，主机未绑定到该系统"
#define REFUSED_EN "its agent config or its addresses point at a system of " \
                   "another department: refused, the host is not bound to it"

/* GET path as hdr: 200, holding want in a cell and not unwanted. */
static void page_shows(const char *path, const char *hdr, const char *want,
                       const char *unwanted)
{
    struct tz_http_resp r;
    get(path, hdr, &r);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    char *cell = tz_test_path("<td>%s</td>", want);
    cr_expect(strstr(r.body, cell), "%s lacks %s: %s", path, cell, r.body);
    cr_expect_null(strstr(r.body, unwanted), "%s shows %s", path, unwanted);
    free(cell);
    tz_http_free(&r);
}

/* The one flag of the API's answer at path. */
static cJSON *one_flag(const char *path, const char *hdr)
{
    cJSON *j = api(path, hdr);
    cr_assert_eq(num(j, "total"), 1, "%s: %s", path, cJSON_PrintUnformatted(j));
    cJSON *f = cJSON_DetachItemFromArray(cJSON_GetObjectItem(j, "items"), 0);
    cJSON_Delete(j);
    return f;
}

static const char *member(const cJSON *o, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    cr_assert_not_null(v, "no string %s", k);
    return v;
}

Test(portal, a_flags_evidence_is_in_the_pages_language_and_the_api_has_both)
{
    struct who va;
    login(tok_viewer_a, &va);
    page_shows("/flags?rule=NO_OWNER", va.hdr, NO_OWNER_ZH, NO_OWNER_EN);
    page_shows("/flags?rule=NO_OWNER&lang=en", va.hdr, NO_OWNER_EN, NO_OWNER_ZH);
    char *p = idpath("/systems/", sys_a2, "");
    page_shows(p, va.hdr, NO_OWNER_ZH, NO_OWNER_EN);
    free(p);
    p = idpath("/systems/", sys_a2, "?lang=en");
    page_shows(p, va.hdr, NO_OWNER_EN, NO_OWNER_ZH);
    free(p);
    /* the browser's language when ?lang= does not say */
    char *en = tz_test_path("%sAccept-Language: en-GB,en;q=0.9\r\n", va.hdr);
    p = idpath("/hosts/", host_id[LAB01], "");
    page_shows(p, va.hdr, WEAK_ZH, WEAK_EN);
    page_shows(p, en, WEAK_EN, WEAK_ZH);
    free(p);
    free(en);

    char hv[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    cJSON *f = one_flag("/api/v1/flags?rule=NO_OWNER", hv);
    cr_expect_str_eq(member(f, "evidence"), NO_OWNER_EN);
    cr_expect_str_eq(member(f, "evidence_zh"), NO_OWNER_ZH);
    cJSON_Delete(f);
}

Test(portal, a_department_reads_a_refused_binding_in_neither_language_by_name)
{
    char hv[128], ha[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    bearer(tok_admin, ha, sizeof(ha));
    /* lab03-a's agent config names 财务系统 of B */
    cJSON *f = one_flag("/api/v1/flags?rule=BINDING_OTHER_DEPT", hv);
    cr_expect_str_eq(member(f, "evidence"), REFUSED_EN);
    cr_expect_str_eq(member(f, "evidence_zh"), REFUSED_ZH);
    cJSON_Delete(f);
    page_shows("/flags?rule=BINDING_OTHER_DEPT", hv, REFUSED_ZH, "财务系统");
    page_shows("/flags?rule=BINDING_OTHER_DEPT&lang=en", hv, REFUSED_EN,
               "财务系统");
    /* the network center reads the name in both */
    f = one_flag("/api/v1/flags?rule=BINDING_OTHER_DEPT", ha);
    char *zh = tz_test_path("主机 lab03-a（agent %llu，属 " DEPT_A "）在 agent "
                            "配置中（system =）指向其他部门的系统 %llu（财务系统，"
                            "属 " DEPT_B "）：已拒绝，主机仍归属本部门的系统",
                            (unsigned long long)host_id[LAB03],
                            (unsigned long long)sys_b1);
    cr_expect_str_eq(member(f, "evidence_zh"), zh);
    cr_expect(strstr(member(f, "evidence"), "(财务系统) of " DEPT_B), "%s",
              member(f, "evidence"));
    free(zh);
    cJSON_Delete(f);
}

/* "2026-12-06 09:28 +0800" of unix time t in Beijing time, computed apart
 * from the portal's formatter. */
static void beijing(int64_t t, char out[40])
{
    time_t bj = (time_t)(t + 8 * 3600);
    struct tm tm;
    cr_assert_not_null(gmtime_r(&bj, &tm));
    strftime(out, 40, "%Y-%m-%d %H:%M +0800", &tm);
}

Test(portal, times_on_a_page_carry_the_zone)
{
    /* the portal as a server in Beijing runs it */
    tz_test_stop(portal, SIGKILL);
    setenv("TZ", "Asia/Shanghai", 1);
    char *ini = tz_test_path("%s/portal.ini", tmp);
    portal = portal_start(ini);
    free(ini);
    char hv[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    cJSON *f = one_flag("/api/v1/flags?rule=NO_OWNER", hv);
    /* the API's time is a number: unix seconds, no zone to mistake */
    const cJSON *at = cJSON_GetObjectItem(f, "opened_at");
    cr_assert(cJSON_IsNumber(at) && at->valuedouble > 1.7e9);
    char want[40], cell[64];
    beijing((int64_t)at->valuedouble, want);
    snprintf(cell, sizeof(cell), "<td>%s</td>", want);
    cJSON_Delete(f);
    struct tz_http_resp r;
    get("/flags?rule=NO_OWNER", hv, &r);
    cr_assert_eq(r.status, 200);
    cr_expect(strstr(r.body, cell), "no %s: %s", cell, r.body);
    tz_http_free(&r);
    /* a host's last report too */
    cJSON *h = api("/api/v1/hosts", hv);
    const cJSON *x = item_with_id(h, host_id[LAB01]);
    cr_assert_not_null(x);
    beijing((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "last_seen")),
            want);
    cJSON_Delete(h);
    char *p = idpath("/hosts/", host_id[LAB01], "");
    get(p, hv, &r);
    cr_expect(strstr(r.body, want), "no %s: %s", want, r.body);
    tz_http_free(&r);
    free(p);
    unsetenv("TZ");
}

/* A guessed id of B answers exactly what an id that never existed does. */
static void same_as_missing(const char *hdr, const char *prefix, uint64_t id,
                            const char *suffix, const char *who)
{
    struct tz_http_resp gone, b;
    char *pg = idpath(prefix, 987654, suffix), *pb = idpath(prefix, id, suffix);
    get(pg, hdr, &gone);
    get(pb, hdr, &b);
    cr_expect_eq(gone.status, 404, "%s: %s: %d", who, pg, gone.status);
    cr_expect_eq(b.status, 404, "%s: %s of " DEPT_B ": %d", who, pb, b.status);
    cr_expect(b.body_len == gone.body_len && memcmp(b.body, gone.body, b.body_len) == 0,
              "%s: %s answers other than a missing id:\n%s\n---\n%s", who, pb,
              b.body, gone.body);
    no_b(pb, b.body, b.body_len);
    tz_http_free(&gone);
    tz_http_free(&b);
    free(pg);
    free(pb);
}

Test(portal, ids_of_the_other_department_answer_404_like_missing_ones)
{
    struct who va;
    login(tok_viewer_a, &va);
    char hdr[128];
    bearer(tok_viewer_a, hdr, sizeof(hdr));
    const char *hdrs[] = {va.hdr, hdr}, *whos[] = {"session", "bearer"};
    for (size_t k = 0; k < 2; k++) {
        uint64_t sys[] = {sys_b1, sys_b2}, hosts[] = {host_id[FIN01], host_id[FIN02]};
        for (size_t i = 0; i < 2; i++) {
            same_as_missing(hdrs[k], "/systems/", sys[i], "", whos[k]);
            same_as_missing(hdrs[k], "/api/v1/systems/", sys[i], "", whos[k]);
            same_as_missing(hdrs[k], "/hosts/", hosts[i], "", whos[k]);
            same_as_missing(hdrs[k], "/hosts/", hosts[i], "?q=bash", whos[k]);
            same_as_missing(hdrs[k], "/api/v1/hosts/", hosts[i], "", whos[k]);
            same_as_missing(hdrs[k], "/api/v1/systems/", sys[i], "/screenings", whos[k]);
        }
        same_as_missing(hdrs[k], "/screenings/", scr_b1, "", whos[k]);
        same_as_missing(hdrs[k], "/screenings/", scr_b1, "?lang=en", whos[k]);
        same_as_missing(hdrs[k], "/api/v1/screenings/", scr_b1, "", whos[k]);
    }
    /* a download of B's ledger is as absent as a department that is not */
    struct tz_http_resp b, gone;
    get("/export.csv?dept=%E8%B4%A2%E5%8A%A1%E5%A4%84", va.hdr, &b);
    get("/export.csv?dept=nowhere", va.hdr, &gone);
    cr_expect_eq(b.status, 404);
    cr_expect_eq(gone.status, 404);
    cr_expect_str_eq(b.body, gone.body);
    tz_http_free(&b);
    tz_http_free(&gone);
}

Test(portal, counts_leave_out_the_other_departments_hosts_and_flags)
{
    char hv[128], ha[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    bearer(tok_admin, ha, sizeof(ha));
    cJSON *vs = api("/api/v1/systems", hv), *as = api("/api/v1/systems", ha);
    cJSON *af = api("/api/v1/flags?per_page=1000", ha);
    cJSON *vf = api("/api/v1/flags?per_page=1000", hv);
    cJSON *vh = api("/api/v1/hosts", hv);
    /* fin02-b of B is bound to A's 实验平台: the admin counts it, A does not */
    const cJSON *a1v = item_with_id(vs, sys_a1), *a1a = item_with_id(as, sys_a1);
    int fin02 = host_flags(af, host_id[FIN02]);
    cr_assert_gt(fin02, 0);
    cr_expect_eq(num(a1a, "hosts"), num(a1v, "hosts") + 1, "%s\n%s",
                 cJSON_PrintUnformatted(a1a), cJSON_PrintUnformatted(a1v));
    cr_expect_eq(num(a1a, "open_flags"), num(a1v, "open_flags") + fin02);
    /* A's count is exactly what A's flags list holds for 实验平台 */
    int own = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(vf, "items")) {
        if ((uint64_t)num(f, "system_id") == sys_a1)
            own++;
    }
    cr_expect_eq(num(a1v, "open_flags"), own);
    /* totals: A's systems, hosts and flags only */
    cr_expect_eq(num(vs, "total"), 2);
    cr_expect_eq(num(vh, "total"), 3);
    int of_a = 0;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(af, "items")) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "dept")), DEPT_A) == 0)
            of_a++;
    }
    cr_expect_lt(of_a, num(af, "total"));
    cr_expect_eq(num(vf, "total"), of_a);
    cJSON_Delete(vs);
    cJSON_Delete(as);
    cJSON_Delete(af);
    cJSON_Delete(vf);
    cJSON_Delete(vh);
}

/* ---- tzctl with --dept ---- */

Test(portal, tzctl_listings_with_dept_hold_nothing_of_the_other)
{
    static const char *const cmds[][3] = {
        {"hosts", NULL, NULL}, {"systems", NULL, NULL}, {"ledger", NULL, NULL},
        {"flags", NULL, NULL}};
    static const char *const formats[] = {"table", "csv", "json"};
    for (size_t i = 0; i < N(cmds); i++) {
        for (size_t k = 0; k < N(formats); k++) {
            char *out = NULL;
            int rc = tz_test_tzctl_run(data, &out, "--format", formats[k], cmds[i][0],
                                       "--dept", DEPT_A, (const char *)NULL);
            cr_expect_eq(rc, 0, "%s", out);
            char *what = tz_test_path("tzctl --format %s %s --dept %s", formats[k],
                                      cmds[i][0], DEPT_A);
            no_b(what, out, strlen(out));
            cr_expect(strstr(out, "lab0") || strstr(out, "实验平台"), "%s: %s", what, out);
            free(what);
            free(out);
        }
    }
    /* the ledger's counts with --dept are what the department's viewer
     * counts in the portal; without, what the admin counts */
    char hv[128], ha[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    bearer(tok_admin, ha, sizeof(ha));
    cJSON *vs = api("/api/v1/systems", hv), *as = api("/api/v1/systems", ha);
    cJSON *la = tzctl_json("ledger", "--dept", DEPT_A, NULL), *all = tzctl_json("ledger", NULL, NULL, NULL);
    const cJSON *row;
    int seen = 0;
    cJSON_ArrayForEach(row, la) {
        uint64_t id = (uint64_t)num(row, "id");
        cr_expect_eq(num(row, "hosts"), num(item_with_id(vs, id), "hosts"),
                     "tzctl ledger --dept " DEPT_A ": system %llu counts the hosts of "
                     DEPT_B " bound to it", (unsigned long long)id);
        cr_expect_eq(num(row, "open_flags"), num(item_with_id(vs, id), "open_flags"),
                     "tzctl ledger --dept " DEPT_A ": system %llu counts the flags of "
                     DEPT_B "'s hosts", (unsigned long long)id);
        seen++;
    }
    cr_expect_eq(seen, 2);
    cJSON_ArrayForEach(row, all) {
        uint64_t id = (uint64_t)num(row, "id");
        cr_expect_eq(num(row, "hosts"), num(item_with_id(as, id), "hosts"));
        cr_expect_eq(num(row, "open_flags"), num(item_with_id(as, id), "open_flags"));
    }
    cJSON_Delete(vs);
    cJSON_Delete(as);
    cJSON_Delete(la);
    cJSON_Delete(all);

    static const char *const fmts[] = {"csv", "json", "xlsx"};
    for (size_t k = 0; k < N(fmts); k++) {
        char *path = tz_test_path("%s/a.%s", tmp, fmts[k]);
        free(tz_test_tzctl(data, 0, "export", "--format", fmts[k], "--dept", DEPT_A,
                           "-o", path, (const char *)NULL));
        char *body = NULL;
        if (strcmp(fmts[k], "xlsx") == 0) {
            char *argv[] = {"unzip", "-p", path, NULL};
            cr_assert_eq(tz_test_run(argv, &body), 0);
        } else {
            body = tz_test_slurp(path);
        }
        char *what = tz_test_path("tzctl export --format %s --dept " DEPT_A, fmts[k]);
        no_b(what, body, strlen(body));
        cr_expect(strstr(body, "实验平台"), "%s", what);
        free(what);
        free(body);
        free(path);
    }
}

/* ---- writes ---- */

static cJSON *system_show(uint64_t id)
{
    char s[24];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)id);
    return tzctl_json("system", "show", s, NULL);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    return v ? v : "";
}

/* The record's bytes as tzctl shows them: "nothing written" compares two. */
static char *system_text(uint64_t id)
{
    char s[24];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)id);
    return tz_test_tzctl(data, 0, "--format", "json", "system", "show", s,
                         (const char *)NULL);
}

/* The form of system id as its page gives it to w: revision. */
static char *updated_at_of(const struct who *w, uint64_t id)
{
    struct tz_http_resp r;
    char *p = idpath("/systems/", id, "");
    get(p, w->hdr, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *v = form_value(r.body, "revision");
    tz_http_free(&r);
    free(p);
    return v;
}

Test(portal, an_editor_changes_the_owner_and_tzctl_shows_who)
{
    struct who ea;
    login(tok_editor_a, &ea);
    char *since = updated_at_of(&ea, sys_a1);
    char *owner = pct("王五");
    char *body = tz_test_path("csrf=%s&revision=%s&owner=%s", ea.csrf, since, owner);
    char *p = idpath("/systems/", sys_a1, "");
    struct tz_http_resp r;
    post_form(p, ea.hdr, body, &r);
    cr_assert_eq(r.status, 303, "%d %s", r.status, r.body);
    char *loc = tz_http_header(&r, "Location", 0);
    cr_expect(loc && strncmp(loc, p, strlen(p)) == 0, "%s", loc);
    free(loc);
    tz_http_free(&r);
    cJSON *s = system_show(sys_a1);
    cr_expect_str_eq(jstr(s, "owner"), "王五");
    const cJSON *hist = cJSON_GetObjectItem(s, "history");
    const cJSON *last = cJSON_GetArrayItem(hist, cJSON_GetArraySize(hist) - 1);
    cr_expect_str_eq(jstr(last, "actor"), "editor-a");
    cr_expect_str_eq(jstr(last, "via"), "portal");
    const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItem(last, "changes"), 0);
    cr_expect_str_eq(jstr(ch, "field"), "owner");
    cr_expect_str_eq(jstr(ch, "old"), "张三");
    cr_expect_str_eq(jstr(ch, "new"), "王五");
    cJSON_Delete(s);
    /* the page shows it too, and the stale form is refused */
    get(p, ea.hdr, &r);
    cr_expect(strstr(r.body, "王五"), "%s", r.body);
    tz_http_free(&r);
    free(body);
    body = tz_test_path("csrf=%s&revision=%s&owner=x", ea.csrf, since);
    post_form(p, ea.hdr, body, &r);
    cr_expect_eq(r.status, 409, "%d %s", r.status, r.body);
    tz_http_free(&r);
    s = system_show(sys_a1);
    cr_expect_str_eq(jstr(s, "owner"), "王五");
    cJSON_Delete(s);
    free(body);
    free(p);
    free(owner);
    free(since);
}

Test(portal, viewers_and_other_departments_and_the_dept_field_are_refused)
{
    struct who va, ea;
    login(tok_viewer_a, &va);
    login(tok_editor_a, &ea);
    char *before_a1 = system_text(sys_a1), *before_b1 = system_text(sys_b1);
    char *pa1 = idpath("/systems/", sys_a1, ""), *pb1 = idpath("/systems/", sys_b1, "");
    char *since = updated_at_of(&ea, sys_a1);
    struct tz_http_resp r, gone;

    /* a viewer: 403, and the page has no form */
    char *body = tz_test_path("csrf=%s&revision=%s&owner=viewer", va.csrf, since);
    post_form(pa1, va.hdr, body, &r);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    get(pa1, va.hdr, &r);
    cr_expect(strstr(r.body, "name=\"revision\"") == NULL, "a viewer got a form");
    tz_http_free(&r);
    get("/systems/new", va.hdr, &r);
    cr_expect_eq(r.status, 403);
    tz_http_free(&r);
    body = tz_test_path("csrf=%s&name=viewers-own", va.csrf);
    post_form("/systems", va.hdr, body, &r);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);

    /* an editor of A on B's system: as if it did not exist */
    body = tz_test_path("csrf=%s&revision=0&owner=editor", ea.csrf);
    post_form(pb1, ea.hdr, body, &r);
    char *pg = idpath("/systems/", 987654, "");
    post_form(pg, ea.hdr, body, &gone);
    cr_expect_eq(r.status, 404, "%d %s", r.status, r.body);
    cr_expect_str_eq(r.body, gone.body);
    no_b("POST to B's system", r.body, r.body_len);
    tz_http_free(&r);
    tz_http_free(&gone);
    free(body);
    free(pg);

    /* an editor cannot move a system to another department (所属单位) */
    char *dept = pct(DEPT_B);
    body = tz_test_path("csrf=%s&revision=%s&dept=%s", ea.csrf, since, dept);
    post_form(pa1, ea.hdr, body, &r);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    /* nor add one to it */
    body = tz_test_path("csrf=%s&name=intruder&dept=%s", ea.csrf, dept);
    post_form("/systems", ea.hdr, body, &r);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    free(dept);

    char *after_a1 = system_text(sys_a1), *after_b1 = system_text(sys_b1);
    cr_expect_str_eq(after_a1, before_a1);
    cr_expect_str_eq(after_b1, before_b1);
    cJSON *all = tzctl_json("systems", NULL, NULL, NULL);
    cr_expect_eq(cJSON_GetArraySize(all), 4, "a system was added");
    cJSON_Delete(all);
    free(after_a1);
    free(after_b1);
    free(before_a1);
    free(before_b1);
    free(pa1);
    free(pb1);
    free(since);
}

/* ---- the pre-launch review ---- */

static int arr_size(const cJSON *o, const char *k)
{
    const cJSON *a = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsArray(a), "no array %s", k);
    return cJSON_GetArraySize(a);
}

Test(portal, a_screening_shows_a_department_its_own_hosts_only)
{
    char hv[128], ha[128];
    bearer(tok_viewer_a, hv, sizeof(hv));
    bearer(tok_admin, ha, sizeof(ha));
    /* the network center: 实验平台's screening as stored, fin02-b of B in it */
    char *p = idpath("/api/v1/screenings/", scr_a1, "");
    cJSON *ad = api(p, ha), *va = api(p, hv);
    cr_expect_eq(num(ad, "blocking_failed"), 2);
    cr_expect_eq(arr_size(ad, "hosts"), 2);
    cr_expect_eq(arr_size(ad, "items"), 4);
    /* A: its host and its item; fin02-b and its failure are not counted;
     * the verdict stays the checker's */
    cr_expect_eq(num(va, "blocking_failed"), 1);
    cr_expect_eq(arr_size(va, "hosts"), 1);
    cr_expect_eq(arr_size(va, "items"), 3);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(va, "passed")));
    char *txt = cJSON_PrintUnformatted(va);
    cr_expect(strstr(txt, "lab01-a") != NULL, "%s", txt);
    /* both evidences, the other department's host's in neither */
    cr_expect(strstr(txt, "\"evidence\":\"alice: empty (on lab01-a)\","
                          "\"evidence_zh\":\"alice：空密码（lab01-a 上）\"") != NULL, "%s", txt);
    /* the system item that named fin02-b says so instead, in both languages */
    cr_expect(strstr(txt, "\"evidence\":\"(names hosts of other departments: the network "
                          "center sees this evidence)\",\"evidence_zh\":\"（涉及其他单位的主机，"
                          "详情仅网络信息中心可见）\"") != NULL, "%s", txt);
    no_b("viewer-a: the API's screening", txt, strlen(txt));
    char *adt = cJSON_PrintUnformatted(ad);
    cr_expect(strstr(adt, "hosts bound: lab01-a, fin02-b") != NULL, "%s", adt);
    free(adt);
    const char *pk = strstr(txt, "\"agent_pk\":");
    cr_expect(pk == NULL || strncmp(pk, "\"agent_pk\":\"\"", 13) == 0 ||
              strncmp(pk, "\"agent_pk\":null", 15) == 0,
              "an agent's key on the web: %.80s", pk);
    free(txt);
    cJSON_Delete(ad);
    cJSON_Delete(va);
    free(p);
    /* the listing and the summary the review rests on: recounted alike */
    p = idpath("/api/v1/systems/", sys_a1, "/screenings");
    ad = api(p, ha);
    va = api(p, hv);
    const cJSON *s_ad = cJSON_GetArrayItem(cJSON_GetObjectItem(ad, "screenings"), 0);
    const cJSON *s_va = cJSON_GetArrayItem(cJSON_GetObjectItem(va, "screenings"), 0);
    const cJSON *r_ad = cJSON_GetArrayItem(cJSON_GetObjectItem(ad, "reviews"), 0);
    const cJSON *r_va = cJSON_GetArrayItem(cJSON_GetObjectItem(va, "reviews"), 0);
    cr_assert(s_ad && s_va && r_ad && r_va);
    cr_expect_eq((uint64_t)num(s_va, "screening_id"), scr_a1);
    cr_expect_eq(num(s_ad, "blocking_failed"), 2);
    cr_expect_eq(num(s_ad, "hosts"), 2);
    cr_expect_eq(num(s_va, "blocking_failed"), 1);
    cr_expect_eq(num(s_va, "hosts"), 1);
    cr_expect_eq((uint64_t)num(r_va, "review_id"), rev_a1);
    cr_expect_eq(num(cJSON_GetObjectItem(r_ad, "screening"), "blocking_failed"), 2);
    cr_expect_eq(num(cJSON_GetObjectItem(r_va, "screening"), "blocking_failed"), 1);
    cr_expect_eq(num(va, "screenings_total"), 1);
    cr_expect_eq(num(va, "reviews_total"), 1);
    cJSON_Delete(ad);
    cJSON_Delete(va);
    free(p);
    /* bad page arguments as on every list */
    p = idpath("/api/v1/systems/", sys_a1, "/screenings?per_page=1001");
    struct tz_http_resp r;
    get(p, hv, &r);
    cr_expect_eq(r.status, 400, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(p);
    /* the printable report: the same taken apart */
    p = idpath("/screenings/", scr_a1, "");
    get(p, ha, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "fin02-b") && strstr(r.body, "lab01-a"), "%s", r.body);
    tz_http_free(&r);
    get(p, hv, &r);
    cr_expect_eq(r.status, 200);
    char *ct = tz_http_header(&r, "Content-Type", 0);
    cr_expect(ct && strncmp(ct, "text/html", 9) == 0, "%s", ct);
    free(ct);
    cr_expect(strstr(r.body, "lab01-a") != NULL, "%s", r.body);
    no_b("viewer-a: the report of 实验平台's screening", r.body, r.body_len);
    /* the evidence in the page's language; one stored English only shows it */
    cr_expect(strstr(r.body, "<td>alice：空密码（lab01-a 上）") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "alice: empty") == NULL, "%s", r.body);
    cr_expect(strstr(r.body, "<td>all filled in</td>") != NULL, "%s", r.body);
    tz_http_free(&r);
    free(p);
    p = idpath("/screenings/", scr_a1, "?lang=en");
    get(p, hv, &r);
    cr_expect_eq(r.status, 200);
    no_b("viewer-a: the English report of 实验平台's screening", r.body, r.body_len);
    cr_expect(strstr(r.body, "<td>alice: empty (on lab01-a)") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "空密码") == NULL, "%s", r.body);
    cr_expect(strstr(r.body, "<td>all filled in</td>") != NULL, "%s", r.body);
    tz_http_free(&r);
    free(p);
    /* the system page: the review's state and both lists */
    struct who va_s;
    login(tok_viewer_a, &va_s);
    p = idpath("/systems/", sys_a1, "");
    get(p, va_s.hdr, &r);
    cr_expect_eq(r.status, 200);
    char *link = idpath("href=\"/screenings/", scr_a1, "\"");
    cr_expect(strstr(r.body, "上线前审查") && strstr(r.body, "WX-2026-07") &&
              strstr(r.body, "弱口令限期两周整改") && strstr(r.body, "网信办审查员") &&
              strstr(r.body, link), "%s", r.body);
    cr_expect(strstr(r.body, "screening-request") == NULL, "a viewer got the form");
    tz_http_free(&r);
    free(link);
    free(p);
}

/* The open requests the admin's API lists, and the one of system sid. */
static cJSON *queue(const char *path, uint64_t sid, const cJSON **of_sid)
{
    char ha[128];
    bearer(tok_admin, ha, sizeof(ha));
    cJSON *q = api(path, ha);
    *of_sid = NULL;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(q, "items")) {
        if ((uint64_t)num(x, "system_id") == sid)
            *of_sid = x;
    }
    return q;
}

Test(portal, an_editor_asks_for_a_screening_and_the_network_center_queues_it)
{
    struct who ea, va, ad;
    login(tok_editor_a, &ea);
    login(tok_viewer_a, &va);
    login(tok_admin, &ad);
    char *page = idpath("/systems/", sys_a1, "");
    char *action = idpath("/systems/", sys_a1, "/screening-request");
    char *form = tz_test_path("action=\"%s\"", action);
    struct tz_http_resp r;
    /* the editor is offered the form, the viewer is not */
    get(page, ea.hdr, &r);
    cr_expect(strstr(r.body, form) && strstr(r.body, "name=\"note\""), "%s", r.body);
    tz_http_free(&r);
    get(page, va.hdr, &r);
    cr_expect(strstr(r.body, form) == NULL, "a viewer got the form");
    tz_http_free(&r);

    /* refused: a viewer, a forged form, a note over 1000 bytes */
    const cJSON *mine;
    char *body = tz_test_path("csrf=%s&note=viewer", va.csrf);
    post_form(action, va.hdr, body, &r);
    cr_expect_eq(r.status, 403, "viewer: %d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    body = tz_test_path("csrf=%s&note=forged", va.csrf);
    post_form(action, ea.hdr, body, &r);
    cr_expect_eq(r.status, 403, "another session's csrf: %d", r.status);
    tz_http_free(&r);
    free(body);
    char big[1002];
    memset(big, 'x', 1001);
    big[1001] = '\0';
    body = tz_test_path("csrf=%s&note=%s", ea.csrf, big);
    post_form(action, ea.hdr, body, &r);
    cr_expect_eq(r.status, 400, "1001 bytes: %d %s", r.status, r.body);
    cr_expect(strstr(r.body, "at most 1000 bytes"), "%s", r.body);
    cr_expect(strstr(r.body, big), "the typed note is not shown again");
    tz_http_free(&r);
    free(body);
    cJSON *qj = queue("/api/v1/screening-requests", sys_a1, &mine);
    cr_expect_null(mine, "a refused request was stored");
    cr_expect_eq(num(qj, "total"), 1);
    cJSON_Delete(qj);

    /* B's system: as one that does not exist */
    char *act_b = idpath("/systems/", sys_b1, "/screening-request");
    char *act_gone = idpath("/systems/", 987654, "/screening-request");
    struct tz_http_resp gone;
    body = tz_test_path("csrf=%s&note=x", ea.csrf);
    post_form(act_b, ea.hdr, body, &r);
    post_form(act_gone, ea.hdr, body, &gone);
    cr_expect_eq(r.status, 404, "%d %s", r.status, r.body);
    cr_expect_eq(gone.status, 404);
    cr_expect_str_eq(r.body, gone.body);
    no_b("POST a screening request for B's system", r.body, r.body_len);
    tz_http_free(&r);
    tz_http_free(&gone);
    free(body);

    /* the editor asks; the textarea's line break makes one paragraph */
    char *note = pct("九月开学前上线\r\n请审查");
    body = tz_test_path("csrf=%s&note=%s", ea.csrf, note);
    post_form(action, ea.hdr, body, &r);
    cr_assert_eq(r.status, 303, "%d %s", r.status, r.body);
    char *loc = tz_http_header(&r, "Location", 0);
    char *want = idpath("/systems/", sys_a1, "?requested=1");
    cr_expect(loc && strcmp(loc, want) == 0, "%s", loc);
    tz_http_free(&r);
    get(want, ea.hdr, &r);
    cr_expect(strstr(r.body, "申请已提交") && strstr(r.body, "待网信办审查") &&
              strstr(r.body, "九月开学前上线 请审查"), "%s", r.body);
    cr_expect(strstr(r.body, form) == NULL, "the form is offered beside the open request");
    tz_http_free(&r);
    /* its viewer sees it is asked for */
    get(page, va.hdr, &r);
    cr_expect(strstr(r.body, "待网信办审查"), "%s", r.body);
    tz_http_free(&r);
    /* asked again: 409, naming the open request */
    post_form(action, ea.hdr, body, &r);
    cr_expect_eq(r.status, 409, "%d %s", r.status, r.body);
    cr_expect(strstr(r.body, "该系统已申请上线前审查") && strstr(r.body, "待网信办审查"),
              "%s", r.body);
    tz_http_free(&r);

    /* the network center's queue: A's request open after B's older one */
    qj = queue("/api/v1/screening-requests", sys_a1, &mine);
    cr_expect_eq(num(qj, "total"), 2);
    cr_expect_eq(num(qj, "open"), 2);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(qj, "items"), 0);
    cr_expect_eq((uint64_t)num(first, "request_id"), req_b1, "oldest open first");
    cr_assert_not_null(mine);
    cr_expect_str_eq(jstr(mine, "by"), "editor-a");
    cr_expect_str_eq(jstr(mine, "dept"), DEPT_A);
    cr_expect_str_eq(jstr(mine, "system_name"), "实验平台");
    cr_expect_str_eq(jstr(mine, "note"), "九月开学前上线 请审查");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(mine, "open")));
    cr_expect_eq((uint64_t)num(cJSON_GetObjectItem(mine, "latest_screening"),
                               "screening_id"), scr_a1);
    cJSON_Delete(qj);
    get("/screening-requests", ad.hdr, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "实验平台") && strstr(r.body, "editor-a") &&
              strstr(r.body, "九月开学前上线 请审查") && strstr(r.body, "财务系统") &&
              strstr(r.body, "钱七"), "%s", r.body);
    tz_http_free(&r);
    /* and nobody else */
    const char *const others[] = {va.hdr, ea.hdr};
    for (size_t i = 0; i < 2; i++) {
        get("/screening-requests", others[i], &r);
        cr_expect_eq(r.status, 403, "%d", r.status);
        no_b("the queue refused", r.body, r.body_len);
        tz_http_free(&r);
        get("/api/v1/screening-requests", others[i], &r);
        cr_expect_eq(r.status, 403, "%d", r.status);
        tz_http_free(&r);
    }

    /* a review decision closes it: the queue says by which, the form is back */
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(data, 0, &reg, &err), 0, "%s", err.msg);
    uint64_t rev = review_add(reg, sys_a1, scr_a1);
    register_close(reg);
    qj = queue("/api/v1/screening-requests", sys_a1, &mine);
    cr_assert_not_null(mine);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(mine, "open")));
    cr_expect_eq((uint64_t)num(mine, "review_id"), rev);
    cr_expect_str_eq(jstr(cJSON_GetObjectItem(mine, "review"), "reviewer"), "网信办审查员");
    cr_expect_eq(num(qj, "open"), 1);
    cJSON_Delete(qj);
    get("/screening-requests?lang=en", ad.hdr, &r);
    const char *closed = strstr(r.body, "Closed requests");
    cr_expect(closed && strstr(closed, "实验平台") && strstr(closed, "网信办审查员"),
              "%s", r.body);
    tz_http_free(&r);
    get(page, ea.hdr, &r);
    cr_expect(strstr(r.body, form) != NULL, "no form once the request is closed");
    tz_http_free(&r);

    free(want);
    free(loc);
    free(body);
    free(note);
    free(act_b);
    free(act_gone);
    free(form);
    free(action);
    free(page);
}

/* ---- the department's record ---- */

Test(portal, an_editor_sets_the_department_record_and_others_cannot)
{
    struct who va, ea;
    login(tok_viewer_a, &va);
    login(tok_editor_a, &ea);
    struct tz_http_resp r, gone;
    /* the page has the form, at revision 0 */
    get("/dept", ea.hdr, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *rev = form_value(r.body, "revision");
    cr_expect_str_eq(rev, "0");
    tz_http_free(&r);
    char *name = pct("周联络"), *dept_a = pct(DEPT_A), *dept_b = pct(DEPT_B);
    char *body = tz_test_path("csrf=%s&dept=%s&revision=%s&liaison=%s&"
                              "liaison_email=zhou%%40example.edu.cn&"
                              "liaison_phone=", ea.csrf, dept_a, rev, name);
    post_form("/dept", ea.hdr, body, &r);
    cr_assert_eq(r.status, 303, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    cJSON *d = tzctl_json("dept", "show", DEPT_A, NULL);
    cr_expect_str_eq(jstr(d, "liaison"), "周联络");
    cr_expect_str_eq(jstr(d, "liaison_email"), "zhou@example.edu.cn");
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "history"), 0);
    cr_expect_str_eq(jstr(last, "actor"), "editor-a");
    cr_expect_str_eq(jstr(last, "via"), "portal");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(last, "changes")), 2);
    cJSON_Delete(d);
    get("/dept", ea.hdr, &r);
    cr_expect(strstr(r.body, "周联络"), "%s", r.body);
    tz_http_free(&r);
    /* a bad value: 400 naming the field, the typed value shown again */
    body = tz_test_path("csrf=%s&dept=%s&revision=1&liaison_phone=abc",
                        ea.csrf, dept_a);
    post_form("/dept", ea.hdr, body, &r);
    cr_expect_eq(r.status, 400, "%d %s", r.status, r.body);
    cr_expect(strstr(r.body, "liaison_phone"), "%s", r.body);
    tz_http_free(&r);
    free(body);
    /* the stale form is a conflict */
    body = tz_test_path("csrf=%s&dept=%s&revision=0&liaison=x", ea.csrf,
                        dept_a);
    post_form("/dept", ea.hdr, body, &r);
    cr_expect_eq(r.status, 409, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    /* a viewer: no form, and a POST is refused */
    get("/dept", va.hdr, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "name=\"revision\"") == NULL, "a viewer got a form");
    tz_http_free(&r);
    body = tz_test_path("csrf=%s&dept=%s&revision=1&liaison=viewer", va.csrf,
                        dept_a);
    post_form("/dept", va.hdr, body, &r);
    cr_expect_eq(r.status, 403, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    /* the other department: as if it did not exist */
    char *q = tz_test_path("/dept?dept=%s", dept_b);
    get(q, ea.hdr, &r);
    get("/dept?dept=%E6%97%A0", ea.hdr, &gone);
    cr_expect_eq(r.status, 404);
    cr_expect_str_eq(r.body, gone.body);
    no_b("GET B's department", r.body, r.body_len);
    tz_http_free(&r);
    tz_http_free(&gone);
    body = tz_test_path("csrf=%s&dept=%s&revision=0&liaison=intruder",
                        ea.csrf, dept_b);
    post_form("/dept", ea.hdr, body, &r);
    cr_expect_eq(r.status, 404, "%d %s", r.status, r.body);
    tz_http_free(&r);
    free(body);
    d = tzctl_json("dept", "show", DEPT_B, NULL);
    cr_expect_str_eq(jstr(d, "liaison"), "");
    cJSON_Delete(d);
    d = tzctl_json("dept", "show", DEPT_A, NULL);
    cr_expect_str_eq(jstr(d, "liaison"), "周联络");
    cJSON_Delete(d);
    free(q);
    free(name);
    free(dept_a);
    free(dept_b);
    free(rev);
}

Test(portal, reports_are_the_departments_own_and_the_school_view_the_admins)
{
    struct who ea, ad;
    login(tok_editor_a, &ea);
    login(tok_admin, &ad);
    struct tz_http_resp r, gone;
    get("/report.json?period=2026H1", ea.hdr, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = cJSON_Parse(r.body);
    cr_assert_str_eq(jstr(j, "dept"), DEPT_A);
    cr_assert_not_null(cJSON_GetObjectItem(j, "score"));
    cJSON_Delete(j);
    no_b("A's report", r.body, r.body_len);
    tz_http_free(&r);
    get("/report.xlsx?period=2026H1", ea.hdr, &r);
    cr_assert_eq(r.status, 200);
    char *xml = xlsx_xml(&r);
    cr_assert(strstr(xml, "系统名称"), "%s", xml);
    free(xml);
    tz_http_free(&r);
    /* B's report: as if it did not exist; a bad period: 400 */
    char *dept_b = pct(DEPT_B);
    char *qb = tz_test_path("/report.json?period=2026H1&dept=%s", dept_b);
    get(qb, ea.hdr, &r);
    get("/report.json?period=2026H1&dept=%E6%97%A0", ea.hdr, &gone);
    cr_expect_eq(r.status, 404);
    cr_expect_str_eq(r.body, gone.body);
    tz_http_free(&r);
    tz_http_free(&gone);
    get("/report.json?period=2026H3", ea.hdr, &r);
    cr_expect_eq(r.status, 400);
    tz_http_free(&r);
    get("/school-report.json?period=2026H1", ea.hdr, &r);
    cr_expect_eq(r.status, 404);
    tz_http_free(&r);
    /* the admin: any department's, and the school view with both */
    get(qb, ad.hdr, &r);
    cr_expect_eq(r.status, 200, "%s", r.body);
    tz_http_free(&r);
    get("/school-report.json?period=2026H1", ad.hdr, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = cJSON_Parse(r.body);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "departments")), 2);
    cJSON_Delete(j);
    tz_http_free(&r);
    free(qb);
    free(dept_b);
}

/* ---- hostile HTTP ---- */

/* The server still serves a normal request, promptly. */
static void still_serving(const char *after)
{
    struct tz_http_resp r;
    tz_http(port, "GET", "/", NULL, NULL, 0, 2000, &r);
    cr_assert_eq(r.status, 200, "after %s the portal does not answer GET /", after);
    tz_http_free(&r);
}

/* A valid change of 实验平台's owner by editor-a, exactly len bytes: the
 * change, then filler fields nobody reads (p00, p01, ...) of at most 8,000
 * bytes each
 * (a form value may have 8 KiB): what a refusal for size must not write. */
static char *owner_change_of(const struct who *w, const char *since, size_t len)
{
    char *head = tz_test_path("csrf=%s&revision=%s&owner=hostile", w->csrf, since);
    size_t n = strlen(head);
    cr_assert_lt(n, len);
    char *b = malloc(len + 16);
    memcpy(b, head, n);
    for (int i = 0; n < len; i++) {
        n += (size_t)sprintf(b + n, "&p%02d=", i);
        cr_assert_leq(n, len, "no room for one more field");
        size_t k = len - n < 8000 ? len - n : 8000;
        if (len - n - k > 0 && len - n - k < 6)
            k -= 6;   /* leave room for the next field's name */
        memset(b + n, 'x', k);
        n += k;
    }
    b[n] = '\0';
    free(head);
    return b;
}

static void owner_unchanged(const char *after)
{
    cJSON *s = system_show(sys_a1);
    cr_expect_str_eq(jstr(s, "owner"), "张三", "after %s", after);
    cJSON_Delete(s);
}

Test(portal, huge_headers_are_refused)
{
    struct tz_http_resp r;
    size_t big = 100 * 1024;
    char *one = malloc(big + 64);
    int n = sprintf(one, "X-Huge: ");
    memset(one + n, 'a', big);
    strcpy(one + n + big, "\r\n");
    tz_http(port, "GET", "/", one, NULL, 0, HTTP_MS, &r);
    cr_expect(r.status == 431 || r.status == 413, "one 100 KiB header: %d", r.status);
    tz_http_free(&r);
    still_serving("one huge header");
    /* 2,000 headers of 50 bytes */
    char *many = malloc(2000 * 64), *p = many;
    for (int i = 0; i < 2000; i++)
        p += sprintf(p, "X-Many-%04d: %037d\r\n", i, i);
    tz_http(port, "GET", "/", many, NULL, 0, HTTP_MS, &r);
    cr_expect(r.status == 431 || r.status == 413, "2,000 headers: %d", r.status);
    tz_http_free(&r);
    still_serving("many headers");
    /* a 100 KiB request target */
    char *target = malloc(big + 16);
    strcpy(target, "/ledger?q=");
    memset(target + 10, 'b', big);
    target[10 + big] = '\0';
    tz_http(port, "GET", target, NULL, NULL, 0, HTTP_MS, &r);
    cr_expect(r.status == 414 || r.status == 431 || r.status == 413,
              "a 100 KiB URI: %d", r.status);
    tz_http_free(&r);
    still_serving("a huge URI");
    free(target);
    free(many);
    free(one);
}

Test(portal, bodies_over_64_KiB_are_refused_and_write_nothing)
{
    struct who ea;
    login(tok_editor_a, &ea);
    char *since = updated_at_of(&ea, sys_a1);
    char *p = idpath("/systems/", sys_a1, "");
    struct tz_http_resp r;
    size_t sizes[] = {64 * 1024 + 1, 1024 * 1024};
    for (size_t i = 0; i < N(sizes); i++) {
        char *b = owner_change_of(&ea, since, sizes[i]);
        cr_assert_eq(strlen(b), sizes[i]);
        post_form(p, ea.hdr, b, &r);
        cr_expect_eq(r.status, 413, "%zu bytes: %d %s", sizes[i], r.status, r.body);
        tz_http_free(&r);
        still_serving("a big body");
        owner_unchanged("a big body");
        free(b);
    }
    /* 1 MiB chunked, no Content-Length */
    char *b = owner_change_of(&ea, since, 1024 * 1024);
    size_t len = strlen(b), chunk = 8192;
    char *head = tz_test_path("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "%sContent-Type: application/x-www-form-urlencoded\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n", p, ea.hdr);
    size_t cap = strlen(head) + len + (len / chunk + 2) * 16 + 16, o = 0;
    char *raw = malloc(cap);
    o += (size_t)sprintf(raw, "%s", head);
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        o += (size_t)sprintf(raw + o, "%zx\r\n", n);
        memcpy(raw + o, b + at, n);
        o += n;
        o += (size_t)sprintf(raw + o, "\r\n");
    }
    o += (size_t)sprintf(raw + o, "0\r\n\r\n");
    tz_http_raw(port, raw, o, HTTP_MS, &r);
    cr_expect_eq(r.status, 413, "1 MiB chunked: %d %s", r.status, r.body);
    tz_http_free(&r);
    still_serving("a chunked 1 MiB body");
    owner_unchanged("a chunked 1 MiB body");
    /* exactly 64 KiB is within the bound: the same change goes through, so
     * the refusals above were for the size and nothing else */
    char *ok = owner_change_of(&ea, since, 64 * 1024);
    post_form(p, ea.hdr, ok, &r);
    cr_expect_eq(r.status, 303, "64 KiB: %d %s", r.status, r.body);
    tz_http_free(&r);
    cJSON *s = system_show(sys_a1);
    cr_expect_str_eq(jstr(s, "owner"), "hostile");
    cJSON_Delete(s);
    free(ok);
    free(raw);
    free(head);
    free(b);
    free(p);
    free(since);
}

/* GET /ledger and a valid-looking POST with cookie c: treated as nobody. */
static void logged_out_with(const char *cookie_hdr, const char *csrf,
                            const char *since, const char *what)
{
    struct tz_http_resp r;
    get("/ledger", cookie_hdr, &r);
    cr_expect_eq(r.status, 303, "%s: GET /ledger: %d", what, r.status);
    char *loc = tz_http_header(&r, "Location", 0);
    cr_expect(loc && strcmp(loc, "/") == 0, "%s: to %s", what, loc);
    free(loc);
    tz_http_free(&r);
    get("/api/v1/systems", cookie_hdr, &r);
    cr_expect_eq(r.status, 401, "%s: API: %d", what, r.status);
    tz_http_free(&r);
    char *p = idpath("/systems/", sys_a1, "");
    char *body = tz_test_path("csrf=%s&revision=%s&owner=hostile", csrf, since);
    post_form(p, cookie_hdr, body, &r);
    cr_expect_eq(r.status, 303, "%s: POST: %d", what, r.status);
    tz_http_free(&r);
    owner_unchanged(what);
    still_serving(what);
    free(body);
    free(p);
}

Test(portal, bad_cookies_and_ended_sessions_are_logged_out)
{
    struct who ea;
    login(tok_editor_a, &ea);
    char *since = updated_at_of(&ea, sys_a1);
    logged_out_with("Cookie: tz_session=!!garbage;;==\r\n", ea.csrf, since, "garbage");
    char *big = malloc(10100);
    strcpy(big, "Cookie: tz_session=");
    memset(big + 19, 'a', 10000);
    strcpy(big + 10019, "\r\n");
    logged_out_with(big, ea.csrf, since, "a 10,000-byte cookie");
    free(big);
    logged_out_with("Cookie: tz_session=" "0123456789abcdef0123456789abcdef"
                    "0123456789abcdef0123456789abcdef\r\n", ea.csrf, since,
                    "64 hex digits that are no session");
    logged_out_with("Cookie: tz_session=\xff\xfe\x80\r\n", ea.csrf, since,
                    "bad UTF-8");
    /* a session that logged out */
    struct who gone;
    login(tok_editor_a, &gone);
    struct tz_http_resp r;
    char *body = tz_test_path("csrf=%s", gone.csrf);
    post_form("/logout", gone.hdr, body, &r);
    cr_expect_eq(r.status, 303);
    tz_http_free(&r);
    free(body);
    logged_out_with(gone.hdr, gone.csrf, since, "a logged-out session");
    /* the first session is untouched by all this */
    get("/ledger", ea.hdr, &r);
    cr_expect_eq(r.status, 200);
    tz_http_free(&r);
    free(since);
}

Test(portal, a_revoked_users_session_and_token_end_at_once)
{
    struct who ea;
    login(tok_editor_a, &ea);
    char *since = updated_at_of(&ea, sys_a1);
    char hdr[128];
    bearer(tok_editor_a, hdr, sizeof(hdr));
    struct tz_http_resp r;
    get("/api/v1/me", hdr, &r);   /* the bearer is cached from here on */
    cr_expect_eq(r.status, 200);
    tz_http_free(&r);
    free(tz_test_tzctl(data, 0, "user", "revoke", "editor-a", (const char *)NULL));
    logged_out_with(ea.hdr, ea.csrf, since, "a revoked user's session");
    get("/api/v1/me", hdr, &r);
    cr_expect_eq(r.status, 401, "a revoked user's cached bearer token: %d", r.status);
    tz_http_free(&r);
    /* nor can it log in again */
    struct tz_http_resp f;
    get("/", NULL, &f);
    char *pre = set_cookie(&f, "tz_login"), *csrf = form_value(f.body, "csrf");
    char *h = tz_test_path("Cookie: tz_login=%s\r\n", pre);
    char *body = tz_test_path("token=%s&csrf=%s", tok_editor_a, csrf);
    post_form("/login", h, body, &r);
    cr_expect_eq(r.status, 403);
    cr_expect_null(set_cookie(&r, "tz_session"));
    tz_http_free(&r);
    tz_http_free(&f);
    free(body);
    free(h);
    free(csrf);
    free(pre);
    free(since);
}

Test(portal, forged_missing_and_foreign_csrf_tokens_write_nothing)
{
    struct who ea, other;
    login(tok_editor_a, &ea);
    login(tok_editor_a, &other);   /* the same person, another session */
    struct who va;
    login(tok_viewer_a, &va);
    char *since = updated_at_of(&ea, sys_a1);
    char *p = idpath("/systems/", sys_a1, "");
    const char *forged[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        other.csrf, va.csrf, "", "abc",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"};
    struct tz_http_resp r;
    for (size_t i = 0; i < N(forged); i++) {
        char *body = tz_test_path("csrf=%s&revision=%s&owner=hostile", forged[i],
                                  since);
        post_form(p, ea.hdr, body, &r);
        cr_expect_eq(r.status, 403, "csrf \"%s\": %d", forged[i], r.status);
        tz_http_free(&r);
        free(body);
    }
    char *body = tz_test_path("revision=%s&owner=hostile", since);
    post_form(p, ea.hdr, body, &r);
    cr_expect_eq(r.status, 403, "no csrf: %d", r.status);
    tz_http_free(&r);
    free(body);
    /* logout and add need theirs too */
    post_form("/logout", ea.hdr, "csrf=0000", &r);
    cr_expect_eq(r.status, 403);
    tz_http_free(&r);
    body = tz_test_path("csrf=%s&name=forged", other.csrf);
    post_form("/systems", ea.hdr, body, &r);
    cr_expect_eq(r.status, 403);
    tz_http_free(&r);
    free(body);
    /* a login form's CSRF is bound to its pre-login cookie */
    struct tz_http_resp f1, f2;
    get("/", NULL, &f1);
    get("/", NULL, &f2);
    char *pre1 = set_cookie(&f1, "tz_login"), *csrf2 = form_value(f2.body, "csrf");
    char *h = tz_test_path("Cookie: tz_login=%s\r\n", pre1);
    body = tz_test_path("token=%s&csrf=%s", tok_editor_a, csrf2);
    post_form("/login", h, body, &r);
    cr_expect_eq(r.status, 403, "another form's login csrf: %d", r.status);
    cr_expect_null(set_cookie(&r, "tz_session"));
    tz_http_free(&r);
    free(body);
    free(h);
    free(pre1);
    free(csrf2);
    tz_http_free(&f1);
    tz_http_free(&f2);
    owner_unchanged("forged CSRF tokens");
    get("/ledger", ea.hdr, &r);   /* the session survived all that */
    cr_expect_eq(r.status, 200);
    tz_http_free(&r);
    still_serving("forged CSRF tokens");
    cJSON *all = tzctl_json("systems", NULL, NULL, NULL);
    cr_expect_eq(cJSON_GetArraySize(all), 4, "a system was added");
    cJSON_Delete(all);
    free(p);
    free(since);
}

Test(portal, bad_utf8_nul_and_dot_segments_in_paths_and_queries_are_400)
{
    struct who va;
    login(tok_viewer_a, &va);
    static const char *const bad[] = {
        "/ledger?dept=%00", "/ledger?dept=A%00B", "/ledger?dept=%FF%FE",
        "/ledger?dept=%C0%AF", "/ledger?dept=%E8%AE", "/flags?rule=%ED%A0%80",
        "/hosts?x=%zz", "/hosts/1%00", "/hosts%2F1", "/systems/%2F..",
        "/systems/1/..", "/systems/../hosts", "/../etc/passwd", "/./ledger",
        "/%2E%2E/ledger", "/ledger/%FF", "/api/v1/systems?dept=%00",
        "/api/v1/hosts?q=%FF", "/api/v1/%2E%2E/v1/hosts", "/export.csv?dept=%C3",
        "/hosts/%E0%80%80"};
    for (size_t i = 0; i < N(bad); i++) {
        struct tz_http_resp r;
        get(bad[i], va.hdr, &r);
        cr_expect_eq(r.status, 400, "GET %s: %d %s", bad[i], r.status, r.body);
        no_b(bad[i], r.body, r.body_len);
        tz_http_free(&r);
    }
    /* raw bytes that were never %-encoded */
    static const char *const raw[] = {"/ledger?dept=\xff", "/hosts/\xc0\xaf",
                                      "/ledger?dept=\xe8\xae"};
    for (size_t i = 0; i < N(raw); i++) {
        struct tz_http_resp r;
        get(raw[i], va.hdr, &r);
        cr_expect(r.status == 400, "GET raw bytes #%zu: %d %s", i, r.status, r.body);
        tz_http_free(&r);
    }
    /* a POST whose form has a NUL or bad UTF-8 writes nothing */
    struct who ea;
    login(tok_editor_a, &ea);
    char *since = updated_at_of(&ea, sys_a1);
    char *p = idpath("/systems/", sys_a1, "");
    static const char *const owners[] = {"a%00b", "%FF", "%E8%AE"};
    for (size_t i = 0; i < N(owners); i++) {
        char *body = tz_test_path("csrf=%s&revision=%s&owner=%s", ea.csrf, since,
                                  owners[i]);
        struct tz_http_resp r;
        post_form(p, ea.hdr, body, &r);
        cr_expect_eq(r.status, 400, "owner=%s: %d", owners[i], r.status);
        tz_http_free(&r);
        free(body);
    }
    owner_unchanged("bad bytes in a form");
    still_serving("bad paths");
    free(p);
    free(since);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_portal(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    return fd;
}

/* 1 when the server closed fd (or reset it) within ms. */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[4096];
    long long end = now_ms() + ms;
    while (now_ms() < end) {
        if (poll(&p, 1, (int)(end - now_ms())) <= 0)
            return 0;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return 1;
    }
    return 0;
}

Test(portal, a_slow_client_blocks_nobody_and_is_cut_off)
{
    /* a byte a second, then silence */
    int slow = connect_portal();
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        const char *req = "GET /ledger HTTP/1.1\r\n";
        for (int i = 0; i < 4; i++) {
            if (send(slow, req + i, 1, MSG_NOSIGNAL) != 1)
                _exit(1);
            sleep(1);
        }
        _exit(0);
    }
    usleep(200 * 1000);
    struct who va;
    login(tok_viewer_a, &va);
    for (int i = 0; i < 5; i++) {
        long long t0 = now_ms();
        struct tz_http_resp r;
        tz_http(port, "GET", "/ledger", va.hdr, NULL, 0, 1000, &r);
        cr_expect_eq(r.status, 200, "request %d beside a slow client: %d", i, r.status);
        cr_expect_lt(now_ms() - t0, 500, "request %d took %lld ms", i, now_ms() - t0);
        tz_http_free(&r);
    }
    int st;
    waitpid(child, &st, 0);
    /* [portal] timeout = 2: idle for 2 s, it is closed */
    cr_expect(closed_within(slow, 4000), "a silent slow client was not cut off");
    close(slow);
    still_serving("a slow client");
}

Test(portal, more_connections_than_allowed_from_one_address_pass_once_closed)
{
    /* per_ip_connections = 6: hold 6 idle connections open */
    int fds[6];
    for (int i = 0; i < 6; i++)
        fds[i] = connect_portal();
    usleep(100 * 1000);
    struct tz_http_resp r;
    tz_http(port, "GET", "/", NULL, NULL, 0, 1000, &r);
    cr_expect_eq(r.status, 0, "a 7th connection from one address was served: %d",
                 r.status);
    tz_http_free(&r);
    for (int i = 0; i < 6; i++)
        close(fds[i]);
    usleep(100 * 1000);
    for (int i = 0; i < 10; i++) {
        tz_http(port, "GET", "/", NULL, NULL, 0, 2000, &r);
        cr_expect_eq(r.status, 200, "request %d after the connections closed: %d", i,
                     r.status);
        tz_http_free(&r);
    }
}
