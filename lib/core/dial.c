#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "dial.h"
#include "errname.h"
#include "expect.h"
#include "procnet.h"
#include "reason.h"
#include "resolve.h"
#include "sock.h"
#include "unixsock.h"

#define TRACE(d, ...) do {						\
	if ((d)->cfg->trace != NULL)					\
		dial_trace((d), __VA_ARGS__);				\
} while (0)

static void	round_check(struct dial *);
static void	start_next(struct dial *);
static void	att_timer(struct loop *, struct loop_timer *);
static void	dial_trace(const struct dial *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* One trace line, "LABEL: ...", to the run's trace callback. */
static void
dial_trace(const struct dial *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->cfg->trace(d->cfg->trace_arg, "%s: %s", d->label, buf);
}

static double
ms_between(int64_t a, int64_t b)
{
	return (double)(b - a) / 1e6;
}

static const char *
err_word(int err)
{
	return errname(err) ? errname(err) : strerror(err);
}

/* Calls the run's after callback: an event of d's was handled. */
static void
dial_after(struct dial *d)
{
	if (d->cfg->after != NULL)
		d->cfg->after(d->cfg->after_arg);
}

int
dial_deadline_passed(const struct dial_cfg *cfg)
{
	/* the loop's timers count whole milliseconds, so the last one
	 * counts as passed: a sleep of 0 ms would spin */
	return cfg->deadline_ns != 0 && clock_ns() + 1000000 >
	    cfg->deadline_ns;
}

/* ms, or what is left of the deadline when that is less (*cut set). */
static int64_t
limit_ms(const struct dial_cfg *cfg, int64_t ms, int *cut)
{
	int64_t left;

	*cut = 0;
	if (cfg->deadline_ns == 0)
		return ms;
	left = (cfg->deadline_ns - clock_ns() + 999999) / 1000000;
	if (left < ms) {
		*cut = 1;
		return left > 0 ? left : 0;
	}
	return ms;
}

static void
att_close(struct dial_att *a)
{
	struct loop *lp = a->d->cfg->lp;

	loop_timer_cancel(lp, &a->tm);
	if (a->xj.pid > 0) {
		loop_unwatch(lp, &a->xio);
		expect_cancel(&a->xj);	/* killed and reaped */
	}
	if (a->io.fd != -1) {
		loop_unwatch(lp, &a->io);
		close(a->io.fd);
		a->io.fd = -1;
	}
}

/* With a trace: close in the open (lib/core/sock), tracing each TCP state. */
static void
trace_close(struct dial_att *a)
{
	struct dial *d = a->d;
	int fd = a->io.fd;

	loop_timer_cancel(d->cfg->lp, &a->tm);
	loop_unwatch(d->cfg->lp, &a->io);
	a->io.fd = -1;
	if (a->sa.ss_family == AF_UNIX) {
		TRACE(d, "close(fd %d)", fd);
		close(fd);
		return;
	}
	sock_close_traced(fd, d->cfg->proc_root, d->cfg->trace,
	    d->cfg->trace_arg, d->label);
}

/* The attempt is over: ok, or failed at stage st with err (or dx). */
static void
dial_att_finish(struct dial_att *a, int ok, enum stage st, int err, int dx)
{
	struct dial *d = a->d;
	char h[ADDRSTR_MAX];

	a->end_ns = clock_ns();
	a->ok = ok;
	a->stage = st;
	a->err = err;
	a->dx = dx;
	a->ph = DA_DONE;
	if (!ok && a->io.fd != -1 && d->cfg->trace != NULL) {
		if (st == ST_CONNECT)
			sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h));
		TRACE(d, "%s%s%s%s: %s after %.3f ms%s",
		    stage_name(st), st == ST_CONNECT ? "(" : "",
		    st == ST_CONNECT ? h : "", st == ST_CONNECT ? ")" : "",
		    err ? (errname(err) ? errname(err) : "error") :
		    reason_dx_name(dx), ms_between(a->start_ns, a->end_ns),
		    dialx_state_of(a->io.fd));
		TRACE(d, "close(fd %d)", a->io.fd);
	}
	if (ok && d->cfg->trace != NULL && a->io.fd != -1)
		trace_close(a);
	att_close(a);
	if (!d->in_start)
		round_check(d);
}

/* Arms the attempt's timer for ms, or what is left of the deadline. */
static void
dial_att_arm(struct dial_att *a, int64_t ms)
{
	struct dial_cfg *cfg = a->d->cfg;
	int cut;

	a->tm.fn = att_timer;
	a->tm.arg = a;
	ms = limit_ms(cfg, ms, &cut);
	a->cut_armed = cut;
	(void)loop_timer_set(cfg->lp, &a->tm, ms);
}

