/* report — one full collection: every section, its hash, and what failed.
 *
 * A section that cannot be collected (no dpkg database, unreadable file) is
 * left out and named in report->errors; the rest of the report still goes.
 * Each present section carries a BLAKE2b-256 hash of its packed bytes, so
 * later versions can send only what changed (DESIGN.md §2).
 * Strings that are not valid UTF-8 are repaired (invalid bytes become '?')
 * so that one odd byte cannot get the whole report refused.
 * Ownership: *out is the caller's; free with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). */
#ifndef TZ_REPORT_H
#define TZ_REPORT_H

#include <stdint.h>

#include "privsep.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"
#include "weakpw.h"

/* How every later collection in this process checks accounts: through the
 * privsep child ps (NULL: in this process), with these limits (NULL:
 * defaults) and this dictionary (NULL: username checks only). When the
 * process runs without root and collects the live system, ps also supplies
 * what only root can read (rootfacts.h: DMI fields, other users' socket
 * owners). One agent process has one privsep child, so this is
 * process-wide; the strings and ps must outlive the collections. */
void report_set_accounts(struct privsep *ps, const struct weakpw_limits *lim,
                         const char *dict_path);
/* The system this host serves, from the agent's config (0: none). */
void report_set_system(uint64_t system_id);

int report_collect(const char *root, Tz__Report **out, struct tz_error *err);

#endif
