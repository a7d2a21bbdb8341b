#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "errname.h"
#include "evconn.h"
#include "evidence.h"
#include "evlimits.h"
#include "evunix.h"
#include "expect.h"
#include "listen.h"
#include "owners.h"
#include "procnet.h"
#include "sysinfo.h"

#define ARP_GIVEUP_MS	3000	/* a neighbour lookup fails after ~3 s */

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return sa_same_addr((const struct sockaddr *)a,
	    (const struct sockaddr *)b);
}

/* On this machine: loopback, or an address of one of its interfaces. */
static int
is_local(const struct sockaddr_storage *ss)
{
	return sa_is_loopback((const struct sockaddr *)ss) ||
	    si_is_local((const struct sockaddr *)ss);
}

void
evconn_free(struct evconn *ev)
{
	listen_cache_free(&ev->lc);
}

/* Sockets connected to dst (its address and port), and in TIME_WAIT. */
struct conns {
	const struct sockaddr	*dst;
	int			 to_dst;
	int			 to_dst_tw;
};

static int
conn_fn(const struct pn_sock *s, void *arg)
{
	struct conns *cs = arg;
	const struct sockaddr *rem = (const struct sockaddr *)&s->remote;
	int v6any;

	if (s->state == PN_LISTEN || sa_port(rem) != sa_port(cs->dst))
		return 0;
	if (sa_same_addr(rem, cs->dst) || (sa_listens_for(rem, cs->dst,
	    &v6any) && !sa_is_wildcard(rem))) {
		cs->to_dst++;
		if (s->state == PN_TIME_WAIT)
			cs->to_dst_tw++;
	}
	return 0;
}

/* The cause and fix */

enum reason
evconn_reason(const struct dial_att *a)
{
	const struct diag *d;

	if (a->ok)
		return RS_OK;
	d = diag_of(a->stage, a->dx, 0, a->err);
	return d->reason;
}

static void
table_cause(struct result *r)
{
	const struct diag *d;

	d = diag_of(r->stage, r->dx, r->eai, r->err);
	result_cause(r, "%s", d->cause);
}

/* "the target itself (192.0.2.1)", "router 198.51.100.1", ... */
static const char *
sender(const struct dial_att *a, char *buf, size_t len)
{
	char h[64];	/* an IP address (ADDRSTR_MAX fits a Unix path) */

	if (!a->icmp.has_offender) {
		snprintf(buf, len, "an unnamed sender");
		return buf;
	}
	host_of(&a->icmp.offender, h, sizeof(h));
	if (is_local(&a->icmp.offender))
		snprintf(buf, len, "%s, this machine's own stack%s", h,
		    same_addr(&a->icmp.offender, &a->sa) ?
		    " (the target is local)" : "");
	else if (same_addr(&a->icmp.offender, &a->sa))
		snprintf(buf, len, "%s, the target's own address (the "
		    "target, or a firewall answering in its name)", h);
	else
		snprintf(buf, len, "router %s", h);
	return buf;
}

/* Whether this machine sent the ICMP error (its firewall, or ARP/ND). */
static int
from_self(const struct dial_att *a)
{
	return a->icmp.has_offender && is_local(&a->icmp.offender);
}

