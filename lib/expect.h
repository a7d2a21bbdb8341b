/*
 * probe-connect --expect: a POSIX ERE, compiled once, matched against the
 * reply read so far each time more of it arrives.
 */
#ifndef SOCKCTL_EXPECT_H
#define SOCKCTL_EXPECT_H

#include <regex.h>
#include <stddef.h>

/*
 * Compiles pat as an extended regular expression in which ^ and $ also
 * match at line breaks (REG_NEWLINE). Returns 0, or -1 with regerror()'s
 * text in err (re then needs no regfree()).
 */
int	expect_compile(regex_t *re, const char *pat, char *err, size_t errlen);

/*
 * Returns 1 when re matches somewhere in buf[0..len-1], 0 when not. buf
 * may hold NUL bytes and must have a NUL at buf[len]. Where the C library
 * lacks REG_STARTEND (musl), each NUL-free piece is matched on its own.
 */
int	expect_match(const regex_t *re, const char *buf, size_t len);

#endif
