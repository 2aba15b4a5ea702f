/* fuzz_http_cookie — a Cookie header from any client. Nothing may crash
 * or read outside the header; every cookie listed must lie inside it and
 * be made of the octets RFC 6265 allows, and http_cookie_find must return
 * the first value of each listed name, or TZ_ELIMIT when it is too long
 * for the caller's buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, size_t n, const char *h, size_t len)
{
    return p >= h && n <= len && (size_t)(p - h) <= len - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *h = (const char *)data;
    struct http_cookies all;
    struct tz_error err = {0};
    int rc = http_cookie_parse(h, size, &all, &err);
    if (rc != 0) {
        if (rc != TZ_ELIMIT || err.msg[0] == '\0')
            abort();
        /* over a bound, every cookie is absent */
        char v[8];
        if (http_cookie_find(h, size, "sid", v, sizeof(v)) != TZ_ENOENT)
            abort();
        return 0;
    }
    if (all.n > HTTP_COOKIE_MAX_COUNT)
        abort();
    static char name[HTTP_COOKIE_MAX_HEADER + 1], val[HTTP_COOKIE_MAX_HEADER + 1];
    for (size_t i = 0; i < all.n; i++) {
        const struct http_cookie *c = &all.c[i];
        if (c->name_len == 0 || !inside(c->name, c->name_len, h, size) ||
            !inside(c->value, c->value_len, h, size))
            abort();
        for (size_t k = 0; k < c->value_len; k++) {
            unsigned char o = (unsigned char)c->value[k];
            if (o <= 0x20 || o >= 0x7f || o == '"' || o == ',' || o == ';' || o == '\\')
                abort();
        }
        memcpy(name, c->name, c->name_len);
        name[c->name_len] = '\0';
        if (memchr(name, '=', c->name_len) || memchr(name, ';', c->name_len))
            abort();
        size_t first = 0;
        while (all.c[first].name_len != c->name_len ||
               memcmp(all.c[first].name, c->name, c->name_len) != 0)
            first++;
        const struct http_cookie *want = &all.c[first];
        if (http_cookie_find(h, size, name, val, sizeof(val)) != 0 ||
            strlen(val) != want->value_len ||
            memcmp(val, want->value, want->value_len) != 0)
            abort();
        if (want->value_len > 0 &&
            http_cookie_find(h, size, name, val, want->value_len) != TZ_ELIMIT)
            abort();
    }
    return 0;
}