static void
why_refused(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];
	struct listen_match ls;
	int port = sa_port((struct sockaddr *)&a->sa);

	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0) {
		icmp_describe(&a->icmp, ib, sizeof(ib));
		result_cause(r, "an %s came back from %s instead of a TCP "
		    "reset: a firewall rejects the connection (REJECT with "
		    "icmp-port-unreachable); a closed TCP port answers with a "
		    "reset, not ICMP", ib, sender(a, sb, sizeof(sb)));
		result_fix(r, "check the firewall rules of %s (nft list "
		    "ruleset; iptables -S) for port %d",
		    from_self(a) ? "this machine" : "the target and the path",
		    port);
		return;
	}
	if (!is_local(&a->sa)) {
		table_cause(r);
		result_cause(r, "no ICMP error came back, so it was a TCP "
		    "reset: `ss -ltn` on %s tells an empty port from a "
		    "firewall's reset", h);
		return;
	}
	if (listen_lookup(ev->c->proc_root, &ev->lc,
	    (const struct sockaddr *)&a->sa, a->end_ns, &ls) == -1) {
		/* no table: "nothing listens" would be a guess */
		result_cause(r, "the TCP sockets of this machine could not be "
		    "read (%s), so whether anything listens on port %d is not "
		    "known here", errname(errno), port);
		result_fix(r, "ss -ltn sport = :%d (as root) shows the "
		    "listeners on the port", port);
	} else if (ls.nlisten == 0) {
		result_cause(r, "nothing listens on port %d on this machine "
		    "(the kernel lists no TCP socket in LISTEN on it)", port);
		result_fix(r, "start the service, or check the port it is "
		    "configured to listen on");
	} else if (!ls.match) {
		result_cause(r, "port %d listens here only on %s, not on %s",
		    port, ls.where, h);
		result_fix(r, "connect to the address it listens on, or make "
		    "the service listen on %s (or on %s)", h,
		    a->sa.ss_family == AF_INET6 ? "[::]" : "0.0.0.0");
	} else if (ls.match_v6any && ls.m.v6only == 1) {
		result_cause(r, "port %d listens here on [::] only, and that "
		    "socket set IPV6_V6ONLY (the kernel says so), so it takes "
		    "no IPv4 connections", port);
		result_fix(r, "make the service listen on 0.0.0.0 as well, or "
		    "connect over IPv6");
	} else if (ls.match_v6any && ls.m.v6only != 0) {
		/* the /proc files do not show IPV6_V6ONLY */
		result_cause(r, "port %d listens here on [::] only: that "
		    "socket set IPV6_V6ONLY, so it takes no IPv4 connections "
		    "(or a firewall rule here rejects with tcp-reset)", port);
		result_fix(r, "make the service listen on 0.0.0.0 as well, or "
		    "connect over IPv6");
	} else {
		result_cause(r, "a socket listens on %s, yet the connection "
		    "was reset: probably a firewall rule on this machine "
		    "(REJECT with tcp-reset)", ls.where);
		result_fix(r, "check the local firewall: nft list ruleset; "
		    "iptables -S INPUT");
	}
}

