/* Tests for scan_nmap: the real nmap against listeners this test binds on
 * 127.0.0.2 (and ::1), and fake "nmap" scripts for the ways a run goes
 * wrong — missing, stuck past the deadline, flooding, failing. Addresses
 * that are not numeric never reach a process. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "scan_nmap.h"
#include "tz_test.h"

static char *dir;
static struct scan_result res;
static struct tz_error err;

static void setup(void)
{
    dir = tz_test_tmpdir("scan");
    memset(&res, 0, sizeof(res));
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    scan_result_free(&res);
    tz_test_rm_rf(dir);
    free(dir);
}

TestSuite(scan, .init = setup, .fini = teardown);

static void need_nmap(void)
{
    const char *path = getenv("PATH");
    char *dirs = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(dirs, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *p = tz_test_path("%s/nmap", d);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(dirs);
    if (!found)
        cr_skip_test("nmap is not installed (apt-get install nmap; "
                     "deploy/install-deps.sh)");
}

/* A listening TCP socket on addr (family af), port chosen by the kernel. */
static int listener(int af, const char *addr, uint16_t *port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (af == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        cr_assert_eq(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
        len = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        cr_assert_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
        len = sizeof(*s6);
    }
    int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind %s: %s", addr,
                 strerror(errno));
    cr_assert_eq(listen(fd, 16), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

/* A port on 127.0.0.2 nothing listens on: bound once, then closed. */
static uint16_t closed_port(void)
{
    uint16_t p;
    close(listener(AF_INET, "127.0.0.2", &p));
    return p;
}

/* dir/nmap, a shell script with body; returns its path (malloc'd). */
static char *fake_nmap(const char *body)
{
    char *p = tz_test_path("%s/nmap", dir);
    char *text = tz_test_path("#!/bin/sh\n%s\n", body);
    tz_test_write(dir, "nmap", text);
    cr_assert_eq(chmod(p, 0755), 0);
    free(text);
    return p;
}

static void assert_no_child_left(void)
{
    errno = 0;
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left unreaped");
    cr_assert_eq(errno, ECHILD);
}

Test(scan, finds_the_open_port_and_only_it)
{
    need_nmap();
    uint16_t open_port;
    int fd = listener(AF_INET, "127.0.0.2", &open_port);
    uint16_t ports[] = {closed_port(), open_port};
    const char *addrs[] = {"127.0.0.2"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 2, 60, NULL, &res, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(res.ran, 1, "%s", res.why_not);
    cr_assert_eq(res.n_open, 1);
    cr_assert_str_eq(res.open[0].addr, "127.0.0.2");
    cr_assert_eq(res.open[0].port, open_port);
    cr_assert_eq(res.n_addrs, 1);
    cr_assert_str_eq(res.addrs[0], "127.0.0.2");
    cr_assert_neq(res.nmap_version[0], '\0');
    cr_assert_leq(res.started_at, res.finished_at);
    cr_assert_gt(res.started_at, 0);
    assert_no_child_left();
    close(fd);
}

Test(scan, scans_a_block_and_both_families)
{
    need_nmap();
    uint16_t p4, p6;
    int fd4 = listener(AF_INET, "127.0.0.2", &p4);
    int fd6 = listener(AF_INET6, "::1", &p6);
    uint16_t ports[] = {p4, p6};
    /* A /30 is four hosts; ::1 needs a second run with -6. */
    const char *addrs[] = {"::1", "127.0.0.0/30", "127.0.0.0/30"};
    cr_assert_eq(scan_nmap(addrs, 3, ports, 2, 60, NULL, &res, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(res.ran, 1, "%s", res.why_not);
    cr_assert_eq(res.n_addrs, 2);
    cr_assert_str_eq(res.addrs[0], "::1");
    cr_assert_str_eq(res.addrs[1], "127.0.0.0/30");
    cr_assert_eq(res.n_open, 2);
    cr_assert_str_eq(res.open[0].addr, "127.0.0.2");
    cr_assert_eq(res.open[0].port, p4);
    cr_assert_str_eq(res.open[1].addr, "::1");
    cr_assert_eq(res.open[1].port, p6);
    close(fd4);
    close(fd6);
}

Test(scan, missing_nmap_is_not_checked)
{
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.2"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, "/nonexistent/bin/nmap",
                           &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap is not installed (apt-get install "
                     "nmap): /nonexistent/bin/nmap: No such file or directory");
    scan_result_free(&res);
    /* On PATH: a PATH without nmap. */
    cr_assert_eq(setenv("PATH", dir, 1), 0);
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, NULL, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap is not installed (apt-get install nmap)");
    cr_assert_eq(res.n_addrs, 1);
}

Test(scan, stuck_nmap_is_killed_at_the_deadline_and_reaped)
{
    char *pidfile = tz_test_path("%s/pid", dir);
    char *body = tz_test_path("echo $$ > '%s'\nexec sleep 30", pidfile);
    char *nmap = fake_nmap(body);
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.2"};
    uint64_t t0 = tz_now_ms();
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 1, nmap, &res, &err), 0,
                 "%s", err.msg);
    uint64_t took = tz_now_ms() - t0;
    cr_assert_geq(took, 900);
    cr_assert_lt(took, 5000, "took %llu ms", (unsigned long long)took);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap did not finish within 1 s (timeout); "
                     "it was stopped");
    char *pid = tz_test_slurp(pidfile);
    cr_assert_not_null(pid);
    errno = 0;
    cr_assert_eq(kill((pid_t)atol(pid), 0), -1, "the fake nmap still exists");
    cr_assert_eq(errno, ESRCH);
    assert_no_child_left();
    free(pid);
    free(nmap);
    free(body);
    free(pidfile);
}

Test(scan, nmap_that_closes_its_output_and_hangs_is_killed)
{
    char *nmap = fake_nmap("exec >&- 2>&- </dev/null\nexec sleep 30");
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.2"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 1, nmap, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert(strstr(res.why_not, "(timeout)") != NULL, "%s", res.why_not);
    assert_no_child_left();
    free(nmap);
}

Test(scan, flood_of_output_is_cut_at_the_cap)
{
    char *nmap = fake_nmap("exec yes '<nmaprun>'");
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.2"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 30, nmap, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap wrote more than 16777216 bytes of XML; "
                     "it was stopped");
    assert_no_child_left();
    free(nmap);
}

Test(scan, failing_nmap_is_named_by_its_stderr)
{
    char *nmap = fake_nmap("echo 'Failed to open device eth9' >&2\n"
                           "echo 'QUITTING!' >&2\nexit 1");
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.2"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, nmap, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap failed (exit 1): Failed to open device eth9");
    free(nmap);
    scan_result_free(&res);
    nmap = fake_nmap("echo 'Starting Nmap'\necho 'unexpected' >&2");
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, nmap, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert(strncmp(res.why_not, "nmap's XML could not be read (nmap XML:1: "
                      "not well-formed XML", 60) == 0, "%s", res.why_not);
    cr_assert(strstr(res.why_not, "nmap said: unexpected") != NULL, "%s",
              res.why_not);
    free(nmap);
}

