/* collect_rpm — installed packages from an rpm database, read with librpm.
 *
 * The database is looked for below root in <root>/usr/lib/sysimage/rpm
 * (Fedora 36+, openSUSE), then <root>/var/lib/rpm (librpm's configuration
 * is read only once one is found); a directory counts only if it holds a
 * database file
 * (rpmdb.sqlite, Packages or Packages.db), since Debian's rpm package ships
 * an empty /var/lib/rpm. It is opened read-only (O_RDONLY, no lock taken)
 * and no database is created; sqlite, like for any reader of rpm's WAL-mode
 * database (rpm -q too), may create rpmdb.sqlite-shm and -wal beside it.
 *
 * Each Package: name, version "V-R" or "E:V-R" when the header has an
 * Epoch (rpm's %{EVR}), arch, source = SOURCERPM without
 * "-V-R.src.rpm" (empty when equal to the name), manager "rpm". gpg-pubkey
 * entries (imported signing keys, not software) are skipped. Output is sorted
 * by (name, arch, version): rpm allows several versions of one (name, arch),
 * e.g. kernel-core, and the order must not depend on the database's.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOENT (no rpm database below root, or built without librpm:
 * err->msg says "built without librpm"), TZ_EIO (librpm could not read its
 * configuration, open the database or read one of its headers; err->msg
 * carries rpm's reason),
 * TZ_ELIMIT (more than TZ_MAX_PACKAGES packages), TZ_EPARSE (a header
 * without name, version or release, or a name, version, arch or source
 * longer than TZ_MAX_NAME; err->msg names the package), TZ_ENOMEM.
 * err->file is the database directory.
 * Bounds: TZ_MAX_PACKAGES packages, TZ_MAX_NAME bytes per string.
 * Not thread-safe: librpm's configuration and macros are process-global; the
 * configuration is read on the first call only. */
#ifndef TZ_COLLECT_RPM_H
#define TZ_COLLECT_RPM_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

int collect_rpm(const char *root, Tz__PackagesSection **out,
                struct tz_error *err);

#endif
