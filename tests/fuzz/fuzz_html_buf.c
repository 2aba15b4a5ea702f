/* fuzz_html_buf — any bytes, escaped as page text, as an attribute value
 * and as a URL component, into a buffer whose cap the first input byte
 * picks. Nothing may crash or leak; escaped text must be valid UTF-8 with
 * no raw < > " ' and no control but tab, CR and LF (none at all in an
 * attribute), a URL component only unreserved characters and %XX that
 * decode back to the input, and a cap once hit must stay hit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html_buf.h"
#include "http_pct.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_escaped(const char *s, size_t len, int attr)
{
    if (strlen(s) != len || !tz_utf8_valid_len(s, len))
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'' || c == 0x7f ||
            (c < 0x20 && (attr || (c != '\t' && c != '\r' && c != '\n'))) ||
            (attr && c == '`'))
            abort();
        if (c == '&' && !memchr(s + i, ';', len - i < 7 ? len - i : 7))
            abort();
    }
}

static void check_url(const char *s, size_t len, const uint8_t *in, size_t inlen)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789-._~%", s[i]))
            abort();
    char *back = malloc(len + 1);
    size_t n;
    const char *why;
    if (back == NULL)
        return;
    int rc = http_pct_decode(s, len, 0, back, &n, &why);
    if (memchr(in, 0, inlen) ? rc != TZ_EINVAL
                             : (rc != 0 || n != inlen || memcmp(back, in, n) != 0))
        abort();
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t cap = (size_t)data[0] * 8 + 1;
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    int (*const fn[3])(struct html_buf *, const char *, size_t) = {
        html_buf_text, html_buf_attr, html_buf_url};
    for (int k = 0; k < 3; k++) {
        struct html_buf b;
        html_buf_init(&b, cap);
        int rc = fn[k](&b, s, len);
        if (b.len > cap || (rc != 0 && (rc != TZ_ELIMIT || b.len != 0)))
            abort();
        if (rc != 0) {
            if (html_buf_append(&b, "", 0) != TZ_ELIMIT || html_buf_error(&b) != TZ_ELIMIT)
                abort();
            html_buf_free(&b);
            continue;
        }
        const char *out = b.data ? b.data : "";
        if (k < 2)
            check_escaped(out, b.len, k == 1);
        else
            check_url(out, b.len, data + 1, len);
        html_buf_free(&b);
    }
    return 0;
}
