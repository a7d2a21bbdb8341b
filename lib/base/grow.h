#ifndef GROW_H
#define GROW_H

#include <stddef.h>

/*
 * Room for one more element in an array that grows by doubling: *v holds
 * *cap elements of size sz, n of them used. Reallocates when n reached
 * *cap (to first elements the first time). Returns 0, or -1 with errno
 * ENOMEM (out of memory, or a size that does not fit in size_t) and *v
 * left as it was.
 */
int	grow(void **v, size_t *cap, size_t n, size_t sz, size_t first);

#endif
