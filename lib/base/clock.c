#include <time.h>

#include "clock.h"

int64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
clock_ms(void)
{
	return clock_ns() / 1000000LL;
}

double
clock_since_ms(int64_t ns0)
{
	return (double)(clock_ns() - ns0) / 1e6;
}

double
clock_between_ms(int64_t ns0, int64_t ns1)
{
	return (double)(ns1 - ns0) / 1e6;
}
