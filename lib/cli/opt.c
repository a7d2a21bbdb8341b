#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dur.h"
#include "om.h"
#include "opt.h"

/* the global options, with the end of the table */
#define NGLOBAL	10

/*
 * The global options, as a table like a command's. The destinations are
 * filled into a copy per call (see globals()), so no state is kept here.
 */
static void
globals(struct ctx *c, struct opt g[NGLOBAL], int *four, int *six, int *hl,
    const char **col)
{
	struct opt t[NGLOBAL] = {
		{ "json", 0, OT_FLAG, &c->json, NULL,
		    "one JSON object per result on stdout (JSON Lines)",
		    0, 0, NULL },
		{ "openmetrics", 0, OT_FLAG, &c->openmetrics, NULL,
		    "probe results in the OpenMetrics text format (Prometheus)",
		    0, 0, NULL },
		{ "quiet", 'q', OT_FLAG, &c->quiet, NULL,
		    "nothing on stdout; one line on stderr on failure", 0, 0,
		    NULL },
		{ "trace", 'v', OT_FLAG, &c->trace, NULL,
		    "print each lifecycle stage with a timestamp to stderr",
		    0, 0, NULL },
		{ NULL, '4', OT_FLAG, four, NULL, "IPv4 only", 0, 0, NULL },
		{ NULL, '6', OT_FLAG, six, NULL, "IPv6 only", 0, 0, NULL },
		{ "timeout", 't', OT_DUR, &c->env.timeout_ms, "DUR",
		    "time limit of one attempt (default 5s)", 1, 0,
		    &c->timeout_set },
		{ "color", 0, OT_STR, col, "WHEN",
		    "auto (default), always or never", 0, 0, NULL },
		{ "help", 'h', OT_FLAG, hl, NULL, "show this help", 0, 0,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(g, t, sizeof(t));
}

static const struct opt *
find(const struct opt *t, const char *lng, size_t lnglen, char shrt)
{
	for (; t->type != OT_END; t++) {
		if (lng != NULL && t->lng != NULL && strlen(t->lng) == lnglen &&
		    strncmp(t->lng, lng, lnglen) == 0)
			return t;
		if (lng == NULL && shrt != 0 && t->shrt == shrt)
			return t;
	}
	return NULL;
}

int
opt_dur(const struct ctx *c, const char *name, const char *val, int64_t *ms)
{
	int rc = dur_parse(val, ms);

	if (rc == -2)
		return out_usage(c, "duration '%.40s' for %s is out of range "
		    "(at most 24 days)", val, name);
	if (rc != 0)
		return out_usage(c, "invalid duration '%.40s' for %s (expected "
		    "e.g. 250ms, 5s, 1.5s, 2m)", val, name);
	return 0;
}

static int
set(struct ctx *c, const struct opt *o, const char *name, const char *val)
{
	char *end;
	long long n;

	if (o->seen != NULL)
		*o->seen = 1;
	switch (o->type) {
	case OT_FLAG:
		*(int *)o->dst = 1;
		return 0;
	case OT_DUR:
		if (opt_dur(c, name, val, (int64_t *)o->dst) != 0)
			return 2;
		if (o->min > 0 && *(int64_t *)o->dst == 0)
			return out_usage(c, "%s must be more than 0 (got "
			    "'%.40s')", name, val);
		return 0;
	case OT_INT:
		errno = 0;
		n = strtoll(val, &end, 10);
		if (val[0] == '\0' || *end != '\0' || errno != 0 ||
		    val[0] == '+' || val[0] == ' ')
			return out_usage(c, "invalid number '%.40s' for %s",
			    val, name);
		if (n < o->min || n > o->max)
			return out_usage(c, "%s '%.40s' is out of range "
			    "(%lld-%lld)", name, val, o->min, o->max);
		*(long long *)o->dst = n;
		return 0;
	case OT_STR:
		*(const char **)o->dst = val;
		return 0;
	case OT_END:
		break;
	}
	return 2;
}

/*
 * Handles argv[*i], an option. Returns 0, 2 on a usage error, or -1 when
 * argv[*i] is no option of these tables.
 */
static int
one(struct ctx *c, const struct opt *t1, const struct opt *t2, int argc,
    char **argv, int *i)
{
	const char *a = argv[*i], *val = NULL, *eq;
	const struct opt *o = NULL;
	char name[64];

	if (a[0] == '-' && a[1] == '-') {
		size_t len;

		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		o = find(t1, a + 2, len, 0);
		if (o == NULL && t2 != NULL)
			o = find(t2, a + 2, len, 0);
		if (o == NULL)
			return -1;
		snprintf(name, sizeof(name), "--%s", o->lng);
		if (eq != NULL) {
			if (o->type == OT_FLAG)
				return out_usage(c, "option %s takes no value "
				    "(got '%.60s')", name, a);
			val = eq + 1;
		}
	} else if (a[0] == '-' && a[1] != '\0') {
		o = find(t1, NULL, 0, a[1]);
		if (o == NULL && t2 != NULL)
			o = find(t2, NULL, 0, a[1]);
		if (o == NULL)
			return -1;
		if (o->lng != NULL)
			snprintf(name, sizeof(name), "--%s", o->lng);
		else
			snprintf(name, sizeof(name), "-%c", a[1]);
		if (a[2] != '\0') {
			if (o->type == OT_FLAG) {
				/* -q4: a cluster of flags */
				for (const char *p = a + 1; *p; p++) {
					const struct opt *f = find(t1, NULL, 0,
					    *p);

					if (f == NULL && t2 != NULL)
						f = find(t2, NULL, 0, *p);
					if (f == NULL || f->type != OT_FLAG)
						return out_usage(c, "unknown "
						    "option '-%c' in '%s'", *p,
						    a);
					set(c, f, name, NULL);
				}
				return 0;
			}
			val = a + 2;
		}
	} else
		return -1;
	if (o->type != OT_FLAG && val == NULL) {
		if (*i + 1 >= argc)
			return out_usage(c, "option %s needs a value (%s)",
			    name, o->arg ? o->arg : "a value");
		val = argv[++*i];
	}
	return set(c, o, name, val);
}

/*
 * --openmetrics is for probe results and inspect's socket counts and
 * findings. A server prints events and explain the rows of a table: they
 * refuse it rather than mix text into the exposition. Likewise an option
 * whose line a script reads on stdout first (probe-bind --hold's
 * "holding ADDR:PORT").
 */
static const char *const om_commands[] = { "probe-bind", "probe-connect",
    "probe-udp", "inspect" };

static const struct {
	const char	*cmd;
	const char	*opt;
} om_refused[] = {
	{ "probe-bind", "hold" },
};

static int
om_check(struct ctx *c, const struct opt *opts)
{
	int probe = 0;

	if (c->json)
		return out_usage(c, "--json and --openmetrics exclude each "
		    "other (choose one output format)");
	if (c->cmd == NULL)
		return 0;	/* before the command name: judged again after */
	for (size_t i = 0; i < sizeof(om_commands) / sizeof(*om_commands); i++)
		probe |= strcmp(c->cmd, om_commands[i]) == 0;
	if (!probe)
		return out_usage(c, "--openmetrics is for the probes "
		    "(probe-bind, probe-connect, probe-udp) and inspect; %s "
		    "reports no such results: use --json or the text form",
		    c->cmd);
	for (; opts != NULL && opts->type != OT_END; opts++)
		for (size_t i = 0; i < sizeof(om_refused) / sizeof(*om_refused);
		    i++)
			if (opts->lng != NULL && opts->seen != NULL &&
			    *opts->seen && strcmp(c->cmd, om_refused[i].cmd) ==
			    0 && strcmp(opts->lng, om_refused[i].opt) == 0)
				return out_usage(c, "--%s and --openmetrics "
				    "exclude each other (--%s prints its line "
				    "on stdout first; use --json)", opts->lng,
				    opts->lng);
	if (c->om == NULL)
		c->om = om_new();
	return 0;
}

static int
finish(struct ctx *c, const struct opt *opts, int four, int six,
    const char *col)
{
	int rc;

	if (c->openmetrics && (rc = om_check(c, opts)) != 0)
		return rc;
	if (four && six)
		return out_usage(c, "-4 and -6 exclude each other");
	if (four)
		c->env.family = AF_INET;
	if (six)
		c->env.family = AF_INET6;
	if (col != NULL) {
		if (strcmp(col, "auto") == 0)
			c->color = COLOR_AUTO;
		else if (strcmp(col, "always") == 0)
			c->color = COLOR_ALWAYS;
		else if (strcmp(col, "never") == 0)
			c->color = COLOR_NEVER;
		else
			return out_usage(c, "invalid value '%.40s' for --color "
			    "(expected auto, always or never)", col);
	}
	return 0;
}

int
opt_global(struct ctx *c, int argc, char **argv, int *i)
{
	struct opt g[NGLOBAL];
	int four = c->env.family == AF_INET, six = c->env.family == AF_INET6;
	int hl = 0, rc;
	const char *col = NULL;

	globals(c, g, &four, &six, &hl, &col);
	rc = one(c, g, NULL, argc, argv, i);
	if (rc != 0)
		return rc;
	if (hl)
		return 1;
	return finish(c, NULL, four, six, col);
}

/* o in t1, else in t2, by long name (len bytes of lng) or short letter. */
static const struct opt *
find2(const struct opt *t1, const struct opt *t2, const char *lng,
    size_t len, char shrt)
{
	const struct opt *o = t1 != NULL ? find(t1, lng, len, shrt) : NULL;

	return o != NULL || t2 == NULL ? o : find(t2, lng, len, shrt);
}

/*
 * Sets c->quiet when -q is anywhere in argv (before "--", and not as the
 * value of an option), so that a usage error found before it is one line
 * on stderr as well: "connect --bogus -q".
 */
static void
quiet_first(struct ctx *c, const struct opt *opts, const struct opt *g,
    int argc, char **argv)
{
	const struct opt *o;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			o = find2(opts, g, a + 2, strcspn(a + 2, "="), 0);
			if (o != NULL && o->dst == (void *)&c->quiet)
				c->quiet = 1;
			if (o != NULL && o->type != OT_FLAG &&
			    strchr(a, '=') == NULL)
				i++;
			continue;
		}
		for (const char *p = a + 1; *p != '\0'; p++) {
			o = find2(opts, g, NULL, 0, *p);
			if (o == NULL)
				break;
			if (o->dst == (void *)&c->quiet)
				c->quiet = 1;
			if (o->type != OT_FLAG) {
				i += p[1] == '\0';	/* "-t 5s" */
				break;
			}
		}
	}
}