Test(scan, a_report_short_of_hosts_is_not_a_run)
{
    /* Asked for a /30 (four hosts), told of one. */
    char *nmap = fake_nmap("cat <<'EOF'\n<nmaprun version=\"7.93\"><runstats>"
                           "<finished exit=\"success\"/><hosts total=\"1\"/>"
                           "</runstats></nmaprun>\nEOF");
    uint16_t ports[] = {22};
    const char *addrs[] = {"127.0.0.0/30"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, nmap, &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "nmap reported 1 of the 4 addresses asked for");
    free(nmap);
}

Test(scan, argv_is_fixed_and_families_run_apart)
{
    char *log = tz_test_path("%s/argv", dir);
    char *body = tz_test_path("printf '%%s\\n' \"$@\" >> '%s'\n"
                              "echo --- >> '%s'", log, log);
    char *nmap = fake_nmap(body);
    uint16_t ports[] = {443, 22, 80, 22};
    const char *addrs[] = {"10.0.0.7/25", "2001:DB8::1", "10.0.0.0/25"};
    cr_assert_eq(scan_nmap(addrs, 3, ports, 4, 10, nmap, &res, &err), 0,
                 "%s", err.msg);
    /* The fake wrote no XML: the IPv4 run ends the scan. */
    cr_assert_eq(res.ran, 0);
    char *got = tz_test_slurp(log);
    cr_assert_not_null(got);
    const char *head = "-sT\n-Pn\n-n\n--open\n--noninteractive\n--max-retries\n"
                       "1\n--host-timeout\n";
    cr_assert(strncmp(got, head, strlen(head)) == 0, "%s", got);
    cr_assert(strstr(got, "-oX\n-\n-p\n22,80,443\n--\n10.0.0.7/25\n---\n") != NULL,
              "%s", got);
    cr_assert_null(strstr(got, "2001"), "%s", got);
    cr_assert_eq(res.n_addrs, 2);
    cr_assert_str_eq(res.addrs[1], "2001:db8::1");
    free(got);
    free(nmap);
    free(body);
    free(log);
}

