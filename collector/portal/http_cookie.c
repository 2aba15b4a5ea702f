/* http_cookie — RFC 6265 cookie-string, pair by pair. */
#include "http_cookie.h"

#include <string.h>

/* RFC 7230 tchar: the characters of a cookie name. */
static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 6265 cookie-octet: printable ASCII but for space, '"', ',', ';'
 * and '\'. */
static int is_cookie_octet(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* 1 when p[0..len) is name=value, with c filled; 0 when it is unreadable. */
static int parse_pair(const char *p, size_t len, struct http_cookie *c)
{
    const char *eq = memchr(p, '=', len);
    if (eq == NULL || eq == p)
        return 0;
    c->name = p;
    c->name_len = (size_t)(eq - p);
    for (size_t i = 0; i < c->name_len; i++)
        if (!is_tchar((unsigned char)p[i]))
            return 0;
    const char *v = eq + 1;
    size_t vlen = (size_t)(p + len - v);
    if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
        v++;
        vlen -= 2;
    }
    for (size_t i = 0; i < vlen; i++)
        if (!is_cookie_octet((unsigned char)v[i]))
            return 0;
    c->value = v;
    c->value_len = vlen;
    return 1;
}

int http_cookie_parse(const char *header, size_t len, struct http_cookies *out,
                      struct tz_error *err)
{
    out->n = out->skipped = 0;
    if (len > HTTP_COOKIE_MAX_HEADER)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "Cookie header longer than %d bytes",
                      HTTP_COOKIE_MAX_HEADER);
    size_t i = 0;
    while (i < len) {
        while (i < len && (header[i] == ' ' || header[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && header[i] != ';')
            i++;
        size_t end = i++;   /* past the ';' */
        while (end > start && (header[end - 1] == ' ' || header[end - 1] == '\t'))
            end--;
        if (end == start)
            continue;   /* "a=1;;b=2", a trailing ';' */
        struct http_cookie c;
        if (!parse_pair(header + start, end - start, &c)) {
            out->skipped++;
            continue;
        }
        if (out->n == HTTP_COOKIE_MAX_COUNT)
            return tz_err(err, TZ_ELIMIT, NULL, 0, "more than %d cookies",
                          HTTP_COOKIE_MAX_COUNT);
        out->c[out->n++] = c;
    }
    return 0;
}

int http_cookie_find(const char *header, size_t len, const char *name,
                     char *value, size_t cap)
{
    struct http_cookies all;
    if (header == NULL || http_cookie_parse(header, len, &all, NULL) != 0)
        return TZ_ENOENT;
    size_t nlen = strlen(name);
    for (size_t i = 0; i < all.n; i++) {
        const struct http_cookie *c = &all.c[i];
        if (c->name_len != nlen || memcmp(c->name, name, nlen) != 0)
            continue;
        if (c->value_len >= cap)
            return TZ_ELIMIT;
        memcpy(value, c->value, c->value_len);
        value[c->value_len] = '\0';
        return 0;
    }
    return TZ_ENOENT;
}
