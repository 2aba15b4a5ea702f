/* http_pct — %XX decoding for the portal's URL paths, query strings and
 * form bodies.
 *
 * One decoder, so that the form, the query and the path refuse the same
 * things: a '%' not followed by two hex digits ("%G1", a truncated "%4") and
 * a decoded NUL (%00), which would cut a C string short and let two
 * different inputs compare equal. What the decoded bytes may contain
 * (UTF-8, controls, '/') is for the caller to check: it depends on where
 * they came from. */
#ifndef TZ_HTTP_PCT_H
#define TZ_HTTP_PCT_H

#include <stddef.h>

#include "tz_error.h"

/* Decode len bytes of src into dst, which has room for len + 1 bytes (the
 * output is never longer than the input) and is NUL-terminated. plus: 1
 * turns '+' into a space (form bodies and query strings), 0 keeps it (paths).
 * A raw NUL byte in src is refused like %00.
 * Returns 0 with *out_len set, or TZ_EINVAL with *why (a static English
 * phrase, never NULL) saying what was wrong. */
int http_pct_decode(const char *src, size_t len, int plus, char *dst,
                    size_t *out_len, const char **why);

#endif
