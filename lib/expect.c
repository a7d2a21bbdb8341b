#include <regex.h>
#include <stddef.h>
#include <string.h>

#include "expect.h"

int
expect_compile(regex_t *re, const char *pat, char *err, size_t errlen)
{
	int e = regcomp(re, pat, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);

	if (e == 0)
		return 0;
	regerror(e, re, err, errlen);
	return -1;
}

int
expect_match(const regex_t *re, const char *buf, size_t len)
{
#ifdef REG_STARTEND
	regmatch_t m[1];

	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	return regexec(re, buf, 1, m, REG_STARTEND) == 0;
#else
	/*
	 * Each NUL-free piece is a C string of its own (buf[len] is NUL), so
	 * match them one by one: a pattern cannot span a NUL byte here, and
	 * ^ also matches just after one.
	 */
	for (const char *p = buf, *end = buf + len; p <= end;
	    p += strnlen(p, (size_t)(end - p)) + 1)
		if (regexec(re, p, 0, NULL, 0) == 0)
			return 1;
	return 0;
#endif
}
