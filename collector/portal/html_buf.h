/* html_buf — a growing buffer the portal renders pages and JSON into.
 *
 * Text from the register or a request goes in through the escaping
 * appends, never raw: html_buf_text for element content, html_buf_attr for
 * a double-quoted attribute value, html_buf_url for one component of a
 * URL. Invalid UTF-8 and control or bidi characters (utf8.h; tab, CR and
 * LF excepted) come out as U+FFFD: never passed through, never dropped
 * without a trace.
 * Bounds: a hard cap on the total size (HTML_BUF_DEFAULT_CAP unless the
 * caller sets one). The first append that fails (TZ_ELIMIT past the cap,
 * TZ_ENOMEM, TZ_EINVAL for a failed format) is remembered: every later
 * append returns it without writing, so a renderer checks once, at
 * html_buf_take. A failed append leaves no partial escape behind.
 * Ownership: the buffer owns data until html_buf_take hands it over;
 * otherwise html_buf_free releases it. The struct's fields are read-only
 * for callers. */
#ifndef TZ_HTML_BUF_H
#define TZ_HTML_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "tz_error.h"

#define HTML_BUF_DEFAULT_CAP ((size_t)32 << 20)

struct html_buf {
    char *data;     /* NUL-terminated once anything is appended, else NULL */
    size_t len;     /* bytes appended, without the NUL */
    size_t alloc;   /* bytes allocated */
    size_t cap;     /* most bytes len may reach */
    int err;        /* the first failure, 0 while none */
};

/* An empty buffer of at most cap bytes (0: HTML_BUF_DEFAULT_CAP). */
void html_buf_init(struct html_buf *b, size_t cap);

/* len bytes of s as they are: markup the caller wrote, not data. */
int html_buf_append(struct html_buf *b, const char *s, size_t len);
/* The same for a NUL-terminated s. */
int html_buf_puts(struct html_buf *b, const char *s);
/* printf-style; arguments that are data must not be %s'd in here
 * unescaped: format them with the escaping appends. */
int html_buf_printf(struct html_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int html_buf_vprintf(struct html_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Element content: & < > " ' as entities, tab, CR and LF kept. */
int html_buf_text(struct html_buf *b, const char *s, size_t len);
/* A double-quoted attribute value: as html_buf_text, and ` and tab, CR and
 * LF as numeric references, so that the value survives a round trip
 * through an <input value="..."> exactly. */
int html_buf_attr(struct html_buf *b, const char *s, size_t len);
/* One URL component (a path segment, a query name or value): every byte
 * but A-Z a-z 0-9 - . _ ~ as %XX, invalid UTF-8 included (the bytes travel
 * intact and http_pct_decode restores them). */
int html_buf_url(struct html_buf *b, const char *s, size_t len);

/* The first failure, or 0. */
int html_buf_error(const struct html_buf *b);

/* Hand the bytes over: *out (NUL-terminated, never NULL, the caller frees
 * it) and *len, and leave b empty with its cap. If an append had failed,
 * frees everything and returns that failure with *out NULL. */
int html_buf_take(struct html_buf *b, char **out, size_t *len);

/* Release the bytes; b is empty afterwards (its cap kept). */
void html_buf_free(struct html_buf *b);

#endif
