/* collect_dpkg — installed packages from a dpkg status database.
 *
 * Reads <root>/var/lib/dpkg/status as a stream: memory stays O(one stanza)
 * plus the output list, not O(file). A package is listed iff the third word
 * of its Status field is "installed" (what `dpkg-query -W -f
 * '${db:Status-Status}'` calls installed); config-files, half-installed and
 * the rest are skipped. Output is sorted by (name, arch); manager = "dpkg".
 * Source is the source package name without its "(version)", and empty when
 * absent or equal to the package name.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOENT (no database), TZ_EIO, TZ_ENOMEM, TZ_ELIMIT (more than
 * TZ_MAX_PACKAGES installed), TZ_EPARSE with err->file and err->line:
 *   - a line or a stanza over 1 MiB (the line crossing it),
 *   - a line that is neither "Field: value" nor a continuation (that line),
 *   - a continuation line before any field of its stanza (that line),
 *   - a stanza without Package or Status, which includes a database cut off
 *     in the middle of its last stanza (the stanza's first line),
 *   - an installed package without Version (the stanza's first line),
 *   - a Package, Version, Architecture or Source longer than TZ_MAX_NAME, or a
 *     field given twice in one stanza (that line).
 * Bounds: 1 MiB per stanza (and so per line: real Provides: lines pass
 * 64 KiB, e.g. librust-winapi-dev), TZ_MAX_PACKAGES packages. */
#ifndef TZ_COLLECT_DPKG_H
#define TZ_COLLECT_DPKG_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

#define TZ_DPKG_MAX_STANZA  (1u << 20)
#define TZ_DPKG_MAX_LINE    TZ_DPKG_MAX_STANZA

int collect_dpkg(const char *root, Tz__PackagesSection **out,
                 struct tz_error *err);

#endif
