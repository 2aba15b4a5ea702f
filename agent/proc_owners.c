/* proc_owners — socket inode -> lowest pid and comm, by walking /proc/PID/fd.
 *
 * The inodes are sorted once so each descriptor costs a binary search, and
 * a comm file is read only for a pid that wins an inode. */
#include "proc_owners.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_listeners.h"
#include "decimal.h"
#include "rootfs.h"
#include "utf8.h"

struct ino_ix {
    unsigned long inode;
    size_t ix;               /* into the caller's array */
};

static int ino_cmp(const void *a, const void *b)
{
    const struct ino_ix *x = a, *y = b;
    if (x->inode != y->inode)
        return x->inode < y->inode ? -1 : 1;
    return x->ix < y->ix ? -1 : x->ix > y->ix;
}

/* First entry with this inode, or NULL. */
static const struct ino_ix *ino_find(const struct ino_ix *v, size_t n,
                                     unsigned long inode)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].inode < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].inode == inode ? &v[lo] : NULL;
}

/* "socket:[12345]" -> 12345; 0 when the link is something else. */
static unsigned long socket_inode(const char *link)
{
    if (strncmp(link, "socket:[", 8) != 0)
        return 0;
    char num[32];
    const char *p = link + 8;
    size_t n = 0;
    while (p[n] >= '0' && p[n] <= '9' && n < sizeof(num) - 1) {
        num[n] = p[n];
        n++;
    }
    if (n == 0 || p[n] != ']' || p[n + 1] != '\0')
        return 0;
    num[n] = '\0';
    unsigned long v;
    return tz_decimal(num, (unsigned long)-1, &v) == 0 ? v : 0;
}

static void read_comm(const char *root, unsigned long pid, char *out)
{
    char rel[64];
    out[0] = '\0';
    snprintf(rel, sizeof(rel), "/proc/%lu/comm", pid);
    if (tz_read_line1_in(root, rel, out, PROC_OWNER_COMM) != 0)
        out[0] = '\0';
    tz_text_repair(out);     /* a cut at PROC_OWNER_COMM may split a character */
}

/* Give each entry whose inode one of pid's descriptors holds that pid,
 * unless a lower pid already has it. *fds counts descriptors looked at. */
static void scan_pid(const char *root, unsigned long pid, struct proc_owner *o,
                     const struct ino_ix *ix, size_t nix, unsigned long *fds)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "/proc/%lu/fd", pid);
    DIR *d = tz_root_opendir(root, rel);
    if (d == NULL)
        return;              /* another user's process, or it just exited */
    char comm[PROC_OWNER_COMM];
    int have_comm = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && *fds < TZ_LISTEN_MAX_FDS) {
        if (de->d_name[0] == '.')
            continue;
        (*fds)++;
        char link[64];
        ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        unsigned long inode = socket_inode(link);
        if (inode == 0)
            continue;
        const struct ino_ix *e = ino_find(ix, nix, inode);
        for (; e && e < ix + nix && e->inode == inode; e++) {
            struct proc_owner *w = &o[e->ix];
            if (w->pid != 0 && w->pid <= pid)
                continue;
            if (!have_comm) {
                read_comm(root, pid, comm);
                have_comm = 1;
            }
            w->pid = (uint32_t)pid;
            memcpy(w->comm, comm, sizeof(comm));
        }
    }
    closedir(d);
}

int proc_owners_find(const char *root, struct proc_owner *o, size_t n,
                     struct tz_error *err)
{
    if (n == 0)
        return 0;
    struct ino_ix *ix = malloc(n * sizeof(*ix));
    if (ix == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    size_t nix = 0;
    for (size_t i = 0; i < n; i++)
        if (o[i].inode != 0)
            ix[nix++] = (struct ino_ix){o[i].inode, i};
    if (nix > 1)
        qsort(ix, nix, sizeof(*ix), ino_cmp);

    DIR *d = nix > 0 ? tz_root_opendir(root, "/proc") : NULL;
    unsigned long procs = 0, fds = 0, pid;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL && procs < TZ_LISTEN_MAX_PROCS &&
           fds < TZ_LISTEN_MAX_FDS) {
        if (tz_decimal(de->d_name, UINT32_MAX, &pid) != 0 || pid == 0)
            continue;        /* self, net, sys, ... */
        procs++;
        scan_pid(root, pid, o, ix, nix, &fds);
    }
    if (d)
        closedir(d);
    free(ix);
    return 0;
}
