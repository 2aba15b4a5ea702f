/* tz_http — a small HTTP/1.1 client for tests: the portal's routes, hostile
 * requests sent byte by byte, and WebDriver (chromedriver) sessions.
 * Loopback only; one request per connection (Connection: close). */
#ifndef TZ_HTTP_TEST_H
#define TZ_HTTP_TEST_H

#include <stddef.h>
#include <sys/types.h>

struct tz_http_resp {
    int status;          /* 0: no answer (connection closed, timeout) */
    char *headers;       /* raw header block, NUL-terminated */
    char *body;          /* NUL-terminated (may hold NULs: see body_len) */
    size_t body_len;
};

/* Send method path to 127.0.0.1:port with extra header lines (each ending
 * "\r\n", may be NULL) and body (may be NULL; Content-Length is added) and
 * read the answer (until the connection closes or the answer's
 * Content-Length is in), waiting at most timeout_ms in all. Fills r; free
 * with tz_http_free. */
void tz_http(unsigned port, const char *method, const char *path,
             const char *headers, const char *body, size_t body_len,
             int timeout_ms, struct tz_http_resp *r);
/* Send raw bytes as they are (a hostile request) and read what comes,
 * until the connection closes or timeout_ms. */
void tz_http_raw(unsigned port, const char *raw, size_t len, int timeout_ms,
                 struct tz_http_resp *r);
void tz_http_free(struct tz_http_resp *r);

/* The value of response header name (case-insensitive), malloc'd, or NULL;
 * nth: 0 for the first of several. */
char *tz_http_header(const struct tz_http_resp *r, const char *name, int nth);

/* Start tz-portal --data data --listen 127.0.0.1:0 [extra...], output to
 * log; wait until it says where it serves; *port gets the port. Fails the
 * test after 10 s. */
pid_t tz_test_portal_start(const char *data, const char *log, unsigned *port);

#endif
