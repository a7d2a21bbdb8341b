/*
 * probe-connect --expect: a POSIX ERE, compiled once, matched against the
 * reply read so far each time more of it arrives.
 */
#ifndef SOCKCTL_EXPECT_H
#define SOCKCTL_EXPECT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
 * A match running in a child process, so that no pattern and no reply
 * can hold up the caller: fd is readable when the child has answered (or
 * died). pid 0 and fd -1 when none runs.
 */
struct expect_job {
	pid_t	pid;
	int	fd;
};

/*
 * Starts matching re against buf[0..len-1] (as expect_match()) in a
 * child; buf may change once this returns. Returns 0, or -1 when no child
 * is started: a reply of a few hundred bytes or less (errno 0), which is
 * matched fast enough in place, or no pipe or process to be had (errno
 * set). After -1 the caller matches with expect_match(), unbounded.
 */
int	expect_start(struct expect_job *j, const regex_t *re, const char *buf,
	    size_t len);

/*
 * Once j->fd is readable: sets *matched (1 or 0) and returns 0, the child
 * reaped and j->fd closed. Returns -1 with errno EAGAIN when the child has
 * not answered yet (j still runs), or ECHILD when it died without an
 * answer (j is over).
 */
int	expect_collect(struct expect_job *j, int *matched);

/* Kills and reaps j's child, if any, and closes j->fd. Idempotent. */
void	expect_cancel(struct expect_job *j);

/*
 * As expect_match(), but over by deadline_ms (a clock_ms() value) whatever
 * the pattern and the reply, through expect_start(). Returns 1 when re
 * matches, 0 when not, -1 when that could not be told by the deadline.
 * It blocks until then: for callers with nothing else to do (an event
 * loop watches expect_job.fd instead).
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
