/* test_tzctl — the operator's tool against a register filled through the
 * register API in a temp dir: every command, every --format, the errors and
 * the exit codes (0 done, 1 failed, 2 usage). */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "register.h"
#include "tz_test.h"

#define TZCTL TZ_BIN "/tzctl"
#define NOW 1700000000  /* 2023-11-14 22:13:20Z, 2023-11-15 06:13 +0800 */

static char *dir;
static char *out;

static void key(uint8_t pk[32], int n)
{
    memset(pk, n, 32);
}

static void put(struct tz_register *reg, struct register_item *it, size_t n)
{
    struct tz_error err = {0};
    cr_assert_eq(register_put_batch(reg, it, n, NOW, &err), 0, "%s", err.msg);
}

static void enroll(struct tz_register *reg, int pk, const char *dept,
                   const char *hostname)
{
    char tok[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_token_create(reg, dept, NOW, tok, NULL), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    en.hostname = (char *)hostname;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    key(it.agent_pk, pk);
    put(reg, &it, 1);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
}

/* Agent 1 (math) reported; agent 2 (计算机学院) only enrolled; one replay
 * and two forged requests counted. */
static void setup(void)
{
    out = NULL;
    /* times print in the local zone: this one, whatever the machine's */
    setenv("TZ", "Asia/Shanghai", 1);
    struct tz_register *reg = tz_test_register_new("tzctl", &dir);
    cr_assert_eq(register_dept_add(reg, "math", NOW, NULL), 0);
    cr_assert_eq(register_dept_add(reg, "计算机学院", NOW, NULL), 0);
    enroll(reg, 1, "math", "web01");
    enroll(reg, 2, "计算机学院", "db01");

    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = "web01.math.example.edu.cn";
    host.os_pretty = "Debian GNU/Linux 12 (bookworm)";
    host.kernel_release = "6.1.0-18-amd64";
    Tz__Interface eth = TZ__INTERFACE__INIT, *ethp = &eth;
    char *v4[] = {"10.1.2.3/24"}, *v6[] = {"2001:db8::3/64"};
    eth.name = "eth0";
    eth.ipv4 = v4;
    eth.n_ipv4 = 1;
    eth.ipv6 = v6;
    eth.n_ipv6 = 1;
    Tz__InterfacesSection ifs = TZ__INTERFACES_SECTION__INIT;
    ifs.interfaces = &ethp;
    ifs.n_interfaces = 1;
    Tz__Package p[3] = {TZ__PACKAGE__INIT, TZ__PACKAGE__INIT,
                        TZ__PACKAGE__INIT};
    Tz__Package *pp[3] = {&p[0], &p[1], &p[2]};
    p[0].name = "bash";
    p[0].version = "5.2.15-2+b2";
    p[1].name = "curl";
    p[1].version = "7.88.1-10+deb12u5";
    p[2].name = "openssl";
    p[2].version = "3.0.11-1~deb12u2";
    Tz__PackagesSection pkgs = TZ__PACKAGES_SECTION__INIT;
    pkgs.manager = "dpkg";
    pkgs.packages = pp;
    pkgs.n_packages = 3;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    r.interfaces = &ifs;
    r.packages = &pkgs;

    struct register_item b[4] = {
        {.kind = ITEM_REPORT, .seq = 2, .report = &r},
        {.kind = ITEM_REPORT, .seq = 2, .report = &r},  /* replay */
        {.kind = ITEM_REJECTED, .status = TZ__STATUS__FORGED},
        {.kind = ITEM_REJECTED, .status = TZ__STATUS__FORGED},
    };
    key(b[0].agent_pk, 1);
    key(b[1].agent_pk, 1);
    put(reg, b, 4);
    cr_assert_eq(b[0].status, TZ__STATUS__OK);
    cr_assert_eq(b[1].status, TZ__STATUS__REPLAY);
    register_close(reg);
}

static void teardown(void)
{
    free(out);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(tzctl, .init = setup, .fini = teardown);

/* Run tzctl --data DIR args...; output (stdout+stderr) into `out`. */
#define TZCTL_RUN(...) \
    tz_test_tzctl_run(dir, &out, __VA_ARGS__, (const char *)NULL)

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static cJSON *parse(void)
{
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    return j;
}

Test(tzctl, hosts_table_aligns_columns_and_counts_cjk_as_two)
{
    cr_assert_eq(TZCTL_RUN("hosts"), 0, "%s", out);
    cr_assert_str_eq(out,
        "ID  HOSTNAME                   DEPT        OS                          "
        "    KERNEL          PACKAGES  IPS                   LAST SEEN        "
        "       SYSTEM  REVOKED\n"
        "1   web01.math.example.edu.cn  math        Debian GNU/Linux 12 "
        "(bookworm)  6.1.0-18-amd64  3         10.1.2.3,2001:db8::3  "
        "2023-11-15 06:13 +0800  -       -\n"
        "2   db01                       计算机学院  -                           "
        "    -               -         -                     "
        "2023-11-15 06:13 +0800  -       -\n");
}

Test(tzctl, hosts_csv_has_key_header_and_crlf)
{
    cr_assert_eq(TZCTL_RUN("--format", "csv", "hosts"), 0, "%s", out);
    cr_assert_str_eq(out,
        "id,hostname,dept,os,kernel,packages,ips,last_seen,system_id,revoked\r\n"
        "1,web01.math.example.edu.cn,math,Debian GNU/Linux 12 (bookworm),"
        "6.1.0-18-amd64,3,\"10.1.2.3,2001:db8::3\",2023-11-15T06:13:20+08:00,,\r\n"
        "2,db01,计算机学院,,,,,2023-11-15T06:13:20+08:00,,\r\n");
}

Test(tzctl, hosts_json_has_numbers_as_numbers)
{
    cr_assert_eq(TZCTL_RUN("hosts", "--format", "json"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 2);
    cJSON *h = cJSON_GetArrayItem(j, 0);
    cJSON *id = cJSON_GetObjectItem(h, "id");
    cr_assert(cJSON_IsNumber(id) && id->valuedouble == 1);
    cJSON *pk = cJSON_GetObjectItem(h, "packages");
    cr_assert(cJSON_IsNumber(pk) && pk->valuedouble == 3);
    cr_assert_str_eq(cJSON_GetObjectItem(h, "hostname")->valuestring,
                     "web01.math.example.edu.cn");
    cr_assert_str_eq(cJSON_GetObjectItem(h, "kernel")->valuestring,
                     "6.1.0-18-amd64");
    cr_assert_str_eq(cJSON_GetObjectItem(h, "last_seen")->valuestring,
                     "2023-11-15T06:13:20+08:00");
    cJSON *ips = cJSON_GetObjectItem(h, "ips");
    cr_assert(cJSON_IsArray(ips) && cJSON_GetArraySize(ips) == 2);
    cr_assert_str_eq(cJSON_GetArrayItem(ips, 1)->valuestring, "2001:db8::3");
    cJSON *h2 = cJSON_GetArrayItem(j, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(h2, "dept")->valuestring,
                     "计算机学院");
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(h2, "packages")),
              "never reported: no package count");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(h2, "ips")), 0);
    cJSON_Delete(j);
}

