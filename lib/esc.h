/* C escapes in text typed on a command line (--send "GET / HTTP/1.0\r\n\r\n"). */
#ifndef SOCKCTL_ESC_H
#define SOCKCTL_ESC_H

#include <stddef.h>

/*
 * Decodes s, with the escapes \r \n \t \0 \\ and \xNN (one or two hex
 * digits), into out, which needs room for strlen(s) + 1 bytes: the result
 * is never longer than s, and a NUL follows it (it may hold NUL bytes
 * itself). Returns the decoded length, or -1 with a message naming the bad
 * escape in err.
 */
long	esc_decode(const char *s, char *out, char *err, size_t errlen);

#endif
