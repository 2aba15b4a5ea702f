/* fuzz_http_lang — an Accept-Language header and a ?lang= value from any
 * client (input: header, then "\n--\n", then the override). Nothing may
 * crash or read past the header; the answer is always zh or en, the
 * override wins when it is exactly one of those, and a header repeated
 * after a copy of itself (same ranges, later positions) changes nothing
 * while both copies fit the bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memmem(data, size, "\n--\n", 4);
    size_t hlen = sep ? (size_t)(sep - data) : size;
    char *over = NULL;
    if (sep) {
        size_t olen = size - hlen - 4;
        over = malloc(olen + 1);
        if (over == NULL)
            return 0;
        memcpy(over, sep + 4, olen);
        over[olen] = '\0';
    }
    /* a heap copy of exactly hlen bytes: ASan sees any read past it */
    char *h = malloc(hlen ? hlen : 1);
    if (h == NULL) {
        free(over);
        return 0;
    }
    memcpy(h, data, hlen);
    enum http_lang l = http_lang_choose(h, hlen, over);
    if (l != HTTP_LANG_ZH && l != HTTP_LANG_EN)
        abort();
    if (over && strcmp(over, "en") == 0 && l != HTTP_LANG_EN)
        abort();
    if (over && strcmp(over, "zh") == 0 && l != HTTP_LANG_ZH)
        abort();
    if (http_lang_choose(h, hlen, over) != l)
        abort();
    if (over == NULL && hlen && hlen * 2 + 1 <= HTTP_LANG_MAX_HEADER &&
        memchr(h, ',', hlen) == NULL) {
        /* "x,x": the same range twice; one range per copy, well in bounds */
        char *twice = malloc(hlen * 2 + 1);
        if (twice) {
            memcpy(twice, h, hlen);
            twice[hlen] = ',';
            memcpy(twice + hlen + 1, h, hlen);
            if (http_lang_choose(twice, hlen * 2 + 1, NULL) != l)
                abort();
            free(twice);
        }
    }
    free(h);
    free(over);
    return 0;
}
