/*
 * probe-bind [OPTIONS] [ADDRESS:]PORT...
 *
 * Creates a socket, binds it and (TCP) listens, then closes it, for each
 * endpoint given. When a stage fails it looks for the evidence: who holds
 * the port, the sysctl and capability behind a privileged port, the
 * addresses that are local. --wait retries a port in use and says when
 * only a SO_REUSEADDR bind would succeed (TIME_WAIT); SIGINT and SIGTERM
 * print every result so far (lib/cli/intr); --hold ends on any
 * terminating signal, its socket files removed.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "errname.h"
#include "evdns.h"
#include "evidence.h"
#include "evunix.h"
#include "intr.h"
#include "loop.h"
#include "nomem.h"
#include "opt.h"
#include "pline.h"
#include "procnet.h"
#include "resolve.h"
#include "sock.h"
#include "srv.h"
#include "unixsock.h"
#include "sysinfo.h"
#include "cmds.h"

static const struct cmd_help help = {
	"probe-bind", "[OPTIONS] [ADDRESS:]PORT...",
	"Create a socket, bind it and (TCP) listen on it, then close it. When a\n"
	"stage fails, say why: who holds the port, the sysctl and capability\n"
	"behind a privileged port, or which addresses are local.",
	"Without an ADDRESS it probes the wildcard of every family the host\n"
	"supports (0.0.0.0 and ::), one result each; that [::] is v6-only, and\n"
	"it warns when a default (dual-stack) [::] server could not bind it.\n"
	"An explicit IPv6 ADDRESS is bound as a server binds it by default:\n"
	"IPV6_V6ONLY as net.ipv6.bindv6only says (0: [::] takes IPv4 too);\n"
	"--v6only sets it. ADDRESS PORT may also be given as two arguments.\n"
	"Several endpoints give one result each (80 443: two ports); the exit\n"
	"code is that of the first failure. --wait retries a port in use; when\n"
	"only TIME_WAIT is left it says that a SO_REUSEADDR bind succeeds\n"
	"(servers that set it, as most do, could start: --reuseaddr --wait).\n"
	"A Unix socket (unix:PATH, a PATH with a '/', @NAME) is bound as a\n"
	"stream (--udp: datagram) socket; the file made is removed after.\n\n"
	"examples:\n"
	"  sockctl probe-bind 8080              can a server listen on 8080?\n"
	"  sockctl probe-bind 127.0.0.1:80      why not port 80?\n"
	"  sockctl probe-bind 80 443            both ports, one result each\n"
	"  sockctl probe-bind --reuseaddr --wait 60s 8080\n"
	"                                       wait until the old server is gone\n"
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
#define MAX_PROBES	4096	/* addresses over every endpoint */
#define WAIT_STEP_MS	100
#define MAX_HOLDERS	256	/* sockets looked at on one port */

enum pstate { P_TODO, P_DONE, P_INTR };

/* One address to probe, and the socket while it is held. */
struct probe {
	struct sockaddr_storage	ss;
	int			fd;
	int			v6only;	/* AF_INET6: IPV6_V6ONLY to set */
	int			bare;	/* no ADDRESS given: a wildcard */
	int			grp;	/* its endpoint, counted from 0 */
	int			is_unix;
	const char		*name;	/* a Unix endpoint's path or @NAME */
	dev_t			dev;	/* the socket file bind() made */
	ino_t			ino;
	enum pstate		st;
	struct result		r;
};

/* The run over every endpoint. */
struct run {
	const struct ctx	*c;
	const struct bind_opts	*o;
	struct probe		*p;
	int			 n, cap;
	int			 sigs[LOOP_TERM_SIGS_MAX];	/* those that
						 * stop it, blocked */
	int64_t			 deadline;	/* --wait, CLOCK_MONOTONIC ms */
	int64_t			 t0_ns;
	struct pline		 pl;		/* --wait's progress line */
	int			 intr;		/* the signal that cut it */
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

	fd = sock_open(sa, &so, NULL, &f, c != NULL && c->trace ?
	    out_trace_cb : NULL, (void *)c);
	*stage = f.stage;
	*err = f.err;
	return fd;
}

