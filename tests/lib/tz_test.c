/* tz_test — helpers shared by the Criterion tests. */
#include "tz_test.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector_config.h"
#include "envelope.h"
#include "ingest.h"
#include "register.h"
#include "tz_limits.h"

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && t[0] ? t : "/tmp";
}

char *tz_test_tmpdir(const char *tag)
{
    char *p = tz_test_path("%s/tz-%s-XXXXXX", tmp_base(), tag);
    if (mkdtemp(p) == NULL) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

void tz_test_rm_rf(const char *path)
{
    if (path == NULL || strncmp(path, tmp_base(), strlen(tmp_base())) != 0 ||
        strstr(path, "/tz-") == NULL)
        return;
    char *argv[] = {"rm", "-rf", (char *)path, NULL};
    tz_test_run(argv, NULL);
}

static void mkdirs(char *p)
{
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    }
}

void tz_test_write(const char *dir, const char *rel, const char *data)
{
    char *p = tz_test_path("%s/%s", dir, rel);
    mkdirs(p);
    FILE *f = fopen(p, "w");
    if (f == NULL) {
        perror(p);
        abort();
    }
    fputs(data, f);
    fclose(f);
    free(p);
}

char *tz_test_vpath(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

char *tz_test_path(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = tz_test_vpath(fmt, ap);
    va_end(ap);
    return s;
}

int tz_test_run(char *const argv[], char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        abort();
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        int dn = open("/dev/null", O_RDONLY);
        dup2(dn, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(fds[0], buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fds[0]);
    buf[n] = '\0';
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (out)
        *out = buf;
    else
        free(buf);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

pid_t tz_test_spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int dn = open("/dev/null", O_RDONLY);
        if (fd < 0 || dn < 0)
            _exit(126);
        dup2(dn, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

pid_t tz_test_child_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    struct dirent *de;
    pid_t found = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 &&
            ppid == parent && state != 'Z')
            found = (pid_t)atoi(de->d_name);
    }
    closedir(d);
    return found;
}

char *tz_test_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

int tz_test_wait_for(const char *path, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        char *s = tz_test_slurp(path);
        int ok = s && (needle == NULL || strstr(s, needle) != NULL);
        free(s);
        if (ok)
            return 0;
        usleep(20 * 1000);
    }
    return -1;
}

