/* tz_smtp_sink — a tiny SMTP server for the digest tests, and the
 * decoding of what it received (see tz_smtp_sink.h). */
#include "tz_smtp_sink.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>



/* One line (CRLF stripped) from fd into buf; -1 at EOF. */
static int sink_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char c;
    while (read(fd, &c, 1) == 1) {
        if (c == '\n') {
            if (n && buf[n - 1] == '\r')
                n--;
            buf[n] = '\0';
            return 0;
        }
        if (n + 1 < cap)
            buf[n++] = c;
    }
    return -1;
}

static void say(int fd, const char *s)
{
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
}

static char *sink_data(int fd)
{
    size_t cap = 1 << 20, len = 0;
    char *d = malloc(cap), line[2048];
    d[0] = '\0';
    while (sink_line(fd, line, sizeof(line)) == 0 && strcmp(line, ".") != 0) {
        const char *l = line[0] == '.' ? line + 1 : line;  /* dot-stuffing */
        len += (size_t)snprintf(d + len, cap - len, "%s\r\n", l);
    }
    return d;
}

/* Speak just enough SMTP for one client: no STARTTLS, no AUTH offered. */
static void sink_session(struct sink *s, int fd)
{
    char line[2048];
    struct mail m = {0};
    say(fd, "220 sink ESMTP\r\n");
    while (sink_line(fd, line, sizeof(line)) == 0) {
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0)
            say(fd, "250-sink\r\n250 8BITMIME\r\n");
        else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
            snprintf(m.from, sizeof(m.from), "%.200s", line + 10);
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
            snprintf(m.rcpt, sizeof(m.rcpt), "%.200s", line + 8);
            say(fd, "250 OK\r\n");
        } else if (strcasecmp(line, "DATA") == 0) {
            say(fd, "354 go on\r\n");
            m.data = sink_data(fd);
            pthread_mutex_lock(&s->mu);
            if (s->n < SINK_MAX)
                s->mails[s->n++] = m;
            else
                free(m.data);
            pthread_mutex_unlock(&s->mu);
            memset(&m, 0, sizeof(m));
            say(fd, "250 queued\r\n");
        } else if (strcasecmp(line, "QUIT") == 0) {
            say(fd, "221 bye\r\n");
            break;
        } else if (strcasecmp(line, "RSET") == 0 || strcasecmp(line, "NOOP") == 0)
            say(fd, "250 OK\r\n");
        else
            say(fd, "502 not here\r\n");
    }
    close(fd);
}

static void *sink_main(void *arg)
{
    struct sink *s = arg;
    while (!s->stop) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) != 1)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c >= 0)
            sink_session(s, c);
    }
    return NULL;
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fd, 8), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

void sink_start(struct sink *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->fd = listen_any(&s->port);
    cr_assert_eq(pthread_create(&s->th, NULL, sink_main, s), 0);
}

void sink_stop(struct sink *s)
{
    s->stop = 1;
    pthread_join(s->th, NULL);
    close(s->fd);
    for (int i = 0; i < s->n; i++)
        free(s->mails[i].data);
    pthread_mutex_destroy(&s->mu);
}

/* A port nothing listens on: bound, then closed. */
int dead_port(void)
{
    int port, fd = listen_any(&port);
    close(fd);
    return port;
}

/* ---- reading a mail back ---- */

/* The value of header name (unfolded), malloc'd; NULL when absent. */
char *header(const char *data, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = data; p && *p && strncmp(p, "\r\n", 2) != 0;
         p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
            continue;
        char *v = calloc(1, strlen(p) + 1);
        const char *q = p + nl + 1;
        for (;;) {
            const char *e = strstr(q, "\r\n");
            strncat(v, q, (size_t)(e - q));
            if (e[2] != ' ' && e[2] != '\t')
                break;
            q = e + 2;
        }
        return v;
    }
    return NULL;
}

static void b64_append(char *out, const char *b64, size_t n)
{
    unsigned char buf[4096];
    size_t len;
    cr_assert_eq(sodium_base642bin(buf, sizeof(buf), b64, n, " \r\n", &len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0, "%.*s",
                 (int)n, b64);
    strncat(out, (const char *)buf, len);
}

/* The subject's encoded words decoded; each word at most 75 characters. */
char *subject_of(const char *data)
{
    char *raw = header(data, "Subject");
    cr_assert_not_null(raw);
    char *out = calloc(1, 4096);
    for (char *p = strstr(raw, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
        char *end = strstr(p + 10, "?=");
        cr_assert_not_null(end);
        cr_assert_leq(end + 2 - p, 75, "encoded word too long");
        b64_append(out, p + 10, (size_t)(end - (p + 10)));
        p = end + 2;
    }
    free(raw);
    return out;
}

char *body_of(const char *data)
{
    const char *b = strstr(data, "\r\n\r\n");
    cr_assert_not_null(b);
    size_t cap = strlen(b) + 1;
    unsigned char *out = calloc(1, cap);
    size_t len;
    cr_assert_eq(sodium_base642bin(out, cap, b + 4, strlen(b + 4), "\r\n", &len,
                                   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    return (char *)out;
}


int sink_count(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}
