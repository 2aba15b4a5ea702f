/* digest_run — when each e-mail digest is sent, and what is remembered
 * (issue 15 item 5). Three steps, so that only the middle one blocks and
 * only the first and last touch the register:
 *
 *   digest_plan          (collector's loop) for each recipient due at now —
 *                        every department with a liaison e-mail address,
 *                        and the network center (school_to) — build the
 *                        digest since its last successful send and compose
 *                        the mail;
 *   digest_batch_send    (a worker thread) hand each mail to SMTP;
 *   digest_batch_record  (the loop again) store each outcome and log it.
 *
 * A recipient is due when the schedule's latest time (digest_schedule.h)
 * is after the last one dealt with, and, after a failed attempt, once
 * retry_interval has passed. Nothing is sent when the digest is empty or
 * when it has no new flag and its standing facts (overdue flags, due
 * evaluations) hash as those of the last mail sent: the same overdue list
 * is not sent week after week. A skipped digest does not move "since": the
 * next digest still counts new flags from the last mail actually sent
 * (the very first from one period before its scheduled time). A
 * failed send leaves the state as it was but for the attempt count and is
 * logged with curl's error; after max_attempts it is logged as given up
 * until the next scheduled time (whose digest again covers everything
 * since the last mail sent, so nothing is lost).
 * Ownership: a batch's strings are its own; digest_batch_free.
 * Errors: the register's; TZ_ENOMEM. */
#ifndef TZ_DIGEST_RUN_H
#define TZ_DIGEST_RUN_H

#include <stdatomic.h>
#include <stdint.h>

#include "digest.h"
#include "digest_config.h"
#include "register.h"
#include "rules_config.h"

struct digest_state {
    int64_t last_sent, last_slot, next_try;
    int64_t since;               /* the next digest's new flags start here */
    uint8_t facts[DIGEST_FACTS_LEN];
    int has_facts;
    uint32_t attempts;
    uint64_t sent_total, failed_total, given_up_total;
    char last_error[512];
};

struct digest_job {
    char *dept;                  /* NULL: the school-wide digest */
    char *to;
    char *message;               /* NULL: nothing to send (skip or refused) */
    uint8_t facts[DIGEST_FACTS_LEN];
    int64_t slot, since;
    struct digest_state st;      /* as stored when planned */
    int on_demand;               /* digest_plan_now: outside the schedule */
    int tried;                   /* digest_batch_send got to it */
    int rc;                      /* digest_batch_send's outcome */
    char why[512];
};

struct digest_batch {
    struct digest_job *jobs;
    size_t n, cap;
    int64_t now;
    /* Set (any thread) to stop sending after the mail in progress: the
     * collector is stopping. Mails not tried keep their state as it was. */
    atomic_int cancel;
};

int digest_plan(struct tz_register *reg, const struct digest_config *cfg,
                const struct rules_config *rules, int64_t now,
                struct digest_batch *out, struct tz_error *err);
/* Plan dept's digest (NULL: the school's, to school_to) now, whatever the
 * schedule: `tzctl digest send`. Without force nothing is composed when the
 * digest is empty or unchanged since the last mail sent (as on schedule);
 * with force it is. Recorded, a sent mail moves "since" and the facts as a
 * scheduled one does (the next scheduled digest counts from it), and a
 * failure is counted and kept as the last error without touching the
 * schedule's attempts. TZ_ENOENT: no such department (err says so);
 * TZ_EINVAL: no address to send to (err says where to set one). */
int digest_plan_now(struct tz_register *reg, const struct digest_config *cfg,
                    const struct rules_config *rules, const char *dept, int64_t now,
                    int force, struct digest_batch *out, struct tz_error *err);
void digest_batch_send(const struct digest_config *cfg, struct digest_batch *b);
int digest_batch_record(struct tz_register *reg, const struct digest_config *cfg,
                        struct digest_batch *b, struct tz_error *err);
void digest_batch_free(struct digest_batch *b);

/* Where the next digest's window starts: the last one sent (kept through
 * failures), else one period before the slot due at now. */
int64_t digest_since(const struct digest_state *st,
                     const struct digest_schedule *s, int64_t now);

/* Nothing new, and the standing facts are those of the last mail sent:
 * the digest would say again what was said. */
int digest_unchanged(const struct digest *d, const struct digest_state *st);

/* The stored state of dept's digest (NULL: the school's); all zero when
 * none was stored yet. */
int digest_state_load(struct tz_register *reg, const char *dept,
                      struct digest_state *st, struct tz_error *err);

#endif