/* One bind of p as asked: an IP address, or a Unix path or name. */
static int
bind_once(struct run *rn, struct probe *p, enum stage *st, int *err)
{
	const struct ctx *c = rn->c;
	struct srv_bind_opt bo = { rn->o->udp ? SOCK_DGRAM : SOCK_STREAM, 0,
	    SOMAXCONN, 0 };
	struct fail f;
	int fd;

	if (!p->is_unix)
		return try_bind(c, rn->o, (struct sockaddr *)&p->ss,
		    rn->o->reuseaddr, p->v6only, st, err);
	fd = srv_bind((struct sockaddr *)&p->ss, &bo, &f, &p->dev, &p->ino,
	    c->trace ? out_trace_cb : NULL, (void *)c);
	*st = f.stage;
	*err = f.err;
	return fd;
}

/*
 * Whether a bind with SO_REUSEADDR would succeed where p's failed with
 * EADDRINUSE: what is left on the port is TIME_WAIT (or sockets that
 * share with SO_REUSEADDR), and a server that sets it, as most do,
 * could start now. Tried, not guessed: Linux lets it through only when
 * the old socket set it too.
 */
static int
reuse_would_bind(const struct run *rn, const struct probe *p)
{
	enum stage st;
	int fd, err;

	if (p->is_unix || rn->o->reuseaddr || rn->o->udp)
		return 0;
	fd = try_bind(NULL, rn->o, (const struct sockaddr *)&p->ss, 1,
	    p->v6only, &st, &err);
	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

/* The --wait progress line on a terminal, and -v's trace of the same. */
static void
progress(struct run *rn, const struct probe *p, int tries, int reuse_ok)
{
	if (rn->c->trace && reuse_ok)
		out_trace(rn->c, "%s: in use, but a SO_REUSEADDR bind succeeds "
		    "now (--reuseaddr)", p->r.target);
	pline_show(&rn->pl, "waiting for %s: %.1f s, try %d, %s",
	    p->r.target, clock_since_ms(rn->t0_ns) / 1000, tries, reuse_ok ?
	    "only TIME_WAIT left: a SO_REUSEADDR bind succeeds now "
	    "(--reuseaddr)" : "in use");
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

/* p's failure (st, err) explained: the evidence, and what --wait saw. */
static void
failed(struct run *rn, struct probe *p, enum stage st, int err, int tries,
    int reuse_ok)
{
	const struct ctx *c = rn->c;
	const struct sockaddr *sa = (const struct sockaddr *)&p->ss;

	if (p->is_unix)
		evunix_bind(&c->env, sa, rn->o->udp ? SOCK_DGRAM : SOCK_STREAM,
		    st, err, &p->r);
	else {
		struct ev_how how = { rn->o->udp, rn->o->reuseport,
		    p->v6only };

		ev_bind_how(&c->env, &p->r, sa, &how, st, err);
	}
	if (tries > 1 && rn->intr == 0)
		result_cause(&p->r, "still in use after waiting %.1f s and %d "
		    "tries (--wait)", p->r.elapsed_ms / 1000, tries);
	if (reuse_ok && rn->o->wait)
		result_fix(&p->r, "a server that sets SO_REUSEADDR (nginx, "
		    "Go, Node.js, Java, redis and PostgreSQL do) could bind it "
		    "now: gate on that with sockctl probe-bind --reuseaddr "
		    "--wait %.0fs %s", (double)rn->o->wait_ms / 1000,
		    p->r.target);
}

static void	release(const struct ctx *, struct probe *);

/* Probes one address; leaves the socket open in p->fd when holding. */
static void
probe_one(struct run *rn, struct probe *p)
{
	const struct ctx *c = rn->c;
	const struct bind_opts *o = rn->o;
	struct sockaddr *sa = (struct sockaddr *)&p->ss;
	int64_t t0 = clock_ns();
	socklen_t len = sizeof(p->ss);
	char as[ADDRSTR_MAX];
	int err, tries = 0, asked = sa_port(sa), reuse_ok = 0, sig;
	enum stage st;

	for (;;) {
		tries++;
		p->fd = bind_once(rn, p, &st, &err);
		if (p->fd != -1 || !o->wait || err != EADDRINUSE)
			break;
		reuse_ok = reuse_would_bind(rn, p);
		if (clock_ms() >= rn->deadline)
			break;
		progress(rn, p, tries, reuse_ok);
		sig = loop_sigwait(rn->sigs, WAIT_STEP_MS);
		if (sig != 0) {
			rn->intr = sig;
			break;
		}
	}
	pline_clear(&rn->pl);
	p->r.elapsed_ms = clock_since_ms(t0);
	p->st = P_DONE;
	if (p->fd == -1) {
		failed(rn, p, st, err, tries, reuse_ok);
		if (rn->intr != 0) {
			p->st = P_INTR;
			intr_results(&p->r, 1, rn->intr, 1, st, p->r.elapsed_ms,
			    "waiting for %s to be free (--wait), try %d",
			    p->r.target, tries);
		}
		return;
	}
	jb_knull(&p->r.extra, "owners");
	if (p->is_unix)
		snprintf(p->r.message, sizeof(p->r.message), "%s (%s): %s%s%s",
		    p->name, o->udp ? "dgram" : "stream", o->udp ? "bound" :
		    "bound and listening", o->hold ? "" : ", then closed",
		    tries > 1 ? " (free after waiting)" : "");
	else {
		/* port 0: report the port the kernel chose */
		if (getsockname(p->fd, sa, &len) == 0) {
			p->r.port = sa_port(sa);
			sa_fmt(sa, p->r.target, sizeof(p->r.target));
		}
		snprintf(p->r.message, sizeof(p->r.message), "%s/%s: %s%s%s",
		    sa_fmt(sa, as, sizeof(as)), proto_name(o), o->udp ?
		    "bound" : "bound and listening", o->hold ? "" :
		    ", then closed", tries > 1 ? " (free after waiting)" : "");
	}
	if (tries > 1)
		snprintf(p->r.message + strlen(p->r.message),
		    sizeof(p->r.message) - strlen(p->r.message),
		    " %.1f s", p->r.elapsed_ms / 1000);
	if (!p->is_unix)
		ephemeral_note(c, p, asked);
	if (!o->hold)
		release(c, p);
}

/* Closes p's socket and removes the socket file it made, if still its. */
static void
release(const struct ctx *c, struct probe *p)
{
	int rm;

	if (p->fd == -1)
		return;
	out_trace(c, "close(fd %d)", p->fd);
	close(p->fd);
	p->fd = -1;
	if (!p->is_unix || p->name[0] == '@' || p->ino == 0)
		return;
	rm = usock_unlink_own(p->name, p->dev, p->ino);
	out_trace(c, "unlink(%s): %s", p->name, rm == 1 ? "ok" :
	    "not ours any more: left in place");
}

/*
 * Whether IPv4 TCP port is held by TIME_WAIT leftovers alone (no live
 * IPv4 socket), as /proc/net shows it.
 */
static int
v4_timewait_only(const struct ctx *c, int port)
{
	struct pn_holder *h;
	int n, tw = 0, live = 0, unreadable = 0;

	h = calloc(MAX_HOLDERS, sizeof(*h));
	if (h == NULL)
		return 0;
	n = pn_port_holders(c->env.proc_root, IPPROTO_TCP, port, h,
	    MAX_HOLDERS, &unreadable);
	for (int i = 0; i < n; i++) {
		if (h[i].sock.local.ss_family != AF_INET)
			continue;
		if (h[i].sock.state == PN_TIME_WAIT)
			tw++;
		else
			live++;
	}
	free(h);
	return tw > 0 && live == 0;
}

/*
 * Whether a default server's [::] (dual-stack: it takes IPv4 too) would
 * fail where the v6-only probe p bound: 0 no; 1 yes, IPv4 is held; 2
 * only without SO_REUSEADDR (TIME_WAIT leftovers on IPv4: a server that
 * sets it binds); 3 TIME_WAIT leftovers that did not set it either
 * (every dual-stack server waits for them). Tried when p's socket is closed; while it is held
 * (--hold) the trial would meet p itself, so the 0.0.0.0 result of the
 * same endpoint answers, and IPv4 alone is tried with SO_REUSEADDR.
 */
static int
dual_blocked(struct run *rn, const struct probe *p)
{
	const struct ctx *c = rn->c;
	const struct sockaddr *sa = (const struct sockaddr *)&p->ss;
	struct sockaddr_storage v4;
	enum stage st;
	int fd, err, held = 0;

	if (p->fd != -1) {
		for (int i = 0; i < rn->n; i++)
			if (rn->p[i].grp == p->grp &&
			    rn->p[i].ss.ss_family == AF_INET &&
			    rn->p[i].r.err == EADDRINUSE)
				held = 1;
		if (!held)
			return 0;
		if (rn->o->reuseaddr || rn->o->udp)
			return 1;
		sa_from_numeric("0.0.0.0", sa_port(sa), &v4);
		fd = try_bind(NULL, rn->o, (struct sockaddr *)&v4, 1, 0, &st,
		    &err);
		if (fd != -1)
			close(fd);
		return fd != -1 ? 2 : v4_timewait_only(c, sa_port(sa)) ?
		    3 : 1;
	}
	out_trace(c, "binding %s again dual-stack (IPV6_V6ONLY 0), as a "
	    "default server binds [::]", p->r.target);
	fd = try_bind(c, rn->o, sa, rn->o->reuseaddr, 0, &st, &err);
	if (fd != -1) {
		out_trace(c, "close(fd %d)", fd);
		close(fd);
		return 0;
	}
	if (err != EADDRINUSE)
		return 0;
	if (rn->o->reuseaddr || rn->o->udp)
		return 1;
	out_trace(c, "binding %s dual-stack again with SO_REUSEADDR, as "
	    "most servers bind", p->r.target);
	fd = try_bind(c, rn->o, sa, 1, 0, &st, &err);
	if (fd != -1) {
		out_trace(c, "close(fd %d)", fd);
		close(fd);
		return 2;
	}
	return v4_timewait_only(c, sa_port(sa)) ? 3 : 1;
}

/* The warning of a bare PORT's [::] result when IPv4 blocks a default
 * server's [::] (how: dual_blocked()'s answer). */
static void
dual_note(struct probe *p, int how)
{
	size_t used = strlen(p->r.hint);

	if (how == 3)
		snprintf(p->r.hint + used, sizeof(p->r.hint) - used, "%sIPv4 "
		    "port %d is held only by TIME_WAIT leftovers whose sockets "
		    "did not set SO_REUSEADDR: a [::] socket as servers make it "
		    "by default (dual-stack, IPV6_V6ONLY off) fails with "
		    "EADDRINUSE, with or without SO_REUSEADDR, until they "
		    "expire (within 60 s); a v6-only one (--v6only) binds now",
		    used ? "; also " : "", p->r.port);
	else if (how == 2)
		snprintf(p->r.hint + used, sizeof(p->r.hint) - used, "%sIPv4 "
		    "port %d is held only by TIME_WAIT leftovers of closed "
		    "connections: a [::] socket as servers make it by default "
		    "(dual-stack, IPV6_V6ONLY off) binds it when the server "
		    "sets SO_REUSEADDR before bind() (Go, Java, Node.js, nginx "
		    "do); one that does not fails with EADDRINUSE until they "
		    "expire (within 60 s)", used ? "; also " : "", p->r.port);
	else
		snprintf(p->r.hint + used, sizeof(p->r.hint) - used, "%sonly "
		    "a v6-only server can bind %s: IPv4 port %d is in use, so "
		    "a [::] socket as servers make it by default (dual-stack, "
		    "IPV6_V6ONLY off: Go, Java, Node.js) fails with "
		    "EADDRINUSE; set IPV6_V6ONLY in the server (sockctl: "
		    "--v6only), or free the IPv4 port", used ? "; also " : "",
		    p->r.target, p->r.port);
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

/* The next slot of rn->p, result initialised; NULL when none is left. */
static struct probe *
add_probe(struct run *rn, int grp)
{
	struct probe *p;

	if (rn->n == rn->cap) {
		int cap = rn->cap ? rn->cap * 2 : 8;
		struct probe *np;

		if (rn->n >= MAX_PROBES)
			return NULL;
		np = reallocarray(rn->p, (size_t)cap, sizeof(*np));
		if (np == NULL)
			nomem_exit("probe-bind's endpoints");
		rn->p = np;
		rn->cap = cap;
	}
	p = &rn->p[rn->n++];
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->grp = grp;
	result_init(&p->r, rn->c->cmd);
	jb_kstr(&p->r.extra, "proto", proto_name(rn->o));
	return p;
}

/*
 * The probes of one endpoint into rn: a Unix socket, the addresses of a
 * name, or a bare PORT's two wildcards. A name that does not resolve is
 * a finished (failed) probe. Returns 0, or -1 when MAX_PROBES is reached.
 */
static int
plan(struct run *rn, const struct endpoint *ep, int grp, long sysv6)
{
	const struct ctx *c = rn->c;
	struct sockaddr_storage addrs[MAX_ADDRS];
	struct probe *p;
	double waited_ms = 0;
	int n;

	if (ep->is_unix) {
		if ((p = add_probe(rn, grp)) == NULL)
			return -1;
		p->is_unix = 1;
		p->name = ep->host;
		(void)sa_from_unix(ep->host, &p->ss);
		snprintf(p->r.target, sizeof(p->r.target), "%s", ep->host);
		sa_fmt_host((struct sockaddr *)&p->ss, p->r.address,
		    sizeof(p->r.address));
		p->r.family = AF_UNIX;
		jb_kstr(&p->r.extra, "proto", rn->o->udp ? "dgram" : "stream");
		return 0;
	}
	if ((p = add_probe(rn, grp)) == NULL)
		return -1;
	if (strchr(ep->host, ':') != NULL)
		snprintf(p->r.target, sizeof(p->r.target), "[%s]:%s", ep->host,
		    ep->port_str);
	else
		snprintf(p->r.target, sizeof(p->r.target), "%s%s%s", ep->host,
		    ep->host[0] ? ":" : "", ep->port_str);
	n = addresses(c, ep, addrs, MAX_ADDRS, &p->r, &waited_ms);
	if (n <= 0) {
		struct result *fail = &p->r;

		if (n == 0) {
			fail->stage = ST_RESOLVE;
			fail->dx = DX_NO_ADDRESS;
		}
		jb_knull(&fail->extra, "owners");
		if (fail->stage == ST_RESOLVE && (fail->eai != 0 ||
		    fail->err != 0)) {
			struct evdns_facts f;

			memset(&f, 0, sizeof(f));
			f.host = ep->host;
			f.cut = fail->eai == 0 && fail->err == ETIMEDOUT;
			f.waited_ms = waited_ms;
			f.eai = fail->eai != 0 || f.cut ? fail->eai : EAI_SYSTEM;
			f.err = f.cut ? 0 : fail->err;
			f.naddr = -1;
			evdns_explain(&c->env, &f, fail);
		}
		result_diagnose(fail);
		p->st = P_DONE;
		return 0;
	}
	rn->n--;		/* the slot is the first address's */
	result_free(&p->r);
	for (int i = 0; i < n; i++) {
		struct sockaddr *sa;

		if ((p = add_probe(rn, grp)) == NULL)
			return -1;
		p->ss = addrs[i];
		sa = (struct sockaddr *)&p->ss;
		p->bare = ep->host[0] == '\0';
		/* an explicit IPv6 address is bound as a default server
		 * binds it; a bare PORT's [::] is v6-only: 0.0.0.0 is its
		 * own result */
		p->v6only = rn->o->v6only || p->bare || sysv6 != 0;
		sa_fmt(sa, p->r.target, sizeof(p->r.target));
		p->r.family = sa->sa_family;
		sa_fmt_host(sa, p->r.address, sizeof(p->r.address));
		p->r.port = sa_port(sa);
	}
	return 0;
}

/*
 * The endpoints in argv[1..npos]: each argument one ([ADDRESS:]PORT, a
 * Unix socket), or ADDRESS PORT as two when the first is no endpoint on
 * its own. Returns the count, or -1 with a message in err.
 */
static int
parse_endpoints(const struct bind_opts *o, char **argv, int npos,
    struct endpoint *eps, char *err, size_t errlen)
{
	int flags = o->udp ? EP_UDP : 0, n = 0;
	char e2[256];

	for (int i = 1; i <= npos; i++, n++) {
		if (ep_parse(argv[i], EP_PORT_ONLY | flags, &eps[n], err,
		    errlen) == 0)
			continue;
		if (i == npos)
			return -1;
		if (ep_parse2(argv[i], argv[i + 1], flags, &eps[n], e2,
		    sizeof(e2)) == 0) {
			i++;
			continue;
		}
		/* no endpoint alone, nor as ADDRESS PORT: the pair's error
		 * names the bad part ("127.0.0.1 65536": the port) */
		snprintf(err, errlen, "%s", e2);
		return -1;
	}
	return n;
}

/* Endpoints not reached when a signal came: each says so. */
static void
not_reached(struct run *rn, struct probe *p)
{
	p->st = P_INTR;
	p->r.elapsed_ms = 0;
	jb_knull(&p->r.extra, "owners");
	intr_results(&p->r, 1, rn->intr, 0, ST_BIND, 0, "earlier endpoints "
	    "were probed: %s was not tried", p->r.target);
}

int
cmd_probe_bind(struct ctx *c, int argc, char **argv)
{
	struct bind_opts o;
	struct opt opts[NOPTS];
	struct endpoint *eps;
	struct run rn;
	char err[256];
	int npos, rc, nep, code = 0, any = 0, sig = 0;
	long sysv6 = 0;

	memset(&o, 0, sizeof(o));
	opts_fill(opts, &o);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (npos == 0)
		return out_usage(c, "missing PORT (e.g. sockctl probe-bind "
		    "8080)");
	eps = calloc((size_t)npos, sizeof(*eps));
	if (eps == NULL)
		nomem_exit("probe-bind's endpoints");
	nep = parse_endpoints(&o, argv, npos, eps, err, sizeof(err));
	if (nep == -1) {
		free(eps);
		return out_usage(c, "%s", err);
	}

	memset(&rn, 0, sizeof(rn));
	rn.c = c;
	rn.o = &o;
	rn.t0_ns = clock_ns();
	rn.deadline = clock_ms() + o.wait_ms;
	pline_init(&rn.pl, c->err, c->quiet);
	/* --hold ends on any terminating signal, its files removed; a
	 * probe is cut short by SIGINT and SIGTERM, its results printed */
	if (o.hold)
		loop_term_sigs(rn.sigs);
	else
		for (int i = 0; i == 0 || loop_stop_sigs[i - 1] != 0; i++)
			rn.sigs[i] = loop_stop_sigs[i];
	/* blocked from here: what comes is read where the run waits */
	if (o.wait || o.hold)
		rn.intr = loop_sigwait(rn.sigs, 0);
	if (si_read_long(c->env.proc_root, "sys/net/ipv6/bindv6only",
	    &sysv6) == -1)
		sysv6 = 0;
	for (int i = 0; i < nep; i++)
		if (plan(&rn, &eps[i], i, sysv6) == -1) {
			out_err(c, "more than %d addresses to probe: give "
			    "fewer endpoints", MAX_PROBES);
			code = reason_exit(RS_USAGE);
			goto out;
		}
	for (int i = 0; i < rn.n; i++) {
		struct probe *p = &rn.p[i];

		if (p->st != P_TODO)
			continue;
		/* a signal that came between the waits is taken here */
		if (rn.intr == 0 && o.wait)
			rn.intr = loop_sigwait(rn.sigs, 0);
		if (rn.intr != 0) {
			not_reached(&rn, p);
			continue;
		}
		probe_one(&rn, p);
		if (o.hold && p->fd != -1)
			out_holding(c, p->is_unix ? (o.udp ? "dgram" :
			    "stream") : proto_name(&o),
			    (struct sockaddr *)&p->ss, o.hold_ms);
	}
	for (int i = 0; i < rn.n && rn.intr == 0; i++) {
		struct probe *p = &rn.p[i];
		int how;

		if (p->bare && !o.v6only && p->ss.ss_family == AF_INET6 &&
		    p->r.reason == RS_OK && eps[p->grp].port != 0 &&
		    (how = dual_blocked(&rn, p)) != 0)
			dual_note(p, how);
	}
	for (int i = 0; i < rn.n; i++)
		any |= rn.p[i].fd != -1;
	if (o.hold && any && rn.intr == 0) {
		sig = loop_sigwait(rn.sigs, o.hold_ms);
		if (sig != 0)
			out_trace(c, "hold ended early by a signal (%d)", sig);
	}
	for (int i = 0; i < rn.n; i++) {
		release(c, &rn.p[i]);
		rc = out_result(c, &rn.p[i].r);
		if (code == 0)
			code = rc;
	}
	if (rn.intr != 0)
		code = intr_exit(rn.intr);
out:
	for (int i = 0; i < rn.n; i++) {
		release(c, &rn.p[i]);
		result_free(&rn.p[i].r);
	}
	free(rn.p);
	free(eps);
	return code;
}
