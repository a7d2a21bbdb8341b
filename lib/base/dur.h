/* Durations as users type them: 250ms, 5s, 1.5s, 2m, 1h; a bare number is seconds. */
#ifndef SOCKCTL_DUR_H
#define SOCKCTL_DUR_H

#include <stdint.h>

/* The longest duration accepted, in ms: what poll() can wait (~24 days). */
#define DUR_MAX_MS	2147483647LL

/*
 * Parses s into *ms (rounded up to whole milliseconds, so "0.1ms" is 1).
 * Returns 0, or -1 when s is not a duration, -2 when it is out of range.
 */
int	dur_parse(const char *s, int64_t *ms);

#endif
