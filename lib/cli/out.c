#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "errname.h"
#include "esc.h"
#include "evidence.h"
#include "om.h"
#include "out.h"

static void	sync_out(const struct ctx *);

/* isatty() of stdout or stderr, asked once a run: a sweep writes a
 * thousand results, and each asking costs an ioctl. */
static int
out_isatty(FILE *f)
{
	static int tty[3] = { -1, -1, -1 };
	int fd = fileno(f);

	if (fd < 0 || fd > 2)
		return isatty(fd);
	if (tty[fd] == -1)
		tty[fd] = isatty(fd);
	return tty[fd];
}

int
out_color(const struct ctx *c, FILE *f)
{
	const char *nc;

	if (c->color == COLOR_ALWAYS)
		return 1;
	if (c->color == COLOR_NEVER)
		return 0;
	nc = getenv("NO_COLOR");
	if (nc != NULL && nc[0] != '\0')
		return 0;
	return out_isatty(f);
}

static const char *
err_label(const struct result *r, char *buf, size_t len)
{
	const char *n;

	if (r->eai != 0) {
		n = eai_name(r->eai);
		return n ? n : "EAI_?";
	}
	if (r->err == 0)
		return NULL;
	n = errname(r->err);
	if (n == NULL) {
		snprintf(buf, len, "errno %d", r->err);
		return buf;
	}
	return n;
}

/*
 * Writes s[0..n-1] for a terminal: what came from outside (a process
 * name, a host from a file, a reply) may hold escape sequences or
 * invalid UTF-8, written as \xNN (esc_term()); newlines stay.
 */
static void
put_safe(FILE *f, const char *s, size_t n)
{
	char buf[1024];
	size_t used, len, k;

	while (n > 0) {
		/* printable ASCII and newlines go out as they are (most
		 * text: a sweep's thousand causes), the rest through
		 * esc_term() */
		for (k = 0; k < n && (((unsigned char)s[k] >= 0x20 &&
		    (unsigned char)s[k] < 0x7f) || s[k] == '\n'); k++)
			;
		if (k > 0) {
			fwrite(s, 1, k, f);
			s += k;
			n -= k;
			continue;
		}
		len = esc_term(s, n, buf, sizeof(buf), &used);
		fwrite(buf, 1, len, f);
		s += used;
		n -= used;
	}
}

/* put_safe() of a formatted text; nothing where no memory is left. */
static void
put_vsafe(FILE *f, const char *fmt, va_list ap)
{
	char *s, line[512];
	va_list again;
	int n;

	va_copy(again, ap);
	if ((n = vasprintf(&s, fmt, ap)) == -1) {
		/* no memory: what fits a line still gets out */
		if (vsnprintf(line, sizeof(line), fmt, again) > 0)
			put_safe(f, line, strlen(line));
		va_end(again);
		return;
	}
	va_end(again);
	put_safe(f, s, (size_t)n);
	free(s);
}

/* Writes label and text, indenting the text's continuation lines. */
static void
put_block(FILE *f, const char *label, const char *text, int color)
{
	const char *p = text, *nl;

	fprintf(f, "  %s%s%s ", color ? "\033[1m" : "", label,
	    color ? "\033[0m" : "");
	for (;;) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			put_safe(f, p, strlen(p));
			fputc('\n', f);
			return;
		}
		put_safe(f, p, (size_t)(nl - p));
		fputs("\n         ", f);
		p = nl + 1;
	}
}

/*
 * The text form of a failed result: the summary line, then (unless brief,
 * as -q wants) the cause and fix lines.
 */
