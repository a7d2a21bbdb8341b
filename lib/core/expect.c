#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "expect.h"

#define DEPTH_MAX	64	/* nested groups */
#define TRIAL_MS	2000	/* wall-clock limit of the trial compile */

#define INPROC_MAX	256	/* replies matched without a child */

/*
 * glibc's regcomp() copies what a repeat applies to: a+ becomes a a*,
 * a{3} three copies, and repeats of repeats multiply, so 'a' and thirty
 * '+' ask for 2^30 copies (tens of GB, found by fuzzing). Copies that
 * may match nothing (a*, b?) cost memory and time squared: (a*){4000}
 * takes 130 MB, ((a|b*|c?){40}){100} 2 GB. This walks the pattern the way
 * the parser does and counts nodes, copies included; patterns whose
 * repeats add more than EXPECT_COST_MAX copies to the nodes as written
 * are refused before regcomp() sees them (a long literal, 2 100 x or
 * a|a|..., copies nothing and passes). It only needs to be close: an
 * error in the pattern is still regcomp()'s to report, and what no count
 * foresees the trial below catches.
 */
#define COST_SAT	(1ULL << 40)	/* far above any pattern's length */

static unsigned long long
sat_mul(unsigned long long a, unsigned long long b)
{
	if (b != 0 && a > COST_SAT / b)
		return COST_SAT;
	return a * b;
}

static unsigned long long
sat_add(unsigned long long a, unsigned long long b)
{
	return a + b > COST_SAT ? COST_SAT : a + b;
}

/* Skips a bracket expression starting at p ('['); returns past its ']'. */
static const char *
skip_bracket(const char *p)
{
	const char *q = p + 1, *e;

	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q != '\0' && *q != ']') {
		if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			char end[3] = { q[1], ']', '\0' };

			e = strstr(q + 2, end);
			if (e == NULL)
				return q + strlen(q);
			q = e + 2;
			continue;
		}
		q++;
	}
	return *q == ']' ? q + 1 : q;
}

/*
 * Parses "{m}", "{m,}", "{,n}" or "{m,n}" at p: returns past the '}' and
 * sets *copies, or returns NULL when p holds no bound.
 */
static const char *
parse_bound(const char *p, unsigned long long *copies)
{
	char *e;
	unsigned long m, n;

	if ((p[1] < '0' || p[1] > '9') && p[1] != ',')
		return NULL;
	m = strtoul(p + 1, &e, 10);	/* glibc reads "{,n}" as "{0,n}" */
	n = m;
	if (*e == ',') {
		e++;
		if (*e >= '0' && *e <= '9')
			n = strtoul(e, &e, 10);
		else
			n = m + 1;	/* {m,}: m copies and a star */
	}
	if (*e != '}')
		return NULL;
	*copies = n > m ? n : m;
	if (*copies == 0)
		*copies = 1;
	return e + 1;
}

static int
is_dup(const char *p, const char **end)
{
	unsigned long long k;

	if (*p == '*' || *p == '+' || *p == '?') {
		*end = p + 1;
		return 1;
	}
	return *p == '{' && (*end = parse_bound(p, &k)) != NULL;
}

