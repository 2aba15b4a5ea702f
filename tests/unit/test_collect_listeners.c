/* Tests for collect_listeners: synthetic /proc/net tables and fake
 * /proc/PID/fd links in a temp root give exact entries (decoding, states,
 * owners, dedup, order); the live system shows this test's own sockets
 * with its pid and comm; and on the live system sock_diag gives exactly
 * what /proc/net gives. */
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

/* "" when a and b list the same entries, else the first difference. */
static void differ(const Tz__ListenersSection *a, const Tz__ListenersSection *b,
                   char *why, size_t len)
{
    why[0] = '\0';
    size_t n = a->n_listeners < b->n_listeners ? a->n_listeners : b->n_listeners;
    for (size_t i = 0; i < n; i++) {
        const Tz__Listener *x = a->listeners[i], *y = b->listeners[i];
        if (strcmp(x->proto, y->proto) || strcmp(x->address, y->address) ||
            x->port != y->port || x->pid != y->pid || x->uid != y->uid ||
            x->exposed != y->exposed || strcmp(x->process, y->process)) {
            snprintf(why, len, "entry %zu: %s %s:%u pid %u %s uid %u vs "
                     "%s %s:%u pid %u %s uid %u", i, x->proto, x->address,
                     x->port, x->pid, x->process, x->uid, y->proto, y->address,
                     y->port, y->pid, y->process, y->uid);
            return;
        }
    }
    if (a->n_listeners != b->n_listeners)
        snprintf(why, len, "%zu entries vs %zu", a->n_listeners, b->n_listeners);
}

/* On this host, sock_diag gives what /proc/net gives: the same sockets in
 * the same states, addresses, ports, owners and uids; connections are in
 * neither. */
Test(listeners, netlink_equals_proc_on_this_host)
{
    uint16_t p_tcp, p_udp, p_udp_any, p_tcp6 = 0, p_udp6 = 0;
    int tcp = listen_on(SOCK_STREAM, AF_INET, "0.0.0.0", &p_tcp);
    int udp = listen_on(SOCK_DGRAM, AF_INET, "127.0.0.1", &p_udp);
    int udp_any = listen_on(SOCK_DGRAM, AF_INET, "0.0.0.0", &p_udp_any);
    int tcp6 = listen_on(SOCK_STREAM, AF_INET6, "::", &p_tcp6);
    int udp6 = listen_on(SOCK_DGRAM, AF_INET6, "::1", &p_udp6);
    cr_assert(tcp >= 0 && udp >= 0 && udp_any >= 0);

    /* an accepted connection and a connected UDP socket: listed by neither */
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(p_tcp)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(cli, (struct sockaddr *)&to, sizeof(to)), 0);
    int acc = accept(tcp, NULL, NULL);
    cr_assert_geq(acc, 0);
    uint16_t p_conn;
    int conn = listen_on(SOCK_DGRAM, AF_INET, "127.0.0.1", &p_conn);
    to.sin_port = htons(p_udp);
    cr_assert_eq(connect(conn, (struct sockaddr *)&to, sizeof(to)), 0);

    Tz__ListenersSection *nl = NULL, *pr = NULL;
    int rc = collect_listeners_from("/", TZ_LISTEN_NETLINK, &nl, &err);
    if (rc == TZ_ENOENT)
        cr_skip_test("no sock_diag on this host: %s", err.msg);
    cr_assert_eq(rc, 0, "%s", err.msg);
    /* other processes may open or close sockets between two readings */
    char why[512] = "not compared";
    for (int round = 0; round < 5 && why[0]; round++) {
        if (round > 0) {
            protobuf_c_message_free_unpacked(&nl->base, NULL);
            cr_assert_eq(collect_listeners_from("/", TZ_LISTEN_NETLINK, &nl, &err),
                         0, "%s", err.msg);
        }
        if (pr)
            protobuf_c_message_free_unpacked(&pr->base, NULL);
        cr_assert_eq(collect_listeners_from("/", TZ_LISTEN_PROC, &pr, &err), 0,
                     "%s", err.msg);
        differ(pr, nl, why, sizeof(why));
    }
    cr_expect_str_empty(why, "/proc/net and sock_diag differ: %s", why);

    sec = nl;                /* find() looks in sec; teardown frees it */
    const Tz__Listener *l = find("tcp", "0.0.0.0", p_tcp);
    cr_assert_not_null(l, "tcp 0.0.0.0:%u not listed", p_tcp);
    cr_expect_eq(l->pid, (uint32_t)getpid());
    cr_expect_eq(l->exposed, 1);
    l = find("udp", "127.0.0.1", p_udp);
    cr_assert_not_null(l, "udp 127.0.0.1:%u not listed", p_udp);
    cr_expect_eq(l->pid, (uint32_t)getpid());
    cr_expect_eq(l->exposed, 0);
    cr_expect_not_null(find("udp", "0.0.0.0", p_udp_any));
    cr_expect_null(find("udp", "127.0.0.1", p_conn), "a connected socket listed");
    cr_expect_null(find("tcp", "127.0.0.1", p_tcp), "a connection listed");
    if (tcp6 >= 0)
        cr_expect_not_null(find("tcp6", "::", p_tcp6));
    if (udp6 >= 0)
        cr_expect_not_null(find("udp6", "::1", p_udp6));
    protobuf_c_message_free_unpacked(&pr->base, NULL);
    for (int *fd = (int[]){tcp, udp, udp_any, tcp6, udp6, cli, acc, conn, -2};
         *fd != -2; fd++)
        if (*fd >= 0)
            close(*fd);
}

Test(listeners, netlink_only_answers_for_the_live_host)
{
    tz_test_write(root, "proc/net/tcp", HDR);
    Tz__ListenersSection *sentinel = (Tz__ListenersSection *)&err;
    sec = sentinel;
    cr_expect_eq(collect_listeners_from(root, TZ_LISTEN_NETLINK, &sec, &err),
                 TZ_EINVAL);
    cr_expect_eq(sec, sentinel);
    sec = NULL;
    cr_assert_eq(collect_listeners_from(root, TZ_LISTEN_PROC, &sec, &err), 0,
                 "%s", err.msg);
    cr_expect_eq(sec->n_listeners, 0);
}