static void
put_failure(FILE *f, const struct ctx *c, const struct result *r, int col,
    int brief)
{
	char ebuf[32];
	const char *en = err_label(r, ebuf, sizeof(ebuf));

	fprintf(f, "sockctl: %s ", c->cmd);
	put_safe(f, r->target, strlen(r->target));
	fprintf(f, ": %s%s%s%s%s",
	    r->stage != ST_NONE ? stage_name(r->stage) : "",
	    r->stage != ST_NONE ? ": " : "", col ? "\033[1;31m" : "",
	    reason_slug(r->reason), col ? "\033[0m" : "");
	if (en != NULL)
		fprintf(f, " (%s)", en);
	fputc('\n', f);
	if (brief)
		return;
	if (r->message[0] != '\0')
		put_block(f, "cause:", r->message, col);
	if (r->hint[0] != '\0')
		put_block(f, "fix:  ", r->hint, col);
}

/* Flushes c->out, keeping the errno of the first write that failed. */
static void
sync_out(const struct ctx *c)
{
	if (fflush(c->out) == EOF && c->werr != NULL && *c->werr == 0)
		*c->werr = errno != 0 ? errno : EIO;
}

/* Flushes c->out unless results are held (and stdout comes next). */
static void
flush_out(const struct ctx *c)
{
	if (!c->hold)
		sync_out(c);
}

static void
write_json(const struct ctx *c, const struct result *r)
{
	struct jbuf jb;
	char ebuf[32];

	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "command", r->command ? r->command : c->cmd);
	jb_kstr(&jb, "target", r->target[0] ? r->target : NULL);
	jb_kbool(&jb, "ok", r->reason == RS_OK);
	jb_kstr(&jb, "reason", reason_slug(r->reason));
	jb_kint(&jb, "exit_code", reason_exit(r->reason));
	jb_kstr(&jb, "stage", r->stage == ST_NONE ? NULL :
	    stage_name(r->stage));
	jb_kstr(&jb, "errno", err_label(r, ebuf, sizeof(ebuf)));
	jb_kstr(&jb, "message", r->message[0] ? r->message : NULL);
	jb_kstr(&jb, "hint", r->hint[0] ? r->hint : NULL);
	jb_kstr(&jb, "address", r->address[0] ? r->address : NULL);
	if (r->port >= 0)
		jb_kint(&jb, "port", r->port);
	else
		jb_knull(&jb, "port");
	jb_kstr(&jb, "family", family_name(r->family));
	if (r->elapsed_ms >= 0)
		jb_knum(&jb, "elapsed_ms", r->elapsed_ms);
	else
		jb_knull(&jb, "elapsed_ms");
	nomem_check(&r->extra);
	if (r->extra.len > 0)
		jb_raw(&jb, r->extra.s, r->extra.len);
	jb_obj_close(&jb);
	out_json(c, &jb);
	jb_free(&jb);
}

void
out_flush(const struct ctx *c)
{
	sync_out(c);
}

/*
 * The failure of r on stderr in one write(2) (oneline: -q's one line), so
 * the results of processes that share a stderr (parallel CI jobs) do not
 * interleave line by line, and a sweep of many targets costs one write
 * each. Without memory for it, it is written as it is made.
 */
static void
put_failure_once(const struct ctx *c, const struct result *r, int col,
    int oneline)
{
	/* the whole text, escaped at worst: one write(), without the
	 * zeroed buffer open_memstream() would allocate each time */
	char txt[ESC_SIZE(sizeof(r->target) + sizeof(r->message) +
	    sizeof(r->hint)) + 512];
	long len = -1;
	FILE *m;

	if ((m = fmemopen(txt, sizeof(txt), "w")) != NULL) {
		put_failure(m, c, r, col, oneline);
		if (fflush(m) == 0 && !ferror(m))
			len = ftell(m);
		fclose(m);
	}
	if (len > 0 && (size_t)len < sizeof(txt) - 1)
		fwrite(txt, 1, (size_t)len, c->err);
	else
		put_failure(c->err, c, r, col, oneline);
	fflush(c->err);
}

