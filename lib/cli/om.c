#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om.h"
#include "json.h"
#include "nomem.h"
#include "result.h"
#include "reason.h"

/*
 * The families. HELP text must not hold a backslash or a newline (they
 * would need escaping); UNIT is given where the name ends in the unit, as
 * OpenMetrics requires of a family that declares one.
 */
static const struct om_desc {
	const char	*name;
	const char	*unit;
	const char	*help;
} desc[OM__COUNT] = {
	[OM_PROBE_SUCCESS] = { "sockctl_probe_success", NULL,
	    "1 when the probe succeeded, 0 when it failed" },
	[OM_PROBE_DURATION] = { "sockctl_probe_duration_seconds", "seconds",
	    "time the probe took, resolving included" },
	[OM_PROBE_EXIT] = { "sockctl_probe_exit_code", NULL,
	    "exit code of the probe result (0 ok; see sockctl explain --list)" },
	[OM_PROBE_FAILURE] = { "sockctl_probe_failure", NULL,
	    "1 with the reason slug of a failed probe, 0 with reason ok" },
	[OM_SOCKETS] = { "sockctl_sockets", NULL,
	    "sockets in each TCP state" },
	[OM_LISTEN_QLEN] = { "sockctl_listen_queue_length", NULL,
	    "connections waiting in a listener's accept queue" },
	[OM_LISTEN_BACKLOG] = { "sockctl_listen_backlog", NULL,
	    "the accept queue size a listener asked for (its backlog)" },
	[OM_FINDING] = { "sockctl_finding", NULL,
	    "1 per finding of sockctl inspect, with its reason" },
	[OM_THREADS_WAITING] = { "sockctl_threads_waiting", NULL,
	    "threads of a process inspect watches, by the system call they "
	    "wait in (running: none)" },
};

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

struct om {
	struct buf	 fam[OM__COUNT];	/* the sample lines */
	size_t		 nsamples;
	char		**seen;		/* hash set of "family labels" keys */
	size_t		 nseen;
	size_t		 cap;		/* a power of two, or 0 */
};

