/* scan_ports — read the screening port list: a small line format, parsed
 * from memory so the fuzzer and the loader share one path. */
#include "scan_ports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_line(const char *s, size_t len, long *port)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    if (i == len || s[i] == '#') {
        *port = 0;          /* blank or comment */
        return 0;
    }
    size_t d = i;
    long v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i - d < 6)
        v = v * 10 + (s[i++] - '0');
    size_t digits = i - d;
    /* After the number: spaces, then nothing or a comment. */
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
        i++;
    if (digits == 0 || digits > 5 || (digits > 1 && s[d] == '0') ||
        v < 1 || v > 65535 || (i < len && s[i] != '#'))
        return -1;
    *port = v;
    return 0;
}

int scan_ports_parse(const char *text, size_t len, const char *name,
                     uint16_t *ports, size_t max, size_t *n,
                     struct tz_error *err)
{
    if (n)
        *n = 0;
    if (text == NULL || ports == NULL || n == NULL)
        return tz_err(err, TZ_EINVAL, name, 0, "no port list");
    if (len > SCAN_PORTS_MAX_BYTES)
        return tz_err(err, TZ_ELIMIT, name, 0, "the file is %zu bytes, the "
                      "limit is %u", len, SCAN_PORTS_MAX_BYTES);
    uint8_t seen[65536 / 8];
    memset(seen, 0, sizeof(seen));
    size_t m = 0;
    long line = 0;
    for (size_t at = 0; at < len;) {
        const char *s = text + at;
        const char *nl = memchr(s, '\n', len - at);
        size_t l = nl ? (size_t)(nl - s) : len - at;
        at += l + (nl != NULL);
        line++;
        if (l > SCAN_PORTS_MAX_LINE)
            return tz_err(err, TZ_EPARSE, name, line, "the line is longer "
                          "than %d bytes", SCAN_PORTS_MAX_LINE);
        if (memchr(s, '\0', l))
            return tz_err(err, TZ_EPARSE, name, line, "a NUL byte");
        long port;
        if (parse_line(s, l, &port) != 0)
            return tz_err(err, TZ_EPARSE, name, line, "\"%.*s\" is not a port "
                          "number 1 to 65535 (and an optional # comment)",
                          (int)(l > 40 ? 40 : l), s);
        if (port == 0)
            continue;
        if (seen[port / 8] & (1u << (port % 8)))
            return tz_err(err, TZ_EPARSE, name, line, "port %ld is listed "
                          "twice", port);
        if (m == max)
            return tz_err(err, TZ_ELIMIT, name, line, "more than %zu ports",
                          max);
        seen[port / 8] |= (uint8_t)(1u << (port % 8));
        ports[m++] = (uint16_t)port;
    }
    *n = m;
    return 0;
}

int scan_ports_load(const char *path, uint16_t *ports, size_t max, size_t *n,
                    struct tz_error *err)
{
    if (n)
        *n = 0;
    if (path == NULL)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no port list file");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "%s", strerror(errno));
    /* One byte over the limit tells a file at the limit from a longer one. */
    char *buf = malloc(SCAN_PORTS_MAX_BYTES + 1);
    if (buf == NULL) {
        close(fd);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    size_t len = 0;
    int rc = 0;
    while (len <= SCAN_PORTS_MAX_BYTES) {
        ssize_t r = read(fd, buf + len, SCAN_PORTS_MAX_BYTES + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = tz_err(err, TZ_EIO, path, 0, "%s", strerror(errno));
            break;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (rc == 0)
        rc = scan_ports_parse(buf, len, path, ports, max, n, err);
    free(buf);
    return rc;
}