int
out_result(const struct ctx *c, const struct result *r)
{
	int code = reason_exit(r->reason);
	int col;

	if (c->openmetrics && c->om != NULL) {
		/* stdout gets the exposition at the end; stderr the failure */
		om_result(c->om, r, c->cmd);
		if (r->reason == RS_OK)
			return code;
		if (c->quiet) {
			put_failure_once(c, r, 0, 1);
			return code;
		}
	} else if (c->quiet) {
		if (r->reason != RS_OK) {
			sync_out(c);
			put_failure_once(c, r, 0, 1);
		}
		return code;
	}
	if (c->json) {
		write_json(c, r);
		return code;
	}
	if (r->reason == RS_OK) {
		put_safe(c->out, r->message, strlen(r->message));
		fputc('\n', c->out);
		if (r->hint[0] == '\0') {
			flush_out(c);
			return code;
		}
		sync_out(c);		/* the note follows on stderr */
		out_note(c, "%s", r->hint);
		return code;
	}
	sync_out(c);
	col = out_color(c, c->err);
	put_failure_once(c, r, col, 0);
	return code;
}

void
out_json(const struct ctx *c, const struct jbuf *jb)
{
	nomem_check(jb);
	if (c->quiet)
		return;
	fwrite(jb->s, 1, jb->len, c->out);
	fputc('\n', c->out);
	flush_out(c);
}

/*
 * A bound socket's line: "listening on ADDR" (hold_ms < 0) or "holding
 * ADDR (PROTO) for DUR", or its JSON event, flushed.
 */
static void
bound_line(const struct ctx *c, const char *proto, const struct sockaddr *sa,
    int64_t hold_ms)
{
	char host[ADDRSTR_MAX], full[ADDRSTR_MAX];
	struct jbuf jb;

	sa_fmt(sa, full, sizeof(full));
	if (!c->json || (hold_ms >= 0 && c->quiet)) {
		if (hold_ms < 0)
			fprintf(c->out, "listening on %s\n", full);
		else
			fprintf(c->out, "holding %s (%s) for %.3gs\n", full,
			    proto, (double)hold_ms / 1000);
		sync_out(c);
		return;
	}
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", hold_ms < 0 ? "listening" : "holding");
	jb_kstr(&jb, "command", c->cmd);
	if (hold_ms >= 0)
		jb_kstr(&jb, "target", full);
	jb_kstr(&jb, "address", sa_fmt_host(sa, host, sizeof(host)));
	if (sa_port(sa) >= 0)
		jb_kint(&jb, "port", sa_port(sa));
	else
		jb_knull(&jb, "port");	/* a Unix socket */
	jb_kstr(&jb, "family", family_name(sa->sa_family));
	jb_kstr(&jb, "proto", proto);
	if (hold_ms >= 0)
		jb_kint(&jb, "hold_ms", hold_ms);
	jb_obj_close(&jb);
	nomem_check(&jb);
	fwrite(jb.s, 1, jb.len, c->out);
	fputc('\n', c->out);
	sync_out(c);
	jb_free(&jb);
}

void
out_listening(const struct ctx *c, const char *proto,
    const struct sockaddr *sa)
{
	bound_line(c, proto, sa, -1);
}

void
out_holding(const struct ctx *c, const char *proto,
    const struct sockaddr *sa, int64_t hold_ms)
{
	bound_line(c, proto, sa, hold_ms < 0 ? 0 : hold_ms);
}

/*
 * A line for stderr through c->errsink: head (n bytes in line), then fmt
 * and a newline; a line longer than the buffer is cut.
 */
static void
vsink(const struct ctx *c, char *line, size_t size, int n, const char *fmt,
    va_list ap)
{
	size_t len = n > 0 && (size_t)n < size - 1 ? (size_t)n : 0, used;
	char text[1024];
	int m;

	/* room for the text and its NUL, then the newline in place of it */
	m = vsnprintf(text, sizeof(text), fmt, ap);
	if (m > 0)
		len += esc_term(text, (size_t)m < sizeof(text) ? (size_t)m :
		    sizeof(text) - 1, line + len, size - 1 - len, &used);
	line[len++] = '\n';
	c->errsink(c->errsink_arg, line, len);
}

