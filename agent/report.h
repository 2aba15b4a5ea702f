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

#include "taizhang.pb-c.h"
#include "tz_error.h"

int report_collect(const char *root, Tz__Report **out, struct tz_error *err);

#endif
