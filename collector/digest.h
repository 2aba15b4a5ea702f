/* digest — what the e-mail digest to a department's 联络人 says (issue 15
 * item 5): the department's flags opened since the last digest, its open
 * flags overdue by severity (high older than 7 days, medium 30, low 90),
 * and its systems whose evaluation falls due within 60 days (or that were
 * never evaluated though their grade needs it). Plain UTF-8 text, one
 * subject line, and a hash of its standing facts (which flags are overdue,
 * which systems are due and when) so that the sender can tell an unchanged
 * digest from a new one. `tzctl digest preview` prints it; digest_run.h
 * sends it.
 * Every string from the register is made one safe line (control and bidi
 * characters replaced) before it goes into the text.
 * Ownership: d's strings are the caller's; free with digest_free.
 * Errors: TZ_ENOENT no such department; the register's; TZ_ENOMEM. */
#ifndef TZ_DIGEST_H
#define TZ_DIGEST_H

#include <stdint.h>
#include <stdio.h>

#include <sodium.h>

#include "register.h"
#include "rules_config.h"

#define DIGEST_OVERDUE_HIGH_DAYS   7
#define DIGEST_OVERDUE_MEDIUM_DAYS 30
#define DIGEST_OVERDUE_LOW_DAYS    90
#define DIGEST_EVALUATION_AHEAD_DAYS 60
#define DIGEST_FACTS_LEN 32

struct digest {
    char *to;        /* the liaison's e-mail address, "" when none is set */
    char *subject;
    char *body;
    unsigned new_flags, overdue[4], evaluations_due;  /* overdue by Tz__Severity */
    int empty;       /* nothing to say: no mail would be sent */
    uint8_t facts[DIGEST_FACTS_LEN];  /* BLAKE2b of the overdue flags and due
                                         evaluations: equal when unchanged */
};

/* How long a flag of severity sev (Tz__Severity) may stay open. */
int digest_overdue_days(int sev);
/* The day sys's evaluation falls due (0: never evaluated though its grade
 * needs it); -1 when none is needed or it is not due within
 * DIGEST_EVALUATION_AHEAD_DAYS of today. */
int32_t digest_evaluation_due(const Tz__SystemRecord *sys,
                              const struct rules_config *rules, int32_t today);

/* The digest of dept for the flags opened from since on, as of now. */
int digest_build(struct tz_register *reg, const char *dept, int64_t since,
                 int64_t now, const struct rules_config *rules,
                 struct digest *d, struct tz_error *err);
/* The digests of n departments (distinct names), each from its since[i],
 * into d[i], from one walk of the flags and one of the systems: the
 * collector plans every department's digest at once. On failure every
 * d[i] is freed. */
int digest_build_many(struct tz_register *reg, const char *const *depts,
                      const int64_t *since, size_t n, int64_t now,
                      const struct rules_config *rules, struct digest *d,
                      struct tz_error *err);
void digest_free(struct digest *d);

/* What the digests' texts share (digest_school.c too): s as one safe line
 * on f (control and bidi characters and invalid bytes become '?'), and s
 * with its terminator into a facts hash (no two lists of strings hash
 * alike). */
void digest_line(FILE *f, const char *s);
void digest_hash_str(crypto_generichash_state *h, const char *s);

#endif
