/* digest — what the e-mail digest to a department's 联络人 says (issue 15
 * item 5): the department's flags opened since the last digest, its open
 * flags overdue by severity (high older than 7 days, medium 30, low 90),
 * and its systems whose evaluation falls due within 60 days (or that were
 * never evaluated though their grade needs it). Plain UTF-8 text, one
 * subject line. Only the content is built here: `tzctl digest preview`
 * prints it; sending (SMTP, schedule, retry) is not built yet.
 * Every string from the register is made one safe line (control and bidi
 * characters replaced) before it goes into the text.
 * Ownership: d's strings are the caller's; free with digest_free.
 * Errors: TZ_ENOENT no such department; the register's; TZ_ENOMEM. */
#ifndef TZ_DIGEST_H
#define TZ_DIGEST_H

#include <stdint.h>

#include "register.h"
#include "rules_config.h"

#define DIGEST_OVERDUE_HIGH_DAYS   7
#define DIGEST_OVERDUE_MEDIUM_DAYS 30
#define DIGEST_OVERDUE_LOW_DAYS    90
#define DIGEST_EVALUATION_AHEAD_DAYS 60

struct digest {
    char *to;        /* the liaison's e-mail address, "" when none is set */
    char *subject;
    char *body;
    unsigned new_flags, overdue[4], evaluations_due;  /* overdue by Tz__Severity */
    int empty;       /* nothing to say: no mail would be sent */
};

/* The digest of dept for the flags opened from since on, as of now. */
int digest_build(struct tz_register *reg, const char *dept, int64_t since,
                 int64_t now, const struct rules_config *rules,
                 struct digest *d, struct tz_error *err);
void digest_free(struct digest *d);

#endif
