/*
 * The send/expect exchange of one attempt of lib/core/dial: send, read the
 * reply, and match it against --expect without holding up the loop.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>

#include "reason.h"
#include "dial.h"
#include "dialpriv.h"
#include "expect.h"

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
		TRACE(a->d, "expect: matched");
	else
		TRACE(a->d, "expect: matching %zu bytes did not end within "
		    "the time limit", a->rlen);
	dial_att_finish(a, m == 1, m == 1 ? ST_NONE : ST_EXPECT, 0,
	    m == 1 ? 0 : DX_EXPECT_CUT);
	return 1;
}

/* The match child has answered (or died): on with the attempt. */
static void
match_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct dial_att *a = io->arg;
	struct dial *d = a->d;
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
	dial_after(d);
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
	struct loop *lp = a->d->cfg->lp;
	const regex_t *re = a->d->cfg->re;

	if (expect_start(&a->xj, re, a->rbuf, a->rlen) == -1)
		return match_done(a, expect_match(re, a->rbuf, a->rlen));
	a->xio.fd = a->xj.fd;
	a->xio.fn = match_io;
	a->xio.arg = a;
	if (loop_watch(lp, &a->xio, LOOP_READ) == -1) {
		expect_cancel(&a->xj);
		return match_done(a, -1);
	}
	TRACE(a->d, "expect: matching %zu bytes in child pid %d", a->rlen,
	    (int)a->xj.pid);
	loop_unwatch(lp, &a->io);
	a->ph = DA_MATCH;
	return 1;
}

void
dialx_cut(struct dial_att *a)
{
	(void)match_done(a, -1);
}

void
dialx_recv_start(struct dial_att *a)
{
	struct dial_cfg *cfg = a->d->cfg;

	a->ph = DA_RECV;
	(void)loop_watch(cfg->lp, &a->io, LOOP_READ);
	dial_att_arm(a, cfg->re != NULL ? cfg->timeout_ms :
	    (cfg->timeout_ms < DIAL_SEND_GRACE_MS ? cfg->timeout_ms :
	    DIAL_SEND_GRACE_MS));
}

void
dialx_send(struct dial_att *a)
{
	struct dial_cfg *cfg = a->d->cfg;
	ssize_t n;

	while (a->sent < cfg->sendlen) {
		n = send(a->io.fd, cfg->send + a->sent, cfg->sendlen - a->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			dial_att_finish(a, 0, ST_SEND, errno, 0);
			return;
		}
		a->sent += (size_t)n;
	}
	TRACE(a->d, "send: %zu bytes%s", a->sent,
	    dial_state_of(a->io.fd));
	loop_timer_cancel(cfg->lp, &a->tm);
	dialx_recv_start(a);
}

void
dialx_recv(struct dial_att *a)
{
	struct dial_cfg *cfg = a->d->cfg;
	int have_re = cfg->re != NULL;
	ssize_t n;

	for (;;) {
		if (a->rlen >= DIAL_RECV_MAX) {
			/* no match in what a reply may sensibly hold */
			dial_att_finish(a, !have_re, ST_EXPECT, 0,
			    DX_EXPECT_MISMATCH);
			return;
		}
		n = recv(a->io.fd, a->rbuf + a->rlen, DIAL_RECV_MAX - a->rlen,
		    MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			dial_att_finish(a, 0, ST_RECV, errno, 0);
			return;
		}
		if (n == 0) {
			TRACE(a->d, "recv: EOF after %zu bytes%s",
			    a->rlen, dial_state_of(a->io.fd));
			if (have_re)
				dial_att_finish(a, 0, ST_EXPECT, 0,
				    DX_EXPECT_CLOSED);
			else if (a->rlen == 0)
				dial_att_finish(a, 0, ST_RECV, 0,
				    DX_PEER_CLOSED);
			else
				dial_att_finish(a, 1, ST_NONE, 0, 0);
			return;
		}
		a->rlen += (size_t)n;
		a->rbuf[a->rlen] = '\0';
		TRACE(a->d, "recv: %zd bytes%s", n,
		    dial_state_of(a->io.fd));
		if (have_re && match(a))
			return;
	}
}
