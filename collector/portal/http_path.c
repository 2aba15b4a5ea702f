/* http_path — route segments and strict ids. */
#include "http_path.h"

#include <string.h>

#include "http_pct.h"
#include "utf8.h"

/* Decode one raw segment into dst (room for len + 1) and check it. */
static int segment(const char *raw, size_t len, size_t k, char *dst,
                   size_t *out_len, struct tz_error *err)
{
    const char *why;
    if (http_pct_decode(raw, len, 0, dst, out_len, &why) != 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "path segment %zu has %s", k, why);
    if (memchr(dst, '/', *out_len))
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "path segment %zu has an encoded '/' (%%2F)", k);
    if (strcmp(dst, ".") == 0 || strcmp(dst, "..") == 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "path segment %zu is '.' or '..'", k);
    if (tz_text_check(dst, *out_len, NULL) != TZ_TEXT_OK)
        return tz_err(err, TZ_EINVAL, NULL, 0, "path segment %zu is not UTF-8 "
                      "text without control characters", k);
    return 0;
}

static int split(const char *path, size_t len, struct http_path *out,
                 struct tz_error *err)
{
    if (len > HTTP_PATH_MAX)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "path longer than %d bytes",
                      HTTP_PATH_MAX);
    if (len == 0 || path[0] != '/')
        return tz_err(err, TZ_EINVAL, NULL, 0, "a path must start with '/'");
    if (memchr(path, '?', len) || memchr(path, '#', len))
        return tz_err(err, TZ_EINVAL, NULL, 0, "a '?' or '#' in the path");
    char *dst = out->buf;
    size_t i = 1;   /* past the leading '/' */
    while (i < len) {
        const char *slash = memchr(path + i, '/', len - i);
        size_t end = slash ? (size_t)(slash - path) : len;
        if (end == i)   /* "//": an empty segment, not a trailing slash */
            return tz_err(err, TZ_EINVAL, NULL, 0,
                          "empty path segment %zu", out->n + 1);
        if (out->n == HTTP_PATH_MAX_SEGMENTS)
            return tz_err(err, TZ_ELIMIT, NULL, 0, "more than %d path segments",
                          HTTP_PATH_MAX_SEGMENTS);
        size_t dlen;
        int rc = segment(path + i, end - i, out->n + 1, dst, &dlen, err);
        if (rc != 0)
            return rc;
        out->seg[out->n++] = dst;
        dst += dlen + 1;   /* raw segment + its '/' >= decoded + NUL */
        out->trailing_slash = end + 1 == len;
        i = end + 1;
    }
    return 0;
}

int http_path_split(const char *path, size_t len, struct http_path *out,
                    struct tz_error *err)
{
    out->n = 0;
    out->trailing_slash = 0;
    int rc = split(path, len, out, err);
    if (rc != 0) {   /* never half a route */
        out->n = 0;
        out->trailing_slash = 0;
    }
    return rc;
}

int http_path_id(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    if (len == 0 || len > HTTP_PATH_MAX_ID_DIGITS || s[0] == '0')
        return TZ_EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return TZ_EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return TZ_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
