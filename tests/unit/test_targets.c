/* Unit tests: the --targets reader (targets) and --expect (expect). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "targets.h"
#include "unit.h"

/* Reads text as a --targets file: returns what targets_next() returned last. */
static int
read_all(const char *text, struct endpoint *eps, int max, int *n, char *err)
{
	struct targets t;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	*n = 0;
	if (f == NULL)
		return -2;
	targets_init(&t, f, "t.txt");
	while ((rc = targets_next(&t, &eps[*n < max ? *n : max - 1], err,
	    TARGETS_ERR_MAX)) == 1)
		(*n)++;
	fclose(f);
	return rc;
}

static void
test_targets(void)
{
	struct endpoint ep[8];
	char err[TARGETS_ERR_MAX], big[TARGETS_LINE_MAX + 16];
	int n;

	CHECK(read_all("# hosts\n\n127.0.0.1:80\n  ::1 443 # v6\n[::1]:22\n"
	    "a:1#x\n", ep, 8, &n, err) == -1);
	CHECK(n == 3);
	CHECK_STR(ep[0].host, "127.0.0.1");
	CHECK(ep[0].port == 80);
	CHECK_STR(ep[1].host, "::1");
	CHECK(ep[1].port == 443);
	CHECK(ep[2].port == 22);
	/* '#' inside a word starts no comment */
	CHECK(strncmp(err, "t.txt:6: ", 9) == 0 && strstr(err, "1#"));
	CHECK(read_all("", ep, 8, &n, err) == 0 && n == 0);
	CHECK(read_all("no-newline:9", ep, 8, &n, err) == 0 && n == 1);
	CHECK(read_all("a:1\nb 2 3\n", ep, 8, &n, err) == -1 && n == 1);
	CHECK_STR(err, "t.txt:2: expected HOST:PORT or HOST PORT, got more");
	CHECK(read_all("\n\nnoport\n", ep, 8, &n, err) == -1);
	CHECK(strncmp(err, "t.txt:3: ", 9) == 0 && strstr(err, "noport"));
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	CHECK(read_all(big, ep, 8, &n, err) == -1);
	CHECK_STR(err, "t.txt:1: line too long (more than 1022 characters)");
	/* a NUL byte is no reason to call a short line too long */
	{
		static const char bin[] = "a:1\n\x7f" "ELF\0\1\n";
		struct targets t;
		FILE *f = fmemopen((void *)bin, sizeof(bin) - 1, "r");

		CHECK(f != NULL);
		if (f != NULL) {
			targets_init(&t, f, "bin");
			CHECK(targets_next(&t, ep, err, sizeof(err)) == 1);
			CHECK(targets_next(&t, ep, err, sizeof(err)) == -1);
			CHECK_STR(err, "bin:2: NUL byte at column 5 (is this a "
			    "text file?)");
			fclose(f);
		}
	}
}

