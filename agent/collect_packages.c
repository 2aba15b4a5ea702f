/* collect_packages — one packages section from every package manager.
 *
 * Both collectors produce complete sections; merging moves the Package
 * pointers of rpm's section into dpkg's and frees rpm's empty shell. */
#include "collect_packages.h"

#include <stdlib.h>
#include <string.h>

#include "collect_dpkg.h"
#include "collect_rpm.h"
#include "pkglist.h"
#include "tz_limits.h"

static void section_free(Tz__PackagesSection *s)
{
    if (s)
        protobuf_c_message_free_unpacked(&s->base, NULL);
}

/* Move r's packages into d; r is freed either way, d is kept on error. */
static int merge(Tz__PackagesSection *d, Tz__PackagesSection *r,
                 struct tz_error *err)
{
    size_t n = d->n_packages + r->n_packages;
    int rc = 0;
    Tz__Package **v = NULL;
    char *mgr = NULL;
    if (n > TZ_MAX_PACKAGES)
        rc = tz_err(err, TZ_ELIMIT, NULL, 0,
                    "more than %d installed packages (%zu dpkg, %zu rpm)",
                    TZ_MAX_PACKAGES, d->n_packages, r->n_packages);
    else if ((v = malloc((n ? n : 1) * sizeof(*v))) == NULL ||
             (mgr = strdup("dpkg+rpm")) == NULL)
        rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (rc != 0) {
        free(v);
        section_free(r);
        return rc;
    }
    if (d->n_packages)
        memcpy(v, d->packages, d->n_packages * sizeof(*v));
    if (r->n_packages)
        memcpy(v + d->n_packages, r->packages, r->n_packages * sizeof(*v));
    qsort(v, n, sizeof(*v), pkglist_cmp);
    free(d->packages);
    d->packages = v;
    d->n_packages = n;
    free(d->manager);
    d->manager = mgr;
    /* The pointers now live in d: free only r's array and shell. */
    free(r->packages);
    r->packages = NULL;
    r->n_packages = 0;
    section_free(r);
    return 0;
}

int collect_packages(const char *root, Tz__PackagesSection **out,
                     struct tz_error *err)
{
    Tz__PackagesSection *d = NULL, *r = NULL;
    struct tz_error derr, rerr;
    memset(&derr, 0, sizeof(derr));
    memset(&rerr, 0, sizeof(rerr));
    int drc = collect_dpkg(root, &d, &derr);
    int rrc = collect_rpm(root, &r, &rerr);

    int rc = 0;
    if (drc != 0 && drc != TZ_ENOENT) {
        rc = drc;
        if (err)
            *err = derr;
    } else if (rrc != 0 && rrc != TZ_ENOENT) {
        rc = rrc;
        if (err)
            *err = rerr;
    } else if (drc != 0 && rrc != 0) {
        rc = drc;                       /* neither: dpkg's error as before */
        if (err)
            *err = derr;
    }
    if (rc != 0) {
        section_free(d);
        section_free(r);
        return rc;
    }
    if (d == NULL) {
        *out = r;
        return 0;
    }
    if (r != NULL && (rc = merge(d, r, err)) != 0) {
        section_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
