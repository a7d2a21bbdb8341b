/* The exposition of one exporter answer, in memory: see expo.h. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

void
expo_init(struct expo *x, int om, size_t max)
{
	memset(x, 0, sizeof(*x));
	x->om = om;
	x->max = max;
}

void
expo_free(struct expo *x)
{
	free(x->buf);
	free(x->seen);
	memset(x, 0, sizeof(*x));
}

/* Appends s[0, n); past max (or without memory) x is full, s dropped. */
static void
put(struct expo *x, const char *s, size_t n)
{
	if (x->full)
		return;
	if (x->len + n + 1 > x->max) {
		x->full = 1;
		return;
	}
	if (x->len + n + 1 > x->cap) {
		size_t c = x->cap ? x->cap : 4096;
		char *nb;

		while (x->len + n + 1 > c)
			c *= 2;
		if (c > x->max + 1)
			c = x->max + 1;
		nb = realloc(x->buf, c);
		if (nb == NULL) {
			x->full = 1;
			return;
		}
		x->buf = nb;
		x->cap = c;
	}
	memcpy(x->buf + x->len, s, n);
	x->len += n;
	x->buf[x->len] = '\0';
}

static void
putf(struct expo *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct expo *x, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put(x, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void
expo_family(struct expo *x, const char *name, enum expo_type t,
    const char *unit, const char *help)
{
	const char *tn = t == EXPO_COUNTER ? "counter" : "gauge";

	snprintf(x->family, sizeof(x->family), "%s", name);
	x->type = t;
	x->in_family = 1;
	x->nseen = 0;
	if (x->om) {
		putf(x, "# TYPE %s %s\n", name, tn);
		if (unit != NULL)
			putf(x, "# UNIT %s %s\n", name, unit);
		putf(x, "# HELP %s %s\n", name, help);
	} else {
		const char *sfx = t == EXPO_COUNTER ? "_total" : "";

		putf(x, "# HELP %s%s %s\n", name, sfx, help);
		putf(x, "# TYPE %s%s %s\n", name, sfx, tn);
	}
}

static unsigned long
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (unsigned long)h;
}

/* Whether the label text lt was written in this family; remembers it. */
static int
repeated(struct expo *x, const char *lt, size_t n)
{
	unsigned long h = fnv(lt, n);

	for (size_t i = 0; i < x->nseen; i++)
		if (x->seen[i] == h)
			return 1;
	if (x->nseen == x->capseen) {
		size_t c = x->capseen ? x->capseen * 2 : 64;
		unsigned long *ns = reallocarray(x->seen, c, sizeof(*ns));

		if (ns == NULL)
			return 0;	/* no memory to check: let it through */
		x->seen = ns;
		x->capseen = c;
	}
	x->seen[x->nseen++] = h;
	return 0;
}

int
expo_sample(struct expo *x, const struct om_label *l, size_t n, double v)
{
	char lt[2048], num[64];
	size_t o = 0;

	lt[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof(lt); i++) {
		char val[1024];

		om_escape(val, sizeof(val), l[i].value != NULL ? l[i].value : "");
		o += (size_t)snprintf(lt + o, sizeof(lt) - o, "%s%s=\"%s\"",
		    i ? "," : "", l[i].name, val);
	}
	if (o >= sizeof(lt))
		o = sizeof(lt) - 1;
	if (repeated(x, lt, o)) {
		x->dups++;
		return -1;
	}
	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), "%.9g", v);
	/* the whole line in one put(): a full x never holds half of one */
	{
		char line[sizeof(lt) + sizeof(x->family) + 96];
		int k = snprintf(line, sizeof(line), "%s%s%s%.*s%s %s\n",
		    x->family, x->type == EXPO_COUNTER ? "_total" : "",
		    n > 0 ? "{" : "", (int)o, lt, n > 0 ? "}" : "", num);

		if (k > 0 && (size_t)k < sizeof(line))
			put(x, line, (size_t)k);
	}
	return 0;
}

void
expo_end(struct expo *x)
{
	if (x->om) {
		/* "# EOF" must end it even when a sample was dropped: keep
		 * room for it past max */
		size_t m = x->max;

		x->max += 8;
		x->full = 0;
		put(x, "# EOF\n", 6);
		x->max = m;
	}
	if (x->buf == NULL)
		put(x, "", 0);
}

const char *
expo_ctype(const struct expo *x)
{
	return x->om ? EXPO_CT_OM : EXPO_CT_TEXT;
}
