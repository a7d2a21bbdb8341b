/*
 * probe-bind [OPTIONS] [ADDRESS:]PORT
 *
 * Creates a socket, binds it and (TCP) listens, then closes it. When a
 * stage fails it looks for the evidence: who holds the port, the sysctl and
 * capability behind a privileged port, the addresses that are local.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "errname.h"
#include "evdns.h"
#include "evidence.h"
#include "evunix.h"
#include "opt.h"
#include "procnet.h"
#include "resolve.h"
#include "sock.h"
#include "srv.h"
#include "unixsock.h"
#include "sysinfo.h"
#include "cmds.h"

static const struct cmd_help help = {
	"probe-bind", "[OPTIONS] [ADDRESS:]PORT",
	"Create a socket, bind it and (TCP) listen on it, then close it. When a\n"
	"stage fails, say why: who holds the port, the sysctl and capability\n"
	"behind a privileged port, or which addresses are local.",
	"Without an ADDRESS it probes the wildcard of every family the host\n"
	"supports (0.0.0.0 and ::), one result each; that [::] is v6-only, and\n"
	"it warns when a default (dual-stack) [::] server could not bind it.\n"
	"An explicit IPv6 ADDRESS is bound as a server binds it by default:\n"
	"IPV6_V6ONLY as net.ipv6.bindv6only says (0: [::] takes IPv4 too);\n"
	"--v6only sets it. ADDRESS PORT may also be given as two arguments.\n"
	"A Unix socket (unix:PATH, a PATH with a '/', @NAME) is bound as a\n"
	"stream (--udp: datagram) socket; the file made is removed after.\n\n"
	"examples:\n"
	"  sockctl probe-bind 8080              can a server listen on 8080?\n"
	"  sockctl probe-bind 127.0.0.1:80      why not port 80?\n"
	"  sockctl probe-bind --wait 60s 8080   wait until the old server is gone\n"
	"  sockctl probe-bind --hold 30s 0      occupy a free port on purpose\n"
	"  sockctl probe-bind --v6only '[::]:8080'   IPv6 alone, beside 0.0.0.0\n"
	"  sockctl probe-bind /run/app/app.sock      why can't my server bind?\n",
};

struct bind_opts {
	int	 udp;
	int	 reuseaddr;
	int	 reuseport;
	int	 v6only;
	int64_t	 hold_ms;
	int	 hold;
	int64_t	 wait_ms;
	int	 wait;
};

#define NOPTS		7

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct bind_opts *v)
{
	const struct opt t[NOPTS] = {
		{ "udp", 'u', OT_FLAG, &v->udp, NULL, "probe UDP instead of TCP",
		    0, 0, NULL },
		{ "reuseaddr", 0, OT_FLAG, &v->reuseaddr, NULL,
		    "set SO_REUSEADDR before bind", 0, 0, NULL },
		{ "reuseport", 0, OT_FLAG, &v->reuseport, NULL,
		    "set SO_REUSEPORT before bind", 0, 0, NULL },
		{ "v6only", 0, OT_FLAG, &v->v6only, NULL,
		    "set IPV6_V6ONLY: bind IPv6 alone ([::] without IPv4)", 0, 0,
		    NULL },
		{ "hold", 0, OT_DUR, &v->hold_ms, "DUR",
		    "stay bound (and listening) for DUR, printing the address "
		    "first", 0, 0, &v->hold },
		{ "wait", 'w', OT_DUR, &v->wait_ms, "DUR",
		    "retry while the port is in use, for up to DUR", 0, 0,
		    &v->wait },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

#define MAX_ADDRS	16
#define WAIT_STEP_MS	100

/* One address to probe, and the socket while it is held. */
struct probe {
	struct sockaddr_storage	ss;
	int			fd;
	int			v6only;	/* AF_INET6: IPV6_V6ONLY to set */
	int			bare;	/* no ADDRESS given: a wildcard */
	struct result		r;
};

static const char *
proto_name(const struct bind_opts *o)
{
	return o->udp ? "udp" : "tcp";
}

/*
 * Creates, configures, binds and (TCP) listens, tracing each stage with
 * the TCP state after it. v6only is IPV6_V6ONLY for an AF_INET6 socket
 * (set either way: the kernel's default is net.ipv6.bindv6only).
 * Returns the socket, or -1 with *stage and *err set (errno too).
 */
static int
try_bind(const struct ctx *c, const struct bind_opts *o,
    const struct sockaddr *sa, int reuseaddr, int v6only, enum stage *stage,
    int *err)
{
	struct sock_opts so = {
		.type = o->udp ? SOCK_DGRAM : SOCK_STREAM,
		.reuseaddr = reuseaddr, .reuseport = o->reuseport,
		.v6only = v6only, .backlog = SOMAXCONN,
	};
	struct fail f;
	int fd;

	fd = sock_open(sa, &so, NULL, &f, c->trace ? out_trace_cb : NULL,
	    (void *)c);
	*stage = f.stage;
	*err = f.err;
	return fd;
}

