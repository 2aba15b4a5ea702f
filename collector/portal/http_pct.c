/* http_pct — %XX decoding with the refusals every portal input shares. */
#include "http_pct.h"

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_pct_decode(const char *src, size_t len, int plus, char *dst,
                    size_t *out_len, const char **why)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == '%') {
            /* i + 2 < len: both digits are inside the input, not past it */
            int hi = i + 2 < len ? hex_val(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_val(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *why = "a '%' not followed by two hex digits";
                return TZ_EINVAL;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == '\0') {
            *why = "a NUL character (%00)";
            return TZ_EINVAL;
        }
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    *out_len = o;
    return 0;
}