Test(tzctl, hosts_filters_by_dept_and_refuses_unknown_dept)
{
    cr_assert_eq(TZCTL_RUN("hosts", "--dept", "计算机学院", "--format", "csv"),
                 0, "%s", out);
    cr_assert_str_eq(out,
        "id,hostname,dept,os,kernel,packages,ips,last_seen,system_id,revoked\r\n"
        "2,db01,计算机学院,,,,,2023-11-15T06:13:20+08:00,,\r\n");
    cr_assert_eq(TZCTL_RUN("hosts", "--dept=nope"), 1);
    cr_assert_str_eq(out, "tzctl: no department \"nope\"\n");
}

Test(tzctl, host_show_prints_a_summary_then_the_lists_asked_for)
{
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0, "%s", out);
    cr_assert_str_eq(out,
        "Host 1\n"
        "  hostname:     web01.math.example.edu.cn\n"
        "  department:   math\n"
        "  os:           Debian GNU/Linux 12 (bookworm)\n"
        "  kernel:       6.1.0-18-amd64\n"
        "  enrolled:     2023-11-15 06:13 +0800\n"
        "  last seen:    2023-11-15 06:13 +0800\n"
        "  last report:  2023-11-15 06:13 +0800\n"
        "  reports:      1\n"
        "  system:       none (not in the ledger)\n"
        "  open flags:   none\n"
        "  packages:     3\n"
        "\n(the lists: --packages, --accounts, --listeners, --interfaces,\n"
        " --patch, --ssh, --hardware, --os, --agent; --all for every one)\n");

    cr_assert_eq(TZCTL_RUN("host", "show", "1", "--packages"), 0, "%s", out);
    cr_assert(strstr(out, "\nPackages:\n  manager: dpkg\n  packages: (3)\n"), "%s", out);
    cr_assert(strstr(out, "3.0.11-1~deb12u2"), "%s", out);
    cr_assert_null(strstr(out, "Interfaces:"), "%s", out);
    cr_assert_null(strstr(out, "(the lists:"), "%s", out);

    /* --all: every list, and times as dates, never as raw seconds */
    cr_assert_eq(TZCTL_RUN("host", "show", "1", "--all"), 0, "%s", out);
    cr_assert(strstr(out, "\nInterfaces:\n"), "%s", out);
    cr_assert(strstr(out, "\nAgent record:\n"), "%s", out);
    cr_assert(strstr(out, "  enrolled_at: 2023-11-15 06:13 +0800\n"), "%s", out);
    cr_assert_null(strstr(out, "1700000000"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--utc", "host", "show", "1", "--agent"), 0, "%s", out);
    cr_assert(strstr(out, "  enrolled:     2023-11-14 22:13 UTC\n"), "%s", out);
    cr_assert(strstr(out, "  enrolled_at: 2023-11-14 22:13 UTC\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("host", "show", "2"), 0, "%s", out);
    cr_assert(strstr(out, "  last report:  never\n"), "%s", out);
    cr_assert(strstr(out, "  latest report: none received yet\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "1", "--bogus"), 2);
}

/* With flags open on the host, the summary counts them by severity. */
Test(tzctl, host_show_summary_counts_open_flags)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "web", "--dept", "math", "--ips",
                           "10.1.0.0/16"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "flags", "--host", "1"), 0, "%s", out);
    int n = -1;
    for (char *p = out; p; p = strstr(p + 1, "\r\n"))
        n++;
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0, "%s", out);
    cr_assert(strstr(out, "  system:       1 web (match)\n"), "%s", out);
    if (n <= 1) {
        cr_assert(strstr(out, "  open flags:   none\n"), "%s", out);
    } else {
        char want[64];
        snprintf(want, sizeof(want), "  open flags:   %d (high ", n - 1);
        cr_assert(strstr(out, want), "want %s in %s", want, out);
    }
}

Test(tzctl, host_show_json_has_agent_and_report)
{
    cr_assert_eq(TZCTL_RUN("--format", "json", "host", "show", "1"), 0, "%s",
                 out);
    cJSON *j = parse();
    cJSON *a = cJSON_GetObjectItem(j, "agent");
    cr_assert_eq(cJSON_GetObjectItem(a, "agent_id")->valuedouble, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(a, "dept")->valuestring, "math");
    cJSON *r = cJSON_GetObjectItem(j, "report");
    cJSON *pk = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "packages"),
                                    "packages");
    cr_assert_eq(cJSON_GetArraySize(pk), 3);
    cr_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetArrayItem(pk, 2), "version")->valuestring,
        "3.0.11-1~deb12u2");
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("--format", "json", "host", "show", "2"), 0);
    j = parse();
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "report")));
    cJSON_Delete(j);
}

Test(tzctl, host_show_errors)
{
    cr_assert_eq(TZCTL_RUN("host", "show", "7"), 1);
    cr_assert_str_eq(out, "tzctl: no host with id 7\n");
    cr_assert_eq(TZCTL_RUN("host", "show", "nohost"), 1);
    cr_assert_str_eq(out, "tzctl: no host named \"nohost\" (tzctl hosts lists them)\n");
    cr_assert_eq(TZCTL_RUN("host", "show"), 2);
    cr_assert_eq(TZCTL_RUN("host", "list"), 2);
}

/* One lookup in every command: id, exact hostname, then a hostname in
 * another case when only one host has it; ambiguity names the ids. */
