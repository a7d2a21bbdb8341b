/*
 * probe-connect --expect: a POSIX ERE, compiled once, matched against the
 * reply read so far each time more of it arrives.
 */
#ifndef SOCKCTL_EXPECT_H
#define SOCKCTL_EXPECT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#define EXPECT_RE_FLAGS	(REG_EXTENDED | REG_NEWLINE | REG_NOSUB)

/* The most copies of its parts a pattern's repeats may add. */
#define EXPECT_COST_MAX	2048

/*
 * Checks pat before regcomp() sees it: a repeat of a repeat (a++, a*?),
 * undefined in POSIX ERE, repeats that would add more than
 * EXPECT_COST_MAX copies, and backreferences (\1, no ERE, and exponential
 * to match in glibc) are refused. Returns 0, or -1 with a message in err.
 */
int	expect_check(const char *pat, char *err, size_t errlen);

/*
 * Compiles pat as an extended regular expression in which ^ and $ also
 * match at line breaks (REG_NEWLINE). Returns 0, or -1 with regerror()'s
 * text in err (re then needs no regfree()). What expect_check() refuses
 * is refused here, and so is a pattern a child process cannot compile
 * within a second: regcomp() takes gigabytes or minutes for some.
 */
int	expect_compile(regex_t *re, const char *pat, char *err, size_t errlen);

/*
 * Returns 1 when re matches somewhere in buf[0..len-1], 0 when not. buf
 * may hold NUL bytes and must have a NUL at buf[len]. Where the C library
 * lacks REG_STARTEND (musl), each NUL-free piece is matched on its own.
 */
int	expect_match(const regex_t *re, const char *buf, size_t len);

/*
 * As expect_match(), but over by deadline_ms (a clock_ms() value) whatever
 * the pattern and the reply: a reply longer than a few hundred bytes is
 * matched in a child process, killed when the deadline comes first.
 * Returns 1 when re matches, 0 when not, -1 when that could not be told
 * by the deadline. It blocks until then; where no child can be made it
 * matches here, unbounded.
 */
int	expect_match_by(const regex_t *re, const char *buf, size_t len,
	    int64_t deadline_ms);

/* The most bytes of a reply expect_show() shows, and room for them. */
#define EXPECT_SHOW_MAX	200
#define EXPECT_SHOW_LEN	(EXPECT_SHOW_MAX * 4 + 8)

/*
 * Writes buf[0..len-1] escaped (\r \n \t \\ \xNN) into out, at most
 * EXPECT_SHOW_MAX bytes of it and "..." when there is more. Returns out.
 */
char	*expect_show(const char *buf, size_t len, char *out, size_t outlen);

#endif
