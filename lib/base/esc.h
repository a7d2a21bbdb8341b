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

/* Room esc_term() may need for each byte of its input. */
#define ESC_TERM_GROWTH	4

/*
 * Escapes in[0..len-1] for a terminal into out: printable ASCII, '\n' and
 * valid UTF-8 stay as they are; control bytes, DEL, C1 controls, a BOM
 * (U+FEFF) and each byte of invalid UTF-8 become \xNN. Stops before what
 * no longer fits in outlen (with a NUL after it) and sets *used to the
 * bytes of in consumed. Returns the length written to out.
 */
size_t	esc_term(const char *in, size_t len, char *out, size_t outlen,
	    size_t *used);

#endif