Test(tzctl, a_host_is_named_the_same_way_in_every_command)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    enroll(reg, 3, "math", "Mail");
    enroll(reg, 4, "math", "mail");
    enroll(reg, 5, "math", "Proxy");
    register_close(reg);
    const char *how[][2] = {{"host", "show"}, {"history", NULL}};
    for (size_t i = 0; i < 2; i++) {
        const char *a = how[i][0], *b = how[i][1];
        int rc = b ? TZCTL_RUN(a, b, "mail") : TZCTL_RUN(a, "mail");
        cr_assert_eq(rc, 0, "%s mail (exact): %s", a, out);
        rc = b ? TZCTL_RUN(a, b, "proxy") : TZCTL_RUN(a, "proxy");
        cr_assert_eq(rc, 0, "%s proxy (one in another case): %s", a, out);
        rc = b ? TZCTL_RUN(a, b, "MAIL") : TZCTL_RUN(a, "MAIL");
        cr_assert_eq(rc, 1, "%s MAIL: %s", a, out);
        cr_assert_str_eq(out, "tzctl: 2 hosts are named \"MAIL\" in some case (ids 3, "
                              "4): give the id\n");
    }
    cr_assert_eq(TZCTL_RUN("host", "show", "mail"), 0);
    cr_assert(strstr(out, "id:           4\n") || strstr(out, " 4\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("bind", "PROXY", "1"), 1, "%s", out);
    cr_assert_null(strstr(out, "no host"), "bind found PROXY: %s", out);
}

Test(tzctl, dept_add_and_list_in_every_format)
{
    cr_assert_eq(TZCTL_RUN("dept", "add", "physics"), 0, "%s", out);
    cr_assert_str_eq(out, "added department physics\n");
    cr_assert_eq(TZCTL_RUN("dept", "add", "physics"), 1);
    cr_assert_str_eq(out, "tzctl: department \"physics\" already exists\n");
    cr_assert_eq(TZCTL_RUN("dept", "add", "bad\x1bname"), 1);
    cr_assert(strstr(out, "control character"), "%s", out);
    cr_assert_eq(TZCTL_RUN("dept", "add"), 2);

    cr_assert_eq(TZCTL_RUN("dept", "list", "--format", "csv"), 0, "%s", out);
    /* physics was created now, not at NOW: check its row loosely */
    cr_assert(starts_with(out, "name,hosts,created\r\n"
                           "math,1,2023-11-15T06:13:20+08:00\r\n"
                           "physics,0,"), "%s", out);
    cr_assert(strstr(out, "\r\n计算机学院,1,2023-11-15T06:13:20+08:00\r\n"), "%s",
              out);

    cr_assert_eq(TZCTL_RUN("dept", "list"), 0, "%s", out);
    cr_assert(starts_with(out, "NAME        HOSTS  CREATED\n"
                           "math        1      2023-11-15 06:13 +0800\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("--format=json", "dept", "list"), 0);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 3);
    cJSON *d = cJSON_GetArrayItem(j, 2);
    cr_assert_str_eq(cJSON_GetObjectItem(d, "name")->valuestring,
                     "计算机学院");
    cr_assert_eq(cJSON_GetObjectItem(d, "hosts")->valuedouble, 1);
    cJSON_Delete(j);
}

Test(tzctl, token_create_prints_a_token_that_enrolls)
{
    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "math"), 0, "%s", out);
    /* stdout (the token) and stderr (the warning) arrive merged */
    char tok[64] = "";
    cr_assert_eq(sscanf(out, "%63s", tok), 1);
    cr_assert_eq(strlen(tok), 46, "%s", out);
    cr_assert_eq(strncmp(tok, "tz_", 3), 0);
    cr_assert(strstr(out, "shown only once"), "%s", out);

    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = tok;
    struct register_item it = {.kind = ITEM_ENROLL, .seq = 1, .enroll = &en};
    key(it.agent_pk, 3);
    put(reg, &it, 1);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
    cr_assert_eq(it.agent_id, 3);
    cr_assert_str_eq(it.dept, "math");
    register_close(reg);

    cr_assert_eq(TZCTL_RUN("token", "create", "--admin", "--format", "json"),
                 0, "%s", out);
    cr_assert(strstr(out, "\"role\":\t\"admin\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "nope"), 1);
    cr_assert(strstr(out, "tzctl: no department \"nope\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("token", "create"), 2);
    cr_assert_eq(TZCTL_RUN("token", "create", "--admin", "--dept", "math"),
                 2);
}

Test(tzctl, stats_in_every_format)
{
    cr_assert_eq(TZCTL_RUN("stats"), 0, "%s", out);
    cr_assert(starts_with(out, "METRIC                  VALUE\n"
                           "agents                  2\n"
                           "hosts                   1\n"
                           "departments             2\n"
                           "accepted                3\n"
                           "reports_accepted        1\n"), "%s",
              out);
    cr_assert(strstr(out, "\nrejected.forged         2\n"), "%s", out);
    cr_assert(strstr(out, "\nrejected.replay         1\n"), "%s", out);
    cr_assert(strstr(out, "\nmap_size_bytes          268435456\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("stats", "--format", "csv"), 0);
    cr_assert(starts_with(out, "metric,value\r\nagents,2\r\n"), "%s", out);
    cr_assert(strstr(out, "\r\nrejected.bad_token,0\r\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("stats", "--format", "json"), 0);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetObjectItem(j, "agents")->valuedouble, 2);
    cr_assert_eq(cJSON_GetObjectItem(j, "reports_accepted")->valuedouble, 1);
    cJSON *rej = cJSON_GetObjectItem(j, "rejected");
    cr_assert_eq(cJSON_GetObjectItem(rej, "replay")->valuedouble, 1);
    cr_assert_eq(cJSON_GetObjectItem(rej, "forged")->valuedouble, 2);
    cJSON *used = cJSON_GetObjectItem(j, "map_used_bytes");
    cr_assert(cJSON_IsNumber(used) && used->valuedouble > 0);
    cJSON_Delete(j);
}

Test(tzctl, missing_register_and_usage_errors)
{
    char *none = tz_test_path("%s/none", dir);
    char *argv[] = {TZCTL, "--data", none, "hosts", NULL};
    cr_assert_eq(tz_test_run(argv, &out), 1);
    char *want = tz_test_path("tzctl: no register at %s (start tz-collector "
                              "or run a tzctl write command first)\n", none);
    cr_assert_str_eq(out, want);
    free(want);
    free(none);

    cr_assert_eq(TZCTL_RUN("--format", "xml", "hosts"), 2);
    cr_assert(strstr(out, "--format must be table, csv or json"), "%s", out);
    cr_assert_eq(TZCTL_RUN("frobnicate"), 2);
    cr_assert(strstr(out, "unknown command \"frobnicate\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("hosts", "--bogus"), 2);
    cr_assert_str_eq(out, "tzctl: hosts: unknown option --bogus\n"
                          "(tzctl hosts --help shows its usage and examples)\n");
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "owners=王五"), 2);
    cr_assert(strstr(out, "unknown field \"owners\"; the fields are") &&
              strstr(out, "owner (负责人)") && strstr(out, "status (状态)"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--help"), 0);
    cr_assert(starts_with(out, "usage: tzctl"), "%s", out);
    char *bare[] = {TZCTL, NULL};
    free(out);
    out = NULL;
    cr_assert_eq(tz_test_run(bare, &out), 2);
    cr_assert(strstr(out, "no command given") && strstr(out, "usage: tzctl"), "%s", out);
}

Test(tzctl, tz_data_sets_the_default_register)
{
    setenv("TZ_DATA", dir, 1);
    char *argv[] = {TZCTL, "--format", "csv", "stats", NULL};
    cr_assert_eq(tz_test_run(argv, &out), 0, "%s", out);
    cr_assert(starts_with(out, "metric,value\r\nagents,2\r\n"), "%s", out);
    unsetenv("TZ_DATA");
}

Test(tzctl, reads_and_writes_while_the_collector_holds_the_register)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "hosts"), 0, "%s", out);
    cr_assert(strstr(out, "\r\n1,web01.math.example.edu.cn,"), "%s", out);
    cr_assert_eq(TZCTL_RUN("dept", "add", "chemistry"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "chemistry"), 0, "%s",
                 out);
    /* the writer sees the department tzctl added beside it */
    cr_assert_eq(register_dept_add(reg, "chemistry", NOW, NULL), TZ_EEXIST);
    enroll(reg, 4, "chemistry", "lab01");
    register_close(reg);
}

Test(tzctl, agent_strings_cannot_drive_the_terminal)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    enroll(reg, 5, "math", "evil\x1b]0;pwned\x07host");
    register_close(reg);
    cr_assert_eq(TZCTL_RUN("hosts"), 0, "%s", out);
    cr_assert_null(strchr(out, '\x1b'), "%s", out);
    cr_assert(strstr(out, "evil\\x1b]0;pwned\\x07host"), "%s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "3"), 0, "%s", out);
    cr_assert_null(strchr(out, '\x1b'), "%s", out);
    cr_assert_null(strchr(out, '\x07'), "%s", out);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Review finding 8: what a register holds from before validate.c refused
 * control and bidi characters, and what an operator typed into a ledger
 * field, is shown escaped in text, so a table row stays one line and no
 * U+202E reverses what follows it. JSON and CSV keep the value itself. */
Test(tzctl, stored_newlines_and_bidi_controls_show_escaped_in_text)
{
    static const char evil[] = "web\n02\xe2\x80\xaemoc";
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    enroll(reg, 5, "math", evil);
    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)evil;
    host.os_pretty = "Debian\r\nkernel_release: forged\t1";
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    struct register_item it = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    key(it.agent_pk, 5);
    put(reg, &it, 1);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
    register_close(reg);

    cr_assert_eq(TZCTL_RUN("hosts"), 0, "%s", out);
    cr_assert_eq(count_lines(out), 4, "a header and one line per host:\n%s", out);
    cr_assert(strstr(out, "web\\n02\\u202emoc "), "%s", out);
    cr_assert_null(strstr(out, "\xe2\x80\xae"), "%s", out);

    cr_assert_eq(TZCTL_RUN("host", "show", "3", "--os"), 0, "%s", out);
    cr_assert(strstr(out, "  hostname:     web\\n02\\u202emoc\n"), "%s", out);
    cr_assert(strstr(out, "os_pretty: Debian\\r\\nkernel_release: forged\\t1\n"),
              "%s", out);
    cr_assert_null(strchr(out, '\r'), "%s", out);
    cr_assert_null(strchr(out, '\t'), "%s", out);
    cr_assert_null(strstr(out, "\xe2\x80\xae"), "%s", out);
    cr_assert_null(strstr(out, "\n    kernel_release: forged"), "%s", out);

    cr_assert_eq(TZCTL_RUN("hosts", "--format", "json"), 0, "%s", out);
    cr_assert(strstr(out, "\"web\\n02\xe2\x80\xaemoc\""), "%s", out);

    cr_assert_eq(TZCTL_RUN("system", "add", "exam\xe2\x80\xaetxt.exe", "--dept",
                           "math"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "set", "1", "用途=选课\n查成绩"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("systems"), 0, "%s", out);
    cr_assert_eq(count_lines(out), 2, "%s", out);
    cr_assert(strstr(out, "exam\\u202etxt.exe "), "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "show", "1"), 0, "%s", out);
    cr_assert(strstr(out, "系统名称 (name): exam\\u202etxt.exe\n"), "%s", out);
    /* 用途 keeps its line break in show, as an indented continuation */
    cr_assert(strstr(out, "\n用途 (purpose): 选课\n  查成绩\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "system", "show", "1"), 0, "%s", out);
    cr_assert(strstr(out, ",\"选课\n查成绩\","), "%s", out);
}

struct flag_count {
    uint64_t system, host;
    int n;
};

static int count_flag(const Tz__FlagRecord *f, void *arg)
{
    struct flag_count *c = arg;
    if ((f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM &&
         f->subject_id == c->system) ||
        (f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST &&
         f->subject_id == c->host))
        c->n++;
    return 0;
}

Test(tzctl, ledger_lists_systems_in_use_with_hosts_and_open_flags)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "web", "--dept", "math", "--ips",
                           "10.1.0.0/16", "--owner", "张伟", "--mlps-grade",
                           "2"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "old", "--dept", "math",
                           "--status", "retired"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "lab", "--dept", "计算机学院"), 0,
                 "%s", out);

    /* what the rules left open on system 1 and its one host (agent 1) */
    struct tz_register *reg;
    struct tz_error err = {0};
    cr_assert_eq(register_open(dir, REGISTER_RDONLY, &reg, &err), 0);
    struct flag_count c = {1, 1, 0};
    cr_assert_eq(register_each_flag(reg, 0, count_flag, &c, &err), 0);
    register_close(reg);
    cr_assert_gt(c.n, 0, "the fixture should raise something");

    cr_assert_eq(TZCTL_RUN("ledger", "--format", "csv"), 0, "%s", out);
    char want[512];
    snprintf(want, sizeof(want),
             "id,name,dept,owner,admin,mlps_grade,grading_filed_at,"
             "last_evaluation_at,prelaunch_status,status,hosts,open_flags\r\n"
             "1,web,math,张伟,,2,,,");
    cr_assert(starts_with(out, want), "%s", out);
    cr_assert(strstr(out, "\r\n3,lab,计算机学院,"), "%s", out);
    cr_assert_null(strstr(out, ",old,"), "retired systems are not listed");
    /* web: one host, and the flags counted above */
    char tail[64];
    snprintf(tail, sizeof(tail), ",live,1,%d\r\n", c.n);
    cr_assert(strstr(out, tail), "want %s in %s", tail, out);

    cr_assert_eq(TZCTL_RUN("ledger", "--dept", "计算机学院", "--format",
                           "json"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 1);
    cJSON *row = cJSON_GetArrayItem(j, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(row, "name")->valuestring, "lab");
    cr_assert_eq(cJSON_GetObjectItem(row, "hosts")->valueint, 0);
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("ledger", "--dept", "nope"), 1);
    cr_assert_str_eq(out, "tzctl: no department \"nope\"\n");
    cr_assert_eq(TZCTL_RUN("ledger", "extra"), 2);
}

/* A system is an id or a name only one system has, in every command that
 * takes one; a shared name lists its candidates with their departments. */
Test(tzctl, a_system_is_named_the_same_way_in_every_command)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "教务管理系统", "--dept", "math",
                           "--ips", "10.1.0.0/16"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "flags", "--system", "1"), 0, "%s", out);
    char *by_id = strdup(out);
    cr_assert(strstr(by_id, "system 1 教务管理系统"), "%s", by_id);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "flags", "--system", "教务管理系统"),
                 0, "%s", out);
    cr_assert_str_eq(out, by_id);
    free(by_id);
    cr_assert_eq(TZCTL_RUN("--format", "csv", "flags", "--host", "WEB01.math.example.edu.cn"), 0, "%s", out);
    cr_assert(strstr(out, "host 1 web01"), "%s", out);
    cr_assert_null(strstr(out, "system 1 "), "%s", out);

    cr_assert_eq(TZCTL_RUN("flags", "--system", "nosuch"), 1);
    cr_assert_str_eq(out, "tzctl: no system named \"nosuch\" (tzctl systems lists them)\n");
    cr_assert_eq(TZCTL_RUN("system", "add", "教务管理系统", "--dept", "计算机学院"),
                 0, "%s", out);
    const char *amb = "tzctl: 2 systems are named \"教务管理系统\" (ids 1 (math), "
                      "2 (计算机学院)): give the id\n";
    cr_assert_eq(TZCTL_RUN("flags", "--system", "教务管理系统"), 1);
    cr_assert_str_eq(out, amb);
    cr_assert_eq(TZCTL_RUN("system", "show", "教务管理系统"), 1);
    cr_assert_str_eq(out, amb);
    cr_assert_eq(TZCTL_RUN("screenings", "教务管理系统"), 1);
    cr_assert_str_eq(out, amb);
    cr_assert_eq(TZCTL_RUN("bind", "1", "教务管理系统"), 1);
    cr_assert_str_eq(out, amb);
    cr_assert_eq(TZCTL_RUN("flags", "--system", "2"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("flags", "--system"), 2);
    cr_assert_str_eq(out, "tzctl: --system needs a system id or name\n"
                          "(tzctl flags --help shows its usage and examples)\n");
}

/* Columns on a terminal: CJK ideographs and fullwidth forms 2, else 1. */
static size_t display_width(const char *s, size_t len)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s;
         p < (const unsigned char *)s + len; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        w += *p >= 0xe3 && *p <= 0xef && !(p[0] == 0xe2) ? 2 : 1;
    }
    return w;
}

static size_t widest_line(const char *s)
{
    size_t max = 0;
    for (const char *l = s; *l;) {
        size_t n = strcspn(l, "\n"), w = display_width(l, n);
        if (w > max)
            max = w;
        l += n + (l[n] == '\n');
    }
    return max;
}

/* `tzctl flags` speaks the reader's language (--lang, else LC_ALL,
 * LC_MESSAGES, LANG), fits 120 columns, names the regulation once and shows
 * 整改建议 with --wide. */
Test(tzctl, flags_table_speaks_the_readers_language_and_fits_120_columns)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "教务管理系统与学生综合信息服务平台",
                           "--dept", "计算机学院"), 0, "%s", out);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "zh_CN.UTF-8", 1);
    cr_assert_eq(TZCTL_RUN("flags", "--all"), 0, "%s", out);
    cr_assert(starts_with(out, "级别  问题"), "%s", out);
    cr_assert(strstr(out, "高    未经上线前…"), "%s", out);
    cr_assert(strstr(out, "系统 1 教务管…"), "%s", out);
    cr_assert(strstr(out, "\n依据：《西昌学院网络安全工作责任制实施细则（试行）》\n"), "%s", out);
    cr_assert_null(strstr(out, "整改建议"), "%s", out);
    cr_assert_leq(widest_line(out), 120, "%s", out);
    cr_assert_eq(TZCTL_RUN("flags"), 0, "%s", out);
    cr_assert_leq(widest_line(out), 120, "%s", out);

    cr_assert_eq(TZCTL_RUN("flags", "--wide"), 0, "%s", out);
    cr_assert(strstr(out, "整改建议"), "%s", out);
    cr_assert(strstr(out, "教务管理系统与学生综合信息服务平台 已上线但未通过上线前审查"
                          "（上线前审查：无）"), "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "en", "flags", "--wide"), 0, "%s", out);
    cr_assert(starts_with(out, "SEV     ISSUE"), "%s", out);
    cr_assert(strstr(out, "REMEDY"), "%s", out);
    cr_assert(strstr(out, "教务管理系统与学生综合信息服务平台 is live without a passed "
                          "pre-launch review (上线前审查: none)"), "%s", out);
    setenv("LANG", "C.UTF-8", 1);
    cr_assert_eq(TZCTL_RUN("flags"), 0, "%s", out);
    cr_assert(starts_with(out, "SEV     ISSUE"), "%s", out);
    cr_assert(strstr(out, "\n依据 (articles): 《西昌学院网络安全工作责任制实施细则（试行）》\n"),
              "%s", out);
    cr_assert_leq(widest_line(out), 120, "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "fr", "flags"), 2);

    /* csv carries both evidences, whatever the language */
    cr_assert_eq(TZCTL_RUN("--format", "csv", "flags"), 0, "%s", out);
    cr_assert(strstr(out, ",remedy_en,evidence_zh\r\n"), "%s", out);
    cr_assert(strstr(out, "已上线但未通过上线前审查"), "%s", out);
}

/* The remedy the 120-column table leaves out, one command away. */
Test(tzctl, flag_show_prints_the_remedy_and_the_open_count)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "web", "--dept", "math"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "flag", "show", "NO_FILING"), 0, "%s", out);
    cr_assert_str_eq(out,
        "NO_FILING\n"
        "  issue:     未备案 / System not filed\n"
        "  severity:  medium\n"
        "  依据:      第六条(六), 《西昌学院网络安全工作责任制实施细则（试行）》\n"
        "  open:      1\n"
        "\nRemedy (整改建议):\n"
        "  Complete the campus filing (校内备案) and, for a public-facing system, ICP "
        "and public-security (公安) filing; record the numbers.\n"
        "  完成校内备案；对外服务的网站和系统完成ICP备案及公安备案并登记备案号。\n");
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "flag", "show", "未备案"), 0, "%s", out);
    cr_assert(strstr(out, "\n整改建议:\n  完成校内备案"), "%s", out);
    cr_assert_eq(TZCTL_RUN("flag", "show", "nope"), 1);
    cr_assert_eq(TZCTL_RUN("flag", "list"), 2);
}

