/*
 * libFuzzer target: the --expect path. The bytes up to the first NUL are
 * the pattern, the rest the reply (which may hold NULs, as a reply from
 * the network may). A pattern of plain letters and digits must match
 * exactly when it occurs in the reply, NULs or not.
 *
 * expect_compile() tries each pattern in a child process first, as
 * regcomp() is exponential in some patterns that an anchor starts (five
 * nested repeats of what may match nothing take seconds). A fork per
 * input slows this target from 85 000 runs a second to 700, so patterns
 * with an anchor and more than four repeats are only checked here; the
 * unit test and tests/badinput.bats cover the child. The rest, once
 * expect_check() passed them, go to regcomp() directly.
 *
 * The matcher's bound: expect_match_by() matches a short reply in this
 * process, which must take no more than SHORT_MS whatever the pattern
 * (glibc's regexec() is quadratic in the reply, exponential with a
 * backreference, which expect_check() refuses); one input in 16 with a
 * longer reply goes to its child, which must answer or be killed by the
 * deadline, and agree with expect_match() when it answered.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAT_MAX		128
#define REPLY_MAX	4096
#define SHORT_MAX	256	/* expect.c's INPROC_MAX */
#define SHORT_MS	100	/* the most an in-process match may take */
#define CHILD_MS	200	/* the child's deadline */
#define LATE_MS		150	/* what the kill and the wait may add */

/* Whether p may be one regcomp() takes exponential time for. */
static int
risky(const char *p)
{
	int n = 0;

	if (strpbrk(p, "^$\\") == NULL)
		return 0;
	for (; *p != '\0'; p++)
		n += strchr("*+?{", *p) != NULL;
	return n > 4;
}

static int
plain(const char *p)
{
	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen, rlen;
	char *pat, *reply, err[256];
	regex_t re;
	int64_t t0;
	int m, mb;

	plen = nul ? (size_t)(nul - data) : size;
	rlen = nul ? size - plen - 1 : 0;
	if (plen > PAT_MAX || rlen > REPLY_MAX)
		return 0;
	pat = malloc(plen + 1);
	reply = malloc(rlen + 1);
	if (pat == NULL || reply == NULL)
		goto out;
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	memcpy(reply, data + plen + (nul != NULL), rlen);
	reply[rlen] = '\0';	/* as probe-connect keeps it */
	err[0] = '\0';
	if (expect_check(pat, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		goto out;
	}
	if (risky(pat))
		goto out;
	if (regcomp(&re, pat, EXPECT_RE_FLAGS) != 0)
		goto out;
	t0 = clock_ms();
	m = expect_match(&re, reply, rlen);
	if (m != 0 && m != 1)
		abort();
	if (rlen <= SHORT_MAX && clock_ms() - t0 > SHORT_MS)
		abort();	/* the in-process match is not bounded */
	if (rlen <= SHORT_MAX || (rlen & 15) == 0) {
		t0 = clock_ms();
		mb = expect_match_by(&re, reply, rlen, t0 + CHILD_MS);
		if (clock_ms() - t0 > CHILD_MS + LATE_MS)
			abort();
		if (mb != -1 && mb != m)
			abort();
		if (mb == -1 && rlen <= SHORT_MAX)
			abort();
	}
	if (plain(pat) && m != (memmem(reply, rlen, pat, plen) != NULL))
		abort();
	regfree(&re);
out:
	free(pat);
	free(reply);
	return 0;
}
