/* Tests for what an agent without root gets from its privsep child: the
 * hardware section takes the child's DMI fields only where its own are
 * empty; collect_listeners asks about exactly the sockets it could not
 * resolve and keeps the section (with a warning) when the asking fails; a
 * real child names the owner of a socket this test holds, and a dead child
 * fails cleanly. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect_hardware.h"
#include "collect_listeners.h"
#include "privsep.h"
#include "proc_owners.h"
#include "rootfacts.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;

static void setup(void)
{
    root = tz_test_root_new("rootfacts", &err);
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    tz_test_root_free(root, NULL);
}

Test(rootfacts, hardware_takes_the_childs_dmi_only_where_its_own_is_empty,
     .init = setup, .fini = teardown)
{
    tz_test_write(root, "sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
    tz_test_write(root, "sys/class/dmi/id/product_uuid", "\n");
    struct rootfacts f;
    memset(&f, 0, sizeof(f));
    strcpy(f.dmi[0], "not this one");
    strcpy(f.dmi[2], "SER-4711");
    strcpy(f.dmi[3], "4c4c4544-0031");
    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware_with(root, &f, &hw, &err), 0, "%s", err.msg);
    cr_expect_str_eq(hw->sys_vendor, "Dell Inc.");
    cr_expect_str_eq(hw->product_serial, "SER-4711");
    cr_expect_str_eq(hw->product_uuid, "4c4c4544-0031");
    cr_expect_str_eq(hw->board_name, "");
    protobuf_c_message_free_unpacked(&hw->base, NULL);
    /* without facts: as before */
    cr_assert_eq(collect_hardware(root, &hw, &err), 0);
    cr_expect_str_eq(hw->sys_vendor, "Dell Inc.");
    cr_expect_str_eq(hw->product_serial, "");
    protobuf_c_message_free_unpacked(&hw->base, NULL);
}

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
            "retrnsmt   uid  timeout inode\n"
#define T4(sl, local, st, uid, inode)                                          \
    "  " sl ": " local " 00000000:0000 " st " 00000000:00000000 00:00000000 "   \
    "00000000 " uid " 0 " inode " 1 0000000000000000 100 0 0 10 0\n"

struct asked {
    unsigned long inodes[8];
    size_t n;
    int fail;
};

static int fake_child(void *arg, struct proc_owner *o, size_t n,
                      struct tz_error *e)
{
    struct asked *a = arg;
    for (size_t i = 0; i < n && a->n < 8; i++)
        a->inodes[a->n++] = o[i].inode;
    if (a->fail)
        return tz_err(e, TZ_EPROTO, NULL, 0, "the privileged helper is gone");
    for (size_t i = 0; i < n; i++)
        if (o[i].inode == 2002) {
            o[i].pid = 812;
            strcpy(o[i].comm, "sshd");
        }
    return 0;
}

static void listeners_fixture(void)
{
    tz_test_write(root, "proc/net/tcp", HDR
        T4("0", "00000000:0016", "0A", "0", "2002")           /* :22, root's */
        T4("1", "0100007F:1F90", "0A", "65534", "2003"));     /* :8080, ours */
    tz_test_write(root, "proc/900/comm", "web\n");
    char *dir = tz_test_path("%s/proc/900/fd", root);
    mkdir(dir, 0755);
    char *link = tz_test_path("%s/3", dir);
    cr_assert_eq(symlink("socket:[2003]", link), 0);
    free(link);
    free(dir);
}