/* Only `tzctl bind` crosses departments (security review finding 2): it is
 * the network center's call, so it is done, but warned about and recorded
 * with who did it; within a department nothing changes. */
Test(tzctl, bind_across_departments_warns_and_is_recorded)
{
    cr_assert_eq(TZCTL_RUN("system", "add", "web", "--dept", "math"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("bind", "1", "web", "--by", "alice"), 0, "%s", out);
    cr_assert_null(strstr(out, "warning"), "same department: %s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0, "%s", out);
    cr_assert(strstr(out, "alice"), "%s", out);
    cr_assert_null(strstr(out, "across depts"), "%s", out);

    cr_assert_eq(TZCTL_RUN("bind", "2", "web", "--by", "王老师"), 0, "%s", out);
    cr_assert(strstr(out, "bound host 2 (db01) to system 1\n"), "%s", out);
    cr_assert(strstr(out, "tzctl: warning: host 2 (db01) of 计算机学院 is now bound to "
                          "system 1 (web) of math, another department"),
              "%s", out);
    cr_assert(strstr(out, "by 王老师"), "%s", out);

    cr_assert_eq(TZCTL_RUN("host", "show", "2"), 0, "%s", out);
    cr_assert(strstr(out, "1 web (explicit)"), "%s", out);
    cr_assert(strstr(out, "王老师"), "%s", out);
    cr_assert(strstr(out, "yes: host of 计算机学院, system of math"), "%s", out);

    cr_assert_eq(TZCTL_RUN("--format", "json", "host", "show", "2"), 0, "%s", out);
    cJSON *j = parse();
    cJSON *b = cJSON_GetObjectItem(j, "binding");
    cr_assert_str_eq(cJSON_GetObjectItem(b, "by")->valuestring, "王老师");
    cr_assert_str_eq(cJSON_GetObjectItem(b, "host_dept")->valuestring, "计算机学院");
    cr_assert_str_eq(cJSON_GetObjectItem(b, "system_dept")->valuestring, "math");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(b, "across_departments")));
    cJSON_Delete(j);
}

