/* collect_host — who this host is: name, OS release, kernel, machine id.
 *
 * Sources, all below root (NULL, "" or "/" mean the running system):
 *   os_id/os_name/os_version/os_pretty  /etc/os-release, else /usr/lib/os-release
 *       (ID, NAME, VERSION_ID, PRETTY_NAME; shell quoting: "..." with
 *       backslash escapes, '...' literal, unquoted words)
 *   hostname        live: gethostname(); other root: /etc/hostname
 *   kernel_release, kernel_version, arch
 *                   live: uname(); other root: /proc/sys/kernel/osrelease and
 *                   /proc/sys/kernel/version if present, arch = first line of
 *                   /var/lib/dpkg/arch (a dpkg name such as "amd64", not uname -m)
 *   machine_id      /etc/machine-id, else /var/lib/dbus/machine-id
 *   uptime_s        first field of /proc/uptime, whole seconds
 * A missing or unreadable source leaves its fields empty (0): that is not an
 * error.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOMEM; TZ_ELIMIT when an os-release line is over 4 KiB or the
 * file over 1024 lines; TZ_EPARSE when the hostname is longer than
 * TZ_MAX_NAME (err->file says which file). */
#ifndef TZ_COLLECT_HOST_H
#define TZ_COLLECT_HOST_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

int collect_host(const char *root, Tz__HostSection **out, struct tz_error *err);

#endif
