/* nameidx — records sorted by name for lookups and duplicate checks. */
#include "nameidx.h"

#include <stdlib.h>
#include <string.h>

#include "tz_error.h"

static const char *name_of(const struct nameidx *ni, size_t i)
{
    const char *rec = (const char *)ni->base + i * ni->stride;
    const char *name;
    memcpy(&name, rec + ni->off, sizeof(name));
    return name;
}

static int cmp(const void *a, const void *b, void *ctx)
{
    const struct nameidx *ni = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(name_of(ni, x), name_of(ni, y));
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

int nameidx_build(struct nameidx *ni, const void *base, size_t n,
                  size_t stride, size_t off)
{
    ni->base = base;
    ni->n = n;
    ni->stride = stride;
    ni->off = off;
    ni->idx = NULL;
    if (n == 0)
        return 0;
    ni->idx = malloc(n * sizeof(*ni->idx));
    if (ni->idx == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ni->idx[i] = i;
    qsort_r(ni->idx, n, sizeof(*ni->idx), cmp, ni);
    return 0;
}

long nameidx_find(const struct nameidx *ni, const char *name)
{
    size_t lo = 0, hi = ni->n;
    while (lo < hi) {            /* first position with name >= wanted */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(name_of(ni, ni->idx[mid]), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ni->n && strcmp(name_of(ni, ni->idx[lo]), name) == 0)
        return (long)ni->idx[lo];
    return -1;
}

void nameidx_dups(const struct nameidx *ni, unsigned char *dup)
{
    memset(dup, 0, ni->n);
    for (size_t k = 1; k < ni->n; k++)
        if (strcmp(name_of(ni, ni->idx[k - 1]), name_of(ni, ni->idx[k])) == 0)
            dup[ni->idx[k]] = 1;
}

void nameidx_free(struct nameidx *ni)
{
    free(ni->idx);
    ni->idx = NULL;
    ni->n = 0;
}
