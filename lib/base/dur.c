#include <string.h>

#include "dur.h"

int
dur_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char	*unit;
		int64_t		 ns;
	} units[] = {
		{ "ms", 1000000LL }, { "s", 1000000000LL }, { "", 1000000000LL },
		{ "m", 60000000000LL }, { "h", 3600000000000LL },
	};
	const char *p = s;
	int64_t whole = 0, frac = 0, scale = 1;
	int digits = 0, fdigits = 0;

	if (s == NULL)
		return -1;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > 1000000000000LL)
			return -2;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++) {
			if (fdigits < 9) {	/* finer than a nanosecond is noise */
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
		if (fdigits == 0)
			return -1;
	}
	if (digits == 0 && fdigits == 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t ns, unit = units[i].ns;

		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (whole > DUR_MAX_MS * 1000000LL / unit)
			return -2;
		/* the fraction is below one unit: a double keeps it exact enough */
		ns = whole * unit + (int64_t)((double)frac / (double)scale *
		    (double)unit);
		*ms = (ns + 999999) / 1000000;
		if (*ms > DUR_MAX_MS)
			return -2;
		return 0;
	}
	return -1;
}
