/*
 * explain ERROR: the cause and fix sockctl gives for an errno value, a
 * getaddrinfo code, a reason slug or a condition of its own, read from
 * the diagnosis table the probes use. ERROR may also be what people
 * paste from a log: a strerror message, or a line that holds one, an
 * errno number in the usual forms, or an errno name; an address in the
 * line is said, with the probe that checks it.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "diag.h"
#include "esc.h"
#include "errname.h"
#include "opt.h"
#include "unixsock.h"
#include "cmds.h"

static const struct cmd_help help = {
	"explain", "[OPTIONS] ERROR | --list",
	"Explain an error as the probes do: its reason slug, exit code, cause "
	"and fix.",
	"ERROR is an errno name (ECONNREFUSED), its number (111), a getaddrinfo\n"
	"code (EAI_NONAME), a reason slug (port-in-use, which lists the errors\n"
	"behind it), or a condition sockctl finds itself, as --list names it\n"
	"(unix-refused, expect-mismatch). Stage-specific explanations follow\n"
	"the general one. ERROR may also be text pasted from a log: a message\n"
	"('Connection refused'), or a line that holds one or an errno number\n"
	"('(98: Address already in use)', '[Errno 111] ...', 'dial tcp\n"
	"10.0.0.5:5432: connect: connection refused'); an address or port in\n"
	"the line is said, with the probe that checks it.\n\n"
	"examples:\n"
	"  sockctl explain ECONNREFUSED\n"
	"  sockctl explain 98\n"
	"  sockctl explain EAI_AGAIN\n"
	"  sockctl explain unix-refused\n"
	"  sockctl explain 'bind() to 0.0.0.0:80 failed (98: Address already "
	"in use)'\n"
	"  sockctl explain --list\n",
};

#define NOPTS		2

/* The option table, pointing into list. */
static void
opts_fill(struct opt o[NOPTS], int *list)
{
	const struct opt t[NOPTS] = {
		{ "list", 'l', OT_FLAG, list, NULL,
		    "list every error sockctl explains", 0, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

static const char *
code_name(const struct diag *d, char *buf, size_t len)
{
	const char *n = NULL;

	if (d->kind == DK_ERRNO)
		n = errname(d->code);
	else if (d->kind == DK_EAI)
		n = eai_name(d->code);
	else
		n = reason_dx_name(d->code);
	if (n == NULL) {
		snprintf(buf, len, "%d", d->code);
		return buf;
	}
	return n;
}

/* What a pasted log line named besides the error: "" when nothing. */
struct seen {
	char	addr[HOST_MAX];		/* host, IP or Unix path */
	int	port;			/* -1: none */
	int	family;			/* 0: not known (a host name) */
	char	shown[HOST_MAX + 16];	/* as the probes write it */
};

static const struct seen no_seen = { "", -1, 0, "" };

static void
emit_seen(const struct ctx *c, const char *target, const struct diag *d,
    const struct seen *sn)
{
	char buf[32];
	const char *name = code_name(d, buf, sizeof(buf));

	if (c->quiet)
		return;
	if (c->json) {
		struct jbuf jb;

		jb_init(&jb);
		jb_obj_open(&jb);
		jb_kstr(&jb, "command", "explain");
		jb_kstr(&jb, "target", target);
		/* the row describes a failure: ok as a probe would say it */
		jb_kbool(&jb, "ok", d->reason == RS_OK);
		jb_kstr(&jb, "reason", reason_slug(d->reason));
		jb_kint(&jb, "exit_code", reason_exit(d->reason));
		jb_kstr(&jb, "stage", d->stage == ST_NONE ? NULL :
		    stage_name(d->stage));
		jb_kstr(&jb, "errno", d->kind == DK_SOCKCTL ? NULL : name);
		jb_kstr(&jb, "message", d->cause);
		jb_kstr(&jb, "hint", d->fix);
		jb_kstr(&jb, "address", sn->addr[0] ? sn->addr : NULL);
		if (sn->port >= 0)
			jb_kint(&jb, "port", sn->port);
		else
			jb_knull(&jb, "port");
		jb_kstr(&jb, "family", sn->family == AF_INET ? "ipv4" :
		    sn->family == AF_INET6 ? "ipv6" : sn->family == AF_UNIX ?
		    "unix" : NULL);
		jb_knull(&jb, "elapsed_ms");
		if (d->kind == DK_ERRNO)
			jb_kint(&jb, "errno_value", d->code);
		else
			jb_knull(&jb, "errno_value");
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	fprintf(c->out, "%s", name);
	if (d->kind == DK_ERRNO)
		fprintf(c->out, " (%d, %s)", d->code, strerror(d->code));
	if (d->stage != ST_NONE)
		fprintf(c->out, " at %s", stage_name(d->stage));
	fprintf(c->out, ": %s, exit %d\n  cause: %s\n  fix:   %s\n",
	    reason_slug(d->reason), reason_exit(d->reason), d->cause, d->fix);
}

/* After a pasted line's rows: the endpoint it names, and its probe. */
static void
emit_endpoint(const struct ctx *c, const struct diag *d,
    const struct seen *sn)
{
	if (sn->shown[0] == '\0' || c->quiet || c->json)
		return;
	fprintf(c->out, "the line names %s: check it from here with sockctl "
	    "%s %s\n", sn->shown, d->stage == ST_BIND || d->reason ==
	    RS_INUSE || d->reason == RS_ADDRNA ? "probe-bind" : d->stage ==
	    ST_RECV ? "probe-udp" : "connect", sn->shown);
}

static void
emit(const struct ctx *c, const char *target, const struct diag *d)
{
	emit_seen(c, target, d, &no_seen);
}

/* An errno value with no row of its own: the generic row answers it. */
static int
explain_other(const struct ctx *c, int code)
{
	struct diag d = *diag_find(ST_NONE, DK_ERRNO, code);
	const char *name = errname(code);

	if (name == NULL)
		return out_usage(c, "unknown error '%d' (no errno of that "
		    "number here; see --list)", code);
	d.kind = DK_ERRNO;
	d.code = code;
	emit(c, name, &d);
	return 0;
}

/* Prints every row of (kind, code), the general one first. */
static int
explain_code(const struct ctx *c, const char *target, enum diag_kind kind,
    int code)
{
	const struct diag *t, *gen;
	size_t n;
	int found = 0;

	t = diag_table(&n);
	gen = diag_find(ST_NONE, kind, code);
	if (gen->kind == kind && gen->code == code) {
		emit(c, target, gen);
		found = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == kind && t[i].code == code && &t[i] != gen) {
			emit(c, target, &t[i]);
			found = 1;
		}
	return found;
}

/*
 * The messages people paste, as glibc, Go and Python word them; this
 * libc's own strerror() is tried too (musl words some differently).
 * The longest that the line holds wins.
 */
static const struct {
	int		 err;		/* an errno value, or 0: */
	int		 eai;		/* a getaddrinfo code */
	const char	*text;
} words[] = {
	{ ECONNREFUSED, 0, "connection refused" },
	{ EADDRINUSE, 0, "address already in use" },
	{ EADDRINUSE, 0, "address in use" },
	{ ETIMEDOUT, 0, "connection timed out" },
	{ ETIMEDOUT, 0, "operation timed out" },
	{ ETIMEDOUT, 0, "i/o timeout" },
	{ ETIMEDOUT, 0, "timed out" },
	{ EHOSTUNREACH, 0, "no route to host" },
	{ EHOSTUNREACH, 0, "host is unreachable" },
	{ ENETUNREACH, 0, "network is unreachable" },
	{ ECONNRESET, 0, "connection reset by peer" },
	{ ECONNRESET, 0, "connection reset" },
	{ EPIPE, 0, "broken pipe" },
	{ EACCES, 0, "permission denied" },
	{ EPERM, 0, "operation not permitted" },
	{ EADDRNOTAVAIL, 0, "cannot assign requested address" },
	{ EADDRNOTAVAIL, 0, "address not available" },
	{ EMFILE, 0, "too many open files" },
	{ ENFILE, 0, "too many open files in system" },
	{ ENOENT, 0, "no such file or directory" },
	{ ENOBUFS, 0, "no buffer space available" },
	{ ENOMEM, 0, "cannot allocate memory" },
	{ ENOMEM, 0, "out of memory" },
	{ EAFNOSUPPORT, 0, "address family not supported by protocol" },
	{ ECONNABORTED, 0, "software caused connection abort" },
	{ EHOSTDOWN, 0, "host is down" },
	{ ENETDOWN, 0, "network is down" },
	{ EPROTOTYPE, 0, "protocol wrong type for socket" },
	{ ENOTCONN, 0, "transport endpoint is not connected" },
	{ EAGAIN, 0, "resource temporarily unavailable" },
	{ 0, EAI_NONAME, "name or service not known" },
	{ 0, EAI_NONAME, "no such host" },
	{ 0, EAI_NONAME, "nodename nor servname provided" },
	{ 0, EAI_AGAIN, "temporary failure in name resolution" },
	{ 0, EAI_AGAIN, "server misbehaving" },
	{ 0, EAI_FAIL, "non-recoverable failure in name resolution" },
};

/* The errno whose strerror() is the longest text in line (for errname_each). */
struct libc_match {
	const char	*line;
	int		 err;
	size_t		 len;
};

static void
libc_word(int e, const char *name, void *arg)
{
	struct libc_match *m = arg;
	const char *t = strerror(e);
	size_t n = strlen(t);

	(void)name;
	if (n > m->len && n >= 6 && strcasestr(m->line, t) != NULL) {
		m->err = e;
		m->len = n;
	}
}

/* The number after the first of the prefixes in line; -1 when none. */
static int
number_after(const char *line)
{
	static const char *pre[] = { "[errno ", "errno=", "errno: ",
	    "errno ", "os error ", "error code ", "error ", NULL };
	const char *p;
	char *end;
	long v;

	for (int i = 0; pre[i] != NULL; i++) {
		p = strcasestr(line, pre[i]);
		if (p == NULL || !isdigit((unsigned char)p[strlen(pre[i])]))
			continue;
		v = strtol(p + strlen(pre[i]), &end, 10);
		if (v > 0 && v < 4096)
			return (int)v;
	}
	/* nginx: "(98: Address already in use)"; MySQL: "... (111)" */
	for (p = strchr(line, '('); p != NULL; p = strchr(p + 1, '(')) {
		v = strtol(p + 1, &end, 10);
		if (end != p + 1 && (*end == ':' || *end == ')') && v > 0 &&
		    v < 4096)
			return (int)v;
	}
	return -1;
}

/* The first errno or EAI_ name written in line (a word of capitals). */
static int
name_in(const char *line, enum diag_kind *kind, int *code)
{
	char w[32];
	size_t n;

	for (const char *p = line; *p != '\0'; p += n ? n : 1) {
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n == 0 || n >= sizeof(w) || p[0] != 'E' || (p > line &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		memcpy(w, p, n);
		w[n] = '\0';
		if (eai_lookup(w, code)) {
			*kind = DK_EAI;
			return 1;
		}
		if ((*code = errname_lookup(w)) > 0) {
			*kind = DK_ERRNO;
			return 1;
		}
	}
	return 0;
}

/*
 * The first endpoint a log line names: an IP address with its port
 * ("10.0.0.5:5432", "[::]:80"), a host name with a dot and a port, or a
 * Unix socket path. Returns 1 with *sn filled.
 */
static int
endpoint_in(const char *line, struct seen *sn)
{
	char tok[HOST_MAX + 16], err[128];
	struct sockaddr_storage ss;
	struct endpoint ep;
	struct stat sb;
	size_t n;

	for (const char *p = line; *p != '\0'; p += n ? n : 1) {
		n = strcspn(p, " \t,;\"'()<>{}");
		if (n == 0 || n >= sizeof(tok))
			continue;
		/* nginx writes a Unix upstream as "unix:/run/app.sock" */
		if (n > 5 && strncmp(p, "unix:", 5) == 0 && p[5] == '/') {
			memcpy(tok, p + 5, n - 5);
			tok[n - 5] = '\0';
		} else {
			memcpy(tok, p, n);
			tok[n] = '\0';
		}
		/* "10.0.0.5:5432:" and "0.0.0.0:80." end a phrase */
		while (strlen(tok) > 1 && strchr(":.", tok[strlen(tok) - 1]))
			tok[strlen(tok) - 1] = '\0';
		if (tok[0] == '/' && (strstr(tok, "sock") != NULL ||
		    strstr(tok, "/.s.") != NULL || (stat(tok, &sb) == 0 &&
		    S_ISSOCK(sb.st_mode)))) {
			snprintf(sn->addr, sizeof(sn->addr), "%.*s",
			    (int)sizeof(sn->addr) - 1, tok);
			snprintf(sn->shown, sizeof(sn->shown), "%.*s",
			    (int)sizeof(sn->shown) - 1, tok);
			sn->port = -1;
			sn->family = AF_UNIX;
			return 1;
		}
		if (strchr(tok, ':') == NULL || ep_parse(tok, 0, &ep, err,
		    sizeof(err)) == -1 || ep.is_unix || ep.host[0] == '\0')
			continue;
		if (sa_from_numeric(ep.host, ep.port, &ss) != 0 &&
		    strchr(ep.host, '.') == NULL &&
		    strcmp(ep.host, "localhost") != 0)
			continue;
		snprintf(sn->addr, sizeof(sn->addr), "%s", ep.host);
		sn->port = ep.port;
		sn->family = sa_from_numeric(ep.host, ep.port, &ss) == 0 ?
		    ss.ss_family : 0;
		if (strchr(ep.host, ':') != NULL)
			snprintf(sn->shown, sizeof(sn->shown), "[%s]:%d",
			    ep.host, ep.port);
		else
			snprintf(sn->shown, sizeof(sn->shown), "%s:%d",
			    ep.host, ep.port);
		return 1;
	}
	return 0;
}

/*
 * ERROR as text pasted from a log: an errno number in a usual form, an
 * errno or EAI_ name, or a message. Returns 1 with *kind and *code set
 * (and sn filled when the line names an endpoint), 0 when nothing in it
 * is an error sockctl knows.
 */
static int
pasted(const char *line, enum diag_kind *kind, int *code, struct seen *sn)
{
	struct libc_match m = { line, 0, 0 };
	size_t best = 0;
	int num;

	*sn = no_seen;
	(void)endpoint_in(line, sn);
	if ((num = number_after(line)) > 0) {
		*kind = DK_ERRNO;
		*code = num;
		return 1;
	}
	if (name_in(line, kind, code))
		return 1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].text) > best &&
		    strcasestr(line, words[i].text) != NULL) {
			best = strlen(words[i].text);
			*kind = words[i].err != 0 ? DK_ERRNO : DK_EAI;
			*code = words[i].err != 0 ? words[i].err : words[i].eai;
		}
	errname_each(libc_word, &m);
	if (m.len > best) {
		*kind = DK_ERRNO;
		*code = m.err;
		best = m.len;
	}
	return best > 0;
}

/*
 * The stage a pasted line names ("dial tcp ...: connect: ...", "bind() to
 * ... failed", "read udp ..."), so that only its rows answer; ST_NONE when
 * it names none.
 */
static enum stage
stage_in(const char *line)
{
	/* the call's name as programs log it: "bind()", "bind:", "bind(",
	 * never a word of the message ("Connection refused") */
	static const struct {
		const char	*w;
		enum stage	 st;
	} calls[] = {
		{ "dial udp", ST_RECV }, { "read udp", ST_RECV },
		{ "recvfrom", ST_RECV }, { "recvmsg", ST_RECV },
		{ "bind(", ST_BIND }, { "bind:", ST_BIND }, { "bind ", ST_BIND },
		{ "listen(", ST_LISTEN }, { "listen:", ST_LISTEN },
		{ "dial tcp", ST_CONNECT }, { "connect(", ST_CONNECT },
		{ "connect:", ST_CONNECT }, { "connect to", ST_CONNECT },
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcasestr(line, calls[i].w) != NULL)
			return calls[i].st;
	return ST_NONE;
}

/* Prints what a pasted line holds; its exit code (2: nothing known). */
static int
explain_pasted(const struct ctx *c, const char *a)
{
	const struct diag *t, *gen, *first = NULL;
	enum diag_kind kind;
	struct seen sn;
	size_t n;
	int code, found = 0, have = 0;
	enum stage st;
	struct diag d;

	if (!pasted(a, &kind, &code, &sn))
		return -1;
	/* an errno on a Unix socket path: the Unix row says more */
	if (sn.addr[0] == '/' && kind == DK_ERRNO) {
		int dx = usock_dx(strcasestr(a, "bind") != NULL ? ST_BIND :
		    ST_CONNECT, code);

		if (dx != 0) {
			kind = DK_SOCKCTL;
			code = dx;
		}
	}
	t = diag_table(&n);
	gen = diag_find(ST_NONE, kind, code);
	/* a line that names its stage gets that stage's rows (Go's "dial
	 * tcp ...: connect:" is no UDP recv), or the general row when the
	 * stage has none of its own */
	st = stage_in(a);
	for (size_t i = 0; i < n && st != ST_NONE; i++)
		have |= t[i].kind == kind && t[i].code == code &&
		    t[i].stage == st;
	if (gen->kind == kind && gen->code == code && !have) {
		emit_seen(c, a, gen, &sn);
		found = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == kind && t[i].code == code && &t[i] != gen &&
		    (st == ST_NONE || t[i].stage == st)) {
			emit_seen(c, a, &t[i], &sn);
			if (!found || have)
				first = &t[i];
			found = 1;
		}
	if (found) {
		/* the probe that checks it: the stage's row says which */
		emit_endpoint(c, have && first != NULL ? first :
		    gen->kind == kind && gen->code == code ? gen :
		    diag_find(ST_NONE, kind, code), &sn);
		return 0;
	}
	if (kind == DK_ERRNO && errname(code) == NULL)
		return out_usage(c, "'%.60s' names errno %d, which has no "
		    "name here (see --list)", a, code);
	d = *gen;
	d.kind = kind;
	d.code = code;
	emit_seen(c, a, &d, &sn);
	emit_endpoint(c, &d, &sn);
	return 0;
}

int
cmd_explain(struct ctx *c, int argc, char **argv)
{
	int list = 0, npos, rc, code, found = 0;
	struct opt opts[NOPTS];
	const struct diag *t;
	const char *a;
	size_t n;

	opts_fill(opts, &list);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (list) {
		if (npos > 0)
			return out_usage(c, "--list takes no argument (got "
			    "'%.40s')", argv[1]);
		t = diag_table(&n);
		for (size_t i = 0; i < n; i++)
			emit(c, NULL, &t[i]);
		return 0;
	}
	if (npos != 1)
		return out_usage(c, npos == 0 ? "missing ERROR (e.g. "
		    "ECONNREFUSED, 98, EAI_NONAME) or --list" :
		    "expected one ERROR, got %d arguments", npos);
	a = argv[1];
	if (a[0] != '\0' && strspn(a, "0123456789") == strlen(a) &&
	    strlen(a) < 6) {
		code = atoi(a);
		if (code == 0)
			return out_usage(c, "'%.40s' is no error: errno 0 means "
			    "success (expected e.g. 98, ECONNREFUSED, "
			    "EAI_NONAME)", a);
		found = explain_code(c, a, DK_ERRNO, code);
		if (!found && code > 0 && code < 256)
			return explain_other(c, code);
	} else if (eai_lookup(a, &code))
		found = explain_code(c, a, DK_EAI, code);
	else if ((code = errname_lookup(a)) > 0) {
		found = explain_code(c, a, DK_ERRNO, code);
		if (!found)
			return explain_other(c, code);
	} else if ((code = reason_dx_lookup(a)) > 0 &&
	    reason_by_slug(a) < 0)
		/* a condition of sockctl's own, as --list names it (a name
		 * that is also a reason slug lists the slug's rows) */
		found = explain_code(c, a, DK_SOCKCTL, code);
	else if ((code = reason_by_slug(a)) >= 0) {
		t = diag_table(&n);
		for (size_t i = 0; i < n; i++)
			if ((int)t[i].reason == code) {
				emit(c, a, &t[i]);
				found = 1;
			}
		if (!found && !c->quiet && !c->json)
			fprintf(c->out, "%s: exit %d\n", a, reason_exit(code));
		return 0;
	}
	if (!found && (rc = explain_pasted(c, a)) >= 0)
		return rc;
	if (!found)
		return out_usage(c, "unknown error '%.60s' (expected an errno "
		    "name like ECONNREFUSED, a number, EAI_NONAME, a reason "
		    "slug, or a condition like unix-refused; see --list)", a);
	return 0;
}
