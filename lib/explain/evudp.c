#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "evidence.h"
#include "evlimits.h"
#include "evudp.h"
#include "procnet.h"
#include "sysinfo.h"

/* The UDP sockets bound to a port, and whether one takes dst's traffic. */
struct ports {
	const struct sockaddr	*dst;
	int			 n, match;
	char			 where[256];
	size_t			 used;
};

static int
port_fn(const struct pn_sock *s, void *arg)
{
	struct ports *p = arg;
	const struct sockaddr *l = (const struct sockaddr *)&s->local;
	char as[ADDRSTR_MAX];
	int v6any;

	p->n++;
	if (sa_listens_for(l, p->dst, &v6any) && !(v6any && s->v6only == 1))
		p->match = 1;
	if (p->used + ADDRSTR_MAX + 2 < sizeof(p->where))
		p->used += (size_t)snprintf(p->where + p->used,
		    sizeof(p->where) - p->used, "%s%s", p->used ? ", " : "",
		    sa_fmt(l, as, sizeof(as)));
	return 0;
}

/* A target on this machine: which UDP sockets hold its port. */
static void
local_port(const struct ev_env *c, const struct evudp_facts *f,
    struct result *r)
{
	struct ports p;
	int port = sa_port(f->dst);

	if (!si_is_local(f->dst))
		return;
	memset(&p, 0, sizeof(p));
	p.dst = f->dst;
	if (pn_scan_states(c->proc_root, IPPROTO_UDP, port, PN_ALL_STATES,
	    port_fn, &p) == -1)
		return;
	if (p.n == 0)
		result_cause(r, "the target is this machine, and no UDP socket "
		    "here is bound to port %d", port);
	else if (!p.match)
		result_cause(r, "the target is this machine; UDP port %d is "
		    "bound, but on %s, not on the address probed", port,
		    p.where);
	else if (r->dx == DX_UDP_SILENCE)
		result_cause(r, "the target is this machine and UDP port %d "
		    "is bound (%s): the datagrams arrived, and the service did "
		    "not answer this payload", port, p.where);
}

/* Who sent the ICMP error, in words. */
static void
icmp_sender(const struct evudp_facts *f, struct result *r)
{
	char ib[128], h[ADDRSTR_MAX];
	const struct sockaddr *o = (const struct sockaddr *)&f->icmp.offender;

	if (f->icmp.origin == 0)
		return;
	icmp_describe(&f->icmp, ib, sizeof(ib));
	if (!f->icmp.has_offender) {
		result_cause(r, "the kernel queued an %s", ib);
		return;
	}
	sa_fmt_host(o, h, sizeof(h));
	if (sa_same_addr(o, f->dst))
		result_cause(r, "the %s came from %s, the target itself: "
		    "nothing there is bound to that UDP port", ib, h);
	else if (si_is_local(o))
		result_cause(r, "the %s came from %s, this machine: a local "
		    "firewall rule (REJECT) or no socket on the port", ib, h);
	else
		result_cause(r, "the %s came from %s, not from the target: a "
		    "router or firewall on the path refused the datagram", ib,
		    h);
}

void
evudp_explain(const struct ev_env *c, const struct evudp_facts *f,
    struct result *r)
{
	const struct diag *d;

	d = diag_of(r->stage, r->dx, 0, r->err);
	switch (d->hook) {
	case DH_LOCAL_LISTENER:
		icmp_sender(f, r);
		local_port(c, f, r);
		break;
	case DH_ROUTE:
	case DH_POLICY:
		icmp_sender(f, r);
		break;
	case DH_FD_LIMIT:
	case DH_MEMORY:
		evlimits_explain(c, r, r->err);
		break;
	default:
		if (d->reason == RS_RESOURCE)
			evlimits_explain(c, r, r->err);
		break;
	}
}
