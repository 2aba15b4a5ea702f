/* rootfacts — what only root can read of the live system, for an agent that
 * runs without root.
 *
 * Read by the privsep child (it keeps root) and sent back as data only
 * (privsep_msg.h): the DMI files collect_hardware reads, and the owning
 * process of the socket inodes the agent asks about. The paths are fixed
 * live ones (/sys/class/dmi/id/..., /proc); nothing the agent sends names a
 * file, so the child cannot be made to read anything else.
 *
 * dmi[i] is the first line of /sys/class/dmi/id/<rootfacts_dmi_files[i]>,
 * cut to TZ_MAX_NAME bytes at a character boundary, "" when absent or
 * unreadable. owners holds, sorted by inode and unique, only the asked
 * inodes that some process holds (pid != 0), as proc_owners_find gives them.
 * Ownership: rootfacts_free() frees owners; the struct is the caller's.
 * Errors: TZ_ENOMEM; TZ_ELIMIT (more than TZ_MAX_LISTENERS inodes). */
#ifndef TZ_ROOTFACTS_H
#define TZ_ROOTFACTS_H

#include <stddef.h>

#include "proc_owners.h"
#include "tz_error.h"
#include "tz_limits.h"

#define ROOTFACTS_N_DMI 10

/* In collect_hardware's order (its header lists them). */
extern const char *const rootfacts_dmi_files[ROOTFACTS_N_DMI];

struct rootfacts {
    char dmi[ROOTFACTS_N_DMI][TZ_MAX_NAME + 1];
    struct proc_owner *owners;
    size_t n_owners;
};

/* The child's side: reads the live system for the n inodes asked (which
 * need not be sorted; zeros and repeats are ignored). */
int rootfacts_read(const unsigned long *inodes, size_t n, struct rootfacts *f,
                   struct tz_error *err);

void rootfacts_free(struct rootfacts *f);

/* qsort order of socket inodes (unsigned long), ascending: the order both
 * sides of the privsep format keep them in. */
int rootfacts_inode_cmp(const void *a, const void *b);

#endif