Test(rootfacts, listeners_ask_only_about_unresolved_sockets, .init = setup,
     .fini = teardown)
{
    listeners_fixture();
    struct asked a = {{0}, 0, 0};
    struct tz_error warn = {0};
    Tz__ListenersSection *sec = NULL;
    cr_assert_eq(collect_listeners_with(root, TZ_LISTEN_PROC, fake_child, &a,
                                        &sec, &warn, &err), 0, "%s", err.msg);
    cr_expect_eq(a.n, 1);
    cr_expect_eq(a.inodes[0], 2002);
    cr_expect_eq(warn.code, 0);
    cr_assert_eq(sec->n_listeners, 2);
    cr_expect_eq(sec->listeners[0]->port, 22);
    cr_expect_eq(sec->listeners[0]->pid, 812);
    cr_expect_str_eq(sec->listeners[0]->process, "sshd");
    cr_expect_eq(sec->listeners[1]->port, 8080);
    cr_expect_eq(sec->listeners[1]->pid, 900);
    cr_expect_str_eq(sec->listeners[1]->process, "web");
    protobuf_c_message_free_unpacked(&sec->base, NULL);
}

Test(rootfacts, a_failing_child_leaves_pid_0_and_a_warning, .init = setup,
     .fini = teardown)
{
    listeners_fixture();
    struct asked a = {{0}, 0, 1};
    struct tz_error warn = {0};
    Tz__ListenersSection *sec = NULL;
    cr_assert_eq(collect_listeners_with(root, TZ_LISTEN_PROC, fake_child, &a,
                                        &sec, &warn, &err), 0, "%s", err.msg);
    cr_expect_eq(warn.code, TZ_EPROTO);
    cr_expect(strstr(warn.msg, "gone") != NULL, "%s", warn.msg);
    cr_assert_eq(sec->n_listeners, 2);
    cr_expect_eq(sec->listeners[0]->pid, 0);
    cr_expect_str_eq(sec->listeners[0]->process, "");
    cr_expect_eq(sec->listeners[1]->pid, 900);
    protobuf_c_message_free_unpacked(&sec->base, NULL);
}

/* The inode of a socket: fstat gives it for any socket. */
static unsigned long inode_of(int fd)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    return (unsigned long)st.st_ino;
}

static int listen_local(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(s, 4), 0);
    return s;
}

Test(rootfacts, a_real_child_names_the_owner_of_an_asked_socket_only)
{
    struct privsep *ps = NULL;
    struct rootfacts f;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    cr_expect_eq(privsep_facts(ps, NULL, 0, &f, &err), TZ_EPERM,
                 "nothing is served before the fix");
    cr_assert_eq(privsep_fix(ps, NULL, NULL, NULL, &err), 0, "%s", err.msg);
    int s = listen_local(), t = listen_local();
    unsigned long ask[3] = {inode_of(s), 0, inode_of(s)};
    cr_assert_eq(privsep_facts(ps, ask, 3, &f, &err), 0, "%s", err.msg);
    cr_assert_eq(f.n_owners, 1);            /* t was not asked about */
    cr_expect_eq(f.owners[0].inode, inode_of(s));
    cr_expect_eq(f.owners[0].pid, (uint32_t)getpid());
    char comm[64] = "";
    FILE *c = fopen("/proc/self/comm", "r");
    cr_assert_not_null(c);
    cr_assert_not_null(fgets(comm, sizeof(comm), c));
    fclose(c);
    comm[strcspn(comm, "\n")] = '\0';
    cr_expect_str_eq(f.owners[0].comm, comm);
    rootfacts_free(&f);
    /* through the listen_owner_fn adapter, in place */
    struct proc_owner o[2] = {{inode_of(t), 0, ""}, {1, 0, ""}};
    cr_assert_eq(privsep_owners(ps, o, 2, &err), 0, "%s", err.msg);
    cr_expect_eq(o[0].pid, (uint32_t)getpid());
    cr_expect_eq(o[1].pid, 0);
    /* a dead child: a clean error, now and after */
    kill(privsep_pid(ps), SIGKILL);
    cr_expect_eq(privsep_facts(ps, ask, 1, &f, &err), TZ_EPROTO);
    cr_expect_eq(f.n_owners, 0);
    cr_expect_eq(privsep_facts(ps, NULL, 0, &f, &err), TZ_EPROTO);
    cr_expect_eq(privsep_pid(ps), 0);
    privsep_stop(ps);
    close(s);
    close(t);
}
