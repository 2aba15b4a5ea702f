/* grow — doubling arrays. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

#include "tz_error.h"

int tz_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    if (c < *cap || (size && c > SIZE_MAX / size))
        return TZ_ENOMEM;
    void *nv = realloc(*v, c * size);
    if (nv == NULL)
        return TZ_ENOMEM;
    *v = nv;
    *cap = c;
    return 0;
}