/* A reader that cannot write lock.mdb would read without registering, and
 * the collector could reuse the pages it reads: refused, with the reason. */
Test(tzctl, a_reader_that_cannot_register_in_lock_mdb_is_refused)
{
    if (geteuid() != 0)
        cr_skip_test("needs root, to run tzctl as another user");
    char *lock = tz_test_path("%s/lock.mdb", dir), *db = tz_test_path("%s/data.mdb", dir);
    cr_assert_eq(chmod(dir, 0755), 0);
    cr_assert_eq(chmod(db, 0644), 0);
    free(db);
    cr_assert_eq(chmod(lock, 0644), 0);
    char *argv[] = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    TZ_BIN "/tzctl", "--data", dir, "hosts", NULL};
    int rc = tz_test_run(argv, &out);
    cr_assert_neq(rc, 0, "%s", out);
    cr_assert(strstr(out, "lock.mdb, where readers register: permission denied") != NULL,
              "%s", out);
    /* with write access to lock.mdb (the group's 0660 in a deployment) it reads */
    cr_assert_eq(chmod(lock, 0666), 0);
    free(out);
    out = NULL;
    rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "web01") != NULL, "%s", out);
    free(lock);
}

/* ---- tokens and revocation ---- */

/* The row of token list --format json whose id is id. */
static cJSON *token_row(cJSON *list, int id)
{
    cJSON *t;
    cJSON_ArrayForEach(t, list) {
        if (cJSON_GetObjectItem(t, "id")->valuedouble == id)
            return t;
    }
    cr_assert_fail("no token %d in %s", id, out);
    return NULL;
}

