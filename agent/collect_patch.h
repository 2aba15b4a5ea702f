/* collect_patch — patch level: kernels, reboot flag, pending apt updates.
 *
 * Installed packages come from collect_dpkg (<root>/var/lib/dpkg/status).
 *
 * Kernels: running_kernel is uname -r on the live root and empty under any
 * other root. Installed kernels are packages linux-image-<release> (also
 * linux-image-unsigned-<release> and ...-<release>-unsigned) whose release
 * starts with a digit, so meta packages (linux-image-amd64, -generic) and
 * -dbg/-dbgsym packages are not kernels. newest_kernel is the release whose
 * package version is highest (debversion_cmp; ties by release). kernel_outdated
 * is set when the running release differs from the newest and the running
 * release's own package is older; a running kernel without a package (custom
 * build, or --root) is never called outdated.
 *
 * Reboot: reboot_required when <root>/run/reboot-required or
 * <root>/var/run/reboot-required exists; reboot_required_pkgs are the lines of
 * reboot-required.pkgs beside it, de-duplicated in file order. Under a
 * non-live root a symlinked <root>/var/run is not followed (it points at the
 * collecting host's /run).
 *
 * Pending updates are computed offline from <root>/var/lib/apt/lists: every
 * *_Packages list, plain or .gz or .lz4 (what apt keeps on Debian), is
 * streamed stanza by stanza (Package, Version, Architecture; agent/apt_lists.h);
 * lists in other compressions (.xz, .bz2, .zst, ...) are skipped with one
 * warning. For each installed package the highest version whose
 * Architecture equals the installed one (or either is "all") is its
 * candidate; an update is listed when candidate > installed. A list's
 * Release file is the *_InRelease or *_Release with the longest name prefix
 * in common (bookworm-security_main_binary-amd64_Packages ↔
 * bookworm-security_InRelease); its Suite (else Codename) is the update's
 * suite, and a list is a security list when its Suite or Codename ends in
 * "-security". An update is security when some security list offers a
 * version > installed, even if the overall candidate came from elsewhere.
 * The Release signature is not checked: apt verified it when it wrote the
 * file. Updates are sorted by name; the same name at the same versions (one
 * per multiarch architecture) is listed once. lists_found says at least one
 * plain list was read; lists_updated_at is the newest mtime (Unix seconds)
 * of the lists read. A missing lists directory is lists_found = false.
 *
 * Hostile lists never fail the section: a malformed line, a stanza without
 * Package or Version, an invalid version, a field over TZ_MAX_NAME, a stanza
 * over 1 MiB (skipped), a line over 1 MiB (rest of that file skipped), a
 * file over TZ_PATCH_MAX_LIST_BYTES (skipped) each add "file:line: why" to
 * warnings (warnlist: at most TZ_MAX_WARNINGS, the last counting the rest). Past TZ_PATCH_MAX_LISTS files or TZ_PATCH_MAX_STANZAS stanzas in all,
 * reading stops with a warning, so the updates may be incomplete.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: whatever collect_dpkg returns (TZ_ENOENT without a dpkg database,
 * TZ_EPARSE, TZ_ELIMIT, TZ_EIO), TZ_EIO when the lists directory exists but
 * cannot be read, TZ_ELIMIT when root is too long, TZ_ENOMEM. */
#ifndef TZ_COLLECT_PATCH_H
#define TZ_COLLECT_PATCH_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

/* Lines may be as long as a stanza: Debian bookworm's librust-winapi-dev has
 * a 75,649-byte Provides line, so 64 KiB would lose most of main. */
#define TZ_PATCH_MAX_LINE       (1u << 20)
#define TZ_PATCH_MAX_STANZA     (1u << 20)
#define TZ_PATCH_MAX_LISTS      512
#define TZ_PATCH_MAX_LIST_BYTES (1024ul << 20)
#define TZ_PATCH_MAX_STANZAS    4000000ul
#define TZ_PATCH_MAX_REBOOT_PKGS 1024

int collect_patch(const char *root, Tz__PatchSection **out,
                  struct tz_error *err);

/* collect_patch with the running kernel release given instead of taken from
 * uname (NULL: as collect_patch). For tests, and for a caller that knows the
 * release of a root it inspects. */
int collect_patch_running(const char *root, const char *running,
                          Tz__PatchSection **out, struct tz_error *err);

/* collect_patch_running against an installed list the caller already has
 * (a packages section: its dpkg entries are used, in its sorted order), so
 * one collection reads the dpkg database once. pkgs NULL, or a section
 * without dpkg entries: read the dpkg database as collect_patch does.
 * pkgs is borrowed. */
int collect_patch_from(const char *root, const char *running,
                       const Tz__PackagesSection *pkgs, Tz__PatchSection **out,
                       struct tz_error *err);

#endif
