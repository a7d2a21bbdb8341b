/*
 * The send/expect exchange of one attempt of lib/core/dial: send, read the
 * reply, and match it against --expect without holding up the loop; or
 * --proto's request, its reply judged (lib/core/proto) and its goodbye.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dialx.h"
#include "expect.h"
#include "proto.h"
#include "reason.h"
#include "sock.h"

#define TRACE(a, ...) do {						\
	if ((a)->x->cfg->trace != NULL)					\
		xtrace((a), __VA_ARGS__);				\
} while (0)

static void	xtrace(const struct dial_att *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* One trace line, "LABEL: ...", to the run's trace callback. */
static void
xtrace(const struct dial_att *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	a->x->cfg->trace(a->x->cfg->trace_arg, "%s: %s", a->x->label, buf);
}

const char *
dialx_state_of(int fd)
{
	static char buf[48];
	socklen_t len = sizeof(int);
	int dom = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 &&
	    dom == AF_UNIX)
		return "";
	snprintf(buf, sizeof(buf), ", TCP state %s",
	    sock_state_name(sock_tcp_state(fd, NULL)));
	return buf;
}

/*
 * The answer m of a match of the reply so far (1, 0, or -1: not told in
 * time): ends the attempt unless it is 0. Returns 1 when it ended it.
 */
static int
match_done(struct dial_att *a, int m)
{
	if (m == 0)
		return 0;
	if (m == 1)
		TRACE(a, "expect: matched");
	else
		TRACE(a, "expect: matching %zu bytes did not end within "
		    "the time limit", a->rlen);
	a->x->finish(a, m == 1, m == 1 ? ST_NONE : ST_EXPECT, 0,
	    m == 1 ? 0 : DX_EXPECT_CUT);
	return 1;
}

/* The match child has answered (or died): on with the attempt. */
static void
match_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct dial_att *a = io->arg;
	const struct dial_cfg *cfg = a->x->cfg;	/* the run's: outlives a */
	int m;

	(void)ev;
	loop_unwatch(lp, &a->xio);	/* before its fd is closed */
	if (expect_collect(&a->xj, &m) == -1) {
		if (errno == EAGAIN) {
			(void)loop_watch(lp, &a->xio, LOOP_READ);
			return;
		}
		m = -1;		/* died unanswered: not told in time */
	}
	if (!match_done(a, m)) {
		/* no match yet: read what came meanwhile, match it all */
		a->ph = DA_RECV;
		(void)loop_watch(lp, &a->io, LOOP_READ);
		dialx_recv(a);
	}
	if (cfg->after != NULL)
		cfg->after(cfg->after_arg);
}

/*
 * Matches the reply so far, bounded by the attempt's timer whatever the
 * pattern and the reply: a long one in a child (lib/core/expect) whose pipe the
 * loop watches, so other attempts and targets go on meanwhile. The socket
 * is not watched until the child answers (an EOF, a reset or more bytes
 * wait for it). Returns 1 when the attempt ended or waits for the child.
 */
static int
match(struct dial_att *a)
{
	struct loop *lp = a->x->cfg->lp;
	const regex_t *re = a->x->cfg->re;

	if (expect_start(&a->xj, re, a->rbuf, a->rlen) == -1)
		return match_done(a, expect_match(re, a->rbuf, a->rlen));
	a->xio.fd = a->xj.fd;
	a->xio.fn = match_io;
	a->xio.arg = a;
	if (loop_watch(lp, &a->xio, LOOP_READ) == -1) {
		expect_cancel(&a->xj);
		return match_done(a, -1);
	}
	TRACE(a, "expect: matching %zu bytes in child pid %d", a->rlen,
	    (int)a->xj.pid);
	loop_unwatch(lp, &a->io);
	a->ph = DA_MATCH;
	return 1;
}

/* The options of proto_judge() for a's dialer; host is room for Host. */
static void
proto_opts_of(const struct dial_att *a, struct proto_opts *o, char *host,
    size_t hostlen)
{
	const struct dialx_dialer *d = a->x;
	const struct dial_cfg *cfg = d->cfg;
	int v6 = d->host != NULL && strchr(d->host, ':') != NULL;

	memset(o, 0, sizeof(*o));
	o->proto = cfg->proto;
	o->http_path = cfg->http_path;
	o->http_status = cfg->http_status;
	o->nhttp_status = cfg->nhttp_status;
	o->user = cfg->user;
	if (d->host == NULL)
		snprintf(host, hostlen, "localhost");
	else if (d->port == 80)
		snprintf(host, hostlen, "%s%s%s", v6 ? "[" : "", d->host,
		    v6 ? "]" : "");
	else
		snprintf(host, hostlen, "%s%s%s:%d", v6 ? "[" : "", d->host,
		    v6 ? "]" : "", d->port);
	o->host = host;
}