Test(tzctl, token_list_shows_limits_and_states_but_never_a_token)
{
    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "math", "--expires", "30",
                           "--uses", "5", "--format", "json"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetObjectItem(j, "id")->valuedouble, 3);
    cr_assert_eq(cJSON_GetObjectItem(j, "max_uses")->valuedouble, 5);
    char tok[64];
    snprintf(tok, sizeof(tok), "%s", cJSON_GetObjectItem(j, "token")->valuestring);
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("token", "revoke", "2"), 0, "%s", out);
    cr_assert(strstr(out, "revoked token 2"), "%s", out);
    cr_assert_eq(TZCTL_RUN("token", "revoke", "2"), 1, "%s", out);
    cr_assert(strstr(out, "tzctl: token 2 ("), "%s", out);
    cr_assert(strstr(out, "is revoked already"), "%s", out);
    cr_assert_eq(TZCTL_RUN("token", "revoke", "99"), 1, "%s", out);
    cr_assert_str_eq(out, "tzctl: no token with id 99 (tzctl token list shows them)\n");

    cr_assert_eq(TZCTL_RUN("token", "list", "--format", "json"), 0, "%s", out);
    cr_assert_null(strstr(out, tok), "token list printed a token:\n%s", out);
    j = parse();
    cr_assert_eq(cJSON_GetArraySize(j), 3);
    cJSON *t1 = token_row(j, 1), *t2 = token_row(j, 2), *t3 = token_row(j, 3);
    cr_assert_str_eq(cJSON_GetObjectItem(t1, "state")->valuestring, "active");
    cr_assert_str_eq(cJSON_GetObjectItem(t1, "expires")->valuestring, "never");
    cr_assert_str_eq(cJSON_GetObjectItem(t1, "uses_left")->valuestring, "unlimited");
    cr_assert_eq(cJSON_GetObjectItem(t1, "uses")->valuedouble, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(t2, "state")->valuestring, "revoked");
    cr_assert_str_eq(cJSON_GetObjectItem(t2, "dept")->valuestring, "计算机学院");
    cr_assert_str_eq(cJSON_GetObjectItem(t3, "uses_left")->valuestring, "5");
    cr_assert_str_eq(cJSON_GetObjectItem(t3, "state")->valuestring, "active");
    cr_assert_neq(cJSON_GetObjectItem(t3, "expires")->valuestring[0], 'n');
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.10s...", tok);
    cr_assert_str_eq(cJSON_GetObjectItem(t3, "prefix")->valuestring, prefix);
    cJSON_Delete(j);

    cr_assert_eq(TZCTL_RUN("token", "list"), 0, "%s", out);
    cr_assert(starts_with(out, "ID  DEPT        ROLE  PREFIX "), "%s", out);

    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "math", "--expires", "0"), 2);
    cr_assert_eq(TZCTL_RUN("token", "create", "--dept", "math", "--uses", "x"), 2);
    cr_assert_eq(TZCTL_RUN("token", "create", "--admin", "--uses", "3"), 2);
    cr_assert_eq(TZCTL_RUN("token", "revoke", "x"), 2);
    cr_assert_eq(TZCTL_RUN("token", "list", "extra"), 2);
}

