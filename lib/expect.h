/*
 * probe-connect --expect: a POSIX ERE, compiled once, matched against the
 * reply read so far each time more of it arrives.
 */
#ifndef SOCKCTL_EXPECT_H
#define SOCKCTL_EXPECT_H

#include <regex.h>
#include <stddef.h>

#define EXPECT_RE_FLAGS	(REG_EXTENDED | REG_NEWLINE | REG_NOSUB)

/* The most copies of its parts a pattern may expand to. */
#define EXPECT_COST_MAX	2048

/*
 * Checks pat before regcomp() sees it: a repeat of a repeat (a++, a*?),
 * undefined in POSIX ERE, and repeats that would expand to more than
 * EXPECT_COST_MAX copies are refused. Returns 0, or -1 with a message
 * in err.
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

/* The most bytes of a reply expect_show() shows, and room for them. */
#define EXPECT_SHOW_MAX	200
#define EXPECT_SHOW_LEN	(EXPECT_SHOW_MAX * 4 + 8)

/*
 * Writes buf[0..len-1] escaped (\r \n \t \\ \xNN) into out, at most
 * EXPECT_SHOW_MAX bytes of it and "..." when there is more. Returns out.
 */
char	*expect_show(const char *buf, size_t len, char *out, size_t outlen);

#endif
