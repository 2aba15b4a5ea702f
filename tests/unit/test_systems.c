/* test_systems — the ledger in the register: systems added, found, changed
 * and retired; an import stores all rows or none; and a host's system is
 * resolved explicit > config > match, with the source that decided it. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include "ledger_fields.h"
#include "record_asof.h"
#include "register.h"
#include "system_index.h"
#include "system_match.h"
#include "tz_test.h"

#define NOW 1700000000

static char *dir;
static struct tz_register *reg;
static struct tz_error err;

static void setup(void)
{
    unsetenv("TZ_REGISTER_MAPSIZE");
    dir = tz_test_tmpdir("systems");
    memset(&err, 0, sizeof(err));
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "math", NOW, &err), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, &err), 0);
}

static void teardown(void)
{
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(systems, .init = setup, .fini = teardown);

/* A record with name and dept and "k=v" pairs after them. */
static Tz__SystemRecord *sys_rec(const char *name, const char *dept, ...)
{
    Tz__SystemRecord *r = ledger_record_new();
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(r, "name", name, why, sizeof(why)), 0);
    cr_assert_eq(ledger_field_set(r, "dept", dept, why, sizeof(why)), 0);
    va_list ap;
    va_start(ap, dept);
    for (const char *kv; (kv = va_arg(ap, const char *)) != NULL;) {
        char key[64];
        const char *eq = strchr(kv, '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
        cr_assert_eq(ledger_field_set(r, key, eq + 1, why, sizeof(why)), 0,
                     "%s: %s", kv, why);
    }
    va_end(ap);
    return r;
}

static uint64_t add(const char *name, const char *dept, const char *kv1,
                    const char *kv2)
{
    Tz__SystemRecord *r = sys_rec(name, dept, kv1, kv2, (const char *)NULL);
    uint64_t id = 0;
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), 0, "%s",
                 err.msg);
    ledger_record_free(r);
    return id;
}

static int count_cb(const Tz__SystemRecord *rec, void *arg)
{
    (void)rec;
    (*(int *)arg)++;
    return 0;
}

static int count_systems(const char *dept)
{
    int n = 0;
    cr_assert_eq(register_each_system(reg, dept, count_cb, &n, &err), 0);
    return n;
}

Test(systems, add_get_find_and_put_keep_every_field)
{
    Tz__SystemRecord *r = sys_rec("教务系统", "math", "owner=张三",
                                  "ips=10.1.0.0/16, 2001:db8::1",
                                  "domains=https://jwc.example.edu.cn/",
                                  "mlps_grade=三级", "定级备案日期=2024/3/1",
                                  "用途=选课\n成绩", "上线前审查=通过",
                                  (const char *)NULL);
    r->system_id = 99;  /* ignored: the register assigns ids */
    uint64_t id;
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(id, 1);
    ledger_record_free(r);

    Tz__SystemRecord *g;
    cr_assert_eq(register_system_get(reg, 1, &g, &err), 0, "%s", err.msg);
    cr_assert_eq(g->system_id, 1);
    cr_assert_str_eq(g->name, "教务系统");
    cr_assert_str_eq(g->owner, "张三");
    cr_assert_eq(g->n_ips, 2);
    cr_assert_str_eq(g->ips[1], "2001:db8::1");
    cr_assert_str_eq(g->domains[0], "https://jwc.example.edu.cn/");
    cr_assert_eq(g->mlps_grade, 3);
    cr_assert_str_eq(g->purpose, "选课\n成绩");
    cr_assert_str_eq(g->prelaunch->status, "passed");
    cr_assert_str_eq(g->status, "live");
    cr_assert_eq(g->created_at, NOW);
    cr_assert_eq(g->updated_at, NOW);

    uint64_t f;
    cr_assert_eq(register_system_find(reg, "教务系统", &f, &err), 0);
    cr_assert_eq(f, 1);
    cr_assert_eq(register_system_find(reg, "1", &f, &err), 0);
    cr_assert_eq(f, 1);
    cr_assert_eq(register_system_find(reg, "2", &f, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "no system with id 2");
    cr_assert_eq(register_system_find(reg, "教务", &f, &err), TZ_ENOENT);

    /* put: a changed field, created_at kept, updated_at moved */
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(g, "owner", "李四", why, sizeof(why)), 0);
    g->created_at = 5;
    cr_assert_eq(register_system_put(reg, g, NOW + 60, 0, NULL, &err), 0, "%s",
                 err.msg);
    ledger_record_free(g);
    cr_assert_eq(register_system_get(reg, 1, &g, &err), 0);
    cr_assert_str_eq(g->owner, "李四");
    cr_assert_eq(g->created_at, NOW);
    cr_assert_eq(g->updated_at, NOW + 60);
    g->system_id = 7;
    cr_assert_eq(register_system_put(reg, g, NOW, 0, NULL, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "no system with id 7");
    ledger_record_free(g);
    cr_assert_eq(register_system_get(reg, 7, &g, &err), TZ_ENOENT);
    cr_assert_null(g);
}

Test(systems, dept_must_exist_and_names_are_unique_per_dept)
{
    Tz__SystemRecord *r = sys_rec("邮件", "nope", (const char *)NULL);
    uint64_t id;
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), TZ_ENOENT);
    cr_assert(strstr(err.msg, "no department \"nope\""), "%s", err.msg);
    ledger_record_free(r);

    cr_assert_eq(add("邮件", "math", NULL, NULL), 1);
    r = sys_rec("邮件", "math", (const char *)NULL);
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), TZ_EEXIST);
    cr_assert_str_eq(err.msg, "math already has a system named \"邮件\" "
                              "(id 1)");
    ledger_record_free(r);
    /* the same name in another department is another system */
    cr_assert_eq(add("邮件", "计算机学院", NULL, NULL), 2);
    uint64_t f;
    cr_assert_eq(register_system_find(reg, "邮件", &f, &err), TZ_EINVAL);
    cr_assert_str_eq(err.msg, "2 systems are named \"邮件\" (ids 1, 2): "
                              "give the id");

    /* renaming onto another system's name is refused too */
    cr_assert_eq(add("网站", "math", NULL, NULL), 3);
    Tz__SystemRecord *g;
    cr_assert_eq(register_system_get(reg, 3, &g, &err), 0);
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(g, "name", "邮件", why, sizeof(why)), 0);
    cr_assert_eq(register_system_put(reg, g, NOW, 0, NULL, &err), TZ_EEXIST);
    ledger_record_free(g);
}