static void
why_timeout(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char h[ADDRSTR_MAX], ifn[IF_NAMESIZE];
	struct listen_match ls;
	int port = sa_port((struct sockaddr *)&a->sa);
	int64_t t = ev->c->timeout_ms;

	host_of(&a->sa, h, sizeof(h));
	if (a->cut && a->end_ns - a->start_ns < t * 1000000) {
		result_cause(r, "no answer before the --wait deadline cut the "
		    "attempt short (after %.0f ms)", clock_between_ms(a->start_ns,
		    a->end_ns));
	}
	if (sa_is_loopback((const struct sockaddr *)&a->sa) &&
	    si_loopback_up() == 0) {
		result_cause(r, "the loopback interface is down: packets to "
		    "%s go nowhere, so the SYN is never answered", h);
		result_fix(r, "bring it up: ip link set lo up");
		return;
	}
	if (is_local(&a->sa)) {
		(void)listen_lookup(ev->c->proc_root, &ev->lc,
		    (const struct sockaddr *)&a->sa, a->end_ns, &ls);
		/* the kernel drops a SYN once more than backlog connections
		 * wait; without the backlog (/proc/net/tcp) any wait counts */
		if (listen_queue_full(&ls)) {
			if (ls.m.has_backlog)
				result_cause(r, "the listener on port %d has a "
				    "full accept queue (%lu waiting, backlog "
				    "%lu): the application is not calling "
				    "accept(), so the kernel drops new SYNs",
				    port, ls.m.rxq, ls.m.backlog);
			else
				result_cause(r, "the listener on port %d has "
				    "%lu connection%s waiting in its accept "
				    "queue, probably a full accept queue (%s/net/"
				    "tcp does not show the backlog): the "
				    "application is not calling accept(), so "
				    "the kernel drops new SYNs", port, ls.m.rxq,
				    ls.m.rxq == 1 ? "" : "s", ev->c->proc_root);
			result_fix(r, "find out why the service stopped "
			    "accepting (hung, deadlocked, overloaded: ss -ltn "
			    "sport = :%d shows Recv-Q); a larger listen() "
			    "backlog only helps a slow one", port);
			return;
		}
		if (ls.match) {
			char bl[48] = "";

			if (ls.m.has_backlog)
				snprintf(bl, sizeof(bl), ", backlog %lu",
				    ls.m.backlog);
			result_cause(r, "a socket listens on %s:%d with room in "
			    "its accept queue (%lu waiting%s), so the SYN or "
			    "its answer was dropped: probably a firewall rule "
			    "on this machine", ls.where, port, ls.m.rxq, bl);
		} else {
			result_cause(r, "nothing listens on port %d here, yet "
			    "no reset came back: a firewall rule on this "
			    "machine drops the SYN (a closed port answers with "
			    "a reset)", port);
		}
		result_fix(r, "check the local firewall for a DROP rule: nft "
		    "list ruleset; iptables -S");
		return;
	}
	table_cause(r);
	if (a->icmp.origin != 0) {
		char ib[128], sb[160];

		result_cause(r, "an %s came from %s", icmp_describe(&a->icmp,
		    ib, sizeof(ib)), sender(a, sb, sizeof(sb)));
	}
	if (si_on_link((const struct sockaddr *)&a->sa, ifn, sizeof(ifn))) {
		int arp = si_arp_state(ev->c->proc_root,
		    (const struct sockaddr *)&a->sa);

		if (arp == 1)
			result_cause(r, "%s is on the local subnet of %s and "
			    "answered ARP (complete in %s/net/arp), so it is "
			    "up: probably a firewall there drops the SYN", h,
			    ifn, ev->c->proc_root);
		else if (arp == 0)
			result_cause(r, "%s is on the local subnet of %s and "
			    "has not answered ARP (incomplete in %s/net/arp): "
			    "no host has that address, or it is down", h, ifn,
			    ev->c->proc_root);
		else if (arp == -1)
			result_cause(r, "%s is on the local subnet of %s, yet "
			    "no ARP entry was made for it: the SYN probably "
			    "never left this machine (a DROP rule in the local "
			    "OUTPUT chain: nft list ruleset; iptables -S "
			    "OUTPUT)", h, ifn);
		if (t < ARP_GIVEUP_MS && (arp == 0 || arp == -2))
			result_cause(r, "the time limit (%lld ms) is shorter "
			    "than the ~3 s a failing neighbour lookup takes: "
			    "with a longer -t this may end as unreachable; ip "
			    "neigh show %s tells", (long long)t, h);
	} else
		result_cause(r, "a DROP rule and a host that is down look the "
		    "same from here; a router that knows the host is gone "
		    "would have sent an ICMP error");
}

/*
 * Whether a failed for want of IPv6 here: a (not IPv4-mapped) IPv6
 * address and no IPv6 default route. Returns 2 when IPv6 is not
 * configured at all (no address beyond link-local either), whatever
 * IPv4's routes are; 1 on an IPv4-only network (an IPv4 default route);
 * 0 otherwise.
 */
static int
ipv6_gap(const struct evconn *ev, const struct dial_att *a)
{
	int v4, v6;

	if (a->sa.ss_family != AF_INET6 || IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)&a->sa)->sin6_addr) ||
	    (a->err != ENETUNREACH && a->err != EHOSTUNREACH))
		return 0;
	if (si_default_routes(ev->c->proc_root, &v4, &v6) == -1 || v6 != 0)
		return 0;
	if (si_ipv6_routable() == 0)
		return 2;
	return v4 == 1;
}