static void
test_expect(void)
{
	regex_t re;
	char err[256];
	const char reply[] = "+OK\0\r\n+PONG\r\n";
	const char head[] = "+OK\0\r\n";	/* reply's first 6 bytes */

	if (expect_compile(&re, "^\\+PONG\r?$", err, sizeof(err)) == 0) {
		/* past a NUL byte, and ^ $ at line breaks */
		CHECK(expect_match(&re, reply, sizeof(reply) - 1) == 1);
		CHECK(expect_match(&re, head, sizeof(head) - 1) == 0);
		regfree(&re);
	} else
		CHECK(0);
	CHECK(expect_compile(&re, "a(", err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
}

/* What fuzzing found: patterns that glibc's regcomp() takes GB or minutes
 * for are refused at once. */
static void
test_expect_costly(void)
{
	regex_t re;
	char err[256], pat[256];
	size_t n = 0;

	CHECK(expect_check("a++", err, sizeof(err)) == -1);
	CHECK(strstr(err, "'++' at offset 1") != NULL);
	CHECK(expect_check("x*?y", err, sizeof(err)) == -1);
	CHECK(strstr(err, "'*?'") != NULL);
	CHECK(expect_check("a{2}{3}", err, sizeof(err)) == -1);
	CHECK(expect_check("\\++ [+*]+ a{2}b+ (a+)+", err, sizeof(err)) == 0);
	/* 2^30 copies: 24 GB and 45 s before this check */
	CHECK(expect_check("((((((((((((((((((((((((((((((a)+)+)+)+)+)+)+)+)+)+)"
	    "+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than 2048 copies") != NULL);
	CHECK(expect_check("1{,20006}", err, sizeof(err)) == -1);
	CHECK(expect_check("((a|b*|c?){40}){100}", err, sizeof(err)) == -1);
	CHECK(expect_check("[0-9]{1,5} a{2000}", err, sizeof(err)) == 0);
	CHECK(expect_check("[]{9999}]x[[:alpha:]{]", err, sizeof(err)) == 0);
	/* few nodes, exponential time: only the trial in a child catches it */
	pat[n++] = '^';
	for (int i = 0; i < 30; i++) {
		memcpy(pat + n, "(a?)+", 5);
		n += 5;
	}
	pat[n] = '\0';
	CHECK(expect_check(pat, err, sizeof(err)) == 0);
#ifdef __GLIBC__
	CHECK(expect_compile(&re, pat, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than a second") != NULL);
#else
	/* musl's regcomp() is not slow here: what matters is an answer */
	if (expect_compile(&re, pat, err, sizeof(err)) == 0)
		regfree(&re);
	else
		CHECK(strstr(err, "more than a second") != NULL);
#endif
}

/* The source: arguments (pairs too), then a pipe read as lines come. */
static void
test_tsrc(void)
{
	char *args[] = { "a:1", "[::1]", "80", "db", "5432" }, *bad[] = {
	    "a:1", "host:0" }, err[TARGETS_ERR_MAX], path[64];
	struct tsrc s;
	struct target t;
	int p[2], fd0;

	CHECK(tsrc_open(&s, bad, 2, NULL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "port '0' of 'host'") != NULL);
	/* stdin as a pipe that has half a line, then the rest */
	CHECK(pipe(p) == 0);
	fd0 = dup(0);
	CHECK(dup2(p[0], 0) == 0);
	close(p[0]);
	CHECK(tsrc_open(&s, args, 5, "-", err, sizeof(err)) == 0);
	CHECK(s.stream == 1);
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == 1);
	CHECK_STR(t.disp, "a:1");
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == 1);
	CHECK_STR(t.disp, "[::1]:80");
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == 1);
	CHECK_STR(t.disp, "db:5432");
	CHECK(write(p[1], "h:7\nh2:", 7) == 7);
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == 1);
	CHECK_STR(t.disp, "h:7");
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == TARGETS_AGAIN);
	CHECK(write(p[1], "8\n127.1:9\n", 10) == 10);
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == 1);
	CHECK_STR(t.disp, "h2:8");
	CHECK(tsrc_next(&s, 1, &t, err, sizeof(err)) == -1);
	CHECK(strstr(err, "stdin:3: '127.1' is not an IPv4 address") != NULL);
	CHECK(s.count == 5);
	close(p[1]);
	tsrc_close(&s);
	CHECK(dup2(fd0, 0) == 0);
	close(fd0);
	/* a regular file is checked whole before the first target */
	snprintf(path, sizeof(path), "/tmp/test_targets.%d", (int)getpid());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("x:1\n0x0:2\n", f);
	fclose(f);
	CHECK(tsrc_open(&s, NULL, 0, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, ":2: '0x0' is not an IPv4 address") != NULL);
	unlink(path);
}

int
main(void)
{
	test_targets();
	test_tsrc();
	test_expect();
	test_expect_costly();
	return UNIT_DONE("targets");
}