Test(systems, a_record_the_ledger_refuses_is_not_stored)
{
    Tz__SystemRecord *r = sys_rec("x", "math", (const char *)NULL);
    r->mlps_grade = 7;
    uint64_t id;
    cr_assert_eq(register_system_add(reg, r, NOW, NULL, &id, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "等保等级 (mlps_grade)"), "%s", err.msg);
    ledger_record_free(r);
    cr_assert_eq(count_systems(NULL), 0);
}

Test(systems, retire_keeps_the_record_and_lists_filter_by_dept)
{
    add("a", "math", NULL, NULL);
    add("b", "计算机学院", NULL, NULL);
    add("c", "math", NULL, NULL);
    Tz__SystemRecord *g;
    cr_assert_eq(register_system_get(reg, 1, &g, &err), 0);
    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(g, "status", "下线", why, sizeof(why)), 0);
    cr_assert_eq(register_system_put(reg, g, NOW, 0, NULL, &err), 0);
    ledger_record_free(g);
    cr_assert_eq(register_system_get(reg, 1, &g, &err), 0);
    cr_assert_str_eq(g->status, "retired");
    ledger_record_free(g);
    cr_assert_eq(count_systems(NULL), 3);
    cr_assert_eq(count_systems("math"), 2);
    cr_assert_eq(count_systems("计算机学院"), 1);
    cr_assert_eq(count_systems("nope"), 0);
}

Test(systems, import_stores_all_or_nothing)
{
    add("old", "math", NULL, NULL);
    Tz__SystemRecord *recs[3] = {
        sys_rec("n1", "math", (const char *)NULL),
        sys_rec("n2", "计算机学院", (const char *)NULL),
        sys_rec("n3", "physics", (const char *)NULL)};
    cr_assert_eq(register_systems_import(reg, recs, 3, NOW, NULL, &err), TZ_ENOENT);
    cr_assert(strstr(err.msg, "record 3 (n3): no department \"physics\""),
              "%s", err.msg);
    cr_assert_eq(count_systems(NULL), 1, "nothing of the import stored");

    char why[LEDGER_WHY];
    cr_assert_eq(ledger_field_set(recs[2], "dept", "math", why, sizeof(why)),
                 0);
    cr_assert_eq(ledger_field_set(recs[2], "name", "old", why, sizeof(why)),
                 0);
    cr_assert_eq(register_systems_import(reg, recs, 3, NOW, NULL, &err), TZ_EEXIST);
    cr_assert(strstr(err.msg, "already has a system named \"old\""), "%s",
              err.msg);
    cr_assert_eq(ledger_field_set(recs[2], "name", "n1", why, sizeof(why)),
                 0);
    cr_assert_eq(register_systems_import(reg, recs, 3, NOW, NULL, &err), TZ_EEXIST);
    cr_assert(strstr(err.msg, "\"n1\" of math is in the import twice"), "%s",
              err.msg);
    cr_assert_eq(count_systems(NULL), 1);

    cr_assert_eq(ledger_field_set(recs[2], "name", "n3", why, sizeof(why)),
                 0);
    cr_assert_eq(register_systems_import(reg, recs, 3, NOW + 1, NULL, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(count_systems(NULL), 4);
    /* ids follow the file's order, after the ones already used */
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(recs[i]->system_id, (uint64_t)i + 2);
        Tz__SystemRecord *g;
        cr_assert_eq(register_system_get(reg, recs[i]->system_id, &g, &err),
                     0);
        cr_assert_str_eq(g->name, recs[i]->name);
        cr_assert_eq(g->created_at, NOW + 1);
        ledger_record_free(g);
        ledger_record_free(recs[i]);
    }
    cr_assert_eq(add("after", "math", NULL, NULL), 5,
                 "failed imports used no ids");
}

Test(systems, read_only_register_refuses_writes)
{
    struct tz_register *ro;
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &ro, &err), 0);
    Tz__SystemRecord *r = sys_rec("x", "math", (const char *)NULL);
    uint64_t id;
    cr_assert_eq(register_system_add(ro, r, NOW, NULL, &id, &err), TZ_EPERM);
    ledger_record_free(r);
    register_close(ro);
}

/* ---- hosts and bindings ---- */

static void put(struct register_item *it)
{
    cr_assert_eq(register_put_batch(reg, it, 1, NOW, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(it->status, TZ__STATUS__OK, "%s", it->detail);
}

static uint64_t enroll(int pk, const char *dept)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, dept, NOW, tok, &err), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = "h";
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    memset(it.agent_pk, pk, 32);
    put(&it);
    return it.agent_id;
}

