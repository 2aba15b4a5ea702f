/* text_gbk — GB18030 to UTF-8 through iconv(3), in one pass over a buffer
 * sized for the worst case (a 2-byte GBK character is 3 bytes of UTF-8), so
 * no E2BIG loop is needed below the caller's bound. */
#include "text_gbk.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>

#include "tz_error.h"

int text_gb18030_to_utf8(const char *in, size_t len, size_t max_out,
                         char **out, size_t *out_len, size_t *bad_at)
{
    *out = NULL;
    *out_len = 0;
    *bad_at = 0;
    /* 1 byte -> 1, 2 -> at most 3, 4 -> 4: never more than 1.5 times. */
    size_t cap = len / 2 * 3 + len % 2 + 4;
    if (cap > max_out + 1)
        cap = max_out + 1;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return TZ_EIO;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        iconv_close(cd);
        return TZ_ENOMEM;
    }
    char *ip = (char *)in, *op = buf;
    size_t il = len, ol = cap;
    int rc = 0;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
        rc = errno == E2BIG ? TZ_ELIMIT : TZ_EPARSE;
    /* iconv holds no state for GB18030, but flush as the contract asks */
    if (rc == 0 && iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        rc = errno == E2BIG ? TZ_ELIMIT : TZ_EPARSE;
    iconv_close(cd);
    size_t used = (size_t)(op - buf);
    if (rc == 0 && used > max_out)
        rc = TZ_ELIMIT;
    if (rc != 0) {
        *bad_at = (size_t)(ip - in);
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return 0;
}
