/* http_path — a request path split into segments for routing, and record
 * ids read from them.
 *
 * "/api/v1/hosts/7" → api, v1, hosts, 7. The path is taken still
 * %-encoded, so that an encoded slash can be told from a real one: with
 * libmicrohttpd, install an MHD_OPTION_UNESCAPE_CALLBACK that leaves the
 * URL as it is, or "/systems/1%2F..%2F2" arrives already decoded.
 * Segments are %-decoded ('+' stays '+'; http_pct.h refuses bad escapes and
 * %00). Refused, TZ_EINVAL: a path not starting with '/', a '?' or '#' (the
 * query is not part of the path), an empty segment anywhere but as a
 * single trailing slash ("/a//b", "//"), "." and ".." (also encoded), an
 * encoded '/', a segment that is not UTF-8 text without control or bidi
 * characters (utf8.h). Refused, TZ_ELIMIT: over HTTP_PATH_MAX bytes, more
 * than HTTP_PATH_MAX_SEGMENTS segments. err->msg never quotes the path.
 * Ownership: nothing is allocated; the segments live in *out. */
#ifndef TZ_HTTP_PATH_H
#define TZ_HTTP_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

#define HTTP_PATH_MAX          1024
#define HTTP_PATH_MAX_SEGMENTS 16
#define HTTP_PATH_MAX_ID_DIGITS 20   /* UINT64_MAX */

struct http_path {
    size_t n;                             /* 0 for "/" */
    int trailing_slash;                   /* "/systems/": n 1, and this 1 */
    const char *seg[HTTP_PATH_MAX_SEGMENTS];   /* decoded, into buf */
    char buf[HTTP_PATH_MAX + 1];
};

/* Split len bytes of path (still %-encoded) into *out. */
int http_path_split(const char *path, size_t len, struct http_path *out,
                    struct tz_error *err);

/* A record id: s must be the plain decimal form of 1..UINT64_MAX — digits
 * only, no sign, no leading zero, at most 20 digits, no overflow — so that
 * each record has exactly one URL. "0" is refused too: no record has id 0
 * (the register's counters start at 1; a system_id of 0 means none).
 * Returns 0 with *out set, or TZ_EINVAL with *out untouched. */
int http_path_id(const char *s, uint64_t *out);

#endif