/* The ledger's IP地址 may hold a range (10.0.0.5-10.0.0.8): nmap gets the
 * blocks that make it up, as our own text, and a range wider than one scan
 * takes is refused before nmap starts. */
Test(scan, a_range_is_scanned_as_the_blocks_that_make_it_up)
{
    char *log = tz_test_path("%s/argv", dir);
    char *body = tz_test_path("printf '%%s\\n' \"$@\" >> '%s'", log);
    char *nmap = fake_nmap(body);
    uint16_t ports[] = {22};
    const char *addrs[] = {"10.0.0.5-10.0.0.8"};
    cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, nmap, &res, &err), 0,
                 "%s", err.msg);
    char *got = tz_test_slurp(log);
    cr_assert_not_null(got);
    cr_assert(strstr(got, "\n--\n10.0.0.5\n10.0.0.6/31\n10.0.0.8\n") != NULL,
              "%s", got);
    cr_assert_eq(res.n_addrs, 3);
    scan_result_free(&res);
    const char *wide[] = {"10.0.0.0-10.0.1.0"};
    cr_assert_eq(scan_nmap(wide, 1, ports, 1, 10, nmap, &res, &err),
                 TZ_EINVAL);
    cr_assert_str_eq(err.msg, "address 1: \"10.0.0.0-10.0.1.0\" is a range "
                     "of more than 256 addresses, the most one scan takes");
    free(got);
    free(nmap);
    free(body);
    free(log);
}

Test(scan, refuses_addresses_that_are_not_numeric)
{
    char *marker = tz_test_path("%s/ran", dir);
    char *body = tz_test_path("touch '%s'", marker);
    char *nmap = fake_nmap(body);
    uint16_t ports[] = {22};
    struct {
        const char *addr;
        int rc;
        const char *why;
    } bad[] = {
        {"www.example.edu.cn", TZ_EINVAL,
         "address 1: \"www.example.edu.cn\" is not an IP address"},
        {"-oX/tmp/x", TZ_EINVAL, "address 1: \"-oX/tmp/x\" is not an IP address"},
        {"127.0.0.1;reboot", TZ_EINVAL,
         "address 1: \"127.0.0.1;reboot\" is not an IP address"},
        {"10.0.0.0/16", TZ_EINVAL, "address 1: \"10.0.0.0/16\" is a block of "
         "65536 addresses; a scan takes blocks of at most 256 (/24 for IPv4, "
         "/120 for IPv6)"},
        {"2001:db8::/64", TZ_EINVAL, "address 1: \"2001:db8::/64\" is a block "
         "of 2^64 addresses; a scan takes blocks of at most 256 (/24 for IPv4, "
         "/120 for IPv6)"},
        {"10.0.0.0/024", TZ_EINVAL, NULL},
        {"", TZ_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *addrs[] = {bad[i].addr};
        cr_assert_eq(scan_nmap(addrs, 1, ports, 1, 10, nmap, &res, &err),
                     bad[i].rc, "%s", bad[i].addr);
        cr_assert_eq(res.ran, 0);
        if (bad[i].why) {
            cr_assert_str_eq(err.msg, bad[i].why);
            cr_assert_str_eq(res.why_not, bad[i].why);
        }
        scan_result_free(&res);
    }
    /* 256 + 1 addresses in all. */
    const char *wide[] = {"127.0.0.0/24", "127.0.1.1"};
    cr_assert_eq(scan_nmap(wide, 2, ports, 1, 10, nmap, &res, &err), TZ_ELIMIT);
    cr_assert_str_eq(err.msg, "the addresses cover more than 256 hosts, the "
                     "most one scan takes");
    scan_result_free(&res);
    const char *ok[] = {"127.0.0.2"};
    uint16_t zero[] = {0};
    cr_assert_eq(scan_nmap(ok, 1, zero, 1, 10, nmap, &res, &err), TZ_EINVAL);
    scan_result_free(&res);
    cr_assert_eq(scan_nmap(ok, 1, ports, 1, 0, nmap, &res, &err), TZ_EINVAL);
    cr_assert_eq(access(marker, F_OK), -1, "nmap was started");
    free(nmap);
    free(body);
    free(marker);
}

Test(scan, no_address_is_not_checked)
{
    uint16_t ports[] = {22};
    cr_assert_eq(scan_nmap(NULL, 0, ports, 1, 10, "/nonexistent", &res, &err), 0);
    cr_assert_eq(res.ran, 0);
    cr_assert_str_eq(res.why_not, "the ledger lists no IP address for this system");
}
