#include <stdio.h>
#include <string.h>

#include "esc.h"

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

long
esc_decode(const char *s, char *out, char *err, size_t errlen)
{
	const char *p = s;
	char *o = out;
	int h, l;

	while (*p != '\0') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'r':
			*o++ = '\r';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case '0':
			*o++ = '\0';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case 'x':
			h = hexval(p[1]);
			if (h < 0) {
				snprintf(err, errlen, "'\\x' at offset %ld "
				    "needs one or two hex digits",
				    (long)(p - 1 - s));
				return -1;
			}
			p++;
			l = hexval(p[1]);
			if (l >= 0) {
				h = h * 16 + l;
				p++;
			}
			*o++ = (char)h;
			break;
		case '\0':
			snprintf(err, errlen, "trailing '\\' (write '\\\\' for "
			    "a backslash)");
			return -1;
		default:
			snprintf(err, errlen, "unknown escape '\\%c' at offset "
			    "%ld (expected \\r \\n \\t \\0 \\\\ \\xNN)", *p,
			    (long)(p - 1 - s));
			return -1;
		}
		p++;
	}
	*o = '\0';
	return (long)(o - out);
}