static void
ipv6_gap_why(const struct dial_att *a, int gap, struct result *r)
{
	char h[ADDRSTR_MAX];

	host_of(&a->sa, h, sizeof(h));
	if (gap == 2) {
		result_cause(r, "IPv6 is not configured on this machine: no "
		    "IPv6 address beyond link-local (fe80::) and no IPv6 "
		    "default route, so %s cannot be reached over IPv6", h);
		result_fix(r, "use -4 or the host's IPv4 address, or configure "
		    "IPv6 here (an address and a default route)");
		return;
	}
	result_cause(r, "this machine has no IPv6 default route (ip -6 "
	    "route show default is empty) while IPv4 has one: an IPv4-only "
	    "network, where an IPv6 address off the local subnets, such as "
	    "%s, cannot be reached", h);
	result_fix(r, "use -4 or the host's IPv4 address, or give this "
	    "machine IPv6 connectivity (a default route: ip -6 route add "
	    "default via ROUTER)");
}

static void
why_unreach(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];

	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0) {
		icmp_describe(&a->icmp, ib, sizeof(ib));
		if (from_self(a) && a->icmp.kind == IK_HOST &&
		    a->end_ns - a->start_ns < 1000000000LL) {
			result_cause(r, "%s from %s after %.1f ms: a firewall "
			    "rule on this machine rejects the connection (REJECT "
			    "with icmp-host-unreachable); a neighbour that never "
			    "answers %s gives the same error, but only after "
			    "~3 s", ib, sender(a, sb, sizeof(sb)),
			    clock_between_ms(a->start_ns, a->end_ns),
			    a->sa.ss_family == AF_INET6 ? "ND" : "ARP");
			result_fix(r, "check the local firewall: nft list "
			    "ruleset; iptables -S OUTPUT");
		} else if (from_self(a) && a->icmp.kind == IK_HOST) {
			result_cause(r, "no neighbour answered %s for %s on "
			    "the local network (%s from %s): the host is down "
			    "or not on that subnet", a->sa.ss_family ==
			    AF_INET6 ? "neighbour discovery" : "ARP", h, ib,
			    sender(a, sb, sizeof(sb)));
			result_fix(r, "check that %s is up and on this "
			    "network (ip neigh show %s shows FAILED)", h, h);
		} else if (same_addr(&a->icmp.offender, &a->sa) &&
		    a->icmp.has_offender && !from_self(a)) {
			result_cause(r, "%s from %s: a host does not report "
			    "itself unreachable, so a firewall on it (or in "
			    "front of it) rejects the connection%s", ib,
			    sender(a, sb, sizeof(sb)), a->icmp.kind ==
			    IK_ADMIN ? " (REJECT with admin-prohibited)" : "");
			result_fix(r, "check the firewall of %s for port %d "
			    "(nft list ruleset; iptables -S INPUT)", h,
			    sa_port((struct sockaddr *)&a->sa));
		} else if (a->icmp.kind == IK_ADMIN) {
			result_cause(r, "%s from %s: a firewall %s refuses the "
			    "connection", ib, sender(a, sb, sizeof(sb)),
			    from_self(a) ? "on this machine" :
			    "at that address");
			result_fix(r, "check the firewall rules %s (REJECT "
			    "with admin-prohibited)", from_self(a) ?
			    "here: nft list ruleset; iptables -S OUTPUT" :
			    "of the sender, or ask its owner");
		} else {
			result_cause(r, "%s from %s", ib, sender(a, sb,
			    sizeof(sb)));
			if (from_self(a) && a->icmp.kind == IK_NET &&
			    ipv6_gap(ev, a))
				ipv6_gap_why(a, ipv6_gap(ev, a), r);
			else if (from_self(a))
				result_fix(r, "check this machine's route "
				    "to %s: ip route get %s", h, h);
			else
				result_fix(r, "the network beyond that sender "
				    "cannot reach %s: check the host and that "
				    "router's routes (traceroute %s)", h, h);
		}
		return;
	}
	if (a->immediate) {
		int gap = ipv6_gap(ev, a);

		if (a->err == EINVAL)
			result_cause(r, "connect() failed at once with EINVAL: "
			    "the route to %s is a blackhole, or the address is "
			    "one TCP cannot connect to (broadcast, multicast)",
			    h);
		else if (a->err == ENETUNREACH)
			result_cause(r, "this machine has no route to %s (the "
			    "connect failed before any packet left)", h);
		else if (a->err == EHOSTUNREACH)
			result_cause(r, "this machine's routing table refuses "
			    "%s before any packet left (an unreachable route, "
			    "or a neighbour that failed a moment ago)", h);
		else
			table_cause(r);
		if (gap) {
			ipv6_gap_why(a, gap, r);
			return;
		}
		result_fix(r, "check the routes: ip route get %s%s", h,
		    a->err == EINVAL ? " (blackhole?)" : "");
		return;
	}
	table_cause(r);
	result_cause(r, "no ICMP error was queued, so this cannot tell a "
	    "router's report from a neighbour that never answered: ip neigh "
	    "show %s (FAILED: no ARP/ND answer) and traceroute %s tell them "
	    "apart", h, h);
}