/* Abandons the other attempts of a round once win has connected. */
static void
abandon_others(struct dial *d, struct dial_att *win)
{
	for (int i = 0; i < d->r.nstarted; i++) {
		struct dial_att *a = &d->r.att[i];

		if (a == win || a->ph == DA_DONE)
			continue;
		a->abandoned = 1;
		a->end_ns = clock_ns();
		a->ph = DA_DONE;
		a->stage = ST_CONNECT;
		a->err = ETIMEDOUT;
		att_close(a);
	}
}

static void
established(struct dial_att *a)
{
	struct dial *d = a->d;
	struct dial_cfg *cfg = d->cfg;
	char h[ADDRSTR_MAX];
	int st;

	a->est_ns = clock_ns();
	if (a->sa.ss_family == AF_UNIX) {
		a->has_peer = usock_peer(a->io.fd, cfg->proc_root ?
		    cfg->proc_root : "/proc", &a->peer) == 0;
		TRACE(d, "connect(%s): connected in %.3f ms, peer pid %d (%s, "
		    "user %s)", sa_fmt((struct sockaddr *)&a->sa, h,
		    sizeof(h)), ms_between(a->start_ns, a->est_ns),
		    a->has_peer ? a->peer.pid : 0, a->has_peer ?
		    a->peer.tcomm : "?", a->has_peer ? a->peer.user : "?");
	} else {
		st = sock_tcp_state(a->io.fd, &a->rtt_ms);
		TRACE(d, "connect(%s): %s in %.3f ms, rtt %.3f ms",
		    sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h)),
		    sock_state_name(st), ms_between(a->start_ns, a->est_ns),
		    a->rtt_ms);
	}
	loop_timer_cancel(cfg->lp, &a->tm);
	if (!cfg->all && d->r.winner < 0) {
		d->r.winner = a->idx;
		loop_timer_cancel(cfg->lp, &d->tm);
		abandon_others(d, a);
	}
	if (cfg->sendlen > 0 || cfg->re != NULL || cfg->proto != PROTO_NONE) {
		a->rbuf = malloc(DIAL_RECV_MAX + 1);
		if (a->rbuf == NULL) {
			dial_att_finish(a, 0, ST_RECV, ENOMEM, 0);
			return;
		}
		a->rbuf[0] = '\0';
		/* the evidence finds this connection at the server's end by
		 * it (still in the listener's accept queue?) */
		if (a->sa.ss_family != AF_UNIX) {
			socklen_t sl = sizeof(a->local);

			if (getsockname(a->io.fd, (struct sockaddr *)&a->local,
			    &sl) == -1)
				a->local.ss_family = AF_UNSPEC;
		}
	}
	if (cfg->proto != PROTO_NONE)
		dialx_proto_start(a);
	else if (cfg->sendlen > 0) {
		a->ph = DA_SEND;
		(void)loop_watch(cfg->lp, &a->io, LOOP_WRITE);
		dial_att_arm(a, cfg->timeout_ms);
		dialx_send(a);
	} else if (cfg->re != NULL)
		dialx_recv_start(a);
	else
		dial_att_finish(a, 1, ST_NONE, 0, 0);
}

static void
connect_failed(struct dial_att *a, int err)
{
	if (a->sa.ss_family == AF_UNIX) {
		/* the same errno means other things for a path */
		dial_att_finish(a, 0, ST_CONNECT, err, usock_dx(ST_CONNECT, err));
		return;
	}
	(void)icmp_read(a->io.fd, &a->icmp);
	dial_att_finish(a, 0, ST_CONNECT, err, 0);
}

static void
att_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct dial_att *a = io->arg;
	struct dial *d = a->d;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)lp;
	switch (a->ph) {
	case DA_CONNECT:
		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0)
			connect_failed(a, err);
		else if (ev & (LOOP_WRITE | LOOP_HUP))
			established(a);
		break;
	case DA_SEND:
		dialx_send(a);
		break;
	case DA_RECV:
	case DA_BYE:
		dialx_recv(a);
		break;
	default:
		break;
	}
	dial_after(d);
}

