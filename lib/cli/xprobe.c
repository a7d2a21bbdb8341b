/*
 * The exporter's /probe: parsing the request, running one probe on the
 * loop, and its families. See xprobe.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "dur.h"
#include "errname.h"
#include "esc.h"
#include "evconn.h"
#include "evround.h"
#include "evdns.h"
#include "expect.h"
#include "sock.h"
#include "xprobe.h"

/*
 * The modules, and the one place that says which this build has: the
 * --proto checks (lib/core/proto) are a connect whose dialer speaks the
 * protocol's first exchange; a module marked unavailable is a 400.
 */
static const struct xp_mod {
	const char	*name;
	enum xp_module	 m;
	enum proto	 proto;
	int		 available;
} mods[] = {
	{ "connect", XP_CONNECT, PROTO_NONE, 1 },
	{ "udp", XP_UDP, PROTO_NONE, 1 },
	{ "bind", XP_BIND, PROTO_NONE, 1 },
	{ "http", XP_CONNECT, PROTO_HTTP, 1 },
	{ "redis", XP_CONNECT, PROTO_REDIS, 1 },
	{ "postgres", XP_CONNECT, PROTO_POSTGRES, 1 },
	{ "mysql", XP_CONNECT, PROTO_MYSQL, 1 },
	{ "smtp", XP_CONNECT, PROTO_SMTP, 1 },
};

static const char *const params[] = { "target", "module", "send", "expect",
	"http_path", "timeout", NULL };

#define UDP_DEFAULT	"sockctl exporter probe\n"
#define UDP_RECV_MAX	65536

/* Whether --allow lets target through. */
static int
allowed(const struct xprobe_env *env, const char *target)
{
	for (int i = 0; i < env->nallow; i++)
		if (fnmatch(env->allow[i], target, 0) == 0)
			return 1;
	return 0;
}

/* Whether s may be sent as an HTTP path: from '/', printable, no space. */
static int
good_path(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
module_of(const char *name, struct xp_params *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (strcmp(mods[i].name, name) != 0)
			continue;
		if (!mods[i].available) {
			snprintf(err, errlen, "module %s is not available in "
			    "this build (it comes with --proto)", name);
			return 400;
		}
		p->module = mods[i].m;
		p->proto = mods[i].proto;
		snprintf(p->module_name, sizeof(p->module_name), "%s", name);
		return 0;
	}
	snprintf(err, errlen, "unknown module '%.40s' (connect, udp, bind, "
	    "http, redis, postgres, mysql, smtp)", name);
	return 400;
}

/* The time limit: -t, timeout=, the scrape timeout less 0.5 s; least. */
static int
limit_of(const struct http_req *rq, const char *tparam, int64_t def_ms,
    struct xp_params *p, char *err, size_t errlen)
{
	p->limit_ms = def_ms;
	snprintf(p->limit_from, sizeof(p->limit_from), "-t");
	if (tparam[0] != '\0') {
		int64_t ms;

		if (dur_parse(tparam, &ms) != 0 || ms <= 0) {
			snprintf(err, errlen, "invalid duration '%.40s' for "
			    "timeout (expected e.g. 250ms, 5s, 2m)", tparam);
			return 400;
		}
		if (ms < p->limit_ms) {
			p->limit_ms = ms;
			snprintf(p->limit_from, sizeof(p->limit_from),
			    "timeout");
		}
	}
	if (rq->scrape_timeout > 0) {
		/* 0.5 s is kept for the answer to reach Prometheus; a
		 * scrape timeout shorter than that leaves half of it */
		double s = rq->scrape_timeout > 1 ? rq->scrape_timeout - 0.5 :
		    rq->scrape_timeout / 2;
		int64_t ms = (int64_t)(s * 1000);

		if (ms < 1)
			ms = 1;
		if (ms < p->limit_ms) {
			p->limit_ms = ms;
			snprintf(p->limit_from, sizeof(p->limit_from),
			    "scrape timeout");
		}
	}
	return 0;
}

