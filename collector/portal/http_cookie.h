/* http_cookie — the Cookie request header (RFC 6265 §4.2.1 cookie-string).
 *
 * "sid=abc; lang=\"en\"" → (sid,abc) (lang,en): pairs separated by ';' and
 * optional spaces or tabs (stricter senders use exactly "; "), a name that
 * is an RFC 7230 token, a value of cookie-octets, optionally in double
 * quotes (the quotes are not part of it). Other applications on the same
 * host share this header (cookies ignore the port), so a pair this parser
 * cannot read — no '=', an empty name, an octet outside the grammar, a
 * stray quote — is skipped and counted, not fatal: it only means that
 * cookie is not ours. Duplicates are kept in order; lookups take the first
 * (RFC 6265 §5.4: browsers send the longest path first).
 * Errors: TZ_ELIMIT for a header over HTTP_COOKIE_MAX_HEADER bytes or with
 * more than HTTP_COOKIE_MAX_COUNT readable pairs.
 * Ownership: nothing is allocated; names and values point into the header
 * the caller passed, with lengths (they are not NUL-terminated). */
#ifndef TZ_HTTP_COOKIE_H
#define TZ_HTTP_COOKIE_H

#include <stddef.h>

#include "tz_error.h"

#define HTTP_COOKIE_MAX_HEADER 4096
#define HTTP_COOKIE_MAX_COUNT  32

struct http_cookie {
    const char *name, *value;   /* into the header, not NUL-terminated */
    size_t name_len, value_len;
};

struct http_cookies {
    size_t n;                   /* readable pairs, in header order */
    size_t skipped;             /* pairs that were not */
    struct http_cookie c[HTTP_COOKIE_MAX_COUNT];
};

/* Parse len bytes of header into *out (header may be NULL when len is 0). */
int http_cookie_parse(const char *header, size_t len, struct http_cookies *out,
                      struct tz_error *err);

/* Copy the value of the first readable cookie called name into value (cap
 * bytes, NUL-terminated). Returns 0, TZ_ENOENT when there is no such
 * cookie (header NULL, unreadable, or over a bound: a session cookie in a
 * hostile header is simply absent), TZ_ELIMIT when the value does not fit
 * in cap bytes with its NUL. */
int http_cookie_find(const char *header, size_t len, const char *name,
                     char *value, size_t cap);

#endif