static void
att_timer(struct loop *lp, struct loop_timer *t)
{
	struct dial_att *a = t->arg;
	struct dial *d = a->d;

	(void)lp;
	a->cut = a->cut_armed;
	switch (a->ph) {
	case DA_CONNECT:
		connect_failed(a, ETIMEDOUT);
		break;
	case DA_SEND:
		dial_att_finish(a, 0, ST_SEND, ETIMEDOUT, 0);
		break;
	case DA_RECV:
		if (d->cfg->proto != PROTO_NONE)
			dialx_proto_timer(a);
		else if (d->cfg->re != NULL)
			dial_att_finish(a, 0, ST_EXPECT, 0, DX_EXPECT_MISMATCH);
		else
			dial_att_finish(a, 1, ST_NONE, 0, 0);
		break;
	case DA_MATCH:
		dialx_cut(a);
		break;
	case DA_BYE:
		dialx_proto_timer(a);
		break;
	default:
		break;
	}
	dial_after(d);
}

/* Starts the attempt to d->r.addrs[i]; it may be over when this returns. */
static void
att_start(struct dial *d, int i)
{
	struct dial_cfg *cfg = d->cfg;
	struct dial_att *a = &d->r.att[i];
	char h[ADDRSTR_MAX];
	socklen_t len;
	int fd, rc, st, err = 0;

	memset(a, 0, sizeof(*a));
	a->d = d;
	a->x = &d->x;
	a->idx = i;
	a->io.fd = -1;
	a->xj.fd = -1;
	a->io.fn = att_io;
	a->io.arg = a;
	a->rtt_ms = NAN;
	a->sa = d->r.addrs[i];
	a->start_ns = clock_ns();
	a->ph = DA_CONNECT;
	d->r.nstarted = i + 1;
	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, a->sa.ss_family == AF_UNIX ? 0 : IPPROTO_TCP);
	if (fd == -1) {
		err = errno;
		TRACE(d, "socket(%s, SOCK_STREAM): %s",
		    sock_family_name(a->sa.ss_family), err_word(err));
		a->immediate = 1;
		dial_att_finish(a, 0, ST_SOCKET, err, 0);
		return;
	}
	a->io.fd = fd;
	TRACE(d, "socket(%s, SOCK_STREAM) = fd %d%s",
	    sock_family_name(a->sa.ss_family), fd, dialx_state_of(fd));
	if (a->sa.ss_family == AF_UNIX)
		goto dial;
	rc = icmp_enable(fd, a->sa.ss_family);
	err = errno;
	TRACE(d, "setsockopt(%s, on): %s%s",
	    a->sa.ss_family == AF_INET6 ? "IPV6_RECVERR" : "IP_RECVERR",
	    rc == 0 ? "ok (ICMP errors are queued)" : err_word(err),
	    dialx_state_of(fd));
dial:
	err = 0;
	d->connects++;
	rc = connect(fd, (struct sockaddr *)&a->sa,
	    sa_len((struct sockaddr *)&a->sa));
	if (rc == 0) {
		established(a);
		return;
	}
	if (errno != EINPROGRESS) {
		a->immediate = 1;
		connect_failed(a, errno);
		return;
	}
	/*
	 * On loopback the handshake, or the reset, is mostly over before
	 * connect() returns: then there is nothing to wait for. A pending
	 * error means the connection is closed (a reset, or a hard ICMP
	 * error); soft ICMP errors do not show here.
	 */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0) {
		connect_failed(a, err);
		return;
	}
	st = sock_tcp_state(fd, NULL);
	/* CLOSE_WAIT: connected, and the peer has already closed */
	if (st == PN_ESTABLISHED || st == PN_CLOSE_WAIT) {
		established(a);
		return;
	}
	TRACE(d, "connect(%s): in progress (EINPROGRESS)%s",
	    sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h)),
	    sock_state_name(st));
	if (loop_watch(cfg->lp, &a->io, LOOP_WRITE) == -1) {
		dial_att_finish(a, 0, ST_CONNECT, errno, 0);
		return;
	}
	dial_att_arm(a, cfg->timeout_ms);
}

int
dial_running(const struct dial *d)
{
	int n = 0;

	if (d->st != DS_CONNECTING || d->r.att == NULL)
		return 0;
	for (int i = 0; i < d->r.nstarted; i++)
		n += d->r.att[i].ph != DA_DONE;
	return n;
}