/* A note when the port lies in the ephemeral range and is not reserved. */
static void
ephemeral_note(const struct ctx *c, struct probe *p, int port)
{
	int lo, hi;
	char list[256];

	if (port == 0 || si_local_port_range(c->env.proc_root, &lo, &hi) == -1 ||
	    port < lo || port > hi)
		return;
	if (si_port_reserved(c->env.proc_root, port, list, sizeof(list)) == 1)
		return;
	/* out_note() labels it: "note: port ..." */
	result_fix(&p->r, "port %d lies in the ephemeral range "
	    "%d-%d (net.ipv4.ip_local_port_range): outgoing connections may "
	    "take it before the server starts; choose a port outside it or "
	    "add it to net.ipv4.ip_local_reserved_ports", port, lo, hi);
}

/* Waits for DUR or SIGINT/SIGTERM, whichever comes first. */
static void
hold_wait(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while (sigtimedwait(&set, NULL, &ts) == -1 && errno == EINTR)
		;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Probes one address; leaves the socket open in p->fd when holding. */
static void
probe_one(const struct ctx *c, const struct bind_opts *o, struct probe *p)
{
	struct sockaddr *sa = (struct sockaddr *)&p->ss;
	int64_t t0 = clock_ns(), deadline = clock_ms() + o->wait_ms;
	socklen_t len = sizeof(p->ss);
	char as[ADDRSTR_MAX];
	int err, waited = 0, asked = sa_port(sa);
	enum stage st;

	sa_fmt(sa, p->r.target, sizeof(p->r.target));
	p->r.family = sa->sa_family;
	sa_fmt_host(sa, p->r.address, sizeof(p->r.address));
	p->r.port = sa_port(sa);
	jb_kstr(&p->r.extra, "proto", proto_name(o));
	for (;;) {
		p->fd = try_bind(c, o, sa, o->reuseaddr, p->v6only, &st,
		    &err);
		if (p->fd != -1 || !o->wait || err != EADDRINUSE ||
		    clock_ms() >= deadline)
			break;
		waited = 1;
		sleep_ms(WAIT_STEP_MS);
	}
	p->r.elapsed_ms = clock_since_ms(t0);
	if (p->fd == -1) {
		struct ev_how how = { o->udp, o->reuseport, p->v6only };

		ev_bind_how(&c->env, &p->r, sa, &how, st, err);
		if (waited)
			result_cause(&p->r, "still in use after waiting %.1f s "
			    "(--wait)", p->r.elapsed_ms / 1000);
		return;
	}
	/* port 0: report the port the kernel chose */
	if (getsockname(p->fd, (struct sockaddr *)&p->ss, &len) == 0) {
		p->r.port = sa_port(sa);
		sa_fmt(sa, p->r.target, sizeof(p->r.target));
	}
	jb_knull(&p->r.extra, "owners");
	snprintf(p->r.message, sizeof(p->r.message), "%s/%s: %s%s%s",
	    sa_fmt(sa, as, sizeof(as)), proto_name(o), o->udp ? "bound" :
	    "bound and listening", o->hold ? "" : ", then closed",
	    waited ? " (free after waiting)" : "");
	if (waited)
		snprintf(p->r.message + strlen(p->r.message),
		    sizeof(p->r.message) - strlen(p->r.message),
		    " %.1f s", p->r.elapsed_ms / 1000);
	ephemeral_note(c, p, asked);
	if (!o->hold) {
		out_trace(c, "close(fd %d)", p->fd);
		close(p->fd);
		p->fd = -1;
	}
}

/*
 * Whether a default server's [::] (dual-stack: it takes IPv4 too) would
 * fail where the v6-only probe p bound. Tried when p's socket is closed;
 * while it is held (--hold) the trial would meet p itself, so the 0.0.0.0
 * result answers instead (EADDRINUSE there: IPv4 is held).
 */
static int
dual_blocked(const struct ctx *c, const struct bind_opts *o,
    const struct probe *p, const struct probe *all, int n)
{
	const struct sockaddr *sa = (const struct sockaddr *)&p->ss;
	enum stage st;
	int fd, err;

	if (p->fd != -1) {
		for (int i = 0; i < n; i++)
			if (all[i].ss.ss_family == AF_INET &&
			    all[i].r.err == EADDRINUSE)
				return 1;
		return 0;
	}
	out_trace(c, "binding %s again dual-stack (IPV6_V6ONLY 0), as a "
	    "default server binds [::]", p->r.target);
	fd = try_bind(c, o, sa, o->reuseaddr, 0, &st, &err);
	if (fd != -1) {
		out_trace(c, "close(fd %d)", fd);
		close(fd);
		return 0;
	}
	return err == EADDRINUSE;
}

/* The warning of a bare PORT's [::] result when IPv4 is held. */
static void
dual_note(struct probe *p)
{
	size_t used = strlen(p->r.hint);

	snprintf(p->r.hint + used, sizeof(p->r.hint) - used, "%sonly a "
	    "v6-only server can bind %s: IPv4 port %d is in use, so a [::] "
	    "socket as servers make it by default (dual-stack, IPV6_V6ONLY "
	    "off: Go, Java, Node.js) fails with EADDRINUSE; set IPV6_V6ONLY "
	    "in the server (sockctl: --v6only), or free the IPv4 port",
	    used ? "; also " : "", p->r.target, p->r.port);
}

/* The addresses to probe: those of the endpoint, or both wildcards. */
static int
addresses(const struct ctx *c, const struct endpoint *ep,
    struct sockaddr_storage *out, int max, struct result *fail,
    double *waited_ms)
{
	struct addrinfo *res;
	int n = 0, rc;

	if (ep->host[0] == '\0') {
		if (c->env.family != AF_INET6) {
			sa_from_numeric("0.0.0.0", ep->port, &out[n++]);
		}
		if (c->env.family != AF_INET) {
			/* skip :: quietly where the host has no IPv6 */
			int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			if (fd != -1 || c->env.family == AF_INET6)
				sa_from_numeric("::", ep->port, &out[n++]);
			if (fd != -1)
				close(fd);
		}
		return n;
	}
	if (sa_from_numeric(ep->host, ep->port, &out[0]) == 0) {
		if (c->env.family != AF_UNSPEC && out[0].ss_family != c->env.family) {
			fail->stage = ST_RESOLVE;
			fail->dx = DX_NO_ADDRESS;
			return -1;
		}
		return 1;
	}
	rc = rs_lookup(ep->host, c->env.family, c->env.timeout_ms, &res, &fail->err,
	    waited_ms);
	if (rc != 0) {
		fail->stage = ST_RESOLVE;
		fail->eai = rc == RS_CUT || rc == EAI_SYSTEM ? 0 : rc;
		if (rc != RS_CUT && rc != EAI_SYSTEM)
			fail->err = 0;
		return -1;
	}
	n = rs_addrs(res, ep->port, out, max);
	freeaddrinfo(res);
	return n;
}

/*
 * probe-bind on a Unix path or abstract name: bind (and listen), report,
 * and remove the file it made when it is still that file. Returns the
 * exit code.
 */
static int
probe_unix(const struct ctx *c, const struct bind_opts *o,
    const struct endpoint *ep)
{
	struct srv_bind_opt bo = { o->udp ? SOCK_DGRAM : SOCK_STREAM, 0,
	    SOMAXCONN, 0 };
	const char *proto = o->udp ? "dgram" : "stream";
	int64_t t0 = clock_ns(), deadline = clock_ms() + o->wait_ms;
	struct sockaddr_storage ss;
	struct result r;
	struct fail f;
	dev_t dev = 0;
	ino_t ino = 0;
	int fd, code, waited = 0;

	(void)sa_from_unix(ep->host, &ss);
	result_init(&r, c->cmd);
	snprintf(r.target, sizeof(r.target), "%s", ep->host);
	sa_fmt_host((struct sockaddr *)&ss, r.address, sizeof(r.address));
	r.family = AF_UNIX;
	jb_kstr(&r.extra, "proto", proto);
	for (;;) {
		fd = srv_bind((struct sockaddr *)&ss, &bo, &f, &dev, &ino,
		    c->trace ? out_trace_cb : NULL, (void *)c);
		if (fd != -1 || !o->wait || f.err != EADDRINUSE ||
		    clock_ms() >= deadline)
			break;
		waited = 1;
		sleep_ms(WAIT_STEP_MS);
	}
	r.elapsed_ms = clock_since_ms(t0);
	if (fd == -1) {
		evunix_bind(&c->env, (struct sockaddr *)&ss, bo.type, f.stage, f.err,
		    &r);
		if (waited)
			result_cause(&r, "still in use after waiting %.1f s "
			    "(--wait)", r.elapsed_ms / 1000);
		code = out_result(c, &r);
		result_free(&r);
		return code;
	}
	jb_knull(&r.extra, "owners");
	snprintf(r.message, sizeof(r.message), "%s (%s): %s%s%s", ep->host,
	    proto, o->udp ? "bound" : "bound and listening", o->hold ? "" :
	    ", then closed", waited ? " (free after waiting)" : "");
	if (o->hold) {
		out_holding(c, proto, (struct sockaddr *)&ss, o->hold_ms);
		hold_wait(o->hold_ms);
	}
	out_trace(c, "close(fd %d)", fd);
	close(fd);
	if (ep->host[0] != '@') {
		int rm = usock_unlink_own(ep->host, dev, ino);

		out_trace(c, "unlink(%s): %s", ep->host, rm == 1 ? "ok" :
		    "not ours any more: left in place");
	}
	code = out_result(c, &r);
	result_free(&r);
	return code;
}

int
cmd_probe_bind(struct ctx *c, int argc, char **argv)
{
	struct bind_opts o;
	struct opt opts[NOPTS];
	struct sockaddr_storage addrs[MAX_ADDRS];
	struct probe *p = NULL;
	struct endpoint ep;
	struct result fail;
	char err[256];
	int npos, rc, n, code = 0;
	long sysv6 = 0;
	double waited_ms = 0;

	memset(&o, 0, sizeof(o));
	opts_fill(opts, &o);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (npos == 0)
		return out_usage(c, "missing PORT (e.g. sockctl probe-bind "
		    "8080)");
	if (npos > 2)
		return out_usage(c, "too many arguments: '%.60s' (expected "
		    "[ADDRESS:]PORT or ADDRESS PORT)", argv[3]);
	if (npos == 2)
		rc = ep_parse2(argv[1], argv[2], o.udp ? EP_UDP : 0, &ep, err,
		    sizeof(err));
	else
		rc = ep_parse(argv[1], EP_PORT_ONLY | (o.udp ? EP_UDP : 0), &ep,
		    err, sizeof(err));
	if (rc == -1)
		return out_usage(c, "%s", err);
	if (ep.is_unix)
		return probe_unix(c, &o, &ep);

	result_init(&fail, c->cmd);
	if (strchr(ep.host, ':') != NULL)
		snprintf(fail.target, sizeof(fail.target), "[%s]:%s", ep.host,
		    ep.port_str);
	else
		snprintf(fail.target, sizeof(fail.target), "%s%s%s", ep.host,
		    ep.host[0] ? ":" : "", ep.port_str);
	n = addresses(c, &ep, addrs, MAX_ADDRS, &fail, &waited_ms);
	if (n <= 0) {
		if (n == 0) {
			fail.stage = ST_RESOLVE;
			fail.dx = DX_NO_ADDRESS;
		}
		jb_kstr(&fail.extra, "proto", o.udp ? "udp" : "tcp");
		jb_knull(&fail.extra, "owners");
		if (fail.stage == ST_RESOLVE && (fail.eai != 0 ||
		    fail.err != 0)) {
			struct evdns_facts f;

			memset(&f, 0, sizeof(f));
			f.host = ep.host;
			f.cut = fail.eai == 0 && fail.err == ETIMEDOUT;
			f.waited_ms = waited_ms;
			f.eai = fail.eai != 0 || f.cut ? fail.eai : EAI_SYSTEM;
			f.err = f.cut ? 0 : fail.err;
			f.naddr = -1;
			evdns_explain(&c->env, &f, &fail);
		}
		result_diagnose(&fail);
		code = out_result(c, &fail);
		result_free(&fail);
		return code;
	}
	result_free(&fail);

	p = calloc((size_t)n, sizeof(*p));
	if (p == NULL)
		nomem_exit("results");
	/* an explicit IPv6 address is bound as a default server binds it */
	if (si_read_long(c->env.proc_root, "sys/net/ipv6/bindv6only", &sysv6) == -1)
		sysv6 = 0;
	for (int i = 0; i < n; i++) {
		p[i].ss = addrs[i];
		p[i].fd = -1;
		p[i].bare = ep.host[0] == '\0';
		/* a bare PORT's [::] is v6-only: 0.0.0.0 is its own result */
		p[i].v6only = o.v6only || p[i].bare || sysv6 != 0;
		result_init(&p[i].r, c->cmd);
		probe_one(c, &o, &p[i]);
		if (o.hold && p[i].fd != -1)
			out_holding(c, proto_name(&o), (struct sockaddr *)&p[i].ss,
			    o.hold_ms);
	}
	for (int i = 0; i < n; i++)
		if (p[i].bare && !o.v6only && p[i].ss.ss_family == AF_INET6 &&
		    p[i].r.reason == RS_OK && ep.port != 0 &&
		    dual_blocked(c, &o, &p[i], p, n))
			dual_note(&p[i]);
	if (o.hold) {
		int any = 0;

		for (int i = 0; i < n; i++)
			any |= p[i].fd != -1;
		if (any)
			hold_wait(o.hold_ms);
	}
	for (int i = 0; i < n; i++) {
		rc = out_result(c, &p[i].r);
		if (code == 0)
			code = rc;
		if (p[i].fd != -1) {
			out_trace(c, "close(fd %d)", p[i].fd);
			close(p[i].fd);
		}
		result_free(&p[i].r);
	}
	free(p);
	return code;
}
