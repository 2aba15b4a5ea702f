/* flags_update — evaluate the rules and store the flags they raise.
 *
 * Glue between the register and the pure rules: loads what a rule needs
 * (a host's latest report, its binding and system; a system's record),
 * evaluates, and syncs each subject's open flags in ONE write transaction
 * per call. Called by the collector for the reports stored in the last
 * FLAGS_DEFER_MS (flags_defer.h: flags lag their report by that much) and on
 * its timer (time-based flags: AGENT_SILENT, EVALUATION_OVERDUE), and by
 * tzctl after it changes the ledger. */
#ifndef TZ_FLAGS_UPDATE_H
#define TZ_FLAGS_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "register.h"
#include "rules_config.h"

/* Re-evaluate these hosts (agent ids). Unknown ids are skipped. */
int flags_update_hosts(struct tz_register *reg, const struct rules_config *cfg,
                       const uint64_t *ids, size_t n, int64_t now,
                       struct tz_error *err);
/* Re-evaluate these systems and every host bound to them. */
int flags_update_systems(struct tz_register *reg, const struct rules_config *cfg,
                         const uint64_t *ids, size_t n, int64_t now,
                         struct tz_error *err);
/* Re-evaluate exactly these systems and these hosts (either list may be
 * empty), in one commit: what a ledger change touched (flags_scope.h). */
int flags_update_subjects(struct tz_register *reg, const struct rules_config *cfg,
                          const uint64_t *systems, size_t n_systems,
                          const uint64_t *hosts, size_t n_hosts, int64_t now,
                          struct tz_error *err);
/* Re-evaluate everything. */
int flags_update_all(struct tz_register *reg, const struct rules_config *cfg,
                     int64_t now, struct tz_error *err);

/* Evaluate everything and store nothing: cb gets each subject's set (valid
 * during the call only; a subject with no flags may come with n == 0).
 * What `tzctl --rules FILE flags` shows as a dry run. cb returning
 * non-zero stops the walk and is returned. */
typedef int (*flags_set_cb)(const struct register_flag_set *set, void *arg);
int flags_evaluate_all(struct tz_register *reg, const struct rules_config *cfg,
                       int64_t now, flags_set_cb cb, void *arg,
                       struct tz_error *err);

#endif
