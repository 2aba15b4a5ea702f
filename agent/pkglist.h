/* pkglist — the package list a package collector builds, and the one order
 * every packages section is in: (name, arch, version, manager). dpkg has one
 * entry per (name, arch); rpm may hold several versions of one, and a name
 * may be in both managers, so the rest of the key keeps the order the same
 * whatever order the databases gave. The collector diffs lists by it.
 * Ownership: the packages in a list are the list's until pkglist_section
 * hands them to the section; free a list with pkglist_free. */
#ifndef TZ_PKGLIST_H
#define TZ_PKGLIST_H

#include <stddef.h>

#include "taizhang.pb-c.h"

struct pkglist {
    Tz__Package **v;
    size_t n, cap;
};

/* Room for one more package. 0 or TZ_ENOMEM. */
int pkglist_reserve(struct pkglist *pl);
void pkglist_free(struct pkglist *pl);
/* qsort comparator over Tz__Package pointers. */
int pkglist_cmp(const void *a, const void *b);
/* Sort pl and wrap it as a section of manager; on success pl is empty and
 * *out the caller's. 0 or TZ_ENOMEM (pl untouched). */
int pkglist_section(struct pkglist *pl, const char *manager,
                    Tz__PackagesSection **out);

#endif
