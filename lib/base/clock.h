/* A monotonic clock: elapsed time never jumps with the wall clock. */
#ifndef SOCKCTL_CLOCK_H
#define SOCKCTL_CLOCK_H

#include <stdint.h>

/* Returns CLOCK_MONOTONIC in nanoseconds / milliseconds. */
int64_t	clock_ns(void);
int64_t	clock_ms(void);

/* Returns the milliseconds from ns0 (a clock_ns() value) to now. */
double	clock_since_ms(int64_t ns0);

/* Returns the milliseconds from ns0 to ns1 (clock_ns() values). */
double	clock_between_ms(int64_t ns0, int64_t ns1);

#endif
