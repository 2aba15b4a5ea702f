/* privsep_io — whole frames over a socket, with deadlines. */
#include "privsep_io.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

int psio_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return TZ_EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int psio_write_frame(int fd, const uint8_t *body, size_t len)
{
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 8), (uint8_t)len};
    int rc = psio_write_all(fd, hdr, 4);
    return rc == 0 ? psio_write_all(fd, body, len) : rc;
}

/* Exactly n bytes; 1 on a clean end of stream before the first byte. */
static int read_all(int fd, uint8_t *p, size_t n, unsigned long long deadline)
{
    size_t got = 0;
    while (got < n) {
        if (deadline) {
            unsigned long long t = tz_now_ms();
            if (t >= deadline)
                return TZ_ETIMEOUT;
            unsigned long long left = deadline - t;
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr < 0)
                return TZ_EIO;
            if (pr == 0)
                continue;
        }
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return TZ_EIO;
        if (r == 0)
            return got == 0 ? 1 : TZ_EPROTO;
        got += (size_t)r;
    }
    return 0;
}

int psio_read_frame(int fd, size_t max, unsigned long long deadline,
                    uint8_t **body, size_t *len)
{
    uint8_t hdr[4];
    int rc = read_all(fd, hdr, 4, deadline);
    if (rc != 0)
        return rc;
    uint32_t n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) |
                 ((uint32_t)hdr[2] << 8) | hdr[3];
    if (n > max)
        return TZ_ELIMIT;
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL)
        return TZ_ENOMEM;
    rc = read_all(fd, b, n, deadline);
    if (rc != 0) {
        free(b);
        return rc == 1 ? TZ_EPROTO : rc;
    }
    *body = b;
    *len = n;
    return 0;
}