static void
vtrace(const struct ctx *c, const char *fmt, va_list ap)
{
	char line[1024];

	if (c->errsink != NULL) {
		vsink(c, line, sizeof(line), snprintf(line, sizeof(line),
		    "[%10.3f ms] ", clock_since_ms(c->t0_ns)), fmt, ap);
		return;
	}
	fprintf(c->err, "[%10.3f ms] ", clock_since_ms(c->t0_ns));
	put_vsafe(c->err, fmt, ap);
	fputc('\n', c->err);
	fflush(c->err);
}

void
out_trace(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	vtrace(c, fmt, ap);
	va_end(ap);
}

void
out_trace_cb(void *arg, const char *fmt, ...)
{
	const struct ctx *c = arg;
	va_list ap;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	vtrace(c, fmt, ap);
	va_end(ap);
}

static void
vmsg(const struct ctx *c, const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];

	if (c->errsink != NULL) {
		vsink(c, line, sizeof(line), snprintf(line, sizeof(line),
		    "sockctl: %s%s%s", c->cmd != NULL ? c->cmd : "",
		    c->cmd != NULL ? ": " : "", prefix), fmt, ap);
		return;
	}
	fprintf(c->err, "sockctl: ");
	if (c->cmd != NULL)
		fprintf(c->err, "%s: ", c->cmd);
	fputs(prefix, c->err);
	put_vsafe(c->err, fmt, ap);
	fputc('\n', c->err);
	fflush(c->err);
}

void
out_err(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
}

int
out_usage(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "", fmt, ap);
	va_end(ap);
	if (c->quiet)
		return 2;	/* -q: one line on stderr */
	if (c->cmd != NULL)
		fprintf(c->err, "Try 'sockctl %s --help'.\n", c->cmd);
	else
		fprintf(c->err, "Try 'sockctl --help'.\n");
	return 2;
}

void
out_note(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet || c->json)
		return;
	va_start(ap, fmt);
	vmsg(c, "note: ", fmt, ap);
	va_end(ap);
}

int
out_server_failed(struct ctx *c, const struct sockaddr *sa, int udp,
    enum stage st, int err, int eai, const char *target)
{
	struct result r;
	int rc;

	result_init(&r, c->cmd);
	jb_kstr(&r.extra, "proto", sa != NULL && sa->sa_family == AF_UNIX ?
	    (udp ? "dgram" : "stream") : udp ? "udp" : "tcp");
	ev_server(&c->env, &r, sa, udp, st, err, eai, target);
	rc = out_result(c, &r);
	result_free(&r);
	return rc;
}

void
out_guard_fds(int *werr)
{
	static const char *const dev[3] = { "/dev/null", "/dev/full",
	    "/dev/null" };

	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* the lowest free number: fd itself, the ones below are open */
		if (open(dev[fd], fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			continue;
		if (fd == 1)
			*werr = EBADF;
	}
}

int
out_finish(const struct ctx *c, int rc)
{
	int e;

	if (c->om != NULL) {
		if (om_count(c->om) > 0 && om_write(c->om, c->out) == -1 &&
		    c->werr != NULL && *c->werr == 0)
			*c->werr = errno;
		om_free(c->om);		/* the last use: main returns next */
	}
	sync_out(c);
	if (!ferror(c->out))
		return rc;
	e = c->werr != NULL && *c->werr != 0 ? *c->werr : 0;
	/* a libc that kept no errno for the failed write (musl, when the
	 * write was fwrite's own): one more byte tells what refuses them */
	if (e == 0 && write(fileno(c->out), "\n", 1) == -1)
		e = errno;
	if (e == 0)
		e = EIO;
	out_err(c, "cannot write to stdout: %s (%s); the results are lost",
	    errname(e) != NULL ? errname(e) : "error", strerror(e));
	return reason_exit(RS_ERROR);
}
