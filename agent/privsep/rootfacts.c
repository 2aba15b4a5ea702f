/* rootfacts — the privsep child's reading of root-only DMI and socket owners. */
#include "rootfacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "utf8.h"

const char *const rootfacts_dmi_files[ROOTFACTS_N_DMI] = {
    "sys_vendor", "product_name", "product_serial", "product_uuid",
    "board_vendor", "board_name", "bios_vendor", "bios_version", "bios_date",
    "chassis_type",
};

int rootfacts_inode_cmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static void read_dmi(struct rootfacts *f)
{
    char path[128], buf[TZ_MAX_STR + 1];
    for (size_t i = 0; i < ROOTFACTS_N_DMI; i++) {
        snprintf(path, sizeof(path), "/sys/class/dmi/id/%s",
                 rootfacts_dmi_files[i]);
        if (tz_read_line1(path, buf, sizeof(buf)) != 0)
            continue;
        /* the same cut collect_hardware makes (set_str) */
        char *s = tz_strdup_bounded(buf, TZ_MAX_NAME);
        if (s == NULL)
            continue;
        snprintf(f->dmi[i], sizeof(f->dmi[i]), "%s", s);
        free(s);
    }
}

int rootfacts_read(const unsigned long *inodes, size_t n, struct rootfacts *f,
                   struct tz_error *err)
{
    memset(f, 0, sizeof(*f));
    if (n > TZ_MAX_LISTENERS)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "more than %d sockets asked",
                      TZ_MAX_LISTENERS);
    read_dmi(f);
    if (n == 0)
        return 0;
    unsigned long *s = malloc(n * sizeof(*s));
    struct proc_owner *o = calloc(n, sizeof(*o));
    if (s == NULL || o == NULL) {
        free(s);
        free(o);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    memcpy(s, inodes, n * sizeof(*s));
    qsort(s, n, sizeof(*s), rootfacts_inode_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != 0 && (m == 0 || o[m - 1].inode != s[i]))
            o[m++].inode = s[i];
    free(s);
    int rc = proc_owners_find(NULL, o, m, err);
    if (rc != 0) {
        free(o);
        return rc;
    }
    /* only what was found goes back: sorted, unique, pid != 0 */
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (o[i].pid != 0)
            o[k++] = o[i];
    if (k == 0) {
        free(o);
        o = NULL;
    }
    f->owners = o;
    f->n_owners = k;
    return 0;
}

void rootfacts_free(struct rootfacts *f)
{
    if (f == NULL)
        return;
    free(f->owners);
    f->owners = NULL;
    f->n_owners = 0;
}
