/* grow — room for one more element in a doubling array, the one helper the
 * listings and walks share instead of each keeping a copy.
 * *v holds n elements of size bytes in *cap slots; when n == *cap the array
 * is reallocated to twice as many (64 at first). 0, or TZ_ENOMEM with *v
 * and *cap unchanged (also on size overflow). */
#ifndef TZ_GROW_H
#define TZ_GROW_H

#include <stddef.h>

int tz_grow(void **v, size_t *cap, size_t n, size_t size);

#endif