int
opt_parse(struct ctx *c, const struct cmd_help *h, const struct opt *opts,
    int argc, char **argv, int *npos)
{
	struct opt g[NGLOBAL];
	int four = c->env.family == AF_INET, six = c->env.family == AF_INET6;
	int hl = 0, rc, n = 0, dashdash = 0;
	const char *col = NULL;

	globals(c, g, &four, &six, &hl, &col);
	quiet_first(c, opts, g, argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			argv[1 + n++] = argv[i];
			continue;
		}
		rc = one(c, opts, g, argc, argv, &i);
		if (rc == -1)
			return out_usage(c, "unknown option '%.60s'", a);
		if (rc != 0)
			return rc;
	}
	*npos = n;
	if (hl) {
		opt_help(c->out, h, opts);
		return 1;
	}
	return finish(c, opts, four, six, col);
}

static void
help_lines(FILE *f, const struct opt *t)
{
	for (; t->type != OT_END; t++) {
		char left[48];

		if (t->lng != NULL && t->shrt != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", t->shrt,
			    t->lng, t->arg ? " " : "", t->arg ? t->arg : "");
		else if (t->lng != NULL)
			snprintf(left, sizeof(left), "    --%s%s%s", t->lng,
			    t->arg ? " " : "", t->arg ? t->arg : "");
		else
			snprintf(left, sizeof(left), "-%c%s%s", t->shrt,
			    t->arg ? " " : "", t->arg ? t->arg : "");
		fprintf(f, "  %-22s %s\n", left, t->help);
	}
}

void
opt_global_help(FILE *f)
{
	struct ctx c;
	struct opt g[NGLOBAL];
	int a, b, d;
	const char *s;

	memset(&c, 0, sizeof(c));
	globals(&c, g, &a, &b, &d, &s);
	help_lines(f, g);
}

void
opt_help(FILE *f, const struct cmd_help *h, const struct opt *opts)
{
	fprintf(f, "usage: sockctl %s %s\n\n%s\n", h->name, h->synopsis,
	    h->summary);
	if (opts != NULL && opts[0].type != OT_END) {
		fprintf(f, "\noptions:\n");
		help_lines(f, opts);
	}
	fprintf(f, "\nglobal options:\n");
	opt_global_help(f);
	if (h->detail != NULL)
		fprintf(f, "\n%s", h->detail);
	fflush(f);
}