/* Happy Eyeballs: starts the next address now, and arms the delay. */
static void
start_next(struct dial *d)
{
	struct dial_round *r = &d->r;

	d->in_start++;
	while (r->winner < 0 && r->nstarted < r->naddr) {
		if (r->nstarted > 0 && dial_deadline_passed(d->cfg)) {
			r->cut = 1;
			r->naddr = r->nstarted;
			break;
		}
		att_start(d, r->nstarted);
		if (r->winner >= 0 || dial_running(d) > 0)
			break;
	}
	d->in_start--;
	if (r->winner < 0 && r->nstarted < r->naddr && dial_running(d) > 0)
		(void)loop_timer_set(d->cfg->lp, &d->tm, DIAL_HE_DELAY_MS);
}

/* Ends the round when nothing is left running in it. */
static void
round_check(struct dial *d)
{
	if (d->in_start)
		return;
	if (d->st == DS_RESOLVING && d->rq != NULL)
		return;
	if (d->st != DS_RESOLVING && d->st != DS_CONNECTING)
		return;
	if (d->st == DS_CONNECTING && d->r.att != NULL) {
		if (!d->cfg->all && d->r.winner < 0 &&
		    d->r.nstarted < d->r.naddr && dial_running(d) == 0)
			start_next(d);
		if (dial_running(d) > 0)
			return;
	}
	loop_timer_cancel(d->cfg->lp, &d->tm);
	d->st = DS_DONE;
	d->done(d, d->done_arg);
}

static void
dial_timer(struct loop *lp, struct loop_timer *t)
{
	struct dial *d = t->arg;

	(void)lp;
	if (d->st == DS_RESOLVING) {
		rs_abandon(d->rq);
		d->rq = NULL;
		d->cfg->rs_abandoned = 1;
		d->r.rs_cut = 1;
		d->r.cut = dial_deadline_passed(d->cfg) && clock_ns() -
		    d->r.rs_ns < d->cfg->timeout_ms * 1000000;
		TRACE(d, "resolve: no answer within %.0f ms",
		    ms_between(d->r.rs_ns, clock_ns()));
		round_check(d);
	} else if (d->st == DS_CONNECTING) {
		start_next(d);
		round_check(d);
	}
	dial_after(d);
}

/* The addresses of res in the order they are tried, with the port. */
static void
take_addrs(struct dial *d, struct addrinfo *res)
{
	d->r.naddr = d->cfg->all ? rs_addrs(res, d->port, d->r.addrs,
	    DIAL_MAX_ADDRS) : rs_interleave(res, d->port, d->r.addrs,
	    DIAL_MAX_ADDRS);
}

static void
connect_begin(struct dial *d)
{
	d->st = DS_CONNECTING;
	d->r.winner = -1;
	d->r.nstarted = 0;
	d->r.att = calloc((size_t)d->r.naddr, sizeof(*d->r.att));
	if (d->r.att == NULL) {
		/* reported like a resolver out of memory: no address tried */
		d->r.naddr = 0;
		d->r.eai = EAI_SYSTEM;
		d->r.eai_err = ENOMEM;
		round_check(d);
		return;
	}
	for (int i = 0; i < d->r.naddr; i++)
		d->r.att[i].io.fd = d->r.att[i].xj.fd = -1;
	if (d->cfg->all) {
		d->in_start++;
		for (int i = 0; i < d->r.naddr; i++)
			att_start(d, i);
		d->in_start--;
	} else
		start_next(d);
	round_check(d);
}

static void
resolved(struct dial *d, struct addrinfo *res, int eai, int err,
    int64_t end_ns)
{
	char list[256], h[ADDRSTR_MAX];
	size_t m = 0;

	d->r.resolve_ms = ms_between(d->r.rs_ns, end_ns);
	d->r.eai = eai;
	d->r.eai_err = err;
	if (eai == 0)
		take_addrs(d, res);
	if (res != NULL)
		freeaddrinfo(res);
	if (eai != 0) {
		TRACE(d, "resolve %s: %s after %.3f ms", d->host,
		    eai_name(eai) ? eai_name(eai) : gai_strerror(eai),
		    d->r.resolve_ms);
		d->st = DS_CONNECTING;
		round_check(d);
		return;
	}
	if (d->cfg->trace != NULL) {
		list[0] = '\0';
		for (int i = 0; i < d->r.naddr && m < sizeof(list); i++)
			m += (size_t)snprintf(list + m, sizeof(list) - m,
			    "%s%s", i ? ", " : "", sa_fmt_host((struct sockaddr
			    *)&d->r.addrs[i], h, sizeof(h)));
		TRACE(d, "resolve %s: %d address%s in %.3f ms: %s", d->host,
		    d->r.naddr, d->r.naddr == 1 ? "" : "es", d->r.resolve_ms,
		    list);
	}
	if (d->r.naddr == 0) {
		d->st = DS_CONNECTING;
		round_check(d);
		return;
	}
	connect_begin(d);
}