/* A report naming the host, its eth0 addresses and its config's system. */
static void report(int pk, uint64_t seq, const char *hostname,
                   const char *v4, const char *v6, uint64_t system_id)
{
    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)hostname;
    Tz__Interface eth = TZ__INTERFACE__INIT, lo = TZ__INTERFACE__INIT;
    Tz__Interface *ifp[2] = {&lo, &eth};
    char *a4[] = {(char *)v4}, *a6[] = {(char *)v6}, *l4[] = {"127.0.0.1/8"};
    lo.name = "lo";
    lo.loopback = 1;
    lo.ipv4 = l4;
    lo.n_ipv4 = 1;
    eth.name = "eth0";
    eth.ipv4 = a4;
    eth.n_ipv4 = v4 ? 1 : 0;
    eth.ipv6 = a6;
    eth.n_ipv6 = v6 ? 1 : 0;
    Tz__InterfacesSection ifs = TZ__INTERFACES_SECTION__INIT;
    ifs.interfaces = ifp;
    ifs.n_interfaces = 2;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    r.interfaces = &ifs;
    r.system_id = system_id;
    struct register_item it = {.kind = ITEM_REPORT, .seq = seq, .report = &r};
    memset(it.agent_pk, pk, 32);
    put(&it);
}

static void expect_binding(uint64_t host, uint64_t sid,
                           Tz__BindingSource src)
{
    uint64_t got = 77;
    Tz__BindingSource gs = 77;
    cr_assert_eq(register_host_binding(reg, host, &got, &gs, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(got, sid, "host %llu: system %llu, want %llu",
                 (unsigned long long)host, (unsigned long long)got,
                 (unsigned long long)sid);
    cr_assert_eq(gs, src, "host %llu: source %d, want %d",
                 (unsigned long long)host, gs, src);
}

static void retire(uint64_t id)
{
    Tz__SystemRecord *g;
    char why[LEDGER_WHY];
    cr_assert_eq(register_system_get(reg, id, &g, &err), 0);
    cr_assert_eq(ledger_field_set(g, "status", "retired", why, sizeof(why)),
                 0);
    cr_assert_eq(register_system_put(reg, g, NOW, 0, NULL, &err), 0);
    ledger_record_free(g);
}

Test(systems, binding_order_is_explicit_then_config_then_match)
{
    uint64_t cidr = add("cidr", "math", "ips=10.1.0.0/16", NULL);
    uint64_t conf = add("conf", "math", NULL, NULL);
    uint64_t expl = add("expl", "math", NULL, NULL);
    uint64_t url = add("url", "math",
                       "domains=x.example.edu.cn; "
                       "https://WEB01.math.example.edu.cn:8443/login", NULL);
    uint64_t h = enroll(1, "math");
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);  /* no report yet */
    report(1, 2, "web01.math.example.edu.cn", "10.1.2.3/24", NULL, conf);

    expect_binding(h, conf, TZ__BINDING_SOURCE__BIND_CONFIG);
    cr_assert_eq(register_bind(reg, h, expl, "admin", NOW, &err), 0, "%s",
                 err.msg);
    expect_binding(h, expl, TZ__BINDING_SOURCE__BIND_EXPLICIT);
    cr_assert_eq(register_unbind(reg, h, "admin", NOW, &err), 0);
    expect_binding(h, conf, TZ__BINDING_SOURCE__BIND_CONFIG);
    cr_assert_eq(register_unbind(reg, h, "admin", NOW, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "host 1 has no explicit binding");

    /* a retired config system gives way to a match: the lowest id wins
     * between the CIDR match (1) and the URL match (4) */
    retire(conf);
    expect_binding(h, cidr, TZ__BINDING_SOURCE__BIND_MATCH);
    retire(cidr);
    expect_binding(h, url, TZ__BINDING_SOURCE__BIND_MATCH);
    retire(url);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);

    /* an explicit binding stays even after its system is retired */
    cr_assert_eq(register_bind(reg, h, expl, NULL, NOW, &err), 0);
    retire(expl);
    expect_binding(h, expl, TZ__BINDING_SOURCE__BIND_EXPLICIT);
}

Test(systems, config_naming_a_missing_system_falls_to_the_match)
{
    uint64_t v6 = add("v6", "math", "ips=2001:db8:1::/48", NULL);
    uint64_t h = enroll(2, "math");
    report(2, 2, "db01", NULL, "2001:db8:1:2::5/64", 42);
    expect_binding(h, v6, TZ__BINDING_SOURCE__BIND_MATCH);
    /* the latest report decides: a later one without a config id */
    uint64_t conf = add("conf", "math", NULL, NULL);
    report(2, 3, "db01", NULL, "2001:db8:1:2::5/64", conf);
    expect_binding(h, conf, TZ__BINDING_SOURCE__BIND_CONFIG);
    report(2, 4, "db01", NULL, "2001:db8:1:2::5/64", 0);
    expect_binding(h, v6, TZ__BINDING_SOURCE__BIND_MATCH);
}

Test(systems, matches_need_a_real_overlap)
{
    add("other-net", "math", "ips=10.2.0.0/16, 10.1.2.4", NULL);
    add("other-host", "math", "domains=https://example.edu.cn/web01", NULL);
    add("loopback", "math", "ips=127.0.0.0/8", NULL);
    uint64_t h = enroll(3, "math");
    report(3, 2, "web01", "10.1.2.3/24", NULL, 0);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);
}

/* A ledger row's IP地址 of "10.1.2.10-10.1.2.20" binds the hosts from the
 * first to the last address, both included, and none just outside. */