int
xprobe_parse(const struct xprobe_env *env, const struct http_req *rq,
    int64_t def_ms, struct xp_params *p, char *err, size_t errlen)
{
	char mod[32], tparam[64], send[XPROBE_ARG_MAX], e2[200];
	int r, flags;

	memset(p, 0, sizeof(*p));
	if (http_query_known(rq->query, params, err, errlen) == -1)
		return 400;
	if ((r = http_query(rq->query, "target", p->target, sizeof(p->target),
	    err, errlen)) <= 0) {
		if (r == 0 || p->target[0] == '\0')
			snprintf(err, errlen, "missing parameter 'target' "
			    "(HOST:PORT, [IPV6]:PORT or a Unix path)");
		return 400;
	}
	if (p->target[0] == '\0') {
		snprintf(err, errlen, "missing parameter 'target' (HOST:PORT, "
		    "[IPV6]:PORT or a Unix path)");
		return 400;
	}
	r = http_query(rq->query, "module", mod, sizeof(mod), err, errlen);
	if (r < 0)
		return 400;
	if (r == 0 || mod[0] == '\0')
		snprintf(mod, sizeof(mod), "connect");
	if ((r = module_of(mod, p, err, errlen)) != 0)
		return r;
	if (http_query(rq->query, "timeout", tparam, sizeof(tparam), err,
	    errlen) < 0 || http_query(rq->query, "http_path", p->http_path,
	    sizeof(p->http_path), err, errlen) < 0 ||
	    http_query(rq->query, "expect", p->expect, sizeof(p->expect), err,
	    errlen) < 0)
		return 400;
	if ((r = http_query(rq->query, "send", send, sizeof(send), err,
	    errlen)) < 0)
		return 400;
	if (r > 0) {
		long n = esc_decode(send, p->send, e2, sizeof(e2));

		if (n < 0) {
			snprintf(err, errlen, "send: %s", e2);
			return 400;
		}
		p->sendlen = (size_t)n;
		p->has_send = 1;
	}
	if (p->http_path[0] != '\0' && p->proto != PROTO_HTTP) {
		snprintf(err, errlen, "http_path is for module http");
		return 400;
	}
	if (p->http_path[0] != '\0' && !good_path(p->http_path)) {
		snprintf(err, errlen, "http_path must start with '/' and have "
		    "no space or control character");
		return 400;
	}
	if (p->proto != PROTO_NONE && (p->has_send || p->expect[0] != '\0')) {
		snprintf(err, errlen, "module %s sends the protocol's own "
		    "request: no send or expect", p->module_name);
		return 400;
	}
	if ((p->has_send || p->expect[0] != '\0') && p->module == XP_BIND) {
		snprintf(err, errlen, "module bind takes no send or expect");
		return 400;
	}
	if ((r = limit_of(rq, tparam, def_ms, p, err, errlen)) != 0)
		return r;
	flags = p->module == XP_UDP ? EP_UDP : p->module == XP_BIND ?
	    EP_PORT_ONLY : 0;
	if (ep_parse(p->target, flags, &p->ep, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "target: %s", e2);
		return 400;
	}
	if (p->ep.is_unix && p->module != XP_CONNECT) {
		snprintf(err, errlen, "module %s takes HOST:PORT, not a Unix "
		    "socket", p->module_name);
		return 400;
	}
	if (p->module == XP_BIND && p->ep.host[0] != '\0' &&
	    sa_from_numeric(p->ep.host, p->ep.port, &p->un) == -1) {
		snprintf(err, errlen, "module bind takes an address, not a "
		    "name ('%.60s')", p->ep.host);
		return 400;
	}
	if (env->nallow > 0 ? !allowed(env, p->target) : p->ep.is_unix) {
		snprintf(err, errlen, p->ep.is_unix && env->nallow == 0 ?
		    "a Unix socket target needs --allow" : "target is not "
		    "allowed by --allow");
		return 403;
	}
	if (p->ep.is_unix && sa_from_unix(p->ep.host, &p->un) == -1) {
		snprintf(err, errlen, "target: the path does not fit sun_path");
		return 400;
	}
	if (p->expect[0] != '\0') {
		if (expect_compile(&p->re, p->expect, e2, sizeof(e2)) == -1) {
			snprintf(err, errlen, "invalid expect pattern: %s", e2);
			return 400;
		}
		p->has_re = 1;
	}
	return 0;
}

