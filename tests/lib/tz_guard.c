/* tz_guard — kill a dead test's programs, remove its temp dir. */
#include "tz_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tz_test.h"

struct tz_guard {
    pid_t pid;
    int fd;          /* the test's end of the pipe */
};

struct tz_guard *tz_guard_start(const pid_t *pids, size_t n, const char *dir)
{
    struct tz_guard *g = calloc(1, sizeof(*g));
    int fds[2];
    cr_assert_not_null(g);
    cr_assert_eq(pipe2(fds, O_CLOEXEC), 0, "pipe: %s", strerror(errno));
    g->pid = fork();
    cr_assert_geq(g->pid, 0, "fork: %s", strerror(errno));
    if (g->pid == 0) {
        /* Hold nothing of the test's but the pipe: Criterion's own
         * descriptors must close when the test process does. */
        dup2(fds[0], 0);
        closefrom(3);
        char c;
        while (read(0, &c, 1) < 0 && errno == EINTR)
            ;
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        if (dir)
            tz_test_rm_rf(dir);
        _exit(0);
    }
    close(fds[0]);
    g->fd = fds[1];
    return g;
}

void tz_guard_end(struct tz_guard *g)
{
    if (g == NULL)
        return;
    kill(g->pid, SIGKILL);
    while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(g->fd);
    free(g);
}
