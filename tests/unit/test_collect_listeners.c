/* Tests for collect_listeners: synthetic /proc/net tables and fake
 * /proc/PID/fd links in a temp root give exact entries (decoding, states,
 * owners, dedup, order); and the live system shows this test's own sockets
 * with its pid and comm. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collect_listeners.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;
static Tz__ListenersSection *sec;

static void setup(void)
{
    root = tz_test_root_new("listen", &err);
    sec = NULL;
}

static void teardown(void)
{
    tz_test_root_free(root, sec ? &sec->base : NULL);
}

TestSuite(listeners, .init = setup, .fini = teardown);

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
            "retrnsmt   uid  timeout inode\n"
#define T4(sl, local, remote, st, uid, inode)                                  \
    "  " sl ": " local " " remote " " st " 00000000:00000000 00:00000000 "      \
    "00000000 " uid " 0 " inode " 1 0000000000000000 100 0 0 10 0\n"
#define Z4 "00000000:0000"
#define Z6 "00000000000000000000000000000000:0000"

static void fd_link(const char *pid, const char *fd, const char *target)
{
    char *dir = tz_test_path("%s/proc/%s/fd", root, pid);
    char *keep = tz_test_path("proc/%s/fd/.keep", pid);
    tz_test_write(root, keep, "");    /* creates the directories */
    free(keep);
    char *link = tz_test_path("%s/%s", dir, fd);
    cr_assert_eq(symlink(target, link), 0, "%s", link);
    free(link);
    free(dir);
}

static void proc(const char *pid, const char *comm)
{
    char *rel = tz_test_path("proc/%s/comm", pid);
    tz_test_write(root, rel, comm);
    free(rel);
}

static void expect(size_t i, const char *proto, const char *addr, uint32_t port,
                   uint32_t pid, const char *process, uint32_t uid, int exposed)
{
    cr_assert_lt(i, sec->n_listeners);
    const Tz__Listener *l = sec->listeners[i];
    cr_expect_str_eq(l->proto, proto, "entry %zu", i);
    cr_expect_str_eq(l->address, addr, "entry %zu", i);
    cr_expect_eq(l->port, port, "entry %zu port %u", i, l->port);
    cr_expect_eq(l->pid, pid, "entry %zu pid %u", i, l->pid);
    cr_expect_str_eq(l->process, process, "entry %zu", i);
    cr_expect_eq(l->uid, uid, "entry %zu uid %u", i, l->uid);
    cr_expect_eq(l->exposed, exposed, "entry %zu exposed", i);
}

Test(listeners, synthetic_proc_gives_exact_entries)
{
    tz_test_write(root, "proc/net/tcp", HDR
        T4("0", "00000000:0016", Z4, "0A", "0", "1001")       /* 0.0.0.0:22 */
        T4("1", "0100007F:0277", Z4, "0A", "0", "1002")       /* 127.0.0.1:631 */
        T4("2", "0F02000A:0016", "0202000A:C350", "01", "0", "1003")
        T4("3", "0100007F:1F90", Z4, "0A", "1000", "1004")    /* 127.0.0.1:8080 */
        T4("4", "0100007F:1F90", Z4, "0A", "1000", "1005")    /* same, reuseport */
        "  5: this line is garbage\n"
        T4("6", "0100007G:0050", Z4, "0A", "0", "1006")       /* bad hex */
        T4("7", "0100007F:50", Z4, "0A", "0", "1007"));       /* short port */
    tz_test_write(root, "proc/net/tcp6", HDR
        T4("0", "00000000000000000000000000000000:0050", Z6, "0A", "33", "2001")
        T4("1", "00000000000000000000000001000000:0019", Z6, "0A", "0", "2002")
        T4("2", "0000000000000000FFFF00000100007F:0035", Z6, "0A", "0", "2003")
        T4("3", "B80D0120000000000000000001000000:01BB", Z6, "0A", "0", "2004")
        T4("4", "0000000000000000FFFF00000A00000A:0016", Z6, "06", "0", "2005"));
    tz_test_write(root, "proc/net/udp", HDR
        T4("0", "00000000:0044", Z4, "07", "0", "3001")       /* 0.0.0.0:68 */
        T4("1", "3500007F:0035", Z4, "07", "101", "3002")     /* 127.0.0.53:53 */
        T4("2", "0F02000A:A1B2", "08080808:0035", "01", "0", "3003"));
    /* no udp6: a host without IPv6 */

    proc("100", "sshd\n");
    fd_link("100", "0", "/dev/null");
    fd_link("100", "3", "socket:[1001]");
    fd_link("100", "4", "socket:[9999]");
    fd_link("100", "5", "socket:[1001]x");
    proc("300", "nginx\n");
    fd_link("300", "5", "socket:[1005]");
    proc("301", "nginx-worker\n");
    fd_link("301", "5", "socket:[1005]");
    fd_link("301", "6", "socket:[2004]");
    proc("33", "apache2\n");
    fd_link("33", "7", "socket:[2001]");
    proc("400", "dhclient\n");
    fd_link("400", "6", "socket:[3001]");
    proc("500", "systemd-resolve\n");
    fd_link("500", "12", "socket:[3002]");
    proc("600", "no-fd-dir\n");
    fd_link("abc", "1", "socket:[1002]");       /* not a pid: never looked at */
    char *self = tz_test_path("%s/proc/self", root);
    cr_assert_eq(symlink("100", self), 0);
    free(self);

    int rc = collect_listeners(root, &sec, &err);
    cr_assert_eq(rc, 0, "rc %d %s", rc, err.msg);
    cr_assert_eq(sec->n_listeners, 9, "%zu listeners", sec->n_listeners);
    expect(0, "tcp", "0.0.0.0", 22, 100, "sshd", 0, 1);
    expect(1, "tcp", "127.0.0.1", 631, 0, "", 0, 0);
    expect(2, "tcp", "127.0.0.1", 8080, 300, "nginx", 1000, 0);
    expect(3, "tcp6", "::1", 25, 0, "", 0, 0);
    expect(4, "tcp6", "::ffff:127.0.0.1", 53, 0, "", 0, 0);
    expect(5, "tcp6", "::", 80, 33, "apache2", 33, 1);
    expect(6, "tcp6", "2001:db8::1", 443, 301, "nginx-worker", 0, 1);
    expect(7, "udp", "127.0.0.53", 53, 500, "systemd-resolve", 101, 0);
    expect(8, "udp", "0.0.0.0", 68, 400, "dhclient", 0, 1);
}