Test(systems, ranges_bind_exactly_the_hosts_inside_them)
{
    uint64_t v4 = add("v4-range", "math", "ips=10.1.2.10 - 10.1.2.20", NULL);
    uint64_t v6 = add("v6-range", "math",
                      "ips=2001:db8::10-2001:db8::1f, 10.3.0.1-3", NULL);
    const struct {
        const char *v4, *v6;
        uint64_t want;
    } hosts[] = {
        {"10.1.2.10/24", NULL, v4},  {"10.1.2.20/24", NULL, v4},
        {"10.1.2.15/24", NULL, v4},  {"10.1.2.9/24", NULL, 0},
        {"10.1.2.21/24", NULL, 0},   {NULL, "2001:db8::10/64", v6},
        {NULL, "2001:db8::1f/64", v6}, {NULL, "2001:db8::f/64", 0},
        {NULL, "2001:db8::20/64", 0}, {"10.3.0.3/24", NULL, v6},
        {"10.3.0.4/24", NULL, 0},
    };
    for (size_t i = 0; i < sizeof(hosts) / sizeof(*hosts); i++) {
        uint64_t h = enroll(40 + (int)i, "math");
        report(40 + (int)i, 2, "h", hosts[i].v4, hosts[i].v6, 0);
        expect_binding(h, hosts[i].want,
                       hosts[i].want ? TZ__BINDING_SOURCE__BIND_MATCH
                                     : TZ__BINDING_SOURCE__BIND_NONE);
    }
}

Test(systems, bind_refuses_unknown_hosts_systems_and_retired_systems)
{
    uint64_t s = add("s", "math", NULL, NULL);
    uint64_t h = enroll(4, "math");
    cr_assert_eq(register_bind(reg, 99, s, "x", NOW, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "no host with id 99");
    cr_assert_eq(register_bind(reg, h, 99, "x", NOW, &err), TZ_ENOENT);
    cr_assert_str_eq(err.msg, "no system with id 99");
    cr_assert_eq(register_bind(reg, h, s, "bad\x1bname", NOW, &err),
                 TZ_EINVAL);
    retire(s);
    cr_assert_eq(register_bind(reg, h, s, "x", NOW, &err), TZ_EINVAL);
    cr_assert(strstr(err.msg, "is retired"), "%s", err.msg);
    uint64_t sid;
    Tz__BindingSource src;
    cr_assert_eq(register_host_binding(reg, 99, &sid, &src, &err), TZ_ENOENT);
}

struct seen {
    uint64_t host[8], sid[8];
    Tz__BindingSource src[8];
    int n;
};

static int seen_cb(const Tz__AgentRecord *host, uint64_t sid,
                   Tz__BindingSource src, void *arg)
{
    struct seen *s = arg;
    cr_assert_lt(s->n, 8);
    s->host[s->n] = host->agent_id;
    s->sid[s->n] = sid;
    s->src[s->n++] = src;
    return 0;
}

Test(systems, every_host_binding_in_one_walk)
{
    uint64_t net = add("net", "math", "ips=10.0.0.0/8", NULL);
    uint64_t web = add("web", "计算机学院", "domains=web.cs.example.edu.cn",
                       NULL);
    uint64_t a = enroll(5, "math"), b = enroll(6, "计算机学院"),
             c = enroll(7, "计算机学院");
    report(5, 2, "a", "10.9.9.9/8", NULL, 0);
    report(6, 2, "web.cs.example.edu.cn", "192.0.2.1/24", NULL, 0);
    cr_assert_eq(register_bind(reg, c, net, "op", NOW, &err), 0);
    struct seen s = {0};
    cr_assert_eq(register_each_host_binding(reg, NULL, seen_cb, &s, &err), 0);
    cr_assert_eq(s.n, 3);
    cr_assert_eq(s.host[0], a);
    cr_assert_eq(s.sid[0], net);
    cr_assert_eq(s.src[0], TZ__BINDING_SOURCE__BIND_MATCH);
    cr_assert_eq(s.host[1], b);
    cr_assert_eq(s.sid[1], web);
    cr_assert_eq(s.src[1], TZ__BINDING_SOURCE__BIND_MATCH);
    cr_assert_eq(s.host[2], c);
    cr_assert_eq(s.sid[2], net);
    cr_assert_eq(s.src[2], TZ__BINDING_SOURCE__BIND_EXPLICIT);
    memset(&s, 0, sizeof(s));
    cr_assert_eq(register_each_host_binding(reg, "math", seen_cb, &s, &err),
                 0);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.host[0], a);
}

/* ---- the cached systems index ---- */

Test(systems, a_system_added_by_another_process_is_seen_by_the_next_lookup)
{
    uint64_t h = enroll(8, "math");
    report(8, 2, "db01.example.edu.cn", "10.7.1.9/24", NULL, 0);
    add("elsewhere", "math", "ips=10.8.0.0/16", NULL);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);  /* index cached */

    /* tzctl in another process: its own handle, its own transaction */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct tz_register *other;
        struct tz_error e = {0};
        Tz__SystemRecord *r = sys_rec("db", "math", "ips=10.7.0.0/16",
                                      (const char *)NULL);
        uint64_t id = 0;
        int ok = register_open(dir, 0, &other, &e) == 0 &&
                 register_system_add(other, r, NOW, NULL, &id, &e) == 0 && id == 2;
        register_close(other);
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    expect_binding(h, 2, TZ__BINDING_SOURCE__BIND_MATCH);

    /* and a retirement from there too */
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct tz_register *other;
        struct tz_error e = {0};
        Tz__SystemRecord *g = NULL;
        char why[LEDGER_WHY];
        int ok = register_open(dir, 0, &other, &e) == 0 &&
                 register_system_get(other, 2, &g, &e) == 0 &&
                 ledger_field_set(g, "status", "retired", why,
                                  sizeof(why)) == 0 &&
                 register_system_put(other, g, NOW, 0, NULL, &e) == 0;
        register_close(other);
        _exit(ok ? 0 : 1);
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);
}

