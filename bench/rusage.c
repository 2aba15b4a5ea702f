/* rusage — run a command and report its wall time, CPU time and peak RSS.
 *
 * usage: rusage [-o FILE] [-n RUNS] -- COMMAND [ARG...]
 * The figures come from wait4(), i.e. the kernel's accounting of the child
 * and everything it waited for: no sampling, nothing the command can hide.
 * With -n the command runs RUNS times: the fastest wall time, the mean user
 * and system CPU time (tick-based accounting is coarse for one short run),
 * and the largest peak RSS seen are reported. One line
 *   RUSAGE wall_s=… user_s=… sys_s=… cpu_s=… maxrss_kb=… status=…
 * goes to FILE (default stderr). The exit status is the command's (of the
 * last run), or 127 when it could not be started. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    int runs = 1, i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else
            break;
    }
    if (i >= argc || runs < 1) {
        fprintf(stderr, "usage: rusage [-o FILE] [-n RUNS] -- COMMAND [ARG...]\n");
        return 2;
    }
    double best_wall = -1, sum_user = 0, sum_sys = 0;
    long peak = 0;
    int status = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        pid_t pid = fork();
        if (pid < 0) {
            perror("rusage: fork");
            return 127;
        }
        if (pid == 0) {
            execvp(argv[i], argv + i);
            fprintf(stderr, "rusage: %s: %s\n", argv[i], strerror(errno));
            _exit(127);
        }
        struct rusage ru;
        int st;
        while (wait4(pid, &st, 0, &ru) < 0) {
            if (errno != EINTR) {
                perror("rusage: wait4");
                return 127;
            }
        }
        double wall = now_s() - t0;
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (ru.ru_maxrss > peak)
            peak = ru.ru_maxrss;
        if (best_wall < 0 || wall < best_wall)
            best_wall = wall;
        sum_user += tv(ru.ru_utime);
        sum_sys += tv(ru.ru_stime);
    }
    FILE *f = out ? fopen(out, "w") : stderr;
    if (f == NULL) {
        perror(out);
        return 127;
    }
    fprintf(f, "RUSAGE wall_s=%.4f user_s=%.4f sys_s=%.4f cpu_s=%.4f maxrss_kb=%ld "
               "status=%d runs=%d\n", best_wall, sum_user / runs, sum_sys / runs,
            (sum_user + sum_sys) / runs, peak, status, runs);
    if (out)
        fclose(f);
    return status;
}
