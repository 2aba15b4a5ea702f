/* portal_view — what a person may see of the register, as JSON (cJSON).
 *
 * Every page and every API answer of tz-portal is built from these views,
 * and every view filters by the viewer (people_may_see) while it walks the
 * register: a viewer of one department never gets another's system, host,
 * flag, count or name, whichever route asked. The HTML pages render the
 * same objects the JSON API returns, so the two cannot disagree.
 * Detail views answer TZ_ENOENT both for an id that does not exist and for
 * one the viewer may not see (the portal's 404 is the same for both).
 * Ownership: *out is the caller's (cJSON_Delete). Errors: TZ_ENOMEM, the
 * register's TZ_ESTORE (err says why), TZ_ENOENT as above. */
#ifndef TZ_PORTAL_VIEW_H
#define TZ_PORTAL_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "register.h"

/* Whose view, narrowed to one department (dept non-NULL: an admin looking
 * at one department; for a department user it must be their own or the
 * view is empty). */
struct view_scope {
    const Tz__UserRecord *user;
    const char *dept;
};

/* The ledger: {"systems": [row...]} with each system in use (not retired;
 * with_retired: all) and its main fields, hosts bound and flags open on it
 * and its hosts (counting only what the viewer may see). */
int view_ledger(struct tz_register *reg, const struct view_scope *s,
                int with_retired, cJSON **out, struct tz_error *err);

/* view_ledger with rows only for the systems first .. first+count-1 of the
 * list (what one API page shows; the rest are counted, not formatted);
 * *total: how many systems the whole list has. */
int view_ledger_page(struct tz_register *reg, const struct view_scope *s,
                     int with_retired, size_t first, size_t count,
                     cJSON **out, size_t *total, struct tz_error *err);

/* Per department the viewer may see: {"departments": [{name, systems,
 * hosts, hosts_unbound, open_flags, high_flags}...]}. */
int view_summary(struct tz_register *reg, const struct view_scope *s,
                 cJSON **out, struct tz_error *err);

/* view_ledger (with_retired 0) and view_summary of one scope, the summary
 * counted in the ledger's walks of the systems and hosts instead of its own:
 * an admin's whole-school page walks the register once, not twice. */
int view_ledger_summary(struct tz_register *reg, const struct view_scope *s,
                        cJSON **ledger, cJSON **summary, struct tz_error *err);

/* {"hosts": [{id, hostname, dept, os, kernel, ips, last_seen,
 * last_report_at, system_id, binding, open_flags}...]}. A host bound to a
 * system the viewer may not see (the network center can bind across
 * departments) shows system_id 0 and no binding, as a flag of it does. */
int view_hosts(struct tz_register *reg, const struct view_scope *s,
               cJSON **out, struct tz_error *err);

/* Open flags, filtered: severity at least min_severity (0: all), rule id
 * (NULL: all), system (0: all), host (0: all).
 * {"flags": [{rule, severity, label_zh, label_en, cites, remedy_zh,
 * remedy_en, subject_kind, subject_id, subject_name, instance, evidence,
 * dept, system_id, opened_at}...]} */
struct view_flag_filter {
    int min_severity;
    const char *rule;
    uint64_t system_id, host_id;
};
int view_flags(struct tz_register *reg, const struct view_scope *s,
               const struct view_flag_filter *f, cJSON **out,
               struct tz_error *err);

/* One system: every ledger field by key, hosts bound (those visible), its
 * open flags and those of its hosts, and its change history. */
/* A department's responsibility record (dept_json.h) with "history" (its
 * changes, oldest first): TZ_ENOENT for a department that does not exist
 * and for one the viewer may not see. */
int view_dept(struct tz_register *reg, const struct view_scope *s,
              const char *dept, cJSON **out, struct tz_error *err);

int view_system(struct tz_register *reg, const struct view_scope *s,
                uint64_t id, cJSON **out, struct tz_error *err);

/* One host: its record, binding, latest inventory (packages whose name
 * contains pkg_query, case-insensitive, when it is set; at most
 * VIEW_MAX_PACKAGES listed, "packages_total"/"packages_shown" say how
 * many), account hygiene (states, never secrets: the agent sends none),
 * listeners, open flags and change history. */
#define VIEW_MAX_PACKAGES 2000
int view_host(struct tz_register *reg, const struct view_scope *s,
              uint64_t id, const char *pkg_query, cJSON **out,
              struct tz_error *err);

#endif
