/* digest_school — the network center's school-wide digest (issue 15 item
 * 5): per department the flags opened since the last digest, the open
 * flags overdue by severity (the thresholds of digest.h) and the systems
 * whose evaluation falls due within 60 days; then the departments without
 * a liaison e-mail address, whose own digests cannot be delivered. One walk
 * over the flags and one over the systems, whatever the number of
 * departments. d->to is left "" (the caller sets the network center's).
 * Ownership and errors: as digest_build (digest.h). */
#ifndef TZ_DIGEST_SCHOOL_H
#define TZ_DIGEST_SCHOOL_H

#include "digest.h"

int digest_school_build(struct tz_register *reg, int64_t since, int64_t now,
                        const struct rules_config *rules, struct digest *d,
                        struct tz_error *err);

#endif