/* The verdict in a->pr ends the attempt. */
static void
proto_finish(struct dial_att *a)
{
	const struct proto_res *pr = a->pr;

	if (pr->v == PV_READY)
		a->x->finish(a, 1, ST_NONE, 0, 0);
	else if (pr->v == PV_NOT_READY)
		a->x->finish(a, 0, ST_EXPECT, 0, DX_NOT_READY);
	else if (pr->kind == PK_CLOSED && a->jlen == 0)
		a->x->finish(a, 0, ST_RECV, 0, DX_PEER_CLOSED);
	else
		a->x->finish(a, 0, ST_EXPECT, 0, DX_PROTO_REPLY);
}

/* Sends what the goodbye says now, once, without waiting. */
static void
bye_send(struct dial_att *a, const char *out, size_t n)
{
	ssize_t w;

	if (n == 0)
		return;
	w = send(a->io.fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	TRACE(a, "%s: goodbye: %zd of %zu bytes sent",
	    proto_str(a->x->cfg->proto), w, n);
}

/*
 * After a read (eof: the peer closed): judges the reply so far, and once
 * there is a verdict says goodbye as the protocol wants. Returns 1 when
 * the reading is over (the attempt ended, or waits in DA_BYE).
 */
static int
proto_step(struct dial_att *a, int eof)
{
	const struct dial_cfg *cfg = a->x->cfg;
	struct proto_opts o;
	char host[300], out[PROTO_REQ_MAX];
	size_t outlen;
	int more;

	proto_opts_of(a, &o, host, sizeof(host));
	if (a->ph == DA_RECV) {
		if (proto_judge(&o, a->rbuf, a->rlen, eof, a->pr) == PV_MORE)
			return 0;
		a->jlen = a->rlen;
		TRACE(a, "%s: %s: %s%s%s", proto_str(cfg->proto),
		    a->pr->v == PV_READY ? "ready" : a->pr->v == PV_NOT_READY ?
		    "not ready" : "failed", a->pr->said, a->pr->note[0] ?
		    "; " : "", a->pr->note);
		if (eof) {
			proto_finish(a);
			return 1;
		}
		a->ph = DA_BYE;
		loop_timer_cancel(cfg->lp, &a->tm);
		a->x->arm(a, cfg->timeout_ms < DIAL_BYE_MS ?
		    cfg->timeout_ms : DIAL_BYE_MS);
	} else if (eof) {
		proto_finish(a);
		return 1;
	}
	more = proto_bye(&o, a->pr, a->rbuf, a->rlen, &a->bye_step, out,
	    &outlen);
	bye_send(a, out, outlen);
	if (!more || a->rlen >= PROTO_REPLY_MAX) {
		proto_finish(a);
		return 1;
	}
	return 0;
}

void
dialx_proto_timer(struct dial_att *a)
{
	if (a->ph == DA_BYE) {
		/* no goodbye came: the verdict stands, whole (the deadline
		 * cut the goodbye, not the answer) */
		a->cut = 0;
		proto_finish(a);
		return;
	}
	/* nothing, or not a whole answer, within -t: what came is quoted
	 * as if the server had closed there */
	if (a->rlen > 0) {
		struct proto_opts o;
		char host[300];

		proto_opts_of(a, &o, host, sizeof(host));
		(void)proto_judge(&o, a->rbuf, a->rlen, 1, a->pr);
	}
	TRACE(a, "%s: %zu bytes and no whole answer within %lld ms",
	    proto_str(a->x->cfg->proto), a->rlen,
	    (long long)a->x->cfg->timeout_ms);
	a->x->finish(a, 0, ST_RECV, 0, DX_PROTO_SILENT);
}

void
dialx_proto_start(struct dial_att *a)
{
	const struct dial_cfg *cfg = a->x->cfg;
	struct proto_opts o;
	char host[300], req[PROTO_REQ_MAX];
	long n;

	a->pr = calloc(1, sizeof(*a->pr));
	if (a->pr == NULL) {
		a->x->finish(a, 0, ST_RECV, ENOMEM, 0);
		return;
	}
	proto_opts_of(a, &o, host, sizeof(host));
	n = proto_request(&o, req, sizeof(req));
	if (n > 0)
		a->req = malloc((size_t)n);
	if (n < 0 || (n > 0 && a->req == NULL)) {
		/* the options were checked: only memory is short here */
		a->x->finish(a, 0, ST_SEND, ENOMEM, 0);
		return;
	}
	if (n == 0) {
		TRACE(a, "%s: waiting for the server's greeting",
		    proto_str(cfg->proto));
		dialx_recv_start(a);
		return;
	}
	memcpy(a->req, req, (size_t)n);
	a->reqlen = (size_t)n;
	a->ph = DA_SEND;
	(void)loop_watch(cfg->lp, &a->io, LOOP_WRITE);
	a->x->arm(a, cfg->timeout_ms);
	dialx_send(a);
}

void
dialx_cut(struct dial_att *a)
{
	(void)match_done(a, -1);
}

void
dialx_recv_start(struct dial_att *a)
{
	const struct dial_cfg *cfg = a->x->cfg;

	a->ph = DA_RECV;
	(void)loop_watch(cfg->lp, &a->io, LOOP_READ);
	a->x->arm(a, cfg->re != NULL || cfg->proto != PROTO_NONE ?
	    cfg->timeout_ms :
	    (cfg->timeout_ms < DIAL_SEND_GRACE_MS ? cfg->timeout_ms :
	    DIAL_SEND_GRACE_MS));
}

void
dialx_send(struct dial_att *a)
{
	const struct dial_cfg *cfg = a->x->cfg;
	const char *s = a->req != NULL ? a->req : cfg->send;
	size_t len = a->req != NULL ? a->reqlen : cfg->sendlen;
	ssize_t n;

	while (a->sent < len) {
		n = send(a->io.fd, s + a->sent, len - a->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			a->x->finish(a, 0, ST_SEND, errno, 0);
			return;
		}
		a->sent += (size_t)n;
	}
	TRACE(a, "send: %zu bytes%s", a->sent,
	    dialx_state_of(a->io.fd));
	loop_timer_cancel(cfg->lp, &a->tm);
	dialx_recv_start(a);
}

void
dialx_recv(struct dial_att *a)
{
	const struct dial_cfg *cfg = a->x->cfg;
	int have_re = cfg->re != NULL;
	size_t max = cfg->proto != PROTO_NONE ? PROTO_REPLY_MAX :
	    DIAL_RECV_MAX;
	ssize_t n;

	for (;;) {
		if (cfg->proto != PROTO_NONE && a->rlen >= max) {
			proto_step(a, 0);
			return;
		}
		if (a->rlen >= DIAL_RECV_MAX) {
			/* no match in what a reply may sensibly hold */
			a->x->finish(a, !have_re, ST_EXPECT, 0,
			    DX_EXPECT_MISMATCH);
			return;
		}
		n = recv(a->io.fd, a->rbuf + a->rlen, max - a->rlen,
		    MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1 && a->ph == DA_BYE) {
			proto_finish(a);	/* the verdict stands */
			return;
		}
		if (n == -1) {
			a->x->finish(a, 0, ST_RECV, errno, 0);
			return;
		}
		if (n == 0) {
			TRACE(a, "recv: EOF after %zu bytes%s",
			    a->rlen, dialx_state_of(a->io.fd));
			if (cfg->proto != PROTO_NONE)
				proto_step(a, 1);
			else if (have_re)
				a->x->finish(a, 0, ST_EXPECT, 0,
				    DX_EXPECT_CLOSED);
			else if (a->rlen == 0)
				a->x->finish(a, 0, ST_RECV, 0,
				    DX_PEER_CLOSED);
			else
				a->x->finish(a, 1, ST_NONE, 0, 0);
			return;
		}
		a->rlen += (size_t)n;
		a->rbuf[a->rlen] = '\0';
		TRACE(a, "recv: %zd bytes%s", n,
		    dialx_state_of(a->io.fd));
		if (have_re && match(a))
			return;
		if (cfg->proto != PROTO_NONE && proto_step(a, 0))
			return;
	}
}
