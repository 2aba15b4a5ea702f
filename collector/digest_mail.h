/* digest_mail — one digest as an Internet message (RFC 5322 + MIME): the
 * headers Date, Message-ID, From, To, Subject (UTF-8, RFC 2047 encoded
 * words), MIME-Version, Content-Type text/plain; charset=UTF-8 and a base64
 * body, every line ending in CRLF and at most 78 characters.
 *
 * Header injection: addresses must pass digest_addr_ok (a bare
 * local@domain of printable ASCII, no blanks, quotes, brackets or CR/LF);
 * the subject is encoded whole, so nothing in it reaches a header as text.
 * Ownership: *out is the caller's (free). Errors: TZ_EINVAL (an address,
 * named in err), TZ_ELIMIT (a body over DIGEST_BODY_MAX), TZ_ENOMEM. */
#ifndef TZ_DIGEST_MAIL_H
#define TZ_DIGEST_MAIL_H

#include <stdint.h>

#include "tz_error.h"

#define DIGEST_BODY_MAX (4u << 20)

/* 1 when a is one plain address "local@domain" of at most 254 bytes. */
int digest_addr_ok(const char *a);

int digest_mail_compose(const char *from, const char *to, const char *subject,
                        const char *body, int64_t now, char **out,
                        struct tz_error *err);

#endif