void
xprobe_params_free(struct xp_params *p)
{
	if (p->has_re)
		regfree(&p->re);
	p->has_re = 0;
}

/* The end: on the loop, never inside a dialer's callback. */
static void
finish(struct xprobe *x)
{
	if (x->finished)
		return;
	x->finished = 1;
	if (x->end_ns == 0)
		x->end_ns = clock_ns();
	loop_timer_cancel(x->env->lp, &x->guard);
	(void)loop_timer_set(x->env->lp, &x->fin, 0);
}

static void	connect_outcome(struct xprobe *);

static void
fin_timer(struct loop *l, struct loop_timer *t)
{
	struct xprobe *x = t->arg;

	(void)l;
	if (x->conn_done)
		connect_outcome(x);
	x->done(x, x->done_arg);
}

/* Stops a dialer that is still at work: its lookup, its timer, its round. */
static void
stop_dial(struct xprobe *x)
{
	if (!x->dialing)
		return;
	if (x->d.st == DS_RESOLVING && x->d.rq != NULL) {
		rs_abandon(x->d.rq);
		x->d.rq = NULL;
		x->env->rs_abandoned = 1;
	}
	loop_timer_cancel(x->env->lp, &x->d.tm);
	dial_round_free(&x->d.r);
	x->dialing = 0;
}

/* A failure of the probe's own (udp, bind): the table words it. */
static void
failed(struct xprobe *x, enum stage st, int err, int eai, int dx)
{
	struct result r;

	result_init(&r, "exporter");
	r.stage = st;
	r.err = err;
	r.eai = eai;
	r.dx = dx;
	result_diagnose(&r);
	x->ok = 0;
	x->reason = r.reason;
	x->stage = st;
	x->err = err;
	x->eai = eai;
	x->dx = dx;
	snprintf(x->note, sizeof(x->note), "%.*s", (int)strcspn(r.message,
	    "\n"), r.message);
	result_free(&r);
	finish(x);
}

/* connect */

static void
dial_done(struct dial *d, void *arg)
{
	struct xprobe *x = arg;

	dial_round_free(&x->last);
	dial_take(d, &x->last);
	x->dialing = 0;
	x->conn_done = 1;
	finish(x);
}

/* The outcome of the connect round, from its facts (no evidence read). */
static void
connect_outcome(struct xprobe *x)
{
	const struct dial_round *rd = &x->last;
	const struct dial_att *a;
	struct result r;
	char why[128];
	int retry;

	x->resolve_s = isnan(rd->resolve_ms) || rd->numeric ? NAN :
	    rd->resolve_ms / 1000;
	x->ok = evround_outcome(rd, 0, x->p.sendlen > 0 || x->p.has_re ||
	    x->p.proto != PROTO_NONE, &retry, why, sizeof(why));
	result_init(&r, "exporter");
	if (rd->nstarted == 0) {
		evdns_round(&x->env->c->env, x->p.ep.host, rd, &r);
		x->reason = r.reason;
		x->stage = ST_RESOLVE;
		x->eai = r.eai;
		x->err = r.err;
		snprintf(x->note, sizeof(x->note), "%.*s", (int)strcspn(
		    r.message, "\n"), r.message);
		result_free(&r);
		return;
	}
	a = rd->winner >= 0 ? &rd->att[rd->winner] :
	    evround_representative(rd);
	sa_fmt((const struct sockaddr *)&a->sa, x->address,
	    sizeof(x->address));
	if (a->est_ns != 0)
		x->connect_s = (double)(a->est_ns - a->start_ns) / 1e9;
	if (x->ok) {
		x->reason = RS_OK;
		snprintf(x->note, sizeof(x->note), "connected to %s",
		    x->address);
		result_free(&r);
		return;
	}
	r.stage = a->stage;
	r.err = a->err;
	r.dx = a->dx;
	result_diagnose(&r);
	x->reason = evconn_reason(a);
	x->stage = a->stage;
	x->err = a->err;
	x->dx = a->dx;
	snprintf(x->note, sizeof(x->note), "%s: %.*s%s%.80s%s", x->address,
	    (int)strcspn(r.message, "\n"), r.message, a->pr != NULL &&
	    a->pr->said[0] != '\0' ? " (said '" : "", a->pr != NULL ?
	    a->pr->said : "", a->pr != NULL && a->pr->said[0] != '\0' ?
	    "')" : "");
	result_free(&r);
}