void
dial_init(struct dial *d, struct dial_cfg *cfg, const char *host, int port,
    const char *label, dial_done_fn *done, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->host = host;
	d->port = port;
	d->label = label;
	d->done = done;
	d->done_arg = arg;
	d->r.resolve_ms = NAN;
	d->r.winner = -1;
	d->tm.fn = dial_timer;
	d->tm.arg = d;
	d->x.cfg = cfg;
	d->x.label = label;
	d->x.host = host;
	d->x.port = port;
	d->x.finish = dial_att_finish;
	d->x.arm = dial_att_arm;
}

void
dial_set_unix(struct dial *d, const struct sockaddr_storage *un)
{
	d->un = un;
	d->x.host = NULL;	/* no host name to send (HTTP's Host) */
}

void
dial_round(struct dial *d)
{
	struct dial_cfg *cfg = d->cfg;
	struct sockaddr_storage ss;
	struct addrinfo *res = NULL;
	int eai, cut;

	dial_round_free(&d->r);
	memset(&d->r, 0, sizeof(d->r));
	d->r.winner = -1;
	d->r.resolve_ms = NAN;
	d->r.rs_ns = clock_ns();
	/* only the dialers in flight hold addresses: a sweep of 10 000
	 * targets does not keep 2 KiB for each */
	d->r.addrs = reallocarray(NULL, DIAL_MAX_ADDRS, sizeof(*d->r.addrs));
	if (d->r.addrs == NULL) {
		/* reported like a resolver out of memory */
		d->r.eai = EAI_SYSTEM;
		d->r.eai_err = ENOMEM;
		d->st = DS_CONNECTING;
		round_check(d);
		return;
	}
	if (d->un != NULL) {
		/* a Unix socket: its address is its name */
		d->r.numeric = 1;
		d->r.resolve_ms = ms_between(d->r.rs_ns, clock_ns());
		d->r.addrs[0] = *d->un;
		d->r.naddr = 1;
		connect_begin(d);
		return;
	}
	if (sa_from_numeric(d->host, d->port, &ss) == 0) {
		/* an address literal: no resolver, no NSS */
		d->r.numeric = 1;
		d->r.resolve_ms = ms_between(d->r.rs_ns, clock_ns());
		if (cfg->family == AF_UNSPEC || cfg->family == ss.ss_family) {
			d->r.addrs[0] = ss;
			d->r.naddr = 1;
			connect_begin(d);
		} else {
			d->st = DS_CONNECTING;
			round_check(d);
		}
		return;
	}
	d->st = DS_RESOLVING;
	d->rq = rs_start(d->host, cfg->family, cfg->rs_wfd);
	if (d->rq == NULL) {
		/* no thread to be had: resolve here */
		TRACE(d, "no resolver thread (%s); resolving %s inline, not "
		    "bounded by -t", strerror(errno), d->host);
		eai = rs_sync(d->host, cfg->family, &res);
		resolved(d, res, eai, eai == EAI_SYSTEM ? errno : 0,
		    clock_ns());
		return;
	}
	(void)loop_timer_set(cfg->lp, &d->tm, limit_ms(cfg, cfg->timeout_ms,
	    &cut));
}

int
dial_collect(struct dial *d)
{
	struct addrinfo *res;
	int64_t end;
	int eai, err;

	if (d->st != DS_RESOLVING || d->rq == NULL)
		return 0;
	if (!rs_collect(d->rq, &res, &eai, &err, &end))
		return 0;
	d->rq = NULL;
	loop_timer_cancel(d->cfg->lp, &d->tm);
	resolved(d, res, eai, err, end);
	return 1;
}

void
dial_take(struct dial *d, struct dial_round *out)
{
	*out = d->r;
	/* the addresses stay with d (freed here); the attempts, each with
	 * its address, move to out */
	free(d->r.addrs);
	out->addrs = NULL;
	d->r.addrs = NULL;
	d->r.att = NULL;
	d->r.nstarted = 0;
}

void
dial_round_free(struct dial_round *rd)
{
	free(rd->addrs);
	rd->addrs = NULL;
	if (rd->att == NULL)
		return;
	for (int i = 0; i < rd->nstarted; i++) {
		att_close(&rd->att[i]);
		free(rd->att[i].rbuf);
		free(rd->att[i].pr);
		free(rd->att[i].req);
	}
	free(rd->att);
	rd->att = NULL;
	rd->nstarted = 0;
}
