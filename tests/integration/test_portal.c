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
        "/report.json?from=2026-01-01&to=2026-12-31&dept=" DEPT_A, NULL};
    char **v = calloc(64, sizeof(*v));
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
    }
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
        /* a viewer may not open the form that adds a system */
        int want = !editor && strcmp(v[i], "/systems/new") == 0 ? 403 : 200;
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
                                        "/export.json"};
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
        }
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
