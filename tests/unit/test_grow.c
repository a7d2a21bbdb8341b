/* lib/base/grow: doubling, the first size, and sizes that do not fit. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"
#include "unit.h"

int
main(void)
{
	int *v = NULL;
	size_t cap = 0, n;
	void *keep;

	CHECK(grow((void **)&v, &cap, 0, sizeof(*v), 4) == 0 && cap == 4);
	for (n = 0; n < 100; n++) {
		if (grow((void **)&v, &cap, n, sizeof(*v), 4) == -1)
			break;
		v[n] = (int)n;
	}
	CHECK(n == 100 && cap == 128 && v[99] == 99 && v[0] == 0);
	/* room left: nothing moves */
	keep = v;
	CHECK(grow((void **)&v, &cap, 100, sizeof(*v), 4) == 0 &&
	    (void *)v == keep && cap == 128);
	/* doubling past SIZE_MAX elements' bytes: ENOMEM, v untouched */
	cap = SIZE_MAX / 2 + 1;
	errno = 0;
	CHECK(grow((void **)&v, &cap, cap, 1, 4) == -1 && errno == ENOMEM &&
	    (void *)v == keep && cap == SIZE_MAX / 2 + 1);
	cap = SIZE_MAX / 16;
	errno = 0;
	CHECK(grow((void **)&v, &cap, cap, 16, 4) == -1 && errno == ENOMEM &&
	    (void *)v == keep);
	free(v);
	return UNIT_DONE("grow");
}
