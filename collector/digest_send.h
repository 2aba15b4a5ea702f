/* digest_send — hand one composed message (digest_mail.h) to the SMTP
 * server of the [digest] section with libcurl: smtp:// with STARTTLS
 * required, tried or off, or smtps://; AUTH when a username is set; the
 * whole conversation bounded by cfg->timeout.
 *
 * Blocking: call it from a worker thread (uv_queue_work), never from the
 * collector's loop. digest_send_global_init must run once in main before
 * any thread does (curl_global_init is not thread-safe).
 * Errors: TZ_EIO with why set to curl's words (and the server's last
 * reply when there was one); TZ_ENOMEM. */
#ifndef TZ_DIGEST_SEND_H
#define TZ_DIGEST_SEND_H

#include <stddef.h>

#include "digest_config.h"

int digest_send_global_init(void);
int digest_send(const struct digest_config *cfg, const char *to,
                const char *message, char *why, size_t why_len);

#endif
