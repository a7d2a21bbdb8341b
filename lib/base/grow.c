#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

int
grow(void **v, size_t *cap, size_t n, size_t sz, size_t first)
{
	size_t nc;
	void *x;

	if (n < *cap)
		return 0;
	nc = *cap > 0 ? *cap * 2 : first;
	if (nc <= *cap || (sz > 0 && nc > SIZE_MAX / sz)) {
		errno = ENOMEM;
		return -1;
	}
	if ((x = realloc(*v, nc * sz)) == NULL)
		return -1;
	*v = x;
	*cap = nc;
	return 0;
}
