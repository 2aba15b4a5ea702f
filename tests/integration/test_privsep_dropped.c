/* The daemon's situation: privsep started as root, then the collecting
 * process drops to nobody (in a fork here, so the test stays root). Its
 * report must still name the owner of a root-owned listening socket (this
 * test's own, on 127.0.0.1) and carry the DMI serial only root can read,
 * both through the privsep child; with the child gone the report is still
 * made, with pid 0 and a warning for each section. Needs root. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"
#include "privsep.h"
#include "report.h"
#include "rootfs.h"

#define SERIAL "/sys/class/dmi/id/product_serial"

struct seen {
    int rc;                    /* 0, or where the child failed */
    uint32_t pid;              /* of the test's listener, as reported */
    char process[64];
    char serial[300];
    int hw_warning, lsn_warning, have_hw, have_lsn;
    char first_error[300];
};

/* In the forked child: become nobody, collect, say what was seen. */
static void collect_as_nobody(int out, int lsock, uint16_t port)
{
    struct seen s;
    memset(&s, 0, sizeof(s));
    struct tz_error e = {0};
    close(lsock);              /* else nobody holds the socket too */
    Tz__Report *r = NULL;
    if (privdrop("nobody", &e) != 0 || geteuid() == 0)
        s.rc = 1;
    else if (report_collect(NULL, &r, &e) != 0)
        s.rc = 2;
    if (r) {
        s.have_hw = r->hardware != NULL;
        s.have_lsn = r->listeners != NULL;
        if (r->hardware && r->hardware->product_serial)
            snprintf(s.serial, sizeof(s.serial), "%s",
                     r->hardware->product_serial);
        for (size_t i = 0; r->listeners && i < r->listeners->n_listeners; i++) {
            const Tz__Listener *l = r->listeners->listeners[i];
            if (strcmp(l->proto, "tcp") == 0 && l->port == port &&
                strcmp(l->address, "127.0.0.1") == 0) {
                s.pid = l->pid;
                snprintf(s.process, sizeof(s.process), "%s",
                         l->process ? l->process : "");
            }
        }
        for (size_t i = 0; i < r->n_errors; i++) {
            if (i == 0)
                snprintf(s.first_error, sizeof(s.first_error), "%s",
                         r->errors[i]->message);
            if (r->errors[i]->section == TZ__SECTION_KIND__SECTION_HARDWARE)
                s.hw_warning = 1;
            if (r->errors[i]->section == TZ__SECTION_KIND__SECTION_LISTENERS)
                s.lsn_warning = 1;
        }
        protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    _exit(write(out, &s, sizeof(s)) == (ssize_t)sizeof(s) ? 0 : 3);
}

static int listen_local(uint16_t *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(s, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(s, 4), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return s;
}

static void run_dropped(int lsock, uint16_t port, struct seen *s)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        collect_as_nobody(p[1], lsock, port);
    }
    close(p[1]);
    memset(s, 0, sizeof(*s));
    ssize_t n = read(p[0], s, sizeof(*s));
    close(p[0]);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    cr_assert_eq(n, (ssize_t)sizeof(*s));
    cr_assert_eq(s->rc, 0, "dropped child failed at step %d", s->rc);
}

static void self_comm(char *comm, size_t len)
{
    FILE *c = fopen("/proc/self/comm", "r");
    cr_assert_not_null(c);
    cr_assert_not_null(fgets(comm, (int)len, c));
    fclose(c);
    comm[strcspn(comm, "\n")] = '\0';
}

Test(privsep_dropped, nobody_reports_roots_socket_owner_and_dmi_serial)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to drop to nobody");
    struct tz_error err = {0};
    struct privsep *ps = NULL;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    struct weakpw_limits lim;
    weakpw_limits_default(&lim);
    lim.max_candidates = 2;
    lim.max_total_ms = 2000;
    report_set_accounts(ps, &lim, NULL);
    cr_assert_eq(privsep_fix(ps, NULL, &lim, NULL, &err), 0, "%s", err.msg);
    uint16_t port;
    int lsock = listen_local(&port);
    char comm[64];
    self_comm(comm, sizeof(comm));

    struct seen s;
    run_dropped(lsock, port, &s);
    cr_expect(s.have_lsn, "no listeners section: %s", s.first_error);
    cr_expect_eq(s.pid, (uint32_t)getpid(), "127.0.0.1:%u owned by pid %u",
                 port, s.pid);
    cr_expect_str_eq(s.process, comm);
    cr_expect_not(s.lsn_warning, "%s", s.first_error);
    cr_expect_not(s.hw_warning, "%s", s.first_error);

    char serial[TZ_MAX_STR + 1] = "";
    if (tz_read_line1(SERIAL, serial, sizeof(serial)) != 0 || serial[0] == '\0')
        fprintf(stderr, "no %s on this machine: DMI part not checked\n",
                SERIAL);
    else
        cr_expect_str_eq(s.serial, serial);

    privsep_stop(ps);
    report_set_accounts(NULL, NULL, NULL);
    close(lsock);
}

Test(privsep_dropped, without_the_child_the_report_is_made_with_warnings)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to drop to nobody");
    struct tz_error err = {0};
    struct privsep *ps = NULL;
    cr_assert_eq(privsep_start(&ps, &err), 0, "%s", err.msg);
    report_set_accounts(ps, NULL, NULL);
    kill(privsep_pid(ps), SIGKILL);
    uint16_t port;
    int lsock = listen_local(&port);

    struct seen s;
    run_dropped(lsock, port, &s);
    cr_expect(s.have_hw);
    cr_expect(s.have_lsn);
    cr_expect_eq(s.pid, 0);
    cr_expect(s.hw_warning);
    cr_expect(s.lsn_warning);

    privsep_stop(ps);
    report_set_accounts(NULL, NULL, NULL);
    close(lsock);
}
