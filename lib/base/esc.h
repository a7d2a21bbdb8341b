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
 * THE rule for every byte from outside (a process name, a socket path or
 * abstract name, a peer's reply) in text output: printable ASCII and
 * printable UTF-8 stay as they are; a backslash becomes "\\", so an
 * escape in the output is never the input's own text; every other byte
 * becomes \xNN: control bytes (ESC, newline, tab), DEL, C1 controls,
 * Unicode format characters that reorder or hide text (bidi overrides and
 * isolates such as U+202E, LRM/RLM, zero-width characters, U+2028/U+2029,
 * the BOM) and each byte of invalid UTF-8. esc_text() escapes
 * in[0..len-1] into out (at most outlen - 1 bytes and a NUL, cut at a
 * whole character); esc_str() a NUL-ended s. Both return out.
 */
char	*esc_text(const char *in, size_t len, char *out, size_t outlen);
char	*esc_str(const char *s, char *out, size_t outlen);

/* Room esc_text() needs for an input of n bytes (and its NUL). */
#define ESC_SIZE(n)	((n) * ESC_TERM_GROWTH + 1)

/*
 * The last net, for whole lines of output (the message templates are
 * ours, the values in them esc_text()ed): as esc_text() but '\n' and
 * backslashes stay. Stops before what no longer fits in outlen (with a
 * NUL after it) and sets *used to the bytes of in consumed. Returns the
 * length written to out.
 */
size_t	esc_term(const char *in, size_t len, char *out, size_t outlen,
	    size_t *used);

#endif