/* The index must answer what a walk over every system with system_match.h
 * answers: lowest non-retired id containing an address or naming the host. */
static uint64_t brute(Tz__SystemRecord **recs, size_t n,
                      const struct sm_net *ips, size_t nips, const char *host)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(recs[i]->status, "retired") == 0)
            continue;
        for (size_t j = 0; j < recs[i]->n_ips; j++) {
            struct sm_range r;
            if (sm_item_parse(recs[i]->ips[j], &r, NULL, NULL, 0) != 0)
                continue;
            for (size_t k = 0; k < nips; k++)
                if (sm_range_contains(&r, &ips[k]))
                    return recs[i]->system_id;
        }
        for (size_t j = 0; j < recs[i]->n_domains; j++)
            if (sm_host_matches(recs[i]->domains[j], host))
                return recs[i]->system_id;
    }
    return 0;
}

Test(systems, index_agrees_with_matching_every_system)
{
    static const char *const nets[] = {
        "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "10.1.2.128/25",
        "192.0.2.0/23", "0.0.0.0/0", "2001:db8::/32", "2001:db8:1::/48",
        "2001:db8:1:2::5", "fe80::/10", "10.200.0.0/13",
        "10.1.2.100-10.1.2.199", "10.1.2.3-9", "192.0.2.255-192.0.3.0",
        "2001:db8:1:2::1-2001:db8:1:2::4"};
    static const char *const names[] = {
        "web01.example.edu.cn", "https://WEB02.example.edu.cn:8443/x",
        "http://user@db.example.edu.cn/", "[2001:db8::9]:80", "a.b.",
        "example.edu.cn"};
    size_t n = 40;
    Tz__SystemRecord **recs = calloc(n, sizeof(*recs));
    Tz__SystemRecord **copy = calloc(n, sizeof(*copy));
    srand(7);
    for (size_t i = 0; i < n; i++) {
        recs[i] = ledger_record_new();
        recs[i]->system_id = i + 1;
        free(recs[i]->status);
        recs[i]->status = strdup(rand() % 5 == 0 ? "retired" : "live");
        size_t ni = (size_t)(rand() % 3), nd = (size_t)(rand() % 2);
        recs[i]->ips = calloc(ni ? ni : 1, sizeof(char *));
        for (size_t j = 0; j < ni; j++)
            recs[i]->ips[recs[i]->n_ips++] =
                strdup(nets[rand() % (int)(sizeof(nets) / sizeof(*nets))]);
        recs[i]->domains = calloc(nd ? nd : 1, sizeof(char *));
        for (size_t j = 0; j < nd; j++)
            recs[i]->domains[recs[i]->n_domains++] =
                strdup(names[rand() % (int)(sizeof(names) / sizeof(*names))]);
        copy[i] = recs[i];
    }
    struct sys_index *ix;
    cr_assert_eq(sys_index_build(copy, n, &ix), 0);
    static const char *const addrs[] = {
        "10.1.2.3", "10.1.2.200", "10.1.9.9", "10.9.9.9", "192.0.3.1",
        "8.8.8.8", "2001:db8::1", "2001:db8:1:2::5", "2001:db8:1:3::1",
        "fe80::1", "::1", "10.207.1.1", "10.208.0.1", "10.1.2.99",
        "10.1.2.100", "10.1.2.199", "10.1.2.9", "10.1.2.10", "192.0.2.255",
        "192.0.3.0", "2001:db8:1:2::4", "2001:db8:1:2::6"};
    static const char *const hosts[] = {
        "web01.example.edu.cn", "WEB02.example.edu.cn.", "db.example.edu.cn",
        "2001:db8::9", "a.b", "a.b.", "example.edu.cn", "", "other"};
    for (size_t a = 0; a < sizeof(addrs) / sizeof(*addrs); a++)
        for (size_t b = 0; b < sizeof(hosts) / sizeof(*hosts); b++) {
            struct sm_net ip;
            cr_assert_eq(sm_net_parse(addrs[a], &ip, NULL, 0), 0);
            uint64_t want = brute(recs, n, &ip, 1, hosts[b]);
            uint64_t got = sys_index_match(ix, &ip, 1, hosts[b]);
            /* brute stops at the first system; ids ascend, so that is the
             * lowest too */
            cr_assert_eq(got, want, "%s %s: index %llu, walk %llu", addrs[a],
                         hosts[b], (unsigned long long)got,
                         (unsigned long long)want);
        }
    cr_assert_not_null(sys_index_get(ix, 1));
    cr_assert_null(sys_index_get(ix, n + 1));
    sys_index_free(ix);   /* frees the records */
    free(copy);
    free(recs);
}

/* ---- flags_scope: a ledger change re-evaluates only what it touched ---- */

#include "flags_scope.h"
#include "rules_config.h"

struct flag_subjects {
    int sys[8], host[8];   /* open flags per subject id (ids < 8 here) */
};

static int subject_cb(const Tz__FlagRecord *f, void *arg)
{
    struct flag_subjects *s = arg;
    if (f->subject_id < 8) {
        if (f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM)
            s->sys[f->subject_id]++;
        else
            s->host[f->subject_id]++;
    }
    return 0;
}

