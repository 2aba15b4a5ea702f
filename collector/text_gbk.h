/* text_gbk — GB18030 text (and so GBK and GB2312, its subsets) as UTF-8.
 *
 * Excel on a Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page,
 * 936 (GBK); WPS does the same. The import reads such a file after this
 * conversion, done with glibc's iconv(3) (always built with GB18030), so no
 * library is added for it.
 * Ownership: on success *out is the caller's (NUL-terminated, *out_len
 * bytes without the NUL); free it with free().
 * Errors: TZ_EPARSE when in is not GB18030: *bad_at gets the offset of the
 * first byte that is not (a byte 0xFF, a lead byte without its trail, a
 * sequence cut at the end); TZ_ELIMIT when the UTF-8 text would be longer
 * than max_out bytes; TZ_ENOMEM; TZ_EIO when iconv has no GB18030. */
#ifndef TZ_TEXT_GBK_H
#define TZ_TEXT_GBK_H

#include <stddef.h>

int text_gb18030_to_utf8(const char *in, size_t len, size_t max_out,
                         char **out, size_t *out_len, size_t *bad_at);

#endif
