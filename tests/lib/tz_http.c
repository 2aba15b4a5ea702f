/* tz_http — the tests' HTTP client. */
#include "tz_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tz_test.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void parse(char *all, size_t n, struct tz_http_resp *r)
{
    char *end = memmem(all, n, "\r\n\r\n", 4);
    if (end == NULL || sscanf(all, "HTTP/1.%*d %d", &r->status) != 1) {
        r->status = 0;
        r->headers = all;
        r->body = strdup("");
        return;
    }
    size_t hlen = (size_t)(end - all) + 2;
    r->headers = strndup(all, hlen);
    r->body_len = n - hlen - 2;
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, end + 4, r->body_len);
    r->body[r->body_len] = '\0';
    /* chunked: join the chunks */
    char *te = tz_http_header(r, "Transfer-Encoding", 0);
    if (te && strcasecmp(te, "chunked") == 0) {
        char *out = malloc(r->body_len + 1), *p = r->body;
        size_t o = 0;
        for (;;) {
            unsigned long sz = strtoul(p, &p, 16);
            p = strstr(p, "\r\n");
            if (sz == 0 || p == NULL)
                break;
            p += 2;
            memcpy(out + o, p, sz);
            o += sz;
            p += sz + 2;
        }
        out[o] = '\0';
        free(r->body);
        r->body = out;
        r->body_len = o;
    }
    free(te);
    free(all);
}

/* Whether all[0..n) holds a whole answer by its Content-Length. Some
 * servers (chromedriver) say "Connection: close" and keep the connection
 * open: without this, every answer would wait out the timeout. */
static int complete(const char *all, size_t n)
{
    const char *end = memmem(all, n, "\r\n\r\n", 4);
    if (end == NULL)
        return 0;
    for (const char *p = all; p < end;) {
        const char *eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        if (eol == NULL)
            break;
        unsigned long long cl;
        if (eol - p > 15 && strncasecmp(p, "Content-Length:", 15) == 0 &&
            sscanf(p + 15, " %llu", &cl) == 1)
            return n >= (size_t)(end + 4 - all) + cl;
        p = eol + 2;
    }
    return 0;
}

/* Send req and read the answer until the server closes, the deadline, or
 * (by_length) the end its Content-Length gives. */
static void exchange(unsigned port, const char *req, size_t len, int timeout_ms,
                     int by_length, struct tz_http_resp *r)
{
    memset(r, 0, sizeof(*r));
    long long deadline = now_ms() + timeout_ms;
    int fd = connect_to(port);
    if (fd < 0) {
        r->headers = strdup("");
        r->body = strdup("");
        return;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;   /* the server may close early (a refused body) */
        off += (size_t)w;
    }
    size_t cap = 65536, n = 0;
    char *all = malloc(cap + 1);
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        if (n == cap)
            all = realloc(all, (cap *= 2) + 1);
        ssize_t got = recv(fd, all + n, cap - n, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
        if (by_length && complete(all, n))
            break;
    }
    all[n] = '\0';
    close(fd);
    parse(all, n, r);
}

void tz_http(unsigned port, const char *method, const char *path,
             const char *headers, const char *body, size_t body_len,
             int timeout_ms, struct tz_http_resp *r)
{
    size_t cap = strlen(path) + (headers ? strlen(headers) : 0) + body_len + 256;
    char *req = malloc(cap);
    int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Connection: close\r\n%s",
                     method, path, headers ? headers : "");
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body) {
        memcpy(req + n, body, body_len);
        n += (int)body_len;
    }
    exchange(port, req, (size_t)n, timeout_ms, 1, r);
    free(req);
}

void tz_http_raw(unsigned port, const char *raw, size_t len, int timeout_ms,
                 struct tz_http_resp *r)
{
    exchange(port, raw, len, timeout_ms, 0, r);
}

void tz_http_free(struct tz_http_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

char *tz_http_header(const struct tz_http_resp *r, const char *name, int nth)
{
    size_t nl = strlen(name);
    const char *p = r->headers;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            if (nth-- == 0) {
                const char *v = p + nl + 1;
                while (*v == ' ')
                    v++;
                return strndup(v, (size_t)(eol - v));
            }
        }
        p = eol + 2;
    }
    return NULL;
}

pid_t tz_test_portal_start(const char *data, const char *log, unsigned *port)
{
    char *argv[] = {TZ_BIN "/tz-portal", "--data", (char *)data, "--listen",
                    "127.0.0.1:0", NULL};
    pid_t pid = tz_test_spawn(argv, log);
    for (int i = 0; i < 500; i++) {
        char *s = tz_test_slurp(log);
        const char *at = s ? strstr(s, "serving http://127.0.0.1:") : NULL;
        if (at && sscanf(at, "serving http://127.0.0.1:%u/", port) == 1) {
            free(s);
            return pid;
        }
        free(s);
        usleep(20 * 1000);
    }
    tz_test_stop(pid, SIGKILL);
    cr_assert_fail("tz-portal did not start (see %s)", log);
    return -1;
}
