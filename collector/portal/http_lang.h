/* http_lang — the portal's label language: Chinese or English.
 *
 * From ?lang= when it is exactly "zh" or "en" (anything else there is
 * ignored, not an error: a stale bookmark still shows a page), otherwise
 * from Accept-Language (RFC 7231 §5.3.5): every zh-* range counts for
 * Chinese, every en-* range for English, "*" for whichever is not named;
 * q=0 excludes, the highest q wins and a tie goes to the range named first.
 * With nothing usable — no header, garbage, only other languages, or both
 * excluded — the answer is Chinese: the portal serves a Chinese university.
 * A range or weight that does not parse is skipped, not fatal.
 * Bounds: a header over HTTP_LANG_MAX_HEADER bytes is ignored as a whole;
 * ranges after the first HTTP_LANG_MAX_RANGES are not read.
 * Never fails and allocates nothing. */
#ifndef TZ_HTTP_LANG_H
#define TZ_HTTP_LANG_H

#include <stddef.h>

#define HTTP_LANG_MAX_HEADER 1024
#define HTTP_LANG_MAX_RANGES 32

enum http_lang { HTTP_LANG_ZH = 0, HTTP_LANG_EN = 1 };

/* accept: len bytes of the Accept-Language header (NULL: absent).
 * override: the decoded ?lang= value, NUL-terminated (NULL: absent). */
enum http_lang http_lang_choose(const char *accept, size_t len,
                                const char *override);

/* "zh" or "en", for <html lang=...> and links that keep the choice. */
const char *http_lang_code(enum http_lang lang);

#endif