Test(listeners, no_proc_is_enoent_and_out_untouched)
{
    Tz__ListenersSection *sentinel = (Tz__ListenersSection *)&err;
    sec = sentinel;
    cr_expect_eq(collect_listeners(root, &sec, &err), TZ_ENOENT);
    cr_expect_eq(sec, sentinel);
    sec = NULL;
}

Test(listeners, empty_tables_give_an_empty_section)
{
    tz_test_write(root, "proc/net/tcp", HDR);
    cr_assert_eq(collect_listeners(root, &sec, &err), 0);
    cr_expect_eq(sec->n_listeners, 0);
}

static int listen_on(int type, int family, const char *addr, uint16_t *port)
{
    int fd = socket(family, type, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        cr_assert_eq(inet_pton(AF_INET, addr, &in->sin_addr), 1);
        sl = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        cr_assert_eq(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
        sl = sizeof(*in6);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM)
        cr_assert_eq(listen(fd, 4), 0);
    sl = sizeof(ss);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static const Tz__Listener *find(const char *proto, const char *addr,
                                uint32_t port)
{
    for (size_t i = 0; i < sec->n_listeners; i++) {
        const Tz__Listener *l = sec->listeners[i];
        if (strcmp(l->proto, proto) == 0 && strcmp(l->address, addr) == 0 &&
            l->port == port)
            return l;
    }
    return NULL;
}

Test(listeners, live_sees_this_process)
{
    char comm[64] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(comm, sizeof(comm), f));
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    cr_assert_str_eq(comm, "test_collect_li");   /* the kernel keeps 15 bytes */

    uint16_t p_any, p_lo, p_udp, p_v6 = 0;
    int any = listen_on(SOCK_STREAM, AF_INET, "0.0.0.0", &p_any);
    int lo = listen_on(SOCK_STREAM, AF_INET, "127.0.0.1", &p_lo);
    int udp = listen_on(SOCK_DGRAM, AF_INET, "127.0.0.1", &p_udp);
    int v6 = listen_on(SOCK_STREAM, AF_INET6, "::1", &p_v6);
    cr_assert(any >= 0 && lo >= 0 && udp >= 0);

    cr_assert_eq(collect_listeners("/", &sec, &err), 0, "%s", err.msg);
    const Tz__Listener *l = find("tcp", "0.0.0.0", p_any);
    cr_assert_not_null(l, "0.0.0.0:%u not listed", p_any);
    cr_expect_eq(l->exposed, 1);
    cr_expect_eq(l->pid, (uint32_t)getpid());
    cr_expect_str_eq(l->process, comm);
    cr_expect_eq(l->uid, (uint32_t)getuid());

    l = find("tcp", "127.0.0.1", p_lo);
    cr_assert_not_null(l, "127.0.0.1:%u not listed", p_lo);
    cr_expect_eq(l->exposed, 0);
    cr_expect_eq(l->pid, (uint32_t)getpid());
    cr_expect_str_eq(l->process, comm);

    l = find("udp", "127.0.0.1", p_udp);
    cr_assert_not_null(l, "udp 127.0.0.1:%u not listed", p_udp);
    cr_expect_eq(l->exposed, 0);
    cr_expect_eq(l->pid, (uint32_t)getpid());

    if (v6 >= 0) {
        l = find("tcp6", "::1", p_v6);
        cr_assert_not_null(l, "::1 %u not listed", p_v6);
        cr_expect_eq(l->exposed, 0);
        cr_expect_eq(l->pid, (uint32_t)getpid());
        close(v6);
    }
    /* sorted by proto, port, address */
    for (size_t i = 1; i < sec->n_listeners; i++) {
        const Tz__Listener *a = sec->listeners[i - 1], *b = sec->listeners[i];
        int c = strcmp(a->proto, b->proto);
        cr_expect(c < 0 || (c == 0 && (a->port < b->port ||
                  (a->port == b->port && strcmp(a->address, b->address) < 0))),
                  "entries %zu and %zu out of order or duplicate", i - 1, i);
    }
    close(any);
    close(lo);
    close(udp);
}
