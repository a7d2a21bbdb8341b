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

/* The length of the valid UTF-8 sequence at p[0..n-1], or 0 for none. */
static size_t
utf8_len(const unsigned char *p, size_t n, unsigned long *cpp)
{
	unsigned long cp, min;
	size_t k;

	if (p[0] < 0x80) {
		*cpp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		k = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		k = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		k = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and what lies past U+10FFFF */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpp = cp;
	return k;
}

/*
 * Unicode format characters that reorder or hide text on a terminal: the
 * Arabic letter mark, zero-width spaces and joiners, LRM and RLM, the line
 * and paragraph separators, the bidi embeddings and overrides, word joiner
 * to the invisible operators and the isolates, the BOM, interlinear
 * annotation marks.
 */
static int
is_format(unsigned long cp)
{
	return cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Whether code point cp (of k bytes) is written as it is. */
static int
plain(unsigned long cp, int keep_nl)
{
	if (cp == '\n')
		return keep_nl;
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
	    !is_format(cp);
}

/* Writes byte b as \xHH at out + o; the new length. */
static size_t
put_hex(char *out, size_t o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";

	out[o++] = '\\';
	out[o++] = 'x';
	out[o++] = hex[b >> 4];
	out[o++] = hex[b & 0xf];
	return o;
}

char *
esc_text(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned long cp;
	size_t i = 0, o = 0, k;

	if (outlen == 0)
		return out;
	while (i < len) {
		k = utf8_len(p + i, len - i, &cp);
		if (k != 0 && cp == '\\') {
			if (o + 3 > outlen)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
			i++;
			continue;
		}
		if (k != 0 && plain(cp, 0)) {
			if (o + k + 1 > outlen)
				break;
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		if (o + ESC_TERM_GROWTH + 1 > outlen)
			break;
		o = put_hex(out, o, p[i]);
		i++;
	}
	out[o] = '\0';
	return out;
}

char *
esc_str(const char *s, char *out, size_t outlen)
{
	return esc_text(s, strlen(s), out, outlen);
}

size_t
esc_term(const char *in, size_t len, char *out, size_t outlen, size_t *used)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned long cp;
	size_t i = 0, o = 0, k;

	while (i < len) {
		k = utf8_len(p + i, len - i, &cp);
		if (k != 0 && plain(cp, 1)) {
			if (o + k + 1 > outlen)
				break;
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		/* one byte of a control, a BOM or of invalid UTF-8 */
		if (o + ESC_TERM_GROWTH + 1 > outlen)
			break;
		o = put_hex(out, o, p[i]);
		i++;
	}
	if (outlen > 0)
		out[o] = '\0';
	*used = i;
	return o;
}
