#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/*
 * Makes room for n more bytes and the NUL. A failed allocation keeps the
 * text so far and marks the buffer (jb->nomem): whoever writes it out
 * says so, as this tier never prints or exits.
 */
static int
jb_reserve(struct jbuf *jb, size_t n)
{
	size_t cap = jb->cap;
	char *s;

	if (jb->nomem)
		return -1;
	if (jb->len + n + 1 <= jb->cap)
		return 0;
	while (jb->len + n + 1 > cap)
		cap = cap ? cap * 2 : 256;
	if ((s = realloc(jb->s, cap)) == NULL) {
		jb->nomem = 1;
		return -1;
	}
	jb->s = s;
	jb->cap = cap;
	return 0;
}


void
jb_raw(struct jbuf *jb, const char *s, size_t n)
{
	if (jb_reserve(jb, n) == -1)
		return;
	memcpy(jb->s + jb->len, s, n);
	jb->len += n;
	jb->s[jb->len] = '\0';
}

static void
jb_puts(struct jbuf *jb, const char *s)
{
	jb_raw(jb, s, strlen(s));
}

void
jb_init(struct jbuf *jb)
{
	memset(jb, 0, sizeof(*jb));
	jb->first[0] = 1;
	if (jb_reserve(jb, 0) == 0)
		jb->s[0] = '\0';
}

void
jb_fragment(struct jbuf *jb)
{
	jb_init(jb);
	jb->fragment = 1;
	jb->first[0] = 0;
}

void
jb_free(struct jbuf *jb)
{
	free(jb->s);
	memset(jb, 0, sizeof(*jb));
}

void
jb_reset(struct jbuf *jb)
{
	jb->len = 0;
	jb->depth = 0;
	jb->first[0] = !jb->fragment;
	if (jb->s != NULL)
		jb->s[0] = '\0';
}

/* Writes the comma that separates this item from the one before. */
static void
jb_sep(struct jbuf *jb)
{
	if (!jb->first[jb->depth])
		jb_raw(jb, ",", 1);
	jb->first[jb->depth] = 0;
}

static void
jb_push(struct jbuf *jb, const char *open)
{
	jb_puts(jb, open);
	if (jb->depth < (int)sizeof(jb->first) - 1)
		jb->depth++;
	jb->first[jb->depth] = 1;
}

static void
jb_pop(struct jbuf *jb, const char *close)
{
	jb_puts(jb, close);
	if (jb->depth > 0)
		jb->depth--;
}

void
jb_quote(struct jbuf *jb, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	if (v == NULL) {
		jb_puts(jb, "null");
		return;
	}
	(void)jb_reserve(jb, strlen(v) + 2);
	jb_raw(jb, "\"", 1);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		const unsigned char *q = p;
		char esc[7];

		/* printable ASCII goes as it is, a run at a time */
		while (*q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\')
			q++;
		if (q != p) {
			jb_raw(jb, (const char *)p, (size_t)(q - p));
			p = q - 1;
			continue;
		}

		switch (*p) {
		case '"':
			jb_raw(jb, "\\\"", 2);
			break;
		case '\\':
			jb_raw(jb, "\\\\", 2);
			break;
		case '\n':
			jb_raw(jb, "\\n", 2);
			break;
		case '\r':
			jb_raw(jb, "\\r", 2);
			break;
		case '\t':
			jb_raw(jb, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				jb_raw(jb, esc, 6);
			} else if (*p >= 0x80) {
				/*
				 * keep valid UTF-8, replace stray bytes; the
				 * second byte's range rules out overlong
				 * forms, surrogates and past U+10FFFF
				 */
				int n = *p >= 0xc2 && *p <= 0xdf ? 1 :
				    (*p & 0xf0) == 0xe0 ? 2 :
				    *p >= 0xf0 && *p <= 0xf4 ? 3 : -1;
				unsigned lo = *p == 0xe0 ? 0xa0 :
				    *p == 0xf0 ? 0x90 : 0x80;
				unsigned hi = *p == 0xed ? 0x9f :
				    *p == 0xf4 ? 0x8f : 0xbf;
				int ok = n > 0 && p[1] >= lo && p[1] <= hi;

				for (int i = 2; ok && i <= n; i++)
					ok = (p[i] & 0xc0) == 0x80;
				if (ok) {
					jb_raw(jb, (const char *)p,
					    (size_t)n + 1);
					p += n;
				} else
					jb_raw(jb, "\\ufffd", 6);
			} else
				jb_raw(jb, (const char *)p, 1);
		}
	}
	jb_raw(jb, "\"", 1);
}

static void
jb_key(struct jbuf *jb, const char *key)
{
	jb_sep(jb);
	jb_quote(jb, key);
	jb_raw(jb, ":", 1);
}

void
jb_obj_open(struct jbuf *jb)
{
	jb_sep(jb);
	jb_push(jb, "{");
}

void
jb_obj_close(struct jbuf *jb)
{
	jb_pop(jb, "}");
}

void
jb_kobj_open(struct jbuf *jb, const char *key)
{
	jb_key(jb, key);
	jb_push(jb, "{");
}

void
jb_arr_open(struct jbuf *jb, const char *key)
{
	jb_key(jb, key);
	jb_push(jb, "[");
}

void
jb_arr_close(struct jbuf *jb)
{
	jb_pop(jb, "]");
}

void
jb_kstr(struct jbuf *jb, const char *key, const char *val)
{
	jb_key(jb, key);
	jb_quote(jb, val);
}

void
jb_kint(struct jbuf *jb, const char *key, long long val)
{
	char num[32];

	jb_key(jb, key);
	snprintf(num, sizeof(num), "%lld", val);
	jb_puts(jb, num);
}

void
jb_knum(struct jbuf *jb, const char *key, double val)
{
	char num[64];

	jb_key(jb, key);
	if (isnan(val) || isinf(val)) {
		jb_puts(jb, "null");
		return;
	}
	snprintf(num, sizeof(num), "%.3f", val);
	jb_puts(jb, num);
}

void
jb_kbool(struct jbuf *jb, const char *key, int val)
{
	jb_key(jb, key);
	jb_puts(jb, val ? "true" : "false");
}

void
jb_knull(struct jbuf *jb, const char *key)
{
	jb_key(jb, key);
	jb_puts(jb, "null");
}

void
jb_str(struct jbuf *jb, const char *val)
{
	jb_sep(jb);
	jb_quote(jb, val);
}

void
jb_int(struct jbuf *jb, long long val)
{
	char num[32];

	jb_sep(jb);
	snprintf(num, sizeof(num), "%lld", val);
	jb_puts(jb, num);
}