static void
buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 256;
	b->s = realloc(b->s, b->cap);
	if (b->s == NULL)
		nomem_exit("OpenMetrics output");
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Returns the length of the valid UTF-8 sequence at p, or 0. */
static int
utf8_len(const unsigned char *p)
{
	/* the second byte's range rules out overlong forms, surrogates and
	 * code points past U+10FFFF */
	int n = *p >= 0xc2 && *p <= 0xdf ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
	    *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
	unsigned lo = *p == 0xe0 ? 0xa0 : *p == 0xf0 ? 0x90 : 0x80;
	unsigned hi = *p == 0xed ? 0x9f : *p == 0xf4 ? 0x8f : 0xbf;

	if (n == 0 || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void
buf_escape(struct buf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p != '\0') {
		const unsigned char *q = p;
		int n;

		while (*q != '\0' && *q < 0x80 && *q != '\\' && *q != '"' &&
		    *q != '\n')
			q++;
		if (q != p) {
			buf_add(b, (const char *)p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (*p == '\\')
			buf_add(b, "\\\\", 2);
		else if (*p == '"')
			buf_add(b, "\\\"", 2);
		else if (*p == '\n')
			buf_add(b, "\\n", 2);
		else if ((n = utf8_len(p)) > 0) {
			buf_add(b, (const char *)p, (size_t)n);
			p += n;
			continue;
		} else
			buf_add(b, "\xef\xbf\xbd", 3);	/* U+FFFD */
		p++;
	}
}

size_t
om_escape(char *dst, size_t len, const char *v)
{
	struct buf b = { NULL, 0, 0 };
	size_t n;

	buf_escape(&b, v);
	n = b.len;
	if (len > 0) {
		size_t k = n < len ? n : len - 1;

		if (k > 0)
			memcpy(dst, b.s, k);
		dst[k] = '\0';
	}
	free(b.s);
	return n;
}

struct om *
om_new(void)
{
	struct om *om = calloc(1, sizeof(*om));

	if (om == NULL)
		nomem_exit("OpenMetrics output");
	return om;
}

void
om_free(struct om *om)
{
	if (om == NULL)
		return;
	for (int f = 0; f < OM__COUNT; f++)
		free(om->fam[f].s);
	for (size_t i = 0; i < om->cap; i++)
		free(om->seen[i]);
	free(om->seen);
	free(om);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * Adds key to the set (taking it) unless it is there. Returns 0 when
 * added, -1 when it was there (key is freed). Open addressing, kept at
 * most half full, so a sweep of thousands of targets stays linear.
 */
static int
seen_add(struct om *om, char *key)
{
	size_t i;

	if (2 * (om->nseen + 1) > om->cap) {
		size_t ncap = om->cap ? om->cap * 2 : 64;
		char **n = calloc(ncap, sizeof(*n));

		if (n == NULL)
			nomem_exit("OpenMetrics output");
		for (size_t j = 0; j < om->cap; j++) {
			if (om->seen[j] == NULL)
				continue;
			for (i = hash(om->seen[j]) & (ncap - 1); n[i] != NULL;
			    i = (i + 1) & (ncap - 1))
				;
			n[i] = om->seen[j];
		}
		free(om->seen);
		om->seen = n;
		om->cap = ncap;
	}
	for (i = hash(key) & (om->cap - 1); om->seen[i] != NULL;
	    i = (i + 1) & (om->cap - 1))
		if (strcmp(om->seen[i], key) == 0) {
			free(key);
			return -1;
		}
	om->seen[i] = key;
	om->nseen++;
	return 0;
}

/* Appends {a="x",b="y"} for the labels to b. */
static void
put_labels(struct buf *b, const struct om_label *l, size_t n)
{
	if (n == 0)
		return;
	buf_puts(b, "{");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, ",");
		buf_puts(b, l[i].name);
		buf_puts(b, "=\"");
		buf_escape(b, l[i].value != NULL ? l[i].value : "");
		buf_puts(b, "\"");
	}
	buf_puts(b, "}");
}

/* Appends v as OpenMetrics writes a number: integers bare, NaN, +Inf. */
static void
put_value(struct buf *b, double v)
{
	char num[64];

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else {
		/* nanoseconds at most, without an exponent or trailing 0s */
		size_t n = (size_t)snprintf(num, sizeof(num), "%.9f", v);

		while (n > 1 && num[n - 1] == '0' && num[n - 2] != '.')
			num[--n] = '\0';
	}
	buf_puts(b, num);
}

int
om_sample(struct om *om, enum om_family f, const struct om_label *l,
    size_t n, double v)
{
	struct buf line = { NULL, 0, 0 };
	char *key;

	buf_puts(&line, desc[f].name);
	put_labels(&line, l, n);
	/* the sample's name and labels are its identity */
	key = strdup(line.s);
	if (key == NULL)
		nomem_exit("OpenMetrics output");
	if (seen_add(om, key) == -1) {
		free(line.s);
		return -1;
	}
	buf_puts(&line, " ");
	put_value(&line, v);
	buf_puts(&line, "\n");
	buf_add(&om->fam[f], line.s, line.len);
	free(line.s);
	om->nsamples++;
	return 0;
}

int
om_result(struct om *om, const struct result *r, const char *cmd)
{
	struct om_label l[4] = {
		{ "command", r->command != NULL ? r->command : cmd },
		{ "target", r->target },
		{ "address", r->address },
		{ "reason", reason_slug(r->reason) },
	};
	int ok = r->reason == RS_OK;

	/* the first result of a label set wins, as the exit code's does */
	if (om_sample(om, OM_PROBE_SUCCESS, l, 3, ok) == -1)
		return -1;
	/* no duration for a result that has none (it never started) */
	if (r->elapsed_ms >= 0)
		om_sample(om, OM_PROBE_DURATION, l, 3, r->elapsed_ms / 1000.0);
	om_sample(om, OM_PROBE_EXIT, l, 3, reason_exit(r->reason));
	/*
	 * One failure series per result, for its own reason: 1 when it
	 * failed, 0 with reason "ok". No 0-valued series for the other
	 * reasons: that would multiply the series by the number of slugs,
	 * and a textfile run replaces the whole file anyway, so a reason
	 * that no longer applies disappears with it.
	 */
	om_sample(om, OM_PROBE_FAILURE, l, 4, ok ? 0 : 1);
	return 0;
}

size_t
om_count(const struct om *om)
{
	return om->nsamples;
}

int
om_write(const struct om *om, FILE *f)
{
	for (int i = 0; i < OM__COUNT; i++) {
		if (om->fam[i].len == 0)
			continue;
		fprintf(f, "# TYPE %s gauge\n", desc[i].name);
		if (desc[i].unit != NULL)
			fprintf(f, "# UNIT %s %s\n", desc[i].name,
			    desc[i].unit);
		fprintf(f, "# HELP %s %s\n", desc[i].name, desc[i].help);
		fwrite(om->fam[i].s, 1, om->fam[i].len, f);
	}
	fputs("# EOF\n", f);
	if (ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