int tz_test_stop(pid_t pid, int sig)
{
    int st = 0;
    kill(pid, sig);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* ---- a source's unit tests ---- */

char *tz_test_root_new(const char *tag, struct tz_error *err)
{
    memset(err, 0, sizeof(*err));
    return tz_test_tmpdir(tag);
}

void tz_test_root_free(char *root, ProtobufCMessage *sec)
{
    if (sec)
        protobuf_c_message_free_unpacked(sec, NULL);
    tz_test_rm_rf(root);
    free(root);
}

/* ---- the built programs ---- */

pid_t tz_test_collector_start(const char *data, const char *url,
                              const char *log, const char *extra_arg)
{
    const char *extra[] = {extra_arg, NULL};
    return tz_test_collector_startv(data, url, log, extra);
}

pid_t tz_test_collector_startv(const char *data, const char *url,
                               const char *log, const char *const *extra)
{
    char *argv[10] = {TZ_BIN "/tz-collector", "--data", (char *)data, "--listen",
                      (char *)url};
    for (size_t i = 0; extra && extra[i] && i < 4; i++)
        argv[5 + i] = (char *)extra[i];
    char *before_text = tz_test_slurp(log);
    size_t before = before_text ? strlen(before_text) : 0;
    free(before_text);
    pid_t pid = tz_test_spawn(argv, log);
    for (int i = 0; i < 500; i++) {
        char *s = tz_test_slurp(log);
        int up = s && strlen(s) > before && strstr(s + before, "listening on");
        free(s);
        if (up)
            return pid;
        usleep(20 * 1000);
    }
    tz_test_stop(pid, SIGKILL);     /* the caller never learns the pid */
    cr_assert_fail("collector did not start");
    return -1;
}

char *tz_test_collector_pub(const char *data)
{
    char *path = tz_test_path("%s/collector.pub", data);
    char *pub = tz_test_slurp(path);
    free(path);
    cr_assert_not_null(pub);
    pub[strcspn(pub, "\n")] = '\0';
    return pub;
}

#define TZCTL_MAX_ARGV 64

/* tzctl --data data arg... into argv (TZCTL_MAX_ARGV slots, NULL-ended). */
static void tzctl_argv(char **argv, const char *data, const char *arg,
                       va_list ap)
{
    size_t n = 0;
    argv[n++] = TZ_BIN "/tzctl";
    argv[n++] = "--data";
    argv[n++] = (char *)data;
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        cr_assert_lt(n, TZCTL_MAX_ARGV - 1, "too many tzctl arguments");
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
}

int tz_test_tzctl_run(const char *data, char **out, const char *arg, ...)
{
    char *argv[TZCTL_MAX_ARGV];
    va_list ap;
    va_start(ap, arg);
    tzctl_argv(argv, data, arg, ap);
    va_end(ap);
    free(*out);
    *out = NULL;
    return tz_test_run(argv, out);
}

char *tz_test_tzctl(const char *data, int want_rc, const char *arg, ...)
{
    char *argv[TZCTL_MAX_ARGV] = {0};
    va_list ap;
    va_start(ap, arg);
    tzctl_argv(argv, data, arg, ap);
    va_end(ap);
    char *out = NULL;
    int rc = tz_test_run(argv, &out);
    cr_assert_eq(rc, want_rc, "tzctl %s %s: rc %d: %s", argv[3],
                 argv[4] ? argv[4] : "", rc, out);
    return out;
}

char *tz_test_token(const char *data, const char *dept)
{
    free(tz_test_tzctl(data, 0, "dept", "add", dept, NULL));
    char *out = tz_test_tzctl(data, 0, "token", "create", "--dept", dept, NULL);
    char *tok = strstr(out, "tz_");
    cr_assert_not_null(tok, "no token in: %s", out);
    tok[strcspn(tok, " \r\n")] = '\0';
    char *t = strdup(tok);
    free(out);
    return t;
}

struct tz_register *tz_test_register_new(const char *tag, char **dir)
{
    unsetenv("TZ_DATA");
    *dir = tz_test_tmpdir(tag);
    struct tz_register *reg = NULL;
    struct tz_error err = {0};
    cr_assert_eq(register_open(*dir, 0, &reg, &err), 0, "%s", err.msg);
    return reg;
}

char *tz_test_agent_ini(const char *dir, const char *name, const char *url,
                        const char *pub, const char *token, const char *root,
                        const char *extra)
{
    char *ini = tz_test_path("[agent]\nuser = root\ncollector = %s\n"
                             "collector_key = %s\nenroll_token = %s\n"
                             "state_dir = %s/agent-%s\nroot = %s\n%s",
                             url, pub, token, dir, name, root, extra);
    char *rel = tz_test_path("%s.ini", name);
    tz_test_write(dir, rel, ini);
    free(rel);
    free(ini);
    return tz_test_path("%s/%s.ini", dir, name);
}

void tz_test_ingest_enroll(struct tz_register *reg, const struct tz_keypair *collector,
                           const struct tz_keypair *agent, const char *token,
                           int64_t now)
{
    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = (char *)token;
    en.hostname = "test";
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.seq = 1;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    struct ingest_req req = {0};
    uint8_t *msg;
    struct tz_error err = {0};
    cr_assert_eq(envelope_seal(&p, agent, collector->pk, &msg, &req.len, &err), 0, "%s",
                 err.msg);
    req.msg = msg;
    cr_assert_eq(ingest_process(reg, collector, &req, 1, TZ_MAX_MSG, now, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(req.status, TZ__STATUS__OK);
    free(req.reply);
    free(msg);
}

int tz_test_collector_ini(const char *text, struct collector_config *c,
                          struct tz_error *err)
{
    char *dir = tz_test_tmpdir("collector_ini");
    tz_test_write(dir, "c.ini", text);
    char *path = tz_test_path("%s/c.ini", dir);
    collector_config_defaults(c);
    int rc = collector_config_load(c, path, err);
    tz_test_rm_rf(dir);
    free(dir);
    free(path);
    return rc;
}