static void
start_connect(struct xprobe *x)
{
	struct dial_cfg *dc = &x->dc;

	memset(dc, 0, sizeof(*dc));
	dc->lp = x->env->lp;
	dc->family = x->env->c->env.family;
	dc->timeout_ms = x->p.limit_ms;
	dc->deadline_ns = x->t0_ns + x->p.limit_ms * 1000000;
	if (x->p.sendlen > 0) {
		dc->send = x->p.send;
		dc->sendlen = x->p.sendlen;
	}
	dc->re = x->p.has_re ? &x->p.re : NULL;
	dc->proto = x->p.proto;
	dc->http_path = x->p.http_path[0] != '\0' ? x->p.http_path : NULL;
	dc->rs_wfd = x->env->rs_wfd;
	dc->proc_root = x->env->c->env.proc_root;
	dial_init(&x->d, dc, x->p.ep.host, x->p.ep.port, x->p.target,
	    dial_done, x);
	if (x->p.ep.is_unix)
		dial_set_unix(&x->d, &x->p.un);
	x->dialing = 1;
	dial_round(&x->d);
}

/* udp: one datagram, its reply or an ICMP error, or silence */

static void	udp_send(struct xprobe *x);

/*
 * A failure of the address tried now: the next address the name resolved
 * to, when this one failed at once (an ICMP refusal or unreachable, a
 * family or route this host lacks) and time is left, as probe-connect
 * tries each; else the probe's failure. Silence is not retried: it has
 * spent the probe's time.
 */
static void
udp_fail(struct xprobe *x, enum stage st, int err)
{
	if (sock_udp_next_address(err) && x->iaddr + 1 < x->naddr &&
	    clock_ns() < x->t0_ns + x->p.limit_ms * 1000000) {
		if (x->uio.fd != -1) {
			loop_unwatch(x->env->lp, &x->uio);
			close(x->uio.fd);
			x->uio.fd = -1;
		}
		x->sa = x->addrs[++x->iaddr];
		udp_send(x);
		return;
	}
	failed(x, st, err, 0, 0);
}

static void
udp_io(struct loop *l, struct loop_io *io, int ev)
{
	struct xprobe *x = io->arg;
	char *buf;
	ssize_t n;

	(void)ev;
	if (x->finished)
		return;
	buf = malloc(UDP_RECV_MAX);
	if (buf == NULL) {
		loop_unwatch(l, io);
		failed(x, ST_RECV, ENOMEM, 0, 0);
		return;
	}
	n = recv(io->fd, buf, UDP_RECV_MAX, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		free(buf);
		return;
	}
	loop_unwatch(l, io);
	if (n == -1) {
		udp_fail(x, ST_RECV, errno);
	} else if (x->p.has_re && expect_match(&x->p.re, buf, (size_t)n) !=
	    1) {
		failed(x, ST_EXPECT, 0, 0, DX_EXPECT_MISMATCH);
	} else {
		x->ok = 1;
		x->reason = RS_OK;
		snprintf(x->note, sizeof(x->note), "%zd bytes back from %s%s",
		    n, x->address, x->iaddr > 0 ? " (the addresses before it "
		    "failed)" : "");
		finish(x);
	}
	free(buf);
}