int
expect_check(const char *pat, char *err, size_t errlen)
{
	unsigned long long sum[DEPTH_MAX + 1], last[DEPTH_MAX + 1], k, g;
	unsigned long long written = 0;	/* nodes as written, no copies */
	const char *p = pat, *q, *prev = NULL;
	int d = 0;

	sum[0] = last[0] = 0;
	while (*p != '\0') {
		if (prev != NULL && is_dup(p, &q)) {
			/* PCRE's lazy a*? and possessive a++ are no ERE */
			snprintf(err, errlen, "'%.*s' at offset %ld repeats a "
			    "repeat, which POSIX ERE leaves undefined (lazy "
			    "and possessive quantifiers are PCRE's)",
			    (int)(q - prev), prev, (long)(prev - pat));
			return -1;
		}
		if (is_dup(p, &q))
			prev = p;
		else
			prev = NULL;
		switch (*p) {
		case '(':
			if (d == DEPTH_MAX) {
				snprintf(err, errlen, "groups nest deeper than "
				    "%d", DEPTH_MAX);
				return -1;
			}
			d++;
			sum[d] = last[d] = 0;
			p++;
			continue;
		case ')':
			if (d == 0)
				break;	/* a literal ')' in an ERE */
			g = sum[d] ? sum[d] : 1;
			d--;
			sum[d] = sat_add(sum[d], g);
			last[d] = g;
			p++;
			continue;
		case '|':
			last[d] = 0;
			p++;
			continue;
		case '*':
		case '?':
			/* a node of its own, and its copies cost squared */
			sum[d] = sat_add(sum[d], 1);
			last[d] = sat_add(last[d], 1);
			written++;
			p++;
			continue;
		case '+':
			sum[d] = sat_add(sum[d], last[d]);
			last[d] = sat_mul(last[d], 2);
			p++;
			continue;
		case '{':
			if ((q = parse_bound(p, &k)) == NULL)
				break;
			sum[d] = sat_add(sum[d], sat_mul(last[d], k - 1));
			last[d] = sat_mul(last[d], k);
			p = q;
			continue;
		case '[':
			sum[d] = sat_add(sum[d], 1);
			last[d] = 1;
			written++;
			p = skip_bracket(p);
			continue;
		case '\\':
			if (p[1] >= '1' && p[1] <= '9') {
				snprintf(err, errlen, "'%.2s' at offset %ld is a "
				    "backreference, which POSIX ERE does not "
				    "have: glibc's matcher takes time exponential "
				    "in the reply's length for one (minutes for "
				    "100 bytes)", p, (long)(p - pat));
				return -1;
			}
			if (p[1] != '\0')
				p++;
			break;
		}
		/* one character, an anchor or an escape: one node */
		sum[d] = sat_add(sum[d], 1);
		last[d] = 1;
		written++;
		p++;
	}
	while (d > 0) {
		g = sum[d];
		d--;
		sum[d] = sat_add(sum[d], g);
	}
	if (sum[0] - written > EXPECT_COST_MAX) {
		snprintf(err, errlen, "its repeats expand to more than %d "
		    "copies (nest fewer + and {n} repeats)", EXPECT_COST_MAX);
		return -1;
	}
	return 0;
}

/*
 * Compiles pat in a child first, killed after a second of CPU or
 * TRIAL_MS: glibc's regcomp() takes exponential time on some short patterns
 * that an anchor starts, e.g. ^(a?)+(b?)+ and so on thirty times. Returns
 * 0 when the child finished in time (or none could be made), -1 when not.
 */