static void
why_perm(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];

	(void)ev;
	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0 && !from_self(a)) {
		result_cause(r, "an %s came back from %s: a firewall there "
		    "rejects the connection; not a permission problem on this "
		    "machine", icmp_describe(&a->icmp, ib, sizeof(ib)),
		    sender(a, sb, sizeof(sb)));
		result_fix(r, "check the firewall of the sender, or ask its "
		    "owner to allow port %d",
		    sa_port((struct sockaddr *)&a->sa));
		return;
	}
	if (a->icmp.origin != 0) {
		result_cause(r, "an %s came from this machine's own stack: a "
		    "local firewall rule rejects the connection",
		    icmp_describe(&a->icmp, ib, sizeof(ib)));
		result_fix(r, "check the local firewall: nft list ruleset; "
		    "iptables -S OUTPUT");
		return;
	}
	if (a->immediate && a->err == EACCES) {
		result_cause(r, "refused on this machine before any packet "
		    "left: a prohibit route to %s, or a security module "
		    "(SELinux, AppArmor) denying the connect", h);
		result_fix(r, "check the route (ip route get %s shows "
		    "'prohibit') and the security module's log (ausearch -m "
		    "avc; journalctl -k)", h);
		return;
	}
	table_cause(r);
}

static void
why_addrna(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char h[ADDRSTR_MAX];
	struct conns cs;
	int lo, hi;

	sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h));
	if (a->sa.ss_family == AF_INET6 && si_ipv6_disabled(
	    ev->c->proc_root) == 1) {
		result_cause(r, "IPv6 is disabled on this machine "
		    "(net.ipv6.conf.all.disable_ipv6), so no local IPv6 "
		    "address can reach %s", h);
		result_fix(r, "use IPv4 (-4), or enable IPv6: sysctl -w "
		    "net.ipv6.conf.all.disable_ipv6=0");
		return;
	}
	table_cause(r);
	memset(&cs, 0, sizeof(cs));
	cs.dst = (const struct sockaddr *)&a->sa;
	(void)pn_scan(ev->c->proc_root, IPPROTO_TCP, -1, conn_fn, &cs);
	if (si_local_port_range(ev->c->proc_root, &lo, &hi) == 0)
		result_cause(r, "net.ipv4.ip_local_port_range is %d-%d (%d "
		    "ports); %d sockets here go to %s now, %d of them in "
		    "TIME_WAIT", lo, hi, hi - lo + 1, cs.to_dst, h,
		    cs.to_dst_tw);
}

/* Whether socket end s (as the kernel lists it) is address and port w;
 * a dual-stack listener's connections list IPv4 as ::ffff:a.b.c.d. */
static int
same_end(const struct sockaddr_storage *s, const struct sockaddr_storage *w)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)s;
	const struct sockaddr_in *w4 = (const struct sockaddr_in *)w;

	if (sa_port((const struct sockaddr *)s) !=
	    sa_port((const struct sockaddr *)w))
		return 0;
	if (s->ss_family == AF_INET6 && w->ss_family == AF_INET)
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && memcmp(
		    s6->sin6_addr.s6_addr + 12, &w4->sin_addr, 4) == 0;
	return same_addr(s, w);
}

/* The server's end of one connection: found, its state and inode. */
struct server_end {
	const struct dial_att	*a;
	int			 found;
	int			 state;
	unsigned long		 inode;
};