static void
udp_send(struct xprobe *x)
{
	const char *msg = x->p.has_send ? x->p.send : UDP_DEFAULT;
	size_t len = x->p.has_send ? x->p.sendlen : strlen(UDP_DEFAULT);
	int fd;

	sa_fmt((const struct sockaddr *)&x->sa, x->address,
	    sizeof(x->address));
	fd = socket(x->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		udp_fail(x, ST_SOCKET, errno);
		return;
	}
	x->uio.fd = fd;
	if (connect(fd, (struct sockaddr *)&x->sa, sa_len(
	    (struct sockaddr *)&x->sa)) == -1) {
		udp_fail(x, ST_CONNECT, errno);
		return;
	}
	if (send(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		udp_fail(x, ST_SEND, errno);
		return;
	}
	x->uio.fn = udp_io;
	x->uio.arg = x;
	if (loop_watch(x->env->lp, &x->uio, LOOP_READ) == -1)
		failed(x, ST_RECV, errno, 0, 0);
}

void
xprobe_collect(struct xprobe *x)
{
	struct addrinfo *res = NULL;
	int eai, err, n;
	int64_t end;

	if (x->dialing) {
		(void)dial_collect(&x->d);
		return;
	}
	if (x->rq == NULL || rs_collect(x->rq, &res, &eai, &err, &end) == 0)
		return;
	x->rq = NULL;
	x->resolve_s = (double)(end - x->rs_ns) / 1e9;
	if (x->finished) {
		freeaddrinfo(res);
		return;
	}
	if (eai != 0) {
		failed(x, ST_RESOLVE, eai == EAI_SYSTEM ? err : 0, eai, 0);
		return;
	}
	/* in the resolver's order: the first is what probe-udp tries */
	n = rs_addrs(res, x->p.ep.port, x->addrs, XPROBE_UDP_ADDRS);
	freeaddrinfo(res);
	if (n == 0) {
		failed(x, ST_RESOLVE, 0, 0, DX_NO_ADDRESS);
		return;
	}
	x->naddr = n;
	x->sa = x->addrs[0];
	udp_send(x);
}

static void
start_udp(struct xprobe *x)
{
	if (sa_from_numeric(x->p.ep.host, x->p.ep.port, &x->sa) == 0) {
		udp_send(x);
		return;
	}
	x->rs_ns = clock_ns();
	x->rq = rs_start(x->p.ep.host, x->env->c->env.family, x->env->rs_wfd);
	if (x->rq == NULL)
		failed(x, ST_RESOLVE, errno, EAI_SYSTEM, 0);
}

/* bind: the socket, bind() and listen() a server would do; then closed */
static void
start_bind(struct xprobe *x)
{
	struct sock_opts o = { SOCK_STREAM, 1, 1, 0, SOCK_V6_DEFAULT, 0, 1 };
	struct fail f;
	int fd;

	if (x->p.ep.host[0] == '\0')
		(void)sa_from_numeric("0.0.0.0", x->p.ep.port, &x->p.un);
	sa_fmt((const struct sockaddr *)&x->p.un, x->address,
	    sizeof(x->address));
	fail_clear(&f);
	fd = sock_open((const struct sockaddr *)&x->p.un, &o, NULL, &f, NULL,
	    NULL);
	if (fd == -1) {
		failed(x, f.stage, f.err, 0, f.dx);
		return;
	}
	close(fd);
	x->ok = 1;
	x->reason = RS_OK;
	snprintf(x->note, sizeof(x->note), "%s can be bound", x->address);
	finish(x);
}

static void
guard_timer(struct loop *l, struct loop_timer *t)
{
	struct xprobe *x = t->arg;

	(void)l;
	if (x->dialing) {
		/* the dialer keeps its own deadline; past it, stop it */
		stop_dial(x);
		failed(x, ST_CONNECT, ETIMEDOUT, 0, 0);
		return;
	}
	if (x->rq != NULL) {
		rs_abandon(x->rq);
		x->rq = NULL;
		x->env->rs_abandoned = 1;
		failed(x, ST_RESOLVE, ETIMEDOUT, EAI_SYSTEM, 0);
		return;
	}
	if (x->uio.fd != -1)
		loop_unwatch(x->env->lp, &x->uio);
	failed(x, ST_RECV, 0, 0, DX_UDP_SILENCE);
}

void
xprobe_start(struct xprobe *x, struct xprobe_env *env, xprobe_done_fn *done,
    void *arg)
{
	x->env = env;
	x->done = done;
	x->done_arg = arg;
	x->t0_ns = clock_ns();
	x->uio.fd = -1;
	x->resolve_s = NAN;
	x->connect_s = NAN;
	x->reason = RS_ERROR;
	x->fin.fn = fin_timer;
	x->fin.arg = x;
	x->guard.fn = guard_timer;
	x->guard.arg = x;
	x->last.winner = -1;
	/* the dialer and the udp wait end at the limit; the guard, a little
	 * later, ends anything that did not */
	(void)loop_timer_set(env->lp, &x->guard, x->p.limit_ms +
	    (x->p.module == XP_CONNECT ? 250 : 0));
	switch (x->p.module) {
	case XP_CONNECT:
		start_connect(x);
		break;
	case XP_UDP:
		start_udp(x);
		break;
	case XP_BIND:
		start_bind(x);
		break;
	}
}

void
xprobe_free(struct xprobe *x)
{
	loop_timer_cancel(x->env->lp, &x->guard);
	loop_timer_cancel(x->env->lp, &x->fin);
	stop_dial(x);
	if (x->dc.rs_abandoned)
		x->env->rs_abandoned = 1;
	dial_round_free(&x->last);
	if (x->rq != NULL) {
		rs_abandon(x->rq);
		x->rq = NULL;
		x->env->rs_abandoned = 1;
	}
	if (x->uio.fd != -1) {
		loop_unwatch(x->env->lp, &x->uio);
		close(x->uio.fd);
		x->uio.fd = -1;
	}
	xprobe_params_free(&x->p);
}

void
xprobe_cancel(struct xprobe *x)
{
	x->finished = 1;
	xprobe_free(x);
}

void
xprobe_expo(const struct xprobe *x, struct expo *e)
{
	struct om_label l = { "reason", reason_slug(x->reason) };
	double secs = (double)((x->end_ns ? x->end_ns : clock_ns()) -
	    x->t0_ns) / 1e9;

	expo_family(e, "sockctl_probe_success", EXPO_GAUGE, NULL,
	    "1 when the probe succeeded, 0 when it failed");
	expo_sample(e, NULL, 0, x->ok ? 1 : 0);
	expo_family(e, "sockctl_probe_duration_seconds", EXPO_GAUGE,
	    "seconds", "time the probe took, resolving included");
	expo_sample(e, NULL, 0, secs);
	expo_family(e, "sockctl_probe_exit_code", EXPO_GAUGE, NULL,
	    "exit code of the probe result (0 ok; see sockctl explain "
	    "--list)");
	expo_sample(e, NULL, 0, reason_exit(x->reason));
	expo_family(e, "sockctl_probe_failure", EXPO_GAUGE, NULL,
	    "1 with the reason slug of a failed probe, 0 with reason ok");
	expo_sample(e, &l, 1, x->ok ? 0 : 1);
	if (!isnan(x->resolve_s)) {
		expo_family(e, "sockctl_probe_resolve_seconds", EXPO_GAUGE,
		    "seconds", "time the name took to resolve");
		expo_sample(e, NULL, 0, x->resolve_s);
	}
	if (!isnan(x->connect_s)) {
		expo_family(e, "sockctl_probe_connect_seconds", EXPO_GAUGE,
		    "seconds", "time from connect() to the connection "
		    "established");
		expo_sample(e, NULL, 0, x->connect_s);
	}
}

void
xprobe_summary(const struct xprobe *x, char *buf, size_t len)
{
	const char *en = x->err != 0 ? errname(x->err) : NULL;

	if (x->ok)
		snprintf(buf, len, "ok: %s", x->note);
	else
		snprintf(buf, len, "%s%s%s%s at %s: %s", reason_slug(x->reason),
		    en != NULL ? " (" : "", en != NULL ? en : "", en != NULL ?
		    ")" : "", stage_name(x->stage), x->note);
}