static void scoped_update(const struct rules_config *cfg, struct flags_scope *before,
                          size_t want_sys, size_t want_hosts)
{
    struct flags_scope_stats st = {99, 99};
    cr_assert_eq(flags_scope_update(reg, cfg, before, NOW, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.systems, want_sys, "systems %zu, want %zu", st.systems, want_sys);
    cr_assert_eq(st.hosts, want_hosts, "hosts %zu, want %zu", st.hosts, want_hosts);
    flags_scope_free(before);
}

static struct flags_scope *snapshot(void)
{
    struct flags_scope *s = NULL;
    cr_assert_eq(flags_scope_take(reg, &s, &err), 0, "%s", err.msg);
    return s;
}

Test(systems, flags_scope_evaluates_only_what_a_change_touched)
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    uint64_t a = add("a", "math", "ips=10.1.0.0/16", NULL);
    uint64_t b = add("b", "math", "ips=10.2.0.0/16", NULL);
    add("c", "math", "ips=10.3.0.0/16", NULL);
    uint64_t h1 = enroll(1, "math"), h2 = enroll(2, "math"), h3 = enroll(3, "math");
    report(1, 2, "h1", "10.1.0.5/24", NULL, 0);
    report(2, 2, "h2", "10.2.0.5/24", NULL, 0);
    report(3, 2, "h3", "10.9.0.1/24", NULL, 0);
    cr_assert(h3 < 8);

    /* Nothing changed: nothing evaluated. */
    scoped_update(&cfg, snapshot(), 0, 0);

    /* A's record changes: A and the host bound to it, nothing else. */
    struct flags_scope *before = snapshot();
    Tz__SystemRecord *g;
    char why[LEDGER_WHY];
    cr_assert_eq(register_system_get(reg, a, &g, &err), 0);
    cr_assert_eq(ledger_field_set(g, "owner", "王芳", why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(register_system_put(reg, g, NOW + 1, 0, NULL, &err), 0, "%s", err.msg);
    ledger_record_free(g);
    scoped_update(&cfg, before, 1, 1);
    struct flag_subjects fs = {0};
    cr_assert_eq(register_each_flag(reg, 0, subject_cb, &fs, &err), 0);
    cr_assert_gt(fs.sys[a], 0, "system a was evaluated (a new system misses filing)");
    cr_assert_eq(fs.sys[b], 0, "system b was not touched");
    cr_assert_eq(fs.host[h2] + fs.host[h3], 0, "hosts of other systems were not touched");
    (void)h1;

    /* B moves to h3's network: B, h2 (left it) and h3 (joined it). */
    before = snapshot();
    cr_assert_eq(register_system_get(reg, b, &g, &err), 0);
    cr_assert_eq(ledger_field_set(g, "ips", "10.9.0.0/16", why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(register_system_put(reg, g, NOW + 2, 0, NULL, &err), 0, "%s", err.msg);
    ledger_record_free(g);
    scoped_update(&cfg, before, 1, 2);
    expect_binding(h3, b, TZ__BINDING_SOURCE__BIND_MATCH);

    /* An explicit binding: the host only (both systems' records unchanged). */
    before = snapshot();
    cr_assert_eq(register_bind(reg, h2, a, "test", NOW + 3, &err), 0, "%s", err.msg);
    scoped_update(&cfg, before, 0, 1);
}

/* ---- departments: config and match bind only within the host's (finding 2) ---- */

#include "flags_update.h"

static struct register_binding binding_of(uint64_t host)
{
    struct register_binding b;
    cr_assert_eq(register_binding_of(reg, host, &b, &err), 0, "%s", err.msg);
    return b;
}

struct open_flag {
    const char *id;
    uint64_t host;
    int open;
    char evidence[512];
};

static int find_flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct open_flag *o = arg;
    if (f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST &&
        f->subject_id == o->host && strcmp(f->id, o->id) == 0 &&
        f->closed_at == 0) {
        o->open++;
        snprintf(o->evidence, sizeof(o->evidence), "%s", f->evidence);
    }
    return 0;
}

/* Is flag id open on host? Its evidence into ev (may be NULL). */
static int flag_open(const char *id, uint64_t host, char ev[512])
{
    struct open_flag o = {.id = id, .host = host};
    cr_assert_eq(register_each_flag(reg, 0, find_flag_cb, &o, &err), 0, "%s", err.msg);
    if (ev)
        memcpy(ev, o.evidence, sizeof(o.evidence));
    return o.open;
}

static void reflag(uint64_t host)
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    cr_assert_eq(flags_update_hosts(reg, &cfg, &host, 1, NOW, &err), 0, "%s", err.msg);
}

/* The attack of the review: a 计算机学院 host names a 财务处 system (one
 * with a passed pre-launch review) in its agent config. */
Test(systems, config_naming_another_departments_system_is_refused_and_flagged)
{
    cr_assert_eq(register_dept_add(reg, "财务处", NOW, &err), 0);
    uint64_t fin = add("财务系统", "财务处", "上线前审查=通过", NULL);
    uint64_t own = add("实验平台", "计算机学院", NULL, NULL);
    uint64_t h = enroll(11, "计算机学院");
    report(11, 2, "lab01", "10.5.0.1/24", NULL, fin);

    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);
    struct register_binding b = binding_of(h);
    cr_assert_eq(b.refused_id, fin);
    cr_assert_eq(b.refused_src, TZ__BINDING_SOURCE__BIND_CONFIG);

    reflag(h);
    char ev[512];
    cr_assert_eq(flag_open("UNREGISTERED_HOST", h, NULL), 1, "still unregistered");
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", h, ev), 1);
    /* both sides: the host, its department, the system, its department, how */
    cr_assert(strstr(ev, "lab01") && strstr(ev, "计算机学院") && strstr(ev, "财务系统") &&
              strstr(ev, "财务处") && strstr(ev, "config") && strstr(ev, "stays unbound"),
              "%s", ev);
    char id[32];
    snprintf(id, sizeof(id), "system %llu ", (unsigned long long)fin);
    cr_assert(strstr(ev, id), "%s", ev);

    /* the agent's config fixed: bound to its own system, the flag closes */
    report(11, 3, "lab01", "10.5.0.1/24", NULL, own);
    expect_binding(h, own, TZ__BINDING_SOURCE__BIND_CONFIG);
    reflag(h);
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", h, NULL), 0, "closed once fixed");
    cr_assert_eq(flag_open("UNREGISTERED_HOST", h, NULL), 0);
}

Test(systems, a_match_binds_within_the_hosts_department_first)
{
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, &err), 0);
    /* the other department's system has the lower id: it would win today */
    uint64_t jwc = add("教务系统", "教务处", "ips=10.6.0.0/16", NULL);
    uint64_t lab = add("实验平台", "计算机学院", "ips=10.6.1.7", NULL);
    uint64_t mine = enroll(12, "计算机学院"), theirs = enroll(13, "教务处");
    report(12, 2, "lab02", "10.6.1.7/16", NULL, 0);
    report(13, 2, "jw01", "10.6.1.7/16", NULL, 0);
    expect_binding(mine, lab, TZ__BINDING_SOURCE__BIND_MATCH);
    expect_binding(theirs, jwc, TZ__BINDING_SOURCE__BIND_MATCH);
    cr_assert_eq(binding_of(mine).refused_id, 0, "its own department's match wins quietly");
    reflag(mine);
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", mine, NULL), 0);
}

