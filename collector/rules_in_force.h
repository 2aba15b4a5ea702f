/* rules_in_force — one set of rules for every tool that judges flags.
 *
 * The collector reads its rules file once, judges by what it read, and
 * records that text with its digest in the register (RulesInForce);
 * tzctl judges a ledger change by the recorded text, so the two never
 * disagree about a threshold (a change tzctl makes opens or closes the
 * same flags the collector's next pass would). A file is at most
 * RULES_FILE_MAX bytes.
 * Ownership: rules_in_force_read fills *rec with malloc'd content and
 * digest: free them with rules_in_force_clear. */
#ifndef TZ_RULES_IN_FORCE_H
#define TZ_RULES_IN_FORCE_H

#include <stdint.h>

#include "rules_config.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

#define RULES_FILE_MAX (64u << 10)

/* Read path (NULL or "": the built-in rules) into cfg (from the defaults)
 * and describe what was read in rec, recorded_at = now. Errors: TZ_ENOENT
 * (cannot open), TZ_ELIMIT (too large), TZ_EPARSE (naming file and line),
 * TZ_ENOMEM. */
int rules_in_force_read(const char *path, int64_t now, struct rules_config *cfg,
                        Tz__RulesInForce *rec, struct tz_error *err);
void rules_in_force_clear(Tz__RulesInForce *rec);

/* The rules a record describes, into cfg (from the defaults). A record
 * whose text no longer parses (a newer collector's option) is TZ_EPARSE. */
int rules_in_force_apply(const Tz__RulesInForce *rec, struct rules_config *cfg,
                         struct tz_error *err);

#endif