static int
trial(const char *pat)
{
	struct rlimit rl;
	struct pollfd pf;
	regex_t re;
	int64_t end;
	pid_t pid;
	char ok;
	int pfd[2], st, n = 0;

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return 0;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return 0;
	}
	if (pid == 0) {
		close(pfd[0]);
		rl.rlim_cur = 1;
		rl.rlim_max = 2;
		(void)setrlimit(RLIMIT_CPU, &rl);
		rl.rlim_cur = rl.rlim_max = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
		if (regcomp(&re, pat, EXPECT_RE_FLAGS) == 0)
			regfree(&re);
		(void)!write(pfd[1], "y", 1);
		_exit(0);
	}
	close(pfd[1]);
	pf.fd = pfd[0];
	pf.events = POLLIN;
	end = clock_ms() + TRIAL_MS;
	for (;;) {
		int64_t left = end - clock_ms();

		if (left <= 0)
			break;
		if (poll(&pf, 1, (int)left) == -1 && errno != EINTR)
			break;
		n = (int)read(pfd[0], &ok, 1);
		if (n != -1 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (n != 1)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	close(pfd[0]);
	return n == 1 ? 0 : -1;
}

int
expect_compile(regex_t *re, const char *pat, char *err, size_t errlen)
{
	int e;

	if (expect_check(pat, err, errlen) == -1)
		return -1;
	if (trial(pat) == -1) {
		snprintf(err, errlen, "compiling it takes more than a "
		    "second (glibc's regcomp() is exponential in repeats of "
		    "what may match nothing after ^ or $)");
		return -1;
	}
	e = regcomp(re, pat, EXPECT_RE_FLAGS);
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

/*
 * glibc's regexec() tries each start in turn and runs its automaton from
 * there to where it dies, so an ordinary pattern that can keep going
 * (a.*foo, [a-z]+[0-9]+z) costs time squared in the reply's length: 9 s
 * for 64 KB. A reply this short is matched here (the worst found: 4 ms
 * for 256 bytes); a longer one in a child, killed when its time is up.
 */
int
expect_start(struct expect_job *j, const regex_t *re, const char *buf,
    size_t len)
{
	struct rlimit rl;
	pid_t pid, parent;
	char ans;
	int pfd[2];

	j->pid = 0;
	j->fd = -1;
	if (len <= INPROC_MAX) {
		errno = 0;
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	parent = getpid();
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		/* a parent killed before it could kill this takes it along */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
#ifdef SYS_close_range
		/* hold no socket of the parent's open past its close() */
		if (pfd[1] > 0)
			(void)syscall(SYS_close_range, 0U,
			    (unsigned)pfd[1] - 1, 0U);
		(void)syscall(SYS_close_range, (unsigned)pfd[1] + 1, ~0U, 0U);
#endif
		rl.rlim_cur = rl.rlim_max = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
		ans = expect_match(re, buf, len) ? 'y' : 'n';
		(void)!write(pfd[1], &ans, 1);
		_exit(0);
	}
	close(pfd[1]);
	j->pid = pid;
	j->fd = pfd[0];
	return 0;
}

int
expect_collect(struct expect_job *j, int *matched)
{
	char ans;
	ssize_t n;

	if (j->pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	while ((n = read(j->fd, &ans, 1)) == -1 && errno == EINTR)
		;
	if (n == -1 && errno == EAGAIN)
		return -1;
	/* an answer, or the child died without one (killed, out of memory) */
	expect_cancel(j);
	if (n != 1) {
		errno = ECHILD;
		return -1;
	}
	*matched = ans == 'y';
	return 0;
}

void
expect_cancel(struct expect_job *j)
{
	int st;

	if (j->pid > 0) {
		(void)kill(j->pid, SIGKILL);
		while (waitpid(j->pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	if (j->fd != -1)
		close(j->fd);
	j->pid = 0;
	j->fd = -1;
}

int
expect_match_by(const regex_t *re, const char *buf, size_t len,
    int64_t deadline_ms)
{
	struct expect_job j;
	struct pollfd pf;
	int m;

	if (len > INPROC_MAX && clock_ms() >= deadline_ms)
		return -1;
	if (expect_start(&j, re, buf, len) == -1)
		return expect_match(re, buf, len);
	pf.fd = j.fd;
	pf.events = POLLIN;
	for (;;) {
		int64_t left = deadline_ms - clock_ms();

		if (left <= 0)
			break;
		if (poll(&pf, 1, (int)left) == -1 && errno != EINTR)
			break;
		if (expect_collect(&j, &m) == 0)
			return m;
		if (errno != EAGAIN)
			return -1;
	}
	expect_cancel(&j);
	return -1;
}

char *
expect_show(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t o = 0, n = len > EXPECT_SHOW_MAX ? EXPECT_SHOW_MAX : len;

	out[0] = '\0';
	for (size_t i = 0; i < n && o + 8 < outlen; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\r')
			o += (size_t)snprintf(out + o, outlen - o, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(out + o, outlen - o, "\\n");
		else if (ch == '\t')
			o += (size_t)snprintf(out + o, outlen - o, "\\t");
		else if (ch == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\\\");
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    ch);
		else
			out[o++] = (char)ch;
		out[o] = '\0';
	}
	if (len > n && o + 4 < outlen)
		snprintf(out + o, outlen - o, "...");
	return out;
}