Test(tzctl, agent_revoke_refuses_the_key_and_the_host_keeps_its_history)
{
    cr_assert_eq(TZCTL_RUN("--by", "张工", "agent", "revoke", "web01.math.example.edu.cn",
                           "--reason", "硬盘被盗"), 0, "%s", out);
    cr_assert(starts_with(out, "revoked host 1 (web01.math.example.edu.cn, math): "),
              "%s", out);
    cr_assert_eq(TZCTL_RUN("agent", "revoke", "1"), 1, "%s", out);
    cr_assert(strstr(out, "revoked already"), "%s", out);
    cr_assert_eq(TZCTL_RUN("agent", "revoke", "nosuchhost"), 1, "%s", out);
    cr_assert_eq(TZCTL_RUN("agent", "revoke", "2", "--reason", "two\nlines"), 2);
    cr_assert_eq(TZCTL_RUN("agent", "revoke"), 2);
    cr_assert_eq(TZCTL_RUN("agent", "forgive", "1"), 2);

    /* What the key sends now is refused, and counted. */
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    struct register_item hb = {.kind = ITEM_HEARTBEAT, .seq = 10};
    key(hb.agent_pk, 1);
    put(reg, &hb, 1);
    cr_assert_eq(hb.status, TZ__STATUS__REVOKED, "%s", hb.detail);
    cr_assert(strstr(hb.detail, "by 张工: 硬盘被盗"), "%s", hb.detail);
    register_close(reg);

    cr_assert_eq(TZCTL_RUN("stats", "--format", "json"), 0, "%s", out);
    cJSON *j = parse();
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rejected"), "revoked")
                     ->valuedouble, 1);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "throttled")), "%s", out);
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("stats"), 0, "%s", out);
    cr_assert(strstr(out, "\nrejected.revoked        1\n"), "%s", out);
    cr_assert(strstr(out, "\nthrottled               0\n"), "%s", out);

    cr_assert_eq(TZCTL_RUN("history", "1", "--format", "csv"), 0, "%s", out);
    cr_assert(strstr(out, ",agent,agent key,revoked,张工,硬盘被盗\r\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("host", "show", "1"), 0, "%s", out);
    cr_assert(strstr(out, "  revoked:      "), "%s", out);
    cr_assert(strstr(out, " by 张工: 硬盘被盗 (its key is refused)\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("hosts", "--format", "json"), 0, "%s", out);
    j = parse();
    cr_assert_neq(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "revoked")
                      ->valuestring[0], '\0');
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "revoked")
                         ->valuestring, "");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("verify"), 0, "%s", out);
}

/* ---- the department's record and its report ---- */

Test(tzctl, dept_set_show_and_import)
{
    cr_assert_eq(TZCTL_RUN("--by", "alice", "dept", "set", "math",
                           "联络人=张三", "liaison_phone=0834-2580000",
                           "liaison_email=zs@example.edu.cn",
                           "last_meeting=2026年3月1日"), 0, "%s", out);
    cr_assert_str_eq(out, "updated department math\n");
    cr_assert_eq(TZCTL_RUN("dept", "set", "math", "liaison_email=zs"), 1);
    cr_assert(strstr(out, "联络人邮箱 (liaison_email):"), "%s", out);
    cr_assert_eq(TZCTL_RUN("dept", "set", "math", "owner=x"), 2);
    cr_assert_eq(TZCTL_RUN("dept", "set", "nowhere", "liaison=x"), 1);
    cr_assert(strstr(out, "no department \"nowhere\""), "%s", out);
    cr_assert_eq(TZCTL_RUN("dept", "show", "math"), 0, "%s", out);
    cr_assert(strstr(out, "联络人 (liaison): 张三\n"), "%s", out);
    cr_assert(strstr(out, "最近网络安全工作会议日期 (last_meeting): 2026-03-01\n"),
              "%s", out);
    cr_assert(strstr(out, "alice (tzctl) updated\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--format", "json", "dept", "show", "math"), 0);
    cJSON *j = parse();
    cr_assert_str_eq(cJSON_GetObjectItem(j, "liaison_phone")->valuestring,
                     "0834-2580000");
    cr_assert_eq(cJSON_GetObjectItem(j, "revision")->valuedouble, 1);
    cJSON_Delete(j);

    /* one bad row: nothing imported, the line named */
    char *csv = tz_test_path("%s/depts.csv", dir);
    FILE *f = fopen(csv, "w");
    fputs("单位,联络人,联络人电话\nmath,李四,13800000000\n计算机学院,王五,12ab\n",
          f);
    fclose(f);
    cr_assert_eq(TZCTL_RUN("dept", "import", csv), 1);
    cr_assert(strstr(out, "line 3: 联络人电话:"), "%s", out);
    cr_assert(strstr(out, "nothing imported: 1 error"), "%s", out);
    cr_assert_eq(TZCTL_RUN("dept", "show", "math"), 0);
    cr_assert(strstr(out, "联络人 (liaison): 张三\n"), "%s", out);
    f = fopen(csv, "w");
    fputs("单位,联络人,联络人电话\nmath,李四,13800000000\n计算机学院,王五,\n", f);
    fclose(f);
    cr_assert_eq(TZCTL_RUN("dept", "import", csv), 0, "%s", out);
    cr_assert_str_eq(out, "updated 2 departments\n");
    cr_assert_eq(TZCTL_RUN("dept", "show", "计算机学院"), 0);
    cr_assert(strstr(out, "联络人 (liaison): 王五\n"), "%s", out);
    free(csv);
}

Test(tzctl, report_dept_in_every_format)
{
    cr_assert_eq(TZCTL_RUN("dept", "set", "math", "liaison=张三"), 0, "%s",
                 out);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--period", "2099H1"), 0,
                 "%s", out);
    cJSON *j = parse();
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "period"),
                                         "to")->valuestring, "2099-06-30");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
                                         "responsibility"), "liaison")
                         ->valuestring, "张三");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "hosts"),
                                     "enrolled")->valuedouble, 1);
    cJSON_Delete(j);
    char *html = tz_test_path("%s/r.html", dir), *xlsx = tz_test_path(
                                                     "%s/r.xlsx", dir);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--from", "2099-01-01",
                           "--to", "2099-03-31", "--format", "html", "-o",
                           html), 0, "%s", out);
    char *page = tz_test_slurp(html);
    cr_assert(strstr(page, "负责人签字"), "%s", page);
    cr_assert(strstr(page, "2099-01-01"), "%s", page);
    free(page);
    /* an existing file is kept without --force */
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--period", "2099H1",
                           "--format", "html", "-o", html), 1);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--period", "2099H1",
                           "--format", "xlsx", "-o", xlsx), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--period", "2099H1",
                           "--format", "xlsx"), 2);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math", "--period", "2099H3"), 2);
    cr_assert_eq(TZCTL_RUN("report", "dept", "math"), 2);
    cr_assert_eq(TZCTL_RUN("report", "school", "--period", "2099H1"), 0, "%s",
                 out);
    j = parse();
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "departments")), 2);
    /* 计算机学院 has no liaison: on top */
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
                         cJSON_GetObjectItem(j, "departments"), 0), "dept")
                         ->valuestring, "计算机学院");
    cJSON_Delete(j);
    cr_assert_eq(TZCTL_RUN("report", "dept", "nowhere", "--period", "2099H1"),
                 1);
    cr_assert(strstr(out, "no department \"nowhere\""), "%s", out);
    free(html);
    free(xlsx);
}