Test(systems, a_match_only_in_another_department_is_refused_until_the_ips_change)
{
    struct rules_config cfg;
    rules_config_defaults(&cfg);
    cr_assert_eq(register_dept_add(reg, "教务处", NOW, &err), 0);
    uint64_t jwc = add("教务系统", "教务处", "ips=10.7.0.0/16",
                       "domains=https://lab03.example.edu.cn/");
    uint64_t h = enroll(14, "计算机学院");
    report(14, 2, "lab03.example.edu.cn", "10.7.1.1/24", NULL, 0);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);
    struct register_binding b = binding_of(h);
    cr_assert_eq(b.refused_id, jwc);
    cr_assert_eq(b.refused_src, TZ__BINDING_SOURCE__BIND_MATCH);
    reflag(h);
    char ev[512];
    cr_assert_eq(flag_open("UNREGISTERED_HOST", h, NULL), 1);
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", h, ev), 1);
    cr_assert(strstr(ev, "教务系统") && strstr(ev, "教务处") && strstr(ev, "计算机学院") &&
              strstr(ev, "matches by address"), "%s", ev);

    /* 教务处 corrects its ledger (what tzctl system set does): the host is
     * no longer claimed, the scoped re-evaluation closes the flag */
    struct flags_scope *before = snapshot();
    Tz__SystemRecord *g;
    char why[LEDGER_WHY];
    cr_assert_eq(register_system_get(reg, jwc, &g, &err), 0);
    cr_assert_eq(ledger_field_set(g, "ips", "10.8.0.0/16", why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(ledger_field_set(g, "domains", "https://jwc.example.edu.cn/", why,
                                  sizeof(why)), 0, "%s", why);
    cr_assert_eq(register_system_put(reg, g, NOW + 1, 0, NULL, &err), 0, "%s", err.msg);
    ledger_record_free(g);
    cr_assert_eq(flags_scope_update(reg, &cfg, before, NOW + 1, NULL, &err), 0, "%s",
                 err.msg);
    flags_scope_free(before);
    cr_assert_eq(binding_of(h).refused_id, 0);
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", h, NULL), 0, "closed once fixed");
    cr_assert_eq(flag_open("UNREGISTERED_HOST", h, NULL), 1, "still in no ledger");
}

Test(systems, an_explicit_bind_crosses_departments_and_records_both)
{
    cr_assert_eq(register_dept_add(reg, "财务处", NOW, &err), 0);
    uint64_t fin = add("财务系统", "财务处", NULL, NULL);
    uint64_t h = enroll(15, "计算机学院");
    report(15, 2, "lab04", "10.9.0.1/24", NULL, fin);
    expect_binding(h, 0, TZ__BINDING_SOURCE__BIND_NONE);
    cr_assert_eq(register_bind(reg, h, fin, "网络中心-王", NOW, &err), 0, "%s", err.msg);
    expect_binding(h, fin, TZ__BINDING_SOURCE__BIND_EXPLICIT);
    Tz__BindingRecord *r;
    cr_assert_eq(register_explicit_binding(reg, h, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r->system_id, fin);
    cr_assert_str_eq(r->by, "网络中心-王");
    cr_assert_str_eq(r->host_dept, "计算机学院");
    cr_assert_str_eq(r->system_dept, "财务处");
    protobuf_c_message_free_unpacked(&r->base, NULL);
    reflag(h);
    cr_assert_eq(flag_open("BINDING_OTHER_DEPT", h, NULL), 0, "the operator's word stands");
    cr_assert_eq(register_unbind(reg, h, "admin", NOW, &err), 0);
    cr_assert_eq(register_explicit_binding(reg, h, &r, &err), TZ_ENOENT);
}

/* The department-aware match agrees with a walk over every system. */
Test(systems, index_match_in_a_department_agrees_with_a_walk)
{
    static const char *const nets[] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3",
                                       "10.1.2.0/24", "2001:db8::/32"};
    static const char *const depts[] = {"a", "b", "c"};
    size_t n = 30;
    Tz__SystemRecord **recs = calloc(n, sizeof(*recs));
    Tz__SystemRecord **copy = calloc(n, sizeof(*copy));
    srand(11);
    for (size_t i = 0; i < n; i++) {
        recs[i] = ledger_record_new();
        recs[i]->system_id = i + 1;
        recs[i]->dept = strdup(depts[rand() % 3]);  /* was the static "" */
        recs[i]->ips = calloc(2, sizeof(char *));
        for (size_t j = 0; j < 2; j++)
            recs[i]->ips[recs[i]->n_ips++] = strdup(nets[rand() % 5]);
        recs[i]->domains = calloc(1, sizeof(char *));
        if (rand() % 2)
            recs[i]->domains[recs[i]->n_domains++] = strdup("web.example.edu.cn");
        copy[i] = recs[i];
    }
    struct sys_index *ix;
    cr_assert_eq(sys_index_build(copy, n, &ix), 0);
    static const char *const addrs[] = {"10.1.2.3", "10.1.9.9", "10.9.9.9", "2001:db8::1",
                                        "192.0.2.1"};
    static const char *const hosts[] = {"web.example.edu.cn", "other"};
    for (size_t a = 0; a < 5; a++)
        for (size_t hn = 0; hn < 2; hn++)
            for (size_t d = 0; d < 3; d++) {
                struct sm_net ip;
                cr_assert_eq(sm_net_parse(addrs[a], &ip, NULL, 0), 0);
                uint64_t want_own = 0, want_other = 0;
                for (size_t i = 0; i < n; i++) {
                    uint64_t one = brute(&recs[i], 1, &ip, 1, hosts[hn]);
                    int mine = strcmp(recs[i]->dept, depts[d]) == 0;
                    if (one && mine && !want_own)
                        want_own = one;
                    if (one && !mine && !want_other)
                        want_other = one;
                }
                uint64_t other = 99;
                uint64_t own = sys_index_match_in(ix, &ip, 1, hosts[hn], depts[d], &other);
                cr_assert_eq(own, want_own, "%s %s %s", addrs[a], hosts[hn], depts[d]);
                cr_assert_eq(other, want_other, "%s %s %s", addrs[a], hosts[hn], depts[d]);
            }
    cr_assert_str_eq(sys_index_dept(ix, 1), recs[0]->dept);
    sys_index_free(ix);
    free(copy);
    free(recs);
}

/* ---- bindings in the ledger's history ---- */

struct hist_seen {
    char lines[8][160];
    size_t n;
};

static int hist_line(const Tz__SystemChange *c, void *arg)
{
    struct hist_seen *h = arg;
    if (h->n < 8 && c->n_changes == 1 &&
        strcmp(c->changes[0]->field, "host") == 0)
        snprintf(h->lines[h->n++], sizeof(h->lines[0]), "%s by %s via %s: "
                 "%s \"%s\" -> \"%s\"", c->action, c->actor, c->via,
                 c->changes[0]->field, c->changes[0]->old_value,
                 c->changes[0]->new_value);
    return 0;
}

static struct hist_seen history_of(uint64_t system_id)
{
    struct hist_seen h = {0};
    cr_assert_eq(register_each_system_change(reg, system_id, hist_line, &h,
                                             &err), 0, "%s", err.msg);
    return h;
}

Test(systems, bind_rebind_and_unbind_are_in_the_systems_history)
{
    uint64_t a = add("a", "math", NULL, NULL), b = add("b", "math", NULL, NULL);
    uint64_t h = enroll(1, "math");
    report(1, 2, "web01", "10.9.9.9/24", NULL, 0);
    cr_assert_eq(register_bind(reg, h, a, "王五", NOW + 10, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(register_bind(reg, h, a, "王五", NOW + 11, &err), 0);
    cr_assert_eq(register_bind(reg, h, b, "赵六", NOW + 20, &err), 0);
    cr_assert_eq(register_unbind(reg, h, "赵六", NOW + 30, &err), 0);
    struct hist_seen ha = history_of(a), hb = history_of(b);
    /* bound once (binding again to the same system is no change), then
     * unbound when moved to b */
    cr_assert_eq(ha.n, 2, "%zu", ha.n);
    cr_assert_str_eq(ha.lines[0], "bound by 王五 via tzctl: host \"\" -> "
                                  "\"web01 (host 1)\"");
    cr_assert_str_eq(ha.lines[1], "unbound by 赵六 via tzctl: host "
                                  "\"web01 (host 1)\" -> \"\"");
    cr_assert_eq(hb.n, 2, "%zu", hb.n);
    cr_assert_str_eq(hb.lines[0], "bound by 赵六 via tzctl: host \"\" -> "
                                  "\"web01 (host 1)\"");
    cr_assert_str_eq(hb.lines[1], "unbound by 赵六 via tzctl: host "
                                  "\"web01 (host 1)\" -> \"\"");
    /* an operator name is checked as in bind, and nothing is written */
    cr_assert_eq(register_bind(reg, h, a, "x", NOW + 40, &err), 0);
    cr_assert_eq(register_unbind(reg, h, "bad\x1bname", NOW + 41, &err),
                 TZ_EINVAL);
    cr_assert_eq(history_of(a).n, 3);
    /* the record as of before the binding reads back: a binding is no
     * ledger field to undo */
    Tz__SystemRecord *then = NULL;
    cr_assert_eq(record_asof_system(reg, a, NOW + 5, &then, &err), 0, "%s",
                 err.msg);
    cr_assert_not_null(then);
    cr_assert_str_eq(then->name, "a");
    ledger_record_free(then);
}
