/* digest_config — the [digest] section of tz-collector.ini: where and when
 * the e-mail digests go (issue 15 item 5).
 *
 * [digest]
 * enabled = yes                  ; default: yes when smtp_url is set
 * smtp_url = smtp://mail.example.edu.cn:587   ; or smtps://host:465
 * starttls = required            ; required | try | off (smtp:// only)
 * username = taizhang            ; SMTP AUTH user ("" : no AUTH)
 * password_file = /etc/taizhang/smtp.pass  ; first line; must not be
 *                                  readable by group or others
 * from = taizhang@example.edu.cn
 * school_to = nic@example.edu.cn ; the network center's school-wide digest
 * schedule = weekly mon 08:00    ; or daily 08:00; local time
 * retry_interval = 900           ; seconds between attempts of a failed send
 * max_attempts = 5               ; then given up until the next schedule
 * timeout = 60                   ; seconds one SMTP conversation may take
 *
 * digest_config_kv takes one key of the section; digest_config_finish checks
 * the whole after the file is read and reads the password file.
 * Errors: -1 with why (kv); TZ_EINVAL / TZ_EPERM / TZ_ENOENT with err
 * (finish). */
#ifndef TZ_DIGEST_CONFIG_H
#define TZ_DIGEST_CONFIG_H

#include <stddef.h>

#include "tz_error.h"

enum digest_starttls { DIGEST_TLS_REQUIRED, DIGEST_TLS_TRY, DIGEST_TLS_OFF };
enum digest_every { DIGEST_WEEKLY, DIGEST_DAILY };

#define DIGEST_ADDR_MAX 254      /* RFC 5321's longest path, less the <> */

struct digest_schedule {
    enum digest_every every;
    int wday;                    /* 0 Sunday .. 6 Saturday (weekly) */
    int minute;                  /* of the day, local time */
};

struct digest_config {
    int enabled;                 /* -1: not said (yes when smtp_url is set) */
    char smtp_url[512];
    enum digest_starttls starttls;
    char username[256];
    char password_file[1024];
    char password[256];          /* read by digest_config_finish */
    char from[DIGEST_ADDR_MAX + 1];
    char school_to[DIGEST_ADDR_MAX + 1];
    struct digest_schedule schedule;
    size_t retry_interval;       /* seconds */
    size_t max_attempts;
    size_t timeout;              /* seconds */
};

void digest_config_defaults(struct digest_config *c);
/* One "name = value" of [digest]; -1 with why filled when refused. */
int digest_config_kv(struct digest_config *c, const char *name,
                     const char *value, char *why, size_t why_len);
/* "weekly mon 08:00" / "daily 08:00" (also "weekly" alone: Monday 08:00). */
int digest_schedule_parse(const char *v, struct digest_schedule *out);
/* Settle enabled; when enabled, require smtp_url and from and read the
 * password file (refused when group or others may read it). */
int digest_config_finish(struct digest_config *c, struct tz_error *err);

#endif