static int
server_end_fn(const struct pn_sock *s, void *arg)
{
	struct server_end *se = arg;

	if (s->state == PN_LISTEN || !same_end(&s->local, &se->a->sa) ||
	    !same_end(&s->remote, &se->a->local))
		return 0;
	se->found = 1;
	se->state = s->state;
	se->inode = s->inode;
	return 1;
}

/*
 * When nothing came back from a local server because it never accepted
 * the connection (the server's end is still in the listener's accept
 * queue: no process holds it, sock_diag shows inode 0), says so and names
 * the listening process. Returns 1 when it did.
 */
static int
why_unaccepted(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	struct server_end se = { a, 0, 0, 0 };
	struct listen_match ls;
	struct owners *w;
	struct owners_proc *p = NULL;
	char who[256], bl[48] = "", h[ADDRSTR_MAX];
	int port = sa_port((const struct sockaddr *)&a->sa), nshare = 0;

	if (a->local.ss_family != a->sa.ss_family || !is_local(&a->sa))
		return 0;
	if (pn_scan_states(ev->c->proc_root, IPPROTO_TCP, port, PN_ALL_STATES,
	    server_end_fn, &se) == -1 || !se.found || se.inode != 0 ||
	    (se.state != PN_ESTABLISHED && se.state != PN_CLOSE_WAIT &&
	    se.state != PN_SYN_RECV && se.state != PN_NEW_SYN_RECV))
		return 0;
	/* the listener is read now, not from a cache older than this */
	(void)listen_lookup(ev->c->proc_root, NULL,
	    (const struct sockaddr *)&a->sa, 0, &ls);
	if (!ls.match)
		return 0;
	if ((w = owners_walk(ev->c->proc_root, 0)) != NULL)
		p = owners_of(w, ls.m.inode, &nshare);
	if (p != NULL) {
		const struct pn_owner *o = owners_who(w, p);

		snprintf(who, sizeof(who), "pid %d (%s, user %s)%s", o->pid,
		    o->tcomm, o->user, nshare > 1 ? " and the processes that "
		    "share its socket" : "");
	} else {
		char u[64];

		pn_user(ls.m.uid, u, sizeof(u));
		snprintf(who, sizeof(who), "a process of user %s (which one "
		    "is hidden from this user: root would see it)", u);
	}
	if (ls.m.has_backlog)
		snprintf(bl, sizeof(bl), ", backlog %lu", ls.m.backlog);
	r->message[0] = r->hint[0] = '\0';
	result_cause(r, "nothing came back within %lld ms because the server "
	    "never accepted the connection: it still waits in the accept "
	    "queue of the listener on %s:%d of %s, %lu waiting%s: the kernel "
	    "completed the handshake, but the process has not called "
	    "accept()", (long long)ev->c->timeout_ms, host_of(&a->sa, h,
	    sizeof(h)), port, who, ls.m.rxq, bl);
	if (p != NULL)
		result_fix(r, "find out why pid %d is not accepting (hung, "
		    "blocked, overloaded: cat /proc/%d/wchan; sockctl inspect "
		    "--pid %d); /%s/ was never tried against a reply",
		    p->pid, p->pid, p->pid, ev->expect);
	else
		result_fix(r, "find out why the server on port %d is not "
		    "accepting (sudo sockctl inspect --listening names it); "
		    "/%s/ was never tried against a reply", port, ev->expect);
	owners_free(w);
	return 1;
}

