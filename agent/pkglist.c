/* pkglist — growing, ordering and handing over a package list. */
#include "pkglist.h"

#include <stdlib.h>
#include <string.h>

#include "tz_error.h"

int pkglist_reserve(struct pkglist *pl)
{
    if (pl->n < pl->cap)
        return 0;
    size_t ncap = pl->cap ? pl->cap * 2 : 1024;
    Tz__Package **nv = realloc(pl->v, ncap * sizeof(*nv));
    if (nv == NULL)
        return TZ_ENOMEM;
    pl->v = nv;
    pl->cap = ncap;
    return 0;
}

void pkglist_free(struct pkglist *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        protobuf_c_message_free_unpacked(&pl->v[i]->base, NULL);
    free(pl->v);
    pl->v = NULL;
    pl->n = pl->cap = 0;
}

int pkglist_cmp(const void *a, const void *b)
{
    const Tz__Package *x = *(Tz__Package *const *)a;
    const Tz__Package *y = *(Tz__Package *const *)b;
    int c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->arch, y->arch);
    if (c == 0)
        c = strcmp(x->version, y->version);
    return c ? c : strcmp(x->manager, y->manager);
}

int pkglist_section(struct pkglist *pl, const char *manager,
                    Tz__PackagesSection **out)
{
    Tz__PackagesSection *sec = malloc(sizeof(*sec));
    char *mgr = strdup(manager);
    if (sec == NULL || mgr == NULL) {
        free(sec);
        free(mgr);
        return TZ_ENOMEM;
    }
    tz__packages_section__init(sec);
    sec->manager = mgr;
    if (pl->n > 0) {
        qsort(pl->v, pl->n, sizeof(*pl->v), pkglist_cmp);
        sec->packages = pl->v;
        sec->n_packages = pl->n;
    } else {
        free(pl->v);
    }
    pl->v = NULL;
    pl->n = pl->cap = 0;
    *out = sec;
    return 0;
}