/* Enumerated values (a system's status, its review, yes/no, the binding,
 * a password's state, the history's words) and the headers of the tables
 * that have no ledger label print in the reader's language; csv and json
 * keep the stored value whatever the language. */
Test(tzctl, enumerated_values_and_headers_speak_the_readers_language)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    enroll(reg, 5, "math", "mail01");
    Tz__Account root = TZ__ACCOUNT__INIT, guest = TZ__ACCOUNT__INIT;
    Tz__Account *accts[] = {&root, &guest};
    root.name = "root";
    root.password = TZ__PASSWORD_STATE__PW_LOCKED;
    guest.name = "guest";
    guest.uid = 1001;
    guest.login_capable = 1;
    guest.password = TZ__PASSWORD_STATE__PW_WEAK;
    Tz__AccountsSection acs = TZ__ACCOUNTS_SECTION__INIT;
    acs.accounts = accts;
    acs.n_accounts = 2;
    acs.weak_check_ran = 1;
    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = "mail01";
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    r.accounts = &acs;
    struct register_item it = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    key(it.agent_pk, 5);
    put(reg, &it, 1);
    cr_assert_eq(it.status, TZ__STATUS__OK, "%s", it.detail);
    register_close(reg);

    cr_assert_eq(TZCTL_RUN("system", "add", "web", "--dept", "math", "--ips",
                           "10.1.2.0/24"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "plan", "--dept", "math", "--status",
                           "planned"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "set", "plan", "上线前审查=未通过"), 0, "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "zh", "systems"), 0, "%s", out);
    cr_assert(strstr(out, "\n1   web       math      -       -         运行中  1\n"), "%s", out);
    cr_assert(strstr(out, "\n2   plan      math      -       -         规划中  0\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "systems"), 0, "%s", out);
    cr_assert(strstr(out, " live     1\n"), "%s", out);
    cr_assert(strstr(out, " planned  0\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "--format", "csv", "systems"), 0, "%s", out);
    cr_assert(strstr(out, "\r\n1,web,math,,,live,1\r\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "ledger"), 0, "%s", out);
    cr_assert(strstr(out, "  未通过      规划中  "), "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "zh", "system", "show", "web"), 0, "%s", out);
    cr_assert(strstr(out, "\n状态 (status): 运行中\n"), "%s", out);
    cr_assert(strstr(out, "\n是否含个人信息 (personal_data): 否\n"), "%s", out);
    cr_assert(strstr(out, "\n  1 web01.math.example.edu.cn (地址匹配)\n"), "%s", out);
    cr_assert(strstr(out, " 新增\n"), "%s", out);
    cr_assert(strstr(out, "\n    状态 (status): - -> 运行中\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "system", "show", "web"), 0, "%s", out);
    cr_assert(strstr(out, "\n状态 (status): live\n"), "%s", out);
    cr_assert(strstr(out, "\n  1 web01.math.example.edu.cn (match)\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "--format", "json", "system", "show", "web"), 0,
                 "%s", out);
    cr_assert(strstr(out, "\"status\":\t\"live\""), "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "zh", "host", "show", "mail01"), 0, "%s", out);
    cr_assert(starts_with(out, "主机 3\n  主机名：      mail01\n  所属单位：    math\n"),
              "%s", out);
    cr_assert(strstr(out, "\n  所属系统：    无（未登记）\n"), "%s", out);
    cr_assert(strstr(out, "\n  账户：        2 个，1 个可登录，0 个属管理员组，"
                          "1 个弱口令或空口令\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "host", "show", "mail01"), 0, "%s", out);
    cr_assert(strstr(out, "\n  accounts:     2, 1 can log in, 0 in admin groups, "
                          "1 weak or empty passwords\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "host", "show", "mail01", "--accounts"), 0,
                 "%s", out);
    cr_assert(strstr(out, "\n账户：\n"), "%s", out);
    cr_assert(strstr(out, "      password: 已锁定\n"), "%s", out);
    cr_assert(strstr(out, "      password: 弱口令\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "host", "show", "mail01", "--accounts"), 0,
                 "%s", out);
    cr_assert(strstr(out, "      password: weak\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--format", "json", "host", "show", "mail01", "--accounts"), 0,
                 "%s", out);
    cr_assert(strstr(out, "\"PW_WEAK\""), "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "zh", "hosts"), 0, "%s", out);
    cr_assert(starts_with(out, "编号  主机名"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "hosts"), 0, "%s", out);
    cr_assert(starts_with(out, "ID  HOSTNAME"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "history", "1"), 0, "%s", out);
    cr_assert(starts_with(out, "时间"), "%s", out);
    cr_assert(strstr(out, "  基线  "), "%s", out);
    cr_assert(strstr(out, "  已记录  "), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "--format", "csv", "history", "1"), 0,
                 "%s", out);
    cr_assert(strstr(out, ",baseline,first report,recorded,"), "%s", out);

    cr_assert_eq(TZCTL_RUN("--lang", "zh", "dept", "list"), 0, "%s", out);
    cr_assert(starts_with(out, "单位        主机数  创建时间\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("system", "add", "lab", "--dept", "计算机学院", "--ips",
                           "10.1.2.5"), 0, "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "zh", "systems", "--conflicts"), 0, "%s", out);
    cr_assert(starts_with(out, "编号  系统名称  所属单位  重叠项"), "%s", out);
    cr_assert(strstr(out, "  是\n"), "%s", out);
    cr_assert_eq(TZCTL_RUN("--lang", "en", "systems", "--conflicts"), 0, "%s", out);
    cr_assert(strstr(out, "CROSS DEPT\n"), "%s", out);
    cr_assert(strstr(out, "  yes\n"), "%s", out);
}

/* A cell is cut to its columns as the table shows it: an escaped control
 * character (4 columns for \x1b) cannot push a cut cell past its width. */
Test(tzctl, flags_cut_cells_after_escaping_control_characters)
{
    struct tz_register *reg;
    cr_assert_eq(register_open(dir, 0, &reg, NULL), 0);
    static const char evil[] = "\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b";
    enroll(reg, 6, "math", evil);
    Tz__HostSection host = TZ__HOST_SECTION__INIT;
    host.hostname = (char *)evil;
    Tz__Report r = TZ__REPORT__INIT;
    r.host = &host;
    struct register_item it = {.kind = ITEM_REPORT, .seq = 2, .report = &r};
    key(it.agent_pk, 6);
    put(reg, &it, 1);
    register_close(reg);
    /* a dry run judges every host now (no collector ran the rules) */
    cr_assert_eq(TZCTL_RUN("--rules", TZ_SOURCE_DIR "/schemas/rules.ini", "--lang", "en",
                           "flags", "--host", "3"), 0, "%s", out);
    cr_assert(strstr(out, "\\x1b"), "%s", out);
    cr_assert_leq(widest_line(out), 120, "%s", out);
}