static void
why_exchange(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	char buf[EXPECT_SHOW_LEN];
	double after = clock_between_ms(a->est_ns, a->end_ns);

	expect_show(a->rbuf ? a->rbuf : "", a->rlen, buf, sizeof(buf));
	switch (a->dx) {
	case DX_EXPECT_MISMATCH:
		if (a->rlen >= DIAL_RECV_MAX)
			result_cause(r, "the reply did not match /%s/ in its "
			    "first %d bytes: '%s'", ev->expect, DIAL_RECV_MAX,
			    buf);
		else if (a->rlen == 0 && why_unaccepted(ev, a, r))
			return;
		else if (a->rlen == 0)
			result_cause(r, "nothing was received within %lld ms "
			    "of %s, so /%s/ could not match",
			    (long long)ev->c->timeout_ms, ev->sendlen ?
			    "sending" : "connecting", ev->expect);
		else
			result_cause(r, "the reply did not match /%s/ within "
			    "%lld ms; received %zu bytes: '%s'", ev->expect,
			    (long long)ev->c->timeout_ms, a->rlen, buf);
		return;
	case DX_EXPECT_CUT:
		result_cause(r, "matching /%s/ against the %zu-byte reply was "
		    "cut off at the time limit (%lld ms): the pattern is too "
		    "costly for a reply this long, so whether it matches is "
		    "unknown; received: '%s'", ev->expect, a->rlen,
		    (long long)ev->c->timeout_ms, buf);
		return;
	case DX_EXPECT_CLOSED:
		if (a->rlen == 0)
			result_cause(r, "the peer accepted, then closed %.1f "
			    "ms later without sending anything: typical of a "
			    "proxy whose backend is down, or a service that "
			    "rejects this client", after);
		else
			result_cause(r, "the peer closed before the reply "
			    "matched /%s/; received %zu bytes: '%s'",
			    ev->expect, a->rlen, buf);
		return;
	case DX_PEER_CLOSED:
		result_cause(r, "the peer accepted, then closed %.1f ms later "
		    "without a reply: typical of a proxy whose backend is down, "
		    "or a service that rejects this client", after);
		return;
	default:
		break;
	}
	if (a->err == ECONNRESET || a->err == EPIPE) {
		result_cause(r, "the peer accepted, then reset the connection "
		    "%.1f ms later%s%s%s: typical of a proxy whose backend is "
		    "down, or a service that rejects this client", after,
		    a->rlen ? " after sending '" : "", a->rlen ? buf : "",
		    a->rlen ? "'" : "");
		return;
	}
	if (a->err == ETIMEDOUT) {
		result_cause(r, "the peer did not take the data within %lld "
		    "ms (its receive window stayed full)",
		    (long long)ev->c->timeout_ms);
		return;
	}
	table_cause(r);
}

static void
why_resource(struct evconn *ev, struct result *r)
{
	table_cause(r);
	evlimits_explain(ev->c, r, r->err);
	if (ev->jobs > 64)
		result_fix(r, "or lower -j (now %lld)", ev->jobs);
}

void
evconn_explain(struct evconn *ev, const struct dial_att *a, struct result *r)
{
	const struct diag *d;

	if (a->stage == ST_CONNECT && a->err == ECONNRESET) {
		/* the handshake completed, and the reset came before we
		 * looked: on loopback that takes microseconds */
		result_cause(r, "the peer accepted, then reset the connection "
		    "at once (within %.1f ms of connecting): typical of a proxy "
		    "whose backend is down, or a service that rejects this "
		    "client", clock_between_ms(a->start_ns, a->end_ns));
		return;
	}
	/* after connecting, what came back is the evidence, whatever the
	 * error: the exchange's own */
	if (a->stage == ST_SEND || a->stage == ST_RECV ||
	    a->stage == ST_EXPECT) {
		why_exchange(ev, a, r);
		return;
	}
	/* otherwise the table's hook column says which evidence to look for */
	d = diag_of(a->stage, a->dx, 0, a->err);
	switch (d->hook) {
	case DH_LOCAL_LISTENER:
		why_refused(ev, a, r);
		break;
	case DH_UNIX_CONNECT:
		/* a path or an abstract name (lib/explain/evunix) */
		evunix_connect(ev->c, (const struct sockaddr *)&a->sa,
		    SOCK_STREAM, a->dx, a->err, r);
		break;
	case DH_ACCEPT_QUEUE:
		why_timeout(ev, a, r);
		break;
	case DH_ROUTE:
		why_unreach(ev, a, r);
		break;
	case DH_POLICY:
		why_perm(ev, a, r);
		break;
	case DH_EPHEMERAL:
	case DH_LOCAL_ADDRS:
		why_addrna(ev, a, r);
		break;
	case DH_FD_LIMIT:
	case DH_MEMORY:
		why_resource(ev, r);
		break;
	default:
		break;
	}
}
