/* collect_packages — the packages section: dpkg's and rpm's lists merged.
 *
 * A host may carry both databases (a Debian box with rpm-built software, or
 * a converted one). Each Package says its manager ("dpkg" or "rpm"); the
 * section's manager is "dpkg", "rpm" or "dpkg+rpm" after who contributed.
 * Output is sorted by (name, arch, version, manager).
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOENT with dpkg's error when neither database exists (the
 * behaviour from before rpm support); any other error of either collector
 * fails the whole section with that collector's error, rather than sending
 * a list silently missing one manager's packages; TZ_ELIMIT when the two
 * together exceed TZ_MAX_PACKAGES; TZ_ENOMEM.
 * Bounds: those of collect_dpkg and collect_rpm, TZ_MAX_PACKAGES in all. */
#ifndef TZ_COLLECT_PACKAGES_H
#define TZ_COLLECT_PACKAGES_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

int collect_packages(const char *root, Tz__PackagesSection **out,
                     struct tz_error *err);

#endif
